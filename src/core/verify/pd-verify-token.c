/* pd-verify-token.c — one RFC 3161 token checked step by step against its data and the trust store. */
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

/*
 * Why not TS_RESP_verify_response()?  It checks the signer's chain against the current time
 * (there is no way to pass genTime as the verification time), it stops at the first problem
 * and reports one error code, and it cannot tell "not trusted here" from "broken". A court
 * needs each check named and the chain judged as of genTime, so the same steps are done here
 * one by one with OpenSSL primitives: PKCS7_signatureVerify for the CMS signature,
 * OSSL_ESS_check_signing_certs for the ESS certificate id, and X509_verify_cert with
 * X509_STORE_CTX_set_time (genTime) and the time-stamping purpose for the chain.
 */
/* ------------------------------------------------------------------------------------------ */
/* Small OpenSSL helpers                                                                      */

static char *
bio_to_string (BIO *bio)
{
  char *data = NULL;
  long len = BIO_get_mem_data (bio, &data);

  return g_strndup (data, len > 0 ? (gsize) len : 0);
}

char *
pd_verify_name_to_string (const X509_NAME *name)
{
  g_autoptr (BIO) bio = BIO_new (BIO_s_mem ());

  X509_NAME_print_ex (bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  return bio_to_string (bio);
}

static char *
asn1_integer_to_hex (const ASN1_INTEGER *value)
{
  g_autoptr (BIGNUM) bn = NULL;
  char *hex;
  char *out;

  if (value == NULL)
    return NULL;
  bn = ASN1_INTEGER_to_BN (value, NULL);
  if (bn == NULL)
    return NULL;
  hex = BN_bn2hex (bn);
  out = g_ascii_strdown (hex, -1);
  OPENSSL_free (hex);
  return out;
}

gboolean
pd_verify_asn1_time_to_unix (const ASN1_TIME *t, time_t *unix_out)
{
  struct tm tm = { 0 };

  if (t == NULL || !ASN1_TIME_to_tm (t, &tm))
    return FALSE;
  *unix_out = timegm (&tm);
  return TRUE;
}

static gboolean
asn1_time_to_gdatetime (const ASN1_TIME *t, time_t *unix_out, GDateTime **dt_out)
{
  struct tm tm = { 0 };
  time_t unix_time;

  if (t == NULL || !ASN1_TIME_to_tm (t, &tm))
    return FALSE;
  unix_time = timegm (&tm);
  if (unix_out)
    *unix_out = unix_time;
  if (dt_out)
    *dt_out = g_date_time_new_from_unix_utc (unix_time);
  return TRUE;
}

/* ------------------------------------------------------------------------------------------ */
/* One token                                                                                  */


static const char *
pki_status_name (long status)
{
  switch (status)
    {
    case 0:  return "granted";
    case 1:  return "grantedWithMods";
    case 2:  return "rejection";
    case 3:  return "waiting";
    case 4:  return "revocationWarning";
    case 5:  return "revocationNotification";
    default: return "unknown";
    }
}

/* Parses a DER TimeStampResp, or a bare TimeStampToken (ContentInfo), and checks PKIStatus.
 * Emits token.format and token.status; FALSE when there is no usable token. */
gboolean
pd_verify_token_parse (PdVerifyResult *r, const char *subject, GBytes *tsr, ParsedToken *pt)
{
  gsize len = 0;
  const guint8 *data = tsr ? g_bytes_get_data (tsr, &len) : NULL;
  const unsigned char *p;
  TS_STATUS_INFO *si;
  long status;

  if (len == 0)
    {
      pd_verify_add_check (r, "token.format", subject, PD_CHECK_FAILED, NULL,
                           _("The timestamp token is empty."));
      return FALSE;
    }
  if (len > G_MAXLONG)
    len = G_MAXLONG;

  ERR_clear_error ();
  p = data;
  pt->resp = d2i_TS_RESP (NULL, &p, (long) len);
  if (pt->resp != NULL && p != data + len)
    g_clear_pointer (&pt->resp, TS_RESP_free);
  if (pt->resp == NULL)
    {
      PKCS7 *p7;

      ERR_clear_error ();
      p = data;
      p7 = d2i_PKCS7 (NULL, &p, (long) len);
      if (p7 != NULL && p == data + len)
        {
          pt->tst = PKCS7_to_TS_TST_INFO (p7);
          if (pt->tst != NULL)
            pt->p7 = p7;
          else
            PKCS7_free (p7);
        }
      else
        PKCS7_free (p7);
      if (pt->p7 == NULL)
        {
          g_autofree char *why = pd_verify_ossl_errors ();
          pd_verify_add_check (r, "token.format", subject, PD_CHECK_FAILED, why,
                               _("This is not an RFC 3161 timestamp token."));
          return FALSE;
        }
      pd_verify_add_check (r, "token.format", subject, PD_CHECK_PASSED, "TimeStampToken (no TimeStampResp wrapper)",
                           _("The timestamp token is well formed."));
      pd_verify_add_check (r, "token.status", subject, PD_CHECK_INFO, NULL,
                           _("The token carries no response status (a bare token)."));
      goto version;
    }

  si = TS_RESP_get_status_info (pt->resp);
  status = ASN1_INTEGER_get (TS_STATUS_INFO_get0_status (si));
  if (status != 0 && status != 1)
    {
      const STACK_OF (ASN1_UTF8STRING) *text = TS_STATUS_INFO_get0_text (si);
      g_autoptr (GString) detail = g_string_new (NULL);

      g_string_printf (detail, "PKIStatus %ld (%s)", status, pki_status_name (status));
      for (int i = 0; i < sk_ASN1_UTF8STRING_num (text); i++)
        {
          ASN1_UTF8STRING *s = sk_ASN1_UTF8STRING_value (text, i);
          g_string_append_printf (detail, "; %.*s", ASN1_STRING_length (s),
                                  (const char *) ASN1_STRING_get0_data (s));
        }
      pd_verify_add_check (r, "token.format", subject, PD_CHECK_PASSED, NULL,
                           _("The timestamp response is well formed."));
      pd_verify_add_check (r, "token.status", subject, PD_CHECK_FAILED, detail->str,
                           _("The authority did not grant this timestamp."));
      return FALSE;
    }
  pt->p7 = TS_RESP_get_token (pt->resp);
  pt->tst = TS_RESP_get_tst_info (pt->resp);
  if (pt->p7 == NULL || pt->tst == NULL)
    {
      pd_verify_add_check (r, "token.format", subject, PD_CHECK_FAILED, NULL,
                           _("The timestamp response holds no token."));
      return FALSE;
    }
  pd_verify_add_check (r, "token.format", subject, PD_CHECK_PASSED, "TimeStampResp",
                       _("The timestamp response is well formed."));
  pd_verify_add_check (r, "token.status", subject, PD_CHECK_PASSED,
                       status == 0 ? "PKIStatus 0 (granted)" : "PKIStatus 1 (grantedWithMods)",
                       _("The authority granted the timestamp."));

version:
  if (TS_TST_INFO_get_version (pt->tst) != 1)
    {
      g_autofree char *detail = g_strdup_printf ("TSTInfo version %ld",
                                                 TS_TST_INFO_get_version (pt->tst));
      pd_verify_add_check (r, "token.version", subject, PD_CHECK_FAILED, detail,
                           _("The token's TSTInfo has an unknown version."));
      return FALSE;
    }
  return TRUE;
}

/* The imprint algorithm of a parsed token; NID_undef if it carries parameters we do not allow. */
int
pd_verify_token_imprint_nid (ParsedToken *pt, gboolean *has_params)
{
  X509_ALGOR *alg = TS_MSG_IMPRINT_get_algo (TS_TST_INFO_get_msg_imprint (pt->tst));
  const ASN1_OBJECT *obj = NULL;
  int ptype = V_ASN1_UNDEF;

  X509_ALGOR_get0 (&obj, &ptype, NULL, alg);
  if (has_params)
    *has_params = ptype != V_ASN1_UNDEF && ptype != V_ASN1_NULL;
  return OBJ_obj2nid (obj);
}

static X509 *
find_signer (PKCS7_SIGNER_INFO *si, STACK_OF (X509) *const *stacks, guint n_stacks)
{
  PKCS7_ISSUER_AND_SERIAL *ias = si->issuer_and_serial;

  if (ias == NULL)
    return NULL;
  for (guint i = 0; i < n_stacks; i++)
    {
      X509 *cert;

      if (stacks[i] == NULL)
        continue;
      cert = X509_find_by_issuer_and_serial (stacks[i], ias->issuer, ias->serial);
      if (cert != NULL)
        return cert;
    }
  return NULL;
}

static void
token_report_info (PdVerifyResult *r, const char *subject, ParsedToken *pt, GDateTime *gen_time)
{
  TS_TST_INFO *tst = pt->tst;
  const ASN1_GENERALIZEDTIME *t = TS_TST_INFO_get_time (tst);
  ASN1_OBJECT *policy = TS_TST_INFO_get_policy_id (tst);
  TS_ACCURACY *acc = TS_TST_INFO_get_accuracy (tst);
  GENERAL_NAME *tsa = TS_TST_INFO_get_tsa (tst);
  g_autofree char *serial = asn1_integer_to_hex (TS_TST_INFO_get_serial (tst));
  g_autofree char *nonce = asn1_integer_to_hex (TS_TST_INFO_get_nonce (tst));
  char oid[128] = "";

  if (gen_time)
    {
      g_autofree char *utc = g_date_time_format (gen_time, "%Y-%m-%d %H:%M:%S UTC");
      g_autofree char *raw = g_strndup ((const char *) ASN1_STRING_get0_data (t),
                                        ASN1_STRING_length (t));
      pd_verify_add_check (r, "token.gen-time", subject, PD_CHECK_INFO, raw,
                           _("Stamped at %s."), utc);
    }

  if (policy)
    OBJ_obj2txt (oid, sizeof oid, policy, 1);
  if (g_str_equal (oid, PD_LOCAL_TSA_POLICY_OID))
    pd_verify_add_check (r, "token.policy", subject, PD_CHECK_INFO, oid,
                         _("Policy: the Proofdesk practice policy (no legal value)."));
  else
    pd_verify_add_check (r, "token.policy", subject, PD_CHECK_INFO, oid, _("Policy %s."), oid);

  if (acc)
    {
      const ASN1_INTEGER *s = TS_ACCURACY_get_seconds (acc);
      const ASN1_INTEGER *ms = TS_ACCURACY_get_millis (acc);
      const ASN1_INTEGER *us = TS_ACCURACY_get_micros (acc);
      g_autoptr (GString) text_str = g_string_new ("±");
      g_autofree char *text = NULL;

      if (s)
        g_string_append_printf (text_str, " %ld s", ASN1_INTEGER_get (s));
      if (ms)
        g_string_append_printf (text_str, " %ld ms", ASN1_INTEGER_get (ms));
      if (us)
        g_string_append_printf (text_str, " %ld µs", ASN1_INTEGER_get (us));
      text = g_string_free (g_steal_pointer (&text_str), FALSE);
      pd_verify_add_check (r, "token.accuracy", subject, PD_CHECK_INFO, text, _("Accuracy %s."), text);
    }
  else
    pd_verify_add_check (r, "token.accuracy", subject, PD_CHECK_INFO, NULL,
                         _("The authority states no accuracy."));

  if (tsa)
    {
      g_autoptr (BIO) bio = BIO_new (BIO_s_mem ());
      g_autofree char *text = NULL;

      if (tsa->type == GEN_DIRNAME)
        text = pd_verify_name_to_string (tsa->d.directoryName);
      else
        {
          GENERAL_NAME_print (bio, tsa);
          text = bio_to_string (bio);
        }
      pd_verify_add_check (r, "token.tsa-name", subject, PD_CHECK_INFO, text,
                           _("The authority names itself %s."), text);
    }
  else
    pd_verify_add_check (r, "token.tsa-name", subject, PD_CHECK_INFO, NULL,
                         _("The token does not name the authority."));

  pd_verify_add_check (r, "token.serial", subject, PD_CHECK_INFO, serial, _("Serial number %s."),
                       serial ? serial : "?");
  if (nonce)
    pd_verify_add_check (r, "token.nonce", subject, PD_CHECK_INFO, nonce, _("Nonce %s."), nonce);
  else
    pd_verify_add_check (r, "token.nonce", subject, PD_CHECK_INFO, NULL, _("The token carries no nonce."));
}

/* The imprint equals the data's digest. */
static void
check_imprint (PdVerifyResult *r, const char *subject, ParsedToken *pt, int nid, int data_nid,
               const guint8 *digest, gsize digest_len, TokenOutcome *out)
{
  TS_MSG_IMPRINT *imprint = TS_TST_INFO_get_msg_imprint (pt->tst);
  ASN1_OCTET_STRING *imprint_digest = TS_MSG_IMPRINT_get_msg (imprint);

  if (digest == NULL || data_nid != nid)
    {
      g_autofree char *detail = g_strdup_printf ("token %s, data %s", pd_crypto_policy_digest_name (nid),
                                                 pd_crypto_policy_digest_name (data_nid));
      pd_verify_add_check (r, "token.imprint", subject, PD_CHECK_FAILED, detail,
                           _("The token's digest cannot be compared with the data (different algorithm)."));
    }
  else
    {
      g_autofree char *want = pd_hex_encode (digest, digest_len);
      g_autofree char *got = pd_hex_encode (ASN1_STRING_get0_data (imprint_digest),
                                            ASN1_STRING_length (imprint_digest));
      g_autofree char *detail = g_strdup_printf ("token %s, data %s", got, want);

      if ((gsize) ASN1_STRING_length (imprint_digest) == digest_len &&
          memcmp (ASN1_STRING_get0_data (imprint_digest), digest, digest_len) == 0)
        {
          pd_verify_add_check (r, "token.imprint", subject, PD_CHECK_PASSED, want,
                               _("The token was issued for exactly this data."));
          out->imprint_ok = TRUE;
        }
      else
        pd_verify_add_check (r, "token.imprint", subject, PD_CHECK_FAILED, detail,
                             _("The token was issued for different data: the digests differ."));
    }
}

/* Exactly one signer: a second SignerInfo could carry a different, unverified claim. The
 * signer, or NULL when there is none. */
static PKCS7_SIGNER_INFO *
check_signer_count (PdVerifyResult *r, const char *subject, ParsedToken *pt)
{
  STACK_OF (PKCS7_SIGNER_INFO) *signers = PKCS7_get_signer_info (pt->p7);

  if (sk_PKCS7_SIGNER_INFO_num (signers) != 1)
    {
      g_autofree char *detail = g_strdup_printf ("%d SignerInfos",
                                                 sk_PKCS7_SIGNER_INFO_num (signers));
      pd_verify_add_check (r, "token.signer-count", subject, PD_CHECK_FAILED, detail,
                           _("The token must have exactly one signer; it has %d."),
                           sk_PKCS7_SIGNER_INFO_num (signers));
      if (sk_PKCS7_SIGNER_INFO_num (signers) == 0)
        return NULL;
    }
  else
    pd_verify_add_check (r, "token.signer-count", subject, PD_CHECK_PASSED, NULL,
                         _("The token has exactly one signer."));
  return sk_PKCS7_SIGNER_INFO_value (signers, 0);
}

/* The signer's certificate: in the token, or in a supplied (untrusted) chain; NULL (and a
 * failed check) when it is nowhere. */
static X509 *
check_signer_certificate (PdVerifyResult *r, const char *subject, PKCS7_SIGNER_INFO *si,
                          STACK_OF (X509) *embedded, STACK_OF (X509) *extra,
                          PdTrustStore *trust, char **signer_name)
{
  STACK_OF (X509) *stacks[] = { embedded, extra, trust->untrusted };
  X509 *signer = find_signer (si, stacks, G_N_ELEMENTS (stacks));

  if (signer == NULL)
    {
      g_autofree char *issuer = si->issuer_and_serial
                                  ? pd_verify_name_to_string (si->issuer_and_serial->issuer) : NULL;
      g_autofree char *serial = si->issuer_and_serial
                                  ? asn1_integer_to_hex (si->issuer_and_serial->serial) : NULL;
      g_autofree char *detail = g_strdup_printf ("issuer %s, serial %s", issuer ? issuer : "?",
                                                 serial ? serial : "?");
      pd_verify_add_check (r, "token.signer-certificate", subject, PD_CHECK_FAILED, detail,
                           _("The signer's certificate is neither in the token nor in a supplied chain, so the signature cannot be checked."));
      return NULL;
    }
  *signer_name = pd_verify_name_to_string (X509_get_subject_name (signer));
  pd_verify_add_check (r, "token.signer-certificate", subject, PD_CHECK_PASSED, *signer_name,
                       _("The signer's certificate is present."));
  return signer;
}

/* Every certificate that may help build the chain (none of them trusted). */
static void
collect_untrusted (STACK_OF (X509) *untrusted, STACK_OF (X509) *embedded, STACK_OF (X509) *extra,
                   PdTrustStore *trust)
{
  for (int i = 0; i < sk_X509_num (embedded); i++)
    if (X509_up_ref (sk_X509_value (embedded, i)))
      sk_X509_push (untrusted, sk_X509_value (embedded, i));
  for (int i = 0; extra && i < sk_X509_num (extra); i++)
    if (X509_up_ref (sk_X509_value (extra, i)))
      sk_X509_push (untrusted, sk_X509_value (extra, i));
  for (int i = 0; i < sk_X509_num (trust->untrusted); i++)
    if (X509_up_ref (sk_X509_value (trust->untrusted, i)))
      sk_X509_push (untrusted, sk_X509_value (trust->untrusted, i));
}

  /* CMS signature over the signed attributes, whose message-digest covers the TSTInfo. */
static void
check_signature (PdVerifyResult *r, const char *subject, ParsedToken *pt, PKCS7_SIGNER_INFO *si,
                 X509 *signer)
{
  g_autoptr (BIO) p7bio = PKCS7_dataInit (pt->p7, NULL);
  ASN1_TYPE *ctype = PKCS7_get_signed_attribute (si, NID_pkcs9_contentType);
  char buf[4096];
  int ok = 0;

  if (p7bio != NULL)
    {
      while (BIO_read (p7bio, buf, sizeof buf) > 0)
        ;
      ok = PKCS7_signatureVerify (p7bio, pt->p7, si, signer) > 0;
    }
  if (ok && (ctype == NULL || ctype->type != V_ASN1_OBJECT ||
             OBJ_obj2nid (ctype->value.object) != NID_id_smime_ct_TSTInfo))
    {
      pd_verify_add_check (r, "token.signature", subject, PD_CHECK_FAILED,
                           "content-type attribute is not id-ct-TSTInfo",
                           _("The signature does not cover a timestamp (wrong content type)."));
    }
  else if (ok)
    pd_verify_add_check (r, "token.signature", subject, PD_CHECK_PASSED,
                         OBJ_nid2sn (OBJ_obj2nid (si->digest_alg->algorithm)),
                         _("The authority's signature over the token is valid."));
  else
    {
      g_autofree char *why = pd_verify_ossl_errors ();
      pd_verify_add_check (r, "token.signature", subject, PD_CHECK_FAILED, why,
                           _("The authority's signature does not match the token: it was altered or forged."));
    }
}

  /* ESS signing-certificate (v1 or v2): binds the signature to this very certificate, so a
   * certificate with the same key but other attributes cannot be substituted. */
static void
check_ess_cert_id (PdVerifyResult *r, const char *subject, PKCS7_SIGNER_INFO *si, X509 *signer,
                   STACK_OF (X509) *chain, STACK_OF (X509) *untrusted)
{
  ASN1_TYPE *a1 = PKCS7_get_signed_attribute (si, NID_id_smime_aa_signingCertificate);
  ASN1_TYPE *a2 = PKCS7_get_signed_attribute (si, NID_id_smime_aa_signingCertificateV2);
  g_autoptr (ESS_SIGNING_CERT) ss = NULL;
  g_autoptr (ESS_SIGNING_CERT_V2) ss2 = NULL;
  g_autoptr (PdX509Stack) ess_chain = sk_X509_new_null ();
  int rc;

  if (a1 && a1->type == V_ASN1_SEQUENCE)
    {
      const unsigned char *p = a1->value.sequence->data;
      ss = d2i_ESS_SIGNING_CERT (NULL, &p, a1->value.sequence->length);
    }
  if (a2 && a2->type == V_ASN1_SEQUENCE)
    {
      const unsigned char *p = a2->value.sequence->data;
      ss2 = d2i_ESS_SIGNING_CERT_V2 (NULL, &p, a2->value.sequence->length);
    }
  /* Signer first, then every other certificate that might be listed after it. */
  X509_up_ref (signer);
  sk_X509_push (ess_chain, signer);
  for (int i = 1; chain && i < sk_X509_num (chain); i++)
    if (X509_up_ref (sk_X509_value (chain, i)))
      sk_X509_push (ess_chain, sk_X509_value (chain, i));
  for (int i = 0; i < sk_X509_num (untrusted); i++)
    if (X509_cmp (sk_X509_value (untrusted, i), signer) != 0 &&
        X509_up_ref (sk_X509_value (untrusted, i)))
      sk_X509_push (ess_chain, sk_X509_value (untrusted, i));

  ERR_clear_error ();
  if (ss == NULL && ss2 == NULL)
    pd_verify_add_check (r, "token.ess-cert-id", subject, PD_CHECK_FAILED,
                         (a1 || a2) ? "unparsable signing-certificate attribute"
                                    : "no signing-certificate attribute",
                         _("The signature does not name the signer's certificate (ESS signing certificate missing)."));
  else if ((rc = OSSL_ESS_check_signing_certs (ss, ss2, ess_chain, 1)) == 1)
    pd_verify_add_check (r, "token.ess-cert-id", subject, PD_CHECK_PASSED, ss2 ? "ESS v2" : "ESS v1",
                         _("The signature names exactly this signer certificate."));
  else
    {
      g_autofree char *why = pd_verify_ossl_errors ();
      pd_verify_add_check (r, "token.ess-cert-id", subject, PD_CHECK_FAILED, why,
                           _("The signature names a different certificate than the one presented (ESS certificate id mismatch)."));
    }
}

  /* Signer usage: RFC 3161 §2.3 — the EKU extension MUST be critical and carry id-kp-timeStamping
   * only; a key usage, if present, may only allow signatures. */
static void
check_signer_eku (PdVerifyResult *r, const char *subject, X509 *signer)
{
  int crit = -1;
  EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i (signer, NID_ext_key_usage, &crit, NULL);
  guint32 ku = X509_get_key_usage (signer);
  const char *problem = NULL;

  if (eku == NULL)
    problem = crit == -2 ? "EKU extension repeated" : "no extendedKeyUsage";
  else if (crit != 1)
    problem = "extendedKeyUsage is not critical";
  else if (sk_ASN1_OBJECT_num (eku) != 1 ||
           OBJ_obj2nid (sk_ASN1_OBJECT_value (eku, 0)) != NID_time_stamp)
    problem = "extendedKeyUsage is not exactly id-kp-timeStamping";
  else if (ku != UINT32_MAX &&
           ((ku & ~(KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)) != 0 ||
            (ku & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)) == 0))
    problem = "keyUsage allows more than signing";
  sk_ASN1_OBJECT_pop_free (eku, ASN1_OBJECT_free);
  if (problem == NULL)
    pd_verify_add_check (r, "token.signer-eku", subject, PD_CHECK_PASSED,
                         "critical extendedKeyUsage = timeStamping",
                         _("The signer's certificate is for time-stamping only, as required."));
  else
    pd_verify_add_check (r, "token.signer-eku", subject, PD_CHECK_FAILED, problem,
                         _("The signer's certificate is not a time-stamping certificate (it needs a critical extended key usage of time-stamping only)."));
}

