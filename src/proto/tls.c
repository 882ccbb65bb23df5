/*
 * The TLS transport: OpenSSL driven non-blocking from the worker's
 * edge-triggered loop, and the per-listener contexts the master builds.
 *
 * Reads and writes map OpenSSL's WANT_READ / WANT_WRITE onto EAGAIN.  A
 * read that needs the socket writable (or a write that needs it readable)
 * sets CONN_F_TLS_WR (CONN_F_TLS_RD), and tls_events() turns the edge that
 * unblocks it into the direction the protocol is waiting for, so HTTP
 * retries exactly the call that stalled without knowing why.
 *
 * Writes go out as full 16 KiB records, small iovecs gathered into one.
 * A record OpenSSL could not finish sending stays in its buffer, and the
 * retry must offer the same bytes again (tl_wpending remembers how many;
 * SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER lets them come from a new address).
 * SSL_MODE_RELEASE_BUFFERS gives the buffers back while a keep-alive
 * connection idles.
 *
 * A client that speaks plain HTTP to the port (a request line where a
 * ClientHello belongs) is not cut: what it sent is kept in c_in, the
 * handshake says so, and from then on the transport moves bytes in
 * clear, so that HTTP answers it 400, logs it and drains it as it does
 * any error that closes.
 */
#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include "lib/cfg.h"
#include "lib/log.h"
#include "master/config.h"
#include "proto/conn.h"
#include "proto/proto.h"
#include "proto/tls.h"
#include "shm/shm.h"

/* One record's worth of plaintext (RFC 8446 5.1). */
#define TLS_RECORD		16384
/* An OCSP response larger than this is not a response. */
#define TLS_OCSP_MAX		(64 * 1024)
/* SNI host names are DNS names (RFC 6066 3). */
#define TLS_NAME_MAX		255
/* The client's first bytes kept: room for a method and its space. */
#define TLS_FIRST		32

/*
 * TLS 1.2 ciphers when the listener names none: Mozilla's "intermediate"
 * list, forward secret and AEAD only.  TLS 1.3 suites: OpenSSL's three,
 * AES-128 first.  All are strong, so the server picks in its own order:
 * AES-128-GCM costs less per record and SHA-256 less per handshake than
 * their larger siblings; a client that lists ChaCha20 first (no AES in
 * hardware) still gets it (SSL_OP_PRIORITIZE_CHACHA).
 */
#define TLS_DEFAULT_SUITES						\
	"TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256:"		\
	"TLS_AES_256_GCM_SHA384"
#define TLS_DEFAULT_CIPHERS						\
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"	\
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"	\
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"	\
	"DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:"		\
	"DHE-RSA-CHACHA20-POLY1305"

/*
 * ALPN, in our order of preference (wire format: length-prefixed).  An h2
 * protocol would add "\x02h2" in front and look at SSL_get0_alpn_selected()
 * after the handshake to pick its protocol; HTTP/1.x needs nothing more.
 */
static const unsigned char tls_alpn[] = "\x08http/1.1\x08http/1.0";

struct tls_ocsp {
	unsigned char	*to_der;
	long		 to_len;
	X509		*to_cert;	/* whose status it is (ts_ctx's) */
};

/* A context and what its callbacks need, freed together. */
struct tls_site {
	SSL_CTX		*ts_ctx;
	/* TLS_CERTS_MAX, one per certificate (to_der NULL: none), or NULL;
	   apart, as tls_site moves while sites are added. */
	struct tls_ocsp	*ts_ocsp;
};

/* An SNI name: "*.example.org" is kept as the suffix ".example.org". */
struct tls_sni {
	char		*sn_name;	/* lower case */
	size_t		 sn_len;
	int		 sn_wild;
	SSL_CTX		*sn_ctx;	/* one of tx_sites' */
};

/* A listener's contexts: its own (the default) and its sites'. */
struct tls_ctx {
	struct tls_site	 tx_def;
	struct tls_site	*tx_sites;
	size_t		 tx_nsites;
	struct tls_sni	*tx_sni;
	size_t		 tx_nsni;
};

/* Per connection, in c_tls. */
struct tls_conn {
	SSL		*tl_ssl;
	struct conn	*tl_conn;	/* for the BIO: counts, plain capture */
	/* On the idle list (oldest first) since tl_idle_ms, when queued. */
	TAILQ_ENTRY(tls_conn) tl_idle;
	uint64_t	 tl_idle_ms;
	uint32_t	 tl_wpending;	/* record length a retry must offer */
	uint8_t		 tl_flags;
	/* What the peer sent first (tl_nfirst 0: nothing yet), as it came. */
	uint8_t		 tl_nfirst;
	unsigned char	 tl_first[TLS_FIRST];
};

#define TLS_CF_DONE	0x01	/* handshake complete */
#define TLS_CF_FATAL	0x02	/* no more I/O: no close_notify either */
#define TLS_CF_SHUT	0x04	/* our close_notify went out (or was tried) */
#define TLS_CF_DRAINED	0x08	/* the last socket read emptied the socket */
#define TLS_CF_IDLEQ	0x10	/* on tls_idleq */
/* The peer began with a token character, as no TLS record does: what it
   sends is kept in c_in, for a plain HTTP answer. */
#define TLS_CF_CAPTURE	0x20
/* The peer speaks plain HTTP: the socket is read and written in clear. */
#define TLS_CF_PLAIN	0x40

/*
 * Connections between requests, in the order they went idle.  OpenSSL's
 * 16 KiB read and write buffers are kept while a connection is busy
 * (SSL_MODE_RELEASE_BUFFERS allocated and freed both for every request:
 * about 1,000 instructions of a 23,700-instruction keep-alive request)
 * and given back once it has idled this long, so thousands of idle TLS
 * connections stay small and only those active in the last moment hold
 * buffers.
 */
#define TLS_IDLE_RELEASE_MS	100
static TAILQ_HEAD(, tls_conn) tls_idleq = TAILQ_HEAD_INITIALIZER(tls_idleq);

/*
 * The ticket keys.  The master fills them before the first fork; workers
 * get them by inheritance, then by CHAN_TICKETS.  Only this file sees them.
 */
static struct tls_tickets tls_keys;
static int		  tls_keys_ready;
static EVP_CIPHER	 *tls_ticket_cipher;	/* AES-256-CBC, fetched once */
/* Whether this worker has said if kTLS works (once, at debug level). */
static int		  tls_ktls_said;

static void	tls_err_reset(void);
static int	tls_bio_read(BIO *, char *, int);
static int	tls_bio_write(BIO *, const char *, int);
static int	tls_sock_meth_init(void);
static void	tls_ulp(int);
static void	tls_idle_unlink(struct tls_conn *);
static int	tls_open(struct conn *);
static int	tls_handshake(struct conn *);
static int	tls_silent(const struct conn *);
static int	tls_tchar(unsigned char);
static int	tls_plain_like(const struct tls_conn *);
static ssize_t	tls_read(struct conn *, void *, size_t);
static ssize_t	tls_writev(struct conn *, const struct iovec *, int, int);
static ssize_t	tls_sendfile(struct conn *, int, off_t *, size_t);
static int	tls_shutdown(struct conn *);
static void	tls_close(struct conn *);
static void	tls_idle(struct conn *);
static uint32_t	tls_events(struct conn *, uint32_t);
static void	tls_done(struct conn *, struct tls_conn *);
static const char *tls_errstr(char *, size_t);
static const char *tls_load_errstr(int, int, char *, size_t);
static const char *tls_gather(const struct iovec *, int, size_t, size_t,
		    char *);
static int	tls_tickets_init(void);
static int	tls_ticket_cb(SSL *, unsigned char *, unsigned char *,
		    EVP_CIPHER_CTX *, EVP_MAC_CTX *, int);
static SSL_TICKET_RETURN tls_ticket_use_cb(SSL *, SSL_SESSION *,
		    const unsigned char *, size_t, SSL_TICKET_STATUS, void *);
static int	tls_hello_name(SSL *, const unsigned char **, size_t *);
static int	tls_name_same(const unsigned char *, size_t, const char *);
static int	tls_sni_cb(SSL *, int *, void *);
static int	tls_alpn_cb(SSL *, const unsigned char **, unsigned char *,
		    const unsigned char *, unsigned int, void *);
static int	tls_ocsp_cb(SSL *, void *);
static int	tls_nopass_cb(char *, int, int, void *);
static int	tls_proto_version(const char *);
static int	tls_sid_make(const struct listener_conf *, unsigned char *);
static int	tls_site_build(struct cfg_ctx *, const struct config *,
		    const struct tls_conf *, const struct tls_conf *,
		    const unsigned char *, struct tls_site *);
static int	tls_settings(struct cfg_ctx *, const struct tls_conf *,
		    SSL_CTX *);
static int	tls_ocsp_load(struct cfg_ctx *, const struct tls_conf *,
		    const char *, struct tls_ocsp *);
static struct tls_ctx *tls_listener_build(struct cfg_ctx *,
		    const struct config *, size_t);
static int	tls_sni_add(struct tls_ctx *, const char *, SSL_CTX *);
static void	tls_site_free(struct tls_site *);
static SSL_CTX	*tls_sni_find(const struct tls_ctx *, const char *);

