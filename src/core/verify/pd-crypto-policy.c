/* pd-crypto-policy.c — the verifier's one table of accepted digests and keys (docs/crypto-policy.md) and the checks built on it. */
#define G_LOG_DOMAIN "pd-verify"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <string.h>
#include <time.h>

#include "util/pd-private.h"
#include "verify/pd-verify.h"
#include "verify/pd-verify-private.h"

/* ------------------------------------------------------------------------------------------ */
/* The policy                                                                                 */

typedef enum {
  POLICY_ACCEPTED,
  POLICY_ACCEPTED_IF_OFFERED, /* accepted when this OpenSSL implements it */
  POLICY_WEAK,                /* broken: named as "weak algorithm" */
  POLICY_NOT_LISTED,          /* not in the table: not accepted */
} PolicyStatus;

/* Digests: the imprint, the CMS signer digest, and every certificate signature in the chain
 * (the self-signed root's own signature excepted: nothing rests on it). docs/crypto-policy.md
 * gives the reasons; keep the two in step. */
typedef struct
{
  int           nid;
  const char   *name;
  PolicyStatus  status;
} DigestRow;

static const DigestRow digest_policy[] = {
  { NID_sha256, "SHA-256", POLICY_ACCEPTED },          /* RFC 5816, ETSI TS 119 312, SP 800-131A */
  { NID_sha384, "SHA-384", POLICY_ACCEPTED },
  { NID_sha512, "SHA-512", POLICY_ACCEPTED },
  { NID_sm3,    "SM3",     POLICY_ACCEPTED_IF_OFFERED }, /* GB/T 32905, ISO/IEC 10118-3 */
  { NID_sha1,   "SHA-1",   POLICY_WEAK },              /* collisions; SP 800-131A: disallowed */
  { NID_md5,    "MD5",     POLICY_WEAK },
  { NID_md4,    "MD4",     POLICY_WEAK },
  { NID_md2,    "MD2",     POLICY_WEAK },
};

/* Keys of the signer and of every certificate in its chain, the root included. */
typedef struct
{
  int         type;       /* EVP_PKEY_RSA, EVP_PKEY_EC, … */
  int         curve;      /* EC: the named curve; else NID_undef */
  int         min_bits;
} KeyRow;

static const KeyRow key_policy[] = {
  { EVP_PKEY_RSA,     NID_undef,            2048 }, /* SP 800-131A: 112-bit security */
  { EVP_PKEY_RSA_PSS, NID_undef,            2048 },
  { EVP_PKEY_EC,      NID_X9_62_prime256v1, 256 },  /* FIPS 186-4 P-256 */
  { EVP_PKEY_EC,      NID_secp384r1,        384 },
  { EVP_PKEY_EC,      NID_secp521r1,        521 },
};

static const DigestRow *
digest_row (int nid)
{
  for (guint i = 0; i < G_N_ELEMENTS (digest_policy); i++)
    if (digest_policy[i].nid == nid)
      return &digest_policy[i];
  return NULL;
}

static PolicyStatus
digest_status (int nid)
{
  const DigestRow *row = digest_row (nid);

  if (row == NULL)
    return POLICY_NOT_LISTED;
  if (row->status == POLICY_ACCEPTED_IF_OFFERED)
    return EVP_get_digestbynid (nid) != NULL ? POLICY_ACCEPTED : POLICY_NOT_LISTED;
  return row->status;
}

gboolean
pd_crypto_policy_digest_accepted (int nid)
{
  return digest_status (nid) == POLICY_ACCEPTED;
}

const char *
pd_crypto_policy_digest_name (int nid)
{
  const DigestRow *row = digest_row (nid);

  if (row != NULL)
    return row->name;
  return nid != NID_undef ? OBJ_nid2sn (nid) : "?";
}

/* "SHA-256, SHA-384, SHA-512, SM3": the accepted digests, as this build judges them. */
static char *
accepted_digests (void)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (digest_policy); i++)
    if (digest_status (digest_policy[i].nid) == POLICY_ACCEPTED)
      g_string_append_printf (out, "%s%s", out->len ? ", " : "", digest_policy[i].name);
  return g_string_free (out, FALSE);
}

