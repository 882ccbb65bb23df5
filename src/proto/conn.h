/*
 * A connection as protocols see it.  The worker owns struct conn (one per
 * slot of its block, indexed by the slot) and implements the conn_*
 * calls; protocols and transports use them and never close an fd or free a
 * slot themselves: every connection ends in conn_close().
 */
#ifndef TM_CONN_H
#define TM_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "shm/shm_layout.h"

struct proto;
struct listener_conf;
struct site_conf;

/* c_flags */
#define CONN_F_ACTIVE	0x0001	/* in use */
#define CONN_F_RD	0x0002	/* readable edge seen, not yet drained */
#define CONN_F_WR	0x0004	/* writable edge seen, not yet filled */
#define CONN_F_EOF	0x0008	/* peer closed its side */
#define CONN_F_DRAIN	0x0010	/* worker draining: finish and close */
#define CONN_F_CLOSING	0x0020	/* in conn_close() */
#define CONN_F_TLS_WR	0x0040	/* TLS read needs the socket writable */
#define CONN_F_TLS_RD	0x0080	/* TLS write needs the socket readable */
#define CONN_F_LINGER	0x0100	/* closing: discard input, then close */
#define CONN_F_KAIDLE	0x0200	/* waiting for the next request */
#define CONN_F_RESUME	0x0400	/* wants another turn */
#define CONN_F_HANDSHAKE 0x0800	/* transport handshake not done yet */
#define CONN_F_NOSENDFILE 0x1000	/* no tr_sendfile (TLS without kTLS) */
#define CONN_F_DELACK	0x2000	/* the kernel holds our ACK for a reply */
/* The slot is in the resume queue (kept over a close and reopen). */
#define CONN_F_QUEUED	0x4000

struct conn {
	int		 c_fd;
	uint32_t	 c_slot;	/* index in the worker's block */
	uint16_t	 c_flags;
	uint16_t	 c_listener;
	uint8_t		 c_proto;
	uint8_t		 c_pad[3];
	uint32_t	 c_incarn;	/* bumped at close: stale events */
	struct shm_slot	*c_sl;		/* its record in the segment */
	const struct proto *c_pr;
	const struct listener_conf *c_lc;
	void		*c_tls;		/* transport state (SSL *) */
	void		*c_data;	/* protocol state */
	char		*c_in;		/* input buffer, lazily allocated */
	uint32_t	 c_in_len;	/* bytes held */
	uint32_t	 c_in_size;	/* capacity */
};

/* Close reasons, for logs and counters. */
enum conn_reason {
	CONN_DONE = 0,		/* orderly: Connection: close, EOF, ... */
	CONN_TIMEOUT,
	CONN_IO,		/* reset or I/O error */
	CONN_PROTO,		/* protocol error (after any 4xx sent) */
	CONN_TLS,		/* handshake failure */
	CONN_SHUTDOWN,		/* worker stopping */
	CONN_NOMEM
};

void	conn_close(struct conn *, enum conn_reason);
/*
 * Deadlines: any connection can carry one, at any distance; setting,
 * moving and clearing are O(1).  ms == 0 clears.
 */
void	conn_set_timeout(struct conn *, uint32_t ms);
/* Slot state as shown by tamarinctl. */
void	conn_set_state(struct conn *, enum tm_slot_state);
/* Progress marks: bytes moved (also keeps sl_active_ms fresh). */
void	conn_count_in(struct conn *, size_t);
void	conn_count_out(struct conn *, size_t);
/* Per-worker counters in the block. */
void	conn_stat(enum tm_counter, uint64_t);
/* Ensure c_in holds at least want bytes of capacity; 0 / -1. */
int	conn_in_reserve(struct conn *, size_t want);
/* Give the input buffer back when it is empty (idle keep-alive). */
void	conn_in_release(struct conn *);
/*
 * The connection waits for input before it has answered: send the ACK
 * that its listener holds for the answer (listener_quickack()) now.
 * CONN_ACK_HEAD: more of the head (or of the PROXY header) is to come;
 * the response may still carry the next ACK.  CONN_ACK_BODY: a request
 * body is to come; acknowledging returns to the kernel's default, which
 * keeps a client's Nagle algorithm moving through the body.
 * CONN_ACK_PEEKED: as HEAD, for bytes sl_bytes_in does not count yet.
 */
#define CONN_ACK_HEAD	0
#define CONN_ACK_BODY	1
#define CONN_ACK_PEEKED	2
void	conn_ack_slow(struct conn *, int);
static inline void
conn_ack_now(struct conn *c, int how)
{
	if (c->c_flags & CONN_F_DELACK)
		conn_ack_slow(c, how);
}
/* Ask the loop to call pr_event again soon (work left, no new edge). */
void	conn_resume(struct conn *);
/* The current time as the loop last read it (ms, CLOCK_MONOTONIC). */
uint64_t conn_now_ms(void);
/* Wall-clock seconds, cached per loop iteration. */
int64_t	conn_now_wall(void);

#endif /* TM_CONN_H */
