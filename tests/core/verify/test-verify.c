/* test-verify.c — the strict verifier: real and forged RFC 3161 tokens, fake packages, proofctl verify. */
#include "config.h"

#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <string.h>
#include <unistd.h>

#include "report/pd-certificate.h"
#include "pd-core.h"
#include "util/pd-error.h"
#include "pd-test-tokens.h"
#include "util/pd-util.h"
#include "verify/pd-verify.h"
#include "test-common.h"

#define DAY  (24 * 3600)
#define YEAR (365 * DAY)

/* One throwaway PKI for the whole run. */
static struct
{
  char     *dir;
  EVP_PKEY *ca_key, *tsa_key, *other_key;
  X509     *ca, *tsa, *tsa_noncrit, *tsa_extra, *tsa_expired, *other_ca, *other_tsa;
  char     *ca_pem, *tsa_pem, *tsa_key_pem, *chain_pem, *other_ca_pem;
} pki;

static void
pki_setup (void)
{
  g_autoptr (GError) error = NULL;

  pki.dir = g_dir_make_tmp ("pd-verify-XXXXXX", &error);
  g_assert_no_error (error);
  pki.ca_key = pd_test_key_new ();
  pki.tsa_key = pd_test_key_new ();
  pki.other_key = pd_test_key_new ();
  pki.ca = pd_test_cert_new ("Test Root CA", pki.ca_key, NULL, NULL, -10 * YEAR, 10 * YEAR,
                             PD_TEST_CERT_CA);
  pki.tsa = pd_test_cert_new ("Test TSA", pki.tsa_key, pki.ca, pki.ca_key, -DAY, YEAR,
                              PD_TEST_CERT_TSA);
  pki.tsa_noncrit = pd_test_cert_new ("Test TSA (EKU not critical)", pki.tsa_key, pki.ca,
                                      pki.ca_key, -DAY, YEAR, PD_TEST_CERT_TSA_EKU_NONCRITICAL);
  pki.tsa_extra = pd_test_cert_new ("Test TSA (extra EKU)", pki.tsa_key, pki.ca, pki.ca_key,
                                    -DAY, YEAR, PD_TEST_CERT_TSA_EKU_EXTRA);
  /* Valid three to one years ago: expired now. */
  pki.tsa_expired = pd_test_cert_new ("Test TSA (expired)", pki.tsa_key, pki.ca, pki.ca_key,
                                      -3 * YEAR, -YEAR, PD_TEST_CERT_TSA);
  pki.other_ca = pd_test_cert_new ("Other Root CA", pki.other_key, NULL, NULL, -YEAR, YEAR,
                                   PD_TEST_CERT_CA);
  pki.other_tsa = pd_test_cert_new ("Other TSA", pki.tsa_key, pki.other_ca, pki.other_key,
                                    -DAY, YEAR, PD_TEST_CERT_TSA);

  pki.ca_pem = g_build_filename (pki.dir, "ca.pem", NULL);
  pki.tsa_pem = g_build_filename (pki.dir, "tsa.pem", NULL);
  pki.tsa_key_pem = g_build_filename (pki.dir, "tsa.key", NULL);
  pki.chain_pem = g_build_filename (pki.dir, "chain.pem", NULL);
  pki.other_ca_pem = g_build_filename (pki.dir, "other-ca.pem", NULL);
  pd_test_write_cert (pki.ca_pem, pki.ca, NULL);
  pd_test_write_cert (pki.tsa_pem, pki.tsa, NULL);
  pd_test_write_cert (pki.chain_pem, pki.tsa, pki.ca);
  pd_test_write_cert (pki.other_ca_pem, pki.other_ca, NULL);
  pd_test_write_key (pki.tsa_key_pem, pki.tsa_key);
}

static void
pki_teardown (void)
{
  pd_test_rm_rf (pki.dir);
  g_free (pki.dir);
  g_free (pki.ca_pem);
  g_free (pki.tsa_pem);
  g_free (pki.tsa_key_pem);
  g_free (pki.chain_pem);
  g_free (pki.other_ca_pem);
  X509_free (pki.ca);
  X509_free (pki.tsa);
  X509_free (pki.tsa_noncrit);
  X509_free (pki.tsa_extra);
  X509_free (pki.tsa_expired);
  X509_free (pki.other_ca);
  X509_free (pki.other_tsa);
  EVP_PKEY_free (pki.ca_key);
  EVP_PKEY_free (pki.tsa_key);
  EVP_PKEY_free (pki.other_key);
}

static PdTrustStore *
trust_with (const char *ca_file)
{
  PdTrustStore *trust = pd_trust_store_new ();
  g_autoptr (GError) error = NULL;

  if (ca_file)
    {
      g_assert_true (pd_trust_store_add_ca_file (trust, ca_file, &error));
      g_assert_no_error (error);
    }
  return trust;
}

/* ------------------------------------------------------------------------------------------ */
/* Single tokens                                                                              */

typedef struct
{
  char   *dir;
  char   *file;
  char   *token;
  guint8  sha256[32];
  guint8 *data;
  gsize   len;
} TokenFixture;

static void
token_setup (TokenFixture *f, gconstpointer unused)
{
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("pd-verify-token-XXXXXX", &error);
  g_assert_no_error (error);
  f->len = 100000;
  f->data = g_malloc (f->len);
  for (gsize i = 0; i < f->len; i++)
    f->data[i] = (guint8) g_random_int ();
  pd_test_sha256 (f->data, f->len, f->sha256);
  f->file = g_build_filename (f->dir, "evidence.bin", NULL);
  f->token = g_build_filename (f->dir, "evidence.bin.tsr", NULL);
  g_assert_true (g_file_set_contents (f->file, (const char *) f->data, (gssize) f->len, &error));
}

static void
token_teardown (TokenFixture *f, gconstpointer unused)
{
  pd_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->file);
  g_free (f->token);
  g_free (f->data);
}

static void
write_bytes (const char *path, GBytes *bytes)
{
  g_autoptr (GError) error = NULL;

  g_file_set_contents (path, g_bytes_get_data (bytes, NULL), (gssize) g_bytes_get_size (bytes),
                       &error);
  g_assert_no_error (error);
}

