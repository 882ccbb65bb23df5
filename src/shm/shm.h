/*
 * Shared-memory segment: creation, attachment, slots and the clock hand.
 * The layout itself is in shm_layout.h.
 */
#ifndef TM_SHM_H
#define TM_SHM_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stdint.h>

#include "shm/shm_layout.h"

struct shm {
	char		*sm_base;
	size_t		 sm_size;	/* bytes mapped here */
	int		 sm_fd;
	int		 sm_writable;
	char		*sm_path;
	char		*sm_tmp;	/* its name until shm_publish() */
	dev_t		 sm_dev;	/* identity of the file mapped */
	ino_t		 sm_ino;
};

/*
 * Create the segment at path for pool_slots slot records: built under a
 * temporary name, magic stored last, then renamed into place, so no reader
 * ever sees half a segment.  mode: e.g. 0640 (group readable for
 * tamarinctl).  Returns NULL with errno.
 */
struct shm	*shm_create(const char *path, uint32_t pool_slots, mode_t mode);
/*
 * shm_create() in two steps: shm_prepare() leaves the segment under its
 * temporary name (shm_destroy() removes it there) until shm_publish()
 * renames it into place.  For a master that daemonizes: readers must
 * never find the segment naming a pid that is about to exit.
 */
struct shm	*shm_prepare(const char *path, uint32_t pool_slots,
		    mode_t mode);
int		 shm_publish(struct shm *);
/* Grow the pool to pool_slots records (master only; the mapping moves). */
int		 shm_grow(struct shm *, uint32_t pool_slots);
/* Unmap; the file stays. */
void		 shm_detach(struct shm *);
/* Unmap and unlink (master at exit). */
void		 shm_destroy(struct shm *);
/*
 * pid (the segment's sh_master_pid) is alive and is the process that made
 * the segment, as far as /proc can tell: 1 yes, 0 gone (or recycled).
 */
int		 shm_master_alive(const struct shm *, pid_t pid);
/* pid runs tamarind (by /proc): 1 yes, 0 no (its name in what), -1 unknown. */
int		 shm_proc_is_daemon(pid_t pid, char *what, size_t sz);

/*
 * Master only, for a block whose worker is gone: add its counters to the
 * header's sh_retired and zero them, in one step for readers.
 */
void		 shm_block_retire(struct shm *, unsigned int block);

/*
 * Master only: a write section around a block's rewrite for a new worker
 * (pid, generation, number, range, times): readers copy the block again
 * when wb_seq moved during their copy.
 */
void		 shm_block_write_begin(struct shm *, unsigned int block);
void		 shm_block_write_end(struct shm *, unsigned int block);

/*
 * Master only: a write section around changes to listener row i (li_seq
 * odd): readers copy it again when li_seq moved during their copy.
 */
void		 shm_listener_write_begin(struct shm *, unsigned int i);
void		 shm_listener_write_end(struct shm *, unsigned int i);
/*
 * Master only: fill listener row i and make it ACTIVE, in a write section
 * (a row reused after a close changes under readers).
 */
void		 shm_listener_publish(struct shm *, unsigned int i,
		    unsigned int proto, unsigned int family, uint16_t port,
		    const char *name, const char *addr);

/* Attach errors, for tamarinctl's exit codes and messages. */
#define SHM_ATTACH_ERRNO	1	/* open/mmap failed: see errno */
#define SHM_ATTACH_MAGIC	2	/* not a tamarin segment */
#define SHM_ATTACH_VERSION	3	/* another layout version */
#define SHM_ATTACH_SIZE		4	/* sizes or offsets inconsistent */
#define SHM_ATTACH_TYPE		5	/* not a regular file */
#define SHM_ATTACH_SHRUNK	6	/* the file is shorter than our map */

/*
 * Map an existing segment read-only and validate it.  On failure returns
 * NULL, *why is one of SHM_ATTACH_*, and *version the segment's version
 * (for SHM_ATTACH_VERSION).
 */
struct shm	*shm_attach(const char *path, int *why, uint32_t *version);
/*
 * Before reading a read-only attachment again: check that the file was
 * not cut shorter than the mapping, and re-map if the segment grew.  0,
 * or -1 with *why one of SHM_ATTACH_* (SHM_ATTACH_ERRNO: see errno).
 */
int		 shm_refresh(struct shm *, int *why);

static inline struct shm_header *
shm_header(const struct shm *s)
{
	return ((struct shm_header *)(void *)s->sm_base);
}

