/*
 * Configuration: libconfig file -> struct config, walked against the
 * documented schema (man/tamarin.conf.5).  Every error is reported with its
 * file and line and parsing continues, so `tamarind -t` lists them all.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <limits.h>
#include <netdb.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <libconfig.h>

#include "paths.h"
#include "lib/cfg.h"
#include "lib/cidr.h"
#include "lib/log.h"
#include "lib/utf8.h"
#include "master/config.h"
#include "proto/http/docroot.h"
#include "proto/http/handler.h"
#include "proto/http/http.h"
#include "proto/http/mime.h"
#include "proto/proto.h"
#include "proto/tls.h"
#include "shm/report.h"
#include "shm/shm_layout.h"

#define DEFAULT_PIDFILE		TM_RUNDIR "/tamarind.pid"
#define DEFAULT_BACKLOG		511
/*
 * TCP_DEFER_ACCEPT, seconds: a TCP client is accepted when its first
 * bytes arrive, or after this long.  One second defers nearly every real
 * client (they speak first, at once) yet moves a silent one's timeouts by
 * little.
 */
#define DEFAULT_DEFER_ACCEPT	1
#define MAX_DEFER_ACCEPT	60
#define DEFAULT_SLOTS		1024
#define DEFAULT_MAX_BODY	(1024 * 1024)
#define MAX_SEC_MS		(7u * 24 * 3600 * 1000)

struct loader {
	struct cfg_ctx	*ld_c;
	struct config	*ld_cf;
	char		*ld_dir;	/* the main file's directory */
};

static void	load_daemon(struct loader *, const config_setting_t *);
static void	load_workers(struct loader *, const config_setting_t *);
static void	load_timeouts(struct loader *, const config_setting_t *,
		    struct timeouts *, uint32_t *);
static void	load_http(struct loader *, const config_setting_t *);
static void	load_mime(struct loader *, const config_setting_t *);
static void	load_tls_global(struct loader *, const config_setting_t *);
static void	load_plugins(struct loader *, const config_setting_t *);
static void	load_listeners(struct loader *, const config_setting_t *);
static void	load_sites(struct loader *, const config_setting_t *);
static int	load_site(struct loader *, const config_setting_t *,
		    struct site_conf *);
static int	load_route(struct loader *, const config_setting_t *,
		    struct site_conf *, struct route_conf *);
static int	header_reserved(const char *);
static int	name_is_text(const char *);
static char	*listener_default_name(const struct listener_conf *);
static int	site_name_eq(const char *, const char *);
static void	site_names_unique(struct cfg_ctx *, const config_setting_t *,
		    const struct config *, const struct site_conf *);
static int	sa_wildcard_overlap(const struct sockaddr_storage *,
		    const struct sockaddr_storage *);
static void	load_header_blocks(struct loader *, const config_setting_t *,
		    struct header_conf **, size_t *, char **, size_t *, char **,
		    size_t *);
static int	load_headers(struct loader *, const config_setting_t *,
		    const char *, struct header_conf **, size_t *);
static void	header_block(const struct header_conf *, size_t, char **,
		    size_t *);
static struct tls_conf *load_tls(struct loader *, const config_setting_t *);
static unsigned int route_methods_max(const struct http_handler *);
static int	load_methods(struct loader *, const config_setting_t *,
		    unsigned int *);
static void	check_run_dir(struct loader *, const config_setting_t *,
		    const char *);
static void	check_log_dir(struct loader *, const config_setting_t *,
		    const char *);
static void	site_headers_fit(struct loader *, const config_setting_t *,
		    const struct site_conf *);
static void	path_tidy(char *);
static int	resolve_path(struct loader *, const config_setting_t *,
		    char **);
static int	resolve_address(struct loader *, const config_setting_t *,
		    struct listener_conf *);
static void	free_tls(struct tls_conf *);
static void	free_headers(struct header_conf *, size_t);

struct config *
config_load(const char *path, struct cfg_ctx *c)
{
	struct loader ld;
	struct config *cf;
	config_t lc;
	config_setting_t *root, *g;
	char *dup;
	long long v;

	http_handlers_begin();
	if ((cf = calloc(1, sizeof(*cf))) == NULL) {
		cfg_error(c, NULL, "out of memory");
		return (NULL);
	}
	memset(&ld, 0, sizeof(ld));
	ld.ld_c = c;
	ld.ld_cf = cf;
	cf->cf_root_load = docroot_begin();
	if ((cf->cf_path = realpath(path, NULL)) == NULL &&
	    (cf->cf_path = strdup(path)) == NULL) {
		cfg_error(c, NULL, "out of memory");
		free(cf);
		return (NULL);
	}
	if ((dup = strdup(cf->cf_path)) == NULL ||
	    (ld.ld_dir = strdup(dirname(dup))) == NULL) {
		free(dup);
		cfg_error(c, NULL, "out of memory");
		config_free(cf);
		return (NULL);
	}
	free(dup);

	/* Defaults: what an operator gets for every key left out. */
	cf->cf_log_level = LOG_LVL_INFO;
	cf->cf_workers = 1;
	cf->cf_slots_per_worker = DEFAULT_SLOTS;
	cf->cf_shutdown_timeout_ms = 30000;
	cf->cf_heartbeat_timeout_ms = 10000;
	cf->cf_tick_ms = 100;
	cf->cf_timeouts.to_header_ms = 10000;
	cf->cf_timeouts.to_body_ms = 30000;
	cf->cf_timeouts.to_keepalive_ms = 5000;
	cf->cf_timeouts.to_send_ms = 30000;
	cf->cf_timeouts.to_handshake_ms = 10000;
	cf->cf_http_limits.hl_request_line = HTTP_DEFAULT_REQUEST_LINE;
	cf->cf_http_limits.hl_header_bytes = HTTP_DEFAULT_HEADER_BYTES;
	cf->cf_http_limits.hl_header_count = HTTP_DEFAULT_HEADER_COUNT;
	cf->cf_max_body = DEFAULT_MAX_BODY;
	cf->cf_keepalive_requests = 10000;
	cf->cf_file_cache_entries = 8192;
	cf->cf_file_cache_bytes = 32 * 1024 * 1024;
	cf->cf_server_tokens = 1;
	cf->cf_ticket_rotate_ms = 3600 * 1000;

	config_init(&lc);
	if (cfg_read(c, &lc, path, ld.ld_dir) == -1) {
		config_destroy(&lc);
		free(ld.ld_dir);
		config_free(cf);
		return (NULL);
	}
	root = config_root_setting(&lc);

	if (cfg_int(c, root, "version", 1, 1000, &v) == 1 &&
	    v != TM_CONFIG_VERSION)
		cfg_error(c, config_setting_get_member(root, "version"),
		    "version: %lld is not supported (this tamarind reads "
		    "version %d)", v, TM_CONFIG_VERSION);

	/* Plugins first: their handlers may be named by routes. */
	if (cfg_list(c, root, "plugins", &g) == 1)
		load_plugins(&ld, g);
	if (cfg_group(c, root, "daemon", &g) == 1)
		load_daemon(&ld, g);
	/* tamarinctl and the rc.d script find the daemon through it. */
	if (cf->cf_pidfile == NULL &&
	    (cf->cf_pidfile = strdup(DEFAULT_PIDFILE)) == NULL)
		cfg_error(c, NULL, "out of memory");
	if (cfg_group(c, root, "workers", &g) == 1)
		load_workers(&ld, g);
	if (cfg_group(c, root, "timeouts", &g) == 1) {
		long long tick;

		if (cfg_int(c, g, "tick_ms", 1, 1000, &tick) == 1)
			cf->cf_tick_ms = (uint32_t)tick;
		load_timeouts(&ld, g, &cf->cf_timeouts, NULL);
	}
	if (cfg_group(c, root, "http", &g) == 1)
		load_http(&ld, g);
	load_mime(&ld, cfg_group(c, root, "mime", &g) == 1 ? g : NULL);
	if (cfg_group(c, root, "tls", &g) == 1)
		load_tls_global(&ld, g);
	if (cfg_list(c, root, "listeners", &g) == 1)
		load_listeners(&ld, g);
	else if (config_setting_get_member(root, "listeners") == NULL)
		cfg_error(c, NULL, "no listeners: add a listeners = ( ... ) "
		    "list");
	if (cfg_list(c, root, "sites", &g) == 1)
		load_sites(&ld, g);
	cfg_check_unknown(c, root, "the top level");
	cfg_check_wide(c, root);

	/* Every listener must lead somewhere. */
	for (size_t i = 0; i < cf->cf_nlisteners; i++) {
		struct listener_conf *lc2 = &cf->cf_listeners[i];
		int served = lc2->lc_redirect_https != 0;

		/* (A site refused early has no listener set.) */
		for (size_t j = 0; j < cf->cf_nsites && !served; j++)
			served = cf->cf_sites[j].st_listeners != NULL &&
			    cf->cf_sites[j].st_listeners[i];
		if (!served) {
			cfg_error_at(c, lc2->lc_file, lc2->lc_line,
			    "listener '%s' serves no site (name it in a "
			    "site's listeners, or set redirect_https)",
			    lc2->lc_name);
		}
	}

	/*
	 * TLS contexts last, once sites are known (SNI): certificates and
	 * keys are read now, so -t and a reload report them as errors.
	 */
	(void)tls_config_build(cf, c);

	config_destroy(&lc);
	free(ld.ld_dir);
	if (c->cc_errors > 0) {
		config_free(cf);
		return (NULL);
	}
	return (cf);
}

