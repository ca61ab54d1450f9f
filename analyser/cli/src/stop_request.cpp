#include "stop_request.hpp"

#include <signal.h>

namespace tlsflags::cli {
namespace {

std::atomic<bool> g_stop{false};
volatile sig_atomic_t g_signal = 0;

static_assert(std::atomic<bool>::is_always_lock_free, "set from a signal handler");

extern "C" void on_batch_stop_signal(int signal_number) {
  if (g_signal == 0) g_signal = signal_number;
  g_stop.store(true, std::memory_order_relaxed);
}

}  // namespace

void StopRequest::install_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = on_batch_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART (see the header)
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

const std::atomic<bool>& StopRequest::flag() { return g_stop; }

void StopRequest::request() { g_stop.store(true, std::memory_order_relaxed); }

int StopRequest::signal() { return g_signal; }

}  // namespace tlsflags::cli
