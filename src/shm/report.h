/*
 * Read-only reports on a segment, shared by tamarinctl and the status
 * handler: a snapshot taken once, then rendered as JSON or as Prometheus
 * text.  Nothing here writes to the segment, and nothing assumes more of
 * the layout than the named fields and the accessors of shm.h.
 *
 * JSON documents (one object each, opening with "version": 1; keys are
 * snake_case, numbers are raw, times are in the unit their key names):
 *
 * summary (tamarinctl -j show summary; GET <status prefix>/):
 *   { "version": 1,
 *     "master_pid": 1234,
 *     "start_time": 1700000000,	unix seconds
 *     "uptime_sec": 3600,
 *     "generation": 2,			current config generation
 *     "generations": [ 1, 2 ],		generations with live workers
 *     "state": "running",		starting|running|reloading|stopping
 *     "config": "/etc/tamarin/tamarin.conf",
 *     "reloads": 1,
 *     "listeners": 3,			active listeners
 *     "workers": 4,			live workers (starting, running,
 *					draining)
 *     "workers_per_generation": 4,
 *     "slots_per_worker": 1024,
 *     "slots_used": 10,		live workers' slots not FREE
 *     "slots_total": 4096,		live workers' slots
 *     "totals": {			since the master started: the
 *					rows of worker_list plus retired
 *       "accepted": 0, "closed": 0, "requests": 0,
 *       "bytes_in": 0, "bytes_out": 0, "tls_handshakes": 0,
 *       "tls_resumed": 0, "reclaimed": 0,	idle connections closed
 *					because every slot was taken
 *       "responses": { "1xx": 0, "2xx": 0, "3xx": 0, "4xx": 0,
 *         "5xx": 0 },
 *       "errors": { "timeout": 0, "io": 0, "protocol": 0, "tls": 0 } },
 *     "retired": { ... },		as totals: what workers whose
 *					blocks were reused had counted
 *     "requests_per_sec": 12.34,	over the master's last interval
 *     "worker_list": [ <worker>, ... ] }
 *
 * <worker> (also tamarinctl -j show workers: { "version": 1,
 * "workers": [ <worker>, ... ] }):
 *   { "block": 0, "number": 1, "generation": 2, "pid": 1240,
 *     "state": "running",		starting|running|draining|exited
 *     "uptime_sec": 60, "heartbeat_age_ms": 120,
 *     "slots_active": 3, "slots_total": 1024,
 *     "accepted": 0, "closed": 0, "requests": 0, "bytes_in": 0,
 *     "bytes_out": 0, "tls_handshakes": 0, "tls_resumed": 0,
 *     "reclaimed": 0,
 *     "responses": { ... }, "errors": { ... },
 *     "errors_total": 0 }
 *
 * listeners (show listeners; { "version": 1, "listeners": [ ... ] }):
 *   { "index": 0, "name": "web", "address": "0.0.0.0", "port": 8080,
 *     "protocol": "http", "state": "active",	active|closed
 *     "closed_generation": null,	or the generation that removed it
 *     "accepted": 0 }
 *
 * slots (show slots; GET <prefix>/slots; { "version": 1, "slots": [...],
 * "slots_busy": 0 } where slots_busy counts rows skipped because their
 * writer kept them busy):
 *   { "worker": 1, "generation": 2, "pid": 1240, "block": 0, "slot": 17,
 *     "state": "reading", "state_letter": "R",
 *     "protocol": "http", "listener": "web",
 *     "peer": "192.0.2.1:51234", "tls": false, "proxied": false,
 *     "age_ms": 1200, "idle_ms": 10,
 *     "deadline_ms": 8800,		remaining; null when none is armed
 *     "requests": 3, "bytes_in": 512, "bytes_out": 20480,
 *     "status": 200, "method": "GET", "path": "/index.html",
 *     "tls_version": "TLSv1.3",	null before the handshake or plain
 *     "tls_cipher": "TLS_AES_128_GCM_SHA256" }	null likewise
 * A slot the master claimed and its worker has not adopted yet is listed
 * as "claimed" with what is known: its protocol, listener, peer, age_ms
 * and idle_ms are null, its counters 0 and its method and path "".
 *
 * Strings are valid UTF-8: control characters are written \u00XX and
 * bytes that are not UTF-8 become U+FFFD.
 *
 * Prometheus text (exposition format 0.0.4): per worker counters
 * tamarin_connections_accepted_total, tamarin_connections_closed_total,
 * tamarin_requests_total, tamarin_received_bytes_total,
 * tamarin_sent_bytes_total, tamarin_tls_handshakes_total,
 * tamarin_tls_resumed_total, tamarin_connections_reclaimed_total,
 * tamarin_responses_total{code="2xx"},
 * tamarin_connection_errors_total{kind="timeout"}, each labelled
 * worker="N",generation="G",pid="P"; per worker gauges
 * tamarin_slots_active and tamarin_slots_capacity; per listener
 * tamarin_listener_accepted_total{listener="name",protocol="http"};
 * and tamarin_workers, tamarin_generation, tamarin_reloads_total,
 * tamarin_start_time_seconds, tamarin_uptime_seconds,
 * tamarin_requests_per_second.
 */
