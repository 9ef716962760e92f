/* pd-ocr-detect.c — checklist suggestions from the recognised lines of one frame: keywords, the
 * values the patterns find (pd-ocr-patterns.c …), how well they fit each item. Pure text, no
 * Tesseract. */
#define G_LOG_DOMAIN "pd-ocr"

#include "config.h"

#include <math.h>
#include <string.h>

#include "ocr/pd-ocr-detect-private.h"

/* At most this many lines of one frame are looked at (a phone screen has well under 100),
 * and at most this many values of one kind in each. */
#define MAX_LINES 400
#define MAX_VALUES_PER_LINE 16
#define MAX_KEYWORD_HITS 8
/* Suggestions below this confidence are not shown. */
#define MIN_CONFIDENCE 0.2
/* Many items share amount_pattern: of items reading the same value, one whose keywords say less
 * than this share of another's does not get it. */
#define RIVAL_RATIO 0.7

/* ---- Recognised text ---- */

PdOcrLine *
pd_ocr_line_new (const char *text, int x, int y, int width, int height, double confidence)
{
  PdOcrLine *line = g_new0 (PdOcrLine, 1);

  line->text = g_strdup (text != NULL ? text : "");
  line->x = x;
  line->y = y;
  line->width = width;
  line->height = height;
  line->confidence = confidence;
  return line;
}

void
pd_ocr_line_free (PdOcrLine *line)
{
  if (line == NULL)
    return;
  g_free (line->text);
  g_free (line);
}

void
pd_ocr_match_free (PdOcrMatch *match)
{
  if (match == NULL)
    return;
  g_free (match->text);
  g_free (match->value);
  g_free (match);
}

/* ---- Detection ---- */

/* One recognised line, prepared once per frame. */
typedef struct
{
  const PdOcrLine *line;
  char            *original;   /* the recognised text, made valid UTF-8 */
  char            *folded;
  PdOcrCompact     keywords;   /* all spaces out, ASCII lower-cased */
  PdOcrCompact     values;     /* OCR spaces out */
  GPtrArray       *matches[PD_OCR_MATCH_ACCOUNT + 1];  /* per kind, made on first use */
  double           confidence;
} Line;

static void
line_clear (Line *l)
{
  g_free (l->original);
  g_free (l->folded);
  pd_ocr_compact_clear (&l->keywords);
  pd_ocr_compact_clear (&l->values);
  for (guint k = 0; k < G_N_ELEMENTS (l->matches); k++)
    g_clear_pointer (&l->matches[k], g_ptr_array_unref);
}

static GPtrArray *
line_matches (Line *l, PdOcrMatchKind kind)
{
  if (l->matches[kind] == NULL)
    {
      l->matches[kind] = pd_ocr_find_in_folded (l->folded, &l->values, kind);
      if (l->matches[kind]->len > MAX_VALUES_PER_LINE)
        g_ptr_array_set_size (l->matches[kind], MAX_VALUES_PER_LINE);
    }
  return l->matches[kind];
}

/* How much a keyword says: a single CJK character (借, 还) or a short ASCII token (GB, 4G) is
 * weak; three CJK characters or a long English phrase is specific. */
typedef enum { KW_WEAK, KW_STRONG, KW_LONG } KwStrength;

typedef struct
{
  char       *norm;   /* folded, spaces out, ASCII lower-cased */
  const char *orig;   /* as the template spells it */
  KwStrength  strength;
} Keyword;

typedef struct
{
  guint keyword;      /* index into the item's keywords */
  guint line;
  gsize start, end;   /* in the folded line */
} KwHit;

static KwStrength
keyword_strength (const char *norm)
{
  guint wide = 0, ascii = 0;

  for (const char *p = norm; *p != '\0'; p = g_utf8_next_char (p))
    {
      if ((guchar) *p < 0x80)
        ascii++;
      else
        wide++;
    }
  if (wide >= 3 || ascii >= 8)
    return KW_LONG;
  if ((wide == 1 && ascii == 0) || (wide == 0 && ascii <= 3))
    return KW_WEAK;
  return KW_STRONG;
}

