/* pd-capture-manifest.c — what a capture writes into manifest.json: the session, source,
 * encoder, recording, checkpoints, marks, OCR decisions and timestamps. */
#define G_LOG_DOMAIN "pd-capture"

#include "config.h"

#include <glib.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "capture/pd-capture-private.h"
#include "evidence/pd-package.h"
#include "timestamp/pd-tsa.h"
#include "util/pd-private.h"
#include "util/pd-util.h"

/* ---------------------------------------------------------------- manifest */

JsonObject *
pd_capture_source_to_json (PdCapture *self)
{
  JsonObject *o = json_object_new ();
  g_autofree char *desc = pd_source_spec_describe (self->source);
  PdSourceSpec *s = self->source;

  static const char * const kinds[] = { "test", "x11", "adb", "v4l2", "scrcpy", "pipewire" };

  json_object_set_string_member (o, "kind", kinds[s->kind]);
  json_object_set_string_member (o, "description", desc);
  if (s->kind == PD_SOURCE_KIND_X11)
    {
      const char *display = s->display ? s->display : g_getenv ("DISPLAY");

      json_object_set_string_member (o, "display", display ? display : "");
      if (s->xid != 0)
        {
          g_autofree char *xid = g_strdup_printf ("0x%" G_GINT64_MODIFIER "x", s->xid);
          json_object_set_string_member (o, "window", xid);
        }
      if (s->has_region)
        {
          JsonArray *r = json_array_new ();

          json_array_add_int_element (r, s->x);
          json_array_add_int_element (r, s->y);
          json_array_add_int_element (r, s->width);
          json_array_add_int_element (r, s->height);
          json_object_set_array_member (o, "region", r);
        }
    }
  if (s->serial)
    json_object_set_string_member (o, "serial", s->serial);
  if (s->device_path)
    json_object_set_string_member (o, "device", s->device_path);
  if (s->pipewire_node)
    json_object_set_string_member (o, "pipewire_node", s->pipewire_node);
  /* adb sources: screenrecord restarts (its 180 s limit) leave gaps, listed as they happen. */
  if (s->kind == PD_SOURCE_KIND_ADB)
    json_object_set_array_member (o, "gaps", json_array_new ());
  return o;
}

static JsonObject *
token_to_json (PdTsaToken *token, const char *file_name)
{
  JsonObject *o = json_object_new ();
  g_autofree char *gen_time = pd_time_format_utc (pd_tsa_token_get_gen_time (token));

  json_object_set_string_member (o, "file", file_name);
  json_object_set_string_member (o, "gen_time", gen_time);
  json_object_set_string_member (o, "serial", pd_tsa_token_get_serial (token));
  return o;
}

JsonObject *
pd_capture_encoder_to_json (PdCapture *self)
{
  JsonObject *enc = json_object_new ();
  JsonObject *settings = json_object_new ();
  g_autofree char *framerate = g_strdup_printf ("%d/1", self->fps);
  GHashTableIter iter;
  gpointer key, value;

  json_object_set_string_member (enc, "element", self->encoder_name);
  g_hash_table_iter_init (&iter, self->encoder_settings);
  while (g_hash_table_iter_next (&iter, &key, &value))
    json_object_set_string_member (settings, key, value);
  json_object_set_object_member (enc, "settings", settings);
  json_object_set_string_member (enc, "muxer", "mp4mux");
  json_object_set_int_member (enc, "fragment_duration_ms", PD_FRAGMENT_DURATION_MS);
  json_object_set_int_member (enc, "width", self->width);
  json_object_set_int_member (enc, "height", self->height);
  json_object_set_string_member (enc, "framerate", framerate);
  return enc;
}

/* SHA-256 fingerprint (AA:BB:…) of the last certificate in a PEM chain: the root that
 * `-CAfile tsa-chain.pem` trusts, so VERIFY.txt can say which root to compare. */
static char *
chain_root_fingerprint (const char *pem)
{
  g_autoptr (BIO) bio = BIO_new_mem_buf (pem, -1);
  g_autoptr (X509) last = NULL;
  X509 *cert;
  guint8 md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  GString *out;

  while ((cert = PEM_read_bio_X509 (bio, NULL, NULL, NULL)) != NULL)
    {
      g_clear_pointer (&last, X509_free);
      last = cert;
    }
  ERR_clear_error ();
  if (last == NULL || !X509_digest (last, EVP_sha256 (), md, &len))
    return NULL;
  out = g_string_new (NULL);
  for (unsigned int i = 0; i < len; i++)
    g_string_append_printf (out, i ? ":%02X" : "%02X", md[i]);
  return g_string_free (out, FALSE);
}

const char *
pd_capture_manifest_state (PdCapture *self)
{
  if (self->failure)
    return "failed";
  if (self->recovered)
    return "recovered";
  /* No token yet (TSA down, or none chosen): `proofctl stamp --pending` can stamp it later. */
  if (self->recording_token == NULL)
    return "awaiting-stamp";
  return "stamped";
}

