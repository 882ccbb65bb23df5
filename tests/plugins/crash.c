/*
 * crash: a handler that takes its worker down on request, for the crash
 * recovery tests.  GET <prefix>/abort aborts; <prefix>/exit2 exits with
 * status 2 ("fatal, do not respawn"); <prefix>/spin never returns;
 * <prefix>/scribble wrecks its block's slot range in the segment, as a
 * worker with corrupted memory might, then aborts.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto/http/handler.h"
#include "shm/shm.h"
#include "worker/wstate.h"

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
	if (strcmp(p, "/scribble") == 0) {
		/* Far out of the segment: the master must not follow it. */
		atomic_store(&tm_ws.ws_sb->wb_bits_first, 0x7fffff00u);
		atomic_store(&tm_ws.ws_sb->wb_slot_first, 0x7fffff00u);
		atomic_store(&tm_ws.ws_sb->wb_slot_count, 0xffffffu);
		abort();
	}
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
