// One capture file through the whole pipeline: capture layer -> TLS layer -> rules -> results.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "deployment.hpp"
#include "tlsflags/capture/capture_limits.hpp"
#include "tlsflags/core/rules.hpp"
#include "tlsflags/report/result.hpp"
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
};

struct FileAnalysis {
  report::FileResult result;  // connections sorted by first frame
  // Per connection of `result`, in the same order: just what judge_across_connections needs (the
  // endpoints and the ClientHello / CertificateRequest events), so that a run over many captures does
  // not keep every Timeline.
  std::vector<Timeline> cross_connection_inputs;
  std::vector<std::string> warnings;  // for stderr: junk DSB lines, capture-layer caps hit
  // The file ended inside a record (cut short, a broken gzip stream): what was read before is analysed
  // and reported, and this says what happened (exit status 2: the input could not be read whole).
  std::optional<std::string> cut_short;
};

FileAnalysis analyse_file(const std::string& path, const AnalysisSettings& settings);

// One closed connection, judged: the rules, then the inspection of its certificates (while the timeline
// still holds their DER) and the deploy.* findings it gives. Live mode reports these one by one.
report::ConnectionResult judge_connection(const Timeline& timeline, const AnalysisSettings& settings);

// Judges rca.server.trust-anchors-shared over every connection of every file, in input order, and adds
// its findings to the connections they belong to.
void judge_across_files(std::vector<FileAnalysis>& files, const RuleConfig& rules);

}  // namespace tlsflags::cli
