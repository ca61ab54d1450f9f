// The rule catalogue (docs/rules.md, a contract: rule ids are relied on by users) and the
// engine that judges a Timeline. The engine never sees bytes; the parsers never judge.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tlsflags/core/events.hpp"

namespace tlsflags {

enum class Severity : uint8_t { error, warning, info };
std::string_view to_string(Severity severity);

enum class RuleId : uint8_t {
  flags_malformed,
  flags_empty,
  flags_non_minimal_encoding,
  flags_invalid_not_rejected,
  flags_duplicate_extension,
  flags_unsolicited_ack,
  flags_unsolicited_not_rejected,
  tls13_ch2_flags_changed,
  tls13_client_certificate_missing,
  rca_server_ack_without_request,
  rca_client_unsolicited_ack_accepted,
  rca_server_flag_in_forbidden_message,
  rca_client_flag_outside_cr_accepted,
  rca_server_flag_outside_ch_accepted,
  rca_client_no_certificate,
  rca_client_flag_without_certificate,
  rca_server_cr_without_ack,
  rca_client_slow_certificate,
  rca_server_trust_anchors_shared,
  rca_tls12_negotiated,
  // Deployment findings (issue 8): not judged by judge(), which stays a pure function of the timeline,
  // but by tlsflags-check from the certificates on the wire and the user's --trust-anchors / --pinned.
  // Appended so that the ids above keep their numbers.
  deploy_client_certificate_not_trusted,
  deploy_server_identity_mismatch,
  deploy_client_certificate_unfit,
  // RFC 8879 (issue 20): judged by judge(), appended so that the ids above keep their numbers.
  tls13_compressed_certificate_invalid,
  tls13_compressed_certificate_algorithm_not_offered,
};
// How many rules the catalogue has (the plugin registers one expert field each).
inline constexpr size_t kRuleCount = static_cast<size_t>(RuleId::tls13_compressed_certificate_algorithm_not_offered) + 1;

struct RuleInfo {
  RuleId id;
  std::string_view name;      // "rca.server.ack-without-request"
  Severity severity;
  std::string_view source;    // "RCA §3 ¶5"
  std::string_view summary;   // one line: what breaks it
  std::string_view spec_text; // the sentence it enforces, quoted from the spec
};

// Every rule, in catalogue order.
std::span<const RuleInfo> rule_catalogue();
const RuleInfo& rule_info(RuleId id);
std::optional<RuleId> rule_from_name(std::string_view name);

enum class Profile : uint8_t { rfc, draft02 };
std::string_view to_string(Profile profile);
std::optional<Profile> profile_from_name(std::string_view name);  // "rfc" | "draft-02"

struct RuleConfig {
  uint16_t request_client_auth_flag = kDefaultRequestClientAuthFlag;
  Profile profile = Profile::rfc;
  double slow_certificate_seconds = 1.0;  // rca.client.slow-certificate threshold
};

// Which CertificateRequest a finding is about, when it is about a post-handshake one (RFC 8446
// §4.6.2): a connection may carry several, told apart by their certificate_request_context.
struct RequestRef {
  uint64_t frame = 0;   // the CertificateRequest's frame
  std::string context;  // its certificate_request_context, hex
  bool operator==(const RequestRef&) const = default;
};

// Which compressed Certificate a finding is about (RFC 8879 §4): its frame, algorithm and what became
// of it when the event source inflated it.
struct CompressedCertificateRef {
  uint64_t frame = 0;
  uint16_t algorithm = 0;  // certificate_compression_algorithm_name()
  InflationOutcome outcome = InflationOutcome::ok;
  bool operator==(const CompressedCertificateRef&) const = default;
};

struct Finding {
  RuleId rule;
  Severity severity;
  std::string message;
  std::vector<uint64_t> frames;  // evidence, ascending
  std::optional<RequestRef> post_handshake_request = std::nullopt;
  std::optional<CompressedCertificateRef> compressed_certificate = std::nullopt;
};

// A rule that applied but could not be judged from what was visible, and why.
struct Undecided {
  RuleId rule;
  std::string reason;
};

enum class Verdict : uint8_t { pass, fail, warn, undecidable, not_applicable };
std::string_view to_string(Verdict verdict);

// What request_client_auth did on this connection (the JSON Lines "rca" object).
struct RcaSummary {
  bool client_offered = false;
  std::optional<bool> server_acknowledged;      // unset when the server's flight was not visible
  std::string client_certificate = "unknown";   // "non-empty" | "empty" | "none" | "unknown"
  size_t post_handshake_requests = 0;           // CertificateRequests after the server's Finished (§4.6.2)
};

struct Judgement {
  std::vector<Finding> findings;
  std::vector<Undecided> undecided;
  Verdict verdict = Verdict::not_applicable;
  RcaSummary rca;
  // What the verdict depends on besides findings and undecided rules (docs/rules.md "How the engine
  // judges"): set by judge(), so that a finding added later gets the same verdict judge() would give.
  bool flags_seen = false;
  bool before_tls13 = false;  // the ServerHello selected TLS 1.2, 1.1 or 1.0

  // Adds a finding judged outside judge() (deploy.*, rca.server.trust-anchors-shared); the verdict
  // follows, so no caller recomputes it.
  void add(Finding finding);
  // Adds a rule that applied outside judge() but could not be judged (deploy.* on a certificate that
  // could not be inflated); kept once per rule, and the verdict follows.
  void add(Undecided undecided);
};

// Judges one connection. Deterministic; safe to call again as events are appended (the plugin does).
Judgement judge(const Timeline& timeline, const RuleConfig& config);

// rca.server.trust-anchors-shared over many connections: findings per server, keyed by the index of
// the connection whose CertificateRequest accepted request_client_auth (trust_anchors.hpp).
struct CrossConnectionFinding {
  size_t connection_index;
  Finding finding;
};
// Whether the CertificateRequest `cr` of `timeline` accepted request_client_auth, as
// rca.server.trust-anchors-shared groups them: it echoes the flag, or (draft-02) follows a flagged
// ClientHello.
bool certificate_request_accepts_flag(const Timeline& timeline, const Event& cr, const RuleConfig& config);

// TrustAnchorsJudge (trust_anchors.hpp) over the whole list, in order.
std::vector<CrossConnectionFinding> judge_across_connections(std::span<const Timeline* const> timelines,
                                                             const RuleConfig& config);

// The verdict that follows from findings and undecided rules (docs/rules.md "How the engine judges").
Verdict verdict_from(const std::vector<Finding>& findings, const std::vector<Undecided>& undecided,
                     bool flags_seen, bool tls12_negotiated);

}  // namespace tlsflags
