// TLS Flags extension bodies (draft-ietf-tls-tlsflags §2): one length octet L, then L octets;
// flag N is octet N/8, mask 1 << (N % 8). The generator must also produce the broken encodings.
#pragma once

#include <cstdint>
#include <set>
#include <string_view>
#include <vector>

namespace tlsgen {

using Bytes = std::vector<std::uint8_t>;
using FlagNumbers = std::set<unsigned>;

// How a sender lays out the body. Only `minimal` is valid; the others exist to break the rules
// flags.empty, flags.non-minimal-encoding and flags.malformed on purpose.
enum class FlagsEncoding {
  minimal,        // the draft's "minimal length that allows it to encode all of the present flags"
  empty,          // L = 0: forbidden by the draft ("MUST NOT send ... a length of zero")
  trailing_zero,  // minimal vector plus one zero octet
  all_zero,       // a one-octet vector with no bit set
  malformed,      // L claims one octet more than the body holds
};

Bytes encode_flags(const FlagNumbers& flags, FlagsEncoding encoding = FlagsEncoding::minimal);

// What a receiver finds wrong with a body, in the draft's terms.
enum class FlagsDefect { none, empty, malformed, non_minimal };
FlagsDefect classify_flags(const std::uint8_t* body, std::size_t size);

// Lenient decoding, as a receiver that ignores defects would do: reads the flags in the octets present.
FlagNumbers decode_flags_lenient(const std::uint8_t* body, std::size_t size);

std::string_view to_string(FlagsEncoding encoding);

}  // namespace tlsgen
