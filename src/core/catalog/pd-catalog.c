/* pd-catalog.c — the catalog object, its SQL helpers, the schema, opening and migrating. */
#define G_LOG_DOMAIN "pd-catalog"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "catalog/pd-catalog-private.h"
#include "util/pd-error.h"
#include "util/pd-util.h"

#define BUSY_TIMEOUT_MS 10000

/* ------------------------------------------------------------------------------------------ */
/* Schema                                                                                     */

/* Migration N (1-based) takes a catalog from user_version N-1 to N. Each runs in its own
 * BEGIN IMMEDIATE transaction and ends by setting user_version itself (PRAGMA cannot take a
 * bound parameter, and SQL is never built with printf). Append new migrations; never edit an
 * old one. */
static const char *const migrations[] = {
  /* 1: everything */
  "CREATE TABLE cases ("
  "  id           INTEGER PRIMARY KEY,"
  "  name         TEXT NOT NULL UNIQUE,"
  "  parties      TEXT,"
  "  dispute_type TEXT,"
  "  created      TEXT NOT NULL"
  ");"
  "CREATE TABLE sessions ("
  "  id               INTEGER PRIMARY KEY,"
  "  uuid             TEXT NOT NULL UNIQUE,"
  "  case_id          INTEGER REFERENCES cases (id) ON DELETE RESTRICT,"
  "  state            TEXT NOT NULL DEFAULT 'created' CHECK (state IN ('created', 'recording',"
  "                     'sealing', 'stamped', 'awaiting-stamp', 'failed', 'recovered')),"
  "  state_reason     TEXT,"
  "  source           TEXT,"
  "  scenario         TEXT,"
  "  package_path     TEXT,"
  "  started          TEXT,"
  "  stopped          TEXT,"
  "  capture_time     REAL,"      /* seconds recorded */
  "  stamp_time       TEXT,"      /* genTime of the recording's token */
  "  recording_sha256 TEXT,"
  "  recording_size   INTEGER CHECK (recording_size IS NULL OR recording_size >= 0),"
  "  manifest_sha256  TEXT,"
  "  practice         INTEGER NOT NULL DEFAULT 0 CHECK (practice IN (0, 1))"
  ");"
  "CREATE INDEX sessions_case ON sessions (case_id);"
  "CREATE INDEX sessions_state ON sessions (state);"
  "CREATE TABLE files ("
  "  session INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,"
  "  name    TEXT NOT NULL,"
  "  size    INTEGER NOT NULL CHECK (size >= 0),"
  "  sha256  TEXT NOT NULL,"
  "  PRIMARY KEY (session, name)"
  ");"
  "CREATE TABLE tokens ("
  "  session  INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,"
  "  name     TEXT NOT NULL,"
  "  kind     TEXT NOT NULL CHECK (kind IN ('recording', 'manifest', 'checkpoint', 'audit')),"
  "  gen_time TEXT,"
  "  serial   TEXT,"
  "  tsa_name TEXT,"
  "  practice INTEGER NOT NULL DEFAULT 0 CHECK (practice IN (0, 1)),"
  "  PRIMARY KEY (session, name)"
  ");"
  "CREATE TABLE checkpoints ("
  "  session     INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,"
  "  idx         INTEGER NOT NULL,"
  "  offset      INTEGER NOT NULL CHECK (offset >= 0),"
  "  sha256      TEXT NOT NULL,"
  "  stream_time TEXT,"
  "  token       TEXT,"
  "  gen_time    TEXT,"
  "  PRIMARY KEY (session, idx)"
  ");"
  "CREATE TABLE marks ("
  "  id             INTEGER PRIMARY KEY,"
  "  session        INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,"
  "  item           TEXT NOT NULL,"
  "  stream_time_ns INTEGER,"
  "  wall_time      TEXT,"
  "  note           TEXT,"
  "  still          TEXT,"
  "  undone         INTEGER NOT NULL DEFAULT 0 CHECK (undone IN (0, 1))"
  ");"
  "CREATE INDEX marks_session ON marks (session);"
  "CREATE TABLE exports ("
  "  id          INTEGER PRIMARY KEY,"
  "  target_kind TEXT NOT NULL CHECK (target_kind IN ('folder', 'usb', 'iso', 'disc')),"
  "  target      TEXT NOT NULL,"
  "  label       TEXT,"
  "  time        TEXT NOT NULL,"
  "  result      TEXT NOT NULL"
  ");"
  "CREATE TABLE export_sessions ("
  "  export  INTEGER NOT NULL REFERENCES exports (id) ON DELETE CASCADE,"
  "  session INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,"
  "  PRIMARY KEY (export, session)"
  ");"
  "CREATE TABLE audit_log ("
  "  seq       INTEGER PRIMARY KEY CHECK (seq >= 1),"
  "  time      TEXT NOT NULL,"
  "  actor     TEXT NOT NULL,"
  "  action    TEXT NOT NULL,"
  "  session   TEXT,"
  "  details   TEXT NOT NULL,"
  "  prev_hash TEXT NOT NULL,"
  "  row_hash  TEXT NOT NULL"
  ");"
  "CREATE INDEX audit_log_session ON audit_log (session);"
  "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log"
  "  BEGIN SELECT RAISE (ABORT, 'audit_log is append-only'); END;"
  "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log"
  "  BEGIN SELECT RAISE (ABORT, 'audit_log is append-only'); END;"
  /* No foreign key to audit_log: a stamp must outlive a deleted row, so verify can say so. */
  "CREATE TABLE audit_stamps ("
  "  id       INTEGER PRIMARY KEY,"
  "  seq      INTEGER NOT NULL,"
  "  row_hash TEXT NOT NULL,"
  "  token    BLOB NOT NULL,"
  "  gen_time TEXT,"
  "  serial   TEXT,"
  "  tsa_name TEXT,"
  "  practice INTEGER NOT NULL DEFAULT 0,"
  "  time     TEXT NOT NULL"
  ");"
  "CREATE TRIGGER audit_stamps_no_update BEFORE UPDATE ON audit_stamps"
  "  BEGIN SELECT RAISE (ABORT, 'audit_stamps is append-only'); END;"
  "CREATE TRIGGER audit_stamps_no_delete BEFORE DELETE ON audit_stamps"
  "  BEGIN SELECT RAISE (ABORT, 'audit_stamps is append-only'); END;"
  "PRAGMA user_version = 1;",

  /* 2: mark titles (manifests carry them; search indexes them). The full-text index that
   * comes with schema 2 is made by pd_catalog_search_index_ensure() right after the
   * migrations: it needs FTS5, which a SQLite build may lack, and a catalog must open without
   * it. */
  "ALTER TABLE marks ADD COLUMN title TEXT;"
  "PRAGMA user_version = 2;",
};