const struct transport transport_tls = {
	.tr_name = "tls",
	.tr_open = tls_open,
	.tr_handshake = tls_handshake,
	.tr_silent = tls_silent,
	.tr_read = tls_read,
	.tr_writev = tls_writev,
	.tr_sendfile = tls_sendfile,	/* only with kTLS: CONN_F_NOSENDFILE */
	.tr_shutdown = tls_shutdown,
	.tr_close_notify = 1,
	.tr_close = tls_close,
	.tr_events = tls_events,
	.tr_idle = tls_idle,
};

/* ---- the transport ----------------------------------------------------- */

/*
 * SSL_get_error() reads the thread's error queue, so the queue must be
 * empty before every call whose result it explains.  ERR_clear_error()
 * wipes all sixteen entries (about 250 ns with OpenSSL 3.0, twice per
 * request); a peek at an empty queue costs a tenth of that.
 */
static inline void
tls_err_reset(void)
{
	if (ERR_peek_error() != 0)
		ERR_clear_error();
}

/*
 * The socket BIO, with its read watched.  With read-ahead OpenSSL asks the
 * socket for as much as its buffer holds; an answer shorter than that (or
 * EAGAIN) means the socket is empty and the next byte brings a new edge,
 * which is what lets tls_read() stop without one more read(2) to hear
 * EAGAIN.  A method of our own rather than a BIO callback: OpenSSL calls a
 * callback twice around every BIO operation, ctrls included (about 28 calls
 * and 1,100 instructions per keep-alive request).  The write is wrapped
 * too, to count the handshake's bytes.  Everything else is the socket
 * BIO's own, kTLS included (tls_ulp() does the one thing SSL_set_fd() did
 * besides).
 */
static BIO_METHOD	*tls_sock_meth;
static int		(*tls_sock_read)(BIO *, char *, int);
static int		(*tls_sock_write)(BIO *, const char *, int);

static int
tls_bio_read(BIO *b, char *out, int outl)
{
	struct tls_conn *tl = (struct tls_conn *)BIO_get_callback_arg(b);
	struct conn *c = tl->tl_conn;
	size_t k;
	int n;

	n = tls_sock_read(b, out, outl);
	if (n > 0 && !(tl->tl_flags & TLS_CF_DONE)) {
		/*
		 * The handshake's bytes count as they cross the socket, as
		 * any others, so that tamarinctl shows a stalled handshake's
		 * traffic; after it, HTTP counts the plaintext.
		 */
		conn_count_in(c, (size_t)n);
		/*
		 * The first bytes, for tls_silent() and tls_plain_like(): a
		 * ClientHello brings them all in its first read, so this
		 * copies once per connection and is one test on every later
		 * read.  A peer that begins with a token character, which no
		 * TLS record does, may be speaking plain HTTP: what it sends
		 * is kept in c_in (one pooled buffer at most), for HTTP to
		 * answer and log.
		 */
		if (tl->tl_nfirst == 0 && tls_tchar((unsigned char)out[0]) &&
		    conn_in_reserve(c, 1) == 0)
			tl->tl_flags |= TLS_CF_CAPTURE;
		if (tl->tl_nfirst < TLS_FIRST) {
			k = (size_t)(TLS_FIRST - tl->tl_nfirst);
			if (k > (size_t)n)
				k = (size_t)n;
			memcpy(tl->tl_first + tl->tl_nfirst, out, k);
			tl->tl_nfirst += (uint8_t)k;
		}
		if (tl->tl_flags & TLS_CF_CAPTURE) {
			k = c->c_in_size - c->c_in_len;
			if (k > (size_t)n)
				k = (size_t)n;
			memcpy(c->c_in + c->c_in_len, out, k);
			c->c_in_len += (uint32_t)k;
		}
	}
	if (n > 0 && n >= outl)
		tl->tl_flags &= ~TLS_CF_DRAINED;
	else if (n > 0 || BIO_should_retry(b))
		tl->tl_flags |= TLS_CF_DRAINED;
	return (n);
}

/* The socket BIO's write, counting the handshake's bytes as they go. */
static int
tls_bio_write(BIO *b, const char *in, int inl)
{
	struct tls_conn *tl = (struct tls_conn *)BIO_get_callback_arg(b);
	struct conn *c = tl->tl_conn;
	uint16_t delack;
	int n;

	n = tls_sock_write(b, in, inl);
	if (n > 0 && !(tl->tl_flags & TLS_CF_DONE)) {
		/*
		 * Counted, but CONN_F_DELACK stays: the client's last flight
		 * may come after our last write (an abbreviated handshake),
		 * and its ACK is for conn_ack_now() to send when a request
		 * must be waited for, as before this count.
		 */
		delack = c->c_flags & CONN_F_DELACK;
		conn_count_out(c, (size_t)n);
		c->c_flags |= delack;
	}
	return (n);
}

static int
tls_sock_meth_init(void)
{
	const BIO_METHOD *sock = BIO_s_socket();
	int idx;

	if ((idx = BIO_get_new_index()) == -1 ||
	    (tls_sock_meth = BIO_meth_new(idx | BIO_TYPE_SOURCE_SINK |
	    BIO_TYPE_DESCRIPTOR, "tamarin socket")) == NULL)
		return (-1);
	tls_sock_read = BIO_meth_get_read(sock);
	tls_sock_write = BIO_meth_get_write(sock);
	if (tls_sock_read == NULL || tls_sock_write == NULL ||
	    BIO_meth_set_read(tls_sock_meth, tls_bio_read) != 1 ||
	    BIO_meth_set_write(tls_sock_meth, tls_bio_write) != 1 ||
	    BIO_meth_set_puts(tls_sock_meth, BIO_meth_get_puts(sock)) != 1 ||
	    BIO_meth_set_ctrl(tls_sock_meth, BIO_meth_get_ctrl(sock)) != 1 ||
	    BIO_meth_set_create(tls_sock_meth,
	    BIO_meth_get_create(sock)) != 1 ||
	    BIO_meth_set_destroy(tls_sock_meth,
	    BIO_meth_get_destroy(sock)) != 1) {
		BIO_meth_free(tls_sock_meth);
		tls_sock_meth = NULL;
		return (-1);
	}
	return (0);
}

/*
 * What SSL_set_fd() does for kTLS in OpenSSL releases before the kernel
 * "tls" layer moved to key time: put it on the socket, which must be done
 * before OpenSSL can hand the keys over.  Later releases attach it again
 * then, and that second try fails harmlessly (EEXIST).  Where the kernel
 * has no such layer every connection would pay a failing setsockopt(2),
 * so after the first "no such layer" this worker stops asking (a reload
 * starts new workers, which ask again).
 */
static void
tls_ulp(int fd)
{
#if !defined(OPENSSL_NO_KTLS) && defined(TCP_ULP)
	static int missing;

	if (!missing && setsockopt(fd, IPPROTO_TCP, TCP_ULP, "tls",
	    sizeof("tls")) == -1 && errno == ENOENT)
		missing = 1;
#else
	(void)fd;
#endif
}

static int
tls_open(struct conn *c)
{
	const struct tls_ctx *tx = c->c_lc->lc_tls_ctx;
	struct shm_slot *sl = c->c_sl;
	struct tls_conn *tl;
	char err[128];
	BIO *bio = NULL;

	if (tx == NULL) {
		log_warnx("listener %s: no TLS context", c->c_lc->lc_name);
		return (-1);
	}
	if ((tl = calloc(1, sizeof(*tl))) == NULL) {
		log_warn("tls_open: calloc() failed");
		return (-1);
	}
	tls_err_reset();
	if ((tls_sock_meth == NULL && tls_sock_meth_init() == -1) ||
	    (tl->tl_ssl = SSL_new(tx->tx_def.ts_ctx)) == NULL ||
	    (bio = BIO_new(tls_sock_meth)) == NULL) {
		log_warnx("tls_open: %s failed: %s", tls_sock_meth == NULL ?
		    "BIO_meth_new()" : tl->tl_ssl == NULL ? "SSL_new()" :
		    "BIO_new()", tls_errstr(err, sizeof(err)));
		BIO_free(bio);
		SSL_free(tl->tl_ssl);
		free(tl);
		return (-1);
	}
	/*
	 * The BIO's own read and write find tl by the callback argument, a
	 * plain field nothing else uses without a callback: the data
	 * pointer is the socket BIO's (newer OpenSSL keeps state there), and
	 * BIO_get_app_data() is an ex_data lookup, twice per request.
	 */
	BIO_set_callback_arg(bio, (char *)tl);
	/* The BIO does not own the fd: conn_close() does. */
	BIO_set_fd(bio, c->c_fd, BIO_NOCLOSE);
	SSL_set_bio(tl->tl_ssl, bio, bio);
	tls_ulp(c->c_fd);
	SSL_set_accept_state(tl->tl_ssl);
	tl->tl_conn = c;
	c->c_tls = tl;
	/* Until kTLS says otherwise, files go through the record layer. */
	c->c_flags |= CONN_F_NOSENDFILE;
	slot_write_begin(sl);
	sl->sl_flags |= TM_SLF_TLS;
	slot_write_end(sl);
	return (0);
}

