/* pd-ocr-detect.c — text patterns (amounts, dates, rates, phones, ID and account numbers) in
 * recognised lines, and checklist suggestions from them; pure text, no Tesseract. */
#define G_LOG_DOMAIN "pd-ocr"

#include "config.h"

#include <math.h>
#include <string.h>

#include "ocr/pd-ocr.h"

G_DEFINE_QUARK (pd-ocr-error-quark, pd_ocr_error)

/* A line longer than this is not a line of a phone screen: only its start is searched, so
 * hostile input cannot make the patterns slow. */
#define MAX_LINE_BYTES 4096
/* At most this many lines of one frame are looked at (a phone screen has well under 100),
 * and at most this many values of one kind in each. */
#define MAX_LINES 400
#define MAX_VALUES_PER_LINE 16
#define MAX_KEYWORD_HITS 8
/* Amounts above this (in fen, 10^13 yuan) are not amounts but OCR noise. */
#define MAX_FEN G_GINT64_CONSTANT (1000000000000000)
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

/* ---- Folding ---- */

static gboolean
is_zero_width (gunichar c)
{
  return (c >= 0x200B && c <= 0x200D) || c == 0x2060 || c == 0xFEFF || c == 0x00AD;
}

static gboolean
is_space_like (gunichar c)
{
  return c == 0x3000 || c == 0x00A0 || (c >= 0x2000 && c <= 0x200A) || c == 0x202F
         || c == 0x205F || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

char *
pd_ocr_fold_text (const char *text)
{
  g_autofree char *valid = NULL;
  GString *out;

  if (text == NULL)
    return g_strdup ("");
  valid = g_utf8_make_valid (text, -1);
  out = g_string_sized_new (strlen (valid));
  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c >= 0xFF01 && c <= 0xFF5E)
        g_string_append_c (out, (char) (c - 0xFF01 + 0x21));
      else if (is_space_like (c))
        g_string_append_c (out, ' ');
      else if (is_zero_width (c))
        continue;
      else if ((c >= 0x2010 && c <= 0x2015) || c == 0x2212 || c == 0xFE63)
        g_string_append_c (out, '-');
      else if (c == 0x2217 || c == 0xFE61)
        g_string_append_c (out, '*');
      else if ((c >= 0x2E80 && c <= 0x2FDF) || (c >= 0xF900 && c <= 0xFAFF))
        {
          /* Kangxi radicals and compatibility ideographs that OCR and PDFs emit for ordinary
           * characters (⽉ for 月). */
          char buf[8] = { 0 };
          g_autofree char *norm = NULL;

          g_unichar_to_utf8 (c, buf);
          norm = g_utf8_normalize (buf, -1, G_NORMALIZE_NFKC);
          g_string_append (out, norm != NULL ? norm : buf);
        }
      else
        g_string_append_unichar (out, c);
    }
  return g_string_free (out, FALSE);
}

/* ---- Compact views of a folded line ----
 *
 * Tesseract puts spaces between CJK glyphs ("实 名 认 证") and sometimes between digits
 * ("5 0 , 0 0 0"). Patterns are searched in a compact copy with those spaces taken out and a
 * map from every byte of the copy back to the folded line, so offsets stay meaningful. */

typedef struct
{
  GString *text;
  GArray  *map;  /* guint: for each byte of text, the offset in the folded line of its char */
} Compact;

typedef struct
{
  gunichar c;
  guint    off;
} Char;

static void
compact_clear (Compact *c)
{
  if (c->text != NULL)
    g_string_free (c->text, TRUE);
  if (c->map != NULL)
    g_array_unref (c->map);
  c->text = NULL;
  c->map = NULL;
}

static void
compact_append (Compact *c, gunichar ch, guint off)
{
  gsize before = c->text->len;

  g_string_append_unichar (c->text, ch);
  for (gsize i = before; i < c->text->len; i++)
    g_array_append_val (c->map, off);
}

static gboolean
is_num_class (gunichar c)
{
  return c < 0x80 && (g_ascii_isdigit (c) || strchr (".,:/*-", (int) c) != NULL);
}

static guint
digit_run (const Char *chars, guint n, guint i)
{
  guint k = 0;

  while (i + k < n && chars[i + k].c < 0x80 && g_ascii_isdigit (chars[i + k].c))
    k++;
  return k;
}

/* Whether the spaces between chars[a] and chars[b] are OCR noise inside one token. */
static gboolean
join_across_space (const Char *chars, const guint *token_len, guint n, guint a, guint b)
{
  gunichar ca = chars[a].c, cb = chars[b].c;

  if (ca >= 0x80 || cb >= 0x80)
    return TRUE;
  if (is_num_class (ca) && is_num_class (cb) && token_len[a] == 1 && token_len[b] == 1)
    return TRUE;
  /* "50, 000" and "50 .00": a separator attached to a well-formed group. */
  if (g_ascii_isdigit (ca) && cb == ',')
    return digit_run (chars, n, b + 1) == 3;
  if (ca == ',' && g_ascii_isdigit (cb))
    return digit_run (chars, n, b) == 3;
  if (g_ascii_isdigit (ca) && cb == '.')
    return digit_run (chars, n, b + 1) >= 1 && digit_run (chars, n, b + 1) <= 2;
  if (ca == '.' && g_ascii_isdigit (cb))
    return digit_run (chars, n, b) >= 1 && digit_run (chars, n, b) <= 2;
  return FALSE;
}

/* chi_sim reads the stars of a masked number as CJK glyphs of the same shape:
 * "1101 大大大大大大大大大大1234". */
static gboolean
is_star_lookalike (gunichar c)
{
  return c == '*' || c == 0x5927 /* 大 */ || c == 0x7C73 /* 米 */ || c == 0x5173 /* 关 */
         || c == 0x203B /* ※ */ || c == 0x00D7 /* × */ || c == 0x2606 /* ☆ */
         || c == 0x2605 /* ★ */;
}

static gboolean
is_digit_or_star (gunichar c)
{
  return c == '*' || (c < 0x80 && g_ascii_isdigit (c));
}

