// Every entry point over corrupted certificates: the input of this library comes from hostile captures.
// The assertion is that nothing crashes or throws (run under ASan/UBSan with TLSFLAGS_SANITIZE=ON).
#include <catch2/catch.hpp>

#include "test_pki.hpp"
#include "timeline_story.hpp"
#include "tlsflags/inspect/connection_inspection.hpp"
#include "tlsflags/inspect/signature_schemes.hpp"

using namespace tlsflags;
using namespace tlsflags::inspect;
using namespace tlsflags::inspect::testing;
using namespace tlsflags::testing::story;

namespace {

// Deterministic corruptions of a DER: flipped bytes, truncations and a length byte set to extremes.
std::vector<Der> corruptions_of(const Der& good) {
  std::vector<Der> out;
  for (size_t i = 0; i < good.size(); i += 7) {
    Der flipped = good;
    flipped[i] ^= 0x5a;
    out.push_back(flipped);
    Der extreme = good;
    extreme[i] = i % 2 ? 0xff : 0x80;
    out.push_back(extreme);
    out.emplace_back(good.begin(), good.begin() + static_cast<long>(i));
  }
  return out;
}

}  // namespace

TEST_CASE("no entry point crashes or throws on corrupted certificates", "[malformed]") {
  const auto& p = pki();
  auto anchors = TrustAnchors::from_pem(p.root.pem).value();
  auto pins = PinnedCertificates::from_pem(p.pinned.pem).value();
  InspectOptions options;
  options.trust_anchors = &anchors;
  options.pinned = &pins;
  options.capture_start_epoch = epoch_of("20260601000000Z");
  options.identity_rules = IdentityRules::rfc6125;

  size_t runs = 0;
  for (const Der* good : {&p.leaf.der, &p.server.der, &p.pss_leaf.der}) {
    for (const Der& bad : corruptions_of(*good)) {
      Story story;
      story.hello("www.example.com").cr();
      story.last().certificate_authorities = {subject_der_hex(p.root), to_hex(bad)};
      story.last().signature_algorithms = {scheme::ecdsa_secp256r1_sha256};
      story.server_rest({bad, p.root.der}).client_cert({bad, p.intermediate.der}).client_cv().cfin().nst();
      CHECK_NOTHROW(inspect_connection(story.timeline(), options).explain_lines());
      CHECK_NOTHROW(certificate_signature_schemes(p.leaf.der, bad));
      CHECK_NOTHROW(certificate_verify_schemes_for_key(bad));
      CHECK_NOTHROW(describe_distinguished_name(bad));
      ++runs;
    }
  }
  CHECK(runs > 100);
}
