// Golden tests: the JSON Lines contract (docs/output.md "JSON Lines") byte for byte.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sstream>

#include "sample_results.hpp"

using namespace tlsflags;
using namespace tlsflags::report;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

const std::string kPassing =
    R"({"type":"connection","file":"a.pcap","client":"10.0.0.1:50000","server":"10.0.0.2:443",)"
    R"("transport":"tcp","first_frame":1,"last_frame":19,"tls_version":"1.3","decrypted":true,)"
    R"("rca":{"client_offered":true,"server_acknowledged":true,"client_certificate":"non-empty"},)"
    R"("verdict":"pass","findings":[]})";

const std::string kFailing =
    R"({"type":"connection","file":"a.pcap","client":"10.0.0.3:50001","server":"10.0.0.2:443",)"
    R"("transport":"tcp","first_frame":20,"last_frame":30,"tls_version":"1.3","decrypted":true,)"
    R"("rca":{"client_offered":false,"server_acknowledged":true,"client_certificate":"none"},)"
    R"("verdict":"fail","findings":[{"rule":"rca.server.ack-without-request","severity":"error",)"
    R"("message":"the CertificateRequest carries request_client_auth (80) but the ClientHello did not",)"
    R"("frames":[22,24]},{"rule":"rca.server.cr-without-ack","severity":"info","message":"a note","frames":[24]}]})";

const std::string kUndecidable =
    R"({"type":"connection","file":"b.pcap","client":"[2001:db8::1]:40000","server":"[2001:db8::2]:8443",)"
    R"("transport":"tcp","first_frame":3,"last_frame":7,"tls_version":"1.3","decrypted":false,)"
    R"("rca":{"client_offered":true,"server_acknowledged":null,"client_certificate":"unknown"},)"
    R"("verdict":"undecidable","findings":[],)"
    R"("undecidable":[{"rule":"rca.client.no-certificate","reason":"no keys for this connection"}]})";

const std::string kSummary =
    R"({"type":"summary","files":2,"connections":3,)"
    R"("verdicts":{"pass":1,"fail":1,"warn":0,"undecidable":1,"not-applicable":0}})";

}  // namespace

TEST_CASE("jsonl: one connection object per connection, then the summary", "[jsonl]") {
  auto lines = lines_of(samples::render(Format::jsonl, samples::two_files()));
  REQUIRE(lines.size() == 4);
  CHECK(lines[0] == kPassing);
  CHECK(lines[1] == kFailing);
  CHECK(lines[2] == kUndecidable);
  CHECK(lines[3] == kSummary);
}

TEST_CASE("jsonl --events: the contract's events, without visibility markers", "[jsonl]") {
  WriterOptions options;
  options.events = true;
  auto lines = lines_of(samples::render(Format::jsonl, samples::two_files(), options));
  REQUIRE(lines.size() == 4);
  const std::string passing_events =
      R"(,"events":[{"frame":4,"time":0.000512,"from":"client","type":"client_hello","flags":[8,80]},)"
      R"({"frame":6,"time":0.0021,"from":"server","type":"server_hello"},)"
      R"({"frame":6,"time":0.0021,"from":"server","type":"encrypted_extensions"},)"
      R"({"frame":6,"time":0.0021,"from":"server","type":"certificate_request","flags":[80]},)"
      R"({"frame":6,"time":0.0021,"from":"server","type":"finished"},)"
      R"({"frame":9,"time":0.0033,"from":"client","type":"certificate"},)"
      R"({"frame":9,"time":0.0033,"from":"client","type":"finished"},)"
      R"({"frame":19,"time":0.01,"from":"client","type":"fin"}]})";
  CHECK(lines[0] == kPassing.substr(0, kPassing.size() - 1) + passing_events);
  CHECK_THAT(lines[1], Catch::Contains(R"({"frame":26,"time":1.503,"from":"client","type":"alert",)"
                                       R"("level":"fatal","description":"illegal_parameter"})"));
  CHECK_THAT(lines[2], Catch::EndsWith(R"(,"events":[{"frame":3,"time":0.0,"from":"client","type":"client_hello",)"
                                       R"("flags":[80]},{"frame":5,"time":0.25,"from":"server","type":"server_hello"},)"
                                       R"({"frame":7,"time":0.5,"from":"client","type":"capture_end"}]})"));
  CHECK(lines[3] == kSummary);
}