/* A run of three or more star look-alikes next to a digit becomes stars again. */
static void
restore_mask_stars (Char *ch, guint n)
{
  for (guint i = 0; i < n;)
    {
      guint j = i, count = 0, end = i;
      gboolean digit_before = FALSE, digit_after = FALSE;

      if (!is_star_lookalike (ch[i].c) || ch[i].c == '*')
        {
          i++;
          continue;
        }
      while (j < n && (is_star_lookalike (ch[j].c) || g_unichar_isspace (ch[j].c)))
        {
          if (!g_unichar_isspace (ch[j].c))
            {
              count++;
              end = j + 1;
            }
          j++;
        }
      for (guint k = i; k > 0; k--)
        if (!g_unichar_isspace (ch[k - 1].c))
          {
            digit_before = is_digit_or_star (ch[k - 1].c);
            break;
          }
      for (guint k = end; k < n; k++)
        if (!g_unichar_isspace (ch[k].c))
          {
            digit_after = is_digit_or_star (ch[k].c);
            break;
          }
      if (count >= 3 && (digit_before || digit_after))
        for (guint k = i; k < end; k++)
          if (!g_unichar_isspace (ch[k].c))
            ch[k].c = '*';
      i = MAX (end, i + 1);
    }
}

/* `for_keywords`: every space out and ASCII lower-cased; otherwise only the spaces that
 * join_across_space() calls noise, other runs collapsed to one space. */
static void
compact_init (Compact *c, const char *folded, gboolean for_keywords)
{
  g_autoptr (GArray) chars = g_array_new (FALSE, FALSE, sizeof (Char));
  g_autofree guint *token_len = NULL;
  const Char *ch;
  guint n;

  c->text = g_string_sized_new (strlen (folded));
  c->map = g_array_new (FALSE, FALSE, sizeof (guint));
  for (const char *p = folded; *p != '\0'; p = g_utf8_next_char (p))
    {
      Char x = { g_utf8_get_char (p), (guint) (p - folded) };
      g_array_append_val (chars, x);
    }
  ch = (const Char *) chars->data;
  n = chars->len;

  if (for_keywords)
    {
      for (guint i = 0; i < n; i++)
        if (!g_unichar_isspace (ch[i].c))
          compact_append (c, ch[i].c < 0x80 ? (gunichar) g_ascii_tolower ((char) ch[i].c) : ch[i].c,
                          ch[i].off);
      return;
    }

  restore_mask_stars ((Char *) chars->data, n);
  token_len = g_new0 (guint, n + 1);
  for (guint i = 0; i < n;)
    {
      guint j = i;

      if (g_unichar_isspace (ch[i].c))
        {
          i++;
          continue;
        }
      while (j < n && !g_unichar_isspace (ch[j].c))
        j++;
      for (guint k = i; k < j; k++)
        token_len[k] = j - i;
      i = j;
    }

  for (guint i = 0; i < n;)
    {
      guint j = i;

      if (!g_unichar_isspace (ch[i].c))
        {
          compact_append (c, ch[i].c, ch[i].off);
          i++;
          continue;
        }
      while (j < n && g_unichar_isspace (ch[j].c))
        j++;
      /* i … j-1 is a run of spaces; leading and trailing ones go. */
      if (i > 0 && j < n && !join_across_space (ch, token_len, n, i - 1, j))
        compact_append (c, ' ', ch[i].off);
      i = j;
    }
}

/* Folded-line byte range of the compact range [cs, ce). */
static void
compact_to_folded (const Compact *c, const char *folded, gsize cs, gsize ce, gsize *fs, gsize *fe)
{
  guint last;

  g_assert (cs < ce && ce <= c->text->len);
  *fs = g_array_index (c->map, guint, cs);
  last = g_array_index (c->map, guint, ce - 1);
  *fe = (gsize) (g_utf8_next_char (folded + last) - folded);
}

/* ---- Chinese numerals ---- */

static int
cn_digit (gunichar c)
{
  switch (c)
    {
    case 0x96F6: /* 零 */
    case 0x3007: /* 〇 */
      return 0;
    case 0x4E00: /* 一 */
    case 0x58F9: /* 壹 */
      return 1;
    case 0x4E8C: /* 二 */
    case 0x8D30: /* 贰 */
    case 0x8CB3: /* 貳 */
    case 0x4E24: /* 两 */
    case 0x5169: /* 兩 */
      return 2;
    case 0x4E09: /* 三 */
    case 0x53C1: /* 叁 */
    case 0x53C3: /* 參 */
      return 3;
    case 0x56DB: /* 四 */
    case 0x8086: /* 肆 */
      return 4;
    case 0x4E94: /* 五 */
    case 0x4F0D: /* 伍 */
      return 5;
    case 0x516D: /* 六 */
    case 0x9646: /* 陆 */
    case 0x9678: /* 陸 */
      return 6;
    case 0x4E03: /* 七 */
    case 0x67D2: /* 柒 */
      return 7;
    case 0x516B: /* 八 */
    case 0x634C: /* 捌 */
      return 8;
    case 0x4E5D: /* 九 */
    case 0x7396: /* 玖 */
      return 9;
    default:
      return -1;
    }
}

/* 十 百 千 as 10, 100, 1000; 万 亿 as 10^4, 10^8; 0 otherwise. */
static gint64
cn_unit (gunichar c)
{
  switch (c)
    {
    case 0x5341: /* 十 */
    case 0x62FE: /* 拾 */
      return 10;
    case 0x767E: /* 百 */
    case 0x4F70: /* 佰 */
      return 100;
    case 0x5343: /* 千 */
    case 0x4EDF: /* 仟 */
      return 1000;
    case 0x4E07: /* 万 */
    case 0x842C: /* 萬 */
      return 10000;
    case 0x4EBF: /* 亿 */
    case 0x5104: /* 億 */
      return 100000000;
    default:
      return 0;
    }
}

static gboolean
cn_is_financial (gunichar c)
{
  return (c == 0x58F9 || c == 0x8D30 || c == 0x53C1 || c == 0x8086 || c == 0x4F0D || c == 0x9646
             || c == 0x67D2 || c == 0x634C || c == 0x7396 || c == 0x62FE || c == 0x4F70
             || c == 0x4EDF);
}

/* Bigger than any amount or date part anyone writes; keeps every step below G_MAXINT64. */
#define CN_LIMIT G_GINT64_CONSTANT (1000000000000000000)

