#!/usr/bin/env python3
"""A small HTTP/1.1 test client for tamarin's integration tests.

curl cannot send malformed requests, hold hundreds of idle connections or
trickle bytes; this can.  Standard library only.

  raw PORT DATA          send DATA (Python escapes: \\r \\n \\x00), print
                         everything received until EOF or --timeout;
                         --elapsed FILE writes the ms from connect to then
  split PORT DATA N      the same, N bytes per send, --delay between
                         (0: back to back); --slow MS prints "[slow]"
                         when it all took longer than MS ms
  hold PORT N            open N keep-alive connections, one request each,
                         print their local ports, keep them until the
                         file named by --until exists (or --timeout)
  slowloris PORT N       N connections each sending one header byte every
                         --interval s; print how many the server closed
  slowread PORT PATH     read a response at --rate bytes/s through a
                         --rcvbuf (4096) receive buffer, print the
                         body's sha256
  get PORT PATH          one request on a fresh connection; print status
  req PORT TARGET        one request with Connection: close (-X METHOD,
                         --vhost HOST, -H "Name: value"...), printed as
                         with --mask-date --eof, for exact comparisons
  upload PORT DATA N     send DATA, then N bytes of body, all before
                         reading; then print what arrived, as raw does
                         ("[reset while sending]" when a send failed)
  steps PORT DATA...     send each DATA in turn; after each, print
                         "[step N]" and what arrived until --gap s (1) of
                         silence (after the last: until EOF or --timeout)

Options for raw, split and steps:
  --mask-date            print each well-formed "Date: <IMF-fixdate>"
                         header as "Date: (date)", so outputs compare
                         exactly; a malformed Date stays as it came
  --eof                  end the output with "[closed]" (the server
                         closed), "[reset]" or "[open]" (--timeout of
                         silence)
  --nagle                leave Nagle's algorithm on (no TCP_NODELAY), as
                         some clients do
"""

import argparse
import hashlib
import os
import re
import select
import socket
import sys
import time


def unescape(s):
    return s.encode("latin-1").decode("unicode_escape").encode("latin-1")


NAGLE = False


def connect(port, host="127.0.0.1", timeout=5.0):
    s = socket.create_connection((host, port), timeout=timeout)
    if not NAGLE:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_until(s, timeout):
    """Everything until EOF, a reset, or `timeout` seconds of silence;
    returns (bytes, how) with how "closed", "reset" or "open"."""
    out = bytearray()
    s.settimeout(timeout)
    while True:
        try:
            b = s.recv(65536)
        except socket.timeout:
            return bytes(out), "open"
        except ConnectionResetError:
            return bytes(out), "reset"
        if not b:
            return bytes(out), "closed"
        out += b


def read_all(s, timeout):
    """Everything until EOF, a reset, or `timeout` seconds of silence."""
    return read_until(s, timeout)[0]


