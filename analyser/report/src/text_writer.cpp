// Text for a person: a table per capture, the findings under the connection they belong to, a total,
// and with --explain each connection's timeline. Every capture-derived string goes through
// terminal_safe(); colour codes are added only after padding, so they never upset the columns.
#include <algorithm>
#include <cstdio>
#include <sstream>

#include "names.hpp"
#include "tlsflags/report/escape.hpp"
#include "tlsflags/report/plural.hpp"
#include "writers.hpp"

namespace tlsflags::report {
namespace {

// ANSI SGR codes; empty means plain.
constexpr std::string_view kGreen = "32", kRed = "1;31", kYellow = "33", kMagenta = "35", kCyan = "36",
                           kDim = "2", kBold = "1";

std::string_view verdict_colour(Verdict verdict) {
  switch (verdict) {
    case Verdict::pass: return kGreen;
    case Verdict::fail: return kRed;
    case Verdict::warn: return kYellow;
    case Verdict::undecidable: return kMagenta;
    case Verdict::not_applicable: return kDim;
  }
  return {};
}

std::string_view severity_colour(Severity severity) {
  switch (severity) {
    case Severity::error: return kRed;
    case Severity::warning: return kYellow;
    case Severity::info: return kCyan;
  }
  return {};
}

// Columns are measured in code points: good enough for the ASCII of addresses and most SNIs.
size_t display_width(std::string_view text) {
  size_t width = 0;
  for (unsigned char c : text) width += (c & 0xC0) != 0x80;
  return width;
}

std::string frame_range(const ConnectionResult& c) {
  return std::to_string(c.first_frame) + "-" + std::to_string(c.last_frame);
}

std::string verdict_tally(const VerdictCounts& counts) {
  std::string out;
  for (size_t i = 0; i < kVerdictCount; ++i)
    out += (i ? ", " : "") + std::to_string(counts[i]) + " " + std::string(to_string(static_cast<Verdict>(i)));
  return out;
}

// Undecided rules grouped by reason, in first-seen order: one missing key log usually leaves several
// rules undecided for the same reason, and the reason is worth reading once.
std::vector<std::pair<std::string, std::string>> undecided_by_reason(const std::vector<Undecided>& undecided) {
  std::vector<std::pair<std::string, std::string>> groups;  // (rules, reason)
  for (const Undecided& u : undecided) {
    auto same = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.second == u.reason; });
    std::string rule(rule_info(u.rule).name);
    if (same == groups.end()) groups.emplace_back(rule, u.reason);
    else same->first += ", " + rule;
  }
  return groups;
}

struct Cell {
  std::string text;         // already terminal-safe
  std::string_view colour;  // applied only when colour output is on
};

class Table {
 public:
  explicit Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}
  void add(std::vector<Cell> row) {
    rows_.push_back(std::move(row));
    widths_.clear();  // measured again at the next render
  }

  // Rows are rendered one by one so that the caller can put detail lines under each.
  std::string header_line(bool colour) const {
    std::vector<Cell> cells;
    for (const std::string& h : headers_) cells.push_back({h, kBold});
    return render(cells, colour);
  }
  std::string row_line(size_t index, bool colour) const { return render(rows_[index], colour); }
  size_t size() const { return rows_.size(); }

 private:
  // Column widths are measured once per table, not per cell: measuring per cell made a table of n rows
  // cost n² (W1's 20,000 connections took minutes in text).
  size_t width(size_t column) const {
    if (widths_.empty()) {
      widths_.resize(headers_.size());
      for (size_t i = 0; i < headers_.size(); ++i) widths_[i] = display_width(headers_[i]);
      for (const auto& row : rows_)
        for (size_t i = 0; i < row.size() && i < widths_.size(); ++i)
          widths_[i] = std::max(widths_[i], display_width(row[i].text));
    }
    return widths_[column];
  }
  std::string render(const std::vector<Cell>& cells, bool colour) const {
    std::string line = "  ";
    for (size_t i = 0; i < cells.size(); ++i) {
      std::string text = cells[i].text;
      if (i + 1 < cells.size()) text += std::string(width(i) - display_width(text) + 2, ' ');
      line += colour && !cells[i].colour.empty() ? paint(text, cells[i].colour) : text;
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    return line;
  }

 public:
  static std::string paint(std::string_view text, std::string_view colour) {
    // Keep trailing padding outside the colour so that underline/background styles would not smear.
    size_t end = text.find_last_not_of(' ') + 1;
    return "\x1b[" + std::string(colour) + "m" + std::string(text.substr(0, end)) + "\x1b[0m" +
           std::string(text.substr(end));
  }

 private:
  std::vector<std::string> headers_;
  mutable std::vector<size_t> widths_;  // per column, empty until measured
  std::vector<std::vector<Cell>> rows_;
};

