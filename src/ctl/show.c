/*
 * tamarinctl's tables: a header row, fixed widths (a long value pushes
 * its row rather than being cut, except the request path), slot states as
 * their one-letter code with a legend line, ages as "3m04s", bytes as
 * plain numbers so that scripts can compare them.
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ctl/ctl.h"

#define SHOW_PATH_WIDTH		(TM_SLOT_TARGET_LEN - 1)

static int	slot_match(const struct shm_snap *, const struct snap_slot *,
		    const struct ctl_filter *);
static int	peer_match(const char *, const char *);
static int	cmp_age(const void *, const void *);
static int	cmp_idle(const void *, const void *);
static int	cmp_bytes(const void *, const void *);
static int	cmp_requests(const void *, const void *);
static int	cmp_activity(const void *, const void *);
static void	workers_table(FILE *, const struct shm_snap *);
static void	slot_tls(char *, size_t, const struct snap_slot *);

void
show_legend(FILE *fp)
{
	unsigned int i;

	fprintf(fp, "states:");
	for (i = 0; i < TM_SLOT__COUNT; i++)
		fprintf(fp, " %c=%s", report_slot_letter(i),
		    report_slot_state(i));
	fputc('\n', fp);
}

void
show_summary(FILE *fp, const struct shm_snap *sn)
{
	const uint64_t *t = sn->sn_totals;
	char when[64], age[32], config[TM_SHM_CONFIG_LEN];
	time_t start = (time_t)sn->sn_start_wall;
	struct tm tm;
	size_t i;

	if (localtime_r(&start, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %z", &tm) == 0)
		(void)snprintf(when, sizeof(when), "%llu",
		    (unsigned long long)sn->sn_start_wall);
	fprintf(fp, "%-13s %d\n", "master pid", (int)sn->sn_master_pid);
	fprintf(fp, "%-13s %s\n", "started", when);
	fprintf(fp, "%-13s %s\n", "uptime", report_age(age, sizeof(age),
	    sn->sn_now_ms > sn->sn_start_ms ?
	    sn->sn_now_ms - sn->sn_start_ms : 0));
	fprintf(fp, "%-13s %u\n", "generation", sn->sn_generation);
	fprintf(fp, "%-13s", "generations");
	for (i = 0; i < sn->sn_ngens; i++)
		fprintf(fp, " %u", sn->sn_gens[i]);
	fprintf(fp, "%s\n", sn->sn_ngens == 0 ? " -" : "");
	fprintf(fp, "%-13s %s\n", "state", report_master_state(sn->sn_state));
	/* As the other tables show names: one row, no terminal codes. */
	report_sanitize(config, sizeof(config), sn->sn_config);
	fprintf(fp, "%-13s %s\n", "config", config);
	fprintf(fp, "%-13s %llu\n", "reloads",
	    (unsigned long long)sn->sn_reloads);
	fprintf(fp, "%-13s %u\n", "listeners", sn->sn_active_listeners);
	fprintf(fp, "%-13s %u\n", "workers", sn->sn_live);
	fprintf(fp, "%-13s %llu/%llu", "slots",
	    (unsigned long long)sn->sn_slots_used,
	    (unsigned long long)sn->sn_slots_total);
	/* A worker out of descriptors takes fewer than its slots. */
	if (sn->sn_slots_usable < sn->sn_slots_total)
		fprintf(fp, " (%llu usable: file descriptors)",
		    (unsigned long long)sn->sn_slots_usable);
	fputc('\n', fp);
	fprintf(fp, "%-13s %llu.%02llu\n", "requests/s",
	    (unsigned long long)(sn->sn_rate_x100 / 100),
	    (unsigned long long)(sn->sn_rate_x100 % 100));
	fprintf(fp, "%-13s %llu\n", "accepted",
	    (unsigned long long)t[TM_CTR_accepted]);
	fprintf(fp, "%-13s %llu\n", "closed",
	    (unsigned long long)t[TM_CTR_closed]);
	fprintf(fp, "%-13s %llu\n", "reclaimed",
	    (unsigned long long)t[TM_CTR_reclaimed]);
	fprintf(fp, "%-13s %llu\n", "requests",
	    (unsigned long long)t[TM_CTR_requests]);
	fprintf(fp, "%-13s %llu\n", "bytes in",
	    (unsigned long long)t[TM_CTR_bytes_in]);
	fprintf(fp, "%-13s %llu\n", "bytes out",
	    (unsigned long long)t[TM_CTR_bytes_out]);
	fprintf(fp, "%-13s 1xx %llu  2xx %llu  3xx %llu  4xx %llu  "
	    "5xx %llu\n", "responses",
	    (unsigned long long)t[TM_CTR_resp_1xx],
	    (unsigned long long)t[TM_CTR_resp_2xx],
	    (unsigned long long)t[TM_CTR_resp_3xx],
	    (unsigned long long)t[TM_CTR_resp_4xx],
	    (unsigned long long)t[TM_CTR_resp_5xx]);
	fprintf(fp, "%-13s timeout %llu  io %llu  protocol %llu  tls %llu\n",
	    "errors", (unsigned long long)t[TM_CTR_err_timeout],
	    (unsigned long long)t[TM_CTR_err_io],
	    (unsigned long long)t[TM_CTR_err_proto],
	    (unsigned long long)t[TM_CTR_err_tls]);
	fprintf(fp, "%-13s handshakes %llu  resumed %llu\n", "tls",
	    (unsigned long long)t[TM_CTR_tls_handshakes],
	    (unsigned long long)t[TM_CTR_tls_resumed]);
	fputc('\n', fp);
	workers_table(fp, sn);
}