/* "RSA 1024 bits", "EC P-256", "EC secp256k1", "ED25519"; *ok says whether the table accepts it. */
static char *
describe_key (EVP_PKEY *key, gboolean *ok)
{
  int type = key ? EVP_PKEY_get_base_id (key) : NID_undef;
  int bits = key ? EVP_PKEY_get_bits (key) : 0;
  int curve = NID_undef;
  char *text;

  *ok = FALSE;
  if (key == NULL)
    return g_strdup ("no key");
  if (type == EVP_PKEY_EC)
    {
      char group[80] = "";
      const char *nist;

      if (EVP_PKEY_get_group_name (key, group, sizeof group, NULL))
        curve = OBJ_sn2nid (group);
      nist = curve != NID_undef ? EC_curve_nid2nist (curve) : NULL;
      text = g_strdup_printf ("EC %s", nist ? nist : group[0] ? group : "(explicit curve)");
    }
  else if (type == EVP_PKEY_RSA || type == EVP_PKEY_RSA_PSS || type == EVP_PKEY_DSA)
    text = g_strdup_printf ("%s %d bits", type == EVP_PKEY_DSA ? "DSA" : "RSA", bits);
  else
    text = g_strdup (type != NID_undef ? OBJ_nid2sn (type) : "unknown key type");

  for (guint i = 0; i < G_N_ELEMENTS (key_policy); i++)
    if (key_policy[i].type == type && key_policy[i].curve == curve && bits >= key_policy[i].min_bits)
      *ok = TRUE;
  ERR_clear_error ();
  return text;
}

/* ------------------------------------------------------------------------------------------ */
/* Checks                                                                                     */

/* Imprint algorithm: a SHA-1 imprint proves nothing about *which* content existed, since
 * collisions can be made. */
void
pd_verify_check_imprint_algorithm (PdVerifyResult *r, const char *subject, int nid,
                                   gboolean has_params)
{
  g_autofree char *detail = g_strdup_printf ("%s%s", pd_crypto_policy_digest_name (nid),
                                             has_params ? " (with parameters)" : "");
  g_autofree char *accepted = accepted_digests ();
  PolicyStatus status = digest_status (nid);

  if (status == POLICY_ACCEPTED && !has_params)
    pd_verify_add_check (r, "token.imprint-algorithm", subject, PD_CHECK_PASSED, detail,
                         _("The token uses an accepted digest algorithm (%s)."),
                         pd_crypto_policy_digest_name (nid));
  else if (status == POLICY_WEAK)
    pd_verify_add_check (r, "token.imprint-algorithm", subject, PD_CHECK_FAILED, detail,
                         _("Weak algorithm %s in the token's imprint of the data: it cannot show which data existed. The crypto policy accepts %s."),
                         pd_crypto_policy_digest_name (nid), accepted);
  else
    pd_verify_add_check (r, "token.imprint-algorithm", subject, PD_CHECK_FAILED, detail,
                         _("The token uses a digest algorithm that is not accepted (%s); the crypto policy accepts %s."),
                         detail, accepted);
}

typedef struct
{
  GString *seen;      /* what passed, for the detail of the passed check */
  guint    failures;
} AlgorithmScan;

static void
judge_digest (PdVerifyResult *r, const char *subject, AlgorithmScan *scan, int md_nid,
              const char *algorithm, const char *where, const char *where_detail)
{
  PolicyStatus status = digest_status (md_nid);
  const char *md_name = md_nid != NID_undef ? pd_crypto_policy_digest_name (md_nid) : algorithm;
  g_autofree char *detail = g_strdup_printf ("%s (%s) in %s", md_name, algorithm, where_detail);

  if (status == POLICY_ACCEPTED)
    {
      g_string_append_printf (scan->seen, "%s%s: %s", scan->seen->len ? "; " : "", where_detail,
                              algorithm);
      return;
    }
  scan->failures++;
  if (status == POLICY_WEAK)
    pd_verify_add_check (r, "token.weak-algorithm", subject, PD_CHECK_FAILED, detail,
                         _("Weak algorithm %s in %s: it no longer protects against forgery."),
                         md_name, where);
  else
    pd_verify_add_check (r, "token.weak-algorithm", subject, PD_CHECK_FAILED, detail,
                         _("Algorithm %s in %s is not accepted by the crypto policy."), md_name, where);
}

