/*
 * libFuzzer target for http_path_normalize() and http_path_encode().
 *
 * A normalised path starts with '/', holds no NUL, no empty, "." or ".."
 * segment (so no "//", "/./", "/../", nor such an ending), and encoding it
 * then normalising the result gives it back.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/http/uri.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int	ends_with(const char *, size_t, const char *);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

static int
ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);

	return (n >= k && memcmp(s + n - k, suffix, k) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	char *out, *enc, *back, *small;
	size_t olen, blen, slen;
	int rc, n;

	if (size > 16384)
		return (0);
	out = malloc(size + 1);
	CHECK(out != NULL);
	rc = http_path_normalize(in, size, out, size + 1, &olen);
	CHECK(rc == 0 || rc == -1);
	if (rc == -1) {
		free(out);
		return (0);
	}
	CHECK(olen >= 1 && olen <= size && out[0] == '/');
	CHECK(out[olen] == '\0' && strlen(out) == olen);
	CHECK(strstr(out, "//") == NULL);
	CHECK(strstr(out, "/./") == NULL && strstr(out, "/../") == NULL);
	CHECK(!ends_with(out, olen, "/.") && !ends_with(out, olen, "/.."));
	CHECK(size == 0 || in[0] == '/');

	/* A buffer of just the result either works the same or says -1. */
	small = malloc(olen + 1);
	CHECK(small != NULL);
	rc = http_path_normalize(in, size, small, olen + 1, &slen);
	CHECK(rc == -1 || (slen == olen && memcmp(small, out, olen + 1) == 0));
	free(small);

	enc = malloc(3 * olen + 1);
	back = malloc(3 * olen + 1);
	CHECK(enc != NULL && back != NULL);
	n = http_path_encode(out, olen, enc, 3 * olen + 1);
	CHECK(n >= (int)olen && (size_t)n <= 3 * olen);
	CHECK(http_path_encode(out, olen, back, (size_t)n) == -1);
	CHECK(http_path_normalize(enc, (size_t)n, back, 3 * olen + 1,
	    &blen) == 0);
	CHECK(blen == olen && memcmp(back, out, olen + 1) == 0);
	free(back);
	free(enc);
	free(out);
	return (0);
}
