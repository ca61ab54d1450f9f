#!/usr/bin/env bash
# Builds and runs every test (unit, end-to-end with the real tshark, capture catalogue checks).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
BUILD_DIR=$build_dir bash scripts/build.sh "$@"
ctest --test-dir "$build_dir" --output-on-failure -j "$(nproc)"
