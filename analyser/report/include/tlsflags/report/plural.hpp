// A count and its noun, agreeing in number: "1 connection", "2 connections", "1 entry", "3 entries". Every
// sentence tlsflags-check prints with a number in it builds that part here.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tlsflags::report {

// "N word" when N is 1, else "N words" (or "N plural_form" when given).
inline std::string plural(uint64_t n, std::string_view word, std::string_view plural_form = {}) {
  std::string out = std::to_string(n) + " ";
  if (n == 1) return out.append(word);
  if (!plural_form.empty()) return out.append(plural_form);
  return out.append(word).append("s");
}

}  // namespace tlsflags::report
