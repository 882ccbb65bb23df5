/*
 * MIME table: built-ins, lookup rules, overrides, mime.types parsing.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <atf-c.h>

#include "proto/http/mime.h"

#define NOFILE	"/nonexistent/mime.types"

static struct mime_table *builtins(void);
static void	check_type(const struct mime_table *, const char *,
		    const char *);
static void	write_file(const char *, const char *);

static struct mime_table *
builtins(void)
{
	struct mime_table *mt;
	char err[256];

	mt = mime_table_load(NOFILE, 0, NULL, err, sizeof(err));
	ATF_REQUIRE_MSG(mt != NULL, "mime_table_load: %s", err);
	return (mt);
}

/* mime_lookup(name) must be want (NULL: no match). */
static void
check_type(const struct mime_table *mt, const char *name, const char *want)
{
	const char *got;

	got = mime_lookup(mt, name, strlen(name));
	if (want == NULL)
		ATF_CHECK_MSG(got == NULL, "\"%s\": got \"%s\", want NULL",
		    name, got);
	else
		ATF_CHECK_MSG(got != NULL && strcmp(got, want) == 0,
		    "\"%s\": got \"%s\", want \"%s\"", name,
		    got == NULL ? "(null)" : got, want);
}

static void
write_file(const char *path, const char *text)
{
	FILE *fp;

	ATF_REQUIRE_MSG((fp = fopen(path, "w")) != NULL, "%s: %m", path);
	ATF_REQUIRE(fputs(text, fp) != EOF);
	ATF_REQUIRE(fclose(fp) == 0);
}

ATF_TC_WITHOUT_HEAD(mime_lookup__common_types);
ATF_TC_BODY(mime_lookup__common_types, tc)
{
	struct mime_table *mt = builtins();

	check_type(mt, "index.html", "text/html; charset=utf-8");
	check_type(mt, "index.htm", "text/html; charset=utf-8");
	check_type(mt, "/css/site.css", "text/css; charset=utf-8");
	check_type(mt, "/js/app.js", "text/javascript; charset=utf-8");
	check_type(mt, "/js/mod.mjs", "text/javascript; charset=utf-8");
	check_type(mt, "data.json", "application/json; charset=utf-8");
	check_type(mt, "app.js.map", "application/json; charset=utf-8");
	check_type(mt, "feed.xml", "application/xml; charset=utf-8");
	check_type(mt, "feed.rss", "application/rss+xml; charset=utf-8");
	check_type(mt, "feed.atom", "application/atom+xml; charset=utf-8");
	check_type(mt, "site.webmanifest",
	    "application/manifest+json; charset=utf-8");
	check_type(mt, "logo.svg", "image/svg+xml; charset=utf-8");
	check_type(mt, "notes.txt", "text/plain; charset=utf-8");
	check_type(mt, "README.md", "text/markdown; charset=utf-8");
	check_type(mt, "ld.jsonld", "application/ld+json");
	check_type(mt, "a.png", "image/png");
	check_type(mt, "a.jpg", "image/jpeg");
	check_type(mt, "a.jpeg", "image/jpeg");
	check_type(mt, "a.webp", "image/webp");
	check_type(mt, "a.avif", "image/avif");
	check_type(mt, "favicon.ico", "image/vnd.microsoft.icon");
	check_type(mt, "f.woff2", "font/woff2");
	check_type(mt, "m.wasm", "application/wasm");
	check_type(mt, "doc.pdf", "application/pdf");
	check_type(mt, "v.mp4", "video/mp4");
	check_type(mt, "s.mp3", "audio/mpeg");
	check_type(mt, "x.zst", "application/zstd");
	check_type(mt, "x.7z", "application/x-7z-compressed");
	check_type(mt, "x.docx", "application/vnd.openxmlformats-"
	    "officedocument.wordprocessingml.document");
	check_type(mt, "seg0.ts", "video/mp2t");
	check_type(mt, "live.m3u8", "application/vnd.apple.mpegurl");
	check_type(mt, "v.mpd", "application/dash+xml");
	check_type(mt, "v.3gp", "video/3gpp");
	check_type(mt, "subs.vtt", "text/vtt; charset=utf-8");
	check_type(mt, "x.unknownext", NULL);
	mime_table_free(mt);
}

