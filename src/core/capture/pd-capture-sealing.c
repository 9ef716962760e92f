/* pd-capture-sealing.c — sealing a stopped (or recovered) capture: the recording checked on
 * disk, stamped, the package files and manifest written, the manifest stamped, the catalog told. */
#define G_LOG_DOMAIN "pd-capture"

#include "config.h"

#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <openssl/evp.h>
#include <string.h>
#include <unistd.h>

#include "capture/pd-capture-private.h"
#include "capture/pd-seal.h"
#include "catalog/pd-catalog.h"
#include "evidence/pd-package.h"
#include "timestamp/pd-tsa.h"
#include "util/pd-error.h"
#include "util/pd-util.h"

/* ---------------------------------------------------------------- sealing */

static void
fsync_path (const char *path)
{
  int fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);

  if (fd >= 0)
    {
      fsync (fd);
      close (fd);
    }
}

/* The catalog never decides whether a recording survives: its failures become warnings. */
void
pd_capture_catalog_state (PdCapture *self, const char *state, const char *reason)
{
  g_autoptr (GError) error = NULL;

  if (self->catalog == NULL || self->session_id == NULL)
    return;
  if (!pd_catalog_session_set_state (self->catalog, self->session_id, state, reason, &error))
    pd_capture_add_warning (self, _("The catalog could not record the session state: %s"), error->message);
}

static void return_result (PdCapture *self, GError *error);

typedef struct
{
  PdCapture *self;
  GError    *error;
} AuditWait;

static void
on_audit_stamped (GObject *source, GAsyncResult *result, gpointer user_data)
{
  AuditWait *w = user_data;
  g_autoptr (GError) error = NULL;

  if (!pd_catalog_audit_stamp_head_finish (PD_CATALOG (source), result, &error))
    g_debug ("audit head not stamped: %s", error->message);
  return_result (w->self, w->error);
  g_object_unref (w->self);
  g_free (w);
}

/* Returns TRUE when the audit head is being stamped and the result will follow from there. */
static gboolean
catalog_seal_done (PdCapture *self, GError *error)
{
  g_autoptr (GError) local_error = NULL;
  JsonObject *m;

  if (self->catalog == NULL || self->session_id == NULL)
    return FALSE;
  m = self->package ? pd_package_get_manifest (self->package) : NULL;
  if (error != NULL || m == NULL || self->manifest_sha256 == NULL)
    {
      pd_capture_catalog_state (self, PD_SESSION_STATE_FAILED,
                                error ? error->message : self->failure ? self->failure->message : NULL);
      return FALSE;
    }
  if (!pd_catalog_session_record_package (self->catalog, self->session_id, m, self->manifest_sha256,
                                          &local_error))
    pd_capture_add_warning (self, _("The catalog could not record the package: %s"), local_error->message);
  pd_capture_catalog_state (self, pd_capture_manifest_state (self) ,
                            self->failure ? self->failure->message
                            : self->recovered ? self->recovery_reason
                            : self->recording_token == NULL && self->tsa ? _("The timestamp authority could not be reached.")
                            : NULL);
  /* Each session's end fixes the audit log's head with the TSA too; the result waits for it,
   * so nothing is still in flight when the caller (or the process) moves on. */
  if (self->tsa)
    {
      AuditWait *w = g_new0 (AuditWait, 1);

      w->self = g_object_ref (self);
      w->error = error;
      pd_catalog_audit_stamp_head_async (self->catalog, self->tsa, NULL, on_audit_stamped, w);
      return TRUE;
    }
  return FALSE;
}

void
pd_capture_seal_complete (PdCapture *self, GError *error)
{
  if (catalog_seal_done (self, error))
    return;
  return_result (self, error);
}

static void
return_result (PdCapture *self, GError *error)
{
  g_autoptr (GTask) task = g_steal_pointer (&self->stop_task);

  self->state = STATE_DONE;
  if (task == NULL)
    {
      g_clear_error (&error);
      return;
    }
  if (error != NULL)
    g_task_return_error (task, error);
  else if (self->failure != NULL)
    g_task_return_error (task, g_error_copy (self->failure));
  else
    g_task_return_pointer (task, g_object_ref (self->package), g_object_unref);
}

