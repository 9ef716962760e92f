/* pd-capture-stamping.c — checkpoints stamped while recording continues: each token is written
 * and journalled as it arrives. */
#define G_LOG_DOMAIN "pd-capture"

#include "config.h"

#include <glib.h>

#include "capture/pd-capture-private.h"
#include "evidence/pd-package.h"
#include "timestamp/pd-tsa.h"
#include "util/pd-util.h"

/* ---------------------------------------------------------------- stamping while recording */

typedef struct
{
  PdCapture *self;
  guint      index;
} StampClosure;

Checkpoint *
pd_capture_find_checkpoint (PdCapture *self, guint index)
{
  for (guint i = 0; i < self->checkpoints->len; i++)
    {
      Checkpoint *cp = &g_array_index (self->checkpoints, Checkpoint, i);
      if (cp->index == index)
        return cp;
    }
  return NULL;
}

static void
on_checkpoint_stamped (GObject *source, GAsyncResult *result, gpointer user_data)
{
  StampClosure *c = user_data;
  PdCapture *self = c->self;
  g_autoptr (GError) error = NULL;
  g_autoptr (PdTsaToken) token = pd_tsa_client_stamp_finish (PD_TSA_CLIENT (source), result, &error);
  Checkpoint *cp = pd_capture_find_checkpoint (self, c->index);

  if (cp != NULL && token != NULL)
    {
      /* Written at once, so a crash keeps every token already received. */
      g_autofree char *name = g_strdup_printf (PD_CHECKPOINT_TOKEN_FORMAT, cp->index);
      g_autoptr (GError) write_error = NULL;
      g_autofree char *gen_time = pd_time_format_utc (pd_tsa_token_get_gen_time (token));

      if (pd_package_write_file (self->package, name, pd_tsa_token_get_response_der (token), &write_error))
        {
          JsonObject *e = pd_capture_journal_event ("stamped");

          cp->token = g_object_ref (token);
          json_object_set_int_member (e, "index", cp->index);
          json_object_set_string_member (e, "token", name);
          json_object_set_string_member (e, "gen_time", gen_time);
          pd_capture_journal_append (self, e);
        }
      else
        {
          cp->stamp_error = g_strdup (write_error->message);
          error = g_steal_pointer (&write_error);
        }
    }
  else if (cp != NULL)
    {
      JsonObject *e = pd_capture_journal_event ("stamp-failed");

      cp->stamp_error = g_strdup (error->message);
      json_object_set_int_member (e, "index", cp->index);
      json_object_set_string_member (e, "error", error->message);
      pd_capture_journal_append (self, e);
    }
  g_signal_emit (self, pd_capture_signals[SIGNAL_CHECKPOINT_STAMPED], 0, c->index, error);

  self->pending_stamps--;
  if (self->pending_stamps == 0 && self->waiting_for_stamps)
    {
      self->waiting_for_stamps = FALSE;
      g_clear_handle_id (&self->pending_timeout, g_source_remove);
      pd_capture_continue_seal (self);
    }
  g_object_unref (self);
  g_free (c);
}

void
pd_capture_stamp_checkpoint (PdCapture *self, Checkpoint *cp)
{
  guint8 digest[PD_SHA256_LEN];
  StampClosure *c;

  if (!pd_hex_decode (cp->sha256, digest, sizeof digest))
    {
      cp->stamp_error = g_strdup ("bad digest");
      return;
    }
  c = g_new0 (StampClosure, 1);
  c->self = g_object_ref (self);
  c->index = cp->index;
  self->pending_stamps++;
  pd_tsa_client_stamp_async (self->tsa, PD_TSA_DIGEST_SHA256, digest, sizeof digest,
                             self->stamp_cancellable, on_checkpoint_stamped, c);
}
