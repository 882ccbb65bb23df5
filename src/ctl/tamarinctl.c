/*
 * tamarinctl: look at a running tamarind through its shared-memory segment
 * (read-only), and signal its master.
 *
 * The segment is found from -s, from the daemon section of the
 * configuration given with -c, or at its default path.  A segment whose
 * master is gone, or whose pid now names a process started later (a
 * recycled pid), is stale: we say so and exit 3 rather than show numbers
 * nobody updates.  A signal goes only to a pid that is alive, is tamarind,
 * and is the segment's master (ap_mpm_safe_kill() in Apache's
 * server/mpm_unix.c); on Linux it goes through a pidfd, so the process
 * checked is the process signalled.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <libconfig.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl/ctl.h"
#include "paths.h"
#include "lib/cfg.h"
#include "lib/sbuf.h"
#include "master/config.h"
#include "shm/report.h"
#include "shm/shm.h"

#define CTL_DEFAULT_SEGMENT	TM_RUNDIR "/tamarind.shm"
#define CTL_DAEMON_NAME		"tamarind"

static void	usage(void) __attribute__((noreturn));
static char	*ctl_path_from_config(const char *, char **);
static char	*ctl_resolve(const char *, const char *);
static const char *ctl_file_type(const char *);
static int	ctl_master_check(struct ctl *, pid_t);
static int	ctl_view(struct ctl *);
static int	ctl_view_once(struct ctl *);
static int	ctl_signal(struct ctl *, int, const char *);
static int	ctl_check(struct ctl *, const char *);
static pid_t	pidfile_read_pid(const char *);

static void
usage(void)
{
	fprintf(stderr,
	    "usage: tamarinctl [-hj] [-c config | -s segment] [-w sec] "
	    "command [args]\n"
	    "  -c config   find the segment (and pidfile) from this "
	    "configuration\n"
	    "  -s segment  the segment file (default %s)\n"
	    "  -j          JSON output\n"
	    "  -w sec      repeat the view every sec seconds\n"
	    "commands:\n"
	    "  show summary | workers | listeners\n"
	    "  show slots [--worker N] [--state NAME|LETTER] "
	    "[--protocol NAME]\n"
	    "             [--listener NAME] [--peer ADDR[:PORT]] "
	    "[--older-than SEC]\n"
	    "             [--sort age|idle|bytes|requests]\n"
	    "  top\n"
	    "  reload | stop | graceful | reopen\n"
	    "  check [-c config]\n", CTL_DEFAULT_SEGMENT);
	exit(CTL_EXIT_USAGE);
}

int
main(int argc, char *argv[])
{
	struct ctl ctl;
	const char *segment = NULL, *config = NULL;
	char *end;
	long v;
	int ch, rc;

	memset(&ctl, 0, sizeof(ctl));
	/* '+': the first command word ends the options ("show slots -..."). */
	while ((ch = getopt(argc, argv, "+c:hjs:w:")) != -1) {
		switch (ch) {
		case 'c':
			config = optarg;
			break;
		case 'j':
			ctl.ctl_json = 1;
			break;
		case 's':
			segment = optarg;
			break;
		case 'w':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (optarg[0] < '0' || optarg[0] > '9' ||
			    *end != '\0' || errno != 0 || v < 1 ||
			    v > 86400) {
				fprintf(stderr, "tamarinctl: -w: expected "
				    "seconds from 1 to 86400: %s\n", optarg);
				exit(CTL_EXIT_USAGE);
			}
			ctl.ctl_wait = (unsigned int)v;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		usage();
	ctl_parse(argc, argv, &ctl.ctl_p);

	switch (ctl.ctl_p.cp_action) {
	case CTL_SHOW_SUMMARY:
	case CTL_SHOW_WORKERS:
	case CTL_SHOW_SLOTS:
	case CTL_SHOW_LISTENERS:
		break;
	case CTL_CHECK:
		if (ctl.ctl_json || ctl.ctl_wait) {
			fprintf(stderr, "tamarinctl: -j and -w apply to show "
			    "only\n");
			exit(CTL_EXIT_USAGE);
		}
		/* Its own -c wins over ours; no segment involved. */
		return (ctl_check(&ctl, ctl.ctl_p.cp_check_config != NULL ?
		    ctl.ctl_p.cp_check_config : config));
	default:
		if (ctl.ctl_json || ctl.ctl_wait) {
			fprintf(stderr, "tamarinctl: -j and -w apply to show "
			    "only\n");
			exit(CTL_EXIT_USAGE);
		}
		break;
	}
	if (segment != NULL && config != NULL) {
		fprintf(stderr, "tamarinctl: -s and -c are exclusive\n");
		exit(CTL_EXIT_USAGE);
	}
	if (segment != NULL)
		ctl.ctl_path = strdup(segment);
	else if (config != NULL)
		ctl.ctl_path = ctl_path_from_config(config, &ctl.ctl_pidfile);
	else
		ctl.ctl_path = strdup(CTL_DEFAULT_SEGMENT);
	if (ctl.ctl_path == NULL) {
		fprintf(stderr, "tamarinctl: out of memory\n");
		exit(CTL_EXIT_USAGE);
	}

	if ((rc = ctl_attach(&ctl)) != 0 || (rc = ctl_verify(&ctl)) != 0) {
		fprintf(stderr, "tamarinctl: %s\n", ctl.ctl_err);
		goto done;
	}
	switch (ctl.ctl_p.cp_action) {
	case CTL_TOP:
		rc = ctl_top(&ctl);
		break;
	case CTL_RELOAD:
		rc = ctl_signal(&ctl, SIGHUP, "SIGHUP");
		break;
	case CTL_STOP:
		rc = ctl_signal(&ctl, SIGTERM, "SIGTERM");
		break;
	case CTL_GRACEFUL:
		rc = ctl_signal(&ctl, SIGQUIT, "SIGQUIT");
		break;
	case CTL_REOPEN:
		rc = ctl_signal(&ctl, SIGUSR1, "SIGUSR1");
		break;
	default:
		rc = ctl_view(&ctl);
		break;
	}
done:
	shm_detach(ctl.ctl_shm);
	free(ctl.ctl_path);
	free(ctl.ctl_pidfile);
	return (rc);
}

/* ---- finding the segment ---------------------------------------------- */

/* path as the daemon resolves it: relative to the configuration's dir. */
static char *
ctl_resolve(const char *dir, const char *path)
{
	char *r;

	if (path[0] == '/')
		return (strdup(path));
	if (asprintf(&r, "%s/%s", dir, path) == -1)
		return (NULL);
	return (r);
}

/*
 * daemon.segment, or the pidfile (daemon.pidfile, else the default) with
 * .pid replaced by .shm: what tamarind's segment_setup() picks.  Exits 1
 * when the file does not parse.
 */
static char *
ctl_path_from_config(const char *file, char **pidfile)
{
	struct cfg_ctx cc;
	config_t lc;
	const char *seg = NULL, *pid = NULL;
	char *real, *dup, *dir, *r = NULL;
	size_t i;

	if ((real = realpath(file, NULL)) == NULL)
		real = strdup(file);
	if (real == NULL || (dup = strdup(real)) == NULL) {
		free(real);
		return (NULL);
	}
	dir = dirname(dup);
	config_init(&lc);
	/* As tamarind reads it: the same includes, checked the same way. */
	cfg_ctx_init(&cc, file);
	if (cfg_read(&cc, &lc, file, dir) == -1) {
		for (i = 0; i < cc.cc_nmsgs; i++)
			fprintf(stderr, "tamarinctl: %s\n", cc.cc_msgs[i]);
		cfg_ctx_fini(&cc);
		config_destroy(&lc);
		free(dup);
		free(real);
		exit(CTL_EXIT_USAGE);
	}
	cfg_ctx_fini(&cc);
	(void)config_lookup_string(&lc, "daemon.segment", &seg);
	(void)config_lookup_string(&lc, "daemon.pidfile", &pid);
	/*
	 * No pidfile key: the daemon uses its default one, so the check
	 * before a signal reads that, not none at all.
	 */
	if (pid != NULL && pid[0] != '\0')
		*pidfile = ctl_resolve(dir, pid);
	else
		*pidfile = strdup(config_default_pidfile());
	if (*pidfile == NULL) {
		fprintf(stderr, "tamarinctl: out of memory\n");
		exit(CTL_EXIT_USAGE);
	}
	if (seg != NULL && seg[0] != '\0')
		r = ctl_resolve(dir, seg);
	else
		r = config_segment_beside(*pidfile);
	config_destroy(&lc);
	free(dup);
	free(real);
	return (r);
}

/* What path is, when it is not a regular file: for a message. */
static const char *
ctl_file_type(const char *path)
{
	struct stat st;

	if (stat(path, &st) == -1)
		return ("not a regular file");
	if (S_ISDIR(st.st_mode))
		return ("a directory");
	if (S_ISFIFO(st.st_mode))
		return ("a FIFO");
	if (S_ISSOCK(st.st_mode))
		return ("a socket");
	if (S_ISCHR(st.st_mode))
		return ("a character device");
	if (S_ISBLK(st.st_mode))
		return ("a block device");
	return ("not a regular file");
}

int
ctl_attach(struct ctl *ctl)
{
	uint32_t version = 0;
	int why;

	ctl->ctl_err[0] = '\0';
	ctl->ctl_shm = shm_attach(ctl->ctl_path, &why, &version);
	if (ctl->ctl_shm != NULL)
		return (0);
	switch (why) {
	case SHM_ATTACH_MAGIC:
		(void)snprintf(ctl->ctl_err, sizeof(ctl->ctl_err),
		    "%s: not a tamarin segment", ctl->ctl_path);
		return (CTL_EXIT_STALE);
	case SHM_ATTACH_VERSION:
		(void)snprintf(ctl->ctl_err, sizeof(ctl->ctl_err),
		    "%s: segment layout version %u, this tamarinctl reads "
		    "version %u", ctl->ctl_path, version, TM_SHM_VERSION);
		return (CTL_EXIT_STALE);
	case SHM_ATTACH_SIZE:
		(void)snprintf(ctl->ctl_err, sizeof(ctl->ctl_err),
		    "%s: inconsistent segment (record sizes or offsets)",
		    ctl->ctl_path);
		return (CTL_EXIT_STALE);
	case SHM_ATTACH_TYPE:
		(void)snprintf(ctl->ctl_err, sizeof(ctl->ctl_err),
		    "%s: not a tamarin segment (%s)", ctl->ctl_path,
		    ctl_file_type(ctl->ctl_path));
		return (CTL_EXIT_STALE);
	default:
		break;
	}
	if (errno == ENOENT || errno == ENOTDIR) {
		(void)snprintf(ctl->ctl_err, sizeof(ctl->ctl_err),
		    "%s: no segment: tamarind is not running",
		    ctl->ctl_path);
		return (CTL_EXIT_NOTRUNNING);
	}
	(void)snprintf(ctl->ctl_err, sizeof(ctl->ctl_err), "%s: %s",
	    ctl->ctl_path, strerror(errno));
	return (CTL_EXIT_USAGE);
}

int
ctl_verify(struct ctl *ctl)
{
	struct stat st;
	pid_t pid;
	int rc, why;

	/* Stopped cleanly: the master removed its segment. */
	if (stat(ctl->ctl_path, &st) == -1 && errno == ENOENT) {
		(void)snprintf(ctl->ctl_err, sizeof(ctl->ctl_err),
		    "%s: no segment: tamarind is not running",
		    ctl->ctl_path);
		return (CTL_EXIT_NOTRUNNING);
	}
	/* A new daemon made a new file: follow it (Varnish's vsm.c). */
	if (stat(ctl->ctl_path, &st) == 0 &&
	    (st.st_dev != ctl->ctl_shm->sm_dev ||
	    st.st_ino != ctl->ctl_shm->sm_ino)) {
		shm_detach(ctl->ctl_shm);
		ctl->ctl_shm = NULL;
		if ((rc = ctl_attach(ctl)) != 0)
			return (rc);
	}
	if (shm_refresh(ctl->ctl_shm, &why) == -1) {
		if (why == SHM_ATTACH_SHRUNK)
			(void)snprintf(ctl->ctl_err, sizeof(ctl->ctl_err),
			    "%s: the segment file was cut short (tamarind "
			    "never shrinks it)", ctl->ctl_path);
		else
			(void)snprintf(ctl->ctl_err, sizeof(ctl->ctl_err),
			    "%s: cannot follow the segment as it grew: %s",
			    ctl->ctl_path, why == SHM_ATTACH_ERRNO ?
			    strerror(errno) : "inconsistent sizes");
		return (CTL_EXIT_STALE);
	}
	pid = atomic_load_explicit(&shm_header(ctl->ctl_shm)->sh_master_pid,
	    memory_order_relaxed);
	return (ctl_master_check(ctl, pid));
}

/* The master of the segment is alive and is the process that made it. */
static int
ctl_master_check(struct ctl *ctl, pid_t pid)
{
	if (shm_master_alive(ctl->ctl_shm, pid))
		return (0);
	(void)snprintf(ctl->ctl_err, sizeof(ctl->ctl_err),
	    "%s: stale segment: master pid %d is gone", ctl->ctl_path,
	    (int)pid);
	return (CTL_EXIT_STALE);
}

/* ---- views ------------------------------------------------------------ */

static int
ctl_view(struct ctl *ctl)
{
	int rc, n;

	for (n = 0;; n++) {
		if (n > 0) {
			(void)sleep(ctl->ctl_wait);
			if ((rc = ctl_verify(ctl)) != 0) {
				fprintf(stderr, "tamarinctl: %s\n",
				    ctl->ctl_err);
				return (rc);
			}
			putchar('\n');
		}
		if ((rc = ctl_view_once(ctl)) != 0 || ctl->ctl_wait == 0)
			return (rc);
		(void)fflush(stdout);
	}
}

static int
ctl_view_once(struct ctl *ctl)
{
	struct shm_snap sn;
	struct sbuf sb;
	enum ctl_action a = ctl->ctl_p.cp_action;

	if (report_snap_init(&sn, ctl->ctl_shm,
	    a == CTL_SHOW_SLOTS ? REPORT_SLOTS : 0) == -1) {
		fprintf(stderr, "tamarinctl: snapshot: %s\n",
		    strerror(errno));
		return (CTL_EXIT_USAGE);
	}
	if (!ctl->ctl_json) {
		switch (a) {
		case CTL_SHOW_SUMMARY:
			show_summary(stdout, &sn);
			break;
		case CTL_SHOW_WORKERS:
			show_workers(stdout, &sn);
			break;
		case CTL_SHOW_LISTENERS:
			show_listeners(stdout, &sn);
			break;
		default:
			show_slots(stdout, &sn, &ctl->ctl_p.cp_filter);
			break;
		}
		report_snap_fini(&sn);
		return (CTL_EXIT_OK);
	}
	sbuf_init(&sb);
	switch (a) {
	case CTL_SHOW_SUMMARY:
		report_json_summary(&sb, &sn);
		break;
	case CTL_SHOW_WORKERS:
		report_json_workers(&sb, &sn);
		break;
	case CTL_SHOW_LISTENERS:
		report_json_listeners(&sb, &sn);
		break;
	default:
		show_json_slots(&sb, &sn, &ctl->ctl_p.cp_filter);
		break;
	}
	report_snap_fini(&sn);
	if (sbuf_error(&sb)) {
		sbuf_fini(&sb);
		fprintf(stderr, "tamarinctl: out of memory\n");
		return (CTL_EXIT_USAGE);
	}
	fwrite(sbuf_data(&sb), 1, sbuf_len(&sb), stdout);
	sbuf_fini(&sb);
	return (CTL_EXIT_OK);
}

/* ---- control ---------------------------------------------------------- */

static pid_t
pidfile_read_pid(const char *path)
{
	char buf[32], *end;
	ssize_t n;
	long v;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (-1);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return (0);
	buf[n] = '\0';
	v = strtol(buf, &end, 10);
	if (end == buf || (*end != '\0' && *end != '\n') || v <= 0 ||
	    v > INT_MAX)
		return (0);
	return ((pid_t)v);
}

static int
ctl_signal(struct ctl *ctl, int sig, const char *signame)
{
	char what[64] = "";
	pid_t pid, fpid;
	int pfd = -1, r;

	pid = atomic_load_explicit(&shm_header(ctl->ctl_shm)->sh_master_pid,
	    memory_order_relaxed);
	if (ctl->ctl_pidfile != NULL &&
	    (fpid = pidfile_read_pid(ctl->ctl_pidfile)) != pid) {
		if (fpid == -1)
			fprintf(stderr, "tamarinctl: %s: %s: not signalling\n",
			    ctl->ctl_pidfile, strerror(errno));
		else
			fprintf(stderr, "tamarinctl: %s names pid %d, the "
			    "segment's master is pid %d: not signalling\n",
			    ctl->ctl_pidfile, (int)fpid, (int)pid);
		return (CTL_EXIT_STALE);
	}
#ifdef SYS_pidfd_open
	/*
	 * Hold the process before looking at it: a pidfd names that
	 * process, so if it dies while we check /proc the signal fails
	 * instead of reaching whoever gets the pid next.
	 */
	pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pfd == -1 && errno == ESRCH)
		goto gone;
#endif
	r = shm_proc_is_daemon(pid, what, sizeof(what));
	if (r != 1 || ctl_master_check(ctl, pid) != 0) {
		if (pfd != -1)
			close(pfd);
		if (r == -1)
			fprintf(stderr, "tamarinctl: cannot tell what pid %d "
			    "runs: not signalling\n", (int)pid);
		else if (r == 0)
			fprintf(stderr, "tamarinctl: pid %d is not a tamarind "
			    "master (it runs %s): not signalling\n",
			    (int)pid, what);
		else
			fprintf(stderr, "tamarinctl: %s\n", ctl->ctl_err);
		return (CTL_EXIT_STALE);
	}
#ifdef SYS_pidfd_send_signal
	if (pfd != -1) {
		r = (int)syscall(SYS_pidfd_send_signal, pfd, sig, NULL, 0);
		close(pfd);
	} else
#endif
		r = kill(pid, sig);
	if (r == -1) {
		if (errno == ESRCH)
			goto gone;
		fprintf(stderr, "tamarinctl: kill(%d, %s) failed: %s\n",
		    (int)pid, signame, strerror(errno));
		return (CTL_EXIT_USAGE);
	}
	printf("%s sent to tamarind master pid %d\n", signame, (int)pid);
	return (CTL_EXIT_OK);
gone:
	fprintf(stderr, "tamarinctl: %s: stale segment: master pid %d is "
	    "gone\n", ctl->ctl_path, (int)pid);
	return (CTL_EXIT_STALE);
}

/*
 * tamarind -t [-c file], found beside this program, else in PATH; its
 * output and exit status are ours.
 */
static int
ctl_check(struct ctl *ctl, const char *config)
{
	char self[PATH_MAX], *dir, *prog = NULL;
	char *args[5];
	ssize_t n;
	int i = 0;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		dir = dirname(self);
		if (asprintf(&prog, "%s/%s", dir, CTL_DAEMON_NAME) == -1)
			prog = NULL;
		else if (access(prog, X_OK) == -1) {
			free(prog);
			prog = NULL;
		}
	}
	args[i++] = CTL_DAEMON_NAME;
	args[i++] = "-t";
	if (config != NULL) {
		args[i++] = "-c";
		args[i++] = (char *)config;
	}
	args[i] = NULL;
	(void)fflush(stdout);
	if (prog != NULL)
		execv(prog, args);
	else
		execvp(CTL_DAEMON_NAME, args);
	fprintf(stderr, "tamarinctl: cannot run %s: %s\n",
	    prog != NULL ? prog : CTL_DAEMON_NAME, strerror(errno));
	free(prog);
	return (CTL_EXIT_USAGE);
}
