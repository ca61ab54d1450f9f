#include "tls_connection.hpp"

#include <algorithm>
#include <utility>

#include "tlsflags/core/byte_reader.hpp"

namespace tlsflags::tls {
namespace {

// RFC 8446 §5.1 ContentType.
constexpr uint8_t kChangeCipherSpec = 20;
constexpr uint8_t kAlert = 21;
constexpr uint8_t kHandshake = 22;
constexpr uint8_t kApplicationData = 23;

// TLSPlaintext's length (§5.1: type, legacy_record_version, length), from a header read whole.
size_t record_length_of(std::span<const uint8_t> header) {
  ByteReader reader(header);
  uint8_t type = 0;
  uint16_t version = 0, length = 0;
  return reader.u8(type) && reader.u16(version) && reader.u16(length) ? length : 0;
}

}  // namespace

TlsConnection::TlsConnection(ConnectionTracker& tracker, Timeline timeline)
    : tracker_(tracker), timeline_(std::move(timeline)) {
  client_.party = Party::client;
  server_.party = Party::server;
}

Event& TlsConnection::emit(EventType type, Party from, StreamPosition at) {
  return timeline_.append(type, from, at.frame, at.time);
}

void TlsConnection::stop_unreadable(Direction& d, StreamPosition at) {
  if (!d.marked_unreadable) emit(EventType::unreadable, d.party, at);
  d.marked_unreadable = true;
  d.stopped = true;
}

// ---- the seam -----------------------------------------------------------------------------------

size_t TlsConnection::on_data(Party from, std::span<const uint8_t> data, StreamPosition at) {
  if (preamble_) return on_preamble_data(from, data, at);
  Direction& d = direction(from);
  timeline_.last_frame = std::max(timeline_.last_frame, at.frame);
  // A TLS server speaks only after the ClientHello, and a TLS client starts with one: anything else
  // first is plaintext, which an upgrade to TLS (STARTTLS) may follow.
  const bool plaintext_first = nothing_read_from_client() && !client_hello_hidden_ &&
                               (from == Party::server || (data.size() >= 6 && !starts_client_hello_record(data)));
  if (plaintext_first) {
    preamble_ = std::make_unique<Preamble>();
    return on_preamble_data(from, data, at);
  }
  if (from == Party::server && !client_hello_seen_ && !client_hello_hidden_) dropped_ = true;
  while (!data.empty() && !d.stopped && !dropped_) {
    switch (d.stage) {
      case Direction::Stage::header: consume_header(d, data, at); break;
      case Direction::Stage::whole_body: consume_whole_body(d, data, at); break;
      case Direction::Stage::tail_body: consume_tail_body(d, data, at); break;
    }
  }
  if (d.stopped || dropped_) return kSkipRest;
  if (d.stage == Direction::Stage::tail_body && d.skip_left > 0) {
    // The capture layer drops these bytes unbuffered; the next we see is the record's tail.
    return std::exchange(d.skip_left, 0);
  }
  return 0;
}

// docs/analyser.md "Upgrades": the TLS stream starts where a client chunk starts a ClientHello record
// (the client sends its ClientHello only after the server agreed, so it begins a new chunk); the
// preamble's last client command and the server's greeting say which upgrade it was.
size_t TlsConnection::on_preamble_data(Party from, std::span<const uint8_t> data, StreamPosition at) {
  timeline_.last_frame = std::max(timeline_.last_frame, at.frame);
  Preamble& p = *preamble_;
  if (from == Party::client && starts_client_hello_record(data)) {
    timeline_.upgrade = upgrade_name(p.sample);
    preamble_.reset();
    return on_data(from, data, at);
  }
  if (from == Party::client) {
    p.sample.note_client(data);
    p.client_bytes += data.size();
    ++p.client_chunks;
  } else {
    p.sample.note_server(data);
    p.server_bytes += data.size();
  }
  if (p.client_bytes > Preamble::kMaxClientBytes || p.client_chunks > Preamble::kMaxClientChunks ||
      p.server_bytes > Preamble::kMaxServerBytes) {
    dropped_ = true;  // no TLS within the bounds: another protocol
    return kSkipRest;
  }
  return 0;
}

void TlsConnection::on_gap(Party from, StreamPosition at, bool given_up) {
  // Record boundaries are lost with the missing bytes: nothing after them can be framed. The direction
  // stops at its first gap, so a later one says nothing new and is not recorded (the Timeline stays
  // bounded whatever the producer sends).
  Direction& d = direction(from);
  timeline_.last_frame = std::max(timeline_.last_frame, at.frame);
  if (preamble_) return;  // plaintext bytes missing: the ClientHello record is still looked for
  // A cap gave up the client's first bytes (given_up): whether this was TLS is unknown, and a
  // connection that may be is reported, undecidable, not silently dropped (issue 18).
  const bool first_bytes_given_up = given_up && nothing_read_from_client() && !client_hello_seen_;
  if (from == Party::client && (client_hello_under_way() || first_bytes_given_up)) client_hello_hidden_ = true;
  if (!d.gap_recorded) emit(EventType::gap, from, at).gap_given_up = given_up;
  d.gap_recorded = true;
  stop_silently(d);
}

void TlsConnection::on_fin_or_rst(EventType type, Party from, StreamPosition at) {
  timeline_.last_frame = std::max(timeline_.last_frame, at.frame);
  // The rules look at a party's first FIN and first RST; repeats (which the capture layer already
  // folds once a connection has ended) are not recorded.
  const uint8_t bit = static_cast<uint8_t>((type == EventType::fin ? 1 : 2) << (from == Party::client ? 0 : 2));
  if (ends_recorded_ & bit) return;
  ends_recorded_ |= bit;
  emit(type, from, at);
  // Nothing of the sender's stream follows its FIN (nothing of either stream follows a RST) in what the
  // capture layer delivers, yet the connection lingers for its trailing segments: the record state of
  // the ended stream (cipher contexts, buffers) goes now rather than when the lingering ends.
  release(direction(from));
  if (type == EventType::rst) release(direction(peer_of(from)));
}

void TlsConnection::release(Direction& d) {
  d.protection.release();
  d.early.reset();
  std::vector<uint8_t>().swap(d.record);
  std::vector<uint8_t>().swap(d.handshake);
}

// What the client sent so far is the start of a ClientHello not yet read whole (§5.1 record header of
// type handshake, §4 message type client_hello): the bytes seen agree, whichever byte the stream broke at.
bool TlsConnection::client_hello_under_way() const {
  const Direction& d = client_;
  if (client_hello_seen_ || dropped_ || d.stopped) return false;
  if (!d.handshake.empty()) return d.handshake[0] == static_cast<uint8_t>(HandshakeType::client_hello);
  if (d.saw_record)
    return d.stage == Direction::Stage::whole_body && d.record_type == kHandshake &&
           (d.record.empty() || d.record[0] == static_cast<uint8_t>(HandshakeType::client_hello));
  return d.header_have > 0 && d.header[0] == kHandshake && (d.header_have < 2 || d.header[1] == 3);
}

Timeline TlsConnection::finish(bool capture_ended, StreamPosition at) {
  if (capture_ended) emit(EventType::capture_end, Party::client, at);
  return std::move(timeline_);
}

// ---- record framing (RFC 8446 §5.1) ---------------------------------------------------------------

void TlsConnection::consume_header(Direction& d, std::span<const uint8_t>& data, StreamPosition at) {
  size_t n = std::min(kRecordHeaderSize - d.header_have, data.size());
  std::copy_n(data.begin(), n, d.header.begin() + d.header_have);
  d.header_have += n;
  data = data.subspan(n);
  if (d.header_have == kRecordHeaderSize) begin_record(d, data.size(), at);
}

bool TlsConnection::plausible_header(const Direction& d) const {
  uint8_t type = d.header[0], major = d.header[1];
  if (type < kChangeCipherSpec || type > kApplicationData || major != 3) return false;
  if (d.record_length == 0 || d.record_length > kMaxCiphertextRecord) return false;
  // The client's first record must be a handshake record (its first byte is then checked to start a
  // ClientHello, §4.1.2): this is how TLS is told from other protocols, on any port.
  if (d.party == Party::client && !d.saw_record)
    return type == kHandshake && d.record_length <= kMaxPlaintextRecord;
  return true;
}

void TlsConnection::begin_record(Direction& d, size_t available, StreamPosition at) {
  d.record_type = d.header[0];
  d.record_length = record_length_of(d.header);
  d.header_have = 0;
  if (!plausible_header(d)) {
    if (!d.saw_record) {
      dropped_ = true;  // SSLv2-compatible hellos, other protocols, mid-connection captures
    } else {
      stop_unreadable(d, at);  // record_overflow or garbage: the stream is no longer TLS we can frame
    }
    return;
  }
  d.saw_record = true;
  ++tracker_.stats_.records;
  if (wants_tail_only(d, available)) {
    d.stage = Direction::Stage::tail_body;
    d.skip_left = d.record_length - d.tail_size();
    d.tail_have = 0;
  } else {
    d.stage = Direction::Stage::whole_body;
    d.record.clear();
  }
}

bool TlsConnection::wants_tail_only(const Direction& d, size_t available) const {
  // Bulk application data: once this direction's application keys proved right (its first
  // application_data record was authenticated), a large record that is not already in hand is read
  // only for its last byte, which names its inner content type (§5.2). Records in hand, and small
  // ones (tickets, KeyUpdate, alerts), are read whole.
  return d.keys == KeyPhase::application && d.record_type == kApplicationData && d.saw_application_data &&
         !d.answer_pending &&
         d.protection.installed() && d.record_length > tracker_.options_.small_record &&
         d.record_length > available && d.record_length >= d.tail_size();
}

void TlsConnection::consume_whole_body(Direction& d, std::span<const uint8_t>& data, StreamPosition at) {
  d.stage = Direction::Stage::header;
  if (d.record.empty() && data.size() >= d.record_length) {
    auto body = data.first(d.record_length);  // in hand: no copy
    data = data.subspan(d.record_length);
    process_record(d, body, at);
    return;
  }
  // The buffer grows with the bytes that came, not with the length the header claims: a connection
  // holding 11 bytes of a record costs 11 bytes, not 16 KiB (docs/reliability-limits.md).
  size_t n = std::min(d.record_length - d.record.size(), data.size());
  d.record.insert(d.record.end(), data.begin(), data.begin() + n);
  data = data.subspan(n);
  if (d.record.size() < d.record_length) {
    d.stage = Direction::Stage::whole_body;
    return;
  }
  process_record(d, d.record, at);
  d.record.clear();
}

void TlsConnection::consume_tail_body(Direction& d, std::span<const uint8_t>& data, StreamPosition at) {
  if (d.skip_left > 0) {
    size_t n = std::min(d.skip_left, data.size());
    d.skip_left -= n;
    data = data.subspan(n);
    return;
  }
  size_t n = std::min(d.tail_size() - d.tail_have, data.size());
  std::copy_n(data.begin(), n, d.tail.begin() + d.tail_have);
  d.tail_have += n;
  data = data.subspan(n);
  if (d.tail_have == d.tail_size()) {
    d.stage = Direction::Stage::header;
    finish_tail_record(d, at);
  }
}

void TlsConnection::finish_tail_record(Direction& d, StreamPosition at) {
  size_t last = d.record_length - d.tail_size();
  auto type = d.protection.peek_byte(last, d.tail[0]);
  d.protection.skip_record();
  ++tracker_.stats_.records_peeked;
  if (type == kApplicationData) return;
  if (type == 0) {
    // Padding (§5.4) hides the type and the body is gone; such records are application data in
    // practice (implementations pad data, not a KeyUpdate or an alert).
    ++tracker_.stats_.padded_records_unverified;
    return;
  }
  // A handshake message or alert in a record we skipped, or keys gone wrong: say so and stop.
  stop_unreadable(d, at);
}

// ---- record contents ------------------------------------------------------------------------------

void TlsConnection::process_record(Direction& d, std::span<const uint8_t> body, StreamPosition at) {
  bool message_starts = d.handshake.empty();
  if (d.party == Party::client && !client_hello_seen_ &&
      (d.record_type != kHandshake || (message_starts && body[0] != 1))) {
    dropped_ = true;  // the first handshake message of a TLS client is its ClientHello
    return;
  }
  switch (d.record_type) {
    case kChangeCipherSpec: return;  // §5: middlebox compatibility, ignored
    case kAlert: return process_alerts(d, body, at);  // plaintext alert: before keys, or keyless peer
    case kHandshake:
      if (d.keys != KeyPhase::plaintext) return stop_unreadable(d, at);  // plaintext after keys: §5.1
      return process_handshake_bytes(d, body, at);
    case kApplicationData: return process_protected(d, body, at);
  }
}

bool TlsConnection::skip_as_early_data(Direction& d) {
  // 0-RTT (§4.2.10): the client's early data is protected by the early traffic secret, which is not
  // used; its records are recognised by failing under the handshake key, up to a bound, as
  // Wireshark does.
  if (d.party != Party::client || !client_hello_.offers_early_data) return false;
  if (d.keys == KeyPhase::handshake && d.early_data_trials++ >= tracker_.options_.max_early_data_trials)
    return false;
  if (d.keys == KeyPhase::application) return false;
  ++tracker_.stats_.early_data_records_skipped;
  return true;
}

bool TlsConnection::peeked_application_data(Direction& d, std::span<const uint8_t> body) {
  size_t last = body.size() - d.protection.tag_size() - 1;
  if (d.protection.peek_byte(last, body[last]) != kApplicationData) return false;
  d.protection.skip_record();
  ++tracker_.stats_.records_peeked;
  return true;
}

// 0-RTT (RFC 8446 §4.2.10, §7.1): with the client's early traffic secret, its early data and its
// EndOfEarlyData are read; true when `body` opened under it.
bool TlsConnection::open_as_early_data(Direction& d, std::span<const uint8_t> body, StreamPosition at) {
  if (d.party != Party::client || !client_hello_.offers_early_data || d.early_data_ended ||
      d.keys == KeyPhase::application || !secrets_ || !secrets_->client_early.present() || body.size() <= kAeadTagSize)
    return false;
  std::vector<uint8_t>& scratch = tracker_.scratch_;
  std::optional<size_t> length;
  if (d.early && d.early->installed()) {
    length = d.early->open(d.header_bytes(), body, scratch);
  } else if (install_early_protection(d, body)) {
    return open_as_early_data(d, body, at);
  }
  if (!length) return false;
  ++tracker_.stats_.records_opened;
  auto inner = std::span<const uint8_t>(scratch.data(), *length);
  size_t end = inner.size();
  while (end > 0 && inner[end - 1] == 0) --end;
  if (end > 0 && inner[end - 1] == kApplicationData) return true;  // the early data itself: not an event
  process_inner_plaintext(d, inner, at);
  return true;
}

// The early data's suite is the resumed session's, which the ServerHello repeats when it accepts (§4.2.10)
// but which is not known before: each TLS 1.3 suite whose hash fits the secret's length is tried on the
// first early record, and the one that authenticates it stays.
bool TlsConnection::install_early_protection(Direction& d, std::span<const uint8_t> body) {
  const Secret& secret = secrets_->client_early;
  if (!d.early) d.early = std::make_unique<RecordProtection>();
  for (uint16_t id : {uint16_t{0x1301}, uint16_t{0x1302}, uint16_t{0x1303}, uint16_t{0x1304}, uint16_t{0x1305}}) {
    const CipherSuite* suite = tls13_cipher_suite(id);
    if (!suite || suite->hash_size != secret.bytes().size() || (suite_ && suite_ != suite)) continue;
    d.early->clear();
    if (!d.early->install(*suite, secret.bytes())) continue;
    std::vector<uint8_t>& scratch = tracker_.scratch_;
    if (d.early->open(d.header_bytes(), body, scratch)) {
      // Opened: start again at sequence number 0 so that the caller reads this record for real.
      d.early->clear();
      return d.early->install(*suite, secret.bytes());
    }
  }
  d.early.reset();
  d.early_data_ended = true;  // no suite opens it: treated as before (skipped by trial, §4.2.10)
  return false;
}

void TlsConnection::process_protected(Direction& d, std::span<const uint8_t> body, StreamPosition at) {
  if (open_as_early_data(d, body, at)) return;
  if (d.keys == KeyPhase::plaintext) {
    if (skip_as_early_data(d)) return;
    return stop_unreadable(d, at);
  }
  if (!d.protection.installed() || body.size() <= d.protection.tag_size()) return stop_unreadable(d, at);
  // After the first authenticated application_data record, application data is recognised by its
  // last byte alone; handshake messages, alerts and padded records are opened in full.
  if (d.keys == KeyPhase::application && d.saw_application_data && peeked_application_data(d, body)) return;
  std::vector<uint8_t>& scratch = tracker_.scratch_;
  auto length = d.protection.open(d.header_bytes(), body, scratch);
  if (!length) {
    if (skip_as_early_data(d)) return;
    return stop_unreadable(d, at);
  }
  ++tracker_.stats_.records_opened;
  process_inner_plaintext(d, std::span<const uint8_t>(scratch.data(), *length), at);
}

void TlsConnection::process_inner_plaintext(Direction& d, std::span<const uint8_t> inner, StreamPosition at) {
  // §5.4: TLSInnerPlaintext = content || type || zeros; the type is the last non-zero byte.
  size_t end = inner.size();
  while (end > 0 && inner[end - 1] == 0) --end;
  if (end == 0) return stop_unreadable(d, at);  // all zeros: unexpected_message
  uint8_t type = inner[end - 1];
  auto content = inner.first(end - 1);
  switch (type) {
    case kHandshake:
      if (content.empty()) return stop_unreadable(d, at);  // §5.1: no zero-length handshake fragments
      return process_handshake_bytes(d, content, at);
    case kAlert: return process_alerts(d, content, at);
    case kApplicationData: return note_application_data(d, at);
  }
  stop_unreadable(d, at);
}

void TlsConnection::process_alerts(Direction& d, std::span<const uint8_t> content, StreamPosition at) {
  // §6: struct { AlertLevel level; AlertDescription description; } Alert.
  if (content.empty() || content.size() % 2 != 0) return stop_unreadable(d, at);
  for (size_t i = 0; i < content.size(); i += 2) {
    // Every two bytes are an alert, so without a bound the Timeline would grow with the file. The rules
    // look at a party's first alerts only, and after a fatal alert the sender MUST close (§6.2): what it
    // sends afterwards, and alerts past a handful, are counted in the stats instead of recorded.
    if (d.fatal_alert_sent || d.alerts_recorded >= kMaxAlertEventsPerDirection) {
      ++tracker_.stats_.alerts_not_recorded;
      continue;
    }
    if (!room_for_event(d, at)) return;
    Event& event = emit(EventType::alert, d.party, at);
    event.alert_level = content[i];
    event.alert_description = content[i + 1];
    ++d.alerts_recorded;
    d.fatal_alert_sent = event.alert_level == kAlertLevelFatal;
  }
}

bool TlsConnection::room_for_event(Direction& d, StreamPosition at) {
  if (timeline_.events.size() < kMaxMessageEvents) return true;
  // A stream of thousands of handshake messages is not a real handshake; stop reading it and say so
  // (one `unreadable` event) rather than let the Timeline grow with the file.
  ++tracker_.stats_.timelines_cut;
  stop_unreadable(d, at);
  return false;
}

void TlsConnection::note_application_data(Direction& d, StreamPosition at) {
  // Only the first matters: it shows the party went on after the handshake.
  if (d.saw_application_data) return;
  d.saw_application_data = true;
  emit(EventType::application_data, d.party, at);
}

// ---- handshake messages (§4) --------------------------------------------------------------------

void TlsConnection::process_handshake_bytes(Direction& d, std::span<const uint8_t> content, StreamPosition at) {
  if (d.handshake.empty()) {
    // The common case: whole messages in one record, parsed in place.
    size_t used = process_complete_messages(d, content, at);
    if (!d.stopped && !dropped_) d.handshake.assign(content.begin() + used, content.end());
    return;
  }
  // Appended by resize and copy, not insert(end, ...): GCC 14 at -O3 warns of a false overflow in the
  // inlined range insert (-Wstringop-overflow), which -Werror would turn into a failed build.
  const size_t held = d.handshake.size();
  d.handshake.resize(held + content.size());
  std::copy(content.begin(), content.end(), d.handshake.begin() + static_cast<std::ptrdiff_t>(held));
  size_t used = process_complete_messages(d, d.handshake, at);
  if (!d.stopped && !dropped_) d.handshake.erase(d.handshake.begin(), d.handshake.begin() + used);
}

size_t TlsConnection::process_complete_messages(Direction& d, std::span<const uint8_t> input, StreamPosition at) {
  ByteReader messages(input);
  size_t pos = 0;  // the end of the last whole message
  uint8_t type = 0;
  uint32_t length = 0;
  while (messages.u8(type) && messages.u24(length)) {  // §4 Handshake: msg_type, uint24 length
    if (length > tracker_.options_.max_handshake_message) {
      stop_unreadable(d, at);
      return pos;
    }
    std::span<const uint8_t> body;
    if (!messages.bytes(length, body)) break;  // the rest comes in a later record
    pos = input.size() - messages.remaining();
    Outcome outcome = process_message(d, type, body, at);
    if (outcome == Outcome::stop || d.stopped || dropped_) return pos;
    // §5.1: handshake messages MUST NOT span key changes; a key change ends the record.
    if (outcome == Outcome::keys_changed && pos != input.size()) {
      stop_unreadable(d, at);
      return pos;
    }
  }
  return pos;
}

TlsConnection::Outcome TlsConnection::process_message(Direction& d, uint8_t type, std::span<const uint8_t> body,
                                                      StreamPosition at) {
  const ParseOptions options{tracker_.options_.flags_extension_type};
  Event event;
  event.from = d.party;
  event.frame = at.frame;
  event.time = at.time;
  Outcome outcome = Outcome::go_on;
  bool ok = true;
  switch (static_cast<HandshakeType>(type)) {
    case HandshakeType::client_hello: outcome = on_client_hello(body, event); break;
    case HandshakeType::server_hello: outcome = on_server_hello(body, event); break;
    case HandshakeType::encrypted_extensions: ok = parse_encrypted_extensions(body, options, event); break;
    case HandshakeType::certificate_request: ok = parse_certificate_request(body, options, event); break;
    case HandshakeType::certificate: ok = parse_certificate(body, options, event); break;
    case HandshakeType::compressed_certificate: ok = parse_compressed_certificate(body, options, event); break;
    case HandshakeType::certificate_verify:
      event.type = EventType::certificate_verify;
      ok = parse_certificate_verify(body);
      break;
    case HandshakeType::finished:
      event.type = EventType::finished;
      outcome = on_finished(d, body);
      break;
    case HandshakeType::new_session_ticket: ok = parse_new_session_ticket(body, options, event); break;
    case HandshakeType::key_update:
      event.type = EventType::key_update;
      outcome = on_key_update(d, body);
      break;
    case HandshakeType::end_of_early_data:
      event.type = EventType::end_of_early_data;
      ok = parse_end_of_early_data(body);
      // §4.5: the client's next records are under its handshake traffic secret.
      d.early_data_ended = true;
      d.early.reset();
      break;
    default: return Outcome::go_on;  // not a TLS 1.3 message the rules look at
  }
  if (!ok || outcome == Outcome::stop) {
    if (!dropped_ && !d.stopped) stop_unreadable(d, at);
    return Outcome::stop;
  }
  if (!room_for_event(d, at)) return Outcome::stop;
  note_post_handshake_authentication(d, event);
  timeline_.events.push_back(std::move(event));
  return outcome == Outcome::done ? Outcome::stop : outcome;
}

void TlsConnection::note_post_handshake_authentication(const Direction& d, const Event& event) {
  if (d.keys != KeyPhase::application) return;  // during the handshake the client's flight is read whole
  if (event.type == EventType::certificate_request && d.party == Party::server) client_.answer_pending = true;
  if (event.type == EventType::finished && d.party == Party::client) client_.answer_pending = false;
}

TlsConnection::Outcome TlsConnection::on_client_hello(std::span<const uint8_t> body, Event& event) {
  ClientHelloFacts facts;
  if (!parse_client_hello(body, ParseOptions{tracker_.options_.flags_extension_type}, event, facts))
    return Outcome::stop;
  if (!client_hello_seen_) {
    // §4.1.2: the second ClientHello after a HelloRetryRequest keeps the same random.
    client_hello_ = facts;
    client_hello_seen_ = true;
    secrets_ = tracker_.find_secrets(facts.random);
    timeline_.keys_found = secrets_ && secrets_->has_handshake();
  }
  return Outcome::go_on;
}

TlsConnection::Outcome TlsConnection::on_server_hello(std::span<const uint8_t> body, Event& event) {
  ServerHelloFacts facts;
  if (!parse_server_hello(body, ParseOptions{tracker_.options_.flags_extension_type}, event, facts))
    return Outcome::stop;
  if (facts.hello_retry_request) return Outcome::go_on;  // the client answers in plaintext (§4.1.4)
  server_hello_seen_ = true;
  if (facts.selected_version != kTls13) {
    // TLS 1.2 or older: the ClientHello and ServerHello are all the rules need; nothing is decrypted.
    timeline_.keys_found = false;
    stop_silently(client_);
    stop_silently(server_);
    return Outcome::done;
  }
  // §7.1: from here each side writes under its handshake traffic secret.
  suite_ = tls13_cipher_suite(facts.cipher_suite);
  if (!suite_) note_undecrypted_suite(facts.cipher_suite, event.frame);
  // A TLS 1.3 handshake under way: room for the dozen or so events it brings (an Event is ~470 bytes;
  // growing 1, 2, 4, ... 32 moved each one five times). Not earlier: a flood of ClientHellos that no
  // server answers must stay cheap.
  timeline_.events.reserve(kHandshakeEvents);
  client_.keys = server_.keys = KeyPhase::handshake;
  if (timeline_.keys_found) {
    install(client_, secrets_->client_handshake);
    install(server_, secrets_->server_handshake);
  }
  return Outcome::keys_changed;
}

// A TLS 1.3 suite without a decryptor (tls13_cipher_suite): every protected record will be unreadable,
// and the Timeline and the tracker's stats say why (docs/output.md "Anomalies").
void TlsConnection::note_undecrypted_suite(uint16_t suite, uint64_t frame) {
  timeline_.undecrypted_cipher_suite = suite;
  UndecryptedSuites& seen = tracker_.stats_.undecrypted_suites;
  if (seen.connections++ == 0) seen.first_frame = frame;
  if (std::find(seen.suites.begin(), seen.suites.end(), suite) == seen.suites.end() &&
      seen.suites.size() < UndecryptedSuites::kMaxNamed)
    seen.suites.push_back(suite);
}

bool TlsConnection::install(Direction& d, const Secret& secret) {
  d.protection.clear();
  return suite_ && secret.present() && d.protection.install(*suite_, secret.bytes());
}

TlsConnection::Outcome TlsConnection::on_finished(Direction& d, std::span<const uint8_t> body) {
  if (!parse_finished(body, suite_ ? suite_->hash_size : 0)) return Outcome::stop;
  if (d.keys != KeyPhase::handshake) return Outcome::go_on;
  // §7.1: after its Finished a side writes under application_traffic_secret_0.
  d.keys = KeyPhase::application;
  if (secrets_) {
    install(d, d.party == Party::client ? secrets_->client_traffic_0 : secrets_->server_traffic_0);
  } else {
    d.protection.clear();
  }
  return Outcome::keys_changed;
}

TlsConnection::Outcome TlsConnection::on_key_update(Direction& d, std::span<const uint8_t> body) {
  bool update_requested = false;
  if (!parse_key_update(body, update_requested)) return Outcome::stop;
  // §4.6.3: the sender's next records use the next generation of its application traffic secret.
  if (d.protection.installed() && !d.protection.update_traffic_secret()) d.protection.clear();
  return Outcome::keys_changed;
}

}  // namespace tlsflags::tls
