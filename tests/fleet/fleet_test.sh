#!/usr/bin/env bash
# tlsflags-fleet on a real Dask cluster on 127.0.0.1 (docs/fleet.md): a `dask scheduler` and two
# `dask worker` processes, started here and always stopped (trap); the fleet's report must be byte for
# byte what one tlsflags-check -j 2 run over the same captures writes, also when a worker is killed by
# its PID in the middle of a task.
#   fleet_test.sh CASE TLSFLAGS_CHECK TLSFLAGS_FLEET CAPTURES_DIR WORK_DIR
# Skipped (77) without Debian's python3-distributed (scripts/install-deps.sh installs it).
set -uo pipefail
unset SSLKEYLOGFILE
case_name=$1 check=$2 fleet=$3 captures=$4 work=$5/$1
rm -rf "$work" && mkdir -p "$work/tmp" || exit 1
export LC_ALL=C TMPDIR=$work/tmp  # the fleet reports captures in name order (bytes); so do these globs

/usr/bin/python3 -c 'import distributed' 2>/dev/null || { echo "python3-distributed is not installed: skipped"; exit 77; }
command -v dask >/dev/null || { echo "no dask command: skipped"; exit 77; }
# shellcheck source=../lib/dask_cluster.sh
source "$(dirname "$0")/../lib/dask_cluster.sh"
trap stop_cluster EXIT
cd "$work" || exit 1

fail() { echo "FAIL: $*" >&2; for f in err fleet.err scheduler.log w1.log w2.log; do [[ -s $f ]] && { echo "--- $f" >&2; tail -n 30 "$f" >&2; }; done; exit 1; }
same() { cmp -s "$1" "$2" || { diff "$1" "$2" | head -20 >&2; fail "$1 and $2 differ"; }; }

# The scheduler and two workers; $worker1 and $worker2 are their PIDs.
start_cluster() {
  start_scheduler "$work" || fail "no scheduler"
  start_worker "$work" w1; worker1=$worker_pid
  start_worker "$work" w2; worker2=$worker_pid
  wait_for_workers "$work" 2 || fail "no workers"
}

