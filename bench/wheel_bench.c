/*
 * wheel_bench: the cost of arming, re-arming and cancelling a deadline in
 * the timing wheel with 1K, 10K and 100K timers armed (it should not
 * grow), and of one tick.  Not a test: timings depend on the machine.
 *
 *   make wheel-bench && build/bench/wheel_bench
 */
#include <sys/types.h>
#include <sys/mman.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "shm/shm.h"
#include "shm/wheel.h"

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec * 1e9 + (double)ts.tv_nsec);
}

static void
nop(void *arg, uint32_t idx)
{
	(*(uint64_t *)arg) += idx;
}

int
main(void)
{
	static const uint32_t sizes[] = { 1000, 10000, 100000 };
	const uint32_t ops = 5000000, tick = 100;
	struct shm_wheel *w;
	struct shm_slot *slots;
	struct wheel wh;
	unsigned int seed = 42;
	uint64_t sink = 0, base = 1000000;
	size_t i, k;

	printf("%10s %14s %14s %14s\n", "armed", "arm+cancel ns", "re-arm ns",
	    "tick ns");
	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		uint32_t n = sizes[k];
		double t0, t1, t2, t3, t4;

		w = mmap(NULL, sizeof(*w), PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		slots = mmap(NULL, sizeof(*slots) * (n + 1), PROT_READ |
		    PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (w == MAP_FAILED || slots == MAP_FAILED)
			return (1);
		wheel_init(&wh, w, slots, n + 1, tick, base);
		/* n timers spread over 60 s, as keep-alive deadlines are. */
		for (i = 0; i < n; i++)
			wheel_arm(&wh, (uint32_t)i, base + 1 +
			    rand_r(&seed) % 60000);
		/* Arm and cancel one more timer, over and over. */
		t0 = now_ns();
		for (i = 0; i < ops; i++) {
			wheel_arm(&wh, n, base + 1 + (i * 7919) % 60000);
			wheel_cancel(&wh, n);
		}
		t1 = now_ns();
		/* Move armed timers around (a request's phase changes). */
		for (i = 0; i < ops; i++)
			wheel_arm(&wh, (uint32_t)(i % n), base + 1 +
			    (i * 7919) % 60000);
		t2 = now_ns();
		/* Ticks: 600 ticks = the 60 s over which they fire. */
		t3 = now_ns();
		for (i = 1; i <= 600; i++)
			wheel_advance(&wh, base + i * tick, nop, &sink);
		t4 = now_ns();
		printf("%10u %14.1f %14.1f %14.1f\n", n, (t1 - t0) / ops,
		    (t2 - t1) / ops, (t4 - t3) / 600);
		munmap(w, sizeof(*w));
		munmap(slots, sizeof(*slots) * (n + 1));
	}
	return (sink == 0xdeadbeef);
}
