#include "tlsflags/core/flags_codec.hpp"

#include <algorithm>

namespace tlsflags {

std::string_view to_string(FlagsProblem problem) {
  switch (problem) {
    case FlagsProblem::none: return "none";
    case FlagsProblem::malformed: return "malformed";
    case FlagsProblem::empty: return "empty";
    case FlagsProblem::non_minimal: return "non-minimal";
  }
  return "unknown";
}

FlagSet FlagSet::from_numbers(std::span<const uint16_t> flags) {
  FlagSet set;
  for (uint16_t flag : flags) set.insert(flag);
  return set;
}

bool FlagSet::contains(uint16_t flag) const {
  size_t octet = flag / 8u;
  return octet < size_ && (octets_[octet] & (1u << (flag % 8u))) != 0;
}

void FlagSet::insert(uint16_t flag) {
  if (flag > kMaxFlag) return;
  size_t octet = flag / 8u;
  if (octet >= size_) size_ = octet + 1;  // octets_ beyond the old size are already zero
  octets_[octet] = static_cast<uint8_t>(octets_[octet] | (1u << (flag % 8u)));
}

bool FlagSet::empty() const { return minimal_octets().empty(); }

size_t FlagSet::count() const {
  size_t n = 0;
  for_each([&n](uint16_t) { ++n; });
  return n;
}

std::span<const uint8_t> FlagSet::minimal_octets() const {
  size_t n = size_;
  while (n > 0 && octets_[n - 1] == 0) --n;
  return {octets_.data(), n};
}

bool FlagSet::operator==(const FlagSet& other) const {
  auto a = minimal_octets(), b = other.minimal_octets();
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

struct FlagsDecoder {
  static void copy_vector(FlagSet& set, std::span<const uint8_t> vector) {
    set.size_ = std::min(vector.size(), kMaxFlagsOctets);
    std::copy_n(vector.begin(), set.size_, set.octets_.begin());
  }
};

DecodedFlags decode_flags(std::span<const uint8_t> body) {
  DecodedFlags out;
  if (body.empty()) {  // not even the length octet
    out.problem = FlagsProblem::malformed;
    return out;
  }
  out.declared_length = body[0];
  std::span<const uint8_t> rest = body.subspan(1);
  FlagsDecoder::copy_vector(out.flags, rest.first(std::min<size_t>(rest.size(), out.declared_length)));
  // draft-ietf-tls-tlsflags §2: the body is exactly one opaque<1..255>; RFC 8446 §4 makes any
  // length mismatch a decode failure.
  if (rest.size() != out.declared_length) {
    out.problem = FlagsProblem::malformed;
  } else if (out.declared_length == 0) {
    out.problem = FlagsProblem::empty;
  } else if (rest.back() == 0) {  // covers the all-zero vector too
    out.problem = FlagsProblem::non_minimal;
  }
  return out;
}

size_t encode_flags(const FlagSet& flags, std::span<uint8_t> out) {
  auto vector = flags.minimal_octets();
  if (vector.empty() || out.size() < vector.size() + 1) return 0;
  out[0] = static_cast<uint8_t>(vector.size());
  std::copy(vector.begin(), vector.end(), out.begin() + 1);
  return vector.size() + 1;
}

std::string_view flag_name(uint16_t flag, uint16_t request_client_auth_flag) {
  if (flag == request_client_auth_flag) return "request_client_auth";
  if (flag == kResumptionAcrossNamesFlag) return "resumption_across_names";
  return {};
}

}  // namespace tlsflags
