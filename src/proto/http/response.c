/*
 * Responses: the handler-facing http_resp_* calls, the serialised head,
 * error pages, and refilling the output buffer from a file or a stream.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "master/config.h"
#include "proto/conn.h"
#include "proto/http/date.h"
#include "proto/http/fspath.h"
#include "proto/http/handler.h"
#include "proto/http/http.h"
#include "proto/http/mime.h"
#include "shm/shm.h"

#ifndef TM_VERSION
#define TM_VERSION	"0.1.0"
#endif

/*
 * "Server: ...\r\nDate: ...\r\n", formatted once per second: every
 * response starts with it (the TLS transport's answer to plain HTTP too).
 */
static char	head_common[128];
static size_t	head_common_len;
static int64_t	head_common_at = -1;

const char *
http_resp_common(size_t *len)
{
	char date[HTTP_DATE_LEN + 1];
	int64_t now = conn_now_wall();
	int n;

	if (now != head_common_at) {
		http_date_format((time_t)now, date);
		n = snprintf(head_common, sizeof(head_common),
		    "Server: %s\r\nDate: %s\r\n", http_cf->cf_server_tokens ?
		    "tamarin/" TM_VERSION : "tamarin", date);
		head_common_len = n > 0 ? (size_t)n : 0;
		head_common_at = now;
	}
	*len = head_common_len;
	return (head_common);
}

static char *
put(char *o, const char *s, size_t n)
{
	memcpy(o, s, n);
	return (o + n);
}

#define PUTS(o, lit)	put((o), (lit), sizeof(lit) - 1)

/* Decimal without printf: a Content-Length per response. */
static char *
put_u64(char *o, uint64_t v)
{
	char tmp[24];
	size_t n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (n > 0)
		*o++ = tmp[--n];
	return (o);
}

const char *
http_status_text(unsigned int s)
{
	switch (s) {
	case 100: return ("Continue");
	case 101: return ("Switching Protocols");
	case 200: return ("OK");
	case 201: return ("Created");
	case 202: return ("Accepted");
	case 204: return ("No Content");
	case 206: return ("Partial Content");
	case 301: return ("Moved Permanently");
	case 302: return ("Found");
	case 303: return ("See Other");
	case 304: return ("Not Modified");
	case 307: return ("Temporary Redirect");
	case 308: return ("Permanent Redirect");
	case 400: return ("Bad Request");
	case 401: return ("Unauthorized");
	case 403: return ("Forbidden");
	case 404: return ("Not Found");
	case 405: return ("Method Not Allowed");
	case 406: return ("Not Acceptable");
	case 408: return ("Request Timeout");
	case 409: return ("Conflict");
	case 410: return ("Gone");
	case 411: return ("Length Required");
	case 412: return ("Precondition Failed");
	case 413: return ("Content Too Large");
	case 414: return ("URI Too Long");
	case 415: return ("Unsupported Media Type");
	case 416: return ("Range Not Satisfiable");
	case 417: return ("Expectation Failed");
	case 421: return ("Misdirected Request");
	case 426: return ("Upgrade Required");
	case 429: return ("Too Many Requests");
	case 431: return ("Request Header Fields Too Large");
	case 500: return ("Internal Server Error");
	case 501: return ("Not Implemented");
	case 502: return ("Bad Gateway");
	case 503: return ("Service Unavailable");
	case 504: return ("Gateway Timeout");
	case 505: return ("HTTP Version Not Supported");
	default: break;
	}
	return (s < 200 ? "Informational" : s < 300 ? "Success" :
	    s < 400 ? "Redirection" : s < 500 ? "Client Error" :
	    "Server Error");
}

