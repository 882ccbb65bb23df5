/*
 * A plugin that ends its loader: registration calls exit(1), the status
 * a configuration with errors would give.  A reload that adds it must
 * cost the trial reading, never the master.
 */
#include <stdlib.h>

#include "proto/http/handler.h"

static int
loadexit_register(void)
{
	exit(1);
}

const struct tm_plugin tamarin_plugin = {
	.tp_abi = TM_HANDLER_ABI,
	.tp_name = "loadexit",
	.tp_register = loadexit_register,
};
