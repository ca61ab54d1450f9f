// rca.server.trust-anchors-shared (docs/rules.md, RCA §4): the one rule that needs many connections.
// One judge per run, fed one connection at a time in report order; file runs, -j runs and live mode
// all feed it, and judge_across_connections() (rules.hpp) is this judge run over a whole list.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "tlsflags/core/events.hpp"
#include "tlsflags/core/rules.hpp"

namespace tlsflags {

// What the rule reads of a connection: its server, its first CertificateRequest's certificate_authorities
// and whether that request accepted request_client_auth. Small, so a run can hold it while the
// connection's report waits.
struct TrustAnchorsInput {
  std::string server;  // "IP:port"
  std::string file;
  uint64_t request_frame = 0;
  bool accepts_flag = false;  // certificate_request_accepts_flag()
  std::vector<std::string> certificate_authorities;
};

// Nothing when the connection's first CertificateRequest names no certificate_authorities: the rule
// skips such a connection.
std::optional<TrustAnchorsInput> trust_anchors_input(const Timeline& timeline, const RuleConfig& config);

class TrustAnchorsJudge {
 public:
  explicit TrustAnchorsJudge(RuleConfig rules) : rules_(rules) {}

  struct Outcome {
    // The connection is its server's first CertificateRequest with certificate_authorities that
    // accepted request_client_auth: the only one the finding can land on, and a later connection may
    // still complete the overlap. A report that can wait should hold it until then or the run's end.
    bool may_get_finding_later = false;
    std::optional<uint64_t> finding_for;  // the ticket of the connection the finding belongs to
    Finding finding;
  };

  // The next connection (`ticket` names it in a later Outcome).
  Outcome observe(const TrustAnchorsInput& input, uint64_t ticket);
  Outcome observe(const Timeline& timeline, uint64_t ticket);  // observe(trust_anchors_input(...))

  const RuleConfig& rules() const { return rules_; }

 private:
  // The union of what one kind of CertificateRequest advertised, and its server's first request of that
  // kind (where the finding points).
  struct Advertised {
    std::set<std::string> authorities;
    std::string file;
    uint64_t frame = 0;
    uint64_t ticket = 0;
  };
  struct Server {
    std::optional<Advertised> accepting;  // CRs that accepted request_client_auth
    std::optional<Advertised> other;
    bool reported = false;  // the rule reports a server once
  };
  Finding finding_for(const std::string& server, const Advertised& accepting, const Advertised& other,
                      size_t shared) const;

  RuleConfig rules_;
  std::map<std::string, Server> servers_;
};

}  // namespace tlsflags
