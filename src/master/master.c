/*
 * The master's loop and its lifecycle operations: start, reload, stop,
 * reopen.  main.c parses the command line and calls in here.
 */
#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <libutil.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/cfg.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "master/config.h"
#include "master/master.h"
#include "master/notify.h"
#include "proto/proto.h"

/* Master wake-up at least this often: rates, timers, respawns. */
#define MASTER_TICK_MS	1000
#define FULL_RECHECK_MS	50

struct master	*tm_master;

static void	master_rate(struct master *, uint64_t);
static void	master_nofile(const struct config *);
static int	master_generation_running(const struct master *);

void
master_report_errors(const struct cfg_ctx *c, int to_log)
{
	size_t i;

	for (i = 0; i < c->cc_nmsgs; i++) {
		if (to_log)
			log_error("%s", c->cc_msgs[i]);
		else
			fprintf(stderr, "%s\n", c->cc_msgs[i]);
	}
}

/* The directory of path, made (0755, one level) if it is missing. */
void
master_make_dir(const char *path)
{
	char *dup, *dir;
	struct stat st;

	if (path == NULL || (dup = strdup(path)) == NULL)
		return;
	dir = dirname(dup);
	if (stat(dir, &st) == -1 && errno == ENOENT) {
		if (mkdir(dir, 0755) == 0)
			log_info("made the directory %s", dir);
		else if (errno != EEXIST)
			log_warn("mkdir(%s) failed", dir);
	}
	free(dup);
}

/*
 * The segment's group is the workers' (mode 0640), so that tamarinctl run
 * by that group may read it; root's when they keep the master's user.  At
 * each reload too: the group a new configuration names gains the segment,
 * and the one it dropped loses it.
 */
static void
master_segment_group(struct master *m, const struct config *cf)
{
	struct passwd *pw;
	struct group *gr;
	struct stat st;
	gid_t gid = 0;

	if (getuid() != 0)
		return;		/* the workers keep the master's user */
	if (cf->cf_user != NULL) {
		gr = cf->cf_group != NULL ? getgrnam(cf->cf_group) : NULL;
		pw = getpwnam(cf->cf_user);
		gid = gr != NULL ? gr->gr_gid : pw != NULL ? pw->pw_gid : 0;
	}
	if (fstat(m->m_shm->sm_fd, &st) == -1) {
		log_warn("fstat(%s) failed", cf->cf_segment);
		return;
	}
	if (st.st_gid != gid && fchown(m->m_shm->sm_fd, 0, gid) == -1)
		log_warn("fchown(%s) failed", cf->cf_segment);
}

int
master_segment_setup(struct master *m)
{
	struct config *cf = m->m_cf;
	struct shm_header *h;
	struct shm *old;
	const char *path = cf->cf_segment;
	char *dflt = NULL;
	pid_t pid;
	int why, alive;

	if (path == NULL) {
		/* Next to the pidfile (always set), where tamarinctl looks. */
		if ((dflt = config_segment_beside(cf->cf_pidfile)) == NULL)
			fatal("segment path");
		cf->cf_segment = dflt;
		path = dflt;
		master_make_dir(path);
	}
	/*
	 * A running tamarind's segment is not ours to replace: it would
	 * lose tamarinctl, and our exit would unlink what it serves from.
	 */
	if ((old = shm_attach(path, &why, NULL)) != NULL) {
		pid = atomic_load_explicit(&shm_header(old)->sh_master_pid,
		    memory_order_relaxed);
		/* Unknown (hidden /proc) counts as alive: refuse, and say. */
		alive = pid != getpid() && shm_master_alive(old, pid) &&
		    shm_proc_is_daemon(pid, NULL, 0) != 0;
		shm_detach(old);
		if (alive) {
			log_warnx("the segment %s belongs to tamarind pid %d, "
			    "still running (remove the file if that is not so)",
			    path, (int)pid);
			return (-1);
		}
	}
	/*
	 * Room for two generations, each slot range after its bitmap.
	 * Published by main() once the pid it names is the one that stays.
	 */
	m->m_shm = shm_prepare(path, cf->cf_workers * 2 *
	    (cf->cf_slots_per_worker + TM_BITS_ROWS(cf->cf_slots_per_worker)),
	    0640);
	if (m->m_shm == NULL) {
		log_warn("cannot create the segment %s", path);
		return (-1);
	}
	master_segment_group(m, cf);
	h = shm_header(m->m_shm);
	strlcpy(h->sh_config, cf->cf_path, sizeof(h->sh_config));
	atomic_store_explicit(&h->sh_workers, cf->cf_workers,
	    memory_order_relaxed);
	atomic_store_explicit(&h->sh_slots_per_worker,
	    cf->cf_slots_per_worker, memory_order_relaxed);
	return (0);
}

