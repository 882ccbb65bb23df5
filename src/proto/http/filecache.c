/*
 * The worker's open-file cache: see filecache.h.
 */
#include <sys/types.h>
#include <sys/inotify.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "proto/conn.h"
#include "proto/http/date.h"
#include "proto/http/filecache.h"

#define FC_WATCH_MASK	(IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE |	\
	IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE | IN_DELETE |		\
	IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)
/*
 * A file's own watch: a directory hears of writes made through its own
 * entries only, not through a hard link elsewhere (nor of a link made
 * after the file was cached).  A watch on the inode hears them all.  It
 * lives as long as an entry uses it: paths to one inode (hard links, two
 * routes) share it, so entries are chained by watch as well.
 */
#define FC_FILE_MASK	(IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE |	\
	IN_DELETE_SELF | IN_MOVE_SELF)

/* Directories already watched since the last flush: (rootfd, path). */
struct fc_dir {
	struct fc_dir	*fd_next;
	uint64_t	 fd_hash;
	int		 fd_rootfd;
	size_t		 fd_len;
	char		 fd_path[];
};

static struct {
	int		  ino;		/* inotify, -1: no cache */
	struct fc_entry	**tab;
	size_t		  mask;
	struct fc_dir	**dirs;
	struct fc_entry	**wtab;		/* entries by wd, mask as tab */
	struct fc_entry	 *lru_head;	/* most recently used */
	struct fc_entry	 *lru_tail;
	size_t		  n;
	size_t		  bytes;
	size_t		  max_n;
	size_t		  max_bytes;
	struct fc_stats	  st;
} fc = { .ino = -1 };

static uint64_t	fc_hash(const void *, int, const char *, size_t);
static void	fc_evict(struct fc_entry *);
static void	fc_free(struct fc_entry *);
static int	fc_watch_dirs(int, const char *, size_t, int);
static int	fc_watch_file(struct fc_entry *, int);
static void	fc_unwatch(struct fc_entry *);

static uint64_t
fc_hash(const void *owner, int rootfd, const char *p, size_t len)
{
	uint64_t h = 1469598103934665603ull ^ (uint64_t)(uintptr_t)owner ^
	    (uint64_t)(unsigned int)rootfd << 32;
	size_t i;

	/* FNV-1a: paths are short, and this runs once per request. */
	for (i = 0; i < len; i++) {
		h ^= (unsigned char)p[i];
		h *= 1099511628211ull;
	}
	return (h);
}

int
fc_init(size_t max_entries, size_t max_bytes)
{
	size_t size;

	for (size = 64; size < max_entries * 2; size *= 2)
		;
	fc.tab = calloc(size, sizeof(*fc.tab));
	fc.dirs = calloc(size, sizeof(*fc.dirs));
	fc.wtab = calloc(size, sizeof(*fc.wtab));
	if (fc.tab == NULL || fc.dirs == NULL || fc.wtab == NULL) {
		free(fc.tab);
		free(fc.dirs);
		free(fc.wtab);
		fc.tab = NULL;
		fc.dirs = NULL;
		fc.wtab = NULL;
		return (-1);
	}
	fc.mask = size - 1;
	fc.max_n = max_entries;
	fc.max_bytes = max_bytes;
	fc.ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fc.ino == -1) {
		/* Without change notifications a cache could serve stale. */
		log_warn("file cache off: inotify_init1() failed");
		return (-1);
	}
	return (0);
}

void
fc_fini(void)
{
	fc_flush();
	if (fc.ino != -1)
		close(fc.ino);
	fc.ino = -1;
	free(fc.tab);
	free(fc.dirs);
	free(fc.wtab);
	fc.tab = NULL;
	fc.dirs = NULL;
	fc.wtab = NULL;
}

int
fc_watch_fd(void)
{
	return (fc.ino);
}

