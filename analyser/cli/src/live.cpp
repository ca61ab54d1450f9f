#include "live.hpp"

#include <pcap/pcap.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "analysis.hpp"
#include "key_log_follower.hpp"
#include "report_stream.hpp"
#include "tlsflags/capture/live_capture.hpp"
#include "tlsflags/core/trust_anchors.hpp"
#include "tlsflags/report/escape.hpp"
#include "transports.hpp"
#include "tlsflags/report/plural.hpp"
#include "tlsflags/tls/connection_tracker.hpp"

namespace tlsflags::cli {
namespace {

// Large enough for any TCP segment with offloads (libpcap's own maximum).
constexpr int kSnapLength = 262144;
// The kernel's buffer timeout; read_live polls on its own, so this only bounds batching.
constexpr int kReadTimeoutMs = 100;
// A client writes a connection's secrets after it has seen the ServerHello: packets wait this long
// before they are read, so the key log has them by then (see key_log_follower.hpp).
constexpr double kKeyLogGraceSeconds = 1.0;

std::atomic<bool> g_stop{false};
std::atomic<pcap_t*> g_pcap{nullptr};

// SIGINT / SIGTERM: only async-signal-safe work (an atomic store; pcap_breakloop sets a flag and, on
// Linux, wakes the poll() through an eventfd).
extern "C" void on_stop_signal(int) {
  g_stop.store(true);
  if (pcap_t* pcap = g_pcap.load()) pcap_breakloop(pcap);
}

void install_stop_handlers() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: a blocking read returns at once
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

void say(std::string_view text) { std::cerr << "tlsflags-check: " << report::terminal_safe(text) << std::endl; }

struct PcapCloser {
  void operator()(pcap_t* pcap) const { pcap_close(pcap); }
};
using PcapHandle = std::unique_ptr<pcap_t, PcapCloser>;

// pcap_create + options + pcap_activate, then the BPF filter. Returns null with `error` set.
PcapHandle open_interface(const std::string& interface, const std::string& bpf, std::string& error) {
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  PcapHandle pcap(pcap_create(interface.c_str(), errbuf));
  if (!pcap) {
    error = errbuf;
    return nullptr;
  }
  // These fail only on a handle already activated (pcap_set_snaplen(3PCAP)), which this one is not; a
  // failure is still reported rather than ignored (libpcap 1.11 marks them warn_unused_result).
  if (pcap_set_snaplen(pcap.get(), kSnapLength) != 0 ||
      pcap_set_immediate_mode(pcap.get(), 1) != 0 ||  // each packet at once, not when a buffer fills
      pcap_set_timeout(pcap.get(), kReadTimeoutMs) != 0) {
    error = "cannot set the capture options: " + std::string(pcap_geterr(pcap.get()));
    return nullptr;
  }
  // Nanosecond stamps where the device gives them; PCAP_ERROR_TSTAMP_PRECISION_NOTSUP leaves micro,
  // which the timeline handles as well (a coarser clock only).
  [[maybe_unused]] const int nano = pcap_set_tstamp_precision(pcap.get(), PCAP_TSTAMP_PRECISION_NANO);
  const int status = pcap_activate(pcap.get());
  if (status < 0) {
    const std::string detail = pcap_geterr(pcap.get());  // often more precise; empty for some statuses
    error = detail.empty() ? pcap_statustostr(status) : detail;
    return nullptr;
  }
  if (bpf.empty()) return pcap;
  struct bpf_program program {};
  if (pcap_compile(pcap.get(), &program, bpf.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
    error = "--bpf: " + std::string(pcap_geterr(pcap.get()));
    return nullptr;
  }
  const int set = pcap_setfilter(pcap.get(), &program);
  pcap_freecode(&program);
  if (set != 0) {
    error = "--bpf: " + std::string(pcap_geterr(pcap.get()));
    return nullptr;
  }
  return pcap;
}

// The -k files and SSLKEYLOGFILE, followed as they grow.
void follow_key_logs(const CheckOptions& options, KeyLogFollower& follower) {
  for (const std::string& path : options.keylogs) follower.follow(path);
  const char* environment = std::getenv("SSLKEYLOGFILE");
  if (environment && *environment) follower.follow(environment);
}

// Everything one live run holds: the key log, the writer, the judged connections (for the summary).
class LiveRun {
 public:
  LiveRun(const CheckOptions& options, std::ostream& out, const DeploymentInputs& inputs)
      : options_(options),
        follower_(keys_),
        settings_(settings_for(options, keys_, inputs)),
        writer_(report::make_writer(options.format, out, writer_options_for(options))),
        anchors_(settings_.rules) {
    file_.file = "live:" + *options.interface;
    follow_key_logs(options, follower_);
    follower_.poll();
  }

  int capture(pcap_t* pcap) {
    tls::TrackerOptions tracker_options;
    tracker_options.file = file_.file;
    tracker_options.flags_extension_type = options_.flags_extension;
    Transports tracker(tracker_options, [this](Timeline&& t) { report(std::move(t)); }, &keys_);
    capture::LiveOptions live;
    live.limits = settings_.limits;  // --max-connections, --max-buffer-bytes
    live.delay_seconds = kKeyLogGraceSeconds;
    live.on_tick = [this] { follower_.poll(); };
    const capture::LiveResult result = capture::read_live(pcap, tracker, live, g_stop);
    if (!result.ok) file_.read_error = result.error;
    add_capture_anomalies(result.diagnostics, anomalies_);
    add_timeline_anomalies(tracker.tcp().stats(), anomalies_);
    add_udp_anomalies(tracker.udp().stats(), anomalies_);
    say_capture_totals(result);
    return finish();
  }

 private:
  void report(Timeline&& timeline) {
    timeline.file = file_.file;
    report::ConnectionResult result = judge_connection(timeline, settings_);
    judge_trust_anchors(timeline, result);
    if (writer_->live_connection(result)) {
      streamed_ = true;
      streamed_summary_.add_connection(result);  // written: only its counts are kept, however long the capture runs
      return;
    }
    kept_tickets_.push_back(tickets_ - 1);
    file_.connections.push_back(std::move(result));  // SARIF, JUnit: written whole at the end
  }

  // rca.server.trust-anchors-shared, by the run's one judge (tlsflags/core/trust_anchors.hpp). The
  // finding belongs on the server's first accepting connection; a live report cannot wait for the end,
  // so when that one has been written already the finding goes on the connection that completed the
  // overlap (docs/debugging.md "7. Watching live").
  void judge_trust_anchors(const Timeline& timeline, report::ConnectionResult& result) {
    const uint64_t ticket = tickets_++;
    TrustAnchorsJudge::Outcome outcome = anchors_.observe(timeline, ticket);
    if (!outcome.finding_for) return;
    auto kept = std::find(kept_tickets_.begin(), kept_tickets_.end(), *outcome.finding_for);
    report::ConnectionResult& owner =
        kept == kept_tickets_.end() ? result : file_.connections[kept - kept_tickets_.begin()];
    owner.judgement.add(std::move(outcome.finding));
  }

  // What a user needs to trust the run: how much was seen, and whether the kernel had to drop any of it.
  void say_capture_totals(const capture::LiveResult& result) {
    std::string line = "captured " + report::plural(result.frames, "packet") + ", " +
                       report::plural(result.tcp_segments, "TCP segment") + ", " +
                       report::plural(result.connections, "TCP connection");
    if (result.drops_known)
      line += "; dropped " + std::to_string(result.kernel_drops) + " by the kernel (buffer full), " +
              std::to_string(result.interface_drops) + " by the interface";
    say(line);
    for (const report::Anomaly& anomaly : anomalies_) say("warning: " + anomaly.message);
  }

  int finish() {
    if (file_.read_error) say("capture on " + *options_.interface + " failed: " + *file_.read_error);
    for (const tls::KeyLogWarning& warning : keys_.warnings()) say("key log " + warning.to_string());
    report::sort_connections(file_);
    writer_->anomalies(file_.file, anomalies_);  // after the connections streamed, before the summary
    std::vector<report::FileResult> files{file_};
    report::RunSummary summary;
    if (streamed_) {
      streamed_summary_.add_file(file_.read_error.has_value());
      summary = streamed_summary_.summary();
      writer_->finish(summary);
    } else if (file_.connections.empty()) {
      summary = report::summarise(files);
      writer_->finish(summary);
    } else {
      summary = report::write_report(*writer_, files);  // SARIF, JUnit: the whole report at the end
    }
    if (file_.read_error) return kExitTrouble;
    return report::any_failed(summary) ? kExitFailure : kExitNoFailure;
  }

  const CheckOptions& options_;
  tls::KeyLog keys_;
  KeyLogFollower follower_;
  AnalysisSettings settings_;
  std::unique_ptr<report::Writer> writer_;
  report::FileResult file_;  // the connections, for a format that cannot stream
  bool streamed_ = false;
  report::SummaryBuilder streamed_summary_;  // the counts of the connections already written
  TrustAnchorsJudge anchors_;
  uint64_t tickets_ = 0;                // connections judged so far
  std::vector<uint64_t> kept_tickets_;  // the ticket of each connection in file_.connections
  std::vector<report::Anomaly> anomalies_;  // caps hit, timelines cut: stderr and the report
};

}  // namespace

int run_live(const CheckOptions& options) {
  DeploymentInputs inputs;
  if (auto error = load_deployment_inputs(options.trust_anchors, options.pinned, inputs)) {
    say(*error);
    return kExitTrouble;
  }
  std::ofstream file;
  if (options.output) {
    file.open(*options.output, std::ios::out | std::ios::trunc | std::ios::binary);
    if (!file) {
      say("cannot write " + *options.output + ": " + std::strerror(errno));
      return kExitTrouble;
    }
  }
  std::string error;
  PcapHandle pcap = open_interface(*options.interface, options.bpf.value_or(""), error);
  if (!pcap) {
    say("cannot capture on " + *options.interface + ": " + error);
    return kExitTrouble;
  }
  g_pcap.store(pcap.get());
  install_stop_handlers();
  say("capturing on " + *options.interface + (options.bpf ? " (" + *options.bpf + ")" : "") +
      "; Ctrl-C or SIGTERM ends the capture and prints the summary");
  LiveRun run(options, options.output ? static_cast<std::ostream&>(file) : std::cout, inputs);
  const int status = run.capture(pcap.get());
  g_pcap.store(nullptr);
  return status;
}

}  // namespace tlsflags::cli
