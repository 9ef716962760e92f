/* hostile-corpus-tools.c — what an adversary with the TSA's key does to a package: copy it, edit
 * the manifest and journal, re-stamp tokens at chosen times, rewrite files[] and re-seal. */
#include <errno.h>
#include <math.h>
#include <string.h>
#include <glib/gstdio.h>
#include <openssl/pem.h>

#include "capture/pd-seal.h"
#include "evidence/pd-manifest.h"
#include "evidence/pd-package.h"
#include "report/pd-certificate.h"
#include "timestamp/pd-tsa.h"
#include "util/pd-util.h"
#include "hostile-corpus.h"
#include "../pd-test-tokens.h"

/* ------------------------------------------------------------------------------------------ */
/* Times                                                                                      */

char *
time_iso (double unix_s)
{
  gint64 usec = (gint64) llround (unix_s * 1e6);
  g_autoptr (GDateTime) dt = g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);
  g_autofree char *base = g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S");

  return g_strdup_printf ("%s.%03dZ", base, (int) ((usec % G_USEC_PER_SEC) / 1000));
}

static double
dt_seconds (GDateTime *dt)
{
  return (double) g_date_time_to_unix (dt) + g_date_time_get_microsecond (dt) / 1e6;
}

double
time_parse (const char *iso)
{
  g_autoptr (GDateTime) dt = iso ? g_date_time_new_from_iso8601 (iso, NULL) : NULL;

  g_assert_nonnull (dt);
  return dt_seconds (dt);
}

static double
token_time (GBytes *der)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PdTsaToken) t = pd_tsa_token_new_from_der (der, &error);

  g_assert_no_error (error);
  return dt_seconds (pd_tsa_token_get_gen_time (t));
}

/* ------------------------------------------------------------------------------------------ */
/* Files                                                                                      */

char *
case_path (Case *c, const char *rel)
{
  return g_build_filename (c->dir, rel, NULL);
}

