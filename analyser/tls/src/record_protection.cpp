#include "tlsflags/tls/record_protection.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstddef>
#include <utility>
#include <vector>

namespace tlsflags::tls {
namespace {

constexpr CipherSuite kSuites[] = {
    {0x1301, Aead::aes_128_gcm, "SHA256", 16, 32, 16},
    {0x1302, Aead::aes_256_gcm, "SHA384", 32, 48, 16},
    {0x1303, Aead::chacha20_poly1305, "SHA256", 32, 32, 16},
    {0x1304, Aead::aes_128_ccm, "SHA256", 16, 32, 16},
    {0x1305, Aead::aes_128_ccm_8, "SHA256", 16, 32, 8},
};
constexpr size_t kAeadCount = 5;

// The algorithm objects, fetched once per process (fetching is costly in OpenSSL 3 and the objects are
// immutable and thread-safe). Deliberately never freed: they live as long as the process.
struct Algorithms {
  EVP_CIPHER* aead[kAeadCount] = {};
  EVP_CIPHER* keystream[kAeadCount] = {};  // the counter-mode cipher inside each AEAD

  Algorithms() {
    aead[0] = EVP_CIPHER_fetch(nullptr, "AES-128-GCM", nullptr);
    aead[1] = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
    aead[2] = EVP_CIPHER_fetch(nullptr, "ChaCha20-Poly1305", nullptr);
    aead[3] = aead[4] = EVP_CIPHER_fetch(nullptr, "AES-128-CCM", nullptr);  // CCM-8: the tag length differs
    keystream[0] = EVP_CIPHER_fetch(nullptr, "AES-128-CTR", nullptr);
    keystream[1] = EVP_CIPHER_fetch(nullptr, "AES-256-CTR", nullptr);
    keystream[2] = EVP_CIPHER_fetch(nullptr, "ChaCha20", nullptr);
    keystream[3] = keystream[4] = keystream[0];
  }
};

const Algorithms& algorithms() {
  static const Algorithms instance;
  return instance;
}

size_t index_of(Aead aead) { return static_cast<size_t>(aead); }

// The cipher argument for (re-)keying `context`: NULL when it already runs `cipher` (the next traffic
// secret of the same direction), so that OpenSSL only sets the new key instead of freeing and
// allocating its cipher state again.
const EVP_CIPHER* cipher_to_set(const EVP_CIPHER_CTX* context, const EVP_CIPHER* cipher) {
  return EVP_CIPHER_CTX_get0_cipher(context) == cipher ? nullptr : cipher;
}

// Cipher contexts of ended directions, kept for the next connections of this thread. A context that
// already runs the suite's cipher is re-keyed in place (cipher_to_set), so a handshake-heavy capture
// does not allocate, clear and free two GCM states per connection (1-2 % of W1's time). A spare
// holds the key schedule of an ended connection until it is re-keyed or the thread ends, when it is
// freed as any context is (EVP_CIPHER_CTX_free clears it).
class SpareContexts {
 public:
  static constexpr size_t kMaxSpares = 64;  // two contexts per direction: enough to end 16 connections in a row
  SpareContexts() = default;
  SpareContexts(const SpareContexts&) = delete;
  SpareContexts& operator=(const SpareContexts&) = delete;
  ~SpareContexts() {
    for (EVP_CIPHER_CTX* context : spares_) EVP_CIPHER_CTX_free(context);
  }
  EVP_CIPHER_CTX* take(const EVP_CIPHER* cipher) {
    // One that already runs `cipher` is only re-keyed; another is re-set when its new cipher is set
    // (cipher_to_set), which costs what a new one does.
    if (spares_.empty()) return EVP_CIPHER_CTX_new();
    size_t pick = spares_.size() - 1;
    for (size_t i = spares_.size(); i-- > 0;) {
      if (EVP_CIPHER_CTX_get0_cipher(spares_[i]) == cipher) {
        pick = i;
        break;
      }
    }
    EVP_CIPHER_CTX* context = spares_[pick];
    spares_.erase(spares_.begin() + static_cast<std::ptrdiff_t>(pick));
    return context;
  }
  void give_back(EVP_CIPHER_CTX* context) {
    if (!context) return;
    if (spares_.size() < kMaxSpares) {
      spares_.push_back(context);
    } else {
      EVP_CIPHER_CTX_free(context);
    }
  }

