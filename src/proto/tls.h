/*
 * The TLS transport (OpenSSL 3) and the contexts it runs on.
 *
 * The master builds every https listener's contexts while it loads the
 * configuration: certificates and keys are read then, as root, before any
 * worker exists, so `tamarind -t` and a reload report a bad file like any
 * other configuration error, and a worker never opens a key file.  Workers
 * inherit the contexts at fork; a reload builds new ones for the new
 * generation, so a renewed certificate is picked up by a plain HUP.
 *
 * Sessions resume across workers through session tickets only (no
 * server-side cache): the master makes the ticket keys, rotates them every
 * tls.ticket_rotate_sec and sends them to its workers over the channel
 * (CHAN_TICKETS).  Keys are never written to the segment or a log.
 */
#ifndef TM_PROTO_TLS_H
#define TM_PROTO_TLS_H

#include <stddef.h>
#include <stdint.h>

struct cfg_ctx;
struct config;
struct tls_ctx;

/* A ticket key: name (16 bytes), HMAC-SHA256 key (32), AES-256 key (32). */
#define TLS_TICKET_KEY_LEN	80

/* The keys as the master hands them over (CHAN_TICKETS' data). */
struct tls_tickets {
	uint8_t		tt_cur[TLS_TICKET_KEY_LEN];	/* seals and opens */
	uint8_t		tt_prev[TLS_TICKET_KEY_LEN];	/* opens only */
	uint32_t	tt_have_prev;
	uint32_t	tt_pad;
};

/*
 * Master, from config_load(): build the SSL_CTXs of every https listener
 * (its own certificate, and one per site with a tls block, chosen by SNI)
 * into lc_tls_ctx.  Every problem is reported through c as "file:line:
 * message"; returns -1 if there was any.  Also makes the first ticket
 * keys, once per process.
 */
int	tls_config_build(struct config *, struct cfg_ctx *);
void	tls_ctx_free(struct tls_ctx *);
/*
 * The SSL_CTX a ClientHello naming sni is served from (NULL: no name, the
 * listener's own), as the SNI callback chooses it; for tests.
 */
struct ssl_ctx_st;
struct ssl_ctx_st *tls_ctx_pick(const struct tls_ctx *, const char *sni);

/*
 * Master: a new current ticket key; the current one becomes the previous
 * (still accepted, so tickets issued just before a rotation resume).
 * 0 / -1 (the keys are unchanged).
 */
int	tls_tickets_rotate(void);
/* Worker: release idle connections' buffers; when that is next due. */
void	tls_tick(uint64_t now_ms);
int64_t	tls_next_ms(uint64_t now_ms);
/* Master: the keys now in use, for CHAN_TICKETS (the caller wipes them). */
void	tls_tickets_get(struct tls_tickets *out);
/* Worker: install the keys from a CHAN_TICKETS message.  0 / -1. */
int	tls_tickets_set(const void *, size_t);

#endif /* !TM_PROTO_TLS_H */
