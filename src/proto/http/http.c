/*
 * HTTP/1.1 connections: read a head, route it, run the handler, write the
 * response, then keep the connection for the next request (pipelined bytes
 * are parsed from exactly where the previous request ended) or close it.
 *
 * The socket is registered edge-triggered, so each phase works until the
 * transport says EAGAIN and remembers which direction it waits for
 * (CONN_F_RD / CONN_F_WR are "an edge arrived and was not used up").
 */
#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <linux/sockios.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "master/config.h"
#include "proto/conn.h"
#include "proto/http/docroot.h"
#include "proto/http/filecache.h"
#include "proto/http/handler.h"
#include "proto/http/http.h"
#include "proto/http/uri.h"
#include "proto/proto.h"
#include "shm/shm.h"

/* Requests served per connection per loop turn before others get theirs. */
#define HTTP_TURN_REQUESTS	16
/*
 * Bytes one connection may write (or read of a body) in one turn before
 * the others get theirs (also the largest sendfile(2), as nginx's
 * sendfile_max_chunk): on a fast path a socket keeps taking data for as
 * long as the peer's receive buffer (megabytes) does.  Smaller turns cost
 * more than they buy: 256 KiB cut 1 MiB downloads by a fifth on loopback.
 */
#define HTTP_TURN_BYTES		(2 * 1024 * 1024)
/* The least a client must read per send_stall_sec while the socket is
   full (see http_timeout()). */
#define HTTP_STALL_MIN		16384
/*
 * Lingering close: how long, and how much, we read and discard after a
 * final error.  An upload the answer refused is read to its end within
 * these, as nginx's lingering_time lets it be.
 */
#define HTTP_LINGER_MS		2000
#define HTTP_LINGER_BYTES	(32 * 1024 * 1024)
/* A refused request's body up to this is read, and the connection kept. */
#define HTTP_DISCARD_MAX	(64 * 1024)
#define HTTP_REQ_CACHE		64
/* A draining worker keeps an idle keep-alive connection this long. */
#define HTTP_DRAIN_GRACE_MS	1000

const struct config *http_cf;

/*
 * What answers plain HTTP sent to a TLS port (then the connection closes):
 * the status line, Server and Date as on every response, then this.
 */
static const char http_plain_status[] = "HTTP/1.1 400 Bad Request\r\n";
static const char http_plain_resp[] =
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Length: 52\r\n"
    "Connection: close\r\n"
    "\r\n";
/* The content, left out for HEAD (RFC 9110 9.3.2). */
static const char http_plain_body[] =
    "This port speaks HTTPS: use an https:// URL for it.\n";
_Static_assert(sizeof(http_plain_body) - 1 == 52,
    "http_plain_resp's Content-Length is http_plain_body's length");

static struct http_req	**req_cache;
static unsigned int	  req_ncache;
static size_t		  req_size;

static int	http_open(struct conn *);
static void	http_event(struct conn *, uint32_t);
static void	http_timeout(struct conn *);
static void	http_drain(struct conn *);
static int	http_idle(const struct conn *);
static void	http_close(struct conn *);
static void	http_run(struct conn *);
static int	http_read_head(struct conn *, struct http_req *);
static int	http_read_body(struct conn *, struct http_req *);
static void	http_body_begin(struct conn *, struct http_req *, uint64_t);
static int	http_write(struct conn *, struct http_req *);
static int	http_unsent(const struct conn *);
static void	http_send_wait(struct conn *, struct http_req *);
static int	http_linger(struct conn *);
static int	http_input_pending(struct conn *);
static void	http_host(struct conn *, struct http_req *);
static void	http_process(struct conn *, struct http_req *);
static int	http_plain_on_tls(struct conn *);
static void	http_dispatch(struct conn *, struct http_req *);
static int	http_handle(struct conn *, struct http_req *);
static void	http_continue(struct conn *, struct http_req *);
static void	http_respond(struct conn *, struct http_req *);
static int	http_has_body(const struct http_request *);
static void	http_fail(struct conn *, struct http_req *, unsigned int);
static void	http_refuse(struct conn *, struct http_req *, unsigned int);
static void	http_error(struct conn *, struct http_req *, unsigned int,
		    int);
static int	http_finish(struct conn *, struct http_req *);
static void	http_account(struct http_req *);
static struct http_req *http_req_get(struct conn *);
static void	http_req_put(struct http_req *);
static void	http_slot_request(struct conn *, struct http_req *);

const struct proto proto_http = {
	.pr_name = "http",
	.pr_id = TM_PROTO_HTTP,
	.pr_transport = &transport_plain,
	.pr_open = http_open,
	.pr_event = http_event,
	.pr_timeout = http_timeout,
	.pr_drain = http_drain,
	.pr_idle = http_idle,
	.pr_close = http_close,
};

/* The same HTTP over TLS: only the transport differs. */
const struct proto proto_https = {
	.pr_name = "https",
	.pr_id = TM_PROTO_HTTPS,
	.pr_transport = &transport_tls,
	.pr_open = http_open,
	.pr_event = http_event,
	.pr_timeout = http_timeout,
	.pr_drain = http_drain,
	.pr_idle = http_idle,
	.pr_close = http_close,
};

int
http_worker_init(const struct config *cf)
{
	http_cf = cf;
	req_size = sizeof(struct http_req) +
	    cf->cf_http_limits.hl_header_count * sizeof(struct http_header);
	if ((req_cache = calloc(HTTP_REQ_CACHE, sizeof(*req_cache))) == NULL)
		return (-1);
	/* No cache (no inotify) only costs speed, never correctness. */
	if (cf->cf_file_cache_entries > 0 && cf->cf_file_cache_bytes > 0)
		(void)fc_init(cf->cf_file_cache_entries,
		    (size_t)cf->cf_file_cache_bytes);
	(void)docroot_start(cf->cf_root_load);
	return (accesslog_init(cf));
}

void
http_worker_fini(void)
{
	fc_fini();
	docroot_stop();
	accesslog_fini();
}

void
http_reopen_logs(void)
{
	accesslog_reopen();
}

const char *
http_req_buf(const struct http_req *hr)
{
	return (hr->rq_conn->c_in);
}

static struct http_req *
http_req_get(struct conn *c)
{
	struct http_req *hr;

	if (req_ncache > 0)
		hr = req_cache[--req_ncache];
	else if ((hr = malloc(req_size)) == NULL)
		return (NULL);
	/* Only the fixed part: the big buffers are written before read. */
	memset(hr, 0, offsetof(struct http_req, rq_path));
	hr->rq_conn = c;
	hr->rq_fd = -1;
	hr->rq_clen = -1;
	hr->rq_path[0] = '\0';
	http_request_init(&hr->rq_p, hr->rq_hdrs,
	    http_cf->cf_http_limits.hl_header_count);
	return (hr);
}

