/*
 * HTTP-date formatting and parsing (src/proto/http/date.c).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <atf-c.h>

#include "proto/http/date.h"

/* 2025-06-01 00:00:00 UTC: the fixed "now" for two-digit years. */
#define NOW_2025	((time_t)1748736000)

static void	check_format(time_t, const char *);
static void	check_parse(const char *, time_t);
static void	check_parse_at(const char *, time_t, time_t);
static void	check_invalid(const char *, size_t);
static uint64_t	lcg(uint64_t *);

static void
check_format(time_t t, const char *want)
{
	char buf[HTTP_DATE_LEN + 8];

	memset(buf, 'x', sizeof(buf));
	ATF_CHECK_EQ_MSG(http_date_format(t, buf), HTTP_DATE_LEN,
	    "t=%jd", (intmax_t)t);
	ATF_CHECK_MSG(buf[HTTP_DATE_LEN] == '\0', "t=%jd: no NUL",
	    (intmax_t)t);
	ATF_CHECK_MSG(buf[HTTP_DATE_LEN + 1] == 'x', "t=%jd: overrun",
	    (intmax_t)t);
	buf[HTTP_DATE_LEN] = '\0';
	ATF_CHECK_MSG(strcmp(buf, want) == 0, "t=%jd: got \"%s\" want \"%s\"",
	    (intmax_t)t, buf, want);
}

static void
check_parse(const char *s, time_t want)
{
	check_parse_at(s, NOW_2025, want);
}

static void
check_parse_at(const char *s, time_t now, time_t want)
{
	time_t t;
	int rc;

	t = 12345;
	rc = http_date_parse_at(s, strlen(s), now, &t);
	ATF_CHECK_MSG(rc == 0, "\"%s\": rejected", s);
	ATF_CHECK_MSG(rc != 0 || t == want, "\"%s\": got %jd want %jd", s,
	    (intmax_t)t, (intmax_t)want);
}

static void
check_invalid(const char *s, size_t len)
{
	time_t t;

	ATF_CHECK_MSG(http_date_parse_at(s, len, NOW_2025, &t) == -1,
	    "\"%.*s\" (%zu bytes): accepted as %jd", (int)len, s, len,
	    (intmax_t)t);
}

static uint64_t
lcg(uint64_t *x)
{
	*x = *x * 6364136223846793005ULL + 1442695040888963407ULL;
	return (*x >> 11);
}

ATF_TC_WITHOUT_HEAD(http_date_format__known);
ATF_TC_BODY(http_date_format__known, tc)
{
	check_format(0, "Thu, 01 Jan 1970 00:00:00 GMT");
	check_format(784111777, "Sun, 06 Nov 1994 08:49:37 GMT");
	check_format(951782400, "Tue, 29 Feb 2000 00:00:00 GMT");
	check_format(951868799, "Tue, 29 Feb 2000 23:59:59 GMT");
	check_format(1709164800, "Thu, 29 Feb 2024 00:00:00 GMT");
	check_format(NOW_2025, "Sun, 01 Jun 2025 00:00:00 GMT");
	check_format(978307199, "Sun, 31 Dec 2000 23:59:59 GMT");
}

ATF_TC_WITHOUT_HEAD(http_date_format__y2038);
ATF_TC_BODY(http_date_format__y2038, tc)
{
	if (sizeof(time_t) < 8)
		atf_tc_skip("32-bit time_t");
	check_format((time_t)INT32_MAX, "Tue, 19 Jan 2038 03:14:07 GMT");
	check_format((time_t)INT32_MAX + 1, "Tue, 19 Jan 2038 03:14:08 GMT");
	check_format((time_t)3981312000LL, "Wed, 29 Feb 2096 00:00:00 GMT");
}

