#!/usr/bin/env bash
# `tlsflags.extension` matches exactly the frames that carry a TLS Flags extension (docs/plugin.md "Tree
# and filters"), checked against Wireshark's own TLS dissector on every capture given: the frames that
# `-Y tlsflags.extension` selects, in one pass and in two (-2), must be the frames where
# `tls.handshake.extension.type == TYPE` (TYPE 62, or the preference's value when given). A key log
# beside a capture (NAME.keys) is used, so extensions in encrypted messages count on both sides.
#
#   extension_filter.sh PLUGIN_SO [--extension-type TYPE] CAPTURE...
set -euo pipefail
plugin=$1
shift
type=62
preference=()
if [[ ${1:-} == --extension-type ]]; then
  type=$2
  preference=(-o "tlsflags.extension_type:$type")
  shift 2
fi
source "$(dirname "$0")/../lib/tshark_as_user.sh"
stage_tshark_workdir "$plugin"

frames() { run_tshark "$@" -T fields -e frame.number 2>/dev/null | tr '\n' ' '; }

checked=0 carrying=0 failures=0
for capture in "$@"; do
  [[ -r $capture ]] || { echo "SKIPPED: capture $capture is absent"; exit 77; }
  options=(-r "$(stage_input "$capture")" "${preference[@]}")
  keys=${capture%.*}.keys
  [[ -r $keys ]] && options+=(-o "tls.keylog_file:$(stage_input "$keys")")
  expected=$(frames -2 "${options[@]}" -Y "tls.handshake.extension.type == $type")
  one_pass=$(frames "${options[@]}" -Y tlsflags.extension)
  two_pass=$(frames -2 "${options[@]}" -Y tlsflags.extension)
  checked=$((checked + 1))
  [[ -n $expected ]] && carrying=$((carrying + 1))
  if [[ $one_pass != "$expected" || $two_pass != "$expected" ]]; then
    echo "FAIL $(basename "$capture"): extension type $type in frames [$expected]; tlsflags.extension matched [$one_pass] in one pass, [$two_pass] in two"
    failures=$((failures + 1))
  fi
done
echo "$checked captures, $carrying with the extension: tlsflags.extension matched exactly its frames in $((checked - failures))"
((failures == 0))
