#!/usr/bin/env bash
# One fuzzing campaign of one harness, then a re-minimised corpus (docs/reliability.md).
#
#   tests/fuzz/campaign.sh HARNESS CPU_SECONDS [SEED_DIR...]
#       BUILD_DIR (default build-fuzz), WALL_SECONDS (default 8 * CPU_SECONDS: the machine may be shared),
#       BASE_CORPUS (a directory of seeds kept elsewhere, e.g. captures/: fuzzed from, never committed),
#       MAX_FILE_BYTES (inputs larger than this are not committed: keeps the capture corpora small)
#
# Runs fuzz_HARNESS at nice 10 over a working copy of the committed corpus plus any SEED_DIRs until it
# has used CPU_SECONDS of CPU (it is then stopped with SIGTERM, on which libFuzzer prints its final
# stats) or WALL_SECONDS have passed. Then merges the committed corpus and everything new into a fresh
# directory (-merge=1 keeps only inputs that add coverage) and puts that in place of
# tests/fuzz/corpus/HARNESS. Crashes land in BUILD_DIR/tests/fuzz/campaign/HARNESS/artifacts/.
# Open bugs (open-bugs.txt) are stepped over, or the campaign would stop at the first of them.
set -euo pipefail

# Everything is inside main, so that bash has read the whole script before it runs: editing this file
# during a campaign cannot derail it.
main() {
  cd "$(dirname "$0")/../.."
  local harness=$1 cpu_budget=$2
  shift 2
  local build_dir=${BUILD_DIR:-build-fuzz}
  local exe=$build_dir/tests/fuzz/fuzz_$harness
  local committed=tests/fuzz/corpus/$harness
  local work=$build_dir/tests/fuzz/campaign/$harness
  mkdir -p "$work/corpus" "$work/artifacts" "$committed"
  cp -r "$committed"/. "$work/corpus/"

  TLSFLAGS_FUZZ_TOLERATE=$(grep -v '^#' tests/fuzz/open-bugs.txt | paste -sd, - || true)  # none open: grep fails
  export TLSFLAGS_FUZZ_TOLERATE
  export UBSAN_OPTIONS="suppressions=$PWD/tests/fuzz/open-bugs.ubsan.supp"

  nice -n 10 "$exe" -max_total_time="${WALL_SECONDS:-$((8 * cpu_budget))}" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$work/artifacts/" "$work/corpus" ${BASE_CORPUS:+"$BASE_CORPUS"} "$@" \
    >"$work/campaign.log" 2>&1 &
  local pid=$! status=0
  stop_after_cpu_seconds "$pid" "$cpu_budget"
  wait "$pid" || status=$?
  # 0: time is up; 72: stopped by SIGTERM (libFuzzer's interrupted exit code). Anything else is a finding.
  if ((status != 0 && status != 72)); then
    tail -n 40 "$work/campaign.log"
    echo "$harness: the fuzzer stopped with status $status; see $work/artifacts/" >&2
    exit "$status"
  fi
  summarise "$harness" "$work/campaign.log"
  minimise "$exe" "$committed" "$work"
}

# Polls the process's CPU time (user + system, /proc/PID/stat fields 14 and 15) and sends SIGTERM once it
# reaches the budget. Returns when the process is gone.
stop_after_cpu_seconds() {
  local pid=$1 budget=$2 ticks_per_second
  ticks_per_second=$(getconf CLK_TCK)
  while kill -0 "$pid" 2>/dev/null; do
    local ticks
    ticks=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)
    echo "$((ticks / ticks_per_second))" >"$work/cpu_seconds"
    if ((ticks >= budget * ticks_per_second)); then
      kill -TERM "$pid" 2>/dev/null || true
      break
    fi
    sleep 5
  done
}

summarise() {
  local harness=$1 log=$2
  echo "$harness: $(grep -E 'cov: ' "$log" | tail -n 1 | grep -oE 'cov: [0-9]+ ft: [0-9]+')," \
    "$(cat "$work/cpu_seconds") CPU seconds"
  grep -E 'stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)' "$log"
}

# What BASE_CORPUS covers is put in first and taken out after the merge, so the committed corpus only
# holds what the base does not already cover.
minimise() {
  local exe=$1 committed=$2 work=$3 minimised base_files=()
  minimised=$(mktemp -d)
  if [[ -n ${BASE_CORPUS:-} ]]; then
    cp "$BASE_CORPUS"/* "$minimised"/
    mapfile -t base_files < <(ls "$minimised")
  fi
  local candidates
  candidates=$(mktemp -d)
  # One directory at a time: the same input (same SHA-1 name) is often in both.
  for directory in "$committed" "$work/corpus"; do
    find "$directory" -type f -size -"$((${MAX_FILE_BYTES:-1000000000} + 1))"c -exec cp -f -t "$candidates" {} +
  done
  nice -n 10 "$exe" -merge=1 "$minimised" "$candidates" >"$work/merge.log" 2>&1
  rm -rf "$candidates"
  for file in "${base_files[@]}"; do rm -f "$minimised/$file"; done
  rm -rf "$committed"
  mkdir -p "$committed"
  cp "$minimised"/* "$committed"/
  rm -rf "$minimised"
  echo "$(basename "$committed"): $(ls "$committed" | wc -l) inputs," \
    "$(du -s --apparent-size -B1 "$committed" | cut -f1) bytes committed"
}

main "$@"; exit  # one line: bash must not read on after main, the file may have changed meanwhile
