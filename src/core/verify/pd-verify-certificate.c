/* pd-verify-certificate.c — certificate.pdf as evidence: present, carrying the package's tokens, and printing what the verified package says. */
#define G_LOG_DOMAIN "pd-verify"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "evidence/pd-evidence-file.h"
#include "evidence/pd-manifest.h"
#include "report/pd-certificate.h"
#include "report/pd-page.h"
#include "timestamp/pd-tsa.h"
#include "util/pd-util.h"
#include "verify/pd-verify-private.h"

#define ELLIPSIS "…"
/* A cell cut short by pango's ellipsis must still show this much of its start (bytes). */
#define MIN_ELLIPSIZED 8

/* ------------------------------------------------------------------------------------------ */
/* Present                                                                                    */

/* A package that is still waiting for its recording token has no certificate yet: capture and
 * `stamp --pending` write it only together with that token (pd-seal.c). */
static gboolean
certificate_required (const PdCertificateExpect *e)
{
  const char *state = e->manifest ? pd_manifest_get_state (e->manifest) : NULL;

  if (e->recording_token != NULL)
    return TRUE;
  return !(g_strcmp0 (state, "awaiting-stamp") == 0 || g_strcmp0 (state, "recovered") == 0 ||
           g_strcmp0 (state, "failed") == 0);
}

/* certificate.present; TRUE when there is a regular file to read further. */
static gboolean
check_present (PdVerifyResult *r, int dirfd, const PdCertificateExpect *e)
{
  g_autoptr (GError) local_error = NULL;
  int fd = pd_evidence_open_at (dirfd, CERTIFICATE_NAME, &local_error);
  struct stat st;

  if (fd >= 0)
    {
      gboolean ok = fstat (fd, &st) == 0 && st.st_size > 0 && st.st_size <= PDF_MAX_SIZE;

      close (fd);
      if (!ok)
        {
          pd_verify_add_check (r, "certificate.present", CERTIFICATE_NAME, PD_CHECK_FAILED, NULL,
                               _("The certificate is empty or larger than any certificate."));
          return FALSE;
        }
      pd_verify_add_check (r, "certificate.present", CERTIFICATE_NAME, PD_CHECK_PASSED, NULL,
                           _("The package has its certificate."));
      return TRUE;
    }
  if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    pd_verify_add_check (r, "certificate.present", CERTIFICATE_NAME, PD_CHECK_FAILED, local_error->message,
                         _("The certificate cannot be read safely: it is not a regular file."));
  else if (certificate_required (e))
    pd_verify_add_check (r, "certificate.present", CERTIFICATE_NAME, PD_CHECK_FAILED, NULL,
                         _("The certificate is missing: a sealed package always has one."));
  else
    pd_verify_add_check (r, "certificate.present", CERTIFICATE_NAME, PD_CHECK_INFO, NULL,
                         _("The package waits for its timestamp; its certificate is written when it is stamped."));
  return FALSE;
}

/* ------------------------------------------------------------------------------------------ */
/* Tokens                                                                                     */

/* The certificate a court receives must carry the very tokens of this package, and all of the
 * recording's and the manifest's. */
