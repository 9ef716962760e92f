/* pd-catalog.h — the SQLite catalog: cases, sessions, their files and tokens, exports, and a hash-chained, timestamped audit log. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "util/pd-types.h"

G_BEGIN_DECLS

#define PD_CATALOG_FILE_NAME      "catalog.db"
/* The schema version this build writes (PRAGMA user_version). A newer catalog is refused. */
#define PD_CATALOG_SCHEMA_VERSION 2

/* Session states, as stored (the CHECK constraint of sessions.state lists exactly these). */
#define PD_SESSION_STATE_CREATED        "created"
#define PD_SESSION_STATE_RECORDING      "recording"
#define PD_SESSION_STATE_SEALING        "sealing"
#define PD_SESSION_STATE_STAMPED        "stamped"
#define PD_SESSION_STATE_AWAITING_STAMP "awaiting-stamp"
#define PD_SESSION_STATE_FAILED         "failed"
#define PD_SESSION_STATE_RECOVERED      "recovered"

/* Export target kinds (exports.target_kind). */
#define PD_EXPORT_FOLDER "folder"
#define PD_EXPORT_USB    "usb"
#define PD_EXPORT_ISO    "iso"
#define PD_EXPORT_DISC   "disc"

/* The first row's prev_hash. */
#define PD_AUDIT_GENESIS_HASH "0000000000000000000000000000000000000000000000000000000000000000"

gboolean pd_catalog_state_is_valid (const char *state);

/* ---- Session records (immutable snapshots of one sessions row) ---- */

typedef struct _PdCatalogSession PdCatalogSession;

#define PD_TYPE_CATALOG_SESSION (pd_catalog_session_get_type ())
GType             pd_catalog_session_get_type             (void) G_GNUC_CONST;
PdCatalogSession *pd_catalog_session_ref                  (PdCatalogSession *self);
void              pd_catalog_session_unref                (PdCatalogSession *self);
gint64            pd_catalog_session_get_id               (PdCatalogSession *self);
const char       *pd_catalog_session_get_uuid             (PdCatalogSession *self);
/* The case name, or NULL for a session filed under no case. */
const char       *pd_catalog_session_get_case_name        (PdCatalogSession *self);
/* The case's parties and kind of dispute, NULL when not recorded. */
const char       *pd_catalog_session_get_parties          (PdCatalogSession *self);
const char       *pd_catalog_session_get_dispute_type     (PdCatalogSession *self);
const char       *pd_catalog_session_get_state            (PdCatalogSession *self);
const char       *pd_catalog_session_get_state_reason     (PdCatalogSession *self);
const char       *pd_catalog_session_get_source           (PdCatalogSession *self);
const char       *pd_catalog_session_get_scenario         (PdCatalogSession *self);
const char       *pd_catalog_session_get_package_path     (PdCatalogSession *self);
/* Times in UTC, or NULL when not known yet. */
GDateTime        *pd_catalog_session_get_started          (PdCatalogSession *self);
GDateTime        *pd_catalog_session_get_stopped          (PdCatalogSession *self);
/* genTime of the recording's token. */
GDateTime        *pd_catalog_session_get_stamp_time       (PdCatalogSession *self);
/* Seconds recorded (manifest duration_seconds), or -1. */
double            pd_catalog_session_get_capture_time     (PdCatalogSession *self);
const char       *pd_catalog_session_get_recording_sha256 (PdCatalogSession *self);
/* Bytes, or -1 when not known yet. */
gint64            pd_catalog_session_get_recording_size   (PdCatalogSession *self);
const char       *pd_catalog_session_get_manifest_sha256  (PdCatalogSession *self);
/* TRUE when the package was stamped by the practice authority (not for court). */
gboolean          pd_catalog_session_get_practice         (PdCatalogSession *self);
/* Every column, times as RFC 3339 strings, absent values as null. */
JsonNode         *pd_catalog_session_to_json              (PdCatalogSession *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PdCatalogSession, pd_catalog_session_unref)

/* ---- Audit log entries and the verification report ---- */

