// TLS after a plaintext preamble on one TCP connection (STARTTLS and the like): where the TLS stream
// starts, and which application protocol upgraded to it (docs/analyser.md "Upgrades").
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace tlsflags::tls {

// `bytes` start a TLS record holding a ClientHello: handshake content type (22), legacy_record_version
// 0x0301..0x0304 (RFC 8446 §5.1 allows 0x0301 for the first ClientHello), a length of 1..2^14, and
// handshake type client_hello (1). Six bytes are needed; fewer are never a start.
bool starts_client_hello_record(std::span<const uint8_t> bytes);

// What the plaintext preamble showed: the first bytes of the server's first chunk (its greeting) and of
// the client's last chunk before the ClientHello (the command that asked for TLS).
struct PreambleSample {
  static constexpr size_t kClientBytes = 160;  // an LDAP ExtendedRequest, an XMPP <starttls/> element
  static constexpr size_t kServerBytes = 8;    // a greeting's reply code
  std::array<uint8_t, kClientBytes> client_last{};
  size_t client_last_size = 0;
  std::array<uint8_t, kServerBytes> server_first{};
  size_t server_first_size = 0;
  bool server_spoke = false;

  void note_client(std::span<const uint8_t> chunk);
  void note_server(std::span<const uint8_t> chunk);  // keeps the first chunk only
};

// The upgrade the preamble shows, as the JSON Lines "upgrade" value (docs/output.md): "smtp-starttls"
// (RFC 3207), "imap-starttls" (RFC 9051 §6.2.1), "pop3-stls" (RFC 2595 §4), "ftp-auth-tls" (RFC 4217
// §4), "ldap-starttls" (RFC 4511 §4.14), "xmpp-starttls" (RFC 6120 §5.4), "nntp-starttls" (RFC 4642),
// "postgresql-sslrequest" (PostgreSQL protocol, SSLRequest), or "unknown".
std::string_view upgrade_name(const PreambleSample& sample);

}  // namespace tlsflags::tls
