#include "quic_connection.hpp"

#include <algorithm>

#include "tlsflags/quic/udp_tracker.hpp"

namespace tlsflags::quic {
namespace {

constexpr uint64_t kNoError = 0x00;  // RFC 9000 §20.1

Space space_of(PacketType type) {
  switch (type) {
    case PacketType::initial: return Space::initial;
    case PacketType::handshake: return Space::handshake;
    default: return Space::application;
  }
}

size_t index_of(Space space) { return static_cast<size_t>(space); }

}  // namespace

// The frames of one decrypted packet, with what they belong to.
class QuicConnection::Frames final : public FrameVisitor {
 public:
  Frames(QuicConnection& connection, Direction& d, Space space, StreamPosition at)
      : connection_(connection), d_(d), space_(space), at_(at) {}
  void on_crypto(uint64_t offset, std::span<const uint8_t> data) override {
    connection_.on_crypto(d_, space_, offset, data, at_);
  }
  void on_connection_close(uint64_t error_code, bool application) override {
    connection_.on_connection_close(d_, error_code, application, at_);
  }
  void on_new_connection_id(std::span<const uint8_t> connection_id) override {
    connection_.tracker_.add_cid(connection_.id_, connection_id);
  }
  void on_application_data() override { connection_.on_application_data(d_, at_); }

