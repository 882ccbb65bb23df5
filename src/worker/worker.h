/*
 * A worker process: what the master passes it at fork.
 */
#ifndef TM_WORKER_H
#define TM_WORKER_H

#include <stdint.h>

struct config;
struct shm;

struct worker_init {
	struct shm	*wi_shm;
	unsigned int	 wi_block;	/* its block in the segment */
	struct config	*wi_cf;
	int		 wi_chan;	/* its end of the channel */
	uint32_t	 wi_gen;
	unsigned int	 wi_number;
};

/* Run a worker until it is told to stop; never returns. */
_Noreturn void	worker_main(const struct worker_init *);

#endif /* TM_WORKER_H */
