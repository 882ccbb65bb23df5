#! /usr/bin/atf-sh
# tamarinctl and the status handler against a running daemon: every slot,
# live, consistent, for humans and machines.

live_conf() {
	cat > tamarin.conf <<CONF
version = 1;
daemon = { pidfile = "tamarind.pid"; segment = "tamarind.shm"; };
workers = { count = 2; slots_per_worker = 512; };
timeouts = { http = { keepalive_sec = 30; send_stall_sec = 30; }; };
listeners = ( { name = "web"; address = "127.0.0.1"; port = 0; },
	      { name = "alt"; address = "127.0.0.1"; port = 0; } );
sites = ( { root = "www"; routes = (
	{ prefix = "/status"; handler = "status"; },
	{ prefix = "/closed"; handler = "status"; allow = [ "10.0.0.0/8" ]; },
	{ prefix = "/"; handler = "static"; } ); } );
CONF
}

atf_test_case idle_slots_listed cleanup
idle_slots_listed_head() {
	atf_set descr "K idle keep-alive connections: exactly K keepalive slots with those peers and deadlines; none after"
}
idle_slots_listed_body() {
	tm_site
	live_conf
	start_daemon tamarin.conf 2
	python3 "$TMCLIENT" --timeout 60 hold "$PORT" 25 --ports held.ports \
	    --until release &
	wait_for 100 sh -c 'test $(wc -l < held.ports 2>/dev/null || echo 0) -eq 25' ||
	    atf_fail "clients did not connect"
	sort -n held.ports > want.ports
	ctl -j show slots > slots.json
	atf_check -o inline:'25\n' tmq eval slots "len(d['slots'])"
	python3 - want.ports slots.json <<'PY' || atf_fail "slot rows do not match the clients"
import json, sys
want = [int(l) for l in open(sys.argv[1])]
d = json.load(open(sys.argv[2]))
ports = sorted(int(s["peer"].rsplit(":", 1)[1]) for s in d["slots"])
assert ports == want, (ports, want)
for s in d["slots"]:
    assert s["state"] == "keepalive" and s["state_letter"] == "K", s
    assert s["peer"].startswith("127.0.0.1:"), s
    assert s["listener"] == "web" and s["protocol"] == "http", s
    assert s["requests"] == 1 and s["method"] == "GET" and s["path"] == "/", s
    assert 25000 <= s["deadline_ms"] <= 30000, s
    assert s["bytes_in"] > 0 and s["bytes_out"] > 0, s
PY
	# The filters find them too.
	p=$(head -n 1 want.ports)
	atf_check -o inline:'1\n' sh -c "$TAMARINCTL -s tamarind.shm -j show slots --peer 127.0.0.1:$p | python3 -c 'import json,sys; print(len(json.load(sys.stdin)[\"slots\"]))'"
	atf_check -o inline:'25\n' sh -c "$TAMARINCTL -s tamarind.shm -j show slots --state K --listener web | python3 -c 'import json,sys; print(len(json.load(sys.stdin)[\"slots\"]))'"
	atf_check -o inline:'0\n' sh -c "$TAMARINCTL -s tamarind.shm -j show slots --state reading | python3 -c 'import json,sys; print(len(json.load(sys.stdin)[\"slots\"]))'"
	# The human table: one row per slot, the legend.
	atf_check -o match:'^states: \.=free' "$TAMARINCTL" -s tamarind.shm show slots
	atf_check -o match:"127\.0\.0\.1:$p " "$TAMARINCTL" -s tamarind.shm show slots
	touch release
	wait_for 50 sh -c 'test "$(tmq slots)" = 0' || atf_fail "slots left: $(tmq slots)"
}
idle_slots_listed_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	touch release
	stop_daemon
}

