/*
 * tamarinctl top: the summary and the busiest connections, redrawn every
 * second.  Fits a plain 80x24 terminal (wider ones see longer paths),
 * follows the segment as it grows or is replaced, and says why it stopped
 * if the daemon goes away.
 */
#include <sys/types.h>

#include <curses.h>
#include <errno.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl/ctl.h"

#define TOP_REFRESH_MS		1000
#define TOP_HEAD_ROWS		9	/* summary lines, blank, header */

static void	top_line(int, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static void	top_draw(const struct shm_snap *, enum ctl_sort);

/* One row, cut at the screen's width, the rest of it cleared. */
static void
top_line(int row, int attr, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (row >= LINES)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (attr)
		attron(attr);
	mvaddnstr(row, 0, buf, COLS);
	clrtoeol();
	if (attr)
		attroff(attr);
}

static void
top_draw(const struct shm_snap *sn, enum ctl_sort sort)
{
	const uint64_t *t = sn->sn_totals;
	const struct snap_slot **v, *ss;
	struct ctl_filter f;
	char age[16], idle[16], up[16], gens[64], states[256], path[256];
	char usable[32];
	size_t counts[TM_SLOT__COUNT], i, n, off;
	int row, len;

	report_age(up, sizeof(up), sn->sn_now_ms > sn->sn_start_ms ?
	    sn->sn_now_ms - sn->sn_start_ms : 0);
	top_line(0, A_BOLD, "tamarind  master %d  generation %u  %s  up %s"
	    "  %llu.%02llu req/s", (int)sn->sn_master_pid, sn->sn_generation,
	    report_master_state(sn->sn_state), up,
	    (unsigned long long)(sn->sn_rate_x100 / 100),
	    (unsigned long long)(sn->sn_rate_x100 % 100));
	gens[0] = '\0';
	for (i = 0, off = 0; i < sn->sn_ngens && off < sizeof(gens); i++) {
		len = snprintf(gens + off, sizeof(gens) - off, "%s%u",
		    i > 0 ? " " : "", sn->sn_gens[i]);
		if (len < 0)
			break;
		off += (size_t)len;
	}
	/* Usable: what the workers' file descriptors allow, when fewer. */
	if (sn->sn_slots_usable < sn->sn_slots_total)
		(void)snprintf(usable, sizeof(usable), " (%llu usable)",
		    (unsigned long long)sn->sn_slots_usable);
	else
		usable[0] = '\0';
	top_line(1, 0, "workers %u (gen %s)  slots %llu/%llu%s  listeners %u"
	    "  reloads %llu", sn->sn_live, gens[0] != '\0' ? gens : "-",
	    (unsigned long long)sn->sn_slots_used,
	    (unsigned long long)sn->sn_slots_total, usable,
	    sn->sn_active_listeners, (unsigned long long)sn->sn_reloads);
	top_line(2, 0, "accepted %llu  closed %llu  requests %llu",
	    (unsigned long long)t[TM_CTR_accepted],
	    (unsigned long long)t[TM_CTR_closed],
	    (unsigned long long)t[TM_CTR_requests]);
	top_line(3, 0, "bytes in %llu  out %llu",
	    (unsigned long long)t[TM_CTR_bytes_in],
	    (unsigned long long)t[TM_CTR_bytes_out]);
	top_line(4, 0, "responses 1xx %llu  2xx %llu  3xx %llu  4xx %llu  "
	    "5xx %llu", (unsigned long long)t[TM_CTR_resp_1xx],
	    (unsigned long long)t[TM_CTR_resp_2xx],
	    (unsigned long long)t[TM_CTR_resp_3xx],
	    (unsigned long long)t[TM_CTR_resp_4xx],
	    (unsigned long long)t[TM_CTR_resp_5xx]);
	top_line(5, 0, "errors timeout %llu  io %llu  protocol %llu  tls %llu",
	    (unsigned long long)t[TM_CTR_err_timeout],
	    (unsigned long long)t[TM_CTR_err_io],
	    (unsigned long long)t[TM_CTR_err_proto],
	    (unsigned long long)t[TM_CTR_err_tls]);

	/* A census of the states: the scoreboard in one line. */
	memset(counts, 0, sizeof(counts));
	for (i = 0; i < sn->sn_nslots; i++)
		if (sn->sn_slots[i].ss_state < TM_SLOT__COUNT)
			counts[sn->sn_slots[i].ss_state]++;
	states[0] = '\0';
	for (i = 0, off = 0; i < TM_SLOT__COUNT && off < sizeof(states);
	    i++) {
		if (counts[i] == 0)
			continue;
		len = snprintf(states + off, sizeof(states) - off,
		    "  %c %s %zu", report_slot_letter((unsigned int)i),
		    report_slot_state((unsigned int)i), counts[i]);
		if (len < 0)
			break;
		off += (size_t)len;
	}
	top_line(6, 0, "connections%s", states[0] != '\0' ? states : "  none");
	top_line(7, 0, "%s", "");
	top_line(8, A_REVERSE, "%2s %5s %1s %-21s %5s %5s %5s %9s %9s %s",
	    "WK", "SLOT", "S", "PEER", "AGE", "IDLE", "REQS", "IN", "OUT",
	    "REQUEST");

	memset(&f, 0, sizeof(f));
	f.cf_worker = -1;
	f.cf_state = -1;
	f.cf_older_ms = -1;
	f.cf_sort = sort;
	v = show_select(sn, &f, &n);
	for (i = 0, row = TOP_HEAD_ROWS; i < n && row < LINES - 1;
	    i++, row++) {
		ss = v[i];
		(void)snprintf(path, sizeof(path), "%s %s", ss->ss_method,
		    ss->ss_target);
		report_sanitize(path, sizeof(path), path);
		top_line(row, 0, "%2u %5u %c %-21s %5s %5s %5u %9llu %9llu %s",
		    ss->ss_number, ss->ss_index,
		    report_slot_letter(ss->ss_state), ss->ss_peer,
		    ss->ss_transit ? "-" :
		    report_age(age, sizeof(age), ss->ss_age_ms),
		    ss->ss_transit ? "-" :
		    report_age(idle, sizeof(idle), ss->ss_idle_ms),
		    ss->ss_requests, (unsigned long long)ss->ss_bytes_in,
		    (unsigned long long)ss->ss_bytes_out, path);
	}
	free(v);
	for (; row < LINES - 1; row++)
		top_line(row, 0, "%s", "");
	top_line(LINES - 1, A_REVERSE, "q quit  b by bytes  a by activity"
	    "   sorted by %s%s", sort == CTL_SORT_BYTES ? "bytes" :
	    "activity", n + TOP_HEAD_ROWS + 1 > (size_t)LINES ?
	    "  (more below)" : "");
}

int
ctl_top(struct ctl *ctl)
{
	struct shm_snap sn;
	enum ctl_sort sort = CTL_SORT_BYTES;
	int ch, rc = CTL_EXIT_OK, done = 0;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "tamarinctl: top needs a terminal\n");
		return (CTL_EXIT_USAGE);
	}
	(void)setlocale(LC_ALL, "");
	if (initscr() == NULL) {
		fprintf(stderr, "tamarinctl: cannot start curses\n");
		return (CTL_EXIT_USAGE);
	}
	cbreak();
	noecho();
	curs_set(0);
	keypad(stdscr, TRUE);
	timeout(TOP_REFRESH_MS);
	while (!done) {
		if ((rc = ctl_verify(ctl)) != 0)
			break;
		if (report_snap_init(&sn, ctl->ctl_shm, REPORT_SLOTS) == -1) {
			(void)snprintf(ctl->ctl_err, sizeof(ctl->ctl_err),
			    "snapshot: %s", strerror(errno));
			rc = CTL_EXIT_USAGE;
			break;
		}
		erase();
		top_draw(&sn, sort);
		report_snap_fini(&sn);
		refresh();
		switch ((ch = getch())) {
		case 'q':
		case 'Q':
			done = 1;
			break;
		case 'b':
			sort = CTL_SORT_BYTES;
			break;
		case 'a':
			sort = CTL_SORT_ACTIVITY;
			break;
		default:
			/* ERR: a second went by; KEY_RESIZE: just redraw. */
			break;
		}
	}
	endwin();
	if (rc != 0)
		fprintf(stderr, "tamarinctl: %s\n", ctl->ctl_err);
	return (rc);
}
