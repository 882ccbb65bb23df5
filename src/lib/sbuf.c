/*
 * Growing string buffer (see sbuf.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/sbuf.h"

#define SBUF_MIN	256

static int	sbuf_reserve(struct sbuf *, size_t);

void
sbuf_init(struct sbuf *sb)
{
	memset(sb, 0, sizeof(*sb));
}

void
sbuf_fini(struct sbuf *sb)
{
	free(sb->sb_buf);
	memset(sb, 0, sizeof(*sb));
}

void
sbuf_reset(struct sbuf *sb)
{
	sb->sb_len = 0;
	sb->sb_error = 0;
	if (sb->sb_buf != NULL)
		sb->sb_buf[0] = '\0';
}

/* Room for n more bytes and the NUL; 0, or -1 with the error latched. */
static int
sbuf_reserve(struct sbuf *sb, size_t n)
{
	size_t cap;
	char *p;

	if (sb->sb_error)
		return (-1);
	if (n < sb->sb_cap - sb->sb_len && sb->sb_buf != NULL)
		return (0);
	if (n > (size_t)-1 / 2 - sb->sb_len) {
		sb->sb_error = 1;
		errno = ENOMEM;
		return (-1);
	}
	cap = sb->sb_cap < SBUF_MIN ? SBUF_MIN : sb->sb_cap;
	while (cap - sb->sb_len <= n)
		cap *= 2;
	if ((p = realloc(sb->sb_buf, cap)) == NULL) {
		sb->sb_error = 1;
		return (-1);
	}
	sb->sb_buf = p;
	sb->sb_cap = cap;
	return (0);
}

void
sbuf_add(struct sbuf *sb, const void *p, size_t n)
{
	if (sbuf_reserve(sb, n) == -1)
		return;
	memcpy(sb->sb_buf + sb->sb_len, p, n);
	sb->sb_len += n;
	sb->sb_buf[sb->sb_len] = '\0';
}

void
sbuf_puts(struct sbuf *sb, const char *s)
{
	sbuf_add(sb, s, strlen(s));
}

void
sbuf_putc(struct sbuf *sb, int c)
{
	char ch = (char)c;

	sbuf_add(sb, &ch, 1);
}

void
sbuf_vprintf(struct sbuf *sb, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	if (sbuf_reserve(sb, 0) == -1)
		return;
	va_copy(aq, ap);
	n = vsnprintf(sb->sb_buf + sb->sb_len, sb->sb_cap - sb->sb_len, fmt,
	    aq);
	va_end(aq);
	if (n < 0) {
		sb->sb_error = 1;
		sb->sb_buf[sb->sb_len] = '\0';
		return;
	}
	if ((size_t)n >= sb->sb_cap - sb->sb_len) {
		/* Truncated: grow to fit and format again. */
		if (sbuf_reserve(sb, (size_t)n) == -1) {
			sb->sb_buf[sb->sb_len] = '\0';
			return;
		}
		(void)vsnprintf(sb->sb_buf + sb->sb_len,
		    sb->sb_cap - sb->sb_len, fmt, ap);
	}
	sb->sb_len += (size_t)n;
}

void
sbuf_printf(struct sbuf *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sbuf_vprintf(sb, fmt, ap);
	va_end(ap);
}

const char *
sbuf_data(const struct sbuf *sb)
{
	if (sb->sb_error)
		return (NULL);
	return (sb->sb_buf != NULL ? sb->sb_buf : "");
}

size_t
sbuf_len(const struct sbuf *sb)
{
	return (sb->sb_len);
}

int
sbuf_error(const struct sbuf *sb)
{
	return (sb->sb_error);
}