static void
http_req_put(struct http_req *hr)
{
	http_resp_free_body(hr);
	http_resp_drop_headers(hr);
	if (req_ncache < HTTP_REQ_CACHE)
		req_cache[req_ncache++] = hr;
	else
		free(hr);
}

static const struct transport *
http_tr(const struct conn *c)
{
	return (c->c_pr->pr_transport);
}

static int
http_open(struct conn *c)
{
	const struct transport *tr = http_tr(c);

	if (tr->tr_open != NULL && tr->tr_open(c) == -1)
		return (-1);
	if (tr->tr_handshake != NULL) {
		/* The transport's handshake first, under its own deadline. */
		c->c_flags |= CONN_F_HANDSHAKE;
		conn_set_state(c, TM_SLOT_HANDSHAKE);
		conn_set_timeout(c, c->c_lc->lc_timeouts.to_handshake_ms);
		return (0);
	}
	conn_set_state(c, TM_SLOT_READING);
	/* A new connection has the header deadline from its first moment. */
	conn_set_timeout(c, c->c_lc->lc_timeouts.to_header_ms);
	return (0);
}

static void
http_event(struct conn *c, uint32_t ev)
{
	const struct transport *tr = http_tr(c);

	/* Its edge comes once: a short read later must not forget it. */
	if (ev & (EPOLLRDHUP | EPOLLHUP))
		c->c_flags |= CONN_F_EOF;
	if (tr->tr_events != NULL)
		ev = tr->tr_events(c, ev);
	if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		c->c_flags |= CONN_F_RD;
	if (ev & (EPOLLOUT | EPOLLHUP | EPOLLERR))
		c->c_flags |= CONN_F_WR;
	http_run(c);
}

/*
 * Drive the connection as far as it goes without waiting.  Returns when
 * the transport needs an edge, the connection closed, or this connection
 * had its share of the turn (then it is queued to resume).
 */
static void
http_run(struct conn *c)
{
	struct http_req *hr;
	int served = 0, r;

	if (c->c_flags & CONN_F_HANDSHAKE) {
		r = http_tr(c)->tr_handshake(c);
		if (r == 1)
			return;		/* waiting for the socket */
		if (r == -1) {
			conn_close(c, CONN_TLS);
			return;
		}
		if (r == 2) {
			/* Plain HTTP: its 400 is written below. */
			if (http_plain_on_tls(c) == -1)
				return;
		} else {
			c->c_flags &= ~CONN_F_HANDSHAKE;
			/* The last flight may have brought a request. */
			c->c_flags |= CONN_F_RD;
			conn_set_state(c, TM_SLOT_READING);
			conn_set_timeout(c,
			    c->c_lc->lc_timeouts.to_header_ms);
		}
	}
	for (;;) {
		hr = c->c_data;
		if (hr == NULL || hr->rq_phase == HTTP_PH_HEAD) {
			if (served >= HTTP_TURN_REQUESTS) {
				conn_resume(c);
				return;
			}
			if (hr == NULL) {
				/* Idle: nothing to do without input. */
				if (!(c->c_flags & CONN_F_RD) &&
				    c->c_in_len == 0) {
					conn_ack_now(c, CONN_ACK_HEAD);
					return;
				}
				if ((hr = http_req_get(c)) == NULL) {
					conn_close(c, CONN_NOMEM);
					return;
				}
				c->c_data = hr;
			}
			r = http_read_head(c, hr);
			/*
			 * A refused head left an error response to write:
			 * write it now, as no new edge may ever come.
			 */
			if (r == HTTP_PARSE_ERROR &&
			    (c->c_flags & CONN_F_ACTIVE))
				continue;
			if (r != HTTP_PARSE_OK) {
				/* Waiting for the rest, or closed. */
				if (r == HTTP_PARSE_AGAIN)
					conn_ack_now(c, CONN_ACK_HEAD);
				return;
			}
			http_process(c, hr);
			served++;
			continue;
		}
		switch (hr->rq_phase) {
		case HTTP_PH_BODY:
			r = http_read_body(c, hr);
			/* A refused body: the same, its error goes out now. */
			if (r == HTTP_PARSE_ERROR &&
			    (c->c_flags & CONN_F_ACTIVE))
				continue;
			if (r != HTTP_PARSE_OK) {
				if (r == HTTP_PARSE_AGAIN)
					conn_ack_now(c, CONN_ACK_BODY);
				return;
			}
			if (hr->rq_refused != 0)
				http_error(c, hr, hr->rq_refused, 1);
			else if (hr->rq_flags & HTTP_F_ANSWERED)
				http_respond(c, hr);
			else
				http_dispatch(c, hr);
			continue;
		case HTTP_PH_WRITE:
			r = http_write(c, hr);
			if (r != 0)
				return;	/* waiting for the socket, or closed */
			if (http_finish(c, hr) == -1)
				return;	/* closed or lingering */
			continue;
		case HTTP_PH_LINGER:
			(void)http_linger(c);
			return;
		default:
			conn_close(c, CONN_PROTO);
			return;
		}
	}
}

/*
 * Read until a complete head is parsed.  HTTP_PARSE_OK: process it;
 * otherwise the connection waits (or was closed).
 */
