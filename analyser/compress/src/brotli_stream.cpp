// brotli (RFC 8879 §3, RFC 7932) through BrotliDecoderDecompressStream. The large-window extension is
// left off, so a stream's window is at most 2^24 bytes (RFC 7932 §9.1).
#include "stream_decoder.hpp"

#include <brotli/decode.h>

namespace tlsflags::compress::detail {
namespace {

class BrotliDecoder final : public StreamDecoder {
 public:
  explicit BrotliDecoder(std::span<const uint8_t> input)
      : next_in_(input.data()), available_in_(input.size()) {}
  ~BrotliDecoder() override {
    if (state_) BrotliDecoderDestroyInstance(state_);
  }
  bool start() {
    state_ = BrotliDecoderCreateInstance(nullptr, nullptr, nullptr);
    return state_ != nullptr;
  }

  Step decode(std::span<uint8_t> out, size_t& written) override {
    uint8_t* next_out = out.data();
    size_t available_out = out.size();
    const BrotliDecoderResult result = BrotliDecoderDecompressStream(
        state_, &available_in_, &next_in_, &available_out, &next_out, nullptr);
    written += out.size() - available_out;
    switch (result) {
      case BROTLI_DECODER_RESULT_SUCCESS: return Step::ended;
      case BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT: return Step::output_full;
      case BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT: return Step::input_exhausted;
      default: return Step::corrupt;
    }
  }
  bool input_left() const override { return available_in_ > 0; }

 private:
  BrotliDecoderState* state_ = nullptr;
  const uint8_t* next_in_;
  size_t available_in_;
};

}  // namespace

std::unique_ptr<StreamDecoder> make_brotli_decoder(std::span<const uint8_t> input) {
  auto decoder = std::make_unique<BrotliDecoder>(input);
  if (!decoder->start()) return nullptr;
  return decoder;
}

}  // namespace tlsflags::compress::detail