/* The digest a signature algorithm implies (sha1WithRSAEncryption → SHA-1), NID_undef when
 * the OID names a key type only (rsaEncryption), -1 when it implies no digest (Ed25519). */
static int
signature_digest (int sig_nid)
{
  int md = NID_undef, pk = NID_undef;

  if (!OBJ_find_sigid_algs (sig_nid, &md, &pk))
    return NID_undef;
  return md != NID_undef ? md : -1;
}

static void
judge_certificate_signature (PdVerifyResult *r, const char *subject, AlgorithmScan *scan, X509 *cert)
{
  g_autofree char *name = pd_verify_name_to_string (X509_get_subject_name (cert));
  g_autofree char *where = g_strdup_printf (_("the signature of certificate %s"), name);
  g_autofree char *where_detail = g_strdup_printf ("signature of %s", name);
  int sig_nid = X509_get_signature_nid (cert);
  int md_nid = NID_undef;

  /* A self-signed root is trusted for itself; its own signature carries nothing. */
  if (X509_self_signed (cert, 0) == 1)
    return;
  if (!X509_get_signature_info (cert, &md_nid, NULL, NULL, NULL))
    md_nid = NID_undef;
  judge_digest (r, subject, scan, md_nid, sig_nid != NID_undef ? OBJ_nid2sn (sig_nid) : "unknown",
                where, where_detail);
}

/* Every digest a signature rests on: the CMS signer digest, the digest its signature algorithm
 * names, and each certificate signature of the chain (token.weak-algorithm). */
void
pd_verify_check_algorithms (PdVerifyResult *r, const char *subject, PKCS7_SIGNER_INFO *si,
                            X509 *signer, STACK_OF (X509) *chain)
{
  AlgorithmScan scan = { g_string_new (NULL), 0 };
  int digest_nid = OBJ_obj2nid (si->digest_alg->algorithm);
  int sig_nid = si->digest_enc_alg ? OBJ_obj2nid (si->digest_enc_alg->algorithm) : NID_undef;
  int implied = signature_digest (sig_nid);

  judge_digest (r, subject, &scan, digest_nid, pd_crypto_policy_digest_name (digest_nid),
                _("the token's signature (its digest algorithm)"), "CMS signer digest");
  if (implied > 0 && implied != digest_nid)
    judge_digest (r, subject, &scan, implied, OBJ_nid2sn (sig_nid),
                  _("the token's signature algorithm"), "CMS signature algorithm");
  else if (implied < 0)
    judge_digest (r, subject, &scan, NID_undef, OBJ_nid2sn (sig_nid),
                  _("the token's signature algorithm"), "CMS signature algorithm");

  if (chain != NULL && sk_X509_num (chain) > 0)
    for (int i = 0; i < sk_X509_num (chain); i++)
      judge_certificate_signature (r, subject, &scan, sk_X509_value (chain, i));
  else
    judge_certificate_signature (r, subject, &scan, signer);

  if (scan.failures == 0)
    pd_verify_add_check (r, "token.weak-algorithm", subject, PD_CHECK_PASSED, scan.seen->str,
                         _("Every signature in the token and its certificate chain uses an accepted algorithm."));
  g_string_free (scan.seen, TRUE);
  ERR_clear_error ();
}