/*
 * 0: done; 1: again on the next event; 2: plain HTTP, read and written in
 * clear from now on; -1: failed (close, CONN_TLS).
 */
static int
tls_handshake(struct conn *c)
{
	struct tls_conn *tl = c->c_tls;
	char err[128];
	int r, se;

	tls_err_reset();
	r = SSL_do_handshake(tl->tl_ssl);
	if (r == 1) {
		tls_done(c, tl);
		return (0);
	}
	se = SSL_get_error(tl->tl_ssl, r);
	if (se == SSL_ERROR_WANT_READ) {
		/*
		 * OpenSSL read until EAGAIN: the next byte brings an edge.
		 * Not left set, or a silent client would look busy to
		 * conn_reclaim() for its whole handshake_sec.
		 */
		c->c_flags &= ~CONN_F_RD;
		return (1);
	}
	if (se == SSL_ERROR_WANT_WRITE)
		return (1);
	/*
	 * Decided from the bytes OpenSSL refused, not from its reason: it
	 * names only GET, HEAD, POST, PUT and CONNECT, and any other method
	 * is just a "wrong version number".  HTTP answers it, in clear,
	 * from the request kept in c_in.
	 */
	if (se == SSL_ERROR_SSL && (tl->tl_flags & TLS_CF_CAPTURE) &&
	    tls_plain_like(tl)) {
		log_debug("connection %u: plain HTTP on a TLS port",
		    c->c_slot);
		ERR_clear_error();
		tl->tl_flags |= TLS_CF_PLAIN;
		return (2);
	}
	tl->tl_flags |= TLS_CF_FATAL;
	if (se == SSL_ERROR_SYSCALL)
		log_debug("connection %u: TLS handshake: %s", c->c_slot,
		    errno != 0 ? strerror(errno) : "connection closed");
	else
		log_debug("connection %u: TLS handshake failed: %s",
		    c->c_slot, tls_errstr(err, sizeof(err)));
	ERR_clear_error();
	return (-1);
}

/* Nothing of a ClientHello yet: conn_reclaim() may take the slot. */
static int
tls_silent(const struct conn *c)
{
	const struct tls_conn *tl = c->c_tls;

	return (tl != NULL && tl->tl_nfirst == 0);
}

/* An RFC 9110 tchar: what a method is made of. */
static int
tls_tchar(unsigned char ch)
{
	return ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') ||
	    (ch != '\0' && strchr("!#$%&'*+-.^_`|~", ch) != NULL));
}

/*
 * The client began with a request line: a method, RFC 9110 tchars, then
 * a space (RFC 9112 3).  No TLS record starts so: its first byte is a
 * content type (0x14 to 0x18), an SSLv2 hello's has its top bit set.
 */
static int
tls_plain_like(const struct tls_conn *tl)
{
	size_t i;

	for (i = 0; i < tl->tl_nfirst && tls_tchar(tl->tl_first[i]); i++)
		;
	return (i > 0 && i < tl->tl_nfirst && tl->tl_first[i] == ' ');
}

/* The handshake is done: publish what it agreed on, count it. */
static void
tls_done(struct conn *c, struct tls_conn *tl)
{
	const SSL_CIPHER *ci = SSL_get_current_cipher(tl->tl_ssl);
	struct shm_slot *sl = c->c_sl;
	int resumed = SSL_session_reused(tl->tl_ssl);

	tl->tl_flags |= TLS_CF_DONE;
	slot_write_begin(sl);
	sl->sl_tls_version = (uint16_t)SSL_version(tl->tl_ssl);
	if (ci != NULL) {
		sl->sl_tls_cipher = SSL_CIPHER_get_protocol_id(ci);
	}
	if (resumed)
		sl->sl_flags |= TM_SLF_RESUMED;
	slot_write_end(sl);
	conn_stat(TM_CTR_tls_handshakes, 1);
	if (resumed)
		conn_stat(TM_CTR_tls_resumed, 1);
	/* Until a request comes (it often came with the last flight). */
	tls_idle(c);
#ifndef OPENSSL_NO_KTLS
	/* The kernel encrypts: files can go out with sendfile(2) again. */
	if (BIO_get_ktls_send(SSL_get_wbio(tl->tl_ssl)))
		c->c_flags &= ~CONN_F_NOSENDFILE;
#endif
	if (!tls_ktls_said) {
		tls_ktls_said = 1;
		log_debug("kTLS send %s", (c->c_flags & CONN_F_NOSENDFILE) ?
		    "unavailable (no kernel tls module, or not for this "
		    "cipher): files are read and encrypted here" :
		    "active: files go out with SSL_sendfile()");
	}
}

static ssize_t
tls_read(struct conn *c, void *buf, size_t len)
{
	struct tls_conn *tl = c->c_tls;
	char err[128];
	int n, se;

	if (tl->tl_flags & TLS_CF_PLAIN)
		return (transport_plain.tr_read(c, buf, len));
	if (tl->tl_flags & TLS_CF_FATAL) {
		errno = EIO;
		return (-1);
	}
	tls_err_reset();
	errno = 0;
	n = SSL_read(tl->tl_ssl, buf, len > INT_MAX ? INT_MAX : (int)len);
	if (n > 0) {
		if (tl->tl_flags & TLS_CF_IDLEQ)
			tls_idle_unlink(tl);
		/* As plain_read(): an emptied socket needs no more reads. */
		if ((tl->tl_flags & TLS_CF_DRAINED) &&
		    !(c->c_flags & CONN_F_EOF) &&
		    !SSL_has_pending(tl->tl_ssl))
			c->c_flags &= ~CONN_F_RD;
		return (n);
	}
	se = SSL_get_error(tl->tl_ssl, n);
	switch (se) {
	case SSL_ERROR_WANT_READ:
		errno = EAGAIN;
		return (-1);
	case SSL_ERROR_WANT_WRITE:
		/* Retried when the socket turns writable: tls_events(). */
		c->c_flags |= CONN_F_TLS_WR;
		errno = EAGAIN;
		return (-1);
	case SSL_ERROR_ZERO_RETURN:
		/* close_notify, or EOF (SSL_OP_IGNORE_UNEXPECTED_EOF). */
		return (0);
	case SSL_ERROR_SYSCALL:
		tl->tl_flags |= TLS_CF_FATAL;
		if (errno == 0)
			return (0);
		return (-1);
	default:
		tl->tl_flags |= TLS_CF_FATAL;
		log_debug("connection %u: TLS read: %s", c->c_slot,
		    tls_errstr(err, sizeof(err)));
		errno = EPROTO;
		return (-1);
	}
}

/*
 * The bytes [off, off + len) of the iovecs: in place when one iovec holds
 * them all, else gathered into stage (len <= TLS_RECORD).
 */
static const char *
tls_gather(const struct iovec *iov, int cnt, size_t off, size_t len,
    char *stage)
{
	size_t k, got = 0;
	int i;

	for (i = 0; i < cnt && off >= iov[i].iov_len; i++)
		off -= iov[i].iov_len;
	if (i < cnt && iov[i].iov_len - off >= len)
		return ((const char *)iov[i].iov_base + off);
	for (; i < cnt && got < len; i++, off = 0) {
		k = iov[i].iov_len - off;
		if (k > len - got)
			k = len - got;
		memcpy(stage + got, (const char *)iov[i].iov_base + off, k);
		got += k;
	}
	return (stage);
}

static ssize_t
tls_writev(struct conn *c, const struct iovec *iov, int cnt, int more)
{
	struct tls_conn *tl = c->c_tls;
	char stage[TLS_RECORD], err[128];
	size_t avail = 0, total = 0, want;
	const char *p;
	int i, n, se;

	if (tl->tl_flags & TLS_CF_PLAIN)
		return (transport_plain.tr_writev(c, iov, cnt, more));
	if (tl->tl_flags & TLS_CF_FATAL) {
		errno = EIO;
		return (-1);
	}
	for (i = 0; i < cnt; i++)
		avail += iov[i].iov_len;
	while (total < avail) {
		want = avail - total < TLS_RECORD ? avail - total : TLS_RECORD;
		if (tl->tl_wpending != 0) {
			/* The stalled record first, with the same bytes. */
			if (tl->tl_wpending > avail - total) {
				log_warnx("connection %u: TLS write retried "
				    "with fewer bytes", c->c_slot);
				tl->tl_flags |= TLS_CF_FATAL;
				errno = EIO;
				return (-1);
			}
			want = tl->tl_wpending;
		}
		p = tls_gather(iov, cnt, total, want, stage);
		tls_err_reset();
		errno = 0;
		n = SSL_write(tl->tl_ssl, p, (int)want);
		if (n > 0) {
			tl->tl_wpending = 0;
			total += (size_t)n;
			continue;
		}
		se = SSL_get_error(tl->tl_ssl, n);
		if (se == SSL_ERROR_WANT_WRITE || se == SSL_ERROR_WANT_READ) {
			if (se == SSL_ERROR_WANT_READ)
				c->c_flags |= CONN_F_TLS_RD;
			tl->tl_wpending = (uint32_t)want;
			if (total > 0)
				return ((ssize_t)total);
			errno = EAGAIN;
			return (-1);
		}
		tl->tl_flags |= TLS_CF_FATAL;
		if (se == SSL_ERROR_SYSCALL && errno != 0)
			return (-1);
		log_debug("connection %u: TLS write: %s", c->c_slot,
		    tls_errstr(err, sizeof(err)));
		errno = EIO;
		return (-1);
	}
	return ((ssize_t)total);
}

