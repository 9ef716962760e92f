/* test-tsa.c — the RFC 3161 client against a misbehaving loopback TSA, stock openssl, the practice
 * TSA in-process and as `proofctl tsa serve`, and `proofctl stamp`. */
#include "config.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>

#include "util/pd-error.h"
#include "timestamp/pd-local-tsa.h"
#include "pd-test-tsa.h"
#include "timestamp/pd-tsa.h"
#include "util/pd-util.h"
#include "test-common.h"

typedef struct
{
  char        *data_dir;
  PdTestTsa   *tsa;
  PdTsaClient *client;
  GMainLoop   *loop;
  guint8       digest[PD_SHA256_LEN];
  char        *digest_hex;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->data_dir = g_dir_make_tmp ("pd-tsa-data-XXXXXX", &error);
  g_assert_no_error (error);
  /* Before anything reads it: every test gets its own practice authority. */
  g_setenv ("PROOFDESK_DATA_DIR", f->data_dir, TRUE);
  g_unsetenv ("PROOFDESK_TSA_URL");
  f->tsa = pd_test_tsa_new (&error);
  g_assert_no_error (error);
  f->client = pd_tsa_client_new (pd_test_tsa_get_url (f->tsa), &error);
  g_assert_no_error (error);
  pd_tsa_client_set_timeout (f->client, 5);
  f->loop = g_main_loop_new (NULL, FALSE);
  f->digest_hex = pd_sha256_bytes ((const guint8 *) "proofdesk test", 14);
  g_assert_true (pd_hex_decode (f->digest_hex, f->digest, sizeof f->digest));
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_assert_finalize_object (f->client);
  pd_test_tsa_free (f->tsa);
  g_main_loop_unref (f->loop);
  pd_test_rm_rf (f->data_dir);
  g_free (f->data_dir);
  g_free (f->digest_hex);
}

typedef struct
{
  GMainLoop  *loop;
  PdTsaToken *token;
  GError     *error;
  guint       pending;
} Stamp;

static void
on_stamped (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Stamp *s = user_data;

  g_assert_null (s->token);
  s->token = pd_tsa_client_stamp_finish (PD_TSA_CLIENT (source), result, &s->error);
  g_main_loop_quit (s->loop);
}

/* One async stamp, waited for on the main loop. */
static PdTsaToken *
stamp (Fixture *f, PdTsaClient *client, PdTsaDigest type, const guint8 *digest, gsize len,
       GError **error)
{
  Stamp s = { f->loop, NULL, NULL };

  pd_tsa_client_stamp_async (client, type, digest, len, NULL, on_stamped, &s);
  g_main_loop_run (f->loop);
  if (s.error != NULL)
    g_propagate_error (error, s.error);
  return s.token;
}

static void
expect_error (Fixture *f, PdTestTsaMode mode, int code)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PdTsaToken) token = NULL;

  pd_test_tsa_set_mode (f->tsa, mode);
  token = stamp (f, f->client, PD_TSA_DIGEST_SHA256, f->digest, sizeof f->digest, &error);
  g_assert_null (token);
  g_assert_error (error, PD_TSA_ERROR, code);
  g_test_message ("mode %d: %s", mode, error->message);
}

static int
count_certs (const char *pem)
{
  int n = 0;

  for (const char *p = pem; p && (p = strstr (p, "BEGIN CERTIFICATE")) != NULL; p++)
    n++;
  return n;
}

/* ---- the client against the test TSA ---- */