std::string yes_no(std::optional<bool> value) {
  if (!value) return "?";
  return *value ? "yes" : "no";
}

// The TLS version; over QUIC or DTLS with the transport after it ("1.3/quic").
std::string version_cell(const ConnectionResult& c) {
  std::string version = c.tls_version.empty() ? "?" : terminal_safe(c.tls_version);
  if (c.transport != Transport::tcp) version += "/" + std::string(to_string(c.transport));
  return version;
}

std::vector<Cell> connection_row(const ConnectionResult& c) {
  const Judgement& j = c.judgement;
  return {{terminal_safe(c.client.to_string()), {}},
          {terminal_safe(c.server.to_string()), {}},
          {c.server_name.empty() ? "-" : terminal_safe(c.server_name), {}},
          {frame_range(c), {}},
          {version_cell(c), {}},
          {c.decrypted ? "yes" : "no", {}},
          {j.rca.client_offered ? "yes" : "no", {}},
          {yes_no(j.rca.server_acknowledged), {}},
          {terminal_safe(j.rca.client_certificate), {}},
          {std::string(to_string(j.verdict)), verdict_colour(j.verdict)}};
}

std::string handshake_name(EventType type) {
  switch (type) {
    case EventType::client_hello: return "ClientHello";
    case EventType::server_hello: return "ServerHello";
    case EventType::hello_retry_request: return "HelloRetryRequest";
    case EventType::encrypted_extensions: return "EncryptedExtensions";
    case EventType::certificate_request: return "CertificateRequest";
    case EventType::certificate: return "Certificate";
    case EventType::certificate_verify: return "CertificateVerify";
    case EventType::finished: return "Finished";
    case EventType::new_session_ticket: return "NewSessionTicket";
    case EventType::key_update: return "KeyUpdate";
    case EventType::end_of_early_data: return "EndOfEarlyData";
    case EventType::alert: return "Alert";
    case EventType::fin: return "TCP FIN";
    case EventType::rst: return "TCP RST";
    case EventType::capture_end: return "(capture ends)";
    case EventType::unreadable: return "(protected record that could not be decrypted)";
    case EventType::gap: return "(data missing from the capture)";
    case EventType::application_data: return "ApplicationData";
  }
  return "?";
}

std::string flags_description(const FlagsInMessage& flags, uint16_t rca_flag) {
  std::string names;
  flags.decoded.flags.for_each([&](uint16_t flag) {
    std::string_view name = flag_name(flag, rca_flag);
    names += (names.empty() ? "" : ", ") +
             (name.empty() ? "flag " + std::to_string(flag) : std::string(name) + " (" + std::to_string(flag) + ")");
  });
  std::string out = "flags: " + (names.empty() ? std::string("none") : names);
  if (flags.decoded.problem != FlagsProblem::none) out += " [" + std::string(to_string(flags.decoded.problem)) + "]";
  if (flags.duplicate) out += " [duplicate extension]";
  return out;
}

