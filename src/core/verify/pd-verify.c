/* pd-verify.c — the one strict verifier: the asynchronous entry points over the checks in this folder. */
#define G_LOG_DOMAIN "pd-verify"

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <openssl/err.h>
#include <openssl/ess.h>
#include <openssl/pem.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "report/pd-certificate.h"
#include "util/pd-error.h"
#include "timestamp/pd-local-tsa.h"
#include "evidence/pd-package.h"
#include "util/pd-private.h"
#include "util/pd-util.h"
#include "evidence/pd-evidence-file.h"
#include "evidence/pd-manifest.h"
#include "verify/pd-verify.h"
#include "verify/pd-verify-private.h"

/* ------------------------------------------------------------------------------------------ */
/* Async                                                                                      */

typedef struct
{
  char                 *dir;
  char                 *file;
  char                 *token;
  PdTrustStore         *trust;
  PdVerifyProgressFunc  progress;
  gpointer              progress_data;
  GDestroyNotify        progress_destroy;
  GMainContext         *context;
  GMutex                lock;
  guint64               done;
  guint64               total;
  gboolean              pending;   /* a report is queued in `context` */
} VerifyTaskData;

static void
verify_task_data_free (VerifyTaskData *d)
{
  g_free (d->dir);
  g_free (d->file);
  g_free (d->token);
  g_clear_pointer (&d->trust, pd_trust_store_unref);
  if (d->progress_destroy)
    d->progress_destroy (d->progress_data);
  g_clear_pointer (&d->context, g_main_context_unref);
  g_mutex_clear (&d->lock);
  g_free (d);
}

static gboolean
relay_progress (gpointer user_data)
{
  VerifyTaskData *d = g_task_get_task_data (G_TASK (user_data));
  guint64 done, total;

  g_mutex_lock (&d->lock);
  done = d->done;
  total = d->total;
  d->pending = FALSE;
  g_mutex_unlock (&d->lock);
  d->progress (done, total, d->progress_data);
  return G_SOURCE_REMOVE;
}

/* Worker side: coalesces reports so the main context gets at most one queued at a time. */
typedef struct
{
  GTask          *task;
  VerifyTaskData *data;
} WorkerProgress;

static void
worker_progress (guint64 done, guint64 total, gpointer user_data)
{
  WorkerProgress *wp = user_data;
  VerifyTaskData *d = wp->data;
  gboolean queue;

  g_mutex_lock (&d->lock);
  d->done = done;
  d->total = total;
  queue = !d->pending;
  d->pending = TRUE;
  g_mutex_unlock (&d->lock);
  if (queue)
    g_main_context_invoke_full (d->context, G_PRIORITY_DEFAULT, relay_progress,
                                g_object_ref (wp->task), g_object_unref);
}

static void
verify_package_thread (GTask *task, gpointer source, gpointer task_data,
                       GCancellable *cancellable)
{
  VerifyTaskData *d = task_data;
  WorkerProgress wp = { task, d };
  GError *error = NULL;
  PdVerifyResult *r;

  r = pd_verify_package (d->dir, d->trust, d->progress ? worker_progress : NULL, &wp,
                         cancellable, &error);
  if (r == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, r, (GDestroyNotify) pd_verify_result_unref);
}

void
pd_verify_package_async (const char *dir, PdTrustStore *trust, PdVerifyProgressFunc progress,
                         gpointer progress_data, GDestroyNotify progress_destroy,
                         GCancellable *cancellable, GAsyncReadyCallback callback,
                         gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  VerifyTaskData *d;

  g_return_if_fail (dir != NULL);
  g_return_if_fail (trust != NULL);

  d = g_new0 (VerifyTaskData, 1);
  d->dir = g_strdup (dir);
  d->trust = pd_trust_store_ref (trust);
  d->progress = progress;
  d->progress_data = progress_data;
  d->progress_destroy = progress_destroy;
  d->context = g_main_context_ref_thread_default ();
  g_mutex_init (&d->lock);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, pd_verify_package_async);
  g_task_set_task_data (task, d, (GDestroyNotify) verify_task_data_free);
  g_task_run_in_thread (task, verify_package_thread);
}

PdVerifyResult *
pd_verify_package_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == pd_verify_package_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
verify_file_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  VerifyTaskData *d = task_data;
  GError *error = NULL;
  PdVerifyResult *r;

  r = pd_verify_token_for_file (d->file, d->token, d->trust, cancellable, &error);
  if (r == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, r, (GDestroyNotify) pd_verify_result_unref);
}

void
pd_verify_token_for_file_async (const char *file, const char *token_path, PdTrustStore *trust,
                                GCancellable *cancellable, GAsyncReadyCallback callback,
                                gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  VerifyTaskData *d;

  g_return_if_fail (file != NULL);
  g_return_if_fail (token_path != NULL);
  g_return_if_fail (trust != NULL);

  d = g_new0 (VerifyTaskData, 1);
  d->file = g_strdup (file);
  d->token = g_strdup (token_path);
  d->trust = pd_trust_store_ref (trust);
  d->context = g_main_context_ref_thread_default ();
  g_mutex_init (&d->lock);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, pd_verify_token_for_file_async);
  g_task_set_task_data (task, d, (GDestroyNotify) verify_task_data_free);
  g_task_run_in_thread (task, verify_file_thread);
}

PdVerifyResult *
pd_verify_token_for_file_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == pd_verify_token_for_file_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
