/* pd-disc-label.c — export labels, ISO volume ids, and the disc label / sleeve insert PDF (cairo + pango). */
#define G_LOG_DOMAIN "pd-disc-label"

#include "config.h"

#include <cairo.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <string.h>
#include <unistd.h>

#include "checklist/pd-checklist.h"
#include "report/pd-disc-label.h"
#include "util/pd-error.h"
#include "report/pd-page.h"
#include "util/pd-util.h"

/* ------------------------------------------------------------------------------------------ */
/* Label text and volume id                                                                   */
/* ------------------------------------------------------------------------------------------ */

const char *
pd_disc_label_platform_for_scenario (const char *scenario)
{
  static const struct { const char *prefix; const char *platform; } map[] = {
    { "wechat", "WeChat" },
    { "alipay", "Alipay" },
    { "mini-program", "Mini-Program" },
  };

  if (scenario == NULL)
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (map); i++)
    if (g_str_has_prefix (scenario, map[i].prefix))
      return map[i].platform;
  return NULL;
}

/* A session by its folder on the disc (where to find it) and its scenario's title (what it
 * is), never the scenario's id alone. */
static char *
session_heading (const PdDiscLabelSession *s)
{
  const char *title = pd_checklist_lookup_scenario_title (s->scenario);

  /* Translators: "<folder on the disc> · <scenario title>". */
  return title != NULL ? g_strdup_printf (_("%s · %s"), s->name, title) : g_strdup (s->name);
}

static char *
local_date (GDateTime *dt)
{
  g_autoptr (GDateTime) local = g_date_time_to_local (dt);

  return g_date_time_format (local, "%Y-%m-%d");
}

char *
pd_disc_label_compose (const char *const *platforms, const char *dispute_type, GDateTime *first,
                       GDateTime *last)
{
  g_autoptr (GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) seen = g_ptr_array_new ();
  g_autofree char *dispute = NULL;
  g_auto (GStrv) words = NULL;

  for (guint i = 0; platforms != NULL && platforms[i] != NULL; i++)
    if (*platforms[i] && !g_ptr_array_find_with_equal_func (seen, platforms[i], g_str_equal, NULL))
      g_ptr_array_add (seen, (gpointer) platforms[i]);
  if (seen->len > 0)
    {
      g_ptr_array_add (seen, NULL);
      g_ptr_array_add (parts, g_strjoinv ("+", (char **) seen->pdata));
    }

  dispute = g_strstrip (g_strdup (dispute_type != NULL && *dispute_type
                                    ? dispute_type : PD_DISC_LABEL_DEFAULT_DISPUTE));
  if (*dispute)
    g_ptr_array_add (parts, g_steal_pointer (&dispute));

  if (first != NULL)
    {
      g_autofree char *from = local_date (first);
      g_autofree char *to = last != NULL ? local_date (last) : NULL;

      if (to != NULL && g_strcmp0 (from, to) < 0)
        g_ptr_array_add (parts, g_strdup_printf ("%s–%s", from, to));
      else
        g_ptr_array_add (parts, g_steal_pointer (&from));
    }
  g_ptr_array_add (parts, NULL);
  words = (GStrv) g_ptr_array_steal (parts, NULL);
  return g_strjoinv (" ", words);
}

char *
pd_disc_label_volume_id (const char *label, GDateTime *date)
{
  GString *out = g_string_new (NULL);
  gboolean has_alnum = FALSE;

  for (const char *p = label; p != NULL && *p && out->len < PD_ISO_VOLUME_ID_MAX; p++)
    {
      /* Bytes ≥ 0x80 (UTF-8) fall in the "anything else" branch and become '_'. */
      if (g_ascii_isalnum (*p))
        {
          g_string_append_c (out, g_ascii_toupper (*p));
          has_alnum = TRUE;
        }
      else if (out->len > 0 && out->str[out->len - 1] != '_')
        g_string_append_c (out, '_');
    }
  while (out->len > 0 && out->str[out->len - 1] == '_')
    g_string_truncate (out, out->len - 1);

  if (!has_alnum)
    {
      g_autoptr (GDateTime) now = date ? NULL : g_date_time_new_now_local ();
      g_autoptr (GDateTime) local = g_date_time_to_local (date ? date : now);
      g_autofree char *day = g_date_time_format (local, "%Y%m%d");

      g_string_printf (out, "PROOFDESK_%s", day);
    }
  return g_string_free (out, FALSE);
}