/* Only reached with kTLS on the connection (CONN_F_NOSENDFILE clear). */
static ssize_t
tls_sendfile(struct conn *c, int fd, off_t *off, size_t count)
{
	struct tls_conn *tl = c->c_tls;
	ossl_ssize_t n;
	char err[128];
	int se;

	tls_err_reset();
	errno = 0;
	n = SSL_sendfile(tl->tl_ssl, fd, *off, count, 0);
	if (n > 0) {
		*off += n;
		return ((ssize_t)n);
	}
	se = SSL_get_error(tl->tl_ssl, (int)n);
	if (se == SSL_ERROR_WANT_WRITE) {
		errno = EAGAIN;
		return (-1);
	}
	tl->tl_flags |= TLS_CF_FATAL;
	log_debug("connection %u: SSL_sendfile: %s", c->c_slot,
	    tls_errstr(err, sizeof(err)));
	errno = EIO;
	return (-1);
}

/*
 * Orderly close, one bidirectional attempt and never a wait: our
 * close_notify, then once more to take the peer's if it is already here
 * (SSL_shutdown() returns 1), then a TCP half-close so the peer sees EOF.
 * What the socket cannot take or give now is given up: HTTP either closes
 * next, or lingers and reads the peer's close_notify as its EOF.
 */
static int
tls_shutdown(struct conn *c)
{
	struct tls_conn *tl = c->c_tls;
	int r, se, i;

	if (tl != NULL && (tl->tl_flags & TLS_CF_PLAIN))
		return (transport_plain.tr_shutdown(c));
	if (tl == NULL || !(tl->tl_flags & TLS_CF_DONE) ||
	    (tl->tl_flags & TLS_CF_FATAL))
		return (-1);
	if (!(tl->tl_flags & TLS_CF_SHUT)) {
		tl->tl_flags |= TLS_CF_SHUT;
		for (i = 0; i < 2; i++) {
			tls_err_reset();
			if ((r = SSL_shutdown(tl->tl_ssl)) == 1)
				break;		/* both ways done */
			if (r == 0)
				continue;	/* sent; the peer's next */
			se = SSL_get_error(tl->tl_ssl, r);
			ERR_clear_error();
			if (se != SSL_ERROR_WANT_WRITE &&
			    se != SSL_ERROR_WANT_READ) {
				tl->tl_flags |= TLS_CF_FATAL;
				return (-1);
			}
			/* Sent (the second try waits to read) or stuck. */
			if (i == 0)
				return (-1);
			break;
		}
	}
	if (shutdown(c->c_fd, SHUT_WR) == -1 && errno != ENOTCONN)
		return (-1);
	return (0);
}

static void
tls_close(struct conn *c)
{
	struct tls_conn *tl = c->c_tls;

	if (tl == NULL)
		return;
	/*
	 * The peer said close_notify and we have not: answer it, once and
	 * without waiting.  Timeouts and errors close quietly, as nginx
	 * does: nobody is listening for it there.
	 */
	if ((tl->tl_flags & (TLS_CF_DONE | TLS_CF_FATAL | TLS_CF_SHUT)) ==
	    TLS_CF_DONE &&
	    (SSL_get_shutdown(tl->tl_ssl) & SSL_RECEIVED_SHUTDOWN)) {
		tls_err_reset();
		(void)SSL_shutdown(tl->tl_ssl);
	}
	tls_err_reset();
	if (tl->tl_flags & TLS_CF_IDLEQ)
		tls_idle_unlink(tl);
	SSL_free(tl->tl_ssl);
	free(tl);
	c->c_tls = NULL;
}

/* Between requests: the buffers go back if no request comes soon. */
static void
tls_idle(struct conn *c)
{
	struct tls_conn *tl = c->c_tls;

	if (tl == NULL || (tl->tl_flags & TLS_CF_IDLEQ))
		return;
	tl->tl_flags |= TLS_CF_IDLEQ;
	tl->tl_idle_ms = conn_now_ms();
	TAILQ_INSERT_TAIL(&tls_idleq, tl, tl_idle);
}

static void
tls_idle_unlink(struct tls_conn *tl)
{
	TAILQ_REMOVE(&tls_idleq, tl, tl_idle);
	tl->tl_flags &= ~TLS_CF_IDLEQ;
}

/*
 * Give back the buffers of connections idle for TLS_IDLE_RELEASE_MS.  The
 * list is in idle order, so this touches only those that are due.
 * SSL_free_buffers() refuses buffers that still hold bytes; OpenSSL
 * allocates them again when the next record comes.
 */
void
tls_tick(uint64_t now_ms)
{
	struct tls_conn *tl;

	while ((tl = TAILQ_FIRST(&tls_idleq)) != NULL &&
	    now_ms - tl->tl_idle_ms >= TLS_IDLE_RELEASE_MS) {
		tls_idle_unlink(tl);
		(void)SSL_free_buffers(tl->tl_ssl);
	}
}

/* Milliseconds until tls_tick() has work; -1: none. */
int64_t
tls_next_ms(uint64_t now_ms)
{
	struct tls_conn *tl = TAILQ_FIRST(&tls_idleq);

	if (tl == NULL)
		return (-1);
	if (now_ms - tl->tl_idle_ms >= TLS_IDLE_RELEASE_MS)
		return (0);
	return ((int64_t)(TLS_IDLE_RELEASE_MS - (now_ms - tl->tl_idle_ms)));
}

/* An edge that unblocks a call stalled the other way counts for it. */
static uint32_t
tls_events(struct conn *c, uint32_t ev)
{
	if ((c->c_flags & CONN_F_TLS_WR) &&
	    (ev & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
		c->c_flags &= ~CONN_F_TLS_WR;
		ev |= EPOLLIN;
	}
	if ((c->c_flags & CONN_F_TLS_RD) &&
	    (ev & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP))) {
		c->c_flags &= ~CONN_F_TLS_RD;
		ev |= EPOLLOUT;
	}
	return (ev);
}

/* The reason of OpenSSL's last error, for a log line or a config error. */
static const char *
tls_errstr(char *buf, size_t sz)
{
	unsigned long e = ERR_peek_last_error();
	const char *r;

	if (e == 0) {
		(void)snprintf(buf, sz, "unknown error");
		return (buf);
	}
	if ((r = ERR_reason_error_string(e)) != NULL)
		(void)snprintf(buf, sz, "%s", r);
	else
		ERR_error_string_n(e, buf, sz);
	ERR_clear_error();
	return (buf);
}

/*
 * Why a certificate (key 0) or key (key 1) file did not load, emptying
 * the error queue.  OpenSSL's last error is its wrapper, "PEM lib", which
 * tells an operator nothing: say what is wrong instead, a passphrase
 * (asked), a file with no PEM block of the kind, else the first error.
 */
static const char *
tls_load_errstr(int key, int asked, char *buf, size_t sz)
{
	unsigned long e, first = ERR_peek_error();
	int none = 0;

	while ((e = ERR_get_error()) != 0)
		if ((ERR_GET_LIB(e) == ERR_LIB_PEM &&
		    ERR_GET_REASON(e) == PEM_R_NO_START_LINE) ||
		    (key && ERR_GET_LIB(e) == ERR_LIB_OSSL_DECODER &&
		    ERR_GET_REASON(e) == ERR_R_UNSUPPORTED))
			none = 1;
	if (asked)
		(void)snprintf(buf, sz, "encrypted with a passphrase, which "
		    "tamarind cannot ask for; give it the key unencrypted");
	else if (none)
		(void)snprintf(buf, sz, "no PEM %s in it", key ?
		    "private key" : "certificate");
	else if (first != 0 && ERR_reason_error_string(first) != NULL)
		(void)snprintf(buf, sz, "%s", ERR_reason_error_string(first));
	else if (first != 0)
		ERR_error_string_n(first, buf, sz);
	else
		(void)snprintf(buf, sz, "unknown error");
	return (buf);
}

/* ---- callbacks, run in the workers ------------------------------------- */

/*
 * Session tickets: sealed with the current key, opened with the current
 * or the previous one (RFC 5077 4's key_name says which).  A ticket under
 * the previous key is accepted and renewed (return 2); an unknown name
 * means a full handshake (return 0), never an error.
 */
