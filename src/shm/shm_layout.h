/*
 * The shared-memory segment: a contract between tamarind and tamarinctl.
 * Any change to a struct here bumps TM_SHM_VERSION.
 *
 * Layout (offsets are in the header; nothing in the segment is a pointer):
 *
 *   header | listeners[TM_MAX_LISTENERS] | blocks[TM_MAX_BLOCKS] |
 *   wheels[TM_MAX_BLOCKS] | slot pool
 *
 * A worker block describes one worker position: its process, counters, and
 * a range [wb_slot_first, wb_slot_first + wb_slot_count) of the slot pool,
 * preceded by TM_BITS_ROWS(count) pool rows at wb_bits_first that hold its
 * claim bitmap: one bit per slot, set by the master when it claims the
 * slot for a connection, cleared by the worker as the connection's last
 * act.  The master touches only the bitmap; the slot records are the
 * worker's, which fills them from what the channel brought with the fd.
 * During a reload the old generation's blocks and the new one's coexist, so
 * there are twice as many blocks as workers can be configured.  The pool
 * only ever grows (reload with more workers or slots), at the end of the
 * file; a reader re-maps when sh_size exceeds what it mapped.
 *
 * Writers: the master writes the header, listeners and the claim bits; the
 * worker that owns a block writes it and its slot records, from CLAIMED
 * (adopting the fd) to FREE; the master takes a dead worker's slots and
 * bits back.  tamarinctl only reads.
 */
#ifndef TM_SHM_LAYOUT_H
#define TM_SHM_LAYOUT_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "shm/slot_states.h"

#define TM_SHM_MAGIC		0x4e52414du	/* "MARN" little-endian */
/*
 * 2: timing wheel; 3: TLS in slots; 4: claim bitmaps, 128-byte slots;
 * 5: the reclaimed counter; 6: retired workers' counters in the header
 */
#define TM_SHM_VERSION		6

#define TM_MAX_WORKERS		256
#define TM_MAX_BLOCKS		(2 * TM_MAX_WORKERS)
#define TM_MAX_LISTENERS	256
#define TM_MAX_SLOTS		(1u << 20)	/* per worker */
#define TM_SLOT_NIL		0xffffffffu	/* "no slot" in links */
/* Pool rows (128 bytes, 1024 bits) for the claim bitmap of n slots. */
#define TM_BITS_ROWS(n)		(((n) + 1023u) / 1024u)

/* Every atomic width the segment uses must be lock-free across processes. */
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "int atomics must be lock-free");
_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "64-bit atomics lock-free");

/*
 * A slot record's state and its sequence counter share one atomic word:
 * bits 0-7 state, bits 8-31 sequence.  The sequence is odd while the owner
 * rewrites the record; readers copy, re-read the word, and retry on change.
 */
#define TM_SW_STATE(w)		((w) & 0xffu)
#define TM_SW_SEQ(w)		((w) >> 8)
#define TM_SW_MAKE(st, seq)	((((uint32_t)(seq) & 0xffffffu) << 8) | (st))

/* Peer address kept in a slot: enough for IPv4 and IPv6, not a sockaddr. */
struct shm_addr {
	uint8_t		sa_family;	/* AF_INET, AF_INET6, AF_UNIX, 0 */
	uint8_t		sa_pad;
	uint16_t	sa_port;	/* host order */
	uint8_t		sa_addr[16];	/* IPv4 in the first 4 bytes */
};

#define TM_SLOT_METHOD_LEN	8
#define TM_SLOT_TARGET_LEN	32
/* Longest cipher suite name shm_tls_cipher() writes. */
#define TM_SLOT_CIPHER_LEN	48
/* OpenSSL's cipher names are at most 29 bytes, IANA's 50. */

