/*
 * http_parse_request() and http_chunked_decode(): table-driven.
 *
 * Every row is parsed whole, then again one more byte per call, then split
 * in two at every offset with the buffer moved between the calls: all
 * three must agree, byte for byte of the result, error reason included.
 */
#include <atf-c.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/http/parser.h"

#define MAXH		100
#define SUMSZ		4096

/* Strings with their length, so that rows may hold NUL bytes. */
#define IN(s)		(s), sizeof(s) - 1

/* Filler of a known length for the limit rows. */
#define A8		"aaaaaaaa"
#define A16		A8 A8
#define A32		A16 A16

/* Requests that are fine but for what the row is about. */
#define H11		" HTTP/1.1\r\nHost: h\r\n"

struct rq_case {
	const char	*c_name;
	const char	*c_in;
	size_t		 c_len;
	/*
	 * 0: HTTP_PARSE_OK and the result must read as c_want (see
	 * rq_summary()); 1: HTTP_PARSE_AGAIN; else the rq_status of an error.
	 */
	int		 c_status;
	const char	*c_want;
	const char	*c_hdrs;	/* OK: the fields, if not NULL */
	uint32_t	 c_tail;	/* bytes after the head */
	struct http_limits c_lim;	/* zeros: the defaults */
	unsigned int	 c_maxh;	/* 0: MAXH */
};

#define OK(n, s, w)		{ n, IN(s), 0, w, NULL, 0, { 0, 0, 0 }, 0 }
#define OKH(n, s, w, h)		{ n, IN(s), 0, w, h, 0, { 0, 0, 0 }, 0 }
#define OKT(n, s, w, t)		{ n, IN(s), 0, w, NULL, t, { 0, 0, 0 }, 0 }
#define OKL(n, s, w, rl, hb, hc) \
	{ n, IN(s), 0, w, NULL, 0, { rl, hb, hc }, 0 }
#define AGAIN(n, s)		{ n, IN(s), 1, NULL, NULL, 0, { 0, 0, 0 }, 0 }
#define AGAINL(n, s, rl, hb, hc) \
	{ n, IN(s), 1, NULL, NULL, 0, { rl, hb, hc }, 0 }
#define ERR(n, s, st)		{ n, IN(s), st, NULL, NULL, 0, { 0, 0, 0 }, 0 }
#define ERRL(n, s, st, rl, hb, hc) \
	{ n, IN(s), st, NULL, NULL, 0, { rl, hb, hc }, 0 }
#define ERRM(n, s, st, m)	{ n, IN(s), st, NULL, NULL, 0, { 0, 0, 0 }, m }

static const char	*esc(const char *, size_t, char *, size_t);
static void		 span_put(char *, size_t, const char *,
			    const char *, struct http_span);
static void		 rq_summary(const struct http_request *, const char *,
			    char *, size_t);
static void		 rq_headers(const struct http_request *, const char *,
			    char *, size_t);
static void		 rq_result(const struct http_request *, const char *,
			    int, char *, size_t);
static int		 rq_parse(const struct rq_case *, const char *,
			    size_t, struct http_request *);
static void		 rq_check(const struct rq_case *);
static void		 rq_table(const struct rq_case *, size_t);

/* C-style escaping of an input for messages; long ones are cut. */
static const char *
esc(const char *s, size_t n, char *buf, size_t bufsz)
{
	size_t i, o;
	unsigned char c;

	for (i = o = 0; i < n && o + 8 < bufsz; i++) {
		c = (unsigned char)s[i];
		switch (c) {
		case '\r':
			o += snprintf(buf + o, bufsz - o, "\\r");
			break;
		case '\n':
			o += snprintf(buf + o, bufsz - o, "\\n");
			break;
		case '\t':
			o += snprintf(buf + o, bufsz - o, "\\t");
			break;
		case '\\':
		case '"':
			o += snprintf(buf + o, bufsz - o, "\\%c", c);
			break;
		default:
			if (c < 0x20 || c >= 0x7f)
				o += snprintf(buf + o, bufsz - o, "\\x%02x", c);
			else
				buf[o++] = (char)c;
		}
	}
	if (i < n)
		o += snprintf(buf + o, bufsz - o, "...");
	buf[o] = '\0';
	return (buf);
}

static void
span_put(char *out, size_t outsz, const char *key, const char *buf,
    struct http_span sp)
{
	char e[1024];
	size_t o = strlen(out);

	snprintf(out + o, outsz - o, " %s=%s", key,
	    esc(buf + sp.sp_off, sp.sp_len, e, sizeof(e)));
}

/*
 * "METHOD FORM 1.MINOR FLAGS t=TARGET p=PATH q=QUERY h=HOST cl=N n=N"
 * FORM: o origin, a absolute, c authority (CONNECT), * asterisk.
 * FLAGS: C close, K keep-alive, T chunked, L length, E 100-continue,
 * H Host present, in that order; "-" for none.
 */
static void
rq_summary(const struct http_request *rq, const char *buf, char *out,
    size_t outsz)
{
	static const char forms[] = "oac*";
	char fl[8];
	size_t o, n = 0;

	if (rq->rq_flags & HTTP_RQ_CLOSE)
		fl[n++] = 'C';
	if (rq->rq_flags & HTTP_RQ_KEEPALIVE)
		fl[n++] = 'K';
	if (rq->rq_flags & HTTP_RQ_CHUNKED)
		fl[n++] = 'T';
	if (rq->rq_flags & HTTP_RQ_LENGTH)
		fl[n++] = 'L';
	if (rq->rq_flags & HTTP_RQ_CONTINUE)
		fl[n++] = 'E';
	if (rq->rq_flags & HTTP_RQ_HOST)
		fl[n++] = 'H';
	if (n == 0)
		fl[n++] = '-';
	fl[n] = '\0';
	snprintf(out, outsz, "%s %c %u.%u %s",
	    http_method_name(rq->rq_method) ? http_method_name(rq->rq_method) :
	    "?", rq->rq_form < 4 ? forms[rq->rq_form] : '!', rq->rq_major,
	    rq->rq_minor, fl);
	span_put(out, outsz, "t", buf, rq->rq_target);
	span_put(out, outsz, "p", buf, rq->rq_path);
	span_put(out, outsz, "q", buf, rq->rq_query);
	span_put(out, outsz, "h", buf, rq->rq_host);
	o = strlen(out);
	snprintf(out + o, outsz - o, " cl=%" PRIu64 " n=%u",
	    rq->rq_content_length, rq->rq_nheaders);
}

/* "Name:value|Name:value" */
static void
rq_headers(const struct http_request *rq, const char *buf, char *out,
    size_t outsz)
{
	const struct http_header *h;
	char e1[256], e2[1024];
	size_t o = 0;
	unsigned int i;

	out[0] = '\0';
	for (i = 0; i < rq->rq_nheaders && o < outsz; i++) {
		h = &rq->rq_headers[i];
		o += snprintf(out + o, outsz - o, "%s%s:%s", i ? "|" : "",
		    esc(buf + h->hh_name.sp_off, h->hh_name.sp_len, e1,
		    sizeof(e1)),
		    esc(buf + h->hh_value.sp_off, h->hh_value.sp_len, e2,
		    sizeof(e2)));
	}
}

/* Everything the parser reports, to compare one way of feeding another. */
static void
rq_result(const struct http_request *rq, const char *buf, int rc,
    char *out, size_t outsz)
{
	char s[SUMSZ], h[SUMSZ];
	size_t o;
	unsigned int i;

	if (rc == HTTP_PARSE_AGAIN) {
		snprintf(out, outsz, "again");
		return;
	}
	if (rc == HTTP_PARSE_ERROR) {
		snprintf(out, outsz, "error %u (%s)", rq->rq_status,
		    rq->rq_error ? rq->rq_error : "NULL");
		return;
	}
	rq_summary(rq, buf, s, sizeof(s));
	rq_headers(rq, buf, h, sizeof(h));
	o = (size_t)snprintf(out, outsz, "ok %s m=%u+%u hl=%u [%s] ids", s,
	    rq->rq_method_span.sp_off, rq->rq_method_span.sp_len,
	    rq->rq_head_len, h);
	for (i = 0; i < rq->rq_nheaders && o < outsz; i++)
		o += snprintf(out + o, outsz - o, " %u",
		    rq->rq_headers[i].hh_id);
	for (i = 0; i < HTTP_H__COUNT && o < outsz; i++)
		o += snprintf(out + o, outsz - o, "%s%d", i ? "," : " idx ",
		    rq->rq_hdr_index[i]);
}

/* Parse the first len bytes of in, whole, from a buffer of that size. */
static int
rq_parse(const struct rq_case *c, const char *in, size_t len,
    struct http_request *rq)
{
	struct http_limits lim;
	char *buf;
	int rc;

	lim.hl_request_line = c->c_lim.hl_request_line ?
	    c->c_lim.hl_request_line : HTTP_DEFAULT_REQUEST_LINE;
	lim.hl_header_bytes = c->c_lim.hl_header_bytes ?
	    c->c_lim.hl_header_bytes : HTTP_DEFAULT_HEADER_BYTES;
	lim.hl_header_count = c->c_lim.hl_header_count ?
	    c->c_lim.hl_header_count : HTTP_DEFAULT_HEADER_COUNT;
	/* Exactly len bytes: ASan sees any read past the end. */
	ATF_REQUIRE((buf = malloc(len ? len : 1)) != NULL);
	memcpy(buf, in, len);
	rc = http_parse_request(rq, buf, len, &lim);
	free(buf);
	return (rc);
}

