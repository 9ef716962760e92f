/* pd-test-tokens.c — a throwaway PKI and an RFC 3161 token forge for the verifier's tests. */
#include "config.h"

#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/ess.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/ts.h>
#include <openssl/x509v3.h>

#include "pd-test-tokens.h"

EVP_PKEY *
pd_test_key_new (void)
{
  EVP_PKEY *key = EVP_EC_gen ("P-256");

  g_assert_nonnull (key);
  return key;
}

EVP_PKEY *
pd_test_rsa_key_new (guint bits)
{
  EVP_PKEY *key = EVP_RSA_gen (bits);

  g_assert_nonnull (key);
  return key;
}

EVP_PKEY *
pd_test_ec_key_new (const char *curve)
{
  EVP_PKEY *key = EVP_EC_gen (curve);

  g_assert_nonnull (key);
  return key;
}

static void
add_ext (X509 *cert, X509 *issuer, int nid, const char *value)
{
  X509V3_CTX ctx;
  X509_EXTENSION *ext;

  X509V3_set_ctx (&ctx, issuer ? issuer : cert, cert, NULL, NULL, 0);
  ext = X509V3_EXT_conf_nid (NULL, &ctx, nid, value);
  g_assert_nonnull (ext);
  g_assert_true (X509_add_ext (cert, ext, -1));
  X509_EXTENSION_free (ext);
}

/* The extensions of a kind: basicConstraints, keyUsage, extendedKeyUsage (NULL: none). */
static void
kind_extensions (PdTestCertKind kind, const char **bc, const char **ku, const char **eku)
{
  *bc = "critical,CA:FALSE";
  *ku = "critical,digitalSignature";
  switch (kind)
    {
    case PD_TEST_CERT_CA:
      *bc = "critical,CA:TRUE";
      *ku = "critical,keyCertSign,cRLSign";
      *eku = NULL;
      break;
    case PD_TEST_CERT_TSA:
      *eku = "critical,timeStamping";
      break;
    case PD_TEST_CERT_TSA_EKU_NONCRITICAL:
      *eku = "timeStamping";
      break;
    case PD_TEST_CERT_TSA_EKU_EXTRA:
      *eku = "critical,timeStamping,serverAuth";
      break;
    default:
      g_assert_not_reached ();
    }
}

X509 *
pd_test_cert_new_full (const PdTestCertOptions *o)
{
  static gint serial = 1000;
  X509 *cert = X509_new ();
  X509_NAME *name = X509_NAME_new ();
  const char *bc, *ku, *eku = NULL;

  g_assert_true (X509_set_version (cert, X509_VERSION_3));
  ASN1_INTEGER_set (X509_get_serialNumber (cert), g_atomic_int_add (&serial, 1) + 1);
  X509_NAME_add_entry_by_txt (name, "O", MBSTRING_UTF8,
                              (const guchar *) (o->org ? o->org : "Proofdesk tests"), -1, -1, 0);
  X509_NAME_add_entry_by_txt (name, "CN", MBSTRING_UTF8, (const guchar *) o->cn, -1, -1, 0);
  X509_set_subject_name (cert, name);
  X509_set_issuer_name (cert, o->issuer ? X509_get_subject_name (o->issuer) : name);
  X509_NAME_free (name);
  X509_gmtime_adj (X509_getm_notBefore (cert), (long) o->not_before_s);
  X509_gmtime_adj (X509_getm_notAfter (cert), (long) o->not_after_s);
  X509_set_pubkey (cert, o->key);

  kind_extensions (o->kind, &bc, &ku, &eku);
  add_ext (cert, o->issuer, NID_basic_constraints, o->basic_constraints ? o->basic_constraints : bc);
  add_ext (cert, o->issuer, NID_key_usage, o->key_usage ? o->key_usage : ku);
  if (eku)
    add_ext (cert, o->issuer, NID_ext_key_usage, eku);
  if (o->kind == PD_TEST_CERT_CA)
    add_ext (cert, o->issuer, NID_subject_key_identifier, "hash");
  if (o->akid)
    add_ext (cert, o->issuer, NID_authority_key_identifier, "keyid:always");
  g_assert_true (X509_sign (cert, o->issuer_key ? o->issuer_key : o->key,
                            o->md ? o->md : EVP_sha256 ()) > 0);
  return cert;
}

X509 *
pd_test_cert_new (const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key,
                  gint64 not_before_s, gint64 not_after_s, PdTestCertKind kind)
{
  PdTestCertOptions o = {
    .cn = cn, .key = key, .issuer = issuer, .issuer_key = issuer_key,
    .not_before_s = not_before_s, .not_after_s = not_after_s, .kind = kind,
  };

  return pd_test_cert_new_full (&o);
}

