#include "tlsflags/capture/tcp_flow_table.hpp"

#include <algorithm>
#include <cstring>
#include <tuple>
#include <utility>
#include <vector>

namespace tlsflags::capture {
namespace {

// Connections the index has room for at first (it doubles as needed): small, as a run may read many
// small captures.
constexpr size_t kInitialBuckets = 1u << 10;

uint64_t load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// A multiply-xorshift mix (the finaliser of MurmurHash3): cheap, and spreads every input bit.
uint64_t mix(uint64_t h, uint64_t v) {
  h ^= v;
  h *= 0xff51afd7ed558ccdULL;
  return h ^ (h >> 33);
}

Endpoint endpoint_of(const IpAddress& address, uint16_t port) { return Endpoint{address.to_string(), port}; }

// Ports a TLS server listens on beyond the well-known range (IANA registrations and common habits).
bool is_registered_tls_port(uint16_t port) {
  switch (port) {
    case 443: case 465: case 636: case 853: case 989: case 990: case 992: case 993: case 995:
    case 1443: case 2443: case 3269: case 4433: case 4443: case 5061: case 5223: case 5671: case 5986:
    case 6443: case 6514: case 8443: case 8883: case 9443: case 10443:
      return true;
    default:
      return false;
  }
}

bool is_server_like_port(uint16_t port) { return port < 1024 || is_registered_tls_port(port); }

uint8_t party_bit(Party party) { return static_cast<uint8_t>(1u << static_cast<int>(party)); }

}  // namespace

size_t FlowKeyHash::operator()(const FlowKey& key) const noexcept {
  uint64_t h = 0x9e3779b97f4a7c15ULL;
  h = mix(h, load64(key.low_address.bytes.data()));
  h = mix(h, load64(key.low_address.bytes.data() + 8));
  h = mix(h, load64(key.high_address.bytes.data()));
  h = mix(h, load64(key.high_address.bytes.data() + 8));
  h = mix(h, (uint64_t{key.low_port} << 16) | key.high_port | (uint64_t{key.low_address.version} << 32) |
                 (uint64_t{key.high_address.version} << 40));
  return static_cast<size_t>(h);
}

FlowKey flow_key_of(const TcpSegment& segment) {
  const bool source_low = std::tie(segment.source, segment.source_port) <
                          std::tie(segment.destination, segment.destination_port);
  FlowKey key;
  key.low_address = source_low ? segment.source : segment.destination;
  key.low_port = source_low ? segment.source_port : segment.destination_port;
  key.high_address = source_low ? segment.destination : segment.source;
  key.high_port = source_low ? segment.destination_port : segment.source_port;
  return key;
}

bool source_is_probably_client(uint16_t source_port, uint16_t destination_port) {
  const bool source_server_like = is_server_like_port(source_port);
  const bool destination_server_like = is_server_like_port(destination_port);
  if (source_server_like != destination_server_like) return destination_server_like;
  return source_port > destination_port;  // the higher port is the client's ephemeral one
}

TcpFlowTable::TcpFlowTable(StreamConsumer& consumer, const CaptureLimits& limits, CaptureDiagnostics& diagnostics)
    : consumer_(consumer), limits_(limits), diagnostics_(diagnostics) {
  by_key_.reserve(std::min(kInitialBuckets, std::max<size_t>(limits.max_connections, 1)));
}

TcpFlowTable::~TcpFlowTable() = default;

// ---- FlowIndex ----------------------------------------------------------------------------------

uint64_t TcpFlowTable::FlowIndex::hash_of(const FlowKey& key) { return FlowKeyHash{}(key) | (uint64_t{1} << 63); }

size_t TcpFlowTable::FlowIndex::probe(const FlowKey& key, uint64_t hash) const {
  const size_t mask = slots_.size() - 1;
  size_t i = static_cast<size_t>(hash) & mask;
  while (slots_[i].hash != 0 && !(slots_[i].hash == hash && slots_[i].key == key)) i = (i + 1) & mask;
  return i;
}

void TcpFlowTable::FlowIndex::reserve(size_t entries) {
  size_t slots = 16;
  while (slots < 2 * entries) slots *= 2;
  if (slots > slots_.size()) grow(slots);
}

void TcpFlowTable::FlowIndex::grow(size_t slots) {
  std::vector<Slot> old = std::exchange(slots_, std::vector<Slot>(slots));
  for (const Slot& slot : old)
    if (slot.hash != 0) slots_[probe(slot.key, slot.hash)] = slot;
}

TcpFlowTable::Iterator* TcpFlowTable::FlowIndex::find(const FlowKey& key) {
  if (size_ == 0) return nullptr;
  Slot& slot = slots_[probe(key, hash_of(key))];
  return slot.hash != 0 ? &slot.connection : nullptr;
}

void TcpFlowTable::FlowIndex::insert_or_assign(const FlowKey& key, Iterator connection) {
  if (2 * (size_ + 1) > slots_.size()) grow(std::max<size_t>(16, 2 * slots_.size()));
  const uint64_t hash = hash_of(key);
  Slot& slot = slots_[probe(key, hash)];
  if (slot.hash == 0) ++size_;
  slot = Slot{hash, key, connection};
}

void TcpFlowTable::FlowIndex::erase(const FlowKey& key) {
  if (size_ == 0) return;
  const size_t mask = slots_.size() - 1;
  size_t hole = probe(key, hash_of(key));
  if (slots_[hole].hash == 0) return;
  // Backward shift: an entry after the hole moves into it unless its home slot lies cyclically in
  // (hole, its slot], where a lookup starting at home would still reach it.
  for (size_t j = (hole + 1) & mask; slots_[j].hash != 0; j = (j + 1) & mask) {
    const size_t home = static_cast<size_t>(slots_[j].hash) & mask;
    if (((j - home) & mask) >= ((j - hole) & mask)) {
      slots_[hole] = slots_[j];
      hole = j;
    }
  }
  slots_[hole].hash = 0;
  --size_;
}

void TcpFlowTable::FlowIndex::clear() {
  for (Slot& slot : slots_) slot.hash = 0;
  size_ = 0;
}

// ---- TcpFlowTable -------------------------------------------------------------------------------

DeliveryContext TcpFlowTable::context(Connection& connection, Party from, StreamPosition at) {
  return DeliveryContext{consumer_, connection.id, from, at, limits_, diagnostics_, total_buffered_};
}

void TcpFlowTable::on_segment(const TcpSegment& segment, StreamPosition at) {
  end_idle_lingering(at);
  forget_old_closed(at.time);
  const FlowKey key = flow_key_of(segment);
  Iterator* const found = by_key_.find(key);
  Iterator connection;
  if (found == nullptr) {
    // A bare ACK, FIN or RST of a flow never seen carries nothing to analyse; opening a connection for it
    // would only invent one (the last ACK of a connection that closed before the capture began).
    if (!segment.has(tcp_flag::syn) && segment.payload_length == 0) {
      diagnostics_.segments_without_connection.note(at.frame);
      return;
    }
    connection = open_connection(segment, key, at);
  } else {
    connection = *found;
    if (starts_new_connection(*connection, segment)) {
      if (connection->state == State::open) {
        diagnostics_.port_reuses.note(at.frame);
        close(connection, false, at);
      } else if (connection->state == State::ending) {
        end_lingering(connection, at);
      }
      by_key_.erase(key);
      closed_.erase(connection);
      connection = open_connection(segment, key, at);
    } else if (connection->state == State::closed) {
      diagnostics_.segments_after_close.note(at.frame);
      return;
    }
  }
  touch(connection, at);
  if (connection->state == State::ending) {
    handle_trailing(*connection, segment, at);
  } else {
    handle_segment(*connection, segment, at);
    if (segment.has(tcp_flag::rst) || (connection->half[0].fin_delivered() && connection->half[1].fin_delivered())) {
      begin_ending(connection, at);
    }
  }
  // The last ACK of an orderly close is the connection's last segment: no need to wait for more.
  if (connection->state == State::ending && closed_cleanly(*connection)) end_lingering(connection, at);
}

// Both FINs delivered and acknowledged, and no RST: each side has received all the other sent.
bool TcpFlowTable::closed_cleanly(const Connection& connection) {
  constexpr uint8_t both = 0b11;
  return connection.rsts == 0 && connection.fins_acked == both;
}

void TcpFlowTable::note_fin_acknowledgement(Connection& connection, Party from, const TcpSegment& segment) {
  const Party to = peer_of(from);
  if (segment.has(tcp_flag::ack) && connection.half[static_cast<int>(to)].fin_acknowledged_by(segment.ack))
    connection.fins_acked |= party_bit(to);
}

void TcpFlowTable::advance_to(StreamPosition now) {
  end_idle_lingering(now);
  forget_old_closed(now.time);
}

// RFC 9293 §3.5: a SYN without ACK opens a connection. The same ISN from the same client is that SYN
// retransmitted; anything else on a known 4-tuple is the port reused for a new connection.
bool TcpFlowTable::starts_new_connection(const Connection& connection, const TcpSegment& segment) const {
  if (!segment.has(tcp_flag::syn) || segment.has(tcp_flag::ack)) return false;
  const bool from_client = segment.source_port == connection.client_port && segment.source == connection.client_address;
  return !(from_client && connection.client_isn_known && segment.seq == connection.client_isn);
}

TcpFlowTable::Iterator TcpFlowTable::open_connection(const TcpSegment& segment, const FlowKey& key,
                                                     StreamPosition at) {
  evict_if_full(at);
  const bool syn = segment.has(tcp_flag::syn);
  const bool ack = segment.has(tcp_flag::ack);
  // SYN: its sender is the client. SYN-ACK (the SYN was not captured): its receiver is. Either way the
  // capture shows the connection's start. Otherwise the ports have to tell.
  const bool saw_start = syn;
  const bool source_is_client = syn ? !ack : source_is_probably_client(segment.source_port, segment.destination_port);
  if (!saw_start) diagnostics_.mid_stream_connections.note(at.frame);

  open_.emplace_front();
  Connection& connection = open_.front();
  connection.key = key;
  connection.id = next_id_++;
  connection.client_address = source_is_client ? segment.source : segment.destination;
  connection.client_port = source_is_client ? segment.source_port : segment.destination_port;
  connection.last_seen = at.time;
  connection.last = at;
  by_key_.insert_or_assign(key, open_.begin());
  diagnostics_.peak_open_connections = std::max<uint64_t>(diagnostics_.peak_open_connections, open_.size());

  const IpAddress& server_address = source_is_client ? segment.destination : segment.source;
  const uint16_t server_port = source_is_client ? segment.destination_port : segment.source_port;
  consumer_.on_open(connection.id, endpoint_of(connection.client_address, connection.client_port),
                    endpoint_of(server_address, server_port), saw_start, at);
  return open_.begin();
}

Party TcpFlowTable::sender_of(const Connection& connection, const TcpSegment& segment) const {
  const bool from_client = segment.source_port == connection.client_port && segment.source == connection.client_address;
  return from_client ? Party::client : Party::server;
}

void TcpFlowTable::handle_segment(Connection& connection, const TcpSegment& segment, StreamPosition at) {
  const Party from = sender_of(connection, segment);
  const Party to = peer_of(from);
  if (segment.has(tcp_flag::syn)) handle_syn(connection, from, segment);
  if (segment.has(tcp_flag::rst)) {
    // RFC 9293 §3.10.7: a reset ends the connection for both sides. Whatever was buffered is delivered
    // (around its holes) before the RST; data in the RST itself is diagnostic text, not stream bytes.
    for (Party party : {Party::client, Party::server}) {
      DeliveryContext ctx = context(connection, party, at);
      connection.half[static_cast<int>(party)].flush(ctx);
    }
    connection.rsts |= party_bit(from);
    consumer_.on_rst(connection.id, from, at);
    return;
  }
  if (segment.has(tcp_flag::ack)) {
    DeliveryContext ctx = context(connection, to, at);
    connection.half[static_cast<int>(to)].on_peer_ack(ctx, segment.ack);
    note_fin_acknowledgement(connection, from, segment);
  }
  if (segment.payload_length > 0 || segment.has(tcp_flag::fin)) {
    // The SYN occupies one sequence number; data in a SYN (TCP Fast Open, RFC 7413) follows it.
    const uint32_t data_seq = segment.has(tcp_flag::syn) ? segment.seq + 1 : segment.seq;
    DeliveryContext ctx = context(connection, from, at);
    connection.half[static_cast<int>(from)].on_segment(ctx, data_seq, segment.payload, segment.payload_length,
                                                       segment.has(tcp_flag::fin));
  }
}

void TcpFlowTable::handle_syn(Connection& connection, Party from, const TcpSegment& segment) {
  if (from == Party::client && !segment.has(tcp_flag::ack) && !connection.client_isn_known) {
    connection.client_isn_known = true;
    connection.client_isn = segment.seq;
  }
  TcpHalfStream& half = connection.half[static_cast<int>(from)];
  if (!half.started()) half.start_at(segment.seq + 1);
}

// A segment after the connection ended. Wireshark's tcp.stream still counts it, and the FIN or RST it
// may carry is how the peer answered the end (a server closing after the client's RST): one event per
// party and kind, so a storm of resets cannot grow a timeline. Its data is not stream data: the
// receiver had discarded the connection.
void TcpFlowTable::handle_trailing(Connection& connection, const TcpSegment& segment, StreamPosition at) {
  const Party from = sender_of(connection, segment);
  const uint8_t bit = party_bit(from);
  if (segment.payload_length > 0) diagnostics_.segments_after_close.note(at.frame);
  const bool fin_known = connection.half[static_cast<int>(from)].fin_delivered() || (connection.trailing_fins & bit);
  if (segment.has(tcp_flag::fin) && !fin_known) {
    connection.trailing_fins |= bit;
    consumer_.on_fin(connection.id, from, at);
  }
  if (segment.has(tcp_flag::rst) && !(connection.rsts & bit)) {
    connection.rsts |= bit;
    consumer_.on_rst(connection.id, from, at);
  }
  note_fin_acknowledgement(connection, from, segment);
}

void TcpFlowTable::flush_and_release(Connection& connection, StreamPosition at) {
  for (Party party : {Party::client, Party::server}) {
    DeliveryContext ctx = context(connection, party, at);
    connection.half[static_cast<int>(party)].flush(ctx);
  }
  for (TcpHalfStream& half : connection.half) half.release(total_buffered_);
}

// on_close, and the connection joins the remembered closed ones.
void TcpFlowTable::report_close(Iterator connection, bool capture_ended, StreamPosition at) {
  ConnectionList& from = list_of(*connection);
  consumer_.on_last_segment(connection->id, connection->last);
  consumer_.on_close(connection->id, capture_ended, at);
  connection->state = State::closed;
  closed_.splice(closed_.begin(), from, connection);
}

// An open connection closed before it ended by itself (port reuse, eviction, capture end).
void TcpFlowTable::close(Iterator connection, bool capture_ended, StreamPosition at) {
  flush_and_release(*connection, at);
  connection->last_seen = at.time;
  report_close(connection, capture_ended, at);
}

// RST or both FINs: the buffers go now, on_close once the trailing segments had their chance.
void TcpFlowTable::begin_ending(Iterator connection, StreamPosition at) {
  flush_and_release(*connection, at);
  connection->state = State::ending;
  ending_.splice(ending_.begin(), open_, connection);
  if (ending_.size() > limits_.max_ending_connections) end_lingering(std::prev(ending_.end()), at);
}

// `at` is now (positions handed to the consumer never go back); on_last_segment said where it ended.
void TcpFlowTable::end_lingering(Iterator connection, StreamPosition at) { report_close(connection, false, at); }

TcpFlowTable::ConnectionList& TcpFlowTable::list_of(const Connection& connection) {
  switch (connection.state) {
    case State::open: return open_;
    case State::ending: return ending_;
    case State::closed: break;
  }
  return closed_;
}

void TcpFlowTable::touch(Iterator connection, StreamPosition at) {
  connection->last_seen = at.time;
  connection->last = at;
  ConnectionList& list = list_of(*connection);
  if (connection != list.begin()) list.splice(list.begin(), list, connection);
}

void TcpFlowTable::end_idle_lingering(StreamPosition now) {
  while (!ending_.empty() && ending_.back().last_seen + limits_.ending_linger_seconds < now.time) {
    end_lingering(std::prev(ending_.end()), now);
  }
}

void TcpFlowTable::evict_if_full(StreamPosition at) {
  if (open_.empty() || open_.size() < std::max<size_t>(limits_.max_connections, 1)) return;
  diagnostics_.connections_evicted.note(at.frame);
  close(std::prev(open_.end()), false, at);
}

void TcpFlowTable::forget_old_closed(double now) {
  while (!closed_.empty() && (closed_.size() > limits_.max_closed_connections_remembered ||
                              closed_.back().last_seen + limits_.closed_connection_memory_seconds < now)) {
    by_key_.erase(closed_.back().key);
    closed_.pop_back();
  }
}

void TcpFlowTable::finish(StreamPosition last) {
  std::vector<Iterator> still_open;
  still_open.reserve(open_.size() + ending_.size());
  for (auto it = open_.begin(); it != open_.end(); ++it) still_open.push_back(it);
  for (auto it = ending_.begin(); it != ending_.end(); ++it) still_open.push_back(it);
  std::sort(still_open.begin(), still_open.end(), [](Iterator a, Iterator b) { return a->id < b->id; });
  for (Iterator connection : still_open) {
    // A connection that ended by itself did not see the capture end.
    if (connection->state == State::ending) {
      end_lingering(connection, last);
    } else {
      close(connection, true, last);
    }
  }
  by_key_.clear();
  closed_.clear();
}

}  // namespace tlsflags::capture
