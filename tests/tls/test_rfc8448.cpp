// RFC 8448 §3 "Simple 1-RTT Handshake": key derivation and record decryption against the published
// trace (values copied from the RFC's text).
#include <catch2/catch.hpp>

#include <vector>

#include "hex.hpp"
#include "tlsflags/tls/handshake.hpp"
#include "tlsflags/core/byte_reader.hpp"
#include "tlsflags/tls/record_protection.hpp"

using namespace tlsflags::tls;
using tlsflags::ByteReader;
using tlsflags::tls::test::from_hex;

namespace {

// {server} derive secret "tls13 s hs traffic"
const char* kServerHandshakeSecret =
    "b6 7b 7d 69 0c c1 6c 4e 75 e5 42 13 cb 2d 37 b4 e9 c9 12 bc de d9 10 5d 42 be fd 59 d3 91 ad 38";
// {server} derive write traffic keys for handshake data
const char* kServerHandshakeKey = "3f ce 51 60 09 c2 17 27 d0 f2 e4 e8 6e e4 03 bc";
const char* kServerHandshakeIv = "5d 31 3e b2 67 12 76 ee 13 00 0b 30";
// {server} derive secret "tls13 s ap traffic" and its write traffic keys
const char* kServerApplicationSecret =
    "a1 1a f9 f0 55 31 f8 56 ad 47 11 6b 45 a9 50 32 82 04 b4 f4 4b fb 6b 3a 4b 4f 1f 3f cb 63 16 43";
const char* kServerApplicationKey = "9f 02 28 3b 6c 9c 07 ef c2 6b b9 f2 ac 92 e3 56";
const char* kServerApplicationIv = "cf 78 2b 88 dd 83 54 9a ad f1 e9 84";

// {server} send handshake record: complete record (679 octets)
const char* kServerHandshakeRecord = R"(
    17 03 03 02 a2 d1 ff 33 4a 56 f5 bf f6 59 4a 07 cc 87 b5 80 23 3f 50 0f 45 e4 89 e7 f3 3a f3 5e
    df 78 69 fc f4 0a a4 0a a2 b8 ea 73 f8 48 a7 ca 07 61 2e f9 f9 45 cb 96 0b 40 68 90 51 23 ea 78
    b1 11 b4 29 ba 91 91 cd 05 d2 a3 89 28 0f 52 61 34 aa dc 7f c7 8c 4b 72 9d f8 28 b5 ec f7 b1 3b
    d9 ae fb 0e 57 f2 71 58 5b 8e a9 bb 35 5c 7c 79 02 07 16 cf b9 b1 18 3e f3 ab 20 e3 7d 57 a6 b9
    d7 47 76 09 ae e6 e1 22 a4 cf 51 42 73 25 25 0c 7d 0e 50 92 89 44 4c 9b 3a 64 8f 1d 71 03 5d 2e
    d6 5b 0e 3c dd 0c ba e8 bf 2d 0b 22 78 12 cb b3 60 98 72 55 cc 74 41 10 c4 53 ba a4 fc d6 10 92
    8d 80 98 10 e4 b7 ed 1a 8f d9 91 f0 6a a6 24 82 04 79 7e 36 a6 a7 3b 70 a2 55 9c 09 ea d6 86 94
    5b a2 46 ab 66 e5 ed d8 04 4b 4c 6d e3 fc f2 a8 94 41 ac 66 27 2f d8 fb 33 0e f8 19 05 79 b3 68
    45 96 c9 60 bd 59 6e ea 52 0a 56 a8 d6 50 f5 63 aa d2 74 09 96 0d ca 63 d3 e6 88 61 1e a5 e2 2f
    44 15 cf 95 38 d5 1a 20 0c 27 03 42 72 96 8a 26 4e d6 54 0c 84 83 8d 89 f7 2c 24 46 1a ad 6d 26
    f5 9e ca ba 9a cb bb 31 7b 66 d9 02 f4 f2 92 a3 6a c1 b6 39 c6 37 ce 34 31 17 b6 59 62 22 45 31
    7b 49 ee da 0c 62 58 f1 00 d7 d9 61 ff b1 38 64 7e 92 ea 33 0f ae ea 6d fa 31 c7 a8 4d c3 bd 7e
    1b 7a 6c 71 78 af 36 87 90 18 e3 f2 52 10 7f 24 3d 24 3d c7 33 9d 56 84 c8 b0 37 8b f3 02 44 da
    8c 87 c8 43 f5 e5 6e b4 c5 e8 28 0a 2b 48 05 2c f9 3b 16 49 9a 66 db 7c ca 71 e4 59 94 26 f7 d4
    61 e6 6f 99 88 2b d8 9f c5 08 00 be cc a6 2d 6c 74 11 6d bd 29 72 fd a1 fa 80 f8 5d f8 81 ed be
    5a 37 66 89 36 b3 35 58 3b 59 91 86 dc 5c 69 18 a3 96 fa 48 a1 81 d6 b6 fa 4f 9d 62 d5 13 af bb
    99 2f 2b 99 2f 67 f8 af e6 7f 76 91 3f a3 88 cb 56 30 c8 ca 01 e0 c6 5d 11 c6 6a 1e 2a c4 c8 59
    77 b7 c7 a6 99 9b bf 10 dc 35 ae 69 f5 51 56 14 63 6c 0b 9b 68 c1 9e d2 e3 1c 0b 3b 66 76 30 38
    eb ba 42 f3 b3 8e dc 03 99 f3 a9 f2 3f aa 63 97 8c 31 7f c9 fa 66 a7 3f 60 f0 50 4d e9 3b 5b 84
    5e 27 55 92 c1 23 35 ee 34 0b bc 4f dd d5 02 78 40 16 e4 b3 be 7e f0 4d da 49 f4 b4 40 a3 0c b5
    d2 af 93 98 28 fd 4a e3 79 4e 44 f9 4d f5 a6 31 ed e4 2c 17 19 bf da bf 02 53 fe 51 75 be 89 8e
    75 0e dc 53 37 0d 2b)";

