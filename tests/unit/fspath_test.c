/*
 * fs_open_beneath(): every case runs twice, through openat2(2) and through
 * the user-space walk, with the same expectations.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <atf-c.h>

#include "proto/http/fspath.h"

#define NOBODY	65534

static const char *const sym_names[] = { "INSIDE", "OFF", "ON" };

static void	run(void (*)(int), int);
static void	fixture(void);
static void	mkfile(const char *, const char *, mode_t);
static void	mklink(const char *, const char *);
static int	fd_count(void);
static int	try_open(int, const char *, int, enum fs_symlinks, char *,
		    size_t);
static void	expect(int, const char *, int, enum fs_symlinks, int,
		    const char *);
static void	expect3(int, const char *, int, const char *);
static int	child_expect(int, const char *, int, enum fs_symlinks, int);
static int	child_checks(int);
static void	t_all(int);

/* Each case as a pair: beneath_openat2__x and beneath_walk__x. */
#define BENEATH_TC(name)						\
	static void t_##name(int);					\
	ATF_TC_WITHOUT_HEAD(beneath_openat2__##name);			\
	ATF_TC_BODY(beneath_openat2__##name, tc)			\
	{								\
		run(t_##name, 0);					\
	}								\
	ATF_TC_WITHOUT_HEAD(beneath_walk__##name);			\
	ATF_TC_BODY(beneath_walk__##name, tc)				\
	{								\
		run(t_##name, 1);					\
	}
#define BENEATH_ADD(tp, name) do {					\
	ATF_TP_ADD_TC(tp, beneath_openat2__##name);			\
	ATF_TP_ADD_TC(tp, beneath_walk__##name);			\
} while (0)

/*
 * The tree, in each case's work directory:
 *	root/			the site
 *	outside/secret		what no INSIDE open may ever return
 */
static void
fixture(void)
{
	char a[32], b[32];
	int i;

	ATF_REQUIRE(mkdir("root", 0755) == 0);
	ATF_REQUIRE(mkdir("outside", 0755) == 0);
	mkfile("outside/secret", "SECRET", 0644);
	mkfile("root/file", "file", 0644);
	ATF_REQUIRE(mkdir("root/dir", 0755) == 0);
	ATF_REQUIRE(mkdir("root/dir/sub", 0755) == 0);
	mkfile("root/dir/sub/file", "sub", 0644);
	mklink("file", "root/lnk_file");
	mklink("dir/sub", "root/lnk_dir");
	mklink("../file", "root/dir/lnk_up");
	mklink("..", "root/dir/lnk_parent");
	mklink(".", "root/lnk_dot");
	mklink("../outside/secret", "root/esc");
	mklink("../../../../../../../../../../../../../../../../etc/passwd",
	    "root/esc_passwd");
	mklink("..", "root/lnk_above");
	mklink("/etc/passwd", "root/abs");
	mklink("../root/file", "root/back");
	mklink("loop2", "root/loop1");
	mklink("loop1", "root/loop2");
	/* chain0 -> chain1 -> ... -> chain40 -> file: 41 links. */
	for (i = 0; i <= 40; i++) {
		snprintf(a, sizeof(a), "chain%d", i + 1);
		snprintf(b, sizeof(b), "root/chain%d", i);
		mklink(i == 40 ? "file" : a, b);
	}
}

static void
mkfile(const char *path, const char *text, mode_t mode)
{
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	ATF_REQUIRE_MSG(fd != -1, "%s: %m", path);
	ATF_REQUIRE(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	ATF_REQUIRE(fchmod(fd, mode) == 0);
	ATF_REQUIRE(close(fd) == 0);
}

static void
mklink(const char *target, const char *path)
{
	ATF_REQUIRE_MSG(symlink(target, path) == 0, "%s: %m", path);
}

static int
fd_count(void)
{
	DIR *d;
	int n = 0;

	ATF_REQUIRE((d = opendir("/proc/self/fd")) != NULL);
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return (n);
}

/* Set the mode up, build the tree, run the case, check no fd leaked. */
static void
run(void (*fn)(int), int walk)
{
	int rootfd, before;

	if (!walk && !fs_have_openat2())
		atf_tc_skip("openat2(2) with RESOLVE_BENEATH unavailable");
	fs_force_fallback(walk);
	fixture();
	rootfd = open("root", O_PATH | O_DIRECTORY | O_CLOEXEC);
	ATF_REQUIRE_MSG(rootfd != -1, "root: %m");
	before = fd_count();
	fn(rootfd);
	ATF_CHECK_EQ_MSG(fd_count(), before, "descriptors leaked");
	close(rootfd);
}

/*
 * Open and read what the file holds into text: 0, or an errno.  "(dir)"
 * for a directory, "(link)" for a symlink opened itself.
 */
static int
try_open(int rootfd, const char *path, int oflags, enum fs_symlinks sym,
    char *text, size_t textsz)
{
	struct stat st;
	ssize_t n;
	int fd, flags;

	text[0] = '\0';
	errno = 0;
	if ((fd = fs_open_beneath(rootfd, path, oflags, sym)) == -1)
		return (errno == 0 ? -1 : errno);
	flags = fcntl(fd, F_GETFD);
	if (fstat(fd, &st) == -1 || flags == -1 || !(flags & FD_CLOEXEC)) {
		close(fd);
		return (-1);
	}
	if (S_ISDIR(st.st_mode))
		strlcpy(text, "(dir)", textsz);
	else if (S_ISLNK(st.st_mode))
		strlcpy(text, "(link)", textsz);
	else if (!(oflags & O_PATH)) {
		if ((n = read(fd, text, textsz - 1)) < 0)
			n = 0;
		text[n] = '\0';
	}
	close(fd);
	return (0);
}

/* want: an errno, or 0 and the text (NULL: any). */
static void
expect(int rootfd, const char *path, int oflags, enum fs_symlinks sym,
    int want, const char *wtext)
{
	char text[64];
	int got;

	got = try_open(rootfd, path, oflags, sym, text, sizeof(text));
	if (want != 0)
		ATF_CHECK_MSG(got == want, "%s %s: got %s, want %s",
		    sym_names[sym], path, got == 0 ? text : strerror(got),
		    strerror(want));
	else
		ATF_CHECK_MSG(got == 0 && (wtext == NULL ||
		    strcmp(text, wtext) == 0), "%s %s: got %s, want \"%s\"",
		    sym_names[sym], path, got == 0 ? text : strerror(got),
		    wtext == NULL ? "(any)" : wtext);
}

/* The same text under INSIDE and ON, ELOOP under OFF: a link inside. */
static void
expect3(int rootfd, const char *path, int oflags, const char *text)
{
	expect(rootfd, path, oflags, FS_SYMLINKS_INSIDE, 0, text);
	expect(rootfd, path, oflags, FS_SYMLINKS_OFF, ELOOP, NULL);
	expect(rootfd, path, oflags, FS_SYMLINKS_ON, 0, text);
}

BENEATH_TC(regular_file)
static void
t_regular_file(int rootfd)
{
	enum fs_symlinks s;

	for (s = FS_SYMLINKS_INSIDE; s <= FS_SYMLINKS_ON; s++) {
		expect(rootfd, "/file", O_RDONLY, s, 0, "file");
		expect(rootfd, "/file", O_RDONLY | O_NONBLOCK, s, 0, "file");
		expect(rootfd, "/file", O_PATH, s, 0, "");
		expect(rootfd, "/file/", O_RDONLY, s, ENOTDIR, NULL);
		expect(rootfd, "/file", O_CREAT | O_RDWR, s, EINVAL, NULL);
	}
}

BENEATH_TC(nested_dir)
static void
t_nested_dir(int rootfd)
{
	enum fs_symlinks s;

	for (s = FS_SYMLINKS_INSIDE; s <= FS_SYMLINKS_ON; s++) {
		expect(rootfd, "/dir/sub/file", O_RDONLY, s, 0, "sub");
		expect(rootfd, "/dir", O_RDONLY | O_DIRECTORY, s, 0, "(dir)");
		expect(rootfd, "/dir/sub/", O_RDONLY, s, 0, "(dir)");
		expect(rootfd, "/dir/sub", O_PATH | O_DIRECTORY, s, 0,
		    "(dir)");
	}
}

BENEATH_TC(root_itself)
static void
t_root_itself(int rootfd)
{
	struct stat st, rst;
	enum fs_symlinks s;
	int fd;

	ATF_REQUIRE(fstat(rootfd, &rst) == 0);
	for (s = FS_SYMLINKS_INSIDE; s <= FS_SYMLINKS_ON; s++) {
		fd = fs_open_beneath(rootfd, "/", O_RDONLY | O_DIRECTORY, s);
		ATF_REQUIRE_MSG(fd != -1, "%s /: %m", sym_names[s]);
		ATF_CHECK(fstat(fd, &st) == 0 && st.st_ino == rst.st_ino &&
		    st.st_dev == rst.st_dev);
		close(fd);
	}
}

BENEATH_TC(missing)
static void
t_missing(int rootfd)
{
	enum fs_symlinks s;

	for (s = FS_SYMLINKS_INSIDE; s <= FS_SYMLINKS_ON; s++) {
		expect(rootfd, "/nope", O_RDONLY, s, ENOENT, NULL);
		expect(rootfd, "/dir/nope/file", O_RDONLY, s, ENOENT, NULL);
		expect(rootfd, "/dir/sub/nope", O_RDONLY, s, ENOENT, NULL);
	}
}

BENEATH_TC(file_as_dir)
static void
t_file_as_dir(int rootfd)
{
	enum fs_symlinks s;

	for (s = FS_SYMLINKS_INSIDE; s <= FS_SYMLINKS_ON; s++) {
		expect(rootfd, "/file/x", O_RDONLY, s, ENOTDIR, NULL);
		expect(rootfd, "/dir/sub/file/x/y", O_RDONLY, s, ENOTDIR,
		    NULL);
		expect(rootfd, "/file", O_RDONLY | O_DIRECTORY, s, ENOTDIR,
		    NULL);
	}
}

BENEATH_TC(symlink_inside)
static void
t_symlink_inside(int rootfd)
{
	expect3(rootfd, "/lnk_file", O_RDONLY, "file");
	expect3(rootfd, "/lnk_dir/file", O_RDONLY, "sub");
	expect3(rootfd, "/lnk_dir", O_RDONLY | O_DIRECTORY, "(dir)");
	expect3(rootfd, "/lnk_dir/", O_RDONLY, "(dir)");
	expect3(rootfd, "/dir/lnk_up", O_RDONLY, "file");
	expect3(rootfd, "/dir/lnk_parent/file", O_RDONLY, "file");
	expect3(rootfd, "/dir/lnk_parent", O_RDONLY, "(dir)");
	expect3(rootfd, "/lnk_dot/lnk_dot/dir/sub/file", O_RDONLY, "sub");
	expect3(rootfd, "/lnk_file", O_PATH, "");
	/* O_PATH|O_NOFOLLOW: the link itself, under every policy. */
	expect(rootfd, "/lnk_file", O_PATH | O_NOFOLLOW,
	    FS_SYMLINKS_INSIDE, 0, "(link)");
	expect(rootfd, "/lnk_file", O_PATH | O_NOFOLLOW,
	    FS_SYMLINKS_OFF, 0, "(link)");
	expect(rootfd, "/lnk_file", O_RDONLY | O_NOFOLLOW,
	    FS_SYMLINKS_INSIDE, ELOOP, NULL);
	/* A trailing '/' follows the link all the same, as in open(2). */
	expect(rootfd, "/lnk_dir/", O_RDONLY | O_NOFOLLOW,
	    FS_SYMLINKS_INSIDE, 0, "(dir)");
	expect(rootfd, "/lnk_file/", O_RDONLY, FS_SYMLINKS_INSIDE,
	    ENOTDIR, NULL);
}

BENEATH_TC(symlink_escape)
static void
t_symlink_escape(int rootfd)
{
	expect(rootfd, "/esc_passwd", O_RDONLY, FS_SYMLINKS_INSIDE, EXDEV,
	    NULL);
	expect(rootfd, "/esc_passwd", O_RDONLY, FS_SYMLINKS_OFF, ELOOP,
	    NULL);
	expect(rootfd, "/esc_passwd", O_RDONLY, FS_SYMLINKS_ON, 0, NULL);
	expect(rootfd, "/esc", O_RDONLY, FS_SYMLINKS_INSIDE, EXDEV, NULL);
	expect(rootfd, "/esc", O_RDONLY, FS_SYMLINKS_OFF, ELOOP, NULL);
	expect(rootfd, "/esc", O_RDONLY, FS_SYMLINKS_ON, 0, "SECRET");
	/* A link to the root's parent, then down into outside/. */
	expect(rootfd, "/lnk_above/outside/secret", O_RDONLY,
	    FS_SYMLINKS_INSIDE, EXDEV, NULL);
	expect(rootfd, "/lnk_above/outside/secret", O_RDONLY,
	    FS_SYMLINKS_ON, 0, "SECRET");
	expect(rootfd, "/dir/lnk_parent/lnk_above/outside/secret", O_RDONLY,
	    FS_SYMLINKS_INSIDE, EXDEV, NULL);
}

BENEATH_TC(symlink_absolute)
static void
t_symlink_absolute(int rootfd)
{
	expect(rootfd, "/abs", O_RDONLY, FS_SYMLINKS_INSIDE, EXDEV, NULL);
	expect(rootfd, "/abs", O_RDONLY, FS_SYMLINKS_OFF, ELOOP, NULL);
	expect(rootfd, "/abs", O_RDONLY, FS_SYMLINKS_ON, 0, NULL);
}

BENEATH_TC(symlink_loop)
static void
t_symlink_loop(int rootfd)
{
	enum fs_symlinks s;

	for (s = FS_SYMLINKS_INSIDE; s <= FS_SYMLINKS_ON; s++) {
		expect(rootfd, "/loop1", O_RDONLY, s, ELOOP, NULL);
		expect(rootfd, "/loop1/file", O_RDONLY, s, ELOOP, NULL);
	}
}

BENEATH_TC(symlink_chain)
static void
t_symlink_chain(int rootfd)
{
	enum fs_symlinks s;

	/* 40 links is the kernel's limit; the 41st is one too many. */
	for (s = FS_SYMLINKS_INSIDE; s <= FS_SYMLINKS_ON; s++)
		expect(rootfd, "/chain0", O_RDONLY, s, ELOOP, NULL);
	expect3(rootfd, "/chain1", O_RDONLY, "file");
}

/*
 * "../root/file" names a file inside, but only by way of the root's
 * parent: refused under INSIDE, as RESOLVE_BENEATH refuses any ".." out of
 * the root whatever follows it (the walk could not tell that "root" up
 * there is still our root).
 */
BENEATH_TC(symlink_out_and_back)
static void
t_symlink_out_and_back(int rootfd)
{
	expect(rootfd, "/back", O_RDONLY, FS_SYMLINKS_INSIDE, EXDEV, NULL);
	expect(rootfd, "/back", O_RDONLY, FS_SYMLINKS_OFF, ELOOP, NULL);
	expect(rootfd, "/back", O_RDONLY, FS_SYMLINKS_ON, 0, "file");
}

/* The same in a child without privileges: fprintf, not ATF. */
static int
child_expect(int rootfd, const char *path, int oflags, enum fs_symlinks sym,
    int want)
{
	char text[64];
	int got;

	got = try_open(rootfd, path, oflags, sym, text, sizeof(text));
	if (got == want)
		return (0);
	fprintf(stderr, "%s %s: got %s, want %s\n", sym_names[sym], path,
	    got == 0 ? text : strerror(got),
	    want == 0 ? "success" : strerror(want));
	return (1);
}

/* Returns the number of failures. */
static int
child_checks(int rootfd)
{
	enum fs_symlinks s;
	int bad = 0;

	for (s = FS_SYMLINKS_INSIDE; s <= FS_SYMLINKS_ON; s++) {
		bad += child_expect(rootfd, "/file", O_RDONLY, s, 0);
		bad += child_expect(rootfd, "/secret", O_RDONLY, s, EACCES);
		bad += child_expect(rootfd, "/noexec/f", O_RDONLY, s, EACCES);
		bad += child_expect(rootfd, "/noexec", O_RDONLY | O_DIRECTORY,
		    s, EACCES);
	}
	bad += child_expect(rootfd, "/lnk_secret", O_RDONLY,
	    FS_SYMLINKS_INSIDE, EACCES);
	return (bad);
}

BENEATH_TC(unreadable)
static void
t_unreadable(int rootfd)
{
	pid_t pid;
	int fd, status;

	mkfile("root/secret", "x", 0600);
	ATF_REQUIRE(mkdir("root/noexec", 0700) == 0);
	mkfile("root/noexec/f", "f", 0644);
	mklink("secret", "root/lnk_secret");
	if (geteuid() != 0) {
		/* Not root: mode 0 refuses even the owner, without caps. */
		ATF_REQUIRE(chmod("root/secret", 0) == 0);
		ATF_REQUIRE(chmod("root/noexec", 0) == 0);
		fd = fs_open_beneath(rootfd, "/secret", O_RDONLY,
		    FS_SYMLINKS_INSIDE);
		if (fd != -1)
			close(fd);
		else
			ATF_CHECK_EQ(child_checks(rootfd), 0);
		/* So that the work directory can be removed. */
		ATF_REQUIRE(chmod("root/noexec", 0700) == 0);
		if (fd != -1)
			atf_tc_skip("not root, and mode 0 does not stop us "
			    "(capabilities?): cannot make an unreadable file");
		return;
	}
	/* Not atf_utils_fork(): atf_utils_wait() leaks two descriptors. */
	ATF_REQUIRE((pid = fork()) != -1);
	if (pid == 0) {
		if (setgroups(0, NULL) == -1 || setgid(NOBODY) == -1 ||
		    setuid(NOBODY) == -1) {
			fprintf(stderr, "dropping to %d: %s\n", NOBODY,
			    strerror(errno));
			_exit(1);
		}
		_exit(child_checks(rootfd) == 0 ? 0 : 1);
	}
	ATF_REQUIRE(waitpid(pid, &status, 0) == pid);
	ATF_CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "uid %d: wrong answers, see stderr", NOBODY);
}

/*
 * A renamer moves root/d1/d2 out of the root and back, and swaps root/sw
 * between a link inside and one out, while we open through both: INSIDE
 * may find the file or fail, never open outside.  A walk that asked the
 * kernel for ".." would follow "../../inside" from d2/d3 while d2 sits in
 * outside/, and find outside/inside instead of root/d1/inside.
 */
BENEATH_TC(rename_race)
static void
t_rename_race(int rootfd)
{
	struct timespec t0, t;
	char text[64];
	int i, got, inside = 0, bad = 0;
	pid_t pid, parent;

	ATF_REQUIRE(mkdir("root/d1", 0755) == 0);
	ATF_REQUIRE(mkdir("root/d1/d2", 0755) == 0);
	ATF_REQUIRE(mkdir("root/d1/d2/d3", 0755) == 0);
	mklink("../../inside", "root/d1/d2/d3/lnk");
	mkfile("root/d1/inside", "INSIDE", 0644);
	mkfile("root/inside", "INSIDE", 0644);
	mkfile("outside/inside", "OUTSIDE", 0644);
	mklink("inside", "root/sw");
	mklink("inside", "root/sw_in");
	mklink("../outside/inside", "root/sw_out");

	parent = getpid();
	if ((pid = fork()) == 0) {
		/* Should the parent die on a failed REQUIRE, stop too. */
		while (getppid() == parent) {
			rename("root/d1/d2", "outside/d2");
			rename("root/sw_out", "root/sw");
			symlink("../outside/inside", "root/sw_out");
			rename("outside/d2", "root/d1/d2");
			rename("root/sw_in", "root/sw");
			symlink("inside", "root/sw_in");
		}
		_exit(0);
	}
	ATF_REQUIRE(pid != -1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; ; i++) {
		got = try_open(rootfd, i % 2 ? "/sw" : "/d1/d2/d3/lnk",
		    O_RDONLY, FS_SYMLINKS_INSIDE, text, sizeof(text));
		if (got == 0 && strcmp(text, "INSIDE") == 0)
			inside++;
		else if (got != ENOENT && got != EXDEV) {
			bad++;
			fprintf(stderr, "%d: %s\n", i,
			    got == 0 ? text : strerror(got));
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec >= 2 && i >= 1000)
			break;
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	ATF_CHECK_EQ_MSG(bad, 0, "%d of %d opens wrong", bad, i + 1);
	ATF_CHECK_MSG(inside > 0, "no open of %d succeeded", i + 1);
}

/* Every case of one mode in a row: the descriptor count stays put. */
static void
t_all(int rootfd)
{
	t_regular_file(rootfd);
	t_nested_dir(rootfd);
	t_root_itself(rootfd);
	t_missing(rootfd);
	t_file_as_dir(rootfd);
	t_symlink_inside(rootfd);
	t_symlink_escape(rootfd);
	t_symlink_absolute(rootfd);
	t_symlink_loop(rootfd);
	t_symlink_chain(rootfd);
	t_symlink_out_and_back(rootfd);
}
BENEATH_TC(no_fd_leak)
static void
t_no_fd_leak(int rootfd)
{
	int before, i;

	before = fd_count();
	for (i = 0; i < 3; i++)
		t_all(rootfd);
	ATF_CHECK_EQ(fd_count(), before);
}

/* The walk holds one descriptor per level: bounded, unlike openat2. */
ATF_TC_WITHOUT_HEAD(beneath_walk__depth_limit);
ATF_TC_BODY(beneath_walk__depth_limit, tc)
{
	char path[4 * FS_DEPTH_MAX + 16];
	int rootfd, fd, i;

	fs_force_fallback(1);
	ATF_REQUIRE(mkdir("root", 0755) == 0);
	strlcpy(path, "root", sizeof(path));
	for (i = 0; i <= FS_DEPTH_MAX; i++) {
		strlcat(path, "/d", sizeof(path));
		ATF_REQUIRE(mkdir(path, 0755) == 0);
	}
	rootfd = open("root", O_PATH | O_DIRECTORY | O_CLOEXEC);
	ATF_REQUIRE(rootfd != -1);
	/* FS_DEPTH_MAX directories, then the last one's name. */
	path[0] = '\0';
	for (i = 0; i <= FS_DEPTH_MAX; i++)
		strlcat(path, "/d", sizeof(path));
	fd = fs_open_beneath(rootfd, path, O_RDONLY, FS_SYMLINKS_INSIDE);
	ATF_CHECK_MSG(fd != -1, "depth %d: %m", FS_DEPTH_MAX);
	close(fd);
	strlcat(path, "/x", sizeof(path));
	fd = fs_open_beneath(rootfd, path, O_RDONLY, FS_SYMLINKS_INSIDE);
	ATF_CHECK_ERRNO(ENAMETOOLONG, fd == -1);
	close(rootfd);
}

ATF_TP_ADD_TCS(tp)
{
	BENEATH_ADD(tp, regular_file);
	BENEATH_ADD(tp, nested_dir);
	BENEATH_ADD(tp, root_itself);
	BENEATH_ADD(tp, missing);
	BENEATH_ADD(tp, file_as_dir);
	BENEATH_ADD(tp, symlink_inside);
	BENEATH_ADD(tp, symlink_escape);
	BENEATH_ADD(tp, symlink_absolute);
	BENEATH_ADD(tp, symlink_loop);
	BENEATH_ADD(tp, symlink_chain);
	BENEATH_ADD(tp, symlink_out_and_back);
	BENEATH_ADD(tp, unreadable);
	BENEATH_ADD(tp, rename_race);
	BENEATH_ADD(tp, no_fd_leak);
	ATF_TP_ADD_TC(tp, beneath_walk__depth_limit);
	return (atf_no_error());
}
