#!/usr/bin/env bash
# Runs tlsflags-check over one catalogue capture, as captures/README.md says (jsonl, the catalogue's
# check options, NAME.keys when present), and checks three things:
#   1. the verdict of each connection is the one the catalogue expects (hand-written in catalogue.tsv),
#   2. the exit status follows the contract (1 iff a connection failed),
#   3. the whole output equals the committed golden NAME.expected.jsonl (UPDATE_GOLDEN=1 rewrites it).
#
#   analyser_golden.sh CLI CAPTURES_DIR FILE VERDICTS CHECK_OPTIONS
set -euo pipefail
cli=$1 captures=$2 file=$3 verdicts=$4 check_options=$5
cd "$captures"
name=${file%.*}
args=(--format jsonl)
if [[ $check_options != - ]]; then
  read -ra extra <<<"$check_options"
  args+=("${extra[@]}")
fi
[[ -r $name.keys ]] && args+=(--keylog "$name.keys")

output=$(mktemp)
trap 'rm -f "$output"' EXIT
status=0
env -u SSLKEYLOGFILE "$cli" "${args[@]}" "$file" >"$output" || status=$?

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

got=$(grep '"type":"connection"' "$output" | sed -E 's/.*"verdict":"([^"]*)".*/\1/' | paste -sd, -)
[[ $got == "$verdicts" ]] || fail "$file: verdicts $got, the catalogue expects $verdicts"

expected_status=0
[[ ,$verdicts, == *,fail,* ]] && expected_status=1
[[ $status == "$expected_status" ]] || fail "$file: exit status $status, expected $expected_status"

golden=$name.expected.jsonl
if [[ ${UPDATE_GOLDEN:-0} == 1 ]]; then
  cp "$output" "$golden"
  echo "updated $golden"
elif [[ ! -r $golden ]]; then
  fail "$golden is missing (UPDATE_GOLDEN=1 to create it)"
elif ! diff -u "$golden" "$output"; then
  fail "$file: output differs from $golden (UPDATE_GOLDEN=1 to accept an intended change)"
fi

((failures == 0)) && echo "PASS: $file ($got)"
exit $((failures > 0))
