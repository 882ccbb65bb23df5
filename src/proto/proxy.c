/*
 * PROXY protocol receiver, versions 1 and 2 (haproxy doc/proxy-protocol.txt).
 *
 * Stateless: every call re-reads the header from the first byte, so the
 * caller needs to keep nothing but its buffer.  Each check runs as soon as
 * the bytes it needs are there, and a complete header passes exactly the
 * checks its prefixes passed: a prefix of a valid header is never an error.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>

#include "proto/proxy.h"

/* v2 command (low nibble of byte 13) */
#define PP2_CMD_LOCAL		0x0
#define PP2_CMD_PROXY		0x1
/* v2 address family (high nibble of byte 14) and transport (low nibble) */
#define PP2_FAM_UNSPEC		0x0
#define PP2_FAM_INET		0x1
#define PP2_FAM_INET6		0x2
#define PP2_FAM_UNIX		0x3
#define PP2_TRANS_UNSPEC	0x0
#define PP2_TRANS_STREAM	0x1
#define PP2_TRANS_DGRAM		0x2

/* v2 TLV types (spec 2.2) */
#define PP2_TYPE_ALPN		0x01
#define PP2_TYPE_AUTHORITY	0x02
#define PP2_TYPE_CRC32C		0x03
#define PP2_TYPE_NOOP		0x04
#define PP2_TYPE_UNIQUE_ID	0x05
#define PP2_TYPE_SSL		0x20
#define PP2_SUBTYPE_SSL_VERSION	0x21
#define PP2_SUBTYPE_SSL_CN	0x22
#define PP2_SUBTYPE_SSL_CIPHER	0x23

#define PP2_HDR_LEN		16	/* signature, ver_cmd, fam, len */
#define PP2_TLV_LEN		3	/* type, length (16 bits) */
#define PP2_SSL_LEN		5	/* client, verify (32 bits) */
#define PP2_UNIX_LEN		108	/* one AF_UNIX address */

_Static_assert(sizeof(((struct sockaddr_un *)0)->sun_path) == PP2_UNIX_LEN,
    "sun_path holds a PROXY v2 AF_UNIX address whole");

/* bits of a "TLVs seen" mask: types we interpret may appear only once */
#define SEEN_ALPN		0x01
#define SEEN_AUTHORITY		0x02
#define SEEN_CRC32C		0x04
#define SEEN_UNIQUE_ID		0x08
#define SEEN_SSL		0x10
#define SEEN_SSL_VERSION	0x20
#define SEEN_SSL_CN		0x40
#define SEEN_SSL_CIPHER		0x80

static int	proxy_fail(struct proxy_info *, const char *);
static int	proxy_v1(const uint8_t *, size_t, struct proxy_info *,
		    size_t *);
static int	proxy_v1_prefix(const uint8_t *, size_t);
static int	proxy_v1_line(const uint8_t *, size_t, struct proxy_info *);
static int	proxy_v1_addr(const uint8_t *, size_t, int, uint16_t,
		    struct sockaddr_storage *);
static int	proxy_v1_port(const uint8_t *, size_t, uint16_t *);
static int	proxy_v2(const uint8_t *, size_t, struct proxy_info *,
		    size_t *);
static size_t	proxy_v2_addrlen(unsigned int);
static void	proxy_v2_addrs(const uint8_t *, unsigned int,
		    struct proxy_info *);
static int	proxy_v2_tlvs(const uint8_t *, size_t, size_t,
		    struct proxy_info *);
static int	proxy_v2_ssl(const uint8_t *, size_t, struct proxy_info *);
static void	proxy_tlv_str(char *, size_t, const uint8_t *, size_t);
static uint32_t	proxy_be32(const uint8_t *);
static uint32_t	proxy_crc32c(const uint8_t *, size_t, size_t);

static const uint8_t	v2_sig[12] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a
};

/* What may follow "PROXY ": UNKNOWN ends at a space or at the CRLF. */
static const char	*v1_protos[] = {
	"TCP4 ", "TCP6 ", "UNKNOWN ", "UNKNOWN\r"
};

