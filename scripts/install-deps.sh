#!/usr/bin/env bash
# Installs everything tlsflags builds and tests with, from Debian 12's packages (run as root).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer for it (wireshark-4.0-plugin.md).
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
packages=(
  build-essential cmake ninja-build pkg-config
  libwireshark-dev wireshark-dev tshark
  libpcap-dev libglib2.0-dev libssl-dev zlib1g-dev
  # RFC 8879 certificate decompression (analyser/compress): zlib above, brotli and zstd.
  libbrotli-dev libzstd-dev
  catch2 nlohmann-json3-dev libcli11-dev libxml2-dev jq
  openssl util-linux man-db python3 iproute2
  # tlsflags-fleet and its tests (docs/fleet.md): Dask distributed, its scheduler and workers.
  python3-distributed python3-dask
  # The plugin's GUI tests (e2e.plugin-vs-analyser-gui.*: wireshark-qt under Xvfb) and
  # scripts/gui-screenshots.sh (xdotool, ImageMagick's import).
  wireshark-qt xvfb xdotool imagemagick
  # The fuzz build (docs/reliability.md): clang with libFuzzer and the sanitizer runtimes; llvm-14 for
  # llvm-symbolizer, so that a sanitizer report in CI names functions and lines.
  clang-14 libclang-rt-14-dev llvm-14
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
