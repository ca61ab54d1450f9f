#include "tlsflags/report/writer.hpp"

#include "writers.hpp"

namespace tlsflags::report {

std::optional<Format> format_from_name(std::string_view name) {
  if (name == "text") return Format::text;
  if (name == "jsonl") return Format::jsonl;
  if (name == "sarif") return Format::sarif;
  if (name == "junit") return Format::junit;
  return std::nullopt;
}

std::string_view to_string(Format format) {
  switch (format) {
    case Format::text: return "text";
    case Format::jsonl: return "jsonl";
    case Format::sarif: return "sarif";
    case Format::junit: return "junit";
  }
  return "unknown";
}

std::unique_ptr<Writer> make_writer(Format format, std::ostream& out, const WriterOptions& options) {
  switch (format) {
    case Format::text: return make_text_writer(out, options);
    case Format::jsonl: return make_jsonl_writer(out, options);
    case Format::sarif: return make_sarif_writer(out, options);
    case Format::junit: return make_junit_writer(out, options);
  }
  return nullptr;
}

RunSummary write_report(Writer& writer, std::span<const FileResult> files) {
  RunSummary summary = summarise(files);
  for (const FileResult& file : files) writer.file(file);
  writer.finish(summary);
  return summary;
}

}  // namespace tlsflags::report
