// Deployment debugging (issue 8): what the certificates on the wire say about a request_client_auth
// deployment, from analyser/inspect, turned into the report's plain data and into the plain facts from
// which core decides the deploy.* findings (tlsflags/core/deployment.hpp). judge() stays a pure function
// of the timeline; those findings depend on the user's --trust-anchors and --pinned files.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tlsflags/core/deployment.hpp"
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

// The inspection as the writers show it; explain lines only when `keep_explain` (--explain), with the
// judgement's deploy.client-certificate-not-trusted findings as their warnings.
report::Deployment to_report(const Timeline& timeline, const inspect::ConnectionInspection& inspection,
                             const Judgement& judgement, bool keep_explain);

}  // namespace tlsflags::cli
