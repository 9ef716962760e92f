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
/* A certificate valid [now + not_before_s, now + not_after_s], issued by `issuer` (NULL:
 * self-signed with `key`). */
X509     *pd_test_cert_new      (const char *cn, EVP_PKEY *key, X509 *issuer,
                                 EVP_PKEY *issuer_key, gint64 not_before_s, gint64 not_after_s,
                                 PdTestCertKind kind);
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
} PdTestTokenOptions;

/* A DER TimeStampResp built by hand with PKCS7 primitives, so that it can be wrong in any one
 * way. The TSTInfo is a normal one (policy 1.2.3.4.1, accuracy 1 s, TSA name = signer). */
GBytes   *pd_test_token_forge   (const PdTestTokenOptions *options, X509 *signer, EVP_PKEY *key);

/* A DER TimeStampResp made by OpenSSL's own responder (TS_RESP_CTX) over a SHA-256 digest,
 * with genTime faked through TS_RESP_CTX_set_time_cb. */
GBytes   *pd_test_token_respond (const guint8 *sha256, gint64 gen_time, X509 *signer,
                                 EVP_PKEY *key, X509 *chain_cert, gboolean ess_v2);

/* SHA-256 of a buffer into `out` (32 bytes). */
void      pd_test_sha256        (const void *data, gsize len, guint8 *out);

G_END_DECLS