static void
test_ok (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PdTsaToken) token = NULL;
  g_autoptr (PdTsaToken) again = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *chain = NULL;

  g_assert_null (pd_tsa_client_get_chain_pem (f->client));
  token = stamp (f, f->client, PD_TSA_DIGEST_SHA256, f->digest, sizeof f->digest, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pd_tsa_token_get_imprint_hex (token), ==, f->digest_hex);
  g_assert_cmpstr (pd_tsa_token_get_digest_name (token), ==, "SHA256");
  g_assert_cmpstr (pd_tsa_token_get_policy (token), ==, PD_TEST_TSA_POLICY_OID);
  g_assert_cmpint (pd_tsa_token_get_accuracy (token), ==, G_USEC_PER_SEC);
  g_assert_cmpstr (pd_tsa_token_get_serial (token), ==, "01");
  g_assert_nonnull (pd_tsa_token_get_nonce_hex (token));
  g_assert_nonnull (strstr (pd_tsa_token_get_tsa_name (token), "CN=Proofdesk Test TSA"));
  g_assert_false (pd_tsa_token_is_practice (token));
  g_assert_false (pd_tsa_client_is_practice (f->client));
  g_assert_false (pd_tsa_token_get_granted_with_mods (token));
  g_assert_cmpint (ABS (g_date_time_difference (pd_tsa_token_get_gen_time (token), now)), <, 10 * G_USEC_PER_SEC);
  g_assert_cmpint (ABS (pd_tsa_token_get_clock_skew (token)), <, 5 * G_USEC_PER_SEC);
  g_assert_cmpint (count_certs (pd_tsa_token_get_certificates_pem (token)), ==, 2);

  chain = pd_tsa_client_get_chain_pem (f->client);
  g_assert_cmpint (count_certs (chain), ==, 2);

  again = pd_tsa_token_new_from_der (pd_tsa_token_get_response_der (token), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pd_tsa_token_get_serial (again), ==, "01");
  g_assert_cmpstr (pd_tsa_token_get_imprint_hex (again), ==, f->digest_hex);
  g_assert_true (g_date_time_equal (pd_tsa_token_get_gen_time (again), pd_tsa_token_get_gen_time (token)));
}

static void
test_digests (Fixture *f, gconstpointer data)
{
  const PdTsaDigest types[] = { PD_TSA_DIGEST_SHA384, PD_TSA_DIGEST_SHA512 };
  const char *names[] = { "SHA384", "SHA512" };

  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (PdTsaToken) token = NULL;
      guint8 digest[64];
      gsize len = pd_tsa_digest_get_length (types[i]);
      g_autofree char *hex = NULL;

      memset (digest, 0xa0 + i, sizeof digest);
      hex = pd_hex_encode (digest, len);
      token = stamp (f, f->client, types[i], digest, len, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (pd_tsa_token_get_digest_name (token), ==, names[i]);
      g_assert_cmpstr (pd_tsa_token_get_imprint_hex (token), ==, hex);
    }
}

static void
test_wrong_digest_length (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PdTsaToken) token = stamp (f, f->client, PD_TSA_DIGEST_SHA512, f->digest, sizeof f->digest, &error);

  g_assert_null (token);
  g_assert_error (error, PD_TSA_ERROR, PD_TSA_ERROR_IMPRINT);
  g_assert_cmpuint (pd_test_tsa_get_request_count (f->tsa), ==, 0);
}

static void
test_sync (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PdTsaToken) token = NULL;

  token = pd_tsa_client_stamp (f->client, PD_TSA_DIGEST_SHA256, f->digest, sizeof f->digest, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pd_tsa_token_get_imprint_hex (token), ==, f->digest_hex);
  g_assert_cmpuint (pd_test_tsa_get_request_count (f->tsa), ==, 1);
}

static void
test_down (Fixture *f, gconstpointer data)
{
  expect_error (f, PD_TEST_TSA_DOWN, PD_TSA_ERROR_NETWORK);
  /* And back up on the same port. */
  pd_test_tsa_set_mode (f->tsa, PD_TEST_TSA_OK);
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (PdTsaToken) token = stamp (f, f->client, PD_TSA_DIGEST_SHA256, f->digest, sizeof f->digest, &error);
    g_assert_no_error (error);
  }
}

static void
test_timeout (Fixture *f, gconstpointer data)
{
  gint64 start = g_get_monotonic_time ();

  pd_tsa_client_set_timeout (f->client, 1);
  pd_test_tsa_set_delay (f->tsa, 4000);
  expect_error (f, PD_TEST_TSA_SLOW, PD_TSA_ERROR_TIMEOUT);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 3 * G_USEC_PER_SEC);
}

static void
test_http_500 (Fixture *f, gconstpointer data)
{
  expect_error (f, PD_TEST_TSA_HTTP_500, PD_TSA_ERROR_HTTP);
}

static void
test_garbage (Fixture *f, gconstpointer data)
{
  expect_error (f, PD_TEST_TSA_GARBAGE, PD_TSA_ERROR_GARBAGE);
}

static void
test_content_type (Fixture *f, gconstpointer data)
{
  expect_error (f, PD_TEST_TSA_CONTENT_TYPE, PD_TSA_ERROR_CONTENT_TYPE);
}

