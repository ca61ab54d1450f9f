// JUnit XML as CI systems read it (Jenkins, GitLab, GitHub test reporters): one <testsuite> per capture,
// one <testcase> per connection. fail -> <failure>; undecidable and not-applicable -> <skipped>; a
// capture that could not be read -> <error>; warnings and notes -> <system-out>. The root element's
// totals are only known at the end, so the document is assembled in memory.
#include <sstream>

#include "names.hpp"
#include "tlsflags/report/escape.hpp"
#include "writers.hpp"

namespace tlsflags::report {
namespace {

struct Totals {
  size_t tests = 0, failures = 0, errors = 0, skipped = 0;
  void add(const Totals& other) {
    tests += other.tests;
    failures += other.failures;
    errors += other.errors;
    skipped += other.skipped;
  }
};

std::string attribute(std::string_view name, std::string_view value) {
  return " " + std::string(name) + "=\"" + xml_escape(value) + "\"";
}

std::string counts_attributes(const Totals& t) {
  return attribute("tests", std::to_string(t.tests)) + attribute("failures", std::to_string(t.failures)) +
         attribute("errors", std::to_string(t.errors)) + attribute("skipped", std::to_string(t.skipped));
}

std::string testcase_name(const ConnectionResult& c) {
  return c.client.to_string() + " -> " + c.server.to_string() + " (frames " + std::to_string(c.first_frame) + "-" +
         std::to_string(c.last_frame) + ")";
}

std::string finding_line(const Finding& f) {
  std::string line = std::string(to_string(f.severity)) + " " + std::string(rule_info(f.rule).name) + ": " + f.message;
  return line + frames_note(f.frames) + "\n";
}

std::string failure_summary(const Judgement& j) {
  std::string rules;
  size_t errors = 0;
  for (const Finding& f : j.findings) {
    if (f.severity != Severity::error) continue;
    ++errors;
    rules += (rules.empty() ? "" : ", ") + std::string(rule_info(f.rule).name);
  }
  return std::to_string(errors) + (errors == 1 ? " error: " : " errors: ") + rules;
}

std::string skip_reason(const Judgement& j) {
  if (j.verdict == Verdict::not_applicable) return "not-applicable: no TLS Flags extension was seen, or TLS 1.2";
  std::string reason = "undecidable";
  for (const Undecided& u : j.undecided)
    reason += (reason == "undecidable" ? ": " : "; ") + std::string(rule_info(u.rule).name) + ": " + u.reason;
  return reason;
}

std::string findings_text(const Judgement& j, bool errors_only) {
  std::string text;
  for (const Finding& f : j.findings)
    if ((f.severity == Severity::error) == errors_only) text += finding_line(f);
  return text;
}

class JunitWriter final : public Writer {
 public:
  JunitWriter(std::ostream& out, const WriterOptions& options) : out_(out), options_(options) {}

  void file(const FileResult& file) override {
    Totals totals;
    std::string cases;
    if (file.read_error) {
      ++totals.tests;
      ++totals.errors;
      cases += "    <testcase" + attribute("classname", file.file) + attribute("name", "read capture") + ">\n" +
               "      <error" + attribute("message", "could not be read: " + *file.read_error) + "/>\n" +
               "    </testcase>\n";
    }
    for (const ConnectionResult& c : file.connections) cases += testcase(c, file.file, totals);
    body_ << "  <testsuite" << attribute("name", file.file) << counts_attributes(totals) << ">\n"
          << cases << "  </testsuite>\n";
    run_totals_.add(totals);
  }

  void finish(const RunSummary&) override {
    out_ << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
         << "<testsuites" << attribute("name", "tlsflags-check " + options_.tool_version)
         << counts_attributes(run_totals_) << ">\n"
         << body_.str() << "</testsuites>\n";
    out_.flush();
  }

 private:
  static std::string testcase(const ConnectionResult& c, const std::string& file, Totals& totals) {
    const Judgement& j = c.judgement;
    ++totals.tests;
    std::string xml = "    <testcase" + attribute("classname", file) + attribute("name", testcase_name(c)) + ">\n";
    if (j.verdict == Verdict::fail) {
      ++totals.failures;
      xml += "      <failure" + attribute("message", failure_summary(j)) + attribute("type", "fail") + ">" +
             xml_escape_content(findings_text(j, true)) + "</failure>\n";
    } else if (j.verdict == Verdict::undecidable || j.verdict == Verdict::not_applicable) {
      ++totals.skipped;
      xml += "      <skipped" + attribute("message", skip_reason(j)) + "/>\n";
    }
    std::string notes = findings_text(j, false);
    if (!notes.empty()) xml += "      <system-out>" + xml_escape(notes) + "</system-out>\n";
    return xml + "    </testcase>\n";
  }

  std::ostream& out_;
  WriterOptions options_;
  std::ostringstream body_;
  Totals run_totals_;
};

}  // namespace

std::unique_ptr<Writer> make_junit_writer(std::ostream& out, const WriterOptions& options) {
  return std::make_unique<JunitWriter>(out, options);
}

}  // namespace tlsflags::report
