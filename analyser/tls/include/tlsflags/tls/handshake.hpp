// Parsers for the TLS 1.3 handshake messages (RFC 8446 §4) that fill a core Event. Each takes the
// message body (without the 4-byte handshake header) and returns false when the body is malformed:
// every read is checked and every length-prefixed vector must be consumed exactly (RFC 8446 §3.4).
// A parser never judges; it reports what the bytes say.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "tlsflags/core/events.hpp"
#include "tlsflags/core/hex.hpp"
#include "tlsflags/core/protocol.hpp"
#include "tlsflags/tls/keylog.hpp"

namespace tlsflags::tls {

// HandshakeType, the extension types, the versions and the HelloRetryRequest random:
// tlsflags/core/protocol.hpp (one home for the two event sources).

// Lowercase hex, as the events carry certificate_authorities and contexts (tlsflags/core/hex.hpp).
using ::tlsflags::to_hex;

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

// ---- TLS 1.2, 1.1 and 1.0 (RFC 5246 §7.4, RFC 4346, RFC 2246) ------------------------------------
// After a ServerHello that selects one of these versions the rest of the handshake is cleartext up to
// each side's ChangeCipherSpec (docs/analyser.md "TLS 1.2 and older"). These parsers take the message
// body like the TLS 1.3 ones, fill the Event's type (and what the message says that the JSON Lines
// contract carries), and return false when the body is malformed. `version` is the negotiated one
// (0x0303, 0x0302, 0x0301): the signed structures carry a SignatureAndHashAlgorithm only in TLS 1.2.
namespace tls12 {

// HandshakeType values that only TLS 1.2 and older use (RFC 5246 §7.4, RFC 6066 §8).
inline constexpr uint8_t kHelloRequest = 0;
inline constexpr uint8_t kServerKeyExchange = 12;
inline constexpr uint8_t kServerHelloDone = 14;
inline constexpr uint8_t kClientKeyExchange = 16;
inline constexpr uint8_t kCertificateStatus = 22;
// verify_data of a TLS 1.2 Finished (RFC 5246 §7.4.9: 12 unless the suite says otherwise).
inline constexpr size_t kVerifyDataLength = 12;

// The handshake types parse_message reads (ClientHello and ServerHello excepted: the TLS 1.3 parsers
// read every version's); a message of another type is not recorded, as in TLS 1.3.
bool defines(uint8_t type);
// One handshake message of a pre-TLS 1.3 connection, of a type defines() accepts; false when malformed.
bool parse_message(uint8_t type, std::span<const uint8_t> body, uint16_t version, Event& event);

bool parse_certificate(std::span<const uint8_t> body, Event& event);                           // §7.4.2
bool parse_server_key_exchange(std::span<const uint8_t> body, uint16_t version);               // §7.4.3
bool parse_certificate_request(std::span<const uint8_t> body, uint16_t version, Event& event);  // §7.4.4
bool parse_client_key_exchange(std::span<const uint8_t> body);                                 // §7.4.7
bool parse_certificate_verify(std::span<const uint8_t> body, uint16_t version);                // §7.4.8
bool parse_new_session_ticket(std::span<const uint8_t> body);                                  // RFC 5077 §3.3
bool parse_certificate_status(std::span<const uint8_t> body);                                  // RFC 6066 §8

}  // namespace tls12

}  // namespace tlsflags::tls
