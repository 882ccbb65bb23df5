#! /usr/bin/env atf-sh
#
# tamarinctl without a daemon: segments made by tests/tools/mkseg stand in
# for one (a background sleep plays the live master), so every refusal and
# exit code can be checked exactly.  Tests against a running tamarind are
# elsewhere.

# Binaries from the build tree: kyua -v test_suites.tamarin.builddir=...
setup_bins() {
	CTL="$(atf_config_get builddir)/tamarinctl"
	MKSEG="$(atf_config_get builddir)/tests/tools/mkseg"
	[ -x "${CTL}" ] || atf_fail "no ${CTL}: build first"
	[ -x "${MKSEG}" ] || atf_fail "no ${MKSEG}: build first"
}

# A live process to name as master: started now, like the segment.
start_fake_master() {
	sleep 300 &
	FAKE_PID=$!
	echo "${FAKE_PID}" > fake.pid
}

stop_fake_master() {
	[ -f fake.pid ] && kill "$(cat fake.pid)" 2>/dev/null
	return 0
}

VALID_MAIN='valid arguments: show top reload stop graceful reopen check'

atf_test_case no_segment
no_segment_head() {
	atf_set descr "no segment file: exit 2, daemon not running"
}
no_segment_body() {
	setup_bins
	msg="tamarinctl: nothing.shm: no segment: tamarind is not running"
	atf_check -s exit:2 -o empty -e inline:"${msg}\n" \
	    "${CTL}" -s nothing.shm show summary
	atf_check -s exit:2 -o empty -e match:'no segment' \
	    "${CTL}" -s nothing.shm reload
}

atf_test_case wrong_magic
wrong_magic_head() {
	atf_set descr "a file that is not a segment: exit 3"
}
wrong_magic_body() {
	setup_bins
	atf_check "${MKSEG}" -m 0x12345678 seg
	atf_check -s exit:3 -o empty \
	    -e inline:"tamarinctl: seg: not a tamarin segment\n" \
	    "${CTL}" -s seg show summary
	echo "hello" > small
	atf_check -s exit:3 -o empty \
	    -e inline:"tamarinctl: small: not a tamarin segment\n" \
	    "${CTL}" -s small show workers
}

atf_test_case not_a_file
not_a_file_head() {
	atf_set descr "a FIFO, a directory, a device or a socket as the" \
	    "segment: exit 3 at once, saying what it is"
}
not_a_file_body() {
	setup_bins
	mkfifo fifo
	mkdir dir
	python3 -c 'import socket; socket.socket(socket.AF_UNIX).bind("sock")'
	# timeout: a blocking open of the FIFO would wait for a writer.
	for f in "fifo:a FIFO" "dir:a directory" \
	    "/dev/zero:a character device" "sock:a socket"; do
		msg="tamarinctl: ${f%%:*}: not a tamarin segment (${f#*:})"
		atf_check -s exit:3 -o empty -e inline:"${msg}\n" \
		    timeout 10 "${CTL}" -s "${f%%:*}" show summary
		atf_check -s exit:3 -o empty -e inline:"${msg}\n" \
		    timeout 10 "${CTL}" -w 1 -s "${f%%:*}" show slots
		atf_check -s exit:3 -o empty -e inline:"${msg}\n" \
		    timeout 10 "${CTL}" -s "${f%%:*}" reload
	done
}

atf_test_case wrong_version
wrong_version_head() {
	atf_set descr "another layout version: exit 3, both versions named"
}
wrong_version_body() {
	setup_bins
	ours=$("${MKSEG}" -V)
	theirs=$((ours + 1))
	atf_check "${MKSEG}" -v "${theirs}" seg
	msg="tamarinctl: seg: segment layout version ${theirs},"
	msg="${msg} this tamarinctl reads version ${ours}"
	atf_check -s exit:3 -o empty -e inline:"${msg}\n" \
	    "${CTL}" -s seg show summary
}

atf_test_case stale_pid
stale_pid_head() {
	atf_set descr "the master pid is gone: exit 3"
}
stale_pid_body() {
	setup_bins
	true &
	dead=$!
	wait "${dead}"
	atf_check "${MKSEG}" -p "${dead}" seg
	msg="tamarinctl: seg: stale segment: master pid ${dead} is gone"
	atf_check -s exit:3 -o empty -e inline:"${msg}\n" \
	    "${CTL}" -s seg show summary
	atf_check -s exit:3 -o empty -e match:'stale segment' \
	    "${CTL}" -s seg stop
}

