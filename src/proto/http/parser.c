/*
 * HTTP/1.1 request heads and chunked bodies (RFC 9112, RFC 9110).
 *
 * The head parser is a state machine over bytes that keeps its place in
 * struct http_request, so a call resumes at the first byte it has not seen
 * and classifies every byte once.  Each error is raised at one fixed byte:
 * the offending byte, the byte that reaches a limit, or the LF that ends a
 * line a rule needs whole (method, version, Host, lengths).  Checks run in
 * byte order, so how the input was split never changes the outcome.
 *
 * The order of the checks that wait for the end of the request line is:
 * version (505), method (501), request-target form (400).  Those that wait
 * for the end of the head: missing Host (400), Transfer-Encoding framing
 * (400, then 501 for codings we lack), Expect (417).  A malformed message
 * is a 400 before any "we cannot do that" status.
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdint.h>
#include <string.h>

#include "proto/http/parser.h"

_Static_assert(HTTP_H__COUNT <= 32, "rq_hdr_dups has a bit per field ID");

/* Character classes, one table lookup per byte. */
#define C_TCHAR		0x01	/* token (RFC 9110 §5.6.2) */
#define C_TARGET	0x02	/* request-target: 0x21-0x7e but '#' */
#define C_VALUE		0x04	/* field-value: HTAB, SP, VCHAR, obs-text */
#define C_HEX		0x08
#define C_DIGIT		0x10
#define C_REGNAME	0x20	/* reg-name, and '%' (escapes checked apart) */
#define C_QDTEXT	0x40	/* quoted-string text (RFC 9110 §5.6.4) */
#define C_WS		0x80	/* SP, HTAB */

static const uint8_t cls[256] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* 00 */
	0x00, 0xc4, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* 08 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* 10 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* 18 */
	0xc4, 0x67, 0x06, 0x45, 0x67, 0x67, 0x67, 0x67,	/* 20 */
	0x66, 0x66, 0x67, 0x67, 0x66, 0x67, 0x67, 0x46,	/* 28 */
	0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f,	/* 30 */
	0x7f, 0x7f, 0x46, 0x66, 0x46, 0x66, 0x46, 0x46,	/* 38 */
	0x46, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x67,	/* 40 */
	0x67, 0x67, 0x67, 0x67, 0x67, 0x67, 0x67, 0x67,	/* 48 */
	0x67, 0x67, 0x67, 0x67, 0x67, 0x67, 0x67, 0x67,	/* 50 */
	0x67, 0x67, 0x67, 0x46, 0x06, 0x46, 0x47, 0x67,	/* 58 */
	0x47, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x67,	/* 60 */
	0x67, 0x67, 0x67, 0x67, 0x67, 0x67, 0x67, 0x67,	/* 68 */
	0x67, 0x67, 0x67, 0x67, 0x67, 0x67, 0x67, 0x67,	/* 70 */
	0x67, 0x67, 0x67, 0x46, 0x47, 0x46, 0x67, 0x00,	/* 78 */
	0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44,	/* 80 */
	0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44,	/* 88 */
	0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44,	/* 90 */
	0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44,	/* 98 */
	0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44,	/* a0 */
	0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44,	/* a8 */
	0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44,	/* b0 */
	0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44,	/* b8 */
	0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44,	/* c0 */
	0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44,	/* c8 */
	0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44,	/* d0 */
	0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44,	/* d8 */
	0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44,	/* e0 */
	0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44,	/* e8 */
	0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44,	/* f0 */
	0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44,	/* f8 */
};

#define IS(c, m)	(cls[(unsigned char)(c)] & (m))
/* ASCII tolower without a call or a locale. */
#define LOWER(c)	((unsigned char)((c) |				\
			    ((unsigned char)((c) - 'A') < 26 ? 0x20 : 0)))
#define HEXVAL(c)	((c) <= '9' ? (c) - '0' : ((c) | 0x20) - 'a' + 10)

/*
 * Eight bytes at a time: the common case (nothing but plain printable
 * ASCII) skips a word per step.  Exact "any byte" tests from Sean
 * Anderson's bit hacks; a hit only sends the word to the byte loop.
 */
#define SWAR_ONES	0x0101010101010101ULL
#define SWAR_HIGH	0x8080808080808080ULL
#define SWAR_LT(w, n)	(((w) - SWAR_ONES * (n)) & ~(w) & SWAR_HIGH)
#define SWAR_EQ(w, c)	SWAR_LT((w) ^ (SWAR_ONES * (c)), 1)
#define SWAR_GE7F(w)	((((w) + SWAR_ONES) | (w)) & SWAR_HIGH)

/* rq_state */
enum {
	RS_START = 0,	/* before the request line: empty lines skipped */
	RS_START_CR,	/* CR of such an empty line */
	RS_METHOD,
	RS_TARGET,
	RS_VERSION,
	RS_LINE_LF,	/* LF ending the request line next */
	RS_FIELD,	/* start of a field line or of the final empty line */
	RS_NAME,
	RS_VALUE,
	RS_VALUE_LF,	/* LF ending a field line next */
	RS_END_LF,	/* LF ending the head next */
	RS_DONE,
	RS_ERROR
};

/* rq_aux while reading fields: what the end of the head must check. */
#define AUX_TE		0x01	/* Transfer-Encoding seen */
#define AUX_TE_CHUNKED	0x02	/* chunked seen */
#define AUX_TE_TWICE	0x04	/* chunked seen more than once */
#define AUX_TE_LAST	0x08	/* the last coding so far is chunked */
#define AUX_TE_OTHER	0x10	/* a coding other than chunked */
#define AUX_EXPECT	0x20	/* an expectation other than 100-continue */

/* host_check() */
#define HOST_NAME	0x01	/* the host may not be empty */
#define HOST_PORT	0x02	/* ":" port is required */
/* The longest host name, as DNS has them (RFC 1034 §3.1, RFC 3986 §3.2.2). */
#define HOST_LEN_MAX	255

