/*
 * A worker's process-wide state, shared by worker.c (the loop) and conn.c
 * (the connection calls).  One instance per worker process.
 */
#ifndef TM_WSTATE_H
#define TM_WSTATE_H

#include <stdint.h>

#include "proto/conn.h"
#include "shm/shm.h"
#include "shm/wheel.h"

struct config;
struct conn;
struct listener_conf;

struct wstate {
	struct shm	*ws_shm;
	unsigned int	 ws_block;
	struct shm_block *ws_sb;
	struct config	*ws_cf;
	int		 ws_chan;
	int		 ws_chan_eof;	/* the master closed it */
	uint64_t	 ws_orphan_at;	/* ms the channel closed, 0: not yet */
	int		 ws_ep;		/* epoll */
	int		 ws_sigfd;
	struct conn	*ws_conns;	/* one per slot */
	uint32_t	 ws_nconns;
	uint32_t	 ws_nactive;
	int		 ws_draining;
	int		 ws_stopping;
	int		 ws_hb_ms;	/* longest sleep: heartbeat period */
	uint64_t	 ws_now_ms;
	int64_t		 ws_now_wall;
	/* New connections served at once in this loop pass (conn_open()). */
	uint32_t	 ws_first_turns;
	/* Connections that asked for another turn (conn_resume()). */
	uint32_t	*ws_resume;
	uint32_t	 ws_nresume;
	/* Idle input buffers, reused before malloc. */
	char		**ws_bufs;
	uint32_t	 ws_nbufs;
	struct wheel	 ws_wheel;	/* every connection's deadline */
	const struct listener_conf *ws_lmap[TM_MAX_LISTENERS];
};

extern struct wstate	tm_ws;

/* Standard input buffer size; larger heads grow it up to the limits. */
#define CONN_BUF_SIZE	4096
#define CONN_BUF_CACHE	256

/* epoll data: incarnation << 32 | slot; these slots are not connections. */
#define WS_EV_CHAN	0xffffffffu
#define WS_EV_SIG	0xfffffffeu
#define WS_EV_PROTO	0xfffffff0u	/* + i, i < PROTO_WATCH_MAX */
#define WS_EV_NONE	0xfffffffcu	/* an event already handled */

struct chan_conn;
void	conn_open(int fd, const struct chan_conn *);
void	conn_lost(const struct chan_conn *);
void	conn_close_all(enum conn_reason);
void	conn_drain_all(void);
void	conn_reclaim(unsigned int);

#endif /* TM_WSTATE_H */
