#include <catch2/catch.hpp>
#include <regex>

#include "sample_results.hpp"
#include "tlsflags/report/plural.hpp"

using namespace tlsflags;
using namespace tlsflags::report;

namespace {
bool has_escape(const std::string& text) { return text.find('\x1b') != std::string::npos; }
}  // namespace

TEST_CASE("text: a table per file with each connection's verdict and a total", "[text]") {
  std::string out = samples::render(Format::text, samples::two_files());
  CHECK_THAT(out, Catch::Contains("a.pcap: 2 connections (1 pass, 1 fail, 0 warn, 0 undecidable, 0 not-applicable)"));
  CHECK_THAT(out, Catch::Contains("b.pcap: 1 connection (0 pass, 0 fail, 0 warn, 1 undecidable, 0 not-applicable)"));
  CHECK_THAT(out, Catch::Contains("CLIENT"));
  CHECK_THAT(out, Catch::Contains("VERDICT"));
  CHECK_THAT(out, Catch::Matches(R"([\s\S]*10\.0\.0\.1:50000 +10\.0\.0\.2:443 +example\.com +1-19 +1\.3 +yes +yes +yes +non-empty +pass\n[\s\S]*)"));
  CHECK_THAT(out, Catch::Matches(R"([\s\S]*\[2001:db8::1\]:40000 +\[2001:db8::2\]:8443 +- +3-7 +1\.3 +no +yes +\? +unknown +undecidable\n[\s\S]*)"));
  CHECK_THAT(out, Catch::Contains("error rca.server.ack-without-request (frames 22, 24): the CertificateRequest carries"));
  CHECK_THAT(out, Catch::Contains("info rca.server.cr-without-ack (frame 24): a note"));
  CHECK_THAT(out, Catch::Contains("undecidable rca.client.no-certificate: no keys for this connection"));
  CHECK_THAT(out, Catch::EndsWith("Total: 2 files, 3 connections: 1 pass, 1 fail, 0 warn, 1 undecidable, 0 not-applicable\n"));
}

TEST_CASE("text: no ANSI codes unless colour is asked for", "[text]") {
  CHECK_FALSE(has_escape(samples::render(Format::text, samples::two_files())));
  WriterOptions options;
  options.colour = true;
  std::string coloured = samples::render(Format::text, samples::two_files(), options);
  CHECK(has_escape(coloured));
  CHECK_THAT(coloured, Catch::Contains("\x1b[1;31mfail\x1b[0m"));
  CHECK_THAT(coloured, Catch::Contains("\x1b[32mpass\x1b[0m"));
}

TEST_CASE("text: columns line up, and colour codes do not move them", "[text]") {
  std::string plain = samples::render(Format::text, samples::two_files());
  auto column_of = [](const std::string& text, const std::string& needle) {
    size_t at = text.find(needle);
    return at - text.rfind('\n', at) - 1;
  };
  CHECK(column_of(plain, "VERDICT") == column_of(plain, "pass\n"));
  CHECK(column_of(plain, "VERDICT") == column_of(plain, "fail\n"));
  CHECK(column_of(plain, "SERVER") == column_of(plain, "10.0.0.2:443 "));

  WriterOptions options;
  options.colour = true;
  std::string coloured = samples::render(Format::text, samples::two_files(), options);
  std::string stripped = std::regex_replace(coloured, std::regex("\x1b\\[[0-9;]*m"), "");
  CHECK(stripped == plain);
}

TEST_CASE("text: a file that could not be read is named with the reason", "[text]") {
  std::vector<FileResult> files = {{"gone.pcap", std::string("No such file or directory"), {}}};
  std::string out = samples::render(Format::text, files);
  CHECK_THAT(out, Catch::Contains("gone.pcap: could not be read: No such file or directory"));
  CHECK_THAT(out, Catch::Contains("Total: 0 files (1 could not be read), 0 connections"));
}

TEST_CASE("text --explain: each event with frame, time, direction, message and flags by name", "[text]") {
  WriterOptions options;
  options.explain = true;
  std::string out = samples::render(Format::text, samples::two_files(), options);
  CHECK_THAT(out, Catch::Contains("10.0.0.1:50000 -> 10.0.0.2:443 (frames 1-19), SNI example.com, TLS 1.3, decrypted: pass"));
  CHECK_THAT(out, Catch::Contains(
      "         4    0.000512  client -> server  ClientHello (SNI example.com, offers TLS 1.3)  "
      "flags: resumption_across_names (8), request_client_auth (80)"));
  CHECK_THAT(out, Catch::Contains(
      "         6    0.002100  client <- server  CertificateRequest (1 certificate authority name)  "
      "flags: request_client_auth (80)"));
  CHECK_THAT(out, Catch::Contains("client -> server  Certificate (1 entry)"));
  CHECK_THAT(out, Catch::Contains("client -> server  Alert (fatal illegal_parameter)"));
  CHECK_THAT(out, Catch::Contains("client <- server  (protected record that could not be decrypted)"));
  CHECK_THAT(out, Catch::Contains("no rule was broken"));
  CHECK_THAT(out, Catch::Contains("what the rules found:\n    error rca.server.ack-without-request (frames 22, 24)"));
  CHECK_THAT(out, Catch::Contains("    undecidable rca.client.no-certificate: no keys for this connection"));
}

TEST_CASE("text --explain names flags with the configured request_client_auth number", "[text]") {
  Timeline t = samples::passing_timeline();
  t.events[0] = samples::flagged(t.events[0], {8, 81});
  WriterOptions options;
  options.explain = true;
  options.request_client_auth_flag = 81;
  std::vector<FileResult> files = {{"a.pcap", std::nullopt, {samples::result(t, samples::passing_judgement())}}};
  CHECK_THAT(samples::render(Format::text, files, options), Catch::Contains("request_client_auth (81)"));
  options.request_client_auth_flag = 80;
  CHECK_THAT(samples::render(Format::text, files, options), Catch::Contains("flag 81"));
}

