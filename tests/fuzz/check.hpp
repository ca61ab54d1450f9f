// Invariant checks for the harnesses. A broken invariant must stop the fuzzer with a crash it can
// minimise and save, whatever the build type (assert() vanishes under NDEBUG), so this prints what
// broke and aborts.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>

#define FUZZ_CHECK(condition)                                                                   \
  do {                                                                                          \
    if (!(condition)) {                                                                         \
      std::fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #condition);   \
      std::abort();                                                                             \
    }                                                                                           \
  } while (false)

namespace tlsflags::fuzz {

// Whether an open bug (tests/fuzz/open-bugs.txt) is to be stepped over: the short ctest runs and the
// campaigns list them in TLSFLAGS_FUZZ_TOLERATE (comma-separated) so that a known bug neither breaks CI
// nor stops a campaign from finding the next one. Its reproducer under regressions/open/ runs without
// the variable, so it still fails until the bug is fixed. A tolerated check must still bound the harm
// (see its call site).
inline bool tolerated(std::string_view bug) {
  const char* list = std::getenv("TLSFLAGS_FUZZ_TOLERATE");
  if (list == nullptr) return false;
  std::string_view rest(list);
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    if (rest.substr(0, comma) == bug) return true;
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
  }
  return false;
}

}  // namespace tlsflags::fuzz
