#!/usr/bin/env python3
"""Idle keep-alive connections: the server's memory per open connection.

Opens COUNT connections to 127.0.0.1:PORT, sends one `GET PATH` on each and reads its whole
response, keeping every connection open. With all of them idle, it reads the server's resident
memory again and prints one line:

    IDLE opened=N answered=N failed=N rss_before_kib=N rss_after_kib=N per_conn_bytes=N hwm_kib=N seconds=S

The server's memory is read from /proc/PID/status (VmRSS) before the first connection and after
the last response plus a settling pause. Bounded in time: gives up after --timeout seconds.
"""
import argparse
import errno
import resource
import selectors
import socket
import sys
import time


def status_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} for pid {pid}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--pid", type=int, required=True, help="the server process to measure")
    p.add_argument("--count", type=int, default=10000)
    p.add_argument("--path", default="/plaintext")
    p.add_argument("--in-flight", type=int, default=256, help="connections opening at once")
    p.add_argument("--settle", type=float, default=2.0, help="seconds idle before measuring")
    p.add_argument("--timeout", type=float, default=60.0)
    a = p.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = a.count + 100
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))

    request = f"GET {a.path} HTTP/1.1\r\nHost: 127.0.0.1:{a.port}\r\n\r\n".encode()
    sel = selectors.DefaultSelector()
    before = status_kib(a.pid, "VmRSS")
    start = time.monotonic()
    deadline = start + a.timeout

    opened = answered = failed = 0
    pending = 0  # connecting or waiting for the response
    idle = []  # answered connections, kept open
    bufs = {}

    def open_one():
        nonlocal opened, pending, failed
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        err = s.connect_ex(("127.0.0.1", a.port))
        if err not in (0, errno.EINPROGRESS):
            failed += 1
            s.close()
            return
        opened += 1
        pending += 1
        bufs[s] = b""
        sel.register(s, selectors.EVENT_WRITE, "connect")

    def finished(data):
        head, sep, body = data.partition(b"\r\n\r\n")
        if not sep:
            return False
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        return len(body) >= length

    while (answered + failed < a.count) and time.monotonic() < deadline:
        while opened + failed < a.count and pending < a.in_flight:
            open_one()
        for key, events in sel.select(timeout=0.5):
            s = key.fileobj
            if key.data == "connect":
                err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    sel.unregister(s); s.close(); del bufs[s]
                    pending -= 1; failed += 1; opened -= 1
                    continue
                s.send(request)
                sel.modify(s, selectors.EVENT_READ, "read")
            else:
                try:
                    chunk = s.recv(65536)
                except OSError:
                    chunk = b""
                if not chunk:
                    sel.unregister(s); s.close(); del bufs[s]
                    pending -= 1; failed += 1
                    continue
                bufs[s] += chunk
                if finished(bufs[s]):
                    if not bufs[s].startswith(b"HTTP/1.1 200"):
                        failed += 1
                    else:
                        answered += 1
                    sel.unregister(s)
                    del bufs[s]
                    pending -= 1
                    idle.append(s)

    elapsed = time.monotonic() - start
    time.sleep(a.settle)
    # A connection the server closed while idle would show here as readable at EOF.
    closed = 0
    probe = selectors.DefaultSelector()
    for s in idle:
        probe.register(s, selectors.EVENT_READ)
    for key, _ in probe.select(timeout=0):
        try:
            if key.fileobj.recv(1, socket.MSG_PEEK) == b"":
                closed += 1
        except OSError:
            closed += 1
    after = status_kib(a.pid, "VmRSS")
    hwm = status_kib(a.pid, "VmHWM")
    held = len(idle) - closed
    per_conn = (after - before) * 1024 / held if held else 0
    print(f"IDLE opened={opened} answered={answered} failed={failed + closed} held={held} "
          f"rss_before_kib={before} rss_after_kib={after} per_conn_bytes={per_conn:.0f} "
          f"hwm_kib={hwm} seconds={elapsed:.2f}", flush=True)
    for s in idle:
        s.close()
    for s in list(bufs):
        s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
