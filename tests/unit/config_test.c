/*
 * Configuration loading: defaults, the documented schema, and errors
 * reported with file and line — all of them, not just the first.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netinet/in.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>

#include "lib/cfg.h"
#include "lib/log.h"
#include "master/config.h"
#include "proto/proto.h"

static void
write_file(const char *path, const char *text)
{
	FILE *f;

	ATF_REQUIRE_MSG((f = fopen(path, "w")) != NULL, "%s: %s", path,
	    strerror(errno));
	ATF_REQUIRE(fputs(text, f) >= 0);
	ATF_REQUIRE(fclose(f) == 0);
}

static struct config *
load(const char *text, struct cfg_ctx *c)
{
	mkdir("www", 0755);
	write_file("t.conf", text);
	cfg_ctx_init(c, "t.conf");
	return (config_load("t.conf", c));
}

/* Every expected message, in order, and nothing else. */
static void
expect_errors(const struct cfg_ctx *c, const char *const *want)
{
	size_t i, n = 0;

	while (want[n] != NULL)
		n++;
	for (i = 0; i < c->cc_nmsgs && i < n; i++)
		ATF_CHECK_STREQ_MSG(c->cc_msgs[i], want[i], "error %zu", i);
	for (; i < c->cc_nmsgs; i++)
		ATF_CHECK_MSG(0, "unexpected error: %s", c->cc_msgs[i]);
	for (; i < n; i++)
		ATF_CHECK_MSG(0, "missing error: %s", want[i]);
	ATF_CHECK_EQ((size_t)c->cc_errors, n);
}

#define MINIMAL								\
	"listeners = ( { address = \"127.0.0.1\"; port = 8080; } );\n"	\
	"sites = ( { root = \"www\"; } );\n"

ATF_TC_WITHOUT_HEAD(config__defaults);
ATF_TC_BODY(config__defaults, tc)
{
	struct cfg_ctx c;
	struct config *cf;
	char cwd[PATH_MAX], want[PATH_MAX + 8];

	cf = load(MINIMAL, &c);
	ATF_REQUIRE_MSG(cf != NULL, "%s", c.cc_nmsgs ? c.cc_msgs[0] : "?");
	ATF_CHECK_EQ(cf->cf_workers, 1);
	ATF_CHECK_EQ(cf->cf_slots_per_worker, 1024);
	ATF_CHECK_EQ(cf->cf_shutdown_timeout_ms, 30000);
	ATF_CHECK_EQ(cf->cf_heartbeat_timeout_ms, 10000);
	ATF_CHECK_EQ(cf->cf_tick_ms, 100);
	ATF_CHECK_EQ(cf->cf_timeouts.to_header_ms, 10000);
	ATF_CHECK_EQ(cf->cf_timeouts.to_keepalive_ms, 5000);
	ATF_CHECK_EQ(cf->cf_http_limits.hl_request_line, 8192);
	ATF_CHECK_EQ(cf->cf_http_limits.hl_header_bytes, 32768);
	ATF_CHECK_EQ(cf->cf_http_limits.hl_header_count, 100);
	ATF_REQUIRE_EQ(cf->cf_nlisteners, 1);
	ATF_CHECK_STREQ(cf->cf_listeners[0].lc_name, "127.0.0.1:8080");
	ATF_CHECK_EQ(cf->cf_listeners[0].lc_proto, TM_PROTO_HTTP);
	ATF_CHECK_EQ(cf->cf_listeners[0].lc_backlog, 511);
	ATF_CHECK_EQ(cf->cf_listeners[0].lc_defer_accept, 1);
	ATF_REQUIRE_EQ(cf->cf_nsites, 1);
	/* A relative root is relative to the file's directory. */
	ATF_REQUIRE(getcwd(cwd, sizeof(cwd)) != NULL);
	snprintf(want, sizeof(want), "%s/www", cwd);
	ATF_CHECK_STREQ(cf->cf_sites[0].st_root, want);
	ATF_CHECK(cf->cf_sites[0].st_rootfd != -1);
	/* No routes: the root is served statically from "/". */
	ATF_REQUIRE_EQ(cf->cf_sites[0].st_nroutes, 1);
	ATF_CHECK_STREQ(cf->cf_sites[0].st_routes[0].rc_prefix, "/");
	config_free(cf);
	cfg_ctx_fini(&c);
}

/* A time too short for a millisecond is one, not 0, which means off. */
ATF_TC_WITHOUT_HEAD(config__duration_not_rounded_off);
ATF_TC_BODY(config__duration_not_rounded_off, tc)
{
	struct cfg_ctx c;
	struct config *cf;

	cf = load("version = 1;\n"
	    "timeouts = { http = { header_sec = 0.0001; body_sec = 0.0006;"
	    " keepalive_sec = 0; }; };\n" MINIMAL, &c);
	ATF_REQUIRE_MSG(cf != NULL, "%s", c.cc_nmsgs ? c.cc_msgs[0] : "?");
	ATF_CHECK_EQ(cf->cf_timeouts.to_header_ms, 1);
	ATF_CHECK_EQ(cf->cf_timeouts.to_body_ms, 1);
	ATF_CHECK_EQ(cf->cf_timeouts.to_keepalive_ms, 0);
	config_free(cf);
	cfg_ctx_fini(&c);
}

