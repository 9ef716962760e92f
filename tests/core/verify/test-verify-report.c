/* test-verify-report.c — what a verification result says to a person: the headline for valid,
 * practice, untrusted, changed, broken and unreadable tokens, the facts of the main token, and
 * the A4 PDF report, read back with poppler. Tokens come from a throwaway PKI
 * (pd-test-tokens.c). */
#include "config.h"

#include <glib/gstdio.h>
#include <poppler.h>
#include <string.h>
#include <time.h>

#include "pd-core.h"
#include "pd-test-tokens.h"
#include "test-common.h"
#include "util/pd-error.h"
#include "verify/pd-verify-report.h"
#include "verify/pd-verify.h"

#define DAY  (24 * 3600)
#define YEAR (365 * DAY)

/* One throwaway PKI for the whole run. */
static struct
{
  char     *dir;
  EVP_PKEY *ca_key, *tsa_key;
  X509     *ca, *tsa;
  char     *ca_pem;
} pki;

static void
pki_setup (void)
{
  pki.dir = g_dir_make_tmp ("pd-verify-report-pki-XXXXXX", NULL);
  g_assert_nonnull (pki.dir);
  pki.ca_key = pd_test_key_new ();
  pki.tsa_key = pd_test_key_new ();
  pki.ca = pd_test_cert_new ("Report Root CA", pki.ca_key, NULL, NULL, -10 * YEAR, 10 * YEAR,
                             PD_TEST_CERT_CA);
  pki.tsa = pd_test_cert_new ("Report Test TSA", pki.tsa_key, pki.ca, pki.ca_key, -DAY, YEAR,
                              PD_TEST_CERT_TSA);
  pki.ca_pem = g_build_filename (pki.dir, "ca.pem", NULL);
  pd_test_write_cert (pki.ca_pem, pki.ca, NULL);
}

static void
pki_teardown (void)
{
  pd_test_rm_rf (pki.dir);
  g_free (pki.dir);
  g_free (pki.ca_pem);
  X509_free (pki.ca);
  X509_free (pki.tsa);
  EVP_PKEY_free (pki.ca_key);
  EVP_PKEY_free (pki.tsa_key);
}

typedef enum {
  TRUST_NONE,
  TRUST_CA,
  TRUST_PRACTICE,
} Trust;

typedef struct
{
  char   *dir;
  char   *file;
  char   *token;
  guint8  sha256[32];
  gint64  gen_time;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  static const char text[] = "The evidence: a chat shown on a phone, recorded and hashed.\n";

  f->dir = g_dir_make_tmp ("pd-verify-report-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
  f->file = g_build_filename (f->dir, "evidence.bin", NULL);
  f->token = g_build_filename (f->dir, "evidence.bin.tsr", NULL);
  g_assert_true (g_file_set_contents (f->file, text, -1, NULL));
  pd_test_sha256 (text, strlen (text), f->sha256);
  f->gen_time = (gint64) time (NULL) - 3600;
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  pd_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->file);
  g_free (f->token);
}

static void
write_token (Fixture *f, GBytes *tsr)
{
  g_assert_true (g_file_set_contents (f->token, g_bytes_get_data (tsr, NULL),
                                      (gssize) g_bytes_get_size (tsr), NULL));
}

