#include "test_pki.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <stdexcept>

namespace tlsflags::inspect::testing {
namespace {

void require(bool ok, const char* what) {
  if (!ok) {
    char text[256];
    ERR_error_string_n(ERR_get_error(), text, sizeof text);
    throw std::runtime_error(std::string(what) + ": " + text);
  }
}

void add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX context;
  X509V3_set_ctx(&context, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str());
  require(extension != nullptr, "extension");
  X509_add_ext(cert, extension, -1);
  X509_EXTENSION_free(extension);
}

void set_subject(X509* cert, const CertSpec& spec) {
  X509_NAME* name = X509_get_subject_name(cert);
  int type = spec.utf8_names ? MBSTRING_UTF8 | V_ASN1_UTF8STRING : MBSTRING_ASC;
  for (const auto& [field, value] : spec.subject) {
    auto bytes = reinterpret_cast<const unsigned char*>(value.c_str());
    if (spec.utf8_names) {
      // Force UTF8String for every entry, to test the canonical (not byte-wise) name comparison.
      X509_NAME_ENTRY* entry = X509_NAME_ENTRY_create_by_txt(nullptr, field.c_str(), V_ASN1_UTF8STRING, bytes, -1);
      require(entry != nullptr, "name entry");
      X509_NAME_add_entry(name, entry, -1, 0);
      X509_NAME_ENTRY_free(entry);
    } else {
      require(X509_NAME_add_entry_by_txt(name, field.c_str(), type, bytes, -1, -1, 0) == 1, "name");
    }
  }
}

void sign(X509* cert, EVP_PKEY* key, const CertSpec& spec) {
  if (EVP_PKEY_is_a(key, "ED25519") || EVP_PKEY_is_a(key, "ED448")) {
    require(X509_sign(cert, key, nullptr) > 0, "sign EdDSA");
    return;
  }
  if (spec.signing == Signing::pkcs1_or_ecdsa) {
    require(X509_sign(cert, key, spec.digest) > 0, "sign");
    return;
  }
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  EVP_PKEY_CTX* key_context = nullptr;
  require(EVP_DigestSignInit(context, &key_context, spec.digest, nullptr, key) == 1, "pss init");
  require(EVP_PKEY_CTX_set_rsa_padding(key_context, RSA_PKCS1_PSS_PADDING) == 1, "pss padding");
  require(EVP_PKEY_CTX_set_rsa_pss_saltlen(key_context, RSA_PSS_SALTLEN_DIGEST) == 1, "pss salt");
  int signed_ok = X509_sign_ctx(cert, context);
  EVP_MD_CTX_free(context);
  require(signed_ok > 0, "sign pss");
}

}  // namespace

KeyPtr ec_key(const char* curve) { return KeyPtr(EVP_EC_gen(curve)); }
KeyPtr rsa_key(unsigned bits) { return KeyPtr(EVP_RSA_gen(bits)); }
KeyPtr rsa_pss_key(unsigned bits) {
  // EVP_PKEY_Q_keygen only takes a size for "RSA" in OpenSSL 3.0, so the long way.
  EVP_PKEY_CTX* context = EVP_PKEY_CTX_new_from_name(nullptr, "RSA-PSS", nullptr);
  EVP_PKEY* key = nullptr;
  bool ok = context && EVP_PKEY_keygen_init(context) == 1 &&
            EVP_PKEY_CTX_set_rsa_keygen_bits(context, static_cast<int>(bits)) == 1 &&
            EVP_PKEY_keygen(context, &key) == 1;
  EVP_PKEY_CTX_free(context);
  require(ok, "RSA-PSS key");
  return KeyPtr(key);
}
KeyPtr ed25519_key() { return KeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")); }

Issued issue(const CertSpec& spec, EVP_PKEY* subject_key, const Issued* issuer, EVP_PKEY* issuer_key) {
  require(subject_key != nullptr, "subject key");
  CertPtr cert(X509_new());
  X509_set_version(cert.get(), X509_VERSION_3);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), spec.serial);
  require(ASN1_TIME_set_string_X509(X509_getm_notBefore(cert.get()), spec.not_before.c_str()) == 1, "notBefore");
  require(ASN1_TIME_set_string_X509(X509_getm_notAfter(cert.get()), spec.not_after.c_str()) == 1, "notAfter");
  set_subject(cert.get(), spec);
  X509* issuer_cert = issuer ? issuer->cert.get() : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer_cert));
  X509_set_pubkey(cert.get(), subject_key);
  add_extension(cert.get(), issuer_cert, NID_basic_constraints, spec.ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  add_extension(cert.get(), issuer_cert, NID_key_usage,
                spec.ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
  add_extension(cert.get(), issuer_cert, NID_subject_key_identifier, "hash");
  if (issuer) add_extension(cert.get(), issuer_cert, NID_authority_key_identifier, "keyid:always");
  if (!spec.san.empty()) add_extension(cert.get(), issuer_cert, NID_subject_alt_name, spec.san);
  if (!spec.extended_key_usage.empty()) add_extension(cert.get(), issuer_cert, NID_ext_key_usage, spec.extended_key_usage);
  sign(cert.get(), issuer ? issuer_key : subject_key, spec);
  Issued out;
  out.der = der_of(cert.get());
  out.pem = pem_of(cert.get());
  out.cert = std::move(cert);
  return out;
}

Der der_of(X509* cert) {
  unsigned char* out = nullptr;
  int length = i2d_X509(cert, &out);
  require(length > 0, "i2d");
  Der der(out, out + length);
  OPENSSL_free(out);
  return der;
}

std::string pem_of(X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  char* data = nullptr;
  long length = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(length));
  BIO_free(bio);
  return pem;
}

