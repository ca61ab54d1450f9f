// Test helper: plays byte chunks into a StreamConsumer the way the capture layer does, honouring the
// skip counts on_data returns (skipped bytes are dropped, never delivered), optionally cutting every
// chunk into small segments to exercise reassembly.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "tlsflags/capture/stream_consumer.hpp"

namespace tlsflags::tls::test {

struct FedChunk {
  Party from;
  std::vector<uint8_t> bytes;
};

class Feeder {
 public:
  Feeder(capture::StreamConsumer& consumer, capture::ConnectionId id, size_t segment = 0)
      : consumer_(consumer), id_(id), segment_(segment) {}

  void open() {
    consumer_.on_open(id_, Endpoint{"10.0.0.1", 50000}, Endpoint{"10.0.0.2", 443}, true, next());
  }
  // Delivers one chunk as one frame (or several, when segmenting).
  void send(Party from, const std::vector<uint8_t>& bytes) {
    size_t& skip = skip_[from == Party::client ? 0 : 1];
    size_t pos = 0;
    while (pos < bytes.size()) {
      size_t dropped = std::min(skip, bytes.size() - pos);
      skip -= dropped;
      pos += dropped;
      skipped_bytes_ += dropped;
      if (pos == bytes.size()) break;
      size_t n = segment_ ? std::min(segment_, bytes.size() - pos) : bytes.size() - pos;
      std::span<const uint8_t> piece(bytes.data() + pos, n);
      pos += n;
      delivered_bytes_ += n;
      skip = consumer_.on_data(id_, from, piece, next());
    }
  }
  void fin(Party from) { consumer_.on_fin(id_, from, next()); }
  void close(bool capture_ended = false) { consumer_.on_close(id_, capture_ended, next()); }
  capture::StreamPosition next() {
    ++frame_;
    return {frame_, static_cast<double>(frame_) / 1000.0};
  }
  uint64_t skipped_bytes() const { return skipped_bytes_; }
  uint64_t delivered_bytes() const { return delivered_bytes_; }

 private:
  capture::StreamConsumer& consumer_;
  capture::ConnectionId id_;
  size_t segment_;
  uint64_t frame_ = 0;
  size_t skip_[2] = {0, 0};
  uint64_t skipped_bytes_ = 0;
  uint64_t delivered_bytes_ = 0;
};

}  // namespace tlsflags::tls::test
