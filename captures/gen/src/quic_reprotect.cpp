#include "quic_reprotect.hpp"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <memory>
#include <stdexcept>

namespace tlsgen {
namespace {

constexpr std::uint32_t kVersion1 = 0x00000001, kVersion2 = 0x6b3343cf;  // RFC 9000, RFC 9369 §3.1
// RFC 9001 §5.2 and RFC 9369 §3.3.1.
constexpr std::array<std::uint8_t, 20> kSaltV1 = {0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
                                                  0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a};
constexpr std::array<std::uint8_t, 20> kSaltV2 = {0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
                                                  0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9};
constexpr size_t kTag = 16, kSample = 16;
enum Space { kInitial = 0, kHandshake = 1, kApplication = 2 };

void require(bool ok, const std::string& what) {
  if (ok) return;
  ERR_clear_error();
  throw std::runtime_error("QUIC v2 re-protection: " + what);
}

struct CipherCtxFree { void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); } };
struct CipherFree { void operator()(EVP_CIPHER* cipher) const { EVP_CIPHER_free(cipher); } };
struct KdfFree { void operator()(EVP_KDF* kdf) const { EVP_KDF_free(kdf); } };
struct KdfCtxFree { void operator()(EVP_KDF_CTX* ctx) const { EVP_KDF_CTX_free(ctx); } };

std::unique_ptr<EVP_CIPHER, CipherFree> fetch(const std::string& name) {
  std::unique_ptr<EVP_CIPHER, CipherFree> cipher(EVP_CIPHER_fetch(nullptr, name.c_str(), nullptr));
  require(cipher != nullptr, "cipher " + name);
  return cipher;
}

// RFC 5869 §2.2 HKDF-Extract with SHA-256 (RFC 9001 §5.2), by OpenSSL's HKDF in extract-only mode.
Bytes hkdf_extract_sha256(const std::array<std::uint8_t, 20>& salt, const Bytes& ikm) {
  std::unique_ptr<EVP_KDF, KdfFree> kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr));
  require(kdf != nullptr, "HKDF fetch");
  std::unique_ptr<EVP_KDF_CTX, KdfCtxFree> ctx(EVP_KDF_CTX_new(kdf.get()));
  require(ctx != nullptr, "HKDF context");
  int mode = EVP_KDF_HKDF_MODE_EXTRACT_ONLY;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>("SHA256"), 0),
      OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<std::uint8_t*>(salt.data()), salt.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<std::uint8_t*>(ikm.data()), ikm.size()),
      OSSL_PARAM_construct_end()};
  Bytes prk(32);
  require(EVP_KDF_derive(ctx.get(), prk.data(), prk.size(), params) == 1, "HKDF-Extract");
  return prk;
}

// §5.4.3: AES-ECB of the AEAD's key size; §5.4.4: ChaCha20.
std::string mask_cipher_of(const std::string& aead) {
  if (aead == "AES-128-GCM" || aead == "AES-128-CCM") return "AES-128-ECB";
  if (aead == "AES-256-GCM") return "AES-256-ECB";
  if (aead == "ChaCha20-Poly1305") return "ChaCha20";
  throw std::runtime_error("QUIC v2 re-protection: no header protection for " + aead);
}

// The suites QUIC may use (RFC 9001 §5.3): the generator's three, and AES-128-CCM (16-octet tag).
const CipherSuiteInfo& quic_suite(std::string_view name) {
  static constexpr CipherSuiteInfo kCcm{"TLS_AES_128_CCM_SHA256", "AES-128-CCM", "SHA256"};
  return name == kCcm.name ? kCcm : cipher_suite_info(name);
}

bool is_ccm(const std::string& aead) { return aead == "AES-128-CCM"; }

