#! /usr/bin/atf-sh
# HTTPS: the TLS transport under HTTP (GET, HEAD, ranges), SNI, protocol
# versions, session resumption across workers, only per listener and only
# for its server name, the handshake deadline, reclaiming silent
# connections, garbage and plain HTTP on a TLS port, certificate errors at
# -t and on reload, and the redirect_https listener.
#
# Each case makes its own CA and certificates with openssl(1) in its work
# directory; nothing secret is committed.

# tls_ca: a throw-away CA (ca.pem, ca.key).
tls_ca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
	    -nodes -days 2 -subj '/CN=tamarin test CA' -keyout ca.key \
	    -out ca.pem 2>/dev/null || atf_fail "openssl: cannot make a CA"
}

# tls_cert NAME CN SAN: NAME.pem and NAME.key, signed by the CA.
tls_cert() {
	printf 'subjectAltName=%s\n' "$3" > "$1.ext"
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	    -subj "/CN=$2" -keyout "$1.key" -out "$1.csr" 2>/dev/null &&
	openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key \
	    -CAcreateserial -days 2 -extfile "$1.ext" -out "$1.pem" \
	    2>/dev/null || atf_fail "openssl: cannot make $1"
}

tls_site() {
	mkdir -p www a b
	printf 'hello from tamarin\n' > www/index.html
	printf '0123456789abcdefghij' > www/r.txt
	printf 'site a\n' > a/index.html
	printf 'site b\n' > b/index.html
	# Over one write turn (2 MiB): the rest goes out on later turns.
	head -c 3000000 /dev/urandom > www/big.bin
}

# tls_conf [WORKERS] [HANDSHAKE_SEC]: listener "web" is https on the
# default certificate; sites a.test and *.b.test have their own.
tls_conf() {
	cat > tamarin.conf <<CONF
version = 1;
daemon = { pidfile = "tamarind.pid"; segment = "tamarind.shm"; };
workers = { count = ${1:-1}; slots_per_worker = 64; };
timeouts = { tick_ms = 100; tls = { handshake_sec = ${2:-10}; }; };
listeners = (
	{ name = "web"; address = "127.0.0.1"; port = 0; protocol = "https";
	  tls = { certificate = "default.pem"; key = "default.key"; }; }
);
sites = (
	{ names = [ "localhost" ]; root = "www"; default = true;
	  access_log = { path = "access.log"; format = "json"; }; },
	{ names = [ "a.test" ]; root = "a";
	  tls = { certificate = "a.pem"; key = "a.key"; }; },
	{ names = [ "*.b.test" ]; root = "b";
	  tls = { certificate = "b.pem"; key = "b.key"; }; }
);
CONF
}

tls_setup() {
	tls_ca
	tls_cert default localhost 'DNS:localhost,IP:127.0.0.1'
	tls_cert a a.test 'DNS:a.test'
	tls_cert b '*.b.test' 'DNS:*.b.test'
	tls_site
	tls_conf "$@"
}

# tcurl NAME ARGS...: curl over TLS to NAME, resolved to our listener.
tcurl() {
	_n=$1
	shift
	curl -sS --cacert ca.pem --resolve "$_n:$PORT:127.0.0.1" "$@"
}

# subject NAME: the certificate subject the server shows for SNI NAME.
subject() {
	openssl s_client -connect "127.0.0.1:$PORT" -servername "$1" \
	    </dev/null 2>/dev/null | openssl x509 -noout -subject -nameopt RFC2253
}

# brief FILE: the lines of an openssl s_client transcript that matter, on
# one line (atf_fail takes one).
brief() {
	grep -E '^(New|Reused)|alert|error' "$1" | head -3 | tr '\n' ' '
}

ms_now() {
	python3 -c 'import time; print(int(time.monotonic() * 1000))'
}

# worker_ctr WORKER COUNTER: one worker's counter, from tamarinctl -j.
worker_ctr() {
	tmq eval workers \
	    "[w['$2'] for w in d['workers'] if w['number'] == $1 and w['state'] == 'running'][0]"
}

# worker_err WORKER KIND: one worker's error counter.
worker_err() {
	tmq eval workers \
	    "[w['errors']['$2'] for w in d['workers'] if w['number'] == $1 and w['state'] == 'running'][0]"
}

atf_test_case get_head_range cleanup
get_head_range_head() {
	atf_set descr "GET, HEAD and a range over HTTPS, logged with the TLS version and cipher"
	atf_set require.progs "curl openssl"
}
get_head_range_body() {
	tls_setup
	start_daemon
	same 'hello from tamarin\n' \
	    tcurl localhost "https://localhost:$PORT/"
	tcurl localhost -o got.bin "https://localhost:$PORT/big.bin" ||
	    atf_fail "big.bin"
	atf_check cmp got.bin www/big.bin
	atf_check -o match:'^HTTP/1.1 200 OK' -o match:'^Content-Length: 19' \
	    -o not-match:'hello' sh -c "curl -sS -I --cacert ca.pem \
	    --resolve localhost:$PORT:127.0.0.1 https://localhost:$PORT/ |
	    tr -d '\r'"
	same 'abcdefghij' \
	    tcurl localhost -r 10-19 "https://localhost:$PORT/r.txt"
	same '206\n' tcurl localhost -r 10-19 -o /dev/null \
	    -w '%{http_code}\n' "https://localhost:$PORT/r.txt"
	# Keep-alive: several requests on one TLS connection.
	same 'hello from tamarin\nhello from tamarin\n' \
	    tcurl localhost "https://localhost:$PORT/" "https://localhost:$PORT/"
	# The access log (JSON) names the version and the cipher.
	wait_for 30 grep -q '"uri":"/r.txt"' access.log ||
	    atf_fail "no access log line"
	atf_check -o match:'"tls_version":"TLSv1\.[23]","tls_cipher":"[A-Z0-9_-]+"' \
	    grep '"uri":"/r.txt"' access.log
}
get_head_range_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case slots_show_tls cleanup
slots_show_tls_head() {
	atf_set descr "tamarinctl shows an https slot's TLS version and cipher"
	atf_set require.progs "openssl"
}
slots_show_tls_body() {
	tls_setup
	start_daemon
	# A connection held open after its handshake.
	(sleep 5 | openssl s_client -connect "127.0.0.1:$PORT" \
	    -servername localhost -tls1_3 -ciphersuites TLS_AES_128_GCM_SHA256 \
	    >/dev/null 2>&1 &)
	wait_for 50 sh -c 'test "$(tmq slots reading)" = 1' ||
	    atf_fail "no TLS connection"
	atf_check -o match:' TLS ' \
	    -o match:'https +web .* 1\.3/TLS_AES_128_GCM_SHA256 ' \
	    "$TAMARINCTL" -s tamarind.shm show slots
	atf_check -o inline:'yes\n' tmq eval slots \
	    "[(s['tls'], s['tls_version'], s['tls_cipher']) for s in d['slots']] == [(True, 'TLSv1.3', 'TLS_AES_128_GCM_SHA256')]"
}
slots_show_tls_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case slots_handshake_bytes cleanup
slots_handshake_bytes_head() {
	atf_set descr "tamarinctl shows a stalled handshake's bytes in and out as they crossed the socket: the ClientHello read, the server's flight written"
	atf_set require.progs "python3"
}
slots_handshake_bytes_body() {
	tls_setup
	start_daemon
	# A ClientHello, the server's whole first flight read, then silence:
	# the handshake waits for the client's Finished.
	python3 - "$PORT" <<'PY' &
import os, socket, ssl, sys, time
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
inb, outb = ssl.MemoryBIO(), ssl.MemoryBIO()
o = ctx.wrap_bio(inb, outb, server_hostname="localhost")
try:
    o.do_handshake()
except ssl.SSLWantReadError:
    pass
hello = outb.read()
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(hello)
got = b""
s.settimeout(1.0)
try:
    while True:
        b = s.recv(65536)
        if not b:
            break
        got += b
except socket.timeout:
    pass
with open("flight.tmp", "w") as f:
    f.write("%d %d\n" % (len(hello), len(got)))
os.rename("flight.tmp", "flight")
end = time.time() + 30
while time.time() < end and not os.path.exists("release"):
    time.sleep(0.1)
s.close()
PY
	echo $! > client.pid
	wait_for 100 test -f flight || atf_fail "the client got no flight"
	read hin hout < flight
	[ "$hin" -gt 0 ] && [ "$hout" -gt 0 ] || atf_fail "flight: $hin $hout"
	atf_check -o inline:"[('handshake', $hin, $hout)]\n" tmq eval slots \
	    "[(s['state'], s['bytes_in'], s['bytes_out']) for s in d['slots']]"
	# The table too: state H, the bytes in and out.
	atf_check -o match:" H +https +web .* $hin +$hout " \
	    "$TAMARINCTL" -s tamarind.shm show slots
	touch release
	wait
}
slots_handshake_bytes_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	touch release
	[ -f client.pid ] && kill "$(cat client.pid)" 2>/dev/null
	stop_daemon
}

