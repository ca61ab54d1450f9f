// One direction of a TCP connection: turns segments (any order, any overlap) into the ordered byte stream
// the StreamConsumer sees, with on_gap for bytes the capture does not hold and on_fin where the FIN stands.
//
// Positions are 64-bit stream offsets (0 = the first byte after the SYN, or the first byte seen when the
// capture began mid-connection). Sequence numbers are mapped to offsets relative to the next expected
// byte with 32-bit modular arithmetic (RFC 9293 §3.4: "sequence numbers ... modulo 2**32"), so wraparound
// needs no special case.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <vector>

#include "tlsflags/capture/capture_limits.hpp"
#include "tlsflags/capture/stream_consumer.hpp"

namespace tlsflags::capture {

// What a buffered out-of-order piece costs beyond its bytes: its map node and its vector's heap block.
// The caps and buffered_bytes() count it, so that a flood of 1-byte segments cannot hold a hundred times
// the cap in bookkeeping (make_room charges a segment for every piece it would be split into).
inline constexpr size_t kBufferedPieceOverhead = 128;

// What a half stream needs to deliver and to account: passed per call so the stream itself stays small.
struct DeliveryContext {
  StreamConsumer& consumer;
  ConnectionId id;
  Party from;
  StreamPosition at;
  const CaptureLimits& limits;
  CaptureDiagnostics& diagnostics;
  uint64_t& total_buffered;  // out-of-order bytes over all connections
};

class TcpHalfStream {
 public:
  bool started() const { return started_; }
  // The stream begins with the byte numbered `seq` (the SYN's seq + 1, or the first byte seen).
  void start_at(uint32_t seq);

  // A segment of this direction: `payload` holds the captured bytes, `wire_length` the bytes on the wire
  // (the tail beyond payload.size() is missing from the capture). `fin` = the FIN flag.
  void on_segment(DeliveryContext& ctx, uint32_t seq, std::span<const uint8_t> payload, uint32_t wire_length,
                  bool fin);
  // The other side acknowledged everything before `ack`: bytes up to there reached the receiver, so a hole
  // before it will never be filled by this capture.
  void on_peer_ack(DeliveryContext& ctx, uint32_t ack);
  // The connection ends: give up on every hole, deliver what is buffered, and the FIN if it is reached.
  void flush(DeliveryContext& ctx);
  // Frees the buffers (the connection was closed).
  void release(uint64_t& total_buffered);

  bool fin_delivered() const { return fin_delivered_; }
  // The other side's `ack` acknowledges this direction's delivered FIN, which occupies the sequence
  // number after the last byte (RFC 9293 §3.4).
  bool fin_acknowledged_by(uint32_t ack) const {
    return fin_delivered_ && fin_offset_ && offset_of(ack) == static_cast<int64_t>(*fin_offset_) + 1;
  }
  uint64_t next_offset() const { return next_; }
  uint64_t buffered_bytes() const { return buffered_; }  // bytes + kBufferedPieceOverhead per piece

 private:
  int64_t offset_of(uint32_t seq) const;
  void accept_data(DeliveryContext& ctx, int64_t offset, std::span<const uint8_t> payload, uint64_t wire_end);
  void deliver_in_order(DeliveryContext& ctx, std::span<const uint8_t> bytes, uint64_t wire_end);
  void buffer_out_of_order(DeliveryContext& ctx, uint64_t offset, std::span<const uint8_t> bytes);
  bool make_room(DeliveryContext& ctx, uint64_t offset, size_t incoming);
  uint64_t uncovered_cost(uint64_t offset, size_t size) const;
  void store_uncovered(DeliveryContext& ctx, uint64_t offset, std::span<const uint8_t> bytes);
  void emit(DeliveryContext& ctx, std::span<const uint8_t> bytes);
  void skip_to(uint64_t target);
  // `for_cap`: the hole is given up to keep a buffer cap, not because the capture lacks the bytes.
  void gap_to(DeliveryContext& ctx, uint64_t target, bool for_cap = false);
  bool give_up_first_hole(DeliveryContext& ctx, bool for_cap = false);
  void drain(DeliveryContext& ctx);
  void erase_pending(DeliveryContext& ctx, std::map<uint64_t, std::vector<uint8_t>>::iterator it);

  bool started_ = false;
  bool fin_delivered_ = false;
  uint32_t base_seq_ = 0;    // sequence number of offset 0
  uint64_t next_ = 0;        // offset of the next byte to deliver
  uint64_t skip_ = 0;        // bytes from next_ on that the consumer does not want
  std::optional<uint64_t> fin_offset_;  // where the FIN stands (the offset it occupies)
  // Out-of-order bytes, keyed by offset, never overlapping (first received wins).
  std::map<uint64_t, std::vector<uint8_t>> pending_;
  uint64_t buffered_ = 0;
};

}  // namespace tlsflags::capture