/* ------------------------------------------------------------------------------------------ */
/* The info struct                                                                            */
/* ------------------------------------------------------------------------------------------ */

static void
session_free (PdDiscLabelSession *s)
{
  g_free (s->name);
  g_free (s->case_name);
  g_free (s->scenario);
  g_free (s->recording_sha256);
  g_clear_pointer (&s->started, g_date_time_unref);
  g_clear_pointer (&s->gen_time, g_date_time_unref);
  g_free (s->tsa_name);
  g_free (s);
}

PdDiscLabelInfo *
pd_disc_label_info_new (void)
{
  PdDiscLabelInfo *info = g_new0 (PdDiscLabelInfo, 1);

  info->sessions = g_ptr_array_new_with_free_func ((GDestroyNotify) session_free);
  return info;
}

void
pd_disc_label_info_free (PdDiscLabelInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->label);
  g_free (info->volume_id);
  g_free (info->target);
  g_clear_pointer (&info->written, g_date_time_unref);
  g_clear_pointer (&info->sessions, g_ptr_array_unref);
  g_free (info);
}

PdDiscLabelSession *
pd_disc_label_info_add_session (PdDiscLabelInfo *info)
{
  PdDiscLabelSession *s;

  g_return_val_if_fail (info != NULL, NULL);

  s = g_new0 (PdDiscLabelSession, 1);
  g_ptr_array_add (info->sessions, s);
  return s;
}

/* ------------------------------------------------------------------------------------------ */
/* Rendering                                                                                  */
/* ------------------------------------------------------------------------------------------ */

#define MM        (72.0 / 25.4)
#define MARGIN    (15 * MM)
#define INSERT    (120 * MM) /* a jewel-case insert and a CD are both 120 mm */
#define PAD       (6 * MM)
#define HUB_HOLE  (15 * MM)
#define HUB_CLEAR (40 * MM)  /* keep print off the clamping ring */

/* Draws `text` at (x, y) and returns its height. */
static double
text_at (PdPage *r, const char *font, double x, double y, double width, int max_lines,
         const char *text, double grey)
{
  g_autoptr (PangoLayout) layout = pd_pdf_layout_new (r->pango, font, width, max_lines, text);

  cairo_set_source_rgb (r->cr, grey, grey, grey);
  cairo_move_to (r->cr, x, y);
  pango_cairo_show_layout (r->cr, layout);
  return pd_pdf_layout_height (layout);
}

static void
text_centred (PdPage *r, const char *font, double cx, double y, double width, const char *text)
{
  g_autoptr (PangoLayout) layout = pd_pdf_layout_new (r->pango, font, width, 2, text);

  pango_layout_set_alignment (layout, PANGO_ALIGN_CENTER);
  cairo_set_source_rgb (r->cr, 0, 0, 0);
  cairo_move_to (r->cr, cx - width / 2, y);
  pango_cairo_show_layout (r->cr, layout);
}

static gboolean
any_practice (const PdDiscLabelInfo *info)
{
  for (guint i = 0; i < info->sessions->len; i++)
    if (((PdDiscLabelSession *) g_ptr_array_index (info->sessions, i))->practice)
      return TRUE;
  return FALSE;
}

static const char *
first_case (const PdDiscLabelInfo *info)
{
  return info->sessions->len > 0
           ? ((PdDiscLabelSession *) g_ptr_array_index (info->sessions, 0))->case_name
           : NULL;
}

static void
dashed_rect (cairo_t *cr, double x, double y, double w, double h)
{
  const double dash[] = { 3, 3 };

  cairo_save (cr);
  cairo_set_source_rgb (cr, 0.5, 0.5, 0.5);
  cairo_set_line_width (cr, 0.5);
  cairo_set_dash (cr, dash, G_N_ELEMENTS (dash), 0);
  cairo_rectangle (cr, x, y, w, h);
  cairo_stroke (cr);
  cairo_restore (cr);
}