/* CRC32C (Castagnoli, reflected 0x82f63b78), four bits per step. */
static const uint32_t	crc32c_nibble[16] = {
	0x00000000, 0x105ec76f, 0x20bd8ede, 0x30e349b1,
	0x417b1dbc, 0x5125dad3, 0x61c69362, 0x7198540d,
	0x82f63b78, 0x92a8fc17, 0xa24bb5a6, 0xb21572c9,
	0xc38d26c4, 0xd3d3e1ab, 0xe330a81a, 0xf36e6f75
};

int
proxy_parse(const uint8_t *buf, size_t len, struct proxy_info *pi,
    size_t *hdrlen)
{
	memset(pi, 0, sizeof(*pi));
	*hdrlen = 0;
	if (len == 0)
		return (PROXY_AGAIN);
	/* The first byte already tells v1, v2 and anything else apart. */
	switch (buf[0]) {
	case 'P':
		return (proxy_v1(buf, len, pi, hdrlen));
	case '\r':
		return (proxy_v2(buf, len, pi, hdrlen));
	default:
		return (proxy_fail(pi, "not a PROXY header"));
	}
}

int
proxy_addr_format(const struct sockaddr_storage *ss, char *buf, size_t sz)
{
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;
	struct sockaddr_un	 sun;
	char			 a[INET6_ADDRSTRLEN];
	size_t			 i, o, start;
	int			 n;
	unsigned char		 ch;

	switch (ss->ss_family) {
	case AF_UNSPEC:
		n = snprintf(buf, sz, "-");
		break;
	case AF_INET:
		memcpy(&sin, ss, sizeof(sin));
		if (inet_ntop(AF_INET, &sin.sin_addr, a, sizeof(a)) == NULL)
			goto bad;
		n = snprintf(buf, sz, "%s:%u", a, ntohs(sin.sin_port));
		break;
	case AF_INET6:
		memcpy(&sin6, ss, sizeof(sin6));
		if (inet_ntop(AF_INET6, &sin6.sin6_addr, a, sizeof(a)) == NULL)
			goto bad;
		n = snprintf(buf, sz, "[%s]:%u", a, ntohs(sin6.sin6_port));
		break;
	case AF_UNIX:
		/* sun_path need not end in NUL; a leading NUL is abstract */
		memcpy(&sun, ss, sizeof(sun));
		start = sun.sun_path[0] == '\0' ? 1 : 0;
		if (sz < sizeof("unix:@"))
			goto bad;
		o = (size_t)snprintf(buf, sz, "%s", start ? "unix:@" : "unix:");
		for (i = start; i < sizeof(sun.sun_path) &&
		    sun.sun_path[i] != '\0'; i++) {
			if (o + 1 >= sz)
				goto bad;
			ch = (unsigned char)sun.sun_path[i];
			buf[o++] = ch < 0x20 || ch >= 0x7f ? '?' : (char)ch;
		}
		buf[o] = '\0';
		return (0);
	default:
		goto bad;
	}
	if (n < 0 || (size_t)n >= sz)
		goto bad;
	return (0);
bad:
	if (sz >= 2)
		memcpy(buf, "?", 2);
	else if (sz == 1)
		buf[0] = '\0';
	return (-1);
}

static int
proxy_fail(struct proxy_info *pi, const char *why)
{
	pi->pi_error = why;
	return (PROXY_ERROR);
}

/*
 * Version 1: "PROXY" SP proto SP src SP dst SP sport SP dport CRLF, the
 * whole line at most 107 bytes.  The line is decoded only once the CRLF is
 * in (spec 2.1), but the signature, the protocol name and stray CR or LF
 * are checked as they arrive.
 */
