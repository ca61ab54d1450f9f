// What a certificate from a capture says, in the shape of the JSON Lines contract's
// `rca.client_certificate_details` (docs/output.md): subject, issuer, san, not_before, not_after, key_type,
// sha256. The DER comes from the peer, so parsing never trusts it: malformed input gives an Error.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "tlsflags/core/hex.hpp"
#include "tlsflags/inspect/outcome.hpp"

namespace tlsflags::inspect {

using Der = std::vector<uint8_t>;

struct CertificateDetails {
  // Distinguished names as one RFC 2253 line, most specific RDN first ("CN=crawler,O=Example,C=DE").
  // Bytes outside printable ASCII are escaped (\C3\A9), so the text is always safe ASCII.
  std::string subject;
  std::string issuer;
  // subjectAltName entries in certificate order: "DNS:crawler.example", "IP:192.0.2.7", "IP:2001:db8::1",
  // "URI:https://bots.example/id", "email:ops@example", "DirName:CN=x", "othername:1.3.6.1.5.5.7.8.7", ...
  std::vector<std::string> san;
  // ISO 8601 UTC, "2026-01-01T00:00:00Z"; empty when the field cannot be read.
  std::string not_before;
  std::string not_after;
  std::optional<int64_t> not_before_epoch;  // seconds since 1970, for validity checks
  std::optional<int64_t> not_after_epoch;
  std::string key_type;             // "EC P-256", "RSA 2048", "RSA-PSS 2048", "Ed25519", "Ed448", "unknown"
  std::string sha256;               // of the DER as received, lower-case hex without colons
  std::string signature_algorithm;  // OpenSSL's long name: "ecdsa-with-SHA256", "sha256WithRSAEncryption"
  std::string serial;               // lower-case hex, as `openssl x509 -serial` shows it (without "serial=")
  bool self_issued = false;         // subject == issuer (RFC 5280 §3.2: a possible trust anchor)
};

// Parses one DER certificate (a CertificateEntry's cert_data, RFC 8446 §4.4.2). Rejects empty input,
// unparseable DER and trailing bytes after the certificate.
Outcome<CertificateDetails> describe_certificate(std::span<const uint8_t> der);

// SHA-256 of bytes, lower-case hex without separators (what `openssl x509 -fingerprint -sha256` shows,
// without the colons and in lower case).
std::string sha256_hex(std::span<const uint8_t> bytes);

// Lower-case hex of bytes, and its inverse (which accepts either case and rejects odd lengths or
// non-hex characters). Event::certificate_authorities holds DNs in this form.
using ::tlsflags::to_hex;  // tlsflags/core/hex.hpp
std::optional<Der> from_hex(std::string_view hex);

// A DER-encoded Name (a certificate_authorities entry, RFC 8446 §4.2.4) as an RFC 2253 line.
Outcome<std::string> describe_distinguished_name(std::span<const uint8_t> der_name);

}  // namespace tlsflags::inspect