G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == PD_CATALOG_SCHEMA_VERSION);

static const char *const session_states[] = {
  PD_SESSION_STATE_CREATED, PD_SESSION_STATE_RECORDING, PD_SESSION_STATE_SEALING,
  PD_SESSION_STATE_STAMPED, PD_SESSION_STATE_AWAITING_STAMP, PD_SESSION_STATE_FAILED,
  PD_SESSION_STATE_RECOVERED,
};

gboolean
pd_catalog_state_is_valid (const char *state)
{
  if (state == NULL)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (session_states); i++)
    if (g_str_equal (state, session_states[i]))
      return TRUE;
  return FALSE;
}

/* ------------------------------------------------------------------------------------------ */
/* The catalog object and SQL helpers                                                         */

G_DEFINE_FINAL_TYPE (PdCatalog, pd_catalog, G_TYPE_OBJECT)

static void
pd_catalog_finalize (GObject *object)
{
  PdCatalog *self = PD_CATALOG (object);

  g_clear_pointer (&self->db, sqlite3_close_v2);
  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->actor, g_free);
  G_OBJECT_CLASS (pd_catalog_parent_class)->finalize (object);
}

static void
pd_catalog_class_init (PdCatalogClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pd_catalog_finalize;
}

static void
pd_catalog_init (PdCatalog *self)
{
  self->actor = g_strdup (g_get_user_name ());
}

