#!/usr/bin/env bash
# tlsflags-check -i on the loopback interface with real OpenSSL peers (127.0.0.1 only): the connection is
# decrypted with the key log the client appends to while the capture runs, and SIGINT ends the capture
# with the summary. Needs capture rights (root): skipped (77) otherwise, saying why.
#   live_test.sh usage|loopback|caps TLSFLAGS_CHECK WORK_DIR   (usage: the -i command line, no capture rights
#   needed; caps: --max-connections holds live too, and the connection it closes early is said)
#   live_test.sh trust-anchors TLSFLAGS_CHECK WORK_DIR TLSFLAGS_GEN REPLAY_CAPTURE   (a generated capture
#   replayed onto lo: rca.server.trust-anchors-shared across two live connections)
set -uo pipefail
unset SSLKEYLOGFILE
mode=$1 check=$2 work=$3/live-$1
if [[ $mode == usage ]]; then
  for args in "-i lo x.pcap" "--bpf tcp x.pcap" "-i no-such-interface0" "-i lo --bpf tcp-port-x"; do
    # shellcheck disable=SC2086  # the words are the options
    "$check" $args >/dev/null 2>err; status=$?
    [[ $status -eq 2 ]] || { echo "FAIL: '$args' gave exit status $status, expected 2"; cat err; exit 1; }
    [[ -s err ]] || { echo "FAIL: '$args' said nothing on stderr"; exit 1; }
  done
  echo PASS; exit 0
fi
[[ $(id -u) -eq 0 ]] ||
  { echo "SKIPPED: live capture needs capture rights (root); running as $(id -un) (uid $(id -u))"; exit 77; }
command -v openssl >/dev/null || { echo "SKIPPED: openssl not installed"; exit 77; }
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; for f in out err server.log client.log; do echo "--- $f" >&2; cat $f >&2; done; exit 1; }

if [[ $mode == trust-anchors ]]; then
  # rca.server.trust-anchors-shared live (docs/debugging.md "7. Watching live"): the first connection's
  # flagged CertificateRequest and the second's unflagged one share a CA name. The first is printed
  # before the second completes the overlap, so JSON Lines puts the finding on the second; SARIF, written
  # at the end, puts it on the first, as a file run does.
  gen=$4 replay=$5
  "$gen" --scenario rca-trust-anchors-shared --out shared --format pcap >/dev/null || fail "tlsflags-gen failed"
  run_live() {  # FORMAT OUTPUT
    timeout 40 "$check" -i lo --bpf "host 198.51.100.20" -k shared.keys -f "$1" >"$2" 2>err &
    local checker=$!
    pids+=("$checker")
    for _ in $(seq 50); do grep -q "capturing on lo" err && break; sleep 0.2; done
    grep -q "capturing on lo" err || fail "the capture did not start"
    "$replay" shared.pcap lo >/dev/null || fail "replay_capture failed"
    sleep 2.5  # past the one-second key log grace time
    kill -INT "$checker"
    wait "$checker"
  }
  run_live jsonl out
  [[ $(grep -c '"type":"connection"' out) -eq 2 ]] || fail "expected two connections"
  first=$(grep '"type":"connection"' out | sed -n 1p) second=$(grep '"type":"connection"' out | sed -n 2p)
  grep -q 'rca.server.trust-anchors-shared' <<<"$first" && fail "the finding is on the connection printed before it fired"
  grep -q '"rule":"rca.server.trust-anchors-shared"' <<<"$second" || fail "the completing connection has no finding"
  # The completing connection carries no TLS Flags here, so the warning leaves it not-applicable.
  grep -q '"verdict":"not-applicable"' <<<"$second" || fail "the completing connection's verdict changed"
  first_client=$(jq -r .client <<<"$first")
  run_live sarif sarif.json
  owner=$(jq -r '.runs[0].results[] | select(.ruleId == "rca.server.trust-anchors-shared") | .properties.client' sarif.json)
  [[ $owner == "$first_client" ]] || fail "SARIF put the finding on '$owner', not the accepting connection $first_client"
  echo PASS; exit 0
fi

certificate() {  # NAME CN: a self-signed EC P-256 certificate with the CN as its DNS SAN
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" -out "$1.pem" -days 1 \
    -subj "/CN=$2" -addext "subjectAltName=DNS:$2" -batch >/dev/null 2>&1 || fail "cannot make $1"
}
certificate server localhost
certificate client crawler.example
port=$((20000 + RANDOM % 30000))
: >keys.log

