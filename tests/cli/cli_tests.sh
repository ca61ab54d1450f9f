#!/usr/bin/env bash
# The tlsflags-check command line, run as a user runs it: exit statuses, stdout vs stderr, -j.
#   cli_tests.sh CASE TLSFLAGS_CHECK MAKE_CAPTURE WORK_DIR [MAN_PAGE]
set -uo pipefail
unset SSLKEYLOGFILE  # the tests choose their key logs
case_name=$1 check=$2 make_capture=$3 work=$4/$1 man_page=${5:-}
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1

fail() { echo "FAIL: $*" >&2; echo "--- stdout" >&2; cat out 2>/dev/null >&2; echo "--- stderr" >&2; cat err 2>/dev/null >&2; exit 1; }
# run ARGS...: runs the checker with stdout in ./out, stderr in ./err, exit status in $status.
run() { "$check" "$@" >out 2>err; status=$?; }
expect_status() { [[ $status -eq $1 ]] || fail "exit status $status, expected $1"; }
expect_in() { grep -qF -- "$2" "$1" || fail "$1 lacks: $2"; }
expect_not_in() { ! grep -qF -- "$2" "$1" || fail "$1 has: $2"; }
captures() {
  "$make_capture" flagged.pcap 50000 80 || exit 1
  "$make_capture" both.pcap 50001 8 80 || exit 1
  "$make_capture" plain.pcap 50002 || exit 1
}

case $case_name in
help)
  run --help; expect_status 0
  for option in --keylog --rca-flag --flags-extension --profile --format --output --jobs --explain --events \
                --by-server --slow-certificate-seconds --version CAPTURE; do expect_in out "$option"; done ;;
version)
  run --version; expect_status 0; expect_in out "tlsflags-check " ;;
bad-option)
  run --no-such-option x.pcap; expect_status 2; expect_in err "--no-such-option" ;;
no-capture)
  run; expect_status 2; expect_in err "CAPTURE" ;;
bad-values)
  captures
  for args in "-f xml" "--profile draft-01" "--rca-flag 2040" "--flags-extension 65536" "-j 0" \
              "--slow-certificate-seconds -1" "--rca-flag eighty"; do
    # shellcheck disable=SC2086  # the words are the options
    run $args flagged.pcap; [[ $status -eq 2 ]] || fail "'$args' gave exit status $status, expected 2"
  done ;;
missing-capture)
  captures
  run -f jsonl missing.pcap flagged.pcap; expect_status 2
  expect_in err "missing.pcap"
  expect_in out '"type":"connection","file":"flagged.pcap"'
  expect_in out '"type":"summary","files":1,"connections":1' ;;
missing-keylog)
  captures
  run -f jsonl -k no-such.keys flagged.pcap; expect_status 2
  expect_in err "no-such.keys"
  expect_in out '"file":"flagged.pcap"' ;;
empty-keylog)
  captures; : >empty.keys
  run -f jsonl -k empty.keys -k empty.keys flagged.pcap plain.pcap; [[ $status -ne 2 ]] || fail "an empty key log is valid"
  expect_in out '"connections":2' ;;
junk-sslkeylogfile)
  captures; printf 'not a key log line\n' >junk.keys
  SSLKEYLOGFILE=$PWD/junk.keys run -f jsonl flagged.pcap; [[ $status -ne 2 ]] || fail "junk lines are warnings"
  expect_in err "junk.keys"; expect_not_in out "not a key log" ;;
keylog-does-not-swallow-captures)
  captures; : >empty.keys
  run -f jsonl -k empty.keys flagged.pcap plain.pcap; expect_in out '"files":2' ;;
jsonl)
  captures
  run -f jsonl --events flagged.pcap plain.pcap; [[ $status -ne 2 ]] || fail "status 2"
  expect_in out '"client":"10.0.0.1:50000","server":"10.0.0.2:443","transport":"tcp","first_frame":1'
  expect_in out '"type":"client_hello","flags":[80]}'
  expect_in out '"file":"plain.pcap"'
  expect_in out '"verdict":"not-applicable"'
  [[ $(tail -n 1 out) == '{"type":"summary","files":2,"connections":2,'* ]] || fail "the summary is not last" ;;
text)
  captures
  run flagged.pcap plain.pcap; [[ $status -ne 2 ]] || fail "status 2"
  expect_in out "flagged.pcap: 1 connection ("; expect_in out "Total: 2 files, 2 connections:"
  run flagged.pcap; expect_in out "Total: 1 file, 1 connection:"
  ! grep -q $'\x1b' out || fail "colour codes in output that is not a terminal"
  [[ ! -s err ]] || fail "unexpected stderr" ;;
output-file)
  captures
  run -f sarif -o report.sarif flagged.pcap; [[ $status -ne 2 ]] || fail "status 2"
  [[ ! -s out ]] || fail "stdout should be empty with -o"
  expect_in report.sarif '"version":"2.1.0"'
  run -o no-such-dir/report.txt flagged.pcap; expect_status 2; expect_in err "no-such-dir/report.txt" ;;
jobs-same-output)
  captures
  for format in text jsonl sarif junit; do
    inputs=(flagged.pcap missing.pcap both.pcap plain.pcap flagged.pcap both.pcap)
    run -f "$format" --by-server -j 1 "${inputs[@]}"; mv out one; mv err one.err; one_status=$status
    run -f "$format" --by-server -j 3 "${inputs[@]}"
    [[ $status -eq $one_status ]] || fail "$format: -j 3 exit status $status, -j 1 $one_status"
    cmp -s one out || fail "$format: -j 3 output differs from -j 1: $(diff one out | head -5)"
    cmp -s one.err err || fail "$format: -j 3 stderr differs from -j 1"
  done ;;
man-page)
  # The man page renders without warnings and documents every option --help lists.
  command -v groff >/dev/null || { echo "groff not installed: skipped"; exit 77; }
  groff -man -Tutf8 -ww -z "$man_page" 2>err || fail "groff failed"
  [[ ! -s err ]] || fail "groff warnings"
  run --help
  for option in $(grep -oE -- '--[a-z][a-z-]+' out | sort -u); do
    grep -qF -- "${option//-/\\-}" "$man_page" || fail "the man page does not document $option"
  done ;;
*)
  echo "unknown case $case_name" >&2; exit 1 ;;
esac
exit 0
