// Resource caps of the capture layer and the diagnostics that say when something was skipped, cut or
// guessed. Nothing is dropped silently: every cap hit and every frame the layer could not use is counted
// here together with the first frame it happened in.
#pragma once

#include <bitset>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace tlsflags::capture {

struct CaptureLimits {
  // TCP connections open at once. Beyond it the least recently active connection is closed (evicted).
  // tlsflags-check holds about 1.3 KB per open connection (capture and TLS layers): 2^18 keep a SYN
  // flood of a million half-open connections under 512 MiB (tests/hostile/limits.sh).
  size_t max_connections = 262'144;
  // Out-of-order bytes buffered for one direction of one connection, each buffered piece counted with
  // its bookkeeping (kBufferedPieceOverhead, tcp_half_stream.hpp). Beyond it the reassembler gives up
  // on the oldest hole (reported with on_gap) instead of waiting for a retransmission.
  size_t max_out_of_order_bytes_per_direction = 4u << 20;
  // Out-of-order bytes buffered over all connections.
  size_t max_buffered_bytes_total = 1u << 30;
  // Closed connections remembered (their 4-tuple and ISN) so that late segments — a final ACK, a
  // retransmission after a RST — are not taken for a new connection (RFC 9293 §3.6.1 TIME-WAIT plays the
  // same role for the endpoints). Kept for this many, and at most this long in capture time.
  size_t max_closed_connections_remembered = 65'536;
  double closed_connection_memory_seconds = 120;
  // After a RST or both FINs a connection lingers before on_close, so that the segments trailing its end
  // (the last ACK, the peer's FIN or RST answering a RST) still count as its own, as in Wireshark's
  // tcp.stream: its last frame and its FIN/RST events include them. A new SYN on the 4-tuple, the
  // capture's end, this much capture time without a segment, or more than max_ending_connections
  // lingering at once (the one idle longest goes first) ends the lingering. An orderly close ends it
  // at once: when both FINs are acknowledged (and no RST was seen), nothing more is to come.
  double ending_linger_seconds = 5;
  size_t max_ending_connections = 8'192;
  // A segment starting further than this beyond the next expected byte is taken as not belonging to the
  // stream (a sequence number from another incarnation, or garbage) and ignored.
  uint32_t max_sequence_jump = 1u << 30;
  // Input read from a pipe or standard input ("-") is first copied to a temporary file (it has to be
  // read twice): at most this many bytes.
  uint64_t max_spooled_bytes = uint64_t{16} << 30;
};

// How often something happened and the first frame it happened in (0 = never).
struct DiagnosticCounter {
  uint64_t count = 0;
  uint64_t first_frame = 0;
  void note(uint64_t frame) {
    if (count++ == 0) first_frame = frame;
  }
};

struct CaptureDiagnostics {
  // Frames the capture layer could not or need not use.
  DiagnosticCounter not_ip;                  // link layer carried something else (ARP, LLDP, ...)
  DiagnosticCounter unsupported_link_type;   // pcapng interface of a link type not decoded
  DiagnosticCounter not_tcp;                 // IP packet carrying UDP, ICMP, ...
  DiagnosticCounter transports_not_decoded;  // of those, a transport that can carry TLS (packet_decoder.hpp)
  std::bitset<256> undecoded_transports;     // ... by IP protocol number
  DiagnosticCounter truncated_headers;       // frame cut (snap length) inside the link, IP or TCP header
  DiagnosticCounter malformed_headers;       // a header that contradicts itself (IHL < 5, bad lengths, ...)
  DiagnosticCounter ip_fragments;            // IPv4/IPv6 fragments: not reassembled, their bytes become gaps
  DiagnosticCounter esp_packets;             // IPv6/IPv4 ESP: encrypted, skipped
  DiagnosticCounter zero_ip_length;          // IP length 0 (capture before TSO): captured length used
  DiagnosticCounter snaplen_cut_segments;    // TCP payload shorter in the capture than on the wire
  // TCP.
  DiagnosticCounter segments_without_connection;  // ACK/FIN/RST without data for a flow never seen
  DiagnosticCounter segments_after_close;         // a segment of a connection already closed
  DiagnosticCounter segments_out_of_window;       // too far beyond the next expected byte
  DiagnosticCounter overlap_conflicts;            // overlapping segments with different bytes (first wins)
  DiagnosticCounter gaps;                         // on_gap calls
  uint64_t gap_bytes = 0;                         // total bytes reported missing
  DiagnosticCounter connections_evicted;          // max_connections reached
  DiagnosticCounter out_of_order_cap_hits;        // max_out_of_order_bytes_per_direction reached
  DiagnosticCounter total_buffer_cap_hits;        // max_buffered_bytes_total reached
  DiagnosticCounter mid_stream_connections;       // connections first seen without SYN or SYN-ACK
  DiagnosticCounter port_reuses;                  // a new SYN closed an earlier connection on the same 4-tuple
  uint64_t peak_open_connections = 0;
  uint64_t peak_buffered_bytes = 0;
};

// One line per counter that fired, for reports: a stable name, what it means, the count, the first frame.
struct DiagnosticLine {
  std::string_view name;
  std::string_view meaning;
  uint64_t count = 0;
  uint64_t first_frame = 0;
};
std::vector<DiagnosticLine> fired_diagnostics(const CaptureDiagnostics& diagnostics);

}  // namespace tlsflags::capture
