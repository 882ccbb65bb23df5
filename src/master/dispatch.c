/*
 * Dispatch: accept in batches, claim a slot in the least busy worker, and
 * hand the fds over with SCM_RIGHTS, many per message.
 *
 * The master never accepts a connection it has no slot for: before each
 * accept it knows there is room (only the master claims, so room can only
 * grow meanwhile).  When every worker is full it stops polling the
 * listeners; the kernel's backlog holds new clients until a slot frees.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/log.h"
#include "master/config.h"
#include "master/master.h"

_Static_assert(sizeof(((struct chan_conn *)0)->cc_peer) ==
    sizeof(struct shm_addr), "the channel carries a struct shm_addr");

/* Accepts per listener per wake-up: fairness between listeners. */
#define ACCEPT_BATCH	64
/* Pause after EMFILE/ENFILE: connections wait in the backlog meanwhile. */
#define EMFILE_PAUSE_MS	100
/* While full and clients wait: how often idle connections are asked back, */
#define RECLAIM_MS	50
/* ... at most how many from each worker at a time, */
#define RECLAIM_EACH	32
/* ... and how often that is logged. */
#define RECLAIM_LOG_MS	60000

static uint32_t	dispatch_room(const struct master *, unsigned int);
static int	dispatch_pick(struct master *, int);
static unsigned int dispatch_waiting(const struct listener *);
static int	dispatch_servable(const struct master *,
		    const struct chan_conn *);
static void	dispatch_keep(struct worker *, int, const struct chan_conn *);
static int	dispatch_pending(const struct master *);

static int
worker_eligible(const struct master *m, unsigned int b)
{
	const struct worker *w = &m->m_wk[b];

	return (w->wk_pid != 0 && w->wk_chan != -1 && !w->wk_draining &&
	    w->wk_gen == m->m_gen);
}

/*
 * Slots of worker b that may still be claimed: free ones, not counting
 * those claimed for a pending batch (wb_active includes them), and no
 * more than its descriptors allow; none while its channel is full or
 * its batch is.
 */
static uint32_t
dispatch_room(const struct master *m, unsigned int b)
{
	const struct shm_block *sb = shm_block(m->m_shm, b);
	uint32_t n, act;

	/*
	 * Its channel is full, or was until a moment ago and its full
	 * batch is not sent yet: what it is given waits in the master.
	 */
	if (m->m_wk[b].wk_chan_full || m->m_wk[b].wk_nbatch >= CHAN_MAX_FDS)
		return (0);
	n = atomic_load_explicit(&sb->wb_slot_count, memory_order_relaxed);
	act = atomic_load_explicit(&sb->wb_active, memory_order_relaxed);
	if (m->m_wk[b].wk_conn_max != 0 && m->m_wk[b].wk_conn_max < n)
		n = m->m_wk[b].wk_conn_max;
	return (act < n ? n - act : 0);
}

/* Room over the current generation's workers. */
int
dispatch_capacity(struct master *m)
{
	unsigned int i, b;
	int cap = 0;

	for (i = 0; i < m->m_nlive; i++) {
		b = m->m_live[i];
		if (worker_eligible(m, b))
			cap += (int)dispatch_room(m, b);
	}
	return (cap);
}

/*
 * Worker b ran out of descriptors, or found at start that its limit holds
 * fewer connections than its slots (CHAN_CONNMAX, start set): from now on
 * it holds at most max connections, and clients beyond wait in the
 * backlog, where the reclaiming of idle connections serves them, instead
 * of being reset by a worker that cannot take their fds.  Only ever
 * lowered: what else the worker holds open does not shrink for long.
 */
