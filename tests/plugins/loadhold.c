/*
 * A plugin whose registration takes as long as the file "loadhold.hold"
 * exists in the working directory (two minutes at most), after writing
 * its pid to "loadhold.pid": a reader that hangs.  While a reload's trial
 * reads it, the master must go on serving; a stop must end the trial.
 */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "proto/http/handler.h"

static int
loadhold_register(void)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	FILE *f;
	int i;

	if (access("loadhold.hold", F_OK) == -1)
		return (0);
	if ((f = fopen("loadhold.pid", "w")) != NULL) {
		fprintf(f, "%d\n", (int)getpid());
		(void)fclose(f);
	}
	for (i = 0; i < 12000 && access("loadhold.hold", F_OK) == 0; i++)
		(void)nanosleep(&ts, NULL);
	return (0);
}

const struct tm_plugin tamarin_plugin = {
	.tp_abi = TM_HANDLER_ABI,
	.tp_name = "loadhold",
	.tp_register = loadhold_register,
};
