/*
 * Read-only reports on a segment (see report.h for the documents).
 *
 * A snapshot copies what it shows first, so a renderer never reads the
 * segment twice and every view of one snapshot agrees with itself: the
 * summary's totals are the sums of the worker rows printed below them and
 * of the retired counters, read as of one moment.
 * Slot rows are copied with slot_read(), which retries while the owner
 * rewrites them; blocks and listeners are read field by field (their
 * fields are independent atomics, statistics at best a few ms apart).
 */
#include <sys/types.h>

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/clock.h"
#include "lib/sbuf.h"
#include "lib/utf8.h"
#include "proto/proto.h"
#include "shm/report.h"
#include "shm/shm.h"

#define JW_MAXDEPTH	8
/* How long a snapshot waits for the master to finish moving counters. */
#define SNAP_WAIT_MS	100

/* A minimal JSON writer: pretty at the top, one line per inline object. */
struct jw {
	struct sbuf	*jw_sb;
	int		 jw_depth;
	int		 jw_inline;	/* depth that went inline, 0: none */
	unsigned int	 jw_n[JW_MAXDEPTH];	/* members at each depth */
};

/* Where a counter goes in JSON and Prometheus. */
enum ctr_group {
	CG_TOP = 0,
	CG_RESPONSES,
	CG_ERRORS
};

struct ctr_meta {
	enum ctr_group	 cm_group;
	const char	*cm_key;	/* JSON key within its group */
	const char	*cm_metric;	/* Prometheus family */
};

static int	snap_listeners(struct shm_snap *, const struct shm *);
static int	snap_retry(uint32_t, uint32_t, int, uint64_t *);
static int	snap_workers(struct shm_snap *, const struct shm *);
static void	snap_blocks(struct shm_snap *, const struct shm *);
static int	snap_slots(struct shm_snap *, const struct shm *);
static int	snap_derive(struct shm_snap *);
static struct snap_slot *snap_slot_add(struct shm_snap *, size_t *);
static void	snap_slot_fill(struct snap_slot *, const struct snap_worker *,
		    uint32_t, const struct shm_slot *, uint64_t);
static void	snap_slot_transit(struct snap_slot *,
		    const struct snap_worker *, uint32_t);
static void	snap_slot_head(struct snap_slot *,
		    const struct snap_worker *, uint32_t);
static int	u32_cmp(const void *, const void *);
static void	json_str(struct sbuf *, const char *);
static void	jw_begin(struct jw *, struct sbuf *);
static void	jw_end(struct jw *);
static void	jw_item(struct jw *, const char *);
static void	jw_open(struct jw *, const char *, int, int);
static void	jw_close(struct jw *, int);
static void	jw_u64(struct jw *, const char *, uint64_t);
static void	jw_i64(struct jw *, const char *, int64_t);
static void	jw_str(struct jw *, const char *, const char *);
static void	jw_bool(struct jw *, const char *, int);
static void	jw_null(struct jw *, const char *);
static void	jw_rate(struct jw *, const char *, uint64_t);
static void	jw_counters(struct jw *, const uint64_t *);
static void	jw_worker(struct jw *, const struct shm_snap *,
		    const struct snap_worker *);
static void	jw_workers(struct jw *, const struct shm_snap *,
		    const char *);
static void	prom_escape(struct sbuf *, const char *);
static void	prom_family(struct sbuf *, const char *, const char *,
		    const char *);
static int	prom_listener_seen(const struct shm_snap *, size_t);
static void	prom_worker_labels(struct sbuf *,
		    const struct snap_worker *);
static uint64_t	worker_errors(const struct snap_worker *);

static const struct {
	int		 st_letter;
	const char	*st_name;
} slot_states[TM_SLOT__COUNT] = {
#define X(id, letter, name) [TM_SLOT_##id] = { letter, name },
	TM_SLOT_STATES(X)
#undef X
};

static const char *const worker_states[TM_WORKER__COUNT] = {
#define X(id, name) [TM_WORKER_##id] = name,
	TM_WORKER_STATES(X)
#undef X
};

static const char *const ctr_names[TM_CTR__COUNT] = {
#define X(name, descr) [TM_CTR_##name] = #name,
	TM_WORKER_COUNTERS(X)
#undef X
};

static const char *const ctr_descr[TM_CTR__COUNT] = {
#define X(name, descr) [TM_CTR_##name] = descr,
	TM_WORKER_COUNTERS(X)
#undef X
};

/*
 * JSON keys and metric names of the counters we know.  A counter added to
 * the layout and not named here still shows up, under its table name at
 * the top level and as tamarin_<name>_total.
 */
static const struct ctr_meta ctr_meta[TM_CTR__COUNT] = {
	[TM_CTR_accepted] = { CG_TOP, "accepted",
	    "tamarin_connections_accepted_total" },
	[TM_CTR_closed] = { CG_TOP, "closed",
	    "tamarin_connections_closed_total" },
	[TM_CTR_requests] = { CG_TOP, "requests", "tamarin_requests_total" },
	[TM_CTR_bytes_in] = { CG_TOP, "bytes_in",
	    "tamarin_received_bytes_total" },
	[TM_CTR_bytes_out] = { CG_TOP, "bytes_out",
	    "tamarin_sent_bytes_total" },
	[TM_CTR_resp_1xx] = { CG_RESPONSES, "1xx", NULL },
	[TM_CTR_resp_2xx] = { CG_RESPONSES, "2xx", NULL },
	[TM_CTR_resp_3xx] = { CG_RESPONSES, "3xx", NULL },
	[TM_CTR_resp_4xx] = { CG_RESPONSES, "4xx", NULL },
	[TM_CTR_resp_5xx] = { CG_RESPONSES, "5xx", NULL },
	[TM_CTR_err_timeout] = { CG_ERRORS, "timeout", NULL },
	[TM_CTR_err_io] = { CG_ERRORS, "io", NULL },
	[TM_CTR_err_proto] = { CG_ERRORS, "protocol", NULL },
	[TM_CTR_err_tls] = { CG_ERRORS, "tls", NULL },
	[TM_CTR_tls_handshakes] = { CG_TOP, "tls_handshakes",
	    "tamarin_tls_handshakes_total" },
	[TM_CTR_tls_resumed] = { CG_TOP, "tls_resumed",
	    "tamarin_tls_resumed_total" },
	[TM_CTR_reclaimed] = { CG_TOP, "reclaimed",
	    "tamarin_connections_reclaimed_total" },
};