ATF_TC_WITHOUT_HEAD(mime_lookup__case_insensitive);
ATF_TC_BODY(mime_lookup__case_insensitive, tc)
{
	struct mime_table *mt = builtins();

	check_type(mt, "INDEX.HTML", "text/html; charset=utf-8");
	check_type(mt, "Photo.JpG", "image/jpeg");
	check_type(mt, "/Dir.PNG/x.Woff2", "font/woff2");
	mime_table_free(mt);
}

ATF_TC_WITHOUT_HEAD(mime_lookup__no_extension);
ATF_TC_BODY(mime_lookup__no_extension, tc)
{
	struct mime_table *mt = builtins();

	check_type(mt, "", NULL);
	check_type(mt, "/", NULL);
	check_type(mt, "README", NULL);
	check_type(mt, "/src/Makefile", NULL);
	check_type(mt, "/dir.html/", NULL);
	mime_table_free(mt);
}

ATF_TC_WITHOUT_HEAD(mime_lookup__dotfile);
ATF_TC_BODY(mime_lookup__dotfile, tc)
{
	struct mime_table *mt = builtins();

	check_type(mt, ".htaccess", NULL);
	check_type(mt, "/a/.htaccess", NULL);
	check_type(mt, "/a/.html", NULL);
	/* Only a dot that opens the segment is not an extension's. */
	check_type(mt, "/a/.config.json", "application/json; charset=utf-8");
	check_type(mt, "..html", "text/html; charset=utf-8");
	mime_table_free(mt);
}

ATF_TC_WITHOUT_HEAD(mime_lookup__last_extension);
ATF_TC_BODY(mime_lookup__last_extension, tc)
{
	struct mime_table *mt = builtins();

	check_type(mt, "a.tar.gz", "application/gzip");
	check_type(mt, "/dl/a.tar.gz", "application/gzip");
	check_type(mt, "index.html.bak", NULL);
	mime_table_free(mt);
}

ATF_TC_WITHOUT_HEAD(mime_lookup__trailing_dot);
ATF_TC_BODY(mime_lookup__trailing_dot, tc)
{
	struct mime_table *mt = builtins();

	check_type(mt, "file.", NULL);
	check_type(mt, "/a/index.html.", NULL);
	check_type(mt, ".", NULL);
	check_type(mt, "..", NULL);
	mime_table_free(mt);
}

ATF_TC_WITHOUT_HEAD(mime_lookup__dotted_directories);
ATF_TC_BODY(mime_lookup__dotted_directories, tc)
{
	struct mime_table *mt = builtins();

	check_type(mt, "/v1.2/readme", NULL);
	check_type(mt, "/site.html/readme", NULL);
	check_type(mt, "/v1.2/readme.txt", "text/plain; charset=utf-8");
	mime_table_free(mt);
}

/* The length bounds the name: no NUL needed, nothing read past it. */
ATF_TC_WITHOUT_HEAD(mime_lookup__length);
ATF_TC_BODY(mime_lookup__length, tc)
{
	struct mime_table *mt = builtins();
	const char buf[] = { 'a', '.', 'c', 's', 's', 'X' };
	const char *t;

	t = mime_lookup(mt, buf, 5);
	ATF_CHECK(t != NULL && strcmp(t, "text/css; charset=utf-8") == 0);
	ATF_CHECK(mime_lookup(mt, buf, 4) == NULL);	/* "a.cs" */
	ATF_CHECK(mime_lookup(mt, "index.html?x", 10) != NULL);
	mime_table_free(mt);
}

ATF_TC_WITHOUT_HEAD(mime_lookup__long_extension);
ATF_TC_BODY(mime_lookup__long_extension, tc)
{
	struct mime_table *mt = builtins();
	char ext[MIME_EXT_MAX + 2], name[2 * MIME_EXT_MAX + 8];

	memset(ext, 'x', sizeof(ext) - 1);
	ext[sizeof(ext) - 1] = '\0';
	ATF_CHECK_ERRNO(EINVAL, mime_table_add(mt, ext, "a/b") == -1);
	ext[MIME_EXT_MAX] = '\0';
	ATF_REQUIRE(mime_table_add(mt, ext, "a/b") == 0);
	snprintf(name, sizeof(name), "/f.%s", ext);
	check_type(mt, name, "a/b");
	snprintf(name, sizeof(name), "/f.y%s", ext);
	check_type(mt, name, NULL);
	/* No dot within reach of the scan: no match, however long. */
	snprintf(name, sizeof(name), "/%s%s", ext, ext);
	check_type(mt, name, NULL);
	mime_table_free(mt);
}