static double
keyword_weight (KwStrength s)
{
  return s == KW_LONG ? 0.15 : s == KW_STRONG ? 0.12 : 0.05;
}

static void
keyword_clear (gpointer data)
{
  g_free (((Keyword *) data)->norm);
}

static int
compare_keywords_longest (gconstpointer a, gconstpointer b)
{
  gsize la = strlen (((const Keyword *) a)->norm), lb = strlen (((const Keyword *) b)->norm);

  return la == lb ? 0 : la > lb ? -1 : 1;
}

/* The item's keywords, normalised, without duplicates, longest first. */
static GArray *
item_keywords (PdChecklistItem *item)
{
  const char *const *raw = pd_checklist_item_get_keywords (item);
  GArray *keywords = g_array_new (FALSE, TRUE, sizeof (Keyword));

  g_array_set_clear_func (keywords, keyword_clear);
  for (guint i = 0; raw != NULL && raw[i] != NULL; i++)
    {
      g_autofree char *folded = pd_ocr_fold_text (raw[i]);
      PdOcrCompact c = { NULL, NULL };
      gboolean dup = FALSE;

      pd_ocr_compact_init (&c, folded, TRUE);
      for (guint k = 0; k < keywords->len && !dup; k++)
        dup = g_str_equal (g_array_index (keywords, Keyword, k).norm, c.text->str);
      if (c.text->len > 0 && !dup)
        {
          Keyword kw = { g_strdup (c.text->str), raw[i], keyword_strength (c.text->str) };
          g_array_append_val (keywords, kw);
        }
      pd_ocr_compact_clear (&c);
    }
  g_array_sort (keywords, compare_keywords_longest);
  return keywords;
}

static int
char_class (gunichar c)
{
  if (c < 0x80 && g_ascii_isalpha (c))
    return 1;
  if (c < 0x80 && g_ascii_isdigit (c))
    return 2;
  return 0;
}

/* An ASCII keyword must not be part of a longer word: "4G" is not in "4GB", "Free" not in
 * "Freedom"; but "GB" is in "128GB". */
static gboolean
keyword_boundaries_ok (const char *folded, gsize fs, gsize fe)
{
  gunichar first = g_utf8_get_char (folded + fs);
  gunichar last = g_utf8_get_char (g_utf8_find_prev_char (folded, folded + fe));

  if (fs > 0)
    {
      gunichar before = g_utf8_get_char (g_utf8_find_prev_char (folded, folded + fs));

      if (char_class (first) != 0 && char_class (before) == char_class (first))
        return FALSE;
    }
  if (folded[fe] != '\0')
    {
      gunichar after = g_utf8_get_char (folded + fe);

      if (char_class (last) != 0 && char_class (after) == char_class (last))
        return FALSE;
    }
  return TRUE;
}

/* The occurrences of the keywords, spaces ignored (at most MAX_KEYWORD_HITS of one keyword in
 * one line); a keyword inside an occurrence of a longer one of the same item ("还" in "还款")
 * does not count again. */
static GArray *
find_keywords (Line *lines, guint n_lines, GArray *keywords)
{
  GArray *hits = g_array_new (FALSE, FALSE, sizeof (KwHit));

  for (guint i = 0; i < n_lines; i++)
    {
      const char *hay = lines[i].keywords.text->str;
      guint       line_first = hits->len;

      for (guint k = 0; k < keywords->len; k++)
        {
          const Keyword *kw = &g_array_index (keywords, Keyword, k);
          gsize kw_len = strlen (kw->norm);
          guint n = 0;

          for (const char *p = strstr (hay, kw->norm); p != NULL && n < MAX_KEYWORD_HITS;
               p = strstr (g_utf8_next_char (p), kw->norm))
            {
              KwHit    hit = { k, i, 0, 0 };
              gboolean covered = FALSE;

              pd_ocr_compact_to_folded (&lines[i].keywords, lines[i].folded, (gsize) (p - hay),
                                 (gsize) (p - hay) + kw_len, &hit.start, &hit.end);
              if (!keyword_boundaries_ok (lines[i].folded, hit.start, hit.end))
                continue;
              for (guint h = line_first; h < hits->len && !covered; h++)
                {
                  const KwHit *o = &g_array_index (hits, KwHit, h);

                  covered = o->keyword != k && o->start <= hit.start && hit.end <= o->end;
                }
              if (!covered)
                {
                  g_array_append_val (hits, hit);
                  n++;
                }
            }
        }
    }
  return hits;
}

