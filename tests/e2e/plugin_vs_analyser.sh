#!/usr/bin/env bash
# The two event sources must agree: for every connection of a capture, the plugin after the first pass
# (tshark -2) reports the same verdict (tlsflags.verdict) and the same set of (rule id, severity) as
# expert info as tlsflags-check's JSON Lines report — the deploy.* findings and the cross-connection
# rca.server.trust-anchors-shared included (docs/plugin.md "Passes"). Connections are matched by client
# and server endpoints (and their order, for a reused pair).
#
#   plugin_vs_analyser.sh PLUGIN CLI CAPTURES_DIR FILE CHECK_OPTIONS TSHARK_PREFS [gui]
#
# With "gui" the plugin's side comes from wireshark-qt itself under Xvfb, not tshark: it loads the capture
# (the first pass) and opens Statistics → TLS Flags → Connections (-z tlsflags,conn), whose retap
# dissects every frame again as visited, the way a click on a packet does; a Lua tap listener
# (tests/plugin/gui/redissection_probe.lua) records what that redissection shows. Exits 77 without
# wireshark or Xvfb.
#
# CHECK_OPTIONS are tlsflags-check options ("-": none); --flags-extension, --rca-flag, --profile,
# --trust-anchors and --pinned become the plugin's preferences. Exits 77 when FILE is absent (the real
# capture outside ../shared).
set -euo pipefail
plugin=$1 cli=$2 captures=$3 file=$4 check_options=$5 tshark_prefs=$6 via=${7:-tshark}
probe=$(realpath "$(dirname "$0")/../plugin/gui/redissection_probe.lua")
source "$(dirname "$0")/../lib/tshark_as_user.sh"
[[ -r $captures/$file ]] || { echo "SKIPPED: $captures/$file is absent"; exit 77; }
cd "$captures"
name=${file%.*}

stage_tshark_workdir "$plugin"
analyser_args=(--format jsonl)
tshark_args=()
if [[ $check_options != - ]]; then
  read -ra extra <<<"$check_options"
  analyser_args+=("${extra[@]}")
  # The same settings, as the plugin's preferences.
  for ((i = 0; i < ${#extra[@]}; i += 2)); do
    case ${extra[i]} in
      --flags-extension) tshark_args+=(-o "tlsflags.extension_type:${extra[i + 1]}") ;;
      --rca-flag) tshark_args+=(-o "tlsflags.rca_flag:${extra[i + 1]}") ;;
      --profile) tshark_args+=(-o "tlsflags.profile:${extra[i + 1]}") ;;
      --trust-anchors) tshark_args+=(-o "tlsflags.trust_anchors:$(stage_input "${extra[i + 1]}")") ;;
      --pinned) tshark_args+=(-o "tlsflags.pinned:$(stage_input "${extra[i + 1]}")") ;;
    esac
  done
fi
if [[ $tshark_prefs != - ]]; then
  for pref in $tshark_prefs; do tshark_args+=(-o "$pref"); done
fi

capture_copy=$(stage_input "$file")
if [[ -r $name.keys ]]; then
  analyser_args+=(--keylog "$name.keys")
  tshark_args+=(-o "tls.keylog_file:$(stage_input "$name.keys")")
fi

# One line per connection: "CLIENT SERVER #N VERDICT rule:severity,..." (findings sorted, each once).
number_pairs='{ key = $1 " " $2; n[key]++; $2 = $2 " #" n[key]; print }'
analyser_output=$(env -u SSLKEYLOGFILE "$cli" "${analyser_args[@]}" "$file") || true  # exit 1 = a failing connection
analyser_lines=$(grep '"type":"connection"' <<<"$analyser_output" |
  jq -r '"\(.client) \(.server) \(.verdict) " + ([.findings[] | "\(.rule):\(.severity)"] | unique | join(","))' |
  awk "$number_pairs" | sort)

# Expert severities as Wireshark gives them (epan/proto.h PI_ERROR, PI_WARN, PI_NOTE): the catalogue's
# error, warning, info (docs/plugin.md "Expert info").
rule_message='^(flags|tls13|rca|deploy)\.[a-z0-9.-]+: '

