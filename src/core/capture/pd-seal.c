/* pd-seal.c — certificate writing and late stamping of packages sealed without a TSA. */
#define G_LOG_DOMAIN "pd-seal"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "catalog/pd-catalog.h"
#include "report/pd-certificate.h"
#include "util/pd-error.h"
#include "evidence/pd-package.h"
#include "capture/pd-seal.h"
#include "timestamp/pd-tsa.h"
#include "util/pd-util.h"

/* A package sealed without a recording token waits for one: normally "awaiting-stamp", or
 * "recovered" when the authority was unreachable during recovery too. */
static gboolean
state_may_wait (const char *state)
{
  return g_strcmp0 (state, "awaiting-stamp") == 0 || g_strcmp0 (state, "recovered") == 0;
}

gboolean
pd_seal_write_certificate (PdPackage *package, PdTsaToken *t, PdTsaToken *manifest_token,
                           GError **error)
{
  JsonObject *manifest = pd_package_get_manifest (package);
  g_autoptr (PdCertificateInfo) info = pd_certificate_info_new_from_manifest (manifest);
  g_autofree char *path = g_build_filename (pd_package_get_path (package), PD_CERTIFICATE_NAME, NULL);
  JsonArray *cps = json_object_has_member (manifest, "checkpoints")
                     ? json_object_get_array_member (manifest, "checkpoints") : NULL;
  gint64 accuracy;

  g_return_val_if_fail (PD_IS_TSA_TOKEN (t), FALSE);

  accuracy = pd_tsa_token_get_accuracy (t);
  g_clear_pointer (&info->gen_time, g_date_time_unref);
  info->gen_time = g_date_time_ref (pd_tsa_token_get_gen_time (t));
  g_free (info->tsa_name);
  info->tsa_name = g_strdup (pd_tsa_token_get_tsa_name (t));
  g_free (info->serial);
  info->serial = g_strdup (pd_tsa_token_get_serial (t));
  g_free (info->policy);
  info->policy = g_strdup (pd_tsa_token_get_policy (t));
  g_free (info->accuracy);
  info->accuracy = accuracy < 0 ? NULL
                   : accuracy % G_USEC_PER_SEC == 0
                       ? g_strdup_printf ("±%" G_GINT64_FORMAT " s", accuracy / G_USEC_PER_SEC)
                       : g_strdup_printf ("±%" G_GINT64_FORMAT " µs", accuracy);
  info->practice = pd_tsa_token_is_practice (t);

  /* Checkpoint times as the TSA gave them (the manifest records each token's genTime). */
  for (guint i = 0; info->checkpoints && i < info->checkpoints->len; i++)
    {
      PdCertificateCheckpoint *c = g_ptr_array_index (info->checkpoints, i);

      for (guint j = 0; c->gen_time == NULL && cps && j < json_array_get_length (cps); j++)
        {
          JsonObject *o = json_array_get_object_element (cps, j);
          const char *gen = pd_json_string (o, "gen_time");

          if (o && json_object_get_int_member_with_default (o, "index", 0) == c->index && gen)
            c->gen_time = pd_time_parse (gen);
        }
    }

  pd_certificate_info_add_attachment (info, PD_RECORDING_TOKEN_NAME, pd_tsa_token_get_response_der (t),
                                      _("RFC 3161 timestamp token over the SHA-256 of recording.mp4"));
  if (manifest_token)
    pd_certificate_info_add_attachment (info, PD_MANIFEST_TOKEN_NAME,
                                        pd_tsa_token_get_response_der (manifest_token),
                                        _("RFC 3161 timestamp token over the SHA-256 of manifest.json"));
  return pd_certificate_write (info, path, error);
}

static PdTsaToken *
stamp_digest_hex (PdTsaClient *tsa, const char *hex, GCancellable *cancellable, GError **error)
{
  guint8 digest[PD_SHA256_LEN];

  if (!pd_hex_decode (hex, digest, sizeof digest))
    {
      g_set_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_BAD_MANIFEST,
                   _("The manifest's SHA-256 of the recording is malformed."));
      return NULL;
    }
  return pd_tsa_client_stamp (tsa, PD_TSA_DIGEST_SHA256, digest, sizeof digest, cancellable, error);
}

