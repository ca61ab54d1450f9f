// The rule catalogue of docs/rules.md, with the sentence of the spec each rule enforces.
#include <algorithm>

#include "tlsflags/core/rules.hpp"

namespace tlsflags {
namespace {

constexpr Severity E = Severity::error;
constexpr Severity W = Severity::warning;
constexpr Severity I = Severity::info;

constexpr RuleInfo kCatalogue[] = {
    {RuleId::flags_malformed, "flags.malformed", E, "TF §2, RFC 8446 §4",
     "the extension length and the flags vector length disagree",
     "struct { opaque flags<1..255>; } FlagExtensions;"},
    {RuleId::flags_empty, "flags.empty", E, "TF §2",
     "a flags vector of length 0 was sent",
     "MUST NOT send this extension with a length of zero."},
    {RuleId::flags_non_minimal_encoding, "flags.non-minimal-encoding", E, "TF §2",
     "the flags vector has trailing zero octets or is all zero",
     "The length of the extension is the minimal length that allows it to encode all of the present "
     "flags."},
    {RuleId::flags_invalid_not_rejected, "flags.invalid-not-rejected", E, "TF §2",
     "the receiver of an empty, malformed or non-minimal extension did not abort with illegal_parameter",
     "An implementation that receives an all-zero value for this extension or a value that contains "
     "trailing zero bytes MUST generate a fatal illegal_parameter alert."},
    {RuleId::flags_duplicate_extension, "flags.duplicate-extension", E, "RFC 8446 §4.2",
     "two TLS Flags extensions in one extension block",
     "There MUST NOT be more than one extension of the same type in a given extension block."},
    {RuleId::flags_unsolicited_ack, "flags.unsolicited-ack", E, "TF §3",
     "a flag in SH, HRR, EE or CT that was not proposed in CH (or, for the client's CT, in CR)",
     "a flag MUST NOT be acknowledged in SH, EE, CT, or HRR without first having been proposed in CH or "
     "CR."},
    {RuleId::flags_unsolicited_not_rejected, "flags.unsolicited-not-rejected", E, "TF §3",
     "the receiver of an unsolicited flag did not abort with illegal_parameter",
     "An endpoint that receives an unsolicited flag in another message (HRR, SH, EE, or CT) MUST "
     "generate a fatal illegal_parameter alert."},
    {RuleId::tls13_ch2_flags_changed, "tls13.ch2-flags-changed", E, "RFC 8446 §4.1.2",
     "the TLS Flags extension differs between the first and the second ClientHello",
     "the client MUST send the same ClientHello without modification, except as follows: [key_share, "
     "early_data, cookie, pre_shared_key, padding]"},
    {RuleId::tls13_client_certificate_missing, "tls13.client-certificate-missing", E, "RFC 8446 §4.4.2",
     "a client answered a CertificateRequest with Finished but no Certificate",
     "The client MUST send a Certificate message if and only if the server has requested client "
     "authentication via a CertificateRequest message."},
    {RuleId::rca_server_ack_without_request, "rca.server.ack-without-request", E, "RCA §3 ¶5",
     "the CertificateRequest carries request_client_auth but the ClientHello did not",
     "A server MUST NOT set the request_client_auth flag in the CertificateRequest unless it received "
     "the flag in the ClientHello."},
    {RuleId::rca_client_unsolicited_ack_accepted, "rca.client.unsolicited-ack-accepted", E, "RCA §3 ¶5",
     "a client that did not send the flag got it in CertificateRequest and did not abort with "
     "illegal_parameter",
     "A client receiving the request_client_auth flag that did not set it in the ClientHello MUST "
     "generate a fatal illegal_parameter alert."},
    {RuleId::rca_server_flag_in_forbidden_message, "rca.server.flag-in-forbidden-message", E, "RCA §3 ¶6",
     "the server put request_client_auth in SH, HRR, EE, its Certificate or NST",
     "The request_client_auth flag is sent by the client in the ClientHello message, and, if accepted "
     "by the server, acknowledged in the server's CertificateRequest message."},
    {RuleId::rca_client_flag_outside_cr_accepted, "rca.client.flag-outside-cr-accepted", E, "RCA §3 ¶6",
     "the client got request_client_auth outside CertificateRequest and did not abort with "
     "illegal_parameter",
     "A client that receives this flag in any message other than CertificateRequest MUST terminate the "
     "connection with a fatal illegal_parameter alert."},
    {RuleId::rca_server_flag_outside_ch_accepted, "rca.server.flag-outside-ch-accepted", E, "RCA §3 ¶6",
     "the client sent request_client_auth outside ClientHello and the server did not abort with "
     "illegal_parameter",
     "Similarly a server that receives this flag in any message other than ClientHello MUST terminate "
     "the connection with a fatal illegal_parameter alert."},
    {RuleId::rca_client_no_certificate, "rca.client.no-certificate", E, "RCA §3 ¶3",
     "a client that sent the flag got a flagged CertificateRequest and sent no Certificate",
     "The client sending this flag MUST send a Certificate message if it receives a CertificateRequest "
     "with the request_client_auth flag set, even if said Certificate message is empty"},
    {RuleId::rca_client_flag_without_certificate, "rca.client.flag-without-certificate", W, "RCA §3 ¶4",
     "a client that sent the flag answered the flagged CertificateRequest with an empty Certificate",
     "Clients that set this flag SHOULD only do so when a client certificate is directly available to "
     "them"},
    {RuleId::rca_server_cr_without_ack, "rca.server.cr-without-ack", I, "RCA §3 ¶1-2",
     "the client sent the flag and the server sent a CertificateRequest without it",
     "The server MAY send a CertificateRequest message without the request_client_auth flag set if it "
     "wishes to negotiate client authentication for another reason."},
    {RuleId::rca_client_slow_certificate, "rca.client.slow-certificate", I, "RCA §3 ¶4",
     "the client's Certificate came long after the flagged CertificateRequest (a hint of a user prompt)",
     "MUST NOT prompt the user or take actions that would prompt the user to provide a certificate."},
    {RuleId::rca_server_trust_anchors_shared, "rca.server.trust-anchors-shared", W, "RCA §4",
     "one server's flagged and unflagged CertificateRequests advertise overlapping "
     "certificate_authorities",
     "When the server accepts the request_client_auth flag, it SHOULD verify the certificate against a "
     "set of trust anchors that is disjoint from the set of trust anchors it uses when the flag is "
     "ignored or rejected."},
    {RuleId::rca_tls12_negotiated, "rca.tls12-negotiated", I, "TF §1 (TLS 1.3 only)",
     "the client sent the flag and the connection fell back to TLS 1.2",
     "This document defines a flags extension for TLS 1.3 ..."},
    {RuleId::deploy_client_certificate_not_trusted, "deploy.client-certificate-not-trusted", W,
     "RCA §4, RFC 5280 §6",
     "the server accepted a client certificate that does not chain to the given --trust-anchors (at "
     "capture time) or is not among the --pinned certificates",
     "When the server accepts the request_client_auth flag, it SHOULD verify the certificate against a "
     "set of trust anchors that is disjoint from the set of trust anchors it uses when the flag is "
     "ignored or rejected."},
    {RuleId::deploy_server_identity_mismatch, "deploy.server-identity-mismatch", W, "RFC 9525 §6.3",
     "the server certificate's DNS-IDs do not match the SNI the client asked for",
     "If the client has constructed a list of reference identifiers, it compares them to the presented "
     "identifiers; the service identity check succeeds if any reference identifier matches one of the "
     "presented identifiers."},
    {RuleId::deploy_client_certificate_unfit, "deploy.client-certificate-unfit", I, "RFC 8446 §4.4.2.3",
     "the client's certificate was not issued by one of the CertificateRequest's certificate_authorities, "
     "or is signed with an algorithm outside its signature_algorithms(_cert)",
     "If the certificate_authorities extension in the CertificateRequest message was present, at least "
     "one of the certificates in the certificate chain SHOULD be issued by one of the listed CAs. The "
     "certificates MUST be signed using an acceptable signature algorithm."},
    {RuleId::tls13_compressed_certificate_invalid, "tls13.compressed-certificate-invalid", E, "RFC 8879 §4",
     "the receiver of a CompressedCertificate that cannot be inflated (corrupt, truncated, another length "
     "than declared) did not abort with bad_certificate",
     "If the received CompressedCertificate message cannot be decompressed, the connection MUST be "
     "terminated with the \"bad_certificate\" alert."},
    {RuleId::tls13_compressed_certificate_algorithm_not_offered, "tls13.compressed-certificate-algorithm-not-offered", E,
     "RFC 8879 §4",
     "a Certificate was compressed with an algorithm the peer's compress_certificate extension did not list",
     "The algorithm MUST be one of the algorithms listed in the peer's compress_certificate extension."},
};

}  // namespace

std::span<const RuleInfo> rule_catalogue() { return kCatalogue; }

const RuleInfo& rule_info(RuleId id) { return kCatalogue[static_cast<size_t>(id)]; }

std::optional<RuleId> rule_from_name(std::string_view name) {
  auto it = std::find_if(std::begin(kCatalogue), std::end(kCatalogue),
                         [&](const RuleInfo& r) { return r.name == name; });
  if (it == std::end(kCatalogue)) return std::nullopt;
  return it->id;
}

std::string_view to_string(Severity severity) {
  switch (severity) {
    case Severity::error: return "error";
    case Severity::warning: return "warning";
    case Severity::info: return "info";
  }
  return "unknown";
}

std::string_view to_string(Profile profile) { return profile == Profile::rfc ? "rfc" : "draft-02"; }

std::optional<Profile> profile_from_name(std::string_view name) {
  if (name == "rfc") return Profile::rfc;
  if (name == "draft-02") return Profile::draft02;
  return std::nullopt;
}

std::string_view to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::pass: return "pass";
    case Verdict::fail: return "fail";
    case Verdict::warn: return "warn";
    case Verdict::undecidable: return "undecidable";
    case Verdict::not_applicable: return "not-applicable";
  }
  return "unknown";
}

}  // namespace tlsflags
