/* pd-certificate-render.c — the certificate's pages, drawn with cairo + pango: header and QR
 * code, evidence, timestamp, checkpoints, marks, phone environment, attachments, how to verify. */
#define G_LOG_DOMAIN "pd-certificate"

#include "config.h"

#include <cairo.h>
#include <glib/gi18n-lib.h>
#include <pango/pangocairo.h>
#include <string.h>

#if HAVE_QRENCODE
#include <qrencode.h>
#endif

#include "evidence/pd-package.h"
#include "report/pd-certificate-private.h"
#include "report/pd-page.h"
#include "util/pd-error.h"
#include "util/pd-util.h"

/* ------------------------------------------------------------------------------------------ */
/* Rendering                                                                                  */
/* ------------------------------------------------------------------------------------------ */

#define QR_SIZE        96.0
#define MAX_TABLE_ROWS PD_CERTIFICATE_TABLE_ROWS

#define COLOR_SHADE  0xf2f4f7
#define COLOR_WARN   0xb3261e
#define COLOR_WARNBG 0xfdecea

typedef struct
{
  PdPage                   pg;
  const PdCertificateInfo *info;
  gboolean                 english;
  int                      n_pages; /* known in the second pass only */
  char                    *generated;
} Doc;

/* The label in the certificate's language: the locale's, or untranslated when forced to "en".
 * Labels are marked with N_() so xgettext (glib preset) still extracts them. */
static const char * G_GNUC_FORMAT (2)
tr (Doc *d, const char *msgid)
{
  return d->english ? msgid : g_dgettext (GETTEXT_PACKAGE, msgid);
}

/* A checklist title in the certificate's language (see pd_certificate_item_text). */
static const char *
item_text (Doc *d, const char *title, const char *display_title)
{
  const char *text = pd_certificate_item_text (title, display_title, d->english);

  return text != NULL ? text : "?";
}

/* The evidence's name: the scenario's title in the certificate's language when there is one. */
static const char *
evidence_name (Doc *d)
{
  const PdCertificateInfo *info = d->info;

  if (info->scenario_title != NULL || info->scenario_display_title != NULL)
    return item_text (d, info->scenario_title, info->scenario_display_title);
  return info->title;
}

static void
draw_footer (PdPage *pg, gpointer user_data)
{
  Doc *d = user_data;
  g_autofree char *left = g_strdup_printf (tr (d, N_("Proofdesk %s · generated %s")),
                                           PACKAGE_VERSION, d->generated);
  g_autofree char *right = d->n_pages > 0
                             ? g_strdup_printf (tr (d, N_("Page %d of %d")), pg->page, d->n_pages)
                             : g_strdup_printf ("%d", pg->page);

  pd_page_footer_text (pg, left, right);
}

/* The top of every page after the first. */
static void
draw_continued (PdPage *pg, gpointer user_data)
{
  Doc *d = user_data;
  g_autofree char *head =
    g_strdup_printf (tr (d, N_("%s (continued)")), tr (d, N_("Evidence Certificate")));

  pd_page_paragraph_here (pg, "Sans Bold 9", PD_PAGE_COLOR_MUTED, 0, head, 10);
}

static void
table_row (Doc *d, const double *widths, const char *const *cells, guint n, gboolean header,
           gboolean shade)
{
  PangoLayout *layouts[8];
  double h = 0, x = PD_PAGE_MARGIN;

  g_assert (n <= G_N_ELEMENTS (layouts));
  for (guint i = 0; i < n; i++)
    {
      layouts[i] = pd_pdf_layout_new (d->pg.pango, header ? "Sans Bold 8.5" : "Sans 8.5",
                                      widths[i] - 8, 1, cells[i]);
      h = MAX (h, pd_pdf_layout_height (layouts[i]));
    }
  h += 5;
  if (shade)
    {
      pd_pdf_set_rgb (d->pg.cr, COLOR_SHADE);
      cairo_rectangle (d->pg.cr, PD_PAGE_MARGIN, d->pg.y, PD_PAGE_CONTENT_W, h);
      cairo_fill (d->pg.cr);
    }
  for (guint i = 0; i < n; i++)
    {
      pd_pdf_show_layout (d->pg.cr, layouts[i], x + 4, d->pg.y + 2.5,
                          header ? PD_PAGE_COLOR_MUTED : PD_PAGE_COLOR_TEXT);
      x += widths[i];
      g_object_unref (layouts[i]);
    }
  d->pg.y += h;
}

/* A table whose header row is repeated after a page break. `rows` holds n_rows × n cells. */
static void
table (Doc *d, const double *widths, const char *const *header, guint n, char **rows,
       guint n_rows, guint n_total)
{
  const double row_h = 16;

  pd_page_need (&d->pg, 2 * row_h);
  table_row (d, widths, header, n, TRUE, TRUE);
  for (guint r = 0; r < n_rows; r++)
    {
      if (!pd_page_fits (&d->pg, row_h))
        {
          pd_page_break (&d->pg);
          table_row (d, widths, header, n, TRUE, TRUE);
        }
      table_row (d, widths, (const char *const *) rows + r * n, n, FALSE, r % 2 == 1);
    }
  if (n_total > n_rows)
    {
      g_autofree char *more = g_strdup_printf (tr (d, N_("… and %u more")), n_total - n_rows);

      pd_page_need (&d->pg, row_h);
      d->pg.y += 3;
      pd_page_paragraph_here (&d->pg, "Sans Italic 8.5", PD_PAGE_COLOR_MUTED, 0, more, 0);
    }
  d->pg.y += 4;
}

