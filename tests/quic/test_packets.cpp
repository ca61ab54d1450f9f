// QUIC headers, packet numbers, frames (RFC 9000 §16, §17, §19, Appendix A) and CRYPTO reassembly.
#include <catch2/catch.hpp>

#include <string>

#include "crypto_stream.hpp"
#include "hex.hpp"
#include "quic_packet.hpp"

using namespace tlsflags;
using namespace tlsflags::quic;
using tlsflags::tls::test::from_hex;

namespace {

uint64_t varint_of(std::string_view hex) {
  const auto bytes = from_hex(hex);
  ByteReader reader(bytes);
  uint64_t value = 0;
  REQUIRE(read_varint(reader, value));
  CHECK(reader.empty());
  return value;
}

struct Recorder final : FrameVisitor {
  std::vector<std::pair<uint64_t, std::vector<uint8_t>>> crypto;
  std::vector<std::pair<uint64_t, bool>> closes;
  std::vector<std::vector<uint8_t>> ids;
  int application_data = 0;
  void on_crypto(uint64_t offset, std::span<const uint8_t> data) override {
    crypto.push_back({offset, {data.begin(), data.end()}});
  }
  void on_connection_close(uint64_t code, bool application) override { closes.push_back({code, application}); }
  void on_new_connection_id(std::span<const uint8_t> id) override { ids.push_back({id.begin(), id.end()}); }
  void on_application_data() override { ++application_data; }
};

std::string text_of(std::span<const uint8_t> bytes) { return {bytes.begin(), bytes.end()}; }
std::span<const uint8_t> bytes_of(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

}  // namespace

TEST_CASE("RFC 9000 A.1: variable-length integers", "[packets]") {
  CHECK(varint_of("c2197c5eff14e88c") == 151288809941952652u);
  CHECK(varint_of("9d7f3e7d") == 494878333u);
  CHECK(varint_of("7bbd") == 15293u);
  CHECK(varint_of("25") == 37u);
  CHECK(varint_of("4025") == 37u);
  const auto cut = from_hex("9d7f3e");
  ByteReader reader(cut);
  uint64_t value = 0;
  CHECK_FALSE(read_varint(reader, value));
  CHECK(reader.remaining() == 3);  // a failed read leaves the cursor
}

TEST_CASE("RFC 9000 A.3: packet number decoding", "[packets]") {
  CHECK(decode_packet_number(0xa82f30ea, 0x9b32, 2) == 0xa82f9b32u);
  CHECK(decode_packet_number(-1, 0, 1) == 0u);
  CHECK(decode_packet_number(-1, 1, 4) == 1u);
  CHECK(decode_packet_number(255, 0x00, 1) == 256u);
}

TEST_CASE("long headers: Initial v1 and v2, unknown versions, cut lengths", "[packets]") {
  // Initial v1: first octet c3 (type 0), DCID 8394c8f03e515708, empty SCID, no token, Length 0x449e.
  auto packet = from_hex("c3000000010883 94c8f03e515708 00 00 449e");
  packet.resize(packet.size() + 0x049e);
  PacketHeader header;
  REQUIRE(parse_long_header(packet, header) == HeaderResult::ok);
  CHECK(header.type == PacketType::initial);
  CHECK(header.dcid.size() == 8);
  CHECK(header.scid.empty());
  CHECK(header.pn_offset == 18);
  CHECK(header.packet_size == 18 + 0x049e);  // 0x449e is the 2-octet varint 0x049e
  // RFC 9369 §3.2: in v2 the Initial type is 0b01.
  auto v2 = from_hex("d36b3343cf 00 00 00 05 0000000000");
  REQUIRE(parse_long_header(v2, header) == HeaderResult::ok);
  CHECK(header.type == PacketType::initial);
  auto v2_handshake = from_hex("f36b3343cf 00 00 05 0000000000");
  REQUIRE(parse_long_header(v2_handshake, header) == HeaderResult::ok);
  CHECK(header.type == PacketType::handshake);
  auto draft = from_hex("c3ff00001d 00 00 00 05 0000000000");
  CHECK(parse_long_header(draft, header) == HeaderResult::unknown_version);
  auto too_long = from_hex("c300000001 00 00 00 10 00");
  CHECK(parse_long_header(too_long, header) == HeaderResult::malformed);
  auto long_cid = from_hex("c300000001 15 000000000000000000000000000000000000000000");
  CHECK(parse_long_header(long_cid, header) == HeaderResult::not_quic);  // 21 > 20 octets
  auto no_fixed_bit = from_hex("8300000001 00 00 00 01 00");
  CHECK(parse_long_header(no_fixed_bit, header) == HeaderResult::not_quic);
}

TEST_CASE("short headers take the connection ID length from the connection", "[packets]") {
  auto packet = from_hex("41 0102030405060708 aa bbccdd");
  PacketHeader header;
  REQUIRE(parse_short_header(packet, 8, header) == HeaderResult::ok);
  CHECK(header.dcid.size() == 8);
  CHECK(header.pn_offset == 9);
  CHECK(parse_short_header(packet, 20, header) == HeaderResult::malformed);
  auto not_quic = from_hex("01 0102");
  CHECK(parse_short_header(not_quic, 0, header) == HeaderResult::not_quic);
}

TEST_CASE("frames: CRYPTO, CONNECTION_CLOSE, NEW_CONNECTION_ID, STREAM and the frames skipped", "[packets]") {
  const auto payload = from_hex(
      "00 00 01"                          // PADDING, PADDING, PING
      "02 05 00 01 02 00 03"              // ACK with one more range: largest 5, delay 0, 1 range, first 2, gap 0 len 3
      "06 00 03 616263"                   // CRYPTO offset 0 "abc"
      "06 4010 02 6465"                   // CRYPTO offset 16 "de"
      "18 01 00 04 0a0b0c0d 00112233445566778899aabbccddeeff"  // NEW_CONNECTION_ID
      "0b 04 02 6869"                     // STREAM with Length
      "1e"                                // HANDSHAKE_DONE
      "1c 41 2f 06 00");                  // CONNECTION_CLOSE 0x12f (CRYPTO_ERROR + 47), frame type 6, no reason
  Recorder recorder;
  REQUIRE(visit_frames(payload, recorder));
  REQUIRE(recorder.crypto.size() == 2);
  CHECK(recorder.crypto[0].first == 0);
  CHECK(text_of(recorder.crypto[0].second) == "abc");
  CHECK(recorder.crypto[1].first == 16);
  REQUIRE(recorder.closes.size() == 1);
  CHECK(recorder.closes[0] == std::pair<uint64_t, bool>{0x12f, false});
  REQUIRE(recorder.ids.size() == 1);
  CHECK(recorder.ids[0] == from_hex("0a0b0c0d"));
  CHECK(recorder.application_data == 1);
}

TEST_CASE("frames: an unknown type or a length past the payload stops the walk", "[packets]") {
  Recorder recorder;
  CHECK_FALSE(visit_frames(from_hex("01 21"), recorder));        // 0x21 is no frame type
  CHECK_FALSE(visit_frames(from_hex("06 00 05 6162"), recorder));  // CRYPTO claims 5, has 2
  CHECK(recorder.crypto.empty());
  CHECK_FALSE(visit_frames(from_hex("18 01 00 00 00112233445566778899aabbccddeeff"), recorder));  // empty CID
}

TEST_CASE("CRYPTO stream: out of order, repeated and overlapping pieces", "[packets]") {
  CryptoStream stream;
  const CryptoStreamLimits limits;
  REQUIRE(stream.add(6, bytes_of("ghij"), limits) == CryptoStream::Result::ok);
  CHECK(stream.ready().empty());
  REQUIRE(stream.add(3, bytes_of("defg"), limits) == CryptoStream::Result::ok);  // overlaps the held piece
  CHECK(stream.ready().empty());
  REQUIRE(stream.add(0, bytes_of("abcd"), limits) == CryptoStream::Result::ok);
  CHECK(text_of(stream.ready()) == "abcdefghij");
  REQUIRE(stream.add(2, bytes_of("cdefgh"), limits) == CryptoStream::Result::ok);  // a retransmission
  CHECK(text_of(stream.ready()) == "abcdefghij");
  stream.consume(4);
  CHECK(text_of(stream.ready()) == "efghij");
  CHECK(stream.delivered() == 10);
}

TEST_CASE("CRYPTO stream: the buffer and offset caps", "[packets]") {
  CryptoStream stream;
  const CryptoStreamLimits limits{8, 64};
  CHECK(stream.add(100, bytes_of("x"), limits) == CryptoStream::Result::over_limit);  // beyond max_offset
  CHECK(stream.add(10, bytes_of("12345678"), limits) == CryptoStream::Result::ok);
  CHECK(stream.add(30, bytes_of("1"), limits) == CryptoStream::Result::over_limit);  // 9 octets held > 8
}
