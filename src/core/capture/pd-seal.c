/* pd-seal.c — certificate writing and late stamping of packages sealed without a TSA. */
#define G_LOG_DOMAIN "pd-seal"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog/pd-catalog.h"
#include "report/pd-certificate.h"
#include "util/pd-error.h"
#include "evidence/pd-evidence-file.h"
#include "evidence/pd-manifest.h"
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

/* certificate.pdf in `dir` for `manifest` (the object of the bytes the tokens cover). */
static gboolean
write_certificate (const char *dir, JsonObject *manifest, PdTsaToken *t,
                   PdTsaToken *manifest_token, GError **error)
{
  g_autoptr (PdCertificateInfo) info = pd_certificate_info_new_from_manifest (manifest);
  g_autofree char *path = g_build_filename (dir, PD_CERTIFICATE_NAME, NULL);
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

gboolean
pd_seal_write_certificate (PdPackage *package, PdTsaToken *t, PdTsaToken *manifest_token,
                           GError **error)
{
  g_return_val_if_fail (PD_IS_PACKAGE (package), FALSE);

  return write_certificate (pd_package_get_path (package), pd_package_get_manifest (package), t,
                            manifest_token, error);
}

/* ---------------------------------------------------------------- stamping late */

/* Token files larger than this are not tokens. */
#define TOKEN_MAX_SIZE (1024 * 1024)

/* One package being stamped late: every file is read below `dirfd` through the evidence
 * reader (no symbolic links, no FIFOs or devices, sizes compared before anything is hashed),
 * and the manifest is read once: the bytes checked are the bytes stamped. */
typedef struct
{
  const char   *dir;
  int           dirfd;
  PdManifest   *manifest;
  PdCatalog    *catalog;
  PdTsaClient  *tsa;
  GCancellable *cancellable;
} Pending;

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
write_token (const char *dir, const char *name, PdTsaToken *token, GError **error)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  GBytes *der = pd_tsa_token_get_response_der (token);

  return pd_write_file_once (path, g_bytes_get_data (der, NULL), g_bytes_get_size (der), error);
}

/* Whether anything at all (a file, a link, a FIFO) is at `name`. */
static gboolean
present (Pending *p, const char *name)
{
  struct stat st;

  return fstatat (p->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static PdTsaToken *
read_token (Pending *p, const char *name, GError **error)
{
  g_autoptr (GBytes) der = pd_evidence_read_at (p->dirfd, name, TOKEN_MAX_SIZE, error);
  PdTsaToken *token = der ? pd_tsa_token_new_from_der (der, error) : NULL;

  if (token == NULL)
    g_prefix_error (error, _("Cannot finish stamping “%s”: "), p->dir);
  return token;
}

/* `name` below the package still has the size and SHA-256 the manifest gives it; the size is
 * compared first, so a huge file in its place is refused without being read. */
static gboolean
check_file (Pending *p, const char *name, gint64 size, const char *sha256, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autofree char *actual = NULL;
  struct stat st;
  guint64 read_size = 0;
  int fd = pd_evidence_open_at (p->dirfd, name, &local);

  if (fd < 0)
    {
      g_set_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_BAD_MANIFEST,
                   _("“%s” in “%s” cannot be checked against its manifest (%s); refusing to "
                     "timestamp the package."), name, p->dir, local->message);
      return FALSE;
    }
  if (fstat (fd, &st) != 0 || (gint64) st.st_size != size)
    {
      close (fd);
      g_set_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_BAD_MANIFEST,
                   _("“%s” in “%s” no longer matches its manifest: %lld bytes, sealed as "
                     "%lld; refusing to timestamp it."),
                   name, p->dir, (long long) st.st_size, (long long) size);
      return FALSE;
    }
  actual = pd_sha256_fd (fd, name, &read_size, p->cancellable, error);
  close (fd);
  if (actual == NULL)
    return FALSE;
  if (sha256 == NULL || g_ascii_strcasecmp (actual, sha256) != 0 || (gint64) read_size != size)
    {
      g_set_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_BAD_MANIFEST,
                   _("“%s” in “%s” no longer matches its manifest: its SHA-256 is %s, sealed as "
                     "%s; refusing to timestamp it."),
                   name, p->dir, actual, sha256 ? sha256 : "-");
      return FALSE;
    }
  return TRUE;
}

/* The recording, then every other file the manifest lists. */
static gboolean
check_listed_files (Pending *p, GError **error)
{
  const PdManifestFile *rec = pd_manifest_get_recording (p->manifest);
  const PdManifestFile *files;
  guint n_files = 0;

  if (rec == NULL || g_strcmp0 (rec->name ? rec->name : PD_RECORDING_NAME, PD_RECORDING_NAME) != 0)
    {
      g_set_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_BAD_MANIFEST,
                   _("The manifest of “%s” does not describe %s; refusing to timestamp it."),
                   p->dir, PD_RECORDING_NAME);
      return FALSE;
    }
  if (!check_file (p, PD_RECORDING_NAME, rec->size, rec->sha256, error))
    return FALSE;
  files = pd_manifest_get_files (p->manifest, &n_files, NULL);
  for (guint i = 0; i < n_files; i++)
    if (g_strcmp0 (files[i].name, PD_RECORDING_NAME) != 0 &&
        !check_file (p, files[i].name ? files[i].name : "", files[i].size, files[i].sha256, error))
      return FALSE;
  return TRUE;
}

