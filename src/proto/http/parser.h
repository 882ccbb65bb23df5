/*
 * HTTP/1.1 request parser (RFC 9112, RFC 9110).
 *
 * Incremental and zero-copy: the caller keeps the bytes of one request in a
 * contiguous buffer that only grows at the end between calls (it may be
 * moved by realloc or compacted so that the request starts at offset 0, as
 * long as the request's bytes keep their offsets relative to the start).
 * Results are spans (offset, length) relative to the start of the request,
 * never pointers, so moving the buffer never invalidates them.  Headers go
 * into an array the caller provides: nothing is allocated per request.
 *
 * The parser is strict: where RFC 9112 allows a recipient to be lenient
 * (whitespace-separated request lines, obs-fold, repeated lengths that
 * differ) it rejects, so no intermediary can see a different message than we
 * do.  The one leniency kept is the RFC's "MAY recognize a single LF as a
 * line terminator" (§2.2): it cannot change where a message ends because a
 * bare CR is always an error.
 */
#ifndef TM_HTTP_PARSER_H
#define TM_HTTP_PARSER_H

#include <stddef.h>
#include <stdint.h>

/* Return values of the parsing functions. */
#define HTTP_PARSE_OK		0	/* complete: see the results */
#define HTTP_PARSE_AGAIN	1	/* need more bytes; call again */
#define HTTP_PARSE_ERROR	2	/* invalid: rq_status says which 4xx/5xx */

/* Methods; the order is fixed (bit masks in route config use it). */
#define HTTP_METHODS(X)							\
	X(GET,		"GET")						\
	X(HEAD,		"HEAD")						\
	X(POST,		"POST")						\
	X(PUT,		"PUT")						\
	X(DELETE,	"DELETE")					\
	X(CONNECT,	"CONNECT")					\
	X(OPTIONS,	"OPTIONS")					\
	X(TRACE,	"TRACE")					\
	X(PATCH,	"PATCH")

enum http_method {
	HTTP_M_UNKNOWN = 0,
#define X(id, name) HTTP_M_##id,
	HTTP_METHODS(X)
#undef X
	HTTP_M__COUNT
};
#define HTTP_METHOD_BIT(m)	(1u << (m))

/* Request-target forms (RFC 9112 §3.2). */
enum http_target_form {
	HTTP_FORM_ORIGIN = 0,	/* /path?query */
	HTTP_FORM_ABSOLUTE,	/* http://host/path?query */
	HTTP_FORM_AUTHORITY,	/* host:port, CONNECT only */
	HTTP_FORM_ASTERISK	/* *, OPTIONS only */
};

/*
 * Header fields the server acts on get an ID while parsing, so later code
 * never compares names again.  Everything else is HTTP_H_OTHER.
 */
#define HTTP_HEADERS(X)							\
	X(HOST,			"Host")					\
	X(CONNECTION,		"Connection")				\
	X(CONTENT_LENGTH,	"Content-Length")			\
	X(TRANSFER_ENCODING,	"Transfer-Encoding")			\
	X(EXPECT,		"Expect")				\
	X(IF_MATCH,		"If-Match")				\
	X(IF_NONE_MATCH,	"If-None-Match")			\
	X(IF_MODIFIED_SINCE,	"If-Modified-Since")			\
	X(IF_UNMODIFIED_SINCE,	"If-Unmodified-Since")			\
	X(IF_RANGE,		"If-Range")				\
	X(RANGE,		"Range")				\
	X(ACCEPT_ENCODING,	"Accept-Encoding")			\
	X(USER_AGENT,		"User-Agent")				\
	X(REFERER,		"Referer")				\
	X(TE,			"TE")					\
	X(UPGRADE,		"Upgrade")

enum http_header_id {
	HTTP_H_OTHER = 0,
#define X(id, name) HTTP_H_##id,
	HTTP_HEADERS(X)
#undef X
	HTTP_H__COUNT
};

struct http_span {
	uint32_t	sp_off;		/* from the start of the request */
	uint32_t	sp_len;
};

struct http_header {
	struct http_span hh_name;
	struct http_span hh_value;	/* OWS trimmed on both sides */
	uint8_t		hh_id;		/* enum http_header_id */
};

struct http_limits {
	uint32_t	hl_request_line;	/* bytes, CRLF included: 414 */
	uint32_t	hl_header_bytes;	/* header section: 431 */
	uint32_t	hl_header_count;	/* fields: 431 */
};
#define HTTP_DEFAULT_REQUEST_LINE	8192
#define HTTP_DEFAULT_HEADER_BYTES	32768
#define HTTP_DEFAULT_HEADER_COUNT	100

/* rq_flags */
#define HTTP_RQ_CLOSE		0x01	/* Connection: close (or 1.0 default) */
#define HTTP_RQ_KEEPALIVE	0x02	/* Connection: keep-alive seen */
#define HTTP_RQ_CHUNKED		0x04	/* body is chunked */
#define HTTP_RQ_LENGTH		0x08	/* body has a Content-Length */
#define HTTP_RQ_CONTINUE	0x10	/* Expect: 100-continue */
#define HTTP_RQ_HOST		0x20	/* a Host field was present */

