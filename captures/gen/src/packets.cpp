#include "packets.hpp"

namespace tlsgen {
namespace {

constexpr std::uint8_t kTcpProtocol = 6;
constexpr std::uint16_t kEtherTypeIpv4 = 0x0800, kEtherTypeIpv6 = 0x86DD, kEtherTypeVlan = 0x8100;
constexpr std::uint16_t kWindow = 64240;
constexpr std::array<std::uint8_t, 6> kClientMac{0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
constexpr std::array<std::uint8_t, 6> kServerMac{0x02, 0x00, 0x00, 0x00, 0x00, 0x02};

void put_u16(Bytes& out, std::uint16_t value) {
  out.push_back(static_cast<std::uint8_t>(value >> 8));
  out.push_back(static_cast<std::uint8_t>(value));
}

void put_u32(Bytes& out, std::uint32_t value) {
  put_u16(out, static_cast<std::uint16_t>(value >> 16));
  put_u16(out, static_cast<std::uint16_t>(value));
}

void set_u16(Bytes& out, std::size_t at, std::uint16_t value) {
  out[at] = static_cast<std::uint8_t>(value >> 8);
  out[at + 1] = static_cast<std::uint8_t>(value);
}

// The Internet checksum (RFC 1071): ones' complement of the ones' complement sum of 16-bit words.
std::uint32_t sum_words(const std::uint8_t* data, std::size_t size, std::uint32_t sum = 0) {
  for (std::size_t i = 0; i + 1 < size; i += 2) sum += std::uint32_t{data[i]} << 8 | data[i + 1];
  if (size % 2) sum += std::uint32_t{data[size - 1]} << 8;
  return sum;
}

std::uint16_t fold(std::uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

}  // namespace

Addressing documentation_addresses(bool ipv6, std::optional<std::uint16_t> vlan, std::uint16_t client_port) {
  Addressing addressing;
  addressing.ipv6 = ipv6;
  addressing.vlan = vlan;
  addressing.client_port = client_port;
  if (ipv6) {
    addressing.client_ip = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10};
    addressing.server_ip = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20};
  } else {
    addressing.client_ip = {192, 0, 2, 10};
    addressing.server_ip = {198, 51, 100, 20};
  }
  return addressing;
}

Bytes Framer::tcp_segment(const Segment& segment, bool from_client) const {
  Bytes tcp;
  put_u16(tcp, from_client ? addressing_.client_port : addressing_.server_port);
  put_u16(tcp, from_client ? addressing_.server_port : addressing_.client_port);
  put_u32(tcp, segment.seq);
  put_u32(tcp, segment.ack);
  const std::uint8_t header_words = segment.mss_option ? 6 : 5;
  tcp.push_back(static_cast<std::uint8_t>(header_words << 4));
  tcp.push_back(segment.flags);
  put_u16(tcp, kWindow);
  put_u16(tcp, 0);  // checksum, filled in by ip_packet over the pseudo-header
  put_u16(tcp, 0);  // urgent pointer
  if (segment.mss_option) {
    tcp.insert(tcp.end(), {2, 4});  // kind 2 = MSS, length 4
    put_u16(tcp, segment.mss_option);
  }
  tcp.insert(tcp.end(), segment.payload.begin(), segment.payload.end());
  return tcp;
}

Bytes Framer::ip_packet(const Bytes& tcp, bool from_client) {
  const auto& source = from_client ? addressing_.client_ip : addressing_.server_ip;
  const auto& destination = from_client ? addressing_.server_ip : addressing_.client_ip;
  const std::size_t address_size = addressing_.ipv6 ? 16 : 4;
  // TCP checksum over the pseudo-header (RFC 9293 §3.1, RFC 8200 §8.1), the header and the data.
  std::uint32_t sum = sum_words(source.data(), address_size);
  sum = sum_words(destination.data(), address_size, sum);
  sum += kTcpProtocol + static_cast<std::uint32_t>(tcp.size());
  Bytes checked = tcp;
  set_u16(checked, 16, fold(sum_words(checked.data(), checked.size(), sum)));

  Bytes ip;
  if (addressing_.ipv6) {
    put_u32(ip, 0x60000000);  // version 6, traffic class 0, flow label 0
    put_u16(ip, static_cast<std::uint16_t>(checked.size()));
    ip.push_back(kTcpProtocol);
    ip.push_back(64);  // hop limit
  } else {
    ip.push_back(0x45);  // version 4, 20-octet header
    ip.push_back(0);
    put_u16(ip, static_cast<std::uint16_t>(20 + checked.size()));
    put_u16(ip, ipv4_id_[from_client ? 0 : 1]++);
    put_u16(ip, 0x4000);  // don't fragment
    ip.push_back(64);     // TTL
    ip.push_back(kTcpProtocol);
    put_u16(ip, 0);
  }
  ip.insert(ip.end(), source.begin(), source.begin() + static_cast<std::ptrdiff_t>(address_size));
  ip.insert(ip.end(), destination.begin(), destination.begin() + static_cast<std::ptrdiff_t>(address_size));
  if (!addressing_.ipv6) set_u16(ip, 10, fold(sum_words(ip.data(), ip.size())));
  ip.insert(ip.end(), checked.begin(), checked.end());
  return ip;
}

Bytes Framer::frame(const Segment& segment) {
  const bool from_client = segment.from == Side::client;
  Bytes frame;
  const auto& destination = from_client ? kServerMac : kClientMac;
  const auto& source = from_client ? kClientMac : kServerMac;
  frame.insert(frame.end(), destination.begin(), destination.end());
  frame.insert(frame.end(), source.begin(), source.end());
  if (addressing_.vlan) {
    put_u16(frame, kEtherTypeVlan);
    put_u16(frame, static_cast<std::uint16_t>(*addressing_.vlan & 0x0FFF));  // priority 0, DEI 0
  }
  put_u16(frame, addressing_.ipv6 ? kEtherTypeIpv6 : kEtherTypeIpv4);
  const Bytes ip = ip_packet(tcp_segment(segment, from_client), from_client);
  frame.insert(frame.end(), ip.begin(), ip.end());
  return frame;
}

}  // namespace tlsgen