/* The session: who recorded what, where and when, and how it ended. */
static void
fill_session (PdCapture *self, JsonObject *m)
{
  JsonObject *app = json_object_new ();
  g_autofree char *started = pd_time_format_utc (self->started);
  g_autofree char *stopped = pd_time_format_utc (self->stopped);

  json_object_set_string_member (m, "format", PD_MANIFEST_FORMAT);
  json_object_set_int_member (m, "format_version", PD_MANIFEST_FORMAT_VERSION);
  json_object_set_string_member (m, "session", self->session_id);
  json_object_set_string_member (m, "state", pd_capture_manifest_state (self));
  if (self->failure)
    json_object_set_string_member (m, "failure", self->failure->message);
  if (self->recovered)
    {
      json_object_set_boolean_member (m, "recovered", TRUE);
      json_object_set_object_member (m, "recovery", pd_capture_copy_object (self->recovery_json));
    }
  json_object_set_string_member (m, "case", self->case_name ? self->case_name : "");
  if (self->parties)
    json_object_set_string_member (m, "parties", self->parties);
  if (self->dispute_type)
    json_object_set_string_member (m, "dispute_type", self->dispute_type);
  json_object_set_string_member (m, "scenario", self->scenario ? self->scenario : "");
  json_object_set_string_member (m, "operator", self->operator_name ? self->operator_name : g_get_real_name ());
  json_object_set_string_member (m, "host", g_get_host_name ());
  json_object_set_string_member (app, "name", "Proofdesk");
  json_object_set_string_member (app, "version", PACKAGE_VERSION);
  json_object_set_object_member (m, "app", app);
  json_object_set_object_member (m, "source", pd_capture_copy_object (self->source_json));
  json_object_set_string_member (m, "started", started);
  json_object_set_string_member (m, "stopped", stopped);
  json_object_set_double_member (m, "duration_seconds",
                                 g_date_time_difference (self->stopped, self->started) / 1e6);
  /* What the verifier judges completeness by: a checkpoint at least this often. */
  json_object_set_double_member (m, "checkpoint_interval_seconds",
                                 self->tsa ? self->checkpoint_interval / 1e9 : 0.0);
}

static JsonObject *
encoder_json (PdCapture *self)
{
  JsonObject *enc = pd_capture_copy_object (self->encoder_json);
  int width = g_atomic_int_get (&self->width), height = g_atomic_int_get (&self->height);

  /* A phone's own H.264 tells its size only once it flows (see encoded_caps_probe). */
  if (!self->recovered && width > 0 && height > 0 && json_object_get_int_member_with_default (enc, "width", 0) == 0)
    {
      json_object_set_int_member (enc, "width", width);
      json_object_set_int_member (enc, "height", height);
    }
  json_object_set_int_member (enc, "frames", g_atomic_int_get (&self->frames));
  return enc;
}

static JsonObject *
recording_json (PdCapture *self, const char *digest_source)
{
  JsonObject *rec = json_object_new ();

  json_object_set_string_member (rec, "name", PD_RECORDING_NAME);
  json_object_set_int_member (rec, "size", (gint64) self->final_size);
  json_object_set_string_member (rec, "sha256", self->final_sha256);
  json_object_set_string_member (rec, "digest_source", digest_source);
  if (self->recording_token)
    {
      json_object_set_string_member (rec, "token", PD_RECORDING_TOKEN_NAME);
      json_object_set_object_member (rec, "timestamp",
                                     token_to_json (self->recording_token, PD_RECORDING_TOKEN_NAME));
    }
  else if (self->tsa && self->recording_stamp_error)
    json_object_set_string_member (rec, "stamp_error", self->recording_stamp_error);
  return rec;
}

static JsonArray *
checkpoints_json (PdCapture *self)
{
  JsonArray *cps = json_array_new ();

  for (guint i = 0; i < self->checkpoints->len; i++)
    {
      Checkpoint *cp = &g_array_index (self->checkpoints, Checkpoint, i);
      JsonObject *o = json_object_new ();
      g_autoptr (GDateTime) wall = pd_time_from_unix_usec (cp->wall_time_us);
      g_autofree char *wall_s = pd_time_format_utc (wall);
      g_autofree char *stream_s = pd_format_stream_time (cp->running_time);

      json_object_set_int_member (o, "index", cp->index);
      json_object_set_int_member (o, "offset", (gint64) cp->offset);
      json_object_set_string_member (o, "sha256", cp->sha256);
      json_object_set_int_member (o, "running_time_ns", (gint64) cp->running_time);
      json_object_set_string_member (o, "stream_time", stream_s);
      json_object_set_string_member (o, "wall_time", wall_s);
      if (cp->no_data_before)
        json_object_set_boolean_member (o, "no_data_before", TRUE);
      if (cp->token)
        {
          g_autofree char *name = g_strdup_printf (PD_CHECKPOINT_TOKEN_FORMAT, cp->index);
          g_autofree char *gen_time = pd_time_format_utc (pd_tsa_token_get_gen_time (cp->token));
          GBytes *der = pd_tsa_token_get_response_der (cp->token);
          g_autofree char *token_sha = pd_sha256_bytes (g_bytes_get_data (der, NULL), g_bytes_get_size (der));

          json_object_set_string_member (o, "token", name);
          json_object_set_string_member (o, "token_sha256", token_sha);
          json_object_set_string_member (o, "gen_time", gen_time);
        }
      else if (self->tsa)
        json_object_set_string_member (o, "stamp_error", cp->stamp_error ? cp->stamp_error
                                                                         : "not stamped");
      json_array_add_object_element (cps, o);
    }
  return cps;
}

