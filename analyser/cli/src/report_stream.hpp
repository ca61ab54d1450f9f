// The report of a batch run, written while the captures are read: connections arrive in report order
// (files in input order, each file's connections by first frame) and are written as soon as nothing
// can change them any more. The output is byte for byte what writing the whole run at the end gives.
//
// What is held, and why:
//  - rca.server.trust-anchors-shared puts its finding on a server's first connection whose flagged
//    CertificateRequest named certificate_authorities, and a connection much later in the run can
//    complete the overlap. That connection waits (one per server at most) until its server is reported
//    or the run ends; JSON Lines written behind it waits as text, in memory up to 8 MiB and then in a
//    temporary file, so memory stays bounded even then.
//  - Text, SARIF and JUnit are whole-file or whole-run documents (column widths, totals): their writers
//    get each file at its end, so one file's results are held, reduced to what those formats show.
//  - The summary (and --by-server) is counted as connections are written.
#pragma once

#include <cstdint>
#include <cstdio>
#include <deque>
#include <memory>
#include <optional>
#include <ostream>
#include <string>

#include "analysis.hpp"
#include "tlsflags/core/trust_anchors.hpp"
#include "tlsflags/report/writer.hpp"

namespace tlsflags::cli {

// The end of one capture's connections.
struct FileEnd {
  std::string file;
  std::optional<std::string> read_error;
  std::vector<report::Anomaly> anomalies;  // written after the file's connections (docs/output.md)
};

// Rendered output waiting behind a held connection: in memory up to a limit, then in a temporary file.
class Backlog {
 public:
  Backlog() = default;
  ~Backlog();
  Backlog(const Backlog&) = delete;
  Backlog& operator=(const Backlog&) = delete;

  uint64_t size() const { return size_; }
  void append(const std::string& bytes);
  // Writes bytes [begin, end) of what was appended; sets badbit on `out` if they cannot be read back.
  void copy(uint64_t begin, uint64_t end, std::ostream& out);
  void clear();  // everything was copied: start again from 0

  static constexpr size_t kMemoryLimit = 8u << 20;

 private:
  std::string memory_;
  std::FILE* file_ = nullptr;  // std::tmpfile(): removed when closed
  uint64_t size_ = 0;
  bool failed_ = false;
  bool at_end_ = true;  // the file's position is at its end (appending needs no seek)
};

class ReportStream {
 public:
  ReportStream(report::Format format, const report::WriterOptions& options, std::ostream& out,
               const RuleConfig& rules);

  void connection(JudgedConnection&& connection);  // the next connection in report order
  void end_file(FileEnd end);                      // after the file's last connection
  report::RunSummary finish();                     // the end of the run: writes what is left

 private:
  // A piece of the report not written yet, in order.
  struct Entry {
    uint64_t ticket = 0;  // of its connection; else of the last connection before it (kept in order)
    bool waiting = false;  // a connection that may still get the cross-connection finding
    bool settled = false;  // counted in the summary and reduced (see settle())
    std::optional<report::ConnectionResult> connection;  // held, or settled for a whole-file format
    uint64_t backlog_begin = 0, backlog_end = 0;         // JSON Lines already rendered into backlog_
    std::optional<FileEnd> file_end;
  };

  void attach_finding(uint64_t ticket, Finding finding, uint64_t current_ticket, report::ConnectionResult& current);
  void enqueue_settled(report::ConnectionResult&& connection);
  void settle(report::ConnectionResult& connection);
  void write_settled(report::ConnectionResult&& connection);
  void write_file_end(FileEnd&& end);
  void drain();
  const std::string& render(const report::ConnectionResult& connection);
  uint64_t last_ticket() const { return tickets_ ? tickets_ - 1 : 0; }

  bool streams_lines_;  // JSON Lines: connection by connection; the others: file by file
  bool keep_explain_lines_;
  std::ostream& out_;
  std::unique_ptr<report::Writer> writer_;
  report::WriterOptions options_;
  std::string line_;  // JSON Lines: the line render() made last (one buffer, reused)
  TrustAnchorsJudge anchors_;
  report::SummaryBuilder summary_;
  report::FileResult file_;  // whole-file formats: the current file's settled connections
  std::deque<Entry> pending_;
  Backlog backlog_;
  uint64_t tickets_ = 0;
};

}  // namespace tlsflags::cli