gboolean
pd_ocr_parse_chinese_number (const char *text, gint64 *value)
{
  gint64 total = 0, section = 0, digit = -1, last_small = 0, last_unit = 0;
  gboolean after_zero = FALSE, any = FALSE, prev_was_unit = FALSE, digit_after_unit = FALSE;
  gint64 last_big = 0;

  if (value != NULL)
    *value = 0;
  if (text == NULL || *text == '\0' || !g_utf8_validate (text, -1, NULL))
    return FALSE;

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      int d = cn_digit (c);
      gint64 u = cn_unit (c);

      if (d == 0)
        {
          /* 零 marks a skipped place ("一千零五"); it may not follow another digit. */
          if (digit > 0)
            return FALSE;
          after_zero = TRUE;
          any = TRUE;
          prev_was_unit = FALSE;
          digit = -1;
          continue;
        }
      if (d > 0)
        {
          if (digit > 0)
            return FALSE;  /* two digits in a row: "一二" */
          digit = d;
          any = TRUE;
          digit_after_unit = prev_was_unit;
          prev_was_unit = FALSE;
          continue;
        }
      if (u >= 10 && u <= 1000)
        {
          if (digit < 0)
            {
              /* Only 十 may stand alone, at the start of a section or after 零: "十五",
               * "一百零十". */
              if (u != 10 || !(section == 0 || after_zero) || (section == 0 && last_small != 0))
                return FALSE;
              digit = 1;
            }
          if (last_small != 0 && u >= last_small)
            return FALSE;  /* "十百", "千千" */
          section += digit * u;
          last_small = u;
          last_unit = u;
          digit = -1;
          after_zero = FALSE;
          prev_was_unit = TRUE;
          any = TRUE;
          continue;
        }
      if (u == 10000 || u == 100000000)
        {
          if (digit > 0)
            section += digit;
          digit = -1;
          if (section == 0 && !(u == 100000000 && total > 0 && last_big == 10000))
            return FALSE;  /* "万" with nothing before it, "亿亿" */
          if (u == 10000)
            {
              if (last_big == 10000)
                return FALSE;  /* "一万二万" */
              if (section > CN_LIMIT / 10000 || total > CN_LIMIT - section * 10000)
                return FALSE;
              total += section * 10000;
            }
          else
            {
              if (total + section > CN_LIMIT / 100000000)
                return FALSE;
              total = (total + section) * 100000000;
            }
          last_big = u;
          section = 0;
          last_small = 0;
          last_unit = u;
          after_zero = FALSE;
          prev_was_unit = TRUE;
          any = TRUE;
          continue;
        }
      return FALSE;  /* not a Chinese numeral */
    }
  if (!any)
    return FALSE;
  if (digit > 0)
    {
      /* A digit right after a unit of a hundred or more is one place lower: "一万五" = 15000,
       * "一千五" = 1500. */
      if (digit_after_unit && last_unit >= 100)
        section += digit * (last_unit / 10);
      else
        section += digit;
    }
  if (total > CN_LIMIT - section)
    return FALSE;
  if (value != NULL)
    *value = total + section;
  return TRUE;
}

/* ---- Pattern machinery ---- */

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
} RxId;

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
rx_get (RxId id)
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

/* A search over the compact text of one line. */
typedef struct
{
  const char    *folded;
  const Compact *compact;
  GPtrArray     *out;   /* PdOcrMatch */
} Search;

typedef gboolean (*MatchFunc) (Search *s, GMatchInfo *info, char **value, gint64 *fen);

static char *
group (GMatchInfo *info, int n)
{
  char *s = g_match_info_fetch (info, n);

  if (s != NULL && *s == '\0')
    g_clear_pointer (&s, g_free);
  return s;
}

static char *
strip_spaces (const char *s)
{
  GString *out = g_string_new (NULL);

  for (; s != NULL && *s != '\0'; s++)
    if (!g_ascii_isspace (*s) && *s != '-')
      g_string_append_c (out, *s);
  return g_string_free (out, FALSE);
}

static void
search_rx (Search *s, RxId id, PdOcrMatchKind kind, MatchFunc func)
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

          compact_to_folded (s->compact, s->folded, (gsize) cs, (gsize) ce, &fs, &fe);
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

/* ---- Amounts ---- */

/* "50,000.5" × multiplier (in yuan) → fen, rounded half up. */
static gboolean
parse_decimal_fen (const char *num, gint64 multiplier, gint64 *fen)
{
  guint64 ip = 0, frac = 0, scale = 1;
  const char *p = num;

  for (; *p != '\0' && *p != '.'; p++)
    {
      if (*p == ',')
        continue;
      if (!g_ascii_isdigit (*p))
        return FALSE;
      ip = ip * 10 + (guint64) (*p - '0');
      if (ip > G_GUINT64_CONSTANT (100000000000000))
        return FALSE;
    }
  if (*p == '.')
    for (p++; *p != '\0' && g_ascii_isdigit (*p); p++)
      if (scale < 1000000)
        {
          frac = frac * 10 + (guint64) (*p - '0');
          scale *= 10;
        }
  if (ip > (guint64) (MAX_FEN / 100 / multiplier))
    return FALSE;
  *fen = (gint64) (ip * (guint64) multiplier * 100
                   + (frac * (guint64) multiplier * 100 + scale / 2) / scale);
  return *fen <= MAX_FEN;
}

static gint64
multiplier_of (const char *mult)
{
  if (mult == NULL)
    return 1;
  if (g_str_equal (mult, "百"))
    return 100;
  if (g_str_equal (mult, "千"))
    return 1000;
  if (g_str_equal (mult, "万"))
    return 10000;
  if (g_str_equal (mult, "百万"))
    return 1000000;
  if (g_str_equal (mult, "千万"))
    return 10000000;
  if (g_str_equal (mult, "亿"))
    return 100000000;
  return 1;
}

static char *
fen_to_value (gint64 fen)
{
  return g_strdup_printf ("%" G_GINT64_FORMAT ".%02d", fen / 100, (int) (fen % 100));
}

static gboolean
amount_arabic (GMatchInfo *info, int num_group, int mult_group, char **value, gint64 *fen)
{
  g_autofree char *num = group (info, num_group);
  g_autofree char *mult = mult_group > 0 ? group (info, mult_group) : NULL;

  if (num == NULL || !parse_decimal_fen (num, multiplier_of (mult), fen))
    return FALSE;
  *value = fen_to_value (*fen);
  return TRUE;
}

static gboolean
match_amount_prefix (Search *s, GMatchInfo *info, char **value, gint64 *fen)
{
  return amount_arabic (info, 4, 5, value, fen);
}

static gboolean
match_amount_suffix (Search *s, GMatchInfo *info, char **value, gint64 *fen)
{
  return amount_arabic (info, 2, 3, value, fen);
}

static gboolean
match_amount_wan (Search *s, GMatchInfo *info, char **value, gint64 *fen)
{
  return amount_arabic (info, 1, 2, value, fen);
}

static gboolean
match_amount_signed (Search *s, GMatchInfo *info, char **value, gint64 *fen)
{
  return amount_arabic (info, 2, 0, value, fen);
}

static gboolean
is_han (gunichar c)
{
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF);
}