static PdVerifyResult *
verify_with (Fixture *f, Trust trust_kind)
{
  g_autoptr (PdTrustStore) trust = pd_trust_store_new ();
  g_autoptr (GError) error = NULL;
  PdVerifyResult *r;

  if (trust_kind == TRUST_CA)
    g_assert_true (pd_trust_store_add_ca_file (trust, pki.ca_pem, &error));
  else if (trust_kind == TRUST_PRACTICE)
    g_assert_true (pd_trust_store_add_practice_root_file (trust, pki.ca_pem, &error));
  g_assert_no_error (error);
  r = pd_verify_token_for_file (f->file, f->token, trust, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (r);
  return r;
}

/* A token over the file's own digest, verified with `trust_kind`. */
static PdVerifyResult *
verify_good_token (Fixture *f, Trust trust_kind)
{
  g_autoptr (GBytes) tsr = pd_test_token_respond (f->sha256, f->gen_time, pki.tsa, pki.tsa_key,
                                                  NULL, TRUE);

  write_token (f, tsr);
  return verify_with (f, trust_kind);
}

/* A token over other data: the file no longer matches what was stamped. */
static PdVerifyResult *
verify_changed (Fixture *f)
{
  guint8 other[32];
  g_autoptr (GBytes) tsr = NULL;

  pd_test_sha256 ("other data", 10, other);
  tsr = pd_test_token_respond (other, f->gen_time, pki.tsa, pki.tsa_key, NULL, TRUE);
  write_token (f, tsr);
  return verify_with (f, TRUST_CA);
}

static void
assert_outcome (PdVerifyResult *r, PdVerifyOutcome want, const char *title)
{
  PdVerifyOutcome got = pd_verify_outcome_from_result (r);

  if (got != want)
    g_error ("outcome %d (%s), expected %d (%s); summary: %s", got,
             pd_verify_outcome_get_title (got), want, title,
             r ? pd_verify_result_get_summary (r) : "(no result)");
  g_assert_cmpstr (pd_verify_outcome_get_title (got), ==, title);
}

/* ------------------------------------------------------------------------------------ outcome */

static void
test_outcome_valid (Fixture *f, gconstpointer data)
{
  g_autoptr (PdVerifyResult) valid = verify_good_token (f, TRUST_CA);
  g_autoptr (PdVerifyResult) practice = verify_good_token (f, TRUST_PRACTICE);
  g_autoptr (PdVerifyResult) untrusted = verify_good_token (f, TRUST_NONE);

  g_assert_cmpint (pd_verify_result_get_verdict (valid), ==, PD_VERDICT_VALID);
  assert_outcome (valid, PD_VERIFY_OUTCOME_VALID, "Valid");
  g_assert_cmpint (pd_verify_result_get_verdict (practice), ==, PD_VERDICT_VALID_PRACTICE);
  assert_outcome (practice, PD_VERIFY_OUTCOME_VALID_PRACTICE, "Valid, practice authority");
  g_assert_cmpint (pd_verify_result_get_verdict (untrusted), ==, PD_VERDICT_UNTRUSTED_AUTHORITY);
  assert_outcome (untrusted, PD_VERIFY_OUTCOME_UNTRUSTED, "Intact, but authority not trusted");
}

/* INVALID is split by what failed: the data, the signature, or reading the token at all. */
static void
test_outcome_invalid (Fixture *f, gconstpointer data)
{
  PdTestTokenOptions broken = { .digest = f->sha256, .digest_len = 32,
                                .corrupt_signature = TRUE };
  g_autoptr (PdVerifyResult) changed = verify_changed (f);
  g_autoptr (PdVerifyResult) not_valid = NULL, garbage = NULL;
  g_autoptr (GBytes) tsr = NULL;

  g_assert_cmpint (pd_verify_result_get_verdict (changed), ==, PD_VERDICT_INVALID);
  assert_outcome (changed, PD_VERIFY_OUTCOME_CHANGED, "Changed");

  tsr = pd_test_token_forge (&broken, pki.tsa, pki.tsa_key);
  write_token (f, tsr);
  not_valid = verify_with (f, TRUST_CA);
  g_assert_cmpint (pd_verify_result_get_verdict (not_valid), ==, PD_VERDICT_INVALID);
  assert_outcome (not_valid, PD_VERIFY_OUTCOME_NOT_VALID, "Not valid");

  g_assert_true (g_file_set_contents (f->token, "this is not a DER TimeStampResp", -1, NULL));
  garbage = verify_with (f, TRUST_CA);
  g_assert_cmpint (pd_verify_result_get_verdict (garbage), ==, PD_VERDICT_INVALID);
  assert_outcome (garbage, PD_VERIFY_OUTCOME_CANNOT_VERIFY, "Cannot verify");

  /* No result at all (the input could not be read). */
  assert_outcome (NULL, PD_VERIFY_OUTCOME_CANNOT_VERIFY, "Cannot verify");
}

/* ------------------------------------------------------------------------------------ facts */

static void
test_token_facts (Fixture *f, gconstpointer data)
{
  g_autoptr (PdVerifyResult) r = verify_good_token (f, TRUST_CA);
  g_autoptr (PdVerifyTokenFacts) facts = pd_verify_token_facts_new (r);
  g_autofree char *hex = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *)
    "The evidence: a chat shown on a phone, recorded and hashed.\n", -1);

  g_assert_nonnull (facts);
  g_assert_cmpstr (facts->subject, ==, "evidence.bin.tsr");
  g_assert_nonnull (facts->gen_time);
  g_assert_cmpint (g_date_time_to_unix (facts->gen_time), ==, f->gen_time);
  g_assert_cmpint (g_date_time_get_utc_offset (facts->gen_time), ==, 0);
  g_assert_nonnull (facts->tsa_name);
  g_assert_nonnull (strstr (facts->tsa_name, "Report Test TSA"));
  g_assert_nonnull (facts->serial);
  g_assert_cmpstr (facts->serial, !=, "");
  g_assert_cmpstr (facts->policy, ==, "1.2.3.4.1");
  g_assert_cmpstr (facts->accuracy, ==, "± 1 s");
  g_assert_cmpstr (facts->digest_algorithm, ==, "SHA-256");
  /* The stamped digest is shown only when it matched the data: it is the data's SHA-256. */
  g_assert_cmpstr (facts->digest, ==, hex);
}