void
master_exit(struct master *m, int status)
{
	if (m->m_shm != NULL)
		shm_destroy(m->m_shm);
	if (m->m_pfh != NULL)
		pidfile_remove(m->m_pfh);
	if (status == 0)
		log_notice("exiting");
	exit(status);
}

/*
 * A reload reads the configuration in a child first.  A reader that
 * crashes on it (a plugin's registration, a bug), that exits (libconfig's
 * scanner, a plugin calling exit()), or that hangs (an include on a dead
 * NFS mount) must cost the trial, never the master that serves.  The
 * master goes on accepting and dispatching while the child reads: its
 * pipe is one more descriptor in the master's poll set, and its exit
 * comes with SIGCHLD.  The verdict comes over the pipe, written just
 * before the child exits, so no exit status can pass for one.  After a
 * verdict the master reads the file itself (the errors of a bad one are
 * reported then, line by line); without one the trial's end is the
 * error.
 */
#define TRIAL_MAX_MS	30000
#define TRIAL_GRACE_MS	5000	/* for SIGKILL to take */

static void	master_reload_apply(struct master *);
static void	master_reload_done(struct master *);

/* 0: the trial runs; -1: it could not start (read in the master). */
static int
master_trial_start(struct master *m)
{
	struct cfg_ctx c;
	const char *path = m->m_cf->cf_path;
	pid_t master = getpid();
	char verdict;
	pid_t pid;
	int p[2];

	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) == -1) {
		log_warn("reload: pipe2() failed; reading the configuration "
		    "in the master");
		return (-1);
	}
	(void)fflush(NULL);	/* nothing buffered is written twice */
	if ((pid = fork()) == -1) {
		log_warn("reload: fork() failed; reading the configuration "
		    "in the master");
		(void)close(p[0]);
		(void)close(p[1]);
		return (-1);
	}
	if (pid == 0) {
		struct rlimit rl = { 0, 0 };

		/* No listener, channel or connection stays open in here. */
		proc_child_cleanup(m, TM_MAX_BLOCKS);
		(void)close(p[0]);
		/* A reader left hanging must not outlive the master. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 ||
		    getppid() != master)
			_exit(1);
		/* Its crash is reported; -t reproduces it with a core. */
		(void)setrlimit(RLIMIT_CORE, &rl);
		cfg_ctx_init(&c, path);
		verdict = config_load(path, &c) != NULL ? 'y' : 'n';
		(void)write(p[1], &verdict, 1);
		_exit(0);
	}
	(void)close(p[1]);
	m->m_trial_pid = pid;
	m->m_trial_fd = p[0];
	m->m_trial_at = clock_ms();
	m->m_trial_verdict = 0;
	m->m_trial_reaped = 0;
	m->m_trial_killed = 0;
	log_info("reload: reading %s (pid %d)", path, (int)pid);
	return (0);
}

/* The pipe is readable: the verdict, or the end of a child without one. */
void
master_trial_event(struct master *m)
{
	char v;
	ssize_t n;

	while ((n = read(m->m_trial_fd, &v, 1)) == -1 && errno == EINTR)
		;
	if (n == -1 && errno == EAGAIN)
		return;
	if (n == 1)
		m->m_trial_verdict = v;
	(void)close(m->m_trial_fd);
	m->m_trial_fd = -1;
}