ATF_TC_WITHOUT_HEAD(config__documented_schema);
ATF_TC_BODY(config__documented_schema, tc)
{
	struct cfg_ctx c;
	struct config *cf;

	cf = load(
	    "version = 1;\n"
	    "daemon = { log_level = \"debug\"; pidfile = \"run/t.pid\";\n"
	    "  segment = \"run/t.shm\"; error_log = \"stderr\"; };\n"
	    "workers = { count = \"auto\"; slots_per_worker = 4096;\n"
	    "  shutdown_timeout_sec = 5; heartbeat_timeout_sec = 2.5; };\n"
	    "timeouts = { tick_ms = 50;\n"
	    "  http = { header_sec = 3; body_sec = 4; keepalive_sec = 6;\n"
	    "    send_stall_sec = 7; };\n"
	    "  tls = { handshake_sec = 8; }; };\n"
	    "listeners = (\n"
	    "  { name = \"web\"; address = \"127.0.0.1\"; port = 0;\n"
	    "    protocol = \"http\"; backlog = 100; defer_accept = 0; },\n"
	    "  { name = \"web6\"; address = \"::1\"; port = 0;\n"
	    "    defer_accept = 30;\n"
	    "    timeouts = { http = { keepalive_sec = 15; }; }; } );\n"
	    "sites = (\n"
	    "  { names = [ \"example.org\", \"*.example.org\" ];\n"
	    "    listeners = [ \"web\" ]; root = \"www\";\n"
	    "    routes = (\n"
	    "      { prefix = \"/old/\"; handler = \"redirect\";\n"
	    "        to = \"https://example.org/new/\"; code = 301; },\n"
	    "      { prefix = \"/\"; handler = \"static\";\n"
	    "        index = [ \"index.html\" ]; } ); },\n"
	    "  { names = [ \"localhost\" ]; listeners = [ \"web\", \"web6\" ];\n"
	    "    routes = ( { prefix = \"/status\"; handler = \"status\"; }"
	    " ); } );\n", &c);
	ATF_REQUIRE_MSG(cf != NULL, "%s", c.cc_nmsgs ? c.cc_msgs[0] : "?");
	ATF_CHECK_EQ(cf->cf_log_level, LOG_LVL_DEBUG);
	ATF_CHECK(cf->cf_workers >= 1 &&
	    cf->cf_workers == (unsigned int)sysconf(_SC_NPROCESSORS_ONLN));
	ATF_CHECK_EQ(cf->cf_slots_per_worker, 4096);
	ATF_CHECK_EQ(cf->cf_shutdown_timeout_ms, 5000);
	ATF_CHECK_EQ(cf->cf_heartbeat_timeout_ms, 2500);
	ATF_CHECK_EQ(cf->cf_tick_ms, 50);
	ATF_CHECK_EQ(cf->cf_timeouts.to_header_ms, 3000);
	ATF_CHECK_EQ(cf->cf_timeouts.to_handshake_ms, 8000);
	ATF_REQUIRE_EQ(cf->cf_nlisteners, 2);
	ATF_CHECK_EQ(cf->cf_listeners[0].lc_backlog, 100);
	ATF_CHECK_EQ(cf->cf_listeners[0].lc_defer_accept, 0);
	ATF_CHECK_EQ(cf->cf_listeners[1].lc_defer_accept, 30);
	/* Overrides apply per listener; the rest is inherited. */
	ATF_CHECK_EQ(cf->cf_listeners[1].lc_timeouts.to_keepalive_ms, 15000);
	ATF_CHECK_EQ(cf->cf_listeners[1].lc_timeouts.to_header_ms, 3000);
	ATF_CHECK_EQ(cf->cf_listeners[0].lc_timeouts.to_keepalive_ms, 6000);
	ATF_REQUIRE_EQ(cf->cf_nsites, 2);
	ATF_CHECK_EQ(cf->cf_sites[0].st_nroutes, 2);
	ATF_CHECK_EQ(cf->cf_sites[0].st_listeners[0], 1);
	ATF_CHECK_EQ(cf->cf_sites[0].st_listeners[1], 0);
	ATF_CHECK_EQ(cf->cf_sites[1].st_listeners[1], 1);
	ATF_CHECK(strstr(cf->cf_pidfile, "/run/t.pid") != NULL &&
	    cf->cf_pidfile[0] == '/');
	config_free(cf);
	cfg_ctx_fini(&c);
}

/*
 * Every error, each with its line, in the file's order: the checks run
 * in the schema's (a listener's site last, unknown keys after their
 * group), ties in the order found.
 */
ATF_TC_WITHOUT_HEAD(config__every_error_with_its_line);
ATF_TC_BODY(config__every_error_with_its_line, tc)
{
	static const char *const want[] = {
		"t.conf:2: unknown key 'colour' in daemon",
		"t.conf:3: count: 0 is out of range (1 to 256)",
		"t.conf:4: unknown key 'idle_sec' in timeouts.http",
		"t.conf:6: protocol: unknown protocol 'gopher' (known: http, "
		    "https)",
		"t.conf:6: listener: port is required",
		"t.conf:6: listener 'a' serves no site (name it in a site's "
		    "listeners, or set redirect_https)",
		"t.conf:7: port: 70000 is out of range (0 to 65535)",
		"t.conf:7: listener 'b' serves no site (name it in a site's "
		    "listeners, or set redirect_https)",
		"t.conf:9: listeners: no listener named 'nope'",
		"t.conf:10: handler: no handler named 'cgi'",
		"t.conf:11: unknown key 'extra' in the top level",
		NULL
	};
	struct cfg_ctx c;

	ATF_CHECK(load(
	    "version = 1;\n"
	    "daemon = { colour = \"blue\"; };\n"
	    "workers = { count = 0; };\n"
	    "timeouts = { http = { idle_sec = 3; }; };\n"
	    "listeners = (\n"
	    "  { name = \"a\"; protocol = \"gopher\"; },\n"
	    "  { name = \"b\"; address = \"127.0.0.1\"; port = 70000; } );\n"
	    "sites = (\n"
	    "  { root = \"www\"; listeners = [ \"nope\" ]; routes = (\n"
	    "    { prefix = \"/\"; handler = \"cgi\"; } ); } );\n"
	    "extra = 1;\n", &c) == NULL);
	expect_errors(&c, want);
	cfg_ctx_fini(&c);
}

ATF_TC_WITHOUT_HEAD(config__syntax_error);
ATF_TC_BODY(config__syntax_error, tc)
{
	struct cfg_ctx c;

	ATF_CHECK(load("version = 1;\nworkers = { count = 2; };\n"
	    "listeners = ( { port = = 80; } );\n", &c) == NULL);
	ATF_REQUIRE_EQ(c.cc_nmsgs, 1);
	ATF_CHECK_MATCH("^t\\.conf:3: syntax error", c.cc_msgs[0]);
	cfg_ctx_fini(&c);
}

ATF_TC_WITHOUT_HEAD(config__io_errors);
ATF_TC_BODY(config__io_errors, tc)
{
	struct cfg_ctx c;

	cfg_ctx_init(&c, "missing.conf");
	ATF_CHECK(config_load("missing.conf", &c) == NULL);
	ATF_REQUIRE_EQ(c.cc_nmsgs, 1);
	ATF_CHECK_STREQ(c.cc_msgs[0],
	    "missing.conf: cannot read: No such file or directory");
	cfg_ctx_fini(&c);

	ATF_REQUIRE(mkdir("adir", 0755) == 0);
	cfg_ctx_init(&c, "adir");
	ATF_CHECK(config_load("adir", &c) == NULL);
	ATF_REQUIRE_EQ(c.cc_nmsgs, 1);
	ATF_CHECK_STREQ(c.cc_msgs[0], "adir: cannot read: Is a directory");
	cfg_ctx_fini(&c);
}

/*
 * An @include that cannot be read is named, with why, where it is
 * written, and libconfig never sees it: it would exit on a directory.
 */
ATF_TC_WITHOUT_HEAD(config__include_errors);
ATF_TC_BODY(config__include_errors, tc)
{
	static const char *const fmt[] = {
		"t.conf:1: cannot include %s/adir: Is a directory",
		"t.conf:2: cannot include %s/missing.conf: No such file or "
		    "directory",
		"t.conf:4: cannot include %s/fifo: not a regular file",
		"t.conf:6: cannot include %s/t.conf: include loop",
		"%1$s/inc.conf:2: cannot include %1$s/nothere.conf: No such "
		    "file or directory",
		"%1$s/loop2.conf:2: cannot include %1$s/loop1.conf: include "
		    "loop",
	};
	struct cfg_ctx c;
	char dir[PATH_MAX], w[6][PATH_MAX + 100];
	const char *want[7];
	size_t i;

	ATF_REQUIRE(realpath(".", dir) != NULL);
	for (i = 0; i < 6; i++) {
		snprintf(w[i], sizeof(w[i]), fmt[i], dir);
		want[i] = w[i];
	}
	want[i] = NULL;
	ATF_REQUIRE(mkdir("adir", 0755) == 0);
	ATF_REQUIRE(mkfifo("fifo", 0644) == 0);
	write_file("inc.conf", "# nested\n@include \"nothere.conf\"\n");
	write_file("loop1.conf", "@include \"loop2.conf\"\n");
	write_file("loop2.conf", "\n  @include \"loop1.conf\"\n");
	ATF_CHECK(load(
	    "@include \"adir\"\n"
	    "@include \"missing.conf\"\n"
	    "\t@include \"inc.conf\"\n"
	    "@include \"fifo\"\n"
	    "@include \"loop1.conf\"\n"
	    "@include \"t.conf\"\n" MINIMAL, &c) == NULL);
	expect_errors(&c, want);
	cfg_ctx_fini(&c);
}

