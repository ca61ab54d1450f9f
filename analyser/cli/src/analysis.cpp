#include "analysis.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <set>
#include <string_view>
#include <utility>

#include "tlsflags/capture/capture_reader.hpp"
#include "tlsflags/capture/packet_decoder.hpp"
#include "tlsflags/report/plural.hpp"
#include "tlsflags/tls/connection_tracker.hpp"
#include "tlsflags/tls/record_protection.hpp"
#include "transports.hpp"

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
  std::vector<std::string> lines;
  key_log_warning_lines(keys, {}, lines);
  for (std::string& line : lines) warnings.push_back(line.replace(0, std::string_view("key log ").size(), "key log in the capture: "));
}

// Reads the capture; returns the error that makes it unreadable, if any. A file cut short after its
// first frame is not unreadable: what was read is analysed (as Wireshark does), and cut_short says so.
std::optional<std::string> read_into(const std::string& path, Transports& tracker, const AnalysisSettings& settings,
                                     FileAnalysis& analysis) {
  capture::ReadResult read = capture::read_capture(path, tracker, capture::CaptureOptions{settings.limits, settings.stop});
  std::vector<report::Anomaly> caps;
  add_capture_anomalies(read.diagnostics, caps);
  note(analysis, std::move(caps));
  if (read.interrupted && read.ok)
    analysis.warnings.push_back("reading stopped after frame " + std::to_string(read.frames) +
                                ": the run was interrupted (the connections open then are reported as such)");
  if (read.ok) return std::nullopt;
  if (read.frames == 0) return read.error;
  analysis.cut_short = "read " + report::plural(read.frames, "frame") + ", then: " + read.error +
                       "; the connections read so far are reported";
  return std::nullopt;
}

// One counter of a diagnostics struct and how a report names it: an anomaly when it fired.
template <typename Stats>
struct CountedAnomaly {
  capture::DiagnosticCounter Stats::*counter;
  const char* kind;  // the anomaly's kind in the reports (docs/output.md)
  const char* noun;  // singular; the count gives its number
  const char* what;
};

template <typename Stats, size_t N>
void add_counted(const Stats& stats, const CountedAnomaly<Stats> (&table)[N], std::vector<report::Anomaly>& out) {
  for (const CountedAnomaly<Stats>& entry : table) {
    const capture::DiagnosticCounter& hits = stats.*entry.counter;
    if (hits.count)
      out.push_back({entry.kind, hits.count, hits.first_frame,
                     counted(hits.count, entry.noun, entry.what, hits.first_frame)});
  }
}

}  // namespace

void key_log_warning_lines(const tls::KeyLog& keys, const std::set<std::string>& junk, std::vector<std::string>& out) {
  std::set<std::string> sources;
  for (const tls::KeyLogWarning& warning : keys.warnings()) {
    if (junk.count(warning.source)) continue;
    sources.insert(warning.source);
    out.push_back("key log " + warning.to_string());
  }
  for (const std::string& source : sources) {
    size_t shown_skipped = 0, shown_repeated = 0;
    for (const tls::KeyLogWarning& warning : keys.warnings())
      if (warning.source == source) ++(warning.kind == tls::KeyLogWarning::Kind::skipped ? shown_skipped : shown_repeated);
    if (const size_t more = keys.skipped_lines(source) - shown_skipped)
      out.push_back("key log " + source + ": " + report::plural(more, "more line") + " skipped");
    if (const size_t more = keys.repeated_lines(source) - shown_repeated)
      out.push_back("key log " + source + ": " + report::plural(more, "more line") +
                    " gave a client random a different secret");
  }
}

