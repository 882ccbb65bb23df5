#! /usr/bin/atf-sh
# PROXY protocol listeners: HAProxy (Debian's) in front with send-proxy
# and send-proxy-v2, over HTTP and HTTPS; raw v1/v2 headers; what is not
# a header (plain HTTP, garbage, a stall, an untrusted sender) is closed.
#
# Clients bind to 127.0.0.2 (curl --interface), so the address in the
# access log can only have come from the header, never from the socket
# HAProxy connected from (127.0.0.1).

proxy_site() {
	mkdir -p www
	printf 'hello from tamarin\n' > www/index.html
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
	    -nodes -days 2 -subj /CN=localhost \
	    -addext subjectAltName=DNS:localhost -keyout key.pem \
	    -out cert.pem 2>/dev/null || atf_fail "openssl: no certificate"
}

# proxy_conf [TRUSTED]: "web" (http) and "tls" (https) expect a header;
# "plain" does not.  TRUSTED: a proxy_trusted list for both.
proxy_conf() {
	_tr=
	[ -n "$1" ] && _tr="proxy_trusted = [ $1 ];"
	cat > tamarin.conf <<CONF
version = 1;
daemon = { pidfile = "tamarind.pid"; segment = "tamarind.shm"; };
workers = { count = 1; slots_per_worker = 64; };
timeouts = { tick_ms = 100; tls = { handshake_sec = 1; }; };
listeners = (
	{ name = "web"; address = "127.0.0.1"; port = 0;
	  proxy_protocol = true; $_tr },
	{ name = "alt"; address = "127.0.0.1"; port = 0; },
	{ name = "tls"; address = "127.0.0.1"; port = 0; protocol = "https";
	  proxy_protocol = true; $_tr
	  tls = { certificate = "cert.pem"; key = "key.pem"; }; }
);
sites = ( { names = [ "*" ]; root = "www";
	    access_log = { path = "access.log"; format = "json"; }; } );
CONF
}

# haproxy_start: frontends on FE_V2 (HTTP mode, send-proxy-v2), FE_V1
# (HTTP mode, send-proxy) and FE_TLS (TCP mode, send-proxy-v2 to the
# https listener).
haproxy_start() {
	FE_V2=$(free_port)
	FE_V1=$(free_port)
	FE_TLS=$(free_port)
	TLSPORT=$(tmq port tls)
	cat > haproxy.cfg <<CONF
global
	maxconn 64
defaults
	timeout connect 5s
	timeout client 10s
	timeout server 10s
frontend fe_v2
	mode http
	bind 127.0.0.1:$FE_V2
	default_backend be_v2
backend be_v2
	mode http
	server s 127.0.0.1:$PORT send-proxy-v2
frontend fe_v1
	mode http
	bind 127.0.0.1:$FE_V1
	default_backend be_v1
backend be_v1
	mode http
	server s 127.0.0.1:$PORT send-proxy
frontend fe_tls
	mode tcp
	bind 127.0.0.1:$FE_TLS
	default_backend be_tls
backend be_tls
	mode tcp
	server s 127.0.0.1:$TLSPORT send-proxy-v2
CONF
	haproxy -c -q -f haproxy.cfg || atf_fail "haproxy refuses its config"
	haproxy -D -p haproxy.pid -f haproxy.cfg 2>haproxy.log ||
	    atf_fail "haproxy did not start: $(cat haproxy.log)"
	wait_for 50 test -s haproxy.pid || atf_fail "no haproxy.pid"
	wait_for 50 nc -z 127.0.0.1 "$FE_TLS" ||
	    atf_fail "haproxy does not listen"
}

haproxy_stop() {
	[ -f haproxy.pid ] || return 0
	for _p in $(cat haproxy.pid); do
		kill "$_p" 2>/dev/null
	done
	rm -f haproxy.pid
}

# logged URI: the access log's remote_addr for the request of URI.
logged() {
	wait_for 30 grep -q "\"uri\":\"$1\"" access.log || return 1
	grep "\"uri\":\"$1\"" access.log | tail -1 |
	    sed 's/.*"remote_addr":"\([^"]*\)".*/\1/'
}