std::string alert_text(const Event& e) {
  std::string level = alert_level_name(e.alert_level).value_or("level " + std::to_string(e.alert_level));
  return level + " " + alert_name(e.alert_description);
}

// "compressed with zlib (RFC 8879)", or "compressed with zlib, not inflated: length-mismatch (entries
// unknown)" (docs/output.md).
std::string compression_text(const CertificateCompression& c) {
  std::string out = "compressed with " + std::string(certificate_compression_algorithm_name(c.algorithm));
  if (certificate_compression_algorithm_name(c.algorithm) == "unknown") out += " algorithm " + std::to_string(c.algorithm);
  if (c.inflated()) return out + " (RFC 8879)";
  return out + ", not inflated: " + std::string(to_string(c.outcome)) + " (entries unknown)";
}

// "certificate compression: zlib, brotli" (RFC 8879 §3: what the sender can inflate).
std::string compression_offer_text(const Event& e) {
  std::string out = "certificate compression:";
  for (size_t i = 0; i < e.compress_certificate_algorithms.size(); ++i) {
    const uint16_t algorithm = e.compress_certificate_algorithms[i];
    std::string name(certificate_compression_algorithm_name(algorithm));
    out += (i ? ", " : " ") + (name == "unknown" ? std::to_string(algorithm) : name);
  }
  return out;
}

// What is worth knowing about one event beyond its type.
std::string event_details(const Event& e) {
  std::vector<std::string> parts;
  switch (e.type) {
    case EventType::client_hello:
      if (!e.server_name.empty()) parts.push_back("SNI " + terminal_safe(e.server_name));
      if (e.offers_tls13) parts.push_back("offers TLS 1.3");
      if (e.ech_outer) parts.push_back("outer ECH ClientHello");
      if (!e.compress_certificate_algorithms.empty()) parts.push_back(compression_offer_text(e));
      break;
    case EventType::server_hello:
    case EventType::hello_retry_request: parts.push_back(version_name(e.selected_version)); break;
    case EventType::certificate_request:
      if (!e.certificate_authorities.empty())
        parts.push_back(plural(e.certificate_authorities.size(), "certificate authority name"));
      if (!e.compress_certificate_algorithms.empty()) parts.push_back(compression_offer_text(e));
      break;
    case EventType::certificate:
      if (e.certificate_known())
        parts.push_back(e.certificate_entries == 0 ? "empty" : plural(e.certificate_entries, "entry", "entries"));
      if (e.compression) parts.push_back(compression_text(*e.compression));
      break;
    case EventType::alert: parts.push_back(alert_text(e)); break;
    default: break;
  }
  std::string out;
  for (const std::string& part : parts) out += (out.empty() ? "" : ", ") + part;
  return out;
}

class TextWriter final : public Writer {
 public:
  TextWriter(std::ostream& out, const WriterOptions& options) : out_(out), options_(options) {}

  void file(const FileResult& file) override {
    std::string name = terminal_safe(file.file);
    if (file.read_error) out_ << paint(name, kBold) << ": could not be read: " << terminal_safe(*file.read_error) << "\n";
    if (file.connections.empty()) {
      if (!file.read_error) out_ << paint(name, kBold) << ": no TLS connections\n\n";
      else out_ << "\n";
      return;
    }
    out_ << paint(name, kBold) << ": " << plural(file.connections.size(), "connection") << " ("
         << verdict_tally(count_verdicts(file.connections)) << ")\n";
    write_table(file);
    out_ << "\n";
    if (options_.explain)
      for (const ConnectionResult& c : file.connections) write_explanation(c);
  }

  // Live: the column widths cannot wait for the last connection, so they are fixed (longer cells push
  // the rest of their row right); the header comes with the first row.
  bool live_connection(const ConnectionResult& c) override {
    static constexpr size_t kWidths[] = {22, 22, 24, 12, 4, 10, 9, 11, 12};
    if (!live_header_written_) {
      write_live_row(connection_header(), kWidths);
      live_header_written_ = true;
    }
    write_live_row(connection_row(c), kWidths);
    write_findings(c.judgement, "      ");
    if (options_.explain) write_explanation(c);
    out_.flush();
    return true;
  }

