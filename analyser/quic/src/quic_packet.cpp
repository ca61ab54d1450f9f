#include "quic_packet.hpp"

namespace tlsflags::quic {
namespace {

constexpr uint8_t kLongHeaderBit = 0x80;
constexpr uint8_t kFixedBit = 0x40;

// RFC 9000 §17.2 Table 5 and RFC 9369 §3.2: the long packet types, by version.
PacketType long_packet_type(uint8_t first, QuicVersion version) {
  const unsigned bits = (first >> 4) & 0x03u;
  static constexpr PacketType kV1[] = {PacketType::initial, PacketType::zero_rtt, PacketType::handshake,
                                       PacketType::retry};
  static constexpr PacketType kV2[] = {PacketType::retry, PacketType::initial, PacketType::zero_rtt,
                                       PacketType::handshake};
  return version == QuicVersion::v2 ? kV2[bits] : kV1[bits];
}

bool read_connection_id(ByteReader& reader, std::span<const uint8_t>& out) {
  uint8_t length = 0;
  return reader.u8(length) && length <= kMaxConnectionIdSize && reader.bytes(length, out);
}

bool skip_varints(ByteReader& reader, size_t count) {
  uint64_t ignored = 0;
  for (size_t i = 0; i < count; ++i)
    if (!read_varint(reader, ignored)) return false;
  return true;
}

bool skip_length_prefixed(ByteReader& reader) {
  uint64_t length = 0;
  return read_varint(reader, length) && length <= reader.remaining() && reader.skip(static_cast<size_t>(length));
}

// §19.3: Largest Acknowledged, ACK Delay, ACK Range Count, First ACK Range, the ranges, then ECN counts.
bool skip_ack(ByteReader& reader, bool with_ecn) {
  uint64_t largest = 0, delay = 0, ranges = 0, first = 0;
  if (!read_varint(reader, largest) || !read_varint(reader, delay) || !read_varint(reader, ranges) ||
      !read_varint(reader, first) || ranges > reader.remaining()) {
    return false;
  }
  return skip_varints(reader, static_cast<size_t>(ranges) * 2) && (!with_ecn || skip_varints(reader, 3));
}

bool read_crypto(ByteReader& reader, FrameVisitor& visitor) {
  uint64_t offset = 0, length = 0;
  std::span<const uint8_t> data;
  if (!read_varint(reader, offset) || !read_varint(reader, length) || length > reader.remaining() ||
      !reader.bytes(static_cast<size_t>(length), data)) {
    return false;
  }
  visitor.on_crypto(offset, data);
  return true;
}

// §19.8: the type's low bits say whether Offset (0x04) and Length (0x02) are present.
bool skip_stream(ByteReader& reader, uint64_t type) {
  if (!skip_varints(reader, (type & 0x04) ? 2 : 1)) return false;
  if (type & 0x02) return skip_length_prefixed(reader);
  return reader.skip(reader.remaining());
}

bool read_new_connection_id(ByteReader& reader, FrameVisitor& visitor) {
  std::span<const uint8_t> id, reset_token;
  if (!skip_varints(reader, 2) || !read_connection_id(reader, id) || id.empty() || !reader.bytes(16, reset_token))
    return false;
  visitor.on_new_connection_id(id);
  return true;
}

bool read_connection_close(ByteReader& reader, bool application, FrameVisitor& visitor) {
  uint64_t error = 0, frame_type = 0;
  if (!read_varint(reader, error) || (!application && !read_varint(reader, frame_type)) ||
      !skip_length_prefixed(reader)) {
    return false;
  }
  visitor.on_connection_close(error, application);
  return true;
}

bool visit_frame(uint64_t type, ByteReader& reader, FrameVisitor& visitor) {
  switch (type) {
    case 0x00: case 0x01: case 0x1e: return true;  // PADDING, PING, HANDSHAKE_DONE
    case 0x02: case 0x03: return skip_ack(reader, type == 0x03);
    case 0x04: return skip_varints(reader, 3);      // RESET_STREAM
    case 0x05: return skip_varints(reader, 2);      // STOP_SENDING
    case 0x06: return read_crypto(reader, visitor);
    case 0x07: return skip_length_prefixed(reader);  // NEW_TOKEN
    case 0x10: case 0x12: case 0x13: case 0x14: case 0x16: case 0x17: case 0x19:
      return skip_varints(reader, 1);  // MAX_DATA, MAX_STREAMS, DATA_BLOCKED, STREAMS_BLOCKED, RETIRE_CONNECTION_ID
    case 0x11: case 0x15: return skip_varints(reader, 2);  // MAX_STREAM_DATA, STREAM_DATA_BLOCKED
    case 0x18: return read_new_connection_id(reader, visitor);
    case 0x1a: case 0x1b: return reader.skip(8);  // PATH_CHALLENGE, PATH_RESPONSE
    case 0x1c: case 0x1d: return read_connection_close(reader, type == 0x1d, visitor);
    case 0x30: visitor.on_application_data(); return reader.skip(reader.remaining());  // RFC 9221 DATAGRAM
    case 0x31: visitor.on_application_data(); return skip_length_prefixed(reader);
  }
  if (type >= 0x08 && type <= 0x0f) {
    visitor.on_application_data();
    return skip_stream(reader, type);
  }
  return false;
}

}  // namespace

bool read_varint(ByteReader& reader, uint64_t& out) {
  uint8_t first = 0;
  if (!reader.peek_u8(first)) return false;
  const size_t length = size_t{1} << (first >> 6);
  std::span<const uint8_t> bytes;
  if (!reader.bytes(length, bytes)) return false;
  uint64_t value = bytes[0] & 0x3fu;
  for (size_t i = 1; i < length; ++i) value = (value << 8) | bytes[i];
  out = value;
  return true;
}

namespace {

constexpr uint16_t kQuicTransportParameters = 57;  // RFC 9001 §8.2
constexpr uint64_t kMaxIdleTimeout = 0x01;          // RFC 9000 §18.2

// RFC 8446 §4.1.2: legacy_version, random, legacy_session_id, cipher_suites, legacy_compression_methods;
// the extensions follow.
bool skip_to_client_hello_extensions(ByteReader& reader) {
  ByteReader session_id, suites, compression;
  return reader.skip(2 + 32) && reader.u8_prefixed(session_id) && reader.u16_prefixed(suites) &&
         reader.u8_prefixed(compression);
}

// RFC 9000 §18: a sequence of (id, length, value), each a varint but the value.
std::optional<uint64_t> max_idle_timeout_of(ByteReader parameters) {
  while (!parameters.empty()) {
    uint64_t id = 0, length = 0;
    std::span<const uint8_t> value;
    if (!read_varint(parameters, id) || !read_varint(parameters, length) || length > parameters.remaining() ||
        !parameters.bytes(static_cast<size_t>(length), value))
      return std::nullopt;
    if (id != kMaxIdleTimeout) continue;
    ByteReader reader(value);
    uint64_t milliseconds = 0;
    if (!read_varint(reader, milliseconds) || !reader.empty()) return std::nullopt;
    return milliseconds;
  }
  return std::nullopt;
}

}  // namespace

std::optional<uint64_t> max_idle_timeout_in(std::span<const uint8_t> handshake_body, bool client_hello) {
  ByteReader reader(handshake_body);
  ByteReader extensions;
  if ((client_hello && !skip_to_client_hello_extensions(reader)) || !reader.u16_prefixed(extensions))
    return std::nullopt;
  while (!extensions.empty()) {
    uint16_t type = 0;
    ByteReader data;
    if (!extensions.u16(type) || !extensions.u16_prefixed(data)) return std::nullopt;
    if (type == kQuicTransportParameters) return max_idle_timeout_of(data);
  }
  return std::nullopt;
}

HeaderResult parse_long_header(std::span<const uint8_t> packet, PacketHeader& out) {
  ByteReader reader(packet);
  uint8_t first = 0;
  uint32_t version = 0;
  if (!reader.u8(first) || !reader.u32(version)) return HeaderResult::not_quic;
  if (!(first & kLongHeaderBit)) return HeaderResult::not_quic;
  out.long_header = true;
  out.version = version;
  if (!read_connection_id(reader, out.dcid) || !read_connection_id(reader, out.scid)) return HeaderResult::not_quic;
  if (version == 0) {  // §17.2.1: Version Negotiation; the fixed bit is unused
    out.type = PacketType::version_negotiation;
    out.packet_size = packet.size();
    return HeaderResult::ok;
  }
  if (!(first & kFixedBit)) return HeaderResult::not_quic;
  const std::optional<QuicVersion> known = quic_version_of(version);
  if (!known) return HeaderResult::unknown_version;
  out.type = long_packet_type(first, *known);
  if (out.type == PacketType::retry) {  // §17.2.5: no length; the rest of the datagram
    out.packet_size = packet.size();
    return HeaderResult::ok;
  }
  if (out.type == PacketType::initial && !skip_length_prefixed(reader)) return HeaderResult::malformed;  // token
  uint64_t length = 0;
  if (!read_varint(reader, length) || length > reader.remaining()) return HeaderResult::malformed;
  out.pn_offset = packet.size() - reader.remaining();
  out.packet_size = out.pn_offset + static_cast<size_t>(length);
  return HeaderResult::ok;
}

HeaderResult parse_short_header(std::span<const uint8_t> packet, size_t dcid_size, PacketHeader& out) {
  ByteReader reader(packet);
  uint8_t first = 0;
  if (!reader.u8(first) || (first & kLongHeaderBit) || !(first & kFixedBit)) return HeaderResult::not_quic;
  if (!reader.bytes(dcid_size, out.dcid)) return HeaderResult::malformed;
  out.long_header = false;
  out.type = PacketType::one_rtt;
  out.scid = {};
  out.pn_offset = 1 + dcid_size;
  out.packet_size = packet.size();
  return HeaderResult::ok;
}

uint64_t decode_packet_number(int64_t largest, uint64_t truncated, size_t length) {
  const uint64_t expected = static_cast<uint64_t>(largest + 1);
  const uint64_t window = uint64_t{1} << (8 * length);
  const uint64_t half = window / 2;
  const uint64_t candidate = (expected & ~(window - 1)) | truncated;
  if (candidate + half <= expected && candidate < (uint64_t{1} << 62) - window) return candidate + window;
  if (candidate > expected + half && candidate >= window) return candidate - window;
  return candidate;
}

bool visit_frames(std::span<const uint8_t> payload, FrameVisitor& visitor) {
  ByteReader reader(payload);
  while (!reader.empty()) {
    uint64_t type = 0;
    if (!read_varint(reader, type) || !visit_frame(type, reader, visitor)) return false;
  }
  return true;
}

}  // namespace tlsflags::quic
