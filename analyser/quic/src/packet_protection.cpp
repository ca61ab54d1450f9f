#include "packet_protection.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <algorithm>

namespace tlsflags::quic {
namespace {

// RFC 9001 §5.2 and RFC 9369 §3.3.1: the Initial salts.
constexpr std::array<uint8_t, 20> kInitialSaltV1 = {0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
                                                    0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a};
constexpr std::array<uint8_t, 20> kInitialSaltV2 = {0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
                                                    0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9};
constexpr uint16_t kTlsAes128GcmSha256 = 0x1301;  // §5.2: Initial packets use AEAD_AES_128_GCM, SHA-256

struct Labels {
  const char* key;
  const char* iv;
  const char* hp;
  const char* ku;
};
// §5.1 and RFC 9369 §3.3.2 (HKDF-Expand-Label adds the "tls13 " prefix).
const Labels& labels_of(QuicVersion version) {
  static constexpr Labels kV1{"quic key", "quic iv", "quic hp", "quic ku"};
  static constexpr Labels kV2{"quicv2 key", "quicv2 iv", "quicv2 hp", "quicv2 ku"};
  return version == QuicVersion::v2 ? kV2 : kV1;
}

// RFC 5869 §2.2 HKDF-Extract(salt, ikm) with SHA-256, by OpenSSL's HKDF in extract-only mode.
bool hkdf_extract_sha256(std::span<const uint8_t> salt, std::span<const uint8_t> ikm, std::span<uint8_t, 32> prk) {
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  EVP_KDF_CTX* context = kdf ? EVP_KDF_CTX_new(kdf) : nullptr;
  EVP_KDF_free(kdf);
  if (!context) return false;
  int mode = EVP_KDF_HKDF_MODE_EXTRACT_ONLY;
  // OSSL_PARAM wants non-const pointers; OpenSSL only reads them.
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>("SHA256"), 0),
      OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<uint8_t*>(salt.data()), salt.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<uint8_t*>(ikm.data()), ikm.size()),
      OSSL_PARAM_construct_end()};
  const bool ok = EVP_KDF_derive(context, prk.data(), prk.size(), params) == 1;
  EVP_KDF_CTX_free(context);
  return ok;
}

const EVP_CIPHER* aead_cipher(tls::Aead aead) {
  switch (aead) {
    case tls::Aead::aes_128_gcm: return EVP_aes_128_gcm();
    case tls::Aead::aes_256_gcm: return EVP_aes_256_gcm();
    case tls::Aead::chacha20_poly1305: return EVP_chacha20_poly1305();
    case tls::Aead::aes_128_ccm: return EVP_aes_128_ccm();  // RFC 9001 §5.3: AEAD_AES_128_CCM, 16-octet tag
    // CCM_8 MUST NOT be used with QUIC (ibid.): its packets stay unreadable, and the connection says so.
    case tls::Aead::aes_128_ccm_8: return nullptr;
  }
  return nullptr;
}

// §5.4.3: AES in ECB mode, of the AEAD's key size; §5.4.4: raw ChaCha20.
const EVP_CIPHER* mask_cipher(tls::Aead aead) {
  switch (aead) {
    case tls::Aead::aes_128_gcm: return EVP_aes_128_ecb();
    case tls::Aead::aes_256_gcm: return EVP_aes_256_ecb();
    case tls::Aead::chacha20_poly1305: return EVP_chacha20();
    case tls::Aead::aes_128_ccm: return EVP_aes_128_ecb();
    case tls::Aead::aes_128_ccm_8: return nullptr;
  }
  return nullptr;
}

}  // namespace

std::optional<QuicVersion> quic_version_of(uint32_t wire_version) {
  if (wire_version == kVersion1) return QuicVersion::v1;
  if (wire_version == kVersion2) return QuicVersion::v2;
  return std::nullopt;
}

