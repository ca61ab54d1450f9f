// RFC 8879 in the reports (docs/output.md): a certificate event says it arrived compressed and what
// became of it, a finding about one names it (JSON Lines, SARIF), --explain says so, and the mergeable
// state keeps all of it.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "sample_results.hpp"
#include "tlsflags/report/state.hpp"

using namespace tlsflags;
using namespace tlsflags::report;
using json = nlohmann::json;

namespace {

// The passing sample, its ClientHello offering zlib and brotli and its client Certificate arrived as a
// zlib CompressedCertificate; `outcome` says what became of it.
ConnectionResult compressed_connection(InflationOutcome outcome) {
  Timeline t = samples::passing_timeline();
  for (Event& e : t.events) {
    if (e.type == EventType::client_hello) e.compress_certificate_algorithms = {1, 2};
    if (e.type != EventType::certificate) continue;
    e.compression = CertificateCompression{1, outcome, 1200};
    if (outcome != InflationOutcome::ok) e.certificate_entries = 0;
  }
  Judgement j = samples::passing_judgement();
  if (outcome != InflationOutcome::ok) {
    j.verdict = Verdict::fail;
    j.findings.push_back({RuleId::tls13_compressed_certificate_invalid, Severity::error, "went on", {9, 19}});
    j.findings.back().compressed_certificate = CompressedCertificateRef{9, 1, outcome};
  }
  return samples::result(t, j);
}

std::string render_one(Format format, const ConnectionResult& c, WriterOptions options = {}) {
  FileResult file{"a.pcap", std::nullopt, {c}};
  return samples::render(format, {file}, options);
}

}  // namespace

TEST_CASE("jsonl --events: a compressed certificate says its algorithm, and its inflation when it failed",
          "[jsonl][rfc8879]") {
  WriterOptions options;
  options.events = true;
  std::string ok = render_one(Format::jsonl, compressed_connection(InflationOutcome::ok), options);
  CHECK_THAT(ok, Catch::Contains(R"("from":"client","type":"certificate","compression":"zlib"})"));
  std::string bad = render_one(Format::jsonl, compressed_connection(InflationOutcome::length_mismatch), options);
  CHECK_THAT(bad, Catch::Contains(
      R"("type":"certificate","compression":"zlib","inflation":"length-mismatch"})"));
  CHECK_THAT(bad, Catch::Contains(
      R"("frames":[9,19],"compressed_certificate":{"frame":9,"compression":"zlib","inflation":"length-mismatch"}})"));
}

TEST_CASE("sarif: a finding about a compressed certificate carries it as a property", "[sarif][rfc8879]") {
  json sarif = json::parse(render_one(Format::sarif, compressed_connection(InflationOutcome::corrupt)));
  const json& results = sarif["runs"][0]["results"];
  bool found = false;
  for (const json& r : results) {
    if (r["ruleId"] != "tls13.compressed-certificate-invalid") continue;
    found = true;
    CHECK(r["properties"]["compressedCertificate"] ==
          json({{"frame", 9}, {"compression", "zlib"}, {"inflation", "corrupt"}}));
  }
  CHECK(found);
}

TEST_CASE("text --explain: the certificate's line says it was compressed; the offers are named", "[text][rfc8879]") {
  WriterOptions options;
  options.explain = true;
  std::string ok = render_one(Format::text, compressed_connection(InflationOutcome::ok), options);
  CHECK_THAT(ok, Catch::Contains("Certificate (1 entry, compressed with zlib (RFC 8879))"));
  CHECK_THAT(ok, Catch::Contains("offers TLS 1.3, certificate compression: zlib, brotli)"));
  std::string bad = render_one(Format::text, compressed_connection(InflationOutcome::corrupt), options);
  CHECK_THAT(bad, Catch::Contains("Certificate (compressed with zlib, not inflated: corrupt (entries unknown))"));
}

TEST_CASE("state: compression facts survive the round trip", "[state][rfc8879]") {
  for (auto outcome : {InflationOutcome::ok, InflationOutcome::ratio_exceeded}) {
    const ConnectionResult original = compressed_connection(outcome);
    state::Connection back = state::parse_connection(state::connection_line(1, original, std::nullopt));
    const Event* certificate = nullptr;
    const Event* hello = nullptr;
    for (const Event& e : back.result.events) {
      if (e.type == EventType::certificate) certificate = &e;
      if (e.type == EventType::client_hello) hello = &e;
    }
    REQUIRE(certificate);
    REQUIRE(certificate->compression);
    CHECK(certificate->compression->outcome == outcome);
    CHECK(certificate->compression->algorithm == 1);
    REQUIRE(hello);
    CHECK(std::vector<uint16_t>(hello->offered_compression().begin(), hello->offered_compression().end()) ==
          std::vector<uint16_t>{1, 2});
    CHECK(back.result.judgement.findings.size() == original.judgement.findings.size());
    if (outcome != InflationOutcome::ok)
      CHECK(back.result.judgement.findings.back().compressed_certificate == original.judgement.findings.back().compressed_certificate);
  }
}