static int
proxy_v1(const uint8_t *buf, size_t len, struct proxy_info *pi,
    size_t *hdrlen)
{
	size_t	 i, max;

	if (proxy_v1_prefix(buf, len) == -1)
		return (proxy_fail(pi, "v1: bad signature or protocol"));
	max = len < PROXY_V1_MAX ? len : PROXY_V1_MAX;
	for (i = 0; i < max; i++) {
		if (buf[i] == '\r' && i + 1 < len && buf[i + 1] != '\n')
			return (proxy_fail(pi, "v1: CR without LF"));
		if (buf[i] != '\n')
			continue;
		if (i == 0 || buf[i - 1] != '\r')
			return (proxy_fail(pi, "v1: LF without CR"));
		if (proxy_v1_line(buf, i + 1, pi) == -1)
			return (PROXY_ERROR);
		*hdrlen = i + 1;
		return (PROXY_OK);
	}
	if (len >= PROXY_V1_MAX)
		return (proxy_fail(pi, "v1: no CRLF within 107 bytes"));
	return (PROXY_AGAIN);
}

/* 0 if buf[0..len) can still begin "PROXY " and a known protocol. */
static int
proxy_v1_prefix(const uint8_t *buf, size_t len)
{
	size_t	 i, n;

	n = len < 6 ? len : 6;
	if (memcmp(buf, "PROXY ", n) != 0)
		return (-1);
	if (len <= 6)
		return (0);
	buf += 6;
	len -= 6;
	for (i = 0; i < sizeof(v1_protos) / sizeof(v1_protos[0]); i++) {
		n = strlen(v1_protos[i]);
		if (memcmp(buf, v1_protos[i], len < n ? len : n) == 0)
			return (0);
	}
	return (-1);
}

/*
 * Decode a complete line (CRLF included, checked by the caller along with
 * the signature and protocol name).  Returns 0 or -1 with pi_error set.
 */
static int
proxy_v1_line(const uint8_t *line, size_t len, struct proxy_info *pi)
{
	const uint8_t	*p, *end, *f[4];
	size_t		 flen[4], i;
	uint16_t	 sport, dport;
	int		 af;

	pi->pi_version = 1;
	p = line + 6;		/* after "PROXY " */
	end = line + len - 2;	/* at the CRLF */
	if ((size_t)(end - p) >= 7 && memcmp(p, "UNKNOWN", 7) == 0) {
		/* The receiver must ignore the rest of the line (2.1). */
		if (end - p == 7 || p[7] == ' ') {
			pi->pi_local = 1;
			return (0);
		}
		pi->pi_error = "v1: bad protocol";
		return (-1);
	}
	if ((size_t)(end - p) < 5 || (memcmp(p, "TCP4 ", 5) != 0 &&
	    memcmp(p, "TCP6 ", 5) != 0)) {
		pi->pi_error = "v1: bad protocol";
		return (-1);
	}
	af = p[3] == '4' ? AF_INET : AF_INET6;
	p += 5;

	/* Exactly four fields, one space apart: an empty field is an error. */
	for (i = 0; i < 4; i++) {
		f[i] = p;
		while (p < end && *p != ' ')
			p++;
		flen[i] = (size_t)(p - f[i]);
		if (flen[i] == 0 || (i < 3 && p == end) ||
		    (i == 3 && p != end)) {
			pi->pi_error = "v1: bad field count or spacing";
			return (-1);
		}
		p++;
	}
	if (proxy_v1_port(f[2], flen[2], &sport) == -1 ||
	    proxy_v1_port(f[3], flen[3], &dport) == -1) {
		pi->pi_error = "v1: bad port";
		return (-1);
	}
	if (proxy_v1_addr(f[0], flen[0], af, sport, &pi->pi_src) == -1 ||
	    proxy_v1_addr(f[1], flen[1], af, dport, &pi->pi_dst) == -1) {
		pi->pi_error = "v1: bad address";
		return (-1);
	}
	pi->pi_transport = SOCK_STREAM;
	return (0);
}

/*
 * One address of a v1 line, in the family the protocol names: inet_pton()
 * enforces the spec's forms (dotted quads without leading zeros; IPv6
 * text).  Only address characters are let through to it, so a NUL cannot
 * end the string early.
 */
static int
proxy_v1_addr(const uint8_t *s, size_t len, int af, uint16_t port,
    struct sockaddr_storage *ss)
{
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;
	char			 a[INET6_ADDRSTRLEN];
	size_t			 i;

