/* pd-export-iso.c — exports to an ISO 9660 image with libisofs, and reads an image (a file or a disc) back against the plan. */
#define G_LOG_DOMAIN "pd-export"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/pd-error.h"
#include "export/pd-export-private.h"

/* ------------------------------------------------------------------------------------------ */
/* ISO image (libisofs)                                                                       */
/* ------------------------------------------------------------------------------------------ */

/* A generated file (INDEX.html, …), from memory. */
static int
add_memory_file (IsoDir *up, const char *base, GBytes *data, IsoNode **node)
{
  IsoStream *stream = NULL;
  gsize len = g_bytes_get_size (data);
  /* libisofs frees the buffer with free(): GLib's allocator is the system one. */
  unsigned char *copy = malloc (MAX (len, 1));
  int ret;

  memcpy (copy, g_bytes_get_data (data, NULL), len);
  ret = iso_memory_stream_new (copy, len, &stream);
  if (ret < 0)
    free (copy);
  else
    {
      /* The new file takes over our reference to the stream. */
      ret = iso_tree_add_new_file (up, base, stream, (IsoFile **) node);
      if (ret < 0)
        iso_stream_unref (stream);
    }
  return ret;
}

/* One planned file under its folder in the image; FALSE with `error` set. */
static gboolean
add_plan_file (IsoImage *image, GHashTable *dirs, PlanFile *pf, GError **error)
{
  g_autofree char *parent = g_path_get_dirname (pf->rel);
  g_autofree char *base = g_path_get_basename (pf->rel);
  IsoDir *up = g_hash_table_lookup (dirs, parent);
  IsoNode *node = NULL;
  int ret;

  if (up == NULL)
    ret = (int) ISO_NULL_POINTER;
  else if (pf->data != NULL)
    ret = add_memory_file (up, base, pf->data, &node);
  else
    {
      /* libisofs wants an absolute path. */
      g_autofree char *rel_src = g_build_filename (pf->src_root, pf->src_rel, NULL);
      g_autofree char *src = g_canonicalize_filename (rel_src, NULL);

      ret = iso_tree_add_new_node (image, up, base, src, &node);
      if (ret >= 0 && iso_node_get_type (node) != LIBISO_FILE)
        {
          g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_BAD_PACKAGE,
                       _("“%s” is no longer a regular file."), src);
          return FALSE;
        }
    }
  if (ret < 0)
    return pd_export_iso_failed (error, PD_EXPORT_ERROR_ISO, ret, pf->rel);
  return TRUE;
}

IsoImage *
pd_export_build_image (Job *job, GError **error)
{
  g_autoptr (IsoImage) image = NULL;
  g_autoptr (GHashTable) dirs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *preparer = g_strdup_printf ("Proofdesk %s", PACKAGE_VERSION);
  g_autofree char *label_id = NULL;
  int ret;

  ret = iso_image_new (job->result->volume_id, &image);
  if (ret < 0)
    return pd_export_iso_failed (error, PD_EXPORT_ERROR_ISO, ret, _("Cannot create the ISO image")), NULL;
  /* The primary descriptor holds only d-characters; the Joliet descriptor holds these in UCS-2,
   * so the label shows in full (up to 64 characters) where the volume id cannot. */
  label_id = g_utf8_substring (job->result->label, 0, MIN (64, g_utf8_strlen (job->result->label, -1)));
  iso_image_set_application_id (image, label_id);
  iso_image_set_volset_id (image, label_id);
  iso_image_set_publisher_id (image, "Proofdesk");
  iso_image_set_data_preparer_id (image, preparer);
  iso_image_set_ignore_aclea (image, 1 | 2);
  iso_tree_set_follow_symlinks (image, 0);
  iso_tree_set_ignore_special (image, 1);
  g_hash_table_insert (dirs, g_strdup ("."), iso_image_get_root (image));

  for (guint i = 0; i < job->dirs->len; i++)
    {
      const char *rel = g_ptr_array_index (job->dirs, i);
      g_autofree char *parent = g_path_get_dirname (rel);
      g_autofree char *base = g_path_get_basename (rel);
      IsoDir *up = g_hash_table_lookup (dirs, parent), *dir = NULL;

      ret = up ? iso_tree_add_new_dir (up, base, &dir) : (int) ISO_NULL_POINTER;
      if (ret < 0)
        return pd_export_iso_failed (error, PD_EXPORT_ERROR_ISO, ret, rel), NULL;
      g_hash_table_insert (dirs, g_strdup (rel), dir);
    }
  for (guint i = 0; i < job->files->len; i++)
    if (!add_plan_file (image, dirs, g_ptr_array_index (job->files, i), error))
      return NULL;
  return g_steal_pointer (&image);
}

