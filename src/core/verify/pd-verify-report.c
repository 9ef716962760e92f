/* pd-verify-report.c — a verification result as a headline, token facts and an A4 PDF report. */
#define G_LOG_DOMAIN "pd-verify-report"

#include "config.h"

#include <cairo.h>
#include <glib/gi18n-lib.h>
#include <pango/pangocairo.h>
#include <string.h>

#include "util/pd-error.h"
#include "report/pd-page.h"
#include "util/pd-util.h"
#include "verify/pd-verify-report.h"

/* ------------------------------------------------------------------------------------------ */
/* Outcome                                                                                    */

/* Failed checks that mean the data differs from what was stamped or listed. */
static const char *const changed_ids[] = {
  "token.imprint", "file.content", "file.missing", "recording.digest", "recording.size",
  "checkpoint.digest", "package.extra-file", NULL,
};

/* Failed checks that mean an input could not be read as what it claims to be. */
static const char *const unreadable_ids[] = {
  "token.format", "token.status", "token.version", "token.present", "manifest.parse",
  "manifest.format", "manifest.files", "recording.present", "recording.empty", "certificate.tokens",
  NULL,
};

PdVerifyOutcome
pd_verify_outcome_from_result (PdVerifyResult *result)
{
  GPtrArray *checks;
  gboolean   changed = FALSE, other = FALSE, unreadable = FALSE;

  if (result == NULL)
    return PD_VERIFY_OUTCOME_CANNOT_VERIFY;

  switch (pd_verify_result_get_verdict (result))
    {
    case PD_VERDICT_VALID:
      return PD_VERIFY_OUTCOME_VALID;
    case PD_VERDICT_VALID_PRACTICE:
      return PD_VERIFY_OUTCOME_VALID_PRACTICE;
    case PD_VERDICT_VALID_WITH_GAPS:
      return PD_VERIFY_OUTCOME_VALID_WITH_GAPS;
    case PD_VERDICT_UNTRUSTED_AUTHORITY:
      return PD_VERIFY_OUTCOME_UNTRUSTED;
    case PD_VERDICT_ERROR:
      return PD_VERIFY_OUTCOME_CANNOT_VERIFY;
    case PD_VERDICT_INVALID:
    default:
      break;
    }

  checks = pd_verify_result_get_checks (result);
  for (guint i = 0; i < checks->len; i++)
    {
      const PdVerifyCheck *check = g_ptr_array_index (checks, i);

      if (check->status != PD_CHECK_FAILED || check->trust_only)
        continue;
      if (g_strv_contains (changed_ids, check->id))
        changed = TRUE;
      else if (g_strv_contains (unreadable_ids, check->id))
        unreadable = TRUE;
      else
        other = TRUE;
    }
  if (changed)
    return PD_VERIFY_OUTCOME_CHANGED;
  if (unreadable && !other)
    return PD_VERIFY_OUTCOME_CANNOT_VERIFY;
  /* Nothing failed yet not valid: nothing was checked at all. */
  if (!other)
    return PD_VERIFY_OUTCOME_CANNOT_VERIFY;
  return PD_VERIFY_OUTCOME_NOT_VALID;
}

