// The TCP layer: a flow table keyed by the 4-tuple (both directions map to one connection), connection
// identity per SYN, and two TcpHalfStreams per connection. It can be driven directly with TcpSegments
// (the unit tests do) or by read_capture.
//
// Connection rules:
// - A SYN opens a connection with its sender as the client; a SYN-ACK whose SYN was not captured opens it
//   with the receiver as the client. Both count as the start seen (on_open saw_syn = true).
// - Without either (the capture began mid-connection) the first segment that carries data opens it, the
//   client guessed from the ports (source_is_probably_client), saw_syn = false. Bare ACK/FIN/RST of an
//   unknown flow open nothing (counted).
// - A SYN with another ISN on a known 4-tuple starts a new connection (port reuse); an open old one is
//   closed first. A SYN with the same ISN is a retransmission.
// - A connection ends after both FINs were delivered or at a RST (after on_rst). It then lingers
//   (CaptureLimits::ending_linger_seconds): its trailing segments still count as its own (its last frame;
//   a FIN or RST answering the end becomes on_fin / on_rst, once per party), their data is not delivered
//   (the receiver discarded it). on_close follows when the lingering ends: a new SYN on the 4-tuple, the
//   linger time without a segment, too many lingering (max_ending_connections), or finish — or at once
//   when, without a RST, both FINs are delivered and acknowledged: nothing of the connection is
//   outstanding then (RFC 9293 §3.6), and a later segment is a stray duplicate (segments_after_close).
// - on_close also on port reuse, on eviction (the least recently active connection, when
//   max_connections are open), and at finish (capture_ended) for connections still open.
// - Closed connections are remembered for a while (CaptureLimits) so late segments are not taken for new
//   connections; their buffers are freed at close, so memory follows the connections open at once.
#pragma once

#include <cstdint>
#include <list>
#include <vector>

#include "tlsflags/capture/capture_limits.hpp"
#include "tlsflags/capture/stream_consumer.hpp"
#include "tlsflags/capture/tcp_half_stream.hpp"
#include "tlsflags/capture/tcp_segment.hpp"

namespace tlsflags::capture {

// The 4-tuple with the lower (address, port) first, so both directions give the same key.
struct FlowKey {
  IpAddress low_address;
  IpAddress high_address;
  uint16_t low_port = 0;
  uint16_t high_port = 0;
  bool operator==(const FlowKey&) const = default;
};
struct FlowKeyHash {
  size_t operator()(const FlowKey& key) const noexcept;
};
FlowKey flow_key_of(const TcpSegment& segment);

// Which side of a connection-less 4-tuple is the client, by ports alone: a well-known or registered
// server port marks the server; otherwise the higher port is the client's ephemeral one.
bool source_is_probably_client(uint16_t source_port, uint16_t destination_port);

class TcpFlowTable {
 public:
  TcpFlowTable(StreamConsumer& consumer, const CaptureLimits& limits, CaptureDiagnostics& diagnostics);
  ~TcpFlowTable();
  TcpFlowTable(const TcpFlowTable&) = delete;
  TcpFlowTable& operator=(const TcpFlowTable&) = delete;

  void on_segment(const TcpSegment& segment, StreamPosition at);
  // Capture time went on without a segment (a live capture's idle timeout): lingering connections idle
  // for longer than ending_linger_seconds get their on_close now rather than at the next segment.
  void advance_to(StreamPosition now);
  // The capture ended at `last` (its last frame): every open connection is flushed and closed with
  // capture_ended = true, in the order they were opened.
  void finish(StreamPosition last);

  size_t open_connections() const { return open_.size(); }
  size_t ending_connections() const { return ending_.size(); }
  uint64_t connections_opened() const { return next_id_ - 1; }
  uint64_t buffered_bytes() const { return total_buffered_; }
  size_t closed_connections_remembered() const { return closed_.size(); }

 private:
  // open: segments are reassembled. ending: after RST or both FINs, lingering for trailing segments.
  // closed: on_close was called; remembered so that late segments open nothing.
  enum class State : uint8_t { open, ending, closed };
  struct Connection {
    FlowKey key;
    ConnectionId id = 0;
    IpAddress client_address;
    uint16_t client_port = 0;
    State state = State::open;
    uint8_t trailing_fins = 0;  // bit per Party: a FIN reported from a trailing segment
    uint8_t rsts = 0;           // bit per Party: a RST reported
    uint8_t fins_acked = 0;     // bit per Party: the party's FIN was delivered and its peer acknowledged it
    StreamPosition last;        // the connection's last segment
    bool client_isn_known = false;
    uint32_t client_isn = 0;
    double last_seen = 0;
    TcpHalfStream half[2];  // indexed by Party
  };
  using ConnectionList = std::list<Connection>;
  using Iterator = ConnectionList::iterator;

  // FlowKey -> connection, open addressing with linear probing: a lookup per segment is one probe into
  // a flat array (the node-based unordered_map cost a bucket, a node and a rehash of the next node's key
  // per lookup). At most half full; erasing shifts the following entries back, so there are no
  // tombstones.
  class FlowIndex {
   public:
    void reserve(size_t entries);
    Iterator* find(const FlowKey& key);
    void insert_or_assign(const FlowKey& key, Iterator connection);
    void erase(const FlowKey& key);
    void clear();

   private:
    struct Slot {
      uint64_t hash = 0;  // 0 = empty; a stored hash has its top bit set
      FlowKey key;
      Iterator connection;
    };
    static uint64_t hash_of(const FlowKey& key);
    size_t probe(const FlowKey& key, uint64_t hash) const;  // its slot, or the empty slot ending the run
    void grow(size_t slots);
    std::vector<Slot> slots_;
    size_t size_ = 0;
  };

  Iterator open_connection(const TcpSegment& segment, const FlowKey& key, StreamPosition at);
  bool starts_new_connection(const Connection& connection, const TcpSegment& segment) const;
  Party sender_of(const Connection& connection, const TcpSegment& segment) const;
  void handle_segment(Connection& connection, const TcpSegment& segment, StreamPosition at);
  void handle_syn(Connection& connection, Party from, const TcpSegment& segment);
  void handle_trailing(Connection& connection, const TcpSegment& segment, StreamPosition at);
  void note_fin_acknowledgement(Connection& connection, Party from, const TcpSegment& segment);
  static bool closed_cleanly(const Connection& connection);
  void close(Iterator connection, bool capture_ended, StreamPosition at);
  void begin_ending(Iterator connection, StreamPosition at);
  void end_lingering(Iterator connection, StreamPosition at);
  void flush_and_release(Connection& connection, StreamPosition at);
  void report_close(Iterator connection, bool capture_ended, StreamPosition at);
  ConnectionList& list_of(const Connection& connection);
  void touch(Iterator connection, StreamPosition at);
  void evict_if_full(StreamPosition at);
  void end_idle_lingering(StreamPosition now);
  void forget_old_closed(double now);
  DeliveryContext context(Connection& connection, Party from, StreamPosition at);

  StreamConsumer& consumer_;
  const CaptureLimits& limits_;
  CaptureDiagnostics& diagnostics_;
  ConnectionList open_;    // most recently active first
  ConnectionList ending_;  // most recently active first
  ConnectionList closed_;  // most recently closed first
  FlowIndex by_key_;
  ConnectionId next_id_ = 1;
  uint64_t total_buffered_ = 0;
};

}  // namespace tlsflags::capture
