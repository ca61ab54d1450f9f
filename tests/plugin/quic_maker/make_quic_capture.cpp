// Writes the QUIC captures of the plugin's golden tests (tests/plugin/data/quic-*.pcap): one client
// Initial packet (RFC 9000 §17.2.2) per capture, in an Ethernet/IPv4/UDP datagram to port 443, whose
// CRYPTO frame carries a real TLS 1.3 ClientHello made by OpenSSL with the TLS Flags extension (type 62)
// and quic_transport_parameters (0x39, RFC 9001 §8.2). The packet is protected with the Initial keys
// derived from its Destination Connection ID (RFC 9001 §5.2), so Wireshark decrypts it without keys.
//
// All cryptography is OpenSSL's: HKDF through EVP_KDF "HKDF", AES-128-GCM and AES-128-ECB through EVP.
// The key derivation and header protection are checked against RFC 9001 Appendix A before anything is
// written; `make_quic_capture --self-test` runs only that check (a ctest).
//
// Not part of the test run: the captures are committed, the goldens depend on their bytes (the
// ClientHello's random and key share change on every run). Rerun
//   make_quic_capture OUT_DIR
// only to change a capture, then regenerate the goldens (UPDATE_GOLDEN=1).
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/ssl.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace {

using Bytes = std::vector<uint8_t>;

constexpr unsigned kFlagsExtension = 62;               // draft-ietf-tls-tlsflags
constexpr unsigned kQuicTransportParameters = 0x39;    // RFC 9001 §8.2
constexpr unsigned kRequestClientAuth = 80;
constexpr uint32_t kQuicVersion1 = 0x00000001;
constexpr size_t kMinInitialDatagram = 1200;           // RFC 9000 §14.1
constexpr size_t kPacketNumberLength = 4;
constexpr size_t kAeadTagLength = 16;                  // AEAD_AES_128_GCM (RFC 9001 §5.3)
constexpr size_t kSampleLength = 16;                   // RFC 9001 §5.4.2

void check(bool ok, const char* what) {
  if (!ok) {
    ERR_print_errors_fp(stderr);
    throw std::runtime_error(what);
  }
}

Bytes from_hex(std::string_view hex) {
  Bytes out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(uint8_t(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

std::string to_hex(const Bytes& bytes) {
  std::string out;
  char digits[3];
  for (uint8_t b : bytes) {
    std::snprintf(digits, sizeof digits, "%02x", b);
    out += digits;
  }
  return out;
}

void append(Bytes& to, const Bytes& bytes) { to.insert(to.end(), bytes.begin(), bytes.end()); }
void append_be(Bytes& to, uint64_t value, size_t width) {
  for (size_t i = width; i-- > 0;) to.push_back(uint8_t(value >> (8 * i)));
}

// ---- HKDF (RFC 5869) and HKDF-Expand-Label (RFC 8446 §7.1), via EVP_KDF --------------------------------

struct KdfCtxFree { void operator()(EVP_KDF_CTX* c) const { EVP_KDF_CTX_free(c); } };
using KdfCtx = std::unique_ptr<EVP_KDF_CTX, KdfCtxFree>;

KdfCtx hkdf_context() {
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  check(kdf, "EVP_KDF_fetch HKDF");
  KdfCtx ctx(EVP_KDF_CTX_new(kdf));
  EVP_KDF_free(kdf);
  check(ctx != nullptr, "EVP_KDF_CTX_new");
  return ctx;
}

// HKDF-Extract(salt, IKM) with SHA-256: a 32-byte PRK.
Bytes hkdf_extract(const Bytes& salt, const Bytes& ikm) {
  KdfCtx ctx = hkdf_context();
  int mode = EVP_KDF_HKDF_MODE_EXTRACT_ONLY;
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<uint8_t*>(ikm.data()), ikm.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<uint8_t*>(salt.data()), salt.size()),
      OSSL_PARAM_construct_end()};
  Bytes prk(32);
  check(EVP_KDF_derive(ctx.get(), prk.data(), prk.size(), params) == 1, "HKDF-Extract");
  return prk;
}

// struct { uint16 length; opaque label<7..255> = "tls13 " + Label; opaque context<0..255>; } HkdfLabel;
// (RFC 8446 §7.1), with an empty context as every QUIC label uses (RFC 9001 §5.1).
Bytes hkdf_label(std::string_view label, size_t length) {
  const std::string full = "tls13 " + std::string(label);
  Bytes info;
  append_be(info, length, 2);
  info.push_back(uint8_t(full.size()));
  info.insert(info.end(), full.begin(), full.end());
  info.push_back(0);  // empty context
  return info;
}

Bytes hkdf_expand_label(const Bytes& secret, std::string_view label, size_t length) {
  KdfCtx ctx = hkdf_context();
  int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
  char digest[] = "SHA256";
  Bytes info = hkdf_label(label, length);
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<uint8_t*>(secret.data()), secret.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info.data(), info.size()),
      OSSL_PARAM_construct_end()};
  Bytes out(length);
  check(EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) == 1, "HKDF-Expand-Label");
  return out;
}

