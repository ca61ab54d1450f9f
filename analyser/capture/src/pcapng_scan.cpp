#include "pcapng_scan.hpp"

#include <algorithm>
#include <cstring>

namespace tlsflags::capture {
namespace {

constexpr uint32_t kByteOrderMagic = 0x1a2b3c4d;
constexpr uint64_t kMaxBlockBody = 256u << 20;  // larger is taken as a broken file
constexpr uint32_t kLibpcapMaxSnaplen = 262144;  // MAXIMUM_SNAPLEN in libpcap 1.10

// A little- or big-endian 32-bit value of a few bytes already read whole.
uint32_t le32(std::span<const uint8_t> bytes) {
  uint32_t value = 0;
  ByteReader(bytes).u32le(value);
  return value;
}
uint32_t be32(std::span<const uint8_t> bytes) {
  uint32_t value = 0;
  ByteReader(bytes).u32(value);
  return value;
}

// libpcap's pcap_adjust_snapshot: 0 or beyond the maximum means the maximum.
uint32_t adjusted_snaplen(uint32_t snaplen) {
  return snaplen == 0 || snaplen > kLibpcapMaxSnaplen ? kLibpcapMaxSnaplen : snaplen;
}

}  // namespace

bool PcapngBlockWalker::u32_pair(ByteReader& reader, uint64_t& out) const {
  uint32_t upper = 0, lower = 0;
  ByteReader attempt = reader;  // both halves or neither (the reader's failure rule)
  if (!u32(attempt, upper) || !u32(attempt, lower)) return false;
  reader = attempt;
  out = (uint64_t{upper} << 32) | lower;
  return true;
}

bool PcapngBlockWalker::u64(ByteReader& reader, uint64_t& out) const {
  uint32_t first = 0, second = 0;
  ByteReader attempt = reader;
  if (!u32(attempt, first) || !u32(attempt, second)) return false;
  reader = attempt;
  out = big_endian_ ? (uint64_t{first} << 32) | second : (uint64_t{second} << 32) | first;
  return true;
}

bool PcapngBlockWalker::next() {
  uint8_t header[8];
  const size_t got = source_.read(header, sizeof header);
  if (got == 0) return false;  // the end
  if (got < sizeof header) {
    problem_ = "truncated block header";
    return false;
  }
  // The SHB type reads the same in both byte orders; its byte-order magic decides the section's.
  if (le32(header) == kPcapngSectionHeader) {
    uint8_t magic[4];
    if (!source_.read_exactly(magic, sizeof magic)) {
      problem_ = "truncated Section Header Block";
      return false;
    }
    if (le32(magic) == kByteOrderMagic) {
      big_endian_ = false;
    } else if (be32(magic) == kByteOrderMagic) {
      big_endian_ = true;
    } else {
      problem_ = "Section Header Block with a bad byte-order magic";
      return false;
    }
  } else if (first_) {
    problem_ = "not a pcapng file";
    return false;
  }
  first_ = false;
  ByteReader fields(header);
  uint32_t total = 0;
  if (!u32(fields, type_) || !u32(fields, total)) return false;  // never: the 8 bytes were read
  const uint32_t fixed = type_ == kPcapngSectionHeader ? 16 : 12;
  if (total < fixed || total % 4 != 0 || total - fixed > kMaxBlockBody) {
    problem_ = "block of type " + std::to_string(type_) + " with a bad length " + std::to_string(total);
    return false;
  }
  body_length_ = total - fixed;
  return true;
}

bool PcapngBlockWalker::read_body(std::vector<uint8_t>& body) {
  // The declared length is only a claim (up to kMaxBlockBody) and a gzip stream cannot say how much is
  // left: the body grows a chunk at a time as its bytes arrive, so a 64-byte file declaring a 256 MiB
  // block costs one chunk, not 256 MiB.
  constexpr size_t kChunk = 1u << 20;
  body.clear();
  while (body.size() < body_length_) {
    const size_t have = body.size();
    const size_t want = static_cast<size_t>(std::min<uint64_t>(kChunk, body_length_ - have));
    body.resize(have + want);
    if (!source_.read_exactly(body.data() + have, want)) {
      problem_ = "truncated block of type " + std::to_string(type_);
      return false;
    }
  }
  uint8_t trailer[4];
  if (!source_.read_exactly(trailer, sizeof trailer)) {
    problem_ = "truncated block of type " + std::to_string(type_);
    return false;
  }
  return true;
}

bool PcapngBlockWalker::skip_body() {
  if (!source_.skip(body_length_ + 4)) {
    problem_ = "truncated block of type " + std::to_string(type_);
    return false;
  }
  return true;
}

namespace {

// §4.2: LinkType (2), reserved (2), SnapLen (4), options.
bool note_interface(PcapngBlockWalker& walker, std::vector<uint8_t>& body, PcapngScan& scan) {
  if (!walker.read_body(body)) return false;
  ByteReader fields(body);
  PcapngInterface interface;
  if (!walker.u16(fields, interface.link_type) || !fields.skip(2) || !walker.u32(fields, interface.snaplen)) return false;
  scan.interfaces.push_back(interface);
  return true;
}

// §4.7: Secrets Type (4), Secrets Length (4), Secrets Data, padding, options.
bool note_secrets(PcapngBlockWalker& walker, std::vector<uint8_t>& body, PcapngScan& scan) {
  if (!walker.read_body(body)) return false;
  ByteReader fields(body);
  uint32_t secrets_type = 0, length = 0;
  std::span<const uint8_t> secrets;
  if (!walker.u32(fields, secrets_type) || !walker.u32(fields, length) || !fields.bytes(length, secrets)) return false;
  if (secrets_type == kSecretsTypeTlsKeyLog) {
    scan.secrets.emplace_back(reinterpret_cast<const char*>(secrets.data()), secrets.size());
  } else {
    ++scan.other_secrets_blocks;
  }
  return true;
}

}  // namespace

PcapngScan scan_pcapng(ByteSource& source) {
  PcapngScan scan;
  PcapngBlockWalker walker(source);
  std::vector<uint8_t> body;
  while (walker.next()) {
    scan.pcapng = true;
    bool ok = true;
    if (walker.type() == kPcapngInterfaceDescription) {
      ok = note_interface(walker, body, scan);
    } else if (walker.type() == kPcapngDecryptionSecrets) {
      ok = note_secrets(walker, body, scan);
    } else {
      ok = walker.skip_body();
    }
    if (!ok) break;
  }
  return scan;
}

std::string libpcap_refusal(const PcapngScan& scan) {
  if (scan.interfaces.size() < 2) return "";
  const PcapngInterface& first = scan.interfaces.front();
  for (const PcapngInterface& other : scan.interfaces) {
    if (other.link_type != first.link_type) {
      return "interfaces with different link types (" + std::to_string(first.link_type) + " and " +
             std::to_string(other.link_type) + ")";
    }
    if (adjusted_snaplen(other.snaplen) != adjusted_snaplen(first.snaplen)) {
      return "interfaces with different snap lengths (" + std::to_string(first.snaplen) + " and " +
             std::to_string(other.snaplen) + ")";
    }
  }
  return "";
}

namespace {

// An interface's time stamp unit (§4.2 if_tsresol, option 9: 10^-v, or 2^-v with the top bit set;
// default 10^-6) and offset in seconds (if_tsoffset, option 14).
struct InterfaceClock {
  uint16_t link_type = 0;
  uint32_t snaplen = 0;
  bool binary = false;
  uint8_t exponent = 6;
  int64_t offset_seconds = 0;

