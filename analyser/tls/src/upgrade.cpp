#include "tlsflags/tls/upgrade.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>

#include "tlsflags/core/byte_reader.hpp"

namespace tlsflags::tls {
namespace {

constexpr uint8_t kHandshake = 22;
constexpr uint8_t kClientHello = 1;
constexpr size_t kMaxPlaintextRecord = 1u << 14;  // RFC 8446 §5.1

std::string_view as_text(std::span<const uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

bool iequals_prefix(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), text.begin(),
                    [](char wanted, char seen) { return std::toupper(static_cast<unsigned char>(seen)) == wanted; });
}

// The command word of a text protocol line, after an IMAP tag when `tagged`.
std::string_view command_of(std::string_view line, bool tagged) {
  if (tagged) {
    size_t space = line.find(' ');
    if (space == std::string_view::npos) return {};
    line.remove_prefix(space + 1);
  }
  return line;
}

bool is_command(std::string_view line, std::string_view command, bool tagged = false) {
  std::string_view rest = command_of(line, tagged);
  if (!iequals_prefix(rest, command)) return false;
  rest.remove_prefix(command.size());
  return rest.empty() || rest[0] == '\r' || rest[0] == '\n' || rest[0] == ' ';
}

// PostgreSQL's SSLRequest: Int32 length 8, Int32 code 80877103 (0x04d2162f).
bool is_postgresql_ssl_request(std::span<const uint8_t> bytes) {
  ByteReader reader(bytes);
  uint32_t length = 0, code = 0;
  return reader.u32(length) && reader.u32(code) && length == 8 && code == 80877103 && reader.remaining() == 0;
}

}  // namespace

bool starts_client_hello_record(std::span<const uint8_t> bytes) {
  ByteReader reader(bytes);
  uint8_t type = 0, major = 0, minor = 0, message = 0;
  uint16_t length = 0;
  if (!reader.u8(type) || !reader.u8(major) || !reader.u8(minor) || !reader.u16(length) || !reader.u8(message))
    return false;
  return type == kHandshake && major == 3 && minor >= 1 && minor <= 4 && length >= 1 &&
         length <= kMaxPlaintextRecord && message == kClientHello;
}

void PreambleSample::note_client(std::span<const uint8_t> chunk) {
  client_last_size = std::min(chunk.size(), kClientBytes);
  std::copy_n(chunk.begin(), client_last_size, client_last.begin());
}

void PreambleSample::note_server(std::span<const uint8_t> chunk) {
  if (server_spoke) return;
  server_spoke = true;
  server_first_size = std::min(chunk.size(), kServerBytes);
  std::copy_n(chunk.begin(), server_first_size, server_first.begin());
}

std::string_view upgrade_name(const PreambleSample& sample) {
  const std::span<const uint8_t> client(sample.client_last.data(), sample.client_last_size);
  const std::string_view command = as_text(client);
  const std::string_view greeting = as_text({sample.server_first.data(), sample.server_first_size});
  if (is_postgresql_ssl_request(client)) return "postgresql-sslrequest";
  if (command.find("1.3.6.1.4.1.1466.20037") != std::string_view::npos) return "ldap-starttls";  // the OID
  if (command.find("urn:ietf:params:xml:ns:xmpp-tls") != std::string_view::npos) return "xmpp-starttls";
  if (is_command(command, "STLS")) return "pop3-stls";
  if (is_command(command, "AUTH TLS") || is_command(command, "AUTH SSL")) return "ftp-auth-tls";
  if (is_command(command, "STARTTLS")) {
    // SMTP greets with 220 (RFC 5321 §4.2), NNTP with 200 or 201 (RFC 3977 §5.1).
    if (greeting.starts_with("200") || greeting.starts_with("201")) return "nntp-starttls";
    return "smtp-starttls";
  }
  if (is_command(command, "STARTTLS", true)) return "imap-starttls";
  return "unknown";
}

}  // namespace tlsflags::tls
