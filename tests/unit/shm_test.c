/*
 * Shared-memory segment: creation and attachment checks, slot claim and
 * release with the clock hand, pool ranges, and a multi-process stress
 * test of claim/release ownership.
 */
#include <sys/types.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>

#include "shm/shm.h"

/* A segment with one block of n slots, as the master would set it up. */
static struct shm *
seg_with_block(const char *path, uint32_t pool, unsigned int b, uint32_t n)
{
	struct shm *s;
	struct shm_block *sb;
	int64_t first;

	ATF_REQUIRE_MSG((s = shm_create(path, pool, 0640)) != NULL,
	    "shm_create: %s", strerror(errno));
	first = shm_pool_alloc(s, TM_BITS_ROWS(n) + n);
	ATF_REQUIRE_MSG(first >= 0, "shm_pool_alloc(%u)", n);
	sb = shm_block(s, b);
	atomic_store(&sb->wb_bits_first, (uint32_t)first);
	atomic_store(&sb->wb_slot_first, (uint32_t)first + TM_BITS_ROWS(n));
	atomic_store(&sb->wb_slot_count, n);
	atomic_store(&sb->wb_state, TM_WORKER_RUNNING);
	return (s);
}

ATF_TC_WITHOUT_HEAD(segment__create_attach);
ATF_TC_BODY(segment__create_attach, tc)
{
	struct shm *s, *r;
	struct stat st;
	uint32_t version = 0;
	int why = 0;

	ATF_REQUIRE((s = shm_create("seg", 100, 0640)) != NULL);
	ATF_REQUIRE(stat("seg", &st) == 0);
	ATF_CHECK_EQ(st.st_mode & 0777, 0640);
	/* No temporary file is left behind. */
	{
		char tmp[64];

		snprintf(tmp, sizeof(tmp), "seg.%d.tmp", (int)getpid());
		ATF_CHECK(access(tmp, F_OK) == -1);
	}
	r = shm_attach("seg", &why, &version);
	ATF_REQUIRE_MSG(r != NULL, "attach: why %d errno %s", why,
	    strerror(errno));
	ATF_CHECK_EQ(version, TM_SHM_VERSION);
	ATF_CHECK_EQ(shm_header(r)->sh_version, TM_SHM_VERSION);
	ATF_CHECK_EQ(atomic_load(&shm_header(r)->sh_pool_slots), 100);
	ATF_CHECK_EQ(atomic_load(&shm_header(r)->sh_master_pid), getpid());
	ATF_CHECK_EQ((size_t)st.st_size, r->sm_size);
	/* Every slot of a fresh segment is FREE, every block UNUSED. */
	ATF_CHECK_EQ(atomic_load(&shm_block(r, 0)->wb_state),
	    TM_WORKER_UNUSED);
	shm_detach(r);
	shm_destroy(s);
	ATF_CHECK(access("seg", F_OK) == -1);
}