static int
http_read_head(struct conn *c, struct http_req *hr)
{
	const struct http_limits *hl = &http_cf->cf_http_limits;
	/* Room for the largest head the limits allow, and a little more. */
	size_t max = (size_t)hl->hl_request_line + hl->hl_header_bytes + 64;
	const struct transport *tr = http_tr(c);
	ssize_t n;
	int r;

	for (;;) {
		if (c->c_in_len > 0) {
			r = http_parse_request(&hr->rq_p, c->c_in, c->c_in_len,
			    hl);
			if (r == HTTP_PARSE_OK)
				return (HTTP_PARSE_OK);
			if (r == HTTP_PARSE_ERROR) {
				log_debug("request rejected: %s (%u)",
				    hr->rq_p.rq_error, hr->rq_p.rq_status);
				http_fail(c, hr, hr->rq_p.rq_status);
				return (HTTP_PARSE_ERROR);
			}
		}
		if (!(c->c_flags & CONN_F_RD))
			break;
		if (c->c_in_len == c->c_in_size) {
			size_t want = c->c_in_size == 0 ? 1 :
			    (size_t)c->c_in_size * 2;

			if (want > max)
				want = max;
			if (c->c_in_len >= want) {
				/* The parser enforces the limits first. */
				http_fail(c, hr, 431);
				return (HTTP_PARSE_ERROR);
			}
			if (conn_in_reserve(c, want) == -1) {
				conn_close(c, CONN_NOMEM);
				return (HTTP_PARSE_ERROR);
			}
		}
		n = tr->tr_read(c, c->c_in + c->c_in_len,
		    c->c_in_size - c->c_in_len);
		if (n > 0) {
			if (c->c_flags & CONN_F_KAIDLE) {
				/*
				 * First byte after keep-alive idling: the
				 * header deadline starts now, once; later
				 * bytes never extend it (slowloris).
				 */
				c->c_flags &= ~CONN_F_KAIDLE;
				conn_set_state(c, TM_SLOT_READING);
				conn_set_timeout(c,
				    c->c_lc->lc_timeouts.to_header_ms);
			}
			c->c_in_len += (uint32_t)n;
			conn_count_in(c, (size_t)n);
			continue;
		}
		if (n == 0) {
			/* EOF between requests is the normal end. */
			conn_close(c, c->c_in_len == 0 ? CONN_DONE : CONN_IO);
			return (HTTP_PARSE_ERROR);
		}
		if (errno == EAGAIN) {
			c->c_flags &= ~CONN_F_RD;
			break;
		}
		conn_close(c, CONN_IO);
		return (HTTP_PARSE_ERROR);
	}
	if (c->c_in_len == 0) {
		/* Nothing pending: give the memory back while idle. */
		c->c_data = NULL;
		http_req_put(hr);
		conn_in_release(c);
	}
	return (HTTP_PARSE_AGAIN);
}

/* Host: lower-cased, port and a trailing dot dropped; and its site. */
static void
http_host(struct conn *c, struct http_req *hr)
{
	const struct http_request *p = &hr->rq_p;
	const char *buf = c->c_in;
	size_t i, hl;

	hl = p->rq_host.sp_len;
	if (hl >= sizeof(hr->rq_host))
		hl = sizeof(hr->rq_host) - 1;
	for (i = 0; i < hl; i++) {
		char ch = buf[p->rq_host.sp_off + i];

		hr->rq_host[i] = ch >= 'A' && ch <= 'Z' ? ch + 32 : ch;
	}
	hr->rq_host[hl] = '\0';
	if (hl > 0 && hr->rq_host[0] == '[') {
		char *e = strchr(hr->rq_host, ']');

		if (e != NULL)
			e[1] = '\0';
	} else {
		char *colon = strrchr(hr->rq_host, ':');

		if (colon != NULL)
			*colon = '\0';
	}
	hl = strlen(hr->rq_host);
	if (hl > 0 && hr->rq_host[hl - 1] == '.')
		hr->rq_host[--hl] = '\0';
	hr->rq_site = http_site_select(http_cf,
	    (size_t)(c->c_lc - http_cf->cf_listeners), hr->rq_host, hl);
}

/* Set up what every response needs to know about its request. */
static void
http_process(struct conn *c, struct http_req *hr)
{
	const struct http_request *p = &hr->rq_p;
	const struct listener_conf *lc = c->c_lc;
	const char *buf = c->c_in;
	const struct route_conf *rc;

	hr->rq_start_ms = conn_now_ms();
	hr->rq_in_bytes = p->rq_head_len;
	if (p->rq_major == 1 && p->rq_minor == 1 &&
	    !(p->rq_flags & HTTP_RQ_CLOSE))
		hr->rq_flags |= HTTP_F_KEEPALIVE;
	else if (p->rq_minor == 0 && (p->rq_flags & HTTP_RQ_KEEPALIVE) &&
	    !(p->rq_flags & HTTP_RQ_CLOSE))
		hr->rq_flags |= HTTP_F_KEEPALIVE;
	if (p->rq_method == HTTP_M_HEAD)
		hr->rq_flags |= HTTP_F_HEAD;
	http_slot_request(c, hr);
	conn_set_timeout(c, 0);
	/*
	 * The site, as soon as the host is known: even an answer made before
	 * routing (OPTIONS *, a bad path, a redirect) is the site's, with its
	 * headers, error pages and log.
	 */
	http_host(c, hr);

	/*
	 * "OPTIONS http://host" (no path, no query) is what a proxy turns
	 * into "OPTIONS *" for the origin (RFC 9112 §3.2.4): the same here.
	 */
	if (p->rq_form == HTTP_FORM_ASTERISK ||
	    p->rq_form == HTTP_FORM_AUTHORITY ||
	    (p->rq_form == HTTP_FORM_ABSOLUTE &&
	    p->rq_method == HTTP_M_OPTIONS && p->rq_path.sp_off ==
	    p->rq_target.sp_off + p->rq_target.sp_len)) {
		/* OPTIONS * and CONNECT name no resource of ours. */
		if (p->rq_method == HTTP_M_OPTIONS) {
			http_resp_status(hr, 200);
			http_resp_header(hr, "Allow", "GET, HEAD, OPTIONS");
			http_resp_body_mem(hr, "", 0, 0);
			goto respond;
		}
		http_refuse(c, hr, 405);
		return;
	}
	/* An empty absolute-form path means "/". */
	if (p->rq_path.sp_len == 0) {
		hr->rq_path[0] = '/';
		hr->rq_path[1] = '\0';
		hr->rq_path_len = 1;
	} else if (p->rq_path.sp_len > HTTP_PATH_MAX) {
		/*
		 * A sound path, only longer than we keep: 414, as for a
		 * request line past max_request_line_bytes (RFC 9110
		 * §15.5.15), which may be set above this.
		 */
		http_fail(c, hr, 414);
		return;
	} else if (http_path_normalize(buf + p->rq_path.sp_off,
	    p->rq_path.sp_len, hr->rq_path, sizeof(hr->rq_path),
	    &hr->rq_path_len) == -1) {
		http_fail(c, hr, 400);
		return;
	}

	if (lc->lc_redirect_https) {
		char loc[HTTP_PATH_MAX * 2 + 512];
		size_t tlen;
		const char *target = http_req_uri(hr, &tlen);
		const char *slash = tlen == 0 || *target != '/' ? "/" : "";
		int n;

		if (hr->rq_host[0] == '\0') {
			http_fail(c, hr, 400);
			return;
		}
		if (lc->lc_redirect_port != 0 && lc->lc_redirect_port != 443)
			n = snprintf(loc, sizeof(loc), "https://%s:%u%s",
			    hr->rq_host, lc->lc_redirect_port, slash);
		else
			n = snprintf(loc, sizeof(loc), "https://%s%s",
			    hr->rq_host, slash);
		/*
		 * The target as sent, but what the parser lets through in a
		 * query that is no URI (a '"', a bare '%') escaped, as the
		 * redirect handler's $request_uri; one too long for the
		 * buffer is a 414, never a Location cut short.
		 */
		if (n < 0 || (size_t)n >= sizeof(loc) ||
		    http_uri_fix(target, tlen, loc + n,
		    sizeof(loc) - (size_t)n) < 0) {
			http_fail(c, hr, 414);
			return;
		}
		if (http_resp_redirect(hr, lc->lc_redirect_https, loc) == -1) {
			conn_close(c, CONN_NOMEM);
			return;
		}
		goto respond;
	}

	if (hr->rq_site == NULL) {
		http_refuse(c, hr, 404);
		return;
	}
	rc = http_route_select(hr->rq_site, hr->rq_path, hr->rq_path_len);
	if (rc == NULL) {
		http_refuse(c, hr, 404);
		return;
	}
	hr->rq_route = rc;
	hr->rq_subpath = hr->rq_path + (rc->rc_prefix_len > 0 &&
	    rc->rc_prefix[rc->rc_prefix_len - 1] == '/' ?
	    rc->rc_prefix_len - 1 : rc->rc_prefix_len);
	if (*hr->rq_subpath != '/')
		hr->rq_subpath = "/";
	if (!(rc->rc_methods & HTTP_METHOD_BIT(p->rq_method))) {
		http_refuse(c, hr, 405);
		return;
	}
	/*
	 * The body: consumed (and discarded) before the handler runs,
	 * except one held back for a 100 (Continue), which is asked for
	 * only once the handler's answer is known not to refuse it.
	 */
	if (p->rq_flags & (HTTP_RQ_LENGTH | HTTP_RQ_CHUNKED)) {
		if ((p->rq_flags & HTTP_RQ_LENGTH) &&
		    p->rq_content_length > rc->rc_max_body) {
			http_fail(c, hr, 413);
			return;
		}
		if ((p->rq_flags & HTTP_RQ_CONTINUE) && p->rq_minor == 1 &&
		    http_has_body(p) && c->c_in_len == p->rq_head_len) {
			http_continue(c, hr);
			return;
		}
		http_body_begin(c, hr, rc->rc_max_body);
		return;
	}
	hr->rq_flags |= HTTP_F_BODY_DONE;
	http_dispatch(c, hr);
	return;
respond:
	/*
	 * Nothing here reads a body: one that came closes the connection
	 * after the answer (drained by the linger), so it is never parsed
	 * as the next request.
	 */
	if (http_has_body(p))
		hr->rq_flags &= ~HTTP_F_KEEPALIVE;
	else
		hr->rq_flags |= HTTP_F_BODY_DONE;
	http_respond(c, hr);
}

