/*
 * Range and Content-Range (src/proto/http/range.c).
 */
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <atf-c.h>

#include "proto/http/range.h"

#define MAXR		64
#define NONE		HTTP_RANGE_NONE
#define OK		HTTP_RANGE_OK
#define UNSAT		HTTP_RANGE_UNSATISFIABLE

static void	check(const char *, uint64_t, unsigned, int, const char *);
static void	check_len(const char *, size_t, uint64_t, unsigned, int,
		    const char *);
static void	ranges_str(char *, size_t, const struct http_range *,
		    unsigned);
static uint32_t	rnd(uint64_t *);

static void
ranges_str(char *buf, size_t sz, const struct http_range *r, unsigned n)
{
	unsigned i;
	size_t off;

	buf[0] = '\0';
	for (off = 0, i = 0; i < n && off < sz; i++)
		off += (size_t)snprintf(buf + off, sz - off,
		    "%s%" PRIu64 "-%" PRIu64, i ? "," : "",
		    r[i].hr_first, r[i].hr_last);
}

/*
 * want_ranges: the ranges of an OK result as "a-b,c-d"; ignored otherwise.
 * The value is copied without a NUL after it.
 */
static void
check_len(const char *v, size_t len, uint64_t size, unsigned max,
    int want, const char *want_ranges)
{
	struct http_range out[MAXR];
	char got[4096];
	char *copy;
	unsigned n;
	int rc;

	ATF_REQUIRE(max <= MAXR);
	ATF_REQUIRE((copy = malloc(len + 1)) != NULL);
	memcpy(copy, v, len);
	copy[len] = '0';
	n = 99;
	rc = http_range_parse(copy, len, size, out, max, &n);
	free(copy);
	ranges_str(got, sizeof(got), out, rc == OK ? n : 0);
	ATF_CHECK_MSG(rc == want, "\"%.*s\" size %" PRIu64 " max %u: "
	    "got %d (%s) want %d", (int)len, v, size, max, rc, got, want);
	if (rc != OK) {
		ATF_CHECK_MSG(n == 0, "\"%.*s\": nranges %u on %d",
		    (int)len, v, n, rc);
		return;
	}
	ATF_CHECK_MSG(n >= 1 && n <= max, "\"%.*s\": nranges %u", (int)len,
	    v, n);
	if (want == OK)
		ATF_CHECK_MSG(strcmp(got, want_ranges) == 0,
		    "\"%.*s\" size %" PRIu64 ": got %s want %s", (int)len, v,
		    size, got, want_ranges);
}

static void
check(const char *v, uint64_t size, unsigned max, int want,
    const char *want_ranges)
{
	check_len(v, strlen(v), size, max, want, want_ranges);
}

static uint32_t
rnd(uint64_t *x)
{
	*x = *x * 6364136223846793005ULL + 1442695040888963407ULL;
	return ((uint32_t)(*x >> 33));
}

ATF_TC_WITHOUT_HEAD(http_range_parse__forms);
ATF_TC_BODY(http_range_parse__forms, tc)
{
	check("bytes=0-499", 10000, 8, OK, "0-499");
	check("bytes=500-999", 10000, 8, OK, "500-999");
	check("bytes=-500", 10000, 8, OK, "9500-9999");
	check("bytes=9500-", 10000, 8, OK, "9500-9999");
	check("bytes=0-", 10000, 8, OK, "0-9999");
	check("bytes=9999-9999", 10000, 8, OK, "9999-9999");
	check("bytes=000-001", 10000, 8, OK, "0-1");
	check("bytes=-0000500", 10000, 8, OK, "9500-9999");
}

/* last-pos past the end and suffixes longer than the file are clipped. */
ATF_TC_WITHOUT_HEAD(http_range_parse__clipped);
ATF_TC_BODY(http_range_parse__clipped, tc)
{
	check("bytes=0-99999", 10000, 8, OK, "0-9999");
	check("bytes=9000-10000", 10000, 8, OK, "9000-9999");
	check("bytes=-10000", 10000, 8, OK, "0-9999");
	check("bytes=-20000", 10000, 8, OK, "0-9999");
	check("bytes=0-18446744073709551615", 10000, 8, OK, "0-9999");
	check("bytes=-18446744073709551615", 10000, 8, OK, "0-9999");
}

