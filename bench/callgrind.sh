#!/usr/bin/env bash
# Instructions per request, counted by callgrind: repeatable on a busy machine, where the
# shared bench's CPU times are not. Two measurements:
#
#   core  the handler alone (decode -> dispatch -> encode) on the bench's 1/10/100
#         invocation requests: bench-greeter's examples/handle_loop, 2000 (200) rounds
#         minus a run of 0 rounds; then the same greeter on the same requests in the
#         StateFun 2.x protocol.
#   http  bench-greeter under callgrind, loaded by wrk (16 connections) with the shared
#         bench's requests a, b, c: 2 s warm-up, counters zeroed, 4 s counted, divided
#         by the requests wrk completed. The requests are read from REQUESTS_DIR
#         (default ../shared/bench/requests, written by any run of bench/compare.sh;
#         or write them anywhere with `python3 ../shared/bench/gen_requests.py --out DIR`).
#         With FLOOR=1 the bench's rust-prost floor (FLOOR_BIN, default the binary
#         bench/compare.sh builds; or `cargo build --release` of ../shared/bench/raw-hyper)
#         is measured the same way, for comparison.
#
# Usage: bench/callgrind.sh [core] [http]      (both by default)
#        REQUESTS_DIR=DIR FLOOR=1 FLOOR_BIN=PATH bench/callgrind.sh http
# Builds a release profile with line tables into target/callgrind; outputs and logs go to
# target/callgrind/out. Needs valgrind (apt-get install valgrind) and wrk.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_DIR=${BENCH_DIR:-$REPO/../shared/bench}
REQUESTS_DIR=${REQUESTS_DIR:-$BENCH_DIR/requests}
FLOOR_BIN=${FLOOR_BIN:-$BENCH_DIR/.bench-home/target/release/raw-hyper}
WHAT=${*:-core http}
export CARGO_TARGET_DIR=$REPO/target/callgrind
OUT=$CARGO_TARGET_DIR/out
mkdir -p "$OUT"
cd "$REPO"
CARGO_PROFILE_RELEASE_DEBUG=line-tables-only \
    cargo build -q --release --locked -p bench-greeter --bins --examples

collected() { sed -n 's/.*Collected : \([0-9]*\).*/\1/p'; }

if [[ $WHAT == *core* ]]; then
    loop=$CARGO_TARGET_DIR/release/examples/handle_loop
    for n in 1 10 100; do
        rounds=$(( n == 100 ? 200 : 2000 ))
        base=$(valgrind --tool=callgrind --callgrind-out-file="$OUT/core.$n.0" "$loop" "$n" 0 2>&1 | collected)
        full=$(valgrind --tool=callgrind --callgrind-out-file="$OUT/core.$n" "$loop" "$n" "$rounds" 2>&1 | collected)
        echo "core  $n invocations: $(( (full - base) / rounds )) instructions per request"
        base=$(valgrind --tool=callgrind --callgrind-out-file="$OUT/core-v2.$n.0" "$loop" "$n" 0 v2 2>&1 | collected)
        full=$(valgrind --tool=callgrind --callgrind-out-file="$OUT/core-v2.$n" "$loop" "$n" "$rounds" v2 2>&1 | collected)
        echo "core  $n invocations, 2.x protocol: $(( (full - base) / rounds )) instructions per request"
    done
fi

# http NAME COMMAND...: instructions per request of a server under wrk, per case.
http() {
    local name=$1 port=18500 case file n ir vg
    shift
    for case in a b c; do
        file=$(ls "$REQUESTS_DIR"/"$case"_*.bin)
        valgrind --tool=callgrind --callgrind-out-file="$OUT/http.$name.$case" \
            "$@" --port $port >"$OUT/http.$name.$case.log" 2>&1 &
        vg=$!
        for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
        BODY_FILE=$file wrk -t1 -c16 -d2s -s "$BENCH_DIR/wrk_post.lua" "http://127.0.0.1:$port/statefun" >/dev/null
        callgrind_control -z $vg >/dev/null 2>&1
        n=$(BODY_FILE=$file wrk -t1 -c16 -d4s -s "$BENCH_DIR/wrk_post.lua" "http://127.0.0.1:$port/statefun" |
            sed -n 's/.*"requests":\([0-9]*\).*/\1/p')
        callgrind_control -d $vg >/dev/null 2>&1
        sleep 0.5
        kill -INT $vg
        wait $vg || true
        ir=$(sed -n 's/^summary: //p' "$OUT/http.$name.$case.1")
        echo "http  $name case $case: $(( ir / n )) instructions per request ($n requests)"
    done
}

if [[ $WHAT == *http* ]]; then
    [ -d "$REQUESTS_DIR" ] || {
        echo "no $REQUESTS_DIR: run bench/compare.sh once, or gen_requests.py --out DIR and set REQUESTS_DIR" >&2
        exit 2
    }
    if [ "${FLOOR:-0}" = 1 ] && [ ! -x "$FLOOR_BIN" ]; then
        echo "FLOOR=1 but no floor binary at $FLOOR_BIN: set FLOOR_BIN" >&2
        exit 2
    fi
    http statefun-rs "$CARGO_TARGET_DIR/release/bench-greeter"
    if [ "${FLOOR:-0}" = 1 ]; then
        http rust-prost "$FLOOR_BIN" prost
    fi
fi
