// A classic pcap file written as frames arrive (microsecond timestamps, LINKTYPE_ETHERNET), so a
// gigabyte workload never has to fit in memory. The generator's own writers build the whole file in
// memory first, which is right for scenario captures and wrong here.
#pragma once

#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <vector>

namespace tlsbench {

class PcapStream {
 public:
  explicit PcapStream(const std::string& path);
  ~PcapStream();
  PcapStream(const PcapStream&) = delete;
  PcapStream& operator=(const PcapStream&) = delete;

  void write(std::uint64_t time_us, std::span<const std::uint8_t> frame);
  // Flushes and closes; throws when anything could not be written.
  void close();

  std::uint64_t frames() const { return frames_; }
  std::uint64_t bytes() const { return bytes_; }

 private:
  void put(const void* data, std::size_t size);

  std::string path_;
  std::FILE* file_ = nullptr;
  std::vector<char> buffer_;
  std::uint64_t frames_ = 0;
  std::uint64_t bytes_ = 0;
};

}  // namespace tlsbench
