// The deploy.* findings (docs/rules.md "Deployment findings"), decided here from the timeline and plain
// facts about the certificates on the wire. The facts come from elsewhere (tlsflags-check reads them
// with OpenSSL in analyser/inspect); core never parses a certificate, it only decides what they mean for
// this connection: whether the server accepted, which frames are the evidence, and the severity.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tlsflags/core/events.hpp"
#include "tlsflags/core/rules.hpp"

namespace tlsflags {

struct CertificateFacts {
  // The client's leaf ("CN=...,O=...", RFC 2253) and its SHA-256 (lower-case hex), when it was read.
  std::string leaf_subject;
  std::string leaf_sha256;
  // Each way the client's chain fails the user's --trust-anchors or --pinned files, as the end of the
  // sentence "the server accepted a certificate that ...": "does not chain to the given anchors: ...",
  // "matches none of the pinned certificates". Empty when it passes them or was not checked.
  std::vector<std::string> trust_failures;
  // The server's leaf against the SNI (RFC 9525 §6.3): why it matched no identifier, when the check ran
  // and failed.
  std::optional<std::string> identity_mismatch;
  // The parts of the client chain's fit with the CertificateRequest that do not fit (RFC 8446 §4.4.2.3:
  // certificate_authorities, then the certificates' signatures), one explanation each.
  std::vector<std::string> unfit;
};

// deploy.client-certificate-not-trusted (only when the server accepted: server_reaction.hpp),
// deploy.server-identity-mismatch and deploy.client-certificate-unfit, in that order.
std::vector<Finding> deployment_findings(const Timeline& timeline, const CertificateFacts& facts);

// The deploy.* rules that apply but cannot be judged because the certificate they read arrived
// compressed and could not be inflated (RFC 8879 §4; docs/rules.md "How compressed certificates are
// judged"): deploy.server-identity-mismatch for the server's, deploy.client-certificate-unfit for the
// client's answer to the CertificateRequest.
std::vector<Undecided> undecided_deployment_rules(const Timeline& timeline);

// The findings and, on a connection judge() judged, the undecided rules, added to `judgement` (its
// verdict follows, Judgement::add).
void add_deployment_findings(Judgement& judgement, const Timeline& timeline, const CertificateFacts& facts);

}  // namespace tlsflags