/* The outcome of the checks added since `first`: ok unless one failed for a reason other than
 * trust. */
static void
finish_outcome (PdVerifyResult *r, guint first, GDateTime *gen_time, TokenOutcome *out)
{
  out->ok = TRUE;
  for (guint i = first; i < r->checks->len; i++)
    {
      PdVerifyCheck *check = g_ptr_array_index (r->checks, i);
      if (check->status == PD_CHECK_FAILED && !check->trust_only)
        out->ok = FALSE;
    }
  if (!out->ok)
    out->practice = FALSE;
  out->gen_time = gen_time;
  if (out->practice)
    r->practice = TRUE;
}

/* genTime with its fraction of a second (RFC 3161 §2.4.2 allows any number of digits). */
static gint64
gen_time_usec (ParsedToken *pt, time_t whole)
{
  const ASN1_GENERALIZEDTIME *t = TS_TST_INFO_get_time (pt->tst);
  const char *s = (const char *) ASN1_STRING_get0_data (t);
  int len = ASN1_STRING_length (t);
  gint64 frac = 0, scale = 100000;

  for (int i = 0; i < len; i++)
    if (s[i] == '.')
      {
        for (int j = i + 1; j < len && g_ascii_isdigit (s[j]) && scale > 0; j++, scale /= 10)
          frac += (s[j] - '0') * scale;
        break;
      }
  return (gint64) whole * G_USEC_PER_SEC + frac;
}