/* How near two lines are: 1.5 for the same line, then falling off with the distance in line
 * heights (in lines when the boxes are unknown). */
static double
proximity (const Line *lines, guint a, guint b)
{
  const PdOcrLine *la = lines[a].line, *lb = lines[b].line;
  double h, d;

  /* A keyword in the same line (the same chat bubble, the same row) as the value says most. */
  if (a == b)
    return 1.5;
  h = MAX (la->height, lb->height);
  if (h <= 0)
    d = 1.5 * ABS ((int) a - (int) b);
  else
    d = ABS ((la->y + la->height / 2.0) - (lb->y + lb->height / 2.0)) / h;
  return MAX (0.25, 1.0 / (1.0 + d / 4.0));
}

static const char *
hint_key_for_kind (PdOcrMatchKind kind)
{
  switch (kind)
    {
    case PD_OCR_MATCH_AMOUNT:
      return "amount_pattern";
    case PD_OCR_MATCH_DATE:
      return "date_pattern";
    case PD_OCR_MATCH_RATE:
      return "rate_pattern";
    case PD_OCR_MATCH_PHONE:
      return "phone_pattern";
    default:
      return NULL;
    }
}

/* The value kinds an item asks for: its template patterns, plus ID numbers for
 * party.identity and account numbers for party.accounts (ids README promises). `pattern` is
 * the template's pattern for the kind, NULL when the kind is built in. */
static gboolean
item_wants_kind (PdChecklistItem *item, PdOcrMatchKind kind, const char **pattern)
{
  const char *key = hint_key_for_kind (kind);
  const char *id = pd_checklist_item_get_id (item);

  *pattern = key != NULL ? pd_checklist_item_get_hint (item, key) : NULL;
  if (key != NULL)
    return *pattern != NULL;
  if (kind == PD_OCR_MATCH_ID_NUMBER)
    return g_strcmp0 (id, "party.identity") == 0;
  if (kind == PD_OCR_MATCH_ACCOUNT)
    return g_strcmp0 (id, "party.accounts") == 0;
  return FALSE;
}

/* Whether the template's own pattern matches the text too; template patterns are compiled
 * once per process (a handful of files). */
static gboolean
template_pattern_agrees (const char *pattern, const char *text)
{
  static GMutex      lock;
  static GHashTable *cache;
  GRegex  *regex = NULL;
  gboolean ok;

  g_mutex_lock (&lock);
  if (cache == NULL)
    cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                   (GDestroyNotify) g_regex_unref);
  regex = g_hash_table_lookup (cache, pattern);
  if (regex == NULL)
    {
      regex = g_regex_new (pattern, 0, 0, NULL);
      if (regex != NULL && g_hash_table_size (cache) < 256)
        g_hash_table_insert (cache, g_strdup (pattern), g_regex_ref (regex));
    }
  else
    g_regex_ref (regex);
  g_mutex_unlock (&lock);

  if (regex == NULL)
    return FALSE;
  ok = g_regex_match (regex, text, 0, NULL);
  g_regex_unref (regex);
  return ok;
}

static double
kind_base (PdOcrMatchKind kind)
{
  switch (kind)
    {
    case PD_OCR_MATCH_RATE:
      return 0.6;
    case PD_OCR_MATCH_AMOUNT:
      return 0.55;
    case PD_OCR_MATCH_ID_NUMBER:
    case PD_OCR_MATCH_PHONE:
    case PD_OCR_MATCH_ACCOUNT:
      return 0.5;
    case PD_OCR_MATCH_DATE:
    default:
      return 0.45;
    }
}