/* Called by proc_reap() for the trial's child. */
void
master_trial_reaped(struct master *m, int status)
{
	m->m_trial_status = status;
	m->m_trial_reaped = 1;
}

/* Each loop turn while a trial runs: its time limit, then its outcome. */
void
master_trial_tick(struct master *m, uint64_t now)
{
	const char *path = m->m_cf->cf_path;
	int status = m->m_trial_status;

	if (m->m_trial_pid == 0)
		return;
	/* The trial may have started after "now" was read. */
	if (!m->m_trial_killed && !m->m_trial_reaped &&
	    now >= m->m_trial_at + TRIAL_MAX_MS) {
		(void)kill(m->m_trial_pid, SIGKILL);
		m->m_trial_killed = 1;
	}
	if (m->m_trial_fd != -1 && !m->m_trial_killed)
		return;		/* still reading */
	/*
	 * The status will tell why; but a child that SIGKILL cannot end
	 * (asleep in a hung file system) must not hold reloads forever.
	 */
	if (m->m_trial_verdict != 'y' && m->m_trial_verdict != 'n' &&
	    !m->m_trial_reaped && (!m->m_trial_killed ||
	    now < m->m_trial_at + TRIAL_MAX_MS + TRIAL_GRACE_MS))
		return;
	if (m->m_trial_fd != -1) {
		(void)close(m->m_trial_fd);
		m->m_trial_fd = -1;
	}
	/* An unreaped child is proc_reap()'s, as a stranger, from here on. */
	m->m_trial_pid = 0;
	if (m->m_trial_verdict == 'y' || m->m_trial_verdict == 'n') {
		master_reload_apply(m);
		return;
	}
	if (m->m_trial_killed && (!m->m_trial_reaped ||
	    (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)))
		log_error("reload failed: reading %s took more than %d s; "
		    "still serving generation %u", path, TRIAL_MAX_MS / 1000,
		    m->m_gen);
	else if (WIFSIGNALED(status))
		log_error("reload failed: reading %s crashed the reader "
		    "(signal %d); still serving generation %u", path,
		    WTERMSIG(status), m->m_gen);
	else
		log_error("reload failed: reading %s ended the reader (exit "
		    "%d); still serving generation %u", path,
		    WEXITSTATUS(status), m->m_gen);
	master_reload_done(m);
}

/* A stop ends a trial: what it read would never be used. */
static void
master_trial_cancel(struct master *m)
{
	if (m->m_trial_pid == 0)
		return;
	if (!m->m_trial_reaped)
		(void)kill(m->m_trial_pid, SIGKILL);
	if (m->m_trial_fd != -1)
		(void)close(m->m_trial_fd);
	m->m_trial_fd = -1;
	m->m_trial_pid = 0;
	m->m_trial_again = 0;
	log_notice("reload abandoned: stopping");
}

void
master_reload(struct master *m)
{
	if (m->m_stopping) {
		log_notice("reload ignored: stopping");
		return;
	}
	if (m->m_trial_pid != 0) {
		/* Once more when this one ends: the file may have changed. */
		m->m_trial_again = 1;
		log_notice("reload queued: the last one is still reading");
		return;
	}
	m->m_reload_need = 0;
	notify_reloading();
	atomic_store_explicit(&shm_header(m->m_shm)->sh_state,
	    TM_MASTER_RELOADING, memory_order_relaxed);
	if (master_trial_start(m) == -1)
		master_reload_apply(m);
}

static int
master_same_path(const char *a, const char *b)
{
	return (a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0);
}

/* *p becomes a copy of was: 0, or -1 out of memory. */
static int
master_keep_path(char **p, const char *was)
{
	char *dup = NULL;

	if (was != NULL && (dup = strdup(was)) == NULL)
		return (-1);
	free(*p);
	*p = dup;
	return (0);
}