atf_test_case download_writing cleanup
download_writing_head() {
	atf_set descr "a slow download shows as writing, its bytes growing between two reads"
}
download_writing_body() {
	tm_site
	head -c 33554432 /dev/zero > www/big32.bin
	live_conf
	start_daemon tamarin.conf 2
	curl -s --limit-rate 1M -o /dev/null "http://127.0.0.1:$PORT/big32.bin" &
	dl=$!
	wait_for 50 sh -c 'test "$(tmq slots writing)" = 1' || atf_fail "no writing slot"
	b1=$(tmq eval slots "[s['bytes_out'] for s in d['slots'] if s['state'] == 'writing'][0]")
	# The socket buffers take megabytes at once: wait for the next write.
	wait_for 80 sh -c "test \$(tmq eval slots \"[s['bytes_out'] for s in d['slots'] if s['state'] == 'writing'][0]\") -gt $b1" ||
	    atf_fail "bytes did not grow past $b1"
	atf_check -o inline:'/big32.bin\n' tmq eval slots \
	    "[s['path'] for s in d['slots'] if s['state'] == 'writing'][0]"
	atf_check -o match:' W ' "$TAMARINCTL" -s tamarind.shm show slots --state writing
	kill $dl
}
download_writing_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case json_schema cleanup
json_schema_head() {
	atf_set descr "every -j view parses and has the documented keys and types"
}
json_schema_body() {
	tm_site
	live_conf
	start_daemon tamarin.conf 2
	curl -s -o /dev/null "http://127.0.0.1:$PORT/"
	for v in summary workers slots listeners; do
		ctl -j show $v > $v.json || atf_fail "show $v failed"
	done
	curl -sf "http://127.0.0.1:$PORT/status" > status.json
	python3 - <<'PY' || atf_fail "schema mismatch"
import json
num = (int, float)
s = json.load(open("summary.json"))
assert list(s)[0] == "version" and s["version"] == 1
for k, t in [("master_pid", int), ("start_time", int), ("uptime_sec", int),
             ("generation", int), ("generations", list), ("state", str),
             ("config", str), ("reloads", int), ("listeners", int),
             ("workers", int), ("slots_used", int), ("slots_total", int),
             ("totals", dict), ("requests_per_sec", num),
             ("worker_list", list)]:
    assert isinstance(s[k], t), (k, s[k])
assert s["workers"] == 2 and s["listeners"] == 2 and s["slots_total"] == 1024
assert s["state"] == "running" and s["generation"] == 1
for k in ["accepted", "closed", "requests", "bytes_in", "bytes_out"]:
    assert isinstance(s["totals"][k], int)
assert s["totals"]["requests"] >= 1
assert sorted(s["totals"]["responses"]) == ["1xx", "2xx", "3xx", "4xx", "5xx"]
assert sorted(s["totals"]["errors"]) == ["io", "protocol", "timeout", "tls"]
w = json.load(open("workers.json"))
assert list(w)[0] == "version" and len(w["workers"]) == 2
for x in w["workers"]:
    for k in ["pid", "generation", "state", "heartbeat_age_ms",
              "slots_active", "slots_total", "accepted", "requests",
              "bytes_in", "bytes_out", "errors_total"]:
        assert k in x, k
    assert x["state"] == "running" and x["slots_total"] == 512
l = json.load(open("listeners.json"))
assert sorted(x["name"] for x in l["listeners"]) == ["alt", "web"]
for x in l["listeners"]:
    assert x["protocol"] == "http" and x["state"] == "active"
    assert 0 < x["port"] < 65536 and x["address"] == "127.0.0.1"
sl = json.load(open("slots.json"))
assert list(sl)[0] == "version" and isinstance(sl["slots"], list)
st = json.load(open("status.json"))
# The status page is the same document as show summary.
assert set(st) == set(s), set(st) ^ set(s)
assert st["master_pid"] == s["master_pid"]
PY
}
json_schema_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case status_handler cleanup
status_handler_head() {
	atf_set descr "status: JSON, slots, Prometheus text (promtool-clean when available), allow-list"
}
status_handler_body() {
	tm_site
	live_conf
	start_daemon tamarin.conf 2
	for i in 1 2 3; do curl -s -o /dev/null "http://127.0.0.1:$PORT/"; done
	atf_check -o match:'^Content-Type: application/json' -o match:'^Cache-Control: no-store' \
	    sh -c "curl -sI http://127.0.0.1:$PORT/status | tr -d '\r'"
	curl -sf "http://127.0.0.1:$PORT/status/metrics" > metrics.txt
	atf_check -o match:'^# TYPE tamarin_requests_total counter$' cat metrics.txt
	atf_check -o match:'^tamarin_requests_total\{worker="[12]",generation="1",pid="[0-9]+"\} [0-9]+$' cat metrics.txt
	atf_check -o match:'^tamarin_listener_accepted_total\{listener="web",protocol="http"\} [1-9][0-9]*$' cat metrics.txt
	atf_check -o match:'^tamarin_workers 2$' cat metrics.txt
	if command -v promtool >/dev/null 2>&1; then
		atf_check -o ignore -e ignore promtool check metrics < metrics.txt
	fi
	atf_check -o match:'"slots"' curl -sf "http://127.0.0.1:$PORT/status/slots"
	atf_check -o inline:'404\n' curl -s -o /dev/null -w '%{http_code}\n' \
	    "http://127.0.0.1:$PORT/status/nothing"
	# A route that allows only 10.0.0.0/8: loopback is refused.
	atf_check -o inline:'403\n' curl -s -o /dev/null -w '%{http_code}\n' \
	    "http://127.0.0.1:$PORT/closed"
	atf_check -o inline:'405\n' curl -s -o /dev/null -w '%{http_code}\n' \
	    -X POST "http://127.0.0.1:$PORT/status"
	# Preconditions: no validators of its own.
	tm_no_validators "http://127.0.0.1:$PORT/status"
	# A 304 keeps the 200's Cache-Control (RFC 9110 §15.4.5).
	atf_check -o match:'^HTTP/1.1 304 ' -o match:'^Cache-Control: no-store' \
	    -o not-match:'^Content-Type' sh -c "curl -sI -H 'If-None-Match: *' \
	    http://127.0.0.1:$PORT/status | tr -d '\r'"
}
status_handler_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case consistent_under_load cleanup
consistent_under_load_head() {
	atf_set descr "show slots in a tight loop under load never prints an impossible row"
}
consistent_under_load_body() {
	tm_site
	live_conf
	start_daemon tamarin.conf 2
	python3 "$(atf_get_srcdir)/tmload.py" "$PORT" /index.html \
	    www/index.html --ka 4 --close 4 --seconds 30 --until stop.load > load.out &
	load=$!
	python3 - "$TAMARINCTL" <<'PY' || atf_fail "an impossible row was printed"
import json, re, subprocess, sys, time
states = {"claimed", "handshake", "proxy_header", "reading", "working",
          "writing", "keepalive", "closing"}
end = time.time() + 5
n = rows = 0
while time.time() < end:
    out = subprocess.run([sys.argv[1], "-s", "tamarind.shm", "-j", "show",
                          "slots"], capture_output=True, check=True).stdout
    d = json.loads(out)
    n += 1
    for s in d["slots"]:
        rows += 1
        assert s["state"] in states, s
        if s["state"] == "claimed":
            # In transit to its worker: nothing written into it yet.
            assert s["requests"] == 0 and s["bytes_in"] == 0, s
            continue
        assert re.fullmatch(r"127\.0\.0\.1:\d+", s["peer"]), s
        assert s["listener"] == "web" and s["protocol"] == "http", s
        assert s["age_ms"] >= 0 and s["idle_ms"] >= 0, s
        assert s["bytes_in"] >= 0 and s["bytes_out"] >= 0, s
        # A row with a request has read it; an idle one has answered.
        if s["requests"] > 0:
            assert s["bytes_in"] > 0 and s["method"] == "GET", s
        if s["state"] == "keepalive":
            assert s["requests"] > 0 and s["bytes_out"] > 0, s
            assert s["deadline_ms"] is not None and s["status"] == 200, s
print(n, rows)
assert n > 50 and rows > 50
PY
	touch stop.load
	wait $load
	atf_check -o match:'^ok [1-9][0-9]* failed 0$' head -n 1 load.out
}
consistent_under_load_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	touch stop.load
	stop_daemon
}

