// The benchmark workloads (docs/performance.md): real OpenSSL 3 connections from the generator's
// scenario table (captures/gen), laid out the way a busy capture point sees them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace tlsbench {

// W1 and W3 from one pool of handshakes, each connection with its own secrets.
struct HandshakeWorkload {
  std::string out_dir;
  std::size_t connections = 20000;
  std::uint64_t spacing_us = 10;  // between connection starts: sets how many are open at once
  std::size_t files = 240;        // W3: the pool cut into this many pcapng files with DSBs (0: none)
  unsigned threads = 2;
};

// Writes OUT/w1.pcap + w1.keys (all connections interleaved in time), w1.mix.tsv (scenario and how
// many connections run it), w1.info (counts, peak concurrency) and OUT/w3/capture-NNN.pcapng.
void write_handshake_workload(const HandshakeWorkload& workload);

// W2: a few flagged connections carrying HTTP/1.1 responses in full-size records.
struct BulkWorkload {
  std::string out_dir;
  std::uint64_t body_bytes = 1ull << 30;  // response bodies in total, over all connections
  std::size_t connections = 4;
  std::size_t response_bytes = 1u << 20;  // Content-Length of each response
  std::size_t mss = 1448;
  unsigned ack_every = 2;                 // the client acknowledges every second full segment
};

// Writes OUT/w2.pcap, w2.keys and w2.info.
void write_bulk_workload(const BulkWorkload& workload);

}  // namespace tlsbench
