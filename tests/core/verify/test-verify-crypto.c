/* test-verify-crypto.c — the verifier's crypto policy, chain defects, revocation, --ca helpers and practice identity. */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <string.h>
#include <time.h>

#include "pd-core.h"
#include "pd-test-tokens.h"
#include "pd-test-tsa.h"
#include "timestamp/pd-local-tsa.h"
#include "util/pd-private.h"
#include "verify/pd-verify.h"
#include "test-common.h"

#define DAY  (24 * 3600)
#define YEAR (365 * DAY)

/* One throwaway PKI for the whole run: an EC root and TSA, an RSA root and TSA. */
static struct
{
  char     *dir;
  EVP_PKEY *ca_key, *tsa_key, *rsa_ca_key, *rsa_tsa_key, *other_key;
  X509     *ca, *tsa, *rsa_ca, *rsa_tsa;
  char     *ca_pem, *rsa_ca_pem, *tsa_pem;
} pki;

static char *
pki_write (const char *name, X509 *cert, X509 *second)
{
  char *path = g_build_filename (pki.dir, name, NULL);

  pd_test_write_cert (path, cert, second);
  return path;
}

static void
pki_setup (void)
{
  g_autoptr (GError) error = NULL;

  pki.dir = g_dir_make_tmp ("pd-verify-crypto-XXXXXX", &error);
  g_assert_no_error (error);
  pki.ca_key = pd_test_key_new ();
  pki.tsa_key = pd_test_key_new ();
  pki.other_key = pd_test_key_new ();
  pki.rsa_ca_key = pd_test_rsa_key_new (2048);
  pki.rsa_tsa_key = pd_test_rsa_key_new (2048);
  pki.ca = pd_test_cert_new ("Crypto Root CA", pki.ca_key, NULL, NULL, -10 * YEAR, 10 * YEAR,
                             PD_TEST_CERT_CA);
  pki.tsa = pd_test_cert_new ("Crypto TSA", pki.tsa_key, pki.ca, pki.ca_key, -YEAR, YEAR,
                              PD_TEST_CERT_TSA);
  pki.rsa_ca = pd_test_cert_new ("RSA Root CA", pki.rsa_ca_key, NULL, NULL, -10 * YEAR,
                                 10 * YEAR, PD_TEST_CERT_CA);
  pki.rsa_tsa = pd_test_cert_new ("RSA TSA", pki.rsa_tsa_key, pki.rsa_ca, pki.rsa_ca_key, -YEAR,
                                  YEAR, PD_TEST_CERT_TSA);
  pki.ca_pem = pki_write ("ca.pem", pki.ca, NULL);
  pki.rsa_ca_pem = pki_write ("rsa-ca.pem", pki.rsa_ca, NULL);
  pki.tsa_pem = pki_write ("tsa.pem", pki.tsa, NULL);
}

static void
pki_teardown (void)
{
  pd_test_rm_rf (pki.dir);
  g_free (pki.dir);
  g_free (pki.ca_pem);
  g_free (pki.rsa_ca_pem);
  g_free (pki.tsa_pem);
  X509_free (pki.ca);
  X509_free (pki.tsa);
  X509_free (pki.rsa_ca);
  X509_free (pki.rsa_tsa);
  EVP_PKEY_free (pki.ca_key);
  EVP_PKEY_free (pki.tsa_key);
  EVP_PKEY_free (pki.rsa_ca_key);
  EVP_PKEY_free (pki.rsa_tsa_key);
  EVP_PKEY_free (pki.other_key);
}

/* ------------------------------------------------------------------------------------------ */
/* Helpers                                                                                    */

typedef struct
{
  char   *dir;
  char   *file;
  char   *token;
  guint8  sha256[32];
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer unused)
{
  g_autoptr (GError) error = NULL;
  guint8 data[4096];

  f->dir = g_dir_make_tmp ("pd-verify-crypto-t-XXXXXX", &error);
  g_assert_no_error (error);
  for (gsize i = 0; i < sizeof data; i++)
    data[i] = (guint8) g_random_int ();
  pd_test_sha256 (data, sizeof data, f->sha256);
  f->file = g_build_filename (f->dir, "evidence.bin", NULL);
  f->token = g_build_filename (f->dir, "evidence.bin.tsr", NULL);
  g_assert_true (g_file_set_contents (f->file, (const char *) data, sizeof data, &error));
}

static void
fixture_teardown (Fixture *f, gconstpointer unused)
{
  pd_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->file);
  g_free (f->token);
}

/* A trust store with these PEM files as --ca (NULL-terminated). */
static PdTrustStore *
trust_with (const char *first, ...)
{
  PdTrustStore *trust = pd_trust_store_new ();
  va_list args;

  va_start (args, first);
  for (const char *path = first; path; path = va_arg (args, const char *))
    {
      g_autoptr (GError) error = NULL;

      g_assert_true (pd_trust_store_add_ca_file (trust, path, &error));
      g_assert_no_error (error);
    }
  va_end (args);
  return trust;
}

/* Forges a token over the fixture's data, writes it to f->token and verifies it. */
static PdVerifyResult *
verify_forged (Fixture *f, PdTestTokenOptions *o, X509 *signer, EVP_PKEY *key, PdTrustStore *trust)
{
  g_autoptr (GBytes) tsr = NULL;
  g_autoptr (GError) error = NULL;
  PdVerifyResult *r;

  o->digest = f->sha256;
  o->digest_len = sizeof f->sha256;
  tsr = pd_test_token_forge (o, signer, key);
  g_assert_true (g_file_set_contents (f->token, g_bytes_get_data (tsr, NULL),
                                      (gssize) g_bytes_get_size (tsr), &error));
  r = pd_verify_token_bytes (tsr, "SHA256", f->sha256, sizeof f->sha256, trust, &error);
  g_assert_no_error (error);
  g_assert_nonnull (r);
  return r;
}

static const PdVerifyCheck *
check_of (PdVerifyResult *r, const char *id)
{
  const PdVerifyCheck *check = pd_verify_result_find_check (r, id, NULL);

  if (check == NULL)
    g_error ("no check %s", id);
  return check;
}