ATF_TC_WITHOUT_HEAD(http_range_parse__unsatisfiable);
ATF_TC_BODY(http_range_parse__unsatisfiable, tc)
{
	check("bytes=10000-", 10000, 8, UNSAT, NULL);
	check("bytes=10000-20000", 10000, 8, UNSAT, NULL);
	check("bytes=-0", 10000, 8, UNSAT, NULL);
	check("bytes=-0,10000-,20000-30000", 10000, 8, UNSAT, NULL);
	check("bytes=18446744073709551615-", 10000, 8, UNSAT, NULL);
	/* unsatisfiable ranges are dropped from a set that has others */
	check("bytes=10000-,0-1", 10000, 8, OK, "0-1");
	check("bytes=-0,0-0", 10000, 8, OK, "0-0");
	/* and a syntax error still wins */
	check("bytes=10000-,1-0", 10000, 8, NONE, NULL);
}

ATF_TC_WITHOUT_HEAD(http_range_parse__multiple);
ATF_TC_BODY(http_range_parse__multiple, tc)
{
	check("bytes=0-0,-1", 10000, 8, OK, "0-0,9999-9999");
	check("bytes=0-99,200-299,400-", 10000, 8, OK,
	    "0-99,200-299,400-9999");
	check("bytes=0-1,5-6,,", 10000, 8, OK, "0-1,5-6");
	check("bytes=,,0-1", 10000, 8, OK, "0-1");
}

/*
 * Overlapping and adjacent ranges are merged; the rest keep the order of
 * the request (RFC 9110 §14.6), a merged one where its first spec was.
 */
ATF_TC_WITHOUT_HEAD(http_range_parse__coalesce);
ATF_TC_BODY(http_range_parse__coalesce, tc)
{
	check("bytes=500-600,601-999", 10000, 8, OK, "500-999");
	check("bytes=500-700,601-999", 10000, 8, OK, "500-999");
	check("bytes=601-999,500-600", 10000, 8, OK, "500-999");
	check("bytes=500-999,600-700", 10000, 8, OK, "500-999");
	check("bytes=600-700,500-999", 10000, 8, OK, "500-999");
	check("bytes=5-5,0-0", 10000, 8, OK, "5-5,0-0");
	check("bytes=90-99,50-59,10-19", 10000, 8, OK, "90-99,50-59,10-19");
	check("bytes=-5,0-0,500-510", 1000, 8, OK, "995-999,0-0,500-510");
	check("bytes=0-1,3-4", 10000, 8, OK, "0-1,3-4");	/* a gap */
	check("bytes=0-9,-9990", 10000, 8, OK, "0-9999");
	check("bytes=-1,9999-", 10000, 8, OK, "9999-9999");
	/* a range joining three */
	check("bytes=0-1,4-5,8-9,2-7", 10000, 8, OK, "0-9");
	check("bytes=0-1,4-5,8-9,20-30,3-3", 10000, 8, OK,
	    "0-1,3-5,8-9,20-30");
	/* a late range joins an early one: the merge stands first */
	check("bytes=50-59,10-19,60-60,0-9", 10000, 8, OK, "50-60,0-19");
	/* a bridge takes the place of the earliest range it joins */
	check("bytes=90-99,10-19,30-39,20-29", 10000, 8, OK, "90-99,10-39");
	/* unsatisfiable specs still count, and change nothing */
	check("bytes=20000-,5-5,-0,1-1", 10000, 8, OK, "5-5,1-1");
}

/* §14.1: the unit is a case-insensitive token; others are ignored. */
ATF_TC_WITHOUT_HEAD(http_range_parse__unit);
ATF_TC_BODY(http_range_parse__unit, tc)
{
	check("Bytes=0-1", 10000, 8, OK, "0-1");
	check("BYTES=0-1", 10000, 8, OK, "0-1");
	check("bYtEs=0-1", 10000, 8, OK, "0-1");
	check("items=0-1", 10000, 8, NONE, NULL);
	check("byte=0-1", 10000, 8, NONE, NULL);
	check("bytess=0-1", 10000, 8, NONE, NULL);
	check("bytes", 10000, 8, NONE, NULL);
	check("=0-1", 10000, 8, NONE, NULL);
	check("", 10000, 8, NONE, NULL);
	check("bytes:0-1", 10000, 8, NONE, NULL);
}

