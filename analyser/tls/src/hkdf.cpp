// HKDF-Expand-Label (RFC 8446 §7.1) over HMAC (RFC 2104) with OpenSSL's low-level SHA-256/SHA-384.
//
// Why not EVP_KDF "TLS13-KDF" or EVP_MAC: every derivation then goes through the provider layer
// (parameter parsing, context allocation and freeing, digest dispatch), about 17,000 instructions
// for what is two 64-byte compressions of real work. A handshake needs eight derivations, which made
// key derivation ~40% of the analyser's time per handshake (callgrind, docs/performance.md). The
// low-level digest functions are the same assembly without the dispatch, and their contexts are plain
// structs, so the HMAC pads are hashed once per secret and copied for each label.
//
// They are deprecated in OpenSSL 3.0 (not removed); this file alone asks for the 1.1.1 API.
#define OPENSSL_API_COMPAT 10101
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <algorithm>
#include <array>

#include "tlsflags/tls/record_protection.hpp"

namespace tlsflags::tls {
namespace {

struct Sha256 {
  using Context = SHA256_CTX;
  static constexpr size_t kBlockSize = 64, kSize = 32;
  static void init(Context& c) { SHA256_Init(&c); }
  static void update(Context& c, const void* data, size_t size) { SHA256_Update(&c, data, size); }
  static void final(Context& c, uint8_t* out) { SHA256_Final(out, &c); }
};

struct Sha384 {
  using Context = SHA512_CTX;
  static constexpr size_t kBlockSize = 128, kSize = 48;
  static void init(Context& c) { SHA384_Init(&c); }
  static void update(Context& c, const void* data, size_t size) { SHA384_Update(&c, data, size); }
  static void final(Context& c, uint8_t* out) { SHA384_Final(out, &c); }
};

// HMAC with its key already absorbed: the inner and outer hash states after the padded key blocks.
template <typename Hash>
class HmacKey {
 public:
  explicit HmacKey(std::span<const uint8_t> key) {
    std::array<uint8_t, Hash::kBlockSize> block{};
    if (key.size() > Hash::kBlockSize) {  // RFC 2104 §2: longer keys are hashed first
      typename Hash::Context c;
      Hash::init(c);
      Hash::update(c, key.data(), key.size());
      Hash::final(c, block.data());
      OPENSSL_cleanse(&c, sizeof c);
    } else {
      std::copy(key.begin(), key.end(), block.begin());
    }
    absorb_padded(inner_, block, 0x36);
    absorb_padded(outer_, block, 0x5c);
    OPENSSL_cleanse(block.data(), block.size());
  }
  ~HmacKey() {
    OPENSSL_cleanse(&inner_, sizeof inner_);
    OPENSSL_cleanse(&outer_, sizeof outer_);
  }
  HmacKey(const HmacKey&) = delete;
  HmacKey& operator=(const HmacKey&) = delete;

  // HMAC(key, a || b || c) into out (Hash::kSize bytes).
  void mac(std::span<const uint8_t> a, std::span<const uint8_t> b, std::span<const uint8_t> c, uint8_t* out) const {
    typename Hash::Context context = inner_;
    Hash::update(context, a.data(), a.size());
    Hash::update(context, b.data(), b.size());
    Hash::update(context, c.data(), c.size());
    std::array<uint8_t, Hash::kSize> inner_hash;
    Hash::final(context, inner_hash.data());
    context = outer_;
    Hash::update(context, inner_hash.data(), inner_hash.size());
    Hash::final(context, out);
    OPENSSL_cleanse(&context, sizeof context);
    OPENSSL_cleanse(inner_hash.data(), inner_hash.size());
  }

 private:
  static void absorb_padded(typename Hash::Context& context, const std::array<uint8_t, Hash::kBlockSize>& block,
                            uint8_t pad) {
    std::array<uint8_t, Hash::kBlockSize> padded;
    for (size_t i = 0; i < padded.size(); ++i) padded[i] = block[i] ^ pad;
    Hash::init(context);
    Hash::update(context, padded.data(), padded.size());
    OPENSSL_cleanse(padded.data(), padded.size());
  }

