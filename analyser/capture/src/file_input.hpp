// Opening a capture file, plain or gzip-compressed, as the two readers need it: a FILE* for libpcap
// (gzip through a glibc fopencookie wrapper around zlib) and a forward-only ByteSource for the pcapng
// pre-pass (which skips packet bodies: a seek on a plain file, decompress-and-discard on gzip).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

namespace tlsflags::capture {

struct GzipCookie;

// The FILE* handed to libpcap (which closes it), and what to ask when a read failed.
struct InputStream {
  FILE* file = nullptr;
  bool gzip = false;
  GzipCookie* cookie = nullptr;  // owned by `file` (freed by its close), only valid while it is open
};

// Returns false with `error` set ("cannot open: No such file or directory", ...).
bool open_input_stream(const std::string& path, InputStream& out, std::string& error);
// After a read failed or the stream ended: zlib's complaint ("unexpected end of file", "invalid
// stored block lengths", ...), or "" when the compressed stream is fine or the file is not compressed.
std::string gzip_problem(const InputStream& stream);

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to n bytes; fewer only at the end of the data (or on an error). Returns how many.
  virtual size_t read(void* buffer, size_t n) = 0;
  bool read_exactly(void* buffer, size_t n) { return read(buffer, n) == n; }
  virtual bool skip(uint64_t n) = 0;
};
std::unique_ptr<ByteSource> open_byte_source(const std::string& path);  // nullptr when it cannot be opened

}  // namespace tlsflags::capture