gboolean
pd_catalog_sql_fail (PdCatalog *self, GError **error)
{
  int code = sqlite3_extended_errcode (self->db);
  PdCatalogError e;

  switch (code & 0xff)
    {
    case SQLITE_CONSTRAINT:
      e = code == SQLITE_CONSTRAINT_UNIQUE || code == SQLITE_CONSTRAINT_PRIMARYKEY
            ? PD_CATALOG_ERROR_EXISTS : PD_CATALOG_ERROR_CONSTRAINT;
      break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      e = PD_CATALOG_ERROR_BUSY;
      break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      e = PD_CATALOG_ERROR_CORRUPT;
      break;
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_PERM:
      e = PD_CATALOG_ERROR_IO;
      break;
    default:
      e = PD_CATALOG_ERROR_SQL;
      break;
    }
  g_set_error (error, PD_CATALOG_ERROR, e, _("Catalog database error: %s"),
               sqlite3_errmsg (self->db));
  return FALSE;
}

/* Write transactions nest: the outermost is BEGIN IMMEDIATE (take the write lock before
 * reading what will be written, so two processes cannot both read the same audit head),
 * inner ones are savepoints, so public functions compose into one atomic change. */
static const char *const savepoint_begin[] = { "SAVEPOINT pd1", "SAVEPOINT pd2", "SAVEPOINT pd3",
                                               "SAVEPOINT pd4" };
static const char *const savepoint_release[] = { "RELEASE pd1", "RELEASE pd2", "RELEASE pd3",
                                                 "RELEASE pd4" };
static const char *const savepoint_rollback[] = { "ROLLBACK TO pd1; RELEASE pd1",
                                                  "ROLLBACK TO pd2; RELEASE pd2",
                                                  "ROLLBACK TO pd3; RELEASE pd3",
                                                  "ROLLBACK TO pd4; RELEASE pd4" };

gboolean
pd_catalog_txn_begin (PdCatalog *self, GError **error)
{
  const char *sql;

  if (self->txn_depth == 0)
    sql = "BEGIN IMMEDIATE";
  else if (self->txn_depth - 1 < G_N_ELEMENTS (savepoint_begin))
    sql = savepoint_begin[self->txn_depth - 1];
  else
    {
      g_set_error_literal (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_SQL,
                           "catalog transactions nested too deeply");
      return FALSE;
    }
  if (!exec (self, sql, error))
    return FALSE;
  self->txn_depth++;
  return TRUE;
}

static gboolean
txn_commit (PdCatalog *self, GError **error)
{
  g_assert (self->txn_depth > 0);
  if (!exec (self, self->txn_depth == 1 ? "COMMIT" : savepoint_release[self->txn_depth - 2],
             error))
    return FALSE;
  self->txn_depth--;
  return TRUE;
}

static void
txn_rollback (PdCatalog *self)
{
  g_assert (self->txn_depth > 0);
  sqlite3_exec (self->db,
                self->txn_depth == 1 ? "ROLLBACK" : savepoint_rollback[self->txn_depth - 2],
                NULL, NULL, NULL);
  self->txn_depth--;
}

/* Ends a transaction begun with pd_catalog_txn_begin: commits when `ok`, else (or when COMMIT
 * itself fails, which leaves the transaction open) rolls back. */
gboolean
pd_catalog_txn_end (PdCatalog *self, gboolean ok, GError **error)
{
  if (ok && txn_commit (self, error))
    return TRUE;
  txn_rollback (self);
  return FALSE;
}

