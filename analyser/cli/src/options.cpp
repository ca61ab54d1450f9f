#include "options.hpp"

#include <CLI/CLI.hpp>
#include <iostream>

namespace tlsflags::cli {
namespace {

constexpr const char* kDescription =
    "tlsflags-check: checks TLS Flags (draft-ietf-tls-tlsflags) and request_client_auth in pcap/pcapng "
    "captures, plain or gzip-compressed, decrypting TLS 1.3 with NSS key logs or the capture's "
    "Decryption Secrets Blocks.";

constexpr const char* kFooter =
    "Exit status: 0 no connection failed; 1 at least one connection failed; 2 usage error or an input "
    "that could not be read (the other inputs are still analysed and reported).\n"
    "See tlsflags-check(1).";

struct RawOptions {
  std::string profile = "rfc";
  std::string format = "text";
  std::string output;
  std::string trust_anchors;
  std::string pinned;
  std::string interface;
  std::string bpf;
  std::string state;
};

// The report's options, which `merge` takes too (bound to the same variables).
void add_report_options(CLI::App& app, CheckOptions& o, RawOptions& raw) {
  app.add_option("-f,--format", raw.format, "output format")
      ->type_name("text|jsonl|sarif|junit")->capture_default_str()
      ->check(CLI::IsMember({"text", "jsonl", "sarif", "junit"}));
  app.add_option("-o,--output", raw.output, "write the report to FILE instead of standard output")
      ->type_name("FILE");
  app.add_option("-j,--jobs", o.jobs, "captures analysed in parallel (the output does not change)")
      ->type_name("N")->capture_default_str()->check(CLI::Range(1u, 1024u));
  app.add_flag("--explain", o.explain, "per-connection timeline in text output");
  app.add_flag("--events", o.events, "the timeline in each JSON Lines connection object");
  app.add_flag("--by-server", o.by_server, "a per-server summary too");
  app.add_option("--state", raw.state,
                 "also write the run's mergeable state to FILE, for `tlsflags-check merge` (docs/fleet.md)")
      ->type_name("FILE");
}

// `tlsflags-check merge [options] STATE...`: one report over the captures of many runs' states.
void add_merge_command(CLI::App& app, CheckOptions& o, RawOptions& raw) {
  CLI::App* merge = app.add_subcommand(
      "merge", "the report, summary and exit status of one run over the captures of the STATE files "
               "(written with --state), whatever their order; a capture in several is counted once");
  merge->add_option("STATE", o.states, "state files written by tlsflags-check --state")->required();
  add_report_options(*merge, o, raw);
  merge->callback([&o] { o.merge = true; });
}

void add_options(CLI::App& app, CheckOptions& o, RawOptions& raw) {
  app.add_option("CAPTURE", o.captures, "pcap or pcapng capture files, plain or gzip (required unless -i)");
  // One file per -k: a vector option must not swallow the captures that follow it.
  app.add_option("-k,--keylog", o.keylogs, "NSS key log file, repeatable (an empty one is valid); "
                                           "SSLKEYLOGFILE is read too; DSBs always")
      ->type_name("FILE")
      ->allow_extra_args(false);
  app.add_option("--rca-flag", o.rca_flag, "request_client_auth flag number")
      ->type_name("N")->capture_default_str()->check(CLI::Range(0, int{kMaxFlag}));
  app.add_option("--flags-extension", o.flags_extension, "TLS Flags ExtensionType")
      ->type_name("N")->capture_default_str()->check(CLI::Range(0, 65535));
  app.add_option("--profile", raw.profile, "rules profile")
      ->type_name("rfc|draft-02")->capture_default_str()->check(CLI::IsMember({"rfc", "draft-02"}));
  add_report_options(app, o, raw);
  app.add_option("--slow-certificate-seconds", o.slow_certificate_seconds,
                 "rca.client.slow-certificate threshold: seconds between the flagged CertificateRequest "
                 "and the client's Certificate")
      ->type_name("X")->capture_default_str()->check(CLI::NonNegativeNumber);
  // Resource caps (docs/reliability-limits.md): what is cut by them is reported on stderr.
  app.add_option("--max-connections", o.max_connections,
                 "TCP connections tracked at once; beyond it the least recently active is closed early "
                 "(default 262144)")
      ->type_name("N")->check(CLI::Range(uint64_t{1}, uint64_t{1} << 32));
  app.add_option("--max-buffer-bytes", o.max_buffer_bytes,
                 "out-of-order TCP data buffered over all connections (and per direction at most 4 MiB); "
                 "beyond it the oldest hole is given up (default 1073741824)")
      ->type_name("N")->check(CLI::Range(uint64_t{1}, uint64_t{1} << 40));
  app.add_option("--trust-anchors", raw.trust_anchors,
                 "PEM bundle of the trust anchors the server should verify client certificates against "
                 "(at capture time); warns when the server accepted one that does not chain to them")
      ->type_name("FILE");
  app.add_option("--pinned", raw.pinned,
                 "PEM certificates registered with the server (pinned self-signed method); warns when "
                 "the server accepted a client certificate that is none of them")
      ->type_name("FILE");
  app.add_option("-i,--interface", raw.interface,
                 "capture live on IFACE (libpcap; needs capture rights) instead of reading CAPTURE files; "
                 "each connection is reported when it ends, SIGINT/SIGTERM ends the capture with the summary")
      ->type_name("IFACE");
  app.add_option("--bpf", raw.bpf, "libpcap filter for -i, e.g. 'tcp port 443'")->type_name("FILTER");
  app.set_version_flag("--version", "tlsflags-check " + tool_version());
  add_merge_command(app, o, raw);
}

void apply_raw(CheckOptions& o, const RawOptions& raw) {
  o.profile = *profile_from_name(raw.profile);  // IsMember checked the name
  o.format = *report::format_from_name(raw.format);
  if (!raw.output.empty()) o.output = raw.output;
  if (!raw.trust_anchors.empty()) o.trust_anchors = raw.trust_anchors;
  if (!raw.pinned.empty()) o.pinned = raw.pinned;
  if (!raw.interface.empty()) o.interface = raw.interface;
  if (!raw.bpf.empty()) o.bpf = raw.bpf;
  if (!raw.state.empty()) o.state = raw.state;
}

// Either capture files or a live interface (-i), and --bpf only with -i.
const char* input_problem(const CheckOptions& o) {
  if (o.merge) {
    if (!o.captures.empty() || !o.keylogs.empty() || o.interface)
      return "merge reads STATE files only: analyse captures (with -k) in the runs that wrote them";
    return nullptr;
  }
  if (o.state && o.interface) return "--state is for CAPTURE files, not a live capture (-i)";
  if (o.interface && !o.captures.empty()) return "give either CAPTURE files or -i IFACE, not both";
  if (!o.interface && o.captures.empty()) return "CAPTURE is required (or -i IFACE for a live capture)";
  if (o.bpf && !o.interface) return "--bpf only applies to a live capture (-i IFACE)";
  return nullptr;
}

}  // namespace

std::string tool_version() { return TLSFLAGS_VERSION; }

ParsedCommandLine parse_command_line(int argc, char** argv) {
  CLI::App app(kDescription, "tlsflags-check");
  app.footer(kFooter);
  CheckOptions options;
  RawOptions raw;
  add_options(app, options, raw);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version arrive here as "errors" with exit code 0; everything else is a usage error,
    // which the contract says is exit status 2 (CLI11's own codes differ per error kind).
    int cli11_status = app.exit(e);
    if (cli11_status == 0) return {std::nullopt, kExitNoFailure};
    return {std::nullopt, kExitTrouble};
  }
  apply_raw(options, raw);
  if (const char* problem = input_problem(options)) {
    std::cerr << "tlsflags-check: " << problem << "\nRun with --help for more information.\n";
    return {std::nullopt, kExitTrouble};
  }
  return {options, kExitNoFailure};
}

}  // namespace tlsflags::cli
