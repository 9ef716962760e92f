/* pd-test-tokens.h — a throwaway PKI and an RFC 3161 token forge for the verifier's tests. */
#pragma once

#include <glib.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

G_BEGIN_DECLS

typedef enum {
  PD_TEST_CERT_CA,                /* basicConstraints CA:TRUE, keyCertSign */
  PD_TEST_CERT_TSA,               /* critical EKU timeStamping only, digitalSignature */
  PD_TEST_CERT_TSA_EKU_NONCRITICAL,
  PD_TEST_CERT_TSA_EKU_EXTRA,     /* critical EKU timeStamping + serverAuth */
} PdTestCertKind;

/* An EC P-256 key. */
EVP_PKEY *pd_test_key_new       (void);
/* An RSA key of `bits` bits (512, 1024, 2048…). */
EVP_PKEY *pd_test_rsa_key_new   (guint bits);
/* An EC key on a named curve ("P-384", "P-521", "secp256k1"…). */
EVP_PKEY *pd_test_ec_key_new    (const char *curve);
/* A certificate valid [now + not_before_s, now + not_after_s], issued by `issuer` (NULL:
 * self-signed with `key`). */
X509     *pd_test_cert_new      (const char *cn, EVP_PKEY *key, X509 *issuer,
                                 EVP_PKEY *issuer_key, gint64 not_before_s, gint64 not_after_s,
                                 PdTestCertKind kind);

/* Everything pd_test_cert_new sets, and what a policy test needs to get wrong. */
typedef struct
{
  const char     *cn;
  const char     *org;                /* NULL: "Proofdesk tests" */
  EVP_PKEY       *key;
  X509           *issuer;             /* NULL: self-signed with `key` */
  EVP_PKEY       *issuer_key;
  gint64          not_before_s;       /* relative to now */
  gint64          not_after_s;
  PdTestCertKind  kind;
  const EVP_MD   *md;                 /* the certificate's signature digest; NULL: SHA-256 */
  const char     *basic_constraints;  /* replaces the kind's, e.g. "critical,CA:TRUE,pathlen:0" */
  const char     *key_usage;          /* replaces the kind's, e.g. "critical,digitalSignature" */
  gboolean        akid;               /* authorityKeyIdentifier from the issuer's key id */
} PdTestCertOptions;

X509     *pd_test_cert_new_full (const PdTestCertOptions *options);
void      pd_test_write_cert    (const char *path, X509 *cert, X509 *second);
void      pd_test_write_key     (const char *path, EVP_PKEY *key);

typedef struct
{
  int          imprint_nid;       /* 0: NID_sha256 */
  const guint8 *digest;           /* imprint bytes (of imprint_nid) */
  gsize        digest_len;
  gint64       gen_time;          /* unix seconds; 0: now */
  gboolean     no_certs;          /* embed no certificate */
  X509        *extra_cert;        /* embed this one too (e.g. the CA) */
  gboolean     ess_v2;            /* signingCertificateV2 (SHA-256) instead of v1 (SHA-1) */
  gboolean     no_ess;
  X509        *ess_cert;          /* name this certificate in ESS instead of the signer */
  gboolean     two_signers;
  gboolean     corrupt_signature;
  long         status;            /* PKIStatus; non-granted responses carry no token */
  gboolean     with_nonce;
  const EVP_MD *signer_md;        /* the CMS signer digest; NULL: SHA-256 */
  const char   *policy;           /* TSTInfo policy OID; NULL: 1.2.3.4.1 */
  X509_CRL     *crl;              /* carried in the SignedData's crls */
} PdTestTokenOptions;

/* A DER TimeStampResp built by hand with PKCS7 primitives, so that it can be wrong in any one
 * way. The TSTInfo is a normal one (policy 1.2.3.4.1, accuracy 1 s, TSA name = signer). */
GBytes   *pd_test_token_forge   (const PdTestTokenOptions *options, X509 *signer, EVP_PKEY *key);

/* A DER TimeStampResp made by OpenSSL's own responder (TS_RESP_CTX) over a SHA-256 digest,
 * with genTime faked through TS_RESP_CTX_set_time_cb. */
GBytes   *pd_test_token_respond (const guint8 *sha256, gint64 gen_time, X509 *signer,
                                 EVP_PKEY *key, X509 *chain_cert, gboolean ess_v2);

/* A CRL issued by `issuer` (this update now + this_update_s, next update now + next_update_s)
 * revoking `revoked` (NULL: none) at unix time `revoked_at` with CRLReason `reason` (-1: no
 * reason extension). */
X509_CRL *pd_test_crl_new       (X509 *issuer, EVP_PKEY *issuer_key, X509 *revoked,
                                 gint64 revoked_at, int reason, gint64 this_update_s,
                                 gint64 next_update_s);
void      pd_test_write_crl     (const char *path, X509_CRL *crl);

/* SHA-256 of a buffer into `out` (32 bytes). */
void      pd_test_sha256        (const void *data, gsize len, guint8 *out);

G_END_DECLS
