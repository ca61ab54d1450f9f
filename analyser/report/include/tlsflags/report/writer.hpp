// The output writers: text, JSON Lines (docs/output.md), SARIF 2.1.0, JUnit XML.
// A writer is fed one file at a time, in input order, then the run's summary.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>

#include "tlsflags/core/flags_codec.hpp"
#include "tlsflags/report/result.hpp"

namespace tlsflags::report {

enum class Format : uint8_t { text, jsonl, sarif, junit };
std::optional<Format> format_from_name(std::string_view name);  // "text" | "jsonl" | "sarif" | "junit"
std::string_view to_string(Format format);

struct WriterOptions {
  bool events = false;     // jsonl: the timeline in each connection object
  bool explain = false;    // text: a per-connection timeline a person can follow
  bool by_server = false;  // a per-server summary too
  bool colour = false;     // text: ANSI colours (the caller decides: only when writing to a terminal)
  // text: the run captured live on this interface (-i): the summary names the capture, not a file count
  std::optional<std::string> live_interface;
  uint16_t request_client_auth_flag = kDefaultRequestClientAuthFlag;  // to name flags in text
  std::string tool_version = "0";  // SARIF tool.driver.version
};

class Writer {
 public:
  virtual ~Writer() = default;
  virtual void file(const FileResult& file) = 0;         // called per capture, in input order
  virtual void finish(const RunSummary& summary) = 0;    // called once, last
  // Live capture (tlsflags-check -i): one connection, written as soon as it ended (and flushed). Returns
  // false when the format cannot stream (SARIF, JUnit): the caller then writes the whole report at the end.
  virtual bool live_connection(const ConnectionResult&) { return false; }
  // What limited the analysis of a capture (after its connections, before finish()): JSON Lines writes
  // one "anomaly" record each, SARIF one notification each; text and JUnit leave them to stderr.
  virtual void anomalies(const std::string& /*file*/, std::span<const Anomaly> /*anomalies*/) {}
};

std::unique_ptr<Writer> make_writer(Format format, std::ostream& out, const WriterOptions& options);

// Appends the JSON Lines line of one connection, '\n' included, to `out`: the bytes the jsonl writer
// writes for it. For callers that order or hold lines themselves (tlsflags-check's streaming report).
void append_connection_line(std::string& out, const ConnectionResult& connection, const WriterOptions& options);

// Feeds every file and then their summary to a writer; returns the summary.
RunSummary write_report(Writer& writer, std::span<const FileResult> files);

}  // namespace tlsflags::report
