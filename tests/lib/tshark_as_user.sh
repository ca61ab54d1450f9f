# shellcheck shell=bash
# Sourced by everything that runs the real tshark with the freshly built plugin (tests and bench/run.sh):
# the one place that knows how to run a program as another user and what that user can reach.
#
# As root, tshark ignores WIRESHARK_PLUGIN_DIR and the personal plugin dir (it treats uid 0 as
# privileged; shared/notes/wireshark-4.0-plugin.md), and CI runs as root. So: stage the plugin in a
# private plugin dir and run tshark as nobody (setpriv) or in a user namespace (unshare -U). Nobody
# cannot reach a checkout under a mode 0700 folder (/root, or any private parent): whatever tshark reads
# is staged in a world-readable temporary dir first (stage_input, reachable_input), never read in place
# from the build tree.
#
#   wireshark_abi                    prints the major.minor of the tshark on PATH (its plugin folder)
#   stage_tshark_workdir PLUGIN      sets $work (world-readable temp dir, removed on exit) with the plugin
#                                    under plugins/<major.minor>/epan and a HOME of its own
#   stage_input FILE                 copies FILE into $work and prints the copy's path
#   reachable_input FILE             prints FILE's path if the user can read it where it is, else stages
#                                    it (stage_input): for inputs too big to copy every time (bench)
#   set_tshark_argv                  sets the array tshark_argv: the command that runs tshark as the user,
#                                    with the staged plugin and a clean environment (for a caller that
#                                    needs an argv: timeout, bench-measure), and as_user_argv: the same
#                                    without tshark
#   as_tshark_user COMMAND...        runs COMMAND as that user, in that environment
#   run_tshark ARGS...               runs tshark with the staged plugin (as_tshark_user tshark ARGS...)

# Wireshark loads plugins from plugins/<major.minor>/epan only (docs/plugin.md "Wireshark versions").
wireshark_abi() {
  tshark --version 2>/dev/null | sed -n '1s/^TShark (Wireshark) \([0-9]*\.[0-9]*\).*/\1/p'
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

reachable_input() {
  local path
  path=$(realpath "$1")
  if as_tshark_user test -r "$path"; then echo "$path"; else stage_input "$path"; fi
}

# The user: as root, nobody (setpriv), or root's unprivileged stand-in in a new user namespace (there it
# is uid 65534 too, so tshark honours WIRESHARK_PLUGIN_DIR); otherwise the user running this. Sets
# as_user_argv (the user and the environment) and tshark_argv (the same, then tshark).
set_tshark_argv() {
  as_user_argv=(env -i HOME="$work/home" WIRESHARK_PLUGIN_DIR="$work/plugins" LC_ALL=C.UTF-8 TZ=UTC PATH="$PATH")
  if [[ $(id -u) -eq 0 ]]; then
    if command -v setpriv >/dev/null; then
      as_user_argv=(setpriv --reuid=65534 --regid=65534 --clear-groups "${as_user_argv[@]}")
    else
      as_user_argv=(unshare -U "${as_user_argv[@]}")
    fi
  fi
  tshark_argv=("${as_user_argv[@]}" tshark)
}

as_tshark_user() {
  # shellcheck disable=SC2034  # tshark_argv: set by set_tshark_argv, local so as not to touch the caller's
  local as_user_argv tshark_argv
  set_tshark_argv
  "${as_user_argv[@]}" "$@"
}

run_tshark() {
  as_tshark_user tshark "$@"
}
