/* pd-export-io.c — the export's shared machinery: libisofs and libburn set-up, hashing, read-back bookkeeping, capacity. */
#define G_LOG_DOMAIN "pd-export"

#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "util/pd-error.h"
#include "export/pd-export-private.h"
#include "util/pd-util.h"

/* ---- Library set-up and messages ---- */

static gpointer
init_libraries (gpointer data)
{
  int ret = iso_init ();

  if (ret < 0)
    return GINT_TO_POINTER (ret);
  /* Names go in and out as UTF-8 whatever the process locale: GLib's filename encoding. */
  iso_set_local_charset ((char *) "UTF-8", 0);
  /* Keep FAILURE and worse for our error messages; print nothing on stderr. */
  iso_set_msgs_severities ((char *) "FAILURE", (char *) "NEVER", (char *) "libisofs: ");
  if (!burn_initialize ())
    return GINT_TO_POINTER (-1);
  burn_msgs_set_severities ((char *) "FAILURE", (char *) "NEVER", (char *) "libburn: ");
  return GINT_TO_POINTER (1);
}

gboolean
pd_export_ensure_libraries (GError **error)
{
  static GOnce once = G_ONCE_INIT;

  if (GPOINTER_TO_INT (g_once (&once, init_libraries, NULL)) < 0)
    {
      g_set_error_literal (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_ISO,
                           _("Cannot initialise libisofs or libburn."));
      return FALSE;
    }
  return TRUE;
}

/* The most recent queued messages of both libraries (drained), or "". */
char *
pd_export_library_messages (void)
{
  g_autoptr (GString) out = g_string_new (NULL);
  char *text = g_malloc (MAX (ISO_MSGS_MESSAGE_LEN, BURN_MSGS_MESSAGE_LEN) + 1);
  char severity[81];
  int code, imgid, os_errno;

  while (iso_obtain_msgs ((char *) "ALL", &code, &imgid, text, severity) > 0)
    g_string_append_printf (out, "%s%s", out->len ? "; " : "", text);
  while (burn_msgs_obtain ((char *) "ALL", &code, text, &os_errno, severity) > 0)
    g_string_append_printf (out, "%s%s", out->len ? "; " : "", text);
  g_free (text);
  return g_utf8_make_valid (out->str, -1);
}

gboolean
pd_export_iso_failed (GError **error, int code, int ret, const char *what)
{
  g_autofree char *more = pd_export_library_messages ();

  g_set_error (error, PD_EXPORT_ERROR, code, "%s: %s%s%s", what, iso_error_to_msg (ret),
               *more ? " — " : "", more);
  return FALSE;
}

/* ---- Hashing ---- */

void
pd_export_digest_init (Digest *d, gboolean with_md5)
{
  d->sha = EVP_MD_CTX_new ();
  EVP_DigestInit_ex (d->sha, EVP_sha256 (), NULL);
  d->md5 = NULL;
  if (with_md5)
    {
      d->md5 = EVP_MD_CTX_new ();
      EVP_DigestInit_ex (d->md5, EVP_md5 (), NULL);
    }
  d->size = 0;
}

void
pd_export_digest_update (Digest *d, const void *data, gsize len)
{
  EVP_DigestUpdate (d->sha, data, len);
  if (d->md5 != NULL)
    EVP_DigestUpdate (d->md5, data, len);
  d->size += len;
}

/* Returns the SHA-256 hex; the MD5 (16 bytes) into `md5` when asked for it. */
char *
pd_export_digest_finish (Digest *d, guint8 *md5)
{
  guint8 md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  char *hex;

  EVP_DigestFinal_ex (d->sha, md, &len);
  hex = pd_hex_encode (md, len);
  EVP_MD_CTX_free (d->sha);
  if (d->md5 != NULL)
    {
      guint8 m[EVP_MAX_MD_SIZE];

      EVP_DigestFinal_ex (d->md5, m, &len);
      if (md5 != NULL)
        memcpy (md5, m, 16);
      EVP_MD_CTX_free (d->md5);
    }
  return hex;
}

/* SHA-256 of an open file, read to the end; `base` and `job` drive the progress. */
char *
pd_export_hash_fd (Job *job, int fd, PdExportPhase phase, guint64 *base, guint64 *size_out, GError **error)
{
  g_autofree guint8 *buf = g_malloc (COPY_BUFFER);
  Digest d;

  pd_export_digest_init (&d, FALSE);
  for (;;)
    {
      ssize_t n = read (fd, buf, COPY_BUFFER);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;

          g_free (pd_export_digest_finish (&d, NULL));
          g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_IO, "%s", g_strerror (saved));
          return NULL;
        }
      if (n == 0)
        break;
      pd_export_digest_update (&d, buf, n);
      if (base != NULL)
        {
          *base += n;
          pd_export_progress (job, phase, *base, job->total);
        }
      if (g_cancellable_set_error_if_cancelled (job->cancellable, error))
        {
          g_free (pd_export_digest_finish (&d, NULL));
          return NULL;
        }
    }
  if (size_out != NULL)
    *size_out = d.size;
  return pd_export_digest_finish (&d, NULL);
}

/* ---- Read-back bookkeeping ---- */

PdExportFile *
pd_export_record_file (Job *job, PlanFile *pf)
{
  PdExportFile *f = g_new0 (PdExportFile, 1);

  f->path = g_strdup (pf->rel);
  f->package = pf->package ? g_strdup (pf->package->export_dir) : NULL;
  f->size = pf->size;
  f->expected_sha256 = g_strdup (pf->sha256);
  f->expected_from = pf->from;
  f->status = PD_EXPORT_FILE_NOT_CHECKED;
  g_ptr_array_add (job->result->files, f);
  return f;
}

void
pd_export_judge (Job *job, PdExportFile *f, const char *actual, guint64 size, const char *problem)
{
  g_free (f->actual_sha256);
  f->actual_sha256 = g_strdup (actual);
  if (actual == NULL)
    {
      f->status = PD_EXPORT_FILE_MISSING;
      f->problem = g_strdup (problem ? problem : _("not found on the target"));
    }
  else if (size != f->size || g_strcmp0 (actual, f->expected_sha256) != 0 || problem != NULL)
    {
      f->status = PD_EXPORT_FILE_MISMATCH;
      f->problem = g_strdup (problem ? problem
                             : size != f->size ? _("read back with a different size")
                                               : _("read back with a different SHA-256"));
    }
  else
    f->status = PD_EXPORT_FILE_OK;
  if (f->status != PD_EXPORT_FILE_OK)
    job->result->n_bad++;
}

/* ---- Capacity ---- */

guint64
pd_export_free_space (const char *path)
{
  g_autofree char *probe = g_strdup (path);
  struct statvfs sv;

  /* The nearest existing ancestor tells which file system it will be. */
  while (statvfs (probe, &sv) != 0)
    {
      char *up = g_path_get_dirname (probe);

      if (g_str_equal (up, probe))
        {
          g_free (up);
          return G_MAXUINT64;
        }
      g_free (probe);
      probe = up;
    }
  return (guint64) sv.f_bavail * sv.f_frsize;
}

gboolean
pd_export_check_capacity (Job *job, guint64 need, guint64 available, GError **error)
{
  g_autofree char *need_s = NULL, *have_s = NULL;

  if (job->self->capacity_limit > 0)
    available = MIN (available, job->self->capacity_limit);
  if (need <= available)
    return TRUE;
  need_s = g_format_size (need);
  have_s = g_format_size (available);
  g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_NO_SPACE,
               _("The export needs %s but “%s” has room for %s; nothing was written."), need_s,
               job->self->target, have_s);
  return FALSE;
}

