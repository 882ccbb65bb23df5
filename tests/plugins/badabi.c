/* A plugin built for another ABI: loading it must be a config error. */
#include "proto/http/handler.h"

static int
badabi_register(void)
{
	return (0);
}

const struct tm_plugin tamarin_plugin = {
	.tp_abi = TM_HANDLER_ABI + 41,
	.tp_name = "badabi",
	.tp_register = badabi_register,
};