/* Chunked decoder: ch_state */
enum {
	CS_SIZE0 = 0,	/* first hex digit of a chunk-size */
	CS_SIZE,
	CS_BWS,		/* BWS after the size or an ext value: ';' next */
	CS_NAME0,	/* after ';': BWS, then an ext-name */
	CS_NAME,
	CS_NAME_BWS,	/* BWS after an ext-name: '=' or ';' next */
	CS_VAL0,	/* after '=': BWS, then a token or quoted-string */
	CS_TOKEN,
	CS_QSTR,
	CS_QPAIR,
	CS_QEND,	/* after the closing quote */
	CS_LF,		/* LF ending the size line next */
	CS_DATA,
	CS_DATA_CR,	/* CRLF after the data next */
	CS_DATA_LF,
	CS_TRAILER,	/* start of a trailer line or of the final empty line */
	CS_TR_NAME,
	CS_TR_VALUE,
	CS_TR_LF,
	CS_END_LF,
	CS_DONE,
	CS_ERROR
};
#define CH_LINE_MAX	4096	/* chunk-size line, extensions included */
/*
 * Framing the body limit does not see: past its first CH_LINE_FREE bytes
 * each size line counts towards CH_EXTRA_MAX for the body.  Else a chunk
 * of one byte behind 4 KiB of extension makes a 1 MiB body 4 GiB on the
 * wire, all of it decoded a byte at a time.  16 KiB, as Node's and
 * hyper's limits on extensions.
 */
#define CH_LINE_FREE	18
#define CH_EXTRA_MAX	16384

static const struct http_limits http_default_limits = {
	HTTP_DEFAULT_REQUEST_LINE,
	HTTP_DEFAULT_HEADER_BYTES,
	HTTP_DEFAULT_HEADER_COUNT
};

static const char *const http_method_names[HTTP_M__COUNT] = {
	NULL,
#define X(id, name) name,
	HTTP_METHODS(X)
#undef X
};

static int	rq_fail(struct http_request *, uint16_t, const char *);
static uint32_t	scan_target(const unsigned char *, uint32_t, uint32_t);
static uint32_t	scan_value(const unsigned char *, uint32_t, uint32_t);
static int	pct_check(const unsigned char *, uint32_t);
static uint8_t	method_id(const unsigned char *, uint32_t);
static int	request_line(struct http_request *, const unsigned char *);
static int	target_parse(struct http_request *, const unsigned char *);
static void	path_query(struct http_request *, const unsigned char *,
		    uint32_t, uint32_t);
static int	host_check(const unsigned char *, uint32_t, int);
static int	name_eq(const unsigned char *, const char *, uint32_t);
static uint8_t	header_id(const unsigned char *, uint32_t);
static int	field_line(struct http_request *, const unsigned char *,
		    uint32_t);
static int	length_parse(const unsigned char *, uint32_t, uint64_t *);
static uint32_t	skip_ows(const unsigned char *, uint32_t, uint32_t);
static int	te_parse(struct http_request *, const unsigned char *,
		    uint32_t);
static void	expect_parse(struct http_request *, const unsigned char *,
		    uint32_t);
static int	connection_parse(struct http_request *,
		    const unsigned char *, uint32_t);
static int	head_end(struct http_request *);
static int	ch_fail(struct http_chunked *, uint16_t, const char *);

void
http_request_init(struct http_request *rq, struct http_header *hdrs,
    unsigned int maxhdrs)
{
	unsigned int i;

	memset(rq, 0, sizeof(*rq));
	rq->rq_headers = hdrs;
	/* rq_hdr_index is int16_t: more fields could not be indexed. */
	rq->rq_maxheaders = (uint16_t)(maxhdrs > INT16_MAX ? INT16_MAX :
	    maxhdrs);
	for (i = 0; i < HTTP_H__COUNT; i++)
		rq->rq_hdr_index[i] = -1;
}

int
http_request_begun(const struct http_request *rq)
{
	return (rq->rq_state > RS_START_CR);
}

size_t
http_empty_lines(const char *buf, size_t len)
{
	size_t n = 0;

	while (n < len && (buf[n] == '\n' ||
	    (buf[n] == '\r' && n + 1 < len && buf[n + 1] == '\n')))
		n += buf[n] == '\n' ? 1 : 2;
	return (n);
}

const char *
http_method_name(unsigned int m)
{
	if (m >= HTTP_M__COUNT)
		return (NULL);
	return (http_method_names[m]);
}

const struct http_header *
http_request_header(const struct http_request *rq, enum http_header_id id)
{
	int i;

	if ((unsigned int)id >= HTTP_H__COUNT || id == HTTP_H_OTHER)
		return (NULL);
	i = rq->rq_hdr_index[id];
	return (i < 0 ? NULL : &rq->rq_headers[i]);
}

/* Jump to the error exit of http_parse_request(). */
#define FAIL(st, why)	do {						\
	rq_fail(rq, (st), (why));					\
	goto error;							\
} while (0)

/*
 * Limits: the request line (with any empty lines before it, which count
 * against it so that a stream of CRLFs is bounded too) must end before
 * offset hl_request_line; the header section must end before
 * hl_header_bytes bytes past the request line.  Reaching that offset
 * without the end is the error, so it fires as soon as the end can no
 * longer fit.  Fields beyond hl_header_count, or beyond the room in
 * rq_headers, are a 431 at the first byte of the field line.
 *
 * Offsets are 32-bit: a buffer past 4 GiB is read as 4 GiB long, which
 * the limits of any real configuration reject long before.
 */
