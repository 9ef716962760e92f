/* pd-export-job.c — one export as both front ends run it: checks before the run, the run, and the catalog, audit log, outcome and label PDF after it. */
#define G_LOG_DOMAIN "pd-export"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "export/pd-export-job.h"
#include "export/pd-export-private.h"
#include "util/pd-error.h"
#include "verify/pd-verify.h"

/* Rough per-file overhead for the estimate: block rounding on a file system or image. */
#define FILE_SLACK  4096
#define IMAGE_SLACK (1024 * 1024)

struct _PdExportJob
{
  GObject              parent_instance;

  /* What to export */
  PdExportTargetKind   kind;
  char                *target;
  GPtrArray           *packages;       /* package folders, as given */
  GHashTable          *canonical;      /* their canonical paths, against duplicates */
  char                *label;          /* stripped; NULL: composed */
  char                *dispute_type;
  PdTrustStore        *trust;
  gboolean             simulate;
  guint64              capacity_limit;
  PdExportProgressFunc progress;
  gpointer             progress_data;
  GDestroyNotify       progress_destroy;
  char                *catalog_path;   /* NULL: the default catalog */
  gboolean             record;

  /* What happened */
  gboolean             started;
  PdExportResult      *result;
  GError              *error;
  GError              *record_error;
  char                *outcome;
};

G_DEFINE_FINAL_TYPE (PdExportJob, pd_export_job, G_TYPE_OBJECT)

/* ------------------------------------------------------------------------------------------ */
/* The job                                                                                    */
/* ------------------------------------------------------------------------------------------ */

static void
pd_export_job_finalize (GObject *object)
{
  PdExportJob *self = PD_EXPORT_JOB (object);

  g_free (self->target);
  g_clear_pointer (&self->packages, g_ptr_array_unref);
  g_clear_pointer (&self->canonical, g_hash_table_unref);
  g_free (self->label);
  g_free (self->dispute_type);
  g_clear_pointer (&self->trust, pd_trust_store_unref);
  if (self->progress_destroy != NULL)
    self->progress_destroy (self->progress_data);
  g_free (self->catalog_path);
  g_clear_pointer (&self->result, pd_export_result_unref);
  g_clear_error (&self->error);
  g_clear_error (&self->record_error);
  g_free (self->outcome);
  G_OBJECT_CLASS (pd_export_job_parent_class)->finalize (object);
}

static void
pd_export_job_class_init (PdExportJobClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pd_export_job_finalize;
}

static void
pd_export_job_init (PdExportJob *self)
{
  self->packages = g_ptr_array_new_with_free_func (g_free);
  self->canonical = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->record = TRUE;
}

PdExportJob *
pd_export_job_new (PdExportTargetKind kind, const char *target)
{
  PdExportJob *self;

  g_return_val_if_fail (target != NULL, NULL);
  g_return_val_if_fail (kind <= PD_EXPORT_TARGET_DISC, NULL);

  self = g_object_new (PD_TYPE_EXPORT_JOB, NULL);
  self->kind = kind;
  self->target = g_strdup (target);
  return self;
}

PdExportTargetKind
pd_export_job_get_kind (PdExportJob *self)
{
  g_return_val_if_fail (PD_IS_EXPORT_JOB (self), PD_EXPORT_TARGET_FOLDER);
  return self->kind;
}

const char *
pd_export_job_get_target (PdExportJob *self)
{
  g_return_val_if_fail (PD_IS_EXPORT_JOB (self), NULL);
  return self->target;
}

gboolean
pd_export_job_add_package (PdExportJob *self, const char *package_dir)
{
  g_autofree char *canonical = NULL;

  g_return_val_if_fail (PD_IS_EXPORT_JOB (self), FALSE);
  g_return_val_if_fail (package_dir != NULL, FALSE);

  /* One package twice would go on the target twice, as "<folder>" and "<folder>-2". */
  canonical = g_canonicalize_filename (package_dir, NULL);
  if (g_hash_table_contains (self->canonical, canonical))
    return FALSE;
  g_hash_table_add (self->canonical, g_steal_pointer (&canonical));
  g_ptr_array_add (self->packages, g_strdup (package_dir));
  return TRUE;
}

