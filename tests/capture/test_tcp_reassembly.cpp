// The TCP layer driven directly with synthetic segments: the hard cases of reassembly and connection
// identity (RFC 9293), without any capture file.
#include <catch2/catch.hpp>

#include <string>

#include "recording_consumer.hpp"
#include "tlsflags/capture/tcp_flow_table.hpp"

using namespace tlsflags;
using namespace tlsflags::capture;
using tlsflags::capture::testing::RecordingConsumer;

namespace {

using F = uint8_t;
constexpr F SYN = tcp_flag::syn, ACK = tcp_flag::ack, FIN = tcp_flag::fin, RST = tcp_flag::rst, PSH = tcp_flag::psh;

// One 4-tuple, a consumer and a flow table; every send() is one frame.
class Wire {
 public:
  explicit Wire(CaptureLimits limits = {}) : limits_(limits), table_(consumer, limits_, diagnostics) {}

  void client(uint32_t seq, F flags, const std::string& payload = "", uint32_t ack = 0) {
    send(true, seq, flags, payload, ack, static_cast<uint32_t>(payload.size()));
  }
  void server(uint32_t seq, F flags, const std::string& payload = "", uint32_t ack = 0) {
    send(false, seq, flags, payload, ack, static_cast<uint32_t>(payload.size()));
  }
  // A segment the snap length cut: `captured` of `wire_length` payload bytes are in the capture.
  void client_cut(uint32_t seq, const std::string& captured, uint32_t wire_length) {
    send(true, seq, ACK, captured, 0, wire_length);
  }
  void send(bool from_client, uint32_t seq, F flags, const std::string& payload, uint32_t ack, uint32_t wire_length) {
    TcpSegment segment;
    segment.source = from_client ? client_address : server_address;
    segment.destination = from_client ? server_address : client_address;
    segment.source_port = from_client ? client_port : server_port;
    segment.destination_port = from_client ? server_port : client_port;
    segment.seq = seq;
    segment.ack = ack;
    segment.flags = flags;
    segment.payload = std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(payload.data()), payload.size());
    segment.payload_length = wire_length;
    ++frame;
    table_.on_segment(segment, StreamPosition{frame, frame * 0.001});
  }
  void end() { table_.finish(StreamPosition{frame, frame * 0.001}); }
  // A three-way handshake: client ISN c, server ISN s (frames 1-3).
  void handshake(uint32_t c, uint32_t s) {
    client(c, SYN);
    server(s, SYN | ACK, "", c + 1);
    client(c + 1, ACK, "", s + 1);
  }
  TcpFlowTable& table() { return table_; }

  IpAddress client_address = IpAddress::parse("10.0.0.1");
  IpAddress server_address = IpAddress::parse("10.0.0.2");
  uint16_t client_port = 50000;
  uint16_t server_port = 443;
  uint64_t frame = 0;
  RecordingConsumer consumer;
  CaptureDiagnostics diagnostics;

 private:
  CaptureLimits limits_;
  TcpFlowTable table_;
};

constexpr uint32_t C = 1000;   // client ISN
constexpr uint32_t S = 50000;  // server ISN

}  // namespace

TEST_CASE("in-order connection: open, data both ways, FIN both ways, close", "[tcp]") {
  Wire w;
  w.handshake(C, S);
  w.client(C + 1, ACK | PSH, "hello", S + 1);
  w.server(S + 1, ACK | PSH, "world!", C + 6);
  w.client(C + 6, ACK | FIN, "", S + 7);
  w.server(S + 7, ACK | FIN, "", C + 7);
  w.client(C + 7, ACK, "", S + 8);
  w.end();
  CHECK(w.consumer.log == std::vector<std::string>{
                              "open 1 10.0.0.1:50000 10.0.0.2:443 syn @1",
                              "data 1 client 5 @4",
                              "data 1 server 6 @5",
                              "fin 1 client @6",
                              "fin 1 server @7",
                              "close 1 @8",  // at the last ACK: both FINs acknowledged, nothing is to come
                          });
  CHECK(w.consumer.stream(1, Party::client) == "hello");
  CHECK(w.consumer.stream(1, Party::server) == "world!");
  CHECK(w.table().open_connections() == 0);
  CHECK(w.consumer.last_segment[1] == 8);  // the last ACK is the connection's, as in tcp.stream
  CHECK(w.diagnostics.segments_after_close.count == 0);
}

