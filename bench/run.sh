#!/usr/bin/env bash
# The tlsflags-check benchmark against tshark (4.0 on Debian 12) with the tlsflags plugin (docs/performance.md).
#
#   bench/run.sh [--quick] [--runs N] [--tshark-runs N] [--no-tshark] [--build-dir DIR] [--work-dir DIR]
#
# Generates three workloads of real OpenSSL 3 connections into the work dir (bench/work, gitignored;
# reused while the generator and its parameters are unchanged) and measures, best of N runs:
#   W1 handshake-heavy: many interleaved TLS 1.3 handshakes, each with its own secrets, key log given
#   W2 bulk: a few connections carrying >= 1 GiB of HTTP/1.1 responses in 16 KiB records, key log given
#   W3 many files: small pcapng captures (secrets in DSBs), tlsflags-check -j 2 against -j 1
#   W4 QUIC handshakes: the catalogue's real OpenSSL 3.5 QUIC connection (quic-echo-pass) repeated,
#      key log given (bench/quic_workload.py)
# with tshark + plugin (-Y tlsflags), tlsflags-check --format jsonl, and (W2) a bare libpcap read loop.
# It fails loudly when the analyser's verdict counts differ from what the generated mix implies
# (captures/catalogue.tsv gives each scenario's verdict) or when -j 2 and -j 1 outputs differ.
# --quick: tiny workloads and one run (the `bench` ctest).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
build_dir=$repo/build-bench
work_dir=$repo/bench/work
quick=0 runs=3 tshark_runs= use_tshark=1
while (($#)); do
  case $1 in
    --quick) quick=1 ;;
    --runs) runs=$2; shift ;;
    --tshark-runs) tshark_runs=$2; shift ;;
    --no-tshark) use_tshark=0 ;;
    --build-dir) build_dir=$2; shift ;;
    --work-dir) work_dir=$2; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

if ((quick)); then
  w1_connections=300 w3_files=20 w2_bytes=$((16 << 20)) w4_connections=100 runs=1
else
  w1_connections=20000 w3_files=240 w2_bytes=$((1 << 30)) w4_connections=20000
fi
w1_spacing_us=10      # a handshake lasts ~4 ms of capture time: several hundred open at once
w2_connections=4
tshark_runs=${tshark_runs:-$runs}

fail() { echo "run.sh: FAIL: $*" >&2; exit 1; }
note() { echo "== $*" >&2; }

# ---- tools ------------------------------------------------------------------------------------------

# tshark runs with the built plugin as an unprivileged user, as in the plugin tests: the plugin, its HOME
# and the inputs it cannot reach where they are (a checkout under /root) are staged by this helper.
# shellcheck source=../tests/lib/tshark_as_user.sh
source "$repo/tests/lib/tshark_as_user.sh"
if ((use_tshark)) && ! command -v tshark >/dev/null; then
  note "tshark not found: tshark columns skipped"
  use_tshark=0
fi

targets=(tlsflags-check tlsflags-bench-gen pcap-read-loop bench-measure)
((use_tshark)) && targets+=(tlsflags_plugin)
check=$build_dir/analyser/cli/tlsflags-check
gen=$build_dir/bench/tlsflags-bench-gen
read_loop=$build_dir/bench/pcap-read-loop
measure_tool=$build_dir/bench/bench-measure
plugin=
((use_tshark)) && plugin=$build_dir/plugin/plugins/$(wireshark_abi)/epan/tlsflags.so
if [[ ! -x $check || ! -x $gen || ! -x $read_loop || ! -x $measure_tool ]] || ((use_tshark)) && [[ ! -f $plugin ]]; then
  note "building ${targets[*]} in $build_dir (Release)"
  [[ -f $build_dir/build.ninja ]] ||
    cmake -S "$repo" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  ninja -C "$build_dir" -j"$(nproc)" "${targets[@]}" >/dev/null
fi

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
mkdir -p "$work_dir/out"
chmod a+rx "$work_dir" "$work_dir/out"

# ---- workloads (cached) -----------------------------------------------------------------------------

# Regenerates a workload only when the generator binary or its arguments changed.
generate() {
  local name=$1; shift
  local stamp=$work_dir/$name.stamp
  local key
  key=$( (sha256sum "$gen" | cut -d' ' -f1; echo "$*") | sha256sum | cut -d' ' -f1)
  if [[ -f $stamp && $(cat "$stamp") == "$key" ]]; then
    note "$name: cached in $work_dir"
    return
  fi
  rm -f "$stamp"
  note "$name: generating ($*)"
  local started=$SECONDS
  "$gen" "$@" >&2
  echo "$key" >"$stamp"
  note "$name: generated in $((SECONDS - started)) s"
}

