// The registered protocol "tlsflags": its field, subtree and expert ids and its preferences
// (docs/plugin.md "Fields"). Registration lives in tlsflags_protocol.cpp; everything else reads
// these ids.
#pragma once

#include "wireshark.hpp"

#include "tlsflags/core/rules.hpp"

namespace tlsflags::plugin {

struct FieldIds {
  int proto = -1;                // tlsflags: any frame the plugin shows something on (hidden item)
  int extension = -1;            // tlsflags.extension: a decoded TLS Flags extension
  int client_auth = -1;          // tlsflags.client_auth: the connection's client authentication
  int message = -1;              // tlsflags.message
  int length = -1;               // tlsflags.length
  int flags = -1;                // tlsflags.flags
  int flag = -1;                 // tlsflags.flag
  int request_client_auth = -1;  // tlsflags.request_client_auth
  int request_in = -1;           // tlsflags.request_in
  int ack_in = -1;               // tlsflags.ack_in
  int certificate_in = -1;       // tlsflags.certificate_in
  // The client's certificate and the server's reaction (docs/debugging.md, analyser/inspect).
  int certificate_subject = -1;     // tlsflags.client_certificate.subject
  int certificate_issuer = -1;      // tlsflags.client_certificate.issuer
  int certificate_san = -1;         // tlsflags.client_certificate.san, one per entry
  int certificate_not_before = -1;  // tlsflags.client_certificate.not_before
  int certificate_not_after = -1;   // tlsflags.client_certificate.not_after
  int certificate_key_type = -1;    // tlsflags.client_certificate.key_type
  int certificate_sha256 = -1;      // tlsflags.client_certificate.sha256
  int server_reaction = -1;         // tlsflags.server_reaction
  // The connection's judgement over the whole capture, on every frame after the first pass
  // (capture_outcome.hpp, docs/plugin.md "Connection verdict").
  int connection = -1;                     // tlsflags.connection
  int connection_index = -1;               // tlsflags.connection.index
  int verdict = -1;                        // tlsflags.verdict
  int connection_client = -1;              // tlsflags.connection.client
  int connection_server = -1;              // tlsflags.connection.server
  int connection_sni = -1;                 // tlsflags.connection.sni
  int connection_rca_offered = -1;         // tlsflags.connection.rca_offered
  int connection_rca_echoed = -1;          // tlsflags.connection.rca_echoed
  int connection_client_certificate = -1;  // tlsflags.connection.client_certificate
  int connection_server_reaction = -1;     // tlsflags.connection.server_reaction
  int connection_reaction_inferred = -1;   // tlsflags.connection.server_reaction_inferred
  int connection_findings = -1;            // tlsflags.connection.findings
  int ett_extension = -1;
  int ett_client_auth = -1;
  int ett_connection = -1;
  int tap = -1;                            // tap "tlsflags": a judged connection per frame (statistics.hpp)
};
extern FieldIds g_ids;

// The expert field of a catalogue rule ("tlsflags." + rule id).
expert_field* expert_field_for(RuleId rule);

// Current preference values, as the rules engine wants them.
RuleConfig current_rule_config();
uint16_t current_extension_type();

void register_protocol();
void register_handoff();

}  // namespace tlsflags::plugin