// §5.1: key, iv and hp from a traffic secret, with the version's labels.
QuicV2Reprotector::Keys packet_keys(const CipherSuiteInfo& suite, const Bytes& secret, bool v2) {
  require(!secret.empty(), std::string("a secret of ") + std::string(suite.name) + " missing from the key log");
  const std::string prefix = v2 ? "quicv2 " : "quic ";
  const auto cipher = fetch(suite.aead);
  const auto key_size = static_cast<size_t>(EVP_CIPHER_get_key_length(cipher.get()));
  return {suite.aead, mask_cipher_of(suite.aead), hkdf_expand_label(suite, secret, prefix + "key", {}, key_size),
          hkdf_expand_label(suite, secret, prefix + "iv", {}, 12),
          hkdf_expand_label(suite, secret, prefix + "hp", {}, key_size)};
}

std::array<std::uint8_t, 5> header_mask(const QuicV2Reprotector::Keys& keys, const std::uint8_t* sample) {
  const bool chacha = keys.mask == "ChaCha20";
  const auto cipher = fetch(keys.mask);
  std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree> ctx(EVP_CIPHER_CTX_new());
  const std::array<std::uint8_t, kSample> zeros{};
  std::array<std::uint8_t, kSample + 16> block{};
  int length = 0;
  // ChaCha20: the sample is the 16-octet IV (counter, nonce) and five zero octets are encrypted.
  require(EVP_EncryptInit_ex(ctx.get(), cipher.get(), nullptr, keys.hp.data(), chacha ? sample : nullptr) == 1 &&
              EVP_CIPHER_CTX_set_padding(ctx.get(), 0) == 1 &&
              EVP_EncryptUpdate(ctx.get(), block.data(), &length, chacha ? zeros.data() : sample, kSample) == 1,
          "header protection");
  return {block[0], block[1], block[2], block[3], block[4]};
}

// §5.3: the AEAD with nonce iv XOR packet number and the header as AAD. Opens (and checks the tag) or seals.
Bytes aead(const QuicV2Reprotector::Keys& keys, std::uint64_t number, const Bytes& header, const Bytes& in, bool seal) {
  Bytes nonce = keys.iv;
  for (size_t i = 0; i < 8; ++i) nonce[nonce.size() - 1 - i] ^= static_cast<std::uint8_t>(number >> (8 * i));
  const auto cipher = fetch(keys.aead);
  std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree> ctx(EVP_CIPHER_CTX_new());
  require(in.size() >= (seal ? 0 : kTag), "packet shorter than its tag");
  const size_t size = seal ? in.size() : in.size() - kTag;
  Bytes out(size + (seal ? kTag : 0));
  int length = 0;
  if (is_ccm(keys.aead)) {  // RFC 3610: nonce and tag lengths before the key, the length before the AAD
    require(seal, "opening CCM (not needed here)");
    require(EVP_CipherInit_ex(ctx.get(), cipher.get(), nullptr, nullptr, nullptr, 1) == 1 &&
                EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_IVLEN, static_cast<int>(nonce.size()), nullptr) == 1 &&
                EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, kTag, nullptr) == 1 &&
                EVP_CipherInit_ex(ctx.get(), nullptr, nullptr, keys.key.data(), nonce.data(), 1) == 1 &&
                EVP_CipherUpdate(ctx.get(), nullptr, &length, nullptr, static_cast<int>(size)) == 1,
            "CCM");
  } else {
    require(EVP_CipherInit_ex(ctx.get(), cipher.get(), nullptr, keys.key.data(), nonce.data(), seal ? 1 : 0) == 1, "AEAD");
  }
  require(EVP_CipherUpdate(ctx.get(), nullptr, &length, header.data(), static_cast<int>(header.size())) == 1 &&
              EVP_CipherUpdate(ctx.get(), out.data(), &length, in.data(), static_cast<int>(size)) == 1,
          "AEAD");
  if (!seal)
    require(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, kTag, const_cast<std::uint8_t*>(in.data() + size)) == 1,
            "tag");
  require(EVP_CipherFinal_ex(ctx.get(), out.data() + length, &length) == 1, seal ? "seal" : "a v1 packet did not open");
  if (seal) require(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, kTag, out.data() + size) == 1, "tag");
  return out;
}

