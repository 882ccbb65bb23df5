/*
 * File name extension to Content-Type: an open-addressing hash table keyed
 * by the lower-cased extension, strings in a per-table arena.
 */
#include <sys/queue.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proto/http/mime.h"

#define MIME_CHARSET	"utf-8"	/* for textual types, unless configured */
#define MIME_CAP_MIN	128		/* slots; a power of two */
#define MIME_CHUNK	4096		/* arena chunk payload */
#define MIME_LINE_MAX	256		/* a built-in line, see mime_builtin */
#define MIME_WS		" \t\r\n\v\f"

struct mime_ent {
	const char	*me_ext;	/* lower case; NULL: free slot */
	const char	*me_type;	/* as mime_lookup() returns it */
	uint32_t	 me_hash;
	uint32_t	 me_len;
};

struct mime_chunk {
	SLIST_ENTRY(mime_chunk)	 mc_link;
	size_t			 mc_used;
	char			 mc_data[MIME_CHUNK];
};

struct mime_table {
	char			 mt_charset[MIME_CHARSET_MAX + 11];
	struct mime_ent		*mt_ents;
	size_t			 mt_cap;	/* a power of two */
	size_t			 mt_count;	/* at most mt_cap / 2 */
	SLIST_HEAD(, mime_chunk) mt_chunks;
};

/*
 * Common web types, in mime.types(5) syntax: what browsers and players
 * expect, over the system file's desktop choices (Debian's media-types
 * maps ts to Qt Linguist, rss to x-rss+xml, mid to sp-midi), and the same
 * with or without that file.
 */
static const char *const mime_builtin[] = {
	"text/html html htm",
	"text/css css",
	"text/javascript js mjs",	/* RFC 9239 */
	"text/plain txt",
	"text/csv csv",
	"text/markdown md",
	"text/vtt vtt",
	"text/calendar ics",
	"application/json json map",	/* source maps are JSON */
	"application/ld+json jsonld",
	"application/manifest+json webmanifest",
	"application/xml xml",
	"application/rss+xml rss",
	"application/atom+xml atom",
	"image/svg+xml svg svgz",
	"image/png png",
	"image/jpeg jpg jpeg",
	"image/gif gif",
	"image/webp webp",
	"image/avif avif",
	"image/vnd.microsoft.icon ico",
	"image/bmp bmp",
	"image/tiff tif tiff",
	"font/woff woff",
	"font/woff2 woff2",
	"font/ttf ttf",
	"font/otf otf",
	"application/vnd.ms-fontobject eot",
	"application/pdf pdf",
	"application/zip zip",
	"application/gzip gz",
	"application/x-gtar-compressed tgz",
	"application/x-bzip2 bz2",
	"application/x-xz xz",
	"application/zstd zst",
	"application/x-tar tar",
	"application/x-7z-compressed 7z",
	"application/wasm wasm",
	"video/mp4 mp4",
	"video/webm webm",
	"video/ogg ogv",
	"audio/ogg ogg oga",
	"audio/mpeg mp3",
	"audio/mp4 m4a",
	"audio/x-wav wav",
	"audio/flac flac",
	"video/quicktime mov",
	"video/x-msvideo avi",
	"video/mpeg mpeg mpg",
	"video/mp2t ts",		/* HLS segments */
	"application/vnd.apple.mpegurl m3u8",
	"application/dash+xml mpd",
	"video/3gpp 3gp",
	"video/3gpp2 3g2",
	"audio/midi mid midi",
	"application/epub+zip epub",
	"application/msword doc",
	"application/vnd.openxmlformats-officedocument.wordprocessingml."
	    "document docx",
	"application/vnd.ms-excel xls",
	"application/vnd.openxmlformats-officedocument.spreadsheetml."
	    "sheet xlsx",
	"application/vnd.ms-powerpoint ppt",
	"application/vnd.openxmlformats-officedocument.presentationml."
	    "presentation pptx",
	"application/rtf rtf",
	"application/vnd.android.package-archive apk",
	"application/x-iso9660-image iso",
	"application/x-apple-diskimage dmg",
	"application/vnd.debian.binary-package deb",
	"application/x-redhat-package-manager rpm",
	"application/x-msdos-program exe",
};

/* Types other than text/ that a browser should decode as UTF-8. */
static const char *const mime_textual[] = {
	"application/javascript",
	"application/json",
	"application/xml",
	"application/rss+xml",
	"application/atom+xml",
	"application/manifest+json",
	"image/svg+xml",
};