bool derive_packet_keys(QuicVersion version, const tls::CipherSuite& suite, std::span<const uint8_t> secret,
                        PacketKeys& keys) {
  const Labels& labels = labels_of(version);
  keys.suite = nullptr;
  if (suite.key_size > keys.hp.size() || secret.size() > tls::kMaxSecretSize) return false;
  keys.aead.key_size = suite.key_size;
  const bool ok =
      tls::hkdf_expand_label(suite, secret, labels.key, {}, std::span(keys.aead.key.data(), suite.key_size)) &&
      tls::hkdf_expand_label(suite, secret, labels.iv, {}, keys.aead.iv) &&
      tls::hkdf_expand_label(suite, secret, labels.hp, {}, std::span(keys.hp.data(), suite.key_size));
  if (!ok) return false;
  keys.secret.assign(secret);
  keys.suite = &suite;
  return true;
}

bool derive_next_phase(QuicVersion version, const PacketKeys& current, PacketKeys& next) {
  if (!current.installed()) return false;
  const tls::CipherSuite& suite = *current.suite;
  std::array<uint8_t, tls::kMaxSecretSize> secret{};
  const auto updated = std::span(secret.data(), suite.hash_size);
  bool ok = tls::hkdf_expand_label(suite, current.secret.bytes(), labels_of(version).ku, {}, updated);
  const std::array<uint8_t, kMaxHpKeySize> hp = current.hp;  // §6.1: the header protection key stays
  ok = ok && derive_packet_keys(version, suite, updated, next);
  next.hp = hp;
  OPENSSL_cleanse(secret.data(), secret.size());
  return ok;
}

bool derive_initial_keys(QuicVersion version, std::span<const uint8_t> client_dcid, PacketKeys& client,
                         PacketKeys& server) {
  const tls::CipherSuite* suite = tls::tls13_cipher_suite(kTlsAes128GcmSha256);
  if (!suite) return false;
  const auto& salt = version == QuicVersion::v2 ? kInitialSaltV2 : kInitialSaltV1;
  std::array<uint8_t, 32> initial_secret{}, client_secret{}, server_secret{};
  // §5.2: initial_secret = HKDF-Extract(initial_salt, client_dst_connection_id);
  // client_initial_secret = HKDF-Expand-Label(initial_secret, "client in", "", Hash.length); likewise "server in".
  bool ok = hkdf_extract_sha256(salt, client_dcid, initial_secret) &&
            tls::hkdf_expand_label(*suite, initial_secret, "client in", {}, client_secret) &&
            tls::hkdf_expand_label(*suite, initial_secret, "server in", {}, server_secret) &&
            derive_packet_keys(version, *suite, client_secret, client) &&
            derive_packet_keys(version, *suite, server_secret, server);
  OPENSSL_cleanse(initial_secret.data(), initial_secret.size());
  OPENSSL_cleanse(client_secret.data(), client_secret.size());
  OPENSSL_cleanse(server_secret.data(), server_secret.size());
  return ok;
}

PacketOpener::PacketOpener() : aead_(EVP_CIPHER_CTX_new()), mask_(EVP_CIPHER_CTX_new()) {}

PacketOpener::~PacketOpener() {
  EVP_CIPHER_CTX_free(aead_);
  EVP_CIPHER_CTX_free(mask_);
}

bool PacketOpener::header_mask(const PacketKeys& keys, std::span<const uint8_t, kHeaderProtectionSample> sample,
                               std::array<uint8_t, 5>& mask) {
  if (!keys.installed() || !mask_) return false;
  const EVP_CIPHER* cipher = mask_cipher(keys.suite->aead);
  if (!cipher) return false;
  const bool chacha = keys.suite->aead == tls::Aead::chacha20_poly1305;
  // ChaCha20's 16-octet IV is the sample itself: a 32-bit little-endian counter, then the 96-bit nonce.
  std::array<uint8_t, kHeaderProtectionSample> block{};
  int length = 0;
  const uint8_t zeros[kHeaderProtectionSample] = {};
  const bool ok = EVP_EncryptInit_ex(mask_, cipher, nullptr, keys.hp.data(), chacha ? sample.data() : nullptr) == 1 &&
                  EVP_CIPHER_CTX_set_padding(mask_, 0) == 1 &&
                  EVP_EncryptUpdate(mask_, block.data(), &length, chacha ? zeros : sample.data(),
                                    static_cast<int>(block.size())) == 1 &&
                  length == static_cast<int>(block.size());
  std::copy_n(block.begin(), mask.size(), mask.begin());
  return ok;
}