X509_CRL *
pd_test_crl_new (X509 *issuer, EVP_PKEY *issuer_key, X509 *revoked, gint64 revoked_at,
                 int reason, gint64 this_update_s, gint64 next_update_s)
{
  X509_CRL *crl = X509_CRL_new ();
  ASN1_TIME *t = ASN1_TIME_new ();

  g_assert_true (X509_CRL_set_version (crl, X509_CRL_VERSION_2));
  g_assert_true (X509_CRL_set_issuer_name (crl, X509_get_subject_name (issuer)));
  X509_gmtime_adj (t, (long) this_update_s);
  g_assert_true (X509_CRL_set1_lastUpdate (crl, t));
  X509_gmtime_adj (t, (long) next_update_s);
  g_assert_true (X509_CRL_set1_nextUpdate (crl, t));
  if (revoked)
    {
      X509_REVOKED *rev = X509_REVOKED_new ();

      g_assert_true (X509_REVOKED_set_serialNumber (rev, X509_get_serialNumber (revoked)));
      ASN1_TIME_set (t, (time_t) revoked_at);
      g_assert_true (X509_REVOKED_set_revocationDate (rev, t));
      if (reason >= 0)
        {
          ASN1_ENUMERATED *e = ASN1_ENUMERATED_new ();

          ASN1_ENUMERATED_set (e, reason);
          g_assert_true (X509_REVOKED_add1_ext_i2d (rev, NID_crl_reason, e, 0, 0));
          ASN1_ENUMERATED_free (e);
        }
      g_assert_true (X509_CRL_add0_revoked (crl, rev));
    }
  ASN1_TIME_free (t);
  g_assert_true (X509_CRL_sort (crl));
  g_assert_true (X509_CRL_sign (crl, issuer_key, EVP_sha256 ()) > 0);
  return crl;
}

void
pd_test_write_crl (const char *path, X509_CRL *crl)
{
  BIO *bio = BIO_new_file (path, "w");

  g_assert_nonnull (bio);
  g_assert_true (PEM_write_bio_X509_CRL (bio, crl));
  BIO_free (bio);
}

void
pd_test_write_cert (const char *path, X509 *cert, X509 *second)
{
  BIO *bio = BIO_new_file (path, "w");

  g_assert_nonnull (bio);
  g_assert_true (PEM_write_bio_X509 (bio, cert));
  if (second)
    g_assert_true (PEM_write_bio_X509 (bio, second));
  BIO_free (bio);
}

void
pd_test_write_key (const char *path, EVP_PKEY *key)
{
  BIO *bio = BIO_new_file (path, "w");

  g_assert_nonnull (bio);
  g_assert_true (PEM_write_bio_PrivateKey (bio, key, NULL, NULL, 0, NULL, NULL));
  BIO_free (bio);
}

void
pd_test_sha256 (const void *data, gsize len, guint8 *out)
{
  unsigned int n = 0;

  g_assert_true (EVP_Digest (data, len, out, &n, EVP_sha256 (), NULL));
  g_assert_cmpuint (n, ==, 32);
}

static GBytes *
resp_to_bytes (TS_RESP *resp)
{
  unsigned char *der = NULL;
  int len = i2d_TS_RESP (resp, &der);
  GBytes *bytes;

  g_assert_cmpint (len, >, 0);
  bytes = g_bytes_new (der, (gsize) len);
  OPENSSL_free (der);
  return bytes;
}

static void
add_ess (PKCS7_SIGNER_INFO *si, X509 *cert, gboolean v2)
{
  ASN1_STRING *seq = ASN1_STRING_new ();
  unsigned char *der = NULL;
  int len;

  if (v2)
    {
      ESS_SIGNING_CERT_V2 *sc = OSSL_ESS_signing_cert_v2_new_init (EVP_sha256 (), cert, NULL, 0);
      len = i2d_ESS_SIGNING_CERT_V2 (sc, &der);
      ESS_SIGNING_CERT_V2_free (sc);
    }
  else
    {
      ESS_SIGNING_CERT *sc = OSSL_ESS_signing_cert_new_init (cert, NULL, 0);
      len = i2d_ESS_SIGNING_CERT (sc, &der);
      ESS_SIGNING_CERT_free (sc);
    }
  g_assert_cmpint (len, >, 0);
  ASN1_STRING_set (seq, der, len);
  OPENSSL_free (der);
  g_assert_true (PKCS7_add_signed_attribute (si, v2 ? NID_id_smime_aa_signingCertificateV2
                                                    : NID_id_smime_aa_signingCertificate,
                                             V_ASN1_SEQUENCE, seq));
}