// Resource caps hit by the capture layer: the analysis is still right about what it shows, but some
// connections were cut short, and the user should know why they may be undecidable.
void add_capture_anomalies(const capture::CaptureDiagnostics& d, std::vector<report::Anomaly>& out) {
  static constexpr CountedAnomaly<capture::CaptureDiagnostics> kCapHits[] = {
      {&capture::CaptureDiagnostics::connections_evicted, "connections-closed-early", "connection",
       "closed early: too many open at once"},
      {&capture::CaptureDiagnostics::out_of_order_cap_hits, "out-of-order-cap", "hole",
       "given up on: too much out-of-order data in one direction"},
      {&capture::CaptureDiagnostics::total_buffer_cap_hits, "buffer-cap", "hole", "given up on: out-of-order buffer full"},
      {&capture::CaptureDiagnostics::segments_out_of_window, "segments-out-of-window", "segment",
       "ignored: sequence number too far beyond the stream (max 1 GiB)"},
  };
  add_counted(d, kCapHits, out);
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

void add_udp_anomalies(const quic::UdpStats& stats, std::vector<report::Anomaly>& out) {
  static constexpr CountedAnomaly<quic::UdpStats> kSeen[] = {
      {&quic::UdpStats::quic_unknown_version, "quic-unknown-version", "QUIC packet",
       "not read: a QUIC version other than 1 and 2"},
      {&quic::UdpStats::quic_without_connection, "quic-without-connection", "QUIC packet",
       "not read: of no connection whose start (the client's Initial) is in the capture"},
      {&quic::UdpStats::quic_initial_undecryptable, "quic-initial-undecryptable", "QUIC Initial packet",
       "not read: its keys did not open it"},
      {&quic::UdpStats::quic_malformed, "quic-malformed", "QUIC packet", "malformed (header or frames)"},
      {&quic::UdpStats::quic_truncated, "quic-truncated", "QUIC datagram", "cut by the snap length"},
      {&quic::UdpStats::quic_zero_rtt_skipped, "quic-0rtt-skipped", "QUIC 0-RTT packet",
       "not read (early data keys are not used)"},
      {&quic::UdpStats::quic_crypto_over_limit, "quic-crypto-cap", "QUIC CRYPTO stream",
       "given up on: past its buffer or offset cap"},
      {&quic::UdpStats::connections_evicted, "udp-connections-closed-early", "QUIC or DTLS connection",
       "closed early: too many open at once"},
      {&quic::UdpStats::idle_timeouts, "udp-idle-timeouts", "QUIC or DTLS connection",
       "closed at the idle timeout: no packet for longer than the endpoints' max_idle_timeout"},
      {&quic::UdpStats::quic_after_idle_timeout, "quic-after-idle-timeout", "QUIC packet",
       "not read: of a 4-tuple whose connection was closed at its idle timeout"},
      {&quic::UdpStats::quic_connection_ids_over_limit, "quic-connection-ids-over-limit", "QUIC connection ID",
       "not followed: past the 16 remembered per connection (packets sent to it are not read)"},
      {&quic::UdpStats::dtls13_not_decoded, "dtls13-not-decoded", "DTLS 1.3 handshake",
       "seen and not decoded after its ServerHello (RFC 9147 record protection is not read)"},
      {&quic::UdpStats::dtls_not_decoded, "dtls-not-decoded", "DTLS handshake message",
       "not decoded (a fragmented or malformed hello)"},
  };
  add_counted(stats, kSeen, out);
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
  const Transports* open = nullptr;
  auto judge_one = [&](Timeline&& timeline) {
    timeline.file = path;  // the name as the user gave it, which is what the reports show
    // Still open when the run was stopped: its end is where reading stopped, not the capture's end.
    if (settings.stop && settings.stop->load() && !timeline.events.empty() &&
        timeline.events.back().type == EventType::capture_end)
      timeline.interrupted = true;
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
    Transports tracker(options, judge_one, settings.keys);
    open = &tracker;
    analysis.read_error = read_into(path, tracker, settings, analysis);
    tracker.close_all({});  // whatever the reader left open (it should have closed everything)
    add_key_log_warnings(tracker.tcp().capture_secrets(), analysis.warnings);
    std::vector<report::Anomaly> bounds;
    add_timeline_anomalies(tracker.tcp().stats(), bounds);
    add_udp_anomalies(tracker.udp().stats(), bounds);
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
