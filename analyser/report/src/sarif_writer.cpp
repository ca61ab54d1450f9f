// SARIF 2.1.0 (OASIS): one run; tool.driver.rules is the whole rule catalogue, so that a result's
// ruleIndex points at the rule's text; each finding is a result located in its capture file, with the
// connection as a logical location and the evidence frames as properties (SARIF regions address bytes
// or text lines, not packets). Rules that could not be judged are results of kind "open".
#include <algorithm>
#include <map>

#include "json_parts.hpp"
#include "names.hpp"
#include "tlsflags/report/escape.hpp"
#include "writers.hpp"

namespace tlsflags::report {
namespace {

using json_parts::Json;

constexpr std::string_view kSarifSchema = "https://json.schemastore.org/sarif-2.1.0.json";

std::string_view sarif_level(Severity severity) {
  switch (severity) {
    case Severity::error: return "error";
    case Severity::warning: return "warning";
    case Severity::info: return "note";
  }
  return "none";
}

size_t rule_index(RuleId id) {
  auto catalogue = rule_catalogue();
  auto it = std::find_if(catalogue.begin(), catalogue.end(), [&](const RuleInfo& r) { return r.id == id; });
  return static_cast<size_t>(it - catalogue.begin());
}

Json rule_descriptor(const RuleInfo& rule) {
  std::string full = std::string(rule.spec_text) + " (" + std::string(rule.source) + ")";
  return {{"id", rule.name},
          {"shortDescription", {{"text", rule.summary}}},
          {"fullDescription", {{"text", full}}},
          {"help", {{"text", "Broken when " + std::string(rule.summary) + ". The specification says: " + full}}},
          {"defaultConfiguration", {{"level", sarif_level(rule.severity)}}},
          {"properties", {{"source", rule.source}, {"severity", to_string(rule.severity)}}}};
}

Json rules() {
  Json out = Json::array();
  for (const RuleInfo& rule : rule_catalogue()) out.push_back(rule_descriptor(rule));
  return out;
}

std::string connection_name(const ConnectionResult& c) {
  return c.client.to_string() + " -> " + c.server.to_string();
}

class SarifWriter final : public Writer {
 public:
  SarifWriter(std::ostream& out, const WriterOptions& options) : out_(out), options_(options) {}

  void file(const FileResult& file) override {
    size_t artifact = artifact_index(file.file);
    if (file.read_error) {
      notifications_.push_back(read_error(file, artifact));
      read_failed_ = true;
    }
    for (const ConnectionResult& c : file.connections) {
      for (const Finding& f : c.judgement.findings) results_.push_back(finding_result(c, f, artifact));
      for (const Undecided& u : c.judgement.undecided) results_.push_back(open_result(c, u, artifact));
    }
  }

  // docs/output.md "Anomalies": a warning notification each; the run still executed successfully.
  void anomalies(const std::string& file, std::span<const Anomaly> anomalies) override {
    size_t artifact = artifact_index(file);
    for (const Anomaly& anomaly : anomalies) {
      Json properties = {{"kind", anomaly.kind}, {"count", anomaly.count}};
      if (anomaly.first_frame) properties["firstFrame"] = anomaly.first_frame;
      Json location = {{"physicalLocation", {{"artifactLocation", {{"uri", file_uri(file)}, {"index", artifact}}}}}};
      notifications_.push_back({{"level", "warning"},
                                {"message", {{"text", file + ": " + anomaly.message}}},
                                {"locations", Json::array({std::move(location)})},
                                {"properties", std::move(properties)}});
    }
  }

  void finish(const RunSummary&) override {
    Json driver = {{"name", "tlsflags-check"},
                   {"version", options_.tool_version},
                   {"informationUri", "https://datatracker.ietf.org/doc/draft-ietf-tls-tlsflags/"},
                   {"rules", rules()}};
    Json invocation = {{"executionSuccessful", !read_failed_}};
    if (!notifications_.empty()) invocation["toolExecutionNotifications"] = notifications_;
    Json run = {{"tool", {{"driver", std::move(driver)}}},
                {"invocations", Json::array({std::move(invocation)})},
                {"artifacts", artifacts_},
                {"results", results_}};
    Json log = {{"$schema", kSarifSchema}, {"version", "2.1.0"}, {"runs", Json::array({std::move(run)})}};
    out_ << json_parts::dump(log) << '\n';
    out_.flush();
  }