atf_test_case haproxy_http cleanup
haproxy_http_head() {
	atf_set descr "behind HAProxy (send-proxy-v2 and send-proxy) the log shows the original client"
	atf_set require.progs "curl haproxy openssl python3"
}
haproxy_http_body() {
	proxy_site
	proxy_conf
	start_daemon
	haproxy_start
	atf_check -o inline:'hello from tamarin\n' curl -sS --interface \
	    127.0.0.2 "http://127.0.0.1:$FE_V2/?via=v2"
	atf_check -o inline:'hello from tamarin\n' curl -sS --interface \
	    127.0.0.2 "http://127.0.0.1:$FE_V1/?via=v1"
	same '127.0.0.2\n' logged '/?via=v2'
	same '127.0.0.2\n' logged '/?via=v1'
	# Several requests on HAProxy's kept-alive server connection.
	atf_check -o inline:'hello from tamarin\nhello from tamarin\n' \
	    curl -sS --interface 127.0.0.2 "http://127.0.0.1:$FE_V2/?k=1" \
	    "http://127.0.0.1:$FE_V2/?k=2"
	same '127.0.0.2\n' logged '/?k=2'
}
haproxy_http_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	haproxy_stop
	stop_daemon
}

atf_test_case haproxy_https cleanup
haproxy_https_head() {
	atf_set descr "HTTPS behind HAProxy in TCP mode with PROXY v2: the header, then the handshake"
	atf_set require.progs "curl haproxy openssl python3"
}
haproxy_https_body() {
	proxy_site
	proxy_conf
	start_daemon
	haproxy_start
	atf_check -o inline:'hello from tamarin\n' curl -sS --interface \
	    127.0.0.2 --cacert cert.pem --resolve "localhost:$FE_TLS:127.0.0.1" \
	    "https://localhost:$FE_TLS/?via=tls"
	same '127.0.0.2\n' logged '/?via=tls'
	atf_check -o match:'"tls_version":"TLSv1\.[23]"' \
	    grep '"uri":"/?via=tls"' access.log
	# A connection held open: tamarinctl shows the real peer, proxied.
	python3 -c 'import socket, ssl, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])),
    source_address=("127.0.0.2", 0))
t = ssl.create_default_context(cafile="cert.pem").wrap_socket(s,
    server_hostname="localhost")
time.sleep(4)' "$FE_TLS" &
	wait_for 50 sh -c 'test "$(tmq slots reading)" = 1' ||
	    atf_fail "no proxied TLS connection"
	atf_check -o inline:'yes\n' tmq eval slots \
	    "[(s['proxied'], s['tls'], s['peer'].split(':')[0]) for s in d['slots']] == [(True, True, '127.0.0.2')]"
}
haproxy_https_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	haproxy_stop
	stop_daemon
}

# req N: a request for /?n=N, escaped for tmclient.
req() {
	printf 'GET /?n=%s HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n' "$1"
}

# raw ARGS...: tmclient raw with the connection's end shown.
raw() {
	python3 "$TMCLIENT" --timeout 3 --eof --mask-date raw "$@"
}

# refused PORT DATA: the connection ends with not a byte sent back.  Closed
# or reset: what the peer had sent and we never read makes close() reset.
refused() {
	raw "$@" > refused.out
	case "$(cat refused.out)" in
	'[closed]'|'[reset]')
		return 0 ;;
	esac
	atf_fail "$2: got '$(cat refused.out)'"
}

