#include "analysis.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <utility>

#include "tlsflags/capture/capture_reader.hpp"
#include "tlsflags/capture/packet_decoder.hpp"
#include "tlsflags/report/plural.hpp"
#include "tlsflags/tls/connection_tracker.hpp"
#include "tlsflags/tls/record_protection.hpp"

namespace tlsflags::cli {
namespace {

// Hands a capture's connections to the sink in the report's order while the capture is read. A
// connection that ended waits here only while one that started before it may still end: memory is
// bounded by the connections open at once (and those that ended behind the oldest of them).
class ReportOrder {
 public:
  explicit ReportOrder(const ConnectionSink& sink) : sink_(sink) {}

  void add(JudgedConnection&& connection) {
    waiting_.push_back({std::move(connection), arrivals_++});
    std::push_heap(waiting_.begin(), waiting_.end(), later);
  }
  // Every connection that will still end starts at `frame` or after it.
  void release_before(uint64_t frame) {
    while (!waiting_.empty() && waiting_.front().connection.result.first_frame < frame) release_first();
  }
  void release_all() {
    while (!waiting_.empty()) release_first();
  }

 private:
  struct Waiting {
    JudgedConnection connection;
    uint64_t arrival;  // the order they ended in breaks ties, as the stable sort it replaces did
  };
  // The heap's comparator: `a` is reported after `b`.
  static bool later(const Waiting& a, const Waiting& b) {
    if (report::comes_before(b.connection.result, a.connection.result)) return true;
    if (report::comes_before(a.connection.result, b.connection.result)) return false;
    return a.arrival > b.arrival;
  }
  void release_first() {
    std::pop_heap(waiting_.begin(), waiting_.end(), later);
    JudgedConnection first = std::move(waiting_.back().connection);
    waiting_.pop_back();
    sink_(std::move(first));
  }