#if HAVE_QRENCODE
/* The QR code as filled rectangles, one per horizontal run of dark modules. */
static void
draw_qr (cairo_t *cr, const char *text, double x0, double y0, double size)
{
  QRcode *qr = QRcode_encodeString (text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
  const int quiet = 4;
  double m;

  if (qr == NULL)
    return;
  m = size / (qr->width + 2 * quiet);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_rectangle (cr, x0, y0, size, size);
  cairo_fill (cr);
  cairo_set_source_rgb (cr, 0, 0, 0);
  for (int y = 0; y < qr->width; y++)
    {
      for (int x = 0; x < qr->width;)
        {
          int run = 0;

          while (x + run < qr->width && (qr->data[y * qr->width + x + run] & 1))
            run++;
          if (run > 0)
            cairo_rectangle (cr, x0 + (x + quiet) * m, y0 + (y + quiet) * m, run * m, m);
          x += MAX (run, 1);
        }
    }
  cairo_fill (cr);
  QRcode_free (qr);
}
#endif

static void
draw_header (Doc *d)
{
  const PdCertificateInfo *info = d->info;
  double text_w = PD_PAGE_CONTENT_W, top = d->pg.y, qr_bottom = top;
  g_autoptr (PangoLayout) title = NULL;
  g_autoptr (PangoLayout) sub = NULL;
  g_autoptr (PangoLayout) name = NULL;

#if HAVE_QRENCODE
  if (info->sha256 != NULL && *info->sha256)
    {
      g_autofree char *when = info->gen_time ? pd_time_format_utc (info->gen_time) : NULL;
      g_autofree char *text = when ? g_strdup_printf ("SHA256:%s\nTIME:%s", info->sha256, when)
                                   : g_strdup_printf ("SHA256:%s", info->sha256);
      g_autoptr (PangoLayout) cap =
        pd_pdf_layout_new (d->pg.pango, "Sans 6.5", QR_SIZE, 1, "SHA-256");

      draw_qr (d->pg.cr, text, PD_PAGE_W - PD_PAGE_MARGIN - QR_SIZE + 6, top - 6, QR_SIZE);
      pd_pdf_show_layout (d->pg.cr, cap,
                          PD_PAGE_W - PD_PAGE_MARGIN - (QR_SIZE + pd_pdf_layout_width (cap)) / 2
                            + 6,
                          top + QR_SIZE - 8, PD_PAGE_COLOR_MUTED);
      text_w -= QR_SIZE + 12;
      qr_bottom = top + QR_SIZE + 2;
    }
#endif

  title = pd_pdf_layout_new (d->pg.pango, "Sans Bold 24", text_w, 2,
                             tr (d, N_("Evidence Certificate")));
  pd_pdf_show_layout (d->pg.cr, title, PD_PAGE_MARGIN, d->pg.y, PD_PAGE_COLOR_ACCENT);
  d->pg.y += pd_pdf_layout_height (title) + 2;
  sub = pd_pdf_layout_new (d->pg.pango, "Sans 10", text_w, 2,
                           tr (d, N_("Trusted timestamp record of a screen recording")));
  pd_pdf_show_layout (d->pg.cr, sub, PD_PAGE_MARGIN, d->pg.y, PD_PAGE_COLOR_MUTED);
  d->pg.y += pd_pdf_layout_height (sub) + 10;
  name = pd_pdf_layout_new (d->pg.pango, "Sans Bold 14", text_w, 2, evidence_name (d));
  pd_pdf_show_layout (d->pg.cr, name, PD_PAGE_MARGIN, d->pg.y, PD_PAGE_COLOR_TEXT);
  d->pg.y += pd_pdf_layout_height (name);

  d->pg.y = MAX (d->pg.y, qr_bottom) + 8;
  pd_page_rule (&d->pg, d->pg.y, PD_PAGE_COLOR_ACCENT, 2);
  d->pg.y += 8;
}

static void
draw_practice_warning (Doc *d)
{
  const double pad = 10;
  g_autoptr (PangoLayout) head
      = pd_pdf_layout_new (d->pg.pango, "Sans Bold 12", PD_PAGE_CONTENT_W - 2 * pad - 6, 0,
                           tr (d, N_("Practice authority — not for court")));
  g_autoptr (PangoLayout) body = pd_pdf_layout_new (
      d->pg.pango, "Sans 9", PD_PAGE_CONTENT_W - 2 * pad - 6, 0,
      tr (d, N_("These timestamps come from Proofdesk’s built-in practice authority on this "
                 "computer. They prove nothing to anyone else. Stamp the evidence with a trusted "
                 "time-stamp authority (TSA) before you rely on it.")));
  double h = pd_pdf_layout_height (head) + 3 + pd_pdf_layout_height (body) + 2 * pad;

  pd_page_need (&d->pg, h + 12);
  d->pg.y += 6;
  pd_pdf_set_rgb (d->pg.cr, COLOR_WARNBG);
  cairo_rectangle (d->pg.cr, PD_PAGE_MARGIN, d->pg.y, PD_PAGE_CONTENT_W, h);
  cairo_fill (d->pg.cr);
  pd_pdf_set_rgb (d->pg.cr, COLOR_WARN);
  cairo_set_line_width (d->pg.cr, 1.5);
  cairo_rectangle (d->pg.cr, PD_PAGE_MARGIN, d->pg.y, PD_PAGE_CONTENT_W, h);
  cairo_stroke (d->pg.cr);
  cairo_rectangle (d->pg.cr, PD_PAGE_MARGIN, d->pg.y, 5, h);
  cairo_fill (d->pg.cr);
  pd_pdf_show_layout (d->pg.cr, head, PD_PAGE_MARGIN + pad + 6, d->pg.y + pad, COLOR_WARN);
  pd_pdf_show_layout (d->pg.cr, body, PD_PAGE_MARGIN + pad + 6,
                      d->pg.y + pad + pd_pdf_layout_height (head) + 3,
                      PD_PAGE_COLOR_TEXT);
  d->pg.y += h + 6;
}

static void
draw_evidence (Doc *d)
{
  const PdCertificateInfo *info = d->info;
  g_autofree char *grouped = pd_certificate_format_thousands (info->file_size);
  g_autofree char *human = g_format_size (info->file_size);
  g_autofree char *size = g_strdup_printf (tr (d, N_("%s bytes (%s)")), grouped, human);

  pd_page_heading (&d->pg, tr (d, N_("Evidence")), 1);
  pd_page_row (&d->pg, tr (d, N_("Name")), evidence_name (d), NULL, 2);
  pd_page_row (&d->pg, tr (d, N_("Case")), info->case_name, NULL, 2);
  if (info->parties != NULL && *info->parties)
    pd_page_row (&d->pg, tr (d, N_("Parties")), info->parties, NULL, 2);
  if (info->dispute_type != NULL && *info->dispute_type)
    pd_page_row (&d->pg, tr (d, N_("Dispute")), info->dispute_type, NULL, 1);
  pd_page_row (&d->pg, tr (d, N_("Operator")), info->operator_name, NULL, 1);
  pd_page_row (&d->pg, tr (d, N_("Source / device")), info->source, NULL, 2);
  pd_page_row (&d->pg, tr (d, N_("File")), info->file_name, NULL, 2);
  pd_page_row (&d->pg, tr (d, N_("Size")), size, NULL, 1);
  /* 64 hex digits fit one line at this size, so the digest copies out in one piece. */
  pd_page_row (&d->pg, tr (d, N_("SHA-256")), info->sha256, "Monospace Bold 9", 3);
}

static void
draw_timestamp (Doc *d)
{
  const PdCertificateInfo *info = d->info;
  g_autofree char *utc = pd_page_format_utc (info->gen_time);
  g_autofree char *local = NULL;

  if (info->gen_time != NULL)
    {
      g_autoptr (GDateTime) l = g_date_time_to_local (info->gen_time);
      local = g_date_time_format (l, "%Y-%m-%d %H:%M:%S %Z (UTC%:z)");
    }

  pd_page_heading (&d->pg, tr (d, N_("Trusted timestamp")), 1);
  pd_page_row (&d->pg, tr (d, N_("Time (UTC)")), utc ? utc : tr (d, N_("Not stamped yet")),
               "Sans Bold 10", 1);
  pd_page_row (&d->pg, tr (d, N_("Local time")), local, NULL, 1);
  pd_page_row (&d->pg, tr (d, N_("Authority")), info->tsa_name, NULL, 2);
  pd_page_row (&d->pg, tr (d, N_("Serial number")), info->serial, "Monospace 9", 2);
  pd_page_row (&d->pg, tr (d, N_("Policy")), info->policy, "Monospace 9", 1);
  pd_page_row (&d->pg, tr (d, N_("Accuracy")), info->accuracy, NULL, 1);
}

static void
draw_checkpoints (Doc *d)
{
  GPtrArray *cps = d->info->checkpoints;
  const double widths[] = { 40, 90, 140, PD_PAGE_CONTENT_W - 270 };
  const char *header[] = { "#", tr (d, N_("Stream time")), tr (d, N_("Bytes covered")),
                           tr (d, N_("TSA time (UTC)")) };
  guint n = MIN (cps->len, MAX_TABLE_ROWS);
  g_autoptr (GPtrArray) cells = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *title = g_strdup_printf (tr (d, N_("Checkpoints (%u)")), cps->len);

  pd_page_heading (&d->pg, title, 1);
  if (cps->len == 0)
    {
      pd_page_paragraph_here (&d->pg, "Sans 9", PD_PAGE_COLOR_MUTED, 0,
                              tr (d, N_("No checkpoints were taken.")), 4);
      return;
    }
  pd_page_paragraph_here (&d->pg, "Sans 9", PD_PAGE_COLOR_MUTED, 0,
             tr (d, N_("Stamped while recording: each checkpoint fixes the first bytes of the "
                       "file, so a cut-off recording can still be proven up to that point.")),
             6);
  for (guint i = 0; i < n; i++)
    {
      PdCertificateCheckpoint *cp = g_ptr_array_index (cps, i);
      char *when = pd_page_format_utc (cp->gen_time);

      g_ptr_array_add (cells, g_strdup_printf ("%u", cp->index));
      g_ptr_array_add (cells, g_strdup (cp->stream_time));
      g_ptr_array_add (cells, pd_certificate_format_thousands (cp->offset));
      g_ptr_array_add (cells, when ? when : g_strdup (tr (d, N_("not stamped"))));
    }
  table (d, widths, header, G_N_ELEMENTS (widths), (char **) cells->pdata, n, cps->len);
}

/* Start, stop, duration and interval, each gap by name, a late recording token, and what the
 * final token alone covers. Values are language-free so certificate.content can find them. */
static void
draw_coverage (Doc *d)
{
  const PdCertificateInfo *info = d->info;
  g_autoptr (GPtrArray) gaps = pd_certificate_info_get_gaps (info);
  g_autofree char *started = pd_page_format_utc (info->started);
  g_autofree char *stopped = pd_page_format_utc (info->stopped);
  g_autofree char *duration = info->duration_ns >= 0 ? pd_format_stream_time ((guint64) info->duration_ns) : NULL;
  g_autofree char *interval = NULL, *count = NULL, *bytes = NULL, *tail = NULL;

  pd_page_heading (&d->pg, tr (d, N_("Real-time coverage")), 1);
  pd_page_row (&d->pg, tr (d, N_("Started")), started, NULL, 1);
  pd_page_row (&d->pg, tr (d, N_("Stopped")), stopped, NULL, 1);
  pd_page_row (&d->pg, tr (d, N_("Duration")), duration, NULL, 1);
  if (info->interval_ns > 0)
    {
      char buf[G_ASCII_DTOSTR_BUF_SIZE];

      g_ascii_formatd (buf, sizeof buf, "%.1f", info->interval_ns / 1e9);
      interval = g_strdup_printf ("%s s", buf);
    }
  /* Translators: "12 stamped of 12, every 10 s". */
  count = g_strdup_printf (tr (d, N_("%u stamped of %u, every %s")),
                           info->checkpoints->len - gaps->len, info->checkpoints->len,
                           interval ? interval : "?");
  pd_page_row (&d->pg, tr (d, N_("Checkpoints")), count, NULL, 2);
  if (info->gen_time != NULL && info->stopped != NULL &&
      g_date_time_difference (info->gen_time, info->stopped) > PD_CERTIFICATE_LATE_STAMP_S * G_USEC_PER_SEC)
    {
      g_autofree char *late = g_strdup_printf (
        tr (d, N_("The recording’s token was taken %lld s after the recording stopped: the end of the recording is proven only from that time.")),
        (long long) (g_date_time_difference (info->gen_time, info->stopped) / G_USEC_PER_SEC));

      pd_page_row (&d->pg, tr (d, N_("Stamped late")), late, NULL, 3);
    }
  if (pd_certificate_info_final_only (info, &bytes, &tail))
    {
      g_autofree char *text = g_strdup_printf (
        tr (d, N_("The last %s (bytes %s) are covered by the final token only.")), tail, bytes);

      pd_page_row (&d->pg, tr (d, N_("Final token only")), text, NULL, 3);
    }
  if (gaps->len > 0)
    {
      const double widths[] = { 40, 130, 170, PD_PAGE_CONTENT_W - 340 };
      const char *header[] = { "#", tr (d, N_("Stream time")), tr (d, N_("Bytes")), tr (d, N_("Reason")) };
      g_autoptr (GPtrArray) cells = g_ptr_array_new_with_free_func (g_free);
      guint n = MIN (gaps->len, MAX_TABLE_ROWS);

      pd_page_paragraph_here (&d->pg, "Sans Bold 9", COLOR_WARN, 0,
                 tr (d, N_("Gaps: checkpoints that were not stamped while recording. These spans are covered only by a later token.")),
                 6);
      for (guint i = 0; i < n; i++)
        {
          PdCertificateGap *gap = g_ptr_array_index (gaps, i);

          g_ptr_array_add (cells, g_strdup_printf ("%u", gap->index));
          g_ptr_array_add (cells, g_strdup (gap->stream_range));
          g_ptr_array_add (cells, g_strdup (gap->byte_range));
          g_ptr_array_add (cells, g_strdup (gap->reason));
        }
      table (d, widths, header, G_N_ELEMENTS (widths), (char **) cells->pdata, n, gaps->len);
    }
}

/* Why the package was sealed as it is, in words. */
static const char *
decision_text (Doc *d, const char *decision)
{
  if (g_strcmp0 (decision, "complete") == 0)
    return tr (d, N_("Every required item was shown and marked before the recording was stopped."));
  if (g_strcmp0 (decision, "sealed-anyway") == 0)
    return tr (d, N_("Sealed with required items not shown: the operator was warned and chose to seal anyway."));
  if (g_strcmp0 (decision, "closed-while-recording") == 0)
    return tr (d, N_("Sealed with required items not shown: the window was closed or the application was asked to quit while recording."));
  if (g_strcmp0 (decision, "unattended") == 0)
    return tr (d, N_("Recorded without an operator (command line): no one marked checklist items while recording."));
  return NULL;
}

static const char *
state_text (Doc *d, const char *state)
{
  if (g_strcmp0 (state, "marked") == 0)
    return tr (d, N_("shown and marked"));
  if (g_strcmp0 (state, "passed") == 0)
    return tr (d, N_("passed the phone check"));
  if (g_strcmp0 (state, "undone") == 0)
    return tr (d, N_("marked, then undone"));
  if (g_strcmp0 (state, "failed") == 0)
    return tr (d, N_("failed the phone check, not shown"));
  return tr (d, N_("not shown"));
}

/* The checklist: the scenario, the decision, every required item with its state (a
 * language-free ✓ or ✗ first, which the verifier checks), then the items not shown by name. */
static void
draw_checklist (Doc *d)
{
  const PdCertificateInfo *info = d->info;
  const double widths[] = { 230, 150, PD_PAGE_CONTENT_W - 380 };
  const char *header[] = { tr (d, N_("Required item")), tr (d, N_("State")), tr (d, N_("Marked at")) };
  g_autoptr (GPtrArray) cells = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) missing = g_ptr_array_new ();
  g_autofree char *title = NULL;
  const char *decision;
  guint n_required = 0;

  if (info->decision == NULL && info->items->len == 0)
    return;
  title = g_strdup_printf (tr (d, N_("Checklist: %s")), evidence_name (d));
  pd_page_heading (&d->pg, title, 1);
  decision = decision_text (d, info->decision);
  pd_page_row (&d->pg, tr (d, N_("Decision")), decision ? decision : info->decision, NULL, 3);
  if (info->reason != NULL && *info->reason)
    pd_page_row (&d->pg, tr (d, N_("Reason given")), info->reason, NULL, 3);
  for (guint i = 0; i < info->items->len; i++)
    {
      PdCertificateItem *item = g_ptr_array_index (info->items, i);

      if (!item->required)
        continue;
      n_required++;
      /* Every required item is printed, however many: none may fall under "… and N more". */
      g_ptr_array_add (cells, g_strdup (item_text (d, item->title, item->display_title)));
      g_ptr_array_add (cells, g_strdup_printf ("%s %s", pd_certificate_state_symbol (item->state),
                                               state_text (d, item->state)));
      g_ptr_array_add (cells, g_strdup (item->times ? item->times : "—"));
      if (g_str_equal (pd_certificate_state_symbol (item->state), "✗"))
        g_ptr_array_add (missing, item);
    }
  if (n_required > 0)
    table (d, widths, header, G_N_ELEMENTS (widths), (char **) cells->pdata, n_required, n_required);
  if (missing->len > 0)
    {
      g_autofree char *head = g_strdup_printf (tr (d, N_("Required items not shown (%u of %u)")),
                                               missing->len, n_required);

      pd_page_need (&d->pg, 40);
      pd_page_paragraph_here (&d->pg, "Sans Bold 10", COLOR_WARN, 0, head, 3);
      pd_page_paragraph_here (&d->pg, "Sans 9", PD_PAGE_COLOR_MUTED, 0,
                 tr (d, N_("The recording does not prove that these were on the screen: no mark was made for them, or every mark was undone.")),
                 4);
      for (guint i = 0; i < missing->len; i++)
        {
          PdCertificateItem *item = g_ptr_array_index (missing, i);
          g_autofree char *line = g_strdup_printf ("✗ %s", item_text (d, item->title, item->display_title));

          pd_page_paragraph_here (&d->pg, "Sans 9.5", PD_PAGE_COLOR_TEXT, 0, line, 2);
        }
      d->pg.y += 6;
    }
}

