#include "report_output.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace tlsflags::cli {

// ---- DescriptorBuffer -----------------------------------------------------------------------------

DescriptorBuffer::DescriptorBuffer(int fd, bool whole_lines)
    : fd_(fd), whole_lines_(whole_lines), terminal_(::isatty(fd) == 1) {
  buffer_.resize(kBufferSize);
  setp(buffer_.data(), buffer_.data() + buffer_.size());
}

bool DescriptorBuffer::write_out(size_t n) {
  const char* data = pbase();
  size_t left = n;
  while (left > 0 && !failed()) {
    const ssize_t written = ::write(fd_, data, left);
    if (written < 0 && errno == EINTR) continue;  // a signal asks the run to stop, not the report to be cut
    if (written < 0) error_ = errno;
    if (written == 0) error_ = EIO;
    if (written <= 0) break;
    data += written;
    left -= static_cast<size_t>(written);
  }
  // What was not written is dropped: after a failure the report is partial anyway, and saying why is
  // what matters (ReportOutput::failure_reason).
  const size_t held = static_cast<size_t>(pptr() - pbase());
  std::memmove(buffer_.data(), pbase() + n, held - n);
  setp(buffer_.data(), buffer_.data() + buffer_.size());
  pbump(static_cast<int>(held - n));
  return !failed();
}

bool DescriptorBuffer::flush_lines() {
  const size_t held = static_cast<size_t>(pptr() - pbase());
  if (!whole_lines_) return write_out(held);
  const char* last_newline = nullptr;
  for (const char* p = pptr(); p != pbase(); --p)
    if (p[-1] == '\n') {
      last_newline = p;
      break;
    }
  if (last_newline) return write_out(static_cast<size_t>(last_newline - pbase()));
  if (pptr() != epptr()) return true;  // a line begun: it waits for its end
  // One line longer than the buffer: the buffer grows until the line is whole.
  buffer_.resize(buffer_.size() * 2);
  setp(buffer_.data(), buffer_.data() + buffer_.size());
  pbump(static_cast<int>(held));
  return true;
}

bool DescriptorBuffer::flush_all() { return !failed() && write_out(static_cast<size_t>(pptr() - pbase())); }

DescriptorBuffer::int_type DescriptorBuffer::overflow(int_type c) {
  if (failed()) return traits_type::eof();
  if (pptr() == epptr() && !flush_lines()) return traits_type::eof();
  if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
  if (pptr() == epptr() && !flush_lines()) return traits_type::eof();
  *pptr() = traits_type::to_char_type(c);
  pbump(1);
  return c;
}

std::streamsize DescriptorBuffer::xsputn(const char* data, std::streamsize n) {
  std::streamsize done = 0;
  while (done < n) {
    if (failed()) return done;
    if (pptr() == epptr() && !flush_lines()) return done;
    const std::streamsize room = std::min<std::streamsize>(epptr() - pptr(), n - done);
    std::memcpy(pptr(), data + done, static_cast<size_t>(room));
    pbump(static_cast<int>(room));
    done += room;
  }
  // A terminal shows each line as it is written, as stdio's line buffering did.
  if (terminal_) flush_lines();  // a failure is kept in error_
  return done;
}

// A flush (std::flush, the end of a capture) writes the whole lines held; the rest waits for its end.
int DescriptorBuffer::sync() { return flush_lines() ? 0 : -1; }

// ---- ReportOutput -------------------------------------------------------------------------------------

namespace {

struct FileId {
  dev_t device = 0;
  ino_t inode = 0;
};

std::optional<FileId> file_id(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) return std::nullopt;
  return FileId{info.st_dev, info.st_ino};
}

std::optional<FileId> stdout_id() {
  struct stat info {};
  if (::fstat(STDOUT_FILENO, &info) != 0 || !S_ISREG(info.st_mode)) return std::nullopt;
  return FileId{info.st_dev, info.st_ino};
}

std::string directory_of(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string name_of(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Whether -o names something written in place: a device (/dev/null, /dev/full), a FIFO, a socket.
bool written_in_place(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && !S_ISREG(info.st_mode);
}

mode_t default_file_mode() {
  const mode_t mask = ::umask(0);  // read it back: there is no other way (single-threaded here)
  ::umask(mask);
  return 0666 & ~mask;
}

}  // namespace

ReportOutput::~ReportOutput() {
  remove_temporary();
  if (owns_fd_ && fd_ >= 0) ::close(fd_);
}

std::optional<std::string> ReportOutput::refuse_input_as_output(const std::optional<std::string>& output,
                                                               const std::vector<std::string>& inputs) {
  const std::optional<FileId> out = output ? file_id(*output) : stdout_id();
  if (!out) return std::nullopt;  // a new file, a device, a pipe, a terminal: not an input
  for (const std::string& input : inputs) {
    const std::optional<FileId> in = file_id(input);
    if (in && in->device == out->device && in->inode == out->inode)
      return (output ? "refusing to write the report to " + *output : std::string("refusing to write the report to standard output")) +
             ": it is the input " + input + " (nothing was written)";
  }
  return std::nullopt;
}

bool ReportOutput::open(const std::optional<std::string>& output, bool whole_lines, std::string& error) {
  target_ = output;
  if (!output) {
    fd_ = STDOUT_FILENO;
  } else if (written_in_place(*output)) {
    fd_ = ::open(output->c_str(), O_WRONLY | O_CLOEXEC);
    owns_fd_ = true;
  } else {
    std::string pattern = directory_of(*output) + "/." + name_of(*output) + ".partial-XXXXXX";
    fd_ = ::mkostemp(pattern.data(), O_CLOEXEC);
    owns_fd_ = true;
    if (fd_ >= 0) {
      temporary_ = pattern;
      via_temporary_ = true;
      ::fchmod(fd_, default_file_mode());
    }
  }
  if (fd_ < 0) {
    error = "cannot write " + output.value_or("standard output") + ": " + std::strerror(errno);
    return false;
  }
  buffer_.emplace(fd_, whole_lines);
  stream_.rdbuf(&*buffer_);
  return true;
}

std::string ReportOutput::failure_reason() const {
  return buffer_ && buffer_->failed() ? std::strerror(buffer_->error()) : "";
}

void ReportOutput::remove_temporary() {
  if (temporary_.empty()) return;
  ::unlink(temporary_.c_str());
  temporary_.clear();
}

bool ReportOutput::commit(std::string& error) {
  const std::string name = target_.value_or("standard output");
  if (!buffer_) return false;
  stream_.flush();
  if (!buffer_->flush_all() || !stream_) {
    error = "cannot write " + name + ": " + (failed() ? failure_reason() : std::string("output error"));
    remove_temporary();
    return false;
  }
  if (temporary_.empty()) return true;
  if (::close(fd_) != 0) {  // NFS and quotas report a failed write only here
    fd_ = -1;
    error = "cannot write " + name + ": " + std::strerror(errno);
    remove_temporary();
    return false;
  }
  fd_ = -1;
  if (::rename(temporary_.c_str(), target_->c_str()) != 0) {
    error = "cannot put the report in place as " + name + ": " + std::strerror(errno);
    remove_temporary();
    return false;
  }
  temporary_.clear();
  return true;
}

}  // namespace tlsflags::cli
