/*
 * The configuration, as loaded from etc/tamarin.conf (libconfig).
 *
 * A struct config is immutable once config_load() returns: a reload builds
 * a new one and the old one is freed only when nothing uses it (the master
 * after the old workers are gone; a worker keeps the one it was forked
 * with).  Strings are heap copies.
 */
#ifndef TM_CONFIG_H
#define TM_CONFIG_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#include "lib/cidr.h"
#include "proto/http/parser.h"

struct http_handler;
struct mime_table;
struct tls_ctx;

#define TM_CONFIG_VERSION	1

/* Per-phase deadlines, milliseconds; 0 disables that deadline. */
struct timeouts {
	uint32_t	to_header_ms;	/* first byte to end of head */
	uint32_t	to_body_ms;	/* between request body reads */
	uint32_t	to_keepalive_ms;	/* idle between requests */
	uint32_t	to_send_ms;	/* no write progress */
	uint32_t	to_handshake_ms;	/* TLS handshake, PROXY header */
};

/*
 * At most one certificate per key type (RSA, ECDSA, Ed25519...): OpenSSL
 * keeps one of each and, per handshake, picks one the client can verify.
 */
#define TLS_CERTS_MAX	4

struct tls_cert {
	char		*tcc_certificate;	/* PEM chain */
	char		*tcc_key;
	char		*tcc_ocsp_response;	/* DER file, or NULL */
};

struct tls_conf {
	struct tls_cert	 tc_certs[TLS_CERTS_MAX];
	size_t		 tc_ncerts;
	char		**tc_protocols;		/* "TLSv1.2", "TLSv1.3" */
	char		*tc_ciphers;		/* TLS 1.2 cipher list */
	char		*tc_ciphersuites;	/* TLS 1.3 suites */
	char		*tc_curves;		/* "X25519:P-256" */
	char		*tc_file;	/* where the block is, for errors */
	int		 tc_line;	/* found when the files are read */
};

struct listener_conf {
	char		*lc_name;
	char		*lc_address;	/* "0.0.0.0", "::", "unix:/path" */
	uint16_t	 lc_port;	/* 0: the kernel picks one */
	int		 lc_backlog;
	int		 lc_defer_accept;	/* seconds; 0: off */
	uint8_t		 lc_proto;	/* protocol ID */
	int		 lc_proxy_protocol;
	struct cidr	*lc_proxy_trusted;
	size_t		 lc_nproxy_trusted;
	struct timeouts	 lc_timeouts;	/* protocol defaults + overrides */
	struct tls_conf	*lc_tls;
	unsigned int	 lc_redirect_https;	/* 0, 301 or 308 */
	uint16_t	 lc_redirect_port;	/* 0: 443 (omitted) */
	struct sockaddr_storage lc_sa;	/* resolved address */
	socklen_t	 lc_salen;
	const char	*lc_file;	/* for errors found later (bind) */
	int		 lc_line;
	struct tls_ctx	*lc_tls_ctx;	/* built by the master */
	int		 lc_index;	/* its row in the segment's table,
					   set by the master before forking */
};

struct header_conf {
	char		*hc_name;
	char		*hc_value;
};

struct route_conf {
	char		*rc_prefix;
	size_t		 rc_prefix_len;
	const struct http_handler *rc_handler;
	void		*rc_data;	/* the handler's per-route data */
	unsigned int	 rc_methods;	/* HTTP_METHOD_BIT()s allowed */
	uint64_t	 rc_max_body;	/* bytes; 413 above */
	struct header_conf *rc_headers;
	size_t		 rc_nheaders;
	char		*rc_hblock;	/* the same as "Name: value\r\n"... */
	size_t		 rc_hblock_len;
	char		*rc_ablock;	/* headers_always, the same way */
	size_t		 rc_ablock_len;
};

#define TM_ALOG_OFF		0
#define TM_ALOG_COMBINED	1
#define TM_ALOG_JSON		2

struct error_page {
	unsigned int	 ep_status;
	char		*ep_path;	/* a file under the site's root */
};

