/*
 * sd_notify without libsystemd, as in systemd's
 * man/notify-selfcontained-example.c.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "master/notify.h"

int
notify_send(const char *msg)
{
	struct sockaddr_un un;
	const char *path;
	socklen_t len;
	size_t plen;
	ssize_t n;
	int fd;

	if ((path = getenv("NOTIFY_SOCKET")) == NULL || path[0] == '\0')
		return (0);
	/* Abstract ('@') or an absolute path; anything else is ignored. */
	if (path[0] != '/' && path[0] != '@')
		return (0);
	plen = strlen(path);
	if (plen >= sizeof(un.sun_path))
		return (-1);
	memset(&un, 0, sizeof(un));
	un.sun_family = AF_UNIX;
	memcpy(un.sun_path, path, plen);
	if (un.sun_path[0] == '@')
		un.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		log_warn("notify: socket() failed");
		return (-1);
	}
	n = sendto(fd, msg, strlen(msg), MSG_NOSIGNAL,
	    (struct sockaddr *)&un, len);
	if (n == -1)
		log_warn("notify: sendto(%s) failed", path);
	close(fd);
	return (n == -1 ? -1 : 0);
}

void
notify_ready(void)
{
	char msg[64];

	snprintf(msg, sizeof(msg), "READY=1\nMAINPID=%d", (int)getpid());
	(void)notify_send(msg);
}

void
notify_reloading(void)
{
	struct timespec ts;
	char msg[96];

	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000ull +
	    (unsigned long long)ts.tv_nsec / 1000);
	(void)notify_send(msg);
}

void
notify_stopping(void)
{
	(void)notify_send("STOPPING=1");
}
