#include "run.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <fstream>
#include <iostream>
#include <map>
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
#include "report_stream.hpp"
#include "state_recorder.hpp"
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

// Per-line complaints about one key log beyond this many are summed up in one line.
constexpr size_t kKeyLogWarningsShown = 10;

// Adds one key log. A file with lines but not one key log line (a capture, a binary, a PEM file given
// to -k by mistake) is "not an NSS key log": returns false, and its line-by-line complaints are left
// out (they would only repeat it). Returns false with `error` set when it cannot be read.
bool add_key_log(tls::KeyLog& keys, const std::string& path, std::string& error, std::set<std::string>& junk) {
  const size_t warnings_before = keys.warnings().size();
  size_t accepted = 0;
  if (!keys.add_file(path, &error, &accepted)) return false;
  const size_t rejected = keys.warnings().size() - warnings_before;
  if (accepted > 0 || rejected == 0) return true;
  junk.insert(path);
  const std::string lines =
      rejected == 1 ? "its one line does not have" : "none of its " + std::to_string(rejected) + " lines has";
  error = "not an NSS key log: " + lines +
          " the form LABEL CLIENT_RANDOM SECRET (a capture or binary file given as --keylog?)";
  return false;
}

void report_key_log_warnings(const tls::KeyLog& keys, const std::set<std::string>& junk, Diagnostics& say) {
  std::map<std::string, size_t> per_source;
  for (const tls::KeyLogWarning& warning : keys.warnings()) {
    if (junk.count(warning.source)) continue;
    if (++per_source[warning.source] <= kKeyLogWarningsShown) say.say("key log " + warning.to_string());
  }
  for (const auto& [source, count] : per_source)
    if (count > kKeyLogWarningsShown)
      say.say("key log " + source + ": " + report::plural(count - kKeyLogWarningsShown, "more line") + " skipped");
}

// -k files are inputs: one that cannot be read, or is no key log at all, is exit status 2 (the run goes
// on). SSLKEYLOGFILE is ambient, often left over from another session: the same is only a warning.
void load_keys(const CheckOptions& options, tls::KeyLog& keys, Diagnostics& say) {
  std::set<std::string> junk;
  for (const std::string& path : options.keylogs) {
    std::string error;
    if (!add_key_log(keys, path, error, junk)) say.trouble("key log " + path + ": " + error);
  }
  const char* environment = std::getenv("SSLKEYLOGFILE");
  if (environment && *environment) {
    std::string error;
    if (!add_key_log(keys, environment, error, junk)) say.say("SSLKEYLOGFILE " + std::string(environment) + ": " + error);
  }
  report_key_log_warnings(keys, junk, say);
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
  FileSequencer(size_t files, ReportStream& report, Diagnostics& say, Progress* progress, StateRecorder* state)
      : files_(files), report_(report), say_(say), progress_(progress), state_(state) {}

  void connection(size_t file, JudgedConnection&& connection) {
    std::lock_guard lock(mutex_);
    if (file != head_) {
      files_[file].connections.push_back(std::move(connection));
      return;
    }
    if (progress_) progress_->clear_line();
    deliver(std::move(connection));
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
  std::mutex mutex_;
  std::vector<File> files_;
  size_t head_ = 0;
  ReportStream& report_;
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

// The report goes to -o FILE or stdout. The file is opened before any capture is read, so that a bad
// path fails at once rather than after an hour of analysis.
class Output {
 public:
  static constexpr size_t kStdoutBufferSize = size_t{1} << 16;

  bool open(const CheckOptions& options, Diagnostics& say) {
    if (!options.output) {
      // Into a file or pipe, standard output takes the report in 64 KiB writes rather than stdio's
      // 4 KiB (a JSON line per connection: a handshake-heavy capture writes tens of megabytes). Nothing
      // has been written to it yet, as setvbuf requires; a terminal keeps its line buffering.
      // glibc ignores the size unless given the buffer, which must outlive every write: a static one.
      static char buffer[kStdoutBufferSize];
      if (!isatty(STDOUT_FILENO)) std::setvbuf(stdout, buffer, _IOFBF, sizeof buffer);
      return true;
    }
    file_.open(*options.output, std::ios::out | std::ios::trunc | std::ios::binary);
    if (!file_) say.trouble("cannot write " + *options.output + ": " + std::strerror(errno));
    return file_.is_open();
  }
  std::ostream& stream() { return file_.is_open() ? static_cast<std::ostream&>(file_) : std::cout; }
  bool close(const CheckOptions& options, Diagnostics& say) {
    stream().flush();
    if (stream()) return true;
    say.trouble("cannot write " + options.output.value_or("standard output"));
    return false;
  }

 private:
  std::ofstream file_;
};

int exit_status(const report::RunSummary& summary, bool trouble) {
  if (trouble) return kExitTrouble;
  return report::any_failed(summary) ? kExitFailure : kExitNoFailure;
}

// The report of a run over `source`'s captures, and its state with --state; returns the exit status.
int report_run(const CheckOptions& options, const CaptureSource& source, const report::state::Settings& state_settings,
               Progress& progress, Diagnostics& say, Output& output) {
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
  FileSequencer sequencer(source.names.size(), report, say, report_on_terminal ? &progress : nullptr,
                          state ? &*state : nullptr);
  analyse_all(options.jobs, source, state.has_value(), progress, sequencer);
  report::RunSummary summary = report.finish();
  output.close(options, say);
  if (state && !state->finish(said_before)) say.trouble("cannot write " + *options.state);
  return exit_status(summary, say.had_trouble());
}

int capture_run(const CheckOptions& options, Progress& progress, Diagnostics& say, Output& output) {
  DeploymentInputs deployment;
  if (auto error = load_deployment_inputs(options.trust_anchors, options.pinned, deployment)) {
    say.trouble(*error);  // the user asked for a verification that cannot be done: stop at once
    return kExitTrouble;
  }
  tls::KeyLog keys;
  load_keys(options, keys, say);
  AnalysisSettings settings = settings_for(options, keys, deployment);
  CaptureSource source{options.captures,
                       [&](size_t i, const ConnectionSink& sink) { return analyse_file(options.captures[i], settings, sink); },
                       [&](size_t i) { return sha256_of_file(options.captures[i]); }};
  return report_run(options, source, state_settings_for(settings), progress, say, output);
}

// `merge STATE...`: the states' run-level diagnostics once each, then their captures in merge order.
int merge_run(const CheckOptions& options, Progress& progress, Diagnostics& say, Output& output) {
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
  Output output;
  if (!output.open(options, say)) return kExitTrouble;
  warn_about_ignored_flags(options, say);
  return options.merge ? merge_run(options, progress, say, output) : capture_run(options, progress, say, output);
}

}  // namespace tlsflags::cli
