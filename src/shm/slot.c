/*
 * Connection slots and the master's clock hand.
 *
 * A slot has one owner at a time: the master from FREE through its claim
 * until the fd is handed off, then the worker until it publishes FREE
 * again.  The owner rewrites a record between an odd and an even sequence
 * number; readers (tamarinctl, the status handler) copy the record and
 * retry when the sequence moved, so they never see a torn row and never
 * make the owner wait.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>

#include "shm/shm.h"

int
slot_claim(struct shm *s, unsigned int bi)
{
	struct shm_block *b = shm_block(s, bi);
	struct shm_slot *base;
	uint32_t n, i, idx, w;

	n = atomic_load_explicit(&b->wb_slot_count, memory_order_relaxed);
	if (n == 0)
		return (-1);
	base = shm_slot(s, b, 0);
	idx = b->wb_hand;
	if (idx >= n)
		idx = 0;
	for (i = 0; i < n; i++, idx = idx + 1 == n ? 0 : idx + 1) {
		w = atomic_load_explicit(&base[idx].sl_word,
		    memory_order_relaxed);
		if (TM_SW_STATE(w) != TM_SLOT_FREE)
			continue;
		/*
		 * acquire on success: pairs with the release in
		 * slot_release(), so the previous owner's last writes are
		 * done before ours start.
		 */
		if (!atomic_compare_exchange_strong_explicit(
		    &base[idx].sl_word, &w,
		    TM_SW_MAKE(TM_SLOT_CLAIMED, TM_SW_SEQ(w) + 2),
		    memory_order_acquire, memory_order_relaxed))
			continue;
		b->wb_hand = idx + 1 == n ? 0 : idx + 1;
		/* relaxed: a statistic and a load-balancing hint only. */
		atomic_fetch_add_explicit(&b->wb_active, 1,
		    memory_order_relaxed);
		return ((int)idx);
	}
	return (-1);
}

void
slot_write_begin(struct shm_slot *sl)
{
	uint32_t w;

	w = atomic_load_explicit(&sl->sl_word, memory_order_relaxed);
	atomic_store_explicit(&sl->sl_word,
	    TM_SW_MAKE(TM_SW_STATE(w), TM_SW_SEQ(w) | 1),
	    memory_order_relaxed);
	/* release fence: the odd sequence is visible before any field. */
	atomic_thread_fence(memory_order_release);
}

void
slot_write_end(struct shm_slot *sl)
{
	uint32_t w;

	w = atomic_load_explicit(&sl->sl_word, memory_order_relaxed);
	/* release: the fields are visible before the even sequence. */
	atomic_store_explicit(&sl->sl_word,
	    TM_SW_MAKE(TM_SW_STATE(w), (TM_SW_SEQ(w) | 1) + 1),
	    memory_order_release);
}

void
slot_set_state(struct shm_slot *sl, enum tm_slot_state st)
{
	uint32_t w;

	w = atomic_load_explicit(&sl->sl_word, memory_order_relaxed);
	/* release: fields written before the change go with it. */
	atomic_store_explicit(&sl->sl_word,
	    TM_SW_MAKE(st, (TM_SW_SEQ(w) | 1) + 1), memory_order_release);
}

static void
slot_clear(struct shm_slot *sl)
{
	/* Everything after the word; a FREE row shows nothing stale. */
	memset((char *)sl + sizeof(sl->sl_word), 0,
	    sizeof(*sl) - sizeof(sl->sl_word));
	sl->sl_listener = 0;
}

void
slot_release(struct shm *s, unsigned int bi, uint32_t idx)
{
	struct shm_block *b = shm_block(s, bi);
	struct shm_slot *sl = shm_slot(s, b, idx);
	uint32_t w;

	slot_write_begin(sl);
	slot_clear(sl);
	w = atomic_load_explicit(&sl->sl_word, memory_order_relaxed);
	/*
	 * release: this is the last touch of the slot by its owner; the
	 * master's acquire CAS in slot_claim() pairs with it.
	 */
	atomic_store_explicit(&sl->sl_word,
	    TM_SW_MAKE(TM_SLOT_FREE, TM_SW_SEQ(w) + 1), memory_order_release);
	atomic_fetch_sub_explicit(&b->wb_active, 1, memory_order_relaxed);
}

