/*
 * A growing string buffer for output built in pieces (reports, JSON,
 * Prometheus text).  Errors are sticky: once an allocation fails every
 * later append is a no-op and sbuf_error() says so, so a renderer checks
 * once at the end instead of after every line.  The text is always
 * NUL-terminated once anything was appended.
 */
#ifndef TM_LIB_SBUF_H
#define TM_LIB_SBUF_H

#include <stdarg.h>
#include <stddef.h>

struct sbuf {
	char		*sb_buf;
	size_t		 sb_len;	/* bytes of text, NUL excluded */
	size_t		 sb_cap;
	int		 sb_error;	/* an append failed (ENOMEM) */
};

void	sbuf_init(struct sbuf *);
void	sbuf_fini(struct sbuf *);
/* Forget the text, keep the memory. */
void	sbuf_reset(struct sbuf *);
void	sbuf_add(struct sbuf *, const void *, size_t);
void	sbuf_puts(struct sbuf *, const char *);
void	sbuf_putc(struct sbuf *, int);
void	sbuf_printf(struct sbuf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	sbuf_vprintf(struct sbuf *, const char *, va_list)
	    __attribute__((format(printf, 2, 0)));
/* The text ("" when empty), or NULL after an error. */
const char *sbuf_data(const struct sbuf *);
size_t	sbuf_len(const struct sbuf *);
int	sbuf_error(const struct sbuf *);

#endif /* !TM_LIB_SBUF_H */
