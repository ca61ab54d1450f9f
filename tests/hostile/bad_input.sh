#!/usr/bin/env bash
# tlsflags-check on bad input (docs/reliability-limits.md "Bad input"): every bad input is exit status 2
# with a message naming it, and the good inputs of the same run are still analysed and reported.
#   bad_input.sh CASE TLSFLAGS_CHECK CAPTURES_DIR WORK_DIR
set -uo pipefail
unset SSLKEYLOGFILE
case_name=$1 check=$2 captures=$3 work=$4/$1
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1

fail() { echo "FAIL: $*" >&2; echo "--- stdout" >&2; head -c 3000 out >&2; echo "--- stderr" >&2; head -c 3000 err >&2; exit 1; }
run() { timeout 60 "$check" "$@" >out 2>err; status=$?; }
expect_status() { [[ $status -eq $1 ]] || fail "exit status $status, expected $1"; }
expect_in() { grep -qF -- "$2" "$1" || fail "$1 lacks: $2"; }
good=rca-echo-pass
cp "$captures/$good.pcap" "$captures/$good.keys" "$captures/rca-echo-pass-aes256-ipv6.pcapng" .
good_connection='"file":"rca-echo-pass.pcap","client":"192.0.2.10:50000","server":"198.51.100.20:443"'

# The good capture was analysed, decrypted with its key log, in this run's JSON Lines output.
expect_good_analysed() {
  expect_in out "$good_connection"
  grep -F "$good_connection" out | grep -qF '"decrypted":true' || fail "the good capture was not decrypted"
}

case $case_name in
unreadable)
  mkdir a-directory.pcap
  run -f jsonl -k $good.keys a-directory.pcap missing.pcap $good.pcap; expect_status 2
  expect_in err "a-directory.pcap: cannot read: it is a directory"
  expect_in err "missing.pcap: cannot open: No such file or directory"
  expect_good_analysed
  if [[ $(id -u) -ne 0 ]]; then  # root reads a mode-000 file anyway
    cp $good.pcap locked.pcap && chmod 000 locked.pcap
    run -f jsonl locked.pcap; expect_status 2; expect_in err "locked.pcap: cannot open: Permission denied"
  fi ;;
truncated)
  head -c 3000 $good.pcap >cut.pcap      # inside the 7th record
  head -c 20 $good.pcap >header-cut.pcap  # inside the file header
  run -f jsonl -k $good.keys cut.pcap header-cut.pcap $good.pcap; expect_status 2
  expect_in err "cut.pcap: read 6 frames, then:"
  expect_in err "the connections read so far are reported"
  expect_in err "header-cut.pcap"
  expect_in out '"file":"cut.pcap"'  # what was read before the cut is reported
  expect_good_analysed ;;
wrong-link-type)
  # The same records under link type 147 (USER0): nothing the decoder knows.
  { head -c 20 $good.pcap; printf '\x93\x00\x00\x00'; tail -c +25 $good.pcap; } >user0.pcap
  run -f jsonl -k $good.keys user0.pcap $good.pcap; expect_status 2
  expect_in err "user0.pcap: unsupported link type 147"
  expect_good_analysed ;;
not-a-key-log)
  head -c 4096 /dev/urandom >random.bin
  run -f jsonl -k $good.pcap -k random.bin -k $good.keys $good.pcap; expect_status 2
  expect_in err "key log $good.pcap: not an NSS key log"
  expect_in err "key log random.bin: not an NSS key log"
  (($(wc -l <err) == 2)) || fail "one line per bad key log expected, not a line per junk line"
  grep -qE "key log random.bin: not an NSS key log: none of its [0-9]+ lines has the form" err ||
    fail "random.bin's lines are not counted"
  expect_good_analysed
  # The count agrees with its noun: one line is "its one line".
  echo "not a key log line" >one-line.keys
  run -f jsonl -k one-line.keys $good.pcap; expect_status 2
  expect_in err "key log one-line.keys: not an NSS key log: its one line does not have the form"
  # Past the first 10 junk lines of a key log, the rest are counted: "1 more line", "2 more lines".
  { for i in $(seq 11); do echo "CLIENT_RANDOM short$i"; done; cat $good.keys; } >eleven.keys
  { echo "CLIENT_RANDOM short0"; cat eleven.keys; } >twelve.keys
  run -f jsonl -k eleven.keys -k twelve.keys $good.pcap; [[ $status -ne 2 ]] || fail "junk lines are warnings"
  expect_in err "key log eleven.keys: 1 more line skipped"
  expect_in err "key log twelve.keys: 2 more lines skipped"
  # A key log with some junk lines is still a key log: warnings, no exit status 2.
  { echo "CLIENT_RANDOM short"; cat $good.keys; } >partly.keys
  run -f jsonl -k partly.keys $good.pcap; [[ $status -ne 2 ]] || fail "a key log with one bad line is still one"
  expect_in err "partly.keys:1:"
  expect_good_analysed
  # An empty key log is valid.
  : >empty.keys
  run -f jsonl -k empty.keys $good.pcap; [[ $status -ne 2 ]] || fail "an empty key log is valid" ;;
