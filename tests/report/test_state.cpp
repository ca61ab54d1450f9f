// The mergeable state (tlsflags/report/state.hpp): what a state records reads back as the same report,
// the merged run's capture order ignores the order of the states, a content is counted once, and a
// state cut short or of another version is refused.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <random>

#include "sample_results.hpp"
#include "tlsflags/report/state.hpp"

using namespace tlsflags;
using namespace tlsflags::report;

namespace {

std::vector<ConnectionResult> sample_connections() {
  std::vector<ConnectionResult> out;
  for (const FileResult& file : samples::two_files())
    for (const ConnectionResult& c : file.connections) out.push_back(c);
  return out;
}

std::string jsonl_of(const ConnectionResult& c) {
  std::string line;
  WriterOptions options;
  options.events = true;
  append_connection_line(line, c, options);
  return line;
}

state::CaptureInState capture(std::string file, std::string sha256, std::string from) {
  state::CaptureInState c;
  c.state = std::move(from);
  c.capture.file = std::move(file);
  c.capture.sha256 = std::move(sha256);
  return c;
}

std::vector<std::string> files_of(const state::MergeOrder& order) {
  std::vector<std::string> out;
  for (const auto& c : order.captures) out.push_back(c.capture.file + "@" + c.state);
  return out;
}

// A state file in the build's working directory, removed at the end of the test.
struct TempState {
  std::string path = "test_state_" + std::to_string(std::random_device{}()) + ".state";
  ~TempState() { std::remove(path.c_str()); }
  void write(const std::string& text) const { std::ofstream(path, std::ios::binary) << text; }
};

}  // namespace

TEST_CASE("a connection read back from its state renders the same JSON Lines", "[state]") {
  for (const ConnectionResult& original : sample_connections()) {
    TrustAnchorsInput anchors{"10.0.0.2:443", "a.pcap", 6, true, {"3012", "30ff"}};
    const std::string line = state::connection_line(3, original, anchors);
    REQUIRE(state::peek_type(line) == state::LineType::connection);
    state::Connection back = state::parse_connection(line);
    CHECK(jsonl_of(back.result) == jsonl_of(original));
    CHECK(back.result.flags_seen == original.flags_seen);
    CHECK(back.result.judgement.flags_seen == original.judgement.flags_seen);
    CHECK(back.result.events.size() == original.events.size());
    REQUIRE(back.trust_anchors);
    CHECK(back.trust_anchors->certificate_authorities == anchors.certificate_authorities);
    CHECK(back.trust_anchors->accepts_flag);
  }
}

TEST_CASE("a finding added after the round trip gives the verdict it gives the original", "[state]") {
  for (const ConnectionResult& original : sample_connections()) {
    ConnectionResult back = state::parse_connection(state::connection_line(0, original, std::nullopt)).result;
    Judgement expected = original.judgement;
    Finding late{RuleId::rca_server_trust_anchors_shared, Severity::warning, "shared", {6}};
    expected.add(late);
    back.judgement.add(late);
    CHECK(back.judgement.verdict == expected.verdict);
  }
}

TEST_CASE("the merge order does not depend on the order of the states", "[state][merge]") {
  std::vector<state::CaptureInState> all = {capture("b.pcap", "22", "s1"), capture("a.pcap", "11", "s2"),
                                            capture("c.pcap", "33", "s3"), capture("a.pcap", "10", "s4")};
  const std::vector<std::string> expected = {"a.pcap@s4", "a.pcap@s2", "b.pcap@s1", "c.pcap@s3"};
  std::mt19937 shuffle(7);
  for (int round = 0; round < 10; ++round) {
    std::shuffle(all.begin(), all.end(), shuffle);
    state::MergeOrder order = state::merge_order(all);
    CHECK(files_of(order) == expected);
    CHECK(order.duplicates == 0);
  }
}

TEST_CASE("a content in several states is merged once, whatever its name", "[state][merge]") {
  std::vector<state::CaptureInState> all = {capture("b.pcap", "11", "s1"), capture("a.pcap", "11", "s2"),
                                            capture("a.pcap", "11", "s3"), capture("gone.pcap", "", "s1"),
                                            capture("gone.pcap", "", "s2")};
  state::MergeOrder order = state::merge_order(all);
  CHECK(files_of(order) == std::vector<std::string>{"a.pcap@s2", "gone.pcap@s1"});
  CHECK(order.duplicates == 3);
}

TEST_CASE("a state is indexed: settings, captures, where their connections are", "[state][merge]") {
  state::Settings settings;
  settings.rules.request_client_auth_flag = 81;
  settings.tool_version = "9";
  const std::vector<ConnectionResult> connections = sample_connections();
  std::string text = state::header_line(settings);
  for (const ConnectionResult& c : connections) text += state::connection_line(0, c, std::nullopt);
  state::Capture end;
  end.file = "a.pcap";
  end.sha256 = "ab";
  end.anomalies = {{"timeline-cut", 2, 0, "2 directions stopped"}};
  text += state::capture_line(end);
  text += state::end_line({{"key log k: not readable", true}});
  TempState file;
  file.write(text);
  state::StateIndex index = state::index_state(file.path);
  CHECK(index.settings.rules.request_client_auth_flag == 81);
  REQUIRE(index.captures.size() == 1);
  CHECK(index.captures[0].capture.anomalies.size() == 1);
  REQUIRE(index.diagnostics.size() == 1);
  CHECK(index.diagnostics[0].trouble);
  size_t read = 0;
  state::read_connections(index.captures[0], [&](state::Connection&& c) {
    CHECK(jsonl_of(c.result) == jsonl_of(connections[read]));
    ++read;
  });
  CHECK(read == connections.size());

  SECTION("cut short: refused") {
    file.write(text.substr(0, text.rfind("{\"type\":\"end\"")));
    CHECK_THROWS_WITH(state::index_state(file.path), Catch::Contains("cut short"));
  }
  SECTION("another version: refused") {
    std::string other = text;
    other.replace(other.find("\"version\":1"), 11, "\"version\":2");
    file.write(other);
    CHECK_THROWS_WITH(state::index_state(file.path), Catch::Contains("version 2"));
  }
  SECTION("not a state: refused") {
    file.write("{\"type\":\"summary\"}\n");
    CHECK_THROWS_WITH(state::index_state(file.path), Catch::Contains("line 1"));
  }
}
