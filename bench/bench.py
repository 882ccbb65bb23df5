#!/usr/bin/env python3
"""bench.py: tamarind against nginx (when installed) on this machine.

  make bench            # 3 interleaved rounds of every scenario
  make bench QUICK=1    # one short round, under two minutes
  make bench SCALE=1    # 1, 2, 4, 8 workers: keep-alive and close rates
  bench/bench.py --self-test

Both servers get the same docroot, certificate, worker count, pinning and
scenarios, and are interleaved round by round (A B A B ...), each started
afresh per round.  The figure that separates servers when the load
generator saturates is the server's CPU per request: the sum of user and
system time of every process in the server's session, read from /proc
before and after each measurement.  Results are medians over rounds with
the ratio tamarind/nginx.  Nothing here is asserted: timings on a shared
machine are noise for a test; this is for people.

Scaling (--scale 1,2,4,8) runs ka-1k and close-1k at each worker count N
with the server pinned to CPUs 0..N-1 and wrk (--threads, --conns) on the
upper half of the machine, so it wants at least 2N CPUs.  For tamarind it
also reports the master's own CPU per connection and how busy the master
was: every accept goes through that one process, so it is the ceiling on
new connections per second.

Needs wrk, ab (apache2-utils) and openssl; nginx is optional.
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HOST = "127.0.0.1"
TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLK_TCK = os.sysconf("SC_CLK_TCK")

# name: (description, primary metrics)
SCENARIOS = {
    "ka-1k": "keep-alive, 1 KiB, wrk -c50",
    "close-1k": "one connection per request, 1 KiB",
    "big-1m": "keep-alive, 1 MiB, wrk -c10",
    "tls-ka-1k": "HTTPS keep-alive, 1 KiB",
    "tls-handshake": "full TLS handshakes (ab, HTTP/1.0)",
    "tls-resume": "HTTPS, new connection per request, resumed",
    "latency": "wrk -c10 paced at 1 ms per connection",
    "idle-10k": "10,000 idle keep-alive connections: memory",
}
QUICK = ["ka-1k", "close-1k", "big-1m", "tls-ka-1k", "tls-handshake"]
# metric: (unit, "lower" or "higher" is better)
METRICS = {
    "rps": ("req/s", "higher"),
    "us_req": ("us CPU/req", "lower"),
    "MBps": ("MB/s", "higher"),
    "us_mib": ("us CPU/MiB", "lower"),
    "hs": ("handshakes/s", "higher"),
    "us_hs": ("us CPU/handshake", "lower"),
    "p50_us": ("us", "lower"),
    "p99_us": ("us", "lower"),
    "kib_conn": ("KiB/conn", "lower"),
    "pss_mib": ("MiB", "lower"),
    "master_us": ("us master CPU/req", "lower"),
    "master_pct": ("% of a core, master", "lower"),
}
SCALE_SCENARIOS = ["ka-1k", "close-1k"]

WRK_LUA = r"""
local pace = tonumber(os.getenv("WRK_PACE_MS") or "0") or 0
if pace > 0 then delay = function() return pace end end
done = function(s, lat, req)
  io.write(string.format('BENCHJSON {"requests":%d,"duration_us":%d,' ..
    '"bytes":%d,"errors":%d,"p50_us":%d,"p99_us":%d}\n', s.requests,
    s.duration, s.bytes, s.errors.connect + s.errors.read +
    s.errors.write + s.errors.status + s.errors.timeout,
    lat:percentile(50), lat:percentile(99)))
end
"""


# ---- pure helpers (covered by --self-test) -----------------------------

def parse_wrk(out):
    """The BENCHJSON line of our wrk script, as a dict."""
    for line in out.splitlines():
        if line.startswith("BENCHJSON "):
            return json.loads(line[len("BENCHJSON "):])
    raise ValueError("no BENCHJSON line in wrk output")


def parse_ab(out):
    """(complete, failed, seconds) from ab's report."""
    def grab(pat):
        m = re.search(pat, out, re.M)
        if m is None:
            raise ValueError("ab output lacks " + pat)
        return m.group(1)
    return (int(grab(r"^Complete requests:\s+(\d+)")),
            int(grab(r"^Failed requests:\s+(\d+)")),
            float(grab(r"^Time taken for tests:\s+([\d.]+) seconds")))


def median(xs):
    return statistics.median(xs) if xs else None


def ratio(a, b):
    return None if a is None or not b else a / b


def fmt(v):
    if v is None:
        return "-"
    if abs(v) >= 100:
        return "%.0f" % v
    if abs(v) >= 10:
        return "%.1f" % v
    return "%.2f" % v


