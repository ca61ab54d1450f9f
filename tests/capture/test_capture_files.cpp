// Whole files through read_capture: formats, compression, link types, secrets, and the errors.
#include <catch2/catch.hpp>

#include <functional>

#include "capture_builder.hpp"
#include "recording_consumer.hpp"
#include "tlsflags/capture/capture_reader.hpp"

using namespace tlsflags;
using namespace tlsflags::capture;
using namespace tlsflags::capture::testing;

namespace {

std::vector<Packet> timed(const std::vector<Bytes>& frames, uint64_t start_us = 1'700'000'000'000'000) {
  std::vector<Packet> packets;
  for (size_t i = 0; i < frames.size(); ++i) packets.push_back(Packet{frames[i], 0, start_us + i * 1000});
  return packets;
}

std::vector<Bytes> wrapped(const std::vector<Bytes>& ip_packets, const std::function<Bytes(const Bytes&)>& link) {
  std::vector<Bytes> frames;
  for (const Bytes& packet : ip_packets) frames.push_back(link(packet));
  return frames;
}

Bytes ethernet_ip(const Bytes& ip) { return ethernet((ip[0] >> 4) == 6 ? 0x86dd : 0x0800, ip); }

// The conversation's streams, as RecordingConsumer shows them.
void check_conversation(const RecordingConsumer& consumer, const std::string& client, const std::string& server) {
  REQUIRE(consumer.endpoints.count(1) == 1);
  CHECK(consumer.endpoints.at(1).first.to_string() == client);
  CHECK(consumer.endpoints.at(1).second.to_string() == server);
  CHECK(consumer.stream(1, Party::client) == "CLIENTHELLO");
  CHECK(consumer.stream(1, Party::server) == "SERVERHELLO+");
  CHECK(consumer.count("fin") == 2);
  CHECK(consumer.count("close 1") == 1);
}

ReadResult read(const std::string& path, RecordingConsumer& consumer) { return read_capture(path, consumer); }

}  // namespace

