/* pd-tsa-token.c — RFC 3161 tokens: a TimeStampResp parsed into the facts of PdTsaToken. */
#define G_LOG_DOMAIN "pd-tsa"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <string.h>

#include "util/pd-error.h"
#include "util/pd-private.h"
#include "timestamp/pd-tsa-private.h"
#include "util/pd-util.h"

const EVP_MD *
pd_tsa_digest_md (PdTsaDigest digest)
{
  switch (digest)
    {
    case PD_TSA_DIGEST_SHA256:
      return EVP_sha256 ();
    case PD_TSA_DIGEST_SHA384:
      return EVP_sha384 ();
    case PD_TSA_DIGEST_SHA512:
      return EVP_sha512 ();
    default:
      return NULL;
    }
}

gsize
pd_tsa_digest_get_length (PdTsaDigest digest)
{
  const EVP_MD *md = pd_tsa_digest_md (digest);

  return md ? (gsize) EVP_MD_get_size (md) : 0;
}

static char *
asn1_integer_hex (const ASN1_INTEGER *value)
{
  g_autofree char *hex = NULL;

  if (value == NULL)
    return NULL;
  hex = pd_hex_encode (ASN1_STRING_get0_data (value), (gsize) ASN1_STRING_length (value));
  if (ASN1_STRING_type (value) == V_ASN1_NEG_INTEGER)
    return g_strconcat ("-", hex, NULL);
  return g_steal_pointer (&hex);
}

static char *
oid_text (const ASN1_OBJECT *obj)
{
  char buf[256];

  if (obj == NULL || OBJ_obj2txt (buf, sizeof buf, obj, 1) <= 0)
    return NULL;
  return g_strdup (buf);
}