static GBytes *
case_read (Case *c, const char *rel)
{
  g_autofree char *path = case_path (c, rel);
  g_autoptr (GError) error = NULL;
  char *data = NULL;
  gsize len = 0;

  g_file_get_contents (path, &data, &len, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (data, len);
}

void
case_write (Case *c, const char *rel, const void *data, gsize len)
{
  g_autofree char *path = case_path (c, rel);
  g_autoptr (GError) error = NULL;

  g_file_set_contents (path, data, (gssize) len, &error);
  g_assert_no_error (error);
}

void
case_write_bytes (Case *c, const char *rel, GBytes *bytes)
{
  case_write (c, rel, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

static void
run (const char *const *argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
                NULL, NULL, &err, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_test_message ("%s: %s", argv[0], err);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

/* ------------------------------------------------------------------------------------------ */
/* The manifest                                                                               */

Case *
case_new (const Base *base, const char *src, const char *dir)
{
  Case *c = g_new0 (Case, 1);
  g_autoptr (GError) error = NULL;
  g_autoptr (PdManifest) m = NULL;
  const char *cp[] = { "cp", "-a", src, dir, NULL };
  JsonObject *rec;

  run (cp);
  c->base = base;
  c->dir = g_strdup (dir);
  m = pd_manifest_load (dir, &error);
  g_assert_no_error (error);
  c->manifest = json_object_ref (pd_manifest_get_object (m));
  {
    g_autoptr (GBytes) mt = case_read (c, PD_MANIFEST_TOKEN_NAME);
    c->manifest_time = token_time (mt);
  }
  rec = pd_json_object (c->manifest, "recording");
  if (pd_json_string (rec, "token"))
    {
      g_autoptr (GBytes) rt = case_read (c, pd_json_string (rec, "token"));
      c->recording_time = token_time (rt);
    }
  else
    c->recording_time = c->manifest_time;
  return c;
}

void
case_free (Case *c)
{
  g_clear_pointer (&c->manifest, json_object_unref);
  g_clear_pointer (&c->journal, g_ptr_array_unref);
  g_free (c->dir);
  g_free (c);
}

guint
case_n_checkpoints (Case *c)
{
  JsonArray *a = pd_json_array (c->manifest, "checkpoints");

  return a ? json_array_get_length (a) : 0;
}

/* Checkpoint `index` (1-based, as the manifest numbers them). */
JsonObject *
case_checkpoint (Case *c, guint index)
{
  JsonArray *a = pd_json_array (c->manifest, "checkpoints");

  for (guint i = 0; a && i < json_array_get_length (a); i++)
    {
      JsonObject *o = json_array_get_object_element (a, i);
      if (o && json_object_get_int_member_with_default (o, "index", 0) == index)
        return o;
    }
  g_assert_not_reached ();
  return NULL;
}

JsonObject *
case_file_entry (Case *c, const char *name)
{
  JsonArray *a = pd_json_array (c->manifest, "files");

  for (guint i = 0; a && i < json_array_get_length (a); i++)
    {
      JsonObject *o = json_array_get_object_element (a, i);
      if (o && g_strcmp0 (pd_json_string (o, "name"), name) == 0)
        return o;
    }
  return NULL;
}

void
case_refresh_entry (Case *c, const char *rel)
{
  JsonObject *e = case_file_entry (c, rel);
  g_autoptr (GBytes) data = NULL;
  g_autofree char *hex = NULL;

  if (e == NULL)
    return;
  data = case_read (c, rel);
  hex = pd_sha256_bytes (g_bytes_get_data (data, NULL), g_bytes_get_size (data));
  json_object_set_int_member (e, "size", (gint64) g_bytes_get_size (data));
  json_object_set_string_member (e, "sha256", hex);
}

void
case_drop_entry (Case *c, const char *rel)
{
  JsonArray *a = pd_json_array (c->manifest, "files");

  for (guint i = 0; a && i < json_array_get_length (a); i++)
    {
      JsonObject *o = json_array_get_object_element (a, i);
      if (o && g_strcmp0 (pd_json_string (o, "name"), rel) == 0)
        {
          json_array_remove_element (a, i);
          return;
        }
    }
}

/* Takes the checkpoint out of checkpoints[] and files[]; its token file too if asked. */
void
case_drop_checkpoint (Case *c, guint index, gboolean delete_token)
{
  JsonArray *a = pd_json_array (c->manifest, "checkpoints");

  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonObject *o = json_array_get_object_element (a, i);
      g_autofree char *token = NULL;

      if (json_object_get_int_member_with_default (o, "index", 0) != index)
        continue;
      token = g_strdup (pd_json_string (o, "token"));
      if (token)
        {
          case_drop_entry (c, token);
          if (delete_token)
            {
              g_autofree char *path = case_path (c, token);
              g_assert_cmpint (g_unlink (path), ==, 0);
            }
        }
      json_array_remove_element (a, i);
      return;
    }
  g_assert_not_reached ();
}

char *
case_manifest_json (Case *c)
{
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (root, c->manifest);
  json_generator_set_pretty (gen, TRUE);
  json_generator_set_indent (gen, 2);
  json_generator_set_root (gen, root);
  return json_generator_to_data (gen, NULL);
}

/* ------------------------------------------------------------------------------------------ */
/* Tokens                                                                                     */

GBytes *
case_mint (Case *c, const guint8 *sha256, double when)
{
  return pd_test_token_respond (sha256, (gint64) llround (when), c->base->tsa_cert,
                                c->base->tsa_key, NULL, TRUE);
}

double
case_checkpoint_time (Case *c, guint index)
{
  const char *token = pd_json_string (case_checkpoint (c, index), "token");
  g_autoptr (GBytes) der = NULL;

  g_assert_nonnull (token);
  der = case_read (c, token);
  return token_time (der);
}

void
case_put_checkpoint_token (Case *c, guint index, GBytes *tsr)
{
  JsonObject *o = case_checkpoint (c, index);
  g_autofree char *name = g_strdup_printf (PD_CHECKPOINT_TOKEN_FORMAT, index);

  if (pd_json_string (o, "token") == NULL)
    json_object_set_string_member (o, "token", name);
  case_write_bytes (c, pd_json_string (o, "token"), tsr);
  case_refresh_entry (c, pd_json_string (o, "token"));
  if (json_object_has_member (o, "token_sha256"))
    {
      g_autofree char *hex = pd_sha256_bytes (g_bytes_get_data (tsr, NULL), g_bytes_get_size (tsr));
      json_object_set_string_member (o, "token_sha256", hex);
    }
}

void
case_restamp_checkpoint (Case *c, guint index, double when)
{
  JsonObject *o = case_checkpoint (c, index);
  guint8 digest[32];
  g_autoptr (GBytes) tsr = NULL;
  g_autofree char *iso = time_iso ((double) llround (when));

  g_assert_true (pd_hex_decode (pd_json_string (o, "sha256"), digest, sizeof digest));
  tsr = case_mint (c, digest, when);
  case_put_checkpoint_token (c, index, tsr);
  json_object_set_string_member (o, "gen_time", iso);
}

void
case_restamp_recording (Case *c, double when)
{
  JsonObject *rec = pd_json_object (c->manifest, "recording");
  JsonObject *ts = pd_json_object (rec, "timestamp");
  const char *token = pd_json_string (rec, "token");
  guint8 digest[32];
  g_autoptr (GBytes) tsr = NULL;
  g_autofree char *iso = time_iso ((double) llround (when));

  g_assert_true (pd_hex_decode (pd_json_string (rec, "sha256"), digest, sizeof digest));
  if (token == NULL)
    token = PD_RECORDING_TOKEN_NAME;
  tsr = case_mint (c, digest, when);
  case_write_bytes (c, token, tsr);
  case_refresh_entry (c, token);
  if (ts)
    json_object_set_string_member (ts, "gen_time", iso);
  c->recording_time = (double) llround (when);
}

/* ------------------------------------------------------------------------------------------ */
/* The journal                                                                                */

GPtrArray *
case_journal (Case *c)
{
  if (c->journal == NULL)
    {
      g_autofree char *path = case_path (c, PD_JOURNAL_NAME);
      g_autoptr (GError) error = NULL;

      c->journal = pd_journal_load (path, NULL, &error);
      g_assert_no_error (error);
    }
  return c->journal;
}

void
case_journal_save (Case *c)
{
  GString *out = g_string_new (NULL);
  g_autoptr (JsonGenerator) gen = json_generator_new ();

  for (guint i = 0; i < c->journal->len; i++)
    {
      g_autoptr (JsonNode) node = json_node_new (JSON_NODE_OBJECT);
      g_autofree char *line = NULL;

      json_node_set_object (node, g_ptr_array_index (c->journal, i));
      json_generator_set_root (gen, node);
      line = json_generator_to_data (gen, NULL);
      g_string_append (out, line);
      g_string_append_c (out, '\n');
    }
  case_write (c, PD_JOURNAL_NAME, out->str, out->len);
  case_refresh_entry (c, PD_JOURNAL_NAME);
  g_string_free (out, TRUE);
}

/* ------------------------------------------------------------------------------------------ */
/* Moving every time                                                                          */

void
json_move_time (JsonObject *o, const char *key, double delta)
{
  const char *v = pd_json_string (o, key);

  if (v != NULL)
    {
      g_autofree char *moved = time_iso (time_parse (v) + delta);
      json_object_set_string_member (o, key, moved);
    }
}

void
case_shift_claims (Case *c, double delta)
{
  JsonArray *cps = pd_json_array (c->manifest, "checkpoints");
  GPtrArray *journal = case_journal (c);

  json_move_time (c->manifest, "started", delta);
  json_move_time (c->manifest, "stopped", delta);
  json_move_time (pd_json_object (pd_json_object (c->manifest, "recording"), "timestamp"),
                "gen_time", delta);
  json_move_time (pd_json_object (c->manifest, "recovery"), "recovered_at", delta);
  for (guint i = 0; cps && i < json_array_get_length (cps); i++)
    {
      JsonObject *o = json_array_get_object_element (cps, i);
      json_move_time (o, "wall_time", delta);
      json_move_time (o, "gen_time", delta);
    }
  for (guint i = 0; i < journal->len; i++)
    {
      JsonObject *e = g_ptr_array_index (journal, i);

      json_move_time (e, "time", delta);
      json_move_time (e, "started", delta);
      json_move_time (e, "gen_time", delta);
      if (json_object_has_member (e, "wall_time_us"))
        json_object_set_int_member (e, "wall_time_us",
                                    json_object_get_int_member (e, "wall_time_us") +
                                      (gint64) llround (delta * 1e6));
    }
  case_journal_save (c);
}

void
case_shift_all (Case *c, double delta)
{
  guint n = case_n_checkpoints (c);
  g_autofree double *times = g_new0 (double, n + 1);
  JsonArray *cps = pd_json_array (c->manifest, "checkpoints");

  for (guint i = 0; i < n; i++)
    {
      JsonObject *o = json_array_get_object_element (cps, i);
      guint index = (guint) json_object_get_int_member_with_default (o, "index", 0);

      times[i] = pd_json_string (o, "token") ? case_checkpoint_time (c, index) : 0;
    }
  case_shift_claims (c, delta);
  for (guint i = 0; i < n; i++)
    {
      JsonObject *o = json_array_get_object_element (cps, i);
      guint index = (guint) json_object_get_int_member_with_default (o, "index", 0);

      if (times[i] > 0)
        case_restamp_checkpoint (c, index, times[i] + delta);
    }
  if (pd_json_string (pd_json_object (c->manifest, "recording"), "token"))
    case_restamp_recording (c, c->recording_time + delta);
  c->manifest_time += delta;
}

/* ------------------------------------------------------------------------------------------ */
/* Sealing                                                                                    */

static PdTsaToken *
token_at (Case *c, const char *rel)
{
  g_autofree char *path = rel ? case_path (c, rel) : NULL;
  g_autoptr (GBytes) der = NULL;
  char *data = NULL;
  gsize len = 0;

  if (path == NULL || !g_file_get_contents (path, &data, &len, NULL))
    return NULL;
  der = g_bytes_new_take (data, len);
  return pd_tsa_token_new_from_der (der, NULL);
}

static void
stamp_manifest (Case *c, const void *data, gsize len, double when)
{
  guint8 digest[32];
  g_autoptr (GBytes) tsr = NULL;

  if (when == 0)
    when = ceil (MAX (c->manifest_time, c->recording_time));
  pd_test_sha256 (data, len, digest);
  tsr = case_mint (c, digest, when);
  case_write_bytes (c, PD_MANIFEST_TOKEN_NAME, tsr);
  c->manifest_time = (double) llround (when);
}

/* A new certificate.pdf carrying the package's tokens as they are now, as sealing writes it;
 * left alone when the manifest or a token no longer parses. */
static void
rewrite_certificate (Case *c)
{
  g_autofree char *cert = case_path (c, PD_CERTIFICATE_NAME);
  g_autoptr (PdTsaToken) rec = NULL;
  g_autoptr (PdTsaToken) man = NULL;
  g_autoptr (PdPackage) pkg = NULL;
  g_autoptr (GError) error = NULL;
  JsonObject *recording;

  pkg = pd_package_open (c->dir, NULL);
  if (pkg == NULL)
    return;
  recording = pd_json_object (pd_package_get_manifest (pkg), "recording");
  rec = token_at (c, pd_json_string (recording, "token"));
  man = token_at (c, PD_MANIFEST_TOKEN_NAME);
  if (rec == NULL || man == NULL)
    return;
  if (g_unlink (cert) != 0)
    g_assert_cmpint (errno, ==, ENOENT);
  pd_seal_write_certificate (pkg, rec, man, &error);
  g_assert_no_error (error);
}

void
case_seal_raw (Case *c, const void *data, gsize len, double when)
{
  g_autofree char *sealed = case_path (c, PD_SEALED_DIGEST_NAME);

  case_write (c, PD_MANIFEST_NAME, data, len);
  /* The adversary rewrites the digest sealing wrote beside the manifest too. */
  if (g_file_test (sealed, G_FILE_TEST_EXISTS))
    {
      g_autofree char *sha = pd_sha256_bytes (data, len);
      g_autofree char *line = g_strdup_printf ("%s  %s\n", sha, PD_MANIFEST_NAME);

      g_unlink (sealed);
      case_write (c, PD_SEALED_DIGEST_NAME, line, strlen (line));
    }
  stamp_manifest (c, data, len, when);
  rewrite_certificate (c);
}

void
case_seal (Case *c, double when)
{
  g_autofree char *json = case_manifest_json (c);

  case_seal_raw (c, json, strlen (json), when);
}
