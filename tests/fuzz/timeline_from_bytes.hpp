// Decodes fuzz bytes into a rules configuration and a few connection timelines, so that the rules
// engine can be fuzzed over arbitrary event sequences. Every byte string decodes to something; the
// layout (read front to back, see byte_source.hpp) is:
//
//   config      1 byte: bits 0-1 request_client_auth flag (80, 8, next u16, 80), bit 2 draft-02 profile,
//               bits 3-4 slow-certificate threshold (1 s, 0 s, 5 s, next byte / 16 s)
//   connections 1 byte: count = value % 4 + 1, then per connection:
//     header    1 byte: bit 0 keys_found, bit 1 saw_connection_start, bits 2-3 server, bits 4-5 client
//     events    1 byte: count (at most kMaxEvents), then per event:
//       kind    1 byte: bits 0-4 EventType (mod the number of types), bit 5 from server,
//               bit 6 carries a TLS Flags extension, bit 7 explicit type-specific fields follow
//       frame   1 byte: added to the previous frame (0 = same frame, as when one record holds several
//               messages; bit 7 of the event count byte makes the first frame start at 0 instead of 1)
//       time    1 byte: added to the previous time, in 10 ms steps (so slow certificates happen)
//       flags   (bit 6) 1 byte: bit 0 duplicate; then 1 byte body length and the body for decode_flags()
//       fields  (bit 7) type-specific, see read_fields()
//
// Without explicit fields an event gets typical values (a ClientHello offers TLS 1.3, a ServerHello
// selects it, a Certificate has one entry, an alert is a fatal illegal_parameter), so that short inputs
// already tell plausible stories.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "byte_source.hpp"
#include "tlsflags/core/events.hpp"
#include "tlsflags/core/rules.hpp"