static IsoWriteOpts *
make_write_opts (GError **error)
{
  g_autoptr (IsoWriteOpts) opts = NULL;
  int ret = iso_write_opts_new (&opts, 0);

  if (ret < 0)
    return pd_export_iso_failed (error, PD_EXPORT_ERROR_ISO, ret, _("Cannot set up the ISO image")), NULL;
  /* Level 3: a recording may pass 4 GiB. Rock Ridge keeps exact names for Linux and macOS,
   * Joliet for Windows; MD5s of the session and of every file let anyone check the disc. */
  iso_write_opts_set_iso_level (opts, 3);
  iso_write_opts_set_rockridge (opts, 1);
  iso_write_opts_set_joliet (opts, 1);
  iso_write_opts_set_joliet_longer_paths (opts, 1);
  iso_write_opts_set_joliet_long_names (opts, 1);
  /* The MD5 array is found through an AAIP attribute of the root: AAIP on, but no ACL or
   * xattr of the workstation's files goes on the disc (iso_image_set_ignore_aclea). */
  iso_write_opts_set_aaip (opts, 1);
  iso_write_opts_set_record_md5 (opts, 1, 1);
  iso_write_opts_set_replace_mode (opts, 1, 1, 1, 1);
  iso_write_opts_set_always_gmt (opts, 1);
  iso_write_opts_set_output_charset (opts, "UTF-8");
  return g_steal_pointer (&opts);
}

struct burn_source *
pd_export_image_source (IsoImage *image, GError **error)
{
  g_autoptr (IsoWriteOpts) opts = make_write_opts (error);
  struct burn_source *src = NULL;
  int ret;

  if (opts == NULL)
    return NULL;
  ret = iso_image_create_burn_source (image, opts, &src);
  if (ret < 0)
    return pd_export_iso_failed (error, PD_EXPORT_ERROR_ISO, ret, _("Cannot start writing the ISO image")), NULL;
  return src;
}

/* Something on the target that the export did not put there (or not as a regular file). */
static void
record_stray (Job *job, const char *rel, PlanFile *pf, GHashTable *seen)
{
  PdExportFile *f = g_new0 (PdExportFile, 1);

  f->path = g_utf8_make_valid (rel, -1);
  f->expected_from = "export";
  f->status = PD_EXPORT_FILE_MISMATCH;
  f->problem = g_strdup (pf ? _("not a regular file on the target")
                            : _("not part of the export"));
  g_ptr_array_add (job->result->files, f);
  job->result->n_bad++;
  if (pf != NULL)
    g_hash_table_add (seen, pf);
}

/* Reads one file of the image back and judges it against the plan and libisofs' own MD5. */
static void
compare_file (Job *job, IsoImage *image, IsoNode *node, PlanFile *pf, guint8 *buf,
              guint64 *done, GError **error)
{
  PdExportFile *f = pd_export_record_file (job, pf);
  IsoStream *stream = iso_file_get_stream ((IsoFile *) node);
  g_autofree char *sha = NULL;
  g_autofree char *problem = NULL;
  guint8 md5[16];
  char recorded[16];
  Digest d;
  int ret = iso_stream_open (stream);

  if (ret < 0)
    {
      problem = g_strdup (iso_error_to_msg (ret));
      pd_export_judge (job, f, NULL, 0, problem);
      return;
    }
  pd_export_digest_init (&d, TRUE);
  for (;;)
    {
      ret = iso_stream_read (stream, buf, COPY_BUFFER);
      if (ret <= 0)
        break;
      pd_export_digest_update (&d, buf, ret);
      *done += ret;
      pd_export_progress (job, PD_EXPORT_PHASE_READ_BACK, *done, job->total);
      if (g_cancellable_set_error_if_cancelled (job->cancellable, error))
        break;
    }
  iso_stream_close (stream);
  sha = pd_export_digest_finish (&d, md5);
  if (ret < 0)
    {
      problem = g_strdup_printf (_("read error: %s"), iso_error_to_msg (ret));
      pd_export_judge (job, f, NULL, 0, problem);
      return;
    }
  /* libisofs recorded an MD5 of what it wrote: it must agree with what came back. */
  if (iso_file_get_md5 (image, (IsoFile *) node, recorded, 0) == 1)
    {
      job->result->n_md5_checked++;
      if (memcmp (recorded, md5, 16) != 0)
        problem = g_strdup (_("the MD5 recorded in the image differs"));
    }
  pd_export_judge (job, f, sha, d.size, problem);
}

