/* pd-ocr-dates.c — dates (2025-05-07, 2025年5月7日, 5月7日 13:58, 二〇二五年五月七日) and interest rates
 * (年利率 24%, 月息 2 分) in a line. */
#define G_LOG_DOMAIN "pd-ocr"

#include "config.h"

#include <string.h>

#include "ocr/pd-ocr-detect-private.h"

/* ---- Dates ---- */

static int
group_int (GMatchInfo *info, int n, int fallback)
{
  g_autofree char *s = pd_ocr_group (info, n);

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
match_date_ymd (PdOcrSearch *s, GMatchInfo *info, char **value, gint64 *fen)
{
  g_autofree char *ampm = pd_ocr_group (info, 5);

  *value = format_date (group_int (info, 1, 0), group_int (info, 3, 0), group_int (info, 4, 0),
                        ampm, group_int (info, 6, -1), group_int (info, 7, -1),
                        group_int (info, 8, -1));
  return *value != NULL;
}

static gboolean
match_date_cn_ymd (PdOcrSearch *s, GMatchInfo *info, char **value, gint64 *fen)
{
  g_autofree char *ampm = pd_ocr_group (info, 4);

  *value = format_date (group_int (info, 1, 0), group_int (info, 2, 0), group_int (info, 3, 0),
                        ampm, group_int (info, 5, -1), group_int (info, 6, -1),
                        group_int (info, 7, -1));
  return *value != NULL;
}

static gboolean
match_date_md (PdOcrSearch *s, GMatchInfo *info, char **value, gint64 *fen)
{
  g_autofree char *ampm = pd_ocr_group (info, 3);

  *value = format_date (0, group_int (info, 1, 0), group_int (info, 2, 0), ampm,
                        group_int (info, 4, -1), group_int (info, 5, -1), group_int (info, 6, -1));
  return *value != NULL;
}

static gboolean
match_date_md_time (PdOcrSearch *s, GMatchInfo *info, char **value, gint64 *fen)
{
  *value = format_date (0, group_int (info, 1, 0), group_int (info, 2, 0), NULL,
                        group_int (info, 3, -1), group_int (info, 4, -1), group_int (info, 5, -1));
  return *value != NULL;
}

static gboolean
match_date_cn_numerals (PdOcrSearch *s, GMatchInfo *info, char **value, gint64 *fen)
{
  g_autofree char *y = pd_ocr_group (info, 1);
  g_autofree char *m = pd_ocr_group (info, 2);
  g_autofree char *d = pd_ocr_group (info, 3);
  g_autofree char *ampm = pd_ocr_group (info, 4);
  gint64 month = 0, day = 0;
  int    year = 0;

  /* The year is read digit by digit: 二〇二五. */
  for (const char *p = y; p != NULL && *p != '\0'; p = g_utf8_next_char (p))
    year = year * 10 + MAX (pd_ocr_cn_digit (g_utf8_get_char (p)), 0);
  if (year < 1900 || year > 2099 || !pd_ocr_parse_chinese_number (m, &month)
      || !pd_ocr_parse_chinese_number (d, &day) || month > 12 || day > 31)
    return FALSE;
  *value = format_date (year, (int) month, (int) day, ampm, group_int (info, 5, -1),
                        group_int (info, 6, -1), group_int (info, 7, -1));
  return *value != NULL;
}

void
pd_ocr_search_dates (PdOcrSearch *s)
{
  pd_ocr_search_rx (s, RX_DATE_YMD, PD_OCR_MATCH_DATE, match_date_ymd);
  pd_ocr_search_rx (s, RX_DATE_CN_YMD, PD_OCR_MATCH_DATE, match_date_cn_ymd);
  pd_ocr_search_rx (s, RX_DATE_MD, PD_OCR_MATCH_DATE, match_date_md);
  pd_ocr_search_rx (s, RX_DATE_MD_TIME, PD_OCR_MATCH_DATE, match_date_md_time);
  pd_ocr_search_rx (s, RX_DATE_CN_NUMERALS, PD_OCR_MATCH_DATE, match_date_cn_numerals);
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
match_rate (PdOcrSearch *s, GMatchInfo *info, char **value, gint64 *fen)
{
  g_autofree char *kw = pd_ocr_group (info, 1);
  g_autofree char *num = pd_ocr_group (info, 2);
  g_autofree char *unit = pd_ocr_group (info, 3);
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

void
pd_ocr_search_rates (PdOcrSearch *s)
{
  pd_ocr_search_rx (s, RX_RATE, PD_OCR_MATCH_RATE, match_rate);
}
