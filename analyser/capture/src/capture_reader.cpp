#include "tlsflags/capture/capture_reader.hpp"

#include <pcap/pcap.h>

#include <cstdio>
#include <memory>

#include "file_input.hpp"
#include "direct_pcap.hpp"
#include "pcapng_scan.hpp"
#include "spooled_input.hpp"
#include "tlsflags/capture/packet_decoder.hpp"
#include "tlsflags/capture/tcp_flow_table.hpp"

namespace tlsflags::capture {
namespace {

// Frames in file order → TCP segments → the flow table. Counts every frame, TCP or not, so frame numbers
// are Wireshark's.
class FrameProcessor : public PacketSink {
 public:
  FrameProcessor(StreamConsumer& consumer, const CaptureOptions& options, ReadResult& result)
      : consumer_(consumer), table_(consumer, options.limits, result.diagnostics), result_(result), stop_(options.stop) {}

  bool stop_requested() const override {
    if (!stop_ || !stop_->load(std::memory_order_relaxed)) return false;
    result_.interrupted = true;
    return true;
  }

  void packet(int link_type, int64_t timestamp_ns, std::span<const uint8_t> data) override {
    const StreamPosition at{++result_.frames, seconds_since_first(timestamp_ns)};
    last_ = at;
    if (link_type != link_type_seen_) {  // pcapng read directly: interfaces may differ
      link_type_seen_ = link_type;
      link_type_supported_ = is_supported_link_type(link_type);
    }
    if (!link_type_supported_) {
      result_.diagnostics.unsupported_link_type.note(at.frame);
      return;
    }
    const DecodeResult decoded = decode_frame(link_type, data, frame_);
    note_decode_result(decoded, frame_, at.frame, result_.diagnostics);
    if (decoded == DecodeResult::udp) return deliver_datagram(consumer_, frame_, at, result_.diagnostics);
    if (decoded != DecodeResult::tcp) return;
    ++result_.tcp_segments;
    if (frame_.segment.payload.size() < frame_.segment.payload_length) {
      result_.diagnostics.snaplen_cut_segments.note(at.frame);
    }
    table_.on_segment(frame_.segment, at);
  }

  // Everything still open is closed at the file's last frame.
  void finish() {
    table_.finish(last_);
    consumer_.on_capture_end(last_);
    result_.connections = table_.connections_opened();
  }

 private:
  double seconds_since_first(int64_t timestamp_ns) {
    if (!have_first_) {
      first_ns_ = timestamp_ns;
      have_first_ = true;
      consumer_.on_capture_start(static_cast<double>(timestamp_ns) / 1e9);
    }
    // In 128 bits: with clamped time stamps (saturated_ns) the difference can exceed int64.
    return static_cast<double>(static_cast<__int128>(timestamp_ns) - first_ns_) / 1e9;
  }

