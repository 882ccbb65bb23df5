/*
 * A hashed timing wheel over a worker's slots, in the shared segment.
 *
 * Buckets hold the heads of doubly linked lists threaded through the slot
 * records by index (no pointers: tamarinctl maps the segment elsewhere).
 * An entry due at tick T = ceil(deadline / tick) sits in bucket T mod
 * TM_WHEEL_SIZE; a deadline more than one turn away shares a bucket with
 * nearer ones and is simply kept when its bucket comes round too early.
 * Arming, re-arming and cancelling are O(1); advancing one tick costs the
 * entries of the one due bucket; finding the next non-empty tick scans a
 * 512-bit map.  Only the owning worker touches its wheel.
 */
#ifndef TM_WHEEL_H
#define TM_WHEEL_H

#include <stdint.h>

#include "shm/shm_layout.h"

struct wheel {
	struct shm_wheel *wh_w;
	struct shm_slot	*wh_slots;	/* the block's first slot */
	uint32_t	 wh_nslots;
	uint32_t	 wh_tick_ms;
};

/*
 * Set up an empty wheel whose current tick is now_ms's, over nslots slots
 * that must all be disarmed (zeroed or released).
 */
void	wheel_init(struct wheel *, struct shm_wheel *, struct shm_slot *,
	    uint32_t nslots, uint32_t tick_ms, uint64_t now_ms);
/*
 * Arm slot idx for deadline_ms (> 0), replacing any earlier deadline.  A
 * deadline already past fires at the next tick.
 */
void	wheel_arm(struct wheel *, uint32_t idx, uint64_t deadline_ms);
void	wheel_cancel(struct wheel *, uint32_t idx);
int	wheel_armed(const struct wheel *, uint32_t idx);
/*
 * Move the wheel to now_ms's tick, calling fire(arg, idx) for each entry
 * that fell due, disarmed first.  fire may arm or cancel any entry,
 * including the one it was called for.  Returns the number fired.
 */
unsigned int wheel_advance(struct wheel *, uint64_t now_ms,
	    void (*fire)(void *, uint32_t), void *arg);
/*
 * Milliseconds from now_ms until the next tick whose bucket holds an
 * entry (0 if that tick has passed), or -1 when the wheel is empty.
 */
int64_t	wheel_next_ms(const struct wheel *, uint64_t now_ms);

#endif /* TM_WHEEL_H */