static int
tls_ticket_cb(SSL *ssl, unsigned char *name, unsigned char *iv,
    EVP_CIPHER_CTX *ectx, EVP_MAC_CTX *hctx, int enc)
{
	const uint8_t *k;
	OSSL_PARAM params[3];
	int ret = 1;

	if (enc) {
		k = tls_keys.tt_cur;
		if (RAND_bytes(iv, EVP_CIPHER_get_iv_length(
		    EVP_aes_256_cbc())) != 1)
			return (-1);
		memcpy(name, k, 16);
	} else if (memcmp(name, tls_keys.tt_cur, 16) == 0) {
		k = tls_keys.tt_cur;
		/*
		 * TLS 1.3 clients use a ticket once (RFC 8446 C.4): without
		 * a fresh one after each resumption, every other connection
		 * would be a full handshake.
		 */
		if (SSL_version(ssl) >= TLS1_3_VERSION)
			ret = 2;
	} else if (tls_keys.tt_have_prev &&
	    memcmp(name, tls_keys.tt_prev, 16) == 0) {
		k = tls_keys.tt_prev;
		ret = 2;
	} else
		return (0);
	params[0] = OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY,
	    (void *)(k + 16), 32);
	params[1] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)"SHA256", 0);
	params[2] = OSSL_PARAM_construct_end();
	if (EVP_MAC_CTX_set_params(hctx, params) != 1)
		return (-1);
	if (enc)
		return (EVP_EncryptInit_ex(ectx, tls_ticket_cipher, NULL,
		    k + 48, iv) == 1 ? 1 : -1);
	return (EVP_DecryptInit_ex(ectx, tls_ticket_cipher, NULL, k + 48,
	    iv) == 1 ? ret : -1);
}

/*
 * A ticket resumes only a session made for the name the client asks for
 * now; else a full handshake, whose ticket is for the new name.  RFC 6066
 * 3: a server "MUST NOT accept the request to resume the session" when
 * server_name holds a different name.  Stricter than that, and for TLS
 * 1.3 too (OpenSSL 3.0 resumes either with any name): no name is a name
 * of its own, so a session made without SNI does not resume with one,
 * nor one made with SNI without it; either way the certificate a full
 * handshake would show may not be the session's.  Names are compared as
 * tls_sni_find() takes them: whatever the case, with or without a final
 * dot.
 *
 * Called only for a ClientHello that offers a ticket.  OpenSSL 3.0 looks
 * for the session before it reads the other extensions, TLS 1.3's PSK
 * too (SSL_get_servername() is NULL here), so the name comes from the
 * ClientHello as sent.  Were it out of reach, no ticket would resume: a
 * full handshake is never wrong.  Whether the ticket is renewed stays
 * tls_ticket_cb()'s choice.
 */
static SSL_TICKET_RETURN
tls_ticket_use_cb(SSL *ssl, SSL_SESSION *sess, const unsigned char *keyname,
    size_t keynamelen, SSL_TICKET_STATUS status, void *arg)
{
	const unsigned char *name;
	const char *made;
	size_t len;

	(void)keyname;
	(void)keynamelen;
	(void)arg;
	/* No ticket, or none we can open: a full handshake, a new ticket. */
	if (status != SSL_TICKET_SUCCESS && status != SSL_TICKET_SUCCESS_RENEW)
		return (SSL_TICKET_RETURN_IGNORE_RENEW);
	if (sess == NULL || tls_hello_name(ssl, &name, &len) == -1)
		return (SSL_TICKET_RETURN_IGNORE_RENEW);
	made = SSL_SESSION_get0_hostname(sess);
	if (name == NULL ? made != NULL :
	    made == NULL || !tls_name_same(name, len, made)) {
		log_debug("TLS session for another server name: full "
		    "handshake");
		return (SSL_TICKET_RETURN_IGNORE_RENEW);
	}
	return (status == SSL_TICKET_SUCCESS_RENEW ?
	    SSL_TICKET_RETURN_USE_RENEW : SSL_TICKET_RETURN_USE);
}

/*
 * The host name in the ClientHello being processed (*name NULL: it has
 * no server_name).  0, or -1 where there is no ClientHello at hand or its
 * server_name is malformed (OpenSSL refuses that one itself).  RFC 6066 3:
 * a list of one host_name (OpenSSL takes no more, nor another type).
 */
static int
tls_hello_name(SSL *ssl, const unsigned char **name, size_t *len)
{
	const unsigned char *p;
	size_t n;

	*name = NULL;
	*len = 0;
	/* 0 bytes of random: OpenSSL holds no ClientHello now. */
	if (SSL_client_hello_get0_random(ssl, &p) == 0)
		return (-1);
	if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_server_name, &p,
	    &n) != 1)
		return (0);
	if (n < 6 || ((size_t)p[0] << 8 | p[1]) != n - 2 ||
	    p[2] != TLSEXT_NAMETYPE_host_name ||
	    ((size_t)p[3] << 8 | p[4]) != n - 5)
		return (-1);
	*name = p + 5;
	*len = n - 5;
	return (0);
}

/* Host names a (len bytes, as sent) and b: the same, as DNS names are. */
static int
tls_name_same(const unsigned char *a, size_t len, const char *b)
{
	size_t blen = strlen(b), i;

	if (len > 0 && a[len - 1] == '.')
		len--;
	if (blen > 0 && b[blen - 1] == '.')
		blen--;
	if (len != blen)
		return (0);
	for (i = 0; i < len; i++)
		if (tolower(a[i]) != tolower((unsigned char)b[i]))
			return (0);
	return (1);
}

/*
 * SNI: a site's own certificate when the name is one of its names (exact,
 * then the longest "*.suffix", as sites are chosen by Host), else the
 * listener's.  A name we do not know is not an error: the default
 * certificate answers, as nginx's default server does.
 */
static int
tls_sni_cb(SSL *ssl, int *alert, void *arg)
{
	const struct tls_ctx *tx = arg;
	const char *name;
	SSL_CTX *ctx;

	(void)alert;
	name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
	if (name == NULL || tx == NULL || tx->tx_nsni == 0)
		return (SSL_TLSEXT_ERR_OK);
	if ((ctx = tls_sni_find(tx, name)) != NULL &&
	    ctx != SSL_get_SSL_CTX(ssl) && SSL_set_SSL_CTX(ssl, ctx) == NULL)
		return (SSL_TLSEXT_ERR_ALERT_FATAL);
	return (SSL_TLSEXT_ERR_OK);
}

static SSL_CTX *
tls_sni_find(const struct tls_ctx *tx, const char *name)
{
	char host[TLS_NAME_MAX + 1];
	const struct tls_sni *sn, *wild = NULL;
	size_t i, len = strlen(name);

	if (len == 0 || len > TLS_NAME_MAX)
		return (NULL);
	for (i = 0; i < len; i++)
		host[i] = (char)tolower((unsigned char)name[i]);
	host[len] = '\0';
	if (host[len - 1] == '.')
		host[--len] = '\0';
	for (i = 0; i < tx->tx_nsni; i++) {
		sn = &tx->tx_sni[i];
		if (!sn->sn_wild) {
			if (sn->sn_len == len && memcmp(sn->sn_name, host,
			    len) == 0)
				return (sn->sn_ctx);
			continue;
		}
		/* ".example.org" takes "a.example.org", not "example.org". */
		if (len > sn->sn_len && (wild == NULL ||
		    sn->sn_len > wild->sn_len) &&
		    memcmp(host + len - sn->sn_len, sn->sn_name,
		    sn->sn_len) == 0)
			wild = sn;
	}
	return (wild != NULL ? wild->sn_ctx : NULL);
}

/* HTTP/1.1 (or 1.0) when offered; a client that offers neither is told so. */
static int
tls_alpn_cb(SSL *ssl, const unsigned char **out, unsigned char *outlen,
    const unsigned char *in, unsigned int inlen, void *arg)
{
	unsigned char *sel;

	(void)ssl;
	(void)arg;
	if (SSL_select_next_proto(&sel, outlen, tls_alpn,
	    sizeof(tls_alpn) - 1, in, inlen) != OPENSSL_NPN_NEGOTIATED)
		return (SSL_TLSEXT_ERR_ALERT_FATAL);
	*out = sel;
	return (SSL_TLSEXT_ERR_OK);
}

/*
 * OCSP stapling: the response loaded at configuration time, as is, for
 * the certificate this handshake uses (OpenSSL makes it current before
 * asking).
 */
static int
tls_ocsp_cb(SSL *ssl, void *arg)
{
	const struct tls_ocsp *ocsp = arg, *o = NULL;
	const X509 *x = SSL_get_certificate(ssl);
	unsigned char *p;
	size_t i;

	for (i = 0; ocsp != NULL && x != NULL && i < TLS_CERTS_MAX; i++)
		if (ocsp[i].to_der != NULL && ocsp[i].to_cert == x) {
			o = &ocsp[i];
			break;
		}
	if (o == NULL)
		return (SSL_TLSEXT_ERR_NOACK);
	if ((p = OPENSSL_memdup(o->to_der, (size_t)o->to_len)) == NULL)
		return (SSL_TLSEXT_ERR_NOACK);
	if (SSL_set_tlsext_status_ocsp_resp(ssl, p, o->to_len) != 1) {
		OPENSSL_free(p);
		return (SSL_TLSEXT_ERR_NOACK);
	}
	return (SSL_TLSEXT_ERR_OK);
}

/*
 * An encrypted key is an error, never a prompt on the terminal.  arg,
 * when set, is told that a passphrase was asked for: OpenSSL itself then
 * reports only a failed decryption under "PEM lib".
 */
static int
tls_nopass_cb(char *buf, int size, int rwflag, void *arg)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	if (arg != NULL)
		*(int *)arg = 1;
	return (-1);
}

