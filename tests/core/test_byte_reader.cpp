// The one byte reader's failure rule (tlsflags/core/byte_reader.hpp): a read that fails leaves the
// cursor where it was; a length prefix longer than what follows is a failure.
#include <catch2/catch.hpp>

#include <array>

#include "tlsflags/core/byte_reader.hpp"

using tlsflags::ByteReader;

TEST_CASE("ByteReader reads network and little-endian integers", "[byte-reader]") {
  const std::array<uint8_t, 9> bytes{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09};
  ByteReader r(bytes);
  uint8_t a = 0;
  uint16_t b = 0;
  uint32_t c = 0, d = 0;
  REQUIRE((r.u8(a) && r.u16(b) && r.u24(c) && r.u16le(b)));
  CHECK(a == 0x01);
  CHECK(c == 0x040506);
  CHECK(b == 0x0807);
  CHECK_FALSE(r.u32le(d));
  uint8_t next = 0;
  CHECK((r.peek_u8(next) && next == 0x09 && r.remaining() == 1));
}

TEST_CASE("ByteReader: a failed read leaves the cursor where it was", "[byte-reader]") {
  const std::array<uint8_t, 3> bytes{0x00, 0x05, 0xAA};  // a 16-bit prefix of 5, one byte after it
  ByteReader r(bytes);
  ByteReader vector;
  uint32_t too_wide = 0;
  CHECK_FALSE(r.u32(too_wide));
  CHECK_FALSE(r.u16_prefixed(vector));
  CHECK(r.remaining() == 3);  // the prefix was not consumed either
  std::span<const uint8_t> out;
  CHECK_FALSE(r.bytes(4, out));
  CHECK_FALSE(r.skip(4));
  CHECK(r.remaining() == 3);
  REQUIRE(r.u8_prefixed(vector));  // read as a u8 prefix instead: 0 bytes
  CHECK(vector.empty());
  CHECK_FALSE(r.u8_prefixed(vector));  // 5 bytes: only 1 follows
  CHECK(r.remaining() == 2);
}
