/*
 * Document roots that follow their path: see docroot.h.
 *
 * A worker watches, for each root, the directory that holds each name on
 * the way to it, through every symlink (for /srv/app/current ->
 * releases/2: "srv" in /, "app" in /srv, "current" and "releases" in
 * /srv/app, "2" in /srv/app/releases).  When one of those names is
 * created, deleted or renamed, it resolves each root's path again; the
 * event is read before the requests of the same loop turn, so no request
 * that came after the swap is served from the old tree.  A check once a
 * second covers what inotify cannot see (changes made on another NFS
 * client, a watch refused by the quota).  A path that leads nowhere for
 * a moment (ln -sfn unlinks, then links) keeps the old root until it
 * leads to a directory again.
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
#include "proto/http/docroot.h"
#include "proto/http/filecache.h"

#define DR_MASK		(IN_CREATE | IN_DELETE | IN_MOVED_FROM |	\
	IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)
#define DR_LINKS_MAX	40	/* as the kernel's path walk */
#define DR_CHECK_MS	1000

struct dr_root {
	char		*dr_path;
	int		 dr_fd;
	unsigned int	 dr_load;
	dev_t		 dr_dev;	/* what dr_fd is open on */
	ino_t		 dr_ino;
	int		 dr_warned;	/* the path's failure is logged */
};

/* A name watched in the directory of wd. */
struct dr_name {
	int		 dn_wd;
	char		*dn_name;
};

static struct {
	struct dr_root	*roots;
	size_t		 n, cap;
	unsigned int	 load;		/* the load under way (master) */
	int		 ino;		/* worker: inotify, or -1 */
	struct dr_name	*names;
	size_t		 nnames, capnames;
	uint64_t	 last_ms;
} dr = { .ino = -1 };

static int	docroot_check(void);
static void	docroot_follow(void);
static void	docroot_rewatch(void);
static void	docroot_walk(const char *);

unsigned int
docroot_begin(void)
{
	return (++dr.load);
}

