// The rules engine over hand-written timelines: for each rule, a story where it holds although it
// applies, and one where it is broken; and the verdicts' edges (undecidable, not-applicable).
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <utility>

#include "timeline_builder.hpp"
#include "tlsflags/core/rules.hpp"

using namespace tlsflags;
using tlsflags::testing::flags_of;
using tlsflags::testing::raw_flags;
using tlsflags::testing::Story;

namespace {

Judgement judge_rfc(const Timeline& t) { return judge(t, RuleConfig{}); }

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
const Finding& finding(const Judgement& j, std::string_view rule) {
  auto it = std::find_if(j.findings.begin(), j.findings.end(),
                         [&](const Finding& f) { return rule_info(f.rule).name == rule; });
  REQUIRE(it != j.findings.end());
  return *it;
}

constexpr uint8_t illegal_parameter = alert_illegal_parameter;

}  // namespace

TEST_CASE("catalogue: every rule id of docs/rules.md, in order, with its severity", "[rules]") {
  auto cat = rule_catalogue();
  REQUIRE(cat.size() == 25);
  for (size_t i = 0; i < cat.size(); ++i) CHECK(static_cast<size_t>(cat[i].id) == i);
  CHECK(rule_info(RuleId::rca_client_flag_without_certificate).severity == Severity::warning);
  CHECK(rule_info(RuleId::rca_server_trust_anchors_shared).severity == Severity::warning);
  CHECK(rule_info(RuleId::rca_server_cr_without_ack).severity == Severity::info);
  CHECK(rule_info(RuleId::rca_client_slow_certificate).severity == Severity::info);
  CHECK(rule_info(RuleId::rca_tls12_negotiated).severity == Severity::info);
  // The deployment findings come last, so the ids of docs/rules.md keep their numbers.
  CHECK(static_cast<size_t>(RuleId::rca_tls12_negotiated) == 19);
  CHECK(rule_info(RuleId::deploy_client_certificate_not_trusted).severity == Severity::warning);
  CHECK(rule_info(RuleId::deploy_server_identity_mismatch).severity == Severity::warning);
  CHECK(rule_info(RuleId::deploy_client_certificate_unfit).severity == Severity::info);
  CHECK(rule_from_name("deploy.client-certificate-unfit") == RuleId::deploy_client_certificate_unfit);
  CHECK(rule_from_name("rca.server.ack-without-request") == RuleId::rca_server_ack_without_request);
  // RFC 8879's rules (issue 20) come after the deployment findings.
  CHECK(static_cast<size_t>(RuleId::tls13_compressed_certificate_invalid) == 23);
  CHECK(rule_info(RuleId::tls13_compressed_certificate_invalid).severity == Severity::error);
  CHECK(rule_info(RuleId::tls13_compressed_certificate_algorithm_not_offered).severity == Severity::error);
  CHECK(kRuleCount == cat.size());
  CHECK_FALSE(rule_from_name("no.such.rule").has_value());
}

TEST_CASE("a compliant request_client_auth handshake passes with no findings", "[rules]") {
  Judgement j = judge_rfc(Story::accepted());
  CHECK(j.findings.empty());
  CHECK(j.undecided.empty());
  CHECK(j.verdict == Verdict::pass);
  CHECK(j.rca.client_offered);
  CHECK(j.rca.server_acknowledged == true);
  CHECK(j.rca.client_certificate == "non-empty");
}

TEST_CASE("no TLS Flags extension anywhere is not-applicable", "[rules][verdict]") {
  Story s;
  s.ch().sh().ee().server_flight().cfin().end();
  Judgement j = judge_rfc(s);
  CHECK(j.verdict == Verdict::not_applicable);
  CHECK(j.findings.empty());
  CHECK(j.rca.client_certificate == "none");  // still described: the client's Finished was read
}

