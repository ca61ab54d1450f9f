#!/usr/bin/env bash
# One fuzzing campaign of one harness, then a re-minimised corpus (docs/reliability.md).
#
#   tests/fuzz/campaign.sh HARNESS SECONDS [SEED_DIR...]      BUILD_DIR (default build-fuzz)
#
# Runs fuzz_HARNESS at nice 10 (the machine is shared) for SECONDS over a working copy of the committed
# corpus plus any SEED_DIRs, keeps the log with libFuzzer's final stats, then merges the committed corpus and
# everything new into a fresh directory (-merge=1 keeps only inputs that add coverage) and puts that in
# place of tests/fuzz/corpus/HARNESS. Crashes land in BUILD_DIR/tests/fuzz/campaign/HARNESS/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/../.."
harness=$1
seconds=$2
shift 2
build_dir=${BUILD_DIR:-build-fuzz}
exe=$build_dir/tests/fuzz/fuzz_$harness
committed=tests/fuzz/corpus/$harness
work=$build_dir/tests/fuzz/campaign/$harness
mkdir -p "$work/corpus" "$work/artifacts" "$committed"
cp -n "$committed"/. "$work/corpus/" -r 2>/dev/null || true

status=0
nice -n 10 "$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/" "$work/corpus" "$@" >"$work/campaign.log" 2>&1 || status=$?
if ((status != 0)); then
  tail -n 40 "$work/campaign.log"
  echo "$harness: the fuzzer stopped with status $status; see $work/artifacts/" >&2
  exit "$status"
fi
grep -E '^#[0-9]+[[:space:]]+DONE|stat::' "$work/campaign.log"

minimised=$(mktemp -d)
trap 'rm -rf "$minimised"' EXIT
nice -n 10 "$exe" -merge=1 "$minimised" "$committed" "$work/corpus" >"$work/merge.log" 2>&1
rm -rf "$committed"
mkdir -p "$committed"
cp "$minimised"/* "$committed"/
echo "$harness: $(ls "$committed" | wc -l) inputs, $(du -s --apparent-size -B1 "$committed" | cut -f1) bytes committed"
