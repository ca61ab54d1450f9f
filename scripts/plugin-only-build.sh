#!/usr/bin/env bash
# The plugin alone (docs/install.md "From source"): configures with the analyser, the generator and the
# tests left out, builds, and checks that what was built is the plugin and the two libraries it links
# (core, inspect) and nothing of the analyser: no tlsflags-check, no capture/tls/report library, no
# libpcap. Then installs it under a prefix and checks it lands in that prefix's Wireshark plugin dir.
#
#   plugin-only-build.sh [BUILD_DIR]        (default build-plugin-only)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-plugin-only}
failures=0
fail() { echo "FAIL (plugin only): $*"; failures=$((failures + 1)); }

rm -rf "$build"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTLSFLAGS_WERROR=ON \
  -DTLSFLAGS_BUILD_ANALYSER=OFF -DTLSFLAGS_BUILD_GEN=OFF -DTLSFLAGS_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" | { grep -v '^\[[0-9]*/[0-9]*\] ' || true; }

plugin=$(find "$build" -name tlsflags.so -type f)
[[ -n $plugin ]] || fail "tlsflags.so was not built"
libraries=$(find "$build" -name '*.a' -printf '%f\n' | sort | tr '\n' ' ')
echo "built: $(basename "${plugin:-none}") and ${libraries:-no static library}"
[[ $libraries == "libtlsflags_compress.a libtlsflags_core.a libtlsflags_inspect.a " ]] \
  || fail "expected only libtlsflags_compress.a, libtlsflags_core.a and libtlsflags_inspect.a beside the plugin, built: $libraries"
[[ -z $(find "$build" -name tlsflags-check -type f) ]] || fail "tlsflags-check was built"
if [[ -n $plugin ]] && ldd "$plugin" | grep -q libpcap; then fail "the plugin links libpcap"; fi

prefix=$(mktemp -d)
cmake --install "$build" --prefix "$prefix" --component plugin >/dev/null
installed=$(cd "$prefix" && find . -type f | sort)
echo "installed under the prefix: $installed"
[[ $installed =~ ^\./lib/[^/]+/wireshark/plugins/[0-9]+\.[0-9]+/epan/tlsflags\.so$ ]] \
  || fail "the plugin component should install exactly P/lib/<multiarch>/wireshark/plugins/X.Y/epan/tlsflags.so"
rm -rf "$prefix"

((failures == 0)) || exit 1
echo "PASS: the plugin builds alone and installs under a prefix"