static void
test_rejected (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  pd_test_tsa_set_mode (f->tsa, PD_TEST_TSA_REJECT);
  g_assert_null (stamp (f, f->client, PD_TSA_DIGEST_SHA256, f->digest, sizeof f->digest, &error));
  g_assert_error (error, PD_TSA_ERROR, PD_TSA_ERROR_REJECTED);
  g_assert_nonnull (strstr (error->message, "rejection"));
  g_assert_nonnull (strstr (error->message, "unacceptedPolicy"));
}

static void
test_granted_with_mods (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PdTsaToken) token = NULL;

  pd_test_tsa_set_mode (f->tsa, PD_TEST_TSA_GRANTED_WITH_MODS);
  token = stamp (f, f->client, PD_TSA_DIGEST_SHA256, f->digest, sizeof f->digest, &error);
  g_assert_no_error (error);
  g_assert_true (pd_tsa_token_get_granted_with_mods (token));
  g_assert_cmpstr (pd_tsa_token_get_status_text (token), ==, "accuracy widened");
}

static void
test_nonce_mismatch (Fixture *f, gconstpointer data)
{
  expect_error (f, PD_TEST_TSA_WRONG_NONCE, PD_TSA_ERROR_NONCE);
}

static void
test_imprint_mismatch (Fixture *f, gconstpointer data)
{
  expect_error (f, PD_TEST_TSA_WRONG_IMPRINT, PD_TSA_ERROR_IMPRINT);
}

static void
test_bad_signature (Fixture *f, gconstpointer data)
{
  expect_error (f, PD_TEST_TSA_BAD_SIGNATURE, PD_TSA_ERROR_SIGNATURE);
}

static void
test_noncritical_eku (Fixture *f, gconstpointer data)
{
  expect_error (f, PD_TEST_TSA_NONCRITICAL_EKU, PD_TSA_ERROR_CERTIFICATE);
}

static void
test_sha1_signature (Fixture *f, gconstpointer data)
{
  expect_error (f, PD_TEST_TSA_SHA1, PD_TSA_ERROR_SIGNATURE);
}

static void
test_no_certificate (Fixture *f, gconstpointer data)
{
  expect_error (f, PD_TEST_TSA_NO_CERT, PD_TSA_ERROR_CERTIFICATE);
}

static void
test_wrong_ess (Fixture *f, gconstpointer data)
{
  expect_error (f, PD_TEST_TSA_WRONG_ESS, PD_TSA_ERROR_SIGNATURE);
}

static void
test_old_time (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PdTsaToken) token = NULL;

  expect_error (f, PD_TEST_TSA_OLD_TIME, PD_TSA_ERROR_TIME);
  /* Re-signed by hand with good certificates: only the time was wrong. */
  pd_tsa_client_set_tolerance (f->client, 7200);
  token = stamp (f, f->client, PD_TSA_DIGEST_SHA256, f->digest, sizeof f->digest, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pd_tsa_token_get_clock_skew (token), <, (gint64) -3500 * G_USEC_PER_SEC);
  g_assert_cmpint (pd_tsa_token_get_clock_skew (token), >, (gint64) -3700 * G_USEC_PER_SEC);
}

static void
test_policy (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PdTsaToken) token = NULL;

  g_assert_false (pd_tsa_client_set_policy (f->client, "not an oid", &error));
  g_assert_error (error, PD_TSA_ERROR, PD_TSA_ERROR_POLICY);
  g_clear_error (&error);

  g_assert_true (pd_tsa_client_set_policy (f->client, PD_TEST_TSA_POLICY_OID, &error));
  token = stamp (f, f->client, PD_TSA_DIGEST_SHA256, f->digest, sizeof f->digest, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pd_tsa_token_get_policy (token), ==, PD_TEST_TSA_POLICY_OID);

  /* A policy the TSA does not offer is refused by the TSA. */
  g_assert_true (pd_tsa_client_set_policy (f->client, "1.2.3.4", &error));
  g_assert_null (stamp (f, f->client, PD_TSA_DIGEST_SHA256, f->digest, sizeof f->digest, &error));
  g_assert_error (error, PD_TSA_ERROR, PD_TSA_ERROR_REJECTED);
}

static gboolean
cancel_later (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

static void
test_cancel (Fixture *f, gconstpointer data)
{
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  Stamp s = { f->loop, NULL, NULL };
  gint64 start = g_get_monotonic_time ();

  pd_test_tsa_set_delay (f->tsa, 4000);
  pd_test_tsa_set_mode (f->tsa, PD_TEST_TSA_SLOW);
  pd_tsa_client_stamp_async (f->client, PD_TSA_DIGEST_SHA256, f->digest, sizeof f->digest,
                             cancellable, on_stamped, &s);
  g_timeout_add (200, cancel_later, cancellable);
  g_main_loop_run (f->loop);
  g_assert_null (s.token);
  g_assert_error (s.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&s.error);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 2 * G_USEC_PER_SEC);
}

