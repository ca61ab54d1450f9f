#include "progress.hpp"

#include <cstdio>

#include "tlsflags/report/escape.hpp"

namespace tlsflags::cli {
namespace {
constexpr auto kShowAfter = std::chrono::seconds(1);
constexpr auto kRedrawEvery = std::chrono::milliseconds(250);
}  // namespace

Progress::Progress(bool enabled) : enabled_(enabled) {
  if (enabled_) ticker_ = std::thread([this] { tick_until_stopped(); });
}

Progress::~Progress() {
  if (!enabled_) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  ticker_.join();
  clear_line();
}

void Progress::started(size_t index, const std::string& file) {
  if (!enabled_) return;
  std::lock_guard lock(mutex_);
  running_[index] = {report::terminal_safe(file), Clock::now()};
}

void Progress::finished(size_t index) {
  if (!enabled_) return;
  std::lock_guard lock(mutex_);
  running_.erase(index);
}

void Progress::clear_line() {
  if (!enabled_) return;
  std::lock_guard lock(mutex_);
  if (!line_shown_) return;
  std::fputs("\r\x1b[K", stderr);
  std::fflush(stderr);
  line_shown_ = false;
}

void Progress::tick_until_stopped() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, kRedrawEvery, [this] { return stopping_; })) draw_locked();
}

// Shows the capture that has been running longest, once it has taken more than a second.
void Progress::draw_locked() {
  if (running_.empty()) return;
  auto oldest = running_.begin();
  for (auto it = running_.begin(); it != running_.end(); ++it)
    if (it->second.second < oldest->second.second) oldest = it;
  auto elapsed = Clock::now() - oldest->second.second;
  if (elapsed < kShowAfter) return;
  double seconds = std::chrono::duration<double>(elapsed).count();
  std::fprintf(stderr, "\r\x1b[Ktlsflags-check: reading %s (%.0f s", oldest->second.first.c_str(), seconds);
  if (running_.size() > 1) std::fprintf(stderr, ", %zu captures in progress", running_.size());
  std::fputs(")", stderr);
  std::fflush(stderr);
  line_shown_ = true;
}

}  // namespace tlsflags::cli
