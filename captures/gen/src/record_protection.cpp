#include "record_protection.hpp"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <array>
#include <memory>
#include <stdexcept>

namespace tlsgen {
namespace {

std::uint8_t hex_value(char c) {
  if (c >= '0' && c <= '9') return static_cast<std::uint8_t>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<std::uint8_t>(c - 'a' + 10);
  if (c >= 'A' && c <= 'F') return static_cast<std::uint8_t>(c - 'A' + 10);
  throw std::runtime_error("key log line is not hex");
}

constexpr std::size_t kRecordHeader = 5;
constexpr std::size_t kTagLength = 16;   // all three TLS 1.3 AEADs of the generator (8446 §5.2)
constexpr std::size_t kNonceLength = 12; // iv_length: max(8 bytes, N_MIN) = 12 (8446 §5.3)
constexpr std::uint8_t kApplicationData = 23;
constexpr std::size_t kMaxCiphertext = (1u << 14) + 256;  // 8446 §5.2

constexpr std::array<CipherSuiteInfo, 3> kSuites = {{
    {"TLS_AES_128_GCM_SHA256", "AES-128-GCM", "SHA256"},
    {"TLS_AES_256_GCM_SHA384", "AES-256-GCM", "SHA384"},
    {"TLS_CHACHA20_POLY1305_SHA256", "ChaCha20-Poly1305", "SHA256"},
}};

void require(bool ok, const char* what) {
  if (ok) return;
  ERR_clear_error();
  throw std::runtime_error(std::string("record protection: ") + what);
}

struct KdfFree { void operator()(EVP_KDF* kdf) const { EVP_KDF_free(kdf); } };
struct KdfCtxFree { void operator()(EVP_KDF_CTX* ctx) const { EVP_KDF_CTX_free(ctx); } };
struct CipherFree { void operator()(EVP_CIPHER* cipher) const { EVP_CIPHER_free(cipher); } };
struct CipherCtxFree { void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); } };
using CipherPtr = std::unique_ptr<EVP_CIPHER, CipherFree>;
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

std::size_t digest_length(const CipherSuiteInfo& suite) {
  std::unique_ptr<EVP_MD, decltype(&EVP_MD_free)> md(EVP_MD_fetch(nullptr, suite.digest, nullptr), EVP_MD_free);
  require(md != nullptr, "digest fetch");
  return static_cast<std::size_t>(EVP_MD_get_size(md.get()));
}

CipherPtr fetch_aead(const CipherSuiteInfo& suite) {
  CipherPtr cipher(EVP_CIPHER_fetch(nullptr, suite.aead, nullptr));
  require(cipher != nullptr, "AEAD fetch");
  return cipher;
}

Bytes header_for(std::size_t ciphertext_length) {
  // 8446 §5.2: opaque_type application_data, legacy_record_version 0x0303, length.
  return {kApplicationData, 0x03, 0x03, static_cast<std::uint8_t>(ciphertext_length >> 8),
          static_cast<std::uint8_t>(ciphertext_length)};
}

// The AEAD context for one record: key, nonce and AAD (the record header) set.
CipherCtxPtr aead_context(const CipherSuiteInfo& suite, const Bytes& key, const Bytes& nonce, const Bytes& aad,
                          bool encrypt) {
  CipherPtr cipher = fetch_aead(suite);
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  require(ctx != nullptr, "AEAD context");
  require(EVP_CipherInit_ex2(ctx.get(), cipher.get(), key.data(), nonce.data(), encrypt ? 1 : 0, nullptr) == 1,
          "AEAD init");
  int unused = 0;
  require(EVP_CipherUpdate(ctx.get(), nullptr, &unused, aad.data(), static_cast<int>(aad.size())) == 1, "AAD");
  return ctx;
}

// 8446 §5.4: the inner content type is the last non-zero octet; zeros after it are padding.
Bytes strip_padding(Bytes inner) {
  while (!inner.empty() && inner.back() == 0) inner.pop_back();
  require(!inner.empty(), "record without an inner content type");
  return inner;
}

}  // namespace

const CipherSuiteInfo& cipher_suite_info(std::string_view name) {
  for (const CipherSuiteInfo& suite : kSuites)
    if (suite.name == name) return suite;
  throw std::runtime_error("record protection: unknown cipher suite " + std::string(name));
}

Bytes hkdf_expand_label(const CipherSuiteInfo& suite, const Bytes& secret, std::string_view label,
                        const Bytes& context, std::size_t length) {
  std::unique_ptr<EVP_KDF, KdfFree> kdf(EVP_KDF_fetch(nullptr, OSSL_KDF_NAME_TLS1_3_KDF, nullptr));
  require(kdf != nullptr, "TLS13-KDF fetch");
  std::unique_ptr<EVP_KDF_CTX, KdfCtxFree> ctx(EVP_KDF_CTX_new(kdf.get()));
  require(ctx != nullptr, "TLS13-KDF context");
  int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
  static constexpr char kPrefix[] = "tls13 ";
  OSSL_PARAM params[7];
  OSSL_PARAM* p = params;
  *p++ = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
  *p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(suite.digest), 0);
  *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<std::uint8_t*>(secret.data()), secret.size());
  *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PREFIX, const_cast<char*>(kPrefix), sizeof kPrefix - 1);
  *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_LABEL, const_cast<char*>(label.data()), label.size());
  if (!context.empty())
    *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_DATA, const_cast<std::uint8_t*>(context.data()),
                                             context.size());
  *p = OSSL_PARAM_construct_end();
  Bytes out(length);
  require(EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) == 1, "HKDF-Expand-Label");
  return out;
}