static void
test_openssl_reply (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PdTsaToken) token = NULL;

  pd_test_tsa_set_mode (f->tsa, PD_TEST_TSA_OPENSSL);
  token = stamp (f, f->client, PD_TSA_DIGEST_SHA256, f->digest, sizeof f->digest, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pd_tsa_token_get_imprint_hex (token), ==, f->digest_hex);
  /* accuracy = secs:1, millisecs:500, microsecs:100 in the generated openssl config. */
  g_assert_cmpint (pd_tsa_token_get_accuracy (token), ==, 1500100);
  g_assert_cmpstr (pd_tsa_token_get_policy (token), ==, PD_TEST_TSA_POLICY_OID);
  g_assert_nonnull (strstr (pd_tsa_token_get_tsa_name (token), "Proofdesk Test TSA"));
}

static gboolean
run_argv (const char *const *argv, char **out, GError **error)
{
  g_autoptr (GSubprocess) proc = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                    G_SUBPROCESS_FLAGS_STDERR_MERGE, error);

  if (proc == NULL || !g_subprocess_communicate_utf8 (proc, NULL, NULL, out, NULL, error))
    return FALSE;
  return g_subprocess_get_successful (proc);
}

/* A query from stock `openssl ts -query`, answered by stock `openssl ts -reply`, read back. */
static void
test_openssl_token_parse (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *file = g_build_filename (f->data_dir, "evidence.bin", NULL);
  g_autofree char *query = g_build_filename (f->data_dir, "q.tsq", NULL);
  g_autofree char *out = NULL;
  g_autofree char *hex = NULL;
  g_autofree char *query_der = NULL;
  g_autoptr (GBytes) request = NULL;
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (PdTsaToken) token = NULL;
  gsize len;
  const char *argv[] = { "openssl", "ts", "-query", "-data", file, "-sha256", "-cert", "-out", query, NULL };

  g_assert_true (g_file_set_contents (file, "stock openssl interop\n", -1, NULL));
  g_assert_true (run_argv (argv, &out, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (query, &query_der, &len, NULL));
  request = g_bytes_new (query_der, len);
  reply = pd_test_tsa_respond (f->tsa, request, PD_TEST_TSA_OPENSSL, &error);
  g_assert_no_error (error);
  token = pd_tsa_token_new_from_der (reply, &error);
  g_assert_no_error (error);
  hex = pd_sha256_file (file, NULL, NULL, NULL);
  g_assert_cmpstr (pd_tsa_token_get_imprint_hex (token), ==, hex);
  g_assert_nonnull (pd_tsa_token_get_serial (token));
  g_assert_false (pd_tsa_token_is_practice (token));
}

static void
test_token_garbage (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) request = pd_test_tsa_make_request (f->digest, 42, TRUE);
  g_autoptr (GBytes) good = pd_test_tsa_respond (f->tsa, request, PD_TEST_TSA_OK, &error);
  g_autoptr (GBytes) truncated = g_bytes_new_from_bytes (good, 0, g_bytes_get_size (good) - 1);
  g_autoptr (GByteArray) longer = g_byte_array_new ();
  g_autoptr (GBytes) trailing = NULL;
  g_autoptr (GBytes) garbage = g_bytes_new_static ("garbage", 7);
  g_autoptr (GBytes) rejection = pd_test_tsa_respond (f->tsa, request, PD_TEST_TSA_REJECT, &error);
  g_autoptr (PdTsaToken) token = pd_tsa_token_new_from_der (good, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (pd_tsa_token_get_nonce_hex (token), ==, "2a");
  g_byte_array_append (longer, g_bytes_get_data (good, NULL), g_bytes_get_size (good));
  g_byte_array_append (longer, (const guint8 *) "x", 1);
  trailing = g_bytes_new (longer->data, longer->len);

  g_assert_null (pd_tsa_token_new_from_der (garbage, &error));
  g_assert_error (error, PD_TSA_ERROR, PD_TSA_ERROR_GARBAGE);
  g_clear_error (&error);
  g_assert_null (pd_tsa_token_new_from_der (truncated, &error));
  g_assert_error (error, PD_TSA_ERROR, PD_TSA_ERROR_GARBAGE);
  g_clear_error (&error);
  g_assert_null (pd_tsa_token_new_from_der (trailing, &error));
  g_assert_error (error, PD_TSA_ERROR, PD_TSA_ERROR_GARBAGE);
  g_clear_error (&error);
  g_assert_null (pd_tsa_token_new_from_der (rejection, &error));
  g_assert_error (error, PD_TSA_ERROR, PD_TSA_ERROR_REJECTED);
}

static void
test_bad_url (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  g_assert_null (pd_tsa_client_new ("ftp://tsa.example/", &error));
  g_assert_error (error, PD_TSA_ERROR, PD_TSA_ERROR_NETWORK);
  g_clear_error (&error);
  g_assert_null (pd_tsa_client_new ("not a url", &error));
  g_assert_error (error, PD_TSA_ERROR, PD_TSA_ERROR_NETWORK);
}

/* ---- concurrency and the main loop ---- */

static void
on_one_of_many (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Stamp *s = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (PdTsaToken) token = pd_tsa_client_stamp_finish (PD_TSA_CLIENT (source), result, &error);

  g_assert_no_error (error);
  g_assert_nonnull (token);
  if (--s->pending == 0)
    g_main_loop_quit (s->loop);
}

static void
stamp_many (Fixture *f, PdTsaClient *client, guint n)
{
  Stamp s = { f->loop, NULL, NULL, n };

  for (guint i = 0; i < n; i++)
    pd_tsa_client_stamp_async (client, PD_TSA_DIGEST_SHA256, f->digest, sizeof f->digest, NULL,
                               on_one_of_many, &s);
  g_main_loop_run (f->loop);
  g_assert_cmpuint (s.pending, ==, 0);
}

static void
test_concurrent (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PdTsaClient) local = pd_tsa_client_new (PD_TSA_LOCAL, &error);

  g_assert_no_error (error);
  stamp_many (f, f->client, 20);
  g_assert_cmpuint (pd_test_tsa_get_request_count (f->tsa), ==, 20);
  stamp_many (f, local, 20);
}