static void
rq_check(const struct rq_case *c)
{
	struct http_header hdrs[MAXH], hdrs2[MAXH];
	struct http_request rq, rq2;
	struct http_limits lim;
	char e[2048], want[SUMSZ], got[SUMSZ], s[SUMSZ], *b1, *b2;
	unsigned int maxh = c->c_maxh ? c->c_maxh : MAXH;
	size_t k, cut;
	int rc, rc2;

	esc(c->c_in, c->c_len, e, sizeof(e));
	lim.hl_request_line = c->c_lim.hl_request_line ?
	    c->c_lim.hl_request_line : HTTP_DEFAULT_REQUEST_LINE;
	lim.hl_header_bytes = c->c_lim.hl_header_bytes ?
	    c->c_lim.hl_header_bytes : HTTP_DEFAULT_HEADER_BYTES;
	lim.hl_header_count = c->c_lim.hl_header_count ?
	    c->c_lim.hl_header_count : HTTP_DEFAULT_HEADER_COUNT;

	/* Whole. */
	http_request_init(&rq, hdrs, maxh);
	rc = rq_parse(c, c->c_in, c->c_len, &rq);
	if (c->c_status == 0) {
		ATF_CHECK_MSG(rc == HTTP_PARSE_OK,
		    "%s: \"%s\": rc %d (status %u, %s), want OK", c->c_name, e,
		    rc, rq.rq_status, rq.rq_error ? rq.rq_error : "");
		if (rc != HTTP_PARSE_OK)
			return;
		rq_summary(&rq, c->c_in, s, sizeof(s));
		ATF_CHECK_MSG(strcmp(s, c->c_want) == 0,
		    "%s: \"%s\":\n got  \"%s\"\n want \"%s\"", c->c_name, e, s,
		    c->c_want);
		ATF_CHECK_MSG(rq.rq_head_len == c->c_len - c->c_tail,
		    "%s: \"%s\": rq_head_len %u, want %zu", c->c_name, e,
		    rq.rq_head_len, c->c_len - c->c_tail);
		if (c->c_hdrs != NULL) {
			rq_headers(&rq, c->c_in, s, sizeof(s));
			ATF_CHECK_MSG(strcmp(s, c->c_hdrs) == 0,
			    "%s: \"%s\":\n fields \"%s\"\n want   \"%s\"",
			    c->c_name, e, s, c->c_hdrs);
		}
	} else if (c->c_status == 1) {
		ATF_CHECK_MSG(rc == HTTP_PARSE_AGAIN,
		    "%s: \"%s\": rc %d (status %u, %s), want AGAIN", c->c_name,
		    e, rc, rq.rq_status, rq.rq_error ? rq.rq_error : "");
	} else {
		ATF_CHECK_MSG(rc == HTTP_PARSE_ERROR &&
		    rq.rq_status == c->c_status,
		    "%s: \"%s\": rc %d status %u (%s), want error %d",
		    c->c_name, e, rc, rq.rq_status,
		    rq.rq_error ? rq.rq_error : "", c->c_status);
		ATF_CHECK_MSG(rc != HTTP_PARSE_ERROR || rq.rq_error != NULL,
		    "%s: no rq_error", c->c_name);
	}
	rq_result(&rq, c->c_in, rc, want, sizeof(want));

	/* One more byte per call, same buffer. */
	ATF_REQUIRE((b1 = malloc(c->c_len + 1)) != NULL);
	memcpy(b1, c->c_in, c->c_len);
	http_request_init(&rq2, hdrs2, maxh);
	rc2 = HTTP_PARSE_AGAIN;
	for (k = 0; k <= c->c_len && rc2 == HTTP_PARSE_AGAIN; k++)
		rc2 = http_parse_request(&rq2, b1, k, &lim);
	rq_result(&rq2, b1, rc2, got, sizeof(got));
	ATF_CHECK_MSG(strcmp(got, want) == 0,
	    "%s: \"%s\": byte at a time:\n got  \"%s\"\n want \"%s\"",
	    c->c_name, e, got, want);

	/* Two calls, the buffer moved in between. */
	for (cut = 1; cut < c->c_len; cut++) {
		memcpy(b1, c->c_in, cut);
		http_request_init(&rq2, hdrs2, maxh);
		rc2 = http_parse_request(&rq2, b1, cut, &lim);
		ATF_REQUIRE((b2 = malloc(c->c_len)) != NULL);
		memcpy(b2, c->c_in, c->c_len);
		if (rc2 == HTTP_PARSE_AGAIN)
			rc2 = http_parse_request(&rq2, b2, c->c_len, &lim);
		rq_result(&rq2, b2, rc2, got, sizeof(got));
		free(b2);
		if (strcmp(got, want) != 0) {
			ATF_CHECK_MSG(0, "%s: \"%s\": split at %zu:\n"
			    " got  \"%s\"\n want \"%s\"", c->c_name, e, cut,
			    got, want);
			break;
		}
	}
	free(b1);
}

static void
rq_table(const struct rq_case *t, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		rq_check(&t[i]);
}

#define TABLE(t)	rq_table((t), sizeof(t) / sizeof((t)[0]))

/* ---- request line ---------------------------------------------------- */

