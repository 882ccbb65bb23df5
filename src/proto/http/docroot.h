/*
 * Document roots that follow their path.  The master opens each root
 * (O_PATH) once per configuration load; a deploy that then swaps a
 * symlink on the way to it (ln -sfn releases/2 current) or renames
 * another directory into its place must be served at once, as a server
 * that resolves the path for each request would serve it.
 */
#ifndef TM_HTTP_DOCROOT_H
#define TM_HTTP_DOCROOT_H

#include <stdint.h>

/*
 * Master: a configuration load starts; the roots it opens belong to the
 * returned load number (the configuration keeps it for its workers).
 */
unsigned int	docroot_begin(void);
/* Open path as a root of the current load: the fd, or -1 with errno. */
int		docroot_open(const char *path);
/* Close a root that docroot_open() returned (-1: nothing). */
void		docroot_close(int fd);

/*
 * Worker: follow the roots of load (and drop the others'), from
 * docroot_ready() on.  A root whose path now leads to another directory
 * is reopened onto the same descriptor number, so every holder of the
 * number serves the new tree, and the file cache is emptied.  0, or -1
 * when nothing needs watching.
 */
int		docroot_start(unsigned int load);
/* Privileges are dropped: the first look and watches. */
void		docroot_ready(void);
/* The inotify descriptor for the worker's loop, or -1. */
int		docroot_watch_fd(void);
/* It is readable: a name on the way to a root may have changed. */
void		docroot_event(void);
/* Every loop turn: checks each root's path once a second. */
void		docroot_tick(uint64_t now_ms);
void		docroot_stop(void);

#endif /* TM_HTTP_DOCROOT_H */