static gboolean
match_amount_chinese (Search *s, GMatchInfo *info, char **value, gint64 *fen)
{
  g_autofree char *marker = group (info, 1);
  g_autofree char *cn = group (info, 2);
  g_autofree char *unit = group (info, 3);
  g_autofree char *jiao = group (info, 4);
  g_autofree char *fen_digit = group (info, 5);
  gint64 yuan = 0;
  int    end = -1, start = -1;
  glong  n_chars;
  gboolean financial = FALSE, big = FALSE;

  if (cn == NULL || !pd_ocr_parse_chinese_number (cn, &yuan))
    return FALSE;
  n_chars = g_utf8_strlen (cn, -1);
  for (const char *p = cn; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      financial |= cn_is_financial (c);
      big |= cn_unit (c) >= 10000;
    }
  if (unit != NULL)
    {
      /* "一元" inside "统一元素": a lone common numeral needs a currency marker. */
      if (n_chars == 1 && marker == NULL && !financial)
        return FALSE;
    }
  else if (marker == NULL)
    {
      /* "两万五，" is an amount, "三万人" is not. */
      const char *after;
      gunichar    next;

      if (!big || yuan < 10000)
        return FALSE;
      g_match_info_fetch_pos (info, 0, &start, &end);
      after = s->compact->text->str + end;
      next = *after != '\0' ? g_utf8_get_char (after) : 0;
      if (next != 0 && is_han (next) && next != 0x591A /* 多 */ && next != 0x4F59 /* 余 */)
        return FALSE;
    }
  if (yuan > MAX_FEN / 100)
    return FALSE;
  *fen = yuan * 100;
  if (jiao != NULL)
    *fen += 10 * cn_digit (g_utf8_get_char (jiao));
  if (fen_digit != NULL)
    *fen += cn_digit (g_utf8_get_char (fen_digit));
  *value = fen_to_value (*fen);
  return TRUE;
}

static void
find_amounts (Search *s)
{
  search_rx (s, RX_AMOUNT_PREFIX, PD_OCR_MATCH_AMOUNT, match_amount_prefix);
  search_rx (s, RX_AMOUNT_SUFFIX, PD_OCR_MATCH_AMOUNT, match_amount_suffix);
  search_rx (s, RX_AMOUNT_WAN, PD_OCR_MATCH_AMOUNT, match_amount_wan);
  search_rx (s, RX_AMOUNT_SIGNED, PD_OCR_MATCH_AMOUNT, match_amount_signed);
  search_rx (s, RX_AMOUNT_CHINESE, PD_OCR_MATCH_AMOUNT, match_amount_chinese);
}

/* ---- Dates ---- */

static int
group_int (GMatchInfo *info, int n, int fallback)
{
  g_autofree char *s = group (info, n);

  if (s == NULL)
    return fallback;
  return (int) g_ascii_strtoll (s, NULL, 10);
}

/* `year` 0 = not shown. `hour` < 0 = no time, `second` < 0 = no seconds. */
static char *
format_date (int year, int month, int day, const char *ampm, int hour, int minute, int second)
{
  GString *out = g_string_new (NULL);

  if (month < 1 || month > 12 || day < 1
      || !g_date_valid_dmy ((GDateDay) day, (GDateMonth) month,
                            (GDateYear) (year > 0 ? year : 2000)))
    {
      g_string_free (out, TRUE);
      return NULL;
    }
  if (year > 0)
    g_string_append_printf (out, "%04d-%02d-%02d", year, month, day);
  else
    g_string_append_printf (out, "--%02d-%02d", month, day);
  if (hour >= 0)
    {
      if (ampm != NULL && hour < 12
          && (g_str_equal (ampm, "下午") || g_str_equal (ampm, "晚上")))
        hour += 12;
      if (hour > 23 || minute < 0 || minute > 59 || second > 59)
        {
          g_string_free (out, TRUE);
          return NULL;
        }
      g_string_append_printf (out, " %02d:%02d", hour, minute);
      if (second >= 0)
        g_string_append_printf (out, ":%02d", second);
    }
  return g_string_free (out, FALSE);
}

static gboolean
match_date_ymd (Search *s, GMatchInfo *info, char **value, gint64 *fen)
{
  g_autofree char *ampm = group (info, 5);

  *value = format_date (group_int (info, 1, 0), group_int (info, 3, 0), group_int (info, 4, 0),
                        ampm, group_int (info, 6, -1), group_int (info, 7, -1),
                        group_int (info, 8, -1));
  return *value != NULL;
}

static gboolean
match_date_cn_ymd (Search *s, GMatchInfo *info, char **value, gint64 *fen)
{
  g_autofree char *ampm = group (info, 4);

  *value = format_date (group_int (info, 1, 0), group_int (info, 2, 0), group_int (info, 3, 0),
                        ampm, group_int (info, 5, -1), group_int (info, 6, -1),
                        group_int (info, 7, -1));
  return *value != NULL;
}

static gboolean
match_date_md (Search *s, GMatchInfo *info, char **value, gint64 *fen)
{
  g_autofree char *ampm = group (info, 3);

  *value = format_date (0, group_int (info, 1, 0), group_int (info, 2, 0), ampm,
                        group_int (info, 4, -1), group_int (info, 5, -1), group_int (info, 6, -1));
  return *value != NULL;
}

static gboolean
match_date_md_time (Search *s, GMatchInfo *info, char **value, gint64 *fen)
{
  *value = format_date (0, group_int (info, 1, 0), group_int (info, 2, 0), NULL,
                        group_int (info, 3, -1), group_int (info, 4, -1), group_int (info, 5, -1));
  return *value != NULL;
}

static gboolean
match_date_cn_numerals (Search *s, GMatchInfo *info, char **value, gint64 *fen)
{
  g_autofree char *y = group (info, 1);
  g_autofree char *m = group (info, 2);
  g_autofree char *d = group (info, 3);
  g_autofree char *ampm = group (info, 4);
  gint64 month = 0, day = 0;
  int    year = 0;

  /* The year is read digit by digit: 二〇二五. */
  for (const char *p = y; p != NULL && *p != '\0'; p = g_utf8_next_char (p))
    year = year * 10 + MAX (cn_digit (g_utf8_get_char (p)), 0);
  if (year < 1900 || year > 2099 || !pd_ocr_parse_chinese_number (m, &month)
      || !pd_ocr_parse_chinese_number (d, &day) || month > 12 || day > 31)
    return FALSE;
  *value = format_date (year, (int) month, (int) day, ampm, group_int (info, 5, -1),
                        group_int (info, 6, -1), group_int (info, 7, -1));
  return *value != NULL;
}