TEST_CASE("an orderly close ends at the ACK of the last FIN, without lingering", "[tcp]") {
  Wire w;
  w.handshake(C, S);
  w.client(C + 1, ACK | PSH, "hello", S + 1);
  w.client(C + 6, ACK | FIN, "", S + 1);  // 5
  w.server(S + 1, ACK | FIN, "", C + 7);  // 6: acknowledges the client's FIN, sends its own
  CHECK(w.table().ending_connections() == 1);  // the server's FIN is not acknowledged yet
  CHECK(w.consumer.count("close") == 0);
  w.server(S + 1, ACK | FIN, "", C + 7);  // 7: retransmitted: still not acknowledged
  CHECK(w.consumer.count("close") == 0);
  w.client(C + 7, ACK, "", S + 1);        // 8: an ACK short of the FIN closes nothing
  CHECK(w.consumer.count("close") == 0);
  w.client(C + 7, ACK, "", S + 2);        // 9: the last ACK
  CHECK(w.consumer.count("close 1 @9") == 1);
  CHECK(w.table().ending_connections() == 0);
  CHECK(w.consumer.last_segment[1] == 9);
  w.server(S + 1, ACK | FIN, "", C + 7);  // 10: a stray duplicate is counted, not taken for the connection
  CHECK(w.diagnostics.segments_after_close.count == 1);
  w.end();
  CHECK(w.consumer.last_segment[1] == 9);
  CHECK(w.consumer.count("close") == 1);
}

TEST_CASE("after a RST, acknowledged FINs do not end the lingering: the peer may still answer", "[tcp]") {
  Wire w;
  w.handshake(C, S);
  w.client(C + 1, ACK | FIN, "", S + 1);  // 4
  w.server(S + 1, ACK | FIN, "", C + 2);  // 5
  w.server(S + 2, RST);                   // 6: a reset before the last ACK
  w.client(C + 2, ACK, "", S + 2);        // 7: acknowledges the server's FIN
  CHECK(w.consumer.count("close") == 0);
  CHECK(w.table().ending_connections() == 1);
  w.end();
  CHECK(w.consumer.count("close 1 @7") == 1);
  CHECK(w.consumer.last_segment[1] == 7);
}

TEST_CASE("segments trailing a RST are the connection's: last segment, the peer's FIN, one RST per party", "[tcp]") {
  Wire w;  // the shape of the real Cloudflare capture's end (frames 16-20)
  w.handshake(C, S);
  w.client(C + 1, ACK | PSH, "hello", S + 1);
  w.client(C + 6, ACK | FIN, "", S + 1);       // 5: client FIN
  w.server(S + 1, ACK | PSH, "late", C + 7);   // 6
  w.client(C + 7, RST);                        // 7: the client's stack answers with a RST
  w.server(S + 5, ACK | FIN, "", C + 7);       // 8: the server closes too
  w.client(C + 7, RST);                        // 9: and is reset again
  CHECK(w.consumer.count("close") == 0);       // still lingering
  CHECK(w.table().ending_connections() == 1);
  w.end();
  const std::vector<std::string> tail(w.consumer.log.end() - 4, w.consumer.log.end());
  CHECK(tail == std::vector<std::string>{"data 1 server 4 @6", "rst 1 client @7", "fin 1 server @8", "close 1 @9"});
  CHECK(w.consumer.last_segment[1] == 9);
  CHECK(w.consumer.count("rst") == 1);
}

