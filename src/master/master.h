/*
 * The master process: private state shared by main.c, listener.c,
 * dispatch.c, proc.c and signal.c.
 */
#ifndef TM_MASTER_H
#define TM_MASTER_H

#include <sys/types.h>

#include <stdint.h>

#include "lib/fdpass.h"
#include "shm/shm.h"

struct config;
struct listener_conf;
struct pidfh;

/* An open listening socket (survives reloads when unchanged). */
struct listener {
	int		 ls_fd;
	int		 ls_index;	/* row in the segment's table */
	uint8_t		 ls_proto;
	int		 ls_paused;	/* not polled (all full, EMFILE) */
	const struct listener_conf *ls_conf;	/* in the current config */
	struct config	*ls_cf;		/* the config ls_conf belongs to */
	uint32_t	 ls_gen;	/* last generation that uses it */
};

/* Worker positions, indexed like the segment's blocks. */
#define CHAN_FULL	1
#define CHAN_BEHIND	2

struct worker {
	pid_t		 wk_pid;	/* 0: no process */
	int		 wk_chan;	/* master's end, -1: none */
	uint32_t	 wk_gen;
	unsigned int	 wk_number;
	struct config	*wk_cf;		/* the config it was forked with */
	int		 wk_draining;	/* told to drain (or stop) */
	int		 wk_respawn;	/* replace it when it exits */
	uint64_t	 wk_respawn_at;	/* ms; backoff after quick deaths */
	unsigned int	 wk_fails;	/* consecutive quick deaths */
	uint64_t	 wk_started;	/* ms */
	uint64_t	 wk_killed_at;	/* ms of the SIGKILL, 0 if none */
	uint64_t	 wk_drain_at;	/* ms the drain began, 0 if none */
	uint64_t	 wk_stop_at;	/* ms it was told to stop, 0 if not */
	/* 0, or at most this many connections: it ran out of fds. */
	uint32_t	 wk_conn_max;
	/* Heartbeat half a timeout late: new connections go to others. */
	int		 wk_stale;
	/*
	 * Its last send found no room: its batch waits, and it gets no new
	 * connection until POLLOUT (CHAN_FULL), or the next turn of the
	 * master's loop (CHAN_BEHIND: too many fds in flight, no memory).
	 */
	int		 wk_chan_full;
	/* Its slot range, as the master gave it (the block's may be
	   scribbled by the worker). */
	uint32_t	 wk_bits_first, wk_slot_first, wk_slot_count;
	/* Told to drain while its channel was full: the order follows
	   its batch (proc_drain_release()). */
	int		 wk_drain_held;
	/* Connections claimed for it, not yet sent. */
	int		 wk_nbatch;
	int		 wk_fds[CHAN_MAX_FDS];
	struct chan_conn wk_conn[CHAN_MAX_FDS];
};

struct master {
	struct config	*m_cf;		/* current generation's */
	struct shm	*m_shm;
	uint32_t	 m_gen;
	struct listener	 m_ls[TM_MAX_LISTENERS];
	unsigned int	 m_nls;
	struct worker	 m_wk[TM_MAX_BLOCKS];
	int		 m_sigfd;
	struct pidfh	*m_pfh;
	int		 m_foreground;
	/* Accepting stops while every worker is full or fds ran out. */
	int		 m_full;
	uint64_t	 m_emfile_until;
	/* While full: when idle connections were last asked back, and when
	   that was last logged (ms). */
	uint64_t	 m_reclaim_at;
	uint64_t	 m_reclaim_logged;
	unsigned int	 m_reclaim_rr;	/* the worker asked first */
	/* Stopping: 0, or the signal that started it (TERM/INT/QUIT). */
	int		 m_stopping;
	uint64_t	 m_stop_at;	/* ms when the stop began */
	uint64_t	 m_stop_next;	/* ms of the next TERM resend */
	uint32_t	 m_stop_delay;	/* doubling resend delay, ms */
	uint64_t	 m_last_rate;	/* ms */
	uint64_t	 m_last_requests;
	unsigned int	 m_rr;		/* round robin among equals */
	/* Tell systemd READY=1 once this generation's workers run. */
	int		 m_notify_ready;
	/*
	 * Blocks with a live process, so that per-connection work visits
	 * the workers there are, not every possible position.
	 */
	unsigned int	 m_live[TM_MAX_BLOCKS];
	unsigned int	 m_nlive;
	unsigned int	 m_nrespawn;	/* positions waiting for a respawn */
	/* A reload's trial reading (master.c): its child, 0 when none. */
	pid_t		 m_trial_pid;
	int		 m_trial_fd;	/* the verdict's pipe, -1 once read */
	uint64_t	 m_trial_at;	/* ms it started */
	char		 m_trial_verdict;	/* 'y', 'n', or 0: none */
	int		 m_trial_reaped;
	int		 m_trial_status;	/* once reaped */
	int		 m_trial_killed;	/* it took too long */
	int		 m_trial_again;	/* HUP meanwhile: reload again after */
	/* A reload waits until this many worker blocks are free. */
	unsigned int	 m_reload_need;
};

extern struct master	*tm_master;

/* listener.c */
int	listener_open(struct master *, struct listener_conf *);
void	listener_close(struct master *, struct listener *, uint32_t);
int	listeners_setup(struct master *, struct config *);

/* dispatch.c */
void	dispatch_accept(struct master *, struct listener *);
void	dispatch_flush(struct master *);
int	dispatch_capacity(struct master *);
void	dispatch_requeue(struct master *, unsigned int);
/* Send a worker's batch now: 0 sent, 1 its channel is full, -1 gone. */
int	dispatch_send(struct master *, unsigned int);
void	dispatch_reclaim(struct master *, uint64_t now);
void	dispatch_conn_max(struct master *, unsigned int, uint32_t, int);

/* proc.c */
int	proc_spawn(struct master *, unsigned int block, struct config *,
	    uint32_t gen, unsigned int number);
unsigned int proc_start_generation(struct master *, struct config *);
unsigned int proc_free_blocks(const struct master *);
void	proc_reap(struct master *);
void	proc_tick(struct master *, uint64_t now);
void	proc_signal_all(struct master *, int);
void	proc_send_all(struct master *, enum chan_type, uint32_t gen_upto);
void	proc_drain_release(struct master *, unsigned int);
unsigned int proc_live(const struct master *);
void	proc_chan_event(struct master *, unsigned int, short);
/* In a child: close the master's listeners, channels, queued fds. */
void	proc_child_cleanup(struct master *, unsigned int self);

/* tickets.c (TLS session ticket keys: rotation, hand-out to workers) */
void	tickets_tick(struct master *, uint64_t now);

/* signal.c */
int	signal_setup(void);
void	signal_handle(struct master *);

/* master.c */
int	master_segment_setup(struct master *);
int	master_loop(struct master *);
void	master_exit(struct master *, int) __attribute__((noreturn));
void	master_reload(struct master *);
void	master_trial_event(struct master *);
void	master_trial_reaped(struct master *, int);
void	master_trial_tick(struct master *, uint64_t now);
void	master_stop(struct master *, int);
void	master_reopen(struct master *);
void	master_prepare_error_log(const struct config *);
void	master_limits(const struct config *);
void	master_make_dir(const char *);
struct cfg_ctx;
void	master_report_errors(const struct cfg_ctx *, int);

#endif /* TM_MASTER_H */
