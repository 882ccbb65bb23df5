/*
 * Session ticket keys, the master's side.  The first keys are made while
 * the configuration loads (proto/tls.c), before any worker is forked, so
 * every worker starts with them.  Every tls.ticket_rotate_sec a new key
 * becomes current and the old one stays for decryption; each live worker
 * is sent the pair on its channel (CHAN_TICKETS), the only place keys
 * travel.  A worker whose channel is full is retried on the next tick; a
 * worker forked after the rotation inherited the new keys already.
 */
#include <sys/types.h>

#include <errno.h>
#include <string.h>

#include "lib/fdpass.h"
#include "lib/log.h"
#include "master/config.h"
#include "master/master.h"
#include "proto/tls.h"

_Static_assert(sizeof(struct tls_tickets) <= CHAN_MAX_DATA,
    "ticket keys fit one channel message");

static uint64_t	tk_next;		/* ms of the next rotation, 0: unset */
static uint32_t	tk_period;		/* the period tk_next was set for */
/* Per block: the worker that still has to hear of the last rotation. */
static pid_t	tk_pending[TM_MAX_BLOCKS];
static unsigned int tk_npending;

void
tickets_tick(struct master *m, uint64_t now)
{
	struct tls_tickets keys;
	struct chan_msg msg;
	unsigned int b;
	int have = 0;

	if (tk_next == 0)
		tk_next = now + m->m_cf->cf_ticket_rotate_ms;
	/*
	 * A reload that shortened the period: the next rotation is due
	 * by the new one, not at the end of the old (up to a week away),
	 * which new tickets' shorter lifetime already assumes.
	 */
	if (tk_period != m->m_cf->cf_ticket_rotate_ms) {
		if (tk_period != 0 &&
		    tk_next > now + m->m_cf->cf_ticket_rotate_ms)
			tk_next = now + m->m_cf->cf_ticket_rotate_ms;
		tk_period = m->m_cf->cf_ticket_rotate_ms;
	}
	/* Called every master loop turn: nothing to do is the common case. */
	if (now < tk_next && tk_npending == 0)
		return;
	if (now >= tk_next) {
		tk_next = now + m->m_cf->cf_ticket_rotate_ms;
		if (tls_tickets_rotate() == 0) {
			tk_npending = 0;
			for (b = 0; b < TM_MAX_BLOCKS; b++)
				if ((tk_pending[b] = m->m_wk[b].wk_pid) != 0)
					tk_npending++;
			log_info("session ticket keys rotated");
		}
	}
	for (b = 0; b < TM_MAX_BLOCKS && tk_npending > 0; b++) {
		struct worker *w = &m->m_wk[b];

		if (tk_pending[b] == 0)
			continue;
		/* Gone, or replaced by a fork that inherited the keys. */
		if (w->wk_pid != tk_pending[b]) {
			tk_pending[b] = 0;
			tk_npending--;
			continue;
		}
		if (w->wk_chan == -1)
			continue;	/* its exit is being reaped */
		if (!have) {
			/* The master's own copy is the current pair. */
			memset(&msg, 0, sizeof(msg));
			msg.cm_type = CHAN_TICKETS;
			msg.cm_arg = sizeof(keys);
			tls_tickets_get(&keys);
			memcpy(msg.cm_data, &keys, sizeof(keys));
			explicit_bzero(&keys, sizeof(keys));
			have = 1;
		}
		if (chan_send(w->wk_chan, &msg, NULL) == 0) {
			tk_pending[b] = 0;
			tk_npending--;
		} else if (errno != EAGAIN) {
			log_warn("worker %u: sending ticket keys failed",
			    w->wk_number);
			tk_pending[b] = 0;
			tk_npending--;
		}
	}
	if (have)
		explicit_bzero(&msg, sizeof(msg));
}