/*
 * Protocol IDs are stored in the segment (li_proto, sl_proto); their names
 * live with the protocol table, which tamarinctl must not link.
 */
static const char *const proto_names[TM_PROTO_MAX] = {
	[TM_PROTO_HTTP] = "http",
	[TM_PROTO_HTTPS] = "https",
};

/* ---- snapshot --------------------------------------------------------- */

int
report_snap_init(struct shm_snap *sn, const struct shm *s, int flags)
{
	const struct shm_header *h = shm_header(s);

	memset(sn, 0, sizeof(*sn));
	sn->sn_now_ms = clock_ms();
	sn->sn_now_wall = (uint64_t)clock_wall();
	sn->sn_master_pid = atomic_load_explicit(&h->sh_master_pid,
	    memory_order_relaxed);
	sn->sn_start_wall = h->sh_start_wall;
	sn->sn_start_ms = h->sh_start_ms;
	sn->sn_generation = atomic_load_explicit(&h->sh_generation,
	    memory_order_relaxed);
	sn->sn_state = atomic_load_explicit(&h->sh_state,
	    memory_order_relaxed);
	sn->sn_workers_cfg = atomic_load_explicit(&h->sh_workers,
	    memory_order_relaxed);
	sn->sn_slots_per_worker = atomic_load_explicit(
	    &h->sh_slots_per_worker, memory_order_relaxed);
	sn->sn_reloads = atomic_load_explicit(&h->sh_reloads,
	    memory_order_relaxed);
	sn->sn_rate_x100 = atomic_load_explicit(&h->sh_rate_requests_x100,
	    memory_order_relaxed);
	/* Written once by the master; a reader never trusts its NUL. */
	memcpy(sn->sn_config, h->sh_config, sizeof(sn->sn_config));
	sn->sn_config[sizeof(sn->sn_config) - 1] = '\0';

	if (snap_listeners(sn, s) == -1 || snap_workers(sn, s) == -1 ||
	    ((flags & REPORT_SLOTS) && snap_slots(sn, s) == -1) ||
	    snap_derive(sn) == -1) {
		report_snap_fini(sn);
		errno = ENOMEM;
		return (-1);
	}
	return (0);
}

void
report_snap_fini(struct shm_snap *sn)
{
	free(sn->sn_listeners);
	free(sn->sn_workers);
	free(sn->sn_slots);
	free(sn->sn_gens);
	memset(sn, 0, sizeof(*sn));
}

/*
 * A row or block copied while the master rewrote it (seq odd before, or
 * moved, or changed says so): 1 to copy it again after a yield; 0 to keep
 * the copy, whole, or after SNAP_WAIT_MS of tries rather than wait on a
 * master stopped in the middle (*until: 0 before the first retry).
 */
static int
snap_retry(uint32_t before, uint32_t after, int changed, uint64_t *until)
{
	if (!(before & 1) && after == before && !changed)
		return (0);
	if (*until == 0)
		*until = clock_ms() + SNAP_WAIT_MS;
	else if (clock_ms() >= *until)
		return (0);
	(void)sched_yield();
	return (1);
}

static int
snap_listeners(struct shm_snap *sn, const struct shm *s)
{
	const struct shm_listener *li;
	struct snap_listener *ln;
	unsigned int i;
	uint64_t until;
	uint32_t st, seq;

	sn->sn_listeners = calloc(TM_MAX_LISTENERS, sizeof(*ln));
	if (sn->sn_listeners == NULL)
		return (-1);
	for (i = 0; i < TM_MAX_LISTENERS; i++) {
		li = shm_listener(s, i);
		until = 0;
	again:
		/* acquire: the row's fields were written before these. */
		seq = atomic_load_explicit(&li->li_seq, memory_order_acquire);
		st = atomic_load_explicit(&li->li_state, memory_order_acquire);
		if (st == TM_LISTENER_UNUSED)
			continue;
		ln = &sn->sn_listeners[sn->sn_nlisteners];
		ln->ln_index = i;
		ln->ln_state = st;
		ln->ln_proto = li->li_proto;
		ln->ln_family = li->li_family;
		ln->ln_port = li->li_port;
		ln->ln_closed_gen = atomic_load_explicit(&li->li_closed_gen,
		    memory_order_relaxed);
		ln->ln_accepted = atomic_load_explicit(&li->li_accepted,
		    memory_order_relaxed);
		memcpy(ln->ln_name, li->li_name, sizeof(ln->ln_name));
		ln->ln_name[sizeof(ln->ln_name) - 1] = '\0';
		memcpy(ln->ln_addr, li->li_addr, sizeof(ln->ln_addr));
		ln->ln_addr[sizeof(ln->ln_addr) - 1] = '\0';
		/*
		 * A row rewritten meanwhile (a reload) or closed: what was
		 * copied may be torn, or stale.
		 */
		atomic_thread_fence(memory_order_acquire);
		if (snap_retry(seq, atomic_load_explicit(&li->li_seq,
		    memory_order_relaxed), st != atomic_load_explicit(
		    &li->li_state, memory_order_relaxed), &until))
			goto again;
		sn->sn_nlisteners++;
	}
	return (0);
}

