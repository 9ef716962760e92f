/* pd-ocr-detect.h — recognised text and what is read from it: folding, the text patterns
 * (amounts, dates, rates, phone, ID and account numbers), and checklist suggestions of one frame.
 * Pure text, no Tesseract; implemented by pd-ocr-detect.c and the pattern files beside it.
 * Included by pd-ocr.h, the header the rest of Proofdesk includes. */
#pragma once

#include <gst/gst.h>
#include <json-glib/json-glib.h>

#include "checklist/pd-checklist.h"

G_BEGIN_DECLS

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

/* ---- Text patterns (pd-ocr-fold.c, pd-ocr-patterns.c, pd-ocr-numbers.c, pd-ocr-dates.c,
 *      pd-ocr-ids.c) ---- */

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

/* ---- Suggestions (pd-ocr-suggestion.c) ---- */

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

/* ---- Detection (pd-ocr-detect.c) ---- */

/* Which checklist items the recognised lines of one frame suggest. An item is suggested when
 * its hints fit: a value of the kind its patterns ask for (amount_pattern, date_pattern,
 * rate_pattern, phone_pattern) on a frame that also shows one of its keywords, or, for an item
 * with keywords only, one of its keywords. Items already marked are skipped. One suggestion per
 * item and frame (the best); a new array of PdOcrSuggestion (free func set), maybe empty.
 * `frame` (may be NULL) is referenced by every suggestion. */
GPtrArray  *pd_ocr_detect            (PdChecklist *checklist, GPtrArray *lines /* PdOcrLine */,
                                      guint64 stream_time, GstSample *frame);

G_END_DECLS