static void
check_tokens (PdVerifyResult *r, int dirfd, const char *pdf_path, const PdCertificateExpect *e)
{
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GPtrArray) attachments = pd_verify_pdf_tokens (pdf_path, &local_error);

  if (attachments == NULL)
    {
      pd_verify_add_check (r, "certificate.tokens", CERTIFICATE_NAME, PD_CHECK_FAILED,
                           local_error->message, _("The certificate's attached tokens cannot be read."));
      return;
    }
  for (guint i = 0; i < attachments->len; i++)
    {
      NamedToken *t = g_ptr_array_index (attachments, i);
      g_autofree char *subject = g_strdup_printf ("%s: %s", CERTIFICATE_NAME, t->name);
      g_autoptr (GBytes) ours = pd_evidence_name_is_safe (t->name)
                                  ? pd_evidence_read_at (dirfd, t->name, TOKEN_MAX_SIZE, NULL) : NULL;

      if (ours && g_bytes_equal (ours, t->data))
        pd_verify_add_check (r, "certificate.tokens", subject, PD_CHECK_PASSED, NULL,
                             _("The certificate carries the same token as the package."));
      else
        pd_verify_add_check (r, "certificate.tokens", subject, PD_CHECK_FAILED, NULL,
                             _("The certificate carries a token that is not the package's."));
    }
  /* A certificate that lost the recording's or the manifest's token (e.g. a damaged
   * attachment list) is not the certificate of this package. */
  for (guint k = 0; k < 2; k++)
    {
      const char *want = k == 0 ? e->recording_token : MANIFEST_TSR_NAME;
      struct stat st;
      gboolean carried = FALSE;

      if (want == NULL || fstatat (dirfd, want, &st, AT_SYMLINK_NOFOLLOW) != 0)
        continue;
      for (guint i = 0; i < attachments->len; i++)
        carried |= g_str_equal (((NamedToken *) g_ptr_array_index (attachments, i))->name, want);
      if (!carried)
        pd_verify_add_check (r, "certificate.tokens", want, PD_CHECK_FAILED, NULL,
                             _("The certificate does not carry this token of the package."));
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Text                                                                                       */

/* The certificate's text as physical lines with every space removed (pango wraps and poppler
 * spaces words as they please), and all of it joined for values that may wrap. */
typedef struct
{
  GPtrArray *lines;  /* char*, stripped */
  char      *raw;    /* as read, for quoting what the certificate prints instead */
  char      *all;    /* every line, stripped, joined without separators */
  char      *all_lower;
} CertText;

static char *
strip_spaces (const char *s)
{
  GString *out = g_string_new (NULL);

  for (const char *p = s; p && *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      /* Controls and format characters (bidi overrides) have no glyph: the PDF's text never
       * holds them, so neither side of a comparison does. */
      if (!g_unichar_isspace (c) && c != 0x00a0 && !g_unichar_iscntrl (c) &&
          g_unichar_type (c) != G_UNICODE_FORMAT)
        g_string_append_unichar (out, c);
    }
  return g_string_free (out, FALSE);
}

/* What the certificate shows for `value`: the renderer's cleaning (a dash for nothing), no
 * spaces. */
static char *
shown (const char *value)
{
  g_autofree char *clean = pd_pdf_clean_text (value);

  return strip_spaces (clean);
}

static void
cert_text_init (CertText *t, char *raw)
{
  g_auto (GStrv) lines = g_strsplit_set (raw, "\n\f", -1);
  GString *all = g_string_new (NULL);

  t->raw = raw;
  t->lines = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *s = strip_spaces (lines[i]);

      g_string_append (all, s);
      g_ptr_array_add (t->lines, s);
    }
  t->all = g_string_free (all, FALSE);
  t->all_lower = g_utf8_strdown (t->all, -1);
}

static void
cert_text_clear (CertText *t)
{
  g_clear_pointer (&t->lines, g_ptr_array_unref);
  g_clear_pointer (&t->raw, g_free);
  g_clear_pointer (&t->all, g_free);
  g_clear_pointer (&t->all_lower, g_free);
}

/* The length of `cell` (stripped) as printed at `p`: all of it, or a start of at least
 * MIN_ELLIPSIZED bytes (or all but its last character) cut by pango's ellipsis; 0 otherwise. */
static gsize
match_cell (const char *p, const char *cell)
{
  gsize n = strlen (cell), k = 0;

  if (strncmp (p, cell, n) == 0)
    return n;
  while (k < n && p[k] == cell[k])
    k++;
  /* Back to a character boundary of the cell. */
  while (k > 0 && (cell[k] & 0xc0) == 0x80)
    k--;
  if (k > 0 && k < n && k >= MIN (MIN_ELLIPSIZED, n - 1) && g_str_has_prefix (p + k, ELLIPSIS))
    return k + strlen (ELLIPSIS);
  return 0;
}

/* A table row: one printed line that starts with `cells` in order. */
static gboolean
find_row (const CertText *t, const char *const *cells, guint n)
{
  for (guint i = 0; i < t->lines->len; i++)
    {
      const char *p = g_ptr_array_index (t->lines, i);
      guint c = 0;
      gsize m;

      for (; c < n; c++)
        {
          if (*cells[c] == '\0')
            continue;
          if ((m = match_cell (p, cells[c])) == 0)
            break;
          p += m;
        }
      if (c == n)
        return TRUE;
    }
  return FALSE;
}

