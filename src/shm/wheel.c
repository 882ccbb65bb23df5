/*
 * The timing wheel: see wheel.h.
 */
#include <stddef.h>
#include <string.h>

#include "lib/log.h"
#include "shm/shm.h"
#include "shm/wheel.h"

#define WHEEL_MASK	(TM_WHEEL_SIZE - 1)
/*
 * sl_wheel_bucket: 0 not armed (so a zeroed or released slot needs no
 * set-up, and untouched slot pages stay untouched), b + 1 in bucket b,
 * WHEEL_PROC in the list being expired.
 */
#define WHEEL_NONE	0
#define WHEEL_PROC	0xffffu

_Static_assert((TM_WHEEL_SIZE & WHEEL_MASK) == 0, "power of two");
_Static_assert(TM_WHEEL_SIZE < WHEEL_PROC, "bucket numbers fit");

static uint32_t	*wheel_headp(struct wheel *, uint32_t);
static void	wheel_link(struct wheel *, uint32_t, uint32_t);
static void	wheel_unlink(struct wheel *, uint32_t);

static uint64_t
wheel_tick_of(const struct wheel *wh, uint64_t ms)
{
	/* The first tick boundary at or after ms. */
	return ((ms + wh->wh_tick_ms - 1) / wh->wh_tick_ms);
}

void
wheel_init(struct wheel *wh, struct shm_wheel *w, struct shm_slot *slots,
    uint32_t nslots, uint32_t tick_ms, uint64_t now_ms)
{
	uint32_t i;

	wh->wh_w = w;
	wh->wh_slots = slots;
	wh->wh_nslots = nslots;
	wh->wh_tick_ms = tick_ms == 0 ? 1 : tick_ms;
	memset(w, 0, sizeof(*w));
	w->ww_tick_ms = wh->wh_tick_ms;
	w->ww_now = now_ms / wh->wh_tick_ms;
	w->ww_proc = TM_SLOT_NIL;
	for (i = 0; i < TM_WHEEL_SIZE; i++)
		w->ww_head[i] = TM_SLOT_NIL;
	/*
	 * The slots need nothing: a FREE slot is never armed (conn_close()
	 * cancels before releasing, and the master clears a dead worker's
	 * slots), and not touching them keeps unused slot pages unmapped.
	 */
}

static uint32_t *
wheel_headp(struct wheel *wh, uint32_t b)
{
	return (b == WHEEL_PROC ? &wh->wh_w->ww_proc : &wh->wh_w->ww_head[b]);
}

/* Push idx at the head of list b (a bucket or the expiry list). */
static void
wheel_link(struct wheel *wh, uint32_t idx, uint32_t b)
{
	struct shm_slot *sl = &wh->wh_slots[idx];
	uint32_t *head = wheel_headp(wh, b);

	sl->sl_wheel_bucket = (uint16_t)(b == WHEEL_PROC ? WHEEL_PROC : b + 1);
	sl->sl_wheel_prev = TM_SLOT_NIL;
	sl->sl_wheel_next = *head;
	if (*head != TM_SLOT_NIL)
		wh->wh_slots[*head].sl_wheel_prev = idx;
	*head = idx;
	if (b != WHEEL_PROC)
		wh->wh_w->ww_bits[b >> 6] |= (uint64_t)1 << (b & 63);
}

static void
wheel_unlink(struct wheel *wh, uint32_t idx)
{
	struct shm_slot *sl = &wh->wh_slots[idx];
	uint32_t b = sl->sl_wheel_bucket == WHEEL_PROC ? WHEEL_PROC :
	    sl->sl_wheel_bucket - 1u, *head = wheel_headp(wh, b);

	if (sl->sl_wheel_prev != TM_SLOT_NIL)
		wh->wh_slots[sl->sl_wheel_prev].sl_wheel_next =
		    sl->sl_wheel_next;
	else
		*head = sl->sl_wheel_next;
	if (sl->sl_wheel_next != TM_SLOT_NIL)
		wh->wh_slots[sl->sl_wheel_next].sl_wheel_prev =
		    sl->sl_wheel_prev;
	if (b != WHEEL_PROC && *head == TM_SLOT_NIL)
		wh->wh_w->ww_bits[b >> 6] &= ~((uint64_t)1 << (b & 63));
	sl->sl_wheel_bucket = WHEEL_NONE;
}