static PdVerifyResult *
verify_forged (TokenFixture *f, PdTestTokenOptions *o, X509 *signer, const char *ca_file)
{
  g_autoptr (GBytes) tsr = NULL;
  g_autoptr (PdTrustStore) trust = trust_with (ca_file);
  g_autoptr (GError) error = NULL;
  PdVerifyResult *r;

  if (o->digest == NULL)
    {
      o->digest = f->sha256;
      o->digest_len = sizeof f->sha256;
    }
  tsr = pd_test_token_forge (o, signer, pki.tsa_key);
  write_bytes (f->token, tsr);
  r = pd_verify_token_for_file (f->file, f->token, trust, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (r);
  return r;
}

static void
assert_check (PdVerifyResult *r, const char *id, const char *subject, PdCheckStatus status)
{
  const PdVerifyCheck *check = pd_verify_result_find_check (r, id, subject);

  if (check == NULL)
    g_error ("no check %s (%s)", id, subject ? subject : "any");
  if (check->status != status)
    g_error ("check %s (%s) is %d, expected %d: %s [%s]", id, check->subject, check->status,
             status, check->message, check->detail ? check->detail : "");
  g_assert_nonnull (check->message);
  g_assert_cmpstr (check->message, !=, "");
}

/* Only `id` failed: the forged defect is named, and nothing else is blamed for it. */
static void
assert_only_failure (PdVerifyResult *r, const char *id)
{
  GPtrArray *checks = pd_verify_result_get_checks (r);
  guint named = 0;

  for (guint i = 0; i < checks->len; i++)
    {
      const PdVerifyCheck *c = g_ptr_array_index (checks, i);
      if (c->status != PD_CHECK_FAILED)
        continue;
      if (!g_str_equal (c->id, id))
        g_error ("unexpected failure %s: %s [%s]", c->id, c->message, c->detail ? c->detail : "");
      g_assert_cmpstr (c->message, !=, "");
      named++;
    }
  if (named == 0)
    g_error ("check %s did not fail", id);
  g_assert_cmpint (pd_verify_result_get_verdict (r), ==, PD_VERDICT_INVALID);
}

static void
test_token_valid (TokenFixture *f, gconstpointer unused)
{
  g_autoptr (GBytes) tsr = pd_test_token_respond (f->sha256, time (NULL), pki.tsa, pki.tsa_key,
                                                  NULL, FALSE);
  g_autoptr (PdTrustStore) trust = trust_with (pki.ca_pem);
  g_autoptr (PdVerifyResult) r = NULL;
  g_autoptr (GError) error = NULL;
  const char *passed[] = { "token.format", "token.status", "token.imprint-algorithm",
                           "token.imprint", "token.signer-count", "token.signer-certificate",
                           "token.signature", "token.ess-cert-id", "token.signer-eku",
                           "token.certificate-time", "token.chain" };
  const char *info[] = { "token.gen-time", "token.policy", "token.accuracy", "token.tsa-name",
                         "token.serial", "token.nonce" };

  write_bytes (f->token, tsr);
  r = pd_verify_token_for_file (f->file, f->token, trust, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (passed); i++)
    assert_check (r, passed[i], "evidence.bin.tsr", PD_CHECK_PASSED);
  for (guint i = 0; i < G_N_ELEMENTS (info); i++)
    assert_check (r, info[i], "evidence.bin.tsr", PD_CHECK_INFO);
  g_assert_cmpuint (pd_verify_result_count_failed (r), ==, 0);
  g_assert_cmpint (pd_verify_result_get_verdict (r), ==, PD_VERDICT_VALID);
  g_assert_nonnull (pd_verify_result_get_gen_time (r));
  g_assert_cmpstr (pd_verify_result_find_check (r, "token.nonce", NULL)->detail, ==, "067932");
  g_assert_cmpstr (pd_verify_result_find_check (r, "token.policy", NULL)->detail, ==, "1.2.3.4.1");
}

static void
test_token_untrusted (TokenFixture *f, gconstpointer unused)
{
  PdTestTokenOptions o = { 0 };
  g_autoptr (PdVerifyResult) r = verify_forged (f, &o, pki.tsa, NULL);
  g_autoptr (PdVerifyResult) r2 = NULL;
  const PdVerifyCheck *chain = pd_verify_result_find_check (r, "token.chain", NULL);

  g_assert_cmpint (pd_verify_result_get_verdict (r), ==, PD_VERDICT_UNTRUSTED_AUTHORITY);
  g_assert_nonnull (chain);
  g_assert_cmpint (chain->status, ==, PD_CHECK_FAILED);
  g_assert_true (chain->trust_only);
  assert_check (r, "token.imprint", NULL, PD_CHECK_PASSED);
  assert_check (r, "token.signature", NULL, PD_CHECK_PASSED);

  /* Trusting an unrelated root does not help. */
  r2 = verify_forged (f, &o, pki.tsa, pki.other_ca_pem);
  g_assert_cmpint (pd_verify_result_get_verdict (r2), ==, PD_VERDICT_UNTRUSTED_AUTHORITY);
}

static void
test_token_practice (TokenFixture *f, gconstpointer unused)
{
  g_autofree char *data_dir = g_build_filename (f->dir, "data", NULL);
  g_autofree char *tsa_dir = g_build_filename (data_dir, "local-tsa", NULL);
  g_autofree char *root = g_build_filename (tsa_dir, "practice-ca.pem", NULL);
  g_autoptr (PdTrustStore) trust = pd_trust_store_new ();
  g_autoptr (GBytes) tsr = pd_test_token_respond (f->sha256, time (NULL), pki.tsa, pki.tsa_key,
                                                  NULL, TRUE);
  g_autoptr (PdVerifyResult) r = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (tsa_dir, 0700), ==, 0);
  pd_test_write_cert (root, pki.ca, NULL);
  g_autofree char *saved = g_strdup (g_getenv ("PROOFDESK_DATA_DIR"));

  g_setenv ("PROOFDESK_DATA_DIR", data_dir, TRUE);
  g_assert_true (pd_trust_store_add_practice_root (trust, &error));
  if (saved)
    g_setenv ("PROOFDESK_DATA_DIR", saved, TRUE);
  else
    g_unsetenv ("PROOFDESK_DATA_DIR");
  g_assert_no_error (error);

  write_bytes (f->token, tsr);
  r = pd_verify_token_for_file (f->file, f->token, trust, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pd_verify_result_get_verdict (r), ==, PD_VERDICT_VALID_PRACTICE);
  g_assert_cmpuint (pd_verify_result_count_failed (r), ==, 0);
  g_assert_nonnull (strstr (pd_verdict_describe (PD_VERDICT_VALID_PRACTICE), "not for court"));
}

/* Stock `openssl ts -query` / `-reply`: what any TSA built on OpenSSL emits passes. */
static void
test_token_openssl_cli (TokenFixture *f, gconstpointer unused)
{
  g_autofree char *conf = g_build_filename (f->dir, "ts.cnf", NULL);
  g_autofree char *serial = g_build_filename (f->dir, "serial", NULL);
  g_autofree char *query = g_build_filename (f->dir, "req.tsq", NULL);
  g_autofree char *conf_text = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (PdTrustStore) trust = trust_with (pki.ca_pem);
  g_autoptr (PdVerifyResult) r = NULL;
  g_autoptr (GSubprocess) p1 = NULL;
  g_autoptr (GSubprocess) p2 = NULL;
  g_autofree char *openssl = g_find_program_in_path ("openssl");

  if (openssl == NULL)
    {
      g_test_skip ("openssl not installed");
      return;
    }
  conf_text = g_strdup_printf ("[ tsa ]\ndefault_tsa = tsa1\n[ tsa1 ]\nserial = %s\n"
                               "crypto_device = builtin\nsigner_digest = sha256\n"
                               "default_policy = 1.2.3.4.1\ndigests = sha256, sha384, sha512\n"
                               "accuracy = secs:1\ness_cert_id_alg = sha256\n", serial);
  g_file_set_contents (conf, conf_text, -1, &error);
  g_assert_no_error (error);
  g_file_set_contents (serial, "01\n", -1, &error);
  g_assert_no_error (error);

  p1 = g_subprocess_new (G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error, openssl, "ts", "-query", "-data",
                         f->file, "-sha256", "-cert", "-out", query, NULL);
  g_assert_no_error (error);
  g_subprocess_wait_check (p1, NULL, &error);
  g_assert_no_error (error);
  p2 = g_subprocess_new (G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error, openssl, "ts", "-reply",
                         "-config", conf, "-queryfile", query, "-signer", pki.tsa_pem, "-inkey",
                         pki.tsa_key_pem, "-chain", pki.ca_pem, "-out", f->token, NULL);
  g_assert_no_error (error);
  g_subprocess_wait_check (p2, NULL, &error);
  g_assert_no_error (error);

  r = pd_verify_token_for_file (f->file, f->token, trust, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pd_verify_result_count_failed (r), ==, 0);
  g_assert_cmpint (pd_verify_result_get_verdict (r), ==, PD_VERDICT_VALID);
  assert_check (r, "token.ess-cert-id", NULL, PD_CHECK_PASSED);
  assert_check (r, "token.nonce", NULL, PD_CHECK_INFO);
}

static void
test_token_wrong_imprint (TokenFixture *f, gconstpointer unused)
{
  guint8 other[32];
  PdTestTokenOptions o = { 0 };
  g_autoptr (PdVerifyResult) r = NULL;

  pd_test_sha256 ("another file", 12, other);
  o.digest = other;
  o.digest_len = sizeof other;
  r = verify_forged (f, &o, pki.tsa, pki.ca_pem);
  assert_only_failure (r, "token.imprint");
}

