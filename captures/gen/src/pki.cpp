#include "pki.hpp"

#include <openssl/x509v3.h>

#include <stdexcept>

namespace tlsgen {
namespace {

void require(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("PKI: ") + what);
}

PrivateKey make_p256_key() {
  PrivateKey key(EVP_EC_gen("P-256"));
  require(key != nullptr, "EC P-256 key generation");
  return key;
}

void set_common_name(X509_NAME* name, const char* common_name) {
  require(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                     reinterpret_cast<const unsigned char*>(common_name), -1, -1, 0) == 1,
          "subject name");
}

// Fixed validity so that regenerated captures carry the same dates.
void set_fixed_validity(X509* cert) {
  require(ASN1_TIME_set_string_X509(X509_getm_notBefore(cert), "20240101000000Z") == 1, "notBefore");
  require(ASN1_TIME_set_string_X509(X509_getm_notAfter(cert), "20340101000000Z") == 1, "notAfter");
}

void add_extension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  require(extension != nullptr && X509_add_ext(cert, extension, -1) == 1, value);
  X509_EXTENSION_free(extension);
}

Certificate new_certificate(long serial, const char* subject_cn, EVP_PKEY* subject_key) {
  Certificate cert(X509_new());
  require(cert != nullptr && X509_set_version(cert.get(), 2) == 1, "X509 v3");
  require(ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial) == 1, "serial");
  set_common_name(X509_get_subject_name(cert.get()), subject_cn);
  set_fixed_validity(cert.get());
  require(X509_set_pubkey(cert.get(), subject_key) == 1, "public key");
  return cert;
}

Identity make_ca() {
  Identity ca{make_p256_key(), nullptr};
  ca.cert = new_certificate(1, kCaName, ca.key.get());
  require(X509_set_issuer_name(ca.cert.get(), X509_get_subject_name(ca.cert.get())) == 1, "CA issuer");
  add_extension(ca.cert.get(), ca.cert.get(), NID_basic_constraints, "critical,CA:TRUE");
  add_extension(ca.cert.get(), ca.cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  require(X509_sign(ca.cert.get(), ca.key.get(), EVP_sha256()) > 0, "CA signature");
  return ca;
}

Identity make_leaf(const Identity& ca, long serial, const char* dns_name, const char* extended_usage) {
  Identity leaf{make_p256_key(), nullptr};
  leaf.cert = new_certificate(serial, dns_name, leaf.key.get());
  require(X509_set_issuer_name(leaf.cert.get(), X509_get_subject_name(ca.cert.get())) == 1, "issuer");
  const std::string san = std::string("DNS:") + dns_name;
  add_extension(leaf.cert.get(), ca.cert.get(), NID_subject_alt_name, san.c_str());
  add_extension(leaf.cert.get(), ca.cert.get(), NID_basic_constraints, "critical,CA:FALSE");
  add_extension(leaf.cert.get(), ca.cert.get(), NID_key_usage, "critical,digitalSignature");
  add_extension(leaf.cert.get(), ca.cert.get(), NID_ext_key_usage, extended_usage);
  require(X509_sign(leaf.cert.get(), ca.key.get(), EVP_sha256()) > 0, "leaf signature");
  return leaf;
}

}  // namespace

TestPki make_test_pki() {
  TestPki pki{make_ca(), {}, {}};
  pki.server = make_leaf(pki.ca, 2, kServerName, "serverAuth");
  pki.client = make_leaf(pki.ca, 3, kClientName, "clientAuth");
  return pki;
}

}  // namespace tlsgen
