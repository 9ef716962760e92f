/* test-pdf-text.c — the pango-on-cairo text helpers of the PDF writers: cleaning, colour,
 * wrapping, the line limit with an ellipsis, and a PDF drawn with them whose text poppler reads
 * back, at the place it was drawn. */
#include "config.h"

#include <cairo-pdf.h>
#include <glib/gstdio.h>
#include <poppler.h>
#include <string.h>

#include "report/pd-pdf-text.h"
#include "test-common.h"

#define A4_W 595.276
#define A4_H 841.89

static const char *const long_text =
  "The recording was hashed while it was being written and each checkpoint was stamped by the "
  "timestamp authority, so a later edit of any byte changes the digest and the check fails.";

/* A PangoContext for drawing into `cr` with pango's cairo font map. */
static PangoContext *
context_for (cairo_t *cr)
{
  return pango_cairo_create_context (cr);
}

/* A scratch image surface, for layouts that are measured, not kept. */
static cairo_t *
scratch_cairo (void)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 4, 4);
  cairo_t *cr = cairo_create (surface);

  cairo_surface_destroy (surface);
  return cr;
}

/* ------------------------------------------------------------------------------------ cleaning */

static void
test_clean_text (void)
{
  g_autofree char *null_text = pd_pdf_clean_text (NULL);
  g_autofree char *empty = pd_pdf_clean_text ("");
  g_autofree char *plain = pd_pdf_clean_text ("Evidence 证据");
  g_autofree char *broken = pd_pdf_clean_text ("Bew\xff" "eis\xc3");

  g_assert_cmpstr (null_text, ==, "—");
  g_assert_cmpstr (empty, ==, "—");
  g_assert_cmpstr (plain, ==, "Evidence 证据");
  /* Each bad byte becomes U+FFFD; the result is valid UTF-8 pango accepts. */
  g_assert_cmpstr (broken, ==, "Bew\xef\xbf\xbd" "eis\xef\xbf\xbd");
  g_assert_true (g_utf8_validate (broken, -1, NULL));
}

/* ------------------------------------------------------------------------------------ colour */

static void
test_set_rgb (void)
{
  static const guint32 colours[] = { 0x000000, 0xffffff, 0x336699, 0xc0392b, 0x01fe80 };
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, 1, 1);
  cairo_t *cr = cairo_create (surface);

  for (guint i = 0; i < G_N_ELEMENTS (colours); i++)
    {
      guint32 pixel;

      pd_pdf_set_rgb (cr, colours[i]);
      cairo_paint (cr);
      cairo_surface_flush (surface);
      pixel = *(guint32 *) cairo_image_surface_get_data (surface);
      g_assert_cmphex (pixel & 0xffffff, ==, colours[i]);
    }
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
}

/* ------------------------------------------------------------------------------------ layout */

static void
test_layout_wrap (void)
{
  cairo_t *cr = scratch_cairo ();
  PangoContext *pango = context_for (cr);
  g_autoptr (PangoLayout) unbounded = pd_pdf_layout_new (pango, "Sans 10", 0, 0, long_text);
  g_autoptr (PangoLayout) narrow = pd_pdf_layout_new (pango, "Sans 10", 120, 0, long_text);
  g_autoptr (PangoLayout) word = pd_pdf_layout_new (pango, "Sans 10", 40, 0,
                                                    "SHA256:0123456789abcdef0123456789abcdef");

  /* No width: one line, as wide as the text. */
  g_assert_cmpint (pango_layout_get_line_count (unbounded), ==, 1);
  g_assert_cmpfloat (pd_pdf_layout_width (unbounded), >, 400);
  /* 120 points: wrapped at words, never wider, taller by as many lines. */
  g_assert_cmpint (pango_layout_get_line_count (narrow), >=, 5);
  g_assert_cmpfloat (pd_pdf_layout_width (narrow), <=, 120);
  g_assert_cmpfloat (pd_pdf_layout_height (narrow), >,
                     4 * pd_pdf_layout_height (unbounded));
  g_assert_false (pango_layout_is_ellipsized (narrow));
  /* One word longer than the width is broken between characters rather than overflowing. */
  g_assert_cmpint (pango_layout_get_line_count (word), >=, 2);
  g_assert_cmpfloat (pd_pdf_layout_width (word), <=, 40);
  g_assert_cmpstr (pango_layout_get_text (word), ==, "SHA256:0123456789abcdef0123456789abcdef");
  g_object_unref (pango);
  cairo_destroy (cr);
}

static void
test_layout_max_lines (void)
{
  cairo_t *cr = scratch_cairo ();
  PangoContext *pango = context_for (cr);
  g_autoptr (PangoLayout) two = pd_pdf_layout_new (pango, "Sans 10", 120, 2, long_text);
  g_autoptr (PangoLayout) one = pd_pdf_layout_new (pango, "Sans 10", 120, 1, long_text);
  g_autoptr (PangoLayout) fits = pd_pdf_layout_new (pango, "Sans 10", 300, 3, "Short.");
  g_autoptr (PangoLayout) empty = pd_pdf_layout_new (pango, "Sans 10", 300, 1, NULL);

  g_assert_cmpint (pango_layout_get_line_count (two), ==, 2);
  g_assert_true (pango_layout_is_ellipsized (two));
  g_assert_cmpint (pango_layout_get_line_count (one), ==, 1);
  g_assert_true (pango_layout_is_ellipsized (one));
  g_assert_cmpfloat (pd_pdf_layout_height (two), >, pd_pdf_layout_height (one));
  /* Text that fits is left alone. */
  g_assert_cmpint (pango_layout_get_line_count (fits), ==, 1);
  g_assert_false (pango_layout_is_ellipsized (fits));
  /* NULL is drawn as a dash, not as nothing. */
  g_assert_cmpstr (pango_layout_get_text (empty), ==, "—");
  g_assert_cmpfloat (pd_pdf_layout_width (empty), >, 0);
  g_object_unref (pango);
  cairo_destroy (cr);
}

