// Input that can be read only once (a named pipe, `-` for standard input, a socket, a character
// device). The reader needs a capture more than once: the pcapng pre-pass collects Decryption Secrets
// Blocks wherever they stand, then libpcap or the direct reader opens the file again. Such input is
// first copied to an unlinked temporary file (in $TMPDIR, /tmp otherwise), which is read like any file
// through /proc/self/fd/N and vanishes when closed.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace tlsflags::capture {

// True for "-" and for anything that is not a regular file or a directory.
bool needs_spooling(const std::string& path);

class SpooledInput {
 public:
  SpooledInput() = default;
  ~SpooledInput();
  SpooledInput(const SpooledInput&) = delete;
  SpooledInput& operator=(const SpooledInput&) = delete;

  // Copies everything `path` delivers ("-": standard input) into the temporary file, at most
  // `max_bytes`. False with `error` set when it cannot, when the input carries more, when its first
  // bytes cannot start a capture, or when `stop` becomes true while it waits for data (a FIFO whose
  // writer never comes is waited for as `cat` would, but SIGINT still ends the wait).
  bool spool(const std::string& path, uint64_t max_bytes, const std::atomic<bool>* stop, std::string& error);
  // The path that reopens the copy from its start.
  const std::string& path() const { return path_; }

 private:
  int fd_ = -1;
  std::string path_;
};

}  // namespace tlsflags::capture