/* One way an item's hints fit the frame: a value (or a keyword alone) in one line. */
typedef struct
{
  PdChecklistItem  *item;
  PdOcrMatchKind    kind;
  guint             line;
  gsize             start, end;  /* in the folded line */
  const PdOcrMatch *match;       /* NULL for a keyword alone */
  const char       *keyword;     /* the template's keyword, for a keyword alone */
  double            evidence;    /* what the item's keywords say about this value */
  double            confidence;
  gboolean          outdone;
} Candidate;

/* What the keywords of one item found on a frame. */
typedef struct
{
  GArray    *keywords;       /* Keyword: the item's, longest first */
  GArray    *hits;           /* KwHit */
  GPtrArray *keyword_lines;  /* per keyword, a GArray of the lines (guint) it is in */
  gboolean  *seen;           /* per keyword: found at all */
  guint      n_distinct, n_long, n_strong;
  double     weighted;
} ItemKeywords;

static void
item_keywords_find (ItemKeywords *k, PdChecklistItem *item, Line *lines, guint n_lines)
{
  k->keywords = item_keywords (item);
  k->hits = find_keywords (lines, n_lines, k->keywords);
  k->seen = g_new0 (gboolean, k->keywords->len + 1);
  k->keyword_lines = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  k->n_distinct = k->n_long = k->n_strong = 0;
  k->weighted = 0.0;

  /* The lines each keyword is in (hits come line by line). */
  for (guint i = 0; i < k->keywords->len; i++)
    g_ptr_array_add (k->keyword_lines, g_array_new (FALSE, FALSE, sizeof (guint)));
  for (guint h = 0; h < k->hits->len; h++)
    {
      const KwHit *hit = &g_array_index (k->hits, KwHit, h);
      GArray      *where = g_ptr_array_index (k->keyword_lines, hit->keyword);

      if (where->len == 0 || g_array_index (where, guint, where->len - 1) != hit->line)
        g_array_append_val (where, hit->line);
    }

  for (guint h = 0; h < k->hits->len; h++)
    {
      const KwHit   *hit = &g_array_index (k->hits, KwHit, h);
      const Keyword *kw = &g_array_index (k->keywords, Keyword, hit->keyword);

      if (k->seen[hit->keyword])
        continue;
      k->seen[hit->keyword] = TRUE;
      k->n_distinct++;
      k->n_long += kw->strength == KW_LONG;
      k->n_strong += kw->strength != KW_WEAK;
      k->weighted += kw->strength == KW_WEAK ? 0.5 : 1.0;
    }
}

static void
item_keywords_clear (ItemKeywords *k)
{
  g_clear_pointer (&k->keywords, g_array_unref);
  g_clear_pointer (&k->hits, g_array_unref);
  g_clear_pointer (&k->keyword_lines, g_ptr_array_unref);
  g_clear_pointer (&k->seen, g_free);
}

/* What the item's keywords say about a value in line `i`: each keyword counts once, from its
 * nearest occurrence. */
static double
line_evidence (const ItemKeywords *k, const Line *lines, guint i)
{
  double evidence = 0.0;

  for (guint kw = 0; kw < k->keywords->len; kw++)
    {
      GArray *where = g_ptr_array_index (k->keyword_lines, kw);
      double  nearest = 0.0;

      for (guint w = 0; w < where->len; w++)
        nearest = MAX (nearest, proximity (lines, i, g_array_index (where, guint, w)));
      evidence += keyword_weight (g_array_index (k->keywords, Keyword, kw).strength) * nearest;
    }
  return evidence;
}

/* Adds a candidate for each value of `kind` in line `i`; returns how many. `evidence_of_line`
 * caches line_evidence() (-1: not yet). */
