#!/usr/bin/env bash
# Server CPU per request of several servers, alternating short runs of each so that a
# machine whose load comes and goes (other people's builds) disturbs all of them alike.
# The number is the shared bench's: utime+stime of the server process (read from
# /proc/PID/stat) over a wrk run, divided by the requests answered. Server pinned to
# SERVER_CPU, wrk to LOAD_CPU, 16 connections, like ../shared/bench/run_bench.sh.
#
# Usage: bench/alternate.sh CASE ROUNDS NAME='COMMAND' [NAME='COMMAND'...]
#   CASE    a, b or c: the shared bench's request (../shared/bench/requests/CASE_*.bin)
#   COMMAND a server started as `COMMAND --port N`, listening on 127.0.0.1:N/statefun
#   e.g. bench/alternate.sh a 5 floor='../shared/bench/.bench-home/target/release/raw-hyper prost' \
#            ours=target/release/bench-greeter
# Prints each server's median and all its runs (µs per request). SECS (2) is the length of
# one counted run, after a 0.5 s warm-up.
set -euo pipefail
[ $# -ge 3 ] || { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_DIR=${BENCH_DIR:-$REPO/../shared/bench}
CASE=$1 ROUNDS=$2
shift 2
FILE=$(ls "$BENCH_DIR"/requests/"$CASE"_*.bin)
PORT=${PORT:-18650} SECS=${SECS:-2} SERVER_CPU=${SERVER_CPU:-0} LOAD_CPU=${LOAD_CPU:-1}
TICK=$(getconf CLK_TCK)

load() {
    BODY_FILE=$FILE taskset -c "$LOAD_CPU" wrk -t1 -c16 -d"$1" -s "$BENCH_DIR/wrk_post.lua" \
        "http://127.0.0.1:$PORT/statefun"
}

# µs of server CPU per request for one run of COMMAND.
one_run() {
    local pid before after requests
    taskset -c "$SERVER_CPU" bash -c "exec $1 --port $PORT" >/dev/null 2>&1 &
    pid=$!
    for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.05; done
    load 0.5s >/dev/null
    before=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    requests=$(load "${SECS}s" | sed -n 's/.*"requests":\([0-9]*\).*/\1/p')
    after=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    python3 -c "import sys; a, b, t, n = map(float, sys.argv[1:]); print((a - b) * 1e6 / t / n)" \
        "$after" "$before" "$TICK" "$requests"
}

declare -A runs
for _ in $(seq "$ROUNDS"); do
    for spec in "$@"; do
        runs[${spec%%=*}]+="$(one_run "${spec#*=}") "
    done
done
for spec in "$@"; do
    name=${spec%%=*}
    python3 -c "import statistics, sys
runs = [float(x) for x in sys.argv[3].split()]
print(f'{sys.argv[1]} {sys.argv[2]:>14}: median {statistics.median(runs):7.2f} us/req  runs', ' '.join(f'{r:.2f}' for r in runs))" \
        "$CASE" "$name" "${runs[$name]}"
done
