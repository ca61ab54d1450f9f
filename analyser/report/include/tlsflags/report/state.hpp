// The mergeable state of a tlsflags-check run (docs/fleet.md, docs/output.md "Mergeable state"): every
// judged connection with what rca.server.trust-anchors-shared reads of it, each capture's content hash,
// errors and anomalies, and the run's own diagnostics. `tlsflags-check merge` replays states through the
// same report stream a run over the captures feeds, so the two cannot differ.
//
// The state is JSON Lines, one record per line, "type" first:
//   {"type":"tlsflags-state","version":1,"settings":{...}}       first
//   {"type":"connection","capture":N,...}                          a capture's connections, in report order
//   {"type":"capture","capture":N,"file":...,"sha256":...,...}    after them: the capture's end
//   {"type":"end","diagnostics":[...]}                             last: the state is complete
// A state without its "end" record was cut short and is refused.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tlsflags/core/rules.hpp"
#include "tlsflags/core/trust_anchors.hpp"
#include "tlsflags/report/result.hpp"

namespace tlsflags::report::state {

inline constexpr std::string_view kFormatName = "tlsflags-state";
inline constexpr int kVersion = 1;

// What the judgement and the report depend on: states merge only when these are equal.
struct Settings {
  RuleConfig rules;
  uint16_t flags_extension = kTlsFlagsExtensionType;
  bool events = false;   // the connections carry their timelines (--events, --explain)
  bool explain = false;  // the connections carry --explain's lines
  std::string tool_version;
};
bool same_judgement_settings(const Settings& a, const Settings& b);

struct Connection {
  ConnectionResult result;
  std::optional<TrustAnchorsInput> trust_anchors;  // what the cross-connection rule reads of it
};

// The end of one capture: everything the report and stderr say about it besides its connections.
struct Capture {
  size_t index = 0;            // its position in the run that wrote the state
  std::string file;            // as the user gave it
  std::string sha256;          // of the file's bytes, lower-case hex; empty when it could not be read
  std::optional<std::string> read_error;
  std::optional<std::string> cut_short;
  std::vector<std::string> warnings;
  std::vector<Anomaly> anomalies;
};

// A run-level diagnostic (a key log that could not be read, ...): `trouble` makes the exit status 2.
struct Said {
  std::string message;
  bool trouble = false;
};

std::string header_line(const Settings& settings);
std::string connection_line(size_t capture, const ConnectionResult& result,
                            const std::optional<TrustAnchorsInput>& trust_anchors);
std::string capture_line(const Capture& capture);
std::string end_line(const std::vector<Said>& diagnostics);

enum class LineType { header, connection, capture, end };

// What a line is, read from its start alone (the writer puts "type" first): for a reader that skips
// connections. Nothing when the line is no state record.
std::optional<LineType> peek_type(std::string_view line);

// Parsing a line; each throws std::runtime_error saying what is wrong.
Settings parse_header(std::string_view line);  // also refuses another format or version
Connection parse_connection(std::string_view line);
Capture parse_capture(std::string_view line);
std::vector<Said> parse_end(std::string_view line);

// ---- Merging ----------------------------------------------------------------------------------------

// One capture in a state file, and where its connection records are.
struct CaptureInState {
  std::string state;     // the state file's path
  Capture capture;
  uint64_t begin = 0;    // byte offset of its first connection record
  uint64_t end = 0;      // byte offset of its capture record (just after its last connection record)
};

// A state file read through once: its settings, its captures and its run-level diagnostics. Throws
// std::runtime_error naming the line when the file cannot be read, is no state, or was cut short.
struct StateIndex {
  Settings settings;
  std::vector<CaptureInState> captures;
  std::vector<Said> diagnostics;
};
StateIndex index_state(const std::string& path);

// The captures of a merged run, in the order a run over them all reports them: by file name (bytes),
// then content hash; a content that is in several states (or twice in one) is kept once, the first in
// that order, and so is an unreadable capture named twice. The order of `all` does not matter.
struct MergeOrder {
  std::vector<CaptureInState> captures;
  size_t duplicates = 0;  // captures left out as already present
};
MergeOrder merge_order(std::vector<CaptureInState> all);

// Reads one capture's connections from its state, in report order. Throws std::runtime_error.
void read_connections(const CaptureInState& capture, const std::function<void(Connection&&)>& each);

}  // namespace tlsflags::report::state
