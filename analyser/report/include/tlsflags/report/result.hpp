// What the writers report: one judged connection, one capture file, one run. A ConnectionResult keeps
// only what the outputs show, so a run over many large captures does not hold every Timeline.
#pragma once

#include <array>
#include <cstddef>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "tlsflags/core/events.hpp"
#include "tlsflags/core/rules.hpp"

namespace tlsflags::report {

// What tlsflags-check learnt from the certificates on the wire (analyser/inspect), as the plain text the
// writers show: the report library needs no X.509 code. Field names follow docs/output.md's JSON Lines
// contract (`rca.client_certificate_details`, `rca.server_reaction`).
struct ClientCertificateDetails {
  std::string subject;  // RFC 2253, most specific first
  std::string issuer;
  std::vector<std::string> san;  // "DNS:x", "IP:y", "URI:z", ...
  std::string not_before;        // ISO 8601 UTC
  std::string not_after;
  std::string key_type;          // "EC P-256", "RSA 2048", ...
  std::string sha256;            // of the DER, lower-case hex
};

// One part of the fit between the client's certificate and the CertificateRequest (RFC 8446 §4.4.2.3).
struct FitPart {
  std::string fit;  // "fits", "does-not-fit", "unconstrained", "undecidable"
  std::string explanation;
};
struct CertificateRequestFit {
  FitPart certificate_authorities;
  FitPart certificate_signature;
  FitPart key;
};

// The server's certificate against the SNI (RFC 9525 by default).
struct ServerIdentity {
  std::string sni;
  std::optional<std::string> error;  // set when it could not be checked (no SNI, unreadable certificate)
  bool matched = false;
  std::string rule;                   // "dns-id", "dns-wildcard", "cn-fallback", "ip-address", "none"
  std::string matched_identifier;
  std::vector<std::string> presented;  // "DNS:x", "IP:y", "CN:z"
  std::string explanation;
};

struct Deployment {
  std::optional<ClientCertificateDetails> client_certificate;  // the leaf the client presented, when readable
  std::optional<std::string> server_reaction;  // contract value: "accepted", "unknown_ca", "alert:<name>", ...
  bool server_reaction_inferred = false;       // accepted only because nothing went wrong before the end
  std::optional<CertificateRequestFit> certificate_request_fit;  // when the client answered a CR
  std::optional<ServerIdentity> server_identity;  // when the server's leaf and the ClientHello were seen
  std::vector<std::string> explain_lines;  // for --explain; kept only when an output shows them
};

struct ConnectionResult {
  std::string file;
  Endpoint client;
  Endpoint server;
  Transport transport = Transport::tcp;
  uint64_t first_frame = 0;
  uint64_t last_frame = 0;
  std::string tls_version;   // "1.3", "1.2", ... or empty when no ServerHello was seen
  bool decrypted = false;
  bool flags_seen = false;   // a TLS Flags extension was in some readable message
  std::string server_name;   // SNI of the first ClientHello, as sent (not yet made safe)
  std::string upgrade;       // Timeline::upgrade: the plaintext upgrade TLS followed, empty for none
  Judgement judgement;
  Deployment deployment;
  // The timeline, kept only when an output shows it (--events, --explain); visibility markers included
  // (the text explanation shows them, JSON Lines leaves them out). Certificate DER is never kept.
  std::vector<Event> events;
};

// Reduces a judged timeline to its result. `keep_events` keeps the events for --events / --explain.
ConnectionResult make_connection_result(const Timeline& timeline, Judgement judgement, bool keep_events);

// Something that made the analysis of a capture see less than the capture holds: a resource cap that
// fired, timelines cut at their bound, alerts not recorded (docs/output.md "Anomalies"). Besides stderr,
// JSON Lines writes one record per anomaly and SARIF one notification, so that a CI pipeline keeps them.
struct Anomaly {
  std::string kind;          // "connections-closed-early", "timeline-cut", ... (docs/output.md)
  uint64_t count = 0;        // how many times it happened in the capture
  uint64_t first_frame = 0;  // where it first happened; 0 when not known
  std::string message;       // the sentence stderr shows
};

struct FileResult {
  std::string file;
  std::optional<std::string> read_error;  // set when the capture could not be read (fully)
  std::vector<ConnectionResult> connections;  // in first_frame order
};

// The order of connections within a file: by first frame, then last frame, then endpoints, so that
// output never depends on the order in which connections happened to finish.
bool comes_before(const ConnectionResult& a, const ConnectionResult& b);
void sort_connections(FileResult& file);  // stable sort by comes_before

inline constexpr size_t kVerdictCount = 5;
using VerdictCounts = std::array<size_t, kVerdictCount>;  // indexed by Verdict

// A client certificate seen at one server, for --by-server.
struct PresentedCertificate {
  std::string subject;
  size_t connections = 0;
};

struct ServerSummary {
  std::string server;  // "IP:port"
  std::vector<std::string> server_names;  // the SNIs clients asked this server for, sorted, no duplicates
  size_t connections = 0;
  VerdictCounts verdicts{};
  size_t client_offered = 0;       // connections whose client sent request_client_auth
  size_t server_acknowledged = 0;  // ... and whose server echoed it in CertificateRequest
  std::map<std::string, size_t> findings;  // rule id -> number of findings
  std::map<std::string, PresentedCertificate> certificates;  // by sha256: the client certificates presented
  std::map<std::string, size_t> server_reactions;            // rca.server_reaction value -> connections
};

struct RunSummary {
  size_t files = 0;             // captures read
  size_t unreadable_files = 0;  // captures that could not be read (fully)
  size_t connections = 0;
  VerdictCounts verdicts{};
  std::vector<ServerSummary> servers;  // sorted by server address text

  size_t count(Verdict verdict) const { return verdicts[static_cast<size_t>(verdict)]; }
};

// The run's summary counted a file and a connection at a time: what summarise() counts over whole files,
// for a caller that streams its report and keeps no results (tlsflags-check).
class SummaryBuilder {
 public:
  void add_file(bool unreadable);
  void add_connection(const ConnectionResult& connection);
  RunSummary summary() const;  // servers sorted by their address text

 private:
  RunSummary totals_;
  std::map<std::string, ServerSummary> servers_;
};

RunSummary summarise(std::span<const FileResult> files);
VerdictCounts count_verdicts(std::span<const ConnectionResult> connections);

// The run failed (exit status 1) when any connection's verdict is fail.
bool any_failed(const RunSummary& summary);

}  // namespace tlsflags::report
