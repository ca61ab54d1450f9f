// Fuzzes capture file reading end to end: the input is a whole capture file (pcap or pcapng, plain or
// gzip; pcapng Decryption Secrets Blocks included) handed to read_capture() through a memfd, with a
// consumer that checks the seam's contract (checking_consumer.hpp). Small caps make eviction and the
// buffer caps reachable from small inputs.
//
// Invariants: no crash, leak or hang; every connection opened is closed, whether the file was read to
// the end or broke off (read_capture's contract); the counts in ReadResult agree with what the consumer
// was told; an error names the file.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "check.hpp"
#include "checking_consumer.hpp"
#include "memory_file.hpp"
#include "tlsflags/capture/capture_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tlsflags::capture;
  using namespace tlsflags::fuzz;
  std::vector<uint8_t> input(data, data + size);
  MemoryFile file(input);
  CaptureOptions options;
  options.limits.max_connections = 3;
  options.limits.max_out_of_order_bytes_per_direction = 512;
  options.limits.max_buffered_bytes_total = 1024;
  options.limits.max_closed_connections_remembered = 2;
  CheckingConsumer consumer;
  ReadResult result = read_capture(file.path(), consumer, options);
  consumer.check_all_closed();
  FUZZ_CHECK(result.connections == consumer.opened());
  FUZZ_CHECK(result.diagnostics.gaps.count == consumer.gaps());
  FUZZ_CHECK(result.diagnostics.gap_bytes == consumer.gap_bytes());
  FUZZ_CHECK(result.tcp_segments <= result.frames);
  FUZZ_CHECK(result.ok == result.error.empty());
  if (!result.ok) FUZZ_CHECK(result.error.find(file.path()) != std::string::npos);
  FUZZ_CHECK(result.diagnostics.peak_open_connections <= options.limits.max_connections);
  FUZZ_CHECK(result.diagnostics.peak_buffered_bytes <= options.limits.max_buffered_bytes_total);
  return 0;
}
