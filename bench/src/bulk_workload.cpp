// W2: a few TLS 1.3 connections (flagged client, echoing server, client certificate) that then carry
// HTTP/1.1 responses in full 16 KiB records, encrypted by OpenSSL and written straight to a pcap.
#include "workloads.hpp"

#include "endpoints.hpp"
#include "packets.hpp"
#include "pcap_stream.hpp"
#include "pki.hpp"
#include "scenarios.hpp"
#include "tcp_trace.hpp"

#include <openssl/bio.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace tlsbench {
namespace {

using namespace tlsgen;

constexpr std::uint64_t kBaseTimeUs = 1704067200ull * 1000000;
constexpr std::uint64_t kOneWayUs = 100;  // link delay between the flights of the handshake
constexpr std::size_t kPlaintextRecord = 16384;  // RFC 8446 §5.1: the largest record, as servers send bulk

void require(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("bulk workload: ") + what);
}

// One OpenSSL endpoint over memory BIOs.
class Peer {
 public:
  Peer(SSL_CTX* ctx, EndpointState& state) : state_(state), ssl_(make_endpoint(ctx, state)) {
    BIO* inbox = BIO_new(BIO_s_mem());
    BIO* outbox = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(inbox, -1);  // empty means "wait", not end of stream
    SSL_set_bio(ssl_.get(), inbox, outbox);
  }

  SSL* ssl() { return ssl_.get(); }
  bool handshake_done() const { return done_; }

  void step_handshake() {
    if (done_) return;
    const int ret = SSL_do_handshake(ssl_.get());
    if (ret == 1) done_ = true;
    else require(SSL_get_error(ssl_.get(), ret) == SSL_ERROR_WANT_READ, "handshake failed");
  }

  void deliver(const Bytes& bytes) { BIO_write(SSL_get_rbio(ssl_.get()), bytes.data(), static_cast<int>(bytes.size())); }

  // What the endpoint wrote since the last call.
  Bytes drain() {
    state_.written.clear();  // the generator's record notes: not needed here, and they would pile up
    BIO* outbox = SSL_get_wbio(ssl_.get());
    Bytes bytes(static_cast<std::size_t>(BIO_ctrl_pending(outbox)));
    if (!bytes.empty()) require(BIO_read(outbox, bytes.data(), static_cast<int>(bytes.size())) == static_cast<int>(bytes.size()), "BIO_read");
    return bytes;
  }

  void write(const std::uint8_t* data, std::size_t size) {
    require(SSL_write(ssl_.get(), data, static_cast<int>(size)) == static_cast<int>(size), "SSL_write");
  }

  std::size_t read_all() {
    std::size_t total = 0;
    char buffer[4096];
    for (int n; (n = SSL_read(ssl_.get(), buffer, sizeof buffer)) > 0;) total += static_cast<std::size_t>(n);
    return total;
  }

 private:
  EndpointState& state_;
  SslPtr ssl_;
  bool done_ = false;
};

// The TCP side of one connection: sequence numbers, MSS-sized segments, the client's ACKs.
class Wire {
 public:
  Wire(const Addressing& addressing, std::uint32_t isn, PcapStream& pcap, std::uint64_t& clock, const BulkWorkload& workload)
      : framer_(addressing), pcap_(pcap), clock_(clock), mss_(workload.mss), ack_every_(workload.ack_every) {
    next_seq_[0] = isn;
    next_seq_[1] = ~isn;
  }

  void open() {
    emit(Side::client, tcp_flag::syn, {}, static_cast<std::uint16_t>(mss_));
    emit(Side::server, tcp_flag::syn | tcp_flag::ack, {}, static_cast<std::uint16_t>(mss_));
    emit(Side::client, tcp_flag::ack, {});
  }

  // Bytes one side wrote, cut into segments; the receiver acknowledges every ack_every-th one.
  void send(Side from, const Bytes& bytes) {
    for (std::size_t at = 0; at < bytes.size(); at += mss_) {
      const std::size_t size = std::min(mss_, bytes.size() - at);
      const bool last = at + size == bytes.size();
      emit(from, tcp_flag::ack | (last ? tcp_flag::psh : 0), Bytes(bytes.begin() + at, bytes.begin() + at + size));
      if (++unacknowledged_ % ack_every_ == 0) emit(other(from), tcp_flag::ack, {});
    }
  }

  void close() {
    emit(Side::client, tcp_flag::fin | tcp_flag::ack, {});
    emit(Side::server, tcp_flag::fin | tcp_flag::ack, {});
    emit(Side::client, tcp_flag::ack, {});
  }

 private:
  static Side other(Side side) { return side == Side::client ? Side::server : Side::client; }
  static int index_of(Side side) { return side == Side::client ? 0 : 1; }

  void emit(Side from, std::uint8_t flags, Bytes payload, std::uint16_t mss_option = 0) {
    Segment segment;
    segment.from = from;
    segment.flags = flags;
    segment.seq = next_seq_[index_of(from)];
    segment.ack = (flags & tcp_flag::ack) ? next_seq_[1 - index_of(from)] : 0;
    segment.mss_option = mss_option;
    segment.time_us = ++clock_;  // about 10 Gbit/s for full segments
    next_seq_[index_of(from)] += static_cast<std::uint32_t>(payload.size()) + ((flags & (tcp_flag::syn | tcp_flag::fin)) ? 1 : 0);
    segment.payload = std::move(payload);
    pcap_.write(segment.time_us, framer_.frame(segment));
  }

  Framer framer_;
  PcapStream& pcap_;
  std::uint64_t& clock_;
  std::size_t mss_;
  unsigned ack_every_;
  std::uint32_t next_seq_[2];
  std::uint64_t unacknowledged_ = 0;
};

