// One CRYPTO stream (RFC 9000 §19.6, RFC 9001 §4.1.3): the TLS handshake bytes one endpoint sends at one
// encryption level, reassembled by offset from frames that may arrive out of order, repeat or overlap.
// Bounded like TCP reassembly: bytes ahead of the next expected offset are buffered up to a cap, and
// data starting too far ahead is refused; either says the stream can no longer be followed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <vector>

namespace tlsflags::quic {

struct CryptoStreamLimits {
  size_t max_buffered = 256 * 1024;      // out-of-order octets held for one stream
  uint64_t max_offset = 1024 * 1024;     // a handshake is far smaller; beyond this is not one
};

class CryptoStream {
 public:
  enum class Result : uint8_t { ok, over_limit };

  // Takes a frame's data at `offset`. What becomes contiguous is appended to ready().
  Result add(uint64_t offset, std::span<const uint8_t> data, const CryptoStreamLimits& limits);
  // The in-order octets not yet consumed; consume() drops the first n of them.
  std::span<const uint8_t> ready() const { return ready_; }
  void consume(size_t n);
  uint64_t delivered() const { return next_; }  // octets made contiguous so far
  void release();  // frees the buffers (the stream will not be read again)

 private:
  void drain();

  uint64_t next_ = 0;                                   // the offset after the last contiguous octet
  std::vector<uint8_t> ready_;                          // contiguous, not yet consumed
  std::map<uint64_t, std::vector<uint8_t>> pending_;    // by offset, beyond next_
  size_t pending_bytes_ = 0;
};

}  // namespace tlsflags::quic
