// HKDF-Expand-Label (RFC 8446 §7.1) over OpenSSL's HMAC (EVP_MAC "HMAC").
//
// Why not EVP_KDF "TLS13-KDF" per derivation: each call fetches, allocates and frees a context and parses
// parameters, about 17,000 instructions for two 64-byte compressions of real work; with eight
// derivations per handshake that was ~40% of the analyser's time (callgrind, docs/performance.md).
// Here one HMAC context per digest and thread is kept; its key is set once per secret (OpenSSL hashes the
// pads then, and the context is ready for the first HMAC), and every HMAC after the first re-initialises
// it with a NULL key, which OpenSSL 3.0's HMAC provider answers by restoring its stored pad states. Each
// HMAC's input is one buffer, one update. All of HMAC is OpenSSL's; only the HkdfLabel
// structure and the RFC 5869 block chaining are built here.
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <array>
#include <memory>
#include <utility>

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
    fresh_ = ok_;
  }
  HmacKey(const HmacKey&) = delete;
  HmacKey& operator=(const HmacKey&) = delete;
  bool ok() const { return ok_; }

  // HMAC(key, message) into out (Hash::kSize bytes). Right after keying the context is already at the
  // start of a MAC; after that a NULL-key init restores it.
  bool mac(std::span<const uint8_t> message, uint8_t* out) {
    size_t written = 0;
    const bool started = std::exchange(fresh_, false) || EVP_MAC_init(context_, nullptr, 0, nullptr) == 1;
    return started && EVP_MAC_update(context_, message.data(), message.size()) == 1 &&
           EVP_MAC_final(context_, out, &written, Hash::kSize) == 1 && written == Hash::kSize;
  }

 private:
  EVP_MAC_CTX* context_;
  bool ok_ = false;
  bool fresh_ = false;  // keyed and nothing MACed yet
};

// §7.1: struct { uint16 length; opaque label<7..255> = "tls13 " + Label; opaque context<0..255>; }
// written at `out`; returns its size.
size_t build_hkdf_label(std::string_view label, std::span<const uint8_t> context, size_t length, uint8_t* out) {
  static constexpr std::string_view kPrefix = "tls13 ";
  size_t n = 0;
  out[n++] = static_cast<uint8_t>(length >> 8);
  out[n++] = static_cast<uint8_t>(length);
  out[n++] = static_cast<uint8_t>(kPrefix.size() + label.size());
  n = std::copy(kPrefix.begin(), kPrefix.end(), out + n) - out;
  n = std::copy(label.begin(), label.end(), out + n) - out;
  out[n++] = static_cast<uint8_t>(context.size());
  n = std::copy(context.begin(), context.end(), out + n) - out;
  return n;
}

// RFC 5869 §2.3: T(i) = HMAC(PRK, T(i-1) || info || i), the output their concatenation. Each HMAC input
// is laid out in one buffer, [T(i-1)] info i, so that it is one update.
template <typename Hash>
bool expand_label(HmacKey<Hash>& prk, std::string_view label, std::span<const uint8_t> context,
                  std::span<uint8_t> out) {
  if (!prk.ok() || label.size() > 249 || context.size() > 255 || out.size() > 255 * Hash::kSize) return false;
  constexpr size_t kMaxInfo = 2 + 1 + 255 + 1 + 255;
  std::array<uint8_t, Hash::kSize + kMaxInfo + 1> input;
  const size_t info_size = build_hkdf_label(label, context, out.size(), input.data() + Hash::kSize);
  std::array<uint8_t, Hash::kSize> block;
  size_t previous = 0;  // T(0) is empty
  bool ok = true;
  for (size_t done = 0, i = 1; done < out.size(); ++i) {
    input[Hash::kSize + info_size] = static_cast<uint8_t>(i);
    const size_t skipped = Hash::kSize - previous;
    if (!prk.mac({input.data() + skipped, previous + info_size + 1}, block.data())) {
      ok = false;
      break;
    }
    std::copy(block.begin(), block.end(), input.begin());  // T(i) goes before the info for T(i+1)
    previous = block.size();
    const size_t n = std::min(block.size(), out.size() - done);
    std::copy_n(block.begin(), n, out.begin() + done);
    done += n;
  }
  OPENSSL_cleanse(block.data(), block.size());
  OPENSSL_cleanse(input.data(), Hash::kSize);
  return ok;
}

template <typename Hash>
bool traffic_keys(std::span<const uint8_t> secret, size_t key_size, TrafficKeys& keys) {
  HmacKey<Hash> prk(secret);  // one key set-up serves both labels
  return expand_label(prk, "key", {}, std::span<uint8_t>(keys.key.data(), key_size)) &&
         expand_label(prk, "iv", {}, keys.iv);
}

bool uses_sha384(const CipherSuite& suite) { return suite.hash_size == Sha384::kSize; }

}  // namespace

bool hkdf_expand_label(const CipherSuite& suite, std::span<const uint8_t> secret, std::string_view label,
                       std::span<const uint8_t> context, std::span<uint8_t> out) {
  if (uses_sha384(suite)) {
    HmacKey<Sha384> prk(secret);
    return expand_label(prk, label, context, out);
  }
  HmacKey<Sha256> prk(secret);
  return expand_label(prk, label, context, out);
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
