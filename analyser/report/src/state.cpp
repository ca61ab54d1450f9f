// The mergeable state's records (state.hpp): every field a writer shows, so that a merge writes what the
// run over the captures would. Enumerations are written by their names (rule ids as docs/rules.md
// names them), so a state does not depend on the order of an enum in this build.
#include "tlsflags/report/state.hpp"

#include <nlohmann/json.hpp>
#include <stdexcept>

namespace tlsflags::report::state {
namespace {

using Json = nlohmann::ordered_json;

// nlohmann's compact form; text from a capture that is not UTF-8 is replaced, as in the reports.
std::string dump(const Json& value) { return value.dump(-1, ' ', false, Json::error_handler_t::replace); }

// The enumerator whose name is `name`, among the `count` first of E.
template <typename E>
E enum_from_name(const std::string& name, size_t count, const char* what) {
  for (size_t i = 0; i < count; ++i)
    if (to_string(static_cast<E>(i)) == name) return static_cast<E>(i);
  throw std::runtime_error(std::string("unknown ") + what + " \"" + name + "\"");
}

constexpr size_t kSeverities = 3, kVerdicts = kVerdictCount, kParties = 2, kFlagsProblems = 4;
constexpr size_t kEventTypes = static_cast<size_t>(EventType::application_data) + 1;

template <typename T>
void put_optional(Json& out, const char* key, const std::optional<T>& value) {
  if (value) out[key] = *value;
}
template <typename T>
std::optional<T> get_optional(const Json& in, const char* key) {
  auto at = in.find(key);
  if (at == in.end() || at->is_null()) return std::nullopt;
  return at->get<T>();
}

Json endpoint_json(const Endpoint& e) { return Json::array({e.address, e.port}); }
Endpoint endpoint_from(const Json& in) { return {in.at(0).get<std::string>(), in.at(1).get<uint16_t>()}; }

Json finding_json(const Finding& f) {
  Json out = {{"rule", rule_info(f.rule).name}, {"severity", to_string(f.severity)}, {"message", f.message},
              {"frames", f.frames}};
  if (const auto& request = f.post_handshake_request)  // additive: RFC 8446 §4.6.2 requests only
    out["post_handshake_request"] = {{"frame", request->frame}, {"context", request->context}};
  if (const auto& certificate = f.compressed_certificate)  // additive: RFC 8879
    out["compressed_certificate"] = {{"frame", certificate->frame}, {"algorithm", certificate->algorithm},
                                     {"inflation", to_string(certificate->outcome)}};
  return out;
}
InflationOutcome inflation_from(const Json& in) {
  const std::string name = in.get<std::string>();
  for (auto outcome : {InflationOutcome::ok, InflationOutcome::unknown_algorithm, InflationOutcome::declared_length_invalid,
                       InflationOutcome::corrupt, InflationOutcome::length_mismatch, InflationOutcome::ratio_exceeded,
                       InflationOutcome::not_a_certificate})
    if (to_string(outcome) == name) return outcome;
  throw std::runtime_error("unknown inflation outcome \"" + name + "\"");
}
RuleId rule_from(const Json& in) {
  const std::string name = in.get<std::string>();
  if (auto rule = rule_from_name(name)) return *rule;
  throw std::runtime_error("unknown rule \"" + name + "\"");
}
Finding finding_from(const Json& in) {
  Finding f{rule_from(in.at("rule")),
            enum_from_name<Severity>(in.at("severity").get<std::string>(), kSeverities, "severity"),
            in.at("message").get<std::string>(), in.at("frames").get<std::vector<uint64_t>>()};
  if (auto request = in.find("post_handshake_request"); request != in.end())
    f.post_handshake_request = RequestRef{request->at("frame").get<uint64_t>(), request->at("context").get<std::string>()};
  if (auto certificate = in.find("compressed_certificate"); certificate != in.end())
    f.compressed_certificate = CompressedCertificateRef{certificate->at("frame").get<uint64_t>(),
                                                        certificate->at("algorithm").get<uint16_t>(),
                                                        inflation_from(certificate->at("inflation"))};
  return f;
}

Json judgement_json(const Judgement& j) {
  Json out = {{"verdict", to_string(j.verdict)}, {"findings", Json::array()}, {"undecided", Json::array()},
              {"flags_seen", j.flags_seen}, {"before_tls13", j.before_tls13},
              {"client_offered", j.rca.client_offered}, {"client_certificate", j.rca.client_certificate}};
  for (const Finding& f : j.findings) out["findings"].push_back(finding_json(f));
  for (const Undecided& u : j.undecided) out["undecided"].push_back({{"rule", rule_info(u.rule).name}, {"reason", u.reason}});
  put_optional(out, "server_acknowledged", j.rca.server_acknowledged);
  if (j.rca.post_handshake_requests > 0) out["post_handshake_requests"] = j.rca.post_handshake_requests;
  return out;
}
Judgement judgement_from(const Json& in) {
  Judgement j;
  j.verdict = enum_from_name<Verdict>(in.at("verdict").get<std::string>(), kVerdicts, "verdict");
  for (const Json& f : in.at("findings")) j.findings.push_back(finding_from(f));
  for (const Json& u : in.at("undecided")) j.undecided.push_back({rule_from(u.at("rule")), u.at("reason").get<std::string>()});
  j.flags_seen = in.at("flags_seen").get<bool>();
  j.before_tls13 = in.at("before_tls13").get<bool>();
  j.rca.client_offered = in.at("client_offered").get<bool>();
  j.rca.client_certificate = in.at("client_certificate").get<std::string>();
  j.rca.server_acknowledged = get_optional<bool>(in, "server_acknowledged");
  j.rca.post_handshake_requests = get_optional<size_t>(in, "post_handshake_requests").value_or(0);
  return j;
}

Json certificate_json(const ClientCertificateDetails& c) {
  return {{"subject", c.subject}, {"issuer", c.issuer}, {"san", c.san}, {"not_before", c.not_before},
          {"not_after", c.not_after}, {"key_type", c.key_type}, {"sha256", c.sha256}};
}
ClientCertificateDetails certificate_from(const Json& in) {
  return {in.at("subject").get<std::string>(), in.at("issuer").get<std::string>(),
          in.at("san").get<std::vector<std::string>>(), in.at("not_before").get<std::string>(),
          in.at("not_after").get<std::string>(), in.at("key_type").get<std::string>(),
          in.at("sha256").get<std::string>()};
}

Json fit_json(const CertificateRequestFit& f) {
  // Json::array: a list of [string, value] pairs in braces would become an object.
  auto part = [](const FitPart& p) { return Json::array({p.fit, p.explanation}); };
  return Json::array({part(f.certificate_authorities), part(f.certificate_signature), part(f.key)});
}
CertificateRequestFit fit_from(const Json& in) {
  auto part = [](const Json& p) { return FitPart{p.at(0).get<std::string>(), p.at(1).get<std::string>()}; };
  return {part(in.at(0)), part(in.at(1)), part(in.at(2))};
}

Json identity_json(const ServerIdentity& s) {
  Json out = {{"sni", s.sni}, {"matched", s.matched}, {"rule", s.rule}, {"matched_identifier", s.matched_identifier},
              {"presented", s.presented}, {"explanation", s.explanation}};
  put_optional(out, "error", s.error);
  return out;
}
ServerIdentity identity_from(const Json& in) {
  ServerIdentity s;
  s.sni = in.at("sni").get<std::string>();
  s.error = get_optional<std::string>(in, "error");
  s.matched = in.at("matched").get<bool>();
  s.rule = in.at("rule").get<std::string>();
  s.matched_identifier = in.at("matched_identifier").get<std::string>();
  s.presented = in.at("presented").get<std::vector<std::string>>();
  s.explanation = in.at("explanation").get<std::string>();
  return s;
}

Json deployment_json(const Deployment& d) {
  Json out = Json::object();
  if (d.client_certificate) out["client_certificate"] = certificate_json(*d.client_certificate);
  put_optional(out, "server_reaction", d.server_reaction);
  if (d.server_reaction_inferred) out["server_reaction_inferred"] = true;
  if (d.certificate_request_fit) out["certificate_request_fit"] = fit_json(*d.certificate_request_fit);
  if (d.server_identity) out["server_identity"] = identity_json(*d.server_identity);
  if (!d.explain_lines.empty()) out["explain_lines"] = d.explain_lines;
  return out;
}
Deployment deployment_from(const Json& in) {
  Deployment d;
  if (in.contains("client_certificate")) d.client_certificate = certificate_from(in.at("client_certificate"));
  d.server_reaction = get_optional<std::string>(in, "server_reaction");
  d.server_reaction_inferred = in.value("server_reaction_inferred", false);
  if (in.contains("certificate_request_fit")) d.certificate_request_fit = fit_from(in.at("certificate_request_fit"));
  if (in.contains("server_identity")) d.server_identity = identity_from(in.at("server_identity"));
  d.explain_lines = in.value("explain_lines", std::vector<std::string>{});
  return d;
}

// An event as the writers read it (certificate DER is never kept in a result).
Json event_json(const Event& e) {
  Json out = {{"type", to_string(e.type)}, {"from", to_string(e.from)}, {"frame", e.frame}, {"time", e.time}};
  if (e.flags) {
    std::vector<uint16_t> flags;
    e.flags->decoded.flags.for_each([&](uint16_t flag) { flags.push_back(flag); });
    out["flags"] = {{"set", flags}, {"problem", to_string(e.flags->decoded.problem)},
                    {"declared_length", e.flags->decoded.declared_length}, {"duplicate", e.flags->duplicate}};
  }
  if (e.offers_tls13) out["offers_tls13"] = true;
  if (e.ech_outer) out["ech_outer"] = true;
  if (!e.server_name.empty()) out["server_name"] = e.server_name;
  if (e.selected_version) out["selected_version"] = e.selected_version;
  if (!e.certificate_authorities.empty()) out["certificate_authorities"] = e.certificate_authorities;
  if (!e.signature_algorithms.empty()) out["signature_algorithms"] = e.signature_algorithms;
  if (!e.signature_algorithms_cert.empty()) out["signature_algorithms_cert"] = e.signature_algorithms_cert;
  if (e.certificate_entries) out["certificate_entries"] = e.certificate_entries;
  if (!e.certificate_request_context.empty()) out["certificate_request_context"] = e.certificate_request_context;
  if (!e.compress_certificate_algorithms.empty()) out["compress_certificate"] = e.compress_certificate_algorithms;
  if (e.compression)
    out["compression"] = {{"algorithm", e.compression->algorithm}, {"inflation", to_string(e.compression->outcome)},
                          {"uncompressed_length", e.compression->uncompressed_length}};
  if (e.type == EventType::alert) out["alert"] = Json::array({e.alert_level, e.alert_description});
  return out;
}
Event event_from(const Json& in) {
  Event e;
  e.type = enum_from_name<EventType>(in.at("type").get<std::string>(), kEventTypes, "event type");
  e.from = enum_from_name<Party>(in.at("from").get<std::string>(), kParties, "party");
  e.frame = in.at("frame").get<uint64_t>();
  e.time = in.at("time").get<double>();
  if (auto flags = in.find("flags"); flags != in.end()) {
    FlagsInMessage message;
    const auto set = flags->at("set").get<std::vector<uint16_t>>();
    message.decoded.flags = FlagSet::from_numbers(set);
    message.decoded.problem =
        enum_from_name<FlagsProblem>(flags->at("problem").get<std::string>(), kFlagsProblems, "flags problem");
    message.decoded.declared_length = flags->at("declared_length").get<uint8_t>();
    message.duplicate = flags->at("duplicate").get<bool>();
    e.flags = std::move(message);
  }
  e.offers_tls13 = in.value("offers_tls13", false);
  e.ech_outer = in.value("ech_outer", false);
  e.server_name = in.value("server_name", std::string());
  e.selected_version = in.value("selected_version", uint16_t{0});
  e.certificate_authorities = in.value("certificate_authorities", std::vector<std::string>{});
  e.signature_algorithms = in.value("signature_algorithms", std::vector<uint16_t>{});
  e.signature_algorithms_cert = in.value("signature_algorithms_cert", std::vector<uint16_t>{});
  e.certificate_entries = in.value("certificate_entries", uint32_t{0});
  e.certificate_request_context = in.value("certificate_request_context", std::string());
  e.compress_certificate_algorithms = in.value("compress_certificate", std::vector<uint16_t>{});
  if (auto compression = in.find("compression"); compression != in.end())
    e.compression = CertificateCompression{compression->at("algorithm").get<uint16_t>(),
                                           inflation_from(compression->at("inflation")),
                                           compression->at("uncompressed_length").get<uint32_t>()};
  if (auto alert = in.find("alert"); alert != in.end()) {
    e.alert_level = alert->at(0).get<uint8_t>();
    e.alert_description = alert->at(1).get<uint8_t>();
  }
  return e;
}

Json trust_anchors_json(const TrustAnchorsInput& t) {
  return {{"server", t.server}, {"file", t.file}, {"request_frame", t.request_frame},
          {"accepts_flag", t.accepts_flag}, {"certificate_authorities", t.certificate_authorities}};
}
TrustAnchorsInput trust_anchors_from(const Json& in) {
  return {in.at("server").get<std::string>(), in.at("file").get<std::string>(),
          in.at("request_frame").get<uint64_t>(), in.at("accepts_flag").get<bool>(),
          in.at("certificate_authorities").get<std::vector<std::string>>()};
}

Json anomaly_json(const Anomaly& a) {
  return {{"kind", a.kind}, {"count", a.count}, {"first_frame", a.first_frame}, {"message", a.message}};
}
Anomaly anomaly_from(const Json& in) {
  return {in.at("kind").get<std::string>(), in.at("count").get<uint64_t>(), in.at("first_frame").get<uint64_t>(),
          in.at("message").get<std::string>()};
}

Json record(const char* type) { return {{"type", type}}; }

// Parses a line and checks that it is a record of `type`; nlohmann's own errors become runtime_error.
Json parse_record(std::string_view line, const char* type) {
  Json in = Json::parse(line, nullptr, false);
  if (in.is_discarded() || !in.is_object()) throw std::runtime_error("not a JSON object");
  if (in.value("type", std::string()) != type) throw std::runtime_error(std::string("not a \"") + type + "\" record");
  return in;
}

template <typename Fn>
auto parsing(Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(e.what());
  }
}

// "tcp", "quic", "dtls" (to_string's names) back to the Transport.
Transport transport_from(const std::string& name) {
  for (Transport t : {Transport::tcp, Transport::quic, Transport::dtls})
    if (to_string(t) == name) return t;
  throw std::runtime_error("unknown transport " + name);
}

}  // namespace

