// W1 (one capture, many interleaved handshakes) and W3 (the same handshakes cut into many small files).
#include "workloads.hpp"

#include "capture_file.hpp"
#include "conversation.hpp"
#include "packets.hpp"
#include "pcap_stream.hpp"
#include "pki.hpp"
#include "scenarios.hpp"
#include "tcp_trace.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <queue>
#include <stdexcept>
#include <thread>
#include <vector>

namespace tlsbench {
namespace {

using namespace tlsgen;

constexpr std::uint64_t kBaseTimeUs = 1704067200ull * 1000000;  // 2024-01-01, as tlsflags-gen uses
constexpr std::size_t kBatch = 1024;  // connections generated in parallel before they are written

// The behaviours of W1, cycled through in this order. Each is a one-connection scenario whose expected
// verdict captures/catalogue.tsv states (bench/run.sh checks the analyser against it).
constexpr std::string_view kMix[] = {
    "rca-echo-pass",                     // flagged, echoed, client certificate
    "rca-echo-with-flag8",               // flags 8 and 80, 80 echoed
    "rca-empty-certificate",             // echoed, empty client Certificate
    "flags-unsolicited-in-ee-ignored",   // unsolicited echo of flag 8 in EncryptedExtensions
    "rca-echo-pass",
    "rca-ack-without-request-accepted",  // unsolicited request_client_auth in CR, accepted
    "rca-cr-without-ack",                // flagged, CR without the echo
    "no-flags",                          // no TLS Flags at all
    "rca-not-requested",                 // flagged, no CertificateRequest
    "rca-echo-pass",
};
constexpr std::size_t kMixSize = std::size(kMix);

struct Connection {
  std::size_t index = 0;
  std::string_view scenario;
  std::vector<CapturedFrame> frames;
  std::vector<std::string> keylog;
};

std::uint64_t start_of(std::size_t index, const HandshakeWorkload& workload) {
  return kBaseTimeUs + index * workload.spacing_us;
}

// A 4-tuple of its own for every connection: clients 10.x.y.z, one server 198.51.100.20:443.
Addressing addressing_for(std::size_t index) {
  Addressing addressing = documentation_addresses(false, std::nullopt, static_cast<std::uint16_t>(40000 + index % 20000));
  addressing.client_ip = {10, static_cast<std::uint8_t>(index >> 16), static_cast<std::uint8_t>(index >> 8),
                          static_cast<std::uint8_t>(index)};
  return addressing;
}

Connection make_connection(const TestPki& pki, const HandshakeWorkload& workload, std::size_t index) {
  Connection connection;
  connection.index = index;
  connection.scenario = kMix[index % kMixSize];
  const Scenario* scenario = find_scenario(connection.scenario);
  if (scenario == nullptr) throw std::runtime_error("scenario missing from captures/gen: " + std::string(connection.scenario));
  const ConnectionKnobs& knobs = scenario->connections.front();
  ResumptionCache no_resumption;  // each bench connection is a full handshake
  const Conversation conversation = run_conversation(pki, knobs, GenOptions{}, no_resumption);
  const auto isn = static_cast<std::uint32_t>(index * 2654435761u);
  const auto segments = build_tcp_trace(conversation, knobs.wire, {start_of(index, workload), isn, ~isn});
  Framer framer(addressing_for(index));
  for (const Segment& segment : segments) connection.frames.push_back({segment.time_us, framer.frame(segment)});
  connection.keylog = conversation.keylog;
  return connection;
}

// Runs the OpenSSL peers of a batch on every thread; the results come back in index order.
std::vector<Connection> make_batch(const TestPki& pki, const HandshakeWorkload& workload, std::size_t first,
                                   std::size_t count) {
  std::vector<Connection> batch(count);
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t i = next++; i < count; i = next++) batch[i] = make_connection(pki, workload, first + i);
  };
  std::vector<std::jthread> threads;
  for (unsigned t = 1; t < std::max(1u, workload.threads); ++t) threads.emplace_back(work);
  work();
  threads.clear();  // joins
  return batch;
}

// W1: frames of all connections merged in time order. A connection's frames all come after its start,
// and starts increase, so everything older than the newest start can be written out.
class InterleavedCapture {
 public:
  InterleavedCapture(const std::string& pcap, const std::string& keys) : pcap_(pcap), keys_(keys) {
    if (!keys_) throw std::runtime_error("cannot create " + keys);
  }

  void add(const Connection& connection, std::uint64_t start_us) {
    for (std::size_t i = 0; i < connection.frames.size(); ++i)
      pending_.push({connection.frames[i].time_us, connection.index, i, connection.frames[i].data});
    for (const std::string& line : connection.keylog) keys_ << line << '\n';
    note_lifetime(connection, start_us);
    flush_before(start_us + 1);
  }

