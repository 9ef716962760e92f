/* pd-maintenance.c — background recovery and late stamping with back-off. */
#define G_LOG_DOMAIN "pd-maintenance"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "capture/pd-capture.h"
#include "catalog/pd-catalog.h"
#include "capture/pd-maintenance.h"
#include "evidence/pd-package.h"
#include "capture/pd-seal.h"
#include "timestamp/pd-tsa.h"

struct _PdMaintenance
{
  GObject parent_instance;

  /* Owned references */
  char         *evidence_root;
  char         *tsa_url;
  char         *catalog_path;
  GCancellable *cancellable;
  GMainContext *context;

  guint         backoff;
  guint         backoff_max;
  guint         next_delay;
  guint         retry_source;
  gint64        next_retry_at;
  gboolean      running;
};

enum {
  SIGNAL_RECOVERED,
  SIGNAL_STAMPED,
  SIGNAL_STAMP_FAILED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (PdMaintenance, pd_maintenance, G_TYPE_OBJECT)

static void
pd_maintenance_dispose (GObject *object)
{
  PdMaintenance *self = PD_MAINTENANCE (object);

  pd_maintenance_stop (self);
  G_OBJECT_CLASS (pd_maintenance_parent_class)->dispose (object);
}

static void
pd_maintenance_finalize (GObject *object)
{
  PdMaintenance *self = PD_MAINTENANCE (object);

  g_clear_pointer (&self->evidence_root, g_free);
  g_clear_pointer (&self->tsa_url, g_free);
  g_clear_pointer (&self->catalog_path, g_free);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->context, g_main_context_unref);
  G_OBJECT_CLASS (pd_maintenance_parent_class)->finalize (object);
}

static void
pd_maintenance_class_init (PdMaintenanceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = pd_maintenance_dispose;
  object_class->finalize = pd_maintenance_finalize;

  /* PdMaintenance::recovered: (path) a crashed capture was sealed as recovered. */
  signals[SIGNAL_RECOVERED] =
    g_signal_new ("recovered", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);
  /* PdMaintenance::stamped: (path) a waiting package got its timestamp. */
  signals[SIGNAL_STAMPED] =
    g_signal_new ("stamped", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);
  /* PdMaintenance::stamp-failed: (path, message, seconds until the next try). */
  signals[SIGNAL_STAMP_FAILED] =
    g_signal_new ("stamp-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_UINT);
}

static void
pd_maintenance_init (PdMaintenance *self)
{
  self->backoff = 30;
  self->backoff_max = 30 * 60;
}

PdMaintenance *
pd_maintenance_new (const char *evidence_root, const char *tsa_url, const char *catalog_path)
{
  PdMaintenance *self = g_object_new (PD_TYPE_MAINTENANCE, NULL);

  self->evidence_root = g_strdup (evidence_root);
  self->tsa_url = g_strdup (tsa_url ? tsa_url : PD_TSA_LOCAL);
  self->catalog_path = g_strdup (catalog_path);
  return self;
}

void
pd_maintenance_set_backoff (PdMaintenance *self, guint seconds, guint max_seconds)
{
  g_return_if_fail (PD_IS_MAINTENANCE (self));
  self->backoff = MAX (seconds, 1);
  self->backoff_max = MAX (max_seconds, self->backoff);
}

/* ---- results carried from the worker to the caller's context ---- */

typedef struct
{
  PdMaintenance *self;
  guint          signal;
  char          *path;
  char          *message;
  guint          delay;
} Event;

static gboolean
emit_event (gpointer data)
{
  Event *e = data;

  if (e->signal == SIGNAL_STAMP_FAILED)
    g_signal_emit (e->self, signals[e->signal], 0, e->path, e->message, e->delay);
  else
    g_signal_emit (e->self, signals[e->signal], 0, e->path);
  return G_SOURCE_REMOVE;
}

static void
event_free (gpointer data)
{
  Event *e = data;

  g_object_unref (e->self);
  g_free (e->path);
  g_free (e->message);
  g_free (e);
}

static void
post_event (PdMaintenance *self, guint signal, const char *path, const char *message, guint delay)
{
  Event *e = g_new0 (Event, 1);

  e->self = g_object_ref (self);
  e->signal = signal;
  e->path = g_strdup (path);
  e->message = g_strdup (message);
  e->delay = delay;
  g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, emit_event, e, event_free);
}

/* ---- the worker: its own main context, TSA client and catalog connection ---- */

typedef struct
{
  GMainLoop *loop;
  PdPackage *package;
  GError    *error;
} RecoverWait;

static void
on_recovered (GObject *source, GAsyncResult *result, gpointer user_data)
{
  RecoverWait *w = user_data;

  w->package = pd_capture_recover_finish (PD_CAPTURE (source), result, &w->error);
  g_main_loop_quit (w->loop);
}

