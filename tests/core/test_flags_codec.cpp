// The codec against the examples of draft-ietf-tls-tlsflags §2 and every malformed case.
#include <catch2/catch.hpp>

#include <vector>

#include "tlsflags/core/flags_codec.hpp"

using namespace tlsflags;

namespace {
std::vector<uint8_t> encode(std::initializer_list<uint16_t> numbers) {
  std::vector<uint16_t> v(numbers);
  std::vector<uint8_t> out(256);
  out.resize(encode_flags(FlagSet::from_numbers(v), out));
  return out;
}
std::vector<uint16_t> numbers_of(const FlagSet& set) {
  std::vector<uint16_t> out;
  set.for_each([&](uint16_t f) { out.push_back(f); });
  return out;
}
}  // namespace

TEST_CASE("draft examples encode as the draft shows them", "[codec]") {
  CHECK(encode({0}) == std::vector<uint8_t>{0x01, 0x01});
  CHECK(encode({1, 5}) == std::vector<uint8_t>{0x01, 0x22});
  CHECK(encode({3, 5, 23}) == std::vector<uint8_t>{0x03, 0x28, 0x00, 0x80});
}

TEST_CASE("draft examples decode back to their flags", "[codec]") {
  std::vector<uint8_t> body{0x03, 0x28, 0x00, 0x80};
  DecodedFlags d = decode_flags(body);
  CHECK(d.problem == FlagsProblem::none);
  CHECK(d.declared_length == 3);
  CHECK(numbers_of(d.flags) == std::vector<uint16_t>{3, 5, 23});
}

TEST_CASE("flag 80 (request_client_auth as deployed) is octet 10, bit 0", "[codec]") {
  auto body = encode({80});
  REQUIRE(body.size() == 12);
  CHECK(body[0] == 11);
  CHECK(body[11] == 0x01);
  DecodedFlags d = decode_flags(body);
  CHECK(d.problem == FlagsProblem::none);
  CHECK(d.flags.contains(80));
  CHECK_FALSE(d.flags.contains(79));
  CHECK(flag_name(80, 80) == "request_client_auth");
  CHECK(flag_name(8, 80) == "resumption_across_names");
  CHECK(flag_name(81, 80).empty());
}

TEST_CASE("every flag from 0 to 2039 round-trips alone", "[codec]") {
  for (uint16_t flag = 0; flag <= kMaxFlag; ++flag) {
    std::vector<uint8_t> out(256);
    size_t n = encode_flags(FlagSet::from_numbers(std::vector<uint16_t>{flag}), out);
    REQUIRE(n == flag / 8u + 2);
    out.resize(n);
    DecodedFlags d = decode_flags(out);
    REQUIRE(d.problem == FlagsProblem::none);
    REQUIRE(numbers_of(d.flags) == std::vector<uint16_t>{flag});
  }
}

TEST_CASE("flag 2039 takes the full 255-octet vector; 2040 does not exist", "[codec]") {
  auto body = encode({2039});
  CHECK(body.size() == 256);
  CHECK(body[0] == 255);
  CHECK(encode({2040}).empty());
}

TEST_CASE("malformed bodies", "[codec]") {
  SECTION("no length octet") { CHECK(decode_flags({}).problem == FlagsProblem::malformed); }
  SECTION("length octet larger than the rest") {
    std::vector<uint8_t> b{0x02, 0x01};
    DecodedFlags d = decode_flags(b);
    CHECK(d.problem == FlagsProblem::malformed);
    CHECK(d.flags.contains(0));  // what could be read is still shown
  }
  SECTION("bytes after the vector") {
    std::vector<uint8_t> b{0x01, 0x01, 0x00};
    CHECK(decode_flags(b).problem == FlagsProblem::malformed);
  }
  SECTION("zero length with trailing bytes is malformed, not empty") {
    std::vector<uint8_t> b{0x00, 0x01};
    CHECK(decode_flags(b).problem == FlagsProblem::malformed);
  }
}

TEST_CASE("empty vector", "[codec]") {
  std::vector<uint8_t> b{0x00};
  CHECK(decode_flags(b).problem == FlagsProblem::empty);
  CHECK(encode({}).empty());  // the encoder never produces one
}

TEST_CASE("non-minimal vectors", "[codec]") {
  SECTION("trailing zero octet") {
    std::vector<uint8_t> b{0x02, 0x01, 0x00};
    DecodedFlags d = decode_flags(b);
    CHECK(d.problem == FlagsProblem::non_minimal);
    CHECK(numbers_of(d.flags) == std::vector<uint16_t>{0});
  }
  SECTION("all zero") {
    std::vector<uint8_t> b{0x03, 0x00, 0x00, 0x00};
    CHECK(decode_flags(b).problem == FlagsProblem::non_minimal);
  }
  SECTION("single zero octet") {
    std::vector<uint8_t> b{0x01, 0x00};
    CHECK(decode_flags(b).problem == FlagsProblem::non_minimal);
  }
}

TEST_CASE("sets compare by flags, not by encoding", "[codec]") {
  std::vector<uint8_t> minimal{0x01, 0x01}, padded{0x02, 0x01, 0x00};
  CHECK(decode_flags(minimal).flags == decode_flags(padded).flags);
  CHECK(decode_flags(padded).flags.octets().size() == 2);
  CHECK(decode_flags(padded).flags.minimal_octets().size() == 1);
}

TEST_CASE("a 255-octet vector decodes every flag", "[codec]") {
  std::vector<uint8_t> b(256, 0xff);
  b[0] = 255;
  DecodedFlags d = decode_flags(b);
  CHECK(d.problem == FlagsProblem::none);
  CHECK(d.flags.count() == 2040);
}
