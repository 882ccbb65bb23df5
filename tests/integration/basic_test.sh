#! /usr/bin/atf-sh
# The foundation end to end: master, workers, slots, fd passing, two
# listeners, crash replacement, config checks.

atf_test_case config_check
config_check_head() {
	atf_set descr "tamarind -t: 'configuration OK', or every error with its line"
}
config_check_body() {
	tm_site
	tm_conf
	atf_check -s exit:0 -o inline:'configuration OK\n' -e empty \
	    "$TAMARIND" -t -c tamarin.conf
	cat > bad.conf <<'CONF'
version = 1;
workers = { count = "many"; };
listeners = ( { name = "web"; address = "127.0.0.1"; port = 99999; } );
sites = ( { root = "www"; bogus = 1; } );
CONF
	atf_check -s exit:1 -o empty -e save:err "$TAMARIND" -t -c bad.conf
	atf_check -o inline:"bad.conf:2: count: expected a number or \"auto\"
bad.conf:3: port: 99999 is out of range (0 to 65535)
bad.conf:4: unknown key 'bogus' in site
bad.conf: configuration test failed (3 errors)
" cat err
	atf_check -s exit:1 -o empty -e inline:"missing.conf: cannot read: No such file or directory
missing.conf: configuration test failed (1 error)
" "$TAMARIND" -t -c missing.conf
}

atf_test_case config_include
config_include_head() {
	atf_set descr "tamarind -t: an @include that cannot be read is named, with its line, not a crash; an absolute one is taken as it is"
}
config_include_body() {
	tm_site
	tm_conf
	mkdir conf.d
	printf '@include "tamarin.conf"\n@include "conf.d"\n' > dir.conf
	atf_check -s exit:1 -o empty -e inline:"dir.conf:2: cannot include $(pwd -P)/conf.d: Is a directory
dir.conf: configuration test failed (1 error)
" "$TAMARIND" -t -c dir.conf
	printf '@include "tamarin.conf"\n\n  @include "gone.conf"\n' > gone.conf.d
	atf_check -s exit:1 -o empty -e inline:"gone.conf.d:3: cannot include $(pwd -P)/gone.conf: No such file or directory
gone.conf.d: configuration test failed (1 error)
" "$TAMARIND" -t -c gone.conf.d
	# An absolute path is taken as it is.
	mkdir elsewhere
	echo 'sites = ( { root = "www"; } );' > elsewhere/sites.conf
	printf 'listeners = ( { address = "127.0.0.1"; port = 0; } );\n@include "%s/elsewhere/sites.conf"\n' \
	    "$(pwd -P)" > abs.conf
	atf_check -o inline:'configuration OK\n' -e empty "$TAMARIND" -t -c abs.conf
}

atf_test_case config_wide_integers
config_wide_integers_head() {
	atf_set descr "tamarind -t: an integer over 32 bits without L is taken as written, not wrapped by libconfig"
}
config_wide_integers_body() {
	tm_site
	cat > wide.conf <<'CONF'
workers = { count = 4294967298; };
http = { keepalive_requests = 0xffffffff; max_body_bytes = 5368709120; };
listeners = ( { address = "127.0.0.1"; port = 2147483648; } );
sites = ( { root = "www"; } );
CONF
	atf_check -s exit:1 -o empty -e inline:"wide.conf:1: count: 4294967298 is out of range (1 to 256)
wide.conf:3: port: 2147483648 is out of range (0 to 65535)
wide.conf: configuration test failed (2 errors)
" "$TAMARIND" -t -c wide.conf
	sed -i -e 's/4294967298/4/' -e 's/2147483648/0/' wide.conf
	atf_check -o inline:'configuration OK\n' -e empty "$TAMARIND" -t -c wide.conf
}

