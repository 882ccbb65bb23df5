/*
 * Worker lifecycle: spawn, reap, respawn with backoff, drain, stop.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <grp.h>
#include <libutil.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/log.h"
#include "master/config.h"
#include "master/master.h"
#include "worker/worker.h"

/* A worker that dies sooner than this after its start "died quickly". */
#define QUICK_DEATH_MS	5000
#define BACKOFF_MAX_MS	30000
/* A worker told to stop is killed if still there after this. */
#define STOP_KILL_MS	3000

static void	proc_live_add(struct master *, unsigned int);
static void	proc_live_del(struct master *, unsigned int);
static void	proc_release_block(struct master *, unsigned int);
static void	proc_restore_range(struct master *, unsigned int);
static void	proc_order(struct master *, unsigned int,
		    const struct chan_msg *, int);
static void	proc_config_unref(struct master *, struct config *);

static void
proc_live_add(struct master *m, unsigned int b)
{
	m->m_live[m->m_nlive++] = b;
}

static void
proc_live_del(struct master *m, unsigned int b)
{
	unsigned int i;

	for (i = 0; i < m->m_nlive; i++)
		if (m->m_live[i] == b) {
			m->m_live[i] = m->m_live[--m->m_nlive];
			return;
		}
}

/*
 * In the child: drop everything of the master's that a worker (or a
 * reload's trial, self TM_MAX_BLOCKS) must not hold.
 */
void
proc_child_cleanup(struct master *m, unsigned int self)
{
	unsigned int i;
	int k;

	/* Workers never see a listening socket. */
	for (i = 0; i < m->m_nls; i++)
		if (m->m_ls[i].ls_fd != -1)
			close(m->m_ls[i].ls_fd);
	for (i = 0; i < TM_MAX_BLOCKS; i++) {
		struct worker *w = &m->m_wk[i];

		if (w->wk_chan != -1 && i != self)
			close(w->wk_chan);
		/* Connections queued for other workers are not ours. */
		for (k = 0; k < w->wk_nbatch; k++)
			close(w->wk_fds[k]);
	}
	if (m->m_sigfd != -1)
		close(m->m_sigfd);
	if (m->m_trial_fd != -1)
		close(m->m_trial_fd);
	pidfile_close(m->m_pfh);
}

