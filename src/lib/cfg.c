/*
 * Schema-walking helpers over libconfig 1.5.  A key counts as known once a
 * lookup touched it; libconfig's per-setting hook pointer is the mark (we
 * never use hooks for anything else, and a static marker needs no
 * destructor).  Before libconfig parses, cfg_read() follows its scanner
 * through every file for what it gets wrong: includes it cannot open and
 * integers it wraps.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "lib/cfg.h"

/*
 * libconfig 1.5's MAX_INCLUDE_DEPTH: it refuses deeper nesting too, but
 * only after opening a loop's files ten times, and says less.
 */
#define CFG_INCLUDE_MAX	10
/* Files are read whole: a bound, should one be /dev/zero. */
#define CFG_FILE_MAX	(64 * 1024 * 1024)

/*
 * The states of libconfig 1.5's scanner (lib/scanner.l) that decide
 * whether "@include" is one.  As there, the state outlives a file: a
 * comment left open in an included file goes on in the including one.
 */
enum cfg_lex {
	CFG_LEX_INITIAL,
	CFG_LEX_COMMENT,
	CFG_LEX_STRING,
	CFG_LEX_INCLUDE
};

/* Its tokens, as far as they tell where a value goes. */
enum cfg_tok {
	CFG_TOK_NONE,
	CFG_TOK_NAME,
	CFG_TOK_EQUALS,
	CFG_TOK_SEP,		/* ; */
	CFG_TOK_COMMA,
	CFG_TOK_OPEN,		/* { ( [ */
	CFG_TOK_CLOSE,
	CFG_TOK_STRING,
	CFG_TOK_BOOL,
	CFG_TOK_FLOAT,
	CFG_TOK_INT,		/* decimal, no L: wraps */
	CFG_TOK_HEX,		/* 0x, no L: wraps */
	CFG_TOK_INT64,
	CFG_TOK_OTHER
};

/* A group, list or array being read, and where it is. */
struct cfg_frame {
	char		 cf_kind;	/* '{', '(' or '[' */
	int		 cf_n;		/* elements so far (list, array) */
	size_t		 cf_plen;	/* cs_path's length for it */
};

/*
 * An integer that libconfig 1.5 keeps the low 32 bits of: it reads one
 * with no L as an int (atoi(), strtoul()).  cfg_int() takes this instead.
 */
struct cfg_wide {
	char		*cw_path;	/* "sites.[0].max_body_bytes" */
	char		*cw_text;	/* as written */
	long long	 cw_value;
	int		 cw_over;	/* beyond 64 bits: no cw_value */
	uint32_t	 cw_wrapped;	/* libconfig's, to check the match */
};

struct cfg_scan {
	struct cfg_ctx	*cs_c;
	const char	*cs_dir;
	enum cfg_lex	 cs_lex;
	char		*cs_inc;	/* the @include path read so far */
	size_t		 cs_inclen;
	size_t		 cs_incsize;
	/* The files open, the main one first: an include loop's check. */
	dev_t		 cs_dev[CFG_INCLUDE_MAX + 1];
	ino_t		 cs_ino[CFG_INCLUDE_MAX + 1];
	int		 cs_depth;	/* includes open */
	int		 cs_relative;	/* an include needs cs_dir as cwd */
	int		 cs_nomem;
	/* The path to the value being read (cfg_wide's), and its frames. */
	enum cfg_tok	 cs_prev;
	char		*cs_path;
	size_t		 cs_pathlen;
	size_t		 cs_pathsize;
	char		*cs_name;	/* the name before '=' in a group */
	struct cfg_frame *cs_frames;
	size_t		 cs_nframes;
	size_t		 cs_framesize;
};

static char	cfg_seen;

static config_setting_t *cfg_lookup(const config_setting_t *, const char *);
static void	cfg_add(struct cfg_ctx *, const char *, unsigned int,
		    const char *);
static size_t	cfg_file_rank(struct cfg_ctx *, const char *);
static int	cfg_slurp(int, char **, size_t *);
static void	cfg_scan_buf(struct cfg_scan *, const char *, const char *,
		    size_t);
static int	cfg_include_open(const char *, const char *, const char **);
static void	cfg_inc_add(struct cfg_scan *, char);
static void	cfg_scan_include(struct cfg_scan *, const char *,
		    unsigned int);
static void	cfg_inc_name(struct cfg_ctx *, const char *, const char *);
static size_t	cfg_number(const char *, const char *, enum cfg_tok *);
static size_t	cfg_digits(const char *, const char *, int);
static size_t	cfg_exponent(const char *, const char *);
static void	cfg_tok(struct cfg_scan *, enum cfg_tok, const char *,
		    size_t);
static void	cfg_path_add(struct cfg_scan *, const char *, size_t);
static void	cfg_wide_add(struct cfg_scan *, enum cfg_tok, const char *,
		    size_t);
static void	cfg_wide_free(struct cfg_ctx *);
static const struct cfg_wide *cfg_wide_find(const struct cfg_ctx *,
		    const config_setting_t *);
static void	cfg_path_put(FILE *, const config_setting_t *);
static void	cfg_check_wide_in(struct cfg_ctx *, const config_setting_t *);
static int	cfg_parse(struct cfg_ctx *, config_t *, char *, size_t,
		    const char *, int);

