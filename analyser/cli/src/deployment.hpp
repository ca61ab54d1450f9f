// Deployment debugging (issue 8): what the certificates on the wire say about a request_client_auth
// deployment, from analyser/inspect, turned into the report's plain data and into the deploy.* findings.
// judge() stays a pure function of the timeline; these findings depend on the user's --trust-anchors and
// --pinned files, so tlsflags-check adds them to the Judgement itself (Judgement::add keeps the verdict).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tlsflags/core/events.hpp"
#include "tlsflags/core/rules.hpp"
#include "tlsflags/inspect/chain_verification.hpp"
#include "tlsflags/inspect/connection_inspection.hpp"
#include "tlsflags/report/result.hpp"

namespace tlsflags::cli {

// --trust-anchors and --pinned, loaded once per run and shared read-only by every job.
struct DeploymentInputs {
  std::optional<inspect::TrustAnchors> trust_anchors;
  std::optional<inspect::PinnedCertificates> pinned;
};

// Loads the files named by the options; returns the error to report (exit status 2) when one cannot be
// read or holds no certificate.
std::optional<std::string> load_deployment_inputs(const std::optional<std::string>& trust_anchors_file,
                                                  const std::optional<std::string>& pinned_file,
                                                  DeploymentInputs& out);

// Inspects one connection (its certificates are still in the timeline) with the run's inputs.
inspect::ConnectionInspection inspect_timeline(const Timeline& timeline, const DeploymentInputs& inputs);

// The inspection as the writers show it; explain lines only when `keep_explain` (--explain).
report::Deployment to_report(const Timeline& timeline, const inspect::ConnectionInspection& inspection,
                             bool keep_explain);

// deploy.client-certificate-not-trusted, deploy.server-identity-mismatch, deploy.client-certificate-unfit.
std::vector<Finding> deployment_findings(const Timeline& timeline, const inspect::ConnectionInspection& inspection);

}  // namespace tlsflags::cli
