// tlsflags-gen: writes a scenario capture of real OpenSSL 3 peers exchanging the TLS Flags
// extension (draft-ietf-tls-tlsflags) and the request_client_auth flag.
#include "capture_file.hpp"
#include "conversation.hpp"
#include "packets.hpp"
#include "pki.hpp"
#include "scenarios.hpp"
#include "tcp_trace.hpp"
#include "upgrade.hpp"

#include <CLI/CLI.hpp>

#include <iostream>
#include <map>

namespace {

using namespace tlsgen;

// 2024-01-01T00:00:00Z: a fixed base so reruns differ only in the TLS randoms and keys.
constexpr std::uint64_t kBaseTimeUs = 1704067200ull * 1000000;
constexpr std::uint64_t kGapBetweenConnectionsUs = 1000000;

struct CommandLine {
  std::string scenario;
  std::string out;
  std::string format = "pcap";
  bool ipv6 = false;
  std::optional<std::uint16_t> vlan;
  std::string upgrade;  // a plaintext preamble before each handshake (upgrade.hpp), on its protocol's port
  bool list = false;
  GenOptions options;
};

void list_scenarios() {
  for (const Scenario& scenario : all_scenarios()) std::cout << scenario.name << '\t' << scenario.description << '\n';
}

std::string joined_lines(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) text += line + '\n';
  return text;
}

struct Capture {
  std::vector<CapturedFrame> frames;
  std::vector<std::string> keylog;
};

void add_connection(Capture& capture, const Conversation& conversation, const ConnectionKnobs& knobs,
                    const CommandLine& command, int index) {
  const std::uint64_t start = capture.frames.empty() ? kBaseTimeUs : capture.frames.back().time_us + kGapBetweenConnectionsUs;
  const auto offset = static_cast<std::uint32_t>(index) * 0x01000000u;
  const auto segments = build_tcp_trace(conversation, knobs.wire, {start, 0x10000000u + offset, 0x80000000u + offset});
  Addressing addressing = documentation_addresses(command.ipv6, command.vlan, static_cast<std::uint16_t>(50000 + index));
  if (const UpgradePlan* plan = find_upgrade(command.upgrade)) addressing.server_port = plan->server_port;
  Framer framer(addressing);
  for (const Segment& segment : segments) capture.frames.push_back({segment.time_us, framer.frame(segment)});
  capture.keylog.insert(capture.keylog.end(), conversation.keylog.begin(), conversation.keylog.end());
}

void report(const Conversation& conversation, int index) {
  std::cout << "connection " << index << ": client " << conversation.client_outcome << "; server "
            << conversation.server_outcome << "\n  sent: " << message_sequence(conversation.chunks) << '\n';
}

int generate(const CommandLine& command) {
  const Scenario* scenario = find_scenario(command.scenario);
  if (scenario == nullptr) {
    std::cerr << "tlsflags-gen: unknown scenario '" << command.scenario << "' (see --list)\n";
    return 2;
  }
  const TestPki pki = make_test_pki();
  Capture capture;
  int index = 0;
  ResumptionCache cache;
  for (const ConnectionKnobs& knobs : scenario->connections) {
    Conversation conversation = run_conversation(pki, knobs, command.options, cache);
    if (const UpgradePlan* plan = find_upgrade(command.upgrade)) prepend_preamble(conversation, *plan);
    report(conversation, index);
    add_connection(capture, conversation, knobs, command, index++);
  }
  if (command.format == "pcapng") {
    write_pcapng(command.out + ".pcapng", capture.frames, joined_lines(capture.keylog));
  } else {
    write_pcap(command.out + ".pcap", capture.frames);
    write_text(command.out + ".keys", joined_lines(capture.keylog));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CommandLine command;
  CLI::App app{"Scenario captures of real OpenSSL peers using the TLS Flags extension and request_client_auth"};
  app.add_flag("--list", command.list, "list the scenarios with a one-line description each");
  app.add_option("--scenario", command.scenario, "scenario name");
  app.add_option("--out", command.out, "output path without extension (writes PATH.pcap + PATH.keys or PATH.pcapng)");
  app.add_option("--format", command.format, "capture format")->check(CLI::IsMember({"pcap", "pcapng"}));
  app.add_option("--rca-flag", command.options.rca_flag, "request_client_auth flag number")
      ->check(CLI::Range(0, 2039));
  app.add_option("--flags-extension", command.options.extension_type, "TLS Flags ExtensionType (62; 65025 = Cloudflare)")
      ->check(CLI::Range(1, 65535));
  app.add_option("--cipher", command.options.cipher, "TLS 1.3 cipher suite")
      ->check(CLI::IsMember({"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
                             "TLS_AES_128_CCM_SHA256", "TLS_AES_128_CCM_8_SHA256"}));
  app.add_flag("--ipv6", command.ipv6, "IPv6 instead of IPv4");
  std::vector<std::string> upgrades;
  for (std::string_view name : upgrade_names()) upgrades.emplace_back(name);
  app.add_option("--upgrade", command.upgrade,
                 "a plaintext preamble (STARTTLS, SSLRequest, ...) before the handshake, on the protocol's port")
      ->check(CLI::IsMember(upgrades));
  app.add_option("--vlan", command.vlan, "802.1Q VLAN ID")->check(CLI::Range(1, 4094));
  CLI11_PARSE(app, argc, argv);

  if (command.list) {
    list_scenarios();
    return 0;
  }
  if (command.scenario.empty() || command.out.empty()) {
    std::cerr << "tlsflags-gen: --scenario and --out are required (or --list)\n";
    return 2;
  }
  try {
    return generate(command);
  } catch (const std::exception& error) {
    std::cerr << "tlsflags-gen: " << error.what() << '\n';
    return 1;
  }
}
