/*
 * Address allow-lists (src/lib/cidr.c): parsing, then matching.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <atf-c.h>
#include <string.h>

#include "lib/cidr.h"

struct parse_case {
	const char	*pc_in;
	int		 pc_ret;
	int		 pc_family;
	int		 pc_bits;
	const char	*pc_addr;	/* canonical network address */
};

struct match_case {
	const char	*mc_rule;
	const char	*mc_addr;	/* "unix:" for an AF_UNIX peer */
	int		 mc_want;
};

static void	make_addr(const char *, struct sockaddr_storage *);
static void	check_parse(const struct parse_case *);

static const struct parse_case parse_cases[] = {
	{ "10.0.0.0/8", 0, AF_INET, 8, "10.0.0.0" },
	{ "192.168.1.7", 0, AF_INET, 32, "192.168.1.7" },
	{ "0.0.0.0/0", 0, AF_INET, 0, "0.0.0.0" },
	{ "10.1.2.3/8", 0, AF_INET, 8, "10.0.0.0" },	/* masked */
	{ "172.16.255.255/12", 0, AF_INET, 12, "172.16.0.0" },
	{ "192.168.1.129/25", 0, AF_INET, 25, "192.168.1.128" },
	{ "::1", 0, AF_INET6, 128, "::1" },
	{ "2001:db8::/32", 0, AF_INET6, 32, "2001:db8::" },
	{ "2001:db8:ffff::1/33", 0, AF_INET6, 33, "2001:db8:8000::" },
	{ "::/0", 0, AF_INET6, 0, "::" },
	{ "fe80::/10", 0, AF_INET6, 10, "fe80::" },
	{ "::ffff:127.0.0.1", 0, AF_INET, 32, "127.0.0.1" },
	{ "::ffff:10.0.0.0/104", 0, AF_INET, 8, "10.0.0.0" },
	{ "::ffff:0:0/96", 0, AF_INET, 0, "0.0.0.0" },
	{ "::ffff:0:0/95", 0, AF_INET6, 95, "::fffe:0:0" },
	{ "all", 0, CIDR_ALL, 0, NULL },
	{ "any", 0, CIDR_ALL, 0, NULL },
	{ "unix:", 0, AF_UNIX, 0, NULL },
	{ "", -1, 0, 0, NULL },
	{ "/8", -1, 0, 0, NULL },
	{ "10.0.0.0/", -1, 0, 0, NULL },
	{ "10.0.0.0/33", -1, 0, 0, NULL },
	{ "::/129", -1, 0, 0, NULL },
	{ "10.0.0.0/-1", -1, 0, 0, NULL },
	{ "10.0.0.0/+8", -1, 0, 0, NULL },
	{ "10.0.0.0/08", -1, 0, 0, NULL },
	{ "10.0.0.0/8/8", -1, 0, 0, NULL },
	{ "10.0.0.0/1000", -1, 0, 0, NULL },
	{ "10.0.0.0/8 ", -1, 0, 0, NULL },
	{ " 10.0.0.0/8", -1, 0, 0, NULL },
	{ "10.0.0", -1, 0, 0, NULL },
	{ "010.0.0.1", -1, 0, 0, NULL },
	{ "256.0.0.0", -1, 0, 0, NULL },
	{ "fe80::1%eth0", -1, 0, 0, NULL },
	{ "localhost", -1, 0, 0, NULL },
	{ "ALL", -1, 0, 0, NULL },
	{ "unix:/run/x.sock", -1, 0, 0, NULL },
	{ "1:2:3:4:5:6:7:8:9", -1, 0, 0, NULL },
	{ "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128/", -1, 0, 0,
	    NULL },
};

