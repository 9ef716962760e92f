/* pd-verify-chain.c — a token signer's certificate chain judged at genTime: defects, trust, revocation. */
#define G_LOG_DOMAIN "pd-verify"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <string.h>
#include <time.h>

#include "util/pd-private.h"
#include "verify/pd-verify.h"
#include "verify/pd-verify-private.h"

/* ------------------------------------------------------------------------------------------ */
/* Building                                                                                   */

typedef struct
{
  int   error;
  int   depth;
  char *subject;
} ChainError;

struct _PdChain
{
  STACK_OF (X509)     *chain;   /* as far as it could be built: signer first */
  STACK_OF (X509_CRL) *crls;    /* trust store's and token's; empty: revocation not checked */
  GArray              *errors;  /* of ChainError, every defect OpenSSL reported */
  gboolean             ok;
};

static void
chain_error_clear (ChainError *e)
{
  g_free (e->subject);
}

void
pd_verify_chain_free (PdChain *c)
{
  sk_X509_pop_free (c->chain, X509_free);
  sk_X509_CRL_pop_free (c->crls, X509_CRL_free);
  g_array_unref (c->errors);
  g_free (c);
}

STACK_OF (X509) *
pd_verify_chain_get (PdChain *c)
{
  return c->chain;
}

static int
chain_verify_cb (int ok, X509_STORE_CTX *ctx)
{
  GArray *errors = X509_STORE_CTX_get_app_data (ctx);
  ChainError e = { 0 };
  X509 *cert;

  if (ok)
    return ok;
  e.error = X509_STORE_CTX_get_error (ctx);
  e.depth = X509_STORE_CTX_get_error_depth (ctx);
  /* The signer's EKU/KU is its own check (token.signer-eku); do not report it twice. */
  if (e.error == X509_V_ERR_INVALID_PURPOSE && e.depth == 0)
    return 1;
  for (guint i = 0; i < errors->len; i++)
    if (g_array_index (errors, ChainError, i).error == e.error &&
        g_array_index (errors, ChainError, i).depth == e.depth)
      return 1;
  cert = X509_STORE_CTX_get_current_cert (ctx);
  e.subject = cert ? pd_verify_name_to_string (X509_get_subject_name (cert)) : g_strdup ("?");
  g_array_append_val (errors, e);
  /* Go on, so that every problem is recorded; any recorded error fails a check. */
  return 1;
}

/* Only these mean "no path to an anchor we trust". An authority key identifier naming a key
 * no certificate we have carries is one of them: it may be a forgery under a look-alike name,
 * or a CA's new key after a rollover, and only the authority's own root can tell. Everything else — a non-CA issuer, a bad
 * signature, a path length or key usage violation — is a broken chain (tests/core/verify/
 * test-verify-crypto.c has one case each). */
static gboolean
chain_error_is_trust (int error)
{
  switch (error)
    {
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_CERT_UNTRUSTED:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
      return TRUE;
    default:
      return FALSE;
    }
}

static gboolean
chain_error_is_time (int error)
{
  return error == X509_V_ERR_CERT_NOT_YET_VALID || error == X509_V_ERR_CERT_HAS_EXPIRED;
}

/* Reported as token.revocation, never as token.chain. */
static gboolean
chain_error_is_revocation (int error)
{
  switch (error)
    {
    case X509_V_ERR_CERT_REVOKED:
    case X509_V_ERR_UNABLE_TO_GET_CRL:
    case X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER:
    case X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE:
    case X509_V_ERR_CRL_SIGNATURE_FAILURE:
    case X509_V_ERR_CRL_NOT_YET_VALID:
    case X509_V_ERR_CRL_HAS_EXPIRED:
    case X509_V_ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD:
    case X509_V_ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD:
    case X509_V_ERR_KEYUSAGE_NO_CRL_SIGN:
    case X509_V_ERR_DIFFERENT_CRL_SCOPE:
    case X509_V_ERR_UNHANDLED_CRITICAL_CRL_EXTENSION:
    case X509_V_ERR_CRL_PATH_VALIDATION_ERROR:
      return TRUE;
    default:
      return FALSE;
    }
}

