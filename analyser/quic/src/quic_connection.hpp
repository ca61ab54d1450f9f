// One QUIC connection seen from the wire: packet protection per packet number space and direction, the
// CRYPTO streams, the TLS handshake messages they carry as events, CONNECTION_CLOSE as alerts or ends.
// Internal to tlsflags_quic.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "crypto_stream.hpp"
#include "packet_protection.hpp"
#include "quic_packet.hpp"
#include "tlsflags/capture/stream_consumer.hpp"
#include "tlsflags/core/events.hpp"
#include "tlsflags/tls/handshake.hpp"
#include "tlsflags/tls/keylog.hpp"

namespace tlsflags::quic {

class UdpTracker;
using capture::StreamPosition;

class QuicConnection {
 public:
  // Per RFC 9001 §4.8 a TLS alert closes with CRYPTO_ERROR: 0x0100 + the alert description.
  static constexpr uint64_t kCryptoErrorBase = 0x0100;
  static constexpr size_t kMaxMessageEvents = 1000;  // as the TCP path (tls_connection.hpp)

  // `client_dcid`: the Destination Connection ID of the client's first Initial (RFC 9001 §5.2).
  QuicConnection(UdpTracker& tracker, uint64_t id, Timeline timeline, QuicVersion version,
                 std::span<const uint8_t> client_dcid);

  // One packet of this connection, from `from`; `packet` holds header and payload (packet_size octets).
  void on_packet(Party from, const PacketHeader& header, std::span<const uint8_t> packet, StreamPosition at);
  // RFC 9000 §17.2.5, RFC 9001 §5.2: after a Retry the client's Initial keys come from the Retry's SCID.
  void on_retry(std::span<const uint8_t> retry_scid);
  Timeline finish(bool capture_ended, StreamPosition at);

  bool closing() const { return closed_by_[0] || closed_by_[1]; }
  bool initial_keys_ok() const { return client_.keys[0].installed(); }
  size_t client_cid_size() const { return client_cid_size_; }  // what the server writes as DCID
  void set_client_cid_size(size_t size) { client_cid_size_ = size; }
  size_t server_cid_size() const { return server_cid_size_; }  // what the client writes as DCID
  bool server_cid_known() const { return server_cid_known_; }
  void set_server_cid(size_t size) {
    server_cid_size_ = size;
    server_cid_known_ = true;
  }
  QuicVersion version() const { return version_; }
  // RFC 9000 §10.1: the smaller of the nonzero max_idle_timeout values (ms) the endpoints' transport
  // parameters show; nullopt when none is visible or nonzero.
  std::optional<uint64_t> negotiated_idle_timeout_ms() const;

 private:
  struct Direction {
    Party party = Party::client;
    std::array<PacketKeys, kSpaces> keys;   // initial, handshake, application (phase below)
    PacketKeys next_phase;                  // application keys of the other key phase, derived on need
    bool key_phase = false;                 // the current 1-RTT key phase bit (RFC 9001 §6)
    std::array<int64_t, kSpaces> largest{-1, -1, -1};
    std::array<CryptoStream, kSpaces> crypto;
    bool marked_unreadable = false;
    bool saw_application_data = false;
    bool stopped = false;  // its handshake can no longer be followed
  };
  class Frames;  // the FrameVisitor of one packet

  Direction& direction(Party party) { return party == Party::client ? client_ : server_; }
  Event& emit(EventType type, Party from, StreamPosition at);
  void stop_unreadable(Direction& d, StreamPosition at);
  std::optional<size_t> open_packet(Direction& d, Space space, const PacketHeader& header,
                                    std::span<const uint8_t> packet, std::span<const uint8_t>& payload);
  const PacketKeys* keys_for_phase(Direction& d, bool phase);

  void on_crypto(Direction& d, Space space, uint64_t offset, std::span<const uint8_t> data, StreamPosition at);
  void process_messages(Direction& d, Space space, StreamPosition at);
  bool process_message(Direction& d, uint8_t type, std::span<const uint8_t> body, StreamPosition at);
  bool on_client_hello(std::span<const uint8_t> body, Event& event);
  bool on_server_hello(std::span<const uint8_t> body, Event& event);
  void install_keys();
  void on_connection_close(Direction& d, uint64_t error_code, bool application, StreamPosition at);
  void on_application_data(Direction& d, StreamPosition at);
  bool room_for_event(Direction& d, StreamPosition at);

  UdpTracker& tracker_;
  uint64_t id_;
  Timeline timeline_;
  QuicVersion version_;
  Direction client_, server_;
  size_t client_cid_size_ = 0;
  size_t server_cid_size_ = 0;
  bool server_cid_known_ = false;
  bool client_hello_seen_ = false;
  const tls::CipherSuite* suite_ = nullptr;
  const tls::ConnectionSecrets* secrets_ = nullptr;
  std::array<bool, 2> closed_by_{};  // a CONNECTION_CLOSE from the client, the server
  std::array<std::optional<uint64_t>, 2> max_idle_timeout_ms_;  // the client's, the server's

  friend class UdpTracker;
};

}  // namespace tlsflags::quic
