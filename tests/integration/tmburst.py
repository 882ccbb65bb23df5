#!/usr/bin/env python3
"""Open many connections at once, each sending one request.

  tmburst.py PORT[,PORT...] N [--seconds S] [--hold FILE]

N connections to each port, all in flight together: each sends
"GET / HTTP/1.1" with Connection: close once connected, then reads the
response to EOF.  Prints
  ok N failed M
(ok: a complete 200 response) and one line per distinct failure reason,
then exits 0: the test reads the counts.

With --hold, each connection sends only the start of a request head and
stays open, unanswered, until FILE exists; then all close, and it prints
  held N
with N the connections still open (not closed by the server) by then.
"""

import argparse
import errno
import os
import selectors
import socket
import time

REQ = b"GET / HTTP/1.1\r\nHost: burst\r\nConnection: close\r\n\r\n"
PARTIAL = b"GET / HTTP/1.1\r\nHost: burst\r\n"


def hold(ports, n, until, seconds):
    socks = []
    for port in ports:
        for _ in range(n):
            socks.append(socket.create_connection(("127.0.0.1", port)))
            socks[-1].sendall(PARTIAL)
    deadline = time.monotonic() + seconds
    while not os.path.exists(until) and time.monotonic() < deadline:
        time.sleep(0.05)
    held = 0
    for s in socks:
        s.setblocking(False)
        try:
            s.recv(1)  # an answer or an EOF: not held
        except BlockingIOError:
            held += 1
        except OSError:
            pass
        s.close()
    print("held %d" % held)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ports")
    ap.add_argument("n", type=int)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--hold")
    a = ap.parse_args()
    if a.hold:
        hold([int(p) for p in a.ports.split(",")], a.n, a.hold, a.seconds)
        return

    sel = selectors.DefaultSelector()
    state = {}
    for port in (int(p) for p in a.ports.split(",")):
        for _ in range(a.n):
            s = socket.socket()
            s.setblocking(False)
            err = s.connect_ex(("127.0.0.1", port))
            if err not in (0, errno.EINPROGRESS):
                raise SystemExit("connect: " + os.strerror(err))
            state[s] = {"sent": False, "buf": b""}
            sel.register(s, selectors.EVENT_WRITE)
    ok, fails = 0, {}
    deadline = time.monotonic() + a.seconds

    def fail(s, why):
        fails[why] = fails.get(why, 0) + 1
        sel.unregister(s)
        s.close()
        del state[s]

    while state and time.monotonic() < deadline:
        for key, ev in sel.select(timeout=0.05):
            s = key.fileobj
            st = state[s]
            if not st["sent"]:
                err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    fail(s, "connect: " + os.strerror(err))
                    continue
                try:
                    s.send(REQ)
                except OSError as e:
                    fail(s, "send: " + e.strerror)
                    continue
                st["sent"] = True
                sel.modify(s, selectors.EVENT_READ)
                continue
            try:
                b = s.recv(65536)
            except OSError as e:
                fail(s, "recv: " + e.strerror)
                continue
            if b:
                st["buf"] += b
                continue
            if st["buf"].startswith(b"HTTP/1.1 200 ") and \
                    b"\r\n\r\n" in st["buf"]:
                ok += 1
                sel.unregister(s)
                s.close()
                del state[s]
            else:
                fail(s, "response: " + repr(st["buf"][:40]))
    for s in list(state):
        fail(s, "timed out")
    print("ok %d failed %d" % (ok, sum(fails.values())))
    for why, n in sorted(fails.items()):
        print("%d %s" % (n, why))


if __name__ == "__main__":
    main()
