/* pd-export-folder.c — exports to a folder or USB drive: copies every file, syncs, reads it all back, verifies in place. */
#define G_LOG_DOMAIN "pd-export"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gunixmounts.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/pd-error.h"
#include "export/pd-export-private.h"

/* ------------------------------------------------------------------------------------------ */
/* Folder / USB drive                                                                         */
/* ------------------------------------------------------------------------------------------ */

static gboolean
dir_is_empty (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);

  return dir != NULL && g_dir_read_name (dir) == NULL;
}

gboolean
pd_export_fsync_path (const char *path)
{
  int fd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  gboolean ok;

  if (fd < 0)
    return FALSE;
  /* Some file systems (vfat over FUSE, …) refuse fsync on a folder; the files are synced. */
  ok = fsync (fd) == 0 || errno == EINVAL || errno == EROFS;
  close (fd);
  return ok;
}

gboolean
pd_export_write_all (int fd, const guint8 *data, gsize len)
{
  while (len > 0)
    {
      ssize_t n = write (fd, data, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          if (n == 0)
            errno = ENOSPC;
          return FALSE;
        }
      data += n;
      len -= n;
    }
  return TRUE;
}

/* A write failed (errno says why): closes `out` when it is open. */
static gboolean
write_failed (int out, const char *dst, GError **error)
{
  int saved = errno;

  if (out >= 0)
    close (out);
  return pd_export_io_error (error, saved == ENOSPC ? PD_EXPORT_ERROR_NO_SPACE : PD_EXPORT_ERROR_IO,
                             saved, _("Cannot write “%s”"), dst);
}

/* A package file into `out`, hashed as it is read: the source must still be what was verified.
 * FALSE with `error` set, or with *failed_write set and errno saying why. */
static gboolean
copy_package_file (Job *job, PlanFile *pf, int out, guint64 *done, gboolean *failed_write,
                   GError **error)
{
  g_autofree guint8 *buf = NULL;
  g_autofree char *sha = NULL;
  int in = pd_export_open_beneath (pf->src_root, pf->src_rel, error);
  Digest d;

  if (in < 0)
    return FALSE;
  buf = g_malloc (COPY_BUFFER);
  pd_export_digest_init (&d, FALSE);
  for (;;)
    {
      ssize_t n = read (in, buf, COPY_BUFFER);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;
          g_autofree char *src = g_build_filename (pf->src_root, pf->src_rel, NULL);

          g_free (pd_export_digest_finish (&d, NULL));
          close (in);
          return pd_export_io_error (error, PD_EXPORT_ERROR_IO, saved, _("Cannot read “%s”"), src);
        }
      if (n == 0)
        break;
      pd_export_digest_update (&d, buf, n);
      if (!pd_export_write_all (out, buf, n))
        {
          int saved = errno;

          g_free (pd_export_digest_finish (&d, NULL));
          close (in);
          errno = saved;
          *failed_write = TRUE;
          return FALSE;
        }
      *done += n;
      pd_export_progress (job, PD_EXPORT_PHASE_WRITE, *done, job->total);
      if (g_cancellable_set_error_if_cancelled (job->cancellable, error))
        {
          g_free (pd_export_digest_finish (&d, NULL));
          close (in);
          return FALSE;
        }
    }
  close (in);
  sha = pd_export_digest_finish (&d, NULL);
  if (!g_str_equal (sha, pf->sha256))
    {
      g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_CHANGED,
                   _("“%s” changed after it was verified (SHA-256 %s, expected %s); the "
                     "export is stopped."), pf->src_rel, sha, pf->sha256);
      return FALSE;
    }
  return TRUE;
}

/* Copies one file, hashing what it reads: the source must still be what was verified. */
static gboolean
copy_one (Job *job, PlanFile *pf, const char *dst, guint64 *done, GError **error)
{
  gboolean failed_write = FALSE;
  int out;

  out = open (dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (out < 0)
    return pd_export_io_error (error, errno == EEXIST ? PD_EXPORT_ERROR_EXISTS : PD_EXPORT_ERROR_IO, errno,
                     _("Cannot create “%s”"), dst);
  if (pf->data != NULL)
    {
      gsize len;
      const guint8 *data = g_bytes_get_data (pf->data, &len);

      if (!pd_export_write_all (out, data, len))
        return write_failed (out, dst, error);
      *done += len;
    }
  else if (!copy_package_file (job, pf, out, done, &failed_write, error))
    {
      if (failed_write)
        return write_failed (out, dst, error);
      close (out);
      return FALSE;
    }
  {
    struct timespec times[2] = { { pf->mtime, 0 }, { pf->mtime, 0 } };
    futimens (out, times); /* nice to have; the content is what counts */
  }
  if (fsync (out) != 0)
    return write_failed (out, dst, error);
  /* Drop the cached pages so the read-back comes from the device, not from memory. */
  posix_fadvise (out, 0, 0, POSIX_FADV_DONTNEED);
  if (close (out) != 0)
    return write_failed (-1, dst, error);
  return TRUE;
}

static void
undo_folder (Job *job, const char *root, gboolean created_root, guint n_files, guint n_dirs)
{
  for (guint i = 0; i < n_files; i++)
    {
      PlanFile *pf = g_ptr_array_index (job->files, i);
      g_autofree char *dst = g_build_filename (root, pf->rel, NULL);

      g_unlink (dst);
    }
  for (guint i = n_dirs; i > 0; i--)
    {
      g_autofree char *dst = g_build_filename (root, g_ptr_array_index (job->dirs, i - 1), NULL);

      g_rmdir (dst);
    }
  if (created_root)
    g_rmdir (root);
}

static gboolean
is_removable (const char *path)
{
  g_autofree char *real = realpath (path, NULL);
  GUnixMountEntry *mount;
  gboolean removable;

  if (real == NULL)
    return FALSE;
  mount = g_unix_mount_for (real, NULL);
  if (mount == NULL)
    return FALSE;
  removable = g_unix_mount_guess_can_eject (mount);
  g_unix_mount_free (mount);
  return removable;
}

/* Checked before anything is written: an empty or new folder, with room for everything. */
static gboolean
prepare_folder (Job *job, const char *root, gboolean *created_root, GError **error)
{
  guint64 need = 0;
  GStatBuf st;

  if (g_lstat (root, &st) == 0)
    {
      if (!S_ISDIR (st.st_mode) || !dir_is_empty (root))
        {
          g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_EXISTS,
                       _("“%s” is not an empty folder; export to a new or empty folder."), root);
          return FALSE;
        }
    }
  need = job->total + (guint64) (job->files->len + job->dirs->len) * PER_FILE_SLACK;
  if (!pd_export_check_capacity (job, need, pd_export_free_space (root), error))
    return FALSE;
  if (g_lstat (root, &st) != 0)
    {
      if (g_mkdir_with_parents (root, 0755) != 0)
        return pd_export_io_error (error, PD_EXPORT_ERROR_IO, errno, _("Cannot create the folder “%s”"), root);
      *created_root = TRUE;
    }
  job->result->removable = is_removable (root);
  return TRUE;
}

