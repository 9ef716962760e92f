/* pd-export.c — exports verified packages to a folder, an ISO image or a disc, and reads every file back: the result, the object, one run. */
#define G_LOG_DOMAIN "pd-export"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "report/pd-disc-label.h"
#include "util/pd-error.h"
#include "export/pd-export-private.h"
#include "util/pd-util.h"

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
void
pd_export_progress (Job *job, PdExportPhase phase, guint64 done, guint64 total)
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

gboolean
pd_export_io_error (GError **error, int code, int saved_errno, const char *format, const char *path)
{
  g_autofree char *what = g_strdup_printf (format, path);

  g_set_error (error, PD_EXPORT_ERROR, code, "%s: %s", what, g_strerror (saved_errno));
  return FALSE;
}

/* ------------------------------------------------------------------------------------------ */
/* Running                                                                                    */
/* ------------------------------------------------------------------------------------------ */

char *
pd_export_compose_label (guint n, const char *const *scenarios, GDateTime *const *started,
                         const char *dispute_type, GDateTime **first_out)
{
  g_autoptr (GPtrArray) platforms = g_ptr_array_new ();
  GDateTime *first = NULL, *last = NULL;

  for (guint i = 0; i < n; i++)
    {
      const char *platform = pd_disc_label_platform_for_scenario (scenarios ? scenarios[i] : NULL);
      GDateTime *s = started ? started[i] : NULL;

      if (platform != NULL)
        g_ptr_array_add (platforms, (gpointer) platform);
      if (s != NULL && (first == NULL || g_date_time_compare (s, first) < 0))
        first = s;
      if (s != NULL && (last == NULL || g_date_time_compare (s, last) > 0))
        last = s;
    }
  g_ptr_array_add (platforms, NULL);
  if (first_out != NULL)
    *first_out = first;
  return pd_disc_label_compose ((const char *const *) platforms->pdata, dispute_type, first, last);
}

static void
compose_label (Job *job)
{
  PdExportResult *r = job->result;
  g_autoptr (GPtrArray) scenarios = g_ptr_array_new ();
  g_autoptr (GPtrArray) started = g_ptr_array_new ();
  g_autofree char *composed = NULL;
  GDateTime *first = NULL;

  for (guint i = 0; i < r->packages->len; i++)
    {
      PdExportPackage *p = g_ptr_array_index (r->packages, i);

      g_ptr_array_add (scenarios, p->scenario);
      g_ptr_array_add (started, p->started);
    }
  composed = pd_export_compose_label (r->packages->len, (const char *const *) scenarios->pdata,
                                      (GDateTime *const *) started->pdata,
                                      job->self->dispute_type, &first);
  if (job->self->label != NULL && *g_strstrip (job->self->label))
    r->label = g_utf8_make_valid (job->self->label, -1);
  else
    r->label = g_steal_pointer (&composed);
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
  if (self->kind != PD_EXPORT_TARGET_FOLDER && !pd_export_ensure_libraries (error))
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
    if (!pd_export_read_package (&job, g_ptr_array_index (self->package_dirs, i), export_dirs, error))
      return NULL;
  compose_label (&job);
  pd_export_add_root_files (&job);

  switch (self->kind)
    {
    case PD_EXPORT_TARGET_FOLDER:
      ok = pd_export_write_folder (&job, error);
      break;
    case PD_EXPORT_TARGET_ISO:
      ok = pd_export_write_iso (&job, error);
      break;
    case PD_EXPORT_TARGET_DISC:
      ok = pd_export_write_disc (&job, error);
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