/* The response is set: serialise its head and start writing. */
static void
http_respond(struct conn *c, struct http_req *hr)
{
	int r;

	if ((r = http_resp_build_head(hr)) != 0) {
		/* A file that went short was logged: an I/O error, not memory. */
		conn_close(c, r == HTTP_HEAD_SHORT ? CONN_IO : CONN_NOMEM);
		return;
	}
	hr->rq_phase = HTTP_PH_WRITE;
	conn_set_state(c, TM_SLOT_WRITING);
}

/*
 * Consume the request body after the head: Content-Length bytes or the
 * chunked encoding, to the last trailer.  The bytes are dropped in place,
 * so what follows the body (a pipelined request) lands right after the
 * head and is parsed from the right byte.
 */
static int
http_read_body(struct conn *c, struct http_req *hr)
{
	const struct http_request *p = &hr->rq_p;
	const struct transport *tr = http_tr(c);
	uint32_t head = p->rq_head_len;
	size_t avail, used, out, take, turn = 0;
	ssize_t n;
	int r;

	for (;;) {
		avail = c->c_in_len - head;
		if (avail > 0) {
			if (p->rq_flags & HTTP_RQ_CHUNKED) {
				r = http_chunked_decode(&hr->rq_chunked,
				    c->c_in + head, avail, &used, &out,
				    &http_cf->cf_http_limits);
				if (r == HTTP_PARSE_ERROR) {
					/* Too much framing: as too much data. */
					http_fail(c, hr,
					    hr->rq_chunked.ch_status == 413 &&
					    hr->rq_refused != 0 ? hr->rq_refused :
					    hr->rq_chunked.ch_status);
					return (HTTP_PARSE_ERROR);
				}
				hr->rq_body_total += out;
				take = used;
				if (hr->rq_body_total > hr->rq_body_max) {
					http_fail(c, hr, hr->rq_refused != 0 ?
					    hr->rq_refused : 413);
					return (HTTP_PARSE_ERROR);
				}
			} else {
				take = avail < hr->rq_body_left ? avail :
				    (size_t)hr->rq_body_left;
				hr->rq_body_left -= take;
				hr->rq_body_total += take;
				r = hr->rq_body_left == 0 ? HTTP_PARSE_OK :
				    HTTP_PARSE_AGAIN;
			}
			memmove(c->c_in + head, c->c_in + head + take,
			    avail - take);
			c->c_in_len -= (uint32_t)take;
			hr->rq_in_bytes += take;
			if (r == HTTP_PARSE_OK)
				break;
		} else if (!(p->rq_flags & HTTP_RQ_CHUNKED) &&
		    hr->rq_body_left == 0)
			break;
		if (!(c->c_flags & CONN_F_RD))
			return (HTTP_PARSE_AGAIN);
		/*
		 * A client that sends faster than we decode (a chunk of one
		 * byte behind 4 KiB of extension) never lets the socket run
		 * dry: without a share it would hold the worker for its
		 * whole body.  CONN_F_RD stays set for the next turn.
		 */
		if (turn >= HTTP_TURN_BYTES) {
			conn_resume(c);
			return (HTTP_PARSE_AGAIN);
		}
		if (c->c_in_len == c->c_in_size &&
		    conn_in_reserve(c, (size_t)c->c_in_size + 4096) == -1) {
			conn_close(c, CONN_NOMEM);
			return (HTTP_PARSE_ERROR);
		}
		n = tr->tr_read(c, c->c_in + c->c_in_len,
		    c->c_in_size - c->c_in_len);
		if (n > 0) {
			c->c_in_len += (uint32_t)n;
			turn += (size_t)n;
			conn_count_in(c, (size_t)n);
			/* The body deadline is between reads. */
			conn_set_timeout(c, c->c_lc->lc_timeouts.to_body_ms);
			continue;
		}
		if (n == -1 && errno == EAGAIN) {
			c->c_flags &= ~CONN_F_RD;
			return (HTTP_PARSE_AGAIN);
		}
		conn_close(c, CONN_IO);
		return (HTTP_PARSE_ERROR);
	}
	hr->rq_flags |= HTTP_F_BODY_DONE;
	conn_set_timeout(c, 0);
	return (HTTP_PARSE_OK);
}

