/*
 * Validators and conditional requests (RFC 9110 §8.8, §12.5.3, §13).
 *
 * Every input is a (pointer, length) pair into the request buffer, not
 * NUL-terminated, with OWS already trimmed from both ends by the parser.
 */
#ifndef TM_HTTP_COND_H
#define TM_HTTP_COND_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/*
 * Largest tag http_etag_make() writes, NUL included:
 * "<16>.<8>-<16>-<16>-<1>" with the quotes is 63 bytes.
 */
#define HTTP_ETAG_MAX	64

/*
 * Writes the strong ETag "<mtime>-<size>-<inode>" (quotes included, all in
 * lower-case hex) into buf (HTTP_ETAG_MAX bytes), NUL-terminated; returns
 * its length.  <mtime> is the seconds, then ".<nanoseconds>" when those
 * are not 0: two writes in one second that keep the size must not share a
 * strong tag (§8.8.1).  The inode: a file replaced by another of the same
 * size and time (builds that fix file times do this) must not validate
 * copies of the old one, though it means servers of a farm holding the
 * same files give different tags.  variant 1-15 names an encoded variant
 * of the same file (e.g. 1 for the .gz one) and adds "-<variant>", so
 * each variant has its own tag (§8.8.3); 0 is the file itself.  Only the
 * low four bits of a non-zero variant are written.
 */
size_t	http_etag_make(char *buf, uint64_t ino, uint64_t size,
	    int64_t mtime_sec, long mtime_nsec, int variant);

struct http_cond {
	/* 1: there is a current representation (what "*" asks about). */
	int		 hc_exists;
	/* Its entity tag; NULL: it has none (etag = false). */
	const char	*hc_etag;	/* strong tag, quotes included */
	size_t		 hc_etag_len;
	int		 hc_has_mtime;	/* 0: no Last-Modified */
	time_t		 hc_mtime;		/* Last-Modified */
	/* Request fields; NULL when absent. */
	const char	*hc_if_match;
	size_t		 hc_if_match_len;
	const char	*hc_if_none_match;
	size_t		 hc_if_none_match_len;
	const char	*hc_if_modified_since;
	size_t		 hc_if_modified_since_len;
	const char	*hc_if_unmodified_since;
	size_t		 hc_if_unmodified_since_len;
	int		 hc_get_or_head;	/* method is GET or HEAD */
};

/*
 * Evaluates the preconditions in the order of RFC 9110 §13.2.2:
 * If-Match (strong comparison; "*" matches a current representation),
 * else If-Unmodified-Since; then If-None-Match (weak comparison; "*" as
 * above), else If-Modified-Since (GET and HEAD only).  Returns 0 (go on),
 * 304 or 412.
 *
 * A date that is not a valid HTTP-date is ignored (§13.1.3, §13.1.4), and
 * so are both date fields when there is no Last-Modified (hc_has_mtime 0).  An
 * entity-tag list that is malformed anywhere (a bad tag, "*" inside a list,
 * "w/") matches nothing: the RFC leaves it open, and "no match" is the
 * safe reading both ways (If-Match fails with 412, so no guarded action
 * runs; If-None-Match yields the full response, never a 304 we cannot
 * justify).  An empty list is a list of no tags and matches nothing too.
 */
int	http_cond_evaluate(const struct http_cond *);

/*
 * If-Range (§13.1.5): 1 when the Range applies, that is the value is a
 * strong entity-tag equal to etag (a weak one never matches), or an
 * HTTP-date equal to mtime that is strong: now (the response's Date) is a
 * full second past it; 0 when the whole representation is to be sent.
 */
int	http_cond_if_range(const char *v, size_t len, const char *etag,
	    size_t etag_len, time_t mtime, time_t now);

/*
 * Accept-Encoding (§12.5.3): 1 when gzip is acceptable, i.e. "gzip" or
 * "x-gzip" (§8.4.1.3) is listed with q > 0, or neither is listed and "*"
 * is, with q > 0.  Codings and "q" are case-insensitive.  A field that
 * does not follow the grammar (a malformed qvalue, a parameter other than
 * q) gives 0: identity is always a correct answer.  When gzip is listed
 * twice, every entry must allow it.
 */
int	http_accepts_gzip(const char *v, size_t len);

#endif /* TM_HTTP_COND_H */