static gboolean
write_token (PdPackage *package, const char *name, PdTsaToken *token, GError **error)
{
  g_autofree char *path = pd_package_file_path (package, name, error);
  GBytes *der;

  if (path == NULL)
    return FALSE;
  der = pd_tsa_token_get_response_der (token);
  return pd_write_file_once (path, g_bytes_get_data (der, NULL), g_bytes_get_size (der), error);
}

/* The process died after writing a stamped manifest but before stamping it (or before the
 * certificate): stamp the manifest as it is and write the certificate. */
static gboolean
finish_manifest_stamp (PdPackage *package, PdTsaClient *tsa, PdCatalog *catalog,
                       GCancellable *cancellable, GError **error)
{
  const char *dir = pd_package_get_path (package);
  g_autofree char *manifest_path = g_build_filename (dir, PD_MANIFEST_NAME, NULL);
  g_autofree char *token_path = g_build_filename (dir, PD_MANIFEST_TOKEN_NAME, NULL);
  g_autofree char *rec_token_path = g_build_filename (dir, PD_RECORDING_TOKEN_NAME, NULL);
  g_autofree char *cert_path = g_build_filename (dir, PD_CERTIFICATE_NAME, NULL);
  g_autofree char *manifest_sha = NULL;
  g_autofree char *der = NULL;
  g_autoptr (GBytes) der_bytes = NULL;
  g_autoptr (PdTsaToken) rec_token = NULL;
  g_autoptr (PdTsaToken) manifest_token = NULL;
  gsize len = 0;

  if (g_file_test (token_path, G_FILE_TEST_EXISTS) && g_file_test (cert_path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_EXISTS,
                   _("“%s” is not waiting for a timestamp."), dir);
      return FALSE;
    }
  if (!g_file_get_contents (rec_token_path, &der, &len, error))
    return FALSE;
  der_bytes = g_bytes_new_take (g_steal_pointer (&der), len);
  rec_token = pd_tsa_token_new_from_der (der_bytes, error);
  if (rec_token == NULL)
    return FALSE;

  if (g_file_test (token_path, G_FILE_TEST_EXISTS))
    {
      g_autofree char *mder = NULL;
      g_autoptr (GBytes) mbytes = NULL;

      if (!g_file_get_contents (token_path, &mder, &len, error))
        return FALSE;
      mbytes = g_bytes_new_take (g_steal_pointer (&mder), len);
      manifest_token = pd_tsa_token_new_from_der (mbytes, error);
      if (manifest_token == NULL)
        return FALSE;
    }
  else
    {
      manifest_sha = pd_sha256_file (manifest_path, NULL, cancellable, error);
      if (manifest_sha == NULL)
        return FALSE;
      manifest_token = stamp_digest_hex (tsa, manifest_sha, cancellable, error);
      if (manifest_token == NULL || !write_token (package, PD_MANIFEST_TOKEN_NAME, manifest_token, error))
        return FALSE;
    }
  if (!g_file_test (cert_path, G_FILE_TEST_EXISTS) &&
      !pd_seal_write_certificate (package, rec_token, manifest_token, error))
    return FALSE;
  return TRUE;
}

