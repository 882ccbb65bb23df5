/*
 * The status handler: the segment's figures over HTTP, for people (JSON)
 * and for Prometheus.
 *
 *   <prefix>/          the summary with its worker list, as
 *                      `tamarinctl -j show summary` prints it
 *   <prefix>/metrics   Prometheus text exposition 0.0.4
 *   <prefix>/slots     the connections, as `tamarinctl -j show slots`
 *
 * Route options: allow = [ "127.0.0.1", "::1", "10.0.0.0/8" ] (cidr.h
 * rules; "all" opens it to everyone); without it only loopback peers get
 * an answer, everyone else a 403, because the page names client addresses.
 *
 * The worker reads its own mapping of the segment, never writes it, and
 * does not re-map it: its slot pointers must not move.  Blocks of workers
 * forked after the pool grew lie beyond that mapping; report.c leaves
 * their slots out.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <stdlib.h>
#include <string.h>

#include "lib/cfg.h"
#include "lib/cidr.h"
#include "lib/sbuf.h"
#include "proto/http/handler.h"
#include "proto/http/http.h"
#include "proto/http/parser.h"
#include "shm/report.h"
#include "shm/shm.h"

/* Set by the worker after fork: its mapping of the segment. */
struct shm *http_status_shm;

struct status_conf {
	struct cidr	*sc_allow;
	size_t		 sc_nallow;
};

static int	status_init(struct cfg_ctx *, const config_setting_t *,
		    const struct http_route_info *, void **);
static int	status_handle(struct http_req *, void *);
static void	status_free(void *);

const struct http_handler http_handler_status = {
	.hd_name = "status",
	.hd_init = status_init,
	.hd_handle = status_handle,
	.hd_free = status_free,
	.hd_methods = HTTP_METHOD_BIT(HTTP_M_GET) |
	    HTTP_METHOD_BIT(HTTP_M_HEAD),
};

static const char *const status_default_allow[] = { "127.0.0.0/8", "::1" };

static int
status_init(struct cfg_ctx *c, const config_setting_t *route,
    const struct http_route_info *ri, void **data)
{
	struct status_conf *sc;
	char **v = NULL;
	size_t i, n = 0;
	int errs = c->cc_errors, r = 0;

	if ((sc = calloc(1, sizeof(*sc))) == NULL)
		return (-1);
	if (route != NULL)
		r = cfg_strv(c, route, "allow", &v, &n);
	if (r == 1 && n == 0)
		cfg_error(c, config_setting_get_member(route, "allow"),
		    "allow: empty; write [ \"all\" ] to allow everyone");
	if (r != 1) {
		/* Absent (or wrong, reported): loopback only. */
		n = sizeof(status_default_allow) /
		    sizeof(status_default_allow[0]);
	}
	if ((sc->sc_allow = calloc(n > 0 ? n : 1,
	    sizeof(*sc->sc_allow))) == NULL) {
		cfg_strv_free(v);
		free(sc);
		return (-1);
	}
	for (i = 0; i < n; i++) {
		const char *rule = r == 1 ? v[i] : status_default_allow[i];

		if (cidr_parse(rule, &sc->sc_allow[i]) == -1)
			cfg_error(c, config_setting_get_member(route, "allow"),
			    "allow: '%s' is not an address, a network "
			    "(10.0.0.0/8, 2001:db8::/32), \"unix:\" or "
			    "\"all\"", rule);
	}
	sc->sc_nallow = n;
	cfg_strv_free(v);
	if (c->cc_errors != errs) {
		status_free(sc);
		return (-1);
	}
	*data = sc;
	return (0);
}

static void
status_free(void *data)
{
	struct status_conf *sc = data;

	if (sc == NULL)
		return;
	free(sc->sc_allow);
	free(sc);
}

static int
status_handle(struct http_req *r, void *data)
{
	const struct status_conf *sc = data;
	const struct sockaddr *peer;
	const char *sub, *type;
	struct shm_snap sn;
	struct sbuf sb;
	int view, ret;

	peer = http_req_peer_sa(r);
	if (sc == NULL || peer == NULL ||
	    !cidr_match_list(sc->sc_allow, sc->sc_nallow, peer))
		return (http_resp_error(r, 403));
	sub = http_req_subpath(r);
	if (sub[0] == '\0' || strcmp(sub, "/") == 0)
		view = 0;
	else if (strcmp(sub, "/metrics") == 0)
		view = 1;
	else if (strcmp(sub, "/slots") == 0)
		view = 2;
	else
		return (http_resp_error(r, 404));
	if (http_status_shm == NULL)
		return (http_resp_error(r, 503));

	if (report_snap_init(&sn, http_status_shm,
	    view == 2 ? REPORT_SLOTS : 0) == -1)
		return (http_resp_error(r, 500));
	sbuf_init(&sb);
	switch (view) {
	case 0:
		report_json_summary(&sb, &sn);
		type = "application/json";
		break;
	case 1:
		report_prometheus(&sb, &sn);
		type = "text/plain; version=0.0.4; charset=utf-8";
		break;
	default:
		report_json_slots(&sb, &sn);
		type = "application/json";
		break;
	}
	report_snap_fini(&sn);
	if (sbuf_error(&sb)) {
		sbuf_fini(&sb);
		return (http_resp_error(r, 500));
	}
	/* Figures of this instant: no cache may answer with old ones. */
	if (http_resp_header(r, "Cache-Control", "no-store") == -1)
		ret = -1;
	/*
	 * No validators of its own, but "*" and If-Match still apply, once
	 * the answer is known to be a 200 (RFC 9110 §13.2.1); a 304 keeps
	 * the Cache-Control (§15.4.5).
	 */
	else if (http_resp_preconditions(r, NULL, 0, NULL))
		ret = 0;
	else {
		http_resp_status(r, 200);
		if (http_resp_header(r, "Content-Type", type) == -1)
			ret = -1;
		else
			ret = http_resp_body_mem(r, sbuf_data(&sb),
			    sbuf_len(&sb), 1);
	}
	sbuf_fini(&sb);
	return (ret == -1 ? -1 : 0);
}