static void
load_daemon(struct loader *ld, const config_setting_t *g)
{
	struct cfg_ctx *c = ld->ld_c;
	struct config *cf = ld->ld_cf;
	config_setting_t *s;
	char *lvl = NULL;
	long long v;

	cfg_strdup(c, g, "user", &cf->cf_user);
	cfg_strdup(c, g, "group", &cf->cf_group);
	if (cfg_strdup(c, g, "log_level", &lvl) == 1) {
		if ((cf->cf_log_level = log_level_parse(lvl)) == -1) {
			cfg_error(c, config_setting_get_member(g, "log_level"),
			    "log_level: '%s' is not one of error, warn, "
			    "notice, info, debug", lvl);
			cf->cf_log_level = LOG_LVL_INFO;
		}
		free(lvl);
	}
	if ((s = config_setting_get_member(g, "pidfile")) != NULL) {
		cfg_mark(g, "pidfile");
		if (resolve_path(ld, s, &cf->cf_pidfile) == 1)
			check_run_dir(ld, s, cf->cf_pidfile);
	}
	if ((s = config_setting_get_member(g, "segment")) != NULL) {
		cfg_mark(g, "segment");
		if (resolve_path(ld, s, &cf->cf_segment) == 1)
			check_run_dir(ld, s, cf->cf_segment);
	}
	if ((s = config_setting_get_member(g, "error_log")) != NULL) {
		cfg_mark(g, "error_log");
		if (config_setting_type(s) == CONFIG_TYPE_STRING &&
		    (strcmp(config_setting_get_string(s), "stderr") == 0 ||
		    strcmp(config_setting_get_string(s), "syslog") == 0))
			cf->cf_error_log = strdup(config_setting_get_string(s));
		else if (resolve_path(ld, s, &cf->cf_error_log) == 1)
			check_log_dir(ld, s, cf->cf_error_log);
	}
	if (cfg_int(c, g, "max_open_files", 64, 1 << 30, &v) == 1)
		cf->cf_max_open_files = v;
	cfg_check_unknown(c, g, "daemon");
	if (cf->cf_group != NULL && cf->cf_user == NULL)
		cfg_error(c, config_setting_get_member(g, "group"),
		    "group: set only together with user");
	/* Found now, not by a worker that would exit 2 at start. */
	if (cf->cf_user != NULL && getpwnam(cf->cf_user) == NULL)
		cfg_error(c, config_setting_get_member(g, "user"),
		    "user: no such user '%s'", cf->cf_user);
	if (cf->cf_group != NULL && getgrnam(cf->cf_group) == NULL)
		cfg_error(c, config_setting_get_member(g, "group"),
		    "group: no such group '%s'", cf->cf_group);
}

static void
load_workers(struct loader *ld, const config_setting_t *g)
{
	struct cfg_ctx *c = ld->ld_c;
	struct config *cf = ld->ld_cf;
	config_setting_t *s;
	long long v;

	if ((s = config_setting_get_member(g, "count")) != NULL) {
		cfg_mark(g, "count");
		if (config_setting_type(s) == CONFIG_TYPE_STRING) {
			if (strcmp(config_setting_get_string(s), "auto") == 0) {
				long n = sysconf(_SC_NPROCESSORS_ONLN);

				cf->cf_workers = n < 1 ? 1 : n > TM_MAX_WORKERS ?
				    TM_MAX_WORKERS : (unsigned int)n;
			} else
				cfg_error(c, s, "count: expected a number or "
				    "\"auto\"");
		} else if (cfg_int(c, g, "count", 1, TM_MAX_WORKERS, &v) == 1)
			cf->cf_workers = (unsigned int)v;
	}
	if (cfg_int(c, g, "slots_per_worker", 1, TM_MAX_SLOTS, &v) == 1)
		cf->cf_slots_per_worker = (unsigned int)v;
	cfg_duration_ms(c, g, "shutdown_timeout_sec", 0, MAX_SEC_MS,
	    &cf->cf_shutdown_timeout_ms);
	cfg_duration_ms(c, g, "heartbeat_timeout_sec", 1000, MAX_SEC_MS,
	    &cf->cf_heartbeat_timeout_ms);
	cfg_check_unknown(c, g, "workers");
}

/* timeouts = { http = { ... }; tls = { ... }; } at top level or listener. */
static void
load_timeouts(struct loader *ld, const config_setting_t *g,
    struct timeouts *to, uint32_t *unused)
{
	struct cfg_ctx *c = ld->ld_c;
	config_setting_t *h;

	(void)unused;
	if (cfg_group(c, g, "http", &h) == 1) {
		cfg_duration_ms(c, h, "header_sec", 0, MAX_SEC_MS,
		    &to->to_header_ms);
		cfg_duration_ms(c, h, "body_sec", 0, MAX_SEC_MS,
		    &to->to_body_ms);
		cfg_duration_ms(c, h, "keepalive_sec", 0, MAX_SEC_MS,
		    &to->to_keepalive_ms);
		cfg_duration_ms(c, h, "send_stall_sec", 0, MAX_SEC_MS,
		    &to->to_send_ms);
		cfg_check_unknown(c, h, "timeouts.http");
	}
	if (cfg_group(c, g, "tls", &h) == 1) {
		cfg_duration_ms(c, h, "handshake_sec", 0, MAX_SEC_MS,
		    &to->to_handshake_ms);
		cfg_check_unknown(c, h, "timeouts.tls");
	}
	cfg_check_unknown(c, g, "timeouts");
}

static void
load_http(struct loader *ld, const config_setting_t *g)
{
	struct cfg_ctx *c = ld->ld_c;
	struct config *cf = ld->ld_cf;
	long long v;

	cfg_uint32(c, g, "max_request_line_bytes", 64, 1 << 20,
	    &cf->cf_http_limits.hl_request_line);
	cfg_uint32(c, g, "max_header_bytes", 64, 1 << 20,
	    &cf->cf_http_limits.hl_header_bytes);
	cfg_uint32(c, g, "max_headers", 1, 1000,
	    &cf->cf_http_limits.hl_header_count);
	if (cfg_int(c, g, "max_body_bytes", 0, INT64_MAX, &v) == 1)
		cf->cf_max_body = (uint64_t)v;
	cfg_uint32(c, g, "keepalive_requests", 0, UINT32_MAX,
	    &cf->cf_keepalive_requests);
	cfg_uint32(c, g, "file_cache_entries", 0, 1 << 24,
	    &cf->cf_file_cache_entries);
	if (cfg_int(c, g, "file_cache_bytes", 0, (long long)1 << 40, &v) == 1)
		cf->cf_file_cache_bytes = (uint64_t)v;
	cfg_bool(c, g, "server_tokens", &cf->cf_server_tokens);
	cfg_check_unknown(c, g, "http");
}

static void
load_mime(struct loader *ld, const config_setting_t *g)
{
	struct cfg_ctx *c = ld->ld_c;
	struct config *cf = ld->ld_cf;
	config_setting_t *s, *t;
	char *file = NULL, *charset = NULL, err[512];
	int i, n;

	if (g != NULL && (s = config_setting_get_member(g, "types_file")) !=
	    NULL) {
		cfg_mark(g, "types_file");
		if (resolve_path(ld, s, &file) == 1 && access(file, R_OK) == -1)
			cfg_error(c, s, "types_file: %s: %s", file,
			    strerror(errno));
	}
	if (g != NULL && cfg_strdup(c, g, "charset", &charset) == 1 &&
	    !mime_charset_ok(charset)) {
		cfg_error(c, config_setting_get_member(g, "charset"),
		    "charset: '%s' is not a charset name (\"\" for none)",
		    charset);
		free(charset);
		charset = NULL;
	}
	/* The system's file is for desktops: web types win over it. */
	cf->cf_mime = mime_table_load(file, file == NULL, charset, err,
	    sizeof(err));
	if (cf->cf_mime == NULL)
		cfg_error(c, g, "mime: %s", err);
	free(file);
	free(charset);
	if (g != NULL)
		(void)config_default_type(c, g, &cf->cf_default_type);
	if (cf->cf_default_type == NULL)
		cf->cf_default_type = strdup("application/octet-stream");
	if (g != NULL && cfg_group(c, g, "types", &t) == 1) {
		n = config_setting_length(t);
		for (i = 0; i < n; i++) {
			s = config_setting_get_elem(t, (unsigned int)i);
			if (config_setting_type(s) != CONFIG_TYPE_STRING) {
				cfg_error(c, s, "types.%s: expected a string",
				    config_setting_name(s));
				continue;
			}
			if (cf->cf_mime != NULL && mime_table_add(cf->cf_mime,
			    config_setting_name(s),
			    config_setting_get_string(s)) == -1)
				cfg_error(c, s, "types.%s: invalid type '%s'",
				    config_setting_name(s),
				    config_setting_get_string(s));
		}
	}
	if (g != NULL)
		cfg_check_unknown(c, g, "mime");
}