/* The trial read the file (or could not run): load it, start workers. */
static void
master_reload_apply(struct master *m)
{
	struct shm_header *h;
	struct config *cf, *old = m->m_cf;
	struct cfg_ctx c;
	const char *seg;
	char *dflt = NULL;
	unsigned int b, nfree, started;

	cfg_ctx_init(&c, old->cf_path);
	cf = config_load(old->cf_path, &c);
	if (cf == NULL) {
		master_report_errors(&c, 1);
		log_error("reload failed: %d configuration error%s; still "
		    "serving generation %u", c.cc_errors, c.cc_errors == 1 ?
		    "" : "s", m->m_gen);
		cfg_ctx_fini(&c);
		goto done;
	}
	cfg_ctx_fini(&c);
	/*
	 * The pidfile, the error log and the segment stay as they are,
	 * where the supervisor, logrotate and tamarinctl know them; the
	 * running configuration keeps naming them, so that the next
	 * reload compares with what is in use.
	 */
	if (!master_same_path(cf->cf_pidfile, old->cf_pidfile))
		log_warnx("reload: pidfile changes need a restart; keeping %s",
		    old->cf_pidfile != NULL ? old->cf_pidfile : "none");
	/*
	 * Unset is syslog.  With -d neither file is in use: the daemon
	 * logs to standard error whatever either names.
	 */
	if (!master_same_path(cf->cf_error_log != NULL ? cf->cf_error_log :
	    "syslog", old->cf_error_log != NULL ? old->cf_error_log :
	    "syslog")) {
		if (m->m_foreground)
			log_warnx("reload: error_log is ignored with -d, which "
			    "logs to standard error");
		else
			log_warnx("reload: error_log changes need a restart; "
			    "keeping %s", old->cf_error_log != NULL ?
			    old->cf_error_log : "syslog");
	}
	/* Unset, the segment is the one beside the pidfile named now. */
	if ((seg = cf->cf_segment) == NULL &&
	    (seg = dflt = config_segment_beside(cf->cf_pidfile)) == NULL) {
		log_error("reload failed: out of memory; still serving "
		    "generation %u", m->m_gen);
		config_free(cf);
		goto done;
	}
	if (!master_same_path(seg, old->cf_segment))
		log_warnx("reload: segment changes need a restart; keeping %s",
		    old->cf_segment);
	free(dflt);
	if (master_keep_path(&cf->cf_pidfile, old->cf_pidfile) == -1 ||
	    master_keep_path(&cf->cf_error_log, old->cf_error_log) == -1 ||
	    master_keep_path(&cf->cf_segment, old->cf_segment) == -1) {
		log_error("reload failed: out of memory; still serving "
		    "generation %u", m->m_gen);
		config_free(cf);
		goto done;
	}
	/*
	 * Older generations still draining may hold so many of the worker
	 * blocks that the new one would start short, or empty, and leave
	 * clients to nobody once they are gone: wait for their blocks,
	 * serving as now meanwhile.
	 */
	if ((nfree = proc_free_blocks(m)) < cf->cf_workers) {
		log_warnx("reload postponed: generation %u needs %u worker "
		    "blocks, and %u of %u are free while older generations "
		    "drain; it runs once they are; still serving generation "
		    "%u", m->m_gen + 1, cf->cf_workers, nfree, TM_MAX_BLOCKS,
		    m->m_gen);
		m->m_reload_need = cf->cf_workers;
		config_free(cf);
		goto done;
	}
	if (listeners_setup(m, cf) == -1) {
		log_error("reload failed: cannot open the new listeners; "
		    "still serving generation %u", m->m_gen);
		config_free(cf);
		goto done;
	}
	m->m_cf = cf;
	m->m_gen++;
	/* New log files exist, the workers' user's, before workers start. */
	proto_prepare_logs(cf);
	master_segment_group(m, cf);
	log_set_level(cf->cf_log_level);
	master_limits(cf);
	h = shm_header(m->m_shm);
	atomic_store_explicit(&h->sh_generation, m->m_gen,
	    memory_order_relaxed);
	atomic_store_explicit(&h->sh_workers, cf->cf_workers,
	    memory_order_relaxed);
	atomic_store_explicit(&h->sh_slots_per_worker,
	    cf->cf_slots_per_worker, memory_order_relaxed);
	TM_STAT_ADD(h->sh_reloads, 1);
	/* Old positions waiting for a respawn are no longer wanted. */
	for (b = 0; b < TM_MAX_BLOCKS; b++)
		if (m->m_wk[b].wk_respawn && m->m_wk[b].wk_pid == 0) {
			m->m_wk[b].wk_respawn = 0;
			m->m_nrespawn--;
			shm_block_retire(m->m_shm, b);
			atomic_store_explicit(&shm_block(m->m_shm,
			    b)->wb_state, TM_WORKER_UNUSED,
			    memory_order_release);
			m->m_wk[b].wk_cf = NULL;
		}
	started = proc_start_generation(m, cf);
	proc_send_all(m, CHAN_DRAIN, m->m_gen - 1);
	if (started < cf->cf_workers)
		log_error("reloaded %s: generation %u, %u of %u workers "
		    "started; the others are retried every second",
		    cf->cf_path, m->m_gen, started, cf->cf_workers);
	else
		log_notice("reloaded %s: generation %u, %u worker%s",
		    cf->cf_path, m->m_gen, cf->cf_workers,
		    cf->cf_workers == 1 ? "" : "s");
	/* READY=1 comes when the new generation runs. */
	m->m_notify_ready = 1;
	/* Freed now if no old worker runs with it, else at its last exit. */
	{
		int used = 0;

		for (b = 0; b < TM_MAX_BLOCKS; b++)
			if (m->m_wk[b].wk_cf == old)
				used = 1;
		if (!used)
			config_free(old);
	}
done:
	master_reload_done(m);
}

