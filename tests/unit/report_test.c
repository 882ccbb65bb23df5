/*
 * Segment reports (src/shm/report.c): snapshots, the JSON documents, the
 * Prometheus text, and slot_read() against a writer that never stops.
 */
#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <atf-c.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/sbuf.h"
#include "shm/report.h"
#include "shm/shm.h"

/* A listener name that needs every kind of escaping. */
#define ODD_NAME	"a\"b\\c\nd\x01" "e\xff\xc3\xa9"
#define ODD_JSON	"a\\\"b\\\\c\\nd\\u0001e\\ufffd\xc3\xa9"
#define ODD_PROM	"a\\\"b\\\\c\\nd\x01" "e\xef\xbf\xbd\xc3\xa9"

#define WRITER_PATTERNS	4

static struct shm *make_segment(void);
static void	add_listener(struct shm *, unsigned int, const char *,
		    const char *, uint16_t, uint8_t, uint32_t, uint64_t);
static void	add_worker(struct shm *, unsigned int, uint32_t, uint32_t,
		    int32_t, uint32_t, uint32_t, uint32_t);
static void	populate(struct shm *);
static int	add_slot(struct shm *, unsigned int, enum tm_slot_state,
		    const char *, uint16_t, uint64_t);
static char	*render(struct shm *, int,
		    void (*)(struct sbuf *, const struct shm_snap *));
static void	require_json(const char *);
static void	require_has(const char *, const char *);
static void	require_lacks(const char *, const char *);
static const char *json_value(const char *);
static const char *json_string(const char *);
static const char *json_ws(const char *);
static void	fill_pattern(struct shm_slot *, int);
static int	check_pattern(const struct shm_slot *);

static struct shm *
make_segment(void)
{
	struct shm *s;
	struct shm_header *h;

	/* each case runs in its own empty work directory */
	ATF_REQUIRE_MSG((s = shm_create("seg", 16, 0640)) != NULL,
	    "shm_create: %s", strerror(errno));
	h = shm_header(s);
	atomic_store(&h->sh_generation, 3);
	atomic_store(&h->sh_state, TM_MASTER_RUNNING);
	atomic_store(&h->sh_workers, 1);
	atomic_store(&h->sh_slots_per_worker, 4);
	atomic_store(&h->sh_reloads, 2);
	atomic_store(&h->sh_rate_requests_x100, 1205);
	strlcpy(h->sh_config, "/etc/tamarin/tamarin.conf",
	    sizeof(h->sh_config));
	return (s);
}

static void
add_listener(struct shm *s, unsigned int i, const char *name,
    const char *addr, uint16_t port, uint8_t proto, uint32_t state,
    uint64_t accepted)
{
	struct shm_listener *li = shm_listener(s, i);

	li->li_proto = proto;
	li->li_port = port;
	strlcpy(li->li_name, name, sizeof(li->li_name));
	strlcpy(li->li_addr, addr, sizeof(li->li_addr));
	atomic_store(&li->li_accepted, accepted);
	if (state == TM_LISTENER_CLOSED)
		atomic_store(&li->li_closed_gen, 2);
	atomic_store(&li->li_state, state);
}

static void
add_worker(struct shm *s, unsigned int bi, uint32_t state, uint32_t gen,
    int32_t pid, uint32_t number, uint32_t first, uint32_t count)
{
	struct shm_block *b = shm_block(s, bi);
	unsigned int k;

	atomic_store(&b->wb_pid, pid);
	atomic_store(&b->wb_generation, gen);
	atomic_store(&b->wb_number, number);
	/* One row of claim bitmap (up to 1024 slots), then the slots. */
	atomic_store(&b->wb_bits_first, first);
	atomic_store(&b->wb_slot_first, first + 1);
	atomic_store(&b->wb_slot_count, count);
	atomic_store(&b->wb_started_ms, clock_ms());
	atomic_store(&b->wb_heartbeat_ms, clock_ms());
	/* Counter k of block bi holds 100 * (bi + 1) + k: sums are known. */
	for (k = 0; k < TM_CTR__COUNT; k++)
		atomic_store(&b->wb_counters[k], 100 * (bi + 1) + k);
	atomic_store(&b->wb_state, state);
}

static int
add_slot(struct shm *s, unsigned int bi, enum tm_slot_state st,
    const char *target, uint16_t listener, uint64_t deadline_in)
{
	struct shm_slot *sl;
	struct sockaddr_in in;
	uint64_t now = clock_ms();
	int idx;

	ATF_REQUIRE((idx = slot_claim(s, bi)) != -1);
	sl = shm_slot(s, shm_block(s, bi), (uint32_t)idx);
	memset(&in, 0, sizeof(in));
	in.sin_family = AF_INET;
	in.sin_port = htons(51000 + idx);
	in.sin_addr.s_addr = htonl(0xc0000201);		/* 192.0.2.1 */
	slot_write_begin(sl);
	sl->sl_listener = listener;
	sl->sl_proto = 1;
	shm_addr_set(&sl->sl_peer, (struct sockaddr *)&in);
	sl->sl_accept_ms = now > 5000 ? now - 5000 : 1;
	sl->sl_active_ms = now;
	sl->sl_deadline_ms = deadline_in != 0 ? now + deadline_in : 0;
	sl->sl_requests = 2;
	sl->sl_bytes_in = 300;
	sl->sl_bytes_out = 7000;
	sl->sl_status = 200;
	strlcpy(sl->sl_method, "GET", sizeof(sl->sl_method));
	strlcpy(sl->sl_target, target, sizeof(sl->sl_target));
	slot_write_end(sl);
	slot_set_state(sl, st);
	return (idx);
}

/*
 * Generation 3 running one worker (block 0), generation 1 still draining
 * one (block 1), one exited (block 2); listeners web, an odd name, and a
 * closed one.
 */
