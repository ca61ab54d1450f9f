// QUIC packet protection (RFC 9001 §5; QUIC v2: RFC 9369 §3.3): Initial secrets from the client's first
// Destination Connection ID, packet keys from a traffic secret, header protection and AEAD. All
// cryptography is OpenSSL's: HKDF-Extract through EVP_KDF "HKDF", HKDF-Expand-Label through the TLS
// layer's (tlsflags/tls/record_protection.hpp), AES-ECB, ChaCha20 and the AEADs through EVP.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "tlsflags/tls/keylog.hpp"
#include "tlsflags/tls/record_protection.hpp"

typedef struct evp_cipher_ctx_st EVP_CIPHER_CTX;

namespace tlsflags::quic {

// The QUIC versions whose packets are decrypted.
enum class QuicVersion : uint8_t { v1, v2 };
inline constexpr uint32_t kVersion1 = 0x00000001;  // RFC 9000
inline constexpr uint32_t kVersion2 = 0x6b3343cf;  // RFC 9369 §3.1
std::optional<QuicVersion> quic_version_of(uint32_t wire_version);

inline constexpr size_t kHeaderProtectionSample = 16;  // RFC 9001 §5.4.2
inline constexpr size_t kMaxHpKeySize = 32;

// The keys of one direction in one packet number space (RFC 9001 §5.1).
struct PacketKeys {
  const tls::CipherSuite* suite = nullptr;  // nullptr: none installed
  tls::Secret secret;                       // kept for a key update (§6)
  tls::TrafficKeys aead;
  std::array<uint8_t, kMaxHpKeySize> hp{};
  bool installed() const { return suite != nullptr; }
};

// §5.1: key, iv and hp from a traffic secret, with the version's labels ("quic key" or "quicv2 key", ...).
bool derive_packet_keys(QuicVersion version, const tls::CipherSuite& suite, std::span<const uint8_t> secret,
                        PacketKeys& keys);
// §6.1: the next key phase's secret ("quic ku"); hp stays.
bool derive_next_phase(QuicVersion version, const PacketKeys& current, PacketKeys& next);
// §5.2: the client's and server's Initial keys for the client's first Destination Connection ID.
bool derive_initial_keys(QuicVersion version, std::span<const uint8_t> client_dcid, PacketKeys& client,
                         PacketKeys& server);

// One set of cipher contexts, reused for every packet (opening a packet allocates nothing).
class PacketOpener {
 public:
  PacketOpener();
  ~PacketOpener();
  PacketOpener(const PacketOpener&) = delete;
  PacketOpener& operator=(const PacketOpener&) = delete;

  // §5.4.3 (AES) and §5.4.4 (ChaCha20): the five mask octets for a sample.
  bool header_mask(const PacketKeys& keys, std::span<const uint8_t, kHeaderProtectionSample> sample,
                   std::array<uint8_t, 5>& mask);
  // §5.3: authenticates and decrypts a payload (ciphertext and its 16-octet tag) into `out` (at least
  // payload.size() - 16 octets); the nonce is the iv XOR the packet number, the AAD the unprotected header.
  std::optional<size_t> open(const PacketKeys& keys, uint64_t packet_number, std::span<const uint8_t> header,
                             std::span<const uint8_t> payload, std::span<uint8_t> out);

 private:
  std::optional<size_t> open_ccm(const uint8_t* key, std::span<const uint8_t, tls::kAeadNonceSize> nonce,
                                 std::span<const uint8_t> header, std::span<const uint8_t> ciphertext, uint8_t* tag,
                                 std::span<uint8_t> out);

  EVP_CIPHER_CTX* aead_;
  EVP_CIPHER_CTX* mask_;
};

}  // namespace tlsflags::quic
