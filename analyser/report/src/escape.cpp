#include "tlsflags/report/escape.hpp"

#include <cstdint>
#include <cstdio>

namespace tlsflags::report {
namespace {

constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";  // U+FFFD

struct CodePoint {
  char32_t value = 0;
  size_t length = 1;  // bytes consumed
  bool valid = false;
};

bool is_continuation(unsigned char byte) { return (byte & 0xC0) == 0x80; }

// Decodes the code point starting at text[pos] (RFC 3629). An ill-formed sequence consumes one byte, so
// that decoding resynchronises on the next byte.
CodePoint decode_at(std::string_view text, size_t pos) {
  auto lead = static_cast<unsigned char>(text[pos]);
  if (lead < 0x80) return {lead, 1, true};
  size_t length = 0;
  char32_t value = 0;
  char32_t minimum = 0;  // the smallest value that needs this many bytes (rejects overlong forms)
  if ((lead & 0xE0) == 0xC0) { length = 2; value = lead & 0x1F; minimum = 0x80; }
  else if ((lead & 0xF0) == 0xE0) { length = 3; value = lead & 0x0F; minimum = 0x800; }
  else if ((lead & 0xF8) == 0xF0) { length = 4; value = lead & 0x07; minimum = 0x10000; }
  else return {};
  if (pos + length > text.size()) return {};
  for (size_t i = 1; i < length; ++i) {
    auto byte = static_cast<unsigned char>(text[pos + i]);
    if (!is_continuation(byte)) return {};
    value = (value << 6) | (byte & 0x3F);
  }
  bool surrogate = value >= 0xD800 && value <= 0xDFFF;
  if (value < minimum || surrogate || value > 0x10FFFF) return {};
  return {value, length, true};
}

// Calls fn(code_point, bytes) for each code point; an ill-formed byte comes as an invalid CodePoint
// whose bytes are that single byte.
template <typename Fn>
void for_each_code_point(std::string_view text, Fn&& fn) {
  for (size_t pos = 0; pos < text.size();) {
    CodePoint cp = decode_at(text, pos);
    fn(cp, text.substr(pos, cp.length));
    pos += cp.length;
  }
}

std::string hex_escape(std::string_view bytes) {
  std::string out;
  for (unsigned char byte : bytes) {
    char buffer[5];
    std::snprintf(buffer, sizeof buffer, "\\x%02x", byte);
    out += buffer;
  }
  return out;
}

bool allowed_in_xml(char32_t value) {
  if (value == 0x9 || value == 0xA || value == 0xD) return true;
  if (value < 0x20) return false;
  return value != 0xFFFE && value != 0xFFFF;
}

bool is_terminal_control(char32_t value) {
  return value < 0x20 || value == 0x7F || (value >= 0x80 && value <= 0x9F);
}

}  // namespace

std::string valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for_each_code_point(text, [&](const CodePoint& cp, std::string_view bytes) {
    out += cp.valid ? bytes : kReplacementCharacter;
  });
  return out;
}

namespace {

std::string xml_escape(std::string_view text, bool keep_line_breaks) {
  std::string out;
  out.reserve(text.size());
  for_each_code_point(text, [&](const CodePoint& cp, std::string_view bytes) {
    if (!cp.valid) { out += kReplacementCharacter; return; }
    switch (cp.value) {
      case '&': out += "&amp;"; return;
      case '<': out += "&lt;"; return;
      case '>': out += "&gt;"; return;
      case '"': out += "&quot;"; return;
      case '\'': out += "&apos;"; return;
      case '\t': out += keep_line_breaks ? "\t" : "&#9;"; return;
      case '\n': out += keep_line_breaks ? "\n" : "&#10;"; return;
      case '\r': out += "&#13;"; return;  // a raw CR would be normalised away by any parser
    }
    if (allowed_in_xml(cp.value)) out += bytes;
  });
  return out;
}

}  // namespace

std::string xml_escape(std::string_view text) { return xml_escape(text, false); }
std::string xml_escape_content(std::string_view text) { return xml_escape(text, true); }

std::string terminal_safe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for_each_code_point(text, [&](const CodePoint& cp, std::string_view bytes) {
    out += cp.valid && !is_terminal_control(cp.value) ? std::string(bytes) : hex_escape(bytes);
  });
  return out;
}

std::string file_uri(std::string_view path) {
  auto unreserved = [](unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~' || c == '/';
  };
  std::string out = path.starts_with('/') ? "file://" : "";
  for (unsigned char c : path) {
    if (unreserved(c)) {
      out += static_cast<char>(c);
    } else {
      char buffer[4];
      std::snprintf(buffer, sizeof buffer, "%%%02X", c);
      out += buffer;
    }
  }
  return out;
}

}  // namespace tlsflags::report
