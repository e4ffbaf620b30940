#!/usr/bin/env bash
# The runtime's instructions per message under callgrind, which load on the machine does
# not change: the difference between two runs of bench-runtime-http (64 chains of 100
# and of 600 hops, warm-up included in both) divided by the messages between them, so
# start-up and warm-up cancel out. Needs valgrind and a release build:
#
#   cargo build --release -p bench-runtime-http
#   bench/runtime-http/callgrind.sh [target/release] [port]
set -euo pipefail

bin="${1:-target/release}"
port="${2:-18556}"
out="$(mktemp -d)"
"${bin}/bench-relay" --port "${port}" &
relay=$!
trap 'kill "${relay}" 2>/dev/null; rm -rf "${out}"' EXIT
sleep 0.3

instructions() {
    valgrind --tool=callgrind --callgrind-out-file="${out}/$1.out" \
        "${bin}/bench-runtime-http" --url "http://127.0.0.1:${port}/statefun" \
        --server-pid "${relay}" --hops "$1" >/dev/null 2>"${out}/$1.err"
    grep -E '^(summary|totals):' "${out}/$1.out" | head -1 | awk '{print $2}'
}

short=$(instructions 100)
long=$(instructions 600)
echo "runtime instructions per message: $(( (long - short) / (64 * 500) ))"