TEST_CASE("flags.malformed, flags.empty, flags.non-minimal-encoding", "[rules]") {
  SECTION("malformed ClientHello flags rejected with decode_error: only the encoding finding") {
    Story s;
    s.ch(raw_flags({0x05, 0x01})).alert(Party::server, alert_decode_error).end();
    Judgement j = judge_rfc(s);
    CHECK(rules_found(j) == std::set<std::string>{"flags.malformed"});
    CHECK(j.verdict == Verdict::fail);
  }
  SECTION("empty vector rejected with illegal_parameter") {
    Story s;
    s.ch(raw_flags({0x00})).alert(Party::server, illegal_parameter).end();
    CHECK(rules_found(judge_rfc(s)) == std::set<std::string>{"flags.empty"});
  }
  SECTION("non-minimal vector rejected with decode_error is the wrong alert") {
    Story s;
    s.ch(raw_flags({0x02, 0x01, 0x00})).alert(Party::server, alert_decode_error).end();
    Judgement j = judge_rfc(s);
    CHECK(rules_found(j) == std::set<std::string>{"flags.non-minimal-encoding", "flags.invalid-not-rejected"});
    CHECK_THAT(finding(j, "flags.invalid-not-rejected").message, Catch::Contains("decode_error"));
  }
  SECTION("all-zero vector accepted by the server: invalid-not-rejected") {
    Story s;
    s.ch(raw_flags({0x01, 0x00})).sh().ee().server_flight().cfin().end();
    Judgement j = judge_rfc(s);
    CHECK(rules_found(j).count("flags.invalid-not-rejected") == 1);
    CHECK(finding(j, "flags.invalid-not-rejected").frames == std::vector<uint64_t>{1, 2});
  }
  SECTION("a server's invalid EE flags, and the client that must reject them") {
    Story s;
    s.ch({80}).sh().ee(raw_flags({0x00})).alert(Party::client, illegal_parameter).end();
    Judgement j = judge_rfc(s);
    CHECK(rules_found(j) == std::set<std::string>{"flags.empty"});
  }
  SECTION("the receiver's answer is not in the capture: undecidable, but the visible error still fails") {
    Story s;
    s.ch(raw_flags({0x02, 0x01, 0x00})).end();
    Judgement j = judge_rfc(s);
    CHECK(rules_undecided(j).count("flags.invalid-not-rejected") == 1);
    CHECK(j.verdict == Verdict::fail);
  }
}

TEST_CASE("flags.duplicate-extension", "[rules]") {
  FlagsInMessage twice = flags_of({80});
  twice.duplicate = true;
  Story s;
  s.ch(twice).alert(Party::server, illegal_parameter).end();
  CHECK(rules_found(judge_rfc(s)) == std::set<std::string>{"flags.duplicate-extension"});
}

TEST_CASE("flags.unsolicited-ack and flags.unsolicited-not-rejected", "[rules]") {
  SECTION("an EE flag the client proposed is an acknowledgement, not a violation") {
    Story s;
    s.ch({5}).sh().ee(flags_of({5})).server_flight().cfin().end();
    Judgement j = judge_rfc(s);
    CHECK(j.findings.empty());
    CHECK(j.verdict == Verdict::pass);
  }
  SECTION("an unsolicited EE flag rejected by the client") {
    Story s;
    s.ch({80}).sh().ee(flags_of({5})).alert(Party::client, illegal_parameter).end();
    CHECK(rules_found(judge_rfc(s)) == std::set<std::string>{"flags.unsolicited-ack"});
  }
  SECTION("an unsolicited SH flag the client ignored") {
    Story s;
    s.ch({80}).sh(flags_of({5})).ee().server_flight().cfin().end();
    Judgement j = judge_rfc(s);
    CHECK(rules_found(j) == std::set<std::string>{"flags.unsolicited-ack", "flags.unsolicited-not-rejected"});
    CHECK_THAT(finding(j, "flags.unsolicited-not-rejected").message, Catch::Contains("client Finished"));
  }
  SECTION("the HRR is judged against the first ClientHello") {
    Story s;
    s.ch({5}).hrr(flags_of({5})).ch({5}).sh().ee().server_flight().cfin().end();
    CHECK(judge_rfc(s).findings.empty());
  }
  SECTION("a client Certificate flag the CertificateRequest did not propose, rejected by the server") {
    Story s;
    s.ch({80}).sh().ee().cr({80}).server_flight().client_cert(1, flags_of({7})).alert(Party::server, illegal_parameter).end();
    CHECK(rules_found(judge_rfc(s)) == std::set<std::string>{"flags.unsolicited-ack"});
  }
}

