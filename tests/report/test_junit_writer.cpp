// JUnit XML, parsed back with libxml2 (a real, strict parser) and queried with XPath.
#include <libxml/parser.h>
#include <libxml/xpath.h>

#include <catch2/catch.hpp>
#include <memory>

#include "sample_results.hpp"

using namespace tlsflags;
using namespace tlsflags::report;

namespace {

// A parsed document and XPath queries over it.
class Xml {
 public:
  explicit Xml(const std::string& text)
      : doc_(xmlReadMemory(text.data(), static_cast<int>(text.size()), "junit.xml", nullptr,
                           XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING),
             xmlFreeDoc) {}
  bool parsed() const { return doc_ != nullptr; }

  double number(const std::string& xpath) const {
    auto result = evaluate(xpath);
    return result ? xmlXPathCastToNumber(result.get()) : -1;
  }
  std::string string(const std::string& xpath) const {
    auto result = evaluate(xpath);
    if (!result) return "<no result>";
    xmlChar* text = xmlXPathCastToString(result.get());
    std::string out(reinterpret_cast<const char*>(text));
    xmlFree(text);
    return out;
  }

 private:
  std::unique_ptr<xmlXPathObject, void (*)(xmlXPathObjectPtr)> evaluate(const std::string& xpath) const {
    std::unique_ptr<xmlXPathContext, void (*)(xmlXPathContextPtr)> context(xmlXPathNewContext(doc_.get()),
                                                                            xmlXPathFreeContext);
    return {xmlXPathEvalExpression(reinterpret_cast<const xmlChar*>(xpath.c_str()), context.get()),
            xmlXPathFreeObject};
  }
  std::unique_ptr<xmlDoc, void (*)(xmlDocPtr)> doc_;
};

}  // namespace

TEST_CASE("junit: one testsuite per file, one testcase per connection", "[junit]") {
  Xml xml(samples::render(Format::junit, samples::two_files()));
  REQUIRE(xml.parsed());
  CHECK(xml.number("count(/testsuites/testsuite)") == 2);
  CHECK(xml.number("count(//testcase)") == 3);
  CHECK(xml.string("/testsuites/testsuite[1]/@name") == "a.pcap");
  CHECK(xml.string("/testsuites/testsuite[1]/@tests") == "2");
  CHECK(xml.string("/testsuites/testsuite[1]/@failures") == "1");
  CHECK(xml.string("/testsuites/testsuite[2]/@skipped") == "1");
  CHECK(xml.string("/testsuites/@tests") == "3");
  CHECK(xml.string("/testsuites/@failures") == "1");
  CHECK(xml.string("/testsuites/@skipped") == "1");
  CHECK(xml.string("/testsuites/testsuite[1]/testcase[1]/@name") == "10.0.0.1:50000 -> 10.0.0.2:443 (frames 1-19)");
  CHECK(xml.string("/testsuites/testsuite[2]/testcase[1]/@name") ==
        "[2001:db8::1]:40000 -> [2001:db8::2]:8443 (frames 3-7)");
  CHECK(xml.string("/testsuites/testsuite[1]/testcase[1]/@classname") == "a.pcap");
}

TEST_CASE("junit: fail -> failure with the findings, undecidable -> skipped, notes -> system-out", "[junit]") {
  Xml xml(samples::render(Format::junit, samples::two_files()));
  REQUIRE(xml.parsed());
  CHECK(xml.number("count(//failure)") == 1);
  CHECK(xml.number("count(/testsuites/testsuite[1]/testcase[2]/failure)") == 1);
  CHECK(xml.string("//failure/@message") == "1 error: rca.server.ack-without-request");
  CHECK_THAT(xml.string("//failure"), Catch::Contains("error rca.server.ack-without-request: the CertificateRequest") &&
                                          Catch::Contains("(frames 22, 24)"));
  CHECK_THAT(xml.string("/testsuites/testsuite[1]/testcase[2]/system-out"),
             Catch::Contains("info rca.server.cr-without-ack: a note (frame 24)"));
  CHECK(xml.number("count(//skipped)") == 1);
  CHECK(xml.string("//skipped/@message") == "undecidable: rca.client.no-certificate: no keys for this connection");
  CHECK(xml.number("count(/testsuites/testsuite[1]/testcase[1]/*)") == 0);  // pass: nothing to say
}

TEST_CASE("junit: warnings pass with the warning in system-out; not-applicable is skipped", "[junit]") {
  Judgement warned = samples::passing_judgement();
  warned.verdict = Verdict::warn;
  warned.findings.push_back({RuleId::rca_client_flag_without_certificate, Severity::warning, "empty cert", {9}});
  Judgement not_applicable;
  std::vector<FileResult> files = {{"w.pcap", std::nullopt,
                                    {samples::result(samples::passing_timeline(), warned),
                                     samples::result(samples::failing_timeline(), not_applicable)}}};
  Xml xml(samples::render(Format::junit, files));
  REQUIRE(xml.parsed());
  CHECK(xml.number("count(//failure)") == 0);
  CHECK_THAT(xml.string("//testcase[1]/system-out"), Catch::Contains("warning rca.client.flag-without-certificate"));
  CHECK_THAT(xml.string("//testcase[2]/skipped/@message"), Catch::StartsWith("not-applicable"));
}

TEST_CASE("junit: a capture that could not be read is an error", "[junit]") {
  std::vector<FileResult> files = {{"gone.pcap", std::string("No such file"), {}}};
  Xml xml(samples::render(Format::junit, files));
  REQUIRE(xml.parsed());
  CHECK(xml.string("/testsuites/@errors") == "1");
  CHECK(xml.string("//testsuite/@errors") == "1");
  CHECK(xml.string("//error/@message") == "could not be read: No such file");
}

TEST_CASE("junit: XML specials and control characters are escaped or dropped", "[junit][escape]") {
  auto files = samples::two_files();
  files[0].file = "a&<b>\"'.pcap";
  files[0].connections[1].judgement.findings[0].message = "<script>&amp;\"'\x1b[2J\x01\x7f end\xFF";
  std::string text = samples::render(Format::junit, files);
  CHECK(text.find('\x1b') == std::string::npos);
  CHECK(text.find('\x01') == std::string::npos);
  Xml xml(text);
  REQUIRE(xml.parsed());
  CHECK(xml.string("/testsuites/testsuite[1]/@name") == "a&<b>\"'.pcap");
  CHECK_THAT(xml.string("//failure"), Catch::Contains("<script>&amp;\"'[2J\x7f end\xEF\xBF\xBD"));
}
