#include "tlsflags/core/events.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace tlsflags {

std::string_view to_string(Party party) { return party == Party::client ? "client" : "server"; }

std::string_view to_string(EventType type) {
  switch (type) {
    case EventType::client_hello: return "client_hello";
    case EventType::server_hello: return "server_hello";
    case EventType::hello_retry_request: return "hello_retry_request";
    case EventType::encrypted_extensions: return "encrypted_extensions";
    case EventType::certificate_request: return "certificate_request";
    case EventType::certificate: return "certificate";
    case EventType::certificate_verify: return "certificate_verify";
    case EventType::finished: return "finished";
    case EventType::new_session_ticket: return "new_session_ticket";
    case EventType::key_update: return "key_update";
    case EventType::end_of_early_data: return "end_of_early_data";
    case EventType::alert: return "alert";
    case EventType::fin: return "fin";
    case EventType::rst: return "rst";
    case EventType::capture_end: return "capture_end";
    case EventType::unreadable: return "unreadable";
    case EventType::gap: return "gap";
    case EventType::application_data: return "application_data";
  }
  return "unknown";
}

bool is_handshake_message(EventType type) {
  return type <= EventType::end_of_early_data;
}

bool is_visibility_marker(EventType type) {
  return type == EventType::unreadable || type == EventType::gap || type == EventType::application_data;
}

namespace {
std::string_view registered_alert_name(uint8_t description) {
  // RFC 8446 §6 and the TLS Alerts registry.
  switch (description) {
    case 0: return "close_notify";
    case 10: return "unexpected_message";
    case 20: return "bad_record_mac";
    case 22: return "record_overflow";
    case 40: return "handshake_failure";
    case 42: return "bad_certificate";
    case 43: return "unsupported_certificate";
    case 44: return "certificate_revoked";
    case 45: return "certificate_expired";
    case 46: return "certificate_unknown";
    case 47: return "illegal_parameter";
    case 48: return "unknown_ca";
    case 49: return "access_denied";
    case 50: return "decode_error";
    case 51: return "decrypt_error";
    case 70: return "protocol_version";
    case 71: return "insufficient_security";
    case 80: return "internal_error";
    case 86: return "inappropriate_fallback";
    case 90: return "user_canceled";
    case 109: return "missing_extension";
    case 110: return "unsupported_extension";
    case 112: return "unrecognized_name";
    case 113: return "bad_certificate_status_response";
    case 115: return "unknown_psk_identity";
    case 116: return "certificate_required";
    case 120: return "no_application_protocol";
  }
  return {};
}
}  // namespace

std::string_view alert_description_name(uint8_t description) {
  // Names for the unregistered codes too ("unknown_N"), built once so callers get a stable view.
  static const std::array<std::string, 256> names = [] {
    std::array<std::string, 256> all;
    for (size_t d = 0; d < all.size(); ++d) {
      std::string_view known = registered_alert_name(static_cast<uint8_t>(d));
      all[d] = known.empty() ? "unknown_" + std::to_string(d) : std::string(known);
    }
    return all;
  }();
  return names[description];
}

std::string_view to_string(InflationOutcome outcome) {
  switch (outcome) {
    case InflationOutcome::ok: return "ok";
    case InflationOutcome::unknown_algorithm: return "unknown-algorithm";
    case InflationOutcome::declared_length_invalid: return "declared-length-invalid";
    case InflationOutcome::corrupt: return "corrupt";
    case InflationOutcome::length_mismatch: return "length-mismatch";
    case InflationOutcome::ratio_exceeded: return "ratio-exceeded";
    case InflationOutcome::not_a_certificate: return "not-a-certificate";
  }
  return "corrupt";
}

std::string_view describe(InflationOutcome outcome) {
  switch (outcome) {
    case InflationOutcome::ok:
      return "the compressed certificate inflated to exactly its declared length";
    case InflationOutcome::unknown_algorithm:
      return "the compressed certificate names an algorithm that is not zlib, brotli or zstd";
    case InflationOutcome::declared_length_invalid:
      return "the compressed certificate declares an uncompressed length of 0 (or beyond 2^24 - 1 bytes)";
    case InflationOutcome::corrupt:
      return "the compressed certificate is not a valid stream of its algorithm: damaged, truncated, or "
             "followed by extra bytes";
    case InflationOutcome::length_mismatch:
      return "the compressed certificate inflates to a length other than the one it declares";
    case InflationOutcome::ratio_exceeded:
      return "the compressed certificate declares an uncompressed length more than 256 times its compressed "
             "size, far beyond any real certificate: it was not inflated (a decompression bomb)";
    case InflationOutcome::not_a_certificate:
      return "the compressed certificate inflated to bytes that are not a well-formed Certificate message";
  }
  return "the compressed certificate could not be inflated";
}