GPtrArray *
pd_export_job_get_packages (PdExportJob *self)
{
  g_return_val_if_fail (PD_IS_EXPORT_JOB (self), NULL);
  return self->packages;
}

void
pd_export_job_set_label (PdExportJob *self, const char *label)
{
  g_return_if_fail (PD_IS_EXPORT_JOB (self));

  g_clear_pointer (&self->label, g_free);
  if (label != NULL)
    self->label = g_strstrip (g_strdup (label));
  if (self->label != NULL && *self->label == '\0')
    g_clear_pointer (&self->label, g_free);
}

const char *
pd_export_job_get_label (PdExportJob *self)
{
  g_return_val_if_fail (PD_IS_EXPORT_JOB (self), NULL);
  return self->label;
}

void
pd_export_job_set_dispute_type (PdExportJob *self, const char *dispute_type)
{
  g_return_if_fail (PD_IS_EXPORT_JOB (self));
  g_free (self->dispute_type);
  self->dispute_type = g_strdup (dispute_type);
}

void
pd_export_job_set_trust_store (PdExportJob *self, PdTrustStore *trust)
{
  g_return_if_fail (PD_IS_EXPORT_JOB (self));
  g_clear_pointer (&self->trust, pd_trust_store_unref);
  self->trust = trust ? pd_trust_store_ref (trust) : NULL;
}

void
pd_export_job_set_simulate (PdExportJob *self, gboolean simulate)
{
  g_return_if_fail (PD_IS_EXPORT_JOB (self));
  self->simulate = !!simulate;
}

void
pd_export_job_set_capacity_limit (PdExportJob *self, guint64 bytes)
{
  g_return_if_fail (PD_IS_EXPORT_JOB (self));
  self->capacity_limit = bytes;
}

void
pd_export_job_set_progress_func (PdExportJob *self, PdExportProgressFunc func,
                                 gpointer user_data, GDestroyNotify destroy)
{
  g_return_if_fail (PD_IS_EXPORT_JOB (self));
  if (self->progress_destroy != NULL)
    self->progress_destroy (self->progress_data);
  self->progress = func;
  self->progress_data = user_data;
  self->progress_destroy = destroy;
}

void
pd_export_job_set_catalog (PdExportJob *self, const char *catalog_path, gboolean record)
{
  g_return_if_fail (PD_IS_EXPORT_JOB (self));
  g_free (self->catalog_path);
  self->catalog_path = g_strdup (catalog_path);
  self->record = !!record;
}

/* ------------------------------------------------------------------------------------------ */
/* Before the run                                                                             */
/* ------------------------------------------------------------------------------------------ */

gboolean
pd_export_session_is_exportable (PdCatalogSession *session)
{
  const char *state = pd_catalog_session_get_state (session);
  const char *path = pd_catalog_session_get_package_path (session);

  return path != NULL && g_file_test (path, G_FILE_TEST_IS_DIR) &&
         (g_strcmp0 (state, PD_SESSION_STATE_STAMPED) == 0 ||
          g_strcmp0 (state, PD_SESSION_STATE_AWAITING_STAMP) == 0 ||
          g_strcmp0 (state, PD_SESSION_STATE_RECOVERED) == 0);
}

static gboolean
folder_is_empty (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);

  return dir != NULL && g_dir_read_name (dir) == NULL;
}

gboolean
pd_export_job_check_target (PdExportJob *self, GError **error)
{
  const char *target;

  g_return_val_if_fail (PD_IS_EXPORT_JOB (self), FALSE);

  target = self->target;
  if (self->packages->len == 0)
    {
      g_set_error_literal (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_INVALID,
                           _("Nothing to export: no packages were given."));
      return FALSE;
    }
  if (self->kind == PD_EXPORT_TARGET_FOLDER && g_file_test (target, G_FILE_TEST_EXISTS) &&
      !folder_is_empty (target))
    {
      g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_EXISTS,
                   _("“%s” is not an empty folder. Choose a new or empty folder: an export never mixes with other files."),
                   target);
      return FALSE;
    }
  if (self->kind == PD_EXPORT_TARGET_ISO &&
      (g_file_test (target, G_FILE_TEST_EXISTS) || g_file_test (target, G_FILE_TEST_IS_SYMLINK)))
    {
      g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_EXISTS,
                   _("“%s” already exists. An image is never written over a file: choose a new name."),
                   target);
      return FALSE;
    }
  return TRUE;
}