bool same_judgement_settings(const Settings& a, const Settings& b) {
  return a.rules.request_client_auth_flag == b.rules.request_client_auth_flag && a.rules.profile == b.rules.profile &&
         a.rules.slow_certificate_seconds == b.rules.slow_certificate_seconds && a.flags_extension == b.flags_extension;
}

std::string header_line(const Settings& s) {
  Json out = record(kFormatName.data());
  out["version"] = kVersion;
  out["settings"] = {{"rca_flag", s.rules.request_client_auth_flag}, {"profile", to_string(s.rules.profile)},
                     {"slow_certificate_seconds", s.rules.slow_certificate_seconds},
                     {"flags_extension", s.flags_extension}, {"events", s.events}, {"explain", s.explain},
                     {"tool_version", s.tool_version}};
  return dump(out) + '\n';
}

std::string connection_line(size_t capture, const ConnectionResult& r,
                            const std::optional<TrustAnchorsInput>& trust_anchors) {
  Json out = record("connection");
  out["capture"] = capture;
  out["file"] = r.file;
  out["client"] = endpoint_json(r.client);
  out["server"] = endpoint_json(r.server);
  out["transport"] = to_string(r.transport);
  out["first_frame"] = r.first_frame;
  out["last_frame"] = r.last_frame;
  out["tls_version"] = r.tls_version;
  out["decrypted"] = r.decrypted;
  out["flags_seen"] = r.flags_seen;
  out["server_name"] = r.server_name;
  if (!r.upgrade.empty()) out["upgrade"] = r.upgrade;
  out["judgement"] = judgement_json(r.judgement);
  out["deployment"] = deployment_json(r.deployment);
  if (!r.events.empty()) {
    Json events = Json::array();
    for (const Event& e : r.events) events.push_back(event_json(e));
    out["events"] = std::move(events);
  }
  if (trust_anchors) out["trust_anchors"] = trust_anchors_json(*trust_anchors);
  return dump(out) + '\n';
}

