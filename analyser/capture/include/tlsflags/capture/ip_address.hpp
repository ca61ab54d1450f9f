#pragma once

#include <array>
#include <bit>
#include <compare>
#include <cstddef>
#include <cstring>
#include <cstdint>
#include <span>
#include <string>

namespace tlsflags::capture {

// An IPv4 or IPv6 address in network byte order (IPv4 in the first 4 bytes, the rest zero).
struct IpAddress {
  std::array<uint8_t, 16> bytes{};
  uint8_t version = 4;  // 4 or 6

  static IpAddress v4(std::span<const uint8_t, 4> b);
  static IpAddress v6(std::span<const uint8_t, 16> b);
  static IpAddress parse(const std::string& text);  // for tests: "10.0.0.1", "2001:db8::1"; {} on error
  std::string to_string() const;  // IPv6 without brackets, as Endpoint::address wants it
  // The order of the bytes (then the version), compared as two big-endian 64-bit words: every segment's
  // flow key orders its two addresses, and a library memcmp per comparison cost ~8 % of reading a bulk
  // capture (docs/performance.md).
  bool operator==(const IpAddress& other) const {
    return word(0) == other.word(0) && word(1) == other.word(1) && version == other.version;
  }
  std::strong_ordering operator<=>(const IpAddress& other) const {
    if (auto order = word(0) <=> other.word(0); order != 0) return order;
    if (auto order = word(1) <=> other.word(1); order != 0) return order;
    return version <=> other.version;
  }

 private:
  uint64_t word(size_t half) const {  // bytes [8 * half, 8 * half + 8) as a big-endian number
    uint64_t value = 0;
    std::memcpy(&value, bytes.data() + 8 * half, sizeof value);
    if constexpr (std::endian::native == std::endian::little) value = __builtin_bswap64(value);
    return value;
  }
};

}  // namespace tlsflags::capture
