#include "tlsflags/report/result.hpp"

#include <algorithm>
#include <tuple>

namespace tlsflags::report {
namespace {

std::string first_server_name(const Timeline& timeline) {
  const Event* hello = timeline.first(EventType::client_hello, Party::client);
  return hello ? hello->server_name : std::string();
}

std::vector<Event> events_without_certificates(const std::vector<Event>& events) {
  std::vector<Event> kept = events;
  for (Event& event : kept) {
    event.certificate_chain_der.clear();
    event.certificate_chain_der.shrink_to_fit();
  }
  return kept;
}

ServerSummary& server_entry(std::map<std::string, ServerSummary>& servers, const Endpoint& server) {
  std::string key = server.to_string();
  ServerSummary& entry = servers[key];
  entry.server = key;
  return entry;
}

void add_server_name(ServerSummary& server, const std::string& name) {
  if (name.empty()) return;
  auto at = std::lower_bound(server.server_names.begin(), server.server_names.end(), name);
  if (at == server.server_names.end() || *at != name) server.server_names.insert(at, name);
}

void add_deployment_to_server(ServerSummary& server, const Deployment& deployment) {
  if (const auto& certificate = deployment.client_certificate) {
    PresentedCertificate& seen = server.certificates[certificate->sha256];
    seen.subject = certificate->subject;
    ++seen.connections;
  }
  if (deployment.server_reaction) ++server.server_reactions[*deployment.server_reaction];
}

void add_to_server(ServerSummary& server, const ConnectionResult& connection) {
  const Judgement& judgement = connection.judgement;
  ++server.connections;
  add_server_name(server, connection.server_name);
  add_deployment_to_server(server, connection.deployment);
  ++server.verdicts[static_cast<size_t>(judgement.verdict)];
  if (judgement.rca.client_offered) ++server.client_offered;
  if (judgement.rca.client_offered && judgement.rca.server_acknowledged.value_or(false))
    ++server.server_acknowledged;
  for (const Finding& finding : judgement.findings) ++server.findings[std::string(rule_info(finding.rule).name)];
}

}  // namespace

ConnectionResult make_connection_result(const Timeline& timeline, Judgement judgement, bool keep_events) {
  ConnectionResult result;
  result.file = timeline.file;
  result.client = timeline.client;
  result.server = timeline.server;
  result.transport = timeline.transport;
  result.first_frame = timeline.first_frame;
  result.last_frame = timeline.last_frame;
  result.tls_version = timeline.tls_version();
  result.decrypted = timeline.decrypted();
  result.flags_seen = timeline.has_flags_extension();
  result.server_name = first_server_name(timeline);
  result.upgrade = timeline.upgrade;
  result.judgement = std::move(judgement);
  if (keep_events) result.events = events_without_certificates(timeline.events);
  return result;
}

bool comes_before(const ConnectionResult& a, const ConnectionResult& b) {
  auto key = [](const ConnectionResult& c) {
    return std::tie(c.first_frame, c.last_frame, c.client.address, c.client.port, c.server.address,
                    c.server.port);
  };
  return key(a) < key(b);
}

void sort_connections(FileResult& file) {
  std::stable_sort(file.connections.begin(), file.connections.end(), comes_before);
}

VerdictCounts count_verdicts(std::span<const ConnectionResult> connections) {
  VerdictCounts counts{};
  for (const ConnectionResult& connection : connections)
    ++counts[static_cast<size_t>(connection.judgement.verdict)];
  return counts;
}

void SummaryBuilder::add_file(bool unreadable) { ++(unreadable ? totals_.unreadable_files : totals_.files); }

void SummaryBuilder::add_connection(const ConnectionResult& connection) {
  ++totals_.connections;
  ++totals_.verdicts[static_cast<size_t>(connection.judgement.verdict)];
  add_to_server(server_entry(servers_, connection.server), connection);
}

RunSummary SummaryBuilder::summary() const {
  RunSummary summary = totals_;
  for (const auto& [key, server] : servers_) summary.servers.push_back(server);
  return summary;
}

RunSummary summarise(std::span<const FileResult> files) {
  SummaryBuilder builder;
  for (const FileResult& file : files) {
    builder.add_file(file.read_error.has_value());
    for (const ConnectionResult& connection : file.connections) builder.add_connection(connection);
  }
  return builder.summary();
}

bool any_failed(const RunSummary& summary) { return summary.count(Verdict::fail) > 0; }

}  // namespace tlsflags::report
