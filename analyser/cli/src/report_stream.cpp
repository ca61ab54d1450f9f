#include "report_stream.hpp"

#include <sys/types.h>

#include <algorithm>
#include <span>
#include <utility>
#include <vector>

namespace tlsflags::cli {
namespace {

constexpr size_t kCopyChunk = 64 * 1024;

}  // namespace

// ---- Backlog ------------------------------------------------------------------------------------------

Backlog::~Backlog() {
  if (file_) std::fclose(file_);
}

void Backlog::append(const std::string& bytes) {
  size_ += bytes.size();
  if (!file_ && !failed_ && memory_.size() + bytes.size() > kMemoryLimit) {
    file_ = std::tmpfile();
    failed_ = !file_ || std::fwrite(memory_.data(), 1, memory_.size(), file_) != memory_.size();
    if (file_) std::string().swap(memory_);
  }
  if (!file_) {
    memory_ += bytes;  // no temporary file could be made: memory it is
    return;
  }
  // Seeking flushes stdio's buffer: only after copy() has moved the position.
  if (!at_end_ && ::fseeko(file_, 0, SEEK_END) != 0) failed_ = true;
  at_end_ = true;
  if (std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size()) failed_ = true;
}

void Backlog::copy(uint64_t begin, uint64_t end, std::ostream& out) {
  if (!file_) {
    out.write(memory_.data() + begin, static_cast<std::streamsize>(end - begin));
    return;
  }
  std::vector<char> chunk(kCopyChunk);
  at_end_ = false;
  if (failed_ || std::fflush(file_) != 0 || ::fseeko(file_, static_cast<off_t>(begin), SEEK_SET) != 0) {
    out.setstate(std::ios::badbit);  // the report would have a hole: say the output failed
    return;
  }
  for (uint64_t left = end - begin; left > 0;) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(left, chunk.size()));
    if (std::fread(chunk.data(), 1, want, file_) != want) {
      out.setstate(std::ios::badbit);
      return;
    }
    out.write(chunk.data(), static_cast<std::streamsize>(want));
    left -= want;
  }
}

void Backlog::clear() {
  if (file_) std::fclose(file_);
  file_ = nullptr;
  failed_ = false;
  at_end_ = true;
  size_ = 0;
  memory_.clear();
  if (memory_.capacity() > (1u << 20)) std::string().swap(memory_);
}

// ---- ReportStream -------------------------------------------------------------------------------------

ReportStream::ReportStream(report::Format format, const report::WriterOptions& options, std::ostream& out,
                           const RuleConfig& rules)
    : streams_lines_(format == report::Format::jsonl),
      keep_explain_lines_(format == report::Format::text && options.explain),
      out_(out),
      writer_(report::make_writer(format, out, options)),
      options_(options),
      anchors_(rules) {}

void ReportStream::connection(JudgedConnection&& judged) {
  const uint64_t ticket = tickets_++;
  report::ConnectionResult result = std::move(judged.result);
  bool waiting = false;
  if (judged.trust_anchors) {
    TrustAnchorsJudge::Outcome outcome = anchors_.observe(*judged.trust_anchors, ticket);
    if (outcome.finding_for) attach_finding(*outcome.finding_for, std::move(outcome.finding), ticket, result);
    waiting = outcome.may_get_finding_later;
  }
  if (waiting) {
    Entry entry;
    entry.ticket = ticket;
    entry.waiting = true;
    entry.connection = std::move(result);
    pending_.push_back(std::move(entry));
  } else if (pending_.empty()) {
    settle(result);
    write_settled(std::move(result));
  } else {
    enqueue_settled(std::move(result));
  }
  drain();
}

void ReportStream::end_file(FileEnd end) {
  summary_.add_file(end.read_error.has_value());
  if (pending_.empty()) {
    write_file_end(std::move(end));
    return;
  }
  Entry entry;
  entry.ticket = last_ticket();
  entry.file_end = std::move(end);
  pending_.push_back(std::move(entry));
}

report::RunSummary ReportStream::finish() {
  for (Entry& entry : pending_) entry.waiting = false;  // no connection is left to complete an overlap
  drain();
  report::RunSummary summary = summary_.summary();
  writer_->finish(summary);
  return summary;
}

void ReportStream::attach_finding(uint64_t ticket, Finding finding, uint64_t current_ticket,
                                  report::ConnectionResult& current) {
  if (ticket == current_ticket) {
    current.judgement.add(std::move(finding));
    return;
  }
  // Entries are in ticket order, and a waiting connection is the first entry with its ticket.
  auto held = std::lower_bound(pending_.begin(), pending_.end(), ticket,
                               [](const Entry& e, uint64_t t) { return e.ticket < t; });
  if (held == pending_.end() || held->ticket != ticket || !held->waiting || !held->connection) return;  // never
  held->connection->judgement.add(std::move(finding));
  held->waiting = false;
}

// Nothing can change the connection any more: it is counted, and for the whole-file formats reduced to
// what they show (they never show the certificate details, fit or server identity).
void ReportStream::settle(report::ConnectionResult& connection) {
  summary_.add_connection(connection);
  if (streams_lines_) return;
  std::vector<std::string> explain_lines;
  if (keep_explain_lines_) explain_lines = std::move(connection.deployment.explain_lines);
  connection.deployment = {};
  connection.deployment.explain_lines = std::move(explain_lines);
}

void ReportStream::write_settled(report::ConnectionResult&& connection) {
  if (!streams_lines_) {
    file_.connections.push_back(std::move(connection));
    return;
  }
  const std::string& line = render(connection);
  out_.write(line.data(), static_cast<std::streamsize>(line.size()));
}

// Behind a waiting connection: JSON Lines is rendered now into the backlog (one entry for a run of
// them), the whole-file formats keep the reduced result.
void ReportStream::enqueue_settled(report::ConnectionResult&& connection) {
  settle(connection);
  if (!streams_lines_) {
    Entry entry;
    entry.ticket = last_ticket();
    entry.settled = true;
    entry.connection = std::move(connection);
    pending_.push_back(std::move(entry));
    return;
  }
  const uint64_t begin = backlog_.size();
  backlog_.append(render(connection));
  Entry& last = pending_.back();
  if (!last.waiting && !last.connection && !last.file_end && last.backlog_end == begin) {
    last.backlog_end = backlog_.size();
    return;
  }
  Entry entry;
  entry.ticket = last_ticket();
  entry.backlog_begin = begin;
  entry.backlog_end = backlog_.size();
  pending_.push_back(std::move(entry));
}

void ReportStream::write_file_end(FileEnd&& end) {
  if (!streams_lines_) {  // JSON Lines wrote the file's connections already
    file_.file = end.file;
    file_.read_error = std::move(end.read_error);
    writer_->file(file_);
    file_ = {};
  }
  writer_->anomalies(end.file, end.anomalies);
}

void ReportStream::drain() {
  while (!pending_.empty() && !pending_.front().waiting) {
    Entry entry = std::move(pending_.front());
    pending_.pop_front();
    if (entry.file_end) {
      write_file_end(std::move(*entry.file_end));
    } else if (entry.connection) {
      if (!entry.settled) settle(*entry.connection);
      write_settled(std::move(*entry.connection));
    } else {
      backlog_.copy(entry.backlog_begin, entry.backlog_end, out_);
    }
  }
  if (pending_.empty() && backlog_.size() > 0) backlog_.clear();
}

const std::string& ReportStream::render(const report::ConnectionResult& connection) {
  line_.clear();
  report::append_connection_line(line_, connection, options_);
  return line_;
}

}  // namespace tlsflags::cli