/* Run the route's handler and start writing what it produced. */
static void
http_dispatch(struct conn *c, struct http_req *hr)
{
	if (http_handle(c, hr) == -1)
		return;
	http_respond(c, hr);
}

/* Run the route's handler: -1 when the connection is closed. */
static int
http_handle(struct conn *c, struct http_req *hr)
{
	const struct route_conf *rc = hr->rq_route;

	conn_set_state(c, TM_SLOT_WORKING);
	if (rc->rc_handler->hd_handle(hr, rc->rc_data) == -1) {
		conn_close(c, CONN_NOMEM);
		return (-1);
	}
	if (hr->rq_status == 0)
		http_resp_error(hr, 500);
	return (0);
}

/*
 * A body the client holds back until it is asked for (Expect:
 * 100-continue).  No handler reads a body, so the answer is known
 * before it: an error goes out without the 100, which would only have
 * the client send what is dropped (RFC 9110 §10.1.1), and the
 * connection closes after a lingering drain, as for a refused body held
 * back.  Any other answer is kept while the body is asked for and read,
 * and sent after it.
 */
static void
http_continue(struct conn *c, struct http_req *hr)
{
	static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
	struct iovec iov;

	if (http_handle(c, hr) == -1)
		return;
	if (hr->rq_status >= 400) {
		hr->rq_flags &= ~HTTP_F_KEEPALIVE;
		http_respond(c, hr);
		return;
	}
	hr->rq_flags |= HTTP_F_ANSWERED;
	http_body_begin(c, hr, hr->rq_route->rc_max_body);
	iov.iov_base = (void *)cont;
	iov.iov_len = sizeof(cont) - 1;
	/* 25 bytes on an idle socket: short means broken. */
	if (http_tr(c)->tr_writev(c, &iov, 1, 0) != (ssize_t)iov.iov_len) {
		conn_close(c, CONN_IO);
		return;
	}
	conn_count_out(c, iov.iov_len);
	hr->rq_flags |= HTTP_F_CONTINUE_SENT;
}

/*
 * Answer with an error status and close afterwards: after a malformed or
 * refused request we cannot trust where the next one would start.
 */
static void
http_fail(struct conn *c, struct http_req *hr, unsigned int status)
{
	/*
	 * What breaks the protocol or its limits on the request head is a
	 * protocol error; a 408 is counted as a timeout when it is made,
	 * and a body too large for a well-formed request (413, or a
	 * refused one's) is no error of the client's framing.
	 */
	if (status == 400 || status == 414 || status == 431 ||
	    status == 501 || status == 505)
		hr->rq_flags |= HTTP_F_PROTO_ERR;
	http_error(c, hr, status, 0);
}

/*
 * How an answered connection ends: a failed handshake (plain HTTP on a
 * TLS port), a protocol error, or orderly.
 */
static enum conn_reason
http_close_why(const struct conn *c)
{
	const struct http_req *hr = c->c_data;

	if (hr != NULL && (hr->rq_flags & HTTP_F_NOT_TLS))
		return (CONN_TLS);
	return (hr != NULL && (hr->rq_flags & HTTP_F_PROTO_ERR) ?
	    CONN_PROTO : CONN_DONE);
}

/*
 * Plain HTTP on a TLS port: the transport found a request line where a
 * ClientHello belongs, kept what came in c_in, and now reads and writes
 * in clear.  Say so in plain text, as nginx does; the head is parsed as
 * far as it came, only for the access log, which gets its line as for
 * any refused request.  The connection then closes after the lingering
 * drain of every error (the body, if any, is never read as a request),
 * and counts as a failed handshake.  0, or -1: closed.
 */
static int
http_plain_on_tls(struct conn *c)
{
	struct http_req *hr;
	const char *common;
	size_t n, k;
	int r;

	c->c_flags &= ~CONN_F_HANDSHAKE;
	if ((hr = http_req_get(c)) == NULL) {
		conn_close(c, CONN_NOMEM);
		return (-1);
	}
	c->c_data = hr;
	hr->rq_flags |= HTTP_F_NOT_TLS;
	hr->rq_start_ms = conn_now_ms();
	r = http_parse_request(&hr->rq_p, c->c_in, c->c_in_len,
	    &http_cf->cf_http_limits);
	if (r == HTTP_PARSE_OK) {
		hr->rq_in_bytes = hr->rq_p.rq_head_len;
		http_host(c, hr);
	}
	if (c->c_in_len >= 5 && memcmp(c->c_in, "HEAD ", 5) == 0)
		hr->rq_flags |= HTTP_F_HEAD;
	/* A fixed head, far below HTTP_HEAD_OWN_MAX. */
	memcpy(hr->rq_out, http_plain_status, sizeof(http_plain_status) - 1);
	n = sizeof(http_plain_status) - 1;
	common = http_resp_common(&k);
	memcpy(hr->rq_out + n, common, k);
	n += k;
	memcpy(hr->rq_out + n, http_plain_resp, sizeof(http_plain_resp) - 1);
	n += sizeof(http_plain_resp) - 1;
	hr->rq_out_len = n;
	hr->rq_status = 400;
	hr->rq_flags |= HTTP_F_HEAD_BUILT;
	if (!(hr->rq_flags & HTTP_F_HEAD)) {
		hr->rq_body_kind = HTTP_BODY_MEM;
		hr->rq_mem = http_plain_body;
		hr->rq_mem_len = sizeof(http_plain_body) - 1;
	}
	hr->rq_phase = HTTP_PH_WRITE;
	conn_set_state(c, TM_SLOT_WRITING);
	conn_set_timeout(c, c->c_lc->lc_timeouts.to_send_ms);
	return (0);
}

/*
 * Refuse a well-formed request (no site or route for it: 404; a method
 * the route does not take: 405).  Its framing is sound, so the
 * connection goes on as after any response (nginx does the same).  A
 * body of up to HTTP_DISCARD_MAX is read and dropped before the answer;
 * a larger one, or one the client holds back until it is asked for
 * (100-continue), is not worth the wait: the answer goes out at once and
 * the connection closes after a lingering drain.
 */