// ---- Initial keys (RFC 9001 §5.2) ------------------------------------------------------------------------

struct PacketKeys {
  Bytes secret, key, iv, hp;
};

PacketKeys client_initial_keys(const Bytes& dcid) {
  const Bytes salt = from_hex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a");  // QUIC v1 initial_salt
  PacketKeys k;
  k.secret = hkdf_expand_label(hkdf_extract(salt, dcid), "client in", 32);
  k.key = hkdf_expand_label(k.secret, "quic key", 16);  // AEAD_AES_128_GCM key (RFC 9001 §5.1)
  k.iv = hkdf_expand_label(k.secret, "quic iv", 12);
  k.hp = hkdf_expand_label(k.secret, "quic hp", 16);
  return k;
}

// ---- Packet protection (RFC 9001 §5.3, §5.4) --------------------------------------------------------------

struct CipherCtxFree { void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); } };
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

// AEAD_AES_128_GCM over `plaintext` with the header as associated data; returns ciphertext || tag.
Bytes aead_seal(const PacketKeys& k, uint64_t packet_number, const Bytes& header, const Bytes& plaintext) {
  Bytes nonce = k.iv;  // §5.3: the packet number, left-padded to the IV's size, XORed with the IV
  for (size_t i = 0; i < 8; ++i) nonce[nonce.size() - 1 - i] ^= uint8_t(packet_number >> (8 * i));
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  check(ctx && EVP_EncryptInit_ex(ctx.get(), EVP_aes_128_gcm(), nullptr, k.key.data(), nonce.data()) == 1, "GCM init");
  int length = 0;
  check(EVP_EncryptUpdate(ctx.get(), nullptr, &length, header.data(), int(header.size())) == 1, "GCM AAD");
  Bytes out(plaintext.size() + kAeadTagLength);
  check(EVP_EncryptUpdate(ctx.get(), out.data(), &length, plaintext.data(), int(plaintext.size())) == 1, "GCM");
  int final_length = 0;
  check(EVP_EncryptFinal_ex(ctx.get(), out.data() + length, &final_length) == 1, "GCM final");
  check(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, int(kAeadTagLength), out.data() + plaintext.size()) == 1,
        "GCM tag");
  return out;
}

// §5.4.3: mask = AES-ECB(hp_key, sample).
Bytes header_mask(const Bytes& hp, const uint8_t* sample) {
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  check(ctx && EVP_EncryptInit_ex(ctx.get(), EVP_aes_128_ecb(), nullptr, hp.data(), nullptr) == 1, "ECB init");
  EVP_CIPHER_CTX_set_padding(ctx.get(), 0);
  Bytes mask(kSampleLength);
  int length = 0;
  check(EVP_EncryptUpdate(ctx.get(), mask.data(), &length, sample, int(kSampleLength)) == 1 && length == 16, "ECB");
  return mask;
}

