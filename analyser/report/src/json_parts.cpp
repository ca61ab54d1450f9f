#include "json_parts.hpp"

#include <cmath>

#include "names.hpp"

namespace tlsflags::report::json_parts {
namespace {

Json alert_level(uint8_t level) {
  if (auto name = alert_level_name(level)) return *name;
  return level;  // not a level RFC 8446 defines: show the number rather than guess
}

Json set_flags(const FlagsInMessage& flags) {
  Json numbers = Json::array();
  flags.decoded.flags.for_each([&](uint16_t flag) { numbers.push_back(flag); });
  return numbers;
}

Json nullable_string(const std::string& text) { return text.empty() ? Json(nullptr) : Json(text); }

}  // namespace

std::string dump(const Json& value) { return value.dump(-1, ' ', false, Json::error_handler_t::replace); }

double rounded_time(double seconds) { return std::round(seconds * 1e9) / 1e9; }

Json findings(const std::vector<Finding>& findings) {
  Json out = Json::array();
  for (const Finding& finding : findings) {
    out.push_back({{"rule", rule_info(finding.rule).name},
                   {"severity", to_string(finding.severity)},
                   {"message", finding.message},
                   {"frames", finding.frames}});
  }
  return out;
}

Json undecided(const std::vector<Undecided>& undecided) {
  Json out = Json::array();
  for (const Undecided& item : undecided)
    out.push_back({{"rule", rule_info(item.rule).name}, {"reason", item.reason}});
  return out;
}

Json rca(const RcaSummary& rca) {
  Json acknowledged = rca.server_acknowledged ? Json(*rca.server_acknowledged) : Json(nullptr);
  return {{"client_offered", rca.client_offered},
          {"server_acknowledged", acknowledged},
          {"client_certificate", rca.client_certificate}};
}

namespace {

Json certificate_details(const ClientCertificateDetails& d) {
  return {{"subject", d.subject}, {"issuer", d.issuer},     {"san", d.san},
          {"not_before", d.not_before}, {"not_after", d.not_after}, {"key_type", d.key_type},
          {"sha256", d.sha256}};
}

Json fit_part(const FitPart& part) { return {{"fit", part.fit}, {"explanation", part.explanation}}; }

Json certificate_request_fit(const CertificateRequestFit& fit) {
  return {{"certificate_authorities", fit_part(fit.certificate_authorities)},
          {"certificate_signature", fit_part(fit.certificate_signature)},
          {"key", fit_part(fit.key)}};
}

}  // namespace

Json rca(const RcaSummary& summary, const Deployment& deployment) {
  Json out = rca(summary);
  if (deployment.client_certificate) out["client_certificate_details"] = certificate_details(*deployment.client_certificate);
  if (deployment.server_reaction) {
    out["server_reaction"] = *deployment.server_reaction;
    if (deployment.server_reaction_inferred) out["server_reaction_inferred"] = true;
  }
  if (deployment.certificate_request_fit)
    out["certificate_request_fit"] = certificate_request_fit(*deployment.certificate_request_fit);
  return out;
}

Json server_identity(const ServerIdentity& identity) {
  Json out = {{"sni", identity.sni}};
  if (identity.error) {
    out["error"] = *identity.error;
    return out;
  }
  out["matched"] = identity.matched;
  out["rule"] = identity.rule;
  if (identity.matched) out["matched_identifier"] = identity.matched_identifier;
  out["presented"] = identity.presented;
  return out;
}

Json verdict_counts(const VerdictCounts& counts) {
  Json out = Json::object();
  for (size_t i = 0; i < kVerdictCount; ++i) out[std::string(to_string(static_cast<Verdict>(i)))] = counts[i];
  return out;
}

std::optional<Json> event(const Event& event) {
  if (is_visibility_marker(event.type)) return std::nullopt;
  Json out = {{"frame", event.frame},
              {"time", rounded_time(event.time)},
              {"from", to_string(event.from)},
              {"type", to_string(event.type)}};
  if (event.flags) out["flags"] = set_flags(*event.flags);
  if (event.type == EventType::alert) {
    out["level"] = alert_level(event.alert_level);
    out["description"] = alert_name(event.alert_description);
  }
  return out;
}

Json connection(const ConnectionResult& connection, bool with_events) {
  const Judgement& judgement = connection.judgement;
  Json out = {{"type", "connection"},
              {"file", connection.file},
              {"client", connection.client.to_string()},
              {"server", connection.server.to_string()},
              {"first_frame", connection.first_frame},
              {"last_frame", connection.last_frame},
              {"tls_version", nullable_string(connection.tls_version)},
              {"decrypted", connection.decrypted},
              {"rca", rca(judgement.rca, connection.deployment)},
              {"verdict", to_string(judgement.verdict)},
              {"findings", findings(judgement.findings)}};
  if (!judgement.undecided.empty()) out["undecidable"] = undecided(judgement.undecided);
  if (connection.deployment.server_identity) out["server_identity"] = server_identity(*connection.deployment.server_identity);
  if (with_events) {
    Json events = Json::array();
    for (const Event& e : connection.events)
      if (auto json = event(e)) events.push_back(std::move(*json));
    out["events"] = std::move(events);
  }
  return out;
}

}  // namespace tlsflags::report::json_parts