static gboolean
on_tick (gpointer user_data)
{
  (*(guint *) user_data)++;
  return G_SOURCE_CONTINUE;
}

static void
test_slow_does_not_block (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PdTsaToken) token = NULL;
  guint ticks = 0;
  guint id = g_timeout_add (50, on_tick, &ticks);

  pd_test_tsa_set_delay (f->tsa, 1500);
  pd_test_tsa_set_mode (f->tsa, PD_TEST_TSA_SLOW);
  token = stamp (f, f->client, PD_TSA_DIGEST_SHA256, f->digest, sizeof f->digest, &error);
  g_source_remove (id);
  g_assert_no_error (error);
  /* 1.5 s at 50 ms: a blocked loop would tick once or not at all. */
  g_assert_cmpuint (ticks, >=, 15);
}

/* ---- the practice authority ---- */

static void
test_local_token (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PdTsaClient) local = pd_tsa_client_new (PD_TSA_LOCAL, &error);
  g_autoptr (PdTsaToken) token = NULL;
  g_autoptr (PdTsaToken) again = NULL;
  g_autofree char *chain = NULL;

  g_assert_no_error (error);
  g_assert_true (pd_tsa_client_is_practice (local));
  token = stamp (f, local, PD_TSA_DIGEST_SHA256, f->digest, sizeof f->digest, &error);
  g_assert_no_error (error);
  g_assert_true (pd_tsa_token_is_practice (token));
  g_assert_cmpstr (pd_tsa_token_get_policy (token), ==, PD_LOCAL_TSA_POLICY_OID);
  g_assert_nonnull (strstr (pd_tsa_token_get_tsa_name (token), "NOT FOR COURT"));
  g_assert_cmpint (pd_tsa_token_get_accuracy (token), ==, G_USEC_PER_SEC);
  g_assert_cmpuint (strlen (pd_tsa_token_get_serial (token)), >=, 24);
  g_assert_cmpstr (pd_tsa_token_get_imprint_hex (token), ==, f->digest_hex);
  chain = pd_tsa_client_get_chain_pem (local);
  g_assert_cmpint (count_certs (chain), ==, 2);

  /* Read back from disk, it is still recognised as practice. */
  again = pd_tsa_token_new_from_der (pd_tsa_token_get_response_der (token), &error);
  g_assert_no_error (error);
  g_assert_true (pd_tsa_token_is_practice (again));
}

static void
assert_mode (const char *dir, const char *name, guint mode)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  struct stat st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpuint (st.st_mode & 0777, ==, mode);
}

