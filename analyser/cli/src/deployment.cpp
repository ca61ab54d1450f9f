#include "deployment.hpp"

#include <algorithm>
#include <utility>

namespace tlsflags::cli {
namespace {

report::ClientCertificateDetails to_report(const inspect::CertificateDetails& d) {
  return {d.subject, d.issuer, d.san, d.not_before, d.not_after, d.key_type, d.sha256};
}

report::FitPart fit_part(inspect::Fit fit, const std::string& explanation) {
  return {std::string(inspect::to_string(fit)), explanation};
}

report::CertificateRequestFit to_report(const inspect::CertificateRequestFit& fit) {
  return {fit_part(fit.authorities.fit, fit.authorities.explanation),
          fit_part(fit.certificate_signature.fit, fit.certificate_signature.explanation),
          fit_part(fit.key.fit, fit.key.explanation)};
}

report::ServerIdentity to_report(const inspect::Outcome<inspect::IdentityCheck>& check, const std::string& sni) {
  report::ServerIdentity out;
  out.sni = sni;
  if (!check) {
    out.error = check.error();
    return out;
  }
  const inspect::IdentityCheck& c = check.value();
  out.matched = c.matched;
  out.rule = std::string(inspect::to_string(c.rule));
  out.matched_identifier = c.matched_identifier;
  out.presented = c.presented;
  out.explanation = c.explanation;
  return out;
}

std::string sni_of(const Timeline& timeline) {
  const Event* hello = timeline.first(EventType::client_hello, Party::client);
  return hello ? hello->server_name : std::string();
}

// What --explain shows as "warning:" lines: the findings about a server that accepted what the anchors or
// pins refuse.
std::vector<std::string> not_trusted_messages(const Judgement& judgement) {
  std::vector<std::string> out;
  for (const Finding& finding : judgement.findings)
    if (finding.rule == RuleId::deploy_client_certificate_not_trusted) out.push_back(finding.message);
  return out;
}

}  // namespace

std::optional<std::string> load_deployment_inputs(const std::optional<std::string>& trust_anchors_file,
                                                  const std::optional<std::string>& pinned_file,
                                                  DeploymentInputs& out) {
  if (trust_anchors_file) {
    auto anchors = inspect::TrustAnchors::from_pem_file(*trust_anchors_file);
    if (!anchors) return "--trust-anchors: " + anchors.error();
    out.trust_anchors = std::move(anchors).value();
  }
  if (pinned_file) {
    auto pins = inspect::PinnedCertificates::from_pem_file(*pinned_file);
    if (!pins) return "--pinned: " + pins.error();
    out.pinned = std::move(pins).value();
  }
  return std::nullopt;
}

inspect::ConnectionInspection inspect_timeline(const Timeline& timeline, const DeploymentInputs& inputs) {
  inspect::InspectOptions options;
  options.trust_anchors = inputs.trust_anchors ? &*inputs.trust_anchors : nullptr;
  options.pinned = inputs.pinned ? &*inputs.pinned : nullptr;
  if (timeline.capture_start_epoch > 0) options.capture_start_epoch = static_cast<int64_t>(timeline.capture_start_epoch);
  return inspect::inspect_connection(timeline, options);
}

report::Deployment to_report(const Timeline& timeline, const inspect::ConnectionInspection& inspection,
                             const Judgement& judgement, bool keep_explain) {
  report::Deployment out;
  if (inspection.client_certificate && inspection.client_certificate->ok())
    out.client_certificate = to_report(inspection.client_certificate->value());
  if (inspection.server_reaction) {
    out.server_reaction = inspection.server_reaction->to_string();
    out.server_reaction_inferred = inspection.server_reaction->inferred;
  }
  if (inspection.fit) out.certificate_request_fit = to_report(*inspection.fit);
  if (inspection.server_identity) out.server_identity = to_report(*inspection.server_identity, sni_of(timeline));
  if (keep_explain) out.explain_lines = inspection.explain_lines(not_trusted_messages(judgement));
  return out;
}

}  // namespace tlsflags::cli
