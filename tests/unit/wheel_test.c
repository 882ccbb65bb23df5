/*
 * The timing wheel against a reference model: hundreds of thousands of
 * random arm / re-arm / cancel / advance operations, compared at every
 * advance; and the edge cases one by one.
 */
#include <sys/types.h>
#include <sys/mman.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <atf-c.h>

#include "shm/shm.h"
#include "shm/wheel.h"

#define NSLOTS	4096

struct fixture {
	struct shm_wheel w;
	struct shm_slot	 slots[NSLOTS];
	struct wheel	 wh;
	/* What fire() saw. */
	uint32_t	 fired[NSLOTS * 4];
	unsigned int	 nfired;
};

static struct fixture *
fixture_new(uint32_t tick, uint64_t now)
{
	struct fixture *f;

	/* Zeroed memory: every slot disarmed, as in a fresh segment. */
	f = mmap(NULL, sizeof(*f), PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ATF_REQUIRE(f != MAP_FAILED);
	wheel_init(&f->wh, &f->w, f->slots, NSLOTS, tick, now);
	return (f);
}

static void
fixture_free(struct fixture *f)
{
	munmap(f, sizeof(*f));
}

static void
collect(void *arg, uint32_t idx)
{
	struct fixture *f = arg;

	f->fired[f->nfired++] = idx;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x < y ? -1 : x > y);
}

ATF_TC_WITHOUT_HEAD(wheel__basic_fire_and_cancel);
ATF_TC_BODY(wheel__basic_fire_and_cancel, tc)
{
	struct fixture *f = fixture_new(100, 1000);

	ATF_CHECK_EQ(wheel_next_ms(&f->wh, 1000), -1);
	wheel_arm(&f->wh, 1, 1250);	/* tick 13 */
	wheel_arm(&f->wh, 2, 1300);	/* tick 13, exactly on it */
	wheel_arm(&f->wh, 3, 1301);	/* tick 14 */
	ATF_CHECK(wheel_armed(&f->wh, 1));
	ATF_CHECK_EQ(f->slots[1].sl_deadline_ms, 1250);
	ATF_CHECK_EQ(wheel_next_ms(&f->wh, 1000), 300);
	ATF_CHECK_EQ(wheel_advance(&f->wh, 1299, collect, f), 0);
	ATF_CHECK_EQ(wheel_advance(&f->wh, 1300, collect, f), 2);
	qsort(f->fired, f->nfired, sizeof(uint32_t), cmp_u32);
	ATF_CHECK_EQ(f->fired[0], 1);
	ATF_CHECK_EQ(f->fired[1], 2);
	ATF_CHECK(!wheel_armed(&f->wh, 1));
	ATF_CHECK_EQ(f->slots[1].sl_deadline_ms, 0);
	wheel_cancel(&f->wh, 3);
	ATF_CHECK_EQ(wheel_advance(&f->wh, 5000, collect, f), 0);
	ATF_CHECK_EQ(wheel_next_ms(&f->wh, 5000), -1);
	/* Cancel of an unarmed entry is harmless. */
	wheel_cancel(&f->wh, 3);
	fixture_free(f);
}

ATF_TC_WITHOUT_HEAD(wheel__zero_and_past_deadlines);
ATF_TC_BODY(wheel__zero_and_past_deadlines, tc)
{
	struct fixture *f = fixture_new(100, 1000);

	/* A deadline of "now" or before: the next tick, never lost. */
	wheel_arm(&f->wh, 5, 1000);
	wheel_arm(&f->wh, 6, 1);
	ATF_CHECK_EQ(wheel_next_ms(&f->wh, 1000), 100);
	ATF_CHECK_EQ(wheel_advance(&f->wh, 1099, collect, f), 0);
	ATF_CHECK_EQ(wheel_advance(&f->wh, 1100, collect, f), 2);
	fixture_free(f);
}

ATF_TC_WITHOUT_HEAD(wheel__many_turns_ahead);
ATF_TC_BODY(wheel__many_turns_ahead, tc)
{
	struct fixture *f = fixture_new(100, 0);
	uint64_t far = (uint64_t)TM_WHEEL_SIZE * 100 * 5 + 700;
	uint64_t now;

	/* Five turns ahead: same bucket as tick 7 of this turn. */
	wheel_arm(&f->wh, 9, far);
	wheel_arm(&f->wh, 8, 700);
	ATF_CHECK_EQ(wheel_advance(&f->wh, 700, collect, f), 1);
	ATF_CHECK_EQ(f->fired[0], 8);
	/* Step through each turn: never fired early. */
	for (now = 800; now < far; now += 100 * 37)
		ATF_REQUIRE_EQ(wheel_advance(&f->wh, now, collect, f), 0);
	ATF_CHECK(wheel_armed(&f->wh, 9));
	ATF_CHECK_EQ(wheel_advance(&f->wh, far, collect, f), 1);
	ATF_CHECK_EQ(f->fired[1], 9);
	/* A jump of many turns at once fires what is due, once. */
	wheel_arm(&f->wh, 10, far + 100);
	wheel_arm(&f->wh, 11, far + 100ull * TM_WHEEL_SIZE * 3);
	wheel_arm(&f->wh, 12, far + 100ull * TM_WHEEL_SIZE * 9);
	ATF_CHECK_EQ(wheel_advance(&f->wh, far + 100ull * TM_WHEEL_SIZE * 4,
	    collect, f), 2);
	ATF_CHECK(wheel_armed(&f->wh, 12));
	fixture_free(f);
}

