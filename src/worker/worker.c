/*
 * A worker: one epoll loop over its channel from the master, its signals
 * and its connections.  It never holds a listening socket; connections
 * arrive over the channel with the slot the master claimed for each.
 */
#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/fdpass.h"
#include "lib/log.h"
#include "master/config.h"
#include "proto/conn.h"
#include "proto/http/http.h"
#include "proto/proto.h"
#include "proto/tls.h"
#include "worker/worker.h"
#include "worker/wstate.h"

#define WORKER_EVENTS		256
/* Wake at least this often when idle, to publish the heartbeat. */
#define HEARTBEAT_MS		1000
/* Channel messages per loop turn: connections already held come first. */
#define CHAN_BURST		16
/*
 * Out of descriptors: the master is asked for no more connections than
 * were held then, less an eighth and 4, so files can still be opened.
 */
#define FD_SPARE_DIV		8
#define FD_SPARE_MIN		4

struct wstate	tm_ws;

static void	worker_signals(struct wstate *);
static void	worker_privileges(const struct config *);
static int	worker_chan(struct wstate *);
static int	worker_done(struct wstate *);
static void	worker_orphan(struct wstate *);
static void	worker_conns(struct wstate *, const struct chan_msg *, int *);
static void	worker_sig(struct wstate *);
static void	worker_exit(struct wstate *, int) __attribute__((noreturn));
static void	worker_clock(struct wstate *);
static void	worker_expire(void *, uint32_t);
static void	worker_fd_room(struct wstate *);
static uint32_t	worker_fd_conns(uint32_t, uint32_t);
static void	worker_conn_max(struct wstate *, uint32_t, int);

static void
worker_clock(struct wstate *ws)
{
	struct timespec ts;

	ws->ws_now_ms = clock_ms();
	clock_gettime(CLOCK_REALTIME_COARSE, &ts);
	ws->ws_now_wall = ts.tv_sec;
	/* relaxed: a liveness hint for the master's watchdog. */
	atomic_store_explicit(&ws->ws_sb->wb_heartbeat_ms, ws->ws_now_ms,
	    memory_order_relaxed);
}

static void
worker_signals(struct wstate *ws)
{
	struct sigaction sa;
	sigset_t set;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGHUP, &sa, NULL);	/* reloads are the master's */
	sigaction(SIGPIPE, &sa, NULL);
	/* As the master: a stray USR2 to the group must not kill. */
	if (sigaction(SIGUSR2, &sa, NULL) == -1)
		fatal("sigaction(SIGUSR2) failed");
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL);

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGQUIT);
	sigaddset(&set, SIGUSR1);
	if (sigprocmask(SIG_SETMASK, &set, NULL) == -1)
		fatal("sigprocmask() failed");
	if ((ws->ws_sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) ==
	    -1)
		fatal("signalfd() failed");
}

/*
 * Run as the configured user: group list first, then the group, then the
 * user, each checked, so a failure can never leave a half-privileged
 * worker.  Exit status 2: the master must not respawn into the same wall.
 */
static void
worker_privileges(const struct config *cf)
{
	struct passwd *pw;
	struct group *gr;
	gid_t gid;

	if (cf->cf_user == NULL || geteuid() != 0)
		return;
	if ((pw = getpwnam(cf->cf_user)) == NULL) {
		log_error("user %s: no such user", cf->cf_user);
		exit(2);
	}
	gid = pw->pw_gid;
	if (cf->cf_group != NULL) {
		if ((gr = getgrnam(cf->cf_group)) == NULL) {
			log_error("group %s: no such group", cf->cf_group);
			exit(2);
		}
		gid = gr->gr_gid;
	}
	/*
	 * The user's own groups stay, as nginx and Apache keep them: a
	 * document root readable through one of them must stay readable.
	 */
	if (initgroups(pw->pw_name, gid) == -1 || setgid(gid) == -1 ||
	    setuid(pw->pw_uid) == -1) {
		log_warn("dropping privileges to %s failed", cf->cf_user);
		exit(2);
	}
	if (setuid(0) != -1) {
		log_error("privileges could be regained after setuid()");
		exit(2);
	}
	/* Allow core dumps again for a debugger, as setuid() disabled them. */
	(void)prctl(PR_SET_DUMPABLE, 1);
}

