/*
 * crash: a handler that takes its worker down on request, for the crash
 * recovery tests.  GET <prefix>/abort aborts; <prefix>/exit2 exits with
 * status 2 ("fatal, do not respawn"); <prefix>/spin never returns.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto/http/handler.h"

static int
crash_handle(struct http_req *r, void *data)
{
	const char *p = http_req_subpath(r);

	(void)data;
	if (strcmp(p, "/abort") == 0)
		abort();
	if (strcmp(p, "/exit2") == 0)
		_exit(2);
	if (strcmp(p, "/spin") == 0)
		for (;;)
			;
	return (http_resp_error(r, 404));
}

static const struct http_handler crash_handler = {
	.hd_name = "crash",
	.hd_handle = crash_handle,
	.hd_methods = (1u << 1) | (1u << 2),
};

static int
crash_register(void)
{
	return (http_handler_register(&crash_handler));
}

const struct tm_plugin tamarin_plugin = {
	.tp_abi = TM_HANDLER_ABI,
	.tp_name = "crash",
	.tp_register = crash_register,
};