ATF_TC_WITHOUT_HEAD(config__include_unreadable);
ATF_TC_BODY(config__include_unreadable, tc)
{
	struct cfg_ctx c;
	char dir[PATH_MAX], w[PATH_MAX + 100];
	const char *want[] = { w, NULL };

	if (geteuid() == 0)
		atf_tc_skip("root reads any file");
	ATF_REQUIRE(realpath(".", dir) != NULL);
	snprintf(w, sizeof(w), "t.conf:1: cannot include %s/secret.conf: "
	    "Permission denied", dir);
	write_file("secret.conf", "\n");
	ATF_REQUIRE(chmod("secret.conf", 0) == 0);
	ATF_CHECK(load("@include \"secret.conf\"\n" MINIMAL, &c) == NULL);
	expect_errors(&c, want);
	cfg_ctx_fini(&c);
}

/*
 * An absolute @include is taken as it is, a relative one from the main
 * file's directory, also in an included file.  Messages name an included
 * file by its path, the main one as the caller did; the working
 * directory is left as it was.
 */
ATF_TC_WITHOUT_HEAD(config__include_paths);
ATF_TC_BODY(config__include_paths, tc)
{
	static const char *const fmt[] = {
		"etc/t.conf:2: unknown key 'extra' in the top level",
		"%s/other/listen.conf:1: port: 70000 is out of range (0 to "
		    "65535)",
		"%s/etc/conf.d/sites.conf:2: unknown key 'bogus' in site",
	};
	struct cfg_ctx c;
	struct config *cf;
	char dir[PATH_MAX], now[PATH_MAX], w[2][PATH_MAX + 100];
	char text[PATH_MAX + 100];
	const char *want[] = { fmt[0], w[0], w[1], NULL };

	ATF_REQUIRE(realpath(".", dir) != NULL);
	ATF_REQUIRE(mkdir("etc", 0755) == 0);
	ATF_REQUIRE(mkdir("etc/conf.d", 0755) == 0);
	ATF_REQUIRE(mkdir("etc/www", 0755) == 0);
	ATF_REQUIRE(mkdir("other", 0755) == 0);
	snprintf(text, sizeof(text), "@include \"%s/other/listen.conf\"\n",
	    dir);
	write_file("etc/t.conf", text);
	write_file("other/listen.conf",
	    "listeners = ( { address = \"127.0.0.1\"; port = 8080; } );\n"
	    "@include \"conf.d/sites.conf\"\n");
	write_file("etc/conf.d/sites.conf", "sites = ( { root = \"www\"; } );\n");
	cfg_ctx_init(&c, "etc/t.conf");
	cf = config_load("etc/t.conf", &c);
	ATF_REQUIRE_MSG(cf != NULL, "%s", c.cc_nmsgs ? c.cc_msgs[0] : "?");
	ATF_REQUIRE_EQ(cf->cf_nsites, 1);
	snprintf(text, sizeof(text), "%s/etc/www", dir);
	ATF_CHECK_STREQ(cf->cf_sites[0].st_root, text);
	config_free(cf);
	cfg_ctx_fini(&c);
	ATF_REQUIRE(realpath(".", now) != NULL);
	ATF_CHECK_STREQ(now, dir);

	snprintf(w[0], sizeof(w[0]), fmt[1], dir);
	snprintf(w[1], sizeof(w[1]), fmt[2], dir);
	snprintf(text, sizeof(text), "@include \"%s/other/listen.conf\"\n"
	    "extra = 1;\n", dir);
	write_file("etc/t.conf", text);
	write_file("other/listen.conf",
	    "listeners = ( { address = \"127.0.0.1\"; port = 70000; } );\n"
	    "@include \"conf.d/sites.conf\"\n");
	write_file("etc/conf.d/sites.conf", "sites = ( { root = \"www\";\n"
	    "  bogus = 1; } );\n");
	cfg_ctx_init(&c, "etc/t.conf");
	ATF_CHECK(config_load("etc/t.conf", &c) == NULL);
	expect_errors(&c, want);
	cfg_ctx_fini(&c);
	ATF_REQUIRE(realpath(".", now) != NULL);
	ATF_CHECK_STREQ(now, dir);
}

/*
 * The check follows libconfig: an @include in a comment or a string is
 * text; an included file's errors name it and its lines.
 */
ATF_TC_WITHOUT_HEAD(config__include_scan);
ATF_TC_BODY(config__include_scan, tc)
{
	static const char *const fmt[] = {
		"t.conf:5: unknown key 'note' in the top level",
		"%s/sites.conf:2: unknown key 'bogus' in site",
	};
	struct cfg_ctx c;
	char dir[PATH_MAX], w[PATH_MAX + 100];
	const char *want[] = { fmt[0], w, NULL };

	ATF_REQUIRE(realpath(".", dir) != NULL);
	snprintf(w, sizeof(w), fmt[1], dir);

	write_file("sites.conf", "sites = ( { root = \"www\";\n"
	    "  bogus = 1; } );\n");
	ATF_CHECK(load(
	    "/* a comment\n"
	    "@include \"nothere1\" */\n"
	    "# @include \"nothere2\"\n"
	    "// @include \"nothere3\"\n"
	    "note = \"a string\n"
	    "@include \\\"nothere4\\\"\n"
	    "\";\n"
	    "listeners = ( { address = \"127.0.0.1\"; port = 8080; } );\n"
	    "@include \"sites.conf\"\n", &c) == NULL);
	expect_errors(&c, want);
	cfg_ctx_fini(&c);
}

/*
 * Configured fields must leave room in a response's head for the
 * server's own: too many would fail every response at run time.
 */
ATF_TC_WITHOUT_HEAD(config__headers_size);
ATF_TC_BODY(config__headers_size, tc)
{
	const char *want[] = {
		"t.conf:4: headers: 12321 bytes of fields with the site's; at "
		    "most 12288",
		"t.conf:5: headers: 12799 bytes of fields; at most 12288 with a "
		    "route's",
		NULL
	};
	char big[7000], conf[40000];
	struct cfg_ctx c;

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	/* "Name: value" and CRLF each: 6007 + 6007 + 307 with the route. */
	snprintf(conf, sizeof(conf),
	    "listeners = ( { address = \"127.0.0.1\"; port = 8080; } );\n"
	    "sites = ( { root = \"www\"; headers = { X-A = \"%.6000s\"; };\n"
	    "  headers_always = { X-B = \"%.6000s\"; };\n"
	    "  routes = ( { prefix = \"/\"; handler = \"static\"; headers = "
	    "{ X-C = \"%.300s\"; }; } ); },\n"
	    "  { names = [ \"b\" ]; root = \"www\"; headers = { X-A = "
	    "\"%.6500s\"; X-B = \"%.6285s\"; }; } );\n", big, big, big, big,
	    big);
	ATF_CHECK(load(conf, &c) == NULL);
	expect_errors(&c, want);
	cfg_ctx_fini(&c);
}