static int
snap_workers(struct shm_snap *sn, const struct shm *s)
{
	const struct shm_header *h = shm_header(s);
	uint64_t until = 0;
	unsigned int k;
	uint32_t seq;

	sn->sn_workers = calloc(TM_MAX_BLOCKS, sizeof(*sn->sn_workers));
	if (sn->sn_workers == NULL)
		return (-1);
	/*
	 * The blocks and the retired counters as of one moment: a move
	 * between them (shm_block_retire) would count its numbers twice
	 * or not at all.  A move takes microseconds unless the master is
	 * preempted in it: yield to it, and past SNAP_WAIT_MS take the
	 * last copy rather than wait on a master that died there.
	 */
	for (;;) {
		seq = atomic_load_explicit(&h->sh_retire_seq,
		    memory_order_acquire);
		snap_blocks(sn, s);
		for (k = 0; k < TM_CTR__COUNT; k++)
			sn->sn_retired[k] = atomic_load_explicit(
			    &h->sh_retired[k], memory_order_relaxed);
		atomic_thread_fence(memory_order_acquire);
		if (!(seq & 1) && atomic_load_explicit(&h->sh_retire_seq,
		    memory_order_relaxed) == seq)
			break;
		if (until == 0)
			until = clock_ms() + SNAP_WAIT_MS;
		else if (clock_ms() >= until)
			break;
		(void)sched_yield();
	}
	return (0);
}

static void
snap_blocks(struct shm_snap *sn, const struct shm *s)
{
	const struct shm_block *b;
	struct snap_worker *w;
	unsigned int i, k;
	uint64_t until;
	uint32_t st, seq;

	sn->sn_nworkers = 0;
	for (i = 0; i < TM_MAX_BLOCKS; i++) {
		b = shm_block(s, i);
		until = 0;
	again:
		/* acquire: pid, range and generation precede these. */
		seq = atomic_load_explicit(&b->wb_seq, memory_order_acquire);
		st = atomic_load_explicit(&b->wb_state, memory_order_acquire);
		if (st == TM_WORKER_UNUSED)
			continue;
		w = &sn->sn_workers[sn->sn_nworkers];
		w->sw_block = i;
		w->sw_state = st;
		w->sw_pid = atomic_load_explicit(&b->wb_pid,
		    memory_order_relaxed);
		w->sw_generation = atomic_load_explicit(&b->wb_generation,
		    memory_order_relaxed);
		w->sw_number = atomic_load_explicit(&b->wb_number,
		    memory_order_relaxed);
		w->sw_slot_count = atomic_load_explicit(&b->wb_slot_count,
		    memory_order_relaxed);
		w->sw_slot_first = atomic_load_explicit(&b->wb_slot_first,
		    memory_order_relaxed);
		w->sw_bits_first = atomic_load_explicit(&b->wb_bits_first,
		    memory_order_relaxed);
		w->sw_slot_usable = atomic_load_explicit(&b->wb_conn_max,
		    memory_order_relaxed);
		if (w->sw_slot_usable == 0 ||
		    w->sw_slot_usable > w->sw_slot_count)
			w->sw_slot_usable = w->sw_slot_count;
		w->sw_active = atomic_load_explicit(&b->wb_active,
		    memory_order_relaxed);
		w->sw_started_ms = atomic_load_explicit(&b->wb_started_ms,
		    memory_order_relaxed);
		w->sw_heartbeat_ms = atomic_load_explicit(&b->wb_heartbeat_ms,
		    memory_order_relaxed);
		for (k = 0; k < TM_CTR__COUNT; k++)
			w->sw_counters[k] = atomic_load_explicit(
			    &b->wb_counters[k], memory_order_relaxed);
		/* The master rewrote it for a new worker meanwhile. */
		atomic_thread_fence(memory_order_acquire);
		if (snap_retry(seq, atomic_load_explicit(&b->wb_seq,
		    memory_order_relaxed), 0, &until))
			goto again;
		sn->sn_nworkers++;
	}
}

/* Room for one more row (*cap of them allocated), or NULL. */
static struct snap_slot *
snap_slot_add(struct shm_snap *sn, size_t *cap)
{
	struct snap_slot *v;
	size_t ncap;

	if (sn->sn_nslots == *cap) {
		ncap = *cap == 0 ? 64 : *cap * 2;
		if ((v = reallocarray(sn->sn_slots, ncap, sizeof(*v))) == NULL)
			return (NULL);
		sn->sn_slots = v;
		*cap = ncap;
	}
	return (&sn->sn_slots[sn->sn_nslots++]);
}

static int
snap_slots(struct shm_snap *sn, const struct shm *s)
{
	const struct shm_header *h = shm_header(s);
	const struct shm_slot *pool, *sl;
	const _Atomic uint64_t *bits;
	const struct snap_worker *w;
	struct shm_slot copy;
	struct snap_slot *v;
	size_t i, cap = 0;
	uint64_t mapped, word = 0;
	uint32_t first, bfirst, n, k;

	/*
	 * Only what this process maps: a worker forked before the pool grew
	 * does not see the newer blocks' ranges, and must not try.
	 */
	if (s->sm_size <= h->sh_off_slots)
		return (0);
	mapped = (s->sm_size - h->sh_off_slots) / sizeof(struct shm_slot);
	pool = (const struct shm_slot *)(const void *)(s->sm_base +
	    h->sh_off_slots);
	for (i = 0; i < sn->sn_nworkers; i++) {
		w = &sn->sn_workers[i];
		/*
		 * The ranges as copied with the worker's identity, not read
		 * again: a block rewritten since is a later snapshot's.
		 */
		first = w->sw_slot_first;
		n = w->sw_slot_count;
		bfirst = w->sw_bits_first;
		if ((uint64_t)first + n > mapped ||
		    (uint64_t)bfirst + TM_BITS_ROWS(n) > mapped)
			continue;
		bits = (const _Atomic uint64_t *)(const void *)&pool[bfirst];
		for (k = 0; k < n; k++) {
			/*
			 * The claims first: a slot claimed and FREE in its
			 * record is on its way to the worker (or was freed
			 * a moment ago, its bit not yet cleared).
			 */
			if (k % 64 == 0)
				word = atomic_load_explicit(&bits[k / 64],
				    memory_order_acquire);
			sl = &pool[(size_t)first + k];
			/* relaxed peek: most rows are FREE; skip them */
			if (TM_SW_STATE(atomic_load_explicit(&sl->sl_word,
			    memory_order_relaxed)) == TM_SLOT_FREE) {
				if (!((word >> (k % 64)) & 1))
					continue;
				if ((v = snap_slot_add(sn, &cap)) == NULL)
					return (-1);
				snap_slot_transit(v, w, k);
				continue;
			}
			if (slot_read(sl, &copy) == -1) {
				sn->sn_slots_busy++;
				continue;
			}
			if (TM_SW_STATE(atomic_load_explicit(&copy.sl_word,
			    memory_order_relaxed)) == TM_SLOT_FREE)
				continue;
			if ((v = snap_slot_add(sn, &cap)) == NULL)
				return (-1);
			snap_slot_fill(v, w, k, &copy, sn->sn_now_ms);
		}
	}
	return (0);
}