TEST_CASE("a lingering connection is closed after the linger time or by a new SYN", "[tcp]") {
  CaptureLimits limits;
  limits.ending_linger_seconds = 0.0015;  // Wire's frames are 1 ms apart
  Wire w(limits);
  w.handshake(C, S);
  w.client(C + 1, RST);                   // 4
  w.client_port = 50001;
  w.handshake(C, S);                      // 5-7: 4 is idle for 2 ms by 6
  CHECK(w.consumer.count("close 1 @6") == 1);
  CHECK(w.consumer.last_segment[1] == 4);
  w.client(C + 1, RST);                   // 8: connection 2 ends
  w.client(C + 700, SYN);                 // 9: the port reused at once
  CHECK(w.consumer.count("close 2 @9") == 1);
  CHECK(w.consumer.last_segment[2] == 8);
  CHECK(w.diagnostics.port_reuses.count == 0);  // 2 had ended: not a reuse of an open connection
}

TEST_CASE("a retransmitted ClientHello is delivered once", "[tcp]") {
  Wire w;
  w.handshake(C, S);
  w.client(C + 1, ACK | PSH, "CLIENTHELLO", S + 1);
  w.client(C + 1, ACK | PSH, "CLIENTHELLO", S + 1);  // the same segment again (RTO)
  w.client(C + 1, ACK | PSH, "CLIENTHELLO+more", S + 1);  // retransmission coalesced with new bytes
  w.end();
  CHECK(w.consumer.stream(1, Party::client) == "CLIENTHELLO+more");
  CHECK(w.consumer.count("data 1 client") == 2);
  CHECK(w.diagnostics.gaps.count == 0);
}

TEST_CASE("out-of-order segments are delivered in order, at the frame that completed them", "[tcp]") {
  Wire w;
  w.handshake(C, S);
  w.client(C + 6, ACK, "world", S + 1);  // frame 4, ahead of a hole
  w.client(C + 11, ACK, "!", S + 1);     // frame 5
  CHECK(w.consumer.count("data") == 0);
  w.client(C + 1, ACK, "hello", S + 1);  // frame 6 fills the hole
  CHECK(w.consumer.stream(1, Party::client) == "helloworld!");
  CHECK(w.consumer.log.back() == "data 1 client 1 @6");
  CHECK(w.table().buffered_bytes() == 0);
}

TEST_CASE("overlapping segments with different bytes: the first received wins and is counted", "[tcp]") {
  Wire w;
  w.handshake(C, S);
  w.client(C + 6, ACK, "WORLD", S + 1);        // buffered first: offsets 5-9
  w.client(C + 4, ACK, "xxworlds", S + 1);     // offsets 3-10 overlap 5-9 with other bytes
  CHECK(w.diagnostics.overlap_conflicts.count == 1);
  CHECK(w.diagnostics.overlap_conflicts.first_frame == 5);
  w.client(C + 1, ACK, "abcde", S + 1);        // offsets 0-4 overlap 3-4 ("xx" vs "de")
  CHECK(w.consumer.stream(1, Party::client) == "abcxxWORLDs");
  CHECK(w.diagnostics.overlap_conflicts.count == 2);
}

TEST_CASE("in-order bytes overlapping buffered ones keep the buffered bytes and fill around them", "[tcp]") {
  Wire w;
  w.handshake(C, S);
  w.client(C + 3, ACK, "CD", S + 1);                // offsets 2-3
  w.client(C + 7, ACK, "GH", S + 1);                // offsets 6-7
  w.client(C + 1, ACK, "abcdefghij", S + 1);        // offsets 0-9
  CHECK(w.consumer.stream(1, Party::client) == "abCDefGHij");
  CHECK(w.diagnostics.overlap_conflicts.count == 1);
  CHECK(w.table().buffered_bytes() == 0);
}