struct shm_slot {
	_Atomic uint32_t sl_word;	/* TM_SW_MAKE(state, seq) */
	uint8_t		sl_listener;	/* index into the listener table */
	uint8_t		sl_proto;	/* protocol ID */
	uint8_t		sl_flags;	/* TM_SLF_* */
	uint8_t		sl_pad0;
	struct shm_addr	sl_peer;
	uint32_t	sl_requests;	/* on this connection */
	uint64_t	sl_accept_ms;	/* CLOCK_MONOTONIC */
	uint64_t	sl_active_ms;	/* last read or write progress */
	uint64_t	sl_deadline_ms;	/* 0: none armed */
	uint64_t	sl_bytes_in;
	uint64_t	sl_bytes_out;
	uint16_t	sl_status;	/* last response status */
	/* Timing-wheel links, slot indices within the block (wheel.c). */
	uint16_t	sl_wheel_bucket;
	uint32_t	sl_wheel_next;
	uint32_t	sl_wheel_prev;
	/*
	 * TLS, published once the handshake is done (zero before, and for
	 * plain connections).  Numbers only: key material never comes here.
	 */
	uint16_t	sl_tls_version;	/* wire code: 0x0304 is TLS 1.3 */
	uint16_t	sl_tls_cipher;	/* IANA cipher suite number */
	char		sl_method[TM_SLOT_METHOD_LEN];
	char		sl_target[TM_SLOT_TARGET_LEN];	/* truncated */
} __attribute__((aligned(64)));

#define TM_SLF_TLS		0x01	/* connection runs over TLS */
#define TM_SLF_PROXIED		0x02	/* sl_peer came from a PROXY header */
#define TM_SLF_RESUMED		0x04	/* TLS session resumed (ticket) */

/*
 * Two cache lines: with the slot it holds and the worker's own record, an
 * idle keep-alive connection costs about 200 bytes in all.
 */
_Static_assert(sizeof(struct shm_slot) == 128, "slot record is 128 bytes");
_Static_assert(offsetof(struct shm_slot, sl_word) == 0, "word first");

/* Per-worker counters, relaxed: X(name, description). */
#define TM_WORKER_COUNTERS(X)						\
	X(accepted,	"connections received from the master")		\
	X(closed,	"connections closed")				\
	X(requests,	"requests answered")				\
	X(bytes_in,	"bytes read from clients")			\
	X(bytes_out,	"bytes written to clients")			\
	X(resp_1xx,	"informational responses")			\
	X(resp_2xx,	"successful responses")				\
	X(resp_3xx,	"redirection responses")			\
	X(resp_4xx,	"client error responses")			\
	X(resp_5xx,	"server error responses")			\
	X(err_timeout,	"connections closed by a timeout")		\
	X(err_io,	"connections lost to reset or I/O errors")	\
	X(err_proto,	"connections closed for protocol errors")	\
	X(err_tls,	"failed TLS handshakes")			\
	X(tls_handshakes, "completed TLS handshakes")			\
	X(tls_resumed,	"TLS handshakes that resumed a session")	\
	X(reclaimed,	"idle connections closed to free a slot")

enum tm_counter {
#define X(name, descr) TM_CTR_##name,
	TM_WORKER_COUNTERS(X)
#undef X
	TM_CTR__COUNT
};

struct shm_block {
	_Atomic uint32_t wb_state;	/* enum tm_worker_state */
	_Atomic int32_t	wb_pid;
	_Atomic uint32_t wb_generation;
	_Atomic uint32_t wb_number;	/* 1..N within its generation */
	_Atomic uint32_t wb_slot_first;	/* range in the pool */
	_Atomic uint32_t wb_slot_count;
	_Atomic uint32_t wb_active;	/* slots claimed */
	uint32_t	wb_hand;	/* master's clock hand (master only) */
	_Atomic uint32_t wb_bits_first;	/* its claim bitmap in the pool */
	_Atomic uint32_t wb_seq;	/* odd while the master rewrites it */
	_Atomic uint64_t wb_started_ms;
	_Atomic uint64_t wb_heartbeat_ms;
	_Atomic uint64_t wb_counters[TM_CTR__COUNT];
	/* Connections its descriptors allow, when fewer: 0 none (master). */
	_Atomic uint32_t wb_conn_max;
	uint8_t		wb_pad[256 - 60 - 8 * TM_CTR__COUNT];
} __attribute__((aligned(64)));

_Static_assert(sizeof(struct shm_block) == 256, "block record is 256 bytes");
/*
 * wb_seq and wb_conn_max took padding that layout 6 always wrote as zero
 * (a zero means an even sequence and no limit): readers of layout 6 stay
 * right, and the version stayed.  So did li_seq's.  Their places are fixed.
 */
_Static_assert(offsetof(struct shm_block, wb_seq) == 36, "wb_seq moved");
_Static_assert(offsetof(struct shm_block, wb_conn_max) ==
    56 + 8 * TM_CTR__COUNT, "wb_conn_max moved");