const char *
pd_verify_outcome_get_title (PdVerifyOutcome outcome)
{
  switch (outcome)
    {
    case PD_VERIFY_OUTCOME_VALID:
      return _("Valid");
    case PD_VERIFY_OUTCOME_VALID_PRACTICE:
      return _("Valid, practice authority");
    case PD_VERIFY_OUTCOME_VALID_WITH_GAPS:
      return _("Valid, with gaps in the real-time proof");
    case PD_VERIFY_OUTCOME_UNTRUSTED:
      return _("Intact, but authority not trusted");
    case PD_VERIFY_OUTCOME_CHANGED:
      return _("Changed");
    case PD_VERIFY_OUTCOME_NOT_VALID:
      return _("Not valid");
    case PD_VERIFY_OUTCOME_CANNOT_VERIFY:
    default:
      return _("Cannot verify");
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Token facts                                                                                */

static const PdVerifyCheck *
find_for (PdVerifyResult *result, const char *id, const char *subject)
{
  return pd_verify_result_find_check (result, id, subject);
}

/* The main token: the recording's if there is one, else the first token that was parsed. */
static const char *
main_token_subject (PdVerifyResult *result)
{
  GPtrArray  *checks = pd_verify_result_get_checks (result);
  const char *first = NULL;

  for (guint i = 0; i < checks->len; i++)
    {
      const PdVerifyCheck *check = g_ptr_array_index (checks, i);

      if (!g_str_equal (check->id, "token.serial") || check->subject == NULL)
        continue;
      if (g_str_has_suffix (check->subject, ".mp4.tsr") ||
          g_str_equal (check->subject, "recording.mp4.tsr"))
        return check->subject;
      if (first == NULL && !g_str_has_prefix (check->subject, "checkpoints/") &&
          !g_str_equal (check->subject, "manifest.json.tsr"))
        first = check->subject;
    }
  if (first == NULL)
    {
      const PdVerifyCheck *any = find_for (result, "token.serial", NULL);

      first = any ? any->subject : NULL;
    }
  return first;
}

static char *
detail_of (PdVerifyResult *result, const char *id, const char *subject)
{
  const PdVerifyCheck *check = find_for (result, id, subject);

  return check && check->detail ? g_utf8_make_valid (check->detail, -1) : NULL;
}

PdVerifyTokenFacts *
pd_verify_token_facts_new (PdVerifyResult *result)
{
  const char          *subject;
  const PdVerifyCheck *imprint;
  PdVerifyTokenFacts  *facts;
  GDateTime           *gen_time;

  g_return_val_if_fail (result != NULL, NULL);

  subject = main_token_subject (result);
  if (subject == NULL)
    return NULL;

  facts = g_new0 (PdVerifyTokenFacts, 1);
  facts->subject = g_strdup (subject);
  gen_time = pd_verify_result_get_gen_time (result);
  if (gen_time)
    facts->gen_time = g_date_time_to_utc (gen_time);
  facts->tsa_name = detail_of (result, "token.tsa-name", subject);
  if (facts->tsa_name == NULL)
    facts->tsa_name = detail_of (result, "token.signer", subject);
  facts->serial = detail_of (result, "token.serial", subject);
  facts->policy = detail_of (result, "token.policy", subject);
  facts->accuracy = detail_of (result, "token.accuracy", subject);
  facts->digest_algorithm = detail_of (result, "token.imprint-algorithm", subject);
  imprint = find_for (result, "token.imprint", subject);
  if (imprint && imprint->status == PD_CHECK_PASSED && imprint->detail)
    facts->digest = g_utf8_make_valid (imprint->detail, -1);
  return facts;
}

void
pd_verify_token_facts_free (PdVerifyTokenFacts *facts)
{
  if (facts == NULL)
    return;
  g_free (facts->subject);
  g_clear_pointer (&facts->gen_time, g_date_time_unref);
  g_free (facts->tsa_name);
  g_free (facts->serial);
  g_free (facts->policy);
  g_free (facts->accuracy);
  g_free (facts->digest);
  g_free (facts->digest_algorithm);
  g_free (facts);
}

/* ------------------------------------------------------------------------------------------ */
/* PDF                                                                                        */

#define COLOR_GOOD   0x1b7a3d
#define COLOR_WARN   0x9a6700
#define COLOR_BAD    0xb3261e

typedef struct
{
  PdPage          pg;
  PdVerifyResult *result;
  char           *generated;
} Doc;

static void
draw_footer (PdPage *pg, gpointer user_data)
{
  Doc *d = user_data;
  g_autofree char *text = g_strdup_printf (_("Proofdesk %s · verification report generated %s · page %d"),
                                           PACKAGE_VERSION, d->generated, pg->page);

  pd_page_footer_text (pg, text, NULL);
}

static guint32
outcome_color (PdVerifyOutcome outcome)
{
  switch (outcome)
    {
    case PD_VERIFY_OUTCOME_VALID:
      return COLOR_GOOD;
    case PD_VERIFY_OUTCOME_VALID_PRACTICE:
    case PD_VERIFY_OUTCOME_VALID_WITH_GAPS:
    case PD_VERIFY_OUTCOME_UNTRUSTED:
      return COLOR_WARN;
    default:
      return COLOR_BAD;
    }
}

static void
draw_header (Doc *d)
{
  PdVerifyOutcome outcome = pd_verify_outcome_from_result (d->result);
  guint32 color = outcome_color (outcome);
  g_autoptr (PangoLayout) title
      = pd_pdf_layout_new (d->pg.pango, "Sans Bold 22", PD_PAGE_CONTENT_W, 0,
                           _("Verification Report"));
  g_autoptr (PangoLayout) verdict = NULL;
  g_autoptr (PangoLayout) code = NULL;
  g_autofree char *code_text = NULL;
  const double pad = 12;
  double h;

  pd_pdf_show_layout (d->pg.cr, title, PD_PAGE_MARGIN, d->pg.y, PD_PAGE_COLOR_ACCENT);
  d->pg.y += pd_pdf_layout_height (title) + 10;

  verdict = pd_pdf_layout_new (d->pg.pango, "Sans Bold 18", PD_PAGE_CONTENT_W - 2 * pad - 6, 0,
                               pd_verify_outcome_get_title (outcome));
  /* Translators: %s is a machine-readable verdict such as "valid-practice". */
  code_text = g_strdup_printf (_("Verdict: %s"),
                               pd_verdict_to_string (pd_verify_result_get_verdict (d->result)));
  code = pd_pdf_layout_new (d->pg.pango, "Monospace 8.5", PD_PAGE_CONTENT_W - 2 * pad - 6, 0,
                            code_text);
  h = pd_pdf_layout_height (verdict) + 4 + pd_pdf_layout_height (code) + 2 * pad;
  pd_pdf_set_rgb (d->pg.cr, color);
  cairo_rectangle (d->pg.cr, PD_PAGE_MARGIN, d->pg.y, 6, h);
  cairo_fill (d->pg.cr);
  cairo_set_line_width (d->pg.cr, 1);
  cairo_rectangle (d->pg.cr, PD_PAGE_MARGIN, d->pg.y, PD_PAGE_CONTENT_W, h);
  cairo_stroke (d->pg.cr);
  pd_pdf_show_layout (d->pg.cr, verdict, PD_PAGE_MARGIN + pad + 6, d->pg.y + pad, color);
  pd_pdf_show_layout (d->pg.cr, code, PD_PAGE_MARGIN + pad + 6,
                      d->pg.y + pad + pd_pdf_layout_height (verdict) + 4, PD_PAGE_COLOR_MUTED);
  d->pg.y += h + 10;

  pd_page_paragraph (&d->pg, "Sans 10.5", PD_PAGE_COLOR_TEXT, 0,
                     pd_verify_result_get_summary (d->result), 6);
}

static void
draw_tamper (Doc *d)
{
  guint64 intact = 0;
  guint checkpoint = 0;
  const char *stream_time = NULL;
  g_autofree char *text = NULL;

  if (!pd_verify_result_get_tamper_location (d->result, &intact, &checkpoint, &stream_time))
    return;
  pd_page_heading (&d->pg, _("Where the recording changed"), 0);
  if (checkpoint == 0)
    text = g_strdup (_("Changed before the first verified checkpoint: no part of the recording is provably intact."));
  else
    text = g_strdup_printf (_("Intact until %s (offset %llu bytes, checkpoint %u); changed after."),
                            stream_time ? stream_time : "?", (unsigned long long) intact, checkpoint);
  pd_page_paragraph (&d->pg, "Sans Bold 10.5", COLOR_BAD, 0, text, 4);
}

static void
draw_token (Doc *d)
{
  g_autoptr (PdVerifyTokenFacts) facts = pd_verify_token_facts_new (d->result);
  g_autofree char *utc = NULL;
  g_autofree char *local = NULL;

  if (facts == NULL)
    return;
  if (facts->gen_time)
    {
      g_autoptr (GDateTime) l = g_date_time_to_local (facts->gen_time);

      utc = g_date_time_format (facts->gen_time, "%Y-%m-%d %H:%M:%S UTC");
      local = g_date_time_format (l, "%Y-%m-%d %H:%M:%S %Z (UTC%:z)");
    }
  pd_page_heading (&d->pg, _("Trusted timestamp"), 0);
  pd_page_row (&d->pg, _("Token"), facts->subject, NULL, 0);
  pd_page_row (&d->pg, _("Time (UTC)"), utc, "Sans Bold 10", 0);
  pd_page_row (&d->pg, _("Local time"), local, NULL, 0);
  pd_page_row (&d->pg, _("Authority"), facts->tsa_name, NULL, 0);
  pd_page_row (&d->pg, _("Serial number"), facts->serial, "Monospace 9", 0);
  pd_page_row (&d->pg, _("Policy"), facts->policy, "Monospace 9", 0);
  pd_page_row (&d->pg, _("Accuracy"), facts->accuracy, NULL, 0);
  pd_page_row (&d->pg, _("Digest algorithm"), facts->digest_algorithm, NULL, 0);
  pd_page_row (&d->pg, _("Stamped digest"), facts->digest, "Monospace 8.5", 0);
}

static void
draw_checks (Doc *d)
{
  GPtrArray *checks = pd_verify_result_get_checks (d->result);
  g_autofree char *title = g_strdup_printf (_("Checks (%u, %u failed)"), checks->len,
                                            pd_verify_result_count_failed (d->result));

  pd_page_heading (&d->pg, title, 0);
  for (guint i = 0; i < checks->len; i++)
    {
      const PdVerifyCheck *check = g_ptr_array_index (checks, i);
      const char *mark = check->status == PD_CHECK_PASSED ? "✓"
                         : check->status == PD_CHECK_FAILED ? "✗" : "·";
      guint32 color = check->status == PD_CHECK_PASSED ? COLOR_GOOD
                      : check->status == PD_CHECK_FAILED ? (check->trust_only ? COLOR_WARN : COLOR_BAD)
                      : PD_PAGE_COLOR_MUTED;
      g_autoptr (PangoLayout) m = pd_pdf_layout_new (d->pg.pango, "Sans Bold 10", 14, 0, mark);
      g_autofree char *line = g_strdup_printf ("%s: %s", check->subject ? check->subject : "",
                                               check->message ? check->message : "");
      g_autoptr (PangoLayout) text
          = pd_pdf_layout_new (d->pg.pango, "Sans 9", PD_PAGE_CONTENT_W - 16, 0, line);

      pd_page_need (&d->pg, pd_pdf_layout_height (text) + 2);
      pd_pdf_show_layout (d->pg.cr, m, PD_PAGE_MARGIN, d->pg.y - 1, color);
      pd_pdf_show_layout (d->pg.cr, text, PD_PAGE_MARGIN + 16, d->pg.y, PD_PAGE_COLOR_TEXT);
      d->pg.y += pd_pdf_layout_height (text) + 1;
      if (check->detail && check->status != PD_CHECK_INFO)
        {
          g_autofree char *detail = g_strdup_printf ("[%s] %s", check->id, check->detail);

          pd_page_paragraph (&d->pg, "Monospace 7", PD_PAGE_COLOR_MUTED, 16, detail, 0);
        }
      d->pg.y += 3;
    }
}

gboolean
pd_verify_report_write_pdf (PdVerifyResult *result, const char *path, GError **error)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *generated = pd_time_format_utc (now);
  cairo_status_t status;
  Doc d = { 0 };

  g_return_val_if_fail (result != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  pd_page_begin (&d.pg, out, _("Verification Report"), PD_PAGE_POINTS);
  d.pg.footer = draw_footer;
  d.pg.user_data = &d;
  d.result = result;
  d.generated = generated;

  draw_header (&d);
  draw_tamper (&d);
  draw_token (&d);
  draw_checks (&d);
  pd_page_show (&d.pg);
  status = pd_page_end (&d.pg);
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, PD_VERIFY_ERROR, PD_VERIFY_ERROR_IO,
                   _("Cannot draw the report: %s"), cairo_status_to_string (status));
      return FALSE;
    }

  if (!g_file_set_contents_full (path, (const char *) out->data, out->len,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0600, error))
    {
      g_prefix_error (error, "%s", _("Cannot save the report: "));
      return FALSE;
    }
  return TRUE;
}