atf_test_case recycled_pid cleanup
recycled_pid_head() {
	atf_set descr "the master pid now names a process started an hour" \
	    "after the segment: stale, exit 3; started with it: fine"
}
recycled_pid_body() {
	setup_bins
	start_fake_master
	atf_check "${MKSEG}" -p "${FAKE_PID}" -t -3600 old.shm
	msg="tamarinctl: old.shm: stale segment: master pid ${FAKE_PID}"
	atf_check -s exit:3 -o empty -e inline:"${msg} is gone\n" \
	    "${CTL}" -s old.shm show summary
	atf_check "${MKSEG}" -p "${FAKE_PID}" new.shm
	atf_check -o match:"^master pid +${FAKE_PID}\$" \
	    "${CTL}" -s new.shm show summary
}
recycled_pid_cleanup() {
	stop_fake_master
}

atf_test_case bad_command
bad_command_head() {
	atf_set descr "unknown, ambiguous and missing words: exit 1 with" \
	    "the valid choices"
}
bad_command_body() {
	setup_bins
	atf_check -s exit:1 -o empty -e match:'^usage: tamarinctl' "${CTL}"
	atf_check -s exit:1 -o empty -e match:'^usage: tamarinctl' \
	    "${CTL}" -h
	atf_check -s exit:1 -o empty \
	    -e inline:"tamarinctl: unknown argument: bogus\n${VALID_MAIN}\n" \
	    "${CTL}" -s nothing.shm bogus
	atf_check -s exit:1 -o empty \
	    -e inline:"tamarinctl: ambiguous argument: re\n${VALID_MAIN}\n" \
	    "${CTL}" -s nothing.shm re
	atf_check -s exit:1 -o empty \
	    -e inline:"tamarinctl: ambiguous argument: s\n${VALID_MAIN}\n" \
	    "${CTL}" -s nothing.shm s
	msg="valid arguments: summary workers slots listeners"
	atf_check -s exit:1 -o empty \
	    -e inline:"tamarinctl: missing argument\n${msg}\n" \
	    "${CTL}" -s nothing.shm show
	msg="valid arguments: age idle bytes requests"
	atf_check -s exit:1 -o empty \
	    -e inline:"tamarinctl: unknown argument: sideways\n${msg}\n" \
	    "${CTL}" -s nothing.shm show slots --sort sideways
	atf_check -s exit:1 -o empty \
	    -e match:'^tamarinctl: unknown argument: --colour$' \
	    "${CTL}" -s nothing.shm show slots --colour red
	atf_check -s exit:1 -o empty -e match:'^valid states: \. free,' \
	    "${CTL}" -s nothing.shm show slots --state Z
	atf_check -s exit:1 -o empty \
	    -e inline:"tamarinctl: --worker: not a number: x\n" \
	    "${CTL}" -s nothing.shm show slots --worker x
	atf_check -s exit:1 -o empty \
	    -e inline:"tamarinctl: unexpected argument: now\n" \
	    "${CTL}" -s nothing.shm reload now
	atf_check -s exit:1 -o empty -e match:'apply to show only' \
	    "${CTL}" -j -s nothing.shm reload
	atf_check -s exit:1 -o empty -e match:'^tamarinctl: -w: ' \
	    "${CTL}" -w 0 -s nothing.shm show summary
}

atf_test_case prefixes cleanup
prefixes_head() {
	atf_set descr "commands and options match by unambiguous prefix"
}
prefixes_body() {
	setup_bins
	start_fake_master
	atf_check "${MKSEG}" -f -p "${FAKE_PID}" seg
	"${CTL}" -s seg show slots --state W >full || atf_fail "show slots"
	atf_check -o file:full "${CTL}" -s seg sh sl --st=W
	atf_check -o match:'^NAME +ADDRESS' "${CTL}" -s seg sh li
}
prefixes_cleanup() {
	stop_fake_master
}

atf_test_case refuse_signal cleanup
refuse_signal_head() {
	atf_set descr "control commands refuse a master that is not tamarind"
}
refuse_signal_body() {
	setup_bins
	start_fake_master
	atf_check "${MKSEG}" -p "${FAKE_PID}" seg
	msg="tamarinctl: pid ${FAKE_PID} is not a tamarind master"
	msg="${msg} (it runs sleep): not signalling"
	for cmd in reload stop graceful reopen; do
		atf_check -s exit:3 -o empty -e inline:"${msg}\n" \
		    "${CTL}" -s seg "${cmd}"
	done
	kill -0 "${FAKE_PID}" || atf_fail "the fake master was signalled"
}
refuse_signal_cleanup() {
	stop_fake_master
}

