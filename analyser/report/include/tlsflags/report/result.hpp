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

struct ConnectionResult {
  std::string file;
  Endpoint client;
  Endpoint server;
  uint64_t first_frame = 0;
  uint64_t last_frame = 0;
  std::string tls_version;   // "1.3", "1.2", ... or empty when no ServerHello was seen
  bool decrypted = false;
  bool flags_seen = false;   // a TLS Flags extension was in some readable message
  std::string server_name;   // SNI of the first ClientHello, as sent (not yet made safe)
  Judgement judgement;
  // The timeline, kept only when an output shows it (--events, --explain); visibility markers included
  // (the text explanation shows them, JSON Lines leaves them out). Certificate DER is never kept.
  std::vector<Event> events;
};

// Reduces a judged timeline to its result. `keep_events` keeps the events for --events / --explain.
ConnectionResult make_connection_result(const Timeline& timeline, Judgement judgement, bool keep_events);

// Adds a finding that only many connections together reveal (rca.server.trust-anchors-shared) and
// recomputes the verdict as design.md "Verdicts" says.
void add_cross_connection_finding(ConnectionResult& result, Finding finding);

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

struct ServerSummary {
  std::string server;  // "IP:port"
  size_t connections = 0;
  VerdictCounts verdicts{};
  size_t client_offered = 0;       // connections whose client sent request_client_auth
  size_t server_acknowledged = 0;  // ... and whose server echoed it in CertificateRequest
  std::map<std::string, size_t> findings;  // rule id -> number of findings
};

struct RunSummary {
  size_t files = 0;             // captures read
  size_t unreadable_files = 0;  // captures that could not be read (fully)
  size_t connections = 0;
  VerdictCounts verdicts{};
  std::vector<ServerSummary> servers;  // sorted by server address text

  size_t count(Verdict verdict) const { return verdicts[static_cast<size_t>(verdict)]; }
};

RunSummary summarise(std::span<const FileResult> files);
VerdictCounts count_verdicts(std::span<const ConnectionResult> connections);

// The run failed (exit status 1) when any connection's verdict is fail.
bool any_failed(const RunSummary& summary);

}  // namespace tlsflags::report