// RFC 9000 §16.
std::uint64_t read_varint(const Bytes& data, size_t& at) {
  require(at < data.size(), "varint past the datagram");
  const size_t length = size_t{1} << (data[at] >> 6);
  require(at + length <= data.size(), "varint past the datagram");
  std::uint64_t value = data[at] & 0x3fu;
  for (size_t i = 1; i < length; ++i) value = (value << 8) | data[at + i];
  at += length;
  return value;
}

// RFC 9000 §A.3.
std::uint64_t decode_packet_number(std::int64_t largest, std::uint64_t truncated, size_t length) {
  const auto expected = static_cast<std::uint64_t>(largest + 1);
  const std::uint64_t window = std::uint64_t{1} << (8 * length), half = window / 2;
  const std::uint64_t candidate = (expected & ~(window - 1)) | truncated;
  if (candidate + half <= expected && candidate < (std::uint64_t{1} << 62) - window) return candidate + window;
  if (candidate > expected + half && candidate >= window) return candidate - window;
  return candidate;
}

}  // namespace

QuicPacketKeys quic_packet_keys(std::string_view suite, const Bytes& secret, bool v2) {
  return packet_keys(quic_suite(suite), secret, v2);
}

QuicPacketKeys quic_initial_keys(const Bytes& client_dcid, bool client, bool v2) {
  const CipherSuiteInfo& initial = cipher_suite_info("TLS_AES_128_GCM_SHA256");
  const Bytes initial_secret = hkdf_extract_sha256(v2 ? kSaltV2 : kSaltV1, client_dcid);
  return packet_keys(initial, hkdf_expand_label(initial, initial_secret, client ? "client in" : "server in", {}, 32), v2);
}

Bytes protect_quic_packet(const QuicPacketKeys& keys, Bytes header, size_t pn_offset, std::uint64_t number,
                          const Bytes& payload) {
  const size_t pn_length = header.size() - pn_offset;
  Bytes packet = header;
  const Bytes sealed = aead(keys, number, header, payload, true);
  packet.insert(packet.end(), sealed.begin(), sealed.end());
  require(packet.size() >= pn_offset + 4 + kSample, "packet too short to sample");
  const auto mask = header_mask(keys, packet.data() + pn_offset + 4);
  packet[0] ^= mask[0] & ((packet[0] & 0x80) ? 0x0f : 0x1f);
  for (size_t i = 0; i < pn_length; ++i) packet[pn_offset + i] ^= mask[1 + i];
  return packet;
}

QuicV2Reprotector::Keys QuicV2Reprotector::keys(bool v2, int space, bool from_client) const {
  if (space == kInitial) return quic_initial_keys(client_dcid_, from_client, v2);
  const CipherSuiteInfo& suite = quic_suite(secrets_.suite);
  if (space == kHandshake)
    return packet_keys(suite, from_client ? secrets_.client_handshake : secrets_.server_handshake, v2);
  return packet_keys(suite, from_client ? secrets_.client_application : secrets_.server_application, v2);
}

Bytes QuicV2Reprotector::reprotect(const Bytes& datagram, bool from_client) {
  Bytes out;
  size_t at = 0;
  // RFC 9000 §12.2: coalesced packets; anything after the last one (no fixed bit) is copied as it is.
  while (at < datagram.size() && (datagram[at] & 0x40)) at = reprotect_packet(datagram, at, from_client, out);
  out.insert(out.end(), datagram.begin() + static_cast<std::ptrdiff_t>(at), datagram.end());
  return out;
}