static inline struct shm_listener *
shm_listener(const struct shm *s, unsigned int i)
{
	return ((struct shm_listener *)(void *)(s->sm_base +
	    shm_header(s)->sh_off_listeners) + i);
}

static inline struct shm_block *
shm_block(const struct shm *s, unsigned int i)
{
	return ((struct shm_block *)(void *)(s->sm_base +
	    shm_header(s)->sh_off_blocks) + i);
}

static inline struct shm_wheel *
shm_wheel(const struct shm *s, unsigned int i)
{
	return ((struct shm_wheel *)(void *)(s->sm_base +
	    shm_header(s)->sh_off_wheels) + i);
}

/* Slot idx (local to the block) of block b. */
static inline struct shm_slot *
shm_slot(const struct shm *s, const struct shm_block *b, uint32_t idx)
{
	return ((struct shm_slot *)(void *)(s->sm_base +
	    shm_header(s)->sh_off_slots) +
	    atomic_load_explicit(&b->wb_slot_first, memory_order_relaxed) +
	    idx);
}

/*
 * Pool ranges for worker blocks (master only): find room for count slots
 * not used by any block that is not UNUSED, growing the pool if needed.
 * Returns the first slot index, or -1.
 */
int64_t		 shm_pool_alloc(struct shm *, uint32_t count);

/*
 * Claim a free slot of block b for the master: sets its bit in the block's
 * claim bitmap, searching 64 slots at a time from the clock hand and
 * wrapping once.  Returns the slot's index or -1 when every slot is taken.
 * The slot record itself is not touched: the worker adopts it.
 */
int		 slot_claim(struct shm *, unsigned int b);
/* 1 while slot idx of block b is claimed (acquire). */
int		 slot_claimed(const struct shm *, unsigned int b, uint32_t idx);
/* Clear the claim bit (release) and the active count: the last step. */
void		 slot_unclaim(struct shm *, unsigned int b, uint32_t idx);
/* Every claim bit of block b cleared (a new or reused block). */
void		 slot_bits_clear(struct shm *, unsigned int b);
/*
 * The worker takes a claimed slot for the fd that came with it: fills the
 * record from the master's description and makes it CLAIMED.
 */
void		 slot_adopt(struct shm_slot *, unsigned int listener,
		    unsigned int proto, const struct shm_addr *peer,
		    uint64_t accept_ms, uint64_t now_ms);
/* Begin/end a rewrite of a slot's fields by its one owner. */
void		 slot_write_begin(struct shm_slot *);
void		 slot_write_end(struct shm_slot *);
/* Change state (the owner only); also a complete rewrite marker. */
void		 slot_set_state(struct shm_slot *, enum tm_slot_state);
/*
 * Return a slot to FREE: clears the record, publishes FREE, then clears
 * its claim bit with release (the very last touch of a connection).
 */
void		 slot_release(struct shm *, unsigned int b, uint32_t idx);
/*
 * Master after reaping block b's worker: every slot back to FREE.
 * Returns how many were claimed; *unadopted: how many of those the
 * worker never adopted (still in transit, or in its channel).
 */
uint32_t	 slot_release_all(struct shm *, unsigned int b,
		    uint32_t *unadopted);
/*
 * Reader: a consistent copy of a slot, never half old and half new.
 * Returns 0, or -1 if the writer kept it busy past a bounded retry count.
 */
int		 slot_read(const struct shm_slot *, struct shm_slot *copy);

/* Peer address conversions. */
void		 shm_addr_set(struct shm_addr *, const struct sockaddr *);
/* "1.2.3.4:80", "[::1]:8080", "unix" */
int		 shm_addr_format(const struct shm_addr *, char *, size_t);
/* sl_tls_version as OpenSSL names it ("TLSv1.3"), or NULL for 0. */
const char	*shm_tls_version(uint16_t);
/*
 * The OpenSSL name of IANA cipher suite id (as the slot holds it), or
 * "0x...." for one not in the table, into buf (TM_SLOT_CIPHER_LEN).
 */
const char	*shm_tls_cipher(uint16_t, char *, size_t);

/* Relaxed statistics: a single writer per counter, so no RMW needed. */
#define TM_STAT_ADD(var, n) atomic_store_explicit(&(var),		\
	atomic_load_explicit(&(var), memory_order_relaxed) + (n),	\
	memory_order_relaxed)

#endif /* TM_SHM_H */