atf_test_case control_commands cleanup
control_commands_head() {
	atf_set descr "reload, reopen, graceful and stop through tamarinctl; a pidfile naming another process is refused"
}
control_commands_body() {
	tm_site
	live_conf
	start_daemon tamarin.conf 2
	atf_check -o ignore -e ignore "$TAMARINCTL" -c tamarin.conf reload
	wait_for 50 sh -c 'test "$(tmq eval summary "d[\"generation\"]")" = 2' ||
	    atf_fail "reload through tamarinctl did not happen"
	tm_record_pids
	atf_check -o ignore -e ignore "$TAMARINCTL" -c tamarin.conf reopen
	wait_for 30 grep -q 'signal 10' daemon.log || atf_fail "no reopen"
	# A pidfile pointing at something else: refused, exit 3.
	cp tamarin.conf other.conf
	sleep 60 &
	other=$!
	sed -i "s/tamarind.pid/other.pid/" other.conf
	echo $other > other.pid
	atf_check -s exit:3 -o ignore -e match:'not|refus' \
	    "$TAMARINCTL" -c other.conf stop
	kill -0 $other || atf_fail "the other process was signalled"
	kill $other
	m=$(cat tamarind.pid)
	atf_check -o ignore -e ignore "$TAMARINCTL" -c tamarin.conf stop
	wait_for 100 sh -c "! kill -0 $m 2>/dev/null" || atf_fail "stop did not stop"
	atf_check test ! -e tamarind.shm
}
control_commands_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case top_view cleanup
top_view_head() {
	atf_set descr "top draws the summary and slots in a terminal and quits on q"
	atf_set require.progs script
}
top_view_body() {
	tm_site
	live_conf
	start_daemon tamarin.conf 2
	python3 "$TMCLIENT" --timeout 30 hold "$PORT" 3 --ports held.ports --until release &
	wait_for 50 sh -c 'test $(wc -l < held.ports 2>/dev/null || echo 0) -eq 3' ||
	    atf_fail "clients did not connect"
	( sleep 2; printf q ) | TERM=xterm COLUMNS=100 LINES=30 timeout 20 \
	    script -qfec "$TAMARINCTL -s $PWD/tamarind.shm top" /dev/null > top.out
	atf_check -o match:'generation' -o match:'keepalive|K' cat top.out
	touch release
}
top_view_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	touch release
	stop_daemon
}