static void
draw_marks (Doc *d)
{
  GPtrArray *marks = d->info->marks;
  const double widths[] = { 36, 170, 60, PD_PAGE_CONTENT_W - 366, 100 };
  const char *header[] = { "#", tr (d, N_("Checklist item")), tr (d, N_("Stream time")),
                           tr (d, N_("Note")), tr (d, N_("State")) };
  guint n = MIN (marks->len, MAX_TABLE_ROWS);
  g_autoptr (GPtrArray) cells = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *title = NULL;

  if (marks->len == 0)
    return;
  title = g_strdup_printf (tr (d, N_("Checklist marks (%u)")), marks->len);
  pd_page_heading (&d->pg, title, 1);
  pd_page_paragraph_here (&d->pg, "Sans 9", PD_PAGE_COLOR_MUTED, 0,
             tr (d, N_("Each mark saved the frame on screen as a still in the package’s “stills” folder, under its number. An undone mark proves nothing.")),
             6);
  for (guint i = 0; i < n; i++)
    {
      PdCertificateMark *mark = g_ptr_array_index (marks, i);

      g_ptr_array_add (cells, mark->id ? g_strdup_printf ("%u", mark->id) : g_strdup ("—"));
      g_ptr_array_add (cells, g_strdup (item_text (d, mark->item_title, mark->item)));
      g_ptr_array_add (cells, g_strdup (mark->stream_time));
      g_ptr_array_add (cells, g_strdup (mark->note));
      g_ptr_array_add (cells, g_strdup_printf ("%s %s", mark->undone ? "✗" : "✓",
                                               mark->undone ? tr (d, N_("undone")) : tr (d, N_("marked"))));
    }
  table (d, widths, header, G_N_ELEMENTS (widths), (char **) cells->pdata, n, marks->len);
}