ATF_TC_WITHOUT_HEAD(http_date_format__before_epoch);
ATF_TC_BODY(http_date_format__before_epoch, tc)
{
	check_format(-1, "Wed, 31 Dec 1969 23:59:59 GMT");
	check_format(-86400, "Wed, 31 Dec 1969 00:00:00 GMT");
	check_format(-86401, "Tue, 30 Dec 1969 23:59:59 GMT");
	check_format((time_t)INT32_MIN, "Fri, 13 Dec 1901 20:45:52 GMT");
}

ATF_TC_WITHOUT_HEAD(http_date_format__clamped);
ATF_TC_BODY(http_date_format__clamped, tc)
{
	if (sizeof(time_t) < 8)
		atf_tc_skip("32-bit time_t");
	/* 9999-12-31 23:59:59 and 0000-01-01 00:00:00, the format's ends */
	check_format((time_t)253402300799LL, "Fri, 31 Dec 9999 23:59:59 GMT");
	check_format((time_t)253402300800LL, "Fri, 31 Dec 9999 23:59:59 GMT");
	check_format((time_t)INT64_MAX, "Fri, 31 Dec 9999 23:59:59 GMT");
	check_format((time_t)-62167219200LL, "Sat, 01 Jan 0000 00:00:00 GMT");
	check_format((time_t)INT64_MIN, "Sat, 01 Jan 0000 00:00:00 GMT");
}

/* Against the C library, over years 1000-9999 (strftime pads %Y no more). */
ATF_TC_WITHOUT_HEAD(http_date_format__matches_gmtime);
ATF_TC_BODY(http_date_format__matches_gmtime, tc)
{
	const int64_t lo = -30610224000LL;	/* 1000-01-01 */
	const int64_t hi = 253402300799LL;	/* 9999-12-31 23:59:59 */
	char want[64], got[HTTP_DATE_LEN + 1];
	uint64_t x;
	struct tm tm;
	time_t t;
	int i;

	if (sizeof(time_t) < 8)
		atf_tc_skip("32-bit time_t");
	x = 1;
	for (i = 0; i < 200000; i++) {
		t = (time_t)(lo + (int64_t)(lcg(&x) % (uint64_t)(hi - lo + 1)));
		ATF_REQUIRE(gmtime_r(&t, &tm) != NULL);
		strftime(want, sizeof(want), "%a, %d %b %Y %H:%M:%S GMT", &tm);
		http_date_format(t, got);
		ATF_REQUIRE_MSG(strcmp(got, want) == 0,
		    "t=%jd: got \"%s\" want \"%s\"", (intmax_t)t, got, want);
	}
}

/* Every format of many times, including each day of 1999-2001. */
ATF_TC_WITHOUT_HEAD(http_date_parse__round_trip);
ATF_TC_BODY(http_date_parse__round_trip, tc)
{
	static const int64_t fixed[] = {
		0, 1, -1, 784111777, 951782400, 951868799, 1709164800,
		INT32_MAX, (int64_t)INT32_MAX + 1, INT32_MIN, 3981312000LL,
		253402300799LL, -62167219200LL, 1230767999, 1230768000,
	};
	char buf[64];
	uint64_t x;
	struct tm tm;
	time_t t, got;
	size_t i;

	if (sizeof(time_t) < 8)
		atf_tc_skip("32-bit time_t");
	x = 7;
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]) + 100000; i++) {
		if (i < sizeof(fixed) / sizeof(fixed[0]))
			t = (time_t)fixed[i];
		else if (i < sizeof(fixed) / sizeof(fixed[0]) + 1100)
			t = (time_t)(915148800LL + 86400LL * (int64_t)(i -
			    sizeof(fixed) / sizeof(fixed[0])) + 43210);
		else
			t = (time_t)(lcg(&x) % 253402300800ULL);

		/* IMF-fixdate */
		http_date_format(t, buf);
		ATF_REQUIRE_MSG(http_date_parse(buf, HTTP_DATE_LEN, &got) ==
		    0 && got == t, "\"%s\": got %jd want %jd", buf,
		    (intmax_t)got, (intmax_t)t);

		ATF_REQUIRE(gmtime_r(&t, &tm) != NULL);
		if (tm.tm_year + 1900 < 1000)
			continue;
		/* asctime-date */
		strftime(buf, sizeof(buf), "%a %b %e %H:%M:%S %Y", &tm);
		ATF_REQUIRE_MSG(http_date_parse(buf, strlen(buf), &got) == 0 &&
		    got == t, "\"%s\": got %jd want %jd", buf,
		    (intmax_t)got, (intmax_t)t);
		/* rfc850-date, read with "now" at that very time */
		strftime(buf, sizeof(buf), "%A, %d-%b-%y %H:%M:%S GMT", &tm);
		ATF_REQUIRE_MSG(http_date_parse_at(buf, strlen(buf), t, &got) ==
		    0 && got == t, "\"%s\": got %jd want %jd", buf,
		    (intmax_t)got, (intmax_t)t);
	}
}

