/*
 * The read-only request calls of the handler API.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <stdlib.h>
#include <strings.h>
#include <string.h>
#include <time.h>

#include "master/config.h"
#include "proto/conn.h"
#include "proto/http/cond.h"
#include "proto/http/handler.h"
#include "proto/http/http.h"
#include "shm/shm.h"

int
http_req_method(const struct http_req *hr)
{
	return (hr->rq_p.rq_method);
}

const char *
http_req_method_name(const struct http_req *hr)
{
	return (http_method_name(hr->rq_p.rq_method));
}

const char *
http_req_path(const struct http_req *hr)
{
	return (hr->rq_path);
}

const char *
http_req_subpath(const struct http_req *hr)
{
	return (hr->rq_subpath != NULL ? hr->rq_subpath : hr->rq_path);
}

const char *
http_req_query(const struct http_req *hr, size_t *len)
{
	const struct http_span *q = &hr->rq_p.rq_query;

	if (len != NULL)
		*len = q->sp_len;
	return (q->sp_len == 0 ? "" : http_req_buf(hr) + q->sp_off);
}

const char *
http_req_target(const struct http_req *hr, size_t *len)
{
	*len = hr->rq_p.rq_target.sp_len;
	return (http_req_buf(hr) + hr->rq_p.rq_target.sp_off);
}

const char *
http_req_uri(const struct http_req *hr, size_t *len)
{
	const struct http_request *p = &hr->rq_p;

	if (p->rq_form != HTTP_FORM_ABSOLUTE)
		return (http_req_target(hr, len));
	*len = p->rq_target.sp_off + p->rq_target.sp_len - p->rq_path.sp_off;
	return (http_req_buf(hr) + p->rq_path.sp_off);
}

const char *
http_req_header(const struct http_req *hr, const char *name, size_t *len)
{
	const struct http_request *p = &hr->rq_p;
	const char *buf = http_req_buf(hr);
	size_t nl = strlen(name);
	unsigned int i;

	for (i = 0; i < p->rq_nheaders; i++) {
		const struct http_header *h = &p->rq_headers[i];

		if (h->hh_name.sp_len == nl &&
		    strncasecmp(buf + h->hh_name.sp_off, name, nl) == 0) {
			if (len != NULL)
				*len = h->hh_value.sp_len;
			return (buf + h->hh_value.sp_off);
		}
	}
	return (NULL);
}

const char *
http_req_host(const struct http_req *hr, size_t *len)
{
	if (len != NULL)
		*len = strlen(hr->rq_host);
	return (hr->rq_host);
}

const char *
http_req_peer(const struct http_req *hr)
{
	struct http_req *w = (struct http_req *)hr;
	char *colon;

	if (w->rq_peer[0] == '\0') {
		shm_addr_format(&hr->rq_conn->c_sl->sl_peer, w->rq_peer,
		    sizeof(w->rq_peer));
		/* Drop the port: "192.0.2.1", "::1". */
		if (w->rq_peer[0] == '[') {
			if ((colon = strchr(w->rq_peer, ']')) != NULL) {
				*colon = '\0';
				memmove(w->rq_peer, w->rq_peer + 1,
				    strlen(w->rq_peer));
			}
		} else if ((colon = strrchr(w->rq_peer, ':')) != NULL)
			*colon = '\0';
	}
	return (hr->rq_peer);
}

const struct sockaddr *
http_req_peer_sa(const struct http_req *hr)
{
	struct http_req *w = (struct http_req *)hr;
	const struct shm_addr *a = &hr->rq_conn->c_sl->sl_peer;

	memset(&w->rq_peer_sa, 0, sizeof(w->rq_peer_sa));
	if (a->sa_family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&w->rq_peer_sa;

		in->sin_family = AF_INET;
		in->sin_port = htons(a->sa_port);
		memcpy(&in->sin_addr, a->sa_addr, 4);
	} else if (a->sa_family == AF_INET6) {
		struct sockaddr_in6 *in6 =
		    (struct sockaddr_in6 *)&w->rq_peer_sa;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(a->sa_port);
		memcpy(&in6->sin6_addr, a->sa_addr, 16);
	} else
		w->rq_peer_sa.ss_family = a->sa_family;
	return ((const struct sockaddr *)&w->rq_peer_sa);
}

int
http_req_secure(const struct http_req *hr)
{
	return ((hr->rq_conn->c_sl->sl_flags & TM_SLF_TLS) != 0);
}

unsigned int
http_req_local_port(const struct http_req *hr)
{
	const struct listener_conf *lc = hr->rq_conn->c_lc;

	if (lc->lc_sa.ss_family == AF_INET)
		return (ntohs(((const struct sockaddr_in *)
		    &lc->lc_sa)->sin_port));
	if (lc->lc_sa.ss_family == AF_INET6)
		return (ntohs(((const struct sockaddr_in6 *)
		    &lc->lc_sa)->sin6_port));
	return (0);
}