/*
 * A worker's timing wheel (wheel.c): bucket heads, a map of the non-empty
 * buckets, and the tick it has processed.  Written by its worker only.
 */
#define TM_WHEEL_SIZE		512

struct shm_wheel {
	uint64_t	ww_now;		/* last tick processed */
	uint32_t	ww_tick_ms;
	uint32_t	ww_count;	/* entries armed */
	uint64_t	ww_bits[TM_WHEEL_SIZE / 64];
	uint32_t	ww_proc;	/* the list being expired */
	uint32_t	ww_pad;
	uint32_t	ww_head[TM_WHEEL_SIZE];
} __attribute__((aligned(64)));

#define TM_LISTENER_NAME_LEN	32
#define TM_LISTENER_ADDR_LEN	64

enum tm_listener_state {
	TM_LISTENER_UNUSED = 0,
	TM_LISTENER_ACTIVE,
	TM_LISTENER_CLOSED
};

struct shm_listener {
	_Atomic uint32_t li_state;	/* enum tm_listener_state */
	uint8_t		li_proto;
	uint8_t		li_family;
	uint16_t	li_port;	/* bound port, host order */
	_Atomic uint32_t li_closed_gen;	/* generation that removed it */
	_Atomic uint32_t li_seq;	/* odd while the master rewrites the row */
	_Atomic uint64_t li_accepted;
	char		li_name[TM_LISTENER_NAME_LEN];
	char		li_addr[TM_LISTENER_ADDR_LEN];	/* as configured */
} __attribute__((aligned(64)));

_Static_assert(sizeof(struct shm_listener) == 128, "listener is 128 bytes");
_Static_assert(offsetof(struct shm_listener, li_seq) == 12, "li_seq moved");

#define TM_SHM_CONFIG_LEN	256

enum tm_master_state {
	TM_MASTER_STARTING = 0,
	TM_MASTER_RUNNING,
	TM_MASTER_RELOADING,
	TM_MASTER_STOPPING
};

struct shm_header {
	_Atomic uint32_t sh_magic;	/* stored last, with release */
	uint32_t	sh_version;
	uint32_t	sh_header_size;	/* sizeof each record, for readers */
	uint32_t	sh_listener_size;
	uint32_t	sh_block_size;
	uint32_t	sh_slot_size;
	uint32_t	sh_wheel_size;
	uint32_t	sh_pad1;
	uint64_t	sh_off_listeners;
	uint64_t	sh_off_blocks;
	uint64_t	sh_off_wheels;
	uint64_t	sh_off_slots;
	_Atomic uint64_t sh_size;	/* file size; grows with the pool */
	_Atomic uint32_t sh_pool_slots;	/* slot records in the pool */
	_Atomic int32_t	sh_master_pid;
	uint64_t	sh_start_wall;	/* master start, seconds since epoch */
	uint64_t	sh_start_ms;	/* master start, CLOCK_MONOTONIC */
	_Atomic uint32_t sh_generation;	/* current config generation */
	_Atomic uint32_t sh_state;	/* enum tm_master_state */
	_Atomic uint32_t sh_workers;	/* workers per generation */
	_Atomic uint32_t sh_slots_per_worker;
	/* Set while the master waits for a free slot: releasing workers
	   then tell it over the channel (CHAN_SLOTFREE). */
	_Atomic uint32_t sh_master_waiting;
	uint32_t	sh_pad0;
	_Atomic uint64_t sh_reloads;
	char		sh_config[TM_SHM_CONFIG_LEN];
	/* Rate over the last interval, published by the master each second. */
	_Atomic uint64_t sh_rate_requests_x100;	/* requests/s * 100 */
	_Atomic uint64_t sh_rate_at_ms;
	/*
	 * What the workers whose blocks were reused or released had
	 * counted, so totals run from the master's start, across reloads
	 * and crashes.  The master moves a block's counters here under
	 * sh_retire_seq (odd while it moves): a reader that sums blocks
	 * and sh_retired retries when the sequence changed.
	 */
	_Atomic uint32_t sh_retire_seq;
	uint32_t	sh_pad2;
	_Atomic uint64_t sh_retired[TM_CTR__COUNT];
};

#define TM_SHM_HEADER_SPACE	4096
_Static_assert(sizeof(struct shm_header) <= TM_SHM_HEADER_SPACE,
    "header fits its page");

#endif /* TM_SHM_LAYOUT_H */
