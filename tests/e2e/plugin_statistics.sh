#!/usr/bin/env bash
# Statistics → TLS Flags (docs/plugin.md "Statistics"): `tshark -2 -z tlsflags,conn` has one row per
# connection with what tlsflags-check's JSON Lines report says of it (client, server, SNI,
# request_client_auth offered and echoed, client certificate, server reaction, verdict, number of
# findings), and `-z tlsflags,servers` one row per server with --by-server's counts. A single pass shows
# no row: nothing is judged before the whole capture was read.
#
#   plugin_statistics.sh PLUGIN CLI CAPTURES_DIR FILE CHECK_OPTIONS
set -euo pipefail
plugin=$1 cli=$2 captures=$3 file=$4 check_options=$5
source "$(dirname "$0")/../lib/tshark_as_user.sh"
[[ -r $captures/$file ]] || { echo "SKIPPED: $captures/$file is absent"; exit 77; }
cd "$captures"
name=${file%.*}
stage_tshark_workdir "$plugin"
analyser_args=(--format jsonl --by-server)
tshark_args=()
if [[ $check_options != - ]]; then
  read -ra extra <<<"$check_options"
  analyser_args+=("${extra[@]}")
  [[ ${extra[0]} == --flags-extension ]] && tshark_args+=(-o "tlsflags.extension_type:${extra[1]}")
fi
capture_copy=$(stage_input "$file")
if [[ -r $name.keys ]]; then
  analyser_args+=(--keylog "$name.keys")
  tshark_args+=(-o "tls.keylog_file:$(stage_input "$name.keys")")
fi
failures=0
compare() {  # WHAT EXPECTED ACTUAL
  if [[ $2 == "$3" ]]; then echo "ok: $1 ($(grep -c . <<<"$2") rows)"; return; fi
  echo "FAIL: $1"; diff -u <(echo "$2") <(echo "$3") | sed '1s/.*/--- tlsflags-check/;2s/.*/+++ tshark -z/'
  failures=$((failures + 1))
}
# The rows of one table of `-z` output: the lines between the table's title and the closing rule.
table_rows() { awk -v title="$1" '$0 == title { on = 1; next } on && /^====/ { on = 0 } on' | sed 's/ *|/|/g'; }

report=$(env -u SSLKEYLOGFILE "$cli" "${analyser_args[@]}" "$file") || true
stats=$(run_tshark -2 -q -r "$capture_copy" "${tshark_args[@]}" -z tlsflags,conn -z tlsflags,servers)

expected=$(grep '"type":"connection"' <<<"$report" | jq -r '
  def yn: if . == null then "?" elif . then "yes" else "no" end;
  [(.client), (.server), (.server_identity.sni // "*"), (.rca.client_offered | yn), (.rca.server_acknowledged | yn),
   (.rca.client_certificate),
   (if .rca.server_reaction == null then "-" elif .rca.server_reaction_inferred then "\(.rca.server_reaction) (inferred)"
    else .rca.server_reaction end), (.verdict), (.findings | length | tostring)] | join("|")')
# The JSON Lines report names the SNI only with the server identity check ("*": any).
actual=$(paste -d'\n' <(echo "$expected") <(table_rows "TLS Flags connections" <<<"$stats" | cut -d'|' -f2-10) |
  awk -F'|' -v OFS='|' 'NR % 2 { sni = $3; next } { if (sni == "*") $3 = "*"; print }')
compare "connections" "$expected" "$actual"

expected=$(grep '"type":"server"' <<<"$report" | jq -r '
  [(.server), (.server_names | join(",")), (.connections | tostring), (.rca.client_offered | tostring),
   (.rca.server_acknowledged | tostring), (.verdicts | .pass, .fail, .warn, .undecidable, .["not-applicable"] | tostring)]
  | join("|")' | sort)
actual=$(table_rows "TLS Flags servers" <<<"$stats" | cut -d'|' -f1-10 | sort)
compare "servers" "$expected" "$actual"

single=$(run_tshark -q -r "$capture_copy" "${tshark_args[@]}" -z tlsflags,conn | table_rows "TLS Flags connections")
[[ -z $single ]] || { echo "FAIL: a single pass shows rows before the capture was judged:"; echo "$single"; failures=$((failures + 1)); }
[[ $failures -eq 0 ]] && echo "PASS: $file"
exit $((failures > 0))
