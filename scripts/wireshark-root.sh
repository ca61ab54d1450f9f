#!/usr/bin/env bash
# Makes (once) a Debian root with a given release's Wireshark, compiler and libraries, for building and
# testing tlsflags against that Wireshark (docs/plugin.md "Wireshark versions"). Run as root.
#
#   wireshark-root.sh SUITE [ROOT]     SUITE: bookworm (Wireshark 4.0), trixie (4.4) or sid (4.6)
#
# The root is cached: ROOT (default build-roots/SUITE) is reused while its stamp names the same package
# list. Everything comes from Debian's package registry through mmdebstrap; nothing else is downloaded.
set -euo pipefail
cd "$(dirname "$0")/.."
suite=${1:?usage: wireshark-root.sh SUITE [ROOT]}
root=${2:-build-roots/$suite}

# What a build of the whole tree and its plugin and packaging tests need inside the root.
packages=(
  libwireshark-dev wireshark-dev tshark
  cmake g++ ninja-build pkg-config dpkg-dev file
  libglib2.0-dev libssl-dev libpcap-dev zlib1g-dev libbrotli-dev libzstd-dev
  nlohmann-json3-dev libcli11-dev catch2
  python3 jq util-linux openssl
)
stamp_text="$suite ${packages[*]}"

if [[ -f $root/.tlsflags-root && $(<"$root/.tlsflags-root") == "$stamp_text" ]]; then
  echo "wireshark-root: $root ($suite) is ready: $(chroot "$root" dpkg-query -W -f='tshark ${Version}' tshark)"
  exit 0
fi

# A root of the same suite made for an older package list gets the missing packages from the same
# registry (apt-get in the root) instead of being made anew: a list that grows (libbrotli-dev and
# libzstd-dev for RFC 8879, issue 20) costs a few packages, not a whole root.
if [[ -f $root/.tlsflags-root && $(<"$root/.tlsflags-root") == "$suite "* ]]; then
  # shellcheck source=scripts/lib/in_root.sh
  source scripts/lib/in_root.sh
  cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
  in_root apt-get -o Acquire::Check-Valid-Until=false update -q >/dev/null
  in_root apt-get install -y -q --no-install-recommends "${packages[@]}" >/dev/null
  echo "$stamp_text" >"$root/.tlsflags-root"
  echo "wireshark-root: $root ($suite) brought up to date: $(chroot "$root" dpkg-query -W -f='tshark ${Version}' tshark)"
  exit 0
fi

command -v mmdebstrap >/dev/null || {
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends mmdebstrap
}
rm -rf "$root"
mkdir -p "$(dirname "$root")"
include=$(IFS=,; echo "${packages[*]}")
# sid's Release file on a mirror can be past its Valid-Until date; the archive key still signs it.
# tshark's debconf question (may non-root users capture?) is answered "no", as on the host.
mmdebstrap --variant=apt --quiet \
  --aptopt='Acquire::Check-Valid-Until "false"' \
  --essential-hook='echo "wireshark-common wireshark-common/install-setuid boolean false" | chroot "$1" debconf-set-selections 2>/dev/null || true' \
  --include="$include" "$suite" "$root"
echo "$stamp_text" >"$root/.tlsflags-root"
echo "wireshark-root: made $root ($suite): $(chroot "$root" dpkg-query -W -f='tshark ${Version}' tshark)"