ATF_TC_WITHOUT_HEAD(segment__attach_refuses);
ATF_TC_BODY(segment__attach_refuses, tc)
{
	struct shm *s, *r;
	char junk[8192];
	uint32_t version = 0;
	int fd, why;

	/* Not a segment at all. */
	memset(junk, 'x', sizeof(junk));
	fd = open("junk", O_CREAT | O_WRONLY, 0600);
	ATF_REQUIRE(fd != -1);
	ATF_REQUIRE(write(fd, junk, sizeof(junk)) == (ssize_t)sizeof(junk));
	close(fd);
	r = shm_attach("junk", &why, &version);
	ATF_CHECK(r == NULL);
	ATF_CHECK_EQ(why, SHM_ATTACH_MAGIC);

	/* Too short to hold a header. */
	fd = open("short", O_CREAT | O_WRONLY, 0600);
	ATF_REQUIRE(write(fd, junk, 100) == 100);
	close(fd);
	ATF_CHECK(shm_attach("short", &why, &version) == NULL);
	ATF_CHECK_EQ(why, SHM_ATTACH_MAGIC);

	/* Not a regular file: refused, a FIFO without waiting. */
	ATF_REQUIRE(mkdir("dir", 0700) == 0);
	ATF_CHECK(shm_attach("dir", &why, &version) == NULL);
	ATF_CHECK_EQ(why, SHM_ATTACH_TYPE);
	ATF_REQUIRE(mkfifo("fifo", 0600) == 0);
	ATF_CHECK(shm_attach("fifo", &why, &version) == NULL);
	ATF_CHECK_EQ(why, SHM_ATTACH_TYPE);
	ATF_CHECK(shm_attach("/dev/zero", &why, &version) == NULL);
	ATF_CHECK_EQ(why, SHM_ATTACH_TYPE);

	/* Missing file. */
	ATF_CHECK(shm_attach("nothing", &why, &version) == NULL);
	ATF_CHECK_EQ(why, SHM_ATTACH_ERRNO);
	ATF_CHECK_EQ(errno, ENOENT);

	/* Another layout version: refused, and the version reported. */
	ATF_REQUIRE((s = shm_create("seg", 10, 0640)) != NULL);
	shm_header(s)->sh_version = TM_SHM_VERSION + 7;
	ATF_CHECK(shm_attach("seg", &why, &version) == NULL);
	ATF_CHECK_EQ(why, SHM_ATTACH_VERSION);
	ATF_CHECK_EQ(version, TM_SHM_VERSION + 7);
	shm_header(s)->sh_version = TM_SHM_VERSION;

	/* A file cut shorter than its header says. */
	ATF_REQUIRE(truncate("seg", (off_t)(s->sm_size - 4096)) == 0);
	ATF_CHECK(shm_attach("seg", &why, &version) == NULL);
	ATF_CHECK_EQ(why, SHM_ATTACH_SIZE);
	shm_destroy(s);
}

/* A reader's file cut short: refused before the mapping is read. */
ATF_TC_WITHOUT_HEAD(segment__refresh_shrunk);
ATF_TC_BODY(segment__refresh_shrunk, tc)
{
	struct shm *s, *r;
	int why;

	ATF_REQUIRE((s = shm_create("seg", 10, 0640)) != NULL);
	ATF_REQUIRE((r = shm_attach("seg", &why, NULL)) != NULL);
	ATF_CHECK_EQ(shm_refresh(r, &why), 0);
	ATF_REQUIRE(truncate("seg", 4096) == 0);
	ATF_CHECK_EQ(shm_refresh(r, &why), -1);
	ATF_CHECK_EQ(why, SHM_ATTACH_SHRUNK);
	shm_detach(r);
	shm_destroy(s);
}

/*
 * In a child, shm_grow() to pool stopped between its two stores for
 * 30 ms: the file and the pool are grown, the size is not yet.  Returns
 * once the child is there.
 */
static pid_t
grow_halfway(struct shm *s, uint32_t pool)
{
	struct shm_header *h = shm_header(s);
	uint64_t size = h->sh_off_slots + (uint64_t)pool *
	    sizeof(struct shm_slot);
	int p[2];
	pid_t pid;
	char c;

	ATF_REQUIRE(pipe(p) == 0);
	ATF_REQUIRE((pid = fork()) != -1);
	if (pid == 0) {
		if (ftruncate(s->sm_fd, (off_t)size) == -1)
			_exit(1);
		atomic_store(&h->sh_pool_slots, pool);
		if (write(p[1], "x", 1) != 1)
			_exit(1);
		usleep(30000);
		atomic_store(&h->sh_size, size);
		_exit(0);
	}
	close(p[1]);
	ATF_REQUIRE(read(p[0], &c, 1) == 1);
	close(p[0]);
	return (pid);
}

/*
 * A reader that meets the master growing the segment, between its
 * stores of the pool and the size, waits for it rather than calling
 * the segment broken: attaching, and re-mapping once attached.
 */
