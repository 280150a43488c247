#!/usr/bin/env bash
# WebSocket echo: the server's CPU time per message, user and system apart (utime and stime from
# /proc/PID/stat), which depends far less on what else the machine runs than messages per second.
#
#   Benchmarks/scripts/ws-cpu.sh          (WS_CONNECTIONS=64, WS_MESSAGES=3000 each, WS_RUNS=3)
#
# The release-built server is pinned to CPU 0 and `ws-load echo-count` to CPU 1; each connection
# echoes MESSAGES 32-byte text messages one at a time. Per message = the server's CPU time during the
# load run (handshakes and closes included: a few hundred of the CONNECTIONS * MESSAGES) / the echoes.
# WS_SERVER=hummingbird measures bench-ws-hummingbird; WS_BINARY=FILE a server binary built
# elsewhere (an older commit's, to compare). BENCH_SCRATCH=DIR: SwiftPM scratch path.
set -euo pipefail
cd "$(dirname "$0")/.."
SCRATCH=${BENCH_SCRATCH:-.build}
CONNECTIONS=${WS_CONNECTIONS:-64}
MESSAGES=${WS_MESSAGES:-3000}
RUNS=${WS_RUNS:-3}
SERVER=${WS_SERVER:-httpd}
PORT=${BENCH_PORT:-19380}
. scripts/ws-common.sh
build_products "bench-ws-$SERVER" ws-load
SERVER_BINARY=${WS_BINARY:-$BIN/bench-ws-$SERVER}
TICKS=$(getconf CLK_TCK)

# utime and stime of process $1, in clock ticks (fields 14 and 15 of /proc/PID/stat, after the
# parenthesised command name).
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12, $13}'; }

for run in $(seq 1 "$RUNS"); do
    PORT=$((PORT + 1))
    taskset -c 0 "$SERVER_BINARY" "$PORT" >/dev/null 2>&1 &
    pid=$!
    wait_for_port "$PORT"
    read -r user0 system0 < <(cpu_ticks "$pid")
    echoes=$(taskset -c 1 "$BIN/ws-load" echo-count "$PORT" "$CONNECTIONS" "$MESSAGES" | awk '/echoes/ {print $2}')
    read -r user1 system1 < <(cpu_ticks "$pid")
    kill -TERM "$pid"
    wait "$pid" 2>/dev/null || true
    awk -v u=$((user1 - user0)) -v s=$((system1 - system0)) -v n="$echoes" -v t="$TICKS" -v r="$run" 'BEGIN {
        printf "'"$(basename "$SERVER_BINARY")"' run %d: %d echoes, %.2f us user + %.2f us system = %.2f us CPU per message\n",
            r, n, u / t / n * 1e6, s / t / n * 1e6, (u + s) / t / n * 1e6 }'
done