static void
run_pass (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  PdMaintenance *self = source;
  g_autoptr (GMainContext) ctx = g_main_context_new ();
  g_autoptr (PdTsaClient) tsa = NULL;
  g_autoptr (PdCatalog) catalog = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) unsealed = NULL;
  g_auto (GStrv) pending = NULL;
  guint still_waiting = 0;

  g_main_context_push_thread_default (ctx);
  catalog = pd_catalog_open (self->catalog_path, NULL);
  tsa = g_str_equal (self->tsa_url, "none") ? NULL : pd_tsa_client_new (self->tsa_url, &error);

  unsealed = pd_capture_find_unsealed (self->evidence_root);
  for (guint i = 0; unsealed[i] && !g_cancellable_is_cancelled (cancellable); i++)
    {
      g_autoptr (PdCapture) capture = pd_capture_new_for_recovery (unsealed[i], NULL);
      g_autoptr (GMainLoop) loop = NULL;
      RecoverWait w = { 0 };

      if (capture == NULL)   /* still recording in another process, or not recoverable */
        continue;
      loop = g_main_loop_new (ctx, FALSE);
      w.loop = loop;
      pd_capture_set_catalog (capture, catalog);
      pd_capture_recover_async (capture, tsa, NULL, cancellable, on_recovered, &w);
      g_main_loop_run (loop);
      if (w.package != NULL)
        post_event (self, SIGNAL_RECOVERED, unsealed[i], NULL, 0);
      g_clear_object (&w.package);
      g_clear_error (&w.error);
    }

  pending = pd_seal_find_pending (self->evidence_root);
  for (guint i = 0; pending[i] && !g_cancellable_is_cancelled (cancellable); i++)
    {
      g_autoptr (GError) stamp_error = NULL;

      if (tsa == NULL)
        {
          still_waiting++;
          post_event (self, SIGNAL_STAMP_FAILED, pending[i],
                      error ? error->message : _("No timestamp authority is configured."), self->next_delay);
          continue;
        }
      if (pd_seal_stamp_pending (pending[i], tsa, catalog, cancellable, &stamp_error))
        post_event (self, SIGNAL_STAMPED, pending[i], NULL, 0);
      else
        {
          still_waiting++;
          post_event (self, SIGNAL_STAMP_FAILED, pending[i], stamp_error->message, self->next_delay);
        }
    }
  if (catalog && tsa)
    pd_catalog_audit_stamp_if_due (catalog, tsa, G_TIME_SPAN_HOUR, NULL, NULL);
  g_main_context_pop_thread_default (ctx);
  g_task_return_int (task, still_waiting);
}

static void schedule (PdMaintenance *self, guint delay);

static void
on_pass_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  PdMaintenance *self = PD_MAINTENANCE (source);
  gssize waiting = g_task_propagate_int (G_TASK (result), NULL);

  self->running = FALSE;
  if (g_cancellable_is_cancelled (self->cancellable))
    return;
  if (waiting > 0)
    {
      guint delay = self->next_delay;

      self->next_delay = MIN (self->next_delay * 2, self->backoff_max);
      schedule (self, delay);
    }
  else
    self->next_delay = self->backoff;
}

static void
run_now (PdMaintenance *self)
{
  g_autoptr (GTask) task = NULL;

  if (self->running)
    return;
  self->running = TRUE;
  task = g_task_new (self, self->cancellable, on_pass_done, NULL);
  g_task_set_source_tag (task, run_now);
  g_task_run_in_thread (task, run_pass);
}

static gboolean
on_retry (gpointer user_data)
{
  PdMaintenance *self = user_data;

  self->retry_source = 0;
  self->next_retry_at = 0;
  run_now (self);
  return G_SOURCE_REMOVE;
}

static void
schedule (PdMaintenance *self, guint delay)
{
  g_clear_handle_id (&self->retry_source, g_source_remove);
  self->next_retry_at = g_get_monotonic_time () + (gint64) delay * G_USEC_PER_SEC;
  self->retry_source = g_timeout_add_seconds (delay, on_retry, self);
}

void
pd_maintenance_start (PdMaintenance *self)
{
  g_return_if_fail (PD_IS_MAINTENANCE (self));

  if (self->cancellable == NULL || g_cancellable_is_cancelled (self->cancellable))
    {
      g_clear_object (&self->cancellable);
      self->cancellable = g_cancellable_new ();
    }
  g_clear_pointer (&self->context, g_main_context_unref);
  self->context = g_main_context_ref_thread_default ();
  self->next_delay = self->backoff;
  run_now (self);
}

void
pd_maintenance_stop (PdMaintenance *self)
{
  g_return_if_fail (PD_IS_MAINTENANCE (self));

  if (self->cancellable)
    g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->retry_source, g_source_remove);
  self->next_retry_at = 0;
}

guint
pd_maintenance_get_next_retry (PdMaintenance *self)
{
  gint64 now = g_get_monotonic_time ();

  g_return_val_if_fail (PD_IS_MAINTENANCE (self), 0);
  if (self->next_retry_at == 0 || self->next_retry_at <= now)
    return 0;
  return (guint) ((self->next_retry_at - now + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
}