static void
assert_status (PdVerifyResult *r, const char *id, PdCheckStatus status)
{
  const PdVerifyCheck *check = check_of (r, id);

  if (check->status != status)
    g_error ("check %s is %d, expected %d: %s [%s]", id, check->status, status, check->message,
             check->detail ? check->detail : "");
  g_assert_cmpstr (check->message, !=, "");
}

/* Every check passed or informed, and the verdict is `verdict`. */
static void
assert_clean (PdVerifyResult *r, PdVerdict verdict)
{
  GPtrArray *checks = pd_verify_result_get_checks (r);

  for (guint i = 0; i < checks->len; i++)
    {
      const PdVerifyCheck *c = g_ptr_array_index (checks, i);

      if (c->status == PD_CHECK_FAILED)
        g_error ("unexpected failure %s: %s [%s]", c->id, c->message, c->detail ? c->detail : "");
    }
  g_assert_cmpint (pd_verify_result_get_verdict (r), ==, verdict);
}

/* `id` failed (not for trust only), nothing else did, and the verdict is invalid. */
static void
assert_only_failure (PdVerifyResult *r, const char *id)
{
  GPtrArray *checks = pd_verify_result_get_checks (r);

  for (guint i = 0; i < checks->len; i++)
    {
      const PdVerifyCheck *c = g_ptr_array_index (checks, i);

      if (c->status == PD_CHECK_FAILED && !g_str_equal (c->id, id))
        g_error ("unexpected failure %s: %s [%s]", c->id, c->message, c->detail ? c->detail : "");
    }
  g_assert_cmpint (check_of (r, id)->status, ==, PD_CHECK_FAILED);
  g_assert_false (check_of (r, id)->trust_only);
  g_assert_cmpint (pd_verify_result_get_verdict (r), ==, PD_VERDICT_INVALID);
}

static void
assert_message_has (PdVerifyResult *r, const char *id, const char *text)
{
  const PdVerifyCheck *check = check_of (r, id);

  if (strstr (check->message, text) == NULL)
    g_error ("check %s says \"%s\", expected it to name \"%s\"", id, check->message, text);
}

/* A TSA certificate under `issuer` with these options. */
static X509 *
tsa_cert (const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key, const EVP_MD *md)
{
  PdTestCertOptions o = { .cn = cn, .key = key, .issuer = issuer, .issuer_key = issuer_key,
                          .not_before_s = -YEAR, .not_after_s = YEAR, .kind = PD_TEST_CERT_TSA,
                          .md = md };

  return pd_test_cert_new_full (&o);
}

/* ------------------------------------------------------------------------------------------ */
/* Digests: imprint (token.imprint-algorithm), CMS signer digest, certificate signatures      */

static void
test_signer_digest_accepted (Fixture *f, gconstpointer unused)
{
  g_autoptr (PdTrustStore) trust = trust_with (pki.ca_pem, NULL);
  const EVP_MD *mds[] = { EVP_sha256 (), EVP_sha384 (), EVP_sha512 () };

  for (guint i = 0; i < G_N_ELEMENTS (mds); i++)
    {
      PdTestTokenOptions o = { .signer_md = mds[i] };
      g_autoptr (PdVerifyResult) r = verify_forged (f, &o, pki.tsa, pki.tsa_key, trust);

      assert_clean (r, PD_VERDICT_VALID);
      assert_status (r, "token.weak-algorithm", PD_CHECK_PASSED);
      /* ESS v1 names the certificate by its SHA-1 hash: an identifier, not a signature. */
      g_assert_cmpstr (check_of (r, "token.ess-cert-id")->detail, ==, "ESS v1");
    }
}

static void
test_signer_digest_sha1 (Fixture *f, gconstpointer unused)
{
  g_autoptr (PdTrustStore) trust = trust_with (pki.ca_pem, NULL);
  PdTestTokenOptions o = { .signer_md = EVP_sha1 () };
  g_autoptr (PdVerifyResult) r = verify_forged (f, &o, pki.tsa, pki.tsa_key, trust);

  assert_only_failure (r, "token.weak-algorithm");
  assert_message_has (r, "token.weak-algorithm", "SHA-1");
}

static void
test_signer_digest_md5 (Fixture *f, gconstpointer unused)
{
  g_autoptr (PdTrustStore) trust = trust_with (pki.rsa_ca_pem, NULL);
  PdTestTokenOptions o = { .signer_md = EVP_md5 () };
  PdTestTokenOptions good = { 0 };
  g_autoptr (PdVerifyResult) r = verify_forged (f, &o, pki.rsa_tsa, pki.rsa_tsa_key, trust);
  g_autoptr (PdVerifyResult) r2 = verify_forged (f, &good, pki.rsa_tsa, pki.rsa_tsa_key, trust);

  assert_only_failure (r, "token.weak-algorithm");
  assert_message_has (r, "token.weak-algorithm", "MD5");
  assert_clean (r2, PD_VERDICT_VALID);
}

/* SM3 (GB/T 32905) is in the table when this OpenSSL offers it; shown on the imprint, since
 * OpenSSL's PKCS#7 layer signs with SM3 only through SM2, which the key table does not list. */
static void
test_imprint_sm3 (Fixture *f, gconstpointer unused)
{
  g_autoptr (PdTrustStore) trust = trust_with (pki.ca_pem, NULL);
  const EVP_MD *sm3 = EVP_get_digestbyname ("SM3");
  guint8 digest[32];
  unsigned int n = 0;
  PdTestTokenOptions o = { .imprint_nid = NID_sm3 };
  g_autoptr (GBytes) tsr = NULL;
  g_autoptr (PdVerifyResult) r = NULL;
  g_autoptr (GError) error = NULL;

  if (sm3 == NULL)
    {
      g_test_skip ("this OpenSSL offers no SM3");
      return;
    }
  g_assert_true (EVP_Digest ("evidence", 8, digest, &n, sm3, NULL));
  o.digest = digest;
  o.digest_len = n;
  tsr = pd_test_token_forge (&o, pki.tsa, pki.tsa_key);
  r = pd_verify_token_bytes (tsr, "SM3", digest, n, trust, &error);
  g_assert_no_error (error);
  assert_clean (r, PD_VERDICT_VALID);
  assert_status (r, "token.imprint-algorithm", PD_CHECK_PASSED);
}