/* Every folder, then every file; on failure what was written is removed again. */
static gboolean
write_tree (Job *job, const char *root, gboolean created_root, GError **error)
{
  guint64 done = 0;
  guint n_files = 0, n_dirs = 0;

  pd_export_progress (job, PD_EXPORT_PHASE_WRITE, 0, job->total);
  for (; n_dirs < job->dirs->len; n_dirs++)
    {
      g_autofree char *dst = g_build_filename (root, g_ptr_array_index (job->dirs, n_dirs), NULL);

      if (g_mkdir (dst, 0755) != 0)
        {
          pd_export_io_error (error, PD_EXPORT_ERROR_IO, errno, _("Cannot create the folder “%s”"), dst);
          undo_folder (job, root, created_root, n_files, n_dirs);
          return FALSE;
        }
    }
  for (; n_files < job->files->len; n_files++)
    {
      PlanFile *pf = g_ptr_array_index (job->files, n_files);
      g_autofree char *dst = g_build_filename (root, pf->rel, NULL);

      if (!copy_one (job, pf, dst, &done, error))
        {
          undo_folder (job, root, created_root, n_files + 1, n_dirs);
          return FALSE;
        }
    }
  job->result->bytes_written = done;
  return TRUE;
}

static gboolean
flush_tree (Job *job, const char *root, GError **error)
{
  pd_export_progress (job, PD_EXPORT_PHASE_FINALISE, 0, job->dirs->len + 1);
  for (guint i = job->dirs->len; i > 0; i--)
    {
      g_autofree char *dst = g_build_filename (root, g_ptr_array_index (job->dirs, i - 1), NULL);

      if (!pd_export_fsync_path (dst))
        return pd_export_io_error (error, PD_EXPORT_ERROR_IO, errno, _("Cannot flush “%s” to the drive"), dst);
    }
  if (!pd_export_fsync_path (root))
    return pd_export_io_error (error, PD_EXPORT_ERROR_IO, errno, _("Cannot flush “%s” to the drive"), root);
  pd_export_progress (job, PD_EXPORT_PHASE_FINALISE, job->dirs->len + 1, job->dirs->len + 1);
  return TRUE;
}

/* Reads every file back from the target, then verifies the packages as a whole, in place,
 * with the same trust store. */
static gboolean
read_back_folder (Job *job, const char *root, GError **error)
{
  guint64 done = 0;

  pd_export_progress (job, PD_EXPORT_PHASE_READ_BACK, 0, job->total);
  for (guint i = 0; i < job->files->len; i++)
    {
      PlanFile *pf = g_ptr_array_index (job->files, i);
      PdExportFile *f = pd_export_record_file (job, pf);
      g_autofree char *rel = g_strdup (pf->rel);
      g_autoptr (GError) local_error = NULL;
      g_autofree char *sha = NULL;
      guint64 size = 0;
      int fd = pd_export_open_beneath (root, rel, &local_error);

      if (fd >= 0)
        {
          sha = pd_export_hash_fd (job, fd, PD_EXPORT_PHASE_READ_BACK, &done, &size, &local_error);
          close (fd);
        }
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      pd_export_judge (job, f, sha, size, sha ? NULL : local_error->message);
    }
  for (guint i = 0; i < job->result->packages->len; i++)
    {
      PdExportPackage *p = g_ptr_array_index (job->result->packages, i);
      g_autofree char *dir = g_build_filename (root, p->export_dir, NULL);
      g_autoptr (PdVerifyResult) vr = pd_verify_package (dir, job->trust, NULL, NULL,
                                                         job->cancellable, NULL);

      p->reverified = TRUE;
      p->reverify_verdict = vr ? pd_verify_result_get_verdict (vr) : PD_VERDICT_ERROR;
    }
  return TRUE;
}

gboolean
pd_export_write_folder (Job *job, GError **error)
{
  const char *root = job->self->target;
  gboolean created_root = FALSE;

  return prepare_folder (job, root, &created_root, error) &&
         write_tree (job, root, created_root, error) &&
         flush_tree (job, root, error) &&
         read_back_folder (job, root, error);
}
