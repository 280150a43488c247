#!/usr/bin/env python3
"""Sends a fixed number of keep-alive GET requests on one connection and reads every response.

Used by Benchmarks/callgrind, where the count must be exact (wrk runs for a time, not a count).
--depth 1 sends one request at a time (the plaintext scenario's pattern); --depth 16 sends
batches of 16 in one write (the pipelined scenario's). With --count 0 it only connects and closes.
Waits up to --wait seconds for the server to accept a connection first. --tls speaks HTTPS (the
certificate is not checked: the server is on loopback with a throw-away one).
"""
import argparse
import os
import socket
import ssl
import sys
import time


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--depth", type=int, default=1)
    p.add_argument("--path", default="/plaintext")
    p.add_argument("--wait", type=float, default=120.0)
    p.add_argument("--pid", type=int, help="give up waiting if this process (the server) exits")
    p.add_argument("--tls", action="store_true", help="HTTPS: a TLS handshake after connecting")
    a = p.parse_args()

    deadline = time.monotonic() + a.wait
    while True:
        try:
            s = socket.create_connection(("127.0.0.1", a.port), timeout=30)
            break
        except OSError:
            if a.pid and not alive(a.pid):
                print("requests.py: the server exited before accepting a connection", file=sys.stderr)
                return 1
            if time.monotonic() > deadline:
                print("requests.py: server did not accept a connection", file=sys.stderr)
                return 1
            time.sleep(0.2)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if a.tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        s = context.wrap_socket(s, server_hostname="localhost")
    one = f"GET {a.path} HTTP/1.1\r\nHost: 127.0.0.1:{a.port}\r\n\r\n".encode()
    sent = done = 0
    buf = b""
    while done < a.count:
        batch = min(a.depth, a.count - sent)
        s.sendall(one * batch)
        sent += batch
        while done < sent:
            # Parse as many complete responses as the buffer holds.
            while True:
                end = buf.find(b"\r\n\r\n")
                if end < 0:
                    break
                head = buf[:end]
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value.strip())
                if len(buf) < end + 4 + length:
                    break
                if not head.startswith(b"HTTP/1.1 200"):
                    print("requests.py: unexpected response: %r" % head[:80], file=sys.stderr)
                    return 1
                buf = buf[end + 4 + length:]
                done += 1
            if done < sent:
                chunk = s.recv(65536)
                if not chunk:
                    print(f"requests.py: connection closed after {done} responses", file=sys.stderr)
                    return 1
                buf += chunk
    s.close()
    print(f"requests.py: {done} responses", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