_Noreturn void
worker_main(const struct worker_init *wi)
{
	struct wstate *ws = &tm_ws;
	struct epoll_event evs[WORKER_EVENTS], ev;
	char title[64];
	size_t i;
	int n, k, timeout;

	memset(ws, 0, sizeof(*ws));
	ws->ws_shm = wi->wi_shm;
	ws->ws_block = wi->wi_block;
	ws->ws_sb = shm_block(ws->ws_shm, wi->wi_block);
	ws->ws_cf = wi->wi_cf;
	ws->ws_chan = wi->wi_chan;
	/* The status handler reads the segment through our mapping. */
	http_status_shm = wi->wi_shm;
	snprintf(title, sizeof(title), "worker %u gen %u", wi->wi_number,
	    wi->wi_gen);
	log_set_procname(title);
	setproctitle("%s", title);
	worker_signals(ws);
	worker_clock(ws);

	ws->ws_nconns = atomic_load_explicit(&ws->ws_sb->wb_slot_count,
	    memory_order_relaxed);
	/* calloc: untouched connection records cost no memory. */
	ws->ws_conns = calloc(ws->ws_nconns, sizeof(struct conn));
	ws->ws_resume = calloc(ws->ws_nconns, sizeof(uint32_t));
	ws->ws_bufs = calloc(CONN_BUF_CACHE, sizeof(char *));
	if (ws->ws_conns == NULL || ws->ws_resume == NULL ||
	    ws->ws_bufs == NULL)
		fatal("worker: calloc() failed");
	for (i = 0; i < ws->ws_cf->cf_nlisteners; i++) {
		const struct listener_conf *lc = &ws->ws_cf->cf_listeners[i];

		if (lc->lc_index >= 0 && lc->lc_index < TM_MAX_LISTENERS)
			ws->ws_lmap[lc->lc_index] = lc;
	}
	/* Several heartbeats per watchdog period, even when idle. */
	ws->ws_hb_ms = ws->ws_cf->cf_heartbeat_timeout_ms / 4;
	if (ws->ws_hb_ms > HEARTBEAT_MS)
		ws->ws_hb_ms = HEARTBEAT_MS;
	wheel_init(&ws->ws_wheel, shm_wheel(ws->ws_shm, wi->wi_block),
	    shm_slot(ws->ws_shm, ws->ws_sb, 0), ws->ws_nconns,
	    ws->ws_cf->cf_tick_ms, ws->ws_now_ms);
	if ((ws->ws_ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		fatal("epoll_create1() failed");
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u64 = WS_EV_CHAN;
	if (epoll_ctl(ws->ws_ep, EPOLL_CTL_ADD, ws->ws_chan, &ev) == -1)
		fatal("epoll_ctl(channel) failed");
	ev.data.u64 = WS_EV_SIG;
	if (epoll_ctl(ws->ws_ep, EPOLL_CTL_ADD, ws->ws_sigfd, &ev) == -1)
		fatal("epoll_ctl(signalfd) failed");
	if (proto_worker_init(ws->ws_cf) == -1) {
		log_error("protocol set-up failed");
		exit(2);
	}
	for (k = 0; k < PROTO_WATCH_MAX; k++)
		if (proto_watch_fd(k) != -1) {
			ev.data.u64 = WS_EV_PROTO + (uint64_t)k;
			if (epoll_ctl(ws->ws_ep, EPOLL_CTL_ADD,
			    proto_watch_fd(k), &ev) == -1)
				fatal("epoll_ctl(file watch) failed");
		}
	worker_privileges(ws->ws_cf);
	proto_worker_ready();
	/*
	 * An orphaned worker takes nothing new: it drains with the master's
	 * death (as after a closed channel), finishing the responses under
	 * way, within shutdown_timeout_sec (worker_orphan()).  Set after
	 * setuid(), which clears it; a master already gone shows as a
	 * closed channel.
	 */
	if (prctl(PR_SET_PDEATHSIG, SIGQUIT) == -1)
		log_warn("prctl(PR_SET_PDEATHSIG) failed");
	worker_fd_room(ws);
	/* release: everything above is done before "running" is seen. */
	atomic_store_explicit(&ws->ws_sb->wb_state, TM_WORKER_RUNNING,
	    memory_order_release);

	for (;;) {
		int64_t next;
		uint64_t now;

		/*
		 * Sleep until the next tick that has a deadline in it (never
		 * every tick), or the heartbeat.
		 */
		timeout = ws->ws_hb_ms;
		now = clock_ms();
		next = wheel_next_ms(&ws->ws_wheel, now);
		if (next >= 0 && next < timeout)
			timeout = (int)next;
		next = proto_next_ms(now);
		if (next >= 0 && next < timeout)
			timeout = (int)next;
		if (ws->ws_nresume > 0)
			timeout = 0;
		n = epoll_wait(ws->ws_ep, evs, WORKER_EVENTS, timeout);
		if (n == -1) {
			if (errno != EINTR)
				fatal("epoll_wait() failed");
			n = 0;
		}
		worker_clock(ws);
		ws->ws_first_turns = 0;
		/*
		 * File changes first: a request that arrived after a file
		 * changed must not be answered from the stale cache.
		 */
		for (k = 0; k < n; k++)
			if (evs[k].data.u64 >= WS_EV_PROTO &&
			    evs[k].data.u64 < WS_EV_PROTO + PROTO_WATCH_MAX) {
				proto_watch_event((int)(evs[k].data.u64 -
				    WS_EV_PROTO));
				evs[k].data.u64 = WS_EV_NONE;
			}
		for (k = 0; k < n; k++) {
			uint64_t d = evs[k].data.u64;
			uint32_t slot = (uint32_t)d;
			struct conn *c;

			if (d == WS_EV_CHAN) {
				(void)worker_chan(ws);
				continue;
			}
			if (d == WS_EV_SIG) {
				worker_sig(ws);
				continue;
			}
			if (d == WS_EV_NONE)
				continue;
			if (slot >= ws->ws_nconns)
				continue;
			c = &ws->ws_conns[slot];
			/* A closed connection's late event: not this one. */
			if (!(c->c_flags & CONN_F_ACTIVE) ||
			    (uint32_t)(d >> 32) != c->c_incarn)
				continue;
			c->c_pr->pr_event(c, evs[k].events);
		}
		/* Work that stopped early for fairness, in FIFO order. */
		if (ws->ws_nresume > 0) {
			uint32_t nr = ws->ws_nresume, j;
			uint32_t *q = ws->ws_resume;

			ws->ws_nresume = 0;
			for (j = 0; j < nr; j++) {
				struct conn *c = &ws->ws_conns[q[j]];

				c->c_flags &= ~CONN_F_QUEUED;
				if (!(c->c_flags & CONN_F_RESUME))
					continue;
				c->c_flags &= ~CONN_F_RESUME;
				if (c->c_flags & CONN_F_ACTIVE)
					c->c_pr->pr_event(c, 0);
			}
		}
		/* Deadlines: only the due bucket is touched. */
		(void)wheel_advance(&ws->ws_wheel, ws->ws_now_ms,
		    worker_expire, ws);
		proto_tick(ws->ws_now_ms);
		worker_orphan(ws);
		if (ws->ws_stopping)
			worker_exit(ws, 0);
		if (worker_done(ws))
			worker_exit(ws, 0);
	}
}

/*
 * The master is gone (its channel closed): nobody enforces the drain's
 * time limit but the worker itself.
 */
static void
worker_orphan(struct wstate *ws)
{
	uint64_t limit = ws->ws_cf->cf_shutdown_timeout_ms;

	if (!ws->ws_chan_eof || limit == 0 || ws->ws_stopping)
		return;
	if (ws->ws_orphan_at == 0)
		ws->ws_orphan_at = ws->ws_now_ms;
	else if (ws->ws_now_ms >= ws->ws_orphan_at + limit) {
		log_warnx("still busy shutdown_timeout_sec after the master "
		    "went; stopping");
		ws->ws_stopping = 1;
	}
}

/*
 * Draining and idle, with nothing left in the channel: connections sent
 * before the drain order (or overtaken by SIGQUIT, when the channel had
 * no room for the order) are served first, not reset by our exit.
 */
static int
worker_done(struct wstate *ws)
{
	while (ws->ws_draining && ws->ws_nactive == 0) {
		if (ws->ws_chan_eof)
			return (1);
		if (worker_chan(ws) && ws->ws_nactive == 0)
			return (1);
		if (ws->ws_stopping)
			return (1);
	}
	return (0);
}

static void
worker_expire(void *arg, uint32_t slot)
{
	struct wstate *ws = arg;
	struct conn *c = &ws->ws_conns[slot];

	if (!(c->c_flags & CONN_F_ACTIVE))
		return;
	c->c_pr->pr_timeout(c);
}

/* Read up to CHAN_BURST messages: 1 when the channel is empty (or shut). */
static int
worker_chan(struct wstate *ws)
{
	struct chan_msg m;
	int fds[CHAN_MAX_FDS], r, burst, empty = 0;
	unsigned int reclaim = 0;

	for (burst = 0; burst < CHAN_BURST && !ws->ws_chan_eof; burst++) {
		r = chan_recv(ws->ws_chan, &m, fds);
		if (r == -1) {
			if (errno == EAGAIN) {
				empty = 1;
				break;
			}
			if (errno == EPROTO) {
				/* Its fds are closed; their slots are lost
				   until the master reaps us: say so loudly. */
				log_error("channel: malformed message");
				continue;
			}
			log_warn("channel: recvmsg() failed");
			r = 0;
		}
		if (r == 0) {
			/* The master is gone: finish what we hold, then go. */
			log_warnx("channel closed by the master; draining");
			epoll_ctl(ws->ws_ep, EPOLL_CTL_DEL, ws->ws_chan, NULL);
			ws->ws_chan_eof = 1;
			ws->ws_draining = 1;
			conn_drain_all();
			return (1);
		}
		switch (m.cm_type) {
		case CHAN_CONNS:
			/*
			 * Even while draining: these were sent before the
			 * drain order, and nobody else will serve them.
			 */
			worker_conns(ws, &m, fds);
			if (ws->ws_draining)
				conn_drain_all();
			break;
		case CHAN_DRAIN:
			if (!ws->ws_draining) {
				log_info("draining");
				ws->ws_draining = 1;
				atomic_store_explicit(&ws->ws_sb->wb_state,
				    TM_WORKER_DRAINING, memory_order_release);
				conn_drain_all();
			}
			break;
		case CHAN_STOP:
			ws->ws_stopping = 1;
			break;
		case CHAN_REOPEN:
			if (log_reopen() == -1)
				log_warn("reopening the error log failed");
			proto_reopen_logs();
			break;
		case CHAN_RECLAIM:
			/* Requests queued while we were busy are one: the
			   master asks again if clients still wait. */
			if (m.cm_arg >= 1 && m.cm_data[0] > reclaim)
				reclaim = m.cm_data[0];
			break;
		case CHAN_TICKETS:
			/* New session ticket keys; the copy dies here. */
			if (tls_tickets_set(m.cm_data, m.cm_arg) == -1)
				log_warnx("channel: bad session ticket keys");
			explicit_bzero(&m, sizeof(m));
			break;
		default:
			break;
		}
	}
	if (reclaim > 0)
		conn_reclaim(reclaim);
	return (empty || ws->ws_chan_eof);
}

/*
 * New connections from the master.  Out of descriptors, the worker gets
 * only those the kernel could install (-1 for the others, which the
 * kernel closed): their slots are released, not left claimed for ever,
 * and the master is told how many connections fit, so that it stops
 * sending more (clients then wait in the backlog instead of being reset).
 */
static void
worker_conns(struct wstate *ws, const struct chan_msg *m, int *fds)
{
	uint32_t held, max;
	unsigned int lost = 0;
	int i;

	for (i = 0; i < m->cm_count; i++)
		if (fds[i] == -1)
			lost++;
	/* The connections held when the descriptors ran out. */
	held = ws->ws_nactive + m->cm_count - lost;
	for (i = 0; i < m->cm_count; i++) {
		if (fds[i] != -1)
			conn_open(fds[i], &m->cm_conn[i]);
		else
			conn_lost(&m->cm_conn[i]);
	}
	if (lost == 0)
		return;
	max = worker_fd_conns(held, UINT32_MAX);
	log_warnx("out of file descriptors: %u of %u new connections lost; "
	    "asking for at most %u at a time (see daemon.max_open_files)",
	    lost, (unsigned int)m->cm_count, max);
	/* A full channel: the next batch lost asks again. */
	worker_conn_max(ws, max, 0);
}

/* Tell the master to send at most max connections at a time. */
static void
worker_conn_max(struct wstate *ws, uint32_t max, int start)
{
	struct chan_msg r;

	memset(&r, 0, sizeof(r));
	r.cm_type = CHAN_CONNMAX;
	r.cm_arg = sizeof(max) + 1;
	memcpy(r.cm_data, &max, sizeof(max));
	/* 1: what the limit allows, at start; 0: a batch was lost. */
	r.cm_data[sizeof(max)] = (uint8_t)start;
	if (chan_send(ws->ws_chan, &r, NULL) == -1 && errno != EAGAIN)
		log_warn("channel: sendmsg() failed");
}

/*
 * The connections n descriptors hold, less a spare (at most maxspare)
 * for the files and logs they send to; at least 1.
 */
static uint32_t
worker_fd_conns(uint32_t n, uint32_t maxspare)
{
	uint32_t spare = n / FD_SPARE_DIV + FD_SPARE_MIN;

	if (spare > maxspare)
		spare = maxspare;
	return (n > spare ? n - spare : 1);
}

/*
 * Before the first connection: when the descriptor limit holds fewer
 * connections than the slots, the master is told so at once.  Learning
 * it from a batch that does not fit costs every connection of that batch
 * and of those already in the channel (the kernel resets them): a burst
 * at a new worker, or at one that was busy for a moment, would lose most
 * of its clients, where they can wait in the backlog instead.  The
 * descriptors in use now are about the lowest free one; what files and
 * logs take later is in the spare, and a batch lost still lowers it.
 */
static void
worker_fd_room(struct wstate *ws)
{
	struct rlimit rl;
	uint32_t room, max;
	int fd;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1) {
		log_warn("getrlimit(RLIMIT_NOFILE) failed");
		return;
	}
	if (rl.rlim_cur == RLIM_INFINITY)
		return;
	if ((fd = fcntl(ws->ws_ep, F_DUPFD_CLOEXEC, 0)) == -1) {
		log_warn("fcntl(F_DUPFD) failed");
		return;
	}
	close(fd);
	room = rl.rlim_cur > (rlim_t)fd ? (uint32_t)(rl.rlim_cur -
	    (rlim_t)fd) : 0;
	/*
	 * No more spare than the margin the master asks for beyond the
	 * slots (master_nofile()): a default limit must never cap them.
	 */
	max = worker_fd_conns(room, CHAN_MAX_FDS);
	if (max < ws->ws_nconns)
		worker_conn_max(ws, max, 1);
}

static void
worker_sig(struct wstate *ws)
{
	struct signalfd_siginfo si;

	while (read(ws->ws_sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			ws->ws_stopping = 1;
			break;
		case SIGQUIT:
			if (!ws->ws_draining) {
				ws->ws_draining = 1;
				atomic_store_explicit(&ws->ws_sb->wb_state,
				    TM_WORKER_DRAINING, memory_order_release);
				conn_drain_all();
			}
			break;
		case SIGUSR1:
			if (log_reopen() == -1)
				log_warn("reopening the error log failed");
			proto_reopen_logs();
			break;
		default:
			break;
		}
	}
}

static void
worker_exit(struct wstate *ws, int status)
{
	conn_close_all(CONN_SHUTDOWN);
	proto_worker_fini();
	atomic_store_explicit(&ws->ws_sb->wb_state, TM_WORKER_EXITED,
	    memory_order_release);
	exit(status);
}
