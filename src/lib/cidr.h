/*
 * Address allow-lists: the trusted PROXY senders, the status page.
 *
 * Rules are written as nginx's allow/deny take them: "10.0.0.0/8",
 * "192.168.1.7", "2001:db8::/32", "::1", "all" (or "any"), and "unix:" for
 * peers on a UNIX-domain listener.  Host bits below the prefix are accepted
 * and cleared ("10.1.2.3/8" is "10.0.0.0/8"), as nginx does.
 *
 * IPv4 and IPv6 meet in IPv4-mapped addresses (::ffff:a.b.c.d), which is
 * how an IPv4 client shows up on a dual-stack socket: such a peer matches
 * IPv4 rules by its IPv4 address, and IPv6 rules as written.  A rule
 * written in mapped form with a prefix of 96 bits or more is stored as the
 * IPv4 rule it means, so "::ffff:127.0.0.1" and "127.0.0.1" are one rule.
 *
 * Needs <sys/socket.h> (struct sockaddr).
 */
#ifndef TM_LIB_CIDR_H
#define TM_LIB_CIDR_H

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

/*
 * ci_family of "all".  Not AF_UNSPEC: a zeroed struct cidr must match
 * nothing, so a rule never filled in fails closed.
 */
#define CIDR_ALL	255

/* Longest rule text cidr_parse() accepts, NUL included. */
#define CIDR_STRLEN	(46 + 4)	/* INET6_ADDRSTRLEN + "/128" */

struct cidr {
	uint8_t		 ci_family;	/* AF_INET, AF_INET6, AF_UNIX (every
					   UNIX peer) or CIDR_ALL */
	uint8_t		 ci_bits;	/* prefix length */
	uint8_t		 ci_addr[16];	/* network order, host bits zero */
};

/* Parse one rule; 0, or -1 on bad syntax or a prefix out of range. */
int	cidr_parse(const char *s, struct cidr *c);
/* 1 if addr (AF_INET, AF_INET6 or AF_UNIX) is inside c, 0 if not. */
int	cidr_match(const struct cidr *c, const struct sockaddr *addr);
/* 1 if addr matches any of the n rules, 0 if none (or n is 0). */
int	cidr_match_list(const struct cidr *c, size_t n,
	    const struct sockaddr *addr);

#endif /* !TM_LIB_CIDR_H */
