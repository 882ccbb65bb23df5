/*
 * UTF-8 decoding (src/lib/utf8.c): every boundary RFC 3629 sets.
 */
#include <atf-c.h>
#include <stdint.h>
#include <string.h>

#include "lib/utf8.h"

struct utf8_case {
	const char	*uc_in;
	size_t		 uc_n;		/* bytes offered; 0: strlen */
	size_t		 uc_len;	/* 0: not a sequence */
	uint32_t	 uc_cp;
};

static const struct utf8_case cases[] = {
	{ "A", 0, 1, 0x41 },
	{ "\x7f", 0, 1, 0x7f },
	{ "", 1, 1, 0 },			/* a NUL is ASCII */
	{ "\xc2\x80", 0, 2, 0x80 },
	{ "\xdf\xbf", 0, 2, 0x7ff },
	{ "\xe0\xa0\x80", 0, 3, 0x800 },
	{ "\xe2\x82\xac", 0, 3, 0x20ac },	/* euro sign */
	{ "\xef\xbf\xbf", 0, 3, 0xffff },
	{ "\xf0\x90\x80\x80", 0, 4, 0x10000 },
	{ "\xf4\x8f\xbf\xbf", 0, 4, 0x10ffff },
	/* Overlong forms. */
	{ "\xc0\x80", 0, 0, 0 },
	{ "\xc1\xbf", 0, 0, 0 },
	{ "\xe0\x9f\xbf", 0, 0, 0 },
	{ "\xf0\x8f\xbf\xbf", 0, 0, 0 },
	/* Surrogates, and past U+10FFFF. */
	{ "\xed\xa0\x80", 0, 0, 0 },
	{ "\xed\xbf\xbf", 0, 0, 0 },
	{ "\xed\x9f\xbf", 0, 3, 0xd7ff },
	{ "\xf4\x90\x80\x80", 0, 0, 0 },
	{ "\xf5\x80\x80\x80", 0, 0, 0 },
	{ "\xff", 0, 0, 0 },
	/* A lone continuation, a sequence cut short by n or by a NUL. */
	{ "\x80", 0, 0, 0 },
	{ "\xe2\x82\xac", 2, 0, 0 },
	{ "\xe2\x82", 0, 0, 0 },
	{ "\xe2\x28\xac", 0, 0, 0 },
	{ "A", 1, 1, 0x41 },
};

ATF_TC_WITHOUT_HEAD(utf8_seq__table);
ATF_TC_BODY(utf8_seq__table, tc)
{
	const struct utf8_case *u;
	uint32_t cp;
	size_t i, n, len;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		u = &cases[i];
		n = u->uc_n != 0 ? u->uc_n : strlen(u->uc_in);
		cp = 0xdeadbeef;
		len = utf8_seq((const unsigned char *)u->uc_in, n, &cp);
		ATF_CHECK_EQ_MSG(len, u->uc_len, "case %zu: length %zu, "
		    "want %zu", i, len, u->uc_len);
		if (u->uc_len != 0)
			ATF_CHECK_EQ_MSG(cp, u->uc_cp, "case %zu: U+%04X, "
			    "want U+%04X", i, (unsigned)cp,
			    (unsigned)u->uc_cp);
		else
			ATF_CHECK_EQ_MSG(cp, 0xdeadbeef, "case %zu: code "
			    "point set for no sequence", i);
	}
	/* Nothing offered, nothing read; no code point asked. */
	ATF_CHECK_EQ(utf8_seq((const unsigned char *)"A", 0, NULL), 0);
	ATF_CHECK_EQ(utf8_seq((const unsigned char *)"\xc3\xa9", 2, NULL), 2);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, utf8_seq__table);
	return (atf_no_error());
}