  // docs/output.md "Anomalies": under the file's table (stderr says them too), and counted in the total.
  void anomalies(const std::string& file, std::span<const Anomaly> anomalies) override {
    if (anomalies.empty()) return;
    for (const Anomaly& anomaly : anomalies)
      out_ << paint(terminal_safe(file), kBold) << ": " << paint("anomaly", kYellow) << ": "
           << terminal_safe(anomaly.message) << "\n";
    out_ << "\n";
    anomalies_ += anomalies.size();
  }

  void finish(const RunSummary& summary) override {
    if (live_header_written_) out_ << "\n";
    if (options_.by_server) write_servers(summary);
    out_ << paint("Total", kBold) << ": ";
    if (options_.live_interface) {  // no files: the one capture there was
      out_ << "live capture on " << terminal_safe(*options_.live_interface);
      if (summary.unreadable_files) out_ << " (failed)";
    } else {
      out_ << plural(summary.files, "file");
      if (summary.unreadable_files) out_ << " (" << summary.unreadable_files << " could not be read)";
    }
    out_ << ", " << plural(summary.connections, "connection") << ": " << verdict_tally(summary.verdicts);
    if (anomalies_) out_ << "; " << plural(anomalies_, "anomaly", "anomalies") << " (see above)";
    out_ << "\n";
    out_.flush();
  }

 private:
  std::string paint(std::string_view text, std::string_view colour) const {
    return options_.colour ? Table::paint(text, colour) : std::string(text);
  }

  static std::vector<Cell> connection_header() {
    std::vector<Cell> cells;
    for (const char* h : {"CLIENT", "SERVER", "SNI", "FRAMES", "TLS", "DECRYPTED", "RCA SENT", "RCA ECHOED",
                          "CLIENT CERT", "VERDICT"})
      cells.push_back({h, kBold});
    return cells;
  }

