// Writes the bytes of small captures for the tests: link headers, IPv4/IPv6, TCP, and pcap, pcapng and
// gzip files around them. These formats are simple enough to write by hand, which keeps the tests free
// of generated binaries.
#pragma once

#include <arpa/inet.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace tlsflags::capture::testing {

using Bytes = std::string;

inline void put8(Bytes& b, uint8_t v) { b.push_back(static_cast<char>(v)); }
inline void put16(Bytes& b, uint16_t v, bool big_endian = true) {
  if (big_endian) {
    put8(b, static_cast<uint8_t>(v >> 8));
    put8(b, static_cast<uint8_t>(v));
  } else {
    put8(b, static_cast<uint8_t>(v));
    put8(b, static_cast<uint8_t>(v >> 8));
  }
}
inline void put32(Bytes& b, uint32_t v, bool big_endian = true) {
  if (big_endian) {
    put16(b, static_cast<uint16_t>(v >> 16));
    put16(b, static_cast<uint16_t>(v));
  } else {
    put16(b, static_cast<uint16_t>(v), false);
    put16(b, static_cast<uint16_t>(v >> 16), false);
  }
}
inline Bytes address_bytes(const char* text) {
  Bytes out(16, '\0');
  if (inet_pton(AF_INET, text, out.data()) == 1) return out.substr(0, 4);
  if (inet_pton(AF_INET6, text, out.data()) == 1) return out;
  throw std::invalid_argument(text);
}

namespace flag {
inline constexpr uint8_t FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10;
}

inline Bytes tcp(uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags, const Bytes& payload) {
  Bytes b;
  put16(b, sport);
  put16(b, dport);
  put32(b, seq);
  put32(b, ack);
  put8(b, 5 << 4);
  put8(b, flags);
  put16(b, 65535);  // window
  put16(b, 0);      // checksum: not checked
  put16(b, 0);      // urgent pointer
  return b + payload;
}

struct Ipv4Options {
  uint16_t flags_fragment = 0x4000;  // DF
  int total_length = -1;             // -1: computed
  Bytes options;                     // IP options (a multiple of 4 bytes)
};
inline Bytes ipv4(const char* src, const char* dst, uint8_t protocol, const Bytes& payload, const Ipv4Options& o = {}) {
  Bytes b;
  const size_t header = 20 + o.options.size();
  put8(b, static_cast<uint8_t>(0x40 | (header / 4)));
  put8(b, 0);
  put16(b, static_cast<uint16_t>(o.total_length >= 0 ? o.total_length : static_cast<int>(header + payload.size())));
  put16(b, 1);
  put16(b, o.flags_fragment);
  put8(b, 64);
  put8(b, protocol);
  put16(b, 0);
  b += address_bytes(src) + address_bytes(dst) + o.options;
  return b + payload;
}

inline Bytes ipv6(const char* src, const char* dst, uint8_t next, const Bytes& payload) {
  Bytes b;
  put32(b, 0x60000000);
  put16(b, static_cast<uint16_t>(payload.size()));
  put8(b, next);
  put8(b, 64);
  b += address_bytes(src) + address_bytes(dst);
  return b + payload;
}
// An IPv6 extension header of `length8` 8-octet units (hop-by-hop, routing, destination options).
inline Bytes ipv6_extension(uint8_t next, uint8_t length8 = 0) {
  Bytes b;
  put8(b, next);
  put8(b, length8);
  b += Bytes(6 + size_t{length8} * 8, '\x01');  // PadN-ish filler; never parsed
  return b;
}
inline Bytes ipv6_fragment_header(uint8_t next, uint16_t offset8, bool more) {
  Bytes b;
  put8(b, next);
  put8(b, 0);
  put16(b, static_cast<uint16_t>((offset8 << 3) | (more ? 1 : 0)));
  put32(b, 0x12345678);
  return b;
}

