/*
 * Schema-walking helpers over libconfig 1.5.  A key counts as known once a
 * lookup touched it; libconfig's per-setting hook pointer is the mark (we
 * never use hooks for anything else, and a static marker needs no
 * destructor).
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cfg.h"

static char	cfg_seen;

static config_setting_t *cfg_lookup(const config_setting_t *, const char *);
static void	cfg_add(struct cfg_ctx *, const char *, unsigned int,
		    const char *);

void
cfg_ctx_init(struct cfg_ctx *c, const char *file)
{
	memset(c, 0, sizeof(*c));
	c->cc_file = file;
}

void
cfg_ctx_fini(struct cfg_ctx *c)
{
	size_t i;

	for (i = 0; i < c->cc_nmsgs; i++)
		free(c->cc_msgs[i]);
	free(c->cc_msgs);
	c->cc_msgs = NULL;
	c->cc_nmsgs = 0;
}

void
cfg_error(struct cfg_ctx *c, const config_setting_t *s, const char *fmt, ...)
{
	char msg[1024];
	const char *file = NULL;
	unsigned int lineno = 0;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (s != NULL) {
		file = config_setting_source_file(s);
		lineno = config_setting_source_line(s);
	}
	cfg_add(c, file, lineno, msg);
}

void
cfg_error_at(struct cfg_ctx *c, const char *file, int line, const char *fmt,
    ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cfg_add(c, file, line > 0 ? (unsigned int)line : 0, msg);
}

/* Count one error and keep its line: "file:line: msg" or "file: msg". */
static void
cfg_add(struct cfg_ctx *c, const char *file, unsigned int lineno,
    const char *msg)
{
	char *line = NULL, **v;

	if (file == NULL)
		file = c->cc_file;
	if (lineno > 0) {
		if (asprintf(&line, "%s:%u: %s", file, lineno, msg) == -1)
			line = NULL;
	} else if (asprintf(&line, "%s: %s", file, msg) == -1)
		line = NULL;
	c->cc_errors++;
	if (line == NULL)
		return;
	v = reallocarray(c->cc_msgs, c->cc_nmsgs + 1, sizeof(*v));
	if (v == NULL) {
		free(line);
		return;
	}
	c->cc_msgs = v;
	c->cc_msgs[c->cc_nmsgs++] = line;
}

static config_setting_t *
cfg_lookup(const config_setting_t *g, const char *key)
{
	config_setting_t *s;

	if (g == NULL)
		return (NULL);
	s = config_setting_get_member(g, key);
	if (s != NULL)
		config_setting_set_hook(s, &cfg_seen);
	return (s);
}

void
cfg_mark(const config_setting_t *g, const char *key)
{
	(void)cfg_lookup(g, key);
}

int
cfg_int(struct cfg_ctx *c, const config_setting_t *g, const char *key,
    long long min, long long max, long long *out)
{
	config_setting_t *s;
	long long v;

	if ((s = cfg_lookup(g, key)) == NULL)
		return (0);
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
		v = config_setting_get_int(s);
		break;
	case CONFIG_TYPE_INT64:
		v = config_setting_get_int64(s);
		break;
	default:
		cfg_error(c, s, "%s: expected an integer", key);
		return (-1);
	}
	if (v < min || v > max) {
		cfg_error(c, s, "%s: %lld is out of range (%lld to %lld)",
		    key, v, min, max);
		return (-1);
	}
	*out = v;
	return (1);
}

int
cfg_uint32(struct cfg_ctx *c, const config_setting_t *g, const char *key,
    uint32_t min, uint32_t max, uint32_t *out)
{
	long long v;
	int r;

	if ((r = cfg_int(c, g, key, min, max, &v)) == 1)
		*out = (uint32_t)v;
	return (r);
}

int
cfg_duration_ms(struct cfg_ctx *c, const config_setting_t *g,
    const char *key, uint32_t min_ms, uint32_t max_ms, uint32_t *out)
{
	config_setting_t *s;
	double v;

	if ((s = cfg_lookup(g, key)) == NULL)
		return (0);
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
		v = config_setting_get_int(s);
		break;
	case CONFIG_TYPE_INT64:
		v = (double)config_setting_get_int64(s);
		break;
	case CONFIG_TYPE_FLOAT:
		v = config_setting_get_float(s);
		break;
	default:
		cfg_error(c, s, "%s: expected a number of seconds", key);
		return (-1);
	}
	if (!isfinite(v) || v * 1000 < min_ms || v * 1000 > max_ms) {
		cfg_error(c, s, "%s: %g s is out of range (%g to %g)", key, v,
		    min_ms / 1000.0, max_ms / 1000.0);
		return (-1);
	}
	*out = (uint32_t)llround(v * 1000);
	return (1);
}