  typename Hash::Context inner_, outer_;
};

// §7.1: struct { uint16 length; opaque label<7..255> = "tls13 " + Label; opaque context<0..255>; }
size_t build_hkdf_label(std::string_view label, std::span<const uint8_t> context, size_t length,
                        std::array<uint8_t, 2 + 1 + 255 + 1 + 255>& out) {
  static constexpr std::string_view kPrefix = "tls13 ";
  size_t n = 0;
  out[n++] = static_cast<uint8_t>(length >> 8);
  out[n++] = static_cast<uint8_t>(length);
  out[n++] = static_cast<uint8_t>(kPrefix.size() + label.size());
  n = std::copy(kPrefix.begin(), kPrefix.end(), out.begin() + n) - out.begin();
  n = std::copy(label.begin(), label.end(), out.begin() + n) - out.begin();
  out[n++] = static_cast<uint8_t>(context.size());
  n = std::copy(context.begin(), context.end(), out.begin() + n) - out.begin();
  return n;
}

// RFC 5869 §2.3: T(i) = HMAC(PRK, T(i-1) || info || i), the output their concatenation.
template <typename Hash>
bool expand_label(const HmacKey<Hash>& prk, std::string_view label, std::span<const uint8_t> context,
                  std::span<uint8_t> out) {
  if (label.size() > 249 || context.size() > 255 || out.size() > 255 * Hash::kSize) return false;
  std::array<uint8_t, 2 + 1 + 255 + 1 + 255> info;
  const size_t info_size = build_hkdf_label(label, context, out.size(), info);
  std::array<uint8_t, Hash::kSize> block;
  size_t previous = 0;
  for (size_t done = 0, i = 1; done < out.size(); ++i) {
    const uint8_t counter = static_cast<uint8_t>(i);
    prk.mac({block.data(), previous}, {info.data(), info_size}, {&counter, 1}, block.data());
    previous = block.size();
    const size_t n = std::min(block.size(), out.size() - done);
    std::copy_n(block.begin(), n, out.begin() + done);
    done += n;
  }
  OPENSSL_cleanse(block.data(), block.size());
  return true;
}

template <typename Hash>
bool traffic_keys(std::span<const uint8_t> secret, size_t key_size, TrafficKeys& keys) {
  const HmacKey<Hash> prk(secret);  // one key set-up serves both labels
  return expand_label(prk, "key", {}, std::span<uint8_t>(keys.key.data(), key_size)) &&
         expand_label(prk, "iv", {}, keys.iv);
}

bool uses_sha384(const CipherSuite& suite) { return suite.hash_size == Sha384::kSize; }

}  // namespace

bool hkdf_expand_label(const CipherSuite& suite, std::span<const uint8_t> secret, std::string_view label,
                       std::span<const uint8_t> context, std::span<uint8_t> out) {
  if (uses_sha384(suite)) return expand_label(HmacKey<Sha384>(secret), label, context, out);
  return expand_label(HmacKey<Sha256>(secret), label, context, out);
}

bool derive_traffic_keys(const CipherSuite& suite, std::span<const uint8_t> secret, TrafficKeys& keys) {
  // §7.3: [sender]_write_key = HKDF-Expand-Label(Secret, "key", "", key_length)
  //       [sender]_write_iv  = HKDF-Expand-Label(Secret, "iv", "", iv_length)
  if (suite.key_size > keys.key.size()) return false;
  keys.key_size = suite.key_size;
  if (uses_sha384(suite)) return traffic_keys<Sha384>(secret, suite.key_size, keys);
  return traffic_keys<Sha256>(secret, suite.key_size, keys);
}

}  // namespace tlsflags::tls
