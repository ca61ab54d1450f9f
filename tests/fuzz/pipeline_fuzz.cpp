// Fuzzes the analyser's whole pipeline as tlsflags-check runs it: a capture file (the input, through a
// memfd) → read_capture → the TLS layer's ConnectionTracker → judge() and judge_across_connections().
// The key logs of the committed captures (captures/*.keys) are loaded once, so mutations of a committed
// capture that keep its client random still decrypt, and the fuzzer reaches the encrypted handshake of
// real OpenSSL connections; secrets in a pcapng DSB are used as the CLI uses them.
//
// Invariants: those of capture_file_fuzz.cpp for the seam (the tracker sits behind a checking consumer),
// the tracker keeps nothing once the capture is read, one Timeline per TLS connection, and the rules
// invariants over every Timeline (judgement_checks.hpp).
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

#include "check.hpp"
#include "checking_consumer.hpp"
#include "judgement_checks.hpp"
#include "memory_file.hpp"
#include "tlsflags/capture/capture_reader.hpp"
#include "tlsflags/tls/connection_tracker.hpp"
#include "tlsflags/tls/keylog.hpp"

namespace tlsflags::fuzz {
namespace {

tls::KeyLog& committed_keys() {
  static tls::KeyLog keys;
  return keys;
}

// Checks the seam, then hands everything on to the tracker.
class CheckedTracker : public CheckingConsumer {
 public:
  explicit CheckedTracker(tls::ConnectionTracker& tracker) : tracker_(tracker) {}

  void on_secrets(std::string_view text) override {
    CheckingConsumer::on_secrets(text);
    tracker_.on_secrets(text);
  }
  void on_capture_start(double epoch_seconds) override {
    CheckingConsumer::on_capture_start(epoch_seconds);
    tracker_.on_capture_start(epoch_seconds);
  }
  void on_open(ConnectionId id, const Endpoint& client, const Endpoint& server, bool saw_syn,
               StreamPosition at) override {
    CheckingConsumer::on_open(id, client, server, saw_syn, at);
    tracker_.on_open(id, client, server, saw_syn, at);
  }
  void on_fin(ConnectionId id, Party from, StreamPosition at) override {
    CheckingConsumer::on_fin(id, from, at);
    tracker_.on_fin(id, from, at);
  }
  void on_rst(ConnectionId id, Party from, StreamPosition at) override {
    CheckingConsumer::on_rst(id, from, at);
    tracker_.on_rst(id, from, at);
  }
  void on_close(ConnectionId id, bool capture_ended, StreamPosition at) override {
    CheckingConsumer::on_close(id, capture_ended, at);
    tracker_.on_close(id, capture_ended, at);
  }

 protected:
  size_t data_hook(ConnectionId id, Party from, std::span<const uint8_t> data) override {
    return tracker_.on_data(id, from, data, position_);
  }
  void gap_hook(ConnectionId id, Party from, uint64_t missing) override {
    tracker_.on_gap(id, from, missing, position_);
  }

 public:
  size_t on_data(ConnectionId id, Party from, std::span<const uint8_t> data, StreamPosition at) override {
    position_ = at;
    return CheckingConsumer::on_data(id, from, data, at);
  }
  void on_gap(ConnectionId id, Party from, uint64_t missing, StreamPosition at) override {
    position_ = at;
    CheckingConsumer::on_gap(id, from, missing, at);
  }

 private:
  tls::ConnectionTracker& tracker_;
  StreamPosition position_;
};

}  // namespace
}  // namespace tlsflags::fuzz

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  namespace fs = std::filesystem;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(TLSFLAGS_CAPTURES_DIR, error))
    if (entry.path().extension() == ".keys") tlsflags::fuzz::committed_keys().add_file(entry.path().string());
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tlsflags;
  using namespace tlsflags::fuzz;
  std::vector<uint8_t> input(data, data + size);
  MemoryFile file(input);
  std::vector<Timeline> timelines;
  {
    tls::ConnectionTracker tracker({.file = "fuzz.pcapng"}, [&](Timeline&& t) { timelines.push_back(std::move(t)); },
                                   &committed_keys());
    CheckedTracker consumer(tracker);
    capture::CaptureOptions options;
    options.limits.max_connections = 4;
    options.limits.max_out_of_order_bytes_per_direction = 4096;
    capture::ReadResult result = capture::read_capture(file.path(), consumer, options);
    consumer.check_all_closed();
    FUZZ_CHECK(result.connections == consumer.opened());
    FUZZ_CHECK(tracker.open_connections() == 0);
    FUZZ_CHECK(tracker.stats().tls_connections == timelines.size());
    FUZZ_CHECK(timelines.size() <= consumer.opened());
  }
  RuleConfig config;
  std::vector<const Timeline*> pointers;
  for (const Timeline& t : timelines) {
    judge_and_check(t, config);
    pointers.push_back(&t);
  }
  for (const CrossConnectionFinding& c : judge_across_connections(pointers, config))
    FUZZ_CHECK(c.connection_index < timelines.size());
  return 0;
}
