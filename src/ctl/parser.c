/*
 * tamarinctl's command words, from a token table matched by unambiguous
 * prefix, as OpenBSD relayctl's parser.c does: "sh sl" is "show slots",
 * "re" is refused because it could be reload or reopen, and every refusal
 * lists the words that would have been accepted there.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl.h"

enum token_type {
	NOTOKEN = 0,	/* the words may end here */
	ENDTOKEN,	/* end of a table */
	KEYWORD,	/* a command word */
	OPTION		/* a slot filter or check's -c, with a value */
};

enum opt_id {
	OPT_NONE = 0,
	OPT_WORKER,
	OPT_STATE,
	OPT_PROTOCOL,
	OPT_LISTENER,
	OPT_PEER,
	OPT_OLDER,
	OPT_SORT,
	OPT_CONFIG
};

struct token {
	enum token_type		 tk_type;
	const char		*tk_word;
	int			 tk_value;	/* action or option */
	const struct token	*tk_next;
};

static const struct token *match_token(const char *, const struct token *,
		    const char **);
static void	valid_words(const struct token *);
static void	set_option(struct ctl_params *, int, const char *);
static long long parse_number(const char *, const char *);

static const struct token t_show[];
static const struct token t_slots[];
static const struct token t_check[];

static const struct token t_main[] = {
	{ KEYWORD,	"show",		CTL_NONE,		t_show },
	{ KEYWORD,	"top",		CTL_TOP,		NULL },
	{ KEYWORD,	"reload",	CTL_RELOAD,		NULL },
	{ KEYWORD,	"stop",		CTL_STOP,		NULL },
	{ KEYWORD,	"graceful",	CTL_GRACEFUL,		NULL },
	{ KEYWORD,	"reopen",	CTL_REOPEN,		NULL },
	{ KEYWORD,	"check",	CTL_CHECK,		t_check },
	{ ENDTOKEN,	NULL,		0,			NULL }
};

static const struct token t_show[] = {
	{ KEYWORD,	"summary",	CTL_SHOW_SUMMARY,	NULL },
	{ KEYWORD,	"workers",	CTL_SHOW_WORKERS,	NULL },
	{ KEYWORD,	"slots",	CTL_SHOW_SLOTS,		t_slots },
	{ KEYWORD,	"listeners",	CTL_SHOW_LISTENERS,	NULL },
	{ ENDTOKEN,	NULL,		0,			NULL }
};

/* Options loop back to this table: any number, in any order. */
static const struct token t_slots[] = {
	{ NOTOKEN,	"",		0,			NULL },
	{ OPTION,	"--worker",	OPT_WORKER,		t_slots },
	{ OPTION,	"--state",	OPT_STATE,		t_slots },
	{ OPTION,	"--protocol",	OPT_PROTOCOL,		t_slots },
	{ OPTION,	"--listener",	OPT_LISTENER,		t_slots },
	{ OPTION,	"--peer",	OPT_PEER,		t_slots },
	{ OPTION,	"--older-than",	OPT_OLDER,		t_slots },
	{ OPTION,	"--sort",	OPT_SORT,		t_slots },
	{ ENDTOKEN,	NULL,		0,			NULL }
};

static const struct token t_check[] = {
	{ NOTOKEN,	"",		0,			NULL },
	{ OPTION,	"-c",		OPT_CONFIG,		NULL },
	{ ENDTOKEN,	NULL,		0,			NULL }
};

static const struct token t_sort[] = {
	{ KEYWORD,	"age",		CTL_SORT_AGE,		NULL },
	{ KEYWORD,	"idle",		CTL_SORT_IDLE,		NULL },
	{ KEYWORD,	"bytes",	CTL_SORT_BYTES,		NULL },
	{ KEYWORD,	"requests",	CTL_SORT_REQUESTS,	NULL },
	{ ENDTOKEN,	NULL,		0,			NULL }
};