std::string capture_line(const Capture& c) {
  Json out = record("capture");
  out["capture"] = c.index;
  out["file"] = c.file;
  out["sha256"] = c.sha256;
  put_optional(out, "read_error", c.read_error);
  put_optional(out, "cut_short", c.cut_short);
  out["warnings"] = c.warnings;
  out["anomalies"] = Json::array();
  for (const Anomaly& a : c.anomalies) out["anomalies"].push_back(anomaly_json(a));
  return dump(out) + '\n';
}

std::string end_line(const std::vector<Said>& diagnostics) {
  Json out = record("end");
  out["diagnostics"] = Json::array();
  for (const Said& said : diagnostics) out["diagnostics"].push_back({{"message", said.message}, {"trouble", said.trouble}});
  return dump(out) + '\n';
}

std::optional<LineType> peek_type(std::string_view line) {
  static constexpr std::pair<std::string_view, LineType> kStarts[] = {
      {"{\"type\":\"connection\"", LineType::connection},
      {"{\"type\":\"capture\"", LineType::capture},
      {"{\"type\":\"end\"", LineType::end},
      {"{\"type\":\"tlsflags-state\"", LineType::header},
  };
  for (const auto& [start, type] : kStarts)
    if (line.starts_with(start)) return type;
  return std::nullopt;
}

