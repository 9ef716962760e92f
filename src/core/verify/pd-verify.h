/* pd-verify.h — the one strict verifier: file + RFC 3161 token(s) or a package → a verdict with every check named. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "util/pd-types.h"

G_BEGIN_DECLS

typedef enum {
  PD_VERDICT_VALID,               /* every check passed, trusted authority */
  PD_VERDICT_VALID_PRACTICE,      /* every check passed, but the anchor is the practice root */
  PD_VERDICT_UNTRUSTED_AUTHORITY, /* data and signatures intact, no chain to a trusted anchor */
  PD_VERDICT_INVALID,             /* at least one check failed */
  PD_VERDICT_ERROR,               /* the input could not be read (callers map a GError to it) */
  PD_VERDICT_VALID_WITH_GAPS,     /* nothing failed, trusted, but part of the recording's
                                   * real-time proof is missing: named gaps (PD_CHECK_GAP) */
} PdVerdict;

typedef enum {
  PD_CHECK_PASSED,
  PD_CHECK_FAILED,
  PD_CHECK_INFO,
  PD_CHECK_GAP,     /* nothing is wrong, but a span of the recording is not proven in real
                     * time (a checkpoint not stamped, a late stamp, no checkpoints at all) */
} PdCheckStatus;

/* A span of the recording whose real-time proof is weaker than the rest: the bytes are covered
 * by a later token only. Offsets are bytes of the recording; stream times nanoseconds since the
 * start (-1 when unknown). */
typedef struct
{
  char    *kind;            /* "unstamped-checkpoint", "late-stamp", "no-checkpoints",
                             * "final-token-only", "interval-unknown" */
  guint64  from_offset;
  guint64  to_offset;
  gint64   from_stream_ns;
  gint64   to_stream_ns;
  gboolean degrades;        /* TRUE: a gap in the real-time proof (verdict valid-with-gaps);
                             * FALSE: the normal tail after the last checkpoint */
  char    *message;         /* one translated sentence */
} PdVerifySpan;

/* One named check. Owned by its PdVerifyResult; read-only for callers. */
typedef struct
{
  char          *id;         /* stable identifier, e.g. "token.imprint", "file.content" */
  char          *subject;    /* what was checked, e.g. "checkpoints/000003.tsr" */
  PdCheckStatus  status;
  char          *message;    /* one plain, translated sentence */
  char          *detail;     /* technical detail (untranslated), or NULL */
  gboolean       trust_only; /* a failure that only means "authority not trusted" */
} PdVerifyCheck;

typedef void (*PdVerifyProgressFunc) (guint64 done, guint64 total, gpointer user_data);

/* Trust store: the anchors a token's signer must chain to, plus untrusted intermediates.
 * Certificates inside tokens and tsa-chain.pem are only ever used as intermediates (or as the
 * signer's certificate), never as anchors.
 * Not thread-safe while being filled; read-only (and shareable between threads) afterwards. */
#define PD_TYPE_TRUST_STORE (pd_trust_store_get_type ())
GType         pd_trust_store_get_type             (void) G_GNUC_CONST;
PdTrustStore *pd_trust_store_new                  (void);
/* System CAs + configured CA files (every .pem in <data dir>/trusted-tsa) + the practice root. */
PdTrustStore *pd_trust_store_new_default          (GError **error);
PdTrustStore *pd_trust_store_ref                  (PdTrustStore *self);
void          pd_trust_store_unref                (PdTrustStore *self);
gboolean      pd_trust_store_add_system           (PdTrustStore *self, GError **error);
/* Every CA (or self-signed) certificate of a PEM file becomes a trust anchor; every
 * certificate in it also helps build chains and may be the signer's certificate (a token
 * issued without certificates verifies when its TSA certificate is given here). */
gboolean      pd_trust_store_add_ca_file          (PdTrustStore *self, const char *path,
                                                   GError **error);
/* Certificate revocation lists (PEM, or one DER): every chain is then checked against them as
 * of the token's genTime (RFC 3161 §4 for revocations after genTime). */
gboolean      pd_trust_store_add_crl_file         (PdTrustStore *self, const char *path,
                                                   GError **error);
/* Every .pem file in <pd_data_dir()>/trusted-tsa; a missing folder is not an error. */
gboolean      pd_trust_store_add_configured       (PdTrustStore *self, GError **error);
/* The built-in practice TSA's root under pd_data_dir(); absent (never set up) is not an error. */
gboolean      pd_trust_store_add_practice_root    (PdTrustStore *self, GError **error);
/* A practice root from an explicit file: trusted, but verdicts say "practice". */
gboolean      pd_trust_store_add_practice_root_file (PdTrustStore *self, const char *path,
                                                   GError **error);
/* Certificates that may help build a chain (e.g. a TSA chain) but are never anchors. */
gboolean      pd_trust_store_add_untrusted_file   (PdTrustStore *self, const char *path,
                                                   GError **error);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PdTrustStore, pd_trust_store_unref)