int
docroot_open(const char *path)
{
	struct dr_root *r;
	struct stat st;
	int fd;

	if ((fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1)
		return (-1);
	if (dr.n == dr.cap) {
		size_t cap = dr.cap == 0 ? 8 : dr.cap * 2;

		if ((r = reallocarray(dr.roots, cap, sizeof(*r))) == NULL)
			return (fd);	/* served, not followed */
		dr.roots = r;
		dr.cap = cap;
	}
	r = &dr.roots[dr.n];
	if (fstat(fd, &st) == -1 || (r->dr_path = strdup(path)) == NULL)
		return (fd);
	r->dr_fd = fd;
	r->dr_load = dr.load;
	r->dr_dev = st.st_dev;
	r->dr_ino = st.st_ino;
	r->dr_warned = 0;
	dr.n++;
	return (fd);
}

void
docroot_close(int fd)
{
	size_t i;

	if (fd == -1)
		return;
	for (i = 0; i < dr.n; i++)
		if (dr.roots[i].dr_fd == fd) {
			free(dr.roots[i].dr_path);
			dr.roots[i] = dr.roots[--dr.n];
			break;
		}
	(void)close(fd);
}

int
docroot_start(unsigned int load)
{
	size_t i, n = 0;

	/*
	 * Roots of other loads are a configuration the master still keeps
	 * for an older generation: never this worker's to serve, so their
	 * directories are not held open for its whole life (a deleted
	 * release would stay pinned, a file system busy).
	 */
	for (i = 0; i < dr.n; i++)
		if (dr.roots[i].dr_load == load) {
			dr.roots[n++] = dr.roots[i];
		} else {
			(void)close(dr.roots[i].dr_fd);
			free(dr.roots[i].dr_path);
		}
	dr.n = n;
	if (dr.n == 0)
		return (-1);
	if ((dr.ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1) {
		log_warn("document roots: inotify_init1() failed; following "
		    "a swapped root within a second");
		return (-1);
	}
	return (0);
}

void
docroot_ready(void)
{
	/*
	 * Swapped since the master opened it (a respawned worker)?  Looked
	 * at as the workers' user, as every later look is: a root only
	 * root can reach stays as opened in every worker alike.
	 */
	if (dr.ino != -1)
		docroot_follow();
	else if (dr.n > 0)
		(void)docroot_check();
}

int
docroot_watch_fd(void)
{
	return (dr.ino);
}

void
docroot_stop(void)
{
	size_t i;

	for (i = 0; i < dr.nnames; i++)
		free(dr.names[i].dn_name);
	free(dr.names);
	dr.names = NULL;
	dr.nnames = dr.capnames = 0;
	if (dr.ino != -1)
		(void)close(dr.ino);
	dr.ino = -1;
}

/* A name on the way to a root: is it one of ours? */
static int
docroot_watched(int wd, const char *name)
{
	size_t i;

	for (i = 0; i < dr.nnames; i++)
		if (dr.names[i].dn_wd == wd && (name == NULL ||
		    strcmp(dr.names[i].dn_name, name) == 0))
			return (1);
	return (0);
}

void
docroot_event(void)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct
	    inotify_event))));
	const struct inotify_event *ev;
	ssize_t n, off;
	int hit = 0;

	while ((n = read(dr.ino, buf, sizeof(buf))) > 0)
		for (off = 0; off < n; off += (ssize_t)sizeof(*ev) +
		    (ssize_t)ev->len) {
			ev = (const struct inotify_event *)(buf + off);
			if (ev->mask & IN_Q_OVERFLOW)
				hit = 1;
			else if (ev->mask & (IN_IGNORED | IN_DELETE_SELF |
			    IN_MOVE_SELF | IN_UNMOUNT)) {
				/* IN_IGNORED of our own rm_watch: not ours. */
				if (docroot_watched(ev->wd, NULL))
					hit = 1;
			} else if (ev->len > 0 &&
			    docroot_watched(ev->wd, ev->name))
				hit = 1;
		}
	if (n == -1 && errno != EAGAIN && errno != EINTR)
		log_warn("document roots: read(inotify) failed");
	if (hit)
		docroot_follow();
}

void
docroot_tick(uint64_t now_ms)
{
	if (dr.n == 0 || now_ms - dr.last_ms < DR_CHECK_MS)
		return;
	dr.last_ms = now_ms;
	if (docroot_check() && dr.ino != -1)
		docroot_follow();
}

/*
 * Watch the way as it is now, then look: a name that changed before its
 * watch was in place is seen by the look, any later change by a watch.
 * A look that moved a root has a new way to watch.
 */
static void
docroot_follow(void)
{
	int i;

	for (i = 0; i < 4; i++) {
		docroot_rewatch();
		if (!docroot_check())
			break;
	}
}

/*
 * Resolve each root's path again; reopen those that lead elsewhere.
 * Returns 1 when one moved (the file cache is emptied then).
 */
static int
docroot_check(void)
{
	struct dr_root *r;
	struct stat st;
	size_t i;
	int fd, rc, moved = 0;

	for (i = 0; i < dr.n; i++) {
		r = &dr.roots[i];
		if ((rc = stat(r->dr_path, &st)) == -1 ||
		    !S_ISDIR(st.st_mode)) {
			const char *why = rc == -1 ? strerror(errno) :
			    "not a directory";

			/* Mid-swap, or gone: keep serving what it was. */
			if (!r->dr_warned)
				log_info("root %s: %s; still serving the "
				    "directory it led to", r->dr_path, why);
			r->dr_warned = 1;
			continue;
		}
		r->dr_warned = 0;
		if (st.st_dev == r->dr_dev && st.st_ino == r->dr_ino)
			continue;
		if ((fd = open(r->dr_path, O_PATH | O_DIRECTORY |
		    O_CLOEXEC)) == -1 || fstat(fd, &st) == -1 ||
		    dup3(fd, r->dr_fd, O_CLOEXEC) == -1) {
			log_warn("root %s: cannot follow it", r->dr_path);
			if (fd != -1)
				(void)close(fd);
			continue;
		}
		(void)close(fd);
		r->dr_dev = st.st_dev;
		r->dr_ino = st.st_ino;
		moved = 1;
		log_info("root %s: now serving the directory it leads to",
		    r->dr_path);
	}
	if (moved)
		fc_flush();
	return (moved);
}

