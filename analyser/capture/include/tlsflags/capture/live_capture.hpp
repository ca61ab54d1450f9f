// Reading packets from a live interface (tlsflags-check -i): the caller opens and activates the pcap_t
// (pcap_create, snap length, immediate mode, a BPF filter); read_live makes it non-blocking, waits for
// packets with poll() on its selectable descriptor, and drives a
// StreamConsumer with its TCP streams exactly as read_capture does for a file, until told to stop.
//
// Packets can be held back for a while before they are processed (LiveOptions::delay_seconds): a TLS
// client writes its key log lines only after it has seen the ServerHello, so the analyser must not read a
// handshake before its secrets can be in the file. on_tick runs before each batch of held-back packets
// is processed (the caller re-reads a growing key log there).
#pragma once

#include <pcap/pcap.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "tlsflags/capture/capture_reader.hpp"

namespace tlsflags::capture {

struct LiveOptions {
  CaptureLimits limits;
  double delay_seconds = 0;        // how long a packet waits (by its capture time) before it is processed
  std::function<void()> on_tick;   // called before each batch of packets is processed, and at the end
};

struct LiveResult {
  bool ok = false;
  std::string error;          // pcap_geterr when the capture failed, empty when it was stopped
  int link_type = -1;
  uint64_t frames = 0;
  uint64_t tcp_segments = 0;
  uint64_t connections = 0;   // on_open calls
  // pcap_stats at the end: packets the kernel dropped because our buffer was full, and that the interface
  // or its driver dropped. A dropped packet is a gap in a stream (its connection may end undecided).
  bool drops_known = false;
  uint64_t kernel_drops = 0;
  uint64_t interface_drops = 0;
  CaptureDiagnostics diagnostics;
};

// Reads until `stop` is set (a signal handler sets it and calls pcap_breakloop) or the capture fails.
// Calls on_capture_start with the first packet's time, then on_open/on_data/... as packets are processed;
// at the end every held-back packet is processed and every open connection closed (capture_ended = true).
// The link type must be one is_supported_link_type accepts (checked: an error otherwise).
LiveResult read_live(pcap_t* pcap, StreamConsumer& consumer, const LiveOptions& options,
                     const std::atomic<bool>& stop);

}  // namespace tlsflags::capture