/* A value anywhere (it may wrap over lines), whole or cut by an ellipsis. */
static gboolean
find_value (const CertText *t, const char *value)
{
  gsize n = strlen (value);

  if (n == 0 || strstr (t->all, value) != NULL)
    return TRUE;
  for (const char *q = strstr (t->all, ELLIPSIS); q != NULL; q = strstr (q + 1, ELLIPSIS))
    for (gsize k = MIN (n - 1, (gsize) (q - t->all)); k >= MIN (MIN_ELLIPSIZED, n - 1) && k > 0; k--)
      if (memcmp (q - k, value, k) == 0 && match_cell (q - k, value) > 0)
        return TRUE;
  return FALSE;
}

/* Up to three distinct runs of the raw text matching `is_start`/`len` rules, for quoting. */
static char *
quote_runs (const char *raw, gboolean (*take) (const char *p, gsize *len), const char *except)
{
  g_autoptr (GPtrArray) seen = g_ptr_array_new_with_free_func (g_free);
  GString *out = g_string_new (NULL);

  for (const char *p = raw; *p && seen->len < 3; p++)
    {
      gsize len = 0;
      g_autofree char *run = NULL;

      if (!take (p, &len))
        continue;
      run = g_strndup (p, len);
      p += len - 1;
      if ((except && g_ascii_strcasecmp (run, except) == 0) ||
          g_ptr_array_find_with_equal_func (seen, run, g_str_equal, NULL))
        continue;
      if (out->len)
        g_string_append (out, ", ");
      g_string_append (out, run);
      g_ptr_array_add (seen, g_steal_pointer (&run));
    }
  if (out->len == 0)
    g_string_append (out, "—");
  return g_string_free (out, FALSE);
}

/* 64 hex digits, not part of a longer run. */
static gboolean
take_sha256 (const char *p, gsize *len)
{
  gsize n = 0;

  while (g_ascii_isxdigit (p[n]))
    n++;
  *len = MAX (n, 1);
  return n == 64;
}

/* "YYYY-MM-DD HH:MM:SS UTC", spaces optional. */
static gboolean
take_utc (const char *p, gsize *len)
{
  const char *pattern = "0000-00-00 00:00:00 UTC";
  gsize i = 0;

  *len = 1;
  for (const char *q = pattern; *q; q++)
    {
      if (*q == ' ')
        {
          while (p[i] == ' ')
            i++;
          continue;
        }
      if (*q == '0' ? !g_ascii_isdigit (p[i]) : p[i] != *q)
        return FALSE;
      i++;
    }
  *len = i;
  return TRUE;
}

/* ------------------------------------------------------------------------------------------ */
/* Content                                                                                    */

typedef struct
{
  PdVerifyResult            *r;
  const CertText            *text;
  const PdCertificateExpect *e;
  PdCertificateInfo         *info;   /* what the certificate must show, from the manifest */
  guint                      failed;
} Content;

static void G_GNUC_PRINTF (4, 5)
content_failed (Content *c, const char *field, const char *detail, const char *format, ...)
{
  g_autofree char *subject = g_strdup_printf ("%s: %s", CERTIFICATE_NAME, field);
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  pd_verify_add_check (c->r, "certificate.content", subject, PD_CHECK_FAILED, detail, "%s", message);
  c->failed++;
}

static void
content_digest (Content *c)
{
  /* The digest the certificate was sealed with is the stamped manifest's; whether the recording
   * still has it is recording.digest's to say (which part is which). */
  const char *want = c->info->sha256 ? c->info->sha256 : c->e->recording_sha256;
  g_autofree char *lower = NULL;
  g_autofree char *printed = NULL;

  if (want == NULL)
    return;
  lower = g_ascii_strdown (want, -1);
  if (strstr (c->text->all_lower, lower) != NULL)
    return;
  printed = quote_runs (c->text->raw, take_sha256, NULL);
  content_failed (c, "sha256", printed,
                  _("The certificate prints the SHA-256 %s, but the recording's is %s."), printed, lower);
}

/* The authority named by the recording's token, as the certificate was given it at sealing. */
static char *
token_authority (int dirfd, const char *token_name)
{
  g_autoptr (GBytes) der = pd_evidence_read_at (dirfd, token_name, TOKEN_MAX_SIZE, NULL);
  g_autoptr (PdTsaToken) token = der ? pd_tsa_token_new_from_der (der, NULL) : NULL;

  return token && pd_tsa_token_get_tsa_name (token) ? g_strdup (pd_tsa_token_get_tsa_name (token)) : NULL;
}

/* The stamp time the certificate prints: the first row after the SHA-256 row that is a label
 * (no digits) and a UTC time ("Time (UTC)" in any language). The footer's "generated" time and
 * the start and stop rows often show the same second, so the row is found by its place. */
