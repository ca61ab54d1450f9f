// A bounds-checked cursor over bytes, in the manner of BoringSSL's CBS: every read says whether it had
// enough bytes, and a failed read leaves the cursor where it was.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace tlsflags::capture {

class ByteReader {
 public:
  explicit ByteReader(std::span<const uint8_t> data) : data_(data) {}

  size_t remaining() const { return data_.size(); }
  std::span<const uint8_t> rest() const { return data_; }

  bool skip(size_t n) {
    if (n > data_.size()) return false;
    data_ = data_.subspan(n);
    return true;
  }
  bool read_bytes(size_t n, std::span<const uint8_t>& out) {
    if (n > data_.size()) return false;
    out = data_.first(n);
    data_ = data_.subspan(n);
    return true;
  }
  bool read_u8(uint8_t& out) {
    if (data_.empty()) return false;
    out = data_[0];
    data_ = data_.subspan(1);
    return true;
  }
  bool read_u16be(uint16_t& out) { return read_uint(2, out, false); }
  bool read_u32be(uint32_t& out) { return read_uint(4, out, false); }
  bool read_u16le(uint16_t& out) { return read_uint(2, out, true); }
  bool read_u32le(uint32_t& out) { return read_uint(4, out, true); }
  bool peek_u8(uint8_t& out) const {
    if (data_.empty()) return false;
    out = data_[0];
    return true;
  }

 private:
  template <typename T>
  bool read_uint(size_t n, T& out, bool little_endian) {
    if (n > data_.size()) return false;
    T value = 0;
    for (size_t i = 0; i < n; ++i) {
      const size_t index = little_endian ? n - 1 - i : i;
      value = static_cast<T>((value << 8) | data_[index]);
    }
    out = value;
    data_ = data_.subspan(n);
    return true;
  }

  std::span<const uint8_t> data_;
};

}  // namespace tlsflags::capture
