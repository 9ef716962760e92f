/* pd-page.h — the A4 page the PDF writers share (certificate, disc label, verification report):
 * the PDF surface with its metadata and cairo + pango on it, the margins and colours of the text
 * reports, a cursor that breaks pages, and the paragraph, heading, "label: value" row, rule and
 * footer they draw. Private to libproofdesk. */
#pragma once

#include <cairo.h>
#include <pango/pangocairo.h>

#include "report/pd-pdf-text.h"

G_BEGIN_DECLS

#define PD_PAGE_W         595.276 /* A4 in points */
#define PD_PAGE_H         841.890

/* The text reports' layout (certificate, verification report). */
#define PD_PAGE_MARGIN    48.0
#define PD_PAGE_CONTENT_W (PD_PAGE_W - 2 * PD_PAGE_MARGIN)
#define PD_PAGE_FOOTER_H  30.0
#define PD_PAGE_LABEL_W   130.0 /* the label column of pd_page_row() */

#define PD_PAGE_COLOR_TEXT   0x1f2328
#define PD_PAGE_COLOR_MUTED  0x59636e
#define PD_PAGE_COLOR_ACCENT 0x1a4f8b
#define PD_PAGE_COLOR_RULE   0xc8ccd1

/* For pd_page_begin(): font sizes in points. 0 leaves pango's default (96 dpi). */
#define PD_PAGE_POINTS 72.0

typedef struct _PdPage PdPage;
typedef void (*PdPageFunc) (PdPage *page, gpointer user_data);

struct _PdPage
{
  cairo_surface_t *surface;
  cairo_t         *cr;
  PangoContext    *pango;
  double           y;         /* the cursor: where the next block is drawn */
  int              page;      /* from 1 */
  PdPageFunc       footer;    /* draws the footer of a page before it is shown; may be NULL */
  PdPageFunc       continued; /* draws the top of each page after a break; may be NULL */
  gpointer         user_data; /* for footer and continued */
};

/* Starts page 1 (cursor at the top margin) of an A4 document streamed into `out`: a PDF whose
 * title is `title` and creator Proofdesk. With `out` NULL, a recording surface that only
 * measures (nothing is built or compressed). `dpi`: PD_PAGE_POINTS, or 0. */
void           pd_page_begin          (PdPage *page, GByteArray *out, const char *title,
                                       double dpi);
/* Finishes the document and frees what pd_page_begin() made; returns the surface's status. */
cairo_status_t pd_page_end            (PdPage *page);
/* Ends the current page: its footer, then cairo_show_page(). */
void           pd_page_show           (PdPage *page);
/* pd_page_show(), then the next page with the cursor at the top margin and its `continued` top. */
void           pd_page_break          (PdPage *page);
/* Whether `h` more points fit above the footer. */
gboolean       pd_page_fits           (PdPage *page, double h);
/* Breaks the page unless `h` more points fit. */
void           pd_page_need           (PdPage *page, double h);
/* A horizontal line across the content width, `width` points thick, at `y`. */
void           pd_page_rule           (PdPage *page, double y, guint32 rgb, double width);
/* `text` from `indent` to the right margin, then the cursor below it and `space_after` more.
 * pd_page_paragraph() first breaks the page when it does not fit; pd_page_paragraph_here()
 * draws it at the cursor whatever room is left. */
void           pd_page_paragraph      (PdPage *page, const char *font, guint32 rgb, double indent,
                                       const char *text, double space_after);
void           pd_page_paragraph_here (PdPage *page, const char *font, guint32 rgb, double indent,
                                       const char *text, double space_after);
/* A section heading over a rule, never alone at the foot of a page; at most `max_lines` lines
 * (0: any). */
void           pd_page_heading        (PdPage *page, const char *title, int max_lines);
/* One "label: value" row: the label muted in its column (at most 2 lines), the value in `font`
 * (NULL: "Sans 10") wrapped to at most `max_lines` (0: any). */
void           pd_page_row            (PdPage *page, const char *label, const char *value,
                                       const char *font, int max_lines);
/* The footer: a rule at the bottom margin and, below it in small muted type, `left` and `right`
 * (right-aligned, may be NULL). Without `right`, `left` may wrap over the whole width; with it,
 * `left` is cut to one line beside it. */
void           pd_page_footer_text    (PdPage *page, const char *left, const char *right);

/* "2026-11-27 10:00:00 UTC"; NULL for NULL. */
char          *pd_page_format_utc     (GDateTime *dt);

G_END_DECLS