int
proc_spawn(struct master *m, unsigned int b, struct config *cf, uint32_t gen,
    unsigned int number)
{
	struct shm_block *sb = shm_block(m->m_shm, b);
	struct worker *w = &m->m_wk[b];
	struct worker_init wi;
	int64_t first = -1;
	int sv[2];
	pid_t pid;

	/* What the block's last worker counted outlives it. */
	if (atomic_load_explicit(&sb->wb_state, memory_order_relaxed) !=
	    TM_WORKER_UNUSED)
		shm_block_retire(m->m_shm, b);
	if (atomic_load_explicit(&sb->wb_state, memory_order_relaxed) ==
	    TM_WORKER_UNUSED || atomic_load_explicit(&sb->wb_slot_count,
	    memory_order_relaxed) != cf->cf_slots_per_worker) {
		/* Readers skip it until it is whole again. */
		atomic_store_explicit(&sb->wb_state, TM_WORKER_UNUSED,
		    memory_order_relaxed);
		/* The pool's free ranges follow from the ranges given. */
		for (unsigned int o = 0; o < TM_MAX_BLOCKS; o++)
			if (m->m_wk[o].wk_pid != 0)
				proc_restore_range(m, o);
		if ((first = shm_pool_alloc(m->m_shm,
		    TM_BITS_ROWS(cf->cf_slots_per_worker) +
		    cf->cf_slots_per_worker)) == -1) {
			log_warn("worker %u: no room for %u slots", number,
			    cf->cf_slots_per_worker);
			return (-1);
		}
		sb = shm_block(m->m_shm, b);	/* the pool may have moved */
	}
	/*
	 * Readers must not see half the old worker and half the new: a
	 * short section, no system call in it (the pool grew above).
	 */
	shm_block_write_begin(m->m_shm, b);
	if (first != -1) {
		/* The claim bitmap first, then the slots. */
		atomic_store_explicit(&sb->wb_bits_first, (uint32_t)first,
		    memory_order_relaxed);
		atomic_store_explicit(&sb->wb_slot_first, (uint32_t)first +
		    TM_BITS_ROWS(cf->cf_slots_per_worker),
		    memory_order_relaxed);
		atomic_store_explicit(&sb->wb_slot_count,
		    cf->cf_slots_per_worker, memory_order_relaxed);
	}
	/* The master's own copy of the range (proc_restore_range()). */
	w->wk_bits_first = atomic_load_explicit(&sb->wb_bits_first,
	    memory_order_relaxed);
	w->wk_slot_first = atomic_load_explicit(&sb->wb_slot_first,
	    memory_order_relaxed);
	w->wk_slot_count = atomic_load_explicit(&sb->wb_slot_count,
	    memory_order_relaxed);
	/* Rows reused from an old range may hold anything: no claim yet. */
	slot_bits_clear(m->m_shm, b);
	atomic_store_explicit(&sb->wb_generation, gen, memory_order_relaxed);
	atomic_store_explicit(&sb->wb_number, number, memory_order_relaxed);
	atomic_store_explicit(&sb->wb_active, 0, memory_order_relaxed);
	atomic_store_explicit(&sb->wb_conn_max, 0, memory_order_relaxed);
	atomic_store_explicit(&sb->wb_pid, 0, memory_order_relaxed);
	for (int i = 0; i < TM_CTR__COUNT; i++)
		atomic_store_explicit(&sb->wb_counters[i], 0,
		    memory_order_relaxed);
	sb->wb_hand = 0;
	atomic_store_explicit(&sb->wb_heartbeat_ms, clock_ms(),
	    memory_order_relaxed);
	atomic_store_explicit(&sb->wb_started_ms, clock_ms(),
	    memory_order_relaxed);
	/* release: the block's fields before its state. */
	atomic_store_explicit(&sb->wb_state, TM_WORKER_STARTING,
	    memory_order_release);
	shm_block_write_end(m->m_shm, b);

	if (chan_pair(sv) == -1) {
		log_warn("worker %u: socketpair() failed", number);
		atomic_store_explicit(&sb->wb_state, TM_WORKER_EXITED,
		    memory_order_release);
		return (-1);
	}
	switch ((pid = fork())) {
	case -1:
		log_warn("worker %u: fork() failed", number);
		close(sv[0]);
		close(sv[1]);
		atomic_store_explicit(&sb->wb_state, TM_WORKER_EXITED,
		    memory_order_release);
		return (-1);
	case 0:
		close(sv[0]);
		proc_child_cleanup(m, b);
		memset(&wi, 0, sizeof(wi));
		wi.wi_shm = m->m_shm;
		wi.wi_block = b;
		wi.wi_cf = cf;
		wi.wi_chan = sv[1];
		wi.wi_gen = gen;
		wi.wi_number = number;
		worker_main(&wi);
		/* NOTREACHED */
	default:
		break;
	}
	close(sv[1]);
	atomic_store_explicit(&sb->wb_pid, (int32_t)pid, memory_order_relaxed);
	w->wk_pid = pid;
	proc_live_add(m, b);
	w->wk_chan = sv[0];
	w->wk_gen = gen;
	w->wk_number = number;
	w->wk_cf = cf;
	w->wk_draining = 0;
	w->wk_respawn = 0;
	w->wk_started = clock_ms();
	w->wk_killed_at = 0;
	w->wk_drain_at = 0;
	w->wk_stop_at = 0;
	w->wk_conn_max = 0;
	w->wk_stale = 0;
	w->wk_chan_full = 0;
	w->wk_drain_held = 0;
	w->wk_nbatch = 0;
	log_info("worker %u (generation %u) started, pid %d", number, gen,
	    (int)pid);
	return (0);
}