/* ---- ticket keys ------------------------------------------------------- */

static int
tls_tickets_init(void)
{
	/*
	 * Fetched once, before the workers fork: EVP_aes_256_cbc() would
	 * make OpenSSL 3 look the cipher up again for every ticket.
	 */
	if (tls_ticket_cipher == NULL &&
	    (tls_ticket_cipher = EVP_CIPHER_fetch(NULL, "AES-256-CBC",
	    NULL)) == NULL)
		return (-1);
	if (tls_keys_ready)
		return (0);
	if (RAND_bytes(tls_keys.tt_cur, sizeof(tls_keys.tt_cur)) != 1)
		return (-1);
	tls_keys.tt_have_prev = 0;
	tls_keys_ready = 1;
	return (0);
}

int
tls_tickets_rotate(void)
{
	uint8_t next[TLS_TICKET_KEY_LEN];

	if (tls_tickets_init() == -1 || RAND_bytes(next, sizeof(next)) != 1) {
		log_warnx("session ticket keys: RAND_bytes() failed; keeping "
		    "the current ones");
		return (-1);
	}
	memcpy(tls_keys.tt_prev, tls_keys.tt_cur, sizeof(tls_keys.tt_prev));
	memcpy(tls_keys.tt_cur, next, sizeof(tls_keys.tt_cur));
	tls_keys.tt_have_prev = 1;
	explicit_bzero(next, sizeof(next));
	return (0);
}

void
tls_tickets_get(struct tls_tickets *out)
{
	(void)tls_tickets_init();
	*out = tls_keys;
}

int
tls_tickets_set(const void *p, size_t len)
{
	if (len != sizeof(tls_keys))
		return (-1);
	memcpy(&tls_keys, p, sizeof(tls_keys));
	tls_keys_ready = 1;
	return (0);
}

/* ---- building the contexts (master) ------------------------------------ */

static int
tls_proto_version(const char *s)
{
	if (strcmp(s, "TLSv1") == 0)
		return (TLS1_VERSION);
	if (strcmp(s, "TLSv1.1") == 0)
		return (TLS1_1_VERSION);
	if (strcmp(s, "TLSv1.2") == 0)
		return (TLS1_2_VERSION);
	if (strcmp(s, "TLSv1.3") == 0)
		return (TLS1_3_VERSION);
	return (-1);
}

/*
 * The listener's choices (lt): protocols, ciphers, suites, groups.  Each
 * bad value is one error at lt's line.  0 / -1.
 */
static int
tls_settings(struct cfg_ctx *c, const struct tls_conf *lt, SSL_CTX *ctx)
{
	int errs = c->cc_errors, lo = TLS1_2_VERSION, hi = TLS1_3_VERSION;
	char err[128];

	/* config.c refused unknown names and gaps in the list. */
	if (lt->tc_protocols != NULL && lt->tc_protocols[0] != NULL) {
		char **p;
		int v;

		lo = INT_MAX;
		hi = 0;
		for (p = lt->tc_protocols; *p != NULL; p++) {
			if ((v = tls_proto_version(*p)) == -1)
				continue;
			if (v < lo)
				lo = v;
			if (v > hi)
				hi = v;
		}
		if (hi == 0)
			return (-1);
	}
	if (SSL_CTX_set_min_proto_version(ctx, lo) != 1 ||
	    SSL_CTX_set_max_proto_version(ctx, hi) != 1)
		cfg_error_at(c, lt->tc_file, lt->tc_line, "tls: protocols: "
		    "%s", tls_errstr(err, sizeof(err)));
	if (SSL_CTX_set_cipher_list(ctx, lt->tc_ciphers != NULL ?
	    lt->tc_ciphers : TLS_DEFAULT_CIPHERS) != 1)
		cfg_error_at(c, lt->tc_file, lt->tc_line, "tls: ciphers: '%s' "
		    "names no usable cipher", lt->tc_ciphers != NULL ?
		    lt->tc_ciphers : TLS_DEFAULT_CIPHERS);
	if (SSL_CTX_set_ciphersuites(ctx, lt->tc_ciphersuites != NULL ?
	    lt->tc_ciphersuites : TLS_DEFAULT_SUITES) != 1)
		cfg_error_at(c, lt->tc_file, lt->tc_line, "tls: ciphersuites: "
		    "'%s' names no usable TLS 1.3 suite",
		    lt->tc_ciphersuites != NULL ? lt->tc_ciphersuites :
		    TLS_DEFAULT_SUITES);
	if (lt->tc_curves != NULL &&
	    SSL_CTX_set1_groups_list(ctx, lt->tc_curves) != 1)
		cfg_error_at(c, lt->tc_file, lt->tc_line, "tls: curves: '%s' "
		    "names an unknown group", lt->tc_curves);
	ERR_clear_error();
	return (c->cc_errors == errs ? 0 : -1);
}

/* The DER response in path, into o.  0 / -1. */
static int
tls_ocsp_load(struct cfg_ctx *c, const struct tls_conf *tc, const char *path,
    struct tls_ocsp *o)
{
	const unsigned char *p;
	OCSP_RESPONSE *resp;
	struct stat st;
	FILE *fp;
	size_t n;

