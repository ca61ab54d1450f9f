#!/usr/bin/env bash
# Checks the capture catalogue (captures/catalogue.tsv) under tshark:
#  - every capture decodes with its keys (NAME.keys beside a pcap, the DSB inside a pcapng) with no
#    malformed packet and no expert error (IP and TCP checksum validation switched on);
#  - every TLS record is decrypted (a record without its decrypted content type counts as a failure)
#    unless the catalogue marks the capture "partial" (a gap or a cut in the capture);
#  - the handshake messages and alerts tshark sees, in order, are the catalogue's sequence; for a capture
#    marked "independent" (QUIC with AES-128-CCM, whose packets no Wireshark decrypts: captures/README.md)
#    what tshark decrypts (the Initial packets) begins the sequence, and quic-crosscheck.py's own reading
#    (Debian's python3-cryptography) is the whole sequence;
#  - with --regenerate GEN: each generated scenario, written anew into a temporary directory,
#    shows tshark the same sequence as the committed capture.
# Sequence notation: c/s = from client/server, a number = handshake type (RFC 8446 §4),
# !N = alert description N (RFC 8446 §6). Example: "c1 s2 s8 s13 s11 s15 s20 c11 c15 c20 s4 c!0 s!0".
#
# Usage: check-catalogue.sh [--tshark PATH] [--regenerate TLSFLAGS_GEN] [--print] [NAME...]
#   --print   only print each capture's sequence as tshark sees it (quic-crosscheck.py's for an
#             "independent" capture), to fill in the catalogue
set -u

here=$(cd "$(dirname "$0")" && pwd)
tshark=tshark
generator=""
print_only=0
only=()
while [ $# -gt 0 ]; do
  case "$1" in
    --tshark) tshark=$2; shift 2 ;;
    --regenerate) generator=$2; shift 2 ;;
    --print) print_only=1; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) only+=("$1"); shift ;;
  esac
done

# tshark arguments to read a capture: its key log when it is a pcap, extra preferences from the catalogue.
read_args() {
  local file=$1 prefs=$2
  # Stock tshark's view: a tlsflags plugin installed system-wide (scripts/demo.sh does that) would add its
  # own expert errors on the captures that break rules on purpose.
  local args=(-r "$file" --disable-protocol tlsflags -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE)
  case "$file" in *.pcap) args+=(-o "tls.keylog_file:${file%.pcap}.keys") ;; esac
  if [ "$prefs" != "-" ]; then
    local pref
    for pref in $prefs; do args+=(-o "$pref"); done
  fi
  printf '%s\n' "${args[@]}"
}

run_tshark() {
  local file=$1 prefs=$2; shift 2
  local args
  mapfile -t args < <(read_args "$file" "$prefs")
  "$tshark" "${args[@]}" "$@" 2>/dev/null
}

# One tshark pass per capture, summarised in three lines:
#   the handshake/alert sequence (the client of each TCP stream is the sender of its first packet),
#   the frames with an expert error (malformed packets and bad checksums are errors too),
#   the frames whose TLS records are not all decrypted (fewer decrypted content types than records).
summarise() {
  # TCP streams and UDP (QUIC, DTLS) conversations alike: the stream number and the client's port come from
  # whichever transport the frame has; DTLS handshake types and alerts count as TLS's, and a QUIC
  # CONNECTION_CLOSE with CRYPTO_ERROR 0x0100 + N (RFC 9001 §4.8) as the alert N, once per party.
  run_tshark "$1" "$2" -T fields -E separator=/t -E occurrence=a -E aggregator=, \
      -e tcp.stream -e tcp.srcport -e tls.handshake.type -e tls.alert_message.desc \
      -e frame.number -e tls.record.length -e tls.record.content_type -e _ws.expert.severity \
      -e udp.stream -e udp.srcport -e dtls.handshake.type -e dtls.alert_message.desc -e quic.cc.error_code |
    awk -F'\t' -v error_severity=8388608 '
      {
        stream = ($1 != "") ? "t" $1 : "u" $9
        port = ($1 != "") ? $2 : $10
        if (!(stream in client)) client[stream] = port
        side = (port == client[stream]) ? "c" : "s"
        handshake = $3; if ($11 != "") handshake = (handshake == "" ? $11 : handshake "," $11)
        alert = $4; if ($12 != "") alert = (alert == "" ? $12 : alert "," $12)
        n = split(handshake, types, ","); for (i = 1; i <= n; i++) sequence = sequence " " side types[i]
        n = split(alert, alerts, ","); for (i = 1; i <= n; i++) sequence = sequence " " side "!" alerts[i]
        n = split($13, codes, ",")
        for (i = 1; i <= n; i++) {
          if (codes[i] >= 256 && codes[i] < 512 && !((stream, side) in closed)) sequence = sequence " " side "!" (codes[i] - 256)
          if (codes[i] != "") closed[stream, side] = 1
        }
        if (split($6, records, ",") > split($7, contents, ",")) undecrypted = undecrypted " " $5
        n = split($8, severities, ","); for (i = 1; i <= n; i++) if (severities[i] == error_severity) { errors = errors " " $5; break }
      }
      END { sub(/^ /, "", sequence); sub(/^ /, "", errors); sub(/^ /, "", undecrypted)
            print sequence; print errors; print undecrypted }'
}

