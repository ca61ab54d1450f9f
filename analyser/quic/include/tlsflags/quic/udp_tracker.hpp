// The UDP side of the analyser (docs/architecture.md): QUIC connections (RFC 9000, RFC 9001; QUIC v2,
// RFC 9369) and DTLS handshakes (RFC 6347, RFC 9147) read from datagrams into the same core Timeline the
// TCP path gives, so the one judge and every output apply unchanged.
//
//   UdpTracker udp({.file = path}, sink, &tcp_tracker.capture_secrets(), &keys);
//   ... consumer.on_datagram(datagram, at) → udp.on_datagram(datagram, at); at the end udp.on_capture_end(last)
//
// QUIC is recognised by content on any port: a connection starts at a client Initial packet of a version
// decoded (v1, v2), whose keys come from its Destination Connection ID, so the ClientHello is read
// without a key log. Handshake and 1-RTT keys come from the key log (the TLS labels) or the capture's DSB.
// DTLS is recognised by a plaintext ClientHello record; DTLS 1.2 is reported up to the ServerHello (TLS
// Flags is a TLS 1.3 extension), DTLS 1.3 is reported as seen and not decoded. UDP traffic that looks like
// QUIC or DTLS but cannot be followed is counted (UdpStats), never dropped silently.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "tlsflags/capture/capture_limits.hpp"
#include "tlsflags/capture/stream_consumer.hpp"
#include "tlsflags/core/events.hpp"
#include "tlsflags/tls/keylog.hpp"

namespace tlsflags::quic {

struct UdpTrackerOptions {
  std::string file;                                        // Timeline::file
  uint16_t flags_extension_type = kTlsFlagsExtensionType;  // 62, or 65025 for Cloudflare's experiment
  size_t max_handshake_message = 256 * 1024;               // larger declared lengths are malformed
  size_t max_connections = 65'536;  // QUIC and DTLS connections followed at once; the oldest goes first
  size_t max_connection_ids = 16;   // connection IDs remembered per QUIC connection (NEW_CONNECTION_ID)
  // After a CONNECTION_CLOSE the connection is handed over once this much capture time passed (the peer's
  // own CONNECTION_CLOSE and retransmissions come within it, RFC 9000 §10.2).
  double closing_linger_seconds = 5;
  // RFC 9000 §10.1: a connection with no packet for longer than its idle timeout is closed and judged on
  // what was seen (docs/reliability-limits.md). The idle timeout is the smaller of the two endpoints'
  // nonzero max_idle_timeout transport parameters that are visible (the server's sits in its encrypted
  // EncryptedExtensions), capped at idle_timeout_max_seconds; when none is (or both are 0: no timeout),
  // and for DTLS, it is idle_timeout_default_seconds. idle_grace_seconds is added to it: §10.1's floor of
  // three PTOs is not on the wire.
  double idle_timeout_default_seconds = 300;
  double idle_timeout_max_seconds = 600;
  double idle_grace_seconds = 5;
  size_t crypto_buffer = 256 * 1024;   // out-of-order CRYPTO octets held per stream (RFC 9000 §7.5)
  uint64_t crypto_offset = 1 << 20;    // CRYPTO data beyond this offset is not a handshake
};

// What the UDP side read, and what it saw but could not read: each a count and the first frame.
struct UdpStats {
  uint64_t quic_connections = 0;
  uint64_t dtls_connections = 0;
  uint64_t quic_packets_opened = 0;
  capture::DiagnosticCounter quic_unknown_version;       // long header of a QUIC version not decoded
  capture::DiagnosticCounter quic_without_connection;    // long header packet of no connection followed
  capture::DiagnosticCounter quic_initial_undecryptable; // a client Initial whose keys did not open it
  capture::DiagnosticCounter quic_malformed;             // header or frames that contradict themselves
  capture::DiagnosticCounter quic_truncated;             // datagram cut by the snap length
  capture::DiagnosticCounter quic_zero_rtt_skipped;      // 0-RTT packets (early secrets are not used)
  capture::DiagnosticCounter quic_crypto_over_limit;     // a CRYPTO stream past its buffer or offset cap
  capture::DiagnosticCounter connections_evicted;        // max_connections reached
  capture::DiagnosticCounter idle_timeouts;              // connections closed at their idle timeout
  capture::DiagnosticCounter quic_after_idle_timeout;    // packets of a 4-tuple after its idle timeout
  capture::DiagnosticCounter quic_connection_ids_over_limit;  // NEW_CONNECTION_ID past max_connection_ids
  capture::DiagnosticCounter dtls13_not_decoded;         // DTLS 1.3 handshakes: seen, not decrypted
  capture::DiagnosticCounter dtls_not_decoded;           // DTLS records not read (fragmented hellos, ...)
};

class QuicConnection;
class DtlsConnection;
class PacketOpener;
struct PacketHeader;

class UdpTracker {
 public:
  using TimelineSink = std::function<void(Timeline&&)>;

