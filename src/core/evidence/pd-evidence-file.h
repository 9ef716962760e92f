/* pd-evidence-file.h — reading files of an evidence package without being led outside it. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A relative name made only of ordinary components: never absolute, never "..", never empty,
 * no control characters or backslashes, valid UTF-8, at most 1024 bytes. */
gboolean pd_evidence_name_is_safe (const char *relname);
/* Opens `relname` below `dirfd` one component at a time with O_NOFOLLOW (so neither a crafted
 * name nor a symbolic link on the way leads outside the package) and O_NONBLOCK (so a FIFO
 * cannot hang the reader); refuses anything but a regular file. A file descriptor or -1. */
int      pd_evidence_open_at      (int dirfd, const char *relname, GError **error);
/* The whole of `relname` below `dirfd`, refusing more than `limit` bytes. */
GBytes  *pd_evidence_read_at      (int dirfd, const char *relname, gsize limit, GError **error);

/* Opens a regular file (never a FIFO or device: O_NONBLOCK, then fstat). A descriptor or -1. */
int      pd_open_regular          (const char *path, GError **error);
/* Reads `fd` to its end, refusing more than `limit` bytes; `name` is for errors. */
GBytes  *pd_read_fd_limited       (int fd, gsize limit, const char *name, GError **error);

G_END_DECLS
