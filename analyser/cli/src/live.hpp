// tlsflags-check -i IFACE: live capture with libpcap through the same pipeline as a capture file. Each
// connection is reported as soon as it ends; SIGINT or SIGTERM stops the capture, then the summary (and
// --by-server) follows, and the exit status is the contract's.
#pragma once

#include "options.hpp"

namespace tlsflags::cli {

int run_live(const CheckOptions& options);

}  // namespace tlsflags::cli