static char *
printed_stamp_time (const CertText *t, const char *sha_lower)
{
  guint i = 0;

  for (; sha_lower && i < t->lines->len; i++)
    {
      g_autofree char *lower = g_utf8_strdown (g_ptr_array_index (t->lines, i), -1);

      if (strstr (lower, sha_lower) != NULL)
        break;
    }
  if (i == t->lines->len)
    i = 0;
  for (; i < t->lines->len; i++)
    {
      const char *line = g_ptr_array_index (t->lines, i);
      gsize n = strlen (line), len = 0;

      gsize k = 0;

      while (k < n && !g_ascii_isdigit (line[k]))
        k++;
      /* Stripped: "2026-01-0100:00:00UTC", shown again with its spaces. */
      if (k > 0 && k < n && take_utc (line + k, &len) && k + len == n && len == 21)
        return g_strdup_printf ("%.10s %.8s UTC", line + k, line + k + 10);
    }
  return NULL;
}

static void
content_stamp (Content *c, int dirfd)
{
  g_autofree char *utc = NULL, *authority = NULL, *printed = NULL, *sha = NULL;

  /* Only a token that verified states a time or an authority; a failed one is named already. */
  if (c->e->recording_gen_time == NULL)
    return;
  utc = pd_page_format_utc (c->e->recording_gen_time);
  sha = g_ascii_strdown (c->info->sha256 ? c->info->sha256 : c->e->recording_sha256 ? c->e->recording_sha256 : "", -1);
  printed = printed_stamp_time (c->text, *sha ? sha : NULL);
  if (printed == NULL || strcmp (printed, utc) != 0)
    content_failed (c, "time", printed,
                    _("The certificate prints the stamp time %s, but the recording's token states %s."),
                    printed ? printed : "—", utc);
  authority = c->e->tsa_name ? g_strdup (c->e->tsa_name)
              : c->e->recording_token ? token_authority (dirfd, c->e->recording_token) : NULL;
  if (authority != NULL)
    {
      g_autofree char *name = shown (authority);

      if (!find_value (c->text, name))
        content_failed (c, "authority", authority,
                        _("The certificate does not name the authority that signed the recording's token, “%s”."),
                        authority);
    }
}

/* The file, its size, and the case as the manifest states them. */
static void
content_evidence (Content *c)
{
  const PdCertificateInfo *info = c->info;
  g_autofree char *size = pd_certificate_format_thousands (info->file_size);
  const struct { const char *field, *label, *value; } values[] = {
    { "file", N_("file name"), info->file_name }, { "size", N_("size in bytes"), size },
    { "case", N_("case"), info->case_name }, { "parties", N_("parties"), info->parties },
    { "dispute", N_("dispute"), info->dispute_type },
    { "operator", N_("operator"), info->operator_name },
  };

  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_autofree char *want = NULL;

      if (values[i].value == NULL || *values[i].value == '\0')
        continue;
      want = shown (values[i].value);
      if (!find_value (c->text, want))
        content_failed (c, values[i].field, values[i].value,
                        /* Translators: "does not print the case the manifest states, “…”". */
                        _("The certificate does not print the %s the manifest states, “%s”."),
                        _(values[i].label), values[i].value);
    }
}

/* A checkpoint's TSA time: as verified when the caller has it, else the genTime the capture
 * recorded in the (stamped) manifest, which is what sealing printed. */
static GDateTime *
checkpoint_time (Content *c, guint i, guint index)
{
  const PdManifestCheckpoint *cps;
  guint n = 0;

  if (c->e->checkpoint_gen_times != NULL)
    return i < c->e->n_checkpoint_times && c->e->checkpoint_gen_times[i]
             ? g_date_time_ref (c->e->checkpoint_gen_times[i]) : NULL;
  cps = pd_manifest_get_checkpoints (c->e->manifest, &n, NULL);
  for (guint j = 0; j < n; j++)
    if (cps[j].index == (gint64) index && cps[j].gen_time)
      return pd_time_parse (cps[j].gen_time);
  return NULL;
}

