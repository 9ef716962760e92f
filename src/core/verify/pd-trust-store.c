/* pd-trust-store.c — the anchors a verdict trusts: system CAs, configured TSA CAs, the practice root. */
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
/* Trust store                                                                                */


G_DEFINE_BOXED_TYPE (PdTrustStore, pd_trust_store, pd_trust_store_ref, pd_trust_store_unref)

PdTrustStore *
pd_trust_store_new (void)
{
  PdTrustStore *self = g_new0 (PdTrustStore, 1);

  g_atomic_ref_count_init (&self->ref);
  self->store = X509_STORE_new ();
  self->untrusted = sk_X509_new_null ();
  self->practice = sk_X509_new_null ();
  return self;
}

PdTrustStore *
pd_trust_store_ref (PdTrustStore *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref);
  return self;
}

void
pd_trust_store_unref (PdTrustStore *self)
{
  g_return_if_fail (self != NULL);
  if (!g_atomic_ref_count_dec (&self->ref))
    return;
  X509_STORE_free (self->store);
  sk_X509_pop_free (self->untrusted, X509_free);
  sk_X509_pop_free (self->practice, X509_free);
  g_free (self);
}

/* Drains OpenSSL's error queue of this thread into one line of text (or NULL). */
char *
pd_verify_ossl_errors (void)
{
  g_autoptr (GString) out = NULL;
  unsigned long e;

  while ((e = ERR_get_error ()) != 0)
    {
      char buf[256];

      ERR_error_string_n (e, buf, sizeof buf);
      if (out == NULL)
        out = g_string_new (buf);
      else
        g_string_append_printf (out, "; %s", buf);
    }
  return out ? g_string_free (g_steal_pointer (&out), FALSE) : NULL;
}

/* Reads every certificate of a PEM (or single DER) file. */
static PdX509Stack *
load_certificates (const char *path, GError **error)
{
  g_autofree char *contents = NULL;
  gsize len = 0;
  g_autoptr (PdX509Stack) certs = sk_X509_new_null ();
  g_autoptr (BIO) bio = NULL;
  X509 *cert;

  if (!g_file_get_contents (path, &contents, &len, error))
    return NULL;
  bio = BIO_new_mem_buf (contents, (int) MIN (len, (gsize) G_MAXINT));
  while ((cert = PEM_read_bio_X509 (bio, NULL, NULL, NULL)) != NULL)
    sk_X509_push (certs, cert);
  ERR_clear_error ();
  if (sk_X509_num (certs) == 0)
    {
      const unsigned char *p = (const unsigned char *) contents;

      cert = d2i_X509 (NULL, &p, (long) len);
      ERR_clear_error ();
      if (cert != NULL)
        sk_X509_push (certs, cert);
    }
  if (sk_X509_num (certs) == 0)
    {
      g_set_error (error, PD_VERIFY_ERROR, PD_VERIFY_ERROR_FORMAT,
                   _("“%s” contains no certificate."), path);
      return NULL;
    }
  return g_steal_pointer (&certs);
}

static gboolean
store_add_anchors (PdTrustStore *self, const char *path, gboolean practice, GError **error)
{
  g_autoptr (PdX509Stack) certs = load_certificates (path, error);

  if (certs == NULL)
    return FALSE;
  for (int i = 0; i < sk_X509_num (certs); i++)
    {
      X509 *cert = sk_X509_value (certs, i);

      /* A duplicate is not an error worth reporting. */
      X509_STORE_add_cert (self->store, cert);
      ERR_clear_error ();
      if (practice && X509_up_ref (cert))
        sk_X509_push (self->practice, cert);
    }
  return TRUE;
}

gboolean
pd_trust_store_add_system (PdTrustStore *self, GError **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (!X509_STORE_set_default_paths (self->store))
    {
      g_autofree char *why = pd_verify_ossl_errors ();
      g_set_error (error, PD_VERIFY_ERROR, PD_VERIFY_ERROR_IO,
                   _("The system's certificate authorities cannot be loaded: %s"),
                   why ? why : "?");
      return FALSE;
    }
  return TRUE;
}

gboolean
pd_trust_store_add_ca_file (PdTrustStore *self, const char *path, GError **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  return store_add_anchors (self, path, FALSE, error);
}

gboolean
pd_trust_store_add_practice_root_file (PdTrustStore *self, const char *path, GError **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  return store_add_anchors (self, path, TRUE, error);
}

gboolean
pd_trust_store_add_practice_root (PdTrustStore *self, GError **error)
{
  g_autofree char *data_dir = pd_data_dir ();
  /* The practice TSA names its root PD_LOCAL_TSA_CA_NAME; "ca.pem" is the older name. */
  const char *names[] = { PD_LOCAL_TSA_CA_NAME, "ca.pem" };

  g_return_val_if_fail (self != NULL, FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (data_dir, PD_LOCAL_TSA_DIRNAME, names[i], NULL);

      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        return store_add_anchors (self, path, TRUE, error);
    }
  return TRUE;
}

gboolean
pd_trust_store_add_configured (PdTrustStore *self, GError **error)
{
  g_autofree char *data_dir = pd_data_dir ();
  g_autofree char *dir_path = g_build_filename (data_dir, TRUSTED_DIRNAME, NULL);
  g_autoptr (GDir) dir = NULL;
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_return_val_if_fail (self != NULL, FALSE);

  dir = g_dir_open (dir_path, 0, NULL);
  if (dir == NULL)
    return TRUE;
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".pem"))
      g_ptr_array_add (names, g_build_filename (dir_path, name, NULL));
  for (guint i = 0; i < names->len; i++)
    if (!store_add_anchors (self, g_ptr_array_index (names, i), FALSE, error))
      return FALSE;
  return TRUE;
}

gboolean
pd_trust_store_add_untrusted_file (PdTrustStore *self, const char *path, GError **error)
{
  g_autoptr (PdX509Stack) certs = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  certs = load_certificates (path, error);
  if (certs == NULL)
    return FALSE;
  while (sk_X509_num (certs) > 0)
    sk_X509_push (self->untrusted, sk_X509_shift (certs));
  return TRUE;
}

PdTrustStore *
pd_trust_store_new_default (GError **error)
{
  g_autoptr (PdTrustStore) self = pd_trust_store_new ();

  if (!pd_trust_store_add_system (self, error) ||
      !pd_trust_store_add_configured (self, error) ||
      !pd_trust_store_add_practice_root (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

gboolean
pd_verify_trust_store_is_practice (PdTrustStore *self, X509 *anchor)
{
  for (int i = 0; i < sk_X509_num (self->practice); i++)
    if (X509_cmp (sk_X509_value (self->practice, i), anchor) == 0)
      return TRUE;
  return FALSE;
}
