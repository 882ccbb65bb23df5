/*
 * libFuzzer target for http_parse_request() and http_chunked_decode().
 *
 * The input is parsed whole, in two and three pieces cut where its own
 * bytes say, and (when short) one byte more per call; every way must give
 * the same result down to each span, or abort().  Two limit sets run, the
 * defaults and small ones that the fuzzer can reach.  The same bytes then
 * go through the chunked decoder whole and in pieces.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/http/parser.h"

#define MAXH	32

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	rq_run(const uint8_t *, size_t, const size_t *, size_t,
		    const struct http_limits *, struct http_request *,
		    struct http_header *, int *);
static void	rq_same(const struct http_request *, int,
		    const struct http_request *, int);
static void	span_ok(struct http_span, uint32_t);
static void	rq_sane(const struct http_request *, int, size_t);
static void	ch_run(const uint8_t *, size_t, const size_t *, size_t,
		    int *, uint8_t *, size_t *, size_t *, uint16_t *);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

/*
 * Feed data[0..size) in pieces ending at cuts[0..ncut) (ascending), each
 * call from a new buffer of exactly the bytes so far, as a caller that
 * reallocates would.
 */
static void
rq_run(const uint8_t *data, size_t size, const size_t *cuts, size_t ncut,
    const struct http_limits *hl, struct http_request *rq,
    struct http_header *hdrs, int *rcp)
{
	char *b;
	size_t i, n;
	int rc;

	http_request_init(rq, hdrs, MAXH);
	rc = HTTP_PARSE_AGAIN;
	for (i = 0; i <= ncut && rc == HTTP_PARSE_AGAIN; i++) {
		n = i < ncut ? cuts[i] : size;
		b = malloc(n ? n : 1);
		CHECK(b != NULL);
		memcpy(b, data, n);
		rc = http_parse_request(rq, b, n, hl);
		free(b);
	}
	*rcp = rc;
}

static void
rq_same(const struct http_request *a, int ra, const struct http_request *b,
    int rb)
{
	unsigned int i;

	CHECK(ra == rb);
	if (ra == HTTP_PARSE_ERROR) {
		CHECK(a->rq_status == b->rq_status);
		CHECK(a->rq_error == b->rq_error);
		return;
	}
	if (ra != HTTP_PARSE_OK)
		return;
#define SAME(f)		CHECK(a->f == b->f)
#define SAME_SPAN(f)	CHECK(a->f.sp_off == b->f.sp_off &&		\
			    a->f.sp_len == b->f.sp_len)
	SAME(rq_method);
	SAME(rq_form);
	SAME(rq_major);
	SAME(rq_minor);
	SAME(rq_flags);
	SAME(rq_content_length);
	SAME(rq_head_len);
	SAME(rq_nheaders);
	SAME_SPAN(rq_method_span);
	SAME_SPAN(rq_target);
	SAME_SPAN(rq_path);
	SAME_SPAN(rq_query);
	SAME_SPAN(rq_host);
	for (i = 0; i < a->rq_nheaders; i++) {
		SAME_SPAN(rq_headers[i].hh_name);
		SAME_SPAN(rq_headers[i].hh_value);
		SAME(rq_headers[i].hh_id);
	}
	for (i = 0; i < HTTP_H__COUNT; i++)
		SAME(rq_hdr_index[i]);
#undef SAME
#undef SAME_SPAN
}

static void
span_ok(struct http_span sp, uint32_t end)
{
	CHECK(sp.sp_off <= end && sp.sp_len <= end - sp.sp_off);
}

/* What an OK result promises, whatever the input. */
static void
rq_sane(const struct http_request *rq, int rc, size_t size)
{
	const struct http_header *h;
	unsigned int i;

	if (rc == HTTP_PARSE_ERROR) {
		CHECK(rq->rq_error != NULL);
		CHECK(rq->rq_status == 400 || rq->rq_status == 414 ||
		    rq->rq_status == 417 || rq->rq_status == 431 ||
		    rq->rq_status == 501 || rq->rq_status == 505);
		return;
	}
	if (rc != HTTP_PARSE_OK)
		return;
	CHECK(rq->rq_head_len <= size);
	CHECK(rq->rq_method > HTTP_M_UNKNOWN &&
	    rq->rq_method < HTTP_M__COUNT);
	CHECK(rq->rq_major == 1 && rq->rq_minor <= 1);
	CHECK(rq->rq_nheaders <= MAXH);
	span_ok(rq->rq_method_span, rq->rq_head_len);
	span_ok(rq->rq_target, rq->rq_head_len);
	span_ok(rq->rq_path, rq->rq_head_len);
	span_ok(rq->rq_query, rq->rq_head_len);
	span_ok(rq->rq_host, rq->rq_head_len);
	CHECK(rq->rq_path.sp_off >= rq->rq_target.sp_off &&
	    rq->rq_query.sp_off + rq->rq_query.sp_len <=
	    rq->rq_target.sp_off + rq->rq_target.sp_len);
	CHECK(!((rq->rq_flags & HTTP_RQ_CHUNKED) &&
	    (rq->rq_flags & HTTP_RQ_LENGTH)));
	CHECK(rq->rq_minor == 1 || !(rq->rq_flags & HTTP_RQ_CHUNKED));
	CHECK(rq->rq_minor == 0 || (rq->rq_flags & HTTP_RQ_HOST));
	for (i = 0; i < rq->rq_nheaders; i++) {
		h = &rq->rq_headers[i];
		span_ok(h->hh_name, rq->rq_head_len);
		span_ok(h->hh_value, rq->rq_head_len);
		CHECK(h->hh_name.sp_len > 0 && h->hh_id < HTTP_H__COUNT);
		if (h->hh_id != HTTP_H_OTHER)
			CHECK(rq->rq_hdr_index[h->hh_id] >= 0 &&
			    rq->rq_hdr_index[h->hh_id] <= (int)i);
	}
	for (i = 0; i < HTTP_H__COUNT; i++)
		CHECK(rq->rq_hdr_index[i] < rq->rq_nheaders &&
		    (rq->rq_hdr_index[i] < 0 ||
		    rq->rq_headers[rq->rq_hdr_index[i]].hh_id == i));
}