DATE_RE = re.compile(rb"\r\nDate: (?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-3][0-9] "
                     rb"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                     rb"[0-9]{4} [0-2][0-9]:[0-5][0-9]:[0-6][0-9] GMT\r\n")


def emit(a, data, how=None):
    """Print received bytes, as the global options ask."""
    if a.mask_date:
        data = DATE_RE.sub(b"\r\nDate: (date)\r\n", data)
    sys.stdout.buffer.write(data)
    if a.eof and how is not None:
        sys.stdout.buffer.write(b"[" + how.encode() + b"]\n")
    sys.stdout.buffer.flush()


def read_response(s):
    """One response with a Content-Length body; returns (status, body)."""
    buf = bytearray()
    while b"\r\n\r\n" not in buf:
        b = s.recv(65536)
        if not b:
            raise EOFError("connection closed in the head")
        buf += b
    head, _, rest = bytes(buf).partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ")[1])
    clen = 0
    for ln in lines[1:]:
        k, _, v = ln.partition(b":")
        if k.strip().lower() == b"content-length":
            clen = int(v.strip())
    body = bytearray(rest)
    while len(body) < clen:
        b = s.recv(65536)
        if not b:
            raise EOFError("connection closed in the body")
        body += b
    return status, bytes(body[:clen])


def cmd_raw(a):
    s = connect(a.port, a.host)
    t0 = time.monotonic()
    s.sendall(unescape(a.data))
    if a.shut:
        s.shutdown(socket.SHUT_WR)
    got = read_until(s, a.timeout)
    if a.elapsed:
        # From the connection, not the start: python's own start-up on
        # a loaded machine is no part of a server's timeout.
        with open(a.elapsed, "w") as f:
            f.write("%d\n" % round((time.monotonic() - t0) * 1000))
    emit(a, *got)
    s.close()


def cmd_upload(a):
    s = connect(a.port, a.host)
    body = b"x" * 65536
    try:
        s.sendall(unescape(a.data))
        left = a.n
        while left > 0:
            k = min(left, len(body))
            s.sendall(body[:k])
            left -= k
    except OSError:
        # What the server sent before its reset may still be readable.
        s.settimeout(0.5)
        try:
            emit(a, s.recv(65536))
        except OSError:
            pass
        sys.stdout.write("[reset while sending]\n")
        return
    emit(a, *read_until(s, a.timeout))
    s.close()


def cmd_split(a):
    s = connect(a.port, a.host)
    data = unescape(a.data)
    t0 = time.monotonic()
    for i in range(0, len(data), a.n):
        s.sendall(data[i:i + a.n])
        if a.delay > 0:
            time.sleep(a.delay)
    emit(a, *read_until(s, a.timeout))
    if a.slow is not None and time.monotonic() - t0 > a.slow / 1000:
        print("[slow]")
    s.close()


def cmd_req(a):
    a.mask_date = a.eof = True
    lines = ["%s %s HTTP/1.1" % (a.method, a.target), "Host: " + a.vhost]
    lines += a.header
    lines += ["Connection: close", "", ""]
    s = connect(a.port, a.host)
    s.sendall("\r\n".join(lines).encode("latin-1"))
    emit(a, *read_until(s, a.timeout))
    s.close()


def cmd_steps(a):
    s = connect(a.port, a.host)
    for i, d in enumerate(a.data):
        last = i == len(a.data) - 1
        try:
            s.sendall(unescape(d))
        except OSError as e:
            # The server may close before every step was sent.
            sys.stdout.buffer.write(b"[step %d: %s]\n" % (i + 1,
                                    e.strerror.encode()))
            break
        sys.stdout.buffer.write(b"[step %d]\n" % (i + 1))
        data, how = read_until(s, a.timeout if last else a.gap)
        if last or how != "open":
            emit(a, data, how)
            break
        emit(a, data)
    s.close()


def cmd_hold(a):
    conns = []
    for _ in range(a.n):
        s = connect(a.port, a.host)
        s.sendall(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")
        st, _ = read_response(s)
        if st != 200:
            print("status %d" % st, file=sys.stderr)
            sys.exit(1)
        conns.append(s)
    with open(a.ports, "w") as f:
        for s in conns:
            f.write("%d\n" % s.getsockname()[1])
    deadline = time.time() + a.timeout
    while time.time() < deadline and not os.path.exists(a.until):
        time.sleep(0.05)
    for s in conns:
        s.close()


def cmd_slowloris(a):
    req = b"GET / HTTP/1.1\r\nHost: test\r\nX-Slow: " + b"a" * 10000
    conns = []
    for _ in range(a.n):
        try:
            conns.append([connect(a.port, a.host), 0, None])
        except OSError as e:
            print("connect: %s" % e, file=sys.stderr)
            break
    end = time.time() + a.duration
    while time.time() < end:
        for c in conns:
            if c[2] is not None:
                continue
            try:
                c[0].send(req[c[1]:c[1] + 1])
                c[1] += 1
            except OSError:
                c[2] = "reset"
        # Collect what the server said to those it cut.
        rl = [c[0] for c in conns if c[2] is None]
        if rl:
            r, _, _ = select.select(rl, [], [], 0)
            for s in r:
                for c in conns:
                    if c[0] is s:
                        try:
                            data = s.recv(4096)
                        except OSError:
                            data = b""
                        c[2] = data.split(b"\r\n")[0].decode(
                            "latin-1") if data else "closed"
        time.sleep(a.interval)
    cut = [c[2] for c in conns if c[2] is not None]
    print("%d %d" % (len(conns), len(cut)))
    for c in sorted(set(cut)):
        print(c)
    for c in conns:
        c[0].close()


def cmd_slowread(a):
    s = connect(a.port, a.host, timeout=60)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, a.rcvbuf)
    s.sendall(b"GET " + a.path.encode() + b" HTTP/1.1\r\nHost: test\r\n"
              b"Connection: close\r\n\r\n")
    data = bytearray()
    step = max(1, a.rate // 10)
    while True:
        b = s.recv(step)
        if not b:
            break
        data += b
        time.sleep(len(b) / a.rate)
    head, _, body = bytes(data).partition(b"\r\n\r\n")
    print(head.split(b"\r\n")[0].decode())
    print(hashlib.sha256(body).hexdigest())


def cmd_get(a):
    s = connect(a.port, a.host)
    s.sendall(b"GET " + a.path.encode() + b" HTTP/1.1\r\nHost: test\r\n"
              b"Connection: close\r\n\r\n")
    st, body = read_response(s)
    print(st)
    s.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--timeout", type=float, default=2.0)
    p.add_argument("--mask-date", action="store_true")
    p.add_argument("--eof", action="store_true")
    p.add_argument("--nagle", action="store_true",
                   help="leave Nagle's algorithm on (no TCP_NODELAY)")
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("raw")
    r.add_argument("port", type=int)
    r.add_argument("data")
    r.add_argument("--shut", action="store_true")
    r.add_argument("--elapsed", metavar="FILE")
    r = sub.add_parser("upload")
    r.add_argument("port", type=int)
    r.add_argument("data")
    r.add_argument("n", type=int)
    r = sub.add_parser("split")
    r.add_argument("port", type=int)
    r.add_argument("data")
    r.add_argument("n", type=int)
    r.add_argument("--delay", type=float, default=0.01)
    r.add_argument("--slow", type=float, default=None, metavar="MS",
                   help='print "[slow]" if it all took more than MS ms')
    r = sub.add_parser("hold")
    r.add_argument("port", type=int)
    r.add_argument("n", type=int)
    r.add_argument("--ports", default="held.ports")
    r.add_argument("--until", default="release")
    r = sub.add_parser("slowloris")
    r.add_argument("port", type=int)
    r.add_argument("n", type=int)
    r.add_argument("--interval", type=float, default=1.0)
    r.add_argument("--duration", type=float, default=5.0)
    r = sub.add_parser("slowread")
    r.add_argument("port", type=int)
    r.add_argument("path")
    r.add_argument("--rate", type=int, default=200000)
    r.add_argument("--rcvbuf", type=int, default=4096)
    r = sub.add_parser("steps")
    r.add_argument("port", type=int)
    r.add_argument("data", nargs="+")
    r.add_argument("--gap", type=float, default=1.0)
    r = sub.add_parser("req")
    r.add_argument("port", type=int)
    r.add_argument("target")
    r.add_argument("-X", dest="method", default="GET")
    r.add_argument("--vhost", default="localhost")
    r.add_argument("-H", dest="header", action="append", default=[])
    r = sub.add_parser("get")
    r.add_argument("port", type=int)
    r.add_argument("path")
    a = p.parse_args()
    globals()["NAGLE"] = a.nagle
    globals()["cmd_" + a.cmd](a)


if __name__ == "__main__":
    main()
