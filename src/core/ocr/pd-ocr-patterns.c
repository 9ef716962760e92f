/* pd-ocr-patterns.c — the built-in patterns, compiled once, the search of one line for one kind
 * of value, and the public finders (pd_ocr_find_amounts() …). */
#define G_LOG_DOMAIN "pd-ocr"

#include "config.h"

#include <string.h>

#include "ocr/pd-ocr-detect-private.h"

/* A line longer than this is not a line of a phone screen: only its start is searched, so
 * hostile input cannot make the patterns slow. */
#define MAX_LINE_BYTES 4096

/* ---- Pattern machinery ---- */

#define NUM "(?:[0-9]{1,3}(?:,[0-9]{3})+(?:\\.[0-9]+)?|[0-9]+(?:\\.[0-9]+)?)"
#define CN_NUM "[零〇一二两兩三四五六七八九十百千万亿壹贰貳叁參肆伍陆陸柒捌玖拾佰仟萬億]"
#define CN_DIGIT "[一二两三四五六七八九壹贰叁肆伍陆柒捌玖]"
#define HOUR "([01]?[0-9]|2[0-3])"
#define TIME "(?:\\s?(上午|下午|晚上|凌晨|中午|早上)?\\s?" HOUR ":([0-5][0-9])(?::([0-5][0-9]))?(?![0-9]))?"

static const char *const rx_source[N_RX] = {
  /* ¥50,000.00, ￥5万, RMB 1,200, 人民币50000元, Y200 (OCR for ¥), -¥20 */
  [RX_AMOUNT_PREFIX] = "(?<![A-Za-z])(?:([+-])\\s?)?([¥￥]|RMB|rmb|CNY|cny|人民币|Y(?=\\s?[0-9]))\\s?:?\\s?"
                       "([+-])?\\s?(" NUM ")(?![0-9A-Za-z])(千万|百万|万|亿|千)?(?:\\s?(元整|元|圆|块钱|块))?",
  /* 50000元, 5万元, 5千块, 1,200 RMB */
  [RX_AMOUNT_SUFFIX] = "(?<![0-9A-Za-z.,¥￥+-])([+-])?(" NUM ")\\s?(千万|百万|万|亿|千|百)?\\s?"
                       "(元整|元|圆|块钱|块|(?:RMB|rmb|CNY|cny|yuan)(?![A-Za-z]))",
  /* 1.5万, 5万多 */
  [RX_AMOUNT_WAN] = "(?<![0-9A-Za-z.,¥￥+-])(" NUM ")\\s?(万|亿)(?=多|余|左右|$|[^\\x{4e00}-\\x{9fff}])",
  /* +50,000.00 / -1,000.00 in bills */
  [RX_AMOUNT_SIGNED] = "(?<![0-9A-Za-z.,+-])([+-])\\s?([0-9]{1,3}(?:,[0-9]{3})+\\.[0-9]{2}|[0-9]+\\.[0-9]{2})"
                       "(?![0-9.%])",
  /* 人民币伍万元整, 壹仟贰佰元伍角, 两万五 */
  [RX_AMOUNT_CHINESE] = "(人民币|[¥￥])?\\s?(" CN_NUM "{1,24})(?:([元圆块])(?:零?(" CN_DIGIT ")角)?"
                        "(?:零?(" CN_DIGIT ")分)?(整|正)?)?",
  [RX_DATE_YMD] = "(?<![0-9.])((?:19|20)[0-9]{2})([-/.])([0-9]{1,2})\\2([0-9]{1,2})(?![0-9])" TIME,
  [RX_DATE_CN_YMD] = "(?<![0-9])((?:19|20)[0-9]{2})年([0-9]{1,2})月([0-9]{1,2})(?:[日号]|(?![0-9]))" TIME,
  [RX_DATE_MD] = "(?<![0-9年])([0-9]{1,2})月([0-9]{1,2})[日号]" TIME,
  [RX_DATE_MD_TIME] = "(?<![0-9/.:-])([0-9]{2})-([0-9]{2})\\s?" HOUR ":([0-5][0-9])(?::([0-5][0-9]))?(?![0-9])",
  [RX_DATE_CN_NUMERALS] = "(?<![〇零一二三四五六七八九十])([〇零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月"
                          "([一二三四五六七八九十]{1,3})[日号]" TIME,
  [RX_RATE] = "(年化利率|年化收益率|年化|年利率|年息|月利率|月息|日利率|日息|利率|利息)(?:为|是|约|:)?\\s?"
              "([0-9]+(?:\\.[0-9]+)?|[一二两三四五六七八九十]{1,3})\\s?(%|‰|分(?!钟)|厘|个点)",
  [RX_PHONE] = "(?<![0-9*+])(?:\\+?86[\\s-]?)?(1[3-9][0-9][\\s-]?[0-9*]{4}[\\s-]?[0-9*]{2}[0-9]{2})(?![0-9*])",
  [RX_ID] = "(?<![0-9A-Za-z*])([1-9](?:\\s?[0-9*]){16}\\s?[0-9Xx])(?![0-9A-Za-z*])",
  [RX_CARD] = "(?<![0-9A-Za-z*])([1-9](?:\\s?[0-9]){15,18})(?![0-9A-Za-z*])",
  [RX_CARD_MASKED] = "(?<![0-9A-Za-z*])([0-9*](?:\\s?[0-9*]){11,18})(?![0-9A-Za-z*])",
  [RX_CARD_TAIL] = "尾号(?:为|是|:)?\\s?([0-9]{4})(?![0-9])",
  [RX_CARD_BANK] = "([\\x{4e00}-\\x{9fff}]{0,8}(?:银行|储蓄卡|信用卡|借记卡))\\s?\\(([0-9]{4})\\)",
};