static void
test_local_permissions (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PdLocalTsa) tsa = pd_local_tsa_new (NULL, &error);
  g_autoptr (PdLocalTsa) reopened = NULL;
  g_autofree char *expected = g_build_filename (f->data_dir, PD_LOCAL_TSA_DIRNAME, NULL);
  g_autofree char *pem = NULL;
  g_autofree char *ca_file = NULL;
  g_autoptr (GDir) dir = NULL;
  const char *name;

  g_assert_no_error (error);
  g_assert_cmpstr (pd_local_tsa_get_dir (tsa), ==, expected);
  assert_mode (expected, ".", 0700);
  assert_mode (expected, "practice-tsa.key", 0600);
  assert_mode (expected, "practice-ca.key", 0600);
  assert_mode (expected, PD_LOCAL_TSA_CA_NAME, 0644);
  dir = g_dir_open (f->data_dir, 0, NULL);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_assert_cmpstr (name, ==, PD_LOCAL_TSA_DIRNAME);   /* no temporary folder left behind */

  pem = pd_local_tsa_get_ca_pem (tsa);
  g_assert_true (g_file_get_contents (pd_local_tsa_get_ca_path (tsa), &ca_file, NULL, NULL));
  g_assert_cmpstr (pem, ==, ca_file);
  g_assert_nonnull (strstr (pem, "BEGIN CERTIFICATE"));

  /* Opening again reuses the same authority rather than making a new one. */
  reopened = pd_local_tsa_new (NULL, &error);
  g_assert_no_error (error);
  {
    g_autofree char *pem2 = pd_local_tsa_get_ca_pem (reopened);
    g_assert_cmpstr (pem, ==, pem2);
  }
}

/* Our practice tokens pass stock `openssl ts -verify`, by digest and by data. */
static void
test_local_openssl_verify (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PdTsaClient) local = pd_tsa_client_new (PD_TSA_LOCAL, &error);
  g_autofree char *file = g_build_filename (f->data_dir, "recording.bin", NULL);
  g_autofree char *other = g_build_filename (f->data_dir, "other.bin", NULL);
  g_autofree char *tsr = g_build_filename (f->data_dir, "recording.bin.tsr", NULL);
  g_autofree char *hex = NULL;
  g_autofree char *out = NULL;
  g_autoptr (PdTsaToken) token = NULL;
  guint8 digest[PD_SHA256_LEN];
  GBytes *der;
  const char *ca;

  g_assert_no_error (error);
  ca = pd_local_tsa_get_ca_path (pd_tsa_client_get_local_tsa (local));
  g_assert_true (g_file_set_contents (file, "0123456789 evidence bytes", -1, NULL));
  g_assert_true (g_file_set_contents (other, "0123456789 evidence bytez", -1, NULL));
  hex = pd_sha256_file (file, NULL, NULL, &error);
  g_assert_true (pd_hex_decode (hex, digest, sizeof digest));
  token = stamp (f, local, PD_TSA_DIGEST_SHA256, digest, sizeof digest, &error);
  g_assert_no_error (error);
  der = pd_tsa_token_get_response_der (token);
  g_assert_true (pd_write_file_once (tsr, g_bytes_get_data (der, NULL), g_bytes_get_size (der), &error));

  {
    const char *argv[] = { "openssl", "ts", "-verify", "-digest", hex, "-in", tsr, "-CAfile", ca, NULL };
    g_assert_true (run_argv (argv, &out, &error));
    g_assert_nonnull (strstr (out, "Verification: OK"));
    g_clear_pointer (&out, g_free);
  }
  {
    const char *argv[] = { "openssl", "ts", "-verify", "-data", file, "-in", tsr, "-CAfile", ca, NULL };
    g_assert_true (run_argv (argv, &out, &error));
    g_clear_pointer (&out, g_free);
  }
  {
    /* The check can fail: a different file does not verify. */
    const char *argv[] = { "openssl", "ts", "-verify", "-data", other, "-in", tsr, "-CAfile", ca, NULL };
    g_assert_false (run_argv (argv, &out, &error));
    g_assert_no_error (error);
  }
}

static void
on_http_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Stamp *s = user_data;
  g_autoptr (GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &s->error);

  g_main_loop_quit (s->loop);
}

