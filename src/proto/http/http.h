/*
 * HTTP/1.1 over a transport: the module's private interfaces.
 *
 * A connection holds a struct http_req only while a request is in flight;
 * an idle keep-alive connection holds neither a request nor a buffer, so
 * thousands of them cost little more than their slot.
 */
#ifndef TM_HTTP_H
#define TM_HTTP_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#include "proto/http/parser.h"
#include "proto/proto.h"

struct config;
struct conn;
struct http_req;
struct route_conf;
struct site_conf;

extern const struct proto proto_http;
extern const struct proto proto_https;

int	http_worker_init(const struct config *);
void	http_worker_fini(void);
void	http_reopen_logs(void);
void	http_tick(uint64_t now_ms);
int64_t	http_next_ms(uint64_t now_ms);
const struct sockaddr *http_req_peer_sa(const struct http_req *);

/* Request phases. */
enum http_phase {
	HTTP_PH_HEAD = 0,	/* reading the request head */
	HTTP_PH_BODY,		/* reading (and discarding) the body */
	HTTP_PH_WRITE,		/* writing the response */
	HTTP_PH_LINGER		/* response sent, draining input, closing */
};

enum http_body_kind {
	HTTP_BODY_NONE = 0,
	HTTP_BODY_MEM,
	HTTP_BODY_FD,
	HTTP_BODY_STREAM
};

/* rq_flags */
#define HTTP_F_KEEPALIVE	0x0001	/* the connection may continue */
#define HTTP_F_HEAD		0x0002	/* HEAD: headers only */
#define HTTP_F_CHUNKED_OUT	0x0004	/* response body is chunked */
#define HTTP_F_MEM_OWNED	0x0008	/* rb_mem is ours to free */
#define HTTP_F_HEAD_BUILT	0x0010	/* response head serialised */
#define HTTP_F_BODY_DONE	0x0020	/* request body fully consumed */
#define HTTP_F_CONTINUE_SENT	0x0040	/* 100 Continue written */
#define HTTP_F_STREAM_EOF	0x0080	/* stream callback returned 0 */
#define HTTP_F_LOGGED		0x0100	/* access log line written */
#define HTTP_F_ERROR_PAGE	0x0200	/* body is an error page */
#define HTTP_F_FIN_HELD		0x0400	/* last bytes held for the FIN */
#define HTTP_F_PROTO_ERR	0x0800	/* refused as malformed: closes */
#define HTTP_F_ANSWERED		0x1000	/* handler ran before the body */
#define HTTP_F_NOT_TLS		0x2000	/* plain HTTP on a TLS port */

#define HTTP_PATH_MAX		8192	/* normalised path, bytes */
/* A handler's fields start in the request; more move to the heap. */
#define HTTP_HBUF_SIZE		2048
#define HTTP_OUT_SIZE		16384	/* head, small bodies, TLS chunks */
/* Of rq_out, what a head's own lines (status, Date, framing) may take. */
#define HTTP_HEAD_OWN_MAX	2048

