// Key log files that grow while tlsflags-check -i runs: a TLS client appends a connection's secrets to
// SSLKEYLOGFILE during its handshake. poll() reads what was appended since the last call (whole lines
// only) into the KeyLog; a file that shrank was rewritten and is read again from its start. A file that
// does not exist yet is not an error: the client may create it later.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tlsflags/tls/keylog.hpp"

namespace tlsflags::cli {

class KeyLogFollower {
 public:
  explicit KeyLogFollower(tls::KeyLog& keys) : keys_(keys) {}

  void follow(const std::string& path) { files_.push_back({path}); }
  // Reads every followed file's new complete lines. Returns the number of secret lines accepted.
  size_t poll();

 private:
  struct FollowedFile {
    std::string path;
    uint64_t offset = 0;      // bytes consumed (up to the last complete line)
  };
  size_t poll(FollowedFile& file);

  tls::KeyLog& keys_;
  std::vector<FollowedFile> files_;
};

}  // namespace tlsflags::cli