static const struct rq_case request_line_cases[] = {
	OK("get", "GET /" H11 "\r\n",
	    "GET o 1.1 H t=/ p=/ q= h=h cl=0 n=1"),
	OK("head", "HEAD /x" H11 "\r\n",
	    "HEAD o 1.1 H t=/x p=/x q= h=h cl=0 n=1"),
	OKT("post", "POST /f" H11 "Content-Length: 3\r\n\r\nabc",
	    "POST o 1.1 LH t=/f p=/f q= h=h cl=3 n=2", 3),
	OK("put", "PUT /f" H11 "Content-Length: 0\r\n\r\n",
	    "PUT o 1.1 LH t=/f p=/f q= h=h cl=0 n=2"),
	OK("delete", "DELETE /f" H11 "\r\n",
	    "DELETE o 1.1 H t=/f p=/f q= h=h cl=0 n=1"),
	OK("options", "OPTIONS /" H11 "\r\n",
	    "OPTIONS o 1.1 H t=/ p=/ q= h=h cl=0 n=1"),
	OK("trace", "TRACE /" H11 "\r\n",
	    "TRACE o 1.1 H t=/ p=/ q= h=h cl=0 n=1"),
	OK("patch", "PATCH /p" H11 "\r\n",
	    "PATCH o 1.1 H t=/p p=/p q= h=h cl=0 n=1"),
	OK("connect", "CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n",
	    "CONNECT c 1.1 H t=h:443 p= q= h=h:443 cl=0 n=1"),
	OK("http10", "GET / HTTP/1.0\r\n\r\n",
	    "GET o 1.0 C t=/ p=/ q= h= cl=0 n=0"),
	OK("http12_reads_as_11", "GET / HTTP/1.2\r\nHost: h\r\n\r\n",
	    "GET o 1.1 H t=/ p=/ q= h=h cl=0 n=1"),
	OK("http19_reads_as_11", "GET / HTTP/1.9\r\nHost: h\r\n\r\n",
	    "GET o 1.1 H t=/ p=/ q= h=h cl=0 n=1"),
	ERR("method_lower_case", "get /" H11 "\r\n", 501),
	ERR("method_unknown", "FOO /" H11 "\r\n", 501),
	ERR("method_webdav", "PROPFIND /" H11 "\r\n", 501),
	ERR("method_not_token", "G@T /" H11 "\r\n", 400),
	ERR("method_nul", "G\0T /" H11 "\r\n", 400),
	ERR("method_high_byte", "G\xc3\x89T /" H11 "\r\n", 400),
	ERR("method_missing", " / HTTP/1.1\r\nHost: h\r\n\r\n", 400),
	ERR("method_alone", "GET\r\n\r\n", 400),
	ERR("two_spaces_after_method", "GET  /" H11 "\r\n", 400),
	ERR("two_spaces_before_version", "GET / " H11 "\r\n", 400),
	ERR("tab_after_method", "GET\t/" H11 "\r\n", 400),
	ERR("tab_before_version", "GET /\tHTTP/1.1\r\nHost: h\r\n\r\n", 400),
	ERR("no_version", "GET /\r\nHost: h\r\n\r\n", 400),
	ERR("no_version_bare_lf", "GET /\n\n", 400),
	ERR("empty_version", "GET / \r\nHost: h\r\n\r\n", 400),
	ERR("trailing_space", "GET / HTTP/1.1 \r\nHost: h\r\n\r\n", 400),
	ERR("version_lower_case", "GET / http/1.1\r\nHost: h\r\n\r\n", 400),
	ERR("version_two_digit_minor", "GET / HTTP/1.10\r\nHost: h\r\n\r\n",
	    400),
	ERR("version_no_dot", "GET / HTTP/11\r\nHost: h\r\n\r\n", 400),
	ERR("version_short", "GET / HTTP/1.\r\nHost: h\r\n\r\n", 400),
	ERR("version_letter", "GET / HTTP/a.1\r\nHost: h\r\n\r\n", 400),
	ERR("version_2", "GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505),
	ERR("version_09", "GET / HTTP/0.9\r\nHost: h\r\n\r\n", 505),
	ERR("version_3", "GET / HTTP/3.1\r\nHost: h\r\n\r\n", 505),
	ERR("version_before_method", "FOO / HTTP/2.0\r\n\r\n", 505),
	ERR("bare_cr_in_request_line", "GET / HTTP/1.1\rX\r\n\r\n", 400),
	ERR("bare_cr_after_version", "GET / HTTP/1.1\r\r\n\r\n", 400),
	AGAIN("incomplete_request_line", "GET /index.html HTTP/1."),
	AGAIN("incomplete_head", "GET /" H11),
	AGAIN("nothing", ""),
};

/* ---- line endings and empty lines ------------------------------------ */

static const struct rq_case line_end_cases[] = {
	OK("leading_crlf", "\r\nGET /" H11 "\r\n",
	    "GET o 1.1 H t=/ p=/ q= h=h cl=0 n=1"),
	OK("leading_lf_lf", "\n\nGET /" H11 "\r\n",
	    "GET o 1.1 H t=/ p=/ q= h=h cl=0 n=1"),
	OK("leading_mixed", "\r\n\n\r\nGET /" H11 "\r\n",
	    "GET o 1.1 H t=/ p=/ q= h=h cl=0 n=1"),
	ERR("leading_bare_cr", "\r\r\nGET /" H11 "\r\n", 400),
	ERR("leading_space_line", " \r\nGET /" H11 "\r\n", 400),
	OK("bare_lf_everywhere", "GET / HTTP/1.1\nHost: h\n\n",
	    "GET o 1.1 H t=/ p=/ q= h=h cl=0 n=1"),
	OK("bare_lf_mixed", "GET / HTTP/1.1\r\nHost: h\nX: y\r\n\n",
	    "GET o 1.1 H t=/ p=/ q= h=h cl=0 n=2"),
	OKH("bare_lf_value_end", "GET / HTTP/1.1\nHost: h\nX: a b \n\n",
	    "GET o 1.1 H t=/ p=/ q= h=h cl=0 n=2", "Host:h|X:a b"),
	ERR("bare_cr_end_of_head", "GET /" H11 "\rX", 400),
	ERR("bare_cr_cr_lf_end", "GET /" H11 "\r\r\n", 400),
	ERR("cr_cr_lf_field", "GET /" H11 "X: a\r\r\n\r\n", 400),
	OKT("body_left_alone", "POST /" H11 "Content-Length: 4\r\n\r\n"
	    "\r\n\r\n", "POST o 1.1 LH t=/ p=/ q= h=h cl=4 n=2", 4),
};

/* ---- request-target -------------------------------------------------- */

static const struct rq_case target_cases[] = {
	OK("query", "GET /a/b?x=1&y=2" H11 "\r\n",
	    "GET o 1.1 H t=/a/b?x=1&y=2 p=/a/b q=x=1&y=2 h=h cl=0 n=1"),
	OK("query_second_question_mark", "GET /a?b?c" H11 "\r\n",
	    "GET o 1.1 H t=/a?b?c p=/a q=b?c h=h cl=0 n=1"),
	OK("query_empty", "GET /a?" H11 "\r\n",
	    "GET o 1.1 H t=/a? p=/a q= h=h cl=0 n=1"),
	OK("double_slash_path", "GET //a" H11 "\r\n",
	    "GET o 1.1 H t=//a p=//a q= h=h cl=0 n=1"),
	OK("escapes", "GET /a%20b%2F%c3%A9" H11 "\r\n",
	    "GET o 1.1 H t=/a%20b%2F%c3%A9 p=/a%20b%2F%c3%A9 q= h=h cl=0 n=1"),
	OK("printable_odd_bytes", "GET /a\"b|c{d}<e>^`\\" H11 "\r\n",
	    "GET o 1.1 H t=/a\\\"b|c{d}<e>^`\\\\ p=/a\\\"b|c{d}<e>^`\\\\ q= "
	    "h=h cl=0 n=1"),
	ERR("escape_short", "GET /a%2" H11 "\r\n", 400),
	ERR("escape_not_hex", "GET /a%zz" H11 "\r\n", 400),
	ERR("escape_half_hex", "GET /a%2g" H11 "\r\n", 400),
	ERR("escape_alone", "GET /%" H11 "\r\n", 400),
	/* The query is not decoded: its '%' goes on as sent. */
	OK("escape_in_query", "GET /?a=%4" H11 "\r\n",
	    "GET o 1.1 H t=/?a=%4 p=/ q=a=%4 h=h cl=0 n=1"),
	OK("escape_in_query_bare", "GET /a?q=100%&e=%u00e9&p=%" H11 "\r\n",
	    "GET o 1.1 H t=/a?q=100%&e=%u00e9&p=% p=/a q=q=100%&e=%u00e9&p=% "
	    "h=h cl=0 n=1"),
	ERR("escape_before_query", "GET /a%?q=%41" H11 "\r\n", 400),
	ERR("escape_absolute_path", "GET http://h/a%g?q HTTP/1.1\r\n"
	    "Host: h\r\n\r\n", 400),
	ERR("fragment", "GET /a#b" H11 "\r\n", 400),
	ERR("byte_80", "GET /\x80" H11 "\r\n", 400),
	ERR("byte_ff", "GET /a\xff" H11 "\r\n", 400),
	ERR("byte_del", "GET /a\x7f" H11 "\r\n", 400),
	ERR("byte_control", "GET /a\x01" H11 "\r\n", 400),
	ERR("byte_nul", "GET /a\0b" H11 "\r\n", 400),
	ERR("byte_tab", "GET /a\tb" H11 "\r\n", 400),
	ERR("relative", "GET a/b" H11 "\r\n", 400),
	OK("absolute", "GET http://example.com/p?q HTTP/1.1\r\nHost: other\r\n"
	    "\r\n", "GET a 1.1 H t=http://example.com/p?q p=/p q=q "
	    "h=example.com cl=0 n=1"),
	OK("absolute_https_port", "GET https://ex.com:8443/ HTTP/1.1\r\n"
	    "Host: ex.com:8443\r\n\r\n", "GET a 1.1 H t=https://ex.com:8443/ "
	    "p=/ q= h=ex.com:8443 cl=0 n=1"),
	OK("absolute_scheme_case", "GET HtTp://ex.com/a HTTP/1.1\r\n"
	    "Host: ex.com\r\n\r\n", "GET a 1.1 H t=HtTp://ex.com/a p=/a q= "
	    "h=ex.com cl=0 n=1"),
	OK("absolute_empty_path", "GET http://ex.com HTTP/1.1\r\n"
	    "Host: ex.com\r\n\r\n",
	    "GET a 1.1 H t=http://ex.com p= q= h=ex.com cl=0 n=1"),
	OK("absolute_empty_path_query", "GET http://ex.com?x HTTP/1.1\r\n"
	    "Host: ex.com\r\n\r\n",
	    "GET a 1.1 H t=http://ex.com?x p= q=x h=ex.com cl=0 n=1"),
	OK("absolute_ipv6", "GET http://[::1]:80/ HTTP/1.1\r\n"
	    "Host: [::1]:80\r\n\r\n",
	    "GET a 1.1 H t=http://[::1]:80/ p=/ q= h=[::1]:80 cl=0 n=1"),
	OK("absolute_http10_no_host", "GET http://ex.com/ HTTP/1.0\r\n\r\n",
	    "GET a 1.0 C t=http://ex.com/ p=/ q= h=ex.com cl=0 n=0"),
	ERR("absolute_no_host_field", "GET http://ex.com/ HTTP/1.1\r\n\r\n",
	    400),
	ERR("absolute_bad_ipv6", "GET http://[::g]/" H11 "\r\n", 400),
	ERR("absolute_unclosed_ipv6", "GET http://[::1/" H11 "\r\n", 400),
	ERR("absolute_userinfo", "GET http://u@ex.com/" H11 "\r\n", 400),
	ERR("absolute_empty_host", "GET http:///p" H11 "\r\n", 400),
	ERR("absolute_port_only", "GET http://:80/" H11 "\r\n", 400),
	ERR("absolute_bad_port", "GET http://ex.com:8x/" H11 "\r\n", 400),
	ERR("absolute_other_scheme", "GET ftp://ex.com/" H11 "\r\n", 400),
	ERR("absolute_no_slashes", "GET http:ex.com" H11 "\r\n", 400),
	ERR("authority_form_get", "GET ex.com:80" H11 "\r\n", 400),
	ERR("connect_origin_form", "CONNECT /" H11 "\r\n", 400),
	ERR("connect_no_port", "CONNECT ex.com" H11 "\r\n", 400),
	ERR("connect_empty_port", "CONNECT ex.com:" H11 "\r\n", 400),
	ERR("connect_no_host", "CONNECT :443" H11 "\r\n", 400),
	ERR("connect_absolute", "CONNECT http://ex.com:443/" H11 "\r\n", 400),
	OK("connect_ipv6", "CONNECT [2001:db8::1]:443 HTTP/1.1\r\n"
	    "Host: [2001:db8::1]:443\r\n\r\n", "CONNECT c 1.1 H "
	    "t=[2001:db8::1]:443 p= q= h=[2001:db8::1]:443 cl=0 n=1"),
	OK("asterisk", "OPTIONS *" H11 "\r\n",
	    "OPTIONS * 1.1 H t=* p= q= h=h cl=0 n=1"),
	ERR("asterisk_get", "GET *" H11 "\r\n", 400),
	ERR("asterisk_with_more", "OPTIONS *x" H11 "\r\n", 400),
	ERR("asterisk_unknown_method", "FOO *" H11 "\r\n", 501),
};

/* ---- field lines ----------------------------------------------------- */

static const struct rq_case field_cases[] = {
	OKH("value_trimmed", "GET /" H11 "X-A:   v  \r\n\r\n",
	    "GET o 1.1 H t=/ p=/ q= h=h cl=0 n=2", "Host:h|X-A:v"),
	OKH("value_tabs_trimmed", "GET /" H11 "X-A:\t\tv\t \t\r\n\r\n",
	    "GET o 1.1 H t=/ p=/ q= h=h cl=0 n=2", "Host:h|X-A:v"),
	OKH("value_empty", "GET /" H11 "X-A:\r\n\r\n",
	    "GET o 1.1 H t=/ p=/ q= h=h cl=0 n=2", "Host:h|X-A:"),
	OKH("value_only_spaces", "GET /" H11 "X-A:   \r\n\r\n",
	    "GET o 1.1 H t=/ p=/ q= h=h cl=0 n=2", "Host:h|X-A:"),
	OKH("value_inner_space", "GET /" H11 "X-A: a \t b\r\n\r\n",
	    "GET o 1.1 H t=/ p=/ q= h=h cl=0 n=2", "Host:h|X-A:a \\t b"),
	OKH("value_obs_text", "GET /" H11 "X-A: caf\xc3\xa9\r\n\r\n",
	    "GET o 1.1 H t=/ p=/ q= h=h cl=0 n=2",
	    "Host:h|X-A:caf\\xc3\\xa9"),
	OKH("value_quotes", "GET /" H11 "X-A: \"a\\\"b\", c\r\n\r\n",
	    "GET o 1.1 H t=/ p=/ q= h=h cl=0 n=2",
	    "Host:h|X-A:\\\"a\\\\\\\"b\\\", c"),
	OKH("value_long", "GET /" H11 "X-A: " A32 " " A32 "\r\n\r\n",
	    "GET o 1.1 H t=/ p=/ q= h=h cl=0 n=2",
	    "Host:h|X-A:" A32 " " A32),
	OKH("name_all_tchars", "GET /" H11 "X-!#$%&'*+.^_`|~09: v\r\n\r\n",
	    "GET o 1.1 H t=/ p=/ q= h=h cl=0 n=2",
	    "Host:h|X-!#$%&'*+.^_`|~09:v"),
	OKH("no_space_after_colon", "GET /" H11 "X:y\r\n\r\n",
	    "GET o 1.1 H t=/ p=/ q= h=h cl=0 n=2", "Host:h|X:y"),
	OKH("colon_in_value", "GET /" H11 "X: a:b::\r\n\r\n",
	    "GET o 1.1 H t=/ p=/ q= h=h cl=0 n=2", "Host:h|X:a:b::"),
	ERR("obs_fold", "GET /" H11 "X-A: a\r\n b\r\n\r\n", 400),
	ERR("obs_fold_tab", "GET /" H11 "X-A: a\r\n\tb\r\n\r\n", 400),
	ERR("space_before_first_field", "GET / HTTP/1.1\r\n Host: h\r\n\r\n",
	    400),
	ERR("space_before_colon", "GET / HTTP/1.1\r\nHost : h\r\n\r\n", 400),
	ERR("tab_before_colon", "GET /" H11 "X-A\t: a\r\n\r\n", 400),
	ERR("no_colon", "GET /" H11 "X-A a\r\n\r\n", 400),
	ERR("no_colon_bare_lf", "GET /" H11 "X-A\n\n", 400),
	ERR("empty_name", "GET /" H11 ": a\r\n\r\n", 400),
	ERR("name_bad_char", "GET /" H11 "X(A): a\r\n\r\n", 400),
	ERR("name_high_byte", "GET /" H11 "X\xc3\xa9: a\r\n\r\n", 400),
	ERR("name_nul", "GET /" H11 "X\0: a\r\n\r\n", 400),
	ERR("value_nul", "GET /" H11 "X: a\0b\r\n\r\n", 400),
	ERR("value_bare_cr", "GET /" H11 "X: a\rb\r\n\r\n", 400),
	ERR("value_control", "GET /" H11 "X: a\x01" "b\r\n\r\n", 400),
	ERR("value_escape_char", "GET /" H11 "X: a\x1b" "b\r\n\r\n", 400),
	ERR("value_del", "GET /" H11 "X: a\x7f" "b\r\n\r\n", 400),
	ERR("value_vertical_tab", "GET /" H11 "X: a\x0b" "b\r\n\r\n", 400),
	ERR("value_form_feed", "GET /" H11 "X: a\x0c" "b\r\n\r\n", 400),
	ERR("value_nul_after_long_run", "GET /" H11 "X: " A32 "\0\r\n\r\n",
	    400),
};

/* ---- Host ------------------------------------------------------------ */

static const struct rq_case host_cases[] = {
	ERR("missing", "GET / HTTP/1.1\r\n\r\n", 400),
	ERR("missing_other_fields", "GET / HTTP/1.1\r\nX: y\r\n\r\n", 400),
	ERR("twice", "GET /" H11 "Host: h\r\n\r\n", 400),
	ERR("twice_case", "GET / HTTP/1.1\r\nhost: a\r\nHOST: a\r\n\r\n",
	    400),
	ERR("twice_http10", "GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n",
	    400),
	/* An http URI with an empty host is invalid (RFC 9110 §4.2.1). */
	ERR("empty", "GET / HTTP/1.1\r\nHost:\r\n\r\n", 400),
	ERR("empty_with_port", "GET / HTTP/1.1\r\nHost: :80\r\n\r\n", 400),
	ERR("empty_http10", "GET / HTTP/1.0\r\nHost:\r\n\r\n", 400),
	ERR("empty_asterisk", "OPTIONS * HTTP/1.1\r\nHost:\r\n\r\n", 400),
	/* The absolute form's authority is used; the field is ignored. */
	OK("empty_absolute_form", "GET http://a/ HTTP/1.1\r\nHost:\r\n\r\n",
	    "GET a 1.1 H t=http://a/ p=/ q= h=a cl=0 n=1"),
	OK("port", "GET / HTTP/1.1\r\nHost: ex.com:8080\r\n\r\n",
	    "GET o 1.1 H t=/ p=/ q= h=ex.com:8080 cl=0 n=1"),
	OK("empty_port", "GET / HTTP/1.1\r\nHost: ex.com:\r\n\r\n",
	    "GET o 1.1 H t=/ p=/ q= h=ex.com: cl=0 n=1"),
	OK("ipv4", "GET / HTTP/1.1\r\nHost: 10.0.0.1\r\n\r\n",
	    "GET o 1.1 H t=/ p=/ q= h=10.0.0.1 cl=0 n=1"),
	OK("ipv6", "GET / HTTP/1.1\r\nHost: [2001:db8::1]:443\r\n\r\n",
	    "GET o 1.1 H t=/ p=/ q= h=[2001:db8::1]:443 cl=0 n=1"),
	OK("case_kept", "GET / HTTP/1.1\r\nHOST: Ex.COM\r\n\r\n",
	    "GET o 1.1 H t=/ p=/ q= h=Ex.COM cl=0 n=1"),
	OK("trimmed", "GET / HTTP/1.1\r\nHost: \t h \t\r\n\r\n",
	    "GET o 1.1 H t=/ p=/ q= h=h cl=0 n=1"),
	OK("escape", "GET / HTTP/1.1\r\nHost: a%41\r\n\r\n",
	    "GET o 1.1 H t=/ p=/ q= h=a%41 cl=0 n=1"),
	OK("sub_delims", "GET / HTTP/1.1\r\nHost: a-b_c~d!$&'()*+,;=\r\n\r\n",
	    "GET o 1.1 H t=/ p=/ q= h=a-b_c~d!$&'()*+,;= cl=0 n=1"),
	OK("http10_with_host", "GET / HTTP/1.0\r\nHost: h\r\n\r\n",
	    "GET o 1.0 CH t=/ p=/ q= h=h cl=0 n=1"),
	OK("absolute_form_wins", "GET http://a/ HTTP/1.1\r\nHost: b\r\n\r\n",
	    "GET a 1.1 H t=http://a/ p=/ q= h=a cl=0 n=1"),
	ERR("bad_escape", "GET / HTTP/1.1\r\nHost: a%4\r\n\r\n", 400),
	ERR("ipv6_unclosed", "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", 400),
	ERR("ipv6_bad", "GET / HTTP/1.1\r\nHost: [::x]\r\n\r\n", 400),
	ERR("ipv6_bare", "GET / HTTP/1.1\r\nHost: ::1\r\n\r\n", 400),
	ERR("ipv6_junk_after", "GET / HTTP/1.1\r\nHost: [::1]x\r\n\r\n", 400),
	ERR("space_inside", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400),
	ERR("userinfo", "GET / HTTP/1.1\r\nHost: u@h\r\n\r\n", 400),
	ERR("port_not_digits", "GET / HTTP/1.1\r\nHost: a:b\r\n\r\n", 400),
	ERR("two_ports", "GET / HTTP/1.1\r\nHost: a:1:2\r\n\r\n", 400),
	ERR("obs_text", "GET / HTTP/1.1\r\nHost: caf\xc3\xa9\r\n\r\n", 400),
	ERR("slash", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400),
	/* Empty labels: nothing is left of "." once its dot goes. */
	ERR("dot", "GET / HTTP/1.1\r\nHost: .\r\n\r\n", 400),
	ERR("dot_port", "GET / HTTP/1.1\r\nHost: .:80\r\n\r\n", 400),
	ERR("dots", "GET / HTTP/1.1\r\nHost: ..\r\n\r\n", 400),
	ERR("two_trailing_dots", "GET / HTTP/1.1\r\nHost: a.test..\r\n\r\n",
	    400),
	ERR("empty_label", "GET / HTTP/1.1\r\nHost: a..test\r\n\r\n", 400),
	ERR("absolute_dot", "GET http://./ HTTP/1.1\r\nHost: a\r\n\r\n", 400),
	OK("trailing_dot", "GET / HTTP/1.1\r\nHost: a.test.\r\n\r\n",
	    "GET o 1.1 H t=/ p=/ q= h=a.test. cl=0 n=1"),
	ERR("bad_absolute_host_field",
	    "GET http://a/ HTTP/1.1\r\nHost: a b\r\n\r\n", 400),
};

/* ---- Content-Length -------------------------------------------------- */

#define CL(v)	"POST /" H11 "Content-Length:" v "\r\n\r\n"

static const struct rq_case length_cases[] = {
	OK("zero", CL(" 0"), "POST o 1.1 LH t=/ p=/ q= h=h cl=0 n=2"),
	OKT("with_body", CL(" 5") "hello",
	    "POST o 1.1 LH t=/ p=/ q= h=h cl=5 n=2", 5),
	OK("leading_zeros", CL(" 007"),
	    "POST o 1.1 LH t=/ p=/ q= h=h cl=7 n=2"),
	OK("trimmed_tabs", CL("\t5\t"),
	    "POST o 1.1 LH t=/ p=/ q= h=h cl=5 n=2"),
	OK("list_same", CL(" 5, 5"), "POST o 1.1 LH t=/ p=/ q= h=h cl=5 n=2"),
	OK("list_same_no_ows", CL("5,5,5"),
	    "POST o 1.1 LH t=/ p=/ q= h=h cl=5 n=2"),
	OK("list_same_numbers", CL(" 5, 05"),
	    "POST o 1.1 LH t=/ p=/ q= h=h cl=5 n=2"),
	OK("repeated_same", "POST /" H11 "Content-Length: 5\r\n"
	    "content-length: 5\r\n\r\n",
	    "POST o 1.1 LH t=/ p=/ q= h=h cl=5 n=3"),
	OK("max", CL(" 9223372036854775807"),
	    "POST o 1.1 LH t=/ p=/ q= h=h cl=9223372036854775807 n=2"),
	OK("http10", "POST / HTTP/1.0\r\nContent-Length: 2\r\n\r\n",
	    "POST o 1.0 CL t=/ p=/ q= h= cl=2 n=1"),
	ERR("list_differing", CL(" 5, 6"), 400),
	ERR("repeated_differing", "POST /" H11 "Content-Length: 5\r\n"
	    "Content-Length: 6\r\n\r\n", 400),
	ERR("negative", CL(" -1"), 400),
	ERR("plus", CL(" +1"), 400),
	ERR("hex", CL(" 0x10"), 400),
	ERR("letters", CL(" 5a"), 400),
	ERR("inner_space", CL(" 1 2"), 400),
	ERR("empty", CL(""), 400),
	ERR("empty_element", CL(" 5,,5"), 400),
	ERR("trailing_comma", CL(" 5,"), 400),
	ERR("leading_comma", CL(" ,5"), 400),
	ERR("overflow_63_bits", CL(" 9223372036854775808"), 400),
	ERR("overflow_64_bits", CL(" 18446744073709551616"), 400),
	ERR("overflow_long", CL(" 99999999999999999999999"), 400),
	ERR("decimal_point", CL(" 5.0"), 400),
};

/* ---- Transfer-Encoding ----------------------------------------------- */

#define TE(v)	"POST /" H11 "Transfer-Encoding:" v "\r\n\r\n"

static const struct rq_case te_cases[] = {
	OK("chunked", TE(" chunked"),
	    "POST o 1.1 TH t=/ p=/ q= h=h cl=0 n=2"),
	OK("chunked_case", TE(" ChUnKeD"),
	    "POST o 1.1 TH t=/ p=/ q= h=h cl=0 n=2"),
	OK("chunked_trimmed", TE("  chunked \t"),
	    "POST o 1.1 TH t=/ p=/ q= h=h cl=0 n=2"),
	ERR("gzip_then_chunked", TE(" gzip, chunked"), 501),
	ERR("gzip_then_chunked_ows", TE(" gzip ,\tchunked"), 501),
	ERR("gzip_params_then_chunked", TE(" gzip;level=9, chunked"), 501),
	ERR("gzip_quoted_param", TE(" gzip; x = \"a,\\\"b\" , chunked"), 501),
	ERR("two_fields_gzip_chunked", "POST /" H11 "Transfer-Encoding: gzip"
	    "\r\nTransfer-Encoding: chunked\r\n\r\n", 501),
	ERR("gzip_only", TE(" gzip"), 400),
	ERR("identity", TE(" identity"), 400),
	ERR("chunked_then_gzip", TE(" chunked, gzip"), 400),
	ERR("chunked_twice", TE(" chunked, chunked"), 400),
	ERR("chunked_twice_fields", "POST /" H11 "Transfer-Encoding: chunked"
	    "\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
	ERR("chunked_then_gzip_fields", "POST /" H11 "Transfer-Encoding: "
	    "chunked\r\nTransfer-Encoding: gzip\r\n\r\n", 400),
	ERR("empty_elements", TE(" chunked,,"), 400),
	ERR("empty_element_first", TE(" ,chunked"), 400),
	ERR("empty_element_middle", TE(" gzip,,chunked"), 400),
	ERR("trailing_comma", TE(" chunked ,"), 400),
	ERR("empty", TE(""), 400),
	ERR("not_token", TE(" chu nked"), 400),
	ERR("chunked_with_param", TE(" chunked;q=1"), 400),
	ERR("param_without_value", TE(" gzip;x, chunked"), 400),
	ERR("param_unclosed_quote", TE(" gzip;x=\"a, chunked"), 400),
	ERR("with_content_length", "POST /" H11 "Transfer-Encoding: chunked"
	    "\r\nContent-Length: 5\r\n\r\n", 400),
	ERR("after_content_length", "POST /" H11 "Content-Length: 5\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", 400),
	ERR("http10", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
	    400),
	ERR("before_missing_host", "POST / HTTP/1.1\r\nTransfer-Encoding: "
	    "gzip, chunked\r\n\r\n", 400),
};

/* ---- Connection and Expect ------------------------------------------- */

#define CONN(v)	"GET /" H11 "Connection:" v "\r\n\r\n"
#define EXP(v)	"PUT /" H11 "Expect:" v "\r\n\r\n"

static const struct rq_case connection_cases[] = {
	OK("close", CONN(" close"), "GET o 1.1 CH t=/ p=/ q= h=h cl=0 n=2"),
	OK("close_case", CONN(" CLOSE"),
	    "GET o 1.1 CH t=/ p=/ q= h=h cl=0 n=2"),
	OK("keep_alive", CONN(" keep-alive"),
	    "GET o 1.1 KH t=/ p=/ q= h=h cl=0 n=2"),
	OK("both_close_wins", CONN(" close, keep-alive"),
	    "GET o 1.1 CKH t=/ p=/ q= h=h cl=0 n=2"),
	OK("list", CONN(" Upgrade,\tclose"),
	    "GET o 1.1 CH t=/ p=/ q= h=h cl=0 n=2"),
	OK("empty_elements", CONN(" ,keep-alive,, close ,"),
	    "GET o 1.1 CKH t=/ p=/ q= h=h cl=0 n=2"),
	OK("other_token", CONN(" closed"),
	    "GET o 1.1 H t=/ p=/ q= h=h cl=0 n=2"),
	OK("empty", CONN(""), "GET o 1.1 H t=/ p=/ q= h=h cl=0 n=2"),
	OK("two_fields", "GET /" H11 "Connection: foo\r\nConnection: close"
	    "\r\n\r\n", "GET o 1.1 CH t=/ p=/ q= h=h cl=0 n=3"),
	OK("http10_default_close", "GET / HTTP/1.0\r\nHost: h\r\n\r\n",
	    "GET o 1.0 CH t=/ p=/ q= h=h cl=0 n=1"),
	OK("http10_keep_alive", "GET / HTTP/1.0\r\nConnection: Keep-Alive"
	    "\r\n\r\n", "GET o 1.0 K t=/ p=/ q= h= cl=0 n=1"),
	OK("http10_both", "GET / HTTP/1.0\r\nConnection: keep-alive, close"
	    "\r\n\r\n", "GET o 1.0 CK t=/ p=/ q= h= cl=0 n=1"),
	ERR("not_token", CONN(" close;x"), 400),
	ERR("space_inside", CONN(" keep alive"), 400),
	ERR("quoted", CONN(" \"close\""), 400),
};

static const struct rq_case expect_cases[] = {
	OK("continue", EXP(" 100-continue"),
	    "PUT o 1.1 EH t=/ p=/ q= h=h cl=0 n=2"),
	OK("continue_case", EXP(" 100-Continue"),
	    "PUT o 1.1 EH t=/ p=/ q= h=h cl=0 n=2"),
	OK("continue_with_length", "PUT /" H11 "Expect: 100-continue\r\n"
	    "Content-Length: 9\r\n\r\n",
	    "PUT o 1.1 LEH t=/ p=/ q= h=h cl=9 n=3"),
	ERR("other", EXP(" 200-ok"), 417),
	ERR("list", EXP(" 100-continue, foo"), 417),
	/* Empty members expect nothing (RFC 9110 §5.6.1). */
	OK("empty", EXP(""), "PUT o 1.1 H t=/ p=/ q= h=h cl=0 n=2"),
	OK("empty_members", EXP(" , ,"), "PUT o 1.1 H t=/ p=/ q= h=h cl=0 n=2"),
	OK("continue_empty_members", EXP(" ,100-continue ,"),
	    "PUT o 1.1 EH t=/ p=/ q= h=h cl=0 n=2"),
	OK("continue_twice", EXP(" 100-continue, 100-CONTINUE"),
	    "PUT o 1.1 EH t=/ p=/ q= h=h cl=0 n=2"),
	ERR("list_other_first", EXP(" foo, 100-continue"), 417),
	ERR("parameter", EXP(" 100-continue;x=1"), 417),
	ERR("quoted_comma", EXP(" foo=\"a,b\""), 417),
	ERR("prefix", EXP(" 100-continu"), 417),
	ERR("second_field_bad", "PUT /" H11 "Expect: 100-continue\r\n"
	    "Expect: x\r\n\r\n", 417),
	OK("http10_ignored", "PUT / HTTP/1.0\r\nExpect: foo\r\n\r\n",
	    "PUT o 1.0 C t=/ p=/ q= h= cl=0 n=1"),
	OK("http10_continue_ignored", "PUT / HTTP/1.0\r\nExpect: "
	    "100-continue\r\n\r\n", "PUT o 1.0 C t=/ p=/ q= h= cl=0 n=1"),
	ERR("after_missing_host", "PUT / HTTP/1.1\r\nExpect: foo\r\n\r\n",
	    400),
	ERR("after_te_501", "PUT /" H11 "Expect: foo\r\nTransfer-Encoding: "
	    "gzip, chunked\r\n\r\n", 501),
	ERR("after_bad_field", "PUT /" H11 "Expect: foo\r\nX : y\r\n\r\n",
	    400),
};

/* ---- limits ---------------------------------------------------------- */

/* "GET /" + 16 + " HTTP/1.1\r\n" is 32 bytes. */
#define RL32	"GET /" A16 " HTTP/1.1\r\n"

static const struct rq_case limit_cases[] = {
	OKL("request_line_at_limit", RL32 "Host: h\r\n\r\n",
	    "GET o 1.1 H t=/" A16 " p=/" A16 " q= h=h cl=0 n=1", 32, 0, 0),
	ERRL("request_line_over_limit", "GET /" A16 "a HTTP/1.1\r\n"
	    "Host: h\r\n\r\n", 414, 32, 0, 0),
	ERRL("request_line_cr_at_limit", "GET /" A16 "a HTTP/1.1\r", 414,
	    32, 0, 0),
	OKL("request_line_bare_lf_at_limit", "GET /" A16 "a HTTP/1.1\n"
	    "Host: h\r\n\r\n", "GET o 1.1 H t=/" A16 "a p=/" A16 "a q= h=h "
	    "cl=0 n=1", 32, 0, 0),
	ERRL("request_line_no_end", "GET /" A32 A32, 414, 32, 0, 0),
	ERRL("request_line_exactly_limit_no_end", "GET /" A16 "aaaaaaaaaaa",
	    414, 32, 0, 0),
	AGAINL("request_line_one_short_no_end", "GET /" A16 "aaaaaaaaaa",
	    32, 0, 0),
	ERRL("bad_byte_before_limit", "GET /\x01" A32 A32, 400, 32, 0, 0),
	ERRL("empty_lines_count", "\r\nGET /" A16 " HTTP/1.1\r\n"
	    "Host: h\r\n\r\n", 414, 32, 0, 0),
	OKL("empty_lines_fit", "\r\nGET /" A8 "aaaaaa HTTP/1.1\r\n"
	    "Host: h\r\n\r\n", "GET o 1.1 H t=/" A8 "aaaaaa p=/" A8 "aaaaaa "
	    "q= h=h cl=0 n=1", 32, 0, 0),
	ERRL("empty_lines_flood", "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n"
	    "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n", 414, 32, 0, 0),
	/* Host: h\r\n (9) + X: (3) + 48 + \r\n (2) + \r\n (2) = 64 */
	OKL("header_bytes_at_limit", "GET / HTTP/1.1\r\nHost: h\r\nX: "
	    A32 A16 "\r\n\r\n", "GET o 1.1 H t=/ p=/ q= h=h cl=0 n=2",
	    0, 64, 0),
	ERRL("header_bytes_over_limit", "GET / HTTP/1.1\r\nHost: h\r\nX: "
	    A32 A16 "a\r\n\r\n", 431, 0, 64, 0),
	OKL("header_bytes_bare_lf_fits", "GET / HTTP/1.1\r\nHost: h\r\nX: "
	    A32 A16 "a\n\r\n", "GET o 1.1 H t=/ p=/ q= h=h cl=0 n=2",
	    0, 64, 0),
	ERRL("header_bytes_no_end", "GET / HTTP/1.1\r\nHost: h\r\nX: "
	    A32 A32 A32, 431, 0, 64, 0),
	ERRL("header_bytes_empty_line_over", "GET / HTTP/1.1\r\nHost: h\r\n"
	    "X: " A32 A16 "aa\r\n", 431, 0, 64, 0),
	ERRL("header_bytes_zero_section", "GET / HTTP/1.0\r\n\r\n", 431,
	    0, 1, 0),
	OKL("header_bytes_smallest", "GET / HTTP/1.0\n\n",
	    "GET o 1.0 C t=/ p=/ q= h= cl=0 n=0", 0, 1, 0),
	ERRL("bad_byte_before_header_limit", "GET / HTTP/1.1\r\nHost: h\r\n"
	    "X: \x01" A32 A32 A32, 400, 0, 64, 0),
	OKL("header_count_at_limit", "GET /" H11 "A: 1\r\nB: 2\r\n\r\n",
	    "GET o 1.1 H t=/ p=/ q= h=h cl=0 n=3", 0, 0, 3),
	ERRL("header_count_over_limit", "GET /" H11 "A: 1\r\nB: 2\r\nC: 3\r\n"
	    "\r\n", 431, 0, 0, 3),
	ERRL("header_count_over_no_end", "GET /" H11 "A: 1\r\nB: 2\r\nC",
	    431, 0, 0, 3),
	ERRM("header_room_over", "GET /" H11 "A: 1\r\nB: 2\r\n\r\n", 431, 2),
	ERRL("obs_fold_before_count", "GET /" H11 "A: 1\r\nB: 2\r\n C\r\n",
	    400, 0, 0, 3),
};

/* ---- test cases ------------------------------------------------------ */

ATF_TC_WITHOUT_HEAD(http_parse_request__request_line);
ATF_TC_BODY(http_parse_request__request_line, tc)
{
	TABLE(request_line_cases);
}

ATF_TC_WITHOUT_HEAD(http_parse_request__line_endings);
ATF_TC_BODY(http_parse_request__line_endings, tc)
{
	TABLE(line_end_cases);
}

ATF_TC_WITHOUT_HEAD(http_parse_request__target);
ATF_TC_BODY(http_parse_request__target, tc)
{
	TABLE(target_cases);
}

ATF_TC_WITHOUT_HEAD(http_parse_request__fields);
ATF_TC_BODY(http_parse_request__fields, tc)
{
	TABLE(field_cases);
}

ATF_TC_WITHOUT_HEAD(http_parse_request__host);
ATF_TC_BODY(http_parse_request__host, tc)
{
	TABLE(host_cases);
}

ATF_TC_WITHOUT_HEAD(http_parse_request__content_length);
ATF_TC_BODY(http_parse_request__content_length, tc)
{
	TABLE(length_cases);
}

ATF_TC_WITHOUT_HEAD(http_parse_request__transfer_encoding);
ATF_TC_BODY(http_parse_request__transfer_encoding, tc)
{
	TABLE(te_cases);
}

ATF_TC_WITHOUT_HEAD(http_parse_request__connection);
ATF_TC_BODY(http_parse_request__connection, tc)
{
	TABLE(connection_cases);
}

ATF_TC_WITHOUT_HEAD(http_parse_request__expect);
ATF_TC_BODY(http_parse_request__expect, tc)
{
	TABLE(expect_cases);
}

ATF_TC_WITHOUT_HEAD(http_parse_request__limits);
ATF_TC_BODY(http_parse_request__limits, tc)
{
	TABLE(limit_cases);
}

/* The default limits, with inputs too long to write out. */
ATF_TC_WITHOUT_HEAD(http_parse_request__default_limits);
ATF_TC_BODY(http_parse_request__default_limits, tc)
{
	struct http_header hdrs[MAXH];
	struct http_request rq;
	char *b;
	size_t n, t;
	int rc, i;

	ATF_REQUIRE((b = malloc(65536)) != NULL);
	/* Request line: 8192 bytes with its CRLF is fine, 8193 is not. */
	for (i = 0; i < 2; i++) {
		/* t: the target; "GET " and " HTTP/1.1\r\n" make 15 */
		t = HTTP_DEFAULT_REQUEST_LINE - 15 + i;
		memcpy(b, "GET /", 5);
		memset(b + 5, 'a', t - 1);
		n = 4 + t;
		memcpy(b + n, " HTTP/1.1\r\nHost: h\r\n\r\n", 22);
		n += 22;
		http_request_init(&rq, hdrs, MAXH);
		rc = http_parse_request(&rq, b, n, NULL);
		if (i == 0)
			ATF_CHECK_MSG(rc == HTTP_PARSE_OK &&
			    rq.rq_target.sp_len == t, "8192: rc %d %s", rc,
			    rq.rq_error ? rq.rq_error : "");
		else
			ATF_CHECK_MSG(rc == HTTP_PARSE_ERROR &&
			    rq.rq_status == 414, "8193: rc %d %u", rc,
			    rq.rq_status);
	}
	/* 101 fields: 431 at the first byte of the 101st. */
	n = (size_t)snprintf(b, 65536, "GET / HTTP/1.1\r\nHost: h\r\n");
	for (i = 1; i < HTTP_DEFAULT_HEADER_COUNT; i++)
		n += (size_t)snprintf(b + n, 65536 - n, "X-%d: %d\r\n", i, i);
	memcpy(b + n, "\r\n", 2);
	http_request_init(&rq, hdrs, MAXH);
	rc = http_parse_request(&rq, b, n + 2, NULL);
	ATF_CHECK_MSG(rc == HTTP_PARSE_OK && rq.rq_nheaders == 100,
	    "100 fields: rc %d n %u", rc, rq.rq_nheaders);
	memcpy(b + n, "Y", 1);
	http_request_init(&rq, hdrs, MAXH);
	rc = http_parse_request(&rq, b, n + 1, NULL);
	ATF_CHECK_MSG(rc == HTTP_PARSE_ERROR && rq.rq_status == 431,
	    "101 fields: rc %d status %u", rc, rq.rq_status);
	/* Header section: 32768 bytes fine, 32769 not. */
	for (i = 0; i < 2; i++) {
		n = (size_t)snprintf(b, 65536, "GET / HTTP/1.1\r\nHost: h\r\n"
		    "X: ");
		t = HTTP_DEFAULT_HEADER_BYTES - 9 - 3 - 2 - 2 + i;
		memset(b + n, 'v', t);
		n += t;
		memcpy(b + n, "\r\n\r\n", 4);
		n += 4;
		http_request_init(&rq, hdrs, MAXH);
		rc = http_parse_request(&rq, b, n, NULL);
		if (i == 0)
			ATF_CHECK_MSG(rc == HTTP_PARSE_OK, "32768: rc %d %s",
			    rc, rq.rq_error ? rq.rq_error : "");
		else
			ATF_CHECK_MSG(rc == HTTP_PARSE_ERROR &&
			    rq.rq_status == 431, "32769: rc %d %u", rc,
			    rq.rq_status);
	}
	free(b);
}

/*
 * The eight-bytes-at-a-time scans: a bad byte at every offset of a long
 * value and a long target, every byte value, is found.
 */
ATF_TC_WITHOUT_HEAD(http_parse_request__bad_byte_every_offset);
ATF_TC_BODY(http_parse_request__bad_byte_every_offset, tc)
{
	struct http_header hdrs[MAXH];
	struct http_request rq;
	char b[256];
	size_t n, v, pos;
	unsigned int c;
	int rc, valid;

	for (pos = 0; pos < 40; pos++) {
		for (c = 0; c < 256; c++) {
			/* In a field value. */
			n = (size_t)snprintf(b, sizeof(b),
			    "GET / HTTP/1.1\r\nHost: h\r\nX: ");
			v = n;
			memset(b + n, 'v', 40);
			b[v + pos] = (char)c;
			n += 40;
			memcpy(b + n, "w\r\n\r\n", 5);
			n += 5;
			valid = c == '\t' || c == ' ' || (c >= 0x21 &&
			    c != 0x7f);
			http_request_init(&rq, hdrs, MAXH);
			rc = http_parse_request(&rq, b, n, NULL);
			ATF_CHECK_MSG(valid ? rc == HTTP_PARSE_OK :
			    rc == HTTP_PARSE_ERROR && rq.rq_status == 400,
			    "value byte 0x%02x at %zu: rc %d", c, pos, rc);
			if (valid && rc == HTTP_PARSE_OK)
				ATF_CHECK_EQ(rq.rq_headers[1].hh_value.sp_len,
				    c == ' ' || c == '\t' ? 41 - (pos == 0) :
				    41);

			/* In the target. */
			memcpy(b, "GET /", 5);
			memset(b + 5, 't', 40);
			b[5 + pos] = (char)c;
			n = 45;
			memcpy(b + n, "x HTTP/1.1\r\nHost: h\r\n\r\n", 24);
			n += 24;
			valid = c >= 0x21 && c <= 0x7e && c != '#' && c != '%';
			http_request_init(&rq, hdrs, MAXH);
			rc = http_parse_request(&rq, b, n, NULL);
			if (c == ' ')
				continue;	/* ends the target early */
			ATF_CHECK_MSG(valid ? rc == HTTP_PARSE_OK :
			    rc == HTTP_PARSE_ERROR && rq.rq_status == 400,
			    "target byte 0x%02x at %zu: rc %d", c, pos, rc);
		}
	}
}

ATF_TC_WITHOUT_HEAD(http_parse_request__pipelining);
ATF_TC_BODY(http_parse_request__pipelining, tc)
{
	static const char in[] =
	    "GET /a HTTP/1.1\r\nHost: h\r\n\r\n"
	    "POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nxy"
	    "\r\nHEAD /c HTTP/1.1\nHost: h\n\n";
	static const struct {
		const char	*p_path;
		uint32_t	 p_body;
	} want[] = { { "/a", 0 }, { "/b", 2 }, { "/c", 0 } };
	struct http_header hdrs[MAXH];
	struct http_request rq;
	size_t off, k, i;
	int rc;

	off = 0;
	for (i = 0; i < 3; i++) {
		http_request_init(&rq, hdrs, MAXH);
		rc = http_parse_request(&rq, in + off, sizeof(in) - 1 - off,
		    NULL);
		ATF_REQUIRE_MSG(rc == HTTP_PARSE_OK, "request %zu: rc %d %s",
		    i, rc, rq.rq_error ? rq.rq_error : "");
		ATF_CHECK_MSG(rq.rq_path.sp_len == strlen(want[i].p_path) &&
		    memcmp(in + off + rq.rq_path.sp_off, want[i].p_path,
		    rq.rq_path.sp_len) == 0, "request %zu: wrong path", i);
		/* The same one, a byte at a time, ends at the same place. */
		http_request_init(&rq, hdrs, MAXH);
		for (k = 0, rc = HTTP_PARSE_AGAIN; rc == HTTP_PARSE_AGAIN &&
		    off + k <= sizeof(in) - 1; k++)
			rc = http_parse_request(&rq, in + off, k, NULL);
		ATF_REQUIRE_EQ(rc, HTTP_PARSE_OK);
		ATF_CHECK_EQ(rq.rq_head_len, k - 1);
		off += rq.rq_head_len + want[i].p_body;
		if (i == 0)
			ATF_CHECK_MSG(memcmp(in + off, "POST ", 5) == 0,
			    "rq_head_len %u does not reach POST",
			    rq.rq_head_len);
	}
	ATF_CHECK_EQ(off, sizeof(in) - 1);
}

ATF_TC_WITHOUT_HEAD(http_parse_request__result_is_sticky);
ATF_TC_BODY(http_parse_request__result_is_sticky, tc)
{
	static const char ok[] = "GET / HTTP/1.0\r\n\r\nGET";
	static const char bad[] = "GET /\x01 HTTP/1.0\r\n\r\n";
	struct http_header hdrs[4];
	struct http_request rq;

	http_request_init(&rq, hdrs, 4);
	ATF_REQUIRE_EQ(http_parse_request(&rq, ok, sizeof(ok) - 1, NULL),
	    HTTP_PARSE_OK);
	ATF_CHECK_EQ(http_parse_request(&rq, ok, sizeof(ok) - 1, NULL),
	    HTTP_PARSE_OK);
	ATF_CHECK_EQ(rq.rq_head_len, 18);
	http_request_init(&rq, hdrs, 4);
	ATF_REQUIRE_EQ(http_parse_request(&rq, bad, sizeof(bad) - 1, NULL),
	    HTTP_PARSE_ERROR);
	ATF_CHECK_EQ(http_parse_request(&rq, bad, sizeof(bad) - 1, NULL),
	    HTTP_PARSE_ERROR);
	ATF_CHECK_EQ(rq.rq_status, 400);
}

ATF_TC_WITHOUT_HEAD(http_request_header__ids);
ATF_TC_BODY(http_request_header__ids, tc)
{
	static const char in[] = "GET / HTTP/1.1\r\n"
	    "X-Other: 0\r\nhost: h\r\nCONNECTION: keep-alive\r\n"
	    "content-length: 0\r\nExpect: 100-continue\r\n"
	    "If-Match: \"a\"\r\nif-none-match: \"b\"\r\n"
	    "If-Modified-Since: x\r\nIf-Unmodified-Since: y\r\n"
	    "If-Range: z\r\nRange: bytes=0-1\r\nAccept-Encoding: gzip\r\n"
	    "User-Agent: u\r\nReferer: r\r\nte: trailers\r\nUpgrade: w\r\n"
	    "If-Match: \"c\"\r\nHosts: no\r\nTE2: no\r\n\r\n";
	static const struct {
		enum http_header_id	 i_id;
		int			 i_index;
		const char		*i_value;
	} want[] = {
		{ HTTP_H_HOST, 1, "h" },
		{ HTTP_H_CONNECTION, 2, "keep-alive" },
		{ HTTP_H_CONTENT_LENGTH, 3, "0" },
		{ HTTP_H_TRANSFER_ENCODING, -1, NULL },
		{ HTTP_H_EXPECT, 4, "100-continue" },
		{ HTTP_H_IF_MATCH, 5, "\"a\"" },
		{ HTTP_H_IF_NONE_MATCH, 6, "\"b\"" },
		{ HTTP_H_IF_MODIFIED_SINCE, 7, "x" },
		{ HTTP_H_IF_UNMODIFIED_SINCE, 8, "y" },
		{ HTTP_H_IF_RANGE, 9, "z" },
		{ HTTP_H_RANGE, 10, "bytes=0-1" },
		{ HTTP_H_ACCEPT_ENCODING, 11, "gzip" },
		{ HTTP_H_USER_AGENT, 12, "u" },
		{ HTTP_H_REFERER, 13, "r" },
		{ HTTP_H_TE, 14, "trailers" },
		{ HTTP_H_UPGRADE, 15, "w" },
	};
	struct http_header hdrs[MAXH];
	struct http_request rq;
	const struct http_header *h;
	size_t i;

	http_request_init(&rq, hdrs, MAXH);
	ATF_REQUIRE_EQ(http_parse_request(&rq, in, sizeof(in) - 1, NULL),
	    HTTP_PARSE_OK);
	ATF_REQUIRE_EQ(rq.rq_nheaders, 19);
	ATF_CHECK_EQ(rq.rq_headers[0].hh_id, HTTP_H_OTHER);
	ATF_CHECK_EQ(rq.rq_headers[16].hh_id, HTTP_H_IF_MATCH);
	ATF_CHECK_EQ(rq.rq_headers[17].hh_id, HTTP_H_OTHER);
	ATF_CHECK_EQ(rq.rq_headers[18].hh_id, HTTP_H_OTHER);
	ATF_CHECK(http_request_header(&rq, HTTP_H_OTHER) == NULL);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		ATF_CHECK_EQ_MSG(rq.rq_hdr_index[want[i].i_id],
		    want[i].i_index, "id %d", want[i].i_id);
		h = http_request_header(&rq, want[i].i_id);
		if (want[i].i_value == NULL) {
			ATF_CHECK_MSG(h == NULL, "id %d present",
			    want[i].i_id);
			continue;
		}
		ATF_REQUIRE_MSG(h != NULL, "id %d absent", want[i].i_id);
		ATF_CHECK_EQ(h->hh_id, want[i].i_id);
		ATF_CHECK_MSG(h->hh_value.sp_len == strlen(want[i].i_value) &&
		    memcmp(HTTP_SPAN_PTR(in, h->hh_value), want[i].i_value,
		    h->hh_value.sp_len) == 0, "id %d: wrong value",
		    want[i].i_id);
	}
	ATF_CHECK_EQ(rq.rq_flags, HTTP_RQ_KEEPALIVE | HTTP_RQ_LENGTH |
	    HTTP_RQ_CONTINUE | HTTP_RQ_HOST);
	/* If-Match came twice, nothing else with an ID did. */
	ATF_CHECK_EQ(rq.rq_hdr_dups, 1u << HTTP_H_IF_MATCH);
	ATF_CHECK(HTTP_REQUEST_DUP(&rq, HTTP_H_IF_MATCH));
	ATF_CHECK(!HTTP_REQUEST_DUP(&rq, HTTP_H_IF_NONE_MATCH));
	ATF_CHECK(!HTTP_REQUEST_DUP(&rq, HTTP_H_OTHER));
}

ATF_TC_WITHOUT_HEAD(http_method_name__all);
ATF_TC_BODY(http_method_name__all, tc)
{
	static const char *const want[] = { NULL, "GET", "HEAD", "POST",
	    "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH" };
	unsigned int i;

	ATF_REQUIRE_EQ(sizeof(want) / sizeof(want[0]), HTTP_M__COUNT);
	ATF_CHECK(http_method_name(HTTP_M_UNKNOWN) == NULL);
	for (i = 1; i < HTTP_M__COUNT; i++)
		ATF_CHECK_STREQ(http_method_name(i), want[i]);
	ATF_CHECK(http_method_name(HTTP_M__COUNT) == NULL);
	ATF_CHECK(http_method_name(1000) == NULL);
}

ATF_TC_WITHOUT_HEAD(http_request_init__fresh);
ATF_TC_BODY(http_request_init__fresh, tc)
{
	struct http_header hdrs[3];
	struct http_request rq;
	unsigned int i;

	memset(&rq, 0xa5, sizeof(rq));
	http_request_init(&rq, hdrs, 3);
	ATF_CHECK(rq.rq_headers == hdrs);
	ATF_CHECK_EQ(rq.rq_maxheaders, 3);
	ATF_CHECK_EQ(rq.rq_nheaders, 0);
	ATF_CHECK_EQ(rq.rq_flags, 0);
	ATF_CHECK_EQ(rq.rq_pos, 0);
	for (i = 0; i < HTTP_H__COUNT; i++)
		ATF_CHECK_EQ(rq.rq_hdr_index[i], -1);
	ATF_CHECK_EQ(rq.rq_hdr_dups, 0);
	http_request_init(&rq, hdrs, 100000);
	ATF_CHECK_EQ(rq.rq_maxheaders, INT16_MAX);
}

/* ---- chunked bodies -------------------------------------------------- */

struct ch_case {
	const char	*c_name;
	const char	*c_in;
	size_t		 c_len;
	int		 c_status;	/* 0 OK, 1 AGAIN, else error status */
	const char	*c_data;	/* decoded */
	size_t		 c_dlen;
	size_t		 c_tail;	/* OK: bytes left unused */
	struct http_limits c_lim;
};

#define CH_OK(n, s, d)		{ n, IN(s), 0, IN(d), 0, { 0, 0, 0 } }
#define CH_OKT(n, s, d, t)	{ n, IN(s), 0, IN(d), t, { 0, 0, 0 } }
#define CH_AGAIN(n, s, d)	{ n, IN(s), 1, IN(d), 0, { 0, 0, 0 } }
#define CH_ERR(n, s, st)	{ n, IN(s), st, NULL, 0, 0, { 0, 0, 0 } }
#define CH_ERRL(n, s, st, hb, hc) \
	{ n, IN(s), st, NULL, 0, 0, { 0, hb, hc } }
#define CH_OKL(n, s, d, hb, hc)	{ n, IN(s), 0, IN(d), 0, { 0, hb, hc } }

static const struct ch_case chunked_cases[] = {
	CH_OK("one_chunk", "5\r\nhello\r\n0\r\n\r\n", "hello"),
	CH_OK("two_chunks", "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n", "abcde"),
	CH_OK("empty_body", "0\r\n\r\n", ""),
	CH_OK("upper_hex_leading_zeros", "000A\r\n0123456789\r\n0\r\n\r\n",
	    "0123456789"),
	CH_OK("lower_hex", "a\r\n0123456789\r\n00\r\n\r\n", "0123456789"),
	CH_OK("many_leading_zeros", "00000000000000000000001\r\nx\r\n0\r\n"
	    "\r\n", "x"),
	CH_OK("data_holds_crlf", "4\r\n\r\n\r\n\r\n0\r\n\r\n", "\r\n\r\n"),
	CH_OK("data_binary", "3\r\n\0\xff\n\r\n0\r\n\r\n", "\0\xff\n"),
	CH_OK("ext", "5;name=val\r\nhello\r\n0\r\n\r\n", "hello"),
	CH_OK("ext_name_only", "5;a\r\nhello\r\n0;b\r\n\r\n", "hello"),
	CH_OK("ext_many_bws", "5 ; a = b ;c\t;\td\t=\te\r\nhello\r\n0\r\n"
	    "\r\n", "hello"),
	CH_OK("ext_quoted", "5;n=\"a b;\\\"c\\\\\"\r\nhello\r\n0\r\n\r\n",
	    "hello"),
	CH_OK("ext_quoted_then_more", "5;n=\"x\" ;m=y\r\nhello\r\n0\r\n\r\n",
	    "hello"),
	CH_OK("ext_on_last_chunk", "0;x=y\r\n\r\n", ""),
	CH_OK("trailer", "5\r\nhello\r\n0\r\nX-T: v\r\n\r\n", "hello"),
	CH_OK("trailers", "0\r\nA: 1\r\nB:\r\nC: x y\t\r\n\r\n", ""),
	CH_OK("bare_lf", "5\nhello\n0\nA: b\n\n", "hello"),
	CH_OKT("next_request_unused", "5\r\nhello\r\n0\r\n\r\nGET / HTTP/1.1"
	    "\r\n", "hello", 16),
	CH_OKT("crlf_after_end_unused", "0\r\n\r\n\r\n", "", 2),
	CH_AGAIN("incomplete_data", "5\r\nhel", "hel"),
	CH_AGAIN("incomplete_size", "5", ""),
	CH_AGAIN("incomplete_ext", "5;a=\"b", ""),
	CH_AGAIN("incomplete_trailer", "0\r\nX: y", ""),
	CH_AGAIN("no_final_crlf", "0\r\n", ""),
	CH_AGAIN("big_size", "7fffffffffffffff\r\nabc", "abc"),
	CH_ERR("bad_hex", "g\r\nx\r\n0\r\n\r\n", 400),
	CH_ERR("bad_hex_after_digit", "5g\r\nhello\r\n0\r\n\r\n", 400),
	CH_ERR("empty_size", "\r\nhello\r\n0\r\n\r\n", 400),
	CH_ERR("negative", "-5\r\nhello\r\n0\r\n\r\n", 400),
	CH_ERR("hex_prefix", "0x5\r\nhello\r\n0\r\n\r\n", 400),
	CH_ERR("space_before_size", " 5\r\nhello\r\n", 400),
	CH_ERR("space_after_size", "5 \r\nhello\r\n", 400),
	CH_ERR("overflow_63_bits", "8000000000000000\r\n", 400),
	CH_ERR("overflow_64_bits", "10000000000000000\r\n", 400),
	CH_ERR("overflow_long", "ffffffffffffffffffff\r\n", 400),
	CH_ERR("ext_empty", "5;\r\nhello\r\n", 400),
	CH_ERR("ext_no_name", "5;=b\r\nhello\r\n", 400),
	CH_ERR("ext_no_value", "5;a=\r\nhello\r\n", 400),
	CH_ERR("ext_space_in_value", "5;a=b c\r\nhello\r\n", 400),
	CH_ERR("ext_bws_before_crlf", "5;a \r\nhello\r\n", 400),
	CH_ERR("ext_bad_char", "5;a@b\r\nhello\r\n", 400),
	CH_ERR("ext_quote_unclosed", "5;a=\"b\r\nhello\r\n", 400),
	CH_ERR("ext_quoted_junk_after", "5;a=\"b\"c\r\nhello\r\n", 400),
	CH_ERR("ext_quoted_nul", "5;a=\"\0\"\r\nhello\r\n", 400),
	CH_ERR("bare_cr_size", "5\rhello\r\n", 400),
	CH_ERR("no_crlf_after_data", "5\r\nhelloX\r\n0\r\n\r\n", 400),
	CH_ERR("cr_no_lf_after_data", "5\r\nhello\rX0\r\n\r\n", 400),
	CH_ERR("data_longer_than_size", "3\r\nhello\r\n0\r\n\r\n", 400),
	CH_ERR("trailer_obs_fold", "0\r\nA: b\r\n c\r\n\r\n", 400),
	CH_ERR("trailer_no_colon", "0\r\nA b\r\n\r\n", 400),
	CH_ERR("trailer_space_before_colon", "0\r\nA : b\r\n\r\n", 400),
	CH_ERR("trailer_empty_name", "0\r\n: b\r\n\r\n", 400),
	CH_ERR("trailer_nul", "0\r\nA: \0\r\n\r\n", 400),
	CH_ERR("trailer_bare_cr", "0\r\nA: b\rc\r\n\r\n", 400),
	CH_ERR("end_bare_cr", "0\r\n\rX", 400),
	CH_OKL("trailer_count_at_limit", "0\r\nA: 1\r\nB: 2\r\n\r\n", "",
	    0, 2),
	CH_ERRL("trailer_count_over", "0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n",
	    431, 0, 2),
	/* "A: 12345678\r\n" is 13, the empty line 2: 15 */
	CH_OKL("trailer_bytes_at_limit", "0\r\nA: 12345678\r\n\r\n", "",
	    15, 0),
	CH_ERRL("trailer_bytes_over", "0\r\nA: 123456789\r\n\r\n", 431,
	    15, 0),
};

static void
ch_run(const struct ch_case *c, size_t step, int *rcp, uint16_t *stp,
    char *data, size_t *dlen, size_t *usedp)
{
	struct http_chunked ch;
	struct http_limits lim;
	char *b;
	size_t off, n, used, out;
	int rc;

	lim.hl_request_line = HTTP_DEFAULT_REQUEST_LINE;
	lim.hl_header_bytes = c->c_lim.hl_header_bytes ?
	    c->c_lim.hl_header_bytes : HTTP_DEFAULT_HEADER_BYTES;
	lim.hl_header_count = c->c_lim.hl_header_count ?
	    c->c_lim.hl_header_count : HTTP_DEFAULT_HEADER_COUNT;
	http_chunked_init(&ch);
	*dlen = 0;
	rc = HTTP_PARSE_AGAIN;
	/* A step of 0: all at once; else that many bytes per call. */
	for (off = 0; rc == HTTP_PARSE_AGAIN && (off < c->c_len ||
	    off == 0); off += n) {
		n = step == 0 || c->c_len - off < step ? c->c_len - off : step;
		ATF_REQUIRE((b = malloc(n ? n : 1)) != NULL);
		memcpy(b, c->c_in + off, n);
		rc = http_chunked_decode(&ch, b, n, &used, &out, &lim);
		ATF_REQUIRE(out <= used && used <= n);
		if (rc == HTTP_PARSE_AGAIN)
			ATF_CHECK_EQ(used, n);
		memcpy(data + *dlen, b, out);
		*dlen += out;
		free(b);
		if (rc == HTTP_PARSE_OK)
			off += used - n;	/* the next message */
		if (c->c_len == 0)
			break;
	}
	*rcp = rc;
	*stp = ch.ch_status;
	*usedp = off;
}

ATF_TC_WITHOUT_HEAD(http_chunked_decode__table);
ATF_TC_BODY(http_chunked_decode__table, tc)
{
	const struct ch_case *c;
	char e[1024], data[1024];
	size_t i, step, dlen, used;
	uint16_t st;
	int rc;

	for (i = 0; i < sizeof(chunked_cases) / sizeof(chunked_cases[0]);
	    i++) {
		c = &chunked_cases[i];
		esc(c->c_in, c->c_len, e, sizeof(e));
		/* 0: whole; then 1, 2, 3 and 7 bytes per call. */
		for (step = 0; step <= 7; step += step == 3 ? 4 : 1) {
			ch_run(c, step, &rc, &st, data, &dlen, &used);
			if (c->c_status == 0) {
				ATF_CHECK_MSG(rc == HTTP_PARSE_OK &&
				    used == c->c_len - c->c_tail,
				    "%s: \"%s\" step %zu: rc %d status %u "
				    "used %zu", c->c_name, e, step, rc, st,
				    used);
			} else if (c->c_status == 1) {
				ATF_CHECK_MSG(rc == HTTP_PARSE_AGAIN,
				    "%s: \"%s\" step %zu: rc %d status %u",
				    c->c_name, e, step, rc, st);
			} else {
				ATF_CHECK_MSG(rc == HTTP_PARSE_ERROR &&
				    st == c->c_status,
				    "%s: \"%s\" step %zu: rc %d status %u, "
				    "want %d", c->c_name, e, step, rc, st,
				    c->c_status);
				continue;
			}
			ATF_CHECK_MSG(dlen == c->c_dlen &&
			    memcmp(data, c->c_data, dlen) == 0,
			    "%s: \"%s\" step %zu: data \"%s\"", c->c_name, e,
			    step, esc(data, dlen, e + 512, 512));
		}
	}
}

/* Size lines: 4096 bytes with the CRLF are fine, 4097 are not. */
ATF_TC_WITHOUT_HEAD(http_chunked_decode__size_line_limit);
ATF_TC_BODY(http_chunked_decode__size_line_limit, tc)
{
	struct http_chunked ch;
	char b[8192];
	size_t n, used, out;
	int i, rc;

	for (i = 0; i < 2; i++) {
		memcpy(b, "1;a=", 4);
		n = 4096 - 2 + i;
		memset(b + 4, 'b', n - 4);
		memcpy(b + n, "\r\nx\r\n0\r\n\r\n", 10);
		http_chunked_init(&ch);
		rc = http_chunked_decode(&ch, b, n + 10, &used, &out, NULL);
		if (i == 0)
			ATF_CHECK_MSG(rc == HTTP_PARSE_OK && out == 1 &&
			    b[0] == 'x' && used == n + 10, "4096: rc %d", rc);
		else
			ATF_CHECK_MSG(rc == HTTP_PARSE_ERROR &&
			    ch.ch_status == 400, "4097: rc %d", rc);
	}
	/* Leading zeros count too. */
	memset(b, '0', 5000);
	http_chunked_init(&ch);
	rc = http_chunked_decode(&ch, b, 5000, &used, &out, NULL);
	ATF_CHECK_MSG(rc == HTTP_PARSE_ERROR && ch.ch_status == 400 &&
	    used == 4096, "zeros: rc %d used %zu", rc, used);
}

/*
 * Size lines past their first 18 bytes count towards 16 KiB per body:
 * 16384 such bytes are fine, one more is a 413, spread over chunks or
 * split over calls; short lines cost nothing however many.
 */
ATF_TC_WITHOUT_HEAD(http_chunked_decode__extension_budget);
ATF_TC_BODY(http_chunked_decode__extension_budget, tc)
{
	static char b[65536];
	struct http_chunked ch;
	size_t n, k, left, used, out, off, cut;
	int i, j, rc;

	for (i = 0; i < 2; i++) {
		for (j = 0; j < 2; j++) {
			/* Lines of 4096 bytes, 4078 extra each, then the rest. */
			n = 0;
			for (left = 16384 + (size_t)i; left > 0; left -= k) {
				k = left < 4078 ? left : 4078;
				memcpy(b + n, "1;a=", 4);
				memset(b + n + 4, 'b', k + 18 - 6);
				n += k + 18 - 2;
				memcpy(b + n, "\r\nx\r\n", 5);
				n += 5;
			}
			memcpy(b + n, "0\r\n\r\n", 5);
			n += 5;
			http_chunked_init(&ch);
			/*
			 * Whole, or cut in the middle of the third line.  The
			 * byte over is the last line's LF.
			 */
			cut = j == 0 ? n : 2 * 4101 + 1000;
			rc = http_chunked_decode(&ch, b, cut, &used, &out,
			    NULL);
			off = out;
			if (j == 1) {
				ATF_REQUIRE_EQ(rc, HTTP_PARSE_AGAIN);
				ATF_REQUIRE_EQ(used, cut);
				rc = http_chunked_decode(&ch, b + cut, n - cut,
				    &used, &out, NULL);
				used += cut;
			}
			if (i == 0)
				ATF_CHECK_MSG(rc == HTTP_PARSE_OK &&
				    used == n && (j == 1 ? off : 0) + out == 5,
				    "16384 (split %d): rc %d used %zu/%zu", j,
				    rc, used, n);
			else
				ATF_CHECK_MSG(rc == HTTP_PARSE_ERROR &&
				    ch.ch_status == 413 && used == n - 9,
				    "16385 (split %d): rc %d status %u used "
				    "%zu/%zu", j, rc, ch.ch_status, used, n);
		}
	}
	/* 3000 chunks of one byte with 18-byte size lines: no budget used. */
	n = 0;
	for (i = 0; i < 3000; i++) {
		memcpy(b + n, "00000000001;a=bb\r\nx\r\n", 21);
		n += 21;
	}
	memcpy(b + n, "0\r\n\r\n", 5);
	n += 5;
	http_chunked_init(&ch);
	rc = http_chunked_decode(&ch, b, n, &used, &out, NULL);
	ATF_CHECK_MSG(rc == HTTP_PARSE_OK && used == n && out == 3000 &&
	    ch.ch_extra == 0, "short lines: rc %d extra %u", rc, ch.ch_extra);
}

ATF_TC_WITHOUT_HEAD(http_chunked_decode__result_is_sticky);
ATF_TC_BODY(http_chunked_decode__result_is_sticky, tc)
{
	struct http_chunked ch;
	char ok[] = "1\r\nx\r\n0\r\n\r\nrest", bad[] = "z\r\n";
	size_t used, out;

	http_chunked_init(&ch);
	ATF_REQUIRE_EQ(http_chunked_decode(&ch, ok, sizeof(ok) - 1, &used,
	    &out, NULL), HTTP_PARSE_OK);
	ATF_CHECK_EQ(used, sizeof(ok) - 5);
	ATF_CHECK_EQ(out, 1);
	ATF_CHECK_EQ(http_chunked_decode(&ch, ok, 4, &used, &out, NULL),
	    HTTP_PARSE_OK);
	ATF_CHECK_EQ(used, 0);
	ATF_CHECK_EQ(out, 0);
	http_chunked_init(&ch);
	ATF_CHECK_EQ(http_chunked_decode(&ch, bad, 3, &used, &out, NULL),
	    HTTP_PARSE_ERROR);
	ATF_CHECK_EQ(used, 0);
	ATF_CHECK(ch.ch_error != NULL);
	ATF_CHECK_EQ(http_chunked_decode(&ch, bad, 3, &used, &out, NULL),
	    HTTP_PARSE_ERROR);
}

/* Whole empty lines only: a CR without its LF may still begin one. */
ATF_TC_WITHOUT_HEAD(http_empty_lines__counted);
ATF_TC_BODY(http_empty_lines__counted, tc)
{
	ATF_CHECK_EQ(http_empty_lines("", 0), 0);
	ATF_CHECK_EQ(http_empty_lines("\r\n", 2), 2);
	ATF_CHECK_EQ(http_empty_lines("\r\n\n\r\n", 5), 5);
	ATF_CHECK_EQ(http_empty_lines("\r\nGET", 5), 2);
	ATF_CHECK_EQ(http_empty_lines("\r\n\r", 3), 2);
	ATF_CHECK_EQ(http_empty_lines("\r\rX", 3), 0);
	ATF_CHECK_EQ(http_empty_lines(" \r\n", 3), 0);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, http_parse_request__request_line);
	ATF_TP_ADD_TC(tp, http_empty_lines__counted);
	ATF_TP_ADD_TC(tp, http_parse_request__line_endings);
	ATF_TP_ADD_TC(tp, http_parse_request__target);
	ATF_TP_ADD_TC(tp, http_parse_request__fields);
	ATF_TP_ADD_TC(tp, http_parse_request__host);
	ATF_TP_ADD_TC(tp, http_parse_request__content_length);
	ATF_TP_ADD_TC(tp, http_parse_request__transfer_encoding);
	ATF_TP_ADD_TC(tp, http_parse_request__connection);
	ATF_TP_ADD_TC(tp, http_parse_request__expect);
	ATF_TP_ADD_TC(tp, http_parse_request__limits);
	ATF_TP_ADD_TC(tp, http_parse_request__default_limits);
	ATF_TP_ADD_TC(tp, http_parse_request__bad_byte_every_offset);
	ATF_TP_ADD_TC(tp, http_parse_request__pipelining);
	ATF_TP_ADD_TC(tp, http_parse_request__result_is_sticky);
	ATF_TP_ADD_TC(tp, http_request_header__ids);
	ATF_TP_ADD_TC(tp, http_method_name__all);
	ATF_TP_ADD_TC(tp, http_request_init__fresh);
	ATF_TP_ADD_TC(tp, http_chunked_decode__table);
	ATF_TP_ADD_TC(tp, http_chunked_decode__size_line_limit);
	ATF_TP_ADD_TC(tp, http_chunked_decode__extension_budget);
	ATF_TP_ADD_TC(tp, http_chunked_decode__result_is_sticky);
	return (atf_no_error());
}
