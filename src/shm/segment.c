/*
 * Segment creation and attachment.
 */
#include <sys/types.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/clock.h"
#include "shm/report.h"
#include "shm/shm.h"

/* How long a reader waits for a master between the stores of a grow. */
#define SHM_GROW_WAIT_MS	100

static size_t	shm_size_for(uint32_t);
static int	shm_size_pair(const struct shm_header *, uint64_t *);
static int	shm_validate(const struct shm *, int *, uint32_t *,
		    uint64_t *);
static int	shm_remap(struct shm *, uint64_t, int *);
static int	proc_start_wall(pid_t, long long *, char *);
static ssize_t	proc_read(pid_t, const char *, char *, size_t);

static size_t
shm_size_for(uint32_t pool_slots)
{
	return (TM_SHM_HEADER_SPACE +
	    TM_MAX_LISTENERS * sizeof(struct shm_listener) +
	    TM_MAX_BLOCKS * sizeof(struct shm_block) +
	    TM_MAX_BLOCKS * sizeof(struct shm_wheel) +
	    (size_t)pool_slots * sizeof(struct shm_slot));
}

struct shm *
shm_prepare(const char *path, uint32_t pool_slots, mode_t mode)
{
	struct shm *s;
	struct shm_header *h;
	struct stat st;
	char *tmp = NULL;
	size_t size;
	int fd = -1, saved;
	void *p;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return (NULL);
	s->sm_fd = -1;
	if ((s->sm_path = strdup(path)) == NULL ||
	    asprintf(&tmp, "%s.%d.tmp", path, (int)getpid()) == -1) {
		tmp = NULL;
		goto fail;
	}
	size = shm_size_for(pool_slots);
	(void)unlink(tmp);
	fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    mode);
	if (fd == -1)
		goto fail;
	/* open() applied the umask: the mode is a promise to tamarinctl. */
	if (fchmod(fd, mode) == -1 || ftruncate(fd, (off_t)size) == -1)
		goto fail;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		goto fail;
	s->sm_base = p;
	s->sm_size = size;
	s->sm_fd = fd;
	s->sm_writable = 1;

	h = shm_header(s);
	h->sh_version = TM_SHM_VERSION;
	h->sh_header_size = sizeof(struct shm_header);
	h->sh_listener_size = sizeof(struct shm_listener);
	h->sh_block_size = sizeof(struct shm_block);
	h->sh_slot_size = sizeof(struct shm_slot);
	h->sh_wheel_size = sizeof(struct shm_wheel);
	h->sh_off_listeners = TM_SHM_HEADER_SPACE;
	h->sh_off_blocks = h->sh_off_listeners +
	    TM_MAX_LISTENERS * sizeof(struct shm_listener);
	h->sh_off_wheels = h->sh_off_blocks +
	    TM_MAX_BLOCKS * sizeof(struct shm_block);
	h->sh_off_slots = h->sh_off_wheels +
	    TM_MAX_BLOCKS * sizeof(struct shm_wheel);
	atomic_store_explicit(&h->sh_size, size, memory_order_relaxed);
	atomic_store_explicit(&h->sh_pool_slots, pool_slots,
	    memory_order_relaxed);
	atomic_store_explicit(&h->sh_master_pid, (int32_t)getpid(),
	    memory_order_relaxed);
	h->sh_start_wall = (uint64_t)clock_wall();
	h->sh_start_ms = clock_ms();
	/* A fresh file reads as zeros: every slot FREE, every block UNUSED. */

	if (fstat(fd, &st) == -1)
		goto fail;
	s->sm_dev = st.st_dev;
	s->sm_ino = st.st_ino;
	/* release: the whole layout is visible before the magic is. */
	atomic_store_explicit(&h->sh_magic, TM_SHM_MAGIC,
	    memory_order_release);
	s->sm_tmp = tmp;
	return (s);

fail:
	saved = errno;
	if (s->sm_base != NULL)
		munmap(s->sm_base, s->sm_size);
	if (fd != -1) {
		close(fd);
		(void)unlink(tmp);
	}
	free(tmp);
	free(s->sm_path);
	free(s);
	errno = saved;
	return (NULL);
}

int
shm_publish(struct shm *s)
{
	if (s->sm_tmp == NULL)
		return (0);
	if (rename(s->sm_tmp, s->sm_path) == -1)
		return (-1);
	free(s->sm_tmp);
	s->sm_tmp = NULL;
	return (0);
}

