// The fast path for the common case, an uncompressed classic pcap file: records are parsed straight out of
// large read() buffers and handed on as spans into them. libpcap copies every record twice (kernel →
// stdio buffer → its own buffer) behind a call per record, which caps it well below the 2 GB/s the
// analyser needs; mapping the file instead costs more in page-table work than one copy does.
// libpcap has already opened and validated the file header; anything unusual (the modified Kuznetzov
// format, another version) is left to libpcap.
#pragma once

#include <cstdint>
#include <string>

#include "pcapng_scan.hpp"

namespace tlsflags::capture {

enum class DirectRead : uint8_t { done, failed, not_handled };

// Reads every record of the classic pcap file at `path` (microsecond or nanosecond variant, either byte
// order) and hands it to `sink` with `link_type`. `failed`: a truncated or broken record (`error` says
// which), after every record before it was delivered. `not_handled`: not a file this path reads;
// nothing was delivered.
DirectRead read_pcap_directly(const std::string& path, int link_type, PacketSink& sink, std::string& error);

}  // namespace tlsflags::capture
