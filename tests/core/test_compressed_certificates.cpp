// RFC 8879 in the one judge (docs/rules.md "How compressed certificates are judged"): a Certificate that
// arrived compressed is the Certificate for every rule; one that could not be inflated must be met with
// bad_certificate and hides what depends on its entries; the algorithm must have been offered.
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "timeline_builder.hpp"
#include "tlsflags/core/deployment.hpp"
#include "tlsflags/core/rules.hpp"

using namespace tlsflags;
using tlsflags::testing::Story;

namespace {

constexpr uint16_t zlib = 1, brotli = 2, zstd = 3;

std::set<std::string> rules_found(const Judgement& j) {
  std::set<std::string> out;
  for (const Finding& f : j.findings) out.insert(std::string(rule_info(f.rule).name));
  return out;
}
std::set<std::string> rules_undecided(const Judgement& j) {
  std::set<std::string> out;
  for (const Undecided& u : j.undecided) out.insert(std::string(rule_info(u.rule).name));
  return out;
}
const Finding& finding(const Judgement& j, RuleId rule) {
  auto it = std::find_if(j.findings.begin(), j.findings.end(), [&](const Finding& f) { return f.rule == rule; });
  REQUIRE(it != j.findings.end());
  return *it;
}

// ClientHello 1 (offers zlib and brotli), ServerHello 2, EE 3, CertificateRequest 4 (offers zstd),
// server Certificate 5 (brotli), CertificateVerify 6, Finished 7; then the client's Certificate 8.
Story both_offered() {
  Story s;
  s.ch({80}).offers_compression({zlib, brotli}).sh().ee().cr({80}).offers_compression({zstd});
  s.server_flight().compressed(brotli);
  return s;
}

const RuleId invalid = RuleId::tls13_compressed_certificate_invalid;
const RuleId not_offered = RuleId::tls13_compressed_certificate_algorithm_not_offered;

}  // namespace

TEST_CASE("compressed certificates both ways, with offered algorithms, pass like plain ones", "[rules][rfc8879]") {
  Story s = both_offered();
  s.client_cert(1).compressed(zstd).cfin().nst().end();
  Judgement j = judge(s, RuleConfig{});
  CHECK(j.findings.empty());
  CHECK(j.undecided.empty());
  CHECK(j.verdict == Verdict::pass);
  CHECK(j.rca.client_certificate == "non-empty");

  Story empty = both_offered();  // RCA §3 ¶4 sees through compression too
  empty.client_cert(0).compressed(zstd).cfin().nst().end();
  Judgement e = judge(empty, RuleConfig{});
  CHECK(rules_found(e) == std::set<std::string>{"rca.client.flag-without-certificate"});
  CHECK(e.rca.client_certificate == "empty");
}

TEST_CASE("tls13.compressed-certificate-algorithm-not-offered", "[rules][rfc8879]") {
  SECTION("the server used an algorithm the ClientHello did not list") {
    Story s;
    s.ch({80}).offers_compression({zlib}).sh().ee().cr({80}).server_flight().compressed(brotli);
    s.client_cert(1).cfin().end();
    Judgement j = judge(s, RuleConfig{});
    const Finding& f = finding(j, not_offered);
    CHECK(f.frames == std::vector<uint64_t>{1, 5});
    CHECK(f.message.find("with brotli, but the ClientHello (frame 1) offered only zlib") != std::string::npos);
    CHECK(j.verdict == Verdict::fail);
  }
  SECTION("the client compressed although the CertificateRequest had no compress_certificate") {
    Story s;
    s.ch({80}).offers_compression({zlib}).sh().ee().cr({80}).server_flight().compressed(zlib);
    s.client_cert(1).compressed(zlib).cfin().end();
    Judgement j = judge(s, RuleConfig{});
    CHECK(rules_found(j) == std::set<std::string>{"tls13.compressed-certificate-algorithm-not-offered"});
    CHECK(finding(j, not_offered).message.find("CertificateRequest (frame 4) had no compress_certificate") !=
          std::string::npos);
  }
  SECTION("an offered algorithm holds; an unknown code point is named by its number") {
    Story s;
    s.ch({80}).offers_compression({0x4000}).sh().ee().cr({80}).server_flight().compressed(0x4001,
                                                                                          InflationOutcome::unknown_algorithm);
    s.client_cert(1).cfin().end();
    CHECK(finding(judge(s, RuleConfig{}), not_offered).message.find("algorithm 16385") != std::string::npos);
  }
}

