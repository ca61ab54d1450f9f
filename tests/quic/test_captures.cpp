// The UDP tracker end to end over the catalogue's QUIC and DTLS captures (real OpenSSL 3.5 peers,
// captures/README.md): the handshake messages, alerts and markers each Timeline gets.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "datagram.hpp"
#include "tlsflags/capture/capture_reader.hpp"
#include "tlsflags/quic/udp_tracker.hpp"
#include "tlsflags/tls/keylog.hpp"

using namespace tlsflags;

namespace {

// Only datagrams: what the capture layer hands over, straight to the tracker.
class DatagramsOnly final : public capture::StreamConsumer {
 public:
  DatagramsOnly(quic::UdpTracker& udp, tls::KeyLog& dsb) : udp_(udp), dsb_(dsb) {}
  void on_secrets(std::string_view text) override { dsb_.add_text(text, "DSB"); }
  void on_open(capture::ConnectionId, const Endpoint&, const Endpoint&, bool, capture::StreamPosition) override {}
  size_t on_data(capture::ConnectionId, Party, std::span<const uint8_t>, capture::StreamPosition) override { return 0; }
  void on_gap(capture::ConnectionId, Party, uint64_t, capture::StreamPosition) override {}
  void on_fin(capture::ConnectionId, Party, capture::StreamPosition) override {}
  void on_rst(capture::ConnectionId, Party, capture::StreamPosition) override {}
  void on_close(capture::ConnectionId, bool, capture::StreamPosition) override {}
  bool on_datagram(const capture::UdpDatagram& datagram, capture::StreamPosition at) override {
    return udp_.on_datagram(datagram, at);
  }
  void on_capture_end(capture::StreamPosition last) override { udp_.on_capture_end(last); }

 private:
  quic::UdpTracker& udp_;
  tls::KeyLog& dsb_;
};

struct Read {
  std::vector<Timeline> timelines;
  quic::UdpStats stats;
};

Read read(const std::string& name, bool with_keys) {
  const std::string base = std::string(TLSFLAGS_CAPTURES_DIR) + "/" + name;
  tls::KeyLog keys, dsb;
  if (with_keys) REQUIRE(keys.add_file(base + ".keys"));
  Read out;
  quic::UdpTracker udp({}, [&](Timeline&& t) { out.timelines.push_back(std::move(t)); }, &dsb, &keys);
  DatagramsOnly consumer(udp, dsb);
  const std::string path = base + (name.find("no-keys") != std::string::npos ? ".pcapng" : ".pcap");
  REQUIRE(capture::read_capture(path, consumer).ok);
  out.stats = udp.stats();
  return out;
}

// "c1 s2 ..." as the catalogue writes sequences (docs/output.md); markers in brackets.
std::string sequence(const Timeline& t) {
  std::string out;
  for (const Event& e : t.events) {
    if (!out.empty()) out += ' ';
    out += e.from == Party::client ? 'c' : 's';
    out += e.type == EventType::alert ? "!" + std::to_string(e.alert_description) : std::string(to_string(e.type));
  }
  return out;
}

}  // namespace

TEST_CASE("QUIC echo: every handshake message of both parties, with the key log", "[captures]") {
  const Read r = read("quic-echo-pass", true);
  REQUIRE(r.timelines.size() == 1);
  const Timeline& t = r.timelines[0];
  CHECK(t.transport == Transport::quic);
  CHECK(t.keys_found);
  CHECK(t.decrypted());
  CHECK(sequence(t) ==
        "cclient_hello sserver_hello sencrypted_extensions scertificate_request scertificate "
        "scertificate_verify sfinished ccertificate ccertificate_verify cfinished snew_session_ticket "
        "snew_session_ticket capplication_data sapplication_data cfin ccapture_end");
  // RFC 9000 §10.2.2: the server, draining after the client's CONNECTION_CLOSE, sends none of its own.
  const Event* cr = t.first(EventType::certificate_request, Party::server);
  REQUIRE(cr);
  CHECK(cr->carries_flag(80));
  CHECK(t.first(EventType::client_hello, Party::client)->carries_flag(80));
  CHECK(r.stats.quic_connections == 1);
  CHECK(r.stats.quic_without_connection.count == 0);
  CHECK(r.stats.quic_malformed.count == 0);
}

TEST_CASE("QUIC v2 (RFC 9369): the same handshake re-protected as v2 reads as v1's", "[captures]") {
  const Read v1 = read("quic-echo-pass", true), v2 = read("quic-v2-echo-pass", true);
  REQUIRE(v1.timelines.size() == 1);
  REQUIRE(v2.timelines.size() == 1);
  CHECK(sequence(v2.timelines[0]) == sequence(v1.timelines[0]));
  CHECK(v2.timelines[0].decrypted());
  CHECK(v2.stats.quic_packets_opened == v1.stats.quic_packets_opened);
  CHECK(v2.stats.quic_unknown_version.count == 0);
  const Read rejected = read("quic-v2-ack-without-request-rejected", true);
  REQUIRE(rejected.timelines.size() == 1);
  const Event* alert = rejected.timelines[0].first(EventType::alert, Party::client);
  REQUIRE(alert);
  CHECK(alert->alert_description == 47);
}

