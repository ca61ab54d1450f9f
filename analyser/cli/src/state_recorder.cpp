#include "state_recorder.hpp"

#include <openssl/evp.h>

#include <array>
#include <cstdio>
#include <memory>

namespace tlsflags::cli {
namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
struct DigestFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

std::string hex(const unsigned char* bytes, unsigned size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < size; ++i) {
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 0xf];
  }
  return out;
}

}  // namespace

std::string sha256_of_file(const std::string& path) {
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  std::unique_ptr<EVP_MD_CTX, DigestFree> digest(EVP_MD_CTX_new());
  if (!file || !digest || EVP_DigestInit_ex(digest.get(), EVP_sha256(), nullptr) != 1) return {};
  std::array<unsigned char, 1 << 16> chunk;
  size_t got = 0;
  while ((got = std::fread(chunk.data(), 1, chunk.size(), file.get())) > 0)
    if (EVP_DigestUpdate(digest.get(), chunk.data(), got) != 1) return {};
  if (std::ferror(file.get())) return {};
  std::array<unsigned char, EVP_MAX_MD_SIZE> sum;
  unsigned size = 0;
  if (EVP_DigestFinal_ex(digest.get(), sum.data(), &size) != 1) return {};
  return hex(sum.data(), size);
}

report::state::Settings state_settings_for(const AnalysisSettings& analysis) {
  report::state::Settings settings;
  settings.rules = analysis.rules;
  settings.flags_extension = analysis.flags_extension;
  settings.events = analysis.keep_events;
  settings.explain = analysis.keep_explain;
  settings.tool_version = tool_version();
  return settings;
}

StateRecorder::StateRecorder(const std::string& path, const report::state::Settings& settings)
    : out_(path, std::ios::out | std::ios::trunc | std::ios::binary) {
  out_ << report::state::header_line(settings);
}

void StateRecorder::connection(size_t capture, const JudgedConnection& connection) {
  out_ << report::state::connection_line(capture, connection.result, connection.trust_anchors);
}

void StateRecorder::capture_end(size_t capture, const FileAnalysis& analysis, const std::string& sha256) {
  out_ << report::state::capture_line(
      {capture, analysis.file, sha256, analysis.read_error, analysis.cut_short, analysis.warnings, analysis.anomalies});
}

bool StateRecorder::finish(const std::vector<report::state::Said>& diagnostics) {
  out_ << report::state::end_line(diagnostics);
  out_.close();
  return !out_.fail();
}

}  // namespace tlsflags::cli
