#include "tlsflags/inspect/signature_schemes.hpp"

#include <openssl/ec.h>
#include <openssl/objects.h>

#include <cstdio>

#include "openssl_ptr.hpp"

namespace tlsflags::inspect {

std::string signature_scheme_name(uint16_t value) {
  switch (value) {
    case scheme::rsa_pkcs1_sha1: return "rsa_pkcs1_sha1";
    case scheme::ecdsa_sha1: return "ecdsa_sha1";
    case scheme::rsa_pkcs1_sha256: return "rsa_pkcs1_sha256";
    case scheme::ecdsa_secp256r1_sha256: return "ecdsa_secp256r1_sha256";
    case scheme::rsa_pkcs1_sha384: return "rsa_pkcs1_sha384";
    case scheme::ecdsa_secp384r1_sha384: return "ecdsa_secp384r1_sha384";
    case scheme::rsa_pkcs1_sha512: return "rsa_pkcs1_sha512";
    case scheme::ecdsa_secp521r1_sha512: return "ecdsa_secp521r1_sha512";
    case scheme::rsa_pss_rsae_sha256: return "rsa_pss_rsae_sha256";
    case scheme::rsa_pss_rsae_sha384: return "rsa_pss_rsae_sha384";
    case scheme::rsa_pss_rsae_sha512: return "rsa_pss_rsae_sha512";
    case scheme::ed25519: return "ed25519";
    case scheme::ed448: return "ed448";
    case scheme::rsa_pss_pss_sha256: return "rsa_pss_pss_sha256";
    case scheme::rsa_pss_pss_sha384: return "rsa_pss_pss_sha384";
    case scheme::rsa_pss_pss_sha512: return "rsa_pss_pss_sha512";
    case 0x081a: return "ecdsa_brainpoolP256r1tls13_sha256";
    case 0x081b: return "ecdsa_brainpoolP384r1tls13_sha384";
    case 0x081c: return "ecdsa_brainpoolP512r1tls13_sha512";
  }
  char text[8];
  std::snprintf(text, sizeof text, "0x%04x", value);
  return text;
}

std::string signature_scheme_label(uint16_t value) {
  char code[16];
  std::snprintf(code, sizeof code, " (0x%04x)", value);
  std::string name = signature_scheme_name(value);
  return name.starts_with("0x") ? name : name + code;
}

std::string signature_scheme_list(std::span<const uint16_t> schemes) {
  if (schemes.empty()) return "(none)";
  std::string out;
  for (uint16_t value : schemes) {
    if (!out.empty()) out += ", ";
    out += signature_scheme_label(value);
  }
  return out;
}

namespace {

enum class RsaKeyKind { unknown, rsae, pss };

RsaKeyKind rsa_key_kind(std::span<const uint8_t> cert_der) {
  if (cert_der.empty()) return RsaKeyKind::unknown;
  auto cert = ossl::parse_certificate(cert_der);
  if (!cert) return RsaKeyKind::unknown;
  EVP_PKEY* key = X509_get0_pubkey(cert.value().get());
  if (key == nullptr) {
    ossl::take_error();
    return RsaKeyKind::unknown;
  }
  if (EVP_PKEY_is_a(key, "RSA")) return RsaKeyKind::rsae;
  if (EVP_PKEY_is_a(key, "RSA-PSS")) return RsaKeyKind::pss;
  return RsaKeyKind::unknown;
}

// Index 0/1/2 for SHA-256/384/512, -1 for other hashes (TLS 1.3 defines no other RSA-PSS or ECDSA
// schemes; SHA-1 has the legacy codes handled separately).
int sha2_index(int digest_nid) {
  switch (digest_nid) {
    case NID_sha256: return 0;
    case NID_sha384: return 1;
    case NID_sha512: return 2;
  }
  return -1;
}

std::vector<uint16_t> pkcs1_schemes(int digest_nid) {
  static constexpr uint16_t by_hash[] = {scheme::rsa_pkcs1_sha256, scheme::rsa_pkcs1_sha384, scheme::rsa_pkcs1_sha512};
  if (digest_nid == NID_sha1) return {scheme::rsa_pkcs1_sha1};
  int index = sha2_index(digest_nid);
  return index < 0 ? std::vector<uint16_t>{} : std::vector<uint16_t>{by_hash[index]};
}

std::vector<uint16_t> ecdsa_schemes(int digest_nid) {
  static constexpr uint16_t by_hash[] = {scheme::ecdsa_secp256r1_sha256, scheme::ecdsa_secp384r1_sha384,
                                         scheme::ecdsa_secp521r1_sha512};
  if (digest_nid == NID_sha1) return {scheme::ecdsa_sha1};
  int index = sha2_index(digest_nid);
  return index < 0 ? std::vector<uint16_t>{} : std::vector<uint16_t>{by_hash[index]};
}

std::vector<uint16_t> pss_schemes(int digest_nid, RsaKeyKind issuer_key) {
  static constexpr uint16_t rsae[] = {scheme::rsa_pss_rsae_sha256, scheme::rsa_pss_rsae_sha384, scheme::rsa_pss_rsae_sha512};
  static constexpr uint16_t pss[] = {scheme::rsa_pss_pss_sha256, scheme::rsa_pss_pss_sha384, scheme::rsa_pss_pss_sha512};
  int index = sha2_index(digest_nid);
  if (index < 0) return {};
  switch (issuer_key) {
    case RsaKeyKind::rsae: return {rsae[index]};
    case RsaKeyKind::pss: return {pss[index]};
    case RsaKeyKind::unknown: break;
  }
  return {rsae[index], pss[index]};
}

}  // namespace

Outcome<std::vector<uint16_t>> certificate_signature_schemes(std::span<const uint8_t> cert_der,
                                                             std::span<const uint8_t> issuer_der) {
  auto cert = ossl::parse_certificate(cert_der);
  if (!cert) return Error{cert.error()};
  int digest_nid = NID_undef;
  int key_nid = NID_undef;
  if (X509_get_signature_info(cert.value().get(), &digest_nid, &key_nid, nullptr, nullptr) != 1) {
    ossl::take_error();
    return std::vector<uint16_t>{};
  }
  switch (key_nid) {
    case NID_rsaEncryption: return pkcs1_schemes(digest_nid);
    case NID_rsassaPss: return pss_schemes(digest_nid, rsa_key_kind(issuer_der));
    case NID_X9_62_id_ecPublicKey: return ecdsa_schemes(digest_nid);
    case NID_ED25519: return std::vector<uint16_t>{scheme::ed25519};
    case NID_ED448: return std::vector<uint16_t>{scheme::ed448};
  }
  return std::vector<uint16_t>{};
}

namespace {

std::vector<uint16_t> ecdsa_scheme_for_curve(EVP_PKEY* key) {
  char group[80] = {};
  size_t length = 0;
  if (EVP_PKEY_get_group_name(key, group, sizeof group, &length) != 1) return {};
  // TLS 1.3 binds each ECDSA scheme to one curve (RFC 8446 §4.2.3), unlike TLS 1.2.
  switch (OBJ_sn2nid(group)) {
    case NID_X9_62_prime256v1: return {scheme::ecdsa_secp256r1_sha256};
    case NID_secp384r1: return {scheme::ecdsa_secp384r1_sha384};
    case NID_secp521r1: return {scheme::ecdsa_secp521r1_sha512};
    case NID_brainpoolP256r1: return {0x081a};
    case NID_brainpoolP384r1: return {0x081b};
    case NID_brainpoolP512r1: return {0x081c};
  }
  return {};
}

}  // namespace

Outcome<std::vector<uint16_t>> certificate_verify_schemes_for_key(std::span<const uint8_t> cert_der) {
  auto cert = ossl::parse_certificate(cert_der);
  if (!cert) return Error{cert.error()};
  EVP_PKEY* key = X509_get0_pubkey(cert.value().get());
  if (key == nullptr) {
    ossl::take_error();
    return Error{"the certificate's public key cannot be decoded"};
  }
  // RFC 8446 §4.4.3: "RSA signatures MUST use an RSASSA-PSS algorithm", with rsae schemes for
  // rsaEncryption keys and pss schemes for RSASSA-PSS keys (§4.2.3).
  if (EVP_PKEY_is_a(key, "RSA")) {
    return std::vector<uint16_t>{scheme::rsa_pss_rsae_sha256, scheme::rsa_pss_rsae_sha384, scheme::rsa_pss_rsae_sha512};
  }
  if (EVP_PKEY_is_a(key, "RSA-PSS")) {
    return std::vector<uint16_t>{scheme::rsa_pss_pss_sha256, scheme::rsa_pss_pss_sha384, scheme::rsa_pss_pss_sha512};
  }
  if (EVP_PKEY_is_a(key, "EC")) return ecdsa_scheme_for_curve(key);
  if (EVP_PKEY_is_a(key, "ED25519")) return std::vector<uint16_t>{scheme::ed25519};
  if (EVP_PKEY_is_a(key, "ED448")) return std::vector<uint16_t>{scheme::ed448};
  return std::vector<uint16_t>{};
}

}  // namespace tlsflags::inspect