/* A row's identity: which worker's slot, whatever it holds. */
static void
snap_slot_head(struct snap_slot *ss, const struct snap_worker *w,
    uint32_t idx)
{
	memset(ss, 0, sizeof(*ss));
	ss->ss_block = w->sw_block;
	ss->ss_number = w->sw_number;
	ss->ss_generation = w->sw_generation;
	ss->ss_pid = w->sw_pid;
	ss->ss_index = idx;
}

static void
snap_slot_transit(struct snap_slot *ss, const struct snap_worker *w,
    uint32_t idx)
{
	snap_slot_head(ss, w, idx);
	ss->ss_state = TM_SLOT_CLAIMED;
	ss->ss_transit = 1;
	/* No listener has this index: none is named. */
	ss->ss_listener = UINT16_MAX;
	ss->ss_deadline_ms = -1;
	(void)snprintf(ss->ss_peer, sizeof(ss->ss_peer), "-");
}

static void
snap_slot_fill(struct snap_slot *ss, const struct snap_worker *w,
    uint32_t idx, const struct shm_slot *c, uint64_t now)
{
	uint64_t active;

	snap_slot_head(ss, w, idx);
	ss->ss_state = TM_SW_STATE(atomic_load_explicit(&c->sl_word,
	    memory_order_relaxed));
	ss->ss_listener = c->sl_listener;
	ss->ss_proto = c->sl_proto;
	ss->ss_flags = c->sl_flags;
	/* A row just claimed has no times yet: show 0, not the epoch. */
	ss->ss_age_ms = c->sl_accept_ms != 0 && now > c->sl_accept_ms ?
	    now - c->sl_accept_ms : 0;
	active = c->sl_active_ms != 0 ? c->sl_active_ms : c->sl_accept_ms;
	ss->ss_idle_ms = active != 0 && now > active ? now - active : 0;
	if (c->sl_deadline_ms == 0)
		ss->ss_deadline_ms = -1;
	else
		ss->ss_deadline_ms = c->sl_deadline_ms > now ?
		    (int64_t)(c->sl_deadline_ms - now) : 0;
	ss->ss_bytes_in = c->sl_bytes_in;
	ss->ss_bytes_out = c->sl_bytes_out;
	ss->ss_requests = c->sl_requests;
	ss->ss_status = c->sl_status;
	(void)shm_addr_format(&c->sl_peer, ss->ss_peer, sizeof(ss->ss_peer));
	/* slot_read() terminated both; copy within the shorter size. */
	memcpy(ss->ss_method, c->sl_method, sizeof(ss->ss_method));
	ss->ss_method[sizeof(ss->ss_method) - 1] = '\0';
	memcpy(ss->ss_target, c->sl_target, sizeof(ss->ss_target));
	ss->ss_target[sizeof(ss->ss_target) - 1] = '\0';
	ss->ss_tls_version = c->sl_tls_version;
	if (c->sl_tls_version != 0)
		shm_tls_cipher(c->sl_tls_cipher, ss->ss_tls_cipher,
		    sizeof(ss->ss_tls_cipher));
	else
		ss->ss_tls_cipher[0] = '\0';
}

static int
u32_cmp(const void *a, const void *b)
{
	const uint32_t *x = a, *y = b;

	return (*x < *y ? -1 : *x > *y);
}

static int
snap_derive(struct shm_snap *sn)
{
	const struct snap_worker *w;
	uint32_t *g;
	size_t i, k, n = 0;

	for (i = 0; i < sn->sn_nlisteners; i++)
		if (sn->sn_listeners[i].ln_state == TM_LISTENER_ACTIVE)
			sn->sn_active_listeners++;
	if ((g = calloc(sn->sn_nworkers + 1, sizeof(*g))) == NULL)
		return (-1);
	memcpy(sn->sn_totals, sn->sn_retired, sizeof(sn->sn_totals));
	for (i = 0; i < sn->sn_nworkers; i++) {
		w = &sn->sn_workers[i];
		for (k = 0; k < TM_CTR__COUNT; k++)
			sn->sn_totals[k] += w->sw_counters[k];
		if (!report_worker_live(w))
			continue;
		sn->sn_live++;
		sn->sn_slots_used += w->sw_active;
		sn->sn_slots_total += w->sw_slot_count;
		sn->sn_slots_usable += w->sw_slot_usable;
		g[n++] = w->sw_generation;
	}
	qsort(g, n, sizeof(*g), u32_cmp);
	for (i = 0, k = 0; i < n; i++)
		if (k == 0 || g[k - 1] != g[i])
			g[k++] = g[i];
	sn->sn_gens = g;
	sn->sn_ngens = k;
	return (0);
}

const struct snap_listener *
report_snap_listener(const struct shm_snap *sn, unsigned int idx)
{
	size_t i;

	for (i = 0; i < sn->sn_nlisteners; i++)
		if (sn->sn_listeners[i].ln_index == idx)
			return (&sn->sn_listeners[i]);
	return (NULL);
}

int
report_worker_live(const struct snap_worker *w)
{
	return (w->sw_state == TM_WORKER_STARTING ||
	    w->sw_state == TM_WORKER_RUNNING ||
	    w->sw_state == TM_WORKER_DRAINING);
}

static uint64_t
worker_errors(const struct snap_worker *w)
{
	uint64_t n = 0;
	unsigned int k;

	for (k = 0; k < TM_CTR__COUNT; k++)
		if (ctr_meta[k].cm_key != NULL &&
		    ctr_meta[k].cm_group == CG_ERRORS)
			n += w->sw_counters[k];
	return (n);
}

/* ---- names ------------------------------------------------------------ */

const char *
report_slot_state(unsigned int st)
{
	return (st < TM_SLOT__COUNT ? slot_states[st].st_name : "unknown");
}

