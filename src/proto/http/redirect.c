/*
 * The redirect handler: `to` is the target, with variables expanded per
 * request; `code` is the status (301 by default).
 *
 *   $request_uri  path and query as received (of an absolute form too),
 *                 with what is no URI escaped
 *   $uri          the normalised path (percent-encoded again)
 *   $subpath      the path after the route's prefix, without its '/'
 *                 (percent-encoded again)
 *   $args         the raw query, without '?', escaped the same way
 *   $host         the requested host, without port
 *   $scheme       http or https
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cfg.h"
#include "master/config.h"
#include "proto/conn.h"
#include "proto/http/handler.h"
#include "proto/http/http.h"
#include "proto/http/uri.h"

struct redirect_conf {
	char		*rd_to;
	unsigned int	 rd_code;
};

static int	redirect_init(struct cfg_ctx *, const config_setting_t *,
		    const struct http_route_info *, void **);
static int	redirect_handle(struct http_req *, void *);
static void	redirect_free(void *);

const struct http_handler http_handler_redirect = {
	.hd_name = "redirect",
	.hd_init = redirect_init,
	.hd_handle = redirect_handle,
	.hd_free = redirect_free,
	/* Every method is redirected (308/307 keep the method). */
	.hd_methods = 0x3fe,
};

static const char *const redirect_vars[] = {
	"$request_uri", "$uri", "$subpath", "$args", "$host", "$scheme", NULL
};

static int
redirect_init(struct cfg_ctx *c, const config_setting_t *route,
    const struct http_route_info *ri, void **data)
{
	struct redirect_conf *rd;
	const char *p;
	long long v;
	size_t len;
	int i, known, bad = 0;

	if ((rd = calloc(1, sizeof(*rd))) == NULL)
		return (-1);
	rd->rd_code = 301;
	*data = rd;
	/* Read before "to" may fail: a key left unread is called unknown. */
	if (cfg_int(c, route, "code", 300, 308, &v) == 1) {
		if (v != 301 && v != 302 && v != 303 && v != 307 && v != 308) {
			cfg_error(c, config_setting_get_member(route, "code"),
			    "code: %lld is not 301, 302, 303, 307 or 308", v);
			bad = 1;	/* "to" is still read */
		} else
			rd->rd_code = (unsigned int)v;
	}
	if (cfg_strdup(c, route, "to", &rd->rd_to) != 1) {
		cfg_error(c, route, "redirect: to = \"...\" is required");
		return (-1);
	}
	if (strpbrk(rd->rd_to, "\r\n") != NULL) {
		cfg_error(c, route, "redirect: to: line breaks are not "
		    "allowed");
		return (-1);
	}
	for (p = strchr(rd->rd_to, '$'); p != NULL; p = strchr(p + 1, '$')) {
		/*
		 * The whole name, as nginx reads it: "$hostname" is no
		 * "$host" followed by "name", which would be expanded
		 * without a word.
		 */
		for (len = 1; isalnum((unsigned char)p[len]) || p[len] == '_';
		    len++)
			;
		for (i = 0, known = 0; redirect_vars[i] != NULL; i++)
			if (strlen(redirect_vars[i]) == len &&
			    strncmp(p, redirect_vars[i], len) == 0)
				known = 1;
		if (!known) {
			cfg_error(c, config_setting_get_member(route, "to"),
			    "to: unknown variable at '%.16s' (known: "
			    "$request_uri $uri $subpath $args $host $scheme)",
			    p);
			return (-1);
		}
	}
	(void)ri;
	return (bad ? -1 : 0);
}


/*
 * $host: the host the request named.  An HTTP/1.0 request may name none:
 * then the site's own name (nginx's server_name), else the address the
 * client reached (as Apache does), never an empty authority ("http:///").
 */
static const char *
redirect_host(const struct http_req *hr, char *buf, size_t sz, size_t *len)
{
	const struct site_conf *st = hr->rq_site;
	const char *h = http_req_host(hr, len);
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	size_t n;

	if (*len > 0)
		return (h);
	if (st != NULL && st->st_nnames > 0 && st->st_names[0][0] != '*') {
		*len = strlen(st->st_names[0]);
		return (st->st_names[0]);
	}
	(void)strlcpy(buf, "localhost", sz);
	if (getsockname(hr->rq_conn->c_fd, (struct sockaddr *)&ss,
	    &sl) == 0) {
		if (ss.ss_family == AF_INET)
			(void)inet_ntop(AF_INET, &((struct sockaddr_in *)
			    &ss)->sin_addr, buf, (socklen_t)sz);
		else if (ss.ss_family == AF_INET6 && sz > 2 &&
		    inet_ntop(AF_INET6, &((struct sockaddr_in6 *)
		    &ss)->sin6_addr, buf + 1, (socklen_t)sz - 2) != NULL) {
			buf[0] = '[';
			n = strlen(buf);
			buf[n] = ']';
			buf[n + 1] = '\0';
		}
	}
	*len = strlen(buf);
	return (buf);
}

