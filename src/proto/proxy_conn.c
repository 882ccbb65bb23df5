/*
 * The PROXY protocol stage of a connection (listener proxy_protocol).
 *
 * Before its own protocol starts, such a connection runs this small
 * stand-in protocol: the first bytes must be a PROXY v1 or v2 header
 * (proto/proxy.h), read under the handshake deadline with the slot in
 * PROXY state.  The client it names replaces the slot's peer, so logs,
 * tamarinctl and handlers see the real client; LOCAL and UNKNOWN keep the
 * socket's address.  Anything else closes the connection: a listener that
 * expects a header never falls back to reading HTTP (the spec forbids
 * guessing).  proxy_trusted, when set, says who may send one at all.
 *
 * The header is looked at with MSG_PEEK and then consumed with a read of
 * exactly its length, so whatever follows it (an HTTP request, a TLS
 * ClientHello) stays in the socket for the protocol, which reads it as it
 * would on any connection: no buffer changes hands, and TLS needs no BIO
 * of its own.
 */
#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "lib/cidr.h"
#include "lib/log.h"
#include "master/config.h"
#include "proto/conn.h"
#include "proto/proto.h"
#include "proto/proxy.h"
#include "shm/shm.h"

static void	pxc_event(struct conn *, uint32_t);
static void	pxc_timeout(struct conn *);
static void	pxc_drain(struct conn *);
static void	pxc_close(struct conn *);

/* Not in the protocol table: a connection's c_pr while its header comes. */
static const struct proto proto_proxy_stage = {
	.pr_name = "proxy",
	.pr_id = 0,
	.pr_transport = &transport_plain,
	.pr_open = NULL,
	.pr_event = pxc_event,
	.pr_timeout = pxc_timeout,
	.pr_drain = pxc_drain,
	.pr_close = pxc_close,
};

int
proto_open(struct conn *c)
{
	const struct listener_conf *lc = c->c_lc;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (!lc->lc_proxy_protocol)
		return (c->c_pr->pr_open(c));
	if (lc->lc_nproxy_trusted > 0) {
		if (getpeername(c->c_fd, (struct sockaddr *)&ss, &len) == -1) {
			log_warn("connection %u: getpeername() failed",
			    c->c_slot);
			return (-1);
		}
		/* Not a proxy we know: its header would be a lie we log. */
		if (!cidr_match_list(lc->lc_proxy_trusted,
		    lc->lc_nproxy_trusted, (struct sockaddr *)&ss)) {
			log_debug("connection %u: listener %s: peer not in "
			    "proxy_trusted", c->c_slot, lc->lc_name);
			return (-1);
		}
	}
	c->c_pr = &proto_proxy_stage;
	conn_set_state(c, TM_SLOT_PROXY);
	conn_set_timeout(c, lc->lc_timeouts.to_handshake_ms);
	return (0);
}

static void
pxc_event(struct conn *c, uint32_t ev)
{
	uint8_t buf[PROXY_HDR_MAX];
	struct proxy_info pi;
	struct shm_slot *sl = c->c_sl;
	size_t hlen = 0;
	ssize_t n;
	int r;

	do {
		n = recv(c->c_fd, buf, sizeof(buf), MSG_PEEK);
	} while (n == -1 && errno == EINTR);
	if (n == -1) {
		if (errno != EAGAIN)
			conn_close(c, CONN_IO);
		return;
	}
	if (n == 0) {
		/* Connected and left (a health check): nothing went wrong. */
		conn_close(c, CONN_DONE);
		return;
	}
	r = proxy_parse(buf, (size_t)n, &pi, &hlen);
	if (r == PROXY_AGAIN) {
		/* A valid prefix; the next bytes bring a new edge. */
		if ((size_t)n < sizeof(buf)) {
			conn_ack_now(c, CONN_ACK_PEEKED);
			return;
		}
		pi.pi_error = "header too long";
		r = PROXY_ERROR;
	}
	if (r != PROXY_OK) {
		log_debug("connection %u: PROXY header refused: %s",
		    c->c_slot, pi.pi_error != NULL ? pi.pi_error : "?");
		conn_close(c, CONN_PROTO);
		return;
	}
	/* Now take exactly the header: the rest is the protocol's. */
	do {
		n = recv(c->c_fd, buf, hlen, 0);
	} while (n == -1 && errno == EINTR);
	if (n != (ssize_t)hlen) {
		conn_close(c, CONN_IO);
		return;
	}
	conn_count_in(c, hlen);
	if (!pi.pi_local) {
		slot_write_begin(sl);
		shm_addr_set(&sl->sl_peer, (struct sockaddr *)&pi.pi_src);
		sl->sl_flags |= TM_SLF_PROXIED;
		slot_write_end(sl);
	}
	conn_set_timeout(c, 0);
	c->c_pr = proto_get(c->c_proto);
	if (c->c_pr == NULL || c->c_pr->pr_open(c) == -1) {
		if (c->c_pr == NULL)
			c->c_pr = &proto_proxy_stage;
		conn_close(c, CONN_PROTO);
		return;
	}
	/*
	 * What followed the header is here already; no edge will say so.
	 * The edge's own bits go along: a FIN it reported comes only once.
	 */
	if (c->c_flags & CONN_F_ACTIVE)
		c->c_pr->pr_event(c, ev | EPOLLIN | EPOLLOUT);
}

static void
pxc_timeout(struct conn *c)
{
	conn_close(c, CONN_TIMEOUT);
}

/* A draining worker lets the header come: the protocol then closes after
   one request, as it does for any connection of a draining worker. */
static void
pxc_drain(struct conn *c)
{
	(void)c;
}

/* Nothing to free: the stage keeps no state. */
static void
pxc_close(struct conn *c)
{
	(void)c;
}
