/* pd-manifest.h — the one reader of manifest.json and journal.jsonl: parsed once, with limits,
 * into typed fields. Every module and both front ends read evidence through it.
 *
 * The bytes are checked before json-glib sees them (pd_json_check): at most
 * PD_MANIFEST_MAX_SIZE bytes, nesting at most PD_JSON_MAX_DEPTH, no key twice in one object
 * (a manifest with two "sha256" keys would mean different things to different readers), then
 * the root must be an object. Typed getters return NULL (strings) or -1 (numbers) when a field is
 * missing or has another type; they never trust the manifest to be well formed. What a field
 * means is in pd-package.h; whether it is *true* is the verifier's job. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Far above any manifest Proofdesk writes (an 8-hour recording with a checkpoint every 10 s
 * and a hundred marks is about 1.5 MB). */
#define PD_MANIFEST_MAX_SIZE    (16 * 1024 * 1024)
/* The journal grows by one line per event (checkpoint, mark, OCR decision). */
#define PD_JOURNAL_MAX_SIZE     (64 * 1024 * 1024)
#define PD_JOURNAL_MAX_LINE     (1024 * 1024)

typedef struct _PdManifest PdManifest;

/* One entry of files[] (or the recording): size -1 and NULL strings when absent or mistyped. */
typedef struct
{
  const char *name;
  gint64      size;
  const char *sha256;
  const char *token;     /* the recording's token name; NULL for files[] entries */
} PdManifestFile;

/* One entry of checkpoints[]: -1 and NULL when absent or mistyped. */
typedef struct
{
  gint64      index;
  gint64      offset;
  const char *sha256;
  const char *token;
  const char *gen_time;    /* the token's time as the capture recorded it (a claim) */
  const char *stream_time; /* "HH:MM:SS" */
  const char *wall_time;
  gint64      running_time_ns;
} PdManifestCheckpoint;

/* One entry of marks[]: -1 and NULL when absent or mistyped. */
typedef struct
{
  gint64      id;
  const char *item;
  const char *title;
  const char *note;
  const char *still;
  const char *stream_time; /* "HH:MM:SS" */
  const char *wall_time;
  gint64      running_time_ns;
  gboolean    undone;
} PdManifestMark;

GType        pd_manifest_get_type        (void) G_GNUC_CONST;
/* Parses `bytes` (kept: the exact bytes the manifest's token covers). */
PdManifest  *pd_manifest_new_from_bytes  (GBytes *bytes, GError **error);
/* manifest.json below `dirfd`, read with pd_evidence_read_at (no symlinks, no FIFOs, the size
 * limit): a missing manifest is G_IO_ERROR_NOT_FOUND. */
PdManifest  *pd_manifest_load_at         (int dirfd, GError **error);
/* manifest.json of the package folder `package_dir`. */
PdManifest  *pd_manifest_load            (const char *package_dir, GError **error);
PdManifest  *pd_manifest_ref             (PdManifest *self);
void         pd_manifest_unref           (PdManifest *self);

GBytes      *pd_manifest_get_bytes       (PdManifest *self);
/* Lower-case hex SHA-256 of the bytes. */
const char  *pd_manifest_get_sha256      (PdManifest *self);
/* The whole parsed object, for fields without a typed getter (read with pd_json_*). */
JsonObject  *pd_manifest_get_object      (PdManifest *self);

/* "format" is PD_MANIFEST_FORMAT (whatever the version). */
gboolean     pd_manifest_is_proofdesk    (PdManifest *self);
/* format_version, or -1. */
gint64       pd_manifest_get_format_version (PdManifest *self);
/* The format and a version this build reads. */
gboolean     pd_manifest_is_known_format (PdManifest *self);

/* Top-level strings: "session", "state", "case", "scenario", "operator", "host", "parties",
 * "dispute_type", "started", "stopped", "failure". NULL when absent or not a string. */
const char  *pd_manifest_get_string      (PdManifest *self, const char *key);
const char  *pd_manifest_get_session     (PdManifest *self);
const char  *pd_manifest_get_state       (PdManifest *self);
/* timestamps.authority.{name,url}. */
const char  *pd_manifest_get_authority_name (PdManifest *self);
const char  *pd_manifest_get_authority_url  (PdManifest *self);

/* recording{}; NULL when the manifest has none. */
const PdManifestFile       *pd_manifest_get_recording   (PdManifest *self);
/* files[] / checkpoints[] / marks[] entries that are objects (others are skipped and counted
 * in *n_skipped when not NULL). */
const PdManifestFile       *pd_manifest_get_files       (PdManifest *self, guint *n_files,
                                                         guint *n_skipped);
const PdManifestCheckpoint *pd_manifest_get_checkpoints (PdManifest *self, guint *n_checkpoints,
                                                         guint *n_skipped);
const PdManifestMark       *pd_manifest_get_marks       (PdManifest *self, guint *n_marks,
                                                         guint *n_skipped);
/* checklist.{required, required_marked}; FALSE when the manifest has no checklist summary. */
gboolean     pd_manifest_get_checklist_counts (PdManifest *self, gint64 *required,
                                               gint64 *required_marked);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PdManifest, pd_manifest_unref)

/* ---------------------------------------------------------------- the journal */

/* journal.jsonl: one JSON object per line, each checked like the manifest. A line that does
 * not parse (the last one, cut short by a crash) is skipped and counted in *n_skipped. Returns
 * the events in order (JsonObject, owned by the array), or NULL and an error when the file
 * cannot be read (missing, not a regular file, over PD_JOURNAL_MAX_SIZE). */
GPtrArray   *pd_journal_load             (const char *path, guint *n_skipped, GError **error);
/* The same, from bytes already read (at most PD_JOURNAL_MAX_SIZE; the caller limits them). */
GPtrArray   *pd_journal_parse            (GBytes *bytes, guint *n_skipped);

G_END_DECLS
