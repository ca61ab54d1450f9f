// A progress line on stderr while a capture takes long (more than a second), only when stderr is a
// terminal: scripts and CI logs never see it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace tlsflags::cli {

class Progress {
 public:
  explicit Progress(bool enabled);
  ~Progress();  // stops the ticker and clears the line
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void started(size_t index, const std::string& file);
  void finished(size_t index);
  // Clears the progress line so that a warning can be written on a clean line.
  void clear_line();

 private:
  using Clock = std::chrono::steady_clock;
  void tick_until_stopped();
  void draw_locked();

  bool enabled_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool line_shown_ = false;
  std::map<size_t, std::pair<std::string, Clock::time_point>> running_;  // by input index
  std::thread ticker_;
};

}  // namespace tlsflags::cli
