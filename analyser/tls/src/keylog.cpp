#include "tlsflags/tls/keylog.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <fstream>
#include <iterator>
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
  // The client random is 32 uniformly random bytes (RFC 8446 §4.1.2): any 8 of them hash well.
  uint64_t h = 0;
  std::memcpy(&h, random.data(), sizeof h);
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

// Where a TLS 1.3 label's secret goes; nullptr for labels that are recognised but not needed.
using Slot = Secret ConnectionSecrets::*;
Slot slot_for(std::string_view label) {
  if (label == "CLIENT_HANDSHAKE_TRAFFIC_SECRET") return &ConnectionSecrets::client_handshake;
  if (label == "SERVER_HANDSHAKE_TRAFFIC_SECRET") return &ConnectionSecrets::server_handshake;
  if (label == "CLIENT_TRAFFIC_SECRET_0") return &ConnectionSecrets::client_traffic_0;
  if (label == "SERVER_TRAFFIC_SECRET_0") return &ConnectionSecrets::server_traffic_0;
  if (label == "CLIENT_EARLY_TRAFFIC_SECRET") return &ConnectionSecrets::client_early;
  return nullptr;
}

bool is_ignored_label(std::string_view label) {
  // Exporters are not needed to see the handshake; TLS 1.2 is never decrypted.
  return label == "EARLY_EXPORTER_SECRET" ||
         label == "EXPORTER_SECRET" || label == "CLIENT_RANDOM";
}

// The whole stream in large reads (a character at a time cost more than parsing the lines). The size
// is reserved when the stream can tell it, so that no reallocation leaves copies of secrets behind;
// a pipe or FIFO is read in chunks all the same.
std::string read_all(std::ifstream& in) {
  std::string text;
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  in.seekg(0, std::ios::beg);
  in.clear();
  if (size > 0) text.reserve(static_cast<size_t>(size));
  char buffer[1 << 16];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) text.append(buffer, static_cast<size_t>(in.gcount()));
  OPENSSL_cleanse(buffer, sizeof buffer);
  return text;
}

}  // namespace

void KeyLog::warn(std::string_view source, size_t line_number, std::string_view reason) {
  warnings_.push_back(KeyLogWarning{std::string(source), line_number, std::string(reason)});
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
  const Slot slot = slot_for(label);
  if (!slot && !is_ignored_label(label)) {
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
  if (secret_ok && slot) secret_ok = secret_size == 32 || secret_size == 48;  // SHA-256 or SHA-384
  if (!secret_ok) {
    OPENSSL_cleanse(secret.data(), secret.size());
    warn(source, number, "secret is not valid hex of a usable length");
    return LineResult::skipped;
  }
  if (!slot) {
    OPENSSL_cleanse(secret.data(), secret.size());
    return LineResult::ignored_label;
  }
  (secrets_[random].*slot).assign(std::span<const uint8_t>(secret.data(), secret_size));
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

bool KeyLog::add_file(const std::string& path, std::string* error, size_t* accepted) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (error) *error = "cannot open key log " + path;
    return false;
  }
  std::string text = read_all(in);
  if (in.bad()) {
    OPENSSL_cleanse(text.data(), text.size());
    if (error) *error = "cannot read key log " + path;
    return false;
  }
  const size_t added = add_text(text, path);
  if (accepted) *accepted = added;
  OPENSSL_cleanse(text.data(), text.size());
  return true;
}

const ConnectionSecrets* KeyLog::find(std::span<const uint8_t> client_random) const {
  if (client_random.size() != kClientRandomSize) return nullptr;
  ClientRandom key;
  std::copy(client_random.begin(), client_random.end(), key.begin());
  auto it = secrets_.find(key);
  return it == secrets_.end() ? nullptr : &it->second;
}

}  // namespace tlsflags::tls
