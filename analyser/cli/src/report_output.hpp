// Where a batch run's report goes (docs/tlsflags-check.1 "OUTPUT", docs/reliability.md "Attacks"):
//  - an -o FILE that is one of the inputs (same device and inode) is refused before anything is opened
//    for writing, and so is standard output redirected into an input;
//  - an -o FILE that is (or will be) a regular file is written to a temporary file beside it and renamed
//    into place only when the report is complete: an interrupted or failing run never leaves a cut
//    SARIF document or truncates an earlier report;
//  - a device, a FIFO or standard output is written directly; JSON Lines then goes out in whole lines,
//    so that a reader of a pipe never sees half a record;
//  - the first write error is kept with its reason (strerror): the run stops and says the report is
//    partial.
#pragma once

#include <cerrno>
#include <optional>
#include <ostream>
#include <streambuf>
#include <string>
#include <vector>

namespace tlsflags::cli {

// A write-only stream buffer over a file descriptor that remembers why writing failed.
class DescriptorBuffer : public std::streambuf {
 public:
  static constexpr size_t kBufferSize = size_t{1} << 16;
  DescriptorBuffer(int fd, bool whole_lines);

  bool failed() const { return error_ != 0; }
  int error() const { return error_; }
  bool flush_all();  // writes everything buffered; false on a write error

 protected:
  int_type overflow(int_type c) override;
  std::streamsize xsputn(const char* data, std::streamsize n) override;
  int sync() override;

 private:
  bool flush_lines();  // the whole lines buffered (everything, when not line by line)
  bool write_out(size_t n);  // the first n bytes of the buffer

  int fd_;
  bool whole_lines_;
  bool terminal_;  // line by line, as soon as each is whole
  std::vector<char> buffer_;
  int error_ = 0;
};

class ReportOutput {
 public:
  ReportOutput() = default;
  ReportOutput(const ReportOutput&) = delete;
  ReportOutput& operator=(const ReportOutput&) = delete;
  ~ReportOutput();

  // The error when `output` (or standard output, when `output` is unset) is the same file as one of
  // `inputs`; nullopt when none is.
  static std::optional<std::string> refuse_input_as_output(const std::optional<std::string>& output,
                                                          const std::vector<std::string>& inputs);

  // Opens -o FILE (through a temporary file beside it, when it is a regular file) or standard output.
  // `whole_lines`: write out whole lines only (JSON Lines). False with `error` set when it cannot.
  bool open(const std::optional<std::string>& output, bool whole_lines, std::string& error);
  std::ostream& stream() { return stream_; }
  bool failed() const { return buffer_ && buffer_->failed(); }
  // Why the first write failed ("No space left on device").
  std::string failure_reason() const;
  // Flushes, and renames the temporary file into place. False with `error` set when a write failed: the
  // temporary file is removed and the target left as it was.
  bool commit(std::string& error);
  // -o FILE is written through a temporary file: a failed run leaves FILE as it was.
  bool via_temporary() const { return via_temporary_; }

 private:
  void remove_temporary();

  std::optional<std::string> target_;  // -o FILE as given
  std::string temporary_;              // beside the target; empty when writing directly
  int fd_ = -1;
  bool owns_fd_ = false;
  bool via_temporary_ = false;
  std::optional<DescriptorBuffer> buffer_;
  std::ostream stream_{nullptr};
};

}  // namespace tlsflags::cli
