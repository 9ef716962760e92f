/* pd-ocr.h — the checklist watches the screen: text recognition (Tesseract, chi_sim + eng) on
 * preview frames while recording, and suggestions of checklist marks from what the text says
 * ("ID page seen", "amount ¥50,000 at 00:03:12", "repayment date 2025-06-30").
 *
 * The OCR text is a hint for the operator, never evidence by itself: a suggestion becomes a
 * mark only when the operator confirms it, and confirmed and dismissed suggestions are both
 * written into the manifest as such.
 *
 * Three parts:
 *  - text patterns and detection (pd-ocr-detect.h, pd-ocr-detect.c and the pattern files beside
 *    it): pure text, no Tesseract needed;
 *  - the engine and the live worker (pd-ocr.c): Tesseract's C API on BGRA frames, in one
 *    low-priority thread that never blocks the pipeline (frames are dropped, never queued);
 *  - the scan of a finished recording (pd-ocr-scan.c): `proofctl ocr` and the session details.
 * Without Tesseract at build time (meson -Docr=disabled) detection still works and the engine
 * says so with PD_OCR_ERROR_UNAVAILABLE. */
#pragma once

#include <gio/gio.h>
#include <gst/gst.h>
#include <json-glib/json-glib.h>

#include "ocr/pd-ocr-detect.h"
#include "util/pd-types.h"

G_BEGIN_DECLS

#define PD_OCR_ERROR (pd_ocr_error_quark ())
typedef enum {
  PD_OCR_ERROR_UNAVAILABLE,  /* built without Tesseract, or its language data is missing */
  PD_OCR_ERROR_FAILED,       /* Tesseract could not read the frame */
  PD_OCR_ERROR_FORMAT,       /* a frame that is not BGRA/BGRx, or of a bad size */
  PD_OCR_ERROR_PACKAGE,      /* scan: not a package, no recording, cannot decode it */
} PdOcrError;

GQuark pd_ocr_error_quark (void);

/* ---- Engine (pd-ocr.c) ---- */

/* Whether this build has Tesseract and the language data is there. */
gboolean     pd_ocr_is_available     (GError **error);

typedef struct _PdOcrEngine PdOcrEngine;
/* `languages` as Tesseract spells them, NULL = "chi_sim+eng". Not thread-safe: one engine per
 * thread. */
PdOcrEngine *pd_ocr_engine_new       (const char *languages, GError **error);
void         pd_ocr_engine_free      (PdOcrEngine *engine);
/* Reads a BGRA/BGRx frame; downscales it first when it is larger than needed for text of
 * phone-screen size. Returns PdOcrLine (free func set), boxes in the frame's own pixels. */
GPtrArray   *pd_ocr_engine_recognize (PdOcrEngine *engine, const guint8 *pixels, int width,
                                      int height, int stride, GError **error);
GPtrArray   *pd_ocr_engine_recognize_sample (PdOcrEngine *engine, GstSample *sample,
                                             GError **error);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PdOcrEngine, pd_ocr_engine_free)

/* ---- Live worker (pd-ocr.c) ---- */

#define PD_TYPE_OCR_WORKER (pd_ocr_worker_get_type ())
G_DECLARE_FINAL_TYPE (PdOcrWorker, pd_ocr_worker, PD, OCR_WORKER, GObject)

/* A worker thread (lowest CPU priority) that reads at most one frame every
 * `min_interval` and only when the picture changed since the last frame it read. Signals are
 * emitted on the thread-default main context of the thread that created the worker:
 *   ::suggestion (PdOcrSuggestion *) — a new suggestion; the same item and value are not
 *                                      suggested twice in one worker's life. */
PdOcrWorker *pd_ocr_worker_new            (PdChecklist *checklist, GError **error);
/* Default 1.5 s. */
void         pd_ocr_worker_set_min_interval (PdOcrWorker *self, guint64 ns);
/* Any thread, never blocks: replaces the frame waiting to be read (if any). */
void         pd_ocr_worker_offer          (PdOcrWorker *self, GstSample *sample, guint64 stream_time);
/* Test hook: sleep this long in the worker thread after each frame (an artificially slow OCR). */
void         pd_ocr_worker_set_extra_delay (PdOcrWorker *self, guint64 ns);
/* Frames offered, read, skipped because unchanged, replaced before they were read. */
void         pd_ocr_worker_get_stats      (PdOcrWorker *self, guint64 *offered, guint64 *read,
                                           guint64 *unchanged, guint64 *dropped);
/* Stops the thread (waits for the frame being read). Also done on finalize. */
void         pd_ocr_worker_stop           (PdOcrWorker *self);

/* ---- Scan of a finished recording (pd-ocr-scan.c) ---- */

/* Decodes the package's recording, reads one frame every `interval` ns (0 = every 2 s) and
 * returns suggestions (PdOcrSuggestion, in stream-time order, frame = NULL) for the items of
 * `checklist` that are not marked. `checklist` NULL = the scenario named in the manifest, with
 * the marks in the manifest applied. The recording is opened read-only. */
void       pd_ocr_scan_package_async  (const char *package_dir, PdChecklist *checklist,
                                       guint64 interval, GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data);
GPtrArray *pd_ocr_scan_package_finish (GAsyncResult *result, GError **error);
GPtrArray *pd_ocr_scan_package        (const char *package_dir, PdChecklist *checklist,
                                       guint64 interval, GCancellable *cancellable,
                                       GError **error);

G_END_DECLS
