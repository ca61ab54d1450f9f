// Names shared by the writers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tlsflags/core/events.hpp"

namespace tlsflags::report {

// RFC 8446's alert description name, or "unknown_N" for a description outside the registry.
inline std::string alert_name(uint8_t description) {
  std::string name(alert_description_name(description));
  return name == "unknown" || name.empty() ? "unknown_" + std::to_string(description) : name;
}

// "warning" or "fatal"; nullopt for a level RFC 8446 does not define.
inline std::optional<std::string> alert_level_name(uint8_t level) {
  if (level == kAlertLevelWarning) return "warning";
  if (level == kAlertLevelFatal) return "fatal";
  return std::nullopt;
}

// " (frame 4)", " (frames 4, 9)", or "" when there is no evidence frame.
inline std::string frames_note(const std::vector<uint64_t>& frames) {
  if (frames.empty()) return "";
  std::string out = frames.size() == 1 ? " (frame " : " (frames ";
  for (size_t i = 0; i < frames.size(); ++i) out += (i ? ", " : "") + std::to_string(frames[i]);
  return out + ")";
}

}  // namespace tlsflags::report
