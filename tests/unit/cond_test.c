/*
 * Validators, preconditions, If-Range, Accept-Encoding
 * (src/proto/http/cond.c).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <atf-c.h>

#include "proto/http/cond.h"

/* The current representation in most cases. */
#define TAG		"\"abc-1-2\""
#define MTIME		((time_t)1600000000)
#define D_EQ		"Sun, 13 Sep 2020 12:26:40 GMT"
#define D_BEFORE	"Sun, 13 Sep 2020 12:26:39 GMT"
#define D_AFTER		"Sun, 13 Sep 2020 12:26:41 GMT"
#define D_EQ_850	"Sunday, 13-Sep-20 12:26:40 GMT"
#define D_EQ_ASC	"Sun Sep 13 12:26:40 2020"
#define D_BEFORE_850	"Sunday, 13-Sep-20 12:26:39 GMT"
#define D_BEFORE_ASC	"Sun Sep 13 12:26:39 2020"

#define GET		1
#define PUT		0

struct cond_case {
	const char	*cc_im;		/* If-Match */
	const char	*cc_inm;	/* If-None-Match */
	const char	*cc_ims;	/* If-Modified-Since */
	const char	*cc_ius;	/* If-Unmodified-Since */
	int		 cc_get;
	int		 cc_want;
};

static char	*copy_field(const char *, size_t *);
static int	eval(const char *, const struct cond_case *);
/* Whether the representation exists; its tag may still be absent. */
static int	exists = 1;
/* Whether it has a Last-Modified (MTIME). */
static int	has_mtime = 1;
static void	run_cases(const char *, const struct cond_case *, size_t);
static void	check_etag(uint64_t, uint64_t, int64_t, long, int,
		    const char *);
static void	check_if_range(const char *, const char *, int);
static void	check_if_range_at(const char *, const char *, time_t, int);
static void	check_gzip(const char *, int);

#define NCASES(a)	(sizeof(a) / sizeof((a)[0]))

/* A copy with no NUL after it: the code must honour the length. */
static char *
copy_field(const char *s, size_t *lenp)
{
	char *p;

	if (s == NULL)
		return (NULL);
	*lenp = strlen(s);
	ATF_REQUIRE((p = malloc(*lenp + 1)) != NULL);
	memcpy(p, s, *lenp);
	p[*lenp] = '"';
	return (p);
}

static int
eval(const char *etag, const struct cond_case *cc)
{
	struct http_cond c;
	char *im, *inm, *ims, *ius;
	int rc;

	memset(&c, 0, sizeof(c));
	c.hc_exists = exists;
	c.hc_etag = etag;
	c.hc_etag_len = etag != NULL ? strlen(etag) : 0;
	c.hc_has_mtime = has_mtime;
	c.hc_mtime = has_mtime ? MTIME : 0;
	c.hc_if_match = im = copy_field(cc->cc_im, &c.hc_if_match_len);
	c.hc_if_none_match = inm = copy_field(cc->cc_inm,
	    &c.hc_if_none_match_len);
	c.hc_if_modified_since = ims = copy_field(cc->cc_ims,
	    &c.hc_if_modified_since_len);
	c.hc_if_unmodified_since = ius = copy_field(cc->cc_ius,
	    &c.hc_if_unmodified_since_len);
	c.hc_get_or_head = cc->cc_get;
	rc = http_cond_evaluate(&c);
	free(im);
	free(inm);
	free(ims);
	free(ius);
	return (rc);
}

static void
run_cases(const char *etag, const struct cond_case *cc, size_t n)
{
	size_t i;
	int got;

	for (i = 0; i < n; i++) {
		got = eval(etag, &cc[i]);
		ATF_CHECK_MSG(got == cc[i].cc_want,
		    "case %zu: If-Match: %s, If-None-Match: %s, "
		    "If-Modified-Since: %s, If-Unmodified-Since: %s, %s "
		    "(etag %s): got %d want %d", i,
		    cc[i].cc_im ? cc[i].cc_im : "-",
		    cc[i].cc_inm ? cc[i].cc_inm : "-",
		    cc[i].cc_ims ? cc[i].cc_ims : "-",
		    cc[i].cc_ius ? cc[i].cc_ius : "-",
		    cc[i].cc_get ? "GET" : "PUT", etag ? etag : "none",
		    got, cc[i].cc_want);
	}
}

