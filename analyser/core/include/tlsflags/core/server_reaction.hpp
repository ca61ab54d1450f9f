// How the server reacted to the client's answer to its CertificateRequest: the JSON Lines contract's
// `rca.server_reaction` (docs/debugging.md): accepted, certificate_required, bad_certificate, unknown_ca,
// alert:<name>, closed, unknown. Pure timeline logic, so it lives in core beside the rules: the analyser
// and the plugin ask it, and the deploy.* findings (deployment.hpp) are decided from it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tlsflags/core/events.hpp"

namespace tlsflags {

enum class ServerReactionKind : uint8_t {
  accepted,              // the server went on: NewSessionTicket, application data, (TLS 1.2) its Finished
  certificate_required,  // alert 116 (RFC 8446 §4.4.2.4: no certificate where one is required)
  bad_certificate,       // alert 42
  unknown_ca,            // alert 48 (RFC 8446 §6.2: chain does not lead to an accepted CA)
  other_alert,           // any other error alert: "alert:<name>"
  closed,                // FIN or RST from the server, no alert before it
  unknown,               // not visible: no keys, a gap, unreadable records, capture ended first
};

struct ServerReaction {
  ServerReactionKind kind = ServerReactionKind::unknown;
  uint8_t alert_description = 0;  // for the alert kinds
  uint64_t frame = 0;             // the event that decided it; 0 when nothing did
  uint64_t anchor_frame = 0;      // the client's Certificate (or the CertificateRequest when none came)
  bool inferred = false;          // accepted only because nothing went wrong before the capture ended
  std::string explanation;        // one sentence for --explain

  std::string to_string() const;  // the contract value: "accepted", "alert:handshake_failure", ...
};

// nullopt when the server was seen not to ask for a certificate (no CertificateRequest in a readable
// server flight): there is no reaction to report. When the server's flight could not be read, the
// reaction is `unknown`.
std::optional<ServerReaction> classify_server_reaction(const Timeline& timeline);

}  // namespace tlsflags
