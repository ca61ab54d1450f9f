#include "tlsflags/capture/tcp_half_stream.hpp"

#include <algorithm>
#include <cstring>

namespace tlsflags::capture {

void TcpHalfStream::start_at(uint32_t seq) {
  started_ = true;
  base_seq_ = seq;
  next_ = 0;
}

// RFC 9293 §3.4: sequence space is modulo 2^32. A sequence number is placed relative to the next expected
// byte, within ±2^31 of it, which is unambiguous for any window TCP can use (RFC 7323 §2.3 caps the
// window at 2^30).
int64_t TcpHalfStream::offset_of(uint32_t seq) const {
  const uint32_t next_seq = base_seq_ + static_cast<uint32_t>(next_);
  const int32_t delta = static_cast<int32_t>(seq - next_seq);
  return static_cast<int64_t>(next_) + delta;
}

void TcpHalfStream::on_segment(DeliveryContext& ctx, uint32_t seq, std::span<const uint8_t> payload,
                               uint32_t wire_length, bool fin) {
  if (!started_) start_at(seq);
  const int64_t offset = offset_of(seq);
  if (offset > static_cast<int64_t>(next_) + ctx.limits.max_sequence_jump) {
    ctx.diagnostics.segments_out_of_window.note(ctx.at.frame);
    return;
  }
  const int64_t wire_end = offset + wire_length;
  if (wire_length > 0 && wire_end > static_cast<int64_t>(next_)) {
    accept_data(ctx, offset, payload, static_cast<uint64_t>(wire_end));
  }
  // The FIN occupies the sequence number after the segment's data (RFC 9293 §3.4). A FIN behind bytes
  // already delivered contradicts the stream and is ignored; a repeated FIN changes nothing.
  if (fin && !fin_offset_ && wire_end >= static_cast<int64_t>(next_)) fin_offset_ = static_cast<uint64_t>(wire_end);
  drain(ctx);
}

void TcpHalfStream::accept_data(DeliveryContext& ctx, int64_t offset, std::span<const uint8_t> payload,
                                uint64_t wire_end) {
  if (fin_offset_) wire_end = std::min(wire_end, *fin_offset_);  // nothing follows a FIN
  if (wire_end <= next_) return;  // a retransmission of delivered bytes, a keepalive at seq - 1
  if (offset > static_cast<int64_t>(next_)) {
    skip_to(static_cast<uint64_t>(offset));  // a hole inside a range the consumer skips is no gap
    if (offset > static_cast<int64_t>(next_)) {
      const uint64_t start = static_cast<uint64_t>(offset);
      const auto captured = payload.first(std::min<uint64_t>(payload.size(), wire_end - start));
      if (captured.empty()) return;  // nothing of it was captured: its bytes stay a hole
      if (make_room(ctx, start, captured.size())) {
        store_uncovered(ctx, start, captured);
        return;
      }
      // Room was made by giving up the holes before this segment: it is in order now.
      if (wire_end <= next_) return;
    }
  }
  const uint64_t already = static_cast<uint64_t>(static_cast<int64_t>(next_) - offset);
  auto fresh = already < payload.size() ? payload.subspan(already) : std::span<const uint8_t>{};
  fresh = fresh.first(std::min<uint64_t>(fresh.size(), wire_end - next_));
  deliver_in_order(ctx, fresh, wire_end);
}

void TcpHalfStream::deliver_in_order(DeliveryContext& ctx, std::span<const uint8_t> bytes, uint64_t wire_end) {
  // `bytes` start at next_; every buffered piece starts after it (drain ran after the last segment).
  // Where a buffered piece overlaps them, the buffered (first received) bytes win, like most stacks;
  // this segment fills around them. Both are handed on at once: nothing of the segment is buffered, so
  // the caps cannot be exceeded even for the length of this call.
  const uint64_t start = next_;
  const uint64_t end = start + bytes.size();
  bool conflict = false;
  while (next_ < end) {
    if (!pending_.empty() && pending_.begin()->first <= next_) {
      const auto it = pending_.begin();
      const uint64_t piece_end = it->first + it->second.size();
      const uint64_t overlap_end = std::min(end, piece_end);
      if (it->first >= start && overlap_end > it->first &&
          std::memcmp(it->second.data(), bytes.data() + (it->first - start),
                      static_cast<size_t>(overlap_end - it->first)) != 0) {
        conflict = true;
      }
      if (piece_end > next_) {
        emit(ctx, std::span<const uint8_t>(it->second).subspan(static_cast<size_t>(next_ - it->first)));
      }
      erase_pending(ctx, it);
      continue;
    }
    uint64_t until = end;
    if (!pending_.empty()) until = std::min(until, pending_.begin()->first);
    emit(ctx, bytes.subspan(static_cast<size_t>(next_ - start), static_cast<size_t>(until - next_)));
  }
  if (conflict) ctx.diagnostics.overlap_conflicts.note(ctx.at.frame);
  if (next_ < wire_end && (pending_.empty() || pending_.begin()->first > next_)) {
    // The snap length cut this segment: the rest of it is on the wire but not in the capture, as far as
    // no buffered piece holds it.
    uint64_t until = wire_end;
    if (!pending_.empty()) until = std::min(until, pending_.begin()->first);
    gap_to(ctx, until);
  }
}

// Keeps the caps (per direction and in total) before buffering `incoming` bytes at `offset`. Returns
// false when room could only be made by giving up every hole before `offset` (the data is in order now).
bool TcpHalfStream::make_room(DeliveryContext& ctx, uint64_t offset, size_t incoming_bytes) {
  uint64_t incoming = 0;
  auto fits = [&] {
    incoming = uncovered_cost(offset, incoming_bytes);
    return buffered_ + incoming <= ctx.limits.max_out_of_order_bytes_per_direction &&
           ctx.total_buffered + incoming <= ctx.limits.max_buffered_bytes_total;
  };
  if (fits()) return true;
  if (buffered_ + incoming > ctx.limits.max_out_of_order_bytes_per_direction) {
    ctx.diagnostics.out_of_order_cap_hits.note(ctx.at.frame);
  } else {
    ctx.diagnostics.total_buffer_cap_hits.note(ctx.at.frame);
  }
  while (!fits()) {
    if (pending_.empty() || pending_.begin()->first >= offset) {
      gap_to(ctx, offset, true);
      return false;
    }
    give_up_first_hole(ctx, true);
    if (next_ >= offset) return false;
  }
  return true;
}

// What buffering [offset, offset + size) would add: the bytes no buffered piece covers yet, and the
// bookkeeping of each piece they would be stored as (store_uncovered splits around buffered pieces).
uint64_t TcpHalfStream::uncovered_cost(uint64_t offset, size_t size) const {
  const uint64_t end = offset + size;
  uint64_t cursor = offset, cost = 0;
  auto it = pending_.upper_bound(offset);
  if (it != pending_.begin() && std::prev(it)->first + std::prev(it)->second.size() > offset) --it;
  for (; cursor < end; ++it) {
    const uint64_t piece_end = (it == pending_.end() || it->first >= end) ? end : std::max(cursor, it->first);
    if (piece_end > cursor) cost += piece_end - cursor + kBufferedPieceOverhead;
    if (it == pending_.end() || it->first >= end) break;
    cursor = std::max(piece_end, it->first + it->second.size());
  }
  return cost;
}

// Buffers the parts of [offset, offset + bytes.size()) that no buffered segment covers yet. Where they
// overlap, the buffered (first received) bytes stay; differing bytes are counted as a conflict.
void TcpHalfStream::store_uncovered(DeliveryContext& ctx, uint64_t offset, std::span<const uint8_t> bytes) {
  const uint64_t end = offset + bytes.size();
  uint64_t cursor = offset;
  bool conflict = false;
  auto it = pending_.upper_bound(offset);
  if (it != pending_.begin()) {
    auto before = std::prev(it);
    if (before->first + before->second.size() > offset) it = before;
  }
  auto store = [&](uint64_t from, uint64_t to) {
    const auto piece = bytes.subspan(static_cast<size_t>(from - offset), static_cast<size_t>(to - from));
    pending_.emplace_hint(it, from, std::vector<uint8_t>(piece.begin(), piece.end()));
    buffered_ += piece.size() + kBufferedPieceOverhead;
    ctx.total_buffered += piece.size() + kBufferedPieceOverhead;
  };
  while (cursor < end) {
    if (it == pending_.end() || it->first >= end) {
      store(cursor, end);
      break;
    }
    if (it->first > cursor) store(cursor, it->first);
    cursor = std::max(cursor, it->first);
    const uint64_t overlap_end = std::min(end, it->first + it->second.size());
    if (overlap_end > cursor &&
        std::memcmp(it->second.data() + (cursor - it->first), bytes.data() + (cursor - offset),
                    static_cast<size_t>(overlap_end - cursor)) != 0) {
      conflict = true;
    }
    cursor = std::max(cursor, overlap_end);
    ++it;
  }
  if (conflict) ctx.diagnostics.overlap_conflicts.note(ctx.at.frame);
  ctx.diagnostics.peak_buffered_bytes = std::max(ctx.diagnostics.peak_buffered_bytes, ctx.total_buffered);
}

// Hands bytes starting at next_ to the consumer, minus the ones it asked to skip. The consumer's return
// value is how many bytes after these it does not want.
void TcpHalfStream::emit(DeliveryContext& ctx, std::span<const uint8_t> bytes) {
  if (skip_ > 0) {
    const size_t skipped = static_cast<size_t>(std::min<uint64_t>(skip_, bytes.size()));
    skip_ -= skipped;
    next_ += skipped;
    bytes = bytes.subspan(skipped);
  }
  if (bytes.empty()) return;
  const size_t unwanted = ctx.consumer.on_data(ctx.id, ctx.from, bytes, ctx.at);
  next_ += bytes.size();
  skip_ = unwanted;
}

// Moves next_ towards `target` through the range the consumer skips: bytes missing there are not wanted.
void TcpHalfStream::skip_to(uint64_t target) {
  if (skip_ == 0 || target <= next_) return;
  const uint64_t step = std::min(skip_, target - next_);
  next_ += step;
  skip_ -= step;
}

void TcpHalfStream::gap_to(DeliveryContext& ctx, uint64_t target, bool for_cap) {
  skip_to(target);
  if (target <= next_) return;
  const uint64_t missing = target - next_;
  next_ = target;
  ctx.diagnostics.gaps.note(ctx.at.frame);
  ctx.diagnostics.gap_bytes += missing;
  if (for_cap) {
    ctx.consumer.on_hole_given_up(ctx.id, ctx.from, missing, ctx.at);
  } else {
    ctx.consumer.on_gap(ctx.id, ctx.from, missing, ctx.at);
  }
}

bool TcpHalfStream::give_up_first_hole(DeliveryContext& ctx, bool for_cap) {
  if (pending_.empty()) return false;
  gap_to(ctx, pending_.begin()->first, for_cap);
  drain(ctx);
  return true;
}

void TcpHalfStream::erase_pending(DeliveryContext& ctx, std::map<uint64_t, std::vector<uint8_t>>::iterator it) {
  buffered_ -= it->second.size() + kBufferedPieceOverhead;
  ctx.total_buffered -= it->second.size() + kBufferedPieceOverhead;
  pending_.erase(it);
}

// Delivers buffered bytes that have become in order, then the FIN when the stream reached it.
void TcpHalfStream::drain(DeliveryContext& ctx) {
  while (!pending_.empty()) {
    auto it = pending_.begin();
    if (it->first > next_) {
      skip_to(it->first);
      if (it->first > next_) break;
    }
    const uint64_t end = it->first + it->second.size();
    if (end > next_) emit(ctx, std::span<const uint8_t>(it->second).subspan(static_cast<size_t>(next_ - it->first)));
    erase_pending(ctx, it);
  }
  if (fin_offset_ && !fin_delivered_) {
    if (pending_.empty()) skip_to(*fin_offset_);
    if (next_ >= *fin_offset_) {
      fin_delivered_ = true;
      ctx.consumer.on_fin(ctx.id, ctx.from, ctx.at);
    }
  }
}

void TcpHalfStream::on_peer_ack(DeliveryContext& ctx, uint32_t ack) {
  if (!started_) return;
  const int64_t acked = offset_of(ack);
  if (acked <= static_cast<int64_t>(next_)) return;  // the common case: nothing is missing
  if (acked > static_cast<int64_t>(next_) + ctx.limits.max_sequence_jump) return;  // not this stream
  uint64_t target = static_cast<uint64_t>(acked);
  // The FIN takes one sequence number, so the ACK of a FIN is one beyond the last byte.
  if (fin_offset_) target = std::min(target, *fin_offset_);
  // One unseen sequence number and nothing after it: more likely a FIN the capture missed than a byte.
  if (target - next_ == 1 && pending_.empty() && !fin_offset_) return;
  while (next_ < target) {
    if (!pending_.empty() && pending_.begin()->first < target) {
      give_up_first_hole(ctx);
      continue;
    }
    gap_to(ctx, target);
  }
  drain(ctx);
}

void TcpHalfStream::flush(DeliveryContext& ctx) {
  while (give_up_first_hole(ctx)) {
  }
  if (fin_offset_ && !fin_delivered_) {
    gap_to(ctx, *fin_offset_);
    drain(ctx);
  }
}

void TcpHalfStream::release(uint64_t& total_buffered) {
  total_buffered -= buffered_;
  buffered_ = 0;
  pending_.clear();
}

}  // namespace tlsflags::capture