  int64_t to_ns(uint64_t ticks) const {
    // In 128 bits nothing here can overflow: ticks < 2^64 times 10^9 < 2^94, and the offset's
    // nanoseconds < 2^63 * 10^9 < 2^93. Only the result is brought back into int64.
    unsigned __int128 ns = ticks;
    if (binary) {
      ns = (ns * 1'000'000'000u) >> std::min<uint8_t>(exponent, 63);
    } else if (exponent <= 9) {
      for (uint8_t i = exponent; i < 9; ++i) ns *= 10;
    } else {
      for (uint8_t i = 9; i < exponent && i < 40; ++i) ns /= 10;
    }
    return saturated_ns(static_cast<__int128>(ns) + static_cast<__int128>(offset_seconds) * 1'000'000'000);
  }
};

// §3.5 options: code (2), length (2), value padded to 32 bits; opt_endofopt (0) or a short one ends them.
void read_interface_options(const PcapngBlockWalker& walker, ByteReader options, InterfaceClock& clock) {
  uint16_t code = 0, length = 0;
  std::span<const uint8_t> padded;
  while (walker.u16(options, code) && walker.u16(options, length) && code != 0 &&
         options.bytes((size_t{length} + 3) & ~size_t{3}, padded)) {
    ByteReader value(padded.first(length));
    uint8_t resolution = 0;
    uint64_t offset = 0;
    if (code == 9 && length == 1 && value.u8(resolution)) {
      clock.binary = (resolution & 0x80) != 0;
      clock.exponent = resolution & 0x7f;
    } else if (code == 14 && length == 8 && walker.u64(value, offset)) {
      clock.offset_seconds = static_cast<int64_t>(offset);
    }
  }
}

class DirectReader {
 public:
  DirectReader(ByteSource& source, PacketSink& sink) : walker_(source), sink_(sink) {}

  bool run(std::string& error) {
    while (!sink_.stop_requested() && walker_.next()) {
      if (!handle_block()) {
        error = problem_.empty() ? walker_.problem() : problem_;
        return false;
      }
    }
    error = walker_.problem();
    return error.empty();
  }

 private:
  bool handle_block() {
    switch (walker_.type()) {
      case kPcapngSectionHeader:
        interfaces_.clear();  // interface numbers start again in each section (§4.1)
        return walker_.skip_body();
      case kPcapngInterfaceDescription: return interface();
      case kPcapngEnhancedPacket: return enhanced_packet();
      case kPcapngSimplePacket: return simple_packet();
      case kPcapngPacketObsolete: return obsolete_packet();
      default: return walker_.skip_body();
    }
  }

  bool interface() {
    if (!walker_.read_body(body_)) return broken("short Interface Description Block");
    ByteReader fields(body_);
    InterfaceClock clock;
    if (!walker_.u16(fields, clock.link_type) || !fields.skip(2) || !walker_.u32(fields, clock.snaplen))
      return broken("short Interface Description Block");
    read_interface_options(walker_, fields, clock);
    interfaces_.push_back(clock);
    return true;
  }

  // §4.3: Interface ID, Timestamp (upper, lower), Captured Length, Original Length, data, options.
  bool enhanced_packet() {
    if (!walker_.read_body(body_)) return broken("short Enhanced Packet Block");
    ByteReader fields(body_);
    uint32_t interface_id = 0, captured = 0, original = 0;
    uint64_t ticks = 0;
    if (!walker_.u32(fields, interface_id) || !walker_.u32_pair(fields, ticks) || !walker_.u32(fields, captured) ||
        !walker_.u32(fields, original))
      return broken("short Enhanced Packet Block");
    return deliver(interface_id, ticks, captured, 20, "Enhanced Packet Block");
  }

  // §4.4: Original Length, data (as much as the first interface's snap length kept), no time stamp.
  bool simple_packet() {
    if (!walker_.read_body(body_)) return broken("short Simple Packet Block");
    ByteReader fields(body_);
    uint32_t original = 0;
    if (!walker_.u32(fields, original)) return broken("short Simple Packet Block");
    uint32_t captured = static_cast<uint32_t>(std::min<uint64_t>(original, body_.size() - 4));
    if (!interfaces_.empty() && interfaces_[0].snaplen != 0) captured = std::min(captured, interfaces_[0].snaplen);
    return deliver(0, 0, captured, 4, "Simple Packet Block");
  }

  // Appendix: Interface ID (2), Drops Count (2), Timestamp (upper, lower), Captured Length, Original Length.
  bool obsolete_packet() {
    if (!walker_.read_body(body_)) return broken("short Packet Block");
    ByteReader fields(body_);
    uint16_t interface_id = 0, drops = 0;
    uint32_t captured = 0, original = 0;
    uint64_t ticks = 0;
    if (!walker_.u16(fields, interface_id) || !walker_.u16(fields, drops) || !walker_.u32_pair(fields, ticks) ||
        !walker_.u32(fields, captured) || !walker_.u32(fields, original))
      return broken("short Packet Block");
    return deliver(interface_id, ticks, captured, 20, "Packet Block");
  }

  bool deliver(uint32_t interface_id, uint64_t ticks, uint32_t captured, size_t data_at, const char* block) {
    if (interface_id >= interfaces_.size()) {
      return broken(std::string(block) + " for interface " + std::to_string(interface_id) + ", never described");
    }
    if (captured > body_.size() - data_at) return broken(std::string(block) + " with a captured length beyond it");
    const InterfaceClock& clock = interfaces_[interface_id];
    sink_.packet(clock.link_type, clock.to_ns(ticks), std::span<const uint8_t>(body_).subspan(data_at, captured));
    return true;
  }

  bool broken(std::string problem) {
    if (problem_.empty()) problem_ = walker_.problem().empty() ? std::move(problem) : walker_.problem();
    return false;
  }

  PcapngBlockWalker walker_;
  PacketSink& sink_;
  std::vector<InterfaceClock> interfaces_;
  std::vector<uint8_t> body_;
  std::string problem_;
};

}  // namespace

bool read_pcapng_packets(ByteSource& source, PacketSink& sink, std::string& error) {
  DirectReader reader(source, sink);
  return reader.run(error);
}

}  // namespace tlsflags::capture