void
dispatch_conn_max(struct master *m, unsigned int b, uint32_t max, int start)
{
	struct worker *w = &m->m_wk[b];

	if (max == 0)
		max = 1;
	if (w->wk_conn_max != 0 && max >= w->wk_conn_max)
		return;
	w->wk_conn_max = max;
	atomic_store_explicit(&shm_block(m->m_shm, b)->wb_conn_max, max,
	    memory_order_relaxed);
	/* At start: the master warned of the limit itself already. */
	if (start)
		log_info("worker %u (pid %d) has descriptors for at most %u "
		    "connections: it gets no more at a time (see "
		    "daemon.max_open_files)", w->wk_number, (int)w->wk_pid,
		    max);
	else
		log_warnx("worker %u (pid %d) is out of file descriptors: it "
		    "gets at most %u connections at a time (see "
		    "daemon.max_open_files)", w->wk_number, (int)w->wk_pid,
		    max);
}

/*
 * The least busy eligible worker, other than `except`; ties go round
 * robin so that an idle server spreads clients over all workers.
 */
static int
dispatch_pick(struct master *m, int except)
{
	const struct shm_block *sb;
	unsigned int i, b, best = 0;
	uint32_t act, least = UINT32_MAX;
	int found = -1, stale = 1;

	if (m->m_nlive == 0)
		return (-1);
	for (i = 0; i < m->m_nlive; i++) {
		b = m->m_live[(m->m_rr + i) % m->m_nlive];
		if ((int)b == except || !worker_eligible(m, b))
			continue;
		if (dispatch_room(m, b) == 0)
			continue;
		/* A worker late with its heartbeat only when all are. */
		if (m->m_wk[b].wk_stale && !stale)
			continue;
		sb = shm_block(m->m_shm, b);
		act = atomic_load_explicit(&sb->wb_active,
		    memory_order_relaxed);
		if (act < least || (stale && !m->m_wk[b].wk_stale)) {
			least = act;
			best = b;
			found = (int)i;
			stale = m->m_wk[b].wk_stale;
		}
	}
	if (found == -1)
		return (-1);
	m->m_rr = (m->m_rr + (unsigned int)found + 1) % m->m_nlive;
	return ((int)best);
}

/*
 * Claim a slot for fd in the best worker and queue it there, with what
 * the worker will write into the slot (cc: all but cc_slot filled in).
 * Returns the worker, or -1 if none has room.
 */
static int
dispatch_one(struct master *m, int fd, const struct chan_conn *cc,
    int except)
{
	struct worker *w;
	int b, idx;

	for (;;) {
		if ((b = dispatch_pick(m, except)) == -1)
			return (-1);
		if ((idx = slot_claim(m->m_shm, (unsigned int)b)) != -1)
			break;
		/* wb_active lagged behind a release: try the others. */
		except = b;
	}
	w = &m->m_wk[b];
	dispatch_keep(w, fd, cc);
	w->wk_conn[w->wk_nbatch - 1].cc_slot = (uint32_t)idx;
	if (w->wk_nbatch == CHAN_MAX_FDS)
		(void)dispatch_send(m, (unsigned int)b);
	return (b);
}

/* Whether any worker has a batch waiting: fds the master still holds. */
static int
dispatch_pending(const struct master *m)
{
	unsigned int i;

	for (i = 0; i < m->m_nlive; i++)
		if (m->m_wk[m->m_live[i]].wk_nbatch > 0)
			return (1);
	return (0);
}

