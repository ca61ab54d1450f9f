// Fuzz bytes as a file path, for readers that only take a path (libpcap, the key log reader). A memfd
// never touches the disk and disappears with the process; /proc/self/fd/N can be opened again, as
// read_capture does (once for libpcap, once for the pcapng pre-pass).
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>

#include "check.hpp"

namespace tlsflags::fuzz {

class MemoryFile {
 public:
  explicit MemoryFile(std::span<const uint8_t> contents) : fd_(memfd_create("fuzz-input", MFD_CLOEXEC)) {
    FUZZ_CHECK(fd_ >= 0);
    size_t written = 0;
    while (written < contents.size()) {
      ssize_t n = write(fd_, contents.data() + written, contents.size() - written);
      FUZZ_CHECK(n > 0);
      written += static_cast<size_t>(n);
    }
  }
  ~MemoryFile() { close(fd_); }
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;

  std::string path() const { return "/proc/self/fd/" + std::to_string(fd_); }

 private:
  int fd_;
};

}  // namespace tlsflags::fuzz
