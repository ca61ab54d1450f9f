// Fuzzes the TLS layer through its StreamConsumer (ConnectionTracker): record framing, handshake message
// reassembly, key phases, TLS 1.3 record decryption and the parsing of what was decrypted, then judges
// the Timeline it hands over.
//
// The input is a list of operations on one connection (see read_operation). The harness frames records
// itself, so the fuzzer spends its time on contents rather than on lengths, and encrypts "protected"
// records with AES-128-GCM under keys derived from fixed traffic secrets that the tracker is given in a
// key log (as a -k file or as a DSB) for the fixed client random 0x11..11; a ClientHello with that random
// and a ServerHello choosing TLS_AES_128_GCM_SHA256 therefore open the encrypted handshake to the fuzzer.
// Raw operations hand over arbitrary bytes, so framing itself is fuzzed too. The consumer's skip requests
// are honoured as the capture layer would.
//
// Invariants: no crash or leak; the tracker hands over at most one Timeline, exactly when it took the
// connection for TLS, and keeps nothing after on_close; the Timeline's events are in frame order within
// the frames delivered; keys_found only when secrets were given; and its judgement keeps the rules
// invariants (judgement_checks.hpp).
#include <openssl/evp.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "byte_source.hpp"
#include "check.hpp"
#include "judgement_checks.hpp"
#include "tlsflags/tls/connection_tracker.hpp"
#include "tlsflags/tls/keylog.hpp"
#include "tlsflags/tls/record_protection.hpp"