ATF_TC_WITHOUT_HEAD(http_date_parse__three_formats);
ATF_TC_BODY(http_date_parse__three_formats, tc)
{
	check_parse("Sun, 06 Nov 1994 08:49:37 GMT", 784111777);
	check_parse("Sunday, 06-Nov-94 08:49:37 GMT", 784111777);
	check_parse("Sun Nov  6 08:49:37 1994", 784111777);
	/* date3 = month SP ( 2DIGIT / ( SP DIGIT ) ): "06" too */
	check_parse("Sun Nov 06 08:49:37 1994", 784111777);
	check_parse("Sun Nov 16 08:49:37 1994", 784111777 + 10 * 86400);
	check_parse("Wednesday, 09-Nov-94 08:49:37 GMT",
	    784111777 + 3 * 86400);
	check_parse("Tue, 29 Feb 2000 00:00:00 GMT", 951782400);
	check_parse("Thu, 01 Jan 1970 00:00:00 GMT", 0);
	check_parse("Wed, 31 Dec 1969 23:59:59 GMT", -1);
	check_parse("Sat, 01 Jan 0000 00:00:00 GMT", (time_t)-62167219200LL);
	check_parse("Fri, 31 Dec 9999 23:59:59 GMT", (time_t)253402300799LL);
}

/* The day name is spelled right but not checked against the date. */
ATF_TC_WITHOUT_HEAD(http_date_parse__weekday_not_checked);
ATF_TC_BODY(http_date_parse__weekday_not_checked, tc)
{
	check_parse("Mon, 06 Nov 1994 08:49:37 GMT", 784111777);
	check_parse("Friday, 06-Nov-94 08:49:37 GMT", 784111777);
	check_parse("Sat Nov  6 08:49:37 1994", 784111777);
}

ATF_TC_WITHOUT_HEAD(http_date_parse__leap_second);
ATF_TC_BODY(http_date_parse__leap_second, tc)
{
	/* 2008-12-31 23:59:60, read as 23:59:59 */
	check_parse("Wed, 31 Dec 2008 23:59:60 GMT", 1230767999);
	check_parse("Wednesday, 31-Dec-08 23:59:60 GMT", 1230767999);
	check_parse("Wed Dec 31 23:59:60 2008", 1230767999);
	check_invalid("Wed, 31 Dec 2008 23:58:60 GMT", 29);
	check_invalid("Wed, 31 Dec 2008 12:59:60 GMT", 29);
}