TEST_CASE("tls13.ch2-flags-changed", "[rules]") {
  SECTION("same flags in both ClientHellos") {
    Story s;
    s.ch({80}).hrr().ch({80}).sh().ee().cr({80}).server_flight().client_cert(1).cfin().end();
    CHECK(judge_rfc(s).verdict == Verdict::pass);
  }
  SECTION("flags dropped in the second ClientHello") {
    Story s;
    s.ch({80}).hrr().ch().sh().ee().server_flight().cfin().end();
    Judgement j = judge_rfc(s);
    CHECK(rules_found(j) == std::set<std::string>{"tls13.ch2-flags-changed"});
    CHECK(finding(j, "tls13.ch2-flags-changed").frames == std::vector<uint64_t>{1, 3});
  }
}

TEST_CASE("tls13.client-certificate-missing", "[rules]") {
  SECTION("an empty Certificate answers a plain CertificateRequest correctly") {
    Story s;
    s.ch({8}).sh().ee().cr().server_flight().client_cert(0).cfin().end();
    CHECK(judge_rfc(s).findings.empty());
  }
  SECTION("Finished without Certificate") {
    Story s;
    s.ch({8}).sh().ee().cr().server_flight().cfin().end();
    CHECK(rules_found(judge_rfc(s)) == std::set<std::string>{"tls13.client-certificate-missing"});
  }
}

TEST_CASE("rca.server.ack-without-request and rca.client.unsolicited-ack-accepted", "[rules]") {
  SECTION("the client rejects the echo it never asked for") {
    Story s;
    s.ch({8}).sh().ee().cr({80}).server_flight().alert(Party::client, illegal_parameter).end();
    Judgement j = judge_rfc(s);
    CHECK(rules_found(j) == std::set<std::string>{"rca.server.ack-without-request"});
    CHECK_THAT(finding(j, "rca.server.ack-without-request").message,
               Catch::Contains("server 198.51.100.5:443 set request_client_auth in its CertificateRequest (frame 4) "
                               "but the ClientHello (frame 1) did not offer it"));
    CHECK(finding(j, "rca.server.ack-without-request").frames == std::vector<uint64_t>{1, 4});
  }
  SECTION("the client goes on") {
    Story s;
    s.ch({8}).sh().ee().cr({80}).server_flight().client_cert(1).cfin().end();
    CHECK(rules_found(judge_rfc(s)) ==
          std::set<std::string>{"rca.server.ack-without-request", "rca.client.unsolicited-ack-accepted"});
  }
}

