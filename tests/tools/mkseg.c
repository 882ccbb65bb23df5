/*
 * mkseg: make a segment file for tamarinctl's tests, with no daemon.
 *
 *   mkseg [-f] [-m magic] [-v version] [-p pid] [-t offset] path
 *   mkseg -V
 *
 * -f fills it with fixed listeners, workers and slots (see fill()); -m
 * and -v overwrite the magic and the layout version; -p names the master
 * pid (default: mkseg's own, gone once it exits); -t moves sh_start_wall
 * by offset seconds (a recycled pid is a live process started long after
 * the segment).  The file is left in place.  -V prints the layout
 * version this build writes, for messages that name it.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/clock.h"
#include "shm/shm.h"

struct sample_slot {
	unsigned int	 ss_block;
	enum tm_slot_state ss_state;
	uint16_t	 ss_listener;
	uint8_t		 ss_proto;
	uint8_t		 ss_flags;
	const char	*ss_addr;	/* numeric host */
	uint16_t	 ss_port;
	uint64_t	 ss_age_ms;
	uint64_t	 ss_idle_ms;
	uint64_t	 ss_deadline_ms;	/* from now; 0: none */
	uint32_t	 ss_requests;
	uint64_t	 ss_in;
	uint64_t	 ss_out;
	const char	*ss_method;
	const char	*ss_target;
};

static void	usage(void) __attribute__((noreturn));
static void	fill(struct shm *);
static long long number(const char *);

static const struct sample_slot samples[] = {
	{ 0, TM_SLOT_READING, 0, 1, 0, "192.0.2.1", 51234, 65000, 2000,
	    8000, 3, 512, 20480, "GET", "/index.html" },
	{ 0, TM_SLOT_IDLE, 1, 2, TM_SLF_TLS, "2001:db8::1", 44321, 200000,
	    4000, 0, 10, 4096, 81920, "", "" },
	{ 1, TM_SLOT_WRITING, 0, 1, TM_SLF_PROXIED, "198.51.100.7", 40000,
	    5000, 100, 30000, 1, 100, 999999, "POST", "/up\x01load\xff" },
};

static void
usage(void)
{
	fprintf(stderr, "usage: mkseg [-f] [-c config] [-m magic] "
	    "[-v version] [-p pid] [-t offset] path\n       mkseg -V\n");
	exit(1);
}

static long long
number(const char *s)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 0);
	if (*s == '\0' || *end != '\0' || errno != 0)
		usage();
	return (v);
}

/*
 * Generation 1: listeners web (http), "secure" (https) and a closed one;
 * two running workers of 4 slots each; the slots above.
 */