static void
http_refuse(struct conn *c, struct http_req *hr, unsigned int status)
{
	const struct http_request *p = &hr->rq_p;

	if (!http_has_body(p)) {
		hr->rq_flags |= HTTP_F_BODY_DONE;
		http_error(c, hr, status, 1);
		return;
	}
	if (!(hr->rq_flags & HTTP_F_KEEPALIVE) ||
	    (p->rq_flags & HTTP_RQ_CONTINUE) ||
	    ((p->rq_flags & HTTP_RQ_LENGTH) &&
	    p->rq_content_length > HTTP_DISCARD_MAX)) {
		http_error(c, hr, status, 0);
		return;
	}
	hr->rq_refused = status;
	http_body_begin(c, hr, HTTP_DISCARD_MAX);
}

/* The body comes next (http_read_body()): more than max is refused. */
static void
http_body_begin(struct conn *c, struct http_req *hr, uint64_t max)
{
	const struct http_request *p = &hr->rq_p;

	hr->rq_body_max = max;
	hr->rq_body_left = p->rq_content_length;
	if (p->rq_flags & HTTP_RQ_CHUNKED)
		http_chunked_init(&hr->rq_chunked);
	hr->rq_phase = HTTP_PH_BODY;
	conn_set_state(c, TM_SLOT_READING);
	conn_set_timeout(c, c->c_lc->lc_timeouts.to_body_ms);
}

/* Whether a body follows the head (RFC 9112 §6.3). */
static int
http_has_body(const struct http_request *p)
{
	return ((p->rq_flags & HTTP_RQ_CHUNKED) ||
	    ((p->rq_flags & HTTP_RQ_LENGTH) && p->rq_content_length > 0));
}

/* keep: the connection may go on if the request asked for it. */
static void
http_error(struct conn *c, struct http_req *hr, unsigned int status,
    int keep)
{
	const struct http_request *p = &hr->rq_p;

	if (!keep)
		hr->rq_flags &= ~HTTP_F_KEEPALIVE;
	/* A HEAD refused before http_process() saw it gets no content
	   either (RFC 9110 §9.3.2). */
	if (p->rq_method == HTTP_M_HEAD)
		hr->rq_flags |= HTTP_F_HEAD;
	http_resp_reset(hr);
	if (hr->rq_start_ms == 0)
		hr->rq_start_ms = conn_now_ms();
	if (status == 0)
		status = 400;
	/* The handler-facing call also applies the site's error pages. */
	http_resp_error(hr, status);
	if (status == 405 && hr->rq_route != NULL) {
		char allow[128];
		size_t len = 0;
		unsigned int k;

		allow[0] = '\0';
		for (k = 1; k < HTTP_M__COUNT; k++)
			if (hr->rq_route->rc_methods & HTTP_METHOD_BIT(k))
				len += (size_t)snprintf(allow + len,
				    sizeof(allow) - len, "%s%s", len ? ", " : "",
				    http_method_name(k));
		http_resp_header(hr, "Allow", allow);
	} else if (status == 405)
		http_resp_header(hr, "Allow", "GET, HEAD");
	http_respond(c, hr);
}

/* The socket's queue of bytes not yet acknowledged; -1 unknown. */
static int
http_unsent(const struct conn *c)
{
	int q;

	if (ioctl(c->c_fd, SIOCOUTQ, &q) == -1)
		return (-1);
	return (q);
}

/*
 * The socket is full: the send deadline measures a stall, not the total.
 * EPOLLOUT comes only once a third of the send buffer is free, which a
 * steady slow reader can take longer than send_stall_sec to make with a
 * buffer of megabytes; the queue's size now lets http_timeout() tell that
 * reader from one that stopped.
 */
static void
http_send_wait(struct conn *c, struct http_req *hr)
{
	uint32_t ms = c->c_lc->lc_timeouts.to_send_ms;

	conn_set_timeout(c, ms);
	if (ms != 0)
		hr->rq_unsent = http_unsent(c);
}

/*
 * Write the pending response.  0: all written; 1: waiting for the socket;
 * -1: the connection was closed.
 */
static int
http_write(struct conn *c, struct http_req *hr)
{
	const struct transport *tr = http_tr(c);
	struct iovec iov[2];
	size_t turn = 0;
	ssize_t n;
	int cnt, by_sendfile;

	/* A file body goes by sendfile(2) where the transport can do it. */
	by_sendfile = hr->rq_body_kind == HTTP_BODY_FD &&
	    tr->tr_sendfile != NULL && !(c->c_flags & CONN_F_NOSENDFILE);
	for (;;) {
		if (turn >= HTTP_TURN_BYTES) {
			/* Moving fast: a deadline left from an earlier
			   EAGAIN must not see a stall before the next turn. */
			conn_set_timeout(c, c->c_lc->lc_timeouts.to_send_ms);
			hr->rq_unsent = INT_MAX;
			conn_resume(c);
			return (1);
		}
		cnt = 0;
		if (hr->rq_out_off < hr->rq_out_len) {
			iov[cnt].iov_base = hr->rq_out + hr->rq_out_off;
			iov[cnt++].iov_len = hr->rq_out_len - hr->rq_out_off;
		}
		if (hr->rq_body_kind == HTTP_BODY_MEM &&
		    hr->rq_mem_off < hr->rq_mem_len) {
			iov[cnt].iov_base = (char *)hr->rq_mem + hr->rq_mem_off;
			iov[cnt++].iov_len = hr->rq_mem_len - hr->rq_mem_off;
		}
		if (cnt > 0) {
			int last, more;

			/*
			 * A file that follows by sendfile(2) takes these bytes
			 * along.  The last bytes of a response that closes
			 * wait for the FIN http_finish() sends at once: one
			 * segment, not two.  (A body sent by sendfile(2) ends
			 * with a push of its own; its FIN goes alone.)
			 */
			last = (hr->rq_body_kind != HTTP_BODY_FD ||
			    hr->rq_fd_left == 0) &&
			    (hr->rq_body_kind != HTTP_BODY_STREAM ||
			    (hr->rq_flags & HTTP_F_STREAM_EOF));
			more = last ? !(hr->rq_flags & HTTP_F_KEEPALIVE) :
			    by_sendfile;
			if (last && more)
				hr->rq_flags |= HTTP_F_FIN_HELD;
			n = tr->tr_writev(c, iov, cnt, more);
			if (n > 0) {
				size_t k = (size_t)n, h;

				conn_count_out(c, k);
				turn += k;
				h = hr->rq_out_len - hr->rq_out_off;
				if (k <= h)
					hr->rq_out_off += k;
				else {
					hr->rq_out_off = hr->rq_out_len;
					hr->rq_mem_off += k - h;
					hr->rq_sent += k - h;
				}
				continue;
			}
		} else if (by_sendfile && hr->rq_fd_left > 0) {
			/* What is left of this turn's share. */
			size_t want = HTTP_TURN_BYTES - turn;

			if (hr->rq_fd_left < (off_t)want)
				want = (size_t)hr->rq_fd_left;

			n = tr->tr_sendfile(c, hr->rq_fd, &hr->rq_fd_off, want);
			if (n > 0) {
				conn_count_out(c, (size_t)n);
				turn += (size_t)n;
				hr->rq_fd_left -= n;
				hr->rq_sent += (uint64_t)n;
				continue;
			}
			if (n == 0) {
				/* The file shrank under us: the length we
				   promised cannot be kept. */
				log_warnx("%s: file truncated while sending, "
				    "at byte %lld, %lld short",
				    http_req_path(hr), (long long)hr->rq_fd_off,
				    (long long)hr->rq_fd_left);
				conn_close(c, CONN_IO);
				return (-1);
			}
		} else if ((hr->rq_body_kind == HTTP_BODY_FD &&
		    hr->rq_fd_left > 0) || (hr->rq_body_kind ==
		    HTTP_BODY_STREAM && !(hr->rq_flags & HTTP_F_STREAM_EOF))) {
			/* Refill rq_out from the file or the stream. */
			if (http_resp_refill(hr) == -1) {
				conn_close(c, CONN_IO);
				return (-1);
			}
			continue;
		} else {
			/* Everything is out. */
			conn_set_timeout(c, 0);
			return (0);
		}
		if (n == -1 && errno == EAGAIN) {
			c->c_flags &= ~CONN_F_WR;
			http_send_wait(c, hr);
			return (1);
		}
		conn_close(c, CONN_IO);
		return (-1);
	}
}