TEST_CASE("rca.server.flag-in-forbidden-message and rca.client.flag-outside-cr-accepted", "[rules]") {
  SECTION("request_client_auth in EE, acknowledged after the client proposed it, rejected") {
    Story s;
    s.ch({80}).sh().ee(flags_of({80})).alert(Party::client, illegal_parameter).end();
    CHECK(rules_found(judge_rfc(s)) == std::set<std::string>{"rca.server.flag-in-forbidden-message"});
  }
  SECTION("request_client_auth in the server's Certificate, accepted") {
    Story s;
    s.ch({80}).sh().ee().cr({80}).server_flight(flags_of({80})).client_cert(1).cfin().end();
    CHECK(rules_found(judge_rfc(s)) ==
          std::set<std::string>{"rca.server.flag-in-forbidden-message", "rca.client.flag-outside-cr-accepted"});
  }
  SECTION("request_client_auth in a NewSessionTicket, the client carries on and closes normally") {
    Story s;
    s.ch({80}).sh().ee().cr({80}).server_flight().client_cert(1).cfin().nst(flags_of({80})).app(Party::client)
        .alert(Party::client, alert_close_notify, kAlertLevelWarning).end();
    CHECK(rules_found(judge_rfc(s)) ==
          std::set<std::string>{"rca.server.flag-in-forbidden-message", "rca.client.flag-outside-cr-accepted"});
  }
  SECTION("request_client_auth in a NewSessionTicket that crossed the client's request, then rejected") {
    Story s;
    s.ch({80}).sh().ee().cr({80}).server_flight().client_cert(1).cfin().nst(flags_of({80})).app(Party::client)
        .alert(Party::client, illegal_parameter).end();
    CHECK(rules_found(judge_rfc(s)) == std::set<std::string>{"rca.server.flag-in-forbidden-message"});
  }
  SECTION("a NewSessionTicket with the flag and nothing after it: the client's answer is undecided") {
    Story s;
    s.ch({80}).sh().ee().cr({80}).server_flight().client_cert(1).cfin().nst(flags_of({80})).app(Party::client).end();
    CHECK(rules_undecided(judge_rfc(s)).count("rca.client.flag-outside-cr-accepted") == 1);
  }
  SECTION("flag 8 in a NewSessionTicket is allowed (a server-proposed flag)") {
    Story s;
    s.ch({80}).sh().ee().cr({80}).server_flight().client_cert(1).cfin().nst(flags_of({8})).app(Party::client)
        .alert(Party::client, alert_close_notify, kAlertLevelWarning).end();
    CHECK(judge_rfc(s).findings.empty());
  }
}

TEST_CASE("rca.server.flag-outside-ch-accepted", "[rules]") {
  SECTION("the server rejects request_client_auth in the client's Certificate") {
    Story s;
    s.ch({80}).sh().ee().cr({80}).server_flight().client_cert(1, flags_of({80})).alert(Party::server, illegal_parameter).end();
    CHECK(judge_rfc(s).findings.empty());
  }
  SECTION("the server accepts it") {
    Story s;
    s.ch({80}).sh().ee().cr({80}).server_flight().client_cert(1, flags_of({80})).cfin().nst().end();
    CHECK(rules_found(judge_rfc(s)) == std::set<std::string>{"rca.server.flag-outside-ch-accepted"});
  }
}

TEST_CASE("rca.client.no-certificate", "[rules]") {
  SECTION("Finished without Certificate after a flagged CertificateRequest") {
    Story s;
    s.ch({80}).sh().ee().cr({80}).server_flight().cfin().end();
    CHECK(rules_found(judge_rfc(s)) ==
          std::set<std::string>{"rca.client.no-certificate", "tls13.client-certificate-missing"});
  }
  SECTION("an abort with certificate_authorities in the CertificateRequest says so") {
    Story s;
    s.ch({80}).sh().ee().cr(flags_of({80}), {"3010310e300c06035504030c0543412d31"}).server_flight()
        .alert(Party::client, alert_certificate_required).end();
    Judgement j = judge_rfc(s);
    CHECK(rules_found(j) == std::set<std::string>{"rca.client.no-certificate"});
    CHECK_THAT(finding(j, "rca.client.no-certificate").message, Catch::Contains("certificate_authorities"));
    CHECK_THAT(finding(j, "rca.client.no-certificate").message, Catch::Contains("certificate_required"));
    CHECK(j.rca.client_certificate == "none");
  }
  SECTION("the client closes instead") {
    Story s;
    s.ch({80}).sh().ee().cr({80}).server_flight().fin(Party::client).end();
    CHECK(rules_found(judge_rfc(s)) == std::set<std::string>{"rca.client.no-certificate"});
  }
  SECTION("the client's flight was not decrypted: undecidable, not pass") {
    Story s;
    s.ch({80}).sh().ee().cr({80}).server_flight().unreadable(Party::client).end();
    Judgement j = judge_rfc(s);
    CHECK(rules_undecided(j).count("rca.client.no-certificate") == 1);
    CHECK(j.verdict == Verdict::undecidable);
    CHECK(j.rca.client_certificate == "unknown");
  }
}

