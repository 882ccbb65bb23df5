/*
 * The daemon's log (src/lib/log.c): one message is one line.
 */
#include <atf-c.h>
#include <stdio.h>
#include <string.h>

#include "lib/log.h"

ATF_TC_WITHOUT_HEAD(log__one_line);
ATF_TC_BODY(log__one_line, tc)
{
	char buf[512], *msg;
	FILE *fp;

	ATF_REQUIRE(log_open("t.log") == 0);
	log_set_procname("worker 1 gen 1");
	/* A decoded path a client chose, quoted in a message. */
	log_warnx("static: %s: %s", "/a\n2026/11/28 [error] forged\x1b[2J",
	    "Input/output error");
	log_warnx("tab\there, DEL\x7f, UTF-8 \xc3\xa9");
	log_close();
	ATF_REQUIRE((fp = fopen("t.log", "r")) != NULL);
	ATF_REQUIRE(fgets(buf, sizeof(buf), fp) != NULL);
	ATF_REQUIRE((msg = strstr(buf, "#worker 1 gen 1: ")) != NULL);
	ATF_CHECK_STREQ(msg + strlen("#worker 1 gen 1: "), "static: "
	    "/a?2026/11/28 [error] forged?[2J: Input/output error\n");
	ATF_REQUIRE(fgets(buf, sizeof(buf), fp) != NULL);
	ATF_REQUIRE((msg = strstr(buf, "#worker 1 gen 1: ")) != NULL);
	ATF_CHECK_STREQ(msg + strlen("#worker 1 gen 1: "),
	    "tab?here, DEL?, UTF-8 \xc3\xa9\n");
	ATF_CHECK(fgets(buf, sizeof(buf), fp) == NULL);
	fclose(fp);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, log__one_line);
	return (atf_no_error());
}