  StreamConsumer& consumer_;
  TcpFlowTable table_;
  ReadResult& result_;
  DecodedFrame frame_;
  StreamPosition last_;
  int64_t first_ns_ = 0;
  bool have_first_ = false;
  int link_type_seen_ = -1;
  bool link_type_supported_ = false;
  const std::atomic<bool>* stop_;
};

struct PcapCloser {
  void operator()(pcap_t* pcap) const { pcap_close(pcap); }
};
using PcapHandle = std::unique_ptr<pcap_t, PcapCloser>;

std::string link_type_name(int dlt) {
  const char* name = pcap_datalink_val_to_name(dlt);
  return std::to_string(dlt) + (name != nullptr ? std::string(" (") + name + ")" : std::string());
}

std::string with_gzip_problem(std::string message, const InputStream& input) {
  const std::string problem = gzip_problem(input);
  if (!problem.empty()) message += " (gzip: " + problem + ")";
  return message;
}

std::string describe_open_failure(const std::string& libpcap_error, const InputStream& input) {
  if (libpcap_error.find("unknown file format") != std::string::npos) {
    return with_gzip_problem("not a pcap or pcapng capture (libpcap: " + libpcap_error + ")", input);
  }
  return with_gzip_problem("cannot read the capture header: " + libpcap_error, input);
}

void deliver_secrets(const PcapngScan& scan, StreamConsumer& consumer, ReadResult& result) {
  for (const std::string& text : scan.secrets) consumer.on_secrets(text);
  result.secrets_blocks = scan.secrets.size();
}

// The usual path: libpcap reads the records.
bool read_with_libpcap(pcap_t* pcap, const InputStream& input, FrameProcessor& frames, ReadResult& result) {
  const int dlt = pcap_datalink(pcap);
  struct pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  int status = 0;
  while (!frames.stop_requested() && (status = pcap_next_ex(pcap, &header, &data)) == 1) {
    // PCAP_TSTAMP_PRECISION_NANO: tv_usec holds nanoseconds.
    // libpcap converts a pcapng time stamp to seconds without limit (an interface counting whole
    // seconds gives tv_sec up to 2^64 - 1): clamp rather than overflow.
    const int64_t ns = saturated_ns(int64_t{header->ts.tv_sec}, int64_t{header->ts.tv_usec});
    frames.packet(dlt, ns, std::span<const uint8_t>(data, header->caplen));
  }
  if (status == PCAP_ERROR) {
    result.error = with_gzip_problem(pcap_geterr(pcap), input);
    return false;
  }
  if (status == 1) return true;  // stopped (CaptureOptions::stop): not the end of the data
  // zlib reports a gzip stream cut short as the end of the data, which libpcap takes for a clean end.
  const std::string problem = gzip_problem(input);
  if (!problem.empty()) {
    result.error = "the gzip stream is broken: " + problem;
    return false;
  }
  return true;
}

// An uncompressed classic pcap: records parsed straight from large reads (direct_pcap.hpp). Returns
// false with nothing delivered when the file is not one this path reads.
bool try_direct_pcap(const std::string& path, int link_type, FrameProcessor& frames, ReadResult& result, bool& ok) {
  const DirectRead read = read_pcap_directly(path, link_type, frames, result.error);
  if (read == DirectRead::not_handled) return false;
  ok = read == DirectRead::done;
  return true;
}

// pcapng files libpcap refuses (interfaces with different link types or snap lengths): read them here.
bool read_directly(const std::string& path, FrameProcessor& frames, ReadResult& result) {
  const auto source = open_byte_source(path);
  if (source == nullptr) {
    result.error = "cannot reopen the file";
    return false;
  }
  return read_pcapng_packets(*source, frames, result.error);
}

bool is_empty(const InputStream& input) {
  const int c = std::fgetc(input.file);
  if (c == EOF) return true;
  std::ungetc(c, input.file);
  return false;
}

ReadResult failed(ReadResult result, const std::string& path, const std::string& message) {
  result.ok = false;
  result.error = path + ": " + message;
  return result;
}

// `path` as the user named it (for messages); `file` where its bytes are (the same, or a spooled copy).
ReadResult read_file(const std::string& path, const std::string& file, StreamConsumer& consumer,
                     const CaptureOptions& options) {
  ReadResult result;
  InputStream input;
  std::string error;
  if (!open_input_stream(file, input, error)) return failed(std::move(result), path, error);
  if (is_empty(input)) {
    std::fclose(input.file);
    return failed(std::move(result), path, "the file is empty");
  }
  result.gzip = input.gzip;

  PcapngScan scan;
  if (const auto source = open_byte_source(file)) scan = scan_pcapng(*source);

  char errbuf[PCAP_ERRBUF_SIZE] = {};
  PcapHandle pcap(pcap_fopen_offline_with_tstamp_precision(input.file, PCAP_TSTAMP_PRECISION_NANO, errbuf));
  if (pcap == nullptr) {
    const std::string message = describe_open_failure(errbuf, input);
    std::fclose(input.file);  // libpcap closes it only when it opened it
    return failed(std::move(result), path, message);
  }
  result.format = scan.pcapng ? "pcapng" : "pcap";
  result.link_type = pcap_datalink(pcap.get());

  const std::string refusal = scan.pcapng ? libpcap_refusal(scan) : "";
  if (refusal.empty() && !is_supported_link_type(result.link_type)) {
    return failed(std::move(result), path,
                  "unsupported link type " + link_type_name(result.link_type) +
                      " (supported: Ethernet, Linux cooked v1/v2, raw IP, BSD loopback)");
  }

  deliver_secrets(scan, consumer, result);
  FrameProcessor frames(consumer, options, result);
  bool read_ok = false;
  if (!refusal.empty()) {
    read_ok = read_directly(file, frames, result);
  } else if (scan.pcapng || input.gzip || !try_direct_pcap(file, result.link_type, frames, result, read_ok)) {
    read_ok = read_with_libpcap(pcap.get(), input, frames, result);
  }
  frames.finish();
  if (!read_ok) {
    const std::string message = result.error + " (after frame " + std::to_string(result.frames) + ")";
    return failed(std::move(result), path, message);
  }
  result.ok = true;
  return result;
}

}  // namespace

ReadResult read_capture(const std::string& path, StreamConsumer& consumer, const CaptureOptions& options) {
  if (!needs_spooling(path)) return read_file(path, path, consumer, options);
  SpooledInput spooled;
  std::string error;
  if (!spooled.spool(path, options.limits.max_spooled_bytes, options.stop, error)) {
    ReadResult result;
    result.interrupted = options.stop && options.stop->load();
    return failed(std::move(result), path, error);
  }
  return read_file(path, spooled.path(), consumer, options);
}

}  // namespace tlsflags::capture
