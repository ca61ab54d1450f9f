// tlsflags-check: the offline analyser (docs/analyser.md, docs/tlsflags-check.1).
#include <exception>
#include <iostream>

#include "options.hpp"
#include "run.hpp"

int main(int argc, char** argv) {
  using namespace tlsflags::cli;
  ParsedCommandLine command_line = parse_command_line(argc, argv);
  if (!command_line.options) return command_line.exit_status;
  try {
    return run(*command_line.options);
  } catch (const std::exception& e) {
    std::cerr << "tlsflags-check: " << e.what() << '\n';
    return kExitTrouble;
  }
}
