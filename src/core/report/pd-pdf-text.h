/* pd-pdf-text.h — the pango-on-cairo text helpers the PDF writers share (certificate, disc
 * label, verification report). Private to libproofdesk. */
#pragma once

#include <cairo.h>
#include <pango/pangocairo.h>

G_BEGIN_DECLS

/* 0xRRGGBB as the cairo source colour. */
void         pd_pdf_set_rgb       (cairo_t *cr, guint32 rgb);
/* Text safe for pango: valid UTF-8 (bad bytes replaced), a dash for NULL or "". */
char        *pd_pdf_clean_text    (const char *text);
/* A layout of `text` (cleaned) in `font`, `width` points wide with word/character wrapping
 * (0: unbounded), at most `max_lines` lines with an ellipsis (0: any number). */
PangoLayout *pd_pdf_layout_new    (PangoContext *pango, const char *font, double width,
                                   int max_lines, const char *text);
double       pd_pdf_layout_width  (PangoLayout *layout);
double       pd_pdf_layout_height (PangoLayout *layout);
/* Draws `layout` with its top-left corner at (x, y) in colour `rgb`. */
void         pd_pdf_show_layout   (cairo_t *cr, PangoLayout *layout, double x, double y,
                                   guint32 rgb);

G_END_DECLS
