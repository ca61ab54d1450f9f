// decode_frame on single frames: the header corner cases, and that it never reads past the frame.
#include <catch2/catch.hpp>

#include <algorithm>
#include <compare>
#include <random>

#include "capture_builder.hpp"
#include "tlsflags/capture/packet_decoder.hpp"

using namespace tlsflags::capture;
using namespace tlsflags::capture::testing;

namespace {

constexpr int kEthernet = 1;
constexpr int kRaw = 12;

// `out` points into the frame it decoded: keep the last frame alive here, so callers can pass temporaries.
Bytes last_frame;
DecodeResult decode(int dlt, const Bytes& frame, DecodedFrame& out) {
  last_frame = frame;
  return decode_frame(dlt, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(last_frame.data()), last_frame.size()), out);
}

std::string payload_of(const DecodedFrame& out) {
  return std::string(reinterpret_cast<const char*>(out.segment.payload.data()), out.segment.payload.size());
}

Bytes segment(const Bytes& payload = "data") { return tcp(1234, 443, 7, 9, flag::ACK | flag::PSH, payload); }

}  // namespace

TEST_CASE("IPv4 with options, TCP fields", "[decoder]") {
  DecodedFrame out;
  const Bytes packet = ipv4("192.0.2.1", "192.0.2.2", 6, segment(), {.flags_fragment = 0, .total_length = -1,
                                                                     .options = Bytes("\x01\x01\x01\x00", 4)});
  REQUIRE(decode(kRaw, packet, out) == DecodeResult::tcp);
  CHECK(out.segment.source.to_string() == "192.0.2.1");
  CHECK(out.segment.destination.to_string() == "192.0.2.2");
  CHECK(out.segment.source_port == 1234);
  CHECK(out.segment.destination_port == 443);
  CHECK(out.segment.seq == 7);
  CHECK(out.segment.ack == 9);
  CHECK(out.segment.flags == (flag::ACK | flag::PSH));
  CHECK(payload_of(out) == "data");
  CHECK(out.segment.payload_length == 4);
}

