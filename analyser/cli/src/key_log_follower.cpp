#include "key_log_follower.hpp"

#include <openssl/crypto.h>
#include <sys/stat.h>

#include <fstream>

namespace tlsflags::cli {
namespace {

constexpr uint64_t kMaxPollBytes = uint64_t{16} << 20;

}  // namespace

size_t KeyLogFollower::poll() {
  size_t accepted = 0;
  for (FollowedFile& file : files_) accepted += poll(file);
  return accepted;
}

size_t KeyLogFollower::poll(FollowedFile& file) {
  struct stat status {};
  if (::stat(file.path.c_str(), &status) != 0) return 0;  // not there (yet)
  const auto size = static_cast<uint64_t>(status.st_size);
  if (size < file.offset) file.offset = 0;  // truncated and rewritten: read it again
  if (size == file.offset) return 0;
  if (!S_ISREG(status.st_mode)) return 0;  // a directory or a device has no lines to follow
  std::ifstream in(file.path, std::ios::binary);
  if (!in.seekg(static_cast<std::streamoff>(file.offset))) return 0;
  // At most kMaxPollBytes a poll (the next poll goes on): a key log of gigabytes is never held whole.
  const bool all = size - file.offset <= kMaxPollBytes;
  std::string text(all ? size - file.offset : kMaxPollBytes, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  // A line still being written is left for the next poll; a chunk without a line end is junk.
  const size_t end = text.rfind('\n');
  if (end == std::string::npos && text.size() < kMaxPollBytes) return 0;
  if (end != std::string::npos) text.resize(end + 1);
  file.offset += text.size();
  const size_t accepted = keys_.add_text(text, file.path);
  OPENSSL_cleanse(text.data(), text.size());
  return accepted;
}

}  // namespace tlsflags::cli
