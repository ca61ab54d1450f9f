// The scenario table: each scenario is a name, a one-line description and the knobs of one or more
// TLS connections (client behaviour, server behaviour, what happens on the wire).
#pragma once

#include "flags.hpp"

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tlsgen {

// Server messages in which RCA §3 ¶6 forbids the request_client_auth flag (the custom extension
// contexts the server can misuse).
enum ServerMessage : unsigned {
  kServerHello = 1u << 0,
  kHelloRetryRequest = 1u << 1,
  kEncryptedExtensions = 1u << 2,
  kServerCertificate = 1u << 3,
  kNewSessionTicket = 1u << 4,
};

// When the server sends a CertificateRequest at all.
enum class CertRequestPolicy {
  when_flagged,
  always,
  never,
  post_handshake,  // none in the handshake; one after the client's request (RFC 8446 §4.6.2)
};

// What the server's CertificateRequest says in its TLS Flags extension.
enum class CrFlagsPolicy {
  echo,    // RCA ¶1: the request_client_auth flag exactly when the ClientHello had it
  omit,    // no echo: a draft-02 server or client auth for another reason (RCA ¶2)
  always,  // the flag even when the client did not send it (RCA ¶5 broken)
};

// How the client answers a CertificateRequest that carries the request_client_auth flag.
enum class FlaggedCrReaction {
  certificate,  // Certificate (possibly empty), then Finished: RFC 8446 §4.4.2 and RCA ¶3
  alert,        // a fatal alert of the scenario's choosing instead of a Certificate
  close,        // TCP FIN without any TLS message
};

// What happens to the packets of the capture (the TLS peers see an unimpaired byte stream).
enum class Impairment {
  none,
  split_client_hello,  // the ClientHello record in two TCP segments
  reorder,             // two segments of the server's flight swapped in the capture
  retransmit,          // a segment of the server's flight captured twice
  gap_at_cr,           // the segment carrying the CertificateRequest was not captured
  cut_after_cr,        // the capture ends with the segment that completes the CertificateRequest
};

// Certificate compression (RFC 8879), made by OpenSSL 3.5 (Debian 13; OpenSSL 3.0 has none). The
// algorithm numbers are RFC 8879 §7.3's: 1 zlib, 2 brotli, 3 zstd.
enum class CompressedCertificateDefect {
  none,
  truncated,      // the compressed bytes cut to half: they cannot be inflated (RFC 8879 §4)
  length_lie,     // uncompressed_length 64 octets more than the message inflates to (RFC 8879 §4)
  trailing_bytes, // 16 zero octets after the end of the compressed stream
};

struct CompressionKnobs {
  std::vector<int> algorithms;  // offered and used, in preference order; empty: compression off
  // The server's CompressedCertificate given to OpenSSL ready-made (SSL_CTX_set1_compressed_cert; a
  // client cannot hold one), made by OpenSSL's own compression of its certificate and then spoilt.
  CompressedCertificateDefect server_defect = CompressedCertificateDefect::none;
  // Not 0: in the capture only, after the server received OpenSSL's message, the client's (then
  // uncompressed) Certificate appears as a CompressedCertificate of this algorithm and the
  // CertificateRequest offers it (capture_recode.hpp): brotli, which Debian's OpenSSL lacks, and an
  // empty certificate_list, which OpenSSL sends uncompressed.
  int client_certificate_recoded_as = 0;
  bool recoded_algorithm_offered = true;  // false: the CR keeps OpenSSL's list (RFC 8879 §4 broken)
};

struct ClientKnobs {
  bool sends_rca = true;               // request_client_auth in the ClientHello
  FlagNumbers other_flags;             // further flags, e.g. 8 (resumption_across_names)
  FlagsEncoding encoding = FlagsEncoding::minimal;
  std::optional<bool> ch2_sends_rca;   // after a HelloRetryRequest: send this instead (RFC 8446 §4.1.2)
  bool has_certificate = true;         // false: answers CertificateRequest with an empty Certificate
  FlaggedCrReaction on_flagged_cr = FlaggedCrReaction::certificate;
  int abort_alert = 0;                 // for FlaggedCrReaction::alert (RFC 8446 §6 alert code)
  bool rejects_unrequested_cr_flag = true;  // RCA ¶5: fatal illegal_parameter
  bool rejects_misplaced_flag = true;       // RCA ¶6: fatal illegal_parameter
  bool rejects_unsolicited_flag = true;     // TF rule 4: fatal illegal_parameter
  bool rejects_invalid_cr_flags = true;     // TF rules 5-7
  unsigned certificate_delay_ms = 0;   // the Certificate flight stamped this long after the CR
  // The TLS Flags extension in its own Certificate entry (leaf only). OpenSSL asks the client for it
  // when the CertificateRequest carried the extension (SSL_EXT_FLAG_RECEIVED is set by CR parsing).
  bool rca_in_certificate = false;     // RCA ¶6 broken: request_client_auth outside the ClientHello
  FlagNumbers certificate_flags;       // further flags there (TF §3: only what the CR proposed)
  std::string groups = "X25519:P-256"; // the first group gets the key share
  bool post_handshake_auth = false;    // offers post_handshake_auth (RFC 8446 §4.2.6)
  bool skips_close_notify = false;     // closes TCP after the response without close_notify
  // Resumes the session of the scenario's previous connection with its ticket (RFC 8446 §2.2, PSK
  // mode), and with early_data sends its request as 0-RTT data (§2.3, §4.2.10).
  bool resumes = false;
  bool sends_early_data = false;
  std::string server_name = "server.example";  // SNI; another name: the client does not check the
                                               // server's certificate against it (identity mismatch)
};

struct ServerKnobs {
  CertRequestPolicy cert_request = CertRequestPolicy::when_flagged;
  CrFlagsPolicy cr_flags = CrFlagsPolicy::echo;
  FlagsEncoding cr_encoding = FlagsEncoding::minimal;
  unsigned misplaced_flag_in = 0;      // ServerMessage bits: where the server also puts the flag
  FlagNumbers ticket_flags;            // flags proposed in NewSessionTicket (TF: unsolicited is allowed there)
  unsigned unsolicited_flag_in = 0;    // ServerMessage bits: where the server acknowledges flag 8 unasked
  bool rejects_invalid_flags = true;   // TF rules 5-7 for the ClientHello's extension
  bool requires_certificate = false;   // RFC 8446 §4.4.2.4: certificate_required on an empty Certificate
  bool rejects_rca_in_client_certificate = true;  // RCA ¶6: fatal illegal_parameter
  bool rejects_unsolicited_client_flags = true;   // TF §3: a client Certificate flag the CR did not propose
  int max_version = 0;  // 0: TLS 1.3; else TLS1_2_VERSION, TLS1_1_VERSION or TLS1_VERSION
  std::string groups = "X25519:P-256"; // "P-256" alone forces a HelloRetryRequest
  std::vector<std::string> ca_names_when_flagged;    // certificate_authorities in the flagged CR
  std::vector<std::string> ca_names_when_unflagged;  // ... and in a CR without the flag
  std::size_t max_send_fragment = 0;   // 0: OpenSSL's default (16384)
  bool sends_ca_certificate = false;   // the chain includes the CA: a longer flight (several segments)
  bool accepts_early_data = false;     // reads 0-RTT data (SSL_read_early_data) before the handshake ends
};

struct WireKnobs {
  bool duplicate_flags_extension = false;   // a second copy of the extension in the ClientHello
  bool drop_client_certificate = false;     // the client's protected Certificate and CertificateVerify
                                            // removed, its Finished recomputed and re-encrypted (rewrite.hpp)
  bool coalesce_plaintext_records = false;  // consecutive plaintext handshake records merged into one
  bool segment_per_record = false;          // each TLS record of a flight in its own TCP segment
  std::size_t mss = 1448;
  Impairment impairment = Impairment::none;
};

struct ConnectionKnobs {
  ClientKnobs client;
  ServerKnobs server;
  WireKnobs wire;
  CompressionKnobs compression;
};

struct Scenario {
  std::string_view name;
  std::string_view description;
  std::vector<ConnectionKnobs> connections;
};

std::span<const Scenario> all_scenarios();
const Scenario* find_scenario(std::string_view name);

}  // namespace tlsgen
