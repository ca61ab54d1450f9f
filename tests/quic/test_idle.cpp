// The QUIC idle timeout (RFC 9000 §10.1; docs/reliability-limits.md): a connection with no packet for
// longer than its idle timeout is handed over and judged, what comes after on its 4-tuple is counted,
// and many connections over a long capture never pile up.
#include <catch2/catch.hpp>

#include <algorithm>
#include <vector>

#include "datagram.hpp"
#include "initial_packet.hpp"
#include "tlsflags/quic/udp_tracker.hpp"

using namespace tlsflags;
using namespace tlsflags::quic;

namespace {

std::vector<uint8_t> dcid_of(uint64_t n) {
  std::vector<uint8_t> dcid(8);
  for (size_t i = 0; i < dcid.size(); ++i) dcid[i] = static_cast<uint8_t>(n >> (8 * (7 - i)));
  return dcid;
}

struct Harness {
  std::vector<Timeline> timelines;
  UdpTracker udp{{}, [this](Timeline&& t) { timelines.push_back(std::move(t)); }, nullptr, nullptr};
  uint64_t frame = 0;

  bool send(std::span<const uint8_t> payload, double time, uint16_t client_port = 50000, bool from_client = true) {
    capture::UdpDatagram datagram = test::datagram_between(from_client, payload);
    (from_client ? datagram.source_port : datagram.destination_port) = client_port;
    return udp.on_datagram(datagram, {++frame, time});
  }
  // Any datagram moves capture time on; this one is of no connection and not QUIC.
  void tick(double time) {
    const std::vector<uint8_t> not_quic = {0x00};
    CHECK_FALSE(send(not_quic, time, 9));
  }
};

}  // namespace