ATF_TC_WITHOUT_HEAD(mime_table_add__override);
ATF_TC_BODY(mime_table_add__override, tc)
{
	struct mime_table *mt = builtins();
	const char *old;

	old = mime_lookup(mt, "x.json", 6);
	ATF_REQUIRE(old != NULL);
	ATF_REQUIRE(mime_table_add(mt, "json", "application/x-custom") == 0);
	check_type(mt, "x.json", "application/x-custom");
	/* A pointer handed out before lives as long as the table. */
	ATF_CHECK_STREQ(old, "application/json; charset=utf-8");

	ATF_REQUIRE(mime_table_add(mt, "FOO", "text/x-foo") == 0);
	check_type(mt, "a.foo", "text/x-foo; charset=utf-8");
	ATF_REQUIRE(mime_table_add(mt, "txt",
	    "text/plain; charset=iso-8859-1") == 0);
	check_type(mt, "a.TXT", "text/plain; charset=iso-8859-1");
	ATF_REQUIRE(mime_table_add(mt, "js", "application/javascript") == 0);
	check_type(mt, "a.js", "application/javascript; charset=utf-8");
	ATF_REQUIRE(mime_table_add(mt, "c++", "Text/X-C") == 0);
	check_type(mt, "a.c++", "Text/X-C; charset=utf-8");
	check_type(mt, "a.html", "text/html; charset=utf-8");
	mime_table_free(mt);
}

ATF_TC_WITHOUT_HEAD(mime_table_add__bad_syntax);
ATF_TC_BODY(mime_table_add__bad_syntax, tc)
{
	static const char *const exts[] = { "", ".gz", "tar.gz", "a/b",
	    "a b", "é", "a\n" };
	static const char *const types[] = { "", "text", "text/", "/html",
	    "text/html\r\nX-Evil: 1", "text/html junk", "te xt/html",
	    "text/html;\n", "text/ht(ml", "text/html; a=\x7f" };
	struct mime_table *mt = builtins();
	size_t i;

	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
		ATF_CHECK_MSG(mime_table_add(mt, exts[i], "a/b") == -1 &&
		    errno == EINVAL, "ext \"%s\" accepted", exts[i]);
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		ATF_CHECK_MSG(mime_table_add(mt, "html", types[i]) == -1 &&
		    errno == EINVAL, "type \"%s\" accepted", types[i]);
	check_type(mt, "a.html", "text/html; charset=utf-8");
	mime_table_free(mt);
}

/* Enough entries to grow the table several times. */
ATF_TC_WITHOUT_HEAD(mime_table_add__many);
ATF_TC_BODY(mime_table_add__many, tc)
{
	struct mime_table *mt = builtins();
	char ext[16], type[32], name[32];
	const char *got;
	int i;

	for (i = 0; i < 5000; i++) {
		snprintf(ext, sizeof(ext), "e%d", i);
		snprintf(type, sizeof(type), "x/t%d", i);
		ATF_REQUIRE(mime_table_add(mt, ext, type) == 0);
	}
	for (i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "f.E%d", i);
		snprintf(type, sizeof(type), "x/t%d", i);
		got = mime_lookup(mt, name, strlen(name));
		ATF_REQUIRE_MSG(got != NULL && strcmp(got, type) == 0,
		    "%s: got %s", name, got == NULL ? "(null)" : got);
	}
	check_type(mt, "a.css", "text/css; charset=utf-8");
	check_type(mt, "f.e5000", NULL);
	mime_table_free(mt);
}

