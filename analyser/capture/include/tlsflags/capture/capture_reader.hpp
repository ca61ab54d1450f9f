// Reading a capture file and driving a StreamConsumer with its TCP streams.
//
// Formats: pcap and pcapng, either one gzip-compressed. libpcap opens and validates every file and reads
// pcapng and gzip-compressed files; uncompressed classic pcap records are then read straight from large
// read() buffers (the speed path), and pcapng files libpcap 1.10 refuses (interfaces with different link
// types or snap lengths: "an interface has a type N different from the type of the first interface")
// are read block by block here, each packet with its own interface's link type.
// pcapng Decryption Secrets Blocks carrying NSS key log text are collected in a pre-pass wherever they
// stand and delivered with on_secrets before the first packet.
// A named pipe, a socket or "-" (standard input) is read once, into an unlinked temporary file
// (CaptureLimits::max_spooled_bytes at most), which is then read like a file: DSBs anywhere work there too.
// Link types: Ethernet (802.1Q, QinQ 88a8/9100), Linux cooked v1 and v2, raw IP (DLT_RAW, LINKTYPE_IPV4,
// LINKTYPE_IPV6), BSD loopback (NULL, LOOP; AF value in either byte order).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "tlsflags/capture/capture_limits.hpp"
#include "tlsflags/capture/stream_consumer.hpp"

namespace tlsflags::capture {

struct CaptureOptions {
  CaptureLimits limits;
  // When set and it becomes true (SIGINT, SIGTERM, a failing report), reading stops before the next
  // record and every open connection is closed as at the capture's end (ReadResult::interrupted).
  const std::atomic<bool>* stop = nullptr;
};

struct ReadResult {
  bool ok = false;
  std::string error;  // names the file; empty when ok
  std::string format;  // "pcap" or "pcapng", empty when the file was not recognised
  bool gzip = false;
  int link_type = -1;  // the libpcap DLT_ value (pcapng: of the first interface)
  uint64_t frames = 0;        // every record of the file, as Wireshark numbers them
  uint64_t tcp_segments = 0;  // frames that carried a TCP segment the reassembler used
  uint64_t connections = 0;   // on_open calls
  uint64_t secrets_blocks = 0;  // Decryption Secrets Blocks with NSS key log text
  bool interrupted = false;     // CaptureOptions::stop stopped the reading before the end
  CaptureDiagnostics diagnostics;
};

// Reads the whole file. On an error after the first packet (a truncated file), everything read before
// it is delivered and every connection is closed with capture_ended = true before returning ok = false.
ReadResult read_capture(const std::string& path, StreamConsumer& consumer, const CaptureOptions& options = {});

}  // namespace tlsflags::capture