static int	mime_builtins(struct mime_table *);
static int	mime_parse_line(struct mime_table *, char *);
static int	mime_insert(struct mime_table *, const char *, size_t,
		    const char *);
static int	mime_grow(struct mime_table *);
static char	*mime_strdup(struct mime_table *, const char *, size_t,
		    const char *);
static const char *mime_type_new(struct mime_table *, const char *, size_t);
static int	mime_ext_ok(const char *, size_t);
static size_t	mime_type_len(const char *, int);
static int	mime_is_textual(const char *, size_t);
static int	mime_is_json(const char *, size_t);
static int	mime_tchar(unsigned char);
static unsigned char mime_lower(unsigned char);
static uint32_t	mime_hash(const char *, size_t);
static void	mime_seterr(char *, size_t, const char *);

struct mime_table *
mime_table_load(const char *path, int builtin_wins, const char *charset,
    char *err, size_t errlen)
{
	struct mime_table *mt;
	FILE *fp;
	char *line = NULL;
	size_t linecap = 0;
	int failed, saved;

	if (path == NULL)
		path = MIME_TYPES_PATH;
	if ((mt = calloc(1, sizeof(*mt))) == NULL) {
		mime_seterr(err, errlen, path);
		return (NULL);
	}
	SLIST_INIT(&mt->mt_chunks);
	if (charset == NULL)
		charset = MIME_CHARSET;
	if (!mime_charset_ok(charset)) {
		errno = EINVAL;
		goto fail;
	}
	if (*charset != '\0')
		(void)snprintf(mt->mt_charset, sizeof(mt->mt_charset),
		    "; charset=%s", charset);
	mt->mt_cap = MIME_CAP_MIN;
	if ((mt->mt_ents = calloc(mt->mt_cap, sizeof(*mt->mt_ents))) == NULL)
		goto fail;
	if (!builtin_wins && mime_builtins(mt) == -1)
		goto fail;

	if ((fp = fopen(path, "re")) == NULL) {
		/* No file (media-types not installed): built-ins alone. */
		if (errno != ENOENT && errno != ENOTDIR)
			goto fail;
	} else {
		while (getline(&line, &linecap, fp) != -1) {
			if (mime_parse_line(mt, line) == -1)
				break;
		}
		/* Not at EOF: a read error (EISDIR, EIO) or ENOMEM. */
		failed = !feof(fp);
		saved = errno;
		free(line);
		fclose(fp);
		if (failed) {
			errno = saved != 0 ? saved : EIO;
			goto fail;
		}
	}
	if (builtin_wins && mime_builtins(mt) == -1)
		goto fail;
	return (mt);

fail:
	mime_seterr(err, errlen, path);
	mime_table_free(mt);
	return (NULL);
}

void
mime_table_free(struct mime_table *mt)
{
	struct mime_chunk *mc;

	if (mt == NULL)
		return;
	while ((mc = SLIST_FIRST(&mt->mt_chunks)) != NULL) {
		SLIST_REMOVE_HEAD(&mt->mt_chunks, mc_link);
		free(mc);
	}
	free(mt->mt_ents);
	free(mt);
}

int
mime_table_add(struct mime_table *mt, const char *ext, const char *type)
{
	const char *t;
	size_t extlen, typelen;

	extlen = strlen(ext);
	typelen = mime_type_len(type, 1);
	if (!mime_ext_ok(ext, extlen) || typelen == 0) {
		errno = EINVAL;
		return (-1);
	}
	if ((t = mime_type_new(mt, type, typelen)) == NULL)
		return (-1);
	return (mime_insert(mt, ext, extlen, t));
}

const char *
mime_charset_suffix(const struct mime_table *mt)
{
	return (mt->mt_charset);
}

int
mime_charset_ok(const char *cs)
{
	size_t i, n = strlen(cs);

	if (n > MIME_CHARSET_MAX)
		return (0);
	for (i = 0; i < n; i++)
		if (!mime_tchar((unsigned char)cs[i]))
			return (0);
	return (1);
}