static void
test_imprint_md5 (Fixture *f, gconstpointer unused)
{
  g_autoptr (PdTrustStore) trust = trust_with (pki.ca_pem, NULL);
  guint8 md5[16] = { 0 };
  PdTestTokenOptions o = { .imprint_nid = NID_md5 };
  g_autoptr (GBytes) tsr = NULL;
  g_autoptr (PdVerifyResult) r = NULL;
  g_autoptr (GError) error = NULL;

  o.digest = md5;
  o.digest_len = sizeof md5;
  tsr = pd_test_token_forge (&o, pki.tsa, pki.tsa_key);
  r = pd_verify_token_bytes (tsr, "MD5", md5, sizeof md5, trust, &error);
  g_assert_no_error (error);
  assert_only_failure (r, "token.imprint-algorithm");
  assert_message_has (r, "token.imprint-algorithm", "MD5");
}

static void
test_cert_signature_weak (Fixture *f, gconstpointer unused)
{
  g_autoptr (PdTrustStore) trust = trust_with (pki.ca_pem, NULL);
  g_autoptr (PdTrustStore) rsa_trust = trust_with (pki.rsa_ca_pem, NULL);
  g_autoptr (X509) sha1_tsa = tsa_cert ("TSA signed with SHA-1", pki.tsa_key, pki.ca, pki.ca_key,
                                        EVP_sha1 ());
  g_autoptr (X509) md5_tsa = tsa_cert ("TSA signed with MD5", pki.rsa_tsa_key, pki.rsa_ca,
                                       pki.rsa_ca_key, EVP_md5 ());
  PdTestTokenOptions o = { 0 };
  g_autoptr (PdVerifyResult) r = verify_forged (f, &o, sha1_tsa, pki.tsa_key, trust);
  g_autoptr (PdVerifyResult) r2 = verify_forged (f, &o, md5_tsa, pki.rsa_tsa_key, rsa_trust);

  assert_only_failure (r, "token.weak-algorithm");
  assert_message_has (r, "token.weak-algorithm", "SHA-1");
  assert_message_has (r, "token.weak-algorithm", "CN=TSA signed with SHA-1");
  assert_only_failure (r2, "token.weak-algorithm");
  assert_message_has (r2, "token.weak-algorithm", "MD5");
  assert_message_has (r2, "token.weak-algorithm", "CN=TSA signed with MD5");
}

static void
test_cert_signature_accepted (Fixture *f, gconstpointer unused)
{
  g_autoptr (PdTrustStore) trust = trust_with (pki.ca_pem, NULL);
  g_autoptr (X509) sha384_tsa = tsa_cert ("TSA signed with SHA-384", pki.tsa_key, pki.ca,
                                          pki.ca_key, EVP_sha384 ());
  g_autoptr (X509) sha512_tsa = tsa_cert ("TSA signed with SHA-512", pki.tsa_key, pki.ca,
                                          pki.ca_key, EVP_sha512 ());
  PdTestTokenOptions o = { 0 };
  g_autoptr (PdVerifyResult) r = verify_forged (f, &o, sha384_tsa, pki.tsa_key, trust);
  g_autoptr (PdVerifyResult) r2 = verify_forged (f, &o, sha512_tsa, pki.tsa_key, trust);

  assert_clean (r, PD_VERDICT_VALID);
  assert_status (r, "token.weak-algorithm", PD_CHECK_PASSED);
  assert_clean (r2, PD_VERDICT_VALID);
}

/* An intermediate signed with SHA-1 is named; a root's own SHA-1 self-signature is not judged. */
static void
test_chain_signature_weak (Fixture *f, gconstpointer unused)
{
  g_autoptr (EVP_PKEY) mid_key = pd_test_key_new ();
  PdTestCertOptions mid_o = { .cn = "Intermediate signed with SHA-1", .key = mid_key,
                              .issuer = pki.ca, .issuer_key = pki.ca_key, .not_before_s = -YEAR,
                              .not_after_s = YEAR, .kind = PD_TEST_CERT_CA, .md = EVP_sha1 () };
  g_autoptr (X509) mid = pd_test_cert_new_full (&mid_o);
  g_autoptr (X509) tsa = tsa_cert ("TSA under SHA-1 intermediate", pki.tsa_key, mid, mid_key, NULL);
  g_autoptr (EVP_PKEY) root_key = pd_test_key_new ();
  PdTestCertOptions root_o = { .cn = "Root self-signed with SHA-1", .key = root_key,
                               .not_before_s = -YEAR, .not_after_s = YEAR,
                               .kind = PD_TEST_CERT_CA, .md = EVP_sha1 () };
  g_autoptr (X509) root = pd_test_cert_new_full (&root_o);
  g_autoptr (X509) tsa2 = tsa_cert ("TSA under SHA-1 root", pki.tsa_key, root, root_key, NULL);
  g_autofree char *root_pem = pki_write ("sha1-root.pem", root, NULL);
  g_autoptr (PdTrustStore) trust = trust_with (pki.ca_pem, NULL);
  g_autoptr (PdTrustStore) trust2 = trust_with (root_pem, NULL);
  PdTestTokenOptions o = { .extra_cert = mid };
  PdTestTokenOptions o2 = { 0 };
  g_autoptr (PdVerifyResult) r = verify_forged (f, &o, tsa, pki.tsa_key, trust);
  g_autoptr (PdVerifyResult) r2 = verify_forged (f, &o2, tsa2, pki.tsa_key, trust2);

  assert_only_failure (r, "token.weak-algorithm");
  assert_message_has (r, "token.weak-algorithm", "CN=Intermediate signed with SHA-1");
  assert_clean (r2, PD_VERDICT_VALID);
  assert_status (r2, "token.weak-algorithm", PD_CHECK_PASSED);
}

/* ------------------------------------------------------------------------------------------ */
/* Keys (token.key-strength)                                                                  */

static PdVerifyResult *
verify_with_tsa_key (Fixture *f, EVP_PKEY *key, const char *cn)
{
  g_autoptr (PdTrustStore) trust = trust_with (pki.rsa_ca_pem, NULL);
  g_autoptr (X509) cert = tsa_cert (cn, key, pki.rsa_ca, pki.rsa_ca_key, NULL);
  PdTestTokenOptions o = { 0 };

  return verify_forged (f, &o, cert, key, trust);
}

