/*
 * UTF-8 (RFC 3629), for text that leaves the daemon in formats that
 * require it: JSON, Prometheus labels, names shown in both.
 */
#ifndef TM_LIB_UTF8_H
#define TM_LIB_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * The length of the well-formed UTF-8 sequence that starts s[0..n)
 * (shortest form, no surrogates, at most U+10FFFF; ASCII is 1), or 0 if
 * none; *cp its code point when cp is not NULL.  Never reads past n, nor
 * past a NUL, which no continuation byte is.
 */
size_t	utf8_seq(const unsigned char *s, size_t n, uint32_t *cp);

#endif /* TM_LIB_UTF8_H */
