/* Monotonic and wall time in the units the server uses. */
#ifndef TM_CLOCK_H
#define TM_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Milliseconds on CLOCK_MONOTONIC: ages, deadlines, heartbeats. */
static inline uint64_t
clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

/* Seconds of wall time (Date headers, logs, start time). */
static inline time_t
clock_wall(void)
{
	return (time(NULL));
}

#endif /* TM_CLOCK_H */
