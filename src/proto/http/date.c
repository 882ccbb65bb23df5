/*
 * HTTP-date (RFC 9110 §5.6.7).
 *
 * Calendar arithmetic is done here rather than with gmtime_r()/timegm():
 * formatting runs once per response, and the day-count conversions below
 * (H. Hinnant's days_from_civil) are exact for the proleptic Gregorian
 * calendar, need no locale and no time zone state.
 */
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "proto/http/date.h"

#define SECS_PER_DAY	86400

/* Years an IMF-fixdate can spell: 4DIGIT. */
#define YEAR_MIN	0
#define YEAR_MAX	9999

static int64_t	days_from_civil(int64_t, unsigned, unsigned);
static void	civil_from_days(int64_t, int64_t *, unsigned *, unsigned *);
static int	days_in_month(int64_t, unsigned);
static int	num2(const char *);
static int	num4(const char *);
static int	name_find(const char *, size_t, const char *const *, int);
static int	parse_time(const char *, unsigned *, unsigned *, unsigned *);
static int	make_time(int64_t, unsigned, unsigned, unsigned, unsigned,
		    unsigned, time_t *);
static int64_t	rfc850_year(unsigned, unsigned, unsigned, time_t);
static void	put2(char *, unsigned);

static const char *const day_names[] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
};
static const char *const day_names_l[] = {
	"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
	"Saturday"
};
static const char *const month_names[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};

/* Days from 1970-01-01 to y-m-d; m 1-12, d may exceed the month's end. */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * 146097 + (int64_t)doe - 719468);
}

static void
civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int
days_in_month(int64_t y, unsigned m)
{
	static const unsigned char mdays[] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return (29);
	return (mdays[m - 1]);
}

static void
put2(char *p, unsigned v)
{
	p[0] = '0' + v / 10;
	p[1] = '0' + v % 10;
}

size_t
http_date_format(time_t t, char *buf)
{
	int64_t s, days, y;
	unsigned mon, mday, sec, wday;
	const char *name;

	s = t;
	if (s < days_from_civil(YEAR_MIN, 1, 1) * SECS_PER_DAY)
		s = days_from_civil(YEAR_MIN, 1, 1) * SECS_PER_DAY;
	if (s > days_from_civil(YEAR_MAX + 1, 1, 1) * SECS_PER_DAY - 1)
		s = days_from_civil(YEAR_MAX + 1, 1, 1) * SECS_PER_DAY - 1;

	/* Floor division: times before 1970 are negative. */
	days = s / SECS_PER_DAY;
	if (s % SECS_PER_DAY < 0)
		days--;
	sec = (unsigned)(s - days * SECS_PER_DAY);
	civil_from_days(days, &y, &mon, &mday);
	wday = (unsigned)((days % 7 + 7 + 4) % 7);	/* 1970-01-01: Thu */

	name = day_names[wday];
	memcpy(buf, name, 3);
	buf[3] = ',';
	buf[4] = ' ';
	put2(buf + 5, mday);
	buf[7] = ' ';
	memcpy(buf + 8, month_names[mon - 1], 3);
	buf[11] = ' ';
	put2(buf + 12, (unsigned)(y / 100));
	put2(buf + 14, (unsigned)(y % 100));
	buf[16] = ' ';
	put2(buf + 17, sec / 3600);
	buf[19] = ':';
	put2(buf + 20, sec / 60 % 60);
	buf[22] = ':';
	put2(buf + 23, sec % 60);
	memcpy(buf + 25, " GMT", 5);		/* with the NUL */
	return (HTTP_DATE_LEN);
}

/* Two ASCII digits, or -1. */
static int
num2(const char *p)
{
	if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9')
		return (-1);
	return ((p[0] - '0') * 10 + (p[1] - '0'));
}

static int
num4(const char *p)
{
	int hi, lo;

	if ((hi = num2(p)) == -1 || (lo = num2(p + 2)) == -1)
		return (-1);
	return (hi * 100 + lo);
}

/* Index of the name equal to the len bytes at p, or -1. */
static int
name_find(const char *p, size_t len, const char *const *names, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (strlen(names[i]) == len && memcmp(p, names[i], len) == 0)
			return (i);
	return (-1);
}

/* "HH:MM:SS", exactly 8 bytes. */
static int
parse_time(const char *p, unsigned *h, unsigned *m, unsigned *s)
{
	int hh, mm, ss;

	if (p[2] != ':' || p[5] != ':' || (hh = num2(p)) == -1 ||
	    (mm = num2(p + 3)) == -1 || (ss = num2(p + 6)) == -1)
		return (-1);
	if (hh > 23 || mm > 59 || ss > 60)
		return (-1);
	/* Leap seconds are only ever inserted at the end of a UTC day. */
	if (ss == 60 && (hh != 23 || mm != 59))
		return (-1);
	*h = (unsigned)hh;
	*m = (unsigned)mm;
	*s = (unsigned)ss;
	return (0);
}

