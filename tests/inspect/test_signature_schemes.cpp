#include <catch2/catch.hpp>

#include "test_pki.hpp"
#include "tlsflags/inspect/signature_schemes.hpp"

using namespace tlsflags::inspect;
using namespace tlsflags::inspect::testing;
using Schemes = std::vector<uint16_t>;

TEST_CASE("signature scheme names follow the IANA registry", "[sigalg]") {
  CHECK(signature_scheme_name(0x0403) == "ecdsa_secp256r1_sha256");
  CHECK(signature_scheme_name(0x0804) == "rsa_pss_rsae_sha256");
  CHECK(signature_scheme_name(0x0807) == "ed25519");
  CHECK(signature_scheme_name(0x0401) == "rsa_pkcs1_sha256");
  CHECK(signature_scheme_name(0x0809) == "rsa_pss_pss_sha256");
  CHECK(signature_scheme_name(0xfefe) == "0xfefe");
  CHECK(signature_scheme_label(0x0403) == "ecdsa_secp256r1_sha256 (0x0403)");
  CHECK(signature_scheme_label(0xfefe) == "0xfefe");
  CHECK(signature_scheme_list(Schemes{0x0403, 0x0807}) == "ecdsa_secp256r1_sha256 (0x0403), ed25519 (0x0807)");
  CHECK(signature_scheme_list(Schemes{}) == "(none)");
}

TEST_CASE("the signature on a certificate as a SignatureScheme", "[sigalg]") {
  const auto& p = pki();
  CHECK(certificate_signature_schemes(p.leaf.der).value() == Schemes{scheme::ecdsa_secp256r1_sha256});
  CHECK(certificate_signature_schemes(p.rsa_ca.der).value() == Schemes{scheme::rsa_pkcs1_sha256});
  CHECK(certificate_signature_schemes(p.pinned.der).value() == Schemes{scheme::ed25519});
  // RSASSA-PSS: the issuer's key decides rsae or pss; without the issuer both are possible.
  CHECK(certificate_signature_schemes(p.pss_leaf.der).value() ==
        Schemes{scheme::rsa_pss_rsae_sha256, scheme::rsa_pss_pss_sha256});
  CHECK(certificate_signature_schemes(p.pss_leaf.der, p.rsa_ca.der).value() == Schemes{scheme::rsa_pss_rsae_sha256});

  CertSpec sha384{{{"CN", "sha384"}}};
  sha384.digest = EVP_sha384();
  auto key = ec_key("P-384");
  CHECK(certificate_signature_schemes(issue(sha384, key.get(), nullptr, nullptr).der).value() ==
        Schemes{scheme::ecdsa_secp384r1_sha384});
  CertSpec sha224{{{"CN", "sha224"}}};
  sha224.digest = EVP_sha224();
  CHECK(certificate_signature_schemes(issue(sha224, key.get(), nullptr, nullptr).der).value().empty());
  CHECK_FALSE(certificate_signature_schemes(Der{0x30, 0x00}).ok());
}

TEST_CASE("what a key can sign CertificateVerify with in TLS 1.3", "[sigalg]") {
  const auto& p = pki();
  CHECK(certificate_verify_schemes_for_key(p.leaf.der).value() == Schemes{scheme::ecdsa_secp256r1_sha256});
  CHECK(certificate_verify_schemes_for_key(p.pss_leaf.der).value() == Schemes{scheme::ecdsa_secp384r1_sha384});
  CHECK(certificate_verify_schemes_for_key(p.pinned.der).value() == Schemes{scheme::ed25519});
  // RFC 8446 §4.4.3: never rsa_pkcs1_* for CertificateVerify.
  CHECK(certificate_verify_schemes_for_key(p.rsa_leaf.der).value() ==
        Schemes{scheme::rsa_pss_rsae_sha256, scheme::rsa_pss_rsae_sha384, scheme::rsa_pss_rsae_sha512});
  auto k1 = ec_key("secp256k1");
  CHECK(certificate_verify_schemes_for_key(issue(CertSpec{{{"CN", "k1"}}}, k1.get(), nullptr, nullptr).der).value().empty());
}
