/* pd-catalog-private.h — what the files of PdCatalog share: the object, the session record,
 * the SQL helpers and the functions they call across files. Only for src/core/catalog/. */
#pragma once

#include <json-glib/json-glib.h>
#include <sqlite3.h>

#include "catalog/pd-catalog.h"
#include "util/pd-private.h"
#include "util/pd-util.h"

G_BEGIN_DECLS

struct _PdCatalog
{
  GObject parent_instance;

  /* Owned references */
  sqlite3 *db;
  char    *path;
  char    *actor;

  guint    txn_depth;   /* nesting of txn_begin: 1 = BEGIN IMMEDIATE, deeper = SAVEPOINTs */
  gboolean in_batch;    /* pd_catalog_begin_batch() holds the outermost transaction */
  gboolean have_fts;    /* session_search (FTS5, trigram) exists and this SQLite can use it */
};

struct _PdCatalogSession
{
  gatomicrefcount ref_count;
  gint64     id;
  char      *uuid;
  char      *case_name;
  char      *parties;
  char      *dispute_type;
  char      *state;
  char      *state_reason;
  char      *source;
  char      *scenario;
  char      *package_path;
  char      *started_text;
  char      *stopped_text;
  char      *stamp_time_text;
  GDateTime *started;
  GDateTime *stopped;
  GDateTime *stamp_time;
  double     capture_time;
  char      *recording_sha256;
  gint64     recording_size;
  char      *manifest_sha256;
  gboolean   practice;
};

#define SESSION_SELECT                                                                       \
  "SELECT s.id, s.uuid, c.name, s.state, s.state_reason, s.source, s.scenario,"              \
  " s.package_path, s.started, s.stopped, s.capture_time, s.stamp_time, s.recording_sha256," \
  " s.recording_size, s.manifest_sha256, s.practice, c.parties, c.dispute_type"             \
  " FROM sessions s LEFT JOIN cases c ON c.id = s.case_id"

/* pd-catalog.c: errors, transactions and text checks */
gboolean          pd_catalog_sql_fail             (PdCatalog *self, GError **error);
/* Write transactions nest: the outermost is BEGIN IMMEDIATE, inner ones are savepoints. */
gboolean          pd_catalog_txn_begin            (PdCatalog *self, GError **error);
/* Commits when `ok`, else (or when COMMIT itself fails) rolls back; FALSE unless committed. */
gboolean          pd_catalog_txn_end              (PdCatalog *self, gboolean ok, GError **error);
gboolean          pd_catalog_check_utf8           (const char *what, const char *s, GError **error);

/* pd-catalog-search.c: the search index (write paths keep it in sync, not triggers) */
gboolean          pd_catalog_search_index_ensure  (PdCatalog *self, GError **error);
gboolean          pd_catalog_search_index_update  (PdCatalog *self, gint64 session, gint64 case_id,
                                                   GError **error);

/* pd-catalog-audit.c: the caller holds a transaction */
gboolean          pd_catalog_audit_append_object  (PdCatalog *self, const char *action,
                                                   const char *session_uuid, JsonObject *details,
                                                   GError **error);
PdAuditEntry     *pd_catalog_audit_entry_from_row (sqlite3_stmt *stmt);
gboolean          pd_catalog_audit_decode_hash    (const char *hex, guint8 digest[PD_SHA256_LEN],
                                                   GError **error);

/* pd-catalog-sessions.c: the *_locked ones expect the caller's transaction */
gboolean          pd_catalog_case_id_locked       (PdCatalog *self, const char *name,
                                                   const char *parties, const char *dispute_type,
                                                   gint64 *id, GError **error);
gboolean          pd_catalog_session_create_locked (PdCatalog *self, const char *uuid,
                                                    const char *case_name, const char *scenario,
                                                    const char *source, const char *package_path,
                                                    GDateTime *started, GError **error);
gboolean          pd_catalog_set_state_locked     (PdCatalog *self, const char *uuid,
                                                   const char *state, const char *reason,
                                                   GError **error);
PdCatalogSession *pd_catalog_session_by_uuid      (PdCatalog *self, const char *uuid,
                                                   GError **error);
gboolean          pd_catalog_session_row_id       (PdCatalog *self, const char *uuid, gint64 *id,
                                                   char **state, GError **error);
/* Steps `stmt` (a SESSION_SELECT) to the end: an array of PdCatalogSession*. */
GPtrArray        *pd_catalog_collect_sessions     (PdCatalog *self, sqlite3_stmt *stmt,
                                                   GError **error);

/* Small helpers, inline so that every file keeps their short names. */

/* "" and NULL both mean "none" in the catalog. */
static inline const char *
nonempty (const char *s)
{
  return s != NULL && *s != '\0' ? s : NULL;
}

static inline char *
now_utc (void)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();

  return pd_time_format_utc (now);
}
static inline void
json_set_string_or_null (JsonObject *o, const char *key, const char *value)
{
  if (value != NULL)
    json_object_set_string_member (o, key, value);
  else
    json_object_set_null_member (o, key);
}

static inline gboolean
exec (PdCatalog *self, const char *sql, GError **error)
{
  if (sqlite3_exec (self->db, sql, NULL, NULL, NULL) != SQLITE_OK)
    return pd_catalog_sql_fail (self, error);
  return TRUE;
}

static inline sqlite3_stmt *
prepare (PdCatalog *self, const char *sql, GError **error)
{
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      pd_catalog_sql_fail (self, error);
      return NULL;
    }
  return stmt;
}

static inline void
bind_text (sqlite3_stmt *stmt, int i, const char *value)
{
  if (value != NULL)
    sqlite3_bind_text (stmt, i, value, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, i);
}

static inline void
bind_int64_or_null (sqlite3_stmt *stmt, int i, gint64 value, gboolean is_set)
{
  if (is_set)
    sqlite3_bind_int64 (stmt, i, value);
  else
    sqlite3_bind_null (stmt, i);
}

/* Runs a statement that returns no rows. */
static inline gboolean
step_done (PdCatalog *self, sqlite3_stmt *stmt, GError **error)
{
  if (sqlite3_step (stmt) != SQLITE_DONE)
    return pd_catalog_sql_fail (self, error);
  return TRUE;
}

/* sqlite3_step for queries: TRUE with *has_row, or FALSE and an error. */
static inline gboolean
step_row (PdCatalog *self, sqlite3_stmt *stmt, gboolean *has_row, GError **error)
{
  int rc = sqlite3_step (stmt);

  *has_row = rc == SQLITE_ROW;
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return pd_catalog_sql_fail (self, error);
  return TRUE;
}

static inline char *
column_dup (sqlite3_stmt *stmt, int i)
{
  const unsigned char *text = sqlite3_column_text (stmt, i);

  return text ? g_strndup ((const char *) text, (gsize) sqlite3_column_bytes (stmt, i)) : NULL;
}

static inline gboolean
query_int (PdCatalog *self, const char *sql, gint64 *out, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = prepare (self, sql, error);
  gboolean has_row;

  if (stmt == NULL || !step_row (self, stmt, &has_row, error))
    return FALSE;
  *out = has_row ? sqlite3_column_int64 (stmt, 0) : 0;
  return TRUE;
}

G_END_DECLS