const char *
mime_lookup(const struct mime_table *mt, const char *name, size_t len)
{
	const struct mime_ent *me;
	char key[MIME_EXT_MAX];
	size_t i, n, dot, idx, mask;
	uint32_t h;

	/*
	 * Scan back from the end, no further than the longest extension we
	 * could store: a request path is never walked in full here.
	 */
	for (i = len; i > 0 && len - i <= MIME_EXT_MAX; i--) {
		if (name[i - 1] == '.' || name[i - 1] == '/')
			break;
	}
	n = len - i;
	if (i == 0 || name[i - 1] != '.' || n == 0 || n > MIME_EXT_MAX)
		return (NULL);
	dot = i - 1;
	if (dot == 0 || name[dot - 1] == '/')
		return (NULL);			/* a dotfile, no extension */

	for (i = 0; i < n; i++)
		key[i] = mime_lower(name[dot + 1 + i]);
	h = mime_hash(key, n);
	mask = mt->mt_cap - 1;
	/* The table is at most half full, so an empty slot ends the probe. */
	for (idx = h & mask; (me = &mt->mt_ents[idx])->me_ext != NULL;
	    idx = (idx + 1) & mask) {
		if (me->me_hash == h && me->me_len == n &&
		    memcmp(me->me_ext, key, n) == 0)
			return (me->me_type);
	}
	return (NULL);
}

/* The built-in lines, over what the table holds: -1 out of memory. */
static int
mime_builtins(struct mime_table *mt)
{
	char buf[MIME_LINE_MAX];
	size_t i;

	for (i = 0; i < sizeof(mime_builtin) / sizeof(mime_builtin[0]); i++) {
		strlcpy(buf, mime_builtin[i], sizeof(buf));
		if (mime_parse_line(mt, buf) == -1)
			return (-1);
	}
	return (0);
}

/*
 * One mime.types line: "type ext ext ...", '#' starts a comment.  Lines
 * with a malformed type are skipped, and so are extensions we could never
 * match (with a dot, too long).  Returns -1 on memory failure only.
 */
static int
mime_parse_line(struct mime_table *mt, char *line)
{
	const char *type = NULL;
	char *name, *tok, *last, *hash;
	size_t typelen;

	if ((hash = strchr(line, '#')) != NULL)
		*hash = '\0';
	if ((name = strtok_r(line, MIME_WS, &last)) == NULL)
		return (0);
	if ((typelen = mime_type_len(name, 0)) == 0)
		return (0);
	/* Every extension of the line shares one copy of the type. */
	while ((tok = strtok_r(NULL, MIME_WS, &last)) != NULL) {
		if (!mime_ext_ok(tok, strlen(tok)))
			continue;
		if (type == NULL &&
		    (type = mime_type_new(mt, name, typelen)) == NULL)
			return (-1);
		if (mime_insert(mt, tok, strlen(tok), type) == -1)
			return (-1);
	}
	return (0);
}

/* Map ext (already checked) to type, replacing an earlier mapping. */
static int
mime_insert(struct mime_table *mt, const char *ext, size_t len,
    const char *type)
{
	struct mime_ent *me;
	char key[MIME_EXT_MAX], *copy;
	size_t i, idx, mask;
	uint32_t h;

	for (i = 0; i < len; i++)
		key[i] = mime_lower(ext[i]);
	h = mime_hash(key, len);
	mask = mt->mt_cap - 1;
	for (idx = h & mask; (me = &mt->mt_ents[idx])->me_ext != NULL;
	    idx = (idx + 1) & mask) {
		if (me->me_hash == h && me->me_len == len &&
		    memcmp(me->me_ext, key, len) == 0) {
			/* The old string stays: a caller may still hold it. */
			me->me_type = type;
			return (0);
		}
	}

	if ((mt->mt_count + 1) * 2 > mt->mt_cap) {
		if (mime_grow(mt) == -1)
			return (-1);
		mask = mt->mt_cap - 1;
		for (idx = h & mask; mt->mt_ents[idx].me_ext != NULL;
		    idx = (idx + 1) & mask)
			;
		me = &mt->mt_ents[idx];
	}
	if ((copy = mime_strdup(mt, key, len, "")) == NULL)
		return (-1);
	me->me_ext = copy;
	me->me_type = type;
	me->me_hash = h;
	me->me_len = len;
	mt->mt_count++;
	return (0);
}

static int
mime_grow(struct mime_table *mt)
{
	struct mime_ent *ents, *me;
	size_t cap, i, idx;

	cap = mt->mt_cap * 2;
	if ((ents = calloc(cap, sizeof(*ents))) == NULL)
		return (-1);
	for (i = 0; i < mt->mt_cap; i++) {
		me = &mt->mt_ents[i];
		if (me->me_ext == NULL)
			continue;
		for (idx = me->me_hash & (cap - 1); ents[idx].me_ext != NULL;
		    idx = (idx + 1) & (cap - 1))
			;
		ents[idx] = *me;
	}
	free(mt->mt_ents);
	mt->mt_ents = ents;
	mt->mt_cap = cap;
	return (0);
}