def table(results, servers):
    """Markdown table of medians; results[scenario][metric][server].
    A scenario key may carry a prefix ("4w ka-1k") and keeps its order."""
    head = "| scenario | metric | " + " | ".join(servers)
    if "nginx" in servers and len(servers) > 1:
        head += " | tamarind/nginx"
    lines = [head + " |", "|" + "---|" * (head.count("|"))]
    keys = [k for k in results if k.split()[-1] in SCENARIOS]
    for sc in keys:
        for m, per in results[sc].items():
            unit, better = METRICS[m]
            meds = {s: median(per.get(s, [])) for s in servers}
            row = "| %s | %s (%s, %s better) | " % (sc, m, unit, better)
            row += " | ".join(fmt(meds[s]) for s in servers)
            if "nginx" in servers and "tamarind" in servers:
                row += " | " + fmt(ratio(meds["tamarind"], meds["nginx"]))
            lines.append(row + " |")
    return "\n".join(lines)


def scale_cpus(n, ncpu):
    """(server CPUs, client CPUs) for n workers on ncpu CPUs, or None
    when the server's n CPUs and the client's half do not both fit."""
    half = ncpu // 2
    if n < 1 or n > half:
        return None
    return ("0" if n == 1 else "0-%d" % (n - 1),
            "%d-%d" % (half, ncpu - 1))


def stat_fields(line):
    """(session, utime + stime) from a /proc/PID/stat line."""
    # comm may hold spaces: fields start after the last ')'.
    rest = line[line.rindex(")") + 2:].split()
    return int(rest[3]), int(rest[11]) + int(rest[12])


def cpu_ticks_of(stat_lines, session):
    """utime + stime of the processes of a session, from stat lines."""
    total = 0
    for line in stat_lines:
        sid, ticks = stat_fields(line)
        if sid == session:
            total += ticks
    return total


def tamarind_conf(a, d):
    return """version = 1;
daemon = {{ pidfile = "{run}/tamarind.pid"; segment = "{run}/tamarind.shm";
	   log_level = "warn"; }};
workers = {{ count = {workers}; slots_per_worker = {maxconn}; }};
timeouts = {{ http = {{ keepalive_sec = 65; }}; }};
http = {{ keepalive_requests = 0; }};
listeners = (
  {{ name = "web"; address = "{host}"; port = {port}; backlog = 4096; }},
  {{ name = "tls"; address = "{host}"; port = {tls_port}; backlog = 4096;
    protocol = "https";
    tls = {{ certificate = "{cert}"; key = "{key}"; }}; }} );
sites = ( {{ root = "{docroot}"; }} );
""".format(host=HOST, workers=a.workers, maxconn=a.maxconn, **d)


def nginx_conf(a, d):
    return """worker_processes {workers};
pid {run}/nginx.pid;
error_log {run}/nginx.err warn;
daemon off;
events {{ worker_connections {maxconn}; }}
http {{
  access_log off;
  sendfile on;
  open_file_cache max=1000 inactive=60s;
  keepalive_timeout 65;
  keepalive_requests 1000000;
  default_type application/octet-stream;
  server {{
    listen {host}:{port} backlog=4096;
    listen {host}:{tls_port} ssl backlog=4096;
    ssl_certificate {cert};
    ssl_certificate_key {key};
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache off;
    root {docroot};
  }}
}}
""".format(host=HOST, workers=a.workers, maxconn=a.maxconn, **d)


# ---- running ---------------------------------------------------------------

def session_ticks(sid):
    lines = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open("/proc/%s/stat" % pid) as f:
                    lines.append(f.read())
            except OSError:
                pass
    return cpu_ticks_of(lines, sid)


def pid_ticks(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return stat_fields(f.read())[1]
    except OSError:
        return 0


def session_mem(sid):
    """(rss, pss) KiB summed over the session's processes."""
    rss = pss = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % pid) as f:
                st = f.read()
            if int(st[st.rindex(")") + 2:].split()[3]) != sid:
                continue
            with open("/proc/%s/smaps_rollup" % pid) as f:
                for line in f:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1])
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1])
        except (OSError, ValueError):
            pass
    return rss, pss


def wait_port(port, secs=10):
    end = time.time() + secs
    while time.time() < end:
        try:
            socket.create_connection((HOST, port), timeout=0.5).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


