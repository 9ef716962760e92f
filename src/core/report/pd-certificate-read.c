/* pd-certificate-read.c — the tokens read back out of a certificate with poppler, in a separate
 * process (proofdesk-pdf-reader) so a hostile PDF cannot take the workstation down. */
#define G_LOG_DOMAIN "pd-certificate"

#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <gio/gunixinputstream.h>
#include <glib/gstdio.h>
#include <poll.h>
#include <poppler.h>
#include <string.h>
#include <unistd.h>

#include "report/pd-certificate.h"
#include "util/pd-error.h"
#include "util/pd-util.h"

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

/* The whole file, when it is a regular file of at most PD_CERTIFICATE_MAX_FILE bytes with a PDF
 * header in its first KiB. */
static GBytes *
read_pdf_file (const char *pdf_path, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autofree char *contents = NULL;
  GStatBuf st;
  gsize len = 0;

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
  return g_bytes_new_take (g_steal_pointer (&contents), len);
}

/* Attachment `i` (from 0) of the PDF, under a harmless name; NULL and an error when there are too
 * many, or it is too large or cannot be read. */
static PdCertificateAttachment *
take_attachment (PopplerAttachment *att, guint i, const char *pdf_path, GError **error)
{
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
  return pd_certificate_attachment_new (name, attached, att->description);
}

static GPtrArray *
read_attachments_in_process (const char *pdf_path, GError **error)
{
  g_autoptr (GPtrArray) result =
    g_ptr_array_new_with_free_func ((GDestroyNotify) pd_certificate_attachment_free);
  g_autoptr (GObject) doc = NULL; /* a PopplerDocument; poppler 22.12 has no autoptr for it */
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GBytes) bytes = NULL;
  GList *list = NULL;
  guint i = 0;

  g_return_val_if_fail (pdf_path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if ((bytes = read_pdf_file (pdf_path, error)) == NULL)
    return NULL;
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
      PdCertificateAttachment *a = take_attachment (l->data, i, pdf_path, error);

      if (a == NULL)
        {
          g_list_free_full (list, g_object_unref);
          return NULL;
        }
      g_ptr_array_add (result, a);
    }
  g_list_free_full (list, g_object_unref);
  return g_steal_pointer (&result);
}

/* ---- Text, as physical lines ------------------------------------------------------------
 * poppler's own text order follows its guess at reading flow and may give a table column by
 * column; the certificate's checks want each table row on one line. So every character is
 * placed by its box: characters whose vertical centres lie within half a line of each other
 * form one line, read left to right, with a space where the gap is wider than a quarter of the
 * line's height (between cells, between words). */

typedef struct
{
  double   x, x2, y, h; /* left and right edge, vertical centre, height */
  gunichar c;
} Glyph;

static int
compare_glyph_y (gconstpointer a, gconstpointer b)
{
  const Glyph *ga = a, *gb = b;

  return ga->y < gb->y ? -1 : ga->y > gb->y;
}

static int
compare_glyph_x (gconstpointer a, gconstpointer b)
{
  const Glyph *ga = a, *gb = b;

  return ga->x < gb->x ? -1 : ga->x > gb->x;
}

static void
append_line (GString *out, Glyph *glyphs, guint n)
{
  qsort (glyphs, n, sizeof *glyphs, compare_glyph_x);
  for (guint i = 0; i < n; i++)
    {
      if (i > 0 && glyphs[i].x - glyphs[i - 1].x2 > glyphs[i - 1].h * 0.25)
        g_string_append_c (out, ' ');
      g_string_append_unichar (out, glyphs[i].c);
    }
  g_string_append_c (out, '\n');
}

/* One page's text as physical lines, appended to `out`. */
static void
page_lines (PopplerPage *page, GString *out)
{
  g_autofree char *text = poppler_page_get_text (page);
  PopplerRectangle *rects = NULL;
  guint n_rects = 0;
  g_autoptr (GArray) glyphs = g_array_new (FALSE, FALSE, sizeof (Glyph));
  const char *p = text;
  guint start = 0;

  if (text == NULL || !poppler_page_get_text_layout (page, &rects, &n_rects))
    {
      g_free (rects);
      return;
    }
  for (guint i = 0; *p != '\0' && i < n_rects; i++, p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      Glyph g = { rects[i].x1, rects[i].x2, (rects[i].y1 + rects[i].y2) / 2,
                  ABS (rects[i].y2 - rects[i].y1), c };

      if (!g_unichar_isspace (c) && g.h > 0)
        g_array_append_val (glyphs, g);
    }
  g_free (rects);
  g_array_sort (glyphs, compare_glyph_y);
  for (guint i = 1; i <= glyphs->len; i++)
    {
      Glyph *first = &g_array_index (glyphs, Glyph, start);

      if (i == glyphs->len || g_array_index (glyphs, Glyph, i).y - first->y > first->h / 2)
        {
          append_line (out, first, i - start);
          start = i;
        }
    }
}