if [[ $mode == caps ]]; then
  timeout 60 "$check" -i lo --bpf "tcp port $port and host 127.0.0.1" --max-connections 1 -f jsonl >out 2>err &
  checker=$!; pids+=("$checker")
  for _ in $(seq 50); do grep -q "capturing on lo" err && break; sleep 0.2; done
  grep -q "capturing on lo" err || fail "the capture did not start"
  sleep 5 | timeout 40 openssl s_server -accept "127.0.0.1:$port" -cert server.pem -key server.key -quiet \
    >server.log 2>&1 &
  pids+=("$!")
  for _ in $(seq 50); do ss -Hltn "sport = :$port" 2>/dev/null | grep -q . && break; sleep 0.2; done
  # Two connections open at once (the kernel completes both handshakes from its backlog), one allowed.
  exec 3<>"/dev/tcp/127.0.0.1/$port" 4<>"/dev/tcp/127.0.0.1/$port" || fail "cannot connect"
  sleep 2  # past the analyser's one-second key log grace time
  kill -INT "$checker"
  wait "$checker"
  exec 3>&- 4>&-
  grep -q "warning: 1 connection closed early: too many open at once" err ||
    fail "the connection closed early by --max-connections 1 was not said"
  grep -qE "captured [0-9]+ packets, [0-9]+ TCP segments, 2 TCP connections(;|$)" err ||
    fail "the capture's totals do not say its 2 TCP connections"
  echo PASS; exit 0
fi

timeout 60 "$check" -i lo --bpf "tcp port $port and host 127.0.0.1" -k keys.log -f jsonl >out 2>err &
checker=$!; pids+=("$checker")
for _ in $(seq 50); do grep -q "capturing on lo" err && break; sleep 0.2; done
grep -q "capturing on lo" err || fail "the capture did not start"
# The server serves one connection; its standard input stays open (a sleep behind a pipe), so only the
# client's close ends the connection (an s_server whose stdin reaches EOF closes at a moment that races
# the handshake).
sleep 30 | timeout 40 openssl s_server -accept "127.0.0.1:$port" -cert server.pem -key server.key -Verify 1 \
  -CAfile client.pem -naccept 1 -quiet >server.log 2>&1 &
pids+=("$!")
for _ in $(seq 50); do ss -Hltn "sport = :$port" 2>/dev/null | grep -q . && break; sleep 0.2; done
# The client sends a line, waits a second for the server's NewSessionTickets, then reaches EOF on its
# input and closes (close_notify, FIN); the server then closes its side.
(echo hello; sleep 1) | timeout 20 openssl s_client -connect "127.0.0.1:$port" -servername localhost \
  -keylogfile keys.log -cert client.pem -key client.key -CAfile server.pem -no_ign_eof >client.log 2>&1
# Reported as soon as it ended (both FINs), after the analyser's one-second key log grace time.
for _ in $(seq 100); do grep -q '"type":"connection"' out && break; sleep 0.2; done
if ! grep -q '"type":"connection"' out; then
  kill -INT "$checker"; wait "$checker"  # its summary and capture totals say what it saw
  fail "the connection was not reported while the capture ran (live mode must close a connection when it ends)"
fi
kill -INT "$checker"
wait "$checker"; status=$?
[[ $status -eq 0 ]] || fail "exit status $status, expected 0 (no connection failed)"
connection=$(grep '"type":"connection"' out) || fail "no connection line"
[[ $(wc -l <<<"$connection") -eq 1 ]] || fail "expected one connection"
jq -e --arg server "127.0.0.1:$port" '.server == $server and .file == "live:lo" and .decrypted == true
  and .tls_version == "1.3" and .verdict == "not-applicable" and .rca.client_certificate == "non-empty"
  and .rca.client_certificate_details.subject == "CN=crawler.example" and .rca.server_reaction == "accepted"
  and .server_identity.matched == true' <<<"$connection" >/dev/null || fail "unexpected connection: $connection"
tail -n 1 out | jq -e '.type == "summary" and .connections == 1 and .verdicts["not-applicable"] == 1' >/dev/null ||
  fail "no summary as the last line"
# The numbers' nouns agree with them: one connection is "1 TCP connection".
grep -qE "captured [0-9]+ packets, [0-9]+ TCP segments, 1 TCP connection(;|$)" err ||
  fail "the capture's totals do not say its 1 TCP connection"
echo PASS
