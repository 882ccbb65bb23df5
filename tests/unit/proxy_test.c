/*
 * PROXY protocol parser (src/proto/proxy.c).
 *
 * Table-driven.  Every case also checks the streaming contract the worker
 * relies on: each prefix shorter than a valid header is PROXY_AGAIN, and
 * once a prefix is an error every longer one is too (and the first one is
 * where the table says, when it says).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <atf-c.h>
#include <stdio.h>
#include <string.h>

#include "proto/proxy.h"

#define B(s)	(const uint8_t *)(s), sizeof(s) - 1

/* v2 signature; a literal of its own so no \x escape runs into it */
#define SIG	"\r\n\r\n\0\r\nQUIT\n"
#define IPV6_MAX "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"

struct pcase {
	const char	*pc_name;
	const uint8_t	*pc_buf;
	size_t		 pc_len;
	int		 pc_ret;
	size_t		 pc_at;		/* OK: hdrlen; ERROR: 1st bad prefix */
	int		 pc_version;
	int		 pc_local;
	int		 pc_transport;
	const char	*pc_src;	/* proxy_addr_format() output */
	const char	*pc_dst;
};

struct v2b {
	uint8_t		 b_buf[PROXY_V2_MAX + 64];
	size_t		 b_len;
};

static void	check_case(const struct pcase *);
static void	check_cases(const struct pcase *, size_t);
static void	check_prefixes(const char *, const uint8_t *, size_t, int,
		    size_t);
static int	parse(const uint8_t *, size_t, struct proxy_info *, size_t *);
static void	v2_begin(struct v2b *, uint8_t, uint8_t);
static void	v2_put(struct v2b *, const void *, size_t);
static void	v2_tlv(struct v2b *, uint8_t, const void *, size_t);
static void	v2_end(struct v2b *);
static void	v2_tcp4(struct v2b *);
static size_t	v2_crc_tlv(struct v2b *);
static void	v2_crc_fill(struct v2b *, size_t);
static uint32_t	ref_crc32c(const uint8_t *, size_t);

static int
parse(const uint8_t *buf, size_t len, struct proxy_info *pi, size_t *hdrlen)
{
	int	 rc;

	rc = proxy_parse(buf, len, pi, hdrlen);
	if (rc == PROXY_ERROR)
		ATF_CHECK_MSG(pi->pi_error != NULL, "ERROR without pi_error");
	return (rc);
}

/*
 * The streaming contract on buf[0..len) answering want: for OK, every
 * shorter prefix than the header is AGAIN and the header alone is OK; for
 * ERROR, errors never turn back into AGAIN as bytes arrive, and the first
 * one comes at 'at' bytes if at is not 0.
 */
static void
check_prefixes(const char *name, const uint8_t *buf, size_t len, int want,
    size_t at)
{
	struct proxy_info	 pi;
	size_t			 k, h, first;
	int			 rc;

	if (want == PROXY_OK) {
		for (k = 0; k < at; k++)
			ATF_CHECK_MSG(parse(buf, k, &pi, &h) == PROXY_AGAIN,
			    "%s: prefix %zu of %zu not AGAIN", name, k, at);
		ATF_CHECK_MSG(parse(buf, at, &pi, &h) == PROXY_OK && h == at,
		    "%s: header alone not OK", name);
		return;
	}
	first = 0;
	for (k = 1; k <= len; k++) {
		rc = parse(buf, k, &pi, &h);
		if (first == 0 && rc == PROXY_ERROR)
			first = k;
		if (first != 0)
			ATF_CHECK_MSG(rc == PROXY_ERROR,
			    "%s: prefix %zu: %d after error at %zu", name, k,
			    rc, first);
		else
			ATF_CHECK_MSG(rc == PROXY_AGAIN,
			    "%s: prefix %zu: %d", name, k, rc);
	}
	if (want == PROXY_ERROR && at != 0)
		ATF_CHECK_MSG(first == at, "%s: first error at %zu, want %zu",
		    name, first, at);
}

static void
check_case(const struct pcase *c)
{
	struct proxy_info	 pi;
	char			 a[PROXY_ADDRSTRLEN];
	size_t			 h;
	int			 rc;

	rc = parse(c->pc_buf, c->pc_len, &pi, &h);
	ATF_CHECK_MSG(rc == c->pc_ret, "%s: got %d (%s), want %d", c->pc_name,
	    rc, rc == PROXY_ERROR ? pi.pi_error : "-", c->pc_ret);
	if (rc != c->pc_ret)
		return;
	check_prefixes(c->pc_name, c->pc_buf, c->pc_len, c->pc_ret, c->pc_at);
	if (rc != PROXY_OK)
		return;
	ATF_CHECK_MSG(h == c->pc_at, "%s: hdrlen %zu, want %zu", c->pc_name,
	    h, c->pc_at);
	ATF_CHECK_MSG(pi.pi_version == c->pc_version, "%s: version %d",
	    c->pc_name, pi.pi_version);
	ATF_CHECK_MSG(pi.pi_local == c->pc_local, "%s: local %d", c->pc_name,
	    pi.pi_local);
	ATF_CHECK_MSG(pi.pi_transport == c->pc_transport, "%s: transport %d",
	    c->pc_name, pi.pi_transport);
	if (c->pc_local) {
		ATF_CHECK_MSG(pi.pi_src.ss_family == AF_UNSPEC &&
		    pi.pi_dst.ss_family == AF_UNSPEC,
		    "%s: local but addresses set", c->pc_name);
		return;
	}
	ATF_CHECK_EQ(proxy_addr_format(&pi.pi_src, a, sizeof(a)), 0);
	ATF_CHECK_MSG(strcmp(a, c->pc_src) == 0, "%s: src %s, want %s",
	    c->pc_name, a, c->pc_src);
	ATF_CHECK_EQ(proxy_addr_format(&pi.pi_dst, a, sizeof(a)), 0);
	ATF_CHECK_MSG(strcmp(a, c->pc_dst) == 0, "%s: dst %s, want %s",
	    c->pc_name, a, c->pc_dst);
}