// §5.4.1: the low 4 bits of a long header's first byte and the packet number bytes are masked; the
// sample starts 4 bytes after the start of the Packet Number field (§5.4.2).
void protect_header(Bytes& packet, size_t pn_offset, const Bytes& hp) {
  Bytes mask = header_mask(hp, packet.data() + pn_offset + 4);
  packet[0] ^= mask[0] & 0x0F;
  for (size_t i = 0; i < kPacketNumberLength; ++i) packet[pn_offset + i] ^= mask[1 + i];
}

// ---- RFC 9001 Appendix A self-test ------------------------------------------------------------------------

void expect_hex(const char* what, const Bytes& got, std::string_view want) {
  if (to_hex(got) == want) return;
  std::fprintf(stderr, "RFC 9001 Appendix A: %s is %s, expected %s\n", what, to_hex(got).c_str(), std::string(want).c_str());
  throw std::runtime_error("RFC 9001 test vector mismatch");
}

void self_test() {
  // A.1: keys of the client Initial for DCID 0x8394c8f03e515708.
  PacketKeys k = client_initial_keys(from_hex("8394c8f03e515708"));
  expect_hex("client_initial_secret", k.secret, "c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea");
  expect_hex("client key", k.key, "1f369613dd76d5467730efcbe3b1a22d");
  expect_hex("client iv", k.iv, "fa044b2f42a3fd3b46fb255c");
  expect_hex("client hp", k.hp, "9f50449e04a0e810283a1e9933adedd2");
  // A.2: the header protection of the client Initial, given the sample of its ciphertext.
  Bytes packet = from_hex("c300000001088394c8f03e5157080000449e00000002");
  append(packet, from_hex("d1b1c98dd7689fb8ec11d242b123dc9b"));
  protect_header(packet, 18, k.hp);
  packet.resize(22);
  expect_hex("protected header", packet, "c000000001088394c8f03e5157080000449e7b9aec34");
  std::printf("RFC 9001 Appendix A.1 keys and A.2 header protection: ok\n");
}

// ---- The ClientHello, from OpenSSL ------------------------------------------------------------------------

struct ExtensionBodies {
  Bytes flags, transport_parameters;
};

int add_body(SSL*, unsigned type, unsigned, const unsigned char** out, size_t* outlen, X509*, size_t, int*, void* arg) {
  auto* bodies = static_cast<ExtensionBodies*>(arg);
  const Bytes& body = type == kFlagsExtension ? bodies->flags : bodies->transport_parameters;
  *out = body.data();
  *outlen = body.size();
  return 1;
}

// RFC 9000 §18.2, the client's minimum: initial_source_connection_id (0x0f, our empty SCID) and
// max_idle_timeout (0x01) of 10 s (varint 0x6710), each { varint id; varint length; value }.
Bytes minimal_transport_parameters() { return {0x0F, 0x00, 0x01, 0x02, 0x67, 0x10}; }

SSL_CTX* quic_client_context(ExtensionBodies& bodies) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  check(ctx, "SSL_CTX_new");
  SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);  // QUIC is TLS 1.3 only (RFC 9001 §4.2)
  SSL_CTX_clear_options(ctx, SSL_OP_ENABLE_MIDDLEBOX_COMPAT);  // no compatibility mode (RFC 9001 §8.4)
  for (unsigned type : {kFlagsExtension, kQuicTransportParameters})
    check(SSL_CTX_add_custom_ext(ctx, type, SSL_EXT_CLIENT_HELLO | SSL_EXT_TLS1_3_ONLY, add_body, nullptr, &bodies,
                                 nullptr, nullptr) == 1, "custom extension");
  static const unsigned char alpn[] = {2, 'h', '3'};
  check(SSL_CTX_set_alpn_protos(ctx, alpn, sizeof alpn) == 0, "ALPN");
  return ctx;
}