TEST_CASE("rca.client.flag-without-certificate (warning)", "[rules]") {
  Story s;
  s.ch({80}).sh().ee().cr({80}).server_flight().client_cert(0).cfin().end();
  Judgement j = judge_rfc(s);
  CHECK(rules_found(j) == std::set<std::string>{"rca.client.flag-without-certificate"});
  CHECK(j.verdict == Verdict::warn);
  CHECK(j.rca.client_certificate == "empty");
}

TEST_CASE("rca.server.cr-without-ack (info) and the draft-02 profile", "[rules][profile]") {
  Story s;
  s.ch({80}).sh().ee().cr().server_flight().client_cert(1).cfin().end();
  Judgement rfc = judge_rfc(s);
  CHECK(rules_found(rfc) == std::set<std::string>{"rca.server.cr-without-ack"});
  CHECK(rfc.verdict == Verdict::pass);
  CHECK(rfc.rca.server_acknowledged == false);

  RuleConfig draft;
  draft.profile = Profile::draft02;
  Judgement d = judge(s, draft);
  CHECK(d.findings.empty());
  CHECK(d.verdict == Verdict::pass);
  CHECK(d.rca.server_acknowledged == true);

  SECTION("under draft-02 a plain CertificateRequest still obliges a Certificate") {
    Story missing;
    missing.ch({80}).sh().ee().cr().server_flight().alert(Party::client, alert_certificate_required).end();
    CHECK(rules_found(judge(missing, draft)) == std::set<std::string>{"rca.client.no-certificate"});
    CHECK(judge_rfc(missing).verdict == Verdict::pass);  // rfc: a non-echoing CR is another policy
  }
}

TEST_CASE("rca.client.slow-certificate (info) with a configurable threshold", "[rules]") {
  Story s;
  s.ch({80}).sh().ee().cr({80}).server_flight().wait(3.0).client_cert(1).cfin().end();
  CHECK(rules_found(judge_rfc(s)) == std::set<std::string>{"rca.client.slow-certificate"});
  RuleConfig patient;
  patient.slow_certificate_seconds = 5.0;
  CHECK(judge(s, patient).findings.empty());
}

TEST_CASE("rca.tls12-negotiated (info): TLS 1.2 is not-applicable", "[rules][verdict]") {
  Story s;
  s.ch({80}).sh({}, 0x0303).end();
  Judgement j = judge_rfc(s);
  CHECK(rules_found(j) == std::set<std::string>{"rca.tls12-negotiated"});
  CHECK(j.verdict == Verdict::not_applicable);
  CHECK_THAT(finding(j, "rca.tls12-negotiated").message, Catch::Contains("negotiated TLS 1.2 in its ServerHello"));
  SECTION("TLS 1.1 and 1.0: the same rule and verdict; the message names the version") {
    for (auto [version, name] : {std::pair{kTls11, "TLS 1.1"}, std::pair{kTls10, "TLS 1.0"}}) {
      Story old;
      old.ch({80}).sh({}, version).end();
      Judgement k = judge_rfc(old);
      CHECK(rules_found(k) == std::set<std::string>{"rca.tls12-negotiated"});
      CHECK(k.verdict == Verdict::not_applicable);
      CHECK_THAT(finding(k, "rca.tls12-negotiated").message,
                 Catch::Contains(std::string("negotiated ") + name + " in its ServerHello"));
    }
  }
}