std::string hex_of(const std::vector<uint8_t>& bytes) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : bytes) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

static std::string name_hex(const X509_NAME* name) {
  unsigned char* out = nullptr;
  int length = i2d_X509_NAME(name, &out);
  require(length > 0, "i2d name");
  std::vector<uint8_t> der(out, out + length);
  OPENSSL_free(out);
  return hex_of(der);
}

std::string subject_der_hex(const Issued& cert) { return name_hex(X509_get_subject_name(cert.cert.get())); }
std::string issuer_der_hex(const Issued& cert) { return name_hex(X509_get_issuer_name(cert.cert.get())); }

std::string independent_sha256(const Der& der) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  require(EVP_Digest(der.data(), der.size(), digest, &length, EVP_sha256(), nullptr) == 1, "digest");
  return hex_of(std::vector<uint8_t>(digest, digest + length));
}

int64_t epoch_of(const std::string& generalized_time) {
  struct tm fields {};
  fields.tm_year = std::stoi(generalized_time.substr(0, 4)) - 1900;
  fields.tm_mon = std::stoi(generalized_time.substr(4, 2)) - 1;
  fields.tm_mday = std::stoi(generalized_time.substr(6, 2));
  fields.tm_hour = std::stoi(generalized_time.substr(8, 2));
  fields.tm_min = std::stoi(generalized_time.substr(10, 2));
  fields.tm_sec = std::stoi(generalized_time.substr(12, 2));
  return static_cast<int64_t>(timegm(&fields));
}

namespace {

Pki build_pki() {
  Pki p;
  p.root_key = ec_key("P-256");
  p.intermediate_key = ec_key("P-256");
  p.leaf_key = ec_key("P-256");
  p.rsa_leaf_key = rsa_key(2048);
  p.rsa_ca_key = rsa_key(2048);
  p.p384_key = ec_key("P-384");
  p.ed_key = ed25519_key();
  p.partner_key = ec_key("P-256");
  p.server_key = ec_key("P-256");

  CertSpec root{{{"C", "DE"}, {"O", "Bots"}, {"CN", "Bots Root CA"}}};
  root.ca = true;
  root.not_before = "20250101000000Z";
  root.not_after = "20350101000000Z";
  p.root = issue(root, p.root_key.get(), nullptr, nullptr);

  CertSpec intermediate{{{"C", "DE"}, {"O", "Bots"}, {"CN", "Crawler CA"}}};
  intermediate.ca = true;
  intermediate.serial = 2;
  intermediate.not_before = "20250101000000Z";
  intermediate.not_after = "20300101000000Z";
  p.intermediate = issue(intermediate, p.intermediate_key.get(), &p.root, p.root_key.get());

  CertSpec leaf{{{"C", "DE"}, {"O", "Example Crawlers"}, {"CN", "crawler.example"}}};
  leaf.san = "DNS:crawler.example,IP:192.0.2.7,IP:2001:db8::7,URI:https://bots.example/id/7,email:ops@crawler.example";
  leaf.extended_key_usage = "clientAuth";
  leaf.serial = 0x1001;
  p.leaf = issue(leaf, p.leaf_key.get(), &p.intermediate, p.intermediate_key.get());

  CertSpec rsa_leaf{{{"CN", "rsa.crawler.example"}}};
  rsa_leaf.san = "DNS:rsa.crawler.example";
  rsa_leaf.extended_key_usage = "clientAuth";
  rsa_leaf.serial = 0x1002;
  p.rsa_leaf = issue(rsa_leaf, p.rsa_leaf_key.get(), &p.intermediate, p.intermediate_key.get());

  CertSpec rsa_ca{{{"CN", "RSA CA"}}};
  rsa_ca.ca = true;
  p.rsa_ca = issue(rsa_ca, p.rsa_ca_key.get(), nullptr, nullptr);

  CertSpec pss_leaf{{{"CN", "pss.crawler.example"}}};
  pss_leaf.signing = Signing::pss;
  pss_leaf.digest = EVP_sha256();
  p.pss_leaf = issue(pss_leaf, p.p384_key.get(), &p.rsa_ca, p.rsa_ca_key.get());

  CertSpec pinned{{{"CN", "pinned-bot"}}};
  pinned.san = "DNS:pinned-bot.example";
  pinned.extended_key_usage = "clientAuth";
  p.pinned = issue(pinned, p.ed_key.get(), nullptr, nullptr);

  CertSpec partner{{{"CN", "Partner CA"}}};
  partner.ca = true;
  p.partner_root = issue(partner, p.partner_key.get(), nullptr, nullptr);

  CertSpec server{{{"CN", "www.example.com"}}};
  server.san = "DNS:*.example.com,DNS:www.example.com,IP:192.0.2.10";
  server.extended_key_usage = "serverAuth";
  p.server = issue(server, p.server_key.get(), &p.root, p.root_key.get());
  return p;
}

}  // namespace

const Pki& pki() {
  static const Pki instance = build_pki();
  return instance;
}

}  // namespace tlsflags::inspect::testing
