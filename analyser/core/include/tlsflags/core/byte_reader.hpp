// The one bounds-checked reader over outside bytes (docs/architecture.md "Rules of the house"), in the
// manner of BoringSSL's CBS, for capture files, TLS wire structures and anything else that parses.
// One failure rule: every read says whether it had enough bytes, and a read that fails leaves the
// cursor where it was, so a caller may try another form or give up on the structure. Length-prefixed
// vectors are read as sub-readers, so that a caller can insist that each one is consumed completely
// (RFC 8446 §3.4: a vector's length prefix covers exactly its contents).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace tlsflags {

class ByteReader {
 public:
  ByteReader() = default;
  explicit ByteReader(std::span<const uint8_t> data) : data_(data) {}

  size_t remaining() const { return data_.size(); }
  bool empty() const { return data_.empty(); }
  std::span<const uint8_t> rest() const { return data_; }

  // Network byte order (RFC 8446 §3.3).
  bool u8(uint8_t& out) { return read_uint(1, out, false); }
  bool u16(uint16_t& out) { return read_uint(2, out, false); }
  bool u24(uint32_t& out) { return read_uint(3, out, false); }
  bool u32(uint32_t& out) { return read_uint(4, out, false); }
  // Little-endian: pcap and pcapng written on a little-endian machine.
  bool u16le(uint16_t& out) { return read_uint(2, out, true); }
  bool u32le(uint32_t& out) { return read_uint(4, out, true); }
  bool peek_u8(uint8_t& out) const {
    if (data_.empty()) return false;
    out = data_[0];
    return true;
  }

  bool bytes(size_t n, std::span<const uint8_t>& out) {
    if (n > data_.size()) return false;
    out = data_.first(n);
    data_ = data_.subspan(n);
    return true;
  }
  bool skip(size_t n) {
    std::span<const uint8_t> ignored;
    return bytes(n, ignored);
  }

  // opaque x<floor..2^8-1>, <..2^16-1>, <..2^24-1>: the contents as a reader of their own. A prefix
  // longer than what follows is a failure, and the prefix is not consumed.
  bool u8_prefixed(ByteReader& out) { return prefixed(1, out); }
  bool u16_prefixed(ByteReader& out) { return prefixed(2, out); }
  bool u24_prefixed(ByteReader& out) { return prefixed(3, out); }

 private:
  template <typename T>
  bool read_uint(size_t width, T& out, bool little_endian) {
    if (width > data_.size()) return false;
    T value = 0;
    for (size_t i = 0; i < width; ++i)
      value = static_cast<T>((value << 8) | data_[little_endian ? width - 1 - i : i]);
    data_ = data_.subspan(width);
    out = value;
    return true;
  }
  bool prefixed(size_t width, ByteReader& out) {
    ByteReader attempt = *this;  // committed only when the whole vector is there
    uint32_t length = 0;
    std::span<const uint8_t> contents;
    if (!attempt.read_uint(width, length, false) || !attempt.bytes(length, contents)) return false;
    *this = attempt;
    out = ByteReader(contents);
    return true;
  }

  std::span<const uint8_t> data_;
};

}  // namespace tlsflags