atf_test_case show_views cleanup
show_views_head() {
	atf_set descr "summary, workers, listeners and slots of a filled" \
	    "segment, in tables and JSON"
}
show_views_body() {
	setup_bins
	start_fake_master
	atf_check "${MKSEG}" -f -p "${FAKE_PID}" seg

	atf_check -o save:summary "${CTL}" -s seg show summary
	for re in "^master pid +${FAKE_PID}\$" '^generation +1$' \
	    '^generations +1$' '^state +running$' '^listeners +2$' \
	    '^workers +2$' '^slots +3/8$' '^requests/s +12\.34$' \
	    '^accepted +11$' '^requests +19$' \
	    '^responses +1xx 0  2xx 16  3xx 0  4xx 0  5xx 0$' \
	    '^errors +timeout 2  io 0  protocol 0  tls 0$' \
	    '^ +WK +GEN +PID +STATE'; do
		grep -Eq "${re}" summary || atf_fail "summary lacks ${re}"
	done

	w1='^ +1 +1 +1000 running +[0-9]+s +2/4 +5 +9 +1000 +5000 +1$'
	w2='^ +2 +1 +1001 running +[0-9]+s +1/4 +6 +10 +1000 +5000 +1$'
	atf_check -o match:"${w1}" -o match:"${w2}" \
	    "${CTL}" -s seg show workers
	atf_check -o match:'^web +0\.0\.0\.0 +8080 http +active +7$' \
	    -o match:'^secure +:: +8443 https +active +3$' \
	    -o match:'^old +127\.0\.0\.1 +9000 http +closed +1$' \
	    "${CTL}" -s seg show listeners

	atf_check -o save:slots "${CTL}" -s seg show slots
	[ "$(grep -c '^ *[0-9]' slots)" = 3 ] || atf_fail "not 3 slot rows"
	re='^ +1 +1 +0 R http +web +192\.0\.2\.1:51234 +1m0[5-9]s '
	re="${re}"'.* 3 +512 +20480 GET +/index\.html$'
	grep -Eq "${re}" slots || atf_fail "reading row"
	re='^ +2 +1 +0 W http +web +198\.51\.100\.7:40000 '
	re="${re}"'.* POST +/up\?load\?$'
	grep -Eq "${re}" slots || atf_fail "the path is not sanitized"
	re='^ +1 +1 +1 K https +secure +\[2001:db8::1\]:44321 +3m2[0-9]s '
	re="${re}"'+[0-9]+s +- '
	grep -Eq "${re}" slots || atf_fail "keepalive row"
	grep -q '^states: \.=free A=claimed .* R=reading .* K=keepalive' \
	    slots || atf_fail "no legend"

	atf_check -o save:json "${CTL}" -s seg -j show summary
	head -2 json | tail -1 | grep -q '^  "version": 1,$' || \
	    atf_fail "JSON does not open with version 1"
	for key in '"master_pid": '"${FAKE_PID}"',' '"workers": 2,' \
	    '"slots_used": 3,' '"requests_per_sec": 12.34,' \
	    '"generations": \[1\],' '"worker_list": \['; do
		grep -q "${key}" json || atf_fail "JSON summary lacks ${key}"
	done
	if command -v python3 >/dev/null; then
		for v in summary workers listeners slots; do
			"${CTL}" -s seg -j show "${v}" | python3 -c \
			    'import json,sys; json.load(sys.stdin)' || \
			    atf_fail "show ${v}: invalid JSON"
		done
	fi
	atf_check -o match:'"path": "/up\\u0001load\\ufffd"' \
	    "${CTL}" -s seg -j show slots --state writing
	# The configuration path: one line of the table, as it is in JSON.
	atf_check "${MKSEG}" -f -p "${FAKE_PID}" \
	    -c "$(printf '/etc/a\nb\033[7m\303\251.conf')" seg2
	atf_check -o save:summary2 "${CTL}" -s seg2 show summary
	grep -q '^config  *[/]etc[/]a?b?\[7m??\.conf$' summary2 ||
	    atf_fail "the config path is not sanitized"
	atf_check -o match:'"config": "/etc/a\\nb\\u001b\[7mé\.conf"' \
	    "${CTL}" -s seg2 -j show summary
}
show_views_cleanup() {
	stop_fake_master
}