/* Copy s[0..len) and suffix into the table's arena. */
static char *
mime_strdup(struct mime_table *mt, const char *s, size_t len,
    const char *suffix)
{
	struct mime_chunk *mc;
	size_t slen, need;
	char *p;

	slen = strlen(suffix);
	need = len + slen + 1;
	mc = SLIST_FIRST(&mt->mt_chunks);
	if (mc == NULL || MIME_CHUNK - mc->mc_used < need) {
		/* Callers bound len well below a chunk. */
		if ((mc = malloc(sizeof(*mc))) == NULL)
			return (NULL);
		mc->mc_used = 0;
		SLIST_INSERT_HEAD(&mt->mt_chunks, mc, mc_link);
	}
	p = mc->mc_data + mc->mc_used;
	memcpy(p, s, len);
	memcpy(p + len, suffix, slen + 1);
	mc->mc_used += need;
	return (p);
}

/* The string mime_lookup() returns for type[0..len) (already checked). */
static const char *
mime_type_new(struct mime_table *mt, const char *type, size_t len)
{
	const char *suffix = "";

	/*
	 * An operator who gave parameters chose the charset, if any.  JSON
	 * is UTF-8 whatever mime.charset says (RFC 8259 8.1): it is named
	 * only when that is the charset named.
	 */
	if (memchr(type, ';', len) == NULL && mime_is_textual(type, len) &&
	    (!mime_is_json(type, len) ||
	    strcasecmp(mt->mt_charset, "; charset=utf-8") == 0))
		suffix = mt->mt_charset;
	return (mime_strdup(mt, type, len, suffix));
}

/* application/json, or a +json suffix (RFC 6839). */
static int
mime_is_json(const char *type, size_t len)
{
	return ((len >= 5 && strncasecmp(type + len - 5, "/json", 5) == 0) ||
	    (len >= 5 && strncasecmp(type + len - 5, "+json", 5) == 0));
}

int
mime_type_ok(const char *type)
{
	size_t n = mime_type_len(type, 1);

	return (n != 0 && n == strlen(type));
}

/* 1 when ext[0..len) is an extension mime_lookup() can match. */
static int
mime_ext_ok(const char *ext, size_t len)
{
	size_t i;
	unsigned char c;

	if (len == 0 || len > MIME_EXT_MAX)
		return (0);
	for (i = 0; i < len; i++) {
		c = ext[i];
		if ((c < 'a' || c > 'z') && (c < 'A' || c > 'Z') &&
		    (c < '0' || c > '9') && c != '-' && c != '_' &&
		    c != '+' && c != '~')
			return (0);
	}
	return (1);
}

/*
 * Length of the media type "type/subtype" at the start of s when s is
 * nothing more (params 0) or that and parameters (params 1, up to the
 * end), else 0.  Parameters are only checked to hold visible characters
 * and blanks: nothing that could end the header line.
 */
static size_t
mime_type_len(const char *s, int params)
{
	size_t i = 0, sub;
	unsigned char c;

	while (mime_tchar(s[i]))
		i++;
	if (i == 0 || s[i] != '/')
		return (0);
	sub = ++i;
	while (mime_tchar(s[i]))
		i++;
	if (i == sub)
		return (0);
	if (s[i] != '\0') {
		if (!params)
			return (0);
		i += strspn(s + i, " \t");
		if (s[i] != ';')
			return (0);
		for (; s[i] != '\0'; i++) {
			c = s[i];
			if ((c < 0x21 || c > 0x7e) && c != ' ' && c != '\t')
				return (0);
		}
	}
	return (i > MIME_TYPE_MAX ? 0 : i);
}

static int
mime_is_textual(const char *type, size_t len)
{
	size_t i;

	if (len > 5 && strncasecmp(type, "text/", 5) == 0)
		return (1);
	for (i = 0; i < sizeof(mime_textual) / sizeof(mime_textual[0]); i++) {
		if (strlen(mime_textual[i]) == len &&
		    strncasecmp(type, mime_textual[i], len) == 0)
			return (1);
	}
	return (0);
}

/* RFC 9110 section 5.6.2 tchar. */
static int
mime_tchar(unsigned char c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL));
}

/* ASCII only: the locale must not change what matches. */
static unsigned char
mime_lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
}

/* FNV-1a. */
static uint32_t
mime_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return (h);
}

static void
mime_seterr(char *err, size_t errlen, const char *path)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
}
