// The record layer and handshake reassembly with hand-built streams: split and packed messages, CCS,
// malformed lengths, duplicate TLS Flags extensions, non-TLS streams, gaps and alerts.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "feeder.hpp"
#include "tlsflags/tls/connection_tracker.hpp"
#include "tlsflags/tls/handshake.hpp"
#include "tlsflags/tls/upgrade.hpp"
#include "wire.hpp"

using namespace tlsflags;
using namespace tlsflags::tls;
using namespace tlsflags::tls::test;

namespace {

struct Harness {
  std::vector<Timeline> timelines;
  ConnectionTracker tracker;
  Feeder feeder;
  explicit Harness(TrackerOptions options = {}, size_t segment = 0)
      : tracker(std::move(options), [this](Timeline&& t) { timelines.push_back(std::move(t)); }),
        feeder(tracker, 1, segment) {
    feeder.open();
  }
  const Timeline& close(bool capture_ended = false) {
    feeder.close(capture_ended);
    REQUIRE(timelines.size() == 1);
    return timelines[0];
  }
};

std::vector<uint16_t> flags_of(const Event& event) {
  std::vector<uint16_t> out;
  if (event.flags) event.flags->decoded.flags.for_each([&](uint16_t f) { out.push_back(f); });
  return out;
}

Bytes flagged_client_hello() {
  return handshake(1, client_hello_body(cat({server_name("example.com"), supported_versions_13(),
                                             flags_extension(flag80_body())})));
}

std::vector<EventType> types_of(const Timeline& t) {
  std::vector<EventType> out;
  for (const Event& e : t.events) out.push_back(e.type);
  return out;
}

}  // namespace

TEST_CASE("a ClientHello in one record is parsed: flags, SNI, supported_versions", "[records]") {
  Harness h;
  h.feeder.send(Party::client, record(22, flagged_client_hello(), 0x0301));
  const Timeline& t = h.close();
  REQUIRE(t.events.size() == 1);
  const Event& ch = t.events[0];
  CHECK(ch.type == EventType::client_hello);
  CHECK(ch.frame == 2);
  CHECK(flags_of(ch) == std::vector<uint16_t>{80});
  CHECK(ch.server_name == "example.com");
  CHECK(ch.offers_tls13);
  CHECK_FALSE(ch.ech_outer);
  CHECK(t.tls_version().empty());
}

TEST_CASE("a ClientHello split over three records and many segments is reassembled", "[records]") {
  Bytes message = flagged_client_hello();
  Bytes stream = cat({record(22, Bytes(message.begin(), message.begin() + 3)),
                      record(22, Bytes(message.begin() + 3, message.begin() + 40)),
                      record(22, Bytes(message.begin() + 40, message.end()))});
  size_t segment = GENERATE(0u, 1u, 4u, 5u, 6u);
  Harness h({}, segment);
  h.feeder.send(Party::client, stream);
  const Timeline& t = h.close();
  REQUIRE(t.events.size() == 1);
  CHECK(t.events[0].type == EventType::client_hello);
  CHECK(flags_of(t.events[0]) == std::vector<uint16_t>{80});
}

TEST_CASE("a TLS 1.2 ServerHello packed with more messages in one record: each is read", "[records][tls12]") {
  Harness h;
  h.feeder.send(Party::client, record(22, flagged_client_hello()));
  Bytes certificate = handshake(11, vec24(vec24(Bytes(50, 0x30))));
  Bytes done = handshake(14, {});
  size_t skip = h.tracker.on_data(1, Party::server,
                                  record(22, cat({handshake(2, server_hello_body({}, 0xc02f)), certificate, done})),
                                  h.feeder.next());
  CHECK(skip == 0);
  const Timeline& t = h.close();
  CHECK(types_of(t) == std::vector<EventType>{EventType::client_hello, EventType::server_hello, EventType::certificate,
                                              EventType::server_hello_done});
  CHECK(t.events[1].selected_version == 0x0303);
  CHECK(t.events[2].certificate_entries == 1);
  CHECK(t.tls_version() == "1.2");
  CHECK_FALSE(t.keys_found);
}