struct http_request {
	/* Parser state: private to parser.c. */
	uint32_t	rq_state;
	uint32_t	rq_pos;		/* next byte to look at */
	uint32_t	rq_mark;	/* start of the token being scanned */
	uint32_t	rq_line;	/* start of the current line */
	uint32_t	rq_aux;
	uint32_t	rq_hdr_bytes;	/* header section bytes so far */

	/* Results, valid after HTTP_PARSE_OK. */
	uint8_t		rq_method;	/* enum http_method */
	uint8_t		rq_form;	/* enum http_target_form */
	uint8_t		rq_major;	/* 1 */
	uint8_t		rq_minor;	/* 0 or 1 (1.x, x > 1, reads as 1) */
	uint8_t		rq_flags;	/* HTTP_RQ_* */
	uint16_t	rq_status;	/* on HTTP_PARSE_ERROR: 400, 414, ... */
	const char	*rq_error;	/* on error: short reason, for logs */
	struct http_span rq_method_span;
	struct http_span rq_target;	/* the whole request-target */
	struct http_span rq_path;	/* path of origin/absolute form, raw */
	struct http_span rq_query;	/* after '?', without it; may be empty */
	struct http_span rq_host;	/* authority of absolute form, else the
					   Host value; port included */
	uint64_t	rq_content_length;
	uint32_t	rq_head_len;	/* request line + fields + empty line */
	uint16_t	rq_nheaders;
	uint16_t	rq_maxheaders;	/* capacity of rq_headers */
	struct http_header *rq_headers;
	/* Index into rq_headers of the first field with each ID, or -1. */
	int16_t		rq_hdr_index[HTTP_H__COUNT];
	/* Bit (1 << ID): that field came on more than one line. */
	uint32_t	rq_hdr_dups;
};

#define HTTP_REQUEST_DUP(rq, id)	(((rq)->rq_hdr_dups >> (id)) & 1)

/* Prepare for a new request; hdrs has room for maxhdrs fields. */
void	http_request_init(struct http_request *, struct http_header *hdrs,
	    unsigned int maxhdrs);

/*
 * Parse as much of the request head as buf[0..len) holds; buf starts at the
 * request's first byte (empty lines before a request line are skipped and
 * counted in rq_head_len).  Returns HTTP_PARSE_OK when the empty line that
 * ends the head has been seen, HTTP_PARSE_AGAIN when more input is needed,
 * HTTP_PARSE_ERROR with rq_status and rq_error set.  A request line longer
 * than hl_request_line gives 414, a header section longer than
 * hl_header_bytes or with more than hl_header_count fields gives 431 — as
 * soon as the limit is passed, without waiting for the end.
 */
int	http_parse_request(struct http_request *, const char *buf, size_t len,
	    const struct http_limits *);

/*
 * Whether a byte of the request line has come: the empty lines a server
 * skips before it (RFC 9112 §2.2) start no request.
 */
int	http_request_begun(const struct http_request *);

/*
 * How many bytes at buf's start are whole empty lines (CRLF, or LF as
 * RS_START takes it), which a server skips before a request line.
 */
size_t	http_empty_lines(const char *buf, size_t len);

/* Span helpers. */
#define HTTP_SPAN_PTR(buf, sp)	((const char *)(buf) + (sp).sp_off)

/* The first field with this ID, or NULL. */
const struct http_header *http_request_header(const struct http_request *,
	    enum http_header_id);

/* Method name for logs ("GET"), or NULL for HTTP_M_UNKNOWN. */
const char *http_method_name(unsigned int);

/*
 * Chunked request bodies (RFC 9112 §7.1), decoded in place: the data bytes
 * of buf[0..len) are moved to the front of buf, framing is dropped.  Chunk
 * extensions are checked for syntax and ignored; trailer fields are checked
 * like header fields (hl_header_bytes and hl_header_count bound them) and
 * discarded.
 */
struct http_chunked {
	uint32_t	ch_state;	/* private */
	uint32_t	ch_line;	/* bytes of the current size line/trailer */
	uint32_t	ch_extra;	/* size-line bytes past CH_LINE_FREE each */
	uint64_t	ch_left;	/* data bytes left in this chunk */
	uint32_t	ch_trailer_bytes;
	uint32_t	ch_trailers;
	uint16_t	ch_status;	/* on error: 400 (or 431 for trailers) */
	const char	*ch_error;
};

void	http_chunked_init(struct http_chunked *);

/*
 * Decode buf[0..len).  Sets *used to the input bytes consumed and *out to
 * the data bytes now at buf[0..*out).  Returns HTTP_PARSE_AGAIN when the body
 * continues past len (then *used == len: a partial size line or trailer is
 * remembered in the state, not left in buf), HTTP_PARSE_OK after the last
 * chunk and the trailer section (bytes after it are not used: they are the
 * next request), or HTTP_PARSE_ERROR with ch_status set.  Chunk sizes that
 * overflow 63 bits, size lines or extensions over 4096 bytes, and bad hex
 * are errors (400).  Size lines may carry 16 KiB in all, per body, past
 * their first 18 bytes (a 64-bit size in hex and CRLF): extensions and
 * leading zeros beyond that are a 413, as the data beyond the body limit.
 */
int	http_chunked_decode(struct http_chunked *, char *buf, size_t len,
	    size_t *used, size_t *out, const struct http_limits *);

#endif /* TM_HTTP_PARSER_H */
