#include "file_input.hpp"

#include <sys/stat.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace tlsflags::capture {

struct GzipCookie {
  gzFile gz = nullptr;
};

namespace {

constexpr size_t kStdioBufferBytes = 1u << 20;
constexpr unsigned kZlibBufferBytes = 1u << 18;
constexpr unsigned kMaxGzipRead = 1u << 30;

bool starts_with_gzip_magic(FILE* file) {
  unsigned char magic[2] = {};
  const bool gzip = std::fread(magic, 1, 2, file) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
  std::rewind(file);
  return gzip;
}

ssize_t gzip_cookie_read(void* cookie, char* buffer, size_t size) {
  auto* state = static_cast<GzipCookie*>(cookie);
  const int got = gzread(state->gz, buffer, static_cast<unsigned>(std::min<size_t>(size, kMaxGzipRead)));
  if (got < 0) {
    errno = EIO;
    return -1;
  }
  return got;
}

int gzip_cookie_close(void* cookie) {
  auto* state = static_cast<GzipCookie*>(cookie);
  const int result = gzclose(state->gz);
  delete state;
  return result == Z_OK ? 0 : EOF;
}

FILE* wrap_gzip(gzFile gz, GzipCookie*& cookie_out) {
  gzbuffer(gz, kZlibBufferBytes);
  auto* cookie = new GzipCookie{gz};
  // Read-only and sequential: libpcap never seeks an offline capture.
  cookie_io_functions_t functions{};
  functions.read = gzip_cookie_read;
  functions.close = gzip_cookie_close;
  FILE* file = fopencookie(cookie, "rb", functions);
  if (file == nullptr) {
    gzclose(gz);
    delete cookie;
    return nullptr;
  }
  cookie_out = cookie;
  return file;
}

std::string errno_text(int error) { return std::strerror(error); }

class PlainSource : public ByteSource {
 public:
  explicit PlainSource(FILE* file) : file_(file) {}
  ~PlainSource() override { std::fclose(file_); }
  size_t read(void* buffer, size_t n) override { return std::fread(buffer, 1, n, file_); }
  bool skip(uint64_t n) override {
    if (n > static_cast<uint64_t>(INT64_MAX)) return false;
    return fseeko(file_, static_cast<off_t>(n), SEEK_CUR) == 0;
  }

 private:
  FILE* file_;
};

class GzipSource : public ByteSource {
 public:
  explicit GzipSource(gzFile gz) : gz_(gz) { gzbuffer(gz_, kZlibBufferBytes); }
  ~GzipSource() override { gzclose(gz_); }
  size_t read(void* buffer, size_t n) override {
    auto* out = static_cast<unsigned char*>(buffer);
    size_t done = 0;
    while (done < n) {
      const unsigned chunk = static_cast<unsigned>(std::min<size_t>(n - done, kMaxGzipRead));
      const int got = gzread(gz_, out + done, chunk);
      if (got <= 0) break;
      done += static_cast<size_t>(got);
    }
    return done;
  }
  // Forward only: zlib decompresses and discards (a backward gzseek would start over from the top).
  bool skip(uint64_t n) override {
    unsigned char scratch[1 << 16];
    while (n > 0) {
      const size_t chunk = static_cast<size_t>(std::min<uint64_t>(n, sizeof scratch));
      if (!read_exactly(scratch, chunk)) return false;
      n -= chunk;
    }
    return true;
  }

 private:
  gzFile gz_;
};

FILE* open_plain(const std::string& path, std::string& error) {
  FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    error = "cannot open: " + errno_text(errno);
    return nullptr;
  }
  struct stat info {};
  if (fstat(fileno(file), &info) == 0 && S_ISDIR(info.st_mode)) {
    std::fclose(file);
    error = "cannot read: it is a directory";
    return nullptr;
  }
  return file;
}

}  // namespace

bool open_input_stream(const std::string& path, InputStream& out, std::string& error) {
  FILE* file = open_plain(path, error);
  if (file == nullptr) return false;
  if (!starts_with_gzip_magic(file)) {
    std::setvbuf(file, nullptr, _IOFBF, kStdioBufferBytes);
    out = InputStream{file, false, nullptr};
    return true;
  }
  std::fclose(file);
  gzFile gz = gzopen(path.c_str(), "rb");
  if (gz == nullptr) {
    error = "cannot open the gzip stream: " + errno_text(errno);
    return false;
  }
  GzipCookie* cookie = nullptr;
  FILE* wrapped = wrap_gzip(gz, cookie);
  if (wrapped == nullptr) {
    error = "cannot wrap the gzip stream: " + errno_text(errno);
    return false;
  }
  std::setvbuf(wrapped, nullptr, _IOFBF, kStdioBufferBytes);
  out = InputStream{wrapped, true, cookie};
  return true;
}

std::string gzip_problem(const InputStream& stream) {
  if (!stream.gzip || stream.cookie == nullptr) return "";
  int code = Z_OK;
  const char* message = gzerror(stream.cookie->gz, &code);
  if (code == Z_OK) return "";
  std::string text = message != nullptr ? message : "";
  // zlib puts the path in front ("PATH: unexpected end of file"); the caller names the file already.
  const size_t colon = text.rfind(": ");
  if (colon != std::string::npos) text = text.substr(colon + 2);
  return text.empty() ? "zlib error " + std::to_string(code) : text;
}

std::unique_ptr<ByteSource> open_byte_source(const std::string& path) {
  std::string error;
  FILE* file = open_plain(path, error);
  if (file == nullptr) return nullptr;
  if (!starts_with_gzip_magic(file)) return std::make_unique<PlainSource>(file);
  std::fclose(file);
  gzFile gz = gzopen(path.c_str(), "rb");
  if (gz == nullptr) return nullptr;
  return std::make_unique<GzipSource>(gz);
}

}  // namespace tlsflags::capture
