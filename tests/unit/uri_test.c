/*
 * http_path_normalize() and http_path_encode(): table-driven.
 */
#include <atf-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/http/uri.h"

#define IN(s)		(s), sizeof(s) - 1

struct norm_case {
	const char	*c_name;
	const char	*c_in;
	size_t		 c_len;
	const char	*c_want;	/* NULL: -1 */
	size_t		 c_outsz;	/* 0: c_len + 1 */
};

#define NORM(n, s, w)		{ n, IN(s), w, 0 }
#define NORM_BAD(n, s)		{ n, IN(s), NULL, 0 }
#define NORM_SZ(n, s, w, sz)	{ n, IN(s), w, sz }

static const struct norm_case norm_cases[] = {
	NORM("root", "/", "/"),
	NORM("one", "/a", "/a"),
	NORM("trailing_slash", "/a/", "/a/"),
	NORM("two_segments", "/a/b", "/a/b"),
	NORM("double_slash", "//", "/"),
	NORM("repeated_slashes", "///a///b//", "/a/b/"),
	NORM("dot", "/.", "/"),
	NORM("dot_slash", "/./", "/"),
	NORM("dot_at_end", "/a/.", "/a/"),
	NORM("dot_inside", "/a/./b", "/a/b"),
	NORM("dots_only", "/././.", "/"),
	NORM("dotdot_to_root", "/a/..", "/"),
	NORM("dotdot_slash_to_root", "/a/../", "/"),
	NORM("dotdot_at_end", "/a/b/..", "/a/"),
	NORM("dotdot_inside", "/a/b/../c", "/a/c"),
	NORM("dotdot_twice", "/a/b/c/../../d", "/a/d"),
	NORM("dot_then_dotdot", "/a/./../b/", "/b/"),
	NORM("dotdot_after_double_slash", "/a//..", "/"),
	NORM("three_dots", "/...", "/..."),
	NORM("dot_prefix", "/.a/..b/c.", "/.a/..b/c."),
	NORM("dotdot_suffix", "/a../b..", "/a../b.."),
	NORM_BAD("dotdot_above_root", "/.."),
	NORM_BAD("dotdot_above_root_slash", "/../"),
	NORM_BAD("dotdot_above_then_down", "/../a"),
	NORM_BAD("dotdot_twice_above", "/a/../.."),
	NORM_BAD("dotdot_above_later", "/a/../../b"),
	NORM_BAD("dot_then_above", "/./.."),
	NORM_BAD("escaped_dotdot", "/%2e%2e"),
	NORM_BAD("escaped_dotdot_mixed_case", "/%2E%2e/x"),
	NORM_BAD("escaped_half_dotdot", "/.%2e/"),
	NORM("escaped_dotdot_in_dir", "/a/%2e%2e", "/"),
	NORM("escaped_dot", "/a/%2e", "/a/"),
	NORM("escaped_dots_mixed", "/a/b/%2e%2E/%2E", "/a/"),
	NORM("escaped_slash", "/a%2Fb", "/a/b"),
	NORM("escaped_slash_lower", "/a%2fb", "/a/b"),
	NORM("escaped_slashes_collapse", "/a%2f%2f", "/a/"),
	NORM_BAD("escaped_slash_dotdot", "/a%2F..%2F..%2Fb"),
	NORM("escaped_slash_dotdot_inside", "/a/b%2F..%2Fc", "/a/c"),
	NORM("escaped_percent_once", "/%252e%252e", "/%2e%2e"),
	NORM("escaped_letter", "/%41%62", "/Ab"),
	NORM("escaped_space", "/a%20b", "/a b"),
	NORM("escaped_utf8", "/caf%C3%A9", "/caf\xc3\xa9"),
	NORM("raw_utf8", "/\xc3\xa9t\xc3\xa9/x", "/\xc3\xa9t\xc3\xa9/x"),
	NORM("escaped_high_byte", "/%ff", "/\xff"),
	NORM_BAD("escaped_nul", "/%00"),
	NORM_BAD("escaped_nul_inside", "/a%00b"),
	NORM_BAD("raw_nul", "/a\0b"),
	NORM_BAD("escape_short", "/a%0"),
	NORM_BAD("escape_alone", "/a%"),
	NORM_BAD("escape_not_hex", "/a%zz"),
	NORM_BAD("escape_half_hex", "/a%2g"),
	NORM_BAD("empty", ""),
	NORM_BAD("relative", "a/b"),
	NORM_BAD("escaped_leading_slash", "%2Fa"),
	NORM_SZ("outsz_exact", "/a/b", "/a/b", 5),
	NORM_SZ("outsz_one_short", "/a/b", NULL, 4),
	NORM_SZ("outsz_inlen_after_shrink", "/a/./b/../c", "/a/c", 12),
	NORM_SZ("outsz_short_after_shrink", "/a/./b/../c", NULL, 4),
	NORM_SZ("outsz_root", "/", "/", 2),
	NORM_SZ("outsz_root_too_small", "/", NULL, 1),
	NORM_SZ("outsz_zero", "/", NULL, 0),
	NORM_SZ("outsz_decoded", "/%41%42", "/AB", 4),
};

