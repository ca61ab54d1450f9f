// Reading states for `tlsflags-check merge` (state.hpp): an index pass over each state, the merged
// run's capture order, and reading one capture's connections back.
#include <algorithm>
#include <fstream>
#include <set>
#include <stdexcept>
#include <tuple>

#include "tlsflags/report/state.hpp"

namespace tlsflags::report::state {
namespace {

std::runtime_error error_at(const std::string& path, uint64_t line, const std::string& what) {
  return std::runtime_error(path + " line " + std::to_string(line) + ": " + what);
}

}  // namespace

StateIndex index_state(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  StateIndex index;
  std::string line;
  uint64_t number = 0, offset = 0, captures_begin = 0;
  bool header = false, ended = false;
  for (; std::getline(in, line); offset += line.size() + 1) {
    ++number;
    const std::optional<LineType> type = peek_type(line);
    try {
      if (!type || ended || header != (type != LineType::header))
        throw std::runtime_error(ended ? "records after the end record" : "not a tlsflags state record here");
      if (*type == LineType::header) {
        index.settings = parse_header(line);
        header = true;
        captures_begin = offset + line.size() + 1;
      } else if (*type == LineType::capture) {
        index.captures.push_back({path, parse_capture(line), captures_begin, offset});
        captures_begin = offset + line.size() + 1;
      } else if (*type == LineType::end) {
        index.diagnostics = parse_end(line);
        ended = true;
      }
    } catch (const std::runtime_error& e) {
      throw error_at(path, number, e.what());
    }
  }
  if (in.bad()) throw std::runtime_error("cannot read " + path);
  if (!header) throw std::runtime_error(path + ": not a tlsflags state (no header record)");
  if (!ended) throw std::runtime_error(path + ": cut short (no end record): the run that wrote it did not finish");
  return index;
}

MergeOrder merge_order(std::vector<CaptureInState> all) {
  auto key = [](const CaptureInState& c) { return std::tie(c.capture.file, c.capture.sha256); };
  std::stable_sort(all.begin(), all.end(), [&](const CaptureInState& a, const CaptureInState& b) { return key(a) < key(b); });
  MergeOrder out;
  std::set<std::string> contents, unreadable_names;
  for (CaptureInState& c : all) {
    const bool first = c.capture.sha256.empty() ? unreadable_names.insert(c.capture.file).second
                                                : contents.insert(c.capture.sha256).second;
    if (first) {
      out.captures.push_back(std::move(c));
    } else {
      ++out.duplicates;
    }
  }
  return out;
}

void read_connections(const CaptureInState& capture, const std::function<void(Connection&&)>& each) {
  std::ifstream in(capture.state, std::ios::binary);
  if (!in || !in.seekg(static_cast<std::streamoff>(capture.begin))) throw std::runtime_error("cannot read " + capture.state);
  std::string line;
  for (uint64_t offset = capture.begin; offset < capture.end && std::getline(in, line); offset += line.size() + 1) {
    try {
      each(parse_connection(line));
    } catch (const std::runtime_error& e) {
      throw std::runtime_error(capture.state + " at byte " + std::to_string(offset) + ": " + e.what());
    }
  }
  if (in.bad()) throw std::runtime_error("cannot read " + capture.state);
}

}  // namespace tlsflags::report::state