  void finish() {
    flush_before(UINT64_MAX);
    pcap_.close();
    keys_.close();
    if (!keys_) throw std::runtime_error("cannot write the W1 key log");
  }

  std::uint64_t frames() const { return pcap_.frames(); }
  std::uint64_t bytes() const { return pcap_.bytes(); }
  std::size_t peak_open() const { return peak_open_; }

 private:
  struct Pending {
    std::uint64_t time_us;
    std::size_t connection, frame;
    Bytes data;
    bool operator>(const Pending& other) const {
      return std::tie(time_us, connection, frame) > std::tie(other.time_us, other.connection, other.frame);
    }
  };

  void flush_before(std::uint64_t time_us) {
    while (!pending_.empty() && pending_.top().time_us < time_us) {
      pcap_.write(pending_.top().time_us, pending_.top().data);
      pending_.pop();
    }
  }

  // Connections whose first frame came before this one's and whose last frame comes after it are open.
  void note_lifetime(const Connection& connection, std::uint64_t start_us) {
    while (!ends_.empty() && ends_.top() < start_us) ends_.pop();
    ends_.push(connection.frames.empty() ? start_us : connection.frames.back().time_us);
    peak_open_ = std::max(peak_open_, ends_.size());
  }

  PcapStream pcap_;
  std::ofstream keys_;
  std::priority_queue<Pending, std::vector<Pending>, std::greater<>> pending_;
  std::priority_queue<std::uint64_t, std::vector<std::uint64_t>, std::greater<>> ends_;
  std::size_t peak_open_ = 0;
};

// W3: consecutive connections of the pool in one pcapng file each, secrets in its DSB.
class SmallFiles {
 public:
  SmallFiles(const std::string& dir, const HandshakeWorkload& workload) : dir_(dir), workload_(workload) {
    per_file_ = std::max<std::size_t>(1, workload.connections / std::max<std::size_t>(1, workload.files));
    if (workload.files > 0) std::filesystem::create_directories(dir);
  }

  void add(const Connection& connection) {
    if (workload_.files == 0) return;
    frames_.insert(frames_.end(), connection.frames.begin(), connection.frames.end());
    for (const std::string& line : connection.keylog) keylog_ += line + '\n';
    const std::size_t file = file_of(connection.index);
    const bool last_of_file = connection.index + 1 == workload_.connections || file_of(connection.index + 1) != file;
    if (last_of_file) write(file);
  }

 private:
  std::size_t file_of(std::size_t index) const { return std::min(index / per_file_, workload_.files - 1); }

  void write(std::size_t file) {
    std::stable_sort(frames_.begin(), frames_.end(),
                     [](const CapturedFrame& a, const CapturedFrame& b) { return a.time_us < b.time_us; });
    char name[32];
    std::snprintf(name, sizeof name, "capture-%03zu.pcapng", file);
    write_pcapng((std::filesystem::path(dir_) / name).string(), frames_, keylog_);
    frames_.clear();
    keylog_.clear();
  }

  std::string dir_;
  const HandshakeWorkload& workload_;
  std::size_t per_file_ = 1;
  std::vector<CapturedFrame> frames_;
  std::string keylog_;
};

void write_mix(const std::string& path, const std::map<std::string_view, std::size_t>& counts) {
  std::ofstream out(path);
  for (const auto& [scenario, count] : counts) out << scenario << '\t' << count << '\n';
  if (!out) throw std::runtime_error("cannot write " + path);
}

}  // namespace

void write_handshake_workload(const HandshakeWorkload& workload) {
  const std::filesystem::path dir(workload.out_dir);
  std::filesystem::create_directories(dir);
  const TestPki pki = make_test_pki();
  InterleavedCapture w1((dir / "w1.pcap").string(), (dir / "w1.keys").string());
  SmallFiles w3((dir / "w3").string(), workload);
  std::map<std::string_view, std::size_t> mix;
  for (std::size_t first = 0; first < workload.connections; first += kBatch) {
    const std::size_t count = std::min(kBatch, workload.connections - first);
    for (const Connection& connection : make_batch(pki, workload, first, count)) {
      w1.add(connection, start_of(connection.index, workload));
      w3.add(connection);
      ++mix[connection.scenario];
    }
  }
  w1.finish();
  write_mix((dir / "w1.mix.tsv").string(), mix);
  std::ofstream info(dir / "w1.info");
  info << "connections\t" << workload.connections << "\nframes\t" << w1.frames() << "\nbytes\t" << w1.bytes()
       << "\npeak_open\t" << w1.peak_open() << "\nw3_files\t" << workload.files << '\n';
  std::printf("W1: %zu connections, %llu frames, %llu bytes, up to %zu open at once; W3: %zu files\n",
              workload.connections, static_cast<unsigned long long>(w1.frames()),
              static_cast<unsigned long long>(w1.bytes()), w1.peak_open(), workload.files);
}

}  // namespace tlsbench