static void
find_dates (Search *s)
{
  search_rx (s, RX_DATE_YMD, PD_OCR_MATCH_DATE, match_date_ymd);
  search_rx (s, RX_DATE_CN_YMD, PD_OCR_MATCH_DATE, match_date_cn_ymd);
  search_rx (s, RX_DATE_MD, PD_OCR_MATCH_DATE, match_date_md);
  search_rx (s, RX_DATE_MD_TIME, PD_OCR_MATCH_DATE, match_date_md_time);
  search_rx (s, RX_DATE_CN_NUMERALS, PD_OCR_MATCH_DATE, match_date_cn_numerals);
}

/* ---- Rates ---- */

/* "2.5" → 2500000 (millionths); FALSE when it is not a number. */
static gboolean
parse_micro (const char *num, gint64 *micro)
{
  gint64 ip = 0, frac = 0, scale = 1000000;
  const char *p = num;

  if (!g_ascii_isdigit (*num))
    {
      /* 月息两分 */
      if (!pd_ocr_parse_chinese_number (num, &ip) || ip > 1000)
        return FALSE;
      *micro = ip * 1000000;
      return TRUE;
    }
  for (; g_ascii_isdigit (*p); p++)
    {
      ip = ip * 10 + (*p - '0');
      if (ip > 1000000)
        return FALSE;
    }
  if (*p == '.')
    for (p++; g_ascii_isdigit (*p); p++)
      if (scale > 1)
        {
          scale /= 10;
          frac += (*p - '0') * scale;
        }
  *micro = ip * 1000000 + frac;
  return TRUE;
}

static gboolean
match_rate (Search *s, GMatchInfo *info, char **value, gint64 *fen)
{
  g_autofree char *kw = group (info, 1);
  g_autofree char *num = group (info, 2);
  g_autofree char *unit = group (info, 3);
  g_autofree char *digits = NULL;
  const char *period;
  gint64 micro = 0;   /* millionths of a percent */
  gint64 n_mul = 1, n_div = 1;
  char   period_c;

  if (kw == NULL || num == NULL || unit == NULL || !parse_micro (num, &micro))
    return FALSE;
  if (g_str_has_prefix (kw, "年"))
    period_c = 'y';
  else if (g_str_has_prefix (kw, "月"))
    period_c = 'm';
  else if (g_str_has_prefix (kw, "日"))
    period_c = 'd';
  else
    period_c = 'u';

  if (g_str_equal (unit, "‰"))
    n_div = 10;
  else if (g_str_equal (unit, "分") || g_str_equal (unit, "厘"))
    {
      /* 年息1分 = 10%, 月息1分 = 1%, 日息1分 = 0.1%; 厘 is a tenth of 分. "2分利息" with no
       * period is the usual monthly rate of private lending. */
      if (period_c == 'u')
        period_c = 'm';
      if (period_c == 'y')
        n_mul = 10;
      else if (period_c == 'd')
        n_div = 10;
      if (g_str_equal (unit, "厘"))
        n_div *= 10;
    }
  micro = micro * n_mul / n_div;
  if (micro > G_GINT64_CONSTANT (100000) * 1000000)
    return FALSE;

  period = period_c == 'm' ? "/month" : period_c == 'd' ? "/day" : "";
  digits = g_strdup_printf ("%" G_GINT64_FORMAT ".%06d", micro / 1000000, (int) (micro % 1000000));
  /* Trim the zeros of the fraction, and the point when nothing is left of it. */
  for (gsize len = strlen (digits); len > 0 && digits[len - 1] == '0'; len--)
    digits[len - 1] = '\0';
  if (g_str_has_suffix (digits, "."))
    digits[strlen (digits) - 1] = '\0';
  *value = g_strdup_printf ("%s%%%s", digits, period);
  return TRUE;
}

/* ---- Phones, ID numbers, accounts ---- */

/* Stars, if any, form one run that is neither at the start nor at the end. */
static gboolean
stars_well_placed (const char *s, guint *n_stars)
{
  const char *first = strchr (s, '*');
  const char *last = strrchr (s, '*');

  *n_stars = 0;
  if (first == NULL)
    return TRUE;
  for (const char *p = first; p <= last; p++)
    if (*p != '*')
      return FALSE;
  *n_stars = (guint) (last - first + 1);
  return last[1] != '\0';
}

static gboolean
match_phone (Search *s, GMatchInfo *info, char **value, gint64 *fen)
{
  g_autofree char *raw = group (info, 1);
  g_autofree char *digits = strip_spaces (raw);
  guint stars;

  if (strlen (digits) != 11 || !stars_well_placed (digits, &stars) || (stars > 0 && stars < 4))
    return FALSE;
  *value = g_steal_pointer (&digits);
  return TRUE;
}

static gboolean
id_birth_date_valid (const char *id)
{
  int y = 0, m = 0, d = 0;

  for (int i = 6; i < 10; i++)
    y = y * 10 + (id[i] - '0');
  m = (id[10] - '0') * 10 + (id[11] - '0');
  d = (id[12] - '0') * 10 + (id[13] - '0');
  return y >= 1900 && y <= 2099 && m >= 1 && m <= 12 && d >= 1
         && g_date_valid_dmy ((GDateDay) d, (GDateMonth) m, (GDateYear) y);
}

/* GB 11643: the 18th character checks the first 17. */
static gboolean
id_number_valid (const char *id)
{
  static const int weights[17] = { 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2 };
  static const char checks[] = "10X98765432";
  int sum = 0;

  if (strlen (id) != 18)
    return FALSE;
  for (int i = 0; i < 17; i++)
    {
      if (!g_ascii_isdigit (id[i]))
        return FALSE;
      sum += (id[i] - '0') * weights[i];
    }
  return g_ascii_toupper (id[17]) == checks[sum % 11] && id_birth_date_valid (id);
}

static gboolean
match_id (Search *s, GMatchInfo *info, char **value, gint64 *fen)
{
  g_autofree char *raw = group (info, 1);
  g_autofree char *id = strip_spaces (raw);
  guint stars;

  if (strlen (id) != 18)
    return FALSE;
  id[17] = g_ascii_toupper (id[17]);
  if (strchr (id, '*') != NULL)
    {
      /* Masked, as real-name pages show it: 1101**********1234, 110***********123X. */
      if (!stars_well_placed (id, &stars) || stars < 4)
        return FALSE;
    }
  else if (!id_number_valid (id))
    return FALSE;
  *value = g_steal_pointer (&id);
  return TRUE;
}

