/*
 * The static file handler: GET and HEAD of files under the site's root,
 * with index files, directory redirects, optional listings, validators and
 * conditional requests, byte ranges, precompressed variants and a
 * fallback file for paths that name nothing (single-page applications).
 *
 * Paths are opened beneath the root with fs_open_beneath(), so neither a
 * crafted path nor a symlink (unless the operator allows it) nor a rename
 * race can reach a file outside the root.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "lib/cfg.h"
#include "lib/log.h"
#include "master/config.h"
#include "proto/conn.h"
#include "proto/http/cond.h"
#include "proto/http/date.h"
#include "proto/http/docroot.h"
#include "proto/http/filecache.h"
#include "proto/http/fspath.h"
#include "proto/http/handler.h"
#include "proto/http/http.h"
#include "proto/http/mime.h"
#include "proto/http/range.h"
#include "proto/http/uri.h"

#define STATIC_MAX_RANGES	16
/*
 * A multipart boundary must not occur in the parts (RFC 2046 §5.1.1), and
 * a file's bytes are anyone's: a fixed boundary would let a file forge
 * parts of its own.  So each response draws 64 random bits for it.
 */
#define STATIC_BOUNDARY_PFX	"tamarin-"
#define STATIC_BOUNDARY_LEN	(sizeof(STATIC_BOUNDARY_PFX) - 1 + 16)

/* static_file()'s flags. */
#define STATIC_F_GZ	0x1	/* fd is path's .gz, the only file there is */
#define STATIC_F_VARY	0x2	/* the answer depends on Accept-Encoding */

struct static_conf {
	char		*sc_root;	/* route's own root, or NULL */
	int		 sc_rootfd;
	char		**sc_index;
	size_t		 sc_nindex;
	int		 sc_autoindex;
	enum fs_symlinks sc_symlinks;
	int		 sc_gzip_static;
	char		*sc_default_type;
	unsigned int	 sc_max_ranges;
	int		 sc_etag;
	char		*sc_fallback;	/* served for absent paths, or NULL */
};

static int	static_init(struct cfg_ctx *, const config_setting_t *,
		    const struct http_route_info *, void **);
static int	static_handle(struct http_req *, void *);
static void	static_free(void *);
static int	static_errno(struct http_req *, int);
static const char *static_fallback_check(const char *);
static int	static_absent(struct http_req *, const struct static_conf *,
		    int, int, int, int);
static int	static_file(struct http_req *, const struct static_conf *,
		    int, const char *, const struct stat *, int);
static int	static_gz_only(struct http_req *, const struct static_conf *,
		    int, const char *, int, int *, int *);
static int	static_vary_error(struct http_req *, unsigned int);
static int	static_dir(struct http_req *, const struct static_conf *,
		    int, int, const char *);
static int	static_listing(struct http_req *, const struct static_conf *,
		    int, int, const char *, int);
static int	static_open(const struct static_conf *, int, const char *,
		    int, struct fc_entry **);
static int	static_cached(struct http_req *, const struct static_conf *,
		    struct fc_entry *, const char *);
static int	static_ranges(struct http_req *, const struct static_conf *,
		    int, const struct stat *, const char *, const char *,
		    size_t, int);

const struct http_handler http_handler_static = {
	.hd_name = "static",
	.hd_init = static_init,
	.hd_handle = static_handle,
	.hd_free = static_free,
	.hd_methods = HTTP_METHOD_BIT(HTTP_M_GET) | HTTP_METHOD_BIT(HTTP_M_HEAD),
};

