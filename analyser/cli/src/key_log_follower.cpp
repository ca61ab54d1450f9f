#include "key_log_follower.hpp"

#include <sys/stat.h>

#include <fstream>

namespace tlsflags::cli {

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
  std::ifstream in(file.path, std::ios::binary);
  if (!in.seekg(static_cast<std::streamoff>(file.offset))) return 0;
  std::string text(size - file.offset, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  // A line still being written is left for the next poll.
  const size_t end = text.rfind('\n');
  if (end == std::string::npos) return 0;
  text.resize(end + 1);
  file.offset += text.size();
  return keys_.add_text(text, file.path);
}

}  // namespace tlsflags::cli
