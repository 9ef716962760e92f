/* test-catalog.c — the SQLite catalog: schema, hostile input, sessions, the audit chain and its stamps, proofctl list/show/audit/import. */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>

#include "catalog/pd-catalog.h"
#include "pd-core.h"
#include "util/pd-error.h"
#include "util/pd-private.h"
#include "timestamp/pd-tsa.h"
#include "util/pd-util.h"
#include "verify/pd-verify.h"
#include "test-common.h"

#define UUID_A "11111111-1111-4111-8111-111111111111"
#define UUID_B "22222222-2222-4222-8222-222222222222"
#define UUID_C "22223333-3333-4333-8333-333333333333"

static char *data_dir;   /* PROOFDESK_DATA_DIR for the whole run (practice TSA lives here) */

typedef struct
{
  char      *dir;
  char      *path;
  PdCatalog *catalog;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("pd-catalog-XXXXXX", &error);
  g_assert_no_error (error);
  /* a folder that does not exist yet: open must create it 0700 */
  f->path = g_build_filename (f->dir, "sub", "catalog.db", NULL);
  f->catalog = pd_catalog_open (f->path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (f->catalog);
  pd_catalog_set_actor (f->catalog, "tester");
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_assert_finalize_object (f->catalog);
  pd_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->path);
}

/* A second, raw connection: what someone with the file and the sqlite3 tool could do. */
static sqlite3 *
raw_open (const char *path)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  return db;
}

static int
raw_exec (sqlite3 *db, const char *sql)
{
  return sqlite3_exec (db, sql, NULL, NULL, NULL);
}

static gint64
raw_int (sqlite3 *db, const char *sql)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  return sqlite3_column_int64 (stmt, 0);
}

static void
create_session (PdCatalog *catalog, const char *uuid, const char *case_name)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GDateTime) started = g_date_time_new_now_utc ();

  pd_catalog_session_create (catalog, uuid, case_name, "lending", "test", "/nonexistent/pkg",
                             started, &error);
  g_assert_no_error (error);
}

static guint
audit_rows (PdCatalog *catalog)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) rows = pd_catalog_audit_list (catalog, NULL, &error);

  g_assert_no_error (error);
  return rows->len;
}

/* ---- schema ---- */

static void
test_migrations (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PdCatalog) again = NULL;
  g_autoptr (PdCatalog) refused = NULL;
  g_autoptr (GPtrArray) sessions = NULL;
  g_autofree char *newer = g_build_filename (f->dir, "newer.db", NULL);
  g_autofree char *garbage = g_build_filename (f->dir, "garbage.db", NULL);
  sqlite3 *db;

  db = raw_open (f->path);
  g_assert_cmpint (raw_int (db, "PRAGMA user_version"), ==, PD_CATALOG_SCHEMA_VERSION);
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name"
                                " IN ('cases', 'sessions', 'files', 'tokens', 'checkpoints',"
                                " 'marks', 'exports', 'audit_log', 'audit_stamps')"), ==, 9);
  sqlite3_close (db);

  create_session (f->catalog, UUID_A, "Case one");
  g_clear_object (&f->catalog);

  /* reopening migrates nothing and keeps the data */
  again = pd_catalog_open (f->path, &error);
  g_assert_no_error (error);
  sessions = pd_catalog_list_sessions (again, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sessions->len, ==, 1);
  db = raw_open (f->path);
  g_assert_cmpint (raw_int (db, "PRAGMA user_version"), ==, PD_CATALOG_SCHEMA_VERSION);
  sqlite3_close (db);
  f->catalog = g_steal_pointer (&again);

  /* a catalog from a newer Proofdesk is refused, not "migrated" */
  db = NULL;
  g_assert_cmpint (sqlite3_open (newer, &db), ==, SQLITE_OK);
  g_assert_cmpint (raw_exec (db, "PRAGMA user_version = 99"), ==, SQLITE_OK);
  sqlite3_close (db);
  refused = pd_catalog_open (newer, &error);
  g_assert_error (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_VERSION);
  g_assert_null (refused);
  g_clear_error (&error);

  /* a file that is not a database */
  g_assert_true (g_file_set_contents (garbage, "this is not a database, not even close......"
                                               "................................................",
                                      -1, NULL));
  refused = pd_catalog_open (garbage, &error);
  g_assert_error (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_CORRUPT);
  g_assert_null (refused);
}

static void
test_pragmas (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) info = pd_catalog_get_info (f->catalog, &error);
  JsonObject *o;
  sqlite3 *db;

  g_assert_no_error (error);
  o = json_node_get_object (info);
  g_assert_cmpstr (json_object_get_string_member (o, "journal_mode"), ==, "wal");
  g_assert_cmpint (json_object_get_int_member (o, "foreign_keys"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (o, "schema_version"), ==, PD_CATALOG_SCHEMA_VERSION);

  /* WAL is a property of the file: a fresh connection sees it too */
  db = raw_open (f->path);
  {
    g_autoptr (sqlite3_stmt) stmt = NULL;

    g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA journal_mode", -1, &stmt, NULL), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "wal");
  }
  sqlite3_close (db);
}