TEST_CASE("jsonl: event times lose subtraction noise", "[jsonl]") {
  Timeline t = samples::passing_timeline();
  t.events[0].time = 1.0021 - 1.0;  // 0.0020999999999998842
  ConnectionResult r = samples::result(t, samples::passing_judgement());
  WriterOptions options;
  options.events = true;
  std::string out = samples::render(Format::jsonl, {{"a.pcap", std::nullopt, {r}}}, options);
  CHECK_THAT(out, Catch::Contains(R"({"frame":4,"time":0.0021,)"));
}

TEST_CASE("jsonl: an unknown alert description and level are shown, not guessed", "[jsonl]") {
  Timeline t = samples::failing_timeline();
  t.events[3].alert_description = 200;
  t.events[3].alert_level = 7;
  WriterOptions options;
  options.events = true;
  std::string out = samples::render(Format::jsonl, {{"a.pcap", std::nullopt, {samples::result(t, {})}}}, options);
  CHECK_THAT(out, Catch::Contains(R"("type":"alert","level":7,"description":"unknown_200"})"));
}

TEST_CASE("jsonl --by-server: one server object per server before the summary", "[jsonl]") {
  WriterOptions options;
  options.by_server = true;
  auto lines = lines_of(samples::render(Format::jsonl, samples::two_files(), options));
  REQUIRE(lines.size() == 6);
  CHECK(lines[3] ==
        R"({"type":"server","server":"10.0.0.2:443","connections":2,)"
        R"("verdicts":{"pass":1,"fail":1,"warn":0,"undecidable":0,"not-applicable":0},)"
        R"("rca":{"client_offered":1,"server_acknowledged":1},)"
        R"("findings":{"rca.server.ack-without-request":1,"rca.server.cr-without-ack":1},)"
        R"("server_names":["example.com"],"client_certificates":[],"server_reactions":{}})");
  CHECK_THAT(lines[4], Catch::StartsWith(R"({"type":"server","server":"[2001:db8::2]:8443","connections":1,)"));
  CHECK(lines[5] == kSummary);
}

namespace {

Deployment crawler_deployment() {
  Deployment d;
  d.client_certificate = ClientCertificateDetails{"CN=crawler.example,O=Bots", "CN=Bots CA",
                                                  {"DNS:crawler.example", "URI:https://bots.example/id/7"},
                                                  "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z", "EC P-256",
                                                  std::string(64, 'a')};
  d.server_reaction = "unknown_ca";
  d.certificate_request_fit = CertificateRequestFit{{"does-not-fit", "issuer CN=Bots CA is not among ..."},
                                                    {"fits", "ecdsa_secp256r1_sha256"},
                                                    {"fits", "EC P-256"}};
  d.server_identity = ServerIdentity{"example.com", std::nullopt, false, "none", "", {"DNS:www.example.com"},
                                     "mismatch"};
  return d;
}

}  // namespace

TEST_CASE("jsonl: client_certificate_details, server_reaction, the fit and the server identity", "[jsonl]") {
  ConnectionResult r = samples::result(samples::passing_timeline(), samples::passing_judgement(), false);
  r.deployment = crawler_deployment();
  const auto line = nlohmann::json::parse(lines_of(samples::render(Format::jsonl, {{"a.pcap", std::nullopt, {r}}}))[0]);
  const auto& rca = line["rca"];
  CHECK(rca["client_certificate"] == "non-empty");
  const auto& details = rca["client_certificate_details"];
  CHECK(details["subject"] == "CN=crawler.example,O=Bots");
  CHECK(details["issuer"] == "CN=Bots CA");
  CHECK(details["san"] == nlohmann::json::array({"DNS:crawler.example", "URI:https://bots.example/id/7"}));
  CHECK(details["not_before"] == "2026-01-01T00:00:00Z");
  CHECK(details["not_after"] == "2027-01-01T00:00:00Z");
  CHECK(details["key_type"] == "EC P-256");
  CHECK(details["sha256"] == std::string(64, 'a'));
  CHECK(rca["server_reaction"] == "unknown_ca");
  CHECK_FALSE(rca.contains("server_reaction_inferred"));
  CHECK(rca["certificate_request_fit"]["certificate_authorities"]["fit"] == "does-not-fit");
  CHECK(rca["certificate_request_fit"]["key"]["fit"] == "fits");
  CHECK(line["server_identity"] == nlohmann::json::parse(
                                       R"({"sni":"example.com","matched":false,"rule":"none","presented":["DNS:www.example.com"]})"));
}