/* Page 1: the 120 mm sleeve insert, then every session in full below it. */
static void
draw_insert_page (PdPage *r, const PdDiscLabelInfo *info)
{
  const double x0 = (PD_PAGE_W - INSERT) / 2, y0 = MARGIN, inner = INSERT - 2 * PAD;
  g_autofree char *written = pd_page_format_utc (info->written);
  g_autofree char *vol = g_strdup_printf (_("Volume %s · written %s"),
                                          info->volume_id ? info->volume_id : "—",
                                          written ? written : "—");
  g_autofree char *case_line = g_strdup_printf (_("Case: %s"), first_case (info) ? first_case (info) : "—");
  double y = y0 + PAD;
  guint shown = 0;

  dashed_rect (r->cr, x0, y0, INSERT, INSERT);
  y += text_at (r, "Sans Bold 15", x0 + PAD, y, inner, 2, info->label, 0) + 3;
  y += text_at (r, "Sans 8.5", x0 + PAD, y, inner, 2, case_line, 0.2) + 1;
  y += text_at (r, "Sans 7.5", x0 + PAD, y, inner, 1, vol, 0.35) + 6;
  if (any_practice (info))
    y += text_at (r, "Sans Bold 7.5", x0 + PAD, y, inner, 2,
                  _("Practice timestamps — not for court."), 0.1) + 4;

  for (guint i = 0; i < info->sessions->len; i++)
    {
      const PdDiscLabelSession *s = g_ptr_array_index (info->sessions, i);
      g_autofree char *when = pd_page_format_utc (s->gen_time);
      g_autofree char *stamp = g_strdup_printf (_("TSA time %s · %s"), when ? when : "—",
                                                s->tsa_name ? s->tsa_name : "—");
      const double need = 38;

      if (y + need > y0 + INSERT - PAD - 12)
        break;
      g_autofree char *heading = session_heading (s);

      y += text_at (r, "Sans Bold 7.5", x0 + PAD, y, inner, 1, heading, 0) + 1;
      /* 64 hex digits fit one line at this size, so the digest copies out in one piece. */
      y += text_at (r, "Monospace 6.5", x0 + PAD, y, 0, 1, s->recording_sha256, 0) + 1;
      y += text_at (r, "Sans 6.5", x0 + PAD, y, inner, 1, stamp, 0.3) + 5;
      shown++;
    }
  if (shown < info->sessions->len)
    {
      g_autofree char *more = g_strdup_printf (_("… and %u more sessions: see INDEX.txt on the disc."),
                                               info->sessions->len - shown);

      text_at (r, "Sans Italic 7", x0 + PAD, y0 + INSERT - PAD - 10, inner, 1, more, 0.3);
    }

  /* Below the cut-out: every session, for the file. */
  y = y0 + INSERT + 10 * MM;
  y += text_at (r, "Sans Bold 11", MARGIN, y, PD_PAGE_W - 2 * MARGIN, 1,
                _("Sessions on this disc"), 0) + 6;
  for (guint i = 0; i < info->sessions->len; i++)
    {
      const PdDiscLabelSession *s = g_ptr_array_index (info->sessions, i);
      g_autofree char *when = pd_page_format_utc (s->gen_time);
      g_autofree char *line = g_strdup_printf (_("Recording SHA-256 · TSA time %s · %s"),
                                               when ? when : "—", s->tsa_name ? s->tsa_name : "—");

      if (y + 40 > PD_PAGE_H - MARGIN)
        {
          g_autofree char *more = g_strdup_printf (_("… and %u more: see INDEX.txt on the disc."),
                                                   info->sessions->len - i);

          text_at (r, "Sans Italic 8", MARGIN, y, PD_PAGE_W - 2 * MARGIN, 1, more, 0.3);
          break;
        }
      g_autofree char *heading = session_heading (s);

      y += text_at (r, "Sans Bold 9", MARGIN, y, PD_PAGE_W - 2 * MARGIN, 1, heading, 0) + 1;
      y += text_at (r, "Sans 8", MARGIN, y, PD_PAGE_W - 2 * MARGIN, 2, line, 0.3) + 1;
      y += text_at (r, "Monospace 8.5", MARGIN, y, 0, 1, s->recording_sha256, 0) + 7;
    }
}

