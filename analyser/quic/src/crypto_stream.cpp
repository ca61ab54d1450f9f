#include "crypto_stream.hpp"

#include <algorithm>

namespace tlsflags::quic {

CryptoStream::Result CryptoStream::add(uint64_t offset, std::span<const uint8_t> data,
                                       const CryptoStreamLimits& limits) {
  const uint64_t end = offset + data.size();
  if (end > limits.max_offset) return Result::over_limit;
  if (end <= next_) return Result::ok;  // a repeat of what was delivered (a retransmission)
  if (offset < next_) {                 // overlaps the delivered part: keep only what is new
    data = data.subspan(static_cast<size_t>(next_ - offset));
    offset = next_;
  }
  if (offset == next_) {
    ready_.insert(ready_.end(), data.begin(), data.end());
    next_ = end;
    drain();
    return Result::ok;
  }
  auto& piece = pending_[offset];
  if (piece.size() >= data.size()) return Result::ok;  // the same or a longer piece is held
  if (pending_bytes_ - piece.size() + data.size() > limits.max_buffered) return Result::over_limit;
  pending_bytes_ = pending_bytes_ - piece.size() + data.size();
  piece.assign(data.begin(), data.end());
  return Result::ok;
}

// Pieces that now start at or before next_ extend the contiguous part (only their new octets count).
void CryptoStream::drain() {
  while (!pending_.empty() && pending_.begin()->first <= next_) {
    auto first = pending_.begin();
    const uint64_t start = first->first;
    const std::vector<uint8_t>& piece = first->second;
    const uint64_t end = start + piece.size();
    if (end > next_) {
      ready_.insert(ready_.end(), piece.begin() + static_cast<std::ptrdiff_t>(next_ - start), piece.end());
      next_ = end;
    }
    pending_bytes_ -= piece.size();
    pending_.erase(first);
  }
}

void CryptoStream::consume(size_t n) {
  ready_.erase(ready_.begin(), ready_.begin() + static_cast<std::ptrdiff_t>(std::min(n, ready_.size())));
}

void CryptoStream::release() {
  std::vector<uint8_t>().swap(ready_);
  pending_.clear();
  pending_bytes_ = 0;
}

}  // namespace tlsflags::quic
