#include "tlsflags/inspect/connection_inspection.hpp"

#include <cmath>
#include <string>
#include <unordered_map>
#include <utility>

namespace tlsflags::inspect {
namespace {

// A day of traffic presents the same few certificates thousands of times, and parsing one (d2i_X509,
// public key decoding) costs far more than the rest of a connection's analysis (docs/performance.md).
// Results depend only on their inputs, so each thread remembers them by the exact input bytes; the
// bound keeps memory flat whatever the capture holds.
template <typename Value>
class Memo {
 public:
  // The key is copied only when it is new.
  template <typename Compute>
  const Value& get(const std::string& key, Compute&& compute) {
    if (values_.size() >= kMaxEntries) values_.clear();
    auto it = values_.find(key);
    if (it == values_.end()) it = values_.emplace(key, compute()).first;
    return it->second;
  }

 private:
  static constexpr size_t kMaxEntries = 4096;
  std::unordered_map<std::string, Value> values_;
};

void append_bytes(std::string& key, std::span<const uint8_t> bytes) {
  const auto size = static_cast<uint64_t>(bytes.size());  // length-prefixed, so adjacent fields cannot run together
  key.append(reinterpret_cast<const char*>(&size), sizeof size);
  key.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

Outcome<CertificateDetails> described(std::span<const uint8_t> der) {
  thread_local Memo<Outcome<CertificateDetails>> memo;
  thread_local std::string key;
  key.clear();
  append_bytes(key, der);
  return memo.get(key, [&] { return describe_certificate(der); });
}

Outcome<IdentityCheck> identity_of(std::span<const uint8_t> der, const std::string& sni, IdentityRules rules) {
  thread_local Memo<Outcome<IdentityCheck>> memo;
  thread_local std::string key;
  key.clear();
  append_bytes(key, der);
  append_bytes(key, {reinterpret_cast<const uint8_t*>(sni.data()), sni.size()});
  key += static_cast<char>(rules);
  return memo.get(key, [&] { return check_server_identity(der, sni, rules); });
}

void append_count(std::string& key, size_t count) {
  const auto value = static_cast<uint32_t>(count);
  key.append(reinterpret_cast<const char*>(&value), sizeof value);
}

void append_schemes(std::string& key, const std::vector<uint16_t>& schemes) {
  append_count(key, schemes.size());
  key.append(reinterpret_cast<const char*>(schemes.data()), schemes.size() * sizeof(uint16_t));
}

CertificateRequestFit fit_of(const Event& request, const Event& answer) {
  thread_local Memo<CertificateRequestFit> memo;
  thread_local std::string key;  // every part counted or length-prefixed, so parts cannot run together
  key.clear();
  append_count(key, request.certificate_authorities.size());
  for (const std::string& ca : request.certificate_authorities)
    append_bytes(key, {reinterpret_cast<const uint8_t*>(ca.data()), ca.size()});
  append_schemes(key, request.signature_algorithms);
  append_schemes(key, request.signature_algorithms_cert);
  append_count(key, answer.certificate_entries);
  append_count(key, answer.certificate_chain_der.size());
  for (const auto& der : answer.certificate_chain_der) append_bytes(key, der);
  return memo.get(key, [&] { return check_certificate_request_fit(request, answer); });
}

bool has_der(const Event* certificate) {
  return certificate != nullptr && certificate->certificate_entries > 0 && !certificate->certificate_chain_der.empty();
}

void verify_against_anchors(ConnectionInspection& out, const Event& certificate, const InspectOptions& options) {
  if (!options.capture_start_epoch) {
    out.notes.push_back("no capture start time: the client's chain was not verified against the trust anchors");
    return;
  }
  // Verify at the moment the certificate was on the wire, not today (an old capture stays meaningful).
  int64_t at = *options.capture_start_epoch + static_cast<int64_t>(std::floor(certificate.time));
  out.chain = verify_client_chain(certificate.certificate_chain_der, *options.trust_anchors, at);
}

void describe_client_certificate(ConnectionInspection& out, const Event& certificate, const InspectOptions& options) {
  const Der& leaf = certificate.certificate_chain_der.front();
  out.client_certificate = described(leaf);
  if (options.trust_anchors) verify_against_anchors(out, certificate, options);
  if (options.pinned) out.pin = match_pinned(leaf, *options.pinned);
}

void judge_server_identity(ConnectionInspection& out, const Timeline& timeline, const InspectOptions& options) {
  const Event* hello = timeline.first(EventType::client_hello, Party::client);
  const Event* certificate = timeline.first(EventType::certificate, Party::server);
  if (certificate && !certificate->certificate_known()) {  // RFC 8879: compressed, and not inflatable
    out.notes.push_back(unknown_certificate_reason(*certificate) + ": the server identity was not checked");
    return;
  }
  if (hello == nullptr || !has_der(certificate)) return;
  if (hello->ech_outer) {
    // With ECH the SNI on the wire is the outer public name; the name the client meant is inside.
    out.notes.push_back("the ClientHello uses ECH: the real server name is hidden, so the server identity was not checked");
    return;
  }
  out.server_identity = identity_of(certificate->certificate_chain_der.front(), hello->server_name,
                                    options.identity_rules);
}

void add_trust_failures(const ConnectionInspection& inspection, CertificateFacts& out) {
  if (!inspection.client_certificate || !inspection.client_certificate->ok()) return;  // no leaf to name
  const CertificateDetails& leaf = inspection.client_certificate->value();
  out.leaf_subject = leaf.subject;
  out.leaf_sha256 = leaf.sha256;
  auto add = [&](std::optional<std::string> failure) {
    if (failure) out.trust_failures.push_back(std::move(*failure));
  };
  if (inspection.chain) add(trust_failure(*inspection.chain));
  if (inspection.pin) add(pin_failure(*inspection.pin));
}

void add_unfit(const ConnectionInspection& inspection, CertificateFacts& out) {
  if (!inspection.fit) return;
  auto add = [&](Fit fit, const std::string& explanation) {
    if (fit == Fit::does_not_fit) out.unfit.push_back(explanation);
  };
  add(inspection.fit->authorities.fit, inspection.fit->authorities.explanation);
  add(inspection.fit->certificate_signature.fit, inspection.fit->certificate_signature.explanation);
}

}  // namespace

CertificateFacts certificate_facts(const ConnectionInspection& inspection) {
  CertificateFacts out;
  add_trust_failures(inspection, out);
  const auto& identity = inspection.server_identity;
  if (identity && identity->ok() && !identity->value().matched) out.identity_mismatch = identity->value().explanation;
  add_unfit(inspection, out);
  return out;
}

Judgement judge_inspected(const Timeline& timeline, const RuleConfig& rules, const ConnectionInspection& inspection) {
  Judgement judgement = judge(timeline, rules);
  add_deployment_findings(judgement, timeline, certificate_facts(inspection));
  return judgement;
}

ConnectionInspection inspect_connection(const Timeline& timeline, const InspectOptions& options) {
  ConnectionInspection out;
  const Event* request = timeline.first(EventType::certificate_request, Party::server);
  const Event* answer = request ? timeline.first(EventType::certificate, Party::client, request) : nullptr;
  out.server_reaction = classify_server_reaction(timeline);
  if (answer && !answer->certificate_known()) {  // RFC 8879: compressed, and not inflatable
    out.notes.push_back(unknown_certificate_reason(*answer) + ": its details and its fit are not available");
  } else if (request && answer) {
    out.fit = fit_of(*request, *answer);
  }
  if (has_der(answer)) {
    describe_client_certificate(out, *answer, options);
  } else if (answer && answer->certificate_entries > 0) {
    out.notes.push_back("the capture source did not keep the client's certificate: its details are not available");
  }
  judge_server_identity(out, timeline, options);
  return out;
}

namespace {

std::string list_text(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out.empty() ? "(none)" : out;
}

void explain_certificate(std::vector<std::string>& lines, const Outcome<CertificateDetails>& certificate) {
  if (!certificate) {
    lines.push_back("client certificate: unreadable: " + certificate.error());
    return;
  }
  const CertificateDetails& d = certificate.value();
  lines.push_back("client certificate: subject " + d.subject);
  lines.push_back("  issuer " + d.issuer);
  lines.push_back("  san " + list_text(d.san));
  lines.push_back("  valid " + d.not_before + " to " + d.not_after);
  lines.push_back("  key " + d.key_type + ", signed with " + d.signature_algorithm);
  lines.push_back("  sha256 " + d.sha256);
}

void explain_fit(std::vector<std::string>& lines, const CertificateRequestFit& fit) {
  lines.push_back("fit with the CertificateRequest:");
  lines.push_back("  certificate_authorities: " + std::string(to_string(fit.authorities.fit)) + ": " + fit.authorities.explanation);
  lines.push_back("  certificate signatures: " + std::string(to_string(fit.certificate_signature.fit)) + ": " +
                  fit.certificate_signature.explanation);
  lines.push_back("  key for CertificateVerify: " + std::string(to_string(fit.key.fit)) + ": " + fit.key.explanation);
}

}  // namespace

std::vector<std::string> ConnectionInspection::explain_lines(std::span<const std::string> warnings) const {
  std::vector<std::string> lines;
  if (client_certificate) explain_certificate(lines, *client_certificate);
  if (fit) explain_fit(lines, *fit);
  if (server_reaction) lines.push_back("server reaction: " + server_reaction->to_string() + ": " + server_reaction->explanation);
  if (chain) lines.push_back("trust anchors: " + chain->explanation);
  if (pin) lines.push_back("pinned certificates: " + pin->explanation);
  if (server_identity) {
    lines.push_back(server_identity->ok() ? "server identity: " + std::string(server_identity->value().matched ? "match: " : "mismatch: ") +
                                                server_identity->value().explanation
                                          : "server identity: not checked: " + server_identity->error());
  }
  for (const auto& warning : warnings) lines.push_back("warning: " + warning);
  for (const auto& note : notes) lines.push_back("note: " + note);
  return lines;
}

}  // namespace tlsflags::inspect