struct shm *
shm_create(const char *path, uint32_t pool_slots, mode_t mode)
{
	struct shm *s;
	int saved;

	if ((s = shm_prepare(path, pool_slots, mode)) == NULL)
		return (NULL);
	if (shm_publish(s) == -1) {
		saved = errno;
		shm_destroy(s);
		errno = saved;
		return (NULL);
	}
	return (s);
}

int
shm_grow(struct shm *s, uint32_t pool_slots)
{
	struct shm_header *h = shm_header(s);
	size_t size;
	void *p;

	if (pool_slots <= atomic_load_explicit(&h->sh_pool_slots,
	    memory_order_relaxed))
		return (0);
	size = shm_size_for(pool_slots);
	if (ftruncate(s->sm_fd, (off_t)size) == -1)
		return (-1);
	/*
	 * Workers forked earlier keep their smaller mapping: their ranges are
	 * all below the old size.  Only the master's mapping moves, and the
	 * master holds offsets, not pointers, across this call.
	 */
	p = mremap(s->sm_base, s->sm_size, size, MREMAP_MAYMOVE);
	if (p == MAP_FAILED)
		return (-1);
	s->sm_base = p;
	s->sm_size = size;
	h = shm_header(s);
	/* A reader between these two stores waits (shm_size_pair()). */
	atomic_store_explicit(&h->sh_pool_slots, pool_slots,
	    memory_order_relaxed);
	/* release: a reader that sees the new size may map and read it. */
	atomic_store_explicit(&h->sh_size, size, memory_order_release);
	return (0);
}

void
shm_detach(struct shm *s)
{
	if (s == NULL)
		return;
	if (s->sm_base != NULL)
		munmap(s->sm_base, s->sm_size);
	if (s->sm_fd != -1)
		close(s->sm_fd);
	free(s->sm_tmp);
	free(s->sm_path);
	free(s);
}

void
shm_destroy(struct shm *s)
{
	struct stat st;

	if (s == NULL)
		return;
	/*
	 * Unlink only our own file: one never published is still under its
	 * temporary name, and a newer master may have replaced a published
	 * one.
	 */
	if (s->sm_tmp != NULL)
		(void)unlink(s->sm_tmp);
	else if (s->sm_path != NULL && stat(s->sm_path, &st) == 0 &&
	    st.st_dev == s->sm_dev && st.st_ino == s->sm_ino)
		(void)unlink(s->sm_path);
	shm_detach(s);
}

/*
 * The size and pool of the segment as one pair.  shm_grow() stores the
 * pool, then the size: a reader between the two stores, or reading
 * between them, sees them disagree.  Read again until they agree; a
 * master stopped between its stores for SHM_GROW_WAIT_MS has left a
 * broken segment.  0, or -1.
 */
static int
shm_size_pair(const struct shm_header *h, uint64_t *sizep)
{
	uint64_t size, until = 0;
	uint32_t pool;

	for (;;) {
		/* acquire: the pool stored before this size is seen too. */
		size = atomic_load_explicit(&h->sh_size, memory_order_acquire);
		pool = atomic_load_explicit(&h->sh_pool_slots,
		    memory_order_relaxed);
		if (size == shm_size_for(pool)) {
			*sizep = size;
			return (0);
		}
		if (until == 0)
			until = clock_ms() + SHM_GROW_WAIT_MS;
		else if (clock_ms() >= until)
			return (-1);
		(void)sched_yield();
	}
}

/* The header of what s maps; *size: the segment's size it gives. */
static int
shm_validate(const struct shm *s, int *why, uint32_t *version,
    uint64_t *size)
{
	const struct shm_header *h = shm_header(s);

	if (s->sm_size < TM_SHM_HEADER_SPACE) {
		*why = SHM_ATTACH_MAGIC;
		return (-1);
	}
	if (atomic_load_explicit(&h->sh_magic, memory_order_acquire) !=
	    TM_SHM_MAGIC) {
		*why = SHM_ATTACH_MAGIC;
		return (-1);
	}
	if (version != NULL)
		*version = h->sh_version;
	if (h->sh_version != TM_SHM_VERSION) {
		*why = SHM_ATTACH_VERSION;
		return (-1);
	}
	if (h->sh_header_size != sizeof(struct shm_header) ||
	    h->sh_listener_size != sizeof(struct shm_listener) ||
	    h->sh_block_size != sizeof(struct shm_block) ||
	    h->sh_slot_size != sizeof(struct shm_slot) ||
	    h->sh_wheel_size != sizeof(struct shm_wheel) ||
	    h->sh_off_listeners != TM_SHM_HEADER_SPACE ||
	    h->sh_off_blocks != h->sh_off_listeners +
	    TM_MAX_LISTENERS * sizeof(struct shm_listener) ||
	    h->sh_off_wheels != h->sh_off_blocks +
	    TM_MAX_BLOCKS * sizeof(struct shm_block) ||
	    h->sh_off_slots != h->sh_off_wheels +
	    TM_MAX_BLOCKS * sizeof(struct shm_wheel) ||
	    shm_size_pair(h, size) == -1) {
		*why = SHM_ATTACH_SIZE;
		return (-1);
	}
	return (0);
}

