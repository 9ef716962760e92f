/* pd-verify-file.c — a file against its token or its certificate: one read pass, prefix digests on the way. */
#define G_LOG_DOMAIN "pd-verify"

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <openssl/err.h>
#include <openssl/ess.h>
#include <openssl/pem.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "report/pd-certificate.h"
#include "util/pd-error.h"
#include "timestamp/pd-local-tsa.h"
#include "evidence/pd-package.h"
#include "util/pd-private.h"
#include "util/pd-util.h"
#include "evidence/pd-evidence-file.h"
#include "evidence/pd-manifest.h"
#include "verify/pd-verify.h"
#include "verify/pd-verify-private.h"

/* ------------------------------------------------------------------------------------------ */
/* Reading files                                                                              */


static void
progress_add (Progress *progress, guint64 n)
{
  if (progress == NULL)
    return;
  progress->done += n;
  if (progress->func)
    progress->func (progress->done, MAX (progress->total, progress->done), progress->data);
}


/* Reads `fd` once, front to back. At each mark's offset (ascending) the running context is
 * copied and the copy finalised: the prefix digest, without reading anything twice. */
gboolean
pd_verify_digest_fd (int fd, const EVP_MD *md, PrefixMark *marks, guint n_marks, Progress *progress,
                     GCancellable *cancellable, guint64 limit, guint8 *digest_out, guint *digest_len,
                     guint64 *size_out, const char *name, GError **error)
{
  g_autoptr (EVP_MD_CTX) ctx = EVP_MD_CTX_new ();
  g_autofree guint8 *buf = g_malloc (READ_CHUNK);
  guint64 pos = 0;
  guint m = 0;

  if (ctx == NULL || !EVP_DigestInit_ex (ctx, md, NULL))
    {
      g_set_error (error, PD_VERIFY_ERROR, PD_VERIFY_ERROR_IO, _("The digest is not available."));
      return FALSE;
    }
#ifdef POSIX_FADV_SEQUENTIAL
  posix_fadvise (fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
  for (;;)
    {
      ssize_t n = pos >= limit ? 0 : read (fd, buf, (size_t) MIN ((guint64) READ_CHUNK, limit - pos));
      const guint8 *p = buf;
      gsize remaining;

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       _("Cannot read “%s”: %s"), name, g_strerror (saved));
          return FALSE;
        }
      remaining = (gsize) n;
      /* With n == 0 this only finalises marks sitting exactly at the end of the file. */
      while (m < n_marks && marks[m].offset <= pos + remaining)
        {
          gsize take = (gsize) (marks[m].offset - pos);
          g_autoptr (EVP_MD_CTX) copy = EVP_MD_CTX_new ();

          EVP_DigestUpdate (ctx, p, take);
          p += take;
          remaining -= take;
          pos += take;
          if (copy == NULL || !EVP_MD_CTX_copy_ex (copy, ctx) ||
              !EVP_DigestFinal_ex (copy, marks[m].digest, &marks[m].len))
            {
              g_set_error (error, PD_VERIFY_ERROR, PD_VERIFY_ERROR_IO,
                           _("The digest is not available."));
              return FALSE;
            }
          marks[m].reached = TRUE;
          m++;
        }
      if (n == 0)
        break;
      EVP_DigestUpdate (ctx, p, remaining);
      pos += remaining;
      progress_add (progress, (guint64) n);
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
    }
  if (!EVP_DigestFinal_ex (ctx, digest_out, digest_len))
    {
      g_set_error (error, PD_VERIFY_ERROR, PD_VERIFY_ERROR_IO, _("The digest is not available."));
      return FALSE;
    }
  *size_out = pos;
  return TRUE;
}


/* ------------------------------------------------------------------------------------------ */
/* (file, token) and (file, certificate.pdf)                                                  */

static void
named_token_free (NamedToken *t)
{
  g_free (t->name);
  g_bytes_unref (t->data);
  g_free (t);
}

/* The tokens a certificate PDF carries (its attached files), as NamedToken. */
GPtrArray *
pd_verify_pdf_tokens (const char *path, GError **error)
{
  g_autoptr (GPtrArray) attachments = pd_certificate_read_attachments (path, error);
  GPtrArray *tokens;

  if (attachments == NULL)
    return NULL;
  tokens = g_ptr_array_new_with_free_func ((GDestroyNotify) named_token_free);
  for (guint i = 0; i < attachments->len; i++)
    {
      PdCertificateAttachment *a = g_ptr_array_index (attachments, i);
      NamedToken *t;

      /* Only token attachments; a certificate may carry other files later. */
      if (a->name == NULL || a->data == NULL || !g_str_has_suffix (a->name, ".tsr"))
        continue;
      t = g_new0 (NamedToken, 1);
      t->name = g_strdup (a->name);
      t->data = g_bytes_ref (a->data);
      g_ptr_array_add (tokens, t);
    }
  return tokens;
}