/*
 * A request answered, whole or cut short: its access log line and its
 * counts, together, so that the log's lines and the counters agree.
 */
static void
http_account(struct http_req *hr)
{
	accesslog_write(hr);
	conn_stat(TM_CTR_requests, 1);
	conn_stat(hr->rq_status < 200 ? TM_CTR_resp_1xx :
	    hr->rq_status < 300 ? TM_CTR_resp_2xx :
	    hr->rq_status < 400 ? TM_CTR_resp_3xx :
	    hr->rq_status < 500 ? TM_CTR_resp_4xx : TM_CTR_resp_5xx, 1);
}

/*
 * The response is out: log it, then continue the connection with the next
 * request, or close it.  0: continue; -1: closed or lingering.
 */
static int
http_finish(struct conn *c, struct http_req *hr)
{
	const struct http_request *p = &hr->rq_p;
	uint32_t head = p->rq_head_len;
	struct shm_slot *sl = c->c_sl;

	http_account(hr);
	if (!(hr->rq_flags & HTTP_F_KEEPALIVE) ||
	    !(hr->rq_flags & HTTP_F_BODY_DONE) ||
	    (c->c_flags & CONN_F_DRAIN)) {
		/*
		 * Unread input would make close() send a reset that can
		 * destroy the response in flight: half-close and drain.
		 * Whether any is waiting, one read tells when we do not know.
		 */
		if (c->c_in_len > head || !(hr->rq_flags & HTTP_F_BODY_DONE) ||
		    ((c->c_flags & CONN_F_RD) && http_input_pending(c))) {
			http_resp_free_body(hr);
			hr->rq_phase = HTTP_PH_LINGER;
			c->c_in_len = 0;
			(void)http_tr(c)->tr_shutdown(c);
			conn_set_state(c, TM_SLOT_CLOSING);
			conn_set_timeout(c, HTTP_LINGER_MS);
			(void)http_linger(c);
			return (-1);
		}
		if (http_tr(c)->tr_close_notify ||
		    (hr->rq_flags & HTTP_F_FIN_HELD))
			(void)http_tr(c)->tr_shutdown(c);
		conn_close(c, http_close_why(c));
		return (-1);
	}
	/*
	 * Keep-alive: whatever follows the request starts the next one,
	 * but for empty lines (the CRLF some clients send after a body),
	 * which start none (RFC 9112 §2.2): dropped now, they leave the
	 * connection idle under keepalive_sec, not reading under header_sec.
	 */
	if (c->c_in_len > head)
		head += (uint32_t)http_empty_lines(c->c_in + head,
		    c->c_in_len - head);
	if (c->c_in_len > head)
		memmove(c->c_in, c->c_in + head, c->c_in_len - head);
	c->c_in_len -= head;
	c->c_data = NULL;
	http_req_put(hr);
	if (c->c_in_len == 0) {
		conn_in_release(c);
		if (http_tr(c)->tr_idle != NULL)
			http_tr(c)->tr_idle(c);
		c->c_flags |= CONN_F_KAIDLE;
		/* Deadline first: tamarinctl never sees an idle row
		   without one. */
		conn_set_timeout(c, c->c_lc->lc_timeouts.to_keepalive_ms);
		conn_set_state(c, TM_SLOT_IDLE);
	} else {
		conn_set_timeout(c, c->c_lc->lc_timeouts.to_header_ms);
		conn_set_state(c, TM_SLOT_READING);
	}
	(void)sl;
	if (http_cf->cf_keepalive_requests != 0 &&
	    sl->sl_requests >= http_cf->cf_keepalive_requests) {
		conn_close(c, CONN_DONE);
		return (-1);
	}
	return (0);
}

/* Is input waiting?  One read answers, and drops what it got. */
static int
http_input_pending(struct conn *c)
{
	char buf[512];
	ssize_t n;

	n = http_tr(c)->tr_read(c, buf, sizeof(buf));
	if (n > 0)
		return (1);
	c->c_flags &= ~CONN_F_RD;
	return (0);
}

/*
 * After a final response that closes: read and drop until EOF, so that
 * close() sends no reset that could destroy the response in flight (RFC
 * 9112 9.6).  Bounded by the deadline (HTTP_LINGER_MS) and by
 * HTTP_LINGER_BYTES; a turn reads HTTP_TURN_BYTES at most, then the
 * others get theirs.
 */