static void
test_key_rsa (Fixture *f, gconstpointer unused)
{
  g_autoptr (EVP_PKEY) k512 = pd_test_rsa_key_new (512);
  g_autoptr (EVP_PKEY) k1024 = pd_test_rsa_key_new (1024);
  g_autoptr (PdVerifyResult) r2048 = verify_with_tsa_key (f, pki.rsa_tsa_key, "TSA RSA-2048");
  g_autoptr (PdVerifyResult) r1024 = verify_with_tsa_key (f, k1024, "TSA RSA-1024");
  g_autoptr (PdVerifyResult) r512 = verify_with_tsa_key (f, k512, "TSA RSA-512");

  assert_clean (r2048, PD_VERDICT_VALID);
  assert_status (r2048, "token.key-strength", PD_CHECK_PASSED);
  assert_only_failure (r1024, "token.key-strength");
  assert_message_has (r1024, "token.key-strength", "RSA 1024 bits");
  assert_only_failure (r512, "token.key-strength");
  assert_message_has (r512, "token.key-strength", "CN=TSA RSA-512");
}

/* The root's key is judged too, though its self-signature is not. */
static void
test_key_rsa_root (Fixture *f, gconstpointer unused)
{
  g_autoptr (EVP_PKEY) root_key = pd_test_rsa_key_new (1024);
  g_autoptr (X509) root = pd_test_cert_new ("Root RSA-1024", root_key, NULL, NULL, -YEAR, YEAR,
                                            PD_TEST_CERT_CA);
  g_autoptr (X509) tsa = tsa_cert ("TSA under RSA-1024 root", pki.tsa_key, root, root_key, NULL);
  g_autofree char *root_pem = pki_write ("rsa1024-root.pem", root, NULL);
  g_autoptr (PdTrustStore) trust = trust_with (root_pem, NULL);
  PdTestTokenOptions o = { 0 };
  g_autoptr (PdVerifyResult) r = verify_forged (f, &o, tsa, pki.tsa_key, trust);

  assert_only_failure (r, "token.key-strength");
  assert_message_has (r, "token.key-strength", "CN=Root RSA-1024");
}

static void
test_key_ec (Fixture *f, gconstpointer unused)
{
  g_autoptr (EVP_PKEY) p384 = pd_test_ec_key_new ("P-384");
  g_autoptr (EVP_PKEY) p521 = pd_test_ec_key_new ("P-521");
  g_autoptr (EVP_PKEY) k1 = pd_test_ec_key_new ("secp256k1");
  g_autoptr (PdVerifyResult) r384 = verify_with_tsa_key (f, p384, "TSA P-384");
  g_autoptr (PdVerifyResult) r521 = verify_with_tsa_key (f, p521, "TSA P-521");
  g_autoptr (PdVerifyResult) rk1 = verify_with_tsa_key (f, k1, "TSA secp256k1");

  assert_clean (r384, PD_VERDICT_VALID);
  assert_status (r384, "token.key-strength", PD_CHECK_PASSED);
  assert_clean (r521, PD_VERDICT_VALID);
  assert_only_failure (rk1, "token.key-strength");
  assert_message_has (rk1, "token.key-strength", "secp256k1");
}

/* ------------------------------------------------------------------------------------------ */
/* Time                                                                                       */

static void
test_gen_time_future (Fixture *f, gconstpointer unused)
{
  g_autoptr (PdTrustStore) trust = trust_with (pki.ca_pem, NULL);
  PdTestTokenOptions later = { .gen_time = time (NULL) + 3600 };
  /* Within accuracy (1 s) + PD_VERIFY_CLOCK_SKEW_S (120 s): a clock a minute ahead is fine. */
  PdTestTokenOptions near = { .gen_time = time (NULL) + 60 };
  g_autoptr (PdVerifyResult) r = verify_forged (f, &later, pki.tsa, pki.tsa_key, trust);
  g_autoptr (PdVerifyResult) r2 = verify_forged (f, &near, pki.tsa, pki.tsa_key, trust);

  assert_only_failure (r, "token.gen-time-future");
  assert_clean (r2, PD_VERDICT_VALID);
  assert_status (r2, "token.gen-time-future", PD_CHECK_PASSED);
}

/* The chain is judged at genTime, and the verdict says so. */
static void
test_gen_time_outside_validity (Fixture *f, gconstpointer unused)
{
  g_autoptr (PdTrustStore) trust = trust_with (pki.ca_pem, NULL);
  PdTestTokenOptions before = { .gen_time = time (NULL) - 2 * YEAR };
  PdTestTokenOptions inside = { .gen_time = time (NULL) - YEAR / 2 };
  g_autoptr (PdVerifyResult) r = verify_forged (f, &before, pki.tsa, pki.tsa_key, trust);
  g_autoptr (PdVerifyResult) r2 = verify_forged (f, &inside, pki.tsa, pki.tsa_key, trust);

  assert_only_failure (r, "token.certificate-time");
  assert_message_has (r, "token.certificate-time", "at the time of stamping");
  assert_clean (r2, PD_VERDICT_VALID);
  assert_message_has (r2, "token.chain", "judged at the time of stamping");
}

/* ------------------------------------------------------------------------------------------ */
/* Chain defects: token.chain fails, and not as "untrusted" (issue #24)                       */

static void
assert_chain_broken (PdVerifyResult *r)
{
  const PdVerifyCheck *chain = check_of (r, "token.chain");

  g_test_message ("token.chain: %s [%s]", chain->message, chain->detail ? chain->detail : "");
  g_assert_cmpint (chain->status, ==, PD_CHECK_FAILED);
  g_assert_false (chain->trust_only);
  g_assert_cmpint (pd_verify_result_get_verdict (r), ==, PD_VERDICT_INVALID);
}