#ifndef TM_SHM_REPORT_H
#define TM_SHM_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "shm/shm.h"

struct sbuf;

/* Longest peer text: "[" INET6_ADDRSTRLEN "]:65535". */
#define REPORT_PEER_LEN		(46 + 8)

struct snap_listener {
	unsigned int	 ln_index;
	uint32_t	 ln_state;	/* enum tm_listener_state */
	uint8_t		 ln_proto;
	uint8_t		 ln_family;
	uint16_t	 ln_port;
	uint32_t	 ln_closed_gen;
	uint64_t	 ln_accepted;
	char		 ln_name[TM_LISTENER_NAME_LEN];
	char		 ln_addr[TM_LISTENER_ADDR_LEN];
};

struct snap_worker {
	unsigned int	 sw_block;
	uint32_t	 sw_state;	/* enum tm_worker_state */
	int32_t		 sw_pid;
	uint32_t	 sw_generation;
	uint32_t	 sw_number;
	uint32_t	 sw_slot_count;
	uint32_t	 sw_slot_first;		/* its range in the pool */
	uint32_t	 sw_bits_first;		/* its claim bitmap */
	uint32_t	 sw_slot_usable;	/* what its descriptors allow */
	uint32_t	 sw_active;
	uint64_t	 sw_started_ms;
	uint64_t	 sw_heartbeat_ms;
	uint64_t	 sw_counters[TM_CTR__COUNT];
};

struct snap_slot {
	unsigned int	 ss_block;
	uint32_t	 ss_number;	/* the worker's */
	uint32_t	 ss_generation;
	int32_t		 ss_pid;
	uint32_t	 ss_index;	/* within the block */
	uint32_t	 ss_state;	/* enum tm_slot_state */
	uint16_t	 ss_listener;
	uint8_t		 ss_proto;
	uint8_t		 ss_flags;	/* TM_SLF_* */
	uint64_t	 ss_age_ms;	/* since accept */
	uint64_t	 ss_idle_ms;	/* since last progress */
	int64_t		 ss_deadline_ms;	/* remaining; -1: none */
	uint64_t	 ss_bytes_in;
	uint64_t	 ss_bytes_out;
	uint32_t	 ss_requests;
	uint16_t	 ss_status;
	char		 ss_peer[REPORT_PEER_LEN];
	char		 ss_method[TM_SLOT_METHOD_LEN];
	char		 ss_target[TM_SLOT_TARGET_LEN];
	uint16_t	 ss_tls_version;	/* wire code, 0: none */
	char		 ss_tls_cipher[TM_SLOT_CIPHER_LEN];
	/*
	 * Claimed in the bitmap, its record still FREE: on its way to the
	 * worker, which has not written a thing.  Only the block, the
	 * index and the state (CLAIMED) are known.
	 */
	int		 ss_transit;
};

