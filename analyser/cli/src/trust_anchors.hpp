// rca.server.trust-anchors-shared for a streamed run: judge_across_connections() (analyser/core) wants
// every connection of the run at once; this feeds it one connection at a time, in report order, and
// gives the same findings while keeping per server only what the rule still needs.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "tlsflags/core/events.hpp"
#include "tlsflags/core/rules.hpp"

namespace tlsflags::cli {

// What the rule reads of a connection: its endpoints, ClientHellos and CertificateRequests (without
// certificates). Nothing when its first CertificateRequest names no certificate_authorities: the rule
// skips such a connection.
std::optional<Timeline> trust_anchors_input(const Timeline& timeline);

class TrustAnchorsJudge {
 public:
  explicit TrustAnchorsJudge(RuleConfig rules) : rules_(rules) {}

  struct Outcome {
    // The connection is its server's first CertificateRequest with certificate_authorities that
    // accepted request_client_auth: the only one the finding can land on, and a later connection may
    // still complete the overlap. Its report must wait for that, or for the end of the run.
    bool may_get_finding_later = false;
    std::optional<uint64_t> finding_for;  // the ticket of the connection the finding belongs to
    Finding finding;
  };

  // The next connection in report order (files in input order); `ticket` names it in a later Outcome.
  Outcome observe(Timeline input, uint64_t ticket);

 private:
  // Everything judge_across_connections() keeps of one server: the first connection of each kind of
  // CertificateRequest, its certificate_authorities grown to the union over its kind.
  struct Server {
    std::optional<Timeline> accepting;  // CRs that accepted request_client_auth
    std::optional<Timeline> other;
    uint64_t accepting_ticket = 0;
    bool reported = false;  // the rule reports a server once
  };
  bool accepts_flag(const Timeline& input) const;

  RuleConfig rules_;
  std::map<std::string, Server> servers_;
};

}  // namespace tlsflags::cli