ATF_TC_WITHOUT_HEAD(segment__grow_halfway);
ATF_TC_BODY(segment__grow_halfway, tc)
{
	struct shm *s, *r;
	int status, why;
	pid_t pid;

	ATF_REQUIRE((s = shm_create("seg", 10, 0640)) != NULL);
	pid = grow_halfway(s, 20);
	r = shm_attach("seg", &why, NULL);
	ATF_CHECK_MSG(r != NULL, "attach: why %d", why);
	ATF_REQUIRE(waitpid(pid, &status, 0) == pid);
	ATF_REQUIRE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	if (r == NULL)
		ATF_REQUIRE((r = shm_attach("seg", &why, NULL)) != NULL);
	ATF_CHECK_EQ(atomic_load(&shm_header(r)->sh_pool_slots), 20);

	/* Attached at 20, it grows to 30, then halfway to 40. */
	ATF_REQUIRE(shm_grow(s, 30) == 0);
	pid = grow_halfway(s, 40);
	ATF_CHECK_MSG(shm_refresh(r, &why) == 0, "refresh: why %d", why);
	ATF_REQUIRE(waitpid(pid, &status, 0) == pid);
	ATF_REQUIRE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ATF_CHECK_EQ(shm_refresh(r, &why), 0);
	ATF_CHECK_EQ(r->sm_size, (size_t)(shm_header(r)->sh_off_slots +
	    40 * sizeof(struct shm_slot)));
	shm_detach(r);
	shm_destroy(s);
}

/* The STYLE.md example, literally. */
ATF_TC_WITHOUT_HEAD(slot__claim_full_worker);
ATF_TC_BODY(slot__claim_full_worker, tc)
{
	struct shm *s = seg_with_block("seg", 2, 0, 2);

	ATF_REQUIRE_EQ(slot_claim(s, 0), 0);
	ATF_REQUIRE_EQ(slot_claim(s, 0), 1);
	ATF_CHECK_EQ(slot_claim(s, 0), -1);	/* full: master stops accepting */
	ATF_CHECK_EQ(atomic_load(&shm_block(s, 0)->wb_active), 2);
	shm_destroy(s);
}

ATF_TC_WITHOUT_HEAD(slot__clock_hand_wraps);
ATF_TC_BODY(slot__clock_hand_wraps, tc)
{
	struct shm *s = seg_with_block("seg", 8, 0, 8);
	struct shm_block *b = shm_block(s, 0);
	int i;

	for (i = 0; i < 8; i++)
		ATF_REQUIRE_EQ(slot_claim(s, 0), i);
	/* The hand is back at 0 and every slot is taken. */
	ATF_CHECK_EQ(b->wb_hand, 0);
	ATF_CHECK_EQ(slot_claim(s, 0), -1);
	/* Free 2 and 5; the hand at 0 must find 2 first, then wrap to 5. */
	slot_release(s, 0, 2);
	slot_release(s, 0, 5);
	ATF_CHECK_EQ(atomic_load(&b->wb_active), 6);
	ATF_CHECK_EQ(slot_claim(s, 0), 2);
	ATF_CHECK_EQ(b->wb_hand, 3);
	ATF_CHECK_EQ(slot_claim(s, 0), 5);
	ATF_CHECK_EQ(slot_claim(s, 0), -1);
	/* Hand at 6: a slot freed behind it is found after the wrap. */
	slot_release(s, 0, 1);
	ATF_CHECK_EQ(b->wb_hand, 6);
	ATF_CHECK_EQ(slot_claim(s, 0), 1);
	shm_destroy(s);
}

