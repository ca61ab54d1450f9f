// zstd (RFC 8879 §3, RFC 8878) through ZSTD_decompressStream: one frame, nothing after it.
#include "stream_decoder.hpp"

#include <zstd.h>

namespace tlsflags::compress::detail {
namespace {

class ZstdDecoder final : public StreamDecoder {
 public:
  explicit ZstdDecoder(std::span<const uint8_t> input) : input_{input.data(), input.size(), 0} {}
  ~ZstdDecoder() override { ZSTD_freeDCtx(context_); }
  bool start() {
    context_ = ZSTD_createDCtx();
    return context_ != nullptr &&
           !ZSTD_isError(ZSTD_DCtx_setParameter(context_, ZSTD_d_windowLogMax, zstd_window_log_max));
  }

  Step decode(std::span<uint8_t> out, size_t& written) override {
    ZSTD_outBuffer output{out.data(), out.size(), 0};
    Step step = Step::corrupt;
    for (;;) {
      const size_t input_before = input_.pos, output_before = output.pos;
      const size_t result = ZSTD_decompressStream(context_, &output, &input_);
      if (ZSTD_isError(result)) break;
      if (result == 0) { step = Step::ended; break; }  // the frame is decoded and flushed
      if (output.pos == output.size) { step = Step::output_full; break; }
      // Output room left means everything decodable was flushed: the frame needs more input.
      if (input_.pos == input_.size) { step = Step::input_exhausted; break; }
      if (input_.pos == input_before && output.pos == output_before) break;  // no progress
    }
    written += output.pos;
    return step;
  }
  bool input_left() const override { return input_.pos < input_.size; }

 private:
  ZSTD_DCtx* context_ = nullptr;
  ZSTD_inBuffer input_;
};

}  // namespace

bool zstd_frame_states_other_size(std::span<const uint8_t> input, uint32_t expected) {
  const unsigned long long stated = ZSTD_getFrameContentSize(input.data(), input.size());
  if (stated == ZSTD_CONTENTSIZE_UNKNOWN || stated == ZSTD_CONTENTSIZE_ERROR) return false;
  return stated != expected;
}

std::unique_ptr<StreamDecoder> make_zstd_decoder(std::span<const uint8_t> input) {
  auto decoder = std::make_unique<ZstdDecoder>(input);
  if (!decoder->start()) return nullptr;
  return decoder;
}

}  // namespace tlsflags::compress::detail
