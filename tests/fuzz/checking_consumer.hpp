// A StreamConsumer that checks the capture layer keeps the seam's contract (stream_consumer.hpp) while
// the fuzzer drives it: secrets come before the first connection, the capture start once before it; an id is opened once, used only while
// open, and closed exactly once; positions never go back; gaps are never empty. It reads every delivered
// byte, so ASan checks each span handed over. A harness may add its own checks through the hooks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <numeric>
#include <set>
#include <span>
#include <string_view>

#include "check.hpp"
#include "tlsflags/capture/stream_consumer.hpp"

namespace tlsflags::fuzz {

class CheckingConsumer : public capture::StreamConsumer {
 public:
  using ConnectionId = capture::ConnectionId;
  using StreamPosition = capture::StreamPosition;

  struct Connection {
    Endpoint client;
    Endpoint server;
    bool saw_syn = false;
    bool closed = false;
    uint64_t delivered[2] = {0, 0};  // bytes handed over, per Party
  };

  void on_secrets(std::string_view text) override {
    FUZZ_CHECK(connections_.empty());  // every DSB comes before the first packet
    secrets_bytes_ += text.size();
  }
  void on_capture_start(double) override {
    FUZZ_CHECK(!capture_started_ && connections_.empty());  // once, before the first packet
    capture_started_ = true;
  }
  void on_open(ConnectionId id, const Endpoint& client, const Endpoint& server, bool saw_syn,
               StreamPosition at) override {
    advance(at);
    FUZZ_CHECK(connections_.count(id) == 0);
    connections_[id] = {client, server, saw_syn};
    ++opened_;
  }
  size_t on_data(ConnectionId id, Party from, std::span<const uint8_t> data, StreamPosition at) override {
    Connection& c = open_connection(id, at);
    // Touch every byte: a span into freed or foreign memory shows up here.
    checksum_ = std::accumulate(data.begin(), data.end(), checksum_);
    c.delivered[static_cast<int>(from)] += data.size();
    return data_hook(id, from, data);
  }
  void on_gap(ConnectionId id, Party from, uint64_t missing_bytes, StreamPosition at) override {
    open_connection(id, at);
    FUZZ_CHECK(missing_bytes > 0);
    ++gaps_;
    gap_bytes_ += missing_bytes;
    gap_hook(id, from, missing_bytes);
  }
  void on_fin(ConnectionId id, Party, StreamPosition at) override { open_connection(id, at); }
  void on_rst(ConnectionId id, Party, StreamPosition at) override { open_connection(id, at); }
  void on_close(ConnectionId id, bool, StreamPosition at) override {
    open_connection(id, at).closed = true;
    ++closed_;
  }

  // After the producer is done: every connection it opened, it closed.
  void check_all_closed() const { FUZZ_CHECK(opened_ == closed_); }

  const std::map<ConnectionId, Connection>& connections() const { return connections_; }
  uint64_t opened() const { return opened_; }
  uint64_t gaps() const { return gaps_; }
  uint64_t gap_bytes() const { return gap_bytes_; }

 protected:
  // What on_data returns (bytes to skip after the chunk); 0 unless a harness says otherwise.
  virtual size_t data_hook(ConnectionId, Party, std::span<const uint8_t>) { return 0; }
  virtual void gap_hook(ConnectionId, Party, uint64_t) {}

 private:
  void advance(StreamPosition at) {
    FUZZ_CHECK(at.frame >= last_frame_);
    last_frame_ = at.frame;
  }
  Connection& open_connection(ConnectionId id, StreamPosition at) {
    advance(at);
    auto it = connections_.find(id);
    FUZZ_CHECK(it != connections_.end());
    FUZZ_CHECK(!it->second.closed);
    return it->second;
  }

  std::map<ConnectionId, Connection> connections_;
  uint64_t opened_ = 0;
  uint64_t closed_ = 0;
  uint64_t gaps_ = 0;
  uint64_t gap_bytes_ = 0;
  uint64_t last_frame_ = 0;
  size_t secrets_bytes_ = 0;
  bool capture_started_ = false;
  uint8_t checksum_ = 0;
};

}  // namespace tlsflags::fuzz
