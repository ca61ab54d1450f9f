#include "spooled_input.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace tlsflags::capture {
namespace {

std::string errno_text() { return std::strerror(errno); }

std::string temporary_directory() {
  const char* tmpdir = std::getenv("TMPDIR");
  return tmpdir && *tmpdir ? tmpdir : "/tmp";
}

bool write_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    const ssize_t written = ::write(fd, data, size);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return false;
    data += written;
    size -= static_cast<size_t>(written);
  }
  return true;
}

// The first four bytes of what a capture reader can read: a pcap file header (either byte order, micro-
// or nanosecond time stamps), a pcapng Section Header Block, or a gzip stream (RFC 1952 §2.3.1).
bool capture_magic(const unsigned char* head) {
  const uint32_t big = uint32_t{head[0]} << 24 | uint32_t{head[1]} << 16 | uint32_t{head[2]} << 8 | head[3];
  switch (big) {
    case 0xa1b2c3d4: case 0xd4c3b2a1: case 0xa1b23c4d: case 0x4d3cb2a1:  // pcap
    case 0x0a0d0d0a:                                                    // pcapng
      return true;
  }
  return head[0] == 0x1f && head[1] == 0x8b;  // gzip
}

std::string hex_bytes(const unsigned char* bytes, size_t n) {
  static const char digits[] = "0123456789abcdef";
  std::string text;
  for (size_t i = 0; i < n; ++i) {
    if (i) text += ' ';
    text += digits[bytes[i] >> 4];
    text += digits[bytes[i] & 15];
  }
  return text;
}

// Copies `in` to `out` until the end of the input. False with `error` set on a failure or when the
// input goes beyond `max_bytes`.
bool stopped(const std::atomic<bool>* stop) { return stop && stop->load(std::memory_order_relaxed); }

// Waits until `in` has data or its end, looking at `stop` four times a second: a signal reaches one
// thread only, and the one reading this pipe may not be it. False when stopped.
bool wait_readable(int in, const std::atomic<bool>* stop) {
  for (;;) {
    if (stopped(stop)) return false;
    pollfd waiting{in, POLLIN, 0};
    if (::poll(&waiting, 1, 250) > 0) return true;
  }
}

bool copy_stream(int in, int out, uint64_t max_bytes, const std::atomic<bool>* stop, std::string& error) {
  std::vector<char> buffer(1u << 20);
  unsigned char head[4] = {};
  uint64_t total = 0;
  for (;;) {
    if (!wait_readable(in, stop)) {
      error = "reading stopped before the end of the input (the run was interrupted)";
      return false;
    }
    const ssize_t got = ::read(in, buffer.data(), buffer.size());
    if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (got < 0) {
      error = "cannot read: " + errno_text();
      return false;
    }
    if (got == 0) return true;
    // A pipe is refused from its first bytes when they cannot start a capture (/dev/zero, a text):
    // spooling gigabytes first only to have libpcap refuse them would waste the time and the disk.
    for (size_t i = 0; total + i < sizeof head && i < static_cast<size_t>(got); ++i) head[total + i] = static_cast<unsigned char>(buffer[i]);
    const bool head_complete_now = total < sizeof head && total + static_cast<uint64_t>(got) >= sizeof head;
    if (head_complete_now && !capture_magic(head)) {
      error = "not a pcap, pcapng or gzip capture: it starts with " + hex_bytes(head, sizeof head);
      return false;
    }
    total += static_cast<uint64_t>(got);
    if (total > max_bytes) {
      error = "the pipe carries more than " + std::to_string(max_bytes) +
              " bytes, the most read from a pipe (save it to a file and give the file)";
      return false;
    }
    if (!write_all(out, buffer.data(), static_cast<size_t>(got))) {
      error = "cannot copy the pipe to a temporary file in " + temporary_directory() + ": " + errno_text();
      return false;
    }
  }
}

}  // namespace

bool needs_spooling(const std::string& path) {
  if (path == "-") return true;
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return false;  // the normal open reports the error
  return !S_ISREG(info.st_mode) && !S_ISDIR(info.st_mode);
}

SpooledInput::~SpooledInput() {
  if (fd_ >= 0) ::close(fd_);
}

bool SpooledInput::spool(const std::string& path, uint64_t max_bytes, const std::atomic<bool>* stop,
                         std::string& error) {
  fd_ = ::open(temporary_directory().c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd_ < 0) {
    error = "cannot create a temporary file in " + temporary_directory() + ": " + errno_text();
    return false;
  }
  path_ = "/proc/self/fd/" + std::to_string(fd_);
  const bool standard_input = path == "-";
  // Opened without blocking: opening a FIFO would otherwise wait for its writer where no signal may
  // reach (wait_readable waits instead, stoppably).
  const int in = standard_input ? STDIN_FILENO : ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (in < 0) {
    error = "cannot open: " + errno_text();
    return false;
  }
  const bool ok = copy_stream(in, fd_, max_bytes, stop, error);
  if (!standard_input) ::close(in);
  return ok;
}

}  // namespace tlsflags::capture
