/*
 * PROXY protocol receiver, versions 1 (text) and 2 (binary), auto-detected
 * (haproxy doc/proxy-protocol.txt, 2020/03/05 revision).
 *
 * A listener with proxy_protocol set expects a header as the first bytes of
 * every connection.  The worker reads into a buffer and calls proxy_parse()
 * with everything received so far; the parser keeps no state and re-scans
 * from the start each time (the header is small and bounded).  It answers as
 * early as the bytes seen allow: a first byte that is neither 'P' nor '\r'
 * is an error at once, so a stray HTTP request or TLS ClientHello never
 * waits for a timeout.  Nothing here guesses whether a header is present:
 * the spec forbids it, so an error means close, never "fall back to HTTP".
 *
 * Needs <sys/socket.h> (struct sockaddr_storage).
 */
#ifndef TM_PROTO_PROXY_H
#define TM_PROTO_PROXY_H

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

/* Return values of proxy_parse(). */
#define PROXY_OK	0	/* complete: *hdrlen bytes are the header */
#define PROXY_AGAIN	1	/* a valid prefix: need more bytes */
#define PROXY_ERROR	2	/* malformed, oversized or no PROXY header */

/* A v1 line, CRLF included, is at most 107 bytes (spec 2.1). */
#define PROXY_V1_MAX	107
/*
 * Our bound on a whole v2 header (16 fixed bytes + address block + TLVs).
 * The spec sets none beyond the 16-bit length.  HAProxy's own TLVs fit with
 * room to spare: IPv6 addresses (36), ALPN (3 + ~10), AUTHORITY (3 + 253,
 * the DNS name limit), UNIQUE_ID (3 + 128), CRC32C (7), SSL (3 + 5, then
 * 3 + value each for version ~10, CN 64 per X.509 ub-common-name, cipher
 * ~50, signature and key algorithms ~20 each) and NETNS (3 + ~16) come to
 * about 650 bytes, 830 with AF_UNIX addresses (216); custom TLVs an
 * operator adds are theirs to keep short.  A longer header is refused
 * rather than buffered: it bounds what a trusted but misconfigured sender
 * can cost us.
 */
#define PROXY_V2_MAX	(16 + 1024)
/* Longest header of either version, for sizing the read buffer. */
#define PROXY_HDR_MAX	PROXY_V2_MAX

/* proxy_addr_format() never needs more ("unix:" + 108 bytes + NUL). */
#define PROXY_ADDRSTRLEN	128

/* pi_ssl bits: the <client> field of PP2_TYPE_SSL (spec 2.2.6). */
#define PROXY_SSL_CLIENT_SSL	0x01	/* client connected over TLS */
#define PROXY_SSL_CERT_CONN	0x02	/* cert sent on this connection */
#define PROXY_SSL_CERT_SESS	0x04	/* cert sent once in this session */

/*
 * What the header said.  Strings come from v2 TLVs: copied only when they
 * fit and hold no NUL or control character (they end up in log lines);
 * otherwise the field stays empty, as if the TLV had not been sent.
 */
struct proxy_info {
	uint8_t		 pi_version;	/* 1 or 2 */
	uint8_t		 pi_local;	/* 1: keep the socket's own addresses */
	uint8_t		 pi_transport;	/* SOCK_STREAM, SOCK_DGRAM or 0 */
	uint8_t		 pi_crc;	/* 1: a CRC32C TLV came, and matched */
	/* valid unless pi_local: AF_INET, AF_INET6 or AF_UNIX */
	struct sockaddr_storage pi_src;
	struct sockaddr_storage pi_dst;
	/* PP2_TYPE_SSL; pi_ssl 0 when absent */
	uint8_t		 pi_ssl;	/* PROXY_SSL_* bits */
	uint32_t	 pi_ssl_verify;	/* 0: client cert sent and verified */
	char		 pi_ssl_version[32];	/* "TLSv1.3" */
	char		 pi_ssl_cn[128];	/* client cert's Common Name */
	char		 pi_ssl_cipher[64];
	char		 pi_alpn[32];		/* "h2", "http/1.1" */
	char		 pi_authority[256];	/* SNI / host name, <= 253 */
	uint8_t		 pi_unique_id[128];	/* PP2_TYPE_UNIQUE_ID, opaque */
	uint8_t		 pi_unique_id_len;
	const char	*pi_error;	/* why, on PROXY_ERROR, for logs */
};

/*
 * Parse the header at the start of buf[0..len).  On PROXY_OK *hdrlen is its
 * exact length; the bytes after it belong to the protocol (HTTP, or a TLS
 * ClientHello).  *pi is rewritten on every call and meaningful only on
 * PROXY_OK, except pi_error, set on PROXY_ERROR.
 */
int	proxy_parse(const uint8_t *buf, size_t len, struct proxy_info *pi,
	    size_t *hdrlen);

/*
 * "1.2.3.4:5678", "[::1]:80", "unix:/run/x.sock" ("unix:@name" for Linux
 * abstract sockets, '?' for unprintable bytes) or "-" for AF_UNSPEC, for
 * logs.  Returns 0, or -1 (unknown family, or sz too small: use
 * PROXY_ADDRSTRLEN) with buf holding "?" when sz allows.
 */
int	proxy_addr_format(const struct sockaddr_storage *ss, char *buf,
	    size_t sz);

#endif /* !TM_PROTO_PROXY_H */