// RFC 5246 §7.4: a full handshake with client authentication, then protected records by their type.
TEST_CASE("TLS 1.2: the cleartext handshake, ChangeCipherSpec, then protected records by type", "[records][tls12]") {
  Harness h;
  h.feeder.send(Party::client, record(22, flagged_client_hello()));
  Bytes ske = handshake(12, cat({u8(3), u16(23), vec8(Bytes(65, 4)), u16(0x0403), vec16(Bytes(70, 1))}));
  Bytes cr = handshake(13, cat({vec8(Bytes{1, 64}), vec16(cat({u16(0x0403), u16(0x0804)})), vec16(vec16(Bytes{0x30, 0}))}));
  h.feeder.send(Party::server, record(22, cat({handshake(2, server_hello_body({}, 0xc02b)),
                                               handshake(11, vec24(vec24(Bytes(50, 0x30)))), ske, cr,
                                               handshake(14, {})})));
  h.feeder.send(Party::client, cat({record(22, cat({handshake(11, vec24({})), handshake(16, vec8(Bytes(65, 4))),
                                                     handshake(15, cat({u16(0x0403), vec16(Bytes(70, 2))}))})),
                                    record(20, u8(1)), record(22, Bytes(40, 0xee))}));
  h.feeder.send(Party::server, cat({record(22, handshake(4, cat({u16(0), u16(7200), vec16(Bytes(100, 5))}))),
                                    record(20, u8(1)), record(22, Bytes(40, 0xdd))}));
  h.feeder.send(Party::client, record(23, Bytes(3000, 0xaa)));
  // Application data is skipped unread once its record is not in hand: its header is all that is read.
  Bytes bulk = record(23, Bytes(16000, 0xbb));
  h.feeder.send(Party::server, Bytes(bulk.begin(), bulk.begin() + 1000));
  h.feeder.send(Party::server, cat({Bytes(bulk.begin() + 1000, bulk.end()), record(21, Bytes(26, 0xcc))}));
  CHECK(h.feeder.skipped_bytes() == bulk.size() - 1000);
  const Timeline& t = h.close();
  using E = EventType;
  CHECK(types_of(t) == std::vector<EventType>{E::client_hello, E::server_hello, E::certificate, E::server_key_exchange,
                                              E::certificate_request, E::server_hello_done, E::certificate,
                                              E::client_key_exchange, E::certificate_verify, E::change_cipher_spec,
                                              E::encrypted_handshake_message, E::new_session_ticket,
                                              E::change_cipher_spec, E::encrypted_handshake_message,
                                              E::encrypted_alert});
  CHECK(t.events[4].certificate_authorities == std::vector<std::string>{"3000"});
  CHECK(t.events[4].signature_algorithms == std::vector<uint16_t>{0x0403, 0x0804});
  CHECK(t.events[6].certificate_entries == 0);
  CHECK(t.events[14].from == Party::server);
  CHECK_FALSE(t.decrypted());
}

TEST_CASE("TLS 1.2: a malformed message or ChangeCipherSpec stops its direction as unreadable", "[records][tls12]") {
  Harness h;
  h.feeder.send(Party::client, record(22, flagged_client_hello()));
  SECTION("a ServerHelloDone with a body") {
    h.feeder.send(Party::server, record(22, cat({handshake(2, server_hello_body({}, 0xc02f)), handshake(14, u8(0))})));
  }
  SECTION("a CertificateRequest whose authorities overrun") {
    h.feeder.send(Party::server, record(22, cat({handshake(2, server_hello_body({}, 0xc02f)),
                                                 handshake(13, cat({vec8(u8(1)), vec16(u16(0x0403)), u16(9)}))})));
  }
  SECTION("a ChangeCipherSpec of two bytes") {
    h.feeder.send(Party::server, cat({record(22, handshake(2, server_hello_body({}, 0xc02f))), record(20, Bytes{1, 1})}));
  }
  h.feeder.send(Party::server, record(22, handshake(14, {})));  // not read: the direction stopped
  const Timeline& t = h.close();
  CHECK(types_of(t) == std::vector<EventType>{EventType::client_hello, EventType::server_hello, EventType::unreadable});
}

