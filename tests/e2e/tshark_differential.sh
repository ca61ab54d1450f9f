#!/usr/bin/env bash
# Differential test (issue 4): the handshake messages and alerts tlsflags-check decrypts from a capture,
# in frame order, equal what tshark decrypts from the same capture and keys. tshark's side comes from
# captures/check-catalogue.sh --print (the catalogue's own tshark reading, with the capture's key log and
# preferences); the analyser's from --events. A capture of TLS 1.2, 1.1 or 1.0 connections is compared
# record by record with tshark's view *without* keys, the analyser's too (it does not decrypt TLS 1.2,
# docs/analyser.md "TLS 1.2 and older"): every cleartext handshake message, each ChangeCipherSpec
# ("ccs"), each protected handshake record ("hs?": the Finished) and each protected alert ("!?").
# DTLS 1.2 connections are compared up to the ServerHello, where the analyser stops reading them.
#
#   tshark_differential.sh CLI CAPTURES_DIR FILE CHECK_OPTIONS
set -euo pipefail
cli=$1 captures=$2 file=$3 check_options=$4
cd "$captures"
name=${file%.*}
args=(--format jsonl --events)
if [[ $check_options != - ]]; then
  read -ra extra <<<"$check_options"
  args+=("${extra[@]}")
fi
[[ -r $name.keys ]] && args+=(--keylog "$name.keys")