static guint
add_value_candidates (PdChecklistItem *item, PdOcrMatchKind kind, const char *pattern,
                      const ItemKeywords *k, Line *lines, guint i, double *evidence_of_line,
                      GArray *out)
{
  GPtrArray *matches;
  double     evidence = 0.0;
  guint      n = 0;

  if (lines[i].confidence <= 0.0)
    return 0;
  matches = line_matches (&lines[i], kind);
  if (matches->len == 0)
    return 0;
  if (evidence_of_line[i] < 0.0)
    evidence_of_line[i] = line_evidence (k, lines, i);
  evidence = evidence_of_line[i];

  for (guint m = 0; m < matches->len; m++)
    {
      const PdOcrMatch *match = g_ptr_array_index (matches, m);
      Candidate c = { item, kind, i, match->start, match->end, match, NULL, evidence, 0, FALSE };
      double fit = kind_base (kind) + MIN (evidence, 0.35);

      if (pattern != NULL)
        {
          g_autofree char *compact_text = pd_ocr_strip_spaces (match->text);

          if (template_pattern_agrees (pattern, compact_text))
            fit += 0.05;
        }
      c.confidence = lines[i].confidence * MIN (fit, 1.0);
      g_array_append_val (out, c);
      n++;
    }
  return n;
}

/* Keywords alone: enough for an item without patterns; for one with patterns only several
 * distinct keywords with a specific one among them (a real-name page whose numbers were not
 * read). */
static void
add_keyword_candidate (PdChecklistItem *item, gboolean env, gboolean has_patterns,
                       const ItemKeywords *k, Line *lines, GArray *out)
{
  gboolean     enough;
  const KwHit *pick = NULL;
  double       fit = 0.45, evidence = 0.0, pick_score = -1.0;
  Candidate    c;

  if (env)
    enough = k->weighted >= 2.5 || (k->n_distinct >= 2 && k->n_long > 0);
  else if (!has_patterns)
    enough = k->n_strong > 0 || k->n_distinct >= 2;
  else
    enough = k->n_distinct >= 2 && k->n_long > 0;
  if (!enough)
    return;

  for (guint i = 0; i < k->keywords->len; i++)
    if (k->seen[i])
      evidence += keyword_weight (g_array_index (k->keywords, Keyword, i).strength);
  fit = MIN (fit + evidence, 0.9) * (has_patterns ? 0.75 : 1.0);
  /* Shown: the most specific keyword, on its most confident line. */
  for (guint h = 0; h < k->hits->len; h++)
    {
      const KwHit   *hit = &g_array_index (k->hits, KwHit, h);
      const Keyword *kw = &g_array_index (k->keywords, Keyword, hit->keyword);
      double score = keyword_weight (kw->strength) * 10 + lines[hit->line].confidence;

      if (score > pick_score)
        {
          pick = hit;
          pick_score = score;
        }
    }
  c = (Candidate) { item, PD_OCR_MATCH_KEYWORD, pick->line, pick->start, pick->end, NULL,
                    g_array_index (k->keywords, Keyword, pick->keyword).orig, evidence,
                    lines[pick->line].confidence * fit, FALSE };
  g_array_append_val (out, c);
}

/* Adds to `out` every way the item's hints fit the frame: each value of a kind it asks for on a
 * frame that also shows one of its keywords, or else its keywords alone when they are enough. */
static void
evaluate_item (PdChecklistItem *item, Line *lines, guint n_lines, GArray *out)
{
  gboolean env = g_str_has_prefix (pd_checklist_item_get_id (item), "env.");
  g_autofree double *evidence_of_line = g_new (double, n_lines);
  ItemKeywords k;
  guint    n_values = 0;
  gboolean has_patterns = FALSE;

  item_keywords_find (&k, item, lines, n_lines);
  for (guint i = 0; i < n_lines; i++)
    evidence_of_line[i] = -1.0;

  /* The environment's keywords are generic (4G and GB are on every status bar): they need a
   * specific keyword or several. */
  for (PdOcrMatchKind kind = PD_OCR_MATCH_AMOUNT; kind <= PD_OCR_MATCH_ACCOUNT; kind++)
    {
      const char *pattern;

      if (!item_wants_kind (item, kind, &pattern))
        continue;
      has_patterns |= pattern != NULL;
      if (k.n_distinct == 0 || (env && k.n_long == 0 && k.weighted < 2.5))
        continue;
      for (guint i = 0; i < n_lines; i++)
        n_values += add_value_candidates (item, kind, pattern, &k, lines, i, evidence_of_line, out);
    }

  if (n_values == 0 && k.n_distinct > 0)
    add_keyword_candidate (item, env, has_patterns, &k, lines, out);
  item_keywords_clear (&k);
}

