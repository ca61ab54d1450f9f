#include "run.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iostream>
#include <mutex>
#include <optional>
#include <set>
#include <string_view>
#include <thread>
#include <vector>

#include "analysis.hpp"
#include "live.hpp"
#include "merge.hpp"
#include "progress.hpp"
#include "report_output.hpp"
#include "report_stream.hpp"
#include "state_recorder.hpp"
#include "stop_request.hpp"
#include "tlsflags/report/escape.hpp"
#include "tlsflags/report/plural.hpp"

namespace tlsflags::cli {
namespace {

// Every diagnostic goes to stderr through here, on a line of its own, with file names made safe.
class Diagnostics {
 public:
  explicit Diagnostics(Progress& progress) : progress_(progress) {}
  void say(std::string_view text) { tell(text, false); }
  void trouble(std::string_view text) {
    tell(text, true);
    trouble_ = true;
  }
  bool had_trouble() const { return trouble_; }
  // Everything said so far, in order (--state keeps what a run said before its first capture).
  const std::vector<report::state::Said>& said() const { return said_; }

 private:
  void tell(std::string_view text, bool trouble) {
    progress_.clear_line();
    std::cerr << "tlsflags-check: " << report::terminal_safe(text) << '\n';
    said_.push_back({std::string(text), trouble});
  }

  Progress& progress_;
  bool trouble_ = false;
  std::vector<report::state::Said> said_;
};

bool is_terminal(int fd) { return ::isatty(fd) == 1; }

bool colour_wanted(const CheckOptions& options) {
  if (options.format != report::Format::text || options.output || !is_terminal(STDOUT_FILENO)) return false;
  const char* no_colour = std::getenv("NO_COLOR");  // https://no-color.org
  const char* term = std::getenv("TERM");
  return !(no_colour && *no_colour) && !(term && std::string_view(term) == "dumb");
}

void warn_about_ignored_flags(const CheckOptions& options, Diagnostics& say) {
  if (options.events && options.format != report::Format::jsonl) say.say("--events only changes -f jsonl output");
  if (options.explain && options.format != report::Format::text) say.say("--explain only changes -f text output");
}

// Adds one key log. A file with lines but not one key log line (a capture, a binary, a PEM file given
// to -k by mistake) is "not an NSS key log": returns false, and its line-by-line complaints are left
// out (they would only repeat it). Returns false with `error` set when it cannot be read.
bool add_key_log(tls::KeyLog& keys, const std::string& path, std::string& error, std::set<std::string>& junk) {
  const size_t skipped_before = keys.skipped_lines(path);
  size_t accepted = 0;
  if (!keys.add_file(path, &error, &accepted)) {
    junk.insert(path);
    return false;
  }
  const size_t rejected = keys.skipped_lines(path) - skipped_before;
  if (accepted > 0 || rejected == 0) return true;
  junk.insert(path);
  const std::string lines =
      rejected == 1 ? "its one line does not have" : "none of its " + std::to_string(rejected) + " lines has";
  error = "not an NSS key log: " + lines +
          " the form LABEL CLIENT_RANDOM SECRET (a capture or binary file given as --keylog?)";
  return false;
}

// -k files are inputs: one that cannot be read, or is no key log at all, is exit status 2 (the run goes
// on). SSLKEYLOGFILE is ambient, often left over from another session: the same is only a warning.
void load_keys(const CheckOptions& options, tls::KeyLog& keys, Diagnostics& say) {
  std::set<std::string> junk;
  for (const std::string& path : options.keylogs) {
    std::string error;
    if (!add_key_log(keys, path, error, junk)) say.trouble(error.find(path) == std::string::npos ? "key log " + path + ": " + error : error);
  }
  const char* environment = std::getenv("SSLKEYLOGFILE");
  if (environment && *environment) {
    std::string error;
    if (!add_key_log(keys, environment, error, junk)) say.say("SSLKEYLOGFILE " + std::string(environment) + ": " + error);
  }
  std::vector<std::string> lines;
  key_log_warning_lines(keys, junk, lines);
  for (const std::string& line : lines) say.say(line);
}

void report_file_diagnostics(const FileAnalysis& analysis, Diagnostics& say) {
  for (const std::string& warning : analysis.warnings) say.say(analysis.file + ": " + warning);
  if (analysis.cut_short) say.trouble(analysis.file + ": " + *analysis.cut_short);
  if (!analysis.read_error) return;
  // The capture layer's message usually names the file already; name it exactly once either way.
  const std::string& error = *analysis.read_error;
  say.trouble(error.find(analysis.file) == std::string::npos ? "cannot read " + analysis.file + ": " + error : error);
}

// Puts the captures' connections into the report in input order while -j N workers read them. The
// capture that is first in input order among those not finished (the head) streams straight into the
// report; a capture read ahead of it waits in a buffer of its own, flushed when it becomes the head.
// Diagnostics are written in input order too, so -j N says exactly what -j 1 says.
class FileSequencer {
 public:
  // `progress` is the progress line to clear before the report is written, when both share a terminal.
  // `state` (--state), when given, gets what the report gets, in the same order.
  FileSequencer(size_t files, ReportStream& report, ReportOutput& output, Diagnostics& say, Progress* progress,
                StateRecorder* state)
      : files_(files), report_(report), output_(output), say_(say), progress_(progress), state_(state) {}

