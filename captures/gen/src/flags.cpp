#include "flags.hpp"

#include <algorithm>

namespace tlsgen {
namespace {

Bytes minimal_vector(const FlagNumbers& flags) {
  if (flags.empty()) return {};
  Bytes vector(*flags.rbegin() / 8 + 1, 0);
  for (unsigned flag : flags) vector[flag / 8] |= static_cast<std::uint8_t>(1u << (flag % 8));
  return vector;
}

Bytes with_length_octet(const Bytes& vector, std::size_t claimed_length) {
  // Sized up front: GCC 12 at -O2 misreads an insert after a one-octet vector as out of bounds.
  Bytes body(vector.size() + 1);
  body[0] = static_cast<std::uint8_t>(claimed_length);
  std::copy(vector.begin(), vector.end(), body.begin() + 1);
  return body;
}

}  // namespace

Bytes encode_flags(const FlagNumbers& flags, FlagsEncoding encoding) {
  Bytes vector = minimal_vector(flags);
  switch (encoding) {
    case FlagsEncoding::minimal: return with_length_octet(vector, vector.size());
    case FlagsEncoding::empty: return with_length_octet({}, 0);
    case FlagsEncoding::trailing_zero:
      vector.push_back(0);
      return with_length_octet(vector, vector.size());
    case FlagsEncoding::all_zero: return with_length_octet(Bytes{0}, 1);
    case FlagsEncoding::malformed: return with_length_octet(vector, vector.size() + 1);
  }
  return {};
}

FlagsDefect classify_flags(const std::uint8_t* body, std::size_t size) {
  if (size == 0 || body[0] != size - 1) return FlagsDefect::malformed;
  if (body[0] == 0) return FlagsDefect::empty;
  if (body[size - 1] == 0) return FlagsDefect::non_minimal;  // trailing zero octet, or all zero
  return FlagsDefect::none;
}

FlagNumbers decode_flags_lenient(const std::uint8_t* body, std::size_t size) {
  FlagNumbers flags;
  for (std::size_t octet = 1; octet < size; ++octet)
    for (unsigned bit = 0; bit < 8; ++bit)
      if (body[octet] & (1u << bit)) flags.insert(static_cast<unsigned>((octet - 1) * 8 + bit));
  return flags;
}

std::string_view to_string(FlagsEncoding encoding) {
  switch (encoding) {
    case FlagsEncoding::minimal: return "minimal";
    case FlagsEncoding::empty: return "empty";
    case FlagsEncoding::trailing_zero: return "trailing-zero";
    case FlagsEncoding::all_zero: return "all-zero";
    case FlagsEncoding::malformed: return "malformed";
  }
  return "?";
}

}  // namespace tlsgen
