// Fuzzes the NSS key log reader: the input is key log text, read both as a DSB's text (add_text) and as
// a file (add_file, through a memfd).
//
// Invariants: no crash; the text and the file give the same result; the number of accepted lines is at
// most the number of lines; every line accepted with a TLS 1.3 label makes its client random findable;
// and no warning repeats any part of a line (a secret must never reach a message): no warning contains
// a run of 8 or more hex digits taken from the input.
#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "check.hpp"
#include "memory_file.hpp"
#include "tlsflags/tls/keylog.hpp"

namespace tlsflags::fuzz {
namespace {

constexpr size_t kLeakRun = 8;

// Every run of at least kLeakRun hex digits in the input, as its first kLeakRun digits (any longer
// repeated part contains one of these).
std::vector<std::string> hex_runs(std::string_view text) {
  std::vector<std::string> runs;
  size_t run = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i < text.size() && std::isxdigit(static_cast<unsigned char>(text[i]))) {
      ++run;
      continue;
    }
    for (size_t start = i - run; run >= kLeakRun && start + kLeakRun <= i; ++start)
      runs.emplace_back(text.substr(start, kLeakRun));
    run = 0;
  }
  return runs;
}

void check_no_secret_in_warnings(const tls::KeyLog& log, std::string_view text) {
  std::vector<std::string> runs = hex_runs(text);
  for (const tls::KeyLogWarning& w : log.warnings()) {
    std::string message = w.to_string();
    // The source name and line number are ours; only the reason could carry input.
    for (const std::string& run : runs) FUZZ_CHECK(w.reason.find(run) == std::string::npos);
    FUZZ_CHECK(!message.empty());
  }
}

size_t line_count(std::string_view text) {
  size_t lines = text.empty() ? 0 : 1;
  for (char c : text) lines += c == '\n';
  return lines;
}

// A line "LABEL <64 hex> <hex>" whose label is a TLS 1.3 traffic secret: its client random, if it was
// accepted, must be found. Accepted lines are not known one by one, so this only checks lines that are
// unambiguous: exactly three single-space-separated fields, a hex secret of 32 or 48 bytes (SHA-256 or
// SHA-384, the only lengths a TLS 1.3 traffic secret has).
void check_well_formed_lines_found(const tls::KeyLog& log, std::string_view text) {
  static const std::string_view labels[] = {"CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
                                            "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0"};
  auto is_hex = [](std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
  };
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    size_t a = line.find(' '), b = a == std::string_view::npos ? a : line.find(' ', a + 1);
    if (b == std::string_view::npos || line.find(' ', b + 1) != std::string_view::npos) continue;
    std::string_view label = line.substr(0, a), random = line.substr(a + 1, b - a - 1), secret = line.substr(b + 1);
    bool known = std::find(std::begin(labels), std::end(labels), label) != std::end(labels);
    if (!known || random.size() != 64 || !is_hex(random) || !is_hex(secret) ||
        (secret.size() != 64 && secret.size() != 96))
      continue;
    tls::ClientRandom bytes{};
    for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(std::stoi(std::string(random.substr(2 * i, 2)), nullptr, 16));
    FUZZ_CHECK(log.find(bytes) != nullptr);
  }
}

}  // namespace
}  // namespace tlsflags::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tlsflags::fuzz;
  std::string_view text(reinterpret_cast<const char*>(data), size);

  tlsflags::tls::KeyLog from_text;
  size_t accepted = from_text.add_text(text, "DSB");
  FUZZ_CHECK(accepted <= line_count(text));
  FUZZ_CHECK(from_text.connections() <= accepted);
  check_no_secret_in_warnings(from_text, text);
  check_well_formed_lines_found(from_text, text);

  MemoryFile file({data, size});
  tlsflags::tls::KeyLog from_file;
  std::string error;
  // A line longer than KeyLogLimits::max_line_bytes before any accepted line, or too many junk lines
  // first, refuse a file (it is no key log); text that short or that clean is always read.
  const bool may_be_refused = text.size() > tlsflags::tls::KeyLogLimits{}.max_line_bytes ||
                              line_count(text) >= tlsflags::tls::KeyLogLimits{}.max_junk_lines_first;
  if (!from_file.add_file(file.path(), &error)) {
    FUZZ_CHECK(may_be_refused && error.find("not an NSS key log") != std::string::npos);
    return 0;
  }
  FUZZ_CHECK(from_file.connections() == from_text.connections());
  FUZZ_CHECK(from_file.warnings().size() == from_text.warnings().size());
  check_no_secret_in_warnings(from_file, text);
  return 0;
}
