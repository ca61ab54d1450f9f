// Parsers for the TLS 1.3 handshake messages (RFC 8446 §4) that fill a core Event. Each takes the
// message body (without the 4-byte handshake header) and returns false when the body is malformed:
// every read is checked and every length-prefixed vector must be consumed exactly (RFC 8446 §3.4).
// A parser never judges; it reports what the bytes say.
#pragma once

#include <cstdint>
#include <span>

#include "tlsflags/core/events.hpp"
#include "tlsflags/core/protocol.hpp"
#include "tlsflags/tls/keylog.hpp"

namespace tlsflags::tls {

// HandshakeType, the extension types, the versions and the HelloRetryRequest random:
// tlsflags/core/protocol.hpp (one home for the two event sources).

struct ParseOptions {
  uint16_t flags_extension_type = kTlsFlagsExtensionType;
};

// What the record layer needs from the hellos beyond the Event.
struct ClientHelloFacts {
  ClientRandom random{};
  bool offers_early_data = false;  // early_data (42) present: 0-RTT records may follow
};
struct ServerHelloFacts {
  bool hello_retry_request = false;
  uint16_t cipher_suite = 0;
  uint16_t selected_version = 0;
};

bool parse_client_hello(std::span<const uint8_t> body, const ParseOptions& options, Event& event,
                        ClientHelloFacts& facts);
// Sets event.type to server_hello or hello_retry_request.
bool parse_server_hello(std::span<const uint8_t> body, const ParseOptions& options, Event& event,
                        ServerHelloFacts& facts);
bool parse_encrypted_extensions(std::span<const uint8_t> body, const ParseOptions& options, Event& event);
bool parse_certificate_request(std::span<const uint8_t> body, const ParseOptions& options, Event& event);
// TLS 1.3 Certificate (§4.4.2); keeps the DER of each entry in certificate_chain_der.
bool parse_certificate(std::span<const uint8_t> body, const ParseOptions& options, Event& event);
// RFC 8879 CompressedCertificate: inflated with analyser/compress (bounded: docs/reliability-limits.md
// "Compressed certificates") and then parsed as the Certificate it stands for; event.compression says
// which algorithm and what became of it. False only when the CompressedCertificate itself is malformed: a
// stream that cannot be inflated, or inflates to something that is not a Certificate, is a fact for the
// rules (event.compression->outcome), with no entries.
bool parse_compressed_certificate(std::span<const uint8_t> body, const ParseOptions& options, Event& event);
bool parse_certificate_verify(std::span<const uint8_t> body);
bool parse_finished(std::span<const uint8_t> body, size_t hash_length);  // hash_length 0 = unknown
bool parse_new_session_ticket(std::span<const uint8_t> body, const ParseOptions& options, Event& event);
bool parse_key_update(std::span<const uint8_t> body, bool& update_requested);
bool parse_end_of_early_data(std::span<const uint8_t> body);

}  // namespace tlsflags::tls