TEST_CASE("TLS 1.2: protected alerts are bounded like cleartext ones", "[records][tls12]") {
  Harness h;
  h.feeder.send(Party::client, record(22, flagged_client_hello()));
  h.feeder.send(Party::server, cat({record(22, handshake(2, server_hello_body({}, 0xc02f))), record(20, u8(1))}));
  Bytes alerts;
  for (int i = 0; i < 20; ++i) alerts = cat({alerts, record(21, Bytes(26, 0xcc))});
  h.feeder.send(Party::server, alerts);
  const Timeline& t = h.close();
  size_t recorded = 0;
  for (const Event& e : t.events) recorded += e.type == EventType::encrypted_alert;
  CHECK(recorded == 8);
  CHECK(h.tracker.stats().alerts_not_recorded == 12);
}

TEST_CASE("a ServerHello selecting TLS 1.3, a CCS, then protected records without keys", "[records]") {
  Harness h;
  h.feeder.send(Party::client, record(22, flagged_client_hello()));
  h.feeder.send(Party::client, record(20, u8(1)));  // middlebox compatibility CCS (§D.4)
  h.feeder.send(Party::server, cat({record(22, handshake(2, server_hello_body(ext(43, u16(0x0304))))),
                                    record(20, u8(1)), record(23, Bytes(40, 0xab)), record(23, Bytes(40, 0xcd))}));
  const Timeline& t = h.close();
  CHECK(types_of(t) ==
        std::vector<EventType>{EventType::client_hello, EventType::server_hello, EventType::unreadable});
  CHECK(t.events[1].selected_version == 0x0304);
  CHECK(t.events[2].from == Party::server);
  CHECK(t.tls_version() == "1.3");
}

TEST_CASE("a HelloRetryRequest is recognised by its random", "[records]") {
  Harness h;
  h.feeder.send(Party::client, record(22, flagged_client_hello()));
  Bytes hrr = cat({u16(0x0303), Bytes(kHelloRetryRequestRandom.begin(), kHelloRetryRequestRandom.end()),
                   vec8({}), u16(0x1301), u8(0), vec16(ext(43, u16(0x0304)))});
  h.feeder.send(Party::server, record(22, handshake(2, hrr)));
  h.feeder.send(Party::client, record(22, flagged_client_hello()));
  const Timeline& t = h.close();
  CHECK(types_of(t) == std::vector<EventType>{EventType::client_hello, EventType::hello_retry_request,
                                              EventType::client_hello});
}

TEST_CASE("a duplicate TLS Flags extension in one block is marked", "[records]") {
  Harness h;
  Bytes exts = cat({flags_extension(flag80_body()), supported_versions_13(), flags_extension(Bytes{1, 1})});
  h.feeder.send(Party::client, record(22, handshake(1, client_hello_body(exts))));
  const Timeline& t = h.close();
  REQUIRE(t.events.size() == 1);
  REQUIRE(t.events[0].flags);
  CHECK(t.events[0].flags->duplicate);
  CHECK(flags_of(t.events[0]) == std::vector<uint16_t>{80});  // the first one's flags
}

TEST_CASE("the flags extension type is configurable (Cloudflare's 0xFE01)", "[records]") {
  Bytes exts = cat({flags_extension(flag80_body(), 0xfe01)});
  {
    Harness h;
    h.feeder.send(Party::client, record(22, handshake(1, client_hello_body(exts))));
    CHECK_FALSE(h.close().events[0].flags);
  }
  TrackerOptions cloudflare;
  cloudflare.flags_extension_type = 0xfe01;
  Harness h(cloudflare);
  h.feeder.send(Party::client, record(22, handshake(1, client_hello_body(exts))));
  CHECK(flags_of(h.close().events[0]) == std::vector<uint16_t>{80});
}

TEST_CASE("malformed TLS Flags bodies are decoded with their problem", "[records]") {
  Harness h;
  Bytes exts = cat({flags_extension(Bytes{2, 1, 0})});  // trailing zero octet
  h.feeder.send(Party::client, record(22, handshake(1, client_hello_body(exts))));
  const Timeline& t = h.close();
  REQUIRE(t.events[0].flags);
  CHECK(t.events[0].flags->decoded.problem == FlagsProblem::non_minimal);
}

