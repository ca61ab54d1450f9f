// RFC 8879 §4: a CompressedCertificate, once inflated, is the Certificate it stands for. The plugin
// inflates the bytes the scan copied (analyser/compress: Debian's zlib, brotli and zstd, bounded as in
// tlsflags-check) instead of relying on the Wireshark version to do it, and gives the core the same
// facts as for an uncompressed Certificate: entries, their DER, the TLS Flags of the entries, context.
#pragma once

#include "frame_scan.hpp"
#include "tlsflags/core/events.hpp"

namespace tlsflags::plugin {

// Fills `certificate` (a certificate event) from the scanned CompressedCertificate: its compression facts
// (algorithm, declared length, what became of the inflation) and, when it inflated to a well-formed
// Certificate (RFC 8446 §4.4.2), that Certificate's facts. The TLS Flags extension is `flags_extension`.
void describe_compressed_certificate(const ScannedMessage& m, uint16_t flags_extension, Event& certificate);

}  // namespace tlsflags::plugin