atf_test_case two_listeners cleanup
two_listeners_head() {
	atf_set descr "both listeners serve the site, byte for byte"
}
two_listeners_body() {
	tm_site
	tm_conf 2
	start_daemon tamarin.conf 2
	for p in "$PORT" "$PORT2"; do
		atf_check -o save:got.html curl -sf "http://127.0.0.1:$p/"
		atf_check cmp got.html www/index.html
		atf_check -o save:got.bin curl -sf "http://127.0.0.1:$p/big.bin"
		atf_check cmp got.bin www/big.bin
		atf_check -o save:got.txt curl -sf "http://127.0.0.1:$p/sub/file.txt"
		atf_check cmp got.txt www/sub/file.txt
		atf_check -o inline:'404\n' curl -s -o /dev/null -w '%{http_code}\n' \
		    "http://127.0.0.1:$p/missing"
	done
	# HEAD: the same length, no body.
	atf_check -o match:'^Content-Length: 19' -o not-match:'hello' \
	    sh -c "curl -sI http://127.0.0.1:$PORT/ | tr -d '\r'"
	# Each listener counted its connections.
	atf_check -o match:'^[1-9]' tmq eval listeners \
	    "[l['accepted'] for l in d['listeners'] if l['name']=='alt'][0]"
}
two_listeners_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case keepalive_spread cleanup
keepalive_spread_head() {
	atf_set descr "200 keep-alive clients spread over both workers; all slots FREE after"
}
keepalive_spread_body() {
	tm_site
	tm_conf 2
	start_daemon tamarin.conf 2
	python3 "$TMCLIENT" --timeout 60 hold "$PORT" 200 --ports held.ports \
	    --until release &
	holder=$!
	wait_for 200 sh -c 'test $(wc -l < held.ports) -eq 200' ||
	    atf_fail "the clients did not all connect"
	atf_check -o inline:'200\n' tmq slots keepalive
	# Each worker holds some of them (least busy first).
	atf_check -o inline:'yes\n' tmq eval workers \
	    "len([w for w in d['workers'] if w['slots_active'] >= 50]) == 2"
	# The slots name the clients' own ports.
	tmq eval slots "'\\n'.join(sorted(s['peer'].rsplit(':',1)[1] for s in d['slots']))" > slot.ports
	sort held.ports > want.ports
	atf_check cmp slot.ports want.ports
	touch release
	wait $holder
	wait_for 50 sh -c 'test "$(tmq slots)" = 0' ||
	    atf_fail "slots still used: $(tmq slots)"
	atf_check -o inline:'yes\n' tmq eval workers \
	    "all(w['slots_active'] == 0 for w in d['workers'])"
}
keepalive_spread_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	touch release
	stop_daemon
}

atf_test_case slots_full cleanup
slots_full_head() {
	atf_set descr "every slot taken: a waiting client is served by closing the longest idle keep-alive connection, never a busy one"
}
slots_full_body() {
	tm_site
	tm_conf 1 4
	cat >> tamarin.conf <<'CONF'
timeouts = { http = { keepalive_sec = 60; header_sec = 60; }; };
CONF
	start_daemon tamarin.conf 1
	# Four idle keep-alive connections fill the four slots, one of them
	# quiet for longer than the others.
	python3 "$TMCLIENT" --timeout 60 hold "$PORT" 1 --ports old.ports \
	    --until release &
	wait_for 100 test -s old.ports || atf_fail "the first client did not connect"
	sleep 0.3
	python3 "$TMCLIENT" --timeout 60 hold "$PORT" 3 --ports new.ports \
	    --until release &
	wait_for 100 sh -c 'test "$(wc -l < new.ports 2>/dev/null)" = 3' ||
	    atf_fail "the clients did not connect"
	atf_check -o inline:'4\n' tmq slots keepalive
	# A fifth waits in the backlog only until the oldest idle one has
	# been quiet for a second and goes (keep-alive alone would hold it
	# for 60 s).
	atf_check -o save:got.html curl -sf --max-time 20 "http://127.0.0.1:$PORT/"
	atf_check cmp got.html www/index.html
	wait_for 50 sh -c 'test "$(tmq slots)" = 3' ||
	    atf_fail "slots in use: $(tmq slots), not 3"
	tmq eval slots "'\\n'.join(sorted(s['peer'].rsplit(':',1)[1] for s in d['slots']))" > slot.ports
	sort new.ports > want.ports
	atf_check cmp slot.ports want.ports
	atf_check -o match:'every slot is in use and 1 client\(s\) wait' \
	    cat daemon.log
	atf_check -o inline:'1\n' tmq eval summary "d['totals']['reclaimed']"
	atf_check -o inline:'1\n' tmq eval workers "d['workers'][0]['reclaimed']"
	atf_check -o match:'^reclaimed +1$' \
	    "${TAMARINCTL}" -s tamarind.shm show summary
	touch release
	wait
	wait_for 50 sh -c 'test "$(tmq slots)" = 0' ||
	    atf_fail "slots still used: $(tmq slots)"
	# Four requests in progress (a head without its end) are never
	# closed to make room: the fifth waits for one of them to finish.
	for i in 1 2 3 4; do
		python3 "$TMCLIENT" --mask-date steps --gap 1 "$PORT" \
		    'GET /sub/file.txt HTTP/1.1\r\nHost: t\r\n' \
		    'Connection: close\r\n\r\n' > "busy.$i" &
	done
	wait_for 100 sh -c 'test "$(tmq slots)" = 4' ||
	    atf_fail "the busy clients did not connect: $(tmq slots)"
	atf_check -o save:got.html curl -sf --max-time 20 "http://127.0.0.1:$PORT/"
	atf_check cmp got.html www/index.html
	wait
	for i in 1 2 3 4; do
		atf_check -o match:'^HTTP/1.1 200 OK' -o match:'^second file$' \
		    cat "busy.$i"
	done
	atf_check -o inline:'1\n' tmq eval summary "d['totals']['reclaimed']"
}
slots_full_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	touch release
	stop_daemon
}

