// Invariant checks for the harnesses. A broken invariant must stop the fuzzer with a crash it can
// minimise and save, whatever the build type (assert() vanishes under NDEBUG), so this prints what
// broke and aborts.
#pragma once

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(condition)                                                                   \
  do {                                                                                          \
    if (!(condition)) {                                                                         \
      std::fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #condition);   \
      std::abort();                                                                             \
    }                                                                                           \
  } while (false)
