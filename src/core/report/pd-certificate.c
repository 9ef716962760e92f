/* pd-certificate.c — the evidence certificate: rendered with cairo + pango, tokens attached. */
#define G_LOG_DOMAIN "pd-certificate"

#include "config.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <gio/gunixinputstream.h>
#include <glib/gstdio.h>
#include <pango/pangocairo.h>
#include <poppler.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <signal.h>
#include <poll.h>
#include <unistd.h>

#if HAVE_QRENCODE
#include <qrencode.h>
#endif

#include "report/pd-certificate.h"
#include "util/pd-error.h"
#include "evidence/pd-package.h"
#include "report/pd-pdf-text.h"
#include "util/pd-util.h"

/* ------------------------------------------------------------------------------------------ */
/* The info struct                                                                            */
/* ------------------------------------------------------------------------------------------ */

static void
checkpoint_free (PdCertificateCheckpoint *cp)
{
  g_free (cp->stream_time);
  g_clear_pointer (&cp->gen_time, g_date_time_unref);
  g_free (cp);
}

static void
mark_free (PdCertificateMark *mark)
{
  g_free (mark->item);
  g_free (mark->stream_time);
  g_free (mark->note);
  g_free (mark);
}

PdCertificateAttachment *
pd_certificate_attachment_new (const char *name, GBytes *data, const char *description)
{
  PdCertificateAttachment *attachment;

  g_return_val_if_fail (name != NULL && data != NULL, NULL);

  attachment = g_new0 (PdCertificateAttachment, 1);
  attachment->name = g_strdup (name);
  attachment->data = g_bytes_ref (data);
  attachment->description = g_strdup (description);
  return attachment;
}

void
pd_certificate_attachment_free (PdCertificateAttachment *attachment)
{
  if (attachment == NULL)
    return;
  g_free (attachment->name);
  g_clear_pointer (&attachment->data, g_bytes_unref);
  g_free (attachment->description);
  g_free (attachment);
}

PdCertificateInfo *
pd_certificate_info_new (void)
{
  PdCertificateInfo *info = g_new0 (PdCertificateInfo, 1);

  info->checkpoints = g_ptr_array_new_with_free_func ((GDestroyNotify) checkpoint_free);
  info->marks = g_ptr_array_new_with_free_func ((GDestroyNotify) mark_free);
  info->attachments =
    g_ptr_array_new_with_free_func ((GDestroyNotify) pd_certificate_attachment_free);
  return info;
}

void
pd_certificate_info_free (PdCertificateInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->title);
  g_free (info->case_name);
  g_free (info->parties);
  g_free (info->dispute_type);
  g_free (info->operator_name);
  g_free (info->source);
  g_free (info->file_name);
  g_free (info->sha256);
  g_clear_pointer (&info->gen_time, g_date_time_unref);
  g_free (info->tsa_name);
  g_free (info->serial);
  g_free (info->policy);
  g_free (info->accuracy);
  g_free (info->language);
  g_clear_pointer (&info->checkpoints, g_ptr_array_unref);
  g_clear_pointer (&info->marks, g_ptr_array_unref);
  g_clear_pointer (&info->environment, json_object_unref);
  g_clear_pointer (&info->attachments, g_ptr_array_unref);
  g_free (info);
}

void
pd_certificate_info_add_checkpoint (PdCertificateInfo *info, guint index, const char *stream_time,
                                    guint64 offset, GDateTime *gen_time)
{
  PdCertificateCheckpoint *cp;

  g_return_if_fail (info != NULL);

  cp = g_new0 (PdCertificateCheckpoint, 1);
  cp->index = index;
  cp->stream_time = g_strdup (stream_time);
  cp->offset = offset;
  cp->gen_time = gen_time ? g_date_time_ref (gen_time) : NULL;
  g_ptr_array_add (info->checkpoints, cp);
}

void
pd_certificate_info_add_mark (PdCertificateInfo *info, const char *item, const char *stream_time,
                              const char *note)
{
  PdCertificateMark *mark;

  g_return_if_fail (info != NULL);

  mark = g_new0 (PdCertificateMark, 1);
  mark->item = g_strdup (item);
  mark->stream_time = g_strdup (stream_time);
  mark->note = g_strdup (note);
  g_ptr_array_add (info->marks, mark);
}

void
pd_certificate_info_add_attachment (PdCertificateInfo *info, const char *name, GBytes *data,
                                    const char *description)
{
  g_return_if_fail (info != NULL && name != NULL && data != NULL);

  g_ptr_array_add (info->attachments, pd_certificate_attachment_new (name, data, description));
}

/* Typed accessors: a hostile or older manifest may hold anything under any key. */
static JsonNode *
member (JsonObject *o, const char *key)
{
  return o != NULL && json_object_has_member (o, key) ? json_object_get_member (o, key) : NULL;
}

static gboolean
member_uint (JsonObject *o, const char *key, guint64 *out)
{
  JsonNode *n = member (o, key);

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64 ||
      json_node_get_int (n) < 0)
    return FALSE;
  *out = (guint64) json_node_get_int (n);
  return TRUE;
}

PdCertificateInfo *
pd_certificate_info_new_from_manifest (JsonObject *manifest)
{
  PdCertificateInfo *info;
  JsonObject *source, *recording;
  JsonArray *checkpoints, *marks;
  const char *scenario;
  guint64 size = 0;

  g_return_val_if_fail (manifest != NULL, NULL);

  info = pd_certificate_info_new ();
  source = pd_json_object (manifest, "source");
  recording = pd_json_object (manifest, "recording");
  checkpoints = pd_json_array (manifest, "checkpoints");
  marks = pd_json_array (manifest, "marks");
  scenario = pd_json_string (manifest, "scenario");
  info->title = g_strdup (scenario != NULL && *scenario ? scenario
                                                        : pd_json_string (recording, "name"));
  info->case_name = g_strdup (pd_json_string (manifest, "case"));
  info->parties = g_strdup (pd_json_string (manifest, "parties"));
  info->dispute_type = g_strdup (pd_json_string (manifest, "dispute_type"));
  info->operator_name = g_strdup (pd_json_string (manifest, "operator"));
  info->source = g_strdup (pd_json_string (source, "description"));
  if (info->source == NULL)
    info->source = g_strdup (pd_json_string (source, "kind"));
  info->file_name = g_strdup (pd_json_string (recording, "name"));
  if (member_uint (recording, "size", &size))
    info->file_size = size;
  info->sha256 = g_strdup (pd_json_string (recording, "sha256"));

  for (guint i = 0; checkpoints != NULL && i < json_array_get_length (checkpoints); i++)
    {
      JsonNode *n = json_array_get_element (checkpoints, i);
      JsonObject *o = JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
      g_autofree char *stream_time = NULL;
      guint64 index = i + 1, offset = 0, running = 0;

      if (o == NULL)
        continue;
      member_uint (o, "index", &index);
      member_uint (o, "offset", &offset);
      stream_time = g_strdup (pd_json_string (o, "stream_time"));
      if (stream_time == NULL && member_uint (o, "running_time_ns", &running))
        stream_time = pd_format_stream_time (running);
      pd_certificate_info_add_checkpoint (info, (guint) MIN (index, G_MAXUINT), stream_time, offset,
                                          NULL);
    }

  for (guint i = 0; marks != NULL && i < json_array_get_length (marks); i++)
    {
      JsonNode *n = json_array_get_element (marks, i);
      JsonObject *o = JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;

      if (o != NULL)
        pd_certificate_info_add_mark (info, pd_json_string (o, "item"),
                                      pd_json_string (o, "stream_time"), pd_json_string (o, "note"));
    }
  info->environment = pd_json_object (pd_json_object (manifest, "environment"), "before");
  if (info->environment != NULL)
    json_object_ref (info->environment);
  return info;
}

/* ------------------------------------------------------------------------------------------ */
/* Rendering                                                                                  */
/* ------------------------------------------------------------------------------------------ */

#define PAGE_W         595.276 /* A4 in points */
#define PAGE_H         841.890
#define MARGIN         48.0
#define CONTENT_W      (PAGE_W - 2 * MARGIN)
#define FOOTER_H       30.0
#define LABEL_W        130.0
#define QR_SIZE        96.0
#define MAX_TABLE_ROWS 20 /* rows per table; more become "… and N more" (keeps ≤ 3 pages) */