static void
on_manifest_stamped (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (PdCapture) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) write_error = NULL;

  self->manifest_token = pd_tsa_client_stamp_finish (PD_TSA_CLIENT (source), result, &error);
  if (self->manifest_token == NULL)
    pd_capture_add_warning (self, _("The manifest could not be timestamped: %s"), error->message);
  else
    {
      g_autofree char *path = g_build_filename (pd_package_get_path (self->package),
                                                PD_MANIFEST_TOKEN_NAME, NULL);
      GBytes *der = pd_tsa_token_get_response_der (self->manifest_token);

      if (!pd_write_file_once (path, g_bytes_get_data (der, NULL), g_bytes_get_size (der), &write_error))
        {
          pd_capture_seal_complete (self, g_steal_pointer (&write_error));
          return;
        }
    }
  /* The certificate a person reads: written last, it embeds both tokens. */
  if (!pd_seal_write_certificate (self->package, self->recording_token, self->manifest_token, &write_error))
    pd_capture_add_warning (self, _("The certificate could not be written: %s"), write_error->message);
  pd_capture_seal_complete (self, NULL);
}

/* Everything is known: write the tokens, the chain, VERIFY.txt and the manifest, then stamp
 * the manifest. Files are written once; the manifest lists all of them but itself. */
static void
write_package (PdCapture *self)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) manifest = NULL;

  if (self->tsa)
    {
      g_autofree char *chain = pd_tsa_client_get_chain_pem (self->tsa);

      /* Checkpoint tokens were written as they arrived. */
      if (self->recording_token &&
          !pd_package_write_file (self->package, PD_RECORDING_TOKEN_NAME,
                                  pd_tsa_token_get_response_der (self->recording_token), &error))
        goto fail;
      if (chain != NULL)
        {
          g_autoptr (GBytes) b = g_bytes_new (chain, strlen (chain));
          if (!pd_package_write_file (self->package, PD_TSA_CHAIN_NAME, b, &error))
            goto fail;
        }
    }

  pd_capture_fill_manifest (self, json_object_get_string_member_with_default (
                                    pd_package_get_manifest (self->package), "_digest_source", "inline"));
  json_object_remove_member (pd_package_get_manifest (self->package), "_digest_source");
  {
    g_autofree char *text = pd_package_build_verify_text (pd_package_get_manifest (self->package));
    g_autoptr (GBytes) b = g_bytes_new (text, strlen (text));

    if (!pd_package_write_file (self->package, PD_VERIFY_TEXT_NAME, b, &error))
      goto fail;
  }

  manifest = pd_package_write_manifest (self->package, &error);
  if (manifest == NULL)
    goto fail;
  self->manifest_sha256 = pd_sha256_bytes (g_bytes_get_data (manifest, NULL), g_bytes_get_size (manifest));
  pd_capture_crash_point ("manifest");

  if (self->tsa && self->recording_token)
    {
      guint8 digest[PD_SHA256_LEN];
      unsigned int len = 0;

      EVP_Digest (g_bytes_get_data (manifest, NULL), g_bytes_get_size (manifest), digest, &len,
                  EVP_sha256 (), NULL);
      pd_tsa_client_stamp_async (self->tsa, PD_TSA_DIGEST_SHA256, digest, sizeof digest, NULL,
                                 on_manifest_stamped, g_object_ref (self));
      return;
    }
  pd_capture_seal_complete (self, NULL);
  return;

fail:
  pd_capture_seal_complete (self, g_steal_pointer (&error));
}

static void
on_recording_stamped (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (PdCapture) self = user_data;
  g_autoptr (GError) error = NULL;

  self->recording_token = pd_tsa_client_stamp_finish (PD_TSA_CLIENT (source), result, &error);
  if (self->recording_token == NULL)
    {
      pd_capture_add_warning (self, _("The recording could not be timestamped (%s); it is sealed locally and waits for a timestamp."),
                              error->message);
      g_free (self->recording_stamp_error);
      self->recording_stamp_error = g_strdup (error->message);
    }
  write_package (self);
}