  void connection(size_t file, JudgedConnection&& connection) {
    std::lock_guard lock(mutex_);
    if (file != head_) {
      files_[file].connections.push_back(std::move(connection));
      return;
    }
    if (progress_) progress_->clear_line();
    deliver(std::move(connection));
    stop_if_output_failed();
  }

  // `sha256`: the capture's content hash, for the state.
  void file_done(size_t file, FileAnalysis&& analysis, std::string sha256) {
    std::lock_guard lock(mutex_);
    files_[file].done = std::move(analysis);
    files_[file].sha256 = std::move(sha256);
    while (head_ < files_.size() && files_[head_].done) {
      const FileAnalysis& done = *files_[head_].done;
      report_file_diagnostics(done, say_);
      if (progress_) progress_->clear_line();
      if (state_) state_->capture_end(head_, done, files_[head_].sha256);
      report_.end_file({done.file, done.read_error, done.anomalies});
      // Each capture's report goes out when it ends (the formats written as they go): a later input
      // that makes the run wait (a FIFO whose writer has not come yet) does not hold it back.
      output_.stream().flush();
      stop_if_output_failed();
      files_[head_] = {};
      if (++head_ == files_.size()) break;
      std::vector<JudgedConnection> read_ahead = std::move(files_[head_].connections);
      for (JudgedConnection& connection : read_ahead) deliver(std::move(connection));
    }
  }

 private:
  struct File {
    std::vector<JudgedConnection> connections;  // read while an earlier capture was the head
    std::optional<FileAnalysis> done;
    std::string sha256;
  };
  void deliver(JudgedConnection&& connection) {
    if (state_) state_->connection(head_, connection);  // before the cross-connection rule: the merge judges it
    report_.connection(std::move(connection));
  }
  // A report that cannot be written stops the run: reading on would only lose more.
  void stop_if_output_failed() {
    if (output_.failed()) StopRequest::request();
  }
  std::mutex mutex_;
  std::vector<File> files_;
  size_t head_ = 0;
  ReportStream& report_;
  ReportOutput& output_;
  Diagnostics& say_;
  Progress* progress_;
  StateRecorder* state_;
};

// Where a run's captures come from: the capture files, or (merge) the states that recorded them.
struct CaptureSource {
  std::vector<std::string> names;
  std::function<FileAnalysis(size_t, const ConnectionSink&)> analyse;
  std::function<std::string(size_t)> content_hash;  // asked only when a state is written
};

// Analyses the captures on `jobs` threads, feeding the report as they are read.
void analyse_all(unsigned jobs, const CaptureSource& source, bool hash, Progress& progress, FileSequencer& sequencer) {
  const size_t count = source.names.size();
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < count; i = next++) {
      if (StopRequest::flag().load()) {  // the captures not started are named, not silently left out
        FileAnalysis skipped;
        skipped.file = source.names[i];
        skipped.read_error = source.names[i] + ": not analysed: the run was stopped before it";
        sequencer.file_done(i, std::move(skipped), std::string());
        continue;
      }
      progress.started(i, source.names[i]);
      ConnectionSink sink = [&sequencer, i](JudgedConnection&& c) { sequencer.connection(i, std::move(c)); };
      FileAnalysis analysis = source.analyse(i, sink);
      std::string sha256 = hash ? source.content_hash(i) : std::string();
      progress.finished(i);
      sequencer.file_done(i, std::move(analysis), std::move(sha256));
    }
  };
  std::vector<std::jthread> workers;
  for (size_t t = 0; t < std::min<size_t>(jobs, count); ++t) workers.emplace_back(worker);
}