static void
load_tls_global(struct loader *ld, const config_setting_t *g)
{
	cfg_duration_ms(ld->ld_c, g, "ticket_rotate_sec", 60000, MAX_SEC_MS,
	    &ld->ld_cf->cf_ticket_rotate_ms);
	cfg_check_unknown(ld->ld_c, g, "tls");
}

static void
load_plugins(struct loader *ld, const config_setting_t *list)
{
	struct cfg_ctx *c = ld->ld_c;
	struct config *cf = ld->ld_cf;
	const config_setting_t *e, *ps;
	const struct tm_plugin *tp;
	struct plugin_conf *pc;
	int i, n;

	n = config_setting_length(list);
	if (n == 0)
		return;
	if ((cf->cf_plugins = calloc((size_t)n, sizeof(*pc))) == NULL) {
		cfg_error(c, list, "out of memory");
		return;
	}
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(list, (unsigned int)i);
		if (config_setting_type(e) != CONFIG_TYPE_GROUP) {
			cfg_error(c, e, "plugins: each entry is { path = "
			    "\"...\"; }");
			continue;
		}
		pc = &cf->cf_plugins[cf->cf_nplugins];
		ps = config_setting_get_member(e, "path");
		cfg_mark(e, "path");
		cfg_check_unknown(c, e, "plugins");
		if (ps == NULL) {
			cfg_error(c, e, "plugins: path is required");
			continue;
		}
		if (resolve_path(ld, ps, &pc->pc_path) != 1)
			continue;
		/*
		 * RTLD_NOW: an unresolved symbol is a config error here,
		 * never a crash in a worker later.
		 */
		pc->pc_handle = dlopen(pc->pc_path, RTLD_NOW | RTLD_LOCAL);
		if (pc->pc_handle == NULL) {
			cfg_error(c, ps, "plugin %s: %s", pc->pc_path,
			    dlerror());
			free(pc->pc_path);
			pc->pc_path = NULL;
			continue;
		}
		cf->cf_nplugins++;
		tp = dlsym(pc->pc_handle, "tamarin_plugin");
		if (tp == NULL) {
			cfg_error(c, ps, "plugin %s: no tamarin_plugin symbol",
			    pc->pc_path);
			continue;
		}
		if (tp->tp_abi != TM_HANDLER_ABI) {
			cfg_error(c, ps, "plugin %s: ABI version %u, this "
			    "tamarind needs %u", pc->pc_path, tp->tp_abi,
			    TM_HANDLER_ABI);
			continue;
		}
		if (tp->tp_register == NULL || tp->tp_register() == -1)
			cfg_error(c, ps, "plugin %s (%s): registration failed",
			    pc->pc_path, tp->tp_name != NULL ? tp->tp_name :
			    "?");
	}
}

static void
load_listeners(struct loader *ld, const config_setting_t *list)
{
	struct cfg_ctx *c = ld->ld_c;
	struct config *cf = ld->ld_cf;
	const config_setting_t *e, *s;
	struct listener_conf *lc;
	const struct proto *pr;
	config_setting_t *g;
	char *proto = NULL;
	long long v;
	int i, n, r, named;

	n = config_setting_length(list);
	if (n == 0) {
		cfg_error(c, list, "listeners: the list is empty");
		return;
	}
	if (n > TM_MAX_LISTENERS) {
		cfg_error(c, list, "listeners: at most %d", TM_MAX_LISTENERS);
		return;
	}
	if ((cf->cf_listeners = calloc((size_t)n, sizeof(*lc))) == NULL) {
		cfg_error(c, list, "out of memory");
		return;
	}
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(list, (unsigned int)i);
		lc = &cf->cf_listeners[cf->cf_nlisteners++];
		lc->lc_file = config_setting_source_file(e) != NULL ?
		    config_setting_source_file(e) : c->cc_file;
		/* The file name outlives config_destroy(): keep a copy. */
		lc->lc_file = strdup(lc->lc_file);
		lc->lc_line = (int)config_setting_source_line(e);
		lc->lc_backlog = DEFAULT_BACKLOG;
		lc->lc_proto = TM_PROTO_HTTP;
		if (config_setting_type(e) != CONFIG_TYPE_GROUP) {
			cfg_error(c, e, "listeners: each entry is { ... }");
			continue;
		}
		cfg_strdup(c, e, "name", &lc->lc_name);
		if (cfg_strdup(c, e, "protocol", &proto) == 1) {
			if ((pr = proto_find(proto)) == NULL)
				cfg_error(c, config_setting_get_member(e,
				    "protocol"), "protocol: unknown protocol "
				    "'%s' (known: http, https)", proto);
			else
				lc->lc_proto = pr->pr_id;
			free(proto);
			proto = NULL;
		}
		if (cfg_strdup(c, e, "address", &lc->lc_address) == 0)
			lc->lc_address = strdup("0.0.0.0");
		r = cfg_int(c, e, "port", 0, 65535, &v);
		if (r == 1)
			lc->lc_port = (uint16_t)v;
		else if (r == 0 && strncmp(lc->lc_address, "unix:", 5) != 0)
			cfg_error(c, e, "listener: port is required");
		if (cfg_int(c, e, "backlog", 1, 65535, &v) == 1)
			lc->lc_backlog = (int)v;
		lc->lc_defer_accept = -1;
		if (cfg_int(c, e, "defer_accept", 0, MAX_DEFER_ACCEPT,
		    &v) == 1)
			lc->lc_defer_accept = (int)v;
		cfg_bool(c, e, "proxy_protocol", &lc->lc_proxy_protocol);
		if ((s = config_setting_get_member(e, "proxy_trusted")) !=
		    NULL) {
			char **v2 = NULL;
			size_t k, nv = 0;

			if (cfg_strv(c, e, "proxy_trusted", &v2, &nv) == 1) {
				/*
				 * No entry would trust every peer, the
				 * opposite of what an empty list reads as.
				 */
				if (nv == 0)
					cfg_error(c, s, "proxy_trusted: empty; "
					    "write [ \"all\" ] to trust every "
					    "peer");
				else if ((lc->lc_proxy_trusted = calloc(nv,
				    sizeof(struct cidr))) == NULL)
					cfg_error(c, s, "proxy_trusted: out of "
					    "memory");
				else
					lc->lc_nproxy_trusted = nv;
				for (k = 0; k < lc->lc_nproxy_trusted; k++)
					if (cidr_parse(v2[k],
					    &lc->lc_proxy_trusted[k]) == -1)
						cfg_error(c, s, "proxy_trusted:"
						    " '%s' is not an address "
						    "or CIDR block", v2[k]);
				cfg_strv_free(v2);
			}
			if (!lc->lc_proxy_protocol)
				cfg_error(c, s, "proxy_trusted: needs "
				    "proxy_protocol = true");
		}
		lc->lc_timeouts = cf->cf_timeouts;
		if (cfg_group(c, e, "timeouts", &g) == 1)
			load_timeouts(ld, g, &lc->lc_timeouts, NULL);
		if (cfg_group(c, e, "tls", &g) == 1)
			lc->lc_tls = load_tls(ld, g);
		if (cfg_int(c, e, "redirect_https", 301, 308, &v) == 1) {
			if (v != 301 && v != 308)
				cfg_error(c, config_setting_get_member(e,
				    "redirect_https"), "redirect_https: 301 "
				    "or 308");
			lc->lc_redirect_https = (unsigned int)v;
		}
		if (cfg_int(c, e, "redirect_port", 1, 65535, &v) == 1) {
			lc->lc_redirect_port = (uint16_t)v;
			/* Alone it would change nothing, silently. */
			if (lc->lc_redirect_https == 0)
				cfg_error(c, config_setting_get_member(e,
				    "redirect_port"), "redirect_port: needs "
				    "redirect_https");
		}
		cfg_check_unknown(c, e, "listener");

		if (lc->lc_proto == TM_PROTO_HTTPS && lc->lc_tls == NULL)
			cfg_error(c, e, "listener: protocol https needs tls = "
			    "{ certificate = ...; key = ...; }");
		if (lc->lc_proto != TM_PROTO_HTTPS && lc->lc_tls != NULL)
			cfg_error(c, e, "listener: tls is only for protocol "
			    "https");
		if (lc->lc_redirect_https && lc->lc_proto != TM_PROTO_HTTP)
			cfg_error(c, e, "listener: redirect_https is only for "
			    "protocol http");
		if (lc->lc_address != NULL)
			resolve_address(ld, e, lc);
		/* A UNIX-domain socket has no handshake to defer. */
		if (lc->lc_address != NULL &&
		    strncmp(lc->lc_address, "unix:", 5) == 0) {
			if (lc->lc_defer_accept > 0)
				cfg_error(c, config_setting_get_member(e,
				    "defer_accept"), "defer_accept: only for "
				    "TCP listeners");
			lc->lc_defer_accept = 0;
		} else if (lc->lc_defer_accept == -1)
			lc->lc_defer_accept = DEFAULT_DEFER_ACCEPT;
		named = lc->lc_name != NULL;
		if (!named && lc->lc_address != NULL)
			lc->lc_name = listener_default_name(lc);
		if (lc->lc_name != NULL &&
		    strlen(lc->lc_name) >= TM_LISTENER_NAME_LEN)
			cfg_error(c, e, "listener: name '%s' is longer than "
			    "%d bytes", lc->lc_name, TM_LISTENER_NAME_LEN - 1);
		else if (lc->lc_name != NULL && !name_is_text(lc->lc_name)) {
			char shown[TM_LISTENER_NAME_LEN];

			/* Not the bytes themselves: they are the trouble. */
			report_sanitize(shown, sizeof(shown), lc->lc_name);
			cfg_error(c, e, "listener: name '%s' is not UTF-8 text "
			    "without control characters", shown);
		}
		for (size_t j = 0; j + 1 < cf->cf_nlisteners; j++) {
			struct listener_conf *o = &cf->cf_listeners[j];

			if (o->lc_name != NULL && lc->lc_name != NULL &&
			    strcmp(o->lc_name, lc->lc_name) == 0)
				cfg_error(c, e, named ? "listener: name '%s' "
				    "is already used on line %d" : "listener: "
				    "its default name '%s' is already used on "
				    "line %d: give it a name", lc->lc_name,
				    o->lc_line);
			/* A UNIX socket has no port, but one path only. */
			else if (lc->lc_sa.ss_family == AF_UNIX &&
			    o->lc_salen == lc->lc_salen &&
			    memcmp(&o->lc_sa, &lc->lc_sa, lc->lc_salen) == 0)
				cfg_error(c, e, "listener: %s is already a "
				    "listener on line %d", lc->lc_address,
				    o->lc_line);
			else if (lc->lc_port != 0 && o->lc_salen != 0 &&
			    o->lc_salen == lc->lc_salen &&
			    memcmp(&o->lc_sa, &lc->lc_sa, lc->lc_salen) == 0)
				cfg_error(c, e, "listener: %s port %u is "
				    "already a listener on line %d",
				    lc->lc_address, lc->lc_port, o->lc_line);
			else if (lc->lc_port != 0 && o->lc_salen != 0 &&
			    sa_wildcard_overlap(&o->lc_sa, &lc->lc_sa))
				cfg_error(c, e, "listener: %s port %u overlaps "
				    "the wildcard listener on line %d: one "
				    "socket cannot take both", lc->lc_address,
				    lc->lc_port, o->lc_line);
		}
	}
}

