// Placeholder until the engine lands (next commit): judges nothing.
#include "tlsflags/core/rules.hpp"
namespace tlsflags {
Judgement judge(const Timeline&, const RuleConfig&) { return {}; }
std::vector<CrossConnectionFinding> judge_across_connections(std::span<const Timeline* const>,
                                                             const RuleConfig&) { return {}; }
Verdict verdict_from(const std::vector<Finding>&, const std::vector<Undecided>&, bool, bool) {
  return Verdict::not_applicable;
}
}  // namespace tlsflags
