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
               -e tlsflags.certificate_in -e _ws.expert.message)

# -V output reduced to frame headers, each TLS Flags node with everything below it, and for a nested
# node the line just above it (the extension's Data: the indentation shows the nesting).
reduce_verbose() {
  awk '
    /^Frame [0-9]+:/ { print $1, $2; depth = -1; next }
    depth >= 0 { match($0, /^ */); if (RLENGTH > depth) { print; next } depth = -1 }
    /TLS Flags Extension/ { match($0, /^ */); depth = RLENGTH; if (depth > 0) print prev; print; next }
    { prev = $0 }'
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
if ! diff -u "$golden" "$output"; then
  echo "FAIL: $mode output of $(basename "$capture") differs from $golden (UPDATE_GOLDEN=1 to accept)"
  exit 1
fi
echo "PASS: $mode output of $(basename "$capture") matches $(basename "$golden")"
