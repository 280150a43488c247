#!/usr/bin/env bash
# WebSocket echo and Server-Sent Events, measured (issue 14):
#   1. WebSocket echo messages/s with 64 connections, swift-httpd and Hummingbird (HummingbirdWebSocket)
#      in turn, each server pinned to CPU 0 and the load client (ws-load) to CPU 1, twice each;
#   2. 10,000 open event streams against bench-ws-httpd: its RSS before and while they are held,
#      and the RSS per stream.
#
#   Benchmarks/scripts/live.sh            (LIVE_SECONDS=10 LIVE_CONNECTIONS=64 LIVE_STREAMS=10000)
#   BENCH_SCRATCH=.build-me Benchmarks/scripts/live.sh    # another SwiftPM scratch path
set -euo pipefail
cd "$(dirname "$0")/.."
SCRATCH=${BENCH_SCRATCH:-.build}
SECONDS_PER_RUN=${LIVE_SECONDS:-10}
CONNECTIONS=${LIVE_CONNECTIONS:-64}
STREAMS=${LIVE_STREAMS:-10000}
PORT=${LIVE_PORT:-19080}

. scripts/ws-common.sh
build_products bench-ws-httpd bench-ws-hummingbird ws-load
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }

echo "| server | run | messages/s (64 connections, 32-byte text, echo) |"
echo "|---|---|---|"
for run in 1 2; do
    for server in httpd hummingbird; do
        PORT=$((PORT + 1))
        taskset -c 0 "$BIN/bench-ws-$server" "$PORT" >/dev/null 2>&1 &
        pid=$!
        wait_for_port "$PORT"
        rate=$(taskset -c 1 "$BIN/ws-load" echo "$PORT" "$CONNECTIONS" "$SECONDS_PER_RUN" | awk '/messages/ {print $2}')
        kill "$pid"; wait "$pid" 2>/dev/null || true
        echo "| $server | $run | $rate |"
    done
done

PORT=$((PORT + 1))
taskset -c 0 "$BIN/bench-ws-httpd" "$PORT" >/dev/null 2>&1 &
pid=$!
wait_for_port "$PORT"
sleep 1
before=$(rss_kib "$pid")
fifo=$(mktemp -u)
mkfifo "$fifo"
taskset -c 1 "$BIN/ws-load" sse "$PORT" "$STREAMS" 60 >"$fifo" &
load=$!
read -r line <"$fifo"
sleep 2
held=$(rss_kib "$pid")
kill "$load" 2>/dev/null || true; wait "$load" 2>/dev/null || true
kill "$pid"; wait "$pid" 2>/dev/null || true
rm -f "$fifo"
echo
echo "event streams: $line; server RSS $before KiB before, $held KiB held: $(( (held - before) * 1024 / STREAMS )) bytes per stream"