static void
check_etag(uint64_t ino, uint64_t size, int64_t sec, long nsec, int variant,
    const char *want)
{
	char buf[HTTP_ETAG_MAX + 8];
	size_t n;

	memset(buf, 'x', sizeof(buf));
	n = http_etag_make(buf, ino, size, sec, nsec, variant);
	ATF_CHECK_MSG(n < HTTP_ETAG_MAX && buf[n] == '\0' &&
	    buf[HTTP_ETAG_MAX] == 'x', "length %zu, no NUL or overrun", n);
	buf[HTTP_ETAG_MAX - 1] = '\0';
	ATF_CHECK_MSG(strcmp(buf, want) == 0 && n == strlen(want),
	    "got %s (%zu) want %s", buf, n, want);
}

static void
check_if_range_at(const char *v, const char *etag, time_t now, int want)
{
	char *copy;
	size_t len;
	int got;

	copy = copy_field(v, &len);
	got = http_cond_if_range(copy, len, etag,
	    etag != NULL ? strlen(etag) : 0, MTIME, now);
	ATF_CHECK_MSG(got == want, "If-Range: %s (etag %s) at %lld: got %d "
	    "want %d", v, etag ? etag : "none", (long long)now, got, want);
	free(copy);
}

/* Asked long after the file changed. */
static void
check_if_range(const char *v, const char *etag, int want)
{
	check_if_range_at(v, etag, MTIME + 3600, want);
}

static void
check_gzip(const char *v, int want)
{
	char *copy;
	size_t len;
	int got;

	copy = copy_field(v, &len);
	got = http_accepts_gzip(copy, len);
	ATF_CHECK_MSG(got == want, "Accept-Encoding: \"%s\": got %d want %d",
	    v, got, want);
	free(copy);
}

/* ---- http_etag_make ------------------------------------------------- */

ATF_TC_WITHOUT_HEAD(http_etag_make__format);
ATF_TC_BODY(http_etag_make__format, tc)
{
	check_etag(0x1234, 0x10, 0x5f5e1000, 0, 0, "\"5f5e1000-10-1234\"");
	check_etag(0, 0, 0, 0, 0, "\"0-0-0\"");
	check_etag(0xabcdef, 1, 1, 0, 0, "\"1-1-abcdef\"");
}

ATF_TC_WITHOUT_HEAD(http_etag_make__nanoseconds);
ATF_TC_BODY(http_etag_make__nanoseconds, tc)
{
	check_etag(0x1234, 0x10, 0x5f5e1000, 0x1f, 0,
	    "\"5f5e1000.1f-10-1234\"");
	check_etag(1, 2, 3, 999999999, 0, "\"3.3b9ac9ff-2-1\"");
	/* not a valid tv_nsec: left out rather than trusted */
	check_etag(1, 2, 3, -1, 0, "\"3-2-1\"");
	check_etag(1, 2, 3, 1000000000, 0, "\"3-2-1\"");
}

ATF_TC_WITHOUT_HEAD(http_etag_make__variant);
ATF_TC_BODY(http_etag_make__variant, tc)
{
	check_etag(1, 2, 3, 0, 1, "\"3-2-1-1\"");
	check_etag(1, 2, 3, 4, 1, "\"3.4-2-1-1\"");
	check_etag(1, 2, 3, 0, 15, "\"3-2-1-f\"");
	check_etag(1, 2, 3, 0, 17, "\"3-2-1-1\"");	/* low four bits */
}

ATF_TC_WITHOUT_HEAD(http_etag_make__extremes);
ATF_TC_BODY(http_etag_make__extremes, tc)
{
	check_etag(UINT64_MAX, UINT64_MAX, INT64_MAX, 999999999, 15,
	    "\"7fffffffffffffff.3b9ac9ff-ffffffffffffffff-"
	    "ffffffffffffffff-f\"");
	check_etag(UINT64_MAX, UINT64_MAX, -1, 999999999, 15,
	    "\"ffffffffffffffff.3b9ac9ff-ffffffffffffffff-"
	    "ffffffffffffffff-f\"");
	check_etag(5, 6, INT64_MIN, 0, 0, "\"8000000000000000-6-5\"");
}

