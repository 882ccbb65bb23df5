/*
 * Validators and conditional requests (RFC 9110 §8.8, §12.5.3, §13).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "proto/http/cond.h"
#include "proto/http/date.h"

/* An entity-tag (§8.8.3) seen in a field value; points into it. */
struct etag {
	int		 et_weak;
	const char	*et_opaque;	/* DQUOTE *etagc DQUOTE */
	size_t		 et_len;
};

/* qvalue scale: 0-1000 thousandths. */
#define Q_ONE		1000

static char	*put_hex(char *, uint64_t);
static const char *skip_ows(const char *, const char *);
static int	etag_parse(const char **, const char *, struct etag *);
static int	etag_match(const struct etag *, const struct etag *, int);
static int	etag_list_match(const char *, size_t, const struct etag *,
		    int);
static int	is_star(const char *, size_t);
static int	is_tchar(unsigned char);
static int	token_eq(const char *, size_t, const char *);
static int	qvalue_parse(const char **, const char *);

static char *
put_hex(char *p, uint64_t v)
{
	static const char hex[] = "0123456789abcdef";
	char tmp[16];
	int n;

	n = 0;
	do {
		tmp[n++] = hex[v & 0xf];
		v >>= 4;
	} while (v != 0);
	while (n > 0)
		*p++ = tmp[--n];
	return (p);
}

size_t
http_etag_make(char *buf, uint64_t ino, uint64_t size, int64_t mtime_sec,
    long mtime_nsec, int variant)
{
	char *p;

	p = buf;
	*p++ = '"';
	/* A negative mtime (before 1970) prints as its two's complement. */
	p = put_hex(p, (uint64_t)mtime_sec);
	if (mtime_nsec > 0 && mtime_nsec < 1000000000) {
		*p++ = '.';
		p = put_hex(p, (uint64_t)mtime_nsec);
	}
	*p++ = '-';
	p = put_hex(p, size);
	*p++ = '-';
	p = put_hex(p, ino);
	if (variant != 0) {
		*p++ = '-';
		p = put_hex(p, (unsigned)variant & 0xf);
	}
	*p++ = '"';
	*p = '\0';
	return ((size_t)(p - buf));
}

static const char *
skip_ows(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return (p);
}

/*
 * entity-tag = [ %s"W/" ] DQUOTE *etagc DQUOTE, etagc = %x21 / %x23-7E /
 * obs-text.  Advances *pp past it; -1 when malformed.
 */
static int
etag_parse(const char **pp, const char *end, struct etag *et)
{
	const char *p;
	unsigned char c;

	p = *pp;
	et->et_weak = 0;
	if (end - p >= 2 && p[0] == 'W' && p[1] == '/') {
		et->et_weak = 1;
		p += 2;
	}
	if (p == end || *p != '"')
		return (-1);
	et->et_opaque = p++;
	for (;;) {
		if (p == end)
			return (-1);
		c = (unsigned char)*p++;
		if (c == '"')
			break;
		if (c < 0x21 || c == 0x7f)
			return (-1);
	}
	et->et_len = (size_t)(p - et->et_opaque);
	*pp = p;
	return (0);
}

/* §8.8.3.2: strong comparison needs both tags strong; weak ignores W/. */
static int
etag_match(const struct etag *a, const struct etag *b, int weak)
{
	if (!weak && (a->et_weak || b->et_weak))
		return (0);
	return (a->et_len == b->et_len &&
	    memcmp(a->et_opaque, b->et_opaque, a->et_len) == 0);
}

/*
 * #entity-tag, empty elements allowed (§5.6.1.2).  Returns 1 when one of
 * the tags matches cur (which may be NULL), 0 when none does, -1 when the
 * list is malformed anywhere: it is read to the end even after a match.
 */
static int
etag_list_match(const char *v, size_t len, const struct etag *cur,
    int weak)
{
	const char *p, *end;
	struct etag et;
	int match;

	p = v;
	end = v + len;
	match = 0;
	for (;;) {
		p = skip_ows(p, end);
		if (p == end)
			break;
		if (*p == ',') {
			p++;
			continue;
		}
		if (etag_parse(&p, end, &et) == -1)
			return (-1);
		if (cur != NULL && etag_match(cur, &et, weak))
			match = 1;
		p = skip_ows(p, end);
		if (p == end)
			break;
		if (*p++ != ',')
			return (-1);
	}
	return (match);
}

static int
is_star(const char *v, size_t len)
{
	const char *p, *end;

	end = v + len;
	p = skip_ows(v, end);
	if (p == end || *p != '*')
		return (0);
	return (skip_ows(p + 1, end) == end);
}