static void
check_cases(const struct pcase *c, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		check_case(&c[i]);
}

#define OK1(name, s, src, dst)						\
	{ name, B(s), PROXY_OK, sizeof(s) - 1, 1, 0, SOCK_STREAM, src, dst }
#define LOCAL1(name, s, hl)						\
	{ name, B(s), PROXY_OK, hl, 1, 1, 0, NULL, NULL }
#define OK2(name, s, hl, tr, src, dst)					\
	{ name, B(s), PROXY_OK, hl, 2, 0, tr, src, dst }
#define LOCAL2(name, s, hl)						\
	{ name, B(s), PROXY_OK, hl, 2, 1, 0, NULL, NULL }
#define BAD(name, s, at)						\
	{ name, B(s), PROXY_ERROR, at, 0, 0, 0, NULL, NULL }
#define AGAIN(name, s)							\
	{ name, B(s), PROXY_AGAIN, 0, 0, 0, 0, NULL, NULL }

static const struct pcase v1_valid[] = {
	OK1("tcp4", "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n",
	    "192.168.0.1:56324", "192.168.0.11:443"),
	OK1("tcp4 longest",
	    "PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n",
	    "255.255.255.255:65535", "255.255.255.255:65535"),
	OK1("tcp4 zeros", "PROXY TCP4 0.0.0.0 0.0.0.0 0 0\r\n",
	    "0.0.0.0:0", "0.0.0.0:0"),
	OK1("tcp6", "PROXY TCP6 2001:db8::1 ::1 1234 80\r\n",
	    "[2001:db8::1]:1234", "[::1]:80"),
	OK1("tcp6 longest (104)",
	    "PROXY TCP6 " IPV6_MAX " " IPV6_MAX " 65535 65535\r\n",
	    "[" IPV6_MAX "]:65535", "[" IPV6_MAX "]:65535"),
	OK1("tcp6 upper case", "PROXY TCP6 2001:DB8::A FE80::1 1 2\r\n",
	    "[2001:db8::a]:1", "[fe80::1]:2"),
	OK1("tcp6 v4-mapped", "PROXY TCP6 ::ffff:10.0.0.1 ::ffff:10.0.0.2 "
	    "1 2\r\n", "[::ffff:10.0.0.1]:1", "[::ffff:10.0.0.2]:2"),
	LOCAL1("unknown short", "PROXY UNKNOWN\r\n", 15),
	LOCAL1("unknown worst case (107)", "PROXY UNKNOWN " IPV6_MAX " "
	    IPV6_MAX " 65535 65535\r\n", 107),
	LOCAL1("unknown anything", "PROXY UNKNOWN what\tever \x01\xff\r\n",
	    28),
	{ "tcp4 then http", B("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n"
	    "GET / HTTP/1.1\r\nHost: x\r\n\r\n"), PROXY_OK, 32, 1, 0,
	    SOCK_STREAM, "1.2.3.4:1", "5.6.7.8:2" },
	{ "unknown then tls", B("PROXY UNKNOWN\r\n\x16\x03\x01\x02\x00"),
	    PROXY_OK, 15, 1, 1, 0, NULL, NULL },
};