// One packet from `start`: header protection and AEAD removed with the v1 keys, the header made v2's,
// then sealed and masked with the v2 keys. Returns where the next packet starts.
size_t QuicV2Reprotector::reprotect_packet(const Bytes& datagram, size_t start, bool from_client, Bytes& out) {
  const bool long_header = datagram[start] & 0x80;
  size_t at = start + 1, end = datagram.size();
  int space = kApplication;
  unsigned v2_type = 0;
  if (long_header) {  // RFC 9000 §17.2
    require(at + 4 <= end, "long header past the datagram");
    const std::uint32_t version = (std::uint32_t{datagram[at]} << 24) | (datagram[at + 1] << 16) |
                                  (datagram[at + 2] << 8) | datagram[at + 3];
    require(version == kVersion1, "a packet of a version other than 1");
    at += 4;
    const unsigned v1_type = (datagram[start] >> 4) & 0x03u;
    require(v1_type == 0 || v1_type == 2, "a 0-RTT or Retry packet (not re-protected)");
    space = v1_type == 0 ? kInitial : kHandshake;
    v2_type = v1_type == 0 ? 0x01 : 0x03;  // RFC 9369 §3.2: Initial 0b01, Handshake 0b11
    const size_t dcid_size = datagram.at(at);
    const Bytes dcid(datagram.begin() + static_cast<std::ptrdiff_t>(at + 1),
                     datagram.begin() + static_cast<std::ptrdiff_t>(at + 1 + dcid_size));
    at += 1 + dcid_size;
    const size_t scid_size = datagram.at(at);
    at += 1 + scid_size;
    if (from_client && space == kInitial && !dcid_known_) {
      client_dcid_ = dcid;
      dcid_known_ = true;
    }
    (from_client ? client_cid_size_ : server_cid_size_) = scid_size;
    if (space == kInitial) at += read_varint(datagram, at);  // the token
    const std::uint64_t length = read_varint(datagram, at);
    require(at + length <= end, "packet past the datagram");
    end = at + length;
  } else {  // §17.3: the Destination Connection ID its receiver chose
    at += from_client ? server_cid_size_ : client_cid_size_;
  }
  const size_t pn_offset = at;
  require(pn_offset + 4 + kSample <= end, "packet too short to sample");
  Bytes packet(datagram.begin() + static_cast<std::ptrdiff_t>(start), datagram.begin() + static_cast<std::ptrdiff_t>(end));
  const size_t pn_at = pn_offset - start;
  const Keys v1 = keys(false, space, from_client), v2 = keys(true, space, from_client);
  const std::uint8_t low_bits = long_header ? 0x0f : 0x1f;
  // §5.4.1: unmask the first octet and the packet number.
  const auto mask = header_mask(v1, packet.data() + pn_at + 4);
  packet[0] ^= mask[0] & low_bits;
  const size_t pn_length = (packet[0] & 0x03u) + 1;
  std::uint64_t truncated = 0;
  for (size_t i = 0; i < pn_length; ++i) {
    packet[pn_at + i] ^= mask[1 + i];
    truncated = (truncated << 8) | packet[pn_at + i];
  }
  require(long_header || !(packet[0] & 0x04), "a key update (key phase 1; not re-protected)");
  std::int64_t& largest = (from_client ? client_ : server_).largest[space];
  const std::uint64_t number = decode_packet_number(largest, truncated, pn_length);
  largest = std::max(largest, static_cast<std::int64_t>(number));
  Bytes header(packet.begin(), packet.begin() + static_cast<std::ptrdiff_t>(pn_at + pn_length));
  const Bytes payload(packet.begin() + static_cast<std::ptrdiff_t>(pn_at + pn_length), packet.end());
  const Bytes plaintext = aead(v1, number, header, payload, false);
  if (long_header) {  // RFC 9369 §3.1, §3.2: the version and the packet type bits
    header[0] = static_cast<std::uint8_t>((header[0] & 0xcf) | (v2_type << 4));
    header[1] = kVersion2 >> 24;
    header[2] = (kVersion2 >> 16) & 0xff;
    header[3] = (kVersion2 >> 8) & 0xff;
    header[4] = kVersion2 & 0xff;
  }
  const Bytes sealed = protect_quic_packet(v2, header, pn_at, number, plaintext);
  out.insert(out.end(), sealed.begin(), sealed.end());
  return end;
}

}  // namespace tlsgen