static void
test_file_mode (Fixture *f, gconstpointer data)
{
  g_autofree char *parent = g_path_get_dirname (f->path);
  g_autofree char *wal = g_strconcat (f->path, "-wal", NULL);
  GStatBuf st;

  create_session (f->catalog, UUID_A, NULL);
  g_assert_cmpint (g_stat (f->path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (g_stat (parent, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  if (g_stat (wal, &st) == 0)
    g_assert_cmpint (st.st_mode & 0077, ==, 0);
}

/* ---- cases and sessions ---- */

static void
test_hostile_names (Fixture *f, gconstpointer data)
{
  g_autofree char *long_name = g_strnfill (4096, 'x');
  g_autofree char *long_utf8 = NULL;
  const char *names[] = {
    "O'Brien \"the lender\" `x`",
    "'; DROP TABLE sessions; --",
    "\"); DELETE FROM audit_log; --",
    "line one\nline two\r\n\ttab",
    "\u202Egnidnel etavirp\u202C 借贷纠纷",
    "100% _wild_ %card% \\",
    long_name,
    NULL,
  };
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) cases = NULL;
  guint n = 0;

  long_utf8 = g_strconcat (long_name, "\u202E", NULL);
  for (guint i = 0; names[i]; i++, n++)
    {
      g_autofree char *uuid = g_uuid_string_random ();
      g_autoptr (GPtrArray) found = NULL;
      PdCatalogSession *s;

      g_assert_cmpint (pd_catalog_ensure_case (f->catalog, names[i], names[i], "lending", &error),
                       >, 0);
      g_assert_no_error (error);
      create_session (f->catalog, uuid, names[i]);
      found = pd_catalog_list_sessions (f->catalog, names[i], NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (found->len, ==, 1);
      s = g_ptr_array_index (found, 0);
      g_assert_cmpstr (pd_catalog_session_get_uuid (s), ==, uuid);
      /* byte for byte */
      g_assert_cmpuint (strlen (pd_catalog_session_get_case_name (s)), ==, strlen (names[i]));
      g_assert_cmpint (memcmp (pd_catalog_session_get_case_name (s), names[i], strlen (names[i])),
                       ==, 0);
      /* the parties come back byte for byte too */
      {
        g_autofree char *parties = NULL;
        g_autofree char *dispute = NULL;

        g_assert_true (pd_catalog_get_case_details (f->catalog, names[i], &parties, &dispute,
                                                    &error));
        g_assert_no_error (error);
        g_assert_cmpstr (parties, ==, names[i]);
        g_assert_cmpstr (dispute, ==, "lending");
      }
    }
  g_assert_false (pd_catalog_get_case_details (f->catalog, "no such case", NULL, NULL, &error));
  g_assert_error (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* nothing was dropped or deleted, and the same case name again is the same case */
  g_assert_cmpint (pd_catalog_ensure_case (f->catalog, names[1], NULL, NULL, &error), ==,
                   pd_catalog_ensure_case (f->catalog, names[1], NULL, NULL, &error));
  g_assert_no_error (error);
  cases = pd_catalog_list_cases (f->catalog, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (cases), ==, n);
  for (guint i = 0; names[i]; i++)
    g_assert_true (g_strv_contains ((const char *const *) cases, names[i]));
  {
    g_autoptr (GPtrArray) all = pd_catalog_list_sessions (f->catalog, NULL, NULL, &error);
    g_autoptr (PdAuditReport) report = NULL;

    g_assert_no_error (error);
    g_assert_cmpuint (all->len, ==, n);
    report = pd_catalog_audit_verify (f->catalog, NULL, &error);
    g_assert_no_error (error);
    g_assert_true (pd_audit_report_get_ok (report));
    g_assert_cmpuint (pd_audit_report_get_n_rows (report), ==, n);
  }
  /* a prefix holding LIKE wildcards matches literally, i.e. nothing */
  g_assert_null (pd_catalog_get_session (f->catalog, "%", &error));
  g_assert_error (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_NOT_FOUND);
  g_clear_error (&error);
  /* invalid UTF-8 is refused, not stored */
  g_assert_cmpint (pd_catalog_ensure_case (f->catalog, "bad \xff\xfe", NULL, NULL, &error), ==, -1);
  g_assert_error (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_cmpint (pd_catalog_ensure_case (f->catalog, long_utf8, NULL, NULL, &error), >, 0);
  g_assert_no_error (error);
}

static void
test_lifecycle (Fixture *f, gconstpointer data)
{
  static const char *const states[] = {
    PD_SESSION_STATE_RECORDING, PD_SESSION_STATE_SEALING, PD_SESSION_STATE_AWAITING_STAMP,
    PD_SESSION_STATE_STAMPED,
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (PdCatalogSession) s = NULL;
  g_autoptr (GPtrArray) trail = NULL;
  sqlite3 *db;
  int rc;

  create_session (f->catalog, UUID_A, "Case");
  s = pd_catalog_get_session (f->catalog, UUID_A, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pd_catalog_session_get_state (s), ==, PD_SESSION_STATE_CREATED);
  g_assert_nonnull (pd_catalog_session_get_started (s));
  g_clear_pointer (&s, pd_catalog_session_unref);

  for (guint i = 0; i < G_N_ELEMENTS (states); i++)
    {
      g_assert_true (pd_catalog_session_set_state (f->catalog, UUID_A, states[i],
                                                   i == 2 ? "TSA unreachable" : NULL, &error));
      g_assert_no_error (error);
      s = pd_catalog_get_session (f->catalog, UUID_A, &error);
      g_assert_cmpstr (pd_catalog_session_get_state (s), ==, states[i]);
      g_assert_cmpstr (pd_catalog_session_get_state_reason (s), ==,
                       i == 2 ? "TSA unreachable" : NULL);
      g_clear_pointer (&s, pd_catalog_session_unref);
    }
  /* every transition is in the audit log, naming the session, from → to */
  trail = pd_catalog_audit_list (f->catalog, UUID_A, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (trail->len, ==, 1 + G_N_ELEMENTS (states));
  g_assert_cmpstr (((PdAuditEntry *) g_ptr_array_index (trail, 3))->action, ==, "session.state");
  g_assert_nonnull (strstr (((PdAuditEntry *) g_ptr_array_index (trail, 3))->details,
                            "\"reason\":\"TSA unreachable\""));

  /* unknown states: refused by the API, and by the CHECK constraint underneath */
  g_assert_false (pd_catalog_session_set_state (f->catalog, UUID_A, "sealed-ish", NULL, &error));
  g_assert_error (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_INVALID);
  g_clear_error (&error);
  db = raw_open (f->path);
  rc = raw_exec (db, "UPDATE sessions SET state = 'sealed-ish'");
  g_assert_cmpint (rc, ==, SQLITE_CONSTRAINT);
  g_assert_nonnull (strstr (sqlite3_errmsg (db), "CHECK"));
  sqlite3_close (db);
  s = pd_catalog_get_session (f->catalog, UUID_A, &error);
  g_assert_cmpstr (pd_catalog_session_get_state (s), ==, PD_SESSION_STATE_STAMPED);

  /* the same UUID twice, an unknown UUID */
  g_assert_false (pd_catalog_session_create (f->catalog, UUID_A, NULL, NULL, NULL, NULL, NULL,
                                             &error));
  g_assert_error (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_false (pd_catalog_session_set_state (f->catalog, UUID_B, PD_SESSION_STATE_FAILED, NULL,
                                                &error));
  g_assert_error (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_NOT_FOUND);
  g_clear_error (&error);
  /* failures rolled back: no stray audit rows */
  g_assert_cmpuint (audit_rows (f->catalog), ==, 1 + G_N_ELEMENTS (states));
}

static const char manifest_text[] =
  "{"
  " \"format\": \"proofdesk-evidence-package\", \"format_version\": 1,"
  " \"session\": \"" UUID_A "\", \"state\": \"sealed\", \"case\": \"Case\", \"scenario\": \"lending\","
  " \"started\": \"2026-11-27T10:00:00.000Z\", \"stopped\": \"2026-11-27T10:00:25.000Z\","
  " \"duration_seconds\": 25.0,"
  " \"recording\": { \"name\": \"recording.mp4\", \"size\": 3000, \"sha256\": "
  "   \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","
  "   \"token\": \"recording.mp4.tsr\","
  "   \"timestamp\": { \"file\": \"recording.mp4.tsr\", \"gen_time\": \"2026-11-27T10:00:26.000Z\" } },"
  " \"checkpoints\": ["
  "   { \"index\": 1, \"offset\": 1000, \"sha256\": \"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\","
  "     \"running_time_ns\": 10000000000, \"stream_time\": \"00:00:10\","
  "     \"token\": \"checkpoints/000001.tsr\", \"gen_time\": \"2026-11-27T10:00:11.000Z\" },"
  "   { \"index\": 2, \"offset\": 2000, \"sha256\": \"cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc\","
  "     \"running_time_ns\": 20000000000, \"stream_time\": \"00:00:20\","
  "     \"token\": \"../../etc/passwd\", \"gen_time\": \"2026-11-27T10:00:21.000Z\" } ],"
  " \"marks\": [ { \"item\": \"iou\", \"stream_time_ns\": 5000000000, \"wall_time\":"
  "   \"2026-11-27T10:00:05.000Z\", \"note\": \"借条\", \"still\": \"stills/0001-iou.png\" } ],"
  " \"timestamps\": { \"authority\": { \"url\": \"local\", \"practice\": true },"
  "   \"manifest_token\": \"manifest.json.tsr\" },"
  " \"files\": ["
  "   { \"name\": \"recording.mp4\", \"size\": 3000, \"sha256\": "
  "     \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\" },"
  "   { \"name\": \"recording.mp4.tsr\", \"size\": 1700, \"sha256\": "
  "     \"dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd\" } ]"
  "}";

static JsonObject *
parse_object (const char *text)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static void
test_record_package (Fixture *f, gconstpointer data)
{
  const char *manifest_sha = "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee";
  g_autoptr (JsonObject) m = parse_object (manifest_text);
  g_autoptr (JsonObject) bad = NULL;
  g_autoptr (JsonNode) desc = NULL;
  g_autoptr (PdCatalogSession) s = NULL;
  g_autoptr (GError) error = NULL;
  JsonObject *o;
  JsonArray *cps;

  create_session (f->catalog, UUID_A, "Case");
  /* twice: the second replaces, it does not duplicate */
  for (int i = 0; i < 2; i++)
    {
      g_assert_true (pd_catalog_session_record_package (f->catalog, UUID_A, m, manifest_sha,
                                                        &error));
      g_assert_no_error (error);
    }

  desc = pd_catalog_describe_session (f->catalog, "1111", &error);
  g_assert_no_error (error);
  o = json_node_get_object (desc);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "files")), ==, 2);
  cps = json_object_get_array_member (o, "checkpoints");
  g_assert_cmpuint (json_array_get_length (cps), ==, 2);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (cps, 1), "offset"),
                   ==, 2000);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (cps, 0), "sha256"),
                   ==, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "marks")), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (
                     json_array_get_object_element (json_object_get_array_member (o, "marks"), 0),
                     "note"), ==, "借条");
  /* recording + manifest + two checkpoint tokens (the hostile name is indexed, never read) */
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "tokens")), ==, 4);

  s = pd_catalog_get_session (f->catalog, UUID_A, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pd_catalog_session_get_recording_sha256 (s), ==,
                   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
  g_assert_cmpint (pd_catalog_session_get_recording_size (s), ==, 3000);
  g_assert_cmpstr (pd_catalog_session_get_manifest_sha256 (s), ==, manifest_sha);
  g_assert_true (pd_catalog_session_get_practice (s));
  g_assert_cmpfloat (pd_catalog_session_get_capture_time (s), ==, 25.0);
  /* The package is not at hand, so no token was read: the manifest's "gen_time" is a claim,
   * never a stamp time. */
  g_assert_null (pd_catalog_session_get_stamp_time (s));

  /* a manifest for another session, and a hostile one, change nothing */
  json_object_set_string_member (m, "session", UUID_B);
  g_assert_false (pd_catalog_session_record_package (f->catalog, UUID_A, m, manifest_sha, &error));
  g_assert_error (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_INVALID);
  g_clear_error (&error);
  bad = parse_object ("{ \"session\": \"" UUID_A "\", \"files\": [ { \"name\": 5, \"size\": \"x\" } ] }");
  g_assert_false (pd_catalog_session_record_package (f->catalog, UUID_A, bad, NULL, &error));
  g_assert_error (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_INVALID);
  g_clear_error (&error);
  g_clear_pointer (&desc, json_node_unref);
  desc = pd_catalog_describe_session (f->catalog, UUID_A, &error);
  g_assert_no_error (error);
  o = json_node_get_object (desc);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "files")), ==, 2);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "checkpoints")), ==, 2);
}

