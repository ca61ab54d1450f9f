#!/usr/bin/env bash
# The plugin under hostile input: tshark with the freshly built plugin reads corrupted variants of the
# catalogue captures (and tests/plugin/data) and must
#   - not crash (no exit by a signal, no abort: tshark's own statuses are 0, and for a damaged file 2;
#     from 4.2 on also 3, WS_EXIT_INVALID_FILE in ws_exit_codes.h, which 4.4 gives a cut pcapng, and
#     from 4.6 on 14, WS_EXIT_READ_ERROR, for a file cut in the middle of a packet),
#   - not hang (HOSTILE_TIMEOUT seconds per run),
#   - never report a dissector bug or a malformed packet in the TLS Flags protocol (an exception thrown
#     while the postdissector ran is shown as "[Malformed Packet: TLS Flags]" or "[Dissector bug,
#     protocol TLS Flags: ...]"), and print nothing about tlsflags or a GLib CRITICAL on stderr; a
#     dissector bug of another protocol fails the variant unless the same run without the plugin
#     (--disable-protocol tlsflags) shows the same bug (then it is Wireshark's own, counted and listed).
# Variant i is fully determined by i: the capture (i mod the number of captures), the corruption
# (mutate_capture bits|flags|caplen|truncate|anywhere with seed i, or editcap -E 0.02 --seed i) and the
# tshark mode (with keys; with keys and -2; without keys; -2 -Y tlsflags), so a failure reproduces with
# the same FIRST and COUNT=1.
#
#   plugin_hostile.sh PLUGIN_SO MUTATE_CAPTURE CAPTURES_DIR PLUGIN_DATA_DIR [COUNT [FIRST]]
#   env: HOSTILE_JOBS (2), HOSTILE_TIMEOUT (60), HOSTILE_KEEP (dir for failing variants; default: none)
# The ctest runs 300 variants; the long run is COUNT=5000 (see docs/reliability-limits.md).
set -uo pipefail
plugin=$1 mutate=$2 captures_dir=$3 plugin_data_dir=$4 count=${5:-300} first=${6:-0}
jobs=${HOSTILE_JOBS:-2} per_run_timeout=${HOSTILE_TIMEOUT:-60}
command -v tshark >/dev/null || { echo "tshark not installed: skipped"; exit 77; }
command -v editcap >/dev/null || { echo "editcap not installed: skipped"; exit 77; }
# shellcheck source=../lib/tshark_as_user.sh
source "$(dirname "$0")/../lib/tshark_as_user.sh"
stage_tshark_workdir "$plugin"
mkdir -p "$work/in" "$work/variants" "$work/results"
shopt -s nullglob
inputs=()
for capture in "$captures_dir"/*.pcap "$captures_dir"/*.pcapng "$plugin_data_dir"/*.pcap; do
  cp "$capture" "$work/in/"
  keys=${capture%.*}.keys
  [[ -r $keys ]] && cp "$keys" "$work/in/"
  inputs+=("$work/in/$(basename "$capture")")
done
chmod -R a+rwX "$work"
((${#inputs[@]} > 0)) || { echo "FAIL: no captures in $captures_dir"; exit 1; }

# tshark's statuses for a damaged file: 2 in Wireshark 4.0; from 4.2 on 2 or WS_EXIT_INVALID_FILE (3);
# from 4.6 on also WS_EXIT_READ_ERROR (14).
case $(wireshark_abi) in
  4.0) damaged_file_status="2" ;;
  4.2 | 4.4) damaged_file_status="2 3" ;;
  *) damaged_file_status="2 3 14" ;;
esac
mutations=(editcap bits flags caplen truncate anywhere)
modes=(keys keys-two-pass no-keys two-pass-filter)

# one_variant I: writes "$work/results/I" as "I STATUS ENGAGED MALFORMED_ANY VERDICT DETAIL..."
one_variant() {
  local i=$1 n=${#inputs[@]}
  local input=${inputs[i % n]}
  local mutation=${mutations[(i + i / n) % ${#mutations[@]}]}
  local mode=${modes[(i / ${#mutations[@]}) % ${#modes[@]}]}
  local ext=${input##*.} variant="$work/variants/v$i.${input##*.}"
  if [[ $mutation == editcap ]]; then
    editcap -E 0.02 --seed "$i" "$input" "$variant" >/dev/null 2>&1 || cp "$input" "$variant"
  else
    "$mutate" "$mutation" "$i" "$input" "$variant" || { echo "$i 0 0 0 FAIL mutate_capture failed" >"$work/results/$i"; return; }
  fi
  chmod a+r "$variant"
  local keys=${input%.*}.keys args=(-r "$variant")
  [[ $mode != no-keys && -r $keys ]] && args+=(-o "tls.keylog_file:$keys")
  case $mode in
    keys | no-keys) args+=(-V) ;;
    keys-two-pass) args+=(-2 -V) ;;
    two-pass-filter) args+=(-2 -Y "tlsflags || _ws.malformed" -V) ;;
  esac
  local out="$work/variants/v$i.out" err="$work/variants/v$i.err"
  run_tshark_timed "${args[@]}" >"$out" 2>"$err"
  local status=$?
  local engaged=0 malformed=0 verdict=ok detail=""
  grep -q "TLS Flags" "$out" && engaged=1
  grep -q "Malformed Packet" "$out" && malformed=1
  if ((status == 124 || status == 137)); then
    verdict=FAIL detail="hang: no exit within ${per_run_timeout}s"
  elif ((status != 0)) && [[ " $damaged_file_status " != *" $status "* ]]; then
    verdict=FAIL detail="exit status $status (signal or abort): $(tail -n 2 "$err" | tr '\n' ' ')"
  elif grep -qE "Malformed Packet: TLS Flags|Dissector bug, protocol TLS Flags" "$out"; then
    verdict=FAIL detail="in TLS Flags: $(grep -m1 -oE "(Malformed Packet|Dissector bug)[^]]*" "$out")"
  elif sed "s|$work||g" "$err" | grep -qiE "tlsflags|TLS Flags|CRITICAL"; then
    verdict=FAIL detail="stderr: $(sed "s|$work||g" "$err" | grep -m1 -iE "tlsflags|TLS Flags|CRITICAL")"
  elif grep -q "Dissector bug" "$err"; then
    # A dissector bug in another protocol is ours only if it goes away without the plugin: Wireshark's
    # own dissectors have bugs of their own on corrupted input (e.g. 4.0's TLS on a damaged STARTTLS
    # stream), which the same tshark run with tlsflags disabled shows too.
    local bug without
    bug=$(grep -m1 -oE "Dissector bug, protocol .*" "$err")
    without=$(run_tshark_timed "${args[@]}" --disable-protocol tlsflags 2>&1 >/dev/null | grep -m1 -oE "Dissector bug, protocol .*")
    if [[ $without == "$bug" ]]; then
      detail="wireshark-own-bug: $bug"
    else
      verdict=FAIL detail="stderr: $bug (not without the plugin)"
    fi
  fi
  echo "$i $status $engaged $malformed $verdict $mutation $mode $(basename "$input") $detail" >"$work/results/$i"
  if [[ $verdict == FAIL && -n ${HOSTILE_KEEP:-} ]]; then
    mkdir -p "$HOSTILE_KEEP" && cp "$variant" "$out" "$err" "$HOSTILE_KEEP/"
  fi
  [[ $verdict == FAIL ]] || rm -f "$variant" "$out" "$err"
}

run_tshark_timed() {
  local as_user_argv tshark_argv
  set_tshark_argv
  timeout -k 5 "$per_run_timeout" "${tshark_argv[@]}" "$@"
}

export -f one_variant run_tshark_timed set_tshark_argv
export work mutate per_run_timeout HOSTILE_KEEP damaged_file_status
export inputs_list="${inputs[*]}"
# Arrays do not cross `export`: each worker rebuilds them.
seq "$first" $((first + count - 1)) | xargs -P "$jobs" -I{} bash -c '
  read -r -a inputs <<<"$inputs_list"; mutations=(editcap bits flags caplen truncate anywhere)
  modes=(keys keys-two-pass no-keys two-pass-filter); one_variant "$1"' _ {}

results=$(cat "$work"/results/* 2>/dev/null)
ran=$(grep -c . <<<"$results")
failed=$(grep -c " FAIL " <<<"$results")
engaged=$(awk '$3 == 1' <<<"$results" | wc -l)
malformed=$(awk '$4 == 1' <<<"$results" | wc -l)
damaged=$(awk -v s=" $damaged_file_status " '$2 != 0 && index(s, " " $2 " ")' <<<"$results" | wc -l)
echo "variants: $ran run (seeds $first..$((first + count - 1))), $failed failed"
echo "  the plugin showed a TLS Flags node in $engaged; another protocol was malformed in $malformed;"
echo "  tshark reported a damaged file in $damaged"
own_bugs=$(grep -c " wireshark-own-bug: " <<<"$results")
((own_bugs == 0)) || echo "  Wireshark's own dissector bugs (the same without the plugin, not counted as failures): $own_bugs"
grep " wireshark-own-bug: " <<<"$results" | head -n 5 | sed 's/^/    variant /'
for mutation in editcap bits flags caplen truncate anywhere; do
  printf '  %-9s %s variants\n' "$mutation" "$(awk -v m="$mutation" '$6 == m' <<<"$results" | wc -l)"
done
grep " FAIL " <<<"$results" | head -n 20 | sed 's/^/  FAIL variant /'
((ran == count)) || { echo "FAIL: only $ran of $count variants ran"; exit 1; }
# A corruption that never reaches the plugin tests nothing: most variants must still show it.
((engaged * 2 >= ran)) || { echo "FAIL: the plugin was engaged in only $engaged of $ran variants"; exit 1; }
((failed == 0)) || exit 1
echo "PASS"