TEST_CASE("an outer ECH ClientHello is marked", "[records]") {
  Harness h;
  Bytes ech = ext(0xfe0d, cat({u8(0), u16(1), u16(1), u8(7), vec16(Bytes(32, 1)), vec16(Bytes(100, 2))}));
  h.feeder.send(Party::client, record(22, handshake(1, client_hello_body(cat({server_name("public.example"), ech})))));
  const Timeline& t = h.close();
  CHECK(t.events[0].ech_outer);
  CHECK(t.events[0].server_name == "public.example");
}

TEST_CASE("malformed lengths stop the direction with one unreadable mark, never a crash", "[records]") {
  Bytes good = client_hello_body(cat({supported_versions_13(), flags_extension(flag80_body())}));
  SECTION("an extension longer than its block") {
    Bytes bad = good;
    bad[bad.size() - 13] = 0x40;  // the flags extension's length high byte
    Harness h;
    h.feeder.send(Party::client, record(22, handshake(1, bad)));
    h.feeder.send(Party::client, record(22, flagged_client_hello()));
    CHECK(types_of(h.close()) == std::vector<EventType>{EventType::unreadable});
  }
  SECTION("trailing bytes after the extensions") {
    Bytes bad = cat({good, u8(0)});
    Harness h;
    h.feeder.send(Party::client, record(22, handshake(1, bad)));
    CHECK(types_of(h.close()) == std::vector<EventType>{EventType::unreadable});
  }
  SECTION("every truncation of a ClientHello") {
    for (size_t cut = 1; cut < good.size(); ++cut) {
      Harness h;
      h.feeder.send(Party::client, record(22, handshake(1, Bytes(good.begin(), good.begin() + cut))));
      const Timeline& t = h.close();
      // Cutting exactly before the extensions leaves a valid extension-less ClientHello.
      bool valid = t.events.size() == 1 && t.events[0].type == EventType::client_hello;
      CHECK((valid || types_of(t) == std::vector<EventType>{EventType::unreadable}));
    }
  }
  SECTION("a handshake message longer than the cap") {
    TrackerOptions small_cap;
    small_cap.max_handshake_message = 1024;
    Harness h(small_cap);
    Bytes header = {1, 0x00, 0x10, 0x00};  // ClientHello of 4096 bytes
    h.feeder.send(Party::client, record(22, cat({header, Bytes(100, 0)})));
    CHECK(types_of(h.close()) == std::vector<EventType>{EventType::unreadable});
  }
  SECTION("a record longer than 2^14 + 256 after the ClientHello") {
    Harness h;
    h.feeder.send(Party::client, record(22, flagged_client_hello()));
    size_t skip = h.tracker.on_data(1, Party::client, Bytes{23, 3, 3, 0x41, 0x01}, h.feeder.next());
    CHECK(skip == kSkipRest);
    CHECK(types_of(h.close()) == std::vector<EventType>{EventType::client_hello, EventType::unreadable});
  }
}

TEST_CASE("non-TLS connections give no timeline; past the preamble bounds they are dropped", "[records]") {
  std::string http = "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n";
  Bytes sslv2_hello = {0x80, 0x2e, 0x01, 0x03, 0x01, 0x00, 0x15, 0x00, 0x00, 0x00, 0x10};
  Bytes not_a_client_hello = record(22, handshake(2, server_hello_body({})));
  Bytes stream = GENERATE_COPY(Bytes(http.begin(), http.end()), sslv2_hello, not_a_client_hello);
  std::vector<Timeline> timelines;
  ConnectionTracker tracker({}, [&](Timeline&& t) { timelines.push_back(std::move(t)); });
  tracker.on_open(9, Endpoint{"10.0.0.1", 1234}, Endpoint{"10.0.0.2", 443}, true, {1, 0});
  // Plaintext first: a STARTTLS-like upgrade may follow, so the client's chunks are looked at ...
  CHECK(tracker.on_data(9, Party::client, stream, {2, 0}) == 0);
  CHECK(tracker.on_data(9, Party::server, stream, {3, 0}) == 0);
  // ... until the bounds say it is another protocol.
  Bytes bulk(70 * 1024, 'x');
  CHECK(tracker.on_data(9, Party::server, bulk, {4, 0}) == kSkipRest);
  tracker.on_close(9, false, {5, 0});
  CHECK(timelines.empty());
  CHECK(tracker.stats().non_tls_connections == 1);
  CHECK(tracker.open_connections() == 0);
}