static void
workers_table(FILE *fp, const struct shm_snap *sn)
{
	const struct snap_worker *w;
	char hb[32], slots[32];
	uint64_t err;
	size_t i;

	fprintf(fp, "%3s %4s %7s %-8s %6s %11s %10s %10s %12s %12s %7s\n",
	    "WK", "GEN", "PID", "STATE", "HBEAT", "SLOTS", "ACCEPTED",
	    "REQUESTS", "BYTES_IN", "BYTES_OUT", "ERRORS");
	for (i = 0; i < sn->sn_nworkers; i++) {
		w = &sn->sn_workers[i];
		if (w->sw_heartbeat_ms == 0)
			(void)snprintf(hb, sizeof(hb), "-");
		else
			report_age(hb, sizeof(hb),
			    sn->sn_now_ms > w->sw_heartbeat_ms ?
			    sn->sn_now_ms - w->sw_heartbeat_ms : 0);
		(void)snprintf(slots, sizeof(slots), "%u/%u", w->sw_active,
		    w->sw_slot_count);
		err = w->sw_counters[TM_CTR_err_timeout] +
		    w->sw_counters[TM_CTR_err_io] +
		    w->sw_counters[TM_CTR_err_proto] +
		    w->sw_counters[TM_CTR_err_tls];
		fprintf(fp, "%3u %4u %7d %-8s %6s %11s %10llu %10llu %12llu "
		    "%12llu %7llu\n", w->sw_number, w->sw_generation,
		    (int)w->sw_pid, report_worker_state(w->sw_state), hb,
		    slots,
		    (unsigned long long)w->sw_counters[TM_CTR_accepted],
		    (unsigned long long)w->sw_counters[TM_CTR_requests],
		    (unsigned long long)w->sw_counters[TM_CTR_bytes_in],
		    (unsigned long long)w->sw_counters[TM_CTR_bytes_out],
		    (unsigned long long)err);
	}
}

void
show_workers(FILE *fp, const struct shm_snap *sn)
{
	workers_table(fp, sn);
}

void
show_listeners(FILE *fp, const struct shm_snap *sn)
{
	const struct snap_listener *ln;
	char name[TM_LISTENER_NAME_LEN], addr[TM_LISTENER_ADDR_LEN];
	char pbuf[16];
	size_t i;

	fprintf(fp, "%-16s %-24s %5s %-6s %-6s %10s\n", "NAME", "ADDRESS",
	    "PORT", "PROTO", "STATE", "ACCEPTED");
	for (i = 0; i < sn->sn_nlisteners; i++) {
		ln = &sn->sn_listeners[i];
		report_sanitize(name, sizeof(name), ln->ln_name);
		report_sanitize(addr, sizeof(addr), ln->ln_addr);
		fprintf(fp, "%-16s %-24s %5u %-6s %-6s %10llu\n", name, addr,
		    ln->ln_port, report_proto(ln->ln_proto, pbuf,
		    sizeof(pbuf)), report_listener_state(ln->ln_state),
		    (unsigned long long)ln->ln_accepted);
	}
}

