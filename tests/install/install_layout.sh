#!/usr/bin/env bash
# Checks the install layouts of docs/install.md from a built tree, without touching the system:
#   DESTDIR=D cmake --install        -> the plugin in the system Wireshark's plugin dir, the rest in /usr/local
#   cmake --install --prefix P       -> everything under P, the plugin in P's Wireshark plugin dir
#   --component plugin | analyser    -> only that part
#   --strip                          -> a stripped plugin
#
#   install_layout.sh BUILD_DIR WIRESHARK_ABI HAS_ANALYSER(0|1)
set -euo pipefail
build=$1 abi=$2 has_analyser=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
expect_file() { [[ -f $1 ]] || fail "missing: ${1#"$work"}"; }
expect_none() { [[ ! -e $1 ]] || fail "unexpected: ${1#"$work"}"; }
plugin_rel="lib/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)/wireshark/plugins/$abi/epan/tlsflags.so"

DESTDIR=$work/default cmake --install "$build" >/dev/null
expect_file "$work/default/usr/$plugin_rel"
if ((has_analyser)); then
  expect_file "$work/default/usr/local/bin/tlsflags-check"
  expect_file "$work/default/usr/local/share/man/man1/tlsflags-check.1.gz"
  gzip -t "$work/default/usr/local/share/man/man1/tlsflags-check.1.gz" || fail "the man page is not gzip"
  [[ -x "$work/default/usr/local/bin/tlsflags-fleet" ]] || fail "missing or not executable: tlsflags-fleet"
  gzip -t "$work/default/usr/local/share/man/man1/tlsflags-fleet.1.gz" || fail "tlsflags-fleet's man page is not gzip"
fi

cmake --install "$build" --prefix "$work/prefix" >/dev/null
expect_file "$work/prefix/$plugin_rel"
expect_none "$work/prefix/usr"
if ((has_analyser)); then expect_file "$work/prefix/bin/tlsflags-check"; fi

cmake --install "$build" --prefix "$work/plugin-only" --component plugin --strip >/dev/null
expect_file "$work/plugin-only/$plugin_rel"
[[ $(find "$work/plugin-only" -type f | wc -l) -eq 1 ]] || fail "--component plugin installed more than the plugin"
if file "$work/plugin-only/$plugin_rel" | grep -q "not stripped"; then fail "--strip left the plugin unstripped"; fi

if ((has_analyser)); then
  cmake --install "$build" --prefix "$work/analyser-only" --component analyser >/dev/null
  expect_file "$work/analyser-only/bin/tlsflags-check"
  expect_file "$work/analyser-only/bin/tlsflags-fleet"
  expect_none "$work/analyser-only/$plugin_rel"
fi

((failures == 0)) || exit 1
echo "PASS: default prefix, --prefix, components and --strip install where docs/install.md says"