void
cfg_ctx_init(struct cfg_ctx *c, const char *file)
{
	memset(c, 0, sizeof(*c));
	c->cc_file = file;
}

void
cfg_ctx_fini(struct cfg_ctx *c)
{
	size_t i;

	for (i = 0; i < c->cc_nmsgs; i++)
		free(c->cc_msgs[i]);
	free(c->cc_msgs);
	free(c->cc_pos);
	c->cc_msgs = NULL;
	c->cc_pos = NULL;
	c->cc_nmsgs = 0;
	for (i = 0; i < c->cc_nfiles; i++)
		free(c->cc_files[i]);
	free(c->cc_files);
	c->cc_files = NULL;
	c->cc_nfiles = 0;
	for (i = 0; i < c->cc_nincs; i++)
		free(c->cc_incs[i]);
	free(c->cc_incs);
	c->cc_incs = NULL;
	c->cc_nincs = 0;
	cfg_wide_free(c);
}

void
cfg_error(struct cfg_ctx *c, const config_setting_t *s, const char *fmt, ...)
{
	char msg[1024];
	const char *file = NULL;
	unsigned int lineno = 0;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (s != NULL) {
		file = config_setting_source_file(s);
		lineno = config_setting_source_line(s);
	}
	cfg_add(c, file, lineno, msg);
}

void
cfg_error_at(struct cfg_ctx *c, const char *file, int line, const char *fmt,
    ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cfg_add(c, file, line > 0 ? (unsigned int)line : 0, msg);
}

int
cfg_read(struct cfg_ctx *c, config_t *lc, const char *file, const char *dir)
{
	struct cfg_scan s;
	struct stat st;
	char *buf;
	size_t i, len, off;
	int errors = c->cc_errors, fd, r, serrno;

	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1 || cfg_slurp(fd, &buf, &len) == -1) {
		serrno = errno;
		if (fd != -1)
			(void)close(fd);
		cfg_error(c, NULL, "cannot read: %s", strerror(serrno));
		return (-1);
	}
	(void)close(fd);
	/* A byte order mark (some editors write one) is no syntax error. */
	off = len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
	for (i = 0; i < c->cc_nincs; i++)
		free(c->cc_incs[i]);
	c->cc_nincs = 0;
	cfg_wide_free(c);
	memset(&s, 0, sizeof(s));
	s.cs_c = c;
	s.cs_dir = dir;
	s.cs_dev[0] = st.st_dev;
	s.cs_ino[0] = st.st_ino;
	/* The top level is a group, at the empty path. */
	if ((s.cs_frames = calloc(1, sizeof(*s.cs_frames))) != NULL) {
		s.cs_frames[0].cf_kind = '{';
		s.cs_nframes = s.cs_framesize = 1;
	} else
		s.cs_nomem = 1;
	if (!s.cs_nomem)
		cfg_scan_buf(&s, NULL, buf + off, len - off);
	free(s.cs_inc);
	free(s.cs_path);
	free(s.cs_name);
	free(s.cs_frames);
	if (s.cs_nomem)
		cfg_error(c, NULL, "out of memory");
	if (c->cc_errors != errors) {
		free(buf);
		return (-1);
	}
	r = cfg_parse(c, lc, buf + off, len - off, dir, s.cs_relative);
	free(buf);
	return (r);
}

/*
 * libconfig 1.5 puts its include_dir before every @include path, absolute
 * ones too, and opens them relative to the working directory without one.
 * So it gets none, and dir is the working directory while it reads.  It
 * reads the main file from the copy scanned: its settings then have no
 * file name, and messages give the main file's as the caller does.
 */