/*
 * Start cf->cf_workers workers as a new generation: how many started.
 * One that could not (fork, memory) keeps its block and is retried like
 * a respawn, so the generation reaches its size without another reload.
 */
unsigned int
proc_start_generation(struct master *m, struct config *cf)
{
	unsigned int b, n = 0, started = 0;
	uint32_t gen = m->m_gen;

	for (b = 0; b < TM_MAX_BLOCKS && n < cf->cf_workers; b++) {
		struct worker *w = &m->m_wk[b];

		if (w->wk_pid != 0 || w->wk_respawn)
			continue;
		if (proc_spawn(m, b, cf, gen, ++n) == 0) {
			started++;
			continue;
		}
		w->wk_number = n;
		w->wk_cf = cf;
		w->wk_gen = gen;
		w->wk_respawn = 1;
		w->wk_respawn_at = clock_ms() + 1000;
		m->m_nrespawn++;
	}
	/* master_reload_apply() counted the blocks first: not at a start. */
	if (n < cf->cf_workers)
		log_warnx("no free worker block for %u of generation %u's "
		    "workers", cf->cf_workers - n, gen);
	return (started);
}

/*
 * Blocks a new generation can take: those with no worker (positions
 * waiting for a respawn included: a reload drops them).
 */
unsigned int
proc_free_blocks(const struct master *m)
{
	unsigned int b, n = 0;

	for (b = 0; b < TM_MAX_BLOCKS; b++)
		if (m->m_wk[b].wk_pid == 0)
			n++;
	return (n);
}

unsigned int
proc_live(const struct master *m)
{
	return (m->m_nlive);
}

/*
 * Before the master walks a worker's slot range (a dead one's: release,
 * reuse, return to the pool; every live one's: a new range is allocated
 * between them): the range as the master gave it, whatever the worker
 * left in the shared block (it can write there, and may have crashed
 * from corrupted memory).
 */
static void
proc_restore_range(struct master *m, unsigned int b)
{
	struct shm_block *sb = shm_block(m->m_shm, b);
	const struct worker *w = &m->m_wk[b];

	atomic_store_explicit(&sb->wb_bits_first, w->wk_bits_first,
	    memory_order_relaxed);
	atomic_store_explicit(&sb->wb_slot_first, w->wk_slot_first,
	    memory_order_relaxed);
	atomic_store_explicit(&sb->wb_slot_count, w->wk_slot_count,
	    memory_order_relaxed);
}

/* A block nobody will use again: its slot range goes back to the pool. */
static void
proc_release_block(struct master *m, unsigned int b)
{
	struct shm_block *sb = shm_block(m->m_shm, b);
	struct worker *w = &m->m_wk[b];
	struct config *cf = w->wk_cf;

	/* Its counters stay in the totals: readers skip unused blocks. */
	shm_block_retire(m->m_shm, b);
	atomic_store_explicit(&sb->wb_state, TM_WORKER_UNUSED,
	    memory_order_release);
	w->wk_cf = NULL;
	if (w->wk_respawn)
		m->m_nrespawn--;
	w->wk_respawn = 0;
	w->wk_fails = 0;
	proc_config_unref(m, cf);
}

/* Free an old configuration once no worker runs with it. */
static void
proc_config_unref(struct master *m, struct config *cf)
{
	unsigned int b;

	if (cf == NULL || cf == m->m_cf)
		return;
	for (b = 0; b < TM_MAX_BLOCKS; b++)
		if (m->m_wk[b].wk_cf == cf)
			return;
	config_free(cf);
}

