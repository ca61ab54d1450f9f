// TLS SignatureScheme values (RFC 8446 §4.2.3 and the IANA TLS SignatureScheme registry) and how a
// certificate's own signature and its public key map onto them.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tlsflags/inspect/outcome.hpp"

namespace tlsflags::inspect {

namespace scheme {
inline constexpr uint16_t rsa_pkcs1_sha1 = 0x0201;
inline constexpr uint16_t ecdsa_sha1 = 0x0203;
inline constexpr uint16_t rsa_pkcs1_sha256 = 0x0401;
inline constexpr uint16_t ecdsa_secp256r1_sha256 = 0x0403;
inline constexpr uint16_t rsa_pkcs1_sha384 = 0x0501;
inline constexpr uint16_t ecdsa_secp384r1_sha384 = 0x0503;
inline constexpr uint16_t rsa_pkcs1_sha512 = 0x0601;
inline constexpr uint16_t ecdsa_secp521r1_sha512 = 0x0603;
inline constexpr uint16_t rsa_pss_rsae_sha256 = 0x0804;
inline constexpr uint16_t rsa_pss_rsae_sha384 = 0x0805;
inline constexpr uint16_t rsa_pss_rsae_sha512 = 0x0806;
inline constexpr uint16_t ed25519 = 0x0807;
inline constexpr uint16_t ed448 = 0x0808;
inline constexpr uint16_t rsa_pss_pss_sha256 = 0x0809;
inline constexpr uint16_t rsa_pss_pss_sha384 = 0x080a;
inline constexpr uint16_t rsa_pss_pss_sha512 = 0x080b;
}  // namespace scheme

// "ecdsa_secp256r1_sha256", or "0x1234" for a value this table does not name.
std::string signature_scheme_name(uint16_t scheme);
// "ecdsa_secp256r1_sha256 (0x0403)".
std::string signature_scheme_label(uint16_t scheme);
// "a, b, c" of labels; "(none)" when empty.
std::string signature_scheme_list(std::span<const uint16_t> schemes);

// The SignatureSchemes that describe the signature *on* a certificate (what signature_algorithms_cert
// constrains). Usually one; two for RSASSA-PSS when the issuer's key is not known, because the signature
// alone does not say whether the issuer key is rsaEncryption (rsae) or RSASSA-PSS (pss). For ECDSA the
// scheme is chosen by the hash (as OpenSSL does for certificate signatures): the curve belongs to the
// issuer's key. Empty when the algorithm has no TLS SignatureScheme (e.g. sha224WithRSAEncryption).
// issuer_der: the issuer's certificate when the chain holds it (resolves rsae vs pss), else empty.
Outcome<std::vector<uint16_t>> certificate_signature_schemes(std::span<const uint8_t> cert_der,
                                                             std::span<const uint8_t> issuer_der = {});

// The SignatureSchemes with which the certificate's key can sign a TLS 1.3 CertificateVerify
// (RFC 8446 §4.4.3): ECDSA bound to the key's curve, RSA keys only with RSASSA-PSS (rsa_pkcs1_* is not
// allowed in CertificateVerify), RSASSA-PSS keys only with rsa_pss_pss_*, EdDSA with its own scheme.
Outcome<std::vector<uint16_t>> certificate_verify_schemes_for_key(std::span<const uint8_t> cert_der);

}  // namespace tlsflags::inspect