static char *
x509_name_text (const X509_NAME *name)
{
  g_autoptr (BIO) bio = BIO_new (BIO_s_mem ());
  char *data = NULL;
  long len;

  /* RFC 2253, but keep UTF-8 readable instead of escaping it. */
  if (bio == NULL ||
      X509_NAME_print_ex (bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0)
    return NULL;
  len = BIO_get_mem_data (bio, &data);
  return g_utf8_make_valid (data, len);
}

static char *
general_name_text (const GENERAL_NAME *gn)
{
  g_autoptr (BIO) bio = NULL;
  char *data = NULL;
  long len;

  if (gn->type == GEN_DIRNAME)
    return x509_name_text (gn->d.directoryName);
  bio = BIO_new (BIO_s_mem ());
  if (bio == NULL || !GENERAL_NAME_print (bio, (GENERAL_NAME *) gn))
    return NULL;
  len = BIO_get_mem_data (bio, &data);
  return g_utf8_make_valid (data, len);
}

/* genTime is "YYYYMMDDhhmmss[.f…]Z" (RFC 3161 §2.4.2); GDateTime keeps microseconds. */
static GDateTime *
parse_gen_time (const ASN1_GENERALIZEDTIME *t)
{
  const char *s;
  int len, v[6], widths[6] = { 4, 2, 2, 2, 2, 2 }, pos = 0;
  gint64 usec = 0;
  g_autoptr (GDateTime) whole = NULL;

  if (t == NULL || !ASN1_GENERALIZEDTIME_check (t))
    return NULL;
  s = (const char *) ASN1_STRING_get0_data (t);
  len = ASN1_STRING_length (t);
  if (len < 15 || s[len - 1] != 'Z')
    return NULL;
  for (int i = 0; i < 6; i++)
    {
      v[i] = 0;
      for (int j = 0; j < widths[i]; j++, pos++)
        {
          if (!g_ascii_isdigit (s[pos]))
            return NULL;
          v[i] = v[i] * 10 + (s[pos] - '0');
        }
    }
  if (s[pos] == '.')
    {
      gint64 scale = 100000;

      for (pos++; pos < len - 1; pos++, scale /= 10)
        {
          if (!g_ascii_isdigit (s[pos]))
            return NULL;
          usec += (s[pos] - '0') * scale;
        }
    }
  else if (pos != len - 1)
    return NULL;
  whole = g_date_time_new_utc (v[0], v[1], v[2], v[3], v[4], v[5]);
  return whole ? g_date_time_add (whole, usec) : NULL;
}

/* ---- PdTsaToken ---- */


G_DEFINE_FINAL_TYPE (PdTsaToken, pd_tsa_token, G_TYPE_OBJECT)

static void
pd_tsa_token_finalize (GObject *object)
{
  PdTsaToken *self = PD_TSA_TOKEN (object);

  g_clear_pointer (&self->der, g_bytes_unref);
  g_clear_pointer (&self->gen_time, g_date_time_unref);
  g_free (self->serial);
  g_free (self->policy);
  g_free (self->tsa_name);
  g_free (self->status_text);
  g_free (self->digest_name);
  g_free (self->imprint_hex);
  g_free (self->nonce_hex);
  g_free (self->certs_pem);

  G_OBJECT_CLASS (pd_tsa_token_parent_class)->finalize (object);
}

static void
pd_tsa_token_class_init (PdTsaTokenClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pd_tsa_token_finalize;
}

static void
pd_tsa_token_init (PdTsaToken *self)
{
  self->accuracy = -1;
}

static const char *const status_names[] = {
  "granted", "grantedWithMods", "rejection", "waiting", "revocationWarning",
  "revocationNotification",
};

static const struct
{
  int         bit;
  const char *name;
} failure_names[] = {
  { TS_INFO_BAD_ALG, "badAlg" },
  { TS_INFO_BAD_REQUEST, "badRequest" },
  { TS_INFO_BAD_DATA_FORMAT, "badDataFormat" },
  { TS_INFO_TIME_NOT_AVAILABLE, "timeNotAvailable" },
  { TS_INFO_UNACCEPTED_POLICY, "unacceptedPolicy" },
  { TS_INFO_UNACCEPTED_EXTENSION, "unacceptedExtension" },
  { TS_INFO_ADD_INFO_NOT_AVAILABLE, "addInfoNotAvailable" },
  { TS_INFO_SYSTEM_FAILURE, "systemFailure" },
};

static char *
status_free_text (TS_STATUS_INFO *info)
{
  const STACK_OF (ASN1_UTF8STRING) *text = TS_STATUS_INFO_get0_text (info);
  GString *out = g_string_new (NULL);

  for (int i = 0; i < sk_ASN1_UTF8STRING_num (text); i++)
    {
      const ASN1_UTF8STRING *s = sk_ASN1_UTF8STRING_value (text, i);
      g_autofree char *valid = g_utf8_make_valid ((const char *) ASN1_STRING_get0_data (s),
                                                  ASN1_STRING_length (s));
      if (out->len > 0)
        g_string_append (out, "; ");
      g_string_append (out, valid);
    }
  if (out->len == 0)
    {
      g_string_free (out, TRUE);
      return NULL;
    }
  return g_string_free (out, FALSE);
}

/* Fails with PD_TSA_ERROR_REJECTED unless the status is granted or grantedWithMods. */
gboolean
pd_tsa_check_status (TS_RESP *resp, GError **error)
{
  TS_STATUS_INFO *info = TS_RESP_get_status_info (resp);
  long status = ASN1_INTEGER_get (TS_STATUS_INFO_get0_status (info));
  const ASN1_BIT_STRING *failure = TS_STATUS_INFO_get0_failure_info (info);
  g_autofree char *text = NULL;
  g_autoptr (GString) failures = g_string_new (NULL);

  if (status == 0 || status == 1)
    return TRUE;
  text = status_free_text (info);
  for (guint i = 0; failure != NULL && i < G_N_ELEMENTS (failure_names); i++)
    if (ASN1_BIT_STRING_get_bit (failure, failure_names[i].bit))
      g_string_append_printf (failures, "%s%s", failures->len ? "," : "", failure_names[i].name);
  g_set_error (error, PD_TSA_ERROR, PD_TSA_ERROR_REJECTED,
               _("The timestamp authority refused the request (status %s, “%s”, failure %s)."),
               status >= 0 && status < (long) G_N_ELEMENTS (status_names) ? status_names[status]
                                                                         : "unknown",
               text ? text : "-", failures->len ? failures->str : "-");
  return FALSE;
}

X509 *
pd_tsa_token_signer (PKCS7 *token)
{
  STACK_OF (X509) *signers = PKCS7_get0_signers (token, NULL, 0);
  X509 *signer = NULL;

  if (signers != NULL && sk_X509_num (signers) == 1)
    {
      signer = sk_X509_value (signers, 0);
      X509_up_ref (signer);
    }
  sk_X509_free (signers);
  ERR_clear_error ();
  return signer;
}

static char *
token_certs_pem (PKCS7 *token, X509 *signer)
{
  STACK_OF (X509) *certs = PKCS7_type_is_signed (token) ? token->d.sign->cert : NULL;
  g_autoptr (BIO) bio = NULL;
  char *data = NULL;
  long len;

  if (sk_X509_num (certs) <= 0)
    return NULL;
  bio = BIO_new (BIO_s_mem ());
  if (bio == NULL || (signer != NULL && !PEM_write_bio_X509 (bio, signer)))
    return NULL;
  for (int i = 0; i < sk_X509_num (certs); i++)
    {
      X509 *cert = sk_X509_value (certs, i);

      if (signer != NULL && X509_cmp (cert, signer) == 0)
        continue;
      if (!PEM_write_bio_X509 (bio, cert))
        return NULL;
    }
  len = BIO_get_mem_data (bio, &data);
  return g_strndup (data, (gsize) len);
}

static gboolean
cert_is_practice (X509 *cert, PdLocalTsa *local)
{
  g_autofree guint8 *der = NULL;
  guint8 *p = NULL;
  int len;

  if (cert == NULL || (len = i2d_X509 (cert, &p)) <= 0)
    return FALSE;
  der = g_memdup2 (p, (gsize) len);
  OPENSSL_free (p);
  if (local != NULL)
    return pd_local_tsa_owns_certificate (local, der, (gsize) len);
  return pd_local_tsa_certificate_is_practice (der, (gsize) len);
}

/* Reads every field of a granted response. `local`: the practice TSA to compare against. */
PdTsaToken *
pd_tsa_token_new_from_resp (TS_RESP *resp, GBytes *der, PdLocalTsa *local, GError **error)
{
  g_autoptr (PdTsaToken) self = NULL;
  g_autoptr (X509) signer = NULL;
  PKCS7 *p7 = TS_RESP_get_token (resp);
  TS_TST_INFO *tst = TS_RESP_get_tst_info (resp);
  TS_MSG_IMPRINT *imprint;
  const ASN1_OBJECT *alg_obj = NULL;
  const ASN1_OCTET_STRING *msg;
  const TS_ACCURACY *accuracy;
  const GENERAL_NAME *tsa;

  if (p7 == NULL || tst == NULL)
    {
      g_set_error (error, PD_TSA_ERROR, PD_TSA_ERROR_GARBAGE,
                   _("The timestamp response says “granted” but carries no token."));
      return NULL;
    }
  self = g_object_new (PD_TYPE_TSA_TOKEN, NULL);
  self->der = g_bytes_ref (der);
  self->granted_with_mods = ASN1_INTEGER_get (TS_STATUS_INFO_get0_status (TS_RESP_get_status_info (resp))) == 1;
  if (self->granted_with_mods)
    self->status_text = status_free_text (TS_RESP_get_status_info (resp));

  self->gen_time = parse_gen_time (TS_TST_INFO_get_time (tst));
  if (self->gen_time == NULL)
    {
      g_set_error (error, PD_TSA_ERROR, PD_TSA_ERROR_GARBAGE,
                   _("The timestamp token has no valid time (genTime)."));
      return NULL;
    }
  self->serial = asn1_integer_hex (TS_TST_INFO_get_serial (tst));
  self->policy = oid_text (TS_TST_INFO_get_policy_id (tst));
  self->nonce_hex = asn1_integer_hex (TS_TST_INFO_get_nonce (tst));

  imprint = TS_TST_INFO_get_msg_imprint (tst);
  X509_ALGOR_get0 (&alg_obj, NULL, NULL, TS_MSG_IMPRINT_get_algo (imprint));
  msg = TS_MSG_IMPRINT_get_msg (imprint);
  self->digest_name = g_strdup (OBJ_nid2sn (OBJ_obj2nid (alg_obj)));
  self->imprint_hex = pd_hex_encode (ASN1_STRING_get0_data (msg), (gsize) ASN1_STRING_length (msg));

  accuracy = TS_TST_INFO_get_accuracy (tst);
  if (accuracy != NULL)
    {
      const ASN1_INTEGER *s = TS_ACCURACY_get_seconds (accuracy);
      const ASN1_INTEGER *ms = TS_ACCURACY_get_millis (accuracy);
      const ASN1_INTEGER *us = TS_ACCURACY_get_micros (accuracy);

      self->accuracy = (s ? ASN1_INTEGER_get (s) * G_USEC_PER_SEC : 0) +
                       (ms ? ASN1_INTEGER_get (ms) * 1000 : 0) + (us ? ASN1_INTEGER_get (us) : 0);
    }

  signer = pd_tsa_token_signer (p7);
  tsa = TS_TST_INFO_get_tsa (tst);
  if (tsa != NULL)
    self->tsa_name = general_name_text (tsa);
  if (self->tsa_name == NULL && signer != NULL)
    self->tsa_name = x509_name_text (X509_get_subject_name (signer));
  if (self->tsa_name == NULL)
    self->tsa_name = g_strdup (_("(unnamed authority)"));
  self->certs_pem = token_certs_pem (p7, signer);

  /* The practice policy OID is our own arc, so a real TSA never uses it; the certificate
   * match also catches a practice TSA from this workstation whatever policy it stamped. */
  self->is_practice = g_strcmp0 (self->policy, PD_LOCAL_TSA_POLICY_OID) == 0 ||
                      cert_is_practice (signer, local);
  return g_steal_pointer (&self);
}

TS_RESP *
pd_tsa_parse_resp (GBytes *der, GError **error)
{
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (der, &len);
  const guint8 *p = data;
  TS_RESP *resp = NULL;

  if (len > 0 && len <= PD_TSA_MAX_REPLY_SIZE)
    resp = d2i_TS_RESP (NULL, &p, (long) len);
  ERR_clear_error ();
  /* Trailing bytes would be outside the signature yet inside the .tsr file. */
  if (resp == NULL || p != data + len)
    {
      TS_RESP_free (resp);
      g_set_error (error, PD_TSA_ERROR, PD_TSA_ERROR_GARBAGE,
                   _("The reply is not an RFC 3161 timestamp response."));
      return NULL;
    }
  return resp;
}

PdTsaToken *
pd_tsa_token_new_from_der (GBytes *der, GError **error)
{
  g_autoptr (TS_RESP) resp = NULL;

  g_return_val_if_fail (der != NULL, NULL);

  resp = pd_tsa_parse_resp (der, error);
  if (resp == NULL || !pd_tsa_check_status (resp, error))
    return NULL;
  return pd_tsa_token_new_from_resp (resp, der, NULL, error);
}

GBytes *
pd_tsa_token_get_response_der (PdTsaToken *self)
{
  g_return_val_if_fail (PD_IS_TSA_TOKEN (self), NULL);
  return self->der;
}

GDateTime *
pd_tsa_token_get_gen_time (PdTsaToken *self)
{
  g_return_val_if_fail (PD_IS_TSA_TOKEN (self), NULL);
  return self->gen_time;
}

const char *
pd_tsa_token_get_serial (PdTsaToken *self)
{
  g_return_val_if_fail (PD_IS_TSA_TOKEN (self), NULL);
  return self->serial;
}

const char *
pd_tsa_token_get_policy (PdTsaToken *self)
{
  g_return_val_if_fail (PD_IS_TSA_TOKEN (self), NULL);
  return self->policy;
}

const char *
pd_tsa_token_get_tsa_name (PdTsaToken *self)
{
  g_return_val_if_fail (PD_IS_TSA_TOKEN (self), NULL);
  return self->tsa_name;
}

gint64
pd_tsa_token_get_accuracy (PdTsaToken *self)
{
  g_return_val_if_fail (PD_IS_TSA_TOKEN (self), -1);
  return self->accuracy;
}

gboolean
pd_tsa_token_get_granted_with_mods (PdTsaToken *self)
{
  g_return_val_if_fail (PD_IS_TSA_TOKEN (self), FALSE);
  return self->granted_with_mods;
}

const char *
pd_tsa_token_get_status_text (PdTsaToken *self)
{
  g_return_val_if_fail (PD_IS_TSA_TOKEN (self), NULL);
  return self->status_text;
}

gint64
pd_tsa_token_get_clock_skew (PdTsaToken *self)
{
  g_return_val_if_fail (PD_IS_TSA_TOKEN (self), 0);
  return self->clock_skew;
}

gboolean
pd_tsa_token_is_practice (PdTsaToken *self)
{
  g_return_val_if_fail (PD_IS_TSA_TOKEN (self), FALSE);
  return self->is_practice;
}

const char *
pd_tsa_token_get_digest_name (PdTsaToken *self)
{
  g_return_val_if_fail (PD_IS_TSA_TOKEN (self), NULL);
  return self->digest_name;
}

const char *
pd_tsa_token_get_imprint_hex (PdTsaToken *self)
{
  g_return_val_if_fail (PD_IS_TSA_TOKEN (self), NULL);
  return self->imprint_hex;
}

const char *
pd_tsa_token_get_nonce_hex (PdTsaToken *self)
{
  g_return_val_if_fail (PD_IS_TSA_TOKEN (self), NULL);
  return self->nonce_hex;
}

const char *
pd_tsa_token_get_certificates_pem (PdTsaToken *self)
{
  g_return_val_if_fail (PD_IS_TSA_TOKEN (self), NULL);
  return self->certs_pem;
}
