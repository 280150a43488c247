# Shared by the WebSocket measurements (live.sh, ws-callgrind.sh, ws-cpu.sh): sourced, not run.

# Builds the release products named (in the SwiftPM scratch path $SCRATCH) and sets BIN to their folder.
build_products() {
    for product in "$@"; do
        swift build -c release --scratch-path "$SCRATCH" --product "$product" 2>&1 | tail -1 >&2
    done
    BIN=$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)
}

# Returns once something listens on 127.0.0.1 port $1; fails after a minute.
wait_for_port() {
    for _ in $(seq 1 600); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.1
    done
    echo "nothing listens on $1" >&2
    return 1
}
