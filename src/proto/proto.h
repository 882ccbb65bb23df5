/*
 * Protocols and transports.
 *
 * The master maps a listener's `protocol = "name"` to an ID and sends the
 * ID with every fd (in the slot); the worker dispatches on it through this
 * table.  A protocol drives a connection through its hooks; beneath it a
 * transport moves bytes (plain socket or TLS), so HTTP never knows which
 * one it runs on.
 */
#ifndef TM_PROTO_H
#define TM_PROTO_H

#include <sys/types.h>
#include <sys/uio.h>

#include <stdint.h>

#define TM_PROTO_HTTP		1
#define TM_PROTO_HTTPS		2
#define TM_PROTO_MAX		4

struct conn;
struct config;

struct transport {
	const char	*tr_name;
	/* Set up per-connection state (TLS: the SSL object).  0 / -1. */
	int		(*tr_open)(struct conn *);
	/*
	 * Complete the handshake: 0 done, 1 again (wait for the events the
	 * transport asked for with conn_want()), -1 failed.  2: the peer
	 * speaks plain HTTP (on a TLS port), what it sent so far is in c_in,
	 * and the transport now reads and writes in clear, for the protocol
	 * to answer it; the connection counts as a failed handshake.  NULL:
	 * none.
	 */
	int		(*tr_handshake)(struct conn *);
	/*
	 * 1 while the handshake has received not one byte from the peer, so
	 * closing the connection cuts nothing short.  NULL: never.
	 */
	int		(*tr_silent)(const struct conn *);
	/* n > 0, 0 at EOF, -1 with errno (EAGAIN: nothing now). */
	ssize_t		(*tr_read)(struct conn *, void *, size_t);
	/*
	 * more: the caller sends more at once (a file after its head), so
	 * the transport may hold this back to go with it (MSG_MORE).
	 */
	ssize_t		(*tr_writev)(struct conn *, const struct iovec *, int,
			    int more);
	/* NULL when the transport cannot send from a file (TLS w/o kTLS). */
	ssize_t		(*tr_sendfile)(struct conn *, int fd, off_t *off,
			    size_t count);
	/*
	 * Say goodbye and half-close (TLS: close_notify), before a lingering
	 * close or a close: 0 done, 1 again, -1 give up.
	 */
	int		(*tr_shutdown)(struct conn *);
	/* 1 when the peer should get tr_shutdown() before any close. */
	int		 tr_close_notify;
	void		(*tr_close)(struct conn *);
	/*
	 * Socket readiness (epoll bits) to the directions the protocol may
	 * now make progress in: TLS turns "writable" into "readable" for a
	 * read that had to write first.  NULL: as they came.
	 */
	uint32_t	(*tr_events)(struct conn *, uint32_t);
	/* The connection waits for its next request.  NULL: nothing to do. */
	void		(*tr_idle)(struct conn *);
};

extern const struct transport transport_plain;
extern const struct transport transport_tls;

struct proto {
	const char	*pr_name;
	uint8_t		 pr_id;
	const struct transport *pr_transport;
	/* A new connection handed over by the master: 0, or -1 to close. */
	int		(*pr_open)(struct conn *);
	/* epoll events (EPOLLIN, EPOLLOUT, EPOLLRDHUP, EPOLLERR...). */
	void		(*pr_event)(struct conn *, uint32_t);
	/* The connection's deadline passed. */
	void		(*pr_timeout)(struct conn *);
	/* The worker drains: close now if idle, else after this request. */
	void		(*pr_drain)(struct conn *);
	/*
	 * 1 when the connection holds its slot with no request in progress
	 * (idle keep-alive, or connected and silent): closing it loses
	 * nothing a keep-alive timeout would not.  NULL: never.
	 */
	int		(*pr_idle)(const struct conn *);
	/* Free protocol state; called by conn_close() only. */
	void		(*pr_close)(struct conn *);
};

/*
 * Start a connection the master handed over: the PROXY header first when
 * its listener asks for one (proto/proxy_conn.c), then c_pr->pr_open().
 * 0, or -1: close it.
 */
int		 proto_open(struct conn *);

/* The protocol for a config name ("http", "https"), or NULL. */
const struct proto *proto_find(const char *);
/* By ID (from a slot), or NULL. */
const struct proto *proto_get(unsigned int);
const char	*proto_name(unsigned int);

/*
 * Worker-side set-up once per process after fork (per-protocol state such
 * as buffers, TLS contexts): 0 / -1.
 */
int		 proto_worker_init(const struct config *);
/* After the worker dropped its privileges, before it serves. */
void		 proto_worker_ready(void);
/* Worker exit: flush what protocols buffer (access logs). */
void		 proto_worker_fini(void);
/* SIGUSR1 in a worker: reopen the protocols' log files. */
void		 proto_reopen_logs(void);
/* Once per worker loop turn: periodic work (log flushes). */
void		 proto_tick(uint64_t now_ms);
/* Milliseconds until proto_tick() has work, or -1 for none. */
int64_t		 proto_next_ms(uint64_t now_ms);
/*
 * Descriptors the worker's loop must watch for the protocols (file
 * change notifications): the i-th (i < PROTO_WATCH_MAX), or -1;
 * proto_watch_event(i) when it is readable.
 */
#define PROTO_WATCH_MAX	2
int		 proto_watch_fd(int i);
void		 proto_watch_event(int i);
/*
 * In the master, at start and before a reopen: create the protocols' log
 * files and give them to the workers' user, so unprivileged workers can
 * open them again after logrotate moved them.
 */
void		 proto_prepare_logs(const struct config *);

#endif /* TM_PROTO_H */
