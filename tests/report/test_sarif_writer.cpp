// SARIF 2.1.0 structure: parsed back and checked against the catalogue and the hand-built results.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sstream>

#include "sample_results.hpp"

using namespace tlsflags;
using namespace tlsflags::report;
using nlohmann::json;

namespace {

json sarif_of(const std::vector<FileResult>& files) {
  WriterOptions options;
  options.tool_version = "9.8.7";
  return json::parse(samples::render(Format::sarif, files, options));
}

}  // namespace

TEST_CASE("sarif: version 2.1.0, one run, tool.driver names the tool", "[sarif]") {
  json log = sarif_of(samples::two_files());
  CHECK(log["version"] == "2.1.0");
  CHECK(log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json");
  REQUIRE(log["runs"].size() == 1);
  const json& driver = log["runs"][0]["tool"]["driver"];
  CHECK(driver["name"] == "tlsflags-check");
  CHECK(driver["version"] == "9.8.7");
  CHECK(log["runs"][0]["invocations"][0]["executionSuccessful"] == true);
}

TEST_CASE("sarif: tool.driver.rules is the rule catalogue", "[sarif]") {
  const json rules = sarif_of(samples::two_files())["runs"][0]["tool"]["driver"]["rules"];
  auto catalogue = rule_catalogue();
  REQUIRE(rules.size() == catalogue.size());
  for (size_t i = 0; i < catalogue.size(); ++i) {
    const RuleInfo& rule = catalogue[i];
    INFO(rule.name);
    CHECK(rules[i]["id"] == rule.name);
    CHECK(rules[i]["shortDescription"]["text"] == rule.summary);
    std::string full = rules[i]["fullDescription"]["text"];
    CHECK_THAT(full, Catch::Contains(std::string(rule.spec_text)) && Catch::Contains(std::string(rule.source)));
    CHECK_THAT(std::string(rules[i]["help"]["text"]), Catch::Contains(std::string(rule.spec_text)));
    std::string level = rules[i]["defaultConfiguration"]["level"];
    CHECK(level == (rule.severity == Severity::error ? "error" : rule.severity == Severity::warning ? "warning" : "note"));
  }
}

TEST_CASE("sarif: one result per finding and per undecidable rule, located in its capture", "[sarif]") {
  const json run = sarif_of(samples::two_files())["runs"][0];
  const json& results = run["results"];
  REQUIRE(results.size() == 3);

  const json& error = results[0];
  CHECK(error["ruleId"] == "rca.server.ack-without-request");
  CHECK(run["tool"]["driver"]["rules"][error["ruleIndex"].get<size_t>()]["id"] == error["ruleId"]);
  CHECK(error["kind"] == "fail");
  CHECK(error["level"] == "error");
  CHECK_THAT(std::string(error["message"]["text"]),
             Catch::StartsWith("the CertificateRequest carries") &&
                 Catch::EndsWith("[10.0.0.3:50001 -> 10.0.0.2:443 (frames 22, 24)]"));
  const json& location = error["locations"][0];
  CHECK(location["physicalLocation"]["artifactLocation"]["uri"] == "a.pcap");
  CHECK(run["artifacts"][location["physicalLocation"]["artifactLocation"]["index"].get<size_t>()]["location"]["uri"] ==
        "a.pcap");
  CHECK(location["logicalLocations"][0]["name"] == "10.0.0.3:50001 -> 10.0.0.2:443");
  CHECK(error["properties"]["frames"] == json::array({22, 24}));
  CHECK(error["properties"]["firstFrame"] == 20);
  CHECK(error["properties"]["verdict"] == "fail");

  CHECK(results[1]["ruleId"] == "rca.server.cr-without-ack");
  CHECK(results[1]["level"] == "note");

  const json& open = results[2];
  CHECK(open["ruleId"] == "rca.client.no-certificate");
  CHECK(open["kind"] == "open");
  CHECK(open["level"] == "none");
  CHECK(open["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "b.pcap");
  CHECK(run["artifacts"].size() == 2);
}

TEST_CASE("sarif: a capture that could not be read is a tool execution notification", "[sarif]") {
  auto files = samples::two_files();
  files.push_back({"/tmp/no such.pcap", std::string("No such file or directory"), {}});
  const json invocation = sarif_of(files)["runs"][0]["invocations"][0];
  CHECK(invocation["executionSuccessful"] == false);
  REQUIRE(invocation["toolExecutionNotifications"].size() == 1);
  const json& note = invocation["toolExecutionNotifications"][0];
  CHECK(note["level"] == "error");
  CHECK_THAT(std::string(note["message"]["text"]), Catch::Contains("No such file or directory"));
  CHECK(note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "file:///tmp/no%20such.pcap");
}

TEST_CASE("sarif: control characters and invalid UTF-8 survive as valid JSON", "[sarif][escape]") {
  auto files = samples::two_files();
  files[0].connections[1].judgement.findings[0].message = "evil \x1b[2J\x01 \"quoted\" \xFF";
  files[0].connections[1].server_name = "sni\x07<&>";
  const json results = sarif_of(files)["runs"][0]["results"];
  CHECK_THAT(std::string(results[0]["message"]["text"]),
             Catch::StartsWith("evil \x1b[2J\x01 \"quoted\" \xEF\xBF\xBD"));
  CHECK(results[0]["properties"]["serverName"] == "sni\x07<&>");
}

TEST_CASE("sarif: an anomaly is a warning notification; the run still executed successfully", "[sarif][anomaly]") {
  std::ostringstream out;
  auto writer = make_writer(Format::sarif, out, WriterOptions{});
  for (const FileResult& file : samples::two_files()) writer->file(file);
  const std::vector<Anomaly> anomalies{{"alerts-not-recorded", 7, 0, "7 alerts not recorded"}};
  writer->anomalies("a.pcap", anomalies);
  writer->finish(RunSummary{});
  const json run = json::parse(out.str())["runs"][0];
  const json& invocation = run["invocations"][0];
  CHECK(invocation["executionSuccessful"] == true);
  REQUIRE(invocation["toolExecutionNotifications"].size() == 1);
  const json& note = invocation["toolExecutionNotifications"][0];
  CHECK(note["level"] == "warning");
  CHECK(note["message"]["text"] == "a.pcap: 7 alerts not recorded");
  CHECK(note["properties"]["kind"] == "alerts-not-recorded");
  CHECK(note["properties"]["count"] == 7);
  CHECK_FALSE(note["properties"].contains("firstFrame"));
  CHECK(note["locations"][0]["physicalLocation"]["artifactLocation"]["index"] == 0);  // a.pcap, already an artifact
  CHECK(run["artifacts"].size() == 2);
}

TEST_CASE("sarif: a finding about a post-handshake CertificateRequest carries it as a property", "[sarif][post-handshake]") {
  Judgement j = samples::failing_judgement();
  j.findings[0].post_handshake_request = RequestRef{24, "5f2a"};
  const json run = sarif_of({{"a.pcap", std::nullopt, {samples::result(samples::failing_timeline(), j)}}})["runs"][0];
  CHECK(run["results"][0]["properties"]["postHandshakeRequest"] == json({{"frame", 24}, {"context", "5f2a"}}));
  CHECK_FALSE(run["results"][1]["properties"].contains("postHandshakeRequest"));
}