/*
 * Map the whole file once the segment's size (from its header) is beyond
 * what s maps: it grew since we looked.  shm_grow() extends the file
 * before it stores the size, so a file still shorter than that is a
 * broken segment.
 */
static int
shm_remap(struct shm *s, uint64_t size, int *why)
{
	struct stat st;
	void *p;

	if (size <= s->sm_size)
		return (0);
	*why = SHM_ATTACH_ERRNO;
	if (fstat(s->sm_fd, &st) == -1)
		return (-1);
	if ((uint64_t)st.st_size < size) {
		*why = SHM_ATTACH_SIZE;
		return (-1);
	}
	p = mremap(s->sm_base, s->sm_size, (size_t)st.st_size,
	    MREMAP_MAYMOVE);
	if (p == MAP_FAILED)
		return (-1);
	s->sm_base = p;
	s->sm_size = (size_t)st.st_size;
	return (0);
}

struct shm *
shm_attach(const char *path, int *why, uint32_t *version)
{
	struct shm *s;
	struct stat st;
	uint64_t size;
	void *p;
	int fd, saved;

	*why = SHM_ATTACH_ERRNO;
	/* Opening a device can do things (a tape rewinds): look first. */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		*why = SHM_ATTACH_TYPE;
		return (NULL);
	}
	/*
	 * Whatever replaced the file since is checked again below.
	 * O_NONBLOCK: a FIFO would block the open until a writer came; a
	 * socket cannot be opened at all (ENXIO).
	 */
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY |
	    O_CLOEXEC)) == -1) {
		if (errno == ENXIO)
			*why = SHM_ATTACH_TYPE;
		return (NULL);
	}
	if (fstat(fd, &st) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return (NULL);
	}
	/* A directory or a device maps as something else, if at all. */
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		*why = SHM_ATTACH_TYPE;
		return (NULL);
	}
	if ((size_t)st.st_size < TM_SHM_HEADER_SPACE) {
		close(fd);
		*why = SHM_ATTACH_MAGIC;
		return (NULL);
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		saved = errno;
		close(fd);
		errno = saved;
		return (NULL);
	}
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->sm_path = strdup(path)) == NULL) {
		saved = errno;
		free(s);
		munmap(p, (size_t)st.st_size);
		close(fd);
		errno = saved;
		return (NULL);
	}
	s->sm_base = p;
	s->sm_size = (size_t)st.st_size;
	s->sm_fd = fd;
	s->sm_dev = st.st_dev;
	s->sm_ino = st.st_ino;
	/* The segment may have grown since the fstat(): map it all. */
	if (shm_validate(s, why, version, &size) == -1 ||
	    shm_remap(s, size, why) == -1) {
		saved = errno;
		shm_detach(s);
		errno = saved;
		return (NULL);
	}
	return (s);
}

int
shm_refresh(struct shm *s, int *why)
{
	struct stat st;
	uint64_t size;

	*why = SHM_ATTACH_ERRNO;
	/*
	 * Before any read of the mapping, the header's included: a read
	 * past the end of a file cut shorter than what we map is a SIGBUS.
	 * tamarind only ever grows the file; whatever cut it left nothing
	 * to trust.  A cut between this check and the caller's reads still
	 * faults: only a SIGBUS handler could close that window.
	 */
	if (fstat(s->sm_fd, &st) == -1)
		return (-1);
	if ((uint64_t)st.st_size < s->sm_size) {
		*why = SHM_ATTACH_SHRUNK;
		return (-1);
	}
	size = atomic_load_explicit(&shm_header(s)->sh_size,
	    memory_order_acquire);
	if (size <= s->sm_size)
		return (0);
	if (shm_validate(s, why, NULL, &size) == -1)
		return (-1);
	return (shm_remap(s, size, why));
}

static int
range_cmp(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	return (*x < *y ? -1 : *x > *y);
}