void
http_resp_free_body(struct http_req *hr)
{
	if (hr->rq_body_kind == HTTP_BODY_FD && hr->rq_fd != -1)
		close(hr->rq_fd);
	if (hr->rq_body_kind == HTTP_BODY_MEM &&
	    (hr->rq_flags & HTTP_F_MEM_OWNED))
		free((void *)hr->rq_mem);
	/* A stream's end, or a borrowed body's owner let go. */
	if ((hr->rq_body_kind == HTTP_BODY_STREAM ||
	    hr->rq_body_kind == HTTP_BODY_MEM) && hr->rq_fin != NULL)
		hr->rq_fin(hr->rq_arg);
	hr->rq_body_kind = HTTP_BODY_NONE;
	hr->rq_flags &= ~HTTP_F_MEM_OWNED;
	hr->rq_fd = -1;
	hr->rq_fin = NULL;
	hr->rq_mem = NULL;
	hr->rq_mem_len = hr->rq_mem_off = 0;
}

/* Forget the header fields a handler added. */
void
http_resp_drop_headers(struct http_req *hr)
{
	hr->rq_hlen = 0;
	/* Set only by a rare large set of fields: no call per request. */
	if (hr->rq_hheap != NULL) {
		free(hr->rq_hheap);
		hr->rq_hheap = NULL;
		hr->rq_hcap = 0;
	}
}

/* Forget a response a handler started, to answer something else. */
void
http_resp_reset(struct http_req *hr)
{
	http_resp_free_body(hr);
	hr->rq_status = 0;
	http_resp_drop_headers(hr);
	hr->rq_clen = -1;
	hr->rq_out_len = hr->rq_out_off = 0;
	hr->rq_flags &= ~(HTTP_F_HEAD_BUILT | HTTP_F_CHUNKED_OUT |
	    HTTP_F_STREAM_EOF | HTTP_F_ERROR_PAGE);
}

void
http_resp_status(struct http_req *hr, unsigned int status)
{
	hr->rq_status = status;
}

/*
 * What the head leaves a handler's fields: rq_out less the server's own
 * lines and the site's and route's configured fields.  config.c bounds
 * those so that at least HTTP_HBUF_SIZE is always left.
 */
static size_t
resp_fields_room(const struct http_req *hr)
{
	const struct site_conf *site = http_site_of(hr);
	const struct route_conf *rc = hr->rq_route;
	size_t room = sizeof(hr->rq_out) - HTTP_HEAD_OWN_MAX;

	if (site != NULL)
		room -= site->st_hblock_len + site->st_ablock_len;
	if (rc != NULL)
		room -= rc->rc_hblock_len + rc->rc_ablock_len;
	return (room);
}

/*
 * Room for len more bytes of fields that the store has not: moved to the
 * heap, or grown there, up to what the head holds.  Where they go, or
 * NULL when the head could not hold them (or no memory).
 */
static char *
resp_fields_grow(struct http_req *hr, size_t len)
{
	size_t need = hr->rq_hlen + len, room, cap;
	char *p;

	if (need > (room = resp_fields_room(hr)))
		return (NULL);
	/* Doubling: a plugin adding many small fields copies little.  Never
	   past the room, so that what fits the store fits the head. */
	cap = hr->rq_hheap != NULL ? hr->rq_hcap * 2 : sizeof(hr->rq_hbuf) * 2;
	if (cap < need)
		cap = need;
	if (cap > room)
		cap = room;
	if (hr->rq_hheap != NULL) {
		if ((p = realloc(hr->rq_hheap, cap)) == NULL)
			return (NULL);
	} else {
		if ((p = malloc(cap)) == NULL)
			return (NULL);
		memcpy(p, hr->rq_hbuf, hr->rq_hlen);
	}
	hr->rq_hheap = p;
	hr->rq_hcap = cap;
	return (p + hr->rq_hlen);
}

/*
 * Where len more bytes of fields go.  Most responses stay in rq_hbuf,
 * with no call; a long Location or a plugin's many fields move on.
 */
static inline char *
resp_fields_at(struct http_req *hr, size_t len)
{
	size_t need = hr->rq_hlen + len;

	if (hr->rq_hheap == NULL && need <= sizeof(hr->rq_hbuf))
		return (hr->rq_hbuf + hr->rq_hlen);
	if (hr->rq_hheap != NULL && need <= hr->rq_hcap)
		return (hr->rq_hheap + hr->rq_hlen);
	return (resp_fields_grow(hr, len));
}