static void
master_reload_done(struct master *m)
{
	/* Starting workers may have grown (and moved) the segment. */
	atomic_store_explicit(&shm_header(m->m_shm)->sh_state,
	    TM_MASTER_RUNNING, memory_order_relaxed);
	if (!m->m_notify_ready)
		notify_ready();		/* the old generation still serves */
	if (m->m_trial_again) {
		m->m_trial_again = 0;
		master_reload(m);
	}
}

void
master_stop(struct master *m, int sig)
{
	uint64_t now = clock_ms();
	unsigned int i;

	if (m->m_stopping == SIGQUIT && sig == SIGQUIT)
		return;		/* a second QUIT changes nothing */
	/* A graceful stop asked for during a fast one never hastens it. */
	if (m->m_stopping != 0 && sig == SIGQUIT) {
		log_notice("graceful stop ignored: a fast stop runs");
		return;
	}
	if (m->m_stopping != 0 && m->m_stopping != SIGQUIT) {
		/* A second fast stop: no more waiting. */
		log_notice("stopping now: killing every worker");
		proc_signal_all(m, SIGKILL);
		return;
	}
	if (m->m_stopping == 0) {
		master_trial_cancel(m);
		notify_stopping();
		atomic_store_explicit(&shm_header(m->m_shm)->sh_state,
		    TM_MASTER_STOPPING, memory_order_relaxed);
		/* Nothing new is accepted from here on. */
		for (i = 0; i < m->m_nls; i++)
			listener_close(m, &m->m_ls[i], m->m_gen);
		m->m_nls = 0;
	}
	m->m_stopping = sig;
	m->m_stop_at = now;
	if (sig == SIGQUIT) {
		if (m->m_cf->cf_shutdown_timeout_ms == 0)
			log_notice("graceful stop: draining connections (no "
			    "time limit)");
		else
			log_notice("graceful stop: draining connections (at "
			    "most %u ms)", m->m_cf->cf_shutdown_timeout_ms);
		proc_send_all(m, CHAN_DRAIN, UINT32_MAX);
	} else {
		log_notice("fast stop");
		proc_send_all(m, CHAN_STOP, UINT32_MAX);
		m->m_stop_delay = 50;
		m->m_stop_next = now + m->m_stop_delay;
	}
}