static int
static_init(struct cfg_ctx *c, const config_setting_t *route,
    const struct http_route_info *ri, void **data)
{
	struct static_conf *sc;
	config_setting_t *s;
	const char *r;
	char *sym = NULL;
	long long v;
	int errs = c->cc_errors;

	if ((sc = calloc(1, sizeof(*sc))) == NULL)
		return (-1);
	sc->sc_rootfd = -1;
	sc->sc_max_ranges = STATIC_MAX_RANGES;
	sc->sc_etag = 1;
	if (route != NULL) {
		if ((s = config_setting_get_member(route, "root")) != NULL) {
			cfg_mark(route, "root");
			if (config_setting_type(s) != CONFIG_TYPE_STRING ||
			    *(r = config_setting_get_string(s)) == '\0')
				cfg_error(c, s, "root: expected a path");
			else {
				/* Relative to the config's directory. */
				if (r[0] == '/' || ri->ri_confdir == NULL)
					sc->sc_root = strdup(r);
				else if (asprintf(&sc->sc_root, "%s/%s",
				    ri->ri_confdir, r) == -1)
					sc->sc_root = NULL;
				if (sc->sc_root == NULL) {
					free(sc);
					return (-1);
				}
				sc->sc_rootfd = docroot_open(sc->sc_root);
				if (sc->sc_rootfd == -1)
					cfg_error(c, s, "root: %s: %s",
					    sc->sc_root, strerror(errno));
			}
		}
		cfg_strv(c, route, "index", &sc->sc_index, &sc->sc_nindex);
		cfg_bool(c, route, "autoindex", &sc->sc_autoindex);
		cfg_bool(c, route, "gzip_static", &sc->sc_gzip_static);
		cfg_bool(c, route, "etag", &sc->sc_etag);
		(void)config_default_type(c, route, &sc->sc_default_type);
		if (cfg_int(c, route, "max_ranges", 0, 1024, &v) == 1)
			sc->sc_max_ranges = (unsigned int)v;
		if (cfg_strdup(c, route, "follow_symlinks", &sym) == 1) {
			if (strcmp(sym, "inside") == 0)
				sc->sc_symlinks = FS_SYMLINKS_INSIDE;
			else if (strcmp(sym, "off") == 0)
				sc->sc_symlinks = FS_SYMLINKS_OFF;
			else if (strcmp(sym, "on") == 0)
				sc->sc_symlinks = FS_SYMLINKS_ON;
			else
				cfg_error(c, config_setting_get_member(route,
				    "follow_symlinks"), "follow_symlinks: "
				    "\"inside\", \"off\" or \"on\"");
			free(sym);
		}
		if (cfg_strdup(c, route, "fallback", &sc->sc_fallback) == 1 &&
		    (r = static_fallback_check(sc->sc_fallback)) != NULL)
			cfg_error(c, config_setting_get_member(route,
			    "fallback"), "fallback: '%s' %s", sc->sc_fallback,
			    r);
	}
	if (sc->sc_index == NULL) {
		sc->sc_index = calloc(2, sizeof(char *));
		if (sc->sc_index != NULL)
			sc->sc_index[0] = strdup("index.html");
		sc->sc_nindex = 1;
	}
	for (size_t i = 0; i < sc->sc_nindex; i++)
		if (strchr(sc->sc_index[i], '/') != NULL ||
		    sc->sc_index[i][0] == '\0' ||
		    strcmp(sc->sc_index[i], "..") == 0)
			cfg_error(c, route != NULL ?
			    config_setting_get_member(route, "index") : NULL,
			    "index: '%s' must be a plain file name",
			    sc->sc_index[i]);
	if (sc->sc_root == NULL && ri->ri_root == NULL)
		cfg_error(c, route, "static: needs the site's root or its "
		    "own root");
	*data = sc;
	return (c->cc_errors == errs ? 0 : -1);
}

static void
static_free(void *p)
{
	struct static_conf *sc = p;

	if (sc == NULL)
		return;
	docroot_close(sc->sc_rootfd);
	free(sc->sc_root);
	cfg_strv_free(sc->sc_index);
	free(sc->sc_default_type);
	free(sc->sc_fallback);
	free(sc);
}

/*
 * A fallback is opened as a request's path is, so it must be one as
 * http_path_normalize() leaves it, and name a file.  Returns what is
 * wrong with it, or NULL.
 */
static const char *
static_fallback_check(const char *p)
{
	const char *s, *e;

	if (p[0] != '/')
		return ("must be a path from the root, as \"/index.html\"");
	if (strlen(p) >= HTTP_PATH_MAX)
		return ("is too long");
	for (s = p + 1;; s = e + 1) {
		if ((e = strchr(s, '/')) == NULL)
			e = s + strlen(s);
		if (e == s || (e - s == 1 && s[0] == '.') ||
		    (e - s == 2 && s[0] == '.' && s[1] == '.'))
			return ("must name a file: no \".\" or \"..\" "
			    "segment, no \"//\", no final '/'");
		if (*e == '\0')
			return (NULL);
	}
}

/* nginx's mapping, as fspath.h documents it. */
static int
static_errno(struct http_req *hr, int e)
{
	switch (e) {
	case ENOENT:
	case ENOTDIR:
	case ENAMETOOLONG:
	case EXDEV:
		return (http_resp_error(hr, 404));
	case EACCES:
	case EPERM:
	case ELOOP:
	case ENXIO:	/* a socket, or a device with no driver */
		return (http_resp_error(hr, 403));
	default:
		log_warnx("static: %s: %s", http_req_path(hr), strerror(e));
		return (http_resp_error(hr, 500));
	}
}

/*
 * Open path the way this route serves it: through the worker's file
 * cache when the request can be answered from it.  Returns a descriptor
 * (or -1 with errno) and sets *fep to a cache entry with a reference when
 * the answer is cached; then the descriptor may be -1.
 */
static int
static_open(const struct static_conf *sc, int rootfd, const char *path,
    int cacheable, struct fc_entry **fep)
{
	size_t len = strlen(path);

	*fep = NULL;
	if (!cacheable)
		return (fs_open_beneath(rootfd, path, O_RDONLY | O_NONBLOCK,
		    sc->sc_symlinks));
	if ((*fep = fc_lookup(sc, path, len)) != NULL)
		return (-1);
	return (fc_open(sc, rootfd, path, len, sc->sc_symlinks, sc->sc_etag,
	    fep));
}

