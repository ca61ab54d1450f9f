// Link, network and transport framing of TCP segments: Ethernet II (optionally 802.1Q tagged),
// IPv4 (RFC 791) or IPv6 (RFC 8200), TCP (RFC 9293) with correct checksums.
#pragma once

#include "tcp_trace.hpp"

#include <array>
#include <cstdint>
#include <optional>

namespace tlsgen {

struct Addressing {
  bool ipv6 = false;
  std::optional<std::uint16_t> vlan;  // 802.1Q VLAN ID
  std::array<std::uint8_t, 16> client_ip{}, server_ip{};  // IPv4 uses the first 4 octets
  std::uint16_t client_port = 50000, server_port = 443;
};

// Documentation addresses: 192.0.2.10 → 198.51.100.20 (RFC 5737), 2001:db8::10 → 2001:db8::20 (RFC 3849).
Addressing documentation_addresses(bool ipv6, std::optional<std::uint16_t> vlan, std::uint16_t client_port);

class Framer {
 public:
  explicit Framer(const Addressing& addressing) : addressing_(addressing) {}
  Bytes frame(const Segment& segment);

 private:
  Bytes tcp_segment(const Segment& segment, bool from_client) const;
  Bytes ip_packet(const Bytes& tcp, bool from_client);

  Addressing addressing_;
  std::uint16_t ipv4_id_[2] = {0x1000, 0x7000};
};

}  // namespace tlsgen
