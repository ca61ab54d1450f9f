// TLS 1.3 record protection (RFC 8446 §5.2-5.3) and the pieces of the key schedule (§7.1, §7.3,
// §4.4.4) that rewriting a protected handshake flight needs. Every cryptographic operation is
// OpenSSL libcrypto's: AEAD through EVP_CIPHER, HKDF-Expand-Label through EVP_KDF "TLS13-KDF",
// the transcript hash through EVP_Q_digest and the Finished HMAC through EVP_Q_mac.
#pragma once

#include "flags.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tlsgen {

// The AEAD and hash of a TLS 1.3 cipher suite (RFC 8446 §B.4), by OpenSSL's algorithm names.
struct CipherSuiteInfo {
  std::string_view name;    // "TLS_AES_128_GCM_SHA256"
  const char* aead = "";    // EVP_CIPHER name
  const char* digest = "";  // EVP_MD name
};

const CipherSuiteInfo& cipher_suite_info(std::string_view name);

// 8446 §7.1: HKDF-Expand-Label(Secret, Label, Context, Length), the "tls13 " prefix included.
Bytes hkdf_expand_label(const CipherSuiteInfo& suite, const Bytes& secret, std::string_view label,
                        const Bytes& context, std::size_t length);

// 8446 §4.4.1: Transcript-Hash(M1 || M2 || ... ) over whole handshake messages (headers included).
Bytes transcript_hash(const CipherSuiteInfo& suite, const Bytes& messages);

// 8446 §4.4.4: verify_data = HMAC(finished_key, Transcript-Hash(...)), finished_key derived from the
// sender's handshake traffic secret.
Bytes finished_verify_data(const CipherSuiteInfo& suite, const Bytes& traffic_secret, const Bytes& transcript);

// The secret of an NSS key log label (one connection per key log: the latest line wins).
Bytes key_log_secret(const std::vector<std::string>& keylog, std::string_view label);

// One direction's record protection under one traffic secret: key and iv per 8446 §7.3, the
// per-record nonce per §5.3 (iv XOR the 64-bit record sequence number), AAD = the record header (§5.2).
class RecordProtection {
 public:
  RecordProtection(const CipherSuiteInfo& suite, const Bytes& traffic_secret);

  // Decrypts one TLSCiphertext (header included) under the next sequence number and returns the
  // TLSInnerPlaintext without its padding: content then the inner content type (last octet).
  // Throws when the record does not authenticate.
  Bytes open(const Bytes& record);

  // Encrypts `content` of `inner_type` (no padding) under the next sequence number: a whole record.
  Bytes seal(const Bytes& content, std::uint8_t inner_type);

 private:
  Bytes nonce() const;

  const CipherSuiteInfo& suite_;
  Bytes key_;
  Bytes iv_;
  std::uint64_t sequence_ = 0;
};

}  // namespace tlsgen