int
wheel_armed(const struct wheel *wh, uint32_t idx)
{
	return (wh->wh_slots[idx].sl_wheel_bucket != WHEEL_NONE);
}

void
wheel_arm(struct wheel *wh, uint32_t idx, uint64_t deadline_ms)
{
	uint64_t t;

	TM_ASSERT(idx < wh->wh_nslots && deadline_ms > 0);
	if (wheel_armed(wh, idx))
		wheel_unlink(wh, idx);
	else
		wh->wh_w->ww_count++;
	t = wheel_tick_of(wh, deadline_ms);
	/* Already due: the next tick takes it, never the one passed. */
	if (t <= wh->wh_w->ww_now)
		t = wh->wh_w->ww_now + 1;
	wh->wh_slots[idx].sl_deadline_ms = deadline_ms;
	wheel_link(wh, idx, (uint32_t)(t & WHEEL_MASK));
}

void
wheel_cancel(struct wheel *wh, uint32_t idx)
{
	TM_ASSERT(idx < wh->wh_nslots);
	if (!wheel_armed(wh, idx))
		return;
	wheel_unlink(wh, idx);
	wh->wh_w->ww_count--;
	wh->wh_slots[idx].sl_deadline_ms = 0;
}

unsigned int
wheel_advance(struct wheel *wh, uint64_t now_ms,
    void (*fire)(void *, uint32_t), void *arg)
{
	struct shm_wheel *w = wh->wh_w;
	uint64_t target = now_ms / wh->wh_tick_ms, t, steps;
	unsigned int fired = 0;
	uint32_t b, idx;

	if (target <= w->ww_now)
		return (0);
	/* More than a turn behind: each bucket once, due against target. */
	steps = target - w->ww_now;
	if (steps > TM_WHEEL_SIZE)
		steps = TM_WHEEL_SIZE;
	for (t = target - steps + 1; t <= target; t++) {
		b = (uint32_t)(t & WHEEL_MASK);
		/*
		 * The clock moves first: what fire() arms while this tick
		 * runs lands on a later tick, so this loop always ends.
		 */
		w->ww_now = t;
		if (w->ww_head[b] == TM_SLOT_NIL)
			continue;
		/* Move the bucket to the expiry list, so that fire() may
		   cancel or re-arm any of its entries safely. */
		while ((idx = w->ww_head[b]) != TM_SLOT_NIL) {
			wheel_unlink(wh, idx);
			wheel_link(wh, idx, WHEEL_PROC);
		}
		while ((idx = w->ww_proc) != TM_SLOT_NIL) {
			struct shm_slot *sl = &wh->wh_slots[idx];

			wheel_unlink(wh, idx);
			if (wheel_tick_of(wh, sl->sl_deadline_ms) > target) {
				/* A later turn: back into its bucket. */
				wheel_link(wh, idx, b);
				continue;
			}
			w->ww_count--;
			sl->sl_deadline_ms = 0;
			fired++;
			fire(arg, idx);
		}
	}
	w->ww_now = target;
	return (fired);
}

int64_t
wheel_next_ms(const struct wheel *wh, uint64_t now_ms)
{
	const struct shm_wheel *w = wh->wh_w;
	uint32_t start, b, word, k;
	uint64_t bits, tick;

	if (w->ww_count == 0)
		return (-1);
	start = (uint32_t)((w->ww_now + 1) & WHEEL_MASK);
	/* Scan the map from start, wrapping once: 9 words at most. */
	for (k = 0; k <= TM_WHEEL_SIZE / 64; k++) {
		word = ((start >> 6) + k) % (TM_WHEEL_SIZE / 64);
		bits = w->ww_bits[word];
		if (k == 0)
			bits &= ~(uint64_t)0 << (start & 63);
		if (bits == 0)
			continue;
		b = word * 64 + (uint32_t)__builtin_ctzll(bits);
		tick = w->ww_now + 1 + ((b - start) & WHEEL_MASK);
		return (tick * wh->wh_tick_ms > now_ms ?
		    (int64_t)(tick * wh->wh_tick_ms - now_ms) : 0);
	}
	return (-1);
}