/* The environment report's check `id` in words: the checklist item's title when the checklist
 * names it, else what the check looks at (the ids are pd-device-env.c's). */
static const char *
check_name (Doc *d, const char *id)
{
  for (guint i = 0; id != NULL && i < d->info->items->len; i++)
    {
      PdCertificateItem *item = g_ptr_array_index (d->info->items, i);

      if (g_strcmp0 (item->id, id) == 0)
        return item_text (d, item->title, item->display_title);
    }
  if (g_strcmp0 (id, "env.network") == 0)
    return tr (d, N_("Network settings"));
  if (g_strcmp0 (id, "env.clock") == 0)
    return tr (d, N_("Clock"));
  if (g_strcmp0 (id, "env.storage") == 0)
    return tr (d, N_("Free storage"));
  if (g_strcmp0 (id, "env.app") == 0)
    return tr (d, N_("Recorded app"));
  return id;
}

/* A JSON boolean as `yes` or `no` (msgids) in the certificate's language, "?" when absent. */
static const char *
boolean_text (Doc *d, JsonObject *o, const char *key, const char *yes, const char *no)
{
  JsonNode *n = pd_certificate_member (o, key);

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_BOOLEAN)
    return "?";
  return tr (d, json_node_get_boolean (n) ? yes : no);
}

