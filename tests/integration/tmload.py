#!/usr/bin/env python3
"""A bounded load generator for the reload and crash tests.

  tmload.py PORT PATH BODY_FILE[,BODY_FILE...] [options]

Keep-alive clients (--ka N) loop on persistent connections; close clients
(--close M) open a connection per request.  Every response must be a 200
whose body equals one of the BODY_FILEs.  A response with "Connection:
close" makes a keep-alive client reconnect, as HTTP says it must; there is
no other retry: a reset, an early close or a wrong body is a failure.
Runs until the file --until exists or --seconds pass, then prints
  ok N failed M
and one line per distinct failure reason.  Exit status 0 even on failures:
the test reads the counts.
"""

import argparse
import os
import socket
import sys
import threading
import time


def read_response(s, buf):
    """(status, headers dict, body, rest) or raise."""
    while b"\r\n\r\n" not in buf:
        b = s.recv(65536)
        if not b:
            raise EOFError("closed before the head" if not buf else
                           "closed in the head")
        buf += b
    head, _, rest = bytes(buf).partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ")[1])
    hdrs = {}
    for ln in lines[1:]:
        k, _, v = ln.partition(b":")
        hdrs[k.strip().lower()] = v.strip()
    clen = int(hdrs.get(b"content-length", b"0"))
    body = bytearray(rest)
    while len(body) < clen:
        b = s.recv(65536)
        if not b:
            raise EOFError("closed in the body")
        body += b
    return status, hdrs, bytes(body[:clen]), bytearray(body[clen:])


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.ok = 0
        self.failed = 0
        self.reasons = {}

    def good(self):
        with self.lock:
            self.ok += 1

    def bad(self, why):
        with self.lock:
            self.failed += 1
            self.reasons[why] = self.reasons.get(why, 0) + 1


def client(a, bodies, stats, keepalive, stop):
    req = ("GET %s HTTP/1.1\r\nHost: test\r\n%s\r\n" % (
        a.path, "" if keepalive else "Connection: close\r\n")).encode()
    s = None
    buf = bytearray()
    while not stop():
        try:
            if s is None:
                s = socket.create_connection(("127.0.0.1", a.port),
                                             timeout=10)
                buf = bytearray()
            s.sendall(req)
            status, hdrs, body, buf = read_response(s, buf)
            if status != 200:
                stats.bad("status %d" % status)
            elif body not in bodies:
                stats.bad("wrong body (%d bytes)" % len(body))
            else:
                stats.good()
            if not keepalive or hdrs.get(b"connection", b"").lower() == \
                    b"close":
                s.close()
                s = None
        except (OSError, EOFError, ValueError, IndexError) as e:
            stats.bad(type(e).__name__ + ": " + str(e).split(":")[0])
            if s is not None:
                s.close()
            s = None
            time.sleep(0.01)
    if s is not None:
        s.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("port", type=int)
    p.add_argument("path")
    p.add_argument("bodies")
    p.add_argument("--ka", type=int, default=4)
    p.add_argument("--close", type=int, default=2)
    p.add_argument("--seconds", type=float, default=60)
    p.add_argument("--until", default="stop.load")
    a = p.parse_args()
    bodies = []
    for f in a.bodies.split(","):
        with open(f, "rb") as fh:
            bodies.append(fh.read())
    stats = Stats()
    end = time.time() + a.seconds

    def stop():
        return time.time() > end or os.path.exists(a.until)

    ts = [threading.Thread(target=client, args=(a, bodies, stats, True, stop))
          for _ in range(a.ka)]
    ts += [threading.Thread(target=client,
                            args=(a, bodies, stats, False, stop))
           for _ in range(a.close)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    print("ok %d failed %d" % (stats.ok, stats.failed))
    for r, n in sorted(stats.reasons.items()):
        print("%d %s" % (n, r))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