TEST_CASE("jsonl: no deployment keys when nothing was seen", "[jsonl]") {
  auto lines = lines_of(samples::render(Format::jsonl, samples::two_files()));
  for (size_t i = 0; i < 3; ++i) {
    const auto line = nlohmann::json::parse(lines[i]);
    CHECK_FALSE(line["rca"].contains("client_certificate_details"));
    CHECK_FALSE(line["rca"].contains("server_reaction"));
    CHECK_FALSE(line.contains("server_identity"));
  }
}

TEST_CASE("jsonl --by-server: SNIs, certificates by sha256 and server reactions are counted", "[jsonl]") {
  ConnectionResult first = samples::result(samples::passing_timeline(), samples::passing_judgement(), false);
  first.deployment = crawler_deployment();
  ConnectionResult second = first;
  second.first_frame = 40;
  second.server_name = "www.example.com";
  second.deployment.server_reaction = "accepted";
  second.deployment.server_reaction_inferred = true;
  WriterOptions options;
  options.by_server = true;
  auto lines = lines_of(samples::render(Format::jsonl, {{"a.pcap", std::nullopt, {first, second}}}, options));
  REQUIRE(lines.size() == 4);
  CHECK(nlohmann::json::parse(lines[1])["rca"]["server_reaction_inferred"] == true);
  const auto server = nlohmann::json::parse(lines[2]);
  CHECK(server["type"] == "server");
  CHECK(server["connections"] == 2);
  CHECK(server["server_names"] == nlohmann::json::array({"example.com", "www.example.com"}));
  CHECK(server["client_certificates"] ==
        nlohmann::json::parse(R"([{"sha256":")" + std::string(64, 'a') +
                              R"(","subject":"CN=crawler.example,O=Bots","connections":2}])"));
  CHECK(server["server_reactions"] == nlohmann::json::parse(R"({"accepted":1,"unknown_ca":1})"));
}

TEST_CASE("jsonl: an empty run still has its summary", "[jsonl]") {
  CHECK(samples::render(Format::jsonl, {}) ==
        R"({"type":"summary","files":0,"connections":0,)"
        R"("verdicts":{"pass":0,"fail":0,"warn":0,"undecidable":0,"not-applicable":0}})"
        "\n");
}