// Fuzz finding peak-buffered-over-cap: the part of an in-order segment that overlapped buffered bytes was
// itself buffered (without room being made) and drained in the same call: the total went over the cap.
TEST_CASE("in-order bytes overlapping buffered ones never take the buffer over its cap", "[tcp]") {
  CaptureLimits limits;
  limits.max_buffered_bytes_total = 2 + kBufferedPieceOverhead + 8;  // "CD" and a little
  Wire w(limits);
  w.handshake(C, S);
  w.client(C + 3, ACK, "CD", S + 1);                      // offsets 2-3, buffered
  CHECK(w.diagnostics.peak_buffered_bytes == 2 + kBufferedPieceOverhead);
  w.client(C + 1, ACK, "abXYefghijklmnopqrst", S + 1);    // offsets 0-19: "XY" loses to "CD"
  CHECK(w.consumer.stream(1, Party::client) == "abCDefghijklmnopqrst");
  CHECK(w.diagnostics.peak_buffered_bytes == 2 + kBufferedPieceOverhead);
  CHECK(w.diagnostics.overlap_conflicts.count == 1);
  CHECK(w.diagnostics.total_buffer_cap_hits.count == 0);
  CHECK(w.table().buffered_bytes() == 0);
}

TEST_CASE("a cut in-order segment overlapping buffered bytes: the bytes it lacks before the next piece are a gap", "[tcp]") {
  Wire w;
  w.handshake(C, S);
  w.client(C + 3, ACK, "CD", S + 1);        // offsets 2-3
  w.client(C + 11, ACK, "KL", S + 1);       // offsets 10-11
  w.client_cut(C + 1, "abcdef", 10);        // offsets 0-9 on the wire, 0-5 captured
  CHECK(w.consumer.stream(1, Party::client) == "abCDef<gap 4>KL");
  CHECK(w.table().buffered_bytes() == 0);
}

TEST_CASE("a lost segment becomes a gap at capture end, then the buffered data follows", "[tcp]") {
  Wire w;
  w.handshake(C, S);
  w.client(C + 1, ACK, "abc", S + 1);
  w.client(C + 8, ACK, "hij", S + 1);  // "defg" was lost
  w.end();
  CHECK(w.consumer.stream(1, Party::client) == "abc<gap 4>hij");
  CHECK(w.consumer.log.back() == "close 1 ended @5");
  CHECK(w.diagnostics.gaps.count == 1);
  CHECK(w.diagnostics.gap_bytes == 4);
}

TEST_CASE("an ACK beyond a hole proves the receiver got bytes the capture missed", "[tcp]") {
  Wire w;
  w.handshake(C, S);
  w.client(C + 1, ACK, "abc", S + 1);
  w.client(C + 8, ACK, "hij", S + 1);       // frame 5: "defg" missing
  w.server(S + 1, ACK, "", C + 11);          // frame 6: the server has everything up to "j"
  CHECK(w.consumer.stream(1, Party::client) == "abc<gap 4>hij");
  CHECK(w.consumer.log.back() == "data 1 client 3 @6");

  SECTION("with nothing buffered the hole ends where the ACK points") {
    w.server(S + 1, ACK, "", C + 20);        // frame 7: 9 more bytes the capture never saw
    w.client(C + 20, ACK, "tail", S + 1);
    CHECK(w.consumer.stream(1, Party::client) == "abc<gap 4>hij<gap 9>tail");
  }
  SECTION("an ACK of one unseen sequence number alone may be a missed FIN: no gap yet") {
    w.server(S + 1, ACK, "", C + 12);
    CHECK(w.diagnostics.gaps.count == 1);
  }
}