static int
make_time(int64_t y, unsigned mon, unsigned mday, unsigned h, unsigned m,
    unsigned s, time_t *t)
{
	int64_t v;

	if (mday < 1 || (int)mday > days_in_month(y, mon))
		return (-1);
	if (s == 60)
		s = 59;		/* see http_date_parse() in date.h */
	v = days_from_civil(y, mon, mday) * SECS_PER_DAY +
	    (int64_t)(h * 3600 + m * 60 + s);
	if ((int64_t)(time_t)v != v)	/* 32-bit time_t */
		return (-1);
	*t = (time_t)v;
	return (0);
}

/*
 * RFC 9110 §5.6.7: a two-digit year that "appears to be more than 50 years
 * in the future" is "the most recent year in the past that had the same
 * last two digits".  So: the latest year ending in yy whose date is at most
 * 50 years after now.
 */
static int64_t
rfc850_year(unsigned yy, unsigned mon, unsigned mday, time_t now)
{
	int64_t ndays, ny, y, limit;
	unsigned nm, nd;

	ndays = (int64_t)now / SECS_PER_DAY;
	if ((int64_t)now % SECS_PER_DAY < 0)
		ndays--;
	civil_from_days(ndays, &ny, &nm, &nd);
	/* Day granularity: a time of day cannot move a year across 50. */
	limit = ndays + days_from_civil(ny + 50, nm, nd) -
	    days_from_civil(ny, nm, nd);
	y = ny - (ny % 100 + 100) % 100 + yy;
	if (days_from_civil(y, mon, mday) > limit)
		y -= 100;
	else if (days_from_civil(y + 100, mon, mday) <= limit)
		y += 100;
	return (y);
}

int
http_date_parse(const char *s, size_t len, time_t *t)
{
	return (http_date_parse_at(s, len, time(NULL), t));
}

int
http_date_parse_at(const char *s, size_t len, time_t now, time_t *t)
{
	const char *comma;
	int mon, mday, year, wlen;
	unsigned h, m, sec;

	if (len < 4)
		return (-1);

	if (s[3] == ',') {
		/* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" */
		if (len != HTTP_DATE_LEN ||
		    name_find(s, 3, day_names, 7) == -1 ||
		    s[4] != ' ' || s[7] != ' ' || s[11] != ' ' ||
		    s[16] != ' ' || memcmp(s + 25, " GMT", 4) != 0)
			return (-1);
		if ((mday = num2(s + 5)) == -1 ||
		    (mon = name_find(s + 8, 3, month_names, 12)) == -1 ||
		    (year = num4(s + 12)) == -1 ||
		    parse_time(s + 17, &h, &m, &sec) == -1)
			return (-1);
		return (make_time(year, (unsigned)mon + 1, (unsigned)mday,
		    h, m, sec, t));
	}

	if (s[3] == ' ') {
		/* asctime-date: "Sun Nov  6 08:49:37 1994" */
		if (len != 24 || name_find(s, 3, day_names, 7) == -1 ||
		    s[7] != ' ' || s[10] != ' ' || s[19] != ' ')
			return (-1);
		if ((mon = name_find(s + 4, 3, month_names, 12)) == -1)
			return (-1);
		/* date3: month SP ( 2DIGIT / ( SP DIGIT ) ) */
		if (s[8] == ' ') {
			if (s[9] < '0' || s[9] > '9')
				return (-1);
			mday = s[9] - '0';
		} else if ((mday = num2(s + 8)) == -1)
			return (-1);
		if (parse_time(s + 11, &h, &m, &sec) == -1 ||
		    (year = num4(s + 20)) == -1)
			return (-1);
		return (make_time(year, (unsigned)mon + 1, (unsigned)mday,
		    h, m, sec, t));
	}

	/* rfc850-date: "Sunday, 06-Nov-94 08:49:37 GMT" */
	if ((comma = memchr(s, ',', len < 10 ? len : 10)) == NULL)
		return (-1);
	wlen = (int)(comma - s);
	if (name_find(s, (size_t)wlen, day_names_l, 7) == -1 ||
	    len != (size_t)wlen + 24)
		return (-1);
	s += wlen;
	if (s[1] != ' ' || s[4] != '-' || s[8] != '-' || s[11] != ' ' ||
	    memcmp(s + 20, " GMT", 4) != 0)
		return (-1);
	if ((mday = num2(s + 2)) == -1 ||
	    (mon = name_find(s + 5, 3, month_names, 12)) == -1 ||
	    (year = num2(s + 9)) == -1 ||
	    parse_time(s + 12, &h, &m, &sec) == -1)
		return (-1);
	/* Range-check the day first: rfc850_year() must see a real date. */
	if (mday < 1 || mday > 31)
		return (-1);
	return (make_time(rfc850_year((unsigned)year, (unsigned)mon + 1,
	    (unsigned)mday, now), (unsigned)mon + 1, (unsigned)mday, h, m,
	    sec, t));
}