/* One audit_log row; read-only for callers. */
typedef struct
{
  gint64  seq;
  char   *time;       /* RFC 3339 UTC */
  char   *actor;
  char   *action;
  char   *session;    /* session UUID, or NULL */
  char   *details;    /* JSON text */
  char   *prev_hash;  /* lowercase hex */
  char   *row_hash;   /* lowercase hex */
} PdAuditEntry;

#define PD_TYPE_AUDIT_ENTRY (pd_audit_entry_get_type ())
GType         pd_audit_entry_get_type (void) G_GNUC_CONST;
PdAuditEntry *pd_audit_entry_copy     (const PdAuditEntry *entry);
void          pd_audit_entry_free     (PdAuditEntry *entry);
/* The row hash as defined in pd-catalog-audit.c (recomputed from the fields, row_hash ignored). */
char         *pd_audit_entry_compute_hash (const PdAuditEntry *entry);
JsonNode     *pd_audit_entry_to_json  (const PdAuditEntry *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PdAuditEntry, pd_audit_entry_free)

/* One thing wrong with the log; read-only for callers. */
typedef struct
{
  char   *kind;    /* stable id: "row.hash", "row.link", "row.gap", "triggers", "stamp.imprint", … */
  gint64  seq;     /* the audit row concerned, 0 when none */
  char   *message; /* one translated sentence */
} PdAuditProblem;

typedef struct _PdAuditReport PdAuditReport;

#define PD_TYPE_AUDIT_REPORT (pd_audit_report_get_type ())
GType          pd_audit_report_get_type           (void) G_GNUC_CONST;
PdAuditReport *pd_audit_report_ref                (PdAuditReport *self);
void           pd_audit_report_unref              (PdAuditReport *self);
/* TRUE only when there is no problem at all. */
gboolean       pd_audit_report_get_ok             (PdAuditReport *self);
/* Borrowed array of PdAuditProblem*, in the order found. */
GPtrArray     *pd_audit_report_get_problems       (PdAuditReport *self);
/* First problem with this kind (and seq, unless 0), or NULL. */
const PdAuditProblem *pd_audit_report_find_problem (PdAuditReport *self, const char *kind,
                                                    gint64 seq);
guint          pd_audit_report_get_n_rows         (PdAuditReport *self);
guint          pd_audit_report_get_n_stamps       (PdAuditReport *self);
/* Stamps whose signature and chain were checked against a trust store (0 without one:
 * then only imprints and row hashes are compared). */
guint          pd_audit_report_get_n_stamps_trusted (PdAuditReport *self);
/* Highest seq and its row hash (NULL for an empty log). */
gint64         pd_audit_report_get_head_seq       (PdAuditReport *self);
const char    *pd_audit_report_get_head_hash      (PdAuditReport *self);
/* Highest seq covered by a good timestamp, 0 when none. */
gint64         pd_audit_report_get_stamped_seq    (PdAuditReport *self);
JsonNode      *pd_audit_report_to_json            (PdAuditReport *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PdAuditReport, pd_audit_report_unref)

/* ---- The catalog ---- */

#define PD_TYPE_CATALOG (pd_catalog_get_type ())
G_DECLARE_FINAL_TYPE (PdCatalog, pd_catalog, PD, CATALOG, GObject)

/* <pd_data_dir()>/catalog.db */
char          *pd_catalog_default_path       (void);

/* Opens (creating it 0600, in a 0700 folder, if missing) and migrates the catalog; NULL =
 * the default path. One connection: use a PdCatalog from one thread at a time. Other
 * processes may have the same file open (WAL, busy timeout). */
PdCatalog     *pd_catalog_open               (const char *path, GError **error);
const char    *pd_catalog_get_path           (PdCatalog *self);
/* Who audit rows name as the actor (default: the login name). */
void           pd_catalog_set_actor          (PdCatalog *self, const char *actor);
const char    *pd_catalog_get_actor          (PdCatalog *self);
/* Diagnostics: { path, schema_version, journal_mode, foreign_keys, sqlite_version, cases,
 * sessions, audit_rows, audit_stamps, search }, read from this connection; search is
 * "fts5-trigram" or "like" (see pd_catalog_search_sessions). */
