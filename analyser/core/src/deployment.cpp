#include "tlsflags/core/deployment.hpp"

#include <algorithm>
#include <initializer_list>
#include <utility>

#include "tlsflags/core/server_reaction.hpp"

namespace tlsflags {
namespace {

uint64_t frame_of(const Event* event) { return event ? event->frame : 0; }

// Evidence frames, ascending, without the zeros of events that were not there.
std::vector<uint64_t> frames_of(std::initializer_list<uint64_t> frames) {
  std::vector<uint64_t> out;
  for (uint64_t frame : frames)
    if (frame != 0) out.push_back(frame);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// docs/rules.md deploy.client-certificate-not-trusted: only a server that accepted the certificate is
// at fault; the evidence is the client's Certificate and the frame that showed the acceptance.
void add_not_trusted(const Timeline& timeline, const CertificateFacts& facts, std::vector<Finding>& out) {
  if (facts.trust_failures.empty()) return;
  std::optional<ServerReaction> reaction = classify_server_reaction(timeline);
  if (!reaction || reaction->kind != ServerReactionKind::accepted) return;
  std::string leaf = " (leaf " + facts.leaf_subject + ", sha256 " + facts.leaf_sha256 + ")";
  std::string inferred =
      reaction->inferred ? "; acceptance inferred: no alert from the server before the capture ended" : "";
  for (const std::string& failure : facts.trust_failures)
    out.push_back({RuleId::deploy_client_certificate_not_trusted, Severity::warning,
                   "the server accepted a certificate that " + failure + leaf + inferred,
                   frames_of({reaction->anchor_frame, reaction->frame})});
}

// deploy.server-identity-mismatch: RFC 9525 §6.3, the SNI is the reference identifier.
void add_identity_mismatch(const Timeline& timeline, const CertificateFacts& facts, std::vector<Finding>& out) {
  if (!facts.identity_mismatch) return;
  const Event* hello = timeline.first(EventType::client_hello, Party::client);
  const Event* certificate = timeline.first(EventType::certificate, Party::server);
  out.push_back({RuleId::deploy_server_identity_mismatch, Severity::warning,
                 "the server's certificate does not match the SNI: " + *facts.identity_mismatch,
                 frames_of({frame_of(hello), frame_of(certificate)})});
}

// deploy.client-certificate-unfit: RFC 8446 §4.4.2.3, the CA and signature parts of the fit.
void add_unfit(const Timeline& timeline, const CertificateFacts& facts, std::vector<Finding>& out) {
  if (facts.unfit.empty()) return;
  std::string message;
  for (const std::string& part : facts.unfit) message += (message.empty() ? "" : "; ") + part;
  const Event* request = timeline.first(EventType::certificate_request, Party::server);
  const Event* answer = request ? timeline.first(EventType::certificate, Party::client, request) : nullptr;
  out.push_back({RuleId::deploy_client_certificate_unfit, Severity::info,
                 "the client's certificate does not fit the CertificateRequest: " + message,
                 frames_of({frame_of(request), frame_of(answer)})});
}

}  // namespace

std::vector<Finding> deployment_findings(const Timeline& timeline, const CertificateFacts& facts) {
  std::vector<Finding> out;
  add_not_trusted(timeline, facts, out);
  add_identity_mismatch(timeline, facts, out);
  add_unfit(timeline, facts, out);
  return out;
}

std::vector<Undecided> undecided_deployment_rules(const Timeline& timeline) {
  std::vector<Undecided> out;
  const Event* server_certificate = timeline.first(EventType::certificate, Party::server);
  if (server_certificate && !server_certificate->certificate_known())
    out.push_back({RuleId::deploy_server_identity_mismatch,
                   unknown_certificate_reason(*server_certificate) + ": its identity was not checked"});
  const Event* request = timeline.first(EventType::certificate_request, Party::server);
  const Event* answer = request ? timeline.first(EventType::certificate, Party::client, request) : nullptr;
  if (answer && !answer->certificate_known())
    out.push_back({RuleId::deploy_client_certificate_unfit,
                   unknown_certificate_reason(*answer) + ": its fit with the CertificateRequest was not checked"});
  return out;
}

void add_deployment_findings(Judgement& judgement, const Timeline& timeline, const CertificateFacts& facts) {
  for (Finding& finding : deployment_findings(timeline, facts)) judgement.add(std::move(finding));
  // Only where judge() judged at all: without TLS Flags the connection stays not-applicable.
  if (judgement.flags_seen)
    for (Undecided& rule : undecided_deployment_rules(timeline)) judgement.add(std::move(rule));
}

}  // namespace tlsflags
