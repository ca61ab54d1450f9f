#include "tlsflags/capture/ip_address.hpp"

#include <arpa/inet.h>

#include <algorithm>

namespace tlsflags::capture {

IpAddress IpAddress::v4(std::span<const uint8_t, 4> b) {
  IpAddress address;
  std::copy(b.begin(), b.end(), address.bytes.begin());
  address.version = 4;
  return address;
}

IpAddress IpAddress::v6(std::span<const uint8_t, 16> b) {
  IpAddress address;
  std::copy(b.begin(), b.end(), address.bytes.begin());
  address.version = 6;
  return address;
}

IpAddress IpAddress::parse(const std::string& text) {
  IpAddress address;
  if (inet_pton(AF_INET, text.c_str(), address.bytes.data()) == 1) {
    address.version = 4;
  } else if (inet_pton(AF_INET6, text.c_str(), address.bytes.data()) == 1) {
    address.version = 6;
  } else {
    address = IpAddress{};
  }
  return address;
}

std::string IpAddress::to_string() const {
  char text[INET6_ADDRSTRLEN] = {};
  const int family = version == 6 ? AF_INET6 : AF_INET;
  if (inet_ntop(family, bytes.data(), text, sizeof text) == nullptr) return "?";
  return text;
}

}  // namespace tlsflags::capture