static int
static_handle(struct http_req *hr, void *data)
{
	const struct static_conf *sc = data;
	const char *path = http_req_path(hr);
	struct fc_entry *fe;
	struct stat st;
	int rootfd, fd, cacheable, e, vary, r;

	rootfd = sc->sc_rootfd != -1 ? sc->sc_rootfd :
	    hr->rq_site != NULL ? hr->rq_site->st_rootfd : -1;
	if (rootfd == -1)
		return (http_resp_error(hr, 404));
	/* Ranges and precompressed variants need the file itself. */
	cacheable = !sc->sc_gzip_static &&
	    http_req_header(hr, "Range", NULL) == NULL;
	fd = static_open(sc, rootfd, path, cacheable, &fe);
	if (fe != NULL) {
		if (fd != -1 && fe->fe_kind == FC_FILE) {
			close(fd);
			fd = -1;
		}
		if (fe->fe_kind == FC_DIR) {
			fc_unref(fe);
			return (static_dir(hr, sc, rootfd, fd, path));
		}
		if (hr->rq_path_len > 0 && path[hr->rq_path_len - 1] == '/') {
			fc_unref(fe);
			return (static_absent(hr, sc, rootfd, cacheable,
			    ENOTDIR, 0));
		}
		return (static_cached(hr, sc, fe, path));
	}
	if (fd == -1) {
		e = errno;
		vary = 0;
		/* Not cacheable, so no cache entry says it is absent. */
		if (static_gz_only(hr, sc, rootfd, path, e, &r, &vary))
			return (r);
		return (static_absent(hr, sc, rootfd, cacheable, e, vary));
	}
	if (fstat(fd, &st) == -1) {
		close(fd);
		return (static_errno(hr, errno));
	}
	if (S_ISDIR(st.st_mode))
		return (static_dir(hr, sc, rootfd, fd, path));
	if (!S_ISREG(st.st_mode)) {
		/* Devices, sockets, fifos: never served. */
		close(fd);
		return (http_resp_error(hr, 403));
	}
	if (hr->rq_path_len > 0 && path[hr->rq_path_len - 1] == '/') {
		/* "/file.txt/": a file is not a directory. */
		close(fd);
		return (static_absent(hr, sc, rootfd, cacheable, ENOTDIR, 0));
	}
	return (static_file(hr, sc, fd, path, &st, 0));
}

/*
 * The request's path names nothing (e): the route's fallback, served as
 * a request for it would be (try_files $uri $uri/ /index.html), for the
 * router of a single-page application reads the path itself.  Only for
 * reads, and only for what static_errno() answers 404: a name that is not
 * there, too long to be (a token in a deep link), or a link out of the
 * root (which must look absent, not tell that it exists).  A refusal
 * (403) stays one.
 * Without a fallback file to serve, the answer the path alone would
 * have, never a loop.  vary: STATIC_F_VARY when the path is absent only
 * to this client's Accept-Encoding (static_gz_only()).
 */
static int
static_absent(struct http_req *hr, const struct static_conf *sc, int rootfd,
    int cacheable, int e, int vary)
{
	const char *fb = sc->sc_fallback;
	struct fc_entry *fe;
	struct stat st;
	int fd, r, m = http_req_method(hr);

	if (fb == NULL || (e != ENOENT && e != ENOTDIR &&
	    e != ENAMETOOLONG && e != EXDEV) ||
	    (m != HTTP_M_GET && m != HTTP_M_HEAD))
		goto none;
	fd = static_open(sc, rootfd, fb, cacheable, &fe);
	if (fe != NULL) {
		if (fd != -1)
			close(fd);
		if (fe->fe_kind == FC_FILE)
			return (static_cached(hr, sc, fe, fb));
		fc_unref(fe);
		goto none;
	}
	if (fd == -1) {
		if (static_gz_only(hr, sc, rootfd, fb, errno, &r, &vary))
			return (r);
		goto none;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		/* A directory, a device: nothing to serve in its place. */
		close(fd);
		goto none;
	}
	return (static_file(hr, sc, fd, fb, &st, vary));
none:
	/* vary comes only with ENOENT or ENOTDIR: a 404 either way. */
	return (vary ? static_vary_error(hr, 404) : static_errno(hr, e));
}

/*
 * A name that says its bytes are another type compressed (.svgz: gzip
 * of SVG, RFC 9110 §8.4) carries the encoding, or browsers show the
 * compressed bytes (Apache's default AddEncoding does the same).
 */
static const char *
static_encoding(const char *path)
{
	size_t len = strlen(path);

	if (len > 5 && strcasecmp(path + len - 5, ".svgz") == 0)
		return ("gzip");
	return (NULL);
}

/*
 * gzip_static for a name only its .gz has (e: why opening path failed),
 * as nginx serves it: 1 when path.gz went to a client that takes gzip,
 * static_file()'s result in *ret.  Else 0, with *vary STATIC_F_VARY when
 * the .gz is there but the client does not take it (the name is absent
 * to that client, an answer that varies); none to serve (missing, refused
 * by the symlink policy, not a regular file) leaves *vary alone.
 */
static int
static_gz_only(struct http_req *hr, const struct static_conf *sc,
    int rootfd, const char *path, int e, int *ret, int *vary)
{
	char gpath[HTTP_PATH_MAX + 256 + sizeof(".gz")];
	struct stat st;
	size_t plen = strlen(path);
	int fd;

	/* "dir/" names no file; a .svgz is never compressed twice. */
	if (e != ENOENT || !sc->sc_gzip_static || plen == 0 ||
	    path[plen - 1] == '/' || static_encoding(path) != NULL ||
	    (size_t)snprintf(gpath, sizeof(gpath), "%s.gz", path) >=
	    sizeof(gpath))
		return (0);
	fd = fs_open_beneath(rootfd, gpath, O_RDONLY | O_NONBLOCK,
	    sc->sc_symlinks);
	if (fd == -1)
		return (0);
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		return (0);
	}
	if (!http_req_accepts_gzip(hr)) {
		close(fd);
		*vary = STATIC_F_VARY;
		return (0);
	}
	*ret = static_file(hr, sc, fd, path, &st, STATIC_F_GZ);
	return (1);
}