static void
test_token_bad_signature (TokenFixture *f, gconstpointer unused)
{
  PdTestTokenOptions o = { .corrupt_signature = TRUE };
  g_autoptr (PdVerifyResult) r = verify_forged (f, &o, pki.tsa, pki.ca_pem);

  assert_only_failure (r, "token.signature");
}

static void
test_token_eku_not_critical (TokenFixture *f, gconstpointer unused)
{
  PdTestTokenOptions o = { 0 };
  g_autoptr (PdVerifyResult) r = verify_forged (f, &o, pki.tsa_noncrit, pki.ca_pem);
  g_autoptr (PdVerifyResult) r2 = NULL;

  assert_only_failure (r, "token.signer-eku");
  r2 = verify_forged (f, &o, pki.tsa_extra, pki.ca_pem);
  assert_only_failure (r2, "token.signer-eku");
}

static void
test_token_sha1 (TokenFixture *f, gconstpointer unused)
{
  guint8 sha1[20];
  unsigned int n = 0;
  PdTestTokenOptions o = { .imprint_nid = NID_sha1 };
  g_autoptr (PdVerifyResult) r = NULL;

  g_assert_true (EVP_Digest (f->data, f->len, sha1, &n, EVP_sha1 (), NULL));
  o.digest = sha1;
  o.digest_len = n;
  r = verify_forged (f, &o, pki.tsa, pki.ca_pem);
  /* The SHA-1 imprint does match the file: only the algorithm is refused. */
  assert_only_failure (r, "token.imprint-algorithm");
}

static void
test_token_two_signers (TokenFixture *f, gconstpointer unused)
{
  PdTestTokenOptions o = { .two_signers = TRUE };
  g_autoptr (PdVerifyResult) r = verify_forged (f, &o, pki.tsa, pki.ca_pem);

  assert_only_failure (r, "token.signer-count");
}

static void
test_token_no_certificate (TokenFixture *f, gconstpointer unused)
{
  PdTestTokenOptions o = { .no_certs = TRUE };
  g_autoptr (PdVerifyResult) r = verify_forged (f, &o, pki.tsa, pki.ca_pem);
  g_autoptr (PdTrustStore) trust = trust_with (pki.ca_pem);
  g_autoptr (PdVerifyResult) r2 = NULL;
  g_autoptr (GError) error = NULL;

  assert_only_failure (r, "token.signer-certificate");

  /* The same token with the chain supplied (untrusted) verifies. */
  g_assert_true (pd_trust_store_add_untrusted_file (trust, pki.chain_pem, &error));
  r2 = pd_verify_token_for_file (f->file, f->token, trust, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pd_verify_result_get_verdict (r2), ==, PD_VERDICT_VALID);
}

static void
test_token_ess_mismatch (TokenFixture *f, gconstpointer unused)
{
  /* Same key, different certificate: only the ESS id tells them apart. */
  PdTestTokenOptions o = { .ess_cert = pki.other_tsa };
  PdTestTokenOptions o2 = { .no_ess = TRUE };
  PdTestTokenOptions o3 = { .ess_v2 = TRUE };
  g_autoptr (PdVerifyResult) r = verify_forged (f, &o, pki.tsa, pki.ca_pem);
  g_autoptr (PdVerifyResult) r2 = verify_forged (f, &o2, pki.tsa, pki.ca_pem);
  g_autoptr (PdVerifyResult) r3 = verify_forged (f, &o3, pki.tsa, pki.ca_pem);

  assert_only_failure (r, "token.ess-cert-id");
  assert_only_failure (r2, "token.ess-cert-id");
  g_assert_cmpint (pd_verify_result_get_verdict (r3), ==, PD_VERDICT_VALID);
  g_assert_cmpstr (pd_verify_result_find_check (r3, "token.ess-cert-id", NULL)->detail, ==, "ESS v2");
}

static void
test_token_expired_now (TokenFixture *f, gconstpointer unused)
{
  /* Issued while the TSA certificate was valid; it has expired since: still valid. */
  PdTestTokenOptions o = { .gen_time = time (NULL) - 2 * YEAR };
  g_autoptr (PdVerifyResult) r = verify_forged (f, &o, pki.tsa_expired, pki.ca_pem);

  g_assert_cmpuint (pd_verify_result_count_failed (r), ==, 0);
  g_assert_cmpint (pd_verify_result_get_verdict (r), ==, PD_VERDICT_VALID);
}

static void
test_token_expired_at_gentime (TokenFixture *f, gconstpointer unused)
{
  PdTestTokenOptions o = { 0 };
  PdTestTokenOptions o2 = { .gen_time = time (NULL) - 5 * YEAR };
  g_autoptr (PdVerifyResult) r = verify_forged (f, &o, pki.tsa_expired, pki.ca_pem);
  /* genTime before the TSA certificate's notBefore. */
  g_autoptr (PdVerifyResult) r2 = verify_forged (f, &o2, pki.tsa, pki.ca_pem);

  assert_only_failure (r, "token.certificate-time");
  g_assert_nonnull (strstr (pd_verify_result_find_check (r, "token.certificate-time", NULL)->detail,
                            "expired"));
  assert_only_failure (r2, "token.certificate-time");
  g_assert_nonnull (strstr (pd_verify_result_find_check (r2, "token.certificate-time", NULL)->detail,
                            "not yet valid"));
}

static void
test_token_garbage (TokenFixture *f, gconstpointer unused)
{
  g_autoptr (PdTrustStore) trust = trust_with (pki.ca_pem);
  g_autoptr (GError) error = NULL;
  const char *inputs[] = { "", "garbage, not DER", "\x30\x03\x02\x01" };

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr (PdVerifyResult) r = NULL;

      g_file_set_contents (f->token, inputs[i], (gssize) strlen (inputs[i]), &error);
      g_assert_no_error (error);
      r = pd_verify_token_for_file (f->file, f->token, trust, NULL, &error);
      g_assert_no_error (error);
      assert_only_failure (r, "token.format");
    }

  /* A missing file or token is an error, not a verdict. */
  {
    g_autofree char *missing = g_build_filename (f->dir, "nope", NULL);
    g_autoptr (PdVerifyResult) r = pd_verify_token_for_file (missing, f->token, trust, NULL, &error);
    g_assert_null (r);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  }
}

static void
test_token_rejected (TokenFixture *f, gconstpointer unused)
{
  PdTestTokenOptions o = { .status = 2 };
  g_autoptr (PdVerifyResult) r = verify_forged (f, &o, pki.tsa, pki.ca_pem);

  assert_only_failure (r, "token.status");
}

static void
test_token_bytes (TokenFixture *f, gconstpointer unused)
{
  g_autoptr (GBytes) tsr = pd_test_token_respond (f->sha256, time (NULL), pki.tsa, pki.tsa_key,
                                                  pki.ca, TRUE);
  g_autoptr (PdTrustStore) trust = trust_with (pki.ca_pem);
  g_autoptr (PdVerifyResult) r = NULL;
  g_autoptr (PdVerifyResult) r2 = NULL;
  g_autoptr (GError) error = NULL;
  guint8 wrong[32];

  r = pd_verify_token_bytes (tsr, "SHA256", f->sha256, 32, trust, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pd_verify_result_get_verdict (r), ==, PD_VERDICT_VALID);

  memcpy (wrong, f->sha256, 32);
  wrong[31] ^= 1;
  r2 = pd_verify_token_bytes (tsr, "SHA256", wrong, 32, trust, &error);
  assert_only_failure (r2, "token.imprint");
}

static void
on_file_verified (GObject *source, GAsyncResult *result, gpointer user_data)
{
  PdVerifyResult **out = user_data;
  g_autoptr (GError) error = NULL;

  *out = pd_verify_token_for_file_finish (result, &error);
  g_assert_no_error (error);
}