/* RFC 9110 §5.6.7: more than 50 years ahead means the century before. */
ATF_TC_WITHOUT_HEAD(http_date_parse__rfc850_century);
ATF_TC_BODY(http_date_parse__rfc850_century, tc)
{
	const time_t now2090 = (time_t)3786912000LL;	/* 2090-01-01 */

	/* 2070 is only 45 years on, so "70" is no longer 1970 */
	check_parse("Wednesday, 01-Jan-70 00:00:00 GMT", (time_t)3155760000LL);
	check_parse("Saturday, 01-Jan-00 00:00:00 GMT", 946684800);
	check_parse("Sunday, 01-Jun-25 00:00:00 GMT", NOW_2025);
	/* 2075-06-01 is exactly 50 years on: still the future */
	check_parse("Saturday, 01-Jun-75 00:00:00 GMT",
	    (time_t)3326572800LL);
	check_parse("Saturday, 01-Jun-75 23:59:59 GMT",
	    (time_t)3326572800LL + 86399);
	/* 2075-06-02 is more than 50 years on: 1975 */
	check_parse("Monday, 02-Jun-75 00:00:00 GMT", 170899200);
	check_parse("Sunday, 06-Nov-94 08:49:37 GMT", 784111777);
	check_parse("Friday, 31-Dec-49 23:59:59 GMT", (time_t)2524607999LL);
	/* late in a century, small years are the next one */
	check_parse_at("Friday, 01-Jan-10 00:00:00 GMT", now2090,
	    (time_t)4417977600LL);			/* 2110 */
	check_parse_at("Friday, 01-Jan-60 00:00:00 GMT", now2090,
	    (time_t)2840140800LL);			/* 2060 */
	check_parse_at("Friday, 01-Jan-40 00:00:00 GMT", now2090,
	    (time_t)5364662400LL);			/* 2140 */
	check_parse_at("Friday, 02-Jan-40 00:00:00 GMT", now2090,
	    (time_t)2209075200LL);			/* 2040 */
	/* Feb 29 of a two-digit year: valid once the century is known */
	check_parse("Tuesday, 29-Feb-00 00:00:00 GMT", 951782400);
	check_invalid("Tuesday, 29-Feb-01 00:00:00 GMT", 31);
}

/* The value is not NUL-terminated: only len bytes count. */
ATF_TC_WITHOUT_HEAD(http_date_parse__length_bounded);
ATF_TC_BODY(http_date_parse__length_bounded, tc)
{
	const char buf[] = "Sun, 06 Nov 1994 08:49:37 GMTSun Nov  6";
	time_t t;

	ATF_CHECK(http_date_parse(buf, HTTP_DATE_LEN, &t) == 0 &&
	    t == 784111777);
	check_invalid(buf, HTTP_DATE_LEN - 1);
	check_invalid(buf, HTTP_DATE_LEN + 1);
	check_invalid(buf, 0);
	check_invalid(buf, 3);
	check_invalid("Sun, 06 Nov 1994 08:49:37\0GMT", 29);
	check_invalid("Sun Nov  6 08:49:37\0" "1994", 24);
}

