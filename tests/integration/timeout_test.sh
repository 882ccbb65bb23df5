#! /usr/bin/atf-sh
# Deadlines from the timing wheel: header (408), keep-alive idle, send
# stalls, slow clients, and the master's watchdog.

# tm_timeout_conf HEADER KEEPALIVE SEND [WORKERS] [HEARTBEAT]
tm_timeout_conf() {
	cat > tamarin.conf <<CONF
version = 1;
daemon = { pidfile = "tamarind.pid"; segment = "tamarind.shm"; };
workers = { count = ${4:-1}; slots_per_worker = 2048;
	    heartbeat_timeout_sec = ${5:-10}; };
timeouts = { tick_ms = 100;
	     http = { header_sec = $1; keepalive_sec = $2; send_stall_sec = $3;
		      body_sec = 2; }; };
listeners = ( { name = "web"; address = "127.0.0.1"; port = 0; } );
sites = ( { root = "www"; } );
CONF
}

# elapsed CMD...: run CMD, print its wall time in ms on fd 3.
ms_now() {
	python3 -c 'import time; print(int(time.monotonic() * 1000))'
}

# ka_closed MIN MAX WITH AFTER: GET / with WITH right behind it, then
# AFTER once the response is in (Python escapes): the response is a whole
# 200, and the server closes MIN to MAX ms after it.  Timed in one
# process: a loaded machine's start-up times stay out of it.
ka_closed() {
	python3 - "$PORT" "$3" "$4" > out <<'PY'
import socket, sys, time
def unescape(v):
    return v.encode("latin-1").decode("unicode_escape").encode("latin-1")
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" + unescape(sys.argv[2]))
data = b""
while b"hello from tamarin\n" not in data:
    b = s.recv(4096)
    if not b:
        break
    data += b
if sys.argv[3]:
    s.sendall(unescape(sys.argv[3]))
t0 = time.monotonic()
rest = s.recv(4096)
t1 = time.monotonic()
print(data.split(b"\r\n")[0].decode(), len(rest), int((t1 - t0) * 1000))
PY
	read status code reason extra ms < out
	atf_check -o inline:'HTTP/1.1 200 OK 0\n' sh -c "cut -d' ' -f1-4 out"
	[ "$ms" -ge "$1" ] && [ "$ms" -le "$2" ] ||
	    atf_fail "closed after $ms ms"
}

