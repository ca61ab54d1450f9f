#!/usr/bin/env bash
# Builds tlsflags against another Debian release's Wireshark and runs the plugin's tshark tests with that
# release's own tshark, inside a root made by scripts/wireshark-root.sh (docs/plugin.md "Wireshark
# versions"). Run as root. Also makes that release's .deb (scripts/package-test.sh checks it).
#
#   wireshark-version-test.sh SUITE [--package-only]
#
# SUITE: trixie (Wireshark 4.4), sid (Wireshark 4.6) or bookworm (4.0). --package-only builds and packages
# without the plugin tests: CI uses it for bookworm, whose tshark the host build's tests already use.
#
# Environment: ROOTS_DIR (default build-roots): where roots, build trees and packages are kept;
#              TLSFLAGS_SHARED (default ../shared): the shared/ folder with the real capture, if any.
set -euo pipefail
cd "$(dirname "$0")/.."
suite=${1:?usage: wireshark-version-test.sh SUITE [--package-only]}
run_plugin_tests=1
case ${2:-} in
  "") ;;
  --package-only) run_plugin_tests=0 ;;
  *) echo "usage: wireshark-version-test.sh SUITE [--package-only]" >&2; exit 2 ;;
esac
roots=${ROOTS_DIR:-build-roots}
root=$roots/$suite
shared=${TLSFLAGS_SHARED:-../shared}

step() {
  local name=$1 start=$SECONDS
  shift
  echo "--- $suite: $name"
  "$@"
  echo "--- $suite: $name: $((SECONDS - start)) s"
}

# The checkout's files (tracked, and new ones not ignored) into ROOT/src/tlsflags; mtimes are kept, so
# an unchanged file does not rebuild.
copy_sources() {
  mkdir -p "$root/src/tlsflags"
  if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -C "$root/src/tlsflags" -xf -
  else
    tar --exclude='./build*' -cf - . | tar -C "$root/src/tlsflags" -xf -
  fi
  rm -rf "$root/src/shared"
  mkdir -p "$root/src/shared/captures"
  if [[ -d $shared/captures/real ]]; then cp -r "$shared/captures/real" "$root/src/shared/captures/"; fi
}

# shellcheck source=scripts/lib/in_root.sh
source scripts/lib/in_root.sh  # the cd above put us at the top of the checkout

configure_and_build() {
  # Debian's hardening flags, as a Debian package build would use them; warnings are errors here too.
  in_root bash -c 'export CFLAGS="$(dpkg-buildflags --get CFLAGS)" CXXFLAGS="$(dpkg-buildflags --get CXXFLAGS)" \
                          LDFLAGS="$(dpkg-buildflags --get LDFLAGS)" CPPFLAGS="$(dpkg-buildflags --get CPPFLAGS)"
    export CXXFLAGS="$CXXFLAGS $CPPFLAGS" CFLAGS="$CFLAGS $CPPFLAGS"
    cmake -S /src/tlsflags -B /src/build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTLSFLAGS_WERROR=ON \
          -DTLSFLAGS_UNIT_TESTS=OFF -DTLSFLAGS_FUZZ=OFF -DTLSFLAGS_SHARED_DIR=/src/shared >/dev/null'
  # Progress lines hidden; ninja's status decides (pipefail), warnings and errors are shown.
  in_root cmake --build /src/build -j "$(nproc)" | { grep -v '^\[[0-9]*/[0-9]*\] ' || true; }
}

plugin_tests() {
  in_root ctest --test-dir /src/build -L plugin --output-on-failure -j "$(nproc)"
}

package() {
  rm -f "$root"/src/build/tlsflags_*.deb
  in_root bash -c 'cd /src/build && cpack -G DEB >/dev/null'
  mkdir -p "$roots/debs"
  cp "$root"/src/build/tlsflags_*.deb "$roots/debs/"
  ls -l "$root"/src/build/tlsflags_*.deb | awk '{print $5, $9}'
}

step "root" bash scripts/wireshark-root.sh "$suite" "$root"
echo "--- $suite: $(in_root tshark --version 2>/dev/null | head -n 1)"
step "sources" copy_sources
step "configure and build (-Werror, Debian hardening flags)" configure_and_build
if ((run_plugin_tests)); then step "plugin tests with this release's tshark" plugin_tests; fi
step "package" package
