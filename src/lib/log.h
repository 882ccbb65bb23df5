/*
 * Logging: stderr in the foreground, a file or syslog otherwise.
 * log_warn() appends strerror(errno), log_warnx() does not; fatal() and
 * fatalx() log and exit 1 (startup failures and broken invariants only).
 */
#ifndef TM_LOG_H
#define TM_LOG_H

#include <sys/types.h>

#include <stdarg.h>

#define LOG_LVL_ERROR	0
#define LOG_LVL_WARN	1
#define LOG_LVL_NOTICE	2
#define LOG_LVL_INFO	3
#define LOG_LVL_DEBUG	4

/* Where messages go: "stderr", "syslog" or a file path. */
int	log_open(const char *dest);
/* Reopen the file destination (SIGUSR1 after logrotate moved it). */
int	log_reopen(void);
void	log_close(void);
int	log_fd(void);			/* the file's fd, or -1 */
void	log_set_level(int);
int	log_level(void);
int	log_level_parse(const char *);	/* name -> level, -1 if unknown */
/*
 * While a daemon still has its terminal: warnings and errors also go to
 * stderr, so a failed start is seen by whoever typed the command.
 */
void	log_tee_stderr(int);
/*
 * As root, create the log file at path (what: "access log", ...) for the
 * workers' user, who reopens it after logrotate: 0640, owned by uid:gid
 * unless uid is -1.  Never through a symbolic link, nor onto what is no
 * regular file.
 * -1 after a warning.
 */
int	log_file_prepare(const char *what, const char *path, uid_t uid,
	    gid_t gid);
/*
 * Opens a log file at path for appending, created 0640, with flags
 * (O_NOFOLLOW, 0) added.  The open never blocks: a FIFO no process reads,
 * put in a log's place by whoever may write its directory, fails with
 * ENXIO instead of stopping the caller; writes then block as on a file.
 * The fd, or -1 with errno set.
 */
int	log_open_append(const char *path, int flags);
/* "master", "worker 1 gen 2": shown in every line. */
void	log_set_procname(const char *);

void	log_error(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_notice(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_vmsg(int, int, const char *, va_list);
_Noreturn void fatal(const char *, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void fatalx(const char *, ...) __attribute__((format(printf, 1, 2)));

/*
 * Shared-state invariants: on in release builds too, because a broken
 * slot or wheel invariant must stop the process before it corrupts what
 * tamarinctl and the master read.
 */
#define TM_ASSERT(e) do {						\
	if (__builtin_expect(!(e), 0))					\
		fatalx("%s:%d: assertion failed: %s", __FILE__,		\
		    __LINE__, #e);					\
} while (0)

#endif /* TM_LOG_H */