atf_test_case header_timeout cleanup
header_timeout_head() {
	atf_set descr "a head not finished in header_sec gets 408 and a close, within one tick"
}
header_timeout_body() {
	tm_site
	tm_timeout_conf 1 5 5
	start_daemon
	# Timed in one process from the first byte sent to the close.
	python3 - "$PORT" > out <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
t0 = time.monotonic()
s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
data = b""
while True:
    b = s.recv(4096)
    if not b:
        break
    data += b
t1 = time.monotonic()
sys.stdout.buffer.write(data)
print("\nELAPSED %d" % int((t1 - t0) * 1000))
PY
	atf_check -o inline:'HTTP/1.1 408 Request Timeout\r\n' head -n 1 out
	atf_check -o match:'^Connection: close' tr -d '\r' < out
	# 1 s plus at most one 100 ms tick (and some scheduling slack).
	d=$(sed -n 's/^ELAPSED //p' out)
	[ "$d" -ge 1000 ] && [ "$d" -le 1400 ] || atf_fail "closed after $d ms"
	# One timeout, counted once, though the 408 lingered to its end.
	wait_for 50 sh -c 'test "$(tmq slots)" = 0' || atf_fail "slot not freed"
	atf_check -o inline:'1\n' tmq eval summary "d['totals']['errors']['timeout']"
	# A connection that sends nothing is closed silently at the deadline.
	python3 "$TMCLIENT" --timeout 5 raw "$PORT" '' > out2
	atf_check -s exit:0 test ! -s out2
	wait_for 50 sh -c 'test "$(tmq slots)" = 0' || atf_fail "slot not freed"
	atf_check -o inline:'2\n' tmq eval summary "d['totals']['errors']['timeout']"
	# A client that keeps its side open after the 408: the drain ends
	# at its own deadline, and that is no second timeout.
	python3 - "$PORT" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
time.sleep(4)
PY
	wait_for 50 sh -c 'test "$(tmq slots)" = 0' || atf_fail "slot not freed"
	atf_check -o inline:'3\n' tmq eval summary "d['totals']['errors']['timeout']"
}
header_timeout_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case keepalive_idle cleanup
keepalive_idle_head() {
	atf_set descr "an idle keep-alive connection closes at keepalive_sec, no response"
}
keepalive_idle_body() {
	tm_site
	tm_timeout_conf 10 1 5
	start_daemon
	# Timed from the end of the response to the server's close.
	ka_closed 950 1400 '' ''
	wait_for 20 sh -c 'test "$(tmq slots)" = 0' || atf_fail "slot not freed"
	# The normal end of keep-alive: closed, and no error.
	atf_check -o inline:'1 0\n' tmq eval summary \
	    "'%d %d' % (d['totals']['closed'], d['totals']['errors']['timeout'])"
}
keepalive_idle_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case keepalive_empty_line cleanup
keepalive_empty_line_head() {
	atf_set descr "empty lines after a request start none: the connection idles under keepalive_sec and ends in silence, no 408"
}
keepalive_empty_line_body() {
	tm_site
	# keepalive_sec 1, header_sec 5: which deadline runs shows.
	tm_timeout_conf 5 1 5
	start_daemon
	# The CRLF some clients send after a body (RFC 9112 §2.2) comes
	# with the request.  It starts no request: the connection idles
	# under keepalive_sec and ends without a response that a client
	# reusing it would take for the answer to its next request.
	ka_closed 950 1400 '\r\n\n' ''
	wait_for 20 sh -c 'test "$(tmq slots)" = 0' || atf_fail "slot not freed"
	# The end of a kept-alive connection, as when idle: no error.
	atf_check -o inline:'1 0\n' tmq eval summary \
	    "'%d %d' % (d['totals']['closed'], d['totals']['errors']['timeout'])"
	# Empty lines that come later start the header deadline, as any
	# byte does (a stream of them must end); it ends in silence too.
	ka_closed 4900 5500 '' '\r\n'
	wait_for 20 sh -c 'test "$(tmq slots)" = 0' || atf_fail "slot not freed"
	atf_check -o inline:'2 0\n' tmq eval summary \
	    "'%d %d' % (d['totals']['closed'], d['totals']['errors']['timeout'])"
	# A new connection that sends only empty lines is one that sent
	# nothing in time: closed in silence, counted as a timeout.
	python3 "$TMCLIENT" --timeout 8 raw "$PORT" '\r\n\r\n' > out2
	atf_check -s exit:0 test ! -s out2
	wait_for 20 sh -c 'test "$(tmq slots)" = 0' || atf_fail "slot not freed"
	atf_check -o inline:'3 1\n' tmq eval summary \
	    "'%d %d' % (d['totals']['closed'], d['totals']['errors']['timeout'])"
}
keepalive_empty_line_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case deadline_shown cleanup
deadline_shown_head() {
	atf_set descr "tamarinctl shows each idle slot's remaining deadline"
}
deadline_shown_body() {
	tm_site
	tm_timeout_conf 10 30 5
	start_daemon
	python3 "$TMCLIENT" --timeout 20 hold "$PORT" 3 --ports held.ports --until release &
	wait_for 50 sh -c 'test $(wc -l < held.ports 2>/dev/null || echo 0) -eq 3' ||
	    atf_fail "clients did not connect"
	atf_check -o inline:'yes\n' tmq eval slots \
	    "len(d['slots']) == 3 and all(s['state'] == 'keepalive' and 25000 <= s['deadline_ms'] <= 30000 for s in d['slots'])"
	atf_check -o match:'keepalive|K ' "$TAMARINCTL" -s tamarind.shm show slots
	touch release
}
deadline_shown_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	touch release
	stop_daemon
}