gboolean
pd_catalog_check_utf8 (const char *what, const char *s, GError **error)
{
  if (s == NULL || g_utf8_validate (s, -1, NULL))
    return TRUE;
  g_set_error (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_INVALID,
               _("The %s is not valid UTF-8 text."), what);
  return FALSE;
}

gboolean
pd_catalog_begin_batch (PdCatalog *self, GError **error)
{
  g_return_val_if_fail (PD_IS_CATALOG (self), FALSE);
  g_return_val_if_fail (!self->in_batch, FALSE);

  if (!pd_catalog_txn_begin (self, error))
    return FALSE;
  self->in_batch = TRUE;
  return TRUE;
}

gboolean
pd_catalog_end_batch (PdCatalog *self, gboolean commit, GError **error)
{
  g_return_val_if_fail (PD_IS_CATALOG (self), FALSE);
  g_return_val_if_fail (self->in_batch && self->txn_depth == 1, FALSE);

  self->in_batch = FALSE;
  if (!commit)
    {
      txn_rollback (self);
      return TRUE;
    }
  return pd_catalog_txn_end (self, TRUE, error);
}

/* ------------------------------------------------------------------------------------------ */
/* Opening and migrations                                                                     */

char *
pd_catalog_default_path (void)
{
  g_autofree char *dir = pd_data_dir ();

  return g_build_filename (dir, PD_CATALOG_FILE_NAME, NULL);
}

static gboolean
migrate (PdCatalog *self, GError **error)
{
  gint64 version;

  if (!query_int (self, "PRAGMA user_version", &version, error))
    return FALSE;
  while (version < (gint64) G_N_ELEMENTS (migrations))
    {
      gboolean ok;

      if (!pd_catalog_txn_begin (self, error))
        return FALSE;
      /* another process may have migrated while we waited for the write lock */
      ok = query_int (self, "PRAGMA user_version", &version, error);
      if (ok && version >= 0 && version < (gint64) G_N_ELEMENTS (migrations))
        {
          g_debug ("migrating %s to schema %" G_GINT64_FORMAT, self->path, version + 1);
          ok = exec (self, migrations[version], error);
        }
      if (!pd_catalog_txn_end (self, ok, error))
        return FALSE;
      if (!query_int (self, "PRAGMA user_version", &version, error))
        return FALSE;
    }
  if (version > (gint64) G_N_ELEMENTS (migrations))
    {
      g_set_error (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_VERSION,
                   _("The catalog “%s” was written by a newer Proofdesk (schema %d, this one "
                     "knows %d)."),
                   self->path, (int) version, (int) G_N_ELEMENTS (migrations));
      return FALSE;
    }
  return TRUE;
}

/* Creates the file with mode 0600 before SQLite does (SQLite would use 0644 & ~umask); the
 * -wal and -shm files SQLite makes later copy the database file's mode. */
static gboolean
create_private_file (const char *path, GError **error)
{
  int fd = g_open (path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);

  if (fd < 0)
    {
      int saved = errno;

      if (saved == EEXIST)
        return TRUE;
      g_set_error (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_IO,
                   _("Cannot create the catalog “%s”: %s"), path, g_strerror (saved));
      return FALSE;
    }
  g_close (fd, NULL);
  return TRUE;
}