/* Watch the names on the way to every root; drop the watches left over. */
static void
docroot_rewatch(void)
{
	struct dr_name *old = dr.names;
	size_t nold = dr.nnames, i, j;

	dr.names = NULL;
	dr.nnames = dr.capnames = 0;
	for (i = 0; i < dr.n; i++)
		docroot_walk(dr.roots[i].dr_path);
	for (i = 0; i < nold; i++) {
		int wd = old[i].dn_wd;

		free(old[i].dn_name);
		if (docroot_watched(wd, NULL))
			continue;
		for (j = 0; j < i; j++)
			if (old[j].dn_wd == wd)
				break;
		if (j == i)	/* once per directory */
			(void)inotify_rm_watch(dr.ino, wd);
	}
	free(old);
}

static void
docroot_name(const char *dir, const char *name, size_t len)
{
	struct dr_name *dn;
	int wd;

	if ((wd = inotify_add_watch(dr.ino, dir, DR_MASK)) == -1)
		return;		/* the check once a second still sees it */
	if (dr.nnames == dr.capnames) {
		size_t cap = dr.capnames == 0 ? 16 : dr.capnames * 2;

		if ((dn = reallocarray(dr.names, cap, sizeof(*dn))) == NULL)
			return;
		dr.names = dn;
		dr.capnames = cap;
	}
	dn = &dr.names[dr.nnames];
	if ((dn->dn_name = strndup(name, len)) == NULL)
		return;
	dn->dn_wd = wd;
	dr.nnames++;
}

/*
 * Walk path as the kernel would, one name at a time, watching each name
 * in the directory that holds it and going through symlinks.  cur is
 * always a path without symlinks, so ".." is its parent.
 */
static void
docroot_walk(const char *path)
{
	char cur[PATH_MAX], rest[PATH_MAX], next[PATH_MAX], link[PATH_MAX];
	const char *p, *e;
	struct stat st;
	size_t clen = 0, n;
	ssize_t l;
	int links = 0;

	cur[0] = '\0';
	if ((size_t)snprintf(rest, sizeof(rest), "%s", path) >= sizeof(rest))
		return;
	p = rest;
	for (;;) {
		while (*p == '/')
			p++;
		if (*p == '\0')
			return;
		e = strchr(p, '/');
		n = e != NULL ? (size_t)(e - p) : strlen(p);
		if (n == 1 && p[0] == '.') {
			p += n;
			continue;
		}
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			while (clen > 0 && cur[--clen] != '/')
				;
			cur[clen] = '\0';
			p += n;
			continue;
		}
		docroot_name(clen > 0 ? cur : "/", p, n);
		if (clen + 1 + n >= sizeof(cur))
			return;
		cur[clen] = '/';
		memcpy(cur + clen + 1, p, n);
		cur[clen + 1 + n] = '\0';
		p += n;
		if (lstat(cur, &st) == -1)
			return;		/* its creation is watched */
		if (!S_ISLNK(st.st_mode)) {
			if (!S_ISDIR(st.st_mode))
				return;
			clen += 1 + n;
			continue;
		}
		if (++links > DR_LINKS_MAX ||
		    (l = readlink(cur, link, sizeof(link) - 1)) <= 0)
			return;
		link[l] = '\0';
		cur[clen] = '\0';
		if (link[0] == '/') {
			clen = 0;
			cur[0] = '\0';
		}
		/* The link's target, then what was left of the path. */
		if ((size_t)snprintf(next, sizeof(next), "%s/%s", link, p) >=
		    sizeof(next))
			return;
		memcpy(rest, next, strlen(next) + 1);
		p = rest;
	}
}
