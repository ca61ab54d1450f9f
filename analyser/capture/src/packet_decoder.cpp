#include "tlsflags/capture/packet_decoder.hpp"

#include <algorithm>

#include "tlsflags/core/byte_reader.hpp"

namespace tlsflags::capture {
namespace {

// libpcap DLT_ values (pcap/dlt.h). DLT_RAW is 12 on most systems and 14 on OpenBSD; LINKTYPE_RAW (101)
// is what the files hold, which libpcap maps to DLT_RAW, but accept it too.
constexpr int kDltNull = 0;
constexpr int kDltEthernet = 1;
constexpr int kDltRaw12 = 12;
constexpr int kDltRaw14 = 14;
constexpr int kLinktypeRaw = 101;
constexpr int kDltLoop = 108;
constexpr int kDltLinuxSll = 113;
constexpr int kDltIpv4 = 228;
constexpr int kDltIpv6 = 229;
constexpr int kDltLinuxSll2 = 276;

constexpr uint16_t kEtherTypeIpv4 = 0x0800;
constexpr uint16_t kEtherTypeIpv6 = 0x86dd;
constexpr uint16_t kEtherTypeVlan = 0x8100;   // IEEE 802.1Q
constexpr uint16_t kEtherTypeQinQ = 0x88a8;   // IEEE 802.1ad
constexpr uint16_t kEtherTypeQinQOld = 0x9100;  // pre-standard QinQ

constexpr uint8_t kProtocolHopByHop = 0;
constexpr uint8_t kProtocolTcp = 6;
constexpr uint8_t kProtocolUdp = 17;
constexpr uint8_t kProtocolRouting = 43;
constexpr uint8_t kProtocolFragment = 44;
constexpr uint8_t kProtocolEsp = 50;
constexpr uint8_t kProtocolAh = 51;
constexpr uint8_t kProtocolDestinationOptions = 60;

constexpr size_t kMaxIpv6ExtensionHeaders = 32;

std::span<const uint8_t, 4> four(std::span<const uint8_t> b) { return b.first<4>(); }
std::span<const uint8_t, 16> sixteen(std::span<const uint8_t> b) { return b.first<16>(); }

// RFC 9293 §3.1. `captured` is what the capture holds of the IP payload, `claimed` what the IP header
// says it is.
DecodeResult decode_tcp(std::span<const uint8_t> captured, size_t claimed, TcpSegment& out) {
  ByteReader reader(captured);
  uint16_t source_port = 0, destination_port = 0;
  uint32_t seq = 0, ack = 0;
  uint8_t offset_byte = 0, flags = 0;
  if (!reader.u16(source_port) || !reader.u16(destination_port) || !reader.u32(seq) ||
      !reader.u32(ack) || !reader.u8(offset_byte) || !reader.u8(flags)) {
    return claimed < 20 ? DecodeResult::malformed : DecodeResult::truncated;
  }
  const size_t header_length = static_cast<size_t>(offset_byte >> 4) * 4;
  if (header_length < 20 || header_length > claimed) return DecodeResult::malformed;
  if (header_length > captured.size()) return DecodeResult::truncated;
  out.source_port = source_port;
  out.destination_port = destination_port;
  out.seq = seq;
  out.ack = ack;
  out.flags = flags;
  out.payload = captured.subspan(header_length);
  out.payload_length = static_cast<uint32_t>(claimed - header_length);
  return DecodeResult::tcp;
}

// RFC 768. The UDP length field must agree with the IP payload length; the checksum is not verified
// (offloads leave it wrong in captures taken on the sending host).
DecodeResult decode_udp(std::span<const uint8_t> captured, size_t claimed, DecodedFrame& out) {
  ByteReader reader(captured);
  uint16_t source_port = 0, destination_port = 0, length = 0, checksum = 0;
  if (!reader.u16(source_port) || !reader.u16(destination_port) || !reader.u16(length) || !reader.u16(checksum)) {
    return claimed < 8 ? DecodeResult::malformed : DecodeResult::truncated;
  }
  if (length < 8 || length > claimed) return DecodeResult::malformed;
  UdpDatagram& datagram = out.datagram;
  datagram.source = out.segment.source;
  datagram.destination = out.segment.destination;
  datagram.source_port = source_port;
  datagram.destination_port = destination_port;
  datagram.payload_length = length - 8u;
  datagram.payload = reader.rest().first(std::min<size_t>(reader.remaining(), datagram.payload_length));
  return DecodeResult::udp;
}

// RFC 4302 §2.2: the AH Payload Len is in 32-bit words, minus 2.
bool skip_ah(ByteReader& reader, uint8_t& next) {
  uint8_t length = 0;
  ByteReader header = reader;
  if (!header.u8(next) || !header.u8(length)) return false;
  return reader.skip((size_t{length} + 2) * 4);
}

// RFC 791 §3.1.
DecodeResult decode_ipv4(std::span<const uint8_t> packet, DecodedFrame& out) {
  ByteReader reader(packet);
  uint8_t version_ihl = 0, tos = 0, ttl = 0, protocol = 0;
  uint16_t total_length = 0, id = 0, flags_fragment = 0, checksum = 0;
  std::span<const uint8_t> source, destination;
  if (!reader.u8(version_ihl) || !reader.u8(tos) || !reader.u16(total_length) ||
      !reader.u16(id) || !reader.u16(flags_fragment) || !reader.u8(ttl) ||
      !reader.u8(protocol) || !reader.u16(checksum) || !reader.bytes(4, source) ||
      !reader.bytes(4, destination)) {
    return DecodeResult::truncated;
  }
  if ((version_ihl >> 4) != 4) return DecodeResult::malformed;
  const size_t header_length = static_cast<size_t>(version_ihl & 0x0fu) * 4;
  if (header_length < 20) return DecodeResult::malformed;
  if (header_length > packet.size()) return DecodeResult::truncated;
  size_t claimed = total_length;
  if (claimed == 0) {
    out.zero_ip_length = true;
    claimed = packet.size();
  }
  if (claimed < header_length) return DecodeResult::malformed;
  // More-fragments flag or a fragment offset: a piece of a datagram. Not reassembled (TCP avoids
  // fragmentation with PMTUD); the TCP bytes it carried become a gap of the stream.
  if ((flags_fragment & 0x3fff) != 0) return DecodeResult::fragment;
  out.segment.source = IpAddress::v4(four(source));
  out.segment.destination = IpAddress::v4(four(destination));
  // Ethernet pads short frames: only total_length bytes are the packet. Fewer captured = snap length cut.
  const size_t available = std::min(packet.size(), claimed);
  ByteReader payload(packet.subspan(header_length, available - header_length));
  size_t payload_claimed = claimed - header_length;
  if (protocol == kProtocolAh) {
    const size_t before = payload.remaining();
    if (!skip_ah(payload, protocol)) return DecodeResult::truncated;
    const size_t ah_length = before - payload.remaining();
    if (ah_length > payload_claimed) return DecodeResult::malformed;
    payload_claimed -= ah_length;
  }
  if (protocol == kProtocolEsp) return DecodeResult::esp;
  if (protocol == kProtocolUdp) return decode_udp(payload.rest(), payload_claimed, out);
  if (protocol != kProtocolTcp) {
    out.transport = protocol;
    return DecodeResult::not_tcp;
  }
  return decode_tcp(payload.rest(), payload_claimed, out.segment);
}

// RFC 8200 §4: walks the extension header chain to the upper-layer header.
DecodeResult decode_ipv6(std::span<const uint8_t> packet, DecodedFrame& out) {
  ByteReader reader(packet);
  uint32_t version_class_flow = 0;
  uint16_t payload_length = 0;
  uint8_t next = 0, hop_limit = 0;
  std::span<const uint8_t> source, destination;
  if (!reader.u32(version_class_flow) || !reader.u16(payload_length) || !reader.u8(next) ||
      !reader.u8(hop_limit) || !reader.bytes(16, source) || !reader.bytes(16, destination)) {
    return DecodeResult::truncated;
  }
  if ((version_class_flow >> 28) != 6) return DecodeResult::malformed;
  size_t claimed = payload_length;
  if (claimed == 0) {  // a jumbogram (RFC 2675) or a capture before segmentation offload
    out.zero_ip_length = true;
    claimed = reader.remaining();
  }
  out.segment.source = IpAddress::v6(sixteen(source));
  out.segment.destination = IpAddress::v6(sixteen(destination));
  ByteReader payload(reader.rest().first(std::min(reader.remaining(), claimed)));
  for (size_t headers = 0; headers <= kMaxIpv6ExtensionHeaders; ++headers) {
    const size_t before = payload.remaining();
    uint8_t header_next = 0, length = 0;
    switch (next) {
      case kProtocolTcp:
        return decode_tcp(payload.rest(), claimed, out.segment);
      case kProtocolUdp:
        return decode_udp(payload.rest(), claimed, out);
      case kProtocolEsp:
        return DecodeResult::esp;
      case kProtocolHopByHop:
      case kProtocolRouting:
      case kProtocolDestinationOptions: {
        ByteReader header = payload;
        if (!header.u8(header_next) || !header.u8(length)) return DecodeResult::truncated;
        if (!payload.skip((size_t{length} + 1) * 8)) return DecodeResult::truncated;
        break;
      }
      case kProtocolFragment: {
        // RFC 8200 §4.5: offset and M flag zero = an atomic fragment, the whole packet is here.
        uint8_t reserved = 0;
        uint16_t offset_flags = 0;
        ByteReader header = payload;
        if (!header.u8(header_next) || !header.u8(reserved) || !header.u16(offset_flags)) {
          return DecodeResult::truncated;
        }
        if ((offset_flags & 0xfff9) != 0) return DecodeResult::fragment;
        if (!payload.skip(8)) return DecodeResult::truncated;
        break;
      }
      case kProtocolAh:
        if (!skip_ah(payload, header_next)) return DecodeResult::truncated;
        break;
      default:
        out.transport = next;
        return DecodeResult::not_tcp;  // UDP, ICMPv6, No Next Header (59), ...
    }
    const size_t header_length = before - payload.remaining();
    if (header_length > claimed) return DecodeResult::malformed;
    claimed -= header_length;
    next = header_next;
  }
  return DecodeResult::malformed;
}

DecodeResult decode_ip(std::span<const uint8_t> packet, DecodedFrame& out) {
  uint8_t first = 0;
  if (!ByteReader(packet).peek_u8(first)) return DecodeResult::truncated;
  switch (first >> 4) {
    case 4: return decode_ipv4(packet, out);
    case 6: return decode_ipv6(packet, out);
    default: return DecodeResult::not_ip;
  }
}

// An EtherType, possibly behind 802.1Q / 802.1ad tags (each tag: 2 bytes TCI, 2 bytes inner type).
DecodeResult decode_ethertype(uint16_t type, ByteReader reader, DecodedFrame& out) {
  while (type == kEtherTypeVlan || type == kEtherTypeQinQ || type == kEtherTypeQinQOld) {
    uint16_t tci = 0;
    if (!reader.u16(tci) || !reader.u16(type)) return DecodeResult::truncated;
  }
  switch (type) {
    case kEtherTypeIpv4: return decode_ipv4(reader.rest(), out);
    case kEtherTypeIpv6: return decode_ipv6(reader.rest(), out);
    default: return DecodeResult::not_ip;
  }
}

DecodeResult decode_ethernet(std::span<const uint8_t> frame, DecodedFrame& out) {
  ByteReader reader(frame);
  uint16_t type = 0;
  if (!reader.skip(12) || !reader.u16(type)) return DecodeResult::truncated;
  return decode_ethertype(type, reader, out);  // a value < 0x0600 is an 802.3 length: not IP
}

// Linux cooked capture v1: packet type, ARPHRD type, address length, 8 address bytes, protocol.
DecodeResult decode_linux_sll(std::span<const uint8_t> frame, DecodedFrame& out) {
  ByteReader reader(frame);
  uint16_t protocol = 0;
  if (!reader.skip(14) || !reader.u16(protocol)) return DecodeResult::truncated;
  return decode_ethertype(protocol, reader, out);
}

// Linux cooked capture v2: protocol, reserved, interface index, ARPHRD type, packet type, address
// length, 8 address bytes.
DecodeResult decode_linux_sll2(std::span<const uint8_t> frame, DecodedFrame& out) {
  ByteReader reader(frame);
  uint16_t protocol = 0;
  if (!reader.u16(protocol) || !reader.skip(18)) return DecodeResult::truncated;
  return decode_ethertype(protocol, reader, out);
}

// BSD loopback: a 4-byte address family, in the writer's byte order (NULL) or big-endian (LOOP). Take
// whichever order gives a small number. AF_INET6 differs by OS: 24 (NetBSD/OpenBSD), 28 (FreeBSD),
// 30 (macOS), 10 (Linux).
DecodeResult decode_loopback(std::span<const uint8_t> frame, DecodedFrame& out) {
  ByteReader reader(frame);
  uint32_t family = 0;
  if (!reader.u32le(family)) return DecodeResult::truncated;
  if (family > 0xffff) family = __builtin_bswap32(family);
  switch (family) {
    case 2: return decode_ipv4(reader.rest(), out);
    case 10: case 24: case 28: case 30: return decode_ipv6(reader.rest(), out);
    default: return DecodeResult::not_ip;
  }
}

}  // namespace

bool is_supported_link_type(int dlt) {
  switch (dlt) {
    case kDltNull: case kDltEthernet: case kDltRaw12: case kDltRaw14: case kLinktypeRaw: case kDltLoop:
    case kDltLinuxSll: case kDltIpv4: case kDltIpv6: case kDltLinuxSll2:
      return true;
    default:
      return false;
  }
}

DecodeResult decode_frame(int dlt, std::span<const uint8_t> frame, DecodedFrame& out) {
  out.zero_ip_length = false;
  switch (dlt) {
    case kDltEthernet: return decode_ethernet(frame, out);
    case kDltLinuxSll: return decode_linux_sll(frame, out);
    case kDltLinuxSll2: return decode_linux_sll2(frame, out);
    case kDltRaw12: case kDltRaw14: case kLinktypeRaw: return decode_ip(frame, out);
    case kDltIpv4: return decode_ipv4(frame, out);
    case kDltIpv6: return decode_ipv6(frame, out);
    case kDltNull: case kDltLoop: return decode_loopback(frame, out);
    default: return DecodeResult::not_ip;
  }
}

bool is_undecoded_tls_transport(uint8_t protocol) {
  switch (protocol) {
    case 4: case 33: case 41: case 47: case 132: case 136: return true;
    default: return false;
  }
}

std::string_view transport_name(uint8_t protocol) {
  switch (protocol) {
    case 4: return "IP in IP";
    case 33: return "DCCP";
    case 41: return "IPv6 in IP";
    case 47: return "GRE";
    case 132: return "SCTP";
    case 136: return "UDP-Lite";
    default: return "";
  }
}

void note_decode_result(DecodeResult result, const DecodedFrame& decoded, uint64_t frame,
                        CaptureDiagnostics& diagnostics) {
  if (decoded.zero_ip_length) diagnostics.zero_ip_length.note(frame);
  switch (result) {
    case DecodeResult::tcp: break;
    case DecodeResult::udp: break;  // the reader counts it: used by the consumer, or not_tcp
    case DecodeResult::not_ip: diagnostics.not_ip.note(frame); break;
    case DecodeResult::not_tcp:
      diagnostics.not_tcp.note(frame);
      if (is_undecoded_tls_transport(decoded.transport)) {
        diagnostics.transports_not_decoded.note(frame);
        diagnostics.undecoded_transports.set(decoded.transport);
      }
      break;
    case DecodeResult::truncated: diagnostics.truncated_headers.note(frame); break;
    case DecodeResult::malformed: diagnostics.malformed_headers.note(frame); break;
    case DecodeResult::fragment: diagnostics.ip_fragments.note(frame); break;
    case DecodeResult::esp: diagnostics.esp_packets.note(frame); break;
  }
}

void deliver_datagram(StreamConsumer& consumer, const DecodedFrame& decoded, StreamPosition at,
                      CaptureDiagnostics& diagnostics) {
  if (!consumer.on_datagram(decoded.datagram, at)) diagnostics.not_tcp.note(at.frame);
}

}  // namespace tlsflags::capture