inline Bytes ethernet(uint16_t ethertype, const Bytes& payload, const std::vector<uint16_t>& tag_types = {}) {
  Bytes b("\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
  for (uint16_t tag : tag_types) {
    put16(b, tag);
    put16(b, 42);  // TCI: VLAN 42
  }
  put16(b, ethertype);
  return b + payload;
}

// One record of a capture: the bytes captured, the length on the wire (0 = the same), a time stamp.
struct Packet {
  Bytes data;
  uint32_t wire_length = 0;
  uint64_t time_us = 0;
};

struct PcapFormat {
  bool big_endian = false;
  bool nanoseconds = false;  // magic a1b23c4d: the fraction is in ns (Packet::time_us still in µs)
};
inline Bytes pcap_file(uint32_t linktype, const std::vector<Packet>& packets, uint32_t snaplen = 262144,
                       PcapFormat format = {}) {
  const bool be = format.big_endian;
  Bytes b;
  put32(b, format.nanoseconds ? 0xa1b23c4d : 0xa1b2c3d4, be);
  put16(b, 2, be);
  put16(b, 4, be);
  put32(b, 0, be);
  put32(b, 0, be);
  put32(b, snaplen, be);
  put32(b, linktype, be);
  for (const Packet& p : packets) {
    put32(b, static_cast<uint32_t>(p.time_us / 1000000), be);
    put32(b, static_cast<uint32_t>(p.time_us % 1000000 * (format.nanoseconds ? 1000 : 1)), be);
    put32(b, static_cast<uint32_t>(p.data.size()), be);
    put32(b, p.wire_length != 0 ? p.wire_length : static_cast<uint32_t>(p.data.size()), be);
    b += p.data;
  }
  return b;
}

// pcapng blocks (draft-ietf-opsawg-pcapng §4), in either byte order.
class Pcapng {
 public:
  explicit Pcapng(bool big_endian = false) : be_(big_endian) {}
  Pcapng& section() {
    Bytes body;
    put32(body, 0x1a2b3c4d, be_);
    put16(body, 1, be_);
    put16(body, 0, be_);
    put32(body, 0xffffffff, be_);
    put32(body, 0xffffffff, be_);
    return block(0x0a0d0d0a, body);
  }
  Pcapng& interface(uint16_t linktype, uint32_t snaplen = 0, const Bytes& options = "") {
    Bytes body;
    put16(body, linktype, be_);
    put16(body, 0, be_);
    put32(body, snaplen, be_);
    if (!options.empty()) body += options + option(0, "");  // opt_endofopt
    return block(1, body);
  }
  // One option (§3.5): code, length, value padded to 32 bits.
  Bytes option(uint16_t code, const Bytes& value) const {
    Bytes b;
    put16(b, code, be_);
    put16(b, static_cast<uint16_t>(value.size()), be_);
    return b + padded(value);
  }
  Bytes if_tsresol(uint8_t resolution) const { return option(9, Bytes(1, static_cast<char>(resolution))); }
  Bytes if_tsoffset(int64_t seconds) const {
    Bytes value;  // a 64-bit integer in the section's byte order
    const uint64_t v = static_cast<uint64_t>(seconds);
    if (be_) {
      put32(value, static_cast<uint32_t>(v >> 32), true);
      put32(value, static_cast<uint32_t>(v), true);
    } else {
      put32(value, static_cast<uint32_t>(v), false);
      put32(value, static_cast<uint32_t>(v >> 32), false);
    }
    return option(14, value);
  }
  Pcapng& packet(uint32_t interface_id, const Packet& p) {
    Bytes body;
    put32(body, interface_id, be_);
    put32(body, static_cast<uint32_t>(p.time_us >> 32), be_);
    put32(body, static_cast<uint32_t>(p.time_us), be_);
    put32(body, static_cast<uint32_t>(p.data.size()), be_);
    put32(body, p.wire_length != 0 ? p.wire_length : static_cast<uint32_t>(p.data.size()), be_);
    body += padded(p.data);
    return block(6, body);
  }
  Pcapng& secrets(const std::string& key_log, uint32_t type = 0x544c534b) {
    Bytes body;
    put32(body, type, be_);
    put32(body, static_cast<uint32_t>(key_log.size()), be_);
    body += padded(key_log);
    return block(0x0a, body);
  }
  Pcapng& statistics(uint32_t interface_id) {  // an Interface Statistics Block, to be skipped
    Bytes body;
    put32(body, interface_id, be_);
    put32(body, 0, be_);
    put32(body, 0, be_);
    return block(5, body);
  }
  const Bytes& bytes() const { return out_; }

 private:
  static Bytes padded(const Bytes& data) { return data + Bytes((4 - data.size() % 4) % 4, '\0'); }
  Pcapng& block(uint32_t type, const Bytes& body) {
    put32(out_, type, be_);
    put32(out_, static_cast<uint32_t>(body.size() + 12), be_);
    out_ += body;
    put32(out_, static_cast<uint32_t>(body.size() + 12), be_);
    return *this;
  }
  bool be_;
  Bytes out_;
};

inline Bytes gzip(const Bytes& data) {
  z_stream stream{};
  if (deflateInit2(&stream, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("deflateInit2");
  }
  Bytes out(deflateBound(&stream, data.size()) + 64, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int status = deflate(&stream, Z_FINISH);
  deflateEnd(&stream);
  if (status != Z_STREAM_END) throw std::runtime_error("deflate");
  out.resize(stream.total_out);
  return out;
}

// A file in a per-process temporary directory.
inline std::string write_temp(const std::string& name, const Bytes& contents) {
  const auto dir = std::filesystem::temp_directory_path() / ("tlsflags-capture-tests-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const auto path = dir / name;
  std::ofstream(path, std::ios::binary).write(contents.data(), static_cast<std::streamsize>(contents.size()));
  return path.string();
}

// A small TLS-shaped conversation as IP packets: handshake, client bytes, server bytes, FIN, FIN, ACK.
struct Conversation {
  const char* client = "10.0.0.1";
  const char* server = "10.0.0.2";
  uint16_t client_port = 50000;
  uint16_t server_port = 443;
  bool v6 = false;

  Bytes ip(bool from_client, uint32_t seq, uint32_t ack, uint8_t flags, const Bytes& payload = "") const {
    const Bytes segment = from_client ? tcp(client_port, server_port, seq, ack, flags, payload)
                                      : tcp(server_port, client_port, seq, ack, flags, payload);
    const char* src = from_client ? client : server;
    const char* dst = from_client ? server : client;
    return v6 ? ipv6(src, dst, 6, segment) : ipv4(src, dst, 6, segment);
  }
  std::vector<Bytes> packets() const {
    using namespace flag;
    return {
        ip(true, 100, 0, SYN),
        ip(false, 900, 101, SYN | ACK),
        ip(true, 101, 901, ACK),
        ip(true, 101, 901, ACK | PSH, "CLIENTHELLO"),
        ip(false, 901, 112, ACK | PSH, "SERVERHELLO+"),
        ip(true, 112, 913, ACK | FIN),
        ip(false, 913, 113, ACK | FIN),
        ip(true, 113, 914, ACK),
    };
  }
};

}  // namespace tlsflags::capture::testing