namespace tlsflags::fuzz {
namespace {

using Bytes = std::vector<uint8_t>;
using capture::StreamPosition;

constexpr uint8_t kClientRandomByte = 0x11;
constexpr uint8_t kHandshakeRecord = 22;
constexpr uint8_t kApplicationDataRecord = 23;
constexpr size_t kMaxBody = 17000;  // a little over a record's limit (2^14 + 256)
enum Phase { handshake_keys, application_keys };

// The four traffic secrets of the fixed client random: a fixed byte per secret.
Bytes secret_for(Party party, Phase phase) {
  uint8_t fill = static_cast<uint8_t>(0xA0 + (party == Party::server ? 1 : 0) + (phase == application_keys ? 2 : 0));
  return Bytes(32, fill);
}

std::string key_log_text() {
  auto hex = [](const Bytes& b) {
    static const char digits[] = "0123456789abcdef";
    std::string out;
    for (uint8_t v : b) out += {digits[v >> 4], digits[v & 15]};
    return out;
  };
  std::string random = hex(Bytes(32, kClientRandomByte));
  return "CLIENT_HANDSHAKE_TRAFFIC_SECRET " + random + " " + hex(secret_for(Party::client, handshake_keys)) + "\n" +
         "SERVER_HANDSHAKE_TRAFFIC_SECRET " + random + " " + hex(secret_for(Party::server, handshake_keys)) + "\n" +
         "CLIENT_TRAFFIC_SECRET_0 " + random + " " + hex(secret_for(Party::client, application_keys)) + "\n" +
         "SERVER_TRAFFIC_SECRET_0 " + random + " " + hex(secret_for(Party::server, application_keys)) + "\n";
}

Bytes record(uint8_t type, const Bytes& payload) {
  Bytes out{type, 3, 3, static_cast<uint8_t>(payload.size() >> 8), static_cast<uint8_t>(payload.size())};
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

Bytes handshake_message(uint8_t type, std::span<const uint8_t> body) {
  Bytes out{type, static_cast<uint8_t>(body.size() >> 16), static_cast<uint8_t>(body.size() >> 8),
            static_cast<uint8_t>(body.size())};
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

// RFC 8446 §5.2 record protection with TLS_AES_128_GCM_SHA256, one sequence number per direction and phase.
class Protector {
 public:
  Bytes seal(Party party, Phase phase, const Bytes& inner_plaintext) {
    const CipherSuite* suite = tls::tls13_cipher_suite(0x1301);
    tls::TrafficKeys keys;
    FUZZ_CHECK(suite && tls::derive_traffic_keys(*suite, secret_for(party, phase), keys));
    uint64_t& sequence = sequence_[party == Party::server][phase];
    std::array<uint8_t, tls::kAeadNonceSize> nonce = keys.iv;
    for (int i = 0; i < 8; ++i) nonce[nonce.size() - 1 - i] ^= static_cast<uint8_t>(sequence >> (8 * i));
    ++sequence;
    size_t length = inner_plaintext.size() + tls::kAeadTagSize;
    Bytes out{kApplicationDataRecord, 3, 3, static_cast<uint8_t>(length >> 8), static_cast<uint8_t>(length)};
    out.resize(tls::kRecordHeaderSize + length);
    encrypt(keys, nonce, inner_plaintext, out);
    return out;
  }

 private:
  using CipherSuite = tls::CipherSuite;
  static void encrypt(const tls::TrafficKeys& keys, const std::array<uint8_t, tls::kAeadNonceSize>& nonce,
                      const Bytes& plaintext, Bytes& out) {
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    int n = 0;
    uint8_t* body = out.data() + tls::kRecordHeaderSize;
    bool ok = ctx && EVP_EncryptInit_ex(ctx, EVP_aes_128_gcm(), nullptr, keys.key.data(), nonce.data()) == 1 &&
              EVP_EncryptUpdate(ctx, nullptr, &n, out.data(), tls::kRecordHeaderSize) == 1 &&
              EVP_EncryptUpdate(ctx, body, &n, plaintext.data(), static_cast<int>(plaintext.size())) == 1 &&
              EVP_EncryptFinal_ex(ctx, body + n, &n) == 1 &&
              EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, tls::kAeadTagSize, body + plaintext.size()) == 1;
    EVP_CIPHER_CTX_free(ctx);
    FUZZ_CHECK(ok);
  }
  uint64_t sequence_[2][2] = {};
};

// Drives the tracker like the capture layer: frames count up, skip requests drop bytes.
class Driver {
 public:
  Driver(tls::ConnectionTracker& tracker) : tracker_(tracker) {}

  void open() { tracker_.on_open(kId, {"192.0.2.1", 50000}, {"198.51.100.5", 443}, true, next_position()); }
  void deliver(Party from, std::span<const uint8_t> bytes, size_t split) {
    split = std::min(split, bytes.size());
    deliver_chunk(from, bytes.first(split));
    deliver_chunk(from, bytes.subspan(split));
  }
  void gap(Party from, uint64_t missing) {
    tracker_.on_gap(kId, from, missing, next_position());
    skip_[static_cast<int>(from)] = 0;
  }
  void fin(Party from, bool rst) {
    StreamPosition at = next_position();
    rst ? tracker_.on_rst(kId, from, at) : tracker_.on_fin(kId, from, at);
  }
  void close() { tracker_.on_close(kId, true, next_position()); }
  uint64_t last_frame() const { return frame_; }

 private:
  static constexpr capture::ConnectionId kId = 7;
  StreamPosition next_position() {
    ++frame_;
    return {frame_, frame_ * 0.001};
  }
  void deliver_chunk(Party from, std::span<const uint8_t> bytes) {
    uint64_t& skip = skip_[static_cast<int>(from)];
    size_t skipped = static_cast<size_t>(std::min<uint64_t>(skip, bytes.size()));
    skip -= skipped;
    bytes = bytes.subspan(skipped);
    if (bytes.empty()) return;
    Bytes copy(bytes.begin(), bytes.end());  // exactly sized, so ASan sees reads past the chunk
    skip = tracker_.on_data(kId, from, copy, next_position());
  }

  tls::ConnectionTracker& tracker_;
  uint64_t frame_ = 0;
  uint64_t skip_[2] = {0, 0};
};

// One operation: kind byte (bit 0 from server, bits 1-3 what, bits 4-7 where to split the bytes into two
// deliveries, in sixteenths), then:
//   0 raw bytes:               u16 length, bytes
//   1 plaintext handshake:     type, u16 length, body          (one message in one handshake record)
//   2 handshake, protected:    type, u16 length, body          (under the handshake keys)
//   3 handshake, protected:    type, u16 length, body          (under the application keys)
//   4 plaintext record:        content type, u16 length, body
//   5 protected record:        inner content type, padding length, u16 length, content (handshake keys)
//   6 gap:                     missing bytes - 1
//   7 FIN or RST:              bit 0 RST
// A ClientHello body (type 1) of at least 34 bytes gets the fixed client random at bytes 2..33.
void read_operation(ByteSource& in, Driver& driver, Protector& protector) {
  uint8_t kind = in.u8();
  Party from = in.bit(kind, 0) ? Party::server : Party::client;
  unsigned what = (kind >> 1) & 7u;
  auto read_body = [&in] {
    auto b = in.bytes(std::min<size_t>(in.u16(), kMaxBody));
    return Bytes(b.begin(), b.end());
  };
  Bytes wire;
  switch (what) {
    case 0: wire = read_body(); break;
    case 1:
    case 2:
    case 3: {
      uint8_t type = in.u8();
      Bytes body = read_body();
      if (type == 1 && body.size() >= 34) std::fill(body.begin() + 2, body.begin() + 34, kClientRandomByte);
      Bytes message = handshake_message(type, body);
      if (what == 1) {
        wire = record(kHandshakeRecord, message);
      } else {
        message.push_back(kHandshakeRecord);
        wire = protector.seal(from, what == 2 ? handshake_keys : application_keys, message);
      }
      break;
    }
    case 4: {
      uint8_t type = in.u8();
      wire = record(type, read_body());
      break;
    }
    case 5: {
      uint8_t type = in.u8();
      size_t padding = in.u8();
      Bytes inner = read_body();
      inner.push_back(type);
      inner.resize(inner.size() + padding);
      wire = protector.seal(from, handshake_keys, inner);
      break;
    }
    case 6: return driver.gap(from, uint64_t{in.u8()} + 1);
    default: return driver.fin(from, in.bit(in.u8(), 0));
  }
  driver.deliver(from, wire, wire.size() * (kind >> 4) / 16);
}

// No real connection has this many handshake messages and alerts; more means the Timeline grows with the
// stream, and the analyser's memory with the file instead of with the connections open at once.
constexpr size_t kMaxPlausibleEvents = 1024;

void check_timeline(const Timeline& t, uint64_t last_frame, bool secrets_given) {
  // Fixed timeline-events-unbounded: alerts are recorded up to the first fatal one (or 8 per party) and a
  // Timeline's message events stop at 1000 (tls_connection.hpp).
  FUZZ_CHECK(t.events.size() <= kMaxPlausibleEvents);
  uint64_t previous = 0;
  for (const Event& e : t.events) {
    FUZZ_CHECK(e.frame >= previous && e.frame >= 1 && e.frame <= last_frame);
    previous = e.frame;
  }
  FUZZ_CHECK(t.first_frame <= t.last_frame || t.events.empty());
  if (!secrets_given) FUZZ_CHECK(!t.keys_found);
  (void)t.tls_version();
  (void)t.decrypted();
}

void print_timeline(const Timeline& t, const Judgement& j) {
  std::fprintf(stderr, "keys_found=%d events:", t.keys_found);
  for (const Event& e : t.events)
    std::fprintf(stderr, " %s/%s@%llu%s", std::string(to_string(e.type)).c_str(), std::string(to_string(e.from)).c_str(),
                 static_cast<unsigned long long>(e.frame), e.flags ? "*" : "");
  std::fprintf(stderr, "\nverdict %s\n", std::string(to_string(j.verdict)).c_str());
  for (const Finding& f : j.findings) std::fprintf(stderr, "  %s\n", f.message.c_str());
}

}  // namespace
}  // namespace tlsflags::fuzz

// First byte: bit 0 give the secrets, bit 1 as a DSB (on_secrets) rather than a -k key log, bit 2
// Cloudflare's extension type 65025, bit 3 a small small_record (tail-only reading of application data),
// bit 4 a small max_handshake_message, bit 5 the draft-02 profile for judging.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tlsflags;
  using namespace tlsflags::fuzz;
  ByteSource in({data, size});
  uint8_t setup = in.u8();
  bool secrets = in.bit(setup, 0);
  tls::TrackerOptions options;
  options.file = "fuzz.pcap";
  if (in.bit(setup, 2)) options.flags_extension_type = kCloudflareExperimentType;
  if (in.bit(setup, 3)) options.small_record = 64;
  if (in.bit(setup, 4)) options.max_handshake_message = 300;
  tls::KeyLog key_log;
  if (secrets && !in.bit(setup, 1)) key_log.add_text(key_log_text(), "fuzz.keys");

  std::vector<Timeline> timelines;
  {
    tls::ConnectionTracker tracker(options, [&](Timeline&& t) { timelines.push_back(std::move(t)); }, &key_log);
    if (secrets && in.bit(setup, 1)) tracker.on_secrets(key_log_text());
    Driver driver(tracker);
    Protector protector;
    driver.open();
    while (!in.empty()) read_operation(in, driver, protector);
    driver.close();
    FUZZ_CHECK(tracker.open_connections() == 0);
    const tls::TrackerStats& stats = tracker.stats();
    FUZZ_CHECK(stats.connections == 1);
    FUZZ_CHECK(stats.tls_connections == timelines.size() && timelines.size() <= 1);
    FUZZ_CHECK(stats.tls_connections + stats.non_tls_connections == 1);
    for (const Timeline& t : timelines) check_timeline(t, driver.last_frame(), secrets);
  }
  RuleConfig config;
  if (in.bit(setup, 5)) config.profile = Profile::draft02;
  for (const Timeline& t : timelines) {
    Judgement j = judge_and_check(t, config);
    if (std::getenv("TLSFLAGS_FUZZ_VERBOSE")) print_timeline(t, j);  // to see what a seed or crash means
  }
  return 0;
}
