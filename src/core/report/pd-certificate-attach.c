/* pd-certificate-attach.c — the tokens attached to the certificate: a PDF incremental update
 * appended to cairo's output. */
#define G_LOG_DOMAIN "pd-certificate"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "report/pd-certificate-private.h"
#include "util/pd-error.h"

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

/* What the incremental update takes from cairo's PDF. */
typedef struct
{
  guint64  xref_off;        /* the xref section cairo wrote: /Prev of ours */
  guint64  size;            /* the trailer's /Size: our first object number */
  guint64  root, root_gen;  /* the catalog */
  gboolean have_info;
  guint64  info_num, info_gen;
  char    *id_value;        /* the trailer's /ID array as written, or NULL */
  char    *catalog_entries; /* the catalog's dictionary without its << >> */
  gboolean has_page_mode;
} BasePdf;

static void
base_pdf_clear (BasePdf *info)
{
  g_clear_pointer (&info->id_value, g_free);
  g_clear_pointer (&info->catalog_entries, g_free);
}

/* 1. startxref → the classic xref table (cairo 1.16 writes no xref streams); 2. the trailer
 * that follows its subsections: /Size, /Root, /Info, /ID. `*trailer` is where it starts. */
static gboolean
read_trailer (const char *buf, gsize len, BasePdf *info, const char **trailer, GError **error)
{
  const char *end = buf + len, *startxref, *trailer_end, *id;
  Cursor c;

  startxref = rfind (buf + (len > 1024 ? len - 1024 : 0), MIN (len, 1024), "startxref");
  c = (Cursor) { startxref ? startxref + 9 : end, end };
  if (startxref == NULL || !parse_uint (&c, &info->xref_off) || info->xref_off >= len)
    return render_error (error, "startxref");
  c = (Cursor) { buf + info->xref_off, end };
  if (!expect (&c, "xref"))
    return render_error (error, "xref");

  /* The trailer follows the xref subsections; find it first for /Root. */
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
  *trailer = c.p;
  if ((trailer_end = walk_dict (*trailer, end, NULL)) == NULL)
    return render_error (error, "trailer");
  c = (Cursor) { walk_dict (*trailer, trailer_end, "Size"), trailer_end };
  if (c.p == NULL || !parse_uint (&c, &info->size) || info->size == 0 || info->size > G_MAXUINT / 2)
    return render_error (error, "trailer /Size");
  if (!dict_ref (*trailer, trailer_end, "Root", &info->root, &info->root_gen))
    return render_error (error, "trailer /Root");
  info->have_info = dict_ref (*trailer, trailer_end, "Info", &info->info_num, &info->info_gen);
  if ((id = walk_dict (*trailer, trailer_end, "ID")) != NULL)
    {
      const char *close;

      c = (Cursor) { id, trailer_end };
      skip_space (&c);
      close = memchr (c.p, ']', (gsize) (trailer_end - c.p));
      if (*c.p == '[' && close != NULL)
        info->id_value = g_strndup (c.p, (gsize) (close + 1 - c.p));
    }
  return TRUE;
}

/* 3. The catalog's offset from the xref table, which ends where the trailer starts. */
static gboolean
find_catalog_offset (const char *buf, const char *trailer, const BasePdf *info, guint64 *root_off)
{
  Cursor c = { buf + info->xref_off, trailer };

  expect (&c, "xref");
  for (;;)
    {
      guint64 start, count;

      if (!parse_uint (&c, &start) || !parse_uint (&c, &count))
        return FALSE;
      skip_space (&c);
      if (info->root >= start && info->root - start < count)
        {
          Cursor e = { c.p + (info->root - start) * 20, c.p + (info->root - start + 1) * 20 };

          return parse_uint (&e, root_off) && e.end[-3] == 'n';
        }
      c.p += count * 20;
    }
}

/* 4. "N G obj << … >>": the catalog's dictionary, whose entries are copied. */
static gboolean
read_catalog (const char *buf, gsize len, guint64 root_off, BasePdf *info, GError **error)
{
  const char *end = buf + len, *catalog, *catalog_end;
  Cursor c = { buf + root_off, end };
  guint64 num, gen;

  if (!parse_uint (&c, &num) || !parse_uint (&c, &gen) || num != info->root ||
      gen != info->root_gen || !expect (&c, "obj"))
    return render_error (error, "catalog object");
  skip_space (&c);
  catalog = c.p;
  if (end - catalog < 4 || memcmp (catalog, "<<", 2) != 0 ||
      (catalog_end = walk_dict (catalog, end, NULL)) == NULL)
    return render_error (error, "catalog dictionary");
  if (walk_dict (catalog, catalog_end, "Names") || walk_dict (catalog, catalog_end, "AF"))
    return render_error (error, "catalog already has /Names");
  /* Copied now: appending below may move the array, and `buf` with it. */
  info->catalog_entries = g_strndup (catalog + 2, (gsize) (catalog_end - 2 - (catalog + 2)));
  info->has_page_mode = walk_dict (catalog, catalog_end, "PageMode") != NULL;
  return TRUE;
}