/* A UTF-8 byte order mark before the first line is not a syntax error. */
ATF_TC_WITHOUT_HEAD(config__bom);
ATF_TC_BODY(config__bom, tc)
{
	const char *want[] = {
		"t.conf:3: unknown key 'bogus' in the top level", NULL
	};
	struct config *cf;
	struct cfg_ctx c;

	cf = load("\xef\xbb\xbf" MINIMAL, &c);
	ATF_CHECK(cf != NULL);
	expect_errors(&c, want + 1);
	config_free(cf);
	cfg_ctx_fini(&c);
	/* Lines are counted as before: the mark holds no newline. */
	ATF_CHECK(load("\xef\xbb\xbfversion = 1;\n\nbogus = 1;\n" MINIMAL,
	    &c) == NULL);
	expect_errors(&c, want);
	cfg_ctx_fini(&c);
}

/*
 * libconfig 1.5 keeps the low 32 bits of an integer written without L:
 * each is taken as written instead, in lists, beside others on a line,
 * in included files, so a range check sees the true value.
 */
ATF_TC_WITHOUT_HEAD(config__wide_integers);
ATF_TC_BODY(config__wide_integers, tc)
{
	static const char *const fmt[] = {
		"t.conf:1: count: 4294967298 is out of range (1 to 256)",
		"t.conf:2: max_body_bytes: 99999999999999999999 is out of "
		    "range (0 to 9223372036854775807)",
		"t.conf:2: keepalive_requests: 4294967298 is out of range (0 "
		    "to 4294967295)",
		"t.conf:3: header_sec: 4294967298 s is out of range (0 to "
		    "604800)",
		"t.conf:4: port: 2147483648 is out of range (0 to 65535)",
		"t.conf:5: backlog: 4294967301 is out of range (1 to 65535)",
		"t.conf:7: codes: 4294967700 does not fit in 32 bits",
		"%s/w.conf:1: max_open_files: -4294967296 is out of range (64 "
		    "to 1073741824)",
	};
	struct cfg_ctx c;
	char dir[PATH_MAX], w[PATH_MAX + 100];
	const char *want[9];
	size_t i;

	ATF_REQUIRE(realpath(".", dir) != NULL);
	snprintf(w, sizeof(w), fmt[7], dir);
	for (i = 0; i < 7; i++)
		want[i] = fmt[i];
	want[i++] = w;
	want[i] = NULL;
	write_file("w.conf", "daemon = { max_open_files = -4294967296; };\n");
	ATF_CHECK(load(
	    "workers = { count = 4294967298; };\n"
	    "http = { keepalive_requests = 4294967298; "
	    "max_body_bytes = 99999999999999999999; };\n"
	    "timeouts = { http = { header_sec = 4294967298; }; };\n"
	    "listeners = ( { address = \"127.0.0.1\"; port = 8080; }, "
	    "{ address = \"127.0.0.1\"; port = 2147483648;\n"
	    "  backlog = 0x100000005; } );\n"
	    "sites = ( { root = \"www\"; error_pages = (\n"
	    "  { codes = [ 404, 4294967700 ]; page = \"/404.html\"; } ); } );\n"
	    "@include \"w.conf\"\n", &c) == NULL);
	expect_errors(&c, want);
	cfg_ctx_fini(&c);
}

/* Where the true value is in range it is taken, L or not. */
ATF_TC_WITHOUT_HEAD(config__wide_integers_taken);
ATF_TC_BODY(config__wide_integers_taken, tc)
{
	struct cfg_ctx c;
	struct config *cf;

	write_file("w.conf", "http = { keepalive_requests = 0xffffffff; "
	    "max_body_bytes = 5368709120; };\n");
	cf = load(
	    "listeners = ( { address = \"127.0.0.1\"; port = 8080; } );\n"
	    "@include \"w.conf\"\n"
	    "sites = ( { root = \"www\"; routes = (\n"
	    "  { prefix = \"/a/\"; handler = \"static\"; "
	    "max_body_bytes = 8589934593; }, { prefix = \"/\"; "
	    "handler = \"static\"; max_body_bytes = 4294967296L; } ); } );\n",
	    &c);
	ATF_REQUIRE_MSG(cf != NULL, "%s", c.cc_nmsgs ? c.cc_msgs[0] : "?");
	ATF_CHECK_EQ(cf->cf_keepalive_requests, 4294967295u);
	ATF_CHECK_EQ(cf->cf_max_body, 5368709120ull);
	ATF_REQUIRE_EQ(cf->cf_nsites, 1);
	ATF_REQUIRE_EQ(cf->cf_sites[0].st_nroutes, 2);
	ATF_CHECK_EQ(cf->cf_sites[0].st_routes[0].rc_max_body, 8589934593ull);
	ATF_CHECK_EQ(cf->cf_sites[0].st_routes[1].rc_max_body, 4294967296ull);
	config_free(cf);
	cfg_ctx_fini(&c);
}

ATF_TC_WITHOUT_HEAD(config__semantic_errors);
ATF_TC_BODY(config__semantic_errors, tc)
{
	static const char *const want[] = {
		"t.conf:2: listener: tls is only for protocol https",
		"t.conf:4: listener: name 'a' is already used on line 2",
		"t.conf:4: listener 'a' serves no site (name it in a site's "
		    "listeners, or set redirect_https)",
		"t.conf:5: defer_accept: 61 is out of range (0 to 60)",
		"t.conf:5: listener 'c' serves no site (name it in a site's "
		    "listeners, or set redirect_https)",
		"t.conf:6: defer_accept: only for TCP listeners",
		"t.conf:6: listener 'u' serves no site (name it in a site's "
		    "listeners, or set redirect_https)",
		"t.conf:7: root: (cwd)/none: No such file or directory",
		"t.conf:8: redirect: to = \"...\" is required",
		NULL
	};
	struct cfg_ctx c;
	char cwd[PATH_MAX], w2[PATH_MAX + 100];
	const char *w[10];

	ATF_REQUIRE(getcwd(cwd, sizeof(cwd)) != NULL);
	snprintf(w2, sizeof(w2), "t.conf:7: root: %s/none: No such file or "
	    "directory", cwd);
	memcpy(w, want, sizeof(w));
	w[7] = w2;
	ATF_CHECK(load(
	    "listeners = (\n"
	    "  { name = \"a\"; address = \"127.0.0.1\"; port = 1;\n"
	    "    tls = { certificate = \"c\"; key = \"k\"; }; },\n"
	    "  { name = \"a\"; address = \"127.0.0.1\"; port = 2; },\n"
	    "  { name = \"c\"; address = \"127.0.0.1\"; port = 3; "
	    "defer_accept = 61; },\n"
	    "  { name = \"u\"; address = \"unix:t.sock\"; defer_accept = 1; }"
	    " );\n"
	    "sites = ( { listeners = [ \"a\" ]; root = \"none\"; routes = (\n"
	    "    { prefix = \"/\"; handler = \"redirect\"; } ); } );\n", &c) ==
	    NULL);
	expect_errors(&c, w);
	cfg_ctx_fini(&c);
}