static void
test_token_async (TokenFixture *f, gconstpointer unused)
{
  g_autoptr (GBytes) tsr = pd_test_token_respond (f->sha256, time (NULL), pki.tsa, pki.tsa_key,
                                                  NULL, FALSE);
  g_autoptr (PdTrustStore) trust = trust_with (pki.ca_pem);
  g_autoptr (PdVerifyResult) r = NULL;

  write_bytes (f->token, tsr);
  pd_verify_token_for_file_async (f->file, f->token, trust, NULL, on_file_verified, &r);
  while (r == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (pd_verify_result_get_verdict (r), ==, PD_VERDICT_VALID);
}

/* ------------------------------------------------------------------------------------------ */
/* Packages                                                                                   */

#define CP_INTERVAL (512 * 1024)
#define REC_SIZE    (3 * 1024 * 1024 + 12345)

typedef struct
{
  char    *dir;       /* the package */
  char    *outside;   /* a file beside it that must never be read */
  guint8  *rec;
  gsize    rec_len;
  guint    n_checkpoints;
  gint64   t0;        /* when the recording "started": checkpoint k is stamped at t0 + 60 k */
} PkgFixture;


static char *
pkg_path (PkgFixture *f, const char *rel)
{
  return g_build_filename (f->dir, rel, NULL);
}

static void
pkg_write (PkgFixture *f, const char *rel, const void *data, gsize len)
{
  g_autofree char *path = pkg_path (f, rel);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr (GError) error = NULL;

  g_mkdir_with_parents (dir, 0700);
  g_file_set_contents (path, data, (gssize) len, &error);
  g_assert_no_error (error);
}

#define PKG_CP_SECONDS 60

static gint64
pkg_duration (PkgFixture *f)
{
  return (gint64) f->n_checkpoints * PKG_CP_SECONDS + 30;
}

/* journal.jsonl as a capture writes it: start, each checkpoint and its stamp, stop. */
static void
pkg_write_journal (PkgFixture *f)
{
  g_autoptr (GString) j = g_string_new ("{\"event\":\"start\",\"session\":\"test-session\"}\n");

  for (guint k = 1; k <= f->n_checkpoints; k++)
    {
      g_autofree char *sha = pd_sha256_bytes (f->rec, (gsize) k * CP_INTERVAL);

      g_string_append_printf (j, "{\"event\":\"checkpoint\",\"index\":%u,\"offset\":%u,\"sha256\":\"%s\","
                                 "\"running_time_ns\":%" G_GINT64_FORMAT "}\n",
                              k, k * CP_INTERVAL, sha, (gint64) k * PKG_CP_SECONDS * G_GINT64_CONSTANT (1000000000));
      g_string_append_printf (j, "{\"event\":\"stamped\",\"index\":%u,\"token\":\"checkpoints/%06u.tsr\"}\n", k, k);
    }
  g_string_append (j, "{\"event\":\"stop\"}\n");
  pkg_write (f, "journal.jsonl", j->str, j->len);
}

static void
add_file_entry (JsonBuilder *b, const char *name, const void *data, gsize len)
{
  g_autofree char *sha = pd_sha256_bytes (data, len);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, name);
  json_builder_set_member_name (b, "size");
  json_builder_add_int_value (b, (gint64) len);
  json_builder_set_member_name (b, "sha256");
  json_builder_add_string_value (b, sha);
  json_builder_end_object (b);
}

/* Writes manifest.json (with `extra_name` as an additional files[] entry if set) and stamps it. */
static void
pkg_write_manifest (PkgFixture *f, const char *extra_name)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *rec_sha = pd_sha256_bytes (f->rec, f->rec_len);
  g_autofree char *text = NULL;
  g_autoptr (GBytes) tsr = NULL;
  guint8 digest[32];
  gsize text_len;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "format");
  json_builder_add_string_value (b, "proofdesk-evidence-package");
  json_builder_set_member_name (b, "format_version");
  json_builder_add_int_value (b, 1);
  json_builder_set_member_name (b, "state");
  json_builder_add_string_value (b, "stamped");
  json_builder_set_member_name (b, "session");
  json_builder_add_string_value (b, "test-session");
  json_builder_set_member_name (b, "case");
  json_builder_add_string_value (b, "Zhang v. Li");
  {
    g_autoptr (GDateTime) t0 = g_date_time_new_from_unix_utc (f->t0);
    g_autoptr (GDateTime) t1 = g_date_time_add_seconds (t0, (gdouble) pkg_duration (f));
    g_autofree char *started = pd_time_format_utc (t0);
    g_autofree char *stopped = pd_time_format_utc (t1);

    json_builder_set_member_name (b, "started");
    json_builder_add_string_value (b, started);
    json_builder_set_member_name (b, "stopped");
    json_builder_add_string_value (b, stopped);
    json_builder_set_member_name (b, "duration_seconds");
    json_builder_add_double_value (b, (double) pkg_duration (f));
    json_builder_set_member_name (b, "checkpoint_interval_seconds");
    json_builder_add_double_value (b, PKG_CP_SECONDS);
  }

  json_builder_set_member_name (b, "recording");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, "recording.mp4");
  json_builder_set_member_name (b, "size");
  json_builder_add_int_value (b, (gint64) f->rec_len);
  json_builder_set_member_name (b, "sha256");
  json_builder_add_string_value (b, rec_sha);
  json_builder_set_member_name (b, "digest_source");
  json_builder_add_string_value (b, "inline");
  json_builder_set_member_name (b, "token");
  json_builder_add_string_value (b, "recording.mp4.tsr");
  json_builder_end_object (b);

  json_builder_set_member_name (b, "checkpoints");
  json_builder_begin_array (b);
  for (guint k = 1; k <= f->n_checkpoints; k++)
    {
      g_autofree char *sha = pd_sha256_bytes (f->rec, (gsize) k * CP_INTERVAL);
      g_autofree char *token = g_strdup_printf ("checkpoints/%06u.tsr", k);
      g_autofree char *stream_time = g_strdup_printf ("00:%02u:00", k);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "index");
      json_builder_add_int_value (b, k);
      json_builder_set_member_name (b, "offset");
      json_builder_add_int_value (b, (gint64) k * CP_INTERVAL);
      json_builder_set_member_name (b, "sha256");
      json_builder_add_string_value (b, sha);
      json_builder_set_member_name (b, "running_time_ns");
      json_builder_add_int_value (b, (gint64) k * PKG_CP_SECONDS * G_GINT64_CONSTANT (1000000000));
      json_builder_set_member_name (b, "stream_time");
      json_builder_add_string_value (b, stream_time);
      json_builder_set_member_name (b, "wall_time");
      json_builder_add_string_value (b, "2026-01-01T00:00:00.000Z");
      json_builder_set_member_name (b, "token");
      json_builder_add_string_value (b, token);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  json_builder_set_member_name (b, "files");
  json_builder_begin_array (b);
  add_file_entry (b, "recording.mp4", f->rec, f->rec_len);
  {
    const char *names[] = { "recording.mp4.tsr", "tsa-chain.pem", "VERIFY.txt", "journal.jsonl" };

    pkg_write_journal (f);
    for (guint i = 0; i < G_N_ELEMENTS (names); i++)
      {
        g_autofree char *path = pkg_path (f, names[i]);
        g_autofree char *contents = NULL;
        gsize len = 0;

        g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
        add_file_entry (b, names[i], contents, len);
      }
    for (guint k = 1; k <= f->n_checkpoints; k++)
      {
        g_autofree char *name = g_strdup_printf ("checkpoints/%06u.tsr", k);
        g_autofree char *path = pkg_path (f, name);
        g_autofree char *contents = NULL;
        gsize len = 0;

        g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
        add_file_entry (b, name, contents, len);
      }
  }
  if (extra_name)
    add_file_entry (b, extra_name, "x", 1);
  json_builder_end_array (b);

  json_builder_set_member_name (b, "timestamps");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "authority");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "url");
  json_builder_add_string_value (b, "http://127.0.0.1:1/");
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, "Test TSA");
  json_builder_set_member_name (b, "practice");
  json_builder_add_boolean_value (b, FALSE);
  json_builder_end_object (b);
  json_builder_end_object (b);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  text = json_generator_to_data (gen, &text_len);
  {
    g_autofree char *m = pkg_path (f, "manifest.json");
    g_autofree char *t = pkg_path (f, "manifest.json.tsr");
    g_unlink (m);
    g_unlink (t);
  }
  pkg_write (f, "manifest.json", text, text_len);
  pd_test_sha256 (text, text_len, digest);
  tsr = pd_test_token_respond (digest, time (NULL), pki.tsa, pki.tsa_key, NULL, TRUE);
  pkg_write (f, "manifest.json.tsr", g_bytes_get_data (tsr, NULL), g_bytes_get_size (tsr));
}

