#!/usr/bin/env python3
"""The floor under scripts/upload-file.sh: the least work a server can do to store an upload.

One thread, no framework: accept one connection, skip the request head, then read the socket into
one reused buffer of READ_BYTES and write each read straight to a file in DIR (or throw the bytes
away with --discard), answer 200 and exit. Whatever a real server adds (HTTP parsing, an event
loop, a thread pool) can only make the upload slower than this, so a server cannot be faster than
this loop by more than the ratio between the two.

    taskset -c 0 Benchmarks/scripts/upload-floor.py PORT DIR [READ_BYTES] [--discard] &
    taskset -c 1 curl -s -X POST -H 'Expect:' -T 4g.bin -w '%{time_total}\\n' http://127.0.0.1:PORT/
"""
import os
import socket
import sys

args = [a for a in sys.argv[1:] if not a.startswith("--")]
discard = "--discard" in sys.argv
port, directory = int(args[0]), args[1]
read_bytes = int(args[2]) if len(args) > 2 else 1 << 20

listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", port))
listener.listen(1)
connection, _ = listener.accept()

path = os.path.join(directory, "upload-floor.bin")
file = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
buffer = bytearray(read_bytes)
view = memoryview(buffer)

head = b""
while b"\r\n\r\n" not in head:
    head += connection.recv(65536)
end = head.index(b"\r\n\r\n") + 4
length = int([line.split(b":", 1)[1] for line in head[:end].split(b"\r\n")
              if line.lower().startswith(b"content-length:")][0])
first = head[end:]
if not discard:
    os.write(file, first)
left = length - len(first)
while left > 0:
    count = connection.recv_into(buffer, min(read_bytes, left))
    if count == 0:
        break
    if not discard:
        os.write(file, view[:count])
    left -= count
os.close(file)
os.unlink(path)
connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n")
connection.close()
