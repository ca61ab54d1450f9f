// The physical reference of W2: libpcap alone reading the file, touching nothing but the record
// headers. No analyser can read a capture faster than this without leaving libpcap.
#include <pcap/pcap.h>

#include <cstdint>
#include <cstdio>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: pcap-read-loop CAPTURE\n");
    return 2;
  }
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  pcap_t* pcap = pcap_open_offline(argv[1], errbuf);
  if (pcap == nullptr) {
    std::fprintf(stderr, "pcap-read-loop: %s\n", errbuf);
    return 2;
  }
  struct pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  std::uint64_t frames = 0, bytes = 0;
  int status = 0;
  while ((status = pcap_next_ex(pcap, &header, &data)) == 1) {
    ++frames;
    bytes += header->caplen;
  }
  const bool failed = status == PCAP_ERROR;
  if (failed) std::fprintf(stderr, "pcap-read-loop: %s\n", pcap_geterr(pcap));
  pcap_close(pcap);
  std::printf("frames %llu caplen_bytes %llu\n", static_cast<unsigned long long>(frames),
              static_cast<unsigned long long>(bytes));
  return failed ? 1 : 0;
}