#define COLOR_TEXT   0x1f2328
#define COLOR_MUTED  0x59636e
#define COLOR_ACCENT 0x1a4f8b
#define COLOR_RULE   0xc8ccd1
#define COLOR_SHADE  0xf2f4f7
#define COLOR_WARN   0xb3261e
#define COLOR_WARNBG 0xfdecea

typedef struct
{
  cairo_t                 *cr;
  PangoContext            *pango;
  const PdCertificateInfo *info;
  gboolean                 english;
  double                   y;
  int                      page;
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

/* Draws text at the cursor, full width, and moves the cursor below it. */
static void
paragraph (Doc *d, const char *font, guint32 rgb, const char *text, double space_after)
{
  g_autoptr (PangoLayout) layout = pd_pdf_layout_new (d->pango, font, CONTENT_W, 0, text);

  pd_pdf_show_layout (d->cr, layout, MARGIN, d->y, rgb);
  d->y += pd_pdf_layout_height (layout) + space_after;
}

static void
draw_footer (Doc *d)
{
  g_autofree char *left = g_strdup_printf (tr (d, N_("Proofdesk %s · generated %s")),
                                           PACKAGE_VERSION, d->generated);
  g_autofree char *right = d->n_pages > 0
                             ? g_strdup_printf (tr (d, N_("Page %d of %d")), d->page, d->n_pages)
                             : g_strdup_printf ("%d", d->page);
  g_autoptr (PangoLayout) l = pd_pdf_layout_new (d->pango, "Sans 7.5", CONTENT_W - 80, 1, left);
  g_autoptr (PangoLayout) r = pd_pdf_layout_new (d->pango, "Sans 7.5", 0, 1, right);
  double y = PAGE_H - MARGIN + 6;

  pd_pdf_set_rgb (d->cr, COLOR_RULE);
  cairo_set_line_width (d->cr, 0.5);
  cairo_move_to (d->cr, MARGIN, y - 6);
  cairo_line_to (d->cr, PAGE_W - MARGIN, y - 6);
  cairo_stroke (d->cr);
  pd_pdf_show_layout (d->cr, l, MARGIN, y, COLOR_MUTED);
  pd_pdf_show_layout (d->cr, r, PAGE_W - MARGIN - pd_pdf_layout_width (r), y, COLOR_MUTED);
}

static void
next_page (Doc *d)
{
  g_autofree char *head = NULL;

  draw_footer (d);
  cairo_show_page (d->cr);
  d->page++;
  d->y = MARGIN;
  head = g_strdup_printf (tr (d, N_("%s (continued)")), tr (d, N_("Evidence Certificate")));
  paragraph (d, "Sans Bold 9", COLOR_MUTED, head, 10);
}

/* Starts a new page unless `h` more points fit on this one. */
static void
need (Doc *d, double h)
{
  if (d->y + h > PAGE_H - MARGIN - FOOTER_H)
    next_page (d);
}

static void
section (Doc *d, const char *title)
{
  g_autoptr (PangoLayout) layout
      = pd_pdf_layout_new (d->pango, "Sans Bold 12", CONTENT_W, 1, title);
  double h = pd_pdf_layout_height (layout);

  need (d, h + 40); /* never a heading alone at the bottom of a page */
  d->y += 10;
  pd_pdf_show_layout (d->cr, layout, MARGIN, d->y, COLOR_ACCENT);
  d->y += h + 3;
  pd_pdf_set_rgb (d->cr, COLOR_RULE);
  cairo_set_line_width (d->cr, 0.75);
  cairo_move_to (d->cr, MARGIN, d->y);
  cairo_line_to (d->cr, PAGE_W - MARGIN, d->y);
  cairo_stroke (d->cr);
  d->y += 6;
}

/* One "label: value" row; long values wrap to at most `max_lines`. */
static void
row (Doc *d, const char *label, const char *value, const char *font, int max_lines)
{
  g_autoptr (PangoLayout) l = pd_pdf_layout_new (d->pango, "Sans 9", LABEL_W - 10, 2, label);
  g_autoptr (PangoLayout) v = pd_pdf_layout_new (d->pango, font ? font : "Sans 10",
                                                 CONTENT_W - LABEL_W, max_lines, value);
  double h = MAX (pd_pdf_layout_height (l), pd_pdf_layout_height (v));

  need (d, h + 4);
  pd_pdf_show_layout (d->cr, l, MARGIN, d->y + 1, COLOR_MUTED);
  pd_pdf_show_layout (d->cr, v, MARGIN + LABEL_W, d->y, COLOR_TEXT);
  d->y += h + 4;
}

static void
table_row (Doc *d, const double *widths, const char *const *cells, guint n, gboolean header,
           gboolean shade)
{
  PangoLayout *layouts[8];
  double h = 0, x = MARGIN;

  g_assert (n <= G_N_ELEMENTS (layouts));
  for (guint i = 0; i < n; i++)
    {
      layouts[i] = pd_pdf_layout_new (d->pango, header ? "Sans Bold 8.5" : "Sans 8.5",
                                      widths[i] - 8, 1, cells[i]);
      h = MAX (h, pd_pdf_layout_height (layouts[i]));
    }
  h += 5;
  if (shade)
    {
      pd_pdf_set_rgb (d->cr, COLOR_SHADE);
      cairo_rectangle (d->cr, MARGIN, d->y, CONTENT_W, h);
      cairo_fill (d->cr);
    }
  for (guint i = 0; i < n; i++)
    {
      pd_pdf_show_layout (d->cr, layouts[i], x + 4, d->y + 2.5, header ? COLOR_MUTED : COLOR_TEXT);
      x += widths[i];
      g_object_unref (layouts[i]);
    }
  d->y += h;
}

/* A table whose header row is repeated after a page break. `rows` holds n_rows × n cells. */
static void
table (Doc *d, const double *widths, const char *const *header, guint n, char **rows,
       guint n_rows, guint n_total)
{
  const double row_h = 16;

  need (d, 2 * row_h);
  table_row (d, widths, header, n, TRUE, TRUE);
  for (guint r = 0; r < n_rows; r++)
    {
      if (d->y + row_h > PAGE_H - MARGIN - FOOTER_H)
        {
          next_page (d);
          table_row (d, widths, header, n, TRUE, TRUE);
        }
      table_row (d, widths, (const char *const *) rows + r * n, n, FALSE, r % 2 == 1);
    }
  if (n_total > n_rows)
    {
      g_autofree char *more = g_strdup_printf (tr (d, N_("… and %u more")), n_total - n_rows);

      need (d, row_h);
      d->y += 3;
      paragraph (d, "Sans Italic 8.5", COLOR_MUTED, more, 0);
    }
  d->y += 4;
}

/* "12,345,678" — grouping without depending on the locale's printf. */
static char *
format_thousands (guint64 n)
{
  g_autofree char *digits = g_strdup_printf ("%" G_GUINT64_FORMAT, n);
  GString *out = g_string_new (NULL);
  gsize len = strlen (digits);

  for (gsize i = 0; i < len; i++)
    {
      if (i > 0 && (len - i) % 3 == 0)
        g_string_append_c (out, ',');
      g_string_append_c (out, digits[i]);
    }
  return g_string_free (out, FALSE);
}

static char *
format_utc (GDateTime *dt)
{
  g_autoptr (GDateTime) utc = NULL;

  if (dt == NULL)
    return NULL;
  utc = g_date_time_to_utc (dt);
  return g_date_time_format (utc, "%Y-%m-%d %H:%M:%S UTC");
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
  double text_w = CONTENT_W, top = d->y, qr_bottom = top;
  g_autoptr (PangoLayout) title = NULL;
  g_autoptr (PangoLayout) sub = NULL;
  g_autoptr (PangoLayout) name = NULL;

#if HAVE_QRENCODE
  if (info->sha256 != NULL && *info->sha256)
    {
      g_autofree char *when = info->gen_time ? pd_time_format_utc (info->gen_time) : NULL;
      g_autofree char *text = when ? g_strdup_printf ("SHA256:%s\nTIME:%s", info->sha256, when)
                                   : g_strdup_printf ("SHA256:%s", info->sha256);
      g_autoptr (PangoLayout) cap = pd_pdf_layout_new (d->pango, "Sans 6.5", QR_SIZE, 1, "SHA-256");

      draw_qr (d->cr, text, PAGE_W - MARGIN - QR_SIZE + 6, top - 6, QR_SIZE);
      pd_pdf_show_layout (d->cr, cap,
                          PAGE_W - MARGIN - (QR_SIZE + pd_pdf_layout_width (cap)) / 2 + 6,
                          top + QR_SIZE - 8, COLOR_MUTED);
      text_w -= QR_SIZE + 12;
      qr_bottom = top + QR_SIZE + 2;
    }
#endif

  title = pd_pdf_layout_new (d->pango, "Sans Bold 24", text_w, 2,
                             tr (d, N_("Evidence Certificate")));
  pd_pdf_show_layout (d->cr, title, MARGIN, d->y, COLOR_ACCENT);
  d->y += pd_pdf_layout_height (title) + 2;
  sub = pd_pdf_layout_new (d->pango, "Sans 10", text_w, 2,
                           tr (d, N_("Trusted timestamp record of a screen recording")));
  pd_pdf_show_layout (d->cr, sub, MARGIN, d->y, COLOR_MUTED);
  d->y += pd_pdf_layout_height (sub) + 10;
  name = pd_pdf_layout_new (d->pango, "Sans Bold 14", text_w, 2, info->title);
  pd_pdf_show_layout (d->cr, name, MARGIN, d->y, COLOR_TEXT);
  d->y += pd_pdf_layout_height (name);

  d->y = MAX (d->y, qr_bottom) + 8;
  pd_pdf_set_rgb (d->cr, COLOR_ACCENT);
  cairo_set_line_width (d->cr, 2);
  cairo_move_to (d->cr, MARGIN, d->y);
  cairo_line_to (d->cr, PAGE_W - MARGIN, d->y);
  cairo_stroke (d->cr);
  d->y += 8;
}

static void
draw_practice_warning (Doc *d)
{
  const double pad = 10;
  g_autoptr (PangoLayout) head
      = pd_pdf_layout_new (d->pango, "Sans Bold 12", CONTENT_W - 2 * pad - 6, 0,
                           tr (d, N_("Practice authority — not for court")));
  g_autoptr (PangoLayout) body = pd_pdf_layout_new (
      d->pango, "Sans 9", CONTENT_W - 2 * pad - 6, 0,
      tr (d, N_("These timestamps come from Proofdesk’s built-in practice authority on this "
                 "computer. They prove nothing to anyone else. Stamp the evidence with a trusted "
                 "time-stamp authority (TSA) before you rely on it.")));
  double h = pd_pdf_layout_height (head) + 3 + pd_pdf_layout_height (body) + 2 * pad;

  need (d, h + 12);
  d->y += 6;
  pd_pdf_set_rgb (d->cr, COLOR_WARNBG);
  cairo_rectangle (d->cr, MARGIN, d->y, CONTENT_W, h);
  cairo_fill (d->cr);
  pd_pdf_set_rgb (d->cr, COLOR_WARN);
  cairo_set_line_width (d->cr, 1.5);
  cairo_rectangle (d->cr, MARGIN, d->y, CONTENT_W, h);
  cairo_stroke (d->cr);
  cairo_rectangle (d->cr, MARGIN, d->y, 5, h);
  cairo_fill (d->cr);
  pd_pdf_show_layout (d->cr, head, MARGIN + pad + 6, d->y + pad, COLOR_WARN);
  pd_pdf_show_layout (d->cr, body, MARGIN + pad + 6, d->y + pad + pd_pdf_layout_height (head) + 3,
                      COLOR_TEXT);
  d->y += h + 6;
}

static void
draw_evidence (Doc *d)
{
  const PdCertificateInfo *info = d->info;
  g_autofree char *grouped = format_thousands (info->file_size);
  g_autofree char *human = g_format_size (info->file_size);
  g_autofree char *size = g_strdup_printf (tr (d, N_("%s bytes (%s)")), grouped, human);

  section (d, tr (d, N_("Evidence")));
  row (d, tr (d, N_("Name")), info->title, NULL, 2);
  row (d, tr (d, N_("Case")), info->case_name, NULL, 2);
  if (info->parties != NULL && *info->parties)
    row (d, tr (d, N_("Parties")), info->parties, NULL, 2);
  if (info->dispute_type != NULL && *info->dispute_type)
    row (d, tr (d, N_("Dispute")), info->dispute_type, NULL, 1);
  row (d, tr (d, N_("Operator")), info->operator_name, NULL, 1);
  row (d, tr (d, N_("Source / device")), info->source, NULL, 2);
  row (d, tr (d, N_("File")), info->file_name, NULL, 2);
  row (d, tr (d, N_("Size")), size, NULL, 1);
  /* 64 hex digits fit one line at this size, so the digest copies out in one piece. */
  row (d, tr (d, N_("SHA-256")), info->sha256, "Monospace Bold 9", 3);
}

static void
draw_timestamp (Doc *d)
{
  const PdCertificateInfo *info = d->info;
  g_autofree char *utc = format_utc (info->gen_time);
  g_autofree char *local = NULL;

  if (info->gen_time != NULL)
    {
      g_autoptr (GDateTime) l = g_date_time_to_local (info->gen_time);
      local = g_date_time_format (l, "%Y-%m-%d %H:%M:%S %Z (UTC%:z)");
    }

  section (d, tr (d, N_("Trusted timestamp")));
  row (d, tr (d, N_("Time (UTC)")), utc ? utc : tr (d, N_("Not stamped yet")), "Sans Bold 10",
       1);
  row (d, tr (d, N_("Local time")), local, NULL, 1);
  row (d, tr (d, N_("Authority")), info->tsa_name, NULL, 2);
  row (d, tr (d, N_("Serial number")), info->serial, "Monospace 9", 2);
  row (d, tr (d, N_("Policy")), info->policy, "Monospace 9", 1);
  row (d, tr (d, N_("Accuracy")), info->accuracy, NULL, 1);
}

static void
draw_checkpoints (Doc *d)
{
  GPtrArray *cps = d->info->checkpoints;
  const double widths[] = { 40, 90, 140, CONTENT_W - 270 };
  const char *header[] = { "#", tr (d, N_("Stream time")), tr (d, N_("Bytes covered")),
                           tr (d, N_("TSA time (UTC)")) };
  guint n = MIN (cps->len, MAX_TABLE_ROWS);
  g_autoptr (GPtrArray) cells = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *title = g_strdup_printf (tr (d, N_("Checkpoints (%u)")), cps->len);

  section (d, title);
  if (cps->len == 0)
    {
      paragraph (d, "Sans 9", COLOR_MUTED, tr (d, N_("No checkpoints were taken.")), 4);
      return;
    }
  paragraph (d, "Sans 9", COLOR_MUTED,
             tr (d, N_("Stamped while recording: each checkpoint fixes the first bytes of the "
                       "file, so a cut-off recording can still be proven up to that point.")),
             6);
  for (guint i = 0; i < n; i++)
    {
      PdCertificateCheckpoint *cp = g_ptr_array_index (cps, i);
      char *when = format_utc (cp->gen_time);

      g_ptr_array_add (cells, g_strdup_printf ("%u", cp->index));
      g_ptr_array_add (cells, g_strdup (cp->stream_time));
      g_ptr_array_add (cells, format_thousands (cp->offset));
      g_ptr_array_add (cells, when ? when : g_strdup (tr (d, N_("not stamped"))));
    }
  table (d, widths, header, G_N_ELEMENTS (widths), (char **) cells->pdata, n, cps->len);
}

static void
draw_marks (Doc *d)
{
  GPtrArray *marks = d->info->marks;
  const double widths[] = { 220, 80, CONTENT_W - 300 };
  const char *header[] = { tr (d, N_("Checklist item")), tr (d, N_("Stream time")),
                           tr (d, N_("Note")) };
  guint n = MIN (marks->len, MAX_TABLE_ROWS);
  g_autoptr (GPtrArray) cells = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *title = NULL;

  if (marks->len == 0)
    return;
  title = g_strdup_printf (tr (d, N_("Checklist marks (%u)")), marks->len);
  section (d, title);
  for (guint i = 0; i < n; i++)
    {
      PdCertificateMark *mark = g_ptr_array_index (marks, i);

      g_ptr_array_add (cells, g_strdup (mark->item));
      g_ptr_array_add (cells, g_strdup (mark->stream_time));
      g_ptr_array_add (cells, g_strdup (mark->note));
    }
  table (d, widths, header, G_N_ELEMENTS (widths), (char **) cells->pdata, n, marks->len);
}

/* A JSON boolean as `yes` or `no` (msgids) in the certificate's language, "?" when absent. */
static const char *
boolean_text (Doc *d, JsonObject *o, const char *key, const char *yes, const char *no)
{
  JsonNode *n = member (o, key);

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
  JsonObject *app = pd_json_object (report, "app");
  JsonArray *checks = pd_json_array (report, "checks");
  const double widths[] = { 110, 70, CONTENT_W - 180 };
  const char *header[] = { tr (d, N_("Check")), tr (d, N_("Result")), tr (d, N_("Details")) };
  g_autoptr (GPtrArray) cells = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *phone = NULL, *android = NULL, *rooted = NULL, *network = NULL;
  g_autofree char *free_text = NULL, *clock_text = NULL, *app_text = NULL;
  guint64 free_bytes;
  JsonNode *skew;
  guint n = 0, n_total = 0;

  if (report == NULL)
    return;
  section (d, tr (d, N_("Phone environment before recording")));
  if (pd_json_string (report, "error") != NULL)
    row (d, tr (d, N_("Not taken")), pd_json_string (report, "error"), NULL, 3);
  phone = g_strdup_printf ("%s %s", or_dash (pd_json_string (device, "manufacturer")),
                           or_dash (pd_json_string (device, "model")));
  row (d, tr (d, N_("Phone")), phone, NULL, 1);
  /* Translators: Android version (SDK level, security patch date). */
  android = g_strdup_printf (tr (d, N_("%s (SDK %s, security patch %s)")),
                             or_dash (pd_json_string (device, "android_version")),
                             or_dash (pd_json_string (device, "sdk")),
                             or_dash (pd_json_string (device, "security_patch")));
  row (d, tr (d, N_("Android")), android, NULL, 1);
  row (d, tr (d, N_("Serial")), pd_json_string (device, "serial"), NULL, 1);
  row (d, tr (d, N_("Build")), pd_json_string (device, "fingerprint"), "Sans 8", 2);
  /* Translators: rooted yes/no (su binary; Android verified-boot state). */
  rooted = g_strdup_printf (tr (d, N_("%s (su: %s; verified boot: %s)")), yes_no (d, root, "rooted"),
                            or_dash (pd_json_string (root, "su")),
                            or_dash (pd_json_string (root, "verified_boot_state")));
  row (d, tr (d, N_("Rooted")), rooted, NULL, 2);
  network = g_strdup_printf (tr (d, N_("Wi-Fi %s; mobile data %s; VPN %s; proxy %s")),
                             on_off (d, net, "wifi_on"), on_off (d, net, "mobile_data"),
                             on_off (d, net, "vpn"), or_dash (pd_json_string (net, "http_proxy")));
  row (d, tr (d, N_("Network")), network, NULL, 2);
  if (member_uint (storage, "data_free_bytes", &free_bytes))
    free_text = g_format_size (free_bytes);
  row (d, tr (d, N_("Free storage")), free_text, NULL, 1);
  skew = member (clock, "skew_seconds");
  if (skew != NULL && JSON_NODE_HOLDS_VALUE (skew) && json_node_get_value_type (skew) == G_TYPE_INT64)
    /* Translators: the phone clock's difference from the workstation, in seconds; time zone. */
    clock_text = g_strdup_printf (tr (d, N_("%+lld s from the workstation, %s")),
                                  (long long) json_node_get_int (skew),
                                  or_dash (pd_json_string (clock, "timezone")));
  row (d, tr (d, N_("Phone clock")), clock_text, NULL, 1);
  if (app != NULL)
    {
      app_text = g_strdup_printf ("%s %s (%s)", or_dash (pd_json_string (app, "package")),
                                  or_dash (pd_json_string (app, "version_name")),
                                  or_dash (pd_json_string (app, "version_code")));
      row (d, tr (d, N_("App")), app_text, NULL, 1);
      row (d, tr (d, N_("Installed from")), pd_json_string (app, "installer"), NULL, 1);
      row (d, tr (d, N_("App signature")), pd_json_string (app, "signing_sha256"), "Monospace 8", 2);
    }

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
      g_ptr_array_add (cells, g_strdup (pd_json_string (c, "id")));
      g_ptr_array_add (cells, g_strdup (g_str_equal (result, "passed")   ? tr (d, N_("passed"))
                                        : g_str_equal (result, "failed") ? tr (d, N_("FAILED"))
                                                                         : tr (d, N_("not checked"))));
      g_ptr_array_add (cells, g_strdup (pd_json_string (c, "message")));
      n++;
    }
  if (n > 0)
    table (d, widths, header, G_N_ELEMENTS (widths), (char **) cells->pdata, n, n_total);
}