static gint64
accuracy_usec (ParsedToken *pt)
{
  TS_ACCURACY *acc = TS_TST_INFO_get_accuracy (pt->tst);
  const ASN1_INTEGER *v;
  gint64 us = 0;

  if (acc == NULL)
    return 0;
  if ((v = TS_ACCURACY_get_seconds (acc)) != NULL)
    us += CLAMP (ASN1_INTEGER_get (v), 0, 86400) * G_USEC_PER_SEC;
  if ((v = TS_ACCURACY_get_millis (acc)) != NULL)
    us += CLAMP (ASN1_INTEGER_get (v), 0, 999) * 1000;
  if ((v = TS_ACCURACY_get_micros (acc)) != NULL)
    us += CLAMP (ASN1_INTEGER_get (v), 0, 999);
  return us;
}

/* token.practice: recognised by what the token and its chain are, not by where they came
 * from, so no --ca, preset or URL makes a practice token count as a real one. */
static void
check_practice (PdVerifyResult *r, const char *subject, PdTrustStore *trust, ParsedToken *pt,
                X509 *signer, STACK_OF (X509) *chain, TokenOutcome *out)
{
  const char *reason = pd_verify_practice_reason (trust, pt->tst, signer, chain);

  if (reason == NULL && !out->practice)
    return;
  out->practice = TRUE;
  pd_verify_add_check (r, "token.practice", subject, PD_CHECK_INFO,
                       reason ? reason : "chains to the practice root",
                       _("Practice authority, no legal value: this token comes from the Proofdesk practice authority."));
}