#define yes_no(d, o, key) boolean_text (d, o, key, N_("yes"), N_("no"))
#define on_off(d, o, key) boolean_text (d, o, key, N_("on"), N_("off"))

static const char *
or_dash (const char *s)
{
  return s != NULL && *s != '\0' ? s : "—";
}

/* The app that was recorded, as the phone reported it. */
static void
draw_environment_app (Doc *d, JsonObject *app)
{
  g_autofree char *app_text = NULL;

  if (app == NULL)
    return;
  app_text = g_strdup_printf ("%s %s (%s)", or_dash (pd_json_string (app, "package")),
                              or_dash (pd_json_string (app, "version_name")),
                              or_dash (pd_json_string (app, "version_code")));
  pd_page_row (&d->pg, tr (d, N_("App")), app_text, NULL, 1);
  pd_page_row (&d->pg, tr (d, N_("Installed from")), pd_json_string (app, "installer"), NULL, 1);
  pd_page_row (&d->pg, tr (d, N_("App signature")), pd_json_string (app, "signing_sha256"),
               "Monospace 8", 2);
}

/* The environment checks and their results, as a table. */
static void
draw_environment_checks (Doc *d, JsonArray *checks)
{
  const double widths[] = { 110, 70, PD_PAGE_CONTENT_W - 180 };
  const char *header[] = { tr (d, N_("Check")), tr (d, N_("Result")), tr (d, N_("Details")) };
  g_autoptr (GPtrArray) cells = g_ptr_array_new_with_free_func (g_free);
  guint n = 0, n_total = 0;

  for (guint i = 0; checks != NULL && i < json_array_get_length (checks); i++)
    {
      JsonNode *node = json_array_get_element (checks, i);
      JsonObject *c = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      const char *result = pd_json_string (c, "result");

      if (pd_json_string (c, "id") == NULL || result == NULL)
        continue;
      n_total++;
      if (n >= MAX_TABLE_ROWS)
        continue;
      g_ptr_array_add (cells, g_strdup (check_name (d, pd_json_string (c, "id"))));
      g_ptr_array_add (cells, g_strdup (g_str_equal (result, "passed")   ? tr (d, N_("passed"))
                                        : g_str_equal (result, "failed") ? tr (d, N_("FAILED"))
                                                                         : tr (d, N_("not checked"))));
      g_ptr_array_add (cells, g_strdup (pd_json_string (c, "message")));
      n++;
    }
  if (n > 0)
    table (d, widths, header, G_N_ELEMENTS (widths), (char **) cells->pdata, n, n_total);
}

