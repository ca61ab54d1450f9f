#include "tlsflags/tls/connection_tracker.hpp"

#include <algorithm>

#include "tls_connection.hpp"

namespace tlsflags::tls {

ConnectionTracker::ConnectionTracker(TrackerOptions options, TimelineSink sink, const KeyLog* shared_keys)
    : options_(std::move(options)),
      sink_(std::move(sink)),
      shared_keys_(shared_keys),
      scratch_(kMaxCiphertextRecord) {}

ConnectionTracker::~ConnectionTracker() = default;

void ConnectionTracker::on_secrets(std::string_view nss_key_log_text) {
  capture_keys_.add_text(nss_key_log_text, "DSB");
}

const ConnectionSecrets* ConnectionTracker::find_secrets(std::span<const uint8_t> client_random) const {
  if (const ConnectionSecrets* found = capture_keys_.find(client_random)) return found;
  return shared_keys_ ? shared_keys_->find(client_random) : nullptr;
}

void ConnectionTracker::on_open(capture::ConnectionId id, const Endpoint& client, const Endpoint& server,
                                bool saw_syn, capture::StreamPosition at) {
  ++stats_.connections;
  Timeline timeline;
  timeline.file = options_.file;
  timeline.client = client;
  timeline.server = server;
  timeline.first_frame = at.frame;
  timeline.last_frame = at.frame;
  timeline.saw_connection_start = saw_syn;
  timeline.capture_start_epoch = capture_start_epoch_;
  forget(id);  // an id is not reused before on_close, but stay consistent if it were
  connections_[id] = std::make_unique<TlsConnection>(*this, std::move(timeline));
  first_frames_[id] = at.frame;
  open_frames_.insert(at.frame);
}

void ConnectionTracker::forget(capture::ConnectionId id) {
  connections_.erase(id);
  auto opened = first_frames_.find(id);
  if (opened == first_frames_.end()) return;
  open_frames_.erase(open_frames_.find(opened->second));
  first_frames_.erase(opened);
}

std::optional<uint64_t> ConnectionTracker::earliest_open_frame() const {
  if (open_frames_.empty()) return std::nullopt;
  return *open_frames_.begin();
}

TlsConnection* ConnectionTracker::find(capture::ConnectionId id) {
  auto it = connections_.find(id);
  return it == connections_.end() ? nullptr : it->second.get();
}

void ConnectionTracker::drop(capture::ConnectionId id) {
  ++stats_.non_tls_connections;
  forget(id);
}

size_t ConnectionTracker::on_data(capture::ConnectionId id, Party from, std::span<const uint8_t> data,
                                  capture::StreamPosition at) {
  TlsConnection* connection = find(id);
  if (!connection) return kSkipRest;  // dropped as not TLS, or never opened
  size_t skip = connection->on_data(from, data, at);
  if (connection->dropped()) drop(id);
  return skip;
}

void ConnectionTracker::on_gap(capture::ConnectionId id, Party from, uint64_t, capture::StreamPosition at) {
  if (TlsConnection* connection = find(id)) connection->on_gap(from, at);
}

void ConnectionTracker::on_hole_given_up(capture::ConnectionId id, Party from, uint64_t, capture::StreamPosition at) {
  if (TlsConnection* connection = find(id)) connection->on_gap(from, at, true);
}

void ConnectionTracker::on_fin(capture::ConnectionId id, Party from, capture::StreamPosition at) {
  if (TlsConnection* connection = find(id)) connection->on_fin_or_rst(EventType::fin, from, at);
}

void ConnectionTracker::on_rst(capture::ConnectionId id, Party from, capture::StreamPosition at) {
  if (TlsConnection* connection = find(id)) connection->on_fin_or_rst(EventType::rst, from, at);
}

// Timeline::last_frame is the connection's last frame as Wireshark's tcp.stream counts it (pure ACKs,
// skipped application data and segments trailing a RST included), not only the last frame read here.
void ConnectionTracker::on_last_segment(capture::ConnectionId id, capture::StreamPosition last) {
  if (TlsConnection* connection = find(id)) connection->note_frame(last);
}

void ConnectionTracker::on_close(capture::ConnectionId id, bool capture_ended, capture::StreamPosition at) {
  auto it = connections_.find(id);
  if (it == connections_.end()) return;
  std::unique_ptr<TlsConnection> connection = std::move(it->second);
  forget(id);
  if (capture_ended) connection->note_capture_end();
  if (!connection->is_tls()) {
    ++stats_.non_tls_connections;  // nothing was said (or not enough to tell it is TLS)
    return;
  }
  ++stats_.tls_connections;
  if (connection->client_hello_hidden() && stats_.client_hellos_hidden++ == 0)
    stats_.client_hellos_hidden_first_frame = connection->first_frame();
  if (sink_) sink_(connection->finish(capture_ended, at));
}

void ConnectionTracker::close_all(bool capture_ended, capture::StreamPosition at) {
  std::vector<capture::ConnectionId> ids;
  ids.reserve(connections_.size());
  for (const auto& [id, connection] : connections_) ids.push_back(id);
  std::sort(ids.begin(), ids.end());  // a stable order for the sink
  for (capture::ConnectionId id : ids) on_close(id, capture_ended, at);
}

}  // namespace tlsflags::tls