/* A TSA certificate under `issuer_o` (an intermediate of the EC root), embedded with it. */
static PdVerifyResult *
verify_under_intermediate (Fixture *f, PdTestCertOptions *issuer_o, X509 *root, EVP_PKEY *root_key,
                           const char *root_pem)
{
  g_autoptr (EVP_PKEY) mid_key = pd_test_key_new ();
  g_autoptr (X509) mid = NULL;
  g_autoptr (X509) tsa = NULL;
  g_autoptr (PdTrustStore) trust = trust_with (root_pem, NULL);
  PdTestTokenOptions o = { 0 };

  issuer_o->key = mid_key;
  issuer_o->issuer = root;
  issuer_o->issuer_key = root_key;
  issuer_o->not_before_s = -YEAR;
  issuer_o->not_after_s = YEAR;
  issuer_o->kind = PD_TEST_CERT_CA;
  mid = pd_test_cert_new_full (issuer_o);
  tsa = tsa_cert ("TSA under a defective issuer", pki.tsa_key, mid, mid_key, NULL);
  o.extra_cert = mid;
  return verify_forged (f, &o, tsa, pki.tsa_key, trust);
}

static void
test_chain_issuer_not_ca (Fixture *f, gconstpointer unused)
{
  PdTestCertOptions mid = { .cn = "Issuer that is no CA", .basic_constraints = "critical,CA:FALSE" };
  g_autoptr (PdVerifyResult) r = verify_under_intermediate (f, &mid, pki.ca, pki.ca_key, pki.ca_pem);

  assert_chain_broken (r);
}

static void
test_chain_bad_issuer_signature (Fixture *f, gconstpointer unused)
{
  /* Names the trusted root as its issuer, but was signed by another key. */
  g_autoptr (X509) tsa = tsa_cert ("TSA with a forged issuer signature", pki.tsa_key, pki.ca,
                                   pki.other_key, NULL);
  g_autoptr (PdTrustStore) trust = trust_with (pki.ca_pem, NULL);
  PdTestTokenOptions o = { 0 };
  g_autoptr (PdVerifyResult) r = verify_forged (f, &o, tsa, pki.tsa_key, trust);

  assert_chain_broken (r);
}

/* Its key identifier names a key the trusted root of that name does not have. OpenSSL finds no
 * issuer: a forgery under a look-alike name and a CA's new key after a rollover look the same
 * without the authority's own root, so this is an unknown authority — never valid. */
static void
test_chain_issuer_key_mismatch (Fixture *f, gconstpointer unused)
{
  g_autoptr (X509) lookalike = pd_test_cert_new ("Crypto Root CA", pki.other_key, NULL, NULL,
                                                 -YEAR, YEAR, PD_TEST_CERT_CA);
  PdTestCertOptions tsa_o = { .cn = "TSA of a look-alike root", .key = pki.tsa_key,
                              .issuer = lookalike, .issuer_key = pki.other_key,
                              .not_before_s = -YEAR, .not_after_s = YEAR,
                              .kind = PD_TEST_CERT_TSA, .akid = TRUE };
  g_autoptr (X509) tsa = pd_test_cert_new_full (&tsa_o);
  g_autoptr (PdTrustStore) trust = trust_with (pki.ca_pem, NULL);
  PdTestTokenOptions o = { 0 };
  g_autoptr (PdVerifyResult) r = verify_forged (f, &o, tsa, pki.tsa_key, trust);

  g_assert_cmpint (check_of (r, "token.chain")->status, ==, PD_CHECK_FAILED);
  g_assert_true (check_of (r, "token.chain")->trust_only);
  g_assert_cmpint (pd_verify_result_get_verdict (r), ==, PD_VERDICT_UNTRUSTED_AUTHORITY);
}

static void
test_chain_path_length (Fixture *f, gconstpointer unused)
{
  g_autoptr (EVP_PKEY) root_key = pd_test_key_new ();
  PdTestCertOptions root_o = { .cn = "Root with pathlen 0", .key = root_key, .not_before_s = -YEAR,
                               .not_after_s = YEAR, .kind = PD_TEST_CERT_CA,
                               .basic_constraints = "critical,CA:TRUE,pathlen:0" };
  g_autoptr (X509) root = pd_test_cert_new_full (&root_o);
  g_autofree char *root_pem = pki_write ("pathlen0-root.pem", root, NULL);
  PdTestCertOptions mid = { .cn = "Intermediate below pathlen 0" };
  g_autoptr (PdVerifyResult) r = verify_under_intermediate (f, &mid, root, root_key, root_pem);

  assert_chain_broken (r);
}

static void
test_chain_issuer_no_keycertsign (Fixture *f, gconstpointer unused)
{
  PdTestCertOptions mid = { .cn = "CA without keyCertSign",
                            .key_usage = "critical,digitalSignature,cRLSign" };
  g_autoptr (PdVerifyResult) r = verify_under_intermediate (f, &mid, pki.ca, pki.ca_key, pki.ca_pem);

  assert_chain_broken (r);
}

/* ------------------------------------------------------------------------------------------ */
/* Revocation                                                                                 */

static PdTrustStore *
trust_with_crl (X509_CRL *crl)
{
  PdTrustStore *trust = trust_with (pki.ca_pem, NULL);
  g_autofree char *path = g_build_filename (pki.dir, "test.crl", NULL);
  g_autoptr (GError) error = NULL;

  pd_test_write_crl (path, crl);
  g_assert_true (pd_trust_store_add_crl_file (trust, path, &error));
  g_assert_no_error (error);
  return trust;
}

static void
test_revocation_none (Fixture *f, gconstpointer unused)
{
  g_autoptr (PdTrustStore) trust = trust_with (pki.ca_pem, NULL);
  PdTestTokenOptions o = { 0 };
  g_autoptr (PdVerifyResult) r = verify_forged (f, &o, pki.tsa, pki.tsa_key, trust);

  assert_clean (r, PD_VERDICT_VALID);
  assert_status (r, "token.revocation", PD_CHECK_INFO);
  assert_message_has (r, "token.revocation", "not checked");
}

static void
test_revocation_before_gen_time (Fixture *f, gconstpointer unused)
{
  gint64 now = time (NULL);
  X509_CRL *crl = pd_test_crl_new (pki.ca, pki.ca_key, pki.tsa, now - 10 * DAY, 4, -DAY, DAY);
  g_autoptr (PdTrustStore) trust = trust_with_crl (crl);
  PdTestTokenOptions o = { .gen_time = now - 5 * DAY };
  PdTestTokenOptions carried = { .gen_time = now - 5 * DAY, .crl = crl };
  g_autoptr (PdTrustStore) plain = trust_with (pki.ca_pem, NULL);
  g_autoptr (PdVerifyResult) r = verify_forged (f, &o, pki.tsa, pki.tsa_key, trust);
  /* The same CRL carried in the token itself. */
  g_autoptr (PdVerifyResult) r2 = verify_forged (f, &carried, pki.tsa, pki.tsa_key, plain);

  assert_only_failure (r, "token.revocation");
  assert_message_has (r, "token.revocation", "CN=Crypto TSA");
  assert_message_has (r, "token.revocation", "before the time of stamping");
  assert_only_failure (r2, "token.revocation");
  X509_CRL_free (crl);
}