fifo)
  # A named pipe is read once (the reader spools it): no hang, and a DSB in a pipe still decrypts.
  mkfifo pipe.pcap pipe.pcapng
  cat $good.pcap >pipe.pcap &
  cat rca-echo-pass-aes256-ipv6.pcapng >pipe.pcapng &
  run -f jsonl -k $good.keys pipe.pcap pipe.pcapng; expect_status 0
  expect_in out '"file":"pipe.pcap","client":"192.0.2.10:50000"'
  grep -F '"file":"pipe.pcapng"' out | grep -qF '"decrypted":true' || fail "the DSB did not come through the pipe"
  wait
  timeout 60 "$check" -f jsonl -k $good.keys - <$good.pcap >out 2>err; status=$?
  expect_status 0; expect_in out '"file":"-","client":"192.0.2.10:50000"'
  gzip -c $good.pcap | timeout 60 "$check" -f jsonl -k $good.keys - >out 2>err; status=$?
  expect_status 0; expect_in out '"decrypted":true' ;;
secrets)
  # No secret of a key log ever appears in any output, in any format or mode, nor in stderr (junk
  # lines carrying secrets included).
  cp "$captures"/*.pcap "$captures"/*.keys . 2>/dev/null
  cat ./*.keys >all.keys
  awk 'NF == 3 && $1 !~ /^#/ {print $3}' all.keys | sort -u >secrets.txt
  (($(wc -l <secrets.txt) > 20)) || fail "too few secrets to test with"
  # Junk lines that still hold a secret: a wrong label, a short random, a fourth field.
  head -n 3 all.keys | awk '{print "NOT_A_LABEL", $2, $3; print $1, substr($2, 3), $3; print $0, "extra"}' >junk.keys
  captures_here=(./*.pcap)
  : >all-outputs
  for format in text jsonl sarif junit; do
    for extra in "" "--explain" "--events" "--by-server"; do
      # shellcheck disable=SC2086  # $extra is zero or one option
      timeout 120 "$check" -f "$format" $extra -k all.keys -k junk.keys "${captures_here[@]}" >>all-outputs 2>>all-outputs
    done
  done
  grep -qF '"decrypted":true' all-outputs || fail "nothing was decrypted: the test would prove nothing"
  if grep -qiFf secrets.txt all-outputs; then
    fail "a secret appears in the output: $(grep -oiFf secrets.txt all-outputs | head -c 20)…"
  fi ;;
terminal)
  # An SNI made of terminal control sequences (same length as "server.example", so no length field
  # changes) and a file name with an escape: no raw ESC or BEL may reach the text output or stderr.
  hostile_sni=$'\e[2J\e]0;pwn\axy'
  name=$'evil\e[31m.pcap'
  LC_ALL=C sed "s/server\.example/$hostile_sni/g" $good.pcap >"$name"
  grep -qaF "$hostile_sni" "$name" || fail "the SNI was not rewritten"
  for extra in "" "--explain" "--by-server"; do
    # shellcheck disable=SC2086
    run $extra -k $good.keys "$name" $good.pcap
    [[ $status -ne 2 ]] || fail "exit status 2"
    ! grep -q $'[\e\a]' out err || fail "a raw ESC or BEL in the output ($extra): $(grep -c $'\e' out) lines"
    expect_in out "pcap"
  done
  run -f jsonl -k $good.keys "$name"
  ! grep -q $'[\e\a]' out err || fail "a raw ESC or BEL in JSON Lines"
  expect_in out '\u001b' ;;
*)
  echo "unknown case $case_name" >&2; exit 1 ;;
esac
echo "PASS: $case_name"
exit 0