TEST_CASE("QUIC with TLS_AES_128_CCM_SHA256 (RFC 9001 §5.3): Handshake and 1-RTT packets open", "[captures]") {
  const Read r = read("quic-ccm-echo-pass", true);
  REQUIRE(r.timelines.size() == 1);
  const Timeline& t = r.timelines[0];
  CHECK(t.decrypted());
  CHECK(t.undecrypted_cipher_suite == 0);
  CHECK(sequence(t) ==
        "cclient_hello sserver_hello sencrypted_extensions scertificate_request scertificate "
        "scertificate_verify sfinished ccertificate ccertificate_verify cfinished snew_session_ticket "
        "snew_session_ticket capplication_data sapplication_data cfin ccapture_end");
}

TEST_CASE("QUIC without keys: the ClientHello and ServerHello from the Initial packets, the rest unreadable",
          "[captures]") {
  const Read r = read("quic-echo-no-keys", false);
  REQUIRE(r.timelines.size() == 1);
  const Timeline& t = r.timelines[0];
  CHECK_FALSE(t.keys_found);
  REQUIRE(t.events.size() >= 3);
  CHECK(sequence(t).starts_with("cclient_hello sserver_hello sunreadable"));
  CHECK(t.first(EventType::client_hello, Party::client)->carries_flag(80));
}

TEST_CASE("QUIC CONNECTION_CLOSE with CRYPTO_ERROR 0x012f is the client's illegal_parameter alert", "[captures]") {
  const Read r = read("quic-ack-without-request-rejected", true);
  REQUIRE(r.timelines.size() == 1);
  const Event* alert = r.timelines[0].first(EventType::alert, Party::client);
  REQUIRE(alert);
  CHECK(alert->alert_level == kAlertLevelFatal);
  CHECK(alert->alert_description == 47);
}

TEST_CASE("DTLS 1.2: the hellos, then nothing more is read", "[captures]") {
  const Read r = read("dtls12-flag", true);
  REQUIRE(r.timelines.size() == 1);
  const Timeline& t = r.timelines[0];
  CHECK(t.transport == Transport::dtls);
  CHECK(sequence(t) == "cclient_hello sserver_hello ccapture_end");
  CHECK(t.first(EventType::server_hello, Party::server)->selected_version == kDtls12);
  CHECK(r.stats.dtls_connections == 1);
}

namespace {

// One DTLS plaintext handshake record (RFC 6347 §4.1, §4.2.2) holding one whole message.
std::vector<uint8_t> dtls_record(uint8_t message_type, const std::vector<uint8_t>& body) {
  const size_t n = body.size(), m = n + 12;
  // Built element by element: GCC 12 at -O2 warns of a false overflow in a range insert (-Warray-bounds).
  std::vector<uint8_t> record = {22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, uint8_t(m >> 8), uint8_t(m),
                                 message_type, uint8_t(n >> 16), uint8_t(n >> 8), uint8_t(n), 0, 0,
                                 0, 0, 0, uint8_t(n >> 16), uint8_t(n >> 8), uint8_t(n)};
  for (uint8_t octet : body) record.push_back(octet);
  return record;
}

std::vector<uint8_t> hello_body(bool client) {
  std::vector<uint8_t> body = {0xfe, 0xfd};
  body.insert(body.end(), 32, 0x11);  // random
  body.push_back(0);                  // legacy_session_id
  if (client) {
    body.push_back(0);                                        // cookie
    body.insert(body.end(), {0x00, 0x02, 0x13, 0x01, 0x01, 0x00});  // cipher_suites, compression
    body.insert(body.end(), {0x00, 0x0d,                              // extensions
                             0x00, 0x2b, 0x00, 0x03, 0x02, 0xfe, 0xfc,  // supported_versions: DTLS 1.3
                             0x00, 0x3e, 0x00, 0x02, 0x01, 0x01});  // TLS Flags: flag 0
  } else {
    body.insert(body.end(), {0x13, 0x01, 0x00});                      // cipher_suite, compression
    body.insert(body.end(), {0x00, 0x06, 0x00, 0x2b, 0x00, 0x02, 0xfe, 0xfc});  // supported_versions
  }
  return body;
}

}  // namespace

TEST_CASE("DTLS 1.3: the hellos are reported, the rest is unreadable and counted, never silent", "[dtls]") {
  std::vector<Timeline> timelines;
  quic::UdpTracker udp({}, [&](Timeline&& t) { timelines.push_back(std::move(t)); }, nullptr, nullptr);
  const auto send = [&](bool from_client, const std::vector<uint8_t>& payload, uint64_t frame) {
    return udp.on_datagram(quic::test::datagram_between(from_client, payload, 4433), {frame, 0});
  };
  const std::vector<uint8_t> noise = {0x17, 0x01, 0x02};
  CHECK_FALSE(send(true, noise, 1));  // not a ClientHello: not DTLS, left to not-tcp
  CHECK(send(true, dtls_record(1, hello_body(true)), 2));
  CHECK(send(false, dtls_record(2, hello_body(false)), 3));
  const std::vector<uint8_t> unified = {0x2c, 0x00, 0x01, 0x02};  // RFC 9147 §4 unified header
  CHECK(send(false, unified, 4));
  udp.on_capture_end({4, 0});
  REQUIRE(timelines.size() == 1);
  const Timeline& t = timelines[0];
  CHECK(t.transport == Transport::dtls);
  CHECK(sequence(t) == "cclient_hello sserver_hello sunreadable cunreadable ccapture_end");
  CHECK(t.tls_version() == "1.3");
  CHECK(t.has_flags_extension());
  CHECK(udp.stats().dtls13_not_decoded.count == 1);
  CHECK(udp.stats().dtls13_not_decoded.first_frame == 3);
}