JsonNode      *pd_catalog_get_info           (PdCatalog *self, GError **error);

/* The id of the case called `name`, creating it if needed. A non-NULL `parties` or
 * `dispute_type` fills in (or replaces) the stored value. */
gint64         pd_catalog_ensure_case        (PdCatalog *self, const char *name, const char *parties,
                                              const char *dispute_type, GError **error);
/* Case names, sorted. */
GStrv          pd_catalog_list_cases         (PdCatalog *self, GError **error);
/* The parties and dispute type stored for the case `name` (each NULL when not stored). */
gboolean       pd_catalog_get_case_details   (PdCatalog *self, const char *name, char **parties,
                                              char **dispute_type, GError **error);

/* A new session in state "created". `case_name` NULL or "" files it under no case.
 * Fails with PD_CATALOG_ERROR_EXISTS if the UUID is already catalogued. */
gboolean       pd_catalog_session_create     (PdCatalog *self, const char *uuid, const char *case_name,
                                              const char *scenario, const char *source,
                                              const char *package_path, GDateTime *started,
                                              GError **error);
/* Moves a session to `state` (one of PD_SESSION_STATE_*) and appends a "session.state"
 * audit row, in one transaction. */
gboolean       pd_catalog_session_set_state  (PdCatalog *self, const char *uuid, const char *state,
                                              const char *reason, GError **error);
/* Fills the session's files, tokens, checkpoints and marks (replacing any earlier ones) and
 * its recording/stamp columns from a sealed manifest.json, in one transaction. Token serials
 * and TSA names are read from the token files when the package folder is at hand. */
gboolean       pd_catalog_session_record_package (PdCatalog *self, const char *uuid,
                                                  JsonObject *manifest,
                                                  const char *manifest_sha256, GError **error);

/* Sessions, newest first, optionally only those of one case and/or in one state. */
GPtrArray     *pd_catalog_list_sessions      (PdCatalog *self, const char *case_name,
                                              const char *state, GError **error);
/* Sessions whose case name, parties, dispute type, scenario, source or mark titles/notes
 * contain every whitespace-separated word of `query` (a substring match, case-insensitive for
 * ASCII; "张三", "50,000" and "2025-06" all match inside longer text), newest first, at most
 * `limit` of them (0 = all). `query` is plain text, never query syntax: quotes, `*`, `OR`,
 * `NEAR(` and the like are matched literally. An empty query lists every session. Uses the
 * FTS5 trigram index when this SQLite has one (words of three or more characters), else a
 * scan with LIKE. */
GPtrArray     *pd_catalog_search_sessions    (PdCatalog *self, const char *query, guint limit,
                                              GError **error);
/* A session by UUID or by a unique UUID prefix (PD_CATALOG_ERROR_NOT_FOUND / _AMBIGUOUS). */
PdCatalogSession *pd_catalog_get_session     (PdCatalog *self, const char *uuid_or_prefix,
                                              GError **error);
/* Sessions in any of `states` (NULL-terminated), oldest first: recovery looks for sessions
 * left in "recording"/"sealing" and for those "awaiting-stamp". */
GPtrArray     *pd_catalog_sessions_in_states (PdCatalog *self, const char * const *states,
                                              GError **error);
/* Everything known about one session: { session, files[], tokens[], checkpoints[], marks[],
 * exports[], audit[] }. */
JsonNode      *pd_catalog_describe_session   (PdCatalog *self, const char *uuid_or_prefix,
                                              GError **error);

/* Adds a package that is already on disk (and that the caller has verified: `verdict` is
 * pd_verdict_to_string()'s answer, recorded in the audit row "import"). Reads manifest.json,
 * creates the case and the session (state from the manifest), records the package. If the
 * session is already catalogued with the same manifest, nothing changes and `already` is
 * set; with a different manifest it fails with PD_CATALOG_ERROR_EXISTS. */