static void
draw_attachments (Doc *d)
{
  GPtrArray *atts = d->info->attachments;

  if (atts->len == 0)
    return;
  section (d, tr (d, N_("Attached to this PDF")));
  for (guint i = 0; i < MIN (atts->len, MAX_TABLE_ROWS); i++)
    {
      PdCertificateAttachment *a = g_ptr_array_index (atts, i);
      g_autofree char *size = g_format_size (g_bytes_get_size (a->data));
      g_autofree char *text = a->description
                                ? g_strdup_printf ("%s · %s", size, a->description)
                                : g_strdup (size);

      row (d, a->name, text, "Sans 9", 2);
    }
  if (atts->len > MAX_TABLE_ROWS)
    {
      g_autofree char *more =
        g_strdup_printf (tr (d, N_("… and %u more")), atts->len - MAX_TABLE_ROWS);

      paragraph (d, "Sans Italic 8.5", COLOR_MUTED, more, 4);
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
  g_autoptr (PangoLayout) t = pd_pdf_layout_new (d->pango, "Sans 9", CONTENT_W, 0, numbered);
  g_autoptr (PangoLayout) m = pd_pdf_layout_new (d->pango, "Monospace 8", 0, 1, "0000000000");
  guint            max_chars = (guint)((CONTENT_W - 2 * pad) / (pd_pdf_layout_width (m) / 10));
  g_autofree char *wrapped = wrap_command (command, max_chars);
  g_autoptr (PangoLayout) c
      = pd_pdf_layout_new (d->pango, "Monospace 8", CONTENT_W - 2 * pad, 0, wrapped);
  double ch = pd_pdf_layout_height (c) + 2 * pad;

  need (d, pd_pdf_layout_height (t) + 3 + ch + 6);
  pd_pdf_show_layout (d->cr, t, MARGIN, d->y, COLOR_TEXT);
  d->y += pd_pdf_layout_height (t) + 3;
  pd_pdf_set_rgb (d->cr, COLOR_SHADE);
  cairo_rectangle (d->cr, MARGIN, d->y, CONTENT_W, ch);
  cairo_fill (d->cr);
  pd_pdf_show_layout (d->cr, c, MARGIN + pad, d->y + pad, COLOR_TEXT);
  d->y += ch + 6;
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

  section (d, tr (d, N_("How to verify")));
  paragraph (d, "Sans 9", COLOR_MUTED,
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
  d->y = MARGIN;
  d->page = 1;
  draw_header (d);
  if (d->info->practice)
    draw_practice_warning (d);
  draw_evidence (d);
  draw_timestamp (d);
  draw_checkpoints (d);
  draw_marks (d);
  draw_environment (d);
  draw_attachments (d);
  draw_verify (d);
  draw_footer (d);
  cairo_show_page (d->cr);
  return d->page;
}

static cairo_status_t
write_to_array (void *closure, const unsigned char *data, unsigned int length)
{
  if (closure != NULL)
    g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

/* Renders into `out` (NULL: only count pages — on a recording surface, which skips building
 * and compressing a PDF that would be thrown away; measured in bench/seal-latency). */
static int
render_pdf (const PdCertificateInfo *info, const char *generated, int n_pages, GByteArray *out,
            GError **error)
{
  cairo_rectangle_t extents = { 0, 0, PAGE_W, PAGE_H };
  cairo_surface_t *surface =
    out != NULL ? cairo_pdf_surface_create_for_stream (write_to_array, out, PAGE_W, PAGE_H)
                : cairo_recording_surface_create (CAIRO_CONTENT_COLOR_ALPHA, &extents);
  g_autofree char *title = NULL;
  cairo_status_t status;
  Doc d = { 0 };

  d.info = info;
  d.english = info->language != NULL && g_str_equal (info->language, "en");
  d.n_pages = n_pages;
  d.generated = (char *) generated;
  title = g_strdup_printf ("%s — %s", tr (&d, N_("Evidence Certificate")),
                           info->case_name ? info->case_name : "");
  if (out != NULL)
    {
      cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_TITLE, title);
      cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_CREATOR, "Proofdesk " PACKAGE_VERSION);
    }
  d.cr = cairo_create (surface);
  d.pango = pango_cairo_create_context (d.cr);
  pango_cairo_context_set_resolution (d.pango, 72); /* font sizes in points */
  n_pages = render (&d);
  g_object_unref (d.pango);
  cairo_destroy (d.cr);
  cairo_surface_finish (surface);
  status = cairo_surface_status (surface);
  cairo_surface_destroy (surface);
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, PD_CERTIFICATE_ERROR, PD_CERTIFICATE_ERROR_RENDER,
                   _("Cannot draw the certificate: %s"), cairo_status_to_string (status));
      return -1;
    }
  return n_pages;
}