TEST_CASE("a server that speaks first and no ClientHello follows: not TLS", "[records]") {
  std::vector<Timeline> timelines;
  ConnectionTracker tracker({}, [&](Timeline&& t) { timelines.push_back(std::move(t)); });
  tracker.on_open(3, Endpoint{"::1", 1234}, Endpoint{"::1", 25}, true, {1, 0});
  std::string banner = "220 mail.example ESMTP\r\n";
  CHECK(tracker.on_data(3, Party::server, Bytes(banner.begin(), banner.end()), {2, 0}) == 0);
  tracker.on_close(3, false, {3, 0});
  CHECK(timelines.empty());
}

TEST_CASE("TLS after a plaintext preamble is read, and the preamble names the upgrade (issue 17)", "[records][upgrade]") {
  struct Case {
    std::vector<std::pair<Party, std::string>> preamble;
    std::string upgrade;
  };
  const std::string ldap = std::string("\x30\x1d\x02\x01\x01\x77\x18\x80\x16", 9) + "1.3.6.1.4.1.1466.20037";
  Case c = GENERATE_COPY(
      Case{{{Party::server, "220 mx ESMTP\r\n"}, {Party::client, "EHLO c\r\n"}, {Party::server, "250 STARTTLS\r\n"},
            {Party::client, "starttls\r\n"}, {Party::server, "220 go\r\n"}},
           "smtp-starttls"},
      Case{{{Party::server, "200 news ready\r\n"}, {Party::client, "STARTTLS\r\n"}, {Party::server, "382 go\r\n"}},
           "nntp-starttls"},
      Case{{{Party::server, "* OK ready\r\n"}, {Party::client, "a1 STARTTLS\r\n"}, {Party::server, "a1 OK\r\n"}},
           "imap-starttls"},
      Case{{{Party::server, "+OK\r\n"}, {Party::client, "STLS\r\n"}, {Party::server, "+OK\r\n"}}, "pop3-stls"},
      Case{{{Party::server, "220 ftp\r\n"}, {Party::client, "AUTH TLS\r\n"}, {Party::server, "234 ok\r\n"}},
           "ftp-auth-tls"},
      Case{{{Party::client, ldap}, {Party::server, "0\x0c"}}, "ldap-starttls"},
      Case{{{Party::client, "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"}, {Party::server, "<proceed/>"}},
           "xmpp-starttls"},
      Case{{{Party::client, std::string("\x00\x00\x00\x08\x04\xd2\x16\x2f", 8)}, {Party::server, "S"}},
           "postgresql-sslrequest"},
      Case{{{Party::server, "HELLO\r\n"}, {Party::client, "UPGRADE please\r\n"}}, "unknown"});
  INFO(c.upgrade);
  Harness h;
  for (const auto& [from, text] : c.preamble) h.feeder.send(from, Bytes(text.begin(), text.end()));
  h.feeder.send(Party::client, record(22, flagged_client_hello(), 0x0301));
  const Timeline& t = h.close();
  CHECK(t.upgrade == c.upgrade);
  REQUIRE(!t.events.empty());
  CHECK(t.events[0].type == EventType::client_hello);
  CHECK(flags_of(t.events[0]) == std::vector<uint16_t>{80});
}