generate handshakes handshakes --out "$work_dir" --connections "$w1_connections" --spacing-us "$w1_spacing_us" \
  --files "$w3_files" --threads "$(nproc)"
generate bulk bulk --out "$work_dir" --bytes "$w2_bytes" --connections "$w2_connections"
w4=$work_dir/w4.pcap w4_keys=$repo/captures/quic-echo-pass.keys
w4_stamp="$w4_connections $(sha256sum "$repo/captures/quic-echo-pass.pcap" | cut -d' ' -f1)"
if [[ ! -f $w4 || $(cat "$work_dir/w4.stamp" 2>/dev/null) != "$w4_stamp" ]]; then
  note "w4: writing $w4_connections QUIC connections"
  python3 "$repo/bench/quic_workload.py" "$repo/captures/quic-echo-pass.pcap" "$w4_connections" "$w4"
  echo "$w4_stamp" >"$work_dir/w4.stamp"
fi
chmod -R a+rX "$work_dir"  # tshark runs as nobody: it reads them in place where it can reach them
w3_captures=("$work_dir"/w3/capture-*.pcapng)

# ---- measuring ----------------------------------------------------------------------------------------

declare -A wall cpu rss
# measure KEY RUNS OUTPUT COMMAND...: the best (lowest) wall time and, independently, the best CPU time
# (user + sys) of RUNS runs, and the peak RSS over all runs. On a shared machine the CPU time is the
# steadier figure of a one-thread program; wall time is what -j is judged by. A command that exits with
# 2 or more (1 = "a connection failed") fails the bench.
measure() {
  local key=$1 count=$2 output=$3; shift 3
  local best_wall= best_cpu= peak=0 line w u s r status c
  for ((i = 1; i <= count; ++i)); do
    line=$("$measure_tool" "$output" -- "$@")
    read -r w u s r status <<<"$line"
    ((status < 2)) || fail "$key: '$*' exited with status $status"
    c=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.4f", u + s }')
    if [[ -z $best_wall ]] || awk -v a="$w" -v b="$best_wall" 'BEGIN { exit !(a < b) }'; then best_wall=$w; fi
    if [[ -z $best_cpu ]] || awk -v a="$c" -v b="$best_cpu" 'BEGIN { exit !(a < b) }'; then best_cpu=$c; fi
    ((r > peak)) && peak=$r
  done
  wall[$key]=$best_wall cpu[$key]=$best_cpu rss[$key]=$peak
  note "$key: best of $count: ${best_wall} s wall, ${best_cpu} s CPU, peak RSS $((peak / 1024)) MiB"
}

# As root tshark ignores WIRESHARK_PLUGIN_DIR (shared/notes/wireshark-4.0-plugin.md): it runs as nobody,
# with the plugin and a HOME staged in a temporary dir, and reads the workloads and key logs where they
# are when it can reach them, else copies staged beside the plugin (reachable_input).
if ((use_tshark)); then
  stage_tshark_workdir "$plugin"
  set_tshark_argv
  tshark_command=("${tshark_argv[@]}")
fi

# ---- checks ---------------------------------------------------------------------------------------------