/* The signer's certificate, signature, algorithms, keys and chain (from token.signer-count
 * on). FALSE when there is no signer to check. */
static gboolean
check_signer (PdVerifyResult *r, const char *subject, ParsedToken *pt, PdTrustStore *trust,
              STACK_OF (X509) *extra, time_t gen_unix, GDateTime *gen_time, char **signer_name,
              TokenOutcome *out)
{
  STACK_OF (X509) *embedded = pt->p7->d.sign->cert;
  g_autoptr (PdX509Stack) untrusted = sk_X509_new_null ();
  g_autoptr (PdChain) chain = NULL;
  PKCS7_SIGNER_INFO *si;
  X509 *signer;

  if ((si = check_signer_count (r, subject, pt)) == NULL)
    return FALSE;
  signer = check_signer_certificate (r, subject, si, embedded, extra, trust, signer_name);
  if (signer == NULL)
    return FALSE;
  collect_untrusted (untrusted, embedded, extra, trust);
  check_signature (r, subject, pt, si, signer);

  chain = pd_verify_chain_build (trust, signer, untrusted, pt->p7->d.sign->crl, gen_unix);
  pd_verify_check_algorithms (r, subject, si, signer, pd_verify_chain_get (chain));
  pd_verify_check_key_strength (r, subject, signer, pd_verify_chain_get (chain));
  check_ess_cert_id (r, subject, si, signer, pd_verify_chain_get (chain), untrusted);
  check_signer_eku (r, subject, signer);
  pd_verify_chain_report (r, subject, trust, chain, gen_time, out);
  pd_verify_chain_report_revocation (r, subject, chain, gen_unix);
  check_practice (r, subject, trust, pt, signer, pd_verify_chain_get (chain), out);
  ERR_clear_error ();
  return TRUE;
}