/* The digest in manifest.sha256 (lower-case hex), or NULL: with no error when the file is
 * simply absent, with one naming it when it cannot be read or is not what the seal writes. */
static char *
read_sealed_digest (Pending *p, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (GBytes) bytes = pd_evidence_read_at (p->dirfd, PD_SEALED_DIGEST_NAME, 4096, &local);
  g_autofree char *tail = g_strdup_printf ("  %s\n", PD_MANIFEST_NAME);
  g_autofree char *hex = NULL;
  guint8 digest[PD_SHA256_LEN];
  const char *text;
  gsize len = 0;

  if (bytes == NULL)
    {
      if (!g_error_matches (local, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  text = g_bytes_get_data (bytes, &len);
  if (len == PD_SHA256_HEX_LEN + strlen (tail) &&
      memcmp (text + PD_SHA256_HEX_LEN, tail, strlen (tail)) == 0)
    hex = g_ascii_strdown (text, PD_SHA256_HEX_LEN);
  if (hex == NULL || !pd_hex_decode (hex, digest, sizeof digest))
    {
      g_set_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_BAD_MANIFEST,
                   _("“%s” in “%s” is not the digest written at seal time; refusing to "
                     "timestamp the package."), PD_SEALED_DIGEST_NAME, p->dir);
      return NULL;
    }
  return g_steal_pointer (&hex);
}

/* The manifest is the one sealed: its SHA-256 equals the digest fixed at seal time, in
 * manifest.sha256 and (when the catalog knows the session) in the catalog. Neither at hand is a
 * refusal too: an unstamped manifest could have been rewritten at leisure. */
static gboolean
check_sealed_manifest (Pending *p, GError **error)
{
  const char *sha = pd_manifest_get_sha256 (p->manifest);
  const char *session = pd_manifest_get_session (p->manifest);
  g_autoptr (PdCatalogSession) known = NULL;
  g_autofree char *sealed = NULL;
  g_autoptr (GError) local = NULL;
  const char *catalogued = NULL;

  sealed = read_sealed_digest (p, &local);
  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (p->catalog && session && (known = pd_catalog_get_session (p->catalog, session, NULL)))
    catalogued = pd_catalog_session_get_manifest_sha256 (known);
  if (sealed == NULL && catalogued == NULL)
    {
      g_set_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_BAD_MANIFEST,
                   _("No digest of the manifest of “%s” was kept when it was sealed (no %s, "
                     "and the catalog does not know it); refusing to timestamp a manifest that "
                     "may have been edited since."), p->dir, PD_SEALED_DIGEST_NAME);
      return FALSE;
    }
  if ((sealed && g_ascii_strcasecmp (sealed, sha) != 0) ||
      (catalogued && g_ascii_strcasecmp (catalogued, sha) != 0))
    {
      g_set_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_BAD_MANIFEST,
                   _("%s in “%s” was changed after it was sealed: its SHA-256 is %s, sealed as "
                     "%s (%s); refusing to timestamp it."),
                   PD_MANIFEST_NAME, p->dir, sha,
                   sealed && g_ascii_strcasecmp (sealed, sha) != 0 ? sealed : catalogued,
                   sealed && g_ascii_strcasecmp (sealed, sha) != 0 ? PD_SEALED_DIGEST_NAME
                                                                    : _("the catalog"));
      return FALSE;
    }
  return TRUE;
}

static void
record_in_catalog (Pending *p, PdTsaToken *rec_token)
{
  g_autoptr (GError) cat_error = NULL;
  JsonObject *m = pd_manifest_get_object (p->manifest);
  const char *session = pd_manifest_get_session (p->manifest);
  g_autofree char *when = pd_time_format_utc (pd_tsa_token_get_gen_time (rec_token));
  g_autofree char *reason = g_strdup_printf (_("Stamped after the capture, at %s."), when);

  if (p->catalog == NULL || session == NULL)
    return;
  if (!pd_catalog_session_record_package (p->catalog, session, m,
                                          pd_manifest_get_sha256 (p->manifest), &cat_error) ||
      !pd_catalog_session_set_state (p->catalog, session, PD_SESSION_STATE_STAMPED, reason,
                                     &cat_error))
    g_debug ("catalog not updated for %s: %s", p->dir, cat_error->message);
}

/* The process died after writing a stamped manifest but before stamping it (or before the
 * certificate): stamp the manifest as it was sealed and write the certificate. */