std::optional<size_t> PacketOpener::open(const PacketKeys& keys, uint64_t packet_number,
                                         std::span<const uint8_t> header, std::span<const uint8_t> payload,
                                         std::span<uint8_t> out) {
  if (!keys.installed() || !aead_ || payload.size() < tls::kAeadTagSize || !aead_cipher(keys.suite->aead))
    return std::nullopt;
  const size_t size = payload.size() - tls::kAeadTagSize;
  if (out.size() < size) return std::nullopt;
  // §5.3: the 62-bit packet number, left-padded to the IV's size, XORed with the IV.
  std::array<uint8_t, tls::kAeadNonceSize> nonce = keys.aead.iv;
  for (size_t i = 0; i < 8; ++i) nonce[nonce.size() - 1 - i] ^= static_cast<uint8_t>(packet_number >> (8 * i));
  uint8_t* tag = const_cast<uint8_t*>(payload.data() + size);  // EVP's SET_TAG only reads it
  if (keys.suite->aead == tls::Aead::aes_128_ccm) return open_ccm(keys.aead.key.data(), nonce, header, payload.first(size), tag, out);
  int length = 0, final_length = 0;
  const bool ok =
      EVP_DecryptInit_ex(aead_, aead_cipher(keys.suite->aead), nullptr, nullptr, nullptr) == 1 &&
      EVP_CIPHER_CTX_ctrl(aead_, EVP_CTRL_AEAD_SET_IVLEN, static_cast<int>(nonce.size()), nullptr) == 1 &&
      EVP_DecryptInit_ex(aead_, nullptr, nullptr, keys.aead.key.data(), nonce.data()) == 1 &&
      EVP_DecryptUpdate(aead_, nullptr, &length, header.data(), static_cast<int>(header.size())) == 1 &&
      EVP_DecryptUpdate(aead_, out.data(), &length, payload.data(), static_cast<int>(size)) == 1 &&
      EVP_CIPHER_CTX_ctrl(aead_, EVP_CTRL_AEAD_SET_TAG, static_cast<int>(tls::kAeadTagSize), tag) == 1 &&
      EVP_DecryptFinal_ex(aead_, out.data() + length, &final_length) == 1;
  if (!ok) return std::nullopt;
  return static_cast<size_t>(length + final_length);
}

// CCM authenticates before it decrypts (RFC 3610 §2): OpenSSL wants the nonce and tag lengths before the
// key, then the expected tag, the nonce, the plaintext length, the additional data, and checks the tag in
// the one update that decrypts (as tls::RecordProtection does for TLS records).
std::optional<size_t> PacketOpener::open_ccm(const uint8_t* key, std::span<const uint8_t, tls::kAeadNonceSize> nonce,
                                             std::span<const uint8_t> header, std::span<const uint8_t> ciphertext,
                                             uint8_t* tag, std::span<uint8_t> out) {
  int length = 0;
  const bool ok =
      EVP_DecryptInit_ex(aead_, EVP_aes_128_ccm(), nullptr, nullptr, nullptr) == 1 &&
      EVP_CIPHER_CTX_ctrl(aead_, EVP_CTRL_AEAD_SET_IVLEN, static_cast<int>(nonce.size()), nullptr) == 1 &&
      EVP_CIPHER_CTX_ctrl(aead_, EVP_CTRL_AEAD_SET_TAG, static_cast<int>(tls::kAeadTagSize), nullptr) == 1 &&
      EVP_DecryptInit_ex(aead_, nullptr, nullptr, key, nullptr) == 1 &&
      EVP_CIPHER_CTX_ctrl(aead_, EVP_CTRL_AEAD_SET_TAG, static_cast<int>(tls::kAeadTagSize), tag) == 1 &&
      EVP_DecryptInit_ex(aead_, nullptr, nullptr, nullptr, nonce.data()) == 1 &&
      EVP_DecryptUpdate(aead_, nullptr, &length, nullptr, static_cast<int>(ciphertext.size())) == 1 &&
      EVP_DecryptUpdate(aead_, nullptr, &length, header.data(), static_cast<int>(header.size())) == 1 &&
      EVP_DecryptUpdate(aead_, out.data(), &length, ciphertext.data(), static_cast<int>(ciphertext.size())) == 1;
  if (!ok) return std::nullopt;
  return static_cast<size_t>(length);
}

}  // namespace tlsflags::quic