void
dispatch_accept(struct master *m, struct listener *ls)
{
	struct sockaddr_storage ss;
	struct shm_listener *sl;
	struct shm_addr peer;
	struct chan_conn cc;
	socklen_t sslen;
	int fd, n, b, room, flushed = 0;

	room = dispatch_capacity(m);
	sl = shm_listener(m->m_shm, (unsigned int)ls->ls_index);
	memset(&cc, 0, sizeof(cc));
	cc.cc_listener = (uint16_t)ls->ls_index;
	cc.cc_proto = ls->ls_proto;
	cc.cc_accept_ms = clock_ms();
	for (n = 0; n < ACCEPT_BATCH && room > 0; n++) {
		sslen = sizeof(ss);
		fd = accept4(ls->ls_fd, (struct sockaddr *)&ss, &sslen,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			switch (errno) {
			case EAGAIN:
				return;
			case EINTR:
			case ECONNABORTED:
			case EPROTO:
			case EPERM:	/* firewall */
				continue;
			case EMFILE:
			case ENFILE:
				/*
				 * The batches being filled hold our copies
				 * of their fds until sent: send them (once)
				 * and go on, rather than pause with clients
				 * waiting for descriptors we hold ourselves.
				 */
				if (!flushed && dispatch_pending(m)) {
					flushed = 1;
					dispatch_flush(m);
					room = dispatch_capacity(m);
					continue;
				}
				/* FALLTHROUGH */
			case ENOBUFS:
			case ENOMEM:
				/* Spinning would not free a descriptor. */
				log_warn("accept4() on %s failed; pausing "
				    "%d ms", ls->ls_conf != NULL ?
				    ls->ls_conf->lc_name : "?",
				    EMFILE_PAUSE_MS);
				m->m_emfile_until = clock_ms() +
				    EMFILE_PAUSE_MS;
				return;
			default:
				log_warn("accept4() failed");
				return;
			}
		}
		TM_STAT_ADD(sl->li_accepted, 1);
		shm_addr_set(&peer, sslen > 0 ? (struct sockaddr *)&ss : NULL);
		memcpy(cc.cc_peer, &peer, sizeof(cc.cc_peer));
		if ((b = dispatch_one(m, fd, &cc, -1)) == -1) {
			/* Cannot happen: room was counted.  Be safe. */
			log_warnx("dispatch: no slot for an accepted "
			    "connection; closing it");
			close(fd);
			return;
		}
		/* A batch that found its channel full takes no more. */
		if (m->m_wk[b].wk_chan_full || m->m_wk[b].wk_chan == -1)
			room = dispatch_capacity(m);
		else
			room--;
	}
	if (room == 0)
		m->m_full = 1;
}

/*
 * Move worker b's pending connections to other workers: b drains, or
 * its channel is gone, or full while b is late.  Their slots in b were
 * never handed off, so the master still owns them and may free them
 * itself.  What no other worker can take stays with a b that lives: it
 * is sent there once the channel has room, unless b was told to drain
 * meanwhile (nothing is sent after that order); a dead b's are closed.
 */
void
dispatch_requeue(struct master *m, unsigned int b)
{
	struct worker *w = &m->m_wk[b];
	struct chan_conn cc[CHAN_MAX_FDS];
	int fds[CHAN_MAX_FDS], n, i, alive;

	alive = w->wk_pid != 0 && w->wk_chan != -1;
	n = w->wk_nbatch;
	memcpy(fds, w->wk_fds, sizeof(int) * (size_t)n);
	memcpy(cc, w->wk_conn, sizeof(cc[0]) * (size_t)n);
	w->wk_nbatch = 0;
	for (i = 0; i < n; i++) {
		if (!dispatch_servable(m, &cc[i])) {
			if (alive) {
				/* Its own generation serves it, in time. */
				dispatch_keep(w, fds[i], &cc[i]);
				continue;
			}
			if (!m->m_stopping)
				log_info("dispatch: a connection accepted "
				    "before the reload changed its listener "
				    "cannot move to the new workers; closing "
				    "it");
			close(fds[i]);
			continue;
		}
		if (dispatch_one(m, fds[i], &cc[i], (int)b) != -1) {
			/*
			 * Claimed elsewhere; b's claim was never handed off,
			 * so the master takes it back (at reap the release
			 * of all b's slots follows anyway).
			 */
			slot_unclaim(m->m_shm, b, cc[i].cc_slot);
			continue;
		}
		if (alive) {
			dispatch_keep(w, fds[i], &cc[i]);
			continue;
		}
		log_warnx("dispatch: no worker can take a connection; "
		    "closing it");
		close(fds[i]);
	}
}

/*
 * Add a connection to w's batch (its slot claimed in w).  Room is
 * dispatch_room()'s to ensure: a full batch is no room.
 */
