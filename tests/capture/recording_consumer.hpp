// A StreamConsumer that writes down everything it is told, for the tests.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tlsflags/capture/stream_consumer.hpp"

namespace tlsflags::capture::testing {

class RecordingConsumer : public StreamConsumer {
 public:
  // One line per call: "open 1 10.0.0.1:50000 10.0.0.2:443 syn @1", "data 1 client 5 @3",
  // "gap 1 server 4 @6", "fin 1 client @7", "rst 1 server @8", "close 1 @9", "close 1 ended @9".
  std::vector<std::string> log;
  // Each direction's stream as delivered; a gap shows as "<gap N>".
  std::map<std::pair<ConnectionId, Party>, std::string> streams;
  std::vector<std::string> secrets;
  size_t secrets_before_first_open = 0;
  std::map<ConnectionId, std::pair<Endpoint, Endpoint>> endpoints;
  std::map<ConnectionId, bool> saw_syn;
  std::map<ConnectionId, uint64_t> last_segment;  // on_last_segment's frame
  double last_time = -1;  // the time of the last call's position
  std::vector<double> capture_starts;  // every on_capture_start
  // What on_data returns (how many following bytes to skip); 0 when unset.
  std::function<size_t(ConnectionId, Party, std::span<const uint8_t>)> skip_after;

  std::string stream(ConnectionId id, Party from) const {
    const auto it = streams.find({id, from});
    return it == streams.end() ? std::string() : it->second;
  }
  size_t count(const std::string& prefix) const {
    size_t n = 0;
    for (const auto& line : log) n += line.rfind(prefix, 0) == 0 ? 1 : 0;
    return n;
  }

  void on_secrets(std::string_view text) override {
    secrets.emplace_back(text);
    if (endpoints.empty()) secrets_before_first_open = secrets.size();
  }
  void on_capture_start(double epoch_seconds) override { capture_starts.push_back(epoch_seconds); }
  void on_open(ConnectionId id, const Endpoint& client, const Endpoint& server, bool syn, StreamPosition at) override {
    endpoints[id] = {client, server};
    saw_syn[id] = syn;
    log.push_back("open " + std::to_string(id) + " " + client.to_string() + " " + server.to_string() +
                  (syn ? " syn" : " mid") + at_text(at));
  }
  size_t on_data(ConnectionId id, Party from, std::span<const uint8_t> data, StreamPosition at) override {
    streams[{id, from}].append(reinterpret_cast<const char*>(data.data()), data.size());
    log.push_back("data " + head(id, from) + " " + std::to_string(data.size()) + at_text(at));
    return skip_after ? skip_after(id, from, data) : 0;
  }
  void on_gap(ConnectionId id, Party from, uint64_t missing, StreamPosition at) override {
    streams[{id, from}] += "<gap " + std::to_string(missing) + ">";
    log.push_back("gap " + head(id, from) + " " + std::to_string(missing) + at_text(at));
  }
  void on_fin(ConnectionId id, Party from, StreamPosition at) override {
    log.push_back("fin " + head(id, from) + at_text(at));
  }
  void on_rst(ConnectionId id, Party from, StreamPosition at) override {
    log.push_back("rst " + head(id, from) + at_text(at));
  }
  void on_last_segment(ConnectionId id, StreamPosition last) override { last_segment[id] = last.frame; }
  void on_close(ConnectionId id, bool capture_ended, StreamPosition at) override {
    log.push_back("close " + std::to_string(id) + (capture_ended ? " ended" : "") + at_text(at));
  }

 private:
  static std::string head(ConnectionId id, Party from) {
    return std::to_string(id) + (from == Party::client ? " client" : " server");
  }
  std::string at_text(StreamPosition at) {
    last_time = at.time;
    return " @" + std::to_string(at.frame);
  }
};

}  // namespace tlsflags::capture::testing
