/*
 * Opening a request path beneath a site's root directory without ever
 * leaving it, whatever symlinks or concurrent renames the tree holds.
 */
#ifndef TM_HTTP_FSPATH_H
#define TM_HTTP_FSPATH_H

enum fs_symlinks {
	FS_SYMLINKS_INSIDE = 0,	/* default: links that stay beneath the root */
	FS_SYMLINKS_OFF,	/* refuse any symlink in the path */
	FS_SYMLINKS_ON		/* follow anything (nginx's default) */
};

#define FS_DEPTH_MAX	64	/* directories deep, fallback walk only */

/*
 * Open path beneath the directory rootfd.  path is normalised
 * (http_path_normalize()): it starts with '/', has no "." or ".." segment
 * and no "//"; "/" is the root itself, a trailing '/' asks for a directory.
 * oflags: O_RDONLY, O_DIRECTORY, O_NONBLOCK, O_PATH...; O_CLOEXEC and
 * O_NOCTTY are always added; O_CREAT and O_TMPFILE are refused (EINVAL).
 *
 * Under FS_SYMLINKS_INSIDE a link is followed only while its target stays
 * beneath the root: an absolute target, or a ".." past the root, is refused
 * even when the rest of the target leads back in ("../root/file"), as
 * openat2(RESOLVE_BENEATH) does.  The lookup uses openat2(2) where it
 * works, else an equivalent walk in user space (FS_DEPTH_MAX deep).
 *
 * Returns a descriptor, or -1 with errno, for the caller's status (nginx's
 * mapping):
 *	ENOENT, ENOTDIR, ENAMETOOLONG	no such file: 404
 *	EXDEV	resolves outside the root: 404, which tells nothing of what
 *		lies outside, as if the name did not exist in the site
 *	EACCES, EPERM	permission: 403
 *	ELOOP	a symlink refused by the policy, or more than 40 links: 403
 *		(nginx's disable_symlinks answers 403)
 *	other	as the kernel gives it (EMFILE, EIO, ...): 500
 */
int	fs_open_beneath(int rootfd, const char *path, int oflags,
	    enum fs_symlinks);

/* 1 when openat2(2) with RESOLVE_BENEATH works here (probed once), else 0. */
int	fs_have_openat2(void);

/* Tests: 1 forces the user-space walk even where openat2(2) works. */
void	fs_force_fallback(int);

#endif /* TM_HTTP_FSPATH_H */
