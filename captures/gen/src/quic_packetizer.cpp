#include "quic_packetizer.hpp"

#include <openssl/core_dispatch.h>
#include <openssl/err.h>
#include <openssl/rand.h>

#include <stdexcept>
#include <string_view>

#include "quic_reprotect.hpp"

namespace tlsgen {
namespace {

using Side = QuicPacketizer::Side;

constexpr size_t kMinInitialDatagram = 1200;  // RFC 9000 §14.1
constexpr size_t kMaxCryptoPerPacket = 1000;  // keeps every datagram under 1200 octets
constexpr size_t kTag = 16, kPacketNumberLength = 2;
constexpr std::uint8_t kPadding = 0x00, kAck = 0x02, kCrypto = 0x06, kStream = 0x0b /* OFF=0, LEN, FIN */,
                       kHandshakeDone = 0x1e, kTransportClose = 0x1c, kApplicationClose = 0x1d;

void require(bool ok, const char* what) {
  if (ok) return;
  ERR_print_errors_fp(stderr);
  throw std::runtime_error(std::string("QUIC packetizer: ") + what);
}

// RFC 9000 §16: the shortest encoding, or a fixed 2-octet one (lengths patched later stay the same size).
void put_varint(Bytes& out, std::uint64_t value) {
  if (value < 64) {
    out.push_back(static_cast<std::uint8_t>(value));
  } else if (value < 16384) {
    out.push_back(static_cast<std::uint8_t>(0x40 | (value >> 8)));
    out.push_back(static_cast<std::uint8_t>(value));
  } else {
    require(value < (1u << 30), "varint too large");
    for (int shift = 24; shift >= 0; shift -= 8)
      out.push_back(static_cast<std::uint8_t>((shift == 24 ? 0x80 : 0) | ((value >> shift) & 0xff)));
  }
}
void put_bytes(Bytes& out, const Bytes& bytes) { out.insert(out.end(), bytes.begin(), bytes.end()); }

Bytes random_bytes(size_t size) {
  Bytes bytes(size);
  require(RAND_bytes(bytes.data(), static_cast<int>(size)) == 1, "RAND_bytes");
  return bytes;
}

// RFC 9000 §18.2: the transport parameters each endpoint must send (the connection IDs it used), and an
// idle timeout. `original_dcid` only from the server.
Bytes transport_parameters(const Bytes& source_cid, const Bytes* original_dcid) {
  Bytes out;
  const auto parameter = [&](std::uint64_t id, const Bytes& value) {
    put_varint(out, id);
    put_varint(out, value.size());
    put_bytes(out, value);
  };
  if (original_dcid) parameter(0x00, *original_dcid);  // original_destination_connection_id
  Bytes idle;
  put_varint(idle, 30'000);
  parameter(0x01, idle);  // max_idle_timeout, ms
  Bytes streams;
  put_varint(streams, 100);
  Bytes data;
  put_varint(data, 1 << 20);
  parameter(0x04, data);     // initial_max_data
  parameter(0x05, data);     // initial_max_stream_data_bidi_local
  parameter(0x06, data);     // initial_max_stream_data_bidi_remote
  parameter(0x08, streams);  // initial_max_streams_bidi
  parameter(0x0f, source_cid);  // initial_source_connection_id
  return out;
}

int level_of(std::uint32_t protection_level) {
  switch (protection_level) {
    case OSSL_RECORD_PROTECTION_LEVEL_HANDSHAKE: return 1;
    case OSSL_RECORD_PROTECTION_LEVEL_APPLICATION: return 2;
    case OSSL_RECORD_PROTECTION_LEVEL_NONE: return 0;
  }
  throw std::runtime_error("QUIC packetizer: 0-RTT secrets are not used");
}

// ---- the QUIC TLS callbacks (SSL_set_quic_tls_cbs) ----------------------------------------------

int crypto_send(SSL*, const unsigned char* buf, size_t buf_len, size_t* consumed, void* arg) {
  Side& side = *static_cast<Side*>(arg);
  side.sent[side.write_level].insert(side.sent[side.write_level].end(), buf, buf + buf_len);
  *consumed = buf_len;
  return 1;
}

int crypto_recv_rcd(SSL*, const unsigned char** buf, size_t* bytes_read, void* arg) {
  Side& side = *static_cast<Side*>(arg);
  side.receiving_level = side.read_level;
  const Bytes& stream = side.peer->sent[side.read_level];
  const size_t from = side.consumed[side.read_level];
  *buf = stream.data() + from;
  *bytes_read = stream.size() - from;
  return 1;
}

int crypto_release_rcd(SSL*, size_t bytes_read, void* arg) {
  Side& side = *static_cast<Side*>(arg);
  side.consumed[side.receiving_level] += bytes_read;
  return 1;
}

int yield_secret(SSL*, std::uint32_t prot_level, int direction, const unsigned char* secret, size_t secret_len,
                 void* arg) {
  Side& side = *static_cast<Side*>(arg);
  const int level = level_of(prot_level);
  if (direction == 1) {  // the write direction
    side.write_level = level;
    side.write_secret[level].assign(secret, secret + secret_len);
  } else {
    side.read_level = level;
  }
  return 1;
}

int got_transport_params(SSL*, const unsigned char*, size_t, void*) { return 1; }

int alert(SSL*, unsigned char alert_code, void* arg) {
  static_cast<Side*>(arg)->alert = alert_code;
  return 1;
}

const OSSL_DISPATCH kQuicTlsCallbacks[] = {
    {OSSL_FUNC_SSL_QUIC_TLS_CRYPTO_SEND, reinterpret_cast<void (*)(void)>(crypto_send)},
    {OSSL_FUNC_SSL_QUIC_TLS_CRYPTO_RECV_RCD, reinterpret_cast<void (*)(void)>(crypto_recv_rcd)},
    {OSSL_FUNC_SSL_QUIC_TLS_CRYPTO_RELEASE_RCD, reinterpret_cast<void (*)(void)>(crypto_release_rcd)},
    {OSSL_FUNC_SSL_QUIC_TLS_YIELD_SECRET, reinterpret_cast<void (*)(void)>(yield_secret)},
    {OSSL_FUNC_SSL_QUIC_TLS_GOT_TRANSPORT_PARAMS, reinterpret_cast<void (*)(void)>(got_transport_params)},
    {OSSL_FUNC_SSL_QUIC_TLS_ALERT, reinterpret_cast<void (*)(void)>(alert)},
    OSSL_DISPATCH_END};

}  // namespace

QuicPacketizer::QuicPacketizer(SSL* client, SSL* server)
    : original_dcid_(random_bytes(8)), client_cid_(random_bytes(8)), server_cid_(random_bytes(8)) {
  sides_[0].ssl = client;
  sides_[0].client = true;
  sides_[1].ssl = server;
  sides_[0].peer = &sides_[1];
  sides_[1].peer = &sides_[0];
  // OpenSSL keeps a pointer to the parameters, not a copy: they live as long as this object.
  parameters_[0] = transport_parameters(client_cid_, nullptr);
  parameters_[1] = transport_parameters(server_cid_, &original_dcid_);
  for (Side& side : sides_) {
    require(SSL_set_quic_tls_cbs(side.ssl, kQuicTlsCallbacks, &side) == 1, "SSL_set_quic_tls_cbs");
    const Bytes& parameters = parameters_[side.client ? 0 : 1];
    require(SSL_set_quic_tls_transport_params(side.ssl, parameters.data(), parameters.size()) == 1,
            "transport parameters");
  }
  SSL_set_connect_state(client);
  SSL_set_accept_state(server);
}

void QuicPacketizer::run() {
  for (int round = 0; round < 20 && !handshake_done(); ++round) {
    for (size_t i = 0; i < sides_.size(); ++i) {
      step(sides_[i], done_[i]);
      if (sides_[i].alert) return;  // its CONNECTION_CLOSE ends the connection
    }
  }
  if (!handshake_done()) return;
  const auto stream = [](std::string_view text) {  // stream 0, offset 0, with its length and FIN
    Bytes frame = {kStream, 0x00};
    put_varint(frame, text.size());
    frame.insert(frame.end(), text.begin(), text.end());
    return frame;
  };
  application_data(sides_[0], stream("GET / HTTP/1.1\r\nHost: server.example\r\n\r\n"));
  application_data(sides_[1], stream("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
  application_data(sides_[0], {kApplicationClose, 0x00, 0x00});  // NO_ERROR, no reason (§19.19)
}

void QuicPacketizer::application_data(Side& side, const Bytes& frames) {
  Bytes payload = ack_frame(side, 2);
  put_bytes(payload, frames);
  datagrams_.push_back({packet(side, 2, payload), side.client});
}

void QuicPacketizer::step(Side& side, bool& done) {
  if (!done) {
    const int r = SSL_do_handshake(side.ssl);
    done = r == 1;
    if (!done) {
      const int e = SSL_get_error(side.ssl, r);
      require(e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE || side.alert, "handshake");
    }
  }
  Bytes close;
  if (side.alert) {  // RFC 9001 §4.8: CRYPTO_ERROR 0x0100 + the alert, in the highest level with keys
    close.push_back(kTransportClose);
    put_varint(close, 0x0100 + *side.alert);
    put_varint(close, kCrypto);  // the frame type that caused it
    put_varint(close, 0);        // no reason phrase
  }
  // RFC 9001 §4.1.2: the server confirms the handshake with HANDSHAKE_DONE.
  Bytes handshake_done;
  if (done && !side.client && side.next_packet_number[2] == 0) handshake_done.push_back(kHandshakeDone);
  flush(side, side.alert ? close : handshake_done, side.write_level);
}

// §19.3: an ACK of the peer's largest packet in a space (delay 0, one range), when it sent any.
Bytes QuicPacketizer::ack_frame(const Side& side, int level) {
  Bytes frame;
  if (side.peer_largest[level] < 0) return frame;
  frame.push_back(kAck);
  put_varint(frame, static_cast<std::uint64_t>(side.peer_largest[level]));
  put_varint(frame, 0);
  put_varint(frame, 0);
  put_varint(frame, static_cast<std::uint64_t>(side.peer_largest[level]));
  return frame;
}

// New CRYPTO data of every level, in packets of at most kMaxCryptoPerPacket, each with an ACK of the
// peer's packets of that space; `last_frames` go in the last packet of `last_level`.
void QuicPacketizer::flush(Side& side, Bytes last_frames, int last_level) {
  for (int level = 0; level < 3; ++level) {
    const Bytes& stream = side.sent[level];
    bool acked = false;
    while (side.packed[level] < stream.size() || (level == last_level && !last_frames.empty())) {
      Bytes frames = acked ? Bytes{} : ack_frame(side, level);
      acked = true;
      const size_t size = std::min(kMaxCryptoPerPacket, stream.size() - side.packed[level]);
      if (size > 0) {
        frames.push_back(kCrypto);
        put_varint(frames, side.packed[level]);
        put_varint(frames, size);
        frames.insert(frames.end(), stream.begin() + static_cast<std::ptrdiff_t>(side.packed[level]),
                      stream.begin() + static_cast<std::ptrdiff_t>(side.packed[level] + size));
        side.packed[level] += size;
      }
      if (level == last_level && side.packed[level] == stream.size()) {
        put_bytes(frames, last_frames);
        last_frames.clear();
      }
      // Each packet in a datagram of its own; RFC 9000 §14.1: one with an ack-eliciting Initial (CRYPTO
      // data) is padded to 1200 octets.
      const bool ack_eliciting_initial = level == 0 && size > 0;
      datagrams_.push_back({packet(side, level, frames, ack_eliciting_initial ? kMinInitialDatagram : 0), side.client});
    }
  }
}

// RFC 9000 §17.2 (long header: Initial 0b00, Handshake 0b10) and §17.3 (1-RTT), 2-octet packet number.
Bytes QuicPacketizer::packet(Side& side, int level, const Bytes& frames, size_t min_size) {
  const bool client = side.client;
  // The client writes the original DCID until it learns the server's (RFC 9000 §7.2).
  const Bytes& dcid = client ? (side.peer_largest[0] >= 0 ? server_cid_ : original_dcid_) : client_cid_;
  const Bytes& scid = client ? client_cid_ : server_cid_;
  const std::uint64_t number = side.next_packet_number[level]++;
  Bytes payload = frames;
  if (payload.size() < 4) payload.resize(4, kPadding);  // §5.4.2: room for the header protection sample
  Bytes header;
  if (level < 2) {
    const size_t header_size = 1 + 4 + 1 + dcid.size() + 1 + scid.size() + (level == 0 ? 1 : 0) + 2 + kPacketNumberLength;
    if (header_size + payload.size() + kTag < min_size) payload.resize(min_size - header_size - kTag, kPadding);
    header.push_back(static_cast<std::uint8_t>(0xc0 | (level == 0 ? 0x00 : 0x20) | (kPacketNumberLength - 1)));
    put_bytes(header, {0x00, 0x00, 0x00, 0x01});
    header.push_back(static_cast<std::uint8_t>(dcid.size()));
    put_bytes(header, dcid);
    header.push_back(static_cast<std::uint8_t>(scid.size()));
    put_bytes(header, scid);
    if (level == 0) header.push_back(0x00);  // no token
    const size_t length = kPacketNumberLength + payload.size() + kTag;
    header.push_back(static_cast<std::uint8_t>(0x40 | (length >> 8)));
    header.push_back(static_cast<std::uint8_t>(length));
  } else {
    header.push_back(static_cast<std::uint8_t>(0x40 | (kPacketNumberLength - 1)));
    put_bytes(header, dcid);
  }
  const size_t pn_offset = header.size();
  header.push_back(static_cast<std::uint8_t>(number >> 8));
  header.push_back(static_cast<std::uint8_t>(number));
  side.peer->peer_largest[level] = static_cast<std::int64_t>(number);
  const char* suite_name = level == 0 ? "" : SSL_CIPHER_get_name(SSL_get_current_cipher(side.ssl));
  const QuicPacketKeys keys = level == 0 ? quic_initial_keys(original_dcid_, client, false)
                                         : quic_packet_keys(suite_name, side.write_secret[level], false);
  return protect_quic_packet(keys, header, pn_offset, number, payload);
}

}  // namespace tlsgen
