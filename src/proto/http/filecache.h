/*
 * The open-file cache of a worker: what the static handler learnt about a
 * path — a small file's bytes, validators, type and ready-made header
 * lines, or that the path is a directory — so that a repeated request for
 * it costs no open, stat, read or close.
 *
 * Entries are invalidated when the file changes: every directory from the
 * site root down to the file is watched with inotify (before the file is
 * opened, so no change can slip between), and so is the file's own inode
 * while it is cached (a write through a hard link elsewhere reaches no
 * watched directory); any event empties the cache before the next request
 * is served.  Paths
 * that go through a symlink are never cached: their targets could change
 * unseen.  Entries are reference-counted: one a response is still sending
 * survives an invalidation until the response is done.
 */
#ifndef TM_HTTP_FILECACHE_H
#define TM_HTTP_FILECACHE_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "proto/http/cond.h"
#include "proto/http/fspath.h"

/* Files up to this size are cached, in memory, and sent with the head. */
#define FC_BODY_MAX	(32 * 1024)

/* The last line of every cached head (fe_hdrs). */
#define FC_ACCEPT_RANGES "Accept-Ranges: bytes\r\n"

#define FC_FILE		1
#define FC_DIR		2

struct fc_entry {
	struct fc_entry	*fe_next;	/* hash chain */
	struct fc_entry	*fe_wnext;	/* chain of entries by watch */
	int		 fe_wd;		/* its inode's watch, or -1 */
	struct fc_entry	*fe_lru_prev;
	struct fc_entry	*fe_lru_next;
	uint64_t	 fe_hash;
	const void	*fe_owner;	/* the route's handler data */
	uint8_t		 fe_kind;	/* FC_FILE, FC_DIR */
	uint8_t		 fe_dead;	/* invalidated, freed at last unref */
	uint32_t	 fe_refs;
	char		*fe_path;
	size_t		 fe_pathlen;
	/* FC_FILE: what a response needs. */
	char		*fe_body;
	off_t		 fe_size;
	ino_t		 fe_ino;
	time_t		 fe_mtime;
	long		 fe_mtime_nsec;
	/* "Last-Modified: ...\r\nETag: ...\r\n" FC_ACCEPT_RANGES */
	char		*fe_hdrs;
	size_t		 fe_hdrs_len;
	char		 fe_lm[32];	/* the Last-Modified value */
	char		 fe_etag[HTTP_ETAG_MAX];
	size_t		 fe_etag_len;
};

/* Set up the worker's cache; 0, or -1 when there is none (no inotify). */
int	fc_init(size_t max_entries, size_t max_bytes);
void	fc_fini(void);
/* The inotify descriptor for the worker's loop, or -1. */
int	fc_watch_fd(void);
/* The inotify descriptor is readable: read the events, empty the cache. */
void	fc_events(void);
/* Empty the cache (a document root now leads elsewhere). */
void	fc_flush(void);

/* The live entry for (owner, path), with a reference taken; or NULL. */
struct fc_entry *fc_lookup(const void *owner, const char *path, size_t len);
/*
 * Open path beneath rootfd as the static handler would, and cache what it
 * is when it can.  Returns the open descriptor (the caller owns it) or -1
 * with errno as fs_open_beneath() sets it.  *fep is set to a new entry
 * with a reference when the result was cached (a small regular file —
 * read whole, its descriptor then still the caller's — or a directory),
 * else NULL.  etag: make an ETag for it.
 */
int	fc_open(const void *owner, int rootfd, const char *path, size_t len,
	    enum fs_symlinks, int etag, struct fc_entry **fep);
void	fc_ref(struct fc_entry *);
void	fc_unref(struct fc_entry *);
/* fc_unref() with the shape of a response-body release callback. */
void	fc_unref_cb(void *);

struct fc_stats {
	uint64_t	 fs_hits;
	uint64_t	 fs_misses;
	uint64_t	 fs_flushes;
	size_t		 fs_entries;
	size_t		 fs_bytes;
};
void	fc_stats(struct fc_stats *);

#endif /* TM_HTTP_FILECACHE_H */