static void
populate(struct shm *s)
{
	add_listener(s, 0, "web", "0.0.0.0", 8080, 1, TM_LISTENER_ACTIVE, 11);
	add_listener(s, 1, ODD_NAME, "::", 8443, 2, TM_LISTENER_ACTIVE, 4);
	add_listener(s, 2, "gone", "127.0.0.1", 9000, 1, TM_LISTENER_CLOSED,
	    1);
	add_worker(s, 0, TM_WORKER_RUNNING, 3, 4242, 1, 0, 4);
	add_worker(s, 1, TM_WORKER_DRAINING, 1, 4141, 1, 5, 4);
	add_worker(s, 2, TM_WORKER_EXITED, 1, 4040, 2, 10, 4);
	(void)add_slot(s, 0, TM_SLOT_READING, "/index.html", 0, 9000);
	(void)add_slot(s, 0, TM_SLOT_IDLE, "/", 1, 0);
	(void)add_slot(s, 1, TM_SLOT_WRITING, "/big\"file", 0, 1000);
	/* Block 1's descriptors allow 3 connections, block 0's any. */
	atomic_store(&shm_block(s, 1)->wb_conn_max, 3);
}

static char *
render(struct shm *s, int flags,
    void (*fn)(struct sbuf *, const struct shm_snap *))
{
	struct shm_snap sn;
	struct sbuf sb;
	char *doc;

	ATF_REQUIRE(report_snap_init(&sn, s, flags) == 0);
	sbuf_init(&sb);
	fn(&sb, &sn);
	report_snap_fini(&sn);
	ATF_REQUIRE(!sbuf_error(&sb));
	ATF_REQUIRE((doc = strdup(sbuf_data(&sb))) != NULL);
	sbuf_fini(&sb);
	return (doc);
}

static void
require_has(const char *doc, const char *what)
{
	ATF_REQUIRE_MSG(strstr(doc, what) != NULL, "missing <%s> in:\n%s",
	    what, doc);
}

static void
require_lacks(const char *doc, const char *what)
{
	ATF_REQUIRE_MSG(strstr(doc, what) == NULL, "unexpected <%s> in:\n%s",
	    what, doc);
}

/* ---- a strict little JSON checker: NULL on a syntax error ---------- */

static const char *
json_ws(const char *p)
{
	while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
		p++;
	return (p);
}

static const char *
json_string(const char *p)
{
	int i;

	if (*p++ != '"')
		return (NULL);
	for (; *p != '"'; p++) {
		if ((unsigned char)*p < 0x20)
			return (NULL);
		if (*p != '\\')
			continue;
		p++;
		if (*p == 'u') {
			for (i = 1; i <= 4; i++)
				if (strchr("0123456789abcdefABCDEF",
				    p[i]) == NULL || p[i] == '\0')
					return (NULL);
			p += 4;
		} else if (strchr("\"\\/bfnrt", *p) == NULL || *p == '\0')
			return (NULL);
	}
	return (p + 1);
}

static const char *
json_value(const char *p)
{
	p = json_ws(p);
	if (*p == '{' || *p == '[') {
		char close = *p == '{' ? '}' : ']';
		int obj = *p == '{';

		p = json_ws(p + 1);
		if (*p == close)
			return (p + 1);
		for (;;) {
			if (obj) {
				if ((p = json_string(json_ws(p))) == NULL)
					return (NULL);
				p = json_ws(p);
				if (*p++ != ':')
					return (NULL);
			}
			if ((p = json_value(p)) == NULL)
				return (NULL);
			p = json_ws(p);
			if (*p == close)
				return (p + 1);
			if (*p++ != ',')
				return (NULL);
		}
	}
	if (*p == '"')
		return (json_string(p));
	if (strncmp(p, "true", 4) == 0 || strncmp(p, "null", 4) == 0)
		return (p + 4);
	if (strncmp(p, "false", 5) == 0)
		return (p + 5);
	if (*p == '-')
		p++;
	if (*p < '0' || *p > '9')
		return (NULL);
	while ((*p >= '0' && *p <= '9') || *p == '.')
		p++;
	return (p);
}

static void
require_json(const char *doc)
{
	const char *end;

	ATF_REQUIRE_MSG(strncmp(doc, "{\n  \"version\": 1,", 17) == 0,
	    "document does not open with version 1:\n%s", doc);
	end = json_value(doc);
	ATF_REQUIRE_MSG(end != NULL && *json_ws(end) == '\0',
	    "invalid JSON:\n%s", doc);
}

/* ---- cases -------------------------------------------------------- */

ATF_TC_WITHOUT_HEAD(report__json_summary);
ATF_TC_BODY(report__json_summary, tc)
{
	struct shm *s = make_segment();
	char buf[128], *doc;

	populate(s);
	doc = render(s, 0, report_json_summary);
	require_json(doc);
	snprintf(buf, sizeof(buf), "\"master_pid\": %d,", (int)getpid());
	require_has(doc, buf);
	require_has(doc, "\"start_time\": ");
	require_has(doc, "\"uptime_sec\": 0,");
	require_has(doc, "\"generation\": 3,");
	require_has(doc, "\"generations\": [1, 3],");
	require_has(doc, "\"state\": \"running\",");
	require_has(doc, "\"config\": \"/etc/tamarin/tamarin.conf\",");
	require_has(doc, "\"reloads\": 2,");
	require_has(doc, "\"listeners\": 2,");
	require_has(doc, "\"workers\": 2,");	/* the exited one is not */
	require_has(doc, "\"slots_used\": 3,");
	require_has(doc, "\"slots_total\": 8,");
	require_has(doc, "\"slots_usable\": 7,");
	/* Totals add all three blocks: 100 + 200 + 300 + 3k. */
	snprintf(buf, sizeof(buf), "\"accepted\": %d,", 600 +
	    3 * TM_CTR_accepted);
	require_has(doc, buf);
	snprintf(buf, sizeof(buf), "\"requests\": %d,", 600 +
	    3 * TM_CTR_requests);
	require_has(doc, buf);
	snprintf(buf, sizeof(buf), "\"2xx\": %d,", 600 + 3 * TM_CTR_resp_2xx);
	require_has(doc, buf);
	snprintf(buf, sizeof(buf), "\"protocol\": %d,", 600 +
	    3 * TM_CTR_err_proto);
	require_has(doc, buf);
	require_has(doc, "\"requests_per_sec\": 12.05,");
	require_has(doc, "\"worker_list\": [");
	require_has(doc, "\"pid\": 4242, \"state\": \"running\"");
	require_has(doc, "\"pid\": 4141, \"state\": \"draining\"");
	require_has(doc, "\"pid\": 4040, \"state\": \"exited\"");
	free(doc);
	shm_destroy(s);
}