static void
test_token_facts_changed (Fixture *f, gconstpointer data)
{
  g_autoptr (PdVerifyResult) changed = verify_changed (f);
  g_autoptr (PdVerifyTokenFacts) facts = pd_verify_token_facts_new (changed);
  g_autoptr (PdVerifyResult) garbage = NULL;
  g_autoptr (PdVerifyTokenFacts) none = NULL;

  /* The token is still described, but no digest is presented as the stamped one. */
  g_assert_nonnull (facts);
  g_assert_cmpstr (facts->subject, ==, "evidence.bin.tsr");
  g_assert_cmpstr (facts->digest_algorithm, ==, "SHA-256");
  g_assert_null (facts->digest);

  g_assert_true (g_file_set_contents (f->token, "garbage", -1, NULL));
  garbage = verify_with (f, TRUST_CA);
  none = pd_verify_token_facts_new (garbage);
  g_assert_null (none);
}

/* ------------------------------------------------------------------------------------ pdf */

static char *
pdf_text (const char *path, int *n_pages)
{
  g_autofree char *uri = g_filename_to_uri (path, NULL, NULL);
  g_autoptr (GError) error = NULL;
  PopplerDocument *doc = poppler_document_new_from_file (uri, NULL, &error);
  GString *text = g_string_new (NULL);

  g_assert_no_error (error);
  *n_pages = poppler_document_get_n_pages (doc);
  for (int i = 0; i < *n_pages; i++)
    {
      PopplerPage *page = poppler_document_get_page (doc, i);
      g_autofree char *t = poppler_page_get_text (page);
      double w, h;

      poppler_page_get_size (page, &w, &h);
      /* A4 portrait. */
      g_assert_cmpfloat_with_epsilon (w, 595.276, 0.5);
      g_assert_cmpfloat_with_epsilon (h, 841.89, 0.5);
      g_string_append (text, t);
      g_string_append_c (text, '\n');
      g_object_unref (page);
    }
  g_object_unref (doc);
  return g_string_free (text, FALSE);
}

static void
assert_contains (const char *text, const char *const *wants)
{
  for (; *wants; wants++)
    if (strstr (text, *wants) == NULL)
      g_error ("the report lacks “%s”:\n%s", *wants, text);
}

