// A bounds-checked reader over TLS wire structures, in the manner of BoringSSL's CBS: every read is
// checked (a failed read returns false and the caller gives up on the structure), and length-prefixed vectors
// are read as sub-readers so that a caller can insist that each one is consumed completely
// (RFC 8446 §3.4: a vector's length prefix covers exactly its contents).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace tlsflags::tls {

class Reader {
 public:
  Reader() = default;
  explicit Reader(std::span<const uint8_t> data) : data_(data) {}

  size_t remaining() const { return data_.size(); }
  bool empty() const { return data_.empty(); }
  std::span<const uint8_t> rest() const { return data_; }

  bool u8(uint8_t& out) { return read_uint(1, out); }
  bool u16(uint16_t& out) { return read_uint(2, out); }
  bool u24(uint32_t& out) { return read_uint(3, out); }
  bool u32(uint32_t& out) { return read_uint(4, out); }

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

  // opaque x<floor..2^8-1>, <..2^16-1>, <..2^24-1>: the contents as a reader of their own.
  bool u8_prefixed(Reader& out) { return prefixed(1, out); }
  bool u16_prefixed(Reader& out) { return prefixed(2, out); }
  bool u24_prefixed(Reader& out) { return prefixed(3, out); }

 private:
  template <typename T>
  bool read_uint(size_t width, T& out) {
    if (width > data_.size()) return false;
    T value = 0;
    for (size_t i = 0; i < width; ++i) value = static_cast<T>((value << 8) | data_[i]);
    data_ = data_.subspan(width);
    out = value;
    return true;
  }
  bool prefixed(size_t width, Reader& out) {
    uint32_t length = 0;
    std::span<const uint8_t> contents;
    if (!read_uint(width, length) || !bytes(length, contents)) return false;
    out = Reader(contents);
    return true;
  }

  std::span<const uint8_t> data_;
};

}  // namespace tlsflags::tls