int
http_resp_header(struct http_req *hr, const char *name, const char *value)
{
	size_t nl = strlen(name), vl = strlen(value);
	char *w;

	/* Never let a handler smuggle a line break into the head. */
	if (strpbrk(name, "\r\n:") != NULL || strpbrk(value, "\r\n") != NULL)
		return (-1);
	if ((w = resp_fields_at(hr, nl + vl + 4)) == NULL)
		return (-1);
	memcpy(w, name, nl);
	w += nl;
	memcpy(w, ": ", 2);
	w += 2;
	memcpy(w, value, vl);
	w += vl;
	memcpy(w, "\r\n", 2);
	hr->rq_hlen += nl + vl + 4;
	return (0);
}

int
http_resp_headerf(struct http_req *hr, const char *name, const char *fmt, ...)
{
	char v[1024], *big;
	va_list ap;
	int n, r;

	va_start(ap, fmt);
	n = vsnprintf(v, sizeof(v), fmt, ap);
	va_end(ap);
	if (n < 0)
		return (-1);
	if ((size_t)n < sizeof(v))
		return (http_resp_header(hr, name, v));
	/* Longer values are rare: format them again, on the heap. */
	if ((big = malloc((size_t)n + 1)) == NULL)
		return (-1);
	va_start(ap, fmt);
	r = vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	r = r == n ? http_resp_header(hr, name, big) : -1;
	free(big);
	return (r);
}

int
http_resp_body_mem(struct http_req *hr, const void *p, size_t len, int copy)
{
	http_resp_free_body(hr);
	if (copy && len > 0) {
		void *q = malloc(len);

		if (q == NULL)
			return (-1);
		memcpy(q, p, len);
		p = q;
		hr->rq_flags |= HTTP_F_MEM_OWNED;
	}
	hr->rq_body_kind = HTTP_BODY_MEM;
	hr->rq_mem = p;
	hr->rq_mem_len = len;
	hr->rq_mem_off = 0;
	hr->rq_clen = (int64_t)len;
	return (0);
}

/* Header lines already formatted ("Name: value\r\n"...), copied. */
int
http_resp_header_raw(struct http_req *hr, const char *lines, size_t len)
{
	char *w;

	if ((w = resp_fields_at(hr, len)) == NULL)
		return (-1);
	memcpy(w, lines, len);
	hr->rq_hlen += len;
	return (0);
}

/* A body owned elsewhere, kept alive until fin(arg) is called. */
int
http_resp_body_ref(struct http_req *hr, const void *p, size_t len,
    void (*fin)(void *), void *arg)
{
	http_resp_free_body(hr);
	hr->rq_body_kind = HTTP_BODY_MEM;
	hr->rq_mem = p;
	hr->rq_mem_len = len;
	hr->rq_mem_off = 0;
	hr->rq_clen = (int64_t)len;
	hr->rq_fin = fin;
	hr->rq_arg = arg;
	return (0);
}

/* The handler answering, for the log. */
static const char *
http_resp_handler_name(const struct http_req *hr)
{
	if (hr->rq_route == NULL || hr->rq_route->rc_handler == NULL)
		return ("?");
	return (hr->rq_route->rc_handler->hd_name);
}

int
http_resp_body_fd(struct http_req *hr, int fd, off_t off, off_t len)
{
	/* No length to send: the fd is the response's, so it goes. */
	if (off < 0 || len < 0) {
		log_error("%s: %s: http_resp_body_fd() with offset %lld, "
		    "length %lld", http_resp_handler_name(hr),
		    http_req_path(hr), (long long)off, (long long)len);
		close(fd);
		return (-1);
	}
	http_resp_free_body(hr);
	hr->rq_body_kind = HTTP_BODY_FD;
	hr->rq_fd = fd;
	hr->rq_fd_off = off;
	hr->rq_fd_left = len;
	hr->rq_clen = (int64_t)len;
	return (0);
}

