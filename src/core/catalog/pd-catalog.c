/* pd-catalog.c — the SQLite catalog of cases and sessions, with an append-only, hash-chained audit log. */
#define G_LOG_DOMAIN "pd-catalog"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "catalog/pd-catalog.h"
#include "util/pd-error.h"
#include "evidence/pd-package.h"
#include "util/pd-private.h"
#include "timestamp/pd-tsa.h"
#include "util/pd-util.h"
#include "verify/pd-verify.h"

/* Token files larger than this are not tokens; do not read them into memory. */
#define MAX_TOKEN_SIZE    (1024 * 1024)
#define MAX_MANIFEST_SIZE (64 * 1024 * 1024)
#define BUSY_TIMEOUT_MS   10000

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
   * comes with schema 2 is made by search_index_ensure() right after the migrations: it needs
   * FTS5, which a SQLite build may lack, and a catalog must open without it. */
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

/* "" and NULL both mean "none" in the catalog. */
static const char *
nonempty (const char *s)
{
  return s != NULL && *s != '\0' ? s : NULL;
}

static char *
now_utc (void)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();

  return pd_time_format_utc (now);
}

/* ------------------------------------------------------------------------------------------ */
/* Session records                                                                            */

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

G_DEFINE_BOXED_TYPE (PdCatalogSession, pd_catalog_session, pd_catalog_session_ref,
                     pd_catalog_session_unref)

PdCatalogSession *
pd_catalog_session_ref (PdCatalogSession *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
pd_catalog_session_unref (PdCatalogSession *self)
{
  g_return_if_fail (self != NULL);
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_free (self->uuid);
  g_free (self->case_name);
  g_free (self->parties);
  g_free (self->dispute_type);
  g_free (self->state);
  g_free (self->state_reason);
  g_free (self->source);
  g_free (self->scenario);
  g_free (self->package_path);
  g_free (self->started_text);
  g_free (self->stopped_text);
  g_free (self->stamp_time_text);
  g_clear_pointer (&self->started, g_date_time_unref);
  g_clear_pointer (&self->stopped, g_date_time_unref);
  g_clear_pointer (&self->stamp_time, g_date_time_unref);
  g_free (self->recording_sha256);
  g_free (self->manifest_sha256);
  g_free (self);
}

#define GETTER(type, name, field, fallback)                       \
  type pd_catalog_session_get_##name (PdCatalogSession *self)    \
  {                                                               \
    g_return_val_if_fail (self != NULL, fallback);                \
    return self->field;                                           \
  }

GETTER (gint64, id, id, 0)
GETTER (const char *, uuid, uuid, NULL)
GETTER (const char *, case_name, case_name, NULL)
GETTER (const char *, parties, parties, NULL)
GETTER (const char *, dispute_type, dispute_type, NULL)
GETTER (const char *, state, state, NULL)
GETTER (const char *, state_reason, state_reason, NULL)
GETTER (const char *, source, source, NULL)
GETTER (const char *, scenario, scenario, NULL)
GETTER (const char *, package_path, package_path, NULL)
GETTER (GDateTime *, started, started, NULL)
GETTER (GDateTime *, stopped, stopped, NULL)
GETTER (GDateTime *, stamp_time, stamp_time, NULL)
GETTER (double, capture_time, capture_time, -1)
GETTER (const char *, recording_sha256, recording_sha256, NULL)
GETTER (gint64, recording_size, recording_size, -1)
GETTER (const char *, manifest_sha256, manifest_sha256, NULL)
GETTER (gboolean, practice, practice, FALSE)

#undef GETTER

static void
json_set_string_or_null (JsonObject *o, const char *key, const char *value)
{
  if (value != NULL)
    json_object_set_string_member (o, key, value);
  else
    json_object_set_null_member (o, key);
}

JsonNode *
pd_catalog_session_to_json (PdCatalogSession *self)
{
  JsonObject *o;
  JsonNode *node;

  g_return_val_if_fail (self != NULL, NULL);

  o = json_object_new ();
  json_object_set_int_member (o, "id", self->id);
  json_object_set_string_member (o, "uuid", self->uuid);
  json_set_string_or_null (o, "case", self->case_name);
  json_set_string_or_null (o, "parties", self->parties);
  json_set_string_or_null (o, "dispute_type", self->dispute_type);
  json_object_set_string_member (o, "state", self->state);
  json_set_string_or_null (o, "state_reason", self->state_reason);
  json_set_string_or_null (o, "source", self->source);
  json_set_string_or_null (o, "scenario", self->scenario);
  json_set_string_or_null (o, "package_path", self->package_path);
  json_set_string_or_null (o, "started", self->started_text);
  json_set_string_or_null (o, "stopped", self->stopped_text);
  if (self->capture_time >= 0)
    json_object_set_double_member (o, "capture_time", self->capture_time);
  else
    json_object_set_null_member (o, "capture_time");
  json_set_string_or_null (o, "stamp_time", self->stamp_time_text);
  json_set_string_or_null (o, "recording_sha256", self->recording_sha256);
  if (self->recording_size >= 0)
    json_object_set_int_member (o, "recording_size", self->recording_size);
  else
    json_object_set_null_member (o, "recording_size");
  json_set_string_or_null (o, "manifest_sha256", self->manifest_sha256);
  json_object_set_boolean_member (o, "practice", self->practice);

  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, o);
  return node;
}

/* ------------------------------------------------------------------------------------------ */
/* Audit entries and reports                                                                  */

PdAuditEntry *
pd_audit_entry_copy (const PdAuditEntry *entry)
{
  PdAuditEntry *copy;

  g_return_val_if_fail (entry != NULL, NULL);
  copy = g_new0 (PdAuditEntry, 1);
  copy->seq = entry->seq;
  copy->time = g_strdup (entry->time);
  copy->actor = g_strdup (entry->actor);
  copy->action = g_strdup (entry->action);
  copy->session = g_strdup (entry->session);
  copy->details = g_strdup (entry->details);
  copy->prev_hash = g_strdup (entry->prev_hash);
  copy->row_hash = g_strdup (entry->row_hash);
  return copy;
}

void
pd_audit_entry_free (PdAuditEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->time);
  g_free (entry->actor);
  g_free (entry->action);
  g_free (entry->session);
  g_free (entry->details);
  g_free (entry->prev_hash);
  g_free (entry->row_hash);
  g_free (entry);
}

G_DEFINE_BOXED_TYPE (PdAuditEntry, pd_audit_entry, pd_audit_entry_copy, pd_audit_entry_free)

static void
append_netstring (GString *out, const char *s)
{
  gsize len = s ? strlen (s) : 0;

  g_string_append_printf (out, "%" G_GSIZE_FORMAT ":", len);
  g_string_append_len (out, s ? s : "", (gssize) len);
  g_string_append_c (out, ',');
}

/* The row hash. So that anyone can recompute it without this code:
 *
 *   row_hash = lowercase hex of SHA-256( NS("proofdesk-audit-1") ‖ NS(seq) ‖ NS(time) ‖
 *                                        NS(actor) ‖ NS(action) ‖ NS(session) ‖
 *                                        NS(details) ‖ NS(prev_hash) )
 *
 * where NS(x) is a netstring: the length of x in bytes as ASCII decimal, ':', the UTF-8 bytes
 * of x exactly as stored in the audit_log column, ','. seq is ASCII decimal with no sign or
 * leading zeros; a NULL session is the empty string (append stores "" as NULL, so they cannot
 * differ); prev_hash is the previous row's row_hash (lowercase hex), 64 '0's for seq 1.
 * In Python:
 *
 *   ns = lambda b: b"%d:%s," % (len(b), b)
 *   for seq, t, a, act, s, d, p, h in db.execute("SELECT seq, time, actor, action, session,"
 *           " details, prev_hash, row_hash FROM audit_log ORDER BY seq"):
 *       f = [b"proofdesk-audit-1", str(seq).encode(), t.encode(), a.encode(), act.encode(),
 *            (s or "").encode(), d.encode(), p.encode()]
 *       assert hashlib.sha256(b"".join(map(ns, f))).hexdigest() == h
 *
 * A timestamp over a row (audit_stamps) uses the 32 bytes of row_hash as the SHA-256 message
 * imprint, so `openssl ts -verify -digest ROW_HASH -in token.tsr -CAfile …` checks it. */
char *
pd_audit_entry_compute_hash (const PdAuditEntry *entry)
{
  g_autoptr (GString) buf = g_string_new (NULL);
  char seq[32];

  g_return_val_if_fail (entry != NULL, NULL);

  g_snprintf (seq, sizeof seq, "%" G_GINT64_FORMAT, entry->seq);
  append_netstring (buf, "proofdesk-audit-1");
  append_netstring (buf, seq);
  append_netstring (buf, entry->time);
  append_netstring (buf, entry->actor);
  append_netstring (buf, entry->action);
  append_netstring (buf, entry->session);
  append_netstring (buf, entry->details);
  append_netstring (buf, entry->prev_hash);
  return pd_sha256_bytes ((const guint8 *) buf->str, buf->len);
}

JsonNode *
pd_audit_entry_to_json (const PdAuditEntry *entry)
{
  JsonObject *o = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr (JsonParser) parser = json_parser_new ();

  g_return_val_if_fail (entry != NULL, NULL);
  json_object_set_int_member (o, "seq", entry->seq);
  json_object_set_string_member (o, "time", entry->time);
  json_object_set_string_member (o, "actor", entry->actor);
  json_object_set_string_member (o, "action", entry->action);
  json_set_string_or_null (o, "session", entry->session);
  /* details as the object it is; the exact stored text is what is hashed, so keep that too */
  if (entry->details && json_parser_load_from_data (parser, entry->details, -1, NULL) &&
      json_parser_get_root (parser) != NULL)
    json_object_set_member (o, "details", json_node_copy (json_parser_get_root (parser)));
  else
    json_object_set_null_member (o, "details");
  json_set_string_or_null (o, "details_text", entry->details);
  json_object_set_string_member (o, "prev_hash", entry->prev_hash);
  json_object_set_string_member (o, "row_hash", entry->row_hash);
  json_node_take_object (node, o);
  return node;
}

struct _PdAuditReport
{
  gatomicrefcount ref_count;
  GPtrArray *problems;   /* of PdAuditProblem* */
  guint      n_rows;
  guint      n_stamps;
  guint      n_stamps_trusted;
  gint64     head_seq;
  char      *head_hash;
  gint64     stamped_seq;
  gboolean   trust_checked;
};

static void
audit_problem_free (PdAuditProblem *p)
{
  g_free (p->kind);
  g_free (p->message);
  g_free (p);
}

G_DEFINE_BOXED_TYPE (PdAuditReport, pd_audit_report, pd_audit_report_ref, pd_audit_report_unref)

