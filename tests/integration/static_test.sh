#! /usr/bin/atf-sh
# The static handler, sites, routes, redirects, headers, plugins and access
# logs, end to end.  Responses are compared whole with `tmclient.py req`
# (one request with Connection: close; Date shown as "Date: (date)" when
# well-formed; "[closed]" when the server closed the connection).

TXT='text/plain; charset=utf-8'
HTML='text/html; charset=utf-8'
T0='2024-01-02 03:04:05 UTC'

# st_conf: the common part of every config here; the caller gives its
# sites (and anything else) on stdin.
st_conf() {
	cat > tamarin.conf <<'CONF'
version = 1;
daemon = { pidfile = "tamarind.pid"; segment = "tamarind.shm"; };
workers = { count = 1; slots_per_worker = 64; shutdown_timeout_sec = 5;
	    heartbeat_timeout_sec = 10; };
http = { server_tokens = false; };
listeners = (
	{ name = "web"; address = "127.0.0.1"; port = 0; },
	{ name = "alt"; address = "127.0.0.1"; port = 0; }
);
CONF
	cat >> tamarin.conf
}

# stamp DIR...: whole-second mtimes, so ETags and dates are known.
stamp() {
	find "$@" -exec touch -h -d "$T0" {} +
}

# want_req FILE ARGS...: the response to `tmclient.py req PORT ARGS` (on
# the web listener) is exactly FILE.
want_req() {
	_want=$1
	shift
	atf_check -o "file:$_want" python3 "$TMCLIENT" req "$PORT" "$@"
}

# closed CMD...: CMD's output (a tm_*_resp) and the close marker, into
# want.
closed() {
	"$@" > want
	printf '[closed]\n' >> want
}