/* Fields the server writes itself cannot be configured, in any case. */
ATF_TC_WITHOUT_HEAD(config__headers_reserved);
ATF_TC_BODY(config__headers_reserved, tc)
{
	static const char *const want[] = {
		"t.conf:2: headers.content-length: the server sets this field "
		    "itself",
		"t.conf:3: headers.Transfer-Encoding: the server sets this "
		    "field itself",
		"t.conf:4: headers.Connection: the server sets this field "
		    "itself",
		"t.conf:6: headers.ETag: the server sets this field itself",
		NULL
	};
	struct cfg_ctx c;

	ATF_CHECK(load(
	    "listeners = ( { name = \"a\"; address = \"127.0.0.1\"; "
	    "port = 1; } ); "
	    "sites = ( { root = \".\"; headers = {\n"
	    "    content-length = \"1\";\n"
	    "    Transfer-Encoding = \"chunked\";\n"
	    "    Connection = \"keep-alive\";\n"
	    "    X-Content-Length = \"fine\"; Vary = \"Origin\"; };\n"
	    "  routes = ( { prefix = \"/\"; handler = \"static\"; "
	    "headers = { ETag = \"x\"; }; } );"
	    " } );\n", &c) == NULL);
	expect_errors(&c, want);
	cfg_ctx_fini(&c);
}

/* A route's error is the only one: its other keys are not "unknown". */
ATF_TC_WITHOUT_HEAD(config__route_error_alone);
ATF_TC_BODY(config__route_error_alone, tc)
{
	static const char *const want[] = {
		"t.conf:3: to: unknown variable at '$foo' (known: "
		    "$request_uri $uri $subpath $args $host $scheme)",
		"t.conf:4: redirect: to = \"...\" is required",
		"t.conf:5: code: 304 is not 301, 302, 303, 307 or 308",
		"t.conf:6: methods: the static handler only reads (GET, HEAD, "
		    "POST)",
		"t.conf:8: methods: the status handler only reads (GET, HEAD, "
		    "POST)",
		NULL
	};
	struct cfg_ctx c;

	ATF_CHECK(load(
	    "listeners = ( { name = \"a\"; address = \"127.0.0.1\"; "
	    "port = 1; } );\n"
	    "sites = ( { root = \".\"; routes = (\n"
	    "  { prefix = \"/a\"; handler = \"redirect\"; to = \"$foo\"; "
	    "code = 307; },\n"
	    "  { prefix = \"/b\"; handler = \"redirect\"; code = 308; },\n"
	    "  { prefix = \"/c\"; handler = \"redirect\"; to = \"/x\"; "
	    "code = 304; },\n"
	    "  { prefix = \"/d\"; handler = \"static\"; methods = [ \"GET\", "
	    "\"DELETE\" ]; },\n"
	    "  { prefix = \"/e\"; handler = \"static\"; methods = [ \"POST\" ]; },\n"
	    "  { prefix = \"/s\"; handler = \"status\"; methods = [ \"PUT\" ]; },\n"
	    "  { prefix = \"/r\"; handler = \"redirect\"; to = \"/x\"; "
	    "methods = [ \"DELETE\" ]; } ); } );\n",
	    &c) == NULL);
	expect_errors(&c, want);
	cfg_ctx_fini(&c);
}

/*
 * A variable is its whole name: "$hostname" (nginx's machine name) or
 * "$uri_x" is unknown, not "$host" or "$uri" with letters after it.
 */
ATF_TC_WITHOUT_HEAD(config__redirect_variable_name);
ATF_TC_BODY(config__redirect_variable_name, tc)
{
	static const char *const want[] = {
		"t.conf:3: to: unknown variable at '$hostname/' (known: "
		    "$request_uri $uri $subpath $args $host $scheme)",
		"t.conf:4: to: unknown variable at '$uri_x' (known: "
		    "$request_uri $uri $subpath $args $host $scheme)",
		NULL
	};
	struct cfg_ctx c;
	struct config *cf;

	ATF_CHECK(load(
	    "listeners = ( { address = \"127.0.0.1\"; port = 1; } );\n"
	    "sites = ( { root = \"www\"; routes = (\n"
	    "  { prefix = \"/a\"; handler = \"redirect\"; "
	    "to = \"https://$hostname/\"; },\n"
	    "  { prefix = \"/b\"; handler = \"redirect\"; to = \"$uri_x\"; "
	    "} ); } );\n", &c) == NULL);
	expect_errors(&c, want);
	cfg_ctx_fini(&c);

	/* Ended by anything but a letter, digit or '_': taken. */
	cf = load(
	    "listeners = ( { address = \"127.0.0.1\"; port = 1; } );\n"
	    "sites = ( { root = \"www\"; routes = (\n"
	    "  { prefix = \"/\"; handler = \"redirect\"; "
	    "to = \"$scheme://$host:8443$uri.html?$args\"; } ); } );\n", &c);
	ATF_CHECK_MSG(cf != NULL, "%s", c.cc_nmsgs > 0 ? c.cc_msgs[0] : "");
	config_free(cf);
	cfg_ctx_fini(&c);
}

/* A static route's fallback is a file's path from the root, or an error. */
ATF_TC_WITHOUT_HEAD(config__static_fallback);
ATF_TC_BODY(config__static_fallback, tc)
{
	static const char *const want[] = {
		"t.conf:3: fallback: 'index.html' must be a path from the "
		    "root, as \"/index.html\"",
		"t.conf:4: fallback: '/a/../index.html' must name a file: no "
		    "\".\" or \"..\" segment, no \"//\", no final '/'",
		"t.conf:5: fallback: '/app/' must name a file: no \".\" or "
		    "\"..\" segment, no \"//\", no final '/'",
		"t.conf:6: fallback: '//index.html' must name a file: no "
		    "\".\" or \"..\" segment, no \"//\", no final '/'",
		"t.conf:7: fallback: expected a string",
		NULL
	};
	struct cfg_ctx c;
	struct config *cf;

	ATF_CHECK(load(
	    "listeners = ( { name = \"a\"; address = \"127.0.0.1\"; "
	    "port = 1; } );\n"
	    "sites = ( { root = \".\"; routes = (\n"
	    "  { prefix = \"/a\"; handler = \"static\"; "
	    "fallback = \"index.html\"; },\n"
	    "  { prefix = \"/b\"; handler = \"static\"; "
	    "fallback = \"/a/../index.html\"; },\n"
	    "  { prefix = \"/c\"; handler = \"static\"; "
	    "fallback = \"/app/\"; },\n"
	    "  { prefix = \"/d\"; handler = \"static\"; "
	    "fallback = \"//index.html\"; },\n"
	    "  { prefix = \"/e\"; handler = \"static\"; "
	    "fallback = 1; } ); } );\n",
	    &c) == NULL);
	expect_errors(&c, want);
	cfg_ctx_fini(&c);

	/* A good one, with a name that only looks like a "..". */
	cf = load("listeners = ( { address = \"127.0.0.1\"; port = 8080; } );\n"
	    "sites = ( { root = \"www\"; routes = ( { prefix = \"/\"; "
	    "handler = \"static\"; fallback = \"/app/..index.html\"; } ); "
	    "} );\n", &c);
	ATF_CHECK_MSG(cf != NULL, "%s", c.cc_nmsgs ? c.cc_msgs[0] : "?");
	if (cf != NULL)
		config_free(cf);
	cfg_ctx_fini(&c);
}

