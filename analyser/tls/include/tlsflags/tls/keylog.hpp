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
#include <map>
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
  enum class Kind { skipped, repeated };  // a line not used; a client random's secret given again, differently
  std::string source;  // file name, or "DSB"
  size_t line = 0;     // 1-based
  std::string reason;  // never contains any part of the line
  Kind kind = Kind::skipped;
  std::string to_string() const;  // "keys.log:7: bad hex in the client random"
};

// How much of a key log is read and kept (docs/reliability-limits.md "Key logs"). A key log is read in
// chunks, line by line: memory grows with the connections it names, never with its size or its junk.
struct KeyLogLimits {
  // The most read from one key log (as from a pipe, CaptureLimits::max_spooled_bytes): beyond it the
  // key log is refused (its lines read so far are kept).
  uint64_t max_bytes = uint64_t{16} << 30;
  // A valid line is at most ~230 bytes. A longer line is junk; one this long before any line was
  // accepted means the file is no key log at all (/dev/zero, a capture): it is refused at once.
  size_t max_line_bytes = 64 * 1024;
  // This many junk lines and not one accepted: no key log either (refused without reading further).
  size_t max_junk_lines_first = 10'000;
  // Warnings kept per source; the others are only counted (skipped_lines, repeated_lines).
  size_t warnings_kept = 10;
};

class KeyLog {
 public:
  // The secrets a key log line may give (ConnectionSecrets' fields): handshake and application traffic
  // secrets of both parties and the client's early traffic secret.
  static constexpr size_t kSecretSlots = 5;
  // Adds every usable line of `text`; junk lines are skipped with a warning. Comment (#) and blank
  // lines are skipped silently. Returns the number of secret lines accepted (TLS 1.2 CLIENT_RANDOM and
  // exporter secrets are recognised, counted as accepted, and otherwise ignored).
  size_t add_text(std::string_view text, std::string_view source = "DSB");
  // Reads a key log file. False (with `error` set) when the file cannot be read; an empty file is valid.
  // `accepted` (optional) gets the number of secret lines accepted, as add_text returns it.
  // A directory, an unreadable file or one the limits refuse (see KeyLogLimits) is an error that says
  // why ("cannot open key log X: Permission denied", "not an NSS key log: ...").
  bool add_file(const std::string& path, std::string* error = nullptr, size_t* accepted = nullptr);

  const ConnectionSecrets* find(std::span<const uint8_t> client_random) const;
  size_t connections() const { return secrets_.size(); }
  // The first `warnings_kept` warnings of each source; skipped_lines and repeated_lines count them all.
  const std::vector<KeyLogWarning>& warnings() const { return warnings_; }
  size_t skipped_lines(const std::string& source) const;
  size_t repeated_lines(const std::string& source) const;
  void set_limits(const KeyLogLimits& limits) { limits_ = limits; }

 private:
  struct RandomHash {
    size_t operator()(const ClientRandom& random) const;
  };
  // Where a secret came from, to name both lines when a client random's secret is given twice.
  struct Origin {
    uint32_t source = 0;  // index in sources_
    uint32_t line = 0;
  };
  struct Entry {
    ConnectionSecrets secrets;
    std::array<Origin, kSecretSlots> origins{};  // per slot, in ConnectionSecrets' order
  };
  struct Counts {
    size_t kept = 0, skipped = 0, repeated = 0;
  };
  enum class LineResult { skipped, accepted, ignored_label };
  LineResult add_line(std::string_view line, std::string_view source, size_t line_number);
  void store(Entry& entry, size_t slot, std::span<const uint8_t> secret, std::string_view source, size_t line);
  void warn(std::string_view source, size_t line_number, std::string_view reason,
            KeyLogWarning::Kind kind = KeyLogWarning::Kind::skipped);
  uint32_t source_index(std::string_view source);
  bool read_lines(int fd, const std::string& path, size_t& accepted, std::string& error);

  std::unordered_map<ClientRandom, Entry, RandomHash> secrets_;
  std::vector<KeyLogWarning> warnings_;
  std::map<std::string, Counts, std::less<>> counts_;
  std::vector<std::string> sources_;
  KeyLogLimits limits_;
};

}  // namespace tlsflags::tls