static JsonArray *
marks_json (PdCapture *self)
{
  JsonArray *marks = json_array_new ();

  for (guint i = 0; i < self->marks->len; i++)
    {
      Mark *mk = &g_array_index (self->marks, Mark, i);
      JsonObject *o = json_object_new ();
      g_autoptr (GDateTime) wall = pd_time_from_unix_usec (mk->wall_time_us);
      g_autofree char *wall_s = pd_time_format_utc (wall);
      g_autofree char *stream_s = pd_format_stream_time (mk->running_time);

      json_object_set_int_member (o, "id", mk->id);
      json_object_set_string_member (o, "item", mk->item_id);
      json_object_set_string_member (o, "title", mk->title ? mk->title : mk->item_id);
      if (mk->note)
        json_object_set_string_member (o, "note", mk->note);
      json_object_set_string_member (o, "stream_time", stream_s);
      json_object_set_int_member (o, "running_time_ns", (gint64) mk->running_time);
      json_object_set_string_member (o, "wall_time", wall_s);
      if (mk->still)
        json_object_set_string_member (o, "still", mk->still);
      json_object_set_boolean_member (o, "undone", mk->undone_us != 0);
      if (mk->undone_us != 0)
        {
          g_autoptr (GDateTime) u = pd_time_from_unix_usec (mk->undone_us);
          g_autofree char *u_s = pd_time_format_utc (u);
          json_object_set_string_member (o, "undone_at", u_s);
        }
      json_array_add_object_element (marks, o);
    }
  return marks;
}

static JsonObject *
authority_json (PdCapture *self)
{
  JsonObject *auth = json_object_new ();
  PdTsaToken *any = self->recording_token;
  g_autofree char *chain = NULL;
  g_autofree char *fp = NULL;

  for (guint i = 0; any == NULL && i < self->checkpoints->len; i++)
    any = g_array_index (self->checkpoints, Checkpoint, i).token;
  json_object_set_string_member (auth, "url", pd_tsa_client_get_url (self->tsa));
  json_object_set_boolean_member (auth, "practice", pd_tsa_client_is_practice (self->tsa));
  if (any)
    {
      json_object_set_string_member (auth, "name", pd_tsa_token_get_tsa_name (any));
      if (pd_tsa_token_get_policy (any))
        json_object_set_string_member (auth, "policy", pd_tsa_token_get_policy (any));
    }
  if (pd_tsa_client_is_practice (self->tsa))
    json_object_set_string_member (auth, "notice",
                                   "Practice authority built into Proofdesk: not for court.");
  chain = pd_tsa_client_get_chain_pem (self->tsa);
  fp = chain ? chain_root_fingerprint (chain) : NULL;
  if (fp)
    json_object_set_string_member (auth, "root_sha256_fingerprint", fp);
  return auth;
}

static JsonObject *
timestamps_json (PdCapture *self)
{
  JsonObject *ts = json_object_new ();

  json_object_set_object_member (ts, "authority", authority_json (self));
  json_object_set_string_member (ts, "chain", PD_TSA_CHAIN_NAME);
  json_object_set_string_member (ts, "manifest_token", PD_MANIFEST_TOKEN_NAME);
  if (self->recording_token)
    {
      gint64 skew = pd_tsa_token_get_clock_skew (self->recording_token);
      json_object_set_double_member (ts, "clock_skew_seconds", skew / 1e6);
    }
  return ts;
}

void
pd_capture_fill_manifest (PdCapture *self, const char *digest_source)
{
  JsonObject *m = pd_package_get_manifest (self->package);

  fill_session (self, m);
  json_object_set_object_member (m, "encoder", encoder_json (self));
  json_object_set_object_member (m, "recording", recording_json (self, digest_source));
  json_object_set_array_member (m, "checkpoints", checkpoints_json (self));
  json_object_set_array_member (m, "marks", marks_json (self));
  /* What the operator did with OCR suggestions: hints, never evidence by themselves. */
  if (json_array_get_length (self->ocr_suggestions) > 0)
    {
      JsonArray *ocr = json_array_new ();

      for (guint i = 0; i < json_array_get_length (self->ocr_suggestions); i++)
        json_array_add_object_element (
          ocr, pd_capture_copy_object (json_array_get_object_element (self->ocr_suggestions, i)));
      json_object_set_array_member (m, "ocr_suggestions", ocr);
    }
  if (self->checklist_summary)
    json_object_set_object_member (m, "checklist", pd_capture_copy_object (self->checklist_summary));
  if (self->tsa)
    json_object_set_object_member (m, "timestamps", timestamps_json (self));
}
