// Sanitizer defaults compiled into every harness, so that a plain run of a harness behaves as the
// campaigns and ctest do. UBSan checks are built recoverable (not -fno-sanitize-recover) only so that
// the open bugs of open-bugs.ubsan.supp can be suppressed while fuzzing goes on; halt_on_error makes
// every other report fatal, and libFuzzer then saves the input.
extern "C" const char* __ubsan_default_options() { return "halt_on_error=1:print_stacktrace=1"; }