class Server:
    def __init__(self, name, argv, port, tls_port, cpus):
        self.name, self.port, self.tls_port = name, port, tls_port
        pin = ["taskset", "-c", cpus] if cpus else []
        self.proc = subprocess.Popen(pin + argv, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        self.sid = self.proc.pid
        if not wait_port(port) or not wait_port(tls_port):
            self.stop()
            raise RuntimeError("%s did not start" % name)

    def stop(self):
        try:
            os.killpg(self.sid, signal.SIGTERM)
            self.proc.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(self.sid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        # Workers may outlive the master by a moment.
        time.sleep(0.3)


def measure(srv, a, d, sc):
    """{metric: value} for one scenario on a running server."""
    pin = ["taskset", "-c", a.client_cpus] if a.client_cpus else []
    url = "http://%s:%d" % (HOST, srv.port)
    surl = "https://%s:%d" % (HOST, srv.tls_port)
    env = dict(os.environ)
    # wrk wants at least as many connections as threads (-c10 below).
    threads = ["-t%d" % (min(a.threads, 10) if sc in ("big-1m", "latency")
                         else a.threads)]
    wrk = pin + ["wrk", "-s", d["lua"]] + threads + ["-d", "%gs" % a.duration]
    if sc == "tls-handshake":
        n = max(200, int(a.duration * 400))
        t0 = session_ticks(srv.sid)
        out = subprocess.run(pin + ["ab", "-q", "-n", str(n), "-c", "50",
                                    surl + "/index.html"],
                             capture_output=True, text=True).stdout
        t1 = session_ticks(srv.sid)
        done, failed, secs = parse_ab(out)
        ok = done - failed
        return {"hs": ok / secs,
                "us_hs": (t1 - t0) * 1e6 / CLK_TCK / max(ok, 1)}
    if sc == "idle-10k":
        return idle(srv, a)
    c = "-c%d" % a.conns
    args = {"ka-1k": [c, url + "/index.html"],
            "close-1k": [c, "-H", "Connection: close", url + "/index.html"],
            "big-1m": ["-c10", url + "/1m.bin"],
            "tls-ka-1k": [c, surl + "/index.html"],
            "tls-resume": [c, "-H", "Connection: close",
                           surl + "/index.html"],
            "latency": ["-c10", url + "/index.html"]}[sc]
    if sc == "latency":
        env["WRK_PACE_MS"] = "1"
    # Warm-up, unmeasured.
    subprocess.run(pin + ["wrk"] + threads + ["-d", "%gs" % a.warmup] + args,
                   capture_output=True, env=env)
    t0, m0, w0 = session_ticks(srv.sid), pid_ticks(srv.sid), time.monotonic()
    out = subprocess.run(wrk + args, capture_output=True, text=True,
                         env=env).stdout
    t1, m1, w1 = session_ticks(srv.sid), pid_ticks(srv.sid), time.monotonic()
    r = parse_wrk(out)
    secs = r["duration_us"] / 1e6
    cpu_us = (t1 - t0) * 1e6 / CLK_TCK
    reqs = max(r["requests"], 1)
    res = {"rps": r["requests"] / secs, "us_req": cpu_us / reqs}
    if sc == "close-1k" and srv.name == "tamarind":
        # The session leader is the master (taskset execs it).
        master_us = (m1 - m0) * 1e6 / CLK_TCK
        res.update(master_us=master_us / reqs,
                   master_pct=100 * master_us / 1e6 / (w1 - w0))
    if sc == "big-1m":
        res = {"MBps": r["bytes"] / secs / 1e6,
               "us_mib": cpu_us / (r["bytes"] / 1048576)}
    if sc == "latency":
        res = {"p50_us": r["p50_us"], "p99_us": r["p99_us"]}
    if r["errors"] > r["requests"] * 0.01:
        raise RuntimeError("%s %s: %d errors" % (srv.name, sc, r["errors"]))
    return res


def idle(srv, a):
    import resource
    n = a.idle_conns
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n + 64:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 64), hard))
    rss0, pss0 = session_mem(srv.sid)
    socks = []
    req = b"GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n"
    for _ in range(n):
        s = socket.create_connection((HOST, srv.port), timeout=10)
        s.sendall(req)
        got = b""
        while b"\r\n\r\n" not in got or len(got) < 1024:
            b = s.recv(65536)
            if not b:
                break
            got += b
        socks.append(s)
    time.sleep(1)
    rss1, pss1 = session_mem(srv.sid)
    for s in socks:
        s.close()
    return {"kib_conn": (rss1 - rss0) / n, "pss_mib": pss1 / 1024}