TEST_CASE("an out-of-order FIN waits until the stream reaches it", "[tcp]") {
  Wire w;
  w.handshake(C, S);
  w.client(C + 6, ACK | FIN, "world", S + 1);  // data and FIN ahead of a hole
  CHECK(w.consumer.count("fin") == 0);
  w.client(C + 1, ACK, "hello", S + 1);
  CHECK(w.consumer.stream(1, Party::client) == "helloworld");
  CHECK(w.consumer.log.back() == "fin 1 client @5");

  SECTION("a bare FIN ahead of the data too") {
    Wire v;
    v.handshake(C, S);
    v.client(C + 4, ACK | FIN, "", S + 1);
    v.client(C + 1, ACK, "abc", S + 1);
    CHECK(v.consumer.log[v.consumer.log.size() - 2] == "data 1 client 3 @5");
    CHECK(v.consumer.log.back() == "fin 1 client @5");
  }
  SECTION("bytes after the FIN are not part of the stream") {
    w.client(C + 11, ACK, "junk", S + 1);
    CHECK(w.consumer.stream(1, Party::client) == "helloworld");
  }
}

TEST_CASE("a FIN beyond a hole that is never filled: gap, then FIN, at close", "[tcp]") {
  Wire w;
  w.handshake(C, S);
  w.client(C + 1, ACK, "ab", S + 1);
  w.client(C + 6, ACK | FIN, "", S + 1);  // 3 bytes lost before the FIN
  w.end();
  CHECK(w.consumer.stream(1, Party::client) == "ab<gap 3>");
  CHECK(w.consumer.log[w.consumer.log.size() - 2] == "fin 1 client @5");
}

TEST_CASE("the consumer's skip: skipped bytes are not delivered, holes inside them are no gaps", "[tcp]") {
  Wire w;
  w.consumer.skip_after = [](ConnectionId, Party from, std::span<const uint8_t> data) -> size_t {
    // After "HEAD" the next 10 client bytes are not wanted.
    return from == Party::client && data.size() == 4 ? 10 : 0;
  };
  w.handshake(C, S);
  w.client(C + 1, ACK, "HEAD", S + 1);          // offsets 0-3, then 4-13 skipped

  SECTION("in order: the skipped part of a segment is dropped, the rest delivered") {
    w.client(C + 5, ACK, "0123456789tail", S + 1);
    CHECK(w.consumer.stream(1, Party::client) == "HEADtail");
  }
  SECTION("out of order inside the skipped range, with a hole before it") {
    w.client(C + 9, ACK, "4567", S + 1);        // offsets 8-11: inside the skipped range
    w.client(C + 15, ACK, "tail", S + 1);       // offsets 14-17: 12-13 missing, but not wanted anyway
    CHECK(w.consumer.stream(1, Party::client) == "HEADtail");
    w.client(C + 13, ACK, "89", S + 1);         // offsets 12-13, late: nothing changes
    CHECK(w.consumer.stream(1, Party::client) == "HEADtail");
    CHECK(w.diagnostics.gaps.count == 0);
  }
  SECTION("a segment beyond the skipped range: only the hole after the range is a gap") {
    w.client(C + 17, ACK, "late", S + 1);       // offsets 16-19; 4-13 skipped, 14-15 missing
    w.end();
    CHECK(w.consumer.stream(1, Party::client) == "HEAD<gap 2>late");
  }
  SECTION("an ACK proving a hole inside the skipped range reports nothing") {
    w.server(S + 1, ACK, "", C + 1 + 12);       // the server got up to offset 11
    w.client(C + 13, ACK, "89tail", S + 1);     // offsets 12-17
    CHECK(w.consumer.stream(1, Party::client) == "HEADtail");
    CHECK(w.diagnostics.gaps.count == 0);
  }
  SECTION("a cut segment whose missing bytes are all skipped is no gap") {
    w.client_cut(C + 5, "01", 10);              // offsets 4-13, only 2 captured
    w.client(C + 15, ACK, "tail", S + 1);
    CHECK(w.consumer.stream(1, Party::client) == "HEADtail");
    CHECK(w.diagnostics.gaps.count == 0);
  }
}