static PKCS7_SIGNER_INFO *
add_signer (PKCS7 *p7, const PdTestTokenOptions *o, X509 *signer, EVP_PKEY *key)
{
  PKCS7_SIGNER_INFO *si = PKCS7_add_signature (p7, signer, key,
                                               o->signer_md ? o->signer_md : EVP_sha256 ());

  g_assert_nonnull (si);
  g_assert_true (PKCS7_add_signed_attribute (si, NID_pkcs9_contentType, V_ASN1_OBJECT,
                                             OBJ_nid2obj (NID_id_smime_ct_TSTInfo)));
  if (!o->no_ess)
    add_ess (si, o->ess_cert ? o->ess_cert : signer, o->ess_v2);
  return si;
}

/* The TSTInfo of a forged token: policy, imprint, serial, nonce, genTime, accuracy 1 s, TSA
 * name = the signer. */
static TS_TST_INFO *
forge_tst_info (const PdTestTokenOptions *o, X509 *signer)
{
  static gint serial = 1;
  int nid = o->imprint_nid ? o->imprint_nid : NID_sha256;
  TS_TST_INFO *tst;
  TS_MSG_IMPRINT *mi;
  X509_ALGOR *alg;
  ASN1_OBJECT *policy;
  ASN1_INTEGER *num;
  ASN1_GENERALIZEDTIME *t;
  TS_ACCURACY *acc;
  GENERAL_NAME *gn;

  tst = TS_TST_INFO_new ();
  TS_TST_INFO_set_version (tst, 1);
  policy = OBJ_txt2obj (o->policy ? o->policy : "1.2.3.4.1", 1);
  TS_TST_INFO_set_policy_id (tst, policy);
  ASN1_OBJECT_free (policy);

  mi = TS_MSG_IMPRINT_new ();
  alg = X509_ALGOR_new ();
  X509_ALGOR_set0 (alg, OBJ_nid2obj (nid), V_ASN1_NULL, NULL);
  TS_MSG_IMPRINT_set_algo (mi, alg);
  X509_ALGOR_free (alg);
  TS_MSG_IMPRINT_set_msg (mi, (unsigned char *) o->digest, (int) o->digest_len);
  TS_TST_INFO_set_msg_imprint (tst, mi);
  TS_MSG_IMPRINT_free (mi);

  num = ASN1_INTEGER_new ();
  ASN1_INTEGER_set (num, g_atomic_int_add (&serial, 1));
  TS_TST_INFO_set_serial (tst, num);
  if (o->with_nonce)
    {
      ASN1_INTEGER_set (num, 0x1234567);
      TS_TST_INFO_set_nonce (tst, num);
    }
  ASN1_INTEGER_free (num);

  t = ASN1_GENERALIZEDTIME_set (NULL, o->gen_time ? (time_t) o->gen_time : time (NULL));
  TS_TST_INFO_set_time (tst, t);
  ASN1_GENERALIZEDTIME_free (t);

  acc = TS_ACCURACY_new ();
  num = ASN1_INTEGER_new ();
  ASN1_INTEGER_set (num, 1);
  TS_ACCURACY_set_seconds (acc, num);
  ASN1_INTEGER_free (num);
  TS_TST_INFO_set_accuracy (tst, acc);
  TS_ACCURACY_free (acc);

  gn = GENERAL_NAME_new ();
  gn->type = GEN_DIRNAME;
  gn->d.directoryName = X509_NAME_dup (X509_get_subject_name (signer));
  TS_TST_INFO_set_tsa (tst, gn);
  GENERAL_NAME_free (gn);

  return tst;
}

