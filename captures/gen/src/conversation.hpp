// Runs one TLS connection between a real OpenSSL client and server over memory BIOs and records
// every byte either side writes, in the order and chunks in which it was written.
#pragma once

#include "endpoints.hpp"

#include <optional>
#include <string>
#include <vector>

namespace tlsgen {

// What one side wrote in one go (one flush to the network).
struct Chunk {
  Side from = Side::client;
  Bytes bytes;
  std::vector<RecordNote> records;
  unsigned delay_ms = 0;  // extra time before it leaves (the scenario's slow client Certificate)
};

struct Conversation {
  std::vector<Chunk> chunks;
  Side first_to_close = Side::client;    // who sends the first TCP FIN
  std::vector<std::string> keylog;       // NSS key log lines (both sides, duplicates removed)
  std::string client_outcome, server_outcome;
};

// `cache` holds the previous connection's session (ClientKnobs::resumes) and gets this one's.
Conversation run_conversation(const TestPki& pki, const ConnectionKnobs& knobs, const GenOptions& options,
                              ResumptionCache& cache);

// "c1 s2 s8 ... c!47": handshake types and alerts (!) per side, in the order they were written.
std::string message_sequence(const std::vector<Chunk>& chunks);

}  // namespace tlsgen
