// The shape every decompressor of this library has (certificate_compression.cpp drives it): one stream,
// decoded into caller-sized output spans, saying after each call why it stopped. The library's own
// streaming API does the work (RFC 8879 §3 names zlib, brotli and zstd); nothing here inflates by hand.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace tlsflags::compress::detail {

enum class Step {
  ended,            // the stream's end was decoded and all its output written
  output_full,      // the output span is full and the stream may have more to give
  input_exhausted,  // all input consumed before the stream's end (truncated)
  corrupt,          // the library refused the stream
};

class StreamDecoder {
 public:
  virtual ~StreamDecoder() = default;
  // Decodes into out; adds the bytes written to written.
  virtual Step decode(std::span<uint8_t> out, size_t& written) = 0;
  // Whether input bytes remain unread (after Step::ended: bytes after the end of the stream).
  virtual bool input_left() const = 0;
};

// nullptr when the library could not set up its decoder (out of memory).
std::unique_ptr<StreamDecoder> make_zlib_decoder(std::span<const uint8_t> input);
std::unique_ptr<StreamDecoder> make_brotli_decoder(std::span<const uint8_t> input);
std::unique_ptr<StreamDecoder> make_zstd_decoder(std::span<const uint8_t> input);

// Whether a zstd frame header states a content size other than expected (RFC 8878 §3.1.1.1.4): then
// the frame cannot yield the declared length, and nothing needs decoding to say so.
bool zstd_frame_states_other_size(std::span<const uint8_t> input, uint32_t expected);

// The window the zstd decoder may be asked for (docs/reliability-limits.md): 2^24 bytes, the largest
// message RFC 8879 §4 allows, so a frame cannot make the decoder reserve the library's default 2^27.
inline constexpr int zstd_window_log_max = 24;

}  // namespace tlsflags::compress::detail
