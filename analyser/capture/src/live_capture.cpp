#include "tlsflags/capture/live_capture.hpp"

#include <poll.h>

#include <chrono>
#include <deque>
#include <vector>

#include "tlsflags/capture/packet_decoder.hpp"
#include "tlsflags/capture/tcp_flow_table.hpp"

namespace tlsflags::capture {
namespace {

constexpr int kPollMilliseconds = 100;

struct HeldPacket {
  int64_t timestamp_ns = 0;
  std::vector<uint8_t> data;
};

int64_t now_ns() {
  using namespace std::chrono;
  return duration_cast<nanoseconds>(system_clock::now().time_since_epoch()).count();
}

// Live, a connection is reported as soon as it ends (RST or both FINs): lingering for its trailing
// segments (CaptureLimits::ending_linger_seconds) would hold the verdict until the next packet arrives.
CaptureLimits without_lingering(CaptureLimits limits) {
  limits.max_ending_connections = 0;
  return limits;
}

// Packets in arrival order → (after the delay) TCP segments → the flow table. Frame numbers count every
// packet the filter let through, as a capture file of the same session would.
class LiveProcessor {
 public:
  LiveProcessor(pcap_t* pcap, StreamConsumer& consumer, const LiveOptions& options, LiveResult& result)
      : consumer_(consumer),
        options_(options),
        result_(result),
        limits_(without_lingering(options.limits)),
        table_(consumer, limits_, result.diagnostics),
        link_type_(pcap_datalink(pcap)),
        fraction_to_ns_(pcap_get_tstamp_precision(pcap) == PCAP_TSTAMP_PRECISION_NANO ? 1 : 1000) {}

  static void on_packet(u_char* self, const struct pcap_pkthdr* header, const u_char* data) {
    reinterpret_cast<LiveProcessor*>(self)->hold(header, data);
  }

  // Processes the packets whose delay is over (all of them when `everything`).
  void process_ready(bool everything) {
    const int64_t deadline = now_ns() - static_cast<int64_t>(options_.delay_seconds * 1e9);
    if (held_.empty() || (!everything && held_.front().timestamp_ns > deadline)) return;
    if (options_.on_tick) options_.on_tick();
    while (!held_.empty() && (everything || held_.front().timestamp_ns <= deadline)) {
      process(held_.front());
      held_.pop_front();
    }
  }

  void finish() {
    process_ready(true);
    if (options_.on_tick) options_.on_tick();
    table_.finish(last_);
    consumer_.on_capture_end(last_);
    result_.connections = table_.connections_opened();
  }

 private:
  void hold(const struct pcap_pkthdr* header, const u_char* data) {
    HeldPacket& packet = held_.emplace_back();
    packet.timestamp_ns = int64_t{header->ts.tv_sec} * 1'000'000'000 + int64_t{header->ts.tv_usec} * fraction_to_ns_;
    packet.data.assign(data, data + header->caplen);
  }

  void process(const HeldPacket& packet) {
    if (result_.frames == 0) {
      first_ns_ = packet.timestamp_ns;
      consumer_.on_capture_start(static_cast<double>(packet.timestamp_ns) / 1e9);
    }
    const StreamPosition at{++result_.frames, static_cast<double>(packet.timestamp_ns - first_ns_) / 1e9};
    last_ = at;
    const DecodeResult decoded = decode_frame(link_type_, packet.data, frame_);
    note_decode_result(decoded, frame_, at.frame, result_.diagnostics);
    if (decoded == DecodeResult::udp) return deliver_datagram(consumer_, frame_, at, result_.diagnostics);
    if (decoded != DecodeResult::tcp) return;
    ++result_.tcp_segments;
    table_.on_segment(frame_.segment, at);
  }

  StreamConsumer& consumer_;
  const LiveOptions& options_;
  LiveResult& result_;
  CaptureLimits limits_;
  TcpFlowTable table_;
  int link_type_;
  int64_t fraction_to_ns_;
  std::deque<HeldPacket> held_;
  DecodedFrame frame_;
  StreamPosition last_;
  int64_t first_ns_ = 0;
};

}  // namespace

LiveResult read_live(pcap_t* pcap, StreamConsumer& consumer, const LiveOptions& options,
                     const std::atomic<bool>& stop) {
  LiveResult result;
  result.link_type = pcap_datalink(pcap);
  if (!is_supported_link_type(result.link_type)) {
    result.error = "unsupported link type " + std::to_string(result.link_type) +
                   " (supported: Ethernet, Linux cooked v1/v2, raw IP, BSD loopback)";
    return result;
  }
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  const int fd = pcap_get_selectable_fd(pcap);
  if (fd < 0 || pcap_setnonblock(pcap, 1, errbuf) != 0) {
    result.error = fd < 0 ? "the capture handle cannot be polled" : errbuf;
    return result;
  }
  LiveProcessor processor(pcap, consumer, options, result);
  // Wait with our own timeout (a blocking pcap read may sleep until the next packet, however long), so
  // the held packets are processed on time; a signal ends the wait at once (EINTR).
  while (!stop.load()) {
    struct pollfd wait_for{fd, POLLIN, 0};
    ::poll(&wait_for, 1, kPollMilliseconds);
    const int status = pcap_dispatch(pcap, -1, &LiveProcessor::on_packet, reinterpret_cast<u_char*>(&processor));
    if (status == PCAP_ERROR) {
      result.error = pcap_geterr(pcap);
      break;
    }
    processor.process_ready(false);
  }
  processor.finish();
  struct pcap_stat stats {};
  if (pcap_stats(pcap, &stats) == 0) {
    result.drops_known = true;
    result.kernel_drops = stats.ps_drop;
    result.interface_drops = stats.ps_ifdrop;
  }
  result.ok = result.error.empty();
  return result;
}

}  // namespace tlsflags::capture
