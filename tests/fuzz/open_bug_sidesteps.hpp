// Input rewrites that step around open bugs (open-bugs.txt) which no check can tolerate: the bug takes
// the process down (an allocation of gigabytes). Applied only when the bug is listed in
// TLSFLAGS_FUZZ_TOLERATE (campaigns, short ctest runs), never to the reproducers in regressions/open/.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "check.hpp"

namespace tlsflags::fuzz {

// Open bug snaplen-allocation: the direct pcap reader (analyser/capture/src/direct_pcap.cpp) takes the
// larger of the file's snap length and 256 KiB as the largest record, and sizes its buffer to a
// record's captured length before reading it: a 40-byte file makes it allocate 4 GiB. Sidestepped by
// lowering a classic pcap's snap length to 256 KiB, the largest libpcap accepts.
inline void sidestep_snaplen_allocation(std::vector<uint8_t>& file) {
  constexpr size_t kSnaplenOffset = 16;
  constexpr uint32_t kMaximumSnaplen = 262144;
  if (file.size() < kSnaplenOffset + 4 || !tolerated("snaplen-allocation")) return;
  auto magic_is = [&](bool little_endian) {
    uint32_t magic = little_endian ? file[0] | file[1] << 8 | file[2] << 16 | uint32_t{file[3]} << 24
                                   : uint32_t{file[0]} << 24 | file[1] << 16 | file[2] << 8 | file[3];
    return magic == 0xa1b2c3d4 || magic == 0xa1b23c4d;  // microsecond, nanosecond
  };
  bool little = magic_is(true), big = magic_is(false);
  if (!little && !big) return;
  uint8_t* snaplen = file.data() + kSnaplenOffset;
  uint32_t value = little ? snaplen[0] | snaplen[1] << 8 | snaplen[2] << 16 | uint32_t{snaplen[3]} << 24
                          : uint32_t{snaplen[0]} << 24 | snaplen[1] << 16 | snaplen[2] << 8 | snaplen[3];
  if (value <= kMaximumSnaplen) return;
  for (int i = 0; i < 4; ++i) snaplen[little ? i : 3 - i] = static_cast<uint8_t>(kMaximumSnaplen >> (8 * i));
}

}  // namespace tlsflags::fuzz