/*
 * Two addresses of one family on one port, one of them the wildcard: the
 * second bind(2) fails (EADDRINUSE), so -t says so rather than the start.
 * ("::" takes no IPv4 port: listeners are IPV6_V6ONLY.)
 */
static int
sa_wildcard_overlap(const struct sockaddr_storage *a,
    const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return (0);
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a,
		    *y = (const void *)b;

		return (x->sin_port == y->sin_port &&
		    x->sin_addr.s_addr != y->sin_addr.s_addr &&
		    (x->sin_addr.s_addr == htonl(INADDR_ANY) ||
		    y->sin_addr.s_addr == htonl(INADDR_ANY)));
	}
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a,
		    *y = (const void *)b;

		return (x->sin6_port == y->sin6_port &&
		    !IN6_ARE_ADDR_EQUAL(&x->sin6_addr, &y->sin6_addr) &&
		    (IN6_IS_ADDR_UNSPECIFIED(&x->sin6_addr) ||
		    IN6_IS_ADDR_UNSPECIFIED(&y->sin6_addr)));
	}
	return (0);
}

static int
resolve_address(struct loader *ld, const config_setting_t *e,
    struct listener_conf *lc)
{
	struct addrinfo hints, *res;
	char port[8], host[256];
	const char *a = lc->lc_address;
	size_t len;
	int r;

	if (strncmp(a, "unix:", 5) == 0) {
		struct sockaddr_un *un = (struct sockaddr_un *)&lc->lc_sa;

		char upath[sizeof(un->sun_path) + 1];

		/* Relative to the config's directory, like every path. */
		if (a[5] == '/')
			strlcpy(upath, a + 5, sizeof(upath));
		else
			snprintf(upath, sizeof(upath), "%s/%s", ld->ld_dir,
			    a + 5);
		path_tidy(upath);
		if (strlen(a + 5) == 0 || strlen(upath) >= sizeof(un->sun_path)) {
			cfg_error(ld->ld_c, e, "address: bad UNIX socket path "
			    "'%s'", a + 5);
			return (-1);
		}
		un->sun_family = AF_UNIX;
		strlcpy(un->sun_path, upath, sizeof(un->sun_path));
		lc->lc_salen = sizeof(*un);
		return (0);
	}
	/* "[::1]" as well as "::1" */
	len = strlen(a);
	if (len >= 2 && a[0] == '[' && a[len - 1] == ']') {
		if (len - 2 >= sizeof(host))
			goto bad;
		memcpy(host, a + 1, len - 2);
		host[len - 2] = '\0';
	} else if (strcmp(a, "*") == 0)
		strlcpy(host, "0.0.0.0", sizeof(host));
	else if (strlcpy(host, a, sizeof(host)) >= sizeof(host))
		goto bad;
	snprintf(port, sizeof(port), "%u", lc->lc_port);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((r = getaddrinfo(host, port, &hints, &res)) != 0) {
		cfg_error(ld->ld_c, config_setting_get_member(e, "address"),
		    "address: '%s': %s", a, gai_strerror(r));
		return (-1);
	}
	memcpy(&lc->lc_sa, res->ai_addr, res->ai_addrlen);
	lc->lc_salen = res->ai_addrlen;
	freeaddrinfo(res);
	return (0);
bad:
	cfg_error(ld->ld_c, config_setting_get_member(e, "address"),
	    "address: '%s' is not an address", a);
	return (-1);
}

/* What load_tls_paths() fills in each certificate. */
enum tls_path { TLS_PATH_CERT, TLS_PATH_KEY, TLS_PATH_OCSP };

static char **
tls_path_of(struct tls_cert *tcc, enum tls_path which)
{
	switch (which) {
	case TLS_PATH_CERT:
		return (&tcc->tcc_certificate);
	case TLS_PATH_KEY:
		return (&tcc->tcc_key);
	default:
		return (&tcc->tcc_ocsp_response);
	}
}

/*
 * A tls block's path key: one path, or a list of them, one per
 * certificate.  In an ocsp_response list, "" is a certificate without;
 * alone, it is an empty path, as ever.
 * The count, or -1 after an error.
 */
static int
load_tls_paths(struct loader *ld, const config_setting_t *g, const char *key,
    struct tls_conf *tc, enum tls_path which)
{
	struct cfg_ctx *c = ld->ld_c;
	config_setting_t *s, *e;
	int i, n;

	if ((s = config_setting_get_member(g, key)) == NULL)
		return (0);
	cfg_mark(g, key);
	if (config_setting_type(s) == CONFIG_TYPE_STRING)
		n = 1;
	else if (config_setting_type(s) == CONFIG_TYPE_ARRAY ||
	    config_setting_type(s) == CONFIG_TYPE_LIST)
		n = config_setting_length(s);
	else {
		cfg_error(c, s, "%s: expected a path or a list of paths", key);
		return (-1);
	}
	if (n == 0 || n > TLS_CERTS_MAX) {
		cfg_error(c, s, "%s: 1 to %d paths, one per certificate", key,
		    TLS_CERTS_MAX);
		return (-1);
	}
	for (i = 0; i < n; i++) {
		e = config_setting_type(s) == CONFIG_TYPE_STRING ? s :
		    config_setting_get_elem(s, (unsigned int)i);
		if (which == TLS_PATH_OCSP && e != s &&
		    config_setting_type(e) == CONFIG_TYPE_STRING &&
		    config_setting_get_string(e)[0] == '\0')
			continue;	/* this certificate has none */
		if (resolve_path(ld, e, tls_path_of(&tc->tc_certs[i],
		    which)) == -1)
			return (-1);
	}
	return (n);
}

