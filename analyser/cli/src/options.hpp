// The command line of tlsflags-check, exactly as docs/tlsflags-check.1 lists it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tlsflags/core/rules.hpp"
#include "tlsflags/report/writer.hpp"

namespace tlsflags::cli {

inline constexpr int kExitNoFailure = 0;
inline constexpr int kExitFailure = 1;   // at least one connection failed
inline constexpr int kExitTrouble = 2;   // usage error, or an input that could not be read
inline constexpr int kExitOutputFailed = 3;  // the report could not be written whole (it is partial)
inline constexpr int kExitInterruptedBase = 128;  // + the signal: 130 for SIGINT, 143 for SIGTERM

struct CheckOptions {
  std::vector<std::string> captures;
  std::vector<std::string> keylogs;          // -k, in the order given
  uint16_t rca_flag = kDefaultRequestClientAuthFlag;
  uint16_t flags_extension = kTlsFlagsExtensionType;
  Profile profile = Profile::rfc;
  report::Format format = report::Format::text;
  std::optional<std::string> output;         // -o; stdout when unset
  unsigned jobs = 1;
  bool explain = false;
  bool events = false;
  bool by_server = false;
  double slow_certificate_seconds = RuleConfig{}.slow_certificate_seconds;
  uint64_t max_connections = 0;   // --max-connections: CaptureLimits::max_connections; 0 = its default
  uint64_t max_buffer_bytes = 0;  // --max-buffer-bytes: out-of-order buffer over all connections; 0 = default
  std::optional<std::string> trust_anchors;  // --trust-anchors FILE: PEM bundle the client chain is verified against
  std::optional<std::string> pinned;         // --pinned FILE: PEM certificates the client leaf must be one of
  std::optional<std::string> interface;      // -i IFACE: live capture instead of CAPTURE files
  std::optional<std::string> bpf;            // --bpf FILTER: libpcap filter for -i
  std::optional<std::string> state;          // --state FILE: the run's mergeable state (docs/fleet.md)
  bool merge = false;                        // `merge STATE...`: the report of the states' captures
  std::vector<std::string> states;           // merge's STATE files
};

// Either options to run with, or the exit status to leave with at once (after --help, --version or a
// usage error; the text has been written to stdout or stderr already).
struct ParsedCommandLine {
  std::optional<CheckOptions> options;
  int exit_status = kExitNoFailure;
};

ParsedCommandLine parse_command_line(int argc, char** argv);

// The version printed by --version and put into SARIF and JUnit.
std::string tool_version();

}  // namespace tlsflags::cli