struct site_conf {
	char		**st_names;	/* exact, "*.example.org", "*" */
	size_t		 st_nnames;
	char		*st_root;	/* NULL: routes need no files */
	int		 st_rootfd;	/* opened by the master, O_PATH */
	uint8_t		*st_listeners;	/* per listener index: 1 if served */
	int		 st_default;	/* default site of its listeners */
	struct route_conf *st_routes;
	size_t		 st_nroutes;
	struct header_conf *st_headers;
	size_t		 st_nheaders;
	char		*st_hblock;	/* the same as "Name: value\r\n"... */
	size_t		 st_hblock_len;
	char		*st_ablock;	/* headers_always, the same way */
	size_t		 st_ablock_len;
	struct error_page *st_error_pages;
	size_t		 st_nerror_pages;
	int		 st_alog_format;	/* TM_ALOG_* */
	char		*st_alog_path;
	int		 st_alog_index;	/* into config's log file table */
	struct tls_conf	*st_tls;	/* per-site certificate (SNI) */
	int		 st_line;
};

struct plugin_conf {
	char		*pc_path;
	void		*pc_handle;	/* dlopen() */
};

struct config {
	char		*cf_path;
	/* daemon */
	char		*cf_user;
	char		*cf_group;
	int		 cf_log_level;
	char		*cf_pidfile;
	char		*cf_segment;
	char		*cf_error_log;	/* "stderr", "syslog" or a path */
	long long	 cf_max_open_files;	/* RLIMIT_NOFILE wanted */
	/* workers */
	unsigned int	 cf_workers;
	unsigned int	 cf_slots_per_worker;
	uint32_t	 cf_shutdown_timeout_ms;
	uint32_t	 cf_heartbeat_timeout_ms;
	uint32_t	 cf_tick_ms;		/* timing wheel resolution */
	/* protocol defaults, before per-listener overrides */
	struct timeouts	 cf_timeouts;
	struct http_limits cf_http_limits;
	uint64_t	 cf_max_body;
	uint32_t	 cf_keepalive_requests;
	uint32_t	 cf_file_cache_entries;	/* 0: no open-file cache */
	uint64_t	 cf_file_cache_bytes;
	unsigned int	 cf_root_load;		/* its roots: docroot_begin() */
	int		 cf_server_tokens;
	/* tls */
	uint32_t	 cf_ticket_rotate_ms;
	/* mime */
	struct mime_table *cf_mime;
	char		*cf_default_type;
	/* the rest */
	struct listener_conf *cf_listeners;
	size_t		 cf_nlisteners;
	struct site_conf *cf_sites;
	size_t		 cf_nsites;
	struct plugin_conf *cf_plugins;
	size_t		 cf_nplugins;
	char		**cf_alog_paths;	/* distinct access log files */
	size_t		 cf_nalog_paths;
};

/*
 * Load and check path: parse, walk the schema, resolve addresses, open the
 * site roots (O_PATH, kept for the workers), load plugins, run each route's
 * handler init.  Every problem is reported through c (file:line: message)
 * and parsing goes on, so one run reports them all; returns NULL if there
 * was any.  Relative paths in the file are relative to its directory.
 */
struct cfg_ctx;
struct config	*config_load(const char *path, struct cfg_ctx *c);
void		 config_free(struct config *);

/* daemon.pidfile when the file names none. */
const char	*config_default_pidfile(void);
/*
 * The segment's path when daemon.segment is not set: beside the pidfile,
 * ".pid" replaced by ".shm" (else ".shm" added), where tamarind makes it
 * and tamarinctl looks for it.  malloc'd; NULL: no memory.
 */
char		*config_segment_beside(const char *pidfile);

/*
 * default_type of g (the mime group or a static route) into *out, checked
 * as types = { ... } takes a type: 1 when set, 0 when absent, -1 after an
 * error at its line.
 */
struct config_setting_t;
int		 config_default_type(struct cfg_ctx *,
		    const struct config_setting_t *g, char **out);

/*
 * A TCP listener whose protocol speaks second (HTTP): quick ACKs are off
 * on it, so a connection's first reply carries the ACK of its request
 * (listener_quickack(), conn_ack_now()).
 */
int		 config_listener_holds_ack(const struct listener_conf *);

/*
 * A listener's identity for reloads: the same socket (address and port).
 * Its protocol may change with the configuration: the socket is kept.
 */
int		 config_listener_same(const struct listener_conf *,
		    const struct listener_conf *);

#endif /* TM_CONFIG_H */