/* certificate, key and ocsp_response, paired by their place in the lists. */
static void
load_tls_certs(struct loader *ld, const config_setting_t *g,
    struct tls_conf *tc)
{
	struct cfg_ctx *c = ld->ld_c;
	int nc, nk, no;

	nc = load_tls_paths(ld, g, "certificate", tc, TLS_PATH_CERT);
	nk = load_tls_paths(ld, g, "key", tc, TLS_PATH_KEY);
	no = load_tls_paths(ld, g, "ocsp_response", tc, TLS_PATH_OCSP);
	if (nc == 0)
		cfg_error(c, g, "tls: certificate is required");
	if (nk == 0)
		cfg_error(c, g, "tls: key is required");
	if (nc > 0 && nk > 0 && nc != nk)
		cfg_error(c, config_setting_get_member(g, "key"), "key: %d "
		    "for %d certificate%s; list one key per certificate, in "
		    "the same order", nk, nc, nc == 1 ? "" : "s");
	if (nc > 0 && no > 0 && nc != no)
		cfg_error(c, config_setting_get_member(g, "ocsp_response"),
		    "ocsp_response: %d for %d certificate%s; list one per "
		    "certificate, in the same order (\"\" for none)", no, nc,
		    nc == 1 ? "" : "s");
	if (nc > 0 && nc == nk && (no <= 0 || no == nc))
		tc->tc_ncerts = (size_t)nc;
}

static struct tls_conf *
load_tls(struct loader *ld, const config_setting_t *g)
{
	struct cfg_ctx *c = ld->ld_c;
	struct tls_conf *tc;

	if ((tc = calloc(1, sizeof(*tc))) == NULL) {
		cfg_error(c, g, "out of memory");
		return (NULL);
	}
	tc->tc_line = (int)config_setting_source_line(g);
	tc->tc_file = strdup(config_setting_source_file(g) != NULL ?
	    config_setting_source_file(g) : c->cc_file);
	load_tls_certs(ld, g, tc);
	if (cfg_strv(c, g, "protocols", &tc->tc_protocols, NULL) == 1) {
		static const char *const vers[] = { "TLSv1", "TLSv1.1",
		    "TLSv1.2", "TLSv1.3" };
		const config_setting_t *ps = config_setting_get_member(g,
		    "protocols");
		int have[4] = { 0, 0, 0, 0 }, lo = 4, hi = -1, k;

		for (char **p = tc->tc_protocols; *p != NULL; p++) {
			for (k = 0; k < 4 && strcmp(*p, vers[k]) != 0; k++)
				;
			if (k == 4) {
				cfg_error(c, ps, "protocols: unknown '%s' "
				    "(TLSv1, TLSv1.1, TLSv1.2, TLSv1.3)", *p);
				continue;
			}
			have[k] = 1;
			lo = k < lo ? k : lo;
			hi = k > hi ? k : hi;
		}
		if (tc->tc_protocols[0] == NULL)
			cfg_error(c, ps, "protocols: the list is empty (leave "
			    "it out for TLSv1.2 and TLSv1.3)");
		/*
		 * OpenSSL offers only the lowest unbroken run of versions:
		 * with a gap, the highest listed ones would never be used.
		 */
		for (k = lo + 1; k < hi; k++)
			if (!have[k]) {
				cfg_error(c, ps, "protocols: %s is missing "
				    "between %s and %s; OpenSSL offers only "
				    "versions in an unbroken run", vers[k],
				    vers[lo], vers[hi]);
				break;
			}
	}
	cfg_strdup(c, g, "ciphers", &tc->tc_ciphers);
	cfg_strdup(c, g, "ciphersuites", &tc->tc_ciphersuites);
	cfg_strdup(c, g, "curves", &tc->tc_curves);
	cfg_check_unknown(c, g, "tls");
	return (tc);
}

static void
load_sites(struct loader *ld, const config_setting_t *list)
{
	struct cfg_ctx *c = ld->ld_c;
	struct config *cf = ld->ld_cf;
	int i, n;

	n = config_setting_length(list);
	if (n == 0)
		return;
	if ((cf->cf_sites = calloc((size_t)n, sizeof(struct site_conf))) ==
	    NULL) {
		cfg_error(c, list, "out of memory");
		return;
	}
	for (i = 0; i < n; i++) {
		struct site_conf *st = &cf->cf_sites[cf->cf_nsites++];

		st->st_rootfd = -1;
		load_site(ld, config_setting_get_elem(list, (unsigned int)i),
		    st);
		site_headers_fit(ld, config_setting_get_elem(list,
		    (unsigned int)i), st);
	}
	/* One default per listener: the flagged one, else the first. */
	for (size_t l = 0; l < cf->cf_nlisteners; l++) {
		int have = 0;

		for (size_t j = 0; j < cf->cf_nsites; j++) {
			struct site_conf *st = &cf->cf_sites[j];

			if (st->st_listeners == NULL || !st->st_listeners[l] ||
			    !st->st_default)
				continue;
			/* At its file and line: the sites may be included. */
			if (have)
				cfg_error(c, config_setting_get_member(
				    config_setting_get_elem(list,
				    (unsigned int)j), "default"), "default: more "
				    "than one default site for listener '%s' "
				    "(the other is on line %d)",
				    cf->cf_listeners[l].lc_name, have);
			else
				have = st->st_line;
		}
	}
}

/*
 * Configured header fields share a response's head buffer with the
 * server's own lines and the handler's, for which at least HTTP_HBUF_SIZE
 * is kept: a site and route whose fields did not fit would fail every
 * response at run time.
 */
#define HEADERS_MAX_BYTES						\
	(HTTP_OUT_SIZE - HTTP_HBUF_SIZE - HTTP_HEAD_OWN_MAX)

static void
site_headers_fit(struct loader *ld, const config_setting_t *e,
    const struct site_conf *st)
{
	const config_setting_t *routes = config_setting_get_member(e,
	    "routes"), *r;
	size_t base = st->st_hblock_len + st->st_ablock_len, i, n;

	if (base > HEADERS_MAX_BYTES) {
		cfg_error(ld->ld_c, e, "headers: %zu bytes of fields; at most "
		    "%d with a route's", base, HEADERS_MAX_BYTES);
		return;
	}
	for (i = 0; i < st->st_nroutes; i++) {
		const struct route_conf *rc = &st->st_routes[i];

		n = base + rc->rc_hblock_len + rc->rc_ablock_len;
		r = routes != NULL ? config_setting_get_elem(routes,
		    (unsigned int)i) : NULL;
		if (n > HEADERS_MAX_BYTES)
			cfg_error(ld->ld_c, r != NULL ? r : e, "headers: %zu "
			    "bytes of fields with the site's; at most %d", n,
			    HEADERS_MAX_BYTES);
	}
}

/*
 * A listener without a name is called by its address ("127.0.0.1:80",
 * "unix:/run/tamarin/http.sock").  One too long for a name keeps its end,
 * "..." first: the port, or the socket's file, tells such listeners
 * apart, where a cut end would make two of them one name.  NULL: no
 * memory, reported by the caller as a missing name would be.
 */
static char *
listener_default_name(const struct listener_conf *lc)
{
	const size_t keep = TM_LISTENER_NAME_LEN - 1 - 3;
	char *full, *name;
	const char *tail;
	size_t len;
	int r;

	/* A UNIX socket has its path, no port. */
	if (lc->lc_sa.ss_family == AF_UNIX)
		r = asprintf(&full, "%s", lc->lc_address);
	else
		r = asprintf(&full, "%s:%u", lc->lc_address, lc->lc_port);
	if (r == -1)
		return (NULL);
	if ((len = strlen(full)) < TM_LISTENER_NAME_LEN)
		return (full);
	/* Not from inside a UTF-8 sequence. */
	for (tail = full + len - keep; ((unsigned char)*tail & 0xc0) == 0x80;
	    tail++)
		;
	r = asprintf(&name, "...%s", tail);
	free(full);
	return (r == -1 ? NULL : name);
}

/*
 * A listener's name is a Prometheus label value (UTF-8, where a byte that
 * is not would become U+FFFD and two names one series) and a word of the
 * daemon's log lines (a control character would break one): 1 if s is
 * well-formed UTF-8 (RFC 3629) without C0 controls or DEL.
 */
static int
name_is_text(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), len;
	uint32_t cp;

	while (n > 0) {
		if ((len = utf8_seq(p, n, &cp)) == 0 || cp < 0x20 ||
		    cp == 0x7f)
			return (0);
		p += len;
		n -= len;
	}
	return (1);
}

/* Host names compare case-insensitively, a final dot ignored. */
static int
site_name_eq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la > 1 && a[la - 1] == '.')
		la--;
	if (lb > 1 && b[lb - 1] == '.')
		lb--;
	return (la == lb && strncasecmp(a, b, la) == 0);
}

/*
 * A name another site already has on a listener they share would never
 * reach this one (the first wins): an error, where nginx warns.
 */
