/*
 * Opening beneath a root: openat2(RESOLVE_BENEATH) where the kernel has it
 * (Linux 5.6), else a walk in user space that keeps the same promise.
 *
 * The walk never hands the kernel a path it could resolve on its own: each
 * component is opened with O_NOFOLLOW relative to the directory before it,
 * symlinks are read and spliced into the rest of the path here, and ".."
 * returns to a descriptor we already hold instead of asking the kernel for
 * the parent (a directory renamed meanwhile could have a new parent outside
 * the root).  So a concurrent rename or symlink swap can change which file
 * inside the root we open, or make the open fail, but never lead out.
 */
#include <sys/stat.h>
#include <sys/syscall.h>

#include <linux/openat2.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "proto/http/fspath.h"

#define FS_LINKS_MAX	40	/* the kernel's MAXSYMLINKS */
#define FS_EAGAIN_MAX	8	/* openat2 retries before the walk */
/* openat2 refuses O_PATH with flags openat would silently drop. */
#define FS_PATH_FLAGS	(O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

static int	fs_openat2(int, const char *, int, enum fs_symlinks);
static int	fs_walk(int, const char *, int, enum fs_symlinks);

/* -1: not probed yet.  Relaxed: every probe finds the same answer. */
static atomic_int fs_openat2_ok = -1;
static atomic_int fs_fallback_forced;

int
fs_open_beneath(int rootfd, const char *path, int oflags,
    enum fs_symlinks sym)
{
	const char *rel;
	int fd;

	if ((oflags & O_CREAT) || (oflags & O_TMPFILE) == O_TMPFILE) {
		errno = EINVAL;
		return (-1);
	}
	oflags |= O_CLOEXEC | O_NOCTTY;
	if (oflags & O_PATH)
		oflags &= FS_PATH_FLAGS;
	/* Relative to the root; "/" is the root itself. */
	for (rel = path; *rel == '/'; rel++)
		;
	if (*rel == '\0')
		rel = ".";

	switch (sym) {
	case FS_SYMLINKS_ON:
		return (openat(rootfd, rel, oflags));
	case FS_SYMLINKS_INSIDE:
	case FS_SYMLINKS_OFF:
		if (!atomic_load_explicit(&fs_fallback_forced,
		    memory_order_relaxed) && fs_have_openat2()) {
			fd = fs_openat2(rootfd, rel, oflags, sym);
			/* Still racing with renames: the walk cannot be. */
			if (fd != -1 || errno != EAGAIN)
				return (fd);
		}
		return (fs_walk(rootfd, path, oflags, sym));
	}
	errno = EINVAL;
	return (-1);
}

int
fs_have_openat2(void)
{
	struct open_how how;
	int fd, ok;

	ok = atomic_load_explicit(&fs_openat2_ok, memory_order_relaxed);
	if (ok != -1)
		return (ok);
	memset(&how, 0, sizeof(how));
	how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS |
	    RESOLVE_NO_SYMLINKS;
	fd = syscall(SYS_openat2, AT_FDCWD, ".", &how, sizeof(how));
	if (fd != -1) {
		close(fd);
		ok = 1;
	} else if (errno == ENOSYS || errno == E2BIG || errno == EINVAL ||
	    errno == EPERM) {
		/* Old kernel, or a seccomp filter that denies the call. */
		ok = 0;
	} else {
		/* EMFILE and the like say nothing: probe again next time. */
		return (0);
	}
	atomic_store_explicit(&fs_openat2_ok, ok, memory_order_relaxed);
	return (ok);
}

void
fs_force_fallback(int on)
{
	atomic_store_explicit(&fs_fallback_forced, on != 0,
	    memory_order_relaxed);
}

static int
fs_openat2(int rootfd, const char *rel, int oflags, enum fs_symlinks sym)
{
	struct open_how how;
	int fd, i;

	memset(&how, 0, sizeof(how));
	how.flags = oflags;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
	if (sym == FS_SYMLINKS_OFF)
		how.resolve |= RESOLVE_NO_SYMLINKS;
	/* EAGAIN: a rename raced with a ".." in a link's target. */
	for (i = 0; i < FS_EAGAIN_MAX; i++) {
		fd = syscall(SYS_openat2, rootfd, rel, &how, sizeof(how));
		if (fd != -1 || errno != EAGAIN)
			break;
	}
	return (fd);
}

