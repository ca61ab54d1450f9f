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
              {"rca", rca(judgement.rca)},
              {"verdict", to_string(judgement.verdict)},
              {"findings", findings(judgement.findings)}};
  if (!judgement.undecided.empty()) out["undecidable"] = undecided(judgement.undecided);
  if (with_events) {
    Json events = Json::array();
    for (const Event& e : connection.events)
      if (auto json = event(e)) events.push_back(std::move(*json));
    out["events"] = std::move(events);
  }
  return out;
}

}  // namespace tlsflags::report::json_parts