/* ------------------------------------------------------------------------------------------ */
/* Attachments: a hand-written PDF incremental update appended to cairo's output.             */
/*                                                                                            */
/* cairo 1.16 cannot attach files, so after it has written a complete PDF we append, as PDF    */
/* allows (ISO 32000 §7.5.6), new objects — per attachment an /EmbeddedFile stream and its    */
/* /Filespec — a new catalog (cairo's entries plus /Names /EmbeddedFiles, /AF, /PageMode), a  */
/* classic xref section for them and a trailer with /Prev. Only cairo's own output is parsed, */
/* and only as far as needed: startxref, the xref table, the trailer and the catalog's        */
/* dictionary; anything unexpected is refused rather than guessed at. Reading back uses       */
/* poppler, never this code.                                                                  */
/* ------------------------------------------------------------------------------------------ */

typedef struct
{
  const char *p;
  const char *end;
} Cursor;

static gboolean
is_pdf_space (char c)
{
  return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == '\0';
}

static void
skip_space (Cursor *c)
{
  while (c->p < c->end && is_pdf_space (*c->p))
    c->p++;
}

static gboolean
parse_uint (Cursor *c, guint64 *out)
{
  guint64 v = 0;
  int digits = 0;

  skip_space (c);
  while (c->p < c->end && g_ascii_isdigit (*c->p) && digits < 15)
    {
      v = v * 10 + (guint64) (*c->p++ - '0');
      digits++;
    }
  *out = v;
  return digits > 0;
}

