# Sourced by tests that run the real tshark with the freshly built plugin.
#
# As root, tshark ignores WIRESHARK_PLUGIN_DIR and the personal plugin dir (it treats uid 0 as
# privileged; shared/notes/wireshark-4.0-plugin.md), and CI runs as root. So: stage the plugin in a
# private plugin dir and run tshark as nobody (setpriv) or in a user namespace (unshare -U).
#
#   wireshark_abi                    prints the major.minor of the tshark on PATH (its plugin folder)
#   stage_tshark_workdir PLUGIN      sets $work (world-readable temp dir, removed on exit) with the plugin
#   stage_input FILE                 copies FILE into $work and prints the copy's path
#   run_tshark ARGS...               runs tshark with the staged plugin

# Wireshark loads plugins from plugins/<major.minor>/epan only (docs/plugin.md "Wireshark versions").
wireshark_abi() {
  tshark --version | sed -n '1s/^TShark (Wireshark) \([0-9]*\.[0-9]*\).*/\1/p'
}

stage_tshark_workdir() {
  local abi
  abi=$(wireshark_abi)
  [[ -n $abi ]] || { echo "cannot tell tshark's version from 'tshark --version'" >&2; exit 2; }
  work=$(mktemp -d /tmp/tlsflags-tshark.XXXXXX)
  trap 'rm -rf "$work"' EXIT
  mkdir -p "$work/home" "$work/plugins/$abi/epan"
  cp "$1" "$work/plugins/$abi/epan/tlsflags.so"
  chmod -R a+rwX "$work"
}

stage_input() {
  cp "$1" "$work/"
  chmod a+r "$work/$(basename "$1")"
  echo "$work/$(basename "$1")"
}

run_tshark() {
  local env_vars=(HOME="$work/home" WIRESHARK_PLUGIN_DIR="$work/plugins" LC_ALL=C.UTF-8 TZ=UTC PATH="$PATH")
  if [[ $(id -u) -ne 0 ]]; then
    env -i "${env_vars[@]}" tshark "$@"
  elif command -v setpriv >/dev/null; then
    setpriv --reuid=65534 --regid=65534 --clear-groups env -i "${env_vars[@]}" tshark "$@"
  else
    unshare -U env -i "${env_vars[@]}" tshark "$@"
  fi
}
