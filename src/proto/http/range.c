/*
 * Range requests (RFC 9110 §14).
 *
 *   ranges-specifier = range-unit "=" range-set
 *   range-set        = 1#range-spec
 *   range-spec       = int-range / suffix-range / other-range
 *   int-range        = first-pos "-" [ last-pos ]
 *   suffix-range     = "-" suffix-length
 *
 * other-range only exists for units other than bytes, which we ignore.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "proto/http/range.h"

static const char *skip_ows(const char *, const char *);
static int	num_parse(const char **, const char *, uint64_t *);
static int	range_add(struct http_range *, unsigned *, unsigned,
		    uint64_t, uint64_t, unsigned);
static void	range_order(struct http_range *, unsigned);

static const char *
skip_ows(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return (p);
}

/* 1*DIGIT; -1 when there is none or it overflows. */
static int
num_parse(const char **pp, const char *end, uint64_t *v)
{
	const char *p;
	uint64_t n;
	unsigned d;

	p = *pp;
	n = 0;
	while (p < end && *p >= '0' && *p <= '9') {
		d = (unsigned)(*p++ - '0');
		if (n > (UINT64_MAX - d) / 10)
			return (-1);
		n = n * 10 + d;
	}
	if (p == *pp)
		return (-1);
	*pp = p;
	*v = n;
	return (0);
}

/*
 * Merges [first, last], asked for by range-spec number spec, into the
 * sorted, disjoint, non-adjacent set out[]; -1 when that would take more
 * than max ranges.  last < UINT64_MAX (it is below size), so last + 1
 * cannot wrap.  Sorting by offset keeps merging linear; range_order()
 * restores the order of the request afterwards.
 */
static int
range_add(struct http_range *out, unsigned *n, unsigned max,
    uint64_t first, uint64_t last, unsigned spec)
{
	unsigned i, j;

	/* out[i]: the first range that does not end before first - 1. */
	for (i = 0; i < *n && out[i].hr_last + 1 < first; i++)
		continue;
	/* out[i .. j - 1] overlap or touch [first, last]. */
	for (j = i; j < *n && out[j].hr_first <= last + 1; j++) {
		if (out[j].hr_first < first)
			first = out[j].hr_first;
		if (out[j].hr_last > last)
			last = out[j].hr_last;
		if (out[j].hr_spec < spec)
			spec = out[j].hr_spec;
	}
	if (j == i) {
		if (*n == max)
			return (-1);
		memmove(out + i + 1, out + i, (*n - i) * sizeof(*out));
		(*n)++;
	} else if (j > i + 1) {
		memmove(out + i + 1, out + j, (*n - j) * sizeof(*out));
		*n -= j - i - 1;
	}
	out[i].hr_first = first;
	out[i].hr_last = last;
	out[i].hr_spec = spec;
	return (0);
}

/* Insertion sort by range-spec number: n is at most max_ranges. */
static void
range_order(struct http_range *out, unsigned n)
{
	struct http_range t;
	unsigned i, j;

	for (i = 1; i < n; i++) {
		t = out[i];
		for (j = i; j > 0 && out[j - 1].hr_spec > t.hr_spec; j--)
			out[j] = out[j - 1];
		out[j] = t;
	}
}

int
http_range_parse(const char *v, size_t len, uint64_t size,
    struct http_range *out, unsigned maxranges, unsigned *nranges)
{
	const char *p, *end, *eq;
	uint64_t first, last;
	unsigned n, specs;
	int empty_suffix;

	*nranges = 0;
	end = v + len;
	/* range-unit is a token, compared case-insensitively (§14.1). */
	if ((eq = memchr(v, '=', len)) == NULL || eq - v != 5 ||
	    strncasecmp(v, "bytes", 5) != 0)
		return (HTTP_RANGE_NONE);

	n = specs = 0;
	empty_suffix = 0;
	p = eq + 1;
	for (;;) {
		/*
		 * A recipient's list: [ element ] *( OWS "," OWS [ element ] )
		 * (§5.6.1.2).  Nothing allows OWS right after "=", so
		 * "bytes= 0-1" is invalid.
		 */
		if (p < end && (*p == '-' || (*p >= '0' && *p <= '9'))) {
			specs++;
			if (*p == '-') {
				/* suffix-range: the last N bytes. */
				p++;
				if (num_parse(&p, end, &last) == -1)
					return (HTTP_RANGE_NONE);
				if (last == 0)
					goto next;	/* never satisfiable */
				if (size == 0) {
					empty_suffix = 1;
					goto next;
				}
				first = last >= size ? 0 : size - last;
				last = size - 1;
			} else {
				if (num_parse(&p, end, &first) == -1 ||
				    p == end || *p++ != '-')
					return (HTTP_RANGE_NONE);
				if (p < end && *p >= '0' && *p <= '9') {
					if (num_parse(&p, end, &last) == -1 ||
					    last < first)
						return (HTTP_RANGE_NONE);
				} else
					last = UINT64_MAX;
				if (first >= size)
					goto next;	/* dropped */
				if (last > size - 1)
					last = size - 1;
			}
			if (range_add(out, &n, maxranges, first, last,
			    specs - 1) == -1)
				return (HTTP_RANGE_NONE);
		}
next:
		if (p == end)
			break;
		p = skip_ows(p, end);
		if (p == end || *p != ',')
			return (HTTP_RANGE_NONE);
		p = skip_ows(p + 1, end);
	}

	if (specs == 0 || empty_suffix)
		return (HTTP_RANGE_NONE);
	if (n == 0)
		return (HTTP_RANGE_UNSATISFIABLE);
	range_order(out, n);
	*nranges = n;
	return (HTTP_RANGE_OK);
}

size_t
http_range_content_range(char *buf, size_t sz, const struct http_range *r,
    uint64_t size)
{
	int n;

	if (r != NULL)
		n = snprintf(buf, sz, "bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64,
		    r->hr_first, r->hr_last, size);
	else
		n = snprintf(buf, sz, "bytes */%" PRIu64, size);
	if (n < 0 || (size_t)n >= sz) {
		if (sz > 0)
			buf[0] = '\0';
		return (0);
	}
	return ((size_t)n);
}
