#include "tlsflags/inspect/certificate.hpp"

#include <openssl/ec.h>
#include <openssl/objects.h>
#include <openssl/sha.h>

#include <array>

#include "openssl_ptr.hpp"
#include "san_text.hpp"

namespace tlsflags::inspect {
namespace {

std::string key_type_of(const X509* cert) {
  EVP_PKEY* key = X509_get0_pubkey(cert);  // NULL for a key OpenSSL cannot decode
  if (key == nullptr) {
    ossl::take_error();
    return "unknown";
  }
  int bits = EVP_PKEY_get_bits(key);
  if (EVP_PKEY_is_a(key, "RSA")) return "RSA " + std::to_string(bits);
  if (EVP_PKEY_is_a(key, "RSA-PSS")) return "RSA-PSS " + std::to_string(bits);
  if (EVP_PKEY_is_a(key, "ED25519")) return "Ed25519";
  if (EVP_PKEY_is_a(key, "ED448")) return "Ed448";
  if (EVP_PKEY_is_a(key, "DSA")) return "DSA " + std::to_string(bits);
  if (EVP_PKEY_is_a(key, "EC")) {
    char group[80] = {};
    size_t length = 0;
    if (EVP_PKEY_get_group_name(key, group, sizeof group, &length) != 1) return "EC (explicit curve)";
    // "prime256v1" is better known as P-256 (FIPS 186-4): say that where there is a NIST name.
    const char* nist = EC_curve_nid2nist(OBJ_sn2nid(group));
    return std::string("EC ") + (nist != nullptr ? nist : group);
  }
  const char* name = EVP_PKEY_get0_type_name(key);
  return name != nullptr ? name : "unknown";
}

std::string signature_algorithm_of(const X509* cert) {
  int nid = X509_get_signature_nid(cert);
  if (nid == NID_undef) {
    const X509_ALGOR* algorithm = nullptr;
    X509_get0_signature(nullptr, &algorithm, cert);
    if (algorithm == nullptr) return "unknown";
    const ASN1_OBJECT* oid = nullptr;
    X509_ALGOR_get0(&oid, nullptr, nullptr, algorithm);
    char text[128] = {};
    OBJ_obj2txt(text, sizeof text, oid, 1);
    return text;
  }
  const char* name = OBJ_nid2ln(nid);
  return name != nullptr ? name : "unknown";
}

std::string serial_of(const X509* cert) {
  const ASN1_INTEGER* serial = X509_get0_serialNumber(cert);
  if (serial == nullptr) return "";
  std::span<const uint8_t> bytes(ASN1_STRING_get0_data(serial), static_cast<size_t>(ASN1_STRING_length(serial)));
  std::string hex = to_hex(bytes);
  return ASN1_STRING_type(serial) == V_ASN1_NEG_INTEGER ? "-" + hex : hex;
}

std::vector<std::string> san_of(X509* cert) {
  std::vector<std::string> out;
  int critical = 0;
  ossl::GeneralNamesPtr names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, &critical, nullptr)));
  if (!names) {
    ossl::take_error();  // absent or undecodable: either way there is nothing to list
    return out;
  }
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    out.push_back(general_name_text(sk_GENERAL_NAME_value(names.get(), i)));
  }
  return out;
}

}  // namespace

std::optional<Der> from_hex(std::string_view hex) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (hex.size() % 2 != 0) return std::nullopt;
  Der out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    int high = nibble(hex[i]);
    int low = nibble(hex[i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    out.push_back(static_cast<uint8_t>(high << 4 | low));
  }
  return out;
}

std::string sha256_hex(std::span<const uint8_t> bytes) {
  std::array<uint8_t, SHA256_DIGEST_LENGTH> digest{};
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1) {
    ossl::take_error();
    return "";
  }
  return to_hex(std::span(digest.data(), length));
}

Outcome<CertificateDetails> describe_certificate(std::span<const uint8_t> der) {
  auto parsed = ossl::parse_certificate(der);
  if (!parsed) return Error{parsed.error()};
  X509* cert = parsed.value().get();

  CertificateDetails details;
  details.subject = ossl::name_to_string(X509_get_subject_name(cert));
  details.issuer = ossl::name_to_string(X509_get_issuer_name(cert));
  details.san = san_of(cert);
  details.not_before = ossl::time_to_iso8601(X509_get0_notBefore(cert)).value_or("");
  details.not_after = ossl::time_to_iso8601(X509_get0_notAfter(cert)).value_or("");
  details.not_before_epoch = ossl::time_to_epoch(X509_get0_notBefore(cert));
  details.not_after_epoch = ossl::time_to_epoch(X509_get0_notAfter(cert));
  details.key_type = key_type_of(cert);
  details.sha256 = sha256_hex(der);  // of the bytes as received, not a re-encoding
  details.signature_algorithm = signature_algorithm_of(cert);
  details.serial = serial_of(cert);
  details.self_issued = X509_NAME_cmp(X509_get_subject_name(cert), X509_get_issuer_name(cert)) == 0;
  ossl::take_error();
  return details;
}

Outcome<std::string> describe_distinguished_name(std::span<const uint8_t> der_name) {
  auto name = ossl::parse_name(der_name);
  if (!name) return Error{name.error()};
  return ossl::name_to_string(name.value().get());
}

}  // namespace tlsflags::inspect