TEST_CASE("IPv4 header problems", "[decoder]") {
  DecodedFrame out;
  Bytes packet = ipv4("192.0.2.1", "192.0.2.2", 6, segment());
  SECTION("IHL below 5") {
    packet[0] = 0x44;
    CHECK(decode(kRaw, packet, out) == DecodeResult::malformed);
  }
  SECTION("total length below the header") {
    packet[2] = 0;
    packet[3] = 10;
    CHECK(decode(kRaw, packet, out) == DecodeResult::malformed);
  }
  SECTION("total length 0 (captured before segmentation offload) uses the captured length") {
    packet[2] = 0;
    packet[3] = 0;
    REQUIRE(decode(kRaw, packet, out) == DecodeResult::tcp);
    CHECK(out.zero_ip_length);
    CHECK(payload_of(out) == "data");
  }
  SECTION("cut inside the IP header") {
    CHECK(decode(kRaw, packet.substr(0, 15), out) == DecodeResult::truncated);
  }
  SECTION("cut inside the TCP header") {
    CHECK(decode(kRaw, packet.substr(0, 30), out) == DecodeResult::truncated);
  }
  SECTION("cut inside the payload: the payload length is the IP one") {
    REQUIRE(decode(kRaw, packet.substr(0, packet.size() - 2), out) == DecodeResult::tcp);
    CHECK(payload_of(out) == "da");
    CHECK(out.segment.payload_length == 4);
  }
  SECTION("TCP data offset below 5") {
    packet[20 + 12] = 0x40;
    CHECK(decode(kRaw, packet, out) == DecodeResult::malformed);
  }
  SECTION("TCP data offset beyond the IP payload") {
    packet[20 + 12] = static_cast<char>(0xf0);
    CHECK(decode(kRaw, packet, out) == DecodeResult::malformed);
  }
  SECTION("UDP (RFC 768): the datagram for QUIC and DTLS") {
    REQUIRE(decode(kRaw, ipv4("192.0.2.1", "192.0.2.2", 17, Bytes("\x12\x34\x01\xbb\x00\x0b\x00\x00" "abc", 11)), out) ==
            DecodeResult::udp);
    CHECK(out.datagram.source_port == 0x1234);
    CHECK(out.datagram.destination_port == 443);
    CHECK(out.datagram.payload_length == 3);
    CHECK(std::string(out.datagram.payload.begin(), out.datagram.payload.end()) == "abc");
    CHECK(out.datagram.source.to_string() == "192.0.2.1");
  }
  SECTION("UDP length shorter than its header, or longer than the IP payload") {
    CHECK(decode(kRaw, ipv4("192.0.2.1", "192.0.2.2", 17, Bytes(8, '\0')), out) == DecodeResult::malformed);
    CHECK(decode(kRaw, ipv4("192.0.2.1", "192.0.2.2", 17, Bytes("\x12\x34\x01\xbb\x00\x20\x00\x00" "abc", 11)), out) ==
          DecodeResult::malformed);
  }
  SECTION("SCTP and GRE: transports that can carry TLS, counted as not decoded (issue 17)") {
    CaptureDiagnostics diagnostics;
    for (uint8_t protocol : {uint8_t{132}, uint8_t{47}, uint8_t{1}}) {
      REQUIRE(decode(kRaw, ipv4("192.0.2.1", "192.0.2.2", protocol, Bytes(8, '\0')), out) == DecodeResult::not_tcp);
      CHECK(out.transport == protocol);
      note_decode_result(DecodeResult::not_tcp, out, 7, diagnostics);
    }
    CHECK(diagnostics.not_tcp.count == 3);
    CHECK(diagnostics.transports_not_decoded.count == 2);  // ICMP carries no TLS
    CHECK(diagnostics.transports_not_decoded.first_frame == 7);
    CHECK(diagnostics.undecoded_transports.test(132));
    CHECK(diagnostics.undecoded_transports.test(47));
    CHECK_FALSE(diagnostics.undecoded_transports.test(1));
    CHECK(transport_name(132) == "SCTP");
  }
  SECTION("a first fragment and a later one") {
    CHECK(decode(kRaw, ipv4("192.0.2.1", "192.0.2.2", 6, segment(), {.flags_fragment = 0x2000, .total_length = -1, .options = {}}), out) ==
          DecodeResult::fragment);
    CHECK(decode(kRaw, ipv4("192.0.2.1", "192.0.2.2", 6, segment(), {.flags_fragment = 0x0010, .total_length = -1, .options = {}}), out) ==
          DecodeResult::fragment);
  }
  SECTION("AH before TCP") {
    Bytes ah;
    put8(ah, 6);
    put8(ah, 4);  // (4 + 2) * 4 = 24 bytes
    ah += Bytes(22, '\0');
    REQUIRE(decode(kRaw, ipv4("192.0.2.1", "192.0.2.2", 51, ah + segment()), out) == DecodeResult::tcp);
    CHECK(payload_of(out) == "data");
  }
}

TEST_CASE("Ethernet: padding, 802.3 frames, truncation", "[decoder]") {
  DecodedFrame out;
  SECTION("padding after the IP packet is not payload") {
    const Bytes frame = ethernet(0x0800, ipv4("192.0.2.1", "192.0.2.2", 6, segment("x"))) + Bytes(5, '\xee');
    REQUIRE(decode(kEthernet, frame, out) == DecodeResult::tcp);
    CHECK(payload_of(out) == "x");
    CHECK(out.segment.payload_length == 1);
  }
  SECTION("an 802.3 length field is not IP") {
    CHECK(decode(kEthernet, ethernet(0x0030, Bytes(48, '\0')), out) == DecodeResult::not_ip);
  }
  SECTION("a frame cut inside the link header or a VLAN tag") {
    CHECK(decode(kEthernet, Bytes(10, '\0'), out) == DecodeResult::truncated);
    CHECK(decode(kEthernet, ethernet(0x8100, "").substr(0, 15), out) == DecodeResult::truncated);
  }
  SECTION("an empty frame") {
    CHECK(decode(kEthernet, "", out) == DecodeResult::truncated);
    CHECK(decode(kRaw, "", out) == DecodeResult::truncated);
  }
}

