#include "merge.hpp"

#include <exception>
#include <set>
#include <utility>

namespace tlsflags::cli {
namespace {

// The report options a merge asks for must be in the states: timelines and --explain's lines are kept
// only by a run that shows them.
std::optional<std::string> missing_detail(const CheckOptions& options, const report::state::Settings& settings) {
  const bool events_wanted = (options.events && options.format == report::Format::jsonl) ||
                             (options.explain && options.format == report::Format::text);
  if (events_wanted && !settings.events)
    return "the states hold no timelines: write them with the same -f and --events/--explain";
  if (options.explain && options.format == report::Format::text && !settings.explain)
    return "the states hold no --explain lines: write them with -f text --explain";
  return std::nullopt;
}

}  // namespace

std::optional<std::string> MergeInputs::load(const CheckOptions& options) {
  std::vector<report::state::CaptureInState> all;
  std::set<std::pair<std::string, bool>> said;
  for (size_t i = 0; i < options.states.size(); ++i) {
    report::state::StateIndex index;
    try {
      index = report::state::index_state(options.states[i]);
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    if (i == 0) {
      settings_ = index.settings;
    } else if (!report::state::same_judgement_settings(settings_, index.settings)) {
      return options.states[i] + " was written with other settings than " + options.states[0] +
             " (--rca-flag, --flags-extension, --profile, --slow-certificate-seconds): its verdicts do not merge";
    }
    settings_.events = settings_.events && index.settings.events;
    settings_.explain = settings_.explain && index.settings.explain;
    for (report::state::Said& d : index.diagnostics)
      if (said.insert({d.message, d.trouble}).second) diagnostics_.push_back(std::move(d));
    for (report::state::CaptureInState& c : index.captures) all.push_back(std::move(c));
  }
  if (auto missing = missing_detail(options, settings_)) return missing;
  order_ = report::state::merge_order(std::move(all));
  return std::nullopt;
}

std::vector<std::string> MergeInputs::names() const {
  std::vector<std::string> out;
  for (const report::state::CaptureInState& c : order_.captures) out.push_back(c.capture.file);
  return out;
}

FileAnalysis MergeInputs::replay(size_t capture, const ConnectionSink& sink) const {
  const report::state::CaptureInState& in = order_.captures[capture];
  FileAnalysis analysis;
  analysis.file = in.capture.file;
  analysis.read_error = in.capture.read_error;
  analysis.cut_short = in.capture.cut_short;
  analysis.warnings = in.capture.warnings;
  analysis.anomalies = in.capture.anomalies;
  try {
    report::state::read_connections(in, [&](report::state::Connection&& c) {
      sink({std::move(c.result), std::move(c.trust_anchors)});
    });
  } catch (const std::exception& e) {
    analysis.read_error = std::string("state unreadable: ") + e.what();
  }
  return analysis;
}

}  // namespace tlsflags::cli
