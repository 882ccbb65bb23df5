/*
 * Connection slots, their claim bitmaps and the master's clock hand.
 *
 * A slot has one owner at a time: the master from the moment it sets the
 * slot's claim bit until the fd is handed off, then the worker until it
 * clears the bit again, the last thing it does for a connection.  The
 * master never writes a slot record: the worker fills it from what came
 * with the fd, so the master's cost per connection is one bit and its
 * memory does not grow with connections.  The owner rewrites a record
 * between an odd and an even sequence number; readers (tamarinctl, the
 * status handler) copy it and retry when the sequence moved, so they never
 * see a torn row and never make the owner wait.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>

#include "shm/shm.h"

static _Atomic uint64_t *
slot_bits(const struct shm *s, const struct shm_block *b)
{
	return ((_Atomic uint64_t *)(void *)(s->sm_base +
	    shm_header(s)->sh_off_slots + (size_t)atomic_load_explicit(
	    &b->wb_bits_first, memory_order_relaxed) *
	    sizeof(struct shm_slot)));
}

int
slot_claim(struct shm *s, unsigned int bi)
{
	struct shm_block *b = shm_block(s, bi);
	_Atomic uint64_t *bits;
	uint32_t n, nw, k, wi, start;
	uint64_t v, free, valid;

	n = atomic_load_explicit(&b->wb_slot_count, memory_order_relaxed);
	if (n == 0)
		return (-1);
	bits = slot_bits(s, b);
	nw = (n + 63) / 64;
	start = b->wb_hand < n ? b->wb_hand : 0;
	/*
	 * From the hand's word to the end and round again to the hand: 64
	 * slots per look, so a claim is O(1) however full the block is.
	 */
	for (k = 0; k <= nw; k++) {
		wi = (start / 64 + k) % nw;
		valid = wi == nw - 1 && n % 64 != 0 ?
		    ((uint64_t)1 << (n % 64)) - 1 : ~(uint64_t)0;
		if (k == 0)
			valid &= ~(uint64_t)0 << (start % 64);
		else if (k == nw)
			valid &= ((uint64_t)1 << (start % 64)) - 1;
		v = atomic_load_explicit(&bits[wi], memory_order_relaxed);
		while ((free = ~v & valid) != 0) {
			uint64_t bit = (uint64_t)1 << __builtin_ctzll(free);

			/*
			 * acquire: pairs with the release that cleared the
			 * bit, so the previous owner's writes are done.
			 */
			if (atomic_compare_exchange_weak_explicit(&bits[wi],
			    &v, v | bit, memory_order_acquire,
			    memory_order_relaxed)) {
				uint32_t idx = wi * 64 +
				    (uint32_t)__builtin_ctzll(bit);

				b->wb_hand = idx + 1 == n ? 0 : idx + 1;
				/* relaxed: a statistic and a balancing hint. */
				atomic_fetch_add_explicit(&b->wb_active, 1,
				    memory_order_relaxed);
				return ((int)idx);
			}
		}
	}
	return (-1);
}

int
slot_claimed(const struct shm *s, unsigned int bi, uint32_t idx)
{
	const struct shm_block *b = shm_block(s, bi);

	/* acquire: the claimer's writes before the bit are visible. */
	return ((atomic_load_explicit(&slot_bits(s, b)[idx / 64],
	    memory_order_acquire) >> (idx % 64)) & 1);
}

void
slot_unclaim(struct shm *s, unsigned int bi, uint32_t idx)
{
	struct shm_block *b = shm_block(s, bi);

	/* release: every write to the slot is done before it is free. */
	atomic_fetch_and_explicit(&slot_bits(s, b)[idx / 64],
	    ~((uint64_t)1 << (idx % 64)), memory_order_release);
	atomic_fetch_sub_explicit(&b->wb_active, 1, memory_order_relaxed);
}

void
slot_bits_clear(struct shm *s, unsigned int bi)
{
	struct shm_block *b = shm_block(s, bi);
	_Atomic uint64_t *bits = slot_bits(s, b);
	uint32_t i, n = atomic_load_explicit(&b->wb_slot_count,
	    memory_order_relaxed);

	for (i = 0; i < TM_BITS_ROWS(n) * sizeof(struct shm_slot) / 8; i++)
		atomic_store_explicit(&bits[i], 0, memory_order_release);
}

