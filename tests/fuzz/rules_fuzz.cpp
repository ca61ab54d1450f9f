// Fuzzes the rules engine (judge, judge_across_connections) over arbitrary event sequences, decoded
// from the input by timeline_from_bytes.hpp: any event type in any order (visibility markers included),
// either party, any flags body, alert values and frame numbers.
//
// Invariants: no crash; judging is deterministic; the verdict is `fail` exactly when there is an error
// finding and otherwise follows verdict_from(); a finding's severity is its rule's; its frames are
// ascending, distinct and frames of the timeline's events; a connection without a TLS Flags extension is
// not-applicable with nothing found.
#include <algorithm>
#include <set>
#include <span>
#include <vector>

#include "byte_source.hpp"
#include "check.hpp"
#include "timeline_from_bytes.hpp"
#include "tlsflags/core/rules.hpp"

namespace tlsflags::fuzz {
namespace {

std::set<uint64_t> frames_of(const Timeline& t) {
  std::set<uint64_t> frames;
  for (const Event& e : t.events) frames.insert(e.frame);
  return frames;
}

bool same_finding(const Finding& a, const Finding& b) {
  return a.rule == b.rule && a.severity == b.severity && a.message == b.message && a.frames == b.frames;
}

bool same_judgement(const Judgement& a, const Judgement& b) {
  auto same_undecided = [](const Undecided& x, const Undecided& y) { return x.rule == y.rule && x.reason == y.reason; };
  return a.verdict == b.verdict && std::ranges::equal(a.findings, b.findings, same_finding) &&
         std::ranges::equal(a.undecided, b.undecided, same_undecided) &&
         a.rca.client_offered == b.rca.client_offered && a.rca.server_acknowledged == b.rca.server_acknowledged &&
         a.rca.client_certificate == b.rca.client_certificate;
}

void check_finding(const Finding& f, const std::set<uint64_t>& timeline_frames) {
  const RuleInfo& info = rule_info(f.rule);
  FUZZ_CHECK(f.severity == info.severity);
  FUZZ_CHECK(rule_from_name(info.name) == f.rule);
  FUZZ_CHECK(!f.message.empty());
  FUZZ_CHECK(!f.frames.empty());
  FUZZ_CHECK(std::is_sorted(f.frames.begin(), f.frames.end()));
  FUZZ_CHECK(std::adjacent_find(f.frames.begin(), f.frames.end()) == f.frames.end());
  for (uint64_t frame : f.frames) FUZZ_CHECK(timeline_frames.count(frame) == 1);
}

void check_judgement(const Timeline& t, const Judgement& j) {
  std::set<uint64_t> frames = frames_of(t);
  for (const Finding& f : j.findings) check_finding(f, frames);
  bool has_error = std::ranges::any_of(j.findings, [](const Finding& f) { return f.severity == Severity::error; });
  FUZZ_CHECK((j.verdict == Verdict::fail) == has_error);
  std::set<RuleId> undecided_rules;
  for (const Undecided& u : j.undecided) {
    FUZZ_CHECK(undecided_rules.insert(u.rule).second);  // each rule is undecided at most once
    FUZZ_CHECK(!u.reason.empty());
  }
  if (!t.has_flags_extension()) {
    FUZZ_CHECK(j.verdict == Verdict::not_applicable && j.findings.empty() && j.undecided.empty());
    return;
  }
  const Event* sh = t.first(EventType::server_hello, Party::server);
  bool tls12 = sh && sh->selected_version != 0 && sh->selected_version < 0x0304;
  FUZZ_CHECK(j.verdict == verdict_from(j.findings, j.undecided, true, tls12));
  static const std::set<std::string> certificate_states{"non-empty", "empty", "none", "unknown"};
  FUZZ_CHECK(certificate_states.count(j.rca.client_certificate) == 1);
}

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
    Judgement first = judge(t, config);
    check_judgement(t, first);
    FUZZ_CHECK(same_judgement(first, judge(t, config)));
    (void)t.tls_version();
    (void)t.decrypted();
  }
  check_cross_connection(timelines, config);
  if (!timelines.empty()) check_prefixes(timelines.front(), config);
  return 0;
}
