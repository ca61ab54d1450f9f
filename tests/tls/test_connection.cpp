// Whole connections: real TLS 1.3 handshakes made by OpenSSL in memory, fed through the StreamConsumer
// seam, and the Timeline the tracker hands over.
#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <string>
#include <optional>
#include <vector>

#include "feeder.hpp"
#include "tls_pair.hpp"
#include "tlsflags/tls/connection_tracker.hpp"

using namespace tlsflags;
using namespace tlsflags::tls;
using namespace tlsflags::tls::test;

namespace {

struct Run {
  std::vector<Timeline> timelines;
  TrackerStats stats;
  uint64_t skipped_bytes = 0;
  uint64_t delivered_bytes = 0;
};

Run track(const PairResult& pair, const std::string& keylog_text, size_t segment = 0) {
  KeyLog keys;
  keys.add_text(keylog_text, "test");
  Run run;
  ConnectionTracker tracker({.file = "memory.pcap"}, [&](Timeline&& t) { run.timelines.push_back(std::move(t)); },
                            &keys);
  Feeder feeder(tracker, 7, segment);
  feeder.open();
  for (const Chunk& chunk : pair.chunks) feeder.send(chunk.from, chunk.bytes);
  feeder.fin(Party::client);
  feeder.fin(Party::server);
  feeder.close();
  run.stats = tracker.stats();
  run.skipped_bytes = feeder.skipped_bytes();
  run.delivered_bytes = feeder.delivered_bytes();
  return run;
}

std::vector<uint16_t> flags_of(const Event& event) {
  std::vector<uint16_t> out;
  if (event.flags) event.flags->decoded.flags.for_each([&](uint16_t f) { out.push_back(f); });
  return out;
}

size_t count(const Timeline& t, EventType type, Party from) {
  return static_cast<size_t>(std::count_if(t.events.begin(), t.events.end(),
                                           [&](const Event& e) { return e.type == type && e.from == from; }));
}

const Event* find_alert(const Timeline& t, Party from, uint8_t description) {
  for (const Event& e : t.events)
    if (e.type == EventType::alert && e.from == from && e.alert_description == description) return &e;
  return nullptr;
}

// The events of a full request_client_auth handshake with a KeyUpdate and close_notify both ways.
void check_full_timeline(const Timeline& t) {
  CHECK(t.file == "memory.pcap");
  CHECK(t.client.to_string() == "10.0.0.1:50000");
  CHECK(t.server.to_string() == "10.0.0.2:443");
  CHECK(t.first_frame == 1);
  CHECK(t.last_frame > t.first_frame);
  CHECK(t.saw_connection_start);
  CHECK(t.keys_found);
  CHECK(t.decrypted());
  CHECK(t.tls_version() == "1.3");

  const Event* ch = t.first(EventType::client_hello, Party::client);
  REQUIRE(ch);
  CHECK(flags_of(*ch) == std::vector<uint16_t>{80});
  CHECK(ch->flags->decoded.problem == FlagsProblem::none);
  CHECK_FALSE(ch->flags->duplicate);
  CHECK(ch->offers_tls13);
  const Event* sh = t.first(EventType::server_hello, Party::server);
  REQUIRE(sh);
  CHECK(sh->selected_version == 0x0304);
  CHECK(t.first(EventType::encrypted_extensions, Party::server));
  const Event* cr = t.first(EventType::certificate_request, Party::server);
  REQUIRE(cr);
  CHECK(flags_of(*cr) == std::vector<uint16_t>{80});
  CHECK_FALSE(cr->signature_algorithms.empty());
  const Event* server_cert = t.first(EventType::certificate, Party::server);
  REQUIRE(server_cert);
  CHECK(server_cert->certificate_entries == 1);
  const Event* client_cert = t.first(EventType::certificate, Party::client);
  REQUIRE(client_cert);
  CHECK(client_cert->certificate_entries == 1);
  REQUIRE(client_cert->certificate_chain_der.size() == 1);
  CHECK(client_cert->certificate_chain_der[0].at(0) == 0x30);  // a DER SEQUENCE
  CHECK(client_cert->frame >= cr->frame);
  CHECK(count(t, EventType::certificate_verify, Party::server) == 1);
  CHECK(count(t, EventType::certificate_verify, Party::client) == 1);
  CHECK(count(t, EventType::finished, Party::server) == 1);
  CHECK(count(t, EventType::finished, Party::client) == 1);
  CHECK(count(t, EventType::new_session_ticket, Party::server) >= 1);
  CHECK(count(t, EventType::application_data, Party::client) == 1);
  CHECK(count(t, EventType::application_data, Party::server) == 1);
  CHECK(count(t, EventType::key_update, Party::client) == 1);
  CHECK(count(t, EventType::key_update, Party::server) == 1);
  CHECK(find_alert(t, Party::client, alert_close_notify));
  CHECK(find_alert(t, Party::server, alert_close_notify));
  CHECK(count(t, EventType::fin, Party::client) == 1);
  CHECK(count(t, EventType::unreadable, Party::client) == 0);
  CHECK(count(t, EventType::unreadable, Party::server) == 0);
}

}  // namespace

