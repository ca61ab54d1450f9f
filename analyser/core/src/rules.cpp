// The rules engine: judges one connection's Timeline against the catalogue (docs/rules.md).
//
// Each rule is one small check. A check either says nothing (the rule held or does not apply), adds a
// Finding (the rule is broken and the evidence is visible), or adds an Undecided (the rule applies but
// what decides it was not visible). Verdicts follow from those alone, so a verdict is never guessed.
#include "tlsflags/core/rules.hpp"
#include "tlsflags/core/trust_anchors.hpp"
#include "tlsflags/core/visibility.hpp"

#include <algorithm>
#include <utility>

namespace tlsflags {
namespace {

std::string frame_ref(const Event& e) { return "frame " + std::to_string(e.frame); }

std::string message_name(const Event& e) {
  switch (e.type) {
    case EventType::client_hello: return "ClientHello";
    case EventType::server_hello: return "ServerHello";
    case EventType::hello_retry_request: return "HelloRetryRequest";
    case EventType::encrypted_extensions: return "EncryptedExtensions";
    case EventType::certificate_request: return "CertificateRequest";
    case EventType::certificate: return e.from == Party::client ? "client Certificate" : "server Certificate";
    case EventType::certificate_verify: return "CertificateVerify";
    case EventType::finished: return e.from == Party::client ? "client Finished" : "server Finished";
    case EventType::new_session_ticket: return "NewSessionTicket";
    case EventType::key_update: return "KeyUpdate";
    case EventType::end_of_early_data: return "EndOfEarlyData";
    case EventType::alert: return "alert";
    default: return std::string(to_string(e.type));
  }
}

std::string flag_list(const FlagSet& flags) {
  // Appended piece by piece: GCC 12 at -O3 misreads `sep + std::to_string(f)` as an overlapping copy.
  std::string out;
  flags.for_each([&out](uint16_t f) {
    if (!out.empty()) out.push_back(',');
    out.append(std::to_string(f));
  });
  return out;
}

// The handshake's landmarks, located once. Pointers into the timeline's events; index order is capture
// order.
struct Landmarks {
  const Event* ch1 = nullptr;
  const Event* hrr = nullptr;
  const Event* ch2 = nullptr;
  const Event* sh = nullptr;
  const Event* cr = nullptr;
  const Event* server_finished = nullptr;
  const Event* client_certificate = nullptr;
  const Event* client_finished = nullptr;
  const Event* final_ch() const { return ch2 ? ch2 : ch1; }
};

Landmarks locate(const Timeline& t) {
  Landmarks m;
  for (const Event& e : t.events) {
    bool from_client = e.from == Party::client;
    switch (e.type) {
      case EventType::client_hello:
        if (!m.ch1) m.ch1 = &e;
        else if (m.hrr && !m.ch2) m.ch2 = &e;
        break;
      case EventType::hello_retry_request: if (!m.hrr) m.hrr = &e; break;
      case EventType::server_hello: if (!m.sh) m.sh = &e; break;
      case EventType::certificate_request: if (!m.cr && !m.server_finished) m.cr = &e; break;
      case EventType::finished:
        if (from_client && !m.client_finished) m.client_finished = &e;
        if (!from_client && !m.server_finished) m.server_finished = &e;
        break;
      case EventType::certificate:
        if (from_client && !m.client_certificate && !m.client_finished) m.client_certificate = &e;
        break;
      default: break;
    }
  }
  return m;
}

size_t index_of(const Timeline& t, const Event* e) { return static_cast<size_t>(e - t.events.data()); }

// One CertificateRequest and the client's answer to it: the handshake's own (RFC 8446 §4.3.2) and each
// post-handshake one (§4.6.2), which the client answers with Certificate, CertificateVerify and
// Finished carrying the same certificate_request_context (§4.4.2). docs/rules.md "Post-handshake
// authentication".
struct Request {
  const Event* cr = nullptr;
  bool post_handshake = false;         // sent after the server's Finished
  const Event* certificate = nullptr;  // the client's Certificate that answers it
  const Event* finished = nullptr;     // the client's Finished that ends that answer
};

// The first client message of `type` after `after` that no other request claimed and, for a
// Certificate, that echoes `context`.
const Event* unclaimed_answer(const Timeline& t, const Event* after, EventType type, const std::string* context,
                              const std::vector<const Event*>& claimed) {
  for (size_t i = index_of(t, after) + 1; i < t.events.size(); ++i) {
    const Event& e = t.events[i];
    if (e.from != Party::client || e.type != type) continue;
    if (std::find(claimed.begin(), claimed.end(), &e) != claimed.end()) continue;
    if (context && e.certificate_request_context != *context) continue;
    return &e;
  }
  return nullptr;
}

std::vector<Request> locate_requests(const Timeline& t, const Landmarks& m) {
  std::vector<Request> out;
  for (const Event& e : t.events) {
    if (e.type != EventType::certificate_request || e.from != Party::server) continue;
    Request r{&e, m.server_finished && m.server_finished < &e};
    if (r.post_handshake) {
      out.push_back(r);
    } else if (&e == m.cr) {  // RFC 8446 §4.3.2 allows one in the handshake; the rules read the first
      r.certificate = m.client_certificate;
      r.finished = m.client_finished;
      out.push_back(r);
    }
  }
  // Several post-handshake requests may be outstanding (§4.6.2): each Certificate names its request by
  // the context; then each answered request takes the Finished after its Certificate, and the others
  // the Finished left over.
  std::vector<const Event*> claimed{m.client_certificate, m.client_finished};
  auto claim = [&claimed](const Event* e) {
    claimed.push_back(e);
    return e;
  };
  for (Request& r : out)
    if (r.post_handshake)
      r.certificate = claim(unclaimed_answer(t, r.cr, EventType::certificate, &r.cr->certificate_request_context, claimed));
  for (Request& r : out)
    if (r.post_handshake && r.certificate)
      r.finished = claim(unclaimed_answer(t, r.certificate, EventType::finished, nullptr, claimed));
  for (Request& r : out)
    if (r.post_handshake && !r.certificate)
      r.finished = claim(unclaimed_answer(t, r.cr, EventType::finished, nullptr, claimed));
  return out;
}

// How a party answered a message it received: the first thing it did afterwards that we can see
// (docs/rules.md "Reactions"). Not server_reaction.hpp, which names for the report how the server
// took the client's certificate.
enum class AnswerKind { fatal_alert, continued, closed, unknown };
struct Answer {
  AnswerKind kind = AnswerKind::unknown;
  const Event* evidence = nullptr;  // the alert, message, FIN/RST, or where visibility was lost
};

Answer answer_to(const Timeline& t, Party receiver, const Event* received) {
  for (size_t i = index_of(t, received) + 1; i < t.events.size(); ++i) {
    const Event& e = t.events[i];
    if (e.type == EventType::capture_end) return {AnswerKind::unknown, &e};
    if (e.from != receiver) continue;
    if (e.type == EventType::alert)
      return {e.is_error_alert() ? AnswerKind::fatal_alert : AnswerKind::closed, &e};
    if (e.type == EventType::fin || e.type == EventType::rst) return {AnswerKind::closed, &e};
    if (e.type == EventType::unreadable || e.type == EventType::gap) return {AnswerKind::unknown, &e};
    // Application data proves nothing: after the handshake it may have been written before the message
    // arrived (a NewSessionTicket crosses the client's first request), and during the handshake the
    // party's Finished comes before any of it anyway.
    if (e.type == EventType::application_data) continue;
    return {AnswerKind::continued, &e};  // a handshake message
  }
  return {};  // nothing yet: the capture (or the plugin's first pass) has not shown the answer
}

// Why a party's messages stopped being visible at `marker` (or at the end of what was captured).
class Checker {
 public:
  Checker(const Timeline& t, const RuleConfig& c, Judgement& out)
      : t_(t), cfg_(c), out_(out), m_(locate(t)), requests_(locate_requests(t, m_)) {}