/* Checkpoint stamps are all in (or given up on): stamp the recording's digest. */
void
pd_capture_continue_seal (PdCapture *self)
{
  guint8 digest[PD_SHA256_LEN];
  guint missing = 0;

  for (guint i = 0; i < self->checkpoints->len; i++)
    if (g_array_index (self->checkpoints, Checkpoint, i).token == NULL)
      missing++;
  if (missing > 0)
    pd_capture_add_warning (self, ngettext ("%u checkpoint could not be timestamped.",
                                            "%u checkpoints could not be timestamped.", missing), missing);

  if (!pd_hex_decode (self->final_sha256, digest, sizeof digest))
    {
      write_package (self);
      return;
    }
  pd_capture_crash_point ("stamping");
  pd_tsa_client_stamp_async (self->tsa, PD_TSA_DIGEST_SHA256, digest, sizeof digest, NULL,
                             on_recording_stamped, g_object_ref (self));
}

static gboolean
on_pending_timeout (gpointer user_data)
{
  PdCapture *self = user_data;

  /* A TSA that has not answered a checkpoint by now will not: seal without it. */
  self->pending_timeout = 0;
  g_cancellable_cancel (self->stamp_cancellable);
  return G_SOURCE_REMOVE;
}

/* Runs once, after the pipeline is in NULL: checks what is on disk, then seals it. */
void
pd_capture_begin_seal (PdCapture *self)
{
  g_autofree char *rec_path = g_build_filename (pd_package_get_path (self->package), PD_RECORDING_NAME, NULL);
  JsonObject *m = pd_package_get_manifest (self->package);
  GStatBuf st;

  if (self->stopped == NULL)
    self->stopped = g_date_time_new_now_utc ();
  pd_capture_journal_close (self);

  if (g_stat (rec_path, &st) != 0 || st.st_size == 0)
    {
      /* Nothing recorded: leave nothing that looks like a package. */
      g_autofree char *journal = g_build_filename (pd_package_get_path (self->package), PD_JOURNAL_NAME, NULL);

      g_cancellable_cancel (self->stamp_cancellable);
      g_unlink (rec_path);
      g_unlink (journal);
      pd_package_discard_if_empty (self->package);
      pd_capture_seal_complete (self, g_error_new (PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_PIPELINE, "%s",
                                                   self->failure ? self->failure->message
                                                                 : _("Nothing was recorded.")));
      return;
    }
  fsync_path (rec_path);

  json_object_set_string_member (m, "_digest_source", self->recovered ? "read-back" : "inline");
  if (self->final_sha256 == NULL || self->final_size != (guint64) st.st_size)
    {
      /* The inline hash is missing (the pipeline failed) or does not cover the file: hash what
       * is on disk instead and say so; the package is marked failed. */
      g_autoptr (GError) error = NULL;

      g_clear_pointer (&self->final_sha256, g_free);
      self->final_sha256 = pd_sha256_file (rec_path, &self->final_size, NULL, &error);
      if (self->final_sha256 == NULL)
        {
          pd_capture_seal_complete (self, g_steal_pointer (&error));
          return;
        }
      json_object_set_string_member (m, "_digest_source", "read-back");
      if (self->failure == NULL)
        self->failure = g_error_new (PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_PIPELINE,
                                     _("The inline hash did not cover the whole file."));
    }
  pd_package_add_file_entry (self->package, PD_RECORDING_NAME, self->final_size, self->final_sha256);
  {
    g_autofree char *journal = g_build_filename (pd_package_get_path (self->package), PD_JOURNAL_NAME, NULL);
    g_autofree char *sha = NULL;
    guint64 size = 0;

    fsync_path (journal);
    sha = pd_sha256_file (journal, &size, NULL, NULL);
    if (sha != NULL)
      pd_package_add_file_entry (self->package, PD_JOURNAL_NAME, size, sha);
  }

  if (self->tsa == NULL)
    {
      write_package (self);
      return;
    }
  if (self->pending_stamps > 0)
    {
      guint timeout = PD_TSA_DEFAULT_TIMEOUT + 5;

      self->waiting_for_stamps = TRUE;
      self->pending_timeout = g_timeout_add_seconds (timeout, on_pending_timeout, self);
      return;
    }
  pd_capture_continue_seal (self);
}
