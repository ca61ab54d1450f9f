#include <catch2/catch.hpp>

#include "test_pki.hpp"
#include "tlsflags/inspect/certificate.hpp"

using namespace tlsflags::inspect;
using namespace tlsflags::inspect::testing;

TEST_CASE("details of an EC P-256 leaf: every contract field exact", "[details]") {
  const auto& p = pki();
  auto details = describe_certificate(p.leaf.der);
  REQUIRE(details.ok());
  CHECK(details->subject == "CN=crawler.example,O=Example Crawlers,C=DE");
  CHECK(details->issuer == "CN=Crawler CA,O=Bots,C=DE");
  CHECK(details->san == std::vector<std::string>{"DNS:crawler.example", "IP:192.0.2.7", "IP:2001:db8::7",
                                                 "URI:https://bots.example/id/7", "email:ops@crawler.example"});
  CHECK(details->not_before == "2026-01-01T00:00:00Z");
  CHECK(details->not_after == "2027-01-01T00:00:00Z");
  CHECK(details->not_before_epoch == epoch_of("20260101000000Z"));
  CHECK(details->not_after_epoch == epoch_of("20270101000000Z"));
  CHECK(details->key_type == "EC P-256");
  CHECK(details->signature_algorithm == "ecdsa-with-SHA256");
  CHECK(details->serial == "1001");
  CHECK_FALSE(details->self_issued);
}

TEST_CASE("the fingerprint is SHA-256 of the DER as received, lower-case hex", "[details]") {
  const auto& p = pki();
  for (const Der* der : {&p.leaf.der, &p.rsa_leaf.der, &p.pinned.der, &p.root.der}) {
    auto details = describe_certificate(*der);
    REQUIRE(details.ok());
    CHECK(details->sha256 == independent_sha256(*der));
    CHECK(details->sha256.size() == 64);
    CHECK(details->sha256.find_first_not_of("0123456789abcdef") == std::string::npos);
  }
  CHECK(sha256_hex(p.leaf.der) == independent_sha256(p.leaf.der));
}

TEST_CASE("a known SHA-256 test vector", "[details]") {
  // FIPS 180-2 appendix B.1: SHA-256("abc").
  std::string abc = "abc";
  CHECK(sha256_hex(std::span(reinterpret_cast<const uint8_t*>(abc.data()), abc.size())) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("key types of RSA, Ed25519, EC P-384 and RSA-PSS keys", "[details]") {
  const auto& p = pki();
  CHECK(describe_certificate(p.rsa_leaf.der)->key_type == "RSA 2048");
  CHECK(describe_certificate(p.rsa_leaf.der)->signature_algorithm == "ecdsa-with-SHA256");
  CHECK(describe_certificate(p.pinned.der)->key_type == "Ed25519");
  CHECK(describe_certificate(p.pinned.der)->signature_algorithm == "ED25519");
  CHECK(describe_certificate(p.pinned.der)->self_issued);
  CHECK(describe_certificate(p.pss_leaf.der)->key_type == "EC P-384");
  CHECK(describe_certificate(p.pss_leaf.der)->signature_algorithm == "rsassaPss");
  CHECK(describe_certificate(p.rsa_ca.der)->signature_algorithm == "sha256WithRSAEncryption");

  auto pss_key = rsa_pss_key(2048);
  CertSpec spec{{{"CN", "pss-key"}}};
  spec.signing = Signing::pss;
  auto pss_self = issue(spec, pss_key.get(), nullptr, nullptr);
  CHECK(describe_certificate(pss_self.der)->key_type == "RSA-PSS 2048");

  auto k1 = ec_key("secp256k1");
  auto k1_cert = issue(CertSpec{{{"CN", "k1"}}}, k1.get(), nullptr, nullptr);
  CHECK(describe_certificate(k1_cert.der)->key_type == "EC secp256k1");
}

TEST_CASE("a certificate without SAN has an empty san list", "[details]") {
  auto details = describe_certificate(pki().rsa_ca.der);
  REQUIRE(details.ok());
  CHECK(details->san.empty());
  CHECK(details->subject == "CN=RSA CA");
}

TEST_CASE("names beyond ASCII are escaped, never raw", "[details]") {
  auto key = ec_key("P-256");
  CertSpec spec{{{"CN", "M\xC3\xBCller\x01"}}};
  spec.utf8_names = true;
  auto cert = issue(spec, key.get(), nullptr, nullptr);
  auto details = describe_certificate(cert.der);
  REQUIRE(details.ok());
  CHECK(details->subject == "CN=M\\C3\\BCller\\01");
}

TEST_CASE("malformed DER gives an error, never a crash", "[details][malformed]") {
  const Der& good = pki().leaf.der;
  CHECK_FALSE(describe_certificate(Der{}).ok());
  CHECK(describe_certificate(Der{}).error() == "certificate DER: empty");
  CHECK_FALSE(describe_certificate(Der{0x30}).ok());
  CHECK_FALSE(describe_certificate(Der{0x30, 0x82, 0xff, 0xff, 0x01}).ok());
  CHECK_FALSE(describe_certificate(Der{0x04, 0x00}).ok());

  SECTION("every truncation") {
    for (size_t length = 0; length < good.size(); ++length) {
      auto outcome = describe_certificate(std::span(good.data(), length));
      CHECK_FALSE(outcome.ok());
    }
  }
  SECTION("trailing bytes") {
    Der longer = good;
    longer.push_back(0);
    auto outcome = describe_certificate(longer);
    REQUIRE_FALSE(outcome.ok());
    CHECK(outcome.error() == "certificate DER: 1 trailing bytes after the certificate");
  }
  SECTION("every single-byte corruption parses or fails cleanly") {
    for (size_t i = 0; i < good.size(); ++i) {
      Der broken = good;
      broken[i] ^= 0xff;
      auto outcome = describe_certificate(broken);
      if (outcome.ok()) CHECK(outcome->sha256 == independent_sha256(broken));
    }
  }
}

TEST_CASE("hex round trip and distinguished names from certificate_authorities", "[details]") {
  CHECK(to_hex(Der{0x00, 0xab, 0xff}) == "00abff");
  CHECK(from_hex("00ABff") == Der{0x00, 0xab, 0xff});
  CHECK_FALSE(from_hex("abc").has_value());
  CHECK_FALSE(from_hex("zz").has_value());
  auto name_der = from_hex(subject_der_hex(pki().intermediate));
  REQUIRE(name_der);
  auto text = describe_distinguished_name(*name_der);
  REQUIRE(text.ok());
  CHECK(text.value() == "CN=Crawler CA,O=Bots,C=DE");
  CHECK_FALSE(describe_distinguished_name(Der{0x31, 0x00}).ok());
  CHECK_FALSE(describe_distinguished_name(Der{}).ok());
}

TEST_CASE("hostile SAN bytes are escaped", "[details][malformed]") {
  auto key = ec_key("P-256");
  CertSpec spec{{{"CN", "hostile"}}};
  spec.san = "DNS:bad\x01name.example,DNS:caf\xc3\xa9.example,URI:a\\b";
  auto cert = issue(spec, key.get(), nullptr, nullptr);
  auto details = describe_certificate(cert.der);
  REQUIRE(details.ok());
  CHECK(details->san == std::vector<std::string>{"DNS:bad\\x01name.example", "DNS:caf\\xc3\\xa9.example", "URI:a\\x5cb"});
}