/* A manifest re-dated a year earlier (its "started" and the genTimes it claims) over tokens
 * stamped now: the catalog's stamp time and checkpoint times are the tokens' own. */
static void
test_record_package_token_time (Fixture *f, gconstpointer data)
{
  g_autofree char *pkg = g_build_filename (f->dir, "pkg", NULL);
  g_autofree char *cps = g_build_filename (pkg, "checkpoints", NULL);
  g_autoptr (JsonObject) m = parse_object (manifest_text);
  g_autoptr (GError) error = NULL;
  g_autoptr (PdTsaClient) tsa = pd_tsa_client_new (PD_TSA_LOCAL, &error);
  g_autoptr (PdTsaToken) token = NULL;
  g_autoptr (GDateTime) claimed = g_date_time_new_utc (2025, 11, 27, 10, 0, 0);
  g_autoptr (PdCatalogSession) s = NULL;
  g_autoptr (JsonNode) desc = NULL;
  g_autofree char *token_time = NULL;
  guint8 digest[PD_SHA256_LEN] = { 0xaa };
  JsonObject *cp;

  g_assert_no_error (error);
  token = pd_tsa_client_stamp (tsa, PD_TSA_DIGEST_SHA256, digest, sizeof digest, NULL, &error);
  g_assert_no_error (error);
  token_time = pd_time_format_utc (pd_tsa_token_get_gen_time (token));
  g_assert_cmpint (g_mkdir_with_parents (cps, 0700), ==, 0);
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *path = g_build_filename (pkg, i == 0 ? "recording.mp4.tsr"
                                                            : "checkpoints/000001.tsr", NULL);
      GBytes *der = pd_tsa_token_get_response_der (token);

      g_assert_true (g_file_set_contents (path, g_bytes_get_data (der, NULL),
                                          (gssize) g_bytes_get_size (der), &error));
      g_assert_no_error (error);
    }
  json_object_set_string_member (m, "started", "2025-11-27T10:00:00.000Z");
  pd_catalog_session_create (f->catalog, UUID_A, "Case", "lending", "test", pkg, claimed, &error);
  g_assert_no_error (error);
  g_assert_true (pd_catalog_session_record_package (f->catalog, UUID_A, m, NULL, &error));
  g_assert_no_error (error);

  s = pd_catalog_get_session (f->catalog, UUID_A, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_date_time_get_year (pd_catalog_session_get_started (s)), ==, 2025);
  {
    g_autofree char *stamp = pd_time_format_utc (pd_catalog_session_get_stamp_time (s));
    g_assert_cmpstr (stamp, ==, token_time);
  }
  desc = pd_catalog_describe_session (f->catalog, UUID_A, &error);
  g_assert_no_error (error);
  cp = json_array_get_object_element (
         json_object_get_array_member (json_node_get_object (desc), "checkpoints"), 0);
  g_assert_cmpstr (json_object_get_string_member (cp, "gen_time"), ==, token_time);
  /* The second checkpoint's token cannot be read: no time, not the manifest's. */
  cp = json_array_get_object_element (
         json_object_get_array_member (json_node_get_object (desc), "checkpoints"), 1);
  g_assert_true (json_object_get_null_member (cp, "gen_time"));
}

static void
test_list_filters (Fixture *f, gconstpointer data)
{
  const char *const stuck[] = { PD_SESSION_STATE_RECORDING, PD_SESSION_STATE_SEALING, NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) list = NULL;
  g_autoptr (PdCatalogSession) s = NULL;

  create_session (f->catalog, UUID_A, "Zhang v. Li");
  create_session (f->catalog, UUID_B, "Zhang v. Li");
  create_session (f->catalog, UUID_C, "Wang v. Zhao");
  pd_catalog_session_set_state (f->catalog, UUID_A, PD_SESSION_STATE_STAMPED, NULL, &error);
  g_assert_no_error (error);
  pd_catalog_session_set_state (f->catalog, UUID_B, PD_SESSION_STATE_RECORDING, NULL, &error);
  g_assert_no_error (error);
  pd_catalog_session_set_state (f->catalog, UUID_C, PD_SESSION_STATE_SEALING, NULL, &error);
  g_assert_no_error (error);

  list = pd_catalog_list_sessions (f->catalog, "Zhang v. Li", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 2);
  g_clear_pointer (&list, g_ptr_array_unref);
  list = pd_catalog_list_sessions (f->catalog, NULL, PD_SESSION_STATE_SEALING, &error);
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_cmpstr (pd_catalog_session_get_uuid (g_ptr_array_index (list, 0)), ==, UUID_C);
  g_clear_pointer (&list, g_ptr_array_unref);
  list = pd_catalog_list_sessions (f->catalog, "Zhang v. Li", PD_SESSION_STATE_STAMPED, &error);
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_cmpstr (pd_catalog_session_get_uuid (g_ptr_array_index (list, 0)), ==, UUID_A);
  g_clear_pointer (&list, g_ptr_array_unref);
  list = pd_catalog_list_sessions (f->catalog, "No such case", NULL, &error);
  g_assert_cmpuint (list->len, ==, 0);
  g_clear_pointer (&list, g_ptr_array_unref);

  /* what recovery asks for */
  list = pd_catalog_sessions_in_states (f->catalog, stuck, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_cmpstr (pd_catalog_session_get_uuid (g_ptr_array_index (list, 0)), ==, UUID_B);
  g_assert_cmpstr (pd_catalog_session_get_uuid (g_ptr_array_index (list, 1)), ==, UUID_C);

  /* prefixes: unique, ambiguous, exact */
  s = pd_catalog_get_session (f->catalog, "1111", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pd_catalog_session_get_uuid (s), ==, UUID_A);
  g_assert_null (pd_catalog_get_session (f->catalog, "2222", &error));
  g_assert_error (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_AMBIGUOUS);
  g_clear_error (&error);
  g_clear_pointer (&s, pd_catalog_session_unref);
  s = pd_catalog_get_session (f->catalog, "22223", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pd_catalog_session_get_uuid (s), ==, UUID_C);
}

static void
test_exports (Fixture *f, gconstpointer data)
{
  const char *const both[] = { UUID_A, UUID_B, NULL };
  const char *const unknown[] = { UUID_A, UUID_C, NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) desc = NULL;
  JsonArray *exports;
  guint rows;

  create_session (f->catalog, UUID_A, "Case");
  create_session (f->catalog, UUID_B, "Case");
  g_assert_cmpint (pd_catalog_add_export (f->catalog, PD_EXPORT_ISO, "/tmp/case.iso", "CASE-1",
                                          both, "ok", &error), >, 0);
  g_assert_no_error (error);
  desc = pd_catalog_describe_session (f->catalog, UUID_B, &error);
  exports = json_object_get_array_member (json_node_get_object (desc), "exports");
  g_assert_cmpuint (json_array_get_length (exports), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (exports, 0),
                                                  "target_kind"), ==, "iso");

  rows = audit_rows (f->catalog);
  g_assert_cmpint (pd_catalog_add_export (f->catalog, "carrier-pigeon", "coop", NULL, both, "ok",
                                          &error), ==, -1);
  g_assert_error (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_CONSTRAINT);
  g_clear_error (&error);
  g_assert_cmpint (pd_catalog_add_export (f->catalog, PD_EXPORT_USB, "/media/usb", NULL, unknown,
                                          "ok", &error), ==, -1);
  g_assert_error (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_NOT_FOUND);
  /* the failed exports left neither rows nor audit entries */
  g_assert_cmpuint (audit_rows (f->catalog), ==, rows);
  {
    sqlite3 *db = raw_open (f->path);
    g_assert_cmpint (raw_int (db, "SELECT count(*) FROM exports"), ==, 1);
    sqlite3_close (db);
  }
}

/* ---- audit log ---- */

static void
append_some (PdCatalog *catalog, guint n)
{
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *details = g_strdup_printf ("{\"n\": %u, \"text\": \"a\\nb \\u202e\"}", i);

      g_assert_true (pd_catalog_audit_append (catalog, i % 2 ? "alice" : NULL, "test.event",
                                              i % 3 ? UUID_A : NULL, details, &error));
      g_assert_no_error (error);
    }
}

static void
assert_verify_ok (PdCatalog *catalog, guint n_rows)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PdAuditReport) report = pd_catalog_audit_verify (catalog, NULL, &error);

  g_assert_no_error (error);
  if (!pd_audit_report_get_ok (report))
    g_error ("audit: %s", ((PdAuditProblem *) g_ptr_array_index (
                            pd_audit_report_get_problems (report), 0))->message);
  g_assert_cmpuint (pd_audit_report_get_n_rows (report), ==, n_rows);
}

