// JSON Lines, exactly as docs/output.md "JSON Lines" shows: one connection object per line (after a
// capture's connections, an anomaly object per anomaly), then (with --by-server) one server object per
// server, then one summary object.
#include <map>

#include "json_parts.hpp"
#include "writers.hpp"

namespace tlsflags::report {
namespace {

using json_parts::Json;

}  // namespace

void append_connection_line(std::string& out, const ConnectionResult& connection, const WriterOptions& options) {
  json_parts::append_connection(out, connection, options.events);
  out += '\n';
}

namespace {

class JsonLinesWriter final : public Writer {
 public:
  JsonLinesWriter(std::ostream& out, const WriterOptions& options) : out_(out), options_(options) {}

  void file(const FileResult& file) override {
    for (const ConnectionResult& connection : file.connections) {
      append_connection_line(buffer_, connection, options_);
      if (buffer_.size() >= kBufferSize) write_buffer();
    }
    write_buffer();
  }

  bool live_connection(const ConnectionResult& connection) override {
    append_connection_line(buffer_, connection, options_);
    write_buffer();
    out_.flush();
    return true;
  }

  void anomalies(const std::string& file, std::span<const Anomaly> anomalies) override {
    write_buffer();
    for (const Anomaly& anomaly : anomalies) {
      line(anomaly_object(file, anomaly));
      anomaly_counts_[anomaly.kind] += anomaly.count;
    }
    out_.flush();
  }

  void finish(const RunSummary& summary) override {
    write_buffer();
    if (options_.by_server)
      for (const ServerSummary& server : summary.servers) line(server_object(server));
    Json totals = {{"type", "summary"},
                   {"files", summary.files},
                   {"connections", summary.connections},
                   {"verdicts", json_parts::verdict_counts(summary.verdicts)}};
    if (!anomaly_counts_.empty()) totals["anomalies"] = anomaly_counts_;  // docs/output.md: only when any
    line(totals);
    out_.flush();
  }

 private:
  // Connection lines are written into one reused buffer and handed to the stream in large pieces (a
  // line per connection is the bulk of a run's output); the few server and summary lines go directly.
  static constexpr size_t kBufferSize = size_t{1} << 16;

  void write_buffer() {
    out_.write(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
    buffer_.clear();
  }

  void line(const Json& object) { out_ << json_parts::dump(object) << '\n'; }

  // The contract's keys (docs/output.md) first; then (additive) the SNIs, the client certificates presented and the
  // server's reactions.
  static Json server_object(const ServerSummary& server) {
    return {{"type", "server"},
            {"server", server.server},
            {"connections", server.connections},
            {"verdicts", json_parts::verdict_counts(server.verdicts)},
            {"rca", {{"client_offered", server.client_offered},
                     {"server_acknowledged", server.server_acknowledged}}},
            {"findings", server.findings},
            {"server_names", server.server_names},
            {"client_certificates", certificates(server)},
            {"server_reactions", server.server_reactions}};
  }

  // docs/output.md "Anomalies": first_frame only when it is known.
  static Json anomaly_object(const std::string& file, const Anomaly& anomaly) {
    Json out = {{"type", "anomaly"}, {"file", file}, {"kind", anomaly.kind}, {"count", anomaly.count}};
    if (anomaly.first_frame) out["first_frame"] = anomaly.first_frame;
    out["message"] = anomaly.message;
    return out;
  }

  static Json certificates(const ServerSummary& server) {
    Json out = Json::array();
    for (const auto& [sha256, seen] : server.certificates)
      out.push_back({{"sha256", sha256}, {"subject", seen.subject}, {"connections", seen.connections}});
    return out;
  }

  std::ostream& out_;
  WriterOptions options_;
  std::string buffer_;
  std::map<std::string, uint64_t> anomaly_counts_;  // kind -> the counts of its records, for the summary
};

}  // namespace

std::unique_ptr<Writer> make_jsonl_writer(std::ostream& out, const WriterOptions& options) {
  return std::make_unique<JsonLinesWriter>(out, options);
}

}  // namespace tlsflags::report