static gboolean
expect (Cursor *c, const char *keyword)
{
  gsize n = strlen (keyword);

  skip_space (c);
  if ((gsize) (c->end - c->p) < n || memcmp (c->p, keyword, n) != 0)
    return FALSE;
  c->p += n;
  return TRUE;
}

/* Skips a (literal string) with nesting and escapes; returns one past ')' or NULL. */
static const char *
skip_literal (const char *p, const char *end)
{
  int depth = 0;

  for (; p < end; p++)
    {
      if (*p == '\\')
        p++;
      else if (*p == '(')
        depth++;
      else if (*p == ')' && --depth == 0)
        return p + 1;
    }
  return NULL;
}

/* Walks the dictionary starting at `p` ("<<"). Returns one past its closing ">>", or NULL. If
 * `key` is given, stops instead at that key among the dictionary's own (top-level) keys and
 * returns the position just after the key's name. */
static const char *
walk_dict (const char *p, const char *end, const char *key)
{
  int depth = 0, brackets = 0;
  gsize key_len = key ? strlen (key) : 0;

  while (p < end)
    {
      if (end - p >= 2 && p[0] == '<' && p[1] == '<')
        depth++, p += 2;
      else if (end - p >= 2 && p[0] == '>' && p[1] == '>')
        {
          p += 2;
          if (--depth == 0)
            return key ? NULL : p;
        }
      else if (*p == '(')
        {
          if ((p = skip_literal (p, end)) == NULL)
            return NULL;
        }
      else if (*p == '<')
        {
          if ((p = memchr (p, '>', (gsize) (end - p))) == NULL)
            return NULL;
          p++;
        }
      else if (*p == '%')
        {
          while (p < end && *p != '\n' && *p != '\r')
            p++;
        }
      else if (*p == '[' || *p == ']')
        brackets += *p++ == '[' ? 1 : -1;
      else if (*p == '/' && key && depth == 1 && brackets == 0 &&
               (gsize) (end - p) > key_len + 1 && memcmp (p + 1, key, key_len) == 0 &&
               (is_pdf_space (p[key_len + 1]) || strchr ("/<[(", p[key_len + 1])))
        return p + 1 + key_len;
      else
        p++;
    }
  return NULL;
}

/* Reads "N G R" after a key. */
static gboolean
dict_ref (const char *dict, const char *end, const char *key, guint64 *num, guint64 *gen)
{
  Cursor c = { walk_dict (dict, end, key), end };

  return c.p != NULL && parse_uint (&c, num) && parse_uint (&c, gen) && expect (&c, "R");
}

static const char *
rfind (const char *hay, gsize len, const char *needle)
{
  gsize n = strlen (needle);

  for (gsize i = len >= n ? len - n + 1 : 0; i-- > 0;)
    if (memcmp (hay + i, needle, n) == 0)
      return hay + i;
  return NULL;
}

/* A PDF text string: UTF-16BE with BOM, as hex. */
static void
append_text_string (GString *out, const char *utf8)
{
  g_autofree gunichar2 *u16 = g_utf8_to_utf16 (utf8, -1, NULL, NULL, NULL);

  g_string_append (out, "<FEFF");
  for (gsize i = 0; u16 != NULL && u16[i]; i++)
    g_string_append_printf (out, "%04X", u16[i]);
  g_string_append_c (out, '>');
}

/* A (literal) ASCII fallback file name for old readers: non-ASCII becomes '_'. */
static void
append_ascii_string (GString *out, const char *utf8)
{
  g_string_append_c (out, '(');
  for (const char *p = utf8; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c == '(' || c == ')' || c == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, c >= 0x20 && c < 0x7f ? (char) c : '_');
    }
  g_string_append_c (out, ')');
}

