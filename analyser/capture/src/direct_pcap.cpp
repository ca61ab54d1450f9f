#include "direct_pcap.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

namespace tlsflags::capture {
namespace {

constexpr uint32_t kMagicMicroseconds = 0xa1b2c3d4;
constexpr uint32_t kMagicNanoseconds = 0xa1b23c4d;
constexpr size_t kFileHeaderBytes = 24;
constexpr size_t kRecordHeaderBytes = 16;
constexpr size_t kBufferBytes = 4u << 20;  // large reads, small enough to stay in the last-level cache
// libpcap 1.10's MAXIMUM_SNAPLEN: the largest snap length it takes from a file header (0 or larger means
// this), and for the link types decoded here the largest record it accepts at all.
constexpr uint32_t kMaximumSnaplen = 262144;
static_assert(kMaximumSnaplen + kRecordHeaderBytes <= kBufferBytes, "a whole record fits the read buffer");

struct FileFormat {
  bool little_endian = true;
  bool nanoseconds = false;
  uint32_t snaplen = 0;
};

uint32_t load32(const uint8_t* p, bool little_endian) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return little_endian ? v : __builtin_bswap32(v);  // the hosts this builds for are little-endian
}

// The 24-byte file header: magic, version 2.4, zone, sigfigs, snap length, link type.
bool parse_file_header(std::span<const uint8_t> header, FileFormat& format) {
  if (header.size() < kFileHeaderBytes) return false;
  const uint32_t magic = load32(header.data(), true);
  const uint32_t swapped = __builtin_bswap32(magic);
  if (magic == kMagicMicroseconds || magic == kMagicNanoseconds) {
    format.little_endian = true;
    format.nanoseconds = magic == kMagicNanoseconds;
  } else if (swapped == kMagicMicroseconds || swapped == kMagicNanoseconds) {
    format.little_endian = false;
    format.nanoseconds = swapped == kMagicNanoseconds;
  } else {
    return false;
  }
  const uint32_t version = load32(header.data() + 4, format.little_endian);
  const uint16_t major = static_cast<uint16_t>(format.little_endian ? version & 0xffff : version >> 16);
  const uint16_t minor = static_cast<uint16_t>(format.little_endian ? version >> 16 : version & 0xffff);
  format.snaplen = load32(header.data() + 16, format.little_endian);
  return major == 2 && minor == 4;
}

class DirectPcapReader {
 public:
  DirectPcapReader(int fd, int link_type, PacketSink& sink) : fd_(fd), link_type_(link_type), sink_(sink) {}

  DirectRead run(std::string& error) {
    if (!fill(kFileHeaderBytes) || !parse_file_header(pending(), format_)) return DirectRead::not_handled;
    begin_ += kFileHeaderBytes;
    // As libpcap's pcap_adjust_snapshot: the header cannot raise the limit, whatever it says.
    snaplen_ = format_.snaplen == 0 ? kMaximumSnaplen : std::min(format_.snaplen, kMaximumSnaplen);
    fraction_to_ns_ = format_.nanoseconds ? 1 : 1000;
    while (!sink_.stop_requested() && fill(kRecordHeaderBytes)) {
      if (!next_record(error)) return DirectRead::failed;
    }
    if (sink_.stop_requested()) return DirectRead::done;
    if (!read_error_.empty()) {
      error = read_error_;
      return DirectRead::failed;
    }
    if (end_ > begin_) {
      error = "truncated dump file; tried to read 16 header bytes, only got " + std::to_string(end_ - begin_);
      return DirectRead::failed;
    }
    return DirectRead::done;
  }

 private:
  std::span<const uint8_t> pending() const { return {buffer_.data() + begin_, end_ - begin_}; }

  // Makes at least `n` unread bytes available, reading more (and moving the unread tail to the front)
  // when needed. False at the end of the file with fewer than `n` left.
  bool fill(size_t n) {
    if (end_ - begin_ >= n) return true;
    if (buffer_.size() < std::max(n, kBufferBytes)) buffer_.resize(std::max(n, kBufferBytes));
    std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
    while (end_ < n) {
      const ssize_t got = read(fd_, buffer_.data() + end_, buffer_.size() - end_);
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) read_error_ = std::string("error reading dump file: ") + std::strerror(errno);
      if (got <= 0) return false;
      end_ += static_cast<size_t>(got);
    }
    return true;
  }

  bool next_record(std::string& error) {
    const uint8_t* header = buffer_.data() + begin_;
    const bool le = format_.little_endian;
    const uint32_t seconds = load32(header, le);
    const uint32_t fraction = load32(header + 4, le);
    const uint32_t caplen = load32(header + 8, le);
    // Checked before anything is read or allocated for the record: a length from the file is only
    // believed up to what libpcap accepts (sf-pcap.c refuses larger records with this error).
    if (caplen > kMaximumSnaplen) {
      error = "invalid packet capture length " + std::to_string(caplen) + ", bigger than the maximum of " +
              std::to_string(kMaximumSnaplen);
      return false;
    }
    if (!fill(kRecordHeaderBytes + caplen)) {
      error = read_error_.empty() ? "truncated dump file; tried to read " + std::to_string(caplen) +
                                        " captured bytes, only got " +
                                        std::to_string(end_ - begin_ - kRecordHeaderBytes)
                                  : read_error_;
      return false;
    }
    // A record longer than the file's snap length is cut to it, as libpcap does (it reads snaplen bytes
    // and skips the rest), so both readers hand on the same bytes.
    const std::span<const uint8_t> data(buffer_.data() + begin_ + kRecordHeaderBytes, std::min(caplen, snaplen_));
    begin_ += kRecordHeaderBytes + caplen;
    sink_.packet(link_type_, int64_t{seconds} * 1'000'000'000 + int64_t{fraction} * fraction_to_ns_, data);
    return true;
  }

  int fd_;
  int link_type_;
  PacketSink& sink_;
  FileFormat format_;
  uint32_t snaplen_ = kMaximumSnaplen;  // the file's, as libpcap adjusts it
  int64_t fraction_to_ns_ = 1000;
  std::vector<uint8_t> buffer_;
  size_t begin_ = 0;  // first unread byte
  size_t end_ = 0;    // end of the bytes read
  std::string read_error_;
};

}  // namespace

DirectRead read_pcap_directly(const std::string& path, int link_type, PacketSink& sink, std::string& error) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return DirectRead::not_handled;
  posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  DirectPcapReader reader(fd, link_type, sink);
  const DirectRead result = reader.run(error);
  close(fd);
  return result;
}

}  // namespace tlsflags::capture