uint32_t
slot_release_all(struct shm *s, unsigned int bi)
{
	struct shm_block *b = shm_block(s, bi);
	struct shm_slot *sl;
	uint32_t i, n, w, freed = 0;

	n = atomic_load_explicit(&b->wb_slot_count, memory_order_relaxed);
	for (i = 0; i < n; i++) {
		sl = shm_slot(s, b, i);
		w = atomic_load_explicit(&sl->sl_word, memory_order_acquire);
		if (TM_SW_STATE(w) == TM_SLOT_FREE && (TM_SW_SEQ(w) & 1) == 0)
			continue;
		/* The owner is dead: its half-written row ends here. */
		atomic_store_explicit(&sl->sl_word,
		    TM_SW_MAKE(TM_SW_STATE(w), TM_SW_SEQ(w) | 1),
		    memory_order_relaxed);
		atomic_thread_fence(memory_order_release);
		slot_clear(sl);
		atomic_store_explicit(&sl->sl_word,
		    TM_SW_MAKE(TM_SLOT_FREE, (TM_SW_SEQ(w) | 1) + 1),
		    memory_order_release);
		freed++;
	}
	atomic_store_explicit(&b->wb_active, 0, memory_order_relaxed);
	return (freed);
}

int
slot_read(const struct shm_slot *sl, struct shm_slot *copy)
{
	uint32_t w1, w2;
	int tries;

	for (tries = 0; tries < 1000; tries++) {
		w1 = atomic_load_explicit(&sl->sl_word, memory_order_acquire);
		if (TM_SW_SEQ(w1) & 1)
			continue;
		memcpy(copy, sl, sizeof(*copy));
		/* acquire fence: the copy is done before the re-check. */
		atomic_thread_fence(memory_order_acquire);
		w2 = atomic_load_explicit(&sl->sl_word, memory_order_relaxed);
		if (w1 == w2) {
			atomic_store_explicit(&copy->sl_word, w1,
			    memory_order_relaxed);
			/* Never trust the writer's terminators. */
			copy->sl_method[sizeof(copy->sl_method) - 1] = '\0';
			copy->sl_target[sizeof(copy->sl_target) - 1] = '\0';
			copy->sl_tls_cipher_name[
			    sizeof(copy->sl_tls_cipher_name) - 1] = '\0';
			return (0);
		}
	}
	return (-1);
}

void
shm_addr_set(struct shm_addr *a, const struct sockaddr *sa)
{
	memset(a, 0, sizeof(*a));
	if (sa == NULL)
		return;
	switch (sa->sa_family) {
	case AF_INET: {
		const struct sockaddr_in *in = (const void *)sa;

		a->sa_family = AF_INET;
		a->sa_port = ntohs(in->sin_port);
		memcpy(a->sa_addr, &in->sin_addr, 4);
		break;
	}
	case AF_INET6: {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		a->sa_family = AF_INET6;
		a->sa_port = ntohs(in6->sin6_port);
		memcpy(a->sa_addr, &in6->sin6_addr, 16);
		break;
	}
	case AF_UNIX:
		a->sa_family = AF_UNIX;
		break;
	default:
		break;
	}
}

int
shm_addr_format(const struct shm_addr *a, char *buf, size_t sz)
{
	char host[INET6_ADDRSTRLEN];

	switch (a->sa_family) {
	case AF_INET:
		if (inet_ntop(AF_INET, a->sa_addr, host, sizeof(host)) == NULL)
			break;
		return (snprintf(buf, sz, "%s:%u", host, a->sa_port));
	case AF_INET6:
		if (inet_ntop(AF_INET6, a->sa_addr, host, sizeof(host)) ==
		    NULL)
			break;
		return (snprintf(buf, sz, "[%s]:%u", host, a->sa_port));
	case AF_UNIX:
		return (snprintf(buf, sz, "unix"));
	default:
		break;
	}
	return (snprintf(buf, sz, "-"));
}

const char *
shm_tls_version(uint16_t v)
{
	/* The wire codes (RFC 8446 4.2.1), so no OpenSSL header is needed. */
	switch (v) {
	case 0:
		return (NULL);
	case 0x0301:
		return ("TLSv1");
	case 0x0302:
		return ("TLSv1.1");
	case 0x0303:
		return ("TLSv1.2");
	case 0x0304:
		return ("TLSv1.3");
	default:
		return ("TLS?");
	}
}
