// mutate_capture: deterministic corruption of a pcap or pcapng file, for feeding hostile input to
// tshark + the plugin (plugin_hostile.sh). The same (mode, seed, input) always gives the same output.
//
//   mutate_capture MODE SEED IN OUT
//     bits      flip 1..16 bits inside packet data (the dissectors see them; the file still reads)
//     flags     rewrite bytes right after a TLS Flags extension type (00 3e / fe 01): its length fields
//               and flag octets, the bytes the plugin decodes itself
//     caplen    cut a few packets short, as a snap length would (the file stays well-formed)
//     truncate  cut the file at a random offset (the reader meets a record cut short)
//     anywhere  flip 1..8 bits anywhere after the first 24 bytes (block and record headers too)
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace {

using Bytes = std::vector<uint8_t>;

struct Region {
  size_t offset;
  size_t length;
  size_t caplen_field;  // offset of the record's captured-length field (0 = none)
};

uint32_t read32(const Bytes& b, size_t at, bool swap) {
  uint32_t v = 0;
  std::memcpy(&v, b.data() + at, 4);
  return swap ? __builtin_bswap32(v) : v;
}

void write32(Bytes& b, size_t at, uint32_t v, bool swap) {
  if (swap) v = __builtin_bswap32(v);
  std::memcpy(b.data() + at, &v, 4);
}

// Packet data regions of a classic pcap file (either byte order, micro- or nanosecond magic).
std::vector<Region> pcap_regions(const Bytes& file, bool swap) {
  std::vector<Region> regions;
  for (size_t at = 24; at + 16 <= file.size();) {
    const uint32_t caplen = read32(file, at + 8, swap);
    if (caplen > file.size() - at - 16) break;
    regions.push_back({at + 16, caplen, at + 8});
    at += 16 + caplen;
  }
  return regions;
}

// Packet data of the Enhanced Packet Blocks of a pcapng file (byte order from its first SHB).
std::vector<Region> pcapng_regions(const Bytes& file) {
  std::vector<Region> regions;
  if (file.size() < 12) return regions;
  const bool swap = read32(file, 8, false) != 0x1A2B3C4D;
  for (size_t at = 0; at + 12 <= file.size();) {
    const uint32_t type = read32(file, at, swap);
    const uint32_t length = read32(file, at + 4, swap);
    if (length < 12 || length > file.size() - at) break;
    if (type == 6 && length >= 32) {
      const uint32_t caplen = read32(file, at + 20, swap);
      if (caplen <= length - 32) regions.push_back({at + 28, caplen, at + 20});
    }
    at += length;
  }
  return regions;
}

bool is_pcapng(const Bytes& file) { return file.size() >= 4 && read32(file, 0, false) == 0x0A0D0D0A; }

bool pcap_swapped(const Bytes& file) {
  const uint32_t magic = read32(file, 0, false);
  return magic == 0xD4C3B2A1 || magic == 0x4D3CB2A1;
}

std::vector<Region> packet_regions(const Bytes& file) {
  return is_pcapng(file) ? pcapng_regions(file) : pcap_regions(file, pcap_swapped(file));
}

bool record_swapped(const Bytes& file) {
  if (!is_pcapng(file)) return pcap_swapped(file);
  return file.size() >= 12 && read32(file, 8, false) != 0x1A2B3C4D;
}

// A uniformly chosen byte offset inside the packet data, or npos when there is none.
size_t random_data_offset(const std::vector<Region>& regions, std::mt19937_64& rng) {
  size_t total = 0;
  for (const Region& r : regions) total += r.length;
  if (total == 0) return std::string::npos;
  size_t pick = rng() % total;
  for (const Region& r : regions) {
    if (pick < r.length) return r.offset + pick;
    pick -= r.length;
  }
  return std::string::npos;
}

void flip_bits_in_packets(Bytes& file, std::mt19937_64& rng) {
  const std::vector<Region> regions = packet_regions(file);
  const int flips = 1 + static_cast<int>(rng() % 16);
  for (int i = 0; i < flips; ++i) {
    const size_t at = random_data_offset(regions, rng);
    if (at == std::string::npos) return;
    file[at] ^= static_cast<uint8_t>(1u << (rng() % 8));
  }
}

// Values that probe length checks: zero, one, the maximum, and around powers of two.
uint8_t interesting_byte(std::mt19937_64& rng) {
  static constexpr uint8_t kValues[] = {0x00, 0x01, 0x02, 0x0a, 0x10, 0x1f, 0x20, 0x7f, 0x80, 0xfe, 0xff};
  return (rng() % 3 == 0) ? static_cast<uint8_t>(rng()) : kValues[rng() % std::size(kValues)];
}

// extension_type(2) extension_data length(2) flags length(1) flags(...): rewrite some of the 8 bytes
// after the type of every TLS Flags extension found in packet data (62 and Cloudflare's 0xFE01).
void corrupt_flags_extensions(Bytes& file, std::mt19937_64& rng) {
  bool changed = false;
  for (const Region& r : packet_regions(file)) {
    for (size_t i = r.offset; i + 10 <= r.offset + r.length; ++i) {
      const bool type62 = file[i] == 0x00 && file[i + 1] == 0x3e;
      const bool type_fe01 = file[i] == 0xfe && file[i + 1] == 0x01;
      if (!(type62 || type_fe01) || file[i + 2] != 0x00 || file[i + 3] == 0 || file[i + 3] > 33) continue;
      if (rng() % 2 == 0) continue;
      file[i + 2 + rng() % 8] = interesting_byte(rng);
      changed = true;
    }
  }
  if (!changed) flip_bits_in_packets(file, rng);  // no plaintext extension: still corrupt something
}

// Each record's new captured length, or -1 to keep it.
std::vector<int64_t> choose_cuts(const std::vector<Region>& regions, std::mt19937_64& rng) {
  std::vector<int64_t> cuts;
  for (const Region& r : regions) cuts.push_back(r.length > 0 && rng() % 3 == 0 ? static_cast<int64_t>(rng() % r.length) : -1);
  return cuts;
}

// The snap length cut some packets: their captured length shrinks and their tail bytes go, the file
// stays well-formed (pcap records; pcapng EPBs rebuilt with padding, their options dropped).
void shrink_captured_lengths(Bytes& file, std::mt19937_64& rng) {
  const std::vector<Region> regions = packet_regions(file);
  const std::vector<int64_t> cuts = choose_cuts(regions, rng);
  const bool swap = record_swapped(file);
  const bool pcapng = is_pcapng(file);
  Bytes out;
  size_t copied_to = 0;
  for (size_t k = 0; k < regions.size(); ++k) {
    const Region& r = regions[k];
    if (cuts[k] < 0) continue;
    const size_t header = pcapng ? 28 : 16;
    const size_t record_start = r.offset - header;
    out.insert(out.end(), file.begin() + static_cast<long>(copied_to), file.begin() + static_cast<long>(record_start));
    const size_t keep = static_cast<size_t>(cuts[k]);
    const size_t at = out.size();
    out.insert(out.end(), file.begin() + static_cast<long>(record_start), file.begin() + static_cast<long>(r.offset + keep));
    write32(out, at + (r.caplen_field - record_start), static_cast<uint32_t>(keep), swap);
    if (pcapng) {
      out.resize(out.size() + (4 - keep % 4) % 4, 0);
      const uint32_t block_length = static_cast<uint32_t>(out.size() - at + 4);
      write32(out, at + 4, block_length, swap);
      out.resize(out.size() + 4);
      write32(out, out.size() - 4, block_length, swap);
      copied_to = record_start + read32(file, record_start + 4, swap);
    } else {
      copied_to = r.offset + r.length;
    }
  }
  out.insert(out.end(), file.begin() + static_cast<long>(copied_to), file.end());
  file = std::move(out);
}

void truncate_file(Bytes& file, std::mt19937_64& rng) {
  if (file.size() > 25) file.resize(24 + rng() % (file.size() - 24));
}

void flip_bits_anywhere(Bytes& file, std::mt19937_64& rng) {
  if (file.size() <= 24) return;
  const int flips = 1 + static_cast<int>(rng() % 8);
  for (int i = 0; i < flips; ++i) file[24 + rng() % (file.size() - 24)] ^= static_cast<uint8_t>(1u << (rng() % 8));
}

bool mutate(const std::string& mode, Bytes& file, std::mt19937_64& rng) {
  if (mode == "bits") flip_bits_in_packets(file, rng);
  else if (mode == "flags") corrupt_flags_extensions(file, rng);
  else if (mode == "caplen") shrink_captured_lengths(file, rng);
  else if (mode == "truncate") truncate_file(file, rng);
  else if (mode == "anywhere") flip_bits_anywhere(file, rng);
  else return false;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: mutate_capture bits|flags|caplen|truncate|anywhere SEED IN OUT\n";
    return 2;
  }
  std::ifstream in(argv[3], std::ios::binary);
  Bytes file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.eof() && !in) {
    std::cerr << "mutate_capture: cannot read " << argv[3] << '\n';
    return 2;
  }
  std::mt19937_64 rng(std::stoull(argv[2]));
  if (!mutate(argv[1], file, rng)) {
    std::cerr << "mutate_capture: unknown mode " << argv[1] << '\n';
    return 2;
  }
  std::ofstream out(argv[4], std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(file.data()), static_cast<std::streamsize>(file.size()));
  return out ? 0 : 2;
}
