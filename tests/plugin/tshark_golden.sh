#!/usr/bin/env bash
# Runs the real tshark with the freshly built tlsflags.so over one capture in one tshark mode, normalises
# the output and compares it with a committed golden file.
#
#   tshark_golden.sh MODE PLUGIN_SO CAPTURE GOLDEN [TSHARK_OPTION...]
#
# MODE: plain | verbose | fields | json | two-pass | two-pass-fields | two-pass-verbose
# UPDATE_GOLDEN=1 rewrites GOLDEN instead of comparing. Exit 77 (ctest SKIP_RETURN_CODE) when the capture
# is absent. A key log CAPTURE's base name + ".keys" beside it is passed as tls.keylog_file.
#
# The goldens were written with Wireshark 4.0; the same goldens hold for 4.4 and 4.6 because both sides
# are normalised (normalise below) to what the plugin decides, leaving out what only Wireshark's own
# version changes: the summary line's protocol and info columns, booleans printed True/False from 4.2
# on (4.0: 1/0), Wireshark's own expert infos, and where it cuts a long tree line.
#
# As root tshark ignores WIRESHARK_PLUGIN_DIR and the personal plugin dir (notes "Loading"), so then
# tshark runs as nobody (setpriv, or an unprivileged user namespace) with a HOME of its own, and the
# plugin and captures are copied into a world-readable temporary dir first.
set -euo pipefail

mode=$1 plugin=$2 capture=$3 golden=$4
shift 4

if [[ ! -r $capture ]]; then
  echo "SKIPPED: capture $capture is absent (the real capture lives in ../shared, outside the repository)"
  exit 77
fi

source "$(dirname "$0")/../lib/tshark_as_user.sh"
stage_tshark_workdir "$plugin"
capture_copy=$(stage_input "$capture")
keylog_options=()
keys=${capture%.*}.keys
if [[ -r $keys ]]; then
  keylog_options=(-o "tls.keylog_file:$(stage_input "$keys")")
fi

field_options=(-e frame.number -e tlsflags.message -e tlsflags.length -e tlsflags.flags -e tlsflags.flag
               -e tlsflags.request_client_auth -e tlsflags.request_in -e tlsflags.ack_in
               -e tlsflags.certificate_in -e _ws.expert.message -e tlsflags.connection.index -e tlsflags.verdict
               -e tlsflags.connection.server_reaction)

# -V output reduced to frame headers, each TLS Flags Extension, Client authentication and TLS Flags
# connection node with
# everything below it, and for a nested node the line just above it (the extension's Data: the
# indentation shows the nesting).
reduce_verbose() {
  awk '
    /^Frame [0-9]+:/ { print $1, $2; depth = -1; next }
    depth >= 0 { match($0, /^ */); if (RLENGTH > depth) { print; next } depth = -1 }
    /TLS Flags Extension|^ *\[Client authentication|^ *\[TLS Flags connection/ { match($0, /^ */); depth = RLENGTH; if (depth > 0) print prev; print; next }
    { prev = $0 }'
}

# Expert infos not the plugin's (Wireshark's own TLS and TCP ones differ between versions) are left out:
# the plugin's messages start with their rule id (docs/plugin.md "Expert info").
rule_message='^(flags|tls13|rca|deploy)\.[a-z0-9.-]+: '

# normalise MODE < tshark output > comparable text (applied to the golden and to the new output alike).
normalise() {
  case $1 in
    plain | two-pass)
      # Frame number, time, source → destination: the frames the filter matched.
      awk '{ print $1, $2, $3, $4, $5 }' ;;
    fields | two-pass-fields)
      # Column 6 is tlsflags.request_client_auth, column 10 _ws.expert.message (field_options): tshark
      # joins the messages with "," and a message's own commas are followed by a space.
      awk -F'\t' -v OFS='\t' -v rule="$rule_message" '
        NR > 1 {
          gsub(/True/, "1", $6); gsub(/False/, "0", $6)
          n = split($10, parts, ","); kept = ""; keep = 0
          for (i = 1; i <= n; i++) {
            if (i > 1 && substr(parts[i], 1, 1) == " ") { if (keep) kept = kept "," parts[i]; continue }
            keep = parts[i] ~ rule
            if (keep) kept = kept (kept == "" ? "" : ",") parts[i]
          }
          $10 = kept
        }
        { print }' ;;
    json)
      python3 -c '
import json, re, sys
rule = re.compile(sys.argv[1])
packets = json.load(sys.stdin)
for packet in packets:
    packet.pop("_type", None)  # the Elasticsearch "doc" type: 4.6 no longer writes it
    layers = packet["_source"]["layers"]
    if "tlsflags.request_client_auth" in layers:
        layers["tlsflags.request_client_auth"] = [{"True": "1", "False": "0"}.get(v, v) for v in layers["tlsflags.request_client_auth"]]
    if "_ws.expert.message" in layers:
        kept = [m for m in layers["_ws.expert.message"] if rule.match(m)]
        if kept: layers["_ws.expert.message"] = kept
        else: del layers["_ws.expert.message"]
print(json.dumps(packets, indent=2, sort_keys=True, ensure_ascii=False))' "$rule_message" ;;
    verbose | two-pass-verbose)
      # A tree line longer than Wireshark's limit is cut and marked "[ [truncated]" (4.0) or "[[…] " (4.4
      # on), at slightly different places: compare such lines without the mark, on their first 150 bytes.
      sed -E 's/\[ \[truncated\]/[/; t cut; s/\[\[…\] /[/; t cut; b; :cut s/^(.{150}).*/\1/' ;;
  esac
}

output=$work/output.txt
common=(-r "$capture_copy" "${keylog_options[@]}" "$@")
case $mode in
  plain) run_tshark "${common[@]}" -Y tlsflags >"$output" ;;
  verbose) run_tshark "${common[@]}" -V -Y tlsflags | reduce_verbose >"$output" ;;
  fields) run_tshark "${common[@]}" -Y tlsflags -T fields -E header=y "${field_options[@]}" >"$output" ;;
  json) run_tshark "${common[@]}" -Y tlsflags -T json "${field_options[@]}" >"$output" ;;
  two-pass) run_tshark -2 "${common[@]}" -Y tlsflags >"$output" ;;
  two-pass-fields) run_tshark -2 "${common[@]}" -Y tlsflags -T fields -E header=y "${field_options[@]}" >"$output" ;;
  two-pass-verbose) run_tshark -2 "${common[@]}" -V -Y tlsflags | reduce_verbose >"$output" ;;
  *) echo "unknown mode $mode" >&2; exit 2 ;;
esac
# The temporary dir's name is the only run-dependent text tshark may print.
sed -i "s|$work|WORK|g" "$output"

if [[ ${UPDATE_GOLDEN:-0} == 1 ]]; then
  mkdir -p "$(dirname "$golden")"
  cp "$output" "$golden"
  echo "updated $golden"
  exit 0
fi
if [[ ! -s $output ]]; then
  echo "FAIL: tshark printed nothing in mode $mode"
  exit 1
fi
if ! diff -u <(normalise "$mode" <"$golden") <(normalise "$mode" <"$output"); then
  echo "FAIL: $mode output of $(basename "$capture") differs from $golden (UPDATE_GOLDEN=1 to accept)"
  exit 1
fi
echo "PASS: $mode output of $(basename "$capture") matches $(basename "$golden")"