/* The phone's environment before recording (manifest "environment" → "before"): what a court's
 * expert asks first. Values are data from the phone (hostile text is only drawn, never parsed
 * further); labels and yes/no are in the certificate's language. */
static void
draw_environment (Doc *d)
{
  JsonObject *report = d->info->environment;
  JsonObject *device = pd_json_object (report, "device");
  JsonObject *root = pd_json_object (report, "root");
  JsonObject *net = pd_json_object (report, "network");
  JsonObject *storage = pd_json_object (report, "storage");
  JsonObject *clock = pd_json_object (report, "clock");
  g_autofree char *phone = NULL, *android = NULL, *rooted = NULL, *network = NULL;
  g_autofree char *free_text = NULL, *clock_text = NULL;
  guint64 free_bytes;
  JsonNode *skew;

  if (report == NULL)
    return;
  pd_page_heading (&d->pg, tr (d, N_("Phone environment before recording")), 1);
  if (pd_json_string (report, "error") != NULL)
    pd_page_row (&d->pg, tr (d, N_("Not taken")), pd_json_string (report, "error"), NULL, 3);
  phone = g_strdup_printf ("%s %s", or_dash (pd_json_string (device, "manufacturer")),
                           or_dash (pd_json_string (device, "model")));
  pd_page_row (&d->pg, tr (d, N_("Phone")), phone, NULL, 1);
  /* Translators: Android version (SDK level, security patch date). */
  android = g_strdup_printf (tr (d, N_("%s (SDK %s, security patch %s)")),
                             or_dash (pd_json_string (device, "android_version")),
                             or_dash (pd_json_string (device, "sdk")),
                             or_dash (pd_json_string (device, "security_patch")));
  pd_page_row (&d->pg, tr (d, N_("Android")), android, NULL, 1);
  pd_page_row (&d->pg, tr (d, N_("Serial")), pd_json_string (device, "serial"), NULL, 1);
  pd_page_row (&d->pg, tr (d, N_("Build")), pd_json_string (device, "fingerprint"), "Sans 8", 2);
  /* Translators: rooted yes/no (su binary; Android verified-boot state). */
  rooted = g_strdup_printf (tr (d, N_("%s (su: %s; verified boot: %s)")), yes_no (d, root, "rooted"),
                            or_dash (pd_json_string (root, "su")),
                            or_dash (pd_json_string (root, "verified_boot_state")));
  pd_page_row (&d->pg, tr (d, N_("Rooted")), rooted, NULL, 2);
  network = g_strdup_printf (tr (d, N_("Wi-Fi %s; mobile data %s; VPN %s; proxy %s")),
                             on_off (d, net, "wifi_on"), on_off (d, net, "mobile_data"),
                             on_off (d, net, "vpn"), or_dash (pd_json_string (net, "http_proxy")));
  pd_page_row (&d->pg, tr (d, N_("Network")), network, NULL, 2);
  if (pd_certificate_member_uint (storage, "data_free_bytes", &free_bytes))
    free_text = g_format_size (free_bytes);
  pd_page_row (&d->pg, tr (d, N_("Free storage")), free_text, NULL, 1);
  skew = pd_certificate_member (clock, "skew_seconds");
  if (skew != NULL && JSON_NODE_HOLDS_VALUE (skew) && json_node_get_value_type (skew) == G_TYPE_INT64)
    /* Translators: the phone clock's difference from the workstation, in seconds; time zone. */
    clock_text = g_strdup_printf (tr (d, N_("%+lld s from the workstation, %s")),
                                  (long long) json_node_get_int (skew),
                                  or_dash (pd_json_string (clock, "timezone")));
  pd_page_row (&d->pg, tr (d, N_("Phone clock")), clock_text, NULL, 1);
  draw_environment_app (d, pd_json_object (report, "app"));
  draw_environment_checks (d, pd_json_array (report, "checks"));
}