Bytes transcript_hash(const CipherSuiteInfo& suite, const Bytes& messages) {
  Bytes hash(EVP_MAX_MD_SIZE);
  std::size_t length = 0;
  require(EVP_Q_digest(nullptr, suite.digest, nullptr, messages.data(), messages.size(), hash.data(), &length) == 1,
          "transcript hash");
  hash.resize(length);
  return hash;
}

Bytes finished_verify_data(const CipherSuiteInfo& suite, const Bytes& traffic_secret, const Bytes& transcript) {
  const Bytes finished_key = hkdf_expand_label(suite, traffic_secret, "finished", {}, digest_length(suite));
  Bytes mac(EVP_MAX_MD_SIZE);
  std::size_t length = 0;
  require(EVP_Q_mac(nullptr, "HMAC", nullptr, suite.digest, nullptr, finished_key.data(), finished_key.size(),
                    transcript.data(), transcript.size(), mac.data(), mac.size(), &length) != nullptr,
          "Finished HMAC");
  mac.resize(length);
  return mac;
}

RecordProtection::RecordProtection(const CipherSuiteInfo& suite, const Bytes& traffic_secret) : suite_(suite) {
  CipherPtr cipher = fetch_aead(suite);
  const auto key_length = static_cast<std::size_t>(EVP_CIPHER_get_key_length(cipher.get()));
  key_ = hkdf_expand_label(suite, traffic_secret, "key", {}, key_length);  // 8446 §7.3
  iv_ = hkdf_expand_label(suite, traffic_secret, "iv", {}, kNonceLength);
}

// 8446 §5.3: the 64-bit sequence number in network byte order, left-padded to iv_length, XOR the iv.
Bytes RecordProtection::nonce() const {
  Bytes nonce = iv_;
  for (std::size_t i = 0; i < 8; ++i)
    nonce[kNonceLength - 1 - i] ^= static_cast<std::uint8_t>(sequence_ >> (8 * i));
  return nonce;
}

Bytes RecordProtection::open(const Bytes& record) {
  require(record.size() > kRecordHeader + kTagLength && record[0] == kApplicationData, "not a TLSCiphertext");
  const Bytes aad(record.begin(), record.begin() + kRecordHeader);
  const Bytes tag(record.end() - kTagLength, record.end());
  CipherCtxPtr ctx = aead_context(suite_, key_, nonce(), aad, false);
  const std::size_t length = record.size() - kRecordHeader - kTagLength;
  Bytes inner(length);
  int written = 0;
  require(EVP_CipherUpdate(ctx.get(), inner.data(), &written, record.data() + kRecordHeader,
                           static_cast<int>(length)) == 1,
          "decrypt");
  require(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, kTagLength, const_cast<std::uint8_t*>(tag.data())) == 1,
          "tag");
  int final_length = 0;
  require(EVP_CipherFinal_ex(ctx.get(), inner.data() + written, &final_length) == 1, "record does not authenticate");
  ++sequence_;
  return strip_padding(std::move(inner));
}

Bytes RecordProtection::seal(const Bytes& content, std::uint8_t inner_type) {
  Bytes inner = content;
  inner.push_back(inner_type);  // 8446 §5.2 TLSInnerPlaintext, zero-length padding
  const std::size_t ciphertext_length = inner.size() + kTagLength;
  require(ciphertext_length <= kMaxCiphertext, "record too long");
  Bytes record = header_for(ciphertext_length);
  CipherCtxPtr ctx = aead_context(suite_, key_, nonce(), record, true);
  record.resize(kRecordHeader + inner.size());
  int written = 0;
  require(EVP_CipherUpdate(ctx.get(), record.data() + kRecordHeader, &written, inner.data(),
                           static_cast<int>(inner.size())) == 1,
          "encrypt");
  int final_length = 0;
  require(EVP_CipherFinal_ex(ctx.get(), record.data() + kRecordHeader + written, &final_length) == 1, "encrypt final");
  Bytes tag(kTagLength);
  require(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, kTagLength, tag.data()) == 1, "tag");
  record.insert(record.end(), tag.begin(), tag.end());
  ++sequence_;
  return record;
}

Bytes key_log_secret(const std::vector<std::string>& keylog, std::string_view label) {
  for (auto line = keylog.rbegin(); line != keylog.rend(); ++line) {
    if (!line->starts_with(label) || line->size() <= label.size() || (*line)[label.size()] != ' ') continue;
    const std::string_view hex = std::string_view(*line).substr(line->rfind(' ') + 1);
    Bytes out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
      out.push_back(static_cast<std::uint8_t>(hex_value(hex[i]) << 4 | hex_value(hex[i + 1])));
    return out;
  }
  throw std::runtime_error("no " + std::string(label) + " in the key log");
}

}  // namespace tlsgen