TEST_CASE("sequence numbers wrap around 2^32", "[tcp]") {
  Wire w;
  const uint32_t c = 0xfffffffcu;  // the data crosses zero
  w.handshake(c, 0xfffffff0u);
  w.client(c + 1, ACK, "abc", 0xfffffff1u);        // seq 0xfffffffd..0xffffffff
  w.client(c + 7, ACK, "ghi", 0xfffffff1u);        // seq 3..5, out of order across the wrap
  w.client(c + 4, ACK, "def", 0xfffffff1u);        // seq 0..2
  w.server(0xfffffff1u, ACK | PSH, std::string(40, 's'), c + 10);
  w.client(c + 10, ACK | FIN, "", 0xfffffff1u + 40);
  w.server(0xfffffff1u + 40, ACK | FIN, "", c + 11);
  w.end();
  CHECK(w.consumer.stream(1, Party::client) == "abcdefghi");
  CHECK(w.consumer.stream(1, Party::server) == std::string(40, 's'));
  CHECK(w.consumer.log.back() == "close 1 @9");
  CHECK(w.diagnostics.gaps.count == 0);
}

TEST_CASE("port reuse: a new SYN with another ISN starts a new connection", "[tcp]") {
  Wire w;
  w.handshake(C, S);
  w.client(C + 1, ACK, "first", S + 1);

  SECTION("after both FINs") {
    w.client(C + 6, ACK | FIN, "", S + 1);
    w.server(S + 1, ACK | FIN, "", C + 7);
    w.client(C + 7, ACK, "", S + 2);             // late final ACK: not a connection
    w.client(90000, SYN);
    w.server(70000, SYN | ACK, "", 90001);
    w.client(90001, ACK, "second", 70001);
    w.end();
    CHECK(w.consumer.count("open") == 2);
    CHECK(w.consumer.stream(2, Party::client) == "second");
    CHECK(w.diagnostics.port_reuses.count == 0);
  }
  SECTION("while the old one is still open: it is closed first") {
    w.client(90000, SYN);
    CHECK(w.consumer.log[w.consumer.log.size() - 2] == "close 1 @5");
    CHECK(w.consumer.log.back() == "open 2 10.0.0.1:50000 10.0.0.2:443 syn @5");
    CHECK(w.diagnostics.port_reuses.count == 1);
  }
  SECTION("a retransmitted SYN (same ISN) is the same connection") {
    w.client(C, SYN);
    CHECK(w.consumer.count("open") == 1);
  }
  SECTION("after a RST") {
    w.server(S + 1, RST);
    w.client(C + 6, ACK, "in flight", S + 1);    // arrives after the reset: belongs to the dead connection
    w.client(C + 500, SYN);
    w.client(C + 501, ACK, "again", S + 1);
    w.end();
    CHECK(w.consumer.count("open") == 2);
    CHECK(w.consumer.stream(1, Party::client) == "first");
    CHECK(w.diagnostics.segments_after_close.count == 1);
  }
}

TEST_CASE("a capture that starts mid-connection", "[tcp]") {
  Wire w;
  w.server(S + 100, ACK | PSH, "server bytes", C + 200);  // first frame: from the server's port 443
  w.client(C + 200, ACK | PSH, "client bytes", S + 112);
  w.end();
  CHECK(w.consumer.log.front() == "open 1 10.0.0.1:50000 10.0.0.2:443 mid @1");
  CHECK_FALSE(w.consumer.saw_syn[1]);
  CHECK(w.consumer.stream(1, Party::server) == "server bytes");
  CHECK(w.consumer.stream(1, Party::client) == "client bytes");
  CHECK(w.diagnostics.mid_stream_connections.count == 1);
  CHECK(w.diagnostics.gaps.count == 0);
}

TEST_CASE("guessing the client without a SYN", "[tcp]") {
  CHECK(source_is_probably_client(50000, 443));
  CHECK_FALSE(source_is_probably_client(443, 50000));
  CHECK(source_is_probably_client(40000, 8443));     // a registered TLS port is the server
  CHECK_FALSE(source_is_probably_client(8443, 60000));
  CHECK(source_is_probably_client(60000, 50000));    // both ephemeral: the higher one
  CHECK(source_is_probably_client(1025, 80));
}

