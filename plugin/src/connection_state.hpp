// Phase 2 of a frame, on the first pass only: turn the scan into core events, append them to the
// connection's Timeline, judge it with the core engine, and keep in file-scoped plain records what
// every later pass shows (notes: -2 and GUI re-clicks do not get the TLS fields back reliably).
#pragma once

#include <cstdint>

#include "frame_scan.hpp"
#include "wireshark.hpp"

#include "tlsflags/core/events.hpp"
#include "tlsflags/core/rules.hpp"

namespace tlsflags::plugin {

// One TLS Flags extension as decoded by the core codec.
struct ExtensionRecord {
  int ordinal;        // index among the frame's TLS Flags extensions: finds its tree node again
  int type_offset;    // offset of extension_type in its data source
  uint8_t message;    // handshake type; 6 (hello_retry_request_reserved) for a HelloRetryRequest
  bool from_server;
  uint16_t body_length;
  uint8_t declared_length;
  FlagsProblem problem;
  bool duplicate;     // a second TLS Flags extension in the same extension block
  bool request_client_auth;
  uint16_t octet_count;
  const uint8_t* octets;        // the flags vector as sent (what of it was present)
  uint16_t flag_count;
  const uint16_t* flag_numbers; // set flags, ascending
};

struct FindingRecord {
  RuleId rule;
  const char* message;
  const uint64_t* frames;  // evidence, ascending
  uint32_t frame_count;
  uint32_t decided_in;     // the frame whose data let the engine decide it (0: none)
};

// Frames linking the request_client_auth exchange of one connection (0 = not seen).
struct ConnectionLinks {
  uint32_t flagged_client_hello;   // the (last) ClientHello carrying the flag
  uint32_t acknowledging_request;  // the CertificateRequest echoing it
  uint32_t client_certificate;     // the client's Certificate answering a CertificateRequest
};

// The client certificate's details (docs/output.md `rca.client_certificate_details`), as wmem strings.
struct CertificateDetailsRecord {
  const char* subject;
  const char* issuer;
  const char* const* san;  // one string per subjectAltName entry
  uint32_t san_count;
  const char* not_before;
  const char* not_after;
  const char* key_type;
  const char* sha256;
};

struct ConnectionState;
struct ConnectionOutcome;

// What a frame shows on every pass.
struct FrameRecord {
  ConnectionState* connection;
  const ExtensionRecord* extensions;
  int extension_count;
  bool certificate_request;  // holds the server's CertificateRequest
  bool client_certificate;   // holds the client's Certificate
  const CertificateDetailsRecord* certificate_details;  // the client's leaf, when this frame holds it
  const char* server_reaction;  // rca.server_reaction, on the frame that decided it; NULL otherwise
};

struct ConnectionState {
  Timeline timeline;
  address client_address;  // wmem_file_scope copy; AT_NONE until the client is known
  uint32_t client_port = 0;
  ConnectionLinks links{};
  bool saw_cr = false;
  bool reaction_shown = false;  // the server's reaction was recorded on the frame that decided it
  bool sent_protected[2] = {false, false};   // per Party: an unreadable marker was appended
  bool sent_app_data[2] = {false, false};    // per Party: an application_data marker was appended
  FindingRecord* findings = nullptr;          // wmem_file_scope: what the first pass decided so far
  int finding_count = 0;
  const ConnectionOutcome* outcome = nullptr;  // after the first pass (capture_outcome.hpp)
};

// The connection state of `pinfo`'s conversation, created on first use; freed with the file scope.
ConnectionState* connection_for(packet_info* pinfo, int proto);
// The same, but NULL when the conversation has shown no TLS handshake yet.
ConnectionState* existing_connection(packet_info* pinfo, int proto);

// Records the frame (first pass). Returns the record to keep with the frame; never throws.
FrameRecord* record_frame(ConnectionState* connection, const FrameScan* scan, packet_info* pinfo,
                          const RuleConfig& config);

}  // namespace tlsflags::plugin
