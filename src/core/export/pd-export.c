/* pd-export.c — exports verified packages to a folder, an ISO image or a disc, and reads every file back. */
#define G_LOG_DOMAIN "pd-export"

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gio/gunixmounts.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

/* libburn first: libisofs.h then uses libburn's struct burn_source. */
#include <libburn/libburn.h>
#include <libisofs/libisofs.h>

#include "report/pd-disc-label.h"
#include "util/pd-error.h"
#include "export/pd-export.h"
#include "evidence/pd-package.h"
#include "util/pd-private.h"
#include "timestamp/pd-tsa.h"
#include "util/pd-util.h"

#define COPY_BUFFER      (256 * 1024)
#define MAX_MANIFEST     (16 * 1024 * 1024)
#define MAX_TOKEN        (1024 * 1024)
#define MAX_DEPTH        16
#define MAX_COMPONENT    60       /* characters of a case or folder name in the export */
#define PER_FILE_SLACK   (4096)   /* file system or ISO block rounding, per file */
#define ISO_BLOCK        2048
#define READ_TILE        32       /* blocks per read from a drive (64 KiB) */
#define PROGRESS_STEP    (4 * 1024 * 1024)

/* ------------------------------------------------------------------------------------------ */
/* Result                                                                                     */
/* ------------------------------------------------------------------------------------------ */

static void
export_file_free (PdExportFile *f)
{
  g_free (f->path);
  g_free (f->package);
  g_free (f->expected_sha256);
  g_free (f->actual_sha256);
  g_free (f->problem);
  g_free (f);
}

static void
export_package_free (PdExportPackage *p)
{
  g_free (p->source_dir);
  g_free (p->export_dir);
  g_free (p->session);
  g_free (p->case_name);
  g_free (p->scenario);
  g_free (p->platform);
  g_free (p->recording_name);
  g_free (p->recording_sha256);
  g_clear_pointer (&p->started, g_date_time_unref);
  g_clear_pointer (&p->gen_time, g_date_time_unref);
  g_free (p->tsa_name);
  g_free (p->summary);
  g_free (p);
}

static void
result_clear (PdExportResult *self)
{
  g_free (self->target);
  g_free (self->label);
  g_free (self->volume_id);
  g_clear_pointer (&self->started, g_date_time_unref);
  g_clear_pointer (&self->finished, g_date_time_unref);
  g_clear_pointer (&self->packages, g_ptr_array_unref);
  g_clear_pointer (&self->files, g_ptr_array_unref);
  g_free (self->media);
}

static PdExportResult *
result_new (PdExportTargetKind kind, const char *target)
{
  PdExportResult *self = g_atomic_rc_box_new0 (PdExportResult);

  self->kind = kind;
  self->target = g_strdup (target);
  self->started = g_date_time_new_now_utc ();
  self->packages = g_ptr_array_new_with_free_func ((GDestroyNotify) export_package_free);
  self->files = g_ptr_array_new_with_free_func ((GDestroyNotify) export_file_free);
  return self;
}

PdExportResult *
pd_export_result_ref (PdExportResult *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return g_atomic_rc_box_acquire (self);
}

void
pd_export_result_unref (PdExportResult *self)
{
  g_return_if_fail (self != NULL);
  g_atomic_rc_box_release_full (self, (GDestroyNotify) result_clear);
}

G_DEFINE_BOXED_TYPE (PdExportResult, pd_export_result, pd_export_result_ref,
                     pd_export_result_unref)

gboolean
pd_export_result_get_ok (PdExportResult *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (self->n_bad > 0)
    return FALSE;
  for (guint i = 0; i < self->packages->len; i++)
    {
      PdExportPackage *p = g_ptr_array_index (self->packages, i);

      if (p->reverified &&
          (p->reverify_verdict == PD_VERDICT_INVALID || p->reverify_verdict == PD_VERDICT_ERROR))
        return FALSE;
    }
  return TRUE;
}

const PdExportFile *
pd_export_result_find_file (PdExportResult *self, const char *path)
{
  g_return_val_if_fail (self != NULL && path != NULL, NULL);

  for (guint i = 0; i < self->files->len; i++)
    {
      PdExportFile *f = g_ptr_array_index (self->files, i);

      if (g_str_equal (f->path, path))
        return f;
    }
  return NULL;
}

GStrv
pd_export_result_dup_sessions (PdExportResult *self)
{
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();

  g_return_val_if_fail (self != NULL, NULL);

  for (guint i = 0; i < self->packages->len; i++)
    {
      PdExportPackage *p = g_ptr_array_index (self->packages, i);

      if (p->session != NULL)
        g_strv_builder_add (b, p->session);
    }
  return g_strv_builder_end (b);
}

const char *
pd_export_result_get_kind_string (PdExportResult *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  switch (self->kind)
    {
    case PD_EXPORT_TARGET_FOLDER:
      return self->removable ? "usb" : "folder";
    case PD_EXPORT_TARGET_ISO:
      return "iso";
    case PD_EXPORT_TARGET_DISC:
    default:
      return "disc";
    }
}

static const char *
file_status_string (PdExportFileStatus status)
{
  switch (status)
    {
    case PD_EXPORT_FILE_OK:
      return "ok";
    case PD_EXPORT_FILE_MISMATCH:
      return "mismatch";
    case PD_EXPORT_FILE_MISSING:
      return "missing";
    case PD_EXPORT_FILE_NOT_CHECKED:
    default:
      return "not-checked";
    }
}

static void
json_set_time (JsonBuilder *b, const char *name, GDateTime *dt)
{
  json_builder_set_member_name (b, name);
  if (dt != NULL)
    {
      g_autofree char *s = pd_time_format_utc (dt);
      json_builder_add_string_value (b, s);
    }
  else
    json_builder_add_null_value (b);
}