static void
draw_attachments (Doc *d)
{
  GPtrArray *atts = d->info->attachments;

  if (atts->len == 0)
    return;
  pd_page_heading (&d->pg, tr (d, N_("Attached to this PDF")), 1);
  for (guint i = 0; i < MIN (atts->len, MAX_TABLE_ROWS); i++)
    {
      PdCertificateAttachment *a = g_ptr_array_index (atts, i);
      g_autofree char *size = g_format_size (g_bytes_get_size (a->data));
      g_autofree char *text = a->description
                                ? g_strdup_printf ("%s · %s", size, a->description)
                                : g_strdup (size);

      pd_page_row (&d->pg, a->name, text, "Sans 9", 2);
    }
  if (atts->len > MAX_TABLE_ROWS)
    {
      g_autofree char *more =
        g_strdup_printf (tr (d, N_("… and %u more")), atts->len - MAX_TABLE_ROWS);

      pd_page_paragraph_here (&d->pg, "Sans Italic 8.5", PD_PAGE_COLOR_MUTED, 0, more, 4);
    }
}

/* A shell word: quoted only when it needs to be, so common names read as typed. */
static char *
shell_word (const char *s)
{
  for (const char *p = s; *p; p++)
    if (!g_ascii_isalnum (*p) && !strchr ("._-/+", *p))
      return g_shell_quote (s);
  return g_strdup (s);
}

/* Breaks a long command at spaces with " \" continuations, so it still pastes into a shell. */
static char *
wrap_command (const char *command, guint max_chars)
{
  g_auto (GStrv) words = g_strsplit (command, " ", -1);
  GString *out = g_string_new (NULL);
  gsize line_start = 0;

  for (guint i = 0; words[i] != NULL; i++)
    {
      if (i > 0 && out->len - line_start + 1 + strlen (words[i]) + 2 > max_chars)
        {
          g_string_append (out, " \\\n ");
          line_start = out->len - 1;
        }
      if (i > 0)
        g_string_append_c (out, ' ');
      g_string_append (out, words[i]);
    }
  return g_string_free (out, FALSE);
}