atf_test_case raw_headers cleanup
raw_headers_head() {
	atf_set descr "v1 and v2 headers by hand: addresses, LOCAL, UNKNOWN, split across packets"
	atf_set require.progs "openssl python3"
}
raw_headers_body() {
	proxy_site
	proxy_conf
	start_daemon
	raw "$PORT" "PROXY TCP4 192.0.2.7 127.0.0.1 5555 80\\r\\n$(req 1)" > out
	atf_check -o match:'^HTTP/1.1 200 OK' head -1 out
	same '192.0.2.7\n' logged '/?n=1'
	raw "$PORT" "PROXY TCP6 2001:db8::5 ::1 5555 80\\r\\n$(req 2)" > out
	atf_check -o match:'^HTTP/1.1 200 OK' head -1 out
	same '2001:db8::5\n' logged '/?n=2'
	# UNKNOWN and LOCAL: the socket's own address stays.
	raw "$PORT" "PROXY UNKNOWN\\r\\n$(req 3)" > out
	atf_check -o match:'^HTTP/1.1 200 OK' head -1 out
	same '127.0.0.1\n' logged '/?n=3'
	SIG='\r\n\r\n\x00\r\nQUIT\n'
	raw "$PORT" "$SIG"'\x20\x00\x00\x00'"$(req 4)" > out
	atf_check -o match:'^HTTP/1.1 200 OK' head -1 out
	same '127.0.0.1\n' logged '/?n=4'
	# v2 PROXY, TCP over IPv4: 198.51.100.9:4000 -> 127.0.0.1:80.
	V2="$SIG"'\x21\x11\x00\x0c\xc6\x33\x64\x09\x7f\x00\x00\x01\x0f\xa0\x00\x50'
	raw "$PORT" "$V2$(req 5)" > out
	atf_check -o match:'^HTTP/1.1 200 OK' head -1 out
	same '198.51.100.9\n' logged '/?n=5'
	# The header in pieces, then the request: read incrementally.
	python3 "$TMCLIENT" --timeout 3 split "$PORT" \
	    "PROXY TCP4 203.0.113.1 127.0.0.1 5555 80\\r\\n$(req 6)" 7 \
	    --delay 0.02 > out
	atf_check -o match:'^HTTP/1.1 200 OK' head -1 out
	same '203.0.113.1\n' logged '/?n=6'
}
raw_headers_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case not_a_header cleanup
not_a_header_head() {
	atf_set descr "plain HTTP, a bad or oversized header, or a stall are closed, never served"
	atf_set require.progs "curl openssl python3"
}
not_a_header_body() {
	proxy_site
	proxy_conf
	start_daemon
	# Plain HTTP where a header belongs: closed, not a byte answered.
	refused "$PORT" \
	    'GET / HTTP/1.1\r\nHost: x\r\n\r\n'
	atf_check -s not-exit:0 -o empty -e ignore curl -sS \
	    "http://127.0.0.1:$PORT/"
	# A TLS ClientHello without a header, on the https listener.
	atf_check -s not-exit:0 -o empty -e ignore curl -sS -k \
	    "https://127.0.0.1:$(tmq port tls)/"
	# Malformed v1, v1 past its 107 bytes, a bad v2 version.
	refused "$PORT" \
	    'PROXY TCP4 1.2.3 127.0.0.1 1 2\r\nGET / HTTP/1.1\r\n\r\n'
	refused "$PORT" \
	    "PROXY TCP4 $(printf '%0120d' 0)\\r\\n"
	refused "$PORT" \
	    '\r\n\r\n\x00\r\nQUIT\n\x31\x11\x00\x0c'
	# Half a header, then silence: cut at handshake_sec (1 s).
	refused "$PORT" 'PROXY TCP4 192.0.2.1'
	# The listener without proxy_protocol is untouched.
	atf_check -o inline:'hello from tamarin\n' curl -sS \
	    "http://127.0.0.1:$PORT2/"
	same '1\n' tmq eval workers "d['workers'][0]['requests']"
	wait_for 20 sh -c 'test "$(tmq slots)" = 0' || atf_fail "slots left"
}
not_a_header_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case untrusted cleanup
untrusted_head() {
	atf_set descr "a sender outside proxy_trusted is closed at once, header or not"
	atf_set require.progs "python3"
}
untrusted_body() {
	proxy_site
	proxy_conf '"10.0.0.0/8", "::1"'
	start_daemon
	refused "$PORT" \
	    'PROXY TCP4 192.0.2.7 127.0.0.1 5555 80\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n'
	refused "$(tmq port tls)" \
	    'PROXY TCP4 192.0.2.7 127.0.0.1 5555 80\r\n'
	same '0\n' tmq eval workers "d['workers'][0]['requests']"
	same '2\n' tmq eval workers "d['workers'][0]['errors']['protocol']"

	# Trusted (127.0.0.0/8): the same header is taken.
	stop_daemon
	proxy_conf '"10.0.0.0/8", "127.0.0.0/8"'
	start_daemon
	raw "$PORT" 'PROXY TCP4 192.0.2.7 127.0.0.1 5555 80\r\nGET /?t HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' > out
	atf_check -o match:'^HTTP/1.1 200 OK' head -1 out
	same '192.0.2.7\n' logged '/?t'
}
untrusted_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_init_test_cases() {
	. "$(atf_get_srcdir)/helpers.subr"
	atf_add_test_case haproxy_http
	atf_add_test_case haproxy_https
	atf_add_test_case raw_headers
	atf_add_test_case not_a_header
	atf_add_test_case untrusted
}