/* Tags of different files or states differ; the same state gives one. */
ATF_TC_WITHOUT_HEAD(http_etag_make__distinct);
ATF_TC_BODY(http_etag_make__distinct, tc)
{
	char a[HTTP_ETAG_MAX], b[HTTP_ETAG_MAX];

	http_etag_make(a, 1, 2, 3, 4, 0);
	http_etag_make(b, 1, 2, 3, 4, 0);
	ATF_CHECK_STREQ(a, b);
	http_etag_make(b, 1, 2, 3, 5, 0);
	ATF_CHECK(strcmp(a, b) != 0);
	http_etag_make(b, 1, 3, 3, 4, 0);
	ATF_CHECK(strcmp(a, b) != 0);
	http_etag_make(b, 2, 2, 3, 4, 0);
	ATF_CHECK(strcmp(a, b) != 0);
	http_etag_make(b, 1, 2, 3, 4, 1);
	ATF_CHECK(strcmp(a, b) != 0);
}

/* ---- http_cond_evaluate --------------------------------------------- */

ATF_TC_WITHOUT_HEAD(http_cond_evaluate__none);
ATF_TC_BODY(http_cond_evaluate__none, tc)
{
	static const struct cond_case cc[] = {
		{ NULL, NULL, NULL, NULL, GET, 0 },
		{ NULL, NULL, NULL, NULL, PUT, 0 },
	};

	run_cases(TAG, cc, NCASES(cc));
}

ATF_TC_WITHOUT_HEAD(http_cond_evaluate__if_match);
ATF_TC_BODY(http_cond_evaluate__if_match, tc)
{
	static const struct cond_case cc[] = {
		{ TAG, NULL, NULL, NULL, GET, 0 },
		{ TAG, NULL, NULL, NULL, PUT, 0 },
		{ "\"other\"", NULL, NULL, NULL, GET, 412 },
		{ "\"other\"", NULL, NULL, NULL, PUT, 412 },
		{ "*", NULL, NULL, NULL, GET, 0 },
		{ "\"x\", " TAG, NULL, NULL, NULL, GET, 0 },
		{ "\"x\" ,\t" TAG "\t, \"y\"", NULL, NULL, NULL, GET, 0 },
		{ ", ," TAG ",", NULL, NULL, NULL, GET, 0 },
		{ "\"ABC-1-2\"", NULL, NULL, NULL, GET, 412 },
		{ "\"abc-1-2 \"", NULL, NULL, NULL, GET, 412 },
		{ "\"\"", NULL, NULL, NULL, GET, 412 },
	};

	run_cases(TAG, cc, NCASES(cc));
}

/* §8.8.3.2: If-Match compares strongly, so a weak tag never matches. */
ATF_TC_WITHOUT_HEAD(http_cond_evaluate__if_match_strong);
ATF_TC_BODY(http_cond_evaluate__if_match_strong, tc)
{
	static const struct cond_case cc[] = {
		{ "W/" TAG, NULL, NULL, NULL, GET, 412 },
		{ "W/" TAG ", W/\"x\"", NULL, NULL, NULL, PUT, 412 },
		{ "W/\"x\", " TAG, NULL, NULL, NULL, PUT, 0 },
	};

	run_cases(TAG, cc, NCASES(cc));
	/* a weak current tag cannot match strongly either */
	run_cases("W/" TAG, cc, 1);
}

