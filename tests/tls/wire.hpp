// Test helper: builds TLS wire structures by hand (RFC 8446 §3 presentation language).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <vector>

namespace tlsflags::tls::test {

using Bytes = std::vector<uint8_t>;

inline Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
inline Bytes u8(unsigned v) { return {static_cast<uint8_t>(v)}; }
inline Bytes u16(unsigned v) { return {static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)}; }
inline Bytes u24(unsigned v) {
  return {static_cast<uint8_t>(v >> 16), static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)};
}
inline Bytes vec8(const Bytes& b) { return cat({u8(static_cast<unsigned>(b.size())), b}); }
inline Bytes vec16(const Bytes& b) { return cat({u16(static_cast<unsigned>(b.size())), b}); }
inline Bytes vec24(const Bytes& b) { return cat({u24(static_cast<unsigned>(b.size())), b}); }

inline Bytes ext(unsigned type, const Bytes& body) { return cat({u16(type), vec16(body)}); }
inline Bytes flags_extension(const Bytes& body, unsigned type = 62) { return ext(type, body); }
inline Bytes flag80_body() { return Bytes{11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}; }
inline Bytes supported_versions_13() { return ext(43, vec8(u16(0x0304))); }
inline Bytes server_name(const char* host) {
  Bytes name(host, host + std::char_traits<char>::length(host));
  return ext(0, vec16(cat({u8(0), vec16(name)})));
}

inline Bytes client_hello_body(const Bytes& extensions, uint8_t random_byte = 0x11) {
  return cat({u16(0x0303), Bytes(32, random_byte), vec8(Bytes(32, 0xee)), vec16(cat({u16(0x1301), u16(0x1303)})),
              vec8(u8(0)), vec16(extensions)});
}
inline Bytes server_hello_body(const Bytes& extensions, uint16_t suite = 0x1301, uint8_t random_byte = 0x22) {
  return cat({u16(0x0303), Bytes(32, random_byte), vec8(Bytes(32, 0xee)), u16(suite), u8(0), vec16(extensions)});
}
inline Bytes handshake(unsigned type, const Bytes& body) { return cat({u8(type), vec24(body)}); }
inline Bytes record(unsigned type, const Bytes& payload, unsigned version = 0x0303) {
  return cat({u8(type), u16(version), vec16(payload)});
}

}  // namespace tlsflags::tls::test