atf_test_case worker_killed cleanup
worker_killed_head() {
	atf_set descr "kill -9 of a worker: replaced, its slots FREE, still serving"
}
worker_killed_body() {
	tm_site
	tm_conf 2
	start_daemon tamarin.conf 2
	python3 "$TMCLIENT" --timeout 60 hold "$PORT" 40 --ports held.ports \
	    --until release &
	wait_for 100 sh -c 'test $(wc -l < held.ports 2>/dev/null || echo 0) -eq 40' ||
	    atf_fail "clients did not connect"
	victim=$(tmq worker-pids | cut -d' ' -f1)
	kill -9 "$victim"
	# A replacement with a new pid, and the victim's slots all FREE.
	wait_for 50 sh -c "tmq worker-pids | grep -qw $victim && exit 1; test \$(tmq worker-pids | wc -w) -eq 2" ||
	    atf_fail "worker $victim was not replaced"
	tm_record_pids
	atf_check -o inline:'0\n' tmq eval slots \
	    "len([s for s in d['slots'] if s['pid']==$victim])"
	atf_check -o match:'killed by signal 9' cat daemon.log
	for i in 1 2 3 4 5; do
		atf_check -o save:got.html curl -sf "http://127.0.0.1:$PORT/"
		atf_check cmp got.html www/index.html
	done
	touch release
}
worker_killed_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	touch release
	stop_daemon
}