/* A malformed list matches nothing, wherever the error is. */
ATF_TC_WITHOUT_HEAD(http_cond_evaluate__if_match_malformed);
ATF_TC_BODY(http_cond_evaluate__if_match_malformed, tc)
{
	static const struct cond_case cc[] = {
		{ "abc-1-2", NULL, NULL, NULL, GET, 412 },
		{ TAG ", bogus", NULL, NULL, NULL, GET, 412 },
		{ "bogus, " TAG, NULL, NULL, NULL, GET, 412 },
		{ "\"abc-1-2", NULL, NULL, NULL, GET, 412 },
		{ TAG "\"x\"", NULL, NULL, NULL, GET, 412 },
		{ TAG " \"x\"", NULL, NULL, NULL, GET, 412 },
		{ "*, " TAG, NULL, NULL, NULL, GET, 412 },
		{ "**", NULL, NULL, NULL, GET, 412 },
		{ "w/" TAG, NULL, NULL, NULL, GET, 412 },
		{ "W/ " TAG, NULL, NULL, NULL, GET, 412 },
		{ "\"a b\"", NULL, NULL, NULL, GET, 412 },
		{ "\"a\tb\", " TAG, NULL, NULL, NULL, GET, 412 },
		{ "", NULL, NULL, NULL, GET, 412 },	/* empty list */
		{ " , ", NULL, NULL, NULL, GET, 412 },
	};

	run_cases(TAG, cc, NCASES(cc));
}

ATF_TC_WITHOUT_HEAD(http_cond_evaluate__if_unmodified_since);
ATF_TC_BODY(http_cond_evaluate__if_unmodified_since, tc)
{
	static const struct cond_case cc[] = {
		{ NULL, NULL, NULL, D_EQ, PUT, 0 },
		{ NULL, NULL, NULL, D_AFTER, PUT, 0 },
		{ NULL, NULL, NULL, D_BEFORE, PUT, 412 },
		{ NULL, NULL, NULL, D_BEFORE, GET, 412 },
		{ NULL, NULL, NULL, D_BEFORE_850, PUT, 412 },
		{ NULL, NULL, NULL, D_BEFORE_ASC, PUT, 412 },
		{ NULL, NULL, NULL, D_EQ_850, PUT, 0 },
		{ NULL, NULL, NULL, D_EQ_ASC, PUT, 0 },
		/* not a date: ignored */
		{ NULL, NULL, NULL, "yesterday", PUT, 0 },
		{ NULL, NULL, NULL, "", PUT, 0 },
		{ NULL, NULL, NULL, D_BEFORE " ", PUT, 0 },
		/* If-Match present: If-Unmodified-Since is not looked at */
		{ TAG, NULL, NULL, D_BEFORE, PUT, 0 },
		{ "\"other\"", NULL, NULL, D_AFTER, PUT, 412 },
	};

	run_cases(TAG, cc, NCASES(cc));
}

ATF_TC_WITHOUT_HEAD(http_cond_evaluate__if_none_match);
ATF_TC_BODY(http_cond_evaluate__if_none_match, tc)
{
	static const struct cond_case cc[] = {
		{ NULL, TAG, NULL, NULL, GET, 304 },
		{ NULL, TAG, NULL, NULL, PUT, 412 },
		{ NULL, "\"other\"", NULL, NULL, GET, 0 },
		{ NULL, "\"other\"", NULL, NULL, PUT, 0 },
		{ NULL, "*", NULL, NULL, GET, 304 },
		{ NULL, "*", NULL, NULL, PUT, 412 },
		{ NULL, "\"x\",\"y\", " TAG, NULL, NULL, GET, 304 },
		{ NULL, "\"x\" , \"y\"", NULL, NULL, GET, 0 },
		{ NULL, ",," TAG ",,", NULL, NULL, GET, 304 },
	};

	run_cases(TAG, cc, NCASES(cc));
}

/* §8.8.3.2: If-None-Match compares weakly: W/ is ignored both sides. */
ATF_TC_WITHOUT_HEAD(http_cond_evaluate__if_none_match_weak);
ATF_TC_BODY(http_cond_evaluate__if_none_match_weak, tc)
{
	static const struct cond_case cc[] = {
		{ NULL, "W/" TAG, NULL, NULL, GET, 304 },
		{ NULL, "W/\"x\", W/" TAG, NULL, NULL, GET, 304 },
		{ NULL, "W/" TAG, NULL, NULL, PUT, 412 },
		{ NULL, "W/\"other\"", NULL, NULL, GET, 0 },
	};

	run_cases(TAG, cc, NCASES(cc));
	run_cases("W/" TAG, cc, NCASES(cc));
}

