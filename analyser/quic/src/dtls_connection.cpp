#include "dtls_connection.hpp"

#include <vector>

#include "tlsflags/core/byte_reader.hpp"
#include "tlsflags/quic/udp_tracker.hpp"
#include "tlsflags/tls/handshake.hpp"

namespace tlsflags::quic {
namespace {

constexpr uint8_t kAlert = 21;
constexpr uint8_t kHandshake = 22;
constexpr size_t kMaxAlerts = 8;

// RFC 6347 §4.1: DTLS 1.0 is 0xfeff, DTLS 1.2 0xfefd (RFC 9147 keeps 0xfefd in the record layer).
bool is_dtls_record_version(uint16_t version) { return version == kDtls10 || version == kDtls12; }

// RFC 6347 §4.1: type, version, epoch, 48-bit sequence number, length, fragment.
struct Record {
  uint8_t type = 0;
  uint16_t version = 0;
  uint16_t epoch = 0;
  std::span<const uint8_t> fragment;
};

bool read_record(ByteReader& reader, Record& out) {
  std::span<const uint8_t> sequence;
  uint16_t length = 0;
  return reader.u8(out.type) && reader.u16(out.version) && reader.u16(out.epoch) && reader.bytes(6, sequence) &&
         reader.u16(length) && reader.bytes(length, out.fragment);
}

// RFC 6347 §4.2.3: a DTLS ClientHello is TLS's with a cookie after the session id. Without it the TLS
// ClientHello parser reads the rest.
bool without_cookie(std::span<const uint8_t> body, std::vector<uint8_t>& out) {
  ByteReader reader(body);
  std::span<const uint8_t> head, session_id, cookie;
  uint8_t session_id_length = 0, cookie_length = 0;
  if (!reader.bytes(2 + 32, head) || !reader.u8(session_id_length) || !reader.bytes(session_id_length, session_id) ||
      !reader.u8(cookie_length) || !reader.bytes(cookie_length, cookie)) {
    return false;
  }
  out.assign(head.begin(), head.end());
  out.push_back(session_id_length);
  out.insert(out.end(), session_id.begin(), session_id.end());
  const std::span<const uint8_t> rest = reader.rest();
  out.insert(out.end(), rest.begin(), rest.end());
  return true;
}

}  // namespace

bool starts_dtls_client_hello(std::span<const uint8_t> datagram) {
  ByteReader reader(datagram);
  Record record;
  uint8_t message_type = 0;
  return read_record(reader, record) && record.type == kHandshake && is_dtls_record_version(record.version) &&
         record.epoch == 0 && ByteReader(record.fragment).peek_u8(message_type) &&
         message_type == static_cast<uint8_t>(HandshakeType::client_hello);
}

Event& DtlsConnection::emit(EventType type, Party from, capture::StreamPosition at) {
  return timeline_.append(type, from, at.frame, at.time);
}

void DtlsConnection::on_datagram(Party from, std::span<const uint8_t> datagram, capture::StreamPosition at) {
  timeline_.last_frame = std::max(timeline_.last_frame, at.frame);
  ByteReader reader(datagram);
  Record record;
  // Several records per datagram (RFC 6347 §4.1.1); a record that does not parse ends the datagram
  // (an encrypted DTLS 1.3 record with the unified header, RFC 9147 §4, among others).
  while (!done_ && !reader.empty() && read_record(reader, record)) {
    if (!is_dtls_record_version(record.version)) break;
    on_record(from, record.type, record.epoch, record.fragment, at);
  }
}

void DtlsConnection::on_record(Party from, uint8_t type, uint16_t epoch, std::span<const uint8_t> fragment,
                               capture::StreamPosition at) {
  if (epoch != 0) return;  // protected: only after the hellos, which is where reading stops
  if (type == kAlert) {
    ByteReader alerts(fragment);
    uint8_t level = 0, description = 0;
    while (alerts_ < kMaxAlerts && alerts.u8(level) && alerts.u8(description)) {
      Event& event = emit(EventType::alert, from, at);
      event.alert_level = level;
      event.alert_description = description;
      ++alerts_;
    }
    return;
  }
  if (type != kHandshake) return;
  // RFC 6347 §4.2.2: msg_type, length, message_seq, fragment_offset, fragment_length, then the fragment.
  ByteReader messages(fragment);
  uint8_t message_type = 0;
  uint16_t message_seq = 0;
  uint32_t length = 0, offset = 0, fragment_length = 0;
  std::span<const uint8_t> body;
  while (!done_ && messages.u8(message_type) && messages.u24(length) && messages.u16(message_seq) &&
         messages.u24(offset) && messages.u24(fragment_length) && messages.bytes(fragment_length, body)) {
    if (offset != 0 || fragment_length != length) {
      // A hello in pieces is not put together here: said, never silent.
      if (message_type == static_cast<uint8_t>(HandshakeType::client_hello) ||
          message_type == static_cast<uint8_t>(HandshakeType::server_hello))
        tracker_.stats_.dtls_not_decoded.note(at.frame);
      continue;
    }
    on_handshake(from, message_type, body, at);
  }
}

void DtlsConnection::on_handshake(Party from, uint8_t type, std::span<const uint8_t> body,
                                  capture::StreamPosition at) {
  const tls::ParseOptions options{tracker_.options_.flags_extension_type};
  Event event;
  event.from = from;
  event.frame = at.frame;
  event.time = at.time;
  if (from == Party::client && type == static_cast<uint8_t>(HandshakeType::client_hello)) {
    // Retransmissions and the ClientHello answering a HelloVerifyRequest repeat the first (§4.2.1).
    if (client_hello_seen_) return;
    on_client_hello(body, event, at);
    return;
  }
  if (from != Party::server || type != static_cast<uint8_t>(HandshakeType::server_hello) || server_hello_seen_)
    return;
  tls::ServerHelloFacts facts;
  if (!tls::parse_server_hello(body, options, event, facts)) {
    tracker_.stats_.dtls_not_decoded.note(at.frame);
    emit(EventType::unreadable, from, at);
    done_ = true;
    return;
  }
  if (facts.hello_retry_request) {
    timeline_.events.push_back(std::move(event));
    return;
  }
  server_hello_seen_ = true;
  done_ = true;
  timeline_.events.push_back(std::move(event));
  if (facts.selected_version == kDtls13) {
    // RFC 9147: the rest of the handshake is protected; it is seen and not decoded.
    tracker_.stats_.dtls13_not_decoded.note(at.frame);
    emit(EventType::unreadable, Party::server, at);
    emit(EventType::unreadable, Party::client, at);
  }
}

void DtlsConnection::on_client_hello(std::span<const uint8_t> body, Event& event, capture::StreamPosition at) {
  std::vector<uint8_t> tls_body;
  tls::ClientHelloFacts facts;
  if (!without_cookie(body, tls_body) ||
      !tls::parse_client_hello(tls_body, tls::ParseOptions{tracker_.options_.flags_extension_type}, event, facts)) {
    tracker_.stats_.dtls_not_decoded.note(at.frame);
    emit(EventType::unreadable, Party::client, at);
    done_ = true;
    return;
  }
  client_hello_seen_ = true;
  timeline_.events.push_back(std::move(event));
}

Timeline DtlsConnection::finish(bool capture_ended, capture::StreamPosition at) {
  if (capture_ended) emit(EventType::capture_end, Party::client, at);
  return std::move(timeline_);
}

}  // namespace tlsflags::quic
