/* pd-ocr-ids.c — phone numbers, resident ID numbers (GB 11643 checksum) and bank card or account
 * numbers, whole or masked, in a line. */
#define G_LOG_DOMAIN "pd-ocr"

#include "config.h"

#include <string.h>

#include "ocr/pd-ocr-detect-private.h"

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
match_phone (PdOcrSearch *s, GMatchInfo *info, char **value, gint64 *fen)
{
  g_autofree char *raw = pd_ocr_group (info, 1);
  g_autofree char *digits = pd_ocr_strip_spaces (raw);
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
match_id (PdOcrSearch *s, GMatchInfo *info, char **value, gint64 *fen)
{
  g_autofree char *raw = pd_ocr_group (info, 1);
  g_autofree char *id = pd_ocr_strip_spaces (raw);
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
match_card (PdOcrSearch *s, GMatchInfo *info, char **value, gint64 *fen)
{
  g_autofree char *raw = pd_ocr_group (info, 1);
  g_autofree char *digits = pd_ocr_strip_spaces (raw);
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
match_card_masked (PdOcrSearch *s, GMatchInfo *info, char **value, gint64 *fen)
{
  g_autofree char *raw = pd_ocr_group (info, 1);
  g_autofree char *digits = pd_ocr_strip_spaces (raw);
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
match_card_tail (PdOcrSearch *s, GMatchInfo *info, char **value, gint64 *fen)
{
  g_autofree char *tail = pd_ocr_group (info, 1);

  *value = g_strdup_printf ("尾号%s", tail);
  return TRUE;
}

static gboolean
match_card_bank (PdOcrSearch *s, GMatchInfo *info, char **value, gint64 *fen)
{
  g_autofree char *all = pd_ocr_group (info, 0);

  *value = pd_ocr_strip_spaces (all);
  return TRUE;
}

void
pd_ocr_search_phones (PdOcrSearch *s)
{
  pd_ocr_search_rx (s, RX_PHONE, PD_OCR_MATCH_PHONE, match_phone);
}

void
pd_ocr_search_id_numbers (PdOcrSearch *s)
{
  pd_ocr_search_rx (s, RX_ID, PD_OCR_MATCH_ID_NUMBER, match_id);
}

void
pd_ocr_search_accounts (PdOcrSearch *s)
{
  pd_ocr_search_rx (s, RX_CARD, PD_OCR_MATCH_ACCOUNT, match_card);
  pd_ocr_search_rx (s, RX_CARD_MASKED, PD_OCR_MATCH_ACCOUNT, match_card_masked);
  pd_ocr_search_rx (s, RX_CARD_TAIL, PD_OCR_MATCH_ACCOUNT, match_card_tail);
  pd_ocr_search_rx (s, RX_CARD_BANK, PD_OCR_MATCH_ACCOUNT, match_card_bank);
}