void
proc_reap(struct master *m)
{
	struct worker *w;
	struct shm_block *sb;
	uint64_t now, lived;
	unsigned int b;
	uint32_t freed, lost;
	pid_t pid;
	int status;

	for (;;) {
		pid = waitpid(-1, &status, WNOHANG);
		if (pid == 0)
			break;
		if (pid == -1) {
			if (errno == EINTR)
				continue;
			if (errno != ECHILD)
				log_warn("waitpid() failed");
			break;
		}
		if (pid == m->m_trial_pid) {
			master_trial_reaped(m, status);
			continue;
		}
		for (b = 0; b < TM_MAX_BLOCKS; b++)
			if (m->m_wk[b].wk_pid == pid)
				break;
		if (b == TM_MAX_BLOCKS)
			continue;	/* a daemonizing parent, an old trial */
		w = &m->m_wk[b];
		sb = shm_block(m->m_shm, b);
		now = clock_ms();
		lived = now - w->wk_started;
		proc_restore_range(m, b);

		/*
		 * Connections it never received go to the others; its
		 * channel closed first, so that none can come back to it.
		 */
		if (w->wk_chan != -1) {
			close(w->wk_chan);
			w->wk_chan = -1;
		}
		if (w->wk_nbatch > 0)
			dispatch_requeue(m, b);
		w->wk_pid = 0;
		proc_live_del(m, b);
		atomic_store_explicit(&sb->wb_pid, 0, memory_order_relaxed);
		freed = slot_release_all(m->m_shm, b, &lost);
		/*
		 * Its connections ended with it: the totals say so.  Those
		 * it never adopted were never counted as accepted either
		 * (as conn_lost() counts them).
		 */
		if (freed > 0) {
			TM_STAT_ADD(sb->wb_counters[TM_CTR_accepted], lost);
			TM_STAT_ADD(sb->wb_counters[TM_CTR_closed], freed);
			TM_STAT_ADD(sb->wb_counters[TM_CTR_err_io], freed);
		}
		atomic_store_explicit(&sb->wb_state, TM_WORKER_EXITED,
		    memory_order_release);

		if (WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
		    (w->wk_draining || m->m_stopping)) {
			log_info("worker %u (generation %u, pid %d) exited",
			    w->wk_number, w->wk_gen, (int)pid);
			proc_release_block(m, b);
			continue;
		}
		if (WIFSIGNALED(status))
			log_warnx("worker %u (generation %u, pid %d) killed "
			    "by signal %d%s; %u slots freed", w->wk_number,
			    w->wk_gen, (int)pid, WTERMSIG(status),
			    WCOREDUMP(status) ? " (core dumped)" : "", freed);
		else
			log_warnx("worker %u (generation %u, pid %d) exited "
			    "with status %d; %u slots freed", w->wk_number,
			    w->wk_gen, (int)pid, WEXITSTATUS(status), freed);
		if (m->m_stopping || w->wk_draining ||
		    w->wk_gen != m->m_gen) {
			proc_release_block(m, b);
			continue;
		}
		if (WIFEXITED(status) && WEXITSTATUS(status) == 2) {
			/* nginx's rule: a fatal worker error is not retried. */
			log_error("worker %u exited with status 2 (fatal "
			    "configuration problem): not respawning",
			    w->wk_number);
			proc_release_block(m, b);
			continue;
		}
		w->wk_fails = lived < QUICK_DEATH_MS ? w->wk_fails + 1 : 0;
		w->wk_respawn = 1;
		m->m_nrespawn++;
		if (w->wk_fails <= 1)
			w->wk_respawn_at = now;
		else {
			uint64_t d = 100ull << (w->wk_fails - 2 < 16 ?
			    w->wk_fails - 2 : 16);

			w->wk_respawn_at = now + (d > BACKOFF_MAX_MS ?
			    BACKOFF_MAX_MS : d);
			log_warnx("worker %u died %u times in a row; "
			    "respawning in %llu ms", w->wk_number,
			    w->wk_fails, (unsigned long long)
			    (w->wk_respawn_at - now));
		}
	}
}

void
proc_signal_all(struct master *m, int sig)
{
	unsigned int i, b;

	for (i = 0; i < m->m_nlive; i++) {
		b = m->m_live[i];
		if (m->m_wk[b].wk_pid > 0 && kill(m->m_wk[b].wk_pid, sig) ==
		    -1 && errno != ESRCH)
			log_warn("kill(%d, %d) failed",
			    (int)m->m_wk[b].wk_pid, sig);
	}
}

