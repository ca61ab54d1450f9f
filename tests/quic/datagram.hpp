// Test helper: a UDP datagram between the documentation addresses the captures use (192.0.2.10:50000 and
// 198.51.100.20:PORT), for feeding a UdpTracker by hand (tests/quic, the fuzz harness).
#pragma once

#include <cstdint>
#include <span>

#include "tlsflags/capture/tcp_segment.hpp"

namespace tlsflags::quic::test {

inline capture::UdpDatagram datagram_between(bool from_client, std::span<const uint8_t> payload,
                                             uint16_t server_port = 443) {
  const auto client = capture::IpAddress::parse("192.0.2.10"), server = capture::IpAddress::parse("198.51.100.20");
  capture::UdpDatagram datagram;
  datagram.source = from_client ? client : server;
  datagram.destination = from_client ? server : client;
  datagram.source_port = from_client ? 50000 : server_port;
  datagram.destination_port = from_client ? server_port : 50000;
  datagram.payload = payload;
  datagram.payload_length = static_cast<uint32_t>(payload.size());
  return datagram;
}

}  // namespace tlsflags::quic::test
