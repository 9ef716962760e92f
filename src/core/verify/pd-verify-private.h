/* pd-verify-private.h — what the files of src/core/verify share: limits, the trust store and
 * result structures, parsed tokens, and the steps one file hands to another. */
#pragma once

#include <openssl/ess.h>
#include <openssl/ts.h>

#include "util/pd-private.h"
#include "verify/pd-verify.h"

#define TOKEN_MAX_SIZE    (4 * 1024 * 1024)
#define PDF_MAX_SIZE      (256 * 1024 * 1024)
#define CHAIN_MAX_SIZE    (1024 * 1024)
#define READ_CHUNK        (1 << 20)

#define TRUSTED_DIRNAME   "trusted-tsa"
#define CERTIFICATE_NAME  "certificate.pdf"
#define MANIFEST_TSR_NAME "manifest.json.tsr"
#define TSA_CHAIN_NAME    "tsa-chain.pem"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ESS_SIGNING_CERT, ESS_SIGNING_CERT_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ESS_SIGNING_CERT_V2, ESS_SIGNING_CERT_V2_free)
struct _PdTrustStore
{
  gatomicrefcount ref;
  X509_STORE     *store;
  STACK_OF (X509) *untrusted;
  STACK_OF (X509) *practice;  /* practice roots; also anchors in `store` */
  STACK_OF (X509_CRL) *crls;  /* revocation lists (--crl), judged as of genTime */
};
struct _PdVerifyResult
{
  gatomicrefcount ref;
  PdVerdict       verdict;
  GPtrArray      *checks;     /* of PdVerifyCheck */
  char           *summary;
  GDateTime      *gen_time;
  gboolean        practice;   /* some token chains to the practice root */
  gboolean        has_tamper;
  guint64         intact_up_to;
  guint           tamper_checkpoint;
  char           *tamper_stream_time;
  char           *tamper_sentence;
  GPtrArray      *spans;      /* of PdVerifySpan */
  gint64          recorded_from_usec; /* the start the checkpoint tokens imply, 0 = unknown */
  gint64          recorded_to_usec;   /* the recording token's genTime, 0 = unknown */
};
typedef struct
{
  TS_RESP     *resp;  /* NULL for a bare TimeStampToken */
  PKCS7       *p7;    /* borrowed from resp, or owned when bare */
  TS_TST_INFO *tst;   /* borrowed from resp, or owned when bare */
} ParsedToken;

static inline void
parsed_token_clear (ParsedToken *pt)
{
  if (pt->resp == NULL)
    {
      PKCS7_free (pt->p7);
      TS_TST_INFO_free (pt->tst);
    }
  TS_RESP_free (pt->resp);
  memset (pt, 0, sizeof *pt);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ParsedToken, parsed_token_clear)

typedef struct
{
  gboolean   ok;        /* no failure other than "authority not trusted" */
  gboolean   imprint_ok; /* the token parsed and its imprint equals the data's digest */
  gboolean   practice;
  GDateTime *gen_time;   /* whole seconds, as every certificate is judged */
  gint64     gen_usec;   /* genTime in microseconds since 1970, with its fraction */
  gint64     accuracy_us; /* the token's stated accuracy, 0 when none */
} TokenOutcome;