	if (len >= sizeof(a))
		return (-1);
	for (i = 0; i < len; i++) {
		if (!(s[i] >= '0' && s[i] <= '9') &&
		    !(s[i] >= 'a' && s[i] <= 'f') &&
		    !(s[i] >= 'A' && s[i] <= 'F') && s[i] != ':' && s[i] != '.')
			return (-1);
		a[i] = (char)s[i];
	}
	a[len] = '\0';
	if (af == AF_INET) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons(port);
		if (inet_pton(AF_INET, a, &sin.sin_addr) != 1)
			return (-1);
		memcpy(ss, &sin, sizeof(sin));
	} else {
		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons(port);
		if (inet_pton(AF_INET6, a, &sin6.sin6_addr) != 1)
			return (-1);
		memcpy(ss, &sin6, sizeof(sin6));
	}
	return (0);
}

/* Decimal 0-65535, no sign, no leading zero ("0" itself is fine). */
static int
proxy_v1_port(const uint8_t *s, size_t len, uint16_t *port)
{
	uint32_t	 v;
	size_t		 i;

	if (len == 0 || len > 5 || (s[0] == '0' && len > 1))
		return (-1);
	for (v = 0, i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (-1);
		v = v * 10 + (uint32_t)(s[i] - '0');
	}
	if (v > 65535)
		return (-1);
	*port = (uint16_t)v;
	return (0);
}

/*
 * Version 2: 16 fixed bytes, then the address block and TLVs, together as
 * long as the length field says.  Known-bad signature, version, command,
 * family and length fail as soon as their byte arrives.
 */
static int
proxy_v2(const uint8_t *buf, size_t len, struct proxy_info *pi,
    size_t *hdrlen)
{
	size_t		 total, alen;
	unsigned int	 cmd, fam, trans;

	if (memcmp(buf, v2_sig, len < sizeof(v2_sig) ? len :
	    sizeof(v2_sig)) != 0)
		return (proxy_fail(pi, "v2: bad signature"));
	if (len < 13)
		return (PROXY_AGAIN);
	if ((buf[12] >> 4) != 2)
		return (proxy_fail(pi, "v2: bad version"));
	cmd = buf[12] & 0x0f;
	if (cmd != PP2_CMD_LOCAL && cmd != PP2_CMD_PROXY)
		return (proxy_fail(pi, "v2: bad command"));
	if (len < 14)
		return (PROXY_AGAIN);
	/* LOCAL: "the family is ignored" (2.2), whatever it holds. */
	fam = buf[13] >> 4;
	trans = buf[13] & 0x0f;
	if (cmd == PP2_CMD_PROXY && (fam > PP2_FAM_UNIX ||
	    trans > PP2_TRANS_DGRAM))
		return (proxy_fail(pi, "v2: bad family or transport"));
	if (len < PP2_HDR_LEN)
		return (PROXY_AGAIN);
	total = PP2_HDR_LEN + ((size_t)buf[14] << 8 | buf[15]);
	if (total > PROXY_V2_MAX)
		return (proxy_fail(pi, "v2: header too long"));
	alen = cmd == PP2_CMD_PROXY ? proxy_v2_addrlen(buf[13]) : 0;
	if (total - PP2_HDR_LEN < alen)
		return (proxy_fail(pi, "v2: address block too short"));
	if (len < total)
		return (PROXY_AGAIN);

	pi->pi_version = 2;
	if (alen == 0) {
		/*
		 * LOCAL, or an UNSPEC family or transport: use the real
		 * endpoints (2.2).  Without an address size the TLVs cannot
		 * be found, so the rest of the block is skipped whole.
		 */
		pi->pi_local = 1;
		*hdrlen = total;
		return (PROXY_OK);
	}
	proxy_v2_addrs(buf + PP2_HDR_LEN, buf[13], pi);
	if (proxy_v2_tlvs(buf, PP2_HDR_LEN + alen, total, pi) == -1)
		return (PROXY_ERROR);
	*hdrlen = total;
	return (PROXY_OK);
}

/* Size of the address block for a family/transport byte; 0: none known. */
static size_t
proxy_v2_addrlen(unsigned int famtrans)
{
	if ((famtrans & 0x0f) == PP2_TRANS_UNSPEC)
		return (0);
	switch (famtrans >> 4) {
	case PP2_FAM_INET:
		return (2 * 4 + 2 * 2);
	case PP2_FAM_INET6:
		return (2 * 16 + 2 * 2);
	case PP2_FAM_UNIX:
		return (2 * PP2_UNIX_LEN);
	default:
		return (0);
	}
}