/* Reads every file of an image through libisofs and compares it with the plan. */
static void
compare_tree (Job *job, IsoImage *image, IsoDir *dir, const char *prefix, GHashTable *seen,
              guint64 *done, GError **error)
{
  IsoDirIter *iter = NULL;
  IsoNode *node;
  g_autofree guint8 *buf = g_malloc (COPY_BUFFER);

  if (iso_dir_get_children (dir, &iter) < 0)
    return;
  while (error == NULL || *error == NULL)
    {
      g_autofree char *rel = NULL;
      PlanFile *pf;

      if (iso_dir_iter_next (iter, &node) != 1)
        break;
      rel = prefix ? g_strconcat (prefix, "/", iso_node_get_name (node), NULL)
                   : g_strdup (iso_node_get_name (node));
      if (iso_node_get_type (node) == LIBISO_DIR)
        {
          compare_tree (job, image, (IsoDir *) node, rel, seen, done, error);
          continue;
        }
      pf = g_hash_table_lookup (job->by_rel, rel);
      if (pf == NULL || iso_node_get_type (node) != LIBISO_FILE)
        {
          record_stray (job, rel, pf, seen);
          continue;
        }
      g_hash_table_add (seen, pf);
      compare_file (job, image, node, pf, buf, done, error);
    }
  iso_dir_iter_free (iter);
}

gboolean
pd_export_read_back_image (Job *job, IsoDataSource *source, GError **error)
{
  g_autoptr (IsoImage) image = NULL;
  g_autoptr (IsoReadOpts) ropts = NULL;
  g_autoptr (GHashTable) seen = g_hash_table_new (NULL, NULL);
  IsoReadImageFeatures *features = NULL;
  guint64 done = 0;
  int ret;

  pd_export_progress (job, PD_EXPORT_PHASE_READ_BACK, 0, job->total);
  if ((ret = iso_image_new ("READBACK", &image)) < 0 || (ret = iso_read_opts_new (&ropts, 0)) < 0)
    return pd_export_iso_failed (error, PD_EXPORT_ERROR_ISO, ret, _("Cannot read the image back"));
  iso_read_opts_set_input_charset (ropts, "UTF-8");
  /* Load the MD5 array (its place is an AAIP attribute) to compare each file's recorded MD5
   * with what comes back, and check the session's MD5 tags: a bad tag fails the import. */
  iso_read_opts_set_no_aaip (ropts, 0);
  iso_read_opts_set_no_md5 (ropts, 0);
  ret = iso_image_import (image, source, ropts, &features);
  if (ret < 0)
    return pd_export_iso_failed (error, PD_EXPORT_ERROR_ISO, ret, _("Cannot read the image back"));
  job->result->has_rock_ridge = iso_read_image_features_has_rockridge (features);
  job->result->has_joliet = iso_read_image_features_has_joliet (features);
  iso_read_image_features_destroy (features);

  compare_tree (job, image, iso_image_get_root (image), NULL, seen, &done, error);
  if (error != NULL && *error != NULL)
    return FALSE;
  for (guint i = 0; i < job->files->len; i++)
    {
      PlanFile *pf = g_ptr_array_index (job->files, i);

      if (!g_hash_table_contains (seen, pf))
        pd_export_judge (job, pd_export_record_file (job, pf), NULL, 0, NULL);
    }
  return TRUE;
}

/* An IsoDataSource over the image file. (libisofs' own file source fails its MD5 tag check
 * on import: it reads the tags after closing the file.) */
static int
file_src_open (IsoDataSource *src)
{
  return ISO_SUCCESS;
}

static int
file_src_close (IsoDataSource *src)
{
  return ISO_SUCCESS;
}