static GRegex *
rx_get (PdOcrRxId id)
{
  static GRegex *compiled[N_RX];
  static gsize   initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      for (guint i = 0; i < N_RX; i++)
        {
          g_autoptr (GError) error = NULL;

          compiled[i] = g_regex_new (rx_source[i], 0, 0, &error);
          if (compiled[i] == NULL)
            g_error ("built-in OCR pattern %u does not compile: %s", i, error->message);
        }
      g_once_init_leave (&initialized, 1);
    }
  return compiled[id];
}

char *
pd_ocr_group (GMatchInfo *info, int n)
{
  char *s = g_match_info_fetch (info, n);

  if (s != NULL && *s == '\0')
    g_clear_pointer (&s, g_free);
  return s;
}

char *
pd_ocr_strip_spaces (const char *s)
{
  GString *out = g_string_new (NULL);

  for (; s != NULL && *s != '\0'; s++)
    if (!g_ascii_isspace (*s) && *s != '-')
      g_string_append_c (out, *s);
  return g_string_free (out, FALSE);
}

void
pd_ocr_search_rx (PdOcrSearch *s, PdOcrRxId id, PdOcrMatchKind kind, PdOcrMatchFunc func)
{
  g_autoptr (GMatchInfo) info = NULL;

  if (!g_regex_match (rx_get (id), s->compact->text->str, 0, &info))
    return;
  while (g_match_info_matches (info))
    {
      int     cs = -1, ce = -1;
      char   *value = NULL;
      gint64  fen = -1;

      if (g_match_info_fetch_pos (info, 0, &cs, &ce) && cs >= 0 && ce > cs
          && func (s, info, &value, &fen))
        {
          PdOcrMatch *m = g_new0 (PdOcrMatch, 1);
          gsize fs, fe;

          pd_ocr_compact_to_folded (s->compact, s->folded, (gsize) cs, (gsize) ce, &fs, &fe);
          m->kind = kind;
          m->text = g_strndup (s->folded + fs, fe - fs);
          m->value = value;
          m->amount_fen = kind == PD_OCR_MATCH_AMOUNT ? fen : -1;
          m->start = fs;
          m->end = fe;
          g_ptr_array_add (s->out, m);
        }
      else
        g_free (value);
      if (!g_match_info_next (info, NULL))
        break;
    }
}

