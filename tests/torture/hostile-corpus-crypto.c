/* hostile-corpus-crypto.c — corpus cases on single tokens and the certificate: weak or wrong
 * cryptography, authorities nobody trusts, damaged token bytes, a certificate that is not the
 * package's. */
#include <string.h>
#include <glib/gstdio.h>
#include <openssl/evp.h>

#include "evidence/pd-package.h"
#include "report/pd-certificate.h"
#include "util/pd-util.h"
#include "hostile-corpus.h"
#include "../pd-test-tokens.h"
#include "../pd-test-tsa.h"

#define DAY 86400

/* The checkpoint the token cases replace. */
#define TARGET 2

/* ------------------------------------------------------------------------------------------ */
/* Helpers                                                                                    */

static void
target_digest (Case *c, guint8 *digest)
{
  g_assert_true (pd_hex_decode (pd_json_string (case_checkpoint (c, TARGET), "sha256"), digest, 32));
}

/* The recording's first bytes up to the target checkpoint, hashed with `md`. */
static gsize
target_digest_with (Case *c, const EVP_MD *md, guint8 *out)
{
  g_autofree char *path = case_path (c, PD_RECORDING_NAME);
  g_autofree char *data = NULL;
  gsize len;
  unsigned int n = 0;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  EVP_Digest (data, (gsize) json_object_get_int_member (case_checkpoint (c, TARGET), "offset"),
              out, &n, md, NULL);
  return n;
}

/* The target checkpoint's token replaced, files[] and the manifest re-sealed to match. */
static gboolean
put_target (Case *c, GBytes *tsr)
{
  g_assert_nonnull (tsr);
  case_put_checkpoint_token (c, TARGET, tsr);
  g_bytes_unref (tsr);
  case_seal (c, 0);
  return TRUE;
}

/* A reply of the test TSA in a misbehaving mode (genTime: now). */
static gboolean
tsa_mode (Case *c, PdTestTsaMode mode)
{
  guint8 digest[32];
  g_autoptr (GBytes) req = NULL;
  g_autoptr (GError) error = NULL;
  GBytes *tsr;

  target_digest (c, digest);
  req = pd_test_tsa_make_request (digest, 0, TRUE);
  tsr = pd_test_tsa_respond (c->base->tsa, req, mode, &error);
  g_assert_no_error (error);
  return put_target (c, tsr);
}

static gboolean sha1_signer (Case *c) { return tsa_mode (c, PD_TEST_TSA_SHA1); }
static gboolean noncritical_eku (Case *c) { return tsa_mode (c, PD_TEST_TSA_NONCRITICAL_EKU); }
static gboolean wrong_ess (Case *c) { return tsa_mode (c, PD_TEST_TSA_WRONG_ESS); }
static gboolean bad_signature (Case *c) { return tsa_mode (c, PD_TEST_TSA_BAD_SIGNATURE); }
static gboolean wrong_imprint (Case *c) { return tsa_mode (c, PD_TEST_TSA_WRONG_IMPRINT); }
static gboolean old_time (Case *c) { return tsa_mode (c, PD_TEST_TSA_OLD_TIME); }

/* A forged token over the target's prefix at the target's own time. */
static gboolean
forge (Case *c, PdTestTokenOptions *o, X509 *signer, EVP_PKEY *key)
{
  guint8 digest[32];

  target_digest (c, digest);
  if (o->digest == NULL)
    {
      o->digest = digest;
      o->digest_len = 32;
    }
  if (o->gen_time == 0)
    o->gen_time = (gint64) case_checkpoint_time (c, TARGET);
  return put_target (c, pd_test_token_forge (o, signer ? signer : c->base->tsa_cert,
                                             key ? key : c->base->tsa_key));
}

static gboolean
two_signers (Case *c)
{
  PdTestTokenOptions o = { .ess_v2 = TRUE, .two_signers = TRUE };
  return forge (c, &o, NULL, NULL);
}

static gboolean
corrupt_signature (Case *c)
{
  PdTestTokenOptions o = { .ess_v2 = TRUE, .corrupt_signature = TRUE };
  return forge (c, &o, NULL, NULL);
}

static gboolean
no_ess (Case *c)
{
  PdTestTokenOptions o = { .no_ess = TRUE };
  return forge (c, &o, NULL, NULL);
}

