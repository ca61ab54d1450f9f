#!/usr/bin/env bash
# tlsflags-check --state and merge (docs/fleet.md) over the catalogue captures: the merge of per-capture
# states is byte for byte the run over all captures (every format, --by-server, --events, --explain),
# whatever the order of the states; a capture given twice is counted once; exit statuses.
#   merge_tests.sh CASE TLSFLAGS_CHECK CAPTURES_DIR WORK_DIR
set -uo pipefail
unset SSLKEYLOGFILE
case_name=$1 check=$2 captures=$3 work=$4/merge-$1
rm -rf "$work" && mkdir -p "$work/states" && cd "$work" || exit 1
export LC_ALL=C  # the merge orders captures by name in bytes; so does this glob

fail() { echo "FAIL: $*" >&2; echo "--- stdout" >&2; head -c 4000 out 2>/dev/null >&2; echo "--- stderr" >&2; cat err 2>/dev/null >&2; exit 1; }
run() { "$check" "$@" >out 2>err; status=$?; }
expect_status() { [[ $status -eq $1 ]] || fail "exit status $status, expected $1"; }
expect_in() { grep -qF -- "$2" "$1" || fail "$1 lacks: $2"; }
same() { cmp -s "$1" "$2" || { diff "$1" "$2" | head -20 >&2; fail "$1 and $2 differ"; }; }

all=("$captures"/*.pcap "$captures"/*.pcapng)
mapfile -t all < <(printf '%s\n' "${all[@]}" | sort)
keys=()
for k in "$captures"/*.keys; do keys+=(-k "$k"); done
# states OPTIONS...: one state per catalogue capture, states/N.state, written with OPTIONS.
states() {
  local n=0
  for capture in "${all[@]}"; do
    n=$((n + 1))
    "$check" "$@" "${keys[@]}" --state "states/$n.state" -o /dev/null "$capture" 2>/dev/null
    [[ -s states/$n.state ]] || fail "no state for $capture"
  done
}
shuffled() { printf '%s\n' states/*.state | shuf; }

case $case_name in
same-as-one-run)
  # Every format; the catalogue holds rca.server.trust-anchors-shared across captures.
  for options in "-f jsonl --by-server" "-f text --by-server" "-f sarif" "-f junit" "-f jsonl --events" \
                 "-f text --explain"; do
    rm -f states/*
    # shellcheck disable=SC2086  # the words are options
    states $options
    # shellcheck disable=SC2086
    run -j 2 $options "${keys[@]}" "${all[@]}"; cp out single; cp err single.err; single_status=$status
    # shellcheck disable=SC2086
    run merge $options $(shuffled); same single out; same single.err err
    [[ $status -eq $single_status ]] || fail "merge exit status $status, the run's $single_status ($options)"
    [[ $options != "-f jsonl --by-server" ]] || expect_in single '"rule":"rca.server.trust-anchors-shared"'
  done ;;
order-independent)
  states -f jsonl --by-server
  run merge -f jsonl --by-server states/*.state; cp out first
  for round in 1 2 3; do
    # shellcheck disable=SC2046  # one word per state
    run merge -f jsonl --by-server $(shuffled); same first out
  done
  # States of several captures each, in another grouping, merge to the same.
  half=$(( ${#all[@]} / 2 ))
  "$check" -f jsonl --by-server "${keys[@]}" --state a.state -o /dev/null "${all[@]:half}" 2>/dev/null
  "$check" -f jsonl --by-server "${keys[@]}" --state b.state -o /dev/null "${all[@]:0:half}" 2>/dev/null
  run merge -f jsonl --by-server a.state b.state; same first out
  run merge -f jsonl --by-server b.state a.state; same first out
  # A merged state merges again to the same (a merge of merges).
  run merge -f jsonl --by-server --state ab.state -o /dev/null a.state; run merge -f jsonl --by-server ab.state b.state
  same first out ;;
duplicates-once)
  states -f jsonl --by-server
  run merge -f jsonl --by-server states/*.state; cp out once
  run merge -f jsonl --by-server states/*.state states/*.state; same once out
  expect_in err "${#all[@]} captures left out: the same content is in the merge already"
  # The same bytes under another name are the same capture.
  cp "${all[0]}" copy.pcap
  "$check" -f jsonl --by-server "${keys[@]}" --state copy.state -o /dev/null copy.pcap 2>/dev/null
  run merge -f jsonl --by-server copy.state states/*.state; expect_in err "1 capture left out"
  [[ $(grep -c '"type":"connection"' out) -eq $(grep -c '"type":"connection"' once) ]] || fail "a copy was counted twice" ;;
exit-status)
  pass=$captures/rca-echo-pass.pcap failing=$captures/rca-ack-without-request-rejected.pcap
  "$check" -k "${pass%.pcap}.keys" --state pass.state -o /dev/null "$pass"
  "$check" -k "${failing%.pcap}.keys" --state fail.state -o /dev/null "$failing"
  run merge pass.state; expect_status 0
  run merge pass.state fail.state; expect_status 1
  # A capture that could not be read: exit status 2, the others still reported.
  "$check" -f jsonl --state missing.state -o /dev/null no-such.pcap 2>/dev/null; [[ $? -eq 2 ]] || fail "no-such.pcap read?"
  run merge -f jsonl missing.state pass.state; expect_status 2
  expect_in err "no-such.pcap"; expect_in out '"file":"'"$pass"'"'; expect_in out '"type":"summary","files":1'
  # A key log that could not be read in a run: exit status 2 in the merge too, said once.
  "$check" -k no-such.keys --state k1.state -o /dev/null "$pass" 2>/dev/null
  "$check" -k no-such.keys --state k2.state -o /dev/null "$failing" 2>/dev/null
  run merge k1.state k2.state; expect_status 2
  [[ $(grep -c "no-such.keys" err) -eq 1 ]] || fail "the key log's error should be said once" ;;
bad-states)
  pass=$captures/rca-echo-pass.pcap
  "$check" -k "${pass%.pcap}.keys" --state pass.state -o /dev/null "$pass"
  head -n 2 pass.state >cut.state
  run merge pass.state cut.state; expect_status 2; expect_in err "cut.state: cut short"; [[ ! -s out ]] || fail "report from a bad state"
  run merge "$pass"; expect_status 2; expect_in err "not a tlsflags state"
  run merge no-such.state; expect_status 2; expect_in err "cannot read no-such.state"
  "$check" --rca-flag 81 -k "${pass%.pcap}.keys" --state other.state -o /dev/null "$pass"
  run merge pass.state other.state; expect_status 2; expect_in err "other settings"
  run -f jsonl --events merge pass.state; expect_status 2; expect_in err "no timelines"
  run merge -k x.keys pass.state; expect_status 2
  run merge; expect_status 2; expect_in err "STATE"
  run --state s.state -i lo; expect_status 2; expect_in err "--state" ;;
*)
  echo "unknown case $case_name" >&2; exit 1 ;;
esac
exit 0