static void
dispatch_keep(struct worker *w, int fd, const struct chan_conn *cc)
{
	w->wk_fds[w->wk_nbatch] = fd;
	w->wk_conn[w->wk_nbatch++] = *cc;
}

/*
 * A connection can go to the current generation only while its listener
 * is open with the protocol it was accepted for: a reload may have
 * removed the listener or switched it (http <-> https) since.
 */
static int
dispatch_servable(const struct master *m, const struct chan_conn *cc)
{
	unsigned int i;

	for (i = 0; i < m->m_nls; i++)
		if (m->m_ls[i].ls_index == cc->cc_listener)
			return (m->m_ls[i].ls_proto == cc->cc_proto);
	return (0);
}

/*
 * Send worker b's batch: 0 sent (or nothing to send), 1 kept for later,
 * -1 the channel is broken.  Never moves connections itself: a requeue
 * could fill another batch and send it, and a full channel there must
 * not bounce them back here (dispatch_flush() moves them, one level).
 */
int
dispatch_send(struct master *m, unsigned int b)
{
	struct worker *w = &m->m_wk[b];
	struct chan_msg msg;
	int i;

	if (w->wk_nbatch == 0)
		return (0);
	if (w->wk_chan == -1)
		return (-1);
	msg.cm_type = CHAN_CONNS;
	msg.cm_count = (uint16_t)w->wk_nbatch;
	msg.cm_arg = 0;
	memcpy(msg.cm_conn, w->wk_conn, sizeof(w->wk_conn[0]) * w->wk_nbatch);
	if (chan_send(w->wk_chan, &msg, w->wk_fds) == 0) {
		/* Sent: the worker owns the fds now; drop our copies. */
		for (i = 0; i < w->wk_nbatch; i++)
			close(w->wk_fds[i]);
		w->wk_nbatch = 0;
		w->wk_chan_full = 0;
		return (0);
	}
	/*
	 * The worker is behind: the batch waits for room, and so do new
	 * clients, in the backlog, if every worker is.  Never dropped.
	 */
	switch (errno) {
	case EAGAIN:
		w->wk_chan_full = CHAN_FULL;
		return (1);
	case ENOBUFS:
	case ENOMEM:
	case ETOOMANYREFS:	/* too many fds in flight */
		/* No POLLOUT would tell: try again next turn. */
		w->wk_chan_full = CHAN_BEHIND;
		return (1);
	}
	log_warn("dispatch: sendmsg() to worker %d failed", (int)w->wk_pid);
	/* Gone: SIGCHLD will tell how; its batch moves on. */
	close(w->wk_chan);
	w->wk_chan = -1;
	return (-1);
}

/*
 * Send every pending batch.  One whose worker was told to drain, or
 * whose channel is gone, or full while its worker is late, moves to the
 * others (here, and at reap only); a move can fill and send another
 * batch, so loop (a bounded number of times: what is left waits for the
 * next turn of the master's loop).  A drain order held back for a batch
 * goes out once the batch is sent.
 */
void
dispatch_flush(struct master *m)
{
	struct worker *w;
	unsigned int i, b;
	int again = 1, rounds = 0, n, r;

	while (again && rounds++ < 4) {
		again = 0;
		for (i = 0; i < m->m_nlive; i++) {
			w = &m->m_wk[b = m->m_live[i]];
			if (w->wk_chan_full == CHAN_BEHIND && rounds == 1)
				w->wk_chan_full = 0;
			if (w->wk_nbatch == 0) {
				if (w->wk_drain_held)
					proc_drain_release(m, b);
				continue;
			}
			/*
			 * Told to drain: it may exit as soon as its channel
			 * is empty, so nothing is sent after the order.  A
			 * full channel is tried again on POLLOUT only.
			 */
			if (w->wk_draining && !w->wk_drain_held)
				r = -1;
			else if (w->wk_chan_full == CHAN_FULL &&
			    w->wk_chan != -1)
				r = 1;
			else
				r = dispatch_send(m, b);
			if (r == 0) {
				if (w->wk_drain_held)
					proc_drain_release(m, b);
				continue;
			}
			if (r == 1 && !w->wk_stale)
				continue;
			if (r == -1)
				w->wk_drain_held = 0;	/* gone, or told */
			n = w->wk_nbatch;
			dispatch_requeue(m, b);
			/* Those moved may wait in another batch. */
			if (w->wk_nbatch < n)
				again = 1;
			if (w->wk_nbatch == 0 && w->wk_drain_held)
				proc_drain_release(m, b);
		}
	}
}

