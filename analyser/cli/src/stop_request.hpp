// What stops a batch run before its end (docs/tlsflags-check.1 "SIGNALS", "EXIT STATUS"): SIGINT or
// SIGTERM, or the report failing to be written. Reading stops before the next record of every capture;
// the connections still open are reported with their capture_end marked interrupted (undecidable rules
// say "analysis interrupted"), and the summary is written.
#pragma once

#include <atomic>

namespace tlsflags::cli {

class StopRequest {
 public:
  // Installs handlers for SIGINT and SIGTERM that only set the flag. Without SA_RESTART: a blocking
  // open() or read() of a FIFO key log returns EINTR instead of waiting on.
  static void install_signal_handlers();
  static const std::atomic<bool>& flag();
  static void request();  // the report cannot be written: stop as a signal would
  // The signal that stopped the run; 0 when none did.
  static int signal();
};

}  // namespace tlsflags::cli