// {server} construct an EncryptedExtensions handshake message
const char* kEncryptedExtensions =
    "08 00 00 24 00 22 00 0a 00 14 00 12 00 1d 00 17 00 18 00 19 01 00 01 01 01 02 01 03 01 04 00 1c 00 02"
    "40 01 00 00 00 00";
// {server} construct a Finished handshake message
const char* kServerFinished =
    "14 00 00 20 9b 9b 14 1d 90 63 37 fb d2 cb dc e7 1d f4 de da 4a b4 2c 30 95 72 cb 7f ff ee 54 54 b7 8f"
    "07 18";

const CipherSuite& aes128() { return *tls13_cipher_suite(0x1301); }

}  // namespace

TEST_CASE("RFC 8448 §3: server handshake key and iv from the server handshake traffic secret", "[rfc8448]") {
  TrafficKeys keys;
  REQUIRE(derive_traffic_keys(aes128(), from_hex(kServerHandshakeSecret), keys));
  CHECK(std::vector<uint8_t>(keys.key.begin(), keys.key.begin() + keys.key_size) == from_hex(kServerHandshakeKey));
  CHECK(std::vector<uint8_t>(keys.iv.begin(), keys.iv.end()) == from_hex(kServerHandshakeIv));
}

TEST_CASE("RFC 8448 §3: server application key and iv", "[rfc8448]") {
  TrafficKeys keys;
  REQUIRE(derive_traffic_keys(aes128(), from_hex(kServerApplicationSecret), keys));
  CHECK(std::vector<uint8_t>(keys.key.begin(), keys.key.begin() + 16) == from_hex(kServerApplicationKey));
  CHECK(std::vector<uint8_t>(keys.iv.begin(), keys.iv.end()) == from_hex(kServerApplicationIv));
}

TEST_CASE("RFC 8448 §3: the server's encrypted flight decrypts to EncryptedExtensions..Finished", "[rfc8448]") {
  auto record = from_hex(kServerHandshakeRecord);
  REQUIRE(record.size() == 679);
  std::span<const uint8_t> header(record.data(), kRecordHeaderSize);
  std::span<const uint8_t> body(record.data() + kRecordHeaderSize, record.size() - kRecordHeaderSize);

  RecordProtection protection;
  REQUIRE(protection.install(aes128(), from_hex(kServerHandshakeSecret)));
  std::vector<uint8_t> plaintext(kMaxCiphertextRecord);
  auto length = protection.open(header, body, plaintext);
  REQUIRE(length);
  REQUIRE(*length == 658);  // 657 octets of handshake messages + the inner content type
  CHECK(plaintext[657] == 22);
  CHECK(protection.sequence() == 1);

  auto ee = from_hex(kEncryptedExtensions);
  CHECK(std::equal(ee.begin(), ee.end(), plaintext.begin()));
  auto finished = from_hex(kServerFinished);
  CHECK(std::equal(finished.begin(), finished.end(), plaintext.begin() + 657 - finished.size()));

  // The flight is EE, Certificate, CertificateVerify, Finished, each fully consumed.
  ByteReader messages(std::span<const uint8_t>(plaintext.data(), 657));
  std::vector<uint8_t> types;
  while (!messages.empty()) {
    uint8_t type = 0;
    ByteReader message;
    REQUIRE(messages.u8(type));
    REQUIRE(messages.u24_prefixed(message));
    types.push_back(type);
  }
  CHECK(types == std::vector<uint8_t>{8, 11, 15, 20});
}

TEST_CASE("RFC 8448 §3: peeking the last byte reveals the inner content type without opening", "[rfc8448]") {
  auto record = from_hex(kServerHandshakeRecord);
  std::span<const uint8_t> body(record.data() + kRecordHeaderSize, record.size() - kRecordHeaderSize);
  RecordProtection protection;
  REQUIRE(protection.install(aes128(), from_hex(kServerHandshakeSecret)));
  size_t last = body.size() - kAeadTagSize - 1;
  CHECK(protection.peek_byte(last, body[last]) == uint8_t{22});
  CHECK(protection.peek_byte(0, body[0]) == uint8_t{0x08});  // EncryptedExtensions
  CHECK(protection.sequence() == 0);
}

TEST_CASE("RFC 8448 §3: a tampered record fails authentication and keeps the sequence number", "[rfc8448]") {
  auto record = from_hex(kServerHandshakeRecord);
  record[100] ^= 1;
  RecordProtection protection;
  REQUIRE(protection.install(aes128(), from_hex(kServerHandshakeSecret)));
  std::vector<uint8_t> plaintext(kMaxCiphertextRecord);
  CHECK_FALSE(protection.open(std::span<const uint8_t>(record.data(), 5),
                              std::span<const uint8_t>(record.data() + 5, record.size() - 5), plaintext));
  CHECK(protection.sequence() == 0);
}

TEST_CASE("RFC 8448 §3: EncryptedExtensions of the trace parses without a flags extension", "[rfc8448]") {
  auto ee = from_hex(kEncryptedExtensions);
  tlsflags::Event event;
  REQUIRE(parse_encrypted_extensions(std::span<const uint8_t>(ee).subspan(4), ParseOptions{}, event));
  CHECK_FALSE(event.flags);
}
