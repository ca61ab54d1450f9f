#!/usr/bin/env bash
# Installs a release's tlsflags .deb with apt in a root of that release, checks that the system's tshark
# loads the plugin and decodes a capture, that tlsflags-check and its man page are there, that lintian
# has no error or warning for it, and that removing the package leaves none of its files
# (docs/install.md). Run as root, after scripts/wireshark-version-test.sh SUITE made the package.
#
#   package-test.sh SUITE
set -euo pipefail
cd "$(dirname "$0")/.."
suite=${1:?usage: package-test.sh SUITE}
roots=${ROOTS_DIR:-build-roots}
root=$roots/$suite
failures=0
fail() { echo "FAIL ($suite): $*"; failures=$((failures + 1)); }
# shellcheck source=scripts/lib/in_root.sh
source scripts/lib/in_root.sh  # the cd above put us at the top of the checkout

shopt -s nullglob
debs=("$root"/src/build/tlsflags_*.deb)
((${#debs[@]} == 1)) || { echo "FAIL ($suite): expected one package in $root/src/build, found ${#debs[@]}"; exit 1; }
deb=${debs[0]}
echo "package: $(basename "$deb") ($(stat -c %s "$deb") bytes)"
dpkg-deb --field "$deb" Package Version Depends Recommends

# Depends on this release's libwireshark ABI package (the plugin refuses any other Wireshark).
abi_package=$(in_root dpkg-query -W -f='${Package}\n' 'libwireshark[0-9]*' | head -n 1)
dpkg-deb --field "$deb" Depends | grep -qw "$abi_package" || fail "Depends does not name $abi_package"

# lintian from the host (Debian 12's): errors and warnings fail, informational tags are listed.
if command -v lintian >/dev/null; then
  lintian_output=$(lintian --tag-display-limit 0 "$deb" 2>&1 | grep -v '^running with root privileges' || true)
  if [[ -n $lintian_output ]]; then echo "$lintian_output"; fi
  if grep -qE '^[EW]: ' <<<"$lintian_output"; then fail "lintian reports errors or warnings"; fi
else
  echo "lintian is not installed: package not linted"
fi

mkdir -p "$root/tmp/package-test"
cp "$deb" captures/rca-echo-pass.pcap captures/rca-echo-pass.keys "$root/tmp/package-test/"
in_root apt-get install -y -q -o Dpkg::Use-Pty=0 --no-install-recommends "/tmp/package-test/$(basename "$deb")" >/dev/null \
  || { echo "FAIL ($suite): apt-get install failed"; exit 1; }

# As root tshark reads the system plugin dir only (docs/plugin.md "Install"): that is where the package
# puts the plugin.
listed=$(in_root tshark -G plugins 2>/dev/null | awk -F'\t' '$1 ~ /^tlsflags\.so/')
echo "tshark -G plugins: $listed"
[[ $listed == *"/wireshark/plugins/"*"/epan/tlsflags.so"* ]] || fail "tshark -G plugins does not list the installed plugin"
[[ $listed == *dissector* ]] || fail "the plugin is not described as a dissector"
decoded=$(in_root tshark -r /tmp/package-test/rca-echo-pass.pcap -o tls.keylog_file:/tmp/package-test/rca-echo-pass.keys \
            -2 -Y 'tlsflags.request_client_auth' -T fields -e frame.number -e tlsflags.message 2>/dev/null)
echo "decoded (frame, message):" $decoded
[[ $(wc -l <<<"$decoded") -ge 2 ]] || fail "the installed plugin did not decode the flagged ClientHello and CertificateRequest"
in_root tlsflags-check --version || fail "tlsflags-check does not run"
verdict=$(in_root tlsflags-check -k /tmp/package-test/rca-echo-pass.keys -f jsonl /tmp/package-test/rca-echo-pass.pcap \
            | grep -o '"verdict":"[a-z-]*"' | head -n 1)
[[ $verdict == '"verdict":"pass"' ]] || fail "tlsflags-check from the package judged rca-echo-pass as $verdict"
in_root test -s /usr/share/man/man1/tlsflags-check.1.gz || fail "no man page"
# tlsflags-fleet runs (its help needs only python3, a Depends; Dask is a Recommends) and has its man page.
in_root tlsflags-fleet --help >/dev/null || fail "tlsflags-fleet --help does not run"
in_root test -s /usr/share/man/man1/tlsflags-fleet.1.gz || fail "no man page for tlsflags-fleet"
in_root test -s /usr/share/doc/tlsflags/copyright || fail "no copyright file"

files=$(in_root dpkg -L tlsflags | while read -r f; do [[ -f $root$f ]] && echo "$f"; done)
in_root apt-get purge -y -q -o Dpkg::Use-Pty=0 tlsflags >/dev/null || fail "apt-get purge failed"
for f in $files; do
  if [[ -e $root$f ]]; then fail "$f is left after purge"; fi
done
if in_root tshark -G plugins 2>/dev/null | grep -q tlsflags; then fail "tshark still lists the plugin after purge"; fi
rm -rf "$root/tmp/package-test"

((failures == 0)) || exit 1
echo "PASS ($suite): $(basename "$deb") installs, loads, decodes, checks and purges cleanly"