atf_test_case slot_filters cleanup
slot_filters_head() {
	atf_set descr "show slots filters and sort orders"
}
slot_filters_body() {
	setup_bins
	start_fake_master
	atf_check "${MKSEG}" -f -p "${FAKE_PID}" seg
	rows() {
		"${CTL}" -s seg show slots "$@" |
		    awk 'NR > 1 && $1 ~ /^[0-9]+$/ { print $3 $4 }' |
		    tr '\n' ' '
	}
	# Rows are "<slot><letter>"; blocks: 0R 1K (worker 1), 0W (worker 2).
	[ "$(rows)" = "0R 1K 0W " ] || atf_fail "all: $(rows)"
	[ "$(rows --worker 2)" = "0W " ] || atf_fail "--worker"
	[ "$(rows --state K)" = "1K " ] || atf_fail "--state K"
	[ "$(rows --state reading)" = "0R " ] || atf_fail "--state reading"
	[ "$(rows --protocol https)" = "1K " ] || atf_fail "--protocol"
	[ "$(rows --listener web)" = "0R 0W " ] || atf_fail "--listener"
	[ "$(rows --peer 198.51)" = "0W " ] || atf_fail "--peer v4"
	[ "$(rows --peer 2001:db8::1)" = "1K " ] || atf_fail "--peer v6"
	[ "$(rows --peer '[2001:db8::1]:44321')" = "1K " ] || \
	    atf_fail "--peer [v6]:port"
	[ "$(rows --peer 10.)" = "" ] || atf_fail "--peer none"
	[ "$(rows --older-than 60)" = "0R 1K " ] || atf_fail "--older-than"
	[ "$(rows --sort age)" = "1K 0R 0W " ] || atf_fail "--sort age"
	[ "$(rows --sort bytes)" = "0W 1K 0R " ] || atf_fail "--sort bytes"
	[ "$(rows --sort requests)" = "1K 0R 0W " ] || \
	    atf_fail "--sort requests"
	[ "$(rows --sort idle)" = "1K 0R 0W " ] || atf_fail "--sort idle"
	[ "$(rows --worker 1 --sort age --older-than 100)" = "1K " ] || \
	    atf_fail "combined"
	atf_check -o match:'"slots": \[$' -o not-match:'"state": "reading"' \
	    -o match:'"state": "keepalive"' \
	    "${CTL}" -s seg -j show slots --protocol https
}
slot_filters_cleanup() {
	stop_fake_master
}

atf_test_case config_paths cleanup
config_paths_head() {
	atf_set descr "-c finds the segment from daemon.segment or next to" \
	    "daemon.pidfile, relative to the configuration's directory"
}
config_paths_body() {
	setup_bins
	start_fake_master
	mkdir -p etc/run
	cat > etc/pid.conf <<'CONF'
version = 1;
daemon = { pidfile = "run/t.pid"; };
CONF
	cat > etc/seg.conf <<'CONF'
version = 1;
daemon = { pidfile = "run/t.pid"; segment = "run/other.shm"; };
CONF
	atf_check "${MKSEG}" -f -p "${FAKE_PID}" etc/run/t.shm
	atf_check "${MKSEG}" -p "${FAKE_PID}" etc/run/other.shm
	mkdir elsewhere
	(cd elsewhere && "${CTL}" -c ../etc/pid.conf show summary) >out ||
	    atf_fail "via pidfile: exit $?"
	grep -Eq '^workers +2$' out || atf_fail "not the pidfile's segment"
	(cd elsewhere && "${CTL}" -c ../etc/seg.conf show summary) >out ||
	    atf_fail "via segment: exit $?"
	grep -Eq '^workers +0$' out || atf_fail "not daemon.segment"
	atf_check -s exit:2 -e match:"/etc/run/gone.shm: no segment" \
	    sh -c "sed 's/other/gone/' etc/seg.conf > etc/gone.conf &&
	    '${CTL}' -c etc/gone.conf show summary"
	printf 'daemon = { pidfile = ; };\n' > broken.conf
	atf_check -s exit:1 -e match:'^tamarinctl: broken.conf:1: ' \
	    "${CTL}" -c broken.conf show summary
	# No pidfile: nothing says the segment's master is this config's
	# daemon, so no signal either.
	atf_check -s exit:3 -e match:'t.pid: No such file or directory: not signalling' \
	    "${CTL}" -c etc/pid.conf reload
	# The pidfile names another pid than the segment: no signal.
	echo 1 > etc/run/t.pid
	atf_check -s exit:3 -e match:'names pid 1, the segment.s master is' \
	    "${CTL}" -c etc/pid.conf reload
	# No pidfile key: the daemon's is the default one, which names no
	# master of this segment, so still no signal (not a check skipped).
	printf 'daemon = { segment = "run/t.shm"; };\n' > etc/nopid.conf
	atf_check -s exit:3 -e match:'/tamarind.pid(:| names pid).*not signalling' \
	    "${CTL}" -c etc/nopid.conf reload
}
config_paths_cleanup() {
	stop_fake_master
}