int
http_resp_body_stream(struct http_req *hr, off_t len,
    ssize_t (*fill)(void *, char *, size_t), void *arg, void (*fin)(void *))
{
	http_resp_free_body(hr);
	hr->rq_body_kind = HTTP_BODY_STREAM;
	hr->rq_fill = fill;
	hr->rq_fin = fin;
	hr->rq_arg = arg;
	hr->rq_clen = len;
	return (0);
}

/*
 * The site's own page for this status, if it has one and it opens.  A
 * head refused before its host is known takes the listener's default
 * site, whose headers and log it gets too.
 */
static int
http_resp_site_page(struct http_req *hr, unsigned int status)
{
	const struct site_conf *st = http_site_of(hr);
	struct stat sb;
	size_t i;
	int fd;

	if (st == NULL || st->st_rootfd == -1)
		return (-1);
	for (i = 0; i < st->st_nerror_pages; i++) {
		if (st->st_error_pages[i].ep_status != status ||
		    st->st_error_pages[i].ep_path == NULL)
			continue;
		fd = fs_open_beneath(st->st_rootfd,
		    st->st_error_pages[i].ep_path, O_RDONLY | O_NONBLOCK,
		    FS_SYMLINKS_INSIDE);
		if (fd == -1)
			return (-1);
		if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
			close(fd);
			return (-1);
		}
		http_resp_body_fd(hr, fd, 0, sb.st_size);
		/* The site's own page: in its own charset (mime.charset). */
		http_resp_headerf(hr, "Content-Type", "text/html%s",
		    http_cf->cf_mime != NULL ?
		    mime_charset_suffix(http_cf->cf_mime) : "; charset=utf-8");
		return (0);
	}
	return (-1);
}

int
http_resp_error_page(struct http_req *hr, unsigned int status)
{
	char *page;
	int n;

	hr->rq_status = status;
	hr->rq_flags |= HTTP_F_ERROR_PAGE;
	if (http_resp_site_page(hr, status) == 0)
		return (0);
	n = asprintf(&page, "<!DOCTYPE html>\n<html><head><title>%u %s"
	    "</title></head>\n<body><h1>%u %s</h1><hr><p>tamarin</p></body>"
	    "</html>\n", status, http_status_text(status), status,
	    http_status_text(status));
	if (n == -1)
		return (-1);
	http_resp_free_body(hr);
	hr->rq_body_kind = HTTP_BODY_MEM;
	hr->rq_mem = page;
	hr->rq_mem_len = (size_t)n;
	hr->rq_mem_off = 0;
	hr->rq_clen = n;
	hr->rq_flags |= HTTP_F_MEM_OWNED;
	http_resp_header(hr, "Content-Type", "text/html; charset=utf-8");
	return (0);
}

int
http_resp_error(struct http_req *hr, unsigned int status)
{
	http_resp_drop_headers(hr);
	(void)http_resp_error_page(hr, status);
	/* After these the connection cannot be trusted to continue. */
	if (status == 400 || status == 408 || status == 413 ||
	    status == 414 || status == 431 || status >= 500)
		hr->rq_flags &= ~HTTP_F_KEEPALIVE;
	return (0);
}

int
http_resp_preconditions(struct http_req *hr, const char *etag, size_t elen,
    const time_t *mtime)
{
	char lm[HTTP_DATE_LEN + 1];

	switch (http_req_preconditions(hr, etag, elen, mtime)) {
	case 304:
		/* 304 carries the validators, no body (RFC 9110 §15.4.5). */
		http_resp_status(hr, 304);
		if (elen > 0)
			http_resp_header(hr, "ETag", etag);
		if (mtime != NULL) {
			http_date_format(*mtime, lm);
			http_resp_header(hr, "Last-Modified", lm);
		}
		return (1);
	case 412:
		http_resp_error(hr, 412);
		return (1);
	}
	return (0);
}