	if ((fp = fopen(path, "re")) == NULL) {
		cfg_error_at(c, tc->tc_file, tc->tc_line, "tls: ocsp_response "
		    "%s: %s", path, strerror(errno));
		return (-1);
	}
	if (fstat(fileno(fp), &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size <= 0 || st.st_size > TLS_OCSP_MAX) {
		cfg_error_at(c, tc->tc_file, tc->tc_line, "tls: ocsp_response "
		    "%s: not a file of 1 to %d bytes", path, TLS_OCSP_MAX);
		fclose(fp);
		return (-1);
	}
	if ((o->to_der = malloc((size_t)st.st_size)) == NULL) {
		cfg_error_at(c, tc->tc_file, tc->tc_line, "out of memory");
		fclose(fp);
		return (-1);
	}
	n = fread(o->to_der, 1, (size_t)st.st_size, fp);
	fclose(fp);
	o->to_len = (long)n;
	p = o->to_der;
	/* Parsed once to refuse what is not an OCSP response (DER). */
	if (n != (size_t)st.st_size ||
	    (resp = d2i_OCSP_RESPONSE(NULL, &p, o->to_len)) == NULL) {
		cfg_error_at(c, tc->tc_file, tc->tc_line, "tls: ocsp_response "
		    "%s: not a DER OCSP response", path);
		ERR_clear_error();
		free(o->to_der);
		o->to_der = NULL;
		return (-1);
	}
	OCSP_RESPONSE_free(resp);
	return (0);
}

/*
 * A listener's session ID context (SSL_MAX_SID_CTX_LENGTH bytes into sid),
 * shared by its own context and its sites', so an SNI switch keeps it.
 * OpenSSL resumes a session, ticket or ID, TLS 1.2 or 1.3, only under the
 * context it was made in: a session from another listener gets a full
 * handshake, and that listener's certificates, protocols and ciphers are
 * never bypassed (RFC 6066 3).  Made of the listener's name, address and
 * port, the same in every worker and across reloads, so its sessions
 * resume there; and of its protocols, ciphers, suites and groups, since
 * OpenSSL resumes a TLS 1.2 session with its cipher even when the server
 * no longer lists it: a reload that changes them ends the sessions made
 * before.  0 / -1.
 */
static int
tls_sid_make(const struct listener_conf *lc, unsigned char *sid)
{
	static const char tag[] = "tamarin session context";
	const struct tls_conf *lt = lc->lc_tls;
	const char *name = lc->lc_name != NULL ? lc->lc_name : "";
	const char *addr = lc->lc_address != NULL ? lc->lc_address : "";
	const char *set[3];
	unsigned char port[2];
	unsigned int len = 0;
	EVP_MD_CTX *md;
	char **p;
	size_t i;
	int ok;

	port[0] = (unsigned char)(lc->lc_port >> 8);
	port[1] = (unsigned char)lc->lc_port;
	if ((md = EVP_MD_CTX_new()) == NULL)
		return (-1);
	/* Each string with its NUL: no two listeners hash the same bytes. */
	ok = EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(md, tag, sizeof(tag)) == 1 &&
	    EVP_DigestUpdate(md, name, strlen(name) + 1) == 1 &&
	    EVP_DigestUpdate(md, addr, strlen(addr) + 1) == 1 &&
	    EVP_DigestUpdate(md, port, sizeof(port)) == 1;
	/* Unset is "": the defaults are this build's, fixed. */
	set[0] = lt->tc_ciphers != NULL ? lt->tc_ciphers : "";
	set[1] = lt->tc_ciphersuites != NULL ? lt->tc_ciphersuites : "";
	set[2] = lt->tc_curves != NULL ? lt->tc_curves : "";
	for (i = 0; ok && i < 3; i++)
		ok = EVP_DigestUpdate(md, set[i], strlen(set[i]) + 1) == 1;
	for (p = lt->tc_protocols; ok && p != NULL && *p != NULL; p++)
		ok = EVP_DigestUpdate(md, *p, strlen(*p) + 1) == 1;
	ok = ok && EVP_DigestFinal_ex(md, sid, &len) == 1 &&
	    len == SSL_MAX_SID_CTX_LENGTH;
	EVP_MD_CTX_free(md);
	return (ok ? 0 : -1);
}

/*
 * What OpenSSL accepts can still leave a version nothing to negotiate
 * with: "aNULL" at any security level, only RSA suites for an ECDSA key,
 * TLSv1 and TLSv1.1 alone (their SHA-1 signatures need security level
 * 0).  Every such handshake would fail; refuse it here, with a line.
 */
static void
tls_check_usable(struct cfg_ctx *c, const struct tls_conf *lt,
    const struct tls_conf *tc, SSL_CTX *ctx, const int *keys)
{
	STACK_OF(SSL_CIPHER) *sk;
	const SSL_CIPHER *ci;
	int lo = (int)SSL_CTX_get_min_proto_version(ctx);
	int hi = (int)SSL_CTX_get_max_proto_version(ctx);
	int level = SSL_CTX_get_security_level(ctx);
	int key, auth, old = 0, tls13 = 0, i;
	size_t k;
	SSL *s;

	if (hi < TLS1_2_VERSION && level > 0) {
		cfg_error_at(c, lt->tc_file, lt->tc_line, "tls: protocols: "
		    "TLSv1 and TLSv1.1 need SHA-1 signatures, which OpenSSL "
		    "refuses at security level %d; list TLSv1.2 too, or add "
		    "\"@SECLEVEL=0\" to ciphers", level);
		return;
	}
	if ((s = SSL_new(ctx)) == NULL) {
		ERR_clear_error();
		return;
	}
	/* Filtered by the versions and the security level. */
	sk = SSL_get1_supported_ciphers(s);
	for (i = 0; sk != NULL && i < sk_SSL_CIPHER_num(sk); i++) {
		ci = sk_SSL_CIPHER_value(sk, i);
		if (strcmp(SSL_CIPHER_get_version(ci), "TLSv1.3") == 0) {
			tls13 = 1;
			continue;
		}
		auth = SSL_CIPHER_get_auth_nid(ci);
		/* One of the keys signs for it. */
		for (k = 0; k < tc->tc_ncerts; k++) {
			key = keys[k];
			if ((auth == NID_auth_rsa && (key == EVP_PKEY_RSA ||
			    key == EVP_PKEY_RSA_PSS)) ||
			    (auth == NID_auth_ecdsa && (key == EVP_PKEY_EC ||
			    key == EVP_PKEY_ED25519 ||
			    key == EVP_PKEY_ED448)) ||
			    (auth == NID_auth_dss && key == EVP_PKEY_DSA))
				old = 1;
		}
	}
	sk_SSL_CIPHER_free(sk);
	SSL_free(s);
	ERR_clear_error();
	if (lo < TLS1_3_VERSION && !old)
		cfg_error_at(c, lt->tc_file, lt->tc_line, "tls: ciphers: "
		    "'%s' leaves TLSv1.2 and older no cipher usable with the "
		    "key%s %s", lt->tc_ciphers != NULL ? lt->tc_ciphers :
		    TLS_DEFAULT_CIPHERS, tc->tc_ncerts > 1 ? "s, the first" :
		    "", tc->tc_certs[0].tcc_key);
	if (hi >= TLS1_3_VERSION && !tls13)
		cfg_error_at(c, lt->tc_file, lt->tc_line, "tls: "
		    "ciphersuites: '%s' leaves TLSv1.3 no usable suite",
		    lt->tc_ciphersuites != NULL ? lt->tc_ciphersuites :
		    TLS_DEFAULT_SUITES);
}

/* A key type's name, for the message about two of one type. */
static const char *
tls_key_type(int key)
{
	switch (key) {
	case EVP_PKEY_RSA:
		return ("RSA");
	case EVP_PKEY_RSA_PSS:
		return ("RSA-PSS");
	case EVP_PKEY_EC:
		return ("ECDSA");
	case EVP_PKEY_ED25519:
		return ("Ed25519");
	case EVP_PKEY_ED448:
		return ("Ed448");
	case EVP_PKEY_DSA:
		return ("DSA");
	default:
		return (OBJ_nid2sn(key));
	}
}

/*
 * The i-th certificate of tc, its key and OCSP response, into ctx; its
 * key type into keys[i].  OpenSSL keeps one certificate per key type, so
 * a second of a type would silently replace the first: an error.  0 / -1.
 */
static int
tls_cert_load(struct cfg_ctx *c, const struct tls_conf *tc, size_t i,
    SSL_CTX *ctx, struct tls_site *ts, int *keys)
{
	const struct tls_cert *tcc = &tc->tc_certs[i];
	int errs = c->cc_errors, asked = 0, r;
	EVP_PKEY *pub;
	X509 *x;
	size_t j;
	char err[160];

	if (access(tcc->tcc_certificate, R_OK) == -1) {
		cfg_error_at(c, tc->tc_file, tc->tc_line, "tls: certificate "
		    "%s: %s", tcc->tcc_certificate, strerror(errno));
		return (-1);
	}
	if (SSL_CTX_use_certificate_chain_file(ctx,
	    tcc->tcc_certificate) != 1) {
		cfg_error_at(c, tc->tc_file, tc->tc_line, "tls: certificate "
		    "%s: %s", tcc->tcc_certificate,
		    tls_load_errstr(0, 0, err, sizeof(err)));
		return (-1);
	}
	/* Now the current one: its type chose its place. */
	if ((x = SSL_CTX_get0_certificate(ctx)) == NULL ||
	    (pub = X509_get0_pubkey(x)) == NULL) {
		cfg_error_at(c, tc->tc_file, tc->tc_line, "tls: certificate "
		    "%s: no public key", tcc->tcc_certificate);
		return (-1);
	}
	keys[i] = EVP_PKEY_get_base_id(pub);
	for (j = 0; j < i; j++)
		if (keys[j] == keys[i]) {
			cfg_error_at(c, tc->tc_file, tc->tc_line, "tls: "
			    "certificate %s has an %s key, as %s has; "
			    "OpenSSL keeps one certificate per key type",
			    tcc->tcc_certificate, tls_key_type(keys[i]),
			    tc->tc_certs[j].tcc_certificate);
			return (-1);
		}
	if (access(tcc->tcc_key, R_OK) == -1) {
		cfg_error_at(c, tc->tc_file, tc->tc_line, "tls: key %s: %s",
		    tcc->tcc_key, strerror(errno));
		return (-1);
	}
	/* The key file's contents never reach a message. */
	SSL_CTX_set_default_passwd_cb_userdata(ctx, &asked);
	r = SSL_CTX_use_PrivateKey_file(ctx, tcc->tcc_key, SSL_FILETYPE_PEM);
	/* &asked lives only here. */
	SSL_CTX_set_default_passwd_cb_userdata(ctx, NULL);
	if (r != 1) {
		cfg_error_at(c, tc->tc_file, tc->tc_line, "tls: key %s: %s",
		    tcc->tcc_key, tls_load_errstr(1, asked, err, sizeof(err)));
		return (-1);
	}
	/* The key's type made current its own certificate: this one? */
	if (SSL_CTX_get0_certificate(ctx) != x ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		cfg_error_at(c, tc->tc_file, tc->tc_line, "tls: key %s does "
		    "not match certificate %s", tcc->tcc_key,
		    tcc->tcc_certificate);
		return (-1);
	}
	if (tcc->tcc_ocsp_response != NULL) {
		if (ts->ts_ocsp == NULL && (ts->ts_ocsp = calloc(TLS_CERTS_MAX,
		    sizeof(*ts->ts_ocsp))) == NULL) {
			cfg_error_at(c, tc->tc_file, tc->tc_line,
			    "out of memory");
			return (-1);
		}
		if (tls_ocsp_load(c, tc, tcc->tcc_ocsp_response,
		    &ts->ts_ocsp[i]) == 0)
			ts->ts_ocsp[i].to_cert = x;
	}
	ERR_clear_error();
	return (c->cc_errors == errs ? 0 : -1);
}

/*
 * One context: the listener's settings (lt) and session ID context (sid)
 * with the certificate, key and OCSP response of tc (the listener's own,
 * or a site's).
 */
static int
tls_site_build(struct cfg_ctx *c, const struct config *cf,
    const struct tls_conf *lt, const struct tls_conf *tc,
    const unsigned char *sid, struct tls_site *ts)
{
	int errs = c->cc_errors, keys[TLS_CERTS_MAX];
	SSL_CTX *ctx;
	char err[160];
	size_t i;

	ERR_clear_error();
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		cfg_error_at(c, tc->tc_file, tc->tc_line, "tls: SSL_CTX_new(): "
		    "%s", tls_errstr(err, sizeof(err)));
		return (-1);
	}
	ts->ts_ctx = ctx;
	/*
	 * No renegotiation (a DoS lever, and gone in 1.3); EOF without
	 * close_notify is a plain EOF between requests; kTLS when the
	 * kernel has it (tls_done() checks per connection).
	 */
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_NO_COMPRESSION | SSL_OP_IGNORE_UNEXPECTED_EOF |
	    SSL_OP_ENABLE_KTLS | SSL_OP_CIPHER_SERVER_PREFERENCE |
	    SSL_OP_PRIORITIZE_CHACHA);
	/*
	 * One TLS 1.3 ticket per handshake, not OpenSSL's two: clients
	 * resume with the newest, and each ticket costs an encryption.
	 */
	(void)SSL_CTX_set_num_tickets(ctx, 1);
	/*
	 * Buffers are released when idle: tls_tick(), not per record.  The
	 * chain is the certificate file's as loaded: OpenSSL would
	 * otherwise try to build one at every full handshake, from a
	 * store that holds nothing.
	 */
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_NO_AUTO_CHAIN);
	/*
	 * Read what the socket has, not a record header and then its body:
	 * one read(2) per request instead of two or three.  tls_read() keeps
	 * edge triggering honest with SSL_has_pending().
	 */
	SSL_CTX_set_read_ahead(ctx, 1);
	/* Tickets only: any worker resumes any session, nothing is cached. */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	if (SSL_CTX_set_session_id_context(ctx, sid,
	    SSL_MAX_SID_CTX_LENGTH) != 1) {
		cfg_error_at(c, tc->tc_file, tc->tc_line, "tls: "
		    "SSL_CTX_set_session_id_context(): %s",
		    tls_errstr(err, sizeof(err)));
		return (-1);
	}
	(void)SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, tls_ticket_cb);
	/*
	 * Only the context a connection began with (the listener's) is
	 * asked, as for the key; a site's gets it all the same.
	 */
	if (SSL_CTX_set_session_ticket_cb(ctx, NULL, tls_ticket_use_cb,
	    NULL) != 1) {
		cfg_error_at(c, tc->tc_file, tc->tc_line, "tls: "
		    "SSL_CTX_set_session_ticket_cb(): %s",
		    tls_errstr(err, sizeof(err)));
		return (-1);
	}
	/* A ticket lives as long as its key is sure to be kept. */
	SSL_CTX_set_timeout(ctx, cf->cf_ticket_rotate_ms / 1000);
	SSL_CTX_set_dh_auto(ctx, 1);
	SSL_CTX_set_alpn_select_cb(ctx, tls_alpn_cb, NULL);
	SSL_CTX_set_default_passwd_cb(ctx, tls_nopass_cb);
	if (tls_settings(c, lt, ctx) == -1)
		return (-1);

	for (i = 0; i < tc->tc_ncerts; i++)
		if (tls_cert_load(c, tc, i, ctx, ts, keys) == -1)
			break;
	if (c->cc_errors == errs)
		tls_check_usable(c, lt, tc, ctx, keys);
	if (c->cc_errors == errs && ts->ts_ocsp != NULL) {
		SSL_CTX_set_tlsext_status_cb(ctx, tls_ocsp_cb);
		SSL_CTX_set_tlsext_status_arg(ctx, ts->ts_ocsp);
	}
	ERR_clear_error();
	return (c->cc_errors == errs ? 0 : -1);
}

