// subjectAltName entries as text ("DNS:crawler.example", "IP:192.0.2.7").
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <openssl/x509v3.h>

namespace tlsflags::inspect {

// Bytes outside printable ASCII become \xHH: SAN strings are IA5String by definition, so anything else
// is hostile or broken, and must not reach a terminal or a JSON writer raw.
std::string printable(std::string_view bytes);

// The raw bytes of an ASN1 string.
std::string_view asn1_bytes(const ASN1_STRING* text);

// "192.0.2.7" / "2001:db8::1" for 4 / 16 bytes, nullopt otherwise.
std::optional<std::string> ip_text(const ASN1_OCTET_STRING* address);

std::string general_name_text(const GENERAL_NAME* name);

}  // namespace tlsflags::inspect
