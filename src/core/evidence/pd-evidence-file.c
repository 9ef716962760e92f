/* pd-evidence-file.c — reading files of an evidence package without being led outside it. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "evidence/pd-evidence-file.h"
#include "util/pd-error.h"

GBytes *
pd_read_fd_limited (int fd, gsize limit, const char *name, GError **error)
{
  g_autoptr (GByteArray) data = g_byte_array_new ();
  guint8 buf[65536];

  for (;;)
    {
      ssize_t n = read (fd, buf, sizeof buf);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       _("Cannot read “%s”: %s"), name, g_strerror (saved));
          return NULL;
        }
      if (n == 0)
        break;
      if (data->len + (gsize) n > limit)
        {
          g_set_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_TOO_LARGE,
                       _("“%s” is too large to be what it claims to be."), name);
          return NULL;
        }
      g_byte_array_append (data, buf, (guint) n);
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&data));
}

int
pd_open_regular (const char *path, GError **error)
{
  struct stat st;
  int fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NONBLOCK, 0);

  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Cannot open “%s”: %s"), path, g_strerror (saved));
      return -1;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      g_set_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_IO, _("“%s” is not a regular file."),
                   path);
      return -1;
    }
  return fd;
}

/* A relative name made only of ordinary components: never absolute, never "..", never empty. */
gboolean
pd_evidence_name_is_safe (const char *relname)
{
  g_auto (GStrv) parts = NULL;

  if (relname == NULL || *relname == '\0' || strlen (relname) > 1024 ||
      g_path_is_absolute (relname) || !g_utf8_validate (relname, -1, NULL))
    return FALSE;
  for (const char *c = relname; *c; c++)
    if ((guchar) *c < 0x20 || *c == 0x7f || *c == '\\')
      return FALSE;
  parts = g_strsplit (relname, "/", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    if (*parts[i] == '\0' || g_str_equal (parts[i], ".") || g_str_equal (parts[i], ".."))
      return FALSE;
  return TRUE;
}

/* Opens `relname` below `dirfd` one component at a time with O_NOFOLLOW, so that neither a
 * crafted name nor a symbolic link anywhere on the way can make us read outside the package. */
int
pd_evidence_open_at (int dirfd, const char *relname, GError **error)
{
  g_auto (GStrv) parts = NULL;
  int cur = dirfd;
  int fd = -1;
  struct stat st;

  if (!pd_evidence_name_is_safe (relname))
    {
      g_set_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_BAD_NAME,
                   _("“%s” is not a file name inside the package."), relname ? relname : "");
      return -1;
    }
  parts = g_strsplit (relname, "/", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      gboolean last = parts[i + 1] == NULL;
      int flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW | (last ? O_NONBLOCK : O_DIRECTORY);

      fd = openat (cur, parts[i], flags);
      if (cur != dirfd)
        close (cur);
      if (fd < 0)
        {
          int saved = errno;

          if (saved == ELOOP || (saved == ENOTDIR && !last))
            g_set_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_BAD_NAME,
                         _("“%s” is, or passes through, a symbolic link; refusing to follow it."),
                         relname);
          else
            g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                         _("Cannot open “%s”: %s"), relname, g_strerror (saved));
          return -1;
        }
      cur = fd;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      g_set_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_BAD_NAME,
                   _("“%s” is not a regular file."), relname);
      return -1;
    }
  return fd;
}

GBytes *
pd_evidence_read_at (int dirfd, const char *relname, gsize limit, GError **error)
{
  int fd = pd_evidence_open_at (dirfd, relname, error);
  GBytes *bytes;

  if (fd < 0)
    return NULL;
  bytes = pd_read_fd_limited (fd, limit, relname, error);
  close (fd);
  return bytes;
}