/* The signer's key and every key of its chain, the root's included (token.key-strength). */
void
pd_verify_check_key_strength (PdVerifyResult *r, const char *subject, X509 *signer,
                              STACK_OF (X509) *chain)
{
  g_autoptr (GString) seen = g_string_new (NULL);
  gboolean use_chain = chain != NULL && sk_X509_num (chain) > 0;
  int n = use_chain ? sk_X509_num (chain) : 1;
  guint failures = 0;

  for (int i = 0; i < n; i++)
    {
      X509 *cert = use_chain ? sk_X509_value (chain, i) : signer;
      g_autofree char *name = pd_verify_name_to_string (X509_get_subject_name (cert));
      gboolean ok = FALSE;
      g_autofree char *key = describe_key (X509_get0_pubkey (cert), &ok);
      g_autofree char *detail = g_strdup_printf ("%s: %s", name, key);

      if (ok)
        {
          g_string_append_printf (seen, "%s%s", seen->len ? "; " : "", detail);
          continue;
        }
      failures++;
      pd_verify_add_check (r, "token.key-strength", subject, PD_CHECK_FAILED, detail,
                           _("The key of certificate %s is below the crypto policy (%s); it needs RSA of at least 2048 bits, or EC P-256, P-384 or P-521."),
                           name, key);
    }
  if (failures == 0)
    pd_verify_add_check (r, "token.key-strength", subject, PD_CHECK_PASSED, seen->str,
                         _("Every key in the chain meets the crypto policy."));
}

/* The token's stated accuracy in whole seconds (rounded up), at most PD_VERIFY_ACCURACY_MAX_S:
 * an authority cannot buy itself a year of future by claiming to be vague. */
static gint64
accuracy_seconds (TS_TST_INFO *tst)
{
  TS_ACCURACY *acc = TS_TST_INFO_get_accuracy (tst);
  long s = 0, ms = 0, us = 0;

  if (acc == NULL)
    return 0;
  if (TS_ACCURACY_get_seconds (acc))
    s = ASN1_INTEGER_get (TS_ACCURACY_get_seconds (acc));
  if (TS_ACCURACY_get_millis (acc))
    ms = ASN1_INTEGER_get (TS_ACCURACY_get_millis (acc));
  if (TS_ACCURACY_get_micros (acc))
    us = ASN1_INTEGER_get (TS_ACCURACY_get_micros (acc));
  if (s < 0 || ms < 0 || us < 0 || s > PD_VERIFY_ACCURACY_MAX_S)
    return PD_VERIFY_ACCURACY_MAX_S;
  return MIN ((gint64) s + (ms > 0 || us > 0 ? 1 : 0), PD_VERIFY_ACCURACY_MAX_S);
}

/* A genTime later than now + accuracy + skew is a claim about a moment that has not come:
 * the authority's clock, or the token, is wrong (token.gen-time-future). */
void
pd_verify_check_gen_time_future (PdVerifyResult *r, const char *subject, TS_TST_INFO *tst,
                                 time_t gen_unix, time_t now)
{
  gint64 acc = accuracy_seconds (tst);
  gint64 limit = (gint64) now + acc + PD_VERIFY_CLOCK_SKEW_S;
  g_autoptr (GDateTime) gen = g_date_time_new_from_unix_utc (gen_unix);
  g_autoptr (GDateTime) at = g_date_time_new_from_unix_utc (now);
  g_autofree char *gen_str = g_date_time_format (gen, "%Y-%m-%d %H:%M:%S UTC");
  g_autofree char *now_str = g_date_time_format (at, "%Y-%m-%d %H:%M:%S UTC");
  g_autofree char *detail = g_strdup_printf ("genTime %s, verified at %s, accuracy %" G_GINT64_FORMAT
                                             " s, skew %d s", gen_str, now_str, acc,
                                             PD_VERIFY_CLOCK_SKEW_S);

  if ((gint64) gen_unix > limit)
    pd_verify_add_check (r, "token.gen-time-future", subject, PD_CHECK_FAILED, detail,
                         _("The token claims to have been stamped at %s, which is still in the future (this computer's clock says %s, allowing for the token's accuracy and %d s of clock difference)."),
                         gen_str, now_str, PD_VERIFY_CLOCK_SKEW_S);
  else
    pd_verify_add_check (r, "token.gen-time-future", subject, PD_CHECK_PASSED, detail,
                         _("The time of stamping is not in the future."));
}
