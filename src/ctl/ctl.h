/*
 * tamarinctl's private interfaces: the command parser (parser.c), the
 * views (show.c, top.c) and the segment handling they share
 * (tamarinctl.c).  tamarinctl only reads the segment; it links the shm
 * read-only API, report.c and lib, never master or worker code.
 */
#ifndef TM_CTL_H
#define TM_CTL_H

#include <stdint.h>
#include <stdio.h>

#include "lib/sbuf.h"
#include "shm/report.h"
#include "shm/shm.h"

/* Exit codes (STYLE.md section 4). */
#define CTL_EXIT_OK		0
#define CTL_EXIT_USAGE		1
#define CTL_EXIT_NOTRUNNING	2
#define CTL_EXIT_STALE		3

enum ctl_action {
	CTL_NONE = 0,
	CTL_SHOW_SUMMARY,
	CTL_SHOW_WORKERS,
	CTL_SHOW_SLOTS,
	CTL_SHOW_LISTENERS,
	CTL_TOP,
	CTL_RELOAD,
	CTL_STOP,
	CTL_GRACEFUL,
	CTL_REOPEN,
	CTL_CHECK
};

enum ctl_sort {
	CTL_SORT_NONE = 0,	/* worker, then slot */
	CTL_SORT_AGE,		/* oldest connection first */
	CTL_SORT_IDLE,		/* longest idle first */
	CTL_SORT_BYTES,		/* most bytes in + out first */
	CTL_SORT_REQUESTS,	/* most requests first */
	CTL_SORT_ACTIVITY	/* most recent progress first (top) */
};

/* `show slots` filters; -1 / NULL: any. */
struct ctl_filter {
	long long	 cf_worker;
	int		 cf_state;
	const char	*cf_protocol;
	const char	*cf_listener;
	const char	*cf_peer;
	long long	 cf_older_ms;
	enum ctl_sort	 cf_sort;
};

struct ctl_params {
	enum ctl_action	 cp_action;
	struct ctl_filter cp_filter;
	const char	*cp_check_config;	/* check -c FILE */
};

struct ctl {
	char		*ctl_path;	/* the segment */
	char		*ctl_pidfile;	/* from -c CONFIG, else NULL */
	struct shm	*ctl_shm;
	int		 ctl_json;	/* -j */
	unsigned int	 ctl_wait;	/* -w SEC; 0: once */
	struct ctl_params ctl_p;
	char		 ctl_err[512];	/* why ctl_attach/ctl_verify failed */
};

/* parser.c: the words after the options; exits 1 on bad input. */
void	 ctl_parse(int argc, char *argv[], struct ctl_params *);

/* tamarinctl.c */
/* Attach ctl_path read-only: 0, or an exit code with ctl_err set. */
int	 ctl_attach(struct ctl *);
/*
 * Before every view: re-attach when the file was replaced, refuse it when
 * it was cut short, re-map when it grew, and check the master is the one
 * that made it.  0, or an exit code with ctl_err set.
 */
int	 ctl_verify(struct ctl *);

/* show.c */
void	 show_summary(FILE *, const struct shm_snap *);
void	 show_workers(FILE *, const struct shm_snap *);
void	 show_listeners(FILE *, const struct shm_snap *);
void	 show_slots(FILE *, const struct shm_snap *,
	    const struct ctl_filter *);
/*
 * The slots passing f, sorted as f says: an array of n pointers into sn
 * (free() it), or NULL when n is 0 or memory ran out.
 */
const struct snap_slot **show_select(const struct shm_snap *,
	    const struct ctl_filter *, size_t *n);
/* -j show slots: report_json_slots() of the rows passing f. */
void	 show_json_slots(struct sbuf *, const struct shm_snap *,
	    const struct ctl_filter *);
/* The slot state legend line, from TM_SLOT_STATES. */
void	 show_legend(FILE *);

/* top.c: the curses view; returns an exit code. */
int	 ctl_top(struct ctl *);

#endif /* !TM_CTL_H */
