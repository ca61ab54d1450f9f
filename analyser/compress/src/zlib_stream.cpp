// zlib (RFC 8879 §3: "zlib", the format of RFC 1950) through zlib's inflate() stream API.
#include "stream_decoder.hpp"

#include <zlib.h>

namespace tlsflags::compress::detail {
namespace {

class ZlibDecoder final : public StreamDecoder {
 public:
  explicit ZlibDecoder(std::span<const uint8_t> input) {
    stream_.next_in = const_cast<Bytef*>(input.data());  // zlib's API is not const; it only reads
    stream_.avail_in = static_cast<uInt>(input.size());
  }
  ~ZlibDecoder() override {
    if (ready_) inflateEnd(&stream_);
  }
  bool start() {
    ready_ = inflateInit(&stream_) == Z_OK;
    return ready_;
  }

  Step decode(std::span<uint8_t> out, size_t& written) override {
    stream_.next_out = out.data();
    stream_.avail_out = static_cast<uInt>(out.size());
    Step step = Step::corrupt;
    for (;;) {
      const int result = inflate(&stream_, Z_NO_FLUSH);
      if (result == Z_STREAM_END) { step = Step::ended; break; }
      if (result == Z_OK && stream_.avail_out > 0) continue;  // progress; the next call says more
      if (result == Z_OK || result == Z_BUF_ERROR) {
        step = stream_.avail_out == 0 ? Step::output_full : Step::input_exhausted;
        break;
      }
      break;  // Z_DATA_ERROR, Z_NEED_DICT (RFC 8879 defines no dictionary), Z_MEM_ERROR
    }
    written += out.size() - stream_.avail_out;
    return step;
  }
  bool input_left() const override { return stream_.avail_in > 0; }

 private:
  z_stream stream_{};
  bool ready_ = false;
};

}  // namespace

std::unique_ptr<StreamDecoder> make_zlib_decoder(std::span<const uint8_t> input) {
  auto decoder = std::make_unique<ZlibDecoder>(input);
  if (!decoder->start()) return nullptr;
  return decoder;
}

}  // namespace tlsflags::compress::detail