void
slot_adopt(struct shm_slot *sl, unsigned int listener, unsigned int proto,
    const struct shm_addr *peer, uint64_t accept_ms, uint64_t now_ms)
{
	slot_write_begin(sl);
	sl->sl_listener = (uint8_t)listener;
	sl->sl_proto = (uint8_t)proto;
	sl->sl_flags = 0;
	sl->sl_peer = *peer;
	sl->sl_accept_ms = accept_ms;
	sl->sl_active_ms = now_ms;
	slot_set_state(sl, TM_SLOT_CLAIMED);
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
	atomic_store_explicit(&sl->sl_word,
	    TM_SW_MAKE(TM_SLOT_FREE, TM_SW_SEQ(w) + 1), memory_order_release);
	/* Last: from here the master may claim it again. */
	slot_unclaim(s, bi, idx);
}

uint32_t
slot_release_all(struct shm *s, unsigned int bi, uint32_t *unadopted)
{
	struct shm_block *b = shm_block(s, bi);
	_Atomic uint64_t *bits = slot_bits(s, b);
	struct shm_slot *sl;
	uint32_t i, n, w, freed = 0;

	*unadopted = 0;
	n = atomic_load_explicit(&b->wb_slot_count, memory_order_relaxed);
	for (i = 0; i < n; i++) {
		if (i % 64 == 0 && atomic_load_explicit(&bits[i / 64],
		    memory_order_acquire) == 0) {
			/* No claim in these 64: their records are FREE. */
			i += 63;
			continue;
		}
		if (!((atomic_load_explicit(&bits[i / 64],
		    memory_order_relaxed) >> (i % 64)) & 1))
			continue;
		sl = shm_slot(s, b, i);
		w = atomic_load_explicit(&sl->sl_word, memory_order_acquire);
		if (TM_SW_STATE(w) == TM_SLOT_FREE)
			(*unadopted)++;
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
	slot_bits_clear(s, bi);
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

/*
 * The suites OpenSSL 3 offers by default or on request, by IANA number:
 * readers of the segment need no OpenSSL to name them.
 */
static const struct {
	uint16_t	 id;
	const char	*name;
} shm_ciphers[] = {
	{ 0x1301, "TLS_AES_128_GCM_SHA256" },
	{ 0x1302, "TLS_AES_256_GCM_SHA384" },
	{ 0x1303, "TLS_CHACHA20_POLY1305_SHA256" },
	{ 0x1304, "TLS_AES_128_CCM_SHA256" },
	{ 0x1305, "TLS_AES_128_CCM_8_SHA256" },
	{ 0xc02b, "ECDHE-ECDSA-AES128-GCM-SHA256" },
	{ 0xc02c, "ECDHE-ECDSA-AES256-GCM-SHA384" },
	{ 0xc02f, "ECDHE-RSA-AES128-GCM-SHA256" },
	{ 0xc030, "ECDHE-RSA-AES256-GCM-SHA384" },
	{ 0xcca8, "ECDHE-RSA-CHACHA20-POLY1305" },
	{ 0xcca9, "ECDHE-ECDSA-CHACHA20-POLY1305" },
	{ 0xccaa, "DHE-RSA-CHACHA20-POLY1305" },
	{ 0x009e, "DHE-RSA-AES128-GCM-SHA256" },
	{ 0x009f, "DHE-RSA-AES256-GCM-SHA384" },
	{ 0xc023, "ECDHE-ECDSA-AES128-SHA256" },
	{ 0xc024, "ECDHE-ECDSA-AES256-SHA384" },
	{ 0xc027, "ECDHE-RSA-AES128-SHA256" },
	{ 0xc028, "ECDHE-RSA-AES256-SHA384" },
	{ 0xc009, "ECDHE-ECDSA-AES128-SHA" },
	{ 0xc00a, "ECDHE-ECDSA-AES256-SHA" },
	{ 0xc013, "ECDHE-RSA-AES128-SHA" },
	{ 0xc014, "ECDHE-RSA-AES256-SHA" },
	{ 0x009c, "AES128-GCM-SHA256" },
	{ 0x009d, "AES256-GCM-SHA384" },
	{ 0x003c, "AES128-SHA256" },
	{ 0x003d, "AES256-SHA256" },
	{ 0x002f, "AES128-SHA" },
	{ 0x0035, "AES256-SHA" },
};

const char *
shm_tls_cipher(uint16_t id, char *buf, size_t sz)
{
	size_t i;

	for (i = 0; i < sizeof(shm_ciphers) / sizeof(shm_ciphers[0]); i++)
		if (shm_ciphers[i].id == id) {
			strlcpy(buf, shm_ciphers[i].name, sz);
			return (buf);
		}
	snprintf(buf, sz, "0x%04x", id);
	return (buf);
}