atf_test_case claimed_slot_listed cleanup
claimed_slot_listed_head() {
	atf_set descr "a slot the master claimed and a stopped worker has not adopted is listed as claimed (A), in the table and in JSON"
}
claimed_slot_listed_body() {
	tm_site
	live_conf
	sed -i 's/count = 2;/count = 1;/' tamarin.conf
	start_daemon tamarin.conf 1
	w=$(tmq worker-pids)
	echo "$w" > stopped.pid
	kill -STOP "$w"
	curl -s -m 20 -o /dev/null "http://127.0.0.1:$PORT/" &
	wait_for 50 sh -c 'test "$(tmq eval workers "d[\"workers\"][0][\"slots_active\"]")" = 1' ||
	    atf_fail "the master did not claim a slot"
	ctl -j show slots > slots.json
	python3 - slots.json "$w" <<'PY' || { cat slots.json >&2; atf_fail "the claimed slot is not listed"; }
import json, sys
d = json.load(open(sys.argv[1]))
assert len(d["slots"]) == 1, d
s = d["slots"][0]
assert s["worker"] == 1 and s["pid"] == int(sys.argv[2]), s
assert s["state"] == "claimed" and s["state_letter"] == "A", s
for k in ["protocol", "listener", "peer", "age_ms", "idle_ms",
          "deadline_ms", "tls_version", "tls_cipher"]:
    assert s[k] is None, (k, s)
assert s["requests"] == 0 and s["bytes_in"] == 0 and s["path"] == "", s
PY
	slot=$(tmq eval slots "d['slots'][0]['slot']")
	atf_check -o match:"^ +1 +1 +$slot A - +- +- +- +- +- +- +0 " \
	    "$TAMARINCTL" -s tamarind.shm show slots
	atf_check -o match:"^ +1 +1 +$slot A " \
	    "$TAMARINCTL" -s tamarind.shm show slots --state claimed
	atf_check -o not-match:'^ +1 ' \
	    "$TAMARINCTL" -s tamarind.shm show slots --protocol http
	# Adopted once the worker runs: served, and the slot is free.
	kill -CONT "$w"
	wait
	wait_for 50 sh -c 'test "$(tmq slots)" = 0' || atf_fail "slots left: $(tmq slots)"
}
claimed_slot_listed_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	[ -f stopped.pid ] && kill -CONT "$(cat stopped.pid)" 2>/dev/null
	stop_daemon
}