ATF_TC_WITHOUT_HEAD(http_date_parse__invalid);
ATF_TC_BODY(http_date_parse__invalid, tc)
{
	static const char *const bad[] = {
		"",
		"Sun",
		"Sun,",
		"sun, 06 Nov 1994 08:49:37 GMT",	/* case-sensitive */
		"SUN, 06 Nov 1994 08:49:37 GMT",
		"Sun, 06 nov 1994 08:49:37 GMT",
		"Sun, 06 Nov 1994 08:49:37 gmt",
		"Sun, 06 Nov 1994 08:49:37 UTC",
		"Sun, 06 Nov 1994 08:49:37 +0000",
		"Sun, 06 Nov 1994 08:49:37 GMT ",	/* trailing bytes */
		" Sun, 06 Nov 1994 08:49:37 GMT",
		"Sun, 06 Nov 1994 08:49:37 GMTx",
		"Sun, 06 Nov 1994 08:49:37 GMT\r\n",
		"Sun, 06 Nov 1994 08:49:37",
		"Sun,  06 Nov 1994 08:49:37 GMT",
		"Sun,06 Nov 1994 08:49:37 GMT",
		"Sun, 6 Nov 1994 08:49:37 GMT",
		"Sun, 06 Nov 94 08:49:37 GMT",
		"Sun, 06 Nov +994 08:49:37 GMT",
		"Sun, 06 Nov 1994 8:49:37 GMT",
		"Sun, 06 Nov 1994 08:49:3 GMT",
		"Sun, 06 Nov 1994 08-49-37 GMT",
		"Sun, 06 Nov 1994 08:49:37GMT ",
		"Sux, 06 Nov 1994 08:49:37 GMT",
		"Sun, 06 Xyz 1994 08:49:37 GMT",
		"Sun, 00 Nov 1994 08:49:37 GMT",	/* out of range */
		"Sun, 31 Nov 1994 08:49:37 GMT",
		"Sun, 32 Jan 1994 08:49:37 GMT",
		"Thu, 29 Feb 1900 00:00:00 GMT",
		"Thu, 29 Feb 2001 00:00:00 GMT",
		"Wed, 30 Feb 2000 00:00:00 GMT",
		"Sun, 06 Nov 1994 24:00:00 GMT",
		"Sun, 06 Nov 1994 08:60:00 GMT",
		"Sun, 06 Nov 1994 08:49:61 GMT",
		"Sun, 06 Nov 1994 08:49:60 GMT",
		"Sun, 06 Nov 1994 99:99:99 GMT",
		"Sunday, 06-Nov-94 08:49:37 GMT ",	/* rfc850-date */
		"Sunday, 06-Nov-1994 08:49:37 GMT",
		"Sun, 06-Nov-94 08:49:37 GMT",
		"Sunday, 06 Nov 94 08:49:37 GMT",
		"Sunday, 06-Nov-94 08:49:37 UTC",
		"Funday, 06-Nov-94 08:49:37 GMT",
		"sunday, 06-Nov-94 08:49:37 GMT",
		"Sunday, 31-Apr-94 08:49:37 GMT",
		"Sunday, 00-Apr-94 08:49:37 GMT",
		"Sunday, 6-Nov-94 08:49:37 GMT",
		"Sunday,06-Nov-94 08:49:37 GMT",
		"Wednesday,",
		"Sun Nov 6 08:49:37 1994",		/* asctime-date */
		"Sun Nov  6 08:49:37 94",
		"Sun Nov  6  08:49:37 1994",
		"Sun Nov  x 08:49:37 1994",
		"Sun Nov  0 08:49:37 1994",
		"Sun Nov 31 08:49:37 1994",
		"Sun Nov  6 08:49:37 1994 GMT",
		"Sun Nov  6 08:49:37 1994 ",
		"Sun nov  6 08:49:37 1994",
		"Sun Nov \t6 08:49:37 1994",
		"1994-11-06T08:49:37Z",			/* not HTTP-dates */
		"784111777",
		"Sun, 06 Nov 1994 08:49:37 GMT, Sun, 06 Nov 1994 08:49:37 GMT",
		"Sun, 06 Nov 1994 08:49:37 GMT; length=1234",
	};
	size_t i;

	ATF_REQUIRE(sizeof(bad) / sizeof(bad[0]) >= 30);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		check_invalid(bad[i], strlen(bad[i]));
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, http_date_format__known);
	ATF_TP_ADD_TC(tp, http_date_format__y2038);
	ATF_TP_ADD_TC(tp, http_date_format__before_epoch);
	ATF_TP_ADD_TC(tp, http_date_format__clamped);
	ATF_TP_ADD_TC(tp, http_date_format__matches_gmtime);
	ATF_TP_ADD_TC(tp, http_date_parse__round_trip);
	ATF_TP_ADD_TC(tp, http_date_parse__three_formats);
	ATF_TP_ADD_TC(tp, http_date_parse__weekday_not_checked);
	ATF_TP_ADD_TC(tp, http_date_parse__leap_second);
	ATF_TP_ADD_TC(tp, http_date_parse__rfc850_century);
	ATF_TP_ADD_TC(tp, http_date_parse__length_bounded);
	ATF_TP_ADD_TC(tp, http_date_parse__invalid);
	return (atf_no_error());
}
