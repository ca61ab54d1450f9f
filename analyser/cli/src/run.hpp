// A whole tlsflags-check run: key logs, every capture (in parallel with -j), the cross-connection rule,
// the report, and the exit status.
#pragma once

#include "options.hpp"

namespace tlsflags::cli {

// Returns the exit status (kExitNoFailure, kExitFailure or kExitTrouble).
int run(const CheckOptions& options);

}  // namespace tlsflags::cli