def workspace(tmp):
    # nginx's workers drop to nobody when started as root: they must be
    # able to walk into the docroot (mkdtemp makes it 0700).
    os.chmod(tmp, 0o755)
    d = {"docroot": os.path.join(tmp, "www"), "run": tmp}
    os.makedirs(d["docroot"])
    with open(os.path.join(d["docroot"], "index.html"), "wb") as f:
        f.write((b"tamarin bench " * 100)[:1024])
    for name, size in (("100k.bin", 102400), ("1m.bin", 1048576)):
        with open(os.path.join(d["docroot"], name), "wb") as f:
            f.write(os.urandom(size))
    d["cert"] = os.path.join(tmp, "cert.pem")
    d["key"] = os.path.join(tmp, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "30",
                    "-subj", "/CN=localhost", "-keyout", d["key"], "-out",
                    d["cert"]], check=True, capture_output=True)
    d["lua"] = os.path.join(tmp, "report.lua")
    with open(d["lua"], "w") as f:
        f.write(WRK_LUA)
    return d


def self_test():
    assert parse_wrk("x\nBENCHJSON {\"requests\": 5, \"duration_us\": 1}\n") \
        == {"requests": 5, "duration_us": 1}
    ab = ("Complete requests:      1000\nFailed requests:        2\n"
          "Time taken for tests:   0.500 seconds\n")
    assert parse_ab(ab) == (1000, 2, 0.5)
    assert median([3, 1, 2]) == 2 and median([]) is None
    assert ratio(2.0, 4.0) == 0.5 and ratio(1.0, 0) is None
    assert fmt(1234.5) == "1234" and fmt(12.34) == "12.3" and fmt(None) == "-"
    stat = ["10 (tamarind: master) S 1 10 10 0 -1 0 0 0 0 0 7 3 0 0",
            "11 (a b) S 10 10 10 0 -1 0 0 0 0 0 5 5 0 0",
            "12 (other) S 1 12 12 0 -1 0 0 0 0 0 100 100 0 0"]
    assert cpu_ticks_of(stat, 10) == 20, cpu_ticks_of(stat, 10)
    t = table({"ka-1k": {"rps": {"tamarind": [2, 4, 6], "nginx": [2]}}},
              ["tamarind", "nginx"])
    assert "| ka-1k | rps (req/s, higher better) | 4.00 | 2.00 | 2.00 |" \
        in t, t
    t = table({"2w close-1k": {"rps": {"tamarind": [9], "nginx": [3]}},
               "1w close-1k": {"rps": {"tamarind": [1], "nginx": [1]}}},
              ["tamarind", "nginx"])
    assert t.index("| 2w close-1k |") < t.index("| 1w close-1k |"), t
    assert "| 2w close-1k | rps (req/s, higher better) | 9.00 | 3.00 | " \
        "3.00 |" in t, t
    assert scale_cpus(1, 16) == ("0", "8-15")
    assert scale_cpus(8, 16) == ("0-7", "8-15")
    assert scale_cpus(2, 2) is None and scale_cpus(1, 2) == ("0", "1-1")
    class A:
        workers, maxconn = 1, 1024
    d = {"run": "/r", "port": 1, "tls_port": 2, "cert": "/c", "key": "/k",
         "docroot": "/w"}
    c = tamarind_conf(A, d)
    assert 'port = 1;' in c and 'certificate = "/c"' in c and \
        "keepalive_requests = 0" in c, c
    n = nginx_conf(A, d)
    assert "listen 127.0.0.1:2 ssl" in n and "access_log off" in n, n
    print("bench.py self-test: ok")


def server_argv(name, a, d, tmp):
    """Write the server's config for a.workers and return its command."""
    if name == "tamarind":
        path = os.path.join(tmp, "tamarind.conf")
        with open(path, "w") as f:
            f.write(tamarind_conf(a, d))
        return [a.tamarind, "-d", "-c", path]
    path = os.path.join(tmp, "nginx.conf")
    with open(path, "w") as f:
        f.write(nginx_conf(a, d))
    return ["nginx", "-c", path, "-p", tmp]


def run_one(name, argv, a, d, sc, key, rnd, results):
    """Start the server afresh, measure one scenario, record it under
    results[key]; a failure spoils this measurement only."""
    srv = None
    try:
        srv = Server(name, argv, d["port"], d["tls_port"], a.server_cpus)
        r = measure(srv, a, d, sc)
    except (RuntimeError, ValueError, OSError) as e:
        print("  %s %s: invalid (%s)" % (name, key, e))
        r = {}
    finally:
        if srv is not None:
            srv.stop()
    print("round %d %-9s %-14s %s" % (rnd + 1, name, key, " ".join(
        "%s=%s" % (k, fmt(v)) for k, v in r.items())), flush=True)
    for m, v in r.items():
        results.setdefault(key, {}).setdefault(m, {}).setdefault(
            name, []).append(v)


