#include "capture_file.hpp"

#include <fstream>
#include <stdexcept>

namespace tlsgen {
namespace {

constexpr std::uint32_t kLinkTypeEthernet = 1;
constexpr std::uint32_t kSnapLength = 65535;

// Both formats are written in little-endian order; readers detect it from the magic numbers.
void put_le16(Bytes& out, std::uint16_t value) {
  out.push_back(static_cast<std::uint8_t>(value));
  out.push_back(static_cast<std::uint8_t>(value >> 8));
}

void put_le32(Bytes& out, std::uint32_t value) {
  put_le16(out, static_cast<std::uint16_t>(value));
  put_le16(out, static_cast<std::uint16_t>(value >> 16));
}

void write_all(const std::string& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

void pad_to_32_bits(Bytes& out) {
  while (out.size() % 4) out.push_back(0);
}

// pcapng block: type, total length, body (padded), total length again (pcapng spec §3.1).
void put_block(Bytes& out, std::uint32_t type, Bytes body) {
  pad_to_32_bits(body);
  const auto total = static_cast<std::uint32_t>(12 + body.size());
  put_le32(out, type);
  put_le32(out, total);
  out.insert(out.end(), body.begin(), body.end());
  put_le32(out, total);
}

void put_section_header(Bytes& out) {
  Bytes body;
  put_le32(body, 0x1A2B3C4D);  // byte-order magic
  put_le16(body, 1);           // version 1.0
  put_le16(body, 0);
  put_le32(body, 0xFFFFFFFF);  // section length unknown
  put_le32(body, 0xFFFFFFFF);
  put_block(out, 0x0A0D0D0A, std::move(body));
}

void put_interface_description(Bytes& out) {
  Bytes body;
  put_le16(body, kLinkTypeEthernet);
  put_le16(body, 0);
  put_le32(body, kSnapLength);  // no options: if_tsresol defaults to microseconds
  put_block(out, 0x00000001, std::move(body));
}

// Decryption Secrets Block (pcapng spec §4.7), secrets type 0x544c534b = TLS key log.
void put_decryption_secrets(Bytes& out, const std::string& key_log) {
  Bytes body;
  put_le32(body, 0x544C534B);
  put_le32(body, static_cast<std::uint32_t>(key_log.size()));
  body.insert(body.end(), key_log.begin(), key_log.end());
  put_block(out, 0x0000000A, std::move(body));
}

void put_enhanced_packet(Bytes& out, const CapturedFrame& frame) {
  Bytes body;
  put_le32(body, 0);  // interface 0
  put_le32(body, static_cast<std::uint32_t>(frame.time_us >> 32));
  put_le32(body, static_cast<std::uint32_t>(frame.time_us));
  put_le32(body, static_cast<std::uint32_t>(frame.data.size()));
  put_le32(body, static_cast<std::uint32_t>(frame.data.size()));
  body.insert(body.end(), frame.data.begin(), frame.data.end());
  put_block(out, 0x00000006, std::move(body));
}

}  // namespace

void write_pcap(const std::string& path, const std::vector<CapturedFrame>& frames) {
  Bytes out;
  put_le32(out, 0xA1B2C3D4);  // microsecond timestamps
  put_le16(out, 2);
  put_le16(out, 4);
  put_le32(out, 0);  // thiszone
  put_le32(out, 0);  // sigfigs
  put_le32(out, kSnapLength);
  put_le32(out, kLinkTypeEthernet);
  for (const CapturedFrame& frame : frames) {
    put_le32(out, static_cast<std::uint32_t>(frame.time_us / 1000000));
    put_le32(out, static_cast<std::uint32_t>(frame.time_us % 1000000));
    put_le32(out, static_cast<std::uint32_t>(frame.data.size()));
    put_le32(out, static_cast<std::uint32_t>(frame.data.size()));
    out.insert(out.end(), frame.data.begin(), frame.data.end());
  }
  write_all(path, out);
}

void write_pcapng(const std::string& path, const std::vector<CapturedFrame>& frames, const std::string& tls_key_log) {
  Bytes out;
  put_section_header(out);
  put_interface_description(out);
  if (!tls_key_log.empty()) put_decryption_secrets(out, tls_key_log);
  for (const CapturedFrame& frame : frames) put_enhanced_packet(out, frame);
  write_all(path, out);
}

void write_text(const std::string& path, const std::string& text) { write_all(path, Bytes(text.begin(), text.end())); }

}  // namespace tlsgen