 private:
  // A capture named twice on the command line is still one artifact.
  size_t artifact_index(const std::string& file) {
    auto [it, added] = artifact_indices_.try_emplace(file, artifacts_.size());
    if (added) artifacts_.push_back({{"location", {{"uri", file_uri(file)}}}});
    return it->second;
  }

  static Json location(const FileResult& file, size_t artifact) {
    return {{"physicalLocation", {{"artifactLocation", {{"uri", file_uri(file.file)}, {"index", artifact}}}}}};
  }

  static Json location(const ConnectionResult& c, size_t artifact) {
    Json logical = {{"name", connection_name(c)},
                    {"fullyQualifiedName", c.file + "/" + connection_name(c)},
                    {"kind", "resource"}};
    return {{"physicalLocation", {{"artifactLocation", {{"uri", file_uri(c.file)}, {"index", artifact}}}}},
            {"logicalLocations", Json::array({std::move(logical)})}};
  }

  static Json connection_properties(const ConnectionResult& c, const std::vector<uint64_t>& frames) {
    Json properties = {{"file", c.file},
                       {"client", c.client.to_string()},
                       {"server", c.server.to_string()},
                       {"firstFrame", c.first_frame},
                       {"lastFrame", c.last_frame},
                       {"frames", frames},
                       {"verdict", to_string(c.judgement.verdict)}};
    if (!c.server_name.empty()) properties["serverName"] = c.server_name;
    return properties;
  }

  static Json finding_result(const ConnectionResult& c, const Finding& f, size_t artifact) {
    return {{"ruleId", rule_info(f.rule).name},
            {"ruleIndex", rule_index(f.rule)},
            {"kind", "fail"},
            {"level", sarif_level(f.severity)},
            {"message", {{"text", f.message + " [" + connection_name(c) + frames_note(f.frames) + "]"}}},
            {"locations", Json::array({location(c, artifact)})},
            {"properties", finding_properties(c, f)}};
  }

  // The connection's properties, and the post-handshake CertificateRequest the finding is about.
  static Json finding_properties(const ConnectionResult& c, const Finding& f) {
    Json properties = connection_properties(c, f.frames);
    if (const auto& request = f.post_handshake_request)
      properties["postHandshakeRequest"] = {{"frame", request->frame}, {"context", request->context}};
    if (const auto& certificate = f.compressed_certificate)
      properties["compressedCertificate"] = {
          {"frame", certificate->frame},
          {"compression", certificate_compression_algorithm_name(certificate->algorithm)},
          {"inflation", to_string(certificate->outcome)}};
    return properties;
  }

  // A rule that applied but could not be judged: SARIF's "open" kind means exactly that.
  static Json open_result(const ConnectionResult& c, const Undecided& u, size_t artifact) {
    return {{"ruleId", rule_info(u.rule).name},
            {"ruleIndex", rule_index(u.rule)},
            {"kind", "open"},
            {"level", "none"},
            {"message", {{"text", "could not be judged: " + u.reason + " [" + connection_name(c) + "]"}}},
            {"locations", Json::array({location(c, artifact)})},
            {"properties", connection_properties(c, {})}};
  }

  static Json read_error(const FileResult& file, size_t artifact) {
    return {{"level", "error"},
            {"message", {{"text", file.file + ": could not be read: " + *file.read_error}}},
            {"locations", Json::array({location(file, artifact)})}};
  }

  std::ostream& out_;
  WriterOptions options_;
  std::map<std::string, size_t> artifact_indices_;
  Json artifacts_ = Json::array();
  Json results_ = Json::array();
  Json notifications_ = Json::array();
  bool read_failed_ = false;  // a capture could not be read: the run did not do all it was asked
};

}  // namespace

std::unique_ptr<Writer> make_sarif_writer(std::ostream& out, const WriterOptions& options) {
  return std::make_unique<SarifWriter>(out, options);
}

}  // namespace tlsflags::report