/* OWS only around commas: none after "=" or inside a range. */
ATF_TC_WITHOUT_HEAD(http_range_parse__whitespace);
ATF_TC_BODY(http_range_parse__whitespace, tc)
{
	check("bytes=0-1 , 5-6", 10000, 8, OK, "0-1,5-6");
	check("bytes=0-1,\t5-6", 10000, 8, OK, "0-1,5-6");
	check("bytes=0-1\t,5-6", 10000, 8, OK, "0-1,5-6");
	check("bytes= 0-1", 10000, 8, NONE, NULL);
	check("bytes =0-1", 10000, 8, NONE, NULL);
	check(" bytes=0-1", 10000, 8, NONE, NULL);
	check("bytes=0 -1", 10000, 8, NONE, NULL);
	check("bytes=0- 1", 10000, 8, NONE, NULL);
	check("bytes=- 1", 10000, 8, NONE, NULL);
	check("bytes=0-1 5-6", 10000, 8, NONE, NULL);
	check("bytes=0-1 ", 10000, 8, NONE, NULL);
}

ATF_TC_WITHOUT_HEAD(http_range_parse__syntax);
ATF_TC_BODY(http_range_parse__syntax, tc)
{
	static const char *const bad[] = {
		"bytes=", "bytes=,", "bytes=, ,", "bytes=1-0",
		"bytes=0-1,1-0", "bytes=a-b", "bytes=0-1a", "bytes=0x10-20",
		"bytes=+1-2", "bytes=1-+2", "bytes=-", "bytes=--1",
		"bytes=1", "bytes=0-1-2", "bytes=0-1;2-3", "bytes=0-1,x",
		"bytes=-1-2", "bytes=1--2", "bytes=\"0-1\"", "bytes=0-1,*",
		"bytes=1.5-2", "bytes=0-1\r\n",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		check(bad[i], 10000, 8, NONE, NULL);
	check_len("bytes=0-1\0", 10, 10000, 8, NONE, NULL);
}

/* Numbers past 2^64 - 1: the field is ignored (§14.2 allows it). */
ATF_TC_WITHOUT_HEAD(http_range_parse__overflow);
ATF_TC_BODY(http_range_parse__overflow, tc)
{
	check("bytes=0-18446744073709551616", 10000, 8, NONE, NULL);
	check("bytes=18446744073709551616-", 10000, 8, NONE, NULL);
	check("bytes=-18446744073709551616", 10000, 8, NONE, NULL);
	check("bytes=0-99999999999999999999999999", 10000, 8, NONE, NULL);
	check("bytes=0-1,0-18446744073709551616", 10000, 8, NONE, NULL);
}

ATF_TC_WITHOUT_HEAD(http_range_parse__huge_size);
ATF_TC_BODY(http_range_parse__huge_size, tc)
{
	check("bytes=0-", UINT64_MAX, 8, OK, "0-18446744073709551614");
	check("bytes=-1", UINT64_MAX, 8, OK,
	    "18446744073709551614-18446744073709551614");
	check("bytes=18446744073709551614-", UINT64_MAX, 8, OK,
	    "18446744073709551614-18446744073709551614");
	check("bytes=18446744073709551615-", UINT64_MAX, 8, UNSAT, NULL);
	check("bytes=0-18446744073709551615", UINT64_MAX, 8, OK,
	    "0-18446744073709551614");
	check("bytes=-18446744073709551615", UINT64_MAX, 8, OK,
	    "0-18446744073709551614");
	check("bytes=0-0,18446744073709551613-", UINT64_MAX, 8, OK,
	    "0-0,18446744073709551613-18446744073709551614");
	check("bytes=5000000000-", 6000000000ULL, 8, OK,
	    "5000000000-5999999999");
}

/*
 * Empty representation: int-ranges and -0 are unsatisfiable; a non-zero
 * suffix is satisfiable (§14.1.2) but not expressible: 200.
 */
ATF_TC_WITHOUT_HEAD(http_range_parse__size_zero);
ATF_TC_BODY(http_range_parse__size_zero, tc)
{
	check("bytes=0-0", 0, 8, UNSAT, NULL);
	check("bytes=0-", 0, 8, UNSAT, NULL);
	check("bytes=0-100,5-", 0, 8, UNSAT, NULL);
	check("bytes=-0", 0, 8, UNSAT, NULL);
	check("bytes=-1", 0, 8, NONE, NULL);
	check("bytes=0-0,-5", 0, 8, NONE, NULL);
	check("bytes=1-0", 0, 8, NONE, NULL);
	check("items=0-0", 0, 8, NONE, NULL);
	check("bytes=0-0", 0, 0, UNSAT, NULL);
}

ATF_TC_WITHOUT_HEAD(http_range_parse__size_one);
ATF_TC_BODY(http_range_parse__size_one, tc)
{
	check("bytes=0-0", 1, 8, OK, "0-0");
	check("bytes=0-", 1, 8, OK, "0-0");
	check("bytes=-1", 1, 8, OK, "0-0");
	check("bytes=-5", 1, 8, OK, "0-0");
	check("bytes=0-100", 1, 8, OK, "0-0");
	check("bytes=0-0,-1", 1, 8, OK, "0-0");
	check("bytes=1-", 1, 8, UNSAT, NULL);
	check("bytes=1-1,-0", 1, 8, UNSAT, NULL);
}

/* More disjoint ranges than maxranges: ignore the field (200). */
ATF_TC_WITHOUT_HEAD(http_range_parse__maxranges);
ATF_TC_BODY(http_range_parse__maxranges, tc)
{
	check("bytes=0-0,2-2", 10000, 1, NONE, NULL);
	check("bytes=0-0,1-1", 10000, 1, OK, "0-1");
	check("bytes=0-5,2-3", 10000, 1, OK, "0-5");
	check("bytes=0-0", 10000, 0, NONE, NULL);
	check("bytes=10000-", 10000, 0, UNSAT, NULL);
	/* dropped ranges take no room */
	check("bytes=20000-,30000-,0-1,-0", 10000, 1, OK, "0-1");
	/* merged as read: a bridge must come before the set overflows */
	check("bytes=8-9,0-1,4-5,2-3,6-7", 10000, 2, NONE, NULL);
	check("bytes=8-9,0-1,4-5,2-3,6-7", 10000, 3, OK, "0-9");
	check("bytes=0-0,2-2,4-4,0-10", 10000, 2, NONE, NULL);
	check("bytes=0-10,0-0,2-2,4-4", 10000, 2, OK, "0-10");
}

ATF_TC_WITHOUT_HEAD(http_range_parse__many_overlapping);
ATF_TC_BODY(http_range_parse__many_overlapping, tc)
{
	char buf[16384], want[4096];
	size_t off;
	int i;

	/* 1000 copies of the whole file: one range */
	off = (size_t)snprintf(buf, sizeof(buf), "bytes=0-9999");
	for (i = 1; i < 1000; i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off,
		    ",0-9999");
	ATF_REQUIRE(off < sizeof(buf) - 1);
	check(buf, 10000, 4, OK, "0-9999");

	/* 1000 overlapping ranges, reversed */
	off = (size_t)snprintf(buf, sizeof(buf), "bytes=");
	for (i = 999; i >= 0; i--)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off,
		    "%s%d-%d", i == 999 ? "" : ",", i * 5, i * 5 + 6);
	ATF_REQUIRE(off < sizeof(buf) - 1);
	check(buf, 10000, 1, OK, "0-5001");

	/* 1000 small disjoint ones: an attack, ignored */
	off = (size_t)snprintf(buf, sizeof(buf), "bytes=");
	for (i = 0; i < 1000; i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off,
		    "%s%d-%d", i ? "," : "", i * 3, i * 3);
	ATF_REQUIRE(off < sizeof(buf) - 1);
	check(buf, 10000, 16, NONE, NULL);

	/* exactly maxranges disjoint ones, descending: all, as asked */
	off = (size_t)snprintf(buf, sizeof(buf), "bytes=");
	for (i = 15; i >= 0; i--)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off,
		    "%s%d-%d", i == 15 ? "" : ",", i * 10, i * 10 + 1);
	want[0] = '\0';
	for (off = 0, i = 15; i >= 0; i--)
		off += (size_t)snprintf(want + off, sizeof(want) - off,
		    "%s%d-%d", i == 15 ? "" : ",", i * 10, i * 10 + 1);
	check(buf, 10000, 16, OK, want);
	check(buf, 10000, 15, NONE, NULL);
}

