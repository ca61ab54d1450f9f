// `tlsflags-check merge STATE...` (docs/fleet.md): the states' captures, put back into the report as a
// run over the captures themselves would: run.cpp feeds them through the same sequencer and report
// stream, so the cross-connection rule, the summary, --by-server and the exit status come out the same.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "analysis.hpp"
#include "tlsflags/report/state.hpp"

namespace tlsflags::cli {

class MergeInputs {
 public:
  // Indexes every state; returns what is wrong with the first one that cannot be merged.
  std::optional<std::string> load(const CheckOptions& options);

  const report::state::Settings& settings() const { return settings_; }
  // The run-level diagnostics of all states, each once (every worker of a fleet says the same).
  const std::vector<report::state::Said>& diagnostics() const { return diagnostics_; }
  size_t duplicates() const { return order_.duplicates; }

  std::vector<std::string> names() const;
  const std::string& sha256(size_t capture) const { return order_.captures[capture].capture.sha256; }
  // Hands the capture's connections to `sink` and returns its end, as analyse_file does for a file.
  FileAnalysis replay(size_t capture, const ConnectionSink& sink) const;

 private:
  report::state::Settings settings_;
  std::vector<report::state::Said> diagnostics_;
  report::state::MergeOrder order_;
};

}  // namespace tlsflags::cli
