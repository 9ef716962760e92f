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
  self->crls = sk_X509_CRL_new_null ();
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
  sk_X509_CRL_pop_free (self->crls, X509_CRL_free);
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

/* A certificate that may anchor a chain: a CA, or a self-signed certificate the user names. */
static gboolean
is_anchor_candidate (X509 *cert)
{
  return X509_check_ca (cert) > 0 || X509_self_signed (cert, 0) == 1;
}

/* Every certificate also becomes an untrusted helper, so that a token without certificates
 * (certReq false) finds its signer and intermediates among them, as `openssl ts -verify
 * -untrusted` does; only CAs (or self-signed certificates) become anchors. */
static gboolean
store_add_anchors (PdTrustStore *self, const char *path, gboolean practice, GError **error)
{
  g_autoptr (PdX509Stack) certs = load_certificates (path, error);

  if (certs == NULL)
    return FALSE;
  for (int i = 0; i < sk_X509_num (certs); i++)
    {
      X509 *cert = sk_X509_value (certs, i);

      if (is_anchor_candidate (cert))
        {
          /* A duplicate is not an error worth reporting. */
          X509_STORE_add_cert (self->store, cert);
          ERR_clear_error ();
          if (practice && X509_up_ref (cert))
            sk_X509_push (self->practice, cert);
        }
      if (X509_up_ref (cert))
        sk_X509_push (self->untrusted, cert);
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

/* Every CRL of a PEM (or single DER) file. */
gboolean
pd_trust_store_add_crl_file (PdTrustStore *self, const char *path, GError **error)
{
  g_autofree char *contents = NULL;
  gsize len = 0;
  g_autoptr (BIO) bio = NULL;
  X509_CRL *crl;
  int before;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (!g_file_get_contents (path, &contents, &len, error))
    return FALSE;
  before = sk_X509_CRL_num (self->crls);
  bio = BIO_new_mem_buf (contents, (int) MIN (len, (gsize) G_MAXINT));
  while ((crl = PEM_read_bio_X509_CRL (bio, NULL, NULL, NULL)) != NULL)
    sk_X509_CRL_push (self->crls, crl);
  ERR_clear_error ();
  if (sk_X509_CRL_num (self->crls) == before)
    {
      const unsigned char *p = (const unsigned char *) contents;

      crl = d2i_X509_CRL (NULL, &p, (long) MIN (len, (gsize) G_MAXLONG));
      ERR_clear_error ();
      if (crl != NULL)
        sk_X509_CRL_push (self->crls, crl);
    }
  if (sk_X509_CRL_num (self->crls) == before)
    {
      g_set_error (error, PD_VERIFY_ERROR, PD_VERIFY_ERROR_FORMAT,
                   _("“%s” contains no certificate revocation list."), path);
      return FALSE;
    }
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

/* ------------------------------------------------------------------------------------------ */
/* Practice identity                                                                          */

/* Whether `cert` is, or was issued by, or shares its key with, a practice root. */
static const char *
practice_reason_for_cert (PdTrustStore *self, X509 *cert)
{
  X509_NAME *subject = X509_get_subject_name (cert);
  EVP_PKEY *key = X509_get0_pubkey (cert);
  int pos = -1;

  for (int i = 0; i < sk_X509_num (self->practice); i++)
    {
      X509 *root = sk_X509_value (self->practice, i);
      EVP_PKEY *root_key = X509_get0_pubkey (root);

      if (X509_cmp (root, cert) == 0)
        return "practice root";
      if (key != NULL && root_key != NULL && EVP_PKEY_eq (key, root_key) == 1)
        return "key of the practice root";
      if (X509_check_issued (root, cert) == X509_V_OK && root_key != NULL &&
          X509_verify (cert, root_key) == 1)
        return "issued by the practice root";
    }
  /* A name can be copied, but copying it only ever makes a token count for less. */
  while ((pos = X509_NAME_get_index_by_NID (subject, NID_organizationName, pos)) >= 0)
    {
      ASN1_STRING *value = X509_NAME_ENTRY_get_data (X509_NAME_get_entry (subject, pos));
      const char *practice_org = PD_LOCAL_TSA_ORG;

      if (ASN1_STRING_length (value) == (int) strlen (practice_org) &&
          memcmp (ASN1_STRING_get0_data (value), practice_org, strlen (practice_org)) == 0)
        return "practice organisation name";
    }
  ERR_clear_error ();
  return NULL;
}

/* Why a token is a practice token, or NULL: its policy OID, or any certificate of its chain
 * that is the practice root, carries its key, was issued by it, or is named as practice; or
 * the signer belongs to this desk's practice authority. Where the certificates came from
 * (token, package, --ca) does not matter. */
const char *
pd_verify_practice_reason (PdTrustStore *self, TS_TST_INFO *tst, X509 *signer,
                           STACK_OF (X509) *chain)
{
  ASN1_OBJECT *policy = TS_TST_INFO_get_policy_id (tst);
  char oid[128] = "";
  const char *reason = NULL;

  if (policy)
    OBJ_obj2txt (oid, sizeof oid, policy, 1);
  if (g_str_equal (oid, PD_LOCAL_TSA_POLICY_OID))
    return "practice policy " PD_LOCAL_TSA_POLICY_OID;
  if (signer != NULL && (reason = practice_reason_for_cert (self, signer)) != NULL)
    return reason;
  for (int i = 0; chain && i < sk_X509_num (chain); i++)
    if ((reason = practice_reason_for_cert (self, sk_X509_value (chain, i))) != NULL)
      return reason;
  if (signer != NULL)
    {
      unsigned char *der = NULL;
      int len = i2d_X509 (signer, &der);
      gboolean local = len > 0 && pd_local_tsa_certificate_is_practice (der, (gsize) len);

      OPENSSL_free (der);
      if (local)
        return "this desk's practice authority";
    }
  return NULL;
}
