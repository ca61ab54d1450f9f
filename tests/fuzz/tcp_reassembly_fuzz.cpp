// Fuzzes TCP reassembly (TcpFlowTable and its TcpHalfStreams) with segment sequences decoded from the
// input: four connections between two hosts, any order, overlap, loss, retransmission, snap-length
// cuts, FIN, RST, ACKs of holes, sequence wraparound, under small resource caps so that eviction and the
// buffer caps are hit.
//
// Oracle: while every segment tells the truth (no garbage, no SYN chosen by the input), each payload byte
// is a function of its connection, direction and sequence number. Whatever the reassembler delivers must
// then be exactly the bytes at the stream positions it claims: position = bytes delivered + bytes
// reported missing (on_gap) + bytes the consumer asked to skip. Beyond the oracle: the seam's contract
// (checking_consumer.hpp), the caps (open connections, buffered bytes) hold after every segment, the
// diagnostics agree with what the consumer saw, and finish() closes everything and frees every buffer.
//
// Input layout: 4 header bytes (limits, client ISN seed, server ISN seed, skip plan), then 8 bytes per
// segment (see read_segment).
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "byte_source.hpp"
#include "check.hpp"
#include "checking_consumer.hpp"
#include "tlsflags/capture/capture_limits.hpp"
#include "tlsflags/capture/tcp_flow_table.hpp"

namespace tlsflags::fuzz {
namespace {

using namespace tlsflags::capture;

constexpr unsigned kSlots = 4;
constexpr uint16_t kFirstClientPort = 40000;
constexpr uint16_t kServerPort = 443;
const IpAddress kClientAddress = IpAddress::parse("10.0.0.1");
const IpAddress kServerAddress = IpAddress::parse("10.0.0.2");

// The true content of a stream: one byte per sequence number, different per connection and direction.
uint8_t true_byte(unsigned slot, Party from, uint32_t seq) {
  uint32_t h = (seq + slot * 0x9E3779B9u + (from == Party::server ? 0x85EBCA6Bu : 0u)) * 0xC2B2AE35u;
  return static_cast<uint8_t>(h >> 24);
}

CaptureLimits read_limits(uint8_t bits) {
  static constexpr std::array<size_t, 4> connections{1, 2, 3, 1'000'000};
  static constexpr std::array<size_t, 4> per_direction{0, 16, 300, 4u << 20};
  static constexpr std::array<size_t, 4> total{0, 64, 1000, 1u << 30};
  CaptureLimits limits;
  limits.max_connections = connections[bits & 3u];
  limits.max_out_of_order_bytes_per_direction = per_direction[(bits >> 2) & 3u];
  limits.max_buffered_bytes_total = total[(bits >> 4) & 3u];
  limits.max_closed_connections_remembered = (bits & 0x40u) ? 1 : 65'536;
  limits.closed_connection_memory_seconds = (bits & 0x40u) ? 1 : 120;
  limits.max_sequence_jump = (bits & 0x80u) ? 4096 : 1u << 30;
  return limits;
}

struct Setup {
  CaptureLimits limits;
  uint32_t isn[2];       // per Party; the same for every slot, so wraparound cases are shared
  uint8_t skip_plan;     // bits 0-3: skip this many * 5 bytes after every (bits 4-7 + 1)-th chunk
};

// Checks delivered bytes against true_byte() for the connections the oracle can follow: opened by the
// harness's own SYN from a known client port, so that both directions start at ISN + 1.
class ReassemblyChecker : public CheckingConsumer {
 public:
  explicit ReassemblyChecker(const Setup& setup) : setup_(setup) {}
  bool oracle_on = true;

 protected:
  size_t data_hook(ConnectionId id, Party from, std::span<const uint8_t> data) override {
    size_t skip = planned_skip();
    if (auto* stream = followed(id, from)) {
      uint32_t seq = setup_.isn[static_cast<int>(from)] + 1 + static_cast<uint32_t>(stream->position);
      for (size_t i = 0; i < data.size(); ++i)
        FUZZ_CHECK(data[i] == true_byte(stream->slot, from, seq + static_cast<uint32_t>(i)));
      stream->position += data.size() + skip;
    }
    return skip;
  }
  void gap_hook(ConnectionId id, Party from, uint64_t missing) override {
    if (auto* stream = followed(id, from)) stream->position += missing;
  }

 private:
  struct Followed {
    unsigned slot;
    uint64_t position = 0;
  };
  size_t planned_skip() {
    unsigned every = (setup_.skip_plan >> 4) + 1;
    return (++chunks_ % every == 0) ? (setup_.skip_plan & 0xfu) * 5u : 0;
  }
  Followed* followed(ConnectionId id, Party from) {
    if (!oracle_on) return nullptr;
    const Connection& c = connections().at(id);
    unsigned slot = c.client.port - kFirstClientPort;
    if (!c.saw_syn || c.client.address != "10.0.0.1" || slot >= kSlots) return nullptr;
    return &streams_.try_emplace({id, from}, Followed{slot}).first->second;
  }

  const Setup& setup_;
  std::map<std::pair<ConnectionId, Party>, Followed> streams_;
  uint64_t chunks_ = 0;
};

TcpSegment segment_between(unsigned slot, Party from) {
  TcpSegment s;
  bool client = from == Party::client;
  s.source = client ? kClientAddress : kServerAddress;
  s.destination = client ? kServerAddress : kClientAddress;
  s.source_port = client ? static_cast<uint16_t>(kFirstClientPort + slot) : kServerPort;
  s.destination_port = client ? kServerPort : static_cast<uint16_t>(kFirstClientPort + slot);
  return s;
}

class SegmentFeeder {
 public:
  SegmentFeeder(const Setup& setup, ReassemblyChecker& checker, TcpFlowTable& table, CaptureDiagnostics& diagnostics)
      : setup_(setup), checker_(checker), table_(table), diagnostics_(diagnostics) {}