atf_test_case sni cleanup
sni_head() {
	atf_set descr "SNI picks the site's certificate: exact, wildcard, else the listener's"
	atf_set require.progs "curl openssl"
}
sni_body() {
	tls_setup
	start_daemon
	same 'subject=CN=a.test\n' subject a.test
	same 'subject=CN=*.b.test\n' subject x.b.test
	same 'subject=CN=*.b.test\n' subject X.Y.B.TEST
	same 'subject=CN=localhost\n' subject b.test
	same 'subject=CN=localhost\n' subject unknown.test
	# Verified end to end, each name against its own certificate.
	same 'site a\n' tcurl a.test "https://a.test:$PORT/"
	same 'site b\n' tcurl x.b.test "https://x.b.test:$PORT/"
	same 'hello from tamarin\n' \
	    tcurl localhost "https://localhost:$PORT/"
	# ALPN: http/1.1 is chosen.
	atf_check -o match:'^ALPN protocol: http/1.1' sh -c \
	    "openssl s_client -connect 127.0.0.1:$PORT -alpn h2,http/1.1 \
	    </dev/null 2>/dev/null"
}
sni_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case old_protocols cleanup
old_protocols_head() {
	atf_set descr "TLS 1.0 and 1.1 are refused by default; 1.2 and 1.3 served"
	atf_set require.progs "openssl"
}
old_protocols_body() {
	tls_setup
	start_daemon
	atf_check -o match:'Protocol *: TLSv1.2' -o match:'^New, TLSv1.2' \
	    sh -c "openssl s_client -connect 127.0.0.1:$PORT -tls1_2 \
	    </dev/null 2>/dev/null"
	atf_check -o match:'^New, TLSv1.3' sh -c \
	    "openssl s_client -connect 127.0.0.1:$PORT -tls1_3 </dev/null \
	    2>/dev/null"
	# Can this OpenSSL offer them at all?  Ask a server that takes them.
	sport=$(free_port)
	openssl s_server -accept "127.0.0.1:$sport" -cert default.pem \
	    -key default.key -cipher 'DEFAULT:@SECLEVEL=0' -naccept 3 \
	    -quiet >/dev/null 2>&1 &
	echo $! > s_server.pid
	wait_for 50 nc -z 127.0.0.1 "$sport" ||
	    atf_fail "openssl s_server did not start"
	offered=
	for v in tls1 tls1_1; do
		if openssl s_client -connect "127.0.0.1:$sport" -"$v" \
		    -cipher 'DEFAULT:@SECLEVEL=0' </dev/null 2>/dev/null |
		    grep -q '^New, TLSv1'; then
			offered="$offered $v"
		fi
	done
	kill "$(cat s_server.pid)" 2>/dev/null
	[ -n "$offered" ] ||
	    atf_skip "the local OpenSSL cannot offer TLS 1.0 or 1.1"
	for v in $offered; do
		openssl s_client -connect "127.0.0.1:$PORT" -"$v" \
		    -cipher 'DEFAULT:@SECLEVEL=0' </dev/null >out 2>&1
		grep -q '^New, (NONE), Cipher is (NONE)' out ||
		    atf_fail "-$v was not refused: $(brief out)"
		grep -q 'alert protocol version' out ||
		    atf_fail "-$v: no protocol_version alert: $(brief out)"
	done
}
old_protocols_cleanup() {
	[ -f s_server.pid ] && kill "$(cat s_server.pid)" 2>/dev/null
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}


# resume VERSION: a full handshake, then resumptions with its session
# until one lands on the other worker; each must say "Reused".
resume() {
	printf 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' > req
	h1=$(worker_ctr 1 tls_handshakes)
	h2=$(worker_ctr 2 tls_handshakes)
	openssl s_client -connect "127.0.0.1:$PORT" -servername localhost \
	    -CAfile ca.pem "$1" -sess_out sess.pem -ign_eof <req >full 2>&1
	grep -q "^New, " full || atf_fail "$1: first handshake: $(brief full)"
	grep -q "hello from tamarin" full || atf_fail "$1: no response"
	if [ "$(worker_ctr 1 tls_handshakes)" -gt "$h1" ]; then
		first=1 other=2
	elif [ "$(worker_ctr 2 tls_handshakes)" -gt "$h2" ]; then
		first=2 other=1
	else
		atf_fail "$1: no worker counted the handshake"
	fi
	r0=$(worker_ctr $other tls_resumed)
	i=0
	while [ $i -lt 10 ]; do
		openssl s_client -connect "127.0.0.1:$PORT" \
		    -servername localhost -CAfile ca.pem "$1" \
		    -sess_in sess.pem -ign_eof <req >again 2>&1
		grep -q '^Reused, ' again ||
		    atf_fail "$1: not resumed: $(brief again)"
		grep -q "hello from tamarin" again ||
		    atf_fail "$1: no response after resuming"
		[ "$(worker_ctr $other tls_resumed)" -gt "$r0" ] && return 0
		i=$((i + 1))
	done
	atf_fail "$1: no resumption on worker $other (the first was $first)"
}

# records PORT GAP CHUNK...: over one TLS connection, send each CHUNK as
# its own record, GAP seconds apart (0: corked, in one TCP segment), then
# read until the server closes and print one line per response: its
# status code and its body.
records() {
	python3 - "$@" <<'PY'
import os, socket, ssl, sys, time
port, gap, chunks = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3:]
ctx = ssl.create_default_context(cafile="ca.pem")
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), 5),
                    server_hostname="localhost")
if gap == 0:
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
for c in chunks:
    s.sendall(c.encode().decode("unicode_escape").encode("latin-1"))
    time.sleep(gap)
if gap == 0:
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 0)
if os.environ.get("RECORDS_SHUT"):
    # The client's FIN (no close_notify) right after its requests.
    socket.socket(fileno=os.dup(s.fileno())).shutdown(socket.SHUT_WR)
buf = b""
while True:
    d = s.recv(65536)
    if not d:
        break
    buf += d
while buf:
    head, _, buf = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    n = [int(l.split(":", 1)[1]) for l in lines
         if l.lower().startswith("content-length:")][0]
    print(lines[0].split()[1], buf[:n].decode("latin-1"))
    buf = buf[n:]
PY
}

atf_test_case records_pipelined cleanup
records_pipelined_head() {
	atf_set descr "pipelined requests in separate records, and a request split over records, are all answered in order"
	atf_set require.progs "python3"
}
records_pipelined_body() {
	tls_setup
	start_daemon
	# Three records that arrive together: OpenSSL reads them in one
	# read(2) and must hand out all three without a new edge.
	same '206 01\n206 23\n206 45\n' records "$PORT" 0 \
	    'GET /r.txt HTTP/1.1\r\nHost: localhost\r\nRange: bytes=0-1\r\n\r\n' \
	    'GET /r.txt HTTP/1.1\r\nHost: localhost\r\nRange: bytes=2-3\r\n\r\n' \
	    'GET /r.txt HTTP/1.1\r\nHost: localhost\r\nRange: bytes=4-5\r\nConnection: close\r\n\r\n'
	# One request in pieces, each after the socket went empty: the
	# rest must be read when it comes, not left behind.
	same '200 0123456789abcdefghij\n' records "$PORT" 0.2 \
	    'GET /r.txt HT' 'TP/1.1\r\nHost: loc' \
	    'alhost\r\nConnection: close\r\n\r\n'
	# 300 requests in one record, then the client's FIN: all answered
	# over several turns, then the close at once, not at the keep-alive
	# timeout (the FIN's one edge came while requests were queued).
	req= want= i=0
	while [ $i -lt 300 ]; do
		req="${req}GET /r.txt HTTP/1.1\r\nHost: localhost\r\n\r\n"
		want="${want}200 0123456789abcdefghij\n"
		i=$((i + 1))
	done
	export RECORDS_SHUT=1
	same "$want" records "$PORT" 0 "$req"
	unset RECORDS_SHUT
}
records_pipelined_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case idle_release cleanup
idle_release_head() {
	atf_set descr "a keep-alive connection idle past the buffer release (100 ms) is served again, and so are others meanwhile"
	atf_set require.progs "python3"
}
idle_release_body() {
	tls_setup
	start_daemon
	# Each request leaves the connection idle; after 0.5 s its buffers
	# are gone and the next record needs new ones.
	records "$PORT" 0.5 \
	    'GET /r.txt HTTP/1.1\r\nHost: localhost\r\nRange: bytes=0-3\r\n\r\n' \
	    'GET /r.txt HTTP/1.1\r\nHost: localhost\r\nRange: bytes=4-7\r\n\r\n' \
	    'GET /r.txt HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' \
	    >got &
	same 'hello from tamarin\n' tcurl localhost "https://localhost:$PORT/"
	wait $! || atf_fail "records failed"
	same '206 0123\n206 4567\n200 0123456789abcdefghij\n' cat got
}
idle_release_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case resumption cleanup
resumption_head() {
	atf_set descr "a session made on one worker resumes on the other (tickets), TLS 1.2 and 1.3"
	atf_set require.progs "openssl"
}
resumption_body() {
	tls_setup 2
	start_daemon tamarin.conf 2
	resume -tls1_3
	resume -tls1_2
}
resumption_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

# sess_try PORT SESSION ARGS...: connect to PORT offering the saved
# SESSION and print s_client's "New" or "Reused" line.
sess_try() {
	_p=$1 _s=$2
	shift 2
	openssl s_client -connect "127.0.0.1:$_p" -servername a.test \
	    -sess_in "$_s" "$@" -ign_eof <req 2>/dev/null |
	    grep -E '^(New|Reused), '
}