static void
pkg_build (PkgFixture *f, gsize rec_len)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (20260101);
  g_autofree char *chain = NULL;
  gsize chain_len = 0;
  guint8 digest[32];
  g_autoptr (GBytes) tsr = NULL;
  const char *verify_txt = "sha256sum -c; openssl ts -verify …\n";

  f->rec_len = rec_len;
  f->rec = g_malloc (MAX (rec_len, 1));
  for (gsize i = 0; i < rec_len; i++)
    f->rec[i] = (guint8) g_rand_int (rand);
  f->n_checkpoints = (guint) (rec_len / CP_INTERVAL);
  f->t0 = (gint64) time (NULL) - pkg_duration (f);

  pkg_write (f, "recording.mp4", f->rec, f->rec_len);
  pd_test_sha256 (f->rec, f->rec_len, digest);
  /* The recording's token comes from OpenSSL's responder; checkpoints from the forge. */
  tsr = pd_test_token_respond (digest, time (NULL), pki.tsa, pki.tsa_key, NULL, FALSE);
  pkg_write (f, "recording.mp4.tsr", g_bytes_get_data (tsr, NULL), g_bytes_get_size (tsr));
  for (guint k = 1; k <= f->n_checkpoints; k++)
    {
      g_autofree char *name = g_strdup_printf ("checkpoints/%06u.tsr", k);
      g_autoptr (GBytes) cp = NULL;
      PdTestTokenOptions o = { .digest = digest, .digest_len = 32, .ess_v2 = TRUE,
                               .gen_time = f->t0 + (gint64) k * PKG_CP_SECONDS };

      pd_test_sha256 (f->rec, (gsize) k * CP_INTERVAL, digest);
      cp = pd_test_token_forge (&o, pki.tsa, pki.tsa_key);
      pkg_write (f, name, g_bytes_get_data (cp, NULL), g_bytes_get_size (cp));
    }
  g_assert_true (g_file_get_contents (pki.chain_pem, &chain, &chain_len, NULL));
  pkg_write (f, "tsa-chain.pem", chain, chain_len);
  pkg_write (f, "VERIFY.txt", verify_txt, strlen (verify_txt));
  pkg_write_manifest (f, NULL);
}

static void
pkg_setup (PkgFixture *f, gconstpointer unused)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *root = g_dir_make_tmp ("pd-verify-pkg-XXXXXX", &error);

  g_assert_no_error (error);
  f->dir = g_build_filename (root, "20260101-120000-wechat-chat", NULL);
  f->outside = g_build_filename (root, "outside.txt", NULL);
  g_assert_true (g_file_set_contents (f->outside, "secret", -1, NULL));
  g_assert_cmpint (g_mkdir (f->dir, 0700), ==, 0);
  pkg_build (f, REC_SIZE);
}

static void
pkg_teardown (PkgFixture *f, gconstpointer unused)
{
  g_autofree char *root = g_path_get_dirname (f->dir);

  pd_test_rm_rf (root);
  g_free (f->dir);
  g_free (f->outside);
  g_free (f->rec);
}