atf_test_case start_not_stale cleanup
start_not_stale_head() {
	atf_set descr "while tamarind starts in daemon mode, tamarinctl finds no segment or a live master, never a stale segment"
}
start_not_stale_body() {
	tm_site
	live_conf
	# The window: the first process has exited, the master that stays
	# is not forked yet.  strace holds the child in setsid() for a
	# second, which makes it certain; without strace, several starts.
	delay=
	rounds=5
	if strace -qq -o /dev/null true 2>/dev/null; then
		delay="strace -f -qq -o /dev/null -e trace=setsid"
		delay="$delay -e inject=setsid:delay_exit=1000000"
		rounds=1
	fi
	for r in $(seq 1 $rounds); do
		rm -f stop.poll polled
		( while [ ! -e stop.poll ]; do
			"$TAMARINCTL" -c tamarin.conf show summary \
			    >/dev/null 2>>poll.err
			echo $? >> polled
		done ) &
		poller=$!
		# Let the poller find "no segment" first.
		wait_for 50 test -s polled || atf_fail "the poller did not run"
		if [ -n "$delay" ]; then
			( setsid $delay "$TAMARIND" -c tamarin.conf \
			    >daemon.log 2>&1 & echo $! > strace.pid )
			cat strace.pid >> tm.pids
		else
			"$TAMARIND" -c tamarin.conf >daemon.log 2>&1 ||
			    atf_fail "tamarind exited with $?"
		fi
		wait_for 100 tmq running 2 || atf_fail "tamarind did not start"
		touch stop.poll
		wait $poller
		cp tamarind.pid master.pid
		tm_record_pids
		[ -z "$delay" ] || kill -TERM "$(cat strace.pid)"
		sort polled | uniq -c | sed "s/^/round $r: /"
		grep -qx 0 polled || atf_fail "tamarinctl never saw the daemon"
		if grep -qx 3 polled; then
			sort poll.err | uniq -c >&2
			atf_fail "tamarinctl saw a stale segment during the start"
		fi
		stop_daemon
		wait_for 50 test ! -e tamarind.shm || atf_fail "segment left"
	done
}
start_not_stale_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	touch stop.poll
	[ -f strace.pid ] && kill -TERM "$(cat strace.pid)" 2>/dev/null
	stop_daemon
}

# odd_conf A B: listeners web and two with odd names (quotes, a
# backslash, spaces, non-ASCII), the second and third named A and B, on
# kernel-chosen ports kept across reloads; a combined log for the default
# site, a JSON log for j.example.
odd_conf() {
	cat > tamarin.conf <<CONF
version = 1;
daemon = { pidfile = "tamarind.pid"; segment = "tamarind.shm";
	   log_level = "info"; };
workers = { count = 2; slots_per_worker = 64; shutdown_timeout_sec = 5; };
plugins = ( { path = "$(atf_config_get builddir)/tests/plugins/crash.so"; } );
listeners = ( { name = "web"; address = "127.0.0.1"; port = 0; },
	      { name = "$1"; address = "127.0.0.1"; port = 0; },
	      { name = "$2"; address = "127.0.0.1"; port = 0; } );
sites = ( { root = "www";
	    access_log = { path = "access.log"; format = "combined"; };
	    routes = ( { prefix = "/status"; handler = "status"; },
		       { prefix = "/crash/"; handler = "crash"; } ); },
	  { names = [ "j.example" ]; root = "www";
	    access_log = { path = "access.json"; format = "json"; }; } );
CONF
}

# machine_check TAG: every JSON view (tamarinctl and the status handler)
# parses as strict UTF-8 JSON, and the Prometheus text passes promcheck.py.
machine_check() {
	for v in summary workers listeners slots; do
		ctl -j show $v > "$1.$v.json" || atf_fail "show $v failed"
	done
	curl -sf "http://127.0.0.1:$PORT/status" > "$1.status.json"
	curl -sf "http://127.0.0.1:$PORT/status/slots" > "$1.sslots.json"
	curl -sf "http://127.0.0.1:$PORT/status/metrics" > "$1.metrics.txt"
	python3 - "$1".*.json <<'PY' || atf_fail "$1: JSON did not parse"
import json, sys
for f in sys.argv[1:]:
    with open(f, "rb") as fp:
        json.loads(fp.read().decode("utf-8"))
PY
	atf_check -o empty python3 "$(atf_get_srcdir)/promcheck.py" \
	    "$1.metrics.txt"
}