struct enc_case {
	const char	*c_name;
	const char	*c_in;
	size_t		 c_len;
	const char	*c_want;	/* NULL: -1 */
	size_t		 c_outsz;	/* 0: 3 * c_len + 1 */
};

#define ENC(n, s, w)		{ n, IN(s), w, 0 }
#define ENC_SZ(n, s, w, sz)	{ n, IN(s), w, sz }

static const struct enc_case enc_cases[] = {
	ENC("plain", "/a/b", "/a/b"),
	ENC("alnum", "/AZaz09", "/AZaz09"),
	ENC("safe_punct", "/-._~!$&'()*+,;=:@", "/-._~!$&'()*+,;=:@"),
	ENC("space", "/a b", "/a%20b"),
	ENC("utf8", "/caf\xc3\xa9", "/caf%C3%A9"),
	ENC("query_and_fragment", "/a?b#c", "/a%3Fb%23c"),
	ENC("percent", "/100%", "/100%25"),
	ENC("unsafe_ascii", "/\"<>\\^`{|}", "/%22%3C%3E%5C%5E%60%7B%7C%7D"),
	ENC("controls", "/\x7f\x01\t", "/%7F%01%09"),
	ENC("nul", "/\0", "/%00"),
	ENC("empty", "", ""),
	ENC_SZ("outsz_exact", "/ab", "/ab", 4),
	ENC_SZ("outsz_one_short", "/ab", NULL, 3),
	ENC_SZ("outsz_escape_exact", "/ ", "/%20", 5),
	ENC_SZ("outsz_escape_short", "/ ", NULL, 4),
	ENC_SZ("outsz_empty_input", "", "", 1),
	ENC_SZ("outsz_zero", "", NULL, 0),
};

static const char	*esc(const char *, size_t, char *, size_t);

static const char *
esc(const char *s, size_t n, char *buf, size_t bufsz)
{
	size_t i, o;
	unsigned char c;

	for (i = o = 0; i < n && o + 6 < bufsz; i++) {
		c = (unsigned char)s[i];
		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
			o += snprintf(buf + o, bufsz - o, "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	buf[o] = '\0';
	return (buf);
}

ATF_TC_WITHOUT_HEAD(http_path_normalize__table);
ATF_TC_BODY(http_path_normalize__table, tc)
{
	const struct norm_case *c;
	char e[256], g[256], *out;
	size_t i, sz, olen;
	int rc;

	for (i = 0; i < sizeof(norm_cases) / sizeof(norm_cases[0]); i++) {
		c = &norm_cases[i];
		esc(c->c_in, c->c_len, e, sizeof(e));
		sz = c->c_outsz ? c->c_outsz : c->c_len + 1;
		if (c->c_name != NULL && strcmp(c->c_name, "outsz_zero") == 0)
			sz = 0;
		/* Exactly sz bytes, so that ASan sees an overrun. */
		ATF_REQUIRE((out = malloc(sz ? sz : 1)) != NULL);
		olen = 12345;
		rc = http_path_normalize(c->c_in, c->c_len, out, sz, &olen);
		if (c->c_want == NULL) {
			ATF_CHECK_MSG(rc == -1, "%s: \"%s\": rc %d, want -1",
			    c->c_name, e, rc);
		} else {
			ATF_CHECK_MSG(rc == 0, "%s: \"%s\": rc %d, want 0",
			    c->c_name, e, rc);
			if (rc == 0)
				ATF_CHECK_MSG(olen == strlen(c->c_want) &&
				    strcmp(out, c->c_want) == 0,
				    "%s: \"%s\": got \"%s\" (%zu), want \"%s\"",
				    c->c_name, e, esc(out, strlen(out), g,
				    sizeof(g)), olen, c->c_want);
		}
		free(out);
	}
}

ATF_TC_WITHOUT_HEAD(http_path_encode__table);
ATF_TC_BODY(http_path_encode__table, tc)
{
	const struct enc_case *c;
	char e[256], *out;
	size_t i, sz;
	int rc;

	for (i = 0; i < sizeof(enc_cases) / sizeof(enc_cases[0]); i++) {
		c = &enc_cases[i];
		esc(c->c_in, c->c_len, e, sizeof(e));
		sz = c->c_outsz ? c->c_outsz : 3 * c->c_len + 1;
		if (strcmp(c->c_name, "outsz_zero") == 0)
			sz = 0;
		ATF_REQUIRE((out = malloc(sz ? sz : 1)) != NULL);
		rc = http_path_encode(c->c_in, c->c_len, out, sz);
		if (c->c_want == NULL)
			ATF_CHECK_MSG(rc == -1, "%s: \"%s\": rc %d, want -1",
			    c->c_name, e, rc);
		else
			ATF_CHECK_MSG(rc == (int)strlen(c->c_want) &&
			    strcmp(out, c->c_want) == 0,
			    "%s: \"%s\": rc %d \"%s\", want \"%s\"", c->c_name,
			    e, rc, rc >= 0 ? out : "", c->c_want);
		free(out);
	}
}

/* Encoding a normalised path and normalising it again is the identity. */
ATF_TC_WITHOUT_HEAD(http_path_encode__round_trip);
ATF_TC_BODY(http_path_encode__round_trip, tc)
{
	static const char *const paths[] = { "/", "/a b/c", "/caf\xc3\xa9/",
	    "/%41/x?y#z", "/100%/\x01\x7f\xff" };
	char enc[256], dec[256];
	size_t i, n;
	int rc;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		rc = http_path_encode(paths[i], strlen(paths[i]), enc,
		    sizeof(enc));
		ATF_REQUIRE(rc > 0);
		ATF_REQUIRE_EQ(http_path_normalize(enc, (size_t)rc, dec,
		    sizeof(dec), &n), 0);
		ATF_CHECK_STREQ(dec, paths[i]);
	}
}

/* A name for a relative link: one segment, never a scheme. */
ATF_TC_WITHOUT_HEAD(http_name_encode__table);
ATF_TC_BODY(http_name_encode__table, tc)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "plain.txt", "plain.txt" },
		{ "javascript:alert(1)", "javascript%3Aalert(1)" },
		{ "c:d", "c%3Ad" },
		{ "a/b", "a%2Fb" },
		{ "a@b!$&'()*+,;=~-_.", "a@b!$&'()*+,;=~-_." },
		{ "sp ace%\"<>", "sp%20ace%25%22%3C%3E" },
		{ "caf\xc3\xa9", "caf%C3%A9" },
	};
	char out[64];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rc = http_name_encode(cases[i].in, strlen(cases[i].in), out,
		    sizeof(out));
		ATF_CHECK_MSG(rc == (int)strlen(cases[i].want) &&
		    strcmp(out, cases[i].want) == 0, "\"%s\": rc %d \"%s\", "
		    "want \"%s\"", cases[i].in, rc, rc >= 0 ? out : "",
		    cases[i].want);
	}
	/* and the path encoder keeps both */
	ATF_CHECK_EQ(http_path_encode("/a:b/c", 6, out, sizeof(out)), 6);
	ATF_CHECK_STREQ(out, "/a:b/c");
	/* bounded like it: room for "c%3A" and the NUL, not less */
	ATF_CHECK_EQ(http_name_encode("c:", 2, out, 5), 4);
	ATF_CHECK_EQ(http_name_encode("c:", 2, out, 4), -1);
}

