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
    judge_and_check(t, config);
    (void)t.tls_version();
    (void)t.decrypted();
  }
  check_cross_connection(timelines, config);
  if (!timelines.empty()) check_prefixes(timelines.front(), config);
  return 0;
}