static void
json_set_string (JsonBuilder *b, const char *name, const char *value)
{
  json_builder_set_member_name (b, name);
  if (value != NULL)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

JsonNode *
pd_export_result_to_json (PdExportResult *self)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  g_return_val_if_fail (self != NULL, NULL);

  json_builder_begin_object (b);
  json_set_string (b, "target_kind", pd_export_result_get_kind_string (self));
  json_set_string (b, "target", self->target);
  json_set_string (b, "label", self->label);
  json_set_string (b, "volume_id", self->volume_id);
  json_set_time (b, "started", self->started);
  json_set_time (b, "finished", self->finished);
  json_builder_set_member_name (b, "ok");
  json_builder_add_boolean_value (b, pd_export_result_get_ok (self));
  json_builder_set_member_name (b, "simulated");
  json_builder_add_boolean_value (b, self->simulated);
  json_builder_set_member_name (b, "bytes_written");
  json_builder_add_int_value (b, (gint64) self->bytes_written);
  if (self->kind != PD_EXPORT_TARGET_FOLDER)
    {
      json_builder_set_member_name (b, "rock_ridge");
      json_builder_add_boolean_value (b, self->has_rock_ridge);
      json_builder_set_member_name (b, "joliet");
      json_builder_add_boolean_value (b, self->has_joliet);
      json_builder_set_member_name (b, "md5_checked");
      json_builder_add_int_value (b, self->n_md5_checked);
    }
  if (self->kind == PD_EXPORT_TARGET_DISC)
    {
      json_set_string (b, "media", self->media);
      json_builder_set_member_name (b, "closed");
      json_builder_add_boolean_value (b, self->closed);
    }
  json_builder_set_member_name (b, "packages");
  json_builder_begin_array (b);
  for (guint i = 0; i < self->packages->len; i++)
    {
      PdExportPackage *p = g_ptr_array_index (self->packages, i);

      json_builder_begin_object (b);
      json_set_string (b, "source", p->source_dir);
      json_set_string (b, "path", p->export_dir);
      json_set_string (b, "session", p->session);
      json_set_string (b, "case", p->case_name);
      json_set_string (b, "scenario", p->scenario);
      json_set_string (b, "recording_sha256", p->recording_sha256);
      json_set_time (b, "tsa_time", p->gen_time);
      json_set_string (b, "tsa_name", p->tsa_name);
      json_set_string (b, "verdict", pd_verdict_to_string (p->verdict));
      json_set_string (b, "verdict_after", p->reverified ? pd_verdict_to_string (p->reverify_verdict)
                                                         : NULL);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "files");
  json_builder_begin_array (b);
  for (guint i = 0; i < self->files->len; i++)
    {
      PdExportFile *f = g_ptr_array_index (self->files, i);

      json_builder_begin_object (b);
      json_set_string (b, "path", f->path);
      json_builder_set_member_name (b, "size");
      json_builder_add_int_value (b, (gint64) f->size);
      json_set_string (b, "sha256", f->expected_sha256);
      json_set_string (b, "expected_from", f->expected_from);
      json_set_string (b, "read_back_sha256", f->actual_sha256);
      json_set_string (b, "status", file_status_string (f->status));
      json_set_string (b, "problem", f->problem);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

gboolean
pd_export_result_write_label_pdf (PdExportResult *self, const char *path, GError **error)
{
  g_autoptr (PdDiscLabelInfo) info = pd_disc_label_info_new ();

  g_return_val_if_fail (self != NULL && path != NULL, FALSE);

  info->label = g_strdup (self->label);
  info->volume_id = g_strdup (self->volume_id);
  info->target = g_strdup (self->target);
  info->written = self->finished ? g_date_time_ref (self->finished) : NULL;
  for (guint i = 0; i < self->packages->len; i++)
    {
      PdExportPackage *p = g_ptr_array_index (self->packages, i);
      PdDiscLabelSession *s = pd_disc_label_info_add_session (info);

      s->name = g_strdup (p->export_dir);
      s->case_name = g_strdup (p->case_name);
      s->scenario = g_strdup (p->scenario);
      s->recording_sha256 = g_strdup (p->recording_sha256);
      s->recording_size = p->recording_size;
      s->started = p->started ? g_date_time_ref (p->started) : NULL;
      s->gen_time = p->gen_time ? g_date_time_ref (p->gen_time) : NULL;
      s->tsa_name = g_strdup (p->tsa_name);
      s->practice = p->practice;
    }
  return pd_disc_label_write_pdf (info, path, error);
}

/* ------------------------------------------------------------------------------------------ */
/* The export object                                                                          */
/* ------------------------------------------------------------------------------------------ */

struct _PdExport
{
  GObject              parent_instance;

  PdExportTargetKind   kind;
  char                *target;
  GPtrArray           *package_dirs;
  char                *label;
  char                *dispute_type;
  PdTrustStore        *trust;
  gboolean             simulate;
  guint64              capacity_limit;
  PdExportProgressFunc progress;
  gpointer             progress_data;
  GDestroyNotify       progress_destroy;
  gboolean             started;
};

G_DEFINE_FINAL_TYPE (PdExport, pd_export, G_TYPE_OBJECT)

static void
pd_export_finalize (GObject *object)
{
  PdExport *self = PD_EXPORT (object);

  g_free (self->target);
  g_clear_pointer (&self->package_dirs, g_ptr_array_unref);
  g_free (self->label);
  g_free (self->dispute_type);
  g_clear_pointer (&self->trust, pd_trust_store_unref);
  if (self->progress_destroy != NULL)
    self->progress_destroy (self->progress_data);
  G_OBJECT_CLASS (pd_export_parent_class)->finalize (object);
}

static void
pd_export_class_init (PdExportClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pd_export_finalize;
}

static void
pd_export_init (PdExport *self)
{
  self->package_dirs = g_ptr_array_new_with_free_func (g_free);
}

PdExport *
pd_export_new (PdExportTargetKind kind, const char *target)
{
  PdExport *self;

  g_return_val_if_fail (target != NULL, NULL);
  g_return_val_if_fail (kind <= PD_EXPORT_TARGET_DISC, NULL);

  self = g_object_new (PD_TYPE_EXPORT, NULL);
  self->kind = kind;
  self->target = g_strdup (target);
  return self;
}

void
pd_export_add_package (PdExport *self, const char *package_dir)
{
  g_return_if_fail (PD_IS_EXPORT (self));
  g_return_if_fail (package_dir != NULL);

  g_ptr_array_add (self->package_dirs, g_strdup (package_dir));
}

void
pd_export_set_label (PdExport *self, const char *label)
{
  g_return_if_fail (PD_IS_EXPORT (self));
  g_free (self->label);
  self->label = g_strdup (label);
}

void
pd_export_set_dispute_type (PdExport *self, const char *dispute_type)
{
  g_return_if_fail (PD_IS_EXPORT (self));
  g_free (self->dispute_type);
  self->dispute_type = g_strdup (dispute_type);
}

void
pd_export_set_trust_store (PdExport *self, PdTrustStore *trust)
{
  g_return_if_fail (PD_IS_EXPORT (self));
  g_clear_pointer (&self->trust, pd_trust_store_unref);
  self->trust = trust ? pd_trust_store_ref (trust) : NULL;
}

void
pd_export_set_simulate (PdExport *self, gboolean simulate)
{
  g_return_if_fail (PD_IS_EXPORT (self));
  self->simulate = !!simulate;
}

void
pd_export_set_capacity_limit (PdExport *self, guint64 bytes)
{
  g_return_if_fail (PD_IS_EXPORT (self));
  self->capacity_limit = bytes;
}

void
pd_export_set_progress_func (PdExport *self, PdExportProgressFunc func, gpointer user_data,
                             GDestroyNotify destroy)
{
  g_return_if_fail (PD_IS_EXPORT (self));
  if (self->progress_destroy != NULL)
    self->progress_destroy (self->progress_data);
  self->progress = func;
  self->progress_data = user_data;
  self->progress_destroy = destroy;
}

/* ------------------------------------------------------------------------------------------ */
/* One run                                                                                    */
/* ------------------------------------------------------------------------------------------ */

/* One file to write: a package file (read from `src`) or a generated one (`data`). */
typedef struct
{
  char            *rel;      /* path in the export */
  char            *src_root; /* package folder, NULL for generated files */
  char            *src_rel;  /* path inside the package */
  GBytes          *data;
  guint64          size;
  gint64           mtime;    /* seconds, for copies */
  char            *sha256;   /* expected */
  const char      *from;
  PdExportPackage *package;  /* borrowed from the result */
} PlanFile;

typedef struct
{
  PdExport       *self;
  PdExportResult *result;
  PdTrustStore   *trust;
  GPtrArray      *files;    /* of PlanFile* */
  GPtrArray      *dirs;     /* of char*, parents before children */
  GHashTable     *by_rel;   /* rel → PlanFile* */
  guint64         total;    /* payload bytes */
  GCancellable   *cancellable;
  PdExportProgressFunc progress;
  gpointer        progress_data;
  PdExportPhase   last_phase;
  guint64         last_done;
  gint64          last_time;
} Job;

static void
plan_file_free (PlanFile *f)
{
  g_free (f->rel);
  g_free (f->src_root);
  g_free (f->src_rel);
  g_clear_pointer (&f->data, g_bytes_unref);
  g_free (f->sha256);
  g_free (f);
}

static void
job_clear (Job *job)
{
  g_clear_pointer (&job->result, pd_export_result_unref);
  g_clear_pointer (&job->trust, pd_trust_store_unref);
  g_clear_pointer (&job->files, g_ptr_array_unref);
  g_clear_pointer (&job->dirs, g_ptr_array_unref);
  g_clear_pointer (&job->by_rel, g_hash_table_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Job, job_clear)

/* Throttled: at most every few MiB or 100 ms, always at the start and end of a phase. */
static void
job_progress (Job *job, PdExportPhase phase, guint64 done, guint64 total)
{
  gint64 now = g_get_monotonic_time ();

  if (job->progress == NULL)
    return;
  if (phase == job->last_phase && done != 0 && done < total &&
      done - job->last_done < PROGRESS_STEP && now - job->last_time < G_USEC_PER_SEC / 10)
    return;
  job->last_phase = phase;
  job->last_done = done;
  job->last_time = now;
  job->progress (phase, done, total, job->progress_data);
}

static gboolean
io_error (GError **error, int code, int saved_errno, const char *format, const char *path)
{
  g_autofree char *what = g_strdup_printf (format, path);

  g_set_error (error, PD_EXPORT_ERROR, code, "%s: %s", what, g_strerror (saved_errno));
  return FALSE;
}

/* ---- Library set-up and messages ---- */

static GMutex burn_lock; /* libburn drives: one burn at a time in this process */

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

static gboolean
ensure_libraries (GError **error)
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
static char *
library_messages (void)
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

static gboolean
iso_failed (GError **error, int code, int ret, const char *what)
{
  g_autofree char *more = library_messages ();

  g_set_error (error, PD_EXPORT_ERROR, code, "%s: %s%s%s", what, iso_error_to_msg (ret),
               *more ? " — " : "", more);
  return FALSE;
}

/* ---- Safe names and safe opening ---- */

/* One path component that every file system a court may use (FAT, NTFS, ISO with Joliet) takes. */
static char *
export_component (const char *name, const char *fallback)
{
  g_autofree char *safe = pd_safe_component (name, fallback);
  GString *out = g_string_new (NULL);
  guint n = 0;

  for (const char *p = safe; *p && n < MAX_COMPONENT; p = g_utf8_next_char (p), n++)
    {
      gunichar c = g_utf8_get_char (p);

      if (c < 0x20 || (c < 0x80 && strchr ("<>:\"|?*\\/", (int) c) != NULL))
        g_string_append_c (out, '_');
      else
        g_string_append_unichar (out, c);
    }
  while (out->len > 0 && (out->str[out->len - 1] == '.' || out->str[out->len - 1] == ' '))
    g_string_truncate (out, out->len - 1);
  if (out->len == 0)
    g_string_assign (out, fallback);
  return g_string_free (out, FALSE);
}

/* A name from inside a package: the package is ours, so anything odd is refused, not fixed. */
static gboolean
acceptable_name (const char *name)
{
  if (!g_utf8_validate (name, -1, NULL) || *name == '\0' || g_str_equal (name, ".") ||
      g_str_equal (name, "..") || strlen (name) > 200)
    return FALSE;
  for (const char *p = name; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c < 0x20 || c == 0x7f || c == '\\' || c == '/' || g_unichar_type (c) == G_UNICODE_FORMAT)
        return FALSE;
    }
  return TRUE;
}

/* A relative '/'-path from a manifest: no absolute paths, no "." or ".." parts. */
static gboolean
acceptable_rel_path (const char *rel)
{
  g_auto (GStrv) parts = NULL;

  if (rel == NULL || *rel == '\0' || *rel == '/')
    return FALSE;
  parts = g_strsplit (rel, "/", -1);
  for (guint i = 0; parts[i]; i++)
    if (!acceptable_name (parts[i]))
      return FALSE;
  return TRUE;
}

/* Opens `rel` below `root` without following a symlink anywhere below `root`; regular files only. */
static int
open_beneath (const char *root, const char *rel, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (rel, "/", -1);
  int dirfd = open (root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  struct stat st;
  int fd = -1;

  if (dirfd < 0)
    return io_error (error, PD_EXPORT_ERROR_IO, errno, _("Cannot open “%s”"), root), -1;
  for (guint i = 0; parts[i]; i++)
    {
      gboolean last = parts[i + 1] == NULL;
      int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (last ? O_NOCTTY : O_DIRECTORY);

      fd = openat (dirfd, parts[i], flags);
      close (dirfd);
      if (fd < 0)
        {
          int saved = errno;
          g_autofree char *path = g_build_filename (root, rel, NULL);

          return io_error (error, saved == ELOOP || saved == ENOTDIR ? PD_EXPORT_ERROR_BAD_PACKAGE
                                                                      : PD_EXPORT_ERROR_IO,
                           saved, _("Cannot open “%s”"), path), -1;
        }
      dirfd = fd;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      g_autofree char *path = g_build_filename (root, rel, NULL);

      close (fd);
      g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_BAD_PACKAGE,
                   _("“%s” is not a regular file."), path);
      return -1;
    }
  return fd;
}

/* ---- Hashing ---- */

typedef struct
{
  EVP_MD_CTX *sha;
  EVP_MD_CTX *md5;
  guint64     size;
} Digest;

static void
digest_init (Digest *d, gboolean with_md5)
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

static void
digest_update (Digest *d, const void *data, gsize len)
{
  EVP_DigestUpdate (d->sha, data, len);
  if (d->md5 != NULL)
    EVP_DigestUpdate (d->md5, data, len);
  d->size += len;
}

/* Returns the SHA-256 hex; the MD5 (16 bytes) into `md5` when asked for it. */
static char *
digest_finish (Digest *d, guint8 *md5)
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
static char *
hash_fd (Job *job, int fd, PdExportPhase phase, guint64 *base, guint64 *size_out, GError **error)
{
  g_autofree guint8 *buf = g_malloc (COPY_BUFFER);
  Digest d;

  digest_init (&d, FALSE);
  for (;;)
    {
      ssize_t n = read (fd, buf, COPY_BUFFER);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;

          g_free (digest_finish (&d, NULL));
          g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_IO, "%s", g_strerror (saved));
          return NULL;
        }
      if (n == 0)
        break;
      digest_update (&d, buf, n);
      if (base != NULL)
        {
          *base += n;
          job_progress (job, phase, *base, job->total);
        }
      if (g_cancellable_set_error_if_cancelled (job->cancellable, error))
        {
          g_free (digest_finish (&d, NULL));
          return NULL;
        }
    }
  if (size_out != NULL)
    *size_out = d.size;
  return digest_finish (&d, NULL);
}

