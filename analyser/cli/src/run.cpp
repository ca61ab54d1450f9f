#include "run.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
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
#include "progress.hpp"
#include "report_stream.hpp"
#include "tlsflags/report/escape.hpp"
#include "tlsflags/report/plural.hpp"

namespace tlsflags::cli {
namespace {

// Every diagnostic goes to stderr through here, on a line of its own, with file names made safe.
class Diagnostics {
 public:
  explicit Diagnostics(Progress& progress) : progress_(progress) {}
  void say(std::string_view text) {
    progress_.clear_line();
    std::cerr << "tlsflags-check: " << report::terminal_safe(text) << '\n';
  }
  void trouble(std::string_view text) {
    say(text);
    trouble_ = true;
  }
  bool had_trouble() const { return trouble_; }

 private:
  Progress& progress_;
  bool trouble_ = false;
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
  FileSequencer(size_t files, ReportStream& report, Diagnostics& say, Progress* progress)
      : files_(files), report_(report), say_(say), progress_(progress) {}

  void connection(size_t file, JudgedConnection&& connection) {
    std::lock_guard lock(mutex_);
    if (file != head_) {
      files_[file].connections.push_back(std::move(connection));
      return;
    }
    if (progress_) progress_->clear_line();
    report_.connection(std::move(connection));
  }

  void file_done(size_t file, FileAnalysis&& analysis) {
    std::lock_guard lock(mutex_);
    files_[file].done = std::move(analysis);
    while (head_ < files_.size() && files_[head_].done) {
      const FileAnalysis& done = *files_[head_].done;
      report_file_diagnostics(done, say_);
      if (progress_) progress_->clear_line();
      report_.end_file({done.file, done.read_error, done.anomalies});
      files_[head_] = {};
      if (++head_ == files_.size()) break;
      std::vector<JudgedConnection> read_ahead = std::move(files_[head_].connections);
      for (JudgedConnection& connection : read_ahead) report_.connection(std::move(connection));
    }
  }

 private:
  struct File {
    std::vector<JudgedConnection> connections;  // read while an earlier capture was the head
    std::optional<FileAnalysis> done;
  };
  std::mutex mutex_;
  std::vector<File> files_;
  size_t head_ = 0;
  ReportStream& report_;
  Diagnostics& say_;
  Progress* progress_;
};

// Analyses the captures on `jobs` threads, feeding the report as they are read.
void analyse_all(const CheckOptions& options, const AnalysisSettings& settings, Progress& progress,
                 FileSequencer& sequencer) {
  const size_t count = options.captures.size();
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < count; i = next++) {
      progress.started(i, options.captures[i]);
      ConnectionSink sink = [&sequencer, i](JudgedConnection&& c) { sequencer.connection(i, std::move(c)); };
      FileAnalysis analysis = analyse_file(options.captures[i], settings, sink);
      progress.finished(i);
      sequencer.file_done(i, std::move(analysis));
    }
  };
  std::vector<std::jthread> workers;
  for (size_t t = 0; t < std::min<size_t>(options.jobs, count); ++t) workers.emplace_back(worker);
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

}  // namespace

int run(const CheckOptions& options) {
  if (options.interface) return run_live(options);
  Progress progress(is_terminal(STDERR_FILENO));
  Diagnostics say(progress);
  Output output;
  if (!output.open(options, say)) return kExitTrouble;
  warn_about_ignored_flags(options, say);

  DeploymentInputs deployment;
  if (auto error = load_deployment_inputs(options.trust_anchors, options.pinned, deployment)) {
    say.trouble(*error);  // the user asked for a verification that cannot be done: stop at once
    return kExitTrouble;
  }
  tls::KeyLog keys;
  load_keys(options, keys, say);
  AnalysisSettings settings = settings_for(options, keys, deployment);

  report::WriterOptions writer_options = writer_options_for(options);
  writer_options.colour = colour_wanted(options);
  ReportStream report(options.format, writer_options, output.stream(), settings.rules);
  const bool report_on_terminal = !options.output && is_terminal(STDOUT_FILENO);
  FileSequencer sequencer(options.captures.size(), report, say, report_on_terminal ? &progress : nullptr);
  analyse_all(options, settings, progress, sequencer);
  report::RunSummary summary = report.finish();
  output.close(options, say);
  return exit_status(summary, say.had_trouble());
}

}  // namespace tlsflags::cli