/* ------------------------------------------------------------------------------------ pdf */

/* Draws a one-page A4 PDF with the helpers and opens it with poppler. */
static PopplerPage *
draw_pdf (const char *path, PopplerDocument **doc_out)
{
  cairo_surface_t *surface = cairo_pdf_surface_create (path, A4_W, A4_H);
  cairo_t *cr = cairo_create (surface);
  PangoContext *pango = context_for (cr);
  g_autoptr (PangoLayout) title = pd_pdf_layout_new (pango, "Sans Bold 18", 0, 1,
                                                     "TOPLEFT Evidence certificate");
  g_autoptr (PangoLayout) chinese = pd_pdf_layout_new (pango, "Sans 12", 0, 1, "合同纠纷 证据");
  g_autoptr (PangoLayout) dash = pd_pdf_layout_new (pango, "Sans 12", 0, 1, NULL);
  g_autoptr (PangoLayout) cut = pd_pdf_layout_new (pango, "Sans 10", 150, 1,
                                                   "VISIBLE start of a line that is far too "
                                                   "long for the width HIDDENWORD");
  g_autoptr (PangoLayout) corner = pd_pdf_layout_new (pango, "Sans 10", 0, 1, "BOTTOMRIGHT");
  g_autofree char *uri = NULL;
  g_autoptr (GError) error = NULL;
  PopplerDocument *doc;

  pd_pdf_show_layout (cr, title, 50, 50, 0x1a2b3c);
  pd_pdf_show_layout (cr, chinese, 50, 120, 0x000000);
  pd_pdf_show_layout (cr, dash, 50, 160, 0x000000);
  pd_pdf_show_layout (cr, cut, 50, 200, 0x333333);
  pd_pdf_show_layout (cr, corner, 450, 780, 0x000000);
  g_object_unref (pango);
  cairo_destroy (cr);
  cairo_surface_finish (surface);
  g_assert_cmpint (cairo_surface_status (surface), ==, CAIRO_STATUS_SUCCESS);
  cairo_surface_destroy (surface);

  uri = g_filename_to_uri (path, NULL, &error);
  g_assert_no_error (error);
  doc = poppler_document_new_from_file (uri, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (poppler_document_get_n_pages (doc), ==, 1);
  *doc_out = doc;
  return poppler_document_get_page (doc, 0);
}

static void
test_pdf_text (void)
{
  g_autofree char *dir = g_dir_make_tmp ("pd-test-pdf-text-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "page.pdf", NULL);
  PopplerDocument *doc = NULL;
  PopplerPage *page = draw_pdf (path, &doc);
  g_autofree char *text = poppler_page_get_text (page);
  double w, h;

  poppler_page_get_size (page, &w, &h);
  g_assert_cmpfloat_with_epsilon (w, A4_W, 0.5);
  g_assert_cmpfloat_with_epsilon (h, A4_H, 0.5);
  g_assert_nonnull (text);
  for (const char *const *want = (const char *const[]) { "TOPLEFT Evidence certificate",
                                                          "合同纠纷", "证据", "—", "VISIBLE",
                                                          "BOTTOMRIGHT", NULL };
       *want; want++)
    if (strstr (text, *want) == NULL)
      g_error ("the PDF text lacks “%s”:\n%s", *want, text);
  /* Cut to one line on paper, but cairo maps the ellipsis back to the text it stands for: the
   * PDF's text keeps the whole string, so a search for a cut value still finds it. */
  g_assert_nonnull (strstr (text, "VISIBLE start of a line that is far too long for the width "
                                  "HIDDENWORD"));
  g_object_unref (page);
  g_object_unref (doc);
  pd_test_rm_rf (dir);
}

/* Text is where it was drawn: the top-left area holds the title, not the bottom-right word. */
static void
test_pdf_text_position (void)
{
  g_autofree char *dir = g_dir_make_tmp ("pd-test-pdf-text-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "page.pdf", NULL);
  PopplerDocument *doc = NULL;
  PopplerPage *page = draw_pdf (path, &doc);
  PopplerRectangle top = { .x1 = 0, .y1 = 0, .x2 = A4_W, .y2 = 100 };
  PopplerRectangle bottom = { .x1 = 400, .y1 = 760, .x2 = A4_W, .y2 = A4_H };
  g_autofree char *top_text = poppler_page_get_text_for_area (page, &top);
  g_autofree char *bottom_text = poppler_page_get_text_for_area (page, &bottom);

  g_assert_nonnull (strstr (top_text, "TOPLEFT"));
  g_assert_null (strstr (top_text, "BOTTOMRIGHT"));
  g_assert_null (strstr (top_text, "合同纠纷"));
  g_assert_nonnull (strstr (bottom_text, "BOTTOMRIGHT"));
  g_assert_null (strstr (bottom_text, "TOPLEFT"));
  g_object_unref (page);
  g_object_unref (doc);
  pd_test_rm_rf (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/report/pdf-text/clean-text", test_clean_text);
  g_test_add_func ("/core/report/pdf-text/set-rgb", test_set_rgb);
  g_test_add_func ("/core/report/pdf-text/layout-wrap", test_layout_wrap);
  g_test_add_func ("/core/report/pdf-text/layout-max-lines", test_layout_max_lines);
  g_test_add_func ("/core/report/pdf-text/pdf-text", test_pdf_text);
  g_test_add_func ("/core/report/pdf-text/pdf-text-position", test_pdf_text_position);

  return g_test_run ();
}
