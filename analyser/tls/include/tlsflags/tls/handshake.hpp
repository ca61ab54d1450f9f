// Parsers for the TLS 1.3 handshake messages (RFC 8446 §4) that fill a core Event. Each takes the
// message body (without the 4-byte handshake header) and returns false when the body is malformed:
// every read is checked and every length-prefixed vector must be consumed exactly (RFC 8446 §3.4).
// A parser never judges; it reports what the bytes say.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "tlsflags/core/events.hpp"
#include "tlsflags/tls/keylog.hpp"

namespace tlsflags::tls {

// RFC 8446 §4 HandshakeType values (and RFC 8879's compressed_certificate).
enum class HandshakeType : uint8_t {
  client_hello = 1,
  server_hello = 2,
  new_session_ticket = 4,
  end_of_early_data = 5,
  encrypted_extensions = 8,
  certificate = 11,
  certificate_request = 13,
  certificate_verify = 15,
  finished = 20,
  key_update = 24,
  compressed_certificate = 25,
  message_hash = 254,
};

// RFC 8446 §4.2 ExtensionType values the parsers look at.
namespace extension {
inline constexpr uint16_t server_name = 0;
inline constexpr uint16_t signature_algorithms = 13;
inline constexpr uint16_t early_data = 42;
inline constexpr uint16_t supported_versions = 43;
inline constexpr uint16_t certificate_authorities = 47;
inline constexpr uint16_t signature_algorithms_cert = 50;
inline constexpr uint16_t encrypted_client_hello = 0xfe0d;
}  // namespace extension

inline constexpr uint16_t kTls12 = 0x0303;
inline constexpr uint16_t kTls13 = 0x0304;

// RFC 8446 §4.1.3: a HelloRetryRequest is a ServerHello whose random is SHA-256("HelloRetryRequest").
inline constexpr std::array<uint8_t, 32> kHelloRetryRequestRandom = {
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C};

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
// RFC 8879 CompressedCertificate: the entries are not readable without decompressing, so only the
// emptiness is inferred from the uncompressed length (an empty list with an empty context is 4 bytes).
bool parse_compressed_certificate(std::span<const uint8_t> body, Event& event);
bool parse_certificate_verify(std::span<const uint8_t> body);
bool parse_finished(std::span<const uint8_t> body, size_t hash_length);  // hash_length 0 = unknown
bool parse_new_session_ticket(std::span<const uint8_t> body, const ParseOptions& options, Event& event);
bool parse_key_update(std::span<const uint8_t> body, bool& update_requested);
bool parse_end_of_early_data(std::span<const uint8_t> body);

}  // namespace tlsflags::tls