# The verdict counts a mix file (scenario TAB connections) implies, from the catalogue's verdict of the
# scenario's capture made with default options: {"fail":N,...} sorted by key.
expected_verdicts() {
  awk -F'\t' '
    FNR == NR { if ($1 !~ /^#/ && $3 == "-" && $5 == "-" && !($2 in verdict)) verdict[$2] = $4; next }
    { if (!($1 in verdict)) { print "no catalogue verdict for " $1 > "/dev/stderr"; exit 1 }
      count[verdict[$1]] += $2 }
    END { for (v in count) print v "\t" count[v] }' "$repo/captures/catalogue.tsv" "$1" |
    jq -Rn '[inputs | split("\t") | {(.[0]): (.[1] | tonumber)}] | add | to_entries | map(select(.value > 0)) | sort_by(.key) | from_entries' -c
}

actual_verdicts() {
  jq -c 'select(.type == "summary") | .verdicts | to_entries | map(select(.value > 0)) | sort_by(.key) | from_entries' "$1"
}

check_verdicts() {
  local name=$1 mix=$2 output=$3 expected actual
  expected=$(expected_verdicts "$mix")
  actual=$(actual_verdicts "$output")
  [[ $expected == "$actual" ]] || fail "$name verdicts: expected $expected, tlsflags-check reported $actual"
  note "$name verdicts as expected: $actual"
}

info() { awk -F'\t' -v k="$2" '$1 == k { print $2 }' "$1"; }

# ---- W1 -------------------------------------------------------------------------------------------------

out=$work_dir/out
w1=$work_dir/w1.pcap w1_keys=$work_dir/w1.keys
measure w1.check "$runs" "$out/w1.check.jsonl" "$check" --format jsonl -k "$w1_keys" "$w1"
check_verdicts W1 "$work_dir/w1.mix.tsv" "$out/w1.check.jsonl"
if ((use_tshark)); then
  measure w1.tshark "$tshark_runs" "$out/w1.tshark.txt" "${tshark_command[@]}" -r "$(reachable_input "$w1")" \
    -o "tls.keylog_file:$(reachable_input "$w1_keys")" -Y tlsflags
  [[ -s $out/w1.tshark.txt ]] || fail "tshark found no tlsflags packets in W1 (plugin not loaded?)"
fi

# ---- W2 -------------------------------------------------------------------------------------------------

w2=$work_dir/w2.pcap w2_keys=$work_dir/w2.keys
measure w2.libpcap "$runs" "$out/w2.libpcap.txt" "$read_loop" "$w2"
measure w2.check "$runs" "$out/w2.check.jsonl" "$check" --format jsonl -k "$w2_keys" "$w2"
printf 'rca-echo-pass\t%s\n' "$w2_connections" >"$out/w2.mix.tsv"
check_verdicts W2 "$out/w2.mix.tsv" "$out/w2.check.jsonl"
if ((use_tshark)); then
  measure w2.tshark "$tshark_runs" "$out/w2.tshark.txt" "${tshark_command[@]}" -r "$(reachable_input "$w2")" \
    -o "tls.keylog_file:$(reachable_input "$w2_keys")" -Y tlsflags
  [[ -s $out/w2.tshark.txt ]] || fail "tshark found no tlsflags packets in W2"
fi

# ---- W3 -------------------------------------------------------------------------------------------------

measure w3.check-j1 "$runs" "$out/w3.j1.jsonl" "$check" --format jsonl -j 1 "${w3_captures[@]}"
measure w3.check-j2 "$runs" "$out/w3.j2.jsonl" "$check" --format jsonl -j 2 "${w3_captures[@]}"
cmp -s "$out/w3.j1.jsonl" "$out/w3.j2.jsonl" || fail "W3: -j 2 output differs from -j 1 (diff $out/w3.j1.jsonl $out/w3.j2.jsonl)"
check_verdicts W3 "$work_dir/w1.mix.tsv" "$out/w3.j1.jsonl"
if ((use_tshark)); then
  tshark_w3_captures=()
  for capture in "${w3_captures[@]}"; do tshark_w3_captures+=("$(reachable_input "$capture")"); done
  # One tshark per file, as a user would run it; tshark's start-up is part of its cost per file.
  measure w3.tshark "$tshark_runs" "$out/w3.tshark.txt" bash -c \
    'tshark=("${@:1:$1}"); shift $(($1 + 1)); for f; do "${tshark[@]:1}" -r "$f" -Y tlsflags || exit 2; done' \
    _ $((${#tshark_command[@]} + 1)) "${tshark_command[@]}" -- "${tshark_w3_captures[@]}"
fi

# ---- W4 -------------------------------------------------------------------------------------------------

measure w4.check "$runs" "$out/w4.check.jsonl" "$check" --format jsonl -k "$w4_keys" "$w4"
printf 'udp:quic-echo-pass\t%s\n' "$w4_connections" >"$out/w4.mix.tsv"
check_verdicts W4 "$out/w4.mix.tsv" "$out/w4.check.jsonl"

# ---- report -----------------------------------------------------------------------------------------------

w1_connections_made=$(info "$work_dir/w1.info" connections)
w1_bytes=$(stat -c %s "$w1") w2_bytes_file=$(stat -c %s "$w2")
w3_bytes=$(cat "${w3_captures[@]}" | wc -c)
have() { [[ -n ${wall[$1]:-} ]]; }
div() { awk -v a="$1" -v b="$2" -v f="$3" 'BEGIN { printf f, a / b }'; }
# "wall (CPU)" seconds, ratios, rates.
secs() { have "$1" && echo "${wall[$1]} (${cpu[$1]})" || echo "-"; }
ratio() { have "$1" && have "$2" && echo "$(div "${wall[$1]}" "${wall[$2]}" %.1f)× ($(div "${cpu[$1]}" "${cpu[$2]}" %.1f)×)" || echo "-"; }
mbps() { have "$2" && echo "$(div "$1" "${wall[$2]}e6" %.0f) ($(div "$1" "${cpu[$2]}e6" %.0f))" || echo "-"; }
per_s() { have "$2" && echo "$(div "$1" "${wall[$2]}" %.0f) ($(div "$1" "${cpu[$2]}" %.0f))" || echo "-"; }
mib() { have "$1" && echo "$((rss[$1] / 1024))" || echo "-"; }

results=$work_dir/results.md
{
  echo "Times in seconds: best wall (best CPU = user + sys). Rates and ratios: by wall (by CPU)."
  echo
  echo "| workload | size | tshark + plugin | tlsflags-check | tshark / check | check MB/s | handshakes/s | peak RSS check / tshark (MiB) | libpcap loop (MB/s) |"
  echo "|---|---|---|---|---|---|---|---|---|"
  echo "| W1 handshakes | $w1_connections_made conn, $((w1_bytes >> 20)) MiB | $(secs w1.tshark) | $(secs w1.check) | $(ratio w1.tshark w1.check) | $(mbps "$w1_bytes" w1.check) | $(per_s "$w1_connections_made" w1.check); tshark $(per_s "$w1_connections_made" w1.tshark) | $(mib w1.check) / $(mib w1.tshark) | - |"
  echo "| W2 bulk | $w2_connections conn, $((w2_bytes_file >> 20)) MiB | $(secs w2.tshark) | $(secs w2.check) | $(ratio w2.tshark w2.check) | $(mbps "$w2_bytes_file" w2.check); tshark $(mbps "$w2_bytes_file" w2.tshark) | - | $(mib w2.check) / $(mib w2.tshark) | $(secs w2.libpcap): $(mbps "$w2_bytes_file" w2.libpcap) |"
  echo "| W3 files, -j 1 | ${#w3_captures[@]} files, $((w3_bytes >> 20)) MiB | $(secs w3.tshark) | $(secs w3.check-j1) | $(ratio w3.tshark w3.check-j1) | $(mbps "$w3_bytes" w3.check-j1) | $(per_s "$w1_connections_made" w3.check-j1) | $(mib w3.check-j1) / $(mib w3.tshark) | - |"
  echo "| W3 files, -j 2 | same | - | $(secs w3.check-j2) | -j 1 / -j 2: $(ratio w3.check-j1 w3.check-j2) | $(mbps "$w3_bytes" w3.check-j2) | $(per_s "$w1_connections_made" w3.check-j2) | $(mib w3.check-j2) | - |"
  echo "| W4 QUIC handshakes | $w4_connections conn, $(($(stat -c %s "$w4") >> 20)) MiB | - | $(secs w4.check) | - | $(mbps "$(stat -c %s "$w4")" w4.check) | $(per_s "$w4_connections" w4.check) | $(mib w4.check) | - |"
} >"$results"

target() {  # target TEXT VALUE MINIMUM
  if awk -v a="$2" -v b="$3" 'BEGIN { exit !(a >= b) }'; then echo "  met:    $1"; else echo "  MISSED: $1"; fi
}
{
  echo
  echo "targets (one-thread figures by CPU time, -j by wall time):"
  have w1.tshark && target "W1 tlsflags-check >= 20x faster than tshark: $(ratio w1.tshark w1.check)" \
    "$(div "${cpu[w1.tshark]}" "${cpu[w1.check]}" %f)" 20
  target "W1 >= 50,000 handshakes/s on one core: $(per_s "$w1_connections_made" w1.check)" \
    "$(div "$w1_connections_made" "${cpu[w1.check]}" %f)" 50000
  have w2.tshark && target "W2 tlsflags-check >= 100x faster than tshark: $(ratio w2.tshark w2.check)" \
    "$(div "${cpu[w2.tshark]}" "${cpu[w2.check]}" %f)" 100
  target "W2 >= 50% of the libpcap loop's bytes/s: $(div "${wall[w2.libpcap]}" "${wall[w2.check]}e-2" %.0f)% ($(div "${cpu[w2.libpcap]}" "${cpu[w2.check]}e-2" %.0f)%)" \
    "$(div "${cpu[w2.libpcap]}" "${cpu[w2.check]}" %f)" 0.5
  target "W2 peak RSS <= 64 MiB: $(mib w2.check) MiB" 65536 "${rss[w2.check]}"
  target "W3 -j 2 >= 1.8x faster than -j 1: $(ratio w3.check-j1 w3.check-j2)" \
    "$(div "${wall[w3.check-j1]}" "${wall[w3.check-j2]}" %f)" 1.8
} >>"$results"

echo
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $(tshark --version 2>/dev/null | head -1 || echo 'no tshark')"
echo "load average before: $load_before; after: $(cut -d' ' -f1-3 /proc/loadavg) (above $(nproc), wall times are inflated by other work)"
echo "runs: best of $runs (tshark: $tshark_runs); W1 peak open connections: $(info "$work_dir/w1.info" peak_open)"
cat "$results"
echo "verdict checks: passed (W1, W2, W3, W4); W3 -j 2 output identical to -j 1"