static int
redirect_handle(struct http_req *hr, void *data)
{
	const struct redirect_conf *rd = data;
	char loc[HTTP_PATH_MAX * 2 + 512];
	char enc[HTTP_PATH_MAX * 3 + 1];
	char hbuf[INET6_ADDRSTRLEN + 2];
	const char *p = rd->rd_to, *v;
	size_t n = 0, vl;
	int el;
	enum { V_AS_IS, V_PATH, V_RAW } how;

	while (*p != '\0') {
		if (*p != '$') {
			if (n == sizeof(loc) - 1)
				return (http_resp_error(hr, 414));
			loc[n++] = *p++;
			continue;
		}
		v = NULL;
		vl = 0;
		how = V_AS_IS;
		if (strncmp(p, "$request_uri", 12) == 0) {
			/* Never the authority of an absolute form: a template
			   like "https://$host$request_uri" names it once. */
			v = http_req_uri(hr, &vl);
			how = V_RAW;
			/* An absolute form's empty path is "/" (RFC 9112
			   §3.2.2). */
			if (vl == 0 || *v != '/') {
				if (n == sizeof(loc) - 1)
					return (http_resp_error(hr, 414));
				loc[n++] = '/';
			}
			p += 12;
		} else if (strncmp(p, "$uri", 4) == 0) {
			v = http_req_path(hr);
			vl = strlen(v);
			how = V_PATH;
			p += 4;
		} else if (strncmp(p, "$subpath", 8) == 0) {
			/*
			 * All that follows the prefix, "foo" of "/oldfoo"
			 * under "/old" too (http_req_subpath() says "/"
			 * there, for handlers that join it to a root).
			 */
			v = hr->rq_path_len > hr->rq_route->rc_prefix_len ?
			    hr->rq_path + hr->rq_route->rc_prefix_len : "";
			if (*v == '/')
				v++;
			vl = strlen(v);
			how = V_PATH;
			p += 8;
		} else if (strncmp(p, "$args", 5) == 0) {
			v = http_req_query(hr, &vl);
			how = V_RAW;
			p += 5;
		} else if (strncmp(p, "$host", 5) == 0) {
			v = redirect_host(hr, hbuf, sizeof(hbuf), &vl);
			p += 5;
		} else if (strncmp(p, "$scheme", 7) == 0) {
			v = http_req_secure(hr) ? "https" : "http";
			vl = strlen(v);
			p += 7;
		} else {
			if (n == sizeof(loc) - 1)
				return (http_resp_error(hr, 414));
			loc[n++] = *p++;
			continue;
		}
		/*
		 * $uri and $subpath are decoded: a space, a '?' or a CR from
		 * %0D would make the Location no URI (RFC 9110 §10.2.2) or
		 * change its meaning, so they go out percent-encoded again.
		 * (nginx copies them raw; the RFC wins.)  $request_uri and
		 * $args are raw request bytes, where the parser lets a bare
		 * '%' or a '"' through in the query: those are escaped, and
		 * what is already a URI stays as sent.
		 */
		if (how != V_AS_IS) {
			el = how == V_PATH ?
			    http_path_encode(v, vl, enc, sizeof(enc)) :
			    http_uri_fix(v, vl, enc, sizeof(enc));
			if (el < 0)
				return (http_resp_error(hr, 414));
			v = enc;
			vl = (size_t)el;
		}
		/* A Location cut short would send the client elsewhere. */
		if (vl > sizeof(loc) - 1 - n)
			return (http_resp_error(hr, 414));
		memcpy(loc + n, v, vl);
		n += vl;
	}
	loc[n] = '\0';
	return (http_resp_redirect(hr, rd->rd_code, loc));
}

static void
redirect_free(void *p)
{
	struct redirect_conf *rd = p;

	if (rd != NULL)
		free(rd->rd_to);
	free(rd);
}