struct shm_snap {
	uint64_t	 sn_now_ms;	/* CLOCK_MONOTONIC when taken */
	uint64_t	 sn_now_wall;
	int32_t		 sn_master_pid;
	uint64_t	 sn_start_wall;
	uint64_t	 sn_start_ms;
	uint32_t	 sn_generation;
	uint32_t	 sn_state;	/* enum tm_master_state */
	uint32_t	 sn_workers_cfg;
	uint32_t	 sn_slots_per_worker;
	uint64_t	 sn_reloads;
	uint64_t	 sn_rate_x100;
	char		 sn_config[TM_SHM_CONFIG_LEN];
	uint64_t	 sn_retired[TM_CTR__COUNT];	/* gone workers' */

	struct snap_listener *sn_listeners;	/* ACTIVE and CLOSED */
	size_t		 sn_nlisteners;
	struct snap_worker *sn_workers;		/* blocks not UNUSED */
	size_t		 sn_nworkers;
	struct snap_slot *sn_slots;		/* in use, on request */
	size_t		 sn_nslots;
	size_t		 sn_slots_busy;	/* rows slot_read() gave up on */

	/* Derived. */
	uint32_t	 sn_live;	/* workers starting/running/draining */
	uint32_t	 sn_active_listeners;
	uint64_t	 sn_slots_used;
	uint64_t	 sn_slots_total;
	uint64_t	 sn_slots_usable;	/* total less what fds rule out */
	uint64_t	 sn_totals[TM_CTR__COUNT];
	uint32_t	*sn_gens;	/* sorted, live workers' */
	size_t		 sn_ngens;
};

/* Also copy the slots in use: not FREE, or claimed by the master. */
#define REPORT_SLOTS	0x01

/*
 * Take a snapshot of s (never written).  Slots of blocks whose range lies
 * beyond what s maps (a worker forked before the pool grew) are left
 * out.  0, or -1 with errno (ENOMEM).
 */
int	 report_snap_init(struct shm_snap *, const struct shm *, int flags);
void	 report_snap_fini(struct shm_snap *);
/* A listener of the snapshot by its table index, or NULL. */
const struct snap_listener *report_snap_listener(const struct shm_snap *,
	    unsigned int);
/* 1 if the worker is starting, running or draining. */
int	 report_worker_live(const struct snap_worker *);

/* JSON documents and Prometheus text, appended to sb. */
void	 report_json_summary(struct sbuf *, const struct shm_snap *);
void	 report_json_workers(struct sbuf *, const struct shm_snap *);
void	 report_json_listeners(struct sbuf *, const struct shm_snap *);
void	 report_json_slots(struct sbuf *, const struct shm_snap *);
void	 report_prometheus(struct sbuf *, const struct shm_snap *);

/* Names, from the tables in slot_states.h and shm_layout.h. */
const char	*report_slot_state(unsigned int);	/* "reading" */
int		 report_slot_letter(unsigned int);	/* 'R' */
int		 report_slot_state_parse(const char *);	/* name or letter */
const char	*report_worker_state(unsigned int);
const char	*report_master_state(unsigned int);
const char	*report_listener_state(unsigned int);
/* "http", "https"; "proto7" (in buf) for an ID this build lacks. */
const char	*report_proto(unsigned int, char *, size_t);
/* Age for people: "12s", "3m04s", "1h02m", "2d03h". */
char		*report_age(char *, size_t, uint64_t ms);
/* Copy src with every byte that is not printable ASCII as '?'. */
void		 report_sanitize(char *, size_t, const char *);

#endif /* !TM_SHM_REPORT_H */
