// Writes a small pcap for the CLI tests: one TLS 1.3 connection whose ClientHello carries the TLS Flags
// extension with the given flags (none: no extension), a ServerHello, and encrypted records nobody has
// keys for. Built here rather than stored, so that the CLI tests do not depend on captures/.
//
//   make_capture OUT.pcap CLIENT_PORT [FLAG...]
#include <array>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

namespace {

using Bytes = std::vector<uint8_t>;

void put16(Bytes& b, uint32_t v) { b.insert(b.end(), {uint8_t(v >> 8), uint8_t(v)}); }
void put24(Bytes& b, uint32_t v) { b.insert(b.end(), {uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)}); }
void put32(Bytes& b, uint32_t v) { put16(b, v >> 16); put16(b, v & 0xFFFF); }
void put_le32(Bytes& b, uint32_t v) { b.insert(b.end(), {uint8_t(v), uint8_t(v >> 8), uint8_t(v >> 16), uint8_t(v >> 24)}); }
void append(Bytes& b, const Bytes& more) { b.insert(b.end(), more.begin(), more.end()); }
Bytes filled(size_t n, uint8_t value) { return Bytes(n, value); }

Bytes u16_prefixed(const Bytes& body) { Bytes b; put16(b, static_cast<uint32_t>(body.size())); append(b, body); return b; }
Bytes u8_prefixed(const Bytes& body) { Bytes b{static_cast<uint8_t>(body.size())}; append(b, body); return b; }

Bytes extension(uint16_t type, const Bytes& body) { Bytes b; put16(b, type); append(b, u16_prefixed(body)); return b; }

Bytes flags_body(const std::vector<uint16_t>& flags) {
  Bytes vector;
  for (uint16_t flag : flags) {
    if (vector.size() <= flag / 8u) vector.resize(flag / 8u + 1);
    vector[flag / 8u] |= static_cast<uint8_t>(1u << (flag % 8u));
  }
  return u8_prefixed(vector);
}

Bytes handshake(uint8_t type, const Bytes& body) { Bytes b{type}; put24(b, static_cast<uint32_t>(body.size())); append(b, body); return b; }
Bytes record(uint8_t type, const Bytes& body) { Bytes b{type, 3, 3}; append(b, u16_prefixed(body)); return b; }

Bytes key_share() { Bytes share; put16(share, 0x001d); append(share, u16_prefixed(filled(32, 0x42))); return share; }

