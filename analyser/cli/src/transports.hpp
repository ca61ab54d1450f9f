// The TLS layer's two event sources behind the capture layer's one seam: TCP streams go to the TLS
// record reader (tls::ConnectionTracker), UDP datagrams to QUIC and DTLS (quic::UdpTracker). Both hand
// their Timelines to the same sink, so the one judge and every output see them alike.
#pragma once

#include <algorithm>
#include <optional>

#include "tlsflags/capture/stream_consumer.hpp"
#include "tlsflags/quic/udp_tracker.hpp"
#include "tlsflags/tls/connection_tracker.hpp"

namespace tlsflags::cli {

class Transports final : public capture::StreamConsumer {
 public:
  Transports(const tls::TrackerOptions& options, const tls::ConnectionTracker::TimelineSink& sink,
             const tls::KeyLog* keys)
      : tcp_(options, sink, keys), udp_(udp_options(options), sink, &tcp_.capture_secrets(), keys) {}

  void on_secrets(std::string_view text) override { tcp_.on_secrets(text); }
  void on_capture_start(double epoch_seconds) override {
    tcp_.on_capture_start(epoch_seconds);
    udp_.on_capture_start(epoch_seconds);
  }
  void on_open(capture::ConnectionId id, const Endpoint& client, const Endpoint& server, bool saw_syn,
               capture::StreamPosition at) override {
    tcp_.on_open(id, client, server, saw_syn, at);
  }
  size_t on_data(capture::ConnectionId id, Party from, std::span<const uint8_t> data,
                 capture::StreamPosition at) override {
    return tcp_.on_data(id, from, data, at);
  }
  void on_gap(capture::ConnectionId id, Party from, uint64_t missing, capture::StreamPosition at) override {
    tcp_.on_gap(id, from, missing, at);
  }
  void on_hole_given_up(capture::ConnectionId id, Party from, uint64_t missing, capture::StreamPosition at) override {
    tcp_.on_hole_given_up(id, from, missing, at);
  }
  void on_fin(capture::ConnectionId id, Party from, capture::StreamPosition at) override { tcp_.on_fin(id, from, at); }
  void on_rst(capture::ConnectionId id, Party from, capture::StreamPosition at) override { tcp_.on_rst(id, from, at); }
  void on_last_segment(capture::ConnectionId id, capture::StreamPosition last) override {
    tcp_.on_last_segment(id, last);
  }
  void on_close(capture::ConnectionId id, bool capture_ended, capture::StreamPosition at) override {
    tcp_.on_close(id, capture_ended, at);
  }
  bool on_datagram(const capture::UdpDatagram& datagram, capture::StreamPosition at) override {
    return udp_.on_datagram(datagram, at);
  }
  void on_capture_end(capture::StreamPosition last) override { udp_.on_capture_end(last); }

  // Whatever the reader left open (it should have closed everything).
  void close_all(capture::StreamPosition at) {
    tcp_.close_all(true, at);
    udp_.on_capture_end(at);
  }
  std::optional<uint64_t> earliest_open_frame() const {
    const std::optional<uint64_t> tcp = tcp_.earliest_open_frame(), udp = udp_.earliest_open_frame();
    if (!tcp || !udp) return tcp ? tcp : udp;
    return std::min(*tcp, *udp);
  }
  const tls::ConnectionTracker& tcp() const { return tcp_; }
  const quic::UdpTracker& udp() const { return udp_; }

 private:
  static quic::UdpTrackerOptions udp_options(const tls::TrackerOptions& options) {
    quic::UdpTrackerOptions udp;
    udp.file = options.file;
    udp.flags_extension_type = options.flags_extension_type;
    udp.max_handshake_message = options.max_handshake_message;
    return udp;
  }

  tls::ConnectionTracker tcp_;
  quic::UdpTracker udp_;
};

}  // namespace tlsflags::cli
