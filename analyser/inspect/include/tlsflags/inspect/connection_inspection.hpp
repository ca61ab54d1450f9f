// Everything this library says about one connection, in one call: what tlsflags-check puts into the
// `rca` object (client_certificate_details, server_reaction), into --explain, and the certificate facts
// from which core decides the deploy.* findings (tlsflags/core/deployment.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "tlsflags/core/deployment.hpp"
#include "tlsflags/core/events.hpp"
#include "tlsflags/core/rules.hpp"
#include "tlsflags/core/server_reaction.hpp"
#include "tlsflags/inspect/certificate.hpp"
#include "tlsflags/inspect/certificate_request_fit.hpp"
#include "tlsflags/inspect/chain_verification.hpp"
#include "tlsflags/inspect/server_identity.hpp"

namespace tlsflags::inspect {

struct InspectOptions {
  const TrustAnchors* trust_anchors = nullptr;  // --trust-anchors FILE, loaded once by the caller
  const PinnedCertificates* pinned = nullptr;   // --pinned FILE
  // Wall-clock time of the capture's first packet (Event::time is relative to it). Chain verification
  // needs it to check validity at capture time; without it the chain is not verified.
  std::optional<int64_t> capture_start_epoch;
  IdentityRules identity_rules = IdentityRules::rfc9525;
};

struct ConnectionInspection {
  // The client's first non-empty Certificate whose DER the event source kept: its leaf's details, or why
  // they could not be read. Absent when there is no such certificate.
  std::optional<Outcome<CertificateDetails>> client_certificate;
  std::optional<CertificateRequestFit> fit;           // when the client answered a server CR
  std::optional<ServerReaction> server_reaction;      // when the server asked (or may have asked)
  std::optional<ChainVerification> chain;             // when trust anchors were given and a chain was seen
  std::optional<PinMatch> pin;                        // when pins were given and a leaf was seen
  std::optional<Outcome<IdentityCheck>> server_identity;  // when the server's leaf and an SNI were seen
  std::vector<std::string> notes;     // why a part was skipped ("no capture start time: chain not verified")

  // Indented lines for `tlsflags-check --explain`, in a fixed order; `warnings` are the messages of the
  // deploy.client-certificate-not-trusted findings core decided from this inspection.
  std::vector<std::string> explain_lines(std::span<const std::string> warnings = {}) const;
};

ConnectionInspection inspect_connection(const Timeline& timeline, const InspectOptions& options = {});

// The inspection's facts that core's deploy.* findings are decided from (tlsflags/core/deployment.hpp).
CertificateFacts certificate_facts(const ConnectionInspection& inspection);

// One connection as both event sources report it (docs/architecture.md "The seams"): core's judge() and
// the deploy.* findings core decides from the inspection. rca.server.trust-anchors-shared compares
// connections and is added by the caller (judge_across_connections, TrustAnchorsJudge).
Judgement judge_inspected(const Timeline& timeline, const RuleConfig& rules, const ConnectionInspection& inspection);

}  // namespace tlsflags::inspect
