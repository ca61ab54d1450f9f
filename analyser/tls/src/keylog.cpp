#include "tlsflags/tls/keylog.hpp"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <random>
#include <string>

namespace tlsflags::tls {

// ---- Secret -------------------------------------------------------------------------------------

Secret::Secret(const Secret& other) { assign(other.bytes()); }

Secret& Secret::operator=(const Secret& other) {
  if (this != &other) assign(other.bytes());
  return *this;
}

Secret::~Secret() { clear(); }

void Secret::assign(std::span<const uint8_t> bytes) {
  clear();
  size_ = std::min(bytes.size(), kMaxSecretSize);
  std::copy_n(bytes.begin(), size_, bytes_.begin());
}

void Secret::clear() {
  OPENSSL_cleanse(bytes_.data(), bytes_.size());
  size_ = 0;
}

// ---- KeyLog -------------------------------------------------------------------------------------

std::string KeyLogWarning::to_string() const {
  return source + ":" + std::to_string(line) + ": " + reason;
}

size_t KeyLog::RandomHash::operator()(const ClientRandom& random) const {
  // A real client random is 32 uniformly random bytes (RFC 8446 §4.1.2), but a key log is input: one
  // whose randoms differ only in their last bytes made every lookup walk one bucket (150,000 connections
  // took minutes). All four words are mixed, with a per-process seed an input cannot know.
  static const uint64_t seed = std::random_device{}() | uint64_t{std::random_device{}()} << 32;
  uint64_t h = seed;
  for (size_t i = 0; i < random.size(); i += 8) {
    uint64_t word = 0;
    std::memcpy(&word, random.data() + i, sizeof word);
    h = (h ^ word) * 0x9e3779b97f4a7c15ULL;
    h ^= h >> 32;
  }
  return static_cast<size_t>(h);
}

namespace {

// Hex digit values, -1 for anything else: a table lookup per digit keeps loading a key log of 100,000
// lines (a busy capture) a small part of the run.
constexpr std::array<int8_t, 256> kHexValues = [] {
  std::array<int8_t, 256> values{};
  values.fill(-1);
  for (int c = '0'; c <= '9'; ++c) values[c] = static_cast<int8_t>(c - '0');
  for (int c = 'a'; c <= 'f'; ++c) values[c] = static_cast<int8_t>(c - 'a' + 10);
  for (int c = 'A'; c <= 'F'; ++c) values[c] = static_cast<int8_t>(c - 'A' + 10);
  return values;
}();

// Decodes hex into `out`; false on odd length, a non-hex digit, or more bytes than `out` holds.
bool decode_hex(std::string_view hex, std::span<uint8_t> out, size_t& written) {
  if (hex.size() % 2 != 0 || hex.size() / 2 > out.size()) return false;
  int bad = 0;
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int hi = kHexValues[static_cast<uint8_t>(hex[i])], lo = kHexValues[static_cast<uint8_t>(hex[i + 1])];
    bad |= hi | lo;  // any -1 sets the sign bit
    out[i / 2] = static_cast<uint8_t>(hi << 4 | lo);
  }
  if (bad < 0) return false;
  written = hex.size() / 2;
  return true;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// The length of the field `s` starts with: up to its first blank. A field is mostly 64 or 96 hex digits,
// so eight bytes are tested at a time for one below 0x21 (every blank is; "hasless" of Bit Twiddling
// Hacks: exact about whether there is one), and only the word that has one is walked byte by byte.
size_t field_length(std::string_view s) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL, kHighBits = 0x8080808080808080ULL;
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t word = 0;
    std::memcpy(&word, s.data() + i, sizeof word);
    if (((word - kOnes * 0x21) & ~word & kHighBits) != 0) break;
  }
  while (i < s.size() && !is_space(s[i])) ++i;
  return i;
}

// Splits on runs of blanks; at most `max` fields (one more means "too many").
size_t split_fields(std::string_view line, std::span<std::string_view> fields) {
  size_t n = 0;
  while (!line.empty()) {
    while (!line.empty() && is_space(line.front())) line.remove_prefix(1);
    if (line.empty()) break;
    const size_t end = field_length(line);
    if (n == fields.size()) return n + 1;
    fields[n++] = line.substr(0, end);
    line.remove_prefix(end);
  }
  return n;
}

// The TLS 1.3 labels the analyser uses, in ConnectionSecrets' order.
using Slot = Secret ConnectionSecrets::*;
constexpr std::array<std::string_view, KeyLog::kSecretSlots> kSlotLabels = {"CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
                                                         "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0",
                                                         "CLIENT_EARLY_TRAFFIC_SECRET"};
constexpr std::array<Slot, KeyLog::kSecretSlots> kSlots = {&ConnectionSecrets::client_handshake, &ConnectionSecrets::server_handshake,
                                        &ConnectionSecrets::client_traffic_0, &ConnectionSecrets::server_traffic_0,
                                        &ConnectionSecrets::client_early};