atf_test_case resumption_per_listener cleanup
resumption_per_listener_head() {
	atf_set descr "a session resumes only on the listener that made it: another listener's certificate and ciphers are never bypassed, TLS 1.2 and 1.3"
	atf_set require.progs "openssl"
}
resumption_per_listener_body() {
	tls_setup
	# Site a.test has its own certificate on every listener (a site
	# context each); s1 has the default settings, s2 TLS 1.2 and
	# ChaCha20 only, s3 one TLS 1.3 suite.
	cat > tamarin.conf <<CONF
version = 1;
daemon = { pidfile = "tamarind.pid"; segment = "tamarind.shm"; };
workers = { count = 1; slots_per_worker = 64; };
listeners = (
	{ name = "s1"; address = "127.0.0.1"; port = 0; protocol = "https";
	  tls = { certificate = "default.pem"; key = "default.key"; }; },
	{ name = "s2"; address = "127.0.0.1"; port = 0; protocol = "https";
	  tls = { certificate = "b.pem"; key = "b.key";
		  protocols = [ "TLSv1.2" ]; ciphers = "ECDHE+CHACHA20"; }; },
	{ name = "s3"; address = "127.0.0.1"; port = 0; protocol = "https";
	  tls = { certificate = "b.pem"; key = "b.key";
		  ciphersuites = "TLS_CHACHA20_POLY1305_SHA256"; }; }
);
sites = ( { names = [ "a.test" ]; root = "www";
	    tls = { certificate = "a.pem"; key = "a.key"; }; } );
CONF
	start_daemon
	p1=$(tmq port s1) p2=$(tmq port s2) p3=$(tmq port s3)
	# A request, so that s_client waits for the TLS 1.3 ticket.
	printf 'GET / HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n' > req
	openssl s_client -connect "127.0.0.1:$p1" -servername a.test \
	    -tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256 -sess_out s12.pem \
	    -ign_eof <req >full12 2>&1
	grep -q '^New, TLSv1.2, Cipher is ECDHE-ECDSA-AES128-GCM-SHA256$' \
	    full12 || atf_fail "TLS 1.2 on s1: $(brief full12)"
	same 'New, TLSv1.2, Cipher is ECDHE-ECDSA-CHACHA20-POLY1305\n' \
	    sess_try "$p2" s12.pem -tls1_2
	same 'Reused, TLSv1.2, Cipher is ECDHE-ECDSA-AES128-GCM-SHA256\n' \
	    sess_try "$p1" s12.pem -tls1_2
	openssl s_client -connect "127.0.0.1:$p1" -servername a.test \
	    -tls1_3 -ciphersuites TLS_AES_128_GCM_SHA256 -sess_out s13.pem \
	    -ign_eof <req >full13 2>&1
	grep -q '^New, TLSv1.3, Cipher is TLS_AES_128_GCM_SHA256$' full13 ||
	    atf_fail "TLS 1.3 on s1: $(brief full13)"
	same 'New, TLSv1.3, Cipher is TLS_CHACHA20_POLY1305_SHA256\n' \
	    sess_try "$p3" s13.pem -tls1_3
	same 'Reused, TLSv1.3, Cipher is TLS_AES_128_GCM_SHA256\n' \
	    sess_try "$p1" s13.pem -tls1_3
	# A reload keeps the listener, and so its sessions.
	kill -HUP "$(cat tamarind.pid)"
	wait_for 100 sh -c "tmq eval workers \"[w['generation'] for w in d['workers'] if w['state'] == 'running']\" | grep -qx '\[2\]'" ||
	    atf_fail "generation 2 does not run alone"
	same 'Reused, TLSv1.2, Cipher is ECDHE-ECDSA-AES128-GCM-SHA256\n' \
	    sess_try "$p1" s12.pem -tls1_2
	same 'Reused, TLSv1.3, Cipher is TLS_AES_128_GCM_SHA256\n' \
	    sess_try "$p1" s13.pem -tls1_3
	same 'New, TLSv1.2, Cipher is ECDHE-ECDSA-CHACHA20-POLY1305\n' \
	    sess_try "$p2" s12.pem -tls1_2
}
resumption_per_listener_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case resumption_reload_ciphers cleanup
resumption_reload_ciphers_head() {
	atf_set descr "a reload that changes a listener's ciphers, suites, versions or groups ends its sessions: a TLS 1.2 session never resumes with a cipher the listener no longer has"
	atf_set require.progs "openssl"
}
resumption_reload_ciphers_body() {
	tls_setup
	start_daemon
	printf 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' > req
	openssl s_client -connect "127.0.0.1:$PORT" -servername a.test \
	    -tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256 -sess_out s12.pem \
	    -ign_eof <req >full12 2>&1
	grep -q '^New, TLSv1.2, Cipher is ECDHE-ECDSA-AES128-GCM-SHA256$' \
	    full12 || atf_fail "TLS 1.2: $(brief full12)"
	# A reload that changes nothing of the listener keeps its sessions.
	kill -HUP "$(cat tamarind.pid)"
	wait_for 100 sh -c "tmq eval workers \"[w['generation'] for w in d['workers'] if w['state'] == 'running']\" | grep -qx '\[2\]'" ||
	    atf_fail "generation 2 does not run alone"
	same 'Reused, TLSv1.2, Cipher is ECDHE-ECDSA-AES128-GCM-SHA256\n' \
	    sess_try "$PORT" s12.pem -tls1_2
	# AES-GCM taken away: the session's cipher is gone with it.
	sed -e '7s|key = "default.key";|& ciphers = "ECDHE+CHACHA20";|' \
	    tamarin.conf > t.conf && mv t.conf tamarin.conf
	grep -q CHACHA20 tamarin.conf || atf_fail "sed did not change the file"
	kill -HUP "$(cat tamarind.pid)"
	wait_for 100 sh -c "tmq eval workers \"[w['generation'] for w in d['workers'] if w['state'] == 'running']\" | grep -qx '\[3\]'" ||
	    atf_fail "generation 3 does not run alone"
	same 'New, TLSv1.2, Cipher is ECDHE-ECDSA-CHACHA20-POLY1305\n' \
	    sess_try "$PORT" s12.pem -tls1_2
}
resumption_reload_ciphers_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

# sni_try SESSION NAME ARGS...: offer the saved SESSION with SNI NAME
# ("-": none) and print, on one line, the certificate's subject and "New"
# or "Reused" with the version, as s_client reports them.
sni_try() {
	_s=$1 _n=$2
	shift 2
	if [ "$_n" = - ]; then
		set -- -noservername "$@"
	else
		set -- -servername "$_n" "$@"
	fi
	openssl s_client -connect "127.0.0.1:$PORT" -sess_in "$_s" "$@" \
	    -ign_eof <req 2>/dev/null | sed -n -E -e 's/^subject=//p' \
	    -e 's/^(New|Reused), (TLSv1\.[23]),.*/\1 \2/p' | paste -sd ' ' -
}

