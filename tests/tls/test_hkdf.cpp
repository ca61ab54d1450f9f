// hkdf_expand_label (src/hkdf.cpp, HMAC over the low-level digests) against OpenSSL's own TLS13-KDF,
// for both hashes, output lengths of one and several HMAC blocks, with and without a context.
#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "tlsflags/tls/record_protection.hpp"

using namespace tlsflags::tls;

namespace {

std::vector<uint8_t> openssl_expand_label(const char* digest, const std::vector<uint8_t>& secret, std::string label,
                                          const std::vector<uint8_t>& context, size_t length) {
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "TLS13-KDF", nullptr);
  EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
  int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
  static unsigned char prefix[] = "tls13 ";
  unsigned char empty = 0;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(digest), 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<uint8_t*>(secret.data()), secret.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PREFIX, prefix, 6),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_LABEL, label.data(), label.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_DATA,
                                        context.empty() ? &empty : const_cast<uint8_t*>(context.data()), context.size()),
      OSSL_PARAM_construct_end(),
  };
  std::vector<uint8_t> out(length);
  const int ok = EVP_KDF_derive(ctx, out.data(), out.size(), params);
  EVP_KDF_CTX_free(ctx);
  EVP_KDF_free(kdf);
  REQUIRE(ok == 1);
  return out;
}

}  // namespace

TEST_CASE("HKDF-Expand-Label equals OpenSSL's TLS13-KDF", "[hkdf]") {
  for (uint16_t id : {uint16_t{0x1301}, uint16_t{0x1302}}) {
    const CipherSuite& suite = *tls13_cipher_suite(id);
    std::vector<uint8_t> secret(suite.hash_size);
    for (size_t i = 0; i < secret.size(); ++i) secret[i] = static_cast<uint8_t>(i * 7 + id);
    const std::vector<uint8_t> context = {1, 2, 3, 4, 5};
    for (size_t length : {size_t{12}, size_t{16}, suite.hash_size, 2 * suite.hash_size + 5}) {
      for (const auto& ctx : {std::vector<uint8_t>{}, context}) {
        CAPTURE(suite.digest, length, ctx.size());
        std::vector<uint8_t> ours(length);
        REQUIRE(hkdf_expand_label(suite, secret, "traffic upd", ctx, ours));
        CHECK(ours == openssl_expand_label(suite.digest, secret, "traffic upd", ctx, length));
      }
    }
    TrafficKeys keys;
    REQUIRE(derive_traffic_keys(suite, secret, keys));
    CHECK(std::vector<uint8_t>(keys.key.begin(), keys.key.begin() + suite.key_size) ==
          openssl_expand_label(suite.digest, secret, "key", {}, suite.key_size));
    CHECK(std::vector<uint8_t>(keys.iv.begin(), keys.iv.end()) == openssl_expand_label(suite.digest, secret, "iv", {}, 12));
  }
}
