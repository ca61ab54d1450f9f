// Checks of a Judgement that hold for any timeline (shared by the rules harness and the harnesses whose
// timelines come out of the TLS layer): the verdict is `fail` exactly when there is an error finding
// and otherwise follows verdict_from(); a finding's severity is its rule's; its frames are ascending,
// distinct and frames of the timeline's events; a connection without a TLS Flags extension is
// not-applicable with nothing found; judging twice gives the same judgement.
#pragma once

#include <algorithm>
#include <cstdint>
#include <set>
#include <string>

#include "check.hpp"
#include "tlsflags/core/rules.hpp"
#include "tlsflags/core/visibility.hpp"

namespace tlsflags::fuzz {

inline std::set<uint64_t> frames_of(const Timeline& t) {
  std::set<uint64_t> frames;
  for (const Event& e : t.events) frames.insert(e.frame);
  return frames;
}

inline bool same_finding(const Finding& a, const Finding& b) {
  return a.rule == b.rule && a.severity == b.severity && a.message == b.message && a.frames == b.frames;
}

inline bool same_judgement(const Judgement& a, const Judgement& b) {
  auto same_undecided = [](const Undecided& x, const Undecided& y) { return x.rule == y.rule && x.reason == y.reason; };
  return a.verdict == b.verdict && std::ranges::equal(a.findings, b.findings, same_finding) &&
         std::ranges::equal(a.undecided, b.undecided, same_undecided) &&
         a.rca.client_offered == b.rca.client_offered && a.rca.server_acknowledged == b.rca.server_acknowledged &&
         a.rca.client_certificate == b.rca.client_certificate;
}

inline void check_finding(const Finding& f, const std::set<uint64_t>& timeline_frames) {
  const RuleInfo& info = rule_info(f.rule);
  FUZZ_CHECK(f.severity == info.severity);
  FUZZ_CHECK(rule_from_name(info.name) == f.rule);
  FUZZ_CHECK(!f.message.empty());
  FUZZ_CHECK(!f.frames.empty());
  FUZZ_CHECK(std::is_sorted(f.frames.begin(), f.frames.end()));
  FUZZ_CHECK(std::adjacent_find(f.frames.begin(), f.frames.end()) == f.frames.end());
  for (uint64_t frame : f.frames) FUZZ_CHECK(timeline_frames.count(frame) == 1);
}

inline void check_judgement(const Timeline& t, const Judgement& j) {
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
    // Nothing to judge (not-applicable), unless a gap or the capture's end hides the ClientHello itself:
    // then whether there was is unknown (undecidable, docs/rules.md "How the engine judges").
    // (A ServerHello of TLS 1.2 or older makes the flags moot whatever the ClientHello held.)
    const Event* loss = first_loss(t, Party::client, nullptr);
    const Event* sh = t.first(EventType::server_hello, Party::server);
    const bool hello_hidden = !t.first(EventType::client_hello, Party::client) && loss &&
                              (loss->type == EventType::gap || loss->type == EventType::capture_end) &&
                              !(sh && is_before_tls13(sh->selected_version));
    FUZZ_CHECK(j.findings.empty());
    if (hello_hidden) {
      FUZZ_CHECK(j.verdict == Verdict::undecidable && !j.undecided.empty());
    } else {
      FUZZ_CHECK(j.verdict == Verdict::not_applicable && j.undecided.empty());
    }
    return;
  }
  const Event* sh = t.first(EventType::server_hello, Party::server);
  bool before_tls13 = sh && is_before_tls13(sh->selected_version);
  FUZZ_CHECK(j.flags_seen && j.before_tls13 == before_tls13);
  FUZZ_CHECK(j.verdict == verdict_from(j.findings, j.undecided, true, before_tls13));
  static const std::set<std::string> certificate_states{"non-empty", "empty", "none", "unknown"};
  FUZZ_CHECK(certificate_states.count(j.rca.client_certificate) == 1);
}

// Judges `t` twice and checks the judgement; returns it.
inline Judgement judge_and_check(const Timeline& t, const RuleConfig& config) {
  Judgement first = judge(t, config);
  check_judgement(t, first);
  FUZZ_CHECK(same_judgement(first, judge(t, config)));
  return first;
}

}  // namespace tlsflags::fuzz