  void run();
  void summarise_rca();

 private:
  const Timeline& t_;
  const RuleConfig& cfg_;
  Judgement& out_;
  Landmarks m_;
  std::vector<Request> requests_;  // every CertificateRequest the rules read, in capture order
  // Set when a server message obliged the client to abort (TF §2-3, RCA §3 ¶5-6): the client's fatal
  // alert is then the required answer, not a refusal to send its Certificate.
  const Event* client_obliged_to_abort_by_ = nullptr;

  uint16_t rca() const { return cfg_.request_client_auth_flag; }
  bool has_rca(const Event* e) const { return carries_flag(e, rca()); }
  bool client_offered() const { return has_rca(m_.final_ch()); }
  bool draft02() const { return cfg_.profile == Profile::draft02; }
  // A CertificateRequest that accepts request_client_auth: echoed (rfc), or any CR after a flagged
  // ClientHello (draft-02, where the server does not echo).
  bool accepts_flag(const Request& r) const { return has_rca(r.cr) || (draft02() && client_offered()); }
  bool any_request_accepts_flag() const {
    return std::any_of(requests_.begin(), requests_.end(), [this](const Request& r) { return accepts_flag(r); });
  }
  bool any_request_flagged() const {
    return std::any_of(requests_.begin(), requests_.end(), [this](const Request& r) { return has_rca(r.cr); });
  }
  const Request* request_answered_by(const Event& certificate) const {
    for (const Request& r : requests_)
      if (r.certificate == &certificate) return &r;
    return nullptr;
  }
  std::string client() const { return "client " + t_.client.to_string(); }
  std::string server() const { return "server " + t_.server.to_string(); }