static gboolean
ess_names_other (Case *c)
{
  PdTestTokenOptions o = { .ess_v2 = TRUE, .ess_cert = c->base->ca };
  return forge (c, &o, NULL, NULL);
}

static gboolean
imprint_weak (Case *c, int nid, const EVP_MD *md)
{
  guint8 digest[EVP_MAX_MD_SIZE];
  PdTestTokenOptions o = { .ess_v2 = TRUE, .imprint_nid = nid, .digest = digest };

  o.digest_len = target_digest_with (c, md, digest);
  return forge (c, &o, NULL, NULL);
}

static gboolean imprint_sha1 (Case *c) { return imprint_weak (c, NID_sha1, EVP_sha1 ()); }
static gboolean imprint_md5 (Case *c) { return imprint_weak (c, NID_md5, EVP_md5 ()); }

/* A token signed by a certificate the corpus CA (trusted) issued for the occasion. */
static gboolean
issued (Case *c, gint64 not_before, gint64 not_after, PdTestCertKind kind, gint64 when)
{
  g_autoptr (EVP_PKEY) key = pd_test_key_new ();
  X509 *cert = pd_test_cert_new ("Corpus TSA", key, c->base->ca, c->base->ca_key, not_before,
                                 not_after, kind);
  PdTestTokenOptions o = { .ess_v2 = TRUE, .extra_cert = c->base->ca, .gen_time = when };
  gboolean ok = forge (c, &o, cert, key);

  X509_free (cert);
  return ok;
}

static gboolean issued_genuine (Case *c) { return issued (c, -DAY, 30 * DAY, PD_TEST_CERT_TSA, 0); }
static gboolean expired_cert (Case *c) { return issued (c, -10 * DAY, -5 * DAY, PD_TEST_CERT_TSA, 0); }
static gboolean future_cert (Case *c) { return issued (c, DAY, 30 * DAY, PD_TEST_CERT_TSA, 0); }
static gboolean eku_extra (Case *c) { return issued (c, -DAY, 30 * DAY, PD_TEST_CERT_TSA_EKU_EXTRA, 0); }
static gboolean eku_noncritical (Case *c) { return issued (c, -DAY, 30 * DAY, PD_TEST_CERT_TSA_EKU_NONCRITICAL, 0); }
static gboolean ca_as_tsa (Case *c) { return issued (c, -DAY, 30 * DAY, PD_TEST_CERT_CA, 0); }

/* The test TSA's own certificate became valid a day ago; a token "from" two days ago. */
static gboolean
before_tsa_cert (Case *c)
{
  guint8 digest[32];

  target_digest (c, digest);
  return put_target (c, case_mint (c, digest, (double) g_get_real_time () / 1e6 - 2 * DAY));
}

/* Everything re-stamped at the same times by an authority of one's own. */
static gboolean
foreign_everything (Case *c)
{
  Base *b = (Base *) c->base;
  X509 *cert = b->tsa_cert;
  EVP_PKEY *key = b->tsa_key;
  g_autofree char *chain = NULL;
  gsize len;

  b->tsa_cert = b->foreign_tsa;
  b->tsa_key = b->foreign_key;
  case_shift_all (c, 0);
  b->tsa_cert = cert;
  b->tsa_key = key;
  g_assert_true (g_file_get_contents (b->foreign_chain, &chain, &len, NULL));
  case_write (c, PD_TSA_CHAIN_NAME, chain, len);
  case_refresh_entry (c, PD_TSA_CHAIN_NAME);
  b->tsa_cert = b->foreign_tsa;
  b->tsa_key = b->foreign_key;
  case_seal (c, 0);
  b->tsa_cert = cert;
  b->tsa_key = key;
  return TRUE;
}

static gboolean
foreign_one (Case *c)
{
  PdTestTokenOptions o = { .ess_v2 = TRUE, .extra_cert = c->base->foreign_ca };
  return forge (c, &o, c->base->foreign_tsa, c->base->foreign_key);
}

static gboolean
self_signed_tsa (Case *c)
{
  g_autoptr (EVP_PKEY) key = pd_test_key_new ();
  X509 *cert = pd_test_cert_new ("Self-made TSA", key, NULL, NULL, -DAY, 30 * DAY, PD_TEST_CERT_TSA);
  PdTestTokenOptions o = { .ess_v2 = TRUE };
  gboolean ok = forge (c, &o, cert, key);

  X509_free (cert);
  return ok;
}

