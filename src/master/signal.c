/*
 * Master signals, read from a signalfd in the poll loop: no work ever runs
 * in a signal handler, and each signal's sender is logged.
 */
#include <sys/types.h>
#include <sys/signalfd.h>

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/log.h"
#include "master/master.h"

int
signal_setup(void)
{
	struct sigaction sa;
	sigset_t set;
	int fd;

	/* A write to a closed client must never kill anyone. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGQUIT);
	sigaddset(&set, SIGUSR1);
	/*
	 * Read, not left to its default action: nginx's USR2 (binary
	 * upgrade), sent from habit, would kill the master and leave its
	 * pidfile and segment behind.
	 */
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
		return (-1);
	fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return (fd);
}

void
signal_handle(struct master *m)
{
	struct signalfd_siginfo si;
	ssize_t n;

	for (;;) {
		n = read(m->m_sigfd, &si, sizeof(si));
		if (n == -1 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(si))
			break;
		if (si.ssi_signo != SIGCHLD)
			log_notice("signal %d (%s) received from pid %d",
			    (int)si.ssi_signo, strsignal((int)si.ssi_signo),
			    (int)si.ssi_pid);
		switch (si.ssi_signo) {
		case SIGCHLD:
			proc_reap(m);
			break;
		case SIGHUP:
			master_reload(m);
			break;
		case SIGTERM:
		case SIGINT:
		case SIGQUIT:
			master_stop(m, (int)si.ssi_signo);
			break;
		case SIGUSR1:
			master_reopen(m);
			break;
		case SIGUSR2:
			log_warn("SIGUSR2 ignored: tamarind has no binary "
			    "upgrade (restart it to run a new binary)");
			break;
		default:
			break;
		}
	}
}