# tshark -2: its second pass dissects every frame again, visited.
plugin_lines_from_tshark() {
  run_tshark -2 -r "$capture_copy" "${tshark_args[@]}" -Y tlsflags.connection -T json \
    -e tlsflags.connection.index -e tlsflags.connection.client -e tlsflags.connection.server -e tlsflags.verdict \
    -e _ws.expert.message -e _ws.expert.severity |
    jq -r --arg rule "$rule_message" '
      .[]._source.layers
      | [.["tlsflags.connection.index"][0], .["tlsflags.connection.client"][0], .["tlsflags.connection.server"][0],
         .["tlsflags.verdict"][0]] as $head
      | (.["_ws.expert.message"] // []) as $m | (.["_ws.expert.severity"] // []) as $s
      | ($head + ["-", "-"]), (range(0; $m | length) | $head + [$m[.], $s[.]])
      | @tsv'
}

# wireshark-qt under its own Xvfb display: the probe ends Wireshark once the retap was drawn.
plugin_lines_from_gui() {
  command -v wireshark >/dev/null && command -v Xvfb >/dev/null || { echo "SKIPPED: no wireshark or Xvfb"; exit 77; }
  local display_fd display out=$work/probe.out
  exec {display_fd}<> <(:)
  Xvfb -displayfd "$display_fd" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
  xvfb_pid=$!
  trap 'kill $xvfb_pid 2>/dev/null; rm -rf "$work"' EXIT
  read -r -t 20 display <&"$display_fd" || { echo "FAIL: Xvfb did not start"; exit 1; }
  : >"$out" && chmod a+rw "$out"
  cp "$probe" "$work/probe.lua" && chmod a+r "$work/probe.lua"
  set_tshark_argv
  timeout 120 "${as_user_argv[@]}" DISPLAY=":$display" TLSFLAGS_PROBE_OUT="$out" \
    wireshark -X "lua_script:$work/probe.lua" -r "$capture_copy" "${tshark_args[@]}" -z tlsflags,conn \
    >"$work/wireshark.log" 2>&1 || { echo "FAIL: wireshark did not finish"; cat "$work/wireshark.log"; exit 1; }
  [[ -s $out ]] || { echo "FAIL: the redissection showed no judged connection"; cat "$work/wireshark.log"; exit 1; }
  cut -f1-6 "$out"
}

# INDEX CLIENT SERVER VERDICT MESSAGE SEVERITY rows → the analyser's line format.
to_connection_lines() {
  awk -F'\t' -v rule="$rule_message" '
    BEGIN { name[8388608] = "error"; name[6291456] = "warning"; name[4194304] = "info" }
    !($1 in head) { head[$1] = $2 " " $3 " " $4; order[++n] = $1 }
    $5 ~ rule { match($5, /^[a-z0-9.-]+/); pair = substr($5, 1, RLENGTH) ":" ($6 in name ? name[$6] : "severity-" $6)
                if (!((($1) SUBSEP pair) in seen)) { seen[$1, pair] = 1; found[$1] = found[$1] " " pair } }
    END { for (i = 1; i <= n; i++) print order[i] "\t" head[order[i]] "\t" found[order[i]] }' |
    sort -n | while IFS=$'\t' read -r _ head pairs; do
      echo "$head $(tr ' ' '\n' <<<"$pairs" | grep . | sort | paste -sd, -)"
    done
}

if [[ $via == gui ]]; then rows=$(plugin_lines_from_gui); else rows=$(plugin_lines_from_tshark); fi
plugin_lines=$(to_connection_lines <<<"$rows" | awk "$number_pairs" | sort)

# Two empty reports would agree about nothing: every capture here has a TLS connection.
[[ -n $analyser_lines ]] || { echo "FAIL: $file: tlsflags-check reported no connection"; exit 1; }
if [[ "$analyser_lines" != "$plugin_lines" ]]; then
  echo "FAIL: $file: the plugin ($via) and the analyser disagree (connection, verdict, rule:severity)"
  diff -u <(echo "$analyser_lines") <(echo "$plugin_lines") | sed "1s/.*/--- tlsflags-check/;2s/.*/+++ plugin ($via)/"
  exit 1
fi
connections=$(grep -c . <<<"$analyser_lines" || true)
findings=$(awk '{ if ($5 != "") n += split($5, f, ",") } END { print n + 0 }' <<<"$analyser_lines")
echo "PASS: $file ($via): $connections connection(s), $findings (rule, severity) finding(s), same verdicts"