/* Bytes and files under `path` (not following symlinks). */
static void
tree_size (const char *path, guint64 *bytes, guint *files)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      GStatBuf st;

      if (g_lstat (child, &st) != 0)
        continue;
      if (S_ISDIR (st.st_mode))
        tree_size (child, bytes, files);
      else if (S_ISREG (st.st_mode))
        {
          *bytes += (guint64) st.st_size;
          (*files)++;
        }
    }
}

void
pd_export_job_estimate (PdExportJob *self, guint64 *need_out, guint64 *available_out)
{
  guint64 total = 0, need, available = G_MAXUINT64;
  guint files = 0;

  g_return_if_fail (PD_IS_EXPORT_JOB (self));

  for (guint i = 0; i < self->packages->len; i++)
    tree_size (g_ptr_array_index (self->packages, i), &total, &files);
  /* Besides the packages: INDEX.html, INDEX.txt, VERIFY.txt, SHA256SUMS. */
  need = total + (guint64) (files + 4 + 2 * self->packages->len) * FILE_SLACK;
  switch (self->kind)
    {
    case PD_EXPORT_TARGET_FOLDER:
      available = pd_export_free_space (self->target);
      break;
    case PD_EXPORT_TARGET_ISO:
      {
        g_autofree char *dir = g_path_get_dirname (self->target);

        need += IMAGE_SLACK;
        available = pd_export_free_space (dir);
        break;
      }
    case PD_EXPORT_TARGET_DISC:
    default:
      need += IMAGE_SLACK + PD_EXPORT_DISC_PADDING;
      break;
    }
  if (self->capacity_limit > 0)
    available = MIN (available, self->capacity_limit);
  if (need_out != NULL)
    *need_out = need;
  if (available_out != NULL)
    *available_out = available;
}

/* ------------------------------------------------------------------------------------------ */
/* Recording                                                                                  */
/* ------------------------------------------------------------------------------------------ */

static const char *
kind_string (PdExportTargetKind kind)
{
  return kind == PD_EXPORT_TARGET_FOLDER ? "folder" : kind == PD_EXPORT_TARGET_ISO ? "iso" : "disc";
}

/* Every package was verified by the export; the catalog must know the sessions before it can
 * link the export to them, so unknown ones are imported (with their verdict). */
static gboolean
record_export (PdExportJob *self, GError **error)
{
  PdExportResult *result = self->result;
  g_autoptr (PdCatalog) catalog = pd_catalog_open (self->catalog_path, error);
  g_auto (GStrv) sessions = NULL;

  if (catalog == NULL)
    return FALSE;
  for (guint i = 0; i < result->packages->len; i++)
    {
      PdExportPackage *p = g_ptr_array_index (result->packages, i);
      g_autoptr (PdCatalogSession) known = NULL;
      gboolean already = FALSE;

      if (p->session == NULL)
        continue;
      known = pd_catalog_get_session (catalog, p->session, NULL);
      if (known == NULL &&
          !pd_catalog_import_package (catalog, p->source_dir, pd_verdict_to_string (p->verdict),
                                      &already, NULL, error))
        return FALSE;
    }
  sessions = pd_export_result_dup_sessions (result);
  return pd_catalog_add_export (catalog, pd_export_result_get_kind_string (result),
                                result->target, result->label,
                                (const char *const *) sessions, self->outcome, error) >= 0;
}

