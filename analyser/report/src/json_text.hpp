// JSON text appended straight to a string, for the writers' hot path (one JSON Lines object per
// connection): no nlohmann::json objects are built. The text is byte for byte what
// json_parts::dump (nlohmann's dump(-1, ' ', false, replace)) writes for the same value; where that
// takes more than a few lines to match (a string with ill-formed UTF-8, which nlohmann replaces in its
// own way, and floating-point numbers) the value is handed to nlohmann itself.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tlsflags::report::json_text {

// A JSON string: quotes, \" \\ \b \f \n \r \t, other control characters as \u00XX (lower-case hex),
// everything else as is: well-formed UTF-8 is kept; a string with ill-formed UTF-8 goes to nlohmann,
// which replaces the bad bytes with U+FFFD its own way.
void append_string(std::string& out, std::string_view text);
void append_unsigned(std::string& out, uint64_t value);
void append_signed(std::string& out, int64_t value);
void append_double(std::string& out, double value);  // nlohmann's shortest round-trip form ("0.0021", "1.0")
inline void append_bool(std::string& out, bool value) { out += value ? "true" : "false"; }
inline void append_null(std::string& out) { out += "null"; }

}  // namespace tlsflags::report::json_text
