#include "tlsflags/capture/capture_limits.hpp"

namespace tlsflags::capture {

std::vector<DiagnosticLine> fired_diagnostics(const CaptureDiagnostics& d) {
  const struct {
    std::string_view name;
    std::string_view meaning;
    const DiagnosticCounter& counter;
  } all[] = {
      {"not-ip", "frames that carry no IP packet", d.not_ip},
      {"unsupported-link-type", "frames of a pcapng interface whose link type is not decoded", d.unsupported_link_type},
      {"not-tcp", "IP packets that carry no TCP segment nor a QUIC or DTLS datagram", d.not_tcp},
      {"transports-not-decoded", "IP packets of a transport that can carry TLS but is not decoded",
       d.transports_not_decoded},
      {"truncated-headers", "frames cut by the snap length inside their headers", d.truncated_headers},
      {"malformed-headers", "frames with contradictory IP or TCP headers", d.malformed_headers},
      {"ip-fragments", "IP fragments (not reassembled; their TCP bytes become gaps)", d.ip_fragments},
      {"esp-packets", "IPsec ESP packets (encrypted, skipped)", d.esp_packets},
      {"zero-ip-length", "IP length 0 (captured before segmentation offload); captured length used",
       d.zero_ip_length},
      {"snaplen-cut-segments", "TCP segments cut by the snap length (the rest is a gap)", d.snaplen_cut_segments},
      {"segments-without-connection", "bare ACK/FIN/RST segments of flows never seen", d.segments_without_connection},
      {"segments-after-close", "segments of connections already closed", d.segments_after_close},
      {"segments-out-of-window", "segments far beyond the next expected byte (ignored)", d.segments_out_of_window},
      {"overlap-conflicts", "overlapping segments with different bytes (first received kept)", d.overlap_conflicts},
      {"gaps", "holes in TCP streams the capture does not fill", d.gaps},
      {"connections-evicted", "connections closed early: too many open at once", d.connections_evicted},
      {"out-of-order-cap-hits", "holes given up early: out-of-order buffer of a direction full",
       d.out_of_order_cap_hits},
      {"total-buffer-cap-hits", "holes given up early: out-of-order buffers full in total", d.total_buffer_cap_hits},
      {"mid-stream-connections", "connections whose start is not in the capture (client guessed from ports)",
       d.mid_stream_connections},
      {"port-reuses", "connections ended by a new SYN on the same ports", d.port_reuses},
  };
  std::vector<DiagnosticLine> lines;
  for (const auto& entry : all) {
    if (entry.counter.count > 0) {
      lines.push_back(DiagnosticLine{entry.name, entry.meaning, entry.counter.count, entry.counter.first_frame});
    }
  }
  return lines;
}

}  // namespace tlsflags::capture
