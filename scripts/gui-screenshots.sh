#!/usr/bin/env bash
# Makes the GUI screenshots of docs/plugin.md with the built plugin: wireshark-qt under Xvfb, driven with
# xdotool, captured with ImageMagick's import (all Debian packages: wireshark-qt, xvfb, xdotool,
# imagemagick). Run from the top of the checkout after building the plugin (build/).
#
#   scripts/gui-screenshots.sh [PLUGIN_SO]
#
#   docs/img/plugin-verdict-filter.png  a failing connection: captures/rca-ack-without-request-rejected.pcap
#                                       filtered with tlsflags.verdict == "fail" (applied after the load,
#                                       docs/plugin.md "Passes"), frame 5 selected, its TLS Flags
#                                       connection node open
#   docs/img/plugin-statistics.png      Statistics → TLS Flags → Connections over
#                                       captures/rca-trust-anchors-shared.pcapng
set -euo pipefail
cd "$(dirname "$0")/.."
plugin=${1:-$(ls build/plugin/plugins/*/epan/tlsflags.so)}
source tests/lib/tshark_as_user.sh
stage_tshark_workdir "$plugin"

exec {display_fd}<> <(:)
Xvfb -displayfd "$display_fd" -screen 0 1280x1024x24 -nolisten tcp >/dev/null 2>&1 &
xvfb_pid=$!
trap 'kill $xvfb_pid 2>/dev/null; rm -rf "$work"' EXIT
read -r -t 20 display <&"$display_fd"
export DISPLAY=:$display

# The main window's size and panes (Wireshark's "recent" file; no byte view).
mkdir -p "$work/home/.config/wireshark"
cat >"$work/home/.config/wireshark/recent" <<'RECENT'
gui.geometry_main_x: 0
gui.geometry_main_y: 0
gui.geometry_main_width: 1100
gui.geometry_main_height: 760
gui.geometry_main_maximized: FALSE
gui.geometry_main_upper_pane: 240
gui.byte_view_show: FALSE
RECENT
# The statistics dialog's size (GeometryStateDialog keeps it by class name).
{
  grep geometry_main "$work/home/.config/wireshark/recent"
  for dialog in SimpleStatisticsDialog TapParameterDialog; do
    printf 'gui.geom.%s.x: 0\ngui.geom.%s.y: 0\ngui.geom.%s.width: 1060\ngui.geom.%s.height: 240\n' \
      "$dialog" "$dialog" "$dialog" "$dialog"
  done
} >"$work/home/.config/wireshark/recent_common"
chmod -R a+rwX "$work/home"
set_tshark_argv

# wireshark ARGS... in the background, as the tshark user; sets wireshark_pid.
start_wireshark() {
  "${as_user_argv[@]}" DISPLAY="$DISPLAY" wireshark "$@" >"$work/wireshark.log" 2>&1 &
  wireshark_pid=$!
  xdotool search --sync --name '^Wireshark|\.pcap' >/dev/null
  sleep 4  # the file loads and the window settles
}

verdict_filter() {
  local capture keys
  capture=$(stage_input captures/rca-ack-without-request-rejected.pcap)
  keys=$(stage_input captures/rca-ack-without-request-rejected.keys)
  start_wireshark -o "tls.keylog_file:$keys" -r "$capture" -g 5
  # The display filter bar (Ctrl+/), then the filter: applied now, after the first pass.
  xdotool key ctrl+slash; sleep 0.5
  xdotool type --delay 20 'tlsflags.verdict == "fail"'; xdotool key Return; sleep 2
  # The packet details: the last top-level node (6th row, 17 px each) is the TLS Flags connection; open it.
  xdotool mousemove 200 428 click 1; sleep 0.3; xdotool key Right; sleep 1
  import -window root -crop 1100x760+0+0 docs/img/plugin-verdict-filter.png
  kill "$wireshark_pid"; wait "$wireshark_pid" 2>/dev/null || true
}

statistics_dialog() {
  local capture
  capture=$(stage_input captures/rca-trust-anchors-shared.pcapng)
  start_wireshark -r "$capture" -z tlsflags,conn
  local dialog
  dialog=$(xdotool search --sync --name 'TLS Flags' | head -n 1)
  xdotool windowmove "$dialog" 0 0 windowsize "$dialog" 1150 250; sleep 1
  xdotool mousemove 500 100 click 1; sleep 1  # a row selected; the dialog repaints at its new size
  import -window root -crop 1150x250+0+0 docs/img/plugin-statistics.png
  kill "$wireshark_pid"; wait "$wireshark_pid" 2>/dev/null || true
}

verdict_filter
statistics_dialog
ls -l docs/img/plugin-verdict-filter.png docs/img/plugin-statistics.png