/* The redirect page's type, which follows the Location line. */
#define REDIRECT_TYPE	"text/html; charset=utf-8"

size_t
http_resp_location_max(const struct http_req *hr)
{
	size_t room = resp_fields_room(hr), used = hr->rq_hlen +
	    sizeof("Location: \r\n") - 1 +
	    sizeof("Content-Type: " REDIRECT_TYPE "\r\n") - 1;

	return (room > used ? room - used : 0);
}

int
http_resp_redirect(struct http_req *hr, unsigned int status,
    const char *location)
{
	char *page, *esc;
	size_t i, n = 0, len = strlen(location);
	int r;

	/* No line break may reach the head, however long. */
	if (strpbrk(location, "\r\n") != NULL)
		return (http_resp_error(hr, 500));
	/* A target too long for its own head, as for its own buffer. */
	if (len > http_resp_location_max(hr))
		return (http_resp_error(hr, 414));
	hr->rq_status = status;
	if (http_resp_header(hr, "Location", location) == -1)
		return (-1);
	/* The link in the body is HTML-escaped; the header is not. */
	if ((esc = malloc(len * 6 + 1)) == NULL)
		return (-1);
	for (i = 0; i < len; i++) {
		switch (location[i]) {
		case '&': memcpy(esc + n, "&amp;", 5); n += 5; break;
		case '<': memcpy(esc + n, "&lt;", 4); n += 4; break;
		case '>': memcpy(esc + n, "&gt;", 4); n += 4; break;
		case '"': memcpy(esc + n, "&quot;", 6); n += 6; break;
		default: esc[n++] = location[i]; break;
		}
	}
	esc[n] = '\0';
	r = asprintf(&page, "<!DOCTYPE html>\n<html><head><title>%u %s"
	    "</title></head>\n<body><h1>%u %s</h1><p><a href=\"%s\">%s</a>"
	    "</p></body></html>\n", status, http_status_text(status), status,
	    http_status_text(status), esc, esc);
	free(esc);
	if (r == -1)
		return (-1);
	http_resp_free_body(hr);
	hr->rq_body_kind = HTTP_BODY_MEM;
	hr->rq_mem = page;
	hr->rq_mem_len = (size_t)r;
	hr->rq_clen = r;
	hr->rq_flags |= HTTP_F_MEM_OWNED;
	/* Fits: http_resp_location_max() kept room for it. */
	(void)http_resp_header(hr, "Content-Type", REDIRECT_TYPE);
	return (0);
}

/*
 * Serialise the head into rq_out.  Small file bodies are read in right
 * after it, so that head and body leave in one write (and one segment).
 * -1: no room (or memory) for it; HTTP_HEAD_SHORT: the file is shorter
 * than the length the head must promise, and nothing has been sent.
 */
