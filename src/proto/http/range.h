/*
 * Range requests (RFC 9110 §14): the Range field and Content-Range.
 */
#ifndef TM_HTTP_RANGE_H
#define TM_HTTP_RANGE_H

#include <stddef.h>
#include <stdint.h>

struct http_range {
	uint64_t	hr_first;	/* inclusive */
	uint64_t	hr_last;	/* inclusive */
	unsigned	hr_spec;	/* first range-spec it holds, from 0 */
};

/* Results of http_range_parse(). */
#define HTTP_RANGE_NONE		 0	/* ignore Range: send 200 */
#define HTTP_RANGE_OK		 1	/* *nranges ranges in out[]: 206 */
#define HTTP_RANGE_UNSATISFIABLE 2	/* 416 */

/* "bytes " first "-" last "/" size, NUL included. */
#define HTTP_CONTENT_RANGE_MAX	(sizeof("bytes -/") - 1 + 3 * 20 + 1)

/*
 * Parses the Range value v (len bytes, not NUL-terminated) against a
 * representation of size bytes; out[] has room for maxranges ranges.
 *
 * HTTP_RANGE_OK: out[0 .. *nranges - 1] are satisfiable ranges clipped to
 * the representation, overlapping and adjacent ones merged (§14.2 lets a
 * server coalesce "regardless of the order in which the corresponding
 * range-spec appeared"), in the order they were asked for (§14.6: a
 * merged range stands where the first of its range-specs stood).
 *
 * HTTP_RANGE_NONE, the field is to be ignored (a server MAY always ignore
 * Range, §14.2), when:
 *  - it does not follow the grammar anywhere: unit other than "bytes"
 *    (case-insensitive), whitespace other than OWS around commas (so not
 *    after "="), a range with first > last, non-digits, no range at all,
 *    a number past 2^64 - 1;
 *  - more than maxranges disjoint ranges are needed to hold the ranges
 *    read so far (§14.2, §17.15: an egregious set is an attack, and
 *    ignoring it is what nginx and Apache do; 416 would claim the
 *    ranges miss the representation, which is false).  Merging happens
 *    as ranges are read, so a late range that would bridge earlier ones
 *    comes too late;
 *  - size is 0 and a suffix-range with a non-zero length is present:
 *    §14.1.2 calls that satisfiable, yet a 206 cannot describe zero
 *    bytes, so the (empty) 200 is the answer.
 *
 * HTTP_RANGE_UNSATISFIABLE when the syntax is fine and no range is left:
 * every first-pos was >= size and every suffix-length was 0.
 */
int	http_range_parse(const char *v, size_t len, uint64_t size,
	    struct http_range *out, unsigned maxranges, unsigned *nranges);

/*
 * Writes the Content-Range value "bytes <first>-<last>/<size>" into buf
 * (sz bytes; HTTP_CONTENT_RANGE_MAX is always enough), NUL-terminated, and
 * returns its length.  A NULL range gives the 416 form: "bytes *", then
 * "/<size>".  Returns 0, with buf empty, when sz is too small.
 */
size_t	http_range_content_range(char *buf, size_t sz,
	    const struct http_range *, uint64_t size);

#endif /* TM_HTTP_RANGE_H */