static void
site_names_unique(struct cfg_ctx *c, const config_setting_t *e,
    const struct config *cf, const struct site_conf *st)
{
	const config_setting_t *at = config_setting_get_member(e, "names");
	const struct site_conf *o;
	size_t i, j, k;

	if (at == NULL)
		at = e;		/* the default name, "*" */
	for (o = cf->cf_sites; o < st; o++) {
		if (o->st_names == NULL || o->st_listeners == NULL)
			continue;
		for (k = 0; k < cf->cf_nlisteners; k++)
			if (o->st_listeners[k] && st->st_listeners[k])
				break;
		if (k == cf->cf_nlisteners)
			continue;
		for (i = 0; i < st->st_nnames; i++)
			for (j = 0; j < o->st_nnames; j++)
				if (site_name_eq(st->st_names[i],
				    o->st_names[j]))
					cfg_error(c, at, "names: '%s' is "
					    "already the site's on line %d, on "
					    "listener '%s'", st->st_names[i],
					    o->st_line,
					    cf->cf_listeners[k].lc_name);
	}
}

static int
load_site(struct loader *ld, const config_setting_t *e, struct site_conf *st)
{
	struct cfg_ctx *c = ld->ld_c;
	struct config *cf = ld->ld_cf;
	config_setting_t *s, *routes, *g;
	char **lnames = NULL;
	size_t nl = 0, i, j;
	int n, k;

	st->st_line = (int)config_setting_source_line(e);
	if (config_setting_type(e) != CONFIG_TYPE_GROUP) {
		cfg_error(c, e, "sites: each entry is { ... }");
		return (-1);
	}
	switch (cfg_strv(c, e, "names", &st->st_names, &st->st_nnames)) {
	case 1:
		if (st->st_nnames > 0)
			break;
		cfg_error(c, config_setting_get_member(e, "names"),
		    "names: empty (leave it out to take any host)");
		/* FALLTHROUGH */
	default:
		/*
		 * No names: matches any Host (a catch-all site).  Bad ones
		 * (reported) too, so the checks below go on safely.
		 */
		cfg_strv_free(st->st_names);
		st->st_nnames = 0;
		if ((st->st_names = calloc(2, sizeof(char *))) != NULL &&
		    (st->st_names[0] = strdup("*")) != NULL)
			st->st_nnames = 1;
	}
	for (i = 0; i < st->st_nnames; i++) {
		const char *nm = st->st_names[i];

		if (nm[0] == '\0' || (strchr(nm, '*') != NULL &&
		    strcmp(nm, "*") != 0 && (strncmp(nm, "*.", 2) != 0 ||
		    strchr(nm + 1, '*') != NULL)))
			cfg_error(c, config_setting_get_member(e, "names"),
			    "names: '%s': use exact names, \"*.domain\" or "
			    "\"*\"", nm);
	}
	if ((st->st_listeners = calloc(cf->cf_nlisteners + 1, 1)) == NULL) {
		cfg_error(c, e, "out of memory");
		return (-1);
	}
	if (cfg_strv(c, e, "listeners", &lnames, &nl) == 1) {
		for (i = 0; i < nl; i++) {
			for (j = 0; j < cf->cf_nlisteners; j++)
				if (cf->cf_listeners[j].lc_name != NULL &&
				    strcmp(cf->cf_listeners[j].lc_name,
				    lnames[i]) == 0)
					break;
			if (j == cf->cf_nlisteners)
				cfg_error(c, config_setting_get_member(e,
				    "listeners"), "listeners: no listener "
				    "named '%s'", lnames[i]);
			else
				st->st_listeners[j] = 1;
		}
		cfg_strv_free(lnames);
	} else
		memset(st->st_listeners, 1, cf->cf_nlisteners);
	site_names_unique(c, e, cf, st);
	cfg_bool(c, e, "default", &st->st_default);
	if ((s = config_setting_get_member(e, "root")) != NULL) {
		cfg_mark(e, "root");
		if (resolve_path(ld, s, &st->st_root) == 1) {
			st->st_rootfd = docroot_open(st->st_root);
			if (st->st_rootfd == -1)
				cfg_error(c, s, "root: %s: %s", st->st_root,
				    strerror(errno));
		}
	}
	load_header_blocks(ld, e, &st->st_headers, &st->st_nheaders,
	    &st->st_hblock, &st->st_hblock_len, &st->st_ablock,
	    &st->st_ablock_len);
	if ((s = config_setting_get_member(e, "access_log")) != NULL) {
		cfg_mark(e, "access_log");
		st->st_alog_format = TM_ALOG_COMBINED;
		if (config_setting_type(s) == CONFIG_TYPE_STRING) {
			if (strcmp(config_setting_get_string(s), "off") == 0)
				st->st_alog_format = TM_ALOG_OFF;
			else if (resolve_path(ld, s, &st->st_alog_path) == 1)
				check_log_dir(ld, s, st->st_alog_path);
		} else if (config_setting_type(s) == CONFIG_TYPE_GROUP) {
			char *fmt = NULL;

			if ((g = config_setting_get_member(s, "path")) !=
			    NULL) {
				cfg_mark(s, "path");
				if (resolve_path(ld, g, &st->st_alog_path) == 1)
					check_log_dir(ld, g, st->st_alog_path);
			} else
				cfg_error(c, s, "access_log: path is "
				    "required");
			if (cfg_strdup(c, s, "format", &fmt) == 1) {
				if (strcmp(fmt, "combined") == 0)
					st->st_alog_format = TM_ALOG_COMBINED;
				else if (strcmp(fmt, "json") == 0)
					st->st_alog_format = TM_ALOG_JSON;
				else
					cfg_error(c, config_setting_get_member(
					    s, "format"), "format: '%s' is not "
					    "combined or json", fmt);
				free(fmt);
			}
			cfg_check_unknown(c, s, "access_log");
		} else
			cfg_error(c, s, "access_log: \"off\", a path, or "
			    "{ path = ...; format = ...; }");
	}
	if (cfg_list(c, e, "error_pages", &g) == 1) {
		n = config_setting_length(g);
		for (k = 0; k < n; k++) {
			config_setting_t *ep, *codes;
			char *page = NULL;
			int m, q;

			ep = config_setting_get_elem(g, (unsigned int)k);
			if (config_setting_type(ep) != CONFIG_TYPE_GROUP) {
				cfg_error(c, ep, "error_pages: each entry is "
				    "{ codes = [ 404 ]; page = \"/404.html\"; "
				    "}");
				continue;
			}
			if (cfg_strdup(c, ep, "page", &page) != 1 ||
			    page[0] != '/')
				cfg_error(c, ep, "error_pages: page must be a "
				    "path starting with /");
			if (cfg_list(c, ep, "codes", &codes) != 1)
				cfg_error(c, ep, "error_pages: codes = [ ... ] "
				    "is required");
			else {
				m = config_setting_length(codes);
				for (q = 0; q < m; q++) {
					int code = config_setting_get_int_elem(
					    codes, q);
					struct error_page *p;

					if (code < 400 || code > 599) {
						cfg_error(c, codes, "codes: "
						    "%d is not a 4xx or 5xx "
						    "status", code);
						continue;
					}
					p = reallocarray(st->st_error_pages,
					    st->st_nerror_pages + 1,
					    sizeof(*p));
					if (p == NULL)
						break;
					st->st_error_pages = p;
					p[st->st_nerror_pages].ep_status =
					    (unsigned int)code;
					p[st->st_nerror_pages].ep_path =
					    page != NULL ? strdup(page) : NULL;
					st->st_nerror_pages++;
				}
			}
			cfg_check_unknown(c, ep, "error_pages");
			free(page);
		}
	}
	if (cfg_group(c, e, "tls", &g) == 1)
		st->st_tls = load_tls(ld, g);
	if (cfg_list(c, e, "routes", &routes) == 1) {
		n = config_setting_length(routes);
		st->st_routes = calloc((size_t)n + 1, sizeof(struct route_conf));
		/*
		 * A route that failed still counts: what it allocated
		 * before the error (prefix, headers, handler data) is
		 * freed by config_free() with the rest, and a failed route
		 * fails the whole config, so none is ever served.
		 */
		for (k = 0; k < n && st->st_routes != NULL; k++) {
			(void)load_route(ld, config_setting_get_elem(routes,
			    (unsigned int)k), st,
			    &st->st_routes[st->st_nroutes]);
			st->st_nroutes++;
		}
	} else if (st->st_root != NULL) {
		/* A root and no routes: serve the root statically. */
		struct route_conf *rc;

		st->st_routes = calloc(1, sizeof(*rc));
		if (st->st_routes != NULL) {
			struct http_route_info ri;

			rc = &st->st_routes[0];
			rc->rc_prefix = strdup("/");
			rc->rc_prefix_len = 1;
			rc->rc_handler = http_handler_find("static");
			rc->rc_methods = rc->rc_handler->hd_methods;
			rc->rc_max_body = cf->cf_max_body;
			ri.ri_site = st->st_nnames > 0 ? st->st_names[0] :
			    "*";
			ri.ri_prefix = "/";
			ri.ri_root = st->st_root;
			ri.ri_confdir = ld->ld_dir;
			if (rc->rc_handler->hd_init != NULL &&
			    rc->rc_handler->hd_init(c, NULL, &ri,
			    &rc->rc_data) == -1)
				cfg_error(c, e, "site: static handler set-up "
				    "failed");
			st->st_nroutes = 1;
		}
	} else
		cfg_error(c, e, "site: needs a root or routes");
	cfg_check_unknown(c, e, "site");
	return (0);
}

