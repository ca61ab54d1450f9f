// Certificates made in the tests with OpenSSL, so every expected value in the tests is known from how
// the certificate was built, not from the code under test.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <openssl/evp.h>
#include <openssl/x509.h>

namespace tlsflags::inspect::testing {

using Der = std::vector<uint8_t>;

struct KeyFree { void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); } };
struct CertFree { void operator()(X509* cert) const { X509_free(cert); } };
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyFree>;
using CertPtr = std::unique_ptr<X509, CertFree>;

KeyPtr ec_key(const char* curve);  // "P-256", "P-384", "secp256k1"
KeyPtr rsa_key(unsigned bits);
KeyPtr rsa_pss_key(unsigned bits);
KeyPtr ed25519_key();

enum class Signing { pkcs1_or_ecdsa, pss };

struct CertSpec {
  std::vector<std::pair<std::string, std::string>> subject;  // DER order: {"C","DE"},{"O","Bots"},{"CN","x"}
  std::string san{};             // OpenSSL config syntax: "DNS:a.example,IP:192.0.2.7"; empty = none
  std::string not_before = "20260101000000Z";
  std::string not_after = "20270101000000Z";
  bool ca = false;
  std::string extended_key_usage{};  // "clientAuth", "serverAuth"; empty = none
  long serial = 1;
  const EVP_MD* digest = EVP_sha256();  // ignored for Ed25519
  Signing signing = Signing::pkcs1_or_ecdsa;
  bool utf8_names = false;  // subject entries as UTF8String instead of OpenSSL's default choice
};

struct Issued {
  CertPtr cert;
  Der der;
  std::string pem;
};

// issuer == nullptr: self-signed with subject_key.
Issued issue(const CertSpec& spec, EVP_PKEY* subject_key, const Issued* issuer, EVP_PKEY* issuer_key);

Der der_of(X509* cert);
std::string pem_of(X509* cert);
std::string hex_of(const std::vector<uint8_t>& bytes);
// The DER of a certificate's subject/issuer name, as a CertificateRequest carries it.
std::string subject_der_hex(const Issued& cert);
std::string issuer_der_hex(const Issued& cert);
// SHA-256 computed here with EVP_Digest, independently of the library.
std::string independent_sha256(const Der& der);
// Seconds since 1970 of "YYYYMMDDHHMMSSZ".
int64_t epoch_of(const std::string& generalized_time);

// One PKI shared by all tests (RSA key generation is slow, so it is built once).
struct Pki {
  KeyPtr root_key, intermediate_key, leaf_key, rsa_leaf_key, ed_key, partner_key, server_key, rsa_ca_key, p384_key;
  Issued root;          // CN=Bots Root CA,O=Bots,C=DE (EC P-256, self-signed)
  Issued intermediate;  // CN=Crawler CA,O=Bots,C=DE (EC P-256, by root)
  Issued leaf;          // CN=crawler.example,O=Example Crawlers,C=DE (EC P-256, by intermediate, 2026)
  Issued rsa_leaf;      // CN=rsa.crawler.example (RSA 2048, by intermediate)
  Issued rsa_ca;        // CN=RSA CA (RSA 2048, self-signed)
  Issued pss_leaf;      // CN=pss.crawler.example (EC P-384 key, signed by rsa_ca with RSASSA-PSS SHA-256)
  Issued pinned;        // CN=pinned-bot (Ed25519, self-signed)
  Issued partner_root;  // CN=Partner CA (EC P-256, self-signed)
  Issued server;        // CN=www.example.com, SAN *.example.com, www.example.com, IP 192.0.2.10
};
const Pki& pki();

}  // namespace tlsflags::inspect::testing