/* Counter k of totals and retired, as the summary prints them. */
static void
require_counter(const char *doc, const char *key, unsigned int v)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "\"%s\": %u,", key, v);
	require_has(doc, buf);
}

ATF_TC_WITHOUT_HEAD(report__retired_counters);
ATF_TC_BODY(report__retired_counters, tc)
{
	struct shm *s = make_segment();
	struct shm_header *h = shm_header(s);
	char *doc, *ret;
	unsigned int k;

	populate(s);
	/* The exited worker's block is released: its counts stay. */
	shm_block_retire(s, 2);
	atomic_store(&shm_block(s, 2)->wb_state, TM_WORKER_UNUSED);
	for (k = 0; k < TM_CTR__COUNT; k++) {
		ATF_CHECK_EQ(atomic_load(&h->sh_retired[k]), 300 + k);
		ATF_CHECK_EQ(atomic_load(&shm_block(s, 2)->wb_counters[k]),
		    0);
	}
	ATF_CHECK_EQ(atomic_load(&h->sh_retire_seq), 2);
	doc = render(s, 0, report_json_summary);
	require_json(doc);
	require_lacks(doc, "\"pid\": 4040");
	ATF_REQUIRE((ret = strstr(doc, "\"retired\": {")) != NULL);
	*ret = '\0';
	/* Totals, before "retired": the same 100 + 200 + 300 + 3k. */
	require_counter(doc, "accepted", 600 + 3 * TM_CTR_accepted);
	require_counter(doc, "requests", 600 + 3 * TM_CTR_requests);
	require_counter(doc, "2xx", 600 + 3 * TM_CTR_resp_2xx);
	/* Retired: block 2's alone. */
	require_counter(ret + 1, "accepted", 300 + TM_CTR_accepted);
	require_counter(ret + 1, "requests", 300 + TM_CTR_requests);
	free(doc);

	/* A new worker in the block counts on top. */
	add_worker(s, 2, TM_WORKER_RUNNING, 4, 4343, 2, 10, 4);
	shm_block_retire(s, 2);
	for (k = 0; k < TM_CTR__COUNT; k++)
		ATF_CHECK_EQ(atomic_load(&h->sh_retired[k]), 2 * (300 + k));
	doc = render(s, 0, report_json_summary);
	require_counter(doc, "requests", 900 + 4 * TM_CTR_requests);
	free(doc);
	shm_destroy(s);
}