static void
test_audit_chain (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) rows = NULL;

  append_some (f->catalog, 5);
  assert_verify_ok (f->catalog, 5);

  rows = pd_catalog_audit_list (f->catalog, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 5);
  for (guint i = 0; i < rows->len; i++)
    {
      PdAuditEntry *e = g_ptr_array_index (rows, i);
      g_autofree char *again = pd_audit_entry_compute_hash (e);
      g_autoptr (GDateTime) t = pd_time_parse (e->time);

      g_assert_cmpint (e->seq, ==, i + 1);
      g_assert_cmpstr (again, ==, e->row_hash);
      g_assert_cmpstr (e->prev_hash, ==, i == 0 ? PD_AUDIT_GENESIS_HASH
                                                : ((PdAuditEntry *) g_ptr_array_index (rows, i - 1))->row_hash);
      g_assert_nonnull (t);
      g_assert_true (g_str_has_suffix (e->time, "Z"));
      g_assert_cmpstr (e->actor, ==, i % 2 ? "alice" : "tester");
      g_assert_cmpstr (e->session, ==, i % 3 ? UUID_A : NULL);
    }

  /* the documented serialisation, recomputed by hand for row 1 */
  {
    PdAuditEntry *e = g_ptr_array_index (rows, 0);
    g_autofree char *canon = g_strdup_printf (
      "17:proofdesk-audit-1,1:1,%zu:%s,6:tester,10:test.event,0:,%zu:%s,64:%s,",
      strlen (e->time), e->time, strlen (e->details), e->details, PD_AUDIT_GENESIS_HASH);
    g_autofree char *hash = pd_sha256_bytes ((const guint8 *) canon, strlen (canon));

    g_assert_cmpstr (hash, ==, e->row_hash);
  }

  /* details must be JSON */
  g_assert_false (pd_catalog_audit_append (f->catalog, NULL, "x", NULL, "{not json", &error));
  g_assert_error (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_INVALID);
  assert_verify_ok (f->catalog, 5);
}

static void
test_audit_triggers (Fixture *f, gconstpointer data)
{
  sqlite3 *db;

  append_some (f->catalog, 3);
  db = raw_open (f->path);
  g_assert_cmpint (raw_exec (db, "UPDATE audit_log SET actor = 'mallory' WHERE seq = 2"), ==,
                   SQLITE_CONSTRAINT);
  g_assert_nonnull (strstr (sqlite3_errmsg (db), "append-only"));
  g_assert_cmpint (raw_exec (db, "DELETE FROM audit_log WHERE seq = 3"), ==, SQLITE_CONSTRAINT);
  g_assert_cmpint (raw_exec (db, "DELETE FROM audit_log"), ==, SQLITE_CONSTRAINT);
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM audit_log WHERE actor = 'mallory'"), ==, 0);
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM audit_log"), ==, 3);
  sqlite3_close (db);
  assert_verify_ok (f->catalog, 3);
}

static sqlite3 *
raw_open_untriggered (const char *path)
{
  sqlite3 *db = raw_open (path);

  g_assert_cmpint (raw_exec (db, "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;"),
                   ==, SQLITE_OK);
  return db;
}

static void
test_audit_edited (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PdAuditReport) report = NULL;
  sqlite3 *db;

  append_some (f->catalog, 4);
  db = raw_open_untriggered (f->path);
  g_assert_cmpint (raw_exec (db, "UPDATE audit_log SET details = '{\"n\": 99}' WHERE seq = 2"), ==,
                   SQLITE_OK);
  sqlite3_close (db);

  report = pd_catalog_audit_verify (f->catalog, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (pd_audit_report_get_ok (report));
  g_assert_nonnull (pd_audit_report_find_problem (report, "row.hash", 2));
  g_assert_null (pd_audit_report_find_problem (report, "row.hash", 1));
  g_assert_null (pd_audit_report_find_problem (report, "row.hash", 3));
  g_assert_nonnull (pd_audit_report_find_problem (report, "triggers", 0));
}

static void
test_audit_deleted (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PdAuditReport) report = NULL;
  sqlite3 *db;

  append_some (f->catalog, 5);
  db = raw_open_untriggered (f->path);
  g_assert_cmpint (raw_exec (db, "DELETE FROM audit_log WHERE seq = 3"), ==, SQLITE_OK);
  sqlite3_close (db);

  report = pd_catalog_audit_verify (f->catalog, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (pd_audit_report_get_ok (report));
  g_assert_nonnull (pd_audit_report_find_problem (report, "row.gap", 4));
  g_assert_null (pd_audit_report_find_problem (report, "row.hash", 0));
  g_assert_cmpuint (pd_audit_report_get_n_rows (report), ==, 4);
}

static void
test_audit_reordered (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PdAuditReport) report = NULL;
  sqlite3 *db;

  append_some (f->catalog, 4);
  db = raw_open_untriggered (f->path);
  /* swap rows 2 and 3 (contents and hashes move; seq stays in order) */
  g_assert_cmpint (raw_exec (db, "UPDATE audit_log SET seq = 100 WHERE seq = 2;"
                                 "UPDATE audit_log SET seq = 2 WHERE seq = 3;"
                                 "UPDATE audit_log SET seq = 3 WHERE seq = 100;"), ==, SQLITE_OK);
  sqlite3_close (db);

  report = pd_catalog_audit_verify (f->catalog, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (pd_audit_report_get_ok (report));
  g_assert_nonnull (pd_audit_report_find_problem (report, "row.hash", 2));
  g_assert_nonnull (pd_audit_report_find_problem (report, "row.link", 2));
}

static PdTrustStore *
practice_trust (void)
{
  g_autoptr (PdTrustStore) trust = pd_trust_store_new ();
  g_autoptr (GError) error = NULL;

  g_assert_true (pd_trust_store_add_practice_root (trust, &error));
  g_assert_no_error (error);
  return g_steal_pointer (&trust);
}

typedef struct
{
  gboolean done;
  GError  *error;
} AsyncResult;

static void
on_stamped (GObject *source, GAsyncResult *result, gpointer user_data)
{
  AsyncResult *r = user_data;

  pd_catalog_audit_stamp_head_finish (PD_CATALOG (source), result, &r->error);
  r->done = TRUE;
  g_main_context_wakeup (NULL);
}

