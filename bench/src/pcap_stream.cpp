#include "pcap_stream.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace tlsbench {
namespace {

constexpr std::uint32_t kMagicMicroseconds = 0xa1b2c3d4;
constexpr std::uint32_t kLinkTypeEthernet = 1;
constexpr std::uint32_t kSnapLength = 65535;
constexpr std::size_t kBufferBytes = 4u << 20;

// Records are written in host order (little-endian here); readers detect it from the magic number.
struct FileHeader {
  std::uint32_t magic = kMagicMicroseconds;
  std::uint16_t version_major = 2, version_minor = 4;
  std::int32_t zone = 0;
  std::uint32_t sigfigs = 0, snaplen = kSnapLength, link_type = kLinkTypeEthernet;
};

struct RecordHeader {
  std::uint32_t seconds, microseconds, caplen, len;
};

}  // namespace

PcapStream::PcapStream(const std::string& path) : path_(path), buffer_(kBufferBytes) {
  file_ = std::fopen(path.c_str(), "wb");
  if (file_ == nullptr) throw std::runtime_error("cannot create " + path + ": " + std::strerror(errno));
  std::setvbuf(file_, buffer_.data(), _IOFBF, buffer_.size());
  const FileHeader header;
  put(&header, sizeof header);
}

PcapStream::~PcapStream() {
  if (file_ != nullptr) std::fclose(file_);
}

void PcapStream::write(std::uint64_t time_us, std::span<const std::uint8_t> frame) {
  const auto size = static_cast<std::uint32_t>(frame.size());
  const RecordHeader header{static_cast<std::uint32_t>(time_us / 1000000), static_cast<std::uint32_t>(time_us % 1000000),
                            size, size};
  put(&header, sizeof header);
  put(frame.data(), frame.size());
  ++frames_;
  bytes_ += sizeof header + frame.size();
}

void PcapStream::put(const void* data, std::size_t size) {
  if (std::fwrite(data, 1, size, file_) != size) throw std::runtime_error("cannot write " + path_);
}

void PcapStream::close() {
  std::FILE* file = std::exchange(file_, nullptr);
  if (file == nullptr) return;
  const bool flushed = std::fflush(file) == 0;
  if (std::fclose(file) != 0 || !flushed) throw std::runtime_error("cannot write " + path_);
}

}  // namespace tlsbench