static int
file_src_read_block (IsoDataSource *src, uint32_t lba, uint8_t *buffer)
{
  int fd = GPOINTER_TO_INT (src->data);
  gsize done = 0;

  while (done < ISO_BLOCK)
    {
      ssize_t n = pread (fd, buffer + done, ISO_BLOCK - done, (off_t) lba * ISO_BLOCK + done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return ISO_DATA_SOURCE_FAILURE;
      done += n;
    }
  return ISO_SUCCESS;
}

static void
file_src_free (IsoDataSource *src)
{
  close (GPOINTER_TO_INT (src->data));
}

static IsoDataSource *
file_source_new (const char *path, GError **error)
{
  int fd = open (path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  IsoDataSource *src;

  if (fd < 0)
    return pd_export_io_error (error, PD_EXPORT_ERROR_IO, errno, _("Cannot read “%s” back"), path), NULL;
  src = g_new0 (IsoDataSource, 1);
  src->version = 0;
  src->refcount = 1;
  src->open = file_src_open;
  src->close = file_src_close;
  src->read_block = file_src_read_block;
  src->free_data = file_src_free;
  src->data = GINT_TO_POINTER (fd);
  return src;
}

/* Copies the image libisofs generates into `fd`; FALSE with `error` set. */
static gboolean
copy_image (Job *job, struct burn_source *src, int fd, const char *path, off_t size,
            guint64 *written, GError **error)
{
  g_autofree guint8 *buf = g_malloc (16 * ISO_BLOCK);
  gboolean ok = TRUE;
  int ret;

  pd_export_progress (job, PD_EXPORT_PHASE_WRITE, 0, size);
  while (ok)
    {
      /* libisofs hands out whole requests only: ask for no more than what is left. */
      int want = (int) MIN ((guint64) 16 * ISO_BLOCK, (guint64) size - *written);

      if (want <= 0)
        break;
      ret = src->read_xt ? src->read_xt (src, buf, want) : src->read (src, buf, want);
      if (ret < 0)
        ok = pd_export_iso_failed (error, PD_EXPORT_ERROR_ISO, ret, _("Cannot generate the ISO image"));
      else if (ret == 0)
        break;
      else if (!pd_export_write_all (fd, buf, ret))
        ok = pd_export_io_error (error, errno == ENOSPC ? PD_EXPORT_ERROR_NO_SPACE : PD_EXPORT_ERROR_IO,
                       errno, _("Cannot write “%s”"), path);
      else
        {
          *written += ret;
          pd_export_progress (job, PD_EXPORT_PHASE_WRITE, *written, size);
          if (g_cancellable_set_error_if_cancelled (job->cancellable, error))
            ok = FALSE;
        }
    }
  return ok;
}

/* The image's length, then fsync, close (always) and the folder's fsync; `ok` is how the
 * copy went. FALSE with `error` set. */
static gboolean
finish_image_file (Job *job, int fd, const char *path, off_t size, guint64 written, gboolean ok,
                   GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);

  if (ok && written != (guint64) size)
    {
      g_autofree char *got = g_strdup_printf ("%" G_GUINT64_FORMAT, written);
      g_autofree char *want = g_strdup_printf ("%" G_GINT64_FORMAT, (gint64) size);

      g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_ISO,
                   _("The ISO image came out %s bytes long, not %s."), got, want);
      ok = FALSE;
    }
  pd_export_progress (job, PD_EXPORT_PHASE_FINALISE, 0, 1);
  if (ok && fsync (fd) != 0)
    ok = pd_export_io_error (error, PD_EXPORT_ERROR_IO, errno, _("Cannot flush “%s” to the drive"), path);
  if (ok)
    posix_fadvise (fd, 0, 0, POSIX_FADV_DONTNEED);
  if (close (fd) != 0 && ok)
    ok = pd_export_io_error (error, PD_EXPORT_ERROR_IO, errno, _("Cannot write “%s”"), path);
  if (ok && !pd_export_fsync_path (dir))
    ok = pd_export_io_error (error, PD_EXPORT_ERROR_IO, errno, _("Cannot flush “%s” to the drive"), dir);
  return ok;
}

/* The image laid out and checked against the room there is; NULL with `error` set. */
static struct burn_source *
start_image (Job *job, IsoImage *image, const char *path, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  struct burn_source *src;

  /* libisofs lays the image out at once; nothing reaches the target before the first read. */
  src = pd_export_image_source (image, error);
  if (src == NULL)
    return NULL;
  if (!pd_export_check_capacity (job, src->get_size (src), pd_export_free_space (dir), error))
    {
      src->cancel (src);
      burn_source_free (src);
      return NULL;
    }
  return src;
}

gboolean
pd_export_write_iso (Job *job, GError **error)
{
  const char *path = job->self->target;
  g_autoptr (IsoImage) image = NULL;
  struct burn_source *src;
  IsoDataSource *source = NULL;
  off_t size = 0;
  guint64 written = 0;
  gboolean ok = TRUE;
  GStatBuf st;
  int fd;

  if (g_lstat (path, &st) == 0)
    {
      g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_EXISTS,
                   _("“%s” already exists; an image is never written over a file."), path);
      return FALSE;
    }
  image = pd_export_build_image (job, error);
  if (image == NULL)
    return FALSE;
  src = start_image (job, image, path, error);
  if (src == NULL)
    return FALSE;
  size = src->get_size (src);
  fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      int saved = errno;

      src->cancel (src);
      burn_source_free (src);
      return pd_export_io_error (error, saved == EEXIST ? PD_EXPORT_ERROR_EXISTS : PD_EXPORT_ERROR_IO,
                       saved, _("Cannot create “%s”"), path);
    }
  ok = copy_image (job, src, fd, path, size, &written, error);
  if (!ok)
    src->cancel (src);
  burn_source_free (src);
  if (!finish_image_file (job, fd, path, size, written, ok, error))
    {
      g_unlink (path);
      return FALSE;
    }
  job->result->bytes_written = written;
  pd_export_progress (job, PD_EXPORT_PHASE_FINALISE, 1, 1);

  source = file_source_new (path, error);
  if (source == NULL)
    return FALSE;
  ok = pd_export_read_back_image (job, source, error);
  iso_data_source_unref (source);
  return ok;
}
