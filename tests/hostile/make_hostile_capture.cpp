// make_hostile_capture: classic pcap files (raw IPv4, LINKTYPE_RAW) built to push the capture layer's
// resource caps, for limits.sh. Written directly, a record at a time: no libpcap, any size.
//
//   make_hostile_capture half-open N OUT     N SYNs, each from its own address and port: N connections
//                                            that never finish (CaptureLimits::max_connections)
//   make_hostile_capture seq-gap N OUT       one connection, then N 1000-byte client segments, each
//                                            alternately 3 GB and 700 MB beyond the previous one (out of
//                                            window, and holes that are never filled)
//   make_hostile_capture tiny-ooo N OUT      one connection whose client sends N 1-byte segments in
//                                            descending sequence order: all but the last out of order
//   make_hostile_capture sequential N OUT    N short TLS 1.3 connections (ClientHello with
//                                            request_client_auth, ServerHello, FINs), in pairs 200 ms
//                                            apart, each pair ending in the reverse order it started: a
//                                            long file with few connections open at once (streaming.sh)
//   make_hostile_capture partial-records N OUT  N connections, each sending the first 11 bytes of a
//                                            16 KiB ClientHello record and nothing more (memory per open
//                                            connection holding part of a record)
//   make_hostile_capture held N OUT          N flagged ClientHellos left unanswered, then 3,000,000
//                                            SYNs on one 4-tuple (port reuse): a long read while N
//                                            TLS connections are open (SIGINT, attacks.sh)
//   make_hostile_capture storms N OUT        N connections past the TLS layer's Timeline bounds: 1,500
//                                            handshake messages from the client, 20 alerts from the server
#include <arpa/inet.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

namespace {

constexpr uint32_t kLinktypeRaw = 101;  // LINKTYPE_RAW: the record is an IPv4 or IPv6 packet

struct Endpoints {
  uint32_t client_ip;
  uint32_t server_ip;
  uint16_t client_port;
  uint16_t server_port;
};

class PcapWriter {
 public:
  explicit PcapWriter(const char* path) : file_(std::fopen(path, "wb")) {
    if (!file_) return;
    const uint32_t header[6] = {0xa1b2c3d4, 0x00040002, 0, 0, 65535, kLinktypeRaw};  // v2.4, µs
    std::fwrite(header, sizeof header, 1, file_);
  }
  ~PcapWriter() {
    if (file_) std::fclose(file_);
  }
  bool ok() const { return file_ != nullptr && !std::ferror(file_); }
  void advance(uint64_t microseconds) { tick_ += microseconds; }

  // One TCP segment over IPv4 (no options), timestamps 1 µs apart.
  void segment(const Endpoints& e, bool from_client, uint32_t seq, uint32_t ack, uint8_t flags,
               const std::string& payload) {
    uint8_t packet[40] = {};
    const uint16_t total = static_cast<uint16_t>(40 + payload.size());
    packet[0] = 0x45;
    put16(packet + 2, total);
    packet[8] = 64;  // TTL
    packet[9] = 6;   // TCP
    put32(packet + 12, from_client ? e.client_ip : e.server_ip);
    put32(packet + 16, from_client ? e.server_ip : e.client_ip);
    put16(packet + 20, from_client ? e.client_port : e.server_port);
    put16(packet + 22, from_client ? e.server_port : e.client_port);
    put32(packet + 24, seq);
    put32(packet + 28, ack);
    packet[32] = 5 << 4;  // data offset: 5 words
    packet[33] = flags;
    put16(packet + 34, 65535);  // window
    const uint32_t record[4] = {static_cast<uint32_t>(tick_ / 1'000'000), static_cast<uint32_t>(tick_ % 1'000'000),
                                total, total};
    ++tick_;
    std::fwrite(record, sizeof record, 1, file_);
    std::fwrite(packet, sizeof packet, 1, file_);
    std::fwrite(payload.data(), 1, payload.size(), file_);
  }

