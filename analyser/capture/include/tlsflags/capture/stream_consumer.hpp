// The seam between the capture layer (frames, IP, TCP reassembly) and the TLS layer. The capture layer
// delivers each TCP connection as two ordered byte streams; the TLS layer consumes them. Nothing crosses
// this seam but bytes, positions and frame numbers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "tlsflags/capture/tcp_segment.hpp"
#include "tlsflags/core/events.hpp"

namespace tlsflags::capture {

using ConnectionId = uint64_t;

// Where a piece of stream data came from: the frame whose bytes completed it (1-based, as Wireshark
// counts) and its capture time in seconds since the first packet of the file.
struct StreamPosition {
  uint64_t frame = 0;
  double time = 0;
};

class StreamConsumer {
 public:
  virtual ~StreamConsumer() = default;

  // Secrets found in the capture itself (a pcapng Decryption Secrets Block, NSS key log text). The
  // capture layer delivers every DSB of a file before the first packet, wherever it stands in the file.
  virtual void on_secrets(std::string_view nss_key_log_text) = 0;

  // The absolute time of the capture's first packet, in seconds since the Unix epoch (StreamPosition
  // times are relative to it). Called once, before that packet is processed.
  virtual void on_capture_start(double /*epoch_seconds*/) {}

  // A TCP connection was first seen. `client` sent the SYN; without a SYN (the capture began
  // mid-connection) the capture layer guesses and says so with saw_syn = false.
  virtual void on_open(ConnectionId id, const Endpoint& client, const Endpoint& server, bool saw_syn,
                       StreamPosition at) = 0;

  // The next in-order bytes that `from` sent. The return value is how many of the bytes that follow this
  // chunk the consumer does not need: the capture layer drops them without buffering (but still counts
  // them, so a gap inside a skipped range is not reported). Return 0 to see everything.
  virtual size_t on_data(ConnectionId id, Party from, std::span<const uint8_t> data, StreamPosition at) = 0;

  // Bytes of `from`'s stream are missing from the capture (lost segment, or reassembly gave up on a hole).
  // Delivery continues after the hole with on_data.
  virtual void on_gap(ConnectionId id, Party from, uint64_t missing_bytes, StreamPosition at) = 0;
  // A hole the reassembler gave up on to keep a buffer cap (CaptureLimits): the bytes may well be in the
  // capture, later. A gap all the same, unless the consumer wants to tell them apart.
  virtual void on_hole_given_up(ConnectionId id, Party from, uint64_t missing_bytes, StreamPosition at) {
    on_gap(id, from, missing_bytes, at);
  }

  virtual void on_fin(ConnectionId id, Party from, StreamPosition at) = 0;
  virtual void on_rst(ConnectionId id, Party from, StreamPosition at) = 0;

  // The last segment of the connection's 4-tuple the capture layer attributed to it (pure ACKs and the
  // segments trailing its end included, as Wireshark's tcp.stream counts them). Called once, just
  // before on_close.
  virtual void on_last_segment(ConnectionId /*id*/, StreamPosition /*last*/) {}

  // The connection is over: both FINs seen, RST, a port reused by a new SYN, evicted by a resource cap,
  // or the capture ended (capture_ended = true). After a RST or both FINs on_close comes once the
  // connection stopped lingering (CaptureLimits::ending_linger_seconds), `at` the frame that ended the
  // lingering (on_last_segment tells its last segment); trailing segments may bring on_fin / on_rst
  // before it (once per party and kind). After this the id is never used again.
  virtual void on_close(ConnectionId id, bool capture_ended, StreamPosition at) = 0;

  // A UDP datagram (QUIC, DTLS: transports without a byte stream). True when the consumer read it as one
  // of its protocols; false counts it with the IP packets the analyser does not use (not-tcp).
  virtual bool on_datagram(const UdpDatagram& /*datagram*/, StreamPosition /*at*/) { return false; }

  // The capture ended at `last` (its last frame), after every TCP connection's on_close: what the
  // consumer keeps of datagram transports ends here too.
  virtual void on_capture_end(StreamPosition /*last*/) {}
};

}  // namespace tlsflags::capture