  template <size_t N>
  void write_live_row(const std::vector<Cell>& cells, const size_t (&widths)[N]) {
    std::string line = "  ";
    for (size_t i = 0; i < cells.size(); ++i) {
      std::string text = cells[i].text;
      if (i < N) text += std::string(widths[i] > display_width(text) ? widths[i] - display_width(text) : 1, ' ');
      line += options_.colour && !cells[i].colour.empty() ? Table::paint(text, cells[i].colour) : text;
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out_ << line << "\n";
  }

  void write_table(const FileResult& file) {
    Table table({"CLIENT", "SERVER", "SNI", "FRAMES", "TLS", "DECRYPTED", "RCA SENT", "RCA ECHOED",
                 "CLIENT CERT", "VERDICT"});
    for (const ConnectionResult& c : file.connections) table.add(connection_row(c));
    out_ << table.header_line(options_.colour) << "\n";
    for (size_t i = 0; i < table.size(); ++i) {
      out_ << table.row_line(i, options_.colour) << "\n";
      write_findings(file.connections[i].judgement, "      ");
    }
  }

  void write_findings(const Judgement& judgement, std::string_view indent) {
    for (const Finding& f : judgement.findings) {
      std::string severity(to_string(f.severity));
      out_ << indent << paint(severity, severity_colour(f.severity)) << " " << rule_info(f.rule).name;
      out_ << frames_note(f.frames);
      out_ << ": " << terminal_safe(f.message) << "\n";
    }
    for (const auto& [rules, reason] : undecided_by_reason(judgement.undecided))
      out_ << indent << paint("undecidable", kMagenta) << " " << rules << ": " << terminal_safe(reason) << "\n";
  }

  void write_explanation(const ConnectionResult& c) {
    out_ << paint(terminal_safe(c.client.to_string()) + " -> " + terminal_safe(c.server.to_string()), kBold)
         << " (frames " << frame_range(c) << ")";
    if (!c.server_name.empty()) out_ << ", SNI " << terminal_safe(c.server_name);
    out_ << ", TLS " << (c.tls_version.empty() ? "?" : terminal_safe(c.tls_version)) << ", "
         << (c.decrypted ? "decrypted" : "not fully decrypted") << ": "
         << paint(to_string(c.judgement.verdict), verdict_colour(c.judgement.verdict)) << "\n";
    if (!c.upgrade.empty())
      out_ << "  TLS began after a plaintext preamble: " << terminal_safe(c.upgrade) << "\n";
    write_events(c.events);
    for (const std::string& line : c.deployment.explain_lines) out_ << "  " << terminal_safe(line) << "\n";
    if (!c.judgement.findings.empty() || !c.judgement.undecided.empty()) {
      out_ << "  what the rules found:\n";
      write_findings(c.judgement, "    ");
    } else {
      out_ << "  no rule was broken\n";
    }
    out_ << "\n";
  }

  void write_events(const std::vector<Event>& events) {
    if (events.empty()) return;
    out_ << "     frame        time  direction         message\n";
    for (const Event& e : events) {
      char head[48];
      std::snprintf(head, sizeof head, "  %8llu  %10.6f  ", static_cast<unsigned long long>(e.frame), e.time);
      std::string_view arrow = e.from == Party::client ? "client -> server" : "client <- server";
      out_ << head << arrow << "  " << handshake_name(e.type);
      std::string details = event_details(e);
      if (!details.empty()) out_ << " (" << details << ")";
      if (e.flags) out_ << "  " << flags_description(*e.flags, options_.request_client_auth_flag);
      out_ << "\n";
    }
  }

  void write_servers(const RunSummary& summary) {
    if (summary.servers.empty()) return;
    out_ << paint("Servers", kBold) << ":\n";
    Table table({"SERVER", "CONNECTIONS", "RCA SENT", "RCA ECHOED", "VERDICTS"});
    for (const ServerSummary& s : summary.servers)
      table.add({{terminal_safe(s.server), {}},
                 {std::to_string(s.connections), {}},
                 {std::to_string(s.client_offered), {}},
                 {std::to_string(s.server_acknowledged), {}},
                 {verdict_tally(s.verdicts), {}}});
    out_ << table.header_line(options_.colour) << "\n";
    for (size_t i = 0; i < table.size(); ++i) {
      out_ << table.row_line(i, options_.colour) << "\n";
      write_server_details(summary.servers[i]);
    }
    out_ << "\n";
  }

  // Under each server row: the names clients asked for, the client certificates presented, and how the
  // server reacted to them.
  void write_server_details(const ServerSummary& s) {
    const std::string indent = "      ";
    if (!s.server_names.empty()) out_ << indent << "SNI: " << terminal_safe(joined(s.server_names)) << "\n";
    for (const auto& [sha256, seen] : s.certificates)
      out_ << indent << "client certificate " << sha256 << " (" << plural(seen.connections, "connection")
           << "): " << terminal_safe(seen.subject) << "\n";
    if (!s.server_reactions.empty()) {
      std::vector<std::string> counts;
      for (const auto& [reaction, n] : s.server_reactions) counts.push_back(reaction + " " + std::to_string(n));
      out_ << indent << "server reactions: " << terminal_safe(joined(counts)) << "\n";
    }
  }

  static std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
    return out;
  }

  std::ostream& out_;
  WriterOptions options_;
  bool live_header_written_ = false;
  size_t anomalies_ = 0;  // anomaly lines written, for the total
};

}  // namespace

std::unique_ptr<Writer> make_text_writer(std::ostream& out, const WriterOptions& options) {
  return std::make_unique<TextWriter>(out, options);
}

}  // namespace tlsflags::report
