#include "capture_outcome.hpp"

#include <algorithm>
#include <new>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "tlsflags/core/server_reaction.hpp"
#include "tlsflags/core/trust_anchors.hpp"
#include "tlsflags/inspect/chain_verification.hpp"
#include "tlsflags/inspect/connection_inspection.hpp"
#include "wireshark_compat.hpp"

namespace tlsflags::plugin {
namespace {

// What the first pass saw of the capture as a whole. Lives as long as the file scope.
struct CaptureState {
  std::vector<ConnectionState*> connections;  // report order once judged
  uint64_t frames_seen = 0;                   // first-pass frames
  uint64_t frames_judged = 0;                 // frames_seen when judge_capture last ran
  uint32_t last_frame = 0;
  double last_time = 0;                       // seconds since the first packet
  double start_epoch = 0;                     // the first packet's time, seconds since the Unix epoch
};
CaptureState* g_capture = nullptr;

// The preferences' PEM files, loaded when the preferences are applied (they outlive every file).
std::optional<inspect::TrustAnchors> g_trust_anchors;
std::optional<inspect::PinnedCertificates> g_pinned;

ws::wmem_callback_result free_capture(wmem_allocator_t*, wmem_cb_event_t, void* data) {
  delete static_cast<CaptureState*>(data);
  g_capture = nullptr;
  return false;
}

CaptureState* capture() {
  if (g_capture) return g_capture;
  g_capture = new (std::nothrow) CaptureState();
  if (g_capture) wmem_register_callback(wmem_file_scope(), free_capture, g_capture);
  return g_capture;
}

const char* copy_text(const std::string& text) { return wmem_strdup(wmem_file_scope(), text.c_str()); }

// What tlsflags-check's TCP layer does at the capture's end (docs/architecture.md): a connection that did
// not end by RST or both FINs gets a capture_end event at the last packet.
bool ended_by_itself(const Timeline& t) {
  bool fin[2] = {false, false};
  for (const Event& e : t.events) {
    if (e.type == EventType::rst) return true;
    if (e.type == EventType::fin) fin[static_cast<int>(e.from)] = true;
  }
  return fin[0] && fin[1];
}

Timeline as_ended(const Timeline& timeline, const CaptureState& c) {
  Timeline t = timeline;
  t.capture_start_epoch = c.start_epoch;
  if (ended_by_itself(t)) return t;
  Event& end = t.events.emplace_back();
  end.type = EventType::capture_end;
  end.from = Party::client;
  end.frame = c.last_frame;
  end.time = c.last_time;
  t.last_frame = c.last_frame;
  return t;
}

inspect::InspectOptions inspect_options(const Timeline& t) {
  inspect::InspectOptions options;
  options.trust_anchors = g_trust_anchors ? &*g_trust_anchors : nullptr;
  options.pinned = g_pinned ? &*g_pinned : nullptr;
  if (t.capture_start_epoch > 0) options.capture_start_epoch = static_cast<int64_t>(t.capture_start_epoch);
  return options;
}

bool is_event_frame(const Timeline& t, uint64_t frame) {
  return std::any_of(t.events.begin(), t.events.end(),
                     [frame](const Event& e) { return e.frame == frame && e.type != EventType::capture_end; });
}

// The frame the first pass showed this finding on, when it reported it with the same evidence.
uint32_t decided_in(const ConnectionState& c, const Finding& f) {
  for (int i = 0; i < c.finding_count; ++i) {
    const FindingRecord& old = c.findings[i];
    if (old.rule == f.rule && std::equal(f.frames.begin(), f.frames.end(), old.frames, old.frames + old.frame_count))
      return old.decided_in;
  }
  return 0;
}

FindingRecord record_of(const ConnectionState& c, const Finding& f) {
  FindingRecord r{};
  r.rule = f.rule;
  r.message = copy_text(f.message);
  r.frames = static_cast<const uint64_t*>(
      wmem_memdup(wmem_file_scope(), f.frames.data(), f.frames.size() * sizeof(uint64_t)));
  r.frame_count = static_cast<uint32_t>(f.frames.size());
  r.decided_in = decided_in(c, f);
  return r;
}

int8_t echoed(const std::optional<bool>& acknowledged) { return acknowledged ? (*acknowledged ? 1 : 0) : -1; }

// A finding is shown on the frames it cites that belong to the connection, and on the frame the first
// pass decided it in; one citing none of them (only the capture's end, in another connection's frame)
// on the connection's last frame.
void place_uncited(FindingRecord& f, const Timeline& t) {
  bool cited = std::any_of(f.frames, f.frames + f.frame_count, [&](uint64_t n) { return is_event_frame(t, n); });
  if (!cited && !f.decided_in) f.decided_in = static_cast<uint32_t>(t.last_frame);
}

// What a connection's outcome is made of, kept while the other connections are judged (the ended timeline
// and its certificates are not: memory stays that of the first pass).
struct Judged {
  Judgement judgement;
  std::optional<ServerReaction> reaction;
};

ConnectionOutcome* outcome_of(const ConnectionState& c, const Judged& judged, uint32_t index) {
  const Timeline& t = c.timeline;
  const Judgement& j = judged.judgement;
  auto* o = wmem_new0(wmem_file_scope(), ConnectionOutcome);
  o->index = index;
  o->verdict = j.verdict;
  o->verdict_name = copy_text(std::string(to_string(j.verdict)));
  o->client = copy_text(t.client.to_string());
  o->server = copy_text(t.server.to_string());
  const Event* hello = t.first(EventType::client_hello, Party::client);
  o->server_name = copy_text(hello ? hello->server_name : std::string());
  o->rca_offered = j.rca.client_offered;
  o->rca_echoed = echoed(j.rca.server_acknowledged);
  o->client_certificate = copy_text(j.rca.client_certificate);
  if (judged.reaction) {
    o->server_reaction = copy_text(judged.reaction->to_string());
    o->server_reaction_inferred = judged.reaction->inferred;
  }
  auto* findings = wmem_alloc0_array(wmem_file_scope(), FindingRecord, j.findings.size() + 1);
  for (size_t i = 0; i < j.findings.size(); ++i) {
    findings[i] = record_of(c, j.findings[i]);
    place_uncited(findings[i], t);
  }
  o->findings = findings;
  o->finding_count = static_cast<int>(j.findings.size());
  return o;
}

// Report order (report::comes_before): first frame, then last frame.
void sort_connections(std::vector<ConnectionState*>& connections) {
  std::stable_sort(connections.begin(), connections.end(), [](const ConnectionState* a, const ConnectionState* b) {
    return std::tie(a->timeline.first_frame, a->timeline.last_frame) <
           std::tie(b->timeline.first_frame, b->timeline.last_frame);
  });
}

// Each connection as tlsflags-check judges it (analyser/cli's judge_connection), then
// rca.server.trust-anchors-shared fed in report order, as its run does.
void judge_all(CaptureState& capture, const RuleConfig& config) {
  sort_connections(capture.connections);
  std::vector<Judged> judged;
  judged.reserve(capture.connections.size());
  TrustAnchorsJudge across(config);
  for (const ConnectionState* c : capture.connections) {
    const Timeline ended = as_ended(c->timeline, capture);
    const inspect::ConnectionInspection inspection = inspect::inspect_connection(ended, inspect_options(ended));
    judged.push_back({inspect::judge_inspected(ended, config, inspection), inspection.server_reaction});
    TrustAnchorsJudge::Outcome shared = across.observe(ended, judged.size() - 1);
    if (shared.finding_for) judged[*shared.finding_for].judgement.add(std::move(shared.finding));
  }
  for (size_t i = 0; i < judged.size(); ++i)
    capture.connections[i]->outcome = outcome_of(*capture.connections[i], judged[i], static_cast<uint32_t>(i));
}

}  // namespace

void note_first_pass_frame(packet_info* pinfo) {
  CaptureState* c = capture();
  if (!c) return;
  if (c->frames_seen++ == 0) c->start_epoch = nstime_to_sec(&pinfo->abs_ts) - nstime_to_sec(&pinfo->rel_ts);
  if (pinfo->num >= c->last_frame) {
    c->last_frame = pinfo->num;
    c->last_time = nstime_to_sec(&pinfo->rel_ts);
  }
}

void register_connection(ConnectionState* connection) {
  CaptureState* c = capture();
  if (!c) return;
  try {
    c->connections.push_back(connection);
  } catch (...) {
    // Out of memory: the connection is shown on the first pass only.
  }
}

const char* load_deployment_files(const char* trust_anchors_file, const char* pinned_file) {
  static std::string error;
  g_trust_anchors.reset();
  g_pinned.reset();
  error.clear();
  try {
    if (trust_anchors_file && *trust_anchors_file) {
      auto anchors = inspect::TrustAnchors::from_pem_file(trust_anchors_file);
      if (anchors) g_trust_anchors = std::move(anchors).value();
      else error = "tlsflags.trust_anchors: " + anchors.error();
    }
    if (pinned_file && *pinned_file) {
      auto pins = inspect::PinnedCertificates::from_pem_file(pinned_file);
      if (pins) g_pinned = std::move(pins).value();
      else error += (error.empty() ? "" : "; ") + std::string("tlsflags.pinned: ") + pins.error();
    }
  } catch (...) {
    error = "tlsflags: out of memory loading the trust anchors or pinned certificates";
  }
  return error.empty() ? nullptr : error.c_str();
}

void judge_capture(const RuleConfig& config) {
  CaptureState* c = g_capture;
  if (!c || c->frames_judged == c->frames_seen) return;
  c->frames_judged = c->frames_seen;
  try {
    judge_all(*c, config);
  } catch (...) {
    // Out of memory in the core: the connections keep what the first pass showed.
  }
}

ConnectionState* const* judged_connections(uint32_t& count) {
  count = g_capture ? static_cast<uint32_t>(g_capture->connections.size()) : 0;
  return g_capture ? g_capture->connections.data() : nullptr;
}

}  // namespace tlsflags::plugin