static int
cfg_parse(struct cfg_ctx *c, config_t *lc, char *buf, size_t len,
    const char *dir, int relative)
{
	FILE *fp;
	int cwd = -1, r;

	if (len == 0)
		return (0);	/* fmemopen() may refuse; nothing to parse */
	if ((fp = fmemopen(buf, len, "r")) == NULL) {
		cfg_error(c, NULL, "fmemopen() failed: %s", strerror(errno));
		return (-1);
	}
	if (relative) {
		/* O_PATH: the directory we are in need not be readable. */
		if ((cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1) {
			cfg_error(c, NULL, "cannot open the working directory: "
			    "%s", strerror(errno));
			(void)fclose(fp);
			return (-1);
		}
		if (chdir(dir) == -1) {
			cfg_error(c, NULL, "cannot change to %s for its "
			    "includes: %s", dir, strerror(errno));
			(void)close(cwd);
			(void)fclose(fp);
			return (-1);
		}
	}
	r = config_read(lc, fp) == CONFIG_TRUE ? 0 : -1;
	if (r == -1)
		cfg_error_at(c, config_error_file(lc), config_error_line(lc),
		    "%s", config_error_text(lc));
	(void)fclose(fp);
	if (cwd != -1) {
		if (fchdir(cwd) == -1) {
			cfg_error(c, NULL, "cannot return to the working "
			    "directory: %s", strerror(errno));
			r = -1;
		}
		(void)close(cwd);
	}
	return (r);
}

/* fd's contents, NUL-terminated, in *bufp; -1 with errno on failure. */
static int
cfg_slurp(int fd, char **bufp, size_t *lenp)
{
	char *buf = NULL, *nbuf;
	size_t len = 0, size = 0;
	ssize_t n;

	for (;;) {
		if (len == size) {
			if (size >= CFG_FILE_MAX) {
				free(buf);
				errno = EFBIG;
				return (-1);
			}
			size = size == 0 ? 8192 : size * 2;
			if ((nbuf = realloc(buf, size + 1)) == NULL) {
				free(buf);
				return (-1);
			}
			buf = nbuf;
		}
		if ((n = read(fd, buf + len, size - len)) == -1) {
			if (errno == EINTR)
				continue;
			free(buf);
			return (-1);
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	return (0);
}

/*
 * Follow libconfig's scanner through one file, as far as needed to find
 * each @include it will act on (none in a comment or a string), and check
 * that file before libconfig opens it.  name is the file as libconfig
 * names it: NULL for the main file.
 */
static void
cfg_scan_buf(struct cfg_scan *s, const char *name, const char *buf,
    size_t len)
{
	const char *p = buf, *end = buf + len, *q;
	unsigned int line = 1;
	enum cfg_tok t;
	size_t n;

	while (p < end) {
		switch (s->cs_lex) {
		case CFG_LEX_COMMENT:
			if (end - p >= 2 && p[0] == '*' && p[1] == '/') {
				s->cs_lex = CFG_LEX_INITIAL;
				p += 2;
				continue;
			}
			break;
		case CFG_LEX_STRING:
			if (*p == '"') {
				s->cs_lex = CFG_LEX_INITIAL;
				p++;
				continue;
			}
			/* An escaped character never ends the string. */
			if (*p == '\\' && end - p >= 2)
				p++;
			break;
		case CFG_LEX_INCLUDE:
			if (*p == '"') {
				s->cs_lex = CFG_LEX_INITIAL;
				p++;
				cfg_scan_include(s, name, line);
				continue;
			}
			/*
			 * Only \\ and \" are escapes; flex drops any other
			 * backslash (its default rule echoes it).
			 */
			if (*p == '\\') {
				if (end - p >= 2 && (p[1] == '\\' ||
				    p[1] == '"')) {
					cfg_inc_add(s, p[1]);
					p += 2;
				} else
					p++;
				continue;
			}
			cfg_inc_add(s, *p);
			break;
		case CFG_LEX_INITIAL:
			if ((p == buf || p[-1] == '\n') &&
			    cfg_include_open(p, end, &q)) {
				s->cs_lex = CFG_LEX_INCLUDE;
				s->cs_inclen = 0;
				p = q;
				continue;
			}
			if (end - p >= 2 && p[0] == '/' && p[1] == '*') {
				s->cs_lex = CFG_LEX_COMMENT;
				p += 2;
				continue;
			}
			if (*p == '"') {
				cfg_tok(s, CFG_TOK_STRING, p, 1);
				s->cs_lex = CFG_LEX_STRING;
				p++;
				continue;
			}
			if (*p == '#' || (end - p >= 2 && p[0] == '/' &&
			    p[1] == '/')) {
				while (p < end && *p != '\n')
					p++;
				continue;
			}
			if (isalpha((unsigned char)*p) || *p == '*') {
				/* {name}, or {true} / {false}: a value */
				for (q = p + 1; q < end &&
				    (isalnum((unsigned char)*q) || *q == '-' ||
				    *q == '_' || *q == '*'); q++)
					;
				cfg_tok(s, ((q - p == 4 &&
				    strncasecmp(p, "true", 4) == 0) ||
				    (q - p == 5 &&
				    strncasecmp(p, "false", 5) == 0)) ?
				    CFG_TOK_BOOL : CFG_TOK_NAME, p,
				    (size_t)(q - p));
				p = q;
				continue;
			}
			if ((n = cfg_number(p, end, &t)) > 0) {
				cfg_tok(s, t, p, n);
				p += n;
				continue;
			}
			switch (*p) {
			case '\n': case '\r': case '\f': case ' ': case '\t':
				break;
			case '=': case ':':
				cfg_tok(s, CFG_TOK_EQUALS, p, 1);
				break;
			case ';':
				cfg_tok(s, CFG_TOK_SEP, p, 1);
				break;
			case ',':
				cfg_tok(s, CFG_TOK_COMMA, p, 1);
				break;
			case '{': case '(': case '[':
				cfg_tok(s, CFG_TOK_OPEN, p, 1);
				break;
			case '}': case ')': case ']':
				cfg_tok(s, CFG_TOK_CLOSE, p, 1);
				break;
			default:
				cfg_tok(s, CFG_TOK_OTHER, p, 1);
				break;
			}
			break;
		}
		if (*p++ == '\n')
			line++;
	}
}

/*
 * The longest of scanner.l's number patterns at p, as flex takes it: its
 * length (0: none) and *t.  {integer} [-+]?[0-9]+, {integer64} the same
 * and L(L)?, {hex} 0[Xx][0-9A-Fa-f]+, {hex64} the same and L(L)?,
 * {float} [-+]?[0-9]*\.[0-9]*([eE][-+]?[0-9]+)? or
 * [-+]?[0-9]+(\.[0-9]*)?[eE][-+]?[0-9]+.
 */
static size_t
cfg_number(const char *p, const char *end, enum cfg_tok *t)
{
	size_t sign, d, n, best = 0;

	sign = p < end && (*p == '-' || *p == '+');
	d = cfg_digits(p + sign, end, 0);
	if (d > 0) {
		best = sign + d;
		*t = CFG_TOK_INT;
		if (p + best < end && p[best] == 'L') {
			best += p + best + 1 < end && p[best + 1] == 'L' ? 2 : 1;
			*t = CFG_TOK_INT64;
		}
	}
	if (end - p >= 3 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
	    (n = cfg_digits(p + 2, end, 1)) > 0) {
		n += 2;
		if (p + n < end && p[n] == 'L') {
			n += p + n + 1 < end && p[n + 1] == 'L' ? 2 : 1;
			*t = CFG_TOK_INT64;
		} else
			*t = CFG_TOK_HEX;
		best = n;	/* longer than the 0 of {integer} */
	}
	n = sign + d;
	if (p + n < end && p[n] == '.') {
		n += 1 + cfg_digits(p + n + 1, end, 0);
		n += cfg_exponent(p + n, end);
	} else if (d > 0 && cfg_exponent(p + n, end) > 0)
		n += cfg_exponent(p + n, end);
	else
		n = 0;
	if (n > best) {
		best = n;
		*t = CFG_TOK_FLOAT;
	}
	return (best);
}

static size_t
cfg_digits(const char *p, const char *end, int hex)
{
	const char *q;

	for (q = p; q < end && (hex ? isxdigit((unsigned char)*q) :
	    isdigit((unsigned char)*q)); q++)
		;
	return ((size_t)(q - p));
}

/* [eE][-+]?[0-9]+ at p: its length, or 0. */
static size_t
cfg_exponent(const char *p, const char *end)
{
	size_t n, d;

	if (p >= end || (*p != 'e' && *p != 'E'))
		return (0);
	n = p + 1 < end && (p[1] == '-' || p[1] == '+') ? 2 : 1;
	d = cfg_digits(p + n, end, 0);
	return (d > 0 ? n + d : 0);
}

/*
 * One token, after libconfig's grammar as far as paths go: a value starts
 * after '=' in a group, after '(' '[' or ',' in a list or array (so of
 * adjacent strings, only the first).  A syntax error is libconfig's to
 * report: the paths need only be right for what it accepts.
 */
static void
cfg_tok(struct cfg_scan *s, enum cfg_tok t, const char *text, size_t len)
{
	struct cfg_frame *top = &s->cs_frames[s->cs_nframes - 1], *f;
	char *name, idx[24];
	size_t plen = top->cf_plen;
	int start;

	if (s->cs_nomem)
		return;
	if (t == CFG_TOK_CLOSE) {
		if (s->cs_nframes > 1)
			s->cs_nframes--;
		s->cs_prev = t;
		return;
	}
	if (top->cf_kind == '{')
		start = s->cs_prev == CFG_TOK_EQUALS;
	else
		start = s->cs_prev == CFG_TOK_OPEN ||
		    s->cs_prev == CFG_TOK_COMMA;
	s->cs_prev = t;
	if (t == CFG_TOK_NAME && top->cf_kind == '{') {
		if ((name = strndup(text, len)) == NULL) {
			s->cs_nomem = 1;
			return;
		}
		free(s->cs_name);
		s->cs_name = name;
		return;
	}
	if (start && t != CFG_TOK_NAME && t != CFG_TOK_EQUALS &&
	    t != CFG_TOK_SEP && t != CFG_TOK_COMMA && t != CFG_TOK_OTHER) {
		s->cs_pathlen = top->cf_plen;
		if (plen > 0)
			cfg_path_add(s, ".", 1);
		if (top->cf_kind == '{')
			cfg_path_add(s, s->cs_name != NULL ? s->cs_name : "",
			    s->cs_name != NULL ? strlen(s->cs_name) : 0);
		else {
			snprintf(idx, sizeof(idx), "[%d]", top->cf_n++);
			cfg_path_add(s, idx, strlen(idx));
		}
		plen = s->cs_pathlen;
		if (t == CFG_TOK_INT || t == CFG_TOK_HEX)
			cfg_wide_add(s, t, text, len);
	}
	if (t != CFG_TOK_OPEN || s->cs_nomem)
		return;
	if (s->cs_nframes == s->cs_framesize) {
		f = reallocarray(s->cs_frames, s->cs_framesize * 2,
		    sizeof(*f));
		if (f == NULL) {
			s->cs_nomem = 1;
			return;
		}
		s->cs_frames = f;
		s->cs_framesize *= 2;
	}
	f = &s->cs_frames[s->cs_nframes++];
	f->cf_kind = text[0];
	f->cf_n = 0;
	f->cf_plen = plen;
}

static void
cfg_path_add(struct cfg_scan *s, const char *text, size_t len)
{
	char *n;
	size_t size;

	if (s->cs_pathlen + len + 1 > s->cs_pathsize) {
		size = (s->cs_pathlen + len + 1) * 2;
		if ((n = realloc(s->cs_path, size)) == NULL) {
			s->cs_nomem = 1;
			return;
		}
		s->cs_path = n;
		s->cs_pathsize = size;
	}
	memcpy(s->cs_path + s->cs_pathlen, text, len);
	s->cs_pathlen += len;
	s->cs_path[s->cs_pathlen] = '\0';
}

/* Keep the integer at cs_path if libconfig will not keep all of it. */
static void
cfg_wide_add(struct cfg_scan *s, enum cfg_tok t, const char *text,
    size_t len)
{
	struct cfg_ctx *c = s->cs_c;
	struct cfg_wide w, *v;
	unsigned long long u;

	memset(&w, 0, sizeof(w));
	if ((w.cw_text = strndup(text, len)) == NULL) {
		s->cs_nomem = 1;
		return;
	}
	errno = 0;
	if (t == CFG_TOK_INT) {
		w.cw_value = strtoll(w.cw_text, NULL, 10);
		w.cw_over = errno == ERANGE;
		if (!w.cw_over && w.cw_value >= INT_MIN &&
		    w.cw_value <= INT_MAX) {
			free(w.cw_text);
			return;
		}
		/* atoi(): strtol(), then the low 32 bits */
		w.cw_wrapped = (uint32_t)strtol(w.cw_text, NULL, 10);
	} else {
		u = strtoull(w.cw_text, NULL, 16);
		w.cw_over = errno == ERANGE || u > LLONG_MAX;
		if (!w.cw_over && u <= INT_MAX) {
			free(w.cw_text);
			return;
		}
		w.cw_value = w.cw_over ? 0 : (long long)u;
		w.cw_wrapped = (uint32_t)strtoul(w.cw_text, NULL, 16);
	}
	if ((w.cw_path = strdup(s->cs_path != NULL ? s->cs_path : "")) ==
	    NULL || (v = reallocarray(c->cc_wide, c->cc_nwide + 1,
	    sizeof(*v))) == NULL) {
		free(w.cw_path);
		free(w.cw_text);
		s->cs_nomem = 1;
		return;
	}
	c->cc_wide = v;
	c->cc_wide[c->cc_nwide++] = w;
}

static void
cfg_wide_free(struct cfg_ctx *c)
{
	size_t i;

	for (i = 0; i < c->cc_nwide; i++) {
		free(c->cc_wide[i].cw_path);
		free(c->cc_wide[i].cw_text);
	}
	free(c->cc_wide);
	c->cc_wide = NULL;
	c->cc_nwide = 0;
}

/*
 * s's entry, when it is an int that libconfig wrapped; the value it
 * gave must be the wrapped literal's, or the scan went astray.
 */
static const struct cfg_wide *
cfg_wide_find(const struct cfg_ctx *c, const config_setting_t *s)
{
	const struct cfg_wide *w = NULL;
	FILE *f;
	char *path = NULL;
	size_t i, size;

	if (c->cc_nwide == 0 || config_setting_type(s) != CONFIG_TYPE_INT)
		return (NULL);
	if ((f = open_memstream(&path, &size)) == NULL)
		return (NULL);
	cfg_path_put(f, s);
	if (fclose(f) != 0) {
		free(path);
		return (NULL);
	}
	for (i = 0; i < c->cc_nwide; i++) {
		if (strcmp(c->cc_wide[i].cw_path, path) == 0 &&
		    c->cc_wide[i].cw_wrapped ==
		    (uint32_t)config_setting_get_int(s)) {
			w = &c->cc_wide[i];
			break;
		}
	}
	free(path);
	return (w);
}

/* s's path as cfg_tok() builds it: names and [index], joined by dots. */
static void
cfg_path_put(FILE *f, const config_setting_t *s)
{
	const config_setting_t *p = config_setting_parent(s);

	if (p == NULL)
		return;
	cfg_path_put(f, p);
	if (config_setting_parent(p) != NULL)
		(void)fputc('.', f);
	if (config_setting_name(s) != NULL)
		(void)fputs(config_setting_name(s), f);
	else
		(void)fprintf(f, "[%d]", config_setting_index(s));
}

/*
 * scanner.l's include_open, ^[ \t]*@include[ \t]+\", at p (the start of a
 * line): 1 and *qp past the quote if it matches.
 */
static int
cfg_include_open(const char *p, const char *end, const char **qp)
{
	static const char kw[] = "@include";
	const char *q;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if ((size_t)(end - p) < sizeof(kw) - 1 ||
	    memcmp(p, kw, sizeof(kw) - 1) != 0)
		return (0);
	p += sizeof(kw) - 1;
	for (q = p; q < end && (*q == ' ' || *q == '\t'); q++)
		;
	if (q == p || q == end || *q != '"')
		return (0);
	*qp = q + 1;
	return (1);
}

static void
cfg_inc_add(struct cfg_scan *s, char ch)
{
	char *n;

	if (s->cs_inclen + 1 >= s->cs_incsize) {
		if ((n = realloc(s->cs_inc, s->cs_incsize + 256)) == NULL)
			return;		/* a short name, reported as missing */
		s->cs_inc = n;
		s->cs_incsize += 256;
	}
	s->cs_inc[s->cs_inclen++] = ch;
}

/*
 * The @include just read, on line of the file libconfig names from:
 * refuse what libconfig would choke on, else scan it too.
 */
static void
cfg_scan_include(struct cfg_scan *s, const char *from, unsigned int line)
{
	struct cfg_ctx *c = s->cs_c;
	struct stat st;
	char *inc, *path, *buf;
	size_t len;
	int fd, i;

	if ((inc = strndup(s->cs_inc != NULL ? s->cs_inc : "",
	    s->cs_inclen)) == NULL ||
	    asprintf(&path, "%s%s%s", inc[0] == '/' ? "" : s->cs_dir,
	    inc[0] == '/' ? "" : "/", inc) == -1) {
		free(inc);
		cfg_error_at(c, from, (int)line, "out of memory");
		return;
	}
	if (s->cs_depth == CFG_INCLUDE_MAX) {
		cfg_error_at(c, from, (int)line, "cannot include %s: "
		    "includes nested more than %d deep", path,
		    CFG_INCLUDE_MAX);
		goto done;
	}
	if (stat(path, &st) == -1) {
		cfg_error_at(c, from, (int)line, "cannot include %s: %s",
		    path, strerror(errno));
		goto done;
	}
	/* flex exits the process when a read fails, as on a directory. */
	if (!S_ISREG(st.st_mode)) {
		cfg_error_at(c, from, (int)line, "cannot include %s: %s", path,
		    S_ISDIR(st.st_mode) ? strerror(EISDIR) :
		    "not a regular file");
		goto done;
	}
	/* Non-blocking: a FIFO put there since the stat() must not hang. */
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1) {
		cfg_error_at(c, from, (int)line, "cannot include %s: %s",
		    path, strerror(errno));
		goto done;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		cfg_error_at(c, from, (int)line, "cannot include %s: "
		    "not a regular file", path);
		(void)close(fd);
		goto done;
	}
	for (i = 0; i <= s->cs_depth; i++) {
		if (st.st_dev == s->cs_dev[i] && st.st_ino == s->cs_ino[i]) {
			cfg_error_at(c, from, (int)line, "cannot include %s: "
			    "include loop", path);
			(void)close(fd);
			goto done;
		}
	}
	if (cfg_slurp(fd, &buf, &len) == -1) {
		cfg_error_at(c, from, (int)line, "cannot include %s: %s",
		    path, strerror(errno));
		(void)close(fd);
		goto done;
	}
	(void)close(fd);
	if (inc[0] != '/') {
		s->cs_relative = 1;
		cfg_inc_name(c, inc, path);
	}
	/* Its errors come after those of the files read before it. */
	(void)cfg_file_rank(c, path);
	s->cs_depth++;
	s->cs_dev[s->cs_depth] = st.st_dev;
	s->cs_ino[s->cs_depth] = st.st_ino;
	cfg_scan_buf(s, inc, buf, len);
	s->cs_depth--;
	free(buf);
done:
	free(path);
	free(inc);
}

/* Remember that libconfig's name for the file at path is name. */
static void
cfg_inc_name(struct cfg_ctx *c, const char *name, const char *path)
{
	char **v, *n, *p;
	size_t i;

	for (i = 0; i < c->cc_nincs; i += 2)
		if (strcmp(c->cc_incs[i], name) == 0)
			return;
	if ((v = reallocarray(c->cc_incs, c->cc_nincs + 2,
	    sizeof(*v))) == NULL)
		return;		/* messages give the name as written */
	c->cc_incs = v;
	if ((n = strdup(name)) == NULL || (p = strdup(path)) == NULL) {
		free(n);
		return;
	}
	v[c->cc_nincs++] = n;
	v[c->cc_nincs++] = p;
}

/*
 * A file's rank among the messages' files: 0 for the main one, else its
 * place in cc_files, where it is added when new.  Out of memory: last.
 */
static size_t
cfg_file_rank(struct cfg_ctx *c, const char *file)
{
	char **v;
	size_t i;

	if (c->cc_file != NULL && strcmp(file, c->cc_file) == 0)
		return (0);
	for (i = 0; i < c->cc_nfiles; i++)
		if (strcmp(c->cc_files[i], file) == 0)
			return (i + 1);
	if ((v = reallocarray(c->cc_files, c->cc_nfiles + 1,
	    sizeof(*v))) == NULL)
		return (SIZE_MAX);
	c->cc_files = v;
	if ((v[c->cc_nfiles] = strdup(file)) == NULL)
		return (SIZE_MAX);
	return (++c->cc_nfiles);
}

/*
 * Count one error and keep its line, "file:line: msg" or "file: msg",
 * in its place: checks run in the schema's order, not the file's, and
 * an operator reads the list against the file.
 */
static void
cfg_add(struct cfg_ctx *c, const char *file, unsigned int lineno,
    const char *msg)
{
	struct cfg_pos pos, *pv;
	char *line = NULL, **v;
	size_t i;

	if (file == NULL)
		file = c->cc_file;
	else if (file[0] != '/' && (c->cc_file == NULL ||
	    strcmp(file, c->cc_file) != 0)) {
		/* An included file's name, relative to another directory. */
		for (i = 0; i < c->cc_nincs; i += 2) {
			if (strcmp(c->cc_incs[i], file) == 0) {
				file = c->cc_incs[i + 1];
				break;
			}
		}
	}
	if (lineno > 0) {
		if (asprintf(&line, "%s:%u: %s", file, lineno, msg) == -1)
			line = NULL;
	} else if (asprintf(&line, "%s: %s", file, msg) == -1)
		line = NULL;
	c->cc_errors++;
	if (line == NULL)
		return;
	v = reallocarray(c->cc_msgs, c->cc_nmsgs + 1, sizeof(*v));
	if (v == NULL) {
		free(line);
		return;
	}
	c->cc_msgs = v;
	pv = reallocarray(c->cc_pos, c->cc_nmsgs + 1, sizeof(*pv));
	if (pv == NULL) {
		free(line);
		return;
	}
	c->cc_pos = pv;
	pos.cp_file = file != NULL ? cfg_file_rank(c, file) : 0;
	pos.cp_line = lineno;
	/* After every error at or before its place: stable. */
	for (i = c->cc_nmsgs; i > 0; i--)
		if (pv[i - 1].cp_file < pos.cp_file ||
		    (pv[i - 1].cp_file == pos.cp_file &&
		    pv[i - 1].cp_line <= pos.cp_line))
			break;
	memmove(v + i + 1, v + i, (c->cc_nmsgs - i) * sizeof(*v));
	memmove(pv + i + 1, pv + i, (c->cc_nmsgs - i) * sizeof(*pv));
	v[i] = line;
	pv[i] = pos;
	c->cc_nmsgs++;
}

static config_setting_t *
cfg_lookup(const config_setting_t *g, const char *key)
{
	config_setting_t *s;

	if (g == NULL)
		return (NULL);
	s = config_setting_get_member(g, key);
	if (s != NULL)
		config_setting_set_hook(s, &cfg_seen);
	return (s);
}

void
cfg_mark(const config_setting_t *g, const char *key)
{
	(void)cfg_lookup(g, key);
}

int
cfg_int(struct cfg_ctx *c, const config_setting_t *g, const char *key,
    long long min, long long max, long long *out)
{
	const struct cfg_wide *w;
	config_setting_t *s;
	long long v;

	if ((s = cfg_lookup(g, key)) == NULL)
		return (0);
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
		v = config_setting_get_int(s);
		if ((w = cfg_wide_find(c, s)) != NULL) {
			if (w->cw_over) {
				cfg_error(c, s, "%s: %s is out of range (%lld "
				    "to %lld)", key, w->cw_text, min, max);
				return (-1);
			}
			v = w->cw_value;
		}
		break;
	case CONFIG_TYPE_INT64:
		v = config_setting_get_int64(s);
		break;
	default:
		cfg_error(c, s, "%s: expected an integer", key);
		return (-1);
	}
	if (v < min || v > max) {
		cfg_error(c, s, "%s: %lld is out of range (%lld to %lld)",
		    key, v, min, max);
		return (-1);
	}
	*out = v;
	return (1);
}

int
cfg_uint32(struct cfg_ctx *c, const config_setting_t *g, const char *key,
    uint32_t min, uint32_t max, uint32_t *out)
{
	long long v;
	int r;

	if ((r = cfg_int(c, g, key, min, max, &v)) == 1)
		*out = (uint32_t)v;
	return (r);
}

int
cfg_duration_ms(struct cfg_ctx *c, const config_setting_t *g,
    const char *key, uint32_t min_ms, uint32_t max_ms, uint32_t *out)
{
	const struct cfg_wide *w;
	config_setting_t *s;
	double v;

	if ((s = cfg_lookup(g, key)) == NULL)
		return (0);
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
		v = config_setting_get_int(s);
		if ((w = cfg_wide_find(c, s)) != NULL) {
			if (w->cw_over) {
				cfg_error(c, s, "%s: %s s is out of range (%g "
				    "to %g)", key, w->cw_text, min_ms / 1000.0,
				    max_ms / 1000.0);
				return (-1);
			}
			v = (double)w->cw_value;
		}
		break;
	case CONFIG_TYPE_INT64:
		v = (double)config_setting_get_int64(s);
		break;
	case CONFIG_TYPE_FLOAT:
		v = config_setting_get_float(s);
		break;
	default:
		cfg_error(c, s, "%s: expected a number of seconds", key);
		return (-1);
	}
	if (!isfinite(v) || v * 1000 < min_ms || v * 1000 > max_ms) {
		/*
		 * Every digit a double holds: %g's six would print
		 * 604800.5 as 604800, which the range then seems to allow.
		 */
		cfg_error(c, s, "%s: %.15g s is out of range (%g to %g)", key,
		    v, min_ms / 1000.0, max_ms / 1000.0);
		return (-1);
	}
	*out = (uint32_t)llround(v * 1000);
	/* A time under half a millisecond is short, never 0 ("off"). */
	if (*out == 0 && v > 0)
		*out = 1;
	return (1);
}

