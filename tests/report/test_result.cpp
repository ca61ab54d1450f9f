#include <catch2/catch.hpp>

#include "sample_results.hpp"

using namespace tlsflags;
using namespace tlsflags::report;

TEST_CASE("make_connection_result keeps what the outputs show", "[result]") {
  ConnectionResult r = samples::result(samples::passing_timeline(), samples::passing_judgement());
  CHECK(r.file == "a.pcap");
  CHECK(r.client.to_string() == "10.0.0.1:50000");
  CHECK(r.server.to_string() == "10.0.0.2:443");
  CHECK(r.first_frame == 1);
  CHECK(r.last_frame == 19);
  CHECK(r.tls_version == "1.3");
  CHECK(r.decrypted);
  CHECK(r.flags_seen);
  CHECK(r.server_name == "example.com");
  CHECK(r.judgement.verdict == Verdict::pass);
  REQUIRE(r.events.size() == samples::passing_timeline().events.size());
  for (const Event& e : r.events) CHECK(e.certificate_chain_der.empty());
}

TEST_CASE("make_connection_result drops the events unless asked to keep them", "[result]") {
  ConnectionResult r = samples::result(samples::passing_timeline(), samples::passing_judgement(), false);
  CHECK(r.events.empty());
  CHECK(r.tls_version == "1.3");  // still derived from the events before they were dropped
}

TEST_CASE("sort_connections orders a file by first frame", "[result]") {
  FileResult file{"a.pcap", std::nullopt, {}};
  file.connections.push_back(samples::result(samples::failing_timeline(), samples::failing_judgement()));
  file.connections.push_back(samples::result(samples::passing_timeline(), samples::passing_judgement()));
  sort_connections(file);
  CHECK(file.connections[0].first_frame == 1);
  CHECK(file.connections[1].first_frame == 20);
}

TEST_CASE("summarise counts files, connections, verdicts and servers", "[result]") {
  auto files = samples::two_files();
  files.push_back({"missing.pcap", std::string("No such file or directory"), {}});
  RunSummary s = summarise(files);
  CHECK(s.files == 2);
  CHECK(s.unreadable_files == 1);
  CHECK(s.connections == 3);
  CHECK(s.count(Verdict::pass) == 1);
  CHECK(s.count(Verdict::fail) == 1);
  CHECK(s.count(Verdict::undecidable) == 1);
  CHECK(any_failed(s));
  REQUIRE(s.servers.size() == 2);
  CHECK(s.servers[0].server == "10.0.0.2:443");
  CHECK(s.servers[0].connections == 2);
  CHECK(s.servers[0].client_offered == 1);
  CHECK(s.servers[0].server_acknowledged == 1);
  CHECK(s.servers[0].findings.at("rca.server.ack-without-request") == 1);
  CHECK(s.servers[1].server == "[2001:db8::2]:8443");
}

TEST_CASE("SummaryBuilder counts a connection at a time what summarise counts over files", "[result]") {
  auto files = samples::two_files();
  files.push_back({"missing.pcap", std::string("No such file or directory"), {}});
  SummaryBuilder builder;
  builder.add_connection(files[0].connections.front());
  const RunSummary midway = builder.summary();  // a look at the counts so far changes nothing
  CHECK(midway.connections == 1);
  CHECK(midway.files == 0);
  for (size_t i = 1; i < files[0].connections.size(); ++i) builder.add_connection(files[0].connections[i]);
  builder.add_file(false);
  for (const FileResult& file : std::span(files).subspan(1)) {
    for (const ConnectionResult& connection : file.connections) builder.add_connection(connection);
    builder.add_file(file.read_error.has_value());
  }
  const RunSummary streamed = builder.summary(), whole = summarise(files);
  CHECK(streamed.files == whole.files);
  CHECK(streamed.unreadable_files == whole.unreadable_files);
  CHECK(streamed.connections == whole.connections);
  CHECK(streamed.verdicts == whole.verdicts);
  REQUIRE(streamed.servers.size() == whole.servers.size());
  for (size_t i = 0; i < whole.servers.size(); ++i) {
    CHECK(streamed.servers[i].server == whole.servers[i].server);
    CHECK(streamed.servers[i].connections == whole.servers[i].connections);
    CHECK(streamed.servers[i].findings == whole.servers[i].findings);
    CHECK(streamed.servers[i].server_names == whole.servers[i].server_names);
  }
}
