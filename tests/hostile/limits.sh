#!/usr/bin/env bash
# tlsflags-check in bounded memory and time on captures built to exhaust it (make_hostile_capture), with
# every cap hit reported on stderr (docs/reliability-limits.md "Resource caps").
#   limits.sh CASE TLSFLAGS_CHECK MAKE_HOSTILE_CAPTURE WORK_DIR [long]
# The ctest cases are small; `long` runs the sizes the bounds are documented for:
#   half-open  1,000,000 SYNs, default caps          peak RSS <= 512 MiB   (ctest: 200,000, --max-connections 50000, <= 160 MiB)
#   seq-gap    200,000 segments 3 GB / 700 MB apart  peak RSS <= 64 MiB    (ctest: 20,000)
#   tiny-ooo   2,000,000 1-byte segments, reversed   peak RSS <= 64 MiB    (ctest: 300,000)
#   storms     200 connections past the TLS layer's Timeline bounds (1,500 messages, 20 alerts each)
# and the same warnings for a count of one, which must read in the singular:
#   half-open-one  2 SYNs, --max-connections 1: "1 connection closed early"
#   storms-one     1 storm connection: "1 direction stopped", "12 alerts not recorded"
set -uo pipefail
case_name=$1 check=$2 generate=$3 work=$4/$1 size=${5:-ctest}
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
[[ -x /usr/bin/time ]] || { echo "/usr/bin/time (GNU time) not installed: skipped"; exit 77; }
fail() { echo "FAIL: $*" >&2; echo "--- stderr" >&2; head -c 2000 err >&2; exit 1; }

MiB=1024  # /usr/bin/time reports kB
kind=$case_name  # what make_hostile_capture generates
case $case_name:$size in
half-open:ctest) count=200000 options=(--max-connections 50000) max_rss=$((160 * MiB)) max_seconds=60
                 expect="150000 connections closed early: too many open at once" ;;
half-open:long)  count=1000000 options=() max_rss=$((512 * MiB)) max_seconds=300
                 expect="737856 connections closed early: too many open at once" ;;
seq-gap:ctest)   count=20000 options=() max_rss=$((64 * MiB)) max_seconds=30 expect="given up on: too much out-of-order data in one direction" ;;
seq-gap:long)    count=200000 options=() max_rss=$((64 * MiB)) max_seconds=120 expect="given up on: too much out-of-order data in one direction" ;;
tiny-ooo:ctest)  count=300000 options=() max_rss=$((64 * MiB)) max_seconds=60
                 expect="given up on: too much out-of-order data in one direction" ;;
tiny-ooo:long)   count=2000000 options=() max_rss=$((64 * MiB)) max_seconds=300
                 expect="given up on: too much out-of-order data in one direction" ;;
storms:*)        count=200 options=() max_rss=$((64 * MiB)) max_seconds=30
                 expect="200 directions stopped at 1000 handshake and alert events: what followed is unreadable"
                 also="2400 alerts not recorded: after their sender's fatal alert, or past its first 8" ;;
half-open-one:*) kind=half-open count=2 options=(--max-connections 1) max_rss=$((64 * MiB)) max_seconds=30
                 expect="1 connection closed early: too many open at once (first in frame 2)" ;;
storms-one:*)    kind=storms count=1 options=() max_rss=$((64 * MiB)) max_seconds=30
                 expect="1 direction stopped at 1000 handshake and alert events: what followed is unreadable"
                 also="12 alerts not recorded: after their sender's fatal alert, or past its first 8" ;;
*) echo "unknown case $case_name $size" >&2; exit 1 ;;
esac

"$generate" "$kind" "$count" hostile.pcap || fail "make_hostile_capture failed"
/usr/bin/time -f "%M %e" -o usage timeout "$max_seconds" "$check" -f jsonl "${options[@]}" hostile.pcap >out 2>err
status=$?
read -r rss_kb seconds <<<"$(tail -n 1 usage)"
echo "$case_name ($count): exit status $status, peak RSS $((rss_kb / 1024)) MiB (bound $((max_rss / 1024)) MiB), $seconds s"
cat err
((status == 124)) && fail "no result within ${max_seconds}s"
((status == 0 || status == 1)) || fail "exit status $status"
((rss_kb <= max_rss)) || fail "peak RSS ${rss_kb} kB above the bound of ${max_rss} kB"
grep -qF "$expect" err || fail "stderr does not report the cap: expected '$expect'"
[[ -z ${also:-} ]] || grep -qF "$also" err || fail "stderr does not report the cap: expected '$also'"
tail -n 1 out | grep -qF '"type":"summary"' || fail "no summary line"
# docs/output.md "Anomalies": the report a CI pipeline keeps says it too, not only stderr.
grep -F '"type":"anomaly"' out | grep -qF "$expect" || fail "no JSON Lines anomaly record says '$expect'"
[[ -z ${also:-} ]] || grep -F '"type":"anomaly"' out | grep -qF "$also" || fail "no JSON Lines anomaly record says '$also'"
if [[ $case_name == storms ]]; then
  "$check" -f sarif hostile.pcap >sarif.json 2>/dev/null
  grep -qF '"toolExecutionNotifications"' sarif.json || fail "SARIF has no notifications"
  grep -qF "$expect" sarif.json && grep -qF "$also" sarif.json || fail "SARIF does not notify the anomalies"
  grep -qF '"executionSuccessful":true' sarif.json || fail "anomalies made the SARIF run unsuccessful"
fi
echo "PASS"