static guint
http_status (Fixture *f, const char *url, const char *method, const char *content_type)
{
  g_autoptr (SoupSession) session = soup_session_new ();
  g_autoptr (SoupMessage) msg = soup_message_new (method, url);
  Stamp s = { f->loop, NULL, NULL };

  if (content_type != NULL)
    {
      g_autoptr (GBytes) body = g_bytes_new_static ("x", 1);
      soup_message_set_request_body_from_bytes (msg, content_type, body);
    }
  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, on_http_done, &s);
  g_main_loop_run (f->loop);
  g_assert_no_error (s.error);
  return soup_message_get_status (msg);
}

static void
test_local_serve (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PdLocalTsa) tsa = pd_local_tsa_new (NULL, &error);
  g_autoptr (PdTsaClient) client = NULL;
  g_autoptr (PdTsaToken) token = NULL;
  g_autofree char *url = NULL;

  g_assert_no_error (error);
  g_assert_null (pd_local_tsa_get_url (tsa));
  g_assert_true (pd_local_tsa_serve (tsa, 0, &error));
  g_assert_no_error (error);
  url = pd_local_tsa_get_url (tsa);
  g_assert_true (g_str_has_prefix (url, "http://127.0.0.1:"));

  client = pd_tsa_client_new (url, &error);
  g_assert_no_error (error);
  g_assert_false (pd_tsa_client_is_practice (client));
  token = stamp (f, client, PD_TSA_DIGEST_SHA256, f->digest, sizeof f->digest, &error);
  g_assert_no_error (error);
  g_assert_true (pd_tsa_token_is_practice (token));

  g_assert_cmpuint (http_status (f, url, "GET", NULL), ==, SOUP_STATUS_METHOD_NOT_ALLOWED);
  g_assert_cmpuint (http_status (f, url, "POST", "text/plain"), ==, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE);
  pd_local_tsa_stop_serving (tsa);
  g_assert_null (pd_local_tsa_get_url (tsa));
}

/* ---- proofctl ---- */

static const char *
proofctl_path (void)
{
  const char *path = g_getenv ("PROOFCTL");

  if (path == NULL)
    g_test_skip ("PROOFCTL is not set");
  return path;
}

static void
test_proofctl_serve (Fixture *f, gconstpointer data)
{
  const char *proofctl = proofctl_path ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GDataInputStream) out = NULL;
  g_autoptr (PdTsaClient) client = NULL;
  g_autoptr (PdTsaToken) token = NULL;
  g_autofree char *url = NULL;
  g_autofree char *ca_path = NULL;
  g_autofree char *expected_ca = g_build_filename (f->data_dir, PD_LOCAL_TSA_DIRNAME, PD_LOCAL_TSA_CA_NAME, NULL);

  if (proofctl == NULL)
    return;
  {
    const char *argv[] = { proofctl, "tsa", "ca-path", NULL };
    g_assert_true (run_argv (argv, &ca_path, &error));
    g_strchomp (ca_path);
    g_assert_cmpstr (ca_path, ==, expected_ca);
  }

  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
                           proofctl, "tsa", "serve", "--port", "0", NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (proc));
  url = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (url);
  g_assert_true (g_str_has_prefix (url, "http://127.0.0.1:"));

  client = pd_tsa_client_new (url, &error);
  g_assert_no_error (error);
  token = stamp (f, client, PD_TSA_DIGEST_SHA256, f->digest, sizeof f->digest, &error);
  g_assert_no_error (error);
  g_assert_true (pd_tsa_token_is_practice (token));
  g_assert_cmpstr (pd_tsa_token_get_imprint_hex (token), ==, f->digest_hex);

  g_subprocess_send_signal (proc, SIGTERM);
  g_assert_true (g_subprocess_wait (proc, NULL, &error));
  g_assert_true (g_subprocess_get_if_exited (proc));
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 0);
}

