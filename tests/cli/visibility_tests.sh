#!/usr/bin/env bash
# "Never silent" (issue 17): what a capture holds but the analysis cannot see is counted and said on
# stderr, in the text report, in JSON Lines (anomaly records and the summary's "anomalies") and in SARIF
# (warning notifications), and the connections it touches are reported undecidable with the reason,
# never left out. The inputs are committed captures changed at test time: cut by editcap's snap length,
# or one byte rewritten (the cipher suite a ServerHello selects, the transport an IP header names).
#   visibility_tests.sh CASE TLSFLAGS_CHECK CAPTURES_DIR WORK_DIR
set -uo pipefail
unset SSLKEYLOGFILE
case_name=$1 check=$2 captures=$3 work=$4/visibility-$1
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
command -v jq >/dev/null || { echo "jq not found"; exit 77; }

fail() { echo "FAIL: $*" >&2; echo "--- stdout" >&2; cat out 2>/dev/null >&2; echo "--- stderr" >&2; cat err 2>/dev/null >&2; exit 1; }
run() { "$check" "$@" >out 2>err; status=$?; }
expect_in() { grep -qF -- "$2" "$1" || fail "$1 lacks: $2"; }
# jq_true FILTER: the JSON Lines in ./out satisfy FILTER (run with --slurp).
jq_true() { [[ $(jq --slurp "$1" out) == true ]] || fail "jq: $1"; }

# rewrite IN OUT OFFSET_FINDER: copies a classic pcap, rewriting bytes chosen by a small Python program.
# Each frame's bytes are at [start, end) of `data`; the program edits `data` in place.
rewrite() {
  python3 - "$1" "$2" "$3" <<'EOF'
import struct, sys
source, target, program = sys.argv[1], sys.argv[2], sys.argv[3]
data = bytearray(open(source, "rb").read())
frames, offset = [], 24
while offset + 16 <= len(data):
    caplen = struct.unpack_from("<I", data, offset + 8)[0]
    frames.append((offset + 16, offset + 16 + caplen))
    offset += 16 + caplen
exec(program)
open(target, "wb").write(data)
EOF
}

# Every anomaly of KIND is said on stderr, in the text report, in JSON Lines and in SARIF.
expect_anomaly_everywhere() {
  local kind=$1 capture=$2; shift 2
  run "$@" -f jsonl "$capture"
  jq_true "[.[] | select(.type == \"anomaly\" and .kind == \"$kind\")] | length == 1"
  jq_true "(.[-1].anomalies[\"$kind\"] // 0) > 0"
  local message
  message=$(jq -r "select(.type == \"anomaly\" and .kind == \"$kind\") | .message" out)
  expect_in err "$message"
  run "$@" "$capture"
  expect_in out "anomaly: $message"
  expect_in out "(see above)"
  run "$@" -f sarif "$capture"
  [[ $(jq "[.runs[0].invocations[0].toolExecutionNotifications[] | select(.properties.kind == \"$kind\" and .level == \"warning\")] | length" out) == 1 ]] ||
    fail "SARIF has no warning notification of kind $kind"
}

case $case_name in
snaplen)
  # editcap -s 120 leaves each frame's first 120 bytes: the ClientHello's record is cut after its random.
  editcap -s 120 "$captures/rca-echo-pass.pcap" cut.pcap || exit 1
  run -f jsonl -k "$captures/rca-echo-pass.keys" cut.pcap
  [[ $status -eq 0 ]] || fail "exit status $status"
  jq_true '[.[] | select(.type == "connection")] | length == 1'
  jq_true '.[0].verdict == "undecidable" and (.[0].undecidable | length) > 0 and
           (.[0].undecidable[0].reason | test("ClientHello is not visible"))'
  jq_true '.[-1].verdicts.undecidable == 1'
  expect_anomaly_everywhere snaplen-cut cut.pcap -k "$captures/rca-echo-pass.keys"
  expect_anomaly_everywhere client-hello-not-visible cut.pcap -k "$captures/rca-echo-pass.keys" ;;
snaplen-headers)
  # 40 bytes: the TCP header (after 14 bytes of Ethernet and 20 of IPv4) is cut; at 60, six bytes of
  # each payload remain, enough to tell a ClientHello had begun (the snaplen case).
  editcap -s 40 "$captures/rca-echo-pass.pcap" cut.pcap || exit 1
  expect_anomaly_everywhere truncated-headers cut.pcap
  editcap -s 60 "$captures/rca-echo-pass.pcap" cut60.pcap || exit 1
  run -f jsonl cut60.pcap
  jq_true '.[0].verdict == "undecidable" and (.[0].undecidable[0].reason | test("ClientHello is not visible"))' ;;
snaplen-server-flight)
  # The ClientHello whole (its frame is 583 bytes), the server's flight cut: the server's side is
  # undecidable, the client's offer is seen.
  editcap -s 600 "$captures/rca-echo-pass.pcap" cut.pcap || exit 1
  run -f jsonl -k "$captures/rca-echo-pass.keys" cut.pcap
  jq_true '.[0].verdict == "undecidable" and .[0].rca.client_offered == true and
           (.[0].undecidable | map(.reason) | all(test("missing from the capture")))'
  expect_anomaly_everywhere snaplen-cut cut.pcap -k "$captures/rca-echo-pass.keys" ;;
cipher-suite)
  # The ServerHello's cipher_suite rewritten to TLS_SHA256_SHA256 (0xc0b4, RFC 9150), which is not
  # decrypted: the client still sees the real suite's records, so nothing after the ServerHello reads.
  rewrite "$captures/rca-echo-pass.pcap" suite.pcap '
for start, end in frames:
    at = data.find(bytes([0x16, 0x03, 0x03]), start, end)
    if at < 0 or data[at + 5] != 2: continue
    suite = at + 5 + 4 + 2 + 32 + 1 + data[at + 5 + 4 + 2 + 32]
    assert data[suite:suite + 2] == bytes([0x13, 0x01])
    data[suite:suite + 2] = bytes([0xc0, 0xb4])
    break
else:
    sys.exit("no ServerHello")' || exit 1
  run -f jsonl -k "$captures/rca-echo-pass.keys" suite.pcap
  jq_true '.[0].verdict == "undecidable" and
           (.[0].undecidable | map(.reason) | all(test("cipher suite 0xc0b4, which is not decrypted")))'
  expect_anomaly_everywhere cipher-suite-not-decrypted suite.pcap -k "$captures/rca-echo-pass.keys"
  expect_in err "TLS_SHA256_SHA256 (0xc0b4)" ;;
transport)
  # Every IPv4 header's protocol rewritten from TCP (6) to SCTP (132): TLS could ride on it (DTLS over
  # SCTP, RFC 6083) but it is not decoded.
  rewrite "$captures/rca-echo-pass.pcap" sctp.pcap '
for start, end in frames:
    assert data[start + 12:start + 14] == bytes([0x08, 0x00]) and data[start + 23] == 6
    data[start + 23] = 132' || exit 1
  run -f jsonl sctp.pcap
  jq_true '[.[] | select(.type == "connection")] | length == 0'
  expect_anomaly_everywhere transport-not-decoded sctp.pcap
  expect_in err "(SCTP)" ;;
*) echo "unknown case $case_name"; exit 2 ;;
esac
echo "PASS: $case_name"
