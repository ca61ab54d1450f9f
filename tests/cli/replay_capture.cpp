// Replays a capture onto a live interface with pcap_inject, in order, a packet every millisecond:
// `tlsflags-check -i` then sees exactly the capture's packets, now (live_test.sh trust-anchors).
//   replay_capture CAPTURE INTERFACE
#include <pcap/pcap.h>
#include <unistd.h>

#include <cstdio>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: replay_capture CAPTURE INTERFACE\n");
    return 2;
  }
  char error[PCAP_ERRBUF_SIZE] = {};
  pcap_t* in = pcap_open_offline(argv[1], error);
  if (!in) {
    std::fprintf(stderr, "replay_capture: %s\n", error);
    return 1;
  }
  pcap_t* out = pcap_open_live(argv[2], 65535, 0, 100, error);
  if (!out) {
    std::fprintf(stderr, "replay_capture: %s\n", error);
    return 1;
  }
  if (pcap_datalink(in) != pcap_datalink(out)) {
    std::fprintf(stderr, "replay_capture: link types differ (%d, %d)\n", pcap_datalink(in), pcap_datalink(out));
    return 1;
  }
  pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  int packets = 0;
  while (pcap_next_ex(in, &header, &data) == 1) {
    if (pcap_inject(out, data, header->caplen) < 0) {
      std::fprintf(stderr, "replay_capture: %s\n", pcap_geterr(out));
      return 1;
    }
    ++packets;
    usleep(1000);
  }
  std::printf("%d packets\n", packets);
  pcap_close(out);
  pcap_close(in);
  return 0;
}