int
cfg_bool(struct cfg_ctx *c, const config_setting_t *g, const char *key,
    int *out)
{
	config_setting_t *s;

	if ((s = cfg_lookup(g, key)) == NULL)
		return (0);
	if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
		cfg_error(c, s, "%s: expected true or false", key);
		return (-1);
	}
	*out = config_setting_get_bool(s);
	return (1);
}

int
cfg_strdup(struct cfg_ctx *c, const config_setting_t *g, const char *key,
    char **out)
{
	config_setting_t *s;
	char *p;

	if ((s = cfg_lookup(g, key)) == NULL)
		return (0);
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		cfg_error(c, s, "%s: expected a string", key);
		return (-1);
	}
	if ((p = strdup(config_setting_get_string(s))) == NULL) {
		cfg_error(c, s, "%s: out of memory", key);
		return (-1);
	}
	free(*out);
	*out = p;
	return (1);
}

int
cfg_group(struct cfg_ctx *c, const config_setting_t *g, const char *key,
    config_setting_t **out)
{
	config_setting_t *s;

	if ((s = cfg_lookup(g, key)) == NULL)
		return (0);
	if (config_setting_type(s) != CONFIG_TYPE_GROUP) {
		cfg_error(c, s, "%s: expected a group { ... }", key);
		return (-1);
	}
	*out = s;
	return (1);
}