TEST_CASE("text: control characters from the capture never reach the terminal", "[text][escape]") {
  Timeline t = samples::passing_timeline();
  t.events[0].server_name = "evil\x1b]0;owned\x07.example\x1b[2J";
  Judgement j = samples::failing_judgement();
  j.findings[0].message = "message with \x1b[31m colour and \r return";
  std::vector<FileResult> files = {{"a\x1b[1m.pcap", std::nullopt, {samples::result(t, j)}}};
  WriterOptions options;
  options.explain = true;
  std::string out = samples::render(Format::text, files, options);
  CHECK_FALSE(has_escape(out));
  CHECK(out.find('\r') == std::string::npos);
  CHECK_THAT(out, Catch::Contains("evil\\x1b]0;owned\\x07.example\\x1b[2J"));
  CHECK_THAT(out, Catch::Contains("a\\x1b[1m.pcap"));
}

TEST_CASE("text --by-server: a per-server table", "[text]") {
  WriterOptions options;
  options.by_server = true;
  std::string out = samples::render(Format::text, samples::two_files(), options);
  CHECK_THAT(out, Catch::Contains("Servers:"));
  CHECK_THAT(out, Catch::Matches(R"([\s\S]*10\.0\.0\.2:443 +2 +1 +1 +1 pass, 1 fail, 0 warn[\s\S]*)"));
}

TEST_CASE("text --by-server: SNIs, client certificates and server reactions under each server", "[text]") {
  ConnectionResult r = samples::result(samples::passing_timeline(), samples::passing_judgement(), false);
  r.deployment.client_certificate = ClientCertificateDetails{"CN=crawler", "CN=CA", {}, "", "", "EC P-256", "ab12"};
  r.deployment.server_reaction = "accepted";
  WriterOptions options;
  options.by_server = true;
  std::string out = samples::render(Format::text, {{"a.pcap", std::nullopt, {r}}}, options);
  CHECK_THAT(out, Catch::Contains("      SNI: example.com\n"));
  CHECK_THAT(out, Catch::Contains("      client certificate ab12 (1 connection): CN=crawler\n"));
  CHECK_THAT(out, Catch::Contains("      server reactions: accepted 1\n"));
}

TEST_CASE("text --explain: the inspection's lines under the connection's timeline", "[text]") {
  ConnectionResult r = samples::result(samples::passing_timeline(), samples::passing_judgement());
  r.deployment.explain_lines = {"client certificate: subject CN=crawler", "  issuer CN=\x1b[2JCA"};
  WriterOptions options;
  options.explain = true;
  std::string out = samples::render(Format::text, {{"a.pcap", std::nullopt, {r}}}, options);
  CHECK_THAT(out, Catch::Contains("\n  client certificate: subject CN=crawler\n    issuer CN=\\x1b[2JCA\n  no rule was broken"));
}

TEST_CASE("text: rules undecided for the same reason share one line", "[text]") {
  Judgement j = samples::undecidable_judgement();
  j.undecided.push_back({RuleId::flags_unsolicited_ack, "no keys for this connection"});
  j.undecided.push_back({RuleId::rca_server_ack_without_request, "capture cut"});
  std::vector<FileResult> files = {{"b.pcap", std::nullopt, {samples::result(samples::undecidable_timeline(), j)}}};
  std::string out = samples::render(Format::text, files);
  CHECK_THAT(out, Catch::Contains("undecidable rca.client.no-certificate, flags.unsolicited-ack: no keys for this connection\n"));
  CHECK_THAT(out, Catch::Contains("undecidable rca.server.ack-without-request: capture cut\n"));
}

TEST_CASE("text: counts agree with their nouns in number", "[text]") {
  CHECK(plural(0, "connection") == "0 connections");
  CHECK(plural(1, "connection") == "1 connection");
  CHECK(plural(2, "connection") == "2 connections");
  CHECK(plural(1, "entry", "entries") == "1 entry");
  CHECK(plural(3, "entry", "entries") == "3 entries");
  std::vector<FileResult> one = {samples::two_files()[1]};  // b.pcap: one connection
  CHECK_THAT(samples::render(Format::text, one),
             Catch::EndsWith("Total: 1 file, 1 connection: 0 pass, 0 fail, 0 warn, 1 undecidable, 0 not-applicable\n"));
}

TEST_CASE("text: a live capture's summary names the capture, not a file count", "[text]") {
  std::vector<FileResult> live = {samples::two_files()[1]};
  live[0].file = "live:lo";
  WriterOptions options;
  options.live_interface = "lo";
  CHECK_THAT(samples::render(Format::text, live, options),
             Catch::EndsWith("Total: live capture on lo, 1 connection: 0 pass, 0 fail, 0 warn, 1 undecidable, 0 not-applicable\n"));
  live = {samples::two_files()[0]};  // two connections
  live[0].file = "live:lo";
  CHECK_THAT(samples::render(Format::text, live, options), Catch::Contains("Total: live capture on lo, 2 connections: "));
  std::vector<FileResult> failed = {{"live:lo", std::string("socket: Operation not permitted"), {}}};
  std::string out = samples::render(Format::text, failed, options);
  CHECK_THAT(out, Catch::Contains("Total: live capture on lo (failed), 0 connections: "));
  CHECK_THAT(out, !Catch::Contains("file"));
}