static int
http_linger(struct conn *c)
{
	const struct transport *tr = http_tr(c);
	struct http_req *hr = c->c_data;
	char buf[16384];
	size_t turn = 0;
	ssize_t n;

	for (;;) {
		if (hr->rq_lingered >= HTTP_LINGER_BYTES) {
			/* A flood: it has had its chance. */
			conn_close(c, http_close_why(c));
			return (0);
		}
		if (turn >= HTTP_TURN_BYTES) {
			conn_resume(c);
			return (1);
		}
		n = tr->tr_read(c, buf, sizeof(buf));
		if (n > 0) {
			hr->rq_lingered += (uint64_t)n;
			turn += (size_t)n;
			continue;
		}
		if (n == -1 && errno == EAGAIN) {
			c->c_flags &= ~CONN_F_RD;
			return (1);
		}
		conn_close(c, http_close_why(c));
		return (0);
	}
}

static void
http_timeout(struct conn *c)
{
	struct http_req *hr = c->c_data;

	if (hr == NULL) {
		/* The end of an idle keep-alive connection is no error; a
		   new connection that sent nothing in time is. */
		conn_close(c, (c->c_flags & CONN_F_KAIDLE) ? CONN_DONE :
		    CONN_TIMEOUT);
		return;
	}
	switch (hr->rq_phase) {
	case HTTP_PH_HEAD:
		/*
		 * Empty lines alone (a CRLF some clients send after a body)
		 * start no request: the connection is as idle as before
		 * them and ends as an idle one does, in silence.  A 408 there
		 * would be read by a client reusing the connection as the
		 * answer to its next request.
		 */
		if (!http_request_begun(&hr->rq_p)) {
			conn_close(c, c->c_sl->sl_requests > 0 ? CONN_DONE :
			    CONN_TIMEOUT);
			return;
		}
		/* FALLTHROUGH */
	case HTTP_PH_BODY:
		/* 408 where no response has started (RFC 9110 §15.5.9). */
		if (hr->rq_out_len == 0) {
			conn_stat(TM_CTR_err_timeout, 1);
			http_fail(c, hr, 408);
			conn_set_timeout(c, c->c_lc->lc_timeouts.to_send_ms);
			c->c_flags |= CONN_F_WR;
			http_run(c);
			return;
		}
		break;
	case HTTP_PH_LINGER:
		/* The answer is out; the drain ends by its deadline.  (A
		   408 was counted when it was made.) */
		conn_close(c, http_close_why(c));
		return;
	case HTTP_PH_WRITE: {
		/*
		 * The client took HTTP_STALL_MIN bytes (or all there was)
		 * since: not a stall.  Less keeps a slot and megabytes of
		 * send buffer for too little (a "slow read").
		 */
		int q = http_unsent(c);

		if (hr->rq_unsent > 0 && q >= 0 && q <= hr->rq_unsent -
		    (hr->rq_unsent < HTTP_STALL_MIN ? hr->rq_unsent :
		    HTTP_STALL_MIN)) {
			hr->rq_unsent = q;
			conn_set_timeout(c, c->c_lc->lc_timeouts.to_send_ms);
			return;
		}
		/*
		 * The answer cannot finish: a reset, not a FIN behind
		 * megabytes the kernel would go on trickling out of an
		 * orphaned socket for as long as the client keeps reading.
		 */
		if (setsockopt(c->c_fd, SOL_SOCKET, SO_LINGER,
		    &(struct linger){ .l_onoff = 1, .l_linger = 0 },
		    sizeof(struct linger)) == -1)
			log_warn("setsockopt(SO_LINGER) failed");
		break;
	}
	default:
		break;
	}
	conn_close(c, CONN_TIMEOUT);
}

static void
http_drain(struct conn *c)
{
	uint32_t ka = c->c_lc->lc_timeouts.to_keepalive_ms;

	/*
	 * Busy: http_finish() closes after this response, which says
	 * "Connection: close".  Idle: closing now would race a request the
	 * client may be sending this instant (and reset it), so give it a
	 * short grace instead; a request that comes is answered with
	 * "Connection: close", silence ends at the deadline.
	 */
	if (c->c_data == NULL && c->c_in_len == 0 &&
	    (c->c_flags & CONN_F_KAIDLE))
		conn_set_timeout(c, ka != 0 && ka < HTTP_DRAIN_GRACE_MS ? ka :
		    HTTP_DRAIN_GRACE_MS);
}

static int
http_idle(const struct conn *c)
{
	const struct transport *tr = http_tr(c);

	if (c->c_flags & CONN_F_CLOSING)
		return (0);
	/*
	 * In the handshake only while the client has sent nothing, as a
	 * silent plain connection: a ClientHello begun is a client at work.
	 */
	if (c->c_flags & CONN_F_HANDSHAKE)
		return (tr->tr_silent != NULL && tr->tr_silent(c));
	return (c->c_data == NULL && c->c_in_len == 0);
}

static void
http_close(struct conn *c)
{
	struct http_req *hr = c->c_data;
	const struct transport *tr = http_tr(c);

	if (hr != NULL) {
		/*
		 * A request cut short still gets its log line and its
		 * counts, unless its answer was only kept while its body
		 * came (100-continue) and never started: as for a body cut
		 * short otherwise.
		 */
		if (hr->rq_p.rq_head_len > 0 && hr->rq_status != 0 &&
		    !(hr->rq_flags & HTTP_F_LOGGED) &&
		    (hr->rq_flags & (HTTP_F_ANSWERED | HTTP_F_HEAD_BUILT)) !=
		    HTTP_F_ANSWERED)
			http_account(hr);
		http_req_put(hr);
		c->c_data = NULL;
	}
	if (tr->tr_close != NULL)
		tr->tr_close(c);
}

/* Publish the request in the slot, for tamarinctl. */
static void
http_slot_request(struct conn *c, struct http_req *hr)
{
	const struct http_request *p = &hr->rq_p;
	struct shm_slot *sl = c->c_sl;
	const char *buf = c->c_in;
	size_t i, n;

	slot_write_begin(sl);
	sl->sl_requests++;
	n = p->rq_method_span.sp_len;
	if (n >= sizeof(sl->sl_method))
		n = sizeof(sl->sl_method) - 1;
	memcpy(sl->sl_method, buf + p->rq_method_span.sp_off, n);
	sl->sl_method[n] = '\0';
	n = p->rq_target.sp_len;
	if (n >= sizeof(sl->sl_target))
		n = sizeof(sl->sl_target) - 1;
	/* The parser allowed only printable ASCII: nothing to sanitise. */
	for (i = 0; i < n; i++)
		sl->sl_target[i] = buf[p->rq_target.sp_off + i];
	sl->sl_target[n] = '\0';
	slot_write_end(sl);
}