/* The box of bytes [start, end) of a line, estimated from character widths (CJK glyphs are
 * twice as wide as ASCII; the spaces OCR puts between CJK glyphs take no room), padded a
 * little and kept inside the line's box. */
static void
estimate_box (const Line *l, gsize start, gsize end, int *x, int *y, int *w, int *h)
{
  const PdOcrLine *line = l->line;
  double   total = 0.0, before = 0.0, inside = 0.0, unit, x0, x1;
  gunichar prev = 0;

  *x = line->x;
  *y = line->y;
  *w = line->width;
  *h = line->height;
  if (line->width <= 0)
    return;
  for (const char *p = l->folded; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar    c = g_utf8_get_char (p);
      const char *next = g_utf8_next_char (p);
      gunichar    n = *next != '\0' ? g_utf8_get_char (next) : 0;
      gsize       off = (gsize) (p - l->folded);
      double      u;

      if (g_unichar_isspace (c))
        u = (prev != 0 && prev < 0x80 && n != 0 && n < 0x80) ? 1.0 : 0.0;
      else
        u = g_unichar_iswide (c) ? 2.0 : 1.0;
      if (off < start)
        before += u;
      else if (off < end)
        inside += u;
      total += u;
      prev = c;
    }
  if (total <= 0.0 || inside <= 0.0)
    return;
  unit = line->width / total;
  x0 = MAX (line->x + before * unit - unit / 2, (double) line->x);
  x1 = MIN (line->x + (before + inside) * unit + unit / 2, (double) line->x + line->width);
  *x = (int) floor (x0);
  *w = MAX (1, (int) ceil (x1) - *x);
}

static int
compare_suggestions (gconstpointer a, gconstpointer b)
{
  const PdOcrSuggestion *x = *(PdOcrSuggestion *const *) a;
  const PdOcrSuggestion *y = *(PdOcrSuggestion *const *) b;

  if (x->confidence != y->confidence)
    return x->confidence > y->confidence ? -1 : 1;
  return g_strcmp0 (x->item_id, y->item_id);
}

static int
compare_candidates_by_line (gconstpointer a, gconstpointer b)
{
  const Candidate *x = a, *y = b;

  return x->line < y->line ? -1 : x->line > y->line ? 1 : 0;
}

static PdOcrSuggestion *
suggestion_new (const Candidate *c, const Line *l, guint64 stream_time, GstSample *frame)
{
  PdOcrSuggestion *s = g_new0 (PdOcrSuggestion, 1);

  s->item_id = g_strdup (pd_checklist_item_get_id (c->item));
  s->item_title = g_strdup (pd_checklist_item_get_title (c->item));
  s->kind = c->kind;
  if (c->match == NULL)
    {
      s->text = g_strdup (c->keyword);
      s->value = g_strdup (c->keyword);
    }
  else
    {
      s->text = c->kind == PD_OCR_MATCH_AMOUNT ? pd_ocr_format_amount (c->match->amount_fen)
                                               : pd_ocr_tidy_text (c->match->text);
      s->value = g_strdup (c->match->value);
    }
  s->line = g_strdup (l->original);
  estimate_box (l, c->start, c->end, &s->x, &s->y, &s->width, &s->height);
  s->confidence = c->confidence;
  s->stream_time = stream_time;
  s->frame = frame != NULL ? gst_sample_ref (frame) : NULL;
  return s;
}

