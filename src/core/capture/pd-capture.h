/* pd-capture.h — records a source through source ! encoder ! mp4mux ! proofhash ! filesink
 * into a new evidence package, and seals it when stopped. */
#pragma once

#include <gio/gio.h>
#include <gst/gst.h>
#include <json-glib/json-glib.h>

#include "ocr/pd-ocr.h"
#include "sources/pd-source.h"
#include "util/pd-types.h"

G_BEGIN_DECLS

typedef enum {
  PD_QUALITY_STANDARD,   /* CRF 20, ultrafast: small files, legible chat text */
  PD_QUALITY_HIGH,       /* CRF 16, superfast: fine print stays sharp, about twice the size */
} PdQuality;

typedef enum {
  PD_ENCODER_AUTO,       /* x264enc, else openh264enc */
  PD_ENCODER_X264,
  PD_ENCODER_OPENH264,
} PdEncoderChoice;

#define PD_TYPE_CAPTURE (pd_capture_get_type ())
G_DECLARE_FINAL_TYPE (PdCapture, pd_capture, PD, CAPTURE, GObject)

PdCapture  *pd_capture_new                 (const PdSourceSpec *source);
void        pd_capture_set_evidence_root   (PdCapture *self, const char *path);
void        pd_capture_set_case            (PdCapture *self, const char *case_name);
/* The case's parties ("张三 v. 李四") and kind of dispute ("private lending"), written into the
 * manifest and onto the certificate; NULL (the default) leaves them out. */
void        pd_capture_set_parties         (PdCapture *self, const char *parties);
void        pd_capture_set_dispute_type    (PdCapture *self, const char *dispute_type);
void        pd_capture_set_scenario        (PdCapture *self, const char *scenario);
void        pd_capture_set_operator        (PdCapture *self, const char *operator_name);
/* Running time between checkpoints, nanoseconds; 0 = none. Default 10 s. */
void        pd_capture_set_checkpoint_interval (PdCapture *self, guint64 ns);
void        pd_capture_set_encoder         (PdCapture *self, PdEncoderChoice choice);
void        pd_capture_set_quality         (PdCapture *self, PdQuality quality);
/* The authority that stamps checkpoints while recording, then the recording and the manifest.
 * NULL (the default) seals without timestamps. */
void        pd_capture_set_tsa             (PdCapture *self, PdTsaClient *tsa);
/* Records the session and its states (created → recording → sealing → stamped | awaiting-stamp
 * | failed | recovered) in the catalog, and stamps the audit log's head at the end. The
 * catalog never decides whether a recording survives: its errors become warnings. */
void        pd_capture_set_catalog         (PdCapture *self, PdCatalog *catalog);
/* Frames per second of the recording (default 30). */
void        pd_capture_set_framerate       (PdCapture *self, int fps);

/* Checks the source and encoder, creates the package and starts recording. Needs a running
 * main loop on the thread-default context for bus messages. */
gboolean    pd_capture_start               (PdCapture *self, GError **error);
/* Sends EOS, waits for the final digest, writes the manifest (and, with a TSA, the tokens). */
void        pd_capture_stop_async          (PdCapture *self, GCancellable *cancellable,
                                            GAsyncReadyCallback callback, gpointer user_data);
PdPackage  *pd_capture_stop_finish         (PdCapture *self, GAsyncResult *result, GError **error);

/* Recovery of a capture that never finished (crash, kill, power loss): the package folder has
 * its recording and journal but no manifest. The recording is hashed exactly as it is on disk
 * (never modified or truncated), checkpoint tokens already received are kept, and the package
 * is sealed with state "recovered", the reason and the last timestamped checkpoint. */
PdCapture  *pd_capture_new_for_recovery    (const char *package_dir, GError **error);
void        pd_capture_recover_async       (PdCapture *self, PdTsaClient *tsa, const char *reason,
                                            GCancellable *cancellable,
                                            GAsyncReadyCallback callback, gpointer user_data);
PdPackage  *pd_capture_recover_finish      (PdCapture *self, GAsyncResult *result, GError **error);
/* Package folders under an evidence root that need recovery. NULL-terminated; g_strfreev. */
char      **pd_capture_find_unsealed       (const char *evidence_root);

gboolean    pd_capture_is_recording        (PdCapture *self);
guint64     pd_capture_get_bytes           (PdCapture *self);
guint64     pd_capture_get_frames          (PdCapture *self);
guint64     pd_capture_get_running_time    (PdCapture *self);
const char *pd_capture_get_encoder_name    (PdCapture *self);
/* The preview branch (on by default) costs a colour conversion and scale per frame; the CLI,
 * which shows no preview, turns it off. Marks then carry no still frame. */
void        pd_capture_set_preview_enabled (PdCapture *self, gboolean enabled);
/* Live preview: the newest frame of a leaky side branch (BGRA, at most 1280 px wide), or NULL
 * when none arrived since the last call. Preview frames may be dropped; recorded ones never are.
 * Call from the main thread while recording. */
GstSample  *pd_capture_pull_preview        (PdCapture *self);

/* Marks a checklist item at the current moment: stream time, wall time, and a still frame (PNG
 * of the current preview frame, written to stills/ and listed in the manifest). Returns the
 * mark's id (1, 2, …) or 0 and an error. `note` is a short text such as an amount or a date. */
guint       pd_capture_add_mark            (PdCapture *self, const char *item_id,
                                            const char *item_title, const char *note,
                                            GError **error);
/* Undoes a mark while recording. The mark stays in the manifest, flagged undone with the time
 * of the undo: the record of what happened is kept. */
gboolean    pd_capture_undo_mark           (PdCapture *self, guint mark_id, GError **error);
/* The checklist's state at stop, written into the manifest as "checklist": e.g. the scenario,
 * the required items left unmarked and what the operator chose ("sealed-anyway"). */
void        pd_capture_set_checklist_summary (PdCapture *self, JsonObject *summary);

/* Reads the screen while recording: preview frames (the preview must be on) are offered to
 * `worker` with their stream time; the worker drops what it cannot read in time, so the
 * recording is never slowed. NULL detaches. */
void        pd_capture_set_ocr             (PdCapture *self, PdOcrWorker *worker);
/* Records what the operator did with an OCR suggestion: `decision` is "confirmed" (then
 * `mark_id` is the mark it became) or "dismissed" (mark_id 0). Journalled at once and written
 * into the manifest as "ocr_suggestions"; the OCR text is a hint there, never evidence. */
gboolean    pd_capture_record_suggestion   (PdCapture *self, const PdOcrSuggestion *suggestion,
                                            const char *decision, guint mark_id, GError **error);

/* Things the user must be told about the seal (a stamp that failed, …); NULL-terminated,
 * owned by the capture. */
const char * const *pd_capture_get_warnings (PdCapture *self);
/* The running pipeline (diagnostics and tests); NULL before start. */
GstElement *pd_capture_get_pipeline        (PdCapture *self);
/* The package being written; NULL before start. */
PdPackage  *pd_capture_get_package         (PdCapture *self);

G_END_DECLS