static char *
read_text_in_process (const char *pdf_path, guint max_pages, GError **error)
{
  g_autoptr (GObject) doc = NULL; /* a PopplerDocument */
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GString) out = g_string_new (NULL);
  int n_pages;

  if ((bytes = read_pdf_file (pdf_path, error)) == NULL)
    return NULL;
  doc = G_OBJECT (poppler_document_new_from_bytes (bytes, NULL, &local_error));
  if (doc == NULL)
    {
      g_set_error (error, PD_CERTIFICATE_ERROR, PD_CERTIFICATE_ERROR_DAMAGED,
                   _("“%s” is a damaged PDF: %s"), pdf_path, local_error->message);
      return NULL;
    }
  n_pages = poppler_document_get_n_pages (POPPLER_DOCUMENT (doc));
  if (n_pages < 0 || (guint) n_pages > max_pages)
    {
      g_set_error (error, PD_CERTIFICATE_ERROR, PD_CERTIFICATE_ERROR_TOO_LARGE,
                   _("“%s” has %d pages, more than a certificate has (at most %u)."), pdf_path,
                   n_pages, max_pages);
      return NULL;
    }
  for (int i = 0; i < n_pages; i++)
    {
      g_autoptr (GObject) page = G_OBJECT (poppler_document_get_page (POPPLER_DOCUMENT (doc), i));

      if (i > 0)
        g_string_append_c (out, '\f');
      if (page != NULL)
        page_lines (POPPLER_PAGE (page), out);
      if (out->len > PD_CERTIFICATE_MAX_TEXT)
        {
          g_set_error (error, PD_CERTIFICATE_ERROR, PD_CERTIFICATE_ERROR_TOO_LARGE,
                       _("“%s” holds more text than a certificate has."), pdf_path);
          return NULL;
        }
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
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

/* The text reader's reply: "T" u32 length text, or the error as above. */
int
pd_certificate_text_reader_main (int fd, const char *pdf_path, guint max_pages)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *text = read_text_in_process (pdf_path, max_pages, &error);

  if (text == NULL)
    {
      guint32 code = (guint32) error->code;

      return write_all (fd, "E", 1) && write_all (fd, &code, sizeof code) &&
             write_chunk (fd, error->message, (guint32) strlen (error->message)) ? 0 : 3;
    }
  return write_all (fd, "T", 1) && write_chunk (fd, text, (guint32) strlen (text)) ? 0 : 3;
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

/* A fresh process (fork + exec at once): nothing of this multi-threaded one is inherited. */
static GSubprocess *
spawn_reader (const char *reader, const char *pdf_path, guint text_pages, GError **error)
{
  g_autofree char *pages = g_strdup_printf ("%u", text_pages);
  const char *argv_attachments[] = { reader, pdf_path, NULL };
  const char *argv_text[] = { reader, "--text", pages, pdf_path, NULL };
  const char *const *argv = text_pages > 0 ? argv_text : argv_attachments;
  g_autoptr (GError) spawn_error = NULL;
  GSubprocess *proc;

  proc = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                            &spawn_error);
  if (proc == NULL)
    g_set_error (error, PD_CERTIFICATE_ERROR, PD_CERTIFICATE_ERROR_IO,
                 _("The PDF reader helper could not be started: %s"), spawn_error->message);
  return proc;
}

/* The attachments in the reader's reply, or its error; anything else is a damaged PDF. */
static GPtrArray *
parse_reply (GByteArray *reply, const char *pdf_path, GError **error)
{
  g_autoptr (GPtrArray) result =
    g_ptr_array_new_with_free_func ((GDestroyNotify) pd_certificate_attachment_free);
  const guint8 *p = reply->data, *end = reply->data + reply->len;

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

GPtrArray *
pd_certificate_read_attachments (const char *pdf_path, GError **error)
{
  g_autoptr (GByteArray) reply = NULL;
  g_autoptr (GSubprocess) proc = NULL;
  g_autofree char *reader = NULL;

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
  if ((proc = spawn_reader (reader, pdf_path, 0, error)) == NULL)
    return NULL;
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
  return parse_reply (reply, pdf_path, error);
}

/* Runs the reader in text mode and takes its reply apart. */
char *
pd_certificate_read_text (const char *pdf_path, guint max_pages, GError **error)
{
  g_autoptr (GByteArray) reply = NULL;
  g_autoptr (GSubprocess) proc = NULL;
  g_autofree char *reader = NULL;
  const guint8 *p, *end, *data;
  guint32 len;

  g_return_val_if_fail (pdf_path != NULL, NULL);
  g_return_val_if_fail (max_pages > 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (g_getenv ("PROOFDESK_PDF_IN_PROCESS") != NULL)
    return read_text_in_process (pdf_path, max_pages, error);
  reader = find_reader ();
  if (reader == NULL)
    {
      g_set_error (error, PD_CERTIFICATE_ERROR, PD_CERTIFICATE_ERROR_IO,
                   _("The PDF reader helper (proofdesk-pdf-reader) is not installed."));
      return NULL;
    }
  if ((proc = spawn_reader (reader, pdf_path, max_pages, error)) == NULL)
    return NULL;
  reply = read_child (g_unix_input_stream_get_fd (G_UNIX_INPUT_STREAM (g_subprocess_get_stdout_pipe (proc))),
                      PD_CERTIFICATE_MAX_TEXT + 1024);
  if (reply == NULL)
    g_subprocess_force_exit (proc);
  g_subprocess_wait (proc, NULL, NULL);
  if (reply != NULL && g_subprocess_get_if_exited (proc) && g_subprocess_get_exit_status (proc) == 0 &&
      reply->len > 0)
    {
      p = reply->data + 1;
      end = reply->data + reply->len;
      if (reply->data[0] == 'T' && take_chunk (&p, end, &data, &len) && p == end &&
          g_utf8_validate ((const char *) data, len, NULL))
        return g_strndup ((const char *) data, len);
      if (reply->data[0] == 'E')
        {
          g_autoptr (GError) child_error = NULL;
          g_autoptr (GPtrArray) none = parse_reply (reply, pdf_path, &child_error);

          g_propagate_error (error, g_steal_pointer (&child_error));
          return NULL;
        }
    }
  g_set_error (error, PD_CERTIFICATE_ERROR, PD_CERTIFICATE_ERROR_DAMAGED,
               _("“%s” is a damaged PDF: reading it failed."), pdf_path);
  return NULL;
}
