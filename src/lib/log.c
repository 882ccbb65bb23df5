/*
 * Logging.  One line per message, written with a single write(2) so lines
 * from the master and the workers never interleave inside a line (the file
 * is opened O_APPEND).
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"

#define LOG_LINE_MAX	2048

enum log_dest { LOG_DEST_STDERR, LOG_DEST_FILE, LOG_DEST_SYSLOG };

static enum log_dest	 log_dest = LOG_DEST_STDERR;
static int		 log_filefd = -1;
static char		 log_path[4096];
static int		 log_via_link;	/* log_path was a link when opened */
static int		 log_lvl = LOG_LVL_INFO;
static char		 log_proc[48] = "main";
static int		 log_tee;

static const char *const log_names[] = {
	"error", "warn", "notice", "info", "debug"
};
static const int log_prio[] = {
	LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG
};

static int	log_open_file(const char *, int);

int
log_open(const char *dest)
{
	if (dest == NULL || strcmp(dest, "stderr") == 0) {
		log_close();
		log_dest = LOG_DEST_STDERR;
		return (0);
	}
	if (strcmp(dest, "syslog") == 0) {
		log_close();
		openlog("tamarind", LOG_PID | LOG_NDELAY, LOG_DAEMON);
		log_dest = LOG_DEST_SYSLOG;
		return (0);
	}
	if (log_open_file(dest, 0) == -1)
		return (-1);
	log_dest = LOG_DEST_FILE;
	return (0);
}

/*
 * reopen: after logrotate, where whoever may write the directory (the
 * workers' user, often) had time to put a link or a FIFO in the file's
 * place.  A link is followed only if the path was one when the
 * configuration named it, and a FIFO no process reads never blocks the
 * master (O_NONBLOCK, then blocking writes as before).
 */
static int
log_open_file(const char *path, int reopen)
{
	struct stat st;
	int fd;

	fd = log_open_append(path, reopen && !log_via_link ? O_NOFOLLOW : 0);
	if (fd == -1)
		return (-1);
	if (!reopen)
		log_via_link = lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
	if (log_filefd != -1)
		close(log_filefd);
	log_filefd = fd;
	if (path != log_path)
		strlcpy(log_path, path, sizeof(log_path));
	return (0);
}

int
log_open_append(const char *path, int flags)
{
	int fd, fl, e;

	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NONBLOCK | flags, 0640);
	if (fd == -1)
		return (-1);
	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == -1) {
		e = errno;
		close(fd);
		errno = e;
		return (-1);
	}
	return (fd);
}

int
log_reopen(void)
{
	if (log_dest != LOG_DEST_FILE)
		return (0);
	return (log_open_file(log_path, 1));
}

void
log_close(void)
{
	if (log_filefd != -1) {
		close(log_filefd);
		log_filefd = -1;
	}
	if (log_dest == LOG_DEST_SYSLOG)
		closelog();
	log_dest = LOG_DEST_STDERR;
}

int
log_fd(void)
{
	return (log_dest == LOG_DEST_FILE ? log_filefd : -1);
}

void
log_set_level(int lvl)
{
	log_lvl = lvl;
}

int
log_level(void)
{
	return (log_lvl);
}

int
log_level_parse(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(log_names) / sizeof(log_names[0]); i++)
		if (strcmp(s, log_names[i]) == 0)
			return ((int)i);
	if (strcmp(s, "warning") == 0)
		return (LOG_LVL_WARN);
	return (-1);
}

void
log_tee_stderr(int on)
{
	log_tee = on;
}

void
log_set_procname(const char *name)
{
	strlcpy(log_proc, name, sizeof(log_proc));
}