  // One segment: kind (bits 0-1 slot, bit 2 from server, bit 3 FIN, bit 4 RST, bit 5 ACK, bit 6 SYN,
  // bit 7 garbage: payload bytes from the input and far sequence jumps), then seq offset (int16, from
  // ISN + 1), captured length, bytes cut by the snap length, ack offset (u16), time step.
  void read_segment(ByteSource& in) {
    uint8_t kind = in.u8();
    unsigned slot = kind & 3u;
    Party from = in.bit(kind, 2) ? Party::server : Party::client;
    bool garbage = in.bit(kind, 7);
    if (!started_[slot]) handshake(slot);
    TcpSegment s = segment_between(slot, from);
    s.flags = static_cast<uint8_t>(((kind >> 3) & 1u ? tcp_flag::fin : 0) | ((kind >> 4) & 1u ? tcp_flag::rst : 0) |
                                   ((kind >> 5) & 1u ? tcp_flag::ack : 0) | ((kind >> 6) & 1u ? tcp_flag::syn : 0));
    if (garbage || s.has(tcp_flag::syn)) checker_.oracle_on = false;  // the input now lies: no oracle
    int32_t offset = static_cast<int16_t>(in.u16());
    uint32_t stream_start = setup_.isn[static_cast<int>(from)] + 1;
    s.seq = stream_start + static_cast<uint32_t>(garbage ? offset * 65536 : offset);
    size_t captured = in.u8();
    s.payload_length = static_cast<uint32_t>(captured + in.u8());
    s.ack = setup_.isn[static_cast<int>(peer_of(from))] + 1 + in.u16();
    time_ += in.u8() / 8.0;
    std::vector<uint8_t> payload = garbage ? bytes_from(in, captured) : true_bytes(slot, from, s, captured);
    s.payload = payload;
    feed(s);
  }

 private:
  // The three-way handshake's SYN and SYN-ACK, before the input's first segment of a connection.
  void handshake(unsigned slot) {
    started_[slot] = true;
    TcpSegment syn = segment_between(slot, Party::client);
    syn.flags = tcp_flag::syn;
    syn.seq = setup_.isn[0];
    feed(syn);
    TcpSegment syn_ack = segment_between(slot, Party::server);
    syn_ack.flags = tcp_flag::syn | tcp_flag::ack;
    syn_ack.seq = setup_.isn[1];
    syn_ack.ack = setup_.isn[0] + 1;
    feed(syn_ack);
  }
  std::vector<uint8_t> true_bytes(unsigned slot, Party from, const TcpSegment& s, size_t n) const {
    uint32_t data_seq = s.has(tcp_flag::syn) ? s.seq + 1 : s.seq;
    std::vector<uint8_t> out(n);
    for (size_t i = 0; i < n; ++i) out[i] = true_byte(slot, from, data_seq + static_cast<uint32_t>(i));
    return out;
  }
  static std::vector<uint8_t> bytes_from(ByteSource& in, size_t n) {
    auto bytes = in.bytes(n);
    std::vector<uint8_t> out(bytes.begin(), bytes.end());
    out.resize(n);  // the input ran out: zeros, so that payload.size() stays what the header said
    return out;
  }
  void feed(const TcpSegment& s) {
    table_.on_segment(s, {++frame_, time_});
    check_caps();
  }
  void check_caps() const {
    const CaptureLimits& limits = setup_.limits;
    FUZZ_CHECK(table_.open_connections() <= std::max<size_t>(limits.max_connections, 1));
    FUZZ_CHECK(table_.buffered_bytes() <= limits.max_buffered_bytes_total);
    // Also in the middle of a call (fixed peak-buffered-over-cap: an in-order segment overlapping
    // buffered bytes was buffered around them without room being made first).
    FUZZ_CHECK(diagnostics_.peak_buffered_bytes <= limits.max_buffered_bytes_total);
    // Forgotten lazily, at the next segment: a segment may close two (one evicted, one ended).
    FUZZ_CHECK(table_.closed_connections_remembered() <= limits.max_closed_connections_remembered + 2);
  }

  const Setup& setup_;
  ReassemblyChecker& checker_;
  TcpFlowTable& table_;
  CaptureDiagnostics& diagnostics_;
  bool started_[kSlots] = {};
  uint64_t frame_ = 0;
  double time_ = 0;
};

Setup read_setup(ByteSource& in) {
  Setup setup;
  setup.limits = read_limits(in.u8());
  // ISNs near 0 and near 2^32 alike: 0x00000000, 0x01010101, ..., 0xffffffff.
  setup.isn[0] = in.u8() * 0x01010101u;
  setup.isn[1] = in.u8() * 0x01010101u;
  setup.skip_plan = in.u8();
  return setup;
}

}  // namespace
}  // namespace tlsflags::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tlsflags::fuzz;
  ByteSource in({data, size});
  Setup setup = read_setup(in);
  CaptureDiagnostics diagnostics;
  ReassemblyChecker checker(setup);
  {
    TcpFlowTable table(checker, setup.limits, diagnostics);
    SegmentFeeder feeder(setup, checker, table, diagnostics);
    while (!in.empty()) feeder.read_segment(in);
    table.finish({0xffffffff, 1e9});
    FUZZ_CHECK(table.open_connections() == 0 && table.buffered_bytes() == 0);
    FUZZ_CHECK(table.connections_opened() == checker.opened());
  }
  checker.check_all_closed();
  FUZZ_CHECK(diagnostics.gaps.count == checker.gaps());
  FUZZ_CHECK(diagnostics.gap_bytes == checker.gap_bytes());
  return 0;
}
