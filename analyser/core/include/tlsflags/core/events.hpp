// The handshake events of one TLS connection, in the order they were seen (docs/architecture.md "The seams").
// Both event sources fill these: the analyser from its own decryption, the plugin from Wireshark's
// dissection. Nothing here knows about packets, bytes on the wire or verdicts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tlsflags/core/flags_codec.hpp"
#include "tlsflags/core/optional_box.hpp"
#include "tlsflags/core/protocol.hpp"

namespace tlsflags {

enum class Party : uint8_t { client, server };
inline Party peer_of(Party p) { return p == Party::client ? Party::server : Party::client; }
std::string_view to_string(Party party);

enum class EventType : uint8_t {
  // Handshake messages (RFC 8446 §4), named as in the JSON Lines contract.
  client_hello,
  server_hello,
  hello_retry_request,
  encrypted_extensions,
  certificate_request,
  certificate,
  certificate_verify,
  finished,
  new_session_ticket,
  key_update,
  end_of_early_data,
  alert,
  fin,
  rst,
  capture_end,
  // Visibility markers: not part of the JSON contract's event list, but they tell the rules where the
  // capture stopped showing what a party sent.
  unreadable,  // a protected record could not be decrypted (no secrets, or authentication failed)
  gap,         // TCP data of this direction is missing from the capture
  application_data,  // decrypted application data (only its presence matters: the party went on)
};

std::string_view to_string(EventType type);
bool is_handshake_message(EventType type);
bool is_visibility_marker(EventType type);  // unreadable, gap, application_data

std::string_view alert_description_name(uint8_t description);  // "illegal_parameter", or "unknown_N"

// The event a TLS 1.3 handshake message becomes (a server_hello whose random says so is a
// hello_retry_request); nullopt for the types the timeline does not carry (TLS 1.2's own messages).
std::optional<EventType> event_type_of(HandshakeType type, bool hello_retry);
// Who sends a message of this type, when RFC 8446 §4 fixes it (else the direction decides).
std::optional<Party> fixed_sender(EventType type);

// RFC 8879 §4: what became of a CompressedCertificate when the event source inflated it (analyser/compress
// says it; the rules judge it, docs/rules.md "How compressed certificates are judged").
enum class InflationOutcome : uint8_t {
  ok,                       // inflated to exactly uncompressed_length bytes: the event is its Certificate
  unknown_algorithm,        // not zlib, brotli or zstd
  declared_length_invalid,  // uncompressed_length 0 (or above the inflater's limit, at most 2^24 - 1)
  corrupt,                  // not a valid stream of its algorithm, truncated, or bytes after its end
  length_mismatch,          // the stream yields more or fewer bytes than uncompressed_length
  ratio_exceeded,           // refused unread: uncompressed_length too large for its compressed bytes
  not_a_certificate,        // inflated, but the result is not a well-formed Certificate message
};
// "ok", "unknown-algorithm", "declared-length-invalid", "corrupt", "length-mismatch", "ratio-exceeded",
// "not-a-certificate" (docs/output.md).
std::string_view to_string(InflationOutcome outcome);
// One sentence saying what went wrong (or that nothing did).
std::string_view describe(InflationOutcome outcome);

// A Certificate that arrived as a CompressedCertificate (RFC 8879 §4).
struct CertificateCompression {
  uint16_t algorithm = 0;  // RFC 8879 §3 code point: certificate_compression_algorithm_name()
  InflationOutcome outcome = InflationOutcome::ok;
  uint32_t uncompressed_length = 0;  // as declared
  bool inflated() const { return outcome == InflationOutcome::ok; }
};

// The TLS Flags extension as found in one message. For a Certificate, the extensions of all its
// entries are merged: `flags` holds the union, `problem` the first problem met.
struct FlagsInMessage {
  DecodedFlags decoded;
  bool duplicate = false;  // more than one TLS Flags extension in one extension block
};

// The TLS Flags of one message, when it carried the extension.
using MessageFlags = OptionalBox<FlagsInMessage>;

struct Event {
  EventType type = EventType::capture_end;
  Party from = Party::client;
  uint64_t frame = 0;  // 1-based, the frame whose data completed the message
  double time = 0;     // seconds since the first packet of the capture

  // Present when the message carried a TLS Flags extension. Boxed: few events carry one, and inline it
  // would more than double the size of every Event.
  MessageFlags flags;