PdAuditReport *
pd_audit_report_ref (PdAuditReport *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
pd_audit_report_unref (PdAuditReport *self)
{
  g_return_if_fail (self != NULL);
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_ptr_array_unref (self->problems);
  g_free (self->head_hash);
  g_free (self);
}

static PdAuditReport *
audit_report_new (void)
{
  PdAuditReport *self = g_new0 (PdAuditReport, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->problems = g_ptr_array_new_with_free_func ((GDestroyNotify) audit_problem_free);
  return self;
}

static void audit_report_add (PdAuditReport *self, const char *kind, gint64 seq,
                              const char *format, ...) G_GNUC_PRINTF (4, 5);

static void
audit_report_add (PdAuditReport *self, const char *kind, gint64 seq, const char *format, ...)
{
  PdAuditProblem *p = g_new0 (PdAuditProblem, 1);
  va_list args;

  va_start (args, format);
  p->message = g_strdup_vprintf (format, args);
  va_end (args);
  p->kind = g_strdup (kind);
  p->seq = seq;
  g_ptr_array_add (self->problems, p);
}

gboolean
pd_audit_report_get_ok (PdAuditReport *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->problems->len == 0;
}

GPtrArray *
pd_audit_report_get_problems (PdAuditReport *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->problems;
}

const PdAuditProblem *
pd_audit_report_find_problem (PdAuditReport *self, const char *kind, gint64 seq)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (kind != NULL, NULL);
  for (guint i = 0; i < self->problems->len; i++)
    {
      const PdAuditProblem *p = g_ptr_array_index (self->problems, i);

      if (g_str_equal (p->kind, kind) && (seq == 0 || p->seq == seq))
        return p;
    }
  return NULL;
}

guint
pd_audit_report_get_n_rows (PdAuditReport *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_rows;
}

guint
pd_audit_report_get_n_stamps (PdAuditReport *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_stamps;
}

guint
pd_audit_report_get_n_stamps_trusted (PdAuditReport *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_stamps_trusted;
}

gint64
pd_audit_report_get_head_seq (PdAuditReport *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->head_seq;
}

const char *
pd_audit_report_get_head_hash (PdAuditReport *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->head_hash;
}

gint64
pd_audit_report_get_stamped_seq (PdAuditReport *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->stamped_seq;
}

JsonNode *
pd_audit_report_to_json (PdAuditReport *self)
{
  JsonObject *o = json_object_new ();
  JsonArray *problems = json_array_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  g_return_val_if_fail (self != NULL, NULL);

  json_object_set_boolean_member (o, "ok", pd_audit_report_get_ok (self));
  json_object_set_int_member (o, "rows", self->n_rows);
  json_object_set_int_member (o, "head_seq", self->head_seq);
  json_set_string_or_null (o, "head_hash", self->head_hash);
  json_object_set_int_member (o, "stamps", self->n_stamps);
  json_object_set_int_member (o, "stamps_trusted", self->n_stamps_trusted);
  json_object_set_boolean_member (o, "signatures_checked", self->trust_checked);
  json_object_set_int_member (o, "stamped_seq", self->stamped_seq);
  for (guint i = 0; i < self->problems->len; i++)
    {
      const PdAuditProblem *p = g_ptr_array_index (self->problems, i);
      JsonObject *po = json_object_new ();

      json_object_set_string_member (po, "kind", p->kind);
      json_object_set_int_member (po, "seq", p->seq);
      json_object_set_string_member (po, "message", p->message);
      json_array_add_object_element (problems, po);
    }
  json_object_set_array_member (o, "problems", problems);
  json_node_take_object (node, o);
  return node;
}

/* ------------------------------------------------------------------------------------------ */
/* The catalog object and SQL helpers                                                         */

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

static gboolean
sql_fail (PdCatalog *self, GError **error)
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

static gboolean
exec (PdCatalog *self, const char *sql, GError **error)
{
  if (sqlite3_exec (self->db, sql, NULL, NULL, NULL) != SQLITE_OK)
    return sql_fail (self, error);
  return TRUE;
}

static sqlite3_stmt *
prepare (PdCatalog *self, const char *sql, GError **error)
{
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      sql_fail (self, error);
      return NULL;
    }
  return stmt;
}

static void
bind_text (sqlite3_stmt *stmt, int i, const char *value)
{
  if (value != NULL)
    sqlite3_bind_text (stmt, i, value, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, i);
}

static void
bind_int64_or_null (sqlite3_stmt *stmt, int i, gint64 value, gboolean is_set)
{
  if (is_set)
    sqlite3_bind_int64 (stmt, i, value);
  else
    sqlite3_bind_null (stmt, i);
}

/* Runs a statement that returns no rows. */
static gboolean
step_done (PdCatalog *self, sqlite3_stmt *stmt, GError **error)
{
  if (sqlite3_step (stmt) != SQLITE_DONE)
    return sql_fail (self, error);
  return TRUE;
}

/* sqlite3_step for queries: TRUE with *has_row, or FALSE and an error. */
static gboolean
step_row (PdCatalog *self, sqlite3_stmt *stmt, gboolean *has_row, GError **error)
{
  int rc = sqlite3_step (stmt);

  *has_row = rc == SQLITE_ROW;
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return sql_fail (self, error);
  return TRUE;
}

