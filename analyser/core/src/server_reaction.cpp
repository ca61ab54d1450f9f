#include "tlsflags/core/server_reaction.hpp"

#include "tlsflags/core/visibility.hpp"

#include <utility>

namespace tlsflags {

std::string ServerReaction::to_string() const {
  switch (kind) {
    case ServerReactionKind::accepted: return "accepted";
    case ServerReactionKind::certificate_required: return "certificate_required";
    case ServerReactionKind::bad_certificate: return "bad_certificate";
    case ServerReactionKind::unknown_ca: return "unknown_ca";
    case ServerReactionKind::other_alert: return "alert:" + std::string(alert_description_name(alert_description));
    case ServerReactionKind::closed: return "closed";
    case ServerReactionKind::unknown: return "unknown";
  }
  return "unknown";
}

namespace {

std::string frame_text(const Event& event) { return "frame " + std::to_string(event.frame); }

ServerReactionKind kind_of_error_alert(uint8_t description) {
  switch (description) {
    case alert_certificate_required: return ServerReactionKind::certificate_required;
    case alert_bad_certificate: return ServerReactionKind::bad_certificate;
    case alert_unknown_ca: return ServerReactionKind::unknown_ca;
  }
  return ServerReactionKind::other_alert;
}

// The scan after the anchor: the first event that shows what the server made of the client's answer.
class ReactionScan {
 public:
  ReactionScan(const Timeline& timeline, const Event& anchor, std::string anchor_text)
      : tls13_(timeline.tls_version() == "1.3"), anchor_text_(std::move(anchor_text)) {
    reaction_.anchor_frame = anchor.frame;
  }

  // Returns true when the scan should stop: the reaction is decided, or the capture ended.
  bool visit(const Event& event) {
    if (event.type == EventType::capture_end) return true;  // finish() decides
    return event.from == Party::server ? visit_server(event) : visit_client(event);
  }

  bool decided() const { return decided_; }
  const ServerReaction& reaction() const { return reaction_; }

  ServerReaction finish() {
    if (client_finished_ && !client_closed_) {
      reaction_.inferred = true;
      decide(ServerReactionKind::accepted, nullptr,
             "the server sent no alert and did not close the connection after the client's Finished, up to the "
             "end of the capture (accepted by inference: nothing from the server proves it)");
    } else {
      std::string why = client_closed_ ? "the client closed the connection before the server showed a reaction"
                                       : "the capture ends before the server showed a reaction";
      decide(ServerReactionKind::unknown, nullptr, why + " to " + anchor_text_);
    }
    return reaction_;
  }

 private:
  bool visit_server(const Event& event) {
    switch (event.type) {
      case EventType::alert:
        if (!event.is_error_alert()) return closed(event, "sent close_notify");
        reaction_.alert_description = event.alert_description;
        return decide(kind_of_error_alert(event.alert_description), &event,
                      "the server answered " + anchor_text_ + " with the alert " +
                          std::string(alert_description_name(event.alert_description)) + " (" + frame_text(event) + ")");
      case EventType::new_session_ticket:
        return accepted(event, "a NewSessionTicket");
      case EventType::application_data:
        return accepted(event, "application data");
      case EventType::key_update:
        return accepted(event, "a KeyUpdate");
      case EventType::finished:
        // In TLS 1.3 the server's Finished precedes the client's second flight, so it shows nothing; in
        // TLS 1.2 the server sends it only after it has processed the client's Certificate.
        return !tls13_ && accepted(event, "its Finished");
      case EventType::fin:
        return closed(event, "closed the connection (FIN)");
      case EventType::rst:
        return closed(event, "reset the connection (RST)");
      case EventType::unreadable:
        return decide(ServerReactionKind::unknown, &event,
                      "the server's records after " + anchor_text_ + " could not be decrypted (" + frame_text(event) + ")");
      case EventType::gap:
        return decide(ServerReactionKind::unknown, &event,
                      "data from the server after " + anchor_text_ + " is missing from the capture (" + frame_text(event) + ")");
      default:
        return false;  // the rest of a TLS 1.3 server flight after the CR, or nothing that decides
    }
  }