static PdVerifyResult *
pkg_verify (PkgFixture *f)
{
  g_autoptr (PdTrustStore) trust = trust_with (pki.ca_pem);
  g_autoptr (GError) error = NULL;
  PdVerifyResult *r = pd_verify_package (f->dir, trust, NULL, NULL, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (r);
  return r;
}

static void
record_progress (guint64 done, guint64 total, gpointer user_data)
{
  guint64 *p = user_data;

  g_assert_cmpuint (done, >=, p[0]);
  p[0] = done;
  p[1] = total;
  p[2]++;
}

static void
test_package_intact (PkgFixture *f, gconstpointer unused)
{
  g_autoptr (PdTrustStore) trust = trust_with (pki.ca_pem);
  g_autoptr (PdVerifyResult) r = NULL;
  g_autoptr (PdVerifyResult) r2 = NULL;
  g_autoptr (PdVerifyResult) r3 = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *manifest = pkg_path (f, "manifest.json");
  guint64 progress[3] = { 0 };

  r = pd_verify_package (f->dir, trust, record_progress, progress, NULL, &error);
  g_assert_no_error (error);
  if (pd_verify_result_count_failed (r) > 0)
    {
      g_autoptr (JsonNode) node = pd_verify_result_to_json (r);
      g_autofree char *text = json_to_string (node, TRUE);
      g_printerr ("%s\n", text);
    }
  g_assert_cmpuint (pd_verify_result_count_failed (r), ==, 0);
  g_assert_cmpint (pd_verify_result_get_verdict (r), ==, PD_VERDICT_VALID);
  g_assert_false (pd_verify_result_get_tamper_location (r, NULL, NULL, NULL));
  assert_check (r, "recording.digest", "recording.mp4", PD_CHECK_PASSED);
  assert_check (r, "token.imprint", "recording.mp4.tsr", PD_CHECK_PASSED);
  assert_check (r, "token.imprint", "manifest.json.tsr", PD_CHECK_PASSED);
  assert_check (r, "file.content", "VERIFY.txt", PD_CHECK_PASSED);
  for (guint k = 1; k <= f->n_checkpoints; k++)
    {
      g_autofree char *label = g_strdup_printf ("checkpoint %u", k);
      g_autofree char *token = g_strdup_printf ("checkpoints/%06u.tsr", k);
      assert_check (r, "checkpoint.digest", label, PD_CHECK_PASSED);
      assert_check (r, "token.imprint", token, PD_CHECK_PASSED);
      assert_check (r, "token.chain", token, PD_CHECK_PASSED);
    }
  /* Every byte read exactly once: the recording is not read again per checkpoint. */
  g_assert_cmpuint (progress[2], >, 0);
  g_assert_cmpuint (progress[0], ==, progress[1]);
  g_assert_cmpuint (progress[1], >=, REC_SIZE);
  g_assert_cmpuint (progress[1], <, REC_SIZE + 100000);

  /* The manifest path stands for its folder. */
  r2 = pd_verify_package (manifest, trust, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pd_verify_result_get_verdict (r2), ==, PD_VERDICT_VALID);

  /* Without the CA: intact, but untrusted. */
  {
    g_autoptr (PdTrustStore) empty = pd_trust_store_new ();
    r3 = pd_verify_package (f->dir, empty, NULL, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpint (pd_verify_result_get_verdict (r3), ==, PD_VERDICT_UNTRUSTED_AUTHORITY);
  }
}

static void
flip_byte (PkgFixture *f, gsize offset)
{
  g_autofree char *path = pkg_path (f, "recording.mp4");
  int fd = g_open (path, O_WRONLY, 0);
  guint8 b = f->rec[offset] ^ 0x5a;

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (pwrite (fd, &b, 1, (off_t) offset), ==, 1);
  close (fd);
}

static void
restore_byte (PkgFixture *f, gsize offset)
{
  g_autofree char *path = pkg_path (f, "recording.mp4");
  int fd = g_open (path, O_WRONLY, 0);

  g_assert_cmpint (pwrite (fd, &f->rec[offset], 1, (off_t) offset), ==, 1);
  close (fd);
}

static void
test_package_tamper_located (PkgFixture *f, gconstpointer unused)
{
  const gsize offsets[] = { 100, CP_INTERVAL - 1, CP_INTERVAL, 2 * CP_INTERVAL - 1,
                            2000000, 6 * CP_INTERVAL - 1, REC_SIZE - 1 };

  for (guint i = 0; i < G_N_ELEMENTS (offsets); i++)
    {
      g_autoptr (PdVerifyResult) r = NULL;
      guint64 intact = G_MAXUINT64;
      guint checkpoint = G_MAXUINT;
      const char *stream_time = NULL;
      guint expect_k = (guint) (offsets[i] / CP_INTERVAL);

      flip_byte (f, offsets[i]);
      r = pkg_verify (f);
      restore_byte (f, offsets[i]);

      g_assert_cmpint (pd_verify_result_get_verdict (r), ==, PD_VERDICT_INVALID);
      assert_check (r, "recording.digest", "recording.mp4", PD_CHECK_FAILED);
      assert_check (r, "token.imprint", "recording.mp4.tsr", PD_CHECK_FAILED);
      g_assert_true (pd_verify_result_get_tamper_location (r, &intact, &checkpoint, &stream_time));
      g_assert_cmpuint (checkpoint, ==, expect_k);
      g_assert_cmpuint (intact, ==, (guint64) expect_k * CP_INTERVAL);
      g_assert_cmpuint (intact, <=, offsets[i]);
      if (expect_k > 0)
        {
          g_autofree char *want = g_strdup_printf ("00:%02u:00", expect_k);
          g_autofree char *label = g_strdup_printf ("checkpoint %u", expect_k);
          g_assert_cmpstr (stream_time, ==, want);
          g_assert_nonnull (strstr (pd_verify_result_get_summary (r), want));
          assert_check (r, "checkpoint.digest", label, PD_CHECK_PASSED);
        }
      if (expect_k < f->n_checkpoints)
        {
          g_autofree char *label = g_strdup_printf ("checkpoint %u", expect_k + 1);
          assert_check (r, "checkpoint.digest", label, PD_CHECK_FAILED);
        }
      assert_check (r, "recording.tamper-location", NULL, PD_CHECK_INFO);
    }
}

/* The forger changes the recording and rewrites (and re-stamps) the manifest to match: the
 * original tokens still tell, and still locate the change. */
static void
test_package_rewritten_manifest (PkgFixture *f, gconstpointer unused)
{
  g_autoptr (PdVerifyResult) r = NULL;
  guint checkpoint = G_MAXUINT;

  flip_byte (f, 2000000);
  f->rec[2000000] ^= 0x5a;
  pkg_write_manifest (f, NULL);
  r = pkg_verify (f);
  g_assert_cmpint (pd_verify_result_get_verdict (r), ==, PD_VERDICT_INVALID);
  assert_check (r, "recording.digest", NULL, PD_CHECK_PASSED);
  assert_check (r, "token.imprint", "manifest.json.tsr", PD_CHECK_PASSED);
  assert_check (r, "token.imprint", "recording.mp4.tsr", PD_CHECK_FAILED);
  assert_check (r, "token.imprint", "checkpoints/000003.tsr", PD_CHECK_PASSED);
  assert_check (r, "token.imprint", "checkpoints/000004.tsr", PD_CHECK_FAILED);
  g_assert_true (pd_verify_result_get_tamper_location (r, NULL, &checkpoint, NULL));
  g_assert_cmpuint (checkpoint, ==, 3);
}

static void
test_package_truncated (PkgFixture *f, gconstpointer unused)
{
  g_autofree char *path = pkg_path (f, "recording.mp4");
  g_autoptr (PdVerifyResult) r = NULL;
  g_autoptr (PdVerifyResult) r2 = NULL;
  guint checkpoint = G_MAXUINT;

  /* Cut after checkpoint 2: 1 and 2 still prove the first megabyte. */
  g_assert_cmpint (truncate (path, 2 * CP_INTERVAL + 10), ==, 0);
  r = pkg_verify (f);
  g_assert_cmpint (pd_verify_result_get_verdict (r), ==, PD_VERDICT_INVALID);
  assert_check (r, "recording.size", NULL, PD_CHECK_FAILED);
  assert_check (r, "checkpoint.digest", "checkpoint 3", PD_CHECK_FAILED);
  g_assert_true (pd_verify_result_get_tamper_location (r, NULL, &checkpoint, NULL));
  g_assert_cmpuint (checkpoint, ==, 2);

  /* Zero bytes. */
  g_assert_cmpint (truncate (path, 0), ==, 0);
  r2 = pkg_verify (f);
  g_assert_cmpint (pd_verify_result_get_verdict (r2), ==, PD_VERDICT_INVALID);
  assert_check (r2, "recording.size", NULL, PD_CHECK_FAILED);
  assert_check (r2, "recording.empty", NULL, PD_CHECK_FAILED);
  g_assert_true (pd_verify_result_get_tamper_location (r2, NULL, &checkpoint, NULL));
  g_assert_cmpuint (checkpoint, ==, 0);
}

static void
test_package_manifest_changed (PkgFixture *f, gconstpointer unused)
{
  g_autofree char *path = pkg_path (f, "manifest.json");
  g_autofree char *text = NULL;
  g_autofree char *changed = NULL;
  g_autoptr (PdVerifyResult) r = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  changed = g_strdup (text);
  memcpy (strstr (changed, "Zhang v. Li"), "Zhang v. Wu", 11);
  g_assert_true (g_file_set_contents (path, changed, -1, NULL));
  r = pkg_verify (f);
  assert_only_failure (r, "token.imprint");
  assert_check (r, "token.imprint", "manifest.json.tsr", PD_CHECK_FAILED);
}

static void
test_package_checkpoint_token_swapped (PkgFixture *f, gconstpointer unused)
{
  g_autofree char *two = pkg_path (f, "checkpoints/000002.tsr");
  g_autofree char *three = pkg_path (f, "checkpoints/000003.tsr");
  g_autofree char *contents = NULL;
  gsize len = 0;
  g_autoptr (PdVerifyResult) r = NULL;
  g_autoptr (PdVerifyResult) r2 = NULL;

  g_assert_true (g_file_get_contents (two, &contents, &len, NULL));
  g_assert_true (g_file_set_contents (three, contents, (gssize) len, NULL));
  r = pkg_verify (f);
  g_assert_cmpint (pd_verify_result_get_verdict (r), ==, PD_VERDICT_INVALID);
  assert_check (r, "token.imprint", "checkpoints/000003.tsr", PD_CHECK_FAILED);
  assert_check (r, "file.content", "checkpoints/000003.tsr", PD_CHECK_FAILED);
  assert_check (r, "token.imprint", "checkpoints/000002.tsr", PD_CHECK_PASSED);

  /* Even re-listed in a re-stamped manifest, the swapped token does not fit its prefix. */
  pkg_write_manifest (f, NULL);
  r2 = pkg_verify (f);
  assert_only_failure (r2, "token.imprint");
  assert_check (r2, "token.imprint", "checkpoints/000003.tsr", PD_CHECK_FAILED);
}

static void
test_package_missing_extra (PkgFixture *f, gconstpointer unused)
{
  g_autofree char *verify_txt = pkg_path (f, "VERIFY.txt");
  g_autoptr (PdVerifyResult) r = NULL;

  g_assert_cmpint (g_unlink (verify_txt), ==, 0);
  pkg_write (f, "notes.txt", "hello", 5);
  pkg_write (f, "stills/0001-extra.png", "png", 3);
  r = pkg_verify (f);
  g_assert_cmpint (pd_verify_result_get_verdict (r), ==, PD_VERDICT_INVALID);
  assert_check (r, "file.missing", "VERIFY.txt", PD_CHECK_FAILED);
  assert_check (r, "package.extra-file", "notes.txt", PD_CHECK_FAILED);
  /* No listed file lies in stills/: the folder is reported whole, not walked into. */
  assert_check (r, "package.extra-file", "stills", PD_CHECK_FAILED);
  g_assert_null (pd_verify_result_find_check (r, "package.extra-file", "certificate.pdf"));
  /* The recording itself is fine and says so. */
  assert_check (r, "recording.digest", NULL, PD_CHECK_PASSED);
}

static void
test_package_hostile_names (PkgFixture *f, gconstpointer unused)
{
  const char *names[] = { "../outside.txt", "/etc/hostname", "checkpoints/../../outside.txt",
                          "a//b", "./VERIFY.txt" };
  g_autofree char *link = pkg_path (f, "link.txt");

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr (PdVerifyResult) r = NULL;

      pkg_write_manifest (f, names[i]);
      r = pkg_verify (f);
      assert_only_failure (r, "file.name");
      assert_check (r, "file.name", names[i], PD_CHECK_FAILED);
    }

  /* A symlink listed in the manifest is refused, not followed. */
  g_assert_cmpint (symlink (f->outside, link), ==, 0);
  {
    g_autoptr (PdVerifyResult) r = NULL;

    pkg_write_manifest (f, "link.txt");
    r = pkg_verify (f);
    g_assert_cmpint (pd_verify_result_get_verdict (r), ==, PD_VERDICT_INVALID);
    assert_check (r, "file.name", "link.txt", PD_CHECK_FAILED);
    assert_check (r, "package.symlink", "link.txt", PD_CHECK_FAILED);
    g_assert_null (pd_verify_result_find_check (r, "file.content", "link.txt"));
  }
}

static void
test_package_errors (PkgFixture *f, gconstpointer unused)
{
  g_autofree char *manifest = pkg_path (f, "manifest.json");
  g_autofree char *tsr = pkg_path (f, "recording.mp4.tsr");
  g_autoptr (PdTrustStore) trust = trust_with (pki.ca_pem);
  g_autoptr (GError) error = NULL;
  g_autoptr (PdVerifyResult) r = NULL;
  g_autoptr (PdVerifyResult) r2 = NULL;
  g_autoptr (PdVerifyResult) r3 = NULL;

  /* Garbage recording token. */
  g_assert_true (g_file_set_contents (tsr, "not a token", -1, NULL));
  r = pkg_verify (f);
  g_assert_cmpint (pd_verify_result_get_verdict (r), ==, PD_VERDICT_INVALID);
  assert_check (r, "token.format", "recording.mp4.tsr", PD_CHECK_FAILED);

  /* Empty recording token. */
  g_assert_true (g_file_set_contents (tsr, "", 0, NULL));
  r3 = pkg_verify (f);
  assert_check (r3, "token.format", "recording.mp4.tsr", PD_CHECK_FAILED);

  /* Garbage manifest (its token no longer fits either). */
  g_assert_true (g_file_set_contents (manifest, "{ not json", -1, NULL));
  r2 = pkg_verify (f);
  g_assert_cmpint (pd_verify_result_get_verdict (r2), ==, PD_VERDICT_INVALID);
  assert_check (r2, "manifest.parse", NULL, PD_CHECK_FAILED);

  /* No manifest: not a package at all. */
  g_assert_cmpint (g_unlink (manifest), ==, 0);
  g_assert_null (pd_verify_package (f->dir, trust, NULL, NULL, NULL, &error));
  g_assert_error (error, PD_VERIFY_ERROR, PD_VERIFY_ERROR_FORMAT);
  g_clear_error (&error);

  g_assert_null (pd_verify_package ("/nonexistent/pd-verify", trust, NULL, NULL, NULL, &error));
  g_assert_nonnull (error);
}

typedef struct
{
  PdVerifyResult *result;
  guint64         done, total;
  guint           calls;
  gboolean        progress_after_result;
} AsyncRun;

static void
on_async_progress (guint64 done, guint64 total, gpointer user_data)
{
  AsyncRun *run = user_data;

  if (run->result)
    run->progress_after_result = TRUE;
  run->done = done;
  run->total = total;
  run->calls++;
}

static void
on_package_verified (GObject *source, GAsyncResult *result, gpointer user_data)
{
  AsyncRun *run = user_data;
  g_autoptr (GError) error = NULL;

  run->result = pd_verify_package_finish (result, &error);
  g_assert_no_error (error);
}

static void
test_package_async (PkgFixture *f, gconstpointer unused)
{
  g_autoptr (PdTrustStore) trust = trust_with (pki.ca_pem);
  AsyncRun run = { 0 };
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);

  pd_verify_package_async (f->dir, trust, on_async_progress, &run, NULL, NULL,
                           on_package_verified, &run);
  while (run.result == NULL)
    g_main_context_iteration (NULL, TRUE);
  /* Drain anything still queued, to catch a report after the result. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpint (pd_verify_result_get_verdict (run.result), ==, PD_VERDICT_VALID);
  g_assert_cmpuint (run.calls, >, 0);
  g_assert_cmpuint (run.done, ==, run.total);
  g_assert_false (run.progress_after_result);
  pd_verify_result_unref (run.result);
}

static void
test_package_json (PkgFixture *f, gconstpointer unused)
{
  g_autoptr (PdVerifyResult) r = NULL;
  g_autoptr (JsonNode) node = NULL;
  g_autofree char *text = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  JsonObject *obj;
  JsonArray *checks;

  flip_byte (f, 3 * CP_INTERVAL + 7);
  r = pkg_verify (f);
  node = pd_verify_result_to_json (r);
  text = json_to_string (node, FALSE);
  g_assert_true (json_parser_load_from_data (parser, text, -1, &error));
  obj = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (obj, "verdict"), ==, "invalid");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (obj, "tamper"),
                                               "intact_up_to"), ==, 3 * CP_INTERVAL);
  checks = json_object_get_array_member (obj, "checks");
  g_assert_cmpuint (json_array_get_length (checks), ==, pd_verify_result_get_checks (r)->len);
  for (guint i = 0; i < json_array_get_length (checks); i++)
    {
      JsonObject *c = json_array_get_object_element (checks, i);
      g_assert_true (json_object_has_member (c, "id"));
      g_assert_true (json_object_has_member (c, "status"));
      g_assert_true (json_object_has_member (c, "message"));
    }
}

/* (file, certificate.pdf): the tokens come out of the PDF's attachments. */
static void
test_package_certificate_pdf (PkgFixture *f, gconstpointer unused)
{
  g_autofree char *rec = pkg_path (f, "recording.mp4");
  g_autofree char *pdf = pkg_path (f, "certificate.pdf");
  g_autofree char *bad_pdf = g_build_filename (f->dir, "..", "bad-certificate.pdf", NULL);
  g_autoptr (PdCertificateInfo) info = pd_certificate_info_new ();
  g_autoptr (PdCertificateInfo) bad = pd_certificate_info_new ();
  g_autoptr (PdTrustStore) trust = trust_with (pki.ca_pem);
  g_autoptr (PdVerifyResult) r = NULL;
  g_autoptr (PdVerifyResult) r2 = NULL;
  g_autoptr (PdVerifyResult) r3 = NULL;
  g_autoptr (GError) error = NULL;
  const char *names[] = { "recording.mp4.tsr", "manifest.json.tsr" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = pkg_path (f, names[i]);
      g_autofree char *contents = NULL;
      gsize len = 0;
      g_autoptr (GBytes) bytes = NULL;

      g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
      bytes = g_bytes_new (contents, len);
      pd_certificate_info_add_attachment (info, names[i], bytes, NULL);
      if (i == 0)
        {
          /* A certificate whose file token is a checkpoint's: wrong data. */
          g_autofree char *cp = pkg_path (f, "checkpoints/000001.tsr");
          g_autofree char *cp_contents = NULL;
          g_autoptr (GBytes) cp_bytes = NULL;

          g_assert_true (g_file_get_contents (cp, &cp_contents, &len, NULL));
          cp_bytes = g_bytes_new (cp_contents, len);
          pd_certificate_info_add_attachment (bad, names[i], cp_bytes, NULL);
        }
    }
  g_assert_true (pd_certificate_write (info, pdf, &error));
  g_assert_no_error (error);
  g_assert_true (pd_certificate_write (bad, bad_pdf, &error));
  g_assert_no_error (error);

  r = pd_verify_token_for_file (rec, pdf, trust, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pd_verify_result_get_verdict (r), ==, PD_VERDICT_VALID);
  assert_check (r, "token.imprint", "recording.mp4.tsr", PD_CHECK_PASSED);
  assert_check (r, "certificate.manifest-token", NULL, PD_CHECK_INFO);

  r2 = pd_verify_token_for_file (rec, bad_pdf, trust, NULL, &error);
  g_assert_no_error (error);
  assert_only_failure (r2, "token.imprint");

  /* certificate.pdf inside a package is expected, not an extra file. */
  r3 = pkg_verify (f);
  g_assert_cmpint (pd_verify_result_get_verdict (r3), ==, PD_VERDICT_VALID);
  assert_check (r3, "certificate.tokens", "certificate.pdf: recording.mp4.tsr", PD_CHECK_PASSED);

  /* A package whose certificate carries another token. */
  {
    g_autoptr (PdVerifyResult) r4 = NULL;

    g_assert_cmpint (g_unlink (pdf), ==, 0);
    g_assert_cmpint (g_rename (bad_pdf, pdf), ==, 0);
    r4 = pkg_verify (f);
    assert_only_failure (r4, "certificate.tokens");
  }
}

/* ------------------------------------------------------------------------------------------ */
/* proofctl verify                                                                            */

static int
run_proofctl (const char *data_dir, char **out, const char *first, ...)
{
  const char *proofctl = g_getenv ("PROOFCTL");
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *stdout_text = NULL;
  va_list args;

  g_assert_nonnull (proofctl);
  g_ptr_array_add (argv, (gpointer) proofctl);
  g_ptr_array_add (argv, "verify");
  va_start (args, first);
  for (const char *a = first; a; a = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) a);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_setenv (launcher, "PROOFDESK_DATA_DIR", data_dir, TRUE);
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  proc = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, &stdout_text, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (proc));
  if (out)
    *out = g_steal_pointer (&stdout_text);
  return g_subprocess_get_exit_status (proc);
}

