#include <catch2/catch.hpp>

#include <algorithm>

#include "test_pki.hpp"
#include "timeline_story.hpp"
#include "tlsflags/inspect/connection_inspection.hpp"

using namespace tlsflags;
using namespace tlsflags::inspect;
using namespace tlsflags::inspect::testing;
using namespace tlsflags::testing::story;

namespace {

// Frame times are frame * 0.01 s, so the whole handshake is at the capture start.
const int64_t kCaptureStart = epoch_of("20260601120000Z");

Story crawler_connection(const std::vector<std::string>& cas) {
  const auto& p = pki();
  Story story;
  story.hello("www.example.com").cr();
  story.last().certificate_authorities = cas;
  story.last().signature_algorithms = {0x0403, 0x0804, 0x0807};
  story.server_rest({p.server.der, p.root.der}).client_cert({p.leaf.der, p.intermediate.der}).client_cv().cfin();
  return story;
}

}  // namespace

TEST_CASE("one connection: details, fit, reaction, anchors, identity", "[connection]") {
  const auto& p = pki();
  auto story = crawler_connection({subject_der_hex(p.root)}).nst().end();
  auto anchors = TrustAnchors::from_pem(p.root.pem).value();
  InspectOptions options;
  options.trust_anchors = &anchors;
  options.capture_start_epoch = kCaptureStart;
  auto result = inspect_connection(story.timeline(), options);

  REQUIRE(result.client_certificate);
  REQUIRE(result.client_certificate->ok());
  CHECK(result.client_certificate->value().subject == "CN=crawler.example,O=Example Crawlers,C=DE");
  CHECK(result.client_certificate->value().sha256 == independent_sha256(p.leaf.der));
  REQUIRE(result.fit);
  CHECK_FALSE(result.fit->any_mismatch());
  REQUIRE(result.server_reaction);
  CHECK(result.server_reaction->to_string() == "accepted");
  REQUIRE(result.chain);
  CHECK(result.chain->ok);
  CHECK_FALSE(result.pin);
  REQUIRE(result.server_identity);
  CHECK(result.server_identity->value().matched);

  auto lines = result.explain_lines();
  REQUIRE(lines.size() >= 10);
  CHECK(lines[0] == "client certificate: subject CN=crawler.example,O=Example Crawlers,C=DE");
  CHECK(lines[3] == "  valid 2026-01-01T00:00:00Z to 2027-01-01T00:00:00Z");
  CHECK(lines[4] == "  key EC P-256, signed with ecdsa-with-SHA256");
  CHECK(lines[6] == "fit with the CertificateRequest:");
  CHECK_THAT(lines[7], Catch::StartsWith("  certificate_authorities: fits: issuer CN=Bots Root CA,O=Bots,C=DE of chain certificate 1"));
  CHECK_THAT(lines[10], Catch::StartsWith("server reaction: accepted: the server went on"));
}

TEST_CASE("a certificate the anchors and pins refuse: the facts core's deploy findings need", "[connection]") {
  const auto& p = pki();
  auto story = crawler_connection({}).data(Party::server).end();
  auto anchors = TrustAnchors::from_pem(p.partner_root.pem).value();
  auto pins = PinnedCertificates::from_pem(p.pinned.pem).value();
  InspectOptions options;
  options.trust_anchors = &anchors;
  options.pinned = &pins;
  options.capture_start_epoch = kCaptureStart;
  auto result = inspect_connection(story.timeline(), options);
  REQUIRE(result.chain);
  CHECK_THAT(trust_failure(*result.chain).value_or(""), Catch::StartsWith("does not chain to the given anchors"));
  REQUIRE(result.pin);
  CHECK(pin_failure(*result.pin) == "matches none of the pinned certificates");
  const std::vector<std::string> warnings{"the server accepted X"};  // core's finding, as --explain shows it
  auto lines = result.explain_lines(warnings);
  CHECK(std::find(lines.begin(), lines.end(), "warning: the server accepted X") != lines.end());
}

TEST_CASE("a rejection: wrong issuer and unknown_ca", "[connection]") {
  const auto& p = pki();
  auto story = crawler_connection({subject_der_hex(p.partner_root)}).alert(Party::server, alert_unknown_ca).end();
  auto result = inspect_connection(story.timeline());
  REQUIRE(result.fit);
  CHECK(result.fit->authorities.fit == Fit::does_not_fit);
  CHECK(result.server_reaction->to_string() == "unknown_ca");
  CHECK_FALSE(result.chain);  // no anchors given
}

TEST_CASE("without a capture start time the chain is not verified, and the note says so", "[connection]") {
  const auto& p = pki();
  auto anchors = TrustAnchors::from_pem(p.root.pem).value();
  InspectOptions options;
  options.trust_anchors = &anchors;
  auto result = inspect_connection(crawler_connection({}).nst().timeline(), options);
  CHECK_FALSE(result.chain);
  REQUIRE(result.notes.size() == 1);
  CHECK_THAT(result.notes[0], Catch::Contains("not verified"));
}

TEST_CASE("no certificate DER, an unreadable certificate, ECH, no client auth", "[connection]") {
  SECTION("DER not kept by the event source") {
    auto story = Story().hello().cr().server_rest().client_cert({}, 1).client_cv().cfin().nst();
    auto result = inspect_connection(story.timeline());
    CHECK_FALSE(result.client_certificate);
    CHECK_FALSE(result.server_identity);
    REQUIRE(result.fit);
    CHECK(result.fit->authorities.fit == Fit::undecidable);
    CHECK(result.notes.size() == 1);
  }
  SECTION("hostile DER") {
    auto story = Story().hello().cr().server_rest({Der{0x30, 0x80}}).client_cert({Der{0x30, 0x82, 0x00}}).cfin();
    auto result = inspect_connection(story.timeline());
    REQUIRE(result.client_certificate);
    CHECK_FALSE(result.client_certificate->ok());
    REQUIRE(result.server_identity);
    CHECK_FALSE(result.server_identity->ok());
    CHECK_THAT(result.explain_lines()[0], Catch::StartsWith("client certificate: unreadable: certificate DER:"));
  }
  SECTION("ECH: the outer SNI is not the reference identity") {
    Story story;
    story.hello("public.example").server_rest({pki().server.der}).nst();
    story.last();
    auto timeline = story.timeline();
    timeline.events[0].ech_outer = true;
    auto result = inspect_connection(timeline);
    CHECK_FALSE(result.server_identity);
    CHECK_FALSE(result.server_reaction);
    CHECK_THAT(result.notes.at(0), Catch::Contains("ECH"));
  }
}