/*
 * Tell every live worker of generation <= gen_upto: commands go on the
 * channel; a signal is the fallback when the channel is full or gone.
 */
void
proc_send_all(struct master *m, enum chan_type type, uint32_t gen_upto)
{
	struct chan_msg msg;
	unsigned int i, b;
	int sig;

	memset(&msg, 0, sizeof(msg));
	msg.cm_type = (uint16_t)type;
	sig = type == CHAN_STOP ? SIGTERM : type == CHAN_DRAIN ? SIGQUIT :
	    type == CHAN_REOPEN ? SIGUSR1 : 0;
	for (i = 0; i < m->m_nlive; i++) {
		struct worker *w = &m->m_wk[b = m->m_live[i]];

		if (w->wk_pid == 0 || w->wk_gen > gen_upto)
			continue;
		if (type == CHAN_DRAIN || type == CHAN_STOP) {
			w->wk_draining = 1;
			if (w->wk_drain_at == 0)
				w->wk_drain_at = clock_ms();
			if (type == CHAN_STOP && w->wk_stop_at == 0)
				w->wk_stop_at = clock_ms();
			/*
			 * Its batch was accepted for its generation (the
			 * protocol a reload may have switched since): it is
			 * served there, sent before the order.  A worker
			 * told to drain exits once its channel is empty, so
			 * with the channel full the drain order waits for
			 * the batch (dispatch_flush()); a stop does not.
			 */
			w->wk_drain_held = 0;
			if (w->wk_nbatch > 0 && dispatch_send(m, b) == 1 &&
			    type == CHAN_DRAIN) {
				w->wk_drain_held = 1;
				continue;
			}
		}
		proc_order(m, b, &msg, sig);
	}
}

/* An order on b's channel, or by signal sig when the channel is full. */
static void
proc_order(struct master *m, unsigned int b, const struct chan_msg *msg,
    int sig)
{
	struct worker *w = &m->m_wk[b];

	if (w->wk_chan != -1 && chan_send(w->wk_chan, msg, NULL) == 0)
		return;
	if (sig != 0 && kill(w->wk_pid, sig) == -1 && errno != ESRCH)
		log_warn("kill(%d, %d) failed", (int)w->wk_pid, sig);
}

/* b's drain order, held until its batch was sent (proc_send_all()). */
void
proc_drain_release(struct master *m, unsigned int b)
{
	struct chan_msg msg;

	m->m_wk[b].wk_drain_held = 0;
	memset(&msg, 0, sizeof(msg));
	msg.cm_type = CHAN_DRAIN;
	proc_order(m, b, &msg, SIGQUIT);
}

void
proc_chan_event(struct master *m, unsigned int b, short revents)
{
	struct worker *w = &m->m_wk[b];
	struct chan_msg msg;
	uint32_t max;
	int fds[CHAN_MAX_FDS], r, n = 0;

	while (n++ < 64) {
		r = chan_recv(w->wk_chan, &msg, fds);
		if (r == 1) {
			/* CHAN_SLOTFREE only wakes us. */
			if (msg.cm_type == CHAN_CONNMAX &&
			    msg.cm_arg >= sizeof(max)) {
				memcpy(&max, msg.cm_data, sizeof(max));
				dispatch_conn_max(m, b, max,
				    msg.cm_arg > sizeof(max) &&
				    msg.cm_data[sizeof(max)] != 0);
			}
			continue;
		}
		if (r == 0 || (r == -1 && errno != EAGAIN &&
		    errno != EPROTO)) {
			/* The worker is gone; SIGCHLD will tell how. */
			close(w->wk_chan);
			w->wk_chan = -1;
		}
		break;
	}
	(void)revents;
}