/* Issued without certificates (certReq false, as public TSAs often do): the package's
 * tsa-chain.pem carries the signer. */
static gboolean
no_certs (Case *c)
{
  PdTestTokenOptions o = { .ess_v2 = TRUE, .no_certs = TRUE };
  return forge (c, &o, NULL, NULL);
}

/* ------------------------------------------------------------------------------------------ */
/* Token bytes                                                                                */

static const char *
token_name (guint which)
{
  return which == 0 ? PD_RECORDING_TOKEN_NAME
         : which == 1 ? PD_MANIFEST_TOKEN_NAME : "checkpoints/000002.tsr";
}

/* Token `which` damaged `how`; listed tokens get their files[] entry rewritten and the manifest
 * re-sealed, so that only the token itself is wrong. */
static gboolean
damage (Case *c, guint which, int how)
{
  const char *name = token_name (which);
  g_autofree char *path = case_path (c, name);
  g_autofree char *data = NULL;
  g_autoptr (GBytes) bytes = NULL;
  gsize len;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  switch (how)
    {
    case 0: /* truncated */
      bytes = g_bytes_new (data, len / 2);
      break;
    case 1: /* a byte more */
      data = g_realloc (data, len + 1);
      data[len] = 0;
      bytes = g_bytes_new (data, len + 1);
      break;
    case 2: /* empty */
      bytes = g_bytes_new (NULL, 0);
      break;
    case 3: /* random */
      {
        g_autoptr (GRand) rng = g_rand_new_with_seed (which + 1);
        for (gsize i = 0; i < len; i++)
          data[i] = (char) g_rand_int_range (rng, 0, 256);
        bytes = g_bytes_new (data, len);
      }
      break;
    default: /* a rejection: PKIStatus 2, no token */
      {
        guint8 digest[32] = { 0 };
        PdTestTokenOptions o = { .ess_v2 = TRUE, .status = 2, .digest = digest, .digest_len = 32 };
        bytes = pd_test_token_forge (&o, c->base->tsa_cert, c->base->tsa_key);
      }
      break;
    }
  if (which == 1)
    {
      case_write_bytes (c, name, bytes);
      return TRUE;
    }
  case_write_bytes (c, name, bytes);
  case_refresh_entry (c, name);
  case_seal (c, 0);
  return TRUE;
}

#define DAMAGE(fn, which, how) static gboolean fn (Case *c) { return damage (c, which, how); }
DAMAGE (rec_truncated, 0, 0)
DAMAGE (rec_trailing, 0, 1)
DAMAGE (rec_empty, 0, 2)
DAMAGE (rec_random, 0, 3)
DAMAGE (rec_rejection, 0, 4)
DAMAGE (man_truncated, 1, 0)
DAMAGE (man_trailing, 1, 1)
DAMAGE (man_empty, 1, 2)
DAMAGE (man_random, 1, 3)
DAMAGE (man_rejection, 1, 4)
DAMAGE (cp_truncated, 2, 0)
DAMAGE (cp_trailing, 2, 1)
DAMAGE (cp_empty, 2, 2)
DAMAGE (cp_random, 2, 3)
DAMAGE (cp_rejection, 2, 4)

/* ------------------------------------------------------------------------------------------ */
/* The certificate                                                                            */

static gboolean
cert_deleted (Case *c)
{
  g_autofree char *path = case_path (c, PD_CERTIFICATE_NAME);

  g_assert_cmpint (g_unlink (path), ==, 0);
  return TRUE;
}

/* The certificate of another package (the same recording, sealed five hours earlier). */
static gboolean
cert_other (Case *c)
{
  g_autofree char *dir = g_strconcat (c->dir, "-other", NULL);
  g_autofree char *other = g_build_filename (dir, PD_CERTIFICATE_NAME, NULL);
  g_autofree char *data = NULL;
  Case *o = case_new (c->base, c->dir, dir);
  gsize len;

  case_shift_all (o, -5 * 3600);
  case_seal (o, 0);
  case_free (o);
  g_assert_true (g_file_get_contents (other, &data, &len, NULL));
  case_write (c, PD_CERTIFICATE_NAME, data, len);
  {
    const char *rm[] = { "rm", "-rf", dir, NULL };
    g_assert_true (g_spawn_sync (NULL, (char **) rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
                                 NULL, NULL, NULL));
  }
  return TRUE;
}