ATF_TC_WITHOUT_HEAD(slot__states_and_sequence);
ATF_TC_BODY(slot__states_and_sequence, tc)
{
	struct shm *s = seg_with_block("seg", 4, 0, 4);
	struct shm_slot *sl, copy;
	uint32_t w1, w2;
	int i;

	struct shm_addr peer;

	ATF_REQUIRE_EQ((i = slot_claim(s, 0)), 0);
	sl = shm_slot(s, shm_block(s, 0), 0);
	/* The master's claim is a bit: the record stays the worker's. */
	ATF_CHECK_EQ(slot_claimed(s, 0, 0), 1);
	ATF_CHECK_EQ(slot_claimed(s, 0, 1), 0);
	ATF_CHECK_EQ(TM_SW_STATE(atomic_load(&sl->sl_word)), TM_SLOT_FREE);
	memset(&peer, 0, sizeof(peer));
	peer.sa_family = 2;
	peer.sa_port = 4242;
	slot_adopt(sl, 3, 1, &peer, 1000, 2000);
	w1 = atomic_load(&sl->sl_word);
	ATF_CHECK_EQ(TM_SW_STATE(w1), TM_SLOT_CLAIMED);
	ATF_CHECK_EQ(TM_SW_SEQ(w1) & 1, 0);
	ATF_CHECK_EQ(sl->sl_listener, 3);
	ATF_CHECK_EQ(sl->sl_peer.sa_port, 4242);
	ATF_CHECK_EQ(sl->sl_accept_ms, 1000);
	slot_write_begin(sl);
	ATF_CHECK_EQ(TM_SW_SEQ(atomic_load(&sl->sl_word)) & 1, 1);
	/* A reader never copies a row while it is being written. */
	ATF_CHECK_EQ(slot_read(sl, &copy), -1);
	sl->sl_requests = 7;
	strlcpy(sl->sl_method, "GET", sizeof(sl->sl_method));
	slot_write_end(sl);
	w2 = atomic_load(&sl->sl_word);
	ATF_CHECK_EQ(TM_SW_SEQ(w2) & 1, 0);
	ATF_CHECK(TM_SW_SEQ(w2) > TM_SW_SEQ(w1));
	ATF_REQUIRE_EQ(slot_read(sl, &copy), 0);
	ATF_CHECK_EQ(copy.sl_requests, 7);
	ATF_CHECK_STREQ(copy.sl_method, "GET");
	slot_set_state(sl, TM_SLOT_IDLE);
	ATF_CHECK_EQ(TM_SW_STATE(atomic_load(&sl->sl_word)), TM_SLOT_IDLE);
	/* Release clears the row and then the bit. */
	slot_release(s, 0, 0);
	ATF_CHECK_EQ(slot_claimed(s, 0, 0), 0);
	ATF_CHECK_EQ(atomic_load(&shm_block(s, 0)->wb_active), 0);
	ATF_REQUIRE_EQ(slot_read(sl, &copy), 0);
	ATF_CHECK_EQ(TM_SW_STATE(atomic_load(&copy.sl_word)), TM_SLOT_FREE);
	ATF_CHECK_EQ(copy.sl_requests, 0);
	ATF_CHECK_STREQ(copy.sl_method, "");
	shm_destroy(s);
}

ATF_TC_WITHOUT_HEAD(slot__release_all_after_death);
ATF_TC_BODY(slot__release_all_after_death, tc)
{
	struct shm *s = seg_with_block("seg", 100, 0, 100);
	struct shm_slot *sl;
	struct shm_addr peer;
	uint32_t i, lost;

	memset(&peer, 0, sizeof(peer));
	for (i = 0; i < 80; i++) {
		ATF_REQUIRE_EQ(slot_claim(s, 0), (int)i);
		/* Some adopted by the worker, some still in transit. */
		if (i % 3 != 0) {
			sl = shm_slot(s, shm_block(s, 0), i);
			slot_adopt(sl, 0, 1, &peer, 1, 1);
			slot_set_state(sl, TM_SLOT_READING);
		}
	}
	/* A worker killed in the middle of a rewrite: odd sequence. */
	sl = shm_slot(s, shm_block(s, 0), 4);
	slot_write_begin(sl);
	ATF_CHECK_EQ(slot_release_all(s, 0, &lost), 80);
	/* Those never adopted: 0, 3, ..., 78. */
	ATF_CHECK_EQ(lost, 27);
	ATF_CHECK_EQ(atomic_load(&shm_block(s, 0)->wb_active), 0);
	for (i = 0; i < 100; i++) {
		uint32_t w = atomic_load(&shm_slot(s, shm_block(s, 0),
		    i)->sl_word);

		ATF_CHECK_EQ_MSG(TM_SW_STATE(w), TM_SLOT_FREE, "slot %u", i);
		ATF_CHECK_EQ_MSG(TM_SW_SEQ(w) & 1, 0, "slot %u", i);
		ATF_CHECK_EQ_MSG(slot_claimed(s, 0, i), 0, "slot %u", i);
	}
	/* Every slot can be claimed again, in order. */
	shm_block(s, 0)->wb_hand = 0;
	for (i = 0; i < 100; i++)
		ATF_CHECK_EQ(slot_claim(s, 0), (int)i);
	ATF_CHECK_EQ(slot_claim(s, 0), -1);
	shm_destroy(s);
}

