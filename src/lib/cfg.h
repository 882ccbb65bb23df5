/*
 * Walking a libconfig tree against a schema: every lookup marks its key as
 * known, cfg_check_unknown() then reports whatever was not, and every error
 * is "file:line: message" and counted, so one run reports them all.
 * Nothing here knows tamarin's schema; config.c and the handlers do.
 */
#ifndef TM_CFG_H
#define TM_CFG_H

#include <stddef.h>
#include <stdint.h>

#include <libconfig.h>

struct cfg_wide;

/* Where an error is: its file's rank (0 the main file) and its line. */
struct cfg_pos {
	size_t		 cp_file;
	unsigned int	 cp_line;
};

struct cfg_ctx {
	const char	*cc_file;	/* the main file, for file-less errors */
	int		 cc_errors;
	/*
	 * Each error line (for -t and for reload logs), by file and line:
	 * the main file first, then the others in the order read (an
	 * included file) or named (any other), each error after those
	 * before it in its file and after the ones found before it on its
	 * line.  cc_pos[i] is cc_msgs[i]'s place.
	 */
	char		**cc_msgs;
	struct cfg_pos	*cc_pos;
	size_t		 cc_nmsgs;
	/* The files after the main one, in that order (the ranks). */
	char		**cc_files;
	size_t		 cc_nfiles;
	/*
	 * libconfig names an included file as @include wrote it; messages
	 * name a relative one by its path: name, path, name, path...
	 */
	char		**cc_incs;
	size_t		 cc_nincs;
	/* Integers libconfig 1.5 wraps to 32 bits, read right (cfg_read()). */
	struct cfg_wide	*cc_wide;
	size_t		 cc_nwide;
};

void	cfg_ctx_init(struct cfg_ctx *, const char *file);
void	cfg_ctx_fini(struct cfg_ctx *);
/*
 * Parse file into lc; a relative @include is taken from dir, in included
 * files too.  Every @include is checked first, for libconfig 1.5 names no
 * file when one is missing and exits the process on a directory.  The
 * working directory is dir while libconfig reads (single-threaded use
 * only).  Returns 0, or -1 with the errors reported.
 */
int	cfg_read(struct cfg_ctx *, config_t *lc, const char *file,
	    const char *dir);
void	cfg_error(struct cfg_ctx *, const config_setting_t *,
	    const char *, ...) __attribute__((format(printf, 3, 4)));
/*
 * The same for checks made after the tree is gone (certificates, keys):
 * "file:line: message" from a position kept at parse time.
 */
void	cfg_error_at(struct cfg_ctx *, const char *file, int line,
	    const char *, ...) __attribute__((format(printf, 4, 5)));

/*
 * Typed lookups of key in group (or record) g.  Return 1 when present and
 * valid, 0 when absent (*out untouched), -1 when present but wrong (the
 * error is reported and counted).  An integer is taken as written, to 64
 * bits, L or not, where libconfig 1.5 would keep 32 bits of one without.
 */
int	cfg_int(struct cfg_ctx *, const config_setting_t *g, const char *key,
	    long long min, long long max, long long *out);
int	cfg_uint32(struct cfg_ctx *, const config_setting_t *g,
	    const char *key, uint32_t min, uint32_t max, uint32_t *out);
/* Seconds as an integer or a float, returned in milliseconds. */
int	cfg_duration_ms(struct cfg_ctx *, const config_setting_t *g,
	    const char *key, uint32_t min_ms, uint32_t max_ms, uint32_t *out);
int	cfg_bool(struct cfg_ctx *, const config_setting_t *g,
	    const char *key, int *out);
/* A heap copy: libconfig's strings die with config_destroy(). */
int	cfg_strdup(struct cfg_ctx *, const config_setting_t *g,
	    const char *key, char **out);
/* The setting itself, checked to be a group / a list or array. */
int	cfg_group(struct cfg_ctx *, const config_setting_t *g,
	    const char *key, config_setting_t **out);
int	cfg_list(struct cfg_ctx *, const config_setting_t *g,
	    const char *key, config_setting_t **out);
/* An array (or list) of strings, copied; NULL-terminated vector. */
int	cfg_strv(struct cfg_ctx *, const config_setting_t *g,
	    const char *key, char ***out, size_t *n);
void	cfg_strv_free(char **);

/* Mark a key known without reading it (handled elsewhere). */
void	cfg_mark(const config_setting_t *g, const char *key);
/* Report every member of g not looked up: "unknown key 'x' in what". */
void	cfg_check_unknown(struct cfg_ctx *, const config_setting_t *g,
	    const char *what);
/*
 * Once all is read: report each element of a known list that is an
 * integer over 32 bits without L, as libconfig 1.5 kept only 32 of them
 * for whatever read it without cfg_*().
 */
void	cfg_check_wide(struct cfg_ctx *, const config_setting_t *root);

#endif /* TM_CFG_H */