void
log_vmsg(int lvl, int with_errno, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	struct timespec ts;
	struct tm tm;
	size_t n = 0, msg, i;
	int saved = errno, r, fd;

	if (lvl > log_lvl)
		return;
	if (log_dest != LOG_DEST_SYSLOG) {
		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		n = strftime(line, sizeof(line), "%Y/%m/%d %H:%M:%S", &tm);
		r = snprintf(line + n, sizeof(line) - n, " [%s] %d#%s: ",
		    log_names[lvl], (int)getpid(), log_proc);
		if (r > 0)
			n += (size_t)r < sizeof(line) - n ? (size_t)r :
			    sizeof(line) - n - 1;
	}
	msg = n;
	r = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	if (r > 0)
		n += (size_t)r < sizeof(line) - n ? (size_t)r :
		    sizeof(line) - n - 1;
	if (with_errno && n < sizeof(line) - 1) {
		r = snprintf(line + n, sizeof(line) - n, ": %s",
		    strerror(saved));
		if (r > 0)
			n += (size_t)r < sizeof(line) - n ? (size_t)r :
			    sizeof(line) - n - 1;
	}
	/*
	 * A message may quote what a client sent (a decoded path): a
	 * control byte there must not start a forged line or reach a
	 * terminal as an escape.
	 */
	for (i = msg; i < n; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			line[i] = '?';
	if (log_dest == LOG_DEST_SYSLOG) {
		syslog(log_prio[lvl], "%s: %s", log_proc, line);
		if (log_tee && lvl <= LOG_LVL_WARN)
			dprintf(STDERR_FILENO, "tamarind: %s\n", line);
		errno = saved;
		return;
	}
	if (n >= sizeof(line) - 1)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	fd = log_dest == LOG_DEST_FILE ? log_filefd : STDERR_FILENO;
	/* One write per line; a short write to a log is not worth a retry. */
	if ((write(fd, line, n) == -1 && log_dest == LOG_DEST_FILE) ||
	    (log_tee && lvl <= LOG_LVL_WARN && log_dest == LOG_DEST_FILE))
		(void)write(STDERR_FILENO, line, n);
	errno = saved;
}

#define LOG_FN(fn, lvl, e)						\
void									\
fn(const char *fmt, ...)						\
{									\
	va_list ap;							\
									\
	va_start(ap, fmt);						\
	log_vmsg(lvl, e, fmt, ap);					\
	va_end(ap);							\
}
LOG_FN(log_error, LOG_LVL_ERROR, 0)
LOG_FN(log_warn, LOG_LVL_WARN, 1)
LOG_FN(log_warnx, LOG_LVL_WARN, 0)
LOG_FN(log_notice, LOG_LVL_NOTICE, 0)
LOG_FN(log_info, LOG_LVL_INFO, 0)
LOG_FN(log_debug, LOG_LVL_DEBUG, 0)

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_LVL_ERROR, 1, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_LVL_ERROR, 0, fmt, ap);
	va_end(ap);
	exit(1);
}

/*
 * Whoever may write the log's directory (often the workers' user) could
 * put a symbolic link there, and root would then create or chown the file
 * it names, /etc/shadow as well (nginx's Debian packaging, CVE-2016-1247):
 * a link is left for the workers to open as themselves.  A FIFO must not
 * block the master in open(), and a device (/dev/null) is not handed out.
 */
int
log_file_prepare(const char *what, const char *path, uid_t uid, gid_t gid)
{
	struct stat st;
	int fd;

	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW | O_NONBLOCK, 0640);
	if (fd == -1) {
		if (errno == ELOOP)
			return (0);
		log_warn("%s %s: open() failed", what, path);
		return (-1);
	}
	if (fstat(fd, &st) == -1) {
		log_warn("%s %s: fstat() failed", what, path);
		close(fd);
		return (-1);
	}
	if (uid != (uid_t)-1 && S_ISREG(st.st_mode) && (st.st_uid != uid ||
	    st.st_gid != gid) && fchown(fd, uid, gid) == -1) {
		log_warn("%s %s: fchown() failed", what, path);
		close(fd);
		return (-1);
	}
	close(fd);
	return (0);
}
