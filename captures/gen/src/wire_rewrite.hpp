// Byte-level changes to plaintext TLS records between the peers. They touch only what is not
// encrypted, so no key is needed: the receiving peer processes exactly the rewritten bytes.
#pragma once

#include "conversation.hpp"

#include <cstdint>

namespace tlsgen {

// Adds a second copy of extension `type` right after the first in the ClientHello of the chunk's
// first record and fixes the extensions, handshake and record lengths (8446 §4.2 forbids this).
// OpenSSL cannot send it itself: one custom extension type is added once.
void duplicate_extension_in_client_hello(Chunk& chunk, std::uint16_t type);

// Packs consecutive plaintext handshake records (those before any ChangeCipherSpec) into one record,
// as other TLS stacks do; the handshake messages, and so the transcript, are unchanged.
void coalesce_plaintext_handshake(Chunk& chunk);

// The TLS records of a byte string: offset and total length (header included) of each.
struct RecordSpan {
  std::size_t offset = 0;
  std::size_t length = 0;
};
std::vector<RecordSpan> split_records(const Bytes& bytes);

}  // namespace tlsgen
