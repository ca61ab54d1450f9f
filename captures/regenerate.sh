#!/usr/bin/env bash
# Regenerates every generated capture of the catalogue (captures/catalogue.tsv) with tlsflags-gen:
# NAME.pcap + NAME.keys, or NAME.pcapng with the keys in a Decryption Secrets Block.
# The captures recorded on loopback (scenario "recorded") come from record-loopback.sh instead.
#
# Usage: captures/regenerate.sh [BUILD_DIR]     (default BUILD_DIR: build-gen beside captures/)
# Builds tlsflags-gen in BUILD_DIR first (configuring it when needed). Reruns give the same packets,
# timestamps and behaviour; only the TLS randoms, keys and certificates' keys differ.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
source_dir=$(dirname "$here")
build=${1:-$source_dir/build-gen}
case "$build" in /*) ;; *) build=$PWD/$build ;; esac

if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$source_dir" -B "$build" -G Ninja -DTLSFLAGS_BUILD_PLUGIN=OFF -DTLSFLAGS_BUILD_ANALYSER=OFF \
        -DTLSFLAGS_BUILD_TESTS=OFF -DTLSFLAGS_BUILD_GEN=ON
fi
cmake --build "$build" --target tlsflags-gen -j 2
generator=$build/captures/gen/tlsflags-gen

count=0
while IFS=$'\t' read -r file scenario options _rest; do
  case "$file" in ''|'#'*) continue ;; esac
  [ "$scenario" = recorded ] && continue
  case "$scenario" in udp:*|trixie:*) continue ;; esac  # regenerate-udp.sh, regenerate-trixie.sh (OpenSSL 3.5)
  format=pcap
  case "$file" in *.pcapng) format=pcapng ;; esac
  base=$here/${file%.*}
  rm -f "$base.pcap" "$base.pcapng" "$base.keys"
  # shellcheck disable=SC2086  # options are words from the catalogue
  "$generator" --scenario "$scenario" --out "$base" --format $format $( [ "$options" = - ] || echo $options ) >/dev/null
  count=$((count + 1))
done < "$here/catalogue.tsv"
echo "regenerated $count captures in $here"