static void
test_audit_stamp (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PdTsaClient) tsa = pd_tsa_client_new (PD_TSA_LOCAL, &error);
  g_autoptr (PdTrustStore) trust = NULL;
  g_autoptr (PdAuditReport) report = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  gboolean stamped = FALSE;
  AsyncResult async = { FALSE, NULL };
  sqlite3 *db;

  g_assert_no_error (error);
  trust = practice_trust ();

  /* an empty log has nothing to stamp */
  g_assert_false (pd_catalog_audit_stamp_is_due (f->catalog, 0));
  append_some (f->catalog, 3);
  g_assert_true (pd_catalog_audit_stamp_is_due (f->catalog, G_TIME_SPAN_HOUR));
  g_assert_true (pd_catalog_audit_stamp_head (f->catalog, tsa, &error));
  g_assert_no_error (error);
  /* the head is stamped: not due, and stamping again adds nothing */
  g_assert_false (pd_catalog_audit_stamp_is_due (f->catalog, 0));
  g_assert_true (pd_catalog_audit_stamp_head (f->catalog, tsa, &error));

  report = pd_catalog_audit_verify (f->catalog, trust, &error);
  g_assert_no_error (error);
  g_assert_true (pd_audit_report_get_ok (report));
  g_assert_cmpuint (pd_audit_report_get_n_stamps (report), ==, 1);
  g_assert_cmpuint (pd_audit_report_get_n_stamps_trusted (report), ==, 1);
  g_assert_cmpint (pd_audit_report_get_stamped_seq (report), ==, 3);
  g_clear_pointer (&report, pd_audit_report_unref);

  /* periodic: a new row is due at once with interval 0, not within the hour */
  append_some (f->catalog, 1);
  g_assert_false (pd_catalog_audit_stamp_is_due (f->catalog, G_TIME_SPAN_HOUR));
  g_assert_true (pd_catalog_audit_stamp_if_due (f->catalog, tsa, G_TIME_SPAN_HOUR, &stamped, &error));
  g_assert_false (stamped);
  g_assert_true (pd_catalog_audit_stamp_if_due (f->catalog, tsa, 0, &stamped, &error));
  g_assert_no_error (error);
  g_assert_true (stamped);

  /* the async variant, for the app */
  append_some (f->catalog, 1);
  pd_catalog_audit_stamp_head_async (f->catalog, tsa, NULL, on_stamped, &async);
  while (!async.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (async.error);
  report = pd_catalog_audit_verify (f->catalog, trust, &error);
  g_assert_true (pd_audit_report_get_ok (report));
  g_assert_cmpuint (pd_audit_report_get_n_stamps (report), ==, 3);
  g_assert_cmpint (pd_audit_report_get_stamped_seq (report), ==, 5);
  g_clear_pointer (&report, pd_audit_report_unref);

  /* A forger who drops the triggers and rewrites row 2 onwards with a consistent chain: the
   * chain checks out, the timestamps do not. */
  rows = pd_catalog_audit_list (f->catalog, NULL, &error);
  db = raw_open_untriggered (f->path);
  {
    g_autofree char *prev = g_strdup (((PdAuditEntry *) g_ptr_array_index (rows, 0))->row_hash);

    for (guint i = 1; i < rows->len; i++)
      {
        PdAuditEntry *e = g_ptr_array_index (rows, i);
        g_autoptr (sqlite3_stmt) stmt = NULL;

        g_free (e->actor);
        e->actor = g_strdup ("mallory");
        g_free (e->prev_hash);
        e->prev_hash = g_strdup (prev);
        g_free (e->row_hash);
        e->row_hash = pd_audit_entry_compute_hash (e);
        g_free (prev);
        prev = g_strdup (e->row_hash);
        g_assert_cmpint (sqlite3_prepare_v2 (db, "UPDATE audit_log SET actor = ?1, prev_hash = ?2,"
                                                 " row_hash = ?3 WHERE seq = ?4", -1, &stmt, NULL),
                         ==, SQLITE_OK);
        sqlite3_bind_text (stmt, 1, e->actor, -1, SQLITE_STATIC);
        sqlite3_bind_text (stmt, 2, e->prev_hash, -1, SQLITE_STATIC);
        sqlite3_bind_text (stmt, 3, e->row_hash, -1, SQLITE_STATIC);
        sqlite3_bind_int64 (stmt, 4, e->seq);
        g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
      }
  }
  /* and restores the triggers so nothing looks touched */
  g_assert_cmpint (raw_exec (db, "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log"
                                 " BEGIN SELECT RAISE (ABORT, 'audit_log is append-only'); END;"
                                 "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log"
                                 " BEGIN SELECT RAISE (ABORT, 'audit_log is append-only'); END;"),
                   ==, SQLITE_OK);
  sqlite3_close (db);
  report = pd_catalog_audit_verify (f->catalog, trust, &error);
  g_assert_no_error (error);
  g_assert_false (pd_audit_report_get_ok (report));
  g_assert_null (pd_audit_report_find_problem (report, "row.hash", 0));
  g_assert_null (pd_audit_report_find_problem (report, "row.link", 0));
  g_assert_nonnull (pd_audit_report_find_problem (report, "stamp.row", 3));
  g_assert_nonnull (pd_audit_report_find_problem (report, "stamp.row", 5));
  g_clear_pointer (&report, pd_audit_report_unref);

  /* truncating the stamped tail is caught too */
  db = raw_open_untriggered (f->path);
  g_assert_cmpint (raw_exec (db, "DELETE FROM audit_log WHERE seq >= 4"), ==, SQLITE_OK);
  sqlite3_close (db);
  report = pd_catalog_audit_verify (f->catalog, NULL, &error);
  g_assert_nonnull (pd_audit_report_find_problem (report, "stamp.row", 5));
}

/* ---- proofctl ---- */

static int
run_proofctl (char **out, char **err, ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *o = NULL;
  g_autofree char *e = NULL;
  const char *arg;
  va_list args;

  g_ptr_array_add (argv, (gpointer) g_getenv ("PROOFCTL"));
  va_start (args, err);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  proc = g_subprocess_newv ((const char *const *) argv->pdata,
                            G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, &o, &e, &error);
  g_assert_no_error (error);
  if (g_test_verbose ())
    g_printerr ("%s\n%s", o, e);
  if (out)
    *out = g_steal_pointer (&o);
  if (err)
    *err = g_steal_pointer (&e);
  g_assert_true (g_subprocess_get_if_exited (proc));
  return g_subprocess_get_exit_status (proc);
}

static JsonArray *
list_json (const char *catalog_path)
{
  g_autofree char *out = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (run_proofctl (&out, NULL, "list", "--json", "--catalog", catalog_path, NULL),
                   ==, 0);
  json_parser_load_from_data (parser, out, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (json_parser_get_root (parser)));
  return json_array_ref (json_node_get_array (json_parser_get_root (parser)));
}

static void
skip_without_proofctl (void)
{
  if (g_getenv ("PROOFCTL") == NULL)
    g_test_skip ("PROOFCTL not set");
}

static void
test_cli_list_show (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonArray) list = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  skip_without_proofctl ();
  if (g_getenv ("PROOFCTL") == NULL)
    return;
  create_session (f->catalog, UUID_A, "'; DROP TABLE sessions; --\n\u202E");
  create_session (f->catalog, UUID_B, "Other");
  pd_catalog_session_set_state (f->catalog, UUID_B, PD_SESSION_STATE_FAILED, "disk full", NULL);

  list = list_json (f->path);
  g_assert_cmpuint (json_array_get_length (list), ==, 2);
  {
    gboolean found = FALSE;

    for (guint i = 0; i < json_array_get_length (list); i++)
      {
        JsonObject *o = json_array_get_object_element (list, i);

        if (g_strcmp0 (json_object_get_string_member (o, "uuid"), UUID_A) == 0)
          {
            found = TRUE;
            g_assert_cmpstr (json_object_get_string_member (o, "case"), ==,
                             "'; DROP TABLE sessions; --\n\u202E");
          }
      }
    g_assert_true (found);
  }

  /* --state filters; the human listing escapes the newline and the RTL override */
  g_assert_cmpint (run_proofctl (&out, NULL, "list", "--state", "failed", "--catalog", f->path,
                                 NULL), ==, 0);
  g_assert_nonnull (strstr (out, UUID_B));
  g_assert_null (strstr (out, UUID_A));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_proofctl (&out, NULL, "list", "--catalog", f->path, NULL), ==, 0);
  g_assert_null (strstr (out, "\u202E"));
  g_assert_nonnull (strstr (out, "\\u202e"));
  g_assert_nonnull (strstr (out, "--\\x0a\\u202e"));
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (run_proofctl (&out, NULL, "show", "2222", "--json", "--catalog", f->path, NULL),
                   ==, 0);
  g_assert_nonnull (strstr (out, "disk full"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_proofctl (NULL, &err, "show", "nope", "--catalog", f->path, NULL), ==, 2);
  g_assert_cmpint (run_proofctl (NULL, NULL, "list", "--state", "bogus", "--catalog", f->path,
                                 NULL), ==, 2);
}