void
master_reopen(struct master *m)
{
	proto_prepare_logs(m->m_cf);
	master_prepare_error_log(m->m_cf);
	if (log_reopen() == -1)
		log_warn("reopening the error log failed");
	proc_send_all(m, CHAN_REOPEN, UINT32_MAX);
}

/*
 * Every worker needs two descriptors per slot (a connection sending a file
 * holds the file's too) plus a batch in flight and a few of its own; ask
 * for that much if the hard limit allows.  One per slot ran out once that
 * many more than the margin downloaded at a time: their files failed with
 * EMFILE (500), the next batch lost its fds (resets), and the worker took
 * fewer connections from then on.
 */
static void
master_nofile(const struct config *cf)
{
	struct rlimit rl, old;
	rlim_t want, need;

	need = 2 * (rlim_t)cf->cf_slots_per_worker + 2 * CHAN_MAX_FDS + 64 +
	    cf->cf_nlisteners;
	want = cf->cf_max_open_files > 0 ? (rlim_t)cf->cf_max_open_files :
	    need;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return;
	/*
	 * Only ever raised: the master holds descriptors beyond any figure
	 * it could check here (listeners, channels, old generations').
	 */
	if (cf->cf_max_open_files > 0 && want < rl.rlim_cur)
		log_warnx("max_open_files %u is below the limit in force, "
		    "%llu file descriptors per process, which stays",
		    (unsigned int)cf->cf_max_open_files,
		    (unsigned long long)rl.rlim_cur);
	old = rl;
	/* Raising the hard limit needs CAP_SYS_RESOURCE: try, then settle. */
	if (want > rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max = want;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			rl = old;
	}
	if (rl.rlim_cur < want) {
		rl.rlim_cur = want < rl.rlim_max ? want : rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1) {
			log_warn("setrlimit(RLIMIT_NOFILE, %llu) failed",
			    (unsigned long long)rl.rlim_cur);
			rl = old;
		}
	}
	if (rl.rlim_cur < want && cf->cf_max_open_files > 0)
		log_warnx("only %llu file descriptors per process; "
		    "max_open_files is %u", (unsigned long long)rl.rlim_cur,
		    (unsigned int)cf->cf_max_open_files);
	/* Also when max_open_files asked for no more than there is. */
	if (rl.rlim_cur < need)
		log_warnx("only %llu file descriptors per process; "
		    "slots_per_worker %u may not all be usable",
		    (unsigned long long)rl.rlim_cur, cf->cf_slots_per_worker);
}

/*
 * What a configuration asks of the process, checked at start and at each
 * reload (the new generation's workers inherit the master's limits).
 */
void
master_limits(const struct config *cf)
{
	master_nofile(cf);
	if (cf->cf_user != NULL && geteuid() != 0)
		log_warnx("user %s: ignored: the workers keep the master's "
		    "user, which is not root", cf->cf_user);
}

/*
 * Create the error log for the workers' user before they reopen it: after
 * logrotate moved it, unprivileged workers could not create it themselves.
 */
void
master_prepare_error_log(const struct config *cf)
{
	struct passwd *pw;
	struct group *gr = NULL;

	if (log_fd() == -1 || cf->cf_error_log == NULL ||
	    cf->cf_error_log[0] != '/' || cf->cf_user == NULL ||
	    geteuid() != 0 || (pw = getpwnam(cf->cf_user)) == NULL)
		return;
	if (cf->cf_group != NULL)
		gr = getgrnam(cf->cf_group);
	(void)log_file_prepare("error log", cf->cf_error_log, pw->pw_uid,
	    gr != NULL ? gr->gr_gid : pw->pw_gid);
}