void
proc_tick(struct master *m, uint64_t now)
{
	struct chan_msg msg;
	unsigned int i, b;

	/* TLS: rotate the session ticket keys when due (tickets.c). */
	tickets_tick(m, now);
	for (i = 0; i < m->m_nlive; i++) {
		struct worker *w = &m->m_wk[b = m->m_live[i]];
		uint64_t hb;
		int late;

		/*
		 * Watchdog: a worker that stopped publishing its heartbeat
		 * (stuck in a loop, SIGSTOPped) serves nobody; replace it.
		 */
		if (w->wk_pid != 0 && w->wk_killed_at == 0 &&
		    w->wk_cf != NULL) {
			hb = atomic_load_explicit(&shm_block(m->m_shm,
			    b)->wb_heartbeat_ms, memory_order_relaxed);
			/*
			 * An idle worker beats every quarter timeout: at half
			 * it is not reading its channel, and connections sent
			 * now would wait for the kill.  Others take them.
			 */
			late = now > hb + w->wk_cf->cf_heartbeat_timeout_ms / 2;
			if (late != w->wk_stale) {
				w->wk_stale = late;
				if (w->wk_stale)
					log_warnx("worker %u (pid %d): no "
					    "heartbeat for %llu ms; new "
					    "connections go to the others",
					    w->wk_number, (int)w->wk_pid,
					    (unsigned long long)(now - hb));
				else
					log_notice("worker %u (pid %d): "
					    "heartbeat back", w->wk_number,
					    (int)w->wk_pid);
			}
			if (now > hb + w->wk_cf->cf_heartbeat_timeout_ms) {
				log_error("worker %u (generation %u, pid %d): "
				    "no heartbeat for %llu ms (heartbeat_"
				    "timeout_sec %.1f); killing it",
				    w->wk_number, w->wk_gen, (int)w->wk_pid,
				    (unsigned long long)(now - hb),
				    w->wk_cf->cf_heartbeat_timeout_ms / 1000.0);
				if (kill(w->wk_pid, SIGKILL) == -1)
					log_warn("kill(%d, SIGKILL) failed",
					    (int)w->wk_pid);
				w->wk_killed_at = now;
				/* Replaced at once: not a crash loop. */
				w->wk_fails = 0;
			}
		}
		/* shutdown_timeout_sec 0: no limit, as every 0 timeout. */
		if (w->wk_pid != 0 && w->wk_drain_at != 0 &&
		    w->wk_stop_at == 0 && w->wk_cf != NULL &&
		    w->wk_cf->cf_shutdown_timeout_ms != 0 &&
		    now >= w->wk_drain_at + w->wk_cf->cf_shutdown_timeout_ms) {
			/* Drained too long: in-flight work is cut now. */
			log_warnx("worker %u (generation %u, pid %d) still "
			    "busy after shutdown_timeout_sec; stopping it",
			    w->wk_number, w->wk_gen, (int)w->wk_pid);
			memset(&msg, 0, sizeof(msg));
			msg.cm_type = CHAN_STOP;
			/* Its batch is not sent now: moved or closed at reap. */
			w->wk_drain_held = 0;
			proc_order(m, b, &msg, SIGTERM);
			w->wk_stop_at = now;
		}
		if (w->wk_pid != 0 && w->wk_stop_at != 0 &&
		    w->wk_killed_at == 0 && now >= w->wk_stop_at +
		    STOP_KILL_MS) {
			log_warnx("worker %u (pid %d) did not stop within %d "
			    "ms; SIGKILL", w->wk_number, (int)w->wk_pid,
			    STOP_KILL_MS);
			if (kill(w->wk_pid, SIGKILL) == -1)
				log_warn("kill(%d, SIGKILL) failed",
				    (int)w->wk_pid);
			w->wk_killed_at = now;
		}
	}
	if (m->m_nrespawn == 0 || m->m_stopping)
		return;
	for (b = 0; b < TM_MAX_BLOCKS; b++) {
		struct worker *w = &m->m_wk[b];

		if (!w->wk_respawn || w->wk_pid != 0 || now < w->wk_respawn_at)
			continue;
		w->wk_respawn = 0;
		m->m_nrespawn--;
		if (proc_spawn(m, b, m->m_cf, m->m_gen, w->wk_number) == -1) {
			w->wk_respawn = 1;
			m->m_nrespawn++;
			w->wk_respawn_at = now + 1000;
		}
	}
}