static gboolean
record_refusal (PdExportJob *self, GError **error)
{
  g_autoptr (PdCatalog) catalog = pd_catalog_open (self->catalog_path, error);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *details = NULL;

  if (catalog == NULL)
    return FALSE;
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "target_kind");
  json_builder_add_string_value (b, kind_string (self->kind));
  json_builder_set_member_name (b, "target");
  json_builder_add_string_value (b, self->target);
  json_builder_set_member_name (b, "reason");
  json_builder_add_string_value (b, self->error->message);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  details = json_generator_to_data (gen, NULL);
  return pd_catalog_audit_append (catalog, NULL, "export.refused", NULL, details, error);
}

/* Takes `result` and `run_error`; records what happened. Returns a new reference to the
 * result, or NULL and the error. */
static PdExportResult *
finish_run (PdExportJob *self, PdExportResult *result, GError *run_error, GError **error)
{
  self->result = result;
  self->error = run_error;
  if (result != NULL)
    self->outcome = pd_export_result_get_ok (result)
                      ? g_strdup ("ok")
                      : g_strdup_printf ("read-back: %u files differ", result->n_bad);
  if (self->record && result != NULL && !result->simulated)
    record_export (self, &self->record_error);
  else if (self->record && result == NULL && pd_export_job_get_refused (self))
    record_refusal (self, &self->record_error);
  if (result == NULL)
    {
      g_propagate_error (error, g_error_copy (self->error));
      return NULL;
    }
  return pd_export_result_ref (result);
}

/* ------------------------------------------------------------------------------------------ */
/* The run                                                                                    */
/* ------------------------------------------------------------------------------------------ */

/* Once per job, with a target that passes the checks; NULL and the error otherwise. */
static PdExport *
start_run (PdExportJob *self, GError **error)
{
  PdExport *export;

  if (self->started)
    {
      g_set_error_literal (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_INVALID,
                           _("This export has already run."));
      return NULL;
    }
  self->started = TRUE;
  if (!pd_export_job_check_target (self, error))
    return NULL;
  export = pd_export_new (self->kind, self->target);
  for (guint i = 0; i < self->packages->len; i++)
    pd_export_add_package (export, g_ptr_array_index (self->packages, i));
  pd_export_set_label (export, self->label);
  pd_export_set_dispute_type (export, self->dispute_type);
  pd_export_set_trust_store (export, self->trust);
  pd_export_set_simulate (export, self->simulate);
  pd_export_set_capacity_limit (export, self->capacity_limit);
  pd_export_set_progress_func (export, self->progress, self->progress_data, NULL);
  return export;
}