/*
 * Every slot is taken.  A client waiting in a listener's backlog would
 * wait until some connection ends, and idle keep-alive connections could
 * hold every slot for their whole timeout: the workers are asked to close
 * about as many idle connections as clients wait (CHAN_RECLAIM,
 * conn_reclaim()), spread round robin, at most RECLAIM_EACH per worker,
 * and again every RECLAIM_MS while clients still wait.
 */
void
dispatch_reclaim(struct master *m, uint64_t now)
{
	unsigned int elig[TM_MAX_BLOCKS], i, j, b, ne = 0, waiting = 0, share;
	int fdcap = 0;
	struct chan_msg msg;

	if (now - m->m_reclaim_at < RECLAIM_MS)
		return;
	m->m_reclaim_at = now;
	/* A slot freed since this pass began: accepting resumes anyway. */
	if (dispatch_capacity(m) > 0)
		return;
	for (i = 0; i < m->m_nls; i++)
		waiting += dispatch_waiting(&m->m_ls[i]);
	if (waiting == 0)
		return;
	for (i = 0; i < m->m_nlive; i++) {
		b = m->m_live[i];
		/* One behind with its channel is not out of slots. */
		if (worker_eligible(m, b) && !m->m_wk[b].wk_chan_full) {
			elig[ne++] = b;
			if (m->m_wk[b].wk_conn_max != 0)
				fdcap = 1;
		}
	}
	if (ne == 0)
		return;
	if (m->m_reclaim_logged == 0 ||
	    now - m->m_reclaim_logged >= RECLAIM_LOG_MS) {
		log_warnx("every %s is in use and %u client(s) wait: closing "
		    "idle connections (see %s)", fdcap ? "connection the "
		    "descriptors allow" : "slot", waiting, fdcap ?
		    "daemon.max_open_files" : "workers.slots_per_worker");
		m->m_reclaim_logged = now;
	}
	if (waiting > RECLAIM_EACH * ne)
		waiting = RECLAIM_EACH * ne;
	memset(&msg, 0, sizeof(msg));
	msg.cm_type = CHAN_RECLAIM;
	msg.cm_arg = 1;
	/* One waiting client costs one connection, not one per worker. */
	for (j = 0; j < ne && waiting > 0; j++) {
		b = elig[(m->m_reclaim_rr + j) % ne];
		share = (waiting + (ne - j) - 1) / (ne - j);
		msg.cm_data[0] = (uint8_t)share;
		/* A full channel: that worker is busy; the next round asks. */
		(void)chan_send(m->m_wk[b].wk_chan, &msg, NULL);
		waiting -= share;
	}
	m->m_reclaim_rr++;
}

/*
 * Clients in a listener's accept queue: TCP_INFO reports its length on a
 * listening socket (with deferred accept only those that have spoken).
 * Elsewhere, or if that fails: 1 if poll(2) finds one, else 0.
 */
static unsigned int
dispatch_waiting(const struct listener *ls)
{
#ifdef TCP_INFO
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	if (ls->ls_conf != NULL && ls->ls_conf->lc_sa.ss_family != AF_UNIX &&
	    getsockopt(ls->ls_fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 &&
	    len >= offsetof(struct tcp_info, tcpi_unacked) +
	    sizeof(ti.tcpi_unacked))
		return (ti.tcpi_unacked);
#endif
	{
		struct pollfd pfd;

		pfd.fd = ls->ls_fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		/* Only a look: the master does not accept without a slot. */
		if (poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN))
			return (1);
	}
	return (0);
}
