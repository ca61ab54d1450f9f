// TLS secrets in the NSS key log format (https://firefox-source-docs.mozilla.org/security/nss/legacy/
// key_log_format/), from -k files, SSLKEYLOGFILE, or a pcapng Decryption Secrets Block.
//
//   <label> <client_random as 64 hex digits> <secret as hex>
//
// Secrets are kept only here and in the record protection of a connection being decrypted; no
// message, warning or output ever contains one (a warning names the line number and the reason only).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tlsflags::tls {

inline constexpr size_t kClientRandomSize = 32;
inline constexpr size_t kMaxSecretSize = 48;  // SHA-384, the longest TLS 1.3 hash

using ClientRandom = std::array<uint8_t, kClientRandomSize>;

// One traffic secret; size 0 = absent. Wiped when destroyed.
class Secret {
 public:
  Secret() = default;
  Secret(const Secret& other);
  Secret& operator=(const Secret& other);
  ~Secret();

  bool present() const { return size_ != 0; }
  std::span<const uint8_t> bytes() const { return {bytes_.data(), size_}; }
  void assign(std::span<const uint8_t> bytes);  // bytes.size() <= kMaxSecretSize
  void clear();

 private:
  std::array<uint8_t, kMaxSecretSize> bytes_{};
  size_t size_ = 0;
};

// The TLS 1.3 secrets of one connection (RFC 8446 §7.1), as the key log labels them.
struct ConnectionSecrets {
  Secret client_handshake;  // CLIENT_HANDSHAKE_TRAFFIC_SECRET
  Secret server_handshake;  // SERVER_HANDSHAKE_TRAFFIC_SECRET
  Secret client_traffic_0;  // CLIENT_TRAFFIC_SECRET_0
  Secret server_traffic_0;  // SERVER_TRAFFIC_SECRET_0
  Secret client_early;      // CLIENT_EARLY_TRAFFIC_SECRET: 0-RTT data and EndOfEarlyData (RFC 8446 §7.1)
  bool has_handshake() const { return client_handshake.present() && server_handshake.present(); }
};

struct KeyLogWarning {
  std::string source;  // file name, or "DSB"
  size_t line = 0;     // 1-based
  std::string reason;  // never contains any part of the line
  std::string to_string() const;  // "keys.log:7: bad hex in the client random"
};

class KeyLog {
 public:
  // Adds every usable line of `text`; junk lines are skipped with a warning. Comment (#) and blank
  // lines are skipped silently. Returns the number of secret lines accepted (TLS 1.2 CLIENT_RANDOM and
  // exporter secrets are recognised, counted as accepted, and otherwise ignored).
  size_t add_text(std::string_view text, std::string_view source = "DSB");
  // Reads a key log file. False (with `error` set) when the file cannot be read; an empty file is valid.
  // `accepted` (optional) gets the number of secret lines accepted, as add_text returns it.
  bool add_file(const std::string& path, std::string* error = nullptr, size_t* accepted = nullptr);

  const ConnectionSecrets* find(std::span<const uint8_t> client_random) const;
  size_t connections() const { return secrets_.size(); }
  const std::vector<KeyLogWarning>& warnings() const { return warnings_; }

 private:
  struct RandomHash {
    size_t operator()(const ClientRandom& random) const;
  };
  enum class LineResult { skipped, accepted, ignored_label };
  LineResult add_line(std::string_view line, std::string_view source, size_t line_number);
  void warn(std::string_view source, size_t line_number, std::string_view reason);

  std::unordered_map<ClientRandom, ConnectionSecrets, RandomHash> secrets_;
  std::vector<KeyLogWarning> warnings_;
};

}  // namespace tlsflags::tls
