// Fuzzes RFC 8879's decompression path (analyser/compress): the first input byte picks the algorithm
// (zlib, brotli, zstd, or below 0x10 an unknown code point), the next three the declared
// uncompressed_length, the rest is compressed_certificate_message, copied to a buffer of exactly its size
// so that ASan sees any read past it. The seed corpus (corpus/certificate_inflation) holds real
// certificate chains compressed with each algorithm.
//
// Invariants (docs/reliability-limits.md "Compressed certificates"): no crash; the output is exactly the
// declared length when the outcome is ok and empty otherwise; a declared length of 0, beyond the limit or
// beyond the ratio bound is refused before decoding; a lower limit is obeyed; and what inflated is what
// the library's own one-shot decoder makes of the same bytes (a differential check of the streaming
// loop), deterministic.
#include <brotli/decode.h>
#include <zlib.h>
#include <zstd.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "check.hpp"
#include "tlsflags/compress/certificate_compression.hpp"

namespace tlsflags::fuzz {
namespace {

using compress::Outcome;

// Below 0x10 an unknown code point (0, 4..18), else zlib, brotli or zstd.
uint16_t algorithm_from(uint8_t selector) {
  if (selector < 0x10) return selector == 0 ? 0 : uint16_t{3} + selector;
  return uint16_t{1} + selector % 3;
}

// The library's one-shot decoder into exactly `size` bytes: whether it decoded the whole stream to
// exactly that many bytes.
bool one_shot_agrees(uint16_t algorithm, std::span<const uint8_t> in, const std::vector<uint8_t>& expected) {
  std::vector<uint8_t> out(expected.size());
  switch (algorithm) {
    case 1: {
      uLongf size = out.size();
      uLong consumed = in.size();
      if (uncompress2(out.data(), &size, in.data(), &consumed) != Z_OK) return false;
      return size == out.size() && consumed == in.size() && out == expected;
    }
    case 2: {
      size_t size = out.size();
      if (BrotliDecoderDecompress(in.size(), in.data(), &size, out.data()) != BROTLI_DECODER_RESULT_SUCCESS) return false;
      return size == out.size() && out == expected;
    }
    case 3: {
      const size_t size = ZSTD_decompress(out.data(), out.size(), in.data(), in.size());
      return !ZSTD_isError(size) && size == out.size() && out == expected;
    }
  }
  return false;
}

void check_inflation(uint16_t algorithm, uint32_t declared, std::span<const uint8_t> compressed) {
  const auto inflated = compress::inflate_certificate(algorithm, declared, compressed);
  if (inflated.outcome == Outcome::ok) {
    FUZZ_CHECK(inflated.message.size() == declared);
    FUZZ_CHECK(uint64_t{declared} <= uint64_t{compress::default_max_ratio} * compressed.size());
    FUZZ_CHECK(one_shot_agrees(algorithm, compressed, inflated.message));
  } else {
    FUZZ_CHECK(inflated.message.empty());
  }
  if (declared == 0) FUZZ_CHECK(inflated.outcome == Outcome::declared_length_invalid || inflated.outcome == Outcome::unknown_algorithm);
  if (!compress::is_known_algorithm(algorithm)) FUZZ_CHECK(inflated.outcome == Outcome::unknown_algorithm);

  const auto again = compress::inflate_certificate(algorithm, declared, compressed);  // deterministic
  FUZZ_CHECK(again.outcome == inflated.outcome && again.message == inflated.message);

  compress::Limits small;  // a caller's lower limit is obeyed, never exceeded
  small.max_uncompressed = 4096;
  const auto bounded = compress::inflate_certificate(algorithm, declared, compressed, small);
  if (declared > 4096 && compress::is_known_algorithm(algorithm))
    FUZZ_CHECK(bounded.outcome == Outcome::declared_length_invalid);
  else
    FUZZ_CHECK(bounded.outcome == inflated.outcome);
}

}  // namespace
}  // namespace tlsflags::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  const uint16_t algorithm = tlsflags::fuzz::algorithm_from(data[0]);
  const uint32_t declared = uint32_t{data[1]} << 16 | uint32_t{data[2]} << 8 | data[3];
  std::vector<uint8_t> compressed(data + 4, data + size);  // exactly its size: ASan sees overreads
  tlsflags::fuzz::check_inflation(algorithm, declared, compressed);
  return 0;
}
