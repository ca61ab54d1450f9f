// RFC 8879 §4: the receiver inflates compressed_certificate_message and checks that it yields exactly
// uncompressed_length bytes. The bounds (docs/reliability-limits.md "Compressed certificates") are
// settled before any output is allocated; the decoders then write into exactly that many bytes and one
// spare byte on the stack, which is how "more than declared" is seen without decoding further.
#include "tlsflags/compress/certificate_compression.hpp"

#include <algorithm>

#include "stream_decoder.hpp"

namespace tlsflags::compress {
namespace {

using detail::Step;
using detail::StreamDecoder;

std::unique_ptr<StreamDecoder> make_decoder(Algorithm algorithm, std::span<const uint8_t> input) {
  switch (algorithm) {
    case Algorithm::zlib: return detail::make_zlib_decoder(input);
    case Algorithm::brotli: return detail::make_brotli_decoder(input);
    case Algorithm::zstd: return detail::make_zstd_decoder(input);
  }
  return nullptr;
}

// The checks that need no decoding: the declared length (RFC 8879 §4: a uint24, and a Certificate
// message is never empty) and the ratio of declared to compressed size.
Outcome check_bounds(uint32_t uncompressed_length, std::span<const uint8_t> compressed,
                     const Limits& limits) {
  const uint32_t max_length = std::min(limits.max_uncompressed, max_uncompressed_length);
  if (uncompressed_length == 0 || uncompressed_length > max_length) return Outcome::declared_length_invalid;
  // A handshake message is at most 2^24 - 1 bytes long (RFC 8446 §4), so its compressed part is too.
  if (compressed.empty() || compressed.size() > max_uncompressed_length) return Outcome::corrupt;
  if (limits.max_ratio != 0 &&
      uint64_t{uncompressed_length} > uint64_t{limits.max_ratio} * compressed.size())
    return Outcome::ratio_exceeded;
  return Outcome::ok;
}

// Decodes into out, then offers one spare byte: a stream that fills it is longer than declared.
Outcome run_decoder(StreamDecoder& decoder, std::span<uint8_t> out) {
  size_t written = 0;
  Step step = decoder.decode(out, written);
  if (step == Step::output_full) {
    uint8_t spare[1];
    size_t spilled = 0;
    step = decoder.decode(spare, spilled);
    if (spilled > 0 || step == Step::output_full) return Outcome::length_mismatch;
  }
  if (step != Step::ended) return Outcome::corrupt;  // refused, or truncated before its end
  if (decoder.input_left()) return Outcome::corrupt;  // bytes after the end of the stream
  return written == out.size() ? Outcome::ok : Outcome::length_mismatch;
}

}  // namespace

bool is_known_algorithm(uint16_t algorithm) {
  return algorithm >= static_cast<uint16_t>(Algorithm::zlib) &&
         algorithm <= static_cast<uint16_t>(Algorithm::zstd);
}

std::string_view algorithm_name(uint16_t algorithm) { return certificate_compression_algorithm_name(algorithm); }

InflationOutcome event_outcome(Outcome outcome) {
  switch (outcome) {
    case Outcome::ok: return InflationOutcome::ok;
    case Outcome::unknown_algorithm: return InflationOutcome::unknown_algorithm;
    case Outcome::declared_length_invalid: return InflationOutcome::declared_length_invalid;
    case Outcome::corrupt: return InflationOutcome::corrupt;
    case Outcome::length_mismatch: return InflationOutcome::length_mismatch;
    case Outcome::ratio_exceeded: return InflationOutcome::ratio_exceeded;
  }
  return InflationOutcome::corrupt;
}

std::string_view outcome_text(Outcome outcome) { return describe(event_outcome(outcome)); }

std::string_view outcome_name(Outcome outcome) { return to_string(event_outcome(outcome)); }

Inflated inflate_certificate(uint16_t algorithm, uint32_t uncompressed_length,
                             std::span<const uint8_t> compressed, const Limits& limits) {
  Inflated inflated;
  if (!is_known_algorithm(algorithm)) {
    inflated.outcome = Outcome::unknown_algorithm;
    return inflated;
  }
  inflated.outcome = check_bounds(uncompressed_length, compressed, limits);
  if (inflated.outcome != Outcome::ok) return inflated;
  const auto kind = static_cast<Algorithm>(algorithm);
  if (kind == Algorithm::zstd && detail::zstd_frame_states_other_size(compressed, uncompressed_length)) {
    inflated.outcome = Outcome::length_mismatch;
    return inflated;
  }
  auto decoder = make_decoder(kind, compressed);
  if (!decoder) {
    inflated.outcome = Outcome::corrupt;
    return inflated;
  }
  inflated.message.resize(uncompressed_length);
  inflated.outcome = run_decoder(*decoder, inflated.message);
  if (inflated.outcome != Outcome::ok) inflated.message = {};
  return inflated;
}

}  // namespace tlsflags::compress