static gboolean
cert_bytes (Case *c, int how)
{
  g_autofree char *path = case_path (c, PD_CERTIFICATE_NAME);
  g_autofree char *data = NULL;
  gsize len;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  if (how == 0)
    {
      g_autoptr (GRand) rng = g_rand_new_with_seed (7);
      for (gsize i = 0; i < len; i++)
        data[i] = (char) g_rand_int_range (rng, 0, 256);
    }
  case_write (c, PD_CERTIFICATE_NAME, data, how == 1 ? len / 2 : how == 2 ? 0 : len);
  return TRUE;
}

static gboolean cert_garbage (Case *c) { return cert_bytes (c, 0); }
static gboolean cert_truncated (Case *c) { return cert_bytes (c, 1); }
static gboolean cert_empty (Case *c) { return cert_bytes (c, 2); }

/* A certificate written from the package's own tokens, but showing something else. */
static gboolean
cert_rewritten (Case *c, int what)
{
  g_autoptr (PdCertificateInfo) info = pd_certificate_info_new_from_manifest (c->manifest);
  g_autofree char *path = case_path (c, PD_CERTIFICATE_NAME);
  g_autoptr (GError) error = NULL;

  for (guint i = 0; i < 2; i++)
    {
      const char *name = i == 0 ? PD_RECORDING_TOKEN_NAME : PD_MANIFEST_TOKEN_NAME;
      g_autofree char *p = case_path (c, name);
      g_autofree char *data = NULL;
      gsize len;

      if (what == 2 && i == 1)
        break;
      g_assert_true (g_file_get_contents (p, &data, &len, NULL));
      pd_certificate_info_add_attachment (info, name, g_bytes_new_take (g_steal_pointer (&data), len), NULL);
    }
  if (what == 0)
    {
      g_free (info->sha256);
      info->sha256 = g_strdup ("3333333333333333333333333333333333333333333333333333333333333333");
    }
  else if (what == 1)
    {
      g_clear_pointer (&info->gen_time, g_date_time_unref);
      info->gen_time = g_date_time_new_utc (2019, 5, 1, 9, 30, 0);
    }
  g_unlink (path);
  pd_certificate_write (info, path, &error);
  g_assert_no_error (error);
  return TRUE;
}

static gboolean cert_digest_edited (Case *c) { return cert_rewritten (c, 0); }
static gboolean cert_time_edited (Case *c) { return cert_rewritten (c, 1); }
static gboolean cert_lost_token (Case *c) { return cert_rewritten (c, 2); }

/* ------------------------------------------------------------------------------------------ */
/* The table                                                                                  */

#define CRYPTO_ROW(nm, fn, v, id, ...) ROW ("crypto", nm, fn, v, id, FAILED, __VA_ARGS__)
#define TOKEN_ROW(nm, fn, id, subj) ROW ("token-bytes", nm, fn, INVALID, id, FAILED, .subject = subj)