gboolean       pd_catalog_import_package     (PdCatalog *self, const char *package_dir,
                                              const char *verdict, gboolean *already,
                                              char **uuid_out, GError **error);
/* The same for a package just verified into `result` (pd_verify_package): the manifest read
 * for the record must have the SHA-256 of the bytes the verdict is about (else
 * PD_CATALOG_ERROR_INVALID and nothing recorded: it was swapped while being verified), and the
 * session's stamp time is the verified genTime. */
gboolean       pd_catalog_import_verified    (PdCatalog *self, const char *package_dir,
                                              PdVerifyResult *result, gboolean *already,
                                              char **uuid_out, GError **error);

/* Records an export of `session_uuids` (NULL-terminated) to `target` and appends an audit
 * row. `result` is "ok" or why it failed. Returns the export id, or -1. */
gint64         pd_catalog_add_export         (PdCatalog *self, const char *target_kind,
                                              const char *target, const char *label,
                                              const char * const *session_uuids,
                                              const char *result, GError **error);

/* Groups every change made until pd_catalog_end_batch() into one transaction (one fsync):
 * for importers and tools that add thousands of sessions. A public call that fails inside a
 * batch undoes only its own changes. `commit` FALSE rolls the whole batch back. Batches do
 * not nest. */
gboolean       pd_catalog_begin_batch        (PdCatalog *self, GError **error);
gboolean       pd_catalog_end_batch          (PdCatalog *self, gboolean commit, GError **error);

/* ---- The audit log ---- */

/* Appends a row chained to the current head. `actor` NULL = pd_catalog_get_actor();
 * `details_json` NULL = "{}", else it must parse as JSON. */
gboolean       pd_catalog_audit_append       (PdCatalog *self, const char *actor, const char *action,
                                              const char *session_uuid, const char *details_json,
                                              GError **error);
/* Every row in seq order, or only those naming `session_uuid`. Array of PdAuditEntry*. */
GPtrArray     *pd_catalog_audit_list         (PdCatalog *self, const char *session_uuid,
                                              GError **error);
/* Timestamps the head row's hash (the 32 bytes of row_hash are the SHA-256 message imprint)
 * and stores the token in audit_stamps. Does nothing when the log is empty or the head is
 * already stamped. Blocks (pd_tsa_client_stamp); the app uses the async variant. */
gboolean       pd_catalog_audit_stamp_head   (PdCatalog *self, PdTsaClient *tsa, GError **error);
void           pd_catalog_audit_stamp_head_async  (PdCatalog *self, PdTsaClient *tsa,
                                                   GCancellable *cancellable,
                                                   GAsyncReadyCallback callback,
                                                   gpointer user_data);
gboolean       pd_catalog_audit_stamp_head_finish (PdCatalog *self, GAsyncResult *result,
                                                   GError **error);
/* TRUE when the head is unstamped and the last stamp is older than `interval` (or there is
 * none): the app's periodic timer calls this, then stamp_head_async. */
gboolean       pd_catalog_audit_stamp_is_due (PdCatalog *self, GTimeSpan interval);
/* Synchronous convenience: stamps the head if pd_catalog_audit_stamp_is_due(). */
gboolean       pd_catalog_audit_stamp_if_due (PdCatalog *self, PdTsaClient *tsa, GTimeSpan interval,
                                              gboolean *stamped, GError **error);
/* Recomputes the whole chain and checks every stamp. With `trust`, each token's signature and
 * chain are verified too (pd_verify_token_bytes); without, only imprint and row hash.
 * NULL and an error only when the catalog cannot be read. */
PdAuditReport *pd_catalog_audit_verify       (PdCatalog *self, PdTrustStore *trust, GError **error);

/* ---- For tests only ---- */

/* Makes this connection search with LIKE, as on a SQLite without FTS5 (writes then no longer
 * update the index: search only). */
void           pd_catalog_debug_disable_fts  (PdCatalog *self);
/* The SQL of migration `version` (1-based), to build an old catalog by hand. */
const char    *pd_catalog_debug_migration_sql (guint version);

G_END_DECLS