ATF_TC_WITHOUT_HEAD(mime_table_load__file);
ATF_TC_BODY(mime_table_load__file, tc)
{
	struct mime_table *mt;
	char err[256];

	write_file("mime.types",
	    "# a comment line\n"
	    "\n"
	    "   \t\n"
	    "application/x-lonely\n"		/* no extensions */
	    "notatype foo1\n"			/* no slash */
	    "text/ foo2\n"
	    "text/x-a dup  aaa\n"
	    "text/x-b\tdup\n"			/* later line wins */
	    "   image/x-lead   lead\n"
	    "image/x-crlf crlf\r\n"
	    "image/x-png png # trailing comment ext2\n"
	    "application/x-mix ok a.b bad/ext MiXeD\n"
	    "#text/x-commented commented\n"
	    "image/x-last last");		/* no final newline */
	mt = mime_table_load("mime.types", 0, NULL, err, sizeof(err));
	ATF_REQUIRE_MSG(mt != NULL, "mime_table_load: %s", err);
	check_type(mt, "x.foo1", NULL);
	check_type(mt, "x.foo2", NULL);
	check_type(mt, "x.dup", "text/x-b; charset=utf-8");
	check_type(mt, "x.aaa", "text/x-a; charset=utf-8");
	check_type(mt, "x.lead", "image/x-lead");
	check_type(mt, "x.crlf", "image/x-crlf");
	check_type(mt, "x.png", "image/x-png");
	check_type(mt, "x.ext2", NULL);
	check_type(mt, "x.ok", "application/x-mix");
	check_type(mt, "x.mixed", "application/x-mix");
	check_type(mt, "x.b", NULL);
	check_type(mt, "x.commented", NULL);
	check_type(mt, "x.last", "image/x-last");
	/* Built-ins stay under the file's entries. */
	check_type(mt, "x.html", "text/html; charset=utf-8");
	/* And configuration overrides both. */
	ATF_REQUIRE(mime_table_add(mt, "dup", "text/x-c") == 0);
	check_type(mt, "x.dup", "text/x-c; charset=utf-8");
	mime_table_free(mt);
}

/*
 * The system's file (builtin_wins) adds extensions but cannot change a
 * built-in web type; configuration still overrides both.
 */
ATF_TC_WITHOUT_HEAD(mime_table_load__system_file);
ATF_TC_BODY(mime_table_load__system_file, tc)
{
	struct mime_table *mt;
	char err[256];

	write_file("mime.types",
	    "text/vnd.trolltech.linguist ts\n"
	    "application/x-rss+xml rss\n"
	    "image/x-png png\n"
	    "application/x-own own\n");
	mt = mime_table_load("mime.types", 1, NULL, err, sizeof(err));
	ATF_REQUIRE_MSG(mt != NULL, "mime_table_load: %s", err);
	check_type(mt, "a.ts", "video/mp2t");
	check_type(mt, "a.rss", "application/rss+xml; charset=utf-8");
	check_type(mt, "a.png", "image/png");
	check_type(mt, "a.own", "application/x-own");
	ATF_REQUIRE(mime_table_add(mt, "ts", "text/x-typescript") == 0);
	check_type(mt, "a.ts", "text/x-typescript; charset=utf-8");
	mime_table_free(mt);
}

/* mime.charset: another name, or none; types given with one keep theirs. */
ATF_TC_WITHOUT_HEAD(mime_table_load__charset);
ATF_TC_BODY(mime_table_load__charset, tc)
{
	struct mime_table *mt;
	char err[256];

	mt = mime_table_load(NOFILE, 0, "", err, sizeof(err));
	ATF_REQUIRE_MSG(mt != NULL, "mime_table_load: %s", err);
	check_type(mt, "a.html", "text/html");
	check_type(mt, "a.json", "application/json");
	check_type(mt, "a.png", "image/png");
	ATF_REQUIRE(mime_table_add(mt, "tpl", "text/x-tpl") == 0);
	check_type(mt, "a.tpl", "text/x-tpl");
	mime_table_free(mt);

	mt = mime_table_load(NOFILE, 1, "iso-8859-1", err, sizeof(err));
	ATF_REQUIRE_MSG(mt != NULL, "mime_table_load: %s", err);
	check_type(mt, "a.html", "text/html; charset=iso-8859-1");
	check_type(mt, "a.css", "text/css; charset=iso-8859-1");
	/* JSON is UTF-8 whatever is named (RFC 8259 8.1): no label. */
	check_type(mt, "a.json", "application/json");
	check_type(mt, "site.webmanifest", "application/manifest+json");
	ATF_REQUIRE(mime_table_add(mt, "htm", "text/html; charset=koi8-r") ==
	    0);
	check_type(mt, "a.htm", "text/html; charset=koi8-r");
	mime_table_free(mt);

	ATF_CHECK(mime_table_load(NOFILE, 0, "utf 8", err, sizeof(err)) ==
	    NULL);
	ATF_CHECK(mime_type_ok("text/plain"));
	ATF_CHECK(mime_type_ok("text/plain; charset=koi8-r"));
	ATF_CHECK(!mime_type_ok(""));
	ATF_CHECK(!mime_type_ok("notatype"));
	ATF_CHECK(!mime_type_ok("text/plain\r\nX: 1"));
	ATF_CHECK(mime_charset_ok("utf-8"));
	ATF_CHECK(mime_charset_ok(""));
	ATF_CHECK(!mime_charset_ok("a;b"));
	ATF_CHECK(!mime_charset_ok("x2345678901234567890123456789012345678901"));
}

