#!/usr/bin/env bash
# Cloudflare's request-mTLS demonstration (../shared/captures/real, never committed): extension 0xFE01,
# flag 80, keys in a Decryption Secrets Block, a server that does not echo the flag (the older draft).
#   --flags-extension 65025:                  one connection, decrypted from the DSB, client_offered,
#                                             client certificate non-empty
#     --profile draft-02                      pass, no findings
#     --profile rfc                           pass, with the info finding rca.server.cr-without-ack
#   default extension type (62)               not-applicable
#
#   real_capture.sh CLI CAPTURE
set -euo pipefail
cli=$1 capture=$2
if [[ ! -r $capture ]]; then
  echo "SKIPPED: $capture is absent (the real capture lives in ../shared, outside the repository)"
  exit 77
fi
failures=0
expect() {  # expect DESCRIPTION JQ_FILTER JSON
  if [[ $(jq -r "$2" <<<"$3") != true ]]; then
    echo "FAIL: $1"
    failures=$((failures + 1))
  fi
}
run() { env -u SSLKEYLOGFILE "$cli" --format jsonl "$@" "$capture"; }

draft=$(run --flags-extension 65025 --profile draft-02)
rfc=$(run --flags-extension 65025)
default=$(run)
connection='select(.type == "connection")'

expect "one connection" "[.[] | $connection] | length == 1" "$(jq -s . <<<"$rfc")"
expect "decrypted from the DSB" "$connection | .decrypted == true and .tls_version == \"1.3\"" "$rfc"
expect "client_offered" "$connection | .rca.client_offered == true" "$rfc"
expect "client certificate non-empty" "$connection | .rca.client_certificate == \"non-empty\"" "$rfc"
expect "draft-02: pass without findings" "$connection | .verdict == \"pass\" and (.findings | length == 0)" "$draft"
expect "rfc: pass with rca.server.cr-without-ack" \
  "$connection | .verdict == \"pass\" and ([.findings[].rule] == [\"rca.server.cr-without-ack\"])" "$rfc"
expect "default extension type: not-applicable" "$connection | .verdict == \"not-applicable\"" "$default"
((failures == 0)) && echo "PASS: the real capture gives what the issue expects under all three settings"
exit $((failures > 0))
