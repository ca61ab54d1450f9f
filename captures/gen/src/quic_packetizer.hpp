// A QUIC v1 connection (RFC 9000, RFC 9001) around a real OpenSSL TLS 1.3 handshake, for cipher suites
// OpenSSL 3.5's own QUIC stack refuses (TLS_AES_128_CCM_SHA256, which RFC 9001 §5.3 allows): OpenSSL's
// third-party QUIC TLS API (SSL_set_quic_tls_cbs) runs the client's and the server's TLS and hands over
// the handshake bytes of each encryption level and the traffic secrets; this class packs them into
// CRYPTO frames of Initial, Handshake and 1-RTT packets, protected by libcrypto (quic_reprotect.hpp),
// with ACKs, PADDING, HANDSHAKE_DONE, one request and response on stream 0 and CONNECTION_CLOSE. A TLS
// alert becomes CONNECTION_CLOSE with CRYPTO_ERROR 0x0100 + the alert (RFC 9001 §4.8). The QUIC
// transport around the handshake is the generator's; every TLS byte is OpenSSL's.
#pragma once

#include <openssl/ssl.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "flags.hpp"

namespace tlsgen {

struct QuicDatagram {
  Bytes payload;
  bool from_client = false;
};

class QuicPacketizer {
 public:
  // `client` and `server`: TLS 1.3 SSL objects of TLS_client_method / TLS_server_method contexts, set up
  // (certificates, extensions, ALPN) by the caller; this installs the QUIC TLS callbacks.
  QuicPacketizer(SSL* client, SSL* server);
  // Runs the handshake, then (when it completed) a request and response and the client's close.
  void run();
  const std::vector<QuicDatagram>& datagrams() const { return datagrams_; }
  bool handshake_done() const { return done_[0] && done_[1]; }
  std::optional<std::uint8_t> client_alert() const { return sides_[0].alert; }

  // One party's TLS as the callbacks see it (public for the C callbacks only).
  struct Side {
    SSL* ssl = nullptr;
    bool client = false;
    int write_level = 0, read_level = 0, receiving_level = 0;  // 0 Initial, 1 Handshake, 2 application
    std::array<Bytes, 3> sent;        // the CRYPTO stream of each level
    std::array<size_t, 3> packed{};   // ... how much of it is in packets already
    std::array<size_t, 3> consumed{};  // how much of the peer's stream of each level was read
    std::array<Bytes, 3> write_secret;
    std::array<std::uint64_t, 3> next_packet_number{};
    std::array<std::int64_t, 3> peer_largest{-1, -1, -1};  // the peer's largest packet number (to ACK)
    std::optional<std::uint8_t> alert;
    Side* peer = nullptr;
  };

 private:
  void step(Side& side, bool& done);
  void flush(Side& side, Bytes last_frames, int last_level);
  Bytes packet(Side& side, int level, const Bytes& frames, size_t min_size = 0);
  void application_data(Side& side, const Bytes& frames);
  static Bytes ack_frame(const Side& side, int level);

  std::array<Side, 2> sides_;  // client, server
  std::array<bool, 2> done_{};
  Bytes original_dcid_, client_cid_, server_cid_;
  std::array<Bytes, 2> parameters_;  // the transport parameters of the client, the server (RFC 9000 §18)
  std::vector<QuicDatagram> datagrams_;
};

}  // namespace tlsgen