/* A request field by the parser's ID; NULL when absent. */
const char *
http_req_field(const struct http_req *hr, enum http_header_id id,
    size_t *len)
{
	const struct http_header *h = http_request_header(&hr->rq_p, id);

	if (h == NULL)
		return (NULL);
	*len = h->hh_value.sp_len;
	return (http_req_buf(hr) + h->hh_value.sp_off);
}

/*
 * A field whose value is one item (a date, a range set): on several lines
 * it is invalid, and ignored as the RFC asks for dates (RFC 9110
 * §13.1.3-4); for Range and If-Range that means the whole file.
 */
const char *
http_req_single(const struct http_req *hr, enum http_header_id id,
    size_t *len)
{
	if (HTTP_REQUEST_DUP(&hr->rq_p, id))
		return (NULL);
	return (http_req_field(hr, id, len));
}

/*
 * A list field (If-Match, If-None-Match) may come on several lines, which
 * mean their values joined by commas (§5.3).  *bufp: what the caller frees.
 * Should memory run out, an empty list: it matches nothing, which fails
 * If-Match (no guarded action runs) and ignores If-None-Match.
 */
static const char *
req_list(const struct http_req *hr, enum http_header_id id, size_t *len,
    char **bufp)
{
	const struct http_request *p = &hr->rq_p;
	const char *base = http_req_buf(hr);
	size_t total = 0, n = 0;
	unsigned int i;
	char *buf;

	if (!HTTP_REQUEST_DUP(p, id))
		return (http_req_field(hr, id, len));
	for (i = 0; i < p->rq_nheaders; i++)
		if (p->rq_headers[i].hh_id == id)
			total += p->rq_headers[i].hh_value.sp_len + 2;
	*len = 0;
	if ((buf = malloc(total + 1)) == NULL)
		return ("");
	for (i = 0; i < p->rq_nheaders; i++) {
		const struct http_span *v = &p->rq_headers[i].hh_value;

		if (p->rq_headers[i].hh_id != id)
			continue;
		if (n > 0) {
			memcpy(buf + n, ", ", 2);
			n += 2;
		}
		memcpy(buf + n, base + v->sp_off, v->sp_len);
		n += v->sp_len;
	}
	buf[n] = '\0';
	*bufp = buf;
	*len = n;
	return (buf);
}

/*
 * Several Accept-Encoding lines are one list (§5.3): "gzip;q=0" on the
 * second line forbids what the first allowed.  Out of memory, identity.
 */
int
http_req_accepts_gzip(const struct http_req *hr)
{
	const char *v;
	char *buf = NULL;
	size_t len;
	int ok;

	if ((v = req_list(hr, HTTP_H_ACCEPT_ENCODING, &len, &buf)) == NULL)
		return (0);
	ok = http_accepts_gzip(v, len);
	free(buf);
	return (ok);
}

/*
 * RFC 9110 §13.2.2 for the representation with these validators: 0 to go
 * on, 304 or 412.  Most requests carry no precondition at all.
 */
int
http_req_preconditions(const struct http_req *hr, const char *etag,
    size_t elen, const time_t *mtime)
{
	struct http_cond hc;
	char *im = NULL, *inm = NULL;
	int m = hr->rq_p.rq_method, r;

	memset(&hc, 0, sizeof(hc));
	hc.hc_if_match = req_list(hr, HTTP_H_IF_MATCH,
	    &hc.hc_if_match_len, &im);
	hc.hc_if_none_match = req_list(hr, HTTP_H_IF_NONE_MATCH,
	    &hc.hc_if_none_match_len, &inm);
	hc.hc_if_modified_since = http_req_single(hr,
	    HTTP_H_IF_MODIFIED_SINCE, &hc.hc_if_modified_since_len);
	hc.hc_if_unmodified_since = http_req_single(hr,
	    HTTP_H_IF_UNMODIFIED_SINCE, &hc.hc_if_unmodified_since_len);
	if (hc.hc_if_match == NULL && hc.hc_if_none_match == NULL &&
	    hc.hc_if_modified_since == NULL &&
	    hc.hc_if_unmodified_since == NULL)
		return (0);
	hc.hc_exists = 1;	/* the handler is answering with it */
	hc.hc_etag = elen > 0 ? etag : NULL;
	hc.hc_etag_len = elen;
	hc.hc_has_mtime = mtime != NULL;
	hc.hc_mtime = mtime != NULL ? *mtime : 0;
	hc.hc_get_or_head = m == HTTP_M_GET || m == HTTP_M_HEAD;
	r = http_cond_evaluate(&hc);
	free(im);
	free(inm);
	return (r);
}