static void
push_crls (STACK_OF (X509_CRL) *to, STACK_OF (X509_CRL) *from)
{
  for (int i = 0; from && i < sk_X509_CRL_num (from); i++)
    if (X509_CRL_up_ref (sk_X509_CRL_value (from, i)))
      sk_X509_CRL_push (to, sk_X509_CRL_value (from, i));
}

/* The chain as of genTime, with every defect collected. With CRLs (the trust store's or the
 * token's own), every certificate of the chain is checked against them. */
PdChain *
pd_verify_chain_build (PdTrustStore *trust, X509 *signer, STACK_OF (X509) *untrusted,
                       STACK_OF (X509_CRL) *token_crls, time_t gen_unix)
{
  g_autoptr (X509_STORE_CTX) store_ctx = X509_STORE_CTX_new ();
  PdChain *c = g_new0 (PdChain, 1);

  c->errors = g_array_new (FALSE, TRUE, sizeof (ChainError));
  g_array_set_clear_func (c->errors, (GDestroyNotify) chain_error_clear);
  c->crls = sk_X509_CRL_new_null ();
  push_crls (c->crls, trust->crls);
  push_crls (c->crls, token_crls);

  if (store_ctx == NULL || X509_STORE_CTX_init (store_ctx, trust->store, signer, untrusted) != 1)
    return c;
  X509_STORE_CTX_set_time (store_ctx, 0, gen_unix);
  X509_STORE_CTX_set_purpose (store_ctx, X509_PURPOSE_TIMESTAMP_SIGN);
  X509_STORE_CTX_set_app_data (store_ctx, c->errors);
  X509_STORE_CTX_set_verify_cb (store_ctx, chain_verify_cb);
  if (sk_X509_CRL_num (c->crls) > 0)
    {
      X509_STORE_CTX_set0_crls (store_ctx, c->crls);
      X509_STORE_CTX_set_flags (store_ctx, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
    }
  c->ok = X509_verify_cert (store_ctx) == 1;
  c->chain = X509_STORE_CTX_get1_chain (store_ctx);
  return c;
}

/* ------------------------------------------------------------------------------------------ */
/* Chain report                                                                               */

/* Validity at genTime (token.certificate-time), then the chain itself (token.chain): broken,
 * untrusted (trust_only), or trusted. Revocation errors are left to the revocation report. */
void
pd_verify_chain_report (PdVerifyResult *r, const char *subject, PdTrustStore *trust, PdChain *c,
                        GDateTime *gen_time, TokenOutcome *out)
{
  g_autoptr (GString) time_detail = g_string_new (NULL);
  g_autoptr (GString) trust_detail = g_string_new (NULL);
  g_autoptr (GString) other_detail = g_string_new (NULL);
  g_autofree char *gen_str = g_date_time_format (gen_time, "%Y-%m-%dT%H:%M:%SZ");
  X509 *anchor = c->chain && sk_X509_num (c->chain) > 0
                   ? sk_X509_value (c->chain, sk_X509_num (c->chain) - 1) : NULL;
  g_autofree char *anchor_name = anchor ? pd_verify_name_to_string (X509_get_subject_name (anchor))
                                        : NULL;
  guint n_other = 0;

  for (guint i = 0; i < c->errors->len; i++)
    {
      ChainError *e = &g_array_index (c->errors, ChainError, i);
      GString *to;

      if (chain_error_is_revocation (e->error))
        continue;
      to = chain_error_is_time (e->error) ? time_detail
           : chain_error_is_trust (e->error) ? trust_detail : other_detail;
      if (to == other_detail)
        n_other++;
      if (to->len)
        g_string_append (to, "; ");
      g_string_append_printf (to, "depth %d %s: %s", e->depth, e->subject,
                              X509_verify_cert_error_string (e->error));
    }
  if (!c->ok && c->errors->len == 0)
    {
      g_autofree char *why = pd_verify_ossl_errors ();
      g_string_append (other_detail, why ? why : "chain verification failed");
      n_other++;
    }

  if (time_detail->len == 0)
    pd_verify_add_check (r, "token.certificate-time", subject, PD_CHECK_PASSED, gen_str,
                         _("Every certificate in the chain was valid at the time of stamping."));
  else
    {
      g_string_prepend (time_detail, " at genTime: ");
      g_string_prepend (time_detail, gen_str);
      pd_verify_add_check (r, "token.certificate-time", subject, PD_CHECK_FAILED, time_detail->str,
                           _("A certificate in the chain was not valid at the time of stamping (expired or not yet valid)."));
    }

  if (n_other > 0)
    pd_verify_add_check (r, "token.chain", subject, PD_CHECK_FAILED, other_detail->str,
                         _("The signer's certificate chain is broken (judged at the time of stamping)."));
  else if (trust_detail->len > 0)
    {
      PdVerifyCheck *check = pd_verify_add_check (r, "token.chain", subject, PD_CHECK_FAILED,
                                                  trust_detail->str,
                                                  _("The authority's certificate does not chain to a trusted certificate authority (judged at the time of stamping)."));
      check->trust_only = TRUE;
    }
  else
    {
      out->practice = anchor != NULL && pd_verify_trust_store_is_practice (trust, anchor);
      if (out->practice)
        pd_verify_add_check (r, "token.chain", subject, PD_CHECK_PASSED, anchor_name,
                             _("The authority chains to the built-in practice root (for practice, not for court)."));
      else
        pd_verify_add_check (r, "token.chain", subject, PD_CHECK_PASSED, anchor_name,
                             _("The authority chains to a trusted certificate authority (%s), judged at the time of stamping."),
                             anchor_name ? anchor_name : "?");
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Revocation                                                                                 */

static const char *
crl_reason_name (long reason)
{
  switch (reason)
    {
    case -1: return "no reason given";
    case 0:  return "unspecified";
    case 1:  return "keyCompromise";
    case 2:  return "cACompromise";
    case 3:  return "affiliationChanged";
    case 4:  return "superseded";
    case 5:  return "cessationOfOperation";
    case 6:  return "certificateHold";
    case 8:  return "removeFromCRL";
    case 9:  return "privilegeWithdrawn";
    case 10: return "aACompromise";
    default: return "unknown reason";
    }
}

/* RFC 3161 §4: with reason unspecified, affiliationChanged, superseded or
 * cessationOfOperation, tokens made before the revocation stay valid; with no reason, or a
 * key compromise (or any other reason), every token the key made is invalid. */
static gboolean
crl_reason_spares_earlier (long reason)
{
  return reason == 0 || reason == 3 || reason == 4 || reason == 5;
}

/* The CRL entry revoking `cert`, from a CRL whose signature its issuer's key verifies. */
static X509_REVOKED *
find_revocation (PdChain *c, int depth, X509 *cert)
{
  int n = sk_X509_num (c->chain);
  X509 *issuer = depth + 1 < n ? sk_X509_value (c->chain, depth + 1) : cert;
  EVP_PKEY *issuer_key = X509_get0_pubkey (issuer);

  for (int i = 0; i < sk_X509_CRL_num (c->crls); i++)
    {
      X509_CRL *crl = sk_X509_CRL_value (c->crls, i);
      X509_REVOKED *rev = NULL;

      if (X509_NAME_cmp (X509_CRL_get_issuer (crl), X509_get_issuer_name (cert)) == 0 &&
          X509_CRL_get0_by_cert (crl, &rev, cert) == 1 && issuer_key != NULL &&
          X509_CRL_verify (crl, issuer_key) == 1)
        return rev;
    }
  ERR_clear_error ();
  return NULL;
}

/* One revoked certificate of the chain: FALSE when the revocation invalidates the token. */
static gboolean
report_revoked (PdVerifyResult *r, const char *subject, PdChain *c, ChainError *e,
                time_t gen_unix, GString *unknown)
{
  X509 *cert = e->depth < sk_X509_num (c->chain) ? sk_X509_value (c->chain, e->depth) : NULL;
  X509_REVOKED *rev = cert ? find_revocation (c, e->depth, cert) : NULL;
  ASN1_ENUMERATED *reason_asn1 = NULL;
  g_autoptr (GDateTime) when = NULL;
  g_autofree char *when_str = NULL;
  g_autofree char *detail = NULL;
  time_t revoked_at = 0;
  long reason = -1;

  if (rev == NULL || !pd_verify_asn1_time_to_unix (X509_REVOKED_get0_revocationDate (rev), &revoked_at))
    {
      g_string_append_printf (unknown, "%sdepth %d %s: revoked by a CRL that cannot be checked",
                              unknown->len ? "; " : "", e->depth, e->subject);
      return TRUE;
    }
  reason_asn1 = X509_REVOKED_get_ext_d2i (rev, NID_crl_reason, NULL, NULL);
  if (reason_asn1 != NULL)
    reason = ASN1_ENUMERATED_get (reason_asn1);
  ASN1_ENUMERATED_free (reason_asn1);
  when = g_date_time_new_from_unix_utc (revoked_at);
  when_str = g_date_time_format (when, "%Y-%m-%d %H:%M:%S UTC");
  detail = g_strdup_printf ("depth %d %s: revoked %s, reason %s", e->depth, e->subject, when_str,
                            crl_reason_name (reason));
  if (revoked_at <= gen_unix)
    pd_verify_add_check (r, "token.revocation", subject, PD_CHECK_FAILED, detail,
                         _("The certificate %s was revoked on %s, before the time of stamping."),
                         e->subject, when_str);
  else if (!crl_reason_spares_earlier (reason))
    pd_verify_add_check (r, "token.revocation", subject, PD_CHECK_FAILED, detail,
                         _("The certificate %s was revoked on %s (%s); for that reason RFC 3161 makes every token it signed invalid, even earlier ones."),
                         e->subject, when_str, crl_reason_name (reason));
  else
    {
      pd_verify_add_check (r, "token.revocation", subject, PD_CHECK_PASSED, detail,
                           _("The certificate %s was revoked on %s, after the time of stamping, for a reason (%s) that leaves earlier tokens valid (RFC 3161 §4)."),
                           e->subject, when_str, crl_reason_name (reason));
      return TRUE;
    }
  return FALSE;
}

/* token.revocation: with no CRL, an INFO that says so; otherwise every revoked certificate of
 * the chain judged by its revocation time against genTime, or an INFO naming the
 * certificates whose status could not be established. */
void
pd_verify_chain_report_revocation (PdVerifyResult *r, const char *subject, PdChain *c,
                                   time_t gen_unix)
{
  g_autoptr (GString) unknown = g_string_new (NULL);
  guint revoked = 0, failed = 0;
  int last = c->chain ? sk_X509_num (c->chain) - 1 : -1;

  if (sk_X509_CRL_num (c->crls) == 0)
    {
      pd_verify_add_check (r, "token.revocation", subject, PD_CHECK_INFO, NULL,
                           _("Revocation not checked (no CRL or OCSP data)."));
      return;
    }
  for (guint i = 0; i < c->errors->len; i++)
    {
      ChainError *e = &g_array_index (c->errors, ChainError, i);

      if (!chain_error_is_revocation (e->error) ||
          /* A CRL issued after genTime still tells the status at genTime. */
          e->error == X509_V_ERR_CRL_NOT_YET_VALID)
        continue;
      if (e->error == X509_V_ERR_CERT_REVOKED)
        {
          revoked++;
          if (!report_revoked (r, subject, c, e, gen_unix, unknown))
            failed++;
          continue;
        }
      /* A self-signed root is not revoked by a list it signs itself. */
      if (e->error == X509_V_ERR_UNABLE_TO_GET_CRL && e->depth == last && last >= 0 &&
          X509_self_signed (sk_X509_value (c->chain, last), 0) == 1)
        continue;
      g_string_append_printf (unknown, "%sdepth %d %s: %s", unknown->len ? "; " : "", e->depth,
                              e->subject, X509_verify_cert_error_string (e->error));
    }
  ERR_clear_error ();
  if (failed > 0)
    return;
  if (unknown->len > 0)
    pd_verify_add_check (r, "token.revocation", subject, PD_CHECK_INFO, unknown->str,
                         _("Revocation could not be established for every certificate of the chain with the lists supplied."));
  else if (revoked == 0)
    pd_verify_add_check (r, "token.revocation", subject, PD_CHECK_PASSED, NULL,
                         _("No certificate of the chain was revoked at the time of stamping (checked against the revocation lists supplied)."));
}