/* Malformed: no match, so the full response, never an unjustified 304. */
ATF_TC_WITHOUT_HEAD(http_cond_evaluate__if_none_match_malformed);
ATF_TC_BODY(http_cond_evaluate__if_none_match_malformed, tc)
{
	static const struct cond_case cc[] = {
		{ NULL, TAG ", x", NULL, NULL, GET, 0 },
		{ NULL, "abc-1-2", NULL, NULL, GET, 0 },
		{ NULL, "*, " TAG, NULL, NULL, GET, 0 },
		{ NULL, "w/" TAG, NULL, NULL, GET, 0 },
		{ NULL, "", NULL, NULL, GET, 0 },
		/* present, even if empty: If-Modified-Since is skipped */
		{ NULL, "", D_EQ, NULL, GET, 0 },
		{ NULL, TAG ", x", D_EQ, NULL, GET, 0 },
	};

	run_cases(TAG, cc, NCASES(cc));
}

ATF_TC_WITHOUT_HEAD(http_cond_evaluate__if_modified_since);
ATF_TC_BODY(http_cond_evaluate__if_modified_since, tc)
{
	static const struct cond_case cc[] = {
		{ NULL, NULL, D_EQ, NULL, GET, 304 },
		/* RFC: at or before the date; nginx's "exact" would say 200 */
		{ NULL, NULL, D_AFTER, NULL, GET, 304 },
		{ NULL, NULL, D_BEFORE, NULL, GET, 0 },
		{ NULL, NULL, D_EQ_850, NULL, GET, 304 },
		{ NULL, NULL, D_EQ_ASC, NULL, GET, 304 },
		{ NULL, NULL, D_BEFORE_850, NULL, GET, 0 },
		{ NULL, NULL, D_BEFORE_ASC, NULL, GET, 0 },
		/* GET and HEAD only */
		{ NULL, NULL, D_EQ, NULL, PUT, 0 },
		/* invalid, or a list: ignored */
		{ NULL, NULL, "garbage", NULL, GET, 0 },
		{ NULL, NULL, D_EQ ", " D_EQ, NULL, GET, 0 },
		{ NULL, NULL, "Sun, 13 Sep 2020 12:26:40 GMT; length=5", NULL,
		    GET, 0 },
		{ NULL, NULL, "sun, 13 Sep 2020 12:26:40 GMT", NULL, GET, 0 },
	};

	run_cases(TAG, cc, NCASES(cc));
}

/* §13.2.2 order: each step's result and which field hides which. */
ATF_TC_WITHOUT_HEAD(http_cond_evaluate__order);
ATF_TC_BODY(http_cond_evaluate__order, tc)
{
	static const struct cond_case cc[] = {
		/* If-Match passes, If-None-Match decides */
		{ TAG, TAG, NULL, NULL, GET, 304 },
		{ TAG, TAG, NULL, NULL, PUT, 412 },
		{ TAG, "\"x\"", NULL, NULL, GET, 0 },
		/* If-Match fails first: 412 even for GET */
		{ "\"x\"", TAG, NULL, NULL, GET, 412 },
		{ "\"x\"", NULL, D_EQ, NULL, GET, 412 },
		/* If-Unmodified-Since fails before If-None-Match is read */
		{ NULL, TAG, NULL, D_BEFORE, GET, 412 },
		{ NULL, NULL, D_EQ, D_BEFORE, GET, 412 },
		{ NULL, NULL, D_EQ, D_EQ, GET, 304 },
		{ NULL, NULL, D_BEFORE, D_EQ, GET, 0 },
		/* If-None-Match present: If-Modified-Since ignored */
		{ NULL, "\"x\"", D_EQ, NULL, GET, 0 },
		{ NULL, TAG, D_BEFORE, NULL, GET, 304 },
		/* all four */
		{ TAG, "\"x\"", D_EQ, D_BEFORE, GET, 0 },
		{ "*", "*", D_EQ, D_EQ, GET, 304 },
		{ "*", "*", D_EQ, D_EQ, PUT, 412 },
	};

	run_cases(TAG, cc, NCASES(cc));
}

