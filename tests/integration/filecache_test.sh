#! /usr/bin/atf-sh
# The workers' open-file cache never serves a file that changed: every
# way of changing it is seen before the next request.

fc_conf() {
	cat > tamarin.conf <<CONF
version = 1;
daemon = { pidfile = "tamarind.pid"; segment = "tamarind.shm"; };
workers = { count = 1; };
listeners = ( { name = "web"; address = "127.0.0.1"; port = 0; } );
sites = ( { root = "www"; routes = ( { prefix = "/"; handler = "static";
	    follow_symlinks = "inside"; } ); } );
CONF
}

get() {
	curl -s "http://127.0.0.1:$PORT$1"
}

atf_test_case changes_seen cleanup
changes_seen_head() {
	atf_set descr "rewrites in place, renames over, deletes, directory renames and symlink retargets are all seen at once"
}
changes_seen_body() {
	tm_site
	mkdir -p www/d www/other
	printf 'one\n' > www/d/f.txt
	printf 'target A\n' > www/other/a.txt
	printf 'target B\n' > www/other/b.txt
	ln -s ../other/a.txt www/d/link.txt
	fc_conf
	start_daemon
	# Each change is followed at once by a request: no waiting.
	for i in 1 2 3; do
		atf_check -o inline:'one\n' curl -s "http://127.0.0.1:$PORT/d/f.txt"
	done
	# Same size, rewritten in place (the same second, most likely).
	printf 'two\n' > www/d/f.txt
	atf_check -o inline:'two\n' curl -s "http://127.0.0.1:$PORT/d/f.txt"
	# A new file renamed over the old one.
	printf 'three!\n' > www/d/f.tmp
	mv www/d/f.tmp www/d/f.txt
	atf_check -o inline:'three!\n' curl -s "http://127.0.0.1:$PORT/d/f.txt"
	# Its directory renamed away: gone.
	mv www/d www/e
	atf_check -o inline:'404\n' curl -s -o /dev/null -w '%{http_code}\n' \
	    "http://127.0.0.1:$PORT/d/f.txt"
	atf_check -o inline:'three!\n' curl -s "http://127.0.0.1:$PORT/e/f.txt"
	mv www/e www/d
	# Deleted.
	rm www/d/f.txt
	atf_check -o inline:'404\n' curl -s -o /dev/null -w '%{http_code}\n' \
	    "http://127.0.0.1:$PORT/d/f.txt"
	# A symlinked path follows its target's changes.
	atf_check -o inline:'target A\n' curl -s "http://127.0.0.1:$PORT/d/link.txt"
	ln -sfn ../other/b.txt www/d/link.txt
	atf_check -o inline:'target B\n' curl -s "http://127.0.0.1:$PORT/d/link.txt"
	printf 'target B2\n' > www/other/b.txt
	atf_check -o inline:'target B2\n' curl -s "http://127.0.0.1:$PORT/d/link.txt"
	# An index file appearing in a directory.
	atf_check -o inline:'403\n' curl -s -o /dev/null -w '%{http_code}\n' \
	    "http://127.0.0.1:$PORT/other/"
	printf 'index now\n' > www/other/index.html
	atf_check -o inline:'index now\n' curl -s "http://127.0.0.1:$PORT/other/"
}
changes_seen_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case hard_links cleanup
hard_links_head() {
	atf_set descr "a cached file written through a hard link outside the root, made before or after it was cached, is seen at once; the cache still answers after the flushes"
}
hard_links_body() {
	tm_site
	mkdir -p www outside
	printf 'version1\n' > outside/h.txt
	ln outside/h.txt www/h.txt
	printf 'late1\n' > www/l.txt
	fc_conf
	start_daemon
	for i in 1 2 3; do
		atf_check -o inline:'version1\n' curl -s "http://127.0.0.1:$PORT/h.txt"
		atf_check -o inline:'late1\n' curl -s "http://127.0.0.1:$PORT/l.txt"
	done
	# Written through the other link: its directory is not watched.
	printf 'version2-longer\n' > outside/h.txt
	atf_check -o inline:'version2-longer\n' curl -s "http://127.0.0.1:$PORT/h.txt"
	# The same size, in place.
	printf 'version3-longer\n' > outside/h.txt
	atf_check -o inline:'version3-longer\n' curl -s "http://127.0.0.1:$PORT/h.txt"
	# A link made after the file was cached.
	ln www/l.txt outside/l2.txt
	atf_check -o inline:'late1\n' curl -s "http://127.0.0.1:$PORT/l.txt"
	printf 'late2\n' > outside/l2.txt
	atf_check -o inline:'late2\n' curl -s "http://127.0.0.1:$PORT/l.txt"
	# And the cache still works after the flushes.
	for i in 1 2 3; do
		atf_check -o inline:'late2\n' curl -s "http://127.0.0.1:$PORT/l.txt"
	done
	printf 'late3\n' > outside/l2.txt
	atf_check -o inline:'late3\n' curl -s "http://127.0.0.1:$PORT/l.txt"
	# And it answers from memory again: a write through a shared
	# mapping, which inotify does not report, is not seen.  (The watches
	# the flush removed must not cause flush after flush.)
	atf_check -o inline:'late3\n' curl -s "http://127.0.0.1:$PORT/l.txt"
	# (Its descriptor stays open meanwhile: closing a descriptor open for
	# writing is an event, IN_CLOSE_WRITE.)
	python3 -c 'import mmap, os, sys, time
with open(sys.argv[1], "r+b") as f:
	m = mmap.mmap(f.fileno(), 0)
	m[0:5] = b"LATE4"
	m.flush()
	open("mapped", "w").close()
	while not os.path.exists("done"):
		time.sleep(0.05)' outside/l2.txt &
	wait_for 100 test -f mapped || atf_fail "no mapping made"
	atf_check -o inline:'LATE4\n' cat outside/l2.txt
	for i in 1 2 3; do
		atf_check -o inline:'late3\n' curl -s "http://127.0.0.1:$PORT/l.txt"
	done
	touch done
	wait
	# Its close is seen.
	atf_check -o inline:'LATE4\n' curl -s "http://127.0.0.1:$PORT/l.txt"
}
hard_links_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case cached_semantics cleanup
cached_semantics_head() {
	atf_set descr "a cached file answers HEAD, 304 and 412 exactly as an uncached one; another content of the same size and time has another tag"
}
cached_semantics_body() {
	tm_site
	fc_conf
	start_daemon
	get /index.html > /dev/null
	curl -sI "http://127.0.0.1:$PORT/index.html" | tr -d '\r' | grep -v '^Date:' > head1
	curl -sI "http://127.0.0.1:$PORT/index.html" | tr -d '\r' | grep -v '^Date:' > head2
	atf_check cmp head1 head2
	etag=$(sed -n 's/^ETag: //p' head1)
	lm=$(sed -n 's/^Last-Modified: //p' head1)
	atf_check -o match:'^ETag: "' cat head1
	atf_check -o match:'^Content-Length: 19$' cat head1
	atf_check -o match:'^Content-Type: text/html; charset=utf-8$' cat head1
	atf_check -o inline:'304\n' curl -s -o /dev/null -w '%{http_code}\n' \
	    -H "If-None-Match: $etag" "http://127.0.0.1:$PORT/index.html"
	atf_check -o inline:'304\n' curl -s -o /dev/null -w '%{http_code}\n' \
	    -H "If-Modified-Since: $lm" "http://127.0.0.1:$PORT/index.html"
	atf_check -o inline:'412\n' curl -s -o /dev/null -w '%{http_code}\n' \
	    -H 'If-Match: "other"' "http://127.0.0.1:$PORT/index.html"
	atf_check -o inline:'llo' curl -s -r 2-4 "http://127.0.0.1:$PORT/index.html"
	atf_check -o inline:'206\n' curl -s -o /dev/null -w '%{http_code}\n' \
	    -r 2-4 "http://127.0.0.1:$PORT/index.html"
	# Another content with the same size and time (builds that fix file
	# times do this) has another tag: a 304 would serve the old one.
	printf 'HELLO FROM TAMARIN\n' > www/other.html
	touch -r www/index.html www/other.html
	tag2=$(curl -s -o /dev/null -w '%header{etag}' \
	    "http://127.0.0.1:$PORT/other.html")
	[ -n "$tag2" ] && [ "$tag2" != "$etag" ] ||
	    atf_fail "same size and time, same tag: $tag2"
	atf_check -o inline:'200\n' curl -s -o /dev/null -w '%{http_code}\n' \
	    -H "If-None-Match: $etag" "http://127.0.0.1:$PORT/other.html"
}
cached_semantics_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_test_case root_swaps cleanup
root_swaps_head() {
	atf_set descr "a root reached through a symlink or a renamed directory follows a deploy swap at once, in every worker, a respawned one included; a root missing mid-swap keeps the old tree"
}
root_swaps_body() {
	mkdir -p app/releases/1/img app/releases/2/img app/releases/3/img \
	    assets/v1/assets assets/v2/assets
	for r in 1 2 3; do
		printf 'release %s\n' $r > app/releases/$r/index.html
		printf 'logo %s\n' $r > app/releases/$r/img/logo.txt
	done
	printf 'asset v1\n' > assets/v1/assets/a.txt
	ln -s releases/1 app/current
	ln -s v1 assets/live
	cat > tamarin.conf <<CONF
version = 1;
daemon = { pidfile = "tamarind.pid"; segment = "tamarind.shm"; };
workers = { count = 2; };
listeners = ( { name = "web"; address = "127.0.0.1"; port = 0; } );
sites = ( { root = "app/current"; routes = (
	{ prefix = "/assets/"; handler = "static"; root = "assets/live"; },
	{ prefix = "/"; handler = "static"; } ); } );
CONF
	start_daemon tamarin.conf 2
	# Every check asks several connections: the two workers take turns.
	many() {
		for i in 1 2 3 4 5 6; do
			curl -s "http://127.0.0.1:$PORT$1"
		done | sort -u
	}
	same 'release 1\n' many /
	same 'logo 1\n' many /img/logo.txt
	# ln -sfn: unlink, then a new link; no pause before the requests.
	ln -sfn releases/2 app/current
	same 'release 2\n' many /
	same 'logo 2\n' many /img/logo.txt
	# The atomic way: a new link renamed over the old one.
	ln -s releases/3 app/current.new
	mv -T app/current.new app/current
	same 'release 3\n' many /
	# A route's own root follows the same way.
	same 'asset v1\n' many /assets/a.txt
	printf 'asset v2\n' > assets/v2/assets/a.txt
	ln -sfn v2 assets/live
	same 'asset v2\n' many /assets/a.txt
	# A directory on the way renamed, another renamed into its place.
	mv app/releases app/old
	mkdir -p app/releases/3
	printf 'rebuilt 3\n' > app/releases/3/index.html
	same 'rebuilt 3\n' many /
	# Gone for a moment: the old tree still answers, then the new one.
	rm app/current
	same 'rebuilt 3\n' many /
	ln -s old/1 app/current
	same 'release 1\n' many /
	# A worker started after the swap (the master opened the root
	# before it) serves the new tree too.
	ln -sfn old/2 app/current
	same 'release 2\n' many /
	old=$(tmq worker-pids)
	kill -9 $old
	wait_for 100 sh -c "for p in $old; do tmq worker-pids | grep -qw \$p && exit 1; done; test \$(tmq worker-pids | wc -w) -eq 2" ||
	    atf_fail "no replacements"
	tm_record_pids
	same 'release 2\n' many /
	same 'asset v2\n' many /assets/a.txt
}
root_swaps_cleanup() {
	. "$(atf_get_srcdir)/helpers.subr"
	stop_daemon
}

atf_init_test_cases() {
	. "$(atf_get_srcdir)/helpers.subr"
	atf_add_test_case changes_seen
	atf_add_test_case hard_links
	atf_add_test_case cached_semantics
	atf_add_test_case root_swaps
}