static int
load_route(struct loader *ld, const config_setting_t *e,
    struct site_conf *st, struct route_conf *rc)
{
	struct cfg_ctx *c = ld->ld_c;
	struct http_route_info ri;
	char *hname = NULL;
	long long v;
	int errs = c->cc_errors;

	if (config_setting_type(e) != CONFIG_TYPE_GROUP) {
		cfg_error(c, e, "routes: each entry is { prefix = ...; handler "
		    "= ...; }");
		return (-1);
	}
	if (cfg_strdup(c, e, "prefix", &rc->rc_prefix) != 1)
		cfg_error(c, e, "route: prefix is required");
	else if (rc->rc_prefix[0] != '/')
		cfg_error(c, config_setting_get_member(e, "prefix"),
		    "prefix: '%s' must start with /", rc->rc_prefix);
	else
		rc->rc_prefix_len = strlen(rc->rc_prefix);
	if (cfg_strdup(c, e, "handler", &hname) != 1)
		cfg_error(c, e, "route: handler is required");
	else if ((rc->rc_handler = http_handler_find(hname)) == NULL)
		cfg_error(c, config_setting_get_member(e, "handler"),
		    "handler: no handler named '%s'", hname);
	free(hname);
	rc->rc_max_body = ld->ld_cf->cf_max_body;
	if (cfg_int(c, e, "max_body_bytes", 0, INT64_MAX, &v) == 1)
		rc->rc_max_body = (uint64_t)v;
	if (rc->rc_handler != NULL)
		rc->rc_methods = rc->rc_handler->hd_methods;
	if (load_methods(ld, e, &rc->rc_methods) == 1 &&
	    rc->rc_handler != NULL && (rc->rc_methods &
	    ~route_methods_max(rc->rc_handler)) != 0)
		cfg_error(c, config_setting_get_member(e, "methods"),
		    "methods: the %s handler only reads (GET, HEAD, POST)",
		    rc->rc_handler->hd_name);
	load_header_blocks(ld, e, &rc->rc_headers, &rc->rc_nheaders,
	    &rc->rc_hblock, &rc->rc_hblock_len, &rc->rc_ablock,
	    &rc->rc_ablock_len);
	if (rc->rc_handler != NULL && rc->rc_prefix != NULL &&
	    rc->rc_handler->hd_init != NULL) {
		ri.ri_site = st->st_nnames > 0 ? st->st_names[0] : "*";
		ri.ri_prefix = rc->rc_prefix;
		ri.ri_root = st->st_root;
		ri.ri_confdir = ld->ld_dir;
		if (rc->rc_handler->hd_init(c, e, &ri, &rc->rc_data) == -1 &&
		    c->cc_errors == errs)
			cfg_error(c, e, "route: handler %s refused its "
			    "options", rc->rc_handler->hd_name);
	}
	cfg_check_unknown(c, e, "route");
	return (c->cc_errors == errs ? 0 : -1);
}

/*
 * What a route of handler h may let through.  The built-ins that read a
 * file or the segment answer GET and HEAD, and POST as GET (as Apache does
 * for a form's target); a 200 to PUT or DELETE would say the resource was
 * written or deleted (RFC 9110 §9.3.4-5).  Others take what they are given.
 */
static unsigned int
route_methods_max(const struct http_handler *h)
{
	if (h == &http_handler_static || h == &http_handler_status)
		return (HTTP_METHOD_BIT(HTTP_M_GET) |
		    HTTP_METHOD_BIT(HTTP_M_HEAD) |
		    HTTP_METHOD_BIT(HTTP_M_POST));
	return (~0u);
}

static int
load_methods(struct loader *ld, const config_setting_t *e, unsigned int *mask)
{
	char **v = NULL, **p;
	unsigned int m = 0, k;

	if (cfg_strv(ld->ld_c, e, "methods", &v, NULL) != 1)
		return (0);
	for (p = v; *p != NULL; p++) {
		for (k = 1; k < HTTP_M__COUNT; k++)
			if (strcmp(*p, http_method_name(k)) == 0)
				break;
		if (k == HTTP_M__COUNT)
			cfg_error(ld->ld_c, config_setting_get_member(e,
			    "methods"), "methods: unknown method '%s'", *p);
		else
			m |= HTTP_METHOD_BIT(k);
	}
	cfg_strv_free(v);
	/* HEAD goes with GET, as every server does. */
	if (m & HTTP_METHOD_BIT(HTTP_M_GET))
		m |= HTTP_METHOD_BIT(HTTP_M_HEAD);
	*mask = m;
	return (1);
}

/*
 * Fields the server writes itself.  Configured headers are added, never
 * substituted, so one of these would be sent twice: a second
 * Content-Length or a Transfer-Encoding is a framing a proxy in front may
 * read differently (RFC 9112 §6.3), the connection fields are hop-by-hop
 * and the server's own (§9.6), and the rest are singletons that a
 * handler sets for each response (RFC 9110 §5.3).
 */
static int
header_reserved(const char *name)
{
	static const char *const reserved[] = {
		"Connection", "Content-Encoding", "Content-Length",
		"Content-Range", "Content-Type", "Date", "ETag", "Keep-Alive",
		"Last-Modified", "Location", "Proxy-Connection", "Server",
		"TE", "Trailer", "Transfer-Encoding", "Upgrade",
	};
	size_t i;

	for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (strcasecmp(name, reserved[i]) == 0)
			return (1);
	return (0);
}

static int
load_headers(struct loader *ld, const config_setting_t *e, const char *key,
    struct header_conf **out, size_t *np)
{
	struct cfg_ctx *c = ld->ld_c;
	config_setting_t *g, *s;
	struct header_conf *h;
	int i, n;

	if (cfg_group(c, e, key, &g) != 1)
		return (0);
	n = config_setting_length(g);
	if ((h = calloc((size_t)n + 1, sizeof(*h))) == NULL) {
		cfg_error(c, g, "out of memory");
		return (-1);
	}
	for (i = 0; i < n; i++) {
		const char *val;

		s = config_setting_get_elem(g, (unsigned int)i);
		if (config_setting_type(s) != CONFIG_TYPE_STRING) {
			cfg_error(c, s, "%s.%s: expected a string", key,
			    config_setting_name(s));
			continue;
		}
		val = config_setting_get_string(s);
		/* Never let config smuggle a line break into a response. */
		if (strpbrk(val, "\r\n") != NULL) {
			cfg_error(c, s, "%s.%s: line breaks are not allowed",
			    key, config_setting_name(s));
			continue;
		}
		if (header_reserved(config_setting_name(s))) {
			cfg_error(c, s, "%s.%s: the server sets this field "
			    "itself", key, config_setting_name(s));
			continue;
		}
		h[*np].hc_name = strdup(config_setting_name(s));
		h[*np].hc_value = strdup(val);
		(*np)++;
	}
	*out = h;
	return (1);
}

/*
 * "headers" go on responses below 400, "headers_always" on every one, as
 * nginx's add_header and its "always" (Apache's Header has the same
 * two): a Cache-Control meant for pages must not make caches keep a 404,
 * while a policy such as Strict-Transport-Security belongs on errors too.
 */
static void
load_header_blocks(struct loader *ld, const config_setting_t *e,
    struct header_conf **hp, size_t *np, char **ok, size_t *oklen,
    char **always, size_t *alwayslen)
{
	struct header_conf *a = NULL;
	size_t na = 0, i, j;

	load_headers(ld, e, "headers", hp, np);
	header_block(*hp, *np, ok, oklen);
	if (load_headers(ld, e, "headers_always", &a, &na) != 1)
		return;
	for (i = 0; i < na; i++)
		for (j = 0; j < *np; j++)
			if (a[i].hc_name != NULL &&
			    (*hp)[j].hc_name != NULL &&
			    strcasecmp(a[i].hc_name, (*hp)[j].hc_name) == 0)
				cfg_error(ld->ld_c, config_setting_get_member(
				    e, "headers_always"), "headers_always.%s: "
				    "also in headers (it would be sent twice)",
				    a[i].hc_name);
	header_block(a, na, always, alwayslen);
	free_headers(a, na);
}

