/*
 * Request paths: percent-decoding and normalisation (RFC 3986 §5.2.4).
 */
#ifndef TM_HTTP_URI_H
#define TM_HTTP_URI_H

#include <stddef.h>

/*
 * Decode the percent-escapes of the raw path in[0..inlen) exactly once and
 * normalise the result: repeated slashes collapse, "." segments go, ".."
 * removes the segment before it, a trailing slash stays ("/a/b/.." is
 * "/a/").  Decoded slashes (%2F) are separators like any other, so they can
 * never smuggle a ".." past this function.  Writes a NUL-terminated path
 * that starts with '/' to out (outsz >= inlen + 1 always suffices) and its
 * length to *outlen.
 *
 * Returns 0, or -1 when the path does not start with '/', has a bad escape
 * (not two hex digits), decodes to a NUL byte, or climbs above the root:
 * every one of those is a 400 for the caller.
 */
int	http_path_normalize(const char *in, size_t inlen, char *out,
	    size_t outsz, size_t *outlen);

/*
 * Percent-encode a normalised path for a Location header or a link:
 * everything but unreserved characters, '/' and the sub-delims that are
 * safe in a path is escaped.  Returns the length written (NUL excluded) or
 * -1 when out is too small.
 */
int	http_path_encode(const char *in, size_t inlen, char *out, size_t outsz);

/*
 * The same for a file name used alone as a relative link (a listing's
 * href): '/' and ':' are escaped too, so the name stays one segment and
 * "javascript:x" cannot be read as a scheme.
 */
int	http_name_encode(const char *in, size_t inlen, char *out, size_t outsz);

/*
 * Make raw request bytes (a request URI, a query) a URI for a Location:
 * a '%' that starts no escape ("?q=100%") and the bytes RFC 3986 never
 * allows raw ('"', '<', '{', ...) are escaped; a valid URI is copied
 * unchanged.  Returns as http_path_encode().
 */
int	http_uri_fix(const char *in, size_t inlen, char *out, size_t outsz);

#endif /* TM_HTTP_URI_H */