int
http_parse_request(struct http_request *rq, const char *buf, size_t len,
    const struct http_limits *hl)
{
	const unsigned char *b = (const unsigned char *)buf;
	uint64_t bound;
	uint32_t p, end, k, maxf;
	unsigned char c;

	if (rq->rq_state == RS_DONE)
		return (HTTP_PARSE_OK);
	if (rq->rq_state == RS_ERROR)
		return (HTTP_PARSE_ERROR);
	if (hl == NULL)
		hl = &http_default_limits;
	if (len > UINT32_MAX)
		len = UINT32_MAX;
	if (rq->rq_state < RS_FIELD)
		bound = hl->hl_request_line;
	else
		bound = (uint64_t)rq->rq_line - rq->rq_hdr_bytes +
		    hl->hl_header_bytes;
	if (bound > UINT32_MAX)
		bound = UINT32_MAX;
	end = len < bound ? (uint32_t)len : (uint32_t)bound;
	p = rq->rq_pos;
	/* A buffer that shrank breaks the contract: do not scan backwards. */
	if (len < p)
		return (HTTP_PARSE_AGAIN);

	for (;;) {
		switch (rq->rq_state) {
		case RS_START:
			if (p >= end)
				goto more;
			c = b[p];
			if (c == '\n') {
				p++;
				break;
			}
			if (c == '\r') {
				p++;
				rq->rq_state = RS_START_CR;
				break;
			}
			rq->rq_line = rq->rq_mark = p;
			rq->rq_state = RS_METHOD;
			/* FALLTHROUGH */
		case RS_METHOD:
			while (p < end && IS(b[p], C_TCHAR))
				p++;
			if (p >= end)
				goto more;
			if (b[p] != ' ' || p == rq->rq_mark)
				FAIL(400, p == rq->rq_mark ? "no method" :
				    "bad method");
			rq->rq_method_span.sp_off = rq->rq_mark;
			rq->rq_method_span.sp_len = p - rq->rq_mark;
			/* Known this early, so that a refusal of the rest
			   still knows a HEAD (no content in its answer). */
			rq->rq_method = method_id(b + rq->rq_mark,
			    rq->rq_method_span.sp_len);
			rq->rq_mark = ++p;
			rq->rq_state = RS_TARGET;
			/* FALLTHROUGH */
		case RS_TARGET:
			p = scan_target(b, p, end);
			if (p >= end)
				goto more;
			if (b[p] != ' ')
				FAIL(400, b[p] == '\r' || b[p] == '\n' ?
				    "no version" : "bad byte in target");
			if (p == rq->rq_mark)
				FAIL(400, "empty target");
			rq->rq_target.sp_off = rq->rq_mark;
			rq->rq_target.sp_len = p - rq->rq_mark;
			if (pct_check(b + rq->rq_mark, p - rq->rq_mark) == -1)
				FAIL(400, "bad escape in target");
			rq->rq_mark = ++p;
			rq->rq_state = RS_VERSION;
			/* FALLTHROUGH */
		case RS_VERSION:
			/* Byte by byte against "HTTP/" DIGIT "." DIGIT. */
			for (; p < end; p++) {
				c = b[p];
				if (c == '\r' || c == '\n')
					break;
				k = p - rq->rq_mark;
				if (k >= 8 || (k == 5 || k == 7 ?
				    !IS(c, C_DIGIT) : c != "HTTP/?.?"[k]))
					FAIL(400, "bad version");
			}
			if (p >= end)
				goto more;
			if (p - rq->rq_mark != 8)
				FAIL(400, "bad version");
			if (b[p] == '\r')
				p++;
			rq->rq_state = RS_LINE_LF;
			/* FALLTHROUGH */
		case RS_LINE_LF:
			if (p >= end)
				goto more;
			if (b[p] != '\n')
				FAIL(400, "bare CR");
			p++;
			if (request_line(rq, b) == -1)
				goto error;
			rq->rq_line = p;
			rq->rq_hdr_bytes = 0;
			bound = (uint64_t)p + hl->hl_header_bytes;
			if (bound > UINT32_MAX)
				bound = UINT32_MAX;
			end = len < bound ? (uint32_t)len : (uint32_t)bound;
			rq->rq_state = RS_FIELD;
			/* FALLTHROUGH */
		case RS_FIELD:
			if (p >= end)
				goto more;
			c = b[p];
			if (c == '\r' || c == '\n') {
				if (c == '\r')
					p++;
				rq->rq_state = RS_END_LF;
				break;
			}
			if (!IS(c, C_TCHAR))
				FAIL(400, IS(c, C_WS) ? "obs-fold" :
				    "bad field name");
			maxf = hl->hl_header_count < rq->rq_maxheaders ?
			    hl->hl_header_count : rq->rq_maxheaders;
			if (rq->rq_nheaders >= maxf)
				FAIL(431, "too many fields");
			rq->rq_state = RS_NAME;
			/* FALLTHROUGH */
		case RS_NAME:
			while (p < end && IS(b[p], C_TCHAR))
				p++;
			if (p >= end)
				goto more;
			if (b[p] != ':')
				FAIL(400, IS(b[p], C_WS) ?
				    "whitespace before colon" :
				    b[p] == '\r' || b[p] == '\n' ?
				    "no colon" : "bad field name");
			rq->rq_mark = ++p;
			rq->rq_state = RS_VALUE;
			/* FALLTHROUGH */
		case RS_VALUE:
			p = scan_value(b, p, end);
			if (p >= end)
				goto more;
			c = b[p];
			if (c != '\r' && c != '\n')
				FAIL(400, c == '\0' ? "NUL in field" :
				    "control byte in field");
			if (c == '\r')
				p++;
			rq->rq_state = RS_VALUE_LF;
			/* FALLTHROUGH */
		case RS_VALUE_LF:
			if (p >= end)
				goto more;
			if (b[p] != '\n')
				FAIL(400, "bare CR");
			/* The value ends at the CR, if any, else here. */
			if (field_line(rq, b, b[p - 1] == '\r' &&
			    p - 1 >= rq->rq_mark ? p - 1 : p) == -1)
				goto error;
			p++;
			rq->rq_hdr_bytes += p - rq->rq_line;
			rq->rq_line = p;
			rq->rq_state = RS_FIELD;
			break;
		case RS_END_LF:
			if (p >= end)
				goto more;
			if (b[p] != '\n')
				FAIL(400, "bare CR");
			p++;
			rq->rq_hdr_bytes += p - rq->rq_line;
			rq->rq_head_len = rq->rq_pos = p;
			if (head_end(rq) == -1)
				goto error;
			rq->rq_state = RS_DONE;
			return (HTTP_PARSE_OK);
		case RS_START_CR:
			if (p >= end)
				goto more;
			if (b[p] != '\n')
				FAIL(400, "bare CR");
			p++;
			rq->rq_state = RS_START;
			break;
		default:
			FAIL(400, "bad parser state");
		}
	}

more:
	if (p >= bound) {
		if (rq->rq_state < RS_FIELD)
			FAIL(414, "request line too long");
		FAIL(431, "header section too large");
	}
	rq->rq_pos = p;
	return (HTTP_PARSE_AGAIN);
error:
	rq->rq_pos = p;
	return (HTTP_PARSE_ERROR);
}
#undef FAIL