/* Each recognised line folded and compacted once for every item. */
static Line *
prepare_lines (GPtrArray *lines, guint n_lines)
{
  static const PdOcrLine empty = { NULL, 0, 0, 0, 0, 0.0 };
  Line *prepared = g_new0 (Line, n_lines);

  for (guint i = 0; i < n_lines; i++)
    {
      const PdOcrLine *line = g_ptr_array_index (lines, i);
      Line *l = &prepared[i];

      l->line = line != NULL ? line : &empty;
      l->original = l->line->text != NULL ? g_utf8_make_valid (l->line->text, -1) : g_strdup ("");
      l->folded = pd_ocr_fold_line (l->original);
      pd_ocr_compact_init (&l->keywords, l->folded, TRUE);
      pd_ocr_compact_init (&l->values, l->folded, FALSE);
      l->confidence = isnan (l->line->confidence) ? 0.0 : CLAMP (l->line->confidence, 0.0, 1.0);
    }
  return prepared;
}

/* Many items share amount_pattern and date_pattern: a value read by several items belongs
 * to those whose keywords say clearly more about it. Rivals read the same line, so the
 * candidates are sorted by line and compared within it. */
static void
mark_outdone (GArray *candidates)
{
  g_array_sort (candidates, compare_candidates_by_line);
  for (guint first = 0; first < candidates->len;)
    {
      guint line = g_array_index (candidates, Candidate, first).line, last = first;

      while (last < candidates->len && g_array_index (candidates, Candidate, last).line == line)
        last++;
      for (guint i = first; i < last; i++)
        {
          Candidate *c = &g_array_index (candidates, Candidate, i);

          for (guint j = first; j < last && !c->outdone; j++)
            {
              const Candidate *o = &g_array_index (candidates, Candidate, j);

              c->outdone = o->item != c->item && o->start < c->end && c->start < o->end
                           && (o->match == NULL) == (c->match == NULL)
                           && c->evidence < o->evidence * RIVAL_RATIO;
            }
        }
      first = last;
    }
}

/* One suggestion per item: its best fit left. */
static void
add_best_suggestions (GArray *candidates, const Line *prepared, guint64 stream_time,
                      GstSample *frame, GPtrArray *result)
{
  g_autoptr (GHashTable) best = g_hash_table_new (NULL, NULL);
  GHashTableIter iter;
  gpointer value;

  for (guint i = 0; i < candidates->len; i++)
    {
      Candidate *c = &g_array_index (candidates, Candidate, i);
      Candidate *b = g_hash_table_lookup (best, c->item);

      if (!c->outdone && c->confidence >= MIN_CONFIDENCE && (b == NULL || c->confidence > b->confidence))
        g_hash_table_insert (best, c->item, c);
    }
  g_hash_table_iter_init (&iter, best);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      const Candidate *c = value;

      g_ptr_array_add (result, suggestion_new (c, &prepared[c->line], stream_time, frame));
    }
  g_ptr_array_sort (result, compare_suggestions);
}

GPtrArray *
pd_ocr_detect (PdChecklist *checklist, GPtrArray *lines, guint64 stream_time, GstSample *frame)
{
  GPtrArray *result = g_ptr_array_new_with_free_func ((GDestroyNotify) pd_ocr_suggestion_free);
  g_autoptr (GArray) candidates = NULL;
  g_autofree Line *prepared = NULL;
  guint n_lines, n_items;

  g_return_val_if_fail (PD_IS_CHECKLIST (checklist), result);
  if (lines == NULL || lines->len == 0)
    return result;

  n_lines = MIN (lines->len, MAX_LINES);
  prepared = prepare_lines (lines, n_lines);

  candidates = g_array_new (FALSE, TRUE, sizeof (Candidate));
  n_items = pd_checklist_get_n_items (checklist);
  for (guint i = 0; i < n_items; i++)
    {
      PdChecklistItem *item = pd_checklist_get_item (checklist, i);

      if (item != NULL && !pd_checklist_item_is_marked (item))
        evaluate_item (item, prepared, n_lines, candidates);
    }

  mark_outdone (candidates);
  add_best_suggestions (candidates, prepared, stream_time, frame, result);

  for (guint i = 0; i < n_lines; i++)
    line_clear (&prepared[i]);
  return result;
}
