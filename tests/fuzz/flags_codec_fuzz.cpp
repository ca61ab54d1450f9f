// Fuzzes the TLS Flags codec (draft-ietf-tls-tlsflags §2, docs/architecture.md).
//
// The whole input is one extension body for decode_flags(); libFuzzer hands it over in a heap buffer of
// exactly its size, so ASan catches any read outside the body. The input is also read as a list of
// flag numbers to build a FlagSet, whose encoding must decode back to the same set.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "byte_source.hpp"
#include "check.hpp"
#include "tlsflags/core/flags_codec.hpp"

namespace tlsflags::fuzz {
namespace {

// for_each, contains, count and flag_name agree, and every flag is a valid flag number.
void check_set_views(const FlagSet& set) {
  std::vector<uint16_t> seen;
  set.for_each([&seen](uint16_t flag) { seen.push_back(flag); });
  FUZZ_CHECK(std::is_sorted(seen.begin(), seen.end()));
  FUZZ_CHECK(std::adjacent_find(seen.begin(), seen.end()) == seen.end());
  FUZZ_CHECK(seen.size() == set.count());
  FUZZ_CHECK(seen.empty() == set.empty());
  for (uint16_t flag : seen) {
    FUZZ_CHECK(flag <= kMaxFlag);
    FUZZ_CHECK(set.contains(flag));
    (void)flag_name(flag, kDefaultRequestClientAuthFlag);
  }
  FUZZ_CHECK(FlagSet::from_numbers(seen) == set);
  auto minimal = set.minimal_octets();
  FUZZ_CHECK(minimal.size() <= set.octets().size());
  FUZZ_CHECK(minimal.empty() || minimal.back() != 0);
}

// The minimal encoding decodes without a problem to the same set; a too-small buffer gets nothing.
void check_round_trip(const FlagSet& set) {
  std::array<uint8_t, 1 + kMaxFlagsOctets + 1> buffer{};
  size_t written = encode_flags(set, buffer);
  if (set.empty()) {
    FUZZ_CHECK(written == 0);
    return;
  }
  FUZZ_CHECK(written == 1 + set.minimal_octets().size());
  std::span<const uint8_t> encoded(buffer.data(), written);
  DecodedFlags again = decode_flags(encoded);
  FUZZ_CHECK(again.problem == FlagsProblem::none);
  FUZZ_CHECK(again.flags == set);
  FUZZ_CHECK(std::ranges::equal(again.flags.octets(), set.minimal_octets()));
  // One byte short: encode_flags must refuse rather than write a truncated vector.
  std::vector<uint8_t> too_small(written - 1, 0xAA);
  FUZZ_CHECK(encode_flags(set, too_small) == 0);
  FUZZ_CHECK(std::ranges::all_of(too_small, [](uint8_t b) { return b == 0xAA; }));
}

// What decode_flags reports follows from the body alone, as the codec contract states it.
void check_decoded(std::span<const uint8_t> body, const DecodedFlags& decoded) {
  if (body.empty()) {
    FUZZ_CHECK(decoded.problem == FlagsProblem::malformed);
    FUZZ_CHECK(decoded.flags.octets().empty());
    return;
  }
  size_t declared = body[0];
  std::span<const uint8_t> vector = body.subspan(1);
  FUZZ_CHECK(decoded.declared_length == declared);
  // The octets kept are the readable part of the declared vector, as sent.
  std::span<const uint8_t> readable = vector.first(std::min(vector.size(), declared));
  FUZZ_CHECK(std::ranges::equal(decoded.flags.octets(), readable));
  switch (decoded.problem) {
    case FlagsProblem::malformed: FUZZ_CHECK(vector.size() != declared); break;
    case FlagsProblem::empty: FUZZ_CHECK(body.size() == 1 && declared == 0); break;
    case FlagsProblem::non_minimal:
      FUZZ_CHECK(vector.size() == declared && declared > 0 && vector.back() == 0);
      FUZZ_CHECK(decoded.flags.minimal_octets().size() < declared);
      break;
    case FlagsProblem::none: {
      FUZZ_CHECK(vector.size() == declared && declared > 0 && vector.back() != 0);
      // A valid body is the minimal encoding of its set: re-encoding gives back the same bytes.
      std::array<uint8_t, 1 + kMaxFlagsOctets> again{};
      size_t written = encode_flags(decoded.flags, again);
      FUZZ_CHECK(std::ranges::equal(std::span<const uint8_t>(again.data(), written), body));
      break;
    }
  }
  (void)to_string(decoded.problem);
}

// The input as big-endian flag numbers (any value: numbers above kMaxFlag must be ignored).
FlagSet set_from_numbers(std::span<const uint8_t> data) {
  ByteSource source(data);
  std::vector<uint16_t> numbers;
  while (source.remaining() >= 2) numbers.push_back(source.u16());
  FlagSet set = FlagSet::from_numbers(numbers);
  for (uint16_t n : numbers) FUZZ_CHECK(set.contains(n) == (n <= kMaxFlag));
  return set;
}

}  // namespace
}  // namespace tlsflags::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tlsflags;
  using namespace tlsflags::fuzz;
  std::span<const uint8_t> body(data, size);
  DecodedFlags decoded = decode_flags(body);
  check_decoded(body, decoded);
  check_set_views(decoded.flags);
  check_round_trip(decoded.flags);

  FlagSet built = set_from_numbers(body);
  check_set_views(built);
  check_round_trip(built);
  return 0;
}
