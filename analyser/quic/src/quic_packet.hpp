// QUIC packet headers and frames (RFC 9000 §17, §19; v2 packet types RFC 9369 §3.2). Pure functions over
// bytes, every read checked (core's ByteReader); nothing here decrypts or decides.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "packet_protection.hpp"
#include "tlsflags/core/byte_reader.hpp"

namespace tlsflags::quic {

inline constexpr size_t kMaxConnectionIdSize = 20;  // RFC 9000 §17.2 (v1 and v2)

// RFC 9000 §16: a variable-length integer.
bool read_varint(ByteReader& reader, uint64_t& out);

enum class PacketType : uint8_t { initial, zero_rtt, handshake, retry, one_rtt, version_negotiation };
// The packet number space a packet type's keys belong to (RFC 9000 §12.3); 0-RTT shares 1-RTT's.
enum class Space : uint8_t { initial = 0, handshake = 1, application = 2 };
inline constexpr size_t kSpaces = 3;

// What the unprotected part of a header says. For a long header the packet extends `packet_size`
// octets from its first; a short header packet runs to the datagram's end.
struct PacketHeader {
  bool long_header = false;
  PacketType type = PacketType::one_rtt;
  uint32_t version = 0;  // long header only
  std::span<const uint8_t> dcid;
  std::span<const uint8_t> scid;   // long header only
  size_t pn_offset = 0;            // where the protected packet number starts
  size_t packet_size = 0;          // header, packet number and payload
};

enum class HeaderResult : uint8_t {
  ok,
  not_quic,         // the fixed bit is clear, or the lengths cannot be QUIC's
  unknown_version,  // a long header of a version not decoded (its CIDs are read still)
  malformed,        // a QUIC header whose lengths run past the datagram
};

// A long header packet at the start of `packet` (RFC 9000 §17.2).
HeaderResult parse_long_header(std::span<const uint8_t> packet, PacketHeader& out);
// A short header packet whose Destination Connection ID has `dcid_size` octets (RFC 9000 §17.3).
HeaderResult parse_short_header(std::span<const uint8_t> packet, size_t dcid_size, PacketHeader& out);

// RFC 9000 §A.3: the full packet number from its truncated form, given the largest one received so far
// in its space (-1 for none).
uint64_t decode_packet_number(int64_t largest, uint64_t truncated, size_t length);

// RFC 9000 §18.2: the max_idle_timeout transport parameter (0x01), in milliseconds, of the
// quic_transport_parameters extension (RFC 9001 §8.2, type 57) in a ClientHello body (`client_hello`) or
// an EncryptedExtensions body. nullopt when the extension or the parameter is absent or malformed (the
// parameter's absence means 0: no idle timeout from that endpoint).
std::optional<uint64_t> max_idle_timeout_in(std::span<const uint8_t> handshake_body, bool client_hello);

// What a decrypted payload's frames carry that the analyser reads (RFC 9000 §19).
class FrameVisitor {
 public:
  virtual ~FrameVisitor() = default;
  virtual void on_crypto(uint64_t offset, std::span<const uint8_t> data) = 0;
  // CONNECTION_CLOSE: type 0x1c (transport, `application` false) or 0x1d.
  virtual void on_connection_close(uint64_t error_code, bool application) = 0;
  virtual void on_new_connection_id(std::span<const uint8_t> connection_id) = 0;
  virtual void on_application_data() = 0;  // STREAM or DATAGRAM
};

// Walks every frame of a payload. False when a frame is malformed or of an unknown type (its length
// cannot be known: RFC 9000 §12.4, the rest of the packet is unreadable).
bool visit_frames(std::span<const uint8_t> payload, FrameVisitor& visitor);

}  // namespace tlsflags::quic
