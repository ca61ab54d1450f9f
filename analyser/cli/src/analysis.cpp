#include "analysis.hpp"

#include <algorithm>
#include <exception>
#include <utility>

#include "tlsflags/capture/capture_reader.hpp"
#include "tlsflags/tls/connection_tracker.hpp"

namespace tlsflags::cli {
namespace {

// A copy of the timeline holding only what the cross-connection rule reads.
Timeline cross_connection_input(const Timeline& timeline) {
  Timeline slim;
  slim.file = timeline.file;
  slim.client = timeline.client;
  slim.server = timeline.server;
  slim.first_frame = timeline.first_frame;
  slim.last_frame = timeline.last_frame;
  for (const Event& event : timeline.events) {
    if (event.type != EventType::client_hello && event.type != EventType::certificate_request) continue;
    slim.events.push_back(event);
    slim.events.back().certificate_chain_der.clear();
  }
  return slim;
}

struct JudgedConnection {
  report::ConnectionResult result;
  Timeline cross_connection_input;
};

// Sorts by the report's connection order, keeping each result with its cross-connection input.
void store_sorted(std::vector<JudgedConnection> judged, FileAnalysis& analysis) {
  std::stable_sort(judged.begin(), judged.end(), [](const JudgedConnection& a, const JudgedConnection& b) {
    return report::comes_before(a.result, b.result);
  });
  for (JudgedConnection& connection : judged) {
    analysis.result.connections.push_back(std::move(connection.result));
    analysis.cross_connection_inputs.push_back(std::move(connection.cross_connection_input));
  }
}

std::string counted(uint64_t count, const char* what, uint64_t first_frame) {
  return std::to_string(count) + " " + what + " (first in frame " + std::to_string(first_frame) + ")";
}

// Resource caps hit by the capture layer: the analysis is still right about what it shows, but some
// connections were cut short, and the user should know why they may be undecidable.
void add_capture_warnings(const capture::ReadResult& read, std::vector<std::string>& warnings) {
  const capture::CaptureDiagnostics& d = read.diagnostics;
  if (d.connections_evicted.count)
    warnings.push_back(counted(d.connections_evicted.count, "connections closed early: too many open at once",
                               d.connections_evicted.first_frame));
  if (d.out_of_order_cap_hits.count)
    warnings.push_back(counted(d.out_of_order_cap_hits.count,
                               "holes given up on: too much out-of-order data in one direction",
                               d.out_of_order_cap_hits.first_frame));
  if (d.total_buffer_cap_hits.count)
    warnings.push_back(counted(d.total_buffer_cap_hits.count, "holes given up on: out-of-order buffer full",
                               d.total_buffer_cap_hits.first_frame));
  if (d.segments_out_of_window.count)
    warnings.push_back(counted(d.segments_out_of_window.count,
                               "segments ignored: sequence number too far beyond the stream (max 1 GiB)",
                               d.segments_out_of_window.first_frame));
}

void add_key_log_warnings(const tls::KeyLog& keys, std::vector<std::string>& warnings) {
  for (const tls::KeyLogWarning& warning : keys.warnings()) warnings.push_back("key log in the capture: " + warning.to_string());
}

// Reads the capture; returns the error that makes it unreadable, if any. A file cut short after its
// first frame is not unreadable: what was read is analysed (as Wireshark does), and cut_short says so.
std::optional<std::string> read_into(const std::string& path, tls::ConnectionTracker& tracker,
                                     const capture::CaptureLimits& limits, FileAnalysis& analysis) {
  capture::ReadResult read = capture::read_capture(path, tracker, capture::CaptureOptions{limits});
  add_capture_warnings(read, analysis.warnings);
  if (read.ok) return std::nullopt;
  if (read.frames == 0) return read.error;
  analysis.cut_short = "read " + std::to_string(read.frames) + " frames, then: " + read.error +
                       "; the connections read so far are reported";
  return std::nullopt;
}

}  // namespace

report::ConnectionResult judge_connection(const Timeline& timeline, const AnalysisSettings& settings) {
  static const DeploymentInputs kNoInputs;
  const DeploymentInputs& inputs = settings.deployment ? *settings.deployment : kNoInputs;
  report::ConnectionResult result =
      report::make_connection_result(timeline, judge(timeline, settings.rules), settings.keep_events);
  const inspect::ConnectionInspection inspection = inspect_timeline(timeline, inputs);
  result.deployment = to_report(timeline, inspection, settings.keep_explain);
  for (Finding& finding : deployment_findings(timeline, inspection))
    report::add_deployment_finding(result, std::move(finding));
  return result;
}

FileAnalysis analyse_file(const std::string& path, const AnalysisSettings& settings) {
  FileAnalysis analysis;
  analysis.result.file = path;
  std::vector<JudgedConnection> judged;
  auto judge_one = [&](Timeline&& timeline) {
    timeline.file = path;  // the name as the user gave it, which is what the reports show
    judged.push_back({judge_connection(timeline, settings), cross_connection_input(timeline)});
  };
  try {
    tls::TrackerOptions options;
    options.file = path;
    options.flags_extension_type = settings.flags_extension;
    tls::ConnectionTracker tracker(options, judge_one, settings.keys);
    analysis.result.read_error = read_into(path, tracker, settings.limits, analysis);
    tracker.close_all(true, {});  // whatever the reader left open (it should have closed everything)
    add_key_log_warnings(tracker.capture_secrets(), analysis.warnings);
  } catch (const std::exception& e) {
    // A bug or an exhausted resource in one capture must not take the other captures' reports with it.
    analysis.result.read_error = std::string("analysis stopped: ") + e.what();
  }
  store_sorted(std::move(judged), analysis);
  return analysis;
}

void judge_across_files(std::vector<FileAnalysis>& files, const RuleConfig& rules) {
  std::vector<const Timeline*> timelines;
  std::vector<report::ConnectionResult*> owners;
  for (FileAnalysis& file : files) {
    for (size_t i = 0; i < file.cross_connection_inputs.size(); ++i) {
      timelines.push_back(&file.cross_connection_inputs[i]);
      owners.push_back(&file.result.connections[i]);
    }
  }
  for (CrossConnectionFinding& cross : judge_across_connections(timelines, rules))
    report::add_cross_connection_finding(*owners.at(cross.connection_index), std::move(cross.finding));
}

}  // namespace tlsflags::cli