ATF_TC_WITHOUT_HEAD(pool__alloc_reuse_grow);
ATF_TC_BODY(pool__alloc_reuse_grow, tc)
{
	struct shm *s, *r;
	struct shm_block *b;
	int64_t a, c, d;
	int why;

	ATF_REQUIRE((s = shm_create("seg", 100, 0640)) != NULL);
	ATF_REQUIRE_EQ((a = shm_pool_alloc(s, 40)), 0);
	b = shm_block(s, 0);
	atomic_store(&b->wb_bits_first, 0);	/* no bitmap rows here */
	atomic_store(&b->wb_slot_first, 0);
	atomic_store(&b->wb_slot_count, 40);
	atomic_store(&b->wb_state, TM_WORKER_RUNNING);
	ATF_REQUIRE_EQ((c = shm_pool_alloc(s, 40)), 40);
	b = shm_block(s, 1);
	atomic_store(&b->wb_bits_first, 40);
	atomic_store(&b->wb_slot_first, 40);
	atomic_store(&b->wb_slot_count, 40);
	atomic_store(&b->wb_state, TM_WORKER_RUNNING);
	/* 20 left at the end: a request for 50 grows the pool. */
	ATF_REQUIRE_EQ((d = shm_pool_alloc(s, 50)), 80);
	ATF_CHECK_EQ(atomic_load(&shm_header(s)->sh_pool_slots), 130);
	/* The first block leaves: its range is found again. */
	atomic_store(&shm_block(s, 0)->wb_state, TM_WORKER_UNUSED);
	ATF_CHECK_EQ(shm_pool_alloc(s, 30), 0);
	/* A reader attaching now sees the grown size. */
	ATF_REQUIRE((r = shm_attach("seg", &why, NULL)) != NULL);
	ATF_CHECK_EQ(r->sm_size, s->sm_size);
	shm_detach(r);
	shm_destroy(s);
}

/*
 * Several processes claim and release on one block as fast as they can.
 * Each claimed slot is marked in an owner table with an atomic exchange:
 * finding it already owned means two owners at once, the one thing that
 * must never happen.  At the end every slot is FREE and counts balance.
 */
#define STRESS_PROCS	4
#define STRESS_ITERS	200000
#define STRESS_SLOTS	64

struct stress {
	_Atomic int32_t	 st_owner[STRESS_SLOTS];
	_Atomic uint64_t st_claims;
	_Atomic uint64_t st_releases;
	_Atomic uint64_t st_violations;
	_Atomic uint64_t st_full;
};