int
http_cond_evaluate(const struct http_cond *c)
{
	struct etag cur, *curp;
	const char *p;
	time_t t;
	int match;

	curp = NULL;
	if (c->hc_etag != NULL) {
		p = c->hc_etag;
		if (etag_parse(&p, c->hc_etag + c->hc_etag_len, &cur) == 0)
			curp = &cur;
	}

	/* 1. If-Match, else 2. If-Unmodified-Since: false → 412. */
	if (c->hc_if_match != NULL) {
		/* "*": any current representation, with or without an
		   entity tag (RFC 9110 §13.1.1). */
		if (is_star(c->hc_if_match, c->hc_if_match_len))
			match = c->hc_exists;
		else
			match = etag_list_match(c->hc_if_match,
			    c->hc_if_match_len, curp, 0) == 1;
		if (!match)
			return (412);
	} else if (c->hc_has_mtime && c->hc_if_unmodified_since != NULL &&
	    http_date_parse(c->hc_if_unmodified_since,
	    c->hc_if_unmodified_since_len, &t) == 0 && c->hc_mtime > t)
		return (412);

	/*
	 * 3. If-None-Match, else 4. If-Modified-Since.  For the latter the
	 * RFC's test is "modified after the date": a Last-Modified at or
	 * before it gives 304.  nginx's default (if_modified_since exact)
	 * wants the two equal; we follow the RFC.
	 */
	if (c->hc_if_none_match != NULL) {
		if (is_star(c->hc_if_none_match, c->hc_if_none_match_len))
			match = c->hc_exists;
		else
			match = etag_list_match(c->hc_if_none_match,
			    c->hc_if_none_match_len, curp, 1) == 1;
		if (match)
			return (c->hc_get_or_head ? 304 : 412);
	} else if (c->hc_has_mtime && c->hc_get_or_head &&
	    c->hc_if_modified_since != NULL &&
	    http_date_parse(c->hc_if_modified_since,
	    c->hc_if_modified_since_len, &t) == 0 && c->hc_mtime <= t)
		return (304);

	return (0);
}

int
http_cond_if_range(const char *v, size_t len, const char *etag,
    size_t etag_len, time_t mtime, time_t now)
{
	struct etag req, cur;
	const char *p, *end;
	time_t t;

	if (v == NULL)
		return (0);
	/* §13.1.5: a DQUOTE in the first three bytes means an entity-tag. */
	if (memchr(v, '"', len < 3 ? len : 3) != NULL) {
		if (etag == NULL)
			return (0);
		p = v;
		end = v + len;
		if (etag_parse(&p, end, &req) == -1 || p != end)
			return (0);
		p = etag;
		if (etag_parse(&p, etag + etag_len, &cur) == -1)
			return (0);
		return (etag_match(&req, &cur, 0));
	}
	/*
	 * Exact equality, and only for a date that is a strong validator
	 * (§13.1.5, §8.8.2.2).  The client may only send one its cached
	 * Date shows to be a second or more old; the server also knows the
	 * file: changed within the last full second, it may have changed
	 * twice in the second the date names, and then the date is weak
	 * (Apache's rule).  The whole file is sent.
	 */
	if (http_date_parse(v, len, &t) == -1)
		return (0);
	return (t == mtime && now > mtime + 1);
}

/* tchar (§5.6.2) */
static int
is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return (1);
	return (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* Case-insensitive compare of a token with a lower-case literal. */
static int
token_eq(const char *p, size_t len, const char *lit)
{
	size_t i;
	char c;

	if (strlen(lit) != len)
		return (0);
	for (i = 0; i < len; i++) {
		c = p[i];
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if (c != lit[i])
			return (0);
	}
	return (1);
}

/*
 * qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), returned
 * in thousandths; -1 when malformed.  What follows is the caller's to check.
 */
static int
qvalue_parse(const char **pp, const char *end)
{
	const char *p;
	int q, scale;

	p = *pp;
	if (p == end || (*p != '0' && *p != '1'))
		return (-1);
	q = (*p++ - '0') * Q_ONE;
	if (p < end && *p == '.') {
		p++;
		for (scale = Q_ONE / 10; scale > 0 && p < end &&
		    *p >= '0' && *p <= '9'; scale /= 10)
			q += (*p++ - '0') * scale;
	}
	if (q > Q_ONE)
		return (-1);
	*pp = p;
	return (q);
}

int
http_accepts_gzip(const char *v, size_t len)
{
	const char *p, *end, *tok;
	size_t toklen;
	int q, gzip_seen, gzip_ok, star_seen, star_ok;

	p = v;
	end = v + len;
	gzip_seen = star_seen = 0;
	gzip_ok = star_ok = 1;
	for (;;) {
		/* #( codings [ weight ] ), empty elements allowed */
		p = skip_ows(p, end);
		if (p == end)
			break;
		if (*p == ',') {
			p++;
			continue;
		}
		tok = p;
		while (p < end && is_tchar((unsigned char)*p))
			p++;
		if ((toklen = (size_t)(p - tok)) == 0)
			return (0);
		/* weight = OWS ";" OWS "q=" qvalue */
		q = Q_ONE;
		p = skip_ows(p, end);
		if (p < end && *p == ';') {
			p = skip_ows(p + 1, end);
			if (end - p < 2 || (*p != 'q' && *p != 'Q') ||
			    p[1] != '=')
				return (0);
			p += 2;
			if ((q = qvalue_parse(&p, end)) == -1)
				return (0);
			p = skip_ows(p, end);
		}
		if (p < end && *p++ != ',')
			return (0);

		if (token_eq(tok, toklen, "gzip") ||
		    token_eq(tok, toklen, "x-gzip")) {
			gzip_seen = 1;
			gzip_ok &= q > 0;
		} else if (token_eq(tok, toklen, "*")) {
			star_seen = 1;
			star_ok &= q > 0;
		}
	}
	if (gzip_seen)
		return (gzip_ok);
	return (star_seen && star_ok);
}
