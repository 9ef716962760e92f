/* pd-ocr-detect-private.h — what the text-pattern files of src/core/ocr share: the compact view of
 * a line (pd-ocr-fold.c), the pattern table and one search (pd-ocr-patterns.c), and each kind's
 * search (pd-ocr-numbers.c, pd-ocr-dates.c, pd-ocr-ids.c), used by pd-ocr-detect.c. */
#pragma once

#include "ocr/pd-ocr-detect.h"

G_BEGIN_DECLS

/* ---- Compact views (pd-ocr-fold.c) ----
 *
 * Tesseract puts spaces between CJK glyphs ("实 名 认 证") and sometimes between digits
 * ("5 0 , 0 0 0"). Patterns are searched in a compact copy with those spaces taken out and a
 * map from every byte of the copy back to the folded line, so offsets stay meaningful. */

typedef struct
{
  GString *text;
  GArray  *map;  /* guint: for each byte of text, the offset in the folded line of its char */
} PdOcrCompact;

/* `for_keywords`: every space out and ASCII lower-cased; otherwise only the spaces that are OCR
 * noise inside one token, other runs collapsed to one space. */
void     pd_ocr_compact_init      (PdOcrCompact *c, const char *folded, gboolean for_keywords);
void     pd_ocr_compact_clear     (PdOcrCompact *c);
/* Folded-line byte range of the compact range [cs, ce). */
void     pd_ocr_compact_to_folded (const PdOcrCompact *c, const char *folded, gsize cs, gsize ce,
                                   gsize *fs, gsize *fe);

/* ---- Pattern machinery (pd-ocr-patterns.c) ---- */

typedef enum {
  RX_AMOUNT_PREFIX,
  RX_AMOUNT_SUFFIX,
  RX_AMOUNT_WAN,
  RX_AMOUNT_SIGNED,
  RX_AMOUNT_CHINESE,
  RX_DATE_YMD,
  RX_DATE_CN_YMD,
  RX_DATE_MD,
  RX_DATE_MD_TIME,
  RX_DATE_CN_NUMERALS,
  RX_RATE,
  RX_PHONE,
  RX_ID,
  RX_CARD,
  RX_CARD_MASKED,
  RX_CARD_TAIL,
  RX_CARD_BANK,
  N_RX
} PdOcrRxId;

/* A search over the compact text of one line. */
typedef struct
{
  const char         *folded;
  const PdOcrCompact *compact;
  GPtrArray          *out;   /* PdOcrMatch */
} PdOcrSearch;

/* Reads one match of a pattern into its normalised value (and, for amounts, fen); FALSE when the
 * text only looks like a value. */
typedef gboolean (*PdOcrMatchFunc) (PdOcrSearch *s, GMatchInfo *info, char **value, gint64 *fen);

/* Group `n` of a match, NULL when it is empty or did not take part. */
char      *pd_ocr_group          (GMatchInfo *info, int n);
/* `s` without ASCII spaces and '-'. */
char      *pd_ocr_strip_spaces   (const char *s);
/* Adds to s->out every match of pattern `id` that `func` accepts, as a PdOcrMatch of `kind`. */
void       pd_ocr_search_rx      (PdOcrSearch *s, PdOcrRxId id, PdOcrMatchKind kind,
                                  PdOcrMatchFunc func);
/* The folded line, cut to a bounded length on a character boundary. */
char      *pd_ocr_fold_line      (const char *line);
/* The matches of `kind` in a folded line and its compact view, by position, without overlaps. */
GPtrArray *pd_ocr_find_in_folded (const char *folded, const PdOcrCompact *compact,
                                  PdOcrMatchKind kind);

/* ---- Each kind's search ---- */

/* pd-ocr-numbers.c: 0 … 9 for a Chinese digit (零〇 0, 一壹 1, 两 2 …), -1 otherwise. */
int        pd_ocr_cn_digit          (gunichar c);
void       pd_ocr_search_amounts    (PdOcrSearch *s);
/* pd-ocr-dates.c */
void       pd_ocr_search_dates      (PdOcrSearch *s);
void       pd_ocr_search_rates      (PdOcrSearch *s);
/* pd-ocr-ids.c */
void       pd_ocr_search_phones     (PdOcrSearch *s);
void       pd_ocr_search_id_numbers (PdOcrSearch *s);
void       pd_ocr_search_accounts   (PdOcrSearch *s);

/* ---- Suggestions (pd-ocr-suggestion.c) ---- */

/* Badge text: spaces next to a CJK character are OCR noise ("2025 年 5 月"), others stay
 * single ("6222 **** 1234", "2025-05-07 13:58"). */
char      *pd_ocr_tidy_text         (const char *text);

G_END_DECLS
