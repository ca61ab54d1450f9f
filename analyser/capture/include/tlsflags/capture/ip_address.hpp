#pragma once

#include <array>
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
  bool operator==(const IpAddress&) const = default;
  auto operator<=>(const IpAddress&) const = default;
};

}  // namespace tlsflags::capture
