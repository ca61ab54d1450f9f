// The TLS layer of the analyser: a StreamConsumer (the capture/TLS seam) that turns each TCP
// connection's two byte streams into a core Timeline (docs/architecture.md).
//
//   KeyLog keys;  keys.add_file("capture.keys");
//   ConnectionTracker tracker({.file = "capture.pcapng"}, [&](Timeline&& t) { judge(t); }, &keys);
//   capture_reader.read("capture.pcapng", tracker);   // calls on_secrets/on_open/on_data/.../on_close
//
// TLS is recognised by content on any port: the client's first record must be a handshake record
// holding a ClientHello; anything else is dropped at once (no Timeline, counted in stats()). A
// Timeline is handed to the sink when its connection closes (on_close, or close_all()).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "tlsflags/capture/stream_consumer.hpp"
#include "tlsflags/core/events.hpp"
#include "tlsflags/tls/keylog.hpp"

namespace tlsflags::tls {

// Returned by on_data when a direction needs nothing more: the capture layer drops the rest unbuffered.
inline constexpr size_t kSkipRest = size_t{1} << 62;

struct TrackerOptions {
  std::string file;                                        // Timeline::file
  uint16_t flags_extension_type = kTlsFlagsExtensionType;  // 62, or 65025 for Cloudflare's experiment
  size_t max_handshake_message = 256 * 1024;               // larger declared lengths are malformed
  size_t max_early_data_trials = 64;  // 0-RTT records skipped by failed trial under the handshake key
  // After a direction's first application_data record, protected records up to this size are still
  // read whole (a NewSessionTicket carrying a client certificate can be a few KiB); larger ones only
  // have their header and last byte read, the rest skipped.
  size_t small_record = 8 * 1024;
};

// Connections whose ServerHello selected a TLS 1.3 cipher suite that is not decrypted.
struct UndecryptedSuites {
  static constexpr size_t kMaxNamed = 8;  // distinct suite ids kept for the message
  uint64_t connections = 0;
  uint64_t first_frame = 0;     // the first such ServerHello
  std::vector<uint16_t> suites;  // in the order met
};

struct TrackerStats {
  uint64_t connections = 0;              // on_open calls
  uint64_t tls_connections = 0;          // Timelines handed over
  uint64_t non_tls_connections = 0;      // dropped without a Timeline
  uint64_t records = 0;                  // record headers read
  uint64_t records_opened = 0;           // authenticated and decrypted
  uint64_t records_peeked = 0;           // inner type learnt from the last byte, body not decrypted
  uint64_t early_data_records_skipped = 0;
  uint64_t padded_records_unverified = 0;  // skipped record whose last byte was padding
  uint64_t alerts_not_recorded = 0;  // after a party's fatal alert, or past its first 8 (no events)
  uint64_t timelines_cut = 0;        // directions marked unreadable at 1000 message and alert events
  UndecryptedSuites undecrypted_suites;
  uint64_t client_hellos_hidden = 0;  // connections reported whose ClientHello a gap or the end cut
  uint64_t client_hellos_hidden_first_frame = 0;
};

class TlsConnection;  // one connection's state (src/tls_connection.hpp)

class ConnectionTracker final : public capture::StreamConsumer {
 public:
  using TimelineSink = std::function<void(Timeline&&)>;

  // `shared_keys` (optional, must outlive the tracker) holds the -k / SSLKEYLOGFILE secrets; secrets
  // from the capture's own DSBs (on_secrets) are kept by the tracker and looked up first.
  ConnectionTracker(TrackerOptions options, TimelineSink sink, const KeyLog* shared_keys = nullptr);
  ~ConnectionTracker() override;
  ConnectionTracker(const ConnectionTracker&) = delete;
  ConnectionTracker& operator=(const ConnectionTracker&) = delete;

  void on_secrets(std::string_view nss_key_log_text) override;
  void on_capture_start(double epoch_seconds) override { capture_start_epoch_ = epoch_seconds; }
  void on_open(capture::ConnectionId id, const Endpoint& client, const Endpoint& server, bool saw_syn,
               capture::StreamPosition at) override;
  size_t on_data(capture::ConnectionId id, Party from, std::span<const uint8_t> data,
                 capture::StreamPosition at) override;
  void on_gap(capture::ConnectionId id, Party from, uint64_t missing_bytes, capture::StreamPosition at) override;
  void on_hole_given_up(capture::ConnectionId id, Party from, uint64_t missing_bytes, capture::StreamPosition at) override;
  void on_fin(capture::ConnectionId id, Party from, capture::StreamPosition at) override;
  void on_rst(capture::ConnectionId id, Party from, capture::StreamPosition at) override;
  void on_last_segment(capture::ConnectionId id, capture::StreamPosition last) override;
  void on_close(capture::ConnectionId id, bool capture_ended, capture::StreamPosition at) override;

  // Hands over every connection still open (for a producer that ends without on_close).
  void close_all(bool capture_ended, capture::StreamPosition at);

  const TrackerStats& stats() const { return stats_; }
  const KeyLog& capture_secrets() const { return capture_keys_; }  // warnings of DSB secrets
  size_t open_connections() const { return connections_.size(); }
  // The smallest Timeline::first_frame of a connection still open (none: nothing is open). Every
  // Timeline the sink gets later starts at this frame or after it, which is what lets a caller report
  // connections in first_frame order as they end instead of keeping them all to sort at the end.
  std::optional<uint64_t> earliest_open_frame() const;

 private:
  TlsConnection* find(capture::ConnectionId id);
  void drop(capture::ConnectionId id);
  void forget(capture::ConnectionId id);  // takes the connection out of connections_ and open_frames_
  const ConnectionSecrets* find_secrets(std::span<const uint8_t> client_random) const;

  TrackerOptions options_;
  TimelineSink sink_;
  const KeyLog* shared_keys_;
  KeyLog capture_keys_;
  TrackerStats stats_;
  double capture_start_epoch_ = 0;  // Timeline::capture_start_epoch of every connection
  std::vector<uint8_t> scratch_;  // decrypted records; one record at a time, so one buffer for all
  std::unordered_map<capture::ConnectionId, std::unique_ptr<TlsConnection>> connections_;
  // The first frames of connections_, for earliest_open_frame(): by id, and ordered.
  std::unordered_map<capture::ConnectionId, uint64_t> first_frames_;
  std::multiset<uint64_t> open_frames_;

  friend class TlsConnection;
};

}  // namespace tlsflags::tls