constexpr size_t kNoSlot = kSlots.size();

// Where a TLS 1.3 label's secret goes; kNoSlot for labels that are recognised but not needed, or unknown.
size_t slot_for(std::string_view label) {
  for (size_t i = 0; i < kSlotLabels.size(); ++i)
    if (label == kSlotLabels[i]) return i;
  return kNoSlot;
}

bool is_ignored_label(std::string_view label) {
  // Exporters are not needed to see the handshake; TLS 1.2 is never decrypted.
  return label == "EARLY_EXPORTER_SECRET" ||
         label == "EXPORTER_SECRET" || label == "CLIENT_RANDOM";
}

std::string errno_text() { return std::strerror(errno); }

// A line that cannot be one (a capture, /dev/zero) before any line was accepted: the file is refused.
std::string too_long_line(size_t line, size_t max) {
  return "not an NSS key log: line " + std::to_string(line) + " is longer than " + std::to_string(max) +
         " bytes (a capture or binary file given as --keylog?)";
}

}  // namespace

uint32_t KeyLog::source_index(std::string_view source) {
  for (size_t i = 0; i < sources_.size(); ++i)
    if (sources_[i] == source) return static_cast<uint32_t>(i);
  sources_.emplace_back(source);
  return static_cast<uint32_t>(sources_.size() - 1);
}

// Junk is counted, and only the first few warnings of a source are kept: a key log of a million junk
// lines costs a counter, not a million messages.
void KeyLog::warn(std::string_view source, size_t line_number, std::string_view reason, KeyLogWarning::Kind kind) {
  auto it = counts_.find(source);
  if (it == counts_.end()) it = counts_.emplace(std::string(source), Counts{}).first;
  Counts& counts = it->second;
  ++(kind == KeyLogWarning::Kind::skipped ? counts.skipped : counts.repeated);
  if (counts.kept == limits_.warnings_kept) return;
  ++counts.kept;
  warnings_.push_back(KeyLogWarning{std::string(source), line_number, std::string(reason), kind});
}

size_t KeyLog::skipped_lines(const std::string& source) const {
  auto it = counts_.find(source);
  return it == counts_.end() ? 0 : it->second.skipped;
}

size_t KeyLog::repeated_lines(const std::string& source) const {
  auto it = counts_.find(source);
  return it == counts_.end() ? 0 : it->second.repeated;
}

// The same client random given another secret for the same label (two sessions' key logs mixed, or a
// forged line): the later line wins, as before, but both lines are named. The same secret again (a key
// log given twice) is not worth a word.
void KeyLog::store(Entry& entry, size_t slot, std::span<const uint8_t> secret, std::string_view source, size_t line) {
  Secret& target = entry.secrets.*kSlots[slot];
  Origin& origin = entry.origins[slot];
  if (target.present()) {
    const std::span<const uint8_t> old = target.bytes();
    const bool same = old.size() == secret.size() && CRYPTO_memcmp(old.data(), secret.data(), old.size()) == 0;
    if (!same)
      warn(source, line,
           "a different " + std::string(kSlotLabels[slot]) + " for a client random already given one at " +
               sources_[origin.source] + ":" + std::to_string(origin.line) + " (this later line is used)",
           KeyLogWarning::Kind::repeated);
  }
  target.assign(secret);
  origin = Origin{source_index(source), static_cast<uint32_t>(line)};
}

KeyLog::LineResult KeyLog::add_line(std::string_view line, std::string_view source, size_t number) {
  line = trim(line);
  if (line.empty() || line.front() == '#') return LineResult::skipped;

  std::array<std::string_view, 3> fields;
  if (split_fields(line, fields) != 3) {
    warn(source, number, "not three fields (label, client random, secret)");
    return LineResult::skipped;
  }
  auto [label, random_hex, secret_hex] = fields;
  const size_t slot = slot_for(label);
  if (slot == kNoSlot && !is_ignored_label(label)) {
    warn(source, number, "unknown label");
    return LineResult::skipped;
  }
  ClientRandom random{};
  size_t random_size = 0;
  if (!decode_hex(random_hex, random, random_size) || random_size != kClientRandomSize) {
    warn(source, number, "client random is not 64 hex digits");
    return LineResult::skipped;
  }
  std::array<uint8_t, kMaxSecretSize> secret{};
  size_t secret_size = 0;
  bool secret_ok = decode_hex(secret_hex, secret, secret_size) && secret_size > 0;
  if (secret_ok && slot != kNoSlot) secret_ok = secret_size == 32 || secret_size == 48;  // SHA-256 or SHA-384
  if (!secret_ok) {
    OPENSSL_cleanse(secret.data(), secret.size());
    warn(source, number, "secret is not valid hex of a usable length");
    return LineResult::skipped;
  }
  if (slot == kNoSlot) {
    OPENSSL_cleanse(secret.data(), secret.size());
    return LineResult::ignored_label;
  }
  store(secrets_[random], slot, std::span<const uint8_t>(secret.data(), secret_size), source, number);
  OPENSSL_cleanse(secret.data(), secret.size());
  return LineResult::accepted;
}

