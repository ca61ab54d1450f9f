// The capture as a whole, for the passes after the first (tshark -2, the GUI's redissection on a click,
// a display filter applied after loading, a statistics retap): once the first pass has read every frame,
// each connection is judged as tlsflags-check judges it — the same timeline ended the same way
// (capture_end for a connection still open), the same inspection of its certificates with the trust
// anchors and pins of the preferences, core's judge() and deploy.* findings, and
// rca.server.trust-anchors-shared across the connections (docs/plugin.md "Passes"). The first pass shows
// only what the frames read so far decided: it never sees this outcome.
#pragma once

#include <cstdint>

#include "connection_state.hpp"
#include "wireshark.hpp"

#include "tlsflags/core/rules.hpp"

namespace tlsflags::plugin {

// One connection's judgement after the whole capture, as plain wmem_file_scope data (display reads it
// between Wireshark calls that may longjmp).
struct ConnectionOutcome {
  uint32_t index;                // 0-based, in the analyser's report order (first frame, then last)
  Verdict verdict;
  const char* verdict_name;      // "pass", "fail", "warn", "undecidable", "not-applicable" (core's to_string)
  const char* client;            // "IP:port"
  const char* server;
  const char* server_name;       // SNI; "" when absent
  bool rca_offered;              // the (final) ClientHello carried request_client_auth
  int8_t rca_echoed;             // 1 echoed, 0 not, -1 the server's flight was not visible
  const char* client_certificate;  // "non-empty", "empty", "none", "unknown" (docs/output.md rca)
  const char* server_reaction;   // docs/debugging.md; NULL when the server did not ask for a certificate
  bool server_reaction_inferred; // accepted only because nothing went wrong before the capture ended
  // Every finding; each is shown on the frames it cites and on its decided_in frame (the first pass's,
  // or the connection's last frame when it cites none of the connection's frames).
  const FindingRecord* findings;
  int finding_count;
};

// Counts the frame (first pass only): the outcome is computed again when the first pass has grown.
void note_first_pass_frame(packet_info* pinfo);
// Registers a connection (in the order they are created).
void register_connection(ConnectionState* connection);

// Files named by the preferences tlsflags.trust_anchors and tlsflags.pinned; NULL or "" for none.
// Returns the error text (static storage until the next call) when a file cannot be used, else NULL.
const char* load_deployment_files(const char* trust_anchors_file, const char* pinned_file);

// Judges every connection of the capture read so far (a pass after the first calls this before it shows
// anything); does nothing when nothing was read since the last time. Never throws.
void judge_capture(const RuleConfig& config);

// Every registered connection, in report order (valid after judge_capture), and their count.
ConnectionState* const* judged_connections(uint32_t& count);

}  // namespace tlsflags::plugin
