#!/usr/bin/env bash
# Builds bench-greeter (release) and runs the shared StateFun benchmark with it as an extra
# server, `statefun-rs`, beside the built-in ones; prints the table.
#
# Usage (from anywhere; paths resolve against this repository):
#   bench/compare.sh [run_bench.sh arguments...]
#   DURATION=2 REPS=1 bench/compare.sh                      # smoke run
#   bench/compare.sh --only py311-fork,rust-prost           # fewer built-ins
#
# The bench's knobs (DURATION, REPS, WARMUP, CONNS, SERVER_CPU, LOAD_CPU, CASES, ...) pass
# through the environment. The shared bench folder is expected beside the repository
# (../shared/bench); BENCH_DIR overrides that.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_DIR=${BENCH_DIR:-$REPO/../shared/bench}
RUN_BENCH=$BENCH_DIR/run_bench.sh
[ -x "$RUN_BENCH" ] || { echo "compare.sh: $RUN_BENCH not found (set BENCH_DIR)" >&2; exit 2; }

cd "$REPO"
cargo build --release --locked -p bench-greeter
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps |
    sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
BIN=${TARGET_DIR:-$REPO/target}/release/bench-greeter
[ -x "$BIN" ] || { echo "compare.sh: $BIN was not built" >&2; exit 2; }

# run_bench.sh runs the command pinned to the server core through `bash -c`, which execs a
# plain command line, so the measured PID is bench-greeter itself.
exec "$RUN_BENCH" --server "statefun-rs=$(printf %q "$BIN") --port {port}" "$@"
