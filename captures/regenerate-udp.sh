#!/usr/bin/env bash
# Regenerates the QUIC and DTLS captures of the catalogue (scenario column "udp:NAME") with
# tlsflags-quic-gen, which needs OpenSSL 3.5's QUIC server API: it is built and run in a Debian 13 root
# (scripts/wireshark-root.sh trixie; an existing root may be given). Run as root (chroot, mounts).
#
# Usage: captures/regenerate-udp.sh [ROOT [NAME...]]   (default ROOT: build-roots/trixie; NAMEs: only
#        those captures, without extension)
# The relay in tlsflags-quic-gen records every datagram between the real OpenSSL client and server; reruns
# give the same handshake messages and behaviour, with other keys, randoms and connection IDs. The
# datagrams themselves may differ: OpenSSL's QUIC stack sometimes sends one more client datagram (an
# ACK-only packet), which moves later frame numbers by one, so review an expected output's frames after
# regenerating.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source_dir=$(dirname "$here")
root=${1:-$source_dir/build-roots/trixie}
only=" ${*:2} "
[ -d "$root/usr" ] || "$source_dir/scripts/wireshark-root.sh" trixie "$root"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# shellcheck source=captures/in-root.sh
source "$here/in-root.sh"

in_root "cd /mnt/captures/gen/src && g++ -std=c++20 -O1 -Wall -Wextra -Werror -o /tmp/tlsflags-quic-gen \
  quic_gen.cpp quic_packetizer.cpp quic_reprotect.cpp record_protection.cpp pki.cpp flags.cpp capture_file.cpp -lssl -lcrypto"
count=0
while IFS=$'\t' read -r file scenario _rest; do
  case "$scenario" in udp:*) ;; *) continue ;; esac
  name=${file%.*}
  [ "$only" = "  " ] || [[ "$only" == *" $name "* ]] || continue
  in_root "cd /tmp && ./tlsflags-quic-gen --scenario ${scenario#udp:} --out /tmp/$name" >/dev/null
  rm -f "$here/$name.pcap" "$here/$name.pcapng" "$here/$name.keys"
  cp "$work/$name".* "$here/"
  count=$((count + 1))
done < "$here/catalogue.tsv"
echo "regenerated $count QUIC and DTLS captures in $here"