/*
 * Prefix of the peer's text form; "::1" also finds "[::1]:8080", so an
 * IPv6 address can be given as people write it.
 */
static int
peer_match(const char *peer, const char *want)
{
	size_t n = strlen(want);

	if (strncmp(peer, want, n) == 0)
		return (1);
	return (peer[0] == '[' && want[0] != '[' &&
	    strncmp(peer + 1, want, n) == 0);
}

static int
slot_match(const struct shm_snap *sn, const struct snap_slot *ss,
    const struct ctl_filter *f)
{
	const struct snap_listener *ln;
	char pbuf[16];

	if (f->cf_worker >= 0 && (long long)ss->ss_number != f->cf_worker)
		return (0);
	if (f->cf_state >= 0 && ss->ss_state != (uint32_t)f->cf_state)
		return (0);
	if (f->cf_protocol != NULL && (ss->ss_transit ||
	    strcasecmp(f->cf_protocol, report_proto(ss->ss_proto, pbuf,
	    sizeof(pbuf))) != 0))
		return (0);
	if (f->cf_listener != NULL) {
		ln = report_snap_listener(sn, ss->ss_listener);
		if (ln == NULL || strcmp(ln->ln_name, f->cf_listener) != 0)
			return (0);
	}
	if (f->cf_peer != NULL && !peer_match(ss->ss_peer, f->cf_peer))
		return (0);
	if (f->cf_older_ms >= 0 &&
	    ss->ss_age_ms <= (uint64_t)f->cf_older_ms)
		return (0);
	return (1);
}

/* Descending: the most interesting row first; ties keep table order. */
#define SLOT_CMP(name, expr)						\
static int								\
name(const void *a, const void *b)					\
{									\
	const struct snap_slot *x = *(const struct snap_slot *const *)a;\
	const struct snap_slot *y = *(const struct snap_slot *const *)b;\
	uint64_t vx, vy;						\
									\
	{ const struct snap_slot *s = x; vx = (expr); }			\
	{ const struct snap_slot *s = y; vy = (expr); }			\
	if (vx != vy)							\
		return (vx < vy ? 1 : -1);				\
	if (x->ss_block != y->ss_block)					\
		return (x->ss_block < y->ss_block ? -1 : 1);		\
	return (x->ss_index < y->ss_index ? -1 : x->ss_index > y->ss_index);\
}

SLOT_CMP(cmp_age, s->ss_age_ms)
SLOT_CMP(cmp_idle, s->ss_idle_ms)
SLOT_CMP(cmp_bytes, s->ss_bytes_in + s->ss_bytes_out)
SLOT_CMP(cmp_requests, s->ss_requests)
SLOT_CMP(cmp_activity, UINT64_MAX - s->ss_idle_ms)

const struct snap_slot **
show_select(const struct shm_snap *sn, const struct ctl_filter *f,
    size_t *np)
{
	const struct snap_slot **v;
	int (*cmp)(const void *, const void *) = NULL;
	size_t i, n = 0;

	*np = 0;
	if (sn->sn_nslots == 0 ||
	    (v = calloc(sn->sn_nslots, sizeof(*v))) == NULL)
		return (NULL);
	for (i = 0; i < sn->sn_nslots; i++)
		if (slot_match(sn, &sn->sn_slots[i], f))
			v[n++] = &sn->sn_slots[i];
	switch (f->cf_sort) {
	case CTL_SORT_AGE:
		cmp = cmp_age;
		break;
	case CTL_SORT_IDLE:
		cmp = cmp_idle;
		break;
	case CTL_SORT_BYTES:
		cmp = cmp_bytes;
		break;
	case CTL_SORT_REQUESTS:
		cmp = cmp_requests;
		break;
	case CTL_SORT_ACTIVITY:
		cmp = cmp_activity;
		break;
	default:
		break;
	}
	if (cmp != NULL && n > 1)
		qsort(v, n, sizeof(*v), cmp);
	*np = n;
	if (n == 0) {
		free(v);
		return (NULL);
	}
	return (v);
}