static gboolean
finish_manifest_stamp (Pending *p, GError **error)
{
  g_autoptr (PdTsaToken) rec_token = NULL;
  g_autoptr (PdTsaToken) manifest_token = NULL;

  if (present (p, PD_MANIFEST_TOKEN_NAME) && present (p, PD_CERTIFICATE_NAME))
    {
      g_set_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_EXISTS,
                   _("“%s” is not waiting for a timestamp."), p->dir);
      return FALSE;
    }
  rec_token = read_token (p, PD_RECORDING_TOKEN_NAME, error);
  if (rec_token == NULL)
    return FALSE;
  if (present (p, PD_MANIFEST_TOKEN_NAME))
    {
      manifest_token = read_token (p, PD_MANIFEST_TOKEN_NAME, error);
      if (manifest_token == NULL)
        return FALSE;
    }
  else
    {
      if (!check_sealed_manifest (p, error) || !check_listed_files (p, error))
        return FALSE;
      manifest_token = stamp_digest_hex (p->tsa, pd_manifest_get_sha256 (p->manifest),
                                         p->cancellable, error);
      if (manifest_token == NULL ||
          !write_token (p->dir, PD_MANIFEST_TOKEN_NAME, manifest_token, error))
        return FALSE;
    }
  if (!present (p, PD_CERTIFICATE_NAME) &&
      !write_certificate (p->dir, pd_manifest_get_object (p->manifest), rec_token, manifest_token,
                          error))
    return FALSE;
  return TRUE;
}

/* A package sealed without any token: check everything against the seal, then stamp the
 * recording, the manifest (the bytes just checked) and write the certificate. */
static gboolean
stamp_waiting (Pending *p, GError **error)
{
  static const char *const later[] = { PD_RECORDING_TOKEN_NAME, PD_MANIFEST_TOKEN_NAME,
                                       PD_CERTIFICATE_NAME };
  g_autoptr (PdTsaToken) rec_token = NULL;
  g_autoptr (PdTsaToken) manifest_token = NULL;
  const PdManifestFile *rec;

  if (!state_may_wait (pd_manifest_get_state (p->manifest)) || present (p, PD_RECORDING_TOKEN_NAME))
    {
      g_set_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_EXISTS,
                   _("“%s” is not waiting for a timestamp."), p->dir);
      return FALSE;
    }
  /* Whatever is in the place of a file still to be written would make the stamp half done. */
  for (guint i = 0; i < G_N_ELEMENTS (later); i++)
    if (present (p, later[i]))
      {
        g_set_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_EXISTS,
                     _("“%s” in “%s” already exists although the package was never stamped; "
                       "refusing to timestamp it."), later[i], p->dir);
        return FALSE;
      }
  if (!check_sealed_manifest (p, error) || !check_listed_files (p, error))
    return FALSE;

  rec = pd_manifest_get_recording (p->manifest);
  rec_token = stamp_digest_hex (p->tsa, rec->sha256, p->cancellable, error);
  if (rec_token == NULL || !write_token (p->dir, PD_RECORDING_TOKEN_NAME, rec_token, error))
    return FALSE;
  manifest_token = stamp_digest_hex (p->tsa, pd_manifest_get_sha256 (p->manifest), p->cancellable,
                                     error);
  if (manifest_token == NULL ||
      !write_token (p->dir, PD_MANIFEST_TOKEN_NAME, manifest_token, error) ||
      !write_certificate (p->dir, pd_manifest_get_object (p->manifest), rec_token, manifest_token,
                          error))
    return FALSE;
  record_in_catalog (p, rec_token);
  return TRUE;
}

gboolean
pd_seal_stamp_pending (const char *package_dir, PdTsaClient *tsa, PdCatalog *catalog,
                       GCancellable *cancellable, GError **error)
{
  g_autofree char *dir = NULL;
  g_autoptr (PdManifest) manifest = NULL;
  Pending p;
  gboolean ok;
  int dirfd;

  g_return_val_if_fail (package_dir != NULL, FALSE);
  g_return_val_if_fail (PD_IS_TSA_CLIENT (tsa), FALSE);

  dir = g_canonicalize_filename (package_dir, NULL);
  dirfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0)
    {
      int saved = errno;
      g_set_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_IO, _("“%s” is not a folder: %s"),
                   package_dir, g_strerror (saved));
      return FALSE;
    }
  manifest = pd_manifest_load_at (dirfd, error);
  if (manifest == NULL)
    {
      close (dirfd);
      g_prefix_error (error, _("Cannot read the manifest of “%s”: "), package_dir);
      return FALSE;
    }
  p = (Pending) { .dir = dir, .dirfd = dirfd, .manifest = manifest, .catalog = catalog,
                  .tsa = tsa, .cancellable = cancellable };
  if (pd_manifest_get_recording (manifest) && pd_manifest_get_recording (manifest)->token)
    ok = finish_manifest_stamp (&p, error);
  else
    ok = stamp_waiting (&p, error);
  close (dirfd);
  return ok;
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