static int
rq_fail(struct http_request *rq, uint16_t status, const char *why)
{
	rq->rq_state = RS_ERROR;
	rq->rq_status = status;
	rq->rq_error = why;
	return (-1);
}

/* Returns the offset of the first byte that is not a target byte. */
static inline uint32_t
scan_target(const unsigned char *b, uint32_t p, uint32_t end)
{
	uint64_t w;
	uint32_t lim;

	for (;;) {
		while (end - p >= 8) {
			memcpy(&w, b + p, sizeof(w));
			if (SWAR_LT(w, 0x21) | SWAR_GE7F(w) | SWAR_EQ(w, '#'))
				break;
			p += 8;
		}
		lim = end - p > 8 ? p + 8 : end;
		while (p < lim && IS(b[p], C_TARGET))
			p++;
		if (p < lim || p == end)
			return (p);
	}
}

/* Returns the offset of the first byte that is not a field-value byte. */
static inline uint32_t
scan_value(const unsigned char *b, uint32_t p, uint32_t end)
{
	uint64_t w;
	uint32_t lim;

	for (;;) {
		/* HTAB is below 0x20 too: it takes the byte loop. */
		while (end - p >= 8) {
			memcpy(&w, b + p, sizeof(w));
			if (SWAR_LT(w, 0x20) | SWAR_EQ(w, 0x7f))
				break;
			p += 8;
		}
		lim = end - p > 8 ? p + 8 : end;
		while (p < lim && IS(b[p], C_VALUE))
			p++;
		if (p < lim || p == end)
			return (p);
	}
}

/*
 * Every '%' of the path must start "%" HEXDIG HEXDIG (RFC 3986 §2.1): the
 * path is decoded.  The query is not, so a literal '%' there ("?q=100%",
 * old escape()'s "%u00e9") goes on as sent, as nginx and Apache take it;
 * whoever decodes the query judges it.
 */
static int
pct_check(const unsigned char *t, uint32_t n)
{
	const unsigned char *q, *e;

	if ((e = memchr(t, '?', n)) == NULL)
		e = t + n;

	while ((q = memchr(t, '%', (size_t)(e - t))) != NULL) {
		if (e - q < 3 || !IS(q[1], C_HEX) || !IS(q[2], C_HEX))
			return (-1);
		t = q + 3;
	}
	return (0);
}

/* Method names are case-sensitive (RFC 9110 §9.1). */
static uint8_t
method_id(const unsigned char *m, uint32_t n)
{
	switch (n) {
	case 3:
		if (memcmp(m, "GET", 3) == 0)
			return (HTTP_M_GET);
		if (memcmp(m, "PUT", 3) == 0)
			return (HTTP_M_PUT);
		break;
	case 4:
		if (memcmp(m, "HEAD", 4) == 0)
			return (HTTP_M_HEAD);
		if (memcmp(m, "POST", 4) == 0)
			return (HTTP_M_POST);
		break;
	case 5:
		if (memcmp(m, "PATCH", 5) == 0)
			return (HTTP_M_PATCH);
		if (memcmp(m, "TRACE", 5) == 0)
			return (HTTP_M_TRACE);
		break;
	case 6:
		if (memcmp(m, "DELETE", 6) == 0)
			return (HTTP_M_DELETE);
		break;
	case 7:
		if (memcmp(m, "OPTIONS", 7) == 0)
			return (HTTP_M_OPTIONS);
		if (memcmp(m, "CONNECT", 7) == 0)
			return (HTTP_M_CONNECT);
		break;
	}
	return (HTTP_M_UNKNOWN);
}

/* The request line is complete and well-formed; rq_mark is the version. */
static int
request_line(struct http_request *rq, const unsigned char *b)
{
	const unsigned char *v = b + rq->rq_mark;

	rq->rq_major = v[5] - '0';
	rq->rq_minor = v[7] - '0';
	if (rq->rq_major != 1)
		return (rq_fail(rq, 505, "unsupported version"));
	/* 1.x for x > 1 is answered as 1.1 (RFC 9110 §2.5). */
	if (rq->rq_minor > 1)
		rq->rq_minor = 1;
	if (rq->rq_method == HTTP_M_UNKNOWN)
		return (rq_fail(rq, 501, "unknown method"));
	return (target_parse(rq, b));
}

/*
 * The four request-target forms (RFC 9112 §3.2).  For the authority and
 * asterisk forms rq_path and rq_query are empty; for the absolute form an
 * empty path (zero-length rq_path) stands for "/" (RFC 9112 §3.2.2), but
 * for OPTIONS with no query too for "*" (§3.2.4, in http.c), and rq_host
 * is the authority.
 */
