#include <catch2/catch.hpp>

#include "test_pki.hpp"
#include "tlsflags/inspect/certificate_request_fit.hpp"
#include "tlsflags/inspect/signature_schemes.hpp"

using namespace tlsflags;
using namespace tlsflags::inspect;
using namespace tlsflags::inspect::testing;

namespace {

Event request(std::vector<std::string> cas, std::vector<uint16_t> sigalgs, std::vector<uint16_t> sigalgs_cert = {}) {
  Event event;
  event.type = EventType::certificate_request;
  event.from = Party::server;
  event.certificate_authorities = std::move(cas);
  event.signature_algorithms = std::move(sigalgs);
  event.signature_algorithms_cert = std::move(sigalgs_cert);
  return event;
}

Event certificate(std::vector<Der> chain) {
  Event event;
  event.type = EventType::certificate;
  event.from = Party::client;
  event.certificate_entries = static_cast<uint32_t>(chain.size());
  event.certificate_chain_der = std::move(chain);
  return event;
}

const std::vector<uint16_t> kTypical{scheme::ecdsa_secp256r1_sha256, scheme::rsa_pss_rsae_sha256, scheme::ed25519};

}  // namespace

TEST_CASE("certificate_authorities: the leaf's issuer is advertised (exact DER)", "[fit]") {
  const auto& p = pki();
  auto fit = check_certificate_request_fit(
      request({subject_der_hex(p.partner_root), subject_der_hex(p.intermediate)}, kTypical),
      certificate({p.leaf.der}));
  CHECK(fit.authorities.fit == Fit::fits);
  REQUIRE(fit.authorities.match);
  CHECK(fit.authorities.match->chain_index == 0);
  CHECK(fit.authorities.match->field == NameField::issuer);
  CHECK(fit.authorities.match->authority_index == 1);
  CHECK(fit.authorities.match->exact_der);
  CHECK(fit.authorities.explanation ==
        "issuer CN=Crawler CA,O=Bots,C=DE of the leaf is certificate_authorities entry 2 of 2 (same DER)");
  CHECK(fit.authorities.advertised == std::vector<std::string>{"CN=Partner CA", "CN=Crawler CA,O=Bots,C=DE"});
  CHECK_FALSE(fit.any_mismatch());
}

TEST_CASE("certificate_authorities: the root above the intermediate is advertised", "[fit]") {
  const auto& p = pki();
  auto fit = check_certificate_request_fit(request({subject_der_hex(p.root)}, kTypical),
                                           certificate({p.leaf.der, p.intermediate.der}));
  CHECK(fit.authorities.fit == Fit::fits);
  REQUIRE(fit.authorities.match);
  CHECK(fit.authorities.match->chain_index == 1);
  CHECK(fit.authorities.match->field == NameField::issuer);
}

TEST_CASE("certificate_authorities: an advertised intermediate sent in the chain matches by subject too", "[fit]") {
  const auto& p = pki();
  // The leaf's issuer is checked first; a chain whose leaf issuer differs but whose second element is an
  // advertised CA still fits (the chain leads through it).
  auto fit = check_certificate_request_fit(request({subject_der_hex(p.partner_root)}, kTypical),
                                           certificate({p.leaf.der, p.partner_root.der}));
  CHECK(fit.authorities.fit == Fit::fits);
  REQUIRE(fit.authorities.match);
  CHECK(fit.authorities.match->chain_index == 1);
}

TEST_CASE("certificate_authorities: the issuer is not advertised", "[fit]") {
  const auto& p = pki();
  auto partner = ec_key("P-256");
  CertSpec bots{{{"CN", "Bots CA"}}};
  bots.ca = true;
  auto bots_ca = issue(bots, partner.get(), nullptr, nullptr);
  auto fit = check_certificate_request_fit(
      request({subject_der_hex(p.partner_root), subject_der_hex(bots_ca)}, kTypical), certificate({p.leaf.der}));
  CHECK(fit.authorities.fit == Fit::does_not_fit);
  CHECK_FALSE(fit.authorities.match);
  CHECK(fit.authorities.explanation ==
        "issuer CN=Crawler CA,O=Bots,C=DE is not among the 2 certificate_authorities the server advertised: "
        "CN=Partner CA, CN=Bots CA");
  CHECK(fit.any_mismatch());
}