atf_test_case machine_outputs_odd cleanup
machine_outputs_odd_head() {
	atf_set descr "JSON views, Prometheus text and access logs stay well-formed with odd listener names, hostile requests, a worker crash and reloads that swap names"
}
machine_outputs_odd_body() {
	tm_site
	# As libconfig spells them: \" and \\ escaped, \xHH bytes.
	a='q\"u\\o te \xc3\xa9\xe2\x82\xac'
	b='sp ace\\ \xe2\x80\xa8 \xf0\x9f\x90\x92'
	odd_conf "$a" "$b"
	start_daemon tamarin.conf 2
	ctl -j show listeners > names.json
	python3 - <<'PY' || atf_fail "names: $(cat names.json)"
import json
n = sorted(l["name"] for l in json.load(open("names.json"))["listeners"])
assert n == sorted(["web", 'q"u\\o te \u00e9\u20ac',
                    "sp ace\\ \u2028 \U0001f412"]), n
PY
	python3 - "$PORT" <<'PY'
import socket, sys
port = int(sys.argv[1])
bad = [b"\x01", b"\x7f", b"\xff", b"\xc3\xa9", b"\xe2\x80\xa8", b"\xc2\x85",
       b"\xed\xa0\x80", b'"', b"\\", b"\t"]
odd = b"".join(bad)
reqs = []
for host in (b"x", b"j.example"):
    reqs += [
        b"GET /a?" + b'"\\' + b" HTTP/1.1\r\nHost: " + host + b"\r\n"
        b"User-Agent: u" + odd.replace(b"\x01", b"").replace(b"\x7f", b"") +
        b"\r\nReferer: r" + b'"\\\xff\t' + b"\r\n\r\n",
        b"GET /" + odd + b" HTTP/1.1\r\nHost: " + host + b"\r\n\r\n",
        b"G\"E\\T / HTTP/1.1\r\nHost: " + host + b"\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: " + host + b"\r\nUser-Agent: a\x01b\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: " + host + b"\r\nUser-Agent: " +
        b"\xff" * 3000 + b"\r\nReferer: " + b'"' * 3000 + b"\r\n\r\n",
        b"GET /" + b"\xff" * 5000 + b" HTTP/1.1\r\nHost: " + host + b"\r\n\r\n",
    ]
reqs += [odd + b" \r\n\r\n", b"GET /\" HTTP/1.1\nHost: x\"\n\n"]
for r in reqs:
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(r)
    s.settimeout(3)
    try:
        s.recv(4096)
    except OSError:
        pass
    s.close()
PY
	machine_check start
	# A crash: scraped while its replacement is on its way, and after.
	curl -s -m 2 -o /dev/null "http://127.0.0.1:$PORT/crash/abort"
	machine_check crashed
	wait_for 100 tmq running 2 || atf_fail "no replacement"
	tm_record_pids
	# Reloads that swap the odd names, scraped all along.
	for i in 1 2 3; do
		odd_conf "$b" "$a"
		kill -HUP "$(cat tamarind.pid)"
		machine_check reload$i.a
		sleep 0.2
		machine_check reload$i.b
		t=$a; a=$b; b=$t
	done
	tm_record_pids
	# Lines reach the files within a second; SIGTERM writes the rest.
	stop_daemon
	python3 - <<'PY' || atf_fail "access logs malformed"
import json, re
clf = re.compile(r'^\S+ - - \[[^]]+\] "(?:[^"\\]|\\x[0-9A-F]{2})*" '
                 r'[0-9]{3} [0-9]+ "(?:[^"\\]|\\x[0-9A-F]{2})*" '
                 r'"(?:[^"\\]|\\x[0-9A-F]{2})*"$')
raw = open("access.log", "rb").read()
assert raw.endswith(b"\n")
n = 0
for l in raw.split(b"\n")[:-1]:
    t = l.decode("ascii")    # escaped: nothing but printable ASCII
    assert all(0x20 <= ord(c) < 0x7f for c in t), t
    assert clf.match(t), t
    n += 1
assert n >= 8, n
raw = open("access.json", "rb").read()
m = 0
for l in raw.split(b"\n")[:-1]:
    d = json.loads(l.decode("utf-8"))
    assert d["host"] in ("j.example", ""), d
    m += 1
assert m >= 2, m
PY
}
machine_outputs_odd_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_init_test_cases() {
	. "$(atf_get_srcdir)/helpers.subr"
	atf_add_test_case idle_slots_listed
	atf_add_test_case download_writing
	atf_add_test_case json_schema
	atf_add_test_case status_handler
	atf_add_test_case consistent_under_load
	atf_add_test_case control_commands
	atf_add_test_case top_view
	atf_add_test_case start_not_stale
	atf_add_test_case claimed_slot_listed
	atf_add_test_case machine_outputs_odd
}