/* ---- Reading a package ---- */

static JsonNode *
member (JsonObject *o, const char *key)
{
  return o != NULL && json_object_has_member (o, key) ? json_object_get_member (o, key) : NULL;
}

static gboolean
member_uint (JsonObject *o, const char *key, guint64 *out)
{
  JsonNode *n = member (o, key);

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64 ||
      json_node_get_int (n) < 0)
    return FALSE;
  *out = (guint64) json_node_get_int (n);
  return TRUE;
}

/* Reads a small file below `root` (no symlinks), at most `max` bytes. */
static GBytes *
read_small (const char *root, const char *rel, gsize max, GError **error)
{
  int fd = open_beneath (root, rel, error);
  g_autoptr (GByteArray) buf = NULL;
  guint8 chunk[16384];

  if (fd < 0)
    return NULL;
  buf = g_byte_array_new ();
  for (;;)
    {
      ssize_t n = read (fd, chunk, sizeof chunk);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 || buf->len + (gsize) n > max)
        {
          int saved = n < 0 ? errno : EFBIG;
          g_autofree char *path = g_build_filename (root, rel, NULL);

          close (fd);
          return io_error (error, PD_EXPORT_ERROR_IO, saved, _("Cannot read “%s”"), path), NULL;
        }
      if (n == 0)
        break;
      g_byte_array_append (buf, chunk, n);
    }
  close (fd);
  return g_byte_array_free_to_bytes (g_steal_pointer (&buf));
}

typedef struct
{
  char    *rel;
  guint64  size;
  gint64   mtime;
} Found;

static void
found_free (Found *f)
{
  g_free (f->rel);
  g_free (f);
}

static gint
found_cmp (gconstpointer a, gconstpointer b)
{
  return strcmp ((*(Found **) a)->rel, (*(Found **) b)->rel);
}

static gint
found_strcmp (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char **) a, *(const char **) b);
}

/* Every regular file below `dirfd`; symlinks, special files and odd names are refused. Takes `dirfd`. */
static gboolean
scan_tree (int dirfd, const char *pkg, const char *prefix, guint depth, GPtrArray *found,
           GError **error)
{
  DIR *dir = fdopendir (dirfd);
  struct dirent *e;
  gboolean ok = TRUE;

  if (dir == NULL)
    {
      close (dirfd);
      return io_error (error, PD_EXPORT_ERROR_IO, errno, _("Cannot read the package “%s”"), pkg);
    }
  while (ok && (errno = 0, e = readdir (dir)) != NULL)
    {
      g_autofree char *rel = NULL;
      struct stat st;

      if (g_str_equal (e->d_name, ".") || g_str_equal (e->d_name, ".."))
        continue;
      rel = prefix ? g_strconcat (prefix, "/", e->d_name, NULL) : g_strdup (e->d_name);
      if (!acceptable_name (e->d_name))
        {
          g_autofree char *shown = g_utf8_make_valid (rel, -1);

          g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_BAD_PACKAGE,
                       _("The package “%s” holds a file with an unusable name: “%s”."), pkg, shown);
          ok = FALSE;
        }
      else if (fstatat (dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        ok = io_error (error, PD_EXPORT_ERROR_IO, errno, _("Cannot read the package “%s”"), pkg);
      else if (S_ISLNK (st.st_mode))
        {
          g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_BAD_PACKAGE,
                       _("The package “%s” holds a symbolic link, “%s”; it is not exported."),
                       pkg, rel);
          ok = FALSE;
        }
      else if (S_ISDIR (st.st_mode))
        {
          int sub = openat (dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

          if (depth >= MAX_DEPTH)
            {
              if (sub >= 0)
                close (sub);
              g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_BAD_PACKAGE,
                           _("The package “%s” is nested too deeply."), pkg);
              ok = FALSE;
            }
          else if (sub < 0)
            ok = io_error (error, PD_EXPORT_ERROR_BAD_PACKAGE, errno,
                           _("Cannot read the package “%s”"), pkg);
          else
            ok = scan_tree (sub, pkg, rel, depth + 1, found, error);
        }
      else if (S_ISREG (st.st_mode))
        {
          Found *f = g_new0 (Found, 1);

          f->rel = g_steal_pointer (&rel);
          f->size = st.st_size;
          f->mtime = st.st_mtime;
          g_ptr_array_add (found, f);
        }
      else
        {
          g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_BAD_PACKAGE,
                       _("The package “%s” holds “%s”, which is not a regular file."), pkg, rel);
          ok = FALSE;
        }
    }
  if (ok && errno != 0)
    ok = io_error (error, PD_EXPORT_ERROR_IO, errno, _("Cannot read the package “%s”"), pkg);
  closedir (dir);
  return ok;
}

/* The first failed check, as "id on subject: message". */
static char *
first_failure (PdVerifyResult *vr)
{
  GPtrArray *checks = pd_verify_result_get_checks (vr);

  for (guint i = 0; i < checks->len; i++)
    {
      const PdVerifyCheck *c = g_ptr_array_index (checks, i);

      if (c->status == PD_CHECK_FAILED && !c->trust_only)
        return g_strdup_printf (_("check “%s” on %s: %s"), c->id, c->subject ? c->subject : "—",
                                c->message);
    }
  return g_strdup (pd_verify_result_get_summary (vr));
}

typedef struct
{
  Job     *job;
  guint64  base;
} VerifyProgress;

static void
on_verify_progress (guint64 done, guint64 total, gpointer user_data)
{
  VerifyProgress *vp = user_data;

  job_progress (vp->job, PD_EXPORT_PHASE_VERIFY, vp->base + done, vp->base + total);
}

static void
read_recording_token (PdExportPackage *p, const char *dir, const char *token_rel)
{
  g_autoptr (GBytes) der = NULL;
  g_autoptr (PdTsaToken) token = NULL;

  if (token_rel == NULL || !acceptable_rel_path (token_rel))
    return;
  der = read_small (dir, token_rel, MAX_TOKEN, NULL);
  if (der != NULL)
    token = pd_tsa_token_new_from_der (der, NULL);
  if (token == NULL)
    return;
  p->gen_time = g_date_time_ref (pd_tsa_token_get_gen_time (token));
  p->tsa_name = g_strdup (pd_tsa_token_get_tsa_name (token));
  p->practice = p->practice || pd_tsa_token_is_practice (token);
}