/* An error another Accept-Encoding would not have had (gzip_static). */
static int
static_vary_error(struct http_req *hr, unsigned int status)
{
	http_resp_error(hr, status);
	/* After it: an error page starts its head afresh. */
	http_resp_header(hr, "Vary", "Accept-Encoding");
	return (0);
}

/* A small file from the cache: validators and bytes are ready. */
static int
static_cached(struct http_req *hr, const struct static_conf *sc,
    struct fc_entry *fe, const char *path)
{
	const char *ctype, *enc;

	ctype = mime_lookup(http_cf->cf_mime, path, strlen(path));
	if (ctype == NULL)
		ctype = sc->sc_default_type != NULL ? sc->sc_default_type :
		    http_cf->cf_default_type;
	if (http_resp_preconditions(hr, fe->fe_etag, fe->fe_etag_len,
	    &fe->fe_mtime)) {
		fc_unref(fe);
		return (0);
	}
	http_resp_status(hr, 200);
	/* In the order an uncached answer has it. */
	if ((enc = static_encoding(path)) != NULL)
		http_resp_header(hr, "Content-Encoding", enc);
	if (sc->sc_max_ranges > 0)
		(void)http_resp_header_raw(hr, fe->fe_hdrs, fe->fe_hdrs_len);
	else {
		/* The cached head ends with FC_ACCEPT_RANGES. */
		(void)http_resp_header_raw(hr, fe->fe_hdrs, fe->fe_hdrs_len -
		    (sizeof(FC_ACCEPT_RANGES) - 1));
		http_resp_header(hr, "Accept-Ranges", "none");
	}
	http_resp_header(hr, "Content-Type", ctype);
	return (http_resp_body_ref(hr, fe->fe_body, (size_t)fe->fe_size,
	    fc_unref_cb, fe));
}

static int
static_dir(struct http_req *hr, const struct static_conf *sc, int rootfd,
    int dirfd, const char *path)
{
	char ipath[HTTP_PATH_MAX + 256], loc[HTTP_PATH_MAX * 3 + 256];
	struct fc_entry *fe;
	const char *q;
	struct stat st;
	size_t plen = strlen(path), qlen, i;
	int fd, n, e, r, vary = 0, cacheable = !sc->sc_gzip_static &&
	    http_req_header(hr, "Range", NULL) == NULL;

	if (plen == 0 || path[plen - 1] != '/') {
		/* The slash form, so relative links resolve (nginx does). */
		if (dirfd != -1)
			close(dirfd);
		n = http_path_encode(path, plen, loc, sizeof(loc) - 2);
		if (n < 0)
			return (http_resp_error(hr, 414));
		loc[n++] = '/';
		loc[n] = '\0';
		/* The query as sent, with what is no URI escaped; one too
		   long for the buffer or the head is dropped, never cut. */
		q = http_req_query(hr, &qlen);
		if (qlen > 0 && (size_t)n + 1 < sizeof(loc)) {
			loc[n] = '?';
			r = http_uri_fix(q, qlen, loc + n + 1,
			    sizeof(loc) - (size_t)n - 1);
			if (r < 0 || (size_t)n + 1 + (size_t)r >
			    http_resp_location_max(hr))
				loc[n] = '\0';
		}
		return (http_resp_redirect(hr, 301, loc));
	}
	for (i = 0; i < sc->sc_nindex; i++) {
		if ((size_t)snprintf(ipath, sizeof(ipath), "%s%s", path,
		    sc->sc_index[i]) >= sizeof(ipath))
			continue;
		fd = static_open(sc, rootfd, ipath, cacheable, &fe);
		if (fe != NULL) {
			if (fd != -1)
				close(fd);
			if (fe->fe_kind != FC_FILE) {
				fc_unref(fe);
				continue;
			}
			if (dirfd != -1)
				close(dirfd);
			return (static_cached(hr, sc, fe, ipath));
		}
		if (fd == -1 && errno == ENOENT && sc->sc_gzip_static) {
			/*
			 * Only its .gz: the index of clients that take gzip;
			 * the others look further, and what they get varies.
			 */
			if (static_gz_only(hr, sc, rootfd, ipath, ENOENT,
			    &r, &vary)) {
				if (dirfd != -1)
					close(dirfd);
				return (r);
			}
			continue;
		}
		if (fd == -1) {
			/* ENXIO: a socket; like a FIFO, no index file. */
			if (errno == ENOENT || errno == ENOTDIR ||
			    errno == ENXIO)
				continue;
			if (dirfd != -1)
				close(dirfd);
			/*
			 * A link out of the root: the directory is there but
			 * its index refused, as ELOOP is (nginx: 403); never
			 * its listing, which its owner meant to hide.
			 */
			e = errno == EXDEV ? ELOOP : errno;
			(void)static_errno(hr, e);
			if (vary)
				http_resp_header(hr, "Vary", "Accept-Encoding");
			return (0);
		}
		if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
			close(fd);
			continue;
		}
		if (dirfd != -1)
			close(dirfd);
		return (static_file(hr, sc, fd, ipath, &st, vary));
	}
	if (sc->sc_autoindex) {
		if (dirfd == -1 && (dirfd = fs_open_beneath(rootfd, path,
		    O_RDONLY | O_DIRECTORY | O_NONBLOCK, sc->sc_symlinks)) == -1)
			return (static_errno(hr, errno));
		return (static_listing(hr, sc, rootfd, dirfd, path, vary));
	}
	if (dirfd != -1)
		close(dirfd);
	/* A directory without index and without listing: forbidden. */
	return (vary ? static_vary_error(hr, 403) : http_resp_error(hr, 403));
}