// The ClientHello handshake message (RFC 8446 §4): the first TLS record the client writes, without its
// 5-byte record header. QUIC carries handshake messages in CRYPTO frames, not records (RFC 9001 §4).
Bytes client_hello(const Bytes& flags_body) {
  ExtensionBodies bodies{flags_body, minimal_transport_parameters()};
  SSL_CTX* ctx = quic_client_context(bodies);
  SSL* ssl = SSL_new(ctx);
  BIO *in = BIO_new(BIO_s_mem()), *out = BIO_new(BIO_s_mem());
  SSL_set_bio(ssl, in, out);
  SSL_set_connect_state(ssl);
  SSL_set_tlsext_host_name(ssl, "server.test");
  SSL_do_handshake(ssl);  // WANT_READ after writing the ClientHello
  Bytes record(static_cast<size_t>(BIO_ctrl_pending(out)));
  check(!record.empty() && BIO_read(out, record.data(), int(record.size())) == int(record.size()), "ClientHello");
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  check(record.size() > 9 && record[0] == 0x16 && record[5] == 0x01, "a handshake record with a ClientHello");
  size_t length = size_t(record[3]) << 8 | record[4];
  check(record.size() >= 5 + length, "one whole record");
  return Bytes(record.begin() + 5, record.begin() + 5 + long(length));
}

// FlagExtensions (draft-ietf-tls-tlsflags §2): flag N in octet N/8 under mask 1 << N%8, after one
// length octet; `trailing_zeros` extra zero octets make the encoding non-minimal.
Bytes flags_body(unsigned flag, size_t trailing_zeros) {
  Bytes vector(flag / 8 + 1 + trailing_zeros, 0);
  vector[flag / 8] = uint8_t(1u << (flag % 8));
  vector.insert(vector.begin(), uint8_t(vector.size()));
  return vector;
}

// ---- The Initial packet (RFC 9000 §17.2.2) -----------------------------------------------------------------

// Variable-length integer (RFC 9000 §16) in the 2-byte form when it fits (the Length field needs a known
// size before the payload is final), else 4 bytes.
void append_varint(Bytes& to, uint64_t value) {
  if (value < 0x40) return to.push_back(uint8_t(value));
  if (value < 0x4000) return append_be(to, 0x4000 | value, 2);
  append_be(to, 0x80000000 | value, 4);
}

// CRYPTO frame (RFC 9000 §19.6) at offset 0, then PADDING frames (§19.1, zero bytes) up to `size`.
Bytes initial_payload(const Bytes& crypto_data, size_t size) {
  Bytes payload{0x06, 0x00};
  append_be(payload, 0x4000 | crypto_data.size(), 2);
  append(payload, crypto_data);
  check(payload.size() <= size, "the ClientHello fits into one Initial");
  payload.resize(size, 0x00);
  return payload;
}

// Long header: Header Form 1, Fixed Bit 1, Long Packet Type 0 (Initial), Reserved 0, Packet Number
// Length - 1; Version; DCID; SCID (empty); Token Length 0; Length (PN + payload + tag); Packet Number.
Bytes initial_header(const Bytes& dcid, uint64_t packet_number, size_t protected_payload_length) {
  Bytes header{uint8_t(0xC0 | (kPacketNumberLength - 1))};
  append_be(header, kQuicVersion1, 4);
  header.push_back(uint8_t(dcid.size()));
  append(header, dcid);
  header.push_back(0);  // SCID length
  append_varint(header, 0);  // Token Length
  append_be(header, 0x4000 | (kPacketNumberLength + protected_payload_length), 2);  // 2-byte varint
  append_be(header, packet_number, kPacketNumberLength);
  return header;
}