static const struct pcase v1_invalid[] = {
	BAD("lower case", "proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n", 1),
	BAD("mixed case", "PRoXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n", 3),
	BAD("no space after PROXY", "PROXY\r\n", 6),
	BAD("double space after PROXY", "PROXY  TCP4 1.2.3.4 5.6.7.8 1 2\r\n",
	    7),
	BAD("unknown protocol", "PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n", 10),
	BAD("http after PROXY", "PROXY GET / HTTP/1.1\r\n", 7),
	BAD("UNKNOWNX", "PROXY UNKNOWNX\r\n", 14),
	BAD("tcp4 without fields", "PROXY TCP4\r\n", 11),
	BAD("double space between addresses",
	    "PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n", 0),
	BAD("trailing space", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n", 0),
	BAD("tab separator", "PROXY TCP4 1.2.3.4\t5.6.7.8 1 2\r\n", 0),
	BAD("three fields", "PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n", 0),
	BAD("five fields", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n", 0),
	BAD("port 65536", "PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n", 0),
	BAD("port 99999", "PROXY TCP4 1.2.3.4 5.6.7.8 1 99999\r\n", 0),
	BAD("port -1", "PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n", 0),
	BAD("port +80", "PROXY TCP4 1.2.3.4 5.6.7.8 +80 2\r\n", 0),
	BAD("port 08 (leading zero)", "PROXY TCP4 1.2.3.4 5.6.7.8 08 2\r\n",
	    0),
	BAD("port 00", "PROXY TCP4 1.2.3.4 5.6.7.8 1 00\r\n", 0),
	BAD("port 0x50", "PROXY TCP4 1.2.3.4 5.6.7.8 0x50 2\r\n", 0),
	BAD("port 6 digits", "PROXY TCP4 1.2.3.4 5.6.7.8 000001 2\r\n", 0),
	BAD("ipv4 leading zero", "PROXY TCP4 01.2.3.4 5.6.7.8 1 2\r\n", 0),
	BAD("ipv4 octet 256", "PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n", 0),
	BAD("ipv4 three parts", "PROXY TCP4 1.2.3 5.6.7.8 1 2\r\n", 0),
	BAD("ipv4 hex", "PROXY TCP4 0x7f.0.0.1 5.6.7.8 1 2\r\n", 0),
	BAD("tcp4 with ipv6", "PROXY TCP4 ::1 ::1 1 2\r\n", 0),
	BAD("tcp4 dst ipv6", "PROXY TCP4 1.2.3.4 ::1 1 2\r\n", 0),
	BAD("tcp6 with ipv4", "PROXY TCP6 1.2.3.4 5.6.7.8 1 2\r\n", 0),
	BAD("tcp6 two ::", "PROXY TCP6 1::2::3 ::1 1 2\r\n", 0),
	BAD("tcp6 zone", "PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n", 0),
	BAD("tcp6 host name", "PROXY TCP6 localhost ::1 1 2\r\n", 0),
	BAD("NUL in address", "PROXY TCP4 1.2.3.4\0 5.6.7.8 1 2\r\n", 0),
	BAD("LF alone", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n", 31),
	BAD("CR alone", "PROXY UNKNOWN\rX\r\n", 15),
	BAD("LF inside unknown", "PROXY UNKNOWN a\nb\r\n", 16),
	/* 107 bytes and still no CRLF */
	BAD("no CRLF in 107", "PROXY UNKNOWN "
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 107),
	/* CRLF at 106-107: a 108-byte line */
	BAD("108-byte line", "PROXY UNKNOWN "
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n", 107),
	BAD("http request", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 1),
	BAD("tls client hello", "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1", 1),
	BAD("NUL first", "\0PROXY", 1),
	AGAIN("empty", ""),
	AGAIN("P", "P"),
	AGAIN("PROXY TCP", "PROXY TCP"),
	AGAIN("up to CR", "PROXY UNKNOWN\r"),
	AGAIN("106 bytes, no CRLF yet", "PROXY UNKNOWN "
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
};

static const struct pcase v2_cases[] = {
	OK2("tcp4", SIG "\x21\x11\x00\x0c" "\x7f\x00\x00\x01" "\x0a\x00\x00\x02"
	    "\x1f\x90" "\x00\x50", 28, SOCK_STREAM, "127.0.0.1:8080",
	    "10.0.0.2:80"),
	OK2("udp4", SIG "\x21\x12\x00\x0c" "\xc0\xa8\x00\x01" "\xc0\xa8\x00\x02"
	    "\x00\x35" "\xff\xff", 28, SOCK_DGRAM, "192.168.0.1:53",
	    "192.168.0.2:65535"),
	OK2("tcp6", SIG "\x21\x21\x00\x24"
	    "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01"
	    "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01" "\x04\xd2" "\x01\xbb", 52,
	    SOCK_STREAM, "[2001:db8::1]:1234", "[::1]:443"),
	OK2("udp6", SIG "\x21\x22\x00\x24"
	    "\0\0\0\0\0\0\0\0\0\0\xff\xff\x0a\0\0\x01"
	    "\xfe\x80\0\0\0\0\0\0\0\0\0\0\0\0\0\x02" "\0\0" "\0\x01", 52,
	    SOCK_DGRAM, "[::ffff:10.0.0.1]:0", "[fe80::2]:1"),
	OK2("tcp4 then tls", SIG "\x21\x11\x00\x0c" "\x01\x02\x03\x04"
	    "\x05\x06\x07\x08" "\x00\x01" "\x00\x02" "\x16\x03\x01\x00\xa5", 28,
	    SOCK_STREAM, "1.2.3.4:1", "5.6.7.8:2"),
	OK2("tcp4 empty NOOP", SIG "\x21\x11\x00\x0f" "\x01\x02\x03\x04"
	    "\x05\x06\x07\x08" "\x00\x01" "\x00\x02" "\x04\x00\x00", 31,
	    SOCK_STREAM, "1.2.3.4:1", "5.6.7.8:2"),
	OK2("tcp4 unknown TLVs", SIG "\x21\x11\x00\x18" "\x01\x02\x03\x04"
	    "\x05\x06\x07\x08" "\x00\x01" "\x00\x02" "\xe0\x00\x02" "ab"
	    "\x30\x00\x01" "n" "\xff\x00\x00", 40,
	    SOCK_STREAM, "1.2.3.4:1", "5.6.7.8:2"),
	LOCAL2("local", SIG "\x20\x00\x00\x00", 16),
	LOCAL2("local with body", SIG "\x20\x11\x00\x05" "junk!", 21),
	LOCAL2("local, family ignored", SIG "\x20\xff\x00\x00", 16),
	LOCAL2("proxy unspec", SIG "\x21\x00\x00\x00", 16),
	LOCAL2("proxy unspec with body", SIG "\x21\x00\x00\x04" "abcd", 20),
	LOCAL2("proxy inet, transport unspec", SIG "\x21\x10\x00\x0c"
	    "\x01\x02\x03\x04" "\x05\x06\x07\x08" "\x00\x01" "\x00\x02", 28),
	LOCAL2("proxy unspec, stream", SIG "\x21\x01\x00\x00", 16),
	{ "local then http", B(SIG "\x20\x00\x00\x00" "GET / HTTP/1.1\r\n"),
	    PROXY_OK, 16, 2, 1, 0, NULL, NULL },

	BAD("signature byte 5", "\r\n\r\n\x01\r\nQUIT\n\x21\x11\x00\x0c", 5),
	BAD("signature byte 12", "\r\n\r\n\0\r\nQUIT\r\x21\x11\x00\x0c", 12),
	BAD("CR then GET", "\rGET / HTTP/1.1\r\n", 2),
	BAD("version 1", SIG "\x11\x11\x00\x0c", 13),
	BAD("version 3", SIG "\x31\x11\x00\x0c", 13),
	BAD("version 0", SIG "\x01\x11\x00\x0c", 13),
	BAD("command 2", SIG "\x22\x11\x00\x0c", 13),
	BAD("command 15", SIG "\x2f\x11\x00\x0c", 13),
	BAD("family 4", SIG "\x21\x41\x00\x0c", 14),
	BAD("transport 3", SIG "\x21\x13\x00\x0c", 14),
	BAD("family 15, transport 15", SIG "\x21\xff\x00\x00", 14),
	BAD("tcp4 block 11 bytes", SIG "\x21\x11\x00\x0b" "\x01\x02\x03\x04"
	    "\x05\x06\x07\x08" "\x00\x01" "\x00", 16),
	BAD("tcp6 block 35 bytes", SIG "\x21\x21\x00\x23", 16),
	BAD("unix block 215 bytes", SIG "\x21\x31\x00\xd7", 16),
	BAD("udp4 block empty", SIG "\x21\x12\x00\x00", 16),
	BAD("length 1025", SIG "\x21\x11\x04\x01", 16),
	BAD("length 65535", SIG "\x20\x00\xff\xff", 16),
	BAD("TLV truncated (2 bytes)", SIG "\x21\x11\x00\x0e"
	    "\x01\x02\x03\x04" "\x05\x06\x07\x08" "\x00\x01" "\x00\x02"
	    "\x04\x00", 30),
	BAD("TLV overrun by 1", SIG "\x21\x11\x00\x0f" "\x01\x02\x03\x04"
	    "\x05\x06\x07\x08" "\x00\x01" "\x00\x02" "\x04\x00\x01", 31),
	BAD("TLV length 65535", SIG "\x21\x11\x00\x11" "\x01\x02\x03\x04"
	    "\x05\x06\x07\x08" "\x00\x01" "\x00\x02" "\x02\xff\xff" "ab", 33),
	BAD("second TLV overruns", SIG "\x21\x11\x00\x15" "\x01\x02\x03\x04"
	    "\x05\x06\x07\x08" "\x00\x01" "\x00\x02" "\x04\x00\x01" "x"
	    "\x01\x00\x03" "h2", 37),
	AGAIN("signature only", SIG),
	AGAIN("16 bytes of 28", SIG "\x21\x11\x00\x0c"),
	AGAIN("length 1024, 16 bytes", SIG "\x21\x11\x04\x00"),
};

/* Independent bitwise CRC32C (RFC 4960 appendix B), to build headers. */
static uint32_t
ref_crc32c(const uint8_t *p, size_t n)
{
	uint32_t	 crc;
	size_t		 i;
	int		 k;

	crc = 0xffffffff;
	for (i = 0; i < n; i++) {
		crc ^= p[i];
		for (k = 0; k < 8; k++)
			crc = crc & 1 ? (crc >> 1) ^ 0x82f63b78 : crc >> 1;
	}
	return (~crc);
}

static void
v2_begin(struct v2b *b, uint8_t vercmd, uint8_t fam)
{
	memcpy(b->b_buf, SIG, 12);
	b->b_buf[12] = vercmd;
	b->b_buf[13] = fam;
	b->b_len = 16;
}

static void
v2_put(struct v2b *b, const void *p, size_t n)
{
	ATF_REQUIRE(b->b_len + n <= sizeof(b->b_buf));
	memcpy(b->b_buf + b->b_len, p, n);
	b->b_len += n;
}

static void
v2_tlv(struct v2b *b, uint8_t type, const void *v, size_t n)
{
	uint8_t	 t[3];

	t[0] = type;
	t[1] = (uint8_t)(n >> 8);
	t[2] = (uint8_t)n;
	v2_put(b, t, 3);
	v2_put(b, v, n);
}

/* Store the length field: everything after the 16 fixed bytes. */
static void
v2_end(struct v2b *b)
{
	b->b_buf[14] = (uint8_t)((b->b_len - 16) >> 8);
	b->b_buf[15] = (uint8_t)(b->b_len - 16);
}

/* PROXY TCP4 10.1.2.3:40000 -> 192.0.2.1:443 */
static void
v2_tcp4(struct v2b *b)
{
	v2_begin(b, 0x21, 0x11);
	v2_put(b, "\x0a\x01\x02\x03" "\xc0\x00\x02\x01" "\x9c\x40" "\x01\xbb",
	    12);
}

/* A zeroed CRC32C TLV; returns the offset of its value. */
static size_t
v2_crc_tlv(struct v2b *b)
{
	v2_tlv(b, 0x03, "\0\0\0\0", 4);
	return (b->b_len - 4);
}

static void
v2_crc_fill(struct v2b *b, size_t off)
{
	uint32_t	 crc;

	crc = ref_crc32c(b->b_buf, b->b_len);
	b->b_buf[off] = (uint8_t)(crc >> 24);
	b->b_buf[off + 1] = (uint8_t)(crc >> 16);
	b->b_buf[off + 2] = (uint8_t)(crc >> 8);
	b->b_buf[off + 3] = (uint8_t)crc;
}

ATF_TC_WITHOUT_HEAD(proxy_parse__v1_valid);
ATF_TC_BODY(proxy_parse__v1_valid, tc)
{
	check_cases(v1_valid, sizeof(v1_valid) / sizeof(v1_valid[0]));
}

ATF_TC_WITHOUT_HEAD(proxy_parse__v1_invalid);
ATF_TC_BODY(proxy_parse__v1_invalid, tc)
{
	check_cases(v1_invalid, sizeof(v1_invalid) / sizeof(v1_invalid[0]));
}

ATF_TC_WITHOUT_HEAD(proxy_parse__v2_table);
ATF_TC_BODY(proxy_parse__v2_table, tc)
{
	check_cases(v2_cases, sizeof(v2_cases) / sizeof(v2_cases[0]));
}

ATF_TC_WITHOUT_HEAD(proxy_parse__v2_unix);
ATF_TC_BODY(proxy_parse__v2_unix, tc)
{
	struct proxy_info	 pi;
	struct v2b		 b;
	char			 path[108], a[PROXY_ADDRSTRLEN];
	size_t			 h;

	/* stream; the source abstract, the destination a path */
	v2_begin(&b, 0x21, 0x31);
	memset(path, 0, sizeof(path));
	memcpy(path + 1, "haproxy", 7);
	v2_put(&b, path, sizeof(path));
	memset(path, 0, sizeof(path));
	strcpy(path, "/run/tamarin/web.sock");
	v2_put(&b, path, sizeof(path));
	v2_tlv(&b, 0x01, "h2", 2);
	v2_end(&b);
	ATF_REQUIRE_EQ(b.b_len, 16 + 216 + 5);
	ATF_REQUIRE_EQ(parse(b.b_buf, b.b_len, &pi, &h), PROXY_OK);
	ATF_CHECK_EQ(h, b.b_len);
	ATF_CHECK_EQ(pi.pi_transport, SOCK_STREAM);
	ATF_CHECK_EQ(pi.pi_src.ss_family, AF_UNIX);
	ATF_CHECK_EQ(proxy_addr_format(&pi.pi_src, a, sizeof(a)), 0);
	ATF_CHECK_STREQ(a, "unix:@haproxy");
	ATF_CHECK_EQ(proxy_addr_format(&pi.pi_dst, a, sizeof(a)), 0);
	ATF_CHECK_STREQ(a, "unix:/run/tamarin/web.sock");
	ATF_CHECK_STREQ(pi.pi_alpn, "h2");
	check_prefixes("unix stream", b.b_buf, b.b_len, PROXY_OK, b.b_len);

	/* datagram, a 108-byte path without NUL: printed whole */
	v2_begin(&b, 0x21, 0x32);
	memset(path, 'x', sizeof(path));
	path[0] = '/';
	path[5] = '\n';
	v2_put(&b, path, sizeof(path));
	v2_put(&b, path, sizeof(path));
	v2_end(&b);
	ATF_REQUIRE_EQ(parse(b.b_buf, b.b_len, &pi, &h), PROXY_OK);
	ATF_CHECK_EQ(pi.pi_transport, SOCK_DGRAM);
	ATF_CHECK_EQ(proxy_addr_format(&pi.pi_dst, a, sizeof(a)), 0);
	ATF_CHECK_EQ(strlen(a), 5 + 108);
	ATF_CHECK_EQ(a[5 + 5], '?');
}

ATF_TC_WITHOUT_HEAD(proxy_parse__v2_tlv_strings);
ATF_TC_BODY(proxy_parse__v2_tlv_strings, tc)
{
	struct proxy_info	 pi;
	struct v2b		 b;
	size_t			 h;

	v2_tcp4(&b);
	v2_tlv(&b, 0x04, "pad", 3);			/* NOOP */
	v2_tlv(&b, 0x01, "http/1.1", 8);		/* ALPN */
	v2_tlv(&b, 0x02, "www.example.org", 15);	/* AUTHORITY */
	v2_tlv(&b, 0x05, "\x00\x01\x02\xff", 4);	/* UNIQUE_ID */
	v2_tlv(&b, 0x30, "blue", 4);			/* NETNS */
	v2_end(&b);
	ATF_REQUIRE_EQ(parse(b.b_buf, b.b_len, &pi, &h), PROXY_OK);
	ATF_CHECK_EQ(h, b.b_len);
	ATF_CHECK_STREQ(pi.pi_alpn, "http/1.1");
	ATF_CHECK_STREQ(pi.pi_authority, "www.example.org");
	ATF_CHECK_EQ(pi.pi_unique_id_len, 4);
	ATF_CHECK(memcmp(pi.pi_unique_id, "\x00\x01\x02\xff", 4) == 0);
	ATF_CHECK_EQ(pi.pi_ssl, 0);
	ATF_CHECK_EQ(pi.pi_crc, 0);
	check_prefixes("tlv strings", b.b_buf, b.b_len, PROXY_OK, b.b_len);
}

ATF_TC_WITHOUT_HEAD(proxy_parse__v2_tlv_unfit_strings);
ATF_TC_BODY(proxy_parse__v2_tlv_unfit_strings, tc)
{
	struct proxy_info	 pi;
	struct v2b		 b;
	char			 big[300];
	size_t			 h;

	/* too long, control byte, NUL: dropped, the header still good */
	memset(big, 'a', sizeof(big));
	v2_tcp4(&b);
	v2_tlv(&b, 0x01, big, 32);
	v2_tlv(&b, 0x02, "evil.example\r\nX: y", 18);
	v2_tlv(&b, 0x05, big, 129);
	v2_end(&b);
	ATF_REQUIRE_EQ(parse(b.b_buf, b.b_len, &pi, &h), PROXY_OK);
	ATF_CHECK_STREQ(pi.pi_alpn, "");
	ATF_CHECK_STREQ(pi.pi_authority, "");
	ATF_CHECK_EQ(pi.pi_unique_id_len, 0);

	v2_tcp4(&b);
	v2_tlv(&b, 0x01, big, 31);			/* just fits */
	v2_tlv(&b, 0x02, "a\0b", 3);
	v2_end(&b);
	ATF_REQUIRE_EQ(parse(b.b_buf, b.b_len, &pi, &h), PROXY_OK);
	ATF_CHECK_EQ(strlen(pi.pi_alpn), 31);
	ATF_CHECK_STREQ(pi.pi_authority, "");

	v2_tcp4(&b);
	v2_tlv(&b, 0x02, big, 253);			/* longest DNS name */
	v2_end(&b);
	ATF_REQUIRE_EQ(parse(b.b_buf, b.b_len, &pi, &h), PROXY_OK);
	ATF_CHECK_EQ(strlen(pi.pi_authority), 253);
}

ATF_TC_WITHOUT_HEAD(proxy_parse__v2_tlv_duplicate);
ATF_TC_BODY(proxy_parse__v2_tlv_duplicate, tc)
{
	struct proxy_info	 pi;
	struct v2b		 b;
	size_t			 h;

	/* two answers to "which host": refuse rather than pick one */
	v2_tcp4(&b);
	v2_tlv(&b, 0x02, "a.example", 9);
	v2_tlv(&b, 0x02, "b.example", 9);
	v2_end(&b);
	ATF_CHECK_EQ(parse(b.b_buf, b.b_len, &pi, &h), PROXY_ERROR);

	/* NOOP and unknown types may repeat */
	v2_tcp4(&b);
	v2_tlv(&b, 0x04, "", 0);
	v2_tlv(&b, 0x04, "xy", 2);
	v2_tlv(&b, 0xee, "1", 1);
	v2_tlv(&b, 0xee, "2", 1);
	v2_end(&b);
	ATF_CHECK_EQ(parse(b.b_buf, b.b_len, &pi, &h), PROXY_OK);
}

ATF_TC_WITHOUT_HEAD(proxy_parse__v2_tlv_ssl);
ATF_TC_BODY(proxy_parse__v2_tlv_ssl, tc)
{
	struct proxy_info	 pi;
	struct v2b		 b, s;
	size_t			 h;

	/* the SSL value: client, verify, then sub-TLVs; built in s */
	s.b_len = 0;
	v2_put(&s, "\x07" "\x00\x00\x00\x00", 5);
	v2_tlv(&s, 0x21, "TLSv1.3", 7);
	v2_tlv(&s, 0x22, "client.example", 14);
	v2_tlv(&s, 0x23, "TLS_AES_128_GCM_SHA256", 22);
	v2_tlv(&s, 0x24, "RSA-SHA256", 10);		/* SIG_ALG: skipped */
	v2_tlv(&s, 0x25, "RSA2048", 7);			/* KEY_ALG: skipped */
	v2_tcp4(&b);
	v2_tlv(&b, 0x20, s.b_buf, s.b_len);
	v2_end(&b);
	ATF_REQUIRE_EQ(parse(b.b_buf, b.b_len, &pi, &h), PROXY_OK);
	ATF_CHECK_EQ(pi.pi_ssl, PROXY_SSL_CLIENT_SSL | PROXY_SSL_CERT_CONN |
	    PROXY_SSL_CERT_SESS);
	ATF_CHECK_EQ(pi.pi_ssl_verify, 0);
	ATF_CHECK_STREQ(pi.pi_ssl_version, "TLSv1.3");
	ATF_CHECK_STREQ(pi.pi_ssl_cn, "client.example");
	ATF_CHECK_STREQ(pi.pi_ssl_cipher, "TLS_AES_128_GCM_SHA256");
	check_prefixes("ssl", b.b_buf, b.b_len, PROXY_OK, b.b_len);

	/* no sub-TLVs, verify failed */
	v2_tcp4(&b);
	v2_tlv(&b, 0x20, "\x01" "\x00\x00\x00\x0a", 5);
	v2_end(&b);
	ATF_REQUIRE_EQ(parse(b.b_buf, b.b_len, &pi, &h), PROXY_OK);
	ATF_CHECK_EQ(pi.pi_ssl, PROXY_SSL_CLIENT_SSL);
	ATF_CHECK_EQ(pi.pi_ssl_verify, 10);
	ATF_CHECK_STREQ(pi.pi_ssl_version, "");

	/* shorter than client + verify */
	v2_tcp4(&b);
	v2_tlv(&b, 0x20, "\x01\x00\x00\x00", 4);
	v2_end(&b);
	ATF_CHECK_EQ(parse(b.b_buf, b.b_len, &pi, &h), PROXY_ERROR);

	/* a sub-TLV running past the SSL TLV (though not the header) */
	v2_tcp4(&b);
	v2_tlv(&b, 0x20, "\x01\x00\x00\x00\x00" "\x21\x00\x08" "TLSv1.3", 15);
	v2_tlv(&b, 0x04, "xx", 2);
	v2_end(&b);
	ATF_CHECK_EQ(parse(b.b_buf, b.b_len, &pi, &h), PROXY_ERROR);

	/* a sub-TLV header cut short */
	v2_tcp4(&b);
	v2_tlv(&b, 0x20, "\x01\x00\x00\x00\x00" "\x21\x00", 7);
	v2_end(&b);
	ATF_CHECK_EQ(parse(b.b_buf, b.b_len, &pi, &h), PROXY_ERROR);

	/* the same sub-TLV twice */
	s.b_len = 0;
	v2_put(&s, "\x01" "\x00\x00\x00\x00", 5);
	v2_tlv(&s, 0x22, "a", 1);
	v2_tlv(&s, 0x22, "b", 1);
	v2_tcp4(&b);
	v2_tlv(&b, 0x20, s.b_buf, s.b_len);
	v2_end(&b);
	ATF_CHECK_EQ(parse(b.b_buf, b.b_len, &pi, &h), PROXY_ERROR);
}

ATF_TC_WITHOUT_HEAD(proxy_parse__v2_crc32c);
ATF_TC_BODY(proxy_parse__v2_crc32c, tc)
{
	struct proxy_info	 pi;
	struct v2b		 b;
	size_t			 h, off;

	/* the reference itself: RFC 3720 B.4 check value */
	ATF_REQUIRE_EQ(ref_crc32c((const uint8_t *)"123456789", 9),
	    0xe3069283);

	/* right, with TLVs on both sides of it */
	v2_tcp4(&b);
	v2_tlv(&b, 0x01, "h2", 2);
	off = v2_crc_tlv(&b);
	v2_tlv(&b, 0x02, "example.org", 11);
	v2_end(&b);
	v2_crc_fill(&b, off);
	ATF_REQUIRE_EQ(parse(b.b_buf, b.b_len, &pi, &h), PROXY_OK);
	ATF_CHECK_EQ(pi.pi_crc, 1);
	ATF_CHECK_STREQ(pi.pi_authority, "example.org");
	check_prefixes("crc right", b.b_buf, b.b_len, PROXY_OK, b.b_len);

	/* one bit off in the checksum, then in the covered addresses */
	b.b_buf[off + 3] ^= 1;
	ATF_CHECK_EQ(parse(b.b_buf, b.b_len, &pi, &h), PROXY_ERROR);
	ATF_CHECK_STREQ(pi.pi_error, "v2: CRC32C mismatch");
	b.b_buf[off + 3] ^= 1;
	b.b_buf[17] ^= 0x80;
	ATF_CHECK_EQ(parse(b.b_buf, b.b_len, &pi, &h), PROXY_ERROR);
	b.b_buf[17] ^= 0x80;
	ATF_CHECK_EQ(parse(b.b_buf, b.b_len, &pi, &h), PROXY_OK);

	/* trailing bytes are not covered: still OK */
	v2_put(&b, "GET / HTTP/1.1\r\n", 16);
	ATF_CHECK_EQ(parse(b.b_buf, b.b_len, &pi, &h), PROXY_OK);
	ATF_CHECK_EQ(h, b.b_len - 16);

	/* wrong length */
	v2_tcp4(&b);
	v2_tlv(&b, 0x03, "\0\0\0", 3);
	v2_end(&b);
	ATF_CHECK_EQ(parse(b.b_buf, b.b_len, &pi, &h), PROXY_ERROR);
	ATF_CHECK_STREQ(pi.pi_error, "v2: bad CRC32C length");

	/* twice, both right for their own zeroing: ambiguous, refused */
	v2_tcp4(&b);
	off = v2_crc_tlv(&b);
	(void)v2_crc_tlv(&b);
	v2_end(&b);
	v2_crc_fill(&b, off);
	ATF_CHECK_EQ(parse(b.b_buf, b.b_len, &pi, &h), PROXY_ERROR);

	/* IPv6 with CRC as HAProxy sends it (CRC last) */
	v2_begin(&b, 0x21, 0x21);
	v2_put(&b, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01"
	    "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x02" "\x00\x50" "\x01\xbb",
	    36);
	off = v2_crc_tlv(&b);
	v2_end(&b);
	v2_crc_fill(&b, off);
	ATF_CHECK_EQ(parse(b.b_buf, b.b_len, &pi, &h), PROXY_OK);
	ATF_CHECK_EQ(pi.pi_crc, 1);
}

ATF_TC_WITHOUT_HEAD(proxy_parse__v2_max_length);
ATF_TC_BODY(proxy_parse__v2_max_length, tc)
{
	struct proxy_info	 pi;
	struct v2b		 b;
	uint8_t			 pad[PROXY_V2_MAX];
	size_t			 h;

	/* exactly PROXY_V2_MAX: 16 + 12 + one NOOP filling the rest */
	memset(pad, 0, sizeof(pad));
	v2_tcp4(&b);
	v2_tlv(&b, 0x04, pad, PROXY_V2_MAX - 16 - 12 - 3);
	v2_end(&b);
	ATF_REQUIRE_EQ(b.b_len, PROXY_V2_MAX);
	ATF_CHECK_EQ(parse(b.b_buf, b.b_len, &pi, &h), PROXY_OK);
	ATF_CHECK_EQ(h, PROXY_V2_MAX);
	check_prefixes("v2 max", b.b_buf, b.b_len, PROXY_OK, b.b_len);

	/* one more: refused on the 16th byte, before any of the body */
	v2_put(&b, "", 1);
	b.b_buf[b.b_len - 1] = 0;
	v2_end(&b);
	ATF_CHECK_EQ(parse(b.b_buf, 15, &pi, &h), PROXY_AGAIN);
	ATF_CHECK_EQ(parse(b.b_buf, 16, &pi, &h), PROXY_ERROR);
	ATF_CHECK_STREQ(pi.pi_error, "v2: header too long");
}

ATF_TC_WITHOUT_HEAD(proxy_parse__resets_info);
ATF_TC_BODY(proxy_parse__resets_info, tc)
{
	struct proxy_info	 pi;
	size_t			 h;

	/* a second call never shows the first call's results */
	ATF_REQUIRE_EQ(parse(B("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n"), &pi, &h),
	    PROXY_OK);
	ATF_REQUIRE_EQ(parse(B("PROXY UNKNOWN\r\n"), &pi, &h), PROXY_OK);
	ATF_CHECK_EQ(pi.pi_src.ss_family, AF_UNSPEC);
	ATF_CHECK_EQ(pi.pi_local, 1);
	ATF_CHECK_EQ(parse(B("PROXY TCP4"), &pi, &h), PROXY_AGAIN);
	ATF_CHECK_EQ(h, 0);
	ATF_CHECK_EQ(pi.pi_version, 0);
}

ATF_TC_WITHOUT_HEAD(proxy_addr_format__families);
ATF_TC_BODY(proxy_addr_format__families, tc)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin;
	struct sockaddr_in6	*sin6;
	char			 a[PROXY_ADDRSTRLEN], small[8];

	memset(&ss, 0, sizeof(ss));
	ATF_CHECK_EQ(proxy_addr_format(&ss, a, sizeof(a)), 0);
	ATF_CHECK_STREQ(a, "-");

	sin = (struct sockaddr_in *)&ss;
	sin->sin_family = AF_INET;
	sin->sin_port = htons(5678);
	ATF_REQUIRE_EQ(inet_pton(AF_INET, "1.2.3.4", &sin->sin_addr), 1);
	ATF_CHECK_EQ(proxy_addr_format(&ss, a, sizeof(a)), 0);
	ATF_CHECK_STREQ(a, "1.2.3.4:5678");
	/* too small: "?" and -1, never a truncated address */
	ATF_CHECK_EQ(proxy_addr_format(&ss, small, sizeof(small)), -1);
	ATF_CHECK_STREQ(small, "?");
	ATF_CHECK_EQ(proxy_addr_format(&ss, small, 1), -1);
	ATF_CHECK_STREQ(small, "");

	memset(&ss, 0, sizeof(ss));
	sin6 = (struct sockaddr_in6 *)&ss;
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(80);
	ATF_REQUIRE_EQ(inet_pton(AF_INET6, "::1", &sin6->sin6_addr), 1);
	ATF_CHECK_EQ(proxy_addr_format(&ss, a, sizeof(a)), 0);
	ATF_CHECK_STREQ(a, "[::1]:80");

	ss.ss_family = AF_APPLETALK;
	ATF_CHECK_EQ(proxy_addr_format(&ss, a, sizeof(a)), -1);
	ATF_CHECK_STREQ(a, "?");
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, proxy_parse__v1_valid);
	ATF_TP_ADD_TC(tp, proxy_parse__v1_invalid);
	ATF_TP_ADD_TC(tp, proxy_parse__v2_table);
	ATF_TP_ADD_TC(tp, proxy_parse__v2_unix);
	ATF_TP_ADD_TC(tp, proxy_parse__v2_tlv_strings);
	ATF_TP_ADD_TC(tp, proxy_parse__v2_tlv_unfit_strings);
	ATF_TP_ADD_TC(tp, proxy_parse__v2_tlv_duplicate);
	ATF_TP_ADD_TC(tp, proxy_parse__v2_tlv_ssl);
	ATF_TP_ADD_TC(tp, proxy_parse__v2_crc32c);
	ATF_TP_ADD_TC(tp, proxy_parse__v2_max_length);
	ATF_TP_ADD_TC(tp, proxy_parse__resets_info);
	ATF_TP_ADD_TC(tp, proxy_addr_format__families);
	return (atf_no_error());
}