static void
test_cli_audit (Fixture *f, gconstpointer data)
{
  g_autofree char *out = NULL;
  sqlite3 *db;

  skip_without_proofctl ();
  if (g_getenv ("PROOFCTL") == NULL)
    return;
  append_some (f->catalog, 3);
  g_assert_cmpint (run_proofctl (&out, NULL, "audit", "--verify", "--stamp", "--tsa", "local",
                                 "--catalog", f->path, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "test.event"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_proofctl (&out, NULL, "audit", "--verify", "--json", "--catalog", f->path,
                                 NULL), ==, 0);
  g_assert_nonnull (strstr (out, "\"stamps_trusted\" : 1"));
  g_clear_pointer (&out, g_free);

  db = raw_open_untriggered (f->path);
  g_assert_cmpint (raw_exec (db, "UPDATE audit_log SET actor = 'mallory' WHERE seq = 1"), ==,
                   SQLITE_OK);
  sqlite3_close (db);
  g_assert_cmpint (run_proofctl (&out, NULL, "audit", "--verify", "--catalog", f->path, NULL), ==,
                   1);
  g_assert_nonnull (strstr (out, "row.hash"));
  /* without --verify it only prints */
  g_assert_cmpint (run_proofctl (NULL, NULL, "audit", "--catalog", f->path, NULL), ==, 0);
  g_assert_cmpint (run_proofctl (NULL, NULL, "audit", "--verify", "--catalog",
                                 "/proc/no/such/dir/catalog.db", NULL), ==, 2);
}

static char *
find_package (const char *root)
{
  /* <root>/<case>/<stamp>-<scenario>/manifest.json */
  g_autoptr (GDir) cases = g_dir_open (root, 0, NULL);
  const char *c;

  while (cases && (c = g_dir_read_name (cases)) != NULL)
    {
      g_autofree char *case_dir = g_build_filename (root, c, NULL);
      g_autoptr (GDir) pkgs = g_dir_open (case_dir, 0, NULL);
      const char *p;

      while (pkgs && (p = g_dir_read_name (pkgs)) != NULL)
        {
          g_autofree char *pkg = g_build_filename (case_dir, p, NULL);
          g_autofree char *manifest = g_build_filename (pkg, "manifest.json", NULL);

          if (g_file_test (manifest, G_FILE_TEST_IS_REGULAR))
            return g_steal_pointer (&pkg);
        }
    }
  return NULL;
}

static void
copy_tree (const char *from, const char *to)
{
  g_autoptr (GDir) dir = g_dir_open (from, 0, NULL);
  const char *name;

  g_assert_cmpint (g_mkdir_with_parents (to, 0700), ==, 0);
  while (dir && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *src = g_build_filename (from, name, NULL);
      g_autofree char *dst = g_build_filename (to, name, NULL);

      if (g_file_test (src, G_FILE_TEST_IS_DIR))
        copy_tree (src, dst);
      else
        {
          g_autofree char *data = NULL;
          gsize len;

          g_assert_true (g_file_get_contents (src, &data, &len, NULL));
          g_assert_true (g_file_set_contents (dst, data, (gssize) len, NULL));
        }
    }
}

static void
test_cli_import (Fixture *f, gconstpointer data)
{
  g_autofree char *root = g_build_filename (f->dir, "evidence", NULL);
  g_autofree char *tampered = g_build_filename (f->dir, "tampered", NULL);
  g_autofree char *pkg = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *recording = NULL;
  g_autofree char *bytes = NULL;
  g_autoptr (JsonArray) list = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (PdCatalogSession) s = NULL;
  gsize len;
  guint rows;
  int rc;

  skip_without_proofctl ();
  if (g_getenv ("PROOFCTL") == NULL)
    return;
  rc = run_proofctl (NULL, &err, "capture", "--source", "test", "--duration", "2", "--tsa", "local",
                     "--case", "Zhang v. Li", "--quiet", "--out", root, NULL);
  if (rc != 0)
    {
      /* A capture that fails here is a failure, not a reason to skip. */
      g_test_fail_printf ("proofctl capture failed (%d): %s", rc, err);
      return;
    }
  pkg = find_package (root);
  g_assert_nonnull (pkg);

  /* a tampered copy is refused (exit 1) and leaves the catalog untouched */
  copy_tree (pkg, tampered);
  recording = g_build_filename (tampered, "recording.mp4", NULL);
  g_assert_true (g_file_get_contents (recording, &bytes, &len, NULL));
  g_assert_cmpuint (len, >, 1000);
  bytes[len / 2] ^= 0x01;
  g_assert_true (g_file_set_contents (recording, bytes, (gssize) len, NULL));
  rows = audit_rows (f->catalog);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_proofctl (NULL, &err, "import", tampered, "--catalog", f->path, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "not imported"));
  g_assert_cmpuint (audit_rows (f->catalog), ==, rows);
  list = list_json (f->path);
  g_assert_cmpuint (json_array_get_length (list), ==, 0);
  g_clear_pointer (&list, json_array_unref);

  /* the original goes in, stamped, with an "import" audit row */
  g_assert_cmpint (run_proofctl (&out, NULL, "import", pkg, "--catalog", f->path, NULL), ==, 0);
  list = list_json (f->path);
  g_assert_cmpuint (json_array_get_length (list), ==, 1);
  {
    JsonObject *o = json_array_get_object_element (list, 0);

    g_assert_cmpstr (json_object_get_string_member (o, "state"), ==, "stamped");
    g_assert_cmpstr (json_object_get_string_member (o, "case"), ==, "Zhang v. Li");
    g_assert_true (json_object_get_boolean_member (o, "practice"));
    s = pd_catalog_get_session (f->catalog, json_object_get_string_member (o, "uuid"), &error);
    g_assert_no_error (error);
  }
  {
    g_autoptr (GPtrArray) trail = pd_catalog_audit_list (f->catalog,
                                                         pd_catalog_session_get_uuid (s), &error);
    PdAuditEntry *last = g_ptr_array_index (trail, trail->len - 1);

    g_assert_cmpstr (last->action, ==, "import");
    g_assert_nonnull (strstr (last->details, "valid-practice"));
  }
  {
    g_autoptr (JsonNode) desc = pd_catalog_describe_session (f->catalog,
                                                             pd_catalog_session_get_uuid (s),
                                                             &error);
    JsonObject *o = json_node_get_object (desc);

    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "files")), >=, 3);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "tokens")), >=, 2);
  }
  /* importing it again changes nothing */
  g_assert_cmpint (run_proofctl (NULL, NULL, "import", pkg, "--catalog", f->path, NULL), ==, 0);
  g_clear_pointer (&list, json_array_unref);
  list = list_json (f->path);
  g_assert_cmpuint (json_array_get_length (list), ==, 1);
  g_assert_cmpint (run_proofctl (NULL, NULL, "import", "/nonexistent/package", "--catalog",
                                 f->path, NULL), ==, 2);
  g_assert_cmpint (run_proofctl (NULL, NULL, "audit", "--verify", "--catalog", f->path, NULL), ==,
                   0);
}

/* ---- search ---- */

#define UUID_D "44444444-4444-4444-8444-444444444444"
#define UUID_E "55555555-5555-4555-8555-555555555555"

/* Records a package for `uuid` whose marks are the JSON array `marks_json`. */
static void
record_marks (PdCatalog *catalog, const char *uuid, const char *marks_json)
{
  g_autofree char *text = g_strdup_printf ("{ \"format\": \"proofdesk-evidence-package\","
                                           " \"session\": \"%s\", \"marks\": %s }",
                                           uuid, marks_json);
  g_autoptr (JsonObject) m = parse_object (text);
  g_autoptr (GError) error = NULL;

  g_assert_true (pd_catalog_session_record_package (catalog, uuid, m, NULL, &error));
  g_assert_no_error (error);
}

static void
create_session_at (PdCatalog *catalog, const char *uuid, const char *case_name,
                   const char *scenario, const char *source, int day)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GDateTime) started = g_date_time_new_utc (2025, 3, day, 10, 0, 0);

  pd_catalog_session_create (catalog, uuid, case_name, scenario, source, NULL, started, &error);
  g_assert_no_error (error);
}