static void
test_cli (PkgFixture *f, gconstpointer unused)
{
  g_autofree char *root = g_path_get_dirname (f->dir);
  g_autofree char *data_dir = g_build_filename (root, "data", NULL);
  g_autofree char *rec = pkg_path (f, "recording.mp4");
  g_autofree char *tsr = pkg_path (f, "recording.mp4.tsr");
  g_autofree char *other_tsr = pkg_path (f, "checkpoints/000001.tsr");
  g_autofree char *out = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  JsonObject *obj;

  if (g_getenv ("PROOFCTL") == NULL)
    {
      g_test_skip ("PROOFCTL is not set (run through meson test)");
      return;
    }
  g_mkdir_with_parents (data_dir, 0700);

  g_assert_cmpint (run_proofctl (data_dir, &out, rec, tsr, "--ca", pki.ca_pem, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "✓"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_proofctl (data_dir, NULL, f->dir, "--ca", pki.ca_pem, NULL), ==, 0);
  g_assert_cmpint (run_proofctl (data_dir, NULL, rec, tsr, "--no-system-ca", NULL), ==, 3);
  g_assert_cmpint (run_proofctl (data_dir, &out, rec, other_tsr, "--ca", pki.ca_pem, NULL), ==, 1);
  g_assert_nonnull (strstr (out, "✗"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_proofctl (data_dir, NULL, "/nonexistent", tsr, NULL), ==, 2);
  g_assert_cmpint (run_proofctl (data_dir, NULL, NULL), ==, 2);
  g_assert_cmpint (run_proofctl (data_dir, NULL, rec, tsr, "--ca", "/nonexistent.pem", NULL), ==, 2);

  /* --json is one parseable object with the verdict and every check. */
  g_assert_cmpint (run_proofctl (data_dir, &out, f->dir, "--json", "--ca", pki.ca_pem, NULL), ==, 0);
  g_assert_true (json_parser_load_from_data (parser, out, -1, &error));
  g_assert_no_error (error);
  obj = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (obj, "verdict"), ==, "valid");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (obj, "checks")), >, 50);
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (run_proofctl (data_dir, &out, "/nonexistent", "--json", NULL), ==, 2);
  g_assert_true (json_parser_load_from_data (parser, out, -1, &error));
  obj = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (obj, "verdict"), ==, "error");
  g_clear_pointer (&out, g_free);

  /* With the test CA as the practice root: valid, and plainly labelled practice. */
  {
    g_autofree char *tsa_dir = g_build_filename (data_dir, "local-tsa", NULL);
    g_autofree char *ca = g_build_filename (tsa_dir, "practice-ca.pem", NULL);

    g_mkdir_with_parents (tsa_dir, 0700);
    pd_test_write_cert (ca, pki.ca, NULL);
    g_assert_cmpint (run_proofctl (data_dir, &out, rec, tsr, NULL), ==, 0);
    g_assert_nonnull (strstr (out, "valid — practice authority, not for court"));
  }
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  pd_core_init (NULL, NULL);
  pki_setup ();