def scale(a, ncpu):
    """ka-1k and close-1k at each worker count, servers interleaved."""
    a.threads = a.threads or 8
    a.conns = a.conns or 256
    for tool in ("wrk", "openssl", "taskset"):
        if shutil.which(tool) is None:
            sys.exit("bench: %s is missing" % tool)
    counts = [int(n) for n in a.scale.split(",")]
    for n in counts:
        if scale_cpus(n, ncpu) is None:
            sys.exit("bench: %d workers need %d CPUs; this machine has %d"
                     % (n, 2 * n, ncpu))
    servers = [s for s in a.only.split(",")
               if s != "nginx" or shutil.which("nginx")]
    results = {}
    tmp = tempfile.mkdtemp(prefix="tamarin-bench.")
    try:
        d = workspace(tmp)
        for rnd in range(a.rounds):
            for n in counts:
                a.workers = n
                a.server_cpus, a.client_cpus = scale_cpus(n, ncpu)
                for i, name in enumerate(servers):
                    d.update(port=19500 + 10 * i, tls_port=19501 + 10 * i)
                    argv = server_argv(name, a, d, tmp)
                    for sc in SCALE_SCENARIOS:
                        run_one(name, argv, a, d, sc, "%dw %s" % (n, sc),
                                rnd, results)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print()
    print("Medians over %d round(s), %g s each; N workers on CPUs 0..N-1, "
          "wrk -t%d -c%d on CPUs %s." % (a.rounds, a.duration, a.threads,
                                         a.conns, scale_cpus(1, ncpu)[1]))
    print(table(results, servers))
    if a.out:
        with open(a.out, "w") as f:
            json.dump(results, f, indent=1)
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--duration", type=float, default=5)
    p.add_argument("--warmup", type=float, default=1)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--maxconn", type=int, default=11024)
    p.add_argument("--idle-conns", type=int, default=10000)
    p.add_argument("--scenarios", default=",".join(SCENARIOS))
    p.add_argument("--only", default="tamarind,nginx")
    p.add_argument("--server-cpus", default=None)
    p.add_argument("--client-cpus", default=None)
    p.add_argument("--threads", type=int, default=None,
                   help="wrk threads (default 1; --scale: 8)")
    p.add_argument("--conns", type=int, default=None,
                   help="wrk connections for ka/close/tls "
                   "(default 50; --scale: 256)")
    p.add_argument("--scale", default=None, metavar="N,N,...",
                   help="worker counts to run ka-1k and close-1k at")
    p.add_argument("--tamarind", default=os.path.join(TOP, "build",
                                                      "tamarind"))
    p.add_argument("--out", default=None, help="write results.json here")
    p.add_argument("--self-test", action="store_true")
    a = p.parse_args()
    if a.self_test:
        self_test()
        return 0
    if a.quick:
        a.rounds, a.duration, a.warmup = 1, 2, 0.5
        a.scenarios, a.idle_conns = ",".join(QUICK), 2000
    ncpu = os.cpu_count() or 1
    if a.scale:
        return scale(a, ncpu)
    a.threads = a.threads or 1
    a.conns = a.conns or 50
    if a.server_cpus is None and ncpu >= 2 and shutil.which("taskset"):
        a.server_cpus, a.client_cpus = "1", "0"
    for tool in ("wrk", "ab", "openssl"):
        if shutil.which(tool) is None:
            sys.exit("bench: %s is missing (apt-get install wrk "
                     "apache2-utils openssl)" % tool)
    servers = [s for s in a.only.split(",")
               if s != "nginx" or shutil.which("nginx")]
    scen = [s for s in a.scenarios.split(",") if s in SCENARIOS]
    results = {}
    tmp = tempfile.mkdtemp(prefix="tamarin-bench.")
    try:
        d = workspace(tmp)
        for rnd in range(a.rounds):
            for i, name in enumerate(servers):
                d.update(port=19500 + 10 * i, tls_port=19501 + 10 * i)
                argv = server_argv(name, a, d, tmp)
                for sc in scen:
                    run_one(name, argv, a, d, sc, sc, rnd, results)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print()
    print("Medians over %d round(s), %g s each, %d worker(s); server on "
          "CPU %s, load generator on CPU %s." % (
              a.rounds, a.duration, a.workers, a.server_cpus or "any",
              a.client_cpus or "any"))
    print(table(results, servers))
    if a.out:
        with open(a.out, "w") as f:
            json.dump(results, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