/*
 * A wildcard and a specific address on one port cannot both be bound;
 * -t says so.  A UNIX listener's default name is its address, no port.
 */
ATF_TC_WITHOUT_HEAD(config__listener_overlap);
ATF_TC_BODY(config__listener_overlap, tc)
{
	static const char *const want[] = {
		"t.conf:3: listener: 127.0.0.1 port 8 overlaps the wildcard "
		    "listener on line 2: one socket cannot take both",
		"t.conf:6: listener 'unix:t.sock' serves no site (name it in "
		    "a site's listeners, or set redirect_https)",
		NULL
	};
	struct cfg_ctx c;

	ATF_CHECK(load(
	    "listeners = (\n"
	    "  { name = \"any\"; address = \"0.0.0.0\"; port = 8; },\n"
	    "  { name = \"lo\"; address = \"127.0.0.1\"; port = 8; },\n"
	    "  { name = \"lo9\"; address = \"127.0.0.1\"; port = 9; },\n"
	    "  { name = \"any10\"; address = \"0.0.0.0\"; port = 10; },\n"
	    "  { address = \"unix:t.sock\"; } );\n"
	    "sites = ( { root = \".\"; listeners = [ \"any\", \"lo\", "
	    "\"lo9\", \"any10\" ]; } );\n", &c) == NULL);
	expect_errors(&c, want);
	cfg_ctx_fini(&c);
}

/* A name two sites share on a listener never reaches the second. */
ATF_TC_WITHOUT_HEAD(config__site_names_unique);
ATF_TC_BODY(config__site_names_unique, tc)
{
	static const char *const want[] = {
		"t.conf:5: names: 'A.TEST.' is already the site's on line 4, "
		    "on listener 'a'",
		"t.conf:8: names: '*' is already the site's on line 7, on "
		    "listener 'b'",
		NULL
	};
	struct cfg_ctx c;

	ATF_CHECK(load(
	    "listeners = (\n"
	    "  { name = \"a\"; address = \"127.0.0.1\"; port = 1; },\n"
	    "  { name = \"b\"; address = \"127.0.0.1\"; port = 2; } );\n"
	    "sites = ( { names = [ \"a.test\" ]; root = \".\"; },\n"
	    "  { names = [ \"A.TEST.\" ]; root = \".\"; },\n"
	    "  { names = [ \"b.test\" ]; root = \".\"; "
	    "listeners = [ \"a\" ]; },\n"
	    "  { root = \".\"; listeners = [ \"b\" ]; },\n"
	    "  { root = \".\"; },\n"
	    "  { names = [ \"b.test\" ]; root = \".\"; "
	    "listeners = [ \"b\" ]; } );\n",
	    &c) == NULL);
	expect_errors(&c, want);
	cfg_ctx_fini(&c);
}

/* Two default sites on a listener: the second one's file and line. */
ATF_TC_WITHOUT_HEAD(config__default_site_twice);
ATF_TC_BODY(config__default_site_twice, tc)
{
	struct cfg_ctx c;
	char dir[PATH_MAX], w[PATH_MAX + 100];
	const char *want[] = { w, NULL };

	ATF_REQUIRE(realpath(".", dir) != NULL);
	snprintf(w, sizeof(w), "%s/s.conf:4: default: more than one default "
	    "site for listener 'a' (the other is on line 1)", dir);
	write_file("s.conf",
	    "sites = ( { names = [ \"a.test\" ]; root = \".\"; default = true; },\n"
	    "  { names = [ \"b.test\" ]; root = \".\"; },\n"
	    "  { names = [ \"c.test\" ]; root = \".\";\n"
	    "    default = true; } );\n");
	ATF_CHECK(load(
	    "listeners = (\n"
	    "  { name = \"a\"; address = \"127.0.0.1\"; port = 1; } );\n"
	    "@include \"s.conf\"\n", &c) == NULL);
	expect_errors(&c, want);
	cfg_ctx_fini(&c);
}

ATF_TC_WITHOUT_HEAD(config__plugin_errors);
ATF_TC_BODY(config__plugin_errors, tc)
{
	struct cfg_ctx c;

	write_file("bogus.so", "not an ELF file\n");
	ATF_CHECK(load("plugins = ( { path = \"bogus.so\"; } );\n" MINIMAL,
	    &c) == NULL);
	ATF_REQUIRE_EQ(c.cc_nmsgs, 1);
	ATF_CHECK_MATCH("^t\\.conf:1: plugin .*/bogus\\.so: ", c.cc_msgs[0]);
	cfg_ctx_fini(&c);
}

/*
 * Two listeners on one UNIX socket path: the second would find the first
 * accepting on it and fail the start, after -t said the file was fine.
 */
ATF_TC_WITHOUT_HEAD(config__listener_unix_twice);
ATF_TC_BODY(config__listener_unix_twice, tc)
{
	static const char *const want[] = {
		"t.conf:3: listener: unix:t.sock is already a listener on "
		    "line 2",
		NULL
	};
	static const char *const want2[] = {
		"t.conf:3: listener: unix:./t.sock is already a listener on "
		    "line 2",
		"t.conf:5: listener: unix:sub/.//u.sock is already a listener "
		    "on line 4",
		NULL
	};
	struct cfg_ctx c;
	char buf[256];
	struct config *cf;

	ATF_CHECK(load(
	    "listeners = (\n"
	    "  { name = \"a\"; address = \"unix:t.sock\"; },\n"
	    "  { name = \"b\"; address = \"unix:t.sock\"; } );\n"
	    "sites = ( { root = \".\"; } );\n", &c) == NULL);
	expect_errors(&c, want);
	cfg_ctx_fini(&c);
	/* One file, spelled two ways. */
	ATF_CHECK(load(
	    "listeners = (\n"
	    "  { name = \"a\"; address = \"unix:t.sock\"; },\n"
	    "  { name = \"b\"; address = \"unix:./t.sock\"; },\n"
	    "  { name = \"c\"; address = \"unix:sub/u.sock\"; },\n"
	    "  { name = \"d\"; address = \"unix:sub/.//u.sock\"; } );\n"
	    "sites = ( { root = \".\"; } );\n", &c) == NULL);
	expect_errors(&c, want2);
	cfg_ctx_fini(&c);
	/* The path bound is the tidy one. */
	cf = load(
	    "listeners = ( { address = \"unix:.//t.sock\"; } );\n"
	    "sites = ( { root = \".\"; } );\n", &c);
	ATF_REQUIRE(cf != NULL);
	ATF_REQUIRE(getcwd(buf, sizeof(buf) - sizeof("/t.sock")) != NULL);
	strlcat(buf, "/t.sock", sizeof(buf));
	ATF_CHECK_STREQ(((struct sockaddr_un *)
	    &cf->cf_listeners[0].lc_sa)->sun_path, buf);
	config_free(cf);
	cfg_ctx_fini(&c);
}