/* Raw request bytes made a URI: what is one already stays as sent. */
ATF_TC_WITHOUT_HEAD(http_uri_fix__table);
ATF_TC_BODY(http_uri_fix__table, tc)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "", "" },
		{ "/a/b?x=1&y=%41%2f", "/a/b?x=1&y=%41%2f" },
		{ "/p?a[]=1&b=:@/?!$'()*+,;=~", "/p?a[]=1&b=:@/?!$'()*+,;=~" },
		{ "q=100%", "q=100%25" },
		{ "%u00e9%", "%25u00e9%25" },
		{ "%4", "%254" },
		{ "%4g%41", "%254g%41" },
		{ "a=<b>&c=\"d\"{|}^`\\", "a=%3Cb%3E&c=%22d%22%7B%7C%7D%5E%60%5C" },
		{ "x\x7f\x80", "x%7F%80" },
	};
	char out[64];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rc = http_uri_fix(cases[i].in, strlen(cases[i].in), out,
		    sizeof(out));
		ATF_CHECK_MSG(rc == (int)strlen(cases[i].want) &&
		    strcmp(out, cases[i].want) == 0, "\"%s\": rc %d \"%s\", "
		    "want \"%s\"", cases[i].in, rc, rc >= 0 ? out : "",
		    cases[i].want);
	}
	/* Bounded: "a%25" and its NUL fit in 5, not in 4; an escape
	   cut at the input's end is no escape. */
	ATF_CHECK_EQ(http_uri_fix("a%", 2, out, 5), 4);
	ATF_CHECK_STREQ(out, "a%25");
	ATF_CHECK_EQ(http_uri_fix("a%", 2, out, 4), -1);
	ATF_CHECK_EQ(http_uri_fix("%41", 2, out, sizeof(out)), 4);
	ATF_CHECK_STREQ(out, "%254");
	ATF_CHECK_EQ(http_uri_fix("%41", 3, out, 4), 3);
	ATF_CHECK_STREQ(out, "%41");
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, http_path_normalize__table);
	ATF_TP_ADD_TC(tp, http_path_encode__table);
	ATF_TP_ADD_TC(tp, http_path_encode__round_trip);
	ATF_TP_ADD_TC(tp, http_uri_fix__table);
	ATF_TP_ADD_TC(tp, http_name_encode__table);
	return (atf_no_error());
}