int
report_slot_letter(unsigned int st)
{
	return (st < TM_SLOT__COUNT ? slot_states[st].st_letter : '?');
}

int
report_slot_state_parse(const char *s)
{
	unsigned int i;

	for (i = 0; i < TM_SLOT__COUNT; i++) {
		if (strcasecmp(s, slot_states[i].st_name) == 0)
			return ((int)i);
		/* Letters are case-sensitive: 'K' and 'k' could differ. */
		if (s[0] == slot_states[i].st_letter && s[1] == '\0')
			return ((int)i);
	}
	return (-1);
}

const char *
report_worker_state(unsigned int st)
{
	return (st < TM_WORKER__COUNT ? worker_states[st] : "unknown");
}

const char *
report_master_state(unsigned int st)
{
	switch (st) {
	case TM_MASTER_STARTING:
		return ("starting");
	case TM_MASTER_RUNNING:
		return ("running");
	case TM_MASTER_RELOADING:
		return ("reloading");
	case TM_MASTER_STOPPING:
		return ("stopping");
	default:
		return ("unknown");
	}
}

const char *
report_listener_state(unsigned int st)
{
	switch (st) {
	case TM_LISTENER_UNUSED:
		return ("unused");
	case TM_LISTENER_ACTIVE:
		return ("active");
	case TM_LISTENER_CLOSED:
		return ("closed");
	default:
		return ("unknown");
	}
}

const char *
report_proto(unsigned int id, char *buf, size_t sz)
{
	if (id < TM_PROTO_MAX && proto_names[id] != NULL)
		return (proto_names[id]);
	(void)snprintf(buf, sz, "proto%u", id);
	return (buf);
}

char *
report_age(char *buf, size_t sz, uint64_t ms)
{
	uint64_t s = ms / 1000;

	if (s < 60)
		(void)snprintf(buf, sz, "%llus", (unsigned long long)s);
	else if (s < 3600)
		(void)snprintf(buf, sz, "%llum%02llus",
		    (unsigned long long)(s / 60),
		    (unsigned long long)(s % 60));
	else if (s < 86400)
		(void)snprintf(buf, sz, "%lluh%02llum",
		    (unsigned long long)(s / 3600),
		    (unsigned long long)(s % 3600 / 60));
	else
		(void)snprintf(buf, sz, "%llud%02lluh",
		    (unsigned long long)(s / 86400),
		    (unsigned long long)(s % 86400 / 3600));
	return (buf);
}

void
report_sanitize(char *dst, size_t sz, const char *src)
{
	size_t i;

	if (sz == 0)
		return;
	for (i = 0; i + 1 < sz && src[i] != '\0'; i++)
		dst[i] = (unsigned char)src[i] >= 0x20 &&
		    (unsigned char)src[i] < 0x7f ? src[i] : '?';
	dst[i] = '\0';
}

/* ---- JSON ------------------------------------------------------------- */

static void
json_str(struct sbuf *sb, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	sbuf_putc(sb, '"');
	while (*p != '\0') {
		switch (*p) {
		case '"':
			sbuf_puts(sb, "\\\"");
			break;
		case '\\':
			sbuf_puts(sb, "\\\\");
			break;
		case '\n':
			sbuf_puts(sb, "\\n");
			break;
		case '\r':
			sbuf_puts(sb, "\\r");
			break;
		case '\t':
			sbuf_puts(sb, "\\t");
			break;
		default:
			if (*p < 0x20 || *p == 0x7f) {
				sbuf_printf(sb, "\\u%04x", *p);
				break;
			}
			if ((n = utf8_seq(p, strnlen((const char *)p, 4), NULL)) == 0) {
				/* Not UTF-8: keep the document valid. */
				sbuf_puts(sb, "\\ufffd");
				break;
			}
			sbuf_add(sb, p, n);
			p += n;
			continue;
		}
		p++;
	}
	sbuf_putc(sb, '"');
}

static void
jw_begin(struct jw *j, struct sbuf *sb)
{
	memset(j, 0, sizeof(*j));
	j->jw_sb = sb;
	sbuf_putc(sb, '{');
	j->jw_depth = 1;
	jw_u64(j, "version", 1);
}

static void
jw_end(struct jw *j)
{
	jw_close(j, '}');
	sbuf_putc(j->jw_sb, '\n');
}

/* Separator, indentation and key of the next member. */
static void
jw_item(struct jw *j, const char *key)
{
	unsigned int n = j->jw_n[j->jw_depth]++;
	int i;

	if (n > 0)
		sbuf_putc(j->jw_sb, ',');
	if (j->jw_inline != 0) {
		if (n > 0)
			sbuf_putc(j->jw_sb, ' ');
	} else {
		sbuf_putc(j->jw_sb, '\n');
		for (i = 0; i < j->jw_depth; i++)
			sbuf_puts(j->jw_sb, "  ");
	}
	if (key != NULL) {
		json_str(j->jw_sb, key);
		sbuf_puts(j->jw_sb, ": ");
	}
}

static void
jw_open(struct jw *j, const char *key, int c, int inl)
{
	jw_item(j, key);
	sbuf_putc(j->jw_sb, c);
	if (j->jw_depth + 1 >= JW_MAXDEPTH) {
		/* Our documents are shallow; a bug, not input, gets here. */
		j->jw_sb->sb_error = 1;
		return;
	}
	j->jw_depth++;
	j->jw_n[j->jw_depth] = 0;
	if (inl && j->jw_inline == 0)
		j->jw_inline = j->jw_depth;
}

static void
jw_close(struct jw *j, int c)
{
	int i;

	if (j->jw_inline == 0 && j->jw_n[j->jw_depth] > 0) {
		sbuf_putc(j->jw_sb, '\n');
		for (i = 0; i < j->jw_depth - 1; i++)
			sbuf_puts(j->jw_sb, "  ");
	}
	sbuf_putc(j->jw_sb, c);
	if (j->jw_inline == j->jw_depth)
		j->jw_inline = 0;
	if (j->jw_depth > 0)
		j->jw_depth--;
}

static void
jw_u64(struct jw *j, const char *key, uint64_t v)
{
	jw_item(j, key);
	sbuf_printf(j->jw_sb, "%llu", (unsigned long long)v);
}

