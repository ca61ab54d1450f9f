#include "scenarios.hpp"

#include <openssl/ssl.h>  // TLS1_2_VERSION and older: ServerKnobs::max_version

#include <algorithm>

// The catalogue of behaviours. References: "RCA ¶n" = paragraph n of section 3 of the
// request_client_auth RFC text; "TF" = draft-ietf-tls-tlsflags; "8446" = RFC 8446.
namespace tlsgen {
namespace {

constexpr int kAlertHandshakeFailure = 40;
constexpr int kAlertCertificateRequired = 116;
// A flag no CertificateRequest of the catalogue proposes (TF §3: the client's Certificate may only
// acknowledge what the CR proposed).
constexpr unsigned kClientUnsolicitedFlag = 7;

// A flagged client and a server that echoes the flag: the well-behaved baseline every scenario varies.
ConnectionKnobs baseline() { return {}; }

ConnectionKnobs unflagged_client() {
  ConnectionKnobs knobs;
  knobs.client.sends_rca = false;
  return knobs;
}

ConnectionKnobs with_misplaced_flag(unsigned messages, bool client_rejects) {
  ConnectionKnobs knobs;
  knobs.server.misplaced_flag_in = messages;
  knobs.client.rejects_misplaced_flag = client_rejects;
  if (messages & kHelloRetryRequest) knobs.server.groups = "P-256";
  return knobs;
}

ConnectionKnobs with_unsolicited_flag(unsigned messages, bool client_rejects) {
  ConnectionKnobs knobs;
  knobs.server.unsolicited_flag_in = messages;
  knobs.client.rejects_unsolicited_flag = client_rejects;
  return knobs;
}

ConnectionKnobs with_client_encoding(FlagsEncoding encoding, bool server_rejects) {
  ConnectionKnobs knobs;
  knobs.client.encoding = encoding;
  knobs.server.rejects_invalid_flags = server_rejects;
  return knobs;
}

// The client puts the TLS Flags extension in its Certificate entry: request_client_auth (RCA ¶6) or
// flag 7, which the CR did not propose (TF §3); the server aborts with illegal_parameter or carries on.
ConnectionKnobs with_flag_in_client_certificate(bool rca, bool server_rejects) {
  ConnectionKnobs knobs;
  knobs.client.rca_in_certificate = rca;
  if (!rca) knobs.client.certificate_flags = {kClientUnsolicitedFlag};
  knobs.server.rejects_rca_in_client_certificate = server_rejects;
  knobs.server.rejects_unsolicited_client_flags = server_rejects;
  return knobs;
}

ConnectionKnobs with_client_reaction(FlaggedCrReaction reaction, int alert = 0) {
  ConnectionKnobs knobs;
  knobs.client.on_flagged_cr = reaction;
  knobs.client.abort_alert = alert;
  return knobs;
}

// RFC 8879 algorithm numbers (§7.3).
constexpr int kZlib = 1;
constexpr int kBrotli = 2;
constexpr int kZstd = 3;

// Both peers offer and use one certificate compression algorithm (OpenSSL 3.5).
ConnectionKnobs with_compression(int algorithm) {
  ConnectionKnobs knobs;
  knobs.compression.algorithms = {algorithm};
  return knobs;
}

// The client's certificate (none: an empty certificate_list) shown compressed with `algorithm` in the
// capture only (capture_recode.hpp); the peers compress with zlib for real.
ConnectionKnobs with_recoded_client_certificate(int algorithm, bool has_certificate) {
  ConnectionKnobs knobs = with_compression(kZlib);
  knobs.compression.client_certificate_recoded_as = algorithm;
  knobs.client.has_certificate = has_certificate;
  return knobs;
}

ConnectionKnobs with_compression_defect(CompressedCertificateDefect defect, int algorithm = kZlib) {
  ConnectionKnobs knobs = with_compression(algorithm);
  knobs.compression.server_defect = defect;
  return knobs;
}

ConnectionKnobs with_impairment(Impairment impairment) {
  ConnectionKnobs knobs;
  knobs.wire.impairment = impairment;
  return knobs;
}

// A server flight of three segments (CA in the chain, MSS 536) for the reordering impairments.
ConnectionKnobs with_long_flight_impairment(Impairment impairment) {
  ConnectionKnobs knobs = with_impairment(impairment);
  knobs.server.sends_ca_certificate = true;
  knobs.wire.mss = 536;
  return knobs;
}

ConnectionKnobs with_hello_retry(std::optional<bool> ch2_sends_rca) {
  ConnectionKnobs knobs;
  knobs.server.groups = "P-256";  // the client's first key share is X25519: 8446 §4.1.4 HRR
  knobs.client.ch2_sends_rca = ch2_sends_rca;
  return knobs;
}

// RCA §4: a server that always asks for a certificate, once for a flagged client and once for another.
std::vector<ConnectionKnobs> two_requests_to_one_server(std::vector<std::string> flagged_cas,
                                                        std::vector<std::string> unflagged_cas) {
  ConnectionKnobs flagged;
  flagged.server.cert_request = CertRequestPolicy::always;
  flagged.server.ca_names_when_flagged = flagged_cas;
  flagged.server.ca_names_when_unflagged = unflagged_cas;
  ConnectionKnobs unflagged = flagged;
  unflagged.client.sends_rca = false;
  return {flagged, unflagged};
}

// RFC 8446 §4.6.2: the client offers post_handshake_auth; the server asks after the client's request,
// with its CertificateRequest's TLS Flags as `cr_flags` says.
ConnectionKnobs with_post_handshake_request(bool client_sends_rca, CrFlagsPolicy cr_flags) {
  ConnectionKnobs knobs;
  knobs.client.sends_rca = client_sends_rca;
  knobs.client.post_handshake_auth = true;
  // Wireshark (4.0 to 4.6) stops decrypting the client's records after its post-handshake Finished
  // (captures/README.md): nothing of the client's follows it, so the tshark cross-check sees everything.
  knobs.client.skips_close_notify = true;
  knobs.server.cert_request = CertRequestPolicy::post_handshake;
  knobs.server.cr_flags = cr_flags;
  return knobs;
}

// RFC 8446 §2.2, §4.3.2: a full handshake with the flag, then a PSK resumption with the flag offered
// again, in which the server must not send a CertificateRequest; with 0-RTT, the request as early data.
std::vector<ConnectionKnobs> full_then_resumed(bool early_data) {
  ConnectionKnobs full;
  full.server.accepts_early_data = early_data;  // the ticket then allows early data
  ConnectionKnobs resumed = full;
  resumed.client.resumes = true;
  resumed.client.sends_early_data = early_data;
  return {full, resumed};
}

template <typename Edit>
ConnectionKnobs edited(ConnectionKnobs knobs, Edit edit) {
  edit(knobs);
  return knobs;
}

std::vector<Scenario> build_table() {
  using K = ConnectionKnobs;
  std::vector<Scenario> table = {
      {"rca-echo-pass", "client sends request_client_auth, server echoes it in CR, client sends its certificate",
       {baseline()}},
      {"rca-echo-with-flag8", "client sends flags 8 and 80, server echoes 80 in CR, client certificate",
       {edited(baseline(), [](K& k) { k.client.other_flags = {8}; })}},
      {"rca-ticket-flag8", "normal echo; the server proposes flag 8 (resumption_across_names) in NewSessionTicket",
       {edited(baseline(), [](K& k) { k.server.ticket_flags = {8}; })}},
      {"rca-not-requested", "client sends the flag, server ignores it and sends no CertificateRequest",
       {edited(baseline(), [](K& k) { k.server.cert_request = CertRequestPolicy::never; })}},
      {"no-flags", "no TLS Flags extension anywhere, no client authentication", {unflagged_client()}},
      {"no-flags-client-auth", "no TLS Flags extension, server always requests a certificate",
       {edited(unflagged_client(), [](K& k) { k.server.cert_request = CertRequestPolicy::always; })}},
      {"flag8-only", "client sends only flag 8, no client authentication",
       {edited(unflagged_client(), [](K& k) { k.client.other_flags = {8}; })}},
      {"rca-empty-certificate", "flag echoed, client has no certificate: empty Certificate, server continues",
       {edited(baseline(), [](K& k) { k.client.has_certificate = false; })}},
      {"rca-empty-certificate-required",
       "flag echoed, empty client Certificate, server aborts with certificate_required (8446 §4.4.2.4)",
       {edited(baseline(), [](K& k) {
         k.client.has_certificate = false;
         k.server.requires_certificate = true;
       })}},
      {"rca-cr-without-ack", "client sends the flag, server requests a certificate without echoing the flag",
       {edited(baseline(), [](K& k) {
         k.server.cert_request = CertRequestPolicy::always;
         k.server.cr_flags = CrFlagsPolicy::omit;
       })}},
      {"rca-ack-without-request-rejected",
       "client sends no TLS Flags, server's CR carries the flag, client aborts with illegal_parameter",
       {edited(unflagged_client(), [](K& k) {
         k.server.cert_request = CertRequestPolicy::always;
         k.server.cr_flags = CrFlagsPolicy::always;
       })}},
      {"rca-ack-without-request-accepted",
       "client sends only flag 8, server's CR carries flag 80, client accepts and sends its certificate",
       {edited(unflagged_client(), [](K& k) {
         k.client.other_flags = {8};
         k.client.rejects_unrequested_cr_flag = false;
         k.server.cert_request = CertRequestPolicy::always;
         k.server.cr_flags = CrFlagsPolicy::always;
       })}},
      {"rca-flag-in-sh-rejected", "server also puts the flag in ServerHello, client aborts with illegal_parameter",
       {with_misplaced_flag(kServerHello, true)}},
      {"rca-flag-in-sh-ignored", "server also puts the flag in ServerHello, client carries on",
       {with_misplaced_flag(kServerHello, false)}},
      {"rca-flag-in-hrr-rejected", "server puts the flag in HelloRetryRequest, client aborts with illegal_parameter",
       {with_misplaced_flag(kHelloRetryRequest, true)}},
      {"rca-flag-in-hrr-ignored", "server puts the flag in HelloRetryRequest, client carries on",
       {with_misplaced_flag(kHelloRetryRequest, false)}},
      {"rca-flag-in-ee-rejected", "server puts the flag in EncryptedExtensions, client aborts with illegal_parameter",
       {with_misplaced_flag(kEncryptedExtensions, true)}},
      {"rca-flag-in-ee-ignored", "server puts the flag in EncryptedExtensions, client carries on",
       {with_misplaced_flag(kEncryptedExtensions, false)}},
      {"rca-flag-in-server-cert-rejected",
       "server puts the flag in its Certificate entry, client aborts with illegal_parameter",
       {with_misplaced_flag(kServerCertificate, true)}},
      {"rca-flag-in-server-cert-ignored", "server puts the flag in its Certificate entry, client carries on",
       {with_misplaced_flag(kServerCertificate, false)}},
      {"rca-flag-in-nst-rejected", "server puts the flag in NewSessionTicket, client aborts with illegal_parameter",
       {with_misplaced_flag(kNewSessionTicket, true)}},
      {"rca-flag-in-nst-ignored", "server puts the flag in NewSessionTicket, client carries on",
       {with_misplaced_flag(kNewSessionTicket, false)}},
      {"rca-client-aborts-handshake-failure",
       "flag echoed, client sends a fatal handshake_failure alert instead of a Certificate",
       {with_client_reaction(FlaggedCrReaction::alert, kAlertHandshakeFailure)}},
      {"rca-client-aborts-certificate-required",
       "flag echoed, client sends a fatal certificate_required alert instead of a Certificate",
       {with_client_reaction(FlaggedCrReaction::alert, kAlertCertificateRequired)}},
      {"rca-client-closes", "flag echoed, client closes the TCP connection instead of sending a Certificate",
       {with_client_reaction(FlaggedCrReaction::close)}},
      {"rca-client-aborts-unsatisfiable-cas",
       "flagged CR lists certificate_authorities the client cannot satisfy; client aborts (RCA ¶3 exception)",
       {edited(with_client_reaction(FlaggedCrReaction::alert, kAlertHandshakeFailure), [](K& k) {
         k.server.ca_names_when_flagged = {"Crawler Verification Root"};
       })}},
      {"rca-client-finished-without-certificate",
       "flag echoed; the client's Certificate and CertificateVerify removed on the wire (8446 §4.4.2 broken)",
       {edited(baseline(), [](K& k) { k.wire.drop_client_certificate = true; })}},
      {"rca-flag-in-client-cert-rejected",
       "client puts the flag in its Certificate entry, server aborts with illegal_parameter",
       {with_flag_in_client_certificate(true, true)}},
      {"rca-flag-in-client-cert-accepted", "client puts the flag in its Certificate entry, server carries on",
       {with_flag_in_client_certificate(true, false)}},
      {"flags-empty-rejected", "client sends an empty flags vector (L=0), server aborts with decode_error",
       {with_client_encoding(FlagsEncoding::empty, true)}},
      {"flags-empty-ignored", "client sends an empty flags vector (L=0), server carries on",
       {with_client_encoding(FlagsEncoding::empty, false)}},
      {"flags-trailing-zero-rejected", "client flags vector has a trailing zero octet, server aborts (illegal_parameter)",
       {with_client_encoding(FlagsEncoding::trailing_zero, true)}},
      {"flags-trailing-zero-ignored", "client flags vector has a trailing zero octet, server echoes and carries on",
       {with_client_encoding(FlagsEncoding::trailing_zero, false)}},
      {"flags-all-zero-rejected", "client flags vector is all zero, server aborts with illegal_parameter",
       {with_client_encoding(FlagsEncoding::all_zero, true)}},
      {"flags-all-zero-ignored", "client flags vector is all zero, server carries on",
       {with_client_encoding(FlagsEncoding::all_zero, false)}},
      {"flags-malformed-rejected", "flags length octet exceeds the extension body, server aborts (illegal_parameter)",
       {with_client_encoding(FlagsEncoding::malformed, true)}},
      {"flags-malformed-ignored", "flags length octet exceeds the extension body, server echoes and carries on",
       {with_client_encoding(FlagsEncoding::malformed, false)}},
      {"flags-cr-trailing-zero-rejected",
       "server's CR echo has a trailing zero octet, client aborts with illegal_parameter",
       {edited(baseline(), [](K& k) { k.server.cr_encoding = FlagsEncoding::trailing_zero; })}},
      {"flags-cr-trailing-zero-ignored", "server's CR echo has a trailing zero octet, client carries on",
       {edited(baseline(), [](K& k) {
         k.server.cr_encoding = FlagsEncoding::trailing_zero;
         k.client.rejects_invalid_cr_flags = false;
       })}},
      {"flags-unsolicited-in-ee-rejected",
       "server acknowledges flag 8, never proposed, in EncryptedExtensions; client aborts (illegal_parameter)",
       {with_unsolicited_flag(kEncryptedExtensions, true)}},
      {"flags-unsolicited-in-ee-ignored", "server acknowledges flag 8, never proposed, in EncryptedExtensions; client carries on",
       {with_unsolicited_flag(kEncryptedExtensions, false)}},
      {"flags-unsolicited-in-sh-rejected",
       "server acknowledges flag 8, never proposed, in ServerHello; client aborts (illegal_parameter)",
       {with_unsolicited_flag(kServerHello, true)}},
      {"flags-unsolicited-in-server-cert-ignored",
       "server acknowledges flag 8, never proposed, in its Certificate entry; client carries on",
       {with_unsolicited_flag(kServerCertificate, false)}},
      {"flags-unsolicited-in-client-cert-rejected",
       "client's Certificate entry acknowledges flag 7, which the CR did not propose; server aborts (illegal_parameter)",
       {with_flag_in_client_certificate(false, true)}},
      {"flags-unsolicited-in-client-cert-ignored",
       "client's Certificate entry acknowledges flag 7, which the CR did not propose; server carries on",
       {with_flag_in_client_certificate(false, false)}},
      {"flags-duplicate-extension",
       "ClientHello rewritten on the wire to carry the TLS Flags extension twice; server aborts (8446 §4.2)",
       {edited(baseline(), [](K& k) { k.wire.duplicate_flags_extension = true; })}},
      {"rca-hrr-flags-kept", "HelloRetryRequest; the second ClientHello keeps the flag, echo, client certificate",
       {with_hello_retry(std::nullopt)}},
      {"rca-hrr-flags-changed", "HelloRetryRequest; the second ClientHello drops the flag (8446 §4.1.2 broken)",
       {with_hello_retry(false)}},
      {"rca-tls12", "client sends the flag, the server only speaks TLS 1.2 and requests a certificate",
       {edited(baseline(), [](K& k) {
         k.server.max_version = TLS1_2_VERSION;
         k.server.cert_request = CertRequestPolicy::always;
       })}},
      {"rca-tls11", "client sends the flag and offers TLS 1.0 to 1.3, the server only speaks TLS 1.1 and requests a certificate",
       {edited(baseline(), [](K& k) {
         k.server.max_version = TLS1_1_VERSION;
         k.server.cert_request = CertRequestPolicy::always;
       })}},
      {"rca-tls10", "client sends the flag and offers TLS 1.0 to 1.3, the server only speaks TLS 1.0 and requests a certificate",
       {edited(baseline(), [](K& k) {
         k.server.max_version = TLS1_VERSION;
         k.server.cert_request = CertRequestPolicy::always;
       })}},
      {"tls12-one-record-flight",
       "TLS 1.2 with the flag; the server's plaintext flight (SH..ServerHelloDone) packed in one record",
       {edited(baseline(), [](K& k) {
         k.server.max_version = TLS1_2_VERSION;
         k.server.cert_request = CertRequestPolicy::always;
         k.wire.coalesce_plaintext_records = true;
       })}},
      {"rca-slow-certificate", "flag echoed, the client's Certificate comes 3 s after the CertificateRequest",
       {edited(baseline(), [](K& k) { k.client.certificate_delay_ms = 3000; })}},
      {"rca-trust-anchors-shared",
       "two connections to one server: flagged and unflagged CRs share a certificate_authorities name (RCA §4)",
       two_requests_to_one_server({"Crawler Verification Root", "Corporate Client Root"},
                                  {"Corporate Client Root", "Partner Client Root"})},
      {"rca-trust-anchors-disjoint",
       "two connections to one server: flagged and unflagged CRs advertise disjoint certificate_authorities",
       two_requests_to_one_server({"Crawler Verification Root"}, {"Corporate Client Root"})},
      {"rca-fragmented-handshake", "server records limited to 512 octets: its Certificate spans several records",
       {edited(baseline(), [](K& k) {
         k.server.max_send_fragment = 512;
         k.server.sends_ca_certificate = true;
       })}},
      {"rca-tcp-split-client-hello", "the ClientHello arrives in two TCP segments",
       {with_impairment(Impairment::split_client_hello)}},
      {"rca-tcp-reordered", "two segments of the server's encrypted flight captured out of order (MSS 536)",
       {with_long_flight_impairment(Impairment::reorder)}},
      {"rca-tcp-retransmission", "a segment of the server's flight captured twice (MSS 536)",
       {with_long_flight_impairment(Impairment::retransmit)}},
      {"rca-cut-after-cr", "one record per segment; the capture ends with the flagged CertificateRequest",
       {edited(with_impairment(Impairment::cut_after_cr), [](K& k) { k.wire.segment_per_record = true; })}},
      {"rca-pha-echo-pass",
       "client offers the flag and post_handshake_auth; a post-handshake CR echoes the flag; client certificate",
       {with_post_handshake_request(true, CrFlagsPolicy::echo)}},
      {"rca-pha-empty-certificate",
       "as rca-pha-echo-pass, the client has no certificate: empty Certificate to the post-handshake CR",
       {edited(with_post_handshake_request(true, CrFlagsPolicy::echo), [](K& k) { k.client.has_certificate = false; })}},
      {"rca-pha-ack-without-request-rejected",
       "client offers flag 8 and post_handshake_auth; a post-handshake CR carries flag 80; client aborts",
       {edited(with_post_handshake_request(false, CrFlagsPolicy::always), [](K& k) { k.client.other_flags = {8}; })}},
      {"rca-pha-ack-without-request-accepted",
       "client offers post_handshake_auth but no TLS Flags; a post-handshake CR carries flag 80; client answers",
       {edited(with_post_handshake_request(false, CrFlagsPolicy::always),
               [](K& k) { k.client.rejects_unrequested_cr_flag = false; })}},
      {"rca-psk-resumption",
       "a flagged full handshake with client certificate, then a PSK resumption offering the flag: no CR",
       full_then_resumed(false)},
      {"rca-0rtt", "as rca-psk-resumption; the resumption sends its request as 0-RTT early data, accepted",
       full_then_resumed(true)},
      {"rca-gap-at-cr", "one record per segment; the segment with the CertificateRequest was not captured",
       {edited(with_impairment(Impairment::gap_at_cr), [](K& k) { k.wire.segment_per_record = true; })}},
      // RFC 8879 certificate compression: OpenSSL 3.5 peers (captures/regenerate-trixie.sh).
      {"compress-client-zlib", "flag echoed; the client answers with a zlib CompressedCertificate (RFC 8879)",
       {with_compression(kZlib)}},
      {"compress-client-zstd", "flag echoed; the client answers with a zstd CompressedCertificate",
       {with_compression(kZstd)}},
      {"compress-client-empty-zlib",
       "flag echoed; the client has no certificate: its empty Certificate shown zlib-compressed (capture only)",
       {with_recoded_client_certificate(kZlib, false)}},
      {"compress-client-empty-zstd",
       "flag echoed; the client has no certificate: its empty Certificate shown zstd-compressed (capture only)",
       {with_recoded_client_certificate(kZstd, false)}},
      {"compress-client-brotli",
       "flag echoed; the client's Certificate shown brotli-compressed, the CR offering brotli (capture only)",
       {with_recoded_client_certificate(kBrotli, true)}},
      {"compress-client-algorithm-not-offered",
       "flag echoed; the client's Certificate shown brotli-compressed, the CR offering only zlib (capture only)",
       {edited(with_recoded_client_certificate(kBrotli, true),
               [](K& k) { k.compression.recoded_algorithm_offered = false; })}},
      {"compress-client-empty-brotli",
       "flag echoed; the client has no certificate: its empty Certificate shown brotli-compressed (capture only)",
       {with_recoded_client_certificate(kBrotli, false)}},
      {"compress-server-identity-mismatch",
       "the client asks for other.example (SNI); the server's zstd CompressedCertificate names server.example",
       {edited(with_compression(kZstd), [](K& k) { k.client.server_name = "other.example"; })}},
      {"compress-server-truncated-rejected",
       "the server's zlib CompressedCertificate is cut to half its bytes; the client aborts with bad_certificate",
       {with_compression_defect(CompressedCertificateDefect::truncated)}},
      {"compress-server-length-lie-rejected",
       "the server's zlib CompressedCertificate declares 64 octets more than it inflates to; the client aborts",
       {with_compression_defect(CompressedCertificateDefect::length_lie)}},
      {"compress-server-trailing-bytes-rejected",
       "16 zero octets follow the end of the server's zstd stream; the client aborts with bad_certificate",
       {with_compression_defect(CompressedCertificateDefect::trailing_bytes, kZstd)}},
      {"compress-server-trailing-bytes-ignored",
       "16 zero octets follow the end of the server's zlib stream; the client (zlib's uncompress) carries on",
       {with_compression_defect(CompressedCertificateDefect::trailing_bytes, kZlib)}},
  };
  return table;
}

}  // namespace

std::span<const Scenario> all_scenarios() {
  static const std::vector<Scenario> table = build_table();
  return table;
}

const Scenario* find_scenario(std::string_view name) {
  auto scenarios = all_scenarios();
  auto found = std::find_if(scenarios.begin(), scenarios.end(),
                            [&](const Scenario& scenario) { return scenario.name == name; });
  return found == scenarios.end() ? nullptr : &*found;
}

}  // namespace tlsgen