TEST_CASE("QUIC idle timeout: the ClientHello's max_idle_timeout, plus the grace, closes the connection",
          "[idle]") {
  Harness h;
  const auto initial = test::client_initial(QuicVersion::v1, dcid_of(1), test::client_hello_message(10'000));
  REQUIRE(h.send(initial, 0));
  h.tick(14.9);  // 10 s + 5 s grace not yet over
  CHECK(h.udp.open_connections() == 1);
  REQUIRE(h.send(initial, 14.95));  // the client retransmits its Initial: heard from again
  h.tick(29.9);
  CHECK(h.udp.open_connections() == 1);
  h.tick(30.0);
  CHECK(h.udp.open_connections() == 0);
  REQUIRE(h.timelines.size() == 1);
  CHECK(h.timelines[0].first(EventType::client_hello, Party::client));
  CHECK_FALSE(h.timelines[0].first(EventType::capture_end, Party::client));  // judged on what was seen
  CHECK(h.udp.stats().idle_timeouts.count == 1);
  CHECK(h.udp.stats().idle_timeouts.first_frame == 1);

  // It resumes: a short header packet on the 4-tuple is counted, not taken for a new connection.
  const std::vector<uint8_t> short_header = {0x40, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20};
  CHECK(h.send(short_header, 31, 50000, false));
  CHECK(h.udp.stats().quic_after_idle_timeout.count == 1);
  CHECK(h.udp.stats().quic_without_connection.count == 0);
  // A new Initial on it is a new connection.
  REQUIRE(h.send(initial, 32));
  CHECK(h.udp.open_connections() == 1);
  CHECK(h.udp.stats().quic_connections == 2);
  h.udp.on_capture_end({h.frame, 33});
  CHECK(h.timelines.size() == 2);
}

TEST_CASE("QUIC idle timeout: without max_idle_timeout (or 0: none) the documented default applies", "[idle]") {
  for (const std::optional<uint32_t> advertised : {std::optional<uint32_t>{}, std::optional<uint32_t>{0}}) {
    Harness h;
    REQUIRE(h.send(test::client_initial(QuicVersion::v1, dcid_of(2), test::client_hello_message(advertised)), 0));
    h.tick(304);
    CHECK(h.udp.open_connections() == 1);
    h.tick(306);
    CHECK(h.udp.open_connections() == 0);
    CHECK(h.timelines.size() == 1);
  }
}

TEST_CASE("QUIC idle timeout: an advertised timeout past the cap is capped", "[idle]") {
  Harness h;
  REQUIRE(h.send(test::client_initial(QuicVersion::v2, dcid_of(3), test::client_hello_message(0x3fffffff)), 0));
  h.tick(604);
  CHECK(h.udp.open_connections() == 1);
  h.tick(606);
  CHECK(h.udp.open_connections() == 0);
}

TEST_CASE("QUIC idle timeout: 20,000 connections over 5.5 hours never pile up", "[idle]") {
  Harness h;
  constexpr uint64_t kConnections = 20'000;
  constexpr double kEvery = 1.0;  // seconds between connection starts; each idles out 35 s after
  size_t most_open = 0;
  for (uint64_t i = 0; i < kConnections; ++i) {
    const auto initial = test::client_initial(QuicVersion::v1, dcid_of(i), test::client_hello_message(30'000));
    REQUIRE(h.send(initial, static_cast<double>(i) * kEvery, static_cast<uint16_t>(1024 + i % 50'000)));
    most_open = std::max(most_open, h.udp.open_connections());
  }
  CHECK(most_open <= 36);
  CHECK(h.timelines.size() >= kConnections - 36);
  CHECK(h.udp.stats().idle_timeouts.count == h.timelines.size());
  CHECK(h.udp.stats().connections_evicted.count == 0);
  h.udp.on_capture_end({h.frame, static_cast<double>(kConnections) * kEvery});
  CHECK(h.timelines.size() == kConnections);
}

TEST_CASE("QUIC idle timeout: connections evicted by max_connections leave no deadline behind", "[idle]") {
  // 5,000 connections within 1 s of capture time and at most 16 open: the deadlines of the evicted ones
  // would wait 35 s in the queue; it is rebuilt from the open ones instead, and every connection is
  // still handed over exactly once.
  UdpTrackerOptions options;
  options.max_connections = 16;
  std::vector<Timeline> timelines;
  UdpTracker udp(options, [&](Timeline&& t) { timelines.push_back(std::move(t)); }, nullptr, nullptr);
  constexpr uint64_t kConnections = 5'000;
  for (uint64_t i = 0; i < kConnections; ++i) {
    const auto initial = test::client_initial(QuicVersion::v1, dcid_of(i), test::client_hello_message(30'000));
    capture::UdpDatagram datagram = test::datagram_between(true, initial);
    datagram.source_port = static_cast<uint16_t>(1024 + i);
    REQUIRE(udp.on_datagram(datagram, {i + 1, static_cast<double>(i) / kConnections}));
    CHECK(udp.open_connections() <= 16);
    CHECK(udp.idle_deadlines_queued() <= 2 * 16 + 1024 + 1);
  }
  CHECK(udp.stats().connections_evicted.count == kConnections - 16);
  udp.on_capture_end({kConnections, 100});
  CHECK(timelines.size() == kConnections);
}

TEST_CASE("QUIC connection IDs past max_connection_ids are counted, never dropped silently", "[idle]") {
  std::vector<uint8_t> frames;
  for (uint8_t n = 0; n < 20; ++n) {  // NEW_CONNECTION_ID: sequence, retire prior to, length, id, reset token
    frames.insert(frames.end(), {0x18, n, 0x00, 0x08, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, n});
    frames.insert(frames.end(), 16, 0x00);
  }
  Harness h;
  REQUIRE(h.send(test::client_initial(QuicVersion::v1, dcid_of(4), test::client_hello_message(), frames), 0));
  // The first Initial's DCID is one of the 16; 15 of the 20 new ones fit.
  CHECK(h.udp.stats().quic_connection_ids_over_limit.count == 5);
  CHECK(h.udp.stats().quic_connection_ids_over_limit.first_frame == 1);
}