static int
target_parse(struct http_request *rq, const unsigned char *b)
{
	const unsigned char *t;
	uint32_t off, n, a, i;

	off = rq->rq_target.sp_off;
	n = rq->rq_target.sp_len;
	t = b + off;
	rq->rq_path.sp_off = rq->rq_query.sp_off = off + n;
	if (rq->rq_method == HTTP_M_CONNECT) {
		/* A tunnel needs both: there is no default port. */
		if (host_check(t, n, HOST_NAME | HOST_PORT) == -1)
			return (rq_fail(rq, 400, "bad CONNECT target"));
		rq->rq_form = HTTP_FORM_AUTHORITY;
		return (0);
	}
	if (t[0] == '/') {
		rq->rq_form = HTTP_FORM_ORIGIN;
		path_query(rq, b, off, n);
		return (0);
	}
	if (t[0] == '*' && n == 1) {
		if (rq->rq_method != HTTP_M_OPTIONS)
			return (rq_fail(rq, 400, "asterisk-form not OPTIONS"));
		rq->rq_form = HTTP_FORM_ASTERISK;
		return (0);
	}
	if (n >= 7 && name_eq(t, "http://", 7))
		a = 7;
	else if (n >= 8 && name_eq(t, "https://", 8))
		a = 8;
	else
		return (rq_fail(rq, 400, "bad target"));
	for (i = a; i < n && t[i] != '/' && t[i] != '?'; i++)
		continue;
	/* No userinfo ('@' is no reg-name byte), no empty host. */
	if (host_check(t + a, i - a, HOST_NAME) == -1)
		return (rq_fail(rq, 400, "bad authority"));
	rq->rq_form = HTTP_FORM_ABSOLUTE;
	rq->rq_host.sp_off = off + a;
	rq->rq_host.sp_len = i - a;
	path_query(rq, b, off + i, n - i);
	return (0);
}

static void
path_query(struct http_request *rq, const unsigned char *b, uint32_t off,
    uint32_t n)
{
	const unsigned char *q;

	q = memchr(b + off, '?', n);
	if (q == NULL) {
		rq->rq_path.sp_off = off;
		rq->rq_path.sp_len = n;
		rq->rq_query.sp_off = off + n;
		rq->rq_query.sp_len = 0;
		return;
	}
	rq->rq_path.sp_off = off;
	rq->rq_path.sp_len = (uint32_t)(q - (b + off));
	rq->rq_query.sp_off = off + rq->rq_path.sp_len + 1;
	rq->rq_query.sp_len = n - rq->rq_path.sp_len - 1;
}

/*
 * uri-host [ ":" port ] (RFC 3986 §3.2.2): an IP-literal, checked by
 * inet_pton() (no IPvFuture, no zone), or a reg-name, which covers
 * IPv4address too.  port is *DIGIT.
 */
static int
host_check(const unsigned char *h, uint32_t n, int need)
{
	struct in6_addr in6;
	char a[INET6_ADDRSTRLEN];
	uint32_t i, e;

	i = 0;
	if (n > 0 && h[0] == '[') {
		for (e = 1; e < n && h[e] != ']'; e++)
			continue;
		if (e == n || e - 1 >= sizeof(a))
			return (-1);
		memcpy(a, h + 1, e - 1);
		a[e - 1] = '\0';
		if (inet_pton(AF_INET6, a, &in6) != 1)
			return (-1);
		i = e + 1;
	} else {
		for (; i < n && IS(h[i], C_REGNAME); i++) {
			if (h[i] == '%' && (n - i < 3 || !IS(h[i + 1], C_HEX) ||
			    !IS(h[i + 2], C_HEX)))
				return (-1);
			/* No empty label: "a..b", "a.." (RFC 1034 §3.1). */
			if (h[i] == '.' && i + 1 < n && h[i + 1] == '.')
				return (-1);
		}
		if (i == 0 && (need & HOST_NAME))
			return (-1);
		/*
		 * Longer names no host has; kept whole (struct http_req's
		 * rq_host), not cut into another name for the site and the
		 * redirects.
		 */
		if (i > HOST_LEN_MAX)
			return (-1);
		/* "." alone names no host: empty once its dot goes. */
		if (i == 1 && h[0] == '.')
			return (-1);
	}
	if (i == n)
		return ((need & HOST_PORT) ? -1 : 0);
	if (h[i++] != ':' || (i == n && (need & HOST_PORT)))
		return (-1);
	for (; i < n; i++)
		if (!IS(h[i], C_DIGIT))
			return (-1);
	return (0);
}

/* Case-insensitive compare against a lower-case ASCII string. */
static inline int
name_eq(const unsigned char *s, const char *lc, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (LOWER(s[i]) != (unsigned char)lc[i])
			return (0);
	return (1);
}

/* Field names are case-insensitive: the length picks the candidates. */
static uint8_t
header_id(const unsigned char *s, uint32_t n)
{
	switch (n) {
	case 2:
		if (name_eq(s, "te", 2))
			return (HTTP_H_TE);
		break;
	case 4:
		if (name_eq(s, "host", 4))
			return (HTTP_H_HOST);
		break;
	case 5:
		if (name_eq(s, "range", 5))
			return (HTTP_H_RANGE);
		break;
	case 6:
		if (name_eq(s, "expect", 6))
			return (HTTP_H_EXPECT);
		break;
	case 7:
		if (name_eq(s, "referer", 7))
			return (HTTP_H_REFERER);
		if (name_eq(s, "upgrade", 7))
			return (HTTP_H_UPGRADE);
		break;
	case 8:
		if (name_eq(s, "if-match", 8))
			return (HTTP_H_IF_MATCH);
		if (name_eq(s, "if-range", 8))
			return (HTTP_H_IF_RANGE);
		break;
	case 10:
		if (name_eq(s, "connection", 10))
			return (HTTP_H_CONNECTION);
		if (name_eq(s, "user-agent", 10))
			return (HTTP_H_USER_AGENT);
		break;
	case 13:
		if (name_eq(s, "if-none-match", 13))
			return (HTTP_H_IF_NONE_MATCH);
		break;
	case 14:
		if (name_eq(s, "content-length", 14))
			return (HTTP_H_CONTENT_LENGTH);
		break;
	case 15:
		if (name_eq(s, "accept-encoding", 15))
			return (HTTP_H_ACCEPT_ENCODING);
		break;
	case 17:
		if (name_eq(s, "transfer-encoding", 17))
			return (HTTP_H_TRANSFER_ENCODING);
		if (name_eq(s, "if-modified-since", 17))
			return (HTTP_H_IF_MODIFIED_SINCE);
		break;
	case 19:
		if (name_eq(s, "if-unmodified-since", 19))
			return (HTTP_H_IF_UNMODIFIED_SINCE);
		break;
	}
	return (HTTP_H_OTHER);
}

/*
 * A field line is complete: rq_line is its start, rq_mark - 1 its colon,
 * vend the end of its value (its CR or LF).  Store it and act on it.
 */
