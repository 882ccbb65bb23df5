/*
 * Connection life in a worker: from the fd the master handed over (slot
 * CLAIMED) to conn_close(), the one path that ends every connection and
 * releases its slot as its very last step.
 */
#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/fdpass.h"
#include "lib/log.h"
#include "master/config.h"
#include "proto/conn.h"
#include "proto/proto.h"
#include "worker/wstate.h"

/*
 * New connections given their first turn inside the channel read, per
 * loop pass; the rest wait for epoll like any other event, so a burst
 * of handshakes cannot hold up the connections the worker already has.
 */
#define CONN_FIRST_TURNS	64

static void	conn_slot_free(uint32_t);

static const char *const conn_reasons[] = {
	"done", "timeout", "I/O error", "protocol error", "TLS failure",
	"shutdown", "out of memory"
};

void
conn_open(int fd, const struct chan_conn *cc)
{
	struct wstate *ws = &tm_ws;
	struct epoll_event ev;
	struct shm_addr peer;
	struct shm_slot *sl;
	struct conn *c;
	uint32_t w, slot = cc->cc_slot;

	if (slot >= ws->ws_nconns) {
		log_warnx("conn_open: slot %u out of range; closing fd", slot);
		close(fd);
		return;
	}
	c = &ws->ws_conns[slot];
	sl = shm_slot(ws->ws_shm, ws->ws_sb, slot);
	w = atomic_load_explicit(&sl->sl_word, memory_order_relaxed);
	if ((c->c_flags & CONN_F_ACTIVE) || TM_SW_STATE(w) != TM_SLOT_FREE ||
	    !slot_claimed(ws->ws_shm, ws->ws_block, slot)) {
		/* Two owners for one slot would corrupt everything after. */
		log_error("conn_open: slot %u is %s, state %u: dropping the "
		    "connection", slot, (c->c_flags & CONN_F_ACTIVE) ?
		    "in use" : "not claimed", TM_SW_STATE(w));
		close(fd);
		return;
	}
	/* Ours now: the master described it, we write it. */
	memcpy(&peer, cc->cc_peer, sizeof(peer));
	slot_adopt(sl, cc->cc_listener, cc->cc_proto, &peer,
	    cc->cc_accept_ms, ws->ws_now_ms);
	c->c_fd = fd;
	c->c_slot = slot;
	c->c_flags = CONN_F_ACTIVE | (c->c_flags & CONN_F_QUEUED);
	c->c_sl = sl;
	c->c_listener = sl->sl_listener;
	c->c_proto = sl->sl_proto;
	c->c_pr = proto_get(sl->sl_proto);
	c->c_lc = c->c_listener < TM_MAX_LISTENERS ?
	    ws->ws_lmap[c->c_listener] : NULL;
	c->c_tls = NULL;
	c->c_data = NULL;
	c->c_in = NULL;
	c->c_in_len = c->c_in_size = 0;
	ws->ws_nactive++;
	conn_stat(TM_CTR_accepted, 1);

	if (c->c_pr == NULL || c->c_lc == NULL) {
		log_warnx("conn_open: slot %u: unknown protocol %u or "
		    "listener %u", slot, c->c_proto, c->c_listener);
		conn_close(c, CONN_PROTO);
		return;
	}
	/* As its listener was set up: the first reply carries our ACK. */
	if (config_listener_holds_ack(c->c_lc))
		c->c_flags |= CONN_F_DELACK;
	/* The protocol, or first the PROXY header its listener expects. */
	if (proto_open(c) == -1) {
		conn_close(c, CONN_PROTO);
		return;
	}
	/* Sent before the drain order: served, but not kept alive. */
	if (ws->ws_draining)
		c->c_flags |= CONN_F_DRAIN;
	/*
	 * The client's first bytes have usually arrived while the master
	 * handed the fd over: run the first turn now, as if both edges had
	 * come (a read that finds nothing just waits).  Only a connection
	 * that has to wait is registered, so one that ends in its first
	 * turn costs neither epoll_ctl() nor the removal at close.  Adding
	 * it afterwards loses no edge: EPOLL_CTL_ADD reports what is ready
	 * at that moment.
	 */
	if (ws->ws_first_turns < CONN_FIRST_TURNS) {
		ws->ws_first_turns++;
		c->c_pr->pr_event(c, EPOLLIN | EPOLLOUT);
		if (!(c->c_flags & CONN_F_ACTIVE))
			return;
	}
	/* Edge-triggered, both directions, registered once for its life. */
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
	ev.data.u64 = (uint64_t)c->c_incarn << 32 | slot;
	if (epoll_ctl(ws->ws_ep, EPOLL_CTL_ADD, fd, &ev) == -1) {
		log_warn("conn_open: epoll_ctl() failed");
		conn_close(c, CONN_IO);
	}
}