TEST_CASE("IPv6 extension headers", "[decoder]") {
  DecodedFrame out;
  const char* a = "2001:db8::a";
  const char* b = "2001:db8::b";
  SECTION("hop-by-hop, routing, destination options, atomic fragment") {
    const Bytes chain = ipv6_extension(43) + ipv6_extension(60, 2) + ipv6_extension(44) +
                        ipv6_fragment_header(6, 0, false) + segment();
    REQUIRE(decode(kRaw, ipv6(a, b, 0, chain), out) == DecodeResult::tcp);
    CHECK(out.segment.source.to_string() == a);
    CHECK(payload_of(out) == "data");
    CHECK(out.segment.payload_length == 4);
  }
  SECTION("a real fragment") {
    CHECK(decode(kRaw, ipv6(a, b, 44, ipv6_fragment_header(6, 0, true) + segment()), out) == DecodeResult::fragment);
    CHECK(decode(kRaw, ipv6(a, b, 44, ipv6_fragment_header(6, 100, false) + segment()), out) == DecodeResult::fragment);
  }
  SECTION("ESP") { CHECK(decode(kRaw, ipv6(a, b, 50, Bytes(32, '\0')), out) == DecodeResult::esp); }
  SECTION("no next header") { CHECK(decode(kRaw, ipv6(a, b, 59, ""), out) == DecodeResult::not_tcp); }
  SECTION("an extension header longer than the packet") {
    Bytes chain = ipv6_extension(6) + segment();
    chain[1] = 100;
    CHECK(decode(kRaw, ipv6(a, b, 0, chain), out) == DecodeResult::truncated);
  }
  SECTION("cut inside the fixed header") {
    CHECK(decode(kRaw, ipv6(a, b, 6, segment()).substr(0, 39), out) == DecodeResult::truncated);
  }
}

TEST_CASE("link types the decoder knows", "[decoder]") {
  for (int dlt : {0, 1, 12, 14, 101, 108, 113, 228, 229, 276}) CHECK(is_supported_link_type(dlt));
  for (int dlt : {105, 127, 147, 9}) CHECK_FALSE(is_supported_link_type(dlt));
}

TEST_CASE("no frame prefix of a valid frame makes the decoder read past it", "[decoder]") {
  // Run under AddressSanitizer (TLSFLAGS_SANITIZE) this proves the bounds checks; without it, it still
  // checks that every prefix decodes to something sensible.
  const Bytes frames[] = {
      ethernet(0x86dd, ipv6("2001:db8::1", "2001:db8::2", 0, ipv6_extension(44) + ipv6_fragment_header(6, 0, false) + segment()),
               {0x88a8, 0x8100}),
      ethernet(0x0800, ipv4("192.0.2.1", "192.0.2.2", 6, segment())),
  };
  for (const Bytes& frame : frames) {
    for (size_t n = 0; n <= frame.size(); ++n) {
      // An exact-size heap block, so that AddressSanitizer sees a read one byte too far.
      const std::vector<uint8_t> copy(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(n));
      DecodedFrame out;
      const DecodeResult result = decode_frame(kEthernet, copy, out);
      if (n == frame.size()) CHECK(result == DecodeResult::tcp);
      if (result == DecodeResult::tcp) CHECK(out.segment.payload.size() <= out.segment.payload_length);
    }
  }
}

TEST_CASE("IP addresses compare in the order of their bytes, then their version", "[decoder]") {
  // IpAddress compares 64-bit words for speed; the order must stay the bytes' lexicographic order, which
  // flow keys rely on (the lower endpoint first, whichever direction a segment goes).
  std::mt19937_64 random(20261122);
  auto some_address = [&] {
    IpAddress address;
    address.version = (random() & 1) ? 4 : 6;
    for (uint8_t& byte : address.bytes) byte = static_cast<uint8_t>(random() % 3 == 0 ? 0 : random());
    return address;
  };
  for (int i = 0; i < 20000; ++i) {
    IpAddress a = some_address(), b = (i % 4 == 0) ? a : some_address();
    if (i % 8 == 1) b.bytes[random() % 16] ^= static_cast<uint8_t>(1u << (random() % 8));  // one bit apart
    if (i % 16 == 2) b.version = a.version == 4 ? 6 : 4;
    const auto by_bytes = std::lexicographical_compare_three_way(a.bytes.begin(), a.bytes.end(), b.bytes.begin(),
                                                                 b.bytes.end());
    const auto expected = by_bytes != 0 ? by_bytes : a.version <=> b.version;
    INFO(a.to_string() << " vs " << b.to_string());
    CHECK((a <=> b) == expected);
    CHECK((a == b) == (expected == 0));
  }
}
