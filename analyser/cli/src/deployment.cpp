#include "deployment.hpp"

#include <algorithm>
#include <utility>

namespace tlsflags::cli {
namespace {

std::vector<uint64_t> frames_of(std::initializer_list<uint64_t> frames) {
  std::vector<uint64_t> out;
  for (uint64_t frame : frames)
    if (frame != 0) out.push_back(frame);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

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

// deploy.client-certificate-not-trusted: the inspection's warnings are exactly the "accepted despite
// anchors / pins" texts (connection_inspection.hpp).
void add_not_trusted(const inspect::ConnectionInspection& inspection, std::vector<Finding>& out) {
  if (inspection.warnings.empty() || !inspection.server_reaction) return;
  const inspect::ServerReaction& reaction = *inspection.server_reaction;
  for (const std::string& warning : inspection.warnings)
    out.push_back({RuleId::deploy_client_certificate_not_trusted, Severity::warning, warning,
                   frames_of({reaction.anchor_frame, reaction.frame})});
}

// deploy.server-identity-mismatch: RFC 9525 §6.3, the SNI is the reference identifier.
void add_identity_mismatch(const Timeline& timeline, const inspect::ConnectionInspection& inspection,
                           std::vector<Finding>& out) {
  if (!inspection.server_identity || !inspection.server_identity->ok()) return;
  const inspect::IdentityCheck& check = inspection.server_identity->value();
  if (check.matched) return;
  const Event* hello = timeline.first(EventType::client_hello, Party::client);
  const Event* certificate = timeline.first(EventType::certificate, Party::server);
  out.push_back({RuleId::deploy_server_identity_mismatch, Severity::warning,
                 "the server's certificate does not match the SNI: " + check.explanation,
                 frames_of({hello ? hello->frame : 0, certificate ? certificate->frame : 0})});
}

// deploy.client-certificate-unfit: RFC 8446 §4.4.2.3, the CA and signature parts of the fit.
void add_unfit(const Timeline& timeline, const inspect::ConnectionInspection& inspection, std::vector<Finding>& out) {
  if (!inspection.fit) return;
  const inspect::CertificateRequestFit& fit = *inspection.fit;
  std::string message;
  auto add = [&](inspect::Fit part, const std::string& explanation) {
    if (part == inspect::Fit::does_not_fit) message += (message.empty() ? "" : "; ") + explanation;
  };
  add(fit.authorities.fit, fit.authorities.explanation);
  add(fit.certificate_signature.fit, fit.certificate_signature.explanation);
  if (message.empty()) return;
  const Event* request = timeline.first(EventType::certificate_request, Party::server);
  const Event* answer = request ? timeline.first(EventType::certificate, Party::client, request) : nullptr;
  out.push_back({RuleId::deploy_client_certificate_unfit, Severity::info,
                 "the client's certificate does not fit the CertificateRequest: " + message,
                 frames_of({request ? request->frame : 0, answer ? answer->frame : 0})});
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
                             bool keep_explain) {
  report::Deployment out;
  if (inspection.client_certificate && inspection.client_certificate->ok())
    out.client_certificate = to_report(inspection.client_certificate->value());
  if (inspection.server_reaction) {
    out.server_reaction = inspection.server_reaction->to_string();
    out.server_reaction_inferred = inspection.server_reaction->inferred;
  }
  if (inspection.fit) out.certificate_request_fit = to_report(*inspection.fit);
  if (inspection.server_identity) out.server_identity = to_report(*inspection.server_identity, sni_of(timeline));
  if (keep_explain) out.explain_lines = inspection.explain_lines();
  return out;
}

std::vector<Finding> deployment_findings(const Timeline& timeline, const inspect::ConnectionInspection& inspection) {
  std::vector<Finding> out;
  add_not_trusted(inspection, out);
  add_identity_mismatch(timeline, inspection, out);
  add_unfit(timeline, inspection, out);
  return out;
}

}  // namespace tlsflags::cli
