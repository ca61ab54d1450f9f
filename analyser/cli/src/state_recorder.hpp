// --state FILE: the run's mergeable state (tlsflags/report/state.hpp, docs/fleet.md), written as the
// report is: each connection as it goes into the report (before the cross-connection rule, which the
// merge judges again over all captures), each capture's end with its content hash.
#pragma once

#include <fstream>
#include <string>
#include <vector>

#include "analysis.hpp"
#include "tlsflags/report/state.hpp"

namespace tlsflags::cli {

// The SHA-256 of a file's bytes in lower-case hex (OpenSSL's libcrypto); empty when it cannot be read.
std::string sha256_of_file(const std::string& path);

// The state settings of a run with these options.
report::state::Settings state_settings_for(const AnalysisSettings& analysis);

class StateRecorder {
 public:
  // Opens FILE and writes the header; check ok() (a bad path fails before any capture is read).
  StateRecorder(const std::string& path, const report::state::Settings& settings);
  bool ok() const { return static_cast<bool>(out_); }

  void connection(size_t capture, const JudgedConnection& connection);
  void capture_end(size_t capture, const FileAnalysis& analysis, const std::string& sha256);
  // The run-level diagnostics and the end record; false when the state could not be written whole.
  bool finish(const std::vector<report::state::Said>& diagnostics);

 private:
  std::ofstream out_;
};

}  // namespace tlsflags::cli