  void broken(RuleId rule, std::string message, std::vector<uint64_t> frames, const Request* about = nullptr) {
    std::sort(frames.begin(), frames.end());
    frames.erase(std::unique(frames.begin(), frames.end()), frames.end());
    const RuleInfo& info = rule_info(rule);
    message += " (" + std::string(info.source) + ")";
    Finding finding{rule, info.severity, std::move(message), std::move(frames)};
    if (about && about->post_handshake)
      finding.post_handshake_request = RequestRef{about->cr->frame, about->cr->certificate_request_context};
    out_.findings.push_back(std::move(finding));
  }
  void undecidable(RuleId rule, std::string reason) {
    bool known = std::any_of(out_.undecided.begin(), out_.undecided.end(),
                             [rule](const Undecided& u) { return u.rule == rule; });
    if (!known) out_.undecided.push_back({rule, std::move(reason)});
  }

  const Event* first_loss(Party from, const Event* before) const { return tlsflags::first_loss(t_, from, before); }
  bool server_flight_visible(std::string& reason) const { return tlsflags::server_flight_visible(t_, &reason); }

  void check_encodings();
  void check_invalid_rejected(const Event& e);
  void check_ch2_unchanged();
  void check_server_messages();
  void check_unsolicited(const Event& e, const Event* proposer);
  void check_rca_placement(const Event& e);
  void check_client_certificate_flags();
  void check_compressed_certificates();
  void check_compression_offered(const Event& certificate);
  void check_inflation(const Event& certificate);
  void mark_certificate_unknown(const Event& certificate);
  void check_certificate_request(const Request& r);
  void check_client_answer_to_cr(const Request& r);
  void check_flagged_cr_answer(const Request& r, const Answer& answer);
  void expect_rejection(RuleId rule, Party receiver, const Event& received, bool decode_error_ok,
                        const std::string& what, const Request* about = nullptr);
  void mark_server_side_undecidable(const std::string& reason);

