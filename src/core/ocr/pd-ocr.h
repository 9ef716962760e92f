/* pd-ocr.h — the checklist watches the screen: text recognition (Tesseract, chi_sim + eng) on
 * preview frames while recording, and suggestions of checklist marks from what the text says
 * ("ID page seen", "amount ¥50,000 at 00:03:12", "repayment date 2025-06-30").
 *
 * The OCR text is a hint for the operator, never evidence by itself: a suggestion becomes a
 * mark only when the operator confirms it, and confirmed and dismissed suggestions are both
 * written into the manifest as such.
 *
 * Three parts:
 *  - text patterns and detection (pd-ocr-detect.c): pure text, no Tesseract needed;
 *  - the engine and the live worker (pd-ocr.c): Tesseract's C API on BGRA frames, in one
 *    low-priority thread that never blocks the pipeline (frames are dropped, never queued);
 *  - the scan of a finished recording (pd-ocr-scan.c): `proofctl ocr` and the session details.
 * Without Tesseract at build time (meson -Docr=disabled) detection still works and the engine
 * says so with PD_OCR_ERROR_UNAVAILABLE. */
#pragma once

#include <gio/gio.h>
#include <gst/gst.h>
#include <json-glib/json-glib.h>

#include "checklist/pd-checklist.h"
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

/* ---- Recognised text ---- */

/* One line of text as Tesseract read it, with its box in the pixels of the frame given to the
 * engine (not of any downscaled copy). */
typedef struct {
  char  *text;        /* UTF-8 as recognised (spaces Tesseract puts between CJK glyphs kept) */
  int    x, y, width, height;
  double confidence;  /* 0 … 1 */
} PdOcrLine;

PdOcrLine *pd_ocr_line_new  (const char *text, int x, int y, int width, int height,
                             double confidence);
void       pd_ocr_line_free (PdOcrLine *line);

/* ---- Text patterns (pd-ocr-detect.c) ---- */

typedef enum {
  PD_OCR_MATCH_KEYWORD,   /* one of the item's hint keywords */
  PD_OCR_MATCH_AMOUNT,    /* ¥50,000.00 / ￥5万 / 50000元 / RMB 1,200 / 伍万元 / 人民币伍万元整 */
  PD_OCR_MATCH_DATE,      /* 2025-05-07 / 2025/5/7 / 2025年5月7日 / 5月7日 13:58 / 二〇二五年五月七日 */
  PD_OCR_MATCH_RATE,      /* 年利率 24% / 月息 2 分 */
  PD_OCR_MATCH_PHONE,     /* 138****5678 */
  PD_OCR_MATCH_ID_NUMBER, /* an 18-character resident ID number (checksum checked) or a masked one */
  PD_OCR_MATCH_ACCOUNT,   /* a bank card or account number, whole or masked (6222 **** 1234) */
} PdOcrMatchKind;

typedef struct {
  PdOcrMatchKind kind;
  char   *text;        /* exactly as found in the (width-folded) line */
  char   *value;       /* normalised: amounts "50000.00"; dates "2025-05-07", "2025-05-07 13:58",
                        * "--05-07 13:58" when the year is not shown; rates "24%"; others as text
                        * without spaces */
  gint64  amount_fen;  /* amounts: in fen (0.01 yuan); -1 for every other kind */
  gsize   start, end;  /* byte offsets of `text` in the folded line */
} PdOcrMatch;

void        pd_ocr_match_free        (PdOcrMatch *match);
/* Full-width ASCII (０-９, Ａ-Ｚ, ￥ stays ￥, ，．：) folded to ASCII, U+3000 to a space,
 * NFKC-like for the characters OCR and Chinese UIs mix. Always returns a new string. */
char       *pd_ocr_fold_text         (const char *text);
/* Chinese numerals, financial (壹贰叁肆伍陆柒捌玖拾佰仟万亿) and common (一二三…十百千万亿, 〇/零,
 * 两), with 元/角/分/整 handled by the amount finder: "伍万" → 50000, "一千二百" → 1200,
 * "十五" → 15. FALSE when `text` is not wholly a Chinese numeral. */
gboolean    pd_ocr_parse_chinese_number (const char *text, gint64 *value);
/* Every match of one kind in a line; a new array of PdOcrMatch (free func set), maybe empty. */
GPtrArray  *pd_ocr_find_amounts      (const char *line);
GPtrArray  *pd_ocr_find_dates        (const char *line);
GPtrArray  *pd_ocr_find_rates        (const char *line);
GPtrArray  *pd_ocr_find_phones       (const char *line);
GPtrArray  *pd_ocr_find_id_numbers   (const char *line);
GPtrArray  *pd_ocr_find_accounts     (const char *line);
/* "50000.00" → "¥50,000.00" for display. */
char       *pd_ocr_format_amount     (gint64 amount_fen);

/* ---- Suggestions ---- */

#define PD_TYPE_OCR_SUGGESTION (pd_ocr_suggestion_get_type ())
typedef struct {
  char          *item_id;
  char          *item_title;   /* the template's English title */
  PdOcrMatchKind kind;         /* what made the suggestion: a value kind, or KEYWORD alone */
  char          *text;         /* the text found, shown on the badge: "¥50,000", "实名认证" */
  char          *value;        /* normalised value (see PdOcrMatch), or the keyword */
  char          *line;         /* the whole recognised line it came from */
  int            x, y, width, height;  /* its box on the frame */
  double         confidence;   /* 0 … 1: Tesseract's confidence × how well the item's hints fit */
  guint64        stream_time;  /* ns since the recording started */
  GstSample     *frame;        /* the frame it was read from (BGRA), for a thumbnail; may be NULL */
} PdOcrSuggestion;

GType            pd_ocr_suggestion_get_type (void) G_GNUC_CONST;
PdOcrSuggestion *pd_ocr_suggestion_copy     (const PdOcrSuggestion *suggestion);
void             pd_ocr_suggestion_free     (PdOcrSuggestion *suggestion);
/* { item, kind, text, value, line, box: [x, y, w, h], confidence, stream_time_ns } — the
 * manifest adds decision and mark. */
JsonObject      *pd_ocr_suggestion_to_json  (const PdOcrSuggestion *suggestion);
const char      *pd_ocr_match_kind_to_string (PdOcrMatchKind kind);  /* "amount", "date", … */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PdOcrSuggestion, pd_ocr_suggestion_free)

/* Which checklist items the recognised lines of one frame suggest. An item is suggested when
 * its hints fit: a value of the kind its patterns ask for (amount_pattern, date_pattern,
 * rate_pattern, phone_pattern) on a frame that also shows one of its keywords, or, for an item
 * with keywords only, one of its keywords. Items already marked are skipped. One suggestion per
 * item and frame (the best); a new array of PdOcrSuggestion (free func set), maybe empty.
 * `frame` (may be NULL) is referenced by every suggestion. */
GPtrArray  *pd_ocr_detect            (PdChecklist *checklist, GPtrArray *lines /* PdOcrLine */,
                                      guint64 stream_time, GstSample *frame);

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