static void
test_revocation_after_gen_time (Fixture *f, gconstpointer unused)
{
  gint64 now = time (NULL);
  /* superseded (4): earlier tokens stay valid; keyCompromise (1) or no reason: none does. */
  X509_CRL *superseded = pd_test_crl_new (pki.ca, pki.ca_key, pki.tsa, now - 5 * DAY, 4, -DAY, DAY);
  X509_CRL *compromise = pd_test_crl_new (pki.ca, pki.ca_key, pki.tsa, now - 5 * DAY, 1, -DAY, DAY);
  X509_CRL *no_reason = pd_test_crl_new (pki.ca, pki.ca_key, pki.tsa, now - 5 * DAY, -1, -DAY, DAY);
  g_autoptr (PdTrustStore) t1 = trust_with_crl (superseded);
  g_autoptr (PdTrustStore) t2 = trust_with_crl (compromise);
  g_autoptr (PdTrustStore) t3 = trust_with_crl (no_reason);
  PdTestTokenOptions o = { .gen_time = now - 10 * DAY };
  g_autoptr (PdVerifyResult) r1 = verify_forged (f, &o, pki.tsa, pki.tsa_key, t1);
  g_autoptr (PdVerifyResult) r2 = verify_forged (f, &o, pki.tsa, pki.tsa_key, t2);
  g_autoptr (PdVerifyResult) r3 = verify_forged (f, &o, pki.tsa, pki.tsa_key, t3);

  assert_clean (r1, PD_VERDICT_VALID);
  assert_status (r1, "token.revocation", PD_CHECK_PASSED);
  assert_message_has (r1, "token.revocation", "after the time of stamping");
  assert_only_failure (r2, "token.revocation");
  assert_message_has (r2, "token.revocation", "keyCompromise");
  assert_only_failure (r3, "token.revocation");
  X509_CRL_free (superseded);
  X509_CRL_free (compromise);
  X509_CRL_free (no_reason);
}

static void
test_revocation_not_revoked (Fixture *f, gconstpointer unused)
{
  gint64 now = time (NULL);
  g_autoptr (X509) other = tsa_cert ("Another TSA", pki.tsa_key, pki.ca, pki.ca_key, NULL);
  X509_CRL *crl = pd_test_crl_new (pki.ca, pki.ca_key, other, now - 10 * DAY, -1, -DAY, DAY);
  /* Signed by a key that is not the CA's: its word counts for nothing. */
  X509_CRL *forged = pd_test_crl_new (pki.ca, pki.other_key, pki.tsa, now - 10 * DAY, -1, -DAY, DAY);
  g_autoptr (PdTrustStore) trust = trust_with_crl (crl);
  g_autoptr (PdTrustStore) trust2 = trust_with_crl (forged);
  PdTestTokenOptions o = { 0 };
  g_autoptr (PdVerifyResult) r = verify_forged (f, &o, pki.tsa, pki.tsa_key, trust);
  g_autoptr (PdVerifyResult) r2 = verify_forged (f, &o, pki.tsa, pki.tsa_key, trust2);

  assert_clean (r, PD_VERDICT_VALID);
  assert_status (r, "token.revocation", PD_CHECK_PASSED);
  assert_clean (r2, PD_VERDICT_VALID);
  assert_status (r2, "token.revocation", PD_CHECK_INFO);
  assert_message_has (r2, "token.revocation", "could not be established");
  X509_CRL_free (crl);
  X509_CRL_free (forged);
}

/* ------------------------------------------------------------------------------------------ */
/* proofctl                                                                                   */

/* `proofctl verify ARGS… --json` with its own data folder; the exit status, *obj the JSON. */
static int
run_proofctl (const char *data_dir, JsonObject **obj, JsonParser *parser, const char *const *args)
{
  const char *proofctl = g_getenv ("PROOFCTL");
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;

  g_assert_nonnull (proofctl);
  g_ptr_array_add (argv, (gpointer) proofctl);
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_setenv (launcher, "PROOFDESK_DATA_DIR", data_dir, TRUE);
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  proc = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (proc));
  if (obj)
    {
      g_assert_true (json_parser_load_from_data (parser, out, -1, &error));
      g_assert_no_error (error);
      *obj = json_node_get_object (json_parser_get_root (parser));
    }
  return g_subprocess_get_exit_status (proc);
}

static const char *
json_check_status (JsonObject *obj, const char *id)
{
  JsonArray *checks = json_object_get_array_member (obj, "checks");

  for (guint i = 0; i < json_array_get_length (checks); i++)
    {
      JsonObject *c = json_array_get_object_element (checks, i);

      if (g_str_equal (json_object_get_string_member (c, "id"), id))
        return json_object_get_string_member (c, "status");
    }
  return NULL;
}