static void
jw_i64(struct jw *j, const char *key, int64_t v)
{
	jw_item(j, key);
	sbuf_printf(j->jw_sb, "%lld", (long long)v);
}

static void
jw_str(struct jw *j, const char *key, const char *v)
{
	jw_item(j, key);
	json_str(j->jw_sb, v);
}

static void
jw_bool(struct jw *j, const char *key, int v)
{
	jw_item(j, key);
	sbuf_puts(j->jw_sb, v ? "true" : "false");
}

static void
jw_null(struct jw *j, const char *key)
{
	jw_item(j, key);
	sbuf_puts(j->jw_sb, "null");
}

/* Hundredths as a decimal without going through a double. */
static void
jw_rate(struct jw *j, const char *key, uint64_t x100)
{
	jw_item(j, key);
	sbuf_printf(j->jw_sb, "%llu.%02llu", (unsigned long long)(x100 / 100),
	    (unsigned long long)(x100 % 100));
}

/* The counters as the schema groups them (totals and each worker). */
static void
jw_counters(struct jw *j, const uint64_t *c)
{
	unsigned int k;

	for (k = 0; k < TM_CTR__COUNT; k++) {
		if (ctr_meta[k].cm_key == NULL)
			jw_u64(j, ctr_names[k], c[k]);
		else if (ctr_meta[k].cm_group == CG_TOP)
			jw_u64(j, ctr_meta[k].cm_key, c[k]);
	}
	jw_open(j, "responses", '{', 1);
	for (k = 0; k < TM_CTR__COUNT; k++)
		if (ctr_meta[k].cm_key != NULL &&
		    ctr_meta[k].cm_group == CG_RESPONSES)
			jw_u64(j, ctr_meta[k].cm_key, c[k]);
	jw_close(j, '}');
	jw_open(j, "errors", '{', 1);
	for (k = 0; k < TM_CTR__COUNT; k++)
		if (ctr_meta[k].cm_key != NULL &&
		    ctr_meta[k].cm_group == CG_ERRORS)
			jw_u64(j, ctr_meta[k].cm_key, c[k]);
	jw_close(j, '}');
}

static void
jw_worker(struct jw *j, const struct shm_snap *sn,
    const struct snap_worker *w)
{
	uint64_t now = sn->sn_now_ms;

	jw_open(j, NULL, '{', 1);
	jw_u64(j, "block", w->sw_block);
	jw_u64(j, "number", w->sw_number);
	jw_u64(j, "generation", w->sw_generation);
	jw_i64(j, "pid", w->sw_pid);
	jw_str(j, "state", report_worker_state(w->sw_state));
	jw_u64(j, "uptime_sec", w->sw_started_ms != 0 &&
	    now > w->sw_started_ms ? (now - w->sw_started_ms) / 1000 : 0);
	if (w->sw_heartbeat_ms != 0)
		jw_u64(j, "heartbeat_age_ms", now > w->sw_heartbeat_ms ?
		    now - w->sw_heartbeat_ms : 0);
	else
		jw_null(j, "heartbeat_age_ms");
	jw_u64(j, "slots_active", w->sw_active);
	jw_u64(j, "slots_total", w->sw_slot_count);
	jw_u64(j, "slots_usable", w->sw_slot_usable);
	jw_counters(j, w->sw_counters);
	jw_u64(j, "errors_total", worker_errors(w));
	jw_close(j, '}');
}

static void
jw_workers(struct jw *j, const struct shm_snap *sn, const char *key)
{
	size_t i;

	jw_open(j, key, '[', 0);
	for (i = 0; i < sn->sn_nworkers; i++)
		jw_worker(j, sn, &sn->sn_workers[i]);
	jw_close(j, ']');
}

void
report_json_summary(struct sbuf *sb, const struct shm_snap *sn)
{
	struct jw j;
	size_t i;

	jw_begin(&j, sb);
	jw_i64(&j, "master_pid", sn->sn_master_pid);
	jw_u64(&j, "start_time", sn->sn_start_wall);
	jw_u64(&j, "uptime_sec", sn->sn_now_ms > sn->sn_start_ms ?
	    (sn->sn_now_ms - sn->sn_start_ms) / 1000 : 0);
	jw_u64(&j, "generation", sn->sn_generation);
	jw_open(&j, "generations", '[', 1);
	for (i = 0; i < sn->sn_ngens; i++)
		jw_u64(&j, NULL, sn->sn_gens[i]);
	jw_close(&j, ']');
	jw_str(&j, "state", report_master_state(sn->sn_state));
	jw_str(&j, "config", sn->sn_config);
	jw_u64(&j, "reloads", sn->sn_reloads);
	jw_u64(&j, "listeners", sn->sn_active_listeners);
	jw_u64(&j, "workers", sn->sn_live);
	jw_u64(&j, "workers_per_generation", sn->sn_workers_cfg);
	jw_u64(&j, "slots_per_worker", sn->sn_slots_per_worker);
	jw_u64(&j, "slots_used", sn->sn_slots_used);
	jw_u64(&j, "slots_total", sn->sn_slots_total);
	jw_u64(&j, "slots_usable", sn->sn_slots_usable);
	jw_open(&j, "totals", '{', 0);
	jw_counters(&j, sn->sn_totals);
	jw_close(&j, '}');
	jw_open(&j, "retired", '{', 0);
	jw_counters(&j, sn->sn_retired);
	jw_close(&j, '}');
	jw_rate(&j, "requests_per_sec", sn->sn_rate_x100);
	jw_workers(&j, sn, "worker_list");
	jw_end(&j);
}

void
report_json_workers(struct sbuf *sb, const struct shm_snap *sn)
{
	struct jw j;

	jw_begin(&j, sb);
	jw_workers(&j, sn, "workers");
	jw_end(&j);
}

