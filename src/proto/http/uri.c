/*
 * Request paths: percent-decoding, dot-segment removal (RFC 3986 §5.2.4)
 * and percent-encoding.
 *
 * Decoding and normalising happen in one pass over the input, writing the
 * result once: a segment is copied out, then judged when its end is seen
 * ("." is dropped, ".." takes the previous segment with it).  Because the
 * judging works on decoded bytes, "%2e%2e" is "..", and a decoded '/'
 * ends a segment like a raw one.
 *
 * Segments that a later ".." removes are written out first, so a buffer
 * that holds only the result may be too small: then the answer is -1, as
 * for any path that is refused.  inlen + 1 bytes are always enough.
 */
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "proto/http/uri.h"

#define HEXVAL(c)	((c) <= '9' ? (c) - '0' : ((c) | 0x20) - 'a' + 10)
#define ISHEX(c)	(((c) >= '0' && (c) <= '9') ||			\
			    (((c) | 0x20) >= 'a' && ((c) | 0x20) <= 'f'))

static int	path_safe(unsigned char);
static int	uri_encode(const char *, size_t, char *, size_t, int);

/* What uri_encode() leaves as it is. */
enum {
	ENC_PATH,		/* path_safe() bytes */
	ENC_NAME,		/* the same but '/' and ':' */
	ENC_RAW,		/* a URI's bytes and its valid escapes */
};

int
http_path_normalize(const char *in, size_t inlen, char *out, size_t outsz,
    size_t *outlen)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i, o, seg, n;
	int c;

	if (inlen == 0 || s[0] != '/' || outsz < 2)
		return (-1);
	out[0] = '/';
	o = seg = 1;		/* out[seg..o) is the segment being read */
	i = 1;
	for (;;) {
		if (i < inlen) {
			c = s[i++];
			if (c == '%') {
				if (inlen - i < 2 || !ISHEX(s[i]) ||
				    !ISHEX(s[i + 1]))
					return (-1);
				c = HEXVAL(s[i]) << 4 | HEXVAL(s[i + 1]);
				i += 2;
			}
			/* A NUL would cut the path short for open(2). */
			if (c == '\0')
				return (-1);
			if (c != '/') {
				if (o >= outsz - 1)
					return (-1);
				out[o++] = (char)c;
				continue;
			}
		} else {
			c = -1;
		}
		/* The segment ends here: out[seg - 1] is its '/'. */
		n = o - seg;
		if (n == 1 && out[seg] == '.') {
			o = seg;
		} else if (n == 2 && out[seg] == '.' && out[seg + 1] == '.') {
			if (seg == 1)
				return (-1);	/* above the root */
			/* Back over the previous segment, keep its '/'. */
			for (o = seg - 1; out[o - 1] != '/'; o--)
				continue;
		} else if (n > 0 && c == '/') {
			if (o >= outsz - 1)
				return (-1);
			out[o++] = '/';
		}
		if (c == -1)
			break;
		seg = o;
	}
	out[o] = '\0';
	*outlen = o;
	return (0);
}

/* unreserved, '/', and the sub-delims, ':' and '@' of pchar (RFC 3986). */
static int
path_safe(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return (1);
	return (c != '\0' && strchr("-._~/!$&'()*+,;=:@", c) != NULL);
}

int
http_path_encode(const char *in, size_t inlen, char *out, size_t outsz)
{
	return (uri_encode(in, inlen, out, outsz, ENC_PATH));
}

int
http_name_encode(const char *in, size_t inlen, char *out, size_t outsz)
{
	return (uri_encode(in, inlen, out, outsz, ENC_NAME));
}

int
http_uri_fix(const char *in, size_t inlen, char *out, size_t outsz)
{
	return (uri_encode(in, inlen, out, outsz, ENC_RAW));
}

/*
 * ENC_NAME: one segment of a relative reference, where '/' would start
 * another segment and a ':' in the first one makes it a scheme
 * ("javascript:...", RFC 3986 §4.2); both are escaped then.
 * ENC_RAW: bytes already in URI form; '?' and '[' ']' (which many
 * clients send raw in a query) stay, and so does a '%' that starts an
 * escape, so a valid URI passes unchanged.
 */
static int
uri_encode(const char *in, size_t inlen, char *out, size_t outsz, int mode)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *s = (const unsigned char *)in;
	size_t i, o, need;

	/* o < outsz holds throughout, so outsz - o cannot wrap. */
	if (outsz == 0)
		return (-1);
	for (i = o = 0; i < inlen; i++) {
		if (mode == ENC_RAW)
			need = path_safe(s[i]) || s[i] == '?' ||
			    s[i] == '[' || s[i] == ']' || (s[i] == '%' &&
			    inlen - i > 2 && ISHEX(s[i + 1]) &&
			    ISHEX(s[i + 2])) ? 1 : 3;
		else
			need = path_safe(s[i]) && !(mode == ENC_NAME &&
			    (s[i] == '/' || s[i] == ':')) ? 1 : 3;
		if (outsz - o <= need)	/* room for the NUL too */
			return (-1);
		if (need == 1) {
			out[o++] = (char)s[i];
		} else {
			out[o++] = '%';
			out[o++] = hex[s[i] >> 4];
			out[o++] = hex[s[i] & 0x0f];
		}
	}
	if (o > INT_MAX)
		return (-1);
	out[o] = '\0';
	return ((int)o);
}