/* Every worker of the current generation has reached RUNNING. */
static int
master_generation_running(const struct master *m)
{
	unsigned int i, b, n = 0;

	for (i = 0; i < m->m_nlive; i++) {
		b = m->m_live[i];
		if (m->m_wk[b].wk_pid == 0 || m->m_wk[b].wk_gen != m->m_gen)
			continue;
		if (atomic_load_explicit(&shm_block(m->m_shm, b)->wb_state,
		    memory_order_acquire) != TM_WORKER_RUNNING)
			return (0);
		n++;
	}
	return (n > 0);
}

/* Requests per second over the last interval, for tamarinctl. */
static void
master_rate(struct master *m, uint64_t now)
{
	struct shm_header *h = shm_header(m->m_shm);
	uint64_t total = 0, dt;
	unsigned int b;

	if (now - m->m_last_rate < MASTER_TICK_MS)
		return;
	for (b = 0; b < TM_MAX_BLOCKS; b++) {
		const struct shm_block *sb = shm_block(m->m_shm, b);

		if (atomic_load_explicit(&sb->wb_state,
		    memory_order_relaxed) == TM_WORKER_UNUSED)
			continue;
		total += atomic_load_explicit(
		    &sb->wb_counters[TM_CTR_requests], memory_order_relaxed);
	}
	/* The master moves counters itself: no race with the sum above. */
	total += atomic_load_explicit(&h->sh_retired[TM_CTR_requests],
	    memory_order_relaxed);
	dt = now - m->m_last_rate;
	if (m->m_last_rate != 0 && total >= m->m_last_requests)
		atomic_store_explicit(&h->sh_rate_requests_x100,
		    (total - m->m_last_requests) * 100000 / dt,
		    memory_order_relaxed);
	atomic_store_explicit(&h->sh_rate_at_ms, now, memory_order_relaxed);
	m->m_last_requests = total;
	m->m_last_rate = now;
}