/*
 * A write section of the master's on a row or block: the sequence odd,
 * whatever a crashed worker left in it, before any field changes.
 */
static void
seq_write_begin(_Atomic uint32_t *seq)
{
	atomic_store_explicit(seq, atomic_load_explicit(seq,
	    memory_order_relaxed) | 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
}

/* release: the fields before the even sequence. */
static void
seq_write_end(_Atomic uint32_t *seq)
{
	atomic_store_explicit(seq, (atomic_load_explicit(seq,
	    memory_order_relaxed) | 1) + 1, memory_order_release);
}

void
shm_block_write_begin(struct shm *s, unsigned int block)
{
	seq_write_begin(&shm_block(s, block)->wb_seq);
}

void
shm_block_write_end(struct shm *s, unsigned int block)
{
	seq_write_end(&shm_block(s, block)->wb_seq);
}

void
shm_listener_write_begin(struct shm *s, unsigned int i)
{
	seq_write_begin(&shm_listener(s, i)->li_seq);
}

void
shm_listener_write_end(struct shm *s, unsigned int i)
{
	seq_write_end(&shm_listener(s, i)->li_seq);
}

void
shm_listener_publish(struct shm *s, unsigned int i, unsigned int proto,
    unsigned int family, uint16_t port, const char *name, const char *addr)
{
	struct shm_listener *sl = shm_listener(s, i);

	shm_listener_write_begin(s, i);
	sl->li_proto = (uint8_t)proto;
	sl->li_family = (uint8_t)family;
	sl->li_port = port;
	atomic_store_explicit(&sl->li_closed_gen, 0, memory_order_relaxed);
	atomic_store_explicit(&sl->li_accepted, 0, memory_order_relaxed);
	strlcpy(sl->li_name, name, sizeof(sl->li_name));
	strlcpy(sl->li_addr, addr, sizeof(sl->li_addr));
	atomic_store_explicit(&sl->li_state, TM_LISTENER_ACTIVE,
	    memory_order_relaxed);
	shm_listener_write_end(s, i);
}

void
shm_block_retire(struct shm *s, unsigned int block)
{
	struct shm_header *h = shm_header(s);
	struct shm_block *b = shm_block(s, block);
	uint32_t seq;
	uint64_t v;
	int k;

	/* The master is the only writer: plain increments of the sequence. */
	seq = atomic_load_explicit(&h->sh_retire_seq, memory_order_relaxed);
	atomic_store_explicit(&h->sh_retire_seq, seq + 1,
	    memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	for (k = 0; k < TM_CTR__COUNT; k++) {
		v = atomic_load_explicit(&b->wb_counters[k],
		    memory_order_relaxed);
		if (v == 0)
			continue;
		atomic_store_explicit(&h->sh_retired[k], atomic_load_explicit(
		    &h->sh_retired[k], memory_order_relaxed) + v,
		    memory_order_relaxed);
		atomic_store_explicit(&b->wb_counters[k], 0,
		    memory_order_relaxed);
	}
	atomic_store_explicit(&h->sh_retire_seq, seq + 2,
	    memory_order_release);
}

int64_t
shm_pool_alloc(struct shm *s, uint32_t count)
{
	struct shm_header *h = shm_header(s);
	uint64_t ranges[TM_MAX_BLOCKS];	/* first << 32 | count */
	struct shm_block *b;
	uint32_t pool, pos = 0, first, n;
	size_t nr = 0, i;

	for (i = 0; i < TM_MAX_BLOCKS; i++) {
		b = shm_block(s, (unsigned int)i);
		if (atomic_load_explicit(&b->wb_state,
		    memory_order_relaxed) == TM_WORKER_UNUSED)
			continue;
		/* A block's range: its claim bitmap, then its slots. */
		first = atomic_load_explicit(&b->wb_bits_first,
		    memory_order_relaxed);
		n = atomic_load_explicit(&b->wb_slot_first,
		    memory_order_relaxed) - first +
		    atomic_load_explicit(&b->wb_slot_count,
		    memory_order_relaxed);
		ranges[nr++] = (uint64_t)first << 32 | n;
	}
	qsort(ranges, nr, sizeof(ranges[0]), range_cmp);
	pool = atomic_load_explicit(&h->sh_pool_slots, memory_order_relaxed);
	/* First fit over the gaps between used ranges. */
	for (i = 0; i < nr; i++) {
		first = (uint32_t)(ranges[i] >> 32);
		if (first >= pos && first - pos >= count)
			return (pos);
		if (first + (uint32_t)ranges[i] > pos)
			pos = first + (uint32_t)ranges[i];
	}
	if (pos <= pool && pool - pos >= count)
		return (pos);
	if ((uint64_t)pos + count > UINT32_MAX / 2) {
		errno = ENOMEM;
		return (-1);
	}
	if (shm_grow(s, pos + count) == -1)
		return (-1);
	return (pos);
}

/*
 * How far the master's start (from /proc) may lie from the segment's
 * sh_start_wall and still be the same process.  Before: the master reads
 * its configuration (maybe resolving names) before it makes the segment.
 * After: it binds and daemonizes after.  A recycled pid starts after the
 * master died, normally far outside this window.
 */
#define SHM_START_BEFORE_SEC	120
#define SHM_START_AFTER_SEC	30

/* /proc/PID/NAME's first sz - 1 bytes, NUL-terminated: their count, or -1. */
static ssize_t
proc_read(pid_t pid, const char *name, char *buf, size_t sz)
{
	char path[64];
	ssize_t n;
	int fd;

	(void)snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (-1);
	n = read(fd, buf, sz - 1);
	close(fd);
	if (n < 0)
		return (-1);
	buf[n] = '\0';
	return (n);
}

/*
 * When pid started, in seconds since the epoch: boot time (btime in
 * /proc/stat) plus its starttime (field 22 of /proc/PID/stat, in clock
 * ticks since boot).  Also its state letter.  0, or -1 if /proc says
 * nothing.
 */
static int
proc_start_wall(pid_t pid, long long *start, char *state)
{
	char buf[1024], *p, *tok, *save;
	unsigned long long ticks = 0, btime = 0;
	long hz;
	FILE *fp;
	int i;

	if (proc_read(pid, "stat", buf, sizeof(buf)) <= 0)
		return (-1);
	/* comm may hold spaces and parentheses: fields follow the last ')'. */
	if ((p = strrchr(buf, ')')) == NULL)
		return (-1);
	p++;
	for (i = 3, tok = strtok_r(p, " ", &save); tok != NULL;
	    i++, tok = strtok_r(NULL, " ", &save)) {
		if (i == 3)
			*state = tok[0];
		if (i == 22) {
			ticks = strtoull(tok, NULL, 10);
			break;
		}
	}
	if (tok == NULL)
		return (-1);
	if ((fp = fopen("/proc/stat", "re")) == NULL)
		return (-1);
	while (fgets(buf, sizeof(buf), fp) != NULL)
		if (sscanf(buf, "btime %llu", &btime) == 1)
			break;
	fclose(fp);
	if (btime == 0 || (hz = sysconf(_SC_CLK_TCK)) <= 0)
		return (-1);
	*start = (long long)(btime + ticks / (unsigned long long)hz);
	return (0);
}

int
shm_master_alive(const struct shm *s, pid_t pid)
{
	long long start, made = (long long)shm_header(s)->sh_start_wall;
	char state;

	if (pid <= 0 || (kill(pid, 0) == -1 && errno != EPERM))
		return (0);
	/* Where /proc cannot tell (hidden pids), alive is all we know. */
	if (proc_start_wall(pid, &start, &state) == -1)
		return (1);
	/* A zombie master is gone too: it serves nobody. */
	if (state == 'Z' || state == 'X')
		return (0);
	return (start >= made - SHM_START_BEFORE_SEC &&
	    start <= made + SHM_START_AFTER_SEC);
}

#define SHM_DAEMON_NAME	"tamarind"

/*
 * pid runs tamarind: its comm is the daemon's name, or its command line
 * (rewritten by setproctitle() to "tamarind: master ...") starts with it.
 * 1 yes, 0 no (what it is goes in what, unless NULL), -1 unknown.
 */
int
shm_proc_is_daemon(pid_t pid, char *what, size_t sz)
{
	char buf[256], *base;

	if (proc_read(pid, "comm", buf, sizeof(buf)) <= 0)
		return (-1);
	buf[strcspn(buf, "\n")] = '\0';
	if (what != NULL)
		report_sanitize(what, sz, buf);
	if (strcmp(buf, SHM_DAEMON_NAME) == 0)
		return (1);

	if (proc_read(pid, "cmdline", buf, sizeof(buf)) <= 0)
		return (0);
	/* The first word only: the title goes on with the config path. */
	buf[strcspn(buf, " :")] = '\0';
	base = strrchr(buf, '/') != NULL ? strrchr(buf, '/') + 1 : buf;
	return (strcmp(base, SHM_DAEMON_NAME) == 0);
}