PdExportResult *
pd_export_job_run (PdExportJob *self, GCancellable *cancellable, GError **error)
{
  g_autoptr (PdExport) export = NULL;
  GError *run_error = NULL;
  PdExportResult *result = NULL;
  gboolean again;

  g_return_val_if_fail (PD_IS_EXPORT_JOB (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  again = self->started;
  export = start_run (self, &run_error);
  if (again)
    {
      g_propagate_error (error, run_error);
      return NULL;
    }
  if (export != NULL)
    result = pd_export_run (export, cancellable, &run_error);
  return finish_run (self, result, run_error, error);
}

static void
on_export_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  PdExportJob *self = g_task_get_source_object (task);
  GError *run_error = NULL;
  GError *error = NULL;
  PdExportResult *result = pd_export_run_finish (PD_EXPORT (source), res, &run_error);

  result = finish_run (self, result, run_error, &error);
  if (result == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result, (GDestroyNotify) pd_export_result_unref);
}

void
pd_export_job_run_async (PdExportJob *self, GCancellable *cancellable,
                         GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (PdExport) export = NULL;
  GError *error = NULL;
  gboolean again;

  g_return_if_fail (PD_IS_EXPORT_JOB (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pd_export_job_run_async);
  again = self->started;
  export = start_run (self, &error);
  if (export == NULL)
    {
      GError *out = NULL;

      if (again)
        g_task_return_error (task, error);
      else if (finish_run (self, NULL, error, &out) == NULL)
        g_task_return_error (task, out);
      return;
    }
  pd_export_run_async (export, cancellable, on_export_done, g_steal_pointer (&task));
}

PdExportResult *
pd_export_job_run_finish (PdExportJob *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ------------------------------------------------------------------------------------------ */
/* After the run                                                                              */
/* ------------------------------------------------------------------------------------------ */

PdExportResult *
pd_export_job_get_result (PdExportJob *self)
{
  g_return_val_if_fail (PD_IS_EXPORT_JOB (self), NULL);
  return self->result;
}

const GError *
pd_export_job_get_error (PdExportJob *self)
{
  g_return_val_if_fail (PD_IS_EXPORT_JOB (self), NULL);
  return self->error;
}

gboolean
pd_export_job_get_refused (PdExportJob *self)
{
  g_return_val_if_fail (PD_IS_EXPORT_JOB (self), FALSE);

  return g_error_matches (self->error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_REFUSED) ||
         g_error_matches (self->error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_BAD_PACKAGE) ||
         g_error_matches (self->error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_CHANGED);
}

/* The core's message starts with the package's folder. */
GStrv
pd_export_job_dup_refused_packages (PdExportJob *self)
{
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();

  g_return_val_if_fail (PD_IS_EXPORT_JOB (self), NULL);

  for (guint i = 0; pd_export_job_get_refused (self) && i < self->packages->len; i++)
    {
      const char *dir = g_ptr_array_index (self->packages, i);

      if (strstr (self->error->message, dir) != NULL)
        g_strv_builder_add (b, dir);
    }
  return g_strv_builder_end (b);
}

const GError *
pd_export_job_get_record_error (PdExportJob *self)
{
  g_return_val_if_fail (PD_IS_EXPORT_JOB (self), NULL);
  return self->record_error;
}

const char *
pd_export_job_get_outcome (PdExportJob *self)
{
  g_return_val_if_fail (PD_IS_EXPORT_JOB (self), NULL);
  return self->outcome;
}

guint
pd_export_job_count_equal (PdExportJob *self)
{
  guint n = 0;

  g_return_val_if_fail (PD_IS_EXPORT_JOB (self), 0);

  for (guint i = 0; self->result != NULL && i < self->result->files->len; i++)
    if (((PdExportFile *) g_ptr_array_index (self->result->files, i))->status == PD_EXPORT_FILE_OK)
      n++;
  return n;
}

gboolean
pd_export_job_can_write_label (PdExportJob *self)
{
  g_return_val_if_fail (PD_IS_EXPORT_JOB (self), FALSE);

  return self->result != NULL && !self->result->simulated &&
         pd_export_result_get_ok (self->result);
}

char *
pd_export_job_default_label_path (PdExportJob *self)
{
  PdExportResult *result;
  g_autofree char *base = NULL;

  g_return_val_if_fail (PD_IS_EXPORT_JOB (self) && self->result != NULL, NULL);

  result = self->result;
  switch (result->kind)
    {
    case PD_EXPORT_TARGET_ISO:
      base = g_str_has_suffix (result->target, ".iso")
               ? g_strndup (result->target, strlen (result->target) - 4)
               : g_strdup (result->target);
      break;
    case PD_EXPORT_TARGET_FOLDER:
      {
        g_autofree char *trimmed = g_strdup (result->target);
        gsize len = strlen (trimmed);

        while (len > 1 && trimmed[len - 1] == '/')
          trimmed[--len] = '\0';
        base = g_steal_pointer (&trimmed);
        break;
      }
    case PD_EXPORT_TARGET_DISC:
    default:
      base = g_strdup (result->volume_id);
      break;
    }
  for (guint n = 1;; n++)
    {
      g_autofree char *path = n == 1 ? g_strdup_printf ("%s-label.pdf", base)
                                     : g_strdup_printf ("%s-label-%u.pdf", base, n);

      if (!g_file_test (path, G_FILE_TEST_EXISTS) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        return g_steal_pointer (&path);
    }
}

gboolean
pd_export_job_write_label (PdExportJob *self, const char *path, GError **error)
{
  g_return_val_if_fail (PD_IS_EXPORT_JOB (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (pd_export_job_can_write_label (self), FALSE);

  return pd_export_result_write_label_pdf (self->result, path, error);
}