static inline void
token_outcome_clear (TokenOutcome *o)
{
  g_clear_pointer (&o->gen_time, g_date_time_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TokenOutcome, token_outcome_clear)
typedef struct
{
  PdVerifyProgressFunc func;
  gpointer             data;
  guint64              done;
  guint64              total;
} Progress;

/* A digest of the prefix bytes [0, offset), taken on the way. */
typedef struct
{
  guint64  offset;
  gpointer owner;
  gboolean reached;
  guint    len;
  guint8   digest[EVP_MAX_MD_SIZE];
} PrefixMark;

/* A token attached to a certificate PDF. */
typedef struct
{
  char  *name;
  GBytes *data;
} NamedToken;

char *pd_verify_ossl_errors (void);

gboolean pd_verify_trust_store_is_practice (PdTrustStore *self, X509 *anchor);

const char *pd_verify_practice_reason (PdTrustStore *self, TS_TST_INFO *tst, X509 *signer,
                                       STACK_OF (X509) *chain);

char *pd_verify_name_to_string (const X509_NAME *name);

gboolean pd_verify_asn1_time_to_unix (const ASN1_TIME *t, time_t *unix_out);

/* pd-verify-chain.c: the signer's chain at genTime, its defects and its revocation status. */
typedef struct _PdChain PdChain;

PdChain *pd_verify_chain_build (PdTrustStore *trust, X509 *signer, STACK_OF (X509) *untrusted,
                                STACK_OF (X509_CRL) *token_crls, time_t gen_unix);
void pd_verify_chain_free (PdChain *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PdChain, pd_verify_chain_free)
/* Borrowed; signer first, as far as it could be built (NULL if it could not be started). */
STACK_OF (X509) *pd_verify_chain_get (PdChain *c);
/* token.certificate-time and token.chain. */
void pd_verify_chain_report (PdVerifyResult *r, const char *subject, PdTrustStore *trust, PdChain *c,
                             GDateTime *gen_time, TokenOutcome *out);
/* token.revocation. */
void pd_verify_chain_report_revocation (PdVerifyResult *r, const char *subject, PdChain *c,
                                        time_t gen_unix);

/* pd-crypto-policy.c: the one table of accepted algorithms and keys, and the checks built on
 * it (token.imprint-algorithm, token.weak-algorithm, token.key-strength,
 * token.gen-time-future). */
#define PD_VERIFY_CLOCK_SKEW_S    120   /* allowed difference between the TSA's clock and ours */
#define PD_VERIFY_ACCURACY_MAX_S  3600  /* a larger stated accuracy counts as this much */

gboolean pd_crypto_policy_digest_accepted (int nid);

const char *pd_crypto_policy_digest_name (int nid);

void pd_verify_check_imprint_algorithm (PdVerifyResult *r, const char *subject, int nid,
                                        gboolean has_params);

void pd_verify_check_algorithms (PdVerifyResult *r, const char *subject, PKCS7_SIGNER_INFO *si,
                                 X509 *signer, STACK_OF (X509) *chain);

void pd_verify_check_key_strength (PdVerifyResult *r, const char *subject, X509 *signer,
                                   STACK_OF (X509) *chain);

void pd_verify_check_gen_time_future (PdVerifyResult *r, const char *subject, TS_TST_INFO *tst,
                                      time_t gen_unix, time_t now);

PdVerifyResult *pd_verify_result_new (void);

/* One named check; the format is the sentence a person reads. */
PdVerifyCheck *pd_verify_add_check (PdVerifyResult *r, const char *id, const char *subject, PdCheckStatus status,
                                    const char *detail, const char *format, ...) G_GNUC_PRINTF (6, 7);

void pd_verify_result_finish (PdVerifyResult *r);

/* Records a span covered only by a later token; `degrades` spans also add a PD_CHECK_GAP check
 * (id `id`) so that the verdict becomes valid-with-gaps. */
PdVerifySpan *pd_verify_add_span (PdVerifyResult *r, const char *id, const char *kind, gboolean degrades,
                                  guint64 from_offset, guint64 to_offset, gint64 from_stream_ns,
                                  gint64 to_stream_ns, const char *detail, const char *format, ...)
  G_GNUC_PRINTF (10, 11);

gboolean pd_verify_token_parse (PdVerifyResult *r, const char *subject, GBytes *tsr, ParsedToken *pt);

int pd_verify_token_imprint_nid (ParsedToken *pt, gboolean *has_params);

void pd_verify_token_check (PdVerifyResult *r, const char *subject, ParsedToken *pt, int data_nid,
                            const guint8 *digest, gsize digest_len, PdTrustStore *trust,
                            STACK_OF (X509) *extra, TokenOutcome *out);

void pd_verify_token_verify (PdVerifyResult *r, const char *subject, GBytes *tsr, int data_nid,
                             const guint8 *digest, gsize digest_len, PdTrustStore *trust,
                             STACK_OF (X509) *extra, TokenOutcome *out);

/* Reads `fd` to its end, or to `limit` bytes (G_MAXUINT64: no limit). */
gboolean pd_verify_digest_fd (int fd, const EVP_MD *md, PrefixMark *marks, guint n_marks, Progress *progress,
                              GCancellable *cancellable, guint64 limit, guint8 *digest_out, guint *digest_len,
                              guint64 *size_out, const char *name, GError **error);

GPtrArray *pd_verify_pdf_tokens (const char *path, GError **error);
