#!/usr/bin/env bash
# tlsflags-fleet on the W3 many-files workload (docs/fleet.md "What scales with what"): one run measures,
# by wall time, tlsflags-check -j 2, the fleet with one Dask worker and the fleet with two (single-
# threaded workers on 127.0.0.1, started and stopped here; with two also --batch 10), checks that the reports are
# byte-identical, and times `tlsflags-check merge` over one state per file (the merge's cost per file).
#
#   bench/fleet.sh [--runs N] [--check PATH] [--captures DIR]
#
# --captures: the W3 files (default bench/work/w3, which bench/run.sh generates); --check: the
# tlsflags-check to measure (default build-bench's, else build's). Needs python3-distributed.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
runs=3 check= captures=$repo/bench/work/w3
while (($#)); do
  case $1 in
    --runs) runs=$2; shift ;;
    --check) check=$2; shift ;;
    --captures) captures=$2; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "fleet.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
for candidate in "$check" "$repo/build-bench/analyser/cli/tlsflags-check" "$repo/build/analyser/cli/tlsflags-check"; do
  [[ -n $candidate && -x $candidate ]] && { check=$candidate; break; }
done
[[ -x $check ]] || { echo "fleet.sh: no tlsflags-check built (--check)" >&2; exit 2; }
fleet=$repo/analyser/fleet/tlsflags-fleet
export LC_ALL=C
mapfile -t files < <(printf '%s\n' "$captures"/*.pcapng | sort)
[[ -f ${files[0]} ]] || { echo "fleet.sh: no captures in $captures (run bench/run.sh first)" >&2; exit 2; }

work=$(mktemp -d)
# shellcheck source=../tests/lib/dask_cluster.sh
source "$repo/tests/lib/dask_cluster.sh"
trap 'stop_cluster; rm -rf "$work"' EXIT
note() { echo "== $*" >&2; }

# best KEY COMMAND...: the lowest wall time of $runs runs, in seconds; the last run's report in out.KEY.
declare -A best
best() {
  local key=$1 start elapsed
  shift
  for ((i = 1; i <= runs; ++i)); do
    start=$EPOCHREALTIME
    "$@" >"$work/out.$key" 2>"$work/err.$key" || (($? < 2)) || { cat "$work/err.$key" >&2; exit 1; }
    elapsed=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }')
    if [[ -z ${best[$key]:-} ]] || awk -v a="$elapsed" -v b="${best[$key]}" 'BEGIN { exit !(a < b) }'; then
      best[$key]=$elapsed
    fi
  done
  note "$key: best of $runs: ${best[$key]} s"
}

start_scheduler "$work"
start_worker "$work" w1
wait_for_workers "$work" 1
best check-j2 "$check" -j 2 -f jsonl --by-server "${files[@]}"
best fleet-1 "$fleet" --scheduler "$scheduler" --check "$check" -f jsonl --by-server "${files[@]}"
start_worker "$work" w2
wait_for_workers "$work" 2
best fleet-2 "$fleet" --scheduler "$scheduler" --check "$check" -f jsonl --by-server "${files[@]}"
best fleet-2-batch10 "$fleet" --scheduler "$scheduler" --check "$check" --batch 10 -f jsonl --by-server "${files[@]}"
for key in fleet-1 fleet-2 fleet-2-batch10; do
  cmp -s "$work/out.check-j2" "$work/out.$key" || { echo "fleet.sh: FAIL: $key's report differs from -j 2's" >&2; exit 1; }
done

mkdir "$work/states"
for i in "${!files[@]}"; do
  "$check" -f jsonl --state "$work/states/$i.state" -o /dev/null "${files[$i]}" || (($? < 2))
done
best merge "$check" merge -f jsonl --by-server "$work"/states/*.state
cmp -s "$work/out.check-j2" "$work/out.merge" || { echo "fleet.sh: FAIL: the merge's report differs" >&2; exit 1; }
state_bytes=$(cat "$work"/states/*.state | wc -c)
connections=$(grep -c '"type":"connection"' "$work/out.merge")

echo "W3: ${#files[@]} files, $connections connections; $(nproc) CPUs, load before $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| run | wall s (best of $runs) |"
echo "|---|---|"
echo "| tlsflags-check -j 2 | ${best[check-j2]} |"
echo "| tlsflags-fleet, 1 worker | ${best[fleet-1]} |"
echo "| tlsflags-fleet, 2 workers | ${best[fleet-2]} |"
echo "| tlsflags-fleet, 2 workers, --batch 10 | ${best[fleet-2-batch10]} |"
echo "| tlsflags-check merge of ${#files[@]} states ($((state_bytes / 1024)) KiB) | ${best[merge]} ($(awk -v t="${best[merge]}" -v n="${#files[@]}" 'BEGIN { printf "%.2f", t / n * 1000 }') ms per file) |"
echo
echo "All four reports are byte-identical."