TEST_CASE("Judgement::add: a finding added after judge() gets the verdict judge() would give", "[rules][verdict]") {
  Finding warning{RuleId::deploy_server_identity_mismatch, Severity::warning, "mismatch", {1, 4}};
  SECTION("an info keeps pass, a warning makes it warn") {
    Judgement j = judge_rfc(Story::accepted());
    j.add({RuleId::deploy_client_certificate_unfit, Severity::info, "unfit", {5, 6}});
    CHECK(j.verdict == Verdict::pass);
    j.add(warning);
    CHECK(j.verdict == Verdict::warn);
    CHECK(j.findings.size() == 2);
  }
  SECTION("TLS 1.2, 1.1 and 1.0 alike stay not-applicable after a warning (docs/rules.md rca.tls12-negotiated)") {
    for (uint16_t version : {kTls12, kTls11, kTls10}) {
      Story s;
      s.ch({80}).sh({}, version).end();
      Judgement j = judge_rfc(s);
      CHECK(j.before_tls13);
      j.add(warning);
      CHECK(j.verdict == Verdict::not_applicable);
    }
  }
  SECTION("without a TLS Flags extension the connection stays not-applicable") {
    Story s;
    s.ch().sh().ee().server_flight().cfin().end();
    Judgement j = judge_rfc(s);
    j.add(warning);
    CHECK(j.verdict == Verdict::not_applicable);
  }
}

TEST_CASE("undecidable whenever the deciding messages are hidden", "[rules][verdict]") {
  SECTION("no secrets: the server's flight is unreadable") {
    Story s;
    s.no_keys().ch({80}).sh().unreadable(Party::server).unreadable(Party::client).end();
    Judgement j = judge_rfc(s);
    CHECK(j.verdict == Verdict::undecidable);
    CHECK(rules_undecided(j).count("rca.client.no-certificate") == 1);
    CHECK_THAT(j.undecided.front().reason, Catch::Contains("no TLS 1.3 secrets"));
    CHECK_FALSE(j.rca.server_acknowledged.has_value());
  }
  SECTION("a gap in the server's flight") {
    Story s;
    s.ch({80}).sh().gap(Party::server).cfin().end();
    Judgement j = judge_rfc(s);
    CHECK(j.verdict == Verdict::undecidable);
    CHECK_THAT(j.undecided.front().reason, Catch::Contains("missing"));
  }
  SECTION("the capture ends after the CertificateRequest") {
    Story s;
    s.ch({80}).sh().ee().cr({80}).end();
    CHECK(judge_rfc(s).verdict == Verdict::undecidable);
  }
  SECTION("ECH hides the inner ClientHello") {
    Story s;
    s.ch({80});
    s.last().ech_outer = true;
    s.sh().ee().server_flight().cfin().end();
    Judgement j = judge_rfc(s);
    CHECK(j.verdict == Verdict::undecidable);
    CHECK_THAT(j.undecided.front().reason, Catch::Contains("Encrypted Client Hello"));
  }
  SECTION("a cipher suite that is not decrypted names itself, not missing keys") {
    Story s;
    s.ch({80}).sh().unreadable(Party::server).end();
    Timeline t = s;
    t.undecrypted_cipher_suite = 0xc0b4;
    Judgement j = judge_rfc(t);
    CHECK(j.verdict == Verdict::undecidable);
    CHECK_THAT(j.undecided.front().reason, Catch::Contains("cipher suite 0xc0b4, which is not decrypted"));
  }
  SECTION("a ClientHello hidden by a gap: undecidable, not not-applicable (issue 17)") {
    Story s;
    s.gap(Party::client).end();
    Judgement j = judge_rfc(s);
    CHECK(j.verdict == Verdict::undecidable);
    CHECK(rules_undecided(j) == std::set<std::string>{"rca.server.ack-without-request", "rca.client.no-certificate"});
    CHECK_THAT(j.undecided.front().reason, Catch::Contains("the ClientHello is not visible"));
  }
  SECTION("a ClientHello read whole without TLS Flags stays not-applicable after a gap") {
    Story s;
    s.ch().gap(Party::client).end();
    CHECK(judge_rfc(s).verdict == Verdict::not_applicable);
  }
  SECTION("a visible violation fails even when the rest is hidden") {
    Story s;
    s.no_keys().ch({80}).sh(flags_of({80})).unreadable(Party::server).end();
    CHECK(judge_rfc(s).verdict == Verdict::fail);
  }
}

