// Fuzzes the rules engine (judge, judge_across_connections) over arbitrary event sequences, decoded
// from the input by timeline_from_bytes.hpp: any event type in any order (visibility markers included),
// either party, any flags body, alert values and frame numbers.
//
// Invariants: no crash; judging is deterministic; the verdict is `fail` exactly when there is an error
// finding and otherwise follows verdict_from(); a finding's severity is its rule's; its frames are
// ascending, distinct and frames of the timeline's events; a connection without a TLS Flags extension is
// not-applicable with nothing found; hiding what follows the last event keeps every error finding.
#include <algorithm>
#include <set>
#include <span>
#include <vector>

#include "byte_source.hpp"
#include "check.hpp"
#include "judgement_checks.hpp"
#include "timeline_from_bytes.hpp"
#include "tlsflags/core/rules.hpp"

namespace tlsflags::fuzz {
namespace {

void check_cross_connection(std::span<const Timeline> timelines, const RuleConfig& config) {
  std::vector<const Timeline*> pointers;
  for (const Timeline& t : timelines) pointers.push_back(&t);
  auto findings = judge_across_connections(pointers, config);
  auto again = judge_across_connections(pointers, config);
  FUZZ_CHECK(findings.size() == again.size());
  std::set<std::string> servers_reported;
  for (size_t i = 0; i < findings.size(); ++i) {
    const CrossConnectionFinding& c = findings[i];
    FUZZ_CHECK(c.connection_index == again[i].connection_index && same_finding(c.finding, again[i].finding));
    FUZZ_CHECK(c.connection_index < timelines.size());
    FUZZ_CHECK(c.finding.rule == RuleId::rca_server_trust_anchors_shared);
    check_finding(c.finding, frames_of(timelines[c.connection_index]));
    // One finding per server at most.
    FUZZ_CHECK(servers_reported.insert(timelines[c.connection_index].server.to_string()).second);
  }
}

// docs/rules.md "How the engine judges": a violation that is visible is `fail` even when other parts were not visible. So
// losing sight of everything after the last event (a gap or an undecryptable record of either party, then
// the end of the capture) must keep every error finding, with the same evidence.
void check_visible_violations_stay(const Timeline& t, const Judgement& before, const RuleConfig& config) {
  Timeline hidden = t;
  uint64_t frame = t.events.empty() ? 1 : t.events.back().frame;
  for (EventType type : {EventType::gap, EventType::unreadable, EventType::capture_end}) {
    Event e;
    e.type = type;
    e.from = type == EventType::gap ? Party::server : Party::client;
    e.frame = frame;
    e.time = t.events.empty() ? 0 : t.events.back().time;
    hidden.events.push_back(e);
  }
  Judgement after = judge(hidden, config);
  for (const Finding& f : before.findings) {
    if (f.severity != Severity::error) continue;
    bool kept = std::ranges::any_of(after.findings, [&](const Finding& g) { return g.rule == f.rule && g.frames == f.frames; });
    FUZZ_CHECK(kept);
  }
}

// The plugin judges again as events arrive: every prefix must be judged without trouble too.
void check_prefixes(const Timeline& t, const RuleConfig& config) {
  Timeline prefix = t;
  while (!prefix.events.empty()) {
    prefix.events.pop_back();
    check_judgement(prefix, judge(prefix, config));
  }
}

}  // namespace
}  // namespace tlsflags::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tlsflags;
  using namespace tlsflags::fuzz;
  ByteSource in({data, size});
  RuleConfig config = read_config(in);
  std::vector<Timeline> timelines = read_timelines(in);
  for (const Timeline& t : timelines) {
    Judgement judgement = judge_and_check(t, config);
    check_visible_violations_stay(t, judgement, config);
    (void)t.tls_version();
    (void)t.decrypted();
  }
  check_cross_connection(timelines, config);
  if (!timelines.empty()) check_prefixes(timelines.front(), config);
  return 0;
}