TEST_CASE("jsonl: capture-derived text is escaped and made valid UTF-8", "[jsonl][escape]") {
  Judgement j = samples::failing_judgement();
  j.findings[0].message = "SNI \"evil\x1b[2J\"\nnext\tline \xFF end";
  ConnectionResult r = samples::result(samples::failing_timeline(), j);
  r.file = "we\"ird\\name.pcap";
  std::string out = samples::render(Format::jsonl, {{"we\"ird\\name.pcap", std::nullopt, {r}}});
  CHECK_THAT(out, Catch::Contains(R"("file":"we\"ird\\name.pcap")"));
  CHECK_THAT(out, Catch::Contains(R"("message":"SNI \"evil\u001b[2J\"\nnext\tline )" "\xEF\xBF\xBD" R"( end")"));
  auto lines = lines_of(out);
  REQUIRE(lines.size() == 2);  // no raw newline split an object
  for (const std::string& line : lines) CHECK_NOTHROW(nlohmann::json::parse(line));
}

// The JSON Lines writer writes its text directly (no nlohmann::json objects, for speed). This is the
// object it must match byte for byte, built the way the writer once built it: with nlohmann, dumped
// compact, UTF-8 kept and ill-formed UTF-8 replaced.
namespace {

using Json = nlohmann::ordered_json;

Json reference_connection(const ConnectionResult& c) {
  const Judgement& j = c.judgement;
  Json findings = Json::array();
  for (const Finding& f : j.findings)
    findings.push_back({{"rule", rule_info(f.rule).name}, {"severity", to_string(f.severity)},
                        {"message", f.message}, {"frames", f.frames}});
  Json rca = {{"client_offered", j.rca.client_offered},
              {"server_acknowledged", j.rca.server_acknowledged ? Json(*j.rca.server_acknowledged) : Json(nullptr)},
              {"client_certificate", j.rca.client_certificate}};
  const Deployment& d = c.deployment;
  if (d.client_certificate) {
    const ClientCertificateDetails& x = *d.client_certificate;
    rca["client_certificate_details"] = {{"subject", x.subject}, {"issuer", x.issuer}, {"san", x.san},
                                         {"not_before", x.not_before}, {"not_after", x.not_after},
                                         {"key_type", x.key_type}, {"sha256", x.sha256}};
  }
  if (d.server_reaction) {
    rca["server_reaction"] = *d.server_reaction;
    if (d.server_reaction_inferred) rca["server_reaction_inferred"] = true;
  }
  if (d.certificate_request_fit) {
    auto part = [](const FitPart& p) { return Json{{"fit", p.fit}, {"explanation", p.explanation}}; };
    rca["certificate_request_fit"] = {{"certificate_authorities", part(d.certificate_request_fit->certificate_authorities)},
                                      {"certificate_signature", part(d.certificate_request_fit->certificate_signature)},
                                      {"key", part(d.certificate_request_fit->key)}};
  }
  Json out = {{"type", "connection"}, {"file", c.file}, {"client", c.client.to_string()},
              {"server", c.server.to_string()}, {"transport", to_string(c.transport)}, {"first_frame", c.first_frame}, {"last_frame", c.last_frame},
              {"tls_version", c.tls_version.empty() ? Json(nullptr) : Json(c.tls_version)},
              {"decrypted", c.decrypted}, {"rca", rca}, {"verdict", to_string(j.verdict)}, {"findings", findings}};
  if (!j.undecided.empty()) {
    Json undecided = Json::array();
    for (const Undecided& u : j.undecided) undecided.push_back({{"rule", rule_info(u.rule).name}, {"reason", u.reason}});
    out["undecidable"] = undecided;
  }
  if (d.server_identity) {
    const ServerIdentity& s = *d.server_identity;
    Json identity = {{"sni", s.sni}};
    if (s.error) {
      identity["error"] = *s.error;
    } else {
      identity["matched"] = s.matched;
      identity["rule"] = s.rule;
      if (s.matched) identity["matched_identifier"] = s.matched_identifier;
      identity["presented"] = s.presented;
    }
    out["server_identity"] = identity;
  }
  return out;
}

std::string reference_line(const ConnectionResult& c) {
  return reference_connection(c).dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace

TEST_CASE("jsonl: the directly written line is what nlohmann writes, for any text", "[jsonl][escape]") {
  // Bytes chosen to hit every path: plain ASCII, the escapes, other control characters, DEL, valid
  // 2/3/4-byte UTF-8, overlong forms, surrogates, code points above U+10FFFF, stray continuation
  // bytes, truncated sequences at the end.
  const std::vector<std::string> pieces = {
      "a", "Z", " ", "\"", "\\", "/", "\b", "\f", "\n", "\r", "\t", std::string(1, '\0'), "\x01", "\x1f", "\x7f",
      "\xC3\xA9", "\xC2\x80", "\xDF\xBF", "\xE2\x82\xAC", "\xE0\xA0\x80", "\xEF\xBF\xBF", "\xED\x9F\xBF",
      "\xF0\x90\x80\x80", "\xF4\x8F\xBF\xBF", "\xC0\xAF", "\xC1\xBF", "\xE0\x80\xAF", "\xED\xA0\x80",
      "\xF0\x80\x80\xAF", "\xF4\x90\x80\x80", "\xF5\x80\x80\x80", "\xF8", "\xFF", "\x80", "\xBF", "\xC3",
      "\xE2\x82", "\xF0\x90\x80", "\xC3\x28", "\xE2\x28\xA1", "§",
      // Runs of plain ASCII, so that the special bytes fall at every position of the eight-byte words
      // append_string skips at once.
      "plain", "longer plain text", "0123456789abcdef0123"};
  uint32_t seed = 12345;
  auto next = [&seed] {
    seed = seed * 1103515245u + 12345u;
    return seed >> 8;
  };
  auto random_text = [&] {
    std::string text;
    for (size_t n = next() % 24; n > 0; --n) text += pieces[next() % pieces.size()];
    return text;
  };
  for (int round = 0; round < 500; ++round) {
    ConnectionResult r = samples::result(samples::failing_timeline(), samples::failing_judgement(), false);
    r.file = random_text();
    r.tls_version = round % 7 == 0 ? "" : random_text();
    r.judgement.findings[0].message = random_text();
    r.judgement.rca.client_certificate = random_text();
    if (round % 3 == 0) r.judgement.undecided.push_back({RuleId::rca_client_no_certificate, random_text()});
    if (round % 2 == 0) r.judgement.rca.server_acknowledged.reset();
    Deployment& d = r.deployment;
    if (round % 4 != 1) {
      d.client_certificate = ClientCertificateDetails{random_text(), random_text(), {random_text(), random_text()},
                                                      random_text(), random_text(), random_text(), random_text()};
      d.server_reaction = random_text();
      d.server_reaction_inferred = round % 5 == 0;
      d.certificate_request_fit = CertificateRequestFit{{random_text(), random_text()},
                                                        {random_text(), random_text()},
                                                        {random_text(), random_text()}};
      d.server_identity = ServerIdentity{random_text(), std::nullopt, round % 2 == 0, random_text(), random_text(),
                                         {random_text()}, random_text()};
      if (round % 6 == 0) d.server_identity->error = random_text();
    }
    auto lines = lines_of(samples::render(Format::jsonl, {{r.file, std::nullopt, {r}}}));
    REQUIRE(lines.size() == 2);
    CHECK(lines[0] == reference_line(r));
  }
}

TEST_CASE("jsonl: an anomaly is a record of its own after the file's connections", "[jsonl][anomaly]") {
  std::ostringstream out;
  auto writer = make_writer(Format::jsonl, out, WriterOptions{});
  const std::vector<Anomaly> anomalies{
      {"connections-closed-early", 3, 120, "3 connections closed early: too many open at once (first in frame 120)"},
      {"timeline-cut", 2, 0, "2 directions stopped at 1000 handshake and alert events: what followed is unreadable"}};
  writer->anomalies("a.pcap", anomalies);
  writer->finish(RunSummary{});
  auto lines = lines_of(out.str());
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == R"j({"type":"anomaly","file":"a.pcap","kind":"connections-closed-early","count":3,)j"
                    R"j("first_frame":120,"message":"3 connections closed early: too many open at once (first in frame 120)"})j");
  CHECK(lines[1] == R"({"type":"anomaly","file":"a.pcap","kind":"timeline-cut","count":2,)"
                    R"("message":"2 directions stopped at 1000 handshake and alert events: what followed is unreadable"})");
  CHECK_THAT(lines[2], Catch::StartsWith(R"({"type":"summary")"));
}

TEST_CASE("jsonl: a finding about a post-handshake CertificateRequest names it; the rca object counts them",
          "[jsonl][post-handshake]") {
  Judgement j = samples::failing_judgement();
  j.findings[0].post_handshake_request = RequestRef{24, "5f2a"};
  j.rca.post_handshake_requests = 2;
  std::string out = samples::render(Format::jsonl, {{"a.pcap", std::nullopt, {samples::result(samples::failing_timeline(), j)}}},
                                    WriterOptions{});
  CHECK_THAT(out, Catch::Contains(R"("frames":[22,24],"post_handshake_request":{"frame":24,"context":"5f2a"}})"));
  CHECK_THAT(out, Catch::Contains(R"("client_certificate":"none","post_handshake_requests":2)"));
  CHECK_THAT(out, !Catch::Contains(R"("frames":[24],"post_handshake_request")"));  // only where set
}
