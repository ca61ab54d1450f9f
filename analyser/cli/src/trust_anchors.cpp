#include "trust_anchors.hpp"

#include <algorithm>
#include <utility>
#include <vector>

namespace tlsflags::cli {
namespace {

// The rule compares the union of what a server advertised per kind of CertificateRequest, so one
// representative with the union stands for all the connections of its kind seen so far.
void add_anchors(Timeline& representative, const Timeline& input) {
  Event* into = representative.first(EventType::certificate_request, Party::server);
  const Event* from = input.first(EventType::certificate_request, Party::server);
  if (!into || !from) return;
  std::vector<std::string>& anchors = into->certificate_authorities;
  anchors.insert(anchors.end(), from->certificate_authorities.begin(), from->certificate_authorities.end());
  std::sort(anchors.begin(), anchors.end());
  anchors.erase(std::unique(anchors.begin(), anchors.end()), anchors.end());
}

}  // namespace

std::optional<Timeline> trust_anchors_input(const Timeline& timeline) {
  const Event* request = timeline.first(EventType::certificate_request, Party::server);
  if (!request || request->certificate_authorities.empty()) return std::nullopt;
  Timeline slim;
  slim.file = timeline.file;
  slim.client = timeline.client;
  slim.server = timeline.server;
  slim.first_frame = timeline.first_frame;
  slim.last_frame = timeline.last_frame;
  for (const Event& event : timeline.events) {
    if (event.type != EventType::client_hello && event.type != EventType::certificate_request) continue;
    slim.events.push_back(event);
    slim.events.back().certificate_chain_der.clear();
  }
  return slim;
}

// The grouping of the rule itself (rules.hpp), so a connection joins the representative it would join there.
bool TrustAnchorsJudge::accepts_flag(const Timeline& input) const {
  const Event* request = input.first(EventType::certificate_request, Party::server);
  return request && certificate_request_accepts_flag(input, *request, rules_);
}

// judge_across_connections() over (the server's representatives, this connection) finds exactly what it
// would find at this connection over the whole run: the representatives carry the first frame, file
// and connection of their kind and the union of its certificate_authorities, and up to now the two
// unions were disjoint (else the server would have been reported).
TrustAnchorsJudge::Outcome TrustAnchorsJudge::observe(Timeline input, uint64_t ticket) {
  Outcome out;
  Server& server = servers_[input.server.to_string()];
  if (server.reported) return out;
  std::vector<const Timeline*> run;
  std::vector<std::optional<uint64_t>> tickets;  // the rule never puts its finding on the other kind
  if (server.accepting) {
    run.push_back(&*server.accepting);
    tickets.push_back(server.accepting_ticket);
  }
  if (server.other) {
    run.push_back(&*server.other);
    tickets.push_back(std::nullopt);
  }
  run.push_back(&input);
  tickets.push_back(ticket);
  std::vector<CrossConnectionFinding> found = judge_across_connections(run, rules_);
  if (!found.empty()) {
    out.finding_for = tickets.at(found.front().connection_index);
    out.finding = std::move(found.front().finding);
    server = Server{};  // reported: nothing about this server is needed any more
    server.reported = true;
    return out;
  }
  const bool accepting = accepts_flag(input);
  std::optional<Timeline>& representative = accepting ? server.accepting : server.other;
  if (representative) {
    add_anchors(*representative, input);
    return out;
  }
  representative = std::move(input);
  if (accepting) {
    server.accepting_ticket = ticket;
    out.may_get_finding_later = true;
  }
  return out;
}

}  // namespace tlsflags::cli
