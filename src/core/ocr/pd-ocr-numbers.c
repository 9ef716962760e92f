/* pd-ocr-numbers.c — Chinese numerals, amounts of money (¥50,000.00, 5万元, 人民币伍万元整) and their
 * display. */
#define G_LOG_DOMAIN "pd-ocr"

#include "config.h"

#include <string.h>

#include "ocr/pd-ocr-detect-private.h"

/* Amounts above this (in fen, 10^13 yuan) are not amounts but OCR noise. */
#define MAX_FEN G_GINT64_CONSTANT (1000000000000000)

/* ---- Chinese numerals ---- */

int
pd_ocr_cn_digit (gunichar c)
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

/* Where pd_ocr_parse_chinese_number() is in its numeral. */
typedef struct
{
  gint64   total, section, digit, last_small, last_unit, last_big;
  gboolean after_zero, any, prev_was_unit, digit_after_unit;
} CnParse;

/* 十 百 千 after the digit (if any) they multiply. */
static gboolean
cn_small_unit (CnParse *st, gint64 u)
{
  if (st->digit < 0)
    {
      /* Only 十 may stand alone, at the start of a section or after 零: "十五",
       * "一百零十". */
      if (u != 10 || !(st->section == 0 || st->after_zero)
          || (st->section == 0 && st->last_small != 0))
        return FALSE;
      st->digit = 1;
    }
  if (st->last_small != 0 && u >= st->last_small)
    return FALSE;  /* "十百", "千千" */
  st->section += st->digit * u;
  st->last_small = u;
  st->last_unit = u;
  st->digit = -1;
  st->after_zero = FALSE;
  st->prev_was_unit = TRUE;
  st->any = TRUE;
  return TRUE;
}

/* 万 亿: the section so far times the unit, added to the total. */
static gboolean
cn_big_unit (CnParse *st, gint64 u)
{
  if (st->digit > 0)
    st->section += st->digit;
  st->digit = -1;
  if (st->section == 0 && !(u == 100000000 && st->total > 0 && st->last_big == 10000))
    return FALSE;  /* "万" with nothing before it, "亿亿" */
  if (u == 10000)
    {
      if (st->last_big == 10000)
        return FALSE;  /* "一万二万" */
      if (st->section > CN_LIMIT / 10000 || st->total > CN_LIMIT - st->section * 10000)
        return FALSE;
      st->total += st->section * 10000;
    }
  else
    {
      if (st->total + st->section > CN_LIMIT / 100000000)
        return FALSE;
      st->total = (st->total + st->section) * 100000000;
    }
  st->last_big = u;
  st->section = 0;
  st->last_small = 0;
  st->last_unit = u;
  st->after_zero = FALSE;
  st->prev_was_unit = TRUE;
  st->any = TRUE;
  return TRUE;
}

/* One character of the numeral; FALSE when it is out of place or not a Chinese numeral. */
static gboolean
cn_step (CnParse *st, gunichar c)
{
  int d = pd_ocr_cn_digit (c);
  gint64 u = cn_unit (c);

  if (d == 0)
    {
      /* 零 marks a skipped place ("一千零五"); it may not follow another digit. */
      if (st->digit > 0)
        return FALSE;
      st->after_zero = TRUE;
      st->any = TRUE;
      st->prev_was_unit = FALSE;
      st->digit = -1;
      return TRUE;
    }
  if (d > 0)
    {
      if (st->digit > 0)
        return FALSE;  /* two digits in a row: "一二" */
      st->digit = d;
      st->any = TRUE;
      st->digit_after_unit = st->prev_was_unit;
      st->prev_was_unit = FALSE;
      return TRUE;
    }
  if (u >= 10 && u <= 1000)
    return cn_small_unit (st, u);
  if (u == 10000 || u == 100000000)
    return cn_big_unit (st, u);
  return FALSE;  /* not a Chinese numeral */
}

gboolean
pd_ocr_parse_chinese_number (const char *text, gint64 *value)
{
  CnParse st = { 0, 0, -1, 0, 0, 0, FALSE, FALSE, FALSE, FALSE };

  if (value != NULL)
    *value = 0;
  if (text == NULL || *text == '\0' || !g_utf8_validate (text, -1, NULL))
    return FALSE;

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    if (!cn_step (&st, g_utf8_get_char (p)))
      return FALSE;
  if (!st.any)
    return FALSE;
  if (st.digit > 0)
    {
      /* A digit right after a unit of a hundred or more is one place lower: "一万五" = 15000,
       * "一千五" = 1500. */
      if (st.digit_after_unit && st.last_unit >= 100)
        st.section += st.digit * (st.last_unit / 10);
      else
        st.section += st.digit;
    }
  if (st.total > CN_LIMIT - st.section)
    return FALSE;
  if (value != NULL)
    *value = st.total + st.section;
  return TRUE;
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
  g_autofree char *num = pd_ocr_group (info, num_group);
  g_autofree char *mult = mult_group > 0 ? pd_ocr_group (info, mult_group) : NULL;

  if (num == NULL || !parse_decimal_fen (num, multiplier_of (mult), fen))
    return FALSE;
  *value = fen_to_value (*fen);
  return TRUE;
}

static gboolean
match_amount_prefix (PdOcrSearch *s, GMatchInfo *info, char **value, gint64 *fen)
{
  return amount_arabic (info, 4, 5, value, fen);
}

static gboolean
match_amount_suffix (PdOcrSearch *s, GMatchInfo *info, char **value, gint64 *fen)
{
  return amount_arabic (info, 2, 3, value, fen);
}

static gboolean
match_amount_wan (PdOcrSearch *s, GMatchInfo *info, char **value, gint64 *fen)
{
  return amount_arabic (info, 1, 2, value, fen);
}

static gboolean
match_amount_signed (PdOcrSearch *s, GMatchInfo *info, char **value, gint64 *fen)
{
  return amount_arabic (info, 2, 0, value, fen);
}

static gboolean
is_han (gunichar c)
{
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF);
}

static gboolean
match_amount_chinese (PdOcrSearch *s, GMatchInfo *info, char **value, gint64 *fen)
{
  g_autofree char *marker = pd_ocr_group (info, 1);
  g_autofree char *cn = pd_ocr_group (info, 2);
  g_autofree char *unit = pd_ocr_group (info, 3);
  g_autofree char *jiao = pd_ocr_group (info, 4);
  g_autofree char *fen_digit = pd_ocr_group (info, 5);
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
    *fen += 10 * pd_ocr_cn_digit (g_utf8_get_char (jiao));
  if (fen_digit != NULL)
    *fen += pd_ocr_cn_digit (g_utf8_get_char (fen_digit));
  *value = fen_to_value (*fen);
  return TRUE;
}

void
pd_ocr_search_amounts (PdOcrSearch *s)
{
  pd_ocr_search_rx (s, RX_AMOUNT_PREFIX, PD_OCR_MATCH_AMOUNT, match_amount_prefix);
  pd_ocr_search_rx (s, RX_AMOUNT_SUFFIX, PD_OCR_MATCH_AMOUNT, match_amount_suffix);
  pd_ocr_search_rx (s, RX_AMOUNT_WAN, PD_OCR_MATCH_AMOUNT, match_amount_wan);
  pd_ocr_search_rx (s, RX_AMOUNT_SIGNED, PD_OCR_MATCH_AMOUNT, match_amount_signed);
  pd_ocr_search_rx (s, RX_AMOUNT_CHINESE, PD_OCR_MATCH_AMOUNT, match_amount_chinese);
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
