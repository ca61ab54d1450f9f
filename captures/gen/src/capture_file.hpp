// Capture files written directly: classic pcap (microsecond timestamps, LINKTYPE_ETHERNET) with an
// NSS key log beside it, or pcapng with the key log in a Decryption Secrets Block before the packets.
#pragma once

#include "flags.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace tlsgen {

struct CapturedFrame {
  std::uint64_t time_us = 0;
  Bytes data;
};

void write_pcap(const std::string& path, const std::vector<CapturedFrame>& frames);
void write_pcapng(const std::string& path, const std::vector<CapturedFrame>& frames, const std::string& tls_key_log);
void write_text(const std::string& path, const std::string& text);

}  // namespace tlsgen