ATF_TC(slot__stress_multiprocess);
ATF_TC_HEAD(slot__stress_multiprocess, tc)
{
	atf_tc_set_md_var(tc, "descr", "claim/release from 4 processes: "
	    "never two owners, counts balance");
	atf_tc_set_md_var(tc, "timeout", "240");
}
ATF_TC_BODY(slot__stress_multiprocess, tc)
{
	struct shm *s = seg_with_block("seg", STRESS_SLOTS, 0, STRESS_SLOTS);
	struct stress *st;
	pid_t pids[STRESS_PROCS];
	int i, status;
	uint32_t k;

	st = mmap(NULL, sizeof(*st), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ATF_REQUIRE(st != MAP_FAILED);
	memset(st, 0, sizeof(*st));
	for (i = 0; i < STRESS_PROCS; i++) {
		ATF_REQUIRE((pids[i] = fork()) != -1);
		if (pids[i] != 0)
			continue;
		{
			int held[STRESS_SLOTS], nheld = 0, n;
			unsigned int seed = (unsigned int)getpid();

			for (n = 0; n < STRESS_ITERS; n++) {
				int idx;

				if (nheld > 0 && (nheld == 12 ||
				    rand_r(&seed) % 2)) {
					int j = (int)(rand_r(&seed) %
					    (unsigned int)nheld);

					idx = held[j];
					held[j] = held[--nheld];
					if (atomic_exchange(
					    &st->st_owner[idx], 0) !=
					    (int32_t)getpid())
						atomic_fetch_add(
						    &st->st_violations, 1);
					slot_release(s, 0, (uint32_t)idx);
					atomic_fetch_add(&st->st_releases, 1);
					continue;
				}
				if ((idx = slot_claim(s, 0)) == -1) {
					atomic_fetch_add(&st->st_full, 1);
					continue;
				}
				if (atomic_exchange(&st->st_owner[idx],
				    (int32_t)getpid()) != 0)
					atomic_fetch_add(&st->st_violations,
					    1);
				atomic_fetch_add(&st->st_claims, 1);
				held[nheld++] = idx;
			}
			while (nheld > 0) {
				int idx = held[--nheld];

				atomic_exchange(&st->st_owner[idx], 0);
				slot_release(s, 0, (uint32_t)idx);
				atomic_fetch_add(&st->st_releases, 1);
			}
			_exit(0);
		}
	}
	for (i = 0; i < STRESS_PROCS; i++) {
		ATF_REQUIRE(waitpid(pids[i], &status, 0) == pids[i]);
		ATF_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	ATF_CHECK_EQ_MSG(atomic_load(&st->st_violations), 0,
	    "%llu slots had two owners",
	    (unsigned long long)atomic_load(&st->st_violations));
	ATF_CHECK_EQ(atomic_load(&st->st_claims),
	    atomic_load(&st->st_releases));
	ATF_CHECK(atomic_load(&st->st_claims) > STRESS_ITERS);
	ATF_CHECK_EQ(atomic_load(&shm_block(s, 0)->wb_active), 0);
	for (k = 0; k < STRESS_SLOTS; k++) {
		uint32_t w = atomic_load(&shm_slot(s, shm_block(s, 0),
		    k)->sl_word);

		ATF_CHECK_EQ_MSG(TM_SW_STATE(w), TM_SLOT_FREE, "slot %u", k);
	}
	munmap(st, sizeof(*st));
	shm_destroy(s);
}

/*
 * A segment prepared and not yet published is under its temporary name
 * only: no reader finds it until shm_publish(), and shm_destroy()
 * removes it there.
 */
ATF_TC_WITHOUT_HEAD(segment__prepare_publish);
ATF_TC_BODY(segment__prepare_publish, tc)
{
	struct shm *s, *r;
	char tmp[64];
	int why;

	snprintf(tmp, sizeof(tmp), "seg.%d.tmp", (int)getpid());
	ATF_REQUIRE((s = shm_prepare("seg", 10, 0640)) != NULL);
	ATF_CHECK(access(tmp, F_OK) == 0);
	ATF_CHECK(shm_attach("seg", &why, NULL) == NULL);
	ATF_CHECK_EQ(why, SHM_ATTACH_ERRNO);
	ATF_CHECK_EQ(errno, ENOENT);
	atomic_store(&shm_header(s)->sh_master_pid, 4242);
	ATF_REQUIRE(shm_publish(s) == 0);
	ATF_CHECK(access(tmp, F_OK) == -1);
	ATF_REQUIRE((r = shm_attach("seg", &why, NULL)) != NULL);
	ATF_CHECK_EQ(atomic_load(&shm_header(r)->sh_master_pid), 4242);
	shm_detach(r);
	shm_destroy(s);
	ATF_CHECK(access("seg", F_OK) == -1);

	/* A start that fails before publishing leaves nothing. */
	ATF_REQUIRE((s = shm_prepare("seg", 10, 0640)) != NULL);
	shm_destroy(s);
	ATF_CHECK(access(tmp, F_OK) == -1);
	ATF_CHECK(access("seg", F_OK) == -1);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, segment__create_attach);
	ATF_TP_ADD_TC(tp, segment__attach_refuses);
	ATF_TP_ADD_TC(tp, segment__refresh_shrunk);
	ATF_TP_ADD_TC(tp, segment__grow_halfway);
	ATF_TP_ADD_TC(tp, slot__claim_full_worker);
	ATF_TP_ADD_TC(tp, slot__clock_hand_wraps);
	ATF_TP_ADD_TC(tp, slot__states_and_sequence);
	ATF_TP_ADD_TC(tp, slot__release_all_after_death);
	ATF_TP_ADD_TC(tp, pool__alloc_reuse_grow);
	ATF_TP_ADD_TC(tp, slot__stress_multiprocess);
	ATF_TP_ADD_TC(tp, segment__prepare_publish);
	return (atf_no_error());
}
