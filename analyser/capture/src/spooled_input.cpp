#include "spooled_input.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
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

// Copies `in` to `out` until the end of the input. False with `error` set on a failure or when the
// input goes beyond `max_bytes`.
bool copy_stream(int in, int out, uint64_t max_bytes, std::string& error) {
  std::vector<char> buffer(1u << 20);
  uint64_t total = 0;
  for (;;) {
    const ssize_t got = ::read(in, buffer.data(), buffer.size());
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      error = "cannot read: " + errno_text();
      return false;
    }
    if (got == 0) return true;
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

bool SpooledInput::spool(const std::string& path, uint64_t max_bytes, std::string& error) {
  fd_ = ::open(temporary_directory().c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd_ < 0) {
    error = "cannot create a temporary file in " + temporary_directory() + ": " + errno_text();
    return false;
  }
  path_ = "/proc/self/fd/" + std::to_string(fd_);
  const bool standard_input = path == "-";
  const int in = standard_input ? STDIN_FILENO : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) {
    error = "cannot open: " + errno_text();
    return false;
  }
  const bool ok = copy_stream(in, fd_, max_bytes, error);
  if (!standard_input) ::close(in);
  return ok;
}

}  // namespace tlsflags::capture
