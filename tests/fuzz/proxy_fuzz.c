/*
 * libFuzzer target for proxy_parse() (src/proto/proxy.c).
 *
 * Beyond "never crashes", it checks the contract the worker's read loop
 * relies on, and abort()s where it breaks: a header found at hdrlen bytes
 * is AGAIN for every shorter prefix and OK, with the same length, on its
 * own; an AGAIN input is AGAIN for every prefix; strings come back
 * NUL-terminated; an error always says why.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/proxy.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	check_info(const struct proxy_info *);

static void
check_info(const struct proxy_info *pi)
{
	char	 a[PROXY_ADDRSTRLEN];

	if (pi->pi_version != 1 && pi->pi_version != 2)
		abort();
	if (strnlen(pi->pi_alpn, sizeof(pi->pi_alpn)) == sizeof(pi->pi_alpn) ||
	    strnlen(pi->pi_authority, sizeof(pi->pi_authority)) ==
	    sizeof(pi->pi_authority) ||
	    strnlen(pi->pi_ssl_version, sizeof(pi->pi_ssl_version)) ==
	    sizeof(pi->pi_ssl_version) ||
	    strnlen(pi->pi_ssl_cn, sizeof(pi->pi_ssl_cn)) ==
	    sizeof(pi->pi_ssl_cn) ||
	    strnlen(pi->pi_ssl_cipher, sizeof(pi->pi_ssl_cipher)) ==
	    sizeof(pi->pi_ssl_cipher))
		abort();
	if (pi->pi_local)
		return;
	/* every family we fill in formats, in a PROXY_ADDRSTRLEN buffer */
	if (proxy_addr_format(&pi->pi_src, a, sizeof(a)) != 0 ||
	    proxy_addr_format(&pi->pi_dst, a, sizeof(a)) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proxy_info	 pi, pi2;
	size_t			 hdrlen, h, k;
	int			 rc;

	rc = proxy_parse(data, size, &pi, &hdrlen);
	switch (rc) {
	case PROXY_OK:
		if (hdrlen == 0 || hdrlen > size || hdrlen > PROXY_HDR_MAX)
			abort();
		check_info(&pi);
		for (k = 0; k < hdrlen; k++)
			if (proxy_parse(data, k, &pi2, &h) != PROXY_AGAIN ||
			    h != 0)
				abort();
		/* what follows the header never changes the header */
		if (proxy_parse(data, hdrlen, &pi2, &h) != PROXY_OK ||
		    h != hdrlen || memcmp(&pi, &pi2, sizeof(pi)) != 0)
			abort();
		break;
	case PROXY_AGAIN:
		if (hdrlen != 0 || size >= PROXY_HDR_MAX)
			abort();
		for (k = 0; k < size; k++)
			if (proxy_parse(data, k, &pi2, &h) != PROXY_AGAIN)
				abort();
		break;
	case PROXY_ERROR:
		if (pi.pi_error == NULL || hdrlen != 0)
			abort();
		break;
	default:
		abort();
	}
	return (0);
}