void
pd_verify_token_check (PdVerifyResult *r, const char *subject, ParsedToken *pt, int data_nid,
                       const guint8 *digest, gsize digest_len, PdTrustStore *trust,
                       STACK_OF (X509) *extra, TokenOutcome *out)
{
  guint first = r->checks->len;
  gboolean has_params = FALSE;
  int nid = pd_verify_token_imprint_nid (pt, &has_params);
  time_t gen_unix = 0;
  g_autoptr (GDateTime) gen_time = NULL;
  g_autofree char *signer_name = NULL;

  ERR_clear_error ();
  pd_verify_check_imprint_algorithm (r, subject, nid, has_params);
  check_imprint (r, subject, pt, nid, data_nid, digest, digest_len, out);

  /* genTime: the instant every certificate is judged at. */
  if (!asn1_time_to_gdatetime (TS_TST_INFO_get_time (pt->tst), &gen_unix, &gen_time))
    {
      pd_verify_add_check (r, "token.gen-time", subject, PD_CHECK_FAILED, NULL,
                           _("The token's time cannot be read."));
      goto out;
    }
  pd_verify_check_gen_time_future (r, subject, pt->tst, gen_unix, time (NULL));
  check_signer (r, subject, pt, trust, extra, gen_unix, gen_time, &signer_name, out);

  token_report_info (r, subject, pt, gen_time);
  if (signer_name)
    pd_verify_add_check (r, "token.signer", subject, PD_CHECK_INFO, signer_name,
                         _("Signed by %s."), signer_name);

out:
  if (gen_time)
    {
      out->gen_usec = gen_time_usec (pt, gen_unix);
      out->accuracy_us = accuracy_usec (pt);
    }
  finish_outcome (r, first, g_steal_pointer (&gen_time), out);
}

