// Frames to TCP segments and UDP datagrams: link layer, IPv4/IPv6 (with extension headers), TCP or UDP header. Pure functions
// over a byte span: every read is bounds-checked, nothing is copied.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "tlsflags/capture/capture_limits.hpp"
#include "tlsflags/capture/stream_consumer.hpp"
#include "tlsflags/capture/tcp_segment.hpp"

namespace tlsflags::capture {

// The link types the decoder understands, by libpcap DLT_ value (pcap_datalink()).
bool is_supported_link_type(int dlt);

enum class DecodeResult : uint8_t { tcp, udp, not_ip, not_tcp, truncated, malformed, fragment, esp };

struct DecodedFrame {
  TcpSegment segment;
  UdpDatagram datagram;  // on `udp` (its addresses are segment's too)
  // IPv4 total length 0 (or IPv6 payload length 0 without a jumbo option): a capture taken before TCP
  // segmentation offload filled it in. The captured length is used instead.
  bool zero_ip_length = false;
  // On not_tcp: the IP protocol number of the transport (IPv6: the upper-layer header).
  uint8_t transport = 0;
};

// A transport that can carry TLS, or tunnel TCP that does, and that the decoder does not decode: IP in
// IP (4), IPv6 in IP (41), DCCP (33, DTLS: RFC 5238), GRE (47), SCTP (132, DTLS: RFC 6083), UDP-Lite
// (136). Its packets are counted as transports_not_decoded (docs/output.md "Anomalies").
bool is_undecoded_tls_transport(uint8_t protocol);
std::string_view transport_name(uint8_t protocol);  // "SCTP", "GRE", ...; empty for the others

// Decodes one frame of link type `dlt`. `frame` is what the capture holds (caplen bytes). On `tcp`,
// `out.segment.payload` points into `frame`, and `out.segment.payload_length` is the payload length the
// IP header claims (larger than payload.size() when the snap length cut the frame; Ethernet padding
// beyond the IP length is not payload). On `udp`, `out.datagram` likewise.
DecodeResult decode_frame(int dlt, std::span<const uint8_t> frame, DecodedFrame& out);

// Counts a non-tcp result (and the notes of a tcp one) into the diagnostics.
void note_decode_result(DecodeResult result, const DecodedFrame& decoded, uint64_t frame,
                        CaptureDiagnostics& diagnostics);

// Hands a `udp` frame's datagram to the consumer; one it does not read is counted as not_tcp.
void deliver_datagram(StreamConsumer& consumer, const DecodedFrame& decoded, StreamPosition at,
                      CaptureDiagnostics& diagnostics);

}  // namespace tlsflags::capture
