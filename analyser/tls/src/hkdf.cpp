// HKDF-Expand-Label (RFC 8446 §7.1) over OpenSSL's HMAC (EVP_MAC "HMAC").
//
// Why not EVP_KDF "TLS13-KDF" per derivation: each call fetches, allocates and frees a context and parses
// parameters, about 17,000 instructions for two 64-byte compressions of real work; with eight
// derivations per handshake that was ~40% of the analyser's time (callgrind, docs/performance.md).
// Here one HMAC context per digest and thread is kept; its key is set once per secret (OpenSSL hashes the
// pads then), and every HMAC block after that re-initialises it with a NULL key, which OpenSSL 3.0's HMAC
// provider answers by restoring its stored pad states. All of HMAC is OpenSSL's; only the HkdfLabel
// structure and the RFC 5869 block chaining are built here.
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <array>
#include <memory>

#include "tlsflags/tls/record_protection.hpp"

namespace tlsflags::tls {
namespace {

struct MacContextFree {
  void operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); }
};
using MacContext = std::unique_ptr<EVP_MAC_CTX, MacContextFree>;

struct Sha256 {
  static constexpr size_t kSize = 32;
  static constexpr const char* kName = "SHA256";
};
struct Sha384 {
  static constexpr size_t kSize = 48;
  static constexpr const char* kName = "SHA384";
};

// The calling thread's HMAC context for Hash (fetched once; -j runs captures on several threads).
template <typename Hash>
EVP_MAC_CTX* thread_hmac_context() {
  thread_local MacContext context = [] {
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    MacContext c(mac ? EVP_MAC_CTX_new(mac) : nullptr);
    EVP_MAC_free(mac);  // the context keeps its own reference
    if (c) {
      OSSL_PARAM params[] = {
          OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(Hash::kName), 0),
          OSSL_PARAM_construct_end()};
      if (!EVP_MAC_CTX_set_params(c.get(), params)) c.reset();
    }
    return c;
  }();
  return context.get();
}

// HMAC keyed with one secret: OpenSSL absorbs the key once, each mac() restarts from that state.
template <typename Hash>
class HmacKey {
 public:
  explicit HmacKey(std::span<const uint8_t> key) : context_(thread_hmac_context<Hash>()) {
    ok_ = context_ && EVP_MAC_init(context_, key.data(), key.size(), nullptr) == 1;
  }
  HmacKey(const HmacKey&) = delete;
  HmacKey& operator=(const HmacKey&) = delete;
  bool ok() const { return ok_; }

  // HMAC(key, a || b || c) into out (Hash::kSize bytes).
  bool mac(std::span<const uint8_t> a, std::span<const uint8_t> b, std::span<const uint8_t> c, uint8_t* out) const {
    size_t written = 0;
    return EVP_MAC_init(context_, nullptr, 0, nullptr) == 1 && EVP_MAC_update(context_, a.data(), a.size()) == 1 &&
           EVP_MAC_update(context_, b.data(), b.size()) == 1 && EVP_MAC_update(context_, c.data(), c.size()) == 1 &&
           EVP_MAC_final(context_, out, &written, Hash::kSize) == 1 && written == Hash::kSize;
  }

 private:
  EVP_MAC_CTX* context_;
  bool ok_ = false;
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
  if (!prk.ok() || label.size() > 249 || context.size() > 255 || out.size() > 255 * Hash::kSize) return false;
  std::array<uint8_t, 2 + 1 + 255 + 1 + 255> info;
  const size_t info_size = build_hkdf_label(label, context, out.size(), info);
  std::array<uint8_t, Hash::kSize> block;
  size_t previous = 0;
  for (size_t done = 0, i = 1; done < out.size(); ++i) {
    const uint8_t counter = static_cast<uint8_t>(i);
    if (!prk.mac({block.data(), previous}, {info.data(), info_size}, {&counter, 1}, block.data())) {
      OPENSSL_cleanse(block.data(), block.size());
      return false;
    }
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