atf_test_case resumption_sni cleanup
resumption_sni_head() {
	atf_set descr "a session resumes only with the server name it was made for, in any case; another name, or none for one, gets a full handshake and its own certificate (RFC 6066 3), TLS 1.2 and 1.3"
	atf_set require.progs "openssl"
}
resumption_sni_body() {
	tls_setup
	start_daemon
	# A request, so that s_client waits for the TLS 1.3 ticket.
	printf 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' > req
	for v in -tls1_2 -tls1_3; do
		V=TLSv1.${v#-tls1_}
		openssl s_client -connect "127.0.0.1:$PORT" -servername a.test \
		    "$v" -sess_out "a$v.pem" -ign_eof <req >full 2>&1
		grep -q "^New, $V," full || atf_fail "$v a.test: $(brief full)"
		openssl s_client -connect "127.0.0.1:$PORT" -noservername \
		    "$v" -sess_out "none$v.pem" -ign_eof <req >full 2>&1
		grep -q "^New, $V," full || atf_fail "$v no SNI: $(brief full)"
		# The same name, whatever its case or a final dot.
		same "CN = a.test Reused $V\n" sni_try "a$v.pem" a.test "$v"
		same "CN = a.test Reused $V\n" sni_try "a$v.pem" A.Test "$v"
		same "CN = a.test Reused $V\n" sni_try "a$v.pem" a.test. "$v"
		# Another site's name: that site's certificate, and a ticket
		# for that name.
		same "CN = *.b.test New $V\n" sni_try "a$v.pem" x.b.test "$v" \
		    -sess_out "b$v.pem"
		same "CN = *.b.test Reused $V\n" sni_try "b$v.pem" x.b.test "$v"
		same "CN = a.test New $V\n" sni_try "b$v.pem" a.test "$v"
		# A name the listener's own certificate answers is another
		# name all the same; so is none.
		same "CN = localhost New $V\n" sni_try "a$v.pem" localhost "$v"
		same "CN = localhost New $V\n" sni_try "a$v.pem" - "$v"
		# A session made without SNI resumes only without it.
		same "CN = localhost Reused $V\n" sni_try "none$v.pem" - "$v"
		same "CN = localhost New $V\n" sni_try "none$v.pem" localhost "$v"
		same "CN = a.test New $V\n" sni_try "none$v.pem" a.test "$v"
	done
	# The server counted what the client saw: 2 x 5 resumptions.
	same '26\n' worker_ctr 1 tls_handshakes
	same '10\n' worker_ctr 1 tls_resumed
}
resumption_sni_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case ticket_chain cleanup
ticket_chain_head() {
	atf_set descr "TLS 1.3: one ticket per full handshake and a fresh one after each resumption, so a chain of reconnects all resume"
	atf_set require.progs "openssl"
}
ticket_chain_body() {
	tls_setup 1
	start_daemon tamarin.conf 1
	printf 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' > req
	openssl s_client -connect "127.0.0.1:$PORT" -servername localhost \
	    -CAfile ca.pem -tls1_3 -sess_out s0.pem -ign_eof <req >c0 2>&1
	grep -q '^New, ' c0 || atf_fail "first: $(brief c0)"
	atf_check -o inline:'1\n' grep -c 'Post-Handshake New Session Ticket' c0
	# Each resumption must hand out the ticket the next one uses: TLS
	# 1.3 clients do not use a ticket twice.
	for i in 1 2 3 4; do
		openssl s_client -connect "127.0.0.1:$PORT" \
		    -servername localhost -CAfile ca.pem -tls1_3 \
		    -sess_in s$((i - 1)).pem -sess_out s$i.pem -ign_eof \
		    <req >c$i 2>&1
		grep -q '^Reused, ' c$i || atf_fail "resumption $i: $(brief c$i)"
		[ "$(grep -c 'Post-Handshake New Session Ticket' c$i)" = 1 ] ||
		    atf_fail "resumption $i: no fresh ticket"
		cmp -s s$((i - 1)).pem s$i.pem &&
		    atf_fail "resumption $i: the same session again"
	done
	r=$(worker_ctr 1 tls_resumed)
	[ "$r" = 4 ] || atf_fail "$r resumptions counted, not 4"
}
ticket_chain_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case chain_as_loaded cleanup
chain_as_loaded_head() {
	atf_set descr "The certificate file's chain goes out as written: leaf and intermediate from a chain file, the leaf alone from a leaf-only file"
	atf_set require.progs "openssl"
}
chain_as_loaded_body() {
	tls_setup 1
	# An intermediate CA under the test CA signs the leaf a.test.
	printf 'basicConstraints=critical,CA:true\nkeyUsage=critical,keyCertSign\n' > int.ext
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	    -subj '/CN=tamarin test intermediate' -keyout int.key \
	    -out int.csr 2>/dev/null &&
	openssl x509 -req -in int.csr -CA ca.pem -CAkey ca.key \
	    -CAcreateserial -days 2 -extfile int.ext -out int.pem \
	    2>/dev/null || atf_fail "openssl: cannot make the intermediate"
	printf 'subjectAltName=DNS:a.test\n' > leaf.ext
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	    -subj '/CN=a.test' -keyout a.key -out leaf.csr 2>/dev/null &&
	openssl x509 -req -in leaf.csr -CA int.pem -CAkey int.key \
	    -CAcreateserial -days 2 -extfile leaf.ext -out leaf.pem \
	    2>/dev/null || atf_fail "openssl: cannot make the leaf"
	cat leaf.pem int.pem > a.pem
	start_daemon tamarin.conf 1
	for n in a.test localhost; do
		openssl s_client -connect "127.0.0.1:$PORT" -servername $n \
		    -CAfile ca.pem -verify_return_error -showcerts \
		    </dev/null >$n.out 2>&1
	done
	grep -q 'Verify return code: 0 (ok)' a.test.out ||
	    atf_fail "a.test: $(brief a.test.out)"
	atf_check -o inline:'2\n' grep -c '^-----BEGIN CERTIFICATE' a.test.out
	atf_check -o match:'^ 1 s:CN = tamarin test intermediate' \
	    cat a.test.out
	# A leaf alone goes out alone.
	grep -q 'Verify return code: 0 (ok)' localhost.out ||
	    atf_fail "localhost: $(brief localhost.out)"
	atf_check -o inline:'1\n' grep -c '^-----BEGIN CERTIFICATE' \
	    localhost.out
}
chain_as_loaded_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case ticket_rotation cleanup
ticket_rotation_head() {
	atf_set descr "after a key rotation every worker has the new key (a new session resumes on the other worker) and keeps the old one"
	atf_set require.progs "openssl"
	atf_set timeout 200
}
ticket_rotation_body() {
	tls_setup 2
	echo 'tls = { ticket_rotate_sec = 60; };' >> tamarin.conf
	start_daemon tamarin.conf 2
	printf 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' > req
	# A ticket lives one rotation period (60 s): make it shortly before
	# the rotation, so that it is still young after it.
	sleep 45
	grep -q 'session ticket keys rotated' daemon.log &&
	    atf_fail "rotated early"
	openssl s_client -connect "127.0.0.1:$PORT" -servername localhost \
	    -CAfile ca.pem -sess_out old.pem -ign_eof <req >full 2>&1
	grep -q "^New, " full || atf_fail "first handshake: $(brief full)"
	# The master rotates within a second of the 60 s.
	wait_for 700 grep -q 'session ticket keys rotated' daemon.log ||
	    atf_fail "no rotation"
	sleep 0.5
	# Sealed with the new key by one worker, opened by the other: the
	# keys reached every worker over its channel.
	resume -tls1_3
	resume -tls1_2
	# A ticket under the previous key still resumes.
	openssl s_client -connect "127.0.0.1:$PORT" -servername localhost \
	    -CAfile ca.pem -sess_in old.pem -ign_eof <req >again 2>&1
	grep -q '^Reused, ' again || atf_fail "old ticket: $(brief again)"
	# Keys never reach the log.
	atf_check -s exit:1 grep -qi 'key.*[0-9a-f]\{32\}' daemon.log
}
ticket_rotation_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case ticket_rotation_reload cleanup
ticket_rotation_reload_head() {
	atf_set descr "a reload that shortens ticket_rotate_sec rotates the keys on the new schedule, not at the end of the old period"
	atf_set require.progs "openssl"
	atf_set timeout 200
}
ticket_rotation_reload_body() {
	tls_setup 2
	cp tamarin.conf short.conf
	echo 'tls = { ticket_rotate_sec = 86400; };' >> tamarin.conf
	echo 'tls = { ticket_rotate_sec = 60; };' >> short.conf
	start_daemon tamarin.conf 2
	cp short.conf tamarin.conf
	kill -HUP "$(cat tamarind.pid)"
	wait_for 100 sh -c "tmq eval workers \"[w['generation'] for w in d['workers'] if w['state'] == 'running']\" | grep -qx '\[2, 2\]'" ||
	    atf_fail "generation 2 does not run alone"
	# 60 s from the reload (and the master's tick), not 86400 s.
	wait_for 750 grep -q 'session ticket keys rotated' daemon.log ||
	    atf_fail "no rotation 75 s after the reload to 60 s"
	sleep 0.5
	resume -tls1_3
}
ticket_rotation_reload_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case handshake_timeout cleanup
handshake_timeout_head() {
	atf_set descr "a client stalled mid-handshake is cut at handshake_sec; others are served"
	atf_set require.progs "curl python3"
}
handshake_timeout_body() {
	tls_setup 1 1
	start_daemon
	# A record header and half a ClientHello, then silence; the time is
	# the client's, from its connection to the close.
	python3 "$TMCLIENT" --timeout 5 --eof raw --elapsed elapsed "$PORT" \
	    '\x16\x03\x01\x01\x00\x01\x00\x00\xfc\x03\x03' > out &
	stalled=$!
	# In the handshake as soon as the worker has it (python's start-up
	# may take a while on a loaded machine).
	wait_for 50 sh -c "test \"\$($TAMARINCTL -s tamarind.shm show slots |
	    awk '\$5 == \"https\" { print \$4 }')\" = H" ||
	    atf_fail "no handshake slot"
	atf_check -o inline:'H\n' sh -c "$TAMARINCTL -s tamarind.shm show slots |
	    awk '\$5 == \"https\" { print \$4 }'"
	same 'hello from tamarin\n' \
	    tcurl localhost "https://localhost:$PORT/"
	wait $stalled
	atf_check -o inline:'[closed]\n' cat out
	d=$(cat elapsed)
	[ "$d" -ge 900 ] && [ "$d" -le 1800 ] || atf_fail "closed after $d ms"
	same '1\n' worker_err 1 timeout
}
handshake_timeout_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case silent_reclaimed cleanup
silent_reclaimed_head() {
	atf_set descr "every slot taken: a TLS connection that has sent nothing is closed for a waiting client, one mid-handshake is not"
	atf_set require.progs "curl python3"
}
silent_reclaimed_body() {
	tls_setup
	# Two slots; no deferred accept, so a silent client takes a slot.
	cat > tamarin.conf <<CONF
version = 1;
daemon = { pidfile = "tamarind.pid"; segment = "tamarind.shm"; };
workers = { count = 1; slots_per_worker = 2; };
timeouts = { tick_ms = 100; tls = { handshake_sec = 30; }; };
listeners = (
	{ name = "web"; address = "127.0.0.1"; port = 0; protocol = "https";
	  defer_accept = 0;
	  tls = { certificate = "default.pem"; key = "default.key"; }; }
);
sites = ( { names = [ "localhost" ]; root = "www"; } );
CONF
	start_daemon
	# The older: half a ClientHello, then silence (mid-handshake).
	python3 "$TMCLIENT" --timeout 30 --eof raw "$PORT" \
	    '\x16\x03\x01\x01\x00\x01\x00\x00\xfc\x03\x03' > stalled.out &
	stalled=$!
	wait_for 50 sh -c 'test "$(tmq slots handshake)" = 1' ||
	    atf_fail "the stalled client is not in its handshake"
	# The newer: connected, nothing sent.
	python3 "$TMCLIENT" --timeout 30 --eof steps "$PORT" "" > silent.out &
	silent=$!
	wait_for 50 sh -c 'test "$(tmq slots handshake)" = 2' ||
	    atf_fail "the silent client is not in its handshake"
	# Both quiet for over a second: a newcomer waits in the backlog
	# only until the silent one is closed, not for handshake_sec.
	sleep 1.2
	t0=$(ms_now)
	same 'hello from tamarin\n' \
	    tcurl localhost --max-time 10 "https://localhost:$PORT/"
	t1=$(ms_now)
	d=$((t1 - t0))
	[ "$d" -le 1000 ] || atf_fail "the newcomer was served after $d ms"
	wait $silent
	same '[step 1]\n[closed]\n' cat silent.out
	atf_check -o inline:'1\n' tmq eval summary "d['totals']['reclaimed']"
	# The client mid-handshake was older, yet it keeps its slot.
	wait_for 50 sh -c 'test "$(tmq slots)" = 1' ||
	    atf_fail "slots in use: $(tmq slots), not 1"
	atf_check -o inline:'1\n' tmq slots handshake
	kill -0 "$stalled" 2>/dev/null || atf_fail "the stalled client was closed"
	same '' cat stalled.out
}
silent_reclaimed_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case garbage cleanup
garbage_head() {
	atf_set descr "garbage on the TLS port is cut at once, counted, and harms nobody"
	atf_set require.progs "curl python3"
}
garbage_body() {
	tls_setup
	start_daemon
	head -c 4096 /dev/urandom | od -An -tx1 | tr -d ' \n' |
	    sed 's/\(..\)/\\x\1/g' > noise
	python3 "$TMCLIENT" --timeout 3 --eof raw "$PORT" \
	    "\\x00\\x00$(cat noise)" > out
	atf_check -o match:'\[(closed|reset)\]$' tail -c 10 out
	python3 "$TMCLIENT" --timeout 3 --eof raw "$PORT" \
	    '\x16\x03\x01\x00\x07garbage' > out2
	atf_check -o match:'\[(closed|reset)\]$' tail -c 10 out2
	same 'hello from tamarin\n' \
	    tcurl localhost "https://localhost:$PORT/"
	same '2\n' worker_err 1 tls
	wait_for 20 sh -c 'test "$(tmq slots)" = 0' || atf_fail "slots left"
}
garbage_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case plain_http cleanup
plain_http_head() {
	atf_set descr "plain HTTP sent to the TLS port gets a plain-text 400 and a close, whatever its method"
	atf_set require.progs "curl python3"
}
plain_http_body() {
	tls_setup
	start_daemon
	printf 'HTTP/1.1 400 Bad Request\r\nServer: tamarin/V\r\nDate: (date)\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 52\r\nConnection: close\r\n\r\nThis port speaks HTTPS: use an https:// URL for it.\n[closed]\n' > want
	python3 "$TMCLIENT" --mask-date --timeout 3 --eof raw "$PORT" \
	    'GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: test\r\n\r\n' |
	    sed 's|^Server: tamarin/[0-9][0-9.]*|Server: tamarin/V|' > got
	atf_check cmp want got
	# Any method, known to OpenSSL or not, in any case: a token and a
	# space where a TLS record header belongs.
	for m in DELETE OPTIONS PATCH TRACE get X-Unknown.1~; do
		python3 "$TMCLIENT" --mask-date --timeout 3 --eof raw "$PORT" \
		    "$m /x HTTP/1.1\r\nHost: localhost\r\n\r\n" |
		    sed 's|^Server: tamarin/[0-9][0-9.]*|Server: tamarin/V|' > got
		cmp -s want got || atf_fail "$m: got '$(cat got)'"
	done
	# Not a method and a space: no HTTP answer, only the close.
	for d in 'GET/ HTTP/1.1\r\n\r\n' ' GET / HTTP/1.1\r\n\r\n' \
	    'GE"T / HTTP/1.1\r\n\r\n'; do
		python3 "$TMCLIENT" --timeout 3 --eof raw "$PORT" "$d" > got
		grep -qxE '\[(closed|reset)\]' got || atf_fail "$d: got '$(cat got)'"
	done
	atf_check -o inline:'400\n' curl -s -o /dev/null -w '%{http_code}\n' \
	    "http://127.0.0.1:$PORT/"
	atf_check -o inline:'400\n' curl -s -o /dev/null -w '%{http_code}\n' \
	    -X DELETE "http://127.0.0.1:$PORT/"
	same 'hello from tamarin\n' \
	    tcurl localhost "https://localhost:$PORT/"
}
plain_http_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case plain_http_head cleanup
plain_http_head_head() {
	atf_set descr "plain HTTP HEAD sent to the TLS port gets the 400's head without its content (RFC 9110 9.3.2)"
	atf_set require.progs "curl python3"
}
plain_http_head_body() {
	tls_setup
	start_daemon
	printf 'HTTP/1.1 400 Bad Request\r\nServer: tamarin/V\r\nDate: (date)\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 52\r\nConnection: close\r\n\r\n[closed]\n' > want
	python3 "$TMCLIENT" --mask-date --timeout 3 --eof raw "$PORT" \
	    'HEAD / HTTP/1.1\r\nHost: localhost\r\n\r\n' |
	    sed 's|^Server: tamarin/[0-9][0-9.]*|Server: tamarin/V|' > got
	atf_check cmp want got
	# curl -I reads exactly the head.
	atf_check -o inline:'400\n' curl -s -I -o /dev/null -w '%{http_code}\n' \
	    "http://127.0.0.1:$PORT/"
	# Methods are case-sensitive: "head" is not HEAD, and gets the page.
	python3 "$TMCLIENT" --timeout 3 --eof raw "$PORT" \
	    'head / HTTP/1.1\r\nHost: localhost\r\n\r\n' > got
	atf_check -o match:'^This port speaks HTTPS' cat got
}
plain_http_head_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case plain_http_logged cleanup
plain_http_logged_head() {
	atf_set descr "plain HTTP sent to the TLS port gets an access log line, JSON or combined, as any refused request: status 400, the bytes sent, the request as far as it came, in the log of the site its Host names"
	atf_set require.progs "python3"
}
plain_http_logged_body() {
	tls_setup
	# a.test logs in the combined format.
	sed -i 's|root = "a";|root = "a"; access_log = { path = "a.log"; format = "combined"; };|' \
	    tamarin.conf
	start_daemon
	python3 "$TMCLIENT" --timeout 3 --eof raw "$PORT" \
	    'GET /x?y=1 HTTP/1.1\r\nHost: localhost\r\nUser-Agent: plain-agent\r\nReferer: http://r.test/\r\n\r\n' > got1
	atf_check -o match:'^This port speaks HTTPS' -o match:'^\[closed\]$' \
	    cat got1
	python3 "$TMCLIENT" --timeout 3 --eof raw "$PORT" \
	    'HEAD /h HTTP/1.0\r\nHost: A.test:443\r\n\r\n' > got2
	atf_check -o match:'^\[closed\]$' -o not-match:'speaks' cat got2
	# A head cut short: logged as far as it came, by the default site.
	python3 "$TMCLIENT" --timeout 3 --eof raw --shut "$PORT" \
	    'POST /partial HTTP/1.1\r\nHost: a.te' > got3
	atf_check -o match:'^This port speaks HTTPS' cat got3
	# Not even a request line: logged as it came.
	python3 "$TMCLIENT" --timeout 3 --eof raw --shut "$PORT" \
	    'GET /no-version' > got4
	atf_check -o match:'^This port speaks HTTPS' cat got4
	wait_for 50 sh -c 'test "$(wc -l < access.log)" -ge 3' ||
	    atf_fail "access.log: $(cat access.log)"
	wait_for 50 grep -q 'HEAD' a.log || atf_fail "a.log: $(cat a.log)"
	python3 - access.log <<'PY' || atf_fail "access.log: $(cat access.log)"
import json, sys
ls = [json.loads(l) for l in open(sys.argv[1])]
assert len(ls) == 3, ls
a, b, c = ls
for k, v in [("method", "GET"), ("uri", "/x?y=1"), ("protocol", "HTTP/1.1"),
             ("status", 400), ("bytes_sent", 52), ("host", "localhost"),
             ("user_agent", "plain-agent"), ("referer", "http://r.test/"),
             ("remote_addr", "127.0.0.1"), ("tls_version", None),
             ("tls_cipher", None)]:
    assert a[k] == v, (k, a)
for k, v in [("method", "POST"), ("uri", "/partial"),
             ("protocol", "HTTP/1.1"), ("status", 400), ("bytes_sent", 52),
             ("host", "")]:
    assert b[k] == v, (k, b)
for k, v in [("method", ""), ("uri", "GET /no-version"), ("protocol", ""),
             ("status", 400), ("bytes_sent", 52)]:
    assert c[k] == v, (k, c)
PY
	atf_check -o match:'^127\.0\.0\.1 - - \[[^]]+\] "HEAD /h HTTP/1\.0" 400 0 "-" "-"$' \
	    cat a.log
	# Counted as before: failed handshakes, not protocol errors; and
	# as answered requests, one per log line.
	same '4\n' worker_err 1 tls
	same '0\n' worker_err 1 protocol
	same '4\n' worker_ctr 1 requests
	wait_for 30 sh -c 'test "$(tmq slots)" = 0' || atf_fail "slots left"
}
plain_http_logged_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case plain_http_upload cleanup
plain_http_upload_head() {
	atf_set descr "plain HTTP with an 8 MB body sent to the TLS port: the body is drained by the lingering close, through the event loop, and a client that reads only after sending it all gets the whole 400, not a reset (RFC 9112 9.6)"
	atf_set require.progs "curl python3"
}
plain_http_upload_body() {
	tls_setup
	start_daemon
	printf 'HTTP/1.1 400 Bad Request\r\nServer: tamarin/V\r\nDate: (date)\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 52\r\nConnection: close\r\n\r\nThis port speaks HTTPS: use an https:// URL for it.\n[closed]\n' > want
	for i in 1 2 3; do
		python3 "$TMCLIENT" --mask-date --eof --timeout 5 upload "$PORT" \
		    'POST /up HTTP/1.1\r\nHost: localhost\r\nContent-Length: 8000000\r\n\r\n' \
		    8000000 |
		    sed 's|^Server: tamarin/[0-9][0-9.]*|Server: tamarin/V|' > got
		atf_check -o file:want cat got
	done
	# The worker was never held: served while a client uploads.
	python3 "$TMCLIENT" --timeout 5 upload "$PORT" \
	    'POST /up HTTP/1.1\r\nHost: localhost\r\nContent-Length: 4000000\r\n\r\n' \
	    4000000 > /dev/null &
	same 'hello from tamarin\n' \
	    tcurl localhost "https://localhost:$PORT/"
	wait
	same '4\n' worker_err 1 tls
	wait_for 30 sh -c 'test "$(tmq slots)" = 0' || atf_fail "slots left"
}
plain_http_upload_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case protocol_switch cleanup
protocol_switch_head() {
	atf_set descr "a reload switches a listener between https and http on the same socket; a download in flight finishes in the old protocol"
	atf_set require.progs "curl openssl"
}
protocol_switch_body() {
	tls_setup
	cp tamarin.conf https.conf
	cat > http.conf <<CONF
version = 1;
daemon = { pidfile = "tamarind.pid"; segment = "tamarind.shm"; };
workers = { count = 1; slots_per_worker = 64; };
listeners = ( { name = "web"; address = "127.0.0.1"; port = 0; } );
sites = ( { root = "www"; } );
CONF
	atf_check -o inline:'configuration OK\n' "$TAMARIND" -t -c http.conf
	start_daemon
	same 'hello from tamarin\n' tcurl localhost "https://localhost:$PORT/"
	# Larger than any send buffer: the worker is still writing it when
	# the reload comes, 2 MB/s later.
	head -c $(($(cut -f3 /proc/sys/net/ipv4/tcp_wmem) + 4194304)) \
	    /dev/urandom > www/huge.bin
	want=$(sha256sum < www/huge.bin | cut -d' ' -f1)
	tcurl localhost --limit-rate 2000000 -o got.bin \
	    "https://localhost:$PORT/huge.bin" &
	dl=$!
	# Being written, or (loopback buffers can take it all at once)
	# written and still being read by curl.
	wait_for 100 sh -c 'test "$(tmq eval slots "len([s for s in d[\"slots\"] if s[\"state\"] == \"writing\" or s[\"path\"] == \"/huge.bin\"])")" = 1' ||
	    atf_fail "the download is not under way"
	cp http.conf tamarin.conf
	kill -HUP "$(cat tamarind.pid)"
	wait_for 100 sh -c "$TAMARINCTL -s tamarind.shm show summary |
	    grep -q '^generation *2\$'" || atf_fail "no generation 2"
	wait_for 100 sh -c "tmq eval workers \"len([w for w in d['workers'] if w['generation'] == 2 and w['state'] == 'running'])\" | grep -qx 1" ||
	    atf_fail "generation 2 does not run"
	# Same port, now plain HTTP; TLS is refused there.
	atf_check -o inline:"$PORT\n" tmq port web
	atf_check -o inline:'http\n' tmq eval listeners \
	    "[l['protocol'] for l in d['listeners'] if l['name'] == 'web'][0]"
	same 'hello from tamarin\n' curl -s "http://127.0.0.1:$PORT/"
	atf_check -s not-exit:0 -o ignore -e ignore \
	    tcurl localhost -m 5 "https://localhost:$PORT/"
	wait $dl || atf_fail "the download in flight failed"
	atf_check -o inline:"$want\n" sh -c 'sha256sum < got.bin | cut -d" " -f1'
	# And back to https.
	cp https.conf tamarin.conf
	kill -HUP "$(cat tamarind.pid)"
	wait_for 100 sh -c "tmq eval workers \"len([w for w in d['workers'] if w['generation'] == 3 and w['state'] == 'running'])\" | grep -qx 1" ||
	    atf_fail "generation 3 does not run"
	atf_check -o inline:"$PORT\n" tmq port web
	same 'hello from tamarin\n' tcurl localhost "https://localhost:$PORT/"
	same 'site a\n' tcurl a.test "https://a.test:$PORT/"
	atf_check -o inline:'https\n' tmq eval listeners \
	    "[l['protocol'] for l in d['listeners'] if l['name'] == 'web'][0]"
	atf_check -o match:'listener web: http from now on' cat daemon.log
	atf_check -o match:'listener web: https from now on' cat daemon.log
}
protocol_switch_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case protocol_errors cleanup
protocol_errors_head() {
	atf_set descr "-t refuses protocols and ciphers that would fail every handshake: a gap in the versions, an empty list, no cipher for the key, TLS 1.0/1.1 alone above security level 0"
	atf_set require.progs "openssl"
}
protocol_errors_body() {
	tls_setup
	# tls_conf puts the listener's tls block on line 7.
	tconf() {
		sed -e "7s|key = \"default.key\";|& $2|" tamarin.conf > "$1"
		grep -qF "$2" "$1" || atf_fail "sed did not change $1"
	}
	tconf gap.conf 'protocols = [ "TLSv1.1", "TLSv1.3" ];'
	atf_check -s exit:1 -o empty \
	    -e inline:'gap.conf:7: protocols: TLSv1.2 is missing between TLSv1.1 and TLSv1.3; OpenSSL offers only versions in an unbroken run\ngap.conf: configuration test failed (1 error)\n' \
	    "$TAMARIND" -t -c gap.conf
	tconf empty.conf 'protocols = [ ];'
	atf_check -s exit:1 -o empty \
	    -e match:'^empty\.conf:7: protocols: the list is empty' \
	    "$TAMARIND" -t -c empty.conf
	tconf anull.conf 'ciphers = "aNULL";'
	atf_check -s exit:1 -o empty \
	    -e match:"^anull\\.conf:7: tls: ciphers: 'aNULL' leaves TLSv1\\.2 and older no cipher usable with the key .*/default\\.key\$" \
	    -e match:'configuration test failed \(1 error\)' \
	    "$TAMARIND" -t -c anull.conf
	# RSA suites only, and every key here is ECDSA.
	tconf rsa.conf 'ciphers = "ECDHE-RSA-AES128-GCM-SHA256";'
	atf_check -s exit:1 -o empty \
	    -e match:"^rsa\\.conf:7: tls: ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' leaves TLSv1\\.2" \
	    "$TAMARIND" -t -c rsa.conf
	tconf old.conf 'protocols = [ "TLSv1", "TLSv1.1" ];'
	atf_check -s exit:1 -o empty \
	    -e match:'^old\.conf:7: tls: protocols: TLSv1 and TLSv1\.1 need SHA-1 signatures, which OpenSSL refuses at security level [1-9]' \
	    "$TAMARIND" -t -c old.conf
	# What still works: TLS 1.3 alone whatever the 1.2 ciphers, and
	# all four versions (1.0 and 1.1 then only at security level 0).
	tconf t13.conf 'protocols = [ "TLSv1.3" ]; ciphers = "aNULL";'
	atf_check -o inline:'configuration OK\n' "$TAMARIND" -t -c t13.conf
	tconf all.conf 'protocols = [ "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3" ];'
	atf_check -o inline:'configuration OK\n' "$TAMARIND" -t -c all.conf
	start_daemon all.conf
	atf_check -o match:'^New, TLSv1.2' sh -c "openssl s_client \
	    -connect 127.0.0.1:$PORT -tls1_2 </dev/null 2>/dev/null"
	atf_check -o match:'^New, TLSv1.3' sh -c "openssl s_client \
	    -connect 127.0.0.1:$PORT -tls1_3 </dev/null 2>/dev/null"
}
protocol_errors_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case cert_errors cleanup
cert_errors_head() {
	atf_set descr "-t and a reload report unreadable, broken and mismatched certificates and keys with file:line; a reload picks up a new certificate"
	atf_set require.progs "curl openssl"
}
cert_errors_body() {
	tls_setup
	# Line 7 has the listener's tls block, line 13 site a's.
	sed -e 's/"default.key"/"missing.key"/' tamarin.conf > t1.conf
	atf_check -s exit:1 -o empty \
	    -e match:'^t1\.conf:7: tls: key .*/missing\.key: No such file or directory$' \
	    "$TAMARIND" -t -c t1.conf
	printf 'not a certificate\n' > junk.pem
	sed -e 's/"a.pem"/"junk.pem"/' tamarin.conf > t2.conf
	atf_check -s exit:1 -o empty \
	    -e match:'^t2\.conf:13: tls: certificate .*/junk\.pem: ' \
	    "$TAMARIND" -t -c t2.conf
	sed -e 's/"a.key"/"b.key"/' tamarin.conf > t3.conf
	atf_check -s exit:1 -o empty \
	    -e match:'^t3\.conf:13: tls: key .*/b\.key' \
	    "$TAMARIND" -t -c t3.conf
	# Key material never shows in a message.
	"$TAMARIND" -t -c t3.conf 2>err
	atf_check -s exit:1 grep -q 'PRIVATE' err
	atf_check -o inline:'configuration OK\n' "$TAMARIND" -t -c tamarin.conf

	start_daemon
	same 'subject=CN=a.test\n' subject a.test
	# A broken certificate on reload: logged, generation 1 serves on.
	cp tamarin.conf good.conf
	cp t3.conf tamarin.conf
	kill -HUP "$(cat tamarind.pid)"
	wait_for 50 grep -q 'tamarin\.conf:13: tls: key' daemon.log ||
	    atf_fail "the reload did not report the key"
	atf_check -o match:'^generation +1$' "$TAMARINCTL" -s tamarind.shm \
	    show summary
	same 'site a\n' tcurl a.test "https://a.test:$PORT/"
	# A renewed certificate: the next generation presents it.
	cp good.conf tamarin.conf
	tls_cert a a.test 'DNS:a.test,DNS:renewed.a.test'
	kill -HUP "$(cat tamarind.pid)"
	wait_for 50 sh -c "$TAMARINCTL -s tamarind.shm show summary |
	    grep -q '^generation *2\$'" || atf_fail "no generation 2"
	wait_for 50 sh -c "openssl s_client -connect 127.0.0.1:$PORT \
	    -servername a.test </dev/null 2>/dev/null |
	    openssl x509 -noout -ext subjectAltName | grep -q renewed" ||
	    atf_fail "the new certificate is not served"
}
cert_errors_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case key_errors cleanup
key_errors_head() {
	atf_set descr "-t and a reload say plainly that a key is passphrase-protected, or that a file holds no PEM key or certificate, not OpenSSL's 'PEM lib'"
	atf_set require.progs "curl openssl"
}
key_errors_body() {
	tls_setup
	# Line 7 has the listener's tls block, line 13 site a's.
	openssl pkey -in a.key -aes256 -passout pass:secret -out enc.key ||
	    atf_fail "openssl: cannot encrypt the key"
	sed -e 's/"a.key"/"enc.key"/' tamarin.conf > enc.conf
	atf_check -s exit:1 -o empty \
	    -e inline:"enc.conf:13: tls: key $PWD/enc.key: encrypted with a passphrase, which tamarind cannot ask for; give it the key unencrypted\nenc.conf: configuration test failed (1 error)\n" \
	    "$TAMARIND" -t -c enc.conf
	# The older encrypted PEM form (Proc-Type: 4,ENCRYPTED) too.
	openssl ec -in a.key -aes128 -passout pass:secret -out enc2.key \
	    2>/dev/null || atf_fail "openssl: cannot encrypt the key"
	grep -q ENCRYPTED enc2.key || atf_fail "enc2.key is not encrypted"
	sed -e 's/"a.key"/"enc2.key"/' tamarin.conf > enc2.conf
	atf_check -s exit:1 -o empty \
	    -e match:"^enc2\\.conf:13: tls: key .*/enc2\\.key: encrypted with a passphrase" \
	    "$TAMARIND" -t -c enc2.conf
	# The certificate and the key swapped, and an empty key file.
	sed -e 's/"a.pem"; key = "a.key"/"a.key"; key = "a.pem"/' \
	    tamarin.conf > swap.conf
	grep -q '"a.key"; key = "a.pem"' swap.conf || atf_fail "sed"
	atf_check -s exit:1 -o empty \
	    -e inline:"swap.conf:13: tls: certificate $PWD/a.key: no PEM certificate in it\nswap.conf: configuration test failed (1 error)\n" \
	    "$TAMARIND" -t -c swap.conf
	: > empty.key
	sed -e 's/"a.key"/"empty.key"/' tamarin.conf > empty.conf
	atf_check -s exit:1 -o empty \
	    -e inline:"empty.conf:13: tls: key $PWD/empty.key: no PEM private key in it\nempty.conf: configuration test failed (1 error)\n" \
	    "$TAMARIND" -t -c empty.conf
	# On reload: the error, with its line, and generation 1 serves on.
	start_daemon
	cp enc.conf tamarin.conf
	kill -HUP "$(cat tamarind.pid)"
	wait_for 50 grep -q 'tamarin\.conf:13: tls: key .*/enc\.key: encrypted with a passphrase' daemon.log ||
	    atf_fail "the reload did not report the key: $(grep -i 'key' daemon.log)"
	atf_check -o match:'^generation +1$' "$TAMARINCTL" -s tamarind.shm \
	    show summary
	same 'site a\n' tcurl a.test "https://a.test:$PORT/"
}
key_errors_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case dual_certificates cleanup
dual_certificates_head() {
	atf_set descr "an ECDSA and an RSA certificate on one listener: each client gets one it can verify, with its own OCSP response; two of one key type, unpaired lists and a crossed key are config errors"
	atf_set require.progs "curl openssl"
}
dual_certificates_body() {
	tls_setup
	# rsa.pem: the same name, an RSA key.
	printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > rsa.ext
	openssl req -newkey rsa:2048 -nodes -subj '/CN=localhost rsa' \
	    -keyout rsa.key -out rsa.csr 2>/dev/null &&
	openssl x509 -req -in rsa.csr -CA ca.pem -CAkey ca.key \
	    -CAcreateserial -days 2 -extfile rsa.ext -out rsa.pem \
	    2>/dev/null || atf_fail "openssl: cannot make rsa"
	# A response for each, signed by the CA itself.
	for n in default rsa; do
		serial=$(openssl x509 -in $n.pem -noout -serial | cut -d= -f2)
		printf 'V\t%s\t\t%s\tunknown\t/CN=%s\n' \
		    "$(date -u -d '+2 days' +%y%m%d%H%M%SZ)" "$serial" $n >> index.txt
		openssl ocsp -issuer ca.pem -cert $n.pem -reqout $n.req \
		    >/dev/null 2>&1 &&
		openssl ocsp -index index.txt -rsigner ca.pem -rkey ca.key \
		    -CA ca.pem -reqin $n.req -respout $n.der -ndays 1 \
		    >/dev/null 2>&1 || atf_fail "openssl ocsp: no response"
	done
	# setcerts CERTS KEYS [OCSP]: the listener's pair of lists.
	setcerts() {
		sed -e "s|certificate = \"default.pem\"; key = \"default.key\";|certificate = $1; key = $2;${3:+ ocsp_response = $3;}|" \
		    tamarin.conf.orig > tamarin.conf
	}
	cp tamarin.conf tamarin.conf.orig
	setcerts '[ "default.pem", "rsa.pem" ]' '[ "default.key", "rsa.key" ]' \
	    '[ "default.der", "rsa.der" ]'
	start_daemon
	# peer ARGS...: the subject and key type of the certificate shown,
	# and the serial number of the stapled OCSP response, if any.
	peer() {
		openssl s_client -connect "127.0.0.1:$PORT" -servername localhost \
		    -status "$@" </dev/null >out 2>&1
		# The OCSP part may hold its signer's certificate.
		sed -n '/^Server certificate$/,/^-----END CERTIFICATE-----$/p' \
		    out > peer.pem
		openssl x509 -in peer.pem -noout -subject -nameopt RFC2253
		openssl x509 -in peer.pem -noout -text |
		    sed -n 's/^ *Public Key Algorithm: //p'
		sed -n 's/^ *Serial Number: //p' out
	}
	ec_serial=$(openssl x509 -in default.pem -noout -serial | cut -d= -f2)
	rsa_serial=$(openssl x509 -in rsa.pem -noout -serial | cut -d= -f2)
	ec="subject=CN=localhost\nid-ecPublicKey\n$ec_serial\n"
	rsa="subject=CN=localhost rsa\nrsaEncryption\n$rsa_serial\n"
	# TLS 1.3: by the signature algorithms the client accepts.
	same "$ec" peer -tls1_3 -sigalgs ecdsa_secp256r1_sha256
	same "$rsa" peer -tls1_3 -sigalgs rsa_pss_rsae_sha256
	# TLS 1.2: by the cipher's authentication.
	same "$ec" peer -tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256
	same "$rsa" peer -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256
	# Each verifies and is served.
	same 'hello from tamarin\n' tcurl localhost --tls-max 1.2 \
	    --ciphers ECDHE-RSA-AES128-GCM-SHA256 "https://localhost:$PORT/"
	same 'hello from tamarin\n' tcurl localhost --tls-max 1.2 \
	    --ciphers ECDHE-ECDSA-AES128-GCM-SHA256 "https://localhost:$PORT/"
	# "" in the OCSP list: that certificate staples nothing.
	setcerts '[ "default.pem", "rsa.pem" ]' '[ "default.key", "rsa.key" ]' \
	    '[ "", "rsa.der" ]'
	kill -HUP "$(cat tamarind.pid)"
	wait_for 50 sh -c "$TAMARINCTL -s tamarind.shm show summary |
	    grep -q '^generation *2\$'" || atf_fail "no generation 2"
	same "subject=CN=localhost\nid-ecPublicKey\n" peer -tls1_3 \
	    -sigalgs ecdsa_secp256r1_sha256
	same "$rsa" peer -tls1_3 -sigalgs rsa_pss_rsae_sha256

	# Errors, each with the tls block's line (7).
	# refused CERTS KEYS OCSP MESSAGE: -t fails with MESSAGE (a regex).
	refused() {
		setcerts "$1" "$2" "$3"
		atf_check -s exit:1 -o empty -e match:"^tamarin\.conf:7: $4\$" \
		    "$TAMARIND" -t -c tamarin.conf
	}
	refused '[ "default.pem", "a.pem" ]' '[ "default.key", "a.key" ]' '' \
	    'tls: certificate .*/a\.pem has an ECDSA key, as .*/default\.pem has; OpenSSL keeps one certificate per key type'
	refused '[ "default.pem", "rsa.pem" ]' '"default.key"' '' \
	    'key: 1 for 2 certificates; list one key per certificate, in the same order'
	refused '[ "default.pem", "rsa.pem" ]' '[ "default.key", "rsa.key" ]' \
	    '"rsa.der"' \
	    'ocsp_response: 1 for 2 certificates; list one per certificate, in the same order \("" for none\)'
	refused '[ "default.pem", "rsa.pem" ]' '[ "rsa.key", "default.key" ]' '' \
	    'tls: key .*/rsa\.key does not match certificate .*/default\.pem'
	refused '[ ]' '[ ]' '' \
	    'certificate: 1 to 4 paths, one per certificate'
	refused '[ "default.pem", "" ]' '[ "default.key", "rsa.key" ]' '' \
	    'certificate: empty path'
	# "" means none only in a list; alone it is an empty path.
	refused '"rsa.pem"' '"rsa.key"' '""' 'ocsp_response: empty path'
	# A site's block with unpaired lists: that error alone, no word of
	# the listener's ciphers and a key "(null)".
	sed -e 's|certificate = "a.pem"; key = "a.key";|certificate = [ "a.pem", "rsa.pem" ];|' \
	    tamarin.conf.orig > tamarin.conf
	atf_check -s exit:1 -o empty \
	    -e inline:'tamarin.conf:13: tls: key is required\ntamarin.conf: configuration test failed (1 error)\n' \
	    "$TAMARIND" -t -c tamarin.conf
	sed -e 's|certificate = "a.pem"; key = "a.key";|certificate = [ "a.pem", "rsa.pem" ]; key = "a.key";|' \
	    tamarin.conf.orig > tamarin.conf
	atf_check -s exit:1 -o empty \
	    -e inline:'tamarin.conf:13: key: 1 for 2 certificates; list one key per certificate, in the same order\ntamarin.conf: configuration test failed (1 error)\n' \
	    "$TAMARIND" -t -c tamarin.conf
	# The single form is still the common one.
	setcerts '"rsa.pem"' '"rsa.key"' '"rsa.der"'
	atf_check -o inline:'configuration OK\n' "$TAMARIND" -t -c tamarin.conf
}
dual_certificates_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case ocsp_stapling cleanup
ocsp_stapling_head() {
	atf_set descr "ocsp_response is stapled for clients that ask; a file that is not one is a config error"
	atf_set require.progs "openssl"
}
ocsp_stapling_body() {
	tls_setup
	# A response for the default certificate, signed by the CA itself.
	serial=$(openssl x509 -in default.pem -noout -serial | cut -d= -f2)
	printf 'V\t%s\t\t%s\tunknown\t/CN=localhost\n' \
	    "$(date -u -d '+2 days' +%y%m%d%H%M%SZ)" "$serial" > index.txt
	openssl ocsp -issuer ca.pem -cert default.pem -reqout req.der \
	    >/dev/null 2>&1 &&
	openssl ocsp -index index.txt -rsigner ca.pem -rkey ca.key \
	    -CA ca.pem -reqin req.der -respout resp.der -ndays 1 \
	    >/dev/null 2>&1 || atf_fail "openssl ocsp: no response"
	sed -e 's/key = "default.key";/key = "default.key"; ocsp_response = "resp.der";/' \
	    tamarin.conf > t.conf && mv t.conf tamarin.conf
	cp ca.pem notocsp.der
	sed -e 's/"resp.der"/"notocsp.der"/' tamarin.conf > bad.conf
	atf_check -s exit:1 -o empty \
	    -e match:'^bad\.conf:7: tls: ocsp_response .*/notocsp\.der: not a DER OCSP response$' \
	    "$TAMARIND" -t -c bad.conf
	start_daemon
	openssl s_client -connect "127.0.0.1:$PORT" -servername localhost \
	    -status </dev/null >out 2>&1
	atf_check -o match:'OCSP Response Status: successful' \
	    -o match:'Cert Status: good' cat out
	openssl s_client -connect "127.0.0.1:$PORT" -servername localhost \
	    </dev/null >out 2>&1
	atf_check -o not-match:'OCSP Response Status' cat out
}
ocsp_stapling_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