static int
field_line(struct http_request *rq, const unsigned char *b, uint32_t vend)
{
	struct http_header *h;
	const unsigned char *v;
	uint32_t vs, vn;
	uint64_t cl;
	uint8_t id;

	vs = rq->rq_mark;
	while (vs < vend && IS(b[vs], C_WS))
		vs++;
	while (vend > vs && IS(b[vend - 1], C_WS))
		vend--;
	v = b + vs;
	vn = vend - vs;

	h = &rq->rq_headers[rq->rq_nheaders];
	h->hh_name.sp_off = rq->rq_line;
	h->hh_name.sp_len = rq->rq_mark - 1 - rq->rq_line;
	h->hh_value.sp_off = vs;
	h->hh_value.sp_len = vn;
	h->hh_id = id = header_id(b + rq->rq_line, h->hh_name.sp_len);
	if (id != HTTP_H_OTHER && rq->rq_hdr_index[id] < 0)
		rq->rq_hdr_index[id] = (int16_t)rq->rq_nheaders;
	else if (id != HTTP_H_OTHER)
		rq->rq_hdr_dups |= 1u << id;
	rq->rq_nheaders++;

	switch (id) {
	case HTTP_H_HOST:
		if (rq->rq_flags & HTTP_RQ_HOST)
			return (rq_fail(rq, 400, "duplicate Host"));
		/*
		 * An empty host names no http URI (RFC 9110 §4.2.1): only
		 * where the target carries its own authority is it moot.
		 */
		if (host_check(v, vn, rq->rq_form == HTTP_FORM_ABSOLUTE ||
		    rq->rq_form == HTTP_FORM_AUTHORITY ? 0 : HOST_NAME) == -1)
			return (rq_fail(rq, 400, "bad Host"));
		rq->rq_flags |= HTTP_RQ_HOST;
		/* The absolute form's authority wins (RFC 9112 §3.2.2). */
		if (rq->rq_form != HTTP_FORM_ABSOLUTE)
			rq->rq_host = h->hh_value;
		break;
	case HTTP_H_CONTENT_LENGTH:
		if (length_parse(v, vn, &cl) == -1)
			return (rq_fail(rq, 400, "bad Content-Length"));
		if ((rq->rq_flags & HTTP_RQ_LENGTH) &&
		    rq->rq_content_length != cl)
			return (rq_fail(rq, 400, "differing Content-Length"));
		rq->rq_flags |= HTTP_RQ_LENGTH;
		rq->rq_content_length = cl;
		break;
	case HTTP_H_TRANSFER_ENCODING:
		if (te_parse(rq, v, vn) == -1)
			return (rq_fail(rq, 400, "bad Transfer-Encoding"));
		break;
	case HTTP_H_CONNECTION:
		if (connection_parse(rq, v, vn) == -1)
			return (rq_fail(rq, 400, "bad Connection"));
		break;
	case HTTP_H_EXPECT:
		/* A 1.0 client cannot wait for a 100 (RFC 9110 §10.1.1). */
		if (rq->rq_minor == 0)
			break;
		expect_parse(rq, v, vn);
		break;
	}
	return (0);
}

/*
 * Content-Length = 1*DIGIT, or a list of one value repeated (RFC 9110
 * §8.6 lets a recipient take "5, 5" as 5).  Empty elements are refused:
 * nothing legitimate sends them and a lenient reading invites smuggling.
 */
static int
length_parse(const unsigned char *v, uint32_t n, uint64_t *cl)
{
	uint64_t x, first;
	uint32_t i, d;
	int have;

	first = 0;
	have = 0;
	i = 0;
	for (;;) {
		if (i == n || !IS(v[i], C_DIGIT))
			return (-1);
		for (x = 0; i < n && IS(v[i], C_DIGIT); i++) {
			d = (uint32_t)(v[i] - '0');
			if (x > ((uint64_t)INT64_MAX - d) / 10)
				return (-1);
			x = x * 10 + d;
		}
		if (have && x != first)
			return (-1);
		first = x;
		have = 1;
		i = skip_ows(v, i, n);
		if (i == n)
			break;
		if (v[i] != ',')
			return (-1);
		i = skip_ows(v, i + 1, n);
	}
	*cl = first;
	return (0);
}

static inline uint32_t
skip_ows(const unsigned char *v, uint32_t i, uint32_t n)
{
	while (i < n && IS(v[i], C_WS))
		i++;
	return (i);
}

/*
 * Transfer-Encoding = #transfer-coding, each a token with optional
 * parameters (RFC 9110 §10.1.4).  Only the syntax is judged here; which
 * codings in which order is decided in head_end(), once every field has
 * been seen.  Unlike other lists, empty elements are refused rather than
 * skipped (RFC 9110 §5.6.1.2): this field decides where the message ends,
 * and a proxy in front that reads ",chunked" otherwise would split the
 * stream elsewhere.  nginx refuses such values too.
 */
static int
te_parse(struct http_request *rq, const unsigned char *v, uint32_t n)
{
	uint32_t i, s;
	int chunked;

	rq->rq_aux |= AUX_TE;
	i = 0;
	for (;;) {
		for (s = i; i < n && IS(v[i], C_TCHAR); i++)
			continue;
		if (i == s)
			return (-1);	/* empty element or junk */
		chunked = i - s == 7 && name_eq(v + s, "chunked", 7);
		/* *( OWS ";" OWS token BWS "=" BWS value ) */
		while ((i = skip_ows(v, i, n)) < n && v[i] == ';') {
			if (chunked)
				return (-1);	/* chunked takes none */
			i = skip_ows(v, i + 1, n);
			for (s = i; i < n && IS(v[i], C_TCHAR); i++)
				continue;
			if (i == s)
				return (-1);
			i = skip_ows(v, i, n);
			if (i == n || v[i] != '=')
				return (-1);
			i = skip_ows(v, i + 1, n);
			if (i < n && v[i] == '"') {
				for (i++; i < n && v[i] != '"'; i++) {
					if (v[i] == '\\') {
						if (++i == n ||
						    !IS(v[i], C_VALUE))
							return (-1);
					} else if (!IS(v[i], C_QDTEXT))
						return (-1);
				}
				if (i++ == n)
					return (-1);
			} else {
				for (s = i; i < n && IS(v[i], C_TCHAR); i++)
					continue;
				if (i == s)
					return (-1);
			}
		}
		if (chunked) {
			if (rq->rq_aux & AUX_TE_CHUNKED)
				rq->rq_aux |= AUX_TE_TWICE;
			rq->rq_aux |= AUX_TE_CHUNKED | AUX_TE_LAST;
		} else {
			rq->rq_aux &= ~(uint32_t)AUX_TE_LAST;
			rq->rq_aux |= AUX_TE_OTHER;
		}
		if (i == n)
			return (0);
		if (v[i] != ',')
			return (-1);
		i = skip_ows(v, i + 1, n);
	}
}

