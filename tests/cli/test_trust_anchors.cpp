// tlsflags-check's incremental rca.server.trust-anchors-shared (analyser/cli/src/trust_anchors.cpp)
// against the whole-run judge_across_connections() it stands in for: on random runs (a few servers,
// ClientHellos and CertificateRequests with and without request_client_auth, overlapping sets of
// certificate_authorities, both profiles) both must find the same findings on the same connections.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <algorithm>
#include <optional>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "trust_anchors.hpp"
#include "tlsflags/core/flags_codec.hpp"

using namespace tlsflags;

namespace {

std::optional<FlagsInMessage> maybe_flags(std::mt19937& random, uint16_t flag) {
  if (random() % 3 == 0) return std::nullopt;
  std::vector<uint16_t> numbers;
  if (random() % 2) numbers.push_back(flag);
  if (random() % 3 == 0) numbers.push_back(8);
  std::vector<uint8_t> body(64);
  body.resize(encode_flags(FlagSet::from_numbers(numbers), body));
  return FlagsInMessage{decode_flags(body), false};
}

Timeline random_connection(std::mt19937& random, size_t index) {
  static const std::vector<std::string> kAnchors{"3001", "3002", "3003", "3004", "3005"};
  Timeline t;
  t.file = random() % 2 ? "a.pcap" : "b.pcap";
  t.client = {"192.0.2.1", static_cast<uint16_t>(50000 + index)};
  t.server = {random() % 2 ? "198.51.100.1" : "198.51.100.2", 443};
  uint64_t frame = 1 + random() % 5;
  for (int hellos = 1 + static_cast<int>(random() % 2); hellos > 0; --hellos) {
    Event hello;
    hello.type = EventType::client_hello;
    hello.frame = frame++;
    hello.flags = maybe_flags(random, 80);
    t.events.push_back(hello);
  }
  for (int requests = static_cast<int>(random() % 3); requests > 0; --requests) {
    Event request;
    request.type = EventType::certificate_request;
    request.from = Party::server;
    request.frame = frame++;
    request.flags = maybe_flags(random, 80);
    for (const std::string& anchor : kAnchors)
      if (random() % 4 == 0) request.certificate_authorities.push_back(anchor);
    t.events.push_back(request);
  }
  return t;
}

using Found = std::tuple<size_t, std::string, std::vector<uint64_t>>;

std::vector<Found> whole_run(const std::vector<Timeline>& run, const RuleConfig& rules) {
  std::vector<const Timeline*> pointers;
  for (const Timeline& t : run) pointers.push_back(&t);
  std::vector<Found> found;
  for (const CrossConnectionFinding& f : judge_across_connections(pointers, rules))
    found.emplace_back(f.connection_index, f.finding.message, f.finding.frames);
  return found;
}

std::vector<Found> one_at_a_time(const std::vector<Timeline>& run, const RuleConfig& rules) {
  cli::TrustAnchorsJudge judge(rules);
  std::vector<Found> found;
  for (size_t i = 0; i < run.size(); ++i) {
    std::optional<Timeline> input = cli::trust_anchors_input(run[i]);
    if (!input) continue;
    cli::TrustAnchorsJudge::Outcome outcome = judge.observe(std::move(*input), i);
    if (outcome.finding_for) found.emplace_back(*outcome.finding_for, outcome.finding.message, outcome.finding.frames);
    if (outcome.finding_for && *outcome.finding_for != i) CHECK_FALSE(outcome.may_get_finding_later);
  }
  std::sort(found.begin(), found.end());
  return found;
}

}  // namespace

TEST_CASE("streamed trust-anchors-shared finds what the whole-run rule finds", "[cli]") {
  std::mt19937 random(20261122);
  size_t with_findings = 0;
  for (int round = 0; round < 5000; ++round) {
    RuleConfig rules;
    rules.profile = round % 2 ? Profile::draft02 : Profile::rfc;
    std::vector<Timeline> run;
    for (size_t i = 0, n = 1 + random() % 12; i < n; ++i) run.push_back(random_connection(random, i));
    std::vector<Found> expected = whole_run(run, rules);
    std::sort(expected.begin(), expected.end());
    with_findings += !expected.empty();
    REQUIRE(one_at_a_time(run, rules) == expected);
  }
  CHECK(with_findings > 500);  // the random runs do exercise the rule
}

TEST_CASE("only a server's first accepting CertificateRequest with anchors is held back", "[cli]") {
  Timeline flagged;
  flagged.server = {"198.51.100.1", 443};
  Event hello;
  hello.type = EventType::client_hello;
  std::vector<uint8_t> body(64);
  body.resize(encode_flags(FlagSet::from_numbers(std::vector<uint16_t>{80}), body));
  hello.flags = FlagsInMessage{decode_flags(body), false};
  Event request = hello;
  request.type = EventType::certificate_request;
  request.from = Party::server;
  request.frame = 5;
  request.certificate_authorities = {"3001"};
  flagged.events = {hello, request};
  cli::TrustAnchorsJudge judge{RuleConfig{}};
  CHECK(judge.observe(flagged, 0).may_get_finding_later);
  CHECK_FALSE(judge.observe(flagged, 1).may_get_finding_later);  // the second one can never get it
  Timeline plain = flagged;
  plain.events[0].flags.reset();
  plain.events[1].flags.reset();
  cli::TrustAnchorsJudge::Outcome outcome = judge.observe(plain, 2);
  REQUIRE(outcome.finding_for);
  CHECK(*outcome.finding_for == 0);
  CHECK(outcome.finding.rule == RuleId::rca_server_trust_anchors_shared);
}