/* Configured headers, formatted once for every response. */
static void
header_block(const struct header_conf *h, size_t n, char **out, size_t *len)
{
	size_t i, total = 0, off = 0;
	char *b;

	*out = NULL;
	*len = 0;
	for (i = 0; i < n; i++)
		if (h[i].hc_name != NULL && h[i].hc_value != NULL)
			total += strlen(h[i].hc_name) + strlen(h[i].hc_value) +
			    4;
	if (total == 0 || (b = malloc(total + 1)) == NULL)
		return;
	for (i = 0; i < n; i++)
		if (h[i].hc_name != NULL && h[i].hc_value != NULL)
			off += (size_t)snprintf(b + off, total + 1 - off,
			    "%s: %s\r\n", h[i].hc_name, h[i].hc_value);
	*out = b;
	*len = off;
}

/* A string path setting, made absolute against the config's directory. */
static int
resolve_path(struct loader *ld, const config_setting_t *s, char **out)
{
	/* A list's element is named by its list. */
	const char *name = config_setting_name(s) != NULL ?
	    config_setting_name(s) : config_setting_parent(s) != NULL &&
	    config_setting_name(config_setting_parent(s)) != NULL ?
	    config_setting_name(config_setting_parent(s)) : "path";
	const char *p;
	char *r;

	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		cfg_error(ld->ld_c, s, "%s: expected a path string", name);
		return (-1);
	}
	p = config_setting_get_string(s);
	if (p[0] == '\0') {
		cfg_error(ld->ld_c, s, "%s: empty path", name);
		return (-1);
	}
	if (p[0] == '/')
		r = strdup(p);
	else if (asprintf(&r, "%s/%s", ld->ld_dir, p) == -1)
		r = NULL;
	if (r == NULL) {
		cfg_error(ld->ld_c, s, "out of memory");
		return (-1);
	}
	free(*out);
	*out = r;
	return (1);
}

const char *
config_default_pidfile(void)
{
	return (DEFAULT_PIDFILE);
}

char *
config_segment_beside(const char *pidfile)
{
	size_t n = strlen(pidfile);
	char *r;

	if (n > 4 && strcmp(pidfile + n - 4, ".pid") == 0) {
		if (asprintf(&r, "%.*s.shm", (int)(n - 4), pidfile) == -1)
			return (NULL);
	} else if (asprintf(&r, "%s.shm", pidfile) == -1)
		return (NULL);
	return (r);
}

/*
 * Drops the empty and "." steps of an absolute path in place.  A UNIX
 * socket is known by its path's text (two listeners on one socket, one
 * kept over a reload), and "./a.sock", "a.sock" and "run//a.sock" each
 * name one file whatever the links on the way.  ".." is left: after a
 * link it is not the step back the text shows.
 */
static void
path_tidy(char *p)
{
	char *w = p;

	while (*p != '\0') {
		if (p[0] == '/' && p[1] == '/')
			p++;
		else if (p[0] == '/' && p[1] == '.' && p[2] == '/')
			p += 2;
		else
			*w++ = *p++;
	}
	*w = '\0';
}

/*
 * A log file is created when it is missing, its directory never: a
 * directory that is not there would only show when the workers start
 * (and stop), after -t said the file was fine.
 */
static void
check_log_dir(struct loader *ld, const config_setting_t *s, const char *path)
{
	char *dup, *dir;
	struct stat st;

	if ((dup = strdup(path)) == NULL)
		return;
	dir = dirname(dup);
	if (stat(dir, &st) == -1)
		cfg_error(ld->ld_c, s, "%s: %s: %s", config_setting_name(s),
		    dir, strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		cfg_error(ld->ld_c, s, "%s: %s: not a directory",
		    config_setting_name(s), dir);
	free(dup);
}

/*
 * The master makes the pidfile's and the segment's directory when it is
 * missing (a run directory on tmpfs after a reboot), one level deep, so
 * its parent must exist.
 */
static void
check_run_dir(struct loader *ld, const config_setting_t *s, const char *path)
{
	char *dup, *dir;
	struct stat st;

	if ((dup = strdup(path)) == NULL)
		return;
	dir = dirname(dup);
	/* Missing: the master makes it, in its parent. */
	if (stat(dir, &st) == -1 && errno == ENOENT)
		check_log_dir(ld, s, dir);
	else
		check_log_dir(ld, s, path);
	free(dup);
}

static void
free_tls(struct tls_conf *tc)
{
	size_t i;

	if (tc == NULL)
		return;
	for (i = 0; i < TLS_CERTS_MAX; i++) {
		free(tc->tc_certs[i].tcc_certificate);
		free(tc->tc_certs[i].tcc_key);
		free(tc->tc_certs[i].tcc_ocsp_response);
	}
	cfg_strv_free(tc->tc_protocols);
	free(tc->tc_ciphers);
	free(tc->tc_ciphersuites);
	free(tc->tc_curves);
	free(tc->tc_file);
	free(tc);
}

static void
free_headers(struct header_conf *h, size_t n)
{
	size_t i;

	if (h == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(h[i].hc_name);
		free(h[i].hc_value);
	}
	free(h);
}

void
config_free(struct config *cf)
{
	size_t i, j;

	if (cf == NULL)
		return;
	for (i = 0; i < cf->cf_nsites; i++) {
		struct site_conf *st = &cf->cf_sites[i];

		for (j = 0; j < st->st_nroutes; j++) {
			struct route_conf *rc = &st->st_routes[j];

			if (rc->rc_handler != NULL &&
			    rc->rc_handler->hd_free != NULL &&
			    rc->rc_data != NULL)
				rc->rc_handler->hd_free(rc->rc_data);
			free(rc->rc_prefix);
			free_headers(rc->rc_headers, rc->rc_nheaders);
			free(rc->rc_hblock);
			free(rc->rc_ablock);
		}
		free(st->st_routes);
		cfg_strv_free(st->st_names);
		free(st->st_root);
		docroot_close(st->st_rootfd);
		free(st->st_listeners);
		free_headers(st->st_headers, st->st_nheaders);
		free(st->st_hblock);
		free(st->st_ablock);
		for (j = 0; j < st->st_nerror_pages; j++)
			free(st->st_error_pages[j].ep_path);
		free(st->st_error_pages);
		free(st->st_alog_path);
		free_tls(st->st_tls);
	}
	free(cf->cf_sites);
	for (i = 0; i < cf->cf_nlisteners; i++) {
		struct listener_conf *lc = &cf->cf_listeners[i];

		free(lc->lc_name);
		free(lc->lc_address);
		free(lc->lc_proxy_trusted);
		tls_ctx_free(lc->lc_tls_ctx);
		free_tls(lc->lc_tls);
		free((char *)lc->lc_file);
	}
	free(cf->cf_listeners);
	/*
	 * Plugins stay loaded for the life of the process: their handlers
	 * are registered globally and a later config may name them again.
	 */
	for (i = 0; i < cf->cf_nplugins; i++)
		free(cf->cf_plugins[i].pc_path);
	free(cf->cf_plugins);
	for (i = 0; i < cf->cf_nalog_paths; i++)
		free(cf->cf_alog_paths[i]);
	free(cf->cf_alog_paths);
	if (cf->cf_mime != NULL)
		mime_table_free(cf->cf_mime);
	free(cf->cf_default_type);
	free(cf->cf_user);
	free(cf->cf_group);
	free(cf->cf_pidfile);
	free(cf->cf_segment);
	free(cf->cf_error_log);
	free(cf->cf_path);
	free(cf);
}

int
config_default_type(struct cfg_ctx *c, const config_setting_t *g,
    char **out)
{
	int r;

	if ((r = cfg_strdup(c, g, "default_type", out)) != 1)
		return (r);
	if (mime_type_ok(*out))
		return (1);
	cfg_error(c, config_setting_get_member(g, "default_type"),
	    "default_type: invalid type '%s'", *out);
	return (-1);
}

int
config_listener_holds_ack(const struct listener_conf *lc)
{
	return (lc->lc_proto == TM_PROTO_HTTP &&
	    lc->lc_sa.ss_family != AF_UNIX);
}

int
config_listener_same(const struct listener_conf *a,
    const struct listener_conf *b)
{
	if (a->lc_salen != b->lc_salen)
		return (0);
	/*
	 * A UNIX socket is its path: renamed, or its path spelled another
	 * way, it is still the socket bound there (a new one could not
	 * bind while the old one accepts).
	 */
	if (a->lc_sa.ss_family == AF_UNIX || b->lc_sa.ss_family == AF_UNIX)
		return (memcmp(&a->lc_sa, &b->lc_sa, a->lc_salen) == 0);
	/*
	 * Port 0 asks the kernel for a port: the same listener is the one
	 * with the same name and address, and it keeps the port it got.
	 */
	if (a->lc_port == 0 || b->lc_port == 0)
		return (a->lc_port == b->lc_port &&
		    strcmp(a->lc_name, b->lc_name) == 0 &&
		    strcmp(a->lc_address, b->lc_address) == 0);
	return (memcmp(&a->lc_sa, &b->lc_sa, a->lc_salen) == 0);
}