/* Verifies one package, reads its manifest and lists its files into the plan. */
static gboolean
add_package (Job *job, const char *dir, GHashTable *export_dirs, GError **error)
{
  g_autofree char *name = g_path_get_basename (dir);
  g_autoptr (PdVerifyResult) vr = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GBytes) manifest_bytes = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GPtrArray) found = g_ptr_array_new_with_free_func ((GDestroyNotify) found_free);
  g_autoptr (GHashTable) listed = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *case_dir = NULL, *pkg_dir = NULL, *export_dir = NULL;
  JsonObject *manifest, *recording, *authority;
  JsonArray *files;
  VerifyProgress vp = { job, 0 };
  PdExportPackage *p;
  const char *case_name, *started;
  PdVerdict verdict;
  int dirfd;

  /* 1. The verifier decides whether the package may leave at all. */
  vr = pd_verify_package (dir, job->trust, on_verify_progress, &vp, job->cancellable, &local_error);
  if (vr == NULL)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_REFUSED,
                   _("Package “%s” is refused: it cannot be verified (%s)."), dir,
                   local_error->message);
      return FALSE;
    }
  verdict = pd_verify_result_get_verdict (vr);
  if (verdict == PD_VERDICT_INVALID || verdict == PD_VERDICT_ERROR)
    {
      g_autofree char *why = first_failure (vr);

      g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_REFUSED,
                   _("Package “%s” is refused: %s — %u failed checks, first %s"), dir,
                   pd_verdict_describe (verdict), pd_verify_result_count_failed (vr), why);
      return FALSE;
    }

  /* 2. Its manifest: what each listed file's SHA-256 must be. */
  manifest_bytes = read_small (dir, PD_MANIFEST_NAME, MAX_MANIFEST, error);
  if (manifest_bytes == NULL)
    return FALSE;
  if (g_bytes_get_size (manifest_bytes) == 0)
    g_set_error_literal (&local_error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_BAD_PACKAGE, _("The manifest is empty."));
  if (local_error != NULL ||
      !json_parser_load_from_data (parser, g_bytes_get_data (manifest_bytes, NULL),
                                   g_bytes_get_size (manifest_bytes), &local_error) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_REFUSED,
                   _("Package “%s” is refused: its manifest cannot be read."), dir);
      return FALSE;
    }
  manifest = json_node_get_object (json_parser_get_root (parser));
  recording = pd_json_object (manifest, "recording");
  files = pd_json_array (manifest, "files");
  authority = pd_json_object (pd_json_object (manifest, "timestamps"), "authority");

  p = g_new0 (PdExportPackage, 1);
  g_ptr_array_add (job->result->packages, p);
  p->source_dir = g_strdup (dir);
  p->verdict = verdict;
  p->summary = g_strdup (pd_verify_result_get_summary (vr));
  p->session = g_strdup (pd_json_string (manifest, "session"));
  case_name = pd_json_string (manifest, "case");
  p->case_name = g_strdup (case_name);
  p->scenario = g_strdup (pd_json_string (manifest, "scenario"));
  p->platform = g_strdup (pd_disc_label_platform_for_scenario (p->scenario));
  started = pd_json_string (manifest, "started");
  p->started = started ? pd_time_parse (started) : NULL;
  p->recording_name = g_strdup (pd_json_string (recording, "name"));
  p->recording_sha256 = g_strdup (pd_json_string (recording, "sha256"));
  member_uint (recording, "size", &p->recording_size);
  if (authority != NULL && member (authority, "practice") != NULL &&
      JSON_NODE_HOLDS_VALUE (member (authority, "practice")) &&
      json_node_get_value_type (member (authority, "practice")) == G_TYPE_BOOLEAN)
    p->practice = json_node_get_boolean (member (authority, "practice"));
  read_recording_token (p, dir, pd_json_string (recording, "token"));
  if (p->tsa_name == NULL)
    p->tsa_name = g_strdup (pd_json_string (authority, "name"));

  /* 3. Where it goes: "<case>/<folder>", made unique. */
  case_dir = export_component (case_name && *case_name ? case_name : NULL, "unfiled");
  pkg_dir = export_component (name, "package");
  export_dir = g_strdup_printf ("%s/%s", case_dir, pkg_dir);
  for (guint n = 2; g_hash_table_contains (export_dirs, export_dir); n++)
    {
      g_free (export_dir);
      export_dir = g_strdup_printf ("%s/%s-%u", case_dir, pkg_dir, n);
    }
  g_hash_table_add (export_dirs, g_strdup (export_dir));
  p->export_dir = g_strdup (export_dir);
  if (!g_ptr_array_find_with_equal_func (job->dirs, case_dir, g_str_equal, NULL))
    g_ptr_array_add (job->dirs, g_strdup (case_dir));
  g_ptr_array_add (job->dirs, g_strdup (export_dir));

  /* 4. Every file actually there, with nothing odd among them. */
  dirfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0)
    return io_error (error, PD_EXPORT_ERROR_IO, errno, _("Cannot open the package “%s”"), dir);
  if (!scan_tree (dirfd, dir, NULL, 0, found, error))
    return FALSE;
  g_ptr_array_sort (found, found_cmp);

  for (guint i = 0; files != NULL && i < json_array_get_length (files); i++)
    {
      JsonNode *n = json_array_get_element (files, i);
      JsonObject *o = JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
      const char *fname = pd_json_string (o, "name");

      if (fname == NULL || !acceptable_rel_path (fname))
        {
          g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_BAD_PACKAGE,
                       _("Package “%s” is refused: its manifest lists an unusable file name."), dir);
          return FALSE;
        }
      g_hash_table_insert (listed, (gpointer) fname, o);
    }

  for (guint i = 0; i < found->len; i++)
    {
      Found *f = g_ptr_array_index (found, i);
      JsonObject *entry = g_hash_table_lookup (listed, f->rel);
      PlanFile *pf = g_new0 (PlanFile, 1);
      const char *sha = entry ? pd_json_string (entry, "sha256") : NULL;
      guint64 size = 0;

      pf->rel = g_strdup_printf ("%s/%s", export_dir, f->rel);
      pf->src_root = g_strdup (dir);
      pf->src_rel = g_strdup (f->rel);
      pf->size = f->size;
      pf->mtime = f->mtime;
      pf->package = p;
      g_ptr_array_add (job->files, pf);
      g_hash_table_insert (job->by_rel, pf->rel, pf);
      job->total += f->size;

      if (sha == NULL && p->recording_name && g_str_equal (f->rel, p->recording_name))
        {
          entry = recording;
          sha = p->recording_sha256;
        }
      if (sha != NULL)
        {
          if (!member_uint (entry, "size", &size) || size != f->size)
            {
              g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_CHANGED,
                           _("“%s” in package “%s” no longer has the size its manifest states."),
                           f->rel, dir);
              return FALSE;
            }
          pf->sha256 = g_ascii_strdown (sha, -1);
          pf->from = "manifest";
        }
      else
        {
          /* Not listed (manifest.json, its token, certificate.pdf, later additions): fixed
           * now, right after the verifier read them. */
          int fd = open_beneath (dir, f->rel, error);
          guint64 hashed = 0;

          if (fd < 0)
            return FALSE;
          pf->sha256 = hash_fd (job, fd, PD_EXPORT_PHASE_VERIFY, NULL, &hashed, error);
          close (fd);
          if (pf->sha256 == NULL)
            return FALSE;
          if (hashed != f->size)
            {
              g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_CHANGED,
                           _("“%s” in package “%s” changed while it was read."), f->rel, dir);
              return FALSE;
            }
          pf->from = "package";
        }
    }
  /* Subfolders (checkpoints/, stills/): sorted, a parent comes before its children. */
  {
    g_autoptr (GHashTable) subdirs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
    g_autofree gpointer *keys = NULL;
    guint n = 0;

    for (guint i = 0; i < found->len; i++)
      {
        Found *f = g_ptr_array_index (found, i);
        g_autofree char *sub = g_path_get_dirname (f->rel);

        while (!g_str_equal (sub, "."))
          {
            char *up = g_path_get_dirname (sub);

            g_hash_table_add (subdirs, g_steal_pointer (&sub));
            sub = up;
          }
      }
    keys = g_hash_table_get_keys_as_array (subdirs, &n);
    qsort (keys, n, sizeof (gpointer), (GCompareFunc) found_strcmp);
    for (guint i = 0; i < n; i++)
      g_ptr_array_add (job->dirs, g_strdup_printf ("%s/%s", export_dir, (char *) keys[i]));
  }
  return TRUE;
}

/* ---- The generated root files ---- */

/* Text safe on one line: controls and direction overrides become U+FFFD. */
static char *
line_text (const char *s)
{
  g_autofree char *valid = g_utf8_make_valid (s ? s : "", -1);
  GString *out = g_string_new (NULL);

  for (const char *p = valid; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iscntrl (c) || g_unichar_type (c) == G_UNICODE_FORMAT)
        g_string_append_unichar (out, 0xFFFD);
      else
        g_string_append_unichar (out, c);
    }
  return g_string_free (out, FALSE);
}

static char *
html (const char *s)
{
  g_autofree char *line = line_text (s);

  return g_markup_escape_text (line, -1);
}

static char *
time_or_dash (GDateTime *dt)
{
  return dt ? pd_time_format_utc (dt) : g_strdup ("—");
}

static gboolean
is_recording (const PlanFile *f)
{
  return f->package != NULL && f->package->recording_name != NULL &&
         g_str_equal (f->src_rel, f->package->recording_name);
}

static GBytes *
build_index_text (Job *job)
{
  PdExportResult *r = job->result;
  GString *s = g_string_new (NULL);
  g_autofree char *now = pd_time_format_utc (r->started);
  g_autofree char *label = line_text (r->label);

  g_string_append (s, "PROOFDESK EVIDENCE EXPORT — INDEX\n证据导出清单\n");
  g_string_append (s, "=================================\n\n");
  g_string_append_printf (s, "Label 标签:            %s\n", label);
  if (r->kind != PD_EXPORT_TARGET_FOLDER)
    g_string_append_printf (s, "ISO volume id 卷标:    %s\n", r->volume_id);
  g_string_append_printf (s, "Exported 导出时间:     %s\n", now);
  g_string_append_printf (s, "Packages 证据包数:     %u\n\n", r->packages->len);
  g_string_append (s, "Every file below is listed with its SHA-256 and size. Check one with\n"
                      "\"sha256sum FILE\", or all of them with \"sha256sum -c " PD_EXPORT_SUMS_NAME "\".\n"
                      "以下列出每个文件的 SHA-256 和大小。\n\n");

  for (guint i = 0; i < r->packages->len; i++)
    {
      PdExportPackage *p = g_ptr_array_index (r->packages, i);
      g_autofree char *case_name = line_text (p->case_name && *p->case_name ? p->case_name : "—");
      g_autofree char *scenario = line_text (p->scenario && *p->scenario ? p->scenario : "—");
      g_autofree char *started = time_or_dash (p->started);
      g_autofree char *gen = time_or_dash (p->gen_time);
      g_autofree char *tsa = line_text (p->tsa_name ? p->tsa_name : "—");

      g_string_append_printf (s, "== %s ==\n", p->export_dir);
      g_string_append_printf (s, "Session 会话:          %s\n", p->session ? p->session : "—");
      g_string_append_printf (s, "Case 案件:             %s\n", case_name);
      g_string_append_printf (s, "Scenario 场景:         %s\n", scenario);
      g_string_append_printf (s, "Capture started 开始:  %s\n", started);
      g_string_append_printf (s, "Recording 录像:        %s, %" G_GUINT64_FORMAT " bytes\n",
                              p->recording_name ? p->recording_name : "—", p->recording_size);
      g_string_append_printf (s, "  SHA-256:             %s\n",
                              p->recording_sha256 ? p->recording_sha256 : "—");
      g_string_append_printf (s, "  TSA time 时间戳时间: %s\n", gen);
      g_string_append_printf (s, "  TSA 时间戳机构:      %s\n", tsa);
      if (p->practice)
        g_string_append (s, "  PRACTICE AUTHORITY — NOT FOR COURT 练习用时间戳，不可用于诉讼\n");
      g_string_append_printf (s, "Verified before export 导出前校验: %s\n\n",
                              pd_verdict_to_string (p->verdict));
      g_string_append (s, "SHA-256                                                           "
                          "bytes  path\n");
      for (guint j = 0; j < job->files->len; j++)
        {
          PlanFile *f = g_ptr_array_index (job->files, j);

          if (f->package != p)
            continue;
          g_string_append_printf (s, "%s %12" G_GUINT64_FORMAT "  %s", f->sha256, f->size, f->rel);
          if (is_recording (f))
            g_string_append_printf (s, "  [TSA %s, %s]", gen, tsa);
          g_string_append_c (s, '\n');
        }
      g_string_append_c (s, '\n');
    }
  return g_string_free_to_bytes (s);
}