int
http_resp_build_head(struct http_req *hr)
{
	const struct http_request *p = &hr->rq_p;
	struct conn *c = hr->rq_conn;
	char *o = hr->rq_out;
	size_t size = sizeof(hr->rq_out), off;
	unsigned int st = hr->rq_status;
	int nobody;

	nobody = st < 200 || st == 204 || st == 304;
	if (nobody)
		http_resp_free_body(hr);
	if ((hr->rq_flags & HTTP_F_KEEPALIVE) &&
	    ((c->c_flags & CONN_F_DRAIN) || (http_cf->cf_keepalive_requests &&
	    c->c_sl->sl_requests >= http_cf->cf_keepalive_requests)))
		hr->rq_flags &= ~HTTP_F_KEEPALIVE;
	if (hr->rq_body_kind == HTTP_BODY_STREAM && hr->rq_clen < 0) {
		if (p->rq_minor >= 1 && p->rq_major == 1)
			hr->rq_flags |= HTTP_F_CHUNKED_OUT;
		else
			hr->rq_flags &= ~HTTP_F_KEEPALIVE;	/* EOF ends it */
	}
	{
		const char *text = http_status_text(st), *common;
		size_t tlen = strlen(text), clen;
		const struct site_conf *site = http_site_of(hr);
		const struct route_conf *rc = hr->rq_route;
		char *w = o;

		/* "headers" below 400, "headers_always" on all (config.c). */
		int ok = st < 400;

		common = http_resp_common(&clen);
		/* The fixed lines, bounded: all fit with room to spare. */
		if (tlen + clen + 128 + (site != NULL ? site->st_hblock_len +
		    site->st_ablock_len : 0) + (rc != NULL ? rc->rc_hblock_len +
		    rc->rc_ablock_len : 0) > size)
			return (-1);
		w = PUTS(w, "HTTP/1.1 ");
		*w++ = (char)('0' + st / 100 % 10);
		*w++ = (char)('0' + st / 10 % 10);
		*w++ = (char)('0' + st % 10);
		*w++ = ' ';
		w = put(w, text, tlen);
		w = PUTS(w, "\r\n");
		w = put(w, common, clen);
		if (!nobody && hr->rq_clen >= 0) {
			w = PUTS(w, "Content-Length: ");
			w = put_u64(w, (uint64_t)hr->rq_clen);
			w = PUTS(w, "\r\n");
		} else if (!nobody && (hr->rq_flags & HTTP_F_CHUNKED_OUT))
			w = PUTS(w, "Transfer-Encoding: chunked\r\n");
		if (!(hr->rq_flags & HTTP_F_KEEPALIVE))
			w = PUTS(w, "Connection: close\r\n");
		else if (p->rq_minor == 0)
			w = PUTS(w, "Connection: keep-alive\r\n");
		if (site != NULL) {
			if (ok && site->st_hblock_len > 0)
				w = put(w, site->st_hblock, site->st_hblock_len);
			if (site->st_ablock_len > 0)
				w = put(w, site->st_ablock, site->st_ablock_len);
		}
		if (rc != NULL) {
			if (ok && rc->rc_hblock_len > 0)
				w = put(w, rc->rc_hblock, rc->rc_hblock_len);
			if (rc->rc_ablock_len > 0)
				w = put(w, rc->rc_ablock, rc->rc_ablock_len);
		}
		off = (size_t)(w - o);
	}
	if (off + hr->rq_hlen + 2 > size)
		return (-1);
	memcpy(o + off, hr->rq_hheap != NULL ? hr->rq_hheap : hr->rq_hbuf,
	    hr->rq_hlen);
	off += hr->rq_hlen;
	memcpy(o + off, "\r\n", 2);
	off += 2;
	hr->rq_out_len = off;
	hr->rq_out_off = 0;
	hr->rq_flags |= HTTP_F_HEAD_BUILT;

	if (hr->rq_flags & HTTP_F_HEAD) {
		/* HEAD: the same head, no body. */
		http_resp_free_body(hr);
	} else if (hr->rq_body_kind == HTTP_BODY_FD &&
	    hr->rq_fd_left <= (off_t)(size - off)) {
		ssize_t n = 0;
		off_t left = hr->rq_fd_left;

		while (left > 0) {
			n = pread(hr->rq_fd, o + hr->rq_out_len, (size_t)left,
			    hr->rq_fd_off);
			if (n <= 0)
				break;
			hr->rq_out_len += (size_t)n;
			hr->rq_fd_off += n;
			left -= n;
		}
		if (left > 0) {
			/*
			 * Shorter than it was a moment ago (or than its size
			 * says, as a sysfs file): cannot comply.  errno only
			 * means something when the read failed.
			 */
			if (n == -1)
				log_warn("%s: reading the file for a response "
				    "failed", http_req_path(hr));
			else
				log_warnx("%s: file truncated before it was "
				    "sent: %lld of %lld bytes there",
				    http_req_path(hr),
				    (long long)(hr->rq_fd_left - left),
				    (long long)hr->rq_fd_left);
			return (HTTP_HEAD_SHORT);
		}
		hr->rq_sent = (uint64_t)hr->rq_fd_left;
		hr->rq_fd_left = 0;
		http_resp_free_body(hr);
	}
	slot_write_begin(c->c_sl);
	c->c_sl->sl_status = (uint16_t)st;
	slot_write_end(c->c_sl);
	return (0);
}