int
cfg_list(struct cfg_ctx *c, const config_setting_t *g, const char *key,
    config_setting_t **out)
{
	config_setting_t *s;

	if ((s = cfg_lookup(g, key)) == NULL)
		return (0);
	if (config_setting_type(s) != CONFIG_TYPE_LIST &&
	    config_setting_type(s) != CONFIG_TYPE_ARRAY) {
		cfg_error(c, s, "%s: expected a list ( ... )", key);
		return (-1);
	}
	*out = s;
	return (1);
}

int
cfg_strv(struct cfg_ctx *c, const config_setting_t *g, const char *key,
    char ***out, size_t *np)
{
	config_setting_t *s, *e;
	char **v;
	int i, n;

	if ((s = cfg_lookup(g, key)) == NULL)
		return (0);
	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		/* A lone string is a one-element list: friendlier. */
		n = 1;
	} else if (config_setting_type(s) != CONFIG_TYPE_ARRAY &&
	    config_setting_type(s) != CONFIG_TYPE_LIST) {
		cfg_error(c, s, "%s: expected [ \"...\", ... ]", key);
		return (-1);
	} else
		n = config_setting_length(s);
	if ((v = calloc((size_t)n + 1, sizeof(*v))) == NULL) {
		cfg_error(c, s, "%s: out of memory", key);
		return (-1);
	}
	for (i = 0; i < n; i++) {
		e = config_setting_type(s) == CONFIG_TYPE_STRING ? s :
		    config_setting_get_elem(s, (unsigned int)i);
		config_setting_set_hook(e, &cfg_seen);	/* cfg_check_wide() */
		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			cfg_error(c, e, "%s: element %d is not a string",
			    key, i + 1);
			cfg_strv_free(v);
			return (-1);
		}
		if ((v[i] = strdup(config_setting_get_string(e))) == NULL) {
			cfg_error(c, e, "%s: out of memory", key);
			cfg_strv_free(v);
			return (-1);
		}
	}
	cfg_strv_free(*out);
	*out = v;
	if (np != NULL)
		*np = (size_t)n;
	return (1);
}

