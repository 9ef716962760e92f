/* pd-catalog-import.c — packages: recording a sealed manifest, importing one from disk, exports. */
#define G_LOG_DOMAIN "pd-catalog"

#include "config.h"

#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>
#include <unistd.h>

#include "catalog/pd-catalog-private.h"
#include "evidence/pd-evidence-file.h"
#include "evidence/pd-manifest.h"
#include "util/pd-error.h"
#include "evidence/pd-package.h"
#include "timestamp/pd-tsa.h"
#include "util/pd-util.h"
#include "verify/pd-verify.h"

/* Token files larger than this are not tokens; do not read them into memory. */
#define MAX_TOKEN_SIZE    (1024 * 1024)

/* ------------------------------------------------------------------------------------------ */
/* Recording a package                                                                        */

/* ---- Reading a manifest defensively: it may be hostile, so never trust a member's type ---- */

static gboolean
obj_int (JsonObject *o, const char *key, gint64 *out)
{
  JsonNode *n = o ? json_object_get_member (o, key) : NULL;

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64)
    return FALSE;
  *out = json_node_get_int (n);
  return TRUE;
}

static gboolean
obj_double (JsonObject *o, const char *key, double *out)
{
  JsonNode *n = o ? json_object_get_member (o, key) : NULL;

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n))
    return FALSE;
  if (json_node_get_value_type (n) == G_TYPE_DOUBLE)
    *out = json_node_get_double (n);
  else if (json_node_get_value_type (n) == G_TYPE_INT64)
    *out = (double) json_node_get_int (n);
  else
    return FALSE;
  return TRUE;
}

static gboolean
obj_bool (JsonObject *o, const char *key)
{
  JsonNode *n = o ? json_object_get_member (o, key) : NULL;

  return n != NULL && JSON_NODE_HOLDS_VALUE (n) &&
         json_node_get_value_type (n) == G_TYPE_BOOLEAN && json_node_get_boolean (n);
}

