// Turns the chunks of a conversation into the TCP segments a capture point between the peers would
// see: three-way handshake, MSS-sized data segments with sequence and acknowledgement numbers, the
// FIN exchange, deterministic timestamps, and the scenario's capture impairments.
#pragma once

#include "conversation.hpp"
#include "scenarios.hpp"

#include <cstdint>
#include <vector>

namespace tlsgen {

namespace tcp_flag {
inline constexpr std::uint8_t fin = 0x01, syn = 0x02, psh = 0x08, ack = 0x10;
}

struct Segment {
  Side from = Side::client;
  std::uint8_t flags = 0;
  std::uint32_t seq = 0;            // absolute sequence number of the first payload octet (or of SYN/FIN)
  std::uint32_t ack = 0;
  std::uint16_t mss_option = 0;     // SYN and SYN/ACK carry the MSS option
  Bytes payload;
  std::uint64_t time_us = 0;        // microseconds since the Unix epoch
  int chunk = -1;                   // which conversation chunk the payload came from (-1: none)
  std::vector<std::uint8_t> completed_handshake_types;  // messages whose record ends in this segment
};

struct TraceStart {
  std::uint64_t time_us = 0;
  std::uint32_t client_isn = 0;
  std::uint32_t server_isn = 0;
};

std::vector<Segment> build_tcp_trace(const Conversation& conversation, const WireKnobs& wire, const TraceStart& start);

}  // namespace tlsgen