namespace tlsflags::fuzz {

inline constexpr size_t kMaxConnections = 4;
inline constexpr size_t kMaxEvents = 96;
inline constexpr unsigned kEventTypeCount = static_cast<unsigned>(EventType::application_data) + 1;

inline RuleConfig read_config(ByteSource& in) {
  RuleConfig config;
  uint8_t bits = in.u8();
  switch (bits & 3u) {
    case 1: config.request_client_auth_flag = kResumptionAcrossNamesFlag; break;
    case 2: config.request_client_auth_flag = in.u16(); break;  // may exceed kMaxFlag: never set then
    default: config.request_client_auth_flag = kDefaultRequestClientAuthFlag; break;
  }
  config.profile = in.bit(bits, 2) ? Profile::draft02 : Profile::rfc;
  switch ((bits >> 3) & 3u) {
    case 1: config.slow_certificate_seconds = 0; break;
    case 2: config.slow_certificate_seconds = 5; break;
    case 3: config.slow_certificate_seconds = in.u8() / 16.0; break;
    default: config.slow_certificate_seconds = 1; break;
  }
  return config;
}

// A few fixed endpoints, so that several connections share a server (judge_across_connections groups
// by server) and IPv6 formatting is exercised.
inline Endpoint endpoint_from(unsigned choice, bool server) {
  static const std::array<const char*, 4> addresses{"192.0.2.1", "198.51.100.5", "2001:db8::1", "10.0.0.9"};
  return {addresses[choice % addresses.size()], static_cast<uint16_t>(server ? 443 : 50000 + choice)};
}

inline FlagsInMessage read_flags(ByteSource& in) {
  bool duplicate = in.bit(in.u8(), 0);
  auto body = in.bytes(in.u8());
  return {decode_flags(body), duplicate};
}

inline uint16_t read_version(ByteSource& in) {
  static const std::array<uint16_t, 7> versions{0, 0x0301, 0x0302, 0x0303, 0x0304, 0x7f1c, 0x0304};
  uint8_t choice = in.u8();
  return choice < versions.size() ? versions[choice] : in.u16();
}

// Defaults that make a plausible event when the input gives no explicit fields.
inline void set_typical_fields(Event& e) {
  switch (e.type) {
    case EventType::client_hello: e.offers_tls13 = true; break;
    case EventType::server_hello:
    case EventType::hello_retry_request: e.selected_version = 0x0304; break;
    case EventType::certificate: e.certificate_entries = 1; break;
    case EventType::alert:
      e.alert_level = kAlertLevelFatal;
      e.alert_description = alert_illegal_parameter;
      break;
    default: break;
  }
}

// RFC 8879: a compress_certificate list (ClientHello, CertificateRequest) of code points 0..4.
inline void read_compression_offer(ByteSource& in, Event& e) {
  for (unsigned n = in.u8() % 4; n > 0; --n) e.compress_certificate_algorithms.push_back(in.u8() % 5);
}

// RFC 8879: the certificate arrived compressed; one that could not be inflated has no entries, as the
// event sources leave it.
inline void read_compression(ByteSource& in, Event& e) {
  CertificateCompression c;
  c.algorithm = in.u8() % 5;
  c.outcome = static_cast<InflationOutcome>(in.u8() % 7);
  if (!c.inflated()) {
    e.certificate_entries = 0;
    e.flags.reset();
  }
  e.compression = c;
}

// Type-specific fields from the input. certificate_authorities come from a small alphabet so that
// connections overlap (rca.server.trust-anchors-shared).
inline void read_fields(ByteSource& in, Event& e) {
  switch (e.type) {
    case EventType::client_hello: {
      uint8_t bits = in.u8();
      e.offers_tls13 = in.bit(bits, 0);
      e.ech_outer = in.bit(bits, 1);
      if (in.bit(bits, 2)) e.server_name = "example.com";
      if (in.bit(bits, 3)) read_compression_offer(in, e);
      break;
    }
    case EventType::server_hello:
    case EventType::hello_retry_request: e.selected_version = read_version(in); break;
    case EventType::certificate_request: {
      uint8_t count = in.u8();
      for (unsigned n = count % 4; n > 0; --n) e.certificate_authorities.push_back("3008" + std::to_string(in.u8() % 8));
      if (in.bit(count, 7)) read_compression_offer(in, e);
      break;
    }
    case EventType::certificate: {
      uint8_t entries = in.u8();
      e.certificate_entries = entries % 4;
      if (in.bit(entries, 7)) read_compression(in, e);
      break;
    }
    case EventType::alert:
      e.alert_level = in.u8();
      e.alert_description = in.u8();
      break;
    default: break;
  }
}

inline Event read_event(ByteSource& in, uint64_t& frame, double& time) {
  Event e;
  uint8_t kind = in.u8();
  e.type = static_cast<EventType>((kind & 0x1fu) % kEventTypeCount);
  e.from = in.bit(kind, 5) ? Party::server : Party::client;
  e.frame = frame += in.u8();
  e.time = time += in.u8() * 0.01;
  if (in.bit(kind, 6)) e.flags = read_flags(in);
  if (in.bit(kind, 7)) read_fields(in, e);
  else set_typical_fields(e);
  return e;
}

inline Timeline read_timeline(ByteSource& in, size_t index) {
  Timeline t;
  t.file = "fuzz" + std::to_string(index) + ".pcap";
  uint8_t header = in.u8();
  t.keys_found = in.bit(header, 0);
  t.saw_connection_start = in.bit(header, 1);
  t.server = endpoint_from((header >> 2) & 3u, true);
  t.client = endpoint_from((header >> 4) & 3u, false);
  uint8_t count_byte = in.u8();
  uint64_t frame = in.bit(count_byte, 7) ? 0 : 1;
  double time = 0;
  for (size_t n = (count_byte & 0x7fu) % kMaxEvents; n > 0 && !in.empty(); --n)
    t.events.push_back(read_event(in, frame, time));
  if (!t.events.empty()) {
    t.first_frame = t.events.front().frame;
    t.last_frame = t.events.back().frame;
  }
  return t;
}

inline std::vector<Timeline> read_timelines(ByteSource& in) {
  std::vector<Timeline> out;
  size_t count = in.u8() % kMaxConnections + 1;
  for (size_t i = 0; i < count; ++i) out.push_back(read_timeline(in, i));
  return out;
}

}  // namespace tlsflags::fuzz
