/*
 * The request handler API: what a built-in handler (static, redirect,
 * status) or a plugin implements, and the calls it may make.
 *
 * A handler has a name (the route's `handler = "name"`), a config-time
 * init that validates the route's own options and builds its per-route
 * data (in the master, before workers fork: the data is then shared
 * read-only by every worker), and a request callback that answers one
 * request with the http_resp_* calls below.  A response body comes from
 * memory, from an open file (sent with sendfile(2) where the transport
 * allows), or from a streaming callback.
 *
 * Plugins are shared objects listed in `plugins = ( { path = "x.so"; } )`.
 * Each exports `tamarin_plugin`, a struct tm_plugin whose tp_abi must equal
 * TM_HANDLER_ABI; its tp_register calls http_handler_register() for each
 * handler it provides.  Everything a plugin may call is declared in this
 * header and nothing else.
 */
#ifndef TM_HTTP_HANDLER_H
#define TM_HTTP_HANDLER_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <libconfig.h>

#define TM_HANDLER_ABI	1

struct cfg_ctx;
struct http_req;

/* What a handler's init learns about the route it serves. */
struct http_route_info {
	const char	*ri_site;	/* first name of the site */
	const char	*ri_prefix;	/* the route's path prefix */
	const char	*ri_root;	/* the site's root, or NULL */
	const char	*ri_confdir;	/* relative paths start here */
};

struct http_handler {
	const char	*hd_name;
	/*
	 * Validate the options of route (every key the handler reads must
	 * be looked up with the cfg_* helpers, so that unknown keys can be
	 * reported) and build *data.  Report problems with tm_cfg_error()
	 * and return -1.  May be NULL when the handler takes no options.
	 */
	int		(*hd_init)(struct cfg_ctx *, const config_setting_t *route,
			    const struct http_route_info *, void **data);
	/*
	 * Answer a request.  Returns 0 once a response is set (or an error
	 * status was chosen with http_resp_error()), -1 to drop the
	 * connection without a response (out of memory and the like).
	 * No handler sees a request body: it runs once the body has been
	 * read and dropped, or before it when the client waits for a 100
	 * (Continue), which an error answer then goes out without.
	 */
	int		(*hd_handle)(struct http_req *, void *data);
	void		(*hd_free)(void *data);
	/* Methods allowed when the route does not say: HTTP_METHOD_BIT()s. */
	unsigned int	 hd_methods;
};

struct tm_plugin {
	uint32_t	 tp_abi;	/* TM_HANDLER_ABI */
	const char	*tp_name;
	int		(*tp_register)(void);
};

/* Register a handler (built-ins at start, plugins when loaded). */
int	http_handler_register(const struct http_handler *);
const struct http_handler *http_handler_find(const char *);

/* Config-time helpers for handlers' init (see lib/cfg.h for more). */
void	tm_cfg_error(struct cfg_ctx *, const config_setting_t *,
	    const char *, ...) __attribute__((format(printf, 3, 4)));
int	tm_cfg_string(struct cfg_ctx *, const config_setting_t *,
	    const char *key, char **out);
int	tm_cfg_int(struct cfg_ctx *, const config_setting_t *,
	    const char *key, long long min, long long max, long long *out);
int	tm_cfg_bool(struct cfg_ctx *, const config_setting_t *,
	    const char *key, int *out);

/* ---- request, read-only ---------------------------------------------- */
int		 http_req_method(const struct http_req *);	/* HTTP_M_* */
const char	*http_req_method_name(const struct http_req *);
/* The decoded, normalised path (always starts with '/'), NUL-terminated. */
const char	*http_req_path(const struct http_req *);
/*
 * The path relative to the route's prefix, starting with '/'; "/" when
 * the prefix ends inside a name ("/old" taking "/oldfoo").
 */
const char	*http_req_subpath(const struct http_req *);
/* The raw query after '?', without it; "" when none. */
const char	*http_req_query(const struct http_req *, size_t *len);
/* The raw request-target as received. */
const char	*http_req_target(const struct http_req *, size_t *len);
/*
 * The raw path and query ("request URI"): the target in origin form, the
 * part after the authority in absolute form (a proxy's request).  That
 * part is empty or starts with '?' when the path is empty, which means
 * "/" (RFC 9112 §3.2.2).
 */
const char	*http_req_uri(const struct http_req *, size_t *len);
/* The first field named name (case-insensitive), or NULL. */
const char	*http_req_header(const struct http_req *, const char *name,
		    size_t *len);
/* The host the request named (absolute-form authority or Host), no port. */
const char	*http_req_host(const struct http_req *, size_t *len);
/* Peer address as text ("192.0.2.1"), after any PROXY header. */
const char	*http_req_peer(const struct http_req *);
/* 1 when the connection is over TLS. */
int		 http_req_secure(const struct http_req *);
/* The listener's bound port (for redirects that keep it). */
unsigned int	 http_req_local_port(const struct http_req *);

/* ---- response --------------------------------------------------------- */
void	http_resp_status(struct http_req *, unsigned int status);
/*
 * Add a header field; name and value are copied.  -1 when the head could
 * not hold it: a handler's fields together may take the 16 KiB head less
 * the server's own lines and the site's and route's configured `headers`
 * (at least 2 KiB, about 14 KiB without configured fields).
 */
int	http_resp_header(struct http_req *, const char *name,
	    const char *value);
int	http_resp_headerf(struct http_req *, const char *name,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Body from memory; copied when copy != 0, else it must outlive the
   response (static data or the handler's per-route data). */
int	http_resp_body_mem(struct http_req *, const void *, size_t, int copy);
/*
 * Body from fd, bytes [off, off + len); the response owns fd from here.
 * -1 (fd closed, error logged) when off or len is negative.
 */
int	http_resp_body_fd(struct http_req *, int fd, off_t off, off_t len);
/*
 * Body produced by a callback: fill buf with up to size bytes and return
 * the count, 0 at the end, -1 on error (the connection is dropped).  len is
 * the total if known (Content-Length) or -1 (chunked for HTTP/1.1, close-
 * delimited for 1.0).  A stream that goes past len is cut at len, one that
 * ends short of it is sent as it is; either is logged as an error and
 * closes the connection after it.  fin is called once when the response
 * is done.
 */
int	http_resp_body_stream(struct http_req *, off_t len,
	    ssize_t (*fill)(void *arg, char *buf, size_t size), void *arg,
	    void (*fin)(void *arg));
/*
 * An error response with the built-in (or the site's configured) page.
 * Returns 0 so a handler can `return (http_resp_error(r, 404));`.
 */
int	http_resp_error(struct http_req *, unsigned int status);
/*
 * The request's preconditions (If-Match, If-None-Match, If-Modified-Since,
 * If-Unmodified-Since; RFC 9110 §13.2.2) against the representation about
 * to be sent, to be asked once its answer is known to be a 2xx: its strong
 * ETag (quotes included; NULL, 0 for none) and its Last-Modified (NULL for
 * none: the date fields are then ignored).  Returns 0 to send it, or 1
 * when a 304 (with those validators and the headers set so far) or a 412
 * has been made instead.
 */
int	http_resp_preconditions(struct http_req *, const char *etag,
	    size_t etag_len, const time_t *mtime);
/* A redirect with Location: target (copied) and a small HTML body. */
int	http_resp_redirect(struct http_req *, unsigned int status,
	    const char *location);

#endif /* TM_HTTP_HANDLER_H */
