// One capture file through the whole pipeline: capture layer -> TLS layer -> rules -> results.
#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "deployment.hpp"
#include "options.hpp"
#include "tlsflags/capture/capture_limits.hpp"
#include "tlsflags/core/rules.hpp"
#include "tlsflags/core/trust_anchors.hpp"
#include "tlsflags/report/result.hpp"
#include "tlsflags/report/writer.hpp"
#include "tlsflags/quic/udp_tracker.hpp"
#include "tlsflags/tls/connection_tracker.hpp"
#include "tlsflags/tls/keylog.hpp"

namespace tlsflags::cli {

struct AnalysisSettings {
  RuleConfig rules;
  uint16_t flags_extension = kTlsFlagsExtensionType;
  bool keep_events = false;  // the output shows timelines (--events, --explain)
  capture::CaptureLimits limits;  // --max-connections, --max-buffer-bytes
  bool keep_explain = false;  // --explain in text output: keep the inspection's explanation lines
  const DeploymentInputs* deployment = nullptr;  // --trust-anchors, --pinned; read-only, shared by all jobs
  const tls::KeyLog* keys = nullptr;  // -k files and SSLKEYLOGFILE; read-only, shared by all jobs
  const std::atomic<bool>* stop = nullptr;  // set: stop reading (stop_request.hpp)
};

// One judged connection on its way to the report.
struct JudgedConnection {
  report::ConnectionResult result;
  std::optional<TrustAnchorsInput> trust_anchors;  // what the cross-connection rule reads (trust_anchors.hpp)
};
// Receives a capture's connections in the report's order (report::comes_before), while it is read.
using ConnectionSink = std::function<void(JudgedConnection&&)>;

struct FileAnalysis {
  std::string file;  // as the user gave it
  std::optional<std::string> read_error;  // the capture could not be read (fully): FileResult::read_error
  std::vector<std::string> warnings;  // for stderr: junk DSB lines, and every anomaly's message
  std::vector<report::Anomaly> anomalies;  // caps hit, timelines cut, alerts not recorded: for the report too
  // The file ended inside a record (cut short, a broken gzip stream): what was read before is analysed
  // and reported, and this says what happened (exit status 2: the input could not be read whole).
  std::optional<std::string> cut_short;
};

// Reads one capture and hands each connection to `sink` as soon as no connection that started before
// it is still open, so that memory grows with the connections open at once, not with the file.
FileAnalysis analyse_file(const std::string& path, const AnalysisSettings& settings, const ConnectionSink& sink);

// One closed connection, judged: the rules, then the inspection of its certificates (while the timeline
// still holds their DER) and the deploy.* findings it gives. Live mode reports these one by one.
report::ConnectionResult judge_connection(const Timeline& timeline, const AnalysisSettings& settings);

// The capture layer's caps that dropped work (connections closed early, holes given up on, segments
// ignored), one anomaly each: files and live capture alike say them, never silently.
void add_capture_anomalies(const capture::CaptureDiagnostics& diagnostics, std::vector<report::Anomaly>& out);
// Frames cut by the snap length, link types and transports not decoded: one anomaly each (called by
// add_capture_anomalies).
void add_unseen_input_anomalies(const capture::CaptureDiagnostics& diagnostics, std::vector<report::Anomaly>& out);
// The TLS layer's bounds that fired (timelines cut, alerts not recorded) and what it could not read
// (cipher suites not decrypted, ClientHellos not visible), one anomaly each.
void add_timeline_anomalies(const tls::TrackerStats& stats, std::vector<report::Anomaly>& out);

// The key log's warnings as stderr lines ("key log keys.log:7: unknown label"), the first few of each
// source, then how many more were counted; sources in `junk` (refused as a whole) are left out.
void key_log_warning_lines(const tls::KeyLog& keys, const std::set<std::string>& junk, std::vector<std::string>& out);

// What the UDP side saw and could not read (QUIC of another version, packets of no connection followed,
// DTLS 1.3, ...), one anomaly each: never silent.
void add_udp_anomalies(const quic::UdpStats& stats, std::vector<report::Anomaly>& out);

// The settings a run's options give (files and live alike); `keys` and `deployment` must outlive them.
AnalysisSettings settings_for(const CheckOptions& options, const tls::KeyLog& keys,
                              const DeploymentInputs& deployment);

// The report writers' options a run's options give (files and live alike); whether to colour is the
// caller's, which knows where the report goes.
report::WriterOptions writer_options_for(const CheckOptions& options);

}  // namespace tlsflags::cli