void
conn_close(struct conn *c, enum conn_reason why)
{
	struct wstate *ws = &tm_ws;

	if (!(c->c_flags & CONN_F_ACTIVE) || (c->c_flags & CONN_F_CLOSING))
		return;
	c->c_flags |= CONN_F_CLOSING;
	if (why != CONN_DONE && why != CONN_SHUTDOWN)
		log_debug("connection %u closed: %s", c->c_slot,
		    conn_reasons[why]);
	switch (why) {
	case CONN_TIMEOUT:
		conn_stat(TM_CTR_err_timeout, 1);
		break;
	case CONN_IO:
		conn_stat(TM_CTR_err_io, 1);
		break;
	case CONN_PROTO:
		conn_stat(TM_CTR_err_proto, 1);
		break;
	case CONN_TLS:
		conn_stat(TM_CTR_err_tls, 1);
		break;
	default:
		break;
	}
	if (c->c_pr != NULL && c->c_pr->pr_close != NULL)
		c->c_pr->pr_close(c);
	conn_set_timeout(c, 0);
	c->c_in_len = 0;
	conn_in_release(c);
	/*
	 * close() drops the epoll registration with the last reference; a
	 * late event for this slot carries the old incarnation and is
	 * ignored by the loop.
	 */
	if (close(c->c_fd) == -1 && errno != EINTR)
		log_warn("conn_close: close() failed");
	c->c_fd = -1;
	c->c_flags &= CONN_F_QUEUED;
	c->c_incarn++;
	c->c_data = NULL;
	c->c_tls = NULL;
	ws->ws_nactive--;
	conn_stat(TM_CTR_closed, 1);
	/* Last: from here the master may hand the slot to someone else. */
	conn_slot_free(c->c_slot);
}

/* Give slot back to the master, and wake it if it waits for one. */
static void
conn_slot_free(uint32_t slot)
{
	struct wstate *ws = &tm_ws;

	slot_release(ws->ws_shm, ws->ws_block, slot);
	if (atomic_load_explicit(&shm_header(ws->ws_shm)->sh_master_waiting,
	    memory_order_relaxed)) {
		struct chan_msg m;

		memset(&m, 0, sizeof(m));
		m.cm_type = CHAN_SLOTFREE;
		/* EAGAIN: the master has other wake-ups queued already. */
		(void)chan_send(ws->ws_chan, &m, NULL);
	}
}

/*
 * A connection whose fd never arrived: the worker was out of descriptors,
 * and the kernel closed it in recvmsg(), a reset for the client.  The
 * master claimed its slot and only the worker clears claims: release it
 * here, or it stays taken for the worker's life.  Counted as received and
 * lost to an I/O error, so that the totals balance.
 */
void
conn_lost(const struct chan_conn *cc)
{
	struct wstate *ws = &tm_ws;
	struct shm_slot *sl;
	uint32_t w, slot = cc->cc_slot;

	if (slot >= ws->ws_nconns) {
		log_warnx("conn_lost: slot %u out of range", slot);
		return;
	}
	sl = shm_slot(ws->ws_shm, ws->ws_sb, slot);
	w = atomic_load_explicit(&sl->sl_word, memory_order_relaxed);
	if ((ws->ws_conns[slot].c_flags & CONN_F_ACTIVE) ||
	    TM_SW_STATE(w) != TM_SLOT_FREE ||
	    !slot_claimed(ws->ws_shm, ws->ws_block, slot)) {
		/* Another connection's slot: never release it. */
		log_error("conn_lost: slot %u is %s, state %u: left alone",
		    slot, (ws->ws_conns[slot].c_flags & CONN_F_ACTIVE) ?
		    "in use" : "not claimed", TM_SW_STATE(w));
		return;
	}
	conn_stat(TM_CTR_accepted, 1);
	conn_stat(TM_CTR_err_io, 1);
	conn_stat(TM_CTR_closed, 1);
	conn_slot_free(slot);
}