TEST_CASE("a ClientHello record start is recognised by its first six bytes", "[records][upgrade]") {
  CHECK(starts_client_hello_record(Bytes{22, 3, 1, 0, 200, 1}));
  CHECK(starts_client_hello_record(Bytes{22, 3, 4, 0x40, 0, 1}));
  CHECK_FALSE(starts_client_hello_record(Bytes{22, 3, 1, 0, 200}));        // too short to tell
  CHECK_FALSE(starts_client_hello_record(Bytes{22, 3, 0, 0, 200, 1}));     // SSL 3.0
  CHECK_FALSE(starts_client_hello_record(Bytes{22, 3, 3, 0x40, 1, 1}));    // longer than 2^14
  CHECK_FALSE(starts_client_hello_record(Bytes{22, 3, 3, 0, 200, 2}));     // a ServerHello
  CHECK_FALSE(starts_client_hello_record(Bytes{23, 3, 3, 0, 200, 1}));     // application data
}

TEST_CASE("plaintext alerts, FIN, RST, gaps and capture end become events", "[records]") {
  Harness h;
  h.feeder.send(Party::client, record(22, flagged_client_hello()));
  h.feeder.send(Party::server, record(21, Bytes{2, 47}));  // fatal illegal_parameter
  h.tracker.on_gap(1, Party::client, 100, h.feeder.next());
  h.feeder.fin(Party::server);
  h.tracker.on_rst(1, Party::client, h.feeder.next());
  const Timeline& t = h.close(true);
  CHECK(types_of(t) == std::vector<EventType>{EventType::client_hello, EventType::alert, EventType::gap,
                                              EventType::fin, EventType::rst, EventType::capture_end});
  CHECK(t.events[1].from == Party::server);
  CHECK(t.events[1].alert_level == kAlertLevelFatal);
  CHECK(t.events[1].alert_description == alert_illegal_parameter);
  CHECK(t.events[2].from == Party::client);
  CHECK(t.last_frame == t.events[4].frame);
}

// Fuzz finding timeline-events-unbounded: every two bytes of an alert record were an Event, without bound
// (4 KB of alerts, 2,000 events). The first fatal alert is still recorded as before; what follows it is
// only counted.
TEST_CASE("alerts after a party's fatal alert are counted, not recorded", "[records][alerts]") {
  Harness h;
  h.feeder.send(Party::client, record(22, flagged_client_hello()));
  Bytes alerts{1, 0, 2, 47};  // warning close_notify, fatal illegal_parameter
  for (int i = 0; i < 2000; ++i) alerts.insert(alerts.end(), {2, 40});
  h.feeder.send(Party::server, record(21, alerts));
  h.feeder.send(Party::server, record(21, Bytes{2, 10}));
  const Timeline& t = h.close(true);
  CHECK(types_of(t) == std::vector<EventType>{EventType::client_hello, EventType::alert, EventType::alert,
                                              EventType::capture_end});
  CHECK(t.events[2].alert_level == kAlertLevelFatal);
  CHECK(t.events[2].alert_description == alert_illegal_parameter);
  CHECK(h.tracker.stats().alerts_not_recorded == 2001);
  CHECK(h.tracker.stats().timelines_cut == 0);
}

TEST_CASE("a party's warning alerts are recorded up to a small cap", "[records][alerts]") {
  Harness h;
  h.feeder.send(Party::client, record(22, flagged_client_hello()));
  Bytes warnings;
  for (int i = 0; i < 20; ++i) warnings.insert(warnings.end(), {1, 90});  // user_canceled
  h.feeder.send(Party::client, record(21, warnings));
  h.feeder.send(Party::server, record(21, Bytes{2, 42}));  // the server's own alerts are its own count
  const Timeline& t = h.close();
  size_t client_alerts = 0, server_alerts = 0;
  for (const Event& e : t.events) {
    if (e.type != EventType::alert) continue;
    ++(e.from == Party::client ? client_alerts : server_alerts);
  }
  CHECK(client_alerts == 8);
  CHECK(server_alerts == 1);
  CHECK(h.tracker.stats().alerts_not_recorded == 12);
}