PdCatalog *
pd_catalog_open (const char *path, GError **error)
{
  g_autoptr (PdCatalog) self = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *mode = NULL;
  int rc;

  self = g_object_new (PD_TYPE_CATALOG, NULL);
  self->path = path ? g_strdup (path) : pd_catalog_default_path ();
  dir = g_path_get_dirname (self->path);

  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_autoptr (GError) local = NULL;

      if (!pd_mkdir_private (dir, &local))
        {
          g_set_error (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_IO,
                       _("Cannot create the catalog folder: %s"), local->message);
          return NULL;
        }
    }
  if (!create_private_file (self->path, error))
    return NULL;

  rc = sqlite3_open_v2 (self->path, &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX,
                        NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_IO,
                   _("Cannot open the catalog “%s”: %s"), self->path,
                   self->db ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc));
      return NULL;
    }
  sqlite3_extended_result_codes (self->db, 1);
  sqlite3_busy_timeout (self->db, BUSY_TIMEOUT_MS);
  /* a catalog file is data, not code: no schema tricks, no functions from triggers/views */
  sqlite3_db_config (self->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
  sqlite3_db_config (self->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
  sqlite3_db_config (self->db, SQLITE_DBCONFIG_ENABLE_FKEY, 1, NULL);

  if (!exec (self, "PRAGMA foreign_keys = ON", error) ||
      !exec (self, "PRAGMA synchronous = FULL", error) ||
      /* up to 32 MiB of pages (default 2): a search or a listing of a large catalog then
       * reads the index and the sessions it finds from memory, not with a pread each */
      !exec (self, "PRAGMA cache_size = -32768", error))
    return NULL;
  {
    g_autoptr (sqlite3_stmt) stmt = prepare (self, "PRAGMA journal_mode = WAL", error);
    gboolean has_row;

    if (stmt == NULL || !step_row (self, stmt, &has_row, error))
      return NULL;
    mode = has_row ? column_dup (stmt, 0) : NULL;
  }
  if (g_strcmp0 (mode, "wal") != 0)
    g_debug ("catalog %s: journal mode %s, not WAL", self->path, mode ? mode : "?");

  if (!migrate (self, error) || !pd_catalog_search_index_ensure (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

const char *
pd_catalog_get_path (PdCatalog *self)
{
  g_return_val_if_fail (PD_IS_CATALOG (self), NULL);
  return self->path;
}

void
pd_catalog_set_actor (PdCatalog *self, const char *actor)
{
  g_return_if_fail (PD_IS_CATALOG (self));
  g_free (self->actor);
  self->actor = g_strdup (nonempty (actor) ? actor : g_get_user_name ());
}

const char *
pd_catalog_get_actor (PdCatalog *self)
{
  g_return_val_if_fail (PD_IS_CATALOG (self), NULL);
  return self->actor;
}

JsonNode *
pd_catalog_get_info (PdCatalog *self, GError **error)
{
  static const struct
  {
    const char *member;
    const char *sql;
  } ints[] = {
    { "schema_version", "PRAGMA user_version" },
    { "foreign_keys", "PRAGMA foreign_keys" },
    { "cases", "SELECT count(*) FROM cases" },
    { "sessions", "SELECT count(*) FROM sessions" },
    { "audit_rows", "SELECT count(*) FROM audit_log" },
    { "audit_stamps", "SELECT count(*) FROM audit_stamps" },
  };
  g_autoptr (JsonObject) o = json_object_new ();
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autofree char *mode = NULL;
  JsonNode *node;
  gboolean has_row;

  g_return_val_if_fail (PD_IS_CATALOG (self), NULL);

  json_object_set_string_member (o, "path", self->path);
  json_object_set_string_member (o, "sqlite_version", sqlite3_libversion ());
  for (guint i = 0; i < G_N_ELEMENTS (ints); i++)
    {
      gint64 value;

      if (!query_int (self, ints[i].sql, &value, error))
        return NULL;
      json_object_set_int_member (o, ints[i].member, value);
    }
  stmt = prepare (self, "PRAGMA journal_mode", error);
  if (stmt == NULL || !step_row (self, stmt, &has_row, error))
    return NULL;
  mode = has_row ? column_dup (stmt, 0) : NULL;
  json_set_string_or_null (o, "journal_mode", mode);
  json_object_set_string_member (o, "search", self->have_fts ? "fts5-trigram" : "like");
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, o);
  return node;
}

const char *
pd_catalog_debug_migration_sql (guint version)
{
  g_return_val_if_fail (version >= 1 && version <= G_N_ELEMENTS (migrations), NULL);
  return migrations[version - 1];
}