// One connection: handshake, then request/response exchanges, then close_notify both ways and FINs.
class BulkConnection {
 public:
  BulkConnection(const TestPki& pki, std::size_t index, PcapStream& pcap, std::uint64_t& clock, const BulkWorkload& workload)
      : client_state_{.side = Side::client, .knobs = &knobs_, .options = &options_, .keylog = &keylog_},
        server_state_{.side = Side::server, .knobs = &knobs_, .options = &options_, .keylog = &keylog_},
        client_ctx_(make_client_context(pki, client_state_)),
        server_ctx_(make_server_context(pki, server_state_)),
        client_(client_ctx_.get(), client_state_),
        server_(server_ctx_.get(), server_state_),
        wire_(addressing_for(index), static_cast<std::uint32_t>(0x10000000u + index * 0x01000000u), pcap, clock, workload),
        clock_(clock) {}

  void handshake() {
    wire_.open();
    while (!client_.handshake_done() || !server_.handshake_done()) {
      client_.step_handshake();
      pass(client_, server_, Side::client);
      server_.step_handshake();
      pass(server_, client_, Side::server);
    }
    // The server's NewSessionTicket goes out with its first write; the client need not read it.
  }

  void exchange(std::uint64_t body_bytes, std::size_t number) {
    const std::string request = "GET /blob/" + std::to_string(number) +
                                " HTTP/1.1\r\nHost: server.example\r\nUser-Agent: tlsflags-bench\r\n\r\n";
    client_.write(reinterpret_cast<const std::uint8_t*>(request.data()), request.size());
    pass(client_, server_, Side::client);
    require(server_.read_all() == request.size(), "the server read a different request");
    send_response(body_bytes);
  }

  void close() {
    SSL_shutdown(server_.ssl());
    wire_.send(Side::server, server_.drain());
    SSL_shutdown(client_.ssl());
    wire_.send(Side::client, client_.drain());
    wire_.close();
  }

  const std::vector<std::string>& keylog() const { return keylog_; }

 private:
  static Addressing addressing_for(std::size_t index) {
    return documentation_addresses(false, std::nullopt, static_cast<std::uint16_t>(50000 + index));
  }

  // What `from` wrote goes on the wire and to its peer.
  void pass(Peer& from, Peer& to, Side side) {
    const Bytes bytes = from.drain();
    if (bytes.empty()) return;
    clock_ += kOneWayUs;
    wire_.send(side, bytes);
    to.deliver(bytes);
  }

  // Header and body as one byte stream, written a full record at a time; the client never reads it.
  void send_response(std::uint64_t body_bytes) {
    const std::string header = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " +
                               std::to_string(body_bytes) + "\r\n\r\n";
    std::vector<std::uint8_t> record(kPlaintextRecord, 'x');
    std::copy(header.begin(), header.end(), record.begin());
    std::uint64_t left = header.size() + body_bytes;
    while (left > 0) {
      const std::size_t size = static_cast<std::size_t>(std::min<std::uint64_t>(left, kPlaintextRecord));
      server_.write(record.data(), size);
      wire_.send(Side::server, server_.drain());
      if (left == header.size() + body_bytes) std::fill(record.begin(), record.begin() + header.size(), 'x');
      left -= size;
    }
  }

  ConnectionKnobs knobs_{};  // the baseline: flagged client, echoing server, client certificate
  GenOptions options_{};
  std::vector<std::string> keylog_;
  EndpointState client_state_, server_state_;
  SslCtxPtr client_ctx_, server_ctx_;
  Peer client_, server_;
  Wire wire_;
  std::uint64_t& clock_;
};

}  // namespace

void write_bulk_workload(const BulkWorkload& workload) {
  const std::filesystem::path dir(workload.out_dir);
  std::filesystem::create_directories(dir);
  const TestPki pki = make_test_pki();
  PcapStream pcap((dir / "w2.pcap").string());
  std::uint64_t clock = kBaseTimeUs;
  std::vector<std::unique_ptr<BulkConnection>> connections;
  for (std::size_t i = 0; i < workload.connections; ++i) {
    connections.push_back(std::make_unique<BulkConnection>(pki, i, pcap, clock, workload));
    connections.back()->handshake();
  }
  // Responses in turn on each connection until the bodies add up to the total.
  std::uint64_t sent = 0;
  for (std::size_t n = 0; sent < workload.body_bytes; ++n) {
    const std::uint64_t body = std::min<std::uint64_t>(workload.response_bytes, workload.body_bytes - sent);
    connections[n % connections.size()]->exchange(body, n);
    sent += body;
  }
  std::set<std::string> keylog;
  for (const auto& connection : connections) {
    connection->close();
    keylog.insert(connection->keylog().begin(), connection->keylog().end());
  }
  pcap.close();
  std::ofstream keys(dir / "w2.keys");
  for (const std::string& line : keylog) keys << line << '\n';
  std::ofstream info(dir / "w2.info");
  info << "connections\t" << workload.connections << "\nbody_bytes\t" << sent << "\nframes\t" << pcap.frames()
       << "\nbytes\t" << pcap.bytes() << '\n';
  if (!keys || !info) throw std::runtime_error("cannot write the W2 key log or info");
  std::printf("W2: %zu connections, %llu body bytes, %llu frames, %llu bytes\n", workload.connections,
              static_cast<unsigned long long>(sent), static_cast<unsigned long long>(pcap.frames()),
              static_cast<unsigned long long>(pcap.bytes()));
}

}  // namespace tlsbench