/* 5. New objects, numbered from the old /Size: per attachment its stream and filespec. Their
 * offsets go into `offsets`, their name-tree entries ("key N 0 R", sorted) into `keys`. */
static void
append_embedded_files (GByteArray *pdf, GPtrArray *attachments, guint64 size, guint64 *offsets,
                       GPtrArray *keys)
{
  g_autoptr (GString) out = g_string_new (NULL);

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
}

/* 6. The new catalog: cairo's entries, then ours. */
static void
append_catalog (GByteArray *pdf, const BasePdf *info, guint catalog_num, GPtrArray *keys,
                guint n_attachments)
{
  g_autoptr (GString) out = g_string_new (NULL);

  g_string_append_printf (out, "%u 0 obj\n<<", catalog_num);
  g_string_append (out, info->catalog_entries);
  g_string_append (out, "\n/Names << /EmbeddedFiles << /Names [");
  for (guint i = 0; i < keys->len; i++)
    g_string_append_printf (out, " %s", (char *) g_ptr_array_index (keys, i));
  g_string_append (out, " ] >> >>\n/AF [");
  for (guint i = 0; i < n_attachments; i++)
    g_string_append_printf (out, " %u 0 R", (guint) info->size + 2 * i + 1);
  g_string_append (out, " ]\n");
  if (!info->has_page_mode)
    g_string_append (out, "/PageMode /UseAttachments\n");
  g_string_append (out, ">>\nendobj\n");
  g_byte_array_append (pdf, (const guint8 *) out->str, out->len);
}

/* 7. The xref section for the new objects (one subsection, 20-byte entries) and trailer. */
static void
append_xref (GByteArray *pdf, const BasePdf *info, const guint64 *offsets, guint n_new,
             guint catalog_num)
{
  g_autoptr (GString) out = g_string_new (NULL);
  guint64 xref_off = pdf->len;

  g_string_append_printf (out, "xref\n%" G_GUINT64_FORMAT " %u\n", info->size, n_new);
  for (guint i = 0; i < n_new; i++)
    g_string_append_printf (out, "%010" G_GUINT64_FORMAT " 00000 n \n", offsets[i]);
  g_string_append_printf (out, "trailer\n<< /Size %" G_GUINT64_FORMAT " /Root %u 0 R",
                          info->size + n_new, catalog_num);
  if (info->have_info)
    g_string_append_printf (out, " /Info %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " R",
                            info->info_num, info->info_gen);
  if (info->id_value != NULL)
    g_string_append_printf (out, " /ID %s", info->id_value);
  g_string_append_printf (out, " /Prev %" G_GUINT64_FORMAT " >>\nstartxref\n%" G_GUINT64_FORMAT
                          "\n%%%%EOF\n", info->xref_off, xref_off);
  g_byte_array_append (pdf, (const guint8 *) out->str, out->len);
}

gboolean
pd_certificate_append_attachments (GByteArray *pdf, GPtrArray *attachments, GError **error)
{
  const char *buf = (const char *) pdf->data, *trailer = NULL;
  g_autofree guint64 *offsets = NULL;
  g_autoptr (GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
  BasePdf info = { 0 };
  guint64 root_off = 0;
  guint n_new, catalog_num;
  gboolean ok;

  ok = read_trailer (buf, pdf->len, &info, &trailer, error);
  if (ok && (!find_catalog_offset (buf, trailer, &info, &root_off) || root_off >= pdf->len))
    ok = render_error (error, "catalog offset");
  ok = ok && read_catalog (buf, pdf->len, root_off, &info, error);
  if (!ok)
    {
      base_pdf_clear (&info);
      return FALSE;
    }

  n_new = attachments->len * 2 + 1;
  catalog_num = (guint) info.size + attachments->len * 2;
  offsets = g_new0 (guint64, n_new);
  append_embedded_files (pdf, attachments, info.size, offsets, keys);
  offsets[n_new - 1] = pdf->len;
  append_catalog (pdf, &info, catalog_num, keys, attachments->len);
  append_xref (pdf, &info, offsets, n_new, catalog_num);
  base_pdf_clear (&info);
  return TRUE;
}