TEST_CASE("a request_client_auth handshake is followed through for each TLS 1.3 cipher suite", "[connection]") {
  auto suite = GENERATE(as<std::string>{}, "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                        "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_CCM_SHA256", "TLS_AES_128_CCM_8_SHA256");
  INFO(suite);
  PairOptions options;
  options.cipher_suite = suite;
  PairResult pair = run_tls13_pair(options);
  REQUIRE(pair.ok);
  REQUIRE(pair.server_saw_flag);
  REQUIRE(pair.client_saw_flag_in_cr);

  Run run = track(pair, pair.keylog);
  REQUIRE(run.timelines.size() == 1);
  check_full_timeline(run.timelines[0]);
  CHECK(run.stats.tls_connections == 1);
  CHECK(run.stats.records_peeked > 0);  // application data in hand: only its last byte decrypted

  // In Ethernet-sized segments, the bulk response is skipped record by record, read only for its
  // headers and tails.
  Run segmented = track(pair, pair.keylog, 1460);
  REQUIRE(segmented.timelines.size() == 1);
  check_full_timeline(segmented.timelines[0]);
  CHECK(segmented.skipped_bytes > 80000);
}

TEST_CASE("cipher contexts handed on from ended connections decrypt the next ones, whatever their suite", "[connection]") {
  // Each connection's FINs give its contexts to the thread's spares (record_protection.cpp); the next
  // connection takes one that runs its cipher, or another one that is then re-set. Mixed suites in a
  // row exercise both; a context re-keyed with the wrong cipher would leave the timeline unreadable.
  std::map<std::string, PairResult> pairs;
  for (const char* suite : {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
                            "TLS_AES_128_CCM_SHA256", "TLS_AES_128_CCM_8_SHA256"}) {
    PairOptions options;
    options.cipher_suite = suite;
    pairs[suite] = run_tls13_pair(options);
    REQUIRE(pairs[suite].ok);
  }
  for (const char* suite : {"TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_256_GCM_SHA384",
                            "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
                            "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256", "TLS_AES_128_CCM_8_SHA256",
                            "TLS_AES_128_CCM_SHA256", "TLS_AES_128_CCM_8_SHA256", "TLS_AES_128_GCM_SHA256"}) {
    INFO(suite);
    Run run = track(pairs[suite], pairs[suite].keylog, 1460);
    REQUIRE(run.timelines.size() == 1);
    check_full_timeline(run.timelines[0]);
  }
}

TEST_CASE("the same connection cut into 7-byte segments gives the same timeline", "[connection]") {
  auto suite = GENERATE(as<std::string>{}, "TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256");
  PairOptions options;
  options.cipher_suite = suite;
  PairResult pair = run_tls13_pair(options);
  REQUIRE(pair.ok);
  Run run = track(pair, pair.keylog, 7);
  REQUIRE(run.timelines.size() == 1);
  check_full_timeline(run.timelines[0]);
}

TEST_CASE("without secrets each direction is marked unreadable once and the hellos still show", "[connection]") {
  PairResult pair = run_tls13_pair(PairOptions{});
  REQUIRE(pair.ok);
  Run run = track(pair, "");
  REQUIRE(run.timelines.size() == 1);
  const Timeline& t = run.timelines[0];
  CHECK_FALSE(t.keys_found);
  CHECK_FALSE(t.decrypted());
  const Event* ch = t.first(EventType::client_hello, Party::client);
  REQUIRE(ch);
  CHECK(flags_of(*ch) == std::vector<uint16_t>{80});
  CHECK(t.first(EventType::server_hello, Party::server));
  CHECK(count(t, EventType::unreadable, Party::client) == 1);
  CHECK(count(t, EventType::unreadable, Party::server) == 1);
  CHECK_FALSE(t.first(EventType::certificate_request, Party::server));
  CHECK(run.stats.records_opened == 0);
  CHECK(run.skipped_bytes > 100000);  // everything after the first protected record was dropped
}

TEST_CASE("a client without the flag gets no CertificateRequest", "[connection]") {
  PairOptions options;
  options.client_sends_flag = false;
  PairResult pair = run_tls13_pair(options);
  REQUIRE(pair.ok);
  Run run = track(pair, pair.keylog);
  REQUIRE(run.timelines.size() == 1);
  const Timeline& t = run.timelines[0];
  CHECK(t.decrypted());
  CHECK_FALSE(t.first(EventType::client_hello, Party::client)->flags);
  CHECK_FALSE(t.first(EventType::certificate_request, Party::server));
  CHECK_FALSE(t.first(EventType::certificate, Party::client));
  CHECK(t.first(EventType::finished, Party::client));
  CHECK_FALSE(t.has_flags_extension());
}

TEST_CASE("a HelloRetryRequest and the second ClientHello are both in the timeline", "[connection]") {
  PairOptions options;
  options.force_hello_retry = true;
  PairResult pair = run_tls13_pair(options);
  REQUIRE(pair.ok);
  Run run = track(pair, pair.keylog);
  REQUIRE(run.timelines.size() == 1);
  const Timeline& t = run.timelines[0];
  CHECK(count(t, EventType::client_hello, Party::client) == 2);
  REQUIRE(t.first(EventType::hello_retry_request, Party::server));
  CHECK(t.first(EventType::hello_retry_request, Party::server)->selected_version == 0x0304);
  for (const Event& e : t.events)
    if (e.type == EventType::client_hello) CHECK(flags_of(e) == std::vector<uint16_t>{80});
  check_full_timeline(t);
}

// Throughput, not correctness: run with `tls_tests "[bench]"` on an optimised build.
TEST_CASE("throughput: handshakes per second and bulk bytes per second", "[.][bench]") {
  PairOptions options;
  options.server_bulk_bytes = 4 << 20;
  options.key_update = false;
  PairResult pair = run_tls13_pair(options);
  REQUIRE(pair.ok);
  KeyLog keys;
  keys.add_text(pair.keylog);
  size_t handed_over = 0;
  ConnectionTracker tracker({}, [&](Timeline&&) { ++handed_over; }, &keys);

  // Handshakes: the handshake chunks only (up to the client's first application data).
  std::vector<Chunk> handshake_chunks(pair.chunks.begin(), pair.chunks.begin() + 4);
  constexpr int kConnections = 20000;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kConnections; ++i) {
    Feeder feeder(tracker, static_cast<capture::ConnectionId>(i), 1460);
    feeder.open();
    for (const Chunk& chunk : handshake_chunks) feeder.send(chunk.from, chunk.bytes);
    feeder.close();
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  WARN("handshakes/s: " << kConnections / seconds);

  // Bulk: the whole conversation, 4 MiB of server data, in 1460-byte segments.
  constexpr int kRuns = 50;
  uint64_t bytes = 0;
  for (const Chunk& chunk : pair.chunks) bytes += chunk.bytes.size();
  start = std::chrono::steady_clock::now();
  for (int i = 0; i < kRuns; ++i) {
    Feeder feeder(tracker, static_cast<capture::ConnectionId>(1000000 + i), 1460);
    feeder.open();
    for (const Chunk& chunk : pair.chunks) feeder.send(chunk.from, chunk.bytes);
    feeder.close();
  }
  seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  WARN("bulk MB/s (stream bytes offered): " << kRuns * bytes / seconds / 1e6);
  CHECK(handed_over == kConnections + kRuns);
}
