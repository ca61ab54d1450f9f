#!/usr/bin/env bash
# Builds and runs every test (unit, end-to-end with the real tshark, capture catalogue checks), then
# names each skipped test with the reason it printed (e.g. the live-capture tests without capture rights).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
BUILD_DIR=$build_dir bash scripts/build.sh "$@"
ctest_output=$(mktemp)
trap 'rm -f "$ctest_output"' EXIT
status=0
ctest --test-dir "$build_dir" --output-on-failure -j "$(nproc)" | tee "$ctest_output" || status=$?
# ctest lists a skipped test as "NNN - NAME (Skipped)"; its reason is the last line of its output, kept
# in LastTest.log.
skipped=$(sed -n 's/^[[:space:]]*[0-9]* - \(.*\) (Skipped)$/\1/p' "$ctest_output")
if [[ -n $skipped ]]; then
  echo "Skipped tests, and why:"
  while read -r name; do
    reason=$(awk -v test="$name" '
      $0 ~ /^[0-9]+\/[0-9]+ Test: / { sub(/^[0-9]+\/[0-9]+ Test: /, ""); current = ($0 == test); next }
      current && /^Output:$/ { in_output = 1; getline; next }
      in_output && /^<end of output>$/ { in_output = 0; current = 0; next }
      in_output && NF { last = $0 }
      END { print last }' "$build_dir/Testing/Temporary/LastTest.log")
    echo "  $name: ${reason:-(it printed no reason)}"
  done <<<"$skipped"
fi
exit "$status"