std::string unknown_certificate_reason(const Event& certificate) {
  std::string out = "the " + std::string(to_string(certificate.from)) + "'s Certificate (frame " +
                    std::to_string(certificate.frame) + ") arrived compressed";
  if (!certificate.compression) return out;
  out += " with ";
  out += certificate_compression_algorithm_name(certificate.compression->algorithm);
  if (certificate.compression->algorithm > 3) out += " (" + std::to_string(certificate.compression->algorithm) + ")";
  out += " and could not be inflated: ";
  out += describe(certificate.compression->outcome);
  return out;
}

std::string Endpoint::to_string() const {
  bool ipv6 = address.find(':') != std::string::npos;
  std::string out = ipv6 ? "[" + address + "]" : address;
  return out + ":" + std::to_string(port);
}

std::string_view to_string(Transport transport) {
  switch (transport) {
    case Transport::tcp: return "tcp";
    case Transport::quic: return "quic";
    case Transport::dtls: return "dtls";
  }
  return "tcp";
}

std::string version_name(uint16_t version) {
  std::string_view number = version_number(version);
  if (!number.empty()) return (is_dtls_version(version) ? "DTLS " : "TLS ") + std::string(number);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "0x";
  for (int shift = 12; shift >= 0; shift -= 4) out += kHex[(version >> shift) & 0xF];
  return out;
}

std::optional<EventType> event_type_of(HandshakeType type, bool hello_retry) {
  switch (type) {
    case HandshakeType::client_hello: return EventType::client_hello;
    case HandshakeType::server_hello: return hello_retry ? EventType::hello_retry_request : EventType::server_hello;
    case HandshakeType::new_session_ticket: return EventType::new_session_ticket;
    case HandshakeType::end_of_early_data: return EventType::end_of_early_data;
    case HandshakeType::encrypted_extensions: return EventType::encrypted_extensions;
    case HandshakeType::certificate: return EventType::certificate;
    case HandshakeType::certificate_request: return EventType::certificate_request;
    case HandshakeType::certificate_verify: return EventType::certificate_verify;
    case HandshakeType::finished: return EventType::finished;
    case HandshakeType::key_update: return EventType::key_update;
    default: return std::nullopt;
  }
}

std::optional<Party> fixed_sender(EventType type) {
  switch (type) {
    case EventType::client_hello:
    case EventType::end_of_early_data: return Party::client;
    case EventType::server_hello:
    case EventType::hello_retry_request:
    case EventType::encrypted_extensions:
    case EventType::certificate_request:
    case EventType::new_session_ticket: return Party::server;
    default: return std::nullopt;
  }
}

Event& Timeline::append(EventType type, Party from, uint64_t frame, double time) {
  Event& event = events.emplace_back();
  event.type = type;
  event.from = from;
  event.frame = frame;
  event.time = time;
  return event;
}

const Event* Timeline::first(EventType type, Party from, const Event* after) const {
  auto start = after ? events.begin() + (after - events.data()) + 1 : events.begin();
  auto it = std::find_if(start, events.end(), [&](const Event& e) { return e.type == type && e.from == from; });
  return it == events.end() ? nullptr : &*it;
}

Event* Timeline::first(EventType type, Party from, const Event* after) {
  return const_cast<Event*>(std::as_const(*this).first(type, from, after));
}

const Event* Timeline::last(EventType type, Party from) const {
  auto it = std::find_if(events.rbegin(), events.rend(), [&](const Event& e) { return e.type == type && e.from == from; });
  return it == events.rend() ? nullptr : &*it;
}

bool Timeline::has_flags_extension() const {
  return std::any_of(events.begin(), events.end(), [](const Event& e) { return e.flags.has_value(); });
}

std::string Timeline::tls_version() const {
  const Event* sh = first(EventType::server_hello, Party::server);
  if (!sh) return "";
  std::string_view number = version_number(sh->selected_version);
  return number.empty() ? "unknown" : std::string(number);
}

bool Timeline::decrypted() const {
  return keys_found && std::none_of(events.begin(), events.end(),
                                    [](const Event& e) { return e.type == EventType::unreadable; });
}

}  // namespace tlsflags
