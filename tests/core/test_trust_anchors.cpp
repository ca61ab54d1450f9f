// core's streaming rca.server.trust-anchors-shared (trust_anchors.hpp) against a reference model of
// the rule written for this test the plain way, over the whole run at once (per server, the union of
// the certificate_authorities of each kind of CertificateRequest; the first overlap is reported, on the
// server's first accepting request): on random runs (a few servers, ClientHellos and
// CertificateRequests with and without request_client_auth, overlapping sets, both profiles) both must
// find the same findings on the same connections.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "tlsflags/core/flags_codec.hpp"
#include "tlsflags/core/trust_anchors.hpp"

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

// The reference model: the whole run at once.
struct Kind {
  std::set<std::string> authorities;
  size_t connection = 0;
  uint64_t frame = 0;
};

Found overlap(const std::vector<Timeline>& run, const std::map<bool, Kind>& kinds, size_t shared) {
  const Kind& accepting = kinds.at(true);
  const Kind& other = kinds.at(false);
  std::string message = "server " + run[accepting.connection].server.to_string() + " advertises " +
                        std::to_string(shared) +
                        " of the same certificate_authorities in the CertificateRequest that accepted "
                        "request_client_auth (" + run[accepting.connection].file + " frame " +
                        std::to_string(accepting.frame) + ") and in one that did not (" +
                        run[other.connection].file + " frame " + std::to_string(other.frame) +
                        "): the trust anchors should be disjoint (RCA §4)";
  return Found{accepting.connection, message, {accepting.frame}};
}

std::vector<Found> reference(const std::vector<Timeline>& run, const RuleConfig& rules) {
  std::map<std::string, std::map<bool, Kind>> servers;
  std::set<std::string> reported;
  std::vector<Found> found;
  for (size_t i = 0; i < run.size(); ++i) {
    const Event* request = run[i].first(EventType::certificate_request, Party::server);
    if (!request || request->certificate_authorities.empty()) continue;
    const std::string server = run[i].server.to_string();
    if (reported.count(server)) continue;
    std::map<bool, Kind>& kinds = servers[server];
    const bool accepted = certificate_request_accepts_flag(run[i], *request, rules);
    if (!kinds.count(accepted)) kinds[accepted] = {{}, i, request->frame};
    kinds[accepted].authorities.insert(request->certificate_authorities.begin(), request->certificate_authorities.end());
    if (!kinds.count(!accepted)) continue;
    size_t shared = 0;
    for (const std::string& ca : kinds[true].authorities) shared += kinds[false].authorities.count(ca);
    if (shared == 0) continue;
    reported.insert(server);
    found.push_back(overlap(run, kinds, shared));
  }
  std::sort(found.begin(), found.end());
  return found;
}

std::vector<Found> one_at_a_time(const std::vector<Timeline>& run, const RuleConfig& rules) {
  TrustAnchorsJudge judge(rules);
  std::vector<Found> found;
  for (size_t i = 0; i < run.size(); ++i) {
    std::optional<TrustAnchorsInput> input = trust_anchors_input(run[i], rules);
    if (!input) continue;
    TrustAnchorsJudge::Outcome outcome = judge.observe(*input, i);
    if (outcome.finding_for) found.emplace_back(*outcome.finding_for, outcome.finding.message, outcome.finding.frames);
    if (outcome.finding_for && *outcome.finding_for != i) CHECK_FALSE(outcome.may_get_finding_later);
  }
  std::sort(found.begin(), found.end());
  return found;
}

std::vector<Found> whole_list(const std::vector<Timeline>& run, const RuleConfig& rules) {
  std::vector<const Timeline*> pointers;
  for (const Timeline& t : run) pointers.push_back(&t);
  std::vector<Found> found;
  for (const CrossConnectionFinding& f : judge_across_connections(pointers, rules))
    found.emplace_back(f.connection_index, f.finding.message, f.finding.frames);
  std::sort(found.begin(), found.end());
  return found;
}

}  // namespace

TEST_CASE("streamed trust-anchors-shared finds what the reference model finds", "[trust-anchors]") {
  std::mt19937 random(20261122);
  size_t with_findings = 0;
  for (int round = 0; round < 5000; ++round) {
    RuleConfig rules;
    rules.profile = round % 2 ? Profile::draft02 : Profile::rfc;
    std::vector<Timeline> run;
    for (size_t i = 0, n = 1 + random() % 12; i < n; ++i) run.push_back(random_connection(random, i));
    std::vector<Found> expected = reference(run, rules);
    with_findings += !expected.empty();
    REQUIRE(one_at_a_time(run, rules) == expected);
    REQUIRE(whole_list(run, rules) == expected);
  }
  CHECK(with_findings > 500);  // the random runs do exercise the rule
}

TEST_CASE("only a server's first accepting CertificateRequest with anchors is held back", "[trust-anchors]") {
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
  TrustAnchorsJudge judge{RuleConfig{}};
  CHECK(judge.observe(flagged, 0).may_get_finding_later);
  CHECK_FALSE(judge.observe(flagged, 1).may_get_finding_later);  // the second one can never get it
  Timeline plain = flagged;
  plain.events[0].flags.reset();
  plain.events[1].flags.reset();
  TrustAnchorsJudge::Outcome outcome = judge.observe(plain, 2);
  REQUIRE(outcome.finding_for);
  CHECK(*outcome.finding_for == 0);
  CHECK(outcome.finding.rule == RuleId::rca_server_trust_anchors_shared);
}