static JsonObject *
array_object (JsonArray *a, guint i)
{
  JsonNode *n = json_array_get_element (a, i);

  return JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

static gboolean
bad_manifest (GError **error, const char *what)
{
  g_set_error (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_INVALID,
               _("The manifest is not usable: %s"), what);
  return FALSE;
}

/* A relative name that stays inside the package (token names come from the manifest). */
static gboolean
package_name_ok (const char *name)
{
  g_auto (GStrv) parts = NULL;

  if (name == NULL || *name == '\0' || g_path_is_absolute (name) || strchr (name, '\\'))
    return FALSE;
  parts = g_strsplit (name, "/", -1);
  for (guint i = 0; parts[i]; i++)
    if (*parts[i] == '\0' || g_str_equal (parts[i], ".") || g_str_equal (parts[i], ".."))
      return FALSE;
  return g_utf8_validate (name, -1, NULL);
}

/* Reads a token file of the package for its serial, genTime and authority through the evidence
 * reader (no links, FIFOs or devices, at most MAX_TOKEN_SIZE); NULL when the folder or file is
 * not at hand or not a token (the catalog indexes, the verifier judges). */
static PdTsaToken *
read_package_token (const char *package_path, const char *name)
{
  g_autoptr (GBytes) bytes = NULL;
  int dirfd;

  if (package_path == NULL || !package_name_ok (name))
    return NULL;
  dirfd = open (package_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0)
    return NULL;
  bytes = pd_evidence_read_at (dirfd, name, MAX_TOKEN_SIZE, NULL);
  close (dirfd);
  return bytes ? pd_tsa_token_new_from_der (bytes, NULL) : NULL;
}

/* One row of tokens. Its time is the token's own genTime, never what the manifest says about
 * it: NULL when the token cannot be read. *gen_time_out (if not NULL) gets that time. */
static gboolean
insert_token (PdCatalog *self, gint64 session, const char *package_path, const char *name,
              const char *kind, gboolean practice, char **gen_time_out, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (PdTsaToken) token = read_package_token (package_path, name);
  g_autofree char *token_time = NULL;

  if (!pd_catalog_check_utf8 (_("token name"), name, error))
    return FALSE;
  stmt = prepare (self, "INSERT OR REPLACE INTO tokens (session, name, kind, gen_time, serial,"
                        " tsa_name, practice) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", error);
  if (stmt == NULL)
    return FALSE;
  if (token)
    {
      token_time = pd_time_format_utc (pd_tsa_token_get_gen_time (token));
      practice = practice || pd_tsa_token_is_practice (token);
    }
  sqlite3_bind_int64 (stmt, 1, session);
  bind_text (stmt, 2, name);
  bind_text (stmt, 3, kind);
  bind_text (stmt, 4, token_time);
  bind_text (stmt, 5, token ? pd_tsa_token_get_serial (token) : NULL);
  bind_text (stmt, 6, token ? pd_tsa_token_get_tsa_name (token) : NULL);
  sqlite3_bind_int (stmt, 7, practice ? 1 : 0);
  if (!step_done (self, stmt, error))
    return FALSE;
  if (gen_time_out)
    *gen_time_out = g_steal_pointer (&token_time);
  return TRUE;
}

/* What must hold before a manifest is recorded for session `uuid`. */
static gboolean
record_check_manifest (const char *uuid, JsonObject *m, const char *manifest_sha256,
                       GError **error)
{
  const char *manifest_session = pd_json_string (m, "session");
  const char *format = pd_json_string (m, "format");

  if (format != NULL && !g_str_equal (format, PD_MANIFEST_FORMAT))
    return bad_manifest (error, _("not a Proofdesk evidence manifest"));
  if (manifest_session != NULL && !g_str_equal (manifest_session, uuid))
    return bad_manifest (error, _("it belongs to another session"));
  if (manifest_sha256 != NULL && (strlen (manifest_sha256) != PD_SHA256_HEX_LEN ||
                                  !pd_hex_decode (manifest_sha256, (guint8[PD_SHA256_LEN]) { 0 },
                                                  PD_SHA256_LEN)))
    return bad_manifest (error, _("malformed manifest digest"));
  return TRUE;
}

/* Forgets what an earlier record of the package left. */
static gboolean
record_clear (PdCatalog *self, gint64 session, GError **error)
{
  static const char *const clear[] = {
    "DELETE FROM files WHERE session = ?1",
    "DELETE FROM tokens WHERE session = ?1",
    "DELETE FROM checkpoints WHERE session = ?1",
    "DELETE FROM marks WHERE session = ?1",
  };

  for (guint i = 0; i < G_N_ELEMENTS (clear); i++)
    {
      g_autoptr (sqlite3_stmt) stmt = prepare (self, clear[i], error);

      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, session);
      if (!step_done (self, stmt, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
record_files (PdCatalog *self, gint64 session, JsonArray *files, guint *n_files, GError **error)
{
  for (guint i = 0; files && i < json_array_get_length (files); i++)
    {
      g_autoptr (sqlite3_stmt) stmt = NULL;
      JsonObject *f = array_object (files, i);
      const char *name = pd_json_string (f, "name");
      const char *sha = pd_json_string (f, "sha256");
      gint64 size;

      if (name == NULL || sha == NULL || !obj_int (f, "size", &size) || size < 0)
        return bad_manifest (error, _("a files[] entry lacks name, size or sha256"));
      if (!pd_catalog_check_utf8 (_("file name"), name, error))
        return FALSE;
      stmt = prepare (self, "INSERT OR REPLACE INTO files (session, name, size, sha256)"
                            " VALUES (?1, ?2, ?3, ?4)", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, session);
      bind_text (stmt, 2, name);
      sqlite3_bind_int64 (stmt, 3, size);
      bind_text (stmt, 4, sha);
      if (!step_done (self, stmt, error))
        return FALSE;
      (*n_files)++;
    }
  return TRUE;
}

/* The recording's and the manifest's tokens. A package stamped after its capture has them in
 * the folder only (the manifest cannot name tokens that came after it). *stamp_time is the
 * recording token's own genTime (NULL when it cannot be read: the manifest's claim is not a
 * stamp time), and *practice also says whether that token came from the practice authority. */
static gboolean
record_tokens (PdCatalog *self, gint64 session, const char *package_path, JsonObject *rec,
               JsonObject *ts, gboolean *practice, char **stamp_time, GError **error)
{
  const char *rec_token = pd_json_string (rec, "token");
  const char *manifest_token = pd_json_string (ts, "manifest_token");

  if (rec_token == NULL && package_path != NULL)
    {
      g_autoptr (PdTsaToken) late = read_package_token (package_path, PD_RECORDING_TOKEN_NAME);

      if (late != NULL)
        {
          g_autoptr (PdTsaToken) late_manifest = read_package_token (package_path,
                                                                     PD_MANIFEST_TOKEN_NAME);

          rec_token = PD_RECORDING_TOKEN_NAME;
          if (manifest_token == NULL && late_manifest != NULL)
            manifest_token = PD_MANIFEST_TOKEN_NAME;
          *practice = *practice || pd_tsa_token_is_practice (late);
        }
    }
  if (rec_token &&
      !insert_token (self, session, package_path, rec_token, "recording", *practice, stamp_time,
                     error))
    return FALSE;
  if (manifest_token &&
      !insert_token (self, session, package_path, manifest_token, "manifest", *practice, NULL,
                     error))
    return FALSE;
  return TRUE;
}

static gboolean
record_checkpoints (PdCatalog *self, gint64 session, const char *package_path, JsonArray *cps,
                    gboolean practice, guint *n_cps, GError **error)
{
  for (guint i = 0; cps && i < json_array_get_length (cps); i++)
    {
      g_autoptr (sqlite3_stmt) stmt = NULL;
      JsonObject *c = array_object (cps, i);
      const char *sha = pd_json_string (c, "sha256");
      const char *token = pd_json_string (c, "token");
      g_autofree char *gen_time = NULL;
      gint64 idx, offset;

      if (sha == NULL || !obj_int (c, "index", &idx) || !obj_int (c, "offset", &offset) ||
          offset < 0)
        return bad_manifest (error, _("a checkpoints[] entry lacks index, offset or sha256"));
      stmt = prepare (self, "INSERT OR REPLACE INTO checkpoints (session, idx, offset, sha256,"
                            " stream_time, token, gen_time) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                      error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, session);
      sqlite3_bind_int64 (stmt, 2, idx);
      sqlite3_bind_int64 (stmt, 3, offset);
      bind_text (stmt, 4, sha);
      bind_text (stmt, 5, pd_json_string (c, "stream_time"));
      /* The token first: the checkpoint's time is the token's, not the manifest's claim. */
      if (token && !insert_token (self, session, package_path, token, "checkpoint", practice,
                                  &gen_time, error))
        return FALSE;
      bind_text (stmt, 6, token);
      bind_text (stmt, 7, gen_time);
      if (!step_done (self, stmt, error))
        return FALSE;
      (*n_cps)++;
    }
  return TRUE;
}

static gboolean
record_marks (PdCatalog *self, gint64 session, JsonArray *marks, guint *n_marks, GError **error)
{
  for (guint i = 0; marks && i < json_array_get_length (marks); i++)
    {
      g_autoptr (sqlite3_stmt) stmt = NULL;
      JsonObject *k = array_object (marks, i);
      const char *item = pd_json_string (k, "item");
      gint64 ns;
      gboolean has_ns;

      if (item == NULL)
        return bad_manifest (error, _("a marks[] entry lacks its item"));
      has_ns = obj_int (k, "stream_time_ns", &ns) || obj_int (k, "running_time_ns", &ns);
      stmt = prepare (self, "INSERT INTO marks (session, item, stream_time_ns, wall_time, note,"
                            " still, undone, title) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                      error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, session);
      bind_text (stmt, 2, item);
      bind_int64_or_null (stmt, 3, ns, has_ns);
      bind_text (stmt, 4, pd_json_string (k, "wall_time"));
      bind_text (stmt, 5, pd_json_string (k, "note"));
      bind_text (stmt, 6, pd_json_string (k, "still"));
      sqlite3_bind_int (stmt, 7, obj_bool (k, "undone") ? 1 : 0);
      bind_text (stmt, 8, nonempty (pd_json_string (k, "title")));
      if (!step_done (self, stmt, error))
        return FALSE;
      (*n_marks)++;
    }
  return TRUE;
}

/* The session's own columns: times, recording, digests. "started" and "stopped" are the
 * desk's clock as the manifest records it; `stamp_time` is the recording token's genTime. */
static gboolean
record_session_row (PdCatalog *self, gint64 session, JsonObject *m, const char *stamp_time,
                    const char *manifest_sha256, gboolean practice, GError **error)
{
  g_autoptr (sqlite3_stmt) update = NULL;
  JsonObject *rec = pd_json_object (m, "recording");
  gint64 rec_size = -1;
  double duration = -1;

  obj_int (rec, "size", &rec_size);
  obj_double (m, "duration_seconds", &duration);
  update = prepare (self, "UPDATE sessions SET"
                          " started = coalesce (?1, started), stopped = coalesce (?2, stopped),"
                          " capture_time = ?3, stamp_time = ?4, recording_sha256 = ?5,"
                          " recording_size = ?6, manifest_sha256 = ?7, practice = ?8,"
                          " scenario = coalesce (scenario, ?9) WHERE id = ?10", error);
  if (update == NULL)
    return FALSE;
  bind_text (update, 1, pd_json_string (m, "started"));
  bind_text (update, 2, pd_json_string (m, "stopped"));
  if (duration >= 0)
    sqlite3_bind_double (update, 3, duration);
  else
    sqlite3_bind_null (update, 3);
  bind_text (update, 4, stamp_time);
  bind_text (update, 5, pd_json_string (rec, "sha256"));
  bind_int64_or_null (update, 6, rec_size, rec_size >= 0);
  bind_text (update, 7, manifest_sha256);
  sqlite3_bind_int (update, 8, practice ? 1 : 0);
  bind_text (update, 9, nonempty (pd_json_string (m, "scenario")));
  sqlite3_bind_int64 (update, 10, session);
  return step_done (self, update, error);
}

static gboolean
record_package_locked (PdCatalog *self, const char *uuid, JsonObject *m,
                       const char *manifest_sha256, GError **error)
{
  g_autoptr (PdCatalogSession) session = NULL;
  g_autoptr (JsonObject) details = json_object_new ();
  JsonObject *rec = pd_json_object (m, "recording");
  JsonObject *ts = pd_json_object (m, "timestamps");
  const char *package_path;
  g_autofree char *stamp_time = NULL;
  gboolean practice = obj_bool (pd_json_object (ts, "authority"), "practice");
  guint n_files = 0, n_cps = 0, n_marks = 0;

  if (!record_check_manifest (uuid, m, manifest_sha256, error))
    return FALSE;
  session = pd_catalog_session_by_uuid (self, uuid, error);
  if (session == NULL)
    {
      if (error == NULL || *error == NULL)
        g_set_error (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_NOT_FOUND,
                     _("No session “%s” in the catalog."), uuid);
      return FALSE;
    }
  package_path = session->package_path;

  if (!record_clear (self, session->id, error) ||
      !record_files (self, session->id, pd_json_array (m, "files"), &n_files, error) ||
      !record_tokens (self, session->id, package_path, rec, ts, &practice, &stamp_time, error) ||
      !record_checkpoints (self, session->id, package_path, pd_json_array (m, "checkpoints"),
                           practice, &n_cps, error) ||
      !record_marks (self, session->id, pd_json_array (m, "marks"), &n_marks, error) ||
      !record_session_row (self, session->id, m, stamp_time, manifest_sha256, practice, error) ||
      !pd_catalog_search_index_update (self, session->id, 0, error))
    return FALSE;

  json_set_string_or_null (details, "manifest_sha256", manifest_sha256);
  json_set_string_or_null (details, "recording_sha256", pd_json_string (rec, "sha256"));
  json_object_set_int_member (details, "files", n_files);
  json_object_set_int_member (details, "checkpoints", n_cps);
  json_object_set_int_member (details, "marks", n_marks);
  return pd_catalog_audit_append_object (self, "session.package", uuid, details, error);
}

gboolean
pd_catalog_session_record_package (PdCatalog *self, const char *uuid, JsonObject *manifest,
                                   const char *manifest_sha256, GError **error)
{
  gboolean ok;

  g_return_val_if_fail (PD_IS_CATALOG (self), FALSE);
  g_return_val_if_fail (uuid != NULL, FALSE);
  g_return_val_if_fail (manifest != NULL, FALSE);

  if (!pd_catalog_txn_begin (self, error))
    return FALSE;
  ok = record_package_locked (self, uuid, manifest, manifest_sha256, error);
  return pd_catalog_txn_end (self, ok, error);
}

/* ------------------------------------------------------------------------------------------ */
/* Import and exports                                                                         */

static const char *
state_from_manifest (JsonObject *m)
{
  const char *state = pd_json_string (m, "state");
  JsonObject *rec = pd_json_object (m, "recording");

  if (g_strcmp0 (state, "failed") == 0)
    return PD_SESSION_STATE_FAILED;
  if (g_strcmp0 (state, "recovered") == 0 || obj_bool (m, "recovered"))
    return PD_SESSION_STATE_RECOVERED;
  if (g_strcmp0 (state, "awaiting-stamp") == 0)
    return PD_SESSION_STATE_AWAITING_STAMP;
  /* "sealed": stamped when the recording carries a token */
  return pd_json_string (rec, "token") ? PD_SESSION_STATE_STAMPED : PD_SESSION_STATE_AWAITING_STAMP;
}

/* The package folder: `package_dir` made absolute, or the folder of the file it names. */
static char *
import_package_dir (const char *package_dir)
{
  char *dir = g_canonicalize_filename (package_dir, NULL);

  if (g_file_test (dir, G_FILE_TEST_IS_REGULAR))
    {
      char *parent = g_path_get_dirname (dir);

      g_free (dir);
      dir = parent;
    }
  return dir;
}

/* dir/manifest.json through the one evidence reader; *sha is the SHA-256 of its bytes. */
static PdManifest *
import_read_manifest (const char *dir, char **sha, GError **error)
{
  g_autoptr (GError) local = NULL;
  PdManifest *manifest = pd_manifest_load (dir, &local);

  if (manifest == NULL)
    {
      if (local->domain == PD_PACKAGE_ERROR && local->code == PD_PACKAGE_ERROR_BAD_MANIFEST)
        bad_manifest (error, local->message);
      else
        g_set_error (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_IO,
                     _("“%s” has no readable manifest.json."), dir);
      return NULL;
    }
  *sha = g_strdup (pd_manifest_get_sha256 (manifest));
  return manifest;
}

/* TRUE when session `uuid` is not catalogued yet, or is with this manifest (*same); FALSE
 * with an error when it is with another one, or when the catalog cannot be read. */
static gboolean
import_check_existing (PdCatalog *self, const char *uuid, const char *sha, gboolean *same,
                       GError **error)
{
  g_autoptr (PdCatalogSession) existing = NULL;
  g_autoptr (GError) local = NULL;

  *same = FALSE;
  existing = pd_catalog_session_by_uuid (self, uuid, &local);
  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (existing == NULL)
    return TRUE;
  if (g_strcmp0 (existing->manifest_sha256, sha) == 0)
    {
      *same = TRUE;
      return TRUE;
    }
  g_set_error (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_EXISTS,
               _("Session %s is already in the catalog with a different manifest."), uuid);
  return FALSE;
}

/* The case, the session, its package, its state and the "import" row; the caller holds the
 * transaction. */
static gboolean
import_locked (PdCatalog *self, JsonObject *m, const char *uuid, const char *dir, const char *sha,
               const char *verdict, GError **error)
{
  g_autoptr (JsonObject) details = json_object_new ();
  g_autoptr (GDateTime) started = NULL;
  JsonObject *source = pd_json_object (m, "source");
  const char *case_name = pd_json_string (m, "case");

  started = pd_json_string (m, "started") ? pd_time_parse (pd_json_string (m, "started")) : NULL;
  if (case_name && *case_name &&
      (pd_json_string (m, "parties") || pd_json_string (m, "dispute_type")))
    {
      gint64 case_id;

      if (!pd_catalog_case_id_locked (self, case_name, pd_json_string (m, "parties"),
                                      pd_json_string (m, "dispute_type"), &case_id, error))
        return FALSE;
    }
  if (!pd_catalog_session_create_locked (self, uuid, case_name, pd_json_string (m, "scenario"),
                                         pd_json_string (source, "kind"), dir, started, error) ||
      !record_package_locked (self, uuid, m, sha, error) ||
      !pd_catalog_set_state_locked (self, uuid, state_from_manifest (m), _("imported"), error))
    return FALSE;

  json_object_set_string_member (details, "package", dir);
  json_object_set_string_member (details, "manifest_sha256", sha);
  json_set_string_or_null (details, "verdict", verdict);
  return pd_catalog_audit_append_object (self, "import", uuid, details, error);
}

/* The verified genTime as the session's stamp time (the caller holds the transaction). */
static gboolean
import_set_stamp_time (PdCatalog *self, const char *uuid, GDateTime *gen_time, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autofree char *when = NULL;

  if (gen_time == NULL)
    return TRUE;
  when = pd_time_format_utc (gen_time);
  stmt = prepare (self, "UPDATE sessions SET stamp_time = ?1 WHERE uuid = ?2", error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, when);
  bind_text (stmt, 2, uuid);
  return step_done (self, stmt, error);
}

/* `verified_sha256` (when not NULL): the manifest bytes read here must be the ones verified. */
static gboolean
import_package (PdCatalog *self, const char *package_dir, const char *verdict,
                const char *verified_sha256, GDateTime *verified_time, gboolean *already,
                char **uuid_out, GError **error)
{
  g_autofree char *dir = NULL;
  g_autofree char *sha = NULL;
  g_autoptr (PdManifest) manifest = NULL;
  JsonObject *m;
  const char *uuid;
  gboolean same;
  gboolean ok;

  if (already)
    *already = FALSE;
  dir = import_package_dir (package_dir);
  manifest = import_read_manifest (dir, &sha, error);
  if (manifest == NULL)
    return FALSE;
  if (verified_sha256 != NULL && g_ascii_strcasecmp (sha, verified_sha256) != 0)
    {
      g_set_error (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_INVALID,
                   _("The manifest of “%s” changed while it was being verified (SHA-256 %s "
                     "verified, %s now); nothing was imported."), dir, verified_sha256, sha);
      return FALSE;
    }
  m = pd_manifest_get_object (manifest);
  if (!pd_manifest_is_proofdesk (manifest))
    return bad_manifest (error, _("not a Proofdesk evidence manifest"));
  uuid = pd_json_string (m, "session");
  if (uuid == NULL || !g_uuid_string_is_valid (uuid))
    return bad_manifest (error, _("no valid session UUID"));

  if (!import_check_existing (self, uuid, sha, &same, error))
    return FALSE;
  if (same)
    {
      if (already)
        *already = TRUE;
      if (uuid_out)
        *uuid_out = g_strdup (uuid);
      return TRUE;
    }

  if (!pd_catalog_txn_begin (self, error))
    return FALSE;
  ok = import_locked (self, m, uuid, dir, sha, verdict, error) &&
       import_set_stamp_time (self, uuid, verified_time, error);
  if (!pd_catalog_txn_end (self, ok, error))
    return FALSE;
  if (uuid_out)
    *uuid_out = g_strdup (uuid);
  return TRUE;
}

gboolean
pd_catalog_import_package (PdCatalog *self, const char *package_dir, const char *verdict,
                           gboolean *already, char **uuid_out, GError **error)
{
  g_return_val_if_fail (PD_IS_CATALOG (self), FALSE);
  g_return_val_if_fail (package_dir != NULL, FALSE);

  return import_package (self, package_dir, verdict, NULL, NULL, already, uuid_out, error);
}

gboolean
pd_catalog_import_verified (PdCatalog *self, const char *package_dir, PdVerifyResult *result,
                            gboolean *already, char **uuid_out, GError **error)
{
  const char *sha;

  g_return_val_if_fail (PD_IS_CATALOG (self), FALSE);
  g_return_val_if_fail (package_dir != NULL, FALSE);
  g_return_val_if_fail (result != NULL, FALSE);

  sha = pd_verify_result_get_manifest_sha256 (result);
  if (sha == NULL)
    {
      g_set_error (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_INVALID,
                   _("“%s” was not verified as a package; nothing was imported."), package_dir);
      return FALSE;
    }
  return import_package (self, package_dir,
                         pd_verdict_to_string (pd_verify_result_get_verdict (result)), sha,
                         pd_verify_result_get_gen_time (result), already, uuid_out, error);
}

gint64
pd_catalog_add_export (PdCatalog *self, const char *target_kind, const char *target,
                       const char *label, const char *const *session_uuids, const char *result,
                       GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (JsonObject) details = json_object_new ();
  g_autofree char *now = now_utc ();
  JsonArray *sessions = json_array_new ();
  gint64 id = -1;
  gboolean ok;

  g_return_val_if_fail (PD_IS_CATALOG (self), -1);
  g_return_val_if_fail (target_kind != NULL, -1);
  g_return_val_if_fail (target != NULL, -1);
  g_return_val_if_fail (result != NULL, -1);

  json_object_set_array_member (details, "sessions", sessions);
  if (!pd_catalog_check_utf8 (_("export target"), target, error) ||
      !pd_catalog_check_utf8 (_("label"), label, error) ||
      !pd_catalog_check_utf8 (_("result"), result, error))
    return -1;
  if (!pd_catalog_txn_begin (self, error))
    return -1;
  stmt = prepare (self, "INSERT INTO exports (target_kind, target, label, time, result)"
                        " VALUES (?1, ?2, ?3, ?4, ?5)", error);
  ok = stmt != NULL;
  if (ok)
    {
      bind_text (stmt, 1, target_kind);
      bind_text (stmt, 2, target);
      bind_text (stmt, 3, label);
      bind_text (stmt, 4, now);
      bind_text (stmt, 5, result);
      ok = step_done (self, stmt, error);
      id = sqlite3_last_insert_rowid (self->db);
    }
  for (guint i = 0; ok && session_uuids && session_uuids[i]; i++)
    {
      g_autoptr (sqlite3_stmt) link = NULL;
      gint64 session_id;

      ok = pd_catalog_session_row_id (self, session_uuids[i], &session_id, NULL, error);
      if (!ok)
        break;
      link = prepare (self, "INSERT OR IGNORE INTO export_sessions (export, session)"
                            " VALUES (?1, ?2)", error);
      ok = link != NULL;
      if (!ok)
        break;
      sqlite3_bind_int64 (link, 1, id);
      sqlite3_bind_int64 (link, 2, session_id);
      ok = step_done (self, link, error);
      json_array_add_string_element (sessions, session_uuids[i]);
    }
  if (ok)
    {
      json_object_set_int_member (details, "export", id);
      json_object_set_string_member (details, "target_kind", target_kind);
      json_object_set_string_member (details, "target", target);
      json_set_string_or_null (details, "label", label);
      json_object_set_string_member (details, "result", result);
      ok = pd_catalog_audit_append_object (self, "export", NULL, details, error);
    }
  if (!pd_catalog_txn_end (self, ok, error))
    return -1;
  return id;
}
