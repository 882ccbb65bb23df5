/*
 * The handler registry: built-ins at start, plugins as they load.
 *
 * A plugin is never unloaded (a configuration still serving may use it),
 * so its handlers stay in the table after a reload drops it; each one
 * notes the load that last registered it, and a load sees only the
 * built-ins and the handlers of the plugins it lists itself.  Otherwise
 * a reload would accept a route whose plugin it no longer loads, which
 * -t and the next start refuse.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/cfg.h"
#include "lib/log.h"
#include "proto/http/handler.h"
#include "proto/http/http.h"

#define HANDLERS_MAX	64


#define HANDLER_BUILTIN	0	/* its load: seen by every load */

static const struct http_handler *handlers[HANDLERS_MAX];
static unsigned int	handler_load[HANDLERS_MAX];
static unsigned int	nhandlers;
static unsigned int	cur_load = HANDLER_BUILTIN;

void
http_handlers_begin(void)
{
	if (cur_load == HANDLER_BUILTIN) {
		(void)http_handler_register(&http_handler_static);
		(void)http_handler_register(&http_handler_redirect);
		(void)http_handler_register(&http_handler_status);
	}
	cur_load++;
}

static int
handler_visible(unsigned int i)
{
	return (handler_load[i] == HANDLER_BUILTIN ||
	    handler_load[i] == cur_load);
}

int
http_handler_register(const struct http_handler *h)
{
	unsigned int i;

	if (h == NULL || h->hd_name == NULL || h->hd_handle == NULL)
		return (-1);
	for (i = 0; i < nhandlers; i++) {
		if (strcmp(handlers[i]->hd_name, h->hd_name) != 0)
			continue;
		/*
		 * The same plugin loaded again by a reload is fine; so is a
		 * new one taking the name of a plugin this load dropped.
		 */
		if (handlers[i] == h || !handler_visible(i)) {
			handlers[i] = h;
			handler_load[i] = cur_load;
			return (0);
		}
		log_warnx("handler %s: already registered", h->hd_name);
		return (-1);
	}
	if (nhandlers == HANDLERS_MAX)
		return (-1);
	handler_load[nhandlers] = cur_load;
	handlers[nhandlers++] = h;
	return (0);
}

const struct http_handler *
http_handler_find(const char *name)
{
	unsigned int i;

	if (cur_load == HANDLER_BUILTIN)
		http_handlers_begin();
	for (i = 0; i < nhandlers; i++)
		if (handler_visible(i) &&
		    strcmp(handlers[i]->hd_name, name) == 0)
			return (handlers[i]);
	return (NULL);
}

void
tm_cfg_error(struct cfg_ctx *c, const config_setting_t *s, const char *fmt,
    ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cfg_error(c, s, "%s", msg);
}

int
tm_cfg_string(struct cfg_ctx *c, const config_setting_t *g, const char *key,
    char **out)
{
	return (cfg_strdup(c, g, key, out));
}

int
tm_cfg_int(struct cfg_ctx *c, const config_setting_t *g, const char *key,
    long long min, long long max, long long *out)
{
	return (cfg_int(c, g, key, min, max, out));
}

int
tm_cfg_bool(struct cfg_ctx *c, const config_setting_t *g, const char *key,
    int *out)
{
	return (cfg_bool(c, g, key, out));
}