static int
static_file(struct http_req *hr, const struct static_conf *sc, int fd,
    const char *path, const struct stat *st, int flags)
{
	char etag[HTTP_ETAG_MAX], lm[HTTP_DATE_LEN + 1];
	const char *ctype, *v, *range, *enc = static_encoding(path);
	struct stat gst;
	size_t vlen, rlen, elen = 0;
	time_t mtime;
	int gz = 0, vary = 0, m = http_req_method(hr);

	ctype = mime_lookup(http_cf->cf_mime, path, strlen(path));
	if (ctype == NULL)
		ctype = sc->sc_default_type != NULL ? sc->sc_default_type :
		    http_cf->cf_default_type;

	if (flags & (STATIC_F_GZ | STATIC_F_VARY)) {
		/* Caches must know the answer depends on it. */
		http_resp_header(hr, "Vary", "Accept-Encoding");
		vary = 1;
	}
	if (flags & STATIC_F_GZ) {
		/* The .gz alone is there, and welcome (static_gz_only()). */
		gz = 1;
		enc = "gzip";
	} else if (enc == NULL && sc->sc_gzip_static) {
		/* A precompressed sibling, when present, newer and welcome. */
		char gpath[HTTP_PATH_MAX + 8];
		int gfd;

		if ((size_t)snprintf(gpath, sizeof(gpath), "%s.gz", path) <
		    sizeof(gpath) && (gfd = fs_open_beneath(
		    sc->sc_rootfd != -1 ? sc->sc_rootfd :
		    hr->rq_site->st_rootfd, gpath, O_RDONLY | O_NONBLOCK,
		    sc->sc_symlinks)) != -1) {
			if (!vary)
				http_resp_header(hr, "Vary",
				    "Accept-Encoding");
			vary = 1;
			if (http_req_accepts_gzip(hr) &&
			    fstat(gfd, &gst) == 0 && S_ISREG(gst.st_mode) &&
			    gst.st_mtime >= st->st_mtime) {
				close(fd);
				fd = gfd;
				st = &gst;
				gz = 1;
				enc = "gzip";
			} else
				close(gfd);
		}
	}

	if (sc->sc_etag)
		elen = http_etag_make(etag, (uint64_t)st->st_ino,
		    (uint64_t)st->st_size, (int64_t)st->st_mtim.tv_sec,
		    st->st_mtim.tv_nsec, gz);
	/*
	 * Never later than the Date it goes with: a time in the future is
	 * replaced by it (RFC 9110 §8.8.2.1), and that is the modification
	 * date the preconditions compare too, so a client's copy of the
	 * value sent validates as long as it still is the one sent.
	 */
	mtime = st->st_mtime > conn_now_wall() ? conn_now_wall() :
	    st->st_mtime;
	http_date_format(mtime, lm);

	if (http_resp_preconditions(hr, etag, elen, &mtime)) {
		close(fd);
		/* An error page starts its head afresh. */
		if (vary && hr->rq_status == 412)
			http_resp_header(hr, "Vary", "Accept-Encoding");
		return (0);
	}

	/*
	 * After the 304s, which carry no representation metadata but
	 * the validators and Vary (RFC 9110 §15.4.5), as the cached answer
	 * has it.
	 */
	if (enc != NULL)
		http_resp_header(hr, "Content-Encoding", enc);
	http_resp_header(hr, "Last-Modified", lm);
	if (elen > 0)
		http_resp_header(hr, "ETag", etag);
	/* max_ranges = 0: ranges are off, and clients are told so. */
	http_resp_header(hr, "Accept-Ranges", sc->sc_max_ranges > 0 ?
	    "bytes" : "none");

	range = http_req_single(hr, HTTP_H_RANGE, &rlen);
	if (range != NULL && m == HTTP_M_GET &&
	    !HTTP_REQUEST_DUP(&hr->rq_p, HTTP_H_IF_RANGE)) {
		v = http_req_field(hr, HTTP_H_IF_RANGE, &vlen);
		if (v == NULL || http_cond_if_range(v, vlen, elen > 0 ? etag :
		    NULL, elen, mtime, conn_now_wall()))
			return (static_ranges(hr, sc, fd, st, ctype, range,
			    rlen, vary));
	}
	http_resp_status(hr, 200);
	http_resp_header(hr, "Content-Type", ctype);
	return (http_resp_body_fd(hr, fd, 0, st->st_size));
}