/*
 * A listener's name is a Prometheus label value and a word of the
 * daemon's log lines: UTF-8 text, no control characters.  Bytes that are
 * not UTF-8 would reach a label as U+FFFD, so two names differing only
 * there would be one series twice.
 */
ATF_TC_WITHOUT_HEAD(config__listener_name_text);
ATF_TC_BODY(config__listener_name_text, tc)
{
	static const char *const want[] = {
		"t.conf:3: listener: name 'x?' is not UTF-8 text without "
		    "control characters",
		"t.conf:4: listener: name 'x?' is not UTF-8 text without "
		    "control characters",
		"t.conf:5: listener: name 'a?b' is not UTF-8 text without "
		    "control characters",
		"t.conf:6: listener: name 'a?b' is not UTF-8 text without "
		    "control characters",
		"t.conf:7: listener: name '\?\?\?\?\?' is not UTF-8 text without "
		    "control characters",
		NULL
	};
	struct cfg_ctx c;
	struct config *cf;

	ATF_CHECK(load(
	    "listeners = (\n"
	    "  { name = \"ok\"; address = \"127.0.0.1\"; port = 1; },\n"
	    "  { name = \"x\\xff\"; address = \"127.0.0.1\"; port = 2; },\n"
	    "  { name = \"x\\xfe\"; address = \"127.0.0.1\"; port = 3; },\n"
	    "  { name = \"a\\nb\"; address = \"127.0.0.1\"; port = 4; },\n"
	    "  { name = \"a\\x7fb\"; address = \"127.0.0.1\"; port = 5; },\n"
	    "  { name = \"\\xc3\\xa9\\xed\\xa0\\x80\"; "
	    "address = \"127.0.0.1\"; port = 6; } );\n"
	    "sites = ( { root = \"www\"; } );\n", &c) == NULL);
	expect_errors(&c, want);
	cfg_ctx_fini(&c);
	/* Quotes, backslashes, spaces and non-ASCII text are names. */
	cf = load(
	    "listeners = ( { name = \"w\\\"e\\\\b \\xc3\\xbc\\xe2\\x82\\xac\"; "
	    "address = \"127.0.0.1\"; port = 1; } );\n"
	    "sites = ( { root = \"www\"; } );\n", &c);
	ATF_REQUIRE_MSG(cf != NULL, "%s", c.cc_nmsgs > 0 ? c.cc_msgs[0] : "");
	ATF_CHECK_STREQ(cf->cf_listeners[0].lc_name,
	    "w\"e\\b \xc3\xbc\xe2\x82\xac");
	config_free(cf);
	cfg_ctx_fini(&c);
}

ATF_TC_WITHOUT_HEAD(config__listener_default_name);
ATF_TC_BODY(config__listener_default_name, tc)
{
	static const char *const want[] = {
		"t.conf:3: listener: its default name "
		    "'...ery/long/directory/http.sock' is already used on line "
		    "2: give it a name",
		NULL
	};
	struct config *cf;
	struct cfg_ctx c;

	/* Unnamed, with addresses longer than a name: their ends. */
	cf = load(
	    "listeners = (\n"
	    "  { address = \"unix:/tmp/a/very/long/directory/http.sock\"; },\n"
	    "  { address = \"unix:/tmp/a/very/long/directory/admin.sock\"; },\n"
	    "  { address = \"2001:db8:1234:5678:9abc:def0:1234:5678\";\n"
	    "    port = 8080; },\n"
	    "  { address = \"127.0.0.1\"; port = 8080; } );\n"
	    "sites = ( { root = \".\"; } );\n", &c);
	ATF_REQUIRE_MSG(cf != NULL, "%s", c.cc_nmsgs > 0 ? c.cc_msgs[0] : "");
	ATF_REQUIRE_EQ(cf->cf_nlisteners, 4);
	/* 31 bytes: a name's most. */
	ATF_CHECK_STREQ(cf->cf_listeners[0].lc_name,
	    "...ery/long/directory/http.sock");
	ATF_CHECK_STREQ(cf->cf_listeners[1].lc_name,
	    "...ry/long/directory/admin.sock");
	ATF_CHECK_STREQ(cf->cf_listeners[2].lc_name,
	    "...678:9abc:def0:1234:5678:8080");
	ATF_CHECK_STREQ(cf->cf_listeners[3].lc_name, "127.0.0.1:8080");
	config_free(cf);
	cfg_ctx_fini(&c);
	/* Two that end alike: the error says what to do. */
	ATF_CHECK(load(
	    "listeners = (\n"
	    "  { address = \"unix:/tmp/a/very/long/directory/http.sock\"; },\n"
	    "  { address = \"unix:/tmp/b/very/long/directory/http.sock\"; } );\n"
	    "sites = ( { root = \".\"; } );\n", &c) == NULL);
	expect_errors(&c, want);
	cfg_ctx_fini(&c);
}

ATF_TC_WITHOUT_HEAD(config__listener_identity);
ATF_TC_BODY(config__listener_identity, tc)
{
	struct listener_conf a, b;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.lc_proto = b.lc_proto = TM_PROTO_HTTP;
	a.lc_name = "x";
	b.lc_name = "x";
	a.lc_address = b.lc_address = "127.0.0.1";
	a.lc_salen = b.lc_salen = sizeof(struct sockaddr_in);
	a.lc_sa.ss_family = b.lc_sa.ss_family = AF_INET;
	a.lc_port = b.lc_port = 80;
	ATF_CHECK(config_listener_same(&a, &b));
	/* Another protocol on the same socket: kept, switched. */
	b.lc_proto = TM_PROTO_HTTPS;
	ATF_CHECK(config_listener_same(&a, &b));
	b.lc_proto = TM_PROTO_HTTP;
	((struct sockaddr_in *)&b.lc_sa)->sin_port = htons(81);
	ATF_CHECK(!config_listener_same(&a, &b));
	((struct sockaddr_in *)&b.lc_sa)->sin_port = 0;
	/* Port 0: identified by name and address, keeps its port. */
	a.lc_port = b.lc_port = 0;
	ATF_CHECK(config_listener_same(&a, &b));
	b.lc_name = "y";
	ATF_CHECK(!config_listener_same(&a, &b));
	/*
	 * A UNIX socket is its path, whatever its name: a renamed one
	 * opened anew would find the old one accepting there.
	 */
	a.lc_address = "unix:t.sock";
	b.lc_address = "unix:/d/t.sock";
	a.lc_salen = b.lc_salen = sizeof(struct sockaddr_un);
	memset(&a.lc_sa, 0, sizeof(a.lc_sa));
	memset(&b.lc_sa, 0, sizeof(b.lc_sa));
	a.lc_sa.ss_family = b.lc_sa.ss_family = AF_UNIX;
	strlcpy(((struct sockaddr_un *)&a.lc_sa)->sun_path, "/d/t.sock",
	    sizeof(((struct sockaddr_un *)&a.lc_sa)->sun_path));
	strlcpy(((struct sockaddr_un *)&b.lc_sa)->sun_path, "/d/t.sock",
	    sizeof(((struct sockaddr_un *)&b.lc_sa)->sun_path));
	ATF_CHECK(config_listener_same(&a, &b));
	strlcpy(((struct sockaddr_un *)&b.lc_sa)->sun_path, "/d/u.sock",
	    sizeof(((struct sockaddr_un *)&b.lc_sa)->sun_path));
	b.lc_address = "unix:u.sock";
	ATF_CHECK(!config_listener_same(&a, &b));
}