/* The checkpoint table: #, stream time, bytes covered and (when stamped) the TSA time. */
static void
content_checkpoints (Content *c)
{
  GPtrArray *cps = c->info->checkpoints;
  guint n = MIN (cps->len, PD_CERTIFICATE_TABLE_ROWS);

  for (guint i = 0; i < n; i++)
    {
      PdCertificateCheckpoint *cp = g_ptr_array_index (cps, i);
      g_autoptr (GDateTime) when = checkpoint_time (c, i, cp->index);
      g_autofree char *index = g_strdup_printf ("%u", cp->index);
      g_autofree char *offset = pd_certificate_format_thousands (cp->offset);
      g_autofree char *utc = pd_page_format_utc (when);
      g_autofree char *t = shown (cp->stream_time), *o = shown (offset), *u = utc ? strip_spaces (utc) : NULL;
      const char *cells[] = { index, t, o, u };
      g_autofree char *detail = g_strdup_printf ("%s · %s · %s · %s", index, cp->stream_time ? cp->stream_time : "—",
                                                 offset, utc ? utc : "not stamped");

      if (!find_row (c->text, cells, u ? 4 : 3))
        content_failed (c, index, detail,
                        _("The certificate does not print checkpoint %u as the package records it (%s)."),
                        cp->index, detail);
    }
}

/* Every gap named, and the tail covered by the final token only: a certificate that hides
 * them claims a continuity the package does not prove. */
static void
content_coverage (Content *c)
{
  g_autoptr (GPtrArray) gaps = pd_certificate_info_get_gaps (c->info);
  g_autofree char *bytes = NULL, *tail = NULL;

  for (guint i = 0; i < MIN (gaps->len, PD_CERTIFICATE_TABLE_ROWS); i++)
    {
      PdCertificateGap *gap = g_ptr_array_index (gaps, i);
      g_autofree char *index = g_strdup_printf ("%u", gap->index);
      g_autofree char *t = shown (gap->stream_range), *b = shown (gap->byte_range), *why = shown (gap->reason);
      const char *cells[] = { index, t, b, why };
      g_autofree char *detail = g_strdup_printf ("%s · %s · %s · %s", index, gap->stream_range,
                                                 gap->byte_range, gap->reason);

      if (!find_row (c->text, cells, G_N_ELEMENTS (cells)))
        content_failed (c, "gap", detail,
                        _("The certificate does not name the gap at checkpoint %u (%s): it was not stamped while recording."),
                        gap->index, detail);
    }
  if (pd_certificate_info_final_only (c->info, &bytes, &tail))
    {
      g_autofree char *b = shown (bytes), *d = shown (tail);
      g_autofree char *detail = g_strdup_printf ("bytes %s, %s", bytes, tail);

      if (!find_value (c->text, b) || !find_value (c->text, d))
        content_failed (c, "final-token-only", detail,
                        _("The certificate does not say that bytes %s (the last %s) are covered by the final token only."),
                        bytes, tail);
    }
}

/* The ways a certificate of any language may print a checklist title: the template's English
 * title, its translation in this process's language, and the title the operator saw. */
static void
title_candidates (const char *title, const char *display_title, char *out[3])
{
  out[0] = title ? shown (title) : NULL;
  out[1] = title ? shown (g_dgettext (GETTEXT_PACKAGE, title)) : NULL;
  out[2] = display_title ? shown (display_title) : NULL;
}

/* A row starting with one of the title candidates, then `rest` cells. */
static gboolean
find_titled_row (const CertText *t, const char *lead, const char *title, const char *display_title,
                 const char *const *rest, guint n_rest)
{
  char *cand[3];
  gboolean found = FALSE;

  title_candidates (title, display_title, cand);
  for (guint k = 0; k < 3 && !found; k++)
    {
      const char *cells[8];
      guint n = 0;

      if (cand[k] == NULL || (k > 0 && g_strcmp0 (cand[k], cand[k - 1]) == 0))
        continue;
      if (lead != NULL)
        cells[n++] = lead;
      cells[n++] = cand[k];
      for (guint j = 0; j < n_rest && n < G_N_ELEMENTS (cells); j++)
        cells[n++] = rest[j];
      found = find_row (t, cells, n);
    }
  for (guint k = 0; k < 3; k++)
    g_free (cand[k]);
  return found;
}

/* The checklist marks: number, item, stream time, note (where the amounts are) and whether it
 * was undone (✓ or ✗: an undone mark printed as made would claim what the operator took back). */