/* Fill pi_src and pi_dst from an address block of the right size. */
static void
proxy_v2_addrs(const uint8_t *a, unsigned int famtrans, struct proxy_info *pi)
{
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;
	struct sockaddr_un	 sun;

	pi->pi_transport = (famtrans & 0x0f) == PP2_TRANS_STREAM ?
	    SOCK_STREAM : SOCK_DGRAM;
	switch (famtrans >> 4) {
	case PP2_FAM_INET:
		/* src addr, dst addr, src port, dst port: all network order */
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		memcpy(&sin.sin_addr, a, 4);
		memcpy(&sin.sin_port, a + 8, 2);
		memcpy(&pi->pi_src, &sin, sizeof(sin));
		memcpy(&sin.sin_addr, a + 4, 4);
		memcpy(&sin.sin_port, a + 10, 2);
		memcpy(&pi->pi_dst, &sin, sizeof(sin));
		break;
	case PP2_FAM_INET6:
		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		memcpy(&sin6.sin6_addr, a, 16);
		memcpy(&sin6.sin6_port, a + 32, 2);
		memcpy(&pi->pi_src, &sin6, sizeof(sin6));
		memcpy(&sin6.sin6_addr, a + 16, 16);
		memcpy(&sin6.sin6_port, a + 34, 2);
		memcpy(&pi->pi_dst, &sin6, sizeof(sin6));
		break;
	case PP2_FAM_UNIX:
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		memcpy(sun.sun_path, a, PP2_UNIX_LEN);
		memcpy(&pi->pi_src, &sun, sizeof(sun));
		memcpy(sun.sun_path, a + PP2_UNIX_LEN, PP2_UNIX_LEN);
		memcpy(&pi->pi_dst, &sun, sizeof(sun));
		break;
	}
}

/*
 * Walk the TLVs in buf[off..total): each must fit whole in the header, and
 * a type we interpret may appear only once, so no two readers can pick
 * different values.  The CRC32C, if present, covers the whole header with
 * its own four bytes taken as zeros (2.2.3).
 */
static int
proxy_v2_tlvs(const uint8_t *buf, size_t off, size_t total,
    struct proxy_info *pi)
{
	const uint8_t	*v;
	size_t		 vlen, crcoff;
	unsigned int	 seen, bit;

	seen = 0;
	crcoff = 0;
	while (off < total) {
		if (total - off < PP2_TLV_LEN) {
			pi->pi_error = "v2: truncated TLV";
			return (-1);
		}
		vlen = (size_t)buf[off + 1] << 8 | buf[off + 2];
		if (vlen > total - off - PP2_TLV_LEN) {
			pi->pi_error = "v2: TLV overruns header";
			return (-1);
		}
		v = buf + off + PP2_TLV_LEN;
		switch (buf[off]) {
		case PP2_TYPE_ALPN:
			bit = SEEN_ALPN;
			proxy_tlv_str(pi->pi_alpn, sizeof(pi->pi_alpn), v,
			    vlen);
			break;
		case PP2_TYPE_AUTHORITY:
			bit = SEEN_AUTHORITY;
			proxy_tlv_str(pi->pi_authority,
			    sizeof(pi->pi_authority), v, vlen);
			break;
		case PP2_TYPE_CRC32C:
			bit = SEEN_CRC32C;
			if (vlen != 4) {
				pi->pi_error = "v2: bad CRC32C length";
				return (-1);
			}
			crcoff = off + PP2_TLV_LEN;
			break;
		case PP2_TYPE_UNIQUE_ID:
			/* up to 128 bytes (2.2.5); longer: ignored */
			bit = SEEN_UNIQUE_ID;
			if (vlen <= sizeof(pi->pi_unique_id)) {
				memcpy(pi->pi_unique_id, v, vlen);
				pi->pi_unique_id_len = (uint8_t)vlen;
			}
			break;
		case PP2_TYPE_SSL:
			bit = SEEN_SSL;
			if (proxy_v2_ssl(v, vlen, pi) == -1)
				return (-1);
			break;
		default:
			/* PP2_TYPE_NOOP, NETNS and unknown: skipped */
			bit = 0;
			break;
		}
		if (seen & bit) {
			pi->pi_error = "v2: duplicate TLV";
			return (-1);
		}
		seen |= bit;
		off += PP2_TLV_LEN + vlen;
	}
	if (seen & SEEN_CRC32C) {
		if (proxy_crc32c(buf, total, crcoff) !=
		    proxy_be32(buf + crcoff)) {
			pi->pi_error = "v2: CRC32C mismatch";
			return (-1);
		}
		pi->pi_crc = 1;
	}
	return (0);
}

