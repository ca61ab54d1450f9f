#!/usr/bin/env bash
# Regenerates the catalogue captures whose scenario is "trixie:NAME" (certificate compression, RFC 8879)
# with tlsflags-gen built against Debian 13's OpenSSL 3.5 (Debian 12's OpenSSL 3.0 has no certificate
# compression), in a Debian 13 root (scripts/wireshark-root.sh trixie; an existing root may be given).
# The generator is built with -DTLSGEN_CAPTURE_RECODE and Debian's zlib, brotli and zstd, which the
# capture-only re-encoding of the client's Certificate needs (captures/README.md). Run as root.
#
# Usage: captures/regenerate-trixie.sh [ROOT]     (default ROOT: build-roots/trixie)
# Reruns give the same packets, timestamps and behaviour; only keys, randoms and compressed bytes of
# the fresh certificates differ.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source_dir=$(dirname "$here")
root=${1:-$source_dir/build-roots/trixie}
[ -d "$root/usr" ] || "$source_dir/scripts/wireshark-root.sh" trixie "$root"
for header in brotli/encode.h zstd.h zlib.h; do
  [ -f "$root/usr/include/$header" ] || { echo "regenerate-trixie: $root lacks $header (libbrotli-dev, libzstd-dev, zlib1g-dev)" >&2; exit 1; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# shellcheck source=captures/in-root.sh
source "$here/in-root.sh"

in_root "cd /mnt/captures/gen/src && g++ -std=c++20 -O1 -Wall -Wextra -Werror -DTLSGEN_CAPTURE_RECODE \
  -o /tmp/tlsflags-gen main.cpp flags.cpp pki.cpp scenarios.cpp endpoints.cpp conversation.cpp \
  wire_rewrite.cpp record_protection.cpp rewrite.cpp capture_recode.cpp tcp_trace.cpp packets.cpp \
  capture_file.cpp upgrade.cpp -lssl -lcrypto -lz -lbrotlienc -lzstd"
count=0
while IFS=$'\t' read -r file scenario options _rest; do
  case "$scenario" in trixie:*) ;; *) continue ;; esac
  name=${file%.*}
  format=pcap
  case "$file" in *.pcapng) format=pcapng ;; esac
  [ "$options" = - ] && options=""
  in_root "cd /tmp && ./tlsflags-gen --scenario ${scenario#trixie:} --out /tmp/$name --format $format $options" >/dev/null
  rm -f "$here/$name.pcap" "$here/$name.pcapng" "$here/$name.keys"
  cp "$work/$name".* "$here/"
  count=$((count + 1))
done < "$here/catalogue.tsv"
echo "regenerated $count OpenSSL 3.5 captures in $here"