static gboolean
luhn_valid (const char *digits)
{
  gsize len = strlen (digits);
  int   sum = 0;

  for (gsize i = 0; i < len; i++)
    {
      int d = digits[len - 1 - i] - '0';

      if (i % 2 == 1)
        {
          d *= 2;
          if (d > 9)
            d -= 9;
        }
      sum += d;
    }
  return sum % 10 == 0;
}

static gboolean
match_card (Search *s, GMatchInfo *info, char **value, gint64 *fen)
{
  g_autofree char *raw = group (info, 1);
  g_autofree char *digits = strip_spaces (raw);
  gsize len = strlen (digits);

  /* Bank cards start with 3 to 6 (Amex, Visa, Mastercard, UnionPay). */
  if (len < 16 || len > 19 || digits[0] < '3' || digits[0] > '6' || !luhn_valid (digits))
    return FALSE;
  if (len == 18 && id_number_valid (digits))
    return FALSE;
  *value = g_steal_pointer (&digits);
  return TRUE;
}

static gboolean
match_card_masked (Search *s, GMatchInfo *info, char **value, gint64 *fen)
{
  g_autofree char *raw = group (info, 1);
  g_autofree char *digits = strip_spaces (raw);
  gsize len = strlen (digits);
  const char *first_star = strchr (digits, '*');
  guint stars;

  if (len < 12 || len > 19 || first_star == NULL)
    return FALSE;
  if (first_star != digits && !stars_well_placed (digits, &stars))
    return FALSE;
  if (first_star == digits)
    {
      /* "**** **** **** 1234": stars from the start, then digits only. */
      stars = (guint) strspn (digits, "*");
      if (strchr (digits + stars, '*') != NULL)
        return FALSE;
    }
  if (stars < 4 || first_star - digits > 6 || strlen (strrchr (digits, '*') + 1) < 4)
    return FALSE;
  /* Eighteen characters in one block is how ID numbers are masked, not cards. */
  if (len == 18 && strchr (raw, ' ') == NULL)
    return FALSE;
  *value = g_steal_pointer (&digits);
  return TRUE;
}

static gboolean
match_card_tail (Search *s, GMatchInfo *info, char **value, gint64 *fen)
{
  g_autofree char *tail = group (info, 1);

  *value = g_strdup_printf ("尾号%s", tail);
  return TRUE;
}

static gboolean
match_card_bank (Search *s, GMatchInfo *info, char **value, gint64 *fen)
{
  g_autofree char *all = group (info, 0);

  *value = strip_spaces (all);
  return TRUE;
}

static void
find_kind (Search *s, PdOcrMatchKind kind)
{
  switch (kind)
    {
    case PD_OCR_MATCH_AMOUNT:
      find_amounts (s);
      break;
    case PD_OCR_MATCH_DATE:
      find_dates (s);
      break;
    case PD_OCR_MATCH_RATE:
      search_rx (s, RX_RATE, kind, match_rate);
      break;
    case PD_OCR_MATCH_PHONE:
      search_rx (s, RX_PHONE, kind, match_phone);
      break;
    case PD_OCR_MATCH_ID_NUMBER:
      search_rx (s, RX_ID, kind, match_id);
      break;
    case PD_OCR_MATCH_ACCOUNT:
      search_rx (s, RX_CARD, kind, match_card);
      search_rx (s, RX_CARD_MASKED, kind, match_card_masked);
      search_rx (s, RX_CARD_TAIL, kind, match_card_tail);
      search_rx (s, RX_CARD_BANK, kind, match_card_bank);
      break;
    case PD_OCR_MATCH_KEYWORD:
    default:
      break;
    }
}

/* The folded line, cut to MAX_LINE_BYTES on a character boundary. */
static char *
fold_line (const char *line)
{
  char *folded = pd_ocr_fold_text (line);

  if (strlen (folded) > MAX_LINE_BYTES)
    {
      const char *end = g_utf8_find_prev_char (folded, folded + MAX_LINE_BYTES + 1);

      folded[end != NULL ? end - folded : 0] = '\0';
    }
  return folded;
}

static GPtrArray *
find_in_folded (const char *folded, const Compact *compact, PdOcrMatchKind kind)
{
  Search s = { folded, compact, g_ptr_array_new_with_free_func ((GDestroyNotify) pd_ocr_match_free) };

  find_kind (&s, kind);
  return resolve_overlaps (s.out);
}

