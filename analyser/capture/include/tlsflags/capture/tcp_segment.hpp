#pragma once

#include <cstdint>
#include <span>

#include "tlsflags/capture/ip_address.hpp"

namespace tlsflags::capture {

// TCP header flags (RFC 9293 §3.1).
namespace tcp_flag {
inline constexpr uint8_t fin = 0x01;
inline constexpr uint8_t syn = 0x02;
inline constexpr uint8_t rst = 0x04;
inline constexpr uint8_t psh = 0x08;
inline constexpr uint8_t ack = 0x10;
}  // namespace tcp_flag

// One TCP segment as the reassembler needs it.
struct TcpSegment {
  IpAddress source;
  IpAddress destination;
  uint16_t source_port = 0;
  uint16_t destination_port = 0;
  uint32_t seq = 0;
  uint32_t ack = 0;
  uint8_t flags = 0;
  std::span<const uint8_t> payload;  // the captured payload bytes
  uint32_t payload_length = 0;       // payload bytes on the wire (>= payload.size(); more = snap length cut)

  bool has(uint8_t flag) const { return (flags & flag) != 0; }
};

// One UDP datagram (RFC 768): QUIC and DTLS are read from these.
struct UdpDatagram {
  IpAddress source;
  IpAddress destination;
  uint16_t source_port = 0;
  uint16_t destination_port = 0;
  std::span<const uint8_t> payload;  // the captured payload bytes
  uint32_t payload_length = 0;       // payload bytes on the wire (>= payload.size(); more = snap length cut)
};

}  // namespace tlsflags::capture
