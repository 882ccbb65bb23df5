/*
 * The master-worker channel: a SOCK_SEQPACKET socketpair carrying small
 * fixed messages, and with CHAN_CONNS a batch of accepted sockets as
 * SCM_RIGHTS, each paired with the slot the master claimed for it.  Other
 * messages carry no fds, and may carry cm_arg bytes of data (CHAN_TICKETS:
 * the session ticket keys, which thus never touch the segment).
 */
#ifndef TM_FDPASS_H
#define TM_FDPASS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Fds per message: one cmsg buffer of this size lives on the stack. */
#define CHAN_MAX_FDS	64

enum chan_type {
	CHAN_CONNS = 1,		/* m->w: cm_count fds, cm_conn[i] each */
	CHAN_DRAIN,		/* m->w: no new fds; finish and exit */
	CHAN_STOP,		/* m->w: close everything now and exit */
	CHAN_REOPEN,		/* m->w: reopen log files */
	CHAN_SLOTFREE,		/* w->m: a slot freed while the master waited */
	CHAN_TICKETS,		/* m->w: session ticket keys rotated,
				   cm_arg bytes of them in cm_data */
	CHAN_RECLAIM,		/* m->w: every slot is taken and clients
				   wait: close some idle connections */
	CHAN_CONNMAX,		/* w->m: out of descriptors: send at most
				   the uint32_t in cm_data connections;
				   a byte after it, 1: so at start */
	CHAN__MAX
};

/*
 * What comes with each fd: the slot the master claimed for it, and what the
 * worker writes into that slot (the master itself never does).  The peer
 * has the shape of the segment's struct shm_addr.
 */
struct chan_conn {
	uint32_t	cc_slot;
	uint16_t	cc_listener;	/* row of the listener table */
	uint8_t		cc_proto;	/* protocol ID */
	uint8_t		cc_pad;
	uint64_t	cc_accept_ms;	/* CLOCK_MONOTONIC */
	uint8_t		cc_peer[20];
	uint32_t	cc_pad2;
};

/* Data bytes a message other than CHAN_CONNS may carry. */
#define CHAN_MAX_DATA	256

struct chan_msg {
	uint16_t	cm_type;
	uint16_t	cm_count;	/* fds (CHAN_CONNS only) */
	uint32_t	cm_arg;		/* other types: bytes in cm_data */
	union {
		struct chan_conn cm_conn[CHAN_MAX_FDS];	/* CHAN_CONNS */
		uint8_t	 cm_data[CHAN_MAX_DATA];
	};
};

#define CHAN_HDR_LEN	offsetof(struct chan_msg, cm_conn)

/* A connected SOCK_SEQPACKET pair, both ends non-blocking and CLOEXEC. */
int	chan_pair(int sv[2]);

/*
 * Send m with its m->cm_count fds.  Returns 0, or -1 with errno (EAGAIN:
 * the peer's queue is full; nothing was sent and the caller still owns
 * every fd).
 */
int	chan_send(int sock, const struct chan_msg *m, const int *fds);

/*
 * Receive one message and its fds (CLOEXEC) into fds[CHAN_MAX_FDS].
 * Returns 1, 0 at end of file, or -1 with errno (EAGAIN: nothing queued;
 * EPROTO: truncated or inconsistent message, every fd that came with it
 * already closed).  CHAN_CONNS whose fds did not all fit (the receiver
 * is out of descriptors: the kernel closed the rest) returns 1 with -1
 * in fds[] for each entry whose fd was lost.
 */
int	chan_recv(int sock, struct chan_msg *m, int *fds);

#endif /* TM_FDPASS_H */
