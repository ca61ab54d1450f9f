// Capture files that lie: absurd time stamps, lengths that promise far more than the file holds. Each
// case here was first found by fuzzing (docs/reliability.md "Findings", tests/fuzz/regressions/).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <limits>

#include "capture_builder.hpp"
#include "pcapng_scan.hpp"
#include "recording_consumer.hpp"
#include "tlsflags/capture/capture_reader.hpp"

using namespace tlsflags;
using namespace tlsflags::capture;
using namespace tlsflags::capture::testing;

namespace {

Bytes ethernet_ip(const Bytes& ip) { return ethernet(0x0800, ip); }

// The time of the last position the consumer was given, and the capture start.
struct Times {
  double last = -1;
  std::vector<double> starts;
};
Times read_times(const Bytes& file, const std::string& name, ReadResult* out = nullptr) {
  RecordingConsumer consumer;
  ReadResult result = read_capture(write_temp(name, file), consumer);
  INFO(result.error);
  CHECK(result.ok);
  if (out != nullptr) *out = result;
  return {consumer.last_time, consumer.capture_starts};
}

// Seconds from the first packet to one whose time stamp was clamped to the end of int64 nanoseconds.
constexpr double kClampedFromOneSecond = (static_cast<double>(std::numeric_limits<int64_t>::max()) - 1e9) / 1e9;

class MemorySource final : public ByteSource {
 public:
  explicit MemorySource(Bytes bytes) : bytes_(std::move(bytes)) {}
  size_t read(void* buffer, size_t n) override {
    n = std::min(n, bytes_.size() - at_);
    std::memcpy(buffer, bytes_.data() + at_, n);
    at_ += n;
    return n;
  }
  bool skip(uint64_t n) override {
    if (n > bytes_.size() - at_) return false;
    at_ += static_cast<size_t>(n);
    return true;
  }

 private:
  Bytes bytes_;
  size_t at_ = 0;
};

}  // namespace

// Fuzz finding timestamp-ns-overflow: libpcap hands on an interface's whole-second ticks as tv_sec
// unchecked, and tv_sec * 10^9 overflowed (2^62 s wrapped to 0 ns: the packet seemed to come 1 s before
// the first).
TEST_CASE("pcapng time stamps beyond int64 nanoseconds are clamped, not wrapped (libpcap path)", "[file][hostile]") {
  const Conversation conversation;
  const auto ip_packets = conversation.packets();
  Pcapng file;
  file.section().interface(1, 0, file.if_tsresol(0));  // ticks of 10^0 s
  for (size_t i = 0; i < ip_packets.size(); ++i) {
    const uint64_t ticks = i + 1 < ip_packets.size() ? 1 + i : uint64_t{1} << 62;
    file.packet(0, Packet{ethernet_ip(ip_packets[i]), 0, ticks});
  }
  const Times times = read_times(file.bytes(), "seconds.pcapng");
  CHECK(times.starts == std::vector<double>{1.0});
  CHECK(times.last == Approx(kClampedFromOneSecond));
}

// Fuzz finding timestamp-offset-overflow: if_tsoffset * 10^9 overflowed in the direct pcapng reader
// (files libpcap refuses: here interfaces of two link types).
TEST_CASE("pcapng if_tsoffset beyond int64 nanoseconds is clamped, not wrapped (direct reader)", "[file][hostile]") {
  const Conversation conversation;
  const auto ip_packets = conversation.packets();
  Pcapng file;
  file.section().interface(1).interface(101, 0, file.if_tsoffset(int64_t{1} << 62));
  file.packet(0, Packet{ethernet(0x0806, Bytes(28, '\0')), 0, 1'000'000});  // ARP at 1 s, interface 0
  for (size_t i = 0; i < ip_packets.size(); ++i) file.packet(1, Packet{ip_packets[i], 0, 2'000'000 + i});
  ReadResult result;
  const Times times = read_times(file.bytes(), "offset.pcapng", &result);
  CHECK(result.frames == 9);
  CHECK(times.starts == std::vector<double>{1.0});
  CHECK(times.last == Approx(kClampedFromOneSecond));

  SECTION("a negative offset is clamped at the other end") {
    Pcapng early;
    early.section().interface(1, 0, early.if_tsoffset(std::numeric_limits<int64_t>::min())).interface(101);
    early.packet(0, Packet{ethernet(0x0806, Bytes(28, '\0')), 0, 1'000'000});
    for (size_t i = 0; i < ip_packets.size(); ++i) early.packet(1, Packet{ip_packets[i], 0, 2'000'000 + i});
    const Times t = read_times(early.bytes(), "negative-offset.pcapng");
    REQUIRE(t.starts.size() == 1);
    CHECK(t.starts[0] == Approx(static_cast<double>(std::numeric_limits<int64_t>::min()) / 1e9));
    // From the minimum to 2 s after the epoch: more than int64 nanoseconds can hold, and still positive.
    CHECK(t.last > 9.2e9);
  }
}