GBytes *
pd_test_token_forge (const PdTestTokenOptions *o, X509 *signer, EVP_PKEY *key)
{
  TS_RESP *resp = TS_RESP_new ();
  TS_STATUS_INFO *status = TS_STATUS_INFO_new ();
  TS_TST_INFO *tst;
  PKCS7 *p7, *inner;
  PKCS7_SIGNER_INFO *si;
  BIO *bio;
  GBytes *bytes;

  TS_STATUS_INFO_set_status (status, (int) o->status);
  TS_RESP_set_status_info (resp, status);
  TS_STATUS_INFO_free (status);
  if (o->status != 0 && o->status != 1)
    {
      bytes = resp_to_bytes (resp);
      TS_RESP_free (resp);
      return bytes;
    }
  tst = forge_tst_info (o, signer);

  /* SignedData with eContentType id-ct-TSTInfo, as ts_rsp_sign.c builds it. */
  p7 = PKCS7_new ();
  g_assert_true (PKCS7_set_type (p7, NID_pkcs7_signed));
  ASN1_INTEGER_set (p7->d.sign->version, 3);
  if (!o->no_certs)
    {
      PKCS7_add_certificate (p7, signer);
      if (o->extra_cert)
        PKCS7_add_certificate (p7, o->extra_cert);
    }
  if (o->crl)
    g_assert_true (PKCS7_add_crl (p7, o->crl));
  si = add_signer (p7, o, signer, key);
  if (o->two_signers)
    add_signer (p7, o, signer, key);
  inner = PKCS7_new ();
  inner->type = OBJ_nid2obj (NID_id_smime_ct_TSTInfo);
  inner->d.other = ASN1_TYPE_new ();
  ASN1_TYPE_set (inner->d.other, V_ASN1_OCTET_STRING, ASN1_OCTET_STRING_new ());
  g_assert_true (PKCS7_set_content (p7, inner));
  bio = PKCS7_dataInit (p7, NULL);
  g_assert_nonnull (bio);
  g_assert_true (i2d_TS_TST_INFO_bio (bio, tst));
  g_assert_true (PKCS7_dataFinal (p7, bio));
  BIO_free_all (bio);

  if (o->corrupt_signature)
    {
      /* Flip a bit inside the signature value (past the DER header of the ECDSA SEQUENCE). */
      ASN1_OCTET_STRING *sig = si->enc_digest;
      g_assert_cmpint (sig->length, >, 20);
      sig->data[sig->length - 5] ^= 0x01;
    }

  TS_RESP_set_tst_info (resp, p7, tst);
  bytes = resp_to_bytes (resp);
  TS_RESP_free (resp);
  ERR_clear_error ();
  return bytes;
}

static int
fake_time_cb (TS_RESP_CTX *ctx, void *data, long *sec, long *usec)
{
  *sec = (long) *(gint64 *) data;
  *usec = 0;
  return 1;
}

GBytes *
pd_test_token_respond (const guint8 *sha256, gint64 gen_time, X509 *signer, EVP_PKEY *key,
                       X509 *chain_cert, gboolean ess_v2)
{
  TS_RESP_CTX *ctx = TS_RESP_CTX_new ();
  TS_REQ *req = TS_REQ_new ();
  TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new ();
  X509_ALGOR *alg = X509_ALGOR_new ();
  ASN1_OBJECT *policy = OBJ_txt2obj ("1.2.3.4.1", 1);
  ASN1_INTEGER *nonce = ASN1_INTEGER_new ();
  BIO *req_bio = BIO_new (BIO_s_mem ());
  STACK_OF (X509) *certs = sk_X509_new_null ();
  TS_RESP *resp;
  GBytes *bytes;

  X509_ALGOR_set_md (alg, EVP_sha256 ());
  TS_MSG_IMPRINT_set_algo (mi, alg);
  TS_MSG_IMPRINT_set_msg (mi, (unsigned char *) sha256, 32);
  TS_REQ_set_version (req, 1);
  TS_REQ_set_msg_imprint (req, mi);
  TS_REQ_set_cert_req (req, 1);
  ASN1_INTEGER_set (nonce, 424242);
  TS_REQ_set_nonce (req, nonce);
  g_assert_true (i2d_TS_REQ_bio (req_bio, req));

  g_assert_true (TS_RESP_CTX_set_signer_cert (ctx, signer));
  g_assert_true (TS_RESP_CTX_set_signer_key (ctx, key));
  if (chain_cert)
    {
      sk_X509_push (certs, chain_cert);
      TS_RESP_CTX_set_certs (ctx, certs);
    }
  TS_RESP_CTX_set_def_policy (ctx, policy);
  TS_RESP_CTX_add_md (ctx, EVP_sha256 ());
  TS_RESP_CTX_set_accuracy (ctx, 1, 0, 0);
  TS_RESP_CTX_set_time_cb (ctx, fake_time_cb, &gen_time);
  if (ess_v2)
    TS_RESP_CTX_set_ess_cert_id_digest (ctx, EVP_sha256 ());
  resp = TS_RESP_create_response (ctx, req_bio);
  g_assert_nonnull (resp);
  g_assert_cmpint (ASN1_INTEGER_get (TS_STATUS_INFO_get0_status (TS_RESP_get_status_info (resp))),
                   ==, 0);
  bytes = resp_to_bytes (resp);

  TS_RESP_free (resp);
  sk_X509_free (certs);
  BIO_free (req_bio);
  ASN1_INTEGER_free (nonce);
  ASN1_OBJECT_free (policy);
  X509_ALGOR_free (alg);
  TS_MSG_IMPRINT_free (mi);
  TS_REQ_free (req);
  TS_RESP_CTX_free (ctx);
  ERR_clear_error ();
  return bytes;
}