TEST_CASE("a SYN-ACK without its SYN still shows the client and the start", "[tcp]") {
  Wire w;
  w.server(S, SYN | ACK, "", C + 1);
  w.client(C + 1, ACK | PSH, "hi", S + 1);
  CHECK(w.consumer.log.front() == "open 1 10.0.0.1:50000 10.0.0.2:443 syn @1");
  CHECK(w.consumer.stream(1, Party::client) == "hi");
}

TEST_CASE("bare ACKs of unknown flows open nothing", "[tcp]") {
  Wire w;
  w.client(C, ACK, "", S);
  w.client(C, ACK | FIN, "", S);
  CHECK(w.consumer.log.empty());
  CHECK(w.diagnostics.segments_without_connection.count == 2);
}

TEST_CASE("RST: buffered data is flushed around its holes, then on_rst and on_close", "[tcp]") {
  Wire w;
  w.handshake(C, S);
  w.client(C + 1, ACK, "abc", S + 1);
  w.client(C + 6, ACK, "fg", S + 1);   // "de" lost
  w.server(S + 1, RST | ACK, "", C + 4);
  CHECK(w.consumer.stream(1, Party::client) == "abc<gap 2>fg");
  CHECK(w.consumer.log.back() == "rst 1 server @6");
  CHECK(w.table().open_connections() == 0);
  CHECK(w.table().buffered_bytes() == 0);
  w.end();
  CHECK(w.consumer.log.back() == "close 1 @6");
}

TEST_CASE("keepalives and zero-window probes", "[tcp]") {
  Wire w;
  w.handshake(C, S);
  w.client(C + 1, ACK, "data", S + 1);
  w.client(C + 4, ACK, "x", S + 1);    // keepalive: one old byte at seq - 1 (RFC 9293 §3.8.4)
  w.client(C + 5, ACK, "", S + 1);     // keepalive without data
  w.client(C + 5, ACK, "m", S + 1);    // zero-window probe: the next byte alone
  w.client(C + 5, ACK, "more", S + 1); // the window opens: sent again with the rest
  CHECK(w.consumer.stream(1, Party::client) == "datamore");
  CHECK(w.diagnostics.gaps.count == 0);
}

TEST_CASE("the snap length cut a segment: the missing bytes are a gap", "[tcp]") {
  Wire w;
  w.handshake(C, S);
  w.client_cut(C + 1, "abcde", 10);
  w.client(C + 11, ACK, "next", S + 1);
  CHECK(w.consumer.stream(1, Party::client) == "abcde<gap 5>next");
}

TEST_CASE("the out-of-order cap gives up the oldest hole, reported", "[tcp]") {
  CaptureLimits limits;
  limits.max_out_of_order_bytes_per_direction = 8 + 3 * kBufferedPieceOverhead;  // 8 bytes in 3 pieces
  Wire w(limits);
  w.handshake(C, S);
  w.client(C + 3, ACK, "cdef", S + 1);     // hole of 2, 4 buffered
  w.client(C + 9, ACK, "ijkl", S + 1);     // hole of 2, 8 buffered
  w.client(C + 15, ACK, "op", S + 1);      // would be 10: the first hole is given up
  CHECK(w.diagnostics.out_of_order_cap_hits.count == 1);
  CHECK(w.diagnostics.out_of_order_cap_hits.first_frame == 6);
  CHECK(w.consumer.stream(1, Party::client) == "<gap 2>cdef");  // only as many holes as needed
  w.client(C + 13, ACK, "mn", S + 1);
  CHECK(w.table().buffered_bytes() == 8 + 3 * kBufferedPieceOverhead);
  w.end();
  CHECK(w.consumer.stream(1, Party::client) == "<gap 2>cdef<gap 2>ijklmnop");
  CHECK(w.table().buffered_bytes() == 0);
}

