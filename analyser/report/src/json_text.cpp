#include "json_text.hpp"

#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>

namespace tlsflags::report::json_text {
namespace {

enum Class : uint8_t { plain, escaped, non_ascii };

constexpr std::array<uint8_t, 256> kClass = [] {
  std::array<uint8_t, 256> classes{};
  for (size_t c = 0; c < 0x20; ++c) classes[c] = escaped;
  classes['"'] = escaped;
  classes['\\'] = escaped;
  for (size_t c = 0x80; c < 0x100; ++c) classes[c] = non_ascii;
  return classes;
}();

// nlohmann's serializer::dump_escaped for one ASCII character that needs escaping.
void append_escape(std::string& out, unsigned char c) {
  switch (c) {
    case '"': out += "\\\""; return;
    case '\\': out += "\\\\"; return;
    case '\b': out += "\\b"; return;
    case '\f': out += "\\f"; return;
    case '\n': out += "\\n"; return;
    case '\r': out += "\\r"; return;
    case '\t': out += "\\t"; return;
  }
  static constexpr char kDigits[] = "0123456789abcdef";
  const char text[6] = {'\\', 'u', '0', '0', kDigits[c >> 4], kDigits[c & 0xf]};
  out.append(text, sizeof text);
}

// The length of the well-formed UTF-8 sequence (RFC 3629 §4: no overlong forms, no surrogates, nothing
// above U+10FFFF) that starts with the non-ASCII byte text[pos]; 0 when it is ill-formed.
size_t utf8_sequence_length(std::string_view text, size_t pos) {
  const auto lead = static_cast<unsigned char>(text[pos]);
  size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;  // the range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;         // overlong
    else if (lead == 0xED) high = 0x9F;   // surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;         // overlong
    else if (lead == 0xF4) high = 0x8F;   // above U+10FFFF
  } else {
    return 0;
  }
  if (text.size() - pos < length) return 0;
  const auto second = static_cast<unsigned char>(text[pos + 1]);
  if (second < low || second > high) return 0;
  for (size_t i = 2; i < length; ++i)
    if ((static_cast<unsigned char>(text[pos + i]) & 0xC0) != 0x80) return 0;
  return length;
}

void append_through_nlohmann(std::string& out, std::string_view text) {
  out += nlohmann::ordered_json(std::string(text)).dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

// True when none of the eight bytes at `p` needs a look of its own: each is ASCII, not a control
// character, not '"' and not '\\' (kClass plain). The tests are Bit Twiddling Hacks' "haszero" and
// "hasless", exact about whether any byte matches; a report is mostly long plain strings.
bool eight_plain(const char* p) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL, kHighBits = 0x8080808080808080ULL;
  uint64_t word = 0;
  std::memcpy(&word, p, sizeof word);
  const uint64_t quote = word ^ (kOnes * '"'), backslash = word ^ (kOnes * '\\');
  const uint64_t control = (word - kOnes * 0x20) & ~word;
  const uint64_t is_quote = (quote - kOnes) & ~quote, is_backslash = (backslash - kOnes) & ~backslash;
  return ((word | control | is_quote | is_backslash) & kHighBits) == 0;
}

}  // namespace

void append_string(std::string& out, std::string_view text) {
  const size_t start = out.size();
  out += '"';
  size_t run = 0;  // start of the pending run of characters copied as they are
  for (size_t i = 0; i < text.size();) {
    if (text.size() - i >= 8 && eight_plain(text.data() + i)) {
      i += 8;
      continue;
    }
    const auto c = static_cast<unsigned char>(text[i]);
    switch (kClass[c]) {
      case plain: ++i; continue;
      case escaped:
        out.append(text.data() + run, i - run);
        append_escape(out, c);
        run = ++i;
        continue;
      default: {
        // Well-formed UTF-8 is copied as it is (nlohmann does the same without ensure_ascii); anything
        // else is nlohmann's to replace, exactly as it always has.
        const size_t length = utf8_sequence_length(text, i);
        if (length == 0) {
          out.resize(start);
          return append_through_nlohmann(out, text);
        }
        i += length;
      }
    }
  }
  out.append(text.data() + run, text.size() - run);
  out += '"';
}

void append_unsigned(std::string& out, uint64_t value) {
  char text[20];
  auto end = std::to_chars(text, text + sizeof text, value).ptr;
  out.append(text, static_cast<size_t>(end - text));
}

void append_signed(std::string& out, int64_t value) {
  char text[20];
  auto end = std::to_chars(text, text + sizeof text, value).ptr;
  out.append(text, static_cast<size_t>(end - text));
}

void append_double(std::string& out, double value) {
  out += nlohmann::ordered_json(value).dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace tlsflags::report::json_text