static GBytes *
build_index_html (Job *job)
{
  PdExportResult *r = job->result;
  GString *s = g_string_new (NULL);
  g_autofree char *label = html (r->label);
  g_autofree char *now = pd_time_format_utc (r->started);

  g_string_append (s, "<!DOCTYPE html>\n<html lang=\"zh\">\n<head>\n<meta charset=\"utf-8\">\n");
  g_string_append (s, "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                      "style-src 'unsafe-inline'\">\n");
  g_string_append_printf (s, "<title>%s</title>\n", label);
  g_string_append (s, "<style>body{font-family:sans-serif;margin:2em}td,th{padding:2px 8px;"
                      "text-align:left;vertical-align:top}code{font-size:90%}"
                      ".warn{color:#b3261e;font-weight:bold}</style>\n</head>\n<body>\n");
  g_string_append_printf (s, "<h1>%s</h1>\n<p>Proofdesk evidence export 证据导出 · %s", label, now);
  if (r->kind != PD_EXPORT_TARGET_FOLDER)
    g_string_append_printf (s, " · <code>%s</code>", r->volume_id);
  g_string_append (s, "</p>\n<p>Every file with its SHA-256. See <a href=\"VERIFY.txt\">VERIFY.txt</a>"
                      " for how to check them. 每个文件及其 SHA-256；校验方法见 VERIFY.txt。</p>\n");

  for (guint i = 0; i < r->packages->len; i++)
    {
      PdExportPackage *p = g_ptr_array_index (r->packages, i);
      g_autofree char *dir = html (p->export_dir);
      g_autofree char *case_name = html (p->case_name && *p->case_name ? p->case_name : "—");
      g_autofree char *scenario = html (p->scenario && *p->scenario ? p->scenario : "—");
      g_autofree char *session = html (p->session ? p->session : "—");
      g_autofree char *started = time_or_dash (p->started);
      g_autofree char *gen = time_or_dash (p->gen_time);
      g_autofree char *tsa = html (p->tsa_name ? p->tsa_name : "—");
      g_autofree char *rec = html (p->recording_sha256 ? p->recording_sha256 : "—");

      g_string_append_printf (s, "<h2>%s</h2>\n<table>\n", dir);
      g_string_append_printf (s, "<tr><th>Case 案件</th><td>%s</td></tr>\n", case_name);
      g_string_append_printf (s, "<tr><th>Scenario 场景</th><td>%s</td></tr>\n", scenario);
      g_string_append_printf (s, "<tr><th>Session 会话</th><td><code>%s</code></td></tr>\n", session);
      g_string_append_printf (s, "<tr><th>Capture started 开始</th><td>%s</td></tr>\n", started);
      g_string_append_printf (s, "<tr><th>Recording SHA-256</th><td><code>%s</code></td></tr>\n", rec);
      g_string_append_printf (s, "<tr><th>TSA time 时间戳时间</th><td>%s</td></tr>\n", gen);
      g_string_append_printf (s, "<tr><th>TSA 时间戳机构</th><td>%s</td></tr>\n", tsa);
      g_string_append_printf (s, "<tr><th>Verified before export</th><td>%s</td></tr>\n</table>\n",
                              pd_verdict_to_string (p->verdict));
      if (p->practice)
        g_string_append (s, "<p class=\"warn\">Practice authority — not for court. "
                            "练习用时间戳，不可用于诉讼。</p>\n");
      g_string_append (s, "<table>\n<tr><th>File 文件</th><th>Bytes</th><th>SHA-256</th>"
                          "<th>TSA</th></tr>\n");
      for (guint j = 0; j < job->files->len; j++)
        {
          PlanFile *f = g_ptr_array_index (job->files, j);
          g_autofree char *uri = NULL, *href = NULL, *shown = NULL;

          if (f->package != p)
            continue;
          uri = g_uri_escape_string (f->rel, "/", FALSE);
          href = g_markup_escape_text (uri, -1);
          shown = html (f->rel);
          g_string_append_printf (s, "<tr><td><a href=\"%s\">%s</a></td><td>%" G_GUINT64_FORMAT
                                     "</td><td><code>%s</code></td><td>",
                                  href, shown, f->size, f->sha256);
          if (is_recording (f))
            g_string_append_printf (s, "%s<br>%s", gen, tsa);
          g_string_append (s, "</td></tr>\n");
        }
      g_string_append (s, "</table>\n");
    }
  g_string_append (s, "</body>\n</html>\n");
  return g_string_free_to_bytes (s);
}

static GBytes *
build_verify_text (Job *job)
{
  PdExportResult *r = job->result;
  GString *s = g_string_new (NULL);
  g_autofree char *label = line_text (r->label);

  g_string_append (s, "HOW TO VERIFY THIS EXPORT WITH STANDARD TOOLS\n"
                      "如何用通用工具校验本导出\n"
                      "=============================================\n\n");
  g_string_append_printf (s, "Label 标签: %s\n\n", label);
  g_string_append (s,
    "Layout 目录结构:\n"
    "  INDEX.html, INDEX.txt   every file with its SHA-256; TSA time of each recording\n"
    "                          每个文件的 SHA-256，以及每段录像的可信时间戳时间\n"
    "  SHA256SUMS              the same SHA-256s, for sha256sum -c\n"
    "  VERIFY.txt              this file 本文件\n"
    "  CASE/PACKAGE/           one evidence package per recording session, copied unchanged;\n"
    "                          each has its own VERIFY.txt with the exact openssl commands\n"
    "                          每个取证会话一个证据包，原样复制，包内 VERIFY.txt 有完整校验命令\n\n"
    "1. Every file is intact (run in this folder, or at the root of the disc):\n"
    "   所有文件完好（在本目录或光盘根目录运行）：\n\n"
    "   sha256sum -c SHA256SUMS\n\n"
    "2. The trusted timestamps of each package: go into the package and follow its VERIFY.txt\n"
    "   (openssl ts -verify …). Each command must print \"Verification: OK\".\n"
    "   每个证据包的可信时间戳：进入证据包目录，按其 VERIFY.txt 操作：\n\n");
  for (guint i = 0; i < r->packages->len; i++)
    {
      PdExportPackage *p = g_ptr_array_index (r->packages, i);
      g_autofree char *quoted = g_shell_quote (p->export_dir);

      g_string_append_printf (s, "   cd %s && cat VERIFY.txt\n", quoted);
    }
  g_string_append (s,
    "\n3. Proofdesk does all of it in one step for each package:\n"
    "   Proofdesk 可一步完成：\n\n");
  for (guint i = 0; i < r->packages->len; i++)
    {
      PdExportPackage *p = g_ptr_array_index (r->packages, i);
      g_autofree char *quoted = g_shell_quote (p->export_dir);

      g_string_append_printf (s, "   proofctl verify %s\n", quoted);
    }
  if (r->kind != PD_EXPORT_TARGET_FOLDER)
    g_string_append (s,
      "\nThe disc also carries MD5 checksums of its own (libisofs); check them with\n"
      "光盘另含 libisofs MD5 校验和，可用以下命令检查：\n\n"
      "   xorriso -md5 on -indev /dev/sr0 -check_md5 FAILURE -- \n");
  g_string_append (s,
    "\nA copy is evidence only together with its timestamps: keep each package folder whole.\n"
    "证据包须完整保存，时间戳与文件一起才能证明文件未被改动。\n");
  return g_string_free_to_bytes (s);
}

static void
add_generated (Job *job, const char *name, GBytes *data)
{
  PlanFile *f = g_new0 (PlanFile, 1);

  f->rel = g_strdup (name);
  f->data = data;
  f->size = g_bytes_get_size (data);
  f->mtime = g_date_time_to_unix (job->result->started);
  f->sha256 = pd_sha256_bytes (g_bytes_get_data (data, NULL), f->size);
  f->from = "export";
  g_ptr_array_add (job->files, f);
  g_hash_table_insert (job->by_rel, f->rel, f);
  job->total += f->size;
}

static void
add_root_files (Job *job)
{
  g_autoptr (GString) sums = g_string_new (NULL);

  add_generated (job, PD_EXPORT_INDEX_HTML_NAME, build_index_html (job));
  add_generated (job, PD_EXPORT_INDEX_TEXT_NAME, build_index_text (job));
  add_generated (job, PD_EXPORT_VERIFY_NAME, build_verify_text (job));
  /* Names are plain (acceptable_name, export_component): no escaping needed for sha256sum. */
  for (guint i = 0; i < job->files->len; i++)
    {
      PlanFile *f = g_ptr_array_index (job->files, i);

      g_string_append_printf (sums, "%s  %s\n", f->sha256, f->rel);
    }
  add_generated (job, PD_EXPORT_SUMS_NAME, g_string_free_to_bytes (g_steal_pointer (&sums)));
}

/* ---- Read-back bookkeeping ---- */

static PdExportFile *
record_file (Job *job, PlanFile *pf)
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

static void
judge (Job *job, PdExportFile *f, const char *actual, guint64 size, const char *problem)
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

static guint64
free_space (const char *path)
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

static gboolean
check_capacity (Job *job, guint64 need, guint64 available, GError **error)
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

/* ------------------------------------------------------------------------------------------ */
/* Folder / USB drive                                                                         */
/* ------------------------------------------------------------------------------------------ */

static gboolean
dir_is_empty (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);

  return dir != NULL && g_dir_read_name (dir) == NULL;
}

static gboolean
fsync_path (const char *path)
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

static gboolean
write_all (int fd, const guint8 *data, gsize len)
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