// A client Initial carrying `crypto_data`, padded so the datagram is 1200 bytes (RFC 9000 §14.1),
// protected per RFC 9001 §5.
Bytes client_initial(const Bytes& dcid, const Bytes& crypto_data) {
  const uint64_t packet_number = 0;
  const size_t header_length = initial_header(dcid, packet_number, 0).size();
  const size_t plaintext_length = kMinInitialDatagram - header_length - kAeadTagLength;
  Bytes header = initial_header(dcid, packet_number, plaintext_length + kAeadTagLength);
  PacketKeys keys = client_initial_keys(dcid);
  Bytes packet = header;
  append(packet, aead_seal(keys, packet_number, header, initial_payload(crypto_data, plaintext_length)));
  protect_header(packet, header_length - kPacketNumberLength, keys.hp);
  return packet;
}

// ---- Ethernet/IPv4/UDP and pcap ---------------------------------------------------------------------------

uint16_t ipv4_checksum(const Bytes& header) {  // RFC 791 §3.1: one's complement sum of 16-bit words
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < header.size(); i += 2) sum += uint32_t(header[i]) << 8 | header[i + 1];
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return uint16_t(~sum);
}

// 02:00:00:00:00:01 10.0.0.1:50000 -> 02:00:00:00:00:02 10.0.0.2:443, UDP checksum 0 (none, RFC 768).
Bytes udp_frame(const Bytes& payload) {
  Bytes frame{0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00};
  Bytes ip{0x45, 0x00};
  append_be(ip, 20 + 8 + payload.size(), 2);
  append(ip, {0x00, 0x01, 0x40, 0x00, 64, 17, 0x00, 0x00, 10, 0, 0, 1, 10, 0, 0, 2});  // id 1, DF, TTL 64, UDP
  uint16_t sum = ipv4_checksum(ip);
  ip[10] = uint8_t(sum >> 8);
  ip[11] = uint8_t(sum);
  append(frame, ip);
  append_be(frame, 50000, 2);
  append_be(frame, 443, 2);
  append_be(frame, 8 + payload.size(), 2);
  append_be(frame, 0, 2);
  append(frame, payload);
  return frame;
}

void append_le(Bytes& to, uint32_t value, size_t width) {
  for (size_t i = 0; i < width; ++i) to.push_back(uint8_t(value >> (8 * i)));
}

// A classic little-endian pcap, LINKTYPE_ETHERNET, one packet at a fixed time.
void write_pcap(const std::string& path, const Bytes& frame) {
  Bytes file;
  append_le(file, 0xA1B2C3D4, 4);
  append_le(file, 2, 2);
  append_le(file, 4, 2);
  append_le(file, 0, 4);
  append_le(file, 0, 4);
  append_le(file, 65535, 4);
  append_le(file, 1, 4);
  append_le(file, 1700000000, 4);
  append_le(file, 1000, 4);
  append_le(file, uint32_t(frame.size()), 4);
  append_le(file, uint32_t(frame.size()), 4);
  append(file, frame);
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(file.data()), std::streamsize(file.size()));
  check(out.good(), "write the capture");
}

void write_capture(const std::string& path, const Bytes& flags) {
  const Bytes dcid = from_hex("8394c8f03e515708");  // RFC 9001 Appendix A's DCID
  write_pcap(path, udp_frame(client_initial(dcid, client_hello(flags))));
  std::printf("wrote %s\n", path.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT_DIR | --self-test\n", argv[0]);
    return 2;
  }
  try {
    self_test();
    if (std::string(argv[1]) == "--self-test") return 0;
    const std::string dir = argv[1];
    write_capture(dir + "/quic-rca-client-hello.pcap", flags_body(kRequestClientAuth, 0));
    write_capture(dir + "/quic-flags-non-minimal.pcap", flags_body(kRequestClientAuth, 1));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "make_quic_capture: %s\n", e.what());
    return 1;
  }
  return 0;
}