const CorpusRow corpus_crypto_rows[] = {
  ROW ("crypto", "issued-by-corpus-ca", issued_genuine, VALID, "token.chain", PASSED,
       .subject = "checkpoints/000002.tsr"),
  CRYPTO_ROW ("sha1-signer", sha1_signer, INVALID, "token.weak-algorithm"),
  /* A package's tokens are over SHA-256 digests: another imprint algorithm is refused as such. */
  CRYPTO_ROW ("imprint-sha1", imprint_sha1, INVALID, "token.weak-algorithm", .alt_id = "token.imprint-algorithm"),
  CRYPTO_ROW ("imprint-md5", imprint_md5, INVALID, "token.weak-algorithm", .alt_id = "token.imprint-algorithm"),
  CRYPTO_ROW ("eku-noncritical", noncritical_eku, INVALID, "token.signer-eku"),
  CRYPTO_ROW ("eku-noncritical-issued", eku_noncritical, INVALID, "token.signer-eku"),
  CRYPTO_ROW ("eku-extra", eku_extra, INVALID, "token.signer-eku"),
  CRYPTO_ROW ("ca-as-signer", ca_as_tsa, INVALID, "token.signer-eku"),
  CRYPTO_ROW ("wrong-ess", wrong_ess, INVALID, "token.ess-cert-id"),
  CRYPTO_ROW ("no-ess", no_ess, INVALID, "token.ess-cert-id"),
  CRYPTO_ROW ("ess-names-ca", ess_names_other, INVALID, "token.ess-cert-id"),
  CRYPTO_ROW ("two-signers", two_signers, INVALID, "token.signer-count"),
  CRYPTO_ROW ("bad-signature", bad_signature, INVALID, "token.signature"),
  CRYPTO_ROW ("corrupt-signature", corrupt_signature, INVALID, "token.signature"),
  CRYPTO_ROW ("wrong-imprint", wrong_imprint, INVALID, "token.imprint", .subject = "checkpoints/000002.tsr"),
  CRYPTO_ROW ("old-time", old_time, INVALID, "time.order"),
  CRYPTO_ROW ("expired-cert", expired_cert, INVALID, "token.certificate-time"),
  CRYPTO_ROW ("cert-not-yet-valid", future_cert, INVALID, "token.certificate-time"),
  CRYPTO_ROW ("before-tsa-cert", before_tsa_cert, INVALID, "token.certificate-time"),
  CRYPTO_ROW ("untrusted-everything", foreign_everything, UNTRUSTED_AUTHORITY, "token.chain"),
  CRYPTO_ROW ("untrusted-one-checkpoint", foreign_one, UNTRUSTED_AUTHORITY, "token.chain",
              .subject = "checkpoints/000002.tsr"),
  CRYPTO_ROW ("self-signed-tsa", self_signed_tsa, UNTRUSTED_AUTHORITY, "token.chain"),
  ROW ("crypto", "no-certs-chain-in-package", no_certs, VALID, "token.chain", PASSED,
       .subject = "checkpoints/000002.tsr"),

  ROW ("certificate", "deleted", cert_deleted, INVALID, "certificate.present", FAILED),
  ROW ("certificate", "other-package", cert_other, INVALID, "certificate.tokens", FAILED),
  ROW ("certificate", "garbage", cert_garbage, INVALID, "certificate.tokens", FAILED),
  ROW ("certificate", "truncated", cert_truncated, INVALID, "certificate.tokens", FAILED),
  ROW ("certificate", "empty", cert_empty, INVALID, "certificate.present", FAILED),
  ROW ("certificate", "lost-manifest-token", cert_lost_token, INVALID, "certificate.tokens", FAILED),
  ROW ("certificate", "digest-edited", cert_digest_edited, INVALID, "certificate.content", FAILED),
  ROW ("certificate", "time-edited", cert_time_edited, INVALID, "certificate.content", FAILED),

  TOKEN_ROW ("recording-truncated", rec_truncated, "token.format", "recording.mp4.tsr"),
  TOKEN_ROW ("recording-trailing-byte", rec_trailing, "token.format", "recording.mp4.tsr"),
  TOKEN_ROW ("recording-empty", rec_empty, "token.format", "recording.mp4.tsr"),
  TOKEN_ROW ("recording-random", rec_random, "token.format", "recording.mp4.tsr"),
  TOKEN_ROW ("recording-rejection", rec_rejection, "token.status", "recording.mp4.tsr"),
  TOKEN_ROW ("manifest-truncated", man_truncated, "token.format", "manifest.json.tsr"),
  TOKEN_ROW ("manifest-trailing-byte", man_trailing, "token.format", "manifest.json.tsr"),
  TOKEN_ROW ("manifest-empty", man_empty, "token.format", "manifest.json.tsr"),
  TOKEN_ROW ("manifest-random", man_random, "token.format", "manifest.json.tsr"),
  TOKEN_ROW ("manifest-rejection", man_rejection, "token.status", "manifest.json.tsr"),
  TOKEN_ROW ("checkpoint-truncated", cp_truncated, "token.format", "checkpoints/000002.tsr"),
  TOKEN_ROW ("checkpoint-trailing-byte", cp_trailing, "token.format", "checkpoints/000002.tsr"),
  TOKEN_ROW ("checkpoint-empty", cp_empty, "token.format", "checkpoints/000002.tsr"),
  TOKEN_ROW ("checkpoint-random", cp_random, "token.format", "checkpoints/000002.tsr"),
  TOKEN_ROW ("checkpoint-rejection", cp_rejection, "token.status", "checkpoints/000002.tsr"),
};
const guint corpus_crypto_n_rows = G_N_ELEMENTS (corpus_crypto_rows);
