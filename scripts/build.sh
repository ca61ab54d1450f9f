#!/usr/bin/env bash
# Configures and builds everything (plugin, analyser, generator, tests) into BUILD_DIR (default build/).
# Warnings are errors, as in CI.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo} -DTLSFLAGS_WERROR=ON "$@" >/dev/null
cmake --build "$build_dir" -j "$(nproc)"