TEST_CASE("pcap over Ethernet: streams, endpoints, frame numbers and times", "[file]") {
  const Conversation conversation;
  std::vector<Bytes> frames = wrapped(conversation.packets(), ethernet_ip);
  frames.insert(frames.begin(), ethernet(0x0806, Bytes(28, '\0')));  // an ARP frame: numbered, not used
  const auto path = write_temp("ethernet.pcap", pcap_file(1, timed(frames)));

  struct TimingConsumer : RecordingConsumer {
    std::vector<double> data_times;
    size_t on_data(ConnectionId id, Party from, std::span<const uint8_t> data, StreamPosition at) override {
      data_times.push_back(at.time);
      return RecordingConsumer::on_data(id, from, data, at);
    }
  } consumer;
  const ReadResult result = read(path, consumer);
  REQUIRE(result.ok);
  CHECK(result.error.empty());
  CHECK(result.format == "pcap");
  CHECK_FALSE(result.gzip);
  CHECK(result.frames == 9);
  CHECK(result.tcp_segments == 8);
  CHECK(result.connections == 1);
  CHECK(result.diagnostics.not_ip.count == 1);
  CHECK(result.diagnostics.not_ip.first_frame == 1);
  check_conversation(consumer, "10.0.0.1:50000", "10.0.0.2:443");
  CHECK(consumer.log == std::vector<std::string>{
                           "open 1 10.0.0.1:50000 10.0.0.2:443 syn @2",
                           "data 1 client 11 @5",
                           "data 1 server 12 @6",
                           "fin 1 client @7",
                           "fin 1 server @8",
                           "close 1 @9",  // at the capture end (the last ACK): it lingered for it
                       });
  REQUIRE(consumer.data_times.size() == 2);
  CHECK(consumer.data_times[0] == Approx(0.004));  // seconds since the first frame (the ARP one)
  CHECK(consumer.data_times[1] == Approx(0.005));
  // The first frame's absolute time, once (1'700'000'000 s after the epoch, in timed()).
  REQUIRE(consumer.capture_starts.size() == 1);
  CHECK(consumer.capture_starts[0] == Approx(1'700'000'000.0));
}

TEST_CASE("pcap variants: big-endian, nanosecond, and records across read buffers", "[file]") {
  const Conversation conversation;
  const auto packets = timed(wrapped(conversation.packets(), ethernet_ip), 5'000'123);
  for (const bool big_endian : {false, true}) {
    for (const bool nanoseconds : {false, true}) {
      DYNAMIC_SECTION("big-endian " << big_endian << " nanoseconds " << nanoseconds) {
        RecordingConsumer consumer;
        const auto path = write_temp("variant.pcap", pcap_file(1, packets, 262144, {big_endian, nanoseconds}));
        const ReadResult result = read(path, consumer);
        REQUIRE(result.ok);
        CHECK(result.frames == 8);
        check_conversation(consumer, "10.0.0.1:50000", "10.0.0.2:443");
        CHECK(consumer.last_time == Approx(0.007));  // the close, at the capture end (the last ACK, frame 8)
        REQUIRE(consumer.capture_starts.size() == 1);
        CHECK(consumer.capture_starts[0] == Approx(5.000123));
      }
    }
  }
  SECTION("a stream of 6 MB: records cross the reader's buffer boundaries") {
    using namespace flag;
    std::vector<Bytes> frames = {ethernet_ip(conversation.ip(true, 100, 0, SYN))};
    Bytes expected;
    uint32_t seq = 101;
    for (int i = 0; i < 4000; ++i) {
      Bytes chunk(1448 + i % 7, static_cast<char>('a' + i % 26));
      chunk[0] = static_cast<char>(i);
      frames.push_back(ethernet_ip(conversation.ip(true, seq, 901, ACK, chunk)));
      seq += static_cast<uint32_t>(chunk.size());
      expected += chunk;
    }
    RecordingConsumer consumer;
    const ReadResult result = read(write_temp("large.pcap", pcap_file(1, timed(frames))), consumer);
    REQUIRE(result.ok);
    CHECK(result.frames == 4001);
    CHECK(consumer.stream(1, Party::client) == expected);
  }
}

TEST_CASE("every supported link type", "[file][link]") {
  struct Case {
    const char* name;
    uint32_t linktype;
    bool v6;
    std::function<Bytes(const Bytes&)> link;
  };
  auto af = [](uint32_t family, bool big_endian) {
    return [=](const Bytes& ip) {
      Bytes b;
      put32(b, family, big_endian);
      return b + ip;
    };
  };
  auto sll = [](const Bytes& ip) {
    Bytes b;
    put16(b, 0);      // packet type: to us
    put16(b, 1);      // ARPHRD_ETHER
    put16(b, 6);
    b += Bytes(8, '\x02');
    put16(b, (ip[0] >> 4) == 6 ? 0x86dd : 0x0800);
    return b + ip;
  };
  auto sll2 = [](const Bytes& ip) {
    Bytes b;
    put16(b, (ip[0] >> 4) == 6 ? 0x86dd : 0x0800);
    put16(b, 0);
    put32(b, 3);      // interface index
    put16(b, 1);
    put8(b, 0);
    put8(b, 6);
    b += Bytes(8, '\x02');
    return b + ip;
  };
  const Case cases[] = {
      {"Ethernet IPv4", 1, false, ethernet_ip},
      {"Ethernet IPv6", 1, true, ethernet_ip},
      {"802.1Q", 1, false, [](const Bytes& ip) { return ethernet(0x0800, ip, {0x8100}); }},
      {"QinQ 88a8", 1, true, [](const Bytes& ip) { return ethernet(0x86dd, ip, {0x88a8, 0x8100}); }},
      {"QinQ 9100", 1, false, [](const Bytes& ip) { return ethernet(0x0800, ip, {0x9100, 0x8100}); }},
      {"Linux cooked v1", 113, false, sll},
      {"Linux cooked v2", 276, true, sll2},
      {"raw IP (LINKTYPE_RAW)", 101, false, [](const Bytes& ip) { return ip; }},
      {"raw IPv6 (LINKTYPE_RAW)", 101, true, [](const Bytes& ip) { return ip; }},
      {"LINKTYPE_IPV4", 228, false, [](const Bytes& ip) { return ip; }},
      {"LINKTYPE_IPV6", 229, true, [](const Bytes& ip) { return ip; }},
      {"NULL, little-endian AF_INET", 0, false, af(2, false)},
      {"NULL, big-endian AF_INET", 0, false, af(2, true)},
      {"NULL, AF_INET6 = 24", 0, true, af(24, false)},
      {"NULL, AF_INET6 = 28", 0, true, af(28, false)},
      {"NULL, AF_INET6 = 30", 0, true, af(30, false)},
      {"LOOP, AF_INET", 108, false, af(2, true)},
      {"LOOP, AF_INET6 = 30", 108, true, af(30, true)},
  };
  for (const Case& c : cases) {
    DYNAMIC_SECTION(c.name) {
      Conversation conversation;
      if (c.v6) {
        conversation.client = "2001:db8::1";
        conversation.server = "2001:db8::2";
        conversation.v6 = true;
      }
      const auto path = write_temp("link.pcap", pcap_file(c.linktype, timed(wrapped(conversation.packets(), c.link))));
      RecordingConsumer consumer;
      const ReadResult result = read(path, consumer);
      REQUIRE(result.ok);
      CHECK(result.frames == 8);
      CHECK(result.tcp_segments == 8);
      if (c.v6) {
        check_conversation(consumer, "[2001:db8::1]:50000", "[2001:db8::2]:443");
      } else {
        check_conversation(consumer, "10.0.0.1:50000", "10.0.0.2:443");
      }
    }
  }
}

TEST_CASE("pcapng: Decryption Secrets Blocks at the start and at the end come before the first packet", "[file][pcapng]") {
  const Conversation conversation;
  const auto packets = timed(wrapped(conversation.packets(), ethernet_ip));
  const std::string first = "CLIENT_RANDOM 0102 0304\n";
  const std::string last = "CLIENT_HANDSHAKE_TRAFFIC_SECRET 0a0b 0c0d\n";
  Pcapng file;
  file.section().secrets(first).interface(1);
  for (const Packet& p : packets) file.packet(0, p);
  file.statistics(0).secrets("wireguard", 0x57474b4c).secrets(last);

  SECTION("plain") {
    RecordingConsumer consumer;
    const ReadResult result = read(write_temp("dsb.pcapng", file.bytes()), consumer);
    REQUIRE(result.ok);
    CHECK(result.format == "pcapng");
    CHECK(result.frames == 8);
    CHECK(result.secrets_blocks == 2);
    CHECK(consumer.secrets == std::vector<std::string>{first, last});
    CHECK(consumer.secrets_before_first_open == 2);
    check_conversation(consumer, "10.0.0.1:50000", "10.0.0.2:443");
    CHECK(consumer.capture_starts == std::vector<double>{1'700'000'000.0});
  }
  SECTION("gzip-compressed") {
    RecordingConsumer consumer;
    const ReadResult result = read(write_temp("dsb.pcapng.gz", gzip(file.bytes())), consumer);
    REQUIRE(result.ok);
    CHECK(result.gzip);
    CHECK(consumer.secrets == std::vector<std::string>{first, last});
    CHECK(consumer.secrets_before_first_open == 2);
    check_conversation(consumer, "10.0.0.1:50000", "10.0.0.2:443");
  }
}

TEST_CASE("pcapng in big-endian byte order, with a second section", "[file][pcapng]") {
  const Conversation conversation;
  const auto packets = timed(wrapped(conversation.packets(), ethernet_ip));
  Pcapng file(true);
  file.section().interface(1);
  for (size_t i = 0; i < 4; ++i) file.packet(0, packets[i]);
  file.section().interface(1).secrets("CLIENT_RANDOM aa bb\n");
  for (size_t i = 4; i < packets.size(); ++i) file.packet(0, packets[i]);
  RecordingConsumer consumer;
  const ReadResult result = read(write_temp("be.pcapng", file.bytes()), consumer);
  REQUIRE(result.ok);
  CHECK(result.frames == 8);
  CHECK(consumer.secrets == std::vector<std::string>{"CLIENT_RANDOM aa bb\n"});
  check_conversation(consumer, "10.0.0.1:50000", "10.0.0.2:443");
}

TEST_CASE("pcapng with interfaces of different link types (which libpcap refuses) is read directly", "[file][pcapng]") {
  const Conversation conversation;
  const auto ip_packets = conversation.packets();
  Pcapng file;
  file.section().interface(1).interface(101).interface(113, 65535);
  for (size_t i = 0; i < ip_packets.size(); ++i) {
    const uint64_t time_us = 1'000'000 + i * 1000;
    if (i % 2 == 0) {
      file.packet(0, Packet{ethernet_ip(ip_packets[i]), 0, time_us});
    } else {
      file.packet(1, Packet{ip_packets[i], 0, time_us});
    }
  }
  file.secrets("CLIENT_RANDOM 01 02\n");
  RecordingConsumer consumer;
  const ReadResult result = read(write_temp("mixed.pcapng", file.bytes()), consumer);
  INFO(result.error);
  REQUIRE(result.ok);
  CHECK(result.frames == 8);
  CHECK(result.tcp_segments == 8);
  CHECK(consumer.secrets.size() == 1);
  check_conversation(consumer, "10.0.0.1:50000", "10.0.0.2:443");
  CHECK(consumer.capture_starts == std::vector<double>{1.0});
}

TEST_CASE("gzip-compressed pcap", "[file]") {
  const Conversation conversation;
  const Bytes plain = pcap_file(1, timed(wrapped(conversation.packets(), ethernet_ip)));
  RecordingConsumer consumer;
  const ReadResult result = read(write_temp("plain.pcap.gz", gzip(plain)), consumer);
  REQUIRE(result.ok);
  CHECK(result.gzip);
  CHECK(result.frames == 8);
  check_conversation(consumer, "10.0.0.1:50000", "10.0.0.2:443");
}

TEST_CASE("Ethernet padding is not payload, and a frame cut by the snap length leaves a gap", "[file]") {
  const Conversation c;
  using namespace flag;
  Bytes small = ethernet_ip(c.ip(true, 101, 901, ACK | PSH, "hi"));
  small += Bytes(60 - small.size(), '\xee');  // padded to the Ethernet minimum
  const Bytes big = ethernet_ip(c.ip(true, 103, 901, ACK | PSH, "0123456789abcdef"));
  Packet cut{big.substr(0, big.size() - 6), static_cast<uint32_t>(big.size())};
  const Bytes after = ethernet_ip(c.ip(true, 119, 901, ACK | PSH, "end"));
  std::vector<Packet> packets = timed({ethernet_ip(c.ip(true, 100, 0, SYN)), small});
  packets.push_back(cut);
  packets.push_back(Packet{after});
  RecordingConsumer consumer;
  const ReadResult result = read(write_temp("padding.pcap", pcap_file(1, packets, 64)), consumer);
  REQUIRE(result.ok);
  CHECK(consumer.stream(1, Party::client) == "hi0123456789<gap 6>end");
  CHECK(result.diagnostics.snaplen_cut_segments.count == 1);
  CHECK(result.diagnostics.snaplen_cut_segments.first_frame == 3);
}

TEST_CASE("IPv6 extension headers are walked, fragments and ESP are counted and skipped", "[file]") {
  using namespace flag;
  const char* a = "2001:db8::1";
  const char* b = "2001:db8::2";
  auto with_chain = [&](uint32_t seq, uint8_t flags, const Bytes& payload) {
    const Bytes segment = tcp(50000, 443, seq, 0, flags, payload);
    // hop-by-hop → destination options → atomic fragment → routing → TCP
    const Bytes chain = ipv6_extension(60) + ipv6_extension(44, 1) + ipv6_fragment_header(43, 0, false) +
                        ipv6_extension(6) + segment;
    return ethernet(0x86dd, ipv6(a, b, 0, chain));
  };
  std::vector<Bytes> frames = {
      with_chain(100, SYN, ""),
      with_chain(101, ACK | PSH, "hello"),
      ethernet(0x86dd, ipv6(a, b, 44, ipv6_fragment_header(6, 0, true) + tcp(50000, 443, 106, 0, ACK, "lost"))),
      ethernet(0x86dd, ipv6(a, b, 50, Bytes(40, '\x55'))),                                 // ESP
      ethernet(0x0800, ipv4("10.0.0.1", "10.0.0.2", 6, Bytes(30, '\x33'), {.flags_fragment = 0x2000 | 10, .total_length = -1, .options = {}})),  // an IPv4 fragment
      ethernet(0x0800, ipv4("10.0.0.1", "10.0.0.2", 17, Bytes("\x12\x34\x00\x35\x00\x0c\x00\x00" "abcd", 12))),  // UDP: not read by this consumer
      with_chain(110, ACK | PSH, "world"),
  };
  RecordingConsumer consumer;
  const ReadResult result = read(write_temp("ipv6.pcap", pcap_file(1, timed(frames))), consumer);
  REQUIRE(result.ok);
  CHECK(result.frames == 7);
  CHECK(result.diagnostics.ip_fragments.count == 2);
  CHECK(result.diagnostics.ip_fragments.first_frame == 3);
  CHECK(result.diagnostics.esp_packets.count == 1);
  CHECK(result.diagnostics.not_tcp.count == 1);
  CHECK(consumer.stream(1, Party::client) == "hello<gap 4>world");
}

TEST_CASE("a truncated file: everything before the cut is delivered, connections closed, then an error", "[file][errors]") {
  const Conversation conversation;
  const Bytes whole = pcap_file(1, timed(wrapped(conversation.packets(), ethernet_ip)));
  const Bytes cut = whole.substr(0, whole.size() - 20);  // inside the last record's data
  const auto path = write_temp("truncated.pcap", cut);
  RecordingConsumer consumer;
  const ReadResult result = read(path, consumer);
  CHECK_FALSE(result.ok);
  CHECK_THAT(result.error, Catch::Contains(path) && Catch::Contains("truncated") && Catch::Contains("after frame 7"));
  CHECK(result.frames == 7);
  CHECK(consumer.stream(1, Party::client) == "CLIENTHELLO");
  CHECK(consumer.stream(1, Party::server) == "SERVERHELLO+");
  CHECK(consumer.log.back() == "close 1 @7");  // both FINs were in the capture

  SECTION("cut before the FINs: the connection is closed as the capture ended") {
    const Bytes earlier = pcap_file(1, timed(wrapped(conversation.packets(), ethernet_ip)));
    const auto path2 = write_temp("truncated2.pcap", earlier.substr(0, 24 + (16 + 54) * 3 + (16 + 54 + 11) + 30));
    RecordingConsumer consumer2;
    const ReadResult result2 = read(path2, consumer2);
    CHECK_FALSE(result2.ok);
    CHECK(consumer2.stream(1, Party::client) == "CLIENTHELLO");
    CHECK(consumer2.log.back() == "close 1 ended @4");
  }
  SECTION("gzip-compressed, cut inside the compressed stream") {
    const Bytes compressed = gzip(whole);
    const auto gz_path = write_temp("truncated.pcap.gz", compressed.substr(0, compressed.size() - 12));
    RecordingConsumer consumer3;
    const ReadResult result3 = read(gz_path, consumer3);
    CHECK_FALSE(result3.ok);
    CHECK_THAT(result3.error, Catch::Contains(gz_path));
  }
}

TEST_CASE("files that are not captures give clear errors", "[file][errors]") {
  RecordingConsumer consumer;
  SECTION("a file of zeros") {
    const auto path = write_temp("zeros.pcap", Bytes(4096, '\0'));
    const ReadResult result = read(path, consumer);
    CHECK_FALSE(result.ok);
    CHECK_THAT(result.error, Catch::Contains(path) && Catch::Contains("not a pcap or pcapng capture"));
  }
  SECTION("an empty file") {
    const auto path = write_temp("empty.pcap", "");
    const ReadResult result = read(path, consumer);
    CHECK_FALSE(result.ok);
    CHECK(result.error == path + ": the file is empty");
  }
  SECTION("a missing file") {
    const ReadResult result = read("/nonexistent/dir/missing.pcap", consumer);
    CHECK_FALSE(result.ok);
    CHECK_THAT(result.error, Catch::Contains("/nonexistent/dir/missing.pcap") && Catch::Contains("cannot open"));
  }
  SECTION("a directory") {
    const auto path = write_temp("placeholder", "");
    const ReadResult result = read(std::filesystem::path(path).parent_path().string(), consumer);
    CHECK_FALSE(result.ok);
    CHECK_THAT(result.error, Catch::Contains("directory"));
  }
  SECTION("a link type the analyser does not decode") {
    const auto path = write_temp("wifi.pcap", pcap_file(105, timed({Bytes(40, '\1')})));
    const ReadResult result = read(path, consumer);
    CHECK_FALSE(result.ok);
    CHECK_THAT(result.error, Catch::Contains(path) && Catch::Contains("unsupported link type 105"));
  }
  SECTION("gzip of garbage") {
    const auto path = write_temp("garbage.gz", gzip(Bytes(100, 'x')));
    const ReadResult result = read(path, consumer);
    CHECK_FALSE(result.ok);
    CHECK(result.gzip);
    CHECK_THAT(result.error, Catch::Contains("not a pcap or pcapng capture"));
  }
  CHECK(consumer.log.empty());
}