static void
test_report_valid (Fixture *f, gconstpointer data)
{
  g_autoptr (PdVerifyResult) r = verify_good_token (f, TRUST_CA);
  g_autoptr (PdVerifyTokenFacts) facts = pd_verify_token_facts_new (r);
  g_autofree char *path = g_build_filename (f->dir, "report.pdf", NULL);
  g_autofree char *text = NULL, *head = NULL;
  g_autofree char *contents = NULL;
  g_autoptr (GError) error = NULL;
  gsize len = 0;
  GStatBuf st;
  int pages = 0;

  g_assert_true (pd_verify_report_write_pdf (r, path, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  g_assert_cmpuint (len, >, 1000);
  g_assert_true (g_str_has_prefix (contents, "%PDF-"));

  text = pdf_text (path, &pages);
  g_assert_cmpint (pages, >=, 1);
  head = g_strndup (facts->digest, 16);
  assert_contains (text, (const char *const[]) { "Verification Report", "Valid",
                                                 "Verdict: valid", "Trusted timestamp",
                                                 "evidence.bin.tsr", "Report Test TSA",
                                                 "1.2.3.4.1", "SHA-256", head, "Checks (",
                                                 "0 failed)", NULL });
  g_assert_nonnull (strstr (text, facts->serial));
  g_assert_null (strstr (text, "Where the recording changed"));
}

static void
test_report_changed (Fixture *f, gconstpointer data)
{
  g_autoptr (PdVerifyResult) r = verify_changed (f);
  g_autoptr (PdVerifyResult) practice = NULL;
  g_autofree char *path = g_build_filename (f->dir, "report.pdf", NULL);
  g_autofree char *text = NULL, *failed = NULL;
  g_autoptr (GError) error = NULL;
  int pages = 0;

  g_assert_true (pd_verify_report_write_pdf (r, path, &error));
  g_assert_no_error (error);
  text = pdf_text (path, &pages);
  failed = g_strdup_printf ("%u failed)", pd_verify_result_count_failed (r));
  g_assert_cmpuint (pd_verify_result_count_failed (r), >=, 1);
  assert_contains (text, (const char *const[]) { "Verification Report", "Changed",
                                                 "Verdict: invalid", failed,
                                                 "The token was issued for different data",
                                                 NULL });
  g_assert_null (strstr (text, "Verdict: valid"));
  g_clear_pointer (&text, g_free);

  /* The same path again (the user agreed to replace it): the new report wins. */
  practice = verify_good_token (f, TRUST_PRACTICE);
  g_assert_true (pd_verify_report_write_pdf (practice, path, &error));
  g_assert_no_error (error);
  text = pdf_text (path, &pages);
  assert_contains (text, (const char *const[]) { "Valid, practice authority",
                                                 "Verdict: valid-practice", NULL });
  g_assert_null (strstr (text, "Verdict: invalid"));
}

static void
test_report_unwritable (Fixture *f, gconstpointer data)
{
  g_autoptr (PdVerifyResult) r = verify_good_token (f, TRUST_CA);
  g_autofree char *path = g_build_filename (f->dir, "no-such-folder", "report.pdf", NULL);
  g_autoptr (GError) error = NULL;

  g_assert_false (pd_verify_report_write_pdf (r, path, &error));
  g_assert_nonnull (error);
  g_assert_true (g_str_has_prefix (error->message, "Cannot save the report: "));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  pd_core_init (NULL, NULL);
  pki_setup ();

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("/core/verify/report/outcome-valid", test_outcome_valid);
  ADD ("/core/verify/report/outcome-invalid", test_outcome_invalid);
  ADD ("/core/verify/report/token-facts", test_token_facts);
  ADD ("/core/verify/report/token-facts-changed", test_token_facts_changed);
  ADD ("/core/verify/report/pdf-valid", test_report_valid);
  ADD ("/core/verify/report/pdf-changed-then-replaced", test_report_changed);
  ADD ("/core/verify/report/pdf-unwritable", test_report_unwritable);
#undef ADD

  status = g_test_run ();
  pki_teardown ();
  return status;
}