/* multipart/byteranges, produced part by part as the socket drains. */
struct byteranges {
	int		 br_fd;
	uint64_t	 br_size;
	const char	*br_ctype;
	const char	*br_path;	/* the request's, for the log */
	unsigned int	 br_n;
	unsigned int	 br_i;		/* current part */
	int		 br_phase;	/* 0 part head, 1 data, 2 CRLF, 3 end */
	uint64_t	 br_pos;	/* within the part's data */
	size_t		 br_off;	/* within the current fixed text */
	char		 br_bound[STATIC_BOUNDARY_LEN + 1];
	struct http_range br_r[];
};

static size_t
br_head(const struct byteranges *br, unsigned int i, char *buf, size_t sz)
{
	int n;

	n = snprintf(buf, sz, "--%s\r\nContent-Type: %s\r\n"
	    "Content-Range: bytes %llu-%llu/%llu\r\n\r\n", br->br_bound,
	    br->br_ctype,
	    (unsigned long long)br->br_r[i].hr_first,
	    (unsigned long long)br->br_r[i].hr_last,
	    (unsigned long long)br->br_size);
	return (n < 0 || (size_t)n >= sz ? 0 : (size_t)n);
}

/* The closing delimiter, "--" boundary "--" CRLF. */
static size_t
br_end(const struct byteranges *br, char *buf, size_t sz)
{
	int n;

	n = snprintf(buf, sz, "--%s--\r\n", br->br_bound);
	return (n < 0 || (size_t)n >= sz ? 0 : (size_t)n);
}

static ssize_t
br_fill(void *arg, char *buf, size_t size)
{
	struct byteranges *br = arg;
	char head[512];
	size_t out = 0, hl, k;
	ssize_t n;

	while (out < size && br->br_phase != 4) {
		switch (br->br_phase) {
		case 0:
			hl = br_head(br, br->br_i, head, sizeof(head));
			k = hl - br->br_off < size - out ? hl - br->br_off :
			    size - out;
			memcpy(buf + out, head + br->br_off, k);
			out += k;
			br->br_off += k;
			if (br->br_off == hl) {
				br->br_phase = 1;
				br->br_off = 0;
				br->br_pos = 0;
			}
			break;
		case 1: {
			uint64_t len = br->br_r[br->br_i].hr_last -
			    br->br_r[br->br_i].hr_first + 1 - br->br_pos;

			k = len < size - out ? (size_t)len : size - out;
			n = pread(br->br_fd, buf + out, k,
			    (off_t)(br->br_r[br->br_i].hr_first + br->br_pos));
			if (n == -1) {
				log_warn("%s: reading the file while sending "
				    "failed", br->br_path);
				return (-1);
			}
			if (n == 0) {
				log_warnx("%s: file truncated while sending, "
				    "at byte %llu", br->br_path,
				    (unsigned long long)(br->br_r[br->br_i].
				    hr_first + br->br_pos));
				return (-1);
			}
			out += (size_t)n;
			br->br_pos += (uint64_t)n;
			if ((uint64_t)n == len)
				br->br_phase = 2;
			break;
		}
		case 2:
			k = 2 - br->br_off < size - out ? 2 - br->br_off :
			    size - out;
			memcpy(buf + out, "\r\n" + br->br_off, k);
			out += k;
			br->br_off += k;
			if (br->br_off == 2) {
				br->br_off = 0;
				br->br_phase = ++br->br_i < br->br_n ? 0 : 3;
			}
			break;
		case 3:
			hl = br_end(br, head, sizeof(head));
			k = hl - br->br_off < size - out ? hl - br->br_off :
			    size - out;
			memcpy(buf + out, head + br->br_off, k);
			out += k;
			br->br_off += k;
			if (br->br_off == hl)
				br->br_phase = 4;
			break;
		}
	}
	return ((ssize_t)out);
}

static void
br_fin(void *arg)
{
	struct byteranges *br = arg;

	close(br->br_fd);
	free(br);
}