atf_test_case slowloris cleanup
slowloris_head() {
	atf_set descr "200 slowloris clients are cut at the header deadline while a normal client is served"
}
slowloris_body() {
	tm_site
	tm_timeout_conf 3 5 5
	start_daemon
	python3 "$TMCLIENT" --timeout 10 slowloris "$PORT" 200 --interval 1 \
	    --duration 6 > loris.out &
	loris=$!
	sleep 1
	# The normal client: every request answered, promptly.
	i=0
	while [ $i -lt 20 ]; do
		t0=$(ms_now)
		atf_check -o inline:'200\n' curl -s -o /dev/null -m 2 \
		    -w '%{http_code}\n' "http://127.0.0.1:$PORT/"
		t1=$(ms_now)
		[ $((t1 - t0)) -le 500 ] || atf_fail "request $i took $((t1 - t0)) ms"
		sleep 0.1
		i=$((i + 1))
	done
	wait $loris
	# Every trickling client was cut, each with a 408.
	atf_check -o inline:'200 200\nHTTP/1.1 408 Request Timeout\n' cat loris.out
	wait_for 30 sh -c 'test "$(tmq slots)" = 0' || atf_fail "slots left: $(tmq slots)"
}
slowloris_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case slow_reader cleanup
slow_reader_head() {
	atf_set descr "a slow reader that keeps reading gets the whole file past send_stall_sec"
}
slow_reader_body() {
	tm_site
	head -c 327680 /dev/urandom > www/mid.bin
	tm_timeout_conf 10 5 1
	start_daemon
	want=$(sha256sum < www/mid.bin | cut -d' ' -f1)
	# 320 KiB through a 4 KiB window: seconds in all, well past the 1 s
	# send_stall_sec, and never a 1 s stall.
	python3 "$TMCLIENT" slowread "$PORT" /mid.bin --rate 1000000 > got
	atf_check -o inline:"HTTP/1.1 200 OK\n$want\n" cat got
}
slow_reader_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case slow_reader_big cleanup
slow_reader_big_head() {
	atf_set descr "a steady reader of a file larger than the send buffer is not cut while the buffer drains"
}
slow_reader_big_body() {
	tm_site
	# Larger than the most the kernel lets a send buffer grow to: the
	# worker waits for EPOLLOUT on a full buffer of megabytes, which
	# frees its first third in over a second at 800 kB/s.
	wmax=$(cut -f3 /proc/sys/net/ipv4/tcp_wmem)
	head -c $((wmax + 2097152)) /dev/urandom > www/big.bin
	tm_timeout_conf 10 5 1
	start_daemon
	want=$(sha256sum < www/big.bin | cut -d' ' -f1)
	python3 "$TMCLIENT" slowread "$PORT" /big.bin --rate 800000 \
	    --rcvbuf 65536 > got
	atf_check -o inline:"HTTP/1.1 200 OK\n$want\n" cat got
	atf_check -o inline:'0\n' tmq eval summary "d['totals']['errors']['timeout']"
}
slow_reader_big_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case trickle_reader cleanup
trickle_reader_head() {
	atf_set descr "a reader that takes less than 16 KiB per send_stall_sec from a full socket is cut"
}
trickle_reader_body() {
	tm_site
	head -c 16777216 /dev/zero > www/huge.bin
	tm_timeout_conf 10 5 1
	start_daemon
	# 2 KiB every quarter second, 8 KiB/s: the kernel sees it read, a
	# little at a time, for as long as the server lets it.
	python3 - "$PORT" > out <<'PY' &
import socket, sys, time
s = socket.socket()
# The smallest buffer, set before the handshake: the window it offers
# keeps every segment small, so each read lets a little more through.
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1)
s.connect(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /huge.bin HTTP/1.1\r\nHost: x\r\n\r\n")
t0 = time.monotonic()
try:
    while time.monotonic() - t0 < 30:
        if not s.recv(2048):
            print("closed")
            break
        time.sleep(0.25)
    else:
        print("still reading")
except ConnectionResetError:
    print("reset")
PY
	reader=$!
	wait_for 50 sh -c 'test "$(tmq slots writing)" = 1' ||
	    atf_fail "no writing slot"
	# Cut within the stall deadline and a tick or two (the reader would
	# go on for 30 s), with a reset.
	wait_for 60 sh -c 'test "$(tmq slots)" = 0' ||
	    atf_fail "the trickling reader was not cut"
	atf_check -o inline:'1\n' tmq eval summary "d['totals']['errors']['timeout']"
	wait $reader
	atf_check -o inline:'reset\n' cat out
}
trickle_reader_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case stalled_reader cleanup
stalled_reader_head() {
	atf_set descr "a reader that stops reading is cut at send_stall_sec"
}
stalled_reader_body() {
	tm_site
	head -c 16777216 /dev/zero > www/huge.bin
	tm_timeout_conf 10 5 1
	start_daemon
	python3 - "$PORT" <<'PY' &
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.sendall(b"GET /huge.bin HTTP/1.1\r\nHost: x\r\n\r\n")
s.recv(100)
time.sleep(8)
PY
	reader=$!
	wait_for 20 sh -c 'test "$(tmq slots writing)" = 1' || atf_fail "no writing slot"
	# Cut within the stall deadline plus a tick, well before the reader ends.
	wait_for 30 sh -c 'test "$(tmq slots)" = 0' || atf_fail "the stalled reader was not cut"
	atf_check -o match:'^[1-9]' tmq eval summary "d['totals']['errors']['timeout']"
	kill $reader 2>/dev/null
	true
}
stalled_reader_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case stalled_worker_skipped cleanup
stalled_worker_skipped_head() {
	atf_set descr "a worker half a heartbeat timeout late gets no new connections; the others serve them"
}
stalled_worker_skipped_body() {
	tm_site
	tm_timeout_conf 10 5 5 2 20
	start_daemon tamarin.conf 2
	victim=$(tmq worker-pids | cut -d' ' -f1)
	kill -STOP "$victim"
	# Late after 10 s at most (an idle worker beats every 5 s), killed
	# at 20: in between, every new client is served by the other.
	wait_for 150 grep -q "pid $victim): no heartbeat for [0-9]* ms; new connections go to the others" daemon.log ||
	    atf_fail "not marked late: $(cat daemon.log)"
	for i in 1 2 3 4 5 6 7 8; do
		atf_check -o inline:'200\n' curl -s -o /dev/null -m 2 \
		    -w '%{http_code}\n' "http://127.0.0.1:$PORT/"
	done
	kill -CONT "$victim"
	wait_for 50 grep -q "pid $victim): heartbeat back" daemon.log ||
	    atf_fail "not back: $(cat daemon.log)"
	atf_check -s exit:1 grep -q 'killing it' daemon.log
}
stalled_worker_skipped_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case watchdog cleanup
watchdog_head() {
	atf_set descr "a SIGSTOPped worker is replaced within heartbeat_timeout + 1 s"
}
watchdog_body() {
	tm_site
	tm_timeout_conf 10 5 5 2 2
	start_daemon tamarin.conf 2
	victim=$(tmq worker-pids | cut -d' ' -f1)
	kill -STOP "$victim"
	t0=$(ms_now)
	wait_for 40 sh -c "! kill -0 $victim 2>/dev/null || grep -q 'State:.*Z' /proc/$victim/status 2>/dev/null" ||
	    atf_fail "worker $victim was not killed"
	t1=$(ms_now)
	[ $((t1 - t0)) -le 3200 ] || atf_fail "replaced after $((t1 - t0)) ms"
	wait_for 20 sh -c "tmq worker-pids | grep -qw $victim && exit 1; test \$(tmq worker-pids | wc -w) -eq 2" ||
	    atf_fail "no replacement"
	tm_record_pids
	atf_check -o match:'no heartbeat for [0-9]+ ms' cat daemon.log
	for i in 1 2 3 4; do
		atf_check -o inline:'200\n' curl -s -o /dev/null -m 2 \
		    -w '%{http_code}\n' "http://127.0.0.1:$PORT/"
	done
}
watchdog_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	for p in $(cat tm.pids 2>/dev/null); do kill -CONT "$p" 2>/dev/null; done
	stop_daemon
}

atf_init_test_cases() {
	. "$(atf_get_srcdir)/helpers.subr"
	atf_add_test_case header_timeout
	atf_add_test_case keepalive_idle
	atf_add_test_case keepalive_empty_line
	atf_add_test_case deadline_shown
	atf_add_test_case slowloris
	atf_add_test_case slow_reader
	atf_add_test_case slow_reader_big
	atf_add_test_case trickle_reader
	atf_add_test_case stalled_reader
	atf_add_test_case stalled_worker_skipped
	atf_add_test_case watchdog
}