TEST_CASE("certificate_authorities: same name in another string type matches canonically, not by bytes", "[fit]") {
  const auto& p = pki();
  auto key = ec_key("P-256");
  CertSpec utf8{{{"C", "DE"}, {"O", "Bots"}, {"CN", "Crawler CA"}}};
  utf8.utf8_names = true;
  utf8.ca = true;
  auto utf8_ca = issue(utf8, key.get(), nullptr, nullptr);
  REQUIRE(subject_der_hex(utf8_ca) != subject_der_hex(p.intermediate));
  auto fit = check_certificate_request_fit(request({subject_der_hex(utf8_ca)}, kTypical), certificate({p.leaf.der}));
  CHECK(fit.authorities.fit == Fit::fits);
  REQUIRE(fit.authorities.match);
  CHECK_FALSE(fit.authorities.match->exact_der);
  CHECK_THAT(fit.authorities.explanation, Catch::Contains("different DER encoding"));
}

TEST_CASE("certificate_authorities: none advertised, or an undecodable entry", "[fit]") {
  const auto& p = pki();
  auto none = check_certificate_request_fit(request({}, kTypical), certificate({p.leaf.der}));
  CHECK(none.authorities.fit == Fit::unconstrained);
  auto junk = check_certificate_request_fit(request({"3100", "zz"}, kTypical), certificate({p.leaf.der}));
  CHECK(junk.authorities.fit == Fit::does_not_fit);
  CHECK(junk.authorities.advertised ==
        std::vector<std::string>{"<undecodable DN of 2 bytes>", "<undecodable DN of 0 bytes>"});
}

TEST_CASE("signature_algorithms_cert decides the certificate signatures, signature_algorithms when absent", "[fit]") {
  const auto& p = pki();
  SECTION("leaf signed ecdsa_secp256r1_sha256, listed in _cert") {
    auto fit = check_certificate_request_fit(request({}, {scheme::ed25519}, {scheme::ecdsa_secp256r1_sha256}),
                                             certificate({p.leaf.der}));
    CHECK(fit.certificate_signature.fit == Fit::fits);
    CHECK(fit.certificate_signature.from_signature_algorithms_cert);
    CHECK(fit.certificate_signature.leaf_schemes == std::vector<uint16_t>{scheme::ecdsa_secp256r1_sha256});
  }
  SECTION("not listed in _cert even though signature_algorithms has it") {
    auto fit = check_certificate_request_fit(
        request({}, {scheme::ecdsa_secp256r1_sha256}, {scheme::rsa_pss_rsae_sha256, scheme::ed25519}),
        certificate({p.leaf.der}));
    CHECK(fit.certificate_signature.fit == Fit::does_not_fit);
    CHECK(fit.certificate_signature.explanation ==
          "the leaf is signed with ecdsa_secp256r1_sha256 (0x0403) (ecdsa-with-SHA256), which the server's "
          "signature_algorithms_cert does not list: rsa_pss_rsae_sha256 (0x0804), ed25519 (0x0807)");
  }
  SECTION("fallback to signature_algorithms (RFC 8446 §4.2.3)") {
    auto fit = check_certificate_request_fit(request({}, {scheme::rsa_pss_rsae_sha256}), certificate({p.leaf.der}));
    CHECK(fit.certificate_signature.fit == Fit::does_not_fit);
    CHECK_FALSE(fit.certificate_signature.from_signature_algorithms_cert);
    CHECK_THAT(fit.certificate_signature.explanation, Catch::Contains("server's signature_algorithms does not list"));
  }
  SECTION("an RSASSA-PSS signature, resolved to rsae by the RSA issuer in the chain") {
    auto fit = check_certificate_request_fit(request({}, {scheme::ecdsa_secp256r1_sha256}),
                                             certificate({p.pss_leaf.der, p.rsa_ca.der}));
    // The leaf is RSASSA-PSS-signed by an RSA CA; the CA itself is self-signed and exempt.
    CHECK(fit.certificate_signature.fit == Fit::does_not_fit);
    CHECK_THAT(fit.certificate_signature.explanation, Catch::Contains("rsa_pss_rsae_sha256 (0x0804) (rsassaPss)"));
  }
  SECTION("a self-signed leaf is exempt (RFC 8446 §4.4.2.2)") {
    auto fit = check_certificate_request_fit(request({}, {scheme::ecdsa_secp256r1_sha256}), certificate({p.pinned.der}));
    CHECK(fit.certificate_signature.fit == Fit::unconstrained);
  }
}

