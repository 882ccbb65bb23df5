/*
 * File name extension to Content-Type.
 *
 * A table is built once (startup or reload), before the workers fork, and is
 * read-only afterwards: lookups allocate nothing and only look at the end of
 * the name, so they are cheap on every request.
 */
#ifndef TM_HTTP_MIME_H
#define TM_HTTP_MIME_H

#include <stddef.h>

#define MIME_TYPES_PATH	"/etc/mime.types"	/* Debian package media-types */
#define MIME_EXT_MAX	31	/* longest extension we store or match */
#define MIME_TYPE_MAX	127	/* longest media type we store */
#define MIME_CHARSET_MAX 40	/* longest charset name */

struct mime_table;

/*
 * Build a table from the built-in common web types and the entries of the
 * mime.types(5) file path (NULL: MIME_TYPES_PATH), a later line winning
 * over an earlier one for the same extension: the built-ins come last with
 * builtin_wins (the system's file), else first (a file the operator
 * named).  Textual types without parameters get "; charset=" charset
 * (NULL: utf-8; "": none).  A missing file leaves the built-ins alone;
 * malformed lines are skipped.  Returns NULL on memory failure, a charset
 * mime_charset_ok() refuses, or when the file exists but cannot be read,
 * with "path: strerror" in err.
 */
struct mime_table *mime_table_load(const char *path, int builtin_wins,
	    const char *charset, char *err, size_t errlen);
/* A charset name: "" or up to MIME_CHARSET_MAX token characters. */
int	mime_charset_ok(const char *);
/* A media type as types = { ... } takes it: "type/subtype" [params]. */
int	mime_type_ok(const char *);
/* What textual types get: "; charset=NAME", or "" for none. */
const char *mime_charset_suffix(const struct mime_table *);
void	mime_table_free(struct mime_table *);

/*
 * Add or override the mapping of one extension (config `types = { ext =
 * "type"; }`).  ext: 1..MIME_EXT_MAX letters, digits or "-_+~", no dot;
 * type: "type/subtype" of RFC 9110 token characters, optionally followed by
 * parameters ("; charset=latin1") of visible characters and blanks.
 * Returns 0, or -1 with errno EINVAL for bad syntax or ENOMEM.
 */
int	mime_table_add(struct mime_table *, const char *ext, const char *type);

/*
 * The Content-Type for the file name or path name[0..len): the extension is
 * what follows the last '.' of the last segment, matched without regard to
 * case; a dot opening the segment does not count (".htaccess").  NULL
 * when nothing matches: the caller uses its default type.  Text types
 * without parameters (all of text/, JavaScript, JSON, XML, RSS, Atom, web
 * app manifest, SVG) come with the table's charset ("; charset=utf-8"
 * unless mime.charset says otherwise).  The string lives as
 * long as the table, even when its extension is overridden later.
 */
const char *mime_lookup(const struct mime_table *, const char *name,
	    size_t len);

#endif /* TM_HTTP_MIME_H */