static struct fixture *cancel_f;

static void
cancel_other(void *arg, uint32_t idx)
{
	struct fixture *f = arg;

	f->fired[f->nfired++] = idx;
	/* Whichever fires first cancels the other. */
	wheel_cancel(&f->wh, idx == 1 ? 2 : 1);
}

static void
rearm_self(void *arg, uint32_t idx)
{
	struct fixture *f = arg;

	f->fired[f->nfired++] = idx;
	if (f->nfired < 3)
		wheel_arm(&f->wh, idx, 1);	/* past: next tick */
}

ATF_TC_WITHOUT_HEAD(wheel__changes_during_expiry);
ATF_TC_BODY(wheel__changes_during_expiry, tc)
{
	struct fixture *f = fixture_new(10, 0);

	cancel_f = f;
	wheel_arm(&f->wh, 1, 50);
	wheel_arm(&f->wh, 2, 50);
	ATF_CHECK_EQ(wheel_advance(&f->wh, 50, cancel_other, f), 1);
	ATF_CHECK(!wheel_armed(&f->wh, 1) && !wheel_armed(&f->wh, 2));
	ATF_CHECK_EQ(f->w.ww_count, 0);

	/* Re-arming from inside fire() lands on a later tick: no loop. */
	f->nfired = 0;
	wheel_arm(&f->wh, 7, 60);
	ATF_CHECK_EQ(wheel_advance(&f->wh, 60, rearm_self, f), 1);
	ATF_CHECK(wheel_armed(&f->wh, 7));
	ATF_CHECK_EQ(wheel_advance(&f->wh, 70, rearm_self, f), 1);
	ATF_CHECK_EQ(wheel_advance(&f->wh, 80, rearm_self, f), 1);
	ATF_CHECK(!wheel_armed(&f->wh, 7));
	fixture_free(f);
}

/*
 * The model: each armed entry's effective tick, max(ceil(D / tick), the
 * tick current when it was armed + 1).  An advance to target fires exactly
 * the entries whose effective tick is <= target.
 */
struct model {
	int64_t		 eff[NSLOTS];	/* -1: not armed */
	uint64_t	 cur;
	uint32_t	 tick;
};

static void
model_arm(struct model *m, uint32_t idx, uint64_t d)
{
	uint64_t t = (d + m->tick - 1) / m->tick;

	m->eff[idx] = (int64_t)(t <= m->cur ? m->cur + 1 : t);
}

static struct model *mod;
static unsigned int rnd_state;

static void
random_fire(void *arg, uint32_t idx)
{
	struct fixture *f = arg;
	uint32_t j;

	f->fired[f->nfired++] = idx;
	/* Sometimes re-arm the entry itself, for a later tick. */
	if (rand_r(&rnd_state) % 8 == 0) {
		uint64_t d = (mod->cur + 1 + rand_r(&rnd_state) % 50) *
		    mod->tick - rand_r(&rnd_state) % mod->tick;

		wheel_arm(&f->wh, idx, d);
		model_arm(mod, idx, d);
		mod->eff[idx] = mod->eff[idx] <= (int64_t)mod->cur ?
		    (int64_t)mod->cur + 1 : mod->eff[idx];
	}
	/* Sometimes cancel another entry that is not due in this advance. */
	if (rand_r(&rnd_state) % 8 == 0) {
		j = (uint32_t)(rand_r(&rnd_state) % NSLOTS);
		if (mod->eff[j] > (int64_t)mod->cur) {
			wheel_cancel(&f->wh, j);
			mod->eff[j] = -1;
		}
	}
}

