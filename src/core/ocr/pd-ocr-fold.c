/* pd-ocr-fold.c — recognised text folded to what the patterns expect (width, spaces, look-alikes),
 * and the compact views of a folded line that map back to it. */
#define G_LOG_DOMAIN "pd-ocr"

#include "config.h"

#include <string.h>

#include "ocr/pd-ocr-detect-private.h"

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
 * Spaces OCR put between glyphs taken out, with a map back to the folded line (see
 * pd-ocr-detect-private.h). */

typedef struct
{
  gunichar c;
  guint    off;
} Char;

void
pd_ocr_compact_clear (PdOcrCompact *c)
{
  if (c->text != NULL)
    g_string_free (c->text, TRUE);
  if (c->map != NULL)
    g_array_unref (c->map);
  c->text = NULL;
  c->map = NULL;
}

static void
compact_append (PdOcrCompact *c, gunichar ch, guint off)
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
void
pd_ocr_compact_init (PdOcrCompact *c, const char *folded, gboolean for_keywords)
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
void
pd_ocr_compact_to_folded (const PdOcrCompact *c, const char *folded, gsize cs, gsize ce, gsize *fs, gsize *fe)
{
  guint last;

  g_assert (cs < ce && ce <= c->text->len);
  *fs = g_array_index (c->map, guint, cs);
  last = g_array_index (c->map, guint, ce - 1);
  *fe = (gsize) (g_utf8_next_char (folded + last) - folded);
}
