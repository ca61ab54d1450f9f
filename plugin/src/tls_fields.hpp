// The fields of other dissectors the postdissector reads (TLS, QUIC, TCP), resolved by name once all
// protocols are registered. A name can stand for several ids (tls.handshake.type is registered by
// both the SSLv2 and the TLS code): every id of the name is wanted and classified.
#pragma once

#include <cstdint>

#include "wireshark.hpp"

namespace tlsflags::plugin {

enum class TlsField : uint8_t {
  none,
  handshake_type,       // starts a handshake message
  extensions_length,    // starts an extension block (duplicate detection per block, RFC 8446 §4.2)
  extension_type,       // one extension; the TLS Flags one is found by its value
  random,               // ServerHello.random: tells a HelloRetryRequest apart (RFC 8446 §4.1.3)
  legacy_version,       // tls.handshake.version
  supported_version,    // supported_versions entries (CH list, SH/HRR selection)
  certificate,          // one certificate_list entry
  distinguished_name,   // certificate_authorities entry's length (CR): the DER DN follows it
  server_name,          // SNI host_name (CH)
  signature_algorithm,  // signature_algorithms(_cert) entry (CR)
  alert_level,
  alert_description,
  quic_tls_alert,       // QUIC CONNECTION_CLOSE carrying a TLS alert (RFC 9001 §4.8)
  record_opaque_type,   // a TLS 1.3 protected record starts (RFC 8446 §5.2 opaque_type)
  record_content_type,  // tls.record.content_type: in a protected record, only once decrypted
  app_data,             // tls.app_data: protected data Wireshark could not decrypt, or app data
  tcp_fin,
  tcp_rst,
};

// Resolves the names; returns false (and logs) when a TLS field name is unknown to this Wireshark.
bool resolve_tls_fields();
// The ids to hand to set_postdissector_wanted_hfids (a GArray of int the caller owns afterwards).
GArray* wanted_tls_field_ids();
TlsField classify_field(int hfid);

}  // namespace tlsflags::plugin