void
conn_close_all(enum conn_reason why)
{
	struct wstate *ws = &tm_ws;
	uint32_t i;

	for (i = 0; i < ws->ws_nconns && ws->ws_nactive > 0; i++)
		if (ws->ws_conns[i].c_flags & CONN_F_ACTIVE)
			conn_close(&ws->ws_conns[i], why);
}

void
conn_drain_all(void)
{
	struct wstate *ws = &tm_ws;
	struct conn *c;
	uint32_t i;

	for (i = 0; i < ws->ws_nconns; i++) {
		c = &ws->ws_conns[i];
		if (!(c->c_flags & CONN_F_ACTIVE))
			continue;
		c->c_flags |= CONN_F_DRAIN;
		if (c->c_pr != NULL && c->c_pr->pr_drain != NULL)
			c->c_pr->pr_drain(c);
	}
}

/*
 * Every slot is taken and clients wait in the backlog (CHAN_RECLAIM): close
 * up to `want` (at most CONN_RECLAIM_MAX) of the connections that hold a
 * slot with no request in progress, the longest quiet first, as nginx
 * reuses its idle keep-alive connections.  Only one quiet for at least
 * CONN_RECLAIM_QUIET_MS, with nothing to read: input waiting or arriving
 * (CONN_F_RD, queued for a turn, bytes in the socket) would make close()
 * send a reset, and a request in it would be lost.
 */
#define CONN_RECLAIM_MAX	32
#define CONN_RECLAIM_QUIET_MS	1000

void
conn_reclaim(unsigned int want)
{
	struct wstate *ws = &tm_ws;
	uint32_t pick[CONN_RECLAIM_MAX], i, j, k, n = 0, done = 0;
	uint64_t at[CONN_RECLAIM_MAX], t;
	struct conn *c;
	int avail;

	if (want > CONN_RECLAIM_MAX)
		want = CONN_RECLAIM_MAX;
	/* The CONN_RECLAIM_MAX quietest, oldest first, by insertion. */
	for (i = 0; i < ws->ws_nconns; i++) {
		c = &ws->ws_conns[i];
		if (!(c->c_flags & CONN_F_ACTIVE) ||
		    (c->c_flags & (CONN_F_RD | CONN_F_RESUME)) ||
		    c->c_pr == NULL || c->c_pr->pr_idle == NULL ||
		    !c->c_pr->pr_idle(c))
			continue;
		t = c->c_sl->sl_active_ms;
		if (ws->ws_now_ms < t + CONN_RECLAIM_QUIET_MS ||
		    (n == CONN_RECLAIM_MAX && t >= at[n - 1]))
			continue;
		for (k = n < CONN_RECLAIM_MAX ? n : n - 1; k > 0 &&
		    at[k - 1] > t; k--) {
			at[k] = at[k - 1];
			pick[k] = pick[k - 1];
		}
		at[k] = t;
		pick[k] = i;
		if (n < CONN_RECLAIM_MAX)
			n++;
	}
	for (j = 0; j < n && done < want; j++) {
		c = &ws->ws_conns[pick[j]];
		/* A request on its way in: this one is not idle. */
		if (ioctl(c->c_fd, FIONREAD, &avail) == -1 || avail > 0)
			continue;
		conn_close(c, CONN_DONE);
		conn_stat(TM_CTR_reclaimed, 1);
		done++;
	}
	log_debug("every slot in use: closed %u idle connections (%u asked)",
	    done, want);
}

void
conn_set_state(struct conn *c, enum tm_slot_state st)
{
	slot_set_state(c->c_sl, st);
}

void
conn_count_in(struct conn *c, size_t n)
{
	struct shm_slot *sl = c->c_sl;

	slot_write_begin(sl);
	sl->sl_bytes_in += n;
	sl->sl_active_ms = tm_ws.ws_now_ms;
	slot_write_end(sl);
	conn_stat(TM_CTR_bytes_in, n);
}

void
conn_count_out(struct conn *c, size_t n)
{
	struct shm_slot *sl = c->c_sl;

	c->c_flags &= ~CONN_F_DELACK;	/* these bytes carried the ACK */
	slot_write_begin(sl);
	sl->sl_bytes_out += n;
	sl->sl_active_ms = tm_ws.ws_now_ms;
	slot_write_end(sl);
	conn_stat(TM_CTR_bytes_out, n);
}

