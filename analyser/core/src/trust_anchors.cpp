#include "tlsflags/core/trust_anchors.hpp"

#include <utility>

namespace tlsflags {
namespace {

size_t shared_count(const std::set<std::string>& a, const std::set<std::string>& b) {
  size_t n = 0;
  for (const std::string& ca : a) n += b.count(ca);
  return n;
}

}  // namespace

std::optional<TrustAnchorsInput> trust_anchors_input(const Timeline& timeline, const RuleConfig& config) {
  const Event* request = timeline.first(EventType::certificate_request, Party::server);
  if (!request || request->certificate_authorities.empty()) return std::nullopt;
  return TrustAnchorsInput{timeline.server.to_string(), timeline.file, request->frame,
                           certificate_request_accepts_flag(timeline, *request, config),
                           request->certificate_authorities};
}

// The finding lands on the connection whose CertificateRequest accepted request_client_auth: the rule
// is about that acceptance, and the other connection may carry no TLS Flags at all.
Finding TrustAnchorsJudge::finding_for(const std::string& server, const Advertised& accepting,
                                       const Advertised& other, size_t shared) const {
  const RuleInfo& info = rule_info(RuleId::rca_server_trust_anchors_shared);
  std::string message = "server " + server + " advertises " + std::to_string(shared) +
                        " of the same certificate_authorities in the CertificateRequest that accepted "
                        "request_client_auth (" + accepting.file + " frame " + std::to_string(accepting.frame) +
                        ") and in one that did not (" + other.file + " frame " + std::to_string(other.frame) +
                        "): the trust anchors should be disjoint (" + std::string(info.source) + ")";
  return {info.id, info.severity, std::move(message), {accepting.frame}};
}

TrustAnchorsJudge::Outcome TrustAnchorsJudge::observe(const TrustAnchorsInput& input, uint64_t ticket) {
  Outcome out;
  Server& server = servers_[input.server];
  if (server.reported) return out;
  std::optional<Advertised>& mine = input.accepts_flag ? server.accepting : server.other;
  if (!mine) {
    mine = Advertised{{}, input.file, input.request_frame, ticket};
    out.may_get_finding_later = input.accepts_flag;
  }
  mine->authorities.insert(input.certificate_authorities.begin(), input.certificate_authorities.end());
  const std::optional<Advertised>& theirs = input.accepts_flag ? server.other : server.accepting;
  if (!theirs) return out;
  size_t shared = shared_count(mine->authorities, theirs->authorities);
  if (shared == 0) return out;
  const Advertised& accepting = *server.accepting;
  out.may_get_finding_later = false;
  out.finding_for = accepting.ticket;
  out.finding = finding_for(input.server, accepting, *server.other, shared);
  server = Server{};  // reported: nothing about this server is needed any more
  server.reported = true;
  return out;
}

TrustAnchorsJudge::Outcome TrustAnchorsJudge::observe(const Timeline& timeline, uint64_t ticket) {
  std::optional<TrustAnchorsInput> input = trust_anchors_input(timeline, rules_);
  return input ? observe(*input, ticket) : Outcome{};
}

}  // namespace tlsflags
