#!/usr/bin/env bash
# Benchmarks/scripts/upload-file.sh: a streamed upload of SIZE_GIB (4) GiB that the server writes to a
# file, for bench-httpd and bench-hummingbird side by side: the upload's rate and the server's peak RSS.
#
#   Benchmarks/scripts/upload-file.sh BIN_DIR [SIZE_GIB] [ROUNDS]      (BIN_DIR: the release build's bin path)
#
# The client is curl streaming a sparse file (`-T`: read as it is sent, never held in memory) as a
# POST with a Content-Length, to /upload-file on each server: swift-httpd's `request.writeBody(toFile:)`,
# Hummingbird's `FileIO.writeFile(contents: request.body)`. Each server runs pinned to core 0 and
# curl to core 1 (when there are two). The files go to a directory on disk and are removed after
# each upload (the source is read once first). Prints one line per server and round: bytes, seconds, MiB/s, peak RSS (VmHWM).
set -euo pipefail
BIN=$1; SIZE=${2:-4}; ROUNDS=${3:-2}; PORT=${UPLOAD_PORT:-19580}
DIR=$(mktemp -d "${UPLOAD_DIR:-/var/tmp}/upload-bench.XXXXXX")
PID=""
trap '[ -n "$PID" ] && kill $PID 2>/dev/null; rm -rf "$DIR"' EXIT
truncate -s "${SIZE}G" "$DIR/source.bin"
# Read once before measuring: the first read of the sparse file fills the page cache (gigabytes of
# zeroed pages), which made whichever upload came first several times slower.
cat "$DIR/source.bin" >/dev/null
mkdir "$DIR/files"
PIN_SERVER=(); PIN_CLIENT=()
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then PIN_SERVER=(taskset -c 0); PIN_CLIENT=(taskset -c 1); fi
for round in $(seq "$ROUNDS"); do
    for server in httpd hummingbird; do
        "${PIN_SERVER[@]}" "$BIN/bench-$server" "$PORT" "$DIR/files" >/dev/null 2>&1 &
        PID=$!
        for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.1; done
        result=$("${PIN_CLIENT[@]}" curl -s -X POST -H 'Expect:' -H 'Content-Type: application/octet-stream' \
            -T "$DIR/source.bin" -w ' %{size_upload} %{time_total}' "http://127.0.0.1:$PORT/upload-file")
        peak=$(awk '/VmHWM/ {print $2}' /proc/$PID/status)
        kill $PID; wait $PID 2>/dev/null || true; PID=""
        read -r answer sent seconds <<<"$result"
        mib=$(python3 -c "print(round($sent / $seconds / 1048576))")
        echo "round $round $server: answered $answer, sent $sent bytes in $seconds s = $mib MiB/s, peak RSS $((peak / 1024)) MiB"
        PORT=$((PORT + 1))
    done
done