TEST_CASE("tls13.compressed-certificate-invalid: the receiver must abort with bad_certificate", "[rules][rfc8879]") {
  SECTION("the server aborts with bad_certificate: the rule holds, what the entries decide is undecidable") {
    Story s = both_offered();
    s.client_cert(0).compressed(zstd, InflationOutcome::corrupt).cfin().alert(Party::server, alert_bad_certificate).end();
    Judgement j = judge(s, RuleConfig{});
    CHECK(j.findings.empty());
    CHECK(rules_undecided(j) == std::set<std::string>{"flags.unsolicited-ack", "rca.server.flag-outside-ch-accepted",
                                                      "rca.client.flag-without-certificate"});
    CHECK(j.verdict == Verdict::undecidable);
    CHECK(j.rca.client_certificate == "unknown");
    for (const Undecided& u : j.undecided)
      CHECK(u.reason.find("the client's Certificate (frame 8) arrived compressed with zstd and could not be "
                          "inflated: the compressed certificate is not a valid stream") == 0);
  }
  SECTION("the server goes on") {
    Story s = both_offered();
    s.client_cert(1).compressed(zstd, InflationOutcome::length_mismatch).cfin().nst().end();
    Judgement j = judge(s, RuleConfig{});
    const Finding& f = finding(j, invalid);
    CHECK(f.frames == std::vector<uint64_t>{8, 11});
    CHECK(f.message.find("did not abort on the compressed client Certificate (frame 8) that cannot be inflated "
                         "(length-mismatch): it went on with NewSessionTicket (frame 11)") != std::string::npos);
    CHECK(j.verdict == Verdict::fail);
  }
  SECTION("another alert than bad_certificate") {
    Story s = both_offered();
    s.client_cert(1).compressed(zstd, InflationOutcome::corrupt).cfin().alert(Party::server, alert_decode_error).end();
    CHECK(finding(judge(s, RuleConfig{}), invalid).message.find("fatal decode_error alert (frame 11), not "
                                                               "bad_certificate") != std::string::npos);
  }
  SECTION("the client meets the server's bad certificate with bad_certificate: not blamed for its own") {
    Story s;
    s.ch({80}).offers_compression({zlib}).sh().ee().cr({80}).server_flight().compressed(zlib, InflationOutcome::corrupt);
    s.alert(Party::client, alert_bad_certificate).end();
    Judgement j = judge(s, RuleConfig{});
    CHECK(j.findings.empty());
    CHECK(rules_undecided(j) == std::set<std::string>{"flags.unsolicited-ack", "rca.server.flag-in-forbidden-message"});
  }
  SECTION("the client goes on after the server's bad certificate") {
    Story s;
    s.ch({80}).offers_compression({zlib}).sh().ee().cr({80}).server_flight().compressed(zlib,
                                                                                         InflationOutcome::not_a_certificate);
    s.client_cert(1).cfin().end();
    CHECK(rules_found(judge(s, RuleConfig{})) == std::set<std::string>{"tls13.compressed-certificate-invalid"});
  }
  SECTION("the receiver's answer is not visible: undecidable") {
    Story s = both_offered();
    s.client_cert(1).compressed(zstd, InflationOutcome::corrupt).cfin().unreadable(Party::server).end();
    CHECK(rules_undecided(judge(s, RuleConfig{})).count("tls13.compressed-certificate-invalid") == 1);
  }
  SECTION("refused only by tlsflags' ratio bound, or an offered algorithm tlsflags lacks: undecidable") {
    Story bomb = both_offered();
    bomb.client_cert(1).compressed(zstd, InflationOutcome::ratio_exceeded).cfin().nst().end();
    Judgement j = judge(bomb, RuleConfig{});
    CHECK(j.findings.empty());
    CHECK(rules_undecided(j).count("tls13.compressed-certificate-invalid") == 1);

    Story private_algorithm;
    private_algorithm.ch({80}).offers_compression({0x4000}).sh().ee().cr({80}).server_flight().compressed(
        0x4000, InflationOutcome::unknown_algorithm);
    private_algorithm.client_cert(1).cfin().end();
    Judgement p = judge(private_algorithm, RuleConfig{});
    CHECK(p.findings.empty());
    CHECK(rules_undecided(p).count("tls13.compressed-certificate-invalid") == 1);
  }
}

TEST_CASE("deploy.* on a certificate that could not be inflated are undecidable", "[deployment][rfc8879]") {
  Story s;
  s.ch({80}).offers_compression({zlib}).sh().ee().cr({80}).offers_compression({zlib});
  s.server_flight().compressed(zlib, InflationOutcome::corrupt);
  s.client_cert(1).compressed(zlib, InflationOutcome::length_mismatch).cfin().end();
  auto undecided = undecided_deployment_rules(s);
  REQUIRE(undecided.size() == 2);
  CHECK(undecided[0].rule == RuleId::deploy_server_identity_mismatch);
  CHECK(undecided[0].reason.find("the server's Certificate (frame 5) arrived compressed with zlib") == 0);
  CHECK(undecided[1].rule == RuleId::deploy_client_certificate_unfit);

  Judgement j = judge(s, RuleConfig{});
  add_deployment_findings(j, s, CertificateFacts{});
  CHECK(rules_undecided(j).count("deploy.server-identity-mismatch") == 1);

  Story plain;  // no TLS Flags: the connection stays not-applicable
  plain.ch().offers_compression({zlib}).sh().ee().server_flight().compressed(zlib, InflationOutcome::corrupt);
  plain.cfin().end();
  Judgement n = judge(plain, RuleConfig{});
  add_deployment_findings(n, plain, CertificateFacts{});
  CHECK(n.verdict == Verdict::not_applicable);
  CHECK(n.undecided.empty());
}
