/*
 * Address allow-lists (see cidr.h for the rule syntax and the IPv4-mapped
 * rules).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <string.h>

#include "lib/cidr.h"

static void	cidr_mask(uint8_t *, unsigned int);
static int	cidr_prefix(const uint8_t *, const uint8_t *, unsigned int);
static int	cidr_v4mapped(const uint8_t *);

_Static_assert(CIDR_STRLEN >= INET6_ADDRSTRLEN + 4,
    "room for an IPv6 address and /128");

int
cidr_parse(const char *s, struct cidr *c)
{
	char		 a[INET6_ADDRSTRLEN];
	const char	*slash, *p;
	size_t		 alen;
	unsigned int	 bits, max;

	memset(c, 0, sizeof(*c));
	if (strcmp(s, "all") == 0 || strcmp(s, "any") == 0) {
		c->ci_family = CIDR_ALL;
		return (0);
	}
	if (strcmp(s, "unix:") == 0) {
		c->ci_family = AF_UNIX;
		return (0);
	}

	slash = strchr(s, '/');
	alen = slash != NULL ? (size_t)(slash - s) : strlen(s);
	if (alen == 0 || alen >= sizeof(a))
		goto bad;
	memcpy(a, s, alen);
	a[alen] = '\0';
	if (inet_pton(AF_INET, a, c->ci_addr) == 1) {
		c->ci_family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, a, c->ci_addr) == 1) {
		c->ci_family = AF_INET6;
		max = 128;
	} else
		goto bad;

	bits = max;
	if (slash != NULL) {
		/* 1-3 digits, no sign, no leading zero: "/08" is a typo */
		p = slash + 1;
		if (*p == '\0' || strlen(p) > 3 ||
		    (p[0] == '0' && p[1] != '\0'))
			goto bad;
		for (bits = 0; *p != '\0'; p++) {
			if (*p < '0' || *p > '9')
				goto bad;
			bits = bits * 10 + (unsigned int)(*p - '0');
		}
		if (bits > max)
			goto bad;
	}

	/* ::ffff:a.b.c.d/96+ is an IPv4 rule spelled the IPv6 way. */
	if (c->ci_family == AF_INET6 && bits >= 96 &&
	    cidr_v4mapped(c->ci_addr)) {
		memmove(c->ci_addr, c->ci_addr + 12, 4);
		memset(c->ci_addr + 4, 0, sizeof(c->ci_addr) - 4);
		c->ci_family = AF_INET;
		bits -= 96;
	}
	c->ci_bits = (uint8_t)bits;
	cidr_mask(c->ci_addr, bits);
	return (0);
bad:
	memset(c, 0, sizeof(*c));
	return (-1);
}

int
cidr_match(const struct cidr *c, const struct sockaddr *sa)
{
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;

	switch (c->ci_family) {
	case CIDR_ALL:
		return (1);
	case AF_UNIX:
		return (sa->sa_family == AF_UNIX);
	case AF_INET:
		if (sa->sa_family == AF_INET) {
			memcpy(&sin, sa, sizeof(sin));
			return (cidr_prefix((const uint8_t *)&sin.sin_addr,
			    c->ci_addr, c->ci_bits));
		}
		if (sa->sa_family != AF_INET6)
			return (0);
		memcpy(&sin6, sa, sizeof(sin6));
		if (!cidr_v4mapped(sin6.sin6_addr.s6_addr))
			return (0);
		return (cidr_prefix(sin6.sin6_addr.s6_addr + 12, c->ci_addr,
		    c->ci_bits));
	case AF_INET6:
		if (sa->sa_family != AF_INET6)
			return (0);
		memcpy(&sin6, sa, sizeof(sin6));
		return (cidr_prefix(sin6.sin6_addr.s6_addr, c->ci_addr,
		    c->ci_bits));
	default:
		/* zeroed or corrupt: fail closed */
		return (0);
	}
}

int
cidr_match_list(const struct cidr *c, size_t n, const struct sockaddr *sa)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (cidr_match(&c[i], sa))
			return (1);
	return (0);
}

/* Clear every bit of addr past the first bits. */
static void
cidr_mask(uint8_t *addr, unsigned int bits)
{
	unsigned int	 i;

	for (i = 0; i < 16; i++) {
		if (bits >= 8 * (i + 1))
			continue;
		if (bits <= 8 * i)
			addr[i] = 0;
		else
			addr[i] &= (uint8_t)(0xff << (8 * (i + 1) - bits));
	}
}

/* 1 if the first bits of a and net are equal (net's host bits are 0). */
static int
cidr_prefix(const uint8_t *a, const uint8_t *net, unsigned int bits)
{
	unsigned int	 n;

	n = bits / 8;
	if (memcmp(a, net, n) != 0)
		return (0);
	if (bits % 8 == 0)
		return (1);
	return ((a[n] & (uint8_t)(0xff << (8 - bits % 8))) == net[n]);
}

/*
 * 1 for ::ffff:0:0/96.  Bytewise: ci_addr is not aligned for the
 * IN6_IS_ADDR_V4MAPPED() of glibc, which reads 32-bit words.
 */
static int
cidr_v4mapped(const uint8_t *a)
{
	static const uint8_t	 pfx[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};

	return (memcmp(a, pfx, sizeof(pfx)) == 0);
}
