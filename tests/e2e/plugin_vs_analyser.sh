#!/usr/bin/env bash
# The two event sources must agree: for every connection of a capture, the rule ids the plugin reports
# as expert info (tshark -2, so later frames' verdicts are known) equal the rule ids of tlsflags-check's
# findings. Excepted: rca.server.trust-anchors-shared, which compares connections and files, and the
# deploy.* findings, which tlsflags-check computes from the certificates and its --trust-anchors /
# --pinned files (docs/rules.md "Deployment findings"): both are the analyser's alone.
#
#   plugin_vs_analyser.sh PLUGIN CLI CAPTURES_DIR FILE CHECK_OPTIONS TSHARK_PREFS
set -euo pipefail
plugin=$1 cli=$2 captures=$3 file=$4 check_options=$5 tshark_prefs=$6
source "$(dirname "$0")/../lib/tshark_as_user.sh"
cd "$captures"
name=${file%.*}

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
    esac
  done
fi
if [[ $tshark_prefs != - ]]; then
  for pref in $tshark_prefs; do tshark_args+=(-o "$pref"); done
fi

stage_tshark_workdir "$plugin"
capture_copy=$(stage_input "$file")
if [[ -r $name.keys ]]; then
  analyser_args+=(--keylog "$name.keys")
  tshark_args+=(-o "tls.keylog_file:$(stage_input "$name.keys")")
fi

rule_pattern='(flags|tls13|rca)\.[a-z0-9.-]+'
# One line per connection: "INDEX rule,rule" (sorted), connections in order of their first frame.
analyser_output=$(env -u SSLKEYLOGFILE "$cli" "${analyser_args[@]}" "$file") || true  # exit 1 = a failing connection
analyser_rules=$(grep '"type":"connection"' <<<"$analyser_output" |
  jq -r '[.findings[].rule | select(. != "rca.server.trust-anchors-shared" and (startswith("deploy.") | not))]
         | unique | join(",")' |
  awk '{ print NR - 1, $0 }')
# "STREAM RULE" pairs from the expert messages (each starts with its rule id), then one line per stream.
# A QUIC or DTLS connection is its UDP conversation (the catalogue's captures hold one transport each).
plugin_pairs=$(run_tshark -2 -r "$capture_copy" "${tshark_args[@]}" -T fields -e tcp.stream -e udp.stream -e _ws.expert.message |
  awk -F'\t' -v pattern="^$rule_pattern:" '
    { stream = ($1 != "") ? $1 : $2 }
    stream != "" { print stream, "-"; n = split($3, msgs, ",")
                   for (i = 1; i <= n; i++) if (match(msgs[i], pattern)) print stream, substr(msgs[i], 1, RLENGTH - 1) }' |
  sort -u)
plugin_rules=$(awk '{ if (!($1 in line)) { line[$1] = ""; order[++n] = $1 }
                     if ($2 != "-") line[$1] = line[$1] (line[$1] == "" ? "" : ",") $2 }
                    END { for (i = 1; i <= n; i++) print order[i], line[order[i]] }' <<<"$plugin_pairs" | sort -n)

# The analyser reports TLS connections only; compare the streams it reported.
plugin_for_analysed=$(awk 'NR == FNR { want[$1] = 1; next } ($1 in want)' <(echo "$analyser_rules") <(echo "$plugin_rules"))
if [[ "$(echo "$analyser_rules" | sed 's/ *$//')" != "$(echo "$plugin_for_analysed" | sed 's/ *$//')" ]]; then
  echo "FAIL: $file: the plugin and the analyser disagree (connection index, rule ids)"
  diff -u <(echo "$analyser_rules" | sed 's/ *$//') <(echo "$plugin_for_analysed" | sed 's/ *$//') |
    sed '1s/.*/--- tlsflags-check/;2s/.*/+++ plugin (tshark -2)/'
  exit 1
fi
echo "PASS: $file: $(echo "$analyser_rules" | wc -l) connection(s), same rule ids"