  const ConnectionSink& sink_;
  std::vector<Waiting> waiting_;
  uint64_t arrivals_ = 0;
};

std::string counted(uint64_t count, const char* noun, std::string_view what, uint64_t first_frame) {
  return report::plural(count, noun) + " " + std::string(what) + " (first in frame " + std::to_string(first_frame) + ")";
}

std::string hex_suite(uint16_t suite) {
  char text[8];
  std::snprintf(text, sizeof text, "0x%04x", suite);
  return text;
}

// Each anomaly is said on stderr too, in the order it was met.
void note(FileAnalysis& analysis, std::vector<report::Anomaly> anomalies) {
  for (report::Anomaly& anomaly : anomalies) {
    analysis.warnings.push_back(anomaly.message);
    analysis.anomalies.push_back(std::move(anomaly));
  }
}

void add_key_log_warnings(const tls::KeyLog& keys, std::vector<std::string>& warnings) {
  for (const tls::KeyLogWarning& warning : keys.warnings()) warnings.push_back("key log in the capture: " + warning.to_string());
}

// Reads the capture; returns the error that makes it unreadable, if any. A file cut short after its
// first frame is not unreadable: what was read is analysed (as Wireshark does), and cut_short says so.
std::optional<std::string> read_into(const std::string& path, tls::ConnectionTracker& tracker,
                                     const capture::CaptureLimits& limits, FileAnalysis& analysis) {
  capture::ReadResult read = capture::read_capture(path, tracker, capture::CaptureOptions{limits});
  std::vector<report::Anomaly> caps;
  add_capture_anomalies(read.diagnostics, caps);
  note(analysis, std::move(caps));
  if (read.ok) return std::nullopt;
  if (read.frames == 0) return read.error;
  analysis.cut_short = "read " + report::plural(read.frames, "frame") + ", then: " + read.error +
                       "; the connections read so far are reported";
  return std::nullopt;
}

}  // namespace

// Resource caps hit by the capture layer: the analysis is still right about what it shows, but some
// connections were cut short, and the user should know why they may be undecidable.
void add_capture_anomalies(const capture::CaptureDiagnostics& d, std::vector<report::Anomaly>& out) {
  struct CapHit {
    capture::DiagnosticCounter capture::CaptureDiagnostics::*counter;
    const char* kind;  // the anomaly's kind in the reports (docs/output.md)
    const char* noun;  // singular; the count gives its number
    const char* what;
  };
  static constexpr CapHit kCapHits[] = {
      {&capture::CaptureDiagnostics::connections_evicted, "connections-closed-early", "connection",
       "closed early: too many open at once"},
      {&capture::CaptureDiagnostics::out_of_order_cap_hits, "out-of-order-cap", "hole",
       "given up on: too much out-of-order data in one direction"},
      {&capture::CaptureDiagnostics::total_buffer_cap_hits, "buffer-cap", "hole", "given up on: out-of-order buffer full"},
      {&capture::CaptureDiagnostics::segments_out_of_window, "segments-out-of-window", "segment",
       "ignored: sequence number too far beyond the stream (max 1 GiB)"},
  };
  for (const CapHit& cap : kCapHits) {
    const capture::DiagnosticCounter& hits = d.*cap.counter;
    if (hits.count)
      out.push_back({cap.kind, hits.count, hits.first_frame, counted(hits.count, cap.noun, cap.what, hits.first_frame)});
  }
  add_unseen_input_anomalies(d, out);
}

// Input the capture holds but the analysis could not see (docs/output.md "Anomalies"): frames cut by the
// snap length, and packets of link types or transports that are not decoded, where TLS may have been.
void add_unseen_input_anomalies(const capture::CaptureDiagnostics& d, std::vector<report::Anomaly>& out) {
  if (d.snaplen_cut_segments.count)
    out.push_back({"snaplen-cut", d.snaplen_cut_segments.count, d.snaplen_cut_segments.first_frame,
                   counted(d.snaplen_cut_segments.count, "TCP segment",
                           "cut by the capture's snap length: their missing bytes are gaps, and what they hid "
                           "is undecidable",
                           d.snaplen_cut_segments.first_frame)});
  if (d.truncated_headers.count)
    out.push_back({"truncated-headers", d.truncated_headers.count, d.truncated_headers.first_frame,
                   counted(d.truncated_headers.count, "frame", "cut by the capture's snap length inside their headers: skipped",
                           d.truncated_headers.first_frame)});
  if (d.unsupported_link_type.count)
    out.push_back({"link-type-not-decoded", d.unsupported_link_type.count, d.unsupported_link_type.first_frame,
                   counted(d.unsupported_link_type.count, "frame", "of an interface whose link type is not decoded: skipped",
                           d.unsupported_link_type.first_frame)});
  if (d.transports_not_decoded.count) {
    std::string names;
    for (size_t protocol = 0; protocol < d.undecoded_transports.size(); ++protocol) {
      if (!d.undecoded_transports.test(protocol)) continue;
      if (!names.empty()) names += ", ";
      names += capture::transport_name(static_cast<uint8_t>(protocol));
    }
    out.push_back({"transport-not-decoded", d.transports_not_decoded.count, d.transports_not_decoded.first_frame,
                   counted(d.transports_not_decoded.count, "packet",
                           ("of transports that can carry TLS but are not decoded (" + names + "): skipped"),
                           d.transports_not_decoded.first_frame)});
  }
}

// The TLS layer's bounds on a Timeline (tls_connection.hpp): a cut direction is unreadable from there on
// (what depends on it is undecidable), alerts past the recorded ones change no verdict but are counted.
void add_timeline_anomalies(const tls::TrackerStats& stats, std::vector<report::Anomaly>& out) {
  if (stats.timelines_cut)
    out.push_back({"timeline-cut", stats.timelines_cut, 0,
                   report::plural(stats.timelines_cut, "direction") +
                       " stopped at 1000 handshake and alert events: what followed is unreadable"});
  const tls::UndecryptedSuites& suites = stats.undecrypted_suites;
  if (suites.connections) {
    std::string names;
    for (uint16_t suite : suites.suites) {
      if (!names.empty()) names += ", ";
      std::string_view name = tls::tls13_cipher_suite_name(suite);
      names += name.empty() ? "cipher suite " + hex_suite(suite) : std::string(name) + " (" + hex_suite(suite) + ")";
    }
    out.push_back({"cipher-suite-not-decrypted", suites.connections, suites.first_frame,
                   counted(suites.connections, "connection",
                           ("use a TLS 1.3 cipher suite that is not decrypted (" + names + "): undecidable"),
                           suites.first_frame)});
  }
  if (stats.client_hellos_hidden)
    out.push_back({"client-hello-not-visible", stats.client_hellos_hidden, stats.client_hellos_hidden_first_frame,
                   counted(stats.client_hellos_hidden, "connection",
                           "whose ClientHello the capture does not hold whole: undecidable",
                           stats.client_hellos_hidden_first_frame)});
  if (stats.alerts_not_recorded)
    out.push_back({"alerts-not-recorded", stats.alerts_not_recorded, 0,
                   report::plural(stats.alerts_not_recorded, "alert") +
                       " not recorded: after their sender's fatal alert, or past its first 8"});
}

report::ConnectionResult judge_connection(const Timeline& timeline, const AnalysisSettings& settings) {
  static const DeploymentInputs kNoInputs;
  const DeploymentInputs& inputs = settings.deployment ? *settings.deployment : kNoInputs;
  const inspect::ConnectionInspection inspection = inspect_timeline(timeline, inputs);
  Judgement judgement = inspect::judge_inspected(timeline, settings.rules, inspection);
  report::Deployment deployment = to_report(timeline, inspection, judgement, settings.keep_explain);
  report::ConnectionResult result =
      report::make_connection_result(timeline, std::move(judgement), settings.keep_events);
  result.deployment = std::move(deployment);
  return result;
}

FileAnalysis analyse_file(const std::string& path, const AnalysisSettings& settings, const ConnectionSink& sink) {
  FileAnalysis analysis;
  analysis.file = path;
  ReportOrder order(sink);
  const tls::ConnectionTracker* open = nullptr;
  auto judge_one = [&](Timeline&& timeline) {
    timeline.file = path;  // the name as the user gave it, which is what the reports show
    const uint64_t last_frame = timeline.last_frame;
    order.add({judge_connection(timeline, settings), trust_anchors_input(timeline, settings.rules)});
    // A connection opened later starts at the frame being read or after it, which is at or after the
    // last frame of the one that just ended.
    order.release_before(std::min(open->earliest_open_frame().value_or(UINT64_MAX), last_frame));
  };
  try {
    tls::TrackerOptions options;
    options.file = path;
    options.flags_extension_type = settings.flags_extension;
    tls::ConnectionTracker tracker(options, judge_one, settings.keys);
    open = &tracker;
    analysis.read_error = read_into(path, tracker, settings.limits, analysis);
    tracker.close_all(true, {});  // whatever the reader left open (it should have closed everything)
    add_key_log_warnings(tracker.capture_secrets(), analysis.warnings);
    std::vector<report::Anomaly> bounds;
    add_timeline_anomalies(tracker.stats(), bounds);
    note(analysis, std::move(bounds));
  } catch (const std::exception& e) {
    // A bug or an exhausted resource in one capture must not take the other captures' reports with it.
    analysis.read_error = std::string("analysis stopped: ") + e.what();
  }
  order.release_all();
  return analysis;
}

AnalysisSettings settings_for(const CheckOptions& options, const tls::KeyLog& keys,
                              const DeploymentInputs& deployment) {
  AnalysisSettings settings;
  settings.rules.request_client_auth_flag = options.rca_flag;
  settings.rules.profile = options.profile;
  settings.rules.slow_certificate_seconds = options.slow_certificate_seconds;
  settings.flags_extension = options.flags_extension;
  if (options.max_connections) settings.limits.max_connections = options.max_connections;
  if (options.max_buffer_bytes) {
    settings.limits.max_buffered_bytes_total = options.max_buffer_bytes;
    settings.limits.max_out_of_order_bytes_per_direction =
        std::min<uint64_t>(settings.limits.max_out_of_order_bytes_per_direction, options.max_buffer_bytes);
  }
  settings.keep_events = (options.events && options.format == report::Format::jsonl) ||
                         (options.explain && options.format == report::Format::text);
  settings.keep_explain = options.explain && options.format == report::Format::text;
  settings.keys = &keys;
  settings.deployment = &deployment;
  return settings;
}

report::WriterOptions writer_options_for(const CheckOptions& options) {
  report::WriterOptions writer_options;
  writer_options.events = options.events;
  writer_options.explain = options.explain;
  writer_options.by_server = options.by_server;
  writer_options.live_interface = options.interface;
  writer_options.request_client_auth_flag = options.rca_flag;
  writer_options.tool_version = tool_version();
  return writer_options;
}

}  // namespace tlsflags::cli