/* Result: refcounted, immutable once returned. */
#define PD_TYPE_VERIFY_RESULT (pd_verify_result_get_type ())
GType            pd_verify_result_get_type        (void) G_GNUC_CONST;
PdVerifyResult  *pd_verify_result_ref             (PdVerifyResult *self);
void             pd_verify_result_unref           (PdVerifyResult *self);
PdVerdict        pd_verify_result_get_verdict     (PdVerifyResult *self);
/* Borrowed array of PdVerifyCheck*, in the order the checks were made. */
GPtrArray       *pd_verify_result_get_checks      (PdVerifyResult *self);
/* First check with this id (and subject, unless NULL), or NULL. */
const PdVerifyCheck *pd_verify_result_find_check  (PdVerifyResult *self, const char *id,
                                                   const char *subject);
guint            pd_verify_result_count_failed    (PdVerifyResult *self);
/* When the recording was made, by its verified tokens alone (never the manifest's fields):
 * the start the checkpoint tokens imply and the recording token's genTime. FALSE when the
 * tokens do not say (a single token, or none verified). */
gboolean         pd_verify_result_get_recorded    (PdVerifyResult *self, GDateTime **from,
                                                   GDateTime **to);
/* Borrowed array of PdVerifySpan*: the spans covered only by a later token, in file order. */
GPtrArray       *pd_verify_result_get_spans       (PdVerifyResult *self);
/* One translated sentence saying what the verdict means (with the tamper location if any). */
const char      *pd_verify_result_get_summary     (PdVerifyResult *self);
/* genTime of the main token (the recording's, or the single token's), or NULL. */
GDateTime       *pd_verify_result_get_gen_time    (PdVerifyResult *self);
/* Where a changed recording is still provably intact: TRUE and the last checkpoint whose prefix
 * digest matches and whose token verified; `checkpoint` 0 means "changed before checkpoint 1". */
gboolean         pd_verify_result_get_tamper_location (PdVerifyResult *self,
                                                   guint64 *intact_up_to, guint *checkpoint,
                                                   const char **stream_time);
JsonNode        *pd_verify_result_to_json         (PdVerifyResult *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PdVerifyResult, pd_verify_result_unref)

/* "valid", "valid-practice", "valid-with-gaps", "untrusted-authority", "invalid", "error" */
const char      *pd_verdict_to_string             (PdVerdict verdict);
/* A short translated phrase, e.g. "valid — practice authority, not for court". */
const char      *pd_verdict_describe              (PdVerdict verdict);

/* Checks one DER TimeStampResp (or bare TimeStampToken) against a digest the caller computed
 * with `digest_alg` (an OpenSSL digest name such as "SHA256"). Returns NULL only on bad
 * arguments; a garbage token is a result with a failed "token.format" check. */
PdVerifyResult  *pd_verify_token_bytes            (GBytes *tsr, const char *digest_alg,
                                                   const guint8 *digest, gsize digest_len,
                                                   PdTrustStore *trust, GError **error);

/* `token_path` is a .tsr file, or a certificate.pdf whose attachments carry the tokens.
 * NULL and an error (→ PD_VERDICT_ERROR) when an input cannot be read. */
PdVerifyResult  *pd_verify_token_for_file         (const char *file, const char *token_path,
                                                   PdTrustStore *trust,
                                                   GCancellable *cancellable, GError **error);
void             pd_verify_token_for_file_async   (const char *file, const char *token_path,
                                                   PdTrustStore *trust,
                                                   GCancellable *cancellable,
                                                   GAsyncReadyCallback callback,
                                                   gpointer user_data);
PdVerifyResult  *pd_verify_token_for_file_finish  (GAsyncResult *result, GError **error);

/* `dir` is a package folder (or its manifest.json). The recording is read once, sequentially;
 * `progress` gets bytes done/total over every file read. NULL and an error (→ PD_VERDICT_ERROR)
 * when the folder or its manifest cannot be read at all. */
PdVerifyResult  *pd_verify_package                (const char *dir, PdTrustStore *trust,
                                                   PdVerifyProgressFunc progress,
                                                   gpointer progress_data,
                                                   GCancellable *cancellable, GError **error);
/* As above in a worker thread; `progress` is called in the caller's thread-default main
 * context, always before `callback`. */
void             pd_verify_package_async          (const char *dir, PdTrustStore *trust,
                                                   PdVerifyProgressFunc progress,
                                                   gpointer progress_data,
                                                   GDestroyNotify progress_destroy,
                                                   GCancellable *cancellable,
                                                   GAsyncReadyCallback callback,
                                                   gpointer user_data);
PdVerifyResult  *pd_verify_package_finish         (GAsyncResult *result, GError **error);

G_END_DECLS