TEST_CASE("a configured flag number moves request_client_auth", "[rules]") {
  RuleConfig cfg;
  cfg.request_client_auth_flag = 42;
  Story s;
  s.ch({42}).sh().ee().cr({42}).server_flight().cfin().end();
  CHECK(rules_found(judge(s, cfg)).count("rca.client.no-certificate") == 1);
  CHECK(rules_found(judge_rfc(s)).count("rca.client.no-certificate") == 0);  // flag 80 was never sent
}

TEST_CASE("rca.server.trust-anchors-shared across connections of one server", "[rules]") {
  std::vector<std::string> shared_ca{"30103110300e06035504030c0743412d5348"};
  Story flagged, plain, other_server;
  flagged.ch({80}).sh().ee().cr(flags_of({80}), shared_ca).server_flight().client_cert(1).cfin().end();
  plain.ch().sh().ee().cr({}, shared_ca).server_flight().client_cert(1).cfin().end();
  std::vector<const Timeline*> all{&flagged.timeline(), &plain.timeline()};
  auto found = judge_across_connections(all, RuleConfig{});
  REQUIRE(found.size() == 1);
  CHECK(found[0].connection_index == 0);  // on the connection that accepted the flag
  CHECK(found[0].finding.rule == RuleId::rca_server_trust_anchors_shared);
  CHECK(found[0].finding.severity == Severity::warning);

  Story disjoint;
  disjoint.ch().sh().ee().cr({}, {"3010310e300c06035504030c054f54484552"}).server_flight().client_cert(1).cfin().end();
  std::vector<const Timeline*> reversed{&plain.timeline(), &flagged.timeline()};
  auto found_reversed = judge_across_connections(reversed, RuleConfig{});
  REQUIRE(found_reversed.size() == 1);
  CHECK(found_reversed[0].connection_index == 1);
  std::vector<const Timeline*> apart{&flagged.timeline(), &disjoint.timeline()};
  CHECK(judge_across_connections(apart, RuleConfig{}).empty());
}

TEST_CASE("a client that aborts as the rules demand is not blamed for the missing Certificate", "[rules]") {
  SECTION("request_client_auth in EE, rejected: only the server's fault") {
    Story s;
    s.ch({80}).sh().ee(flags_of({80})).cr({80}).server_flight().alert(Party::client, illegal_parameter).end();
    CHECK(rules_found(judge_rfc(s)) == std::set<std::string>{"rca.server.flag-in-forbidden-message"});
  }
  SECTION("a non-minimal CertificateRequest vector, rejected") {
    Story s;
    // flag 80 (octet 10) followed by a trailing zero octet
    s.ch({80}).sh().ee().cr(raw_flags({0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00})).server_flight()
        .alert(Party::client, illegal_parameter).end();
    CHECK(rules_found(judge_rfc(s)) == std::set<std::string>{"flags.non-minimal-encoding"});
  }
  SECTION("an abort for another reason is still a missing Certificate") {
    Story s;
    s.ch({80}).sh().ee(flags_of({80})).cr({80}).server_flight().alert(Party::client, alert_certificate_required).end();
    CHECK(rules_found(judge_rfc(s)).count("rca.client.no-certificate") == 0);  // it had to abort anyway
    CHECK(rules_found(judge_rfc(s)).count("rca.client.flag-outside-cr-accepted") == 1);  // but not like that
  }
}

TEST_CASE("alert names: RFC 8446 names, unknown_N for unregistered codes", "[events]") {
  CHECK(alert_description_name(47) == "illegal_parameter");
  CHECK(alert_description_name(116) == "certificate_required");
  CHECK(alert_description_name(0) == "close_notify");
  CHECK(alert_description_name(201) == "unknown_201");
}

// RFC 8446 §4.6.2: CertificateRequests after the handshake, each answered by the Certificate that
// echoes its certificate_request_context; the RCA §3 rules apply to each (docs/rules.md
// "Post-handshake authentication").
namespace {
Story& post_handshake_cr(Story& s, std::optional<FlagsInMessage> flags, std::string context) {
  s.cr(std::move(flags));
  s.last().certificate_request_context = std::move(context);
  return s;
}
// Certificate (echoing `context`), CertificateVerify when not empty, Finished.
Story& answer(Story& s, uint32_t entries, std::string context) {
  s.add(EventType::certificate, Party::client);
  s.last().certificate_entries = entries;
  s.last().certificate_request_context = std::move(context);
  if (entries) s.add(EventType::certificate_verify, Party::client);
  return s.cfin();
}
}  // namespace