/* One numbered step of the verification section: an explanation and a command. */
static void
verify_step (Doc *d, int n, const char *text, const char *command)
{
  const double pad = 5;
  g_autofree char *numbered = g_strdup_printf ("%d. %s", n, text);
  g_autoptr (PangoLayout) t =
    pd_pdf_layout_new (d->pg.pango, "Sans 9", PD_PAGE_CONTENT_W, 0, numbered);
  g_autoptr (PangoLayout) m = pd_pdf_layout_new (d->pg.pango, "Monospace 8", 0, 1, "0000000000");
  guint max_chars = (guint) ((PD_PAGE_CONTENT_W - 2 * pad) / (pd_pdf_layout_width (m) / 10));
  g_autofree char *wrapped = wrap_command (command, max_chars);
  g_autoptr (PangoLayout) c
      = pd_pdf_layout_new (d->pg.pango, "Monospace 8", PD_PAGE_CONTENT_W - 2 * pad, 0, wrapped);
  double ch = pd_pdf_layout_height (c) + 2 * pad;

  pd_page_need (&d->pg, pd_pdf_layout_height (t) + 3 + ch + 6);
  pd_pdf_show_layout (d->pg.cr, t, PD_PAGE_MARGIN, d->pg.y, PD_PAGE_COLOR_TEXT);
  d->pg.y += pd_pdf_layout_height (t) + 3;
  pd_pdf_set_rgb (d->pg.cr, COLOR_SHADE);
  cairo_rectangle (d->pg.cr, PD_PAGE_MARGIN, d->pg.y, PD_PAGE_CONTENT_W, ch);
  cairo_fill (d->pg.cr);
  pd_pdf_show_layout (d->pg.cr, c, PD_PAGE_MARGIN + pad, d->pg.y + pad, PD_PAGE_COLOR_TEXT);
  d->pg.y += ch + 6;
}

static void
draw_verify (Doc *d)
{
  const PdCertificateInfo *info = d->info;
  g_autofree char *file = shell_word (info->file_name && *info->file_name ? info->file_name
                                                                          : PD_RECORDING_NAME);
  g_autofree char *token = g_strdup_printf ("%s.tsr", info->file_name && *info->file_name
                                                        ? info->file_name
                                                        : PD_RECORDING_NAME);
  g_autofree char *token_q = shell_word (token);
  g_autofree char *sha = g_strdup_printf ("sha256sum %s", file);
  g_autofree char *ts = g_strdup_printf ("openssl ts -verify -data %s -in %s -CAfile tsa-chain.pem",
                                         file, token_q);
  g_autofree char *show = g_strdup_printf ("openssl ts -reply -in %s -text", token_q);
  int n = 1;

  pd_page_heading (&d->pg, tr (d, N_("How to verify")), 1);
  pd_page_paragraph_here (&d->pg, "Sans 9", PD_PAGE_COLOR_MUTED, 0,
             tr (d, N_("Anyone can check this evidence with standard tools, without Proofdesk. "
                       "Run these commands in the evidence folder.")),
             6);
  verify_step (d, n++, tr (d, N_("The file’s SHA-256 must equal the value above:")), sha);
  verify_step (d, n++, tr (d, N_("Save the timestamp tokens attached to this PDF:")),
               "pdfdetach -saveall " PD_CERTIFICATE_NAME);
  verify_step (d, n++,
               tr (d, N_("Check the token against the file and the authority’s certificate "
                         "chain; it must print “Verification: OK”:")),
               ts);
  verify_step (d, n++, tr (d, N_("Show the time and authority inside the token:")), show);
  verify_step (d, n++, tr (d, N_("Check the manifest, which lists every other file:")),
               "openssl ts -verify -data manifest.json -in manifest.json.tsr -CAfile "
               "tsa-chain.pem");
  if (info->checkpoints->len > 0)
    {
      g_autofree char *head = g_strdup_printf (
        "head -c OFFSET %s | openssl ts -verify -data /dev/stdin -in checkpoints/000001.tsr "
        "-CAfile tsa-chain.pem",
        file);

      verify_step (d, n++,
                   tr (d, N_("Check a checkpoint (OFFSET is its “Bytes covered” without commas):")),
                   head);
    }
}

/* Lays out and draws the whole certificate; returns the number of pages. */
static int
render (Doc *d)
{
  draw_header (d);
  if (d->info->practice)
    draw_practice_warning (d);
  draw_evidence (d);
  draw_timestamp (d);
  draw_checkpoints (d);
  draw_coverage (d);
  draw_checklist (d);
  draw_marks (d);
  draw_environment (d);
  draw_attachments (d);
  draw_verify (d);
  pd_page_show (&d->pg);
  return d->pg.page;
}

/* Renders into `out` (NULL: only count pages — on a recording surface, which skips building
 * and compressing a PDF that would be thrown away; measured in bench/seal-latency). */
int
pd_certificate_render_pdf (const PdCertificateInfo *info, const char *generated, int n_pages,
                           GByteArray *out, GError **error)
{
  g_autofree char *title = NULL;
  cairo_status_t status;
  Doc d = { 0 };

  d.info = info;
  d.english = info->language != NULL && g_str_equal (info->language, "en");
  d.n_pages = n_pages;
  d.generated = (char *) generated;
  title = g_strdup_printf ("%s — %s", tr (&d, N_("Evidence Certificate")),
                           info->case_name ? info->case_name : "");
  pd_page_begin (&d.pg, out, title, PD_PAGE_POINTS);
  d.pg.footer = draw_footer;
  d.pg.continued = draw_continued;
  d.pg.user_data = &d;
  n_pages = render (&d);
  status = pd_page_end (&d.pg);
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, PD_CERTIFICATE_ERROR, PD_CERTIFICATE_ERROR_RENDER,
                   _("Cannot draw the certificate: %s"), cairo_status_to_string (status));
      return -1;
    }
  return n_pages;
}