/*
 * An empty proxy_trusted would trust every peer, as no list does: it is
 * refused, as the status handler's empty allow is, rather than read as
 * its opposite.
 */
ATF_TC_WITHOUT_HEAD(config__proxy_trusted_empty);
ATF_TC_BODY(config__proxy_trusted_empty, tc)
{
	static const char *const want[] = {
		"t.conf:2: proxy_trusted: empty; write [ \"all\" ] to trust "
		    "every peer",
		NULL
	};
	struct config *cf;
	struct cfg_ctx c;

	ATF_CHECK(load(
	    "listeners = ( { address = \"127.0.0.1\"; port = 8080;\n"
	    "  proxy_protocol = true; proxy_trusted = [ ]; } );\n"
	    "sites = ( { root = \"www\"; } );\n", &c) == NULL);
	expect_errors(&c, want);
	cfg_ctx_fini(&c);
	/* "all" says it, and a list keeps its entries. */
	cf = load(
	    "listeners = ( { address = \"127.0.0.1\"; port = 8080;\n"
	    "  proxy_protocol = true; proxy_trusted = [ \"all\" ]; },\n"
	    "  { address = \"127.0.0.1\"; port = 8081; proxy_protocol = true;\n"
	    "    proxy_trusted = [ \"10.0.0.0/8\", \"::1\" ]; } );\n"
	    "sites = ( { root = \"www\"; } );\n", &c);
	ATF_REQUIRE_MSG(cf != NULL, "%s", c.cc_nmsgs > 0 ? c.cc_msgs[0] : "");
	ATF_CHECK_EQ(cf->cf_listeners[0].lc_nproxy_trusted, 1);
	ATF_CHECK_EQ(cf->cf_listeners[1].lc_nproxy_trusted, 2);
	config_free(cf);
	cfg_ctx_fini(&c);
}

/*
 * redirect_port only says where redirect_https points: without it, it
 * would change nothing, so it is refused as proxy_trusted without
 * proxy_protocol is.
 */
ATF_TC_WITHOUT_HEAD(config__redirect_port_alone);
ATF_TC_BODY(config__redirect_port_alone, tc)
{
	static const char *const want[] = {
		"t.conf:2: redirect_port: needs redirect_https",
		NULL
	};
	struct config *cf;
	struct cfg_ctx c;

	ATF_CHECK(load(
	    "listeners = ( { address = \"127.0.0.1\"; port = 8080;\n"
	    "  redirect_port = 8443; } );\n"
	    "sites = ( { root = \"www\"; } );\n", &c) == NULL);
	expect_errors(&c, want);
	cfg_ctx_fini(&c);
	cf = load(
	    "listeners = ( { address = \"127.0.0.1\"; port = 8080;\n"
	    "  redirect_https = 308; redirect_port = 8443; } );\n"
	    "sites = ( { root = \"www\"; } );\n", &c);
	ATF_REQUIRE_MSG(cf != NULL, "%s", c.cc_nmsgs > 0 ? c.cc_msgs[0] : "");
	ATF_CHECK_EQ(cf->cf_listeners[0].lc_redirect_port, 8443);
	config_free(cf);
	cfg_ctx_fini(&c);
}

/*
 * A duration out of range is quoted as written, not to six digits: a
 * message saying 604800 is out of 0 to 604800 would contradict itself.
 */
ATF_TC_WITHOUT_HEAD(config__duration_range_message);
ATF_TC_BODY(config__duration_range_message, tc)
{
	static const char *const want[] = {
		"t.conf:1: shutdown_timeout_sec: 604800.5 s is out of range (0 "
		    "to 604800)",
		"t.conf:1: heartbeat_timeout_sec: 0.999 s is out of range (1 "
		    "to 604800)",
		"t.conf:2: ticket_rotate_sec: 59.9999 s is out of range (60 to "
		    "604800)",
		NULL
	};
	struct cfg_ctx c;

	ATF_CHECK(load("workers = { shutdown_timeout_sec = 604800.5; "
	    "heartbeat_timeout_sec = 0.999; };\n"
	    "tls = { ticket_rotate_sec = 59.9999; };\n" MINIMAL, &c) == NULL);
	expect_errors(&c, want);
	cfg_ctx_fini(&c);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, config__defaults);
	ATF_TP_ADD_TC(tp, config__documented_schema);
	ATF_TP_ADD_TC(tp, config__duration_not_rounded_off);
	ATF_TP_ADD_TC(tp, config__every_error_with_its_line);
	ATF_TP_ADD_TC(tp, config__syntax_error);
	ATF_TP_ADD_TC(tp, config__io_errors);
	ATF_TP_ADD_TC(tp, config__include_errors);
	ATF_TP_ADD_TC(tp, config__include_unreadable);
	ATF_TP_ADD_TC(tp, config__include_scan);
	ATF_TP_ADD_TC(tp, config__bom);
	ATF_TP_ADD_TC(tp, config__headers_size);
	ATF_TP_ADD_TC(tp, config__include_paths);
	ATF_TP_ADD_TC(tp, config__wide_integers);
	ATF_TP_ADD_TC(tp, config__wide_integers_taken);
	ATF_TP_ADD_TC(tp, config__semantic_errors);
	ATF_TP_ADD_TC(tp, config__headers_reserved);
	ATF_TP_ADD_TC(tp, config__route_error_alone);
	ATF_TP_ADD_TC(tp, config__redirect_variable_name);
	ATF_TP_ADD_TC(tp, config__static_fallback);
	ATF_TP_ADD_TC(tp, config__listener_overlap);
	ATF_TP_ADD_TC(tp, config__site_names_unique);
	ATF_TP_ADD_TC(tp, config__default_site_twice);
	ATF_TP_ADD_TC(tp, config__plugin_errors);
	ATF_TP_ADD_TC(tp, config__listener_unix_twice);
	ATF_TP_ADD_TC(tp, config__listener_name_text);
	ATF_TP_ADD_TC(tp, config__listener_default_name);
	ATF_TP_ADD_TC(tp, config__listener_identity);
	ATF_TP_ADD_TC(tp, config__proxy_trusted_empty);
	ATF_TP_ADD_TC(tp, config__redirect_port_alone);
	ATF_TP_ADD_TC(tp, config__duration_range_message);
	return (atf_no_error());
}