/* PP2_TYPE_SSL: client (8 bits), verify (32 bits), then sub-TLVs. */
static int
proxy_v2_ssl(const uint8_t *v, size_t len, struct proxy_info *pi)
{
	const uint8_t	*sv;
	size_t		 off, svlen;
	unsigned int	 seen, bit;

	if (len < PP2_SSL_LEN) {
		pi->pi_error = "v2: short SSL TLV";
		return (-1);
	}
	pi->pi_ssl = v[0];
	pi->pi_ssl_verify = proxy_be32(v + 1);
	seen = 0;
	for (off = PP2_SSL_LEN; off < len; off += PP2_TLV_LEN + svlen) {
		if (len - off < PP2_TLV_LEN) {
			pi->pi_error = "v2: truncated SSL sub-TLV";
			return (-1);
		}
		svlen = (size_t)v[off + 1] << 8 | v[off + 2];
		if (svlen > len - off - PP2_TLV_LEN) {
			pi->pi_error = "v2: SSL sub-TLV overruns SSL TLV";
			return (-1);
		}
		sv = v + off + PP2_TLV_LEN;
		switch (v[off]) {
		case PP2_SUBTYPE_SSL_VERSION:
			bit = SEEN_SSL_VERSION;
			proxy_tlv_str(pi->pi_ssl_version,
			    sizeof(pi->pi_ssl_version), sv, svlen);
			break;
		case PP2_SUBTYPE_SSL_CN:
			bit = SEEN_SSL_CN;
			proxy_tlv_str(pi->pi_ssl_cn, sizeof(pi->pi_ssl_cn), sv,
			    svlen);
			break;
		case PP2_SUBTYPE_SSL_CIPHER:
			bit = SEEN_SSL_CIPHER;
			proxy_tlv_str(pi->pi_ssl_cipher,
			    sizeof(pi->pi_ssl_cipher), sv, svlen);
			break;
		default:
			/* SIG_ALG, KEY_ALG and unknown: skipped */
			bit = 0;
			break;
		}
		if (seen & bit) {
			pi->pi_error = "v2: duplicate SSL sub-TLV";
			return (-1);
		}
		seen |= bit;
	}
	return (0);
}

/*
 * Copy a TLV string if it fits with its NUL and holds no NUL or control
 * byte: these go to logs, and a truncated host name could name another.
 */
static void
proxy_tlv_str(char *dst, size_t sz, const uint8_t *v, size_t len)
{
	size_t	 i;

	if (len >= sz)
		return;
	for (i = 0; i < len; i++)
		if (v[i] < 0x20 || v[i] == 0x7f)
			return;
	memcpy(dst, v, len);
	dst[len] = '\0';
}

static uint32_t
proxy_be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3]);
}

/* CRC32C of buf[0..len), the four bytes at zoff read as zeros. */
static uint32_t
proxy_crc32c(const uint8_t *buf, size_t len, size_t zoff)
{
	uint32_t	 crc;
	size_t		 i;

	crc = 0xffffffff;
	for (i = 0; i < len; i++) {
		crc ^= i >= zoff && i < zoff + 4 ? 0 : buf[i];
		crc = (crc >> 4) ^ crc32c_nibble[crc & 0x0f];
		crc = (crc >> 4) ^ crc32c_nibble[crc & 0x0f];
	}
	return (crc ^ 0xffffffff);
}