TEST_CASE("the key must be able to sign CertificateVerify with an offered scheme", "[fit]") {
  const auto& p = pki();
  SECTION("EC P-256 key, ecdsa_secp256r1_sha256 offered") {
    auto fit = check_certificate_request_fit(request({}, kTypical), certificate({p.leaf.der}));
    CHECK(fit.key.fit == Fit::fits);
    CHECK(fit.key.key_type == "EC P-256");
    CHECK(fit.key.usable_offered == std::vector<uint16_t>{scheme::ecdsa_secp256r1_sha256});
  }
  SECTION("EC P-384 key, only P-256 offered: TLS 1.3 binds the curve") {
    auto fit = check_certificate_request_fit(request({}, {scheme::ecdsa_secp256r1_sha256, scheme::rsa_pss_rsae_sha256}),
                                             certificate({p.pss_leaf.der, p.rsa_ca.der}));
    CHECK(fit.key.fit == Fit::does_not_fit);
    CHECK(fit.key.explanation ==
          "the client's EC P-384 key can sign CertificateVerify only with ecdsa_secp384r1_sha384 (0x0503), and the "
          "server's signature_algorithms offer ecdsa_secp256r1_sha256 (0x0403), rsa_pss_rsae_sha256 (0x0804)");
  }
  SECTION("RSA key, only rsa_pkcs1_sha256 offered: not usable for CertificateVerify") {
    auto fit = check_certificate_request_fit(request({}, {scheme::rsa_pkcs1_sha256, scheme::ecdsa_secp256r1_sha256}),
                                             certificate({p.rsa_leaf.der}));
    CHECK(fit.key.fit == Fit::does_not_fit);
    CHECK(fit.key.key_type == "RSA 2048");
  }
  SECTION("Ed25519 key") {
    auto fit = check_certificate_request_fit(request({}, kTypical), certificate({p.pinned.der}));
    CHECK(fit.key.fit == Fit::fits);
    CHECK(fit.key.usable_offered == std::vector<uint16_t>{scheme::ed25519});
  }
}

TEST_CASE("nothing to compare: empty Certificate, DER not kept, unreadable leaf", "[fit]") {
  Event empty = certificate({});
  auto fit = check_certificate_request_fit(request({}, kTypical), empty);
  CHECK(fit.authorities.fit == Fit::undecidable);
  CHECK(fit.key.fit == Fit::undecidable);
  CHECK(fit.key.explanation == "the client sent an empty Certificate: nothing to compare");

  Event hidden = certificate({});
  hidden.certificate_entries = 2;
  CHECK_THAT(check_certificate_request_fit(request({}, kTypical), hidden).authorities.explanation,
             Catch::Contains("did not keep"));

  auto broken = check_certificate_request_fit(request({}, kTypical), certificate({Der{0x30, 0x03, 0x02, 0x01, 0x00}}));
  CHECK(broken.authorities.fit == Fit::undecidable);
  CHECK_THAT(broken.authorities.explanation, Catch::StartsWith("the client's certificate cannot be read"));
  CHECK_FALSE(broken.any_mismatch());
}