# redirect_resp CODE REASON LOCATION [PRE]: a redirect with its small page
# (the link HTML-escaped); PRE: header lines before Location.
redirect_resp() {
	_esc=$(printf '%s' "$3" | sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' \
	    -e 's/>/\&gt;/g' -e 's/"/\&quot;/g')
	printf '<!DOCTYPE html>\n<html><head><title>%s %s</title></head>\n<body><h1>%s %s</h1><p><a href="%s">%s</a></p></body></html>\n' \
	    "$1" "$2" "$1" "$2" "$_esc" "$_esc" > redirect.body
	printf 'HTTP/1.1 %s %s\r\nServer: tamarin\r\nDate: (date)\r\n' "$1" "$2"
	printf 'Content-Length: %d\r\nConnection: close\r\n%b' \
	    "$(wc -c < redirect.body)" "${4:-}"
	printf 'Location: %s\r\nContent-Type: %s\r\n\r\n' "$3" "$HTML"
	cat redirect.body
	printf '[closed]\n'
}

atf_test_case static__get_head_types cleanup
static__get_head_types_head() {
	atf_set descr "GET and HEAD give the same head, HEAD no body; MIME types, charset for text, default_type"
}
static__get_head_types_body() {
	mkdir -p www/typed
	printf '0123456789abcdefghij' > www/r.txt
	printf '<p>home</p>\n' > www/index.html
	printf '{"a":1}\n' > www/data.json
	printf 'body{}\n' > www/s.css
	printf '\211PNG\r\n' > www/i.png
	printf 'tm\n' > www/f.tmx
	printf 'raw\n' > www/noext
	cp www/noext www/typed/noext
	stamp www
	st_conf <<'CONF'
mime = { default_type = "application/x-unknown";
	 types = { tmx = "text/x-tm"; png = "image/png"; }; };
sites = ( { root = "www";
	    routes = ( { prefix = "/typed/"; handler = "static";
			 default_type = "text/x-default"; },
		       { prefix = "/"; handler = "static"; } ); } );
CONF
	start_daemon
	closed tm_file_resp -c close www/r.txt "$TXT"
	want_req want /r.txt
	closed tm_file_resp -n -c close www/r.txt "$TXT"
	want_req want /r.txt -X HEAD
	closed tm_file_resp -c close www/index.html "$HTML"
	want_req want /
	want_req want /index.html
	closed tm_file_resp -n -c close www/index.html "$HTML"
	want_req want / -X HEAD
	# The type follows the name; text/* and JSON get charset=utf-8.
	for f in 'data.json application/json; charset=utf-8' \
	    's.css text/css; charset=utf-8' 'i.png image/png' \
	    'f.tmx text/x-tm; charset=utf-8' 'noext application/x-unknown' \
	    'typed/noext text/x-default'; do
		closed tm_file_resp -c close "www/${f%% *}" "${f#* }"
		want_req want "/${f%% *}"
	done
	# A body that is not the whole file in one piece: sendfile(2).
	head -c 3000000 /dev/urandom > www/big.bin
	atf_check -o save:got curl -sf "http://127.0.0.1:$PORT/big.bin"
	atf_check cmp got www/big.bin
	atf_check -o inline:'200 3000000 0\n' curl -s -I -o /dev/null \
	    -w '%{http_code} %header{content-length} %{size_download}\n' \
	    "http://127.0.0.1:$PORT/big.bin"
}
static__get_head_types_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case static__charset cleanup
static__charset_head() {
	atf_set descr "mime.charset: another charset, or none, for textual types and a site's error pages; a bad name is a line-numbered error; the system's mime.types cannot change a built-in web type"
}
static__charset_body() {
	mkdir -p www
	printf '<p>home</p>\n' > www/index.html
	printf 'x\n' > www/seg0.ts
	printf 'x\n' > www/feed.rss
	printf '<p>gone</p>\n' > www/404.html
	for cs in '' iso-8859-1; do
		st_conf <<CONF
mime = { charset = "$cs"; };
sites = ( { root = "www";
	    error_pages = ( { codes = [ 404 ]; page = "/404.html"; } ); } );
CONF
		start_daemon
		want=text/html${cs:+; charset=$cs}
		atf_check -o inline:"$want\n" curl -s -o /dev/null \
		    -w '%{content_type}\n' "http://127.0.0.1:$PORT/"
		# The site's own error page is in its charset too.
		atf_check -o inline:"404 $want\n" curl -s -o /dev/null \
		    -w '%{http_code} %{content_type}\n' \
		    "http://127.0.0.1:$PORT/missing"
		stop_daemon
	done
	st_conf <<'CONF'
sites = ( { root = "www"; } );
CONF
	start_daemon
	atf_check -o inline:'video/mp2t\n' curl -s -o /dev/null \
	    -w '%{content_type}\n' "http://127.0.0.1:$PORT/seg0.ts"
	atf_check -o inline:'application/rss+xml; charset=utf-8\n' curl -s \
	    -o /dev/null -w '%{content_type}\n' "http://127.0.0.1:$PORT/feed.rss"
	st_conf <<'CONF'
sites = ( { root = "www"; } );
mime = {
	charset = "utf 8"; };
CONF
	atf_check -s exit:1 -o empty \
	    -e match:"tamarin.conf:12: charset: 'utf 8' is not a charset name" \
	    "$TAMARIND" -t -c tamarin.conf
	# No type at all would send an empty Content-Type.
	st_conf <<'CONF'
sites = ( { root = "www"; } );
mime = {
	default_type = ""; };
CONF
	atf_check -s exit:1 -o empty \
	    -e match:"tamarin.conf:12: default_type: invalid type ''" \
	    "$TAMARIND" -t -c tamarin.conf
	# A route's is checked the same way.
	st_conf <<'CONF'
sites = ( { root = "www";
	    routes = ( { prefix = "/"; handler = "static";
			 default_type = "text"; } ); } );
CONF
	atf_check -s exit:1 -o empty \
	    -e match:"tamarin.conf:12: default_type: invalid type 'text'" \
	    "$TAMARIND" -t -c tamarin.conf
}
static__charset_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case static__index_dirs cleanup
static__index_dirs_head() {
	atf_set descr "index files in order; a directory without its slash: 301 keeping the query; 403, 404"
}
static__index_dirs_body() {
	mkdir -p www/docs/both www/noindex 'www/sp ace'
	printf 'docs htm\n' > www/docs/index.htm
	printf 'both html\n' > www/docs/both/index.html
	printf 'both htm\n' > www/docs/both/index.htm
	printf 'space\n' > 'www/sp ace/index.html'
	printf 'file\n' > www/f.txt
	stamp www
	st_conf <<'CONF'
sites = ( { root = "www";
	    routes = ( { prefix = "/docs/"; handler = "static";
			 index = [ "index.html", "index.htm" ]; },
		       { prefix = "/"; handler = "static"; } ); } );
CONF
	start_daemon
	# The first index that exists, in the order given.
	closed tm_file_resp -c close www/docs/index.htm "$HTML"
	want_req want /docs/
	closed tm_file_resp -c close www/docs/both/index.html "$HTML"
	want_req want /docs/both/
	# Without the slash: to the slash form, query and all.
	redirect_resp 301 'Moved Permanently' /docs/ > want
	want_req want /docs
	redirect_resp 301 'Moved Permanently' '/docs/both/?a=1&b=%20' > want
	want_req want '/docs/both?a=1&b=%20'
	# A literal '%' of the query, and a '"', are no URI: escaped.
	redirect_resp 301 'Moved Permanently' '/docs/both/?q=100%25&s=%22x%22' > want
	want_req want '/docs/both?q=100%&s="x"'
	redirect_resp 301 'Moved Permanently' '/sp%20ace/' > want
	want_req want '/sp%20ace'
	closed tm_file_resp -c close 'www/sp ace/index.html' "$HTML"
	want_req want '/sp%20ace/'
	# No index and no listing: forbidden.  Nothing there: not found.
	closed tm_error_resp 403 Forbidden
	want_req want /noindex/
	closed tm_error_resp 404 'Not Found'
	want_req want /missing
	want_req want /missing/
	want_req want /f.txt/
	# HEAD of an error: the same head.
	tm_error_resp 404 'Not Found' | sed -n '1,/^\r$/p' > want
	printf '[closed]\n' >> want
	want_req want /missing -X HEAD
}
static__index_dirs_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case static__long_redirects cleanup
static__long_redirects_head() {
	atf_set descr "a redirect whose Location is over 2 KiB (a long query, a deep directory, \$request_uri) is sent whole, not a 500"
}
static__long_redirects_body() {
	# Twelve 200-byte names: a 2.4 KiB path, well inside the request
	# line limit.
	seg=$(printf 'd%.0s' $(seq 200))
	deep=
	for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
		deep="$deep/$seg"
	done
	mkdir -p "www/s" "www$deep"
	printf 's\n' > www/s/index.html
	stamp www
	st_conf <<'CONF'
sites = ( { root = "www";
	    routes = ( { prefix = "/go/"; handler = "redirect";
			 to = "/s/?from=$request_uri"; },
		       { prefix = "/"; handler = "static"; } ); } );
CONF
	start_daemon
	q=$(printf 'q%.0s' $(seq 3000))
	redirect_resp 301 'Moved Permanently' "/s/?$q" > want
	want_req want "/s?$q"
	redirect_resp 301 'Moved Permanently' "$deep/" > want
	want_req want "$deep"
	redirect_resp 301 'Moved Permanently' "/s/?from=/go/$q" > want
	want_req want "/go/$q"
	# HEAD: the same head.
	redirect_resp 301 'Moved Permanently' "/s/?$q" | sed -n '1,/^\r$/p' > want
	printf '[closed]\n' >> want
	want_req want "/s?$q" -X HEAD
	# A query whose escaped form (14.4 KiB) the head cannot hold is
	# dropped from the slash redirect, never cut and never a 414.
	lt=$(printf '<%.0s' $(seq 4800))
	redirect_resp 301 'Moved Permanently' "/s/" > want
	want_req want "/s?$lt"
	# One that fits is escaped.
	redirect_resp 301 'Moved Permanently' "/s/?%3C%3C$q" > want
	want_req want "/s?<<$q"
	# 13.5 KiB escaped: it fits.
	lt=$(printf '<%.0s' $(seq 4500))
	redirect_resp 301 'Moved Permanently' "/s/?$(printf '%%3C%.0s' $(seq 4500))" > want
	want_req want "/s?$lt"
}
static__long_redirects_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case static__autoindex cleanup
static__autoindex_head() {
	atf_set descr "autoindex: HTML listing, directories first, each by name, names escaped (a colon too: no scheme), hidden files hidden, symlinks as what they lead to; off by default"
}
static__autoindex_body() {
	mkdir -p www/list/sub www/list/.hiddendir www/plain www/withindex outside
	printf 'a' > 'www/list/a&b<c>.txt'
	printf 'j' > 'www/list/javascript:alert(1)'
	mkdir www/list/c:d
	printf 'hidden' > www/list/.hidden
	printf 'xyz' > 'www/list/q"t'\''.txt'
	printf '12345' > 'www/list/sp ace.txt'
	printf 'x' > www/list/sub/in.txt
	printf 'x' > www/plain/x.txt
	printf 'index\n' > www/withindex/index.html
	# Links: to a directory (listed as one), to a file (its size),
	# to nothing (as it is), and out of the root (left out, as it
	# is a 404).
	ln -s sub www/list/lnd
	ln -s 'q"t'\''.txt' www/list/lnf
	ln -s nowhere www/list/dangling
	ln -s ../../outside www/list/out
	ln -s "$(pwd)/www/list/sub" www/list/abs
	stamp www
	st_conf <<'CONF'
sites = ( { root = "www";
	    routes = ( { prefix = "/list/"; handler = "static";
			 autoindex = true; },
		       { prefix = "/withindex/"; handler = "static";
			 autoindex = true; },
		       { prefix = "/"; handler = "static"; } ); } );
CONF
	start_daemon
	cat > page <<'PAGE'
<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Index of /list/</title></head>
<body><h1>Index of /list/</h1><hr><pre>
<a href="../">../</a>
<a href="c%3Ad/">c:d/</a>  02-Jan-2024 03:04  -
<a href="lnd/">lnd/</a>  02-Jan-2024 03:04  -
<a href="sub/">sub/</a>  02-Jan-2024 03:04  -
<a href="a&amp;b%3Cc%3E.txt">a&amp;b&lt;c&gt;.txt</a>  02-Jan-2024 03:04  1
<a href="dangling">dangling</a>  02-Jan-2024 03:04  -
<a href="javascript%3Aalert(1)">javascript:alert(1)</a>  02-Jan-2024 03:04  1
<a href="lnf">lnf</a>  02-Jan-2024 03:04  3
<a href="q%22t&#39;.txt">q&quot;t&#39;.txt</a>  02-Jan-2024 03:04  3
<a href="sp%20ace.txt">sp ace.txt</a>  02-Jan-2024 03:04  5
</pre><hr></body></html>
PAGE
	{
		printf 'HTTP/1.1 200 OK\r\nServer: tamarin\r\nDate: (date)\r\n'
		printf 'Content-Length: %d\r\nConnection: close\r\n' \
		    "$(wc -c < page)"
		printf 'Content-Type: %s\r\n\r\n' "$HTML"
		cat page
		printf '[closed]\n'
	} > want
	want_req want /list/
	# HEAD: the same head, no body.
	sed -n '1,/^\r$/p' want > want.head
	printf '[closed]\n' >> want.head
	want_req want.head /list/ -X HEAD
	# The links work.
	atf_check -o inline:'a' curl -sf "http://127.0.0.1:$PORT/list/a&b%3Cc%3E.txt"
	atf_check -o inline:'x' curl -sf "http://127.0.0.1:$PORT/list/sub/in.txt"
	atf_check -o inline:'j' curl -sf "http://127.0.0.1:$PORT/list/javascript%3Aalert(1)"
	atf_check -o inline:'x' curl -sf "http://127.0.0.1:$PORT/list/lnd/in.txt"
	atf_check -o match:'href="in.txt"' curl -sf "http://127.0.0.1:$PORT/list/lnd/"
	# Preconditions: no validators of its own.
	tm_no_validators "http://127.0.0.1:$PORT/list/"
	# An index file still wins; without autoindex: 403.
	closed tm_file_resp -c close www/withindex/index.html "$HTML"
	want_req want /withindex/
	closed tm_error_resp 403 Forbidden
	want_req want /plain/
}
static__autoindex_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case static__symlinks cleanup
static__symlinks_head() {
	atf_set descr "follow_symlinks: inside (default) stays under the root, off refuses links, on follows all"
}
static__symlinks_body() {
	mkdir -p www/ln www/sub outside
	printf 'target\n' > www/ln/target.txt
	printf 'sub file\n' > www/sub/file.txt
	printf 'outside\n' > outside/secret.txt
	ln -s target.txt www/ln/in.txt
	ln -s ../sub/file.txt www/ln/up.txt
	ln -s ../../outside/secret.txt www/ln/out.txt
	ln -s "$(pwd)/www/ln/target.txt" www/ln/abs.txt
	ln -s ../sub www/ln/dir
	ln -s ../../outside www/ln/outdir
	mkdir www/ln/idx
	ln -s ../../../outside/secret.txt www/ln/idx/index.html
	stamp www outside
	st_conf <<'CONF'
sites = (
	{ names = [ "inside.test" ]; root = "www"; },
	{ names = [ "off.test" ]; root = "www";
	  routes = ( { prefix = "/"; handler = "static";
		       follow_symlinks = "off"; } ); },
	{ names = [ "on.test" ]; root = "www";
	  routes = ( { prefix = "/"; handler = "static";
		       follow_symlinks = "on"; } ); },
	{ names = [ "list.test" ]; root = "www";
	  routes = ( { prefix = "/"; handler = "static";
		       autoindex = true; } ); },
	{ names = [ "listoff.test" ]; root = "www";
	  routes = ( { prefix = "/"; handler = "static";
		       follow_symlinks = "off"; autoindex = true; } ); },
	{ names = [ "liston.test" ]; root = "www";
	  routes = ( { prefix = "/"; handler = "static";
		       follow_symlinks = "on"; autoindex = true; } ); }
);
CONF
	start_daemon
	u="http://127.0.0.1:$PORT/ln"
	# inside: links that stay beneath the root; anything leading out,
	# or absolute, is as if it did not exist.
	for t in 'target.txt 200' 'in.txt 200' 'up.txt 200' 'dir/file.txt 200' \
	    'out.txt 404' 'abs.txt 404' 'outdir/secret.txt 404' 'idx/ 403'; do
		atf_check -o inline:"${t#* } \n" \
		    curl -s -o /dev/null -w '%{http_code} %header{location}\n' \
		    -H 'Host: inside.test' "$u/${t%% *}"
	done
	closed tm_file_resp -c close www/ln/target.txt "$TXT"
	want_req want /ln/in.txt --vhost inside.test
	closed tm_error_resp 404 'Not Found'
	want_req want /ln/out.txt --vhost inside.test
	# off: any link on the way is refused.
	for t in 'target.txt 200' 'in.txt 403' 'up.txt 403' 'dir/file.txt 403' \
	    'out.txt 403' 'abs.txt 403' 'outdir/secret.txt 403' 'idx/ 403'; do
		atf_check -o inline:"${t#* } \n" \
		    curl -s -o /dev/null -w '%{http_code} %header{location}\n' \
		    -H 'Host: off.test' "$u/${t%% *}"
	done
	closed tm_error_resp 403 Forbidden
	want_req want /ln/in.txt --vhost off.test
	# on: followed wherever they go.
	for t in 'target.txt 200' 'in.txt 200' 'up.txt 200' 'dir/file.txt 200' \
	    'out.txt 200' 'abs.txt 200' 'outdir/secret.txt 200' 'idx/ 200'; do
		atf_check -o inline:"${t#* } \n" \
		    curl -s -o /dev/null -w '%{http_code} %header{location}\n' \
		    -H 'Host: on.test' "$u/${t%% *}"
	done
	atf_check -o inline:'outside\n' curl -s -H 'Host: on.test' "$u/out.txt"
	atf_check -o inline:'outside\n' curl -s -H 'Host: on.test' "$u/idx/"
	# An index refused is not a reason to list what it stood in front of.
	atf_check -o inline:'403 \n' \
	    curl -s -o /dev/null -w '%{http_code} %header{location}\n' \
	    -H 'Host: list.test' "$u/idx/"
	# Listings show links as a request finds them: inside, those that
	# lead out are left out (a 404); off, every link is a plain name
	# (a 403); on, each is what it leads to.
	for t in 'list dir/ idx/ in.txt target.txt up.txt' \
	    'listoff idx/ abs.txt dir in.txt out.txt outdir target.txt up.txt' \
	    'liston dir/ idx/ outdir/ abs.txt in.txt out.txt target.txt up.txt'; do
		got=$(curl -s -H "Host: ${t%% *}.test" "$u/" |
		    sed -n 's/^<a href="\([^.][^"]*\)">.*/\1/p' |
		    paste -s -d ' ' -)
		atf_check_equal "${t#* }" "$got"
	done
}
static__symlinks_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case static__unreadable cleanup
static__unreadable_head() {
	atf_set descr "a file or directory the workers may not read: 403 (workers run as nobody)"
}
static__unreadable_body() {
	[ "$(id -u)" = 0 ] ||
	    atf_skip "needs root: the workers must run as another user"
	id nobody >/dev/null 2>&1 || atf_skip "no user nobody"
	mkdir -p www/private
	printf 'public\n' > www/public.txt
	printf 'secret\n' > www/secret.txt
	printf 'secret\n' > www/private/x.txt
	stamp www
	chmod 755 www
	chmod 644 www/public.txt www/private/x.txt
	chmod 600 www/secret.txt
	chmod 700 www/private
	grp=$(id -gn nobody)
	cat > tamarin.conf <<CONF
version = 1;
daemon = { pidfile = "tamarind.pid"; segment = "tamarind.shm";
	   user = "nobody"; group = "$grp"; };
workers = { count = 1; slots_per_worker = 64; shutdown_timeout_sec = 5;
	    heartbeat_timeout_sec = 10; };
http = { server_tokens = false; };
listeners = ( { name = "web"; address = "127.0.0.1"; port = 0; } );
sites = ( { root = "www"; } );
CONF
	start_daemon
	atf_check -o inline:'nobody\n' ps -o user= -p "$(tmq worker-pids)"
	closed tm_file_resp -c close www/public.txt "$TXT"
	want_req want /public.txt
	closed tm_error_resp 403 Forbidden
	want_req want /secret.txt
	want_req want /private/x.txt
	want_req want /private/
}
static__unreadable_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case static__special_files cleanup
static__special_files_head() {
	atf_set descr "FIFOs, sockets and devices are never served: 403, and the worker goes on"
}
static__special_files_body() {
	mkdir -p www/gz
	mkfifo www/fifo www/gz/fifo
	python3 -c 'import socket, sys
for p in sys.argv[1:]:
	socket.socket(socket.AF_UNIX).bind(p)' www/sock www/gz/sock
	dev=
	if [ "$(id -u)" = 0 ]; then
		mknod www/null c 1 3 && mknod www/gz/null c 1 3 && dev=null
	fi
	printf 'ok\n' > www/ok.txt
	# As index files they are skipped, and the next one is served.
	for f in fifo sock $dev; do
		mkdir www/i$f www/gz/i$f
		printf 'ok\n' > www/i$f/index.txt
		printf 'ok\n' > www/gz/i$f/index.txt
	done
	mkfifo www/ififo/index.html www/gz/ififo/index.html
	python3 -c 'import socket, sys
for p in sys.argv[1:]:
	socket.socket(socket.AF_UNIX).bind(p)' www/isock/index.html \
	    www/gz/isock/index.html
	if [ -n "$dev" ]; then
		mknod www/inull/index.html c 1 3
		mknod www/gz/inull/index.html c 1 3
	fi
	stamp www
	# /gz/ is not answered from the file cache (gzip_static), / is.
	st_conf <<'CONF'
sites = ( { root = "www";
	    routes = ( { prefix = "/gz/"; handler = "static";
			 gzip_static = true;
			 index = [ "index.html", "index.txt" ]; },
		       { prefix = "/"; handler = "static";
			 index = [ "index.html", "index.txt" ]; } ); } );
CONF
	start_daemon
	closed tm_error_resp 403 Forbidden
	for f in fifo sock $dev; do
		want_req want "/$f"
		want_req want "/$f"
		want_req want "/gz/$f"
	done
	closed tm_file_resp -c close www/ok.txt "$TXT"
	want_req want /ok.txt
	for f in fifo sock $dev; do
		closed tm_file_resp -c close www/i$f/index.txt "$TXT"
		want_req want "/i$f/"
		closed tm_file_resp -c close www/gz/i$f/index.txt "$TXT"
		want_req want "/gz/i$f/"
	done
	atf_check -s exit:1 grep -F 'static:' daemon.log
}
static__special_files_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case static__conditionals cleanup
static__conditionals_head() {
	atf_set descr "ETag and Last-Modified; If-None-Match and If-Modified-Since: 304; If-Match and If-Unmodified-Since: 412"
}
static__conditionals_body() {
	mkdir -p www
	printf '0123456789abcdefghij' > www/r.txt
	stamp www
	st_conf <<'CONF'
sites = ( { root = "www"; } );
CONF
	start_daemon
	et=$(tm_etag www/r.txt)
	lm=$(tm_lastmod www/r.txt)
	atf_check -o inline:"Tue, 02 Jan 2024 03:04:05 GMT" printf '%s' "$lm"
	# 304: the validators, no body, no length (RFC 9110 §15.4.5).
	printf 'HTTP/1.1 304 Not Modified\r\nServer: tamarin\r\nDate: (date)\r\nConnection: close\r\nETag: %s\r\nLast-Modified: %s\r\n\r\n[closed]\n' \
	    "$et" "$lm" > want.304
	closed tm_file_resp -c close www/r.txt "$TXT"
	mv want want.200
	closed tm_error_resp 412 'Precondition Failed'
	mv want want.412
	old='Mon, 01 Jan 2001 00:00:00 GMT'
	later='Tue, 02 Jan 2024 03:04:06 GMT'
	while read -r w h; do
		want_req "want.$w" /r.txt -H "$h"
	done <<EOF
304 If-None-Match: $et
304 If-None-Match: "x", $et
304 If-None-Match: W/$et
304 If-None-Match: *
200 If-None-Match: "x"
304 If-Modified-Since: $lm
304 If-Modified-Since: $later
200 If-Modified-Since: $old
200 If-Modified-Since: not a date
304 If-Modified-Since: Tuesday, 02-Jan-24 03:04:05 GMT
304 If-Modified-Since: Tue Jan  2 03:04:05 2024
200 If-Match: $et
200 If-Match: *
200 If-Match: "x", $et
412 If-Match: "x"
412 If-Match: W/$et
200 If-Unmodified-Since: $lm
412 If-Unmodified-Since: $old
EOF
	# If-None-Match decides alone when present (RFC 9110 §13.2.2).
	want_req want.200 /r.txt -H 'If-None-Match: "x"' -H "If-Modified-Since: $lm"
	# If-Match first: its 412 wins over a 304.
	want_req want.412 /r.txt -H 'If-Match: "x"' -H "If-None-Match: $et"
	want_req want.200 /r.txt -H "If-Match: $et" -H "If-Unmodified-Since: $old"
	# Lists on several lines are one list (RFC 9110 §5.3); a date on
	# two lines is no valid date, and ignored (§13.1.3-4).
	want_req want.200 /r.txt -H 'If-Match: "x"' -H "If-Match: $et"
	want_req want.412 /r.txt -H 'If-Match: "x"' -H 'If-Match: "y"'
	want_req want.304 /r.txt -H 'If-None-Match: "x"' -H "If-None-Match: $et"
	want_req want.200 /r.txt -H 'If-None-Match: "x"' -H 'If-None-Match: "y"'
	want_req want.200 /r.txt -H "If-Modified-Since: $lm" -H "If-Modified-Since: $lm"
	want_req want.200 /r.txt -H "If-Unmodified-Since: $old" -H "If-Unmodified-Since: $old"
	# HEAD: the same 304.
	want_req want.304 /r.txt -X HEAD -H "If-None-Match: $et"
	# A new version: a new ETag, and the old one no longer matches.
	printf '0123456789ABCDEFGHIJ' > www/r.txt
	touch -d '2024-02-03 04:05:06 UTC' www/r.txt
	closed tm_file_resp -c close www/r.txt "$TXT"
	want_req want /r.txt -H "If-None-Match: $et"
	[ "$(tm_etag www/r.txt)" != "$et" ] || atf_fail "the ETag did not change"
}
static__conditionals_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case static__validators_off cleanup
static__validators_off_head() {
	atf_set descr "etag = false: \"*\" still matches the file; max_ranges = 0: Accept-Ranges: none; a future mtime: Last-Modified is the Date"
}
static__validators_off_body() {
	mkdir -p www/ne www/nr
	printf '0123456789abcdefghij' > www/ne/r.txt
	printf '0123456789abcdefghij' > www/nr/r.txt
	head -c 100000 /dev/urandom > www/nr/big.bin
	printf 'from the future\n' > www/soon.txt
	stamp www
	touch -d '2099-02-03 04:05:06 UTC' www/soon.txt
	st_conf <<'CONF'
sites = ( { root = "www";
	    routes = ( { prefix = "/ne/"; handler = "static"; etag = false; },
		       { prefix = "/nr/"; handler = "static"; max_ranges = 0; },
		       { prefix = "/"; handler = "static"; } ); } );
CONF
	start_daemon
	lm=$(tm_lastmod www/ne/r.txt)
	# Without entity tags "*" is about the file, which exists (RFC 9110
	# §13.1.1, §13.1.2); a listed tag can match nothing.
	printf 'HTTP/1.1 304 Not Modified\r\nServer: tamarin\r\nDate: (date)\r\nConnection: close\r\nLast-Modified: %s\r\n\r\n[closed]\n' \
	    "$lm" > want.304
	{
		printf 'HTTP/1.1 200 OK\r\nServer: tamarin\r\nDate: (date)\r\n'
		printf 'Content-Length: 20\r\nConnection: close\r\n'
		printf 'Last-Modified: %s\r\nAccept-Ranges: bytes\r\n' "$lm"
		printf 'Content-Type: %s\r\n\r\n0123456789abcdefghij[closed]\n' "$TXT"
	} > want.200
	closed tm_error_resp 412 'Precondition Failed'
	mv want want.412
	# Twice each: the first is read from disk, the second from the cache.
	for i in 1 2; do
		want_req want.200 /ne/r.txt -H 'If-Match: *'
		want_req want.304 /ne/r.txt -H 'If-None-Match: *'
		want_req want.412 /ne/r.txt -H 'If-Match: "x"'
		want_req want.200 /ne/r.txt -H 'If-None-Match: "x"'
	done
	# Ranges off: said so, and a Range gets the whole file.
	for i in 1 2; do
		atf_check -o match:'^Accept-Ranges: none' -o not-match:bytes \
		    python3 "$TMCLIENT" req "$PORT" /nr/r.txt -H 'Range: bytes=2-5'
		atf_check -o match:'^HTTP/1.1 200 OK' \
		    -o match:'^Accept-Ranges: none' -o match:'^Content-Length: 100000' \
		    -o not-match:'Accept-Ranges: bytes' \
		    python3 "$TMCLIENT" req "$PORT" /nr/big.bin -H 'Range: bytes=2-5'
	done
	atf_check -o match:'^Content-Length: 20' -o match:'^Accept-Ranges: bytes' \
	    python3 "$TMCLIENT" req "$PORT" /ne/r.txt
	# A file dated 2099: never a Last-Modified after the Date (RFC 9110
	# §8.8.2.1), on the first request or any later one.
	for i in 1 2 3; do
		atf_check -o save:head curl -sfI "http://127.0.0.1:$PORT/soon.txt"
		d=$(sed -n 's/^Date: \(.*\)\r$/\1/p' head)
		l=$(sed -n 's/^Last-Modified: \(.*\)\r$/\1/p' head)
		[ -n "$d" ] && [ "$l" = "$d" ] ||
		    atf_fail "Last-Modified '$l' with Date '$d'"
	done
	# And the preconditions compare that date, the one sent, not 2099.
	for i in 1 2; do
		atf_check -o inline:'200\n' curl -s -o /dev/null -w '%{http_code}\n' \
		    -H 'If-Unmodified-Since: Mon, 02 Feb 2099 00:00:00 GMT' \
		    "http://127.0.0.1:$PORT/soon.txt"
		atf_check -o inline:'304\n' curl -s -o /dev/null -w '%{http_code}\n' \
		    -H 'If-Modified-Since: Mon, 02 Feb 2099 00:00:00 GMT' \
		    "http://127.0.0.1:$PORT/soon.txt"
	done
}
static__validators_off_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case static__ranges cleanup
static__ranges_head() {
	atf_set descr "Range: single, suffix, open, 416 with bytes */size, multipart/byteranges, If-Range"
}
static__ranges_body() {
	mkdir -p www
	printf '0123456789abcdefghij' > www/r.txt
	stamp www
	st_conf <<'CONF'
sites = ( { root = "www"; } );
CONF
	start_daemon
	et=$(tm_etag www/r.txt)
	lm=$(tm_lastmod www/r.txt)
	# part FIRST LAST BODY: a 206 of one range of r.txt.
	part() {
		printf 'HTTP/1.1 206 Partial Content\r\nServer: tamarin\r\nDate: (date)\r\n'
		printf 'Content-Length: %d\r\nConnection: close\r\n' "${#3}"
		printf 'Last-Modified: %s\r\nETag: %s\r\n' "$lm" "$et"
		printf 'Accept-Ranges: bytes\r\nContent-Type: %s\r\n' "$TXT"
		printf 'Content-Range: bytes %s-%s/20\r\n\r\n%s[closed]\n' \
		    "$1" "$2" "$3"
	}
	while read -r first last body range; do
		part "$first" "$last" "$body" > want
		want_req want /r.txt -H "Range: $range"
	done <<'EOF'
2 5 2345 bytes=2-5
0 0 0 bytes=0-0
17 19 hij bytes=-3
15 19 fghij bytes=15-
19 19 j bytes=19-
5 19 56789abcdefghij bytes=5-100
0 19 0123456789abcdefghij bytes=-50
0 2 012 bytes=0-1,1-2
EOF
	# Nothing of it exists: 416 and the size.
	closed tm_error_resp -a 'Content-Range: bytes */20' 416 \
	    'Range Not Satisfiable'
	for r in bytes=20- bytes=20-30 bytes=-0; do
		want_req want /r.txt -H "Range: $r"
	done
	# Not a byte range we can honour: the whole file.
	closed tm_file_resp -c close www/r.txt "$TXT"
	for r in items=1-2 bytes=5-2 bytes=x-; do
		want_req want /r.txt -H "Range: $r"
	done
	# Range or If-Range on two lines is not valid: the whole file.
	want_req want /r.txt -H 'Range: bytes=2-5' -H 'Range: bytes=2-5'
	want_req want /r.txt -H 'Range: bytes=2-5' -H "If-Range: $et" \
	    -H "If-Range: $et"
	# HEAD and other methods ignore Range (RFC 9110 §14.2).
	closed tm_file_resp -n -c close www/r.txt "$TXT"
	want_req want /r.txt -X HEAD -H 'Range: bytes=2-5'
	# Several: multipart/byteranges, parts in the order asked for
	# (RFC 9110 §14.6), overlapping or adjacent ones merged.  The
	# boundary is random per response (a file must not be able to forge
	# parts): it is shown as BOUNDARY, and must differ between two.
	# mp_want RANGE FIRST-LAST...: the multipart reply of those ranges.
	mp_want() {
		_r=$1
		shift
		_n=$(($# + 1))	# boundaries: 16 characters longer each
		: > multi
		for _fl; do
			_f=${_fl%-*} _l=${_fl#*-}
			printf -- '--BOUNDARY\r\nContent-Type: %s\r\nContent-Range: bytes %s/20\r\n\r\n%s\r\n' \
			    "$TXT" "$_fl" "$(cut -c$((_f + 1))-$((_l + 1)) www/r.txt)" >> multi
		done
		printf -- '--BOUNDARY--\r\n' >> multi
		{
			printf 'HTTP/1.1 206 Partial Content\r\nServer: tamarin\r\nDate: (date)\r\n'
			printf 'Content-Length: %d\r\nConnection: close\r\n' \
			    $(($(wc -c < multi) + _n * 16))
			printf 'Last-Modified: %s\r\nETag: %s\r\nAccept-Ranges: bytes\r\n' "$lm" "$et"
			printf 'Content-Type: multipart/byteranges; boundary=BOUNDARY\r\n\r\n'
			cat multi
			printf '[closed]\n'
		} > want
		python3 "$TMCLIENT" req "$PORT" /r.txt -H "Range: $_r" > got
		atf_check -o save:bounds sed -n \
		    's/.*boundary=\(tamarin-[0-9a-f]\{16\}\)\r$/\1/p' got
		atf_check -o file:want sed "s/$(cat bounds)/BOUNDARY/g" got
	}
	mp_want 'bytes=0-1,5-6,-5' 0-1 5-6 15-19
	mp_want 'bytes=0-1, 5-5, 6-6, 15-' 0-1 5-6 15-19
	mp_want 'bytes=-5,0-0,10-12' 15-19 0-0 10-12
	cp bounds bounds1
	mp_want 'bytes=-5,0-0,10-12' 15-19 0-0 10-12
	atf_check -s exit:1 cmp -s bounds bounds1
	mp_want 'bytes=12-13,3-4,14-15,0-1' 12-15 3-4 0-1
	mp_want 'bytes=9-9,0-0' 9-9 0-0
	# If-Range: the range only while the validator still matches, and
	# only a strong ETag or the exact date does.
	part 2 5 2345 > want
	want_req want /r.txt -H 'Range: bytes=2-5' -H "If-Range: $et"
	want_req want /r.txt -H 'Range: bytes=2-5' -H "If-Range: $lm"
	closed tm_file_resp -c close www/r.txt "$TXT"
	want_req want /r.txt -H 'Range: bytes=2-5' -H 'If-Range: "old"'
	want_req want /r.txt -H 'Range: bytes=2-5' -H "If-Range: W/$et"
	want_req want /r.txt -H 'Range: bytes=2-5' \
	    -H 'If-Range: Tue, 02 Jan 2024 03:04:06 GMT'
	# curl agrees on the bytes of a big one.
	head -c 300000 /dev/urandom > www/big.bin
	atf_check -o save:got curl -sf -r 1000-199999 "http://127.0.0.1:$PORT/big.bin"
	atf_check -o save:exp dd if=www/big.bin bs=1000 skip=1 count=199 status=none
	atf_check cmp got exp
}
static__ranges_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case static__gzip_static cleanup
static__gzip_static_head() {
	atf_set descr "gzip_static: file.gz with Content-Encoding and Vary when present, newer (or alone) and accepted"
}
static__gzip_static_body() {
	mkdir -p www/gz
	printf 'plain text body, plain text body\n' > www/gz/t.txt
	gzip -n -c www/gz/t.txt > www/gz/t.txt.gz
	printf 'older gz\n' > www/gz/old.txt
	gzip -n -c www/gz/old.txt > www/gz/old.txt.gz
	printf 'no gz\n' > www/gz/plain.txt
	stamp www
	touch -d '2024-01-02 04:00:00 UTC' www/gz/t.txt.gz
	touch -d '2023-01-01 00:00:00 UTC' www/gz/old.txt.gz
	cp -p www/gz/t.txt www/t.txt
	cp -p www/gz/t.txt.gz www/t.txt.gz
	st_conf <<'CONF'
sites = ( { root = "www";
	    routes = ( { prefix = "/gz/"; handler = "static";
			 gzip_static = true;
			 index = [ "index.html", "index.htm" ]; },
		       { prefix = "/"; handler = "static"; } ); } );
CONF
	start_daemon
	# Served compressed: its own length, date and ETag (a variant).
	ge=$(tm_etag www/gz/t.txt.gz | sed 's/"$/-1"/')
	{
		printf 'HTTP/1.1 200 OK\r\nServer: tamarin\r\nDate: (date)\r\n'
		printf 'Content-Length: %d\r\nConnection: close\r\n' \
		    "$(wc -c < www/gz/t.txt.gz)"
		printf 'Vary: Accept-Encoding\r\nContent-Encoding: gzip\r\n'
		printf 'Last-Modified: %s\r\nETag: %s\r\n' \
		    "$(tm_lastmod www/gz/t.txt.gz)" "$ge"
		printf 'Accept-Ranges: bytes\r\nContent-Type: %s\r\n\r\n' "$TXT"
		cat www/gz/t.txt.gz
		printf '[closed]\n'
	} > want
	for ae in gzip 'deflate, gzip' 'GZIP' 'gzip;q=0.5' '*' 'br;q=1, *;q=0.1'; do
		want_req want /gz/t.txt -H "Accept-Encoding: $ae"
	done
	# Lines of a list field are one list (RFC 9110 §5.3).
	want_req want /gz/t.txt -H 'Accept-Encoding: deflate' \
	    -H 'Accept-Encoding: gzip'
	atf_check -o save:got curl -sf --compressed "http://127.0.0.1:$PORT/gz/t.txt"
	atf_check cmp got www/gz/t.txt
	# 304: the validators and Vary, not the encoding (RFC 9110
	# §15.4.5).
	printf 'HTTP/1.1 304 Not Modified\r\nServer: tamarin\r\nDate: (date)\r\nConnection: close\r\nVary: Accept-Encoding\r\nETag: %s\r\nLast-Modified: %s\r\n\r\n[closed]\n' \
	    "$ge" "$(tm_lastmod www/gz/t.txt.gz)" > want
	want_req want /gz/t.txt -H 'Accept-Encoding: gzip' \
	    -H "If-None-Match: $ge"
	want_req want /gz/t.txt -H 'Accept-Encoding: gzip' \
	    -H "If-Modified-Since: $(tm_lastmod www/gz/t.txt.gz)"
	# Its errors about the variant vary as it does: a range past the
	# end is the variant's length, a failed If-Match its tag.
	for ae in gzip identity; do
		[ $ae = gzip ] && f=www/gz/t.txt.gz || f=www/gz/t.txt
		closed tm_error_resp -a 'Vary: Accept-Encoding' \
		    -a "Content-Range: bytes */$(wc -c < $f)" \
		    416 'Range Not Satisfiable'
		want_req want /gz/t.txt -H "Accept-Encoding: $ae" \
		    -H 'Range: bytes=9999-'
		closed tm_error_resp -a 'Vary: Accept-Encoding' \
		    412 'Precondition Failed'
		want_req want /gz/t.txt -H "Accept-Encoding: $ae" \
		    -H 'If-Match: "nope"'
	done
	# Not accepted: the plain file, still with Vary.
	closed tm_file_resp -c close -h 'Vary: Accept-Encoding' www/gz/t.txt "$TXT"
	want_req want /gz/t.txt
	for ae in 'gzip;q=0' 'br, deflate' identity '*;q=0' 'gzip;q=0, *'; do
		want_req want /gz/t.txt -H "Accept-Encoding: $ae"
	done
	# Older than the file: not used.
	closed tm_file_resp -c close -h 'Vary: Accept-Encoding' www/gz/old.txt "$TXT"
	want_req want /gz/old.txt -H 'Accept-Encoding: gzip'
	# No .gz beside it: nothing varies.
	closed tm_file_resp -c close www/gz/plain.txt "$TXT"
	want_req want /gz/plain.txt -H 'Accept-Encoding: gzip'
	# gzip_static off (the default): the .gz is just another file.
	closed tm_file_resp -c close www/t.txt "$TXT"
	want_req want /t.txt -H 'Accept-Encoding: gzip'
	# .svgz is SVG compressed: said so, cached or not, and never
	# compressed twice by gzip_static.
	for d in www www/gz; do
		printf '<svg xmlns="http://www.w3.org/2000/svg"/>\n' |
		    gzip -n > $d/i.svgz
		gzip -n -c $d/i.svgz > $d/i.svgz.gz
	done
	stamp www
	for u in /i.svgz /gz/i.svgz; do
		closed tm_file_resp -c close -h 'Content-Encoding: gzip' \
		    www$u 'image/svg+xml; charset=utf-8'
		want_req want $u -H 'Accept-Encoding: gzip'
		want_req want $u
		atf_check -o inline:'<svg xmlns="http://www.w3.org/2000/svg"/>\n' \
		    curl -sf --compressed "http://127.0.0.1:$PORT$u"
	done
	atf_check -o inline:'206 gzip\n' curl -s -r 0-3 -o /dev/null \
	    -w '%{http_code} %header{content-encoding}\n' \
	    "http://127.0.0.1:$PORT/i.svgz"
	# Only the .gz, its file deleted once compressed (as build
	# pipelines do): sent to clients that take gzip, as nginx does; the
	# others get the 404 they got before, which now varies.
	printf 'only compressed, only compressed\n' | gzip -n > www/gz/only.txt.gz
	mkdir -p www/gz/d www/gz/e
	printf '<p>index</p>\n' | gzip -n > www/gz/d/index.html.gz
	printf '<p>index.htm</p>\n' > www/gz/e/index.htm
	printf '<p>index</p>\n' | gzip -n > www/gz/e/index.html.gz
	cp -p www/gz/only.txt.gz www/only.txt.gz
	ln -s /etc/hostname www/gz/out.txt.gz
	stamp www
	# gz_resp [-n] FILE CTYPE: the 200 of FILE, a .gz sent as its name
	# without .gz; -n: the head alone.
	gz_resp() {
		_n=0
		[ "$1" = -n ] && _n=1 && shift
		printf 'HTTP/1.1 200 OK\r\nServer: tamarin\r\nDate: (date)\r\n'
		printf 'Content-Length: %d\r\nConnection: close\r\n' \
		    "$(wc -c < "$1")"
		printf 'Vary: Accept-Encoding\r\nContent-Encoding: gzip\r\n'
		printf 'Last-Modified: %s\r\nETag: %s\r\n' \
		    "$(tm_lastmod "$1")" "$(tm_etag "$1" | sed 's/"$/-1"/')"
		printf 'Accept-Ranges: bytes\r\nContent-Type: %s\r\n\r\n' "$2"
		[ $_n = 1 ] || cat "$1"
		printf '[closed]\n'
	}
	gz_resp www/gz/only.txt.gz "$TXT" > want
	for ae in gzip 'x-gzip' '*'; do
		want_req want /gz/only.txt -H "Accept-Encoding: $ae"
	done
	atf_check -o inline:'only compressed, only compressed\n' \
	    curl -sf --compressed "http://127.0.0.1:$PORT/gz/only.txt"
	gz_resp -n www/gz/only.txt.gz "$TXT" > want
	want_req want /gz/only.txt -X HEAD -H 'Accept-Encoding: gzip'
	ge=$(tm_etag www/gz/only.txt.gz | sed 's/"$/-1"/')
	printf 'HTTP/1.1 304 Not Modified\r\nServer: tamarin\r\nDate: (date)\r\nConnection: close\r\nVary: Accept-Encoding\r\nETag: %s\r\nLast-Modified: %s\r\n\r\n[closed]\n' \
	    "$ge" "$(tm_lastmod www/gz/only.txt.gz)" > want
	want_req want /gz/only.txt -H 'Accept-Encoding: gzip' \
	    -H "If-None-Match: $ge"
	closed tm_error_resp -a 'Vary: Accept-Encoding' 412 \
	    'Precondition Failed'
	want_req want /gz/only.txt -H 'Accept-Encoding: gzip' \
	    -H 'If-Match: "nope"'
	# A range of it is a range of the .gz's bytes.
	{
		printf 'HTTP/1.1 206 Partial Content\r\nServer: tamarin\r\nDate: (date)\r\n'
		printf 'Content-Length: 4\r\nConnection: close\r\n'
		printf 'Vary: Accept-Encoding\r\nContent-Encoding: gzip\r\n'
		printf 'Last-Modified: %s\r\nETag: %s\r\n' \
		    "$(tm_lastmod www/gz/only.txt.gz)" "$ge"
		printf 'Accept-Ranges: bytes\r\nContent-Type: %s\r\n' "$TXT"
		printf 'Content-Range: bytes 2-5/%d\r\n\r\n' \
		    "$(wc -c < www/gz/only.txt.gz)"
		dd if=www/gz/only.txt.gz bs=1 skip=2 count=4 status=none
		printf '[closed]\n'
	} > want
	want_req want /gz/only.txt -H 'Accept-Encoding: gzip' \
	    -H 'Range: bytes=2-5'
	closed tm_error_resp -a 'Vary: Accept-Encoding' \
	    -a "Content-Range: bytes */$(wc -c < www/gz/only.txt.gz)" \
	    416 'Range Not Satisfiable'
	want_req want /gz/only.txt -H 'Accept-Encoding: gzip' \
	    -H 'Range: bytes=9999-'
	closed tm_error_resp -a 'Vary: Accept-Encoding' 404 'Not Found'
	for ae in identity 'gzip;q=0' 'br, deflate'; do
		want_req want /gz/only.txt -H "Accept-Encoding: $ae"
	done
	want_req want /gz/only.txt -H 'Accept-Encoding: gzip' \
	    -H 'Accept-Encoding: gzip;q=0'
	want_req want /gz/only.txt
	tm_error_resp -n -a 'Vary: Accept-Encoding' 404 'Not Found' > want
	printf '[closed]\n' >> want
	want_req want /gz/only.txt -X HEAD
	# Nothing there at all, a .gz gzip_static does not serve (a link
	# out of the root, the route without gzip_static), a directory's
	# own name: the 404 as ever, which nothing varies.
	closed tm_error_resp 404 'Not Found'
	for u in /gz/none.txt /gz/out.txt /only.txt /gz/none/; do
		want_req want $u -H 'Accept-Encoding: gzip'
	done
	# An index only its .gz has: the index of clients that take gzip.
	gz_resp www/gz/d/index.html.gz "$HTML" > want
	want_req want /gz/d/ -H 'Accept-Encoding: gzip'
	closed tm_error_resp -a 'Vary: Accept-Encoding' 403 'Forbidden'
	want_req want /gz/d/
	# The others find the next index name, and it varies.
	closed tm_file_resp -c close -h 'Vary: Accept-Encoding' \
	    www/gz/e/index.htm "$HTML"
	want_req want /gz/e/
	gz_resp www/gz/e/index.html.gz "$HTML" > want
	want_req want /gz/e/ -H 'Accept-Encoding: gzip'
}
static__gzip_static_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case static__fallback cleanup
static__fallback_head() {
	atf_set descr "fallback: a GET or HEAD of a path that names nothing gets the fallback file as if asked for (nginx's try_files \$uri \$uri/ /index.html); refusals, directories and other methods keep their answers; without a file to serve: 404"
}
static__fallback_body() {
	mkdir -p www/app/assets www/app/bare www/app/dir www/gz www/post
	printf '<p>single page</p>\n' > www/app/index.html
	printf 'asset\n' > www/app/assets/a.txt
	ln -s assets/a.txt www/app/link
	mkdir -p outside
	printf 'secret\n' > outside/s.txt
	ln -s ../../outside/s.txt www/post/out
	printf '<p>gz page, plain</p>\n' > www/gz/index.html
	gzip -n -c www/gz/index.html > www/gz/index.html.gz
	stamp www
	st_conf <<'CONF'
sites = ( { root = "www"; access_log = "access.log";
	    routes = ( { prefix = "/app/"; handler = "static";
			 fallback = "/app/index.html";
			 follow_symlinks = "off"; },
		       { prefix = "/gz/"; handler = "static";
			 gzip_static = true; fallback = "/gz/index.html"; },
		       { prefix = "/post/"; handler = "static";
			 methods = [ "GET", "POST" ];
			 fallback = "/app/index.html"; },
		       { prefix = "/missing/"; handler = "static";
			 fallback = "/missing/index.html"; },
		       { prefix = "/isdir/"; handler = "static";
			 fallback = "/app/dir"; },
		       { prefix = "/"; handler = "static"; } ); } );
CONF
	start_daemon
	# A path that names nothing, at any depth, with or without its
	# final slash, or a file's name as a directory's: the fallback,
	# its type, validators and bytes (twice: from the file cache too).
	closed tm_file_resp -c close www/app/index.html "$HTML"
	for u in /app/users/42 /app/users/42 /app/x/ /app/assets/a.txt/ \
	    /app/assets/a.txt/b '/app/q?x=1'; do
		want_req want "$u"
	done
	closed tm_file_resp -n -c close www/app/index.html "$HTML"
	want_req want /app/users/42 -X HEAD
	et=$(tm_etag www/app/index.html)
	printf 'HTTP/1.1 304 Not Modified\r\nServer: tamarin\r\nDate: (date)\r\nConnection: close\r\nETag: %s\r\nLast-Modified: %s\r\n\r\n[closed]\n' \
	    "$et" "$(tm_lastmod www/app/index.html)" > want
	want_req want /app/users/42 -H "If-None-Match: $et"
	atf_check -o inline:'single 206\n' curl -s -w ' %{http_code}\n' \
	    -r 3-8 "http://127.0.0.1:$PORT/app/users/42"
	# The log has the path asked for, and the 200.
	wait_for 30 grep -q -F '"GET /app/users/42 HTTP/1.1" 200 ' access.log ||
	    atf_fail "access.log: $(cat access.log)"
	# What is there is served as itself, or refused as ever.
	closed tm_file_resp -c close www/app/assets/a.txt "$TXT"
	want_req want /app/assets/a.txt
	closed tm_error_resp 403 Forbidden
	want_req want /app/bare/
	want_req want /app/link
	redirect_resp 301 'Moved Permanently' /app/bare/ > want
	want_req want /app/bare
	# Only reads get it: other methods keep their answers.
	closed tm_error_resp -a 'Allow: GET, HEAD' 405 'Method Not Allowed'
	want_req want /app/users/42 -X POST
	closed tm_error_resp 404 'Not Found'
	want_req want /post/users/42 -X POST
	closed tm_file_resp -c close www/app/index.html "$HTML"
	want_req want /post/users/42
	# A segment too long to be a name (a token in a deep link), and a
	# link out of the root, which must look like any absent name.
	want_req want "/post/$(printf '%0300d' 0)"
	want_req want /post/out
	# No file to serve in its place: the path's own 404.
	closed tm_error_resp 404 'Not Found'
	want_req want /missing/users/42
	want_req want /isdir/users/42
	# (A range: the file itself, not the file cache's answer.)
	want_req want /isdir/users/42 -H 'Range: bytes=0-1'
	# gzip_static: the fallback's .gz for clients that take it; the
	# answer varies.
	atf_check -o inline:'200 gzip Accept-Encoding\n' curl -s -o got \
	    -w '%{http_code} %header{content-encoding} %header{vary}\n' \
	    -H 'Accept-Encoding: gzip' "http://127.0.0.1:$PORT/gz/users/42"
	atf_check cmp got www/gz/index.html.gz
	closed tm_file_resp -c close -h 'Vary: Accept-Encoding' \
	    www/gz/index.html "$HTML"
	want_req want /gz/users/42
	# A fallback that is not a path from the root: a line-numbered error.
	sed -i 's|fallback = "/missing/index.html"|fallback = "index.html"|' \
	    tamarin.conf
	atf_check -s exit:1 -o empty \
	    -e match:"^tamarin.conf:20: fallback: 'index.html' must be a path from the root" \
	    "$TAMARIND" -t -c tamarin.conf
}
static__fallback_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case static__error_pages cleanup
static__error_pages_head() {
	atf_set descr "per-site error_pages for the statuses named; small built-in pages otherwise"
}
static__error_pages_body() {
	mkdir -p www/errors www/noindex other
	printf '<h1>not here</h1>\n' > www/errors/40x.html
	mkfifo www/errors/fifo
	printf 'other\n' > other/index.html
	stamp www other
	st_conf <<'CONF'
sites = (
	{ names = [ "main.test" ]; root = "www";
	  error_pages = ( { codes = [ 404, 403 ]; page = "/errors/40x.html"; },
			  { codes = [ 416 ]; page = "/errors/missing.html"; },
			  { codes = [ 405 ]; page = "/errors/fifo"; },
			  { codes = [ 400, 414 ]; page = "/errors/40x.html"; } ); },
	{ names = [ "other.test" ]; root = "other"; }
);
CONF
	start_daemon
	# errpage CODE REASON: the site's page with that status.
	errpage() {
		printf 'HTTP/1.1 %s %s\r\nServer: tamarin\r\nDate: (date)\r\n' \
		    "$1" "$2"
		printf 'Content-Length: %d\r\nConnection: close\r\n' \
		    "$(wc -c < www/errors/40x.html)"
		printf 'Content-Type: %s\r\n\r\n' "$HTML"
		cat www/errors/40x.html
		printf '[closed]\n'
	}
	errpage 404 'Not Found' > want
	want_req want /missing --vhost main.test
	errpage 403 Forbidden > want
	want_req want /noindex/ --vhost main.test
	# Not listed: built in.  A page that is missing, or not a regular
	# file (a FIFO nobody writes to, which must not block the worker):
	# built in too.
	closed tm_error_resp -a 'Allow: GET, HEAD' 405 'Method Not Allowed'
	want_req want / -X DELETE --vhost main.test
	want_req want / -X DELETE --vhost other.test
	closed tm_error_resp -a 'Content-Range: bytes */18' 416 \
	    'Range Not Satisfiable'
	want_req want /errors/40x.html -H 'Range: bytes=100-' --vhost main.test
	# Another site: its own (built-in) pages.
	closed tm_error_resp 404 'Not Found'
	want_req want /missing --vhost other.test
	# A head refused before its host is known: the listener's default
	# site (the first) answers, with its page.
	for r in 'GET / HTTP/1.1\r\nHost: main.test\r\nX : y\r\n\r\n' \
	    'GET / HTTP/1.1\r\nHost: a b\r\n\r\n' \
	    "GET /$(head -c 9000 /dev/zero | tr '\0' a) HTTP/1.1\r\nHost: other.test\r\n\r\n"; do
		atf_check -o match:'^HTTP/1.1 4(00|14) ' -o match:'<h1>not here</h1>' \
		    python3 "$TMCLIENT" --mask-date --eof raw "$PORT" "$r"
	done
}
static__error_pages_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case static__file_shrinks cleanup
static__file_shrinks_head() {
	atf_set descr "a file shorter than its size, before its first byte or while it is sent, closes the connection as an I/O error logged with its path"
}
static__file_shrinks_body() {
	mkdir -p www
	truncate -s 64M www/big.bin
	st_conf <<'CONF'
sites = (
	{ names = [ "*" ]; root = "www"; },
	{ names = [ "sys" ]; root = "/sys/devices/system/cpu"; }
);
CONF
	start_daemon
	# Truncated to nothing after the head and the first MiB went out:
	# the promised length cannot be kept, so the connection closes; the
	# same for a part of a multipart/byteranges answer.
	cat > shrink.py <<'EOF'
import os, socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=30)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
s.sendall(("GET /%s HTTP/1.1\r\nHost: x\r\n%s\r\n" % (sys.argv[2],
    sys.argv[3] + "\r\n" if len(sys.argv) > 3 else "")).encode())
def recv():
    d = s.recv(65536)
    assert d, "closed early"
    return d
got = b""
while b"\r\n\r\n" not in got:
    got += recv()
head, _, body = got.partition(b"\r\n\r\n")
assert head.startswith(b"HTTP/1.1 206 " if len(sys.argv) > 3 else
    b"HTTP/1.1 200 "), head
cl = int(head.split(b"\r\nContent-Length: ")[1].split(b"\r\n")[0])
n = len(body)
while n < 1 << 20:
    n += len(recv())
os.truncate("www/" + sys.argv[2], 0)
while True:
    d = s.recv(1 << 20)
    if not d:
        break
    n += len(d)
sys.exit(0 if n < cl else 1)
EOF
	python3 shrink.py "$PORT" big.bin || atf_fail "not closed short"
	wait_for 50 grep -q 'file truncated while sending' daemon.log ||
	    atf_fail "not logged: $(cat daemon.log)"
	atf_check -o match:'/big\.bin: file truncated while sending, at byte [0-9]+, [0-9]+ short' cat daemon.log
	truncate -s 64M www/parts.bin
	python3 shrink.py "$PORT" parts.bin \
	    'Range: bytes=0-33554431,40000000-40000001' ||
	    atf_fail "multipart not closed short"
	wait_for 50 grep -q 'parts.bin: file truncated' daemon.log ||
	    atf_fail "multipart not logged: $(cat daemon.log)"
	atf_check -o match:'/parts\.bin: file truncated while sending, at byte [0-9]+' cat daemon.log
	# A sysfs file's size (a page) is more than it holds: short before
	# the first byte, so nothing is sent, as nginx does.  That is an
	# I/O error, never "out of memory".
	f=/sys/devices/system/cpu/online
	if [ -r "$f" ] && [ "$(stat -c %s "$f")" -gt "$(wc -c < "$f")" ]; then
		atf_check -s exit:52 -o empty curl -s -H 'Host: sys' \
		    "http://127.0.0.1:$PORT/online"
		wait_for 50 grep -q 'before it was sent' daemon.log ||
		    atf_fail "not logged: $(cat daemon.log)"
		atf_check -o match:"/online: file truncated before it was sent: [0-9]+ of $(stat -c %s "$f") bytes there" cat daemon.log
		want=3
	else
		want=2
	fi
	wait_for 50 sh -c "test \"\$(tmq eval summary \"d['totals']['errors']['io']\")\" = $want" ||
	    atf_fail "want $want I/O errors: $(tmq eval summary "d['totals']['errors']")"
	atf_check -s exit:1 grep -q 'out of memory\|failed: Success' daemon.log
}
static__file_shrinks_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case sites__vhosts cleanup
sites__vhosts_head() {
	atf_set descr "sites by Host: exact, longest *.suffix, then the listener's default"
}
sites__vhosts_body() {
	for s in a wild deep b; do
		mkdir -p "$s"
		printf 'site %s\n' "$s" > "$s/index.html"
	done
	st_conf <<'CONF'
sites = (
	{ names = [ "a.test", "www.a.test" ]; root = "a";
	  listeners = [ "web", "alt" ]; },
	{ names = [ "*.example.org" ]; root = "wild"; listeners = [ "web" ]; },
	{ names = [ "*.deep.example.org" ]; root = "deep";
	  listeners = [ "web" ]; },
	{ names = [ "b.test" ]; root = "b"; listeners = [ "alt" ];
	  default = true; }
);
CONF
	start_daemon
	while read -r port host site; do
		atf_check -o inline:"site $site\n" \
		    curl -sf -H "Host: $host" "http://127.0.0.1:$port/"
	done <<EOF
$PORT a.test a
$PORT www.a.test a
$PORT WWW.A.Test:8080 a
$PORT a.test. a
$PORT x.example.org wild
$PORT x.y.example.org wild
$PORT z.deep.example.org deep
$PORT example.org a
$PORT deep.example.org wild
$PORT unknown.test a
$PORT b.test a
$PORT2 b.test b
$PORT2 unknown.test b
$PORT2 a.test a
$PORT2 x.example.org b
EOF
	# HTTP/1.0 without Host: the default.
	atf_check -o match:'^site b$' python3 "$TMCLIENT" raw "$PORT2" \
	    'GET / HTTP/1.0\r\n\r\n'
	# Two defaults for one listener: a config error.
	sed 's/listeners = \[ "web" \]; },/listeners = [ "alt" ]; default = true; },/' \
	    tamarin.conf > two.conf
	atf_check -s exit:1 -o empty \
	    -e match:'more than one default site for listener .alt.' \
	    "$TAMARIND" -t -c two.conf
}
sites__vhosts_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case redirect_host_fallback cleanup
redirect_host_fallback_head() {
	atf_set descr "HTTP/1.0 without Host: \$host is the address reached when the site has no name of its own"
}
redirect_host_fallback_body() {
	mkdir -p www
	st_conf <<'CONF'
sites = ( { root = "www";
	    routes = ( { prefix = "/"; handler = "redirect";
			 to = "http://$host/x"; code = 302; } ); } );
CONF
	start_daemon
	atf_check -o inline:'302 [http://127.0.0.1/x]\n' \
	    curl -s -0 -H 'Host:' -o /dev/null \
	    -w '%{http_code} [%header{location}]\n' "http://127.0.0.1:$PORT/"
	atf_check -o inline:'302 [http://h.test/x]\n' \
	    curl -s -H 'Host: h.test:1' -o /dev/null \
	    -w '%{http_code} [%header{location}]\n' "http://127.0.0.1:$PORT/"
}
redirect_host_fallback_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case sites__routes_redirect cleanup
sites__routes_redirect_head() {
	atf_set descr "routes in order; the redirect handler: codes and \$request_uri \$uri \$subpath \$args \$host \$scheme"
}
sites__routes_redirect_body() {
	mkdir -p www/s www/r
	printf 'static s\n' > www/s/index.html
	printf 'never\n' > www/r/index.html
	stamp www
	st_conf <<'CONF'
sites = ( { names = [ "main.test" ]; root = "www";
	    routes = (
		{ prefix = "/r/"; handler = "redirect";
		  to = "https://$host/new/$subpath?$args"; },
		{ prefix = "/r/special/"; handler = "static"; },
		{ prefix = "/v/"; handler = "redirect"; code = 302;
		  to = "$scheme://v.test/x?r=$request_uri&u=$uri&s=$subpath&a=$args&h=$host"; },
		{ prefix = "/c303"; handler = "redirect"; code = 303; to = "/s/"; },
		{ prefix = "/c307"; handler = "redirect"; code = 307; to = "/s/"; },
		{ prefix = "/c308"; handler = "redirect"; code = 308; to = "/s/"; },
		{ prefix = "/old"; handler = "redirect"; to = "/new/$subpath"; },
		{ prefix = "/s/"; handler = "static"; },
		{ prefix = "/"; handler = "redirect"; to = "/s/"; code = 302; }
	    ); } );
CONF
	start_daemon
	u="http://127.0.0.1:$PORT"
	while read -r path want; do
		atf_check -o inline:"$want\n" curl -s -o /dev/null \
		    -w '%{http_code} [%header{location}]\n' \
		    -H 'Host: Main.Test:99' "$u$path"
	done <<'EOF'
/r/a/b?x=1 301 [https://main.test/new/a/b?x=1]
/r/special/ 301 [https://main.test/new/special/?]
/r 301 [https://main.test/new/?]
/v/a%20b/c?q=1&z 302 [http://v.test/x?r=/v/a%20b/c?q=1&z&u=/v/a%20b/c&s=a%20b/c&a=q=1&z&h=main.test]
/v/%3f%0d%0a 302 [http://v.test/x?r=/v/%3f%0d%0a&u=/v/%3F%0D%0A&s=%3F%0D%0A&a=&h=main.test]
/v/x?q=100%&e=%u00e9&o=%4F 302 [http://v.test/x?r=/v/x?q=100%25&e=%25u00e9&o=%4F&u=/v/x&s=x&a=q=100%25&e=%25u00e9&o=%4F&h=main.test]
/c303 303 [/s/]
/c307 307 [/s/]
/c308 308 [/s/]
/oldfoo/x 301 [/new/foo/x]
/old/x 301 [/new/x]
/old 301 [/new/]
/s/ 200 []
/anything 302 [/s/]
EOF
	# HTTP/1.0 with no Host: $host is the site's name, not empty.
	atf_check -o inline:'301 [https://main.test/new/a?]\n' \
	    curl -s -0 -H 'Host:' -o /dev/null \
	    -w '%{http_code} [%header{location}]\n' "$u/r/a"
	# A proxy's absolute form: $request_uri is its path and query.
	atf_check -o inline:'302 [http://v.test/x?r=/v/x?y=1&u=/v/x&s=x&a=y=1&h=main.test]\n' \
	    curl -s -o /dev/null -w '%{http_code} [%header{location}]\n' \
	    --request-target 'http://Main.Test/v/x?y=1' "$u/"
	# The whole response: bytes no URI has raw are escaped in the
	# Location.
	redirect_resp 302 Found 'http://v.test/x?r=/v/?a=%3Cb%3E&u=/v/&s=&a=a=%3Cb%3E&h=main.test' > want
	want_req want '/v/?a=<b>' --vhost main.test
	# Bad redirect routes are config errors, each with its line.
	st_conf <<'CONF'
sites = ( { root = "www";
	    routes = (
		{ prefix = "/a/"; handler = "redirect"; to = "/x/$nope"; },
		{ prefix = "/b/"; handler = "redirect"; to = "/x/"; code = 305; },
		{ prefix = "/c/"; handler = "redirect"; }
	    ); } );
CONF
	atf_check -s exit:1 -o empty -e save:err "$TAMARIND" -t -c tamarin.conf
	atf_check -o inline:"tamarin.conf:12: to: unknown variable at '\$nope' (known: \$request_uri \$uri \$subpath \$args \$host \$scheme)
tamarin.conf:13: code: 305 is not 301, 302, 303, 307 or 308
tamarin.conf:14: redirect: to = \"...\" is required
tamarin.conf: configuration test failed (3 errors)
" cat err
}
sites__routes_redirect_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case sites__headers cleanup
sites__headers_head() {
	atf_set descr "headers = { ... } per site and per route, on every response of theirs"
}
sites__headers_body() {
	mkdir -p www/api other
	printf 'r\n' > www/r.txt
	printf 'api\n' > www/api/a.txt
	printf 'other\n' > other/index.html
	stamp www other
	st_conf <<'CONF'
sites = (
	{ names = [ "main.test" ]; root = "www";
	  headers = { X-Site = "main"; Cache-Control = "no-cache"; };
	  headers_always = { Strict-Transport-Security = "max-age=60"; };
	  routes = ( { prefix = "/api/"; handler = "static";
		       headers = { X-Route = "api; v=1"; };
		       headers_always = { X-Route-Always = "1"; }; },
		     { prefix = "/"; handler = "static"; } ); },
	{ names = [ "other.test" ]; root = "other"; }
);
CONF
	start_daemon
	sts='Strict-Transport-Security: max-age=60'
	closed tm_file_resp -c close -h 'X-Site: main' -h 'Cache-Control: no-cache' \
	    -h "$sts" www/r.txt "$TXT"
	want_req want /r.txt --vhost main.test
	closed tm_file_resp -c close -h 'X-Site: main' -h 'Cache-Control: no-cache' \
	    -h "$sts" -h 'X-Route: api; v=1' -h 'X-Route-Always: 1' \
	    www/api/a.txt "$TXT"
	want_req want /api/a.txt --vhost main.test
	# An error gets only the headers_always (nginx's "always"): caches
	# must not keep a 404 for the pages' max-age.
	closed tm_error_resp -h "$sts" -h 'X-Route-Always: 1' 404 'Not Found'
	want_req want /api/missing --vhost main.test
	redirect_resp 301 'Moved Permanently' /api/ \
	    "X-Site: main\r\nCache-Control: no-cache\r\n$sts\r\nX-Route: api; v=1\r\nX-Route-Always: 1\r\n" > want
	want_req want /api --vhost main.test
	closed tm_file_resp -c close other/index.html "$HTML"
	want_req want / --vhost other.test
	# Answered before its site is known: the headers of the listener's
	# default site (the first here), whose log takes the line too.
	for r in '400 Bad Request|GET / HTTP/1.1\r\n\r\n' \
	    '505 HTTP Version Not Supported|GET / HTTP/2.0\r\nHost: other.test\r\n\r\n' \
	    '400 Bad Request|GET / HTTP/1.1\r\nHost: main.test\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n'; do
		status=${r%%|*}
		tm_error_resp -h "$sts" "${status%% *}" "${status#* }" > want
		printf '[closed]\n' >> want
		atf_check -o file:want python3 "$TMCLIENT" --mask-date --eof \
		    raw "$PORT" "${r#*|}"
	done
	# Once the host is known, the answer is its site's, even before
	# routing: other.test has no headers, main.test its own.
	tm_error_resp 400 'Bad Request' > want
	printf '[closed]\n' >> want
	atf_check -o file:want python3 "$TMCLIENT" --mask-date --eof raw \
	    "$PORT" 'GET /%2e%2e/x HTTP/1.1\r\nHost: other.test\r\n\r\n'
	ok='HTTP/1.1 200 OK\r\nServer: tamarin\r\nDate: (date)\r\nContent-Length: 0\r\nConnection: close\r\n'
	printf "$ok"'Allow: GET, HEAD, OPTIONS\r\n\r\n[closed]\n' > want
	atf_check -o file:want python3 "$TMCLIENT" --mask-date --eof raw \
	    "$PORT" 'OPTIONS * HTTP/1.1\r\nHost: other.test\r\nConnection: close\r\n\r\n'
	printf "$ok"'X-Site: main\r\nCache-Control: no-cache\r\n%s\r\nAllow: GET, HEAD, OPTIONS\r\n\r\n[closed]\n' "$sts" > want
	atf_check -o file:want python3 "$TMCLIENT" --mask-date --eof raw \
	    "$PORT" 'OPTIONS * HTTP/1.1\r\nHost: main.test\r\nConnection: close\r\n\r\n'
	# A value with a line break never gets that far.
	printf 'sites = ( { root = "www"; headers = { X-Bad = "a\\r\\nb"; }; } );\n' |
	    st_conf
	atf_check -s exit:1 -o empty \
	    -e inline:'tamarin.conf:10: headers.X-Bad: line breaks are not allowed\ntamarin.conf: configuration test failed (1 error)\n' \
	    "$TAMARIND" -t -c tamarin.conf
	# One field in both would go out twice.
	printf 'sites = ( { root = "www"; headers = { X-A = "1"; };\n headers_always = { x-a = "2"; }; } );\n' |
	    st_conf
	atf_check -s exit:1 -o empty \
	    -e inline:'tamarin.conf:11: headers_always.x-a: also in headers (it would be sent twice)\ntamarin.conf: configuration test failed (1 error)\n' \
	    "$TAMARIND" -t -c tamarin.conf
}
sites__headers_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case plugin__hello cleanup
plugin__hello_head() {
	atf_set descr "the hello plugin serves its route; bad plugins are config errors, never a crash"
}
plugin__hello_body() {
	mkdir -p www
	st_conf <<CONF
plugins = ( { path = "$TM_BUILD/plugins/hello.so"; } );
sites = ( { root = "www";
	    routes = ( { prefix = "/hello"; handler = "hello"; greeting = "Hi";
			 headers = { X-Route = "hello"; }; } ); } );
CONF
	atf_check -o inline:'configuration OK\n' "$TAMARIND" -t -c tamarin.conf
	start_daemon
	hello() {
		printf 'HTTP/1.1 200 OK\r\nServer: tamarin\r\nDate: (date)\r\n'
		printf 'Content-Length: %d\r\nConnection: close\r\n' "${#1}"
		printf 'X-Route: hello\r\nContent-Type: %s\r\n\r\n' "$TXT"
	}
	{ hello 'Hi: /world.'; printf 'Hi: /world\n[closed]\n'; } > want
	want_req want /hello/world
	{ hello 'Hi: /world.'; printf '[closed]\n'; } > want
	want_req want /hello/world -X HEAD
	{ hello 'Hi: /a b/.'; printf 'Hi: /a b/\n[closed]\n'; } > want
	want_req want /hello/a%20b/
	closed tm_error_resp -a 'Allow: GET, HEAD' 405 'Method Not Allowed'
	want_req want /hello/world -X POST -H 'Content-Length: 0'
	# Another ABI, or no tamarin_plugin: refused with the reason, by
	# -t and at start alike.
	for p in badabi nosym; do
		sed "s|$TM_BUILD/plugins/hello.so|$TM_BUILD/tests/plugins/$p.so|" \
		    tamarin.conf > $p.conf
	done
	cat > badabi.err <<EOF
badabi.conf:10: plugin $TM_BUILD/tests/plugins/badabi.so: ABI version 42, this tamarind needs 1
badabi.conf:12: handler: no handler named 'hello'
badabi.conf:12: unknown key 'greeting' in route
badabi.conf: configuration test failed (3 errors)
EOF
	cat > nosym.err <<EOF
nosym.conf:10: plugin $TM_BUILD/tests/plugins/nosym.so: no tamarin_plugin symbol
nosym.conf:12: handler: no handler named 'hello'
nosym.conf:12: unknown key 'greeting' in route
nosym.conf: configuration test failed (3 errors)
EOF
	for p in badabi nosym; do
		atf_check -s exit:1 -o empty -e file:$p.err \
		    "$TAMARIND" -t -c $p.conf
		atf_check -s exit:1 -o empty -e save:start.err \
		    "$TAMARIND" -d -c $p.conf
		atf_check -o match:"^$p.conf:10: plugin " cat start.err
	done
}
plugin__hello_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

# The access log's variable parts, checked then fixed: a CLF time becomes
# [TIME]; a JSON time "TIME" and request_time 0.000 (3 decimals) stays.
CLF_TIME='\[[0-3][0-9]/(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)/[0-9]{4}:[0-2][0-9]:[0-5][0-9]:[0-6][0-9] [+-][0-9]{4}\]'
ISO_TIME='"time":"[0-9]{4}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9][+-][0-2][0-9]:[0-5][0-9]"'

atf_test_case plugin__stream_length cleanup
plugin__stream_length_head() {
	atf_set descr "a stream body never goes past its declared length; one that overruns or falls short closes the connection, and is logged"
}
plugin__stream_length_body() {
	mkdir -p www
	st_conf <<CONF
plugins = ( { path = "$TM_BUILD/tests/plugins/stream.so"; } );
sites = ( { root = "www"; access_log = "access.log";
	    routes = ( { prefix = "/s/"; handler = "stream"; } ); } );
CONF
	start_daemon
	# stream_resp LENGTH BODY: the 200 the plugin sends.
	stream_resp() {
		printf 'HTTP/1.1 200 OK\r\nServer: tamarin\r\nDate: (date)\r\n'
		printf 'Content-Length: %s\r\nContent-Type: text/plain\r\n\r\n%s' \
		    "$1" "$2"
	}
	# pipe PATH: PATH and a request for 3 bytes after it, pipelined:
	# what arrives, until a close or a second of silence, is want.
	pipe() {
		atf_check -o file:want python3 "$TMCLIENT" --mask-date --eof \
		    --timeout 1 raw "$PORT" \
		    "GET $1 HTTP/1.1\r\nHost: x\r\n\r\nGET /s/3/3 HTTP/1.1\r\nHost: x\r\n\r\n"
	}
	# Kept: both answered, the connection still open.
	{ stream_resp 10 abcdefghij; stream_resp 3 abc; printf '[open]\n'; } \
	    > want
	pipe /s/10/10
	# More than declared, in one fill or in many: the declared bytes,
	# then the close; the next request is never answered, as the
	# surplus would have been read as its answer.
	while read -r path declared body; do
		{ stream_resp $declared "$body"; printf '[closed]\n'; } > want
		pipe $path
	done <<'EOF2'
/s/10/16 10 abcdefghij
/s/5/40000 5 abcde
/s/0/3 0
EOF2
	# Fewer: what there is, then the close that tells the client.
	{ stream_resp 10 abcd; printf '[closed]\n'; } > want
	pipe /s/10/4
	# A file body of a negative length is refused: the handler's 500.
	closed tm_error_resp 500 'Internal Server Error'
	pipe /s/fd/-5
	# Each logged once, by handler and path; the cut ones in the access
	# log with what was sent.
	for l in '/s/10/16: stream body longer than the 10 bytes declared, cut there' \
	    '/s/5/40000: stream body longer than the 5 bytes declared, cut there' \
	    '/s/0/3: stream body longer than the 0 bytes declared, cut there' \
	    '/s/10/4: stream body ended at 4 of the 10 bytes declared' \
	    '/s/fd/-5: http_resp_body_fd() with offset 0, length -5'; do
		atf_check -o inline:'1\n' sh -c \
		    "grep -F '[error] ' daemon.log | grep -c -F 'stream: $l'"
	done
	wait_for 30 grep -q -F '"GET /s/10/4 HTTP/1.1" 200 4 ' access.log ||
	    atf_fail "access.log: $(cat access.log)"
	for l in '/s/10/16 HTTP/1.1" 200 10 ' '/s/5/40000 HTTP/1.1" 200 5 ' \
	    '/s/0/3 HTTP/1.1" 200 0 '; do
		atf_check -o ignore grep -F "\"GET $l" access.log
	done
}
plugin__stream_length_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case plugin__many_fields cleanup
plugin__many_fields_head() {
	atf_set descr "a handler's header fields may fill what the 16 KiB head leaves, not only 2 KiB; one more is refused, the response still whole"
}
plugin__many_fields_body() {
	mkdir -p www
	st_conf <<CONF
plugins = ( { path = "$TM_BUILD/tests/plugins/stream.so"; } );
sites = ( { root = "www";
	    routes = ( { prefix = "/s/"; handler = "stream"; } ); } );
CONF
	start_daemon
	# fields_resp LEN COUNT ACCEPTED: the plugin's 200 with ACCEPTED
	# fields of LEN bytes each.
	fields_resp() {
		printf 'HTTP/1.1 200 OK\r\nServer: tamarin\r\nDate: (date)\r\n'
		printf 'Content-Length: %d\r\nConnection: close\r\n' \
		    $((10 + ${#3}))
		_v=$(head -c "$1" /dev/zero | tr '\0' v)
		_i=0
		while [ $_i -lt "$3" ]; do
			printf 'X-Fill-%02d: %s\r\n' $_i "$_v"
			_i=$((_i + 1))
		done
		printf '\r\naccepted %d\n' "$3"
	}
	# Two 3,000-byte values: past the 2 KiB a handler had.
	fields_resp 3000 2 2 > want
	atf_check -o file:want python3 "$TMCLIENT" --mask-date raw "$PORT" \
	    "GET /s/hdr/3000/2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
	# 1,013-byte lines: 14 fit the 14,336 bytes (16 KiB less 2 KiB for
	# the server's own lines), the 15th and later do not.
	fields_resp 1000 20 14 > want
	atf_check -o file:want python3 "$TMCLIENT" --mask-date raw "$PORT" \
	    "GET /s/hdr/1000/20 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
	# One line larger than the head: refused, the rest of the response
	# still sent.
	fields_resp 0 0 0 > want
	atf_check -o file:want python3 "$TMCLIENT" --mask-date raw "$PORT" \
	    "GET /s/hdr/20000/1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
}
plugin__many_fields_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case accesslog__formats cleanup
accesslog__formats_head() {
	atf_set descr "access logs per site: Combined Log Format by default, JSON lines, off"
}
accesslog__formats_body() {
	mkdir -p www
	printf '0123456789abcdefghij' > www/r.txt
	stamp www
	st_conf <<'CONF'
sites = (
	{ names = [ "main.test" ]; root = "www"; access_log = "access.log"; },
	{ names = [ "json.test" ]; root = "www";
	  access_log = { path = "json.log"; format = "json"; }; },
	{ names = [ "quiet.test" ]; root = "www"; access_log = "off"; },
	{ names = [ "combined.test" ]; root = "www";
	  access_log = { path = "access.log"; format = "combined"; }; }
);
CONF
	start_daemon
	for h in main.test json.test quiet.test combined.test; do
		# tmclient takes \\ for one backslash.
		python3 "$TMCLIENT" raw "$PORT" "GET /r.txt?a=1 HTTP/1.1\r\nHost: $h\r\nUser-Agent: curl/7.88.1\r\n\r\nHEAD /r.txt HTTP/1.1\r\nHost: $h\r\nReferer: http://ref.test/a?b\r\nUser-Agent: a \"quoted\" \\\\ ua\r\n\r\nGET /missing HTTP/1.0\r\nHost: $h\r\n\r\n" > /dev/null
	done
	wait_for 30 sh -c 'test "$(wc -l < access.log)" -ge 6' ||
	    atf_fail "access.log: $(cat access.log)"
	wait_for 30 sh -c 'test "$(wc -l < json.log)" -ge 3' ||
	    atf_fail "json.log: $(cat json.log)"
	cat > want.clf <<'EOF'
127.0.0.1 - - [TIME] "GET /r.txt?a=1 HTTP/1.1" 200 20 "-" "curl/7.88.1"
127.0.0.1 - - [TIME] "HEAD /r.txt HTTP/1.1" 200 0 "http://ref.test/a?b" "a \x22quoted\x22 \x5C ua"
127.0.0.1 - - [TIME] "GET /missing HTTP/1.0" 404 125 "-" "-"
127.0.0.1 - - [TIME] "GET /r.txt?a=1 HTTP/1.1" 200 20 "-" "curl/7.88.1"
127.0.0.1 - - [TIME] "HEAD /r.txt HTTP/1.1" 200 0 "http://ref.test/a?b" "a \x22quoted\x22 \x5C ua"
127.0.0.1 - - [TIME] "GET /missing HTTP/1.0" 404 125 "-" "-"
EOF
	atf_check -o file:want.clf \
	    sed -E "s#^(127\\.0\\.0\\.1 - - )$CLF_TIME #\\1[TIME] #" access.log
	cat > want.json <<'EOF'
{"time":"TIME","remote_addr":"127.0.0.1","host":"json.test","method":"GET","uri":"/r.txt?a=1","protocol":"HTTP/1.1","status":200,"bytes_sent":20,"request_time":0.000,"referer":"","user_agent":"curl/7.88.1","tls_version":null,"tls_cipher":null}
{"time":"TIME","remote_addr":"127.0.0.1","host":"json.test","method":"HEAD","uri":"/r.txt","protocol":"HTTP/1.1","status":200,"bytes_sent":0,"request_time":0.000,"referer":"http://ref.test/a?b","user_agent":"a \"quoted\" \\ ua","tls_version":null,"tls_cipher":null}
{"time":"TIME","remote_addr":"127.0.0.1","host":"json.test","method":"GET","uri":"/missing","protocol":"HTTP/1.0","status":404,"bytes_sent":125,"request_time":0.000,"referer":"","user_agent":"","tls_version":null,"tls_cipher":null}
EOF
	atf_check -o file:want.json sed -E -e "s#^\\{$ISO_TIME,#{\"time\":\"TIME\",#" \
	    -e 's#"request_time":0\.00[0-9],#"request_time":0.000,#' json.log
	# Each line is valid JSON.
	atf_check -o inline:'3\n' python3 -c 'import json, sys
print(len([json.loads(l) for l in open("json.log")]))'
	# The CLF time is the local time of the request, as nginx logs it.
	atf_check -o match:"^127\\.0\\.0\\.1 - - $CLF_TIME \"GET " head -n 1 access.log
	# UTF-8 stays text in JSON; C1 controls, U+2028 and bytes that are
	# not UTF-8 (0xff, an overlong '/', a surrogate) are escaped.
	python3 - "$PORT" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /r.txt HTTP/1.1\r\nHost: json.test\r\nConnection: close\r\n"
          b"User-Agent: caf\xc3\xa9 \xff \xc2\x85 \xe2\x80\xa8 "
          b"\xf0\x9f\x98\x80 \xe0\x80\xaf \xed\xa0\x80\r\n\r\n")
while s.recv(4096):
    pass
PY
	wait_for 30 sh -c 'test "$(wc -l < json.log)" -ge 4' ||
	    atf_fail "json.log: $(cat json.log)"
	atf_check -o inline:'ok\n' python3 -c 'import json
l = open("json.log", "rb").read().splitlines()[3]
want = (b"\"user_agent\":\"caf\xc3\xa9 \\u00FF \\u0085 \\u2028 "
        b"\xf0\x9f\x98\x80 \\u00E0\\u0080\\u00AF \\u00ED\\u00A0\\u0080\"")
assert want in l, l
assert json.loads(l)["user_agent"].startswith("caf\u00e9 ")
print("ok")'
}
accesslog__formats_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case accesslog__refused cleanup
accesslog__refused_head() {
	atf_set descr "requests refused before a site is chosen are logged by the listener's default site"
}
accesslog__refused_body() {
	mkdir -p www
	stamp www
	st_conf <<'CONF'
sites = (
	{ names = [ "a.test" ]; root = "www"; access_log = "a.log"; },
	{ names = [ "b.test" ]; root = "www"; default = true;
	  listeners = [ "web" ]; access_log = "b.log"; },
	{ names = [ "c.test" ]; root = "www"; default = true;
	  listeners = [ "alt" ];
	  access_log = { path = "c.log"; format = "json"; }; }
);
CONF
	start_daemon
	# No Host, an unknown method, HTTP/2.0 in a 1.x line, request lines
	# the parser refuses (logged as they came), and bytes that are no
	# request at all.
	for req in 'GET /r.txt HTTP/1.1\r\nUser-Agent: probe\r\n\r\n' \
	    'GET /%zz HTTP/1.1\r\nHost: a.test\r\n\r\n' \
	    'FOO / HTTP/1.1\r\nHost: a.test\r\n\r\n' \
	    'GET / HTTP/2.0\r\nHost: a.test\r\n\r\n' \
	    'GET  /x"y HTTP/1.1\r\nHost: a.test\r\n\r\n' \
	    '\x16\x03\x01\x02\x00\x01\r\n\r\n'; do
		tm_closes "$PORT" "$req"
		tm_closes "$PORT2" "$req"
	done
	wait_for 30 sh -c 'test "$(wc -l < b.log)" -ge 6' ||
	    atf_fail "b.log: $(cat b.log 2>&1)"
	wait_for 30 sh -c 'test "$(wc -l < c.log)" -ge 6' ||
	    atf_fail "c.log: $(cat c.log 2>&1)"
	n400=$(tm_errpage 400 'Bad Request' | wc -c)
	n501=$(tm_errpage 501 'Not Implemented' | wc -c)
	n505=$(tm_errpage 505 'HTTP Version Not Supported' | wc -c)
	cat > want.clf <<EOF
127.0.0.1 - - [TIME] "GET /r.txt HTTP/1.1" 400 $n400 "-" "probe"
127.0.0.1 - - [TIME] "GET /%zz HTTP/1.1" 400 $n400 "-" "-"
127.0.0.1 - - [TIME] "FOO / HTTP/1.1" 501 $n501 "-" "-"
127.0.0.1 - - [TIME] "GET / HTTP/2.0" 505 $n505 "-" "-"
127.0.0.1 - - [TIME] "GET  /x\x22y HTTP/1.1" 400 $n400 "-" "-"
127.0.0.1 - - [TIME] "\x16\x03\x01\x02\x00\x01" 400 $n400 "-" "-"
EOF
	atf_check -o file:want.clf \
	    sed -E "s#^(127\\.0\\.0\\.1 - - )$CLF_TIME #\\1[TIME] #" b.log
	cat > want.json <<'EOF'
"GET" "/r.txt" "HTTP/1.1" 400 "" "probe"
"" "GET /%zz HTTP/1.1" "" 400 "" ""
"FOO" "/" "HTTP/1.1" 501 "" ""
"GET" "/" "HTTP/2.0" 505 "" ""
"" "GET  /x\"y HTTP/1.1" "" 400 "" ""
"" "\u0016\u0003\u0001\u0002\u0000\u0001" "" 400 "" ""
EOF
	atf_check -o file:want.json python3 -c 'import json
for l in open("c.log"):
    j = json.loads(l)
    print(" ".join(json.dumps(j[k], ensure_ascii=True) for k in
        ("method", "uri", "protocol", "status", "host", "user_agent")))'
	# The named site saw none of it.
	atf_check -s exit:1 test -s a.log
}
accesslog__refused_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case accesslog__cut_short cleanup
accesslog__cut_short_head() {
	atf_set descr "a response the client cuts short is logged and counted once, as a whole one is"
}
accesslog__cut_short_body() {
	mkdir -p www
	truncate -s 64M www/big.bin
	printf 'small\n' > www/small.txt
	st_conf <<'CONF'
sites = ( { names = [ "*" ]; root = "www"; access_log = "a.log"; } );
CONF
	start_daemon
	# Reads the head, then resets: the rest cannot be sent.
	python3 - "$PORT" <<'EOF'
import socket, struct, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
got = b""
while b"\r\n\r\n" not in got:
    got += s.recv(4096)
assert got.startswith(b"HTTP/1.1 200 OK\r\n"), got[:100]
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()
EOF
	atf_check -o inline:'small\n' curl -sf "http://127.0.0.1:$PORT/small.txt"
	wait_for 50 sh -c 'test "$(wc -l < a.log)" -ge 2' ||
	    atf_fail "a.log: $(cat a.log 2>&1)"
	atf_check -o inline:'2\n' sh -c 'wc -l < a.log'
	atf_check -o match:'"GET /big.bin HTTP/1.1" 200 [0-9]+ ' sed -n 1p a.log
	sent=$(sed -n 's|.*"GET /big.bin HTTP/1.1" 200 \([0-9]*\) .*|\1|p' a.log)
	atf_check test "$sent" -lt 67108864
	atf_check -o match:'"GET /small.txt HTTP/1.1" 200 6 ' sed -n 2p a.log
	# Each line is one request and one 2xx; the cut one an I/O error.
	wait_for 50 sh -c "test \"\$(tmq eval summary \"d['totals']['errors']['io']\")\" = 1" ||
	    atf_fail "no I/O error counted"
	atf_check -o inline:'2 2 0\n' tmq eval summary \
	    "'%d %d %d' % (d['totals']['requests'], d['totals']['responses']['2xx'], d['totals']['errors']['protocol'])"
}
accesslog__cut_short_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case accesslog__flush_reopen cleanup
accesslog__flush_reopen_head() {
	atf_set descr "access log lines are flushed within a second and at exit; SIGUSR1 reopens without losing any"
}
accesslog__flush_reopen_body() {
	mkdir -p www
	printf 'r\n' > www/r.txt
	st_conf <<'CONF'
sites = ( { root = "www"; access_log = "access.log"; } );
CONF
	start_daemon
	# One request and silence: its line is out within the second (the
	# wait allows 2 s for a loaded machine).
	atf_check -o inline:'r\n' curl -sf "http://127.0.0.1:$PORT/r.txt?n=1"
	wait_for 20 grep -q 'n=1 ' access.log ||
	    atf_fail "not flushed within 2 s"
	# Rename, USR1: the next lines go to a new file.  Until the worker
	# has reopened, a line may still reach the old one; after the first
	# line in the new file, every line is there.
	mv access.log access.log.1
	kill -USR1 "$(cat master.pid)"
	wait_for 50 test -e access.log || atf_fail "access.log not created"
	n=1
	while ! grep -q "n=$n " access.log; do
		n=$((n + 1))
		[ $n -le 20 ] || atf_fail "no line reached the new file"
		curl -sf -o /dev/null "http://127.0.0.1:$PORT/r.txt?n=$n"
		wait_for 20 sh -c "grep -q 'n=$n ' access.log access.log.1" ||
		    atf_fail "line $n lost"
	done
	first=$n
	for i in 1 2 3 4 5; do
		n=$((n + 1))
		curl -sf -o /dev/null "http://127.0.0.1:$PORT/r.txt?n=$n"
	done
	# At exit, whatever is buffered is written.
	kill -TERM "$(cat master.pid)"
	wait_for 50 sh -c "! kill -0 $(cat master.pid) 2>/dev/null" ||
	    atf_fail "tamarind did not stop"
	seq 1 $n > want
	cat access.log.1 access.log | sed -n 's/.*?n=\([0-9]*\) .*/\1/p' > got
	atf_check cmp want got
	seq "$first" $n > want.new
	sed -n 's/.*?n=\([0-9]*\) .*/\1/p' access.log > got.new
	atf_check cmp want.new got.new
}
accesslog__flush_reopen_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_init_test_cases() {
	. "$(atf_get_srcdir)/helpers.subr"
	atf_add_test_case static__get_head_types
	atf_add_test_case static__charset
	atf_add_test_case static__index_dirs
	atf_add_test_case static__long_redirects
	atf_add_test_case static__autoindex
	atf_add_test_case static__symlinks
	atf_add_test_case static__unreadable
	atf_add_test_case static__conditionals
	atf_add_test_case static__validators_off
	atf_add_test_case static__ranges
	atf_add_test_case static__gzip_static
	atf_add_test_case static__fallback
	atf_add_test_case static__error_pages
	atf_add_test_case static__special_files
	atf_add_test_case static__file_shrinks
	atf_add_test_case sites__vhosts
	atf_add_test_case sites__routes_redirect
	atf_add_test_case redirect_host_fallback
	atf_add_test_case sites__headers
	atf_add_test_case plugin__hello
	atf_add_test_case plugin__stream_length
	atf_add_test_case plugin__many_fields
	atf_add_test_case accesslog__formats
	atf_add_test_case accesslog__refused
	atf_add_test_case accesslog__cut_short
	atf_add_test_case accesslog__flush_reopen
}
