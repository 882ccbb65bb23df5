#! /usr/bin/atf-sh
# HTTP/1.1 over raw sockets: the strict parser's refusals (each with its
# exact status line and a close), limits, request bodies read and dropped
# at the right byte, Expect, HTTP/1.0, absolute-form, pipelining.
#
# Every response is compared whole: tmclient.py --mask-date prints the
# Date header as "Date: (date)" (only when it is a well-formed HTTP date)
# and --eof says how the connection ended: "[closed]" by the server,
# "[reset]", or "[open]" after --timeout seconds of silence.

# The files served; whole-second mtimes so ETags are predictable.
http_site() {
	mkdir -p www/upload www/sub other
	printf 'hello from tamarin\n' > www/index.html
	printf '0123456789abcdefghij' > www/r.txt
	printf 'second file\n' > www/sub/file.txt
	printf 'uploaded\n' > www/upload/index.html
	printf 'other site\n' > other/index.html
	head -c 1048576 /dev/urandom > www/big.bin
	find www other -type f -exec touch -d '2024-01-02 03:04:05 UTC' {} +
}

# Small limits, so each is easy to pass; /upload/ takes bodies.
http_conf() {
	cat > tamarin.conf <<'CONF'
version = 1;
daemon = { pidfile = "tamarind.pid"; segment = "tamarind.shm"; };
workers = { count = 1; slots_per_worker = 64; shutdown_timeout_sec = 5;
	    heartbeat_timeout_sec = 10; };
http = { max_request_line_bytes = 128; max_header_bytes = 512;
	 max_headers = 8; server_tokens = false; };
listeners = ( { name = "web"; address = "127.0.0.1"; port = 0; } );
sites = (
	{ names = [ "main.test" ]; root = "www"; access_log = "access.log";
	  routes = ( { prefix = "/upload/"; handler = "static";
		       methods = [ "GET", "POST" ];
		       max_body_bytes = 64; },
		     { prefix = "/"; handler = "static"; } ); },
	{ names = [ "other.test" ]; root = "other"; }
);
CONF
}

http_start() {
	http_site
	http_conf
	start_daemon
}

TXT='text/plain; charset=utf-8'
HTML='text/html; charset=utf-8'

# refused CODE REASON REQUEST: REQUEST gets exactly the error page and a
# close.  A function, so each case reads as a table.
nref=0
refused() {
	nref=$((nref + 1))
	tm_error_resp "$1" "$2" > want
	printf '[closed]\n' >> want
	atf_check -o file:want python3 "$TMCLIENT" --mask-date --eof \
	    raw "$PORT" "$3"
}

