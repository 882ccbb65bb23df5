/*
 * The plain-socket transport: read(2), writev(2), sendfile(2).
 */
#include <sys/types.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "proto/conn.h"
#include "proto/proto.h"

static ssize_t	plain_read(struct conn *, void *, size_t);
static ssize_t	plain_writev(struct conn *, const struct iovec *, int, int);
static ssize_t	plain_sendfile(struct conn *, int, off_t *, size_t);
static int	plain_shutdown(struct conn *);

const struct transport transport_plain = {
	.tr_name = "plain",
	.tr_open = NULL,
	.tr_handshake = NULL,
	.tr_silent = NULL,
	.tr_read = plain_read,
	.tr_writev = plain_writev,
	.tr_sendfile = plain_sendfile,
	.tr_shutdown = plain_shutdown,
	.tr_close = NULL,
	.tr_events = NULL,
	.tr_idle = NULL,
};

static ssize_t
plain_read(struct conn *c, void *buf, size_t len)
{
	ssize_t n;

	do {
		n = read(c->c_fd, buf, len);
	} while (n == -1 && errno == EINTR);
	/*
	 * A short read emptied the socket: the next byte brings a new edge,
	 * so there is no need to read again only to hear EAGAIN.  Not after
	 * the peer's FIN, whose edge came already: the read that returns 0
	 * is still to be made.
	 */
	if (n >= 0 && (size_t)n < len && !(c->c_flags & CONN_F_EOF))
		c->c_flags &= ~CONN_F_RD;
	return (n);
}

static ssize_t
plain_writev(struct conn *c, const struct iovec *iov, int iovcnt, int more)
{
	struct msghdr mh;
	ssize_t n;

	/* sendmsg(2) is writev(2) with flags: a head with the file behind
	   it waits for it (MSG_MORE), one segment train instead of two. */
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = (struct iovec *)iov;
	mh.msg_iovlen = (size_t)iovcnt;
	do {
		n = sendmsg(c->c_fd, &mh, more ? MSG_MORE : 0);
	} while (n == -1 && errno == EINTR);
	return (n);
}

static ssize_t
plain_sendfile(struct conn *c, int fd, off_t *off, size_t count)
{
	ssize_t n;

	do {
		n = sendfile(c->c_fd, fd, off, count);
	} while (n == -1 && errno == EINTR);
	return (n);
}

/* Half-close: the peer reads our last bytes, then sees EOF. */
static int
plain_shutdown(struct conn *c)
{
	if (shutdown(c->c_fd, SHUT_WR) == -1 && errno != ENOTCONN)
		return (-1);
	return (0);
}
