#!/usr/bin/env bash
# tlsflags-check's memory grows with the connections open at once, not with the file (docs/analyser.md
# "Outputs"): a capture of N short connections (make_hostile_capture sequential: ~50 open at once, each
# pair ending in the reverse order it started) and one of 2N are both analysed within a fixed peak RSS,
# the larger one not noticeably above the smaller, and the JSON Lines still come out complete and in
# first_frame order.
#   streaming.sh TLSFLAGS_CHECK MAKE_HOSTILE_CAPTURE WORK_DIR [N]
set -uo pipefail
check=$1 generate=$2 work=$3/streaming count=${4:-40000}
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
[[ -x /usr/bin/time ]] || { echo "/usr/bin/time (GNU time) not installed: skipped"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }

# Before streaming, 40,000 of these connections took 184 MiB and 80,000 took 360 MiB (all kept to be
# sorted at the end); streamed, both take 12 MiB.
max_rss_kb=$((48 * 1024))
max_growth_kb=$((6 * 1024))

# Runs the analyser on N sequential connections; prints its peak RSS in kB.
peak_rss() {
  local n=$1
  "$generate" sequential "$n" "seq$n.pcap" || fail "make_hostile_capture failed"
  /usr/bin/time -f "%M" -o "usage$n" "$check" -f jsonl "seq$n.pcap" >"out$n" 2>"err$n"
  local status=$?
  ((status == 0 || status == 1)) || { cat "err$n" >&2; fail "exit status $status on $n connections"; }
  [[ $(grep -c '"type":"connection"' "out$n") == "$n" ]] || fail "$n connections expected in out$n"
  tail -n 1 "out$n" | grep -qF "\"connections\":$n," || fail "summary of out$n does not count $n connections"
  # first_frame strictly ascending: the order of the report, kept while streaming
  grep -o '"first_frame":[0-9]*' "out$n" | cut -d: -f2 | sort -n -c -u || fail "out$n not in first_frame order"
  tail -n 1 "usage$n"
}

small=$(peak_rss "$count") || exit 1
large=$(peak_rss $((2 * count))) || exit 1
echo "peak RSS: $count connections $((small / 1024)) MiB, $((2 * count)) connections $((large / 1024)) MiB" \
     "(bound $((max_rss_kb / 1024)) MiB, growth bound $((max_growth_kb / 1024)) MiB)"
((small <= max_rss_kb)) || fail "peak RSS ${small} kB above ${max_rss_kb} kB for $count connections"
((large <= max_rss_kb)) || fail "peak RSS ${large} kB above ${max_rss_kb} kB for $((2 * count)) connections"
((large <= small + max_growth_kb)) || fail "peak RSS grew from ${small} kB to ${large} kB with a 2x file"
echo "PASS"