/*
 * TCP_QUICKACK 2 (any even value) sends a pending ACK and leaves the
 * socket in delayed-ACK mode, so the response can carry the next ACK too;
 * with no ACK pending it only leaves that mode, which merely costs the
 * segment this saves.  The flag stays until a reply goes out: a head in
 * three parts needs this twice.  1, for a body: back to quick ACKs, and
 * the flag goes.
 */
void
conn_ack_slow(struct conn *c, int how)
{
	/* Nothing has come yet: nothing to acknowledge. */
	if (how != CONN_ACK_PEEKED && c->c_sl->sl_bytes_in == 0)
		return;
	if (how == CONN_ACK_BODY)
		c->c_flags &= ~CONN_F_DELACK;
#ifdef TCP_QUICKACK
	{
		int v = how == CONN_ACK_BODY ? 1 : 2;

		/* Should it fail, the delayed-ACK timer still sends it. */
		if (setsockopt(c->c_fd, IPPROTO_TCP, TCP_QUICKACK, &v,
		    sizeof(v)) == -1)
			log_debug("connection %u: setsockopt(TCP_QUICKACK): "
			    "%s", c->c_slot, strerror(errno));
		/*
		 * Linux goes back to holding ACKs after 2 only when an ACK
		 * was pending; when none was (sent already), every later
		 * segment of the head would get a bare ACK of its own.
		 */
		else if (v == 2) {
			v = 0;
			(void)setsockopt(c->c_fd, IPPROTO_TCP, TCP_QUICKACK,
			    &v, sizeof(v));
		}
	}
#endif
}

void
conn_stat(enum tm_counter k, uint64_t n)
{
	TM_STAT_ADD(tm_ws.ws_sb->wb_counters[k], n);
}

int
conn_in_reserve(struct conn *c, size_t want)
{
	struct wstate *ws = &tm_ws;
	size_t size;
	char *p;

	if (c->c_in != NULL && c->c_in_size >= want)
		return (0);
	if (c->c_in == NULL && want <= CONN_BUF_SIZE) {
		if (ws->ws_nbufs > 0)
			c->c_in = ws->ws_bufs[--ws->ws_nbufs];
		else if ((c->c_in = malloc(CONN_BUF_SIZE)) == NULL)
			return (-1);
		c->c_in_size = CONN_BUF_SIZE;
		return (0);
	}
	for (size = CONN_BUF_SIZE; size < want; size *= 2)
		;
	if ((p = realloc(c->c_in, size)) == NULL)
		return (-1);
	c->c_in = p;
	c->c_in_size = (uint32_t)size;
	return (0);
}

void
conn_in_release(struct conn *c)
{
	struct wstate *ws = &tm_ws;

	if (c->c_in == NULL || c->c_in_len != 0)
		return;
	if (c->c_in_size == CONN_BUF_SIZE && ws->ws_nbufs < CONN_BUF_CACHE)
		ws->ws_bufs[ws->ws_nbufs++] = c->c_in;
	else
		free(c->c_in);
	c->c_in = NULL;
	c->c_in_size = 0;
}

void
conn_resume(struct conn *c)
{
	struct wstate *ws = &tm_ws;

	/*
	 * Bounded by the connection count: each slot is queued at most
	 * once, even when it closed and opened again since it was queued.
	 */
	c->c_flags |= CONN_F_RESUME;
	if (c->c_flags & CONN_F_QUEUED)
		return;
	c->c_flags |= CONN_F_QUEUED;
	ws->ws_resume[ws->ws_nresume++] = c->c_slot;
}

uint64_t
conn_now_ms(void)
{
	return (tm_ws.ws_now_ms);
}

int64_t
conn_now_wall(void)
{
	return (tm_ws.ws_now_wall);
}

void
conn_set_timeout(struct conn *c, uint32_t ms)
{
	struct wheel *wh = &tm_ws.ws_wheel;
	struct shm_slot *sl = c->c_sl;

	/* O(1) either way; inside the row's rewrite for tamarinctl. */
	slot_write_begin(sl);
	if (ms == 0)
		wheel_cancel(wh, c->c_slot);
	else
		wheel_arm(wh, c->c_slot, tm_ws.ws_now_ms + ms);
	slot_write_end(sl);
}