 private:
  std::vector<EVP_CIPHER_CTX*> spares_;
};

SpareContexts& spare_contexts() {
  thread_local SpareContexts spares;
  return spares;
}

}  // namespace

const CipherSuite* tls13_cipher_suite(uint16_t id) {
  for (const CipherSuite& suite : kSuites)
    if (suite.id == id) return &suite;
  return nullptr;
}

std::string_view tls13_cipher_suite_name(uint16_t id) {
  switch (id) {
    case 0x1301: return "TLS_AES_128_GCM_SHA256";
    case 0x1302: return "TLS_AES_256_GCM_SHA384";
    case 0x1303: return "TLS_CHACHA20_POLY1305_SHA256";
    case 0x1304: return "TLS_AES_128_CCM_SHA256";
    case 0x1305: return "TLS_AES_128_CCM_8_SHA256";
    case 0x00c6: return "TLS_SM4_GCM_SM3";
    case 0x00c7: return "TLS_SM4_CCM_SM3";
    case 0xc0b4: return "TLS_SHA256_SHA256";
    case 0xc0b5: return "TLS_SHA384_SHA384";
    default: return "";
  }
}

// ---- RecordProtection ---------------------------------------------------------------------------

RecordProtection::~RecordProtection() {
  clear();
  EVP_CIPHER_CTX_free(aead_);
  EVP_CIPHER_CTX_free(keystream_);
}

void RecordProtection::clear() {
  suite_ = nullptr;
  keystream_keyed_ = false;
  secret_.clear();
  OPENSSL_cleanse(keys_.key.data(), keys_.key.size());
  OPENSSL_cleanse(keys_.iv.data(), keys_.iv.size());
  sequence_ = 0;
}

void RecordProtection::release() {
  clear();
  spare_contexts().give_back(std::exchange(aead_, nullptr));
  spare_contexts().give_back(std::exchange(keystream_, nullptr));
}

bool RecordProtection::ensure_contexts(const EVP_CIPHER* cipher) {
  if (!aead_) aead_ = spare_contexts().take(cipher);
  return aead_ != nullptr;
}

bool RecordProtection::set_keys() {
  const Algorithms& algs = algorithms();
  size_t i = index_of(suite_->aead);
  if (!algs.aead[i] || !algs.keystream[i] || !ensure_contexts(algs.aead[i])) return false;
  if (!derive_traffic_keys(*suite_, secret_.bytes(), keys_)) return false;
  // The key is set once here; each record then only sets its nonce. The keystream cipher gets the key
  // when peek_byte first needs it: most traffic secrets (all handshake ones) never peek.
  keystream_keyed_ = false;
  if (!is_ccm())
    return EVP_DecryptInit_ex2(aead_, cipher_to_set(aead_, algs.aead[i]), keys_.key.data(), nullptr, nullptr) == 1;
  // CCM (RFC 3610 §2) fixes the nonce and tag lengths in its key schedule: both are set before the key
  // (OpenSSL's EVP_aes_128_ccm: IV length, then tag length, then the key).
  return EVP_DecryptInit_ex2(aead_, cipher_to_set(aead_, algs.aead[i]), nullptr, nullptr, nullptr) == 1 &&
         EVP_CIPHER_CTX_ctrl(aead_, EVP_CTRL_AEAD_SET_IVLEN, static_cast<int>(kAeadNonceSize), nullptr) == 1 &&
         EVP_CIPHER_CTX_ctrl(aead_, EVP_CTRL_AEAD_SET_TAG, static_cast<int>(suite_->tag_size), nullptr) == 1 &&
         EVP_DecryptInit_ex2(aead_, nullptr, keys_.key.data(), nullptr, nullptr) == 1;
}

bool RecordProtection::is_ccm() const {
  return suite_->aead == Aead::aes_128_ccm || suite_->aead == Aead::aes_128_ccm_8;
}

bool RecordProtection::key_keystream() {
  if (keystream_keyed_) return true;
  const EVP_CIPHER* cipher = algorithms().keystream[index_of(suite_->aead)];
  if (!keystream_) keystream_ = spare_contexts().take(cipher);
  if (!keystream_) return false;
  keystream_keyed_ = EVP_EncryptInit_ex2(keystream_, cipher_to_set(keystream_, cipher), keys_.key.data(), nullptr, nullptr) == 1;
  return keystream_keyed_;
}

bool RecordProtection::install(const CipherSuite& suite, std::span<const uint8_t> traffic_secret) {
  clear();
  if (traffic_secret.size() != suite.hash_size) return false;
  suite_ = &suite;
  secret_.assign(traffic_secret);
  if (!set_keys()) {
    clear();
    return false;
  }
  return true;
}

bool RecordProtection::update_traffic_secret() {
  if (!suite_) return false;
  const CipherSuite& suite = *suite_;
  std::array<uint8_t, kMaxSecretSize> next{};
  std::span<uint8_t> next_secret(next.data(), suite.hash_size);
  bool ok = hkdf_expand_label(suite, secret_.bytes(), "traffic upd", {}, next_secret) &&
            install(suite, next_secret);
  OPENSSL_cleanse(next.data(), next.size());
  return ok;
}

std::array<uint8_t, kAeadNonceSize> RecordProtection::nonce() const {
  // §5.3: the 64-bit sequence number, big-endian, left-padded to iv_length, XORed with the write IV.
  std::array<uint8_t, kAeadNonceSize> nonce = keys_.iv;
  for (size_t i = 0; i < 8; ++i) nonce[kAeadNonceSize - 1 - i] ^= static_cast<uint8_t>(sequence_ >> (8 * i));
  return nonce;
}

std::optional<size_t> RecordProtection::open(std::span<const uint8_t> header, std::span<const uint8_t> body,
                                             std::span<uint8_t> out) {
  if (!suite_ || header.size() != kRecordHeaderSize || body.size() < suite_->tag_size) return std::nullopt;
  size_t length = body.size() - suite_->tag_size;
  if (out.size() < length) return std::nullopt;
  if (is_ccm()) return open_ccm(header, body, out);
  auto iv = nonce();
  int written = 0, final_written = 0;
  bool ok = EVP_DecryptInit_ex2(aead_, nullptr, nullptr, iv.data(), nullptr) == 1 &&
            EVP_DecryptUpdate(aead_, nullptr, &written, header.data(), static_cast<int>(header.size())) == 1 &&
            EVP_DecryptUpdate(aead_, out.data(), &written, body.data(), static_cast<int>(length)) == 1 &&
            EVP_CIPHER_CTX_ctrl(aead_, EVP_CTRL_AEAD_SET_TAG, static_cast<int>(kAeadTagSize),
                                const_cast<uint8_t*>(body.data() + length)) == 1 &&
            EVP_DecryptFinal_ex(aead_, out.data() + written, &final_written) == 1;
  if (!ok) return std::nullopt;
  ++sequence_;
  return static_cast<size_t>(written + final_written);
}

// CCM authenticates before it decrypts, so OpenSSL wants the expected tag, then the nonce, then the
// plaintext length (it is part of the first authenticated block, RFC 3610 §2.2), then the additional
// data, and checks the tag inside the one update that decrypts.
std::optional<size_t> RecordProtection::open_ccm(std::span<const uint8_t> header, std::span<const uint8_t> body,
                                                 std::span<uint8_t> out) {
  const size_t length = body.size() - suite_->tag_size;
  auto iv = nonce();
  int written = 0;
  bool ok = EVP_CIPHER_CTX_ctrl(aead_, EVP_CTRL_AEAD_SET_TAG, static_cast<int>(suite_->tag_size),
                                const_cast<uint8_t*>(body.data() + length)) == 1 &&
            EVP_DecryptInit_ex2(aead_, nullptr, nullptr, iv.data(), nullptr) == 1 &&
            EVP_DecryptUpdate(aead_, nullptr, &written, nullptr, static_cast<int>(length)) == 1 &&
            EVP_DecryptUpdate(aead_, nullptr, &written, header.data(), static_cast<int>(header.size())) == 1 &&
            EVP_DecryptUpdate(aead_, out.data(), &written, body.data(), static_cast<int>(length)) == 1;
  if (!ok) return std::nullopt;
  ++sequence_;
  return static_cast<size_t>(written);
}

std::optional<uint8_t> RecordProtection::peek_byte(size_t offset, uint8_t ciphertext_byte) {
  if (!suite_) return std::nullopt;
  // The counter block that encrypts plaintext byte `offset`:
  //  AES-GCM (NIST SP 800-38D): J0 = nonce || 1; plaintext block b uses nonce || (2 + b), 16-byte blocks.
  //  ChaCha20-Poly1305 (RFC 8439 §2.8): block 0 makes the Poly1305 key; plaintext block b uses counter
  //  1 + b, 64-byte blocks. OpenSSL's ChaCha20 takes a 16-byte IV = counter (little-endian) || nonce.
  auto n = nonce();
  std::array<uint8_t, 16> iv{};
  size_t block_size = 16;
  if (suite_->aead == Aead::chacha20_poly1305) {
    block_size = 64;
    uint32_t counter = static_cast<uint32_t>(1 + offset / block_size);
    for (size_t i = 0; i < 4; ++i) iv[i] = static_cast<uint8_t>(counter >> (8 * i));
    std::copy(n.begin(), n.end(), iv.begin() + 4);
  } else if (is_ccm()) {
    //  AES-CCM (RFC 3610 §2.3): block A_i = flags (L - 1 = 2 for a 12-byte nonce) || nonce || i as 3
    //  bytes; A_0 encrypts the tag, plaintext block b uses A_(1 + b).
    uint32_t counter = static_cast<uint32_t>(1 + offset / block_size);
    iv[0] = 15 - kAeadNonceSize - 1;
    std::copy(n.begin(), n.end(), iv.begin() + 1);
    for (size_t i = 0; i < 3; ++i) iv[15 - i] = static_cast<uint8_t>(counter >> (8 * i));
  } else {
    uint32_t counter = static_cast<uint32_t>(2 + offset / block_size);
    std::copy(n.begin(), n.end(), iv.begin());
    for (size_t i = 0; i < 4; ++i) iv[15 - i] = static_cast<uint8_t>(counter >> (8 * i));
  }
  std::array<uint8_t, 64> zeros{}, keystream{};
  size_t upto = offset % block_size + 1;
  int written = 0;
  if (!key_keystream() || EVP_EncryptInit_ex2(keystream_, nullptr, nullptr, iv.data(), nullptr) != 1 ||
      EVP_EncryptUpdate(keystream_, keystream.data(), &written, zeros.data(), static_cast<int>(upto)) != 1 ||
      static_cast<size_t>(written) != upto)
    return std::nullopt;
  return static_cast<uint8_t>(keystream[upto - 1] ^ ciphertext_byte);
}

}  // namespace tlsflags::tls