ATF_TC_WITHOUT_HEAD(mime_table_load__missing_file);
ATF_TC_BODY(mime_table_load__missing_file, tc)
{
	struct mime_table *mt;
	char err[256] = "";

	mt = mime_table_load("absent.types", 1, NULL, err, sizeof(err));
	ATF_REQUIRE_MSG(mt != NULL, "mime_table_load: %s", err);
	check_type(mt, "a.html", "text/html; charset=utf-8");
	check_type(mt, "a.gz", "application/gzip");
	mime_table_free(mt);
}

ATF_TC_WITHOUT_HEAD(mime_table_load__unreadable);
ATF_TC_BODY(mime_table_load__unreadable, tc)
{
	char err[256] = "";

	ATF_REQUIRE(mkdir("types.d", 0755) == 0);
	ATF_CHECK(mime_table_load("types.d", 0, NULL, err, sizeof(err)) ==
	    NULL);
	ATF_CHECK_STREQ(err, "types.d: Is a directory");
}

/* The system file, if any, keeps the common answers. */
ATF_TC_WITHOUT_HEAD(mime_table_load__default);
ATF_TC_BODY(mime_table_load__default, tc)
{
	struct mime_table *mt;
	char err[256];

	mt = mime_table_load(NULL, 1, NULL, err, sizeof(err));
	ATF_REQUIRE_MSG(mt != NULL, "mime_table_load: %s", err);
	check_type(mt, "index.html", "text/html; charset=utf-8");
	/* Debian's file has desktop answers for these. */
	check_type(mt, "seg0.ts", "video/mp2t");
	check_type(mt, "feed.rss", "application/rss+xml; charset=utf-8");
	check_type(mt, "a.mid", "audio/midi");
	check_type(mt, "a.css", "text/css; charset=utf-8");
	check_type(mt, "a.png", "image/png");
	check_type(mt, "a.tar.gz", "application/gzip");
	check_type(mt, ".htaccess", NULL);
	mime_table_free(mt);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, mime_lookup__common_types);
	ATF_TP_ADD_TC(tp, mime_lookup__case_insensitive);
	ATF_TP_ADD_TC(tp, mime_lookup__no_extension);
	ATF_TP_ADD_TC(tp, mime_lookup__dotfile);
	ATF_TP_ADD_TC(tp, mime_lookup__last_extension);
	ATF_TP_ADD_TC(tp, mime_lookup__trailing_dot);
	ATF_TP_ADD_TC(tp, mime_lookup__dotted_directories);
	ATF_TP_ADD_TC(tp, mime_lookup__length);
	ATF_TP_ADD_TC(tp, mime_lookup__long_extension);
	ATF_TP_ADD_TC(tp, mime_table_add__override);
	ATF_TP_ADD_TC(tp, mime_table_add__bad_syntax);
	ATF_TP_ADD_TC(tp, mime_table_add__many);
	ATF_TP_ADD_TC(tp, mime_table_load__file);
	ATF_TP_ADD_TC(tp, mime_table_load__system_file);
	ATF_TP_ADD_TC(tp, mime_table_load__charset);
	ATF_TP_ADD_TC(tp, mime_table_load__missing_file);
	ATF_TP_ADD_TC(tp, mime_table_load__unreadable);
	ATF_TP_ADD_TC(tp, mime_table_load__default);
	return (atf_no_error());
}
