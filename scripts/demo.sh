#!/usr/bin/env bash
# The README's first command, on a fresh Debian 12 machine as root: installs the dependencies, builds,
# installs the Wireshark plugin (system plugin dir) and tlsflags-check (/usr/local/bin), then shows
# two bundled captures as a user would see them.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
cmake --install build >/dev/null
echo "Installed: $(tshark -G plugins 2>/dev/null | awk '$1 == "tlsflags.so"')"
echo "           $(command -v tlsflags-check) $(tlsflags-check --version)"

section() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

section "tshark + plugin: a crawler offers request_client_auth, the server echoes it, the client sends its certificate"
tshark -r captures/rca-echo-pass.pcap -o tls.keylog_file:captures/rca-echo-pass.keys -Y tlsflags \
  -T fields -E header=y -e frame.number -e tlsflags.message -e tlsflags.flag -e tlsflags.request_client_auth \
  -e tlsflags.request_in -e tlsflags.ack_in -e tlsflags.certificate_in

section "tshark + plugin: a server echoes the flag the client never sent (expert info)"
tshark -r captures/rca-ack-without-request-accepted.pcapng -Y 'tlsflags.rca.server.ack-without-request || tlsflags.rca.client.unsolicited-ack-accepted' \
  -T fields -e frame.number -e _ws.expert.message | cut -c1-200

section "tlsflags-check over the whole bundled catalogue (exit status 1: some captures break rules on purpose)"
keys=()
for k in captures/*.keys; do keys+=(-k "$k"); done
tlsflags-check "${keys[@]}" captures/*.pcap captures/*.pcapng | tail -n 4 || true

section "tlsflags-check --explain on one failing connection"
tlsflags-check --explain captures/rca-ack-without-request-accepted.pcapng || true