/* The UUIDs found, in order, by their last character, joined by ' ' ("" for none). */
static char *
search_uuids (PdCatalog *catalog, const char *query, guint limit)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) found = pd_catalog_search_sessions (catalog, query, limit, &error);
  g_autoptr (GString) out = g_string_new (NULL);

  g_assert_no_error (error);
  g_assert_nonnull (found);
  for (guint i = 0; i < found->len; i++)
    {
      if (i > 0)
        g_string_append_c (out, ' ');
      const char *uuid = pd_catalog_session_get_uuid (g_ptr_array_index (found, i));

      /* the last character tells the test sessions apart */
      g_string_append_c (out, uuid[strlen (uuid) - 1]);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* A: 张三 v 李四 lending, with a mark "¥50,000 due 2025-06-30"; B: same case, later;
 * C: Zhang v. Li Ltd (English); D: no case, screen source; E: 王小明 case, undone mark. */
static void
search_fill (PdCatalog *catalog)
{
  g_autoptr (GError) error = NULL;

  pd_catalog_ensure_case (catalog, "张三诉李四民间借贷纠纷", "原告：张三；被告：李四", "民间借贷纠纷",
                          &error);
  g_assert_no_error (error);
  pd_catalog_ensure_case (catalog, "Zhang v. Li Trading Ltd", "Plaintiff: Zhang Wei; Defendant: Li "
                          "Trading Ltd", "sale of goods", &error);
  g_assert_no_error (error);
  pd_catalog_ensure_case (catalog, "王小明劳动争议", "申请人：王小明", "劳动争议", &error);
  g_assert_no_error (error);

  create_session_at (catalog, UUID_A, "张三诉李四民间借贷纠纷", "lending", "x11:0", 1);
  create_session_at (catalog, UUID_B, "张三诉李四民间借贷纠纷", "wechat-transfer", "x11:0", 2);
  create_session_at (catalog, UUID_C, "Zhang v. Li Trading Ltd", "email", "window:Thunderbird", 3);
  create_session_at (catalog, UUID_D, NULL, "web-page", "screen", 4);
  create_session_at (catalog, UUID_E, "王小明劳动争议", "im-chat", "x11:0", 5);
  record_marks (catalog, UUID_A, "[ { \"item\": \"iou\", \"title\": \"借条\","
                                  " \"note\": \"¥50,000 due 2025-06-30\" },"
                                  " { \"item\": \"transfer\", \"title\": \"转账记录\" } ]");
  record_marks (catalog, UUID_E, "[ { \"item\": \"salary\", \"title\": \"工资条\","
                                  " \"note\": \"拖欠工资 8,800 元\" },"
                                  " { \"item\": \"gone\", \"title\": \"撤回的标记\","
                                  " \"note\": \"retracted 77,777\", \"undone\": true } ]");
}

static void
check_search_results (PdCatalog *catalog)
{
  static const struct
  {
    const char *query;
    const char *expect;   /* last characters of the UUIDs, newest first */
  } cases[] = {
    { "张三诉李四", "2 1" },            /* case name */
    { "借贷", "2 1" },                  /* a substring of the case name and dispute type */
    { "张三", "2 1" },                  /* a two-character party name */
    { "李四", "2 1" },
    { "三", "2 1" },                    /* one character */
    { "王小明", "5" },                  /* three characters */
    { "小明", "5" },
    { "zhang", "3" },                   /* English, any case */
    { "ZHANG WEI", "3" },               /* every word must occur */
    { "Zhang v.", "3" },
    { "Zhang 张三", "" },
    { "sale of goods", "3" },           /* dispute type */
    { "劳动争议", "5" },
    { "wechat", "2" },                  /* scenario */
    { "screen", "4" },                  /* source */
    { "Thunderbird", "3" },
    { "50,000", "1" },                  /* amount in a mark note */
    { "¥50,000", "1" },
    { "0,0", "1" },
    { "2025-06", "1" },
    { "06-30", "1" },
    { "due 2025-06-30", "1" },
    { "转账记录", "1" },                /* mark title */
    { "借条", "1" },
    { "8,800", "5" },
    { "工资", "5" },
    { "77,777", "" },                   /* an undone mark is not searched */
    { "撤回", "" },
    { "nothing like this", "" },
    { "无此人", "" },
    { "x11", "5 2 1" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *got = search_uuids (catalog, cases[i].query, 0);

      if (g_strcmp0 (got, cases[i].expect) != 0)
        g_error ("search “%s”: got “%s”, expected “%s”", cases[i].query, got, cases[i].expect);
    }
}

static void
test_search (Fixture *f, gconstpointer data)
{
  g_autoptr (PdCatalog) like = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) info = NULL;
  g_autofree char *got = NULL;

  search_fill (f->catalog);
  info = pd_catalog_get_info (f->catalog, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (info), "search"), ==,
                   "fts5-trigram");
  check_search_results (f->catalog);

  /* the LIKE fallback (a SQLite without FTS5) finds the same */
  like = pd_catalog_open (f->path, &error);
  g_assert_no_error (error);
  pd_catalog_debug_disable_fts (like);
  check_search_results (like);

  /* empty: everything, newest first; limit */
  got = search_uuids (f->catalog, "", 0);
  g_assert_cmpstr (got, ==, "5 4 3 2 1");
  g_clear_pointer (&got, g_free);
  got = search_uuids (f->catalog, " \t\u3000 ", 2);
  g_assert_cmpstr (got, ==, "5 4");
  g_clear_pointer (&got, g_free);
  got = search_uuids (f->catalog, "张三", 1);
  g_assert_cmpstr (got, ==, "2");
  g_clear_pointer (&got, g_free);

  /* the index follows the write paths: new parties replace the old ones ... */
  pd_catalog_ensure_case (f->catalog, "张三诉李四民间借贷纠纷", "原告：张三；被告：赵六", NULL, &error);
  g_assert_no_error (error);
  got = search_uuids (f->catalog, "李四", 0);   /* still in the case name */
  g_assert_cmpstr (got, ==, "2 1");
  g_clear_pointer (&got, g_free);
  got = search_uuids (f->catalog, "赵六", 0);
  g_assert_cmpstr (got, ==, "2 1");
  g_clear_pointer (&got, g_free);
  /* ... re-recorded marks replace the old marks ... */
  record_marks (f->catalog, UUID_A, "[ { \"item\": \"iou\", \"note\": \"¥60,000 due 2025-07-31\" } ]");
  got = search_uuids (f->catalog, "50,000", 0);
  g_assert_cmpstr (got, ==, "");
  g_clear_pointer (&got, g_free);
  got = search_uuids (f->catalog, "60,000", 0);
  g_assert_cmpstr (got, ==, "1");
  g_clear_pointer (&got, g_free);
  got = search_uuids (f->catalog, "iou", 0);   /* a mark without a title is found by its item */
  g_assert_cmpstr (got, ==, "1");
  g_clear_pointer (&got, g_free);
  /* ... and a rolled-back change leaves the index as it was */
  {
    g_autoptr (JsonObject) m = parse_object ("{ \"session\": \"" UUID_B "\", \"marks\": ["
                                             " { \"item\": \"x\", \"note\": \"never stored\" },"
                                             " { \"note\": \"no item: invalid\" } ] }");

    g_assert_false (pd_catalog_session_record_package (f->catalog, UUID_B, m, NULL, &error));
    g_assert_error (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_INVALID);
    g_clear_error (&error);
  }
  got = search_uuids (f->catalog, "never stored", 0);
  g_assert_cmpstr (got, ==, "");
  g_clear_pointer (&got, g_free);

  /* the index is a copy of the tables: rebuilding it from them changes nothing */
  g_clear_object (&like);
  {
    sqlite3 *db = raw_open (f->path);

    g_assert_cmpint (raw_exec (db, "INSERT INTO session_search (session_search, rank)"
                                   " VALUES ('integrity-check', 1)"), ==, SQLITE_OK);
    g_assert_cmpint (raw_int (db, "SELECT count(*) FROM session_search"), ==, 5);
    sqlite3_close (db);
  }
}

static void
test_search_hostile (Fixture *f, gconstpointer data)
{
  g_autoptr (GString) big = g_string_new (NULL);
  g_autoptr (GString) quotes = g_string_new (NULL);
  g_autoptr (GString) words = g_string_new (NULL);
  g_autoptr (GString) huge = g_string_new (NULL);
  g_autoptr (GString) distinct3 = g_string_new (NULL);
  g_autoptr (GString) distinct2 = g_string_new (NULL);
  g_autoptr (PdCatalog) like = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) found = NULL;
  const char *hostile[] = {
    "\"", "\"\"", "\"\"\"", "*", "OR", "AND", "NOT", "NEAR(", "NEAR(\"a\" \"b\", 2)", "NEAR",
    "'; DROP TABLE sessions; --", "\"); DROP TABLE sessions; --", "", " ", "(", ")", "(((",
    "body:张三", "body : x", "{body}: x", "^张三", "张三*", "-张三", "+", "a OR b", "张三 OR 李四",
    "%", "_", "\\", "%%%", "\\%", "'", "''", "\x01\x02", "\u202E", "[]", "{\"a\": 1}",
    NULL, NULL, NULL, NULL, NULL, NULL,
  };
  guint n = 0;

  while (hostile[n])
    n++;
  for (guint i = 0; i < 1024; i++)
    g_string_append (big, "张三");          /* 6 KiB, one word */
  for (guint i = 0; i < 4096; i++)
    g_string_append_c (quotes, '"');
  for (guint i = 0; i < 1024; i++)
    g_string_append (words, "OR * ");        /* 5 KiB of operators */
  for (guint i = 0; i < 3000; i++)
    g_string_append_printf (distinct3, "%04x ", i);   /* 3000 different words of four */
  for (guint i = 0; i < 36 * 36; i++)
    g_string_append_printf (distinct2, "%c%c ", "0123456789abcdefghijklmnopqrstuvwxyz"[i / 36],
                            "0123456789abcdefghijklmnopqrstuvwxyz"[i % 36]);
  hostile[n++] = big->str;
  hostile[n++] = quotes->str;
  hostile[n++] = words->str;
  hostile[n++] = distinct3->str;
  hostile[n++] = distinct2->str;

  create_session (f->catalog, UUID_A, "100% \"real\" OR_not (NEAR) *star* back\\slash");
  create_session (f->catalog, UUID_B, "张三诉李四");

  like = pd_catalog_open (f->path, &error);
  g_assert_no_error (error);
  pd_catalog_debug_disable_fts (like);
  for (guint c = 0; c < 2; c++)
    {
      PdCatalog *catalog = c == 0 ? f->catalog : like;

      for (guint i = 0; i < n; i++)
        {
          g_autoptr (GPtrArray) list = pd_catalog_search_sessions (catalog, hostile[i], 10, &error);

          g_assert_no_error (error);
          g_assert_nonnull (list);
          g_assert_cmpuint (list->len, <=, 2);
        }

      /* special characters are matched literally, not as operators or wildcards */
      {
        static const struct
        {
          const char *query;
          const char *expect;
        } literal[] = {
          { "%", "1" }, { "100%", "1" }, { "_", "1" }, { "OR_not", "1" }, { "\\", "1" },
          { "back\\slash", "1" }, { "\"real\"", "1" }, { "\"", "1" }, { "(NEAR)", "1" },
          { "NEAR(", "" }, { "*", "1" }, { "*star*", "1" }, { "star", "1" }, { "OR", "1" },
          { "o", "1" }, { "real OR 张三", "" }, { "张三 OR", "" }, { "0%", "1" }, { "1_0", "" },
        };

        for (guint i = 0; i < G_N_ELEMENTS (literal); i++)
          {
            g_autofree char *got = search_uuids (catalog, literal[i].query, 0);

            if (g_strcmp0 (got, literal[i].expect) != 0)
              g_error ("%s search “%s”: got “%s”, expected “%s”", c == 0 ? "FTS" : "LIKE",
                       literal[i].query, got, literal[i].expect);
          }
      }
    }

  /* the tables are all still there */
  found = pd_catalog_list_sessions (f->catalog, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, 2);
  g_clear_pointer (&found, g_ptr_array_unref);

  /* refused, not run: invalid UTF-8, and text longer than 16 KiB */
  found = pd_catalog_search_sessions (f->catalog, "\xff\xfe", 0, &error);
  g_assert_error (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_INVALID);
  g_assert_null (found);
  g_clear_error (&error);
  for (guint i = 0; i < 17 * 1024; i++)
    g_string_append_c (huge, 'a');
  found = pd_catalog_search_sessions (f->catalog, huge->str, 0, &error);
  g_assert_error (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_INVALID);
  g_assert_null (found);
  g_clear_error (&error);
}