static int
compare_matches (gconstpointer a, gconstpointer b)
{
  const PdOcrMatch *x = *(PdOcrMatch *const *) a;
  const PdOcrMatch *y = *(PdOcrMatch *const *) b;

  if (x->start != y->start)
    return x->start < y->start ? -1 : 1;
  if (x->end != y->end)
    return x->end > y->end ? -1 : 1;  /* longer first */
  return 0;
}

/* Sorts by position and drops matches that overlap an earlier (or longer) one. */
static GPtrArray *
resolve_overlaps (GPtrArray *found)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) pd_ocr_match_free);
  gsize      covered = 0;

  g_ptr_array_sort (found, compare_matches);
  for (guint i = 0; i < found->len; i++)
    {
      PdOcrMatch *m = g_ptr_array_index (found, i);

      if (out->len > 0 && m->start < covered)
        continue;
      g_ptr_array_add (out, g_ptr_array_steal_index (found, i));
      g_ptr_array_insert (found, (int) i, NULL);
      covered = m->end;
    }
  g_ptr_array_unref (found);
  return out;
}

static void
find_kind (PdOcrSearch *s, PdOcrMatchKind kind)
{
  switch (kind)
    {
    case PD_OCR_MATCH_AMOUNT:
      pd_ocr_search_amounts (s);
      break;
    case PD_OCR_MATCH_DATE:
      pd_ocr_search_dates (s);
      break;
    case PD_OCR_MATCH_RATE:
      pd_ocr_search_rates (s);
      break;
    case PD_OCR_MATCH_PHONE:
      pd_ocr_search_phones (s);
      break;
    case PD_OCR_MATCH_ID_NUMBER:
      pd_ocr_search_id_numbers (s);
      break;
    case PD_OCR_MATCH_ACCOUNT:
      pd_ocr_search_accounts (s);
      break;
    case PD_OCR_MATCH_KEYWORD:
    default:
      break;
    }
}

/* The folded line, cut to MAX_LINE_BYTES on a character boundary. */
char *
pd_ocr_fold_line (const char *line)
{
  char *folded = pd_ocr_fold_text (line);

  if (strlen (folded) > MAX_LINE_BYTES)
    {
      const char *end = g_utf8_find_prev_char (folded, folded + MAX_LINE_BYTES + 1);

      folded[end != NULL ? end - folded : 0] = '\0';
    }
  return folded;
}

GPtrArray *
pd_ocr_find_in_folded (const char *folded, const PdOcrCompact *compact, PdOcrMatchKind kind)
{
  PdOcrSearch s = { folded, compact,
                    g_ptr_array_new_with_free_func ((GDestroyNotify) pd_ocr_match_free) };

  find_kind (&s, kind);
  return resolve_overlaps (s.out);
}

static GPtrArray *
find_public (const char *line, PdOcrMatchKind kind)
{
  g_autofree char *folded = NULL;
  PdOcrCompact compact = { NULL, NULL };
  GPtrArray *out;

  if (line == NULL)
    return g_ptr_array_new_with_free_func ((GDestroyNotify) pd_ocr_match_free);
  folded = pd_ocr_fold_line (line);
  pd_ocr_compact_init (&compact, folded, FALSE);
  out = pd_ocr_find_in_folded (folded, &compact, kind);
  pd_ocr_compact_clear (&compact);
  return out;
}

GPtrArray *
pd_ocr_find_amounts (const char *line)
{
  return find_public (line, PD_OCR_MATCH_AMOUNT);
}

GPtrArray *
pd_ocr_find_dates (const char *line)
{
  return find_public (line, PD_OCR_MATCH_DATE);
}

GPtrArray *
pd_ocr_find_rates (const char *line)
{
  return find_public (line, PD_OCR_MATCH_RATE);
}

GPtrArray *
pd_ocr_find_phones (const char *line)
{
  return find_public (line, PD_OCR_MATCH_PHONE);
}

GPtrArray *
pd_ocr_find_id_numbers (const char *line)
{
  return find_public (line, PD_OCR_MATCH_ID_NUMBER);
}

GPtrArray *
pd_ocr_find_accounts (const char *line)
{
  return find_public (line, PD_OCR_MATCH_ACCOUNT);
}
