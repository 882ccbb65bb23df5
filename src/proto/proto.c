/*
 * The protocol table.  IDs are what travels in a slot; names are what the
 * configuration says.
 */
#include <stddef.h>
#include <string.h>

#include "master/config.h"
#include "proto/http/docroot.h"
#include "proto/http/filecache.h"
#include "proto/http/http.h"
#include "proto/proto.h"
#include "proto/tls.h"

static const struct proto *const protos[TM_PROTO_MAX] = {
	[TM_PROTO_HTTP] = &proto_http,
	[TM_PROTO_HTTPS] = &proto_https,
};

const struct proto *
proto_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < TM_PROTO_MAX; i++)
		if (protos[i] != NULL && strcmp(protos[i]->pr_name, name) == 0)
			return (protos[i]);
	return (NULL);
}

const struct proto *
proto_get(unsigned int id)
{
	return (id < TM_PROTO_MAX ? protos[id] : NULL);
}

const char *
proto_name(unsigned int id)
{
	const struct proto *pr = proto_get(id);

	return (pr != NULL ? pr->pr_name : "?");
}

int
proto_worker_init(const struct config *cf)
{
	return (http_worker_init(cf));
}

void
proto_worker_fini(void)
{
	http_worker_fini();
}

void
proto_reopen_logs(void)
{
	http_reopen_logs();
}

void
proto_tick(uint64_t now_ms)
{
	http_tick(now_ms);
	docroot_tick(now_ms);
	tls_tick(now_ms);
}

void
proto_worker_ready(void)
{
	docroot_ready();
}

int
proto_watch_fd(int i)
{
	return (i == 0 ? fc_watch_fd() : i == 1 ? docroot_watch_fd() : -1);
}

void
proto_watch_event(int i)
{
	if (i == 0)
		fc_events();
	else
		docroot_event();
}

int64_t
proto_next_ms(uint64_t now_ms)
{
	int64_t h = http_next_ms(now_ms), t = tls_next_ms(now_ms);

	if (h < 0 || (t >= 0 && t < h))
		return (t);
	return (h);
}

void
proto_prepare_logs(const struct config *cf)
{
	accesslog_prepare(cf);
}
