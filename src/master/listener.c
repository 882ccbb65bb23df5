/*
 * Listening sockets.  Only the master ever holds one; workers receive
 * accepted connections.  An unchanged listener keeps its socket across
 * reloads, so no connection is refused while the configuration changes.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "master/config.h"
#include "master/master.h"
#include "proto/proto.h"

static int	listener_row(struct master *);
static int	listener_unix_live(const struct listener_conf *);

/* A free row of the segment's listener table. */
static int
listener_row(struct master *m)
{
	struct shm_listener *sl;
	uint32_t st, closed;
	unsigned int i, b;

	for (i = 0; i < TM_MAX_LISTENERS; i++) {
		sl = shm_listener(m->m_shm, i);
		st = atomic_load_explicit(&sl->li_state,
		    memory_order_relaxed);
		if (st == TM_LISTENER_UNUSED)
			return ((int)i);
		if (st != TM_LISTENER_CLOSED)
			continue;
		/*
		 * A closed row may still name the listener of connections
		 * that old workers serve: reuse it once no worker of that
		 * generation or older is left.
		 */
		closed = atomic_load_explicit(&sl->li_closed_gen,
		    memory_order_relaxed);
		for (b = 0; b < TM_MAX_BLOCKS; b++)
			if (m->m_wk[b].wk_pid != 0 &&
			    m->m_wk[b].wk_gen <= closed)
				break;
		if (b == TM_MAX_BLOCKS)
			return ((int)i);
	}
	return (-1);
}

/* An int TCP option on a TCP listener; a failure is logged and survived. */
static void
listener_tcpopt(int fd, const struct listener_conf *lc, int opt,
    const char *name, int v)
{
	if (lc->lc_sa.ss_family == AF_UNIX)
		return;
	if (setsockopt(fd, IPPROTO_TCP, opt, &v, sizeof(v)) == -1)
		log_warn("listener %s: setsockopt(%s) failed", lc->lc_name,
		    name);
}

/*
 * Accept a TCP client only once its first bytes are in (or after
 * lc_defer_accept seconds): the worker's first turn then finds the
 * request, where a bare handshake would cost it an EAGAIN, an epoll
 * registration and a wake-up, and the master a wake-up of its own.
 */
static void
listener_defer(int fd, const struct listener_conf *lc)
{
#ifdef TCP_DEFER_ACCEPT
	listener_tcpopt(fd, lc, TCP_DEFER_ACCEPT, "TCP_DEFER_ACCEPT",
	    lc->lc_defer_accept);
#else
	(void)fd;
	(void)lc;
#endif
}

/*
 * An HTTP client speaks first, and the response carries the ACK of its
 * request.  With quick ACKs off on the listener (inherited by accepted
 * sockets) the kernel holds that ACK for the response instead of sending
 * it alone: one segment less per connection.  A connection that has to
 * wait for more of its request before it can answer sends the ACK at once
 * (conn_ack_now()), so a client whose Nagle algorithm waits for it never
 * stalls.  TLS keeps the kernel's default: a handshake is not answered in
 * one response; a reload that switches a kept listener to TLS puts the
 * default back.
 */
static void
listener_quickack(int fd, const struct listener_conf *lc)
{
#ifdef TCP_QUICKACK
	listener_tcpopt(fd, lc, TCP_QUICKACK, "TCP_QUICKACK",
	    !config_listener_holds_ack(lc));
#else
	(void)fd;
	(void)lc;
#endif
}

/*
 * 1 when something accepts on lc's UNIX socket path: a connect succeeds,
 * or its backlog is full.  A socket nobody listens on refuses
 * (ECONNREFUSED): left by a process that is gone.  Any other failure
 * (EACCES, EPROTOTYPE from another process's datagram socket) says
 * nothing of the kind: counted as live, never replaced.
 */
static int
listener_unix_live(const struct listener_conf *lc)
{
	int fd, r;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return (0);	/* cannot tell: bind(2) will */
	r = connect(fd, (const struct sockaddr *)&lc->lc_sa, lc->lc_salen);
	r = r == 0 || (errno != ECONNREFUSED && errno != ENOENT);
	close(fd);
	return (r);
}