/* Copies one file, hashing what it reads: the source must still be what was verified. */
static gboolean
copy_one (Job *job, PlanFile *pf, const char *dst, guint64 *done, GError **error)
{
  g_autofree guint8 *buf = NULL;
  g_autofree char *sha = NULL;
  int in = -1, out;
  Digest d;

  out = open (dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (out < 0)
    return io_error (error, errno == EEXIST ? PD_EXPORT_ERROR_EXISTS : PD_EXPORT_ERROR_IO, errno,
                     _("Cannot create “%s”"), dst);
  if (pf->data != NULL)
    {
      gsize len;
      const guint8 *data = g_bytes_get_data (pf->data, &len);

      if (!write_all (out, data, len))
        goto write_failed;
      *done += len;
    }
  else
    {
      in = open_beneath (pf->src_root, pf->src_rel, error);
      if (in < 0)
        {
          close (out);
          return FALSE;
        }
      buf = g_malloc (COPY_BUFFER);
      digest_init (&d, FALSE);
      for (;;)
        {
          ssize_t n = read (in, buf, COPY_BUFFER);

          if (n < 0 && errno == EINTR)
            continue;
          if (n < 0)
            {
              int saved = errno;
              g_autofree char *src = g_build_filename (pf->src_root, pf->src_rel, NULL);

              g_free (digest_finish (&d, NULL));
              close (in);
              close (out);
              return io_error (error, PD_EXPORT_ERROR_IO, saved, _("Cannot read “%s”"), src);
            }
          if (n == 0)
            break;
          digest_update (&d, buf, n);
          if (!write_all (out, buf, n))
            {
              g_free (digest_finish (&d, NULL));
              goto write_failed;
            }
          *done += n;
          job_progress (job, PD_EXPORT_PHASE_WRITE, *done, job->total);
          if (g_cancellable_set_error_if_cancelled (job->cancellable, error))
            {
              g_free (digest_finish (&d, NULL));
              close (in);
              close (out);
              return FALSE;
            }
        }
      close (in);
      in = -1;
      sha = digest_finish (&d, NULL);
      if (!g_str_equal (sha, pf->sha256))
        {
          close (out);
          g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_CHANGED,
                       _("“%s” changed after it was verified (SHA-256 %s, expected %s); the "
                         "export is stopped."), pf->src_rel, sha, pf->sha256);
          return FALSE;
        }
    }
  {
    struct timespec times[2] = { { pf->mtime, 0 }, { pf->mtime, 0 } };
    futimens (out, times); /* nice to have; the content is what counts */
  }
  if (fsync (out) != 0)
    goto write_failed;
  /* Drop the cached pages so the read-back comes from the device, not from memory. */
  posix_fadvise (out, 0, 0, POSIX_FADV_DONTNEED);
  if (close (out) != 0)
    {
      out = -1;
      goto write_failed;
    }
  return TRUE;

write_failed:
  {
    int saved = errno;

    if (in >= 0)
      close (in);
    if (out >= 0)
      close (out);
    return io_error (error, saved == ENOSPC ? PD_EXPORT_ERROR_NO_SPACE : PD_EXPORT_ERROR_IO,
                     saved, _("Cannot write “%s”"), dst);
  }
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

static gboolean
export_folder (Job *job, GError **error)
{
  const char *root = job->self->target;
  gboolean created_root = FALSE;
  guint64 done = 0, need = 0;
  guint n_files = 0, n_dirs = 0;
  GStatBuf st;

  /* Checked before anything is written: an empty or new folder, with room for everything. */
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
  if (!check_capacity (job, need, free_space (root), error))
    return FALSE;
  if (g_lstat (root, &st) != 0)
    {
      if (g_mkdir_with_parents (root, 0755) != 0)
        return io_error (error, PD_EXPORT_ERROR_IO, errno, _("Cannot create the folder “%s”"), root);
      created_root = TRUE;
    }
  job->result->removable = is_removable (root);

  job_progress (job, PD_EXPORT_PHASE_WRITE, 0, job->total);
  for (; n_dirs < job->dirs->len; n_dirs++)
    {
      g_autofree char *dst = g_build_filename (root, g_ptr_array_index (job->dirs, n_dirs), NULL);

      if (g_mkdir (dst, 0755) != 0)
        {
          io_error (error, PD_EXPORT_ERROR_IO, errno, _("Cannot create the folder “%s”"), dst);
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

  job_progress (job, PD_EXPORT_PHASE_FINALISE, 0, job->dirs->len + 1);
  for (guint i = job->dirs->len; i > 0; i--)
    {
      g_autofree char *dst = g_build_filename (root, g_ptr_array_index (job->dirs, i - 1), NULL);

      if (!fsync_path (dst))
        return io_error (error, PD_EXPORT_ERROR_IO, errno, _("Cannot flush “%s” to the drive"), dst);
    }
  if (!fsync_path (root))
    return io_error (error, PD_EXPORT_ERROR_IO, errno, _("Cannot flush “%s” to the drive"), root);
  job_progress (job, PD_EXPORT_PHASE_FINALISE, job->dirs->len + 1, job->dirs->len + 1);

  /* Read every file back from the target. */
  done = 0;
  job_progress (job, PD_EXPORT_PHASE_READ_BACK, 0, job->total);
  for (guint i = 0; i < job->files->len; i++)
    {
      PlanFile *pf = g_ptr_array_index (job->files, i);
      PdExportFile *f = record_file (job, pf);
      g_autofree char *rel = g_strdup (pf->rel);
      g_autoptr (GError) local_error = NULL;
      g_autofree char *sha = NULL;
      guint64 size = 0;
      int fd = open_beneath (root, rel, &local_error);

      if (fd >= 0)
        {
          sha = hash_fd (job, fd, PD_EXPORT_PHASE_READ_BACK, &done, &size, &local_error);
          close (fd);
        }
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      judge (job, f, sha, size, sha ? NULL : local_error->message);
    }

  /* And the packages as a whole, in place, with the same trust store. */
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

/* ------------------------------------------------------------------------------------------ */
/* ISO image (libisofs)                                                                       */
/* ------------------------------------------------------------------------------------------ */

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IsoImage, iso_image_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IsoWriteOpts, iso_write_opts_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IsoReadOpts, iso_read_opts_free)

static IsoImage *
build_image (Job *job, GError **error)
{
  g_autoptr (IsoImage) image = NULL;
  g_autoptr (GHashTable) dirs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *preparer = g_strdup_printf ("Proofdesk %s", PACKAGE_VERSION);
  g_autofree char *label_id = NULL;
  int ret;

  ret = iso_image_new (job->result->volume_id, &image);
  if (ret < 0)
    return iso_failed (error, PD_EXPORT_ERROR_ISO, ret, _("Cannot create the ISO image")), NULL;
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
        return iso_failed (error, PD_EXPORT_ERROR_ISO, ret, rel), NULL;
      g_hash_table_insert (dirs, g_strdup (rel), dir);
    }
  for (guint i = 0; i < job->files->len; i++)
    {
      PlanFile *pf = g_ptr_array_index (job->files, i);
      g_autofree char *parent = g_path_get_dirname (pf->rel);
      g_autofree char *base = g_path_get_basename (pf->rel);
      IsoDir *up = g_hash_table_lookup (dirs, parent);
      IsoNode *node = NULL;

      if (up == NULL)
        ret = (int) ISO_NULL_POINTER;
      else if (pf->data != NULL)
        {
          IsoStream *stream = NULL;
          gsize len = g_bytes_get_size (pf->data);
          /* libisofs frees the buffer with free(): GLib's allocator is the system one. */
          unsigned char *copy = malloc (MAX (len, 1));

          memcpy (copy, g_bytes_get_data (pf->data, NULL), len);
          ret = iso_memory_stream_new (copy, len, &stream);
          if (ret < 0)
            free (copy);
          else
            {
              /* The new file takes over our reference to the stream. */
              ret = iso_tree_add_new_file (up, base, stream, (IsoFile **) &node);
              if (ret < 0)
                iso_stream_unref (stream);
            }
        }
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
              return NULL;
            }
        }
      if (ret < 0)
        return iso_failed (error, PD_EXPORT_ERROR_ISO, ret, pf->rel), NULL;
    }
  return g_steal_pointer (&image);
}

static IsoWriteOpts *
make_write_opts (GError **error)
{
  g_autoptr (IsoWriteOpts) opts = NULL;
  int ret = iso_write_opts_new (&opts, 0);

  if (ret < 0)
    return iso_failed (error, PD_EXPORT_ERROR_ISO, ret, _("Cannot set up the ISO image")), NULL;
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

static struct burn_source *
image_source (IsoImage *image, GError **error)
{
  g_autoptr (IsoWriteOpts) opts = make_write_opts (error);
  struct burn_source *src = NULL;
  int ret;

  if (opts == NULL)
    return NULL;
  ret = iso_image_create_burn_source (image, opts, &src);
  if (ret < 0)
    return iso_failed (error, PD_EXPORT_ERROR_ISO, ret, _("Cannot start writing the ISO image")), NULL;
  return src;
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
          /* Something on the target that the export did not put there. */
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
          continue;
        }
      g_hash_table_add (seen, pf);
      {
        PdExportFile *f = record_file (job, pf);
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
            judge (job, f, NULL, 0, problem);
            continue;
          }
        digest_init (&d, TRUE);
        for (;;)
          {
            ret = iso_stream_read (stream, buf, COPY_BUFFER);
            if (ret <= 0)
              break;
            digest_update (&d, buf, ret);
            *done += ret;
            job_progress (job, PD_EXPORT_PHASE_READ_BACK, *done, job->total);
            if (g_cancellable_set_error_if_cancelled (job->cancellable, error))
              break;
          }
        iso_stream_close (stream);
        sha = digest_finish (&d, md5);
        if (ret < 0)
          {
            problem = g_strdup_printf (_("read error: %s"), iso_error_to_msg (ret));
            judge (job, f, NULL, 0, problem);
            continue;
          }
        /* libisofs recorded an MD5 of what it wrote: it must agree with what came back. */
        if (iso_file_get_md5 (image, (IsoFile *) node, recorded, 0) == 1)
          {
            job->result->n_md5_checked++;
            if (memcmp (recorded, md5, 16) != 0)
              problem = g_strdup (_("the MD5 recorded in the image differs"));
          }
        judge (job, f, sha, d.size, problem);
      }
    }
  iso_dir_iter_free (iter);
}

static gboolean
read_back_image (Job *job, IsoDataSource *source, GError **error)
{
  g_autoptr (IsoImage) image = NULL;
  g_autoptr (IsoReadOpts) ropts = NULL;
  g_autoptr (GHashTable) seen = g_hash_table_new (NULL, NULL);
  IsoReadImageFeatures *features = NULL;
  guint64 done = 0;
  int ret;

  job_progress (job, PD_EXPORT_PHASE_READ_BACK, 0, job->total);
  if ((ret = iso_image_new ("READBACK", &image)) < 0 || (ret = iso_read_opts_new (&ropts, 0)) < 0)
    return iso_failed (error, PD_EXPORT_ERROR_ISO, ret, _("Cannot read the image back"));
  iso_read_opts_set_input_charset (ropts, "UTF-8");
  /* Load the MD5 array (its place is an AAIP attribute) to compare each file's recorded MD5
   * with what comes back, and check the session's MD5 tags: a bad tag fails the import. */
  iso_read_opts_set_no_aaip (ropts, 0);
  iso_read_opts_set_no_md5 (ropts, 0);
  ret = iso_image_import (image, source, ropts, &features);
  if (ret < 0)
    return iso_failed (error, PD_EXPORT_ERROR_ISO, ret, _("Cannot read the image back"));
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
        judge (job, record_file (job, pf), NULL, 0, NULL);
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
    return io_error (error, PD_EXPORT_ERROR_IO, errno, _("Cannot read “%s” back"), path), NULL;
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

static gboolean
export_iso (Job *job, GError **error)
{
  const char *path = job->self->target;
  g_autoptr (IsoImage) image = NULL;
  g_autofree guint8 *buf = NULL;
  g_autofree char *dir = g_path_get_dirname (path);
  struct burn_source *src;
  IsoDataSource *source = NULL;
  off_t size = 0;
  guint64 written = 0;
  gboolean ok = TRUE;
  GStatBuf st;
  int fd, ret;

  if (g_lstat (path, &st) == 0)
    {
      g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_EXISTS,
                   _("“%s” already exists; an image is never written over a file."), path);
      return FALSE;
    }
  image = build_image (job, error);
  if (image == NULL)
    return FALSE;
  /* libisofs lays the image out at once; nothing reaches the target before the first read. */
  src = image_source (image, error);
  if (src == NULL)
    return FALSE;
  size = src->get_size (src);
  if (!check_capacity (job, size, free_space (dir), error))
    {
      src->cancel (src);
      burn_source_free (src);
      return FALSE;
    }
  fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      int saved = errno;

      src->cancel (src);
      burn_source_free (src);
      return io_error (error, saved == EEXIST ? PD_EXPORT_ERROR_EXISTS : PD_EXPORT_ERROR_IO,
                       saved, _("Cannot create “%s”"), path);
    }
  buf = g_malloc (16 * ISO_BLOCK);
  job_progress (job, PD_EXPORT_PHASE_WRITE, 0, size);
  while (ok)
    {
      /* libisofs hands out whole requests only: ask for no more than what is left. */
      int want = (int) MIN ((guint64) 16 * ISO_BLOCK, (guint64) size - written);

      if (want <= 0)
        break;
      ret = src->read_xt ? src->read_xt (src, buf, want) : src->read (src, buf, want);
      if (ret < 0)
        ok = iso_failed (error, PD_EXPORT_ERROR_ISO, ret, _("Cannot generate the ISO image"));
      else if (ret == 0)
        break;
      else if (!write_all (fd, buf, ret))
        ok = io_error (error, errno == ENOSPC ? PD_EXPORT_ERROR_NO_SPACE : PD_EXPORT_ERROR_IO,
                       errno, _("Cannot write “%s”"), path);
      else
        {
          written += ret;
          job_progress (job, PD_EXPORT_PHASE_WRITE, written, size);
          if (g_cancellable_set_error_if_cancelled (job->cancellable, error))
            ok = FALSE;
        }
    }
  if (!ok)
    src->cancel (src);
  burn_source_free (src);
  if (ok && written != (guint64) size)
    {
      g_autofree char *got = g_strdup_printf ("%" G_GUINT64_FORMAT, written);
      g_autofree char *want = g_strdup_printf ("%" G_GINT64_FORMAT, (gint64) size);

      g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_ISO,
                   _("The ISO image came out %s bytes long, not %s."), got, want);
      ok = FALSE;
    }
  job_progress (job, PD_EXPORT_PHASE_FINALISE, 0, 1);
  if (ok && fsync (fd) != 0)
    ok = io_error (error, PD_EXPORT_ERROR_IO, errno, _("Cannot flush “%s” to the drive"), path);
  if (ok)
    posix_fadvise (fd, 0, 0, POSIX_FADV_DONTNEED);
  if (close (fd) != 0 && ok)
    ok = io_error (error, PD_EXPORT_ERROR_IO, errno, _("Cannot write “%s”"), path);
  if (ok && !fsync_path (dir))
    ok = io_error (error, PD_EXPORT_ERROR_IO, errno, _("Cannot flush “%s” to the drive"), dir);
  if (!ok)
    {
      g_unlink (path);
      return FALSE;
    }
  job->result->bytes_written = written;
  job_progress (job, PD_EXPORT_PHASE_FINALISE, 1, 1);

  source = file_source_new (path, error);
  if (source == NULL)
    return FALSE;
  ok = read_back_image (job, source, error);
  iso_data_source_unref (source);
  return ok;
}