atf_test_case parser__bad_head cleanup
parser__bad_head_head() {
	atf_set descr "malformed request lines and fields: 400 and a close"
}
parser__bad_head_body() {
	http_start
	H='Host: main.test\r\n'
	# Host: required in 1.1, once, well-formed.
	refused 400 'Bad Request' 'GET / HTTP/1.1\r\n\r\n'
	refused 400 'Bad Request' "GET / HTTP/1.1\r\n${H}Host: b.test\r\n\r\n"
	refused 400 'Bad Request' 'GET / HTTP/1.1\r\nHost: a b\r\n\r\n'
	# No host name is longer than 255 bytes; such a name is not cut
	# into another.
	n255=$(printf '%0250d.test' 0)
	tm_file_resp -c close www/index.html "$HTML" > want
	printf '[closed]\n' >> want
	atf_check -o file:want python3 "$TMCLIENT" --mask-date --eof raw "$PORT" \
	    "GET / HTTP/1.1\r\nHost: $n255:80\r\nConnection: close\r\n\r\n"
	refused 400 'Bad Request' "GET / HTTP/1.1\r\nHost: ${n255}x\r\n\r\n"
	refused 400 'Bad Request' "GET / HTTP/1.1\r\nHost: $(printf '%0255d' 0).main.test\r\n\r\n"
	# Request lines: single spaces, a version, nothing around them.
	refused 400 'Bad Request' "GET  / HTTP/1.1\r\n$H\r\n"
	refused 400 'Bad Request' "GET / HTTP/1.1 \r\n$H\r\n"
	refused 400 'Bad Request' "GET /\r\n$H\r\n"
	refused 400 'Bad Request' "GET / http/1.1\r\n$H\r\n"
	refused 400 'Bad Request' "GET / HTTP/1.10\r\n$H\r\n"
	refused 400 'Bad Request' "GET /a#frag HTTP/1.1\r\n$H\r\n"
	refused 400 'Bad Request' "GET * HTTP/1.1\r\n$H\r\n"
	# NUL, bare CR and other control bytes, in the line or a field.
	refused 400 'Bad Request' "GET /\\x00 HTTP/1.1\r\n$H\r\n"
	refused 400 'Bad Request' "GET / HTTP/1.1\r\n${H}X: a\\x00b\r\n\r\n"
	refused 400 'Bad Request' "GET / HTTP/1.1\r\n${H}X: a\rb\r\n\r\n"
	refused 400 'Bad Request' "GET / HTTP/1.1\r\nHost: main.test\r\r\n\r\n"
	refused 400 'Bad Request' "GET / HTTP/1.1\r\n${H}X: a\\x01b\r\n\r\n"
	refused 400 'Bad Request' "GET / HTTP/1.1\r\n${H}X: a\\x7fb\r\n\r\n"
	# Whitespace before the colon, obs-fold, lines that are no field.
	refused 400 'Bad Request' "GET / HTTP/1.1\r\n${H}X : a\r\n\r\n"
	refused 400 'Bad Request' "GET / HTTP/1.1\r\n${H}X\t: a\r\n\r\n"
	refused 400 'Bad Request' "GET / HTTP/1.1\r\n${H}X: a\r\n b\r\n\r\n"
	refused 400 'Bad Request' "GET / HTTP/1.1\r\n${H}X: a\r\n\tb\r\n\r\n"
	refused 400 'Bad Request' "GET / HTTP/1.1\r\n${H}Foo\r\n\r\n"
	refused 400 'Bad Request' "GET / HTTP/1.1\r\n$H: a\r\n\r\n"
	refused 400 'Bad Request' "GET / HTTP/1.1\r\n${H}X(Y: a\r\n\r\n"
	# Each closed a connection for a protocol error; a 404 is none.
	atf_check -o match:'^HTTP/1.1 404 ' curl -si -H 'Host: main.test' \
	    "http://127.0.0.1:$PORT/missing"
	atf_check -o inline:"$nref $((nref + 1)) 0\n" tmq eval summary \
	    "'%d %d %d' % (d['totals']['errors']['protocol'], d['totals']['responses']['4xx'], d['totals']['errors']['io'])"
}
parser__bad_head_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case parser__head_refused cleanup
parser__head_refused_head() {
	atf_set descr "a HEAD refused by the parser gets the error's head and no content"
}
parser__head_refused_body() {
	http_start
	H='Host: main.test\r\n'
	for t in "400 Bad Request HEAD / HTTP/1.1\r\n\r\n" \
	    "400 Bad Request HEAD /%zz HTTP/1.1\r\n$H\r\n" \
	    "417 Expectation Failed HEAD / HTTP/1.1\r\n${H}Expect: foo\r\n\r\n" \
	    "501 Not Implemented HEAD / HTTP/1.1\r\n${H}Transfer-Encoding: gzip, chunked\r\n\r\n" \
	    "505 HTTP Version Not Supported HEAD / HTTP/2.0\r\n$H\r\n" \
	    "414 URI Too Long HEAD /$(printf '%0200d' 0) HTTP/1.1\r\n$H\r\n" \
	    "431 Request Header Fields Too Large HEAD / HTTP/1.1\r\n${H}X: $(printf '%0600d' 0)\r\n\r\n"; do
		code=${t%% *}
		rest=${t#* }
		req="HEAD ${rest#*HEAD }"
		reason=${rest%% HEAD *}
		{
			tm_error_resp -n "$code" "$reason"
			printf '[closed]\n'
		} > want
		atf_check -o file:want python3 "$TMCLIENT" --mask-date --eof \
		    raw "$PORT" "$req"
	done
	# The same refusal to GET has its page.
	refused 417 'Expectation Failed' "GET / HTTP/1.1\r\n${H}Expect: foo\r\n\r\n"
}
parser__head_refused_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case parser__bad_framing cleanup
parser__bad_framing_head() {
	atf_set descr "Content-Length and Transfer-Encoding nobody could misread: 400 and a close"
}
parser__bad_framing_body() {
	http_start
	P='POST /upload/ HTTP/1.1\r\nHost: main.test\r\n'
	# Lengths: digits only, one value.
	refused 400 'Bad Request' "${P}Content-Length: abc\r\n\r\n"
	refused 400 'Bad Request' "${P}Content-Length: -1\r\n\r\n"
	refused 400 'Bad Request' "${P}Content-Length: +1\r\n\r\n"
	refused 400 'Bad Request' "${P}Content-Length: \r\n\r\n"
	refused 400 'Bad Request' "${P}Content-Length: 99999999999999999999\r\n\r\n"
	refused 400 'Bad Request' "${P}Content-Length: 1, 2\r\n\r\nab"
	refused 400 'Bad Request' "${P}Content-Length: 1\r\nContent-Length: 2\r\n\r\nab"
	# Both framings, or a transfer coding that is not chunked last.
	refused 400 'Bad Request' "${P}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
	refused 400 'Bad Request' "${P}Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n"
	refused 400 'Bad Request' "${P}Transfer-Encoding: gzip\r\n\r\n"
	refused 400 'Bad Request' "${P}Transfer-Encoding: chunked, gzip\r\n\r\n"
	refused 400 'Bad Request' "${P}Transfer-Encoding: chunked, chunked\r\n\r\n"
	refused 400 'Bad Request' "${P}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"
	refused 400 'Bad Request' 'POST /upload/ HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'
	# Chunked framing that does not parse.
	C="${P}Transfer-Encoding: chunked\r\n\r\n"
	refused 400 'Bad Request' "${C}zz\r\n"
	refused 400 'Bad Request' "${C}-1\r\n"
	refused 400 'Bad Request' "${C}fffffffffffffffffff\r\n"
	refused 400 'Bad Request' "${C}5\r\nhelloXX\r\n0\r\n\r\n"
	refused 400 'Bad Request' "${C}5;=x\r\nhello\r\n0\r\n\r\n"
	refused 400 'Bad Request' "${C}5\r\nhello\r\n0\r\nBad Trailer: x\r\n\r\n"
	refused 400 'Bad Request' "${C}5\rhello\r\n0\r\n\r\n"
	# A coding we do not know, even chunked after it (RFC 9112 §6.1).
	refused 501 'Not Implemented' "${P}Transfer-Encoding: gzip, chunked\r\n\r\n"
}
parser__bad_framing_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case parser__limits cleanup
parser__limits_head() {
	atf_set descr "request line, header section, field count, body: 414, 431, 413, then a close"
}
parser__limits_body() {
	http_start
	long=$(printf '%0120d' 0)
	# 128 bytes of request line, CRLF included, pass; 129 do not.
	ok=$(printf '%0111d' 0)
	mkdir -p "www/$ok"
	cp www/index.html "www/$ok/"
	touch -d '2024-01-02 03:04:05 UTC' "www/$ok/index.html"
	tm_file_resp -c close "www/$ok/index.html" "$HTML" > want
	printf '[closed]\n' >> want
	atf_check -o file:want python3 "$TMCLIENT" --mask-date --eof raw \
	    "$PORT" "GET /$ok/ HTTP/1.1\r\nHost: main.test\r\nConnection: close\r\n\r\n"
	refused 414 'URI Too Long' "GET /${ok}x/ HTTP/1.1\r\nHost: main.test\r\n\r\n"
	# Refused as soon as the limit is passed, not at the line's end.
	refused 414 'URI Too Long' "GET /$long$long"
	# The header section: bytes, then fields.
	refused 431 'Request Header Fields Too Large' \
	    "GET / HTTP/1.1\r\nHost: main.test\r\nX: $long$long$long$long$long\r\n\r\n"
	refused 431 'Request Header Fields Too Large' \
	    "GET / HTTP/1.1\r\nHost: main.test\r\nX: $long$long$long$long$long"
	eight='Host: main.test\r\nA: 1\r\nB: 1\r\nC: 1\r\nD: 1\r\nE: 1\r\nF: 1\r\n'
	tm_file_resp -c close www/index.html "$HTML" > want
	printf '[closed]\n' >> want
	atf_check -o file:want python3 "$TMCLIENT" --mask-date --eof raw \
	    "$PORT" "GET / HTTP/1.1\r\n${eight}Connection: close\r\n\r\n"
	refused 431 'Request Header Fields Too Large' \
	    "GET / HTTP/1.1\r\n${eight}G: 1\r\nConnection: close\r\n\r\n"
	# The route's max_body_bytes (64): by length before reading it, by
	# the decoded size of a chunked one.
	refused 413 'Content Too Large' \
	    "POST /upload/ HTTP/1.1\r\nHost: main.test\r\nContent-Length: 65\r\n\r\n$long"
	refused 413 'Content Too Large' \
	    "POST /upload/ HTTP/1.1\r\nHost: main.test\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n$(printf '%064d' 0)\r\n1\r\nx\r\n0\r\n\r\n"
	# 64 bytes exactly are fine.
	tm_file_resp -c close www/upload/index.html "$HTML" > want
	printf '[closed]\n' >> want
	atf_check -o file:want python3 "$TMCLIENT" --mask-date --eof raw \
	    "$PORT" "POST /upload/ HTTP/1.1\r\nHost: main.test\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n40\r\n$(printf '%064d' 0)\r\n0\r\n\r\n"
	# Framing counts too: size lines may hold 16 KiB in all past their
	# first 18 bytes.  Four of 3,988 such bytes are fine, five are a 413
	# though the data (five bytes) is within the route's 64.
	c="1;a=$(printf '%04000d' 0)\r\nx\r\n"
	atf_check -o file:want python3 "$TMCLIENT" --mask-date --eof raw \
	    "$PORT" "POST /upload/ HTTP/1.1\r\nHost: main.test\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n$c$c$c${c}0\r\n\r\n"
	refused 413 'Content Too Large' \
	    "POST /upload/ HTTP/1.1\r\nHost: main.test\r\nTransfer-Encoding: chunked\r\n\r\n$c$c$c$c${c}0\r\n\r\n"
}
parser__limits_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case parser__long_path cleanup
parser__long_path_head() {
	atf_set descr "a path past the 8192 bytes kept is 414, though request lines may be longer"
}
parser__long_path_body() {
	http_site
	http_conf
	sed -i 's/max_request_line_bytes = 128;/max_request_line_bytes = 65536;/' \
	    tamarin.conf
	start_daemon
	p=$(printf '%08191d' 0)
	# 8192 bytes of path are looked for (a name too long to be one is
	# not there); one more is a 414, as a request line too long is.
	refused 404 'Not Found' \
	    "GET /$p HTTP/1.1\r\nHost: main.test\r\nConnection: close\r\n\r\n"
	refused 414 'URI Too Long' "GET /${p}0 HTTP/1.1\r\nHost: main.test\r\n\r\n"
	refused 414 'URI Too Long' \
	    "GET http://main.test/${p}0 HTTP/1.1\r\nHost: main.test\r\n\r\n"
	# The query is not bounded by it.
	tm_file_resp -c close www/index.html "$HTML" > want
	printf '[closed]\n' >> want
	atf_check -o file:want python3 "$TMCLIENT" --mask-date --eof raw \
	    "$PORT" "GET /?$p$p HTTP/1.1\r\nHost: main.test\r\nConnection: close\r\n\r\n"
}
parser__long_path_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case parser__options_asterisk cleanup
parser__options_asterisk_head() {
	atf_set descr "OPTIONS *: 200 with Allow; a body it came with is never read as the next request"
}
parser__options_asterisk_body() {
	http_start
	H='Host: main.test\r\n'
	inner="GET /r.txt HTTP/1.1\r\n${H}\r\n"
	ok='HTTP/1.1 200 OK\r\nServer: tamarin\r\nDate: (date)\r\nContent-Length: 0\r\n'
	{
		printf "$ok"'Allow: GET, HEAD, OPTIONS\r\n\r\n'
		tm_file_resp -c close www/r.txt "$TXT"
		printf '[closed]\n'
	} > want
	atf_check -o file:want python3 "$TMCLIENT" --mask-date --eof raw \
	    "$PORT" "OPTIONS * HTTP/1.1\r\n$H\r\nGET /r.txt HTTP/1.1\r\n${H}Connection: close\r\n\r\n"
	# The absolute form with no path and no query is the same request
	# (RFC 9112 §3.2.4); with a path or a query it names a resource.
	for t in 'http://main.test' 'http://main.test:80' 'HTTP://main.test'; do
		atf_check -o file:want python3 "$TMCLIENT" --mask-date --eof raw \
		    "$PORT" "OPTIONS $t HTTP/1.1\r\n$H\r\nGET /r.txt HTTP/1.1\r\n${H}Connection: close\r\n\r\n"
	done
	for t in 'http://main.test/' 'http://main.test?x'; do
		atf_check -o match:'^HTTP/1.1 405 ' -o match:'^Allow: GET, HEAD' \
		    python3 "$TMCLIENT" --mask-date --eof raw \
		    "$PORT" "OPTIONS $t HTTP/1.1\r\n${H}Connection: close\r\n\r\n"
	done
	# With a body (a request inside it, as a smuggler would send): one
	# answer, then the connection closes, the body unread.
	printf "$ok"'Connection: close\r\nAllow: GET, HEAD, OPTIONS\r\n\r\n[closed]\n' > want
	len=$(printf "$inner" | wc -c)
	atf_check -o file:want python3 "$TMCLIENT" --mask-date --eof raw \
	    "$PORT" "OPTIONS * HTTP/1.1\r\n${H}Content-Length: $len\r\n\r\n$inner"
	atf_check -o file:want python3 "$TMCLIENT" --mask-date --eof raw \
	    "$PORT" "OPTIONS * HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n$(printf '%x' "$len")\r\n$inner\r\n0\r\n\r\n"
}
parser__options_asterisk_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case parser__versions_methods cleanup
parser__versions_methods_head() {
	atf_set descr "HTTP/2 and others: 505; unknown methods: 501; methods a route refuses: 405 with Allow"
}
parser__versions_methods_body() {
	http_start
	H='Host: main.test\r\n'
	refused 505 'HTTP Version Not Supported' "GET / HTTP/2.0\r\n$H\r\n"
	refused 505 'HTTP Version Not Supported' 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'
	refused 505 'HTTP Version Not Supported' "GET / HTTP/3.0\r\n$H\r\n"
	refused 505 'HTTP Version Not Supported' "GET / HTTP/0.9\r\n$H\r\n"
	# Method names are case-sensitive (RFC 9110 §9.1).
	refused 501 'Not Implemented' "FOO / HTTP/1.1\r\n$H\r\n"
	refused 501 'Not Implemented' "get / HTTP/1.1\r\n$H\r\n"
	# Known methods the route does not take: 405 and what it takes.  The
	# request is sound, so the connection goes on (the next request is
	# answered), a small body read and dropped first.
	{
		tm_error_resp -k -a 'Allow: GET, HEAD' 405 'Method Not Allowed'
		tm_file_resp -c close www/r.txt "$TXT"
		printf '[closed]\n'
	} > want
	atf_check -o file:want python3 "$TMCLIENT" --mask-date --eof raw \
	    "$PORT" "POST / HTTP/1.1\r\n${H}Content-Length: 0\r\n\r\nGET /r.txt HTTP/1.1\r\n${H}Connection: close\r\n\r\n"
	{
		tm_error_resp -k -a 'Allow: GET, HEAD' 405 'Method Not Allowed'
		printf '[open]\n'
	} > want
	atf_check -o file:want python3 "$TMCLIENT" --mask-date --eof \
	    --timeout 0.5 raw "$PORT" "DELETE /sub/file.txt HTTP/1.1\r\n$H\r\n"
	{
		tm_error_resp -k -a 'Allow: GET, HEAD' 405 'Method Not Allowed'
		tm_file_resp -c close www/r.txt "$TXT"
		printf '[closed]\n'
	} > want
	atf_check -o file:want python3 "$TMCLIENT" --mask-date --eof raw \
	    "$PORT" "POST / HTTP/1.1\r\n${H}Content-Length: 5\r\n\r\nhelloGET /r.txt HTTP/1.1\r\n${H}Connection: close\r\n\r\n"
	atf_check -o file:want python3 "$TMCLIENT" --mask-date --eof raw \
	    "$PORT" "POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n0\r\nT: 1\r\n\r\nGET /r.txt HTTP/1.1\r\n${H}Connection: close\r\n\r\n"
	# Over 64 KiB, said or sent, or held back for 100-continue: the
	# answer at once, then the close; what followed is never served.
	tm_error_resp -a 'Allow: GET, HEAD' 405 'Method Not Allowed' > want
	printf '[closed]\n' >> want
	big=$(head -c 70000 /dev/zero | tr '\0' a)
	atf_check -o file:want python3 "$TMCLIENT" --mask-date --eof raw \
	    "$PORT" "POST / HTTP/1.1\r\n${H}Content-Length: 70000\r\n\r\nhello"
	atf_check -o file:want python3 "$TMCLIENT" --mask-date --eof raw \
	    "$PORT" "POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n11170\r\n$big\r\n0\r\n\r\nGET /r.txt HTTP/1.1\r\n${H}\r\n"
	atf_check -o file:want python3 "$TMCLIENT" --mask-date --eof raw \
	    "$PORT" "POST / HTTP/1.1\r\n${H}Expect: 100-continue\r\nContent-Length: 5\r\n\r\n"
	atf_check -o file:want python3 "$TMCLIENT" --mask-date --eof raw \
	    "$PORT" "DELETE /sub/file.txt HTTP/1.1\r\n${H}Connection: close\r\n\r\n"
	tm_error_resp -a 'Allow: GET, HEAD, POST' 405 'Method Not Allowed' \
	    > want
	printf '[closed]\n' >> want
	atf_check -o file:want python3 "$TMCLIENT" --mask-date --eof raw \
	    "$PORT" "DELETE /upload/ HTTP/1.0\r\n$H\r\n"
	# 1.x for x > 1 is answered as 1.1 (RFC 9110 §2.5).
	tm_file_resp -c close www/r.txt "$TXT" > want
	printf '[closed]\n' >> want
	atf_check -o file:want python3 "$TMCLIENT" --mask-date --eof raw \
	    "$PORT" "GET /r.txt HTTP/1.2\r\n${H}Connection: close\r\n\r\n"
}
parser__versions_methods_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case target__normalisation cleanup
target__normalisation_head() {
	atf_set descr "targets are decoded once and normalised; %00, bad escapes in the path and .. above the root: 400"
}
target__normalisation_body() {
	http_start
	tm_file_resp -c close www/sub/file.txt "$TXT" > want
	printf '[closed]\n' >> want
	# The query is not decoded, so a literal '%' there is no error.
	for t in /sub/file.txt /%73ub/file.txt /sub%2Ffile.txt /sub/./file.txt \
	    //sub//file.txt /sub/x/../file.txt /x/y/../../sub/file.txt \
	    '/sub/file.txt?q=100%' '/sub/file.txt?e=%u00e9&f=%4'; do
		atf_check -o file:want python3 "$TMCLIENT" --mask-date --eof \
		    raw "$PORT" "GET $t HTTP/1.1\r\nHost: main.test\r\nConnection: close\r\n\r\n"
	done
	for t in /%00 /sub/file.txt%00.html /%zz /%4 /%?q /../etc/passwd \
	    /sub/../../etc/passwd /%2e%2e/etc/passwd /sub/%2E%2E/%2e%2e/x \
	    /..%2fetc/passwd; do
		refused 400 'Bad Request' "GET $t HTTP/1.1\r\nHost: main.test\r\n\r\n"
	done
	# Decoded once: %2500 is the file "%00", which does not exist.
	tm_error_resp 404 'Not Found' > want
	printf '[closed]\n' >> want
	atf_check -o file:want python3 "$TMCLIENT" --mask-date --eof raw \
	    "$PORT" "GET /%2500 HTTP/1.1\r\nHost: main.test\r\nConnection: close\r\n\r\n"
}
target__normalisation_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case pipelining__in_order cleanup
pipelining__in_order_head() {
	atf_set descr "requests in one write: responses whole and in order, a big one first"
}
pipelining__in_order_body() {
	http_start
	H='Host: main.test\r\n'
	{
		tm_file_resp www/r.txt "$TXT"
		tm_file_resp www/sub/file.txt "$TXT"
		tm_file_resp -c close www/index.html "$HTML"
		printf '[closed]\n'
	} > want
	atf_check -o file:want python3 "$TMCLIENT" --mask-date --eof raw \
	    "$PORT" "GET /r.txt HTTP/1.1\r\n$H\r\nGET /sub/file.txt HTTP/1.1\r\n$H\r\nGET / HTTP/1.1\r\n${H}Connection: close\r\n\r\n"
	# A megabyte first does not let the small ones overtake it; HEAD
	# in between has the same head and no body.
	{
		tm_file_resp www/big.bin application/octet-stream
		tm_file_resp -n www/r.txt "$TXT"
		tm_file_resp www/r.txt "$TXT"
		tm_error_resp -k 404 'Not Found'
		tm_file_resp -c close www/sub/file.txt "$TXT"
		printf '[closed]\n'
	} > want
	atf_check -o file:want python3 "$TMCLIENT" --mask-date --eof \
	    --timeout 10 raw "$PORT" "GET /big.bin HTTP/1.1\r\n$H\r\nHEAD /r.txt HTTP/1.1\r\n$H\r\nGET /r.txt HTTP/1.1\r\n$H\r\nGET /nothing HTTP/1.1\r\n$H\r\nGET /sub/file.txt HTTP/1.1\r\n${H}Connection: close\r\n\r\n"
	# After Connection: close nothing more is answered.
	{
		tm_file_resp -c close www/r.txt "$TXT"
		printf '[closed]\n'
	} > want
	atf_check -o file:want python3 "$TMCLIENT" --mask-date --eof raw \
	    "$PORT" "GET /r.txt HTTP/1.1\r\n${H}Connection: close\r\n\r\nGET / HTTP/1.1\r\n$H\r\n"
	# A bad request in the middle: what came before is answered, then
	# the 400, and nothing after it.
	{
		tm_file_resp www/r.txt "$TXT"
		tm_error_resp 400 'Bad Request'
		printf '[closed]\n'
	} > want
	atf_check -o file:want python3 "$TMCLIENT" --mask-date --eof raw \
	    "$PORT" "GET /r.txt HTTP/1.1\r\n$H\r\nGET / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n$H\r\n"
	# A long pipeline, then the client's FIN: every request answered
	# over several turns and reads, then the close at once (the FIN's
	# one edge came while requests were still queued).
	for n in 20 200 1000; do
		req= i=0
		while [ $i -lt $n ]; do
			req="${req}GET /r.txt HTTP/1.1\r\n$H\r\n"
			i=$((i + 1))
		done
		{
			i=0
			while [ $i -lt $n ]; do
				tm_file_resp www/r.txt "$TXT"
				i=$((i + 1))
			done
			printf '[closed]\n'
		} > want
		atf_check -o file:want python3 "$TMCLIENT" --mask-date --eof \
		    --timeout 3 raw --shut "$PORT" "$req"
	done
}
pipelining__in_order_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case linger__large_upload cleanup
linger__large_upload_head() {
	atf_set descr "an upload refused at its head (413, 405) is read to its end by the lingering close: a client that reads only after sending 8 MB gets the whole answer, not a reset (RFC 9112 9.6)"
	atf_set require.progs "python3"
}
linger__large_upload_body() {
	http_start
	H='Host: main.test\r\n'
	{
		tm_error_resp 413 'Content Too Large'
		printf '[closed]\n'
	} > want413
	{
		tm_error_resp -a 'Allow: GET, HEAD' 405 'Method Not Allowed'
		printf '[closed]\n'
	} > want405
	for i in 1 2 3; do
		python3 "$TMCLIENT" --mask-date --eof --timeout 5 upload "$PORT" \
		    "POST /upload/ HTTP/1.1\r\n${H}Content-Length: 8000000\r\n\r\n" \
		    8000000 > got413
		atf_check -o file:want413 cat got413
		python3 "$TMCLIENT" --mask-date --eof --timeout 5 upload "$PORT" \
		    "POST /none.txt HTTP/1.1\r\n${H}Content-Length: 8000000\r\n\r\n" \
		    8000000 > got405
		atf_check -o file:want405 cat got405
	done
	wait_for 50 sh -c 'test "$(tmq slots)" = 0' || atf_fail "slots left"
}
linger__large_upload_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case body__content_length cleanup
body__content_length_head() {
	atf_set descr "a Content-Length body is read and dropped; the next request starts right after it"
}
body__content_length_body() {
	http_start
	H='Host: main.test\r\n'
	# The body looks like a request: it must never be taken for one.
	smuggled="GET /r.txt HTTP/1.1\r\n$H\r\n"
	len=$(printf "$smuggled" | wc -c)
	{
		tm_file_resp www/upload/index.html "$HTML"
		tm_file_resp -c close www/sub/file.txt "$TXT"
		printf '[closed]\n'
	} > want
	atf_check -o file:want python3 "$TMCLIENT" --mask-date --eof raw \
	    "$PORT" "POST /upload/ HTTP/1.1\r\n${H}Content-Length: $len\r\n\r\n${smuggled}GET /sub/file.txt HTTP/1.1\r\n${H}Connection: close\r\n\r\n"
	# The same byte by byte, and with an empty body and a repeated,
	# equal length (RFC 9110 §8.6).
	atf_check -o file:want python3 "$TMCLIENT" --mask-date --eof split \
	    "$PORT" "POST /upload/ HTTP/1.1\r\n${H}Content-Length: $len\r\n\r\n${smuggled}GET /sub/file.txt HTTP/1.1\r\n${H}Connection: close\r\n\r\n" 1 --delay 0.001
	atf_check -o file:want python3 "$TMCLIENT" --mask-date --eof raw \
	    "$PORT" "POST /upload/ HTTP/1.1\r\n${H}Content-Length: 0\r\n\r\nGET /sub/file.txt HTTP/1.1\r\n${H}Connection: close\r\n\r\n"
	atf_check -o file:want python3 "$TMCLIENT" --mask-date --eof raw \
	    "$PORT" "POST /upload/ HTTP/1.1\r\n${H}Content-Length: 3, 3\r\n\r\nabcGET /sub/file.txt HTTP/1.1\r\n${H}Connection: close\r\n\r\n"
	# A body in two writes: no response before its last byte.
	{
		printf '[step 1]\n[step 2]\n'
		tm_file_resp -c close www/upload/index.html "$HTML"
		printf '[closed]\n'
	} > want
	atf_check -o file:want python3 "$TMCLIENT" --mask-date --eof steps \
	    "$PORT" "POST /upload/ HTTP/1.1\r\n${H}Content-Length: 10\r\nConnection: close\r\n\r\nabcde" "fghij"
}
body__content_length_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case body__chunked cleanup
body__chunked_head() {
	atf_set descr "a chunked body with extensions and trailers is read and dropped; the next request starts right after it"
}
body__chunked_body() {
	http_start
	H='Host: main.test\r\n'
	# Chunk data that looks like a request, an extension, trailers.
	body='5;name=value;q="a b"\r\nGET /\r\n15\r\nr.txt HTTP/1.1\r\nHost:\r\n0\r\nX-Trailer: yes\r\nY: 1\r\n\r\n'
	req="POST /upload/ HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n$body"
	next="GET /sub/file.txt HTTP/1.1\r\n${H}Connection: close\r\n\r\n"
	{
		tm_file_resp www/upload/index.html "$HTML"
		tm_file_resp -c close www/sub/file.txt "$TXT"
		printf '[closed]\n'
	} > want
	atf_check -o file:want python3 "$TMCLIENT" --mask-date --eof raw \
	    "$PORT" "$req$next"
	atf_check -o file:want python3 "$TMCLIENT" --mask-date --eof split \
	    "$PORT" "$req$next" 1 --delay 0.001
	# No trailers, upper-case hex, a lone LF where a CRLF goes (RFC 9112
	# §2.2 lets a recipient take it).
	atf_check -o file:want python3 "$TMCLIENT" --mask-date --eof raw \
	    "$PORT" "POST /upload/ HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n$next"
	atf_check -o file:want python3 "$TMCLIENT" --mask-date --eof raw \
	    "$PORT" "POST /upload/ HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3\nabc\n0\n\n$next"
}
body__chunked_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case expect__continue cleanup
expect__continue_head() {
	atf_set descr "Expect: 100-continue gets 100 before the body is sent; refused bodies, and those the handler answers with an error, get no 100"
}
expect__continue_body() {
	http_start
	H='Host: main.test\r\n'
	{
		printf '[step 1]\nHTTP/1.1 100 Continue\r\n\r\n[step 2]\n'
		tm_file_resp -c close www/upload/index.html "$HTML"
		printf '[closed]\n'
	} > want
	atf_check -o file:want python3 "$TMCLIENT" --mask-date --eof steps \
	    "$PORT" "POST /upload/ HTTP/1.1\r\n${H}Content-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n" "hello"
	atf_check -o file:want python3 "$TMCLIENT" --mask-date --eof steps \
	    "$PORT" "POST /upload/ HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nExpect: 100-Continue\r\nConnection: close\r\n\r\n" "5\r\nhello\r\n0\r\n\r\n"
	# Too big: the final answer at once, and no 100.
	{
		printf '[step 1]\n'
		tm_error_resp 413 'Content Too Large'
		printf '[closed]\n'
	} > want
	atf_check -o file:want python3 "$TMCLIENT" --mask-date --eof steps \
	    "$PORT" "POST /upload/ HTTP/1.1\r\n${H}Content-Length: 1000\r\nExpect: 100-continue\r\n\r\n" "hello"
	# The handler's answer is an error: no 100 either, as the body
	# would only be dropped; the close follows a lingering drain.
	{
		printf '[step 1]\n'
		tm_error_resp 404 'Not Found'
		printf '[closed]\n'
	} > want
	atf_check -o file:want python3 "$TMCLIENT" --mask-date --eof steps \
	    "$PORT" "POST /upload/none.txt HTTP/1.1\r\n${H}Content-Length: 5\r\nExpect: 100-continue\r\n\r\n" "hello"
	atf_check -o file:want python3 "$TMCLIENT" --mask-date --eof steps \
	    "$PORT" "POST /upload/none.txt HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n" "5\r\nhello\r\n0\r\n\r\n"
	# A body sent without waiting for the 100 is read as any other,
	# and the connection kept.
	{
		tm_error_resp -k 404 'Not Found'
		tm_file_resp -c close www/r.txt "$TXT"
		printf '[closed]\n'
	} > want
	atf_check -o file:want python3 "$TMCLIENT" --mask-date --eof raw \
	    "$PORT" "POST /upload/none.txt HTTP/1.1\r\n${H}Content-Length: 5\r\nExpect: 100-continue\r\n\r\nhelloGET /r.txt HTTP/1.1\r\n${H}Connection: close\r\n\r\n"
	# A 1.0 client cannot know 100 (RFC 9110 §10.1.1): it is ignored.
	{
		printf '[step 1]\n[step 2]\n'
		tm_file_resp -c close www/upload/index.html "$HTML"
		printf '[closed]\n'
	} > want
	atf_check -o file:want python3 "$TMCLIENT" --mask-date --eof steps \
	    "$PORT" "POST /upload/ HTTP/1.0\r\n${H}Content-Length: 5\r\nExpect: 100-continue\r\n\r\n" "hello"
	# An upload given up after the 100: its kept answer never went
	# out, so no log line says it did (nor does one without Expect).
	python3 - "$PORT" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"POST /upload/?abandoned HTTP/1.1\r\nHost: main.test\r\n"
          b"Content-Length: 50\r\nExpect: 100-continue\r\n\r\n")
assert s.recv(100).startswith(b"HTTP/1.1 100 Continue\r\n\r\n")
s.sendall(b"abc")
s.close()
PY
	wait_for 50 sh -c 'test "$(tmq eval summary "d[\"slots_used\"]")" = 0' ||
	    atf_fail "the connection was not closed"
	# Lines are written in order, at least once a second: a request
	# made after the close is logged after whatever the close logged.
	atf_check -o ignore curl -sf -H 'Host: main.test' \
	    "http://127.0.0.1:$PORT/r.txt?marker"
	wait_for 50 grep -q marker access.log || atf_fail "no log line"
	atf_check -s exit:1 grep -F abandoned access.log
	# Any other expectation: 417.
	refused 417 'Expectation Failed' \
	    "POST /upload/ HTTP/1.1\r\n${H}Content-Length: 5\r\nExpect: 200-ok\r\n\r\nhello"
}
expect__continue_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case http10__keepalive cleanup
http10__keepalive_head() {
	atf_set descr "HTTP/1.0 closes after each response unless it asked for keep-alive"
}
http10__keepalive_body() {
	http_start
	{
		tm_file_resp -c close www/r.txt "$TXT"
		printf '[closed]\n'
	} > want
	# Host is optional in 1.0; what follows the first request is not
	# answered.
	atf_check -o file:want python3 "$TMCLIENT" --mask-date --eof raw \
	    "$PORT" 'GET /r.txt HTTP/1.0\r\n\r\nGET / HTTP/1.0\r\n\r\n'
	{
		tm_file_resp -c keep-alive www/r.txt "$TXT"
		tm_file_resp -c keep-alive www/sub/file.txt "$TXT"
		tm_file_resp -c close www/index.html "$HTML"
		printf '[closed]\n'
	} > want
	atf_check -o file:want python3 "$TMCLIENT" --mask-date --eof raw \
	    "$PORT" 'GET /r.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /sub/file.txt HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\nGET / HTTP/1.0\r\n\r\n'
	# keep-alive and close together: close wins.
	{
		tm_file_resp -c close www/r.txt "$TXT"
		printf '[closed]\n'
	} > want
	atf_check -o file:want python3 "$TMCLIENT" --mask-date --eof raw \
	    "$PORT" 'GET /r.txt HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\nGET / HTTP/1.0\r\n\r\n'
	# 1.1 stays open without asking: nothing closes this one.
	{
		tm_file_resp www/r.txt "$TXT"
		printf '[open]\n'
	} > want
	atf_check -o file:want python3 "$TMCLIENT" --mask-date --eof \
	    raw "$PORT" 'GET /r.txt HTTP/1.1\r\nHost: main.test\r\n\r\n'
}
http10__keepalive_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case absolute_form cleanup
absolute_form_head() {
	atf_set descr "absolute-form targets: the authority picks the site, Host is ignored"
}
absolute_form_body() {
	http_start
	{
		tm_file_resp other/index.html "$HTML"
		tm_file_resp other/index.html "$HTML"
		tm_file_resp www/r.txt "$TXT"
		tm_file_resp -c close www/sub/file.txt "$TXT"
		printf '[closed]\n'
	} > want
	atf_check -o file:want python3 "$TMCLIENT" --mask-date --eof raw \
	    "$PORT" 'GET http://other.test/ HTTP/1.1\r\nHost: main.test\r\n\r\nGET HTTP://OTHER.TEST:8080 HTTP/1.1\r\nHost: main.test\r\n\r\nGET http://main.test/r.txt?a=b HTTP/1.1\r\nHost: other.test\r\n\r\nGET https://main.test/sub/file.txt HTTP/1.1\r\nHost: main.test\r\nConnection: close\r\n\r\n'
	# A Host is still required, and the authority must be one.
	refused 400 'Bad Request' 'GET http://main.test/ HTTP/1.1\r\n\r\n'
	refused 400 'Bad Request' 'GET http:///r.txt HTTP/1.1\r\nHost: main.test\r\n\r\n'
	refused 400 'Bad Request' 'GET http://user@main.test/ HTTP/1.1\r\nHost: main.test\r\n\r\n'
	refused 400 'Bad Request' 'GET ftp://main.test/ HTTP/1.1\r\nHost: main.test\r\n\r\n'
}
absolute_form_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case byte_at_a_time cleanup
byte_at_a_time_head() {
	atf_set descr "a pipeline trickled one byte per write parses exactly as one write"
}
byte_at_a_time_body() {
	http_start
	H='Host: main.test\r\n'
	{
		tm_file_resp www/r.txt "$TXT"
		tm_file_resp www/upload/index.html "$HTML"
		tm_file_resp -c close www/sub/file.txt "$TXT"
		printf '[closed]\n'
	} > want
	req="GET /r.txt HTTP/1.1\r\n${H}User-Agent: trickle\r\n\r\nPOST /upload/ HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nT: 1\r\n\r\nGET /sub/file.txt HTTP/1.1\r\n${H}Connection: close\r\n\r\n"
	atf_check -o file:want python3 "$TMCLIENT" --mask-date --eof split \
	    "$PORT" "$req" 1 --delay 0.002
	# Bare LF line ends, split too.
	atf_check -o file:want python3 "$TMCLIENT" --mask-date --eof split \
	    "$PORT" "GET /r.txt HTTP/1.1\nHost: main.test\n\nPOST /upload/ HTTP/1.1\nHost: main.test\nContent-Length: 2\n\nxyGET /sub/file.txt HTTP/1.1\nHost: main.test\nConnection: close\n\n" 1 --delay 0.002
}
byte_at_a_time_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case first_bytes_late cleanup
first_bytes_late_head() {
	atf_set descr "a client silent for a while after connecting is served when it speaks"
}
first_bytes_late_body() {
	http_start
	H='Host: main.test\r\n'
	# The worker's first turn finds nothing to read: the request that
	# comes later must still wake the connection.
	{
		printf '[step 1]\n[step 2]\n'
		tm_file_resp -c close www/r.txt "$TXT"
		printf '[closed]\n'
	} > want
	atf_check -o file:want python3 "$TMCLIENT" --mask-date --eof steps \
	    --gap 0.5 "$PORT" "" "GET /r.txt HTTP/1.1\r\n${H}Connection: close\r\n\r\n"
}
first_bytes_late_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case close__one_segment cleanup
close__one_segment_head() {
	atf_set descr "a closing response carries the request's ACK and the FIN in one segment"
	atf_set require.user root
	atf_set require.progs tcpdump
}
close__one_segment_body() {
	http_start
	H='Host: main.test\r\n'
	cat > want <<'EOF2'
S. F.+
S. F.+
S. F.+
S. F.+
S. F.+
S. P.+
S. . F.+
EOF2
	# The sequences hold when the worker answers within the kernel's
	# delayed-ACK time (40 ms); a very busy machine may miss it once.
	for try in 1 2 3; do
		segments
		cmp -s want got && return 0
	done
	atf_check -o file:want cat got
}

