/*
 * tamarind: the master process.  Reads the configuration, binds the
 * listeners, creates the shared-memory segment, forks the workers, then
 * polls listeners, worker channels and signals until told to stop.
 */
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libutil.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "paths.h"
#include "lib/cfg.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "master/config.h"
#include "master/master.h"
#include "master/notify.h"
#include "proto/proto.h"

#ifndef TM_VERSION
#define TM_VERSION	"0.1.0"
#endif
/* Where make install puts it (paths.h); `make run` passes -c. */
#define DEFAULT_CONFIG	TM_CONFIG_PATH

static void	usage(void) __attribute__((noreturn));
static int	config_test(const char *);
static void	daemonize(int);

static void
usage(void)
{
	fprintf(stderr, "usage: tamarind [-dhtV] [-c file]\n"
	    "  -c file  configuration file (default %s)\n"
	    "  -d       stay in the foreground, log to stderr\n"
	    "  -t       check the configuration and exit\n"
	    "  -V       print the version and exit\n", DEFAULT_CONFIG);
	exit(1);
}


static int
config_test(const char *path)
{
	struct cfg_ctx c;
	struct config *cf;

	cfg_ctx_init(&c, path);
	cf = config_load(path, &c);
	if (cf == NULL) {
		master_report_errors(&c, 0);
		fprintf(stderr, "%s: configuration test failed (%d error%s)\n",
		    path, c.cc_errors, c.cc_errors == 1 ? "" : "s");
		cfg_ctx_fini(&c);
		return (1);
	}
	config_free(cf);
	cfg_ctx_fini(&c);
	printf("configuration OK\n");
	return (0);
}

int
main(int argc, char *argv[], char *envp[])
{
	struct master *m;
	struct cfg_ctx c;
	const char *path = DEFAULT_CONFIG;
	int ch, test = 0, foreground = 0;
	pid_t other;

	setproctitle_init(argc, argv, envp);
	while ((ch = getopt(argc, argv, "c:dhtV")) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'd':
			foreground = 1;
			break;
		case 't':
			test = 1;
			break;
		case 'V':
			printf("tamarind %s\n", TM_VERSION);
			return (0);
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (test)
		return (config_test(path));

	log_set_procname("master");
	if ((m = calloc(1, sizeof(*m))) == NULL)
		fatal("calloc() failed");
	tm_master = m;
	m->m_sigfd = -1;
	m->m_trial_fd = -1;
	m->m_foreground = foreground;
	for (unsigned int b = 0; b < TM_MAX_BLOCKS; b++)
		m->m_wk[b].wk_chan = -1;

	cfg_ctx_init(&c, path);
	if ((m->m_cf = config_load(path, &c)) == NULL) {
		master_report_errors(&c, 0);
		fprintf(stderr, "tamarind: %s: configuration has %d error%s\n",
		    path, c.cc_errors, c.cc_errors == 1 ? "" : "s");
		return (1);
	}
	cfg_ctx_fini(&c);
	log_set_level(m->m_cf->cf_log_level);
	if (!foreground) {
		/*
		 * A daemon logs to its error log from the start; until it
		 * detaches, warnings and errors are shown on the terminal too.
		 */
		if (m->m_cf->cf_error_log != NULL &&
		    strcmp(m->m_cf->cf_error_log, "stderr") != 0) {
			if (log_open(m->m_cf->cf_error_log) == -1)
				fatal("cannot open error_log %s",
				    m->m_cf->cf_error_log);
		} else if (m->m_cf->cf_error_log == NULL)
			(void)log_open("syslog");
		log_tee_stderr(1);
	}

	/* A run directory on tmpfs is gone after a reboot: make it. */
	master_make_dir(m->m_cf->cf_pidfile);
	master_make_dir(m->m_cf->cf_segment);
	/* Another master with this pidfile is an error before anything. */
	if (m->m_cf->cf_pidfile != NULL) {
		m->m_pfh = pidfile_open(m->m_cf->cf_pidfile, 0644, &other);
		if (m->m_pfh == NULL) {
			if (errno == EEXIST)
				fatalx("already running as pid %d (%s)",
				    (int)other, m->m_cf->cf_pidfile);
			fatal("pidfile_open(%s) failed", m->m_cf->cf_pidfile);
		}
	}
	master_limits(m->m_cf);
	if (master_segment_setup(m) == -1)
		master_exit(m, 1);
	/* Bind before detaching, so that a busy port fails the command. */
	if (listeners_setup(m, m->m_cf) == -1) {
		log_error("cannot open the listeners; exiting");
		master_exit(m, 1);
	}
	if (!foreground) {
		/* error_log "stderr": the supervisor's pipe, kept open. */
		daemonize(m->m_cf->cf_error_log != NULL &&
		    strcmp(m->m_cf->cf_error_log, "stderr") == 0);
		log_tee_stderr(0);
		atomic_store_explicit(&shm_header(m->m_shm)->sh_master_pid,
		    (int32_t)getpid(), memory_order_relaxed);
	}
	/* Before the pid can be found: a signal then waits in the queue. */
	if ((m->m_sigfd = signal_setup()) == -1)
		fatal("signalfd() failed");
	if (m->m_pfh != NULL && pidfile_write(m->m_pfh) == -1)
		log_warn("pidfile_write() failed");
	/*
	 * Only now may tamarinctl find the segment: before daemonize() it
	 * named a pid about to exit, which reads as a stale segment.
	 */
	if (shm_publish(m->m_shm) == -1) {
		log_warn("cannot publish the segment %s", m->m_cf->cf_segment);
		master_exit(m, 1);
	}
	proto_prepare_logs(m->m_cf);
	master_prepare_error_log(m->m_cf);
	setproctitle("master (%s)", m->m_cf->cf_path);

	m->m_gen = 1;
	atomic_store_explicit(&shm_header(m->m_shm)->sh_generation, m->m_gen,
	    memory_order_relaxed);
	if (proc_start_generation(m, m->m_cf) < m->m_cf->cf_workers) {
		log_error("cannot start the workers; exiting");
		master_stop(m, SIGTERM);
	}
	atomic_store_explicit(&shm_header(m->m_shm)->sh_state,
	    TM_MASTER_RUNNING, memory_order_release);
	log_notice("tamarind %s started: %u worker%s, %u listener%s",
	    TM_VERSION, m->m_cf->cf_workers, m->m_cf->cf_workers == 1 ? "" :
	    "s", m->m_nls, m->m_nls == 1 ? "" : "s");
	m->m_notify_ready = 1;
	return (master_loop(m));
}


/*
 * Double fork and setsid: no controlling terminal can ever come back.
 * Standard error stays where it goes when keep_stderr says it is the log.
 */
static void
daemonize(int keep_stderr)
{
	pid_t pid;
	int fd;

	if ((pid = fork()) == -1)
		fatal("fork() failed");
	if (pid != 0)
		_exit(0);
	if (setsid() == -1)
		fatal("setsid() failed");
	if ((pid = fork()) == -1)
		fatal("fork() failed");
	if (pid != 0)
		_exit(0);
	if (chdir("/") == -1)
		fatal("chdir(/) failed");
	if ((fd = open("/dev/null", O_RDWR)) == -1)
		fatal("open(/dev/null) failed");
	(void)dup2(fd, STDIN_FILENO);
	(void)dup2(fd, STDOUT_FILENO);
	if (!keep_stderr)
		(void)dup2(fd, STDERR_FILENO);
	if (fd > STDERR_FILENO)
		close(fd);
}






