#!/usr/bin/python3
# askstatus SOCKET SECONDS INTERVAL_MS [held]: tuninetd's status request
# over its control socket, a new connection each (as tuninetctl does),
# again INTERVAL_MS after each answer, for SECONDS; per answer prints
# "second ms": the second since the first request, and how long the
# answer took. With held, the first answer must show the watch up with
# its one connection open (exit 1 otherwise).
import socket
import sys
import time

path, secs, interval = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
held = len(sys.argv) > 4 and sys.argv[4] == "held"


def ask():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    t0 = time.perf_counter()
    s.connect(path)
    s.sendall(b'{"command":"status"}\n')
    buf = b''
    while not buf.endswith(b'\n'):
        d = s.recv(65536)
        if not d:
            break
        buf += d
    t1 = time.perf_counter()
    s.close()
    return buf, (t1 - t0) * 1000


reply, _ = ask()
if held and (b'"state":"up"' not in reply or b'"connections":1' not in reply):
    sys.exit("not held up: " + reply.decode()[:300])
start = time.perf_counter()
while time.perf_counter() - start < secs:
    t = time.perf_counter() - start
    print(int(t), "%.3f" % ask()[1])
    time.sleep(interval / 1000)
