#include <catch2/catch.hpp>

#include <openssl/x509_vfy.h>

#include <cstdio>
#include <fstream>

#include "test_pki.hpp"
#include "tlsflags/inspect/chain_verification.hpp"

using namespace tlsflags::inspect;
using namespace tlsflags::inspect::testing;

namespace {

const int64_t kInside = epoch_of("20260601120000Z");
const int64_t kAfter = epoch_of("20270601000000Z");
const int64_t kBefore = epoch_of("20251201000000Z");

TrustAnchors anchors_of(const std::string& pem) {
  auto anchors = TrustAnchors::from_pem(pem);
  REQUIRE(anchors.ok());
  return anchors.value();
}

}  // namespace

TEST_CASE("a leaf + intermediate chain verifies to the root inside its validity", "[verify]") {
  const auto& p = pki();
  auto anchors = anchors_of(p.partner_root.pem + p.root.pem);
  CHECK(anchors.size() == 2);
  CHECK(anchors.subjects() == std::vector<std::string>{"CN=Partner CA", "CN=Bots Root CA,O=Bots,C=DE"});
  auto result = verify_client_chain(std::vector<Der>{p.leaf.der, p.intermediate.der}, anchors, kInside);
  CHECK(result.ok);
  CHECK(result.error_code == 0);
  CHECK(result.anchor_subject == "CN=Bots Root CA,O=Bots,C=DE");
  CHECK(result.explanation == "the chain verifies at 2026-06-01T12:00:00Z to the trust anchor CN=Bots Root CA,O=Bots,C=DE");
}

TEST_CASE("the capture time decides validity, not today", "[verify]") {
  const auto& p = pki();
  auto anchors = anchors_of(p.root.pem);
  std::vector<Der> chain{p.leaf.der, p.intermediate.der};
  auto expired = verify_client_chain(chain, anchors, kAfter);
  CHECK_FALSE(expired.ok);
  CHECK(expired.error_code == X509_V_ERR_CERT_HAS_EXPIRED);
  CHECK(expired.error == "certificate has expired");
  CHECK(expired.error_depth == 0);
  CHECK(expired.explanation == "the chain does not verify against the 1 trust anchor at 2027-06-01T00:00:00Z: "
                               "certificate has expired (at the leaf)");
  auto early = verify_client_chain(chain, anchors, kBefore);
  CHECK(early.error_code == X509_V_ERR_CERT_NOT_YET_VALID);
}

