/*
 * A plugin that crashes its loader: registration aborts.  A reload that
 * adds it must cost the trial reading, never the master.
 */
#include <stdlib.h>

#include "proto/http/handler.h"

static int
loadabort_register(void)
{
	abort();
}

const struct tm_plugin tamarin_plugin = {
	.tp_abi = TM_HANDLER_ABI,
	.tp_name = "loadabort",
	.tp_register = loadabort_register,
};