Settings parse_header(std::string_view line) {
  return parsing([&] {
    Json in = parse_record(line, kFormatName.data());
    const int version = in.at("version").get<int>();
    if (version != kVersion)
      throw std::runtime_error("state version " + std::to_string(version) + ", this tlsflags-check reads version " +
                               std::to_string(kVersion));
    const Json& s = in.at("settings");
    Settings out;
    out.rules.request_client_auth_flag = s.at("rca_flag").get<uint16_t>();
    auto profile = profile_from_name(s.at("profile").get<std::string>());
    if (!profile) throw std::runtime_error("unknown profile");
    out.rules.profile = *profile;
    out.rules.slow_certificate_seconds = s.at("slow_certificate_seconds").get<double>();
    out.flags_extension = s.at("flags_extension").get<uint16_t>();
    out.events = s.at("events").get<bool>();
    out.explain = s.at("explain").get<bool>();
    out.tool_version = s.at("tool_version").get<std::string>();
    return out;
  });
}

Connection parse_connection(std::string_view line) {
  return parsing([&] {
    Json in = parse_record(line, "connection");
    Connection c;
    ConnectionResult& r = c.result;
    r.file = in.at("file").get<std::string>();
    r.client = endpoint_from(in.at("client"));
    r.server = endpoint_from(in.at("server"));
    r.transport = transport_from(in.value("transport", std::string("tcp")));  // absent in older states: tcp
    r.first_frame = in.at("first_frame").get<uint64_t>();
    r.last_frame = in.at("last_frame").get<uint64_t>();
    r.tls_version = in.at("tls_version").get<std::string>();
    r.decrypted = in.at("decrypted").get<bool>();
    r.flags_seen = in.at("flags_seen").get<bool>();
    r.server_name = in.at("server_name").get<std::string>();
    r.upgrade = in.value("upgrade", std::string());
    r.judgement = judgement_from(in.at("judgement"));
    r.deployment = deployment_from(in.at("deployment"));
    if (auto events = in.find("events"); events != in.end())
      for (const Json& e : *events) r.events.push_back(event_from(e));
    if (auto anchors = in.find("trust_anchors"); anchors != in.end()) c.trust_anchors = trust_anchors_from(*anchors);
    return c;
  });
}

Capture parse_capture(std::string_view line) {
  return parsing([&] {
    Json in = parse_record(line, "capture");
    Capture c;
    c.index = in.at("capture").get<size_t>();
    c.file = in.at("file").get<std::string>();
    c.sha256 = in.at("sha256").get<std::string>();
    c.read_error = get_optional<std::string>(in, "read_error");
    c.cut_short = get_optional<std::string>(in, "cut_short");
    c.warnings = in.at("warnings").get<std::vector<std::string>>();
    for (const Json& a : in.at("anomalies")) c.anomalies.push_back(anomaly_from(a));
    return c;
  });
}

std::vector<Said> parse_end(std::string_view line) {
  return parsing([&] {
    Json in = parse_record(line, "end");
    std::vector<Said> out;
    for (const Json& d : in.at("diagnostics")) out.push_back({d.at("message").get<std::string>(), d.at("trouble").get<bool>()});
    return out;
  });
}

}  // namespace tlsflags::report::state
