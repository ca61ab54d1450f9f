// Test helper: client Initial packets protected as a sender would (RFC 9001 §5.3-§5.4, by libcrypto),
// for feeding a UdpTracker by hand (tests/quic).
#pragma once

#include <catch2/catch.hpp>
#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "packet_protection.hpp"

namespace tlsflags::quic::test {

inline void append_u16(std::vector<uint8_t>& out, size_t value) {
  out.push_back(static_cast<uint8_t>(value >> 8));
  out.push_back(static_cast<uint8_t>(value));
}

// A minimal TLS 1.3 ClientHello message (RFC 8446 §4.1.2) offering TLS 1.3 and the flag 80 (TF §2), with
// a quic_transport_parameters extension holding max_idle_timeout when given (RFC 9000 §18.2: id 0x01,
// the value a 4-octet varint).
inline std::vector<uint8_t> client_hello_message(std::optional<uint32_t> max_idle_timeout_ms = std::nullopt) {
  std::vector<uint8_t> body = {0x03, 0x03};
  body.insert(body.end(), 32, 0x42);                                    // random
  const std::array<uint8_t, 7> middle = {0x00, 0x00, 0x02, 0x13, 0x01, 0x01, 0x00};  // session id, suites, compression
  for (uint8_t b : middle) body.push_back(b);
  std::vector<uint8_t> extensions = {0x00, 0x2b, 0x00, 0x03, 0x02, 0x03, 0x04,   // supported_versions
                                     0x00, 0x3e, 0x00, 0x0c, 0x0b, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};  // flag 80
  if (max_idle_timeout_ms) {
    const uint32_t ms = *max_idle_timeout_ms;
    const std::array<uint8_t, 10> parameters = {0x00, 0x39, 0x00, 0x06, 0x01, 0x04, static_cast<uint8_t>(0x80 | (ms >> 24)),
                                                static_cast<uint8_t>(ms >> 16), static_cast<uint8_t>(ms >> 8),
                                                static_cast<uint8_t>(ms)};
    for (uint8_t b : parameters) extensions.push_back(b);
  }
  append_u16(body, extensions.size());
  for (uint8_t b : extensions) body.push_back(b);
  std::vector<uint8_t> message = {0x01, 0x00};
  append_u16(message, body.size());
  for (uint8_t b : body) message.push_back(b);
  return message;
}

// RFC 9001 §5.3-§5.4 by libcrypto, as a sender would: AES-128-GCM over the payload with the header as
// AAD (packet number 0), then the AES-ECB header protection mask over the first octet and the packet number.
inline std::vector<uint8_t> protect_initial(const PacketKeys& keys, std::vector<uint8_t> header,
                                            std::vector<uint8_t> payload, size_t pn_offset) {
  std::vector<uint8_t> sealed(payload.size() + 16);
  std::array<uint8_t, 12> nonce = keys.aead.iv;  // packet number 0
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  int n = 0;
  REQUIRE(EVP_EncryptInit_ex(ctx, EVP_aes_128_gcm(), nullptr, keys.aead.key.data(), nonce.data()) == 1);
  REQUIRE(EVP_EncryptUpdate(ctx, nullptr, &n, header.data(), static_cast<int>(header.size())) == 1);
  REQUIRE(EVP_EncryptUpdate(ctx, sealed.data(), &n, payload.data(), static_cast<int>(payload.size())) == 1);
  REQUIRE(EVP_EncryptFinal_ex(ctx, sealed.data() + n, &n) == 1);
  REQUIRE(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, sealed.data() + payload.size()) == 1);
  EVP_CIPHER_CTX_free(ctx);
  std::vector<uint8_t> packet = header;
  packet.insert(packet.end(), sealed.begin(), sealed.end());
  PacketOpener opener;
  std::array<uint8_t, 5> mask{};
  REQUIRE(opener.header_mask(keys, std::span<const uint8_t, 16>(packet.data() + pn_offset + 4, 16), mask));
  packet[0] ^= mask[0] & 0x0f;
  packet[pn_offset] ^= mask[1];
  return packet;
}

// A client's first Initial packet for `dcid` carrying `hello` in one CRYPTO frame, padded to 1200
// octets (RFC 9000 §14.1), `more_frames` after it: long header of `version`, 1-octet packet number 0.
inline std::vector<uint8_t> client_initial(QuicVersion version, const std::vector<uint8_t>& dcid,
                                           const std::vector<uint8_t>& hello,
                                           const std::vector<uint8_t>& more_frames = {}) {
  PacketKeys client, server;
  REQUIRE(derive_initial_keys(version, dcid, client, server));
  std::vector<uint8_t> payload = {0x06, 0x00};  // CRYPTO, offset 0, then the length and the ClientHello
  payload.push_back(static_cast<uint8_t>(0x40 | (hello.size() >> 8)));
  payload.push_back(static_cast<uint8_t>(hello.size()));
  payload.insert(payload.end(), hello.begin(), hello.end());
  payload.insert(payload.end(), more_frames.begin(), more_frames.end());
  const size_t header_size = 1 + 4 + 1 + dcid.size() + 1 + 1 + 2 + 1;
  payload.resize(1200 - header_size - 16, 0x00);  // PADDING
  const size_t length = 1 + payload.size() + 16;  // packet number, payload, tag
  // Initial: long header, fixed bit, type 0b00 (v1) or 0b01 (RFC 9369 §3.2).
  std::vector<uint8_t> header = {static_cast<uint8_t>(version == QuicVersion::v2 ? 0xd0 : 0xc0)};
  const uint32_t wire = version == QuicVersion::v2 ? kVersion2 : kVersion1;
  for (int shift = 24; shift >= 0; shift -= 8) header.push_back(static_cast<uint8_t>(wire >> shift));
  header.push_back(static_cast<uint8_t>(dcid.size()));
  header.insert(header.end(), dcid.begin(), dcid.end());
  const std::array<uint8_t, 5> rest = {0x00, 0x00, static_cast<uint8_t>(0x40 | (length >> 8)),
                                       static_cast<uint8_t>(length), 0x00};  // SCID, token, Length, packet number
  for (uint8_t b : rest) header.push_back(b);
  return protect_initial(client, header, payload, header.size() - 1);
}

}  // namespace tlsflags::quic::test