static void
content_marks (Content *c)
{
  GPtrArray *marks = c->info->marks;

  for (guint i = 0; i < MIN (marks->len, PD_CERTIFICATE_TABLE_ROWS); i++)
    {
      PdCertificateMark *mark = g_ptr_array_index (marks, i);
      g_autofree char *t = shown (mark->stream_time), *note = shown (mark->note);
      g_autofree char *num = mark->id ? g_strdup_printf ("%u", mark->id) : g_strdup ("—");
      const char *rest[] = { t, note, mark->undone ? "✗" : "✓" };
      g_autofree char *detail = g_strdup_printf ("%s · %s · %s%s", mark->item ? mark->item : "—",
                                                 mark->stream_time ? mark->stream_time : "—",
                                                 mark->note ? mark->note : "—",
                                                 mark->undone ? " · undone" : "");
      g_autofree char *field = g_strdup_printf ("mark %u", i + 1);

      if (!find_titled_row (c->text, num, mark->item_title, mark->item, rest, G_N_ELEMENTS (rest)))
        content_failed (c, field, detail,
                        _("The certificate does not print checklist mark %u as the manifest records it (%s)."),
                        i + 1, detail);
    }
}

/* Every required item of the checklist summary with its state: shown (✓) or not (✗). A
 * certificate that leaves out an item never shown, or prints it as shown, fails. */
static void
content_checklist (Content *c)
{
  GPtrArray *items = c->info->items;

  for (guint i = 0; i < items->len; i++)
    {
      PdCertificateItem *item = g_ptr_array_index (items, i);
      const char *rest[] = { pd_certificate_state_symbol (item->state) };
      const char *name = item->display_title ? item->display_title : item->title;
      g_autofree char *field = NULL, *detail = NULL;

      if (!item->required)
        continue;
      if (find_titled_row (c->text, NULL, item->title, item->display_title, rest, G_N_ELEMENTS (rest)))
        continue;
      field = g_strdup_printf ("checklist item %u", i + 1);
      detail = g_strdup_printf ("%s · %s", name ? name : "?", item->state);
      content_failed (c, field, detail,
                      _("The certificate does not print the required checklist item “%s” as the manifest records it (%s)."),
                      name ? name : "?", item->state);
    }
}

static void
check_content (PdVerifyResult *r, int dirfd, const char *pdf_path, const PdCertificateExpect *e)
{
  g_autoptr (GError) local_error = NULL;
  g_autoptr (PdCertificateInfo) info = NULL;
  char *raw;
  CertText text = { 0 };
  Content c = { r, &text, e, NULL, 0 };

  if (e->manifest == NULL)
    return;
  raw = pd_certificate_read_text (pdf_path, PD_CERTIFICATE_MAX_TEXT_PAGES, &local_error);
  if (raw == NULL)
    {
      pd_verify_add_check (r, "certificate.content", CERTIFICATE_NAME, PD_CHECK_FAILED, local_error->message,
                           _("The certificate's text cannot be read, so what it states cannot be compared with the package."));
      return;
    }
  cert_text_init (&text, raw);
  info = pd_certificate_info_new_from_manifest (pd_manifest_get_object (e->manifest));
  c.info = info;
  content_stamp (&c, dirfd);
  if (e->manifest_gen_time == NULL)
    {
      /* A manifest whose token failed (named already) is no measure for what is printed. */
      pd_verify_add_check (r, "certificate.content", CERTIFICATE_NAME, PD_CHECK_INFO, NULL,
                           _("The certificate's evidence, checkpoints and marks were not compared: the manifest's token did not verify."));
      cert_text_clear (&text);
      return;
    }
  content_digest (&c);
  content_evidence (&c);
  content_checkpoints (&c);
  content_coverage (&c);
  content_marks (&c);
  content_checklist (&c);
  if (c.failed == 0)
    pd_verify_add_check (r, "certificate.content", CERTIFICATE_NAME, PD_CHECK_PASSED, NULL,
                         _("The certificate prints the recording's SHA-256, its stamp time, the authority, the checkpoints, gaps, marks and every required checklist item as the verified package states them."));
  cert_text_clear (&text);
}

/* ------------------------------------------------------------------------------------------ */

void
pd_verify_certificate_check (PdVerifyResult *r, int dirfd, const char *dir, const PdCertificateExpect *expect)
{
  g_autofree char *pdf_path = NULL;

  g_return_if_fail (r != NULL && dir != NULL && expect != NULL);

  if (!check_present (r, dirfd, expect))
    return;
  pdf_path = g_build_filename (dir, CERTIFICATE_NAME, NULL);
  check_tokens (r, dirfd, pdf_path, expect);
  check_content (r, dirfd, pdf_path, expect);
}