ATF_TC(wheel__random_against_model);
ATF_TC_HEAD(wheel__random_against_model, tc)
{
	atf_tc_set_md_var(tc, "descr", "500k random operations: the wheel "
	    "fires exactly what a sorted reference says, at every advance");
	atf_tc_set_md_var(tc, "timeout", "240");
}
ATF_TC_BODY(wheel__random_against_model, tc)
{
	struct fixture *f;
	struct model *m;
	uint32_t want[NSLOTS], nwant, idx, i;
	uint64_t now = 123457, d, target;
	unsigned int op, ops, advances = 0, fired_total = 0;

	m = calloc(1, sizeof(*m));
	ATF_REQUIRE(m != NULL);
	mod = m;
	rnd_state = 20261126;
	f = fixture_new(100, now);
	m->tick = 100;
	m->cur = now / 100;
	for (i = 0; i < NSLOTS; i++)
		m->eff[i] = -1;
	for (ops = 0; ops < 500000; ops++) {
		op = (unsigned int)rand_r(&rnd_state) % 100;
		idx = (uint32_t)rand_r(&rnd_state) % NSLOTS;
		if (op < 55) {
			/* Arm or re-arm: near, on a tick, or turns ahead. */
			switch (rand_r(&rnd_state) % 4) {
			case 0:
				d = now + rand_r(&rnd_state) % 3000;
				break;
			case 1:
				d = (now / 100 + rand_r(&rnd_state) % 40) * 100;
				break;
			case 2:
				d = now + rand_r(&rnd_state) %
				    (100u * TM_WHEEL_SIZE * 6);
				break;
			default:
				d = now > 500 ? now - rand_r(&rnd_state) % 500 :
				    now;
				break;
			}
			if (d == 0)
				d = 1;
			wheel_arm(&f->wh, idx, d);
			model_arm(m, idx, d);
		} else if (op < 75) {
			wheel_cancel(&f->wh, idx);
			m->eff[idx] = -1;
		} else {
			/* Advance: mostly small steps, sometimes turns. */
			now += (unsigned int)rand_r(&rnd_state) % 100 == 0 ?
			    (unsigned int)rand_r(&rnd_state) %
			    (100u * TM_WHEEL_SIZE * 3) :
			    (unsigned int)rand_r(&rnd_state) % 250u;
			target = now / 100;
			nwant = 0;
			if (target > m->cur)
				for (i = 0; i < NSLOTS; i++)
					if (m->eff[i] != -1 &&
					    m->eff[i] <= (int64_t)target)
						want[nwant++] = i;
			/* The model's view of "now" moves before fire(). */
			for (i = 0; i < nwant; i++)
				m->eff[want[i]] = -1;
			if (target > m->cur)
				m->cur = target;
			f->nfired = 0;
			wheel_advance(&f->wh, now, random_fire, f);
			qsort(f->fired, f->nfired, sizeof(uint32_t), cmp_u32);
			ATF_REQUIRE_EQ_MSG(f->nfired, nwant,
			    "advance %u to %llu: fired %u, model %u", advances,
			    (unsigned long long)now, f->nfired, nwant);
			for (i = 0; i < nwant; i++)
				ATF_REQUIRE_EQ_MSG(f->fired[i], want[i],
				    "advance %u: entry %u", advances, i);
			advances++;
			fired_total += nwant;
		}
		/* The map and the count agree with the model. */
		if (ops % 50000 == 0) {
			uint32_t armed = 0;

			for (i = 0; i < NSLOTS; i++) {
				ATF_REQUIRE_EQ(wheel_armed(&f->wh, i),
				    m->eff[i] != -1);
				armed += m->eff[i] != -1;
			}
			ATF_REQUIRE_EQ(f->w.ww_count, armed);
		}
	}
	ATF_CHECK(advances > 100000);
	ATF_CHECK(fired_total > 10000);
	free(m);
	fixture_free(f);
}

ATF_TC_WITHOUT_HEAD(wheel__next_ms);
ATF_TC_BODY(wheel__next_ms, tc)
{
	struct fixture *f = fixture_new(100, 10000);

	wheel_arm(&f->wh, 1, 10000 + 100ull * (TM_WHEEL_SIZE - 1));
	ATF_CHECK_EQ(wheel_next_ms(&f->wh, 10000),
	    100 * (TM_WHEEL_SIZE - 1));
	wheel_arm(&f->wh, 2, 10250);
	ATF_CHECK_EQ(wheel_next_ms(&f->wh, 10010), 290);
	wheel_cancel(&f->wh, 2);
	/* Bucket behind the hand (wrapped): still found. */
	wheel_advance(&f->wh, 10000 + 100 * 300, collect, f);
	wheel_arm(&f->wh, 3, 10000 + 100 * 302);
	ATF_CHECK_EQ(wheel_next_ms(&f->wh, 10000 + 100 * 300), 200);
	fixture_free(f);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, wheel__basic_fire_and_cancel);
	ATF_TP_ADD_TC(tp, wheel__zero_and_past_deadlines);
	ATF_TP_ADD_TC(tp, wheel__many_turns_ahead);
	ATF_TP_ADD_TC(tp, wheel__changes_during_expiry);
	ATF_TP_ADD_TC(tp, wheel__random_against_model);
	ATF_TP_ADD_TC(tp, wheel__next_ms);
	return (atf_no_error());
}