void
cfg_strv_free(char **v)
{
	char **p;

	if (v == NULL)
		return;
	for (p = v; *p != NULL; p++)
		free(*p);
	free(v);
}

void
cfg_check_unknown(struct cfg_ctx *c, const config_setting_t *g,
    const char *what)
{
	config_setting_t *s;
	int i, n;

	if (g == NULL || !config_setting_is_aggregate(g) ||
	    config_setting_type(g) == CONFIG_TYPE_ARRAY ||
	    config_setting_type(g) == CONFIG_TYPE_LIST)
		return;
	n = config_setting_length(g);
	for (i = 0; i < n; i++) {
		s = config_setting_get_elem(g, (unsigned int)i);
		if (config_setting_get_hook(s) != &cfg_seen)
			cfg_error(c, s, "unknown key '%s' in %s",
			    config_setting_name(s), what);
	}
}

void
cfg_check_wide(struct cfg_ctx *c, const config_setting_t *root)
{
	if (c->cc_nwide > 0 && root != NULL)
		cfg_check_wide_in(c, root);
}

static void
cfg_check_wide_in(struct cfg_ctx *c, const config_setting_t *g)
{
	const config_setting_t *s, *a;
	const struct cfg_wide *w;
	int i, n;

	n = config_setting_length(g);
	for (i = 0; i < n; i++) {
		s = config_setting_get_elem(g, (unsigned int)i);
		if (config_setting_is_aggregate(s)) {
			cfg_check_wide_in(c, s);
			continue;
		}
		/*
		 * A key is read with cfg_int(), or is reported unknown; an
		 * element no cfg_*() function took was read as it is.
		 */
		if (config_setting_name(s) != NULL ||
		    config_setting_get_hook(s) == &cfg_seen ||
		    (w = cfg_wide_find(c, s)) == NULL)
			continue;
		for (a = g; a != NULL && config_setting_name(a) == NULL;
		    a = config_setting_parent(a))
			;
		if (a != NULL && config_setting_get_hook(a) == &cfg_seen)
			cfg_error(c, s, "%s: %s does not fit in 32 bits",
			    config_setting_name(a), w->cw_text);
	}
}