/* The chunked decoder, fed in pieces ending at cuts[]. */
static void
ch_run(const uint8_t *data, size_t size, const size_t *cuts, size_t ncut,
    int *rcp, uint8_t *out, size_t *outlen, size_t *usedp, uint16_t *stp)
{
	static const struct http_limits hl = { 64, 128, 4 };
	struct http_chunked ch;
	char *b;
	size_t i, start, n, used, o;
	int rc;

	http_chunked_init(&ch);
	rc = HTTP_PARSE_AGAIN;
	*outlen = 0;
	start = 0;
	for (i = 0; i <= ncut && rc == HTTP_PARSE_AGAIN; i++) {
		n = (i < ncut ? cuts[i] : size) - start;
		b = malloc(n ? n : 1);
		CHECK(b != NULL);
		memcpy(b, data + start, n);
		rc = http_chunked_decode(&ch, b, n, &used, &o, &hl);
		CHECK(o <= used && used <= n);
		CHECK(rc != HTTP_PARSE_AGAIN || used == n);
		memcpy(out + *outlen, b, o);
		*outlen += o;
		free(b);
		start += used;
	}
	CHECK(rc != HTTP_PARSE_ERROR || ch.ch_status == 400 ||
	    ch.ch_status == 431);
	*rcp = rc;
	*usedp = start;
	*stp = ch.ch_status;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct http_limits small = { 48, 160, 6 };
	const struct http_limits *hl;
	struct http_header h1[MAXH], h2[MAXH];
	struct http_request r1, r2;
	uint8_t *o1, *o2;
	size_t cuts[2], k, l1, l2, u1, u2;
	uint16_t s1, s2;
	int i, rc1, rc2;

	if (size > 65536)
		return (0);
	/* Cut points from the input itself, so the fuzzer steers them. */
	cuts[0] = cuts[1] = 0;
	if (size > 0) {
		cuts[0] = (data[size - 1] * 131u + data[0]) % (size + 1);
		cuts[1] = cuts[0] +
		    (data[size / 2] * 7u) % (size - cuts[0] + 1);
	}
	for (i = 0; i < 2; i++) {
		hl = i == 0 ? NULL : &small;
		rq_run(data, size, NULL, 0, hl, &r1, h1, &rc1);
		rq_sane(&r1, rc1, size);
		rq_run(data, size, cuts, 1, hl, &r2, h2, &rc2);
		rq_same(&r1, rc1, &r2, rc2);
		rq_run(data, size, cuts, 2, hl, &r2, h2, &rc2);
		rq_same(&r1, rc1, &r2, rc2);
		/* One more byte per call, same buffer. */
		if (size <= 1024) {
			http_request_init(&r2, h2, MAXH);
			rc2 = HTTP_PARSE_AGAIN;
			for (k = 0; k <= size && rc2 == HTTP_PARSE_AGAIN; k++)
				rc2 = http_parse_request(&r2,
				    (const char *)data, k, hl);
			rq_same(&r1, rc1, &r2, rc2);
		}
	}

	o1 = malloc(size + 1);
	o2 = malloc(size + 1);
	CHECK(o1 != NULL && o2 != NULL);
	ch_run(data, size, NULL, 0, &rc1, o1, &l1, &u1, &s1);
	ch_run(data, size, cuts, 2, &rc2, o2, &l2, &u2, &s2);
	CHECK(rc1 == rc2 && s1 == s2 && l1 == l2 &&
	    memcmp(o1, o2, l1) == 0);
	CHECK(rc1 == HTTP_PARSE_ERROR || u1 == u2);
	free(o1);
	free(o2);
	return (0);
}