static void
fill(struct shm *s)
{
	static const struct {
		const char	*name;
		const char	*addr;
		uint16_t	 port;
		uint8_t		 proto;
		uint32_t	 state;
		uint64_t	 accepted;
	} ls[] = {
		{ "web", "0.0.0.0", 8080, 1, TM_LISTENER_ACTIVE, 7 },
		{ "secure", "::", 8443, 2, TM_LISTENER_ACTIVE, 3 },
		{ "old", "127.0.0.1", 9000, 1, TM_LISTENER_CLOSED, 1 },
	};
	struct shm_header *h = shm_header(s);
	struct shm_listener *li;
	struct shm_block *b;
	struct shm_slot *sl;
	struct sockaddr_storage ss;
	const struct sample_slot *p;
	uint64_t now = clock_ms();
	unsigned int i;
	int idx;

	atomic_store(&h->sh_generation, 1);
	atomic_store(&h->sh_state, TM_MASTER_RUNNING);
	atomic_store(&h->sh_workers, 2);
	atomic_store(&h->sh_slots_per_worker, 4);
	atomic_store(&h->sh_rate_requests_x100, 1234);
	strlcpy(h->sh_config, "/etc/tamarin/tamarin.conf",
	    sizeof(h->sh_config));
	for (i = 0; i < sizeof(ls) / sizeof(ls[0]); i++) {
		li = shm_listener(s, i);
		li->li_proto = ls[i].proto;
		li->li_port = ls[i].port;
		atomic_store(&li->li_accepted, ls[i].accepted);
		strlcpy(li->li_name, ls[i].name, sizeof(li->li_name));
		strlcpy(li->li_addr, ls[i].addr, sizeof(li->li_addr));
		if (ls[i].state == TM_LISTENER_CLOSED)
			atomic_store(&li->li_closed_gen, 1);
		atomic_store(&li->li_state, ls[i].state);
	}
	for (i = 0; i < 2; i++) {
		b = shm_block(s, i);
		atomic_store(&b->wb_pid, (int32_t)(1000 + i));
		atomic_store(&b->wb_generation, 1);
		atomic_store(&b->wb_number, i + 1);
		/* Each block: one bitmap row, then its 4 slots. */
		atomic_store(&b->wb_bits_first, i * 5);
		atomic_store(&b->wb_slot_first, i * 5 + 1);
		atomic_store(&b->wb_slot_count, 4);
		atomic_store(&b->wb_started_ms, now > 60000 ? now - 60000 : 1);
		atomic_store(&b->wb_heartbeat_ms, now - 500);
		atomic_store(&b->wb_counters[TM_CTR_accepted], 5 + i);
		atomic_store(&b->wb_counters[TM_CTR_requests], 9 + i);
		atomic_store(&b->wb_counters[TM_CTR_bytes_in], 1000);
		atomic_store(&b->wb_counters[TM_CTR_bytes_out], 5000);
		atomic_store(&b->wb_counters[TM_CTR_resp_2xx], 8);
		atomic_store(&b->wb_counters[TM_CTR_err_timeout], 1);
		atomic_store(&b->wb_state, TM_WORKER_RUNNING);
	}
	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		p = &samples[i];
		if ((idx = slot_claim(s, p->ss_block)) == -1)
			abort();
		b = shm_block(s, p->ss_block);
		sl = shm_slot(s, b, (uint32_t)idx);
		memset(&ss, 0, sizeof(ss));
		if (strchr(p->ss_addr, ':') != NULL) {
			struct sockaddr_in6 *in6 = (void *)&ss;

			in6->sin6_family = AF_INET6;
			in6->sin6_port = htons(p->ss_port);
			inet_pton(AF_INET6, p->ss_addr, &in6->sin6_addr);
		} else {
			struct sockaddr_in *in = (void *)&ss;

			in->sin_family = AF_INET;
			in->sin_port = htons(p->ss_port);
			inet_pton(AF_INET, p->ss_addr, &in->sin_addr);
		}
		slot_write_begin(sl);
		sl->sl_listener = p->ss_listener;
		sl->sl_proto = p->ss_proto;
		sl->sl_flags = p->ss_flags;
		shm_addr_set(&sl->sl_peer, (struct sockaddr *)&ss);
		/* CLOCK_MONOTONIC starts at boot: a young machine has
		   not been up as long as some samples are old. */
		sl->sl_accept_ms = now > p->ss_age_ms ? now - p->ss_age_ms : 1;
		sl->sl_active_ms = now > p->ss_idle_ms ?
		    now - p->ss_idle_ms : 1;
		sl->sl_deadline_ms = p->ss_deadline_ms != 0 ?
		    now + p->ss_deadline_ms : 0;
		sl->sl_requests = p->ss_requests;
		sl->sl_bytes_in = p->ss_in;
		sl->sl_bytes_out = p->ss_out;
		strlcpy(sl->sl_method, p->ss_method, sizeof(sl->sl_method));
		strlcpy(sl->sl_target, p->ss_target, sizeof(sl->sl_target));
		slot_write_end(sl);
		slot_set_state(sl, p->ss_state);
	}
}

int
main(int argc, char *argv[])
{
	struct shm *s;
	struct shm_header *h;
	const char *config = NULL;
	long long magic = -1, version = -1, pid = -1, offset = 0;
	int ch, dofill = 0;

	while ((ch = getopt(argc, argv, "c:fm:p:t:v:V")) != -1) {
		switch (ch) {
		case 'c':
			config = optarg;
			break;
		case 'f':
			dofill = 1;
			break;
		case 'm':
			magic = number(optarg);
			break;
		case 'p':
			pid = number(optarg);
			break;
		case 't':
			offset = number(optarg);
			break;
		case 'v':
			version = number(optarg);
			break;
		case 'V':
			printf("%u\n", TM_SHM_VERSION);
			return (0);
		default:
			usage();
		}
	}
	if (argc - optind != 1)
		usage();
	if ((s = shm_create(argv[optind], 10, 0644)) == NULL) {
		fprintf(stderr, "mkseg: %s: %s\n", argv[optind],
		    strerror(errno));
		return (1);
	}
	h = shm_header(s);
	if (dofill)
		fill(s);
	if (config != NULL)
		strlcpy(h->sh_config, config, sizeof(h->sh_config));
	if (pid != -1)
		atomic_store(&h->sh_master_pid, (int32_t)pid);
	h->sh_start_wall = (uint64_t)((long long)h->sh_start_wall + offset);
	if (version != -1)
		h->sh_version = (uint32_t)version;
	if (magic != -1)
		atomic_store(&h->sh_magic, (uint32_t)magic);
	shm_detach(s);
	return (0);
}