void
report_json_listeners(struct sbuf *sb, const struct shm_snap *sn)
{
	const struct snap_listener *ln;
	char pbuf[16];
	struct jw j;
	size_t i;

	jw_begin(&j, sb);
	jw_open(&j, "listeners", '[', 0);
	for (i = 0; i < sn->sn_nlisteners; i++) {
		ln = &sn->sn_listeners[i];
		jw_open(&j, NULL, '{', 1);
		jw_u64(&j, "index", ln->ln_index);
		jw_str(&j, "name", ln->ln_name);
		jw_str(&j, "address", ln->ln_addr);
		jw_u64(&j, "port", ln->ln_port);
		jw_str(&j, "protocol", report_proto(ln->ln_proto, pbuf,
		    sizeof(pbuf)));
		jw_str(&j, "state", report_listener_state(ln->ln_state));
		if (ln->ln_state == TM_LISTENER_CLOSED)
			jw_u64(&j, "closed_generation", ln->ln_closed_gen);
		else
			jw_null(&j, "closed_generation");
		jw_u64(&j, "accepted", ln->ln_accepted);
		jw_close(&j, '}');
	}
	jw_close(&j, ']');
	jw_end(&j);
}

void
report_json_slots(struct sbuf *sb, const struct shm_snap *sn)
{
	const struct snap_listener *ln;
	const struct snap_slot *ss;
	char pbuf[16], st[2];
	struct jw j;
	size_t i;

	jw_begin(&j, sb);
	jw_open(&j, "slots", '[', 0);
	for (i = 0; i < sn->sn_nslots; i++) {
		ss = &sn->sn_slots[i];
		ln = report_snap_listener(sn, ss->ss_listener);
		jw_open(&j, NULL, '{', 1);
		jw_u64(&j, "worker", ss->ss_number);
		jw_u64(&j, "generation", ss->ss_generation);
		jw_i64(&j, "pid", ss->ss_pid);
		jw_u64(&j, "block", ss->ss_block);
		jw_u64(&j, "slot", ss->ss_index);
		jw_str(&j, "state", report_slot_state(ss->ss_state));
		st[0] = (char)report_slot_letter(ss->ss_state);
		st[1] = '\0';
		jw_str(&j, "state_letter", st);
		/* In transit: nothing but the claim is known yet. */
		if (ss->ss_transit)
			jw_null(&j, "protocol");
		else
			jw_str(&j, "protocol", report_proto(ss->ss_proto,
			    pbuf, sizeof(pbuf)));
		if (ln != NULL)
			jw_str(&j, "listener", ln->ln_name);
		else
			jw_null(&j, "listener");
		if (ss->ss_transit)
			jw_null(&j, "peer");
		else
			jw_str(&j, "peer", ss->ss_peer);
		jw_bool(&j, "tls", ss->ss_flags & TM_SLF_TLS);
		jw_bool(&j, "proxied", ss->ss_flags & TM_SLF_PROXIED);
		if (ss->ss_transit) {
			jw_null(&j, "age_ms");
			jw_null(&j, "idle_ms");
		} else {
			jw_u64(&j, "age_ms", ss->ss_age_ms);
			jw_u64(&j, "idle_ms", ss->ss_idle_ms);
		}
		if (ss->ss_deadline_ms < 0)
			jw_null(&j, "deadline_ms");
		else
			jw_i64(&j, "deadline_ms", ss->ss_deadline_ms);
		jw_u64(&j, "requests", ss->ss_requests);
		jw_u64(&j, "bytes_in", ss->ss_bytes_in);
		jw_u64(&j, "bytes_out", ss->ss_bytes_out);
		jw_u64(&j, "status", ss->ss_status);
		jw_str(&j, "method", ss->ss_method);
		jw_str(&j, "path", ss->ss_target);
		if (ss->ss_tls_version != 0) {
			jw_str(&j, "tls_version",
			    shm_tls_version(ss->ss_tls_version));
			jw_str(&j, "tls_cipher", ss->ss_tls_cipher);
		} else {
			jw_null(&j, "tls_version");
			jw_null(&j, "tls_cipher");
		}
		jw_close(&j, '}');
	}
	jw_close(&j, ']');
	jw_u64(&j, "slots_busy", sn->sn_slots_busy);
	jw_end(&j);
}

/* ---- Prometheus ------------------------------------------------------- */

/* A label value: backslash, double quote and newline escaped; UTF-8. */
static void
prom_escape(struct sbuf *sb, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	while (*p != '\0') {
		if (*p == '\\')
			sbuf_puts(sb, "\\\\");
		else if (*p == '"')
			sbuf_puts(sb, "\\\"");
		else if (*p == '\n')
			sbuf_puts(sb, "\\n");
		else if ((n = utf8_seq(p, strnlen((const char *)p, 4), NULL)) == 0)
			sbuf_puts(sb, "\xef\xbf\xbd");	/* U+FFFD */
		else {
			sbuf_add(sb, p, n);
			p += n;
			continue;
		}
		p++;
	}
}

/* 1 if an active listener before row i has its name and protocol. */
static int
prom_listener_seen(const struct shm_snap *sn, size_t i)
{
	const struct snap_listener *ln = &sn->sn_listeners[i], *o;
	size_t k;

	for (k = 0; k < i; k++) {
		o = &sn->sn_listeners[k];
		if (o->ln_state == TM_LISTENER_ACTIVE &&
		    o->ln_proto == ln->ln_proto &&
		    strcmp(o->ln_name, ln->ln_name) == 0)
			return (1);
	}
	return (0);
}

static void
prom_family(struct sbuf *sb, const char *name, const char *type,
    const char *help)
{
	sbuf_printf(sb, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
	    type);
}

static void
prom_worker_labels(struct sbuf *sb, const struct snap_worker *w)
{
	sbuf_printf(sb, "worker=\"%u\",generation=\"%u\",pid=\"%d\"",
	    w->sw_number, w->sw_generation, (int)w->sw_pid);
}

/* Per-worker slot gauges: a uint32_t of struct snap_worker each. */
static const struct {
	const char	*sg_name;
	const char	*sg_help;
	size_t		 sg_off;
} slot_gauges[] = {
	{ "tamarin_slots_active", "connection slots in use",
	    offsetof(struct snap_worker, sw_active) },
	{ "tamarin_slots_capacity", "connection slots of the worker",
	    offsetof(struct snap_worker, sw_slot_count) },
	{ "tamarin_slots_usable",
	    "connection slots the worker's file descriptors allow",
	    offsetof(struct snap_worker, sw_slot_usable) },
};

