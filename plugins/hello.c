/*
 * hello: an example handler plugin, built and loaded from the tree so the
 * plugin loader is exercised.
 *
 *   plugins = ( { path = "/usr/local/lib/tamarin/plugins/hello.so"; } );
 *   routes = ( { prefix = "/hello"; handler = "hello";
 *                greeting = "Hello from a plugin"; } );
 *
 * GET /hello/world answers "Hello from a plugin: /world" as text/plain.
 * Everything it uses comes from src/proto/http/handler.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/http/handler.h"

struct hello_conf {
	char	*hc_greeting;
};

static int
hello_init(struct cfg_ctx *c, const config_setting_t *route,
    const struct http_route_info *ri, void **data)
{
	struct hello_conf *hc;

	(void)ri;
	if ((hc = calloc(1, sizeof(*hc))) == NULL)
		return (-1);
	*data = hc;
	if (tm_cfg_string(c, route, "greeting", &hc->hc_greeting) == -1)
		return (-1);
	if (hc->hc_greeting == NULL &&
	    (hc->hc_greeting = strdup("Hello, world")) == NULL)
		return (-1);
	return (0);
}

static int
hello_handle(struct http_req *r, void *data)
{
	const struct hello_conf *hc = data;
	char body[1024];
	int n;

	n = snprintf(body, sizeof(body), "%s: %s\n", hc->hc_greeting,
	    http_req_subpath(r));
	if (n < 0 || (size_t)n >= sizeof(body))
		return (http_resp_error(r, 414));
	http_resp_status(r, 200);
	http_resp_header(r, "Content-Type", "text/plain; charset=utf-8");
	return (http_resp_body_mem(r, body, (size_t)n, 1));
}

static void
hello_free(void *data)
{
	struct hello_conf *hc = data;

	if (hc != NULL)
		free(hc->hc_greeting);
	free(hc);
}

static const struct http_handler hello_handler = {
	.hd_name = "hello",
	.hd_init = hello_init,
	.hd_handle = hello_handle,
	.hd_free = hello_free,
	/* GET and HEAD (enum http_method: GET = 1, HEAD = 2). */
	.hd_methods = (1u << 1) | (1u << 2),
};

static int
hello_register(void)
{
	return (http_handler_register(&hello_handler));
}

const struct tm_plugin tamarin_plugin = {
	.tp_abi = TM_HANDLER_ABI,
	.tp_name = "hello",
	.tp_register = hello_register,
};