/* A version-1 catalog, with data, written as the v1 code wrote it (the v1 schema, rows by
 * hand), becomes version 2 on open and its sessions become searchable. */
static void
test_search_upgrade (Fixture *f, gconstpointer data)
{
  g_autofree char *old = g_build_filename (f->dir, "v1.db", NULL);
  g_autoptr (PdCatalog) catalog = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) desc = NULL;
  g_autofree char *got = NULL;
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (old, &db), ==, SQLITE_OK);
  g_assert_cmpint (raw_exec (db, pd_catalog_debug_migration_sql (1)), ==, SQLITE_OK);
  g_assert_cmpint (raw_exec (db,
                             "INSERT INTO cases (id, name, parties, dispute_type, created) VALUES"
                             " (1, '张三诉李四', '原告：张三；被告：李四', '民间借贷纠纷',"
                             " '2024-05-01T00:00:00Z');"
                             "INSERT INTO sessions (id, uuid, case_id, state, source, scenario,"
                             " started) VALUES"
                             " (1, '" UUID_A "', 1, 'stamped', 'x11:0', 'lending',"
                             " '2024-05-01T10:00:00.000Z'),"
                             " (2, '" UUID_B "', NULL, 'failed', 'screen', 'web-page',"
                             " '2024-05-02T10:00:00.000Z');"
                             "INSERT INTO marks (session, item, note) VALUES"
                             " (1, 'iou', '¥50,000 due 2025-06-30');"),
                   ==, SQLITE_OK);
  g_assert_cmpint (raw_int (db, "PRAGMA user_version"), ==, 1);
  sqlite3_close (db);

  catalog = pd_catalog_open (old, &error);
  g_assert_no_error (error);
  db = raw_open (old);
  g_assert_cmpint (raw_int (db, "PRAGMA user_version"), ==, 2);
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM pragma_table_info ('marks')"
                                " WHERE name = 'title'"), ==, 1);
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM session_search"), ==, 2);
  sqlite3_close (db);

  got = search_uuids (catalog, "张三", 0);
  g_assert_cmpstr (got, ==, "1");
  g_clear_pointer (&got, g_free);
  got = search_uuids (catalog, "50,000", 0);
  g_assert_cmpstr (got, ==, "1");
  g_clear_pointer (&got, g_free);
  got = search_uuids (catalog, "iou", 0);
  g_assert_cmpstr (got, ==, "1");
  g_clear_pointer (&got, g_free);
  got = search_uuids (catalog, "web-page", 0);
  g_assert_cmpstr (got, ==, "2");
  g_clear_pointer (&got, g_free);
  got = search_uuids (catalog, "", 0);
  g_assert_cmpstr (got, ==, "2 1");
  g_clear_pointer (&got, g_free);

  /* the old rows stay what they were, and new writes are indexed too */
  desc = pd_catalog_describe_session (catalog, UUID_A, &error);
  g_assert_no_error (error);
  create_session_at (catalog, UUID_C, "张三诉李四", "lending", "x11:0", 9);
  got = search_uuids (catalog, "张三", 0);
  g_assert_cmpstr (got, ==, "3 1");
  g_clear_pointer (&got, g_free);
  g_clear_object (&catalog);

  /* reopening does not index twice */
  catalog = pd_catalog_open (old, &error);
  g_assert_no_error (error);
  db = raw_open (old);
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM session_search"), ==, 3);
  sqlite3_close (db);
}

static void
test_batch (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) list = NULL;
  g_autofree char *got = NULL;

  g_assert_true (pd_catalog_begin_batch (f->catalog, &error));
  create_session (f->catalog, UUID_A, "Batch case");
  /* a failing call undoes only itself */
  g_assert_false (pd_catalog_session_create (f->catalog, UUID_A, "Batch case", NULL, NULL, NULL,
                                             NULL, &error));
  g_assert_error (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_EXISTS);
  g_clear_error (&error);
  create_session (f->catalog, UUID_B, "Batch case");
  g_assert_true (pd_catalog_end_batch (f->catalog, TRUE, &error));
  g_assert_no_error (error);
  list = pd_catalog_list_sessions (f->catalog, "Batch case", NULL, &error);
  g_assert_cmpuint (list->len, ==, 2);
  g_clear_pointer (&list, g_ptr_array_unref);
  g_assert_cmpuint (audit_rows (f->catalog), ==, 2);

  /* rolled back: no session, no audit row, nothing in the index */
  g_assert_true (pd_catalog_begin_batch (f->catalog, &error));
  create_session (f->catalog, UUID_C, "Rolled back");
  g_assert_true (pd_catalog_end_batch (f->catalog, FALSE, &error));
  g_assert_no_error (error);
  list = pd_catalog_list_sessions (f->catalog, NULL, NULL, &error);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_cmpuint (audit_rows (f->catalog), ==, 2);
  got = search_uuids (f->catalog, "Rolled", 0);
  g_assert_cmpstr (got, ==, "");
}

static void
test_cli_search (Fixture *f, gconstpointer data)
{
  g_autofree char *out = NULL;

  skip_without_proofctl ();
  if (g_getenv ("PROOFCTL") == NULL)
    return;
  search_fill (f->catalog);
  pd_catalog_session_set_state (f->catalog, UUID_B, PD_SESSION_STATE_FAILED, NULL, NULL);

  g_assert_cmpint (run_proofctl (&out, NULL, "list", "--search", "张三", "--catalog", f->path,
                                 NULL), ==, 0);
  g_assert_nonnull (strstr (out, UUID_A));
  g_assert_nonnull (strstr (out, UUID_B));
  g_assert_null (strstr (out, UUID_C));
  g_clear_pointer (&out, g_free);
  /* --state narrows the matches */
  g_assert_cmpint (run_proofctl (&out, NULL, "list", "--search", "50,000", "--json", "--catalog",
                                 f->path, NULL), ==, 0);
  g_assert_nonnull (strstr (out, UUID_A));
  g_assert_null (strstr (out, UUID_B));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_proofctl (&out, NULL, "list", "--search", "张三", "--state", "failed",
                                 "--catalog", f->path, NULL), ==, 0);
  g_assert_null (strstr (out, UUID_A));
  g_assert_nonnull (strstr (out, UUID_B));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_proofctl (&out, NULL, "list", "--search", "'; DROP TABLE sessions; --",
                                 "--catalog", f->path, NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_proofctl (&out, NULL, "list", "--catalog", f->path, NULL), ==, 0);
  g_assert_nonnull (strstr (out, UUID_E));
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);
  /* the practice TSA keeps its key under PROOFDESK_DATA_DIR: never the user's */
  data_dir = g_dir_make_tmp ("pd-catalog-data-XXXXXX", &error);
  g_assert_no_error (error);
  g_setenv ("PROOFDESK_DATA_DIR", data_dir, TRUE);
  pd_core_init (NULL, NULL);

#define CAT_TEST(path, fn) \
  g_test_add ("/core/catalog/" path, Fixture, NULL, fixture_setup, fn, fixture_teardown)

  CAT_TEST ("migrations", test_migrations);
  CAT_TEST ("pragmas", test_pragmas);
  CAT_TEST ("file-mode", test_file_mode);
  CAT_TEST ("hostile-names", test_hostile_names);
  CAT_TEST ("lifecycle", test_lifecycle);
  CAT_TEST ("record-package", test_record_package);
  CAT_TEST ("record-package/token-time", test_record_package_token_time);
  CAT_TEST ("list-filters", test_list_filters);
  CAT_TEST ("exports", test_exports);
  CAT_TEST ("audit/chain", test_audit_chain);
  CAT_TEST ("audit/triggers", test_audit_triggers);
  CAT_TEST ("audit/edited", test_audit_edited);
  CAT_TEST ("audit/deleted", test_audit_deleted);
  CAT_TEST ("audit/reordered", test_audit_reordered);
  CAT_TEST ("audit/stamp", test_audit_stamp);
  CAT_TEST ("cli/list-show", test_cli_list_show);
  CAT_TEST ("cli/audit", test_cli_audit);
  CAT_TEST ("cli/import", test_cli_import);
  CAT_TEST ("search", test_search);
  CAT_TEST ("search/hostile", test_search_hostile);
  CAT_TEST ("search/upgrade", test_search_upgrade);
  CAT_TEST ("batch", test_batch);
  CAT_TEST ("cli/search", test_cli_search);

  ret = g_test_run ();
  pd_test_rm_rf (data_dir);
  g_free (data_dir);
  return ret;
}