#define TOKEN_TEST(path, fn) \
  g_test_add ("/core/verify/token/" path, TokenFixture, NULL, token_setup, fn, token_teardown)
#define PKG_TEST(path, fn) \
  g_test_add ("/core/verify/package/" path, PkgFixture, NULL, pkg_setup, fn, pkg_teardown)

  TOKEN_TEST ("valid", test_token_valid);
  TOKEN_TEST ("untrusted", test_token_untrusted);
  TOKEN_TEST ("practice", test_token_practice);
  TOKEN_TEST ("openssl-cli", test_token_openssl_cli);
  TOKEN_TEST ("wrong-imprint", test_token_wrong_imprint);
  TOKEN_TEST ("bad-signature", test_token_bad_signature);
  TOKEN_TEST ("eku-not-critical", test_token_eku_not_critical);
  TOKEN_TEST ("sha1-imprint", test_token_sha1);
  TOKEN_TEST ("two-signers", test_token_two_signers);
  TOKEN_TEST ("no-certificate", test_token_no_certificate);
  TOKEN_TEST ("ess-mismatch", test_token_ess_mismatch);
  TOKEN_TEST ("expired-now-valid-then", test_token_expired_now);
  TOKEN_TEST ("invalid-at-gentime", test_token_expired_at_gentime);
  TOKEN_TEST ("garbage", test_token_garbage);
  TOKEN_TEST ("rejected", test_token_rejected);
  TOKEN_TEST ("bytes", test_token_bytes);
  TOKEN_TEST ("async", test_token_async);
  PKG_TEST ("intact", test_package_intact);
  PKG_TEST ("tamper-located", test_package_tamper_located);
  PKG_TEST ("truncated", test_package_truncated);
  PKG_TEST ("rewritten-manifest", test_package_rewritten_manifest);
  PKG_TEST ("manifest-changed", test_package_manifest_changed);
  PKG_TEST ("checkpoint-token-swapped", test_package_checkpoint_token_swapped);
  PKG_TEST ("missing-extra", test_package_missing_extra);
  PKG_TEST ("hostile-names", test_package_hostile_names);
  PKG_TEST ("errors", test_package_errors);
  PKG_TEST ("async", test_package_async);
  PKG_TEST ("json", test_package_json);
  PKG_TEST ("certificate-pdf", test_package_certificate_pdf);
  g_test_add ("/core/verify/cli", PkgFixture, NULL, pkg_setup, test_cli, pkg_teardown);

  ret = g_test_run ();
  pki_teardown ();
  return ret;
}