/* No current representation: "*" matches nothing. */
ATF_TC_WITHOUT_HEAD(http_cond_evaluate__no_representation);
ATF_TC_BODY(http_cond_evaluate__no_representation, tc)
{
	static const struct cond_case cc[] = {
		{ "*", NULL, NULL, NULL, PUT, 412 },
		{ TAG, NULL, NULL, NULL, PUT, 412 },
		{ NULL, "*", NULL, NULL, PUT, 0 },
		{ NULL, TAG, NULL, NULL, GET, 0 },
	};

	exists = 0;
	run_cases(NULL, cc, NCASES(cc));
}

/* A file served without entity tags (etag = false): "*" still matches
   it, a listed tag never can. */
ATF_TC_WITHOUT_HEAD(http_cond_evaluate__no_etag);
ATF_TC_BODY(http_cond_evaluate__no_etag, tc)
{
	static const struct cond_case cc[] = {
		{ "*", NULL, NULL, NULL, GET, 0 },
		{ "*", NULL, NULL, NULL, PUT, 0 },
		{ TAG, NULL, NULL, NULL, GET, 412 },
		{ NULL, "*", NULL, NULL, GET, 304 },
		{ NULL, "*", NULL, NULL, PUT, 412 },
		{ NULL, TAG, NULL, NULL, GET, 0 },
		{ NULL, TAG, D_EQ, NULL, GET, 0 },
		{ NULL, NULL, D_EQ, NULL, GET, 304 },
	};

	run_cases(NULL, cc, NCASES(cc));
}

/* Nor a Last-Modified (a listing, a status page): the date fields are
   ignored (§13.1.3, §13.1.4); "*" still matches it. */
ATF_TC_WITHOUT_HEAD(http_cond_evaluate__no_validators);
ATF_TC_BODY(http_cond_evaluate__no_validators, tc)
{
	static const struct cond_case cc[] = {
		{ NULL, NULL, D_EQ, NULL, GET, 0 },
		{ NULL, NULL, D_AFTER, NULL, GET, 0 },
		{ NULL, NULL, NULL, D_BEFORE, PUT, 0 },
		{ NULL, NULL, NULL, D_BEFORE, GET, 0 },
		{ "*", NULL, NULL, D_BEFORE, GET, 0 },
		{ TAG, NULL, NULL, NULL, GET, 412 },
		{ NULL, "*", NULL, NULL, GET, 304 },
		{ NULL, "*", NULL, NULL, PUT, 412 },
		{ NULL, TAG, D_AFTER, NULL, GET, 0 },
	};

	has_mtime = 0;
	run_cases(NULL, cc, NCASES(cc));
}

/* ---- http_cond_if_range --------------------------------------------- */

ATF_TC_WITHOUT_HEAD(http_cond_if_range__etag);
ATF_TC_BODY(http_cond_if_range__etag, tc)
{
	check_if_range(TAG, TAG, 1);
	check_if_range("\"other\"", TAG, 0);
	check_if_range("W/" TAG, TAG, 0);	/* weak never matches */
	check_if_range(TAG, "W/" TAG, 0);
	check_if_range("\"ABC-1-2\"", TAG, 0);
	check_if_range(TAG, NULL, 0);
	/* one tag, not a list; nothing around it */
	check_if_range(TAG ", \"x\"", TAG, 0);
	check_if_range("\"x\", " TAG, TAG, 0);
	check_if_range(TAG " ", TAG, 0);
	check_if_range("\"abc-1-2", TAG, 0);
	check_if_range("*", TAG, 0);
	check_if_range("", TAG, 0);
}

ATF_TC_WITHOUT_HEAD(http_cond_if_range__date);
ATF_TC_BODY(http_cond_if_range__date, tc)
{
	check_if_range(D_EQ, TAG, 1);
	check_if_range(D_EQ_850, TAG, 1);
	check_if_range(D_EQ_ASC, TAG, 1);
	check_if_range(D_EQ, NULL, 1);
	/* exactly equal, not "not modified since" */
	check_if_range(D_AFTER, TAG, 0);
	check_if_range(D_BEFORE, TAG, 0);
	check_if_range("Sun, 13 Sep 2020 12:26:40 UTC", TAG, 0);
	check_if_range("tomorrow", TAG, 0);
	check_if_range("\"" D_EQ "\"", TAG, 0);
	/*
	 * Changed within the last full second: a second change in the
	 * second the date names cannot be ruled out, so the date is weak.
	 */
	check_if_range_at(D_EQ, TAG, MTIME, 0);
	check_if_range_at(D_EQ, TAG, MTIME + 1, 0);
	check_if_range_at(D_EQ, TAG, MTIME + 2, 1);
	/* An entity-tag is strong whenever the file changed. */
	check_if_range_at(TAG, TAG, MTIME, 1);
}

