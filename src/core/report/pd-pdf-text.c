/* pd-pdf-text.c — see pd-pdf-text.h. */
#include "config.h"

#include <string.h>

#include "report/pd-pdf-text.h"

void
pd_pdf_set_rgb (cairo_t *cr, guint32 rgb)
{
  cairo_set_source_rgb (cr, (rgb >> 16 & 0xff) / 255.0, (rgb >> 8 & 0xff) / 255.0,
                        (rgb & 0xff) / 255.0);
}

char *
pd_pdf_clean_text (const char *text)
{
  g_autofree char *valid = NULL;
  GString *out;

  if (text == NULL || *text == '\0')
    return g_strdup ("—");
  /* Controls and format characters (a bidi override could turn "exe.jpg" into "gpj.exe" on the
   * page) are printed as what they are, \x1b or \u202e; line breaks and tabs stay. */
  valid = g_utf8_make_valid (text, -1);
  out = g_string_sized_new (strlen (valid));
  for (const char *p = valid; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c == '\n' || c == '\t')
        g_string_append_unichar (out, c);
      else if (c < 0x20 || c == 0x7f)
        g_string_append_printf (out, "\\x%02x", c);
      else if ((c >= 0x80 && c < 0xa0) ||
               (g_unichar_type (c) == G_UNICODE_FORMAT && c != 0x200c && c != 0x200d))
        g_string_append_printf (out, "\\u%04x", c);
      else
        g_string_append_unichar (out, c);
    }
  return g_string_free (out, FALSE);
}

PangoLayout *
pd_pdf_layout_new (PangoContext *pango, const char *font, double width, int max_lines,
                   const char *text)
{
  PangoLayout *layout = pango_layout_new (pango);
  PangoFontDescription *desc = pango_font_description_from_string (font);
  g_autofree char *safe = pd_pdf_clean_text (text);

  pango_layout_set_font_description (layout, desc);
  pango_font_description_free (desc);
  if (width > 0)
    {
      pango_layout_set_width (layout, pango_units_from_double (width));
      pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
    }
  if (max_lines > 0)
    {
      pango_layout_set_height (layout, -max_lines);
      pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
    }
  pango_layout_set_text (layout, safe, -1);
  return layout;
}

double
pd_pdf_layout_width (PangoLayout *layout)
{
  int w, h;

  pango_layout_get_size (layout, &w, &h);
  return pango_units_to_double (w);
}

double
pd_pdf_layout_height (PangoLayout *layout)
{
  int w, h;

  pango_layout_get_size (layout, &w, &h);
  return pango_units_to_double (h);
}

void
pd_pdf_show_layout (cairo_t *cr, PangoLayout *layout, double x, double y, guint32 rgb)
{
  pd_pdf_set_rgb (cr, rgb);
  cairo_move_to (cr, x, y);
  pango_cairo_show_layout (cr, layout);
}