int
listener_open(struct master *m, struct listener_conf *lc)
{
	struct sockaddr_storage ss;
	struct listener *ls;
	socklen_t sslen = sizeof(ss);
	int fd, on = 1, row;
	uint16_t port = lc->lc_port;

	if (m->m_nls >= TM_MAX_LISTENERS || (row = listener_row(m)) == -1) {
		log_warnx("listener %s: too many listeners", lc->lc_name);
		return (-1);
	}
	fd = socket(lc->lc_sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd == -1) {
		log_warn("listener %s: socket() failed", lc->lc_name);
		return (-1);
	}
	if (lc->lc_sa.ss_family == AF_UNIX) {
		struct sockaddr_un *un = (struct sockaddr_un *)&lc->lc_sa;
		struct stat st;

		/*
		 * A socket left by a dead master is replaced; never one that
		 * something still accepts on (it would lose its clients, and
		 * the file at our exit), nor anything but a socket.
		 */
		if (lstat(un->sun_path, &st) == 0 && S_ISSOCK(st.st_mode)) {
			if (listener_unix_live(lc)) {
				log_warnx("listener %s: %s: another process "
				    "accepts on this socket", lc->lc_name,
				    un->sun_path);
				close(fd);
				return (-1);
			}
			(void)unlink(un->sun_path);
		}
	} else {
		if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on,
		    sizeof(on)) == -1)
			log_warn("listener %s: setsockopt(SO_REUSEADDR) "
			    "failed", lc->lc_name);
		/* As nginx: "::" does not also take the IPv4 port. */
		if (lc->lc_sa.ss_family == AF_INET6 && setsockopt(fd,
		    IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) == -1)
			log_warn("listener %s: setsockopt(IPV6_V6ONLY) failed",
			    lc->lc_name);
		/*
		 * Accepted sockets inherit TCP_NODELAY from the listener on
		 * Linux: responses are written whole, so Nagle only adds
		 * latency, and this costs no syscall per connection.
		 */
		listener_tcpopt(fd, lc, TCP_NODELAY, "TCP_NODELAY", 1);
	}
	if (bind(fd, (struct sockaddr *)&lc->lc_sa, lc->lc_salen) == -1) {
		log_warn("listener %s: bind(%s port %u) failed", lc->lc_name,
		    lc->lc_address, lc->lc_port);
		close(fd);
		return (-1);
	}
	/*
	 * connect(2) needs write access to the socket file, which the
	 * umask took from everyone but the (root) master: a proxy in front
	 * could not reach it.  As nginx, 0666; the directory decides who.
	 */
	if (lc->lc_sa.ss_family == AF_UNIX && chmod(((struct sockaddr_un *)
	    &lc->lc_sa)->sun_path, 0666) == -1)
		log_warn("listener %s: chmod(%s) failed", lc->lc_name,
		    ((struct sockaddr_un *)&lc->lc_sa)->sun_path);
	if (listen(fd, lc->lc_backlog) == -1) {
		log_warn("listener %s: listen() failed", lc->lc_name);
		close(fd);
		return (-1);
	}
	if (lc->lc_defer_accept > 0)
		listener_defer(fd, lc);
	if (config_listener_holds_ack(lc))
		listener_quickack(fd, lc);
	if (lc->lc_sa.ss_family != AF_UNIX) {
		if (getsockname(fd, (struct sockaddr *)&ss, &sslen) == -1) {
			log_warn("listener %s: getsockname() failed",
			    lc->lc_name);
			close(fd);
			return (-1);
		}
		port = ntohs(ss.ss_family == AF_INET ?
		    ((struct sockaddr_in *)&ss)->sin_port :
		    ((struct sockaddr_in6 *)&ss)->sin6_port);
		/* Keep the kernel's choice for reloads and for clients. */
		if (lc->lc_sa.ss_family == AF_INET)
			((struct sockaddr_in *)&lc->lc_sa)->sin_port =
			    htons(port);
		else
			((struct sockaddr_in6 *)&lc->lc_sa)->sin6_port =
			    htons(port);
	}

	ls = &m->m_ls[m->m_nls++];
	memset(ls, 0, sizeof(*ls));
	ls->ls_fd = fd;
	ls->ls_index = row;
	ls->ls_proto = lc->lc_proto;
	ls->ls_conf = lc;
	lc->lc_index = row;

	shm_listener_publish(m->m_shm, (unsigned int)row, lc->lc_proto,
	    lc->lc_sa.ss_family, port, lc->lc_name, lc->lc_address);
	if (lc->lc_sa.ss_family == AF_UNIX)
		log_info("listening on %s (%s, listener %s)", lc->lc_address,
		    proto_name(lc->lc_proto), lc->lc_name);
	else
		log_info("listening on %s port %u (%s, listener %s)",
		    lc->lc_address, port, proto_name(lc->lc_proto),
		    lc->lc_name);
	return (0);
}

/* gen: the generation that removed it (or the last, at a stop). */
void
listener_close(struct master *m, struct listener *ls, uint32_t gen)
{
	struct shm_listener *sl;

	sl = shm_listener(m->m_shm, (unsigned int)ls->ls_index);
	atomic_store_explicit(&sl->li_closed_gen, gen,
	    memory_order_relaxed);
	atomic_store_explicit(&sl->li_state, TM_LISTENER_CLOSED,
	    memory_order_release);
	if (ls->ls_conf != NULL && ls->ls_conf->lc_sa.ss_family == AF_UNIX)
		(void)unlink(((const struct sockaddr_un *)
		    &ls->ls_conf->lc_sa)->sun_path);
	close(ls->ls_fd);
	ls->ls_fd = -1;
}