static int
tls_sni_add(struct tls_ctx *tx, const char *name, SSL_CTX *ctx)
{
	struct tls_sni *v, *sn;
	size_t i, len;

	if (strcmp(name, "*") == 0)
		return (0);	/* a catch-all: the default certificate */
	if ((v = reallocarray(tx->tx_sni, tx->tx_nsni + 1, sizeof(*v))) ==
	    NULL)
		return (-1);
	tx->tx_sni = v;
	sn = &v[tx->tx_nsni];
	memset(sn, 0, sizeof(*sn));
	sn->sn_wild = name[0] == '*';
	if ((sn->sn_name = strdup(name + sn->sn_wild)) == NULL)
		return (-1);
	len = strlen(sn->sn_name);
	for (i = 0; i < len; i++)
		sn->sn_name[i] = (char)tolower((unsigned char)sn->sn_name[i]);
	if (len > 0 && sn->sn_name[len - 1] == '.')
		sn->sn_name[--len] = '\0';
	sn->sn_len = len;
	sn->sn_ctx = ctx;
	tx->tx_nsni++;
	return (0);
}

static struct tls_ctx *
tls_listener_build(struct cfg_ctx *c, const struct config *cf, size_t li)
{
	const struct listener_conf *lc = &cf->cf_listeners[li];
	unsigned char sid[SSL_MAX_SID_CTX_LENGTH];
	const struct site_conf *st;
	struct tls_site *ts;
	struct tls_ctx *tx;
	size_t j, k;

	if (tls_sid_make(lc, sid) == -1) {
		cfg_error_at(c, lc->lc_tls->tc_file, lc->lc_tls->tc_line,
		    "tls: cannot make the session ID context (SHA-256)");
		ERR_clear_error();
		return (NULL);
	}
	if ((tx = calloc(1, sizeof(*tx))) == NULL) {
		cfg_error_at(c, lc->lc_tls->tc_file, lc->lc_tls->tc_line,
		    "out of memory");
		return (NULL);
	}
	if (tls_site_build(c, cf, lc->lc_tls, lc->lc_tls, sid,
	    &tx->tx_def) == -1) {
		tls_ctx_free(tx);
		return (NULL);
	}
	SSL_CTX_set_tlsext_servername_callback(tx->tx_def.ts_ctx,
	    tls_sni_cb);
	SSL_CTX_set_tlsext_servername_arg(tx->tx_def.ts_ctx, tx);
	for (j = 0; j < cf->cf_nsites; j++) {
		st = &cf->cf_sites[j];
		/* No certificate: its block's error is already said. */
		if (st->st_tls == NULL || st->st_tls->tc_ncerts == 0 ||
		    st->st_listeners == NULL || !st->st_listeners[li])
			continue;
		ts = reallocarray(tx->tx_sites, tx->tx_nsites + 1,
		    sizeof(*ts));
		if (ts == NULL) {
			cfg_error_at(c, st->st_tls->tc_file,
			    st->st_tls->tc_line, "out of memory");
			break;
		}
		tx->tx_sites = ts;
		ts = &tx->tx_sites[tx->tx_nsites];
		memset(ts, 0, sizeof(*ts));
		if (tls_site_build(c, cf, lc->lc_tls, st->st_tls, sid,
		    ts) == -1) {
			tls_site_free(ts);
			continue;
		}
		tx->tx_nsites++;
		for (k = 0; k < st->st_nnames; k++)
			if (tls_sni_add(tx, st->st_names[k], ts->ts_ctx) == -1)
				cfg_error_at(c, st->st_tls->tc_file,
				    st->st_tls->tc_line, "out of memory");
	}
	return (tx);
}

int
tls_config_build(struct config *cf, struct cfg_ctx *c)
{
	struct listener_conf *lc;
	const struct tls_conf *tc;
	int errs = c->cc_errors;
	size_t i;

	if (tls_tickets_init() == -1)
		cfg_error_at(c, cf->cf_path, 0, "tls: cannot make session "
		    "ticket keys: RAND_bytes() failed");
	/* What a site's tls block may set: the rest is the listener's. */
	for (i = 0; i < cf->cf_nsites; i++) {
		if ((tc = cf->cf_sites[i].st_tls) == NULL)
			continue;
		if (tc->tc_protocols != NULL || tc->tc_ciphers != NULL ||
		    tc->tc_ciphersuites != NULL || tc->tc_curves != NULL)
			cfg_error_at(c, tc->tc_file, tc->tc_line, "tls: a "
			    "site sets certificate, key and ocsp_response; "
			    "protocols, ciphers, ciphersuites and curves "
			    "belong to the listener's tls");
	}
	if (c->cc_errors != errs)
		return (-1);
	for (i = 0; i < cf->cf_nlisteners; i++) {
		lc = &cf->cf_listeners[i];
		if (lc->lc_proto != TM_PROTO_HTTPS || lc->lc_tls == NULL ||
		    lc->lc_tls->tc_ncerts == 0)
			continue;
		lc->lc_tls_ctx = tls_listener_build(c, cf, i);
	}
	return (c->cc_errors == errs ? 0 : -1);
}

SSL_CTX *
tls_ctx_pick(const struct tls_ctx *tx, const char *sni)
{
	SSL_CTX *ctx;

	if (sni != NULL && (ctx = tls_sni_find(tx, sni)) != NULL)
		return (ctx);
	return (tx->tx_def.ts_ctx);
}

static void
tls_site_free(struct tls_site *ts)
{
	size_t i;

	if (ts->ts_ctx != NULL)
		SSL_CTX_free(ts->ts_ctx);
	for (i = 0; ts->ts_ocsp != NULL && i < TLS_CERTS_MAX; i++)
		free(ts->ts_ocsp[i].to_der);
	free(ts->ts_ocsp);
}

void
tls_ctx_free(struct tls_ctx *tx)
{
	size_t i;

	if (tx == NULL)
		return;
	tls_site_free(&tx->tx_def);
	for (i = 0; i < tx->tx_nsites; i++)
		tls_site_free(&tx->tx_sites[i]);
	free(tx->tx_sites);
	for (i = 0; i < tx->tx_nsni; i++)
		free(tx->tx_sni[i].sn_name);
	free(tx->tx_sni);
	free(tx);
}