static void
test_cli_crl (Fixture *f, gconstpointer unused)
{
  gint64 now = time (NULL);
  X509_CRL *crl = pd_test_crl_new (pki.ca, pki.ca_key, pki.tsa, now - 10 * DAY, 1, -DAY, DAY);
  g_autofree char *crl_path = g_build_filename (f->dir, "tsa.crl", NULL);
  g_autofree char *data_dir = g_build_filename (f->dir, "data", NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  PdTestTokenOptions o = { .gen_time = now - 5 * DAY };
  g_autoptr (PdTrustStore) trust = trust_with (pki.ca_pem, NULL);
  g_autoptr (PdVerifyResult) r = verify_forged (f, &o, pki.tsa, pki.tsa_key, trust);
  const char *with_crl[] = { "verify", "--json", "--no-system-ca", "--ca", pki.ca_pem, "--crl",
                             crl_path, f->file, f->token, NULL };
  const char *without[] = { "verify", "--json", "--no-system-ca", "--ca", pki.ca_pem, f->file,
                            f->token, NULL };
  JsonObject *obj = NULL;

  pd_test_write_crl (crl_path, crl);
  X509_CRL_free (crl);
  assert_clean (r, PD_VERDICT_VALID);
  g_assert_cmpint (run_proofctl (data_dir, &obj, parser, with_crl), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (obj, "verdict"), ==, "invalid");
  g_assert_cmpstr (json_check_status (obj, "token.revocation"), ==, "failed");
  g_assert_cmpint (run_proofctl (data_dir, &obj, parser, without), ==, 0);
  g_assert_cmpstr (json_check_status (obj, "token.revocation"), ==, "info");
}

/* certReq false: no certificate in the token. With the TSA's own certificate and its CA given
 * as --ca it verifies, as `openssl ts -verify -CAfile CA -untrusted TSA` does. */
static void
test_no_certs_with_ca (Fixture *f, gconstpointer unused)
{
  g_autofree char *data_dir = g_build_filename (f->dir, "data", NULL);
  g_autofree char *openssl = g_find_program_in_path ("openssl");
  g_autoptr (JsonParser) parser = json_parser_new ();
  PdTestTokenOptions o = { .no_certs = TRUE, .ess_v2 = TRUE };
  g_autoptr (PdTrustStore) ca_only = trust_with (pki.ca_pem, NULL);
  g_autoptr (PdTrustStore) both = trust_with (pki.tsa_pem, pki.ca_pem, NULL);
  g_autoptr (PdVerifyResult) r = verify_forged (f, &o, pki.tsa, pki.tsa_key, ca_only);
  g_autoptr (PdVerifyResult) r2 = NULL;
  g_autoptr (GError) error = NULL;
  const char *args[] = { "verify", "--json", "--no-system-ca", "--ca", pki.tsa_pem, "--ca",
                         pki.ca_pem, f->file, f->token, NULL };
  JsonObject *obj = NULL;

  assert_only_failure (r, "token.signer-certificate");
  r2 = pd_verify_token_for_file (f->file, f->token, both, NULL, &error);
  g_assert_no_error (error);
  assert_clean (r2, PD_VERDICT_VALID);
  g_assert_cmpint (run_proofctl (data_dir, &obj, parser, args), ==, 0);
  g_assert_cmpstr (json_object_get_string_member (obj, "verdict"), ==, "valid");

  if (openssl == NULL)
    {
      g_test_message ("openssl not installed: the comparison with `openssl ts -verify` is skipped");
      return;
    }
  {
    g_autoptr (GSubprocess) p = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                  G_SUBPROCESS_FLAGS_STDERR_MERGE, &error,
                                                  openssl, "ts", "-verify", "-data", f->file, "-in",
                                                  f->token, "-CAfile", pki.ca_pem, "-untrusted",
                                                  pki.tsa_pem, NULL);
    g_autofree char *out = NULL;

    g_assert_no_error (error);
    g_subprocess_communicate_utf8 (p, NULL, NULL, &out, NULL, &error);
    g_assert_no_error (error);
    if (!g_subprocess_get_if_exited (p) || g_subprocess_get_exit_status (p) != 0)
      g_error ("openssl ts -verify refused the token: %s", out);
    g_assert_nonnull (strstr (out, "Verification: OK"));
  }
}

/* ------------------------------------------------------------------------------------------ */
/* Practice identity (token.practice)                                                         */

static void
test_practice_policy (Fixture *f, gconstpointer unused)
{
  g_autoptr (PdTrustStore) trust = trust_with (pki.ca_pem, NULL);
  PdTestTokenOptions o = { .policy = PD_LOCAL_TSA_POLICY_OID };
  PdTestTokenOptions plain = { 0 };
  g_autoptr (PdVerifyResult) r = verify_forged (f, &o, pki.tsa, pki.tsa_key, trust);
  g_autoptr (PdVerifyResult) r2 = verify_forged (f, &plain, pki.tsa, pki.tsa_key, trust);

  assert_clean (r, PD_VERDICT_VALID_PRACTICE);
  assert_status (r, "token.practice", PD_CHECK_INFO);
  assert_message_has (r, "token.practice", "no legal value");
  assert_clean (r2, PD_VERDICT_VALID);
  g_assert_null (pd_verify_result_find_check (r2, "token.practice", NULL));
}

static void
test_practice_name_and_key (Fixture *f, gconstpointer unused)
{
  g_autoptr (PdTrustStore) trust = trust_with (pki.ca_pem, NULL);
  PdTestCertOptions named_o = { .cn = "Some TSA", .org = PD_LOCAL_TSA_ORG, .key = pki.tsa_key,
                                .issuer = pki.ca, .issuer_key = pki.ca_key, .not_before_s = -YEAR,
                                .not_after_s = YEAR, .kind = PD_TEST_CERT_TSA };
  g_autoptr (X509) named = pd_test_cert_new_full (&named_o);
  /* The practice root's key under another name, given with --ca as an ordinary CA. */
  g_autoptr (EVP_PKEY) practice_key = pd_test_key_new ();
  g_autoptr (X509) practice_root = pd_test_cert_new ("Practice root", practice_key, NULL, NULL,
                                                     -YEAR, YEAR, PD_TEST_CERT_CA);
  g_autoptr (X509) renamed = pd_test_cert_new ("Honest-looking Root", practice_key, NULL, NULL,
                                               -YEAR, YEAR, PD_TEST_CERT_CA);
  g_autoptr (X509) tsa = tsa_cert ("Honest-looking TSA", pki.tsa_key, renamed, practice_key, NULL);
  g_autofree char *practice_pem = pki_write ("practice-root.pem", practice_root, NULL);
  g_autofree char *renamed_pem = pki_write ("renamed-root.pem", renamed, NULL);
  g_autoptr (PdTrustStore) trust2 = trust_with (renamed_pem, NULL);
  g_autoptr (GError) error = NULL;
  PdTestTokenOptions o = { 0 };
  g_autoptr (PdVerifyResult) r = verify_forged (f, &o, named, pki.tsa_key, trust);
  g_autoptr (PdVerifyResult) r2 = NULL;

  assert_clean (r, PD_VERDICT_VALID_PRACTICE);
  assert_status (r, "token.practice", PD_CHECK_INFO);

  g_assert_true (pd_trust_store_add_practice_root_file (trust2, practice_pem, &error));
  g_assert_no_error (error);
  r2 = verify_forged (f, &o, tsa, pki.tsa_key, trust2);
  assert_clean (r2, PD_VERDICT_VALID_PRACTICE);
  g_assert_cmpstr (check_of (r2, "token.practice")->detail, ==, "key of the practice root");
}