int
master_loop(struct master *m)
{
	struct pollfd pfd[2 + TM_MAX_BLOCKS + TM_MAX_LISTENERS];
	int pwk[TM_MAX_BLOCKS + TM_MAX_LISTENERS];
	struct shm_header *h;
	unsigned int b, i, npfd, nwk, accepting;
	uint64_t now;
	int timeout, n, ptrial, behind;

	for (;;) {
		now = clock_ms();
		h = shm_header(m->m_shm);
		if (m->m_full && dispatch_capacity(m) > 0) {
			m->m_full = 0;
			atomic_store_explicit(&h->sh_master_waiting, 0,
			    memory_order_relaxed);
		}
		accepting = !m->m_stopping && !m->m_full &&
		    now >= m->m_emfile_until;
		if (m->m_full)
			atomic_store_explicit(&h->sh_master_waiting, 1,
			    memory_order_relaxed);

		npfd = 0;
		pfd[npfd].fd = m->m_sigfd;
		pfd[npfd++].events = POLLIN;
		nwk = 0;
		behind = 0;
		for (i = 0; i < m->m_nlive; i++) {
			b = m->m_live[i];
			if (m->m_wk[b].wk_chan == -1)
				continue;
			if (m->m_wk[b].wk_chan_full == CHAN_BEHIND)
				behind = 1;
			pwk[nwk++] = (int)b;
			pfd[npfd].fd = m->m_wk[b].wk_chan;
			/* Room again in a full channel? */
			pfd[npfd++].events = POLLIN |
			    (m->m_wk[b].wk_chan_full == CHAN_FULL ? POLLOUT :
			    0);
		}
		if (accepting)
			for (i = 0; i < m->m_nls; i++) {
				pfd[npfd].fd = m->m_ls[i].ls_fd;
				pfd[npfd++].events = POLLIN;
			}
		ptrial = -1;
		if (m->m_trial_fd != -1) {
			ptrial = (int)npfd;
			pfd[npfd].fd = m->m_trial_fd;
			pfd[npfd++].events = POLLIN;
		}

		timeout = MASTER_TICK_MS;
		/* A batch to try again without POLLOUT to say when, too. */
		if (m->m_full || (!accepting && !m->m_stopping) || behind)
			timeout = FULL_RECHECK_MS;
		if (m->m_stopping && m->m_stopping != SIGQUIT)
			timeout = m->m_stop_next > now ?
			    (int)(m->m_stop_next - now) : 0;
		for (b = 0; m->m_nrespawn > 0 && b < TM_MAX_BLOCKS; b++)
			if (m->m_wk[b].wk_respawn && !m->m_stopping) {
				uint64_t at = m->m_wk[b].wk_respawn_at;
				int t = at > now ? (int)(at - now) : 0;

				if (t < timeout)
					timeout = t;
			}

		n = poll(pfd, npfd, timeout);
		if (n == -1 && errno != EINTR)
			fatal("poll() failed");
		now = clock_ms();
		if (n > 0) {
			if (pfd[0].revents & POLLIN)
				signal_handle(m);
			for (i = 0; i < nwk; i++) {
				/* dispatch_flush() below sends what waits. */
				if ((pfd[1 + i].revents & POLLOUT) &&
				    m->m_wk[pwk[i]].wk_chan == pfd[1 + i].fd)
					m->m_wk[pwk[i]].wk_chan_full = 0;
				if ((pfd[1 + i].revents & ~POLLOUT) != 0 &&
				    m->m_wk[pwk[i]].wk_chan == pfd[1 + i].fd)
					proc_chan_event(m, (unsigned int)pwk[i],
					    pfd[1 + i].revents);
			}
			if (accepting && !m->m_stopping)
				for (i = 0; i < m->m_nls && 1 + nwk + i <
				    npfd; i++)
					if (pfd[1 + nwk + i].revents & POLLIN &&
					    pfd[1 + nwk + i].fd ==
					    m->m_ls[i].ls_fd)
						dispatch_accept(m,
						    &m->m_ls[i]);
			if (ptrial != -1 && pfd[ptrial].revents != 0 &&
			    pfd[ptrial].fd == m->m_trial_fd)
				master_trial_event(m);
		}
		dispatch_flush(m);
		if (m->m_full && !m->m_stopping)
			dispatch_reclaim(m, now);
		proc_tick(m, now);
		/* A postponed reload, once older workers freed their blocks. */
		if (m->m_reload_need != 0 && !m->m_stopping &&
		    m->m_trial_pid == 0 &&
		    proc_free_blocks(m) >= m->m_reload_need) {
			log_notice("older generations freed their worker "
			    "blocks: reloading now");
			master_reload(m);
		}
		master_trial_tick(m, now);
		master_rate(m, now);
		/* A queued reload reading now: READY=1 once it is done. */
		if (m->m_notify_ready && !m->m_stopping &&
		    m->m_trial_pid == 0 && master_generation_running(m)) {
			m->m_notify_ready = 0;
			notify_ready();
		}
		if (m->m_stopping && m->m_stopping != SIGQUIT &&
		    now >= m->m_stop_next && proc_live(m) > 0) {
			/* Resend with a doubling delay (nginx's rhythm). */
			proc_signal_all(m, SIGTERM);
			m->m_stop_delay *= 2;
			m->m_stop_next = now + m->m_stop_delay;
		}
		if (m->m_stopping && proc_live(m) == 0)
			master_exit(m, 0);
		if (!m->m_stopping && proc_live(m) == 0 && m->m_nrespawn == 0) {
			/*
			 * Every worker exited "fatal, do not respawn": a master
			 * without workers would hold the ports and serve
			 * nobody.  Exit, so the supervisor sees the failure.
			 */
			log_error("no workers left; exiting");
			master_exit(m, 1);
		}
	}
}