  // `capture_keys` (the capture's DSB secrets) and `shared_keys` (-k, SSLKEYLOGFILE) are optional and
  // must outlive the tracker; they are looked up in that order.
  UdpTracker(UdpTrackerOptions options, TimelineSink sink, const tls::KeyLog* capture_keys,
             const tls::KeyLog* shared_keys);
  ~UdpTracker();
  UdpTracker(const UdpTracker&) = delete;
  UdpTracker& operator=(const UdpTracker&) = delete;

  void on_capture_start(double epoch_seconds) { capture_start_epoch_ = epoch_seconds; }
  // True when the datagram was read as QUIC or DTLS (or counted as such that could not be read).
  bool on_datagram(const capture::UdpDatagram& datagram, capture::StreamPosition at);
  // Every connection still open is handed over (capture_end).
  void on_capture_end(capture::StreamPosition last);

  const UdpStats& stats() const { return stats_; }
  size_t open_connections() const { return connections_.size(); }
  // Idle-timeout deadlines queued (at most about twice the open connections, plus 1024; the bound tests).
  size_t idle_deadlines_queued() const { return idle_deadlines_.size(); }
  // As tls::ConnectionTracker::earliest_open_frame: the first frame of the oldest connection still open.
  std::optional<uint64_t> earliest_open_frame() const;

 private:
  using Id = uint64_t;
  struct Entry {
    std::unique_ptr<QuicConnection> quic;
    std::unique_ptr<DtlsConnection> dtls;
    uint64_t first_frame = 0;
    std::string tuple;                   // the 4-tuple key it is found by
    std::vector<std::string> cids;       // the connection IDs it is found by
    std::optional<double> closing_since; // a CONNECTION_CLOSE was seen at this capture time
    double last_seen = 0;                // capture time of its last datagram (the idle timeout's start)
    double idle_timeout = 0;             // seconds, grace included (idle_timeout_seconds)
  };

  bool on_quic(const capture::UdpDatagram& datagram, capture::StreamPosition at);
  bool on_dtls(const capture::UdpDatagram& datagram, capture::StreamPosition at);
  Id open(Entry entry, const capture::UdpDatagram& datagram, capture::StreamPosition at);
  Id open_quic(const capture::UdpDatagram& datagram, const PacketHeader& header, capture::StreamPosition at);
  Entry* find_short_header_connection(const capture::UdpDatagram& datagram, Id& id);
  void read_packets(Entry& entry, Id id, const capture::UdpDatagram& datagram, capture::StreamPosition at);
  Entry* find_by_tuple(const capture::UdpDatagram& datagram, Id& id);
  Entry* find_by_cid(std::span<const uint8_t> cid, Id& id);
  void add_cid(Id id, std::span<const uint8_t> cid, uint64_t frame);
  void close(Id id, bool capture_ended, capture::StreamPosition at);
  void close_lingering(capture::StreamPosition now);
  double idle_timeout_seconds(const Entry& entry) const;
  void close_idle(capture::StreamPosition now);
  void follow_idle_timeout(Entry& entry, Id id, capture::StreamPosition at);
  void compact_idle_deadlines();
  void remember_idle_closed(const std::string& tuple);
  bool after_idle_timeout(const capture::UdpDatagram& datagram, capture::StreamPosition at);
  Timeline new_timeline(const capture::UdpDatagram& datagram, capture::StreamPosition at, Transport transport) const;
  const tls::ConnectionSecrets* find_secrets(std::span<const uint8_t> client_random) const;

  UdpTrackerOptions options_;
  TimelineSink sink_;
  const tls::KeyLog* capture_keys_;
  const tls::KeyLog* shared_keys_;
  UdpStats stats_;
  double capture_start_epoch_ = 0;
  Id next_id_ = 1;
  std::unordered_map<Id, Entry> connections_;
  std::unordered_map<std::string, Id> by_tuple_;
  std::unordered_map<std::string, Id> by_cid_;
  std::deque<std::pair<double, Id>> closing_;  // (closing_since, id), in the order they began to close
  using Deadline = std::pair<double, Id>;  // (capture time, id): the earliest the connection may be idle
  std::priority_queue<Deadline, std::vector<Deadline>, std::greater<>> idle_deadlines_;
  std::unordered_set<std::string> idle_closed_tuples_;  // 4-tuples closed at their idle timeout ...
  std::deque<std::string> idle_closed_order_;           // ... the most recent max_connections of them
  std::set<size_t> cid_sizes_;          // the lengths of the connection IDs known (short headers need it)
  std::set<std::pair<uint64_t, Id>> open_order_;  // (first frame, id): eviction and earliest_open_frame
  std::vector<uint8_t> unmasked_;       // one packet at a time: its header without protection
  std::vector<uint8_t> plaintext_;      // ... and its decrypted payload
  std::unique_ptr<PacketOpener> opener_;  // cipher contexts shared by every connection

  friend class QuicConnection;
  friend class DtlsConnection;
};

}  // namespace tlsflags::quic
