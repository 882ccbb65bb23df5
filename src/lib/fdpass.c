/*
 * fd passing over the master-worker channel.  SOCK_SEQPACKET keeps message
 * boundaries, so a message and its descriptors always arrive together and a
 * reader never has to reassemble a stream.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "lib/fdpass.h"

static size_t	chan_payload(const struct chan_msg *);

/* Bytes after the header: slots for CHAN_CONNS, data for the others. */
static size_t
chan_payload(const struct chan_msg *m)
{
	if (m->cm_type == CHAN_CONNS)
		return (m->cm_count * sizeof(m->cm_conn[0]));
	return (m->cm_arg);
}

int
chan_pair(int sv[2])
{
	return (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0, sv));
}

int
chan_send(int sock, const struct chan_msg *m, const int *fds)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int) * CHAN_MAX_FDS)];
	} cbuf;
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *cm;
	ssize_t n;

	if (m->cm_count > CHAN_MAX_FDS ||
	    (m->cm_type != CHAN_CONNS && (m->cm_count != 0 ||
	    m->cm_arg > CHAN_MAX_DATA))) {
		errno = EINVAL;
		return (-1);
	}
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = (void *)m;
	iov.iov_len = CHAN_HDR_LEN + chan_payload(m);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (m->cm_count > 0) {
		memset(&cbuf, 0, sizeof(cbuf));
		msg.msg_control = cbuf.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * m->cm_count);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * m->cm_count);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * m->cm_count);
	}
	do {
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	} while (n == -1 && errno == EINTR);
	if (n == -1)
		return (-1);
	/* SEQPACKET sends all or nothing. */
	if ((size_t)n != iov.iov_len) {
		errno = EPROTO;
		return (-1);
	}
	return (0);
}

static void
chan_close_all(int *fds, int n)
{
	int i;

	for (i = 0; i < n; i++)
		close(fds[i]);
}

int
chan_recv(int sock, struct chan_msg *m, int *fds)
{
	union {
		struct cmsghdr	hdr;
		/* Room for more than we ever send, to detect a lying peer. */
		char		buf[CMSG_SPACE(sizeof(int) * CHAN_MAX_FDS * 2)];
	} cbuf;
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *cm;
	ssize_t n;
	int nfds = 0, k, bad = 0;

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = m;
	iov.iov_len = sizeof(*m);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf.buf;
	msg.msg_controllen = sizeof(cbuf.buf);
	do {
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	} while (n == -1 && errno == EINTR);
	if (n == -1)
		return (-1);
	if (n == 0)
		return (0);
	for (cm = CMSG_FIRSTHDR(&msg); cm != NULL;
	    cm = CMSG_NXTHDR(&msg, cm)) {
		int *p;

		if (cm->cmsg_level != SOL_SOCKET ||
		    cm->cmsg_type != SCM_RIGHTS)
			continue;
		k = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		p = (int *)CMSG_DATA(cm);
		while (k-- > 0) {
			int fd;

			memcpy(&fd, p++, sizeof(fd));
			if (nfds < CHAN_MAX_FDS)
				fds[nfds++] = fd;
			else {
				/* Surplus: never leak what we cannot use. */
				close(fd);
				bad = 1;
			}
		}
	}
	if ((msg.msg_flags & MSG_TRUNC) != 0 ||
	    (size_t)n < CHAN_HDR_LEN || m->cm_type == 0 ||
	    m->cm_type >= CHAN__MAX || m->cm_count > CHAN_MAX_FDS ||
	    (m->cm_type != CHAN_CONNS && (m->cm_count != 0 ||
	    m->cm_arg > CHAN_MAX_DATA)) ||
	    (size_t)n != CHAN_HDR_LEN + chan_payload(m) || bad)
		goto malformed;
	if ((msg.msg_flags & MSG_CTRUNC) == 0 && m->cm_count == nfds)
		return (1);
	/*
	 * A receiver out of descriptors still gets the message, with the
	 * fds the kernel could install, first ones first, and MSG_CTRUNC;
	 * the kernel closed the rest.  The entries of CHAN_CONNS still say
	 * which slots were claimed: the missing fds become -1, so that the
	 * caller can release those slots.
	 */
	if ((msg.msg_flags & MSG_CTRUNC) != 0 && m->cm_type == CHAN_CONNS &&
	    nfds < m->cm_count) {
		for (k = nfds; k < m->cm_count; k++)
			fds[k] = -1;
		return (1);
	}
malformed:
	chan_close_all(fds, nfds);
	errno = EPROTO;
	return (-1);
}