// Fuzz finding snaplen-allocation: the file header's snap length (0xffffffff) raised the record cap to
// 4 GiB, and the buffer was resized to a record's captured length before reading it.
TEST_CASE("a classic pcap record longer than libpcap's maximum is refused before anything is allocated", "[file][hostile]") {
  const Conversation conversation;
  std::vector<Packet> packets;
  for (const Bytes& ip : conversation.packets()) packets.push_back(Packet{ethernet_ip(ip), 0, 1'000'000});
  Bytes file = pcap_file(1, packets, 0xffffffff);
  Bytes huge;  // a record header claiming 2 GiB, and 16 bytes of it
  put32(huge, 2, false);
  put32(huge, 0, false);
  put32(huge, 0x80000000u, false);
  put32(huge, 0x80000000u, false);
  file += huge + Bytes(16, 'x');
  RecordingConsumer consumer;
  const ReadResult result = read_capture(write_temp("huge-record.pcap", file), consumer);
  CHECK_FALSE(result.ok);
  CHECK_THAT(result.error, Catch::Contains("invalid packet capture length 2147483648") &&
                               Catch::Contains("262144") && Catch::Contains("after frame 8"));
  CHECK(consumer.stream(1, Party::client) == "CLIENTHELLO");  // the records before it were read
}

// libpcap cuts a record longer than the file's snap length to it; the direct reader does the same, so
// a plain file and its gzip copy (read by libpcap) give the same streams.
TEST_CASE("records longer than the file's snap length are cut to it, by both readers", "[file][hostile]") {
  const Conversation conversation;
  std::vector<Packet> packets;
  for (const Bytes& ip : conversation.packets()) packets.push_back(Packet{ethernet_ip(ip), 0, 1'000'000});
  const Bytes file = pcap_file(1, packets, 60);  // 54 bytes of headers: 6 of each payload are kept
  RecordingConsumer direct, libpcap;
  const ReadResult plain = read_capture(write_temp("cut.pcap", file), direct);
  const ReadResult compressed = read_capture(write_temp("cut.pcap.gz", gzip(file)), libpcap);
  REQUIRE(plain.ok);
  REQUIRE(compressed.ok);
  CHECK(direct.stream(1, Party::client) == "CLIENT<gap 5>");
  CHECK(direct.log == libpcap.log);
  CHECK(plain.diagnostics.snaplen_cut_segments.count == 2);
  CHECK(compressed.diagnostics.snaplen_cut_segments.count == 2);
}

// Fuzz finding block-length-allocation: a block declaring a 256 MiB body had its buffer resized to that
// before a byte of it was read.
TEST_CASE("a pcapng block longer than the file costs no more memory than the file holds", "[file][hostile]") {
  Pcapng file;
  file.section();
  Bytes lie;
  put32(lie, 1, false);                 // an Interface Description Block
  put32(lie, 200u << 20, false);        // of 200 MiB
  lie += Bytes(32, '\0');               // of which 32 bytes are in the file
  MemorySource source(file.bytes() + lie);
  PcapngBlockWalker walker(source);
  REQUIRE(walker.next());
  REQUIRE(walker.skip_body());
  REQUIRE(walker.next());
  CHECK(walker.body_length() == (200u << 20) - 12);
  std::vector<uint8_t> body;
  CHECK_FALSE(walker.read_body(body));
  CHECK(walker.problem() == "truncated block of type 1");
  CHECK(body.capacity() <= (2u << 20));

  SECTION("through read_capture: an error naming the block, no packets") {
    RecordingConsumer consumer;
    const ReadResult result = read_capture(write_temp("long-block.pcapng", file.bytes() + lie), consumer);
    CHECK_FALSE(result.ok);
    CHECK(result.frames == 0);
  }
}

TEST_CASE("a pcapng block read in chunks arrives whole", "[file][hostile]") {
  Pcapng file;
  const Bytes secrets(3u << 20, 'k');  // three chunks' worth
  file.section().secrets(secrets);
  MemorySource source(file.bytes());
  PcapngBlockWalker walker(source);
  REQUIRE(walker.next());
  REQUIRE(walker.skip_body());
  REQUIRE(walker.next());
  std::vector<uint8_t> body;
  REQUIRE(walker.read_body(body));
  REQUIRE(body.size() == 8 + secrets.size());
  CHECK(std::all_of(body.begin() + 8, body.end(), [](uint8_t b) { return b == 'k'; }));
  CHECK_FALSE(walker.next());
  CHECK(walker.problem().empty());
}