/*
 * Put the next piece of body into rq_out: from the file when the transport
 * cannot send from it, or from a stream callback (chunk-framed if needed).
 */
int
http_resp_refill(struct http_req *hr)
{
	char *o = hr->rq_out;
	size_t size = sizeof(hr->rq_out);
	ssize_t n;

	hr->rq_out_off = hr->rq_out_len = 0;
	if (hr->rq_body_kind == HTTP_BODY_FD) {
		size_t want = hr->rq_fd_left > (off_t)size ? size :
		    (size_t)hr->rq_fd_left;

		n = pread(hr->rq_fd, o, want, hr->rq_fd_off);
		if (n == -1) {
			log_warn("%s: reading the file while sending failed",
			    http_req_path(hr));
			return (-1);
		}
		if (n == 0) {
			log_warnx("%s: file truncated while sending, at "
			    "byte %lld, %lld short", http_req_path(hr),
			    (long long)hr->rq_fd_off,
			    (long long)hr->rq_fd_left);
			return (-1);
		}
		hr->rq_out_len = (size_t)n;
		hr->rq_fd_off += n;
		hr->rq_fd_left -= n;
		hr->rq_sent += (uint64_t)n;
		return (0);
	}
	if (hr->rq_flags & HTTP_F_CHUNKED_OUT) {
		/* "xxxxxxxx\r\n" data "\r\n", or the last chunk. */
		n = hr->rq_fill(hr->rq_arg, o + 10, size - 10 - 2 - 5);
		if (n < 0)
			return (-1);
		if (n == 0) {
			memcpy(o, "0\r\n\r\n", 5);
			hr->rq_out_len = 5;
			hr->rq_flags |= HTTP_F_STREAM_EOF;
			return (0);
		}
		/* n < HTTP_OUT_SIZE: eight hex digits always suffice. */
		snprintf(o, 11, "%08x\r", (unsigned int)n);
		o[9] = '\n';
		memcpy(o + 10 + n, "\r\n", 2);
		hr->rq_out_len = 10 + (size_t)n + 2;
		hr->rq_sent += (uint64_t)n;
		return (0);
	}
	n = hr->rq_fill(hr->rq_arg, o, size);
	if (n < 0)
		return (-1);
	if (hr->rq_clen >= 0 &&
	    (uint64_t)n > (uint64_t)hr->rq_clen - hr->rq_sent) {
		/*
		 * Past the Content-Length: the client would read the rest
		 * as the next response.  Cut there, ask no more, and close.
		 */
		log_error("%s: %s: stream body longer than the %lld bytes "
		    "declared, cut there", http_resp_handler_name(hr),
		    http_req_path(hr), (long long)hr->rq_clen);
		n = (ssize_t)((uint64_t)hr->rq_clen - hr->rq_sent);
		hr->rq_flags |= HTTP_F_STREAM_EOF;
		hr->rq_flags &= ~HTTP_F_KEEPALIVE;
	}
	if (n == 0) {
		hr->rq_flags |= HTTP_F_STREAM_EOF;
		if (hr->rq_clen >= 0 && hr->rq_sent != (uint64_t)hr->rq_clen) {
			/* Short of it: only a close tells the client so. */
			log_error("%s: %s: stream body ended at %llu of the "
			    "%lld bytes declared", http_resp_handler_name(hr),
			    http_req_path(hr),
			    (unsigned long long)hr->rq_sent,
			    (long long)hr->rq_clen);
			hr->rq_flags &= ~HTTP_F_KEEPALIVE;
		}
		return (0);
	}
	hr->rq_out_len = (size_t)n;
	hr->rq_sent += (uint64_t)n;
	return (0);
}
