// Re-protects the datagrams of one real QUIC v1 connection as QUIC v2 (RFC 9369), for the capture only:
// OpenSSL 3.5's QUIC speaks v1, so tlsflags-quic-gen records what its real peers sent and rewrites each
// packet's protection with the v2 Initial salt, the "quicv2 " labels, the v2 long header type bits and
// version 0x6b3343cf (RFC 9369 §3). Payloads (frames, CRYPTO data: the real TLS 1.3 handshake), packet
// numbers, connection IDs and lengths stay as OpenSSL made them. Every cryptographic operation is
// libcrypto's (EVP_KDF HKDF and TLS13-KDF, EVP ciphers).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "flags.hpp"
#include "record_protection.hpp"

namespace tlsgen {

// The keys of one packet number space and direction (RFC 9001 §5.1).
struct QuicPacketKeys {
  std::string aead, mask;  // EVP cipher names: the AEAD, the header protection cipher (§5.4)
  Bytes key, iv, hp;
};
// §5.1: key, iv and hp from a TLS traffic secret of `suite` ("TLS_AES_128_CCM_SHA256", ...), with the
// labels of QUIC v1 ("quic key") or v2 ("quicv2 key").
QuicPacketKeys quic_packet_keys(std::string_view suite, const Bytes& secret, bool v2);
// §5.2: the Initial keys of the client or the server for the client's first Destination Connection ID.
QuicPacketKeys quic_initial_keys(const Bytes& client_dcid, bool client, bool v2);
// §5.3-§5.4: seals `payload` after `header` (unprotected; its packet number, `number` truncated, runs
// from `pn_offset` to its end) and masks the header: the packet as sent.
Bytes protect_quic_packet(const QuicPacketKeys& keys, Bytes header, size_t pn_offset, std::uint64_t number,
                          const Bytes& payload);

// The TLS secrets of the connection (the key log's lines) and the suite they belong to.
struct QuicSecrets {
  std::string suite;  // "TLS_AES_128_GCM_SHA256", ...
  Bytes client_handshake, server_handshake, client_application, server_application;
};

class QuicV2Reprotector {
 public:
  explicit QuicV2Reprotector(QuicSecrets secrets) : secrets_(std::move(secrets)) {}
  // One datagram, in capture order; throws when a packet cannot be opened with the v1 keys.
  Bytes reprotect(const Bytes& datagram, bool from_client);

  using Keys = QuicPacketKeys;

 private:
  struct Direction {
    std::array<std::int64_t, 3> largest{-1, -1, -1};  // per space: initial, handshake, application
  };
  struct Packet;  // one packet being rewritten

  Keys keys(bool v2, int space, bool from_client) const;
  size_t reprotect_packet(const Bytes& datagram, size_t start, bool from_client, Bytes& out);

  QuicSecrets secrets_;
  Bytes client_dcid_;  // of the client's first Initial: the Initial keys' input (RFC 9001 §5.2)
  bool dcid_known_ = false;
  size_t client_cid_size_ = 0, server_cid_size_ = 0;  // what short headers sent to each carry
  Direction client_, server_;
};

}  // namespace tlsgen