/* ---- http_accepts_gzip ---------------------------------------------- */

ATF_TC_WITHOUT_HEAD(http_accepts_gzip__listed);
ATF_TC_BODY(http_accepts_gzip__listed, tc)
{
	check_gzip("gzip", 1);
	check_gzip("GZIP", 1);
	check_gzip("GZip", 1);
	check_gzip("x-gzip", 1);
	check_gzip("X-GZIP", 1);
	check_gzip("deflate, gzip;q=1.0", 1);
	check_gzip("gzip, deflate, br, zstd", 1);
	check_gzip("deflate,gzip", 1);
	check_gzip("br;q=1.0, gzip;q=0.8, *;q=0.1", 1);
	check_gzip("compress, gzip", 1);
	check_gzip(",, gzip ,,", 1);
	check_gzip("gzip,", 1);
}

ATF_TC_WITHOUT_HEAD(http_accepts_gzip__not_listed);
ATF_TC_BODY(http_accepts_gzip__not_listed, tc)
{
	check_gzip("", 0);
	check_gzip("identity", 0);
	check_gzip("deflate, br", 0);
	check_gzip("gzips", 0);
	check_gzip("xgzip", 0);
	check_gzip("gzip2", 0);
	check_gzip("x-gzip-2", 0);
	check_gzip(",", 0);
}

ATF_TC_WITHOUT_HEAD(http_accepts_gzip__qvalue);
ATF_TC_BODY(http_accepts_gzip__qvalue, tc)
{
	check_gzip("gzip;q=0", 0);
	check_gzip("gzip;q=0.000", 0);
	check_gzip("gzip;q=0.", 0);
	check_gzip("gzip;q=0.001", 1);
	check_gzip("gzip;q=0.5", 1);
	check_gzip("gzip;q=1", 1);
	check_gzip("gzip;q=1.", 1);
	check_gzip("gzip;q=1.0", 1);
	check_gzip("gzip;q=1.000", 1);
	check_gzip("gzip;Q=0.5", 1);		/* "q=" is case-insensitive */
	check_gzip("x-gzip;q=0", 0);
	check_gzip("deflate;q=0.5, gzip;q=0.5", 1);
}

/* OWS around ";" and ","; none around "=". */
ATF_TC_WITHOUT_HEAD(http_accepts_gzip__whitespace);
ATF_TC_BODY(http_accepts_gzip__whitespace, tc)
{
	check_gzip("gzip ; q=0.5", 1);
	check_gzip("gzip;\tq=0.5", 1);
	check_gzip(" gzip ", 1);
	check_gzip("deflate ,\tgzip", 1);
	check_gzip("gzip ; q=0", 0);
	check_gzip("gzip;q =0.5", 0);
	check_gzip("gzip;q= 0.5", 0);
	check_gzip("gzip deflate", 0);
}

/* A malformed field: not acceptable, whatever else it says. */
ATF_TC_WITHOUT_HEAD(http_accepts_gzip__malformed);
ATF_TC_BODY(http_accepts_gzip__malformed, tc)
{
	check_gzip("gzip;q=1.001", 0);
	check_gzip("gzip;q=1.5", 0);
	check_gzip("gzip;q=2", 0);
	check_gzip("gzip;q=0.0000", 0);
	check_gzip("gzip;q=0.5000", 0);
	check_gzip("gzip;q=", 0);
	check_gzip("gzip;q=abc", 0);
	check_gzip("gzip;q=.5", 0);
	check_gzip("gzip;q=-1", 0);
	check_gzip("gzip;q=0.5x", 0);
	check_gzip("gzip;", 0);
	check_gzip("gzip;level=9", 0);
	check_gzip("gzip;q=0.5;q=1", 0);
	check_gzip("\"gzip\"", 0);
	check_gzip("gzip, br;q=x", 0);
	check_gzip("gzip;q=1, ;", 0);
}