ATF_TC_WITHOUT_HEAD(http_range_parse__length_bounded);
ATF_TC_BODY(http_range_parse__length_bounded, tc)
{
	check_len("bytes=0-1,2", 9, 10000, 8, OK, "0-1");
	check_len("bytes=0-12", 9, 10000, 8, OK, "0-1");
	check_len("bytes=0-1", 8, 10000, 8, OK, "0-9999");
	check_len("bytes=0-1", 6, 10000, 8, NONE, NULL);
	check_len("bytes=0-1", 5, 10000, 8, NONE, NULL);
	check_len("bytes=0-1", 0, 10000, 8, NONE, NULL);
}

/*
 * Random sets against a byte map: the result covers exactly the bytes
 * asked for, in disjoint, non-adjacent ranges, ordered by the first spec
 * that asked for any byte of each (first[] below).
 */
/* Byte i is asked for by spec k; first[i] keeps the earliest spec. */
#define MARK(i, k)	do {						\
	map[(i)] = 1;							\
	if (first[(i)] > (k))						\
		first[(i)] = (k);					\
} while (0)

ATF_TC_WITHOUT_HEAD(http_range_parse__random);
ATF_TC_BODY(http_range_parse__random, tc)
{
	struct http_range out[8];
	char v[256], map[80], got[80];
	unsigned first[80];
	uint64_t x, size, a, b;
	unsigned n, i, j, k, nspec, sat, empty_suffix, bad, lo;
	size_t off;
	int rc, iter;

	x = 42;
	for (iter = 0; iter < 200000; iter++) {
		size = rnd(&x) % 65;
		nspec = 1 + rnd(&x) % 6;
		memset(map, 0, sizeof(map));
		for (i = 0; i < 80; i++)
			first[i] = UINT_MAX;
		sat = empty_suffix = bad = 0;
		off = (size_t)snprintf(v, sizeof(v), "bytes=");
		for (k = 0; k < nspec; k++) {
			a = rnd(&x) % 75;
			b = rnd(&x) % 75;
			if (k > 0)
				off += (size_t)snprintf(v + off,
				    sizeof(v) - off, ",");
			switch (rnd(&x) % 3) {
			case 0:
				off += (size_t)snprintf(v + off,
				    sizeof(v) - off, "%" PRIu64 "-%" PRIu64,
				    a, b);
				if (b < a)
					bad = 1;
				for (i = a; i <= b && i < size; i++)
					MARK(i, k);
				break;
			case 1:
				off += (size_t)snprintf(v + off,
				    sizeof(v) - off, "%" PRIu64 "-", a);
				for (i = a; i < size; i++)
					MARK(i, k);
				break;
			default:
				off += (size_t)snprintf(v + off,
				    sizeof(v) - off, "-%" PRIu64, a % 20);
				if (a % 20 != 0 && size == 0)
					empty_suffix = 1;
				for (i = a % 20 >= size ? 0 : size - a % 20;
				    a % 20 != 0 && i < size; i++)
					MARK(i, k);
				break;
			}
		}
		for (i = 0; i < size; i++)
			sat |= map[i];
		rc = http_range_parse(v, off, size, out, 8, &n);
		if (bad || empty_suffix) {
			ATF_REQUIRE_MSG(rc == NONE, "%s size %" PRIu64
			    ": got %d", v, size, rc);
			continue;
		}
		if (!sat) {
			ATF_REQUIRE_MSG(rc == UNSAT, "%s size %" PRIu64
			    ": got %d", v, size, rc);
			continue;
		}
		ATF_REQUIRE_MSG(rc == OK, "%s size %" PRIu64 ": got %d", v,
		    size, rc);
		memset(got, 0, sizeof(got));
		for (k = 0; k < n; k++) {
			ATF_REQUIRE_MSG(out[k].hr_first <= out[k].hr_last &&
			    out[k].hr_last < size, "%s: bad range %u", v, k);
			for (j = 0; j < k; j++)
				ATF_REQUIRE_MSG(out[k].hr_first >
				    out[j].hr_last + 1 || out[j].hr_first >
				    out[k].hr_last + 1,
				    "%s: ranges %u and %u not apart", v, j, k);
			lo = UINT_MAX;
			for (i = out[k].hr_first; i <= out[k].hr_last; i++) {
				got[i] = 1;
				if (first[i] < lo)
					lo = first[i];
			}
			ATF_REQUIRE_MSG(out[k].hr_spec == lo, "%s: range %u "
			    "holds spec %u, says %u", v, k, lo,
			    out[k].hr_spec);
			ATF_REQUIRE_MSG(k == 0 || out[k].hr_spec >
			    out[k - 1].hr_spec, "%s: range %u out of order",
			    v, k);
		}
		ATF_REQUIRE_MSG(memcmp(got, map, sizeof(map)) == 0,
		    "%s size %" PRIu64 ": wrong bytes", v, size);
	}
}