Bytes client_hello(const std::vector<uint16_t>& flags) {
  Bytes name{0};
  append(name, u16_prefixed(Bytes{'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'c', 'o', 'm'}));
  Bytes extensions;
  append(extensions, extension(0, u16_prefixed(name)));
  append(extensions, extension(43, u8_prefixed({3, 4})));
  append(extensions, extension(10, u16_prefixed({0x00, 0x1d})));
  append(extensions, extension(13, u16_prefixed({0x08, 0x04})));
  append(extensions, extension(51, u16_prefixed(key_share())));
  if (!flags.empty()) append(extensions, extension(62, flags_body(flags)));
  Bytes body{3, 3};
  append(body, filled(32, 0x11));               // random
  append(body, u8_prefixed(filled(32, 0x22)));  // legacy_session_id
  append(body, u16_prefixed({0x13, 0x01}));     // TLS_AES_128_GCM_SHA256
  append(body, u8_prefixed({0}));               // null compression
  append(body, u16_prefixed(extensions));
  return record(22, handshake(1, body));
}

Bytes server_flight() {
  Bytes extensions;
  append(extensions, extension(43, {3, 4}));
  append(extensions, extension(51, key_share()));
  Bytes body{3, 3};
  append(body, filled(32, 0x33));
  append(body, u8_prefixed(filled(32, 0x22)));
  append(body, {0x13, 0x01, 0});
  append(body, u16_prefixed(extensions));
  Bytes flight = record(22, handshake(2, body));
  append(flight, record(20, {1}));                 // ChangeCipherSpec (middlebox compatibility)
  append(flight, record(23, filled(120, 0x5a)));  // the encrypted rest of the server's flight
  return flight;
}

uint16_t checksum(const Bytes& data, uint32_t sum = 0) {
  for (size_t i = 0; i + 1 < data.size(); i += 2) sum += (data[i] << 8) | data[i + 1];
  if (data.size() % 2) sum += data.back() << 8;
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

struct Packet {
  bool from_client;
  uint8_t tcp_flags;
  Bytes payload;
};

class PcapWriter {
 public:
  PcapWriter(const std::string& path, uint16_t client_port) : out_(path, std::ios::binary), client_port_(client_port) {
    Bytes header;
    put_le32(header, 0xa1b2c3d4);
    header.insert(header.end(), {2, 0, 4, 0});
    put_le32(header, 0);
    put_le32(header, 0);
    put_le32(header, 65535);
    put_le32(header, 1);  // LINKTYPE_ETHERNET
    write(header);
  }
  bool ok() const { return static_cast<bool>(out_); }

  void packet(const Packet& p) {
    std::array<uint8_t, 4> client{10, 0, 0, 1}, server{10, 0, 0, 2};
    const auto& src = p.from_client ? client : server;
    const auto& dst = p.from_client ? server : client;
    uint32_t& seq = p.from_client ? client_seq_ : server_seq_;
    bool opening_syn = p.from_client && p.tcp_flags == 0x02;  // the only segment without ACK
    uint32_t ack = opening_syn ? 0 : (p.from_client ? server_seq_ : client_seq_);
    Bytes tcp;
    put16(tcp, p.from_client ? client_port_ : 443);
    put16(tcp, p.from_client ? 443 : client_port_);
    put32(tcp, seq);
    put32(tcp, ack);
    tcp.insert(tcp.end(), {0x50, static_cast<uint8_t>(p.tcp_flags | (opening_syn ? 0 : 0x10)), 0xff, 0xff, 0, 0, 0, 0});
    append(tcp, p.payload);
    Bytes pseudo(src.begin(), src.end());
    pseudo.insert(pseudo.end(), dst.begin(), dst.end());
    pseudo.insert(pseudo.end(), {0, 6});
    put16(pseudo, static_cast<uint32_t>(tcp.size()));
    append(pseudo, tcp);
    uint16_t tcp_sum = checksum(pseudo);
    tcp[16] = uint8_t(tcp_sum >> 8);
    tcp[17] = uint8_t(tcp_sum);
    seq += static_cast<uint32_t>(p.payload.size()) + ((p.tcp_flags & 0x03) ? 1 : 0);  // SYN and FIN count

    Bytes ip{0x45, 0};
    put16(ip, static_cast<uint32_t>(20 + tcp.size()));
    ip.insert(ip.end(), {0, 0, 0x40, 0, 64, 6, 0, 0});
    ip.insert(ip.end(), src.begin(), src.end());
    ip.insert(ip.end(), dst.begin(), dst.end());
    uint16_t ip_sum = checksum(ip);
    ip[10] = uint8_t(ip_sum >> 8);
    ip[11] = uint8_t(ip_sum);

    Bytes frame = {0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 0x08, 0x00};
    append(frame, ip);
    append(frame, tcp);
    Bytes record_header;
    ++frames_;
    put_le32(record_header, 1700000000);
    put_le32(record_header, frames_ * 1000);
    put_le32(record_header, static_cast<uint32_t>(frame.size()));
    put_le32(record_header, static_cast<uint32_t>(frame.size()));
    write(record_header);
    write(frame);
  }

 private:
  void write(const Bytes& b) { out_.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size())); }
  std::ofstream out_;
  uint16_t client_port_;
  uint32_t client_seq_ = 1000, server_seq_ = 5000, frames_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: make_capture OUT.pcap CLIENT_PORT [FLAG...]\n";
    return 2;
  }
  std::vector<uint16_t> flags;
  for (int i = 3; i < argc; ++i) flags.push_back(static_cast<uint16_t>(std::atoi(argv[i])));
  PcapWriter pcap(argv[1], static_cast<uint16_t>(std::atoi(argv[2])));
  constexpr uint8_t kSyn = 0x02, kFin = 0x01, kPsh = 0x08;
  pcap.packet({true, kSyn, {}});
  pcap.packet({false, kSyn, {}});
  pcap.packet({true, 0, {}});
  pcap.packet({true, kPsh, client_hello(flags)});
  pcap.packet({false, kPsh, server_flight()});
  Bytes client_finish = record(20, {1});
  append(client_finish, record(23, filled(60, 0x6b)));
  pcap.packet({true, kPsh, client_finish});
  pcap.packet({true, kFin, {}});
  pcap.packet({false, kFin, {}});
  pcap.packet({true, 0, {}});
  return pcap.ok() ? 0 : 1;
}