struct http_req {
	struct conn	*rq_conn;
	uint8_t		 rq_phase;	/* enum http_phase */
	uint16_t	 rq_flags;	/* HTTP_F_* */
	struct http_request rq_p;	/* parser state and results */
	/* Request body consumption. */
	uint64_t	 rq_body_left;	/* Content-Length bytes to go */
	uint64_t	 rq_body_total;	/* decoded so far (limit checks) */
	uint64_t	 rq_body_max;	/* more is a 413 (or the refusal) */
	unsigned int	 rq_refused;	/* status once a dropped body is read */
	struct http_chunked rq_chunked;
	/* Routing. */
	const struct site_conf *rq_site;
	const struct route_conf *rq_route;
	size_t		 rq_path_len;
	const char	*rq_subpath;
	char		 rq_host[256];	/* lower-cased, no port */
	char		 rq_peer[48];	/* text form of the peer address */
	struct sockaddr_storage rq_peer_sa;
	/* Response. */
	unsigned int	 rq_status;
	uint8_t		 rq_body_kind;	/* enum http_body_kind */
	int64_t		 rq_clen;	/* Content-Length, -1 unknown */
	const char	*rq_mem;
	size_t		 rq_mem_len;
	int		 rq_fd;
	off_t		 rq_fd_off;
	off_t		 rq_fd_left;
	ssize_t		(*rq_fill)(void *, char *, size_t);
	void		(*rq_fin)(void *);
	void		*rq_arg;
	size_t		 rq_hlen;	/* handler's fields, formatted */
	char		*rq_hheap;	/* they outgrew rq_hbuf: here, or NULL */
	size_t		 rq_hcap;	/* rq_hheap's size */
	/* Output: rq_out[rq_out_off..rq_out_len) is pending. */
	size_t		 rq_out_len;
	size_t		 rq_out_off;
	size_t		 rq_mem_off;
	uint64_t	 rq_sent;	/* body bytes written (logs) */
	int		 rq_unsent;	/* socket queue when the send
					   deadline was set (SIOCOUTQ) */
	uint64_t	 rq_start_ms;
	uint64_t	 rq_in_bytes;	/* request bytes (logs) */
	uint64_t	 rq_lingered;	/* bytes the lingering close dropped */
	/* Buffers, allocated with the request. */
	char		 rq_path[HTTP_PATH_MAX + 1];
	char		 rq_hbuf[HTTP_HBUF_SIZE];
	char		 rq_out[HTTP_OUT_SIZE];
	/* Header array: rq_p.rq_maxheaders entries follow. */
	struct http_header rq_hdrs[];
};

/* The request's raw bytes (head) live at the start of the connection's
   input buffer while it is processed. */
const char	*http_req_buf(const struct http_req *);

/* request.c: a field by the parser's ID (NULL when absent); _single
   also NULL when the field is on several lines (a single item is then
   invalid). */
const char	*http_req_field(const struct http_req *, enum http_header_id,
		    size_t *len);
const char	*http_req_single(const struct http_req *, enum http_header_id,
		    size_t *len);
/* Whether gzip is acceptable, by every Accept-Encoding line together. */
int		 http_req_accepts_gzip(const struct http_req *);
/* 0, 304 or 412: see http_resp_preconditions() in handler.h. */
int		 http_req_preconditions(const struct http_req *,
		    const char *etag, size_t etag_len, const time_t *mtime);

/* response.c */
const char *http_resp_common(size_t *len);
void	http_resp_reset(struct http_req *);
int	http_resp_build_head(struct http_req *);
#define HTTP_HEAD_SHORT	(-2)	/* http_resp_build_head(): file shrank */
const char *http_status_text(unsigned int);
int	http_resp_error_page(struct http_req *, unsigned int);
void	http_resp_free_body(struct http_req *);
void	http_resp_drop_headers(struct http_req *);
/* The longest Location http_resp_redirect() can send for hr, beside
   the fields it has so far. */
size_t	http_resp_location_max(const struct http_req *);
int	http_resp_refill(struct http_req *);
int	http_resp_header_raw(struct http_req *, const char *, size_t);
int	http_resp_body_ref(struct http_req *, const void *, size_t,
	    void (*)(void *), void *);

/* site.c */
const struct site_conf *http_site_select(const struct config *,
	    size_t listener, const char *host, size_t hostlen);
const struct site_conf *http_site_of(const struct http_req *);
const struct route_conf *http_route_select(const struct site_conf *,
	    const char *path, size_t len);

/* handler.c: a configuration load starts (before its plugins). */
void	http_handlers_begin(void);

/* accesslog.c */
int	accesslog_init(const struct config *);
void	accesslog_write(struct http_req *);
void	accesslog_flush(int force);
void	accesslog_reopen(void);
void	accesslog_fini(void);
void	accesslog_prepare(const struct config *);

/* Built-in handlers. */
extern const struct http_handler http_handler_static;
extern const struct http_handler http_handler_redirect;
extern const struct http_handler http_handler_status;

/* The worker's configuration (inherited at fork). */
extern const struct config *http_cf;
/* The segment, for the status handler (set by the worker). */
struct shm;
extern struct shm *http_status_shm;

#endif /* TM_HTTP_H */