# segments: capture what the server sends to seven clients (into got).
segments() {
	rm -f srv.pcap tcpdump.err
	tcpdump -i lo -nn -U -w srv.pcap \
	    "tcp and src host 127.0.0.1 and src port $PORT" 2>tcpdump.err &
	echo $! > tcpdump.pid
	wait_for 100 grep -q 'listening on' tcpdump.err ||
	    atf_fail "tcpdump did not start: $(cat tcpdump.err)"
	# One connection each: asked to close, HTTP/1.0, HEAD, an error, a
	# body left unread (half-close, then the drain), keep-alive, and a
	# head in two parts whose second waits (Nagle) for the first's ACK.
	for req in "GET /r.txt HTTP/1.1\r\n${H}Connection: close\r\n\r\n" \
	    'GET /r.txt HTTP/1.0\r\n\r\n' \
	    "HEAD /big.bin HTTP/1.1\r\n${H}Connection: close\r\n\r\n" \
	    'GET /r.txt HTTP/1.1\r\n\r\n' \
	    "POST /upload/ HTTP/1.1\r\n${H}Content-Length: 100\r\n\r\nabc"; do
		tm_closes "$PORT" "$req"
	done
	atf_check -o match:'\[open\]$' python3 "$TMCLIENT" --eof \
	    --timeout 0.5 raw "$PORT" "GET /r.txt HTTP/1.1\r\n${H}\r\n"
	atf_check -o match:'\[closed\]$' python3 "$TMCLIENT" --eof --nagle \
	    split "$PORT" "GET /r.txt HTTP/1.1\r\n${H}Connection: close\r\n\r\n" 38 --delay 0
	# The last segments are on the wire; let tcpdump write them (-U:
	# as it gets them), however busy the machine: seven that carry
	# data, one per client.
	wait_for 50 sh -c "[ \$(tcpdump -nn -r srv.pcap 2>/dev/null |
	    grep -c 'length [1-9]') -ge 7 ]" || true
	sleep 0.2
	kill -INT "$(cat tcpdump.pid)"
	wait "$(cat tcpdump.pid)"
	rm -f tcpdump.pid
	# Per connection, in order: the flags of the server's segments up to
	# the first that carries data ("+").  Before, a bare ACK went ahead
	# of a response, and a close sent its FIN alone after it.  A SYN-ACK
	# starts a connection (a client port may come again).
	tcpdump -nn -r srv.pcap 2>/dev/null | awk '
	    { port = $5; sub(/:$/, "", port); sub(/.*\./, "", port)
	      fl = $7; gsub(/[\[\],]/, "", fl) }
	    fl == "S." { cur[port] = ++n }
	    (port in cur) && !(cur[port] in done) { k = cur[port]
	      segs[k] = segs[k] (segs[k] == "" ? "" : " ") fl \
		($NF > 0 ? "+" : "")
	      if ($NF > 0) done[k] = 1 }
	    END { for (i = 1; i <= n; i++) print segs[i] }' > got
}
close__one_segment_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	[ -s tcpdump.pid ] && kill "$(cat tcpdump.pid)" 2>/dev/null
	stop_daemon
}