/* ------------------------------------------------------------------------------------------ */
/* Disc (libburn)                                                                             */
/* ------------------------------------------------------------------------------------------ */

/* An IsoDataSource over a grabbed drive: libisofs reads the disc back through libburn. */
typedef struct
{
  struct burn_drive *drive;
  guint8             cache[READ_TILE * ISO_BLOCK];
  guint32            cache_lba;
  guint32            cache_blocks;
} DriveReader;

static int
drive_src_open (IsoDataSource *src)
{
  return ISO_SUCCESS;
}

static int
drive_src_close (IsoDataSource *src)
{
  return ISO_SUCCESS;
}

static int
drive_src_read_block (IsoDataSource *src, uint32_t lba, uint8_t *buffer)
{
  DriveReader *r = src->data;
  guint32 tile = lba - lba % READ_TILE;
  off_t count = 0;

  if (r->cache_blocks > 0 && lba >= r->cache_lba && lba < r->cache_lba + r->cache_blocks)
    {
      memcpy (buffer, r->cache + (gsize) (lba - r->cache_lba) * ISO_BLOCK, ISO_BLOCK);
      return ISO_SUCCESS;
    }
  /* Whole tiles are much faster on a real drive; near the end of the track they may fail,
   * and then single blocks are read. Flags: no messages (bit1), no slow retries (bit2). */
  r->cache_blocks = 0;
  if (burn_read_data (r->drive, (off_t) tile * ISO_BLOCK, (char *) r->cache, sizeof r->cache,
                      &count, 2 | 4) > 0 ||
      count >= (off_t) (lba - tile + 1) * ISO_BLOCK)
    {
      r->cache_lba = tile;
      r->cache_blocks = count > 0 ? (guint32) (count / ISO_BLOCK) : READ_TILE;
      if (lba < r->cache_lba + r->cache_blocks)
        {
          memcpy (buffer, r->cache + (gsize) (lba - tile) * ISO_BLOCK, ISO_BLOCK);
          return ISO_SUCCESS;
        }
      r->cache_blocks = 0;
    }
  if (burn_read_data (r->drive, (off_t) lba * ISO_BLOCK, (char *) buffer, ISO_BLOCK, &count, 2) > 0)
    return ISO_SUCCESS;
  return ISO_DATA_SOURCE_FAILURE;
}

static void
drive_src_free (IsoDataSource *src)
{
  g_free (src->data);
}

static IsoDataSource *
drive_source_new (struct burn_drive *drive)
{
  IsoDataSource *src = g_new0 (IsoDataSource, 1);
  DriveReader *r = g_new0 (DriveReader, 1);

  r->drive = drive;
  src->version = 0;
  src->refcount = 1;
  src->open = drive_src_open;
  src->close = drive_src_close;
  src->read_block = drive_src_read_block;
  src->free_data = drive_src_free;
  src->data = r;
  return src;
}

static void
drive_source_unref (IsoDataSource *src)
{
  /* libisofs frees a source it owns with free(); ours came from g_new0 (the same allocator). */
  iso_data_source_unref (src);
}

typedef struct
{
  struct burn_drive_info *infos;
  struct burn_drive      *drive;
} Grab;

static gboolean
grab_drive (const char *address, Grab *grab, GError **error)
{
  g_autofree char *adr = g_strdup (address);

  memset (grab, 0, sizeof *grab);
  if (strlen (adr) >= BURN_DRIVE_ADR_LEN)
    {
      g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_MEDIA,
                   _("The drive address “%s” is too long."), address);
      return FALSE;
    }
  if (burn_drive_scan_and_grab (&grab->infos, adr, 1) != 1 || grab->infos == NULL)
    {
      g_autofree char *more = library_messages ();

      g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_MEDIA,
                   _("Cannot open the drive “%s” (is it there, and may you use it?)%s%s"),
                   address, *more ? ": " : "", more);
      return FALSE;
    }
  grab->drive = grab->infos[0].drive;
  return TRUE;
}

static void
release_drive (Grab *grab)
{
  if (grab->drive != NULL)
    burn_drive_release (grab->drive, 0);
  if (grab->infos != NULL)
    burn_drive_info_free (grab->infos);
  memset (grab, 0, sizeof *grab);
}

static enum burn_disc_status
disc_status (struct burn_drive *drive)
{
  enum burn_disc_status status;

  /* libburn may need a moment to make up its mind (spinning up, reading the TOC). */
  for (int i = 0; i < 600 && (status = burn_disc_get_status (drive)) == BURN_DISC_UNREADY; i++)
    g_usleep (G_USEC_PER_SEC / 20);
  return status;
}

/* Media that can be written once per area: closing them makes them read-only. */
static gboolean
profile_is_write_once (int profile)
{
  switch (profile)
    {
    case 0x09: /* CD-R */
    case 0x0a: /* CD-RW (closed until blanked) */
    case 0x11: /* DVD-R sequential */
    case 0x14: /* DVD-RW sequential */
    case 0x15: /* DVD-R DL sequential */
    case 0x16: /* DVD-R DL jump */
    case 0x1b: /* DVD+R */
    case 0x2b: /* DVD+R DL */
    case 0x41: /* BD-R sequential */
      return TRUE;
    default:
      return FALSE;
    }
}

/* Refuses anything but media that is blank and safe to write. */
static gboolean
check_media (Job *job, Grab *grab, int *profile_out, GError **error)
{
  const char *address = job->self->target;
  enum burn_disc_status status = disc_status (grab->drive);
  int role = burn_drive_get_drive_role (grab->drive);
  char name[80] = "";
  int profile = 0;

  burn_disc_get_profile (grab->drive, &profile, name);
  *profile_out = profile;
  g_free (job->result->media);
  job->result->media = g_strdup (*name ? name : "?");

  if (role != 1 && role != 2)
    {
      /* 0 null drive, 3/5 write-only (cannot be read back), 4 read-only. */
      g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_MEDIA,
                   _("“%s” cannot be written and read back (libburn drive role %d)."), address, role);
      return FALSE;
    }
  switch (status)
    {
    case BURN_DISC_BLANK:
      break;
    case BURN_DISC_EMPTY:
      g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_MEDIA,
                   _("There is no disc in “%s”."), address);
      return FALSE;
    case BURN_DISC_APPENDABLE:
      g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_MEDIA,
                   _("The disc in “%s” already holds sessions; an evidence disc must hold this "
                     "export alone. Use a blank disc."), address);
      return FALSE;
    case BURN_DISC_FULL:
      g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_MEDIA,
                   _("The disc in “%s” is closed or full; nothing can be added. Use a blank disc."),
                   address);
      return FALSE;
    default:
      g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_MEDIA,
                   _("The disc in “%s” cannot be used (%s)."), address, job->result->media);
      return FALSE;
    }

  /* Overwritable media (DVD+RW, BD-RE, stdio files) count as "blank" even when full of data.
   * Proofdesk never writes over anything: a volume there, or a non-empty file, is refused. */
  if (!profile_is_write_once (profile))
    {
      guint8 block[ISO_BLOCK];
      off_t count = 0;

      if (role == 2 && g_str_has_prefix (address, "stdio:"))
        {
          GStatBuf st;

          if (g_stat (address + 6, &st) == 0 && (!S_ISREG (st.st_mode) || st.st_size > 0))
            {
              g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_MEDIA,
                           _("“%s” is not empty; Proofdesk never writes over existing data."),
                           address + 6);
              return FALSE;
            }
        }
      else if (burn_read_data (grab->drive, 16 * ISO_BLOCK, (char *) block, ISO_BLOCK, &count, 2) > 0 &&
               memcmp (block + 1, "CD001", 5) == 0)
        {
          g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_MEDIA,
                       _("The disc in “%s” already holds a file system; Proofdesk never writes "
                         "over existing data. Blank it first, or use a new disc."), address);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
