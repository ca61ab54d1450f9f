// Reads fuzz input front to back. Every byte sequence is a valid input: a read past the end yields
// zeros (and an empty span), so the fuzzer never wastes executions on inputs the decoder would refuse,
// and hand-made seeds are easy to write (fields appear in the order the harness reads them).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

namespace tlsflags::fuzz {

class ByteSource {
 public:
  explicit ByteSource(std::span<const uint8_t> data) : data_(data) {}

  bool empty() const { return data_.empty(); }
  size_t remaining() const { return data_.size(); }

  uint8_t u8() {
    if (data_.empty()) return 0;
    uint8_t value = data_[0];
    data_ = data_.subspan(1);
    return value;
  }
  uint16_t u16() { return static_cast<uint16_t>((u8() << 8) | u8()); }
  bool bit(uint8_t byte, unsigned index) const { return (byte >> index) & 1u; }

  // Up to `n` bytes (fewer when the input runs out).
  std::span<const uint8_t> bytes(size_t n) {
    std::span<const uint8_t> out = data_.first(std::min(n, data_.size()));
    data_ = data_.subspan(out.size());
    return out;
  }
  std::span<const uint8_t> rest() { return bytes(data_.size()); }

 private:
  std::span<const uint8_t> data_;
};

}  // namespace tlsflags::fuzz