/* Page 2: a 120 mm disc with its hub, the label in the upper half, the facts in the lower. */
static void
draw_disc_page (PdPage *r, const PdDiscLabelInfo *info)
{
  const double cx = PD_PAGE_W / 2, cy = MARGIN + INSERT / 2, radius = INSERT / 2;
  const double band = radius - HUB_CLEAR / 2; /* printable ring width */
  const double dash[] = { 3, 3 };
  g_autofree char *written = pd_page_format_utc (info->written);
  g_autofree char *facts = g_strdup_printf (_("%u sessions · volume %s"), info->sessions->len,
                                            info->volume_id ? info->volume_id : "—");

  cairo_save (r->cr);
  cairo_set_source_rgb (r->cr, 0.5, 0.5, 0.5);
  cairo_set_line_width (r->cr, 0.5);
  cairo_set_dash (r->cr, dash, G_N_ELEMENTS (dash), 0);
  cairo_arc (r->cr, cx, cy, radius, 0, 2 * G_PI);
  cairo_stroke (r->cr);
  cairo_arc (r->cr, cx, cy, HUB_HOLE / 2, 0, 2 * G_PI);
  cairo_stroke (r->cr);
  cairo_set_dash (r->cr, NULL, 0, 0);
  cairo_set_source_rgb (r->cr, 0.85, 0.85, 0.85);
  cairo_arc (r->cr, cx, cy, HUB_CLEAR / 2, 0, 2 * G_PI);
  cairo_stroke (r->cr);
  cairo_restore (r->cr);

  /* Text stays within the chord of the ring at its height. */
  text_centred (r, "Sans Bold 13", cx, cy - HUB_CLEAR / 2 - band * 0.75, radius * 1.45, info->label);
  text_centred (r, "Sans 8", cx, cy - HUB_CLEAR / 2 - band * 0.28, radius * 1.6,
                first_case (info));
  text_centred (r, "Sans 7.5", cx, cy + HUB_CLEAR / 2 + band * 0.12, radius * 1.6, facts);
  text_centred (r, "Sans 7", cx, cy + HUB_CLEAR / 2 + band * 0.38, radius * 1.3, written);
  if (any_practice (info))
    text_centred (r, "Sans Bold 7", cx, cy + HUB_CLEAR / 2 + band * 0.6, radius * 1.0,
                  _("Practice timestamps — not for court."));

  text_at (r, "Sans 8", MARGIN, MARGIN + INSERT + 8 * MM, PD_PAGE_W - 2 * MARGIN, 3,
           _("Cut along the dashed circle, or print on a printable disc. Write on a disc only "
             "with a soft felt-tip pen made for discs."), 0.35);
}

/* O_EXCL: a label never replaces another file. A partial file is removed. */
static gboolean
write_new_file (const char *path, const guint8 *data, gsize len, GError **error)
{
  int fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  gsize done = 0;
  int saved = 0;

  if (fd < 0)
    {
      saved = errno;
      g_set_error (error, PD_EXPORT_ERROR,
                   saved == EEXIST ? PD_EXPORT_ERROR_EXISTS : PD_EXPORT_ERROR_IO,
                   _("Cannot write the disc label “%s”: %s"), path, g_strerror (saved));
      return FALSE;
    }
  while (done < len && saved == 0)
    {
      ssize_t n = write (fd, data + done, len - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        saved = n < 0 ? errno : EIO;
      else
        done += n;
    }
  if (saved == 0 && fsync (fd) != 0)
    saved = errno;
  if (close (fd) != 0 && saved == 0)
    saved = errno;
  if (saved != 0)
    {
      g_unlink (path);
      g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_IO,
                   _("Cannot write the disc label “%s”: %s"), path, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

gboolean
pd_disc_label_write_pdf (const PdDiscLabelInfo *info, const char *path, GError **error)
{
  g_autoptr (GByteArray) pdf = g_byte_array_new ();
  cairo_status_t status;
  PdPage r = { 0 };
  GStatBuf st;

  g_return_val_if_fail (info != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (g_lstat (path, &st) == 0)
    {
      g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_EXISTS,
                   _("Refusing to overwrite “%s”."), path);
      return FALSE;
    }

  /* dpi 0: pango's default resolution (96 dpi), which the label's layout was drawn for. */
  pd_page_begin (&r, pdf, info->label, 0);
  draw_insert_page (&r, info);
  pd_page_show (&r);
  draw_disc_page (&r, info);
  pd_page_show (&r);
  status = pd_page_end (&r);
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_IO,
                   _("Cannot render the disc label: %s"), cairo_status_to_string (status));
      return FALSE;
    }
  return write_new_file (path, pdf->data, pdf->len, error);
}
