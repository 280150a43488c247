#!/usr/bin/env bash
# Benchmarks/scripts/tls-file-rss.sh: peak RSS of httpd while CLIENTS curl clients download one large
# file over TLS at once (files over TLS are read in chunks, not sent with sendfile).
#
#   Benchmarks/scripts/tls-file-rss.sh HTTPD_BINARY [SIZE_MIB] [CLIENTS]     (256 MiB, 32 clients)
#
# Uses the committed test certificate on 127.0.0.1:18444; prints VmHWM (the process's peak RSS) before
# and after, and the time the downloads took.
set -euo pipefail
BIN=$1; SIZE=${2:-256}; CLIENTS=${3:-32}; PORT=${TLS_RSS_PORT:-18444}
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
FIX="$ROOT/Tests/HTTPDTests/TLS/Fixtures"
DIR=$(mktemp -d); trap 'kill $PID 2>/dev/null || true; rm -rf "$DIR"' EXIT
dd if=/dev/urandom of="$DIR/big.bin" bs=1M count="$SIZE" status=none
"$BIN" --root "$DIR" --tls-cert "$FIX/server-ec.pem" --tls-key "$FIX/server-ec-key.pem" \
    --address "127.0.0.1:$PORT" --log-level warning --response-timeout 600 >/dev/null &
PID=$!
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.2; done
curl -s --cacert "$FIX/ca.pem" -o /dev/null "https://localhost:$PORT/big.bin"  # warm-up
echo "after one download: $(grep VmHWM /proc/$PID/status)"
START=$(date +%s.%N)
for _ in $(seq "$CLIENTS"); do
    curl -s --cacert "$FIX/ca.pem" -o /dev/null -w '%{size_download}\n' "https://localhost:$PORT/big.bin" >>"$DIR/sizes" &
done
wait $(jobs -p | grep -v "^$PID$") 2>/dev/null || true
while [ "$(wc -l <"$DIR/sizes")" -lt "$CLIENTS" ]; do sleep 0.5; done
END=$(date +%s.%N)
echo "$CLIENTS clients x $SIZE MiB over TLS: $(sort -u "$DIR/sizes" | tr '\n' ' ')bytes each, $(python3 -c "print(round($END-$START,1))") s"
echo "peak: $(grep VmHWM /proc/$PID/status)"