tshark_sequence=$(bash ./check-catalogue.sh --print "$file" | cut -f2)
analyser_output=$(env -u SSLKEYLOGFILE "$cli" "${args[@]}" "$file") || true  # exit 1 = a failing connection
# The same notation as the catalogue: c/s for the sender, the RFC 8446 HandshakeType number, !N for alerts.
analyser_sequence=$(jq -r --slurp '
  def alert_code: {close_notify: 0, unexpected_message: 10, bad_record_mac: 20, record_overflow: 22,
                   handshake_failure: 40, bad_certificate: 42, unsupported_certificate: 43,
                   certificate_revoked: 44, certificate_expired: 45, certificate_unknown: 46,
                   illegal_parameter: 47, unknown_ca: 48, access_denied: 49, decode_error: 50,
                   decrypt_error: 51, protocol_version: 70, insufficient_security: 71, internal_error: 80,
                   inappropriate_fallback: 86, user_canceled: 90, missing_extension: 109,
                   unsupported_extension: 110, unrecognized_name: 112, bad_certificate_status_response: 113,
                   unknown_psk_identity: 115, certificate_required: 116, no_application_protocol: 120}[.description]
                  // (.description | ltrimstr("unknown_") | tonumber);
  # A certificate that arrived as a CompressedCertificate (RFC 8879 §4) carries "compression": type 25.
  def number: if .type == "certificate" and .compression != null then 25 else
              {client_hello: 1, server_hello: 2, hello_retry_request: 2, new_session_ticket: 4,
               end_of_early_data: 5, encrypted_extensions: 8, certificate: 11, certificate_request: 13,
               certificate_verify: 15, finished: 20, key_update: 24}[.type] end;
  [ .[] | select(.type == "connection") | .events[]
        | select(.type != "fin" and .type != "rst" and .type != "capture_end")
        | {frame, alert: (.type == "alert"),
           token: ((if .from == "client" then "c" else "s" end) +
                   (if .type == "alert" then "!" + (alert_code | tostring) else (number | tostring) end))} ]
  | to_entries | sort_by(.value.frame, .value.alert, .key) | map(.value.token) | join(" ")' <<<"$analyser_output")
before13='select(.type == "connection" and (.tls_version | IN("1.2", "1.1", "1.0")))'
tls12=$(jq -r "$before13"' | select(.transport == "tcp") | .client' <<<"$analyser_output")
dtls12=$(jq -r "$before13"' | select(.transport == "dtls") | .client' <<<"$analyser_output")
if [[ -n $dtls12 ]]; then
  # DTLS 1.2 is read up to its ServerHello (its own fragment framing, analyser/quic): compare that far.
  up_to_server_hello() { awk '{ out = ""; for (i = 1; i <= NF; i++) { out = out " " $i; if ($i == "s2") break } sub(/^ /, "", out); print out }'; }
  tshark_sequence=$(up_to_server_hello <<<"$tshark_sequence")
  analyser_sequence=$(up_to_server_hello <<<"$analyser_sequence")
elif [[ -n $tls12 ]]; then
  # tshark without keys: no key log, the pcapng's Decryption Secrets Block discarded; the catalogue's other
  # preferences kept. Per TCP stream, the client is the sender of its first TLS frame.
  keyless=$(mktemp --suffix ".${file##*.}")
  trap 'rm -f "$keyless"' EXIT
  editcap --discard-all-secrets "$file" "$keyless"
  prefs=(-o tls.keylog_file:)
  catalogue_prefs=$(awk -F'\t' -v f="$file" '$1 == f { print $7 }' catalogue.tsv)
  if [[ -n $catalogue_prefs && $catalogue_prefs != - ]]; then
    for pref in $catalogue_prefs; do prefs+=(-o "$pref"); done
  fi
  tshark_sequence=$(tshark -r "$keyless" --disable-protocol tlsflags "${prefs[@]}" -Y tls -T json --no-duplicate-keys \
                      -J "tcp tls" 2>/dev/null | jq -r '
    def record_tokens:
      ."tls.record.content_type" as $type
      | if $type == "20" then "ccs"
        elif $type == "21" then (."tls.alert_message" | if type == "object" then "!" + ."tls.alert_message.desc" else "!?" end)
        elif $type == "22" then ([."tls.handshake"] | flatten | .[] | if type == "object" then ."tls.handshake.type" else "hs?" end)
        else empty end;
    reduce (.[] | ._source.layers) as $layers ({client: {}, tokens: []};
      ($layers.tcp | if type == "array" then .[0] else . end) as $tcp
      | .client[$tcp."tcp.stream"] //= $tcp."tcp.srcport"
      | (if .client[$tcp."tcp.stream"] == $tcp."tcp.srcport" then "c" else "s" end) as $side
      | .tokens += [[$layers.tls] | flatten | map(."tls.record" // empty) | flatten | .[] | record_tokens | $side + .])
    | .tokens | join(" ")')
  analyser_sequence=$(jq -r --slurp '
    def token: {hello_request: "0", client_hello: "1", server_hello: "2", new_session_ticket: "4", certificate: "11",
                server_key_exchange: "12", certificate_request: "13", server_hello_done: "14",
                certificate_verify: "15", client_key_exchange: "16", finished: "20", certificate_status: "22",
                change_cipher_spec: "ccs", encrypted_handshake_message: "hs?", encrypted_alert: "!?"}[.type]
               // (if .type == "alert" then "!" + (.description | tostring) else "?" + .type end);
    [ .[] | select(.type == "connection") | .events[]
          | select(.type != "fin" and .type != "rst" and .type != "capture_end")
          | {frame, token: ((if .from == "client" then "c" else "s" end) + token)} ]
    | to_entries | sort_by(.value.frame, .key) | map(.value.token) | join(" ")' <<<"$analyser_output")
fi
if [[ $tshark_sequence != "$analyser_sequence" ]]; then
  echo "FAIL: $file"
  echo "  tshark:         $tshark_sequence"
  echo "  tlsflags-check: $analyser_sequence"
  exit 1
fi
echo "PASS: $file: $tshark_sequence"

# RFC 8879: the certificates inside each CompressedCertificate. tshark inflates only the algorithms its
# build supports (Wireshark 4.0 on Debian 12: brotli, not zlib or zstd); where it did, its certificates
# must be the analyser's (the client's leaf by SHA-256, or an empty list; the server leaf's dNSName among
# the identities the analyser read). Where it did not, the note says so: nothing is skipped silently.
mapfile -t compressed < <(jq -r 'select(.type == "connection") | .events[]
    | select(.type == "certificate" and .compression != null) | "\(.frame) \(.from) \(.compression) \(.inflation // "ok")"' <<<"$analyser_output")
(( ${#compressed[@]} )) || exit 0
tshark_version=$(tshark --version 2>/dev/null | sed -n '1s/^TShark (Wireshark) \([0-9.]*\).*/\1/p')
tshark_args=(-r "$file" --disable-protocol tlsflags)
[[ -r $name.keys ]] && tshark_args+=(-o "tls.keylog_file:$name.keys")
failures=0
for entry in "${compressed[@]}"; do
  read -r frame from algorithm inflation <<<"$entry"
  IFS=$'\t' read -r lists leaves names < <(tshark "${tshark_args[@]}" -Y "frame.number == $frame" -T fields \
      -E occurrence=f -e tls.handshake.certificates_length -e tls.handshake.certificate -e x509ce.dNSName 2>/dev/null)
  if [[ -z $lists ]]; then
    why="tshark $tshark_version does not inflate $algorithm"
    [[ $inflation != ok ]] && why="neither tshark $tshark_version nor the analyser inflates it ($inflation)"
    echo "NOTE: $why: the $from's certificate in frame $frame is compared by message type only"
    continue
  fi
  if [[ $from == client ]]; then
    expected=$(jq -r 'select(.type == "connection") | .rca.client_certificate_details.sha256 // .rca.client_certificate' <<<"$analyser_output")
    seen=empty
    [[ $lists != 0 ]] && seen=$(xxd -r -p <<<"$leaves" | sha256sum | cut -d' ' -f1)
  else
    expected=$(jq -r --arg name "DNS:$names" 'select(.type == "connection") | .server_identity.presented // [] | map(select(. == $name)) | first // "none"' <<<"$analyser_output")
    seen="DNS:$names"
  fi
  if [[ $seen != "$expected" ]]; then
    echo "FAIL: $file frame $frame ($from, $algorithm): tshark inflated '$seen', tlsflags-check '$expected'"
    failures=$((failures + 1))
  else
    echo "PASS: $file frame $frame ($from, $algorithm): tshark $tshark_version inflates it to the analyser's certificate ($seen)"
  fi
done
exit $((failures > 0))
