// The protocol facts of RFC 8446 that both event sources (analyser/tls, the plugin) and the rules rely
// on: handshake type numbers, versions, the extension types the sources look at, the HelloRetryRequest
// random and the alerts. One home, so the two sources cannot disagree about what a number means
// (docs/architecture.md "The seams"). Numbers only: nothing here knows about events or verdicts.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace tlsflags {

// RFC 8446 §4 HandshakeType values (and RFC 8879's compressed_certificate).
enum class HandshakeType : uint8_t {
  client_hello = 1,
  server_hello = 2,
  new_session_ticket = 4,
  end_of_early_data = 5,
  // RFC 8446 §4 reserves 6 (hello_retry_request_RESERVED): a HelloRetryRequest travels as a
  // server_hello. The plugin's tlsflags.message uses 6 for it, which keeps the two apart in filters.
  hello_retry_request_reserved = 6,
  encrypted_extensions = 8,
  certificate = 11,
  certificate_request = 13,
  certificate_verify = 15,
  finished = 20,
  key_update = 24,
  compressed_certificate = 25,
  message_hash = 254,
};

constexpr uint8_t to_wire(HandshakeType type) { return static_cast<uint8_t>(type); }

// RFC 8446's name of a handshake message that can carry extensions ("ClientHello", ...), with 6 for the
// HelloRetryRequest as above; nullptr for the others. A C string: the plugin's value_string table holds it.
constexpr const char* extension_message_name(uint8_t type) {
  switch (static_cast<HandshakeType>(type)) {
    case HandshakeType::client_hello: return "ClientHello";
    case HandshakeType::server_hello: return "ServerHello";
    case HandshakeType::new_session_ticket: return "NewSessionTicket";
    case HandshakeType::hello_retry_request_reserved: return "HelloRetryRequest";
    case HandshakeType::encrypted_extensions: return "EncryptedExtensions";
    case HandshakeType::certificate: return "Certificate";
    case HandshakeType::certificate_request: return "CertificateRequest";
    default: return nullptr;
  }
}

// RFC 8446 §4.2 ExtensionType values the sources look at (TLS Flags itself: flags_codec.hpp).
namespace extension {
inline constexpr uint16_t server_name = 0;
inline constexpr uint16_t signature_algorithms = 13;
inline constexpr uint16_t compress_certificate = 27;  // RFC 8879 §3
inline constexpr uint16_t early_data = 42;
inline constexpr uint16_t supported_versions = 43;
inline constexpr uint16_t certificate_authorities = 47;
inline constexpr uint16_t signature_algorithms_cert = 50;
inline constexpr uint16_t encrypted_client_hello = 0xfe0d;  // draft-ietf-tls-esni
}  // namespace extension

// RFC 8879 §3 / IANA "TLS Certificate Compression Algorithm IDs": "zlib" (1), "brotli" (2), "zstd" (3);
// "unknown" for any other code point.
constexpr std::string_view certificate_compression_algorithm_name(uint16_t algorithm) {
  switch (algorithm) {
    case 1: return "zlib";
    case 2: return "brotli";
    case 3: return "zstd";
  }
  return "unknown";
}

// ProtocolVersion values (RFC 8446 §4.1.2, §4.2.1).
inline constexpr uint16_t kTls10 = 0x0301;
inline constexpr uint16_t kTls11 = 0x0302;
inline constexpr uint16_t kTls12 = 0x0303;
inline constexpr uint16_t kTls13 = 0x0304;
// DTLS (RFC 6347 §4.1, RFC 9147 §5.3): the one's complement of the version numbers.
inline constexpr uint16_t kDtls10 = 0xfeff;
inline constexpr uint16_t kDtls12 = 0xfefd;
inline constexpr uint16_t kDtls13 = 0xfefc;

constexpr bool is_dtls_version(uint16_t version) {
  return version == kDtls10 || version == kDtls12 || version == kDtls13;
}

// "1.3", "1.2", "1.1", "1.0" (of TLS or DTLS); empty for any other value.
constexpr std::string_view version_number(uint16_t version) {
  switch (version) {
    case kTls13: case kDtls13: return "1.3";
    case kTls12: case kDtls12: return "1.2";
    case kTls11: return "1.1";
    case kTls10: case kDtls10: return "1.0";
  }
  return {};
}

// "TLS 1.3", ... "TLS 1.0", "DTLS 1.2", ...; "0x0300" (four hex digits) for any other value.
std::string version_name(uint16_t version);

// A ServerHello's selected version older than TLS 1.3 (1.2, 1.1, 1.0; DTLS 1.2, 1.0): TLS Flags has no
// effect there (docs/rules.md `rca.tls12-negotiated`). 0 = not known, not older.
constexpr bool is_before_tls13(uint16_t selected_version) {
  return (selected_version != 0 && selected_version < kTls13) || selected_version == kDtls12 ||
         selected_version == kDtls10;
}

// RFC 8446 §4.1.3: a HelloRetryRequest is a ServerHello whose random is SHA-256("HelloRetryRequest").
inline constexpr std::array<uint8_t, 32> kHelloRetryRequestRandom = {
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C};

// RFC 8446 §6 AlertLevel.
inline constexpr uint8_t kAlertLevelWarning = 1;
inline constexpr uint8_t kAlertLevelFatal = 2;

// RFC 8446 §6 alert descriptions the rules and reactions use (every name: alert_description_name()).
enum AlertDescription : uint8_t {
  alert_close_notify = 0,
  alert_unexpected_message = 10,
  alert_handshake_failure = 40,
  alert_bad_certificate = 42,
  alert_unknown_ca = 48,
  alert_illegal_parameter = 47,
  alert_decode_error = 50,
  alert_user_canceled = 90,
  alert_missing_extension = 109,
  alert_unsupported_extension = 110,
  alert_certificate_required = 116,
};

// RFC 8446 §6.1: close_notify and user_canceled are the closure alerts; every other alert is an error
// alert "regardless of the AlertLevel", so the level is not consulted.
constexpr bool is_closure_alert(uint8_t description) {
  return description == alert_close_notify || description == alert_user_canceled;
}

}  // namespace tlsflags
