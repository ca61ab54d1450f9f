#!/usr/bin/env bash
# Checks what tshark -G reports about the built plugin: it is listed with the project version, every
# contract field and one expert field per catalogue rule is registered with a description, and the
# preferences have their contract defaults.
#
#   check_registration.sh PLUGIN_SO VERSION
set -euo pipefail
plugin=$1 version=$2

source "$(dirname "$0")/../lib/tshark_as_user.sh"
stage_tshark_workdir "$plugin"

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

plugins=$(run_tshark -G plugins)
grep -P "^tlsflags\.so *\t\Q$version\E\tdissector\t" <<<"$plugins" || fail "tshark -G plugins does not list tlsflags.so $version"

fields=$(run_tshark -G fields | awk -F'\t' '$1 == "F" && $5 == "tlsflags"')
for name in extension client_auth message length flags flag request_client_auth request_in ack_in certificate_in \
            client_certificate.subject client_certificate.issuer client_certificate.san \
            client_certificate.not_before client_certificate.not_after client_certificate.key_type \
            client_certificate.sha256 server_reaction \
            connection connection.index verdict connection.client connection.server connection.sni \
            connection.rca_offered connection.rca_echoed connection.client_certificate \
            connection.server_reaction connection.server_reaction_inferred connection.findings \
            flags.malformed flags.empty flags.non-minimal-encoding flags.invalid-not-rejected \
            flags.duplicate-extension flags.unsolicited-ack flags.unsolicited-not-rejected \
            tls13.ch2-flags-changed tls13.client-certificate-missing rca.server.ack-without-request \
            rca.client.unsolicited-ack-accepted rca.server.flag-in-forbidden-message \
            rca.client.flag-outside-cr-accepted rca.server.flag-outside-ch-accepted rca.client.no-certificate \
            rca.client.flag-without-certificate rca.server.cr-without-ack rca.client.slow-certificate \
            rca.server.trust-anchors-shared rca.tls12-negotiated \
            deploy.client-certificate-not-trusted deploy.server-identity-mismatch deploy.client-certificate-unfit \
            tls13.compressed-certificate-invalid tls13.compressed-certificate-algorithm-not-offered; do
  row=$(awk -F'\t' -v abbrev="tlsflags.$name" '$3 == abbrev' <<<"$fields")
  [[ -n $row ]] || { fail "field tlsflags.$name is not registered"; continue; }
  [[ -n $(cut -f8 <<<"$row") ]] || fail "field tlsflags.$name has no description"
done
count=$(wc -l <<<"$fields")
[[ $count -eq 55 ]] || fail "expected 55 tlsflags fields (30 + 25 rules), tshark lists $count"
echo "$count tlsflags fields registered, each with a description"

# The protocol says what it shows: the extension and the connection's client authentication.
protocol=$(run_tshark -G protocols | awk -F'\t' '$3 == "tlsflags"')
[[ $protocol == $'TLS Flags and client authentication\tTLS Flags\ttlsflags'* ]] \
  || fail "protocol tlsflags is registered as '$protocol'"

prefs=$(run_tshark -G defaultprefs)
for pref in "tlsflags.rca_flag: 80" "tlsflags.extension_type: 62" "tlsflags.profile: rfc" "tlsflags.trust_anchors: " \
            "tlsflags.pinned: "; do
  grep -qxF "#$pref" <<<"$prefs" || fail "default preference '$pref' missing"
done

# A trust-anchor or pin file that cannot be used is said when the preferences are applied, by name.
echo "not a certificate" >"$work/junk.pem"
chmod a+r "$work/junk.pem"
said=$(run_tshark -o "tlsflags.trust_anchors:$work/missing.pem" -o "tlsflags.pinned:$work/junk.pem" -r "$work/junk.pem" 2>&1 >/dev/null || true)
grep -q "tlsflags.trust_anchors: .*missing.pem" <<<"$said" || fail "an unreadable tlsflags.trust_anchors file is not reported: $said"
grep -q "tlsflags.pinned: " <<<"$said" || fail "a tlsflags.pinned file without a certificate is not reported: $said"

[[ $failures -eq 0 ]] || exit 1
echo "PASS"