static gboolean
looks_like_pdf (GBytes *bytes)
{
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);

  return len >= 5 && memcmp (data, "%PDF-", 5) == 0;
}

PdVerifyResult *
pd_verify_token_for_file (const char *file, const char *token_path, PdTrustStore *trust,
                          GCancellable *cancellable, GError **error)
{
  g_autoptr (PdVerifyResult) r = NULL;
  g_autoptr (GBytes) token_bytes = NULL;
  g_autoptr (GPtrArray) tokens = g_ptr_array_new_with_free_func ((GDestroyNotify) named_token_free);
  g_autofree char *file_base = NULL;
  g_autofree char *token_base = NULL;
  int fd = -1;
  int token_fd;

  g_return_val_if_fail (file != NULL, NULL);
  g_return_val_if_fail (token_path != NULL, NULL);
  g_return_val_if_fail (trust != NULL, NULL);

  token_fd = pd_open_regular (token_path, error);
  if (token_fd < 0)
    return NULL;
  token_bytes = pd_read_fd_limited (token_fd, PDF_MAX_SIZE, token_path, error);
  close (token_fd);
  if (token_bytes == NULL)
    return NULL;

  fd = pd_open_regular (file, error);
  if (fd < 0)
    return NULL;

  file_base = g_path_get_basename (file);
  token_base = g_path_get_basename (token_path);
  r = pd_verify_result_new ();

  if (looks_like_pdf (token_bytes))
    {
      g_autoptr (GPtrArray) attachments = pd_verify_pdf_tokens (token_path, error);

      if (attachments == NULL)
        {
          close (fd);
          return NULL;
        }
      /* The manifest's token cannot be checked against a lone file; the others can. */
      for (guint i = 0; i < attachments->len; i++)
        {
          NamedToken *t = g_ptr_array_index (attachments, i);

          if (g_str_equal (t->name, MANIFEST_TSR_NAME) || strchr (t->name, '/') != NULL)
            {
              g_autofree char *subject = g_strdup_printf ("%s: %s", token_base, t->name);
              pd_verify_add_check (r, "certificate.manifest-token", subject, PD_CHECK_INFO, NULL,
                                   _("The certificate also carries a token over another part of the package; verify the whole package folder to check it."));
              continue;
            }
          g_ptr_array_add (tokens, g_ptr_array_steal_index (attachments, i--));
        }
      if (tokens->len == 0)
        {
          pd_verify_add_check (r, "certificate.tokens", token_base, PD_CHECK_FAILED, NULL,
                               _("The certificate carries no timestamp token for a file."));
          close (fd);
          pd_verify_result_finish (r);
          return g_steal_pointer (&r);
        }
    }
  else
    {
      NamedToken *t = g_new0 (NamedToken, 1);

      t->name = g_strdup (token_base);
      t->data = g_bytes_ref (token_bytes);
      g_ptr_array_add (tokens, t);
    }

  for (guint i = 0; i < tokens->len; i++)
    {
      NamedToken *t = g_ptr_array_index (tokens, i);
      g_auto (ParsedToken) pt = { 0 };
      g_auto (TokenOutcome) outcome = { 0 };
      guint8 digest[EVP_MAX_MD_SIZE];
      guint digest_len = 0;
      guint64 size = 0;
      const EVP_MD *md;
      int nid;

      if (!pd_verify_token_parse (r, t->name, t->data, &pt))
        continue;
      nid = pd_verify_token_imprint_nid (&pt, NULL);
      md = EVP_get_digestbynid (nid);
      if (md == NULL)
        {
          pd_verify_token_check (r, t->name, &pt, NID_undef, NULL, 0, trust, NULL, &outcome);
          continue;
        }
      /* Hash with the token's own algorithm, so the imprint check is independent of the
       * algorithm check (a SHA-1 token fails only the latter). */
      if (lseek (fd, 0, SEEK_SET) != 0 ||
          !pd_verify_digest_fd (fd, md, NULL, 0, NULL, cancellable, G_MAXUINT64, digest, &digest_len, &size, file,
                                error))
        {
          close (fd);
          return NULL;
        }
      pd_verify_token_check (r, t->name, &pt, nid, digest, digest_len, trust, NULL, &outcome);
      if (r->gen_time == NULL)
        r->gen_time = g_steal_pointer (&outcome.gen_time);
    }
  close (fd);
  pd_verify_add_check (r, "file.name", file_base, PD_CHECK_INFO, file, _("Checked file: %s."), file_base);
  pd_verify_result_finish (r);
  return g_steal_pointer (&r);
}
