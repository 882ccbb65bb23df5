/*
 * HTTP-date (RFC 9110 §5.6.7): formatting and parsing.
 *
 * We only ever send IMF-fixdate.  We accept all three forms, as the RFC
 * requires of recipients, and nothing else: no whitespace around the value
 * (the header parser trims OWS), no trailing text, names and "GMT" matched
 * case-sensitively as the grammar's %s"..." says.
 */
#ifndef TM_HTTP_DATE_H
#define TM_HTTP_DATE_H

#include <stddef.h>
#include <time.h>

#define HTTP_DATE_LEN	29	/* "Sun, 06 Nov 1994 08:49:37 GMT" */

/*
 * Writes the IMF-fixdate of t into buf (HTTP_DATE_LEN + 1 bytes or more)
 * and NUL-terminates it; returns HTTP_DATE_LEN.  Times outside years
 * 0000-9999, which the format cannot spell, are clamped to that range.
 */
size_t	http_date_format(time_t t, char *buf);

/*
 * Parses an HTTP-date of len bytes (not NUL-terminated) into *t.  Returns 0,
 * or -1 when the value is not exactly one valid date: unknown day or month
 * name, a day that its month lacks, a field out of range, trailing bytes.
 * The day name is checked for spelling only, not against the date, as
 * nginx and Apache do: the RFC asks recipients to be robust.
 * A leap second is accepted only as 23:59:60 (the range the RFC's grammar
 * comment gives) and read as 23:59:59: time_t cannot name it, and the
 * earlier second keeps If-Modified-Since and If-Unmodified-Since on the
 * safe side (a full response, or 412).
 */
int	http_date_parse(const char *s, size_t len, time_t *t);

/*
 * The same, with "now" given: it decides the century of an rfc850-date's
 * two-digit year (the latest one not more than 50 years after now).
 * http_date_parse() uses time(NULL).
 */
int	http_date_parse_at(const char *s, size_t len, time_t now, time_t *t);

#endif /* TM_HTTP_DATE_H */