 private:
  QuicConnection& connection_;
  Direction& d_;
  Space space_;
  StreamPosition at_;
};

QuicConnection::QuicConnection(UdpTracker& tracker, uint64_t id, Timeline timeline, QuicVersion version,
                               std::span<const uint8_t> client_dcid)
    : tracker_(tracker), id_(id), timeline_(std::move(timeline)), version_(version) {
  client_.party = Party::client;
  server_.party = Party::server;
  derive_initial_keys(version_, client_dcid, client_.keys[0], server_.keys[0]);
}

void QuicConnection::on_retry(std::span<const uint8_t> retry_scid) {
  // The client's next Initial uses the Retry's SCID as its DCID, and both sides' Initial keys follow it.
  derive_initial_keys(version_, retry_scid, client_.keys[0], server_.keys[0]);
  client_.largest[0] = server_.largest[0] = -1;
}

Event& QuicConnection::emit(EventType type, Party from, StreamPosition at) {
  return timeline_.append(type, from, at.frame, at.time);
}

void QuicConnection::stop_unreadable(Direction& d, StreamPosition at) {
  if (!d.marked_unreadable) emit(EventType::unreadable, d.party, at);
  d.marked_unreadable = true;
  d.stopped = true;
}

bool QuicConnection::room_for_event(Direction& d, StreamPosition at) {
  if (timeline_.events.size() < kMaxMessageEvents) return true;
  stop_unreadable(d, at);
  return false;
}

Timeline QuicConnection::finish(bool capture_ended, StreamPosition at) {
  if (capture_ended) emit(EventType::capture_end, Party::client, at);
  return std::move(timeline_);
}

// ---- packets (RFC 9001 §5) ----------------------------------------------------------------------

const PacketKeys* QuicConnection::keys_for_phase(Direction& d, bool phase) {
  PacketKeys& current = d.keys[index_of(Space::application)];
  if (phase == d.key_phase || !current.installed()) return &current;
  if (!d.next_phase.installed() && !derive_next_phase(version_, current, d.next_phase)) return nullptr;
  return &d.next_phase;
}

std::optional<size_t> QuicConnection::open_packet(Direction& d, Space space, const PacketHeader& header,
                                                  std::span<const uint8_t> packet,
                                                  std::span<const uint8_t>& payload) {
  // §5.4.2: the sample starts 4 octets after the start of the packet number.
  if (packet.size() < header.pn_offset + 4 + kHeaderProtectionSample) return std::nullopt;
  std::vector<uint8_t>& unmasked = tracker_.unmasked_;
  unmasked.assign(packet.begin(), packet.end());
  const PacketKeys* keys = &d.keys[index_of(space)];
  std::array<uint8_t, 5> mask{};
  const auto sample = std::span(unmasked).subspan(header.pn_offset + 4).first<kHeaderProtectionSample>();
  if (!tracker_.opener_->header_mask(*keys, sample, mask)) return std::nullopt;
  // §5.4.1: the low 4 (long) or 5 (short) bits of the first octet, then the packet number.
  unmasked[0] ^= mask[0] & (header.long_header ? 0x0f : 0x1f);
  const size_t pn_length = (unmasked[0] & 0x03u) + 1;
  uint64_t truncated = 0;
  for (size_t i = 0; i < pn_length; ++i) {
    unmasked[header.pn_offset + i] ^= mask[1 + i];
    truncated = (truncated << 8) | unmasked[header.pn_offset + i];
  }
  const size_t header_size = header.pn_offset + pn_length;
  if (space == Space::application && !header.long_header) {
    keys = keys_for_phase(d, (unmasked[0] & 0x04) != 0);  // §6: the key phase bit
    if (!keys) return std::nullopt;
  }
  const uint64_t number = decode_packet_number(d.largest[index_of(space)], truncated, pn_length);
  std::vector<uint8_t>& plaintext = tracker_.plaintext_;
  plaintext.resize(packet.size());
  const auto opened = tracker_.opener_->open(*keys, number, std::span(unmasked).first(header_size),
                                             std::span(unmasked).subspan(header_size), plaintext);
  if (!opened) return std::nullopt;
  if (keys == &d.next_phase) {  // the peer moved to the next key phase
    d.keys[index_of(Space::application)] = d.next_phase;
    d.next_phase = PacketKeys{};
    d.key_phase = !d.key_phase;
  }
  d.largest[index_of(space)] = std::max<int64_t>(d.largest[index_of(space)], static_cast<int64_t>(number));
  payload = std::span<const uint8_t>(plaintext.data(), *opened);
  return opened;
}

void QuicConnection::on_packet(Party from, const PacketHeader& header, std::span<const uint8_t> packet,
                               StreamPosition at) {
  timeline_.last_frame = std::max(timeline_.last_frame, at.frame);
  if (header.type == PacketType::zero_rtt) return tracker_.stats_.quic_zero_rtt_skipped.note(at.frame);
  Direction& d = direction(from);
  const Space space = space_of(header.type);
  if (!d.keys[index_of(space)].installed()) {
    // Protected by keys this connection does not have (no key log for it): the party's handshake
    // goes on out of sight.
    if (space != Space::initial) stop_unreadable(d, at);
    return;
  }
  std::span<const uint8_t> payload;
  if (!open_packet(d, space, header, packet, payload)) {
    if (space == Space::initial) return tracker_.stats_.quic_initial_undecryptable.note(at.frame);
    return stop_unreadable(d, at);  // wrong keys, or a damaged packet
  }
  ++tracker_.stats_.quic_packets_opened;
  Frames frames(*this, d, space, at);
  if (!visit_frames(payload, frames)) {
    tracker_.stats_.quic_malformed.note(at.frame);
    // RFC 9000 §12.4: Initial and Handshake packets carry only the frames read here; an unknown frame
    // in 1-RTT (an extension) ends what can be read of that packet only.
    if (space != Space::application) stop_unreadable(d, at);
  }
}

// ---- CRYPTO frames and handshake messages (RFC 9001 §4) -------------------------------------------

void QuicConnection::on_crypto(Direction& d, Space space, uint64_t offset, std::span<const uint8_t> data,
                               StreamPosition at) {
  if (d.stopped) return;
  CryptoStreamLimits limits{tracker_.options_.crypto_buffer, tracker_.options_.crypto_offset};
  if (d.crypto[index_of(space)].add(offset, data, limits) != CryptoStream::Result::ok) {
    tracker_.stats_.quic_crypto_over_limit.note(at.frame);
    return stop_unreadable(d, at);
  }
  process_messages(d, space, at);
}

void QuicConnection::process_messages(Direction& d, Space space, StreamPosition at) {
  CryptoStream& stream = d.crypto[index_of(space)];
  while (!d.stopped) {
    ByteReader reader(stream.ready());
    uint8_t type = 0;
    uint32_t length = 0;
    std::span<const uint8_t> body;
    if (!reader.u8(type) || !reader.u24(length)) return;  // RFC 8446 §4: msg_type, uint24 length
    if (length > tracker_.options_.max_handshake_message) return stop_unreadable(d, at);
    if (!reader.bytes(length, body)) return;  // the rest comes in a later frame
    const bool ok = process_message(d, type, body, at);
    stream.consume(4 + length);
    if (!ok) return stop_unreadable(d, at);
  }
}

bool QuicConnection::process_message(Direction& d, uint8_t type, std::span<const uint8_t> body, StreamPosition at) {
  const tls::ParseOptions options{tracker_.options_.flags_extension_type};
  Event event;
  event.from = d.party;
  event.frame = at.frame;
  event.time = at.time;
  bool ok = true;
  switch (static_cast<HandshakeType>(type)) {
    case HandshakeType::client_hello: ok = on_client_hello(body, event); break;
    case HandshakeType::server_hello: ok = on_server_hello(body, event); break;
    case HandshakeType::encrypted_extensions: ok = tls::parse_encrypted_extensions(body, options, event); break;
    case HandshakeType::certificate_request: ok = tls::parse_certificate_request(body, options, event); break;
    case HandshakeType::certificate: ok = tls::parse_certificate(body, options, event); break;
    case HandshakeType::compressed_certificate: ok = tls::parse_compressed_certificate(body, options, event); break;
    case HandshakeType::certificate_verify:
      event.type = EventType::certificate_verify;
      ok = tls::parse_certificate_verify(body);
      break;
    case HandshakeType::finished:
      event.type = EventType::finished;
      ok = tls::parse_finished(body, suite_ ? suite_->hash_size : 0);
      break;
    case HandshakeType::new_session_ticket: ok = tls::parse_new_session_ticket(body, options, event); break;
    default: return true;  // RFC 9001 §8.3, §6: EndOfEarlyData and KeyUpdate are not used in QUIC
  }
  if (!ok) return false;
  if (!room_for_event(d, at)) return true;
  timeline_.events.push_back(std::move(event));
  return true;
}

bool QuicConnection::on_client_hello(std::span<const uint8_t> body, Event& event) {
  tls::ClientHelloFacts facts;
  if (!tls::parse_client_hello(body, tls::ParseOptions{tracker_.options_.flags_extension_type}, event, facts))
    return false;
  if (!client_hello_seen_) {  // RFC 8446 §4.1.2: a second ClientHello keeps the random
    client_hello_seen_ = true;
    secrets_ = tracker_.find_secrets(facts.random);
    timeline_.keys_found = secrets_ && secrets_->has_handshake();
  }
  return true;
}

bool QuicConnection::on_server_hello(std::span<const uint8_t> body, Event& event) {
  tls::ServerHelloFacts facts;
  if (!tls::parse_server_hello(body, tls::ParseOptions{tracker_.options_.flags_extension_type}, event, facts))
    return false;
  if (facts.hello_retry_request) return true;
  suite_ = tls::tls13_cipher_suite(facts.cipher_suite);
  timeline_.events.reserve(20);
  install_keys();
  return true;
}

// RFC 9001 §5.1: each level's packet keys come from the TLS secret of that level and direction.
void QuicConnection::install_keys() {
  if (!suite_ || !secrets_) return;
  const auto install = [&](Direction& d, Space space, const tls::Secret& secret) {
    if (secret.present()) derive_packet_keys(version_, *suite_, secret.bytes(), d.keys[index_of(space)]);
  };
  install(client_, Space::handshake, secrets_->client_handshake);
  install(server_, Space::handshake, secrets_->server_handshake);
  install(client_, Space::application, secrets_->client_traffic_0);
  install(server_, Space::application, secrets_->server_traffic_0);
}

// ---- CONNECTION_CLOSE and application data ------------------------------------------------------

// RFC 9001 §4.8: a TLS alert becomes a CONNECTION_CLOSE with CRYPTO_ERROR 0x0100 + the alert, which the
// rules read as that party's fatal alert. Any other close ends the connection: NO_ERROR and an
// application close as a FIN would, a transport error as a RST. Only a party's first close counts
// (it repeats it in every packet number space it has keys for, §10.2.3).
void QuicConnection::on_connection_close(Direction& d, uint64_t error_code, bool application, StreamPosition at) {
  bool& closed = closed_by_[d.party == Party::client ? 0 : 1];
  if (closed) return;
  closed = true;
  if (!room_for_event(d, at)) return;
  if (!application && error_code >= kCryptoErrorBase && error_code <= kCryptoErrorBase + 0xff) {
    Event& alert = emit(EventType::alert, d.party, at);
    alert.alert_level = kAlertLevelFatal;
    alert.alert_description = static_cast<uint8_t>(error_code - kCryptoErrorBase);
    return;
  }
  emit(application || error_code == kNoError ? EventType::fin : EventType::rst, d.party, at);
}

void QuicConnection::on_application_data(Direction& d, StreamPosition at) {
  if (d.saw_application_data) return;  // only the first matters: the party went on
  d.saw_application_data = true;
  emit(EventType::application_data, d.party, at);
}

}  // namespace tlsflags::quic