TEST_CASE("a Timeline stops growing at 1000 message events: the direction is marked unreadable", "[records][alerts]") {
  Harness h;
  Bytes messages = handshake(1, client_hello_body(cat({supported_versions_13(), flags_extension(flag80_body())})));
  for (int i = 0; i < 1500; ++i) {
    Bytes eoed = handshake(5, {});  // end_of_early_data: 4 bytes, one event each
    messages.insert(messages.end(), eoed.begin(), eoed.end());
  }
  h.feeder.send(Party::client, record(22, messages));
  const Timeline& t = h.close(true);
  REQUIRE(t.events.size() == 1002);
  CHECK(t.events[999].type == EventType::end_of_early_data);
  CHECK(t.events[1000].type == EventType::unreadable);
  CHECK(t.events[1000].from == Party::client);
  CHECK(t.events[1001].type == EventType::capture_end);
  CHECK(h.tracker.stats().timelines_cut == 1);
}

// Found by the tls_stream harness once alerts were bounded: a producer repeating gaps, FINs or RSTs grew
// the Timeline by one event each.
TEST_CASE("repeated gaps, FINs and RSTs are recorded once per party and kind", "[records][alerts]") {
  Harness h;
  h.feeder.send(Party::client, record(22, flagged_client_hello()));
  for (int i = 0; i < 3000; ++i) {
    h.tracker.on_gap(1, Party::server, 10, h.feeder.next());
    h.feeder.fin(Party::client);
    h.tracker.on_rst(1, Party::server, h.feeder.next());
  }
  h.feeder.fin(Party::server);
  const Timeline& t = h.close(true);
  CHECK(types_of(t) == std::vector<EventType>{EventType::client_hello, EventType::gap, EventType::fin,
                                              EventType::rst, EventType::fin, EventType::capture_end});
  CHECK(t.events[1].from == Party::server);
  CHECK(t.events[2].from == Party::client);
  CHECK(t.events[3].from == Party::server);
  CHECK(t.events[4].from == Party::server);
  CHECK(t.events[1].frame == 3);  // the first gap
  CHECK(t.events[2].frame == 4);  // the first FIN
  CHECK(t.last_frame == t.events[4].frame);  // the repeats still count as seen
}

TEST_CASE("close_all hands over every open connection", "[records]") {
  std::vector<Timeline> timelines;
  ConnectionTracker tracker({.file = "x.pcap"}, [&](Timeline&& t) { timelines.push_back(std::move(t)); });
  for (capture::ConnectionId id : {5u, 2u, 8u}) {
    tracker.on_open(id, Endpoint{"10.0.0.1", static_cast<uint16_t>(1000 + id)}, Endpoint{"10.0.0.2", 443}, false,
                    {id, 0});
    tracker.on_data(id, Party::client, record(22, flagged_client_hello()), {id + 10, 0});
  }
  tracker.close_all(true, {100, 1.0});
  REQUIRE(timelines.size() == 3);
  CHECK(timelines[0].client.port == 1002);
  CHECK_FALSE(timelines[0].saw_connection_start);
  CHECK(timelines[0].events.back().type == EventType::capture_end);
  CHECK(timelines[0].file == "x.pcap");
}

TEST_CASE("0-RTT records before the ServerHello are skipped, not marked unreadable", "[records]") {
  Harness h;
  Bytes exts = cat({supported_versions_13(), ext(42, {}), flags_extension(flag80_body())});
  h.feeder.send(Party::client, record(22, handshake(1, client_hello_body(exts))));
  h.feeder.send(Party::client, cat({record(23, Bytes(60, 1)), record(23, Bytes(60, 2))}));  // early data
  h.feeder.send(Party::server, record(22, handshake(2, server_hello_body(ext(43, u16(0x0304))))));
  const Timeline& t = h.close();
  CHECK(types_of(t) == std::vector<EventType>{EventType::client_hello, EventType::server_hello});
  CHECK(h.tracker.stats().early_data_records_skipped == 2);
}

TEST_CASE("protected records before the ServerHello without early_data are unreadable", "[records]") {
  Harness h;
  h.feeder.send(Party::client, record(22, flagged_client_hello()));
  h.feeder.send(Party::client, record(23, Bytes(60, 1)));
  CHECK(types_of(h.close()) == std::vector<EventType>{EventType::client_hello, EventType::unreadable});
}