static const struct match_case match_cases[] = {
	{ "10.0.0.0/8", "10.255.1.2", 1 },
	{ "10.0.0.0/8", "11.0.0.0", 0 },
	{ "10.0.0.0/8", "9.255.255.255", 0 },
	{ "192.168.1.128/25", "192.168.1.200", 1 },
	{ "192.168.1.128/25", "192.168.1.127", 0 },
	{ "192.168.1.7", "192.168.1.7", 1 },
	{ "192.168.1.7", "192.168.1.6", 0 },
	{ "0.0.0.0/0", "203.0.113.9", 1 },
	{ "0.0.0.0/0", "::1", 0 },
	/* an IPv4 client on a dual-stack socket */
	{ "10.0.0.0/8", "::ffff:10.1.2.3", 1 },
	{ "10.0.0.0/8", "::ffff:11.1.2.3", 0 },
	{ "127.0.0.1", "::ffff:127.0.0.1", 1 },
	{ "::ffff:127.0.0.1", "127.0.0.1", 1 },
	{ "::ffff:10.0.0.0/104", "10.9.9.9", 1 },
	{ "::/0", "::ffff:10.1.2.3", 1 },	/* IPv6 rules as written */
	{ "::/0", "10.1.2.3", 0 },
	{ "0.0.0.0/0", "::10.1.2.3", 0 },	/* compatible, not mapped */
	{ "::1", "::1", 1 },
	{ "::1", "::2", 0 },
	{ "::1", "127.0.0.1", 0 },
	{ "2001:db8::/32", "2001:db8:ffff::1", 1 },
	{ "2001:db8::/32", "2001:db9::1", 0 },
	{ "2001:db8::/33", "2001:db8:7fff::1", 1 },
	{ "2001:db8::/33", "2001:db8:8000::1", 0 },
	{ "fe80::/10", "febf::1", 1 },
	{ "fe80::/10", "fec0::1", 0 },
	{ "all", "1.2.3.4", 1 },
	{ "all", "::", 1 },
	{ "all", "unix:", 1 },
	{ "unix:", "unix:", 1 },
	{ "unix:", "127.0.0.1", 0 },
	{ "127.0.0.0/8", "unix:", 0 },
	{ "::/0", "unix:", 0 },
};

static void
make_addr(const char *s, struct sockaddr_storage *ss)
{
	struct sockaddr_in	*sin;
	struct sockaddr_in6	*sin6;
	struct sockaddr_un	*sun;

	memset(ss, 0, sizeof(*ss));
	sin = (struct sockaddr_in *)ss;
	sin6 = (struct sockaddr_in6 *)ss;
	sun = (struct sockaddr_un *)ss;
	if (strcmp(s, "unix:") == 0) {
		sun->sun_family = AF_UNIX;
		strcpy(sun->sun_path, "/run/tamarin/web.sock");
	} else if (inet_pton(AF_INET, s, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(1234);
	} else {
		ATF_REQUIRE_MSG(inet_pton(AF_INET6, s, &sin6->sin6_addr) == 1,
		    "bad test address %s", s);
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(1234);
	}
}

static void
check_parse(const struct parse_case *pc)
{
	struct cidr	 c, zero;
	uint8_t		 want[16];
	int		 rc;

	memset(&c, 0xa5, sizeof(c));
	rc = cidr_parse(pc->pc_in, &c);
	ATF_CHECK_MSG(rc == pc->pc_ret, "\"%s\": got %d, want %d", pc->pc_in,
	    rc, pc->pc_ret);
	if (rc != 0) {
		/* a failed parse leaves a rule that matches nothing */
		memset(&zero, 0, sizeof(zero));
		ATF_CHECK_MSG(memcmp(&c, &zero, sizeof(c)) == 0,
		    "\"%s\": not zeroed on error", pc->pc_in);
		return;
	}
	ATF_CHECK_MSG(c.ci_family == pc->pc_family, "\"%s\": family %d",
	    pc->pc_in, c.ci_family);
	ATF_CHECK_MSG(c.ci_bits == pc->pc_bits, "\"%s\": bits %d", pc->pc_in,
	    c.ci_bits);
	if (pc->pc_addr == NULL)
		return;
	memset(want, 0, sizeof(want));
	ATF_REQUIRE(inet_pton(pc->pc_family, pc->pc_addr, want) == 1);
	ATF_CHECK_MSG(memcmp(c.ci_addr, want, sizeof(want)) == 0,
	    "\"%s\": address is not %s", pc->pc_in, pc->pc_addr);
}

ATF_TC_WITHOUT_HEAD(cidr_parse__table);
ATF_TC_BODY(cidr_parse__table, tc)
{
	size_t	 i;

	for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++)
		check_parse(&parse_cases[i]);
}