size_t KeyLog::add_text(std::string_view text, std::string_view source) {
  // A TLS 1.3 connection has four lines of at least ~155 bytes (label, 64 + 64 hex digits): room for
  // that many connections up front, rather than the table growing and rehashing through a large key log.
  secrets_.reserve(secrets_.size() + text.size() / 640);
  size_t accepted = 0, number = 0;
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    ++number;
    if (add_line(line, source, number) != LineResult::skipped) ++accepted;
  }
  return accepted;
}

// Reads `fd` in chunks and adds it line by line: memory is one chunk and one line, whatever the size.
// The buffers that held secrets are wiped. False with `error` set when the limits refuse the file.
bool KeyLog::read_lines(int fd, const std::string& path, size_t& accepted, std::string& error) {
  std::array<char, 1 << 16> chunk;
  std::string line;
  line.reserve(limits_.max_line_bytes);  // never reallocated: no copy of a secret is left behind
  size_t number = 0, junk_before = skipped_lines(path);
  uint64_t total = 0;
  bool line_too_long = false, ok = true;
  auto finish_line = [&] {
    ++number;
    if (line_too_long) {
      warn(path, number, "line longer than " + std::to_string(limits_.max_line_bytes) + " bytes");
    } else if (add_line(line, path, number) != LineResult::skipped) {
      ++accepted;
    }
    OPENSSL_cleanse(line.data(), line.size());
    line.clear();
    line_too_long = false;
  };
  while (ok) {
    const ssize_t got = ::read(fd, chunk.data(), chunk.size());
    if (got < 0 && errno == EINTR) {
      error = "reading key log " + path + " was interrupted";
      ok = false;
      break;
    }
    if (got < 0) {
      error = "cannot read key log " + path + ": " + errno_text();
      ok = false;
      break;
    }
    if (got == 0) break;
    total += static_cast<uint64_t>(got);
    if (total > limits_.max_bytes) {
      error = "key log " + path + " is longer than " + std::to_string(limits_.max_bytes) + " bytes, the most read from one";
      ok = false;
      break;
    }
    std::string_view rest(chunk.data(), static_cast<size_t>(got));
    while (!rest.empty()) {
      const size_t end = rest.find('\n');
      const std::string_view piece = rest.substr(0, end);
      if (!line_too_long && line.size() + piece.size() <= limits_.max_line_bytes) {
        line.append(piece);
      } else if (!line_too_long) {
        line_too_long = true;
        OPENSSL_cleanse(line.data(), line.size());
        line.clear();
        if (accepted == 0) {
          error = too_long_line(number + 1, limits_.max_line_bytes);
          ok = false;
          break;
        }
      }
      if (end == std::string_view::npos) break;
      rest.remove_prefix(end + 1);
      finish_line();
      if (accepted == 0 && skipped_lines(path) - junk_before >= limits_.max_junk_lines_first) {
        error = "not an NSS key log: none of its first " + std::to_string(limits_.max_junk_lines_first) +
                " lines has the form LABEL CLIENT_RANDOM SECRET (a capture or binary file given as --keylog?)";
        ok = false;
        break;
      }
    }
  }
  if (ok && (!line.empty() || line_too_long)) finish_line();
  OPENSSL_cleanse(chunk.data(), chunk.size());
  OPENSSL_cleanse(line.data(), line.size());
  return ok;
}

bool KeyLog::add_file(const std::string& path, std::string* error, size_t* accepted) {
  std::string message;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    message = "cannot open key log " + path + ": " + errno_text();
  } else {
    struct stat info {};
    if (::fstat(fd, &info) == 0 && S_ISDIR(info.st_mode)) message = "cannot read key log " + path + ": it is a directory";
  }
  size_t added = 0;
  const bool ok = message.empty() && read_lines(fd, path, added, message);
  if (fd >= 0) ::close(fd);
  if (accepted) *accepted = added;
  if (!ok && error) *error = message;
  return ok;
}

const ConnectionSecrets* KeyLog::find(std::span<const uint8_t> client_random) const {
  if (client_random.size() != kClientRandomSize) return nullptr;
  ClientRandom key;
  std::copy(client_random.begin(), client_random.end(), key.begin());
  auto it = secrets_.find(key);
  return it == secrets_.end() ? nullptr : &it->second.secrets;
}

}  // namespace tlsflags::tls