// The caps are a budget for the run (docs/reliability-limits.md): the captures read at once (-j N)
// each get an equal share, so that N of them never hold N times the documented memory.
void share_caps_between_jobs(const CheckOptions& options, capture::CaptureLimits& limits) {
  const size_t at_once = std::min<size_t>(options.jobs, options.captures.size());
  if (at_once <= 1) return;
  limits.max_connections = std::max<size_t>(1, limits.max_connections / at_once);
  limits.max_buffered_bytes_total = std::max<size_t>(1, limits.max_buffered_bytes_total / at_once);
  limits.max_out_of_order_bytes_per_direction =
      std::min(limits.max_out_of_order_bytes_per_direction, limits.max_buffered_bytes_total);
  limits.max_closed_connections_remembered = std::max<size_t>(1, limits.max_closed_connections_remembered / at_once);
  limits.max_ending_connections = std::max<size_t>(1, limits.max_ending_connections / at_once);
}

// Every file the run reads: an -o naming one of them is refused before anything is opened for writing.
std::vector<std::string> input_files(const CheckOptions& options) {
  std::vector<std::string> inputs = options.captures;
  inputs.insert(inputs.end(), options.keylogs.begin(), options.keylogs.end());
  inputs.insert(inputs.end(), options.states.begin(), options.states.end());
  if (const char* environment = std::getenv("SSLKEYLOGFILE"); environment && *environment) inputs.emplace_back(environment);
  if (options.trust_anchors) inputs.push_back(*options.trust_anchors);
  if (options.pinned) inputs.push_back(*options.pinned);
  return inputs;
}

// The report goes to -o FILE or stdout, opened before any capture is read, so that a bad path fails at
// once rather than after an hour of analysis (report_output.hpp: never over an input, renamed into
// place when complete).
bool open_output(const CheckOptions& options, ReportOutput& output, Diagnostics& say) {
  if (auto refusal = ReportOutput::refuse_input_as_output(options.output, input_files(options))) {
    say.trouble(*refusal);
    return false;
  }
  std::string error;
  if (output.open(options.output, options.format == report::Format::jsonl, error)) return true;
  say.trouble(error);
  return false;
}

// A run that stopped early says so on stderr, last, and gets the exit status that says why.
int stopped_status(const CheckOptions& options, const ReportOutput& output, bool written,
                   const std::string& write_error, Diagnostics& say) {
  if (!written) {
    say.say(write_error + "; the report is partial" +
            (output.via_temporary() ? " and was not put in place (" + *options.output + " is as it was)" : std::string()) +
            ": the run stopped at the first failed write");
    return kExitOutputFailed;
  }
  const int signal_number = StopRequest::signal();
  say.say(std::string("interrupted by ") + (signal_number == SIGTERM ? "SIGTERM" : "SIGINT") +
          ": the report covers what was read before; connections still open are undecidable (analysis interrupted)");
  return kExitInterruptedBase + signal_number;
}