atf_test_case no_listener_in_workers cleanup
no_listener_in_workers_head() {
	atf_set descr "workers hold no listening socket; processes are named"
}
no_listener_in_workers_body() {
	tm_site
	tm_conf 2
	start_daemon tamarin.conf 2
	master=$(cat tamarind.pid)
	# Inodes of every listening TCP socket on the box.
	listening=$(awk 'NR > 1 && $4 == "0A" { print $10 }' /proc/net/tcp /proc/net/tcp6 | sort -u)
	held() {
		for fd in /proc/$1/fd/*; do
			readlink "$fd"
		done 2>/dev/null | sed -n 's/^socket:\[\([0-9]*\)\]$/\1/p' | sort -u
	}
	n=$(held "$master" | grep -cxF "$listening")
	atf_check test "$n" -eq 2
	for w in $(tmq worker-pids); do
		n=$(held "$w" | grep -cxF "$listening" || true)
		atf_check -o inline:'0\n' echo "$n"
		atf_check -o match:'^tamarind: worker [12] gen 1' \
		    tr '\0' ' ' < /proc/$w/cmdline
	done
	atf_check -o match:'^tamarind: master' tr '\0' ' ' < /proc/$master/cmdline
}
no_listener_in_workers_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case term_stops_all cleanup
term_stops_all_head() {
	atf_set descr "TERM: every process exits, pidfile and segment removed"
}
term_stops_all_body() {
	tm_site
	tm_conf 2
	start_daemon tamarin.conf 2
	pids=$(sort -u tm.pids | tr '\n' ' ')
	kill -TERM "$(cat master.pid)"
	wait_for 50 sh -c "for p in $pids; do kill -0 \$p 2>/dev/null && exit 1; done; exit 0" ||
	    atf_fail "processes left: $(for p in $pids; do kill -0 $p 2>/dev/null && echo $p; done)"
	atf_check test ! -e tamarind.pid
	atf_check test ! -e tamarind.shm
	atf_check -o match:'exiting' cat daemon.log
}
term_stops_all_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case second_instance_refused cleanup
second_instance_refused_head() {
	atf_set descr "a second master with the same pidfile, or another pidfile and the same segment, exits 1 and leaves the first one whole"
}
second_instance_refused_body() {
	tm_site
	tm_conf 1
	start_daemon tamarin.conf 1
	atf_check -s exit:1 -e match:"already running as pid $(cat master.pid)" \
	    "$TAMARIND" -d -c tamarin.conf
	atf_check -o save:got.html curl -sf "http://127.0.0.1:$PORT/"
	# Its own pidfile but the first one's segment: refused before the
	# segment is touched, whether its ports are free (port 0) or taken.
	sed 's/pidfile = "tamarind.pid"/pidfile = "second.pid"/' tamarin.conf \
	    > second.conf
	sed "0,/port = 0; protocol/s//port = $PORT; protocol/" second.conf \
	    > third.conf
	ino=$(stat -c %i tamarind.shm)
	for conf in second.conf third.conf; do
		atf_check -s exit:1 -e match:"the segment .*tamarind.shm belongs to tamarind pid $(cat master.pid), still running" \
		    "$TAMARIND" -d -c "$conf"
		atf_check test ! -e second.pid
		atf_check -o inline:"$ino\n" stat -c %i tamarind.shm
		atf_check -o inline:'1\n' tmq eval workers "len(d['workers'])"
	done
	atf_check -o save:got.html curl -sf "http://127.0.0.1:$PORT/"
	# A segment whose master is gone is stale, and replaced.
	cp tamarind.shm stale.shm
	stop_daemon
	mv stale.shm tamarind.shm
	ino=$(stat -c %i tamarind.shm)
	start_daemon tamarin.conf 1
	atf_check test "$(stat -c %i tamarind.shm)" != "$ino"
	atf_check -o save:got.html curl -sf "http://127.0.0.1:$PORT/"
	# So is one whose master pid, alive and started in time, is not
	# tamarind (a recycled pid).
	stop_daemon
	sleep 60 &
	other=$!
	atf_check "$(atf_config_get builddir)/tests/tools/mkseg" -p "$other" \
	    tamarind.shm
	start_daemon tamarin.conf 1
	kill "$other"
	atf_check -o save:got.html curl -sf "http://127.0.0.1:$PORT/"
}
second_instance_refused_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case unix_socket_in_use cleanup
unix_socket_in_use_head() {
	atf_set descr "a UNIX listener replaces a socket file left by a dead process, never one another process accepts on"
}
unix_socket_in_use_body() {
	tm_site
	tm_conf 1
	sed 's|{ name = "alt"; address = "127.0.0.1"; port = 0;|{ name = "alt"; address = "unix:u.sock";|' \
	    tamarin.conf > unix.conf
	atf_check -o match:'unix:u.sock' cat unix.conf
	# Another server on the path: refused, and left whole.
	python3 -c 'import os, socket, time
s = socket.socket(socket.AF_UNIX)
s.bind("u.sock")
s.listen(8)
open("listening", "w").close()
while not os.path.exists("done"):
	try:
		s.settimeout(0.1)
		c, _ = s.accept()
		c.sendall(b"other\n")
		c.close()
	except OSError:		# a timeout, or a client gone at once
		pass' &
	other=$!
	wait_for 100 test -f listening || atf_fail "the other server did not start"
	atf_check -s exit:1 -e match:'listener alt: .*/u.sock: another process accepts on this socket' \
	    "$TAMARIND" -d -c unix.conf
	atf_check test ! -e tamarind.pid
	atf_check -o inline:'other\n' python3 -c 'import socket
s = socket.socket(socket.AF_UNIX)
s.connect("u.sock")
print(s.recv(64).decode(), end="")'
	touch done
	wait "$other"
	# Another process's datagram socket: not a stale one either.
	python3 -c 'import os, socket, time
os.unlink("u.sock")
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("u.sock")
open("dgram", "w").close()
while not os.path.exists("done2"):
	time.sleep(0.1)
s.close()' &
	other=$!
	wait_for 100 test -f dgram || atf_fail "the datagram socket was not bound"
	# (bounded: a daemon that took the path would serve on)
	atf_check -s exit:1 -e match:'listener alt: .*/u.sock: another process accepts on this socket' \
	    timeout 20 "$TAMARIND" -d -c unix.conf
	atf_check test -S u.sock
	touch done2
	wait "$other"
	# Its socket file is left behind: stale, so replaced and served.
	atf_check test -S u.sock
	start_daemon unix.conf 1
	atf_check -o file:www/index.html curl -sf --unix-socket u.sock http://x/
	stop_daemon
	atf_check test ! -e u.sock
}
unix_socket_in_use_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case unix_listener_reload_failed cleanup
unix_listener_reload_failed_head() {
	atf_set descr "a reload that cannot open all its listeners leaves no socket file of a new UNIX listener behind"
}
unix_listener_reload_failed_body() {
	tm_site
	tm_conf 1
	start_daemon tamarin.conf 1
	# A new UNIX listener, then one on a port in use (web's own).
	sed "s|{ name = \"alt\"; address = \"127.0.0.1\"; port = 0;|{ name = \"u\"; address = \"unix:u.sock\"; }, { name = \"busy\"; address = \"127.0.0.2\"; port = $PORT; }, &|" \
	    tamarin.conf > new.conf
	python3 -c 'import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.2", int(sys.argv[1])))
s.listen(1)
open("bound", "w").close()
time.sleep(30)' "$PORT" &
	echo $! >> tm.pids
	wait_for 50 test -f bound || atf_fail "the port was not taken"
	mv new.conf tamarin.conf
	atf_check -o match:'unix:u.sock' cat tamarin.conf
	kill -HUP "$(cat tamarind.pid)"
	wait_for 100 grep -q 'reload failed' daemon.log ||
	    atf_fail "the reload did not fail: $(tail -5 daemon.log)"
	atf_check -o match:'listener busy: bind' cat daemon.log
	atf_check test ! -e u.sock
	atf_check -o inline:'1\n' tmq eval summary "d['generation']"
}
unix_listener_reload_failed_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case unix_socket_mode cleanup
unix_socket_mode_head() {
	atf_set descr "a UNIX listener's socket file is 0666 whatever the umask, as nginx makes it: a proxy running as another user can connect"
}
unix_socket_mode_body() {
	tm_site
	tm_conf 1
	sed 's|{ name = "alt"; address = "127.0.0.1"; port = 0;|{ name = "alt"; address = "unix:u.sock";|' \
	    tamarin.conf > unix.conf
	atf_check -o match:'unix:u.sock' cat unix.conf
	umask 077
	start_daemon unix.conf 1
	atf_check -o inline:'666\n' stat -c %a u.sock
	atf_check -o file:www/index.html curl -sf --unix-socket u.sock http://x/
}
unix_socket_mode_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case unix_listener_renamed cleanup
unix_listener_renamed_head() {
	atf_set descr "a reload that renames a UNIX listener keeps its socket, as it keeps a TCP one on the same address"
}
unix_listener_renamed_body() {
	tm_site
	tm_conf 1
	sed 's|{ name = "alt"; address = "127.0.0.1"; port = 0;|{ name = "alt"; address = "unix:u.sock";|' \
	    tamarin.conf > unix.conf
	atf_check -o match:'unix:u.sock' cat unix.conf
	start_daemon unix.conf 1
	sed 's|name = "alt"; address = "unix:u.sock"|name = "local"; address = "unix:u.sock"|' \
	    unix.conf > renamed.conf && mv renamed.conf unix.conf
	atf_check -o match:'name = "local"' cat unix.conf
	kill -HUP "$(cat tamarind.pid)"
	wait_for 100 grep -qE 'reloaded .*unix.conf|reload failed' daemon.log ||
	    atf_fail "the reload did not end: $(tail -5 daemon.log)"
	atf_check -s exit:1 grep 'reload failed' daemon.log
	atf_check -o inline:'2\n' tmq eval summary "d['generation']"
	atf_check -o inline:'active\n' tmq eval listeners \
	    "[l['state'] for l in d['listeners'] if l['name']=='local'][0]"
	atf_check -o file:www/index.html curl -sf --unix-socket u.sock http://x/
}
unix_listener_renamed_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case defer_accept cleanup
defer_accept_head() {
	atf_set descr "defer_accept: a TCP client reaches a worker with its first bytes, or once the deferral ends; a reload changes it and the backlog on the kept socket"
}
# accepted NAME: the connections listener NAME has accepted.
accepted() {
	tmq eval listeners "[l['accepted'] for l in d['listeners'] if l['name']=='$1'][0]"
}
# accepted_is NAME N, synrecv_is PORT N: for wait_for.
accepted_is() {
	[ "$(accepted "$1")" = "$2" ]
}
# synrecv PORT: connections to PORT the kernel still holds back.
synrecv() {
	ss -Htn state syn-recv "( sport = :$1 )" | wc -l
}
synrecv_is() {
	[ "$(synrecv "$1")" -eq "$2" ]
}
defer_conf() {
	cat > tamarin.conf <<CONF
version = 1;
daemon = { pidfile = "tamarind.pid"; segment = "tamarind.shm"; };
workers = { count = 1; shutdown_timeout_sec = 5; };
http = { server_tokens = false; };
listeners = (
	{ name = "web"; address = "127.0.0.1"; port = 0; backlog = $1;
	  defer_accept = $2; },
	{ name = "alt"; address = "127.0.0.1"; port = 0; defer_accept = $3; }
);
sites = ( { root = "www"; } );
CONF
}
# silent PORT SECS: a client that connects and says nothing for SECS.
silent() {
	python3 "$TMCLIENT" --timeout "$2" steps "$1" "" >/dev/null
}
defer_accept_body() {
	tm_site
	# Whole seconds, as tm_file_resp's ETag expects.
	touch -d '2024-01-02 03:04:05 UTC' www/index.html
	defer_conf 511 2 0
	start_daemon tamarin.conf 1
	# Two clients silent for 2 s, then a request; one silent throughout.
	for p in "$PORT" "$PORT2"; do
		python3 "$TMCLIENT" --mask-date --eof steps --gap 2 "$p" "" \
		    "GET /index.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" \
		    > "resp.$p" &
	done
	silent "$PORT" 6 &
	# No deferral: accepted while the client is still silent.
	wait_for 15 accepted_is alt 1 ||
	    atf_fail "alt did not accept a silent client at once"
	# Deferred: the kernel holds both silent clients of web (once both
	# have connected: the clients start in parallel).
	wait_for 15 synrecv_is "$PORT" 2 ||
	    atf_fail "web's silent clients are not held back: $(synrecv "$PORT")"
	same '0\n' accepted web
	wait
	{
		printf '[step 1]\n[step 2]\n'
		tm_file_resp -c close www/index.html 'text/html; charset=utf-8'
		printf '[closed]\n'
	} > want
	atf_check cmp want "resp.$PORT"
	atf_check cmp want "resp.$PORT2"
	# The one that never spoke is accepted once the deferral ends
	# (2 s, rounded by the kernel to its SYN-ACK schedule: 3 s).
	wait_for 100 accepted_is web 2 ||
	    atf_fail "web never accepted its silent client: $(accepted web)"
	same '0\n' synrecv "$PORT"

	# Reload: the same sockets, with the new settings.
	defer_conf 77 0 2
	kill -HUP "$(cat master.pid)"
	wait_for 100 sh -c "tmq eval workers \"any(w['generation'] == 2 and w['state'] == 'running' for w in d['workers'])\" | grep -qx yes" ||
	    atf_fail "generation 2 did not start"
	atf_check -o match:"^LISTEN +0 +77 " ss -Hltn "( sport = :$PORT )"
	silent "$PORT" 3 &
	silent "$PORT2" 3 &
	wait_for 15 accepted_is web 3 ||
	    atf_fail "web still defers after the reload"
	wait_for 15 synrecv_is "$PORT2" 1 ||
	    atf_fail "alt does not defer after the reload: $(synrecv "$PORT2")"
	same '1\n' accepted alt
	wait
}
defer_accept_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_init_test_cases() {
	. "$(atf_get_srcdir)/helpers.subr"
	atf_add_test_case config_check
	atf_add_test_case config_include
	atf_add_test_case config_wide_integers
	atf_add_test_case two_listeners
	atf_add_test_case keepalive_spread
	atf_add_test_case slots_full
	atf_add_test_case worker_killed
	atf_add_test_case no_listener_in_workers
	atf_add_test_case term_stops_all
	atf_add_test_case second_instance_refused
	atf_add_test_case unix_socket_in_use
	atf_add_test_case unix_listener_renamed
	atf_add_test_case unix_socket_mode
	atf_add_test_case unix_listener_reload_failed
	atf_add_test_case defer_accept
}