void
ctl_parse(int argc, char *argv[], struct ctl_params *p)
{
	const struct token *table = t_main, *t;
	const char *value;
	int i;

	memset(p, 0, sizeof(*p));
	p->cp_filter.cf_worker = -1;
	p->cp_filter.cf_state = -1;
	p->cp_filter.cf_older_ms = -1;
	for (i = 0; table != NULL; i++) {
		if (i >= argc) {
			if (table[0].tk_type == NOTOKEN)
				break;
			fprintf(stderr, "tamarinctl: missing argument\n");
			valid_words(table);
			exit(CTL_EXIT_USAGE);
		}
		t = match_token(argv[i], table, &value);
		if (t->tk_type == KEYWORD) {
			if (t->tk_value != CTL_NONE)
				p->cp_action = t->tk_value;
		} else {
			/* "--worker=3" or "--worker 3" */
			if (value == NULL) {
				if (i + 1 >= argc) {
					fprintf(stderr, "tamarinctl: %s: "
					    "missing value\n", t->tk_word);
					exit(CTL_EXIT_USAGE);
				}
				value = argv[++i];
			}
			set_option(p, t->tk_value, value);
		}
		table = t->tk_next;
	}
	if (i < argc) {
		fprintf(stderr, "tamarinctl: unexpected argument: %s\n",
		    argv[i]);
		exit(CTL_EXIT_USAGE);
	}
}

/*
 * The one entry word is a prefix of (an exact match wins over longer
 * words); exits 1 when none or several are.  For an option written
 * "--name=value", *value points at the value, else it is NULL.
 */
static const struct token *
match_token(const char *word, const struct token *table, const char **value)
{
	const struct token *t, *match = NULL;
	const char *eq;
	size_t len;
	int n = 0;

	*value = NULL;
	len = strlen(word);
	if (word[0] == '-' && (eq = strchr(word, '=')) != NULL) {
		len = (size_t)(eq - word);
		*value = eq + 1;
	}
	for (t = table; t->tk_type != ENDTOKEN; t++) {
		if (t->tk_type == NOTOKEN || len == 0 ||
		    strncmp(t->tk_word, word, len) != 0)
			continue;
		if (strlen(t->tk_word) == len) {
			match = t;
			n = 1;
			break;
		}
		match = t;
		n++;
	}
	if (n == 1 && (*value == NULL || match->tk_type == OPTION))
		return (match);
	fprintf(stderr, "tamarinctl: %s argument: %s\n",
	    n > 1 ? "ambiguous" : "unknown", word);
	valid_words(table);
	exit(CTL_EXIT_USAGE);
}

static void
valid_words(const struct token *table)
{
	const struct token *t;

	fprintf(stderr, "valid arguments:");
	for (t = table; t->tk_type != ENDTOKEN; t++)
		if (t->tk_type != NOTOKEN)
			fprintf(stderr, " %s%s", t->tk_word,
			    t->tk_type == OPTION ? " ARG" : "");
	fprintf(stderr, "\n");
}

static long long
parse_number(const char *opt, const char *s)
{
	long long v;
	char *end;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0) {
		fprintf(stderr, "tamarinctl: %s: not a number: %s\n", opt, s);
		exit(CTL_EXIT_USAGE);
	}
	return (v);
}

static void
set_option(struct ctl_params *p, int opt, const char *value)
{
	struct ctl_filter *f = &p->cp_filter;
	const struct token *t;
	const char *dummy;
	unsigned int i;

	switch (opt) {
	case OPT_WORKER:
		f->cf_worker = parse_number("--worker", value);
		break;
	case OPT_STATE:
		if ((f->cf_state = report_slot_state_parse(value)) != -1)
			break;
		fprintf(stderr, "tamarinctl: --state: unknown state: %s\n"
		    "valid states:", value);
		for (i = 0; i < TM_SLOT__COUNT; i++)
			fprintf(stderr, " %c %s%s", report_slot_letter(i),
			    report_slot_state(i), i + 1 < TM_SLOT__COUNT ?
			    "," : "\n");
		exit(CTL_EXIT_USAGE);
	case OPT_PROTOCOL:
		f->cf_protocol = value;
		break;
	case OPT_LISTENER:
		f->cf_listener = value;
		break;
	case OPT_PEER:
		f->cf_peer = value;
		break;
	case OPT_OLDER:
		f->cf_older_ms = parse_number("--older-than", value);
		if (f->cf_older_ms > INT64_MAX / 1000) {
			fprintf(stderr, "tamarinctl: --older-than: too large: "
			    "%s\n", value);
			exit(CTL_EXIT_USAGE);
		}
		f->cf_older_ms *= 1000;
		break;
	case OPT_SORT:
		t = match_token(value, t_sort, &dummy);
		f->cf_sort = (enum ctl_sort)t->tk_value;
		break;
	case OPT_CONFIG:
		p->cp_check_config = value;
		break;
	default:
		break;
	}
}
