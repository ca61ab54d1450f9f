#include "sample_results.hpp"

#include <sstream>

using namespace tlsflags;

namespace samples {

Event event(EventType type, Party from, uint64_t frame, double time) {
  Event e;
  e.type = type;
  e.from = from;
  e.frame = frame;
  e.time = time;
  return e;
}

Event flagged(Event e, std::vector<uint16_t> flags) {
  FlagsInMessage in_message;
  in_message.decoded.flags = FlagSet::from_numbers(flags);
  in_message.decoded.declared_length = static_cast<uint8_t>(in_message.decoded.flags.minimal_octets().size());
  e.flags = in_message;
  return e;
}

namespace {

Event server_hello(uint64_t frame, double time) {
  Event e = event(EventType::server_hello, Party::server, frame, time);
  e.selected_version = 0x0304;
  return e;
}

Event alert(Party from, uint64_t frame, double time, uint8_t description) {
  Event e = event(EventType::alert, from, frame, time);
  e.alert_level = kAlertLevelFatal;
  e.alert_description = description;
  return e;
}

Timeline base(std::string file, Endpoint client, Endpoint server, uint64_t first, uint64_t last) {
  Timeline t;
  t.file = std::move(file);
  t.client = std::move(client);
  t.server = std::move(server);
  t.first_frame = first;
  t.last_frame = last;
  t.keys_found = true;
  return t;
}

}  // namespace

Timeline passing_timeline() {
  Timeline t = base("a.pcap", {"10.0.0.1", 50000}, {"10.0.0.2", 443}, 1, 19);
  Event hello = flagged(event(EventType::client_hello, Party::client, 4, 0.000512), {8, 80});
  hello.server_name = "example.com";
  hello.offers_tls13 = true;
  t.events.push_back(hello);
  t.events.push_back(server_hello(6, 0.0021));
  t.events.push_back(event(EventType::encrypted_extensions, Party::server, 6, 0.0021));
  Event request = flagged(event(EventType::certificate_request, Party::server, 6, 0.0021), {80});
  request.certificate_authorities = {"3011310f300d06035504030c06526f6f744341"};
  t.events.push_back(request);
  t.events.push_back(event(EventType::finished, Party::server, 6, 0.0021));
  Event certificate = event(EventType::certificate, Party::client, 9, 0.0033);
  certificate.certificate_entries = 1;
  certificate.certificate_chain_der = {{0x30, 0x82}};
  t.events.push_back(certificate);
  t.events.push_back(event(EventType::finished, Party::client, 9, 0.0033));
  t.events.push_back(event(EventType::application_data, Party::client, 11, 0.004));
  t.events.push_back(event(EventType::fin, Party::client, 19, 0.01));
  return t;
}

Judgement passing_judgement() {
  Judgement j;
  j.verdict = Verdict::pass;
  j.flags_seen = true;
  j.rca = {true, true, "non-empty"};
  return j;
}

Timeline failing_timeline() {
  Timeline t = base("a.pcap", {"10.0.0.3", 50001}, {"10.0.0.2", 443}, 20, 30);
  Event hello = event(EventType::client_hello, Party::client, 22, 1.5);
  hello.server_name = "example.com";
  t.events.push_back(hello);
  t.events.push_back(server_hello(24, 1.502));
  t.events.push_back(flagged(event(EventType::certificate_request, Party::server, 24, 1.502), {80}));
  t.events.push_back(alert(Party::client, 26, 1.503, alert_illegal_parameter));
  t.events.push_back(event(EventType::rst, Party::client, 27, 1.504));
  return t;
}

Judgement failing_judgement() {
  Judgement j;
  j.verdict = Verdict::fail;
  j.flags_seen = true;
  j.rca = {false, true, "none"};
  j.findings.push_back({RuleId::rca_server_ack_without_request, Severity::error,
                        "the CertificateRequest carries request_client_auth (80) but the ClientHello did not",
                        {22, 24}});
  j.findings.push_back({RuleId::rca_server_cr_without_ack, Severity::info, "a note", {24}});
  return j;
}

Timeline undecidable_timeline() {
  Timeline t = base("b.pcap", {"2001:db8::1", 40000}, {"2001:db8::2", 8443}, 3, 7);
  t.keys_found = false;
  t.events.push_back(flagged(event(EventType::client_hello, Party::client, 3, 0), {80}));
  t.events.push_back(server_hello(5, 0.25));
  t.events.push_back(event(EventType::unreadable, Party::server, 5, 0.25));
  t.events.push_back(event(EventType::capture_end, Party::client, 7, 0.5));
  return t;
}

Judgement undecidable_judgement() {
  Judgement j;
  j.verdict = Verdict::undecidable;
  j.flags_seen = true;
  j.rca = {true, std::nullopt, "unknown"};
  j.undecided.push_back({RuleId::rca_client_no_certificate, "no keys for this connection"});
  return j;
}

report::ConnectionResult result(const Timeline& timeline, Judgement judgement, bool keep_events) {
  return report::make_connection_result(timeline, std::move(judgement), keep_events);
}

std::vector<report::FileResult> two_files() {
  report::FileResult a{"a.pcap", std::nullopt, {}};
  a.connections.push_back(result(passing_timeline(), passing_judgement()));
  a.connections.push_back(result(failing_timeline(), failing_judgement()));
  report::FileResult b{"b.pcap", std::nullopt, {}};
  b.connections.push_back(result(undecidable_timeline(), undecidable_judgement()));
  return {a, b};
}

std::string render(report::Format format, const std::vector<report::FileResult>& files,
                   report::WriterOptions options) {
  std::ostringstream out;
  auto writer = report::make_writer(format, out, options);
  report::write_report(*writer, files);
  return out.str();
}

}  // namespace samples