/* Parse + check, for a token whose data digest is already known. */
void
pd_verify_token_verify (PdVerifyResult *r, const char *subject, GBytes *tsr, int data_nid,
                        const guint8 *digest, gsize digest_len, PdTrustStore *trust,
                        STACK_OF (X509) *extra, TokenOutcome *out)
{
  g_auto (ParsedToken) pt = { 0 };

  memset (out, 0, sizeof *out);
  if (!pd_verify_token_parse (r, subject, tsr, &pt))
    return;
  pd_verify_token_check (r, subject, &pt, data_nid, digest, digest_len, trust, extra, out);
}

PdVerifyResult *
pd_verify_token_bytes (GBytes *tsr, const char *digest_alg, const guint8 *digest,
                       gsize digest_len, PdTrustStore *trust, GError **error)
{
  g_autoptr (PdVerifyResult) r = NULL;
  g_auto (TokenOutcome) outcome = { 0 };
  const EVP_MD *md;

  g_return_val_if_fail (tsr != NULL, NULL);
  g_return_val_if_fail (digest_alg != NULL, NULL);
  g_return_val_if_fail (digest != NULL, NULL);
  g_return_val_if_fail (trust != NULL, NULL);

  md = EVP_get_digestbyname (digest_alg);
  if (md == NULL || (gsize) EVP_MD_get_size (md) != digest_len)
    {
      g_set_error (error, PD_VERIFY_ERROR, PD_VERIFY_ERROR_FORMAT,
                   _("Unknown digest algorithm “%s” or wrong digest length."), digest_alg);
      return NULL;
    }
  r = pd_verify_result_new ();
  pd_verify_token_verify (r, "token", tsr, EVP_MD_get_type (md), digest, digest_len, trust, NULL, &outcome);
  r->gen_time = g_steal_pointer (&outcome.gen_time);
  pd_verify_result_finish (r);
  return g_steal_pointer (&r);
}
