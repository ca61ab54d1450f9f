// core's deploy.* findings (docs/rules.md "Deployment findings") from a timeline and plain certificate
// facts: core decides whether the server accepted, the evidence frames and the severity.
#include <catch2/catch.hpp>

#include "timeline_story.hpp"
#include "tlsflags/core/deployment.hpp"

using namespace tlsflags;
using namespace tlsflags::testing::story;

namespace {

// Frames: ClientHello 1, ServerHello 2, EE 3, CR 4, server Certificate 5, CV 6, Finished 7, client
// Certificate 8, CertificateVerify 9, Finished 10; what the test adds comes from 11 on.
Story answered() { return std::move(Story().hello().cr().server_rest().client_cert().client_cv().cfin()); }

CertificateFacts untrusted() {
  CertificateFacts facts;
  facts.leaf_subject = "CN=bot";
  facts.leaf_sha256 = "ab12";
  facts.trust_failures = {"does not chain to the given anchors: expired (at the leaf)",
                          "matches none of the pinned certificates"};
  return facts;
}

}  // namespace

TEST_CASE("deploy.client-certificate-not-trusted: only when the server accepted", "[deployment]") {
  auto findings = deployment_findings(answered().nst().end().timeline(), untrusted());
  REQUIRE(findings.size() == 2);
  CHECK(findings[0].rule == RuleId::deploy_client_certificate_not_trusted);
  CHECK(findings[0].severity == Severity::warning);
  CHECK(findings[0].message ==
        "the server accepted a certificate that does not chain to the given anchors: expired (at the leaf) "
        "(leaf CN=bot, sha256 ab12)");
  CHECK(findings[0].frames == std::vector<uint64_t>{8, 11});  // the client's Certificate, the NewSessionTicket
  CHECK(findings[1].message == "the server accepted a certificate that matches none of the pinned certificates "
                               "(leaf CN=bot, sha256 ab12)");

  CHECK(deployment_findings(answered().alert(Party::server, alert_unknown_ca).timeline(), untrusted()).empty());
  CHECK(deployment_findings(answered().unreadable(Party::server).end().timeline(), untrusted()).empty());
  CHECK(deployment_findings(answered().nst().end().timeline(), CertificateFacts{}).empty());
}

TEST_CASE("deploy.client-certificate-not-trusted: an inferred acceptance says so", "[deployment]") {
  auto findings = deployment_findings(answered().end().timeline(), untrusted());
  REQUIRE(findings.size() == 2);
  CHECK_THAT(findings[0].message,
             Catch::EndsWith("; acceptance inferred: no alert from the server before the capture ended"));
  CHECK(findings[0].frames == std::vector<uint64_t>{8});  // nothing from the server showed it
}

TEST_CASE("deploy.server-identity-mismatch and deploy.client-certificate-unfit", "[deployment]") {
  CertificateFacts facts;
  facts.identity_mismatch = "no DNS-ID matches www.example.com";
  facts.unfit = {"no issuer among the CAs", "signed with rsa_pkcs1_sha1"};
  auto findings = deployment_findings(answered().nst().timeline(), facts);
  REQUIRE(findings.size() == 2);
  CHECK(findings[0].rule == RuleId::deploy_server_identity_mismatch);
  CHECK(findings[0].severity == Severity::warning);
  CHECK(findings[0].message == "the server's certificate does not match the SNI: no DNS-ID matches www.example.com");
  CHECK(findings[0].frames == std::vector<uint64_t>{1, 5});  // the ClientHello, the server's Certificate
  CHECK(findings[1].rule == RuleId::deploy_client_certificate_unfit);
  CHECK(findings[1].severity == Severity::info);
  CHECK(findings[1].message == "the client's certificate does not fit the CertificateRequest: no issuer among the "
                               "CAs; signed with rsa_pkcs1_sha1");
  CHECK(findings[1].frames == std::vector<uint64_t>{4, 8});  // the CertificateRequest, the client's Certificate
}

TEST_CASE("add_deployment_findings: the verdict follows the findings added", "[deployment][verdict]") {
  Timeline timeline = answered().nst().end().timeline();
  Judgement judgement;
  judgement.flags_seen = true;
  judgement.verdict = Verdict::pass;
  CertificateFacts facts;
  facts.unfit = {"no issuer among the CAs"};
  add_deployment_findings(judgement, timeline, facts);
  CHECK(judgement.verdict == Verdict::pass);  // info only
  add_deployment_findings(judgement, timeline, untrusted());
  CHECK(judgement.verdict == Verdict::warn);
  CHECK(judgement.findings.size() == 3);
}