/* vary: the variant sent depends on Accept-Encoding (gzip_static). */
static int
static_ranges(struct http_req *hr, const struct static_conf *sc, int fd,
    const struct stat *st, const char *ctype, const char *range, size_t rlen,
    int vary)
{
	struct http_range r[STATIC_MAX_RANGES > 1024 ? 1 : 1024];
	char cr[HTTP_CONTENT_RANGE_MAX + 8], head[512];
	static const char hex[] = "0123456789abcdef";
	struct byteranges *br;
	unsigned char rnd[8];
	unsigned int n = 0, i, max;
	uint64_t total;
	size_t hl;
	int res;

	max = sc->sc_max_ranges == 0 ? 1 : sc->sc_max_ranges;
	if (max > sizeof(r) / sizeof(r[0]))
		max = sizeof(r) / sizeof(r[0]);
	res = http_range_parse(range, rlen, (uint64_t)st->st_size, r, max, &n);
	if (res == HTTP_RANGE_NONE || (sc->sc_max_ranges == 0)) {
		http_resp_status(hr, 200);
		http_resp_header(hr, "Content-Type", ctype);
		return (http_resp_body_fd(hr, fd, 0, st->st_size));
	}
	if (res == HTTP_RANGE_UNSATISFIABLE) {
		close(fd);
		http_range_content_range(cr, sizeof(cr), NULL,
		    (uint64_t)st->st_size);
		http_resp_error(hr, 416);
		/* Its length is the variant's: it varies as a 206 would. */
		if (vary)
			http_resp_header(hr, "Vary", "Accept-Encoding");
		http_resp_header(hr, "Content-Range", cr);
		return (0);
	}
	http_resp_status(hr, 206);
	if (n == 1) {
		http_range_content_range(cr, sizeof(cr), &r[0],
		    (uint64_t)st->st_size);
		http_resp_header(hr, "Content-Type", ctype);
		http_resp_header(hr, "Content-Range", cr);
		return (http_resp_body_fd(hr, fd, (off_t)r[0].hr_first,
		    (off_t)(r[0].hr_last - r[0].hr_first + 1)));
	}
	br = malloc(sizeof(*br) + n * sizeof(struct http_range));
	if (br == NULL) {
		close(fd);
		return (-1);
	}
	br->br_fd = fd;
	br->br_size = (uint64_t)st->st_size;
	br->br_ctype = ctype;	/* lives as long as the mime table */
	br->br_path = http_req_path(hr);	/* and this, as the request */
	br->br_n = n;
	br->br_i = 0;
	br->br_phase = 0;
	br->br_pos = 0;
	br->br_off = 0;
	memcpy(br->br_r, r, n * sizeof(struct http_range));
	arc4random_buf(rnd, sizeof(rnd));
	memcpy(br->br_bound, STATIC_BOUNDARY_PFX,
	    sizeof(STATIC_BOUNDARY_PFX) - 1);
	for (i = 0; i < sizeof(rnd); i++) {
		br->br_bound[sizeof(STATIC_BOUNDARY_PFX) - 1 + 2 * i] =
		    hex[rnd[i] >> 4];
		br->br_bound[sizeof(STATIC_BOUNDARY_PFX) + 2 * i] =
		    hex[rnd[i] & 0xf];
	}
	br->br_bound[STATIC_BOUNDARY_LEN] = '\0';
	total = br_end(br, head, sizeof(head));
	for (i = 0; i < n; i++) {
		if ((hl = br_head(br, i, head, sizeof(head))) == 0) {
			/* A Content-Type too long for a part's head. */
			free(br);
			http_resp_status(hr, 200);
			http_resp_header(hr, "Content-Type", ctype);
			return (http_resp_body_fd(hr, fd, 0, st->st_size));
		}
		total += hl + (r[i].hr_last - r[i].hr_first + 1) + 2;
	}
	http_resp_headerf(hr, "Content-Type",
	    "multipart/byteranges; boundary=%s", br->br_bound);
	return (http_resp_body_stream(hr, (off_t)total, br_fill, br,
	    br_fin));
}

/* ---- autoindex --------------------------------------------------------- */

/* A literal's length is counted by the compiler, never by hand. */
#define LI_LIT(l, s)	li_append((l), (s), sizeof(s) - 1)

struct listing {
	char		*li_buf;
	size_t		 li_len;
	size_t		 li_size;
};

static int
li_append(struct listing *l, const char *s, size_t n)
{
	char *p;
	size_t sz;

	if (l->li_len + n + 1 > l->li_size) {
		for (sz = l->li_size ? l->li_size : 4096; sz < l->li_len + n + 1;
		    sz *= 2)
			;
		if ((p = realloc(l->li_buf, sz)) == NULL)
			return (-1);
		l->li_buf = p;
		l->li_size = sz;
	}
	memcpy(l->li_buf + l->li_len, s, n);
	l->li_len += n;
	l->li_buf[l->li_len] = '\0';
	return (0);
}

/* Text for HTML: the five characters that matter are escaped. */
static int
li_html(struct listing *l, const char *s)
{
	const char *e;

	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&': e = "&amp;"; break;
		case '<': e = "&lt;"; break;
		case '>': e = "&gt;"; break;
		case '"': e = "&quot;"; break;
		case '\'': e = "&#39;"; break;
		default:
			if (li_append(l, s, 1) == -1)
				return (-1);
			continue;
		}
		if (li_append(l, e, strlen(e)) == -1)
			return (-1);
	}
	return (0);
}

/* An entry of a listing, with what its line shows. */
struct li_ent {
	char		*le_name;
	int		 le_dir;
	long long	 le_size;	/* -1: not a regular file */
	time_t		 le_mtime;
	int		 le_known;	/* le_mtime is set */
};

/* Directories first, then files, each by name (nginx's order). */
static int
ent_cmp(const void *a, const void *b)
{
	const struct li_ent *x = a, *y = b;

	if (x->le_dir != y->le_dir)
		return (x->le_dir ? -1 : 1);
	return (strcmp(x->le_name, y->le_name));
}

/*
 * What the listing shows for name in the directory fd (path): a symlink
 * as what it leads to, resolved as a request for it would be (so a link
 * to a directory is listed as one).  A link the policy refuses (off, or
 * a loop) is listed as it is, as an unreadable file is: a request for it
 * is 403, the name is there.  A link that leads out of the root under
 * "inside" is left out: a request for it is 404, as a name the site does
 * not have, and the listing tells no more than that.  Returns 0 to list
 * it, -1 to leave it out.
 */