catalogue=("$captures"/*.pcap "$captures"/*.pcapng)
mapfile -t catalogue < <(printf '%s\n' "${catalogue[@]}" | sort)
keys=()
for k in "$captures"/*.keys; do keys+=(-k "$k"); done

# variants N: N gzip-compressed copies of each catalogue capture under generated/, each with its own
# name inside the gzip header, so each is a capture of its own content (the merge counts a content once).
variants() {
  mkdir -p generated
  local n capture base
  for n in $(seq "$1"); do
    for capture in "${catalogue[@]}"; do
      base=generated/v$n-$(basename "$capture")
      cp "$capture" "$base" && gzip -f "$base"
    done
  done
  mapfile -t generated < <(printf '%s\n' generated/*.gz | sort)
}

# tlsflags-check's diagnostics, each once, as one run says them; Dask may add its own warnings (a worker
# lost, a connection retried under load), which are not compared.
same_diagnostics() {
  grep '^tlsflags-' fleet.err >fleet.diagnostics
  grep '^tlsflags-' single.err >single.diagnostics
  same single.diagnostics fleet.diagnostics
}

fleet_options=()  # tlsflags-fleet's own options for compare
# compare OPTIONS... -- CAPTURES...: the fleet and one tlsflags-check -j 2 run, stdout, stderr and exit
# status; JSON Lines is compared whole, and sorted as well (the issue's contract: lines in any order).
compare() {
  local options=() status_fleet status_single
  while [[ $1 != -- ]]; do options+=("$1"); shift; done
  shift
  "$fleet" --scheduler "$scheduler" --check "$check" "${fleet_options[@]}" "${options[@]}" "$@" >fleet.out 2>fleet.err
  status_fleet=$?
  "$check" -j 2 "${options[@]}" "$@" >single.out 2>single.err
  status_single=$?
  [[ $status_fleet -eq $status_single ]] || fail "fleet exit status $status_fleet, one run's $status_single"
  sort fleet.out >fleet.sorted && sort single.out >single.sorted && same single.sorted fleet.sorted
  same single.out fleet.out
  same_diagnostics
  [[ -s single.out ]] || fail "empty report"
}

case $case_name in
catalogue)
  start_cluster
  compare -f jsonl --by-server "${keys[@]}" -- "${catalogue[@]}"
  grep -q '"rule":"rca.server.trust-anchors-shared"' fleet.out || fail "the cross-capture finding is missing"
  compare -f text --by-server "${keys[@]}" -- "${catalogue[@]}"
  compare -f sarif "${keys[@]}" -- "${catalogue[@]}" ;;
many-files)
  variants 4
  [[ ${#generated[@]} -ge 250 ]] || fail "only ${#generated[@]} generated captures"
  start_cluster
  compare -f jsonl --by-server "${keys[@]}" -- "${generated[@]}"
  grep -q '"type":"summary","files":'"${#generated[@]}"',' fleet.out || fail "not every capture counted"
  # Several captures per task: the same report.
  fleet_options=(--batch 7)
  compare -f jsonl --by-server "${keys[@]}" -- "${generated[@]}" ;;
worker-killed)
  # --check is a wrapper that logs which worker runs which capture and takes a little longer, so that a
  # worker is killed (SIGKILL, by its PID) while it runs a task: the scheduler gives that task to the
  # other worker, and the report is still the one-machine report, nothing lost or counted twice.
  variants 1
  cat >slow-check <<WRAPPER
#!/usr/bin/env bash
capture=\${!#}
echo "start \$PPID \$capture" >>"$work/tasks.log"
"$check" "\$@"; status=\$?
sleep 0.15
echo "end \$PPID \$capture" >>"$work/tasks.log"
exit \$status
WRAPPER
  chmod +x slow-check
  start_cluster
  "$check" -j 2 -f jsonl --by-server "${keys[@]}" "${generated[@]}" >single.out 2>single.err
  status_single=$?
  "$fleet" --scheduler "$scheduler" --check "$work/slow-check" -f jsonl --by-server "${keys[@]}" "${generated[@]}" \
    >fleet.out 2>fleet.err &
  fleet_pid=$!
  for _ in $(seq 600); do
    [[ $(grep -c "^start $worker1 " tasks.log 2>/dev/null) -ge 5 ]] && \
      [[ $(tail -n 1 < <(grep " $worker1 " tasks.log)) == start* ]] && break
    sleep 0.02
  done
  in_flight=$(grep " $worker1 " tasks.log | tail -n 1)
  [[ $in_flight == start* ]] || fail "worker 1 never ran a task to kill it in"
  kill -9 "$worker1"
  wait "$fleet_pid"; status_fleet=$?
  [[ $status_fleet -eq $status_single ]] || fail "fleet exit status $status_fleet, one run's $status_single"
  same single.out fleet.out
  same_diagnostics
  lost=${in_flight##* }
  grep -q "^end $worker2 $lost\$" tasks.log || fail "$lost, in flight on the killed worker, was not run again"
  grep -q "^start $worker1 " <(sed -n "/^start $worker1 ${lost//\//\\/}\$/,\$p" tasks.log | tail -n +2) \
    && fail "worker 1 ran tasks after it was killed" ;;
unreadable)
  # A capture that is missing and one that is no capture: both named on stderr, exit status 2, every
  # other capture still reported, exactly as one run says it.
  printf 'not a capture\n' >junk.pcap
  start_cluster
  compare -f jsonl --by-server "${keys[@]}" -- "${catalogue[@]:0:8}" junk.pcap missing.pcap
  grep -q "missing.pcap" fleet.err || fail "the missing capture is not named"
  grep -q "junk.pcap" fleet.err || fail "the junk capture is not named" ;;
usage)
  # No cluster: the scheduler cannot be reached (a free port nothing listens on) -> 2, said clearly.
  port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$fleet" --scheduler "tcp://127.0.0.1:$port" --timeout 2 --check "$check" "${catalogue[0]}" >fleet.out 2>fleet.err
  [[ $? -eq 2 ]] || fail "unreachable scheduler: exit status 2 expected"
  grep -q "cannot reach the scheduler" fleet.err || fail "no clear error for the scheduler"
  "$fleet" --scheduler "tcp://127.0.0.1:$port" >fleet.out 2>fleet.err
  [[ $? -eq 2 ]] || fail "no CAPTURE: exit status 2 expected"
  "$fleet" --help >fleet.out 2>fleet.err || fail "--help"
  for option in --scheduler --check --batch -k --by-server -f -o --retries CAPTURE; do
    grep -qF -- "$option" fleet.out || fail "--help lacks $option"
  done ;;
*)
  echo "unknown case $case_name" >&2; exit 1 ;;
esac
exit 0