void
fc_events(void)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct
	    inotify_event))));
	const struct inotify_event *ev;
	ssize_t n, off;
	int any = 0;

	/*
	 * What changed does not matter: any change empties the cache.  Only
	 * IN_IGNORED is not a change: an eviction's inotify_rm_watch() sends
	 * it (a deleted file's or directory's comes after its DELETE_SELF).
	 */
	while ((n = read(fc.ino, buf, sizeof(buf))) > 0)
		for (off = 0; off < n; off += (ssize_t)sizeof(*ev) +
		    (ssize_t)ev->len) {
			ev = (const struct inotify_event *)(buf + off);
			if (!(ev->mask & IN_IGNORED))
				any = 1;
		}
	if (n == -1 && errno != EAGAIN && errno != EINTR)
		log_warn("file cache: read(inotify) failed");
	if (any || (n == -1 && errno == EINVAL))
		fc_flush();
}

static void
fc_lru_unlink(struct fc_entry *fe)
{
	if (fe->fe_lru_prev != NULL)
		fe->fe_lru_prev->fe_lru_next = fe->fe_lru_next;
	else
		fc.lru_head = fe->fe_lru_next;
	if (fe->fe_lru_next != NULL)
		fe->fe_lru_next->fe_lru_prev = fe->fe_lru_prev;
	else
		fc.lru_tail = fe->fe_lru_prev;
	fe->fe_lru_prev = fe->fe_lru_next = NULL;
}

static void
fc_lru_front(struct fc_entry *fe)
{
	fe->fe_lru_prev = NULL;
	fe->fe_lru_next = fc.lru_head;
	if (fc.lru_head != NULL)
		fc.lru_head->fe_lru_prev = fe;
	fc.lru_head = fe;
	if (fc.lru_tail == NULL)
		fc.lru_tail = fe;
}

static size_t
fc_size(const struct fc_entry *fe)
{
	return (sizeof(*fe) + fe->fe_pathlen + 1 + fe->fe_hdrs_len + 1 +
	    (fe->fe_body != NULL ? (size_t)fe->fe_size : 0));
}

static void
fc_free(struct fc_entry *fe)
{
	fc_unwatch(fe);
	free(fe->fe_path);
	free(fe->fe_body);
	free(fe->fe_hdrs);
	free(fe);
}

/* Take an entry out of the table; freed now or at its last unref. */
static void
fc_evict(struct fc_entry *fe)
{
	struct fc_entry **pp;

	for (pp = &fc.tab[fe->fe_hash & fc.mask]; *pp != NULL;
	    pp = &(*pp)->fe_next)
		if (*pp == fe) {
			*pp = fe->fe_next;
			break;
		}
	fc_lru_unlink(fe);
	fc_unwatch(fe);
	fc.n--;
	fc.bytes -= fc_size(fe);
	fe->fe_dead = 1;
	if (fe->fe_refs == 0)
		fc_free(fe);
}

void
fc_flush(void)
{
	struct fc_dir *d, *dn;
	size_t i;

	if (fc.tab == NULL)
		return;
	while (fc.lru_head != NULL)
		fc_evict(fc.lru_head);
	/* Watches the kernel dropped (a deleted directory) are re-added. */
	for (i = 0; i <= fc.mask; i++) {
		for (d = fc.dirs[i]; d != NULL; d = dn) {
			dn = d->fd_next;
			free(d);
		}
		fc.dirs[i] = NULL;
	}
	fc.st.fs_flushes++;
}

void
fc_ref(struct fc_entry *fe)
{
	fe->fe_refs++;
}

void
fc_unref(struct fc_entry *fe)
{
	TM_ASSERT(fe->fe_refs > 0);
	if (--fe->fe_refs == 0 && fe->fe_dead)
		fc_free(fe);
}

void
fc_unref_cb(void *arg)
{
	fc_unref(arg);
}

struct fc_entry *
fc_lookup(const void *owner, const char *path, size_t len)
{
	struct fc_entry *fe;
	uint64_t h;

	if (fc.ino == -1)
		return (NULL);
	h = fc_hash(owner, 0, path, len);
	for (fe = fc.tab[h & fc.mask]; fe != NULL; fe = fe->fe_next)
		if (fe->fe_hash == h && fe->fe_owner == owner &&
		    fe->fe_pathlen == len && memcmp(fe->fe_path, path,
		    len) == 0) {
			fc_lru_unlink(fe);
			fc_lru_front(fe);
			fe->fe_refs++;
			fc.st.fs_hits++;
			return (fe);
		}
	fc.st.fs_misses++;
	return (NULL);
}