static int
li_stat(const struct static_conf *sc, int rootfd, int fd, const char *path,
    const char *name, struct li_ent *e)
{
	char lpath[HTTP_PATH_MAX + NAME_MAX + 2];
	struct stat st, tst;
	int lfd;

	e->le_dir = 0;
	e->le_size = -1;
	e->le_known = 0;
	if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return (0);
	if (S_ISLNK(st.st_mode) && (size_t)snprintf(lpath, sizeof(lpath),
	    "%s%s", path, name) < sizeof(lpath)) {
		lfd = fs_open_beneath(rootfd, lpath, O_PATH, sc->sc_symlinks);
		if (lfd == -1 && errno == EXDEV)
			return (-1);
		if (lfd != -1) {
			if (fstat(lfd, &tst) == 0)
				st = tst;
			close(lfd);
		}
	}
	e->le_dir = S_ISDIR(st.st_mode);
	e->le_size = S_ISREG(st.st_mode) ? (long long)st.st_size : -1;
	e->le_mtime = st.st_mtime;
	e->le_known = 1;
	return (0);
}

/* vary: an index only some encodings get was passed over (gzip_static). */
static int
static_listing(struct http_req *hr, const struct static_conf *sc,
    int rootfd, int dirfd, const char *path, int vary)
{
	struct listing l = { NULL, 0, 0 };
	struct li_ent *ents = NULL, *ne;
	char enc[NAME_MAX * 3 + 8], line[512];
	size_t n = 0, cap = 0, i;
	struct dirent *de;
	struct tm tm;
	DIR *d;
	int fd, ok = 0;

	/* O_PATH fds cannot be read: reopen the directory itself. */
	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	close(dirfd);
	if (fd == -1)
		return (static_errno(hr, errno));
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return (static_errno(hr, errno));
	}
	while ((de = readdir(d)) != NULL) {
		/* Hidden files stay hidden, as with nginx's autoindex. */
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((ne = reallocarray(ents, cap, sizeof(*ne))) == NULL)
				goto out;
			ents = ne;
		}
		if (li_stat(sc, rootfd, fd, path, de->d_name, &ents[n]) == -1)
			continue;
		if ((ents[n].le_name = strdup(de->d_name)) == NULL)
			goto out;
		n++;
	}
	qsort(ents, n, sizeof(*ents), ent_cmp);
	if (LI_LIT(&l, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
	    "<title>Index of ") == -1 || li_html(&l, path) == -1 ||
	    LI_LIT(&l, "</title></head>\n<body><h1>Index of ") == -1 ||
	    li_html(&l, path) == -1 ||
	    LI_LIT(&l, "</h1><hr><pre>\n<a href=\"../\">../</a>\n") == -1)
		goto out;
	for (i = 0; i < n; i++) {
		const char *name = ents[i].le_name;
		int isdir = ents[i].le_dir, en;
		char when[32] = "-";

		if (ents[i].le_known) {
			gmtime_r(&ents[i].le_mtime, &tm);
			strftime(when, sizeof(when), "%d-%b-%Y %H:%M", &tm);
		}
		en = http_name_encode(name, strlen(name), enc,
		    sizeof(enc) - 2);
		if (en < 0)
			continue;
		if (isdir) {
			enc[en++] = '/';
			enc[en] = '\0';
		}
		if (LI_LIT(&l, "<a href=\"") == -1 ||
		    li_html(&l, enc) == -1 || LI_LIT(&l, "\">") == -1 ||
		    li_html(&l, name) == -1 ||
		    (isdir && LI_LIT(&l, "/") == -1) ||
		    LI_LIT(&l, "</a>") == -1)
			goto out;
		if (ents[i].le_size >= 0)
			snprintf(line, sizeof(line), "  %s  %lld\n", when,
			    ents[i].le_size);
		else
			snprintf(line, sizeof(line), "  %s  -\n", when);
		if (li_append(&l, line, strlen(line)) == -1)
			goto out;
	}
	if (LI_LIT(&l, "</pre><hr></body></html>\n") == -1)
		goto out;
	ok = 1;
out:
	closedir(d);
	for (i = 0; i < n; i++)
		free(ents[i].le_name);
	free(ents);
	if (!ok) {
		free(l.li_buf);
		return (-1);
	}
	if (vary)
		http_resp_header(hr, "Vary", "Accept-Encoding");
	/*
	 * No validators of its own, but "*" and If-Match still apply, once
	 * the answer is known to be a 200 (RFC 9110 §13.2.1).
	 */
	if (http_resp_preconditions(hr, NULL, 0, NULL)) {
		free(l.li_buf);
		/* An error page starts its head afresh. */
		if (vary && hr->rq_status == 412)
			http_resp_header(hr, "Vary", "Accept-Encoding");
		return (0);
	}
	http_resp_status(hr, 200);
	http_resp_header(hr, "Content-Type", "text/html; charset=utf-8");
	if (http_resp_body_mem(hr, l.li_buf, l.li_len, 1) == -1) {
		free(l.li_buf);
		return (-1);
	}
	free(l.li_buf);
	return (0);
}
