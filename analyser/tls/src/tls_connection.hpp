// One TCP connection seen as TLS: the record layer of each direction, handshake reassembly, the key
// schedule phases, and the Timeline being built. Internal to tlsflags_tls.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "tlsflags/capture/stream_consumer.hpp"
#include "tlsflags/core/events.hpp"
#include "tlsflags/tls/connection_tracker.hpp"
#include "tlsflags/tls/handshake.hpp"
#include "tlsflags/tls/record_protection.hpp"
#include "tlsflags/tls/upgrade.hpp"

namespace tlsflags::tls {

using capture::StreamPosition;

// Which keys protect a direction's records (RFC 8446 §7.1, §7.3).
enum class KeyPhase : uint8_t { plaintext, handshake, application };

// The record layer of one direction.
struct Direction {
  // The last byte of the plaintext and the AEAD tag: all that is read of a skipped record (at most
  // kTailSize; tail_size() under the installed suite).
  static constexpr size_t kTailSize = 1 + kAeadTagSize;
  // skip_body: a TLS 1.2 application_data record, whose body is not read at all.
  enum class Stage : uint8_t { header, whole_body, tail_body, skip_body };

  Party party = Party::client;
  Stage stage = Stage::header;
  std::array<uint8_t, kRecordHeaderSize> header{};
  size_t header_have = 0;
  uint8_t record_type = 0;
  size_t record_length = 0;
  std::vector<uint8_t> record;  // the body of a record that spans chunks
  size_t skip_left = 0;         // tail_body: bytes before the tail still to skip
  std::array<uint8_t, kTailSize> tail{};
  size_t tail_have = 0;

  std::vector<uint8_t> handshake;  // handshake bytes of an incomplete message
  RecordProtection protection;
  KeyPhase keys = KeyPhase::plaintext;
  bool stopped = false;            // nothing more is read in this direction
  bool marked_unreadable = false;  // the one `unreadable` event of this direction was emitted
  bool saw_application_data = false;
  bool saw_record = false;
  bool gap_recorded = false;  // the one `gap` event of this direction was emitted
  size_t early_data_trials = 0;
  size_t alerts_recorded = 0;     // alert events of this direction in the Timeline
  bool fatal_alert_sent = false;  // alerts after it are not recorded
  // Client: 0-RTT records (RFC 8446 §4.2.10) under client_early_traffic_secret, until EndOfEarlyData.
  // Made only for a client that sends early data and whose early secret is known: every other
  // connection would pay for it (docs/reliability-limits.md, memory per connection).
  std::unique_ptr<RecordProtection> early;
  bool early_data_ended = false;
  // Client: a post-handshake CertificateRequest awaits its answer (RFC 8446 §4.6.2), so every record is
  // read whole until the client's Finished: its Certificate may span segments.
  bool answer_pending = false;
  // TLS 1.2 and older: the sender's records after its ChangeCipherSpec are protected (RFC 5246 §7.1) and
  // not decrypted; their content type alone is recorded (docs/analyser.md "TLS 1.2 and older").
  bool cipher_spec_changed = false;

  std::span<const uint8_t> header_bytes() const { return header; }  // the additional data (§5.2)
  size_t tail_size() const { return 1 + protection.tag_size(); }
};

class TlsConnection {
 public:
  // A party's alerts recorded as events; the rest are counted (TrackerStats::alerts_not_recorded).
  static constexpr size_t kMaxAlertEventsPerDirection = 8;
  // Handshake message and alert events per Timeline. A real handshake has a few dozen; past this the
  // direction is marked unreadable (TrackerStats::timelines_cut). With the markers (one unreadable,
  // gap and application_data per direction, one FIN and one RST per party, capture_end) a Timeline
  // stays under 1024 events.
  static constexpr size_t kMaxMessageEvents = 1000;
  // Events reserved once a TLS 1.3 ServerHello is read: a full handshake with client authentication,
  // tickets, the first application data and closure alerts.
  static constexpr size_t kHandshakeEvents = 20;

  TlsConnection(ConnectionTracker& tracker, Timeline timeline);

  size_t on_data(Party from, std::span<const uint8_t> data, StreamPosition at);
  // `given_up`: the capture layer gave the hole up to keep a buffer cap (its bytes may be in the capture).
  void on_gap(Party from, StreamPosition at, bool given_up = false);
  void on_fin_or_rst(EventType type, Party from, StreamPosition at);
  // The capture ended with the connection open: a ClientHello it cut is hidden (is_tls()).
  void note_capture_end() {
    if (client_hello_under_way()) client_hello_hidden_ = true;
  }
  void note_frame(StreamPosition at) { timeline_.last_frame = std::max(timeline_.last_frame, at.frame); }
  Timeline finish(bool capture_ended, StreamPosition at);
  bool dropped() const { return dropped_; }
  bool client_hello_hidden() const { return client_hello_hidden_ && !client_hello_seen_; }
  uint64_t first_frame() const { return timeline_.first_frame; }
  // A ClientHello was read, or the client's first handshake message was one that could not be.
  // Or the client's first bytes began a ClientHello that a gap or the capture's end cut (its offer is
  // not visible: the connection is reported, undecidable, rather than dropped).
  bool is_tls() const { return client_hello_seen_ || client_hello_hidden_ || client_.marked_unreadable; }