 public:
  void check_client_hello_visible();
};

void Checker::run() {
  check_encodings();
  const Event* sh = m_.sh;
  if (sh && is_before_tls13(sh->selected_version)) {
    // TLS 1.2 or older: TLS Flags is a TLS 1.3 extension; only the client's own encoding is judged.
    // The rule id says 1.2 (an id is a contract); the message names the version that was selected.
    if (client_offered())
      broken(RuleId::rca_tls12_negotiated,
             server() + " negotiated " + version_name(sh->selected_version) + " in its ServerHello (" +
                 frame_ref(*sh) + ") although the " +
                 "ClientHello (" + frame_ref(*m_.final_ch()) + ") offered request_client_auth; the flag " +
                 "has no effect there",
             {m_.final_ch()->frame, sh->frame});
    return;
  }
  check_ch2_unchanged();
  std::string reason;
  bool server_visible = server_flight_visible(reason);
  if (m_.final_ch() && m_.final_ch()->ech_outer) {
    reason = "the ClientHello (" + frame_ref(*m_.final_ch()) + ") uses Encrypted Client Hello: the inner "
             "ClientHello, whose flags the server answers, is encrypted";
    mark_server_side_undecidable(reason);
    return;
  }
  check_server_messages();
  check_client_certificate_flags();
  check_compressed_certificates();
  if (!server_visible) {
    mark_server_side_undecidable(reason);
    return;
  }
  for (const Request& r : requests_) {
    check_certificate_request(r);
    check_client_answer_to_cr(r);
  }
}

void Checker::mark_server_side_undecidable(const std::string& reason) {
  // What the server's protected flight could hold: an echo, an unsolicited flag, a forbidden placement.
  undecidable(RuleId::rca_server_ack_without_request, reason);
  undecidable(RuleId::flags_unsolicited_ack, reason);
  undecidable(RuleId::rca_server_flag_in_forbidden_message, reason);
  if (client_offered()) undecidable(RuleId::rca_client_no_certificate, reason);
}

// The client's first bytes began a ClientHello that the capture does not show whole (a gap, the snap
// length, the end of the capture): whether it offered TLS Flags is not visible, so the rules that hang on
// the offer can be neither applied nor waived (docs/rules.md "How the engine judges").
void Checker::check_client_hello_visible() {
  // A ServerHello that selected TLS 1.2 or older settles it whatever the ClientHello said: TLS Flags is a
  // TLS 1.3 extension (not-applicable, as in run()).
  const Event* sh = t_.first(EventType::server_hello, Party::server);  // as judge() reads before_tls13
  if (t_.first(EventType::client_hello, Party::client) || (sh && is_before_tls13(sh->selected_version))) return;
  const Event* loss = first_loss(Party::client, nullptr);
  if (!loss || (loss->type != EventType::gap && loss->type != EventType::capture_end)) return;
  const std::string reason = visibility_reason(t_, loss, "the ClientHello");
  undecidable(RuleId::rca_server_ack_without_request, reason);
  undecidable(RuleId::rca_client_no_certificate, reason);
}

// TF §2: every TLS Flags extension, in whichever message, must be a minimal, non-empty, well-formed
// vector, and RFC 8446 §4.2 allows one per extension block.
void Checker::check_encodings() {
  for (const Event& e : t_.events) {
    if (!e.flags) continue;
    const FlagsInMessage& f = *e.flags;
    std::string who = std::string(to_string(e.from)) + " " +
                      (e.from == Party::client ? t_.client.to_string() : t_.server.to_string());
    std::string where = "in its " + message_name(e) + " (" + frame_ref(e) + ")";
    if (f.duplicate)
      broken(RuleId::flags_duplicate_extension, who + " sent two TLS Flags extensions " + where, {e.frame});
    switch (f.decoded.problem) {
      case FlagsProblem::none: break;
      case FlagsProblem::malformed:
        broken(RuleId::flags_malformed,
               who + " sent a TLS Flags extension " + where + " whose flags length octet (" +
                   std::to_string(f.decoded.declared_length) + ") disagrees with the extension length",
               {e.frame});
        break;
      case FlagsProblem::empty:
        broken(RuleId::flags_empty, who + " sent an empty TLS Flags vector " + where, {e.frame});
        break;
      case FlagsProblem::non_minimal:
        broken(RuleId::flags_non_minimal_encoding,
               who + " sent a TLS Flags vector with trailing zero octets " + where + " (length " +
                   std::to_string(f.decoded.declared_length) + ", minimal " +
                   std::to_string(f.decoded.flags.minimal_octets().size()) + ")",
               {e.frame});
        break;
    }
    if (f.decoded.problem != FlagsProblem::none) check_invalid_rejected(e);
  }
}

void Checker::check_invalid_rejected(const Event& e) {
  bool decode_error_ok = e.flags->decoded.problem == FlagsProblem::empty ||
                         e.flags->decoded.problem == FlagsProblem::malformed;
  expect_rejection(RuleId::flags_invalid_not_rejected, peer_of(e.from), e, decode_error_ok,
                   "the " + std::string(to_string(e.flags->decoded.problem)) + " TLS Flags extension in the " +
                       message_name(e) + " (" + frame_ref(e) + ")");
}

// The receiver of `received` must abort with a fatal illegal_parameter (or decode_error where allowed).
void Checker::expect_rejection(RuleId rule, Party receiver, const Event& received, bool decode_error_ok,
                               const std::string& what, const Request* about) {
  if (received.type == EventType::client_hello && received.from == Party::client && &received != m_.final_ch() &&
      m_.hrr) {
    return;  // the server answered the first ClientHello with an HRR: the second one is what counts
  }
  if (receiver == Party::client && (!client_obliged_to_abort_by_ || &received < client_obliged_to_abort_by_))
    client_obliged_to_abort_by_ = &received;
  Answer r = answer_to(t_, receiver, &received);
  std::string who = receiver == Party::client ? client() : server();
  switch (r.kind) {
    case AnswerKind::fatal_alert: {
      uint8_t d = r.evidence->alert_description;
      if (d == alert_illegal_parameter || (decode_error_ok && d == alert_decode_error)) return;
      broken(rule, who + " answered " + what + " with a fatal " + std::string(alert_description_name(d)) +
                       " alert (" + frame_ref(*r.evidence) + "), not illegal_parameter",
             {received.frame, r.evidence->frame}, about);
      return;
    }
    case AnswerKind::continued:
      broken(rule, who + " did not abort on " + what + ": it went on with " + message_name(*r.evidence) + " (" +
                       frame_ref(*r.evidence) + ") instead of a fatal illegal_parameter alert",
             {received.frame, r.evidence->frame}, about);
      return;
    case AnswerKind::closed:
      broken(rule, who + " closed the connection (" + frame_ref(*r.evidence) + ") after " + what +
                       " without a fatal illegal_parameter alert",
             {received.frame, r.evidence->frame}, about);
      return;
    case AnswerKind::unknown:
      undecidable(rule, visibility_reason(t_, r.evidence, who + "'s answer to " + what));
      return;
  }
}

// RFC 8446 §4.1.2: the second ClientHello repeats the first but for key_share, early_data, cookie,
// pre_shared_key and padding; tls_flags is none of those.
void Checker::check_ch2_unchanged() {
  if (!m_.ch1 || !m_.ch2) return;
  const auto& a = m_.ch1->flags;
  const auto& b = m_.ch2->flags;
  bool same = (!a && !b) || (a && b && a->decoded.problem == b->decoded.problem &&
                             a->decoded.declared_length == b->decoded.declared_length &&
                             std::ranges::equal(a->decoded.flags.octets(), b->decoded.flags.octets()));
  if (same) return;
  auto describe = [](const MessageFlags& f) {
    return f ? "flags [" + flag_list(f->decoded.flags) + "]" : std::string("no TLS Flags extension");
  };
  broken(RuleId::tls13_ch2_flags_changed,
         client() + " changed its TLS Flags extension after the HelloRetryRequest: " + describe(a) +
             " in the first ClientHello (" + frame_ref(*m_.ch1) + "), " + describe(b) + " in the second (" +
             frame_ref(*m_.ch2) + ")",
         {m_.ch1->frame, m_.ch2->frame});
}

// Flags in SH, HRR, EE and the server's Certificate must have been proposed (TF §3), and
// request_client_auth belongs in the CertificateRequest only (RCA §3 ¶6), never in NST either.
void Checker::check_server_messages() {
  for (const Event& e : t_.events) {
    if (e.from != Party::server || !e.flags) continue;
    switch (e.type) {
      case EventType::hello_retry_request: check_unsolicited(e, m_.ch1); break;
      case EventType::server_hello:
      case EventType::encrypted_extensions:
      case EventType::certificate: check_unsolicited(e, m_.final_ch()); break;
      default: break;
    }
    check_rca_placement(e);
  }
}

void Checker::check_unsolicited(const Event& e, const Event* proposer) {
  FlagSet unsolicited;
  e.flags->decoded.flags.for_each([&](uint16_t f) {
    bool proposed = carries_flag(proposer, f);
    if (!proposed) unsolicited.insert(f);
  });
  if (unsolicited.empty()) return;
  std::string sender = e.from == Party::server ? server() : client();
  std::string proposer_name = proposer ? message_name(*proposer) + " (" + frame_ref(*proposer) + ")" : "no message";
  std::vector<uint64_t> frames{e.frame};
  if (proposer) frames.push_back(proposer->frame);
  broken(RuleId::flags_unsolicited_ack,
         sender + " set flags [" + flag_list(unsolicited) + "] in its " + message_name(e) + " (" + frame_ref(e) +
             ") that the " + proposer_name + " did not propose",
         frames);
  expect_rejection(RuleId::flags_unsolicited_not_rejected, peer_of(e.from), e, false,
                   "the unsolicited flags [" + flag_list(unsolicited) + "] in the " + message_name(e) + " (" +
                       frame_ref(e) + ")");
}

void Checker::check_rca_placement(const Event& e) {
  bool forbidden = e.type == EventType::server_hello || e.type == EventType::hello_retry_request ||
                   e.type == EventType::encrypted_extensions || e.type == EventType::certificate ||
                   e.type == EventType::new_session_ticket;
  if (!forbidden || !has_rca(&e)) return;
  broken(RuleId::rca_server_flag_in_forbidden_message,
         server() + " set request_client_auth (flag " + std::to_string(rca()) + ") in its " + message_name(e) +
             " (" + frame_ref(e) + "); it belongs in the CertificateRequest only",
         {e.frame});
  expect_rejection(RuleId::rca_client_flag_outside_cr_accepted, Party::client, e, false,
                   "request_client_auth in the " + message_name(e) + " (" + frame_ref(e) + ")");
}

// The client's Certificate entries may only acknowledge what the CertificateRequest proposed (TF §3),
// and request_client_auth is a ClientHello flag (RCA §3 ¶6).
void Checker::check_client_certificate_flags() {
  for (const Event& e : t_.events) {
    if (e.from != Party::client || e.type != EventType::certificate || !e.flags) continue;
    const Request* answered = request_answered_by(e);
    check_unsolicited(e, answered ? answered->cr : m_.cr);
    if (has_rca(&e))
      expect_rejection(RuleId::rca_server_flag_outside_ch_accepted, Party::server, e, false,
                       "request_client_auth in the client's Certificate (" + frame_ref(e) + ")");
  }
}

// RFC 8879 §4 (docs/rules.md "How compressed certificates are judged"): a Certificate that arrived as a
// CompressedCertificate used an algorithm its receiver offered, and one that cannot be inflated is met
// with bad_certificate. The event source inflated it and says how that went; nothing here reads bytes.
void Checker::check_compressed_certificates() {
  for (const Event& e : t_.events) {
    if (e.type != EventType::certificate || !e.compression) continue;
    check_compression_offered(e);
    check_inflation(e);
  }
}

// The compress_certificate extension that lists what the receiver of `certificate` can inflate (RFC 8879
// §3): the client's in its ClientHello, the server's in the CertificateRequest the Certificate answers.
const Event* compression_offer(const Event& certificate, const Event* final_ch, const Event* request) {
  return certificate.from == Party::server ? final_ch : request;
}

std::string algorithm_text(uint16_t algorithm) {
  std::string name(certificate_compression_algorithm_name(algorithm));
  return name == "unknown" ? "algorithm " + std::to_string(algorithm) : name;
}

CompressedCertificateRef compressed_ref(const Event& certificate) {
  return {certificate.frame, certificate.compression->algorithm, certificate.compression->outcome};
}

bool offered(const Event* offer, uint16_t algorithm) {
  if (!offer) return false;
  const auto& list = offer->compress_certificate_algorithms;
  return std::find(list.begin(), list.end(), algorithm) != list.end();
}

void Checker::check_compression_offered(const Event& e) {
  const Request* answered = request_answered_by(e);
  const Event* offer = compression_offer(e, m_.final_ch(), answered ? answered->cr : m_.cr);
  const uint16_t algorithm = e.compression->algorithm;
  const RuleId rule = RuleId::tls13_compressed_certificate_algorithm_not_offered;
  const std::string offer_name = e.from == Party::server ? "ClientHello" : "CertificateRequest";
  if (!offer) {
    undecidable(rule, "the " + offer_name + " whose compress_certificate extension the " +
                          std::string(to_string(e.from)) + "'s compressed Certificate (" + frame_ref(e) +
                          ") must follow was not visible");
    return;
  }
  if (offered(offer, algorithm)) return;
  std::string list;
  for (uint16_t a : offer->compress_certificate_algorithms) list += (list.empty() ? "" : ", ") + algorithm_text(a);
  const std::string what = list.empty() ? "had no compress_certificate extension" : "offered only " + list;
  broken(rule,
         (e.from == Party::server ? server() : client()) + " compressed its Certificate (" + frame_ref(e) + ") with " +
             algorithm_text(algorithm) + ", but the " + offer_name + " (" + frame_ref(*offer) + ") " + what,
         {offer->frame, e.frame}, answered);
  out_.findings.back().compressed_certificate = compressed_ref(e);
}

void Checker::check_inflation(const Event& e) {
  if (e.compression->inflated()) return;
  mark_certificate_unknown(e);
  const RuleId rule = RuleId::tls13_compressed_certificate_invalid;
  const Party receiver = peer_of(e.from);
  const std::string why = unknown_certificate_reason(e);
  // Refused by tlsflags' own bound (docs/reliability-limits.md), or an algorithm tlsflags lacks but the
  // receiver offered: the receiver may well have inflated it.
  const Request* answered = request_answered_by(e);
  const Event* offer = compression_offer(e, m_.final_ch(), answered ? answered->cr : m_.cr);
  const InflationOutcome outcome = e.compression->outcome;
  if (outcome == InflationOutcome::ratio_exceeded ||
      (outcome == InflationOutcome::unknown_algorithm && offered(offer, e.compression->algorithm))) {
    undecidable(rule, why + "; whether the " + std::string(to_string(receiver)) + " could inflate it is not known");
    return;
  }
  if (receiver == Party::client && (!client_obliged_to_abort_by_ || &e < client_obliged_to_abort_by_))
    client_obliged_to_abort_by_ = &e;
  const Answer answer = answer_to(t_, receiver, &e);
  const std::string who = receiver == Party::client ? client() : server();
  const std::string what = "the compressed " + message_name(e) + " (" + frame_ref(e) + ") that cannot be inflated (" +
                           std::string(to_string(outcome)) + ")";
  auto fail = [&](std::string message) {
    broken(rule, std::move(message), {e.frame, answer.evidence->frame}, answered);
    out_.findings.back().compressed_certificate = compressed_ref(e);
  };
  switch (answer.kind) {
    case AnswerKind::fatal_alert: {
      const uint8_t d = answer.evidence->alert_description;
      if (d == alert_bad_certificate) return;
      fail(who + " answered " + what + " with a fatal " + std::string(alert_description_name(d)) + " alert (" +
           frame_ref(*answer.evidence) + "), not bad_certificate");
      return;
    }
    case AnswerKind::continued:
      fail(who + " did not abort on " + what + ": it went on with " + message_name(*answer.evidence) + " (" +
           frame_ref(*answer.evidence) + ") instead of a fatal bad_certificate alert");
      return;
    case AnswerKind::closed:
      fail(who + " closed the connection (" + frame_ref(*answer.evidence) + ") after " + what +
           " without a fatal bad_certificate alert");
      return;
    case AnswerKind::unknown:
      undecidable(rule, visibility_reason(t_, answer.evidence, who + "'s answer to " + what));
      return;
  }
}

// A Certificate that could not be inflated hides its entries: whether it was empty and which flags its
// entries carried are not known (RFC 8879 §4: only the inflated message is the Certificate).
void Checker::mark_certificate_unknown(const Event& e) {
  const std::string why = unknown_certificate_reason(e);
  undecidable(RuleId::flags_unsolicited_ack, why + ": the flags of its entries are not known");
  if (e.from == Party::server)
    undecidable(RuleId::rca_server_flag_in_forbidden_message, why + ": the flags of its entries are not known");
  else
    undecidable(RuleId::rca_server_flag_outside_ch_accepted, why + ": the flags of its entries are not known");
}

// "CertificateRequest (frame 12)", or for one after the handshake "post-handshake CertificateRequest
// (frame 40, context 5f2a...)": findings name the request they are about.
// `qualifier` goes between the name and the parenthesis ("CertificateRequest accepting it (frame 12)").
std::string request_name(const Request& r, std::string_view qualifier = "") {
  std::string name = "CertificateRequest" + std::string(qualifier) + " (" + frame_ref(*r.cr);
  if (!r.post_handshake) return name + ")";
  std::string context = r.cr->certificate_request_context.empty() ? "empty" : r.cr->certificate_request_context;
  return "post-handshake " + name + ", context " + context + ")";
}

// RCA §3 ¶1, ¶2, ¶5: the echo in each CertificateRequest, in the handshake or after it (RFC 8446 §4.6.2).
void Checker::check_certificate_request(const Request& r) {
  const Event& cr = *r.cr;
  const Event* ch = m_.final_ch();
  if (has_rca(&cr) && !client_offered()) {
    broken(RuleId::rca_server_ack_without_request,
           server() + " set request_client_auth in its " + request_name(r) + " but the ClientHello (" +
               (ch ? frame_ref(*ch) : std::string("not seen")) + ") did not offer it",
           ch ? std::vector<uint64_t>{ch->frame, cr.frame} : std::vector<uint64_t>{cr.frame}, &r);
    expect_rejection(RuleId::rca_client_unsolicited_ack_accepted, Party::client, cr, false,
                     "the request_client_auth it never offered, in the " + request_name(r), &r);
  }
  if (client_offered() && !has_rca(&cr) && !draft02())
    broken(RuleId::rca_server_cr_without_ack,
           server() + " sent a " + request_name(r) + " without request_client_auth after the ClientHello (" +
               frame_ref(*ch) + ") offered it: client authentication for another reason, or a draft-02 server "
               "(use --profile draft-02)",
           {ch->frame, cr.frame}, &r);
}

void Checker::check_client_answer_to_cr(const Request& r) {
  // RFC 8446 §4.4.2 (and §4.6.2 after the handshake): a Certificate, possibly empty, must precede the
  // client's Finished.
  Answer answer = answer_to(t_, Party::client, r.cr);
  if (r.finished && !r.certificate && !first_loss(Party::client, r.finished))
    broken(RuleId::tls13_client_certificate_missing,
           client() + " sent Finished (" + frame_ref(*r.finished) + ") without a Certificate although the "
               "server sent a " + request_name(r),
           {r.cr->frame, r.finished->frame}, &r);
  else if (answer.kind == AnswerKind::unknown)
    undecidable(RuleId::tls13_client_certificate_missing,
                visibility_reason(t_, answer.evidence, "the client's answer to the " + request_name(r)));
  if (client_offered() && accepts_flag(r)) check_flagged_cr_answer(r, answer);
}

// RCA §3 ¶3-4: after a CertificateRequest that accepted the flag, the client must send a Certificate.
void Checker::check_flagged_cr_answer(const Request& r, const Answer& answer) {
  const Event& cr = *r.cr;
  bool with_cas = !cr.certificate_authorities.empty();
  std::string ca_note = with_cas ? "; the CertificateRequest carried certificate_authorities, the one case in "
                                   "which RCA §3 ¶3 lets a client end early"
                                 : "";
  const Event* cert = r.certificate;
  if (!cert && answer.kind == AnswerKind::unknown) {
    undecidable(RuleId::rca_client_no_certificate,
                visibility_reason(t_, answer.evidence, "the client's answer to the " + request_name(r)));
    return;
  }
  if (!cert) {
    bool abort_was_required = client_obliged_to_abort_by_ && client_obliged_to_abort_by_ < answer.evidence;
    if (answer.kind == AnswerKind::fatal_alert && abort_was_required) return;
    std::string how = answer.kind == AnswerKind::fatal_alert
                          ? "aborted with a fatal " + std::string(alert_description_name(answer.evidence->alert_description)) + " alert"
                      : answer.kind == AnswerKind::closed ? "closed the connection"
                                                            : "went on with " + message_name(*answer.evidence);
    broken(RuleId::rca_client_no_certificate,
           client() + " offered request_client_auth and got a " + request_name(r, " accepting it") +
               " but sent no Certificate: it " + how + " (" + frame_ref(*answer.evidence) + ")" + ca_note,
           {m_.final_ch()->frame, cr.frame, answer.evidence->frame}, &r);
    return;
  }
  if (!cert->certificate_known())
    undecidable(RuleId::rca_client_flag_without_certificate,
                unknown_certificate_reason(*cert) + ": whether it was empty is not known");
  else if (cert->certificate_entries == 0)
    broken(RuleId::rca_client_flag_without_certificate,
           client() + " offered request_client_auth but answered the " + request_name(r) +
               " with an empty Certificate (" + frame_ref(*cert) + ")",
           {m_.final_ch()->frame, cr.frame, cert->frame}, &r);
  double delay = cert->time - cr.time;
  if (delay > cfg_.slow_certificate_seconds)
    broken(RuleId::rca_client_slow_certificate,
           client() + " sent its Certificate (" + frame_ref(*cert) + ") " + std::to_string(delay).substr(0, 6) +
               " s after the " + request_name(r) + ": a hint that it prompted a user",
           {cr.frame, cert->frame}, &r);
}

// The summary counts every CertificateRequest, the post-handshake ones too (RFC 8446 §4.6.2): the
// server acknowledged when any request accepted the flag, and the client's certificate is its answer
// to the first such request (else to the first request).
void Checker::summarise_rca() {
  RcaSummary& s = out_.rca;
  s.client_offered = client_offered();
  s.post_handshake_requests = static_cast<size_t>(
      std::count_if(requests_.begin(), requests_.end(), [](const Request& r) { return r.post_handshake; }));
  std::string unused;
  if (server_flight_visible(unused) && !(m_.final_ch() && m_.final_ch()->ech_outer))
    s.server_acknowledged = client_offered() ? any_request_accepts_flag() : any_request_flagged();
  const Request* summarised = nullptr;
  for (const Request& r : requests_)
    if (!summarised && client_offered() && accepts_flag(r)) summarised = &r;
  if (!summarised && !requests_.empty()) summarised = &requests_.front();
  const Event* certificate = summarised ? summarised->certificate : m_.client_certificate;
  if (certificate) {
    if (certificate->certificate_known()) s.client_certificate = certificate->certificate_entries ? "non-empty" : "empty";
    return;  // one that could not be inflated stays "unknown"
  }
  const Event* finished = summarised ? summarised->finished : m_.client_finished;
  bool finished_visible = finished && !first_loss(Party::client, finished);
  bool aborted_visibly = summarised && answer_to(t_, Party::client, summarised->cr).kind != AnswerKind::unknown;
  if (finished_visible || aborted_visibly) s.client_certificate = "none";
}

}  // namespace

Verdict verdict_from(const std::vector<Finding>& findings, const std::vector<Undecided>& undecided, bool flags_seen,
                     bool tls12_negotiated) {
  auto has = [&](Severity s) {
    return std::any_of(findings.begin(), findings.end(), [s](const Finding& f) { return f.severity == s; });
  };
  if (!flags_seen && undecided.empty()) return Verdict::not_applicable;  // undecided: the ClientHello was hidden
  if (has(Severity::error)) return Verdict::fail;  // a visible violation fails whatever else was hidden
  if (tls12_negotiated) return Verdict::not_applicable;
  if (!undecided.empty()) return Verdict::undecidable;
  if (has(Severity::warning)) return Verdict::warn;
  return Verdict::pass;
}

Judgement judge(const Timeline& timeline, const RuleConfig& config) {
  Judgement out;
  Checker checker(timeline, config, out);
  bool flags_seen = timeline.has_flags_extension();
  if (flags_seen) checker.run();  // without TLS Flags there is nothing to judge: not-applicable
  else checker.check_client_hello_visible();  // ... unless the ClientHello itself was not visible
  checker.summarise_rca();
  const Event* sh = timeline.first(EventType::server_hello, Party::server);
  out.flags_seen = flags_seen;
  out.before_tls13 = sh && is_before_tls13(sh->selected_version);
  out.verdict = verdict_from(out.findings, out.undecided, out.flags_seen, out.before_tls13);
  return out;
}

void Judgement::add(Finding finding) {
  findings.push_back(std::move(finding));
  verdict = verdict_from(findings, undecided, flags_seen, before_tls13);
}

void Judgement::add(Undecided rule) {
  bool known = std::any_of(undecided.begin(), undecided.end(), [&](const Undecided& u) { return u.rule == rule.rule; });
  if (!known) undecided.push_back(std::move(rule));
  verdict = verdict_from(findings, undecided, flags_seen, before_tls13);
}

bool certificate_request_accepts_flag(const Timeline& t, const Event& cr, const RuleConfig& config) {
  // After an HRR, the second (the last) ClientHello is the one the server answered.
  const Event* last_ch = t.last(EventType::client_hello, Party::client);
  return cr.carries_flag(config.request_client_auth_flag) ||
         (config.profile == Profile::draft02 && carries_flag(last_ch, config.request_client_auth_flag));
}

// RCA §4: trust anchors for flagged requests should be disjoint from the others. The streaming judge
// (trust_anchors.hpp) over the whole list, so that a run and a list give the same findings.
std::vector<CrossConnectionFinding> judge_across_connections(std::span<const Timeline* const> timelines,
                                                             const RuleConfig& config) {
  TrustAnchorsJudge judge(config);
  std::vector<CrossConnectionFinding> out;
  for (size_t i = 0; i < timelines.size(); ++i) {
    TrustAnchorsJudge::Outcome outcome = judge.observe(*timelines[i], i);
    if (outcome.finding_for) out.push_back({static_cast<size_t>(*outcome.finding_for), std::move(outcome.finding)});
  }
  return out;
}

}  // namespace tlsflags