static void
test_proofctl_stamp (Fixture *f, gconstpointer data)
{
  const char *proofctl = proofctl_path ();
  g_autoptr (GError) error = NULL;
  g_autofree char *file = g_build_filename (f->data_dir, "contract.pdf", NULL);
  g_autofree char *tsr = g_build_filename (f->data_dir, "contract.pdf.tsr", NULL);
  g_autofree char *out_tsr = g_build_filename (f->data_dir, "remote.tsr", NULL);
  g_autofree char *bad_tsr = g_build_filename (f->data_dir, "bad.tsr", NULL);
  g_autofree char *out = NULL;
  g_autofree char *hex = NULL;
  g_autofree char *der = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (PdTsaToken) token = NULL;
  gsize len;

  if (proofctl == NULL)
    return;
  g_assert_true (g_file_set_contents (file, "%PDF-1.4 not really\n", -1, NULL));
  hex = pd_sha256_file (file, NULL, NULL, NULL);
  {
    const char *argv[] = { proofctl, "stamp", file, NULL };
    g_assert_true (run_argv (argv, &out, &error));
    g_assert_nonnull (strstr (out, "not for court"));
    g_assert_nonnull (strstr (out, "NOT FOR COURT"));
    g_clear_pointer (&out, g_free);
  }
  g_assert_true (g_file_get_contents (tsr, &der, &len, NULL));
  bytes = g_bytes_new_take (g_steal_pointer (&der), len);
  token = pd_tsa_token_new_from_der (bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pd_tsa_token_get_imprint_hex (token), ==, hex);
  g_assert_true (pd_tsa_token_is_practice (token));
  {
    /* Never overwrites, exit 2 with one sentence. */
    const char *argv[] = { proofctl, "stamp", file, NULL };
    g_autoptr (GSubprocess) proc = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                                      G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error);
    g_assert_true (g_subprocess_wait (proc, NULL, &error));
    g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 2);
  }
  {
    /* A real (test) authority: no practice warning. */
    const char *argv[] = { proofctl, "stamp", "--tsa", pd_test_tsa_get_url (f->tsa), "-o", out_tsr, file, NULL };
    g_assert_true (run_argv (argv, &out, &error));
    g_assert_null (strstr (out, "not for court"));
    g_assert_true (g_file_test (out_tsr, G_FILE_TEST_IS_REGULAR));
    g_clear_pointer (&out, g_free);
  }
  {
    /* A forged reply is an error and nothing is written. */
    const char *argv[] = { proofctl, "stamp", "--tsa", pd_test_tsa_get_url (f->tsa), "-o", bad_tsr, file, NULL };
    pd_test_tsa_set_mode (f->tsa, PD_TEST_TSA_BAD_SIGNATURE);
    g_assert_false (run_argv (argv, &out, &error));
    g_assert_no_error (error);
    g_assert_nonnull (strstr (out, "signature"));
    g_assert_false (g_file_test (bad_tsr, G_FILE_TEST_EXISTS));
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/core/tsa/ok", test_ok);
  ADD ("/core/tsa/sha384-sha512", test_digests);
  ADD ("/core/tsa/wrong-digest-length", test_wrong_digest_length);
  ADD ("/core/tsa/sync", test_sync);
  ADD ("/core/tsa/down", test_down);
  ADD ("/core/tsa/timeout", test_timeout);
  ADD ("/core/tsa/http-500", test_http_500);
  ADD ("/core/tsa/garbage", test_garbage);
  ADD ("/core/tsa/content-type", test_content_type);
  ADD ("/core/tsa/rejected", test_rejected);
  ADD ("/core/tsa/granted-with-mods", test_granted_with_mods);
  ADD ("/core/tsa/nonce-mismatch", test_nonce_mismatch);
  ADD ("/core/tsa/imprint-mismatch", test_imprint_mismatch);
  ADD ("/core/tsa/bad-signature", test_bad_signature);
  ADD ("/core/tsa/noncritical-eku", test_noncritical_eku);
  ADD ("/core/tsa/sha1-signature", test_sha1_signature);
  ADD ("/core/tsa/no-certificate", test_no_certificate);
  ADD ("/core/tsa/wrong-ess", test_wrong_ess);
  ADD ("/core/tsa/time-out-of-tolerance", test_old_time);
  ADD ("/core/tsa/policy", test_policy);
  ADD ("/core/tsa/cancel", test_cancel);
  ADD ("/core/tsa/openssl-reply", test_openssl_reply);
  ADD ("/core/tsa/openssl-token-parse", test_openssl_token_parse);
  ADD ("/core/tsa/token-garbage", test_token_garbage);
  ADD ("/core/tsa/bad-url", test_bad_url);
  ADD ("/core/tsa/concurrent", test_concurrent);
  ADD ("/core/tsa/slow-does-not-block", test_slow_does_not_block);
  ADD ("/core/tsa/local/token", test_local_token);
  ADD ("/core/tsa/local/permissions", test_local_permissions);
  ADD ("/core/tsa/local/openssl-verify", test_local_openssl_verify);
  ADD ("/core/tsa/local/serve", test_local_serve);
  ADD ("/core/tsa/proofctl/serve", test_proofctl_serve);
  ADD ("/core/tsa/proofctl/stamp", test_proofctl_stamp);
#undef ADD

  return g_test_run ();
}