ATF_TC_WITHOUT_HEAD(http_accepts_gzip__star);
ATF_TC_BODY(http_accepts_gzip__star, tc)
{
	check_gzip("*", 1);
	check_gzip("*;q=0.5", 1);
	check_gzip("*;q=0", 0);
	check_gzip("identity;q=1, *;q=0", 0);
	check_gzip("br, *", 1);
	/* an explicit gzip beats "*" either way */
	check_gzip("*, gzip;q=0", 0);
	check_gzip("gzip;q=0, *", 0);
	check_gzip("*;q=0, gzip", 1);
	check_gzip("*;q=0, x-gzip;q=0.1", 1);
}

/* gzip and x-gzip are one coding: each entry must allow it. */
ATF_TC_WITHOUT_HEAD(http_accepts_gzip__alias_conflict);
ATF_TC_BODY(http_accepts_gzip__alias_conflict, tc)
{
	check_gzip("gzip, x-gzip;q=0", 0);
	check_gzip("x-gzip;q=0, gzip", 0);
	check_gzip("gzip;q=0.1, x-gzip", 1);
	check_gzip("gzip, gzip;q=0", 0);
}

ATF_TC_WITHOUT_HEAD(http_accepts_gzip__length_bounded);
ATF_TC_BODY(http_accepts_gzip__length_bounded, tc)
{
	ATF_CHECK_EQ(http_accepts_gzip("gzipx", 4), 1);
	ATF_CHECK_EQ(http_accepts_gzip("deflate,gzip", 7), 0);
	ATF_CHECK_EQ(http_accepts_gzip("gzip;q=0.5", 7), 0);	/* "gzip;q=" */
	ATF_CHECK_EQ(http_accepts_gzip("gzip;q=0", 6), 0);
	ATF_CHECK_EQ(http_accepts_gzip("", 0), 0);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, http_etag_make__format);
	ATF_TP_ADD_TC(tp, http_etag_make__nanoseconds);
	ATF_TP_ADD_TC(tp, http_etag_make__variant);
	ATF_TP_ADD_TC(tp, http_etag_make__extremes);
	ATF_TP_ADD_TC(tp, http_etag_make__distinct);
	ATF_TP_ADD_TC(tp, http_cond_evaluate__none);
	ATF_TP_ADD_TC(tp, http_cond_evaluate__if_match);
	ATF_TP_ADD_TC(tp, http_cond_evaluate__if_match_strong);
	ATF_TP_ADD_TC(tp, http_cond_evaluate__if_match_malformed);
	ATF_TP_ADD_TC(tp, http_cond_evaluate__if_unmodified_since);
	ATF_TP_ADD_TC(tp, http_cond_evaluate__if_none_match);
	ATF_TP_ADD_TC(tp, http_cond_evaluate__if_none_match_weak);
	ATF_TP_ADD_TC(tp, http_cond_evaluate__if_none_match_malformed);
	ATF_TP_ADD_TC(tp, http_cond_evaluate__if_modified_since);
	ATF_TP_ADD_TC(tp, http_cond_evaluate__order);
	ATF_TP_ADD_TC(tp, http_cond_evaluate__no_representation);
	ATF_TP_ADD_TC(tp, http_cond_evaluate__no_etag);
	ATF_TP_ADD_TC(tp, http_cond_evaluate__no_validators);
	ATF_TP_ADD_TC(tp, http_cond_if_range__etag);
	ATF_TP_ADD_TC(tp, http_cond_if_range__date);
	ATF_TP_ADD_TC(tp, http_accepts_gzip__listed);
	ATF_TP_ADD_TC(tp, http_accepts_gzip__not_listed);
	ATF_TP_ADD_TC(tp, http_accepts_gzip__qvalue);
	ATF_TP_ADD_TC(tp, http_accepts_gzip__whitespace);
	ATF_TP_ADD_TC(tp, http_accepts_gzip__malformed);
	ATF_TP_ADD_TC(tp, http_accepts_gzip__star);
	ATF_TP_ADD_TC(tp, http_accepts_gzip__alias_conflict);
	ATF_TP_ADD_TC(tp, http_accepts_gzip__length_bounded);
	return (atf_no_error());
}