# redirect_conf: listener "web" redirects with 301, "alt" with 308 to
# port 8443; "https" serves.  Request lines up to 64 KiB.
redirect_conf() {
	cat > tamarin.conf <<'CONF'
version = 1;
daemon = { pidfile = "tamarind.pid"; segment = "tamarind.shm"; };
workers = { count = 1; slots_per_worker = 64; };
http = { max_request_line_bytes = 65536; };
listeners = (
	{ name = "web"; address = "127.0.0.1"; port = 0; redirect_https = 301; },
	{ name = "alt"; address = "127.0.0.1"; port = 0; redirect_https = 308;
	  redirect_port = 8443; },
	{ name = "tls"; address = "127.0.0.1"; port = 0; protocol = "https";
	  tls = { certificate = "default.pem"; key = "default.key"; }; }
);
sites = ( { names = [ "localhost" ]; root = "www"; access_log = "access.log"; } );
CONF
}

# location PORT TARGET HOST: status and Location of one request.
location() {
	python3 "$TMCLIENT" req "$1" "$2" --vhost "$3" |
	    tr -d '\r' | sed -n -e '1s/^HTTP\/1.1 \([0-9]*\) .*/\1/p' \
	    -e 's/^Location: //p'
}

atf_test_case redirect cleanup
redirect_head() {
	atf_set descr "redirect_https answers every request with 301/308 to https://host[:port]\$request_uri, logged by the site"
	atf_set require.progs "curl python3"
}
redirect_body() {
	tls_ca
	tls_cert default localhost 'DNS:localhost'
	tls_site
	redirect_conf
	start_daemon
	same '301\nhttps://localhost/\n' \
	    location "$PORT" / localhost
	same '301\nhttps://example.org/a/b%20c?x=1&y=2\n' \
	    location "$PORT" '/a/b%20c?x=1&y=2' 'Example.ORG:8080'
	same '308\nhttps://localhost:8443/a?q\n' \
	    location "$PORT2" '/a?q' localhost
	same '308\nhttps://[::1]:8443/\n' \
	    location "$PORT2" / '[::1]:80'
	# Absolute form: the path and query only, for the request's host.
	same '301\nhttps://localhost/p?q=1\n' \
	    location "$PORT" 'http://localhost/p?q=1' localhost
	# An empty path is "/", a query after it too (RFC 9112 §3.2.2).
	same '301\nhttps://localhost/\n' \
	    location "$PORT" 'http://localhost' localhost
	same '301\nhttps://localhost/?q=1\n' \
	    location "$PORT" 'http://localhost?q=1' localhost
	# What the parser lets through in a query that is no URI (a '"', a
	# bare '%') goes out escaped, as the redirect handler's does.
	same '301\nhttps://localhost/a?q=100%25&s=%22x%22\n' \
	    location "$PORT" '/a?q=100%&s="x"' localhost
	# A long target is kept whole; one too long for a Location is a
	# 414, never a Location cut short.
	q=$(printf 'q%.0s' $(seq 9000))
	same "308\nhttps://localhost:8443/a?$q\n" \
	    location "$PORT2" "/a?$q" localhost
	q=$(printf 'q%.0s' $(seq 20000))
	same '414\n' location "$PORT" "/a?$q" localhost
	# Any method, no site needed; a body-less 301 with curl.
	atf_check -o inline:'301 https://localhost/x\n' curl -s -o /dev/null \
	    -X POST -w '%{http_code} %{redirect_url}\n' \
	    "http://localhost:$PORT/x"
	# A body is not read: the connection closes after the one answer,
	# so a request inside the body is never taken for the next one.
	inner='GET /smuggled HTTP/1.1\r\nHost: localhost\r\n\r\n'
	len=$(printf "$inner" | wc -c)
	for framing in "Content-Length: $len\r\n\r\n$inner" \
	    "Transfer-Encoding: chunked\r\n\r\n$(printf %x "$len")\r\n$inner\r\n0\r\n\r\n"; do
		python3 "$TMCLIENT" --eof raw "$PORT" \
		    "POST /x HTTP/1.1\r\nHost: localhost\r\n$framing" > out
		atf_check -o inline:'1\n' grep -c '^HTTP/1.1 ' out
		atf_check -o match:'^Location: https://localhost/x' \
		    -o match:'^Connection: close' -o match:'\[closed\]$' cat out
	done
	# Each is logged by the site: the one its Host names, else the
	# listener's default (RFC-wise the same answer; for the operator,
	# a line).
	wait_for 30 sh -c 'test "$(grep -c "POST /x HTTP/1.1\" 301 " access.log)" -ge 3' ||
	    atf_fail "access.log: $(cat access.log)"
	for l in '"GET / HTTP/1.1" 301 ' '"GET /a/b%20c?x=1&y=2 HTTP/1.1" 301 ' \
	    '"GET /a?q HTTP/1.1" 308 ' '"GET http://localhost/p?q=1 HTTP/1.1" 301 '; do
		atf_check -o not-inline:'0\n' grep -cF "$l" access.log
	done
}
redirect_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_init_test_cases() {
	. "$(atf_get_srcdir)/helpers.subr"
	atf_add_test_case get_head_range
	atf_add_test_case slots_show_tls
	atf_add_test_case slots_handshake_bytes
	atf_add_test_case sni
	atf_add_test_case old_protocols
	atf_add_test_case records_pipelined
	atf_add_test_case idle_release
	atf_add_test_case resumption
	atf_add_test_case resumption_per_listener
	atf_add_test_case resumption_reload_ciphers
	atf_add_test_case resumption_sni
	atf_add_test_case ticket_chain
	atf_add_test_case chain_as_loaded
	atf_add_test_case ticket_rotation
	atf_add_test_case ticket_rotation_reload
	atf_add_test_case handshake_timeout
	atf_add_test_case silent_reclaimed
	atf_add_test_case garbage
	atf_add_test_case plain_http
	atf_add_test_case plain_http_head
	atf_add_test_case plain_http_logged
	atf_add_test_case plain_http_upload
	atf_add_test_case protocol_switch
	atf_add_test_case protocol_errors
	atf_add_test_case cert_errors
	atf_add_test_case key_errors
	atf_add_test_case ocsp_stapling
	atf_add_test_case dual_certificates
	atf_add_test_case redirect
}
