// The Certificate message (RFC 8446 §4.4.2) as a certificate event's facts, and the CompressedCertificate
// (RFC 8879 §4) that stands for one. One reader for both event sources: tlsflags-check's tls library and
// the plugin (which cannot rely on the Wireshark version to inflate) give the core the same facts.
#pragma once

#include <cstdint>
#include <span>

#include "tlsflags/core/events.hpp"

namespace tlsflags::compress {

// Reads a Certificate body into `event`: certificate_request_context (hex), one certificate_chain_der
// entry per CertificateEntry, certificate_entries, and the TLS Flags (extension type `flags_extension`)
// of the entries merged into event.flags (docs/output.md: the union, the first problem met; two in one
// entry's block are the duplicate RFC 8446 §4.2 forbids). Every read is checked and the body must be
// consumed exactly; false on malformed input (then `event`'s certificate facts are partial).
bool read_certificate_message(std::span<const uint8_t> body, uint16_t flags_extension, Event& event);

// RFC 8879 §4: inflates `compressed` (analyser/compress bounds) and, when it inflates to a well-formed
// Certificate, gives `event` that Certificate's facts. event.compression records the algorithm, the
// declared length and the outcome (not_a_certificate when the inflated bytes are no Certificate). The
// entries, DER and flags are only the inflated message's: whatever `event` held of them is dropped.
void describe_compressed_certificate(uint16_t algorithm, uint32_t uncompressed_length,
                                     std::span<const uint8_t> compressed, uint16_t flags_extension, Event& event);

}  // namespace tlsflags::compress