/*
 * The user-space resolution.  The part of the path still to walk sits at
 * the end of buf, so a symlink's target can be read into the free space
 * before it and moved up against it: no copy of the rest, no allocation.
 */
static int
fs_walk(int rootfd, const char *path, int oflags, enum fs_symlinks sym)
{
	char buf[PATH_MAX], name[NAME_MAX + 1];
	int fds[FS_DEPTH_MAX + 1];	/* [0] is rootfd, borrowed */
	struct stat st;
	size_t len, p, n;
	ssize_t tl;
	int depth = 0, links = 0, fd = -1, saved, final;

	if ((len = strlen(path)) >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	p = sizeof(buf) - 1 - len;
	memcpy(buf + p, path, len + 1);
	fds[0] = rootfd;

	for (;;) {
		while (buf[p] == '/')
			p++;
		if (buf[p] == '\0') {
			/* "/", or a target ending in "." or "..". */
			fd = openat(fds[depth], ".", oflags);
			break;
		}
		if ((n = strcspn(buf + p, "/")) > NAME_MAX) {
			errno = ENAMETOOLONG;
			break;
		}
		memcpy(name, buf + p, n);
		name[n] = '\0';
		p += n;
		if (strcmp(name, ".") == 0)
			continue;
		if (strcmp(name, "..") == 0) {
			if (depth == 0) {
				errno = EXDEV;
				break;
			}
			close(fds[depth--]);
			continue;
		}

		final = buf[p + strspn(buf + p, "/")] == '\0';
		if (!final) {
			if (depth == FS_DEPTH_MAX) {
				errno = ENAMETOOLONG;
				break;
			}
			fd = openat(fds[depth], name,
			    O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (fd != -1) {
				fds[++depth] = fd;
				fd = -1;
				continue;
			}
		} else {
			/* A trailing '/' asks for a directory (open(2)). */
			fd = openat(fds[depth], name, oflags | O_NOFOLLOW |
			    (buf[p] == '/' ? O_DIRECTORY : 0));
			if (fd != -1 && !(oflags & O_PATH))
				break;
			/* O_PATH|O_NOFOLLOW opens a link itself. */
			if (fd != -1) {
				if (fstat(fd, &st) == -1) {
					saved = errno;
					close(fd);
					fd = -1;
					errno = saved;
					break;
				}
				if (!S_ISLNK(st.st_mode) ||
				    (oflags & O_NOFOLLOW))
					break;
				close(fd);
				fd = -1;
				errno = ELOOP;
			}
		}

		/*
		 * O_NOFOLLOW on a link fails with ELOOP, O_DIRECTORY with
		 * ENOTDIR: only reading the link tells it from a file.
		 */
		if (errno != ELOOP && errno != ENOTDIR)
			break;
		saved = errno;
		if ((tl = readlinkat(fds[depth], name, buf, p)) == -1) {
			if (errno == EINVAL)	/* not a link */
				errno = saved;
			break;
		}
		/* The caller's O_NOFOLLOW, but a trailing '/' follows. */
		if (sym == FS_SYMLINKS_OFF ||
		    (final && buf[p] == '\0' && (oflags & O_NOFOLLOW)) ||
		    ++links > FS_LINKS_MAX) {
			errno = ELOOP;
			break;
		}
		if ((size_t)tl >= p) {		/* maybe truncated */
			errno = ENAMETOOLONG;
			break;
		}
		if (tl == 0) {
			errno = ENOENT;
			break;
		}
		if (buf[0] == '/') {
			errno = EXDEV;
			break;
		}
		memmove(buf + p - tl, buf, tl);
		p -= tl;
	}

	saved = errno;
	while (depth > 0)
		close(fds[depth--]);
	errno = saved;
	return (fd);
}