ATF_TC_WITHOUT_HEAD(http_range_content_range__format);
ATF_TC_BODY(http_range_content_range__format, tc)
{
	struct http_range r;
	char buf[HTTP_CONTENT_RANGE_MAX];

	r.hr_first = 0;
	r.hr_last = 99;
	ATF_CHECK_EQ(http_range_content_range(buf, sizeof(buf), &r, 1234), 15);
	ATF_CHECK_STREQ(buf, "bytes 0-99/1234");
	r.hr_first = r.hr_last = 0;
	ATF_CHECK_EQ(http_range_content_range(buf, sizeof(buf), &r, 1), 11);
	ATF_CHECK_STREQ(buf, "bytes 0-0/1");
	ATF_CHECK_EQ(http_range_content_range(buf, sizeof(buf), NULL, 1234),
	    12);
	ATF_CHECK_STREQ(buf, "bytes */1234");
	ATF_CHECK_EQ(http_range_content_range(buf, sizeof(buf), NULL, 0), 9);
	ATF_CHECK_STREQ(buf, "bytes */0");
}

ATF_TC_WITHOUT_HEAD(http_range_content_range__bounds);
ATF_TC_BODY(http_range_content_range__bounds, tc)
{
	struct http_range r;
	char buf[HTTP_CONTENT_RANGE_MAX + 1];

	r.hr_first = r.hr_last = UINT64_MAX;
	memset(buf, 'x', sizeof(buf));
	ATF_CHECK_EQ(http_range_content_range(buf, HTTP_CONTENT_RANGE_MAX, &r,
	    UINT64_MAX), HTTP_CONTENT_RANGE_MAX - 1);
	ATF_CHECK_STREQ(buf, "bytes 18446744073709551615-18446744073709551615"
	    "/18446744073709551615");
	ATF_CHECK(buf[HTTP_CONTENT_RANGE_MAX] == 'x');

	/* too small: nothing half-written */
	r.hr_first = 0;
	r.hr_last = 99;
	ATF_CHECK_EQ(http_range_content_range(buf, 15, &r, 1234), 0);
	ATF_CHECK_STREQ(buf, "");
	ATF_CHECK_EQ(http_range_content_range(buf, 16, &r, 1234), 15);
	ATF_CHECK_STREQ(buf, "bytes 0-99/1234");
	buf[0] = 'x';
	ATF_CHECK_EQ(http_range_content_range(buf, 0, &r, 1234), 0);
	ATF_CHECK(buf[0] == 'x');
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, http_range_parse__forms);
	ATF_TP_ADD_TC(tp, http_range_parse__clipped);
	ATF_TP_ADD_TC(tp, http_range_parse__unsatisfiable);
	ATF_TP_ADD_TC(tp, http_range_parse__multiple);
	ATF_TP_ADD_TC(tp, http_range_parse__coalesce);
	ATF_TP_ADD_TC(tp, http_range_parse__unit);
	ATF_TP_ADD_TC(tp, http_range_parse__whitespace);
	ATF_TP_ADD_TC(tp, http_range_parse__syntax);
	ATF_TP_ADD_TC(tp, http_range_parse__overflow);
	ATF_TP_ADD_TC(tp, http_range_parse__huge_size);
	ATF_TP_ADD_TC(tp, http_range_parse__size_zero);
	ATF_TP_ADD_TC(tp, http_range_parse__size_one);
	ATF_TP_ADD_TC(tp, http_range_parse__maxranges);
	ATF_TP_ADD_TC(tp, http_range_parse__many_overlapping);
	ATF_TP_ADD_TC(tp, http_range_parse__length_bounded);
	ATF_TP_ADD_TC(tp, http_range_parse__random);
	ATF_TP_ADD_TC(tp, http_range_content_range__format);
	ATF_TP_ADD_TC(tp, http_range_content_range__bounds);
	return (atf_no_error());
}
