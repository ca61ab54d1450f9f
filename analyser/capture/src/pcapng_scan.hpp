// pcapng at block level (draft-ietf-opsawg-pcapng, "PCAP Now Generic"). libpcap reads the packets;
// this code does what libpcap does not: it finds the Decryption Secrets Blocks (§4.7), which libpcap
// skips, and it reads the packets of files libpcap refuses (interfaces with different link types or snap
// lengths in one file).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "file_input.hpp"
#include "tlsflags/core/byte_reader.hpp"

namespace tlsflags::capture {

inline constexpr uint32_t kPcapngSectionHeader = 0x0a0d0d0a;
inline constexpr uint32_t kPcapngInterfaceDescription = 0x00000001;
inline constexpr uint32_t kPcapngPacketObsolete = 0x00000002;
inline constexpr uint32_t kPcapngSimplePacket = 0x00000003;
inline constexpr uint32_t kPcapngEnhancedPacket = 0x00000006;
inline constexpr uint32_t kPcapngDecryptionSecrets = 0x0000000a;
inline constexpr uint32_t kSecretsTypeTlsKeyLog = 0x544c534b;  // "TLSK": NSS key log text

// Walks the blocks of a pcapng file: §3.1 general block structure (type, total length, body, total
// length again); the Section Header Block's byte-order magic sets the byte order of its section.
class PcapngBlockWalker {
 public:
  explicit PcapngBlockWalker(ByteSource& source) : source_(source) {}

  // Reads the next block's header. False at the end of the file or at a broken header (problem() says
  // which; empty at a clean end).
  bool next();
  uint32_t type() const { return type_; }
  uint64_t body_length() const { return body_length_; }  // without the trailing length (and SHB magic)
  bool big_endian() const { return big_endian_; }
  // Reads the body (and the trailing length) into `body`, or skips both.
  bool read_body(std::vector<uint8_t>& body);
  bool skip_body();
  const std::string& problem() const { return problem_; }

  // Integers in the section's byte order, read with the one byte reader (its failure rule holds).
  bool u16(ByteReader& reader, uint16_t& out) const { return big_endian_ ? reader.u16(out) : reader.u16le(out); }
  bool u32(ByteReader& reader, uint32_t& out) const { return big_endian_ ? reader.u32(out) : reader.u32le(out); }
  // Two 32-bit halves, the upper first (§4.3 timestamps).
  bool u32_pair(ByteReader& reader, uint64_t& out) const;
  // One 64-bit value (§4.2 if_tsoffset).
  bool u64(ByteReader& reader, uint64_t& out) const;

 private:
  ByteSource& source_;
  uint32_t type_ = 0;
  uint64_t body_length_ = 0;
  bool big_endian_ = false;
  bool first_ = true;
  std::string problem_;
};

struct PcapngInterface {
  uint16_t link_type = 0;  // LINKTYPE_ value
  uint32_t snaplen = 0;
};

struct PcapngScan {
  bool pcapng = false;
  std::vector<std::string> secrets;  // NSS key log text of every TLSK DSB, in file order
  uint64_t other_secrets_blocks = 0;  // DSBs of other secrets types (WireGuard, ZigBee, ...)
  std::vector<PcapngInterface> interfaces;  // every IDB of every section, in file order
};

// The pre-pass: header by header, skipping bodies, through the whole file. A broken or truncated file
// just ends the scan (the packet reader reports it).
PcapngScan scan_pcapng(ByteSource& source);

// Why libpcap (1.10) will stop reading this file at its second interface, or "" when it will not: it
// requires every interface to have the first one's link type and snap length.
std::string libpcap_refusal(const PcapngScan& scan);

// A time stamp in nanoseconds since the epoch, clamped into int64 (±292 years around 1970). Files can
// claim any time (a pcapng interface counting whole seconds, an if_tsoffset of 2^62 s); such absurd
// times are pinned to the ends of the range rather than wrapped (signed overflow is undefined).
inline int64_t saturated_ns(__int128 ns) {
  constexpr __int128 kMax = INT64_MAX, kMin = INT64_MIN;
  return static_cast<int64_t>(ns > kMax ? kMax : ns < kMin ? kMin : ns);
}
inline int64_t saturated_ns(int64_t seconds, int64_t nanoseconds) {
  return saturated_ns(static_cast<__int128>(seconds) * 1'000'000'000 + nanoseconds);
}

class PacketSink {
 public:
  virtual ~PacketSink() = default;
  virtual void packet(int link_type, int64_t timestamp_ns, std::span<const uint8_t> data) = 0;
  // Asked before each record: true ends the reading there, as a clean end (CaptureOptions::stop).
  virtual bool stop_requested() const { return false; }
};

// Reads the packets of a pcapng file itself (Enhanced, Simple and obsolete Packet Blocks), each with its
// interface's link type. Returns false with `error` set on a broken or truncated file, after delivering
// every packet before the problem.
bool read_pcapng_packets(ByteSource& source, PacketSink& sink, std::string& error);

}  // namespace tlsflags::capture