/* The reverse of shm_block_retire(), by the same protocol. */
static void
unretire(struct shm *s, unsigned int bi)
{
	struct shm_header *h = shm_header(s);
	struct shm_block *b = shm_block(s, bi);
	uint32_t seq = atomic_load(&h->sh_retire_seq);
	unsigned int k;

	atomic_store_explicit(&h->sh_retire_seq, seq + 1,
	    memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	for (k = 0; k < TM_CTR__COUNT; k++) {
		atomic_store_explicit(&b->wb_counters[k],
		    atomic_load_explicit(&b->wb_counters[k],
		    memory_order_relaxed) + atomic_load_explicit(
		    &h->sh_retired[k], memory_order_relaxed),
		    memory_order_relaxed);
		atomic_store_explicit(&h->sh_retired[k], 0,
		    memory_order_relaxed);
	}
	atomic_store_explicit(&h->sh_retire_seq, seq + 2,
	    memory_order_release);
}

ATF_TC_WITHOUT_HEAD(report__retired_concurrent);
ATF_TC_BODY(report__retired_concurrent, tc)
{
	struct shm *s = make_segment();
	struct shm_snap sn;
	uint32_t seq0;
	uint64_t want, until;
	int i, bad = 0, status;
	pid_t pid;

	populate(s);
	want = 600 + 3 * TM_CTR_requests;
	seq0 = atomic_load(&shm_header(s)->sh_retire_seq);
	ATF_REQUIRE((pid = fork()) != -1);
	if (pid == 0) {
		/* The master: move block 0's counts out and back, until
		   this test ends, however it ends. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1)
			_exit(1);
		for (;;) {
			shm_block_retire(s, 0);
			usleep(100);
			unretire(s, 0);
			usleep(100);
		}
	}
	/* Every snapshot sees each count exactly once. */
	until = clock_ms() + 2000;
	for (i = 0; i < 2000 || clock_ms() < until; i++) {
		ATF_REQUIRE(report_snap_init(&sn, s, 0) == 0);
		if (sn.sn_totals[TM_CTR_requests] != want)
			bad++;
		report_snap_fini(&sn);
		if (i >= 2000 && atomic_load(&shm_header(s)->sh_retire_seq) -
		    seq0 >= 200)
			break;
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	ATF_CHECK_MSG(bad == 0, "%d of %d snapshots counted a move wrong",
	    bad, i);
	ATF_CHECK_MSG(atomic_load(&shm_header(s)->sh_retire_seq) - seq0 >= 200,
	    "the mover made only %u moves",
	    atomic_load(&shm_header(s)->sh_retire_seq) - seq0);
	shm_destroy(s);
}

/*
 * A listener row reused while a snapshot copies it (a reload that closes
 * one listener and opens another) is seen whole, as one listener or the
 * other, never half of each.
 */
ATF_TC_WITHOUT_HEAD(report__listener_reused_concurrent);
ATF_TC_BODY(report__listener_reused_concurrent, tc)
{
	static const char *const names[2] = {
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb" };
	static const char *const addrs[2] = {
	    "1111111111111111111111111111111111111111111111111111111111111",
	    "2222222222222222222222222222222222222222222222222222222222222" };
	struct shm *s = make_segment();
	struct shm_snap sn;
	uint64_t until;
	int i, k, bad = 0, seen[2] = { 0, 0 }, status;
	pid_t pid;

	shm_listener_publish(s, 5, 1, AF_INET, 80, names[0], addrs[0]);
	ATF_REQUIRE((pid = fork()) != -1);
	if (pid == 0) {
		/* The master: close row 5 and open it as the other one. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1)
			_exit(1);
		for (k = 1;; k ^= 1) {
			atomic_store_explicit(&shm_listener(s, 5)->li_state,
			    TM_LISTENER_CLOSED, memory_order_release);
			shm_listener_publish(s, 5, 1 + k, AF_INET,
			    (uint16_t)(80 + k), names[k], addrs[k]);
			/*
			 * A while outside the section, as a real master is
			 * (it rewrites a row once per reload): rewritten
			 * back to back, a reader sharing its CPU would find
			 * it mid-section at each turn, give up after 100 ms
			 * and keep a torn copy, as it is meant to.
			 */
			for (volatile int spin = 0; spin < 300; spin++)
				;
		}
	}
	until = clock_ms() + 1500;
	for (i = 0; clock_ms() < until; i++) {
		ATF_REQUIRE(report_snap_init(&sn, s, 0) == 0);
		for (k = 0; k < (int)sn.sn_nlisteners; k++) {
			const struct snap_listener *ln = &sn.sn_listeners[k];
			int w = ln->ln_name[0] == 'b';

			if (ln->ln_index != 5)
				continue;
			if (strcmp(ln->ln_name, names[w]) != 0 ||
			    strcmp(ln->ln_addr, addrs[w]) != 0 ||
			    ln->ln_port != 80 + w || ln->ln_proto != 1 + w)
				bad++;
			else
				seen[w]++;
		}
		report_snap_fini(&sn);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	ATF_CHECK_MSG(bad == 0, "%d of %d snapshots saw a torn row", bad, i);
	ATF_CHECK_MSG(seen[0] > 0 && seen[1] > 0,
	    "rows seen whole: %d as the first, %d as the second", seen[0],
	    seen[1]);
	shm_destroy(s);
}

/*
 * A block the master rewrites for a new worker while a snapshot copies it
 * is seen as the old worker or the new one, never a mix of the two.
 */
ATF_TC_WITHOUT_HEAD(report__block_reused_concurrent);
ATF_TC_BODY(report__block_reused_concurrent, tc)
{
	struct shm *s = make_segment();
	struct shm_block *b = shm_block(s, 3);
	struct shm_snap sn;
	uint64_t until;
	int i, k, bad = 0, seen[2] = { 0, 0 }, status;
	pid_t pid;

	atomic_store(&b->wb_state, TM_WORKER_RUNNING);
	/* Odd, as a worker that scribbled on its block may leave it. */
	atomic_store(&b->wb_seq, 7);
	ATF_REQUIRE((pid = fork()) != -1);
	if (pid == 0) {
		/* The master: the block goes to worker k + 1, and back. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1)
			_exit(1);
		for (k = 0;; k ^= 1) {
			shm_block_write_begin(s, 3);
			atomic_store_explicit(&b->wb_generation, 10 + k,
			    memory_order_relaxed);
			atomic_store_explicit(&b->wb_number, 20 + k,
			    memory_order_relaxed);
			/* Long enough for readers to meet it half done. */
			for (volatile int spin = 0; spin < 500; spin++)
				;
			atomic_store_explicit(&b->wb_slot_count, 30 + k,
			    memory_order_relaxed);
			atomic_store_explicit(&b->wb_pid, 40 + k,
			    memory_order_relaxed);
			atomic_store_explicit(&b->wb_started_ms, 50 + k,
			    memory_order_relaxed);
			shm_block_write_end(s, 3);
			/*
			 * Readers keep what they have after 100 ms of looks
			 * (a master stopped in a rewrite): a real master
			 * rewrites a block once per worker start.
			 */
			usleep(20);
		}
	}
	until = clock_ms() + 1500;
	for (i = 0; clock_ms() < until; i++) {
		ATF_REQUIRE(report_snap_init(&sn, s, 0) == 0);
		for (k = 0; k < (int)sn.sn_nworkers; k++) {
			const struct snap_worker *w = &sn.sn_workers[k];
			uint32_t v = w->sw_generation - 10;

			if (w->sw_block != 3 || w->sw_generation == 0)
				continue;
			if (v > 1 || w->sw_number != 20 + v ||
			    w->sw_slot_count != 30 + v ||
			    w->sw_pid != (int32_t)(40 + v) ||
			    w->sw_started_ms != 50 + v)
				bad++;
			else
				seen[v]++;
		}
		report_snap_fini(&sn);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	ATF_CHECK_MSG(bad == 0, "%d of %d snapshots mixed two workers", bad,
	    i);
	ATF_CHECK_MSG(seen[0] > 0 && seen[1] > 0,
	    "blocks seen whole: %d as the first worker, %d as the second",
	    seen[0], seen[1]);
	shm_destroy(s);
}

ATF_TC_WITHOUT_HEAD(report__json_workers);
ATF_TC_BODY(report__json_workers, tc)
{
	struct shm *s = make_segment();
	char buf[256], *doc;

	populate(s);
	doc = render(s, 0, report_json_workers);
	require_json(doc);
	require_has(doc, "\"workers\": [\n    {\"block\": 0, \"number\": 1, "
	    "\"generation\": 3, \"pid\": 4242, \"state\": \"running\", "
	    "\"uptime_sec\": 0, \"heartbeat_age_ms\": ");
	require_has(doc, "\"slots_active\": 2, \"slots_total\": 4, "
	    "\"slots_usable\": 4, ");
	require_has(doc, "\"slots_active\": 1, \"slots_total\": 4, "
	    "\"slots_usable\": 3, ");
	snprintf(buf, sizeof(buf), "\"errors\": {\"timeout\": %d, \"io\": %d, "
	    "\"protocol\": %d, \"tls\": %d}, \"errors_total\": %d}",
	    100 + TM_CTR_err_timeout, 100 + TM_CTR_err_io,
	    100 + TM_CTR_err_proto, 100 + TM_CTR_err_tls,
	    400 + TM_CTR_err_timeout + TM_CTR_err_io + TM_CTR_err_proto +
	    TM_CTR_err_tls);
	require_has(doc, buf);
	require_lacks(doc, "worker_list");
	free(doc);
	shm_destroy(s);
}

ATF_TC_WITHOUT_HEAD(report__json_listeners_escaped);
ATF_TC_BODY(report__json_listeners_escaped, tc)
{
	struct shm *s = make_segment();
	char *doc;

	populate(s);
	doc = render(s, 0, report_json_listeners);
	require_json(doc);
	require_has(doc, "{\"index\": 0, \"name\": \"web\", \"address\": "
	    "\"0.0.0.0\", \"port\": 8080, \"protocol\": \"http\", \"state\": "
	    "\"active\", \"closed_generation\": null, \"accepted\": 11}");
	require_has(doc, "\"name\": \"" ODD_JSON "\", \"address\": \"::\", "
	    "\"port\": 8443, \"protocol\": \"https\"");
	require_has(doc, "\"name\": \"gone\", \"address\": \"127.0.0.1\", "
	    "\"port\": 9000, \"protocol\": \"http\", \"state\": \"closed\", "
	    "\"closed_generation\": 2, \"accepted\": 1}");
	free(doc);
	shm_destroy(s);
}

ATF_TC_WITHOUT_HEAD(report__json_slots);
ATF_TC_BODY(report__json_slots, tc)
{
	struct shm *s = make_segment();
	struct shm_snap sn;
	char *doc;

	populate(s);
	doc = render(s, REPORT_SLOTS, report_json_slots);
	require_json(doc);
	require_has(doc, "{\"worker\": 1, \"generation\": 3, \"pid\": 4242, "
	    "\"block\": 0, \"slot\": 0, \"state\": \"reading\", "
	    "\"state_letter\": \"R\", \"protocol\": \"http\", \"listener\": "
	    "\"web\", \"peer\": \"192.0.2.1:51000\", \"tls\": false, "
	    "\"proxied\": false, \"age_ms\": 5");
	require_has(doc, "\"state\": \"keepalive\", \"state_letter\": \"K\"");
	require_has(doc, "\"listener\": \"" ODD_JSON "\"");
	require_has(doc, "\"deadline_ms\": null");
	require_has(doc, "\"pid\": 4141, \"block\": 1, \"slot\": 0, "
	    "\"state\": \"writing\"");
	require_has(doc, "\"path\": \"/big\\\"file\"");
	require_has(doc, "\"slots_busy\": 0\n}\n");
	free(doc);

	/* Only the three slots in use are copied; ages and deadlines. */
	ATF_REQUIRE(report_snap_init(&sn, s, REPORT_SLOTS) == 0);
	ATF_REQUIRE_EQ(sn.sn_nslots, 3);
	ATF_CHECK(sn.sn_slots[0].ss_age_ms >= 5000 &&
	    sn.sn_slots[0].ss_age_ms < 65000);
	ATF_CHECK(sn.sn_slots[0].ss_deadline_ms > 0 &&
	    sn.sn_slots[0].ss_deadline_ms <= 9000);
	ATF_CHECK_EQ(sn.sn_slots[1].ss_deadline_ms, -1);
	ATF_CHECK_STREQ(sn.sn_slots[2].ss_target, "/big\"file");
	report_snap_fini(&sn);

	/* Without REPORT_SLOTS nothing is copied. */
	ATF_REQUIRE(report_snap_init(&sn, s, 0) == 0);
	ATF_CHECK_EQ(sn.sn_nslots, 0);
	report_snap_fini(&sn);
	shm_destroy(s);
}

/*
 * A slot claimed by the master and not yet adopted by its worker (FREE
 * in its record) is listed as claimed, with nothing but what is known.
 */
ATF_TC_WITHOUT_HEAD(report__json_slots_in_transit);
ATF_TC_BODY(report__json_slots_in_transit, tc)
{
	struct shm *s = make_segment();
	struct shm_snap sn;
	struct shm_addr peer;
	const struct snap_slot *ss;
	char *doc;
	int idx;

	populate(s);
	/* Block 0 holds slots 0 and 1: the master claims slot 2. */
	ATF_REQUIRE_EQ((idx = slot_claim(s, 0)), 2);
	ATF_REQUIRE(report_snap_init(&sn, s, REPORT_SLOTS) == 0);
	ATF_REQUIRE_EQ(sn.sn_nslots, 4);
	ATF_CHECK_EQ(sn.sn_slots_used, 4);
	ss = &sn.sn_slots[2];
	ATF_CHECK_EQ(ss->ss_block, 0);
	ATF_CHECK_EQ(ss->ss_index, 2);
	ATF_CHECK_EQ(ss->ss_state, TM_SLOT_CLAIMED);
	ATF_CHECK(ss->ss_transit);
	ATF_CHECK(report_snap_listener(&sn, ss->ss_listener) == NULL);
	ATF_CHECK(!sn.sn_slots[0].ss_transit);
	report_snap_fini(&sn);

	doc = render(s, REPORT_SLOTS, report_json_slots);
	require_json(doc);
	require_has(doc, "{\"worker\": 1, \"generation\": 3, \"pid\": 4242, "
	    "\"block\": 0, \"slot\": 2, \"state\": \"claimed\", "
	    "\"state_letter\": \"A\", \"protocol\": null, \"listener\": "
	    "null, \"peer\": null, \"tls\": false, \"proxied\": false, "
	    "\"age_ms\": null, \"idle_ms\": null, \"deadline_ms\": null, "
	    "\"requests\": 0, \"bytes_in\": 0, \"bytes_out\": 0, "
	    "\"status\": 0, \"method\": \"\", \"path\": \"\", "
	    "\"tls_version\": null, \"tls_cipher\": null}");
	free(doc);

	/* Adopted, it is an ordinary row; released, it is gone. */
	memset(&peer, 0, sizeof(peer));
	slot_adopt(shm_slot(s, shm_block(s, 0), (uint32_t)idx), 0, 1, &peer,
	    clock_ms(), clock_ms());
	ATF_REQUIRE(report_snap_init(&sn, s, REPORT_SLOTS) == 0);
	ATF_REQUIRE_EQ(sn.sn_nslots, 4);
	ATF_CHECK(!sn.sn_slots[2].ss_transit);
	ATF_CHECK_EQ(sn.sn_slots[2].ss_state, TM_SLOT_CLAIMED);
	report_snap_fini(&sn);
	slot_release(s, 0, (uint32_t)idx);
	ATF_REQUIRE(report_snap_init(&sn, s, REPORT_SLOTS) == 0);
	ATF_CHECK_EQ(sn.sn_nslots, 3);
	report_snap_fini(&sn);
	shm_destroy(s);
}

ATF_TC_WITHOUT_HEAD(report__prometheus);
ATF_TC_BODY(report__prometheus, tc)
{
	struct shm *s = make_segment();
	char buf[256], *doc, *line, *save, *copy;
	int types = 0, helps = 0;

	populate(s);
	doc = render(s, 0, report_prometheus);
	require_has(doc, "# HELP tamarin_requests_total requests answered\n"
	    "# TYPE tamarin_requests_total counter\n");
	snprintf(buf, sizeof(buf), "tamarin_requests_total{worker=\"1\","
	    "generation=\"3\",pid=\"4242\"} %d\n", 100 + TM_CTR_requests);
	require_has(doc, buf);
	snprintf(buf, sizeof(buf), "tamarin_connections_accepted_total{"
	    "worker=\"2\",generation=\"1\",pid=\"4040\"} %d\n",
	    300 + TM_CTR_accepted);
	require_has(doc, buf);
	snprintf(buf, sizeof(buf), "tamarin_responses_total{worker=\"1\","
	    "generation=\"1\",pid=\"4141\",code=\"4xx\"} %d\n",
	    200 + TM_CTR_resp_4xx);
	require_has(doc, buf);
	snprintf(buf, sizeof(buf), "tamarin_connection_errors_total{"
	    "worker=\"1\",generation=\"3\",pid=\"4242\",kind=\"tls\"} %d\n",
	    100 + TM_CTR_err_tls);
	require_has(doc, buf);
	require_has(doc, "# TYPE tamarin_slots_active gauge\n"
	    "tamarin_slots_active{worker=\"1\",generation=\"3\",pid=\"4242\"} "
	    "2\ntamarin_slots_active{worker=\"1\",generation=\"1\","
	    "pid=\"4141\"} 1\n# HELP");
	require_has(doc, "tamarin_slots_capacity{worker=\"1\",generation=\"3\","
	    "pid=\"4242\"} 4\n");
	require_has(doc, "tamarin_slots_usable{worker=\"1\",generation=\"3\","
	    "pid=\"4242\"} 4\ntamarin_slots_usable{worker=\"1\","
	    "generation=\"1\",pid=\"4141\"} 3\n");
	require_has(doc, "tamarin_listener_accepted_total{listener=\"web\","
	    "protocol=\"http\"} 11\n");
	require_has(doc, "tamarin_listener_accepted_total{listener=\""
	    ODD_PROM "\",protocol=\"https\"} 4\n");
	require_lacks(doc, "listener=\"gone\"");
	require_has(doc, "\ntamarin_workers 2\n");
	require_has(doc, "\ntamarin_generation 3\n");
	require_has(doc, "\ntamarin_reloads_total 2\n");
	require_has(doc, "\ntamarin_uptime_seconds 0\n");
	require_has(doc, "\ntamarin_requests_per_second 12.05\n");

	/* Every family is typed once; every sample is "name{...} value". */
	ATF_REQUIRE((copy = strdup(doc)) != NULL);
	for (line = strtok_r(copy, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "# TYPE ", 7) == 0) {
			types++;
			continue;
		}
		if (strncmp(line, "# HELP ", 7) == 0) {
			helps++;
			continue;
		}
		ATF_REQUIRE_MSG(strncmp(line, "tamarin_", 8) == 0 &&
		    strrchr(line, ' ') != NULL &&
		    strspn(strrchr(line, ' ') + 1, "0123456789.") ==
		    strlen(strrchr(line, ' ') + 1), "bad sample: %s", line);
	}
	ATF_CHECK_EQ(types, helps);
	ATF_CHECK(types >= 14);
	free(copy);
	free(doc);
	shm_destroy(s);
}

/*
 * A reload publishes a new listener before it closes the one it replaces,
 * and renames kept ones one by one (two swapping names): for a moment two
 * active rows may carry one name.  Prometheus refuses a series twice in a
 * scrape; the first row's sample is the one shown.
 */
ATF_TC_WITHOUT_HEAD(report__prometheus_listener_once);
ATF_TC_BODY(report__prometheus_listener_once, tc)
{
	struct shm *s = make_segment();
	const char *p;
	char *doc;
	int n = 0;

	populate(s);
	add_listener(s, 3, "web", "127.0.0.1", 8081, 1, TM_LISTENER_ACTIVE,
	    2);
	/* Another protocol is another series. */
	add_listener(s, 4, "web", "127.0.0.1", 8082, 2, TM_LISTENER_ACTIVE,
	    3);
	doc = render(s, 0, report_prometheus);
	for (p = doc; (p = strstr(p, "{listener=\"web\",protocol=\"http\"}"))
	    != NULL; p++)
		n++;
	ATF_CHECK_EQ_MSG(n, 1, "%d samples of listener web, http:\n%s", n,
	    doc);
	require_has(doc, "tamarin_listener_accepted_total{listener=\"web\","
	    "protocol=\"http\"} 11\n");
	require_has(doc, "tamarin_listener_accepted_total{listener=\"web\","
	    "protocol=\"https\"} 3\n");
	free(doc);
	shm_destroy(s);
}

/*
 * A block whose range lies beyond what this process maps (a worker forked
 * before the pool grew) is shown without its slots, never read.
 */
ATF_TC_WITHOUT_HEAD(report__snap_skips_unmapped);
ATF_TC_BODY(report__snap_skips_unmapped, tc)
{
	struct shm *s = make_segment();
	struct shm_snap sn;

	add_worker(s, 0, TM_WORKER_RUNNING, 3, 4242, 1, 0, 4);
	(void)add_slot(s, 0, TM_SLOT_READING, "/", 0, 0);
	add_worker(s, 1, TM_WORKER_RUNNING, 3, 4243, 2, 14, 4);	/* 15..18 */
	add_worker(s, 2, TM_WORKER_RUNNING, 3, 4244, 3, 1u << 30, 4);
	ATF_REQUIRE(report_snap_init(&sn, s, REPORT_SLOTS) == 0);
	ATF_CHECK_EQ(sn.sn_nworkers, 3);
	ATF_CHECK_EQ(sn.sn_nslots, 1);
	report_snap_fini(&sn);
	shm_destroy(s);
}

/* A read-only attachment gives the same picture as the writer's map. */
ATF_TC_WITHOUT_HEAD(report__attached_readonly);
ATF_TC_BODY(report__attached_readonly, tc)
{
	struct shm *s = make_segment(), *r;
	struct shm_snap sn;
	uint32_t version;
	int why;

	populate(s);
	ATF_REQUIRE((r = shm_attach("seg", &why, &version)) != NULL);
	ATF_REQUIRE(report_snap_init(&sn, r, REPORT_SLOTS) == 0);
	ATF_CHECK_EQ(sn.sn_nslots, 3);
	ATF_CHECK_EQ(sn.sn_nworkers, 3);
	ATF_CHECK_EQ(sn.sn_nlisteners, 3);
	ATF_CHECK_EQ(sn.sn_live, 2);
	ATF_CHECK_EQ(sn.sn_generation, 3);
	report_snap_fini(&sn);
	shm_detach(r);
	shm_destroy(s);
}

ATF_TC_WITHOUT_HEAD(report__names);
ATF_TC_BODY(report__names, tc)
{
	char buf[32];

	ATF_CHECK_STREQ(report_age(buf, sizeof(buf), 0), "0s");
	ATF_CHECK_STREQ(report_age(buf, sizeof(buf), 12999), "12s");
	ATF_CHECK_STREQ(report_age(buf, sizeof(buf), 184000), "3m04s");
	ATF_CHECK_STREQ(report_age(buf, sizeof(buf), 3720000), "1h02m");
	ATF_CHECK_STREQ(report_age(buf, sizeof(buf), 97200000), "1d03h");
	ATF_CHECK_EQ(report_slot_state_parse("reading"), TM_SLOT_READING);
	ATF_CHECK_EQ(report_slot_state_parse("KEEPALIVE"), TM_SLOT_IDLE);
	ATF_CHECK_EQ(report_slot_state_parse("K"), TM_SLOT_IDLE);
	ATF_CHECK_EQ(report_slot_state_parse("."), TM_SLOT_FREE);
	ATF_CHECK_EQ(report_slot_state_parse("bogus"), -1);
	ATF_CHECK_EQ(report_slot_state_parse(""), -1);
	ATF_CHECK_EQ(report_slot_letter(TM_SLOT_WRITING), 'W');
	ATF_CHECK_STREQ(report_slot_state(TM_SLOT__COUNT), "unknown");
	ATF_CHECK_STREQ(report_proto(1, buf, sizeof(buf)), "http");
	ATF_CHECK_STREQ(report_proto(2, buf, sizeof(buf)), "https");
	ATF_CHECK_STREQ(report_proto(200, buf, sizeof(buf)), "proto200");
	report_sanitize(buf, sizeof(buf), "/a\x01" "b\xff\x7f" "c");
	ATF_CHECK_STREQ(buf, "/a?b??c");
	report_sanitize(buf, 4, "abcdef");
	ATF_CHECK_STREQ(buf, "abc");
}

ATF_TC_WITHOUT_HEAD(sbuf__grow);
ATF_TC_BODY(sbuf__grow, tc)
{
	struct sbuf sb;
	int i;

	sbuf_init(&sb);
	ATF_CHECK_STREQ(sbuf_data(&sb), "");
	for (i = 0; i < 10000; i++)
		sbuf_printf(&sb, "%05d,", i);
	ATF_REQUIRE(!sbuf_error(&sb));
	ATF_CHECK_EQ(sbuf_len(&sb), 60000);
	ATF_CHECK(strncmp(sbuf_data(&sb) + 59994, "09999,", 6) == 0);
	ATF_CHECK_EQ(strlen(sbuf_data(&sb)), 60000);
	sbuf_reset(&sb);
	sbuf_puts(&sb, "x");
	sbuf_putc(&sb, 'y');
	sbuf_add(&sb, "z\0w", 1);
	ATF_CHECK_STREQ(sbuf_data(&sb), "xyz");
	sbuf_fini(&sb);
}

/*
 * Pattern k sets every byte after the word to k, except the two bytes
 * slot_read() forces to NUL.
 */
static void
fill_pattern(struct shm_slot *sl, int k)
{
	slot_write_begin(sl);
	memset((char *)sl + sizeof(sl->sl_word), k,
	    sizeof(*sl) - sizeof(sl->sl_word));
	slot_write_end(sl);
}

/* The pattern a copy holds, or -1 for a torn row. */
static int
check_pattern(const struct shm_slot *c)
{
	const unsigned char *p = (const unsigned char *)c;
	size_t i, m = offsetof(struct shm_slot, sl_method) +
	    TM_SLOT_METHOD_LEN - 1;
	size_t t = offsetof(struct shm_slot, sl_target) +
	    TM_SLOT_TARGET_LEN - 1;
	int k = p[sizeof(c->sl_word)];

	if (k < 1 || k > WRITER_PATTERNS)
		return (-1);
	for (i = sizeof(c->sl_word); i < sizeof(*c); i++) {
		/* slot_read() terminates the strings itself. */
		if (i == m || i == t)
			continue;
		if (p[i] != k)
			return (-1);
	}
	return (k);
}

ATF_TC_WITHOUT_HEAD(slot__read_concurrent_writer);
ATF_TC_BODY(slot__read_concurrent_writer, tc)
{
	struct shm *s = make_segment();
	struct shm_slot *sl, copy;
	int seen[WRITER_PATTERNS + 1] = { 0 };
	int i, k, idx, distinct, busy = 0, ok = 0, status;
	uint64_t until;
	pid_t pid;

	add_worker(s, 0, TM_WORKER_RUNNING, 1, 1, 1, 0, 4);
	idx = slot_claim(s, 0);
	ATF_REQUIRE(idx != -1);
	sl = shm_slot(s, shm_block(s, 0), (uint32_t)idx);
	slot_set_state(sl, TM_SLOT_READING);
	fill_pattern(sl, 1);

	ATF_REQUIRE((pid = fork()) != -1);
	if (pid == 0) {
		/* The owner: rewrite the row forever, pattern after pattern. */
		for (k = 0;; k = (k + 1) % WRITER_PATTERNS)
			fill_pattern(sl, k + 1);
	}
	/* 100k reads, and on until the writer was seen at work. */
	until = clock_ms() + 20000;
	for (i = 0; i < 100000 || clock_ms() < until; i++) {
		if (slot_read(sl, &copy) == -1) {
			busy++;
			continue;
		}
		k = check_pattern(&copy);
		if (k == -1) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			atf_tc_fail("torn row after %d reads", i);
		}
		ATF_CHECK_EQ(TM_SW_STATE(atomic_load(&copy.sl_word)),
		    TM_SLOT_READING);
		seen[k]++;
		ok++;
		for (distinct = 0, k = 1; k <= WRITER_PATTERNS; k++)
			distinct += seen[k] > 0;
		if (i >= 100000 && distinct >= 2)
			break;
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	for (distinct = 0, k = 1; k <= WRITER_PATTERNS; k++)
		distinct += seen[k] > 0;
	ATF_CHECK_MSG(distinct >= 2, "the writer never showed a change");
	/* A writer in a tight loop keeps most reads busy (more so under
	   sanitizers); what matters is that no copy is ever torn. */
	ATF_CHECK_MSG(ok > 100, "only %d consistent reads (%d busy)", ok,
	    busy);
	shm_destroy(s);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, report__json_summary);
	ATF_TP_ADD_TC(tp, report__retired_counters);
	ATF_TP_ADD_TC(tp, report__retired_concurrent);
	ATF_TP_ADD_TC(tp, report__listener_reused_concurrent);
	ATF_TP_ADD_TC(tp, report__block_reused_concurrent);
	ATF_TP_ADD_TC(tp, report__json_workers);
	ATF_TP_ADD_TC(tp, report__json_listeners_escaped);
	ATF_TP_ADD_TC(tp, report__json_slots);
	ATF_TP_ADD_TC(tp, report__json_slots_in_transit);
	ATF_TP_ADD_TC(tp, report__prometheus);
	ATF_TP_ADD_TC(tp, report__prometheus_listener_once);
	ATF_TP_ADD_TC(tp, report__snap_skips_unmapped);
	ATF_TP_ADD_TC(tp, report__attached_readonly);
	ATF_TP_ADD_TC(tp, report__names);
	ATF_TP_ADD_TC(tp, sbuf__grow);
	ATF_TP_ADD_TC(tp, slot__read_concurrent_writer);
	return (atf_no_error());
}