TEST_CASE("no partial chains: the intermediate alone is not an anchor, a missing intermediate fails", "[verify]") {
  const auto& p = pki();
  auto missing = verify_client_chain(std::vector<Der>{p.leaf.der}, anchors_of(p.root.pem), kInside);
  CHECK(missing.error_code == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
  auto partial = verify_client_chain(std::vector<Der>{p.leaf.der}, anchors_of(p.intermediate.pem), kInside);
  CHECK_FALSE(partial.ok);
  auto unrelated = verify_client_chain(std::vector<Der>{p.leaf.der, p.intermediate.der}, anchors_of(p.partner_root.pem), kInside);
  CHECK_FALSE(unrelated.ok);
  CHECK(unrelated.error_depth == 1);
}

TEST_CASE("purpose sslclient: a serverAuth-only certificate is refused", "[verify]") {
  const auto& p = pki();
  auto result = verify_client_chain(std::vector<Der>{p.server.der}, anchors_of(p.root.pem), kInside);
  CHECK_FALSE(result.ok);
  CHECK(result.error_code == X509_V_ERR_INVALID_PURPOSE);
}

TEST_CASE("a self-signed pinned certificate as its own anchor", "[verify]") {
  const auto& p = pki();
  CHECK(verify_client_chain(std::vector<Der>{p.pinned.der}, anchors_of(p.pinned.pem), kInside).ok);
  CHECK_FALSE(verify_client_chain(std::vector<Der>{p.pinned.der}, anchors_of(p.root.pem), kInside).ok);
}

TEST_CASE("unreadable chains and bad anchor files are errors, not crashes", "[verify][malformed]") {
  const auto& p = pki();
  auto anchors = anchors_of(p.root.pem);
  auto empty = verify_client_chain(std::vector<Der>{}, anchors, kInside);
  CHECK_FALSE(empty.ok);
  CHECK(empty.error == "no certificate presented");
  auto junk = verify_client_chain(std::vector<Der>{p.leaf.der, Der{0x30, 0x01}}, anchors, kInside);
  CHECK_FALSE(junk.ok);
  CHECK_THAT(junk.error, Catch::StartsWith("chain certificate 1 cannot be read"));

  CHECK_FALSE(TrustAnchors::from_pem("").ok());
  CHECK(TrustAnchors::from_pem("not pem").error() == "trust anchors: no PEM CERTIFICATE block found");
  CHECK_FALSE(TrustAnchors::from_pem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n").ok());
  CHECK_FALSE(TrustAnchors::from_pem_file("/nonexistent/anchors.pem").ok());
  CHECK_FALSE(PinnedCertificates::from_pem("").ok());
}

TEST_CASE("anchors from a file, with other PEM blocks skipped", "[verify]") {
  const auto& p = pki();
  std::string path = "inspect_test_anchors.pem";
  {
    std::ofstream out(path);
    out << "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n" << p.root.pem;
  }
  auto anchors = TrustAnchors::from_pem_file(path);
  std::remove(path.c_str());
  REQUIRE(anchors.ok());
  CHECK(anchors->size() == 1);
  CHECK(verify_client_chain(std::vector<Der>{p.leaf.der, p.intermediate.der}, anchors.value(), kInside).ok);
}

TEST_CASE("pinned certificates: exact match of the leaf", "[pinned]") {
  const auto& p = pki();
  auto pins = PinnedCertificates::from_pem(p.partner_root.pem + p.pinned.pem);
  REQUIRE(pins.ok());
  REQUIRE(pins->pins.size() == 2);
  CHECK(pins->pins[1].sha256 == independent_sha256(p.pinned.der));
  CHECK(pins->pins[1].subject == "CN=pinned-bot");

  auto match = match_pinned(p.pinned.der, pins.value());
  CHECK(match.matched);
  CHECK(match.pin_index == 1);
  CHECK(match.explanation == "the leaf is pinned certificate 2 (CN=pinned-bot)");

  auto miss = match_pinned(p.leaf.der, pins.value());
  CHECK_FALSE(miss.matched);
  CHECK(miss.leaf_sha256 == independent_sha256(p.leaf.der));
  CHECK(miss.explanation == "the leaf (sha256 " + independent_sha256(p.leaf.der) + ") is none of the 2 pinned certificates");

  // Same key, different certificate: a pin is on the whole certificate.
  CertSpec again{{{"CN", "pinned-bot"}}};
  again.serial = 99;
  auto reissued = issue(again, p.ed_key.get(), nullptr, nullptr);
  CHECK_FALSE(match_pinned(reissued.der, pins.value()).matched);
}

TEST_CASE("how a chain fails the anchors or the pins, for core's deploy.client-certificate-not-trusted", "[verify]") {
  const auto& p = pki();
  auto refused = verify_client_chain(std::vector<Der>{p.leaf.der, p.intermediate.der}, anchors_of(p.partner_root.pem), kInside);
  CHECK(trust_failure(refused) ==
        "does not chain to the given anchors: unable to get local issuer certificate (at chain position 1)");
  auto good = verify_client_chain(std::vector<Der>{p.leaf.der, p.intermediate.der}, anchors_of(p.root.pem), kInside);
  CHECK_FALSE(trust_failure(good));

  auto pins = PinnedCertificates::from_pem(p.pinned.pem).value();
  CHECK(pin_failure(match_pinned(p.leaf.der, pins)) == "matches none of the pinned certificates");
  CHECK_FALSE(pin_failure(match_pinned(p.pinned.der, pins)));
}
