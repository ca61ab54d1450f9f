// TLS 1.3 record protection (RFC 8446 §5.2-§5.4, §7.1-§7.3) for reading one direction of a captured
// connection. All cryptography is OpenSSL's: HKDF-Expand-Label as HMAC over its low-level SHA-256/384
// (src/hkdf.cpp says why), the AEADs through EVP. EVP_CIPHER objects are fetched once per process; each RecordProtection keeps
// its EVP_CIPHER_CTX for the life of the direction, so opening a record allocates nothing.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "tlsflags/tls/keylog.hpp"

typedef struct evp_cipher_ctx_st EVP_CIPHER_CTX;
typedef struct evp_cipher_st EVP_CIPHER;

namespace tlsflags::tls {

inline constexpr size_t kRecordHeaderSize = 5;
inline constexpr size_t kMaxPlaintextRecord = 1u << 14;                  // §5.1: 2^14
inline constexpr size_t kMaxCiphertextRecord = kMaxPlaintextRecord + 256;  // §5.2: 2^14 + 256
inline constexpr size_t kAeadTagSize = 16;  // the largest tag (AES-CCM-8's is 8 octets)
inline constexpr size_t kAeadNonceSize = 12;
inline constexpr size_t kMaxAeadKeySize = 32;

enum class Aead : uint8_t { aes_128_gcm, aes_256_gcm, chacha20_poly1305, aes_128_ccm, aes_128_ccm_8 };

// A TLS 1.3 cipher suite (§B.4) this reader can decrypt.
struct CipherSuite {
  uint16_t id;
  Aead aead;
  const char* digest;  // OpenSSL digest name for HKDF
  size_t key_size;
  size_t hash_size;
  size_t tag_size;  // 16; 8 for AES-128-CCM-8 (RFC 6655 §3)
};

// Every TLS 1.3 suite of RFC 8446 §B.4 (the five OpenSSL has): TLS_AES_128_GCM_SHA256,
// TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256, TLS_AES_128_CCM_SHA256, TLS_AES_128_CCM_8_SHA256;
// nullptr for the rest.
const CipherSuite* tls13_cipher_suite(uint16_t id);

// The IANA name of a TLS 1.3 cipher suite (RFC 8446 §B.4, RFC 8998, RFC 9150), "" when not one of them.
std::string_view tls13_cipher_suite_name(uint16_t id);

// HKDF-Expand-Label(secret, label, context, out.size()) of RFC 8446 §7.1, "tls13 " prefixed.
bool hkdf_expand_label(const CipherSuite& suite, std::span<const uint8_t> secret, std::string_view label,
                       std::span<const uint8_t> context, std::span<uint8_t> out);

// The write key and IV of a traffic secret (§7.3).
struct TrafficKeys {
  std::array<uint8_t, kMaxAeadKeySize> key{};
  size_t key_size = 0;
  std::array<uint8_t, kAeadNonceSize> iv{};
};
bool derive_traffic_keys(const CipherSuite& suite, std::span<const uint8_t> secret, TrafficKeys& keys);

class RecordProtection {
 public:
  RecordProtection() = default;
  RecordProtection(const RecordProtection&) = delete;
  RecordProtection& operator=(const RecordProtection&) = delete;
  ~RecordProtection();

  // Starts reading under `traffic_secret`: derives key and IV, sequence number 0 (§5.3).
  bool install(const CipherSuite& suite, std::span<const uint8_t> traffic_secret);
  // KeyUpdate (§4.6.3, §7.2): application_traffic_secret_N+1 = HKDF-Expand-Label(secret_N, "traffic upd", "", Hash.length).
  bool update_traffic_secret();
  bool installed() const { return suite_ != nullptr; }
  // The AEAD tag's length under the installed suite (kAeadTagSize when none is installed).
  size_t tag_size() const { return suite_ ? suite_->tag_size : kAeadTagSize; }
  void clear();
  void release();  // clear(), and the cipher contexts go to the thread's spares (the direction has ended)

  // Authenticates and decrypts one protected record (§5.2): `header` is its 5-byte header (the additional
  // data), `body` the encrypted_record. Writes the TLSInnerPlaintext to `out` (at least body.size() - 16
  // bytes) and returns its length, or nullopt when authentication fails (the sequence number then stays).
  std::optional<size_t> open(std::span<const uint8_t> header, std::span<const uint8_t> body,
                             std::span<uint8_t> out);

  // The plaintext byte at `offset` of the current record, WITHOUT authentication: the AEADs here encrypt
  // with a counter-mode keystream, so one byte costs one block of keystream. Only for deciding what a
  // record is (its inner content type is the last non-padding byte); the sequence number stays.
  std::optional<uint8_t> peek_byte(size_t offset, uint8_t ciphertext_byte);

  // Accounts for a record that was not opened (its type was learnt by peek_byte).
  void skip_record() { ++sequence_; }
  uint64_t sequence() const { return sequence_; }

 private:
  bool ensure_contexts(const EVP_CIPHER* cipher);
  bool set_keys();
  bool is_ccm() const;
  std::optional<size_t> open_ccm(std::span<const uint8_t> header, std::span<const uint8_t> body, std::span<uint8_t> out);
  bool key_keystream();  // sets the keystream cipher's key the first time peek_byte needs it
  std::array<uint8_t, kAeadNonceSize> nonce() const;

  const CipherSuite* suite_ = nullptr;
  Secret secret_;
  TrafficKeys keys_;
  uint64_t sequence_ = 0;
  EVP_CIPHER_CTX* aead_ = nullptr;
  EVP_CIPHER_CTX* keystream_ = nullptr;
  bool keystream_keyed_ = false;  // keystream_ holds the current key
};

}  // namespace tlsflags::tls
