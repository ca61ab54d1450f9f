// Fuzzes the QUIC and DTLS side (analyser/quic): the input is a run of UDP datagrams between one client
// and one server, fed to a UdpTracker as a capture would; or, when the first octet is odd, one decrypted
// QUIC payload for the frame walker and a CRYPTO stream. Every read must stay inside the datagram (each
// is a heap buffer of exactly its size under ASan), a Timeline must stay bounded, and every connection
// opened must be handed over at the end.
//
// Datagram run: repeated [direction octet: bit 0 = from the server][u16 length][octets]. Seeds:
// tests/fuzz/corpus/quic_packet (the datagrams of captures/quic-*.pcap, dtls12-flag.pcap).
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "check.hpp"
#include "crypto_stream.hpp"
#include "datagram.hpp"
#include "quic_packet.hpp"
#include "tlsflags/quic/udp_tracker.hpp"

namespace {

using namespace tlsflags;

struct CountingVisitor final : quic::FrameVisitor {
  quic::CryptoStream stream;
  quic::CryptoStreamLimits limits{4096, 65536};
  void on_crypto(uint64_t offset, std::span<const uint8_t> data) override {
    (void)stream.add(offset, data, limits);
    FUZZ_CHECK(stream.ready().size() <= limits.max_offset);
    stream.consume(stream.ready().size() / 2);
  }
  void on_connection_close(uint64_t, bool) override {}
  void on_new_connection_id(std::span<const uint8_t> id) override { FUZZ_CHECK(!id.empty() && id.size() <= 20); }
  void on_application_data() override {}
};

void fuzz_frames(std::span<const uint8_t> payload) {
  std::vector<uint8_t> copy(payload.begin(), payload.end());
  CountingVisitor visitor;
  (void)quic::visit_frames(copy, visitor);
}

void fuzz_datagrams(std::span<const uint8_t> input) {
  size_t handed_over = 0;
  quic::UdpTrackerOptions options;
  options.max_connections = 4;
  quic::UdpTracker tracker(options, [&](Timeline&& t) {
    ++handed_over;
    FUZZ_CHECK(t.events.size() <= 1100);
    FUZZ_CHECK(t.first_frame <= t.last_frame);
  }, nullptr, nullptr);
  uint64_t frame = 0;
  while (input.size() >= 3) {
    const bool from_server = input[0] & 1;
    const size_t length = std::min<size_t>(input.size() - 3, size_t{input[1]} << 8 | input[2]);
    std::vector<uint8_t> payload(input.begin() + 3, input.begin() + 3 + static_cast<std::ptrdiff_t>(length));
    input = input.subspan(3 + length);
    ++frame;
    (void)tracker.on_datagram(quic::test::datagram_between(!from_server, payload), {frame, static_cast<double>(frame)});
  }
  const size_t opened = tracker.stats().quic_connections + tracker.stats().dtls_connections;
  tracker.on_capture_end({frame, static_cast<double>(frame)});
  FUZZ_CHECK(tracker.open_connections() == 0);
  FUZZ_CHECK(handed_over == opened);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::span<const uint8_t> input(data + 1, size - 1);
  if (data[0] & 1) {
    fuzz_frames(input);
  } else {
    fuzz_datagrams(input);
  }
  return 0;
}
