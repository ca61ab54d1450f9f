#!/usr/bin/env bash
# Deployment debugging options of tlsflags-check over the catalogue captures: --trust-anchors, --pinned,
# --explain's inspection lines, --by-server's certificate and reaction counts, and the deploy.* findings.
#   deploy_tests.sh CASE TLSFLAGS_CHECK CAPTURES_DIR WORK_DIR
set -uo pipefail
unset SSLKEYLOGFILE
case_name=$1 check=$2 captures=$3 work=$4/$1
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1

fail() { echo "FAIL: $*" >&2; echo "--- stdout" >&2; cat out 2>/dev/null >&2; echo "--- stderr" >&2; cat err 2>/dev/null >&2; exit 1; }
run() { "$check" "$@" >out 2>err; status=$?; }
expect_status() { [[ $status -eq $1 ]] || fail "exit status $status, expected $1"; }
expect_in() { grep -qF -- "$2" "$1" || fail "$1 lacks: $2"; }
accepted=$captures/rca-echo-pass.pcap  # the server accepts the client's certificate
keys=(-k "$captures/rca-echo-pass.keys")
# A certificate nobody in the capture uses: as a trust anchor or a pin, it must not match.
stranger() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout stranger.key -out stranger.pem \
    -days 1 -subj /CN=stranger -batch >/dev/null 2>&1 || { echo "openssl cannot make a certificate: skipped"; exit 77; }
}

case $case_name in
trust-anchors-bad-file)
  echo "not a certificate" >junk.pem
  run --trust-anchors junk.pem "${keys[@]}" "$accepted"; expect_status 2; expect_in err "--trust-anchors"
  expect_in err "junk.pem"
  run --trust-anchors missing.pem "${keys[@]}" "$accepted"; expect_status 2; expect_in err "missing.pem"
  [[ ! -s out ]] || fail "a report was written although the anchors could not be read" ;;
pinned-bad-file)
  echo "not a certificate" >junk.pem
  run --pinned junk.pem "${keys[@]}" "$accepted"; expect_status 2; expect_in err "--pinned" ;;
not-trusted)
  stranger
  run -f jsonl --trust-anchors stranger.pem "${keys[@]}" "$accepted"; expect_status 0
  expect_in out '"rule":"deploy.client-certificate-not-trusted","severity":"warning"'
  expect_in out '"verdict":"warn"'
  expect_in out '"server_reaction":"accepted"' ;;
not-pinned)
  stranger
  run -f jsonl --pinned stranger.pem "${keys[@]}" "$accepted"; expect_status 0
  expect_in out '"rule":"deploy.client-certificate-not-trusted"'
  expect_in out 'matches none of the pinned certificates' ;;
docs-examples)
  # docs/debugging.md §3's command with the anchor and pin files it ships: both warnings, one count each.
  examples=$captures/../docs/examples
  run --trust-anchors "$examples/bots-roots.pem" --pinned "$examples/registered-bot.pem" --explain "${keys[@]}" "$accepted"
  expect_status 0
  expect_in out "does not verify against the 1 trust anchor at 2024-01-01T00:00:00Z: self-signed certificate in certificate chain"
  grep -q "is none of the 1 pinned certificate$" out || fail "no singular pinned-certificate count"
  expect_in out "warning deploy.client-certificate-not-trusted (frames 6, 7): the server accepted a certificate that does not chain"
  expect_in out "warning deploy.client-certificate-not-trusted (frames 6, 7): the server accepted a certificate that matches none"
  expect_in out "1 connection: 0 pass, 0 fail, 1 warn" ;;
details)
  run -f jsonl "${keys[@]}" "$accepted"; expect_status 0
  line=$(grep '"type":"connection"' out)
  for key in subject issuer san not_before not_after key_type sha256; do
    jq -e ".rca.client_certificate_details | has(\"$key\")" <<<"$line" >/dev/null || fail "no $key in client_certificate_details"
  done
  jq -e '.rca.client_certificate_details.san | type == "array"' <<<"$line" >/dev/null || fail "san is not a list"
  jq -e '.rca.client_certificate_details.sha256 | test("^[0-9a-f]{64}$")' <<<"$line" >/dev/null || fail "sha256 not hex"
  jq -e '.server_identity.matched == true' <<<"$line" >/dev/null || fail "server identity not matched" ;;
explain)
  stranger
  run --explain --trust-anchors stranger.pem "${keys[@]}" "$accepted"; expect_status 0
  for text in "client certificate: subject" "fit with the CertificateRequest:" "server reaction: accepted" \
              "trust anchors: " "server identity: match" "warning deploy.client-certificate-not-trusted"; do
    expect_in out "$text"
  done ;;
by-server)
  run -f jsonl --by-server "${keys[@]}" "$accepted"; expect_status 0
  server=$(grep '"type":"server"' out)
  jq -e '.server_names == ["server.example"] and (.client_certificates | length) == 1 and .server_reactions.accepted == 1
         and .rca.client_offered == 1 and .connections == 1' <<<"$server" >/dev/null || fail "server object: $server"
  run --by-server "${keys[@]}" "$accepted"; expect_status 0
  expect_in out "SNI: server.example"; expect_in out "server reactions: accepted 1" ;;
trust-anchors-across-files)
  # rca.server.trust-anchors-shared over every catalogue capture in one run: the overlap is completed by
  # a later capture, and the finding lands on an earlier capture's connection, which the streamed report
  # must hold back until then. Files stay in command-line order, connections in first_frame order, and
  # -j 3 says exactly what -j 1 says in every format.
  all=("$captures"/*.pcap "$captures"/*.pcapng)
  keys=(); for k in "$captures"/*.keys; do keys+=(-k "$k"); done
  run "${keys[@]}" -f jsonl "${all[@]}"
  grep '"type":"connection"' out | grep 'rca.server.trust-anchors-shared' >finding
  [[ $(wc -l <finding) == 1 ]] || fail "one connection with rca.server.trust-anchors-shared expected"
  expect_in finding '"file":"'"$captures"'/rca-client-aborts-unsatisfiable-cas.pcap"'
  expect_in finding "rca-trust-anchors-disjoint.pcap frame 20"
  grep '"type":"connection"' out | sed -E 's/^.*"file":"([^"]*)".*"first_frame":([0-9]+),.*$/\1 \2/' >order
  printf '%s\n' "${all[@]}" >given
  awk '$1 != last { print $1; last = $1 }' order | awk 'NR == FNR { rank[$0] = NR; next } { print rank[$0] }' given - |
    sort -n -c || fail "files not in command-line order"
  awk '$1 == file && $2 <= frame { exit 1 } { file = $1; frame = $2 }' order || fail "connections not in first_frame order"
  for format in jsonl text sarif junit; do
    run "${keys[@]}" -f "$format" --by-server -j 1 "${all[@]}"; mv out one; mv err one.err; one_status=$status
    run "${keys[@]}" -f "$format" --by-server -j 3 "${all[@]}"
    [[ $status -eq $one_status ]] || fail "$format: -j 3 exit status $status, -j 1 $one_status"
    cmp -s one out || fail "$format: -j 3 output differs from -j 1"
    cmp -s one.err err || fail "$format: -j 3 stderr differs from -j 1"
  done ;;
*)
  echo "unknown case $case_name" >&2; exit 1 ;;
esac
echo PASS
exit 0
