// Fuzzes frame decoding (link layer, IPv4/IPv6 with extension headers, TCP header): the first input
// byte picks the link type, the rest is the frame as captured. decode_frame() must stay inside the frame
// (ASan sees the frame as a heap buffer of exactly its size) and a decoded payload must lie inside it.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "check.hpp"
#include "tlsflags/capture/capture_limits.hpp"
#include "tlsflags/capture/packet_decoder.hpp"

namespace {

// libpcap DLT_ values: NULL, EN10MB, RAW (12 and 14 on some systems), LINKTYPE_RAW, LOOP, LINUX_SLL,
// IPV4, IPV6, LINUX_SLL2; and one the decoder does not support.
constexpr std::array<int, 11> kLinkTypes{0, 1, 12, 14, 101, 108, 113, 228, 229, 276, 105};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tlsflags::capture;
  if (size == 0) return 0;
  int dlt = kLinkTypes[data[0] % kLinkTypes.size()];
  // A copy of exactly the frame's size, so that a read one byte past the frame is a heap overflow.
  std::vector<uint8_t> frame(data + 1, data + size);
  DecodedFrame decoded;
  DecodeResult result = decode_frame(dlt, frame, decoded);
  if (result == DecodeResult::tcp) {
    const TcpSegment& s = decoded.segment;
    FUZZ_CHECK(s.payload.size() <= s.payload_length);
    if (!s.payload.empty()) {
      FUZZ_CHECK(s.payload.data() >= frame.data());
      FUZZ_CHECK(s.payload.data() + s.payload.size() <= frame.data() + frame.size());
    }
    FUZZ_CHECK(s.source.version == 4 || s.source.version == 6);
    FUZZ_CHECK(s.source.version == s.destination.version);
  }
  CaptureDiagnostics diagnostics;
  note_decode_result(result, decoded, 1, diagnostics);
  (void)is_supported_link_type(dlt);
  return 0;
}