static int
compare_keys (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static gboolean
render_error (GError **error, const char *what)
{
  g_set_error (error, PD_CERTIFICATE_ERROR, PD_CERTIFICATE_ERROR_RENDER,
               _("Cannot attach files to the certificate: unexpected PDF from cairo (%s)."), what);
  return FALSE;
}

static gboolean
append_attachments (GByteArray *pdf, GPtrArray *attachments, GError **error)
{
  const char *buf = (const char *) pdf->data, *end = buf + pdf->len;
  const char *startxref, *trailer, *trailer_end, *catalog, *catalog_end, *id;
  g_autofree char *catalog_entries = NULL;
  gboolean has_page_mode;
  guint64 xref_off, prev_xref, size, root, root_gen, root_off = 0, info_num = 0, info_gen = 0;
  gboolean have_root_off = FALSE, have_info;
  g_autofree guint64 *offsets = NULL;
  g_autoptr (GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GString) out = g_string_new (NULL);
  g_autofree char *id_value = NULL;
  Cursor c;
  guint n_new, catalog_num;

  /* 1. startxref → the classic xref table (cairo 1.16 writes no xref streams). */
  startxref = rfind (buf + (pdf->len > 1024 ? pdf->len - 1024 : 0), MIN (pdf->len, 1024),
                     "startxref");
  c = (Cursor) { startxref ? startxref + 9 : end, end };
  if (startxref == NULL || !parse_uint (&c, &xref_off) || xref_off >= pdf->len)
    return render_error (error, "startxref");
  c = (Cursor) { buf + xref_off, end };
  if (!expect (&c, "xref"))
    return render_error (error, "xref");

  /* 2. The trailer: it follows the xref subsections; find it first for /Root. */
  for (guint guard = 0;; guard++)
    {
      guint64 start, count;

      skip_space (&c);
      if (expect (&c, "trailer"))
        break;
      if (guard > 1000 || !parse_uint (&c, &start) || !parse_uint (&c, &count))
        return render_error (error, "xref subsection");
      skip_space (&c);
      if (count > (guint64) (end - c.p) / 20)
        return render_error (error, "xref entries");
      c.p += count * 20; /* each entry is exactly 20 bytes; looked up below */
    }
  skip_space (&c);
  trailer = c.p;
  if ((trailer_end = walk_dict (trailer, end, NULL)) == NULL)
    return render_error (error, "trailer");
  c = (Cursor) { walk_dict (trailer, trailer_end, "Size"), trailer_end };
  if (c.p == NULL || !parse_uint (&c, &size) || size == 0 || size > G_MAXUINT / 2)
    return render_error (error, "trailer /Size");
  if (!dict_ref (trailer, trailer_end, "Root", &root, &root_gen))
    return render_error (error, "trailer /Root");
  have_info = dict_ref (trailer, trailer_end, "Info", &info_num, &info_gen);
  if ((id = walk_dict (trailer, trailer_end, "ID")) != NULL)
    {
      const char *close;

      c = (Cursor) { id, trailer_end };
      skip_space (&c);
      close = memchr (c.p, ']', (gsize) (trailer_end - c.p));
      if (*c.p == '[' && close != NULL)
        id_value = g_strndup (c.p, (gsize) (close + 1 - c.p));
    }

  /* 3. The catalog's offset from the xref table. */
  c = (Cursor) { buf + xref_off, trailer };
  expect (&c, "xref");
  while (!have_root_off)
    {
      guint64 start, count;

      if (!parse_uint (&c, &start) || !parse_uint (&c, &count))
        break;
      skip_space (&c);
      if (root >= start && root - start < count)
        {
          Cursor e = { c.p + (root - start) * 20, c.p + (root - start + 1) * 20 };

          have_root_off = parse_uint (&e, &root_off) && e.end[-3] == 'n';
          break;
        }
      c.p += count * 20;
    }
  if (!have_root_off || root_off >= pdf->len)
    return render_error (error, "catalog offset");

  /* 4. "N G obj << … >>": the catalog's dictionary, whose entries we copy. */
  c = (Cursor) { buf + root_off, end };
  {
    guint64 num, gen;

    if (!parse_uint (&c, &num) || !parse_uint (&c, &gen) || num != root || gen != root_gen ||
        !expect (&c, "obj"))
      return render_error (error, "catalog object");
  }
  skip_space (&c);
  catalog = c.p;
  if (end - catalog < 4 || memcmp (catalog, "<<", 2) != 0 ||
      (catalog_end = walk_dict (catalog, end, NULL)) == NULL)
    return render_error (error, "catalog dictionary");
  if (walk_dict (catalog, catalog_end, "Names") || walk_dict (catalog, catalog_end, "AF"))
    return render_error (error, "catalog already has /Names");
  /* Copied now: appending below may move the array, and `buf` with it. */
  catalog_entries = g_strndup (catalog + 2, (gsize) (catalog_end - 2 - (catalog + 2)));
  has_page_mode = walk_dict (catalog, catalog_end, "PageMode") != NULL;
  prev_xref = xref_off;

  /* 5. New objects, numbered from the old /Size: per attachment its stream and filespec. */
  n_new = attachments->len * 2 + 1;
  catalog_num = (guint) size + attachments->len * 2;
  offsets = g_new0 (guint64, n_new);
  if (pdf->len > 0 && pdf->data[pdf->len - 1] != '\n')
    g_byte_array_append (pdf, (const guint8 *) "\n", 1);
  for (guint i = 0; i < attachments->len; i++)
    {
      PdCertificateAttachment *a = g_ptr_array_index (attachments, i);
      gsize len = g_bytes_get_size (a->data);
      guint stream_num = (guint) size + 2 * i;
      g_autoptr (GString) key = g_string_new (NULL);

      g_string_truncate (out, 0);
      /* RFC 3161 replies get their registered media type; the '/' is written as #2F. */
      g_string_append_printf (out,
                              "%u 0 obj\n<< /Type /EmbeddedFile /Subtype /%s /Length %" G_GSIZE_FORMAT
                              " /Params << /Size %" G_GSIZE_FORMAT " >> >>\nstream\n",
                              stream_num,
                              g_str_has_suffix (a->name, ".tsr") ? "application#2Ftimestamp-reply"
                                                                 : "application#2Foctet-stream",
                              len, len);
      offsets[2 * i] = pdf->len;
      g_byte_array_append (pdf, (const guint8 *) out->str, out->len);
      g_byte_array_append (pdf, g_bytes_get_data (a->data, NULL), len);

      g_string_truncate (out, 0);
      append_text_string (key, a->name);
      g_string_append_printf (out, "\nendstream\nendobj\n%u 0 obj\n<< /Type /Filespec /F ",
                              stream_num + 1);
      append_ascii_string (out, a->name);
      g_string_append_printf (out, " /UF %s", key->str);
      if (a->description != NULL && g_utf8_validate (a->description, -1, NULL))
        {
          g_string_append (out, " /Desc ");
          append_text_string (out, a->description);
        }
      g_string_append_printf (out,
                              " /AFRelationship /Supplement /EF << /F %u 0 R /UF %u 0 R >> >>\n"
                              "endobj\n",
                              stream_num, stream_num);
      offsets[2 * i + 1] = pdf->len + strlen ("\nendstream\nendobj\n");
      g_byte_array_append (pdf, (const guint8 *) out->str, out->len);
      /* Name-tree keys must be sorted; "key R" strings sort like their keys (hex, same case). */
      g_ptr_array_add (keys, g_strdup_printf ("%s %u 0 R", key->str, stream_num + 1));
    }
  g_ptr_array_sort (keys, compare_keys);

  /* 6. The new catalog: cairo's entries, then ours. */
  g_string_truncate (out, 0);
  g_string_append_printf (out, "%u 0 obj\n<<", catalog_num);
  g_string_append (out, catalog_entries);
  g_string_append (out, "\n/Names << /EmbeddedFiles << /Names [");
  for (guint i = 0; i < keys->len; i++)
    g_string_append_printf (out, " %s", (char *) g_ptr_array_index (keys, i));
  g_string_append (out, " ] >> >>\n/AF [");
  for (guint i = 0; i < attachments->len; i++)
    g_string_append_printf (out, " %u 0 R", (guint) size + 2 * i + 1);
  g_string_append (out, " ]\n");
  if (!has_page_mode)
    g_string_append (out, "/PageMode /UseAttachments\n");
  g_string_append (out, ">>\nendobj\n");
  offsets[n_new - 1] = pdf->len;
  g_byte_array_append (pdf, (const guint8 *) out->str, out->len);

  /* 7. The xref section for the new objects (one subsection, 20-byte entries) and trailer. */
  g_string_truncate (out, 0);
  xref_off = pdf->len;
  g_string_append_printf (out, "xref\n%" G_GUINT64_FORMAT " %u\n", size, n_new);
  for (guint i = 0; i < n_new; i++)
    g_string_append_printf (out, "%010" G_GUINT64_FORMAT " 00000 n \n", offsets[i]);
  g_string_append_printf (out, "trailer\n<< /Size %" G_GUINT64_FORMAT " /Root %u 0 R",
                          size + n_new, catalog_num);
  if (have_info)
    g_string_append_printf (out, " /Info %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " R",
                            info_num, info_gen);
  if (id_value != NULL)
    g_string_append_printf (out, " /ID %s", id_value);
  g_string_append_printf (out, " /Prev %" G_GUINT64_FORMAT " >>\nstartxref\n%" G_GUINT64_FORMAT
                          "\n%%%%EOF\n", prev_xref, xref_off);
  g_byte_array_append (pdf, (const guint8 *) out->str, out->len);
  return TRUE;
}

/* ------------------------------------------------------------------------------------------ */
/* Writing                                                                                    */
/* ------------------------------------------------------------------------------------------ */

static gboolean
io_error (GError **error, const char *format, const char *path, int saved)
{
  g_set_error (error, PD_CERTIFICATE_ERROR,
               saved == EEXIST ? PD_CERTIFICATE_ERROR_EXISTS : PD_CERTIFICATE_ERROR_IO, format,
               path, g_strerror (saved));
  return FALSE;
}

/* Writes a temporary file beside `path` (0600, fsynced) and renames it into place without
 * replacing anything, so a certificate is either absent or complete. */
static gboolean
write_new_file_atomically (const char *path, const guint8 *data, gsize len, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *tmp = g_strdup_printf ("%s/.%s.XXXXXX", dir, base);
  int fd = g_mkstemp_full (tmp, O_RDWR | O_CLOEXEC, 0600);
  int saved;

  if (fd < 0)
    return io_error (error, _("Cannot create a file beside “%s”: %s"), path, errno);
  while (len > 0)
    {
      ssize_t n = write (fd, data, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        goto fail;
      data += n;
      len -= (gsize) n;
    }
  if (fsync (fd) != 0)
    goto fail;
  if (close (fd) != 0)
    {
      fd = -1;
      goto fail;
    }
  fd = -1;
  if (renameat2 (AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) != 0)
    {
      /* Some file systems lack RENAME_NOREPLACE; link() never replaces either. */
      if ((errno != EINVAL && errno != ENOSYS) || link (tmp, path) != 0)
        goto fail;
      g_unlink (tmp);
    }
  if ((fd = g_open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0)) >= 0)
    {
      fsync (fd); /* makes the new name durable; best effort */
      close (fd);
    }
  return TRUE;

fail:
  saved = errno;
  if (fd >= 0)
    close (fd);
  g_unlink (tmp);
  return io_error (error,
                   saved == EEXIST ? _("Refusing to overwrite the certificate “%s”.")
                                   : _("Cannot write “%s”: %s"),
                   path, saved);
}

static gboolean
check_attachments (GPtrArray *attachments, GError **error)
{
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < attachments->len; i++)
    {
      PdCertificateAttachment *a = g_ptr_array_index (attachments, i);
      g_autofree char *safe = pd_safe_component (a->name, "");

      /* `pdfdetach -saveall` writes files under these names: one plain component only. */
      if (a->name == NULL || !g_str_equal (safe, a->name) || !g_hash_table_add (seen, a->name))
        {
          g_set_error (error, PD_CERTIFICATE_ERROR, PD_CERTIFICATE_ERROR_INVALID,
                       _("Cannot attach “%s”: the name is not a plain, unique file name."),
                       a->name ? a->name : "");
          return FALSE;
        }
      if (a->data == NULL || g_bytes_get_size (a->data) > PD_CERTIFICATE_MAX_ATTACHMENT)
        {
          g_set_error (error, PD_CERTIFICATE_ERROR, PD_CERTIFICATE_ERROR_TOO_LARGE,
                       _("Cannot attach “%s”: it is larger than %d bytes."), a->name,
                       PD_CERTIFICATE_MAX_ATTACHMENT);
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
pd_certificate_write (const PdCertificateInfo *info, const char *path, GError **error)
{
  g_autoptr (GByteArray) pdf = g_byte_array_new ();
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *generated = g_date_time_format (now, "%Y-%m-%d %H:%M:%S %Z");
  GStatBuf st;
  int n_pages;

  g_return_val_if_fail (info != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* Checked early to save the rendering; the final rename checks again, atomically. */
  if (g_lstat (path, &st) == 0)
    return io_error (error, _("Refusing to overwrite the certificate “%s”."), path, EEXIST);
  if (!check_attachments (info->attachments, error))
    return FALSE;

  /* Two passes: the first only counts pages for "Page N of M". */
  n_pages = render_pdf (info, generated, 0, NULL, error);
  if (n_pages < 0 || render_pdf (info, generated, n_pages, pdf, error) < 0)
    return FALSE;
  if (info->attachments->len > 0 && !append_attachments (pdf, info->attachments, error))
    return FALSE;
  return write_new_file_atomically (path, pdf->data, pdf->len, error);
}

/* ------------------------------------------------------------------------------------------ */
/* Reading (poppler)                                                                          */
/* ------------------------------------------------------------------------------------------ */

typedef struct
{
  GByteArray *data;
  gboolean    too_large;
} SaveContext;

static gboolean
save_to_array (const gchar *buf, gsize count, gpointer user_data, GError **error)
{
  SaveContext *ctx = user_data;

  if (count > PD_CERTIFICATE_MAX_ATTACHMENT - ctx->data->len)
    {
      ctx->too_large = TRUE;
      g_set_error_literal (error, PD_CERTIFICATE_ERROR, PD_CERTIFICATE_ERROR_TOO_LARGE,
                           "too large");
      return FALSE;
    }
  g_byte_array_append (ctx->data, (const guint8 *) buf, (guint) count);
  return TRUE;
}

static GPtrArray *
read_attachments_in_process (const char *pdf_path, GError **error)
{
  g_autoptr (GPtrArray) result =
    g_ptr_array_new_with_free_func ((GDestroyNotify) pd_certificate_attachment_free);
  g_autoptr (GObject) doc = NULL; /* a PopplerDocument; poppler 22.12 has no autoptr for it */
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autofree char *contents = NULL;
  GList *list = NULL;
  GStatBuf st;
  gsize len = 0;
  guint i = 0;

  g_return_val_if_fail (pdf_path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (g_stat (pdf_path, &st) != 0)
    {
      int saved = errno;
      g_set_error (error, PD_CERTIFICATE_ERROR, PD_CERTIFICATE_ERROR_IO,
                   _("Cannot open “%s”: %s"), pdf_path, g_strerror (saved));
      return NULL;
    }
  if (!S_ISREG (st.st_mode) || st.st_size > PD_CERTIFICATE_MAX_FILE)
    {
      g_set_error (error, PD_CERTIFICATE_ERROR, PD_CERTIFICATE_ERROR_TOO_LARGE,
                   _("“%s” is not a certificate: not a regular file, or too large."), pdf_path);
      return NULL;
    }
  if (!g_file_get_contents (pdf_path, &contents, &len, &local_error))
    {
      g_set_error (error, PD_CERTIFICATE_ERROR, PD_CERTIFICATE_ERROR_IO, "%s",
                   local_error->message);
      return NULL;
    }
  /* Readers accept the header anywhere in the first KiB; so do we, and nothing else. */
  if (len == 0 || memmem (contents, MIN (len, 1024), "%PDF-", 5) == NULL)
    {
      g_set_error (error, PD_CERTIFICATE_ERROR, PD_CERTIFICATE_ERROR_NOT_PDF,
                   len == 0 ? _("“%s” is empty.") : _("“%s” is not a PDF file."), pdf_path);
      return NULL;
    }
  bytes = g_bytes_new_take (g_steal_pointer (&contents), len);
  doc = G_OBJECT (poppler_document_new_from_bytes (bytes, NULL, &local_error));
  if (doc == NULL)
    {
      g_set_error (error, PD_CERTIFICATE_ERROR, PD_CERTIFICATE_ERROR_DAMAGED,
                   _("“%s” is a damaged PDF: %s"), pdf_path, local_error->message);
      return NULL;
    }
  if (poppler_document_has_attachments (POPPLER_DOCUMENT (doc)))
    list = poppler_document_get_attachments (POPPLER_DOCUMENT (doc));
  if (list == NULL)
    {
      g_set_error (error, PD_CERTIFICATE_ERROR, PD_CERTIFICATE_ERROR_NO_ATTACHMENTS,
                   _("“%s” carries no attached files (no timestamp tokens)."), pdf_path);
      return NULL;
    }
  for (GList *l = list; l != NULL; l = l->next, i++)
    {
      PopplerAttachment *att = l->data;
      g_autoptr (GByteArray) data = g_byte_array_new ();
      SaveContext ctx = { data, FALSE };
      g_autoptr (GError) save_error = NULL;
      g_autofree char *name = NULL;
      g_autoptr (GBytes) attached = NULL;

      if (i >= PD_CERTIFICATE_MAX_ATTACHMENTS ||
          !poppler_attachment_save_to_callback (att, save_to_array, &ctx, &save_error))
        {
          gboolean too_many = i >= PD_CERTIFICATE_MAX_ATTACHMENTS;

          g_set_error (error, PD_CERTIFICATE_ERROR,
                       too_many || ctx.too_large ? PD_CERTIFICATE_ERROR_TOO_LARGE
                                                 : PD_CERTIFICATE_ERROR_DAMAGED,
                       too_many ? _("“%s” has too many attached files.")
                       : ctx.too_large ? _("“%s” has an attached file that is too large.")
                                       : _("“%s” has an attached file that cannot be read."),
                       pdf_path);
          g_list_free_full (list, g_object_unref);
          return NULL;
        }
      /* The name comes from the file: make it one harmless path component. */
      name = g_strdup_printf ("attachment-%u", i + 1);
      if (att->name != NULL)
        {
          g_autofree char *valid = g_utf8_make_valid (att->name, -1);
          g_autofree char *fallback = g_steal_pointer (&name);

          name = pd_safe_component (valid, fallback);
        }
      attached = g_byte_array_free_to_bytes (g_steal_pointer (&data));
      g_ptr_array_add (result, pd_certificate_attachment_new (name, attached, att->description));
    }
  g_list_free_full (list, g_object_unref);
  return g_steal_pointer (&result);
}

/* ---- Crash isolation --------------------------------------------------------------------
 * poppler parses hostile PDFs in C++; the fuzzer found a file on which
 * poppler_document_get_attachments() crashes (tests/fuzz/regressions/certificate). A dropped
 * certificate must never take the workstation down, so the parse runs in a separate program,
 * proofdesk-pdf-reader (a plain fork of this multi-threaded process could deadlock in the child),
 * that sends the attachments back over a pipe; one that dies, hangs or talks nonsense means a
 * damaged PDF. Wire format: per attachment "A" u32 name-length name u32 data-length data;
 * an error is "E" u32 code u32 length message. */

#define CHILD_TIMEOUT_MS 30000

static gboolean
write_all (int fd, const void *data, gsize len)
{
  const guint8 *p = data;

  while (len > 0)
    {
      ssize_t n = write (fd, p, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      p += n;
      len -= (gsize) n;
    }
  return TRUE;
}

static gboolean
write_chunk (int fd, const void *data, guint32 len)
{
  return write_all (fd, &len, sizeof len) && write_all (fd, data, len);
}

int
pd_certificate_reader_main (int fd, const char *pdf_path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) list = read_attachments_in_process (pdf_path, &error);
  gboolean ok = TRUE;

  if (list == NULL)
    {
      guint32 code = (guint32) error->code;

      ok = write_all (fd, "E", 1) && write_all (fd, &code, sizeof code) &&
           write_chunk (fd, error->message, (guint32) strlen (error->message));
    }
  for (guint i = 0; ok && list && i < list->len; i++)
    {
      PdCertificateAttachment *a = g_ptr_array_index (list, i);
      gsize size = 0;
      const void *data = g_bytes_get_data (a->data, &size);

      ok = write_all (fd, "A", 1) && write_chunk (fd, a->name, (guint32) strlen (a->name)) &&
           write_chunk (fd, data, (guint32) size);
    }
  return ok ? 0 : 3;
}

/* The reader program: $PROOFDESK_PDF_READER, else the one in the build tree when running
 * uninstalled, else the installed one. NULL if none exists. */
static char *
find_reader (void)
{
  const char *env = g_getenv ("PROOFDESK_PDF_READER");

  if (env != NULL && *env != '\0')
    return g_strdup (env);
  if (g_file_test (PD_BUILD_PDF_READER, G_FILE_TEST_IS_EXECUTABLE))
    return g_strdup (PD_BUILD_PDF_READER);
  if (g_file_test (PD_INSTALLED_PDF_READER, G_FILE_TEST_IS_EXECUTABLE))
    return g_strdup (PD_INSTALLED_PDF_READER);
  return NULL;
}

/* Reads everything the child sends, up to `limit` bytes, waiting at most CHILD_TIMEOUT_MS. */
static GByteArray *
read_child (int fd, gsize limit)
{
  GByteArray *out = g_byte_array_new ();
  gint64 deadline = g_get_monotonic_time () + CHILD_TIMEOUT_MS * 1000;
  guint8 buf[65536];

  for (;;)
    {
      struct pollfd pfd = { fd, POLLIN, 0 };
      gint64 left = (deadline - g_get_monotonic_time ()) / 1000;
      ssize_t n;

      if (left <= 0 || poll (&pfd, 1, (int) left) <= 0)
        {
          g_byte_array_unref (out);
          return NULL;
        }
      n = read (fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          g_byte_array_unref (out);
          return NULL;
        }
      if (n == 0)
        return out;
      if (out->len + (gsize) n > limit)
        {
          g_byte_array_unref (out);
          return NULL;
        }
      g_byte_array_append (out, buf, (guint) n);
    }
}

static gboolean
take_chunk (const guint8 **p, const guint8 *end, const guint8 **data, guint32 *len)
{
  if ((gsize) (end - *p) < sizeof *len)
    return FALSE;
  memcpy (len, *p, sizeof *len);
  *p += sizeof *len;
  if ((gsize) (end - *p) < *len)
    return FALSE;
  *data = *p;
  *p += *len;
  return TRUE;
}

GPtrArray *
pd_certificate_read_attachments (const char *pdf_path, GError **error)
{
  g_autoptr (GPtrArray) result = NULL;
  g_autoptr (GByteArray) reply = NULL;
  g_autoptr (GSubprocess) proc = NULL;
  g_autofree char *reader = NULL;
  const guint8 *p, *end;

  g_return_val_if_fail (pdf_path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (g_getenv ("PROOFDESK_PDF_IN_PROCESS") != NULL)   /* the fuzzer wants the crash itself */
    return read_attachments_in_process (pdf_path, error);

  reader = find_reader ();
  if (reader == NULL)
    {
      g_set_error (error, PD_CERTIFICATE_ERROR, PD_CERTIFICATE_ERROR_IO,
                   _("The PDF reader helper (proofdesk-pdf-reader) is not installed."));
      return NULL;
    }
  {
    const char *argv[] = { reader, pdf_path, NULL };
    g_autoptr (GError) spawn_error = NULL;

    /* A fresh process (fork + exec at once): nothing of this multi-threaded one is inherited. */
    proc = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                              &spawn_error);
    if (proc == NULL)
      {
        g_set_error (error, PD_CERTIFICATE_ERROR, PD_CERTIFICATE_ERROR_IO,
                     _("The PDF reader helper could not be started: %s"), spawn_error->message);
        return NULL;
      }
  }
  reply = read_child (g_unix_input_stream_get_fd (G_UNIX_INPUT_STREAM (g_subprocess_get_stdout_pipe (proc))),
                      PD_CERTIFICATE_MAX_FILE + (gsize) PD_CERTIFICATE_MAX_ATTACHMENTS * 1024);
  if (reply == NULL)
    g_subprocess_force_exit (proc);
  g_subprocess_wait (proc, NULL, NULL);
  if (reply == NULL || !g_subprocess_get_if_exited (proc) || g_subprocess_get_exit_status (proc) != 0)
    {
      g_set_error (error, PD_CERTIFICATE_ERROR, PD_CERTIFICATE_ERROR_DAMAGED,
                   _("“%s” is a damaged PDF: reading it failed."), pdf_path);
      return NULL;
    }

  result = g_ptr_array_new_with_free_func ((GDestroyNotify) pd_certificate_attachment_free);
  p = reply->data;
  end = reply->data + reply->len;
  while (p < end)
    {
      const guint8 *a, *b;
      guint32 alen, blen;
      char kind = (char) *p++;

      if (kind == 'E')
        {
          guint32 code;
          g_autofree char *msg = NULL;

          if ((gsize) (end - p) < sizeof code)
            break;
          memcpy (&code, p, sizeof code);
          p += sizeof code;
          if (!take_chunk (&p, end, &a, &alen))
            break;
          msg = g_strndup ((const char *) a, alen);
          g_set_error_literal (error, PD_CERTIFICATE_ERROR, (int) code, msg);
          return NULL;
        }
      if (kind != 'A' || !take_chunk (&p, end, &a, &alen) || !take_chunk (&p, end, &b, &blen))
        break;
      {
        g_autofree char *name = g_strndup ((const char *) a, alen);
        g_autoptr (GBytes) data = g_bytes_new (b, blen);

        g_ptr_array_add (result, pd_certificate_attachment_new (name, data, NULL));
      }
    }
  if (p != end || result->len == 0)
    {
      g_set_error (error, PD_CERTIFICATE_ERROR, PD_CERTIFICATE_ERROR_DAMAGED,
                   _("“%s” is a damaged PDF: reading it failed."), pdf_path);
      return NULL;
    }
  return g_steal_pointer (&result);
}