static char *
column_dup (sqlite3_stmt *stmt, int i)
{
  const unsigned char *text = sqlite3_column_text (stmt, i);

  return text ? g_strndup ((const char *) text, (gsize) sqlite3_column_bytes (stmt, i)) : NULL;
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

static gboolean
txn_begin (PdCatalog *self, GError **error)
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

/* Ends a transaction begun with txn_begin: commits when `ok`, else (or when COMMIT itself
 * fails, which leaves the transaction open) rolls back. */
static gboolean
txn_end (PdCatalog *self, gboolean ok, GError **error)
{
  if (ok && txn_commit (self, error))
    return TRUE;
  txn_rollback (self);
  return FALSE;
}

/* ------------------------------------------------------------------------------------------ */
/* Search index                                                                               */

/* What search sees of a session `s` (LEFT JOINed to its case `c`): one text per session, the
 * fields on lines of their own so that no substring spans two of them by accident, and two
 * newlines at the end so that every character starts a trigram (search_expand_short). Undone
 * marks are left out; a mark from a v1 catalog (no title) is found by its checklist item. */
#define SEARCH_BODY                                                                          \
  "coalesce (c.name, '') || char (10) || coalesce (c.parties, '') || char (10) ||"           \
  " coalesce (c.dispute_type, '') || char (10) || coalesce (s.scenario, '') || char (10) ||" \
  " coalesce (s.source, '') || char (10) || coalesce ((SELECT group_concat ("               \
  "   coalesce (m.title, m.item) || ' ' || coalesce (m.note, ''), char (10))"                \
  "   FROM marks m WHERE m.session = s.id AND m.undone = 0), '') || char (10, 10)"

/* Words shorter than this cannot use the trigram index. */
#define SEARCH_TRIGRAM_MIN 3
/* A longer query is refused (LIKE patterns are limited to 50 000 bytes by default). */
#define SEARCH_MAX_QUERY   (16 * 1024)

/* The trigram tokenizer is in FTS5 since SQLite 3.34. Debian's libsqlite3 has both; a build
 * without them searches with LIKE (slower, same results). */
static gboolean
search_fts_available (void)
{
  return sqlite3_libversion_number () >= 3034000 && sqlite3_compileoption_used ("ENABLE_FTS5");
}

static gboolean
search_index_exists (PdCatalog *self, gboolean *exists, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = prepare (self, "SELECT count(*) FROM sqlite_master"
                                                 " WHERE type = 'table' AND name = 'session_search'",
                                           error);
  gboolean has_row;

  if (stmt == NULL || !step_row (self, stmt, &has_row, error))
    return FALSE;
  *exists = has_row && sqlite3_column_int64 (stmt, 0) > 0;
  return TRUE;
}

/* Creates session_search and indexes every session, unless it is there already. Runs at
 * every open, so a catalog migrated by a build without FTS5 gets its index the first time a
 * build with FTS5 opens it. (Sessions such a build adds after the index exists are not in it
 * until it is rebuilt; Debian's SQLite always has FTS5.) Kept in sync by the write paths
 * below, not by triggers: with SQLITE_DBCONFIG_TRUSTED_SCHEMA off a trigger may not write to
 * a virtual table ("unsafe use of virtual table"). */
static gboolean
search_index_ensure (PdCatalog *self, GError **error)
{
  gboolean exists = FALSE;
  gboolean ok;

  self->have_fts = FALSE;
  if (!search_fts_available ())
    {
      g_debug ("catalog %s: no FTS5 trigram tokenizer in SQLite %s, searching with LIKE",
               self->path, sqlite3_libversion ());
      return TRUE;
    }
  /* read first: opening must not take the write lock when there is nothing to do */
  if (!search_index_exists (self, &exists, error))
    return FALSE;
  if (!exists)
    {
      if (!txn_begin (self, error))
        return FALSE;
      ok = search_index_exists (self, &exists, error);
      if (ok && !exists)
        {
          g_debug ("catalog %s: building the search index", self->path);
          ok = exec (self, "CREATE VIRTUAL TABLE session_search USING fts5 (body,"
                           " tokenize = 'trigram', detail = full, columnsize = 0);"
                           "INSERT INTO session_search (rowid, body) SELECT s.id, " SEARCH_BODY
                           " FROM sessions s LEFT JOIN cases c ON c.id = s.case_id",
                     error);
        }
      if (!txn_end (self, ok, error))
        return FALSE;
    }
  /* this connection's list of indexed trigrams, for words shorter than one */
  if (!exec (self, "CREATE VIRTUAL TABLE IF NOT EXISTS temp.session_search_terms"
                   " USING fts5vocab (main, session_search, 'row')", error))
    return FALSE;
  self->have_fts = TRUE;
  return TRUE;
}

/* Re-indexes one session (`session` > 0) or every session of one case (`case_id` > 0); the
 * caller holds the transaction that changed them. */
static gboolean
search_index_update (PdCatalog *self, gint64 session, gint64 case_id, GError **error)
{
  static const char *const by_session[] = {
    "DELETE FROM session_search WHERE rowid = ?1",
    "INSERT INTO session_search (rowid, body) SELECT s.id, " SEARCH_BODY
    " FROM sessions s LEFT JOIN cases c ON c.id = s.case_id WHERE s.id = ?1",
  };
  static const char *const by_case[] = {
    "DELETE FROM session_search WHERE rowid IN (SELECT id FROM sessions WHERE case_id = ?1)",
    "INSERT INTO session_search (rowid, body) SELECT s.id, " SEARCH_BODY
    " FROM sessions s LEFT JOIN cases c ON c.id = s.case_id WHERE s.case_id = ?1",
  };
  const char *const *sql = session > 0 ? by_session : by_case;

  g_assert (self->txn_depth > 0);
  if (!self->have_fts)
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (by_session); i++)
    {
      g_autoptr (sqlite3_stmt) stmt = prepare (self, sql[i], error);

      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, session > 0 ? session : case_id);
      if (!step_done (self, stmt, error))
        return FALSE;
    }
  return TRUE;
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
query_int (PdCatalog *self, const char *sql, gint64 *out, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = prepare (self, sql, error);
  gboolean has_row;

  if (stmt == NULL || !step_row (self, stmt, &has_row, error))
    return FALSE;
  *out = has_row ? sqlite3_column_int64 (stmt, 0) : 0;
  return TRUE;
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

      if (!txn_begin (self, error))
        return FALSE;
      /* another process may have migrated while we waited for the write lock */
      ok = query_int (self, "PRAGMA user_version", &version, error);
      if (ok && version >= 0 && version < (gint64) G_N_ELEMENTS (migrations))
        {
          g_debug ("migrating %s to schema %" G_GINT64_FORMAT, self->path, version + 1);
          ok = exec (self, migrations[version], error);
        }
      if (!txn_end (self, ok, error))
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

  if (!migrate (self, error) || !search_index_ensure (self, error))
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

/* ------------------------------------------------------------------------------------------ */
/* Audit log                                                                                  */

static gboolean
check_utf8 (const char *what, const char *s, GError **error)
{
  if (s == NULL || g_utf8_validate (s, -1, NULL))
    return TRUE;
  g_set_error (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_INVALID,
               _("The %s is not valid UTF-8 text."), what);
  return FALSE;
}

/* Appends one row; the caller holds a transaction. */
static gboolean
audit_append_locked (PdCatalog *self, const char *actor, const char *action,
                     const char *session_uuid, const char *details_json, GError **error)
{
  g_autoptr (sqlite3_stmt) head = NULL;
  g_autoptr (sqlite3_stmt) insert = NULL;
  PdAuditEntry entry = { 0 };
  g_autofree char *prev = NULL;
  g_autofree char *time = now_utc ();
  g_autofree char *hash = NULL;
  gboolean has_row;

  g_assert (self->txn_depth > 0);

  head = prepare (self, "SELECT seq, row_hash FROM audit_log ORDER BY seq DESC LIMIT 1", error);
  if (head == NULL || !step_row (self, head, &has_row, error))
    return FALSE;
  entry.seq = has_row ? sqlite3_column_int64 (head, 0) + 1 : 1;
  prev = has_row ? column_dup (head, 1) : g_strdup (PD_AUDIT_GENESIS_HASH);

  entry.time = time;
  entry.actor = (char *) actor;
  entry.action = (char *) action;
  entry.session = (char *) nonempty (session_uuid);
  entry.details = (char *) details_json;
  entry.prev_hash = prev;
  hash = pd_audit_entry_compute_hash (&entry);

  insert = prepare (self, "INSERT INTO audit_log (seq, time, actor, action, session, details,"
                          " prev_hash, row_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", error);
  if (insert == NULL)
    return FALSE;
  sqlite3_bind_int64 (insert, 1, entry.seq);
  bind_text (insert, 2, entry.time);
  bind_text (insert, 3, entry.actor);
  bind_text (insert, 4, entry.action);
  bind_text (insert, 5, entry.session);
  bind_text (insert, 6, entry.details);
  bind_text (insert, 7, entry.prev_hash);
  bind_text (insert, 8, hash);
  return step_done (self, insert, error);
}

/* Serialises a details object built by this file. */
static char *
details_to_text (JsonObject *details)
{
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr (JsonGenerator) gen = json_generator_new ();

  json_node_set_object (node, details);
  json_generator_set_root (gen, node);
  return json_generator_to_data (gen, NULL);
}

static gboolean
audit_append_object (PdCatalog *self, const char *action, const char *session_uuid,
                     JsonObject *details, GError **error)
{
  g_autofree char *text = details_to_text (details);

  return audit_append_locked (self, self->actor, action, session_uuid, text, error);
}

gboolean
pd_catalog_audit_append (PdCatalog *self, const char *actor, const char *action,
                         const char *session_uuid, const char *details_json, GError **error)
{
  gboolean ok;

  g_return_val_if_fail (PD_IS_CATALOG (self), FALSE);
  g_return_val_if_fail (action != NULL && *action != '\0', FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!nonempty (actor))
    actor = self->actor;
  if (details_json == NULL)
    details_json = "{}";
  if (!check_utf8 (_("actor"), actor, error) || !check_utf8 (_("action"), action, error) ||
      !check_utf8 (_("session"), session_uuid, error) ||
      !check_utf8 (_("details"), details_json, error))
    return FALSE;
  {
    g_autoptr (JsonParser) parser = json_parser_new ();
    g_autoptr (GError) local = NULL;

    if (!json_parser_load_from_data (parser, details_json, -1, &local) ||
        json_parser_get_root (parser) == NULL)
      {
        g_set_error (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_INVALID,
                     _("Audit details are not JSON: %s"),
                     local ? local->message : _("empty"));
        return FALSE;
      }
  }

  if (!txn_begin (self, error))
    return FALSE;
  ok = audit_append_locked (self, actor, action, session_uuid, details_json, error);
  return txn_end (self, ok, error);
}

static PdAuditEntry *
audit_entry_from_row (sqlite3_stmt *stmt)
{
  PdAuditEntry *e = g_new0 (PdAuditEntry, 1);

  e->seq = sqlite3_column_int64 (stmt, 0);
  e->time = column_dup (stmt, 1);
  e->actor = column_dup (stmt, 2);
  e->action = column_dup (stmt, 3);
  e->session = column_dup (stmt, 4);
  e->details = column_dup (stmt, 5);
  e->prev_hash = column_dup (stmt, 6);
  e->row_hash = column_dup (stmt, 7);
  return e;
}

GPtrArray *
pd_catalog_audit_list (PdCatalog *self, const char *session_uuid, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  gboolean has_row;

  g_return_val_if_fail (PD_IS_CATALOG (self), NULL);

  stmt = prepare (self, "SELECT seq, time, actor, action, session, details, prev_hash, row_hash"
                        " FROM audit_log WHERE ?1 IS NULL OR session = ?1 ORDER BY seq", error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, session_uuid);
  rows = g_ptr_array_new_with_free_func ((GDestroyNotify) pd_audit_entry_free);
  while (TRUE)
    {
      if (!step_row (self, stmt, &has_row, error))
        return NULL;
      if (!has_row)
        break;
      g_ptr_array_add (rows, audit_entry_from_row (stmt));
    }
  return g_steal_pointer (&rows);
}

/* The head row, if any, and whether it is already stamped. */
static gboolean
audit_head (PdCatalog *self, gint64 *seq, char **hash, gboolean *stamped, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (sqlite3_stmt) st = NULL;
  gboolean has_row;

  *seq = 0;
  *hash = NULL;
  *stamped = FALSE;
  stmt = prepare (self, "SELECT seq, row_hash FROM audit_log ORDER BY seq DESC LIMIT 1", error);
  if (stmt == NULL || !step_row (self, stmt, &has_row, error))
    return FALSE;
  if (!has_row)
    return TRUE;
  *seq = sqlite3_column_int64 (stmt, 0);
  *hash = column_dup (stmt, 1);

  st = prepare (self, "SELECT 1 FROM audit_stamps WHERE seq = ?1 AND row_hash = ?2", error);
  if (st == NULL)
    return FALSE;
  sqlite3_bind_int64 (st, 1, *seq);
  bind_text (st, 2, *hash);
  if (!step_row (self, st, stamped, error))
    return FALSE;
  return TRUE;
}

static gboolean
audit_store_stamp (PdCatalog *self, gint64 seq, const char *hash, PdTsaToken *token,
                   GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  GBytes *der = pd_tsa_token_get_response_der (token);   /* borrowed */
  g_autofree char *gen_time = pd_time_format_utc (pd_tsa_token_get_gen_time (token));
  g_autofree char *now = now_utc ();
  gboolean ok;

  /* the TSA client checked the imprint already; a stored stamp over the wrong hash would
   * only be found at the next verify, so refuse it here too */
  if (g_ascii_strcasecmp (pd_tsa_token_get_imprint_hex (token), hash) != 0)
    {
      g_set_error (error, PD_TSA_ERROR, PD_TSA_ERROR_IMPRINT,
                   _("The timestamp is not over the audit log head."));
      return FALSE;
    }
  if (!txn_begin (self, error))
    return FALSE;
  stmt = prepare (self, "INSERT INTO audit_stamps (seq, row_hash, token, gen_time, serial,"
                        " tsa_name, practice, time) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                  error);
  ok = stmt != NULL;
  if (ok)
    {
      gsize len;
      const void *data = g_bytes_get_data (der, &len);

      sqlite3_bind_int64 (stmt, 1, seq);
      bind_text (stmt, 2, hash);
      sqlite3_bind_blob64 (stmt, 3, data, len, SQLITE_TRANSIENT);
      bind_text (stmt, 4, gen_time);
      bind_text (stmt, 5, pd_tsa_token_get_serial (token));
      bind_text (stmt, 6, pd_tsa_token_get_tsa_name (token));
      sqlite3_bind_int (stmt, 7, pd_tsa_token_is_practice (token) ? 1 : 0);
      bind_text (stmt, 8, now);
      ok = step_done (self, stmt, error);
    }
  return txn_end (self, ok, error);
}

static gboolean
decode_hash (const char *hex, guint8 digest[PD_SHA256_LEN], GError **error)
{
  if (hex == NULL || strlen (hex) != PD_SHA256_HEX_LEN || !pd_hex_decode (hex, digest, PD_SHA256_LEN))
    {
      g_set_error (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_CORRUPT,
                   _("The audit log head has a malformed hash."));
      return FALSE;
    }
  return TRUE;
}

gboolean
pd_catalog_audit_stamp_head (PdCatalog *self, PdTsaClient *tsa, GError **error)
{
  g_autofree char *hash = NULL;
  g_autoptr (PdTsaToken) token = NULL;
  guint8 digest[PD_SHA256_LEN];
  gint64 seq;
  gboolean stamped;

  g_return_val_if_fail (PD_IS_CATALOG (self), FALSE);
  g_return_val_if_fail (PD_IS_TSA_CLIENT (tsa), FALSE);

  if (!audit_head (self, &seq, &hash, &stamped, error))
    return FALSE;
  if (seq == 0 || stamped)
    return TRUE;
  if (!decode_hash (hash, digest, error))
    return FALSE;
  token = pd_tsa_client_stamp (tsa, PD_TSA_DIGEST_SHA256, digest, sizeof digest, NULL, error);
  if (token == NULL)
    return FALSE;
  return audit_store_stamp (self, seq, hash, token, error);
}

typedef struct
{
  gint64 seq;
  char  *hash;
} StampData;

static void
stamp_data_free (StampData *data)
{
  g_free (data->hash);
  g_free (data);
}

static void
stamp_head_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  PdCatalog *self = g_task_get_source_object (task);
  StampData *data = g_task_get_task_data (task);
  g_autoptr (PdTsaToken) token = NULL;
  GError *error = NULL;

  token = pd_tsa_client_stamp_finish (PD_TSA_CLIENT (source), result, &error);
  if (token == NULL || !audit_store_stamp (self, data->seq, data->hash, token, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
pd_catalog_audit_stamp_head_async (PdCatalog *self, PdTsaClient *tsa, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  StampData *data;
  guint8 digest[PD_SHA256_LEN];
  gboolean stamped;
  GError *error = NULL;

  g_return_if_fail (PD_IS_CATALOG (self));
  g_return_if_fail (PD_IS_TSA_CLIENT (tsa));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pd_catalog_audit_stamp_head_async);
  data = g_new0 (StampData, 1);
  g_task_set_task_data (task, data, (GDestroyNotify) stamp_data_free);

  if (!audit_head (self, &data->seq, &data->hash, &stamped, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (data->seq == 0 || stamped)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (!decode_hash (data->hash, digest, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  pd_tsa_client_stamp_async (tsa, PD_TSA_DIGEST_SHA256, digest, sizeof digest, cancellable,
                             stamp_head_cb, g_steal_pointer (&task));
}

gboolean
pd_catalog_audit_stamp_head_finish (PdCatalog *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
pd_catalog_audit_stamp_is_due (PdCatalog *self, GTimeSpan interval)
{
  g_autofree char *hash = NULL;
  g_autofree char *last = NULL;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GDateTime) last_dt = NULL;
  g_autoptr (GDateTime) now = NULL;
  gint64 seq;
  gboolean stamped, has_row;

  g_return_val_if_fail (PD_IS_CATALOG (self), FALSE);

  if (!audit_head (self, &seq, &hash, &stamped, NULL) || seq == 0 || stamped)
    return FALSE;
  stmt = prepare (self, "SELECT time FROM audit_stamps ORDER BY id DESC LIMIT 1", NULL);
  if (stmt == NULL || !step_row (self, stmt, &has_row, NULL))
    return FALSE;
  if (!has_row)
    return TRUE;
  last = column_dup (stmt, 0);
  last_dt = last ? pd_time_parse (last) : NULL;
  if (last_dt == NULL)
    return TRUE;
  now = g_date_time_new_now_utc ();
  return g_date_time_difference (now, last_dt) >= interval;
}

gboolean
pd_catalog_audit_stamp_if_due (PdCatalog *self, PdTsaClient *tsa, GTimeSpan interval,
                               gboolean *stamped, GError **error)
{
  g_return_val_if_fail (PD_IS_CATALOG (self), FALSE);

  if (stamped)
    *stamped = FALSE;
  if (!pd_catalog_audit_stamp_is_due (self, interval))
    return TRUE;
  if (!pd_catalog_audit_stamp_head (self, tsa, error))
    return FALSE;
  if (stamped)
    *stamped = TRUE;
  return TRUE;
}

static PdAuditReport *
audit_verify_snapshot (PdCatalog *self, PdTrustStore *trust, GError **error)
{
  g_autoptr (PdAuditReport) report = audit_report_new ();
  g_autoptr (sqlite3_stmt) rows = NULL;
  g_autoptr (sqlite3_stmt) stamps = NULL;
  g_autoptr (GHashTable) by_seq = NULL;   /* seq → stored row_hash */
  g_autofree char *expected_prev = g_strdup (PD_AUDIT_GENESIS_HASH);
  gint64 expected_seq = 1;
  gint64 n_triggers = 0;
  gboolean has_row;

  report->trust_checked = trust != NULL;
  by_seq = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);

  /* With the triggers gone anything may have been rewritten: say so even when the chain
   * happens to be intact. */
  if (!query_int (self, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN"
                        " ('audit_log_no_update', 'audit_log_no_delete',"
                        " 'audit_stamps_no_update', 'audit_stamps_no_delete')",
                  &n_triggers, error))
    return NULL;
  if (n_triggers != 4)
    audit_report_add (report, "triggers", 0,
                      _("The triggers that keep the audit log append-only have been removed."));

  rows = prepare (self, "SELECT seq, time, actor, action, session, details, prev_hash, row_hash"
                        " FROM audit_log ORDER BY seq", error);
  if (rows == NULL)
    return NULL;
  while (TRUE)
    {
      g_autoptr (PdAuditEntry) e = NULL;
      g_autofree char *computed = NULL;
      gint64 *key;

      if (!step_row (self, rows, &has_row, error))
        return NULL;
      if (!has_row)
        break;
      e = audit_entry_from_row (rows);
      report->n_rows++;

      if (e->seq != expected_seq)
        {
          if (e->seq - 1 == expected_seq)
            audit_report_add (report, "row.gap", e->seq,
                              _("Audit row %lld is missing (deleted)."),
                              (long long) expected_seq);
          else
            audit_report_add (report, "row.gap", e->seq,
                              _("Audit rows %lld to %lld"
                                " are missing (deleted)."),
                              (long long) expected_seq, (long long) e->seq - 1);
        }
      /* after a gap the link is broken as a matter of course; report it only once */
      else if (g_strcmp0 (e->prev_hash, expected_prev) != 0)
        audit_report_add (report, "row.link", e->seq,
                          _("Audit row %lld does not follow the row before it "
                            "(rows deleted, inserted or reordered)."),
                          (long long) e->seq);

      computed = pd_audit_entry_compute_hash (e);
      if (e->row_hash == NULL || g_ascii_strcasecmp (computed, e->row_hash) != 0)
        audit_report_add (report, "row.hash", e->seq,
                          _("Audit row %lld was changed after it was written."),
                          (long long) e->seq);

      g_free (expected_prev);
      expected_prev = g_strdup (e->row_hash ? e->row_hash : "");
      expected_seq = e->seq + 1;
      report->head_seq = e->seq;
      g_free (report->head_hash);
      report->head_hash = g_strdup (e->row_hash);
      key = g_new (gint64, 1);
      *key = e->seq;
      g_hash_table_replace (by_seq, key, g_strdup (e->row_hash ? e->row_hash : ""));
    }

  stamps = prepare (self, "SELECT id, seq, row_hash, token FROM audit_stamps ORDER BY id", error);
  if (stamps == NULL)
    return NULL;
  while (TRUE)
    {
      g_autoptr (GBytes) der = NULL;
      g_autoptr (PdTsaToken) token = NULL;
      g_autoptr (GError) local = NULL;
      g_autofree char *stamped_hash = NULL;
      const char *row_hash;
      gint64 seq;
      guint8 digest[PD_SHA256_LEN];
      gboolean good = TRUE;

      if (!step_row (self, stamps, &has_row, error))
        return NULL;
      if (!has_row)
        break;
      report->n_stamps++;
      seq = sqlite3_column_int64 (stamps, 1);
      stamped_hash = column_dup (stamps, 2);
      der = g_bytes_new (sqlite3_column_blob (stamps, 3), (gsize) sqlite3_column_bytes (stamps, 3));

      token = pd_tsa_token_new_from_der (der, &local);
      if (token == NULL)
        {
          audit_report_add (report, "stamp.token", seq,
                            _("The timestamp over audit row %lld"
                              " cannot be read: %s"), (long long) seq, local->message);
          continue;
        }
      if (g_strcmp0 (pd_tsa_token_get_digest_name (token), "SHA256") != 0 ||
          stamped_hash == NULL ||
          g_ascii_strcasecmp (pd_tsa_token_get_imprint_hex (token), stamped_hash) != 0)
        {
          audit_report_add (report, "stamp.imprint", seq,
                            _("The timestamp over audit row %lld"
                              " is not over the hash stored with it."), (long long) seq);
          good = FALSE;
        }
      row_hash = g_hash_table_lookup (by_seq, &seq);
      if (row_hash == NULL)
        {
          audit_report_add (report, "stamp.row", seq,
                            _("Audit row %lld was timestamped but is missing "
                              "(deleted)."), (long long) seq);
          good = FALSE;
        }
      else if (g_ascii_strcasecmp (row_hash, pd_tsa_token_get_imprint_hex (token)) != 0)
        {
          audit_report_add (report, "stamp.row", seq,
                            _("Audit row %lld no longer has the hash that was "
                              "timestamped: the log was rewritten."), (long long) seq);
          good = FALSE;
        }
      if (trust != NULL && decode_hash (pd_tsa_token_get_imprint_hex (token), digest, NULL))
        {
          g_autoptr (PdVerifyResult) result = NULL;
          PdVerdict verdict;

          result = pd_verify_token_bytes (der, "SHA256", digest, sizeof digest, trust, &local);
          verdict = result ? pd_verify_result_get_verdict (result) : PD_VERDICT_ERROR;
          if (verdict == PD_VERDICT_VALID || verdict == PD_VERDICT_VALID_PRACTICE)
            report->n_stamps_trusted++;
          else
            {
              audit_report_add (report, "stamp.signature", seq,
                                _("The timestamp over audit row %lld"
                                  " does not verify: %s"), (long long) seq,
                                result ? pd_verify_result_get_summary (result)
                                       : (local ? local->message : "?"));
              good = FALSE;
            }
        }
      if (good && seq > report->stamped_seq)
        report->stamped_seq = seq;
    }

  return g_steal_pointer (&report);
}

PdAuditReport *
pd_catalog_audit_verify (PdCatalog *self, PdTrustStore *trust, GError **error)
{
  PdAuditReport *report;
  gboolean own = FALSE;

  g_return_val_if_fail (PD_IS_CATALOG (self), NULL);

  /* one read snapshot, so a row appended meanwhile by another process cannot make a stamp
   * look as if it named a missing row */
  if (sqlite3_get_autocommit (self->db))
    {
      if (!exec (self, "BEGIN", error))
        return NULL;
      own = TRUE;
    }
  report = audit_verify_snapshot (self, trust, error);
  if (own)
    sqlite3_exec (self->db, "COMMIT", NULL, NULL, NULL);
  return report;
}

/* ------------------------------------------------------------------------------------------ */
/* Cases and sessions                                                                         */

static gboolean
case_id_locked (PdCatalog *self, const char *name, const char *parties, const char *dispute_type,
                gint64 *id, GError **error)
{
  g_autoptr (sqlite3_stmt) upsert = NULL;
  g_autoptr (sqlite3_stmt) select = NULL;
  g_autofree char *now = now_utc ();
  gboolean has_row, changed;

  /* the WHERE makes an unchanged case no change at all (sqlite3_changes() = 0), so the
   * search index is only rewritten when parties or dispute type really change */
  upsert = prepare (self, "INSERT INTO cases (name, parties, dispute_type, created)"
                          " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (name) DO UPDATE SET"
                          " parties = coalesce (excluded.parties, parties),"
                          " dispute_type = coalesce (excluded.dispute_type, dispute_type)"
                          " WHERE parties IS NOT coalesce (excluded.parties, parties)"
                          " OR dispute_type IS NOT coalesce (excluded.dispute_type, dispute_type)",
                    error);
  if (upsert == NULL)
    return FALSE;
  bind_text (upsert, 1, name);
  bind_text (upsert, 2, parties);
  bind_text (upsert, 3, dispute_type);
  bind_text (upsert, 4, now);
  if (!step_done (self, upsert, error))
    return FALSE;
  changed = sqlite3_changes (self->db) > 0;

  select = prepare (self, "SELECT id FROM cases WHERE name = ?1", error);
  if (select == NULL)
    return FALSE;
  bind_text (select, 1, name);
  if (!step_row (self, select, &has_row, error))
    return FALSE;
  if (!has_row)
    {
      g_set_error_literal (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_SQL,
                           _("The case vanished while it was being created."));
      return FALSE;
    }
  *id = sqlite3_column_int64 (select, 0);
  /* a new case has no sessions yet; an updated one re-indexes those it has */
  if (changed && (parties != NULL || dispute_type != NULL))
    return search_index_update (self, 0, *id, error);
  return TRUE;
}

gint64
pd_catalog_ensure_case (PdCatalog *self, const char *name, const char *parties,
                        const char *dispute_type, GError **error)
{
  gint64 id = -1;
  gboolean ok;

  g_return_val_if_fail (PD_IS_CATALOG (self), -1);
  g_return_val_if_fail (name != NULL, -1);

  if (*name == '\0')
    {
      g_set_error_literal (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_INVALID,
                           _("A case needs a name."));
      return -1;
    }
  if (!check_utf8 (_("case name"), name, error) || !check_utf8 (_("parties"), parties, error) ||
      !check_utf8 (_("dispute type"), dispute_type, error))
    return -1;
  if (!txn_begin (self, error))
    return -1;
  ok = case_id_locked (self, name, parties, dispute_type, &id, error);
  if (!txn_end (self, ok, error))
    return -1;
  return id;
}

GStrv
pd_catalog_list_cases (PdCatalog *self, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  gboolean has_row;

  g_return_val_if_fail (PD_IS_CATALOG (self), NULL);

  stmt = prepare (self, "SELECT name FROM cases ORDER BY name", error);
  if (stmt == NULL)
    return NULL;
  while (TRUE)
    {
      if (!step_row (self, stmt, &has_row, error))
        return NULL;
      if (!has_row)
        break;
      g_strv_builder_add (builder, (const char *) sqlite3_column_text (stmt, 0));
    }
  return g_strv_builder_end (builder);
}

gboolean
pd_catalog_get_case_details (PdCatalog *self, const char *name, char **parties,
                             char **dispute_type, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  gboolean has_row;

  g_return_val_if_fail (PD_IS_CATALOG (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  stmt = prepare (self, "SELECT parties, dispute_type FROM cases WHERE name = ?1", error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, name);
  if (!step_row (self, stmt, &has_row, error))
    return FALSE;
  if (!has_row)
    {
      g_set_error (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_NOT_FOUND,
                   _("No case “%s” in the catalog."), name);
      return FALSE;
    }
  if (parties)
    *parties = column_dup (stmt, 0);
  if (dispute_type)
    *dispute_type = column_dup (stmt, 1);
  return TRUE;
}

#define SESSION_SELECT                                                                       \
  "SELECT s.id, s.uuid, c.name, s.state, s.state_reason, s.source, s.scenario,"              \
  " s.package_path, s.started, s.stopped, s.capture_time, s.stamp_time, s.recording_sha256," \
  " s.recording_size, s.manifest_sha256, s.practice, c.parties, c.dispute_type"             \
  " FROM sessions s LEFT JOIN cases c ON c.id = s.case_id"

static PdCatalogSession *
session_from_row (sqlite3_stmt *stmt)
{
  PdCatalogSession *s = g_new0 (PdCatalogSession, 1);

  g_atomic_ref_count_init (&s->ref_count);
  s->id = sqlite3_column_int64 (stmt, 0);
  s->uuid = column_dup (stmt, 1);
  s->case_name = column_dup (stmt, 2);
  s->state = column_dup (stmt, 3);
  s->state_reason = column_dup (stmt, 4);
  s->source = column_dup (stmt, 5);
  s->scenario = column_dup (stmt, 6);
  s->package_path = column_dup (stmt, 7);
  s->started_text = column_dup (stmt, 8);
  s->stopped_text = column_dup (stmt, 9);
  s->capture_time = sqlite3_column_type (stmt, 10) == SQLITE_NULL
                      ? -1 : sqlite3_column_double (stmt, 10);
  s->stamp_time_text = column_dup (stmt, 11);
  s->recording_sha256 = column_dup (stmt, 12);
  s->recording_size = sqlite3_column_type (stmt, 13) == SQLITE_NULL
                        ? -1 : sqlite3_column_int64 (stmt, 13);
  s->manifest_sha256 = column_dup (stmt, 14);
  s->practice = sqlite3_column_int (stmt, 15) != 0;
  s->parties = column_dup (stmt, 16);
  s->dispute_type = column_dup (stmt, 17);
  s->started = s->started_text ? pd_time_parse (s->started_text) : NULL;
  s->stopped = s->stopped_text ? pd_time_parse (s->stopped_text) : NULL;
  s->stamp_time = s->stamp_time_text ? pd_time_parse (s->stamp_time_text) : NULL;
  return s;
}

static GPtrArray *
collect_sessions (PdCatalog *self, sqlite3_stmt *stmt, GError **error)
{
  g_autoptr (GPtrArray) out = NULL;
  gboolean has_row;

  out = g_ptr_array_new_with_free_func ((GDestroyNotify) pd_catalog_session_unref);
  while (TRUE)
    {
      if (!step_row (self, stmt, &has_row, error))
        return NULL;
      if (!has_row)
        break;
      g_ptr_array_add (out, session_from_row (stmt));
    }
  return g_steal_pointer (&out);
}

/* Exact UUID only; NULL without an error when absent. */
static PdCatalogSession *
session_by_uuid (PdCatalog *self, const char *uuid, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = prepare (self, SESSION_SELECT " WHERE s.uuid = ?1", error);
  gboolean has_row;

  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, uuid);
  if (!step_row (self, stmt, &has_row, error) || !has_row)
    return NULL;
  return session_from_row (stmt);
}

static gboolean
session_row_id (PdCatalog *self, const char *uuid, gint64 *id, char **state, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = prepare (self, "SELECT id, state FROM sessions WHERE uuid = ?1",
                                           error);
  gboolean has_row;

  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, uuid);
  if (!step_row (self, stmt, &has_row, error))
    return FALSE;
  if (!has_row)
    {
      g_set_error (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_NOT_FOUND,
                   _("No session “%s” in the catalog."), uuid);
      return FALSE;
    }
  *id = sqlite3_column_int64 (stmt, 0);
  if (state)
    *state = column_dup (stmt, 1);
  return TRUE;
}

static gboolean
session_create_locked (PdCatalog *self, const char *uuid, const char *case_name,
                       const char *scenario, const char *source, const char *package_path,
                       GDateTime *started, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (JsonObject) details = json_object_new ();
  g_autofree char *started_text = started ? pd_time_format_utc (started) : NULL;
  gint64 case_id = -1;

  if (nonempty (case_name) && !case_id_locked (self, case_name, NULL, NULL, &case_id, error))
    return FALSE;

  stmt = prepare (self, "INSERT INTO sessions (uuid, case_id, state, source, scenario,"
                        " package_path, started) VALUES (?1, ?2, 'created', ?3, ?4, ?5, ?6)",
                  error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, uuid);
  bind_int64_or_null (stmt, 2, case_id, case_id >= 0);
  bind_text (stmt, 3, nonempty (source));
  bind_text (stmt, 4, nonempty (scenario));
  bind_text (stmt, 5, nonempty (package_path));
  bind_text (stmt, 6, started_text);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      if (sqlite3_extended_errcode (self->db) == SQLITE_CONSTRAINT_UNIQUE)
        {
          g_set_error (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_EXISTS,
                       _("Session “%s” is already in the catalog."), uuid);
          return FALSE;
        }
      return sql_fail (self, error);
    }
  if (!search_index_update (self, sqlite3_last_insert_rowid (self->db), 0, error))
    return FALSE;

  json_object_set_string_member (details, "state", PD_SESSION_STATE_CREATED);
  if (nonempty (case_name))
    json_object_set_string_member (details, "case", case_name);
  if (nonempty (scenario))
    json_object_set_string_member (details, "scenario", scenario);
  if (nonempty (source))
    json_object_set_string_member (details, "source", source);
  if (nonempty (package_path))
    json_object_set_string_member (details, "package", package_path);
  return audit_append_object (self, "session.create", uuid, details, error);
}

gboolean
pd_catalog_session_create (PdCatalog *self, const char *uuid, const char *case_name,
                           const char *scenario, const char *source, const char *package_path,
                           GDateTime *started, GError **error)
{
  gboolean ok;

  g_return_val_if_fail (PD_IS_CATALOG (self), FALSE);
  g_return_val_if_fail (uuid != NULL, FALSE);

  if (*uuid == '\0')
    {
      g_set_error_literal (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_INVALID,
                           _("A session needs a UUID."));
      return FALSE;
    }
  if (!check_utf8 (_("session"), uuid, error) || !check_utf8 (_("case name"), case_name, error) ||
      !check_utf8 (_("scenario"), scenario, error) || !check_utf8 (_("source"), source, error) ||
      !check_utf8 (_("package path"), package_path, error))
    return FALSE;
  if (!txn_begin (self, error))
    return FALSE;
  ok = session_create_locked (self, uuid, case_name, scenario, source, package_path, started,
                              error);
  return txn_end (self, ok, error);
}

static gboolean
set_state_locked (PdCatalog *self, const char *uuid, const char *state, const char *reason,
                  GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (JsonObject) details = json_object_new ();
  g_autofree char *old = NULL;
  gint64 id;

  if (!session_row_id (self, uuid, &id, &old, error))
    return FALSE;
  stmt = prepare (self, "UPDATE sessions SET state = ?1, state_reason = ?2 WHERE id = ?3", error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, state);
  bind_text (stmt, 2, nonempty (reason));
  sqlite3_bind_int64 (stmt, 3, id);
  if (!step_done (self, stmt, error))
    return FALSE;

  json_object_set_string_member (details, "from", old);
  json_object_set_string_member (details, "to", state);
  if (nonempty (reason))
    json_object_set_string_member (details, "reason", reason);
  return audit_append_object (self, "session.state", uuid, details, error);
}

gboolean
pd_catalog_session_set_state (PdCatalog *self, const char *uuid, const char *state,
                              const char *reason, GError **error)
{
  gboolean ok;

  g_return_val_if_fail (PD_IS_CATALOG (self), FALSE);
  g_return_val_if_fail (uuid != NULL, FALSE);
  g_return_val_if_fail (state != NULL, FALSE);

  if (!pd_catalog_state_is_valid (state))
    {
      g_set_error (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_INVALID,
                   _("“%s” is not a session state."), state);
      return FALSE;
    }
  if (!check_utf8 (_("reason"), reason, error))
    return FALSE;
  if (!txn_begin (self, error))
    return FALSE;
  ok = set_state_locked (self, uuid, state, reason, error);
  return txn_end (self, ok, error);
}

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

/* Reads a token file of the package for its serial, genTime and authority; NULL when the
 * folder or file is not at hand or not a token (the catalog indexes, the verifier judges). */
static PdTsaToken *
read_package_token (const char *package_path, const char *name)
{
  g_autofree char *path = NULL;
  g_autofree char *data = NULL;
  g_autoptr (GBytes) bytes = NULL;
  GStatBuf st;
  gsize len;

  if (package_path == NULL || !package_name_ok (name))
    return NULL;
  path = g_build_filename (package_path, name, NULL);
  if (g_lstat (path, &st) != 0 || !S_ISREG (st.st_mode) || st.st_size > MAX_TOKEN_SIZE)
    return NULL;
  if (!g_file_get_contents (path, &data, &len, NULL))
    return NULL;
  bytes = g_bytes_new_take (g_steal_pointer (&data), len);
  return pd_tsa_token_new_from_der (bytes, NULL);
}

static gboolean
insert_token (PdCatalog *self, gint64 session, const char *package_path, const char *name,
              const char *kind, const char *gen_time, gboolean practice, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (PdTsaToken) token = read_package_token (package_path, name);
  g_autofree char *token_time = NULL;

  if (!check_utf8 (_("token name"), name, error))
    return FALSE;
  stmt = prepare (self, "INSERT OR REPLACE INTO tokens (session, name, kind, gen_time, serial,"
                        " tsa_name, practice) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", error);
  if (stmt == NULL)
    return FALSE;
  if (token)
    {
      token_time = pd_time_format_utc (pd_tsa_token_get_gen_time (token));
      gen_time = token_time;
      practice = practice || pd_tsa_token_is_practice (token);
    }
  sqlite3_bind_int64 (stmt, 1, session);
  bind_text (stmt, 2, name);
  bind_text (stmt, 3, kind);
  bind_text (stmt, 4, gen_time);
  bind_text (stmt, 5, token ? pd_tsa_token_get_serial (token) : NULL);
  bind_text (stmt, 6, token ? pd_tsa_token_get_tsa_name (token) : NULL);
  sqlite3_bind_int (stmt, 7, practice ? 1 : 0);
  return step_done (self, stmt, error);
}

static gboolean
record_package_locked (PdCatalog *self, const char *uuid, JsonObject *m,
                       const char *manifest_sha256, GError **error)
{
  static const char *const clear[] = {
    "DELETE FROM files WHERE session = ?1",
    "DELETE FROM tokens WHERE session = ?1",
    "DELETE FROM checkpoints WHERE session = ?1",
    "DELETE FROM marks WHERE session = ?1",
  };
  g_autoptr (PdCatalogSession) session = NULL;
  g_autoptr (sqlite3_stmt) update = NULL;
  g_autoptr (JsonObject) details = json_object_new ();
  JsonObject *rec = pd_json_object (m, "recording");
  JsonObject *ts = pd_json_object (m, "timestamps");
  JsonObject *rec_ts = pd_json_object (rec, "timestamp");
  JsonArray *files = pd_json_array (m, "files");
  JsonArray *cps = pd_json_array (m, "checkpoints");
  JsonArray *marks = pd_json_array (m, "marks");
  const char *package_path;
  const char *manifest_session = pd_json_string (m, "session");
  const char *format = pd_json_string (m, "format");
  g_autofree char *late_stamp_time = NULL;
  gboolean practice = obj_bool (pd_json_object (ts, "authority"), "practice");
  gint64 rec_size = -1;
  double duration = -1;
  guint n_files = 0, n_cps = 0, n_marks = 0;

  if (format != NULL && !g_str_equal (format, PD_MANIFEST_FORMAT))
    return bad_manifest (error, _("not a Proofdesk evidence manifest"));
  if (manifest_session != NULL && !g_str_equal (manifest_session, uuid))
    return bad_manifest (error, _("it belongs to another session"));
  if (manifest_sha256 != NULL && (strlen (manifest_sha256) != PD_SHA256_HEX_LEN ||
                                  !pd_hex_decode (manifest_sha256, (guint8[PD_SHA256_LEN]) { 0 },
                                                  PD_SHA256_LEN)))
    return bad_manifest (error, _("malformed manifest digest"));

  session = session_by_uuid (self, uuid, error);
  if (session == NULL)
    {
      if (error == NULL || *error == NULL)
        g_set_error (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_NOT_FOUND,
                     _("No session “%s” in the catalog."), uuid);
      return FALSE;
    }
  package_path = session->package_path;

  for (guint i = 0; i < G_N_ELEMENTS (clear); i++)
    {
      g_autoptr (sqlite3_stmt) stmt = prepare (self, clear[i], error);

      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, session->id);
      if (!step_done (self, stmt, error))
        return FALSE;
    }

  for (guint i = 0; files && i < json_array_get_length (files); i++)
    {
      g_autoptr (sqlite3_stmt) stmt = NULL;
      JsonObject *f = array_object (files, i);
      const char *name = pd_json_string (f, "name");
      const char *sha = pd_json_string (f, "sha256");
      gint64 size;

      if (name == NULL || sha == NULL || !obj_int (f, "size", &size) || size < 0)
        return bad_manifest (error, _("a files[] entry lacks name, size or sha256"));
      if (!check_utf8 (_("file name"), name, error))
        return FALSE;
      stmt = prepare (self, "INSERT OR REPLACE INTO files (session, name, size, sha256)"
                            " VALUES (?1, ?2, ?3, ?4)", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, session->id);
      bind_text (stmt, 2, name);
      sqlite3_bind_int64 (stmt, 3, size);
      bind_text (stmt, 4, sha);
      if (!step_done (self, stmt, error))
        return FALSE;
      n_files++;
    }

  if (pd_json_string (rec, "token") &&
      !insert_token (self, session->id, package_path, pd_json_string (rec, "token"), "recording",
                     pd_json_string (rec_ts, "gen_time"), practice, error))
    return FALSE;
  if (pd_json_string (ts, "manifest_token") &&
      !insert_token (self, session->id, package_path, pd_json_string (ts, "manifest_token"),
                     "manifest", NULL, practice, error))
    return FALSE;
  /* Stamped afterwards (the TSA was down at the end of the capture): the manifest cannot name
   * tokens that came after it, so they are read from the package folder. */
  if (pd_json_string (rec, "token") == NULL && package_path != NULL)
    {
      g_autoptr (PdTsaToken) late = read_package_token (package_path, PD_RECORDING_TOKEN_NAME);

      if (late != NULL)
        {
          g_autoptr (PdTsaToken) late_manifest = read_package_token (package_path,
                                                                     PD_MANIFEST_TOKEN_NAME);

          late_stamp_time = pd_time_format_utc (pd_tsa_token_get_gen_time (late));
          if (!insert_token (self, session->id, package_path, PD_RECORDING_TOKEN_NAME, "recording",
                             late_stamp_time, practice, error) ||
              (late_manifest != NULL &&
               !insert_token (self, session->id, package_path, PD_MANIFEST_TOKEN_NAME, "manifest",
                              NULL, practice, error)))
            return FALSE;
          practice = practice || pd_tsa_token_is_practice (late);
        }
    }

  for (guint i = 0; cps && i < json_array_get_length (cps); i++)
    {
      g_autoptr (sqlite3_stmt) stmt = NULL;
      JsonObject *c = array_object (cps, i);
      const char *sha = pd_json_string (c, "sha256");
      const char *token = pd_json_string (c, "token");
      gint64 idx, offset;

      if (sha == NULL || !obj_int (c, "index", &idx) || !obj_int (c, "offset", &offset) ||
          offset < 0)
        return bad_manifest (error, _("a checkpoints[] entry lacks index, offset or sha256"));
      stmt = prepare (self, "INSERT OR REPLACE INTO checkpoints (session, idx, offset, sha256,"
                            " stream_time, token, gen_time) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                      error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, session->id);
      sqlite3_bind_int64 (stmt, 2, idx);
      sqlite3_bind_int64 (stmt, 3, offset);
      bind_text (stmt, 4, sha);
      bind_text (stmt, 5, pd_json_string (c, "stream_time"));
      bind_text (stmt, 6, token);
      bind_text (stmt, 7, pd_json_string (c, "gen_time"));
      if (!step_done (self, stmt, error))
        return FALSE;
      if (token && !insert_token (self, session->id, package_path, token, "checkpoint",
                                  pd_json_string (c, "gen_time"), practice, error))
        return FALSE;
      n_cps++;
    }

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
      sqlite3_bind_int64 (stmt, 1, session->id);
      bind_text (stmt, 2, item);
      bind_int64_or_null (stmt, 3, ns, has_ns);
      bind_text (stmt, 4, pd_json_string (k, "wall_time"));
      bind_text (stmt, 5, pd_json_string (k, "note"));
      bind_text (stmt, 6, pd_json_string (k, "still"));
      sqlite3_bind_int (stmt, 7, obj_bool (k, "undone") ? 1 : 0);
      bind_text (stmt, 8, nonempty (pd_json_string (k, "title")));
      if (!step_done (self, stmt, error))
        return FALSE;
      n_marks++;
    }

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
  bind_text (update, 4, late_stamp_time ? late_stamp_time : pd_json_string (rec_ts, "gen_time"));
  bind_text (update, 5, pd_json_string (rec, "sha256"));
  bind_int64_or_null (update, 6, rec_size, rec_size >= 0);
  bind_text (update, 7, manifest_sha256);
  sqlite3_bind_int (update, 8, practice ? 1 : 0);
  bind_text (update, 9, nonempty (pd_json_string (m, "scenario")));
  sqlite3_bind_int64 (update, 10, session->id);
  if (!step_done (self, update, error) || !search_index_update (self, session->id, 0, error))
    return FALSE;

  json_set_string_or_null (details, "manifest_sha256", manifest_sha256);
  json_set_string_or_null (details, "recording_sha256", pd_json_string (rec, "sha256"));
  json_object_set_int_member (details, "files", n_files);
  json_object_set_int_member (details, "checkpoints", n_cps);
  json_object_set_int_member (details, "marks", n_marks);
  return audit_append_object (self, "session.package", uuid, details, error);
}

gboolean
pd_catalog_session_record_package (PdCatalog *self, const char *uuid, JsonObject *manifest,
                                   const char *manifest_sha256, GError **error)
{
  gboolean ok;

  g_return_val_if_fail (PD_IS_CATALOG (self), FALSE);
  g_return_val_if_fail (uuid != NULL, FALSE);
  g_return_val_if_fail (manifest != NULL, FALSE);

  if (!txn_begin (self, error))
    return FALSE;
  ok = record_package_locked (self, uuid, manifest, manifest_sha256, error);
  return txn_end (self, ok, error);
}

GPtrArray *
pd_catalog_list_sessions (PdCatalog *self, const char *case_name, const char *state,
                          GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (PD_IS_CATALOG (self), NULL);

  /* two statements: with "?1 IS NULL OR c.name = ?1" the planner cannot know that ?1 is set
   * and scans and sorts every session (25–50 ms at 100 000); this way one case is a range of
   * sessions_case and a sort of its few sessions (0.1 ms) */
  if (case_name != NULL)
    stmt = prepare (self, SESSION_SELECT " WHERE s.case_id = (SELECT id FROM cases WHERE name = ?1)"
                          " AND (?2 IS NULL OR s.state = ?2)"
                          " ORDER BY s.started DESC, s.id DESC", error);
  else
    stmt = prepare (self, SESSION_SELECT " WHERE (?2 IS NULL OR s.state = ?2)"
                          " ORDER BY s.started DESC, s.id DESC", error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, case_name);
  bind_text (stmt, 2, state);
  return collect_sessions (self, stmt, error);
}

/* The query, as FTS5 sees it: a string literal, in which only '"' is special (doubled). No
 * operator, column filter, '*', '^' or NEAR inside it can act. */
static void
fts_quote (GString *out, const char *word, gsize len)
{
  g_string_append_c (out, '"');
  for (gsize i = 0; i < len; i++)
    {
      if (word[i] == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, word[i]);
    }
  g_string_append_c (out, '"');
}

/* '%word%' with LIKE's wildcards and the escape character escaped (ESCAPE '\'). */
static char *
like_pattern (const char *word, gsize len)
{
  GString *like = g_string_new ("%");

  for (gsize i = 0; i < len; i++)
    {
      if (word[i] == '%' || word[i] == '_' || word[i] == '\\')
        g_string_append_c (like, '\\');
      g_string_append_c (like, word[i]);
    }
  g_string_append_c (like, '%');
  return g_string_free (like, FALSE);
}

/* A word too short for a trigram becomes the OR of every indexed trigram that starts with it
 * (SEARCH_BODY ends in two newlines, so each occurrence starts one): "张伟" → ("张伟；" OR
 * "张伟诉" OR …). Appends that to `match` and sets *n_terms (0: the word occurs nowhere).
 * More than `max` trigrams (a one-letter word) appends nothing: LIKE is cheaper then. */
#define SEARCH_EXPAND_MAX   512
#define SEARCH_EXPAND_TOTAL 4096   /* for all the words of one query */
static gboolean
search_expand_short (PdCatalog *self, const char *word, gsize len, guint max, GString *match,
                     guint *n_terms, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GString) group = g_string_new ("(");
  g_autofree char *folded = g_utf8_strdown (word, (gssize) len);
  g_autofree char *upper = g_strconcat (folded, "\xff", NULL);   /* above any UTF-8 */
  gboolean has_row;

  *n_terms = 0;
  stmt = prepare (self, "SELECT term FROM temp.session_search_terms WHERE term >= ?1 AND"
                        " term < ?2 LIMIT ?3", error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, folded);
  /* as text (a blob sorts after every text): memcmp order puts every "word…" below it */
  bind_text (stmt, 2, upper);
  sqlite3_bind_int (stmt, 3, (int) max + 1);
  while (TRUE)
    {
      if (!step_row (self, stmt, &has_row, error))
        return FALSE;
      if (!has_row)
        break;
      if (++*n_terms > max)
        return TRUE;
      if (*n_terms > 1)
        g_string_append (group, " OR ");
      fts_quote (group, (const char *) sqlite3_column_text (stmt, 0),
                 (gsize) sqlite3_column_bytes (stmt, 0));
    }
  if (*n_terms > 0)
    {
      g_string_append_c (group, ')');
      if (match->len > 0)
        g_string_append (match, " AND ");
      g_string_append_len (match, group->str, (gssize) group->len);
    }
  return TRUE;
}

GPtrArray *
pd_catalog_search_sessions (PdCatalog *self, const char *query, guint limit, GError **error)
{
  /* ?1 the FTS5 query, ?2 a JSON array of LIKE patterns (all must match), ?3 the limit (-1:
   * none). With a limit, the matches are first sorted by (started, id) alone and only the
   * first `limit` are joined and read in full: 10 ms instead of 20 for 100 of 8 000 matches. */
#define SEARCH_LIKES(body) \
  " NOT EXISTS (SELECT 1 FROM json_each (?2) j WHERE (" body ") NOT LIKE j.value ESCAPE '\\')"
#define SEARCH_ORDER      " ORDER BY s.started DESC, s.id DESC"
#define SEARCH_ALL(ids)   SESSION_SELECT " WHERE s.id IN (" ids ")" SEARCH_ORDER " LIMIT ?3"
#define SEARCH_TOP(ids)                                                                    \
  SESSION_SELECT " WHERE s.id IN (SELECT id FROM sessions WHERE id IN (" ids ")"           \
  " ORDER BY started DESC, id DESC LIMIT ?3)" SEARCH_ORDER
#define SEARCH_MATCH      "SELECT rowid FROM session_search WHERE session_search MATCH ?1 AND" \
                          SEARCH_LIKES ("body")
#define SEARCH_SCAN_INDEX "SELECT rowid FROM session_search WHERE" SEARCH_LIKES ("body")
  static const char *const sql_match[] = { SEARCH_ALL (SEARCH_MATCH), SEARCH_TOP (SEARCH_MATCH) };
  static const char *const sql_scan_index[] = { SEARCH_ALL (SEARCH_SCAN_INDEX),
                                                SEARCH_TOP (SEARCH_SCAN_INDEX) };
  static const char sql_scan_tables[] =
    SESSION_SELECT " WHERE" SEARCH_LIKES (SEARCH_BODY) SEARCH_ORDER " LIMIT ?3";
#undef SEARCH_LIKES
#undef SEARCH_ORDER
#undef SEARCH_ALL
#undef SEARCH_TOP
#undef SEARCH_MATCH
#undef SEARCH_SCAN_INDEX
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GString) match = g_string_new (NULL);
  g_autoptr (JsonBuilder) likes = json_builder_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) likes_root = NULL;
  g_autofree char *likes_text = NULL;
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint n_likes = 0;
  guint expand_budget = SEARCH_EXPAND_TOTAL;
  const char *sql;

  g_return_val_if_fail (PD_IS_CATALOG (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (query == NULL)
    query = "";
  if (!check_utf8 (_("search text"), query, error))
    return NULL;
  if (strlen (query) > SEARCH_MAX_QUERY)
    {
      g_set_error_literal (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_INVALID,
                           _("The search text is too long."));
      return NULL;
    }

  /* words, split at any Unicode space (the ideographic one too), all of which must occur */
  json_builder_begin_array (likes);
  for (const char *p = query; *p;)
    {
      const char *word;
      gsize len;
      glong chars;

      while (*p && g_unichar_isspace (g_utf8_get_char (p)))
        p = g_utf8_next_char (p);
      if (*p == '\0')
        break;
      word = p;
      while (*p && !g_unichar_isspace (g_utf8_get_char (p)))
        p = g_utf8_next_char (p);
      len = (gsize) (p - word);
      chars = g_utf8_strlen (word, (gssize) len);
      /* a repeated word adds nothing but work */
      if (!g_hash_table_add (seen, g_strndup (word, len)))
        continue;

      if (self->have_fts && chars >= SEARCH_TRIGRAM_MIN)
        {
          if (match->len > 0)
            g_string_append (match, " AND ");
          fts_quote (match, word, len);
          continue;
        }
      if (self->have_fts)
        {
          guint n_terms;

          if (!search_expand_short (self, word, len, MIN (SEARCH_EXPAND_MAX, expand_budget), match,
                                    &n_terms, error))
            return NULL;
          if (n_terms == 0)   /* in no session at all */
            return g_ptr_array_new_with_free_func ((GDestroyNotify) pd_catalog_session_unref);
          if (n_terms <= MIN (SEARCH_EXPAND_MAX, expand_budget))
            {
              expand_budget -= n_terms;
              continue;
            }
        }
      {
        g_autofree char *pattern = like_pattern (word, len);

        json_builder_add_string_value (likes, pattern);
        n_likes++;
      }
    }
  json_builder_end_array (likes);
  likes_root = json_builder_get_root (likes);
  json_generator_set_root (gen, likes_root);
  likes_text = json_generator_to_data (gen, NULL);

  if (match->len > 0)
    sql = sql_match[limit > 0];
  else if (self->have_fts && n_likes > 0)
    sql = sql_scan_index[limit > 0];   /* only one-letter words: the index's copy is cheapest */
  else
    sql = sql_scan_tables;  /* no index, or no words at all (every session) */

  stmt = prepare (self, sql, error);
  if (stmt == NULL)
    return NULL;
  if (match->len > 0)
    bind_text (stmt, 1, match->str);
  bind_text (stmt, 2, likes_text);
  sqlite3_bind_int64 (stmt, 3, limit > 0 ? (gint64) limit : -1);
  return collect_sessions (self, stmt, error);
}

void
pd_catalog_debug_disable_fts (PdCatalog *self)
{
  g_return_if_fail (PD_IS_CATALOG (self));
  self->have_fts = FALSE;
}

const char *
pd_catalog_debug_migration_sql (guint version)
{
  g_return_val_if_fail (version >= 1 && version <= G_N_ELEMENTS (migrations), NULL);
  return migrations[version - 1];
}

gboolean
pd_catalog_begin_batch (PdCatalog *self, GError **error)
{
  g_return_val_if_fail (PD_IS_CATALOG (self), FALSE);
  g_return_val_if_fail (!self->in_batch, FALSE);

  if (!txn_begin (self, error))
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
  return txn_end (self, TRUE, error);
}

PdCatalogSession *
pd_catalog_get_session (PdCatalog *self, const char *uuid_or_prefix, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GPtrArray) found = NULL;
  GError *local = NULL;
  PdCatalogSession *exact;

  g_return_val_if_fail (PD_IS_CATALOG (self), NULL);
  g_return_val_if_fail (uuid_or_prefix != NULL, NULL);

  if (*uuid_or_prefix == '\0')
    {
      g_set_error_literal (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_INVALID,
                           _("Give a session UUID or the start of one."));
      return NULL;
    }
  exact = session_by_uuid (self, uuid_or_prefix, &local);
  if (exact != NULL || local != NULL)
    {
      if (local)
        g_propagate_error (error, local);
      return exact;
    }
  /* substr, not LIKE: a prefix holding % or _ must match literally */
  stmt = prepare (self, SESSION_SELECT " WHERE substr (s.uuid, 1, length (?1)) = ?1"
                        " ORDER BY s.id LIMIT 2", error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, uuid_or_prefix);
  found = collect_sessions (self, stmt, error);
  if (found == NULL)
    return NULL;
  if (found->len == 0)
    {
      g_set_error (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_NOT_FOUND,
                   _("No session “%s” in the catalog."), uuid_or_prefix);
      return NULL;
    }
  if (found->len > 1)
    {
      g_set_error (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_AMBIGUOUS,
                   _("“%s” is the start of more than one session; give more of the UUID."),
                   uuid_or_prefix);
      return NULL;
    }
  return pd_catalog_session_ref (g_ptr_array_index (found, 0));
}

GPtrArray *
pd_catalog_sessions_in_states (PdCatalog *self, const char *const *states, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autofree char *list = NULL;

  g_return_val_if_fail (PD_IS_CATALOG (self), NULL);
  g_return_val_if_fail (states != NULL, NULL);

  /* the states travel as one bound JSON array, expanded by json_each */
  json_builder_begin_array (b);
  for (guint i = 0; states[i]; i++)
    json_builder_add_string_value (b, states[i]);
  json_builder_end_array (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  list = json_generator_to_data (gen, NULL);

  stmt = prepare (self, SESSION_SELECT " WHERE s.state IN (SELECT value FROM json_each (?1))"
                        " ORDER BY s.id", error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, list);
  return collect_sessions (self, stmt, error);
}

/* Rows of a query as JSON objects keyed by column name. */
static JsonArray *
rows_to_json (PdCatalog *self, sqlite3_stmt *stmt, GError **error)
{
  g_autoptr (JsonArray) out = json_array_new ();
  gboolean has_row;

  while (TRUE)
    {
      JsonObject *o;

      if (!step_row (self, stmt, &has_row, error))
        return NULL;
      if (!has_row)
        break;
      o = json_object_new ();
      for (int i = 0; i < sqlite3_column_count (stmt); i++)
        {
          const char *name = sqlite3_column_name (stmt, i);

          switch (sqlite3_column_type (stmt, i))
            {
            case SQLITE_INTEGER:
              json_object_set_int_member (o, name, sqlite3_column_int64 (stmt, i));
              break;
            case SQLITE_FLOAT:
              json_object_set_double_member (o, name, sqlite3_column_double (stmt, i));
              break;
            case SQLITE_NULL:
              json_object_set_null_member (o, name);
              break;
            default:
              {
                g_autofree char *text = column_dup (stmt, i);
                json_object_set_string_member (o, name, text);
              }
              break;
            }
        }
      json_array_add_object_element (out, o);
    }
  return g_steal_pointer (&out);
}

JsonNode *
pd_catalog_describe_session (PdCatalog *self, const char *uuid_or_prefix, GError **error)
{
  static const struct
  {
    const char *member;
    const char *sql;
  } parts[] = {
    { "files", "SELECT name, size, sha256 FROM files WHERE session = ?1 ORDER BY name" },
    { "tokens", "SELECT name, kind, gen_time, serial, tsa_name, practice FROM tokens"
                " WHERE session = ?1 ORDER BY kind, name" },
    { "checkpoints", "SELECT idx AS 'index', offset, sha256, stream_time, token, gen_time"
                     " FROM checkpoints WHERE session = ?1 ORDER BY idx" },
    { "marks", "SELECT item, title, stream_time_ns, wall_time, note, still, undone FROM marks"
               " WHERE session = ?1 ORDER BY id" },
    { "exports", "SELECT e.id, e.target_kind, e.target, e.label, e.time, e.result"
                 " FROM exports e JOIN export_sessions x ON x.export = e.id"
                 " WHERE x.session = ?1 ORDER BY e.id" },
  };
  g_autoptr (PdCatalogSession) session = NULL;
  g_autoptr (GPtrArray) audit = NULL;
  JsonObject *o;
  JsonArray *audit_json;
  JsonNode *node;

  g_return_val_if_fail (PD_IS_CATALOG (self), NULL);

  session = pd_catalog_get_session (self, uuid_or_prefix, error);
  if (session == NULL)
    return NULL;
  node = json_node_new (JSON_NODE_OBJECT);
  o = json_object_new ();
  json_node_take_object (node, o);
  json_object_set_member (o, "session", pd_catalog_session_to_json (session));
  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    {
      g_autoptr (sqlite3_stmt) stmt = prepare (self, parts[i].sql, error);
      JsonArray *rows;

      if (stmt == NULL)
        goto fail;
      sqlite3_bind_int64 (stmt, 1, session->id);
      rows = rows_to_json (self, stmt, error);
      if (rows == NULL)
        goto fail;
      json_object_set_array_member (o, parts[i].member, rows);
    }
  audit = pd_catalog_audit_list (self, session->uuid, error);
  if (audit == NULL)
    goto fail;
  audit_json = json_array_new ();
  for (guint i = 0; i < audit->len; i++)
    json_array_add_element (audit_json, pd_audit_entry_to_json (g_ptr_array_index (audit, i)));
  json_object_set_array_member (o, "audit", audit_json);
  return node;

fail:
  json_node_unref (node);
  return NULL;
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

gboolean
pd_catalog_import_package (PdCatalog *self, const char *package_dir, const char *verdict,
                           gboolean *already, char **uuid_out, GError **error)
{
  g_autofree char *dir = NULL;
  g_autofree char *manifest_path = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *sha = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) local = NULL;
  g_autoptr (PdCatalogSession) existing = NULL;
  g_autoptr (JsonObject) details = json_object_new ();
  g_autoptr (GDateTime) started = NULL;
  JsonObject *m;
  JsonObject *source;
  const char *uuid;
  gsize len;
  GStatBuf st;
  gboolean ok;

  g_return_val_if_fail (PD_IS_CATALOG (self), FALSE);
  g_return_val_if_fail (package_dir != NULL, FALSE);

  if (already)
    *already = FALSE;
  dir = g_canonicalize_filename (package_dir, NULL);
  if (g_file_test (dir, G_FILE_TEST_IS_REGULAR))
    {
      char *parent = g_path_get_dirname (dir);

      g_free (dir);
      dir = parent;
    }
  manifest_path = g_build_filename (dir, PD_MANIFEST_NAME, NULL);
  if (g_lstat (manifest_path, &st) != 0 || !S_ISREG (st.st_mode) || st.st_size > MAX_MANIFEST_SIZE)
    {
      g_set_error (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_IO,
                   _("“%s” has no readable manifest.json."), dir);
      return FALSE;
    }
  if (!g_file_get_contents (manifest_path, &contents, &len, &local))
    {
      g_set_error (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_IO, "%s", local->message);
      return FALSE;
    }
  sha = pd_sha256_bytes ((const guint8 *) contents, len);
  if (!json_parser_load_from_data (parser, contents, (gssize) len, &local) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return bad_manifest (error, local ? local->message : _("not a JSON object"));
  m = json_node_get_object (json_parser_get_root (parser));
  if (g_strcmp0 (pd_json_string (m, "format"), PD_MANIFEST_FORMAT) != 0)
    return bad_manifest (error, _("not a Proofdesk evidence manifest"));
  uuid = pd_json_string (m, "session");
  if (uuid == NULL || !g_uuid_string_is_valid (uuid))
    return bad_manifest (error, _("no valid session UUID"));

  existing = session_by_uuid (self, uuid, &local);
  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (existing != NULL)
    {
      if (g_strcmp0 (existing->manifest_sha256, sha) == 0)
        {
          if (already)
            *already = TRUE;
          if (uuid_out)
            *uuid_out = g_strdup (uuid);
          return TRUE;
        }
      g_set_error (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_EXISTS,
                   _("Session %s is already in the catalog with a different manifest."), uuid);
      return FALSE;
    }

  source = pd_json_object (m, "source");
  started = pd_json_string (m, "started") ? pd_time_parse (pd_json_string (m, "started")) : NULL;

  if (!txn_begin (self, error))
    return FALSE;
  ok = TRUE;
  if (pd_json_string (m, "case") && *pd_json_string (m, "case") &&
      (pd_json_string (m, "parties") || pd_json_string (m, "dispute_type")))
    {
      gint64 case_id;

      ok = case_id_locked (self, pd_json_string (m, "case"), pd_json_string (m, "parties"),
                           pd_json_string (m, "dispute_type"), &case_id, error);
    }
  ok = ok &&
       session_create_locked (self, uuid, pd_json_string (m, "case"), pd_json_string (m, "scenario"),
                              pd_json_string (source, "kind"), dir, started, error) &&
       record_package_locked (self, uuid, m, sha, error) &&
       set_state_locked (self, uuid, state_from_manifest (m), _("imported"), error);
  if (ok)
    {
      json_object_set_string_member (details, "package", dir);
      json_object_set_string_member (details, "manifest_sha256", sha);
      json_set_string_or_null (details, "verdict", verdict);
      ok = audit_append_object (self, "import", uuid, details, error);
    }
  if (!txn_end (self, ok, error))
    return FALSE;
  if (uuid_out)
    *uuid_out = g_strdup (uuid);
  return TRUE;
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
  if (!check_utf8 (_("export target"), target, error) || !check_utf8 (_("label"), label, error) ||
      !check_utf8 (_("result"), result, error))
    return -1;
  if (!txn_begin (self, error))
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

      ok = session_row_id (self, session_uuids[i], &session_id, NULL, error);
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
      ok = audit_append_object (self, "export", NULL, details, error);
    }
  if (!txn_end (self, ok, error))
    return -1;
  return id;
}
