#include "tlsflags/quic/udp_tracker.hpp"

#include <algorithm>

#include "dtls_connection.hpp"
#include "packet_protection.hpp"
#include "quic_connection.hpp"
#include "quic_packet.hpp"

namespace tlsflags::quic {
namespace {

// RFC 9000 §14.1: a client pads every datagram with an Initial to 1200 octets. A long header of an unknown
// version is counted as QUIC only in a datagram that size (or on a 4-tuple already read as QUIC), so that
// other UDP protocols are not taken for it.
constexpr size_t kMinInitialDatagram = 1200;
constexpr uint16_t kHttpsPort = 443;  // HTTP/3 (RFC 9114 §3.1): short headers of no known connection here are counted

std::string endpoint_key(const capture::IpAddress& address, uint16_t port) {
  std::string key(reinterpret_cast<const char*>(address.bytes.data()), address.bytes.size());
  key.push_back(static_cast<char>(address.version));
  key.push_back(static_cast<char>(port >> 8));
  key.push_back(static_cast<char>(port));
  return key;
}

// Both directions of a 4-tuple give the same key.
std::string tuple_key(const capture::UdpDatagram& datagram) {
  std::string source = endpoint_key(datagram.source, datagram.source_port);
  std::string destination = endpoint_key(datagram.destination, datagram.destination_port);
  return source < destination ? source + destination : destination + source;
}

std::string cid_key(std::span<const uint8_t> cid) { return std::string(cid.begin(), cid.end()); }

bool from_endpoint(const capture::UdpDatagram& datagram, const Endpoint& endpoint) {
  return datagram.source_port == endpoint.port && datagram.source.to_string() == endpoint.address;
}

}  // namespace

UdpTracker::UdpTracker(UdpTrackerOptions options, TimelineSink sink, const tls::KeyLog* capture_keys,
                       const tls::KeyLog* shared_keys)
    : options_(std::move(options)),
      sink_(std::move(sink)),
      capture_keys_(capture_keys),
      shared_keys_(shared_keys),
      opener_(std::make_unique<PacketOpener>()) {}

UdpTracker::~UdpTracker() = default;

const tls::ConnectionSecrets* UdpTracker::find_secrets(std::span<const uint8_t> client_random) const {
  if (capture_keys_)
    if (const tls::ConnectionSecrets* found = capture_keys_->find(client_random)) return found;
  return shared_keys_ ? shared_keys_->find(client_random) : nullptr;
}

std::optional<uint64_t> UdpTracker::earliest_open_frame() const {
  if (open_order_.empty()) return std::nullopt;
  return open_order_.begin()->first;
}

Timeline UdpTracker::new_timeline(const capture::UdpDatagram& datagram, capture::StreamPosition at,
                                  Transport transport) const {
  Timeline timeline;
  timeline.file = options_.file;
  timeline.transport = transport;
  timeline.client = {datagram.source.to_string(), datagram.source_port};
  timeline.server = {datagram.destination.to_string(), datagram.destination_port};
  timeline.first_frame = timeline.last_frame = at.frame;
  timeline.saw_connection_start = true;  // opened by the client's first flight
  timeline.capture_start_epoch = capture_start_epoch_;
  return timeline;
}

UdpTracker::Id UdpTracker::open(Entry entry, const capture::UdpDatagram& datagram, capture::StreamPosition at) {
  if (connections_.size() >= options_.max_connections && !open_order_.empty()) {
    stats_.connections_evicted.note(at.frame);
    close(open_order_.begin()->second, false, at);
  }
  const Id id = next_id_++;
  entry.first_frame = at.frame;
  entry.last_seen = at.time;
  entry.tuple = tuple_key(datagram);
  idle_closed_tuples_.erase(entry.tuple);  // a new connection on it: its packets are its own again
  by_tuple_[entry.tuple] = id;
  open_order_.insert({at.frame, id});
  entry.idle_timeout = idle_timeout_seconds(entry);
  if (idle_deadlines_.size() > 2 * connections_.size() + 1024) compact_idle_deadlines();
  idle_deadlines_.push({at.time + entry.idle_timeout, id});
  connections_.emplace(id, std::move(entry));
  return id;
}

UdpTracker::Entry* UdpTracker::find_by_tuple(const capture::UdpDatagram& datagram, Id& id) {
  auto found = by_tuple_.find(tuple_key(datagram));
  if (found == by_tuple_.end()) return nullptr;
  id = found->second;
  return &connections_.at(id);
}

UdpTracker::Entry* UdpTracker::find_by_cid(std::span<const uint8_t> cid, Id& id) {
  if (cid.empty()) return nullptr;
  auto found = by_cid_.find(cid_key(cid));
  if (found == by_cid_.end()) return nullptr;
  id = found->second;
  return &connections_.at(id);
}

void UdpTracker::add_cid(Id id, std::span<const uint8_t> cid, uint64_t frame) {
  auto it = connections_.find(id);
  if (it == connections_.end() || cid.empty()) return;
  std::string key = cid_key(cid);
  if (by_cid_.contains(key)) return;
  if (it->second.cids.size() >= options_.max_connection_ids) return stats_.quic_connection_ids_over_limit.note(frame);
  by_cid_[key] = id;
  it->second.cids.push_back(std::move(key));
  cid_sizes_.insert(cid.size());
}

void UdpTracker::close(Id id, bool capture_ended, capture::StreamPosition at) {
  auto it = connections_.find(id);
  if (it == connections_.end()) return;
  Entry entry = std::move(it->second);
  connections_.erase(it);
  open_order_.erase({entry.first_frame, id});
  if (auto t = by_tuple_.find(entry.tuple); t != by_tuple_.end() && t->second == id) by_tuple_.erase(t);
  for (const std::string& cid : entry.cids) by_cid_.erase(cid);
  Timeline timeline = entry.quic ? entry.quic->finish(capture_ended, at) : entry.dtls->finish(capture_ended, at);
  if (sink_) sink_(std::move(timeline));
}

// Connections that sent CONNECTION_CLOSE are handed over once they stopped lingering, in the order
// they began to close (capture time goes forward, so the front is the first to expire).
void UdpTracker::close_lingering(capture::StreamPosition now) {
  while (!closing_.empty() && now.time - closing_.front().first > options_.closing_linger_seconds) {
    const Id id = closing_.front().second;
    closing_.pop_front();
    close(id, false, now);  // nothing when it was handed over already (evicted)
  }
}

// RFC 9000 §10.1: the smaller nonzero max_idle_timeout of the two endpoints (docs/reliability-limits.md).
double UdpTracker::idle_timeout_seconds(const Entry& entry) const {
  double timeout = options_.idle_timeout_default_seconds;
  if (entry.quic)
    if (const std::optional<uint64_t> negotiated = entry.quic->negotiated_idle_timeout_ms())
      timeout = std::min(static_cast<double>(*negotiated) / 1000, options_.idle_timeout_max_seconds);
  return timeout + options_.idle_grace_seconds;
}

// Connections with no datagram for longer than their idle timeout are handed over. Each has one deadline
// in the queue, computed when it was pushed; a connection heard from since is pushed again with its
// later deadline, so a packet costs nothing here.
void UdpTracker::close_idle(capture::StreamPosition now) {
  while (!idle_deadlines_.empty() && idle_deadlines_.top().first < now.time) {
    const Id id = idle_deadlines_.top().second;
    idle_deadlines_.pop();
    auto it = connections_.find(id);
    if (it == connections_.end()) continue;  // handed over already
    const double deadline = it->second.last_seen + it->second.idle_timeout;
    if (deadline >= now.time) {
      idle_deadlines_.push({deadline, id});
      continue;
    }
    stats_.idle_timeouts.note(it->second.first_frame);
    remember_idle_closed(it->second.tuple);
    close(id, false, now);
  }
}

// The deadlines of connections handed over (evicted, closed) stay queued until they come; a flood of
// short connections would pile them up, so the queue is rebuilt from the open ones when it holds twice
// as many (amortised: each rebuild follows as many pushes as it keeps).
void UdpTracker::compact_idle_deadlines() {
  std::vector<Deadline> live;
  live.reserve(connections_.size());
  for (const auto& [id, entry] : connections_) live.push_back({entry.last_seen + entry.idle_timeout, id});
  idle_deadlines_ = decltype(idle_deadlines_)(std::greater<>(), std::move(live));
}

// The transport parameters just read may shorten the timeout: the connection's deadline moves forward.
void UdpTracker::follow_idle_timeout(Entry& entry, Id id, capture::StreamPosition at) {
  const double timeout = idle_timeout_seconds(entry);
  if (timeout >= entry.idle_timeout) {
    entry.idle_timeout = timeout;  // the queued deadline is pushed back when it comes
    return;
  }
  entry.idle_timeout = timeout;
  idle_deadlines_.push({at.time + timeout, id});
}

void UdpTracker::remember_idle_closed(const std::string& tuple) {
  if (!idle_closed_tuples_.insert(tuple).second) return;
  idle_closed_order_.push_back(tuple);
  if (idle_closed_order_.size() <= options_.max_connections) return;
  idle_closed_tuples_.erase(idle_closed_order_.front());
  idle_closed_order_.pop_front();
}

// A QUIC packet of no open connection on a 4-tuple closed at its idle timeout: the peers went on (RFC
// 9000 §10.1 says they must not); it is counted, not read.
bool UdpTracker::after_idle_timeout(const capture::UdpDatagram& datagram, capture::StreamPosition at) {
  if (!idle_closed_tuples_.contains(tuple_key(datagram))) return false;
  stats_.quic_after_idle_timeout.note(at.frame);
  return true;
}

void UdpTracker::on_capture_end(capture::StreamPosition last) {
  std::vector<Id> ids;
  for (const auto& [first_frame, id] : open_order_) ids.push_back(id);
  for (Id id : ids) close(id, true, last);
}

bool UdpTracker::on_datagram(const capture::UdpDatagram& datagram, capture::StreamPosition at) {
  close_lingering(at);
  close_idle(at);
  if (datagram.payload.empty()) return false;
  const uint8_t first = datagram.payload[0];
  Id id = 0;
  const Entry* known = find_by_tuple(datagram, id);
  // A DTLS record's content type, or any datagram of a DTLS 4-tuple (DTLS 1.3's unified header, RFC 9147 §4).
  if ((first >= 20 && first <= 25) || (known && known->dtls)) return on_dtls(datagram, at);
  return on_quic(datagram, at);
}

bool UdpTracker::on_dtls(const capture::UdpDatagram& datagram, capture::StreamPosition at) {
  Id id = 0;
  Entry* entry = find_by_tuple(datagram, id);
  if (!entry || !entry->dtls) {
    if (!starts_dtls_client_hello(datagram.payload)) return false;
    Timeline timeline = new_timeline(datagram, at, Transport::dtls);
    Entry fresh;
    fresh.dtls = std::make_unique<DtlsConnection>(*this, std::move(timeline));
    id = open(std::move(fresh), datagram, at);
    entry = &connections_.at(id);
    ++stats_.dtls_connections;
  }
  entry->last_seen = at.time;
  const Party from = from_endpoint(datagram, entry->dtls->client()) ? Party::client : Party::server;
  entry->dtls->on_datagram(from, datagram.payload, at);
  return true;
}

// ---- QUIC (RFC 9000 §5.2: packets are matched to connections by Destination Connection ID) ---------

bool UdpTracker::on_quic(const capture::UdpDatagram& datagram, capture::StreamPosition at) {
  const std::span<const uint8_t> payload = datagram.payload;
  PacketHeader header;
  Id id = 0;
  Entry* entry = nullptr;
  if (payload[0] & 0x80) {
    const HeaderResult result = parse_long_header(payload, header);
    if (result == HeaderResult::not_quic) return false;
    entry = find_by_cid(header.dcid, id);
    if (!entry) entry = find_by_tuple(datagram, id);
    if (entry && !entry->quic) return false;  // a DTLS 4-tuple
    const bool sized_like_initial = datagram.payload_length >= kMinInitialDatagram;
    if (result != HeaderResult::ok) {
      if (!entry && !sized_like_initial) return false;
      (result == HeaderResult::unknown_version ? stats_.quic_unknown_version : stats_.quic_malformed).note(at.frame);
      return true;
    }
    if (!entry) {
      if (header.type != PacketType::initial) {
        if (header.type != PacketType::version_negotiation && !after_idle_timeout(datagram, at))
          stats_.quic_without_connection.note(at.frame);
        return header.type != PacketType::version_negotiation || sized_like_initial;
      }
      id = open_quic(datagram, header, at);
      entry = &connections_.at(id);
    }
  } else {
    entry = find_short_header_connection(datagram, id);
    if (!entry) {
      if ((payload[0] & 0x40) && after_idle_timeout(datagram, at)) return true;
      const bool https = datagram.source_port == kHttpsPort || datagram.destination_port == kHttpsPort;
      if (!(payload[0] & 0x40) || !https) return false;
      stats_.quic_without_connection.note(at.frame);
      return true;
    }
  }
  if (datagram.payload.size() < datagram.payload_length) stats_.quic_truncated.note(at.frame);
  entry->last_seen = at.time;
  read_packets(*entry, id, datagram, at);
  follow_idle_timeout(*entry, id, at);
  if (entry->quic->closing() && !entry->closing_since) {
    entry->closing_since = at.time;
    closing_.push_back({at.time, id});
  }
  return true;
}

UdpTracker::Id UdpTracker::open_quic(const capture::UdpDatagram& datagram, const PacketHeader& header,
                                     capture::StreamPosition at) {
  const QuicVersion version = *quic_version_of(header.version);
  Entry fresh;
  const Id id = next_id_;
  fresh.quic = std::make_unique<QuicConnection>(*this, id, new_timeline(datagram, at, Transport::quic), version,
                                                header.dcid);
  fresh.quic->set_client_cid_size(header.scid.size());
  open(std::move(fresh), datagram, at);
  add_cid(id, header.dcid, at.frame);  // the client writes it until it learns the server's (RFC 9000 §7.2)
  add_cid(id, header.scid, at.frame);  // the server writes the client's
  ++stats_.quic_connections;
  return id;
}

// A short header carries no length for its Destination Connection ID: the 4-tuple's connection says it,
// or (after a migration) each length of a connection ID known is tried.
UdpTracker::Entry* UdpTracker::find_short_header_connection(const capture::UdpDatagram& datagram, Id& id) {
  if (Entry* entry = find_by_tuple(datagram, id); entry && entry->quic) return entry;
  for (size_t size : cid_sizes_) {
    if (datagram.payload.size() < 1 + size) continue;
    if (Entry* entry = find_by_cid(datagram.payload.subspan(1, size), id); entry && entry->quic) return entry;
  }
  return nullptr;
}

// RFC 9000 §12.2: a datagram may hold several (coalesced) packets of one connection; a short header
// packet is the last.
void UdpTracker::read_packets(Entry& entry, Id id, const capture::UdpDatagram& datagram, capture::StreamPosition at) {
  QuicConnection& connection = *entry.quic;
  const Party from = from_endpoint(datagram, connection.timeline_.client) ? Party::client : Party::server;
  std::span<const uint8_t> rest = datagram.payload;
  while (!rest.empty()) {
    PacketHeader header;
    const size_t dcid_size = from == Party::client ? connection.server_cid_size() : connection.client_cid_size();
    const HeaderResult result =
        (rest[0] & 0x80) ? parse_long_header(rest, header) : parse_short_header(rest, dcid_size, header);
    if (result != HeaderResult::ok) {
      // Padding after the last packet is allowed (zeros fail the fixed bit); anything else is counted.
      if (result != HeaderResult::not_quic) stats_.quic_malformed.note(at.frame);
      return;
    }
    const std::span<const uint8_t> packet = rest.first(header.packet_size);
    rest = rest.subspan(header.packet_size);
    if (header.type == PacketType::version_negotiation) continue;
    if (header.long_header && from == Party::server && !connection.server_cid_known()) {
      connection.set_server_cid(header.scid.size());
      add_cid(id, header.scid, at.frame);
    }
    if (header.type == PacketType::retry) {
      if (from == Party::server) connection.on_retry(header.scid);
      continue;
    }
    connection.on_packet(from, header, packet, at);
  }
}

}  // namespace tlsflags::quic