TEST_CASE("post-handshake CertificateRequests are judged one by one", "[rules][post-handshake]") {
  SECTION("a flagged request answered with a certificate passes and is counted") {
    Story s;
    s.ch({80}).sh().ee().server_flight().cfin();
    post_handshake_cr(s, flags_of({80}), "aa");
    answer(s, 1, "aa").end();
    Judgement j = judge_rfc(s);
    CHECK(j.findings.empty());
    CHECK(j.verdict == Verdict::pass);
    CHECK(j.rca.server_acknowledged == true);
    CHECK(j.rca.client_certificate == "non-empty");
    CHECK(j.rca.post_handshake_requests == 1);
  }
  SECTION("an unsolicited flag after the handshake, answered: both MUSTs of RCA §3 ¶5 broken") {
    Story s;
    s.ch({8}).sh().ee().server_flight().cfin();
    post_handshake_cr(s, flags_of({80}), "bb");
    answer(s, 1, "bb").end();
    Judgement j = judge_rfc(s);
    CHECK(rules_found(j) ==
          std::set<std::string>{"rca.server.ack-without-request", "rca.client.unsolicited-ack-accepted"});
    const Finding& f = finding(j, "rca.server.ack-without-request");
    REQUIRE(f.post_handshake_request);
    CHECK(f.post_handshake_request->frame == 8);
    CHECK(f.post_handshake_request->context == "bb");
    CHECK_THAT(f.message, Catch::Contains("post-handshake CertificateRequest (frame 8, context bb)"));
  }
  SECTION("an unsolicited flag after the handshake, rejected with illegal_parameter") {
    Story s;
    s.ch({8}).sh().ee().server_flight().cfin();
    post_handshake_cr(s, flags_of({80}), "bb");
    s.alert(Party::client, illegal_parameter).end();
    CHECK(rules_found(judge_rfc(s)) == std::set<std::string>{"rca.server.ack-without-request"});
  }
  SECTION("two outstanding requests: each answer is found by its context, the unanswered one is blamed") {
    Story s;
    s.ch({80}).sh().ee().server_flight().cfin();
    post_handshake_cr(s, flags_of({80}), "01");  // frame 8
    post_handshake_cr(s, flags_of({80}), "02");  // frame 9
    answer(s, 1, "02");                          // frames 10-12 answer "02"
    s.alert(Party::client, 40).end();            // handshake_failure instead of an answer to "01"
    Judgement j = judge_rfc(s);
    CHECK(rules_found(j) == std::set<std::string>{"rca.client.no-certificate"});
    const Finding& f = finding(j, "rca.client.no-certificate");
    REQUIRE(f.post_handshake_request);
    CHECK(f.post_handshake_request->context == "01");
  }
  SECTION("a post-handshake Finished without a Certificate breaks RFC 8446 §4.6.2") {
    Story s;
    s.ch({80}).sh().ee().server_flight().cfin();
    post_handshake_cr(s, flags_of({80}), "cc");
    s.cfin().end();
    CHECK(rules_found(judge_rfc(s)) ==
          std::set<std::string>{"tls13.client-certificate-missing", "rca.client.no-certificate"});
  }
  SECTION("an empty answer to a flagged post-handshake request is the RCA §3 ¶4 warning") {
    Story s;
    s.ch({80}).sh().ee().server_flight().cfin();
    post_handshake_cr(s, flags_of({80}), "dd");
    answer(s, 0, "dd").end();
    Judgement j = judge_rfc(s);
    CHECK(rules_found(j) == std::set<std::string>{"rca.client.flag-without-certificate"});
    CHECK(j.rca.client_certificate == "empty");
  }
}