/* "1.3/TLS_AES_128_GCM_SHA256"; "-" before the handshake or for plain. */
static void
slot_tls(char *buf, size_t sz, const struct snap_slot *ss)
{
	const char *v = shm_tls_version(ss->ss_tls_version);
	char cipher[TM_SLOT_CIPHER_LEN];

	if (v == NULL) {
		(void)snprintf(buf, sz, "-");
		return;
	}
	if (strncmp(v, "TLSv", 4) == 0)
		v += 4;
	report_sanitize(cipher, sizeof(cipher), ss->ss_tls_cipher);
	(void)snprintf(buf, sz, "%s/%s", v, cipher[0] != '\0' ? cipher : "-");
}

void
show_slots(FILE *fp, const struct shm_snap *sn, const struct ctl_filter *f)
{
	const struct snap_listener *ln;
	const struct snap_slot **v, *ss;
	char age[16], idle[16], dl[16], pbuf[16];
	char lname[TM_LISTENER_NAME_LEN], method[TM_SLOT_METHOD_LEN];
	char path[SHOW_PATH_WIDTH + 1], tls[TM_SLOT_CIPHER_LEN + 16];
	size_t i, n;
	int tw = 3;

	v = show_select(sn, f, &n);
	/* The TLS column is as wide as its longest value, "-" when none. */
	for (i = 0; i < n; i++) {
		slot_tls(tls, sizeof(tls), v[i]);
		if ((int)strlen(tls) > tw)
			tw = (int)strlen(tls);
	}
	fprintf(fp, "%3s %4s %6s %1s %-5s %-10s %-22s %6s %6s %6s %-*s %6s "
	    "%10s %10s %-7s %s\n", "WK", "GEN", "SLOT", "S", "PROTO",
	    "LISTENER", "PEER", "AGE", "IDLE", "DEADLN", tw, "TLS", "REQS",
	    "BYTES_IN", "BYTES_OUT", "METHOD", "PATH");
	for (i = 0; i < n; i++) {
		ss = v[i];
		ln = report_snap_listener(sn, ss->ss_listener);
		report_sanitize(lname, sizeof(lname), ln != NULL ?
		    ln->ln_name : "-");
		report_sanitize(method, sizeof(method),
		    ss->ss_method[0] != '\0' ? ss->ss_method : "-");
		report_sanitize(path, sizeof(path),
		    ss->ss_target[0] != '\0' ? ss->ss_target : "-");
		/* In transit to its worker: only the claim is known. */
		if (ss->ss_transit) {
			(void)snprintf(age, sizeof(age), "-");
			(void)snprintf(idle, sizeof(idle), "-");
		} else {
			report_age(age, sizeof(age), ss->ss_age_ms);
			report_age(idle, sizeof(idle), ss->ss_idle_ms);
		}
		if (ss->ss_deadline_ms < 0)
			(void)snprintf(dl, sizeof(dl), "-");
		else
			report_age(dl, sizeof(dl),
			    (uint64_t)ss->ss_deadline_ms);
		slot_tls(tls, sizeof(tls), ss);
		fprintf(fp, "%3u %4u %6u %c %-5s %-10s %-22s %6s %6s %6s %-*s "
		    "%6u %10llu %10llu %-7s %s\n", ss->ss_number,
		    ss->ss_generation, ss->ss_index,
		    report_slot_letter(ss->ss_state), ss->ss_transit ? "-" :
		    report_proto(ss->ss_proto, pbuf, sizeof(pbuf)), lname,
		    ss->ss_peer, age, idle, dl, tw, tls, ss->ss_requests,
		    (unsigned long long)ss->ss_bytes_in,
		    (unsigned long long)ss->ss_bytes_out, method, path);
	}
	free(v);
	show_legend(fp);
	if (sn->sn_slots_busy > 0)
		fprintf(fp, "(%zu slot%s busy being rewritten, not shown)\n",
		    sn->sn_slots_busy, sn->sn_slots_busy == 1 ? "" : "s");
}

void
show_json_slots(struct sbuf *sb, const struct shm_snap *sn,
    const struct ctl_filter *f)
{
	const struct snap_slot **v;
	struct shm_snap view;
	struct snap_slot *rows = NULL;
	size_t i, n;

	v = show_select(sn, f, &n);
	if (n > 0 && (rows = calloc(n, sizeof(*rows))) == NULL) {
		free(v);
		sb->sb_error = 1;
		return;
	}
	for (i = 0; i < n; i++)
		rows[i] = *v[i];
	free(v);
	/* The same snapshot, seen through the filter. */
	view = *sn;
	view.sn_slots = rows;
	view.sn_nslots = n;
	report_json_slots(sb, &view);
	free(rows);
}