static GPtrArray *
find_public (const char *line, PdOcrMatchKind kind)
{
  g_autofree char *folded = NULL;
  Compact   compact = { NULL, NULL };
  GPtrArray *out;

  if (line == NULL)
    return g_ptr_array_new_with_free_func ((GDestroyNotify) pd_ocr_match_free);
  folded = fold_line (line);
  compact_init (&compact, folded, FALSE);
  out = find_in_folded (folded, &compact, kind);
  compact_clear (&compact);
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

char *
pd_ocr_format_amount (gint64 amount_fen)
{
  g_autofree char *digits = NULL;
  GString *out = g_string_new (NULL);
  guint64  abs_fen = amount_fen < 0 ? (guint64) (-(amount_fen + 1)) + 1 : (guint64) amount_fen;
  gsize    len;

  if (amount_fen < 0)
    g_string_append_c (out, '-');
  g_string_append (out, "¥");
  digits = g_strdup_printf ("%" G_GUINT64_FORMAT, abs_fen / 100);
  len = strlen (digits);
  for (gsize i = 0; i < len; i++)
    {
      if (i > 0 && (len - i) % 3 == 0)
        g_string_append_c (out, ',');
      g_string_append_c (out, digits[i]);
    }
  g_string_append_printf (out, ".%02u", (guint) (abs_fen % 100));
  return g_string_free (out, FALSE);
}

/* ---- Suggestions ---- */

PdOcrSuggestion *
pd_ocr_suggestion_copy (const PdOcrSuggestion *suggestion)
{
  PdOcrSuggestion *copy;

  if (suggestion == NULL)
    return NULL;
  copy = g_new0 (PdOcrSuggestion, 1);
  *copy = *suggestion;
  copy->item_id = g_strdup (suggestion->item_id);
  copy->item_title = g_strdup (suggestion->item_title);
  copy->text = g_strdup (suggestion->text);
  copy->value = g_strdup (suggestion->value);
  copy->line = g_strdup (suggestion->line);
  copy->frame = suggestion->frame != NULL ? gst_sample_ref (suggestion->frame) : NULL;
  return copy;
}

void
pd_ocr_suggestion_free (PdOcrSuggestion *suggestion)
{
  if (suggestion == NULL)
    return;
  g_free (suggestion->item_id);
  g_free (suggestion->item_title);
  g_free (suggestion->text);
  g_free (suggestion->value);
  g_free (suggestion->line);
  if (suggestion->frame != NULL)
    gst_sample_unref (suggestion->frame);
  g_free (suggestion);
}

G_DEFINE_BOXED_TYPE (PdOcrSuggestion, pd_ocr_suggestion, pd_ocr_suggestion_copy,
                     pd_ocr_suggestion_free)

const char *
pd_ocr_match_kind_to_string (PdOcrMatchKind kind)
{
  switch (kind)
    {
    case PD_OCR_MATCH_KEYWORD:
      return "keyword";
    case PD_OCR_MATCH_AMOUNT:
      return "amount";
    case PD_OCR_MATCH_DATE:
      return "date";
    case PD_OCR_MATCH_RATE:
      return "rate";
    case PD_OCR_MATCH_PHONE:
      return "phone";
    case PD_OCR_MATCH_ID_NUMBER:
      return "id-number";
    case PD_OCR_MATCH_ACCOUNT:
      return "account";
    default:
      return "unknown";
    }
}

static void
set_string_or_null (JsonObject *object, const char *member, const char *value)
{
  if (value != NULL)
    json_object_set_string_member (object, member, value);
  else
    json_object_set_null_member (object, member);
}

JsonObject *
pd_ocr_suggestion_to_json (const PdOcrSuggestion *suggestion)
{
  JsonObject *object;
  JsonArray  *box;

  g_return_val_if_fail (suggestion != NULL, NULL);

  object = json_object_new ();
  set_string_or_null (object, "item", suggestion->item_id);
  json_object_set_string_member (object, "kind", pd_ocr_match_kind_to_string (suggestion->kind));
  set_string_or_null (object, "text", suggestion->text);
  set_string_or_null (object, "value", suggestion->value);
  set_string_or_null (object, "line", suggestion->line);
  box = json_array_sized_new (4);
  json_array_add_int_element (box, suggestion->x);
  json_array_add_int_element (box, suggestion->y);
  json_array_add_int_element (box, suggestion->width);
  json_array_add_int_element (box, suggestion->height);
  json_object_set_array_member (object, "box", box);
  /* Two decimals are all a confidence means; more only makes manifests differ. */
  json_object_set_double_member (object, "confidence",
                                 round (CLAMP (suggestion->confidence, 0.0, 1.0) * 100.0) / 100.0);
  json_object_set_int_member (object, "stream_time_ns", (gint64) suggestion->stream_time);
  return object;
}

/* ---- Detection ---- */

/* One recognised line, prepared once per frame. */
typedef struct
{
  const PdOcrLine *line;
  char            *original;   /* the recognised text, made valid UTF-8 */
  char            *folded;
  Compact          keywords;   /* all spaces out, ASCII lower-cased */
  Compact          values;     /* OCR spaces out */
  GPtrArray       *matches[PD_OCR_MATCH_ACCOUNT + 1];  /* per kind, made on first use */
  double           confidence;
} Line;

static void
line_clear (Line *l)
{
  g_free (l->original);
  g_free (l->folded);
  compact_clear (&l->keywords);
  compact_clear (&l->values);
  for (guint k = 0; k < G_N_ELEMENTS (l->matches); k++)
    g_clear_pointer (&l->matches[k], g_ptr_array_unref);
}

static GPtrArray *
line_matches (Line *l, PdOcrMatchKind kind)
{
  if (l->matches[kind] == NULL)
    {
      l->matches[kind] = find_in_folded (l->folded, &l->values, kind);
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
      Compact  c = { NULL, NULL };
      gboolean dup = FALSE;

      compact_init (&c, folded, TRUE);
      for (guint k = 0; k < keywords->len && !dup; k++)
        dup = g_str_equal (g_array_index (keywords, Keyword, k).norm, c.text->str);
      if (c.text->len > 0 && !dup)
        {
          Keyword kw = { g_strdup (c.text->str), raw[i], keyword_strength (c.text->str) };
          g_array_append_val (keywords, kw);
        }
      compact_clear (&c);
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

              compact_to_folded (&lines[i].keywords, lines[i].folded, (gsize) (p - hay),
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

/* Badge text: spaces next to a CJK character are OCR noise ("2025 年 5 月"), others stay
 * single ("6222 **** 1234", "2025-05-07 13:58"). */
static char *
tidy_text (const char *text)
{
  GString *out = g_string_new (NULL);
  gunichar prev = 0;
  gboolean pending = FALSE;

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isspace (c))
        {
          pending = out->len > 0;
          continue;
        }
      if (pending && prev < 0x80 && c < 0x80)
        g_string_append_c (out, ' ');
      pending = FALSE;
      g_string_append_unichar (out, c);
      prev = c;
    }
  return g_string_free (out, FALSE);
}

/* Adds to `out` every way the item's hints fit the frame: each value of a kind it asks for on a
 * frame that also shows one of its keywords, or else its keywords alone when they are enough. */
static void
evaluate_item (PdChecklistItem *item, Line *lines, guint n_lines, GArray *out)
{
  gboolean env = g_str_has_prefix (pd_checklist_item_get_id (item), "env.");
  g_autoptr (GArray) keywords = item_keywords (item);
  g_autoptr (GArray) hits = find_keywords (lines, n_lines, keywords);
  g_autofree gboolean *seen = g_new0 (gboolean, keywords->len + 1);
  g_autoptr (GPtrArray) keyword_lines = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  g_autofree double *evidence_of_line = g_new (double, n_lines);
  guint    n_distinct = 0, n_long = 0, n_strong = 0, n_values = 0;
  double   weighted = 0.0;
  gboolean has_patterns = FALSE;

  /* The lines each keyword is in (hits come line by line). */
  for (guint k = 0; k < keywords->len; k++)
    g_ptr_array_add (keyword_lines, g_array_new (FALSE, FALSE, sizeof (guint)));
  for (guint h = 0; h < hits->len; h++)
    {
      const KwHit *hit = &g_array_index (hits, KwHit, h);
      GArray      *where = g_ptr_array_index (keyword_lines, hit->keyword);

      if (where->len == 0 || g_array_index (where, guint, where->len - 1) != hit->line)
        g_array_append_val (where, hit->line);
    }
  for (guint i = 0; i < n_lines; i++)
    evidence_of_line[i] = -1.0;

  for (guint h = 0; h < hits->len; h++)
    {
      const KwHit   *hit = &g_array_index (hits, KwHit, h);
      const Keyword *kw = &g_array_index (keywords, Keyword, hit->keyword);

      if (seen[hit->keyword])
        continue;
      seen[hit->keyword] = TRUE;
      n_distinct++;
      n_long += kw->strength == KW_LONG;
      n_strong += kw->strength != KW_WEAK;
      weighted += kw->strength == KW_WEAK ? 0.5 : 1.0;
    }

  /* The environment's keywords are generic (4G and GB are on every status bar): they need a
   * specific keyword or several. */
  for (PdOcrMatchKind kind = PD_OCR_MATCH_AMOUNT; kind <= PD_OCR_MATCH_ACCOUNT; kind++)
    {
      const char *pattern;

      if (!item_wants_kind (item, kind, &pattern))
        continue;
      has_patterns |= pattern != NULL;
      if (n_distinct == 0 || (env && n_long == 0 && weighted < 2.5))
        continue;

      for (guint i = 0; i < n_lines; i++)
        {
          GPtrArray *matches;
          double     evidence = 0.0;

          if (lines[i].confidence <= 0.0)
            continue;
          matches = line_matches (&lines[i], kind);
          if (matches->len == 0)
            continue;
          /* Each keyword counts once, from its nearest occurrence. */
          if (evidence_of_line[i] < 0.0)
            {
              evidence_of_line[i] = 0.0;
              for (guint k = 0; k < keywords->len; k++)
                {
                  GArray *where = g_ptr_array_index (keyword_lines, k);
                  double  nearest = 0.0;

                  for (guint w = 0; w < where->len; w++)
                    nearest = MAX (nearest, proximity (lines, i, g_array_index (where, guint, w)));
                  evidence_of_line[i] += keyword_weight (g_array_index (keywords, Keyword, k).strength)
                                         * nearest;
                }
            }
          evidence = evidence_of_line[i];

          for (guint m = 0; m < matches->len; m++)
            {
              const PdOcrMatch *match = g_ptr_array_index (matches, m);
              Candidate c = { item, kind, i, match->start, match->end, match, NULL, evidence, 0, FALSE };
              double fit = kind_base (kind) + MIN (evidence, 0.35);

              if (pattern != NULL)
                {
                  g_autofree char *compact_text = strip_spaces (match->text);

                  if (template_pattern_agrees (pattern, compact_text))
                    fit += 0.05;
                }
              c.confidence = lines[i].confidence * MIN (fit, 1.0);
              g_array_append_val (out, c);
              n_values++;
            }
        }
    }

  if (n_values == 0 && n_distinct > 0)
    {
      /* Keywords alone: enough for an item without patterns; for one with patterns only
       * several distinct keywords with a specific one among them (a real-name page whose
       * numbers were not read). */
      gboolean     enough;
      const KwHit *pick = NULL;
      double       fit = 0.45, evidence = 0.0, pick_score = -1.0;
      Candidate    c;

      if (env)
        enough = weighted >= 2.5 || (n_distinct >= 2 && n_long > 0);
      else if (!has_patterns)
        enough = n_strong > 0 || n_distinct >= 2;
      else
        enough = n_distinct >= 2 && n_long > 0;
      if (!enough)
        return;

      for (guint k = 0; k < keywords->len; k++)
        if (seen[k])
          evidence += keyword_weight (g_array_index (keywords, Keyword, k).strength);
      fit = MIN (fit + evidence, 0.9) * (has_patterns ? 0.75 : 1.0);
      /* Shown: the most specific keyword, on its most confident line. */
      for (guint h = 0; h < hits->len; h++)
        {
          const KwHit   *hit = &g_array_index (hits, KwHit, h);
          const Keyword *kw = &g_array_index (keywords, Keyword, hit->keyword);
          double score = keyword_weight (kw->strength) * 10 + lines[hit->line].confidence;

          if (score > pick_score)
            {
              pick = hit;
              pick_score = score;
            }
        }
      c = (Candidate) { item, PD_OCR_MATCH_KEYWORD, pick->line, pick->start, pick->end, NULL,
                        g_array_index (keywords, Keyword, pick->keyword).orig, evidence,
                        lines[pick->line].confidence * fit, FALSE };
      g_array_append_val (out, c);
    }
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
                                               : tidy_text (c->match->text);
      s->value = g_strdup (c->match->value);
    }
  s->line = g_strdup (l->original);
  estimate_box (l, c->start, c->end, &s->x, &s->y, &s->width, &s->height);
  s->confidence = c->confidence;
  s->stream_time = stream_time;
  s->frame = frame != NULL ? gst_sample_ref (frame) : NULL;
  return s;
}

GPtrArray *
pd_ocr_detect (PdChecklist *checklist, GPtrArray *lines, guint64 stream_time, GstSample *frame)
{
  static const PdOcrLine empty = { NULL, 0, 0, 0, 0, 0.0 };
  GPtrArray *result = g_ptr_array_new_with_free_func ((GDestroyNotify) pd_ocr_suggestion_free);
  g_autoptr (GArray) candidates = NULL;
  g_autoptr (GHashTable) best = NULL;
  g_autofree Line *prepared = NULL;
  GHashTableIter iter;
  gpointer value;
  guint n_lines, n_items;

  g_return_val_if_fail (PD_IS_CHECKLIST (checklist), result);
  if (lines == NULL || lines->len == 0)
    return result;

  n_lines = MIN (lines->len, MAX_LINES);
  prepared = g_new0 (Line, n_lines);
  for (guint i = 0; i < n_lines; i++)
    {
      const PdOcrLine *line = g_ptr_array_index (lines, i);
      Line *l = &prepared[i];

      l->line = line != NULL ? line : &empty;
      l->original = l->line->text != NULL ? g_utf8_make_valid (l->line->text, -1) : g_strdup ("");
      l->folded = fold_line (l->original);
      compact_init (&l->keywords, l->folded, TRUE);
      compact_init (&l->values, l->folded, FALSE);
      l->confidence = isnan (l->line->confidence) ? 0.0 : CLAMP (l->line->confidence, 0.0, 1.0);
    }

  candidates = g_array_new (FALSE, TRUE, sizeof (Candidate));
  n_items = pd_checklist_get_n_items (checklist);
  for (guint i = 0; i < n_items; i++)
    {
      PdChecklistItem *item = pd_checklist_get_item (checklist, i);

      if (item != NULL && !pd_checklist_item_is_marked (item))
        evaluate_item (item, prepared, n_lines, candidates);
    }

  /* Many items share amount_pattern and date_pattern: a value read by several items belongs
   * to those whose keywords say clearly more about it. Rivals read the same line, so the
   * candidates are sorted by line and compared within it. */
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

  /* One suggestion per item: its best fit left. */
  best = g_hash_table_new (NULL, NULL);
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

  for (guint i = 0; i < n_lines; i++)
    line_clear (&prepared[i]);
  return result;
}