void
report_prometheus(struct sbuf *sb, const struct shm_snap *sn)
{
	const struct snap_listener *ln;
	const struct snap_worker *w;
	const char *v;
	char name[96], pbuf[16];
	unsigned int k;
	size_t i;
	int first;

	/* Counters kept under their own family, one sample per worker. */
	for (k = 0; k < TM_CTR__COUNT; k++) {
		if (ctr_meta[k].cm_key != NULL &&
		    ctr_meta[k].cm_group != CG_TOP)
			continue;
		if (ctr_meta[k].cm_metric != NULL)
			(void)snprintf(name, sizeof(name), "%s",
			    ctr_meta[k].cm_metric);
		else
			(void)snprintf(name, sizeof(name), "tamarin_%s_total",
			    ctr_names[k]);
		prom_family(sb, name, "counter", ctr_descr[k]);
		for (i = 0; i < sn->sn_nworkers; i++) {
			w = &sn->sn_workers[i];
			sbuf_printf(sb, "%s{", name);
			prom_worker_labels(sb, w);
			sbuf_printf(sb, "} %llu\n",
			    (unsigned long long)w->sw_counters[k]);
		}
	}
	/* Response classes and error kinds: one family each, a label. */
	for (first = 1, k = 0; k < TM_CTR__COUNT; k++) {
		if (ctr_meta[k].cm_key == NULL ||
		    ctr_meta[k].cm_group != CG_RESPONSES)
			continue;
		if (first)
			prom_family(sb, "tamarin_responses_total", "counter",
			    "responses sent, by status class");
		first = 0;
		for (i = 0; i < sn->sn_nworkers; i++) {
			w = &sn->sn_workers[i];
			sbuf_puts(sb, "tamarin_responses_total{");
			prom_worker_labels(sb, w);
			sbuf_printf(sb, ",code=\"%s\"} %llu\n",
			    ctr_meta[k].cm_key,
			    (unsigned long long)w->sw_counters[k]);
		}
	}
	for (first = 1, k = 0; k < TM_CTR__COUNT; k++) {
		if (ctr_meta[k].cm_key == NULL ||
		    ctr_meta[k].cm_group != CG_ERRORS)
			continue;
		if (first)
			prom_family(sb, "tamarin_connection_errors_total",
			    "counter", "connections ended by an error, by "
			    "kind");
		first = 0;
		for (i = 0; i < sn->sn_nworkers; i++) {
			w = &sn->sn_workers[i];
			sbuf_puts(sb, "tamarin_connection_errors_total{");
			prom_worker_labels(sb, w);
			sbuf_printf(sb, ",kind=\"%s\"} %llu\n",
			    ctr_meta[k].cm_key,
			    (unsigned long long)w->sw_counters[k]);
		}
	}

	/* Gauges of live workers only: an exited one holds no slots. */
	for (k = 0; k < sizeof(slot_gauges) / sizeof(slot_gauges[0]); k++) {
		prom_family(sb, slot_gauges[k].sg_name, "gauge",
		    slot_gauges[k].sg_help);
		for (i = 0; i < sn->sn_nworkers; i++) {
			w = &sn->sn_workers[i];
			if (!report_worker_live(w))
				continue;
			sbuf_printf(sb, "%s{", slot_gauges[k].sg_name);
			prom_worker_labels(sb, w);
			v = (const char *)w + slot_gauges[k].sg_off;
			sbuf_printf(sb, "} %u\n",
			    *(const uint32_t *)(const void *)v);
		}
	}

	/*
	 * Active listeners only: a closed one may share its name with its
	 * replacement, and two samples with one label set are an error.
	 * So may an active one for a moment, while a reload publishes a
	 * replacement before it closes the old row, or renames kept rows
	 * one by one: the first row of a name and protocol is shown.
	 */
	prom_family(sb, "tamarin_listener_accepted_total", "counter",
	    "connections accepted on the listener");
	for (i = 0; i < sn->sn_nlisteners; i++) {
		ln = &sn->sn_listeners[i];
		if (ln->ln_state != TM_LISTENER_ACTIVE ||
		    prom_listener_seen(sn, i))
			continue;
		sbuf_puts(sb, "tamarin_listener_accepted_total{listener=\"");
		prom_escape(sb, ln->ln_name);
		sbuf_puts(sb, "\",protocol=\"");
		prom_escape(sb, report_proto(ln->ln_proto, pbuf,
		    sizeof(pbuf)));
		sbuf_printf(sb, "\"} %llu\n",
		    (unsigned long long)ln->ln_accepted);
	}

	prom_family(sb, "tamarin_workers", "gauge",
	    "live worker processes, every generation");
	sbuf_printf(sb, "tamarin_workers %u\n", sn->sn_live);
	prom_family(sb, "tamarin_generation", "gauge",
	    "current configuration generation");
	sbuf_printf(sb, "tamarin_generation %u\n", sn->sn_generation);
	prom_family(sb, "tamarin_reloads_total", "counter",
	    "configuration reloads");
	sbuf_printf(sb, "tamarin_reloads_total %llu\n",
	    (unsigned long long)sn->sn_reloads);
	prom_family(sb, "tamarin_start_time_seconds", "gauge",
	    "master start, seconds since the epoch");
	sbuf_printf(sb, "tamarin_start_time_seconds %llu\n",
	    (unsigned long long)sn->sn_start_wall);
	prom_family(sb, "tamarin_uptime_seconds", "gauge",
	    "seconds since the master started");
	sbuf_printf(sb, "tamarin_uptime_seconds %llu\n",
	    (unsigned long long)(sn->sn_now_ms > sn->sn_start_ms ?
	    (sn->sn_now_ms - sn->sn_start_ms) / 1000 : 0));
	prom_family(sb, "tamarin_requests_per_second", "gauge",
	    "requests per second over the master's last interval");
	sbuf_printf(sb, "tamarin_requests_per_second %llu.%02llu\n",
	    (unsigned long long)(sn->sn_rate_x100 / 100),
	    (unsigned long long)(sn->sn_rate_x100 % 100));
}