 private:
  // What a handshake message means for the reading that follows it.
  enum class Outcome : uint8_t {
    go_on,
    keys_changed,  // the sender's keys changed: the message must end its record (§5.1)
    done,          // nothing more to read in this connection (SSL 3.0 or an unknown version negotiated)
    stop,          // malformed: this direction stops, marked unreadable
  };

  // Plaintext before the TLS stream (STARTTLS and the like): read until the client starts a ClientHello
  // record at the start of a chunk, within these bounds; beyond them the connection is not TLS.
  struct Preamble {
    static constexpr uint64_t kMaxClientBytes = 16 * 1024;
    static constexpr uint64_t kMaxClientChunks = 64;
    static constexpr uint64_t kMaxServerBytes = 64 * 1024;
    PreambleSample sample;
    uint64_t client_bytes = 0;
    uint64_t client_chunks = 0;
    uint64_t server_bytes = 0;
  };

  Direction& direction(Party party) { return party == Party::client ? client_ : server_; }
  bool nothing_read_from_client() const { return !client_.saw_record && client_.header_have == 0; }
  size_t on_preamble_data(Party from, std::span<const uint8_t> data, StreamPosition at);
  bool client_hello_under_way() const;
  Event& emit(EventType type, Party from, StreamPosition at);
  void stop_unreadable(Direction& d, StreamPosition at);
  void stop_silently(Direction& d) { d.stopped = true; }
  void release(Direction& d);  // the direction's stream ended: frees its record state

  // Record framing.
  void consume_header(Direction& d, std::span<const uint8_t>& data, StreamPosition at);
  void begin_record(Direction& d, size_t available, StreamPosition at);
  bool plausible_header(const Direction& d) const;
  bool wants_tail_only(const Direction& d, size_t available) const;
  void consume_whole_body(Direction& d, std::span<const uint8_t>& data, StreamPosition at);
  void consume_tail_body(Direction& d, std::span<const uint8_t>& data, StreamPosition at);
  void finish_tail_record(Direction& d, StreamPosition at);
  void consume_skip_body(Direction& d, std::span<const uint8_t>& data);

  // Record contents.
  void process_record(Direction& d, std::span<const uint8_t> body, StreamPosition at);
  void process_protected(Direction& d, std::span<const uint8_t> body, StreamPosition at);
  bool skip_as_early_data(Direction& d);
  bool open_as_early_data(Direction& d, std::span<const uint8_t> body, StreamPosition at);
  bool install_early_protection(Direction& d, std::span<const uint8_t> body);
  bool peeked_application_data(Direction& d, std::span<const uint8_t> body);
  void process_inner_plaintext(Direction& d, std::span<const uint8_t> inner, StreamPosition at);
  void process_alerts(Direction& d, std::span<const uint8_t> content, StreamPosition at);
  void on_change_cipher_spec(Direction& d, std::span<const uint8_t> body, StreamPosition at);
  void process_tls12_protected(Direction& d, std::span<const uint8_t> body, StreamPosition at);
  void note_encrypted_alert(Direction& d, StreamPosition at);
  void note_application_data(Direction& d, StreamPosition at);
  bool room_for_event(Direction& d, StreamPosition at);  // false: d was marked unreadable

  // Handshake messages.
  void process_handshake_bytes(Direction& d, std::span<const uint8_t> content, StreamPosition at);
  size_t process_complete_messages(Direction& d, std::span<const uint8_t> input, StreamPosition at);
  Outcome process_message(Direction& d, uint8_t type, std::span<const uint8_t> body, StreamPosition at);
  Outcome on_client_hello(std::span<const uint8_t> body, Event& event);
  void note_post_handshake_authentication(const Direction& d, const Event& event);
  Outcome on_server_hello(std::span<const uint8_t> body, Event& event);
  Outcome process_tls12_message(Direction& d, uint8_t type, std::span<const uint8_t> body, StreamPosition at);
  Outcome on_finished(Direction& d, std::span<const uint8_t> body);
  Outcome on_key_update(Direction& d, std::span<const uint8_t> body);
  bool install(Direction& d, const Secret& secret);
  void note_undecrypted_suite(uint16_t suite, uint64_t frame);

  ConnectionTracker& tracker_;
  Timeline timeline_;
  Direction client_;
  Direction server_;
  bool dropped_ = false;
  bool client_hello_seen_ = false;
  bool server_hello_seen_ = false;
  bool client_hello_hidden_ = false;  // see is_tls()
  uint16_t tls12_version_ = 0;  // TLS 1.2, 1.1 or 1.0 as the ServerHello selected (0: not one of them)
  std::unique_ptr<Preamble> preamble_;  // set while the connection is in its plaintext preamble
  uint8_t ends_recorded_ = 0;  // FIN and RST events recorded, a bit per party and kind
  ClientHelloFacts client_hello_;
  const CipherSuite* suite_ = nullptr;
  const ConnectionSecrets* secrets_ = nullptr;
};

}  // namespace tlsflags::tls