atf_test_case nagle__no_stall cleanup
nagle__no_stall_head() {
	atf_set descr "a head in two parts, the second held by the client's Nagle algorithm, is not left waiting for a delayed ACK"
}
nagle__no_stall_body() {
	http_start
	H='Host: main.test\r\n'
	# The server holds the ACK of a request for its response; the first
	# part is no request, and a held ACK would hold the second part for
	# the kernel's delayed-ACK timer (40 ms or more) every time.
	{
		tm_file_resp -c close www/r.txt "$TXT"
		printf '[closed]\n'
	} > want
	nagle_split "GET /r.txt HTTP/1.1\r\n${H}Connection: close\r\n\r\n" 38
	# The same for a body written after its head.
	head="POST /upload/ HTTP/1.1\r\n${H}Content-Length: 5\r\nConnection: close\r\n\r\n"
	{
		tm_file_resp -c close www/upload/index.html "$HTML"
		printf '[closed]\n'
	} > want
	nagle_split "${head}hello" "$(printf "$head" | wc -c)"
}

# nagle_split DATA N: five times, a Nagle client writes DATA in N-byte
# parts back to back and gets exactly the response in want; two of the
# five may take over 30 ms, for a busy machine.
nagle_split() {
	: > slow
	for i in 1 2 3 4 5; do
		python3 "$TMCLIENT" --mask-date --eof --nagle split "$PORT" \
		    "$1" "$2" --delay 0 --slow 30 > got
		grep -v '^\[slow\]$' got > resp
		atf_check -o file:want cat resp
		grep '^\[slow\]$' got >> slow || true
	done
	[ "$(wc -l < slow)" -le 2 ] ||
	    atf_fail "$(wc -l < slow) of 5 exchanges took over 30 ms: $1"
}
nagle__no_stall_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_init_test_cases() {
	. "$(atf_get_srcdir)/helpers.subr"
	atf_add_test_case parser__bad_head
	atf_add_test_case parser__head_refused
	atf_add_test_case parser__bad_framing
	atf_add_test_case parser__limits
	atf_add_test_case parser__long_path
	atf_add_test_case parser__versions_methods
	atf_add_test_case parser__options_asterisk
	atf_add_test_case target__normalisation
	atf_add_test_case pipelining__in_order
	atf_add_test_case body__content_length
	atf_add_test_case linger__large_upload
	atf_add_test_case body__chunked
	atf_add_test_case expect__continue
	atf_add_test_case http10__keepalive
	atf_add_test_case absolute_form
	atf_add_test_case byte_at_a_time
	atf_add_test_case first_bytes_late
	atf_add_test_case close__one_segment
	atf_add_test_case nagle__no_stall
}
