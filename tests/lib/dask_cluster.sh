# A Dask cluster of real processes on 127.0.0.1 for tlsflags-fleet's tests and benchmark (docs/fleet.md):
# a `dask scheduler` on a port the kernel picks and single-threaded `dask worker` processes without
# nannies, so that each worker's PID is the process that runs its tasks. Source it, then:
#   trap stop_cluster EXIT      # always: every process started here is stopped by its PID
#   start_scheduler DIR         # sets $scheduler (tcp://127.0.0.1:PORT); logs in DIR
#   start_worker DIR NAME       # sets $worker_pid; logs in DIR/NAME.log
#   wait_for_workers DIR N      # until N workers have registered with the scheduler
# Each returns non-zero with a message on stderr when its process does not come up.
cluster_pids=()

stop_cluster() {
  local pid
  for pid in "${cluster_pids[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${cluster_pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
  done
  wait 2>/dev/null
  cluster_pids=()
}

start_scheduler() {
  local dir=$1
  rm -f "$dir/scheduler.json"
  dask scheduler --host 127.0.0.1 --port 0 --no-dashboard --scheduler-file "$dir/scheduler.json" \
    >"$dir/scheduler.log" 2>&1 &
  cluster_pids+=($!)
  for _ in $(seq 300); do [[ -s $dir/scheduler.json ]] && break; sleep 0.1; done
  [[ -s $dir/scheduler.json ]] || { echo "the Dask scheduler did not start (see $dir/scheduler.log)" >&2; return 1; }
  scheduler=$(/usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["address"])' "$dir/scheduler.json")
}

start_worker() {
  local dir=$1 name=$2
  dask worker --scheduler-file "$dir/scheduler.json" --nthreads 1 --no-nanny --no-dashboard --name "$name" \
    --local-directory "$dir/$name" >"$dir/$name.log" 2>&1 &
  worker_pid=$!
  cluster_pids+=("$worker_pid")
}

wait_for_workers() {
  local dir=$1 count=$2
  for _ in $(seq 600); do
    (($(grep -c "Register worker" "$dir/scheduler.log") >= count)) && return 0
    sleep 0.1
  done
  echo "$count Dask workers did not register (see $dir/*.log)" >&2
  return 1
}