TEST_CASE("a flood of 1-byte out-of-order segments: the cap counts each piece's bookkeeping", "[tcp]") {
  CaptureLimits limits;
  limits.max_out_of_order_bytes_per_direction = 100 * (1 + kBufferedPieceOverhead);
  Wire w(limits);
  w.handshake(C, S);
  for (uint32_t k = 1000; k > 0; --k) w.client(C + 1 + k, ACK, "y", S + 1);  // byte 0 never comes
  CHECK(w.diagnostics.out_of_order_cap_hits.count > 0);
  CHECK(w.table().buffered_bytes() <= limits.max_out_of_order_bytes_per_direction);
  CHECK(w.diagnostics.peak_buffered_bytes <= limits.max_out_of_order_bytes_per_direction);
}

TEST_CASE("a segment larger than the whole out-of-order cap is delivered after a gap", "[tcp]") {
  CaptureLimits limits;
  limits.max_buffered_bytes_total = 4;
  Wire w(limits);
  w.handshake(C, S);
  w.client(C + 3, ACK, "cdefgh", S + 1);
  CHECK(w.diagnostics.total_buffer_cap_hits.count == 1);
  CHECK(w.consumer.stream(1, Party::client) == "<gap 2>cdefgh");
}

TEST_CASE("too many connections: the least recently active one is evicted, reported", "[tcp]") {
  CaptureLimits limits;
  limits.max_connections = 2;
  Wire w(limits);
  w.handshake(C, S);                // connection 1 on port 50000
  w.client_port = 50001;
  w.handshake(C, S);                // connection 2
  w.client_port = 50000;
  w.client(C + 1, ACK, "one", S + 1);  // 1 is now the most recent
  w.client_port = 50002;
  w.handshake(C, S);                // connection 3 evicts 2
  CHECK(w.diagnostics.connections_evicted.count == 1);
  CHECK(w.consumer.count("close 2 @8") == 1);
  CHECK(w.table().open_connections() == 2);
  w.end();
  CHECK(w.consumer.log[w.consumer.log.size() - 2] == "close 1 ended @10");
  CHECK(w.consumer.log.back() == "close 3 ended @10");
}

TEST_CASE("capture end closes open connections in the order they were opened", "[tcp]") {
  Wire w;
  w.handshake(C, S);
  w.client_port = 50001;
  w.handshake(C, S);
  w.client_port = 50000;
  w.client(C + 1, ACK, "x", S + 1);
  w.end();
  const std::vector<std::string> tail(w.consumer.log.end() - 2, w.consumer.log.end());
  CHECK(tail == std::vector<std::string>{"close 1 ended @7", "close 2 ended @7"});
}

TEST_CASE("IPv6 endpoints are written with brackets by the consumer's Endpoint", "[tcp]") {
  Wire w;
  w.client_address = IpAddress::parse("2001:db8::1");
  w.server_address = IpAddress::parse("2001:db8::2");
  w.handshake(C, S);
  CHECK(w.consumer.log.front() == "open 1 [2001:db8::1]:50000 [2001:db8::2]:443 syn @1");
}

TEST_CASE("memory follows open connections: closed ones are forgotten", "[tcp]") {
  CaptureLimits limits;
  limits.max_closed_connections_remembered = 4;
  limits.max_ending_connections = 3;
  Wire w(limits);
  for (uint16_t i = 0; i < 100; ++i) {
    w.client_port = static_cast<uint16_t>(20000 + i);
    w.handshake(C, S);
    w.client(C + 1, ACK, "x", S + 1);
    w.client(C + 2, RST);
  }
  CHECK(w.table().open_connections() == 0);
  CHECK(w.consumer.count("close") == 97);
  CHECK(w.table().ending_connections() == 3);
  CHECK(w.diagnostics.peak_open_connections == 1);
  CHECK(w.table().closed_connections_remembered() <= 5);
}