  bool visit_client(const Event& event) {
    switch (event.type) {
      case EventType::finished:
        client_finished_ = true;
        return false;
      case EventType::alert:
        if (!event.is_error_alert()) {
          client_closed_ = true;
          return false;
        }
        return decide(ServerReactionKind::unknown, &event,
                      "the client aborted with the alert " + std::string(alert_description_name(event.alert_description)) +
                          " (" + frame_text(event) + ") before the server showed a reaction");
      case EventType::rst:
        return decide(ServerReactionKind::unknown, &event,
                      "the client reset the connection (" + frame_text(event) + ") before the server showed a reaction");
      case EventType::fin:
        client_closed_ = true;
        return false;
      default:
        return false;
    }
  }

  bool accepted(const Event& event, const std::string& what) {
    return decide(ServerReactionKind::accepted, &event,
                  "the server went on after " + anchor_text_ + ": it sent " + what + " (" + frame_text(event) + ")");
  }

  bool closed(const Event& event, const std::string& what) {
    if (client_closed_) {
      return decide(ServerReactionKind::unknown, &event,
                    "the client closed the connection first; the server then " + what + " (" + frame_text(event) + ")");
    }
    return decide(ServerReactionKind::closed, &event,
                  "the server " + what + " (" + frame_text(event) + ") after " + anchor_text_ + ", without an error alert");
  }

  bool decide(ServerReactionKind kind, const Event* event, std::string explanation) {
    reaction_.kind = kind;
    reaction_.frame = event ? event->frame : 0;
    reaction_.explanation = std::move(explanation);
    decided_ = true;
    return true;
  }

  bool tls13_;
  std::string anchor_text_;
  ServerReaction reaction_;
  bool client_finished_ = false;
  bool client_closed_ = false;
  bool decided_ = false;
};

std::string anchor_description(const Event& anchor) {
  if (anchor.type == EventType::certificate) {
    std::string what = anchor.certificate_entries == 0 ? "the client's empty Certificate" : "the client's Certificate";
    return what + " (" + frame_text(anchor) + ")";
  }
  return "the CertificateRequest (" + frame_text(anchor) + "), which the client answered with no Certificate";
}

// Where the scan begins: after the anchor; but after a post-handshake CertificateRequest (RFC 8446
// §4.6.2) that got no Certificate, at the client's answer, since the server's application data in
// between shows nothing about it.
const Event* scan_start(const Timeline& timeline, const Event& anchor, bool anchor_is_certificate) {
  const Event* server_finished = timeline.first(EventType::finished, Party::server);
  bool post_handshake_request = !anchor_is_certificate && server_finished && server_finished < &anchor;
  const Event* end = timeline.events.data() + timeline.events.size();
  const Event* event = &anchor + 1;
  if (!post_handshake_request) return event;
  for (const Event* e = event; e != end; ++e)
    if (e->from == Party::client && e->type != EventType::application_data) return e;
  return event;
}

}  // namespace

std::optional<ServerReaction> classify_server_reaction(const Timeline& timeline) {
  const Event* request = timeline.first(EventType::certificate_request, Party::server);
  if (!request) {
    if (server_flight_visible(timeline)) return std::nullopt;  // seen not to ask
    ServerReaction hidden;
    hidden.explanation = "the server's handshake flight could not be read: whether it asked for a certificate is not visible";
    return hidden;
  }
  // The client's answer is its Certificate; when it sent none, the reaction is to its silence after the CR.
  const Event* answer = timeline.first(EventType::certificate, Party::client, request);
  const Event& anchor = answer ? *answer : *request;
  ReactionScan scan(timeline, anchor, anchor_description(anchor));
  const Event* end = timeline.events.data() + timeline.events.size();
  for (const Event* event = scan_start(timeline, anchor, answer != nullptr); event != end; ++event) {
    if (scan.visit(*event)) break;
  }
  return scan.decided() ? scan.reaction() : scan.finish();
}

}  // namespace tlsflags