atf_test_case watch cleanup
watch_head() {
	atf_set descr "-w repeats the view with a blank line between"
}
watch_body() {
	setup_bins
	start_fake_master
	atf_check "${MKSEG}" -f -p "${FAKE_PID}" seg
	# Created here: the background shell may not have opened it yet.
	: > out
	"${CTL}" -s seg -w 1 show listeners >out 2>err &
	watcher=$!
	i=0
	while [ "$(grep -c '^NAME' out)" -lt 2 ] && [ "${i}" -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill "${watcher}"
	wait "${watcher}" 2>/dev/null
	[ "$(grep -c '^NAME' out)" -ge 2 ] || atf_fail "not repeated"
	# Four lines a view (header, three listeners), then a blank one.
	awk 'NR == 5 && $0 != "" { bad = 1 }
	    NR == 6 && $1 != "NAME" { bad = 1 } END { exit bad }' out ||
	    atf_fail "no blank line between views"
	atf_check -s exit:0 -o empty cat err

	# The daemon goes away under -w: exit 2 when its file went too.
	"${CTL}" -s seg -w 1 show listeners >/dev/null 2>err2 &
	watcher=$!
	sleep 0.3
	rm seg
	wait "${watcher}"
	[ $? -eq 2 ] || atf_fail "-w did not exit 2 once the segment went"
	atf_check -o match:'seg: no segment: tamarind is not running' cat err2
}
watch_cleanup() {
	stop_fake_master
}

atf_test_case watch_shrunk cleanup
watch_shrunk_head() {
	atf_set descr "-w on a segment file cut short from outside: exit 3" \
	    "with a message, no SIGBUS"
}
watch_shrunk_body() {
	setup_bins
	start_fake_master
	msg="tamarinctl: seg: the segment file was cut short"
	msg="${msg} (tamarind never shrinks it)"
	# 4096: the header is left, the rest of the map is not; 0: nothing.
	for size in 4096 0; do
		atf_check "${MKSEG}" -f -p "${FAKE_PID}" seg
		: > out
		"${CTL}" -s seg -w 1 show slots >out 2>err &
		watcher=$!
		i=0
		while ! grep -q '^states:' out && [ "${i}" -lt 50 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		grep -q '^states:' out || atf_fail "no first view"
		truncate -s "${size}" seg
		wait "${watcher}"
		rc=$?
		[ "${rc}" -eq 3 ] || atf_fail "cut to ${size}: exit ${rc}," \
		    "not 3: $(cat err)"
		atf_check -o inline:"${msg}\n" cat err
	done
}
watch_shrunk_cleanup() {
	stop_fake_master
}

atf_test_case check_config
check_config_head() {
	atf_set descr "check -c runs tamarind -t and passes its output and" \
	    "exit status through"
}
check_config_body() {
	setup_bins
	mkdir www
	cat > good.conf <<'CONF'
version = 1;
listeners = ( { name = "web"; address = "127.0.0.1"; port = 0;
    protocol = "http"; } );
sites = ( { names = [ "*" ]; listeners = [ "web" ]; root = "www";
    routes = ( { prefix = "/status"; handler = "status";
                 allow = [ "127.0.0.1", "::1", "10.0.0.0/8" ]; },
               { prefix = "/"; handler = "static"; } ); } );
CONF
	sed -e 's|10.0.0.0/8|10.0.0.0/33|' -e 's|^version = 1;|&\nbogus = 1;|' \
	    good.conf > bad.conf
	atf_check -s exit:0 -o inline:"configuration OK\n" -e empty \
	    "${CTL}" check -c good.conf
	atf_check -s exit:0 -o inline:"configuration OK\n" -e empty \
	    "${CTL}" -c good.conf check
	atf_check -s exit:1 -o empty \
	    -e match:"^bad.conf:2: unknown key 'bogus'" \
	    -e match:"^bad.conf:7: allow: '10.0.0.0/33' is not an address" \
	    -e match:'configuration test failed \(2 errors\)' \
	    "${CTL}" check -c bad.conf
}

atf_init_test_cases() {
	atf_add_test_case no_segment
	atf_add_test_case wrong_magic
	atf_add_test_case not_a_file
	atf_add_test_case wrong_version
	atf_add_test_case stale_pid
	atf_add_test_case recycled_pid
	atf_add_test_case bad_command
	atf_add_test_case prefixes
	atf_add_test_case refuse_signal
	atf_add_test_case show_views
	atf_add_test_case slot_filters
	atf_add_test_case config_paths
	atf_add_test_case watch
	atf_add_test_case watch_shrunk
	atf_add_test_case check_config
}
