/* pd-page.c — see pd-page.h. */
#include "config.h"

#include <cairo-pdf.h>

#include "report/pd-page.h"

static cairo_status_t
write_to_array (void *closure, const unsigned char *data, unsigned int length)
{
  if (closure != NULL)
    g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

void
pd_page_begin (PdPage *page, GByteArray *out, const char *title, double dpi)
{
  cairo_rectangle_t extents = { 0, 0, PD_PAGE_W, PD_PAGE_H };

  page->surface =
    out != NULL ? cairo_pdf_surface_create_for_stream (write_to_array, out, PD_PAGE_W, PD_PAGE_H)
                : cairo_recording_surface_create (CAIRO_CONTENT_COLOR_ALPHA, &extents);
  if (out != NULL)
    {
      cairo_pdf_surface_set_metadata (page->surface, CAIRO_PDF_METADATA_TITLE,
                                      title != NULL ? title : "");
      cairo_pdf_surface_set_metadata (page->surface, CAIRO_PDF_METADATA_CREATOR,
                                      "Proofdesk " PACKAGE_VERSION);
    }
  page->cr = cairo_create (page->surface);
  page->pango = pango_cairo_create_context (page->cr);
  if (dpi > 0)
    pango_cairo_context_set_resolution (page->pango, dpi);
  page->y = PD_PAGE_MARGIN;
  page->page = 1;
}

cairo_status_t
pd_page_end (PdPage *page)
{
  cairo_status_t status;

  g_clear_object (&page->pango);
  g_clear_pointer (&page->cr, cairo_destroy);
  cairo_surface_finish (page->surface);
  status = cairo_surface_status (page->surface);
  g_clear_pointer (&page->surface, cairo_surface_destroy);
  return status;
}

void
pd_page_show (PdPage *page)
{
  if (page->footer != NULL)
    page->footer (page, page->user_data);
  cairo_show_page (page->cr);
}

void
pd_page_break (PdPage *page)
{
  pd_page_show (page);
  page->page++;
  page->y = PD_PAGE_MARGIN;
  if (page->continued != NULL)
    page->continued (page, page->user_data);
}

gboolean
pd_page_fits (PdPage *page, double h)
{
  return page->y + h <= PD_PAGE_H - PD_PAGE_MARGIN - PD_PAGE_FOOTER_H;
}

void
pd_page_need (PdPage *page, double h)
{
  if (!pd_page_fits (page, h))
    pd_page_break (page);
}

void
pd_page_rule (PdPage *page, double y, guint32 rgb, double width)
{
  pd_pdf_set_rgb (page->cr, rgb);
  cairo_set_line_width (page->cr, width);
  cairo_move_to (page->cr, PD_PAGE_MARGIN, y);
  cairo_line_to (page->cr, PD_PAGE_W - PD_PAGE_MARGIN, y);
  cairo_stroke (page->cr);
}

static void
paragraph (PdPage *page, gboolean keep, const char *font, guint32 rgb, double indent,
           const char *text, double space_after)
{
  g_autoptr (PangoLayout) layout =
    pd_pdf_layout_new (page->pango, font, PD_PAGE_CONTENT_W - indent, 0, text);
  double h = pd_pdf_layout_height (layout);

  if (keep)
    pd_page_need (page, h);
  pd_pdf_show_layout (page->cr, layout, PD_PAGE_MARGIN + indent, page->y, rgb);
  page->y += h + space_after;
}

void
pd_page_paragraph (PdPage *page, const char *font, guint32 rgb, double indent, const char *text,
                   double space_after)
{
  paragraph (page, TRUE, font, rgb, indent, text, space_after);
}

void
pd_page_paragraph_here (PdPage *page, const char *font, guint32 rgb, double indent,
                        const char *text, double space_after)
{
  paragraph (page, FALSE, font, rgb, indent, text, space_after);
}

void
pd_page_heading (PdPage *page, const char *title, int max_lines)
{
  g_autoptr (PangoLayout) layout =
    pd_pdf_layout_new (page->pango, "Sans Bold 12", PD_PAGE_CONTENT_W, max_lines, title);
  double h = pd_pdf_layout_height (layout);

  pd_page_need (page, h + 40); /* never a heading alone at the bottom of a page */
  page->y += 10;
  pd_pdf_show_layout (page->cr, layout, PD_PAGE_MARGIN, page->y, PD_PAGE_COLOR_ACCENT);
  page->y += h + 3;
  pd_page_rule (page, page->y, PD_PAGE_COLOR_RULE, 0.75);
  page->y += 6;
}

void
pd_page_row (PdPage *page, const char *label, const char *value, const char *font, int max_lines)
{
  g_autoptr (PangoLayout) l =
    pd_pdf_layout_new (page->pango, "Sans 9", PD_PAGE_LABEL_W - 10, 2, label);
  g_autoptr (PangoLayout) v = pd_pdf_layout_new (page->pango, font ? font : "Sans 10",
                                                 PD_PAGE_CONTENT_W - PD_PAGE_LABEL_W, max_lines,
                                                 value);
  double h = MAX (pd_pdf_layout_height (l), pd_pdf_layout_height (v));

  pd_page_need (page, h + 4);
  pd_pdf_show_layout (page->cr, l, PD_PAGE_MARGIN, page->y + 1, PD_PAGE_COLOR_MUTED);
  pd_pdf_show_layout (page->cr, v, PD_PAGE_MARGIN + PD_PAGE_LABEL_W, page->y, PD_PAGE_COLOR_TEXT);
  page->y += h + 4;
}

void
pd_page_footer_text (PdPage *page, const char *left, const char *right)
{
  g_autoptr (PangoLayout) l =
    pd_pdf_layout_new (page->pango, "Sans 7.5",
                       right != NULL ? PD_PAGE_CONTENT_W - 80 : PD_PAGE_CONTENT_W,
                       right != NULL ? 1 : 0, left);
  double y = PD_PAGE_H - PD_PAGE_MARGIN + 6;

  pd_page_rule (page, y - 6, PD_PAGE_COLOR_RULE, 0.5);
  pd_pdf_show_layout (page->cr, l, PD_PAGE_MARGIN, y, PD_PAGE_COLOR_MUTED);
  if (right != NULL)
    {
      g_autoptr (PangoLayout) r = pd_pdf_layout_new (page->pango, "Sans 7.5", 0, 1, right);

      pd_pdf_show_layout (page->cr, r, PD_PAGE_W - PD_PAGE_MARGIN - pd_pdf_layout_width (r), y,
                          PD_PAGE_COLOR_MUTED);
    }
}

char *
pd_page_format_utc (GDateTime *dt)
{
  g_autoptr (GDateTime) utc = NULL;

  if (dt == NULL)
    return NULL;
  utc = g_date_time_to_utc (dt);
  return g_date_time_format (utc, "%Y-%m-%d %H:%M:%S UTC");
}
