/*
 * Virtual hosts and routes.  A site is chosen by Host among the sites of
 * the listener the connection came in on, as nginx chooses a server: an
 * exact name first, then the longest "*.suffix" wildcard, then the
 * listener's default site (flagged `default`, else a "*" site, else the
 * first one listed).  Routes are tried in their configured order; the
 * first whose prefix starts the path answers.
 */
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "master/config.h"
#include "proto/conn.h"
#include "proto/http/http.h"

/*
 * The site a response belongs to: the request's, or for one refused
 * before its host was known (a malformed head), the one a request without
 * Host gets on its listener.  Its headers go on that response, and its
 * log takes the line.
 */
const struct site_conf *
http_site_of(const struct http_req *hr)
{
	const struct listener_conf *lc = hr->rq_conn->c_lc;

	if (hr->rq_site != NULL || lc == NULL)
		return (hr->rq_site);
	return (http_site_select(http_cf,
	    (size_t)(lc - http_cf->cf_listeners), "", 0));
}

const struct site_conf *
http_site_select(const struct config *cf, size_t li, const char *host,
    size_t hostlen)
{
	const struct site_conf *st, *wild = NULL, *dflt = NULL, *star = NULL,
	    *first = NULL;
	size_t i, j, wlen = 0, nl;

	for (i = 0; i < cf->cf_nsites; i++) {
		st = &cf->cf_sites[i];
		if (li >= cf->cf_nlisteners || !st->st_listeners[li])
			continue;
		if (first == NULL)
			first = st;
		if (st->st_default && dflt == NULL)
			dflt = st;
		for (j = 0; j < st->st_nnames; j++) {
			const char *n = st->st_names[j];

			if (n[0] == '*' && n[1] == '\0') {
				if (star == NULL)
					star = st;
				continue;
			}
			nl = strlen(n);
			if (n[0] == '*' && n[1] == '.') {
				/* "*.example.org" matches "a.example.org",
				   not "example.org" itself. */
				if (hostlen > nl - 1 && nl - 1 > wlen &&
				    strcasecmp(host + hostlen - (nl - 1),
				    n + 1) == 0) {
					wild = st;
					wlen = nl - 1;
				}
				continue;
			}
			if (nl == hostlen && strncasecmp(n, host, nl) == 0)
				return (st);
		}
	}
	if (wild != NULL)
		return (wild);
	if (dflt != NULL)
		return (dflt);
	return (star != NULL ? star : first);
}

const struct route_conf *
http_route_select(const struct site_conf *st, const char *path, size_t len)
{
	const struct route_conf *rc;
	size_t i;

	for (i = 0; i < st->st_nroutes; i++) {
		rc = &st->st_routes[i];
		if (rc->rc_prefix_len <= len &&
		    memcmp(rc->rc_prefix, path, rc->rc_prefix_len) == 0)
			return (rc);
		/* "/docs/" also takes "/docs", so the directory redirect
		   comes from the route that owns the directory. */
		if (rc->rc_prefix_len == len + 1 &&
		    rc->rc_prefix[len] == '/' &&
		    memcmp(rc->rc_prefix, path, len) == 0)
			return (rc);
	}
	return (NULL);
}