int
cfg_bool(struct cfg_ctx *c, const config_setting_t *g, const char *key,
    int *out)
{
	config_setting_t *s;

	if ((s = cfg_lookup(g, key)) == NULL)
		return (0);
	if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
		cfg_error(c, s, "%s: expected true or false", key);
		return (-1);
	}
	*out = config_setting_get_bool(s);
	return (1);
}

int
cfg_strdup(struct cfg_ctx *c, const config_setting_t *g, const char *key,
    char **out)
{
	config_setting_t *s;
	char *p;

	if ((s = cfg_lookup(g, key)) == NULL)
		return (0);
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		cfg_error(c, s, "%s: expected a string", key);
		return (-1);
	}
	if ((p = strdup(config_setting_get_string(s))) == NULL) {
		cfg_error(c, s, "%s: out of memory", key);
		return (-1);
	}
	free(*out);
	*out = p;
	return (1);
}

int
cfg_group(struct cfg_ctx *c, const config_setting_t *g, const char *key,
    config_setting_t **out)
{
	config_setting_t *s;

	if ((s = cfg_lookup(g, key)) == NULL)
		return (0);
	if (config_setting_type(s) != CONFIG_TYPE_GROUP) {
		cfg_error(c, s, "%s: expected a group { ... }", key);
		return (-1);
	}
	*out = s;
	return (1);
}

int
cfg_list(struct cfg_ctx *c, const config_setting_t *g, const char *key,
    config_setting_t **out)
{
	config_setting_t *s;

	if ((s = cfg_lookup(g, key)) == NULL)
		return (0);
	if (config_setting_type(s) != CONFIG_TYPE_LIST &&
	    config_setting_type(s) != CONFIG_TYPE_ARRAY) {
		cfg_error(c, s, "%s: expected a list ( ... )", key);
		return (-1);
	}
	*out = s;
	return (1);
}

int
cfg_strv(struct cfg_ctx *c, const config_setting_t *g, const char *key,
    char ***out, size_t *np)
{
	config_setting_t *s, *e;
	char **v;
	int i, n;

	if ((s = cfg_lookup(g, key)) == NULL)
		return (0);
	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		/* A lone string is a one-element list: friendlier. */
		n = 1;
	} else if (config_setting_type(s) != CONFIG_TYPE_ARRAY &&
	    config_setting_type(s) != CONFIG_TYPE_LIST) {
		cfg_error(c, s, "%s: expected [ \"...\", ... ]", key);
		return (-1);
	} else
		n = config_setting_length(s);
	if ((v = calloc((size_t)n + 1, sizeof(*v))) == NULL) {
		cfg_error(c, s, "%s: out of memory", key);
		return (-1);
	}
	for (i = 0; i < n; i++) {
		e = config_setting_type(s) == CONFIG_TYPE_STRING ? s :
		    config_setting_get_elem(s, (unsigned int)i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			cfg_error(c, e, "%s: element %d is not a string",
			    key, i + 1);
			cfg_strv_free(v);
			return (-1);
		}
		if ((v[i] = strdup(config_setting_get_string(e))) == NULL) {
			cfg_error(c, e, "%s: out of memory", key);
			cfg_strv_free(v);
			return (-1);
		}
	}
	cfg_strv_free(*out);
	*out = v;
	if (np != NULL)
		*np = (size_t)n;
	return (1);
}

void
cfg_strv_free(char **v)
{
	char **p;

	if (v == NULL)
		return;
	for (p = v; *p != NULL; p++)
		free(*p);
	free(v);
}

void
cfg_check_unknown(struct cfg_ctx *c, const config_setting_t *g,
    const char *what)
{
	config_setting_t *s;
	int i, n;

	if (g == NULL || !config_setting_is_aggregate(g) ||
	    config_setting_type(g) == CONFIG_TYPE_ARRAY ||
	    config_setting_type(g) == CONFIG_TYPE_LIST)
		return;
	n = config_setting_length(g);
	for (i = 0; i < n; i++) {
		s = config_setting_get_elem(g, (unsigned int)i);
		if (config_setting_get_hook(s) != &cfg_seen)
			cfg_error(c, s, "unknown key '%s' in %s",
			    config_setting_name(s), what);
	}
}