/*
 * Make the open listeners match cf: keep the same ones (same fd), open the
 * new ones, close those cf removed.  On failure to open a new one nothing
 * changes for the running config: the new sockets are closed again.
 */
int
listeners_setup(struct master *m, struct config *cf)
{
	unsigned int i, old = m->m_nls, j;
	int *keep;
	size_t k;

	if ((keep = calloc(TM_MAX_LISTENERS, sizeof(*keep))) == NULL) {
		log_warn("listeners: calloc() failed");
		return (-1);
	}
	for (k = 0; k < cf->cf_nlisteners; k++) {
		struct listener_conf *lc = &cf->cf_listeners[k];

		for (i = 0; i < old; i++)
			if (m->m_ls[i].ls_conf != NULL &&
			    config_listener_same(m->m_ls[i].ls_conf, lc))
				break;
		if (i < old) {
			keep[i] = (int)k + 1;
			continue;
		}
		if (listener_open(m, lc) == -1) {
			/* Roll back what this call opened. */
			for (j = old; j < m->m_nls; j++) {
				struct shm_listener *sl = shm_listener(
				    m->m_shm, (unsigned int)m->m_ls[j].ls_index);

				/* Its socket file too: nobody accepts on it. */
				if (m->m_ls[j].ls_conf->lc_sa.ss_family ==
				    AF_UNIX)
					(void)unlink(((const struct sockaddr_un *)
					    &m->m_ls[j].ls_conf->lc_sa)->sun_path);
				close(m->m_ls[j].ls_fd);
				atomic_store_explicit(&sl->li_state,
				    TM_LISTENER_UNUSED, memory_order_release);
			}
			m->m_nls = old;
			free(keep);
			return (-1);
		}
		m->m_ls[m->m_nls - 1].ls_cf = cf;
		keep[m->m_nls - 1] = (int)k + 1;
	}
	/* Commit: adopt kept sockets, close removed ones, compact. */
	for (i = 0, j = 0; i < m->m_nls; i++) {
		struct listener *ls = &m->m_ls[i];

		if (keep[i] == 0) {
			log_info("closing listener %s", ls->ls_conf != NULL ?
			    ls->ls_conf->lc_name : "?");
			/* The reload makes generation m_gen + 1. */
			listener_close(m, ls, m->m_gen + 1);
			continue;
		}
		{
			struct listener_conf *lc =
			    &cf->cf_listeners[keep[i] - 1];
			struct shm_listener *sl = shm_listener(m->m_shm,
			    (unsigned int)ls->ls_index);

			/* listener_open() gave every row its conf. */
			/* Port 0: the new conf learns the bound port. */
			if (lc->lc_port == 0)
				memcpy(&lc->lc_sa, &ls->ls_conf->lc_sa,
				    sizeof(lc->lc_sa));
			/*
			 * The socket stays; what can change on it does (a
			 * socket opened by this call has lc already).
			 */
			if (ls->ls_conf->lc_backlog != lc->lc_backlog &&
			    listen(ls->ls_fd, lc->lc_backlog) == -1)
				log_warn("listener %s: listen() failed",
				    lc->lc_name);
			if (ls->ls_conf->lc_defer_accept != lc->lc_defer_accept)
				listener_defer(ls->ls_fd, lc);
			/*
			 * Another protocol on the same socket: connections
			 * accepted from now on carry it, to the new
			 * generation alone; those already handed over keep
			 * theirs, with the old generation's workers.
			 */
			if (ls->ls_proto != lc->lc_proto) {
				log_info("listener %s: %s from now on",
				    lc->lc_name, proto_name(lc->lc_proto));
				if (config_listener_holds_ack(ls->ls_conf) !=
				    config_listener_holds_ack(lc))
					listener_quickack(ls->ls_fd, lc);
				ls->ls_proto = lc->lc_proto;
			}
			lc->lc_index = ls->ls_index;
			ls->ls_conf = lc;
			ls->ls_cf = cf;
			/* Its name and protocol may change, under readers. */
			shm_listener_write_begin(m->m_shm,
			    (unsigned int)ls->ls_index);
			sl->li_proto = lc->lc_proto;
			strlcpy(sl->li_name, lc->lc_name, sizeof(sl->li_name));
			shm_listener_write_end(m->m_shm,
			    (unsigned int)ls->ls_index);
		}
		if (j != i)
			m->m_ls[j] = *ls;
		j++;
	}
	m->m_nls = j;
	free(keep);
	return (0);
}