/*
 * Watch rootfd's directory and each directory of path below it (path
 * itself too when dir is set).  0 when all are watched.
 */
static int
fc_watch_dirs(int rootfd, const char *path, size_t len, int dir)
{
	char p[PATH_MAX + 64];
	struct fc_dir *d;
	size_t end, base;
	uint64_t h;
	int n;

	n = snprintf(p, sizeof(p), "/proc/self/fd/%d", rootfd);
	if (n < 0 || (size_t)n + len >= sizeof(p))
		return (-1);
	base = (size_t)n;
	memcpy(p + base, path, len);
	p[base + len] = '\0';
	/* Each prefix ending before a '/', from the root down. */
	for (end = 0; end <= len; end++) {
		if (end < len && path[end] != '/')
			continue;
		if (end == len && !dir)
			break;
		h = fc_hash(NULL, rootfd, path, end);
		for (d = fc.dirs[h & fc.mask]; d != NULL; d = d->fd_next)
			if (d->fd_hash == h && d->fd_rootfd == rootfd &&
			    d->fd_len == end && memcmp(d->fd_path, path,
			    end) == 0)
				break;
		if (d != NULL)
			continue;
		p[base + end] = '\0';
		if (inotify_add_watch(fc.ino, p, FC_WATCH_MASK) == -1)
			return (-1);	/* no watch, no cache (ENOSPC...) */
		if (end < len)
			p[base + end] = '/';
		if ((d = malloc(sizeof(*d) + end + 1)) == NULL)
			return (-1);
		d->fd_hash = h;
		d->fd_rootfd = rootfd;
		d->fd_len = end;
		memcpy(d->fd_path, path, end);
		d->fd_path[end] = '\0';
		d->fd_next = fc.dirs[h & fc.mask];
		fc.dirs[h & fc.mask] = d;
		if (end == len)
			break;
	}
	return (0);
}

/* Watch the file open on fd itself for fe; 0 when it is watched. */
static int
fc_watch_file(struct fc_entry *fe, int fd)
{
	struct fc_entry **pp;
	char p[64];
	int wd;

	/* The magic link leads to the open inode: no path race. */
	(void)snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	if ((wd = inotify_add_watch(fc.ino, p, FC_FILE_MASK)) == -1)
		return (-1);	/* no watch, no cache (ENOSPC...) */
	fe->fe_wd = wd;
	pp = &fc.wtab[(unsigned int)wd & fc.mask];
	fe->fe_wnext = *pp;
	*pp = fe;
	return (0);
}

/* fe no longer needs its watch: removed when no other entry shares it. */
static void
fc_unwatch(struct fc_entry *fe)
{
	struct fc_entry **pp, *o;
	int wd = fe->fe_wd;

	if (wd == -1)
		return;
	fe->fe_wd = -1;
	for (pp = &fc.wtab[(unsigned int)wd & fc.mask]; *pp != NULL;
	    pp = &(*pp)->fe_wnext)
		if (*pp == fe) {
			*pp = fe->fe_wnext;
			break;
		}
	for (o = fc.wtab[(unsigned int)wd & fc.mask]; o != NULL;
	    o = o->fe_wnext)
		if (o->fe_wd == wd)
			return;
	/* EINVAL: the kernel dropped it already (the file was deleted). */
	(void)inotify_rm_watch(fc.ino, wd);
}

int
fc_open(const void *owner, int rootfd, const char *path, size_t len,
    enum fs_symlinks mode, int etag, struct fc_entry **fep)
{
	struct fc_entry *fe;
	struct stat st, st2;
	off_t got = 0;
	ssize_t r;
	int fd, isdir = len > 0 && path[len - 1] == '/';