int exit_status(const report::RunSummary& summary, bool trouble) {
  if (trouble) return kExitTrouble;
  return report::any_failed(summary) ? kExitFailure : kExitNoFailure;
}

// The report of a run over `source`'s captures, and its state with --state; returns the exit status.
int report_run(const CheckOptions& options, const CaptureSource& source, const report::state::Settings& state_settings,
               Progress& progress, Diagnostics& say, ReportOutput& output) {
  std::optional<StateRecorder> state;
  if (options.state) {
    state.emplace(*options.state, state_settings);
    if (!state->ok()) {
      say.trouble("cannot write " + *options.state + ": " + std::strerror(errno));
      return kExitTrouble;
    }
  }
  const std::vector<report::state::Said> said_before = say.said();
  report::WriterOptions writer_options = writer_options_for(options);
  writer_options.colour = colour_wanted(options);
  ReportStream report(options.format, writer_options, output.stream(), state_settings.rules);
  const bool report_on_terminal = !options.output && is_terminal(STDOUT_FILENO);
  FileSequencer sequencer(source.names.size(), report, output, say, report_on_terminal ? &progress : nullptr,
                          state ? &*state : nullptr);
  analyse_all(options.jobs, source, state.has_value(), progress, sequencer);
  report::RunSummary summary = report.finish();
  std::string write_error;
  const bool written = output.commit(write_error);
  if (state && !state->finish(said_before)) say.trouble("cannot write " + *options.state);
  if (!written || StopRequest::flag().load()) return stopped_status(options, output, written, write_error, say);
  return exit_status(summary, say.had_trouble());
}

int capture_run(const CheckOptions& options, Progress& progress, Diagnostics& say, ReportOutput& output) {
  DeploymentInputs deployment;
  if (auto error = load_deployment_inputs(options.trust_anchors, options.pinned, deployment)) {
    say.trouble(*error);  // the user asked for a verification that cannot be done: stop at once
    return kExitTrouble;
  }
  tls::KeyLog keys;
  load_keys(options, keys, say);
  AnalysisSettings settings = settings_for(options, keys, deployment);
  settings.stop = &StopRequest::flag();
  share_caps_between_jobs(options, settings.limits);
  CaptureSource source{options.captures,
                       [&](size_t i, const ConnectionSink& sink) { return analyse_file(options.captures[i], settings, sink); },
                       [&](size_t i) { return sha256_of_file(options.captures[i]); }};
  return report_run(options, source, state_settings_for(settings), progress, say, output);
}

// `merge STATE...`: the states' run-level diagnostics once each, then their captures in merge order.
int merge_run(const CheckOptions& options, Progress& progress, Diagnostics& say, ReportOutput& output) {
  MergeInputs inputs;
  if (auto error = inputs.load(options)) {
    say.trouble(*error);
    return kExitTrouble;
  }
  for (const report::state::Said& said : inputs.diagnostics()) said.trouble ? say.trouble(said.message) : say.say(said.message);
  if (inputs.duplicates())
    say.say(report::plural(inputs.duplicates(), "capture") + " left out: the same content is in the merge already");
  CaptureSource source{inputs.names(),
                       [&](size_t i, const ConnectionSink& sink) { return inputs.replay(i, sink); },
                       [&](size_t i) { return inputs.sha256(i); }};
  return report_run(options, source, inputs.settings(), progress, say, output);
}

}  // namespace

int run(const CheckOptions& options) {
  if (options.interface) return run_live(options);
  Progress progress(is_terminal(STDERR_FILENO));
  Diagnostics say(progress);
  ReportOutput output;
  if (!open_output(options, output, say)) return kExitTrouble;
  StopRequest::install_signal_handlers();
  warn_about_ignored_flags(options, say);
  return options.merge ? merge_run(options, progress, say, output) : capture_run(options, progress, say, output);
}

}  // namespace tlsflags::cli
