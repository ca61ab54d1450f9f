// tlsflags-bench-gen: writes the benchmark workloads of bench/run.sh (docs/performance.md).
#include "workloads.hpp"

#include <CLI/CLI.hpp>

#include <iostream>

int main(int argc, char** argv) {
  CLI::App app{"Benchmark workloads of real OpenSSL 3 TLS connections (see docs/performance.md)"};
  app.require_subcommand(1);

  tlsbench::HandshakeWorkload handshakes;
  CLI::App* w1 = app.add_subcommand("handshakes", "W1 (interleaved handshakes in one pcap) and W3 (many small pcapngs)");
  w1->add_option("--out", handshakes.out_dir, "output directory")->required();
  w1->add_option("--connections", handshakes.connections, "TLS connections, each with its own secrets")
      ->check(CLI::Range(1, 10'000'000));
  w1->add_option("--spacing-us", handshakes.spacing_us, "capture time between connection starts (µs)");
  w1->add_option("--files", handshakes.files, "W3 files the connections are spread over (0: no W3)");
  w1->add_option("--threads", handshakes.threads, "threads running OpenSSL peers")->check(CLI::Range(1, 256));

  tlsbench::BulkWorkload bulk;
  CLI::App* w2 = app.add_subcommand("bulk", "W2: a few connections carrying large HTTP/1.1 responses");
  w2->add_option("--out", bulk.out_dir, "output directory")->required();
  w2->add_option("--bytes", bulk.body_bytes, "response body bytes in total")->check(CLI::PositiveNumber);
  w2->add_option("--connections", bulk.connections, "TLS connections")->check(CLI::Range(1, 1000));
  w2->add_option("--response-bytes", bulk.response_bytes, "Content-Length of each response")->check(CLI::PositiveNumber);
  w2->add_option("--ack-every", bulk.ack_every, "the client's ACK per this many segments")->check(CLI::Range(1, 1000));

  CLI11_PARSE(app, argc, argv);
  try {
    if (w1->parsed()) tlsbench::write_handshake_workload(handshakes);
    if (w2->parsed()) tlsbench::write_bulk_workload(bulk);
  } catch (const std::exception& error) {
    std::cerr << "tlsflags-bench-gen: " << error.what() << '\n';
    return 1;
  }
  return 0;
}