	*fep = NULL;
	if (fc.ino == -1 ||
	    fc_watch_dirs(rootfd, path, len > 1 && isdir ? len - 1 : len,
	    isdir) == -1)
		return (fs_open_beneath(rootfd, path, O_RDONLY | O_NONBLOCK,
		    mode));
	/* Watched first, then read: no change can fall in between. */
	fd = fs_open_beneath(rootfd, path, O_RDONLY | O_NONBLOCK,
	    FS_SYMLINKS_OFF);
	if (fd == -1) {
		if (errno == ELOOP && mode != FS_SYMLINKS_OFF)
			/* Through a symlink: served, never cached. */
			return (fs_open_beneath(rootfd, path, O_RDONLY |
			    O_NONBLOCK, mode));
		return (-1);
	}
	if (fstat(fd, &st) == -1)
		return (fd);	/* the caller's fstat() reports it */
	if (!S_ISDIR(st.st_mode) && (!S_ISREG(st.st_mode) ||
	    st.st_size > FC_BODY_MAX))
		return (fd);
	/*
	 * Modified "in the future": its Last-Modified must be each
	 * response's Date until then (RFC 9110 §8.8.2.1), which a head made
	 * once cannot be.  Served uncached; cached once the time has come.
	 */
	if (st.st_mtime > conn_now_wall())
		return (fd);
	if ((fe = calloc(1, sizeof(*fe))) == NULL ||
	    (fe->fe_path = malloc(len + 1)) == NULL) {
		free(fe);
		return (fd);
	}
	fe->fe_wd = -1;
	memcpy(fe->fe_path, path, len);
	fe->fe_path[len] = '\0';
	fe->fe_pathlen = len;
	fe->fe_owner = owner;
	fe->fe_hash = fc_hash(owner, 0, path, len);
	fe->fe_kind = S_ISDIR(st.st_mode) ? FC_DIR : FC_FILE;
	if (fe->fe_kind == FC_FILE) {
		if (fc_watch_file(fe, fd) == -1 ||
		    (fe->fe_body = malloc(st.st_size > 0 ?
		    (size_t)st.st_size : 1)) == NULL) {
			fc_free(fe);
			return (fd);
		}
		while (got < st.st_size && (r = pread(fd, fe->fe_body + got,
		    (size_t)(st.st_size - got), got)) > 0)
			got += r;
		/*
		 * Changing under us: serve it the slow way.  A write between
		 * the fstat() and the file's watch changed its ctime.
		 */
		if (got != st.st_size || fstat(fd, &st2) == -1 ||
		    st2.st_size != st.st_size ||
		    st2.st_ctim.tv_sec != st.st_ctim.tv_sec ||
		    st2.st_ctim.tv_nsec != st.st_ctim.tv_nsec) {
			fc_free(fe);
			return (fd);
		}
		fe->fe_size = st.st_size;
		fe->fe_ino = st.st_ino;
		fe->fe_mtime = st.st_mtim.tv_sec;
		fe->fe_mtime_nsec = st.st_mtim.tv_nsec;
		http_date_format(st.st_mtime, fe->fe_lm);
		if (etag)
			fe->fe_etag_len = http_etag_make(fe->fe_etag,
			    (uint64_t)st.st_ino, (uint64_t)st.st_size,
			    (int64_t)st.st_mtim.tv_sec, st.st_mtim.tv_nsec, 0);
		if (asprintf(&fe->fe_hdrs, "Last-Modified: %s\r\n%s%s%s"
		    FC_ACCEPT_RANGES, fe->fe_lm,
		    fe->fe_etag_len > 0 ? "ETag: " : "",
		    fe->fe_etag_len > 0 ? fe->fe_etag : "",
		    fe->fe_etag_len > 0 ? "\r\n" : "") == -1) {
			fe->fe_hdrs = NULL;
			fc_free(fe);
			return (fd);
		}
		fe->fe_hdrs_len = strlen(fe->fe_hdrs);
	}
	while (fc.n > 0 && (fc.n >= fc.max_n ||
	    fc.bytes + fc_size(fe) > fc.max_bytes))
		fc_evict(fc.lru_tail);
	fe->fe_next = fc.tab[fe->fe_hash & fc.mask];
	fc.tab[fe->fe_hash & fc.mask] = fe;
	fc_lru_front(fe);
	fc.n++;
	fc.bytes += fc_size(fe);
	fe->fe_refs = 1;
	*fep = fe;
	return (fd);
}

void
fc_stats(struct fc_stats *s)
{
	*s = fc.st;
	s->fs_entries = fc.n;
	s->fs_bytes = fc.bytes;
}
