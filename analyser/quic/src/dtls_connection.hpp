// One DTLS handshake seen from the wire (RFC 6347 §4.1-§4.2; DTLS 1.3: RFC 9147). Read up to the
// ServerHello: DTLS 1.2 and older are outside TLS Flags (a TLS 1.3 extension), as TLS 1.2 over TCP;
// DTLS 1.3 protects everything after the ServerHello with record number encryption, which is not
// decoded: its handshake is reported as seen and not decoded. Internal to tlsflags_quic.
#pragma once

#include <cstdint>
#include <span>

#include "tlsflags/capture/stream_consumer.hpp"
#include "tlsflags/core/events.hpp"

namespace tlsflags::quic {

class UdpTracker;

// A DTLS plaintext record carrying the start of a ClientHello: what opens a DTLS connection.
bool starts_dtls_client_hello(std::span<const uint8_t> datagram);

class DtlsConnection {
 public:
  DtlsConnection(UdpTracker& tracker, Timeline timeline) : tracker_(tracker), timeline_(std::move(timeline)) {}

  void on_datagram(Party from, std::span<const uint8_t> datagram, capture::StreamPosition at);
  Timeline finish(bool capture_ended, capture::StreamPosition at);
  const Endpoint& client() const { return timeline_.client; }

 private:
  void on_record(Party from, uint8_t type, uint16_t epoch, std::span<const uint8_t> fragment,
                 capture::StreamPosition at);
  void on_handshake(Party from, uint8_t type, std::span<const uint8_t> body, capture::StreamPosition at);
  void on_client_hello(std::span<const uint8_t> body, Event& event, capture::StreamPosition at);
  Event& emit(EventType type, Party from, capture::StreamPosition at);

  UdpTracker& tracker_;
  Timeline timeline_;
  bool client_hello_seen_ = false;
  bool server_hello_seen_ = false;
  bool done_ = false;   // past the ServerHello: nothing more is read
  size_t alerts_ = 0;
};

}  // namespace tlsflags::quic