/*
 * Connection = #connection-option.  Empty elements are skipped as RFC
 * 9110 §5.6.1.2 requires; anything but tokens is an error.
 */
static int
connection_parse(struct http_request *rq, const unsigned char *v,
    uint32_t n)
{
	uint32_t i, s;

	i = 0;
	for (;;) {
		for (s = i; i < n && IS(v[i], C_TCHAR); i++)
			continue;
		if (i - s == 5 && name_eq(v + s, "close", 5))
			rq->rq_flags |= HTTP_RQ_CLOSE;
		else if (i - s == 10 && name_eq(v + s, "keep-alive", 10))
			rq->rq_flags |= HTTP_RQ_KEEPALIVE;
		i = skip_ows(v, i, n);
		if (i == n)
			return (0);
		if (v[i] != ',')
			return (-1);
		i = skip_ows(v, i + 1, n);
	}
}

/*
 * Expect = #expectation (RFC 9110 §10.1.1).  100-continue is the only one
 * defined; any other member is a 417 (AUX_EXPECT, decided at the end of
 * the head).  Empty members count for nothing (§5.6.1), so an empty field
 * expects nothing.
 */
static void
expect_parse(struct http_request *rq, const unsigned char *v, uint32_t n)
{
	uint32_t i, s, e;

	for (i = 0; i < n; i = skip_ows(v, i + 1, n)) {
		for (s = i; i < n && v[i] != ','; i++)
			continue;
		for (e = i; e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'); e--)
			continue;
		if (e == s)
			continue;
		if (e - s == 12 && name_eq(v + s, "100-continue", 12))
			rq->rq_flags |= HTTP_RQ_CONTINUE;
		else
			rq->rq_aux |= AUX_EXPECT;
	}
}

/* The empty line has been seen: rules that need every field. */
static int
head_end(struct http_request *rq)
{
	uint32_t aux = rq->rq_aux;

	if (rq->rq_minor == 1 && !(rq->rq_flags & HTTP_RQ_HOST))
		return (rq_fail(rq, 400, "no Host"));
	if (aux & AUX_TE) {
		/* RFC 9112 §6.1, §6.3: framing we cannot trust. */
		if (rq->rq_minor == 0)
			return (rq_fail(rq, 400,
			    "Transfer-Encoding in HTTP/1.0"));
		if (rq->rq_flags & HTTP_RQ_LENGTH)
			return (rq_fail(rq, 400,
			    "Transfer-Encoding and Content-Length"));
		if (aux & AUX_TE_TWICE)
			return (rq_fail(rq, 400, "chunked twice"));
		if (!(aux & AUX_TE_LAST))
			return (rq_fail(rq, 400, "chunked not final"));
		if (aux & AUX_TE_OTHER)
			return (rq_fail(rq, 501, "unsupported coding"));
		rq->rq_flags |= HTTP_RQ_CHUNKED;
	}
	if (aux & AUX_EXPECT)
		return (rq_fail(rq, 417, "unsupported expectation"));
	if (rq->rq_minor == 0 && !(rq->rq_flags & HTTP_RQ_KEEPALIVE))
		rq->rq_flags |= HTTP_RQ_CLOSE;
	return (0);
}

void
http_chunked_init(struct http_chunked *ch)
{
	memset(ch, 0, sizeof(*ch));
}

static int
ch_fail(struct http_chunked *ch, uint16_t status, const char *why)
{
	ch->ch_state = CS_ERROR;
	ch->ch_status = status;
	ch->ch_error = why;
	return (HTTP_PARSE_ERROR);
}

/*
 * One byte at a time except for data, which moves in one memmove() per
 * call and chunk: size lines and trailers are short.  On an error *used
 * is the offset of the offending byte.
 */
int
http_chunked_decode(struct http_chunked *ch, char *buf, size_t len,
    size_t *used, size_t *out, const struct http_limits *hl)
{
	unsigned char *b = (unsigned char *)buf;
	size_t p, o, n;
	unsigned char c;
	unsigned int d;
	int rv;

	*used = *out = 0;
	if (ch->ch_state == CS_DONE)
		return (HTTP_PARSE_OK);
	if (ch->ch_state == CS_ERROR)
		return (HTTP_PARSE_ERROR);
	if (hl == NULL)
		hl = &http_default_limits;
	rv = HTTP_PARSE_AGAIN;
	for (p = o = 0; p < len; p++) {
		if (ch->ch_state == CS_DATA) {
			n = len - p;
			if (n > ch->ch_left)
				n = (size_t)ch->ch_left;
			if (o != p)
				memmove(b + o, b + p, n);
			o += n;
			p += n;
			ch->ch_left -= n;
			if (ch->ch_left > 0)
				break;
			ch->ch_state = CS_DATA_CR;
			if (p == len)
				break;
		}
		c = b[p];
		if (ch->ch_state < CS_DATA && ++ch->ch_line > CH_LINE_MAX) {
			rv = ch_fail(ch, 400, "chunk size line too long");
			break;
		}
		if (ch->ch_state < CS_DATA && ch->ch_line > CH_LINE_FREE &&
		    ++ch->ch_extra > CH_EXTRA_MAX) {
			rv = ch_fail(ch, 413, "chunk extensions too large");
			break;
		}
		if (ch->ch_state >= CS_TRAILER &&
		    ++ch->ch_trailer_bytes > hl->hl_header_bytes) {
			rv = ch_fail(ch, 431, "trailer section too large");
			break;
		}
		switch (ch->ch_state) {
		case CS_SIZE0:
		case CS_SIZE:
			if (IS(c, C_HEX)) {
				d = HEXVAL(c);
				if (ch->ch_left >
				    ((uint64_t)INT64_MAX - d) >> 4) {
					rv = ch_fail(ch, 400,
					    "chunk size overflow");
					break;
				}
				ch->ch_left = ch->ch_left << 4 | d;
				ch->ch_state = CS_SIZE;
				break;
			}
			if (ch->ch_state == CS_SIZE0) {
				rv = ch_fail(ch, 400, "bad chunk size");
				break;
			}
			/* FALLTHROUGH */
		case CS_TOKEN:
		case CS_QEND:
			if (c == ';')
				ch->ch_state = CS_NAME0;
			else if (IS(c, C_WS))
				ch->ch_state = CS_BWS;
			else if (c == '\r')
				ch->ch_state = CS_LF;
			else if (c == '\n')
				goto line;
			else if (ch->ch_state == CS_TOKEN && IS(c, C_TCHAR))
				;
			else
				rv = ch_fail(ch, 400, ch->ch_state == CS_SIZE ?
				    "bad chunk size" : "bad chunk extension");
			break;
		case CS_BWS:
			if (c == ';')
				ch->ch_state = CS_NAME0;
			else if (!IS(c, C_WS))
				rv = ch_fail(ch, 400, "bad chunk extension");
			break;
		case CS_NAME0:
			if (IS(c, C_TCHAR))
				ch->ch_state = CS_NAME;
			else if (!IS(c, C_WS))
				rv = ch_fail(ch, 400, "bad chunk extension");
			break;
		case CS_NAME:
			if (IS(c, C_TCHAR))
				break;
			if (c == '\r') {
				ch->ch_state = CS_LF;
				break;
			}
			if (c == '\n')
				goto line;
			if (IS(c, C_WS)) {
				ch->ch_state = CS_NAME_BWS;
				break;
			}
			/* FALLTHROUGH */
		case CS_NAME_BWS:
			if (c == '=')
				ch->ch_state = CS_VAL0;
			else if (c == ';')
				ch->ch_state = CS_NAME0;
			else if (!IS(c, C_WS))
				rv = ch_fail(ch, 400, "bad chunk extension");
			break;
		case CS_VAL0:
			if (IS(c, C_TCHAR))
				ch->ch_state = CS_TOKEN;
			else if (c == '"')
				ch->ch_state = CS_QSTR;
			else if (!IS(c, C_WS))
				rv = ch_fail(ch, 400, "bad chunk extension");
			break;
		case CS_QSTR:
			if (c == '"')
				ch->ch_state = CS_QEND;
			else if (c == '\\')
				ch->ch_state = CS_QPAIR;
			else if (!IS(c, C_QDTEXT))
				rv = ch_fail(ch, 400, "bad chunk extension");
			break;
		case CS_QPAIR:
			if (IS(c, C_VALUE))
				ch->ch_state = CS_QSTR;
			else
				rv = ch_fail(ch, 400, "bad chunk extension");
			break;
		case CS_LF:
			if (c != '\n') {
				rv = ch_fail(ch, 400, "bare CR");
				break;
			}
		line:
			/* The size line is complete. */
			if (ch->ch_left > 0) {
				ch->ch_state = CS_DATA;
			} else {
				ch->ch_state = CS_TRAILER;
				ch->ch_trailer_bytes = 0;
				ch->ch_trailers = 0;
			}
			break;
		case CS_DATA_CR:
			if (c == '\r')
				ch->ch_state = CS_DATA_LF;
			else if (c == '\n')
				goto next;
			else
				rv = ch_fail(ch, 400, "no CRLF after data");
			break;
		case CS_DATA_LF:
			if (c != '\n') {
				rv = ch_fail(ch, 400, "no CRLF after data");
				break;
			}
		next:
			ch->ch_state = CS_SIZE0;
			ch->ch_line = 0;
			ch->ch_left = 0;
			break;
		case CS_TRAILER:
			if (c == '\r') {
				ch->ch_state = CS_END_LF;
			} else if (c == '\n') {
				goto done;
			} else if (!IS(c, C_TCHAR)) {
				rv = ch_fail(ch, 400, IS(c, C_WS) ?
				    "obs-fold in trailer" :
				    "bad trailer name");
			} else if (ch->ch_trailers >= hl->hl_header_count) {
				rv = ch_fail(ch, 431, "too many trailers");
			} else {
				ch->ch_trailers++;
				ch->ch_state = CS_TR_NAME;
			}
			break;
		case CS_TR_NAME:
			if (c == ':')
				ch->ch_state = CS_TR_VALUE;
			else if (!IS(c, C_TCHAR))
				rv = ch_fail(ch, 400, "bad trailer name");
			break;
		case CS_TR_VALUE:
			if (c == '\r')
				ch->ch_state = CS_TR_LF;
			else if (c == '\n')
				ch->ch_state = CS_TRAILER;
			else if (!IS(c, C_VALUE))
				rv = ch_fail(ch, 400, "bad byte in trailer");
			break;
		case CS_TR_LF:
			if (c == '\n')
				ch->ch_state = CS_TRAILER;
			else
				rv = ch_fail(ch, 400, "bare CR");
			break;
		case CS_END_LF:
			if (c != '\n') {
				rv = ch_fail(ch, 400, "bare CR");
				break;
			}
		done:
			ch->ch_state = CS_DONE;
			p++;
			rv = HTTP_PARSE_OK;
			break;
		default:
			rv = ch_fail(ch, 400, "bad decoder state");
			break;
		}
		if (rv != HTTP_PARSE_AGAIN)
			break;
	}
	*used = p;
	*out = o;
	return (rv);
}