sequence_of() { summarise "$1" "$2" | sed -n 1p; }

failures=0
checked=0
fail() { echo "FAIL $1: $2"; failures=$((failures + 1)); }

check_capture() {
  local file=$1 decryption=$2 prefs=$3 expected=$4
  local path=$here/$file
  [ -f "$path" ] || { fail "$file" "missing"; return; }
  case "$file" in *.pcap) [ -f "${path%.pcap}.keys" ] || { fail "$file" "missing key log"; return; } ;; esac
  local seen errors undecrypted
  { read -r seen; read -r errors; read -r undecrypted; } < <(summarise "$path" "$prefs")
  if [ "$decryption" = independent ]; then
    case "$expected" in "$seen" | "$seen "*) ;; *) fail "$file" "tshark's sequence '$seen' does not begin '$expected'" ;; esac
    seen=$("$here/quic-crosscheck.py" "$path" "${path%.pcap}.keys") || { fail "$file" "quic-crosscheck.py failed"; return; }
  fi
  if [ $print_only = 1 ]; then printf '%s\t%s\n' "$file" "$seen"; return; fi
  [ -z "$errors" ] || fail "$file" "malformed or expert errors in frames $errors"
  if [ "$decryption" = full ]; then
    [ -z "$undecrypted" ] || fail "$file" "TLS records not decrypted in frames $undecrypted"
  fi
  [ "$seen" = "$expected" ] || fail "$file" "sequence '$seen', catalogue says '$expected'"
  checked=$((checked + 1))
}

regenerate_capture() {
  local file=$1 scenario=$2 options=$3 prefs=$4
  [ "$scenario" = recorded ] && return
  # QUIC, DTLS and certificate compression need OpenSSL 3.5: regenerate-udp.sh and regenerate-trixie.sh
  # make them in a Debian 13 root.
  case "$scenario" in udp:*|trixie:*) return ;; esac
  local tmp format=pcap
  tmp=$(mktemp -d)
  case "$file" in *.pcapng) format=pcapng ;; esac
  # shellcheck disable=SC2086  # options are words from the catalogue
  if ! "$generator" --scenario "$scenario" --out "$tmp/${file%.*}" --format $format $( [ "$options" = - ] || echo $options ) >/dev/null; then
    fail "$file" "tlsflags-gen failed for scenario $scenario"
  else
    local fresh committed
    fresh=$(sequence_of "$tmp/$file" "$prefs")
    committed=$(sequence_of "$here/$file" "$prefs")
    [ "$fresh" = "$committed" ] || fail "$file" "regenerated sequence '$fresh' differs from committed '$committed'"
    checked=$((checked + 1))
  fi
  rm -rf "$tmp"
}

wanted() {
  [ ${#only[@]} -eq 0 ] && return 0
  local name
  for name in "${only[@]}"; do [ "$name" = "$1" ] || [ "$name" = "${1%.*}" ] && return 0; done
  return 1
}

command -v "$tshark" >/dev/null || { echo "tshark not found: $tshark"; exit 2; }
while IFS=$'\t' read -r file scenario options _verdicts _check_options decryption prefs sequence; do
  case "$file" in ''|'#'*) continue ;; esac
  wanted "$file" || continue
  if [ -n "$generator" ]; then
    regenerate_capture "$file" "$scenario" "$options" "$prefs"
  else
    check_capture "$file" "$decryption" "$prefs" "$sequence"
  fi
done < "$here/catalogue.tsv"

[ $print_only = 1 ] && exit 0
echo "$checked captures checked, $failures failures"
[ $failures -eq 0 ]
