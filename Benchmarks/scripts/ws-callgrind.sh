#!/usr/bin/env bash
# WebSocket echo: user-space instructions per message in the server, counted by valgrind's callgrind
# (the same for the same binary and input, whatever else the machine does; see ../callgrind).
#
#   Benchmarks/scripts/ws-callgrind.sh          (WS_CONNECTIONS=4, WS_FEW=200, WS_MANY=2200 messages each)
#
# Runs a stripped copy of the release-built server under callgrind twice: CONNECTIONS WebSockets each
# echo FEW 32-byte text messages, then each echoes MANY (`ws-load echo-count`); startup, handshakes
# and closes cancel out in the difference:
#     instructions per message = (Ir with MANY - Ir with FEW) / (CONNECTIONS * (MANY - FEW))
# WS_KEEP=DIR keeps the callgrind.out files (for callgrind_annotate). BENCH_SCRATCH=DIR: SwiftPM scratch path.
# WS_SERVER=hummingbird would measure bench-ws-hummingbird, but valgrind crashes on its async main.
set -euo pipefail
cd "$(dirname "$0")/.."
SCRATCH=${BENCH_SCRATCH:-.build}
CONNECTIONS=${WS_CONNECTIONS:-4}
FEW=${WS_FEW:-200}
MANY=${WS_MANY:-2200}
SERVER=${WS_SERVER:-httpd}
PORT=${BENCH_PORT:-19280}
. scripts/ws-common.sh
build_products "bench-ws-$SERVER" ws-load
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cp "$BIN/bench-ws-$SERVER" "$WORK/server"
strip --strip-debug "$WORK/server"

# Prints the server's total instructions (Ir) for `messages` echoes on each connection.
measure() {
    local messages=$1
    PORT=$((PORT + 1))
    valgrind --tool=callgrind --callgrind-out-file="$WORK/out.$messages" "$WORK/server" "$PORT" >/dev/null 2>"$WORK/valgrind.$messages" &
    local pid=$!
    wait_for_port "$PORT"
    "$BIN/ws-load" echo-count "$PORT" "$CONNECTIONS" "$messages" >&2
    sleep 1
    kill -TERM "$pid"
    wait "$pid" 2>/dev/null || true
    awk '/^summary:/ {print $2}' "$WORK/out.$messages"*
}
few=$(measure "$FEW")
many=$(measure "$MANY")
if [ -n "${WS_KEEP:-}" ]; then mkdir -p "$WS_KEEP" && cp "$WORK"/out.* "$WS_KEEP"/; fi
echo "bench-ws-$SERVER: Ir $few with $FEW messages per connection, $many with $MANY ($CONNECTIONS connections):" \
    "$(( (many - few) / (CONNECTIONS * (MANY - FEW)) )) instructions per echoed message"