 private:
  static void put16(uint8_t* p, uint16_t v) {
    v = htons(v);
    std::memcpy(p, &v, 2);
  }
  static void put32(uint8_t* p, uint32_t v) {
    v = htonl(v);
    std::memcpy(p, &v, 4);
  }
  FILE* file_;
  uint64_t tick_ = 1'700'000'000'000'000ull;
};

constexpr uint8_t kFin = 0x01, kSyn = 0x02, kAck = 0x10, kPsh = 0x08;
constexpr uint32_t kClientIsn = 1000, kServerIsn = 5000;

void handshake(PcapWriter& out, const Endpoints& e) {
  out.segment(e, true, kClientIsn, 0, kSyn, "");
  out.segment(e, false, kServerIsn, kClientIsn + 1, kSyn | kAck, "");
  out.segment(e, true, kClientIsn + 1, kServerIsn + 1, kAck, "");
}

// The start of a TLS handshake record (RFC 8446 §5.1) holding a ClientHello that never completes, so
// the TLS layer keeps the connection and waits for more.
std::string client_hello_start() {
  const uint8_t bytes[] = {0x16, 0x03, 0x01, 0x40, 0x00, 0x01, 0x00, 0x3f, 0xfc, 0x03, 0x03};
  return std::string(reinterpret_cast<const char*>(bytes), sizeof bytes);
}

void half_open(PcapWriter& out, uint64_t count) {
  for (uint64_t i = 0; i < count; ++i) {
    // 10.0.0.0/8 clients, 2^8 ports each: every SYN is a 4-tuple of its own.
    const Endpoints e{0x0a000000u | static_cast<uint32_t>(i >> 8), 0xc0000201u,
                      static_cast<uint16_t>(20000 + (i & 0xff)), 443};
    out.segment(e, true, kClientIsn, 0, kSyn, "");
  }
}

void partial_records(PcapWriter& out, uint64_t count) {
  const std::string first = client_hello_start();
  for (uint64_t i = 0; i < count; ++i) {
    const Endpoints e{0x0a000000u | static_cast<uint32_t>(i >> 8), 0xc0000201u,
                      static_cast<uint16_t>(20000 + (i & 0xff)), 443};
    handshake(out, e);
    out.segment(e, true, kClientIsn + 1, kServerIsn + 1, kAck | kPsh, first);
  }
}

void seq_gap(PcapWriter& out, uint64_t count) {
  const Endpoints e{0x0a000001u, 0xc0000201u, 50000, 443};
  handshake(out, e);
  uint32_t seq = kClientIsn + 1;
  const std::string first = client_hello_start();
  out.segment(e, true, seq, kServerIsn + 1, kAck | kPsh, first);
  seq += static_cast<uint32_t>(first.size());
  const std::string filler(1000, 'x');
  for (uint64_t i = 0; i < count; ++i) {
    seq += (i % 2 == 0) ? 3'000'000'000u : 700'000'000u;  // modulo 2^32, as on the wire
    out.segment(e, true, seq, kServerIsn + 1, kAck | kPsh, filler);
  }
  out.segment(e, true, seq, kServerIsn + 1, kAck | kFin, "");
}

void tiny_out_of_order(PcapWriter& out, uint64_t count) {
  const Endpoints e{0x0a000001u, 0xc0000201u, 50000, 443};
  handshake(out, e);
  const std::string first = client_hello_start();
  const uint32_t data_start = kClientIsn + 1 + static_cast<uint32_t>(first.size());
  // Byte k of the stream after the ClientHello start, highest first; the start itself comes last.
  for (uint64_t k = count; k-- > 0;) {
    out.segment(e, true, data_start + static_cast<uint32_t>(k), kServerIsn + 1, kAck, std::string(1, 'y'));
  }
  out.segment(e, true, kClientIsn + 1, kServerIsn + 1, kAck | kPsh, first);
}

// A TLS record (RFC 8446 §5.1) holding one handshake message.
std::string handshake_record(uint8_t type, const std::string& body) {
  std::string message{static_cast<char>(type), 0, static_cast<char>(body.size() >> 8), static_cast<char>(body.size())};
  message += body;
  std::string record{0x16, 0x03, 0x03, static_cast<char>(message.size() >> 8), static_cast<char>(message.size())};
  return record + message;
}

std::string extension(uint16_t type, const std::string& body) {
  return std::string{static_cast<char>(type >> 8), static_cast<char>(type), static_cast<char>(body.size() >> 8),
                     static_cast<char>(body.size())} + body;
}

std::string with_u16_length(const std::string& body) {
  return std::string{static_cast<char>(body.size() >> 8), static_cast<char>(body.size())} + body;
}

// A ClientHello offering TLS 1.3 with TLS Flags (62) carrying request_client_auth (80): octet 10, bit 0.
std::string flagged_client_hello(uint32_t index) {
  std::string random(32, '\x11');
  std::memcpy(random.data(), &index, sizeof index);  // each connection its own client_random
  std::string flags{11};
  flags += std::string(10, '\0') + '\x01';
  std::string key_share = with_u16_length(std::string{0x00, 0x1d} + with_u16_length(std::string(32, '\x42')));
  std::string extensions = extension(43, std::string{2, 3, 4}) + extension(10, with_u16_length({0x00, 0x1d})) +
                           extension(13, with_u16_length({0x08, 0x04})) + extension(51, key_share) +
                           extension(62, flags);
  std::string body = std::string{3, 3} + random + std::string{0} + with_u16_length({0x13, 0x01}) +
                     std::string{1, 0} + with_u16_length(extensions);
  return handshake_record(1, body);
}

// ServerHello selecting TLS 1.3, then a record nobody has the keys for.
std::string server_flight() {
  std::string key_share = std::string{0x00, 0x1d} + with_u16_length(std::string(32, '\x43'));
  std::string extensions = extension(43, std::string{3, 4}) + extension(51, key_share);
  std::string body = std::string{3, 3} + std::string(32, '\x33') + std::string{0} + std::string{0x13, 0x01, 0} +
                     with_u16_length(extensions);
  std::string encrypted{0x17, 0x03, 0x03, 0x00, 0x40};
  return handshake_record(2, body) + encrypted + std::string(0x40, '\x5a');
}

struct ShortConnection {
  Endpoints e;
  std::string hello;
  uint32_t client_end = 0, server_end = 0;
};

ShortConnection short_connection(uint64_t i, const std::string& server_bytes) {
  ShortConnection c;
  c.e = {0x0a000000u | static_cast<uint32_t>(i >> 14), 0xc0000201u, static_cast<uint16_t>(20000 + (i & 0x3fff)), 443};
  c.hello = flagged_client_hello(static_cast<uint32_t>(i));
  c.client_end = kClientIsn + 1 + static_cast<uint32_t>(c.hello.size());
  c.server_end = kServerIsn + 1 + static_cast<uint32_t>(server_bytes.size());
  return c;
}

void opening(PcapWriter& out, const ShortConnection& c) {
  handshake(out, c.e);
  out.segment(c.e, true, kClientIsn + 1, kServerIsn + 1, kAck | kPsh, c.hello);
}

void ending(PcapWriter& out, const ShortConnection& c, const std::string& server_bytes) {
  out.segment(c.e, false, kServerIsn + 1, c.client_end, kAck | kPsh, server_bytes);
  out.segment(c.e, true, c.client_end, c.server_end, kAck | kFin, "");
  out.segment(c.e, false, c.server_end, c.client_end + 1, kAck | kFin, "");
  out.segment(c.e, true, c.client_end + 1, c.server_end + 1, kAck, "");
}

void held(PcapWriter& out, uint64_t count) {
  for (uint64_t i = 0; i < count; ++i) {
    const Endpoints e{0x0a000000u | static_cast<uint32_t>(i >> 14), 0xc0000201u,
                      static_cast<uint16_t>(20000 + (i & 0x3fff)), 443};
    handshake(out, e);
    out.segment(e, true, kClientIsn + 1, kServerIsn + 1, kAck | kPsh, flagged_client_hello(static_cast<uint32_t>(i)));
  }
  const Endpoints filler{0x0b000001u, 0xc0000202u, 40000, 80};
  for (uint32_t i = 0; i < 3'000'000; ++i) out.segment(filler, true, kClientIsn + i * 100'000u, 0, kSyn, "");
}

// In pairs: the second connection of a pair opens after the first and ends before it, so connections
// end in another order than they start (the report's order is by start).
void sequential(PcapWriter& out, uint64_t count) {
  const std::string server_bytes = server_flight();
  for (uint64_t i = 0; i < count; i += 2) {
    const ShortConnection first = short_connection(i, server_bytes);
    opening(out, first);
    if (i + 1 < count) {
      const ShortConnection second = short_connection(i + 1, server_bytes);
      opening(out, second);
      ending(out, second, server_bytes);
    }
    ending(out, first, server_bytes);
    out.advance(200'000);
  }
}

// Connections whose Timelines hit the TLS layer's bounds: each client sends its ClientHello, its server
// 20 warning alerts (8 are recorded), then the client 1,500 end_of_early_data messages in one record
// (past 1000 message events its direction is cut).
void storms(PcapWriter& out, uint64_t count) {
  for (uint64_t i = 0; i < count; ++i) {
    const Endpoints e{0x0a000000u | static_cast<uint32_t>(i >> 14), 0xc0000201u,
                      static_cast<uint16_t>(20000 + (i & 0x3fff)), 443};
    const std::string hello = flagged_client_hello(static_cast<uint32_t>(i));
    std::string messages;
    for (int m = 0; m < 1500; ++m) messages += std::string{5, 0, 0, 0};
    const std::string storm = std::string{0x16, 0x03, 0x03, static_cast<char>(messages.size() >> 8),
                                          static_cast<char>(messages.size())} + messages;
    std::string alerts;
    for (int a = 0; a < 20; ++a) alerts += std::string{1, 90};  // warning user_canceled
    const std::string server = std::string{0x15, 0x03, 0x03, 0, static_cast<char>(alerts.size())} + alerts;
    const uint32_t storm_start = kClientIsn + 1 + static_cast<uint32_t>(hello.size());
    const uint32_t client_end = storm_start + static_cast<uint32_t>(storm.size());
    const uint32_t server_end = kServerIsn + 1 + static_cast<uint32_t>(server.size());
    handshake(out, e);
    out.segment(e, true, kClientIsn + 1, kServerIsn + 1, kAck | kPsh, hello);
    out.segment(e, false, kServerIsn + 1, storm_start, kAck | kPsh, server);
    out.segment(e, true, storm_start, server_end, kAck | kPsh, storm);
    out.segment(e, true, client_end, server_end, kAck | kFin, "");
    out.segment(e, false, server_end, client_end + 1, kAck | kFin, "");
    out.segment(e, true, client_end + 1, server_end + 1, kAck, "");
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: make_hostile_capture half-open|partial-records|seq-gap|tiny-ooo|sequential|held|storms N OUT\n";
    return 2;
  }
  const std::string kind = argv[1];
  const uint64_t count = std::stoull(argv[2]);
  PcapWriter out(argv[3]);
  if (kind == "half-open") {
    half_open(out, count);
  } else if (kind == "seq-gap") {
    seq_gap(out, count);
  } else if (kind == "tiny-ooo") {
    tiny_out_of_order(out, count);
  } else if (kind == "sequential") {
    sequential(out, count);
  } else if (kind == "partial-records") {
    partial_records(out, count);
  } else if (kind == "held") {
    held(out, count);
  } else if (kind == "storms") {
    storms(out, count);
  } else {
    std::cerr << "make_hostile_capture: unknown kind " << kind << '\n';
    return 2;
  }
  if (!out.ok()) {
    std::cerr << "make_hostile_capture: cannot write " << argv[3] << '\n';
    return 1;
  }
  return 0;
}