ATF_TC_WITHOUT_HEAD(cidr_match__table);
ATF_TC_BODY(cidr_match__table, tc)
{
	struct sockaddr_storage	 ss;
	struct cidr		 c;
	const struct match_case	*mc;
	size_t			 i;

	for (i = 0; i < sizeof(match_cases) / sizeof(match_cases[0]); i++) {
		mc = &match_cases[i];
		ATF_REQUIRE_MSG(cidr_parse(mc->mc_rule, &c) == 0,
		    "bad test rule %s", mc->mc_rule);
		make_addr(mc->mc_addr, &ss);
		ATF_CHECK_MSG(cidr_match(&c, (struct sockaddr *)&ss) ==
		    mc->mc_want, "%s in %s: want %d", mc->mc_addr, mc->mc_rule,
		    mc->mc_want);
	}
}

ATF_TC_WITHOUT_HEAD(cidr_match__zeroed_rule);
ATF_TC_BODY(cidr_match__zeroed_rule, tc)
{
	struct sockaddr_storage	 ss;
	struct cidr		 c;

	/* a rule never filled in fails closed */
	memset(&c, 0, sizeof(c));
	make_addr("1.2.3.4", &ss);
	ATF_CHECK_EQ(cidr_match(&c, (struct sockaddr *)&ss), 0);
	make_addr("::", &ss);
	ATF_CHECK_EQ(cidr_match(&c, (struct sockaddr *)&ss), 0);
	make_addr("unix:", &ss);
	ATF_CHECK_EQ(cidr_match(&c, (struct sockaddr *)&ss), 0);
}

ATF_TC_WITHOUT_HEAD(cidr_match_list__any);
ATF_TC_BODY(cidr_match_list__any, tc)
{
	struct sockaddr_storage	 ss;
	struct cidr		 l[3];

	ATF_REQUIRE_EQ(cidr_parse("10.0.0.0/8", &l[0]), 0);
	ATF_REQUIRE_EQ(cidr_parse("2001:db8::/32", &l[1]), 0);
	ATF_REQUIRE_EQ(cidr_parse("unix:", &l[2]), 0);

	make_addr("10.2.3.4", &ss);
	ATF_CHECK_EQ(cidr_match_list(l, 3, (struct sockaddr *)&ss), 1);
	ATF_CHECK_EQ(cidr_match_list(l, 0, (struct sockaddr *)&ss), 0);
	make_addr("2001:db8::5", &ss);
	ATF_CHECK_EQ(cidr_match_list(l, 3, (struct sockaddr *)&ss), 1);
	ATF_CHECK_EQ(cidr_match_list(l, 1, (struct sockaddr *)&ss), 0);
	make_addr("unix:", &ss);
	ATF_CHECK_EQ(cidr_match_list(l, 3, (struct sockaddr *)&ss), 1);
	make_addr("192.0.2.1", &ss);
	ATF_CHECK_EQ(cidr_match_list(l, 3, (struct sockaddr *)&ss), 0);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, cidr_parse__table);
	ATF_TP_ADD_TC(tp, cidr_match__table);
	ATF_TP_ADD_TC(tp, cidr_match__zeroed_rule);
	ATF_TP_ADD_TC(tp, cidr_match_list__any);
	return (atf_no_error());
}