  // client_hello
  bool offers_tls13 = false;        // supported_versions lists 0x0304
  bool ech_outer = false;           // encrypted_client_hello present: this is the outer ClientHello
  std::string server_name;          // SNI host_name, empty when absent
  // server_hello / hello_retry_request
  uint16_t selected_version = 0;    // supported_versions if present, else legacy_version
  // certificate_request and certificate: the certificate_request_context, hex (RFC 8446 §4.3.2: empty in
  // the handshake, unique per post-handshake request; §4.4.2: a Certificate echoes its request's)
  std::string certificate_request_context;
  // certificate_request
  std::vector<std::string> certificate_authorities;  // DER DNs, hex, as sent
  std::vector<uint16_t> signature_algorithms;
  std::vector<uint16_t> signature_algorithms_cert;
  // client_hello and certificate_request: compress_certificate (RFC 8879 §3), the algorithms the sender
  // can inflate the peer's certificate with; empty when the extension was absent.
  std::vector<uint16_t> compress_certificate_algorithms;
  // certificate
  uint32_t certificate_entries = 0;  // 0 = an empty Certificate
  std::vector<std::vector<uint8_t>> certificate_chain_der;  // filled when the source keeps it
  // Present when the Certificate arrived compressed (RFC 8879 §4). When it could not be inflated, the
  // entries, their DER and their flags are not known (certificate_entries stays 0): see certificate_known().
  OptionalBox<CertificateCompression> compression;
  // alert
  uint8_t alert_level = 0;
  uint8_t alert_description = 0;
  bool gap_given_up = false;  // gap: a buffer cap gave the bytes up (they may be in the capture)

  // The message carried a TLS Flags extension with `flag` set (request_client_auth: RuleConfig's number).
  bool carries_flag(uint16_t flag) const { return flags && flags->decoded.flags.contains(flag); }
  // A certificate event whose entries are known: not a CompressedCertificate that could not be inflated.
  bool certificate_known() const { return !compression || compression->inflated(); }
  // An alert that ends the connection with an error (RFC 8446 §6: not close_notify or user_canceled).
  bool is_error_alert() const { return type == EventType::alert && !is_closure_alert(alert_description); }
};

// Why the entries of a certificate event are not known (!certificate_known()), for undecidable rules and
// notes: "the client's Certificate (frame 9) arrived compressed with zlib and could not be inflated: ...".
std::string unknown_certificate_reason(const Event& certificate);

// The same, false for no event: `carries_flag(timeline.first(...), flag)`.
inline bool carries_flag(const Event* event, uint16_t flag) { return event && event->carries_flag(flag); }

// What carried the TLS handshake: a TCP stream, QUIC packets (RFC 9001) or DTLS records (RFC 6347, 9147).
enum class Transport : uint8_t { tcp, quic, dtls };
std::string_view to_string(Transport transport);  // "tcp", "quic", "dtls"

struct Endpoint {
  std::string address;  // textual IP, IPv6 without brackets
  uint16_t port = 0;
  std::string to_string() const;  // "IP:port", IPv6 as "[addr]:port"
  bool operator==(const Endpoint&) const = default;
};

// One connection's story. Events are appended in capture order.
struct Timeline {
  std::string file;
  Endpoint client;
  Endpoint server;
  Transport transport = Transport::tcp;
  uint64_t first_frame = 0;
  uint64_t last_frame = 0;
  bool saw_connection_start = true;  // false when the capture began mid-connection
  bool keys_found = false;           // secrets for this client random were available
  // The TLS 1.3 cipher suite the ServerHello selected when the event source cannot decrypt it (0: none
  // such): its protected records are unreadable for that reason, not for want of keys.
  uint16_t undecrypted_cipher_suite = 0;
  // The connection began in plaintext and upgraded to TLS (STARTTLS and the like): which upgrade, as
  // docs/output.md names it ("smtp-starttls", "postgresql-sslrequest", ..., "unknown"); empty when TLS
  // began the connection.
  std::string upgrade;
  // Seconds since the Unix epoch of the capture's first packet (Event::time is relative to it);
  // 0 = unknown. Certificate validity is judged at this time.
  double capture_start_epoch = 0;
  // The run was stopped (SIGINT, SIGTERM, a failing report) while this connection was open: its
  // capture_end is where the analysis stopped reading, not the end of the capture.
  bool interrupted = false;
  std::vector<Event> events;

  // Appends an event of `type` from `from`, completed by `frame` at `time`; the caller fills the rest.
  Event& append(EventType type, Party from, uint64_t frame, double time);
  // The first event of `type` sent by `from` (after `after`, when given); nullptr when there is none.
  const Event* first(EventType type, Party from, const Event* after = nullptr) const;
  Event* first(EventType type, Party from, const Event* after = nullptr);
  // The last one.
  const Event* last(EventType type, Party from) const;
  bool has_flags_extension() const;
  // "1.3", "1.2", or "" when no ServerHello was seen.
  std::string tls_version() const;
  // True when every protected handshake record was decrypted (nothing unreadable was met).
  bool decrypted() const;
};

}  // namespace tlsflags