burn_image (Job *job, Grab *grab, IsoImage *image, GError **error)
{
  struct burn_write_opts *opts = burn_write_opts_new (grab->drive);
  struct burn_disc *disc = burn_disc_create ();
  struct burn_session *session = burn_session_create ();
  struct burn_track *track = burn_track_create ();
  struct burn_multi_caps *caps = NULL;
  struct burn_source *src = NULL;
  struct burn_progress progress;
  enum burn_drive_status state;
  char reasons[BURN_REASONS_LEN];
  gboolean ok = FALSE, cancelled = FALSE;
  off_t available, size;

  burn_disc_add_session (disc, session, BURN_POS_END);
  burn_track_define_data (track, 0, PD_EXPORT_DISC_PADDING, 1, BURN_MODE1);
  burn_session_add_track (session, track, BURN_POS_END);

  /* Closed: nothing can be appended to an evidence disc afterwards. */
  burn_write_opts_set_multi (opts, 0);
  burn_write_opts_set_perform_opc (opts, 0);
  burn_write_opts_set_underrun_proof (opts, 1);
  burn_write_opts_set_simulate (opts, job->self->simulate);
  burn_drive_set_speed (grab->drive, 0, 0);

  if (job->self->simulate &&
      (burn_disc_get_multi_caps (grab->drive, BURN_WRITE_NONE, &caps, 0) <= 0 ||
       caps == NULL || !caps->might_simulate))
    {
      g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_MEDIA,
                   _("This drive and disc cannot simulate a burn."));
      goto out;
    }

  src = image_source (image, error);
  if (src == NULL)
    goto out;
  /* Capacity, before a single byte goes to the disc. */
  size = src->get_size (src);
  available = burn_disc_available_space (grab->drive, opts);
  if (!check_capacity (job, (guint64) size + PD_EXPORT_DISC_PADDING, (guint64) MAX (available, 0),
                       error))
    {
      src->cancel (src);
      goto out;
    }
  if (burn_track_set_source (track, src) != BURN_SOURCE_OK)
    {
      g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_BURN,
                   _("libburn does not accept the image as a track."));
      src->cancel (src);
      goto out;
    }
  if (burn_write_opts_auto_write_type (opts, disc, reasons, 0) == BURN_WRITE_NONE)
    {
      g_autofree char *why = g_utf8_make_valid (reasons, -1);

      g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_MEDIA,
                   _("No way to write this disc: %s"), why);
      src->cancel (src);
      goto out;
    }

  job_progress (job, PD_EXPORT_PHASE_WRITE, 0, size);
  burn_disc_write (opts, disc);
  while (burn_drive_get_status (grab->drive, NULL) == BURN_DRIVE_SPAWNING)
    g_usleep (1000);
  while ((state = burn_drive_get_status (grab->drive, &progress)) != BURN_DRIVE_IDLE)
    {
      if (!cancelled && g_cancellable_is_cancelled (job->cancellable))
        {
          burn_drive_cancel (grab->drive);
          cancelled = TRUE;
        }
      if (state == BURN_DRIVE_WRITING && progress.sectors > 0)
        job_progress (job, PD_EXPORT_PHASE_WRITE,
                      MIN ((guint64) progress.sector * ISO_BLOCK, (guint64) size), size);
      else if (state == BURN_DRIVE_CLOSING_TRACK || state == BURN_DRIVE_CLOSING_SESSION ||
               state == BURN_DRIVE_WRITING_LEADOUT || state == BURN_DRIVE_WRITING_SYNC)
        job_progress (job, PD_EXPORT_PHASE_FINALISE, 0, 1);
      g_usleep (G_USEC_PER_SEC / 10);
    }
  if (g_cancellable_set_error_if_cancelled (job->cancellable, error))
    goto out;
  if (!burn_drive_wrote_well (grab->drive))
    {
      g_autofree char *more = library_messages ();

      g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_BURN, _("The burn failed%s%s"),
                   *more ? ": " : ".", more);
      goto out;
    }
  job->result->bytes_written = job->self->simulate ? 0 : (guint64) size;
  job_progress (job, PD_EXPORT_PHASE_FINALISE, 1, 1);
  ok = TRUE;

out:
  if (src != NULL)
    burn_source_free (src);
  if (caps != NULL)
    burn_disc_free_multi_caps (&caps);
  burn_track_free (track);
  burn_session_free (session);
  burn_disc_free (disc);
  burn_write_opts_free (opts);
  return ok;
}

static gboolean
export_disc (Job *job, GError **error)
{
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&burn_lock);
  g_autoptr (IsoImage) image = NULL;
  IsoDataSource *source;
  Grab grab;
  int profile = 0;
  gboolean ok;

  image = build_image (job, error);
  if (image == NULL)
    return FALSE;
  g_free (library_messages ()); /* start with an empty queue */
  if (!grab_drive (job->self->target, &grab, error))
    return FALSE;
  ok = check_media (job, &grab, &profile, error) && burn_image (job, &grab, image, error);
  release_drive (&grab);
  if (!ok)
    return FALSE;

  if (job->self->simulate)
    {
      job->result->simulated = TRUE;
      for (guint i = 0; i < job->files->len; i++)
        record_file (job, g_ptr_array_index (job->files, i));
      return TRUE;
    }

  /* Grab the drive again so it reports the disc as it now is, then read it all back. */
  if (!grab_drive (job->self->target, &grab, error))
    return FALSE;
  if (profile_is_write_once (profile))
    {
      enum burn_disc_status status = disc_status (grab.drive);

      if (status != BURN_DISC_FULL)
        {
          release_drive (&grab);
          g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_BURN,
                       _("The disc was written but not closed; it could still be appended to."));
          return FALSE;
        }
      job->result->closed = TRUE;
    }
  source = drive_source_new (grab.drive);
  ok = read_back_image (job, source, error);
  drive_source_unref (source);
  release_drive (&grab);
  return ok;
}

/* ------------------------------------------------------------------------------------------ */
/* Running                                                                                    */
/* ------------------------------------------------------------------------------------------ */

static void
compose_label (Job *job)
{
  PdExportResult *r = job->result;
  g_autoptr (GPtrArray) platforms = g_ptr_array_new ();
  GDateTime *first = NULL, *last = NULL;

  for (guint i = 0; i < r->packages->len; i++)
    {
      PdExportPackage *p = g_ptr_array_index (r->packages, i);

      if (p->platform != NULL)
        g_ptr_array_add (platforms, p->platform);
      if (p->started != NULL && (first == NULL || g_date_time_compare (p->started, first) < 0))
        first = p->started;
      if (p->started != NULL && (last == NULL || g_date_time_compare (p->started, last) > 0))
        last = p->started;
    }
  g_ptr_array_add (platforms, NULL);
  if (job->self->label != NULL && *g_strstrip (job->self->label))
    r->label = g_utf8_make_valid (job->self->label, -1);
  else
    r->label = pd_disc_label_compose ((const char *const *) platforms->pdata,
                                      job->self->dispute_type, first, last);
  r->volume_id = pd_disc_label_volume_id (r->label, first);
}

static PdExportResult *
run_job (PdExport *self, PdExportProgressFunc progress, gpointer progress_data,
         GCancellable *cancellable, GError **error)
{
  g_auto (Job) job = { 0 };
  g_autoptr (GHashTable) export_dirs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gboolean ok = FALSE;

  g_return_val_if_fail (PD_IS_EXPORT (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (self->started)
    {
      g_set_error_literal (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_INVALID,
                           _("This export has already run."));
      return NULL;
    }
  self->started = TRUE;
  if (self->package_dirs->len == 0)
    {
      g_set_error_literal (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_INVALID,
                           _("Nothing to export: no packages were given."));
      return NULL;
    }
  if (self->kind != PD_EXPORT_TARGET_FOLDER && !ensure_libraries (error))
    return NULL;

  job.self = self;
  job.cancellable = cancellable;
  job.progress = progress;
  job.progress_data = progress_data;
  job.result = result_new (self->kind, self->target);
  job.files = g_ptr_array_new_with_free_func ((GDestroyNotify) plan_file_free);
  job.dirs = g_ptr_array_new_with_free_func (g_free);
  job.by_rel = g_hash_table_new (g_str_hash, g_str_equal);
  job.last_phase = PD_EXPORT_PHASE_VERIFY;
  job.trust = self->trust ? pd_trust_store_ref (self->trust) : pd_trust_store_new_default (error);
  if (job.trust == NULL)
    return NULL;

  for (guint i = 0; i < self->package_dirs->len; i++)
    if (!add_package (&job, g_ptr_array_index (self->package_dirs, i), export_dirs, error))
      return NULL;
  compose_label (&job);
  add_root_files (&job);

  switch (self->kind)
    {
    case PD_EXPORT_TARGET_FOLDER:
      ok = export_folder (&job, error);
      break;
    case PD_EXPORT_TARGET_ISO:
      ok = export_iso (&job, error);
      break;
    case PD_EXPORT_TARGET_DISC:
      ok = export_disc (&job, error);
      break;
    default:
      g_assert_not_reached ();
    }
  if (!ok)
    return NULL;
  job.result->finished = g_date_time_new_now_utc ();
  return g_steal_pointer (&job.result);
}

PdExportResult *
pd_export_run (PdExport *self, GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (PD_IS_EXPORT (self), NULL);

  return run_job (self, self->progress, self->progress_data, cancellable, error);
}

/* ---- Async: the run in a worker thread, progress marshalled to the caller's context ---- */

/* Refcounted: queued progress calls may outlive the task. */
typedef struct
{
  GMainContext        *context;
  PdExport            *self;
} AsyncProgress;

typedef struct
{
  AsyncProgress *ap;
  PdExportPhase  phase;
  guint64        done;
  guint64        total;
} ProgressCall;

static void
async_progress_clear (AsyncProgress *ap)
{
  g_main_context_unref (ap->context);
  g_object_unref (ap->self);
}

static void
progress_call_free (ProgressCall *call)
{
  g_atomic_rc_box_release_full (call->ap, (GDestroyNotify) async_progress_clear);
  g_free (call);
}

static gboolean
deliver_progress (gpointer user_data)
{
  ProgressCall *call = user_data;
  PdExport *self = call->ap->self;

  if (self->progress != NULL)
    self->progress (call->phase, call->done, call->total, self->progress_data);
  return G_SOURCE_REMOVE;
}

static void
on_async_progress (PdExportPhase phase, guint64 done, guint64 total, gpointer user_data)
{
  ProgressCall *call = g_new0 (ProgressCall, 1);

  call->ap = g_atomic_rc_box_acquire (user_data);
  call->phase = phase;
  call->done = done;
  call->total = total;
  g_main_context_invoke_full (call->ap->context, G_PRIORITY_DEFAULT, deliver_progress, call,
                              (GDestroyNotify) progress_call_free);
}

static void
run_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  PdExport *self = source;
  GError *error = NULL;
  PdExportResult *result = run_job (self, self->progress ? on_async_progress : NULL, task_data,
                                    cancellable, &error);

  if (result == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result, (GDestroyNotify) pd_export_result_unref);
}

static void
async_progress_unref (AsyncProgress *ap)
{
  g_atomic_rc_box_release_full (ap, (GDestroyNotify) async_progress_clear);
}

void
pd_export_run_async (PdExport *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                     gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  AsyncProgress *ap;

  g_return_if_fail (PD_IS_EXPORT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pd_export_run_async);
  ap = g_atomic_rc_box_new0 (AsyncProgress);
  ap->context = g_main_context_ref_thread_default ();
  ap->self = g_object_ref (self);
  g_task_set_task_data (task, ap, (GDestroyNotify) async_progress_unref);
  g_task_run_in_thread (task, run_thread);
}

PdExportResult *
pd_export_run_finish (PdExport *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