gboolean
pd_seal_stamp_pending (const char *package_dir, PdTsaClient *tsa, PdCatalog *catalog,
                       GCancellable *cancellable, GError **error)
{
  g_autoptr (PdPackage) package = NULL;
  g_autoptr (PdTsaToken) rec_token = NULL;
  g_autoptr (PdTsaToken) manifest_token = NULL;
  g_autofree char *rec_path = NULL;
  g_autofree char *rec_token_path = NULL;
  g_autofree char *manifest_path = NULL;
  g_autofree char *actual = NULL;
  g_autofree char *manifest_sha = NULL;
  JsonObject *m, *rec;
  const char *state, *sha;
  guint64 size = 0;

  g_return_val_if_fail (package_dir != NULL, FALSE);
  g_return_val_if_fail (PD_IS_TSA_CLIENT (tsa), FALSE);

  package = pd_package_open (package_dir, error);
  if (package == NULL)
    return FALSE;
  m = pd_package_get_manifest (package);
  state = pd_json_string (m, "state");
  rec = json_object_has_member (m, "recording") ? json_object_get_object_member (m, "recording") : NULL;
  sha = pd_json_string (rec, "sha256");
  rec_token_path = g_build_filename (package_dir, PD_RECORDING_TOKEN_NAME, NULL);
  manifest_path = g_build_filename (package_dir, PD_MANIFEST_NAME, NULL);
  if (pd_json_string (rec, "token") != NULL)
    return finish_manifest_stamp (package, tsa, catalog, cancellable, error);
  if (!state_may_wait (state) || g_file_test (rec_token_path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_EXISTS,
                   _("“%s” is not waiting for a timestamp."), package_dir);
      return FALSE;
    }

  /* Stamp only what is still the recording described by the manifest. */
  rec_path = g_build_filename (package_dir, PD_RECORDING_NAME, NULL);
  actual = pd_sha256_file (rec_path, &size, cancellable, error);
  if (actual == NULL)
    return FALSE;
  if (g_strcmp0 (actual, sha) != 0 ||
      (gint64) size != json_object_get_int_member_with_default (rec, "size", -1))
    {
      g_set_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_BAD_MANIFEST,
                   _("The recording in “%s” no longer matches its manifest; refusing to timestamp it."),
                   package_dir);
      return FALSE;
    }

  rec_token = stamp_digest_hex (tsa, actual, cancellable, error);
  if (rec_token == NULL || !write_token (package, PD_RECORDING_TOKEN_NAME, rec_token, error))
    return FALSE;

  manifest_sha = pd_sha256_file (manifest_path, NULL, cancellable, error);
  if (manifest_sha == NULL)
    return FALSE;
  manifest_token = stamp_digest_hex (tsa, manifest_sha, cancellable, error);
  if (manifest_token == NULL || !write_token (package, PD_MANIFEST_TOKEN_NAME, manifest_token, error))
    return FALSE;
  if (!pd_seal_write_certificate (package, rec_token, manifest_token, error))
    return FALSE;

  if (catalog != NULL && pd_json_string (m, "session") != NULL)
    {
      g_autoptr (GError) cat_error = NULL;
      g_autofree char *when = pd_time_format_utc (pd_tsa_token_get_gen_time (rec_token));
      g_autofree char *reason = g_strdup_printf (_("Stamped after the capture, at %s."), when);

      if (!pd_catalog_session_record_package (catalog, pd_json_string (m, "session"), m, manifest_sha,
                                              &cat_error) ||
          !pd_catalog_session_set_state (catalog, pd_json_string (m, "session"),
                                         PD_SESSION_STATE_STAMPED, reason, &cat_error))
        g_debug ("catalog not updated for %s: %s", package_dir, cat_error->message);
    }
  return TRUE;
}

static void
find_pending_in (const char *dir, guint depth, GPtrArray *out)
{
  g_autoptr (GDir) d = NULL;
  g_autofree char *manifest = g_build_filename (dir, PD_MANIFEST_NAME, NULL);
  g_autofree char *token = g_build_filename (dir, PD_RECORDING_TOKEN_NAME, NULL);
  const char *name;

  if (g_file_test (manifest, G_FILE_TEST_IS_REGULAR))
    {
      g_autoptr (PdPackage) p = NULL;

      g_autofree char *mtoken = g_build_filename (dir, PD_MANIFEST_TOKEN_NAME, NULL);
      g_autofree char *cert = g_build_filename (dir, PD_CERTIFICATE_NAME, NULL);

      if ((p = pd_package_open (dir, NULL)) == NULL)
        return;
      if (!g_file_test (token, G_FILE_TEST_EXISTS) &&
          state_may_wait (pd_json_string (pd_package_get_manifest (p), "state")))
        g_ptr_array_add (out, g_strdup (dir));
      else if (g_file_test (token, G_FILE_TEST_EXISTS) &&
               (!g_file_test (mtoken, G_FILE_TEST_EXISTS) || !g_file_test (cert, G_FILE_TEST_EXISTS)))
        g_ptr_array_add (out, g_strdup (dir));
      return;
    }
  if (depth == 0 || (d = g_dir_open (dir, 0, NULL)) == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *child = g_build_filename (dir, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        find_pending_in (child, depth - 1, out);
    }
}

char **
pd_seal_find_pending (const char *evidence_root)
{
  GPtrArray *out = g_ptr_array_new ();

  find_pending_in (evidence_root, 2, out);
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (out, FALSE);
}