/* Tokens of a practice authority this desk never registered, its chain given with --ca. */
static void
test_practice_local_tsa (Fixture *f, gconstpointer unused)
{
  g_autofree char *tsa_dir = g_build_filename (f->dir, "other-desk-tsa", NULL);
  g_autofree char *chain_path = g_build_filename (f->dir, "tsa-chain.pem", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (PdLocalTsa) tsa = pd_local_tsa_new (tsa_dir, &error);
  g_autofree char *chain = NULL;
  g_autoptr (GBytes) request = pd_test_tsa_make_request (f->sha256, 42, TRUE);
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (PdTrustStore) trust = NULL;
  g_autoptr (PdVerifyResult) r = NULL;

  g_assert_no_error (error);
  chain = pd_local_tsa_get_chain_pem (tsa);
  g_assert_true (g_file_set_contents (chain_path, chain, -1, &error));
  reply = pd_local_tsa_respond (tsa, request, &error);
  g_assert_no_error (error);
  trust = trust_with (chain_path, NULL);
  r = pd_verify_token_bytes (reply, "SHA256", f->sha256, sizeof f->sha256, trust, &error);
  g_assert_no_error (error);
  assert_clean (r, PD_VERDICT_VALID_PRACTICE);
  assert_status (r, "token.practice", PD_CHECK_INFO);
}

/* `proofctl capture --tsa local`, then `verify --ca PKG/tsa-chain.pem PKG` from this desk and
 * from a desk that never saw the practice root: valid-practice both times, never valid. */
static void
test_practice_package_cli (Fixture *f, gconstpointer unused)
{
  const char *proofctl = g_getenv ("PROOFCTL");
  g_autofree char *desk = g_build_filename (f->dir, "desk", NULL);
  g_autofree char *elsewhere = g_build_filename (f->dir, "elsewhere", NULL);
  g_autofree char *out_dir = g_build_filename (f->dir, "evidence", NULL);
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                        G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr (GSubprocess) capture = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;
  g_auto (GStrv) lines = NULL;
  g_autofree char *pkg = NULL;
  g_autofree char *chain = NULL;
  JsonObject *obj = NULL;
  guint n;

  g_assert_nonnull (proofctl);
  g_subprocess_launcher_setenv (launcher, "PROOFDESK_DATA_DIR", desk, TRUE);
  capture = g_subprocess_launcher_spawn (launcher, &error, proofctl, "capture", "--source", "test",
                                         "--duration", "2", "--tsa", "local", "--out", out_dir, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (capture, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (capture));
  g_assert_cmpint (g_subprocess_get_exit_status (capture), ==, 0);
  /* The last line of stdout is the package folder. */
  lines = g_strsplit (g_strstrip (out), "\n", -1);
  n = g_strv_length (lines);
  g_assert_cmpuint (n, >, 0);
  pkg = g_strdup (lines[n - 1]);
  chain = g_build_filename (pkg, "tsa-chain.pem", NULL);
  g_assert_true (g_file_test (chain, G_FILE_TEST_IS_REGULAR));

  {
    const char *args[] = { "verify", "--json", "--ca", chain, pkg, NULL };

    g_assert_cmpint (run_proofctl (desk, &obj, parser, args), ==, 0);
    g_assert_cmpstr (json_object_get_string_member (obj, "verdict"), ==, "valid-practice");
    g_assert_cmpstr (json_check_status (obj, "token.practice"), ==, "info");
    g_assert_cmpint (run_proofctl (elsewhere, &obj, parser, args), ==, 0);
    g_assert_cmpstr (json_object_get_string_member (obj, "verdict"), ==, "valid-practice");
  }
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  pd_core_init (NULL, NULL);
  pki_setup ();

#define TEST(path, fn) \
  g_test_add ("/core/verify/crypto/" path, Fixture, NULL, fixture_setup, fn, fixture_teardown)

  TEST ("signer-digest/accepted", test_signer_digest_accepted);
  TEST ("signer-digest/sha1", test_signer_digest_sha1);
  TEST ("signer-digest/md5", test_signer_digest_md5);
  TEST ("imprint/sm3", test_imprint_sm3);
  TEST ("imprint/md5", test_imprint_md5);
  TEST ("cert-signature/weak", test_cert_signature_weak);
  TEST ("cert-signature/accepted", test_cert_signature_accepted);
  TEST ("cert-signature/chain", test_chain_signature_weak);
  TEST ("key/rsa", test_key_rsa);
  TEST ("key/rsa-root", test_key_rsa_root);
  TEST ("key/ec", test_key_ec);
  TEST ("gen-time/future", test_gen_time_future);
  TEST ("gen-time/outside-validity", test_gen_time_outside_validity);
  TEST ("chain/issuer-not-ca", test_chain_issuer_not_ca);
  TEST ("chain/bad-issuer-signature", test_chain_bad_issuer_signature);
  TEST ("chain/issuer-key-mismatch", test_chain_issuer_key_mismatch);
  TEST ("chain/path-length", test_chain_path_length);
  TEST ("chain/issuer-no-keycertsign", test_chain_issuer_no_keycertsign);
  TEST ("revocation/none", test_revocation_none);
  TEST ("revocation/before-gen-time", test_revocation_before_gen_time);
  TEST ("revocation/after-gen-time", test_revocation_after_gen_time);
  TEST ("revocation/not-revoked", test_revocation_not_revoked);
  TEST ("revocation/cli", test_cli_crl);
  TEST ("no-certs/with-ca", test_no_certs_with_ca);
  TEST ("practice/policy", test_practice_policy);
  TEST ("practice/name-and-key", test_practice_name_and_key);
  TEST ("practice/local-tsa", test_practice_local_tsa);
  TEST ("practice/package-cli", test_practice_package_cli);

  ret = g_test_run ();
  pki_teardown ();
  return ret;
}
