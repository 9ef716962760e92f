/* test-tsa-battery.c — every misbehaving TSA mode through proofctl: `stamp` exits 2 naming the
 * problem, a capture seals as awaiting-stamp and never verifies as valid; then the TSA heals,
 * `stamp --pending` stamps every package and each one verifies. */
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/wait.h>

#include "../pd-test-tsa.h"
#include "../test-common.h"

typedef struct
{
  PdTestTsaMode mode;
  const char   *name;
  const char   *message;   /* what the stderr sentence must contain */
  gboolean      capture;   /* also record through it */
} Mode;

static const Mode modes[] = {
  { PD_TEST_TSA_DOWN, "DOWN", "Cannot reach the timestamp authority", TRUE },
  /* A slow but correct reply is accepted by a capture (20 s timeout): only `stamp --timeout 1`
   * sees it as a failure. */
  { PD_TEST_TSA_SLOW, "SLOW", "did not answer within", FALSE },
  { PD_TEST_TSA_HTTP_500, "HTTP_500", "HTTP 500", TRUE },
  { PD_TEST_TSA_GARBAGE, "GARBAGE", "not an RFC 3161 timestamp response", TRUE },
  { PD_TEST_TSA_CONTENT_TYPE, "CONTENT_TYPE", "instead of a timestamp reply", TRUE },
  { PD_TEST_TSA_REJECT, "REJECT", "refused the request", TRUE },
  { PD_TEST_TSA_WRONG_NONCE, "WRONG_NONCE", "does not echo our nonce", TRUE },
  { PD_TEST_TSA_WRONG_IMPRINT, "WRONG_IMPRINT", "covers a different digest", TRUE },
  { PD_TEST_TSA_BAD_SIGNATURE, "BAD_SIGNATURE", "signature is not valid", TRUE },
  { PD_TEST_TSA_NONCRITICAL_EKU, "NONCRITICAL_EKU", "timestamping only", TRUE },
  { PD_TEST_TSA_SHA1, "SHA1", "weak or unknown digest", TRUE },
  { PD_TEST_TSA_NO_CERT, "NO_CERT", "did not include its certificate", TRUE },
  { PD_TEST_TSA_WRONG_ESS, "WRONG_ESS", "signing-certificate attribute does not match", TRUE },
  { PD_TEST_TSA_OLD_TIME, "OLD_TIME", "away from this computer's clock", TRUE },
};

typedef struct
{
  char      *tmp;
  char      *catalog;
  char      *root;
  PdTestTsa *tsa;
} Fixture;

static int
run (const char * const *argv, char **out, char **err)
{
  g_autoptr (GError) error = NULL;
  int status = 0;

  /* Output not asked for goes nowhere: it must not mix with this test's TAP stream. */
  g_spawn_sync (NULL, (char **) argv, NULL,
                (out ? 0 : G_SPAWN_STDOUT_TO_DEV_NULL) | (err ? 0 : G_SPAWN_STDERR_TO_DEV_NULL),
                NULL, NULL, out, err, &status, &error);
  g_assert_no_error (error);
  if (WIFSIGNALED (status))
    return 128 + WTERMSIG (status);
  return WEXITSTATUS (status);
}

/* proofctl verify --json: the verdict string and the exit code. */
static int
verify (Fixture *f, const char *pkg, char **verdict)
{
  const char *argv[] = { g_getenv ("PROOFCTL"), "verify", pkg, "--no-system-ca", "--ca",
                         pd_test_tsa_get_ca_path (f->tsa), "--json", NULL };
  g_autofree char *out = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  int rc = run (argv, &out, NULL);

  *verdict = NULL;
  if (json_parser_load_from_data (parser, out, -1, NULL) &&
      JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    *verdict = g_strdup (json_object_get_string_member_with_default (
      json_node_get_object (json_parser_get_root (parser)), "verdict", "?"));
  return rc;
}

static char *
manifest_state (const char *pkg)
{
  g_autofree char *path = g_build_filename (pkg, "manifest.json", NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();

  if (!json_parser_load_from_file (parser, path, NULL))
    return g_strdup ("(no manifest)");
  return g_strdup (json_object_get_string_member_with_default (
    json_node_get_object (json_parser_get_root (parser)), "state", "?"));
}

static void
test_battery (void)
{
  Fixture fx = { 0 }, *f = &fx;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) packages = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *file = NULL;
  const char *proofctl = g_getenv ("PROOFCTL");
  guint named = 0, awaiting = 0, healed = 0;
  gint64 t0 = g_get_monotonic_time ();

  g_assert_nonnull (proofctl);
  f->tmp = g_dir_make_tmp ("pd-tsa-battery-XXXXXX", &error);
  g_assert_no_error (error);
  f->catalog = g_build_filename (f->tmp, "catalog.db", NULL);
  f->root = g_build_filename (f->tmp, "ev", NULL);
  f->tsa = pd_test_tsa_new (&error);
  g_assert_no_error (error);
  file = g_build_filename (f->tmp, "exhibit.txt", NULL);
  g_file_set_contents (file, "exhibit A\n", -1, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (modes); i++)
    {
      const Mode *m = &modes[i];
      g_autofree char *tsr = g_strdup_printf ("%s.%s.tsr", file, m->name);
      g_autofree char *err = NULL;
      g_autofree char *out = NULL;
      int rc;

      pd_test_tsa_set_mode (f->tsa, m->mode);
      pd_test_tsa_set_delay (f->tsa, m->mode == PD_TEST_TSA_SLOW ? 3000 : 0);

      /* 1. proofctl stamp: exit 2 and the sentence for this failure, no token written. */
      {
        const char *argv[] = { proofctl, "stamp", file, "--tsa", pd_test_tsa_get_url (f->tsa),
                               "--timeout", "1", "-o", tsr, NULL };
        rc = run (argv, &out, &err);
      }
      g_test_message ("%-15s stamp: exit %d: %s", m->name, rc, g_strstrip (err));
      g_assert_cmpint (rc, ==, 2);
      g_assert_nonnull (strstr (err, m->message));
      g_assert_false (g_file_test (tsr, G_FILE_TEST_EXISTS));
      named++;

      if (!m->capture)
        continue;

      /* 2. A capture through it: sealed locally, awaiting a timestamp, never valid. */
      {
        g_autofree char *cap_out = NULL;
        g_autofree char *cap_err = NULL;
        g_autofree char *verdict = NULL;
        g_autofree char *state = NULL;
        g_auto (GStrv) lines = NULL;
        const char *pkg;
        const char *argv[] = { proofctl, "capture", "--source", "test", "--duration", "1.5",
                               "--checkpoint-interval", "1", "--tsa", pd_test_tsa_get_url (f->tsa),
                               "--out", f->root, "--catalog", f->catalog, "--case", m->name,
                               "--scenario", "battery", "-q", NULL };

        rc = run (argv, &cap_out, &cap_err);
        g_assert_cmpint (rc, ==, 0);
        lines = g_strsplit (g_strstrip (cap_out), "\n", -1);
        pkg = lines[g_strv_length (lines) - 1];
        state = manifest_state (pkg);
        rc = verify (f, pkg, &verdict);
        g_test_message ("%-15s capture: state %s, verify exit %d, verdict %s", m->name, state, rc,
                        verdict);
        g_assert_cmpstr (state, ==, "awaiting-stamp");
        g_assert_cmpint (rc, !=, 0);
        g_assert_true (verdict == NULL || (!g_str_equal (verdict, "valid") &&
                                           !g_str_equal (verdict, "valid-practice")));
        g_ptr_array_add (packages, g_strdup (pkg));
        awaiting++;
      }
    }

  /* 3. The TSA heals: stamp --pending stamps every waiting package; each verifies. */
  pd_test_tsa_set_mode (f->tsa, PD_TEST_TSA_OK);
  pd_test_tsa_set_delay (f->tsa, 0);
  {
    const char *argv[] = { proofctl, "stamp", "--pending", "--root", f->root, "--tsa",
                           pd_test_tsa_get_url (f->tsa), "--catalog", f->catalog, NULL };
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    int rc = run (argv, &out, &err);

    g_test_message ("stamp --pending: exit %d: %s", rc, g_strstrip (err));
    g_assert_cmpint (rc, ==, 0);
    for (guint i = 0; i < packages->len; i++)
      g_assert_nonnull (strstr (out, g_ptr_array_index (packages, i)));
  }
  for (guint i = 0; i < packages->len; i++)
    {
      const char *pkg = g_ptr_array_index (packages, i);
      g_autofree char *verdict = NULL;
      int rc = verify (f, pkg, &verdict);

      /* Intact and trusted, but the checkpoints taken while the TSA misbehaved were never
       * stamped: the real-time proof has named gaps, so not plain valid (exit 4). */
      g_assert_cmpint (rc, ==, 4);
      g_assert_cmpstr (verdict, ==, "valid-with-gaps");
      healed++;
    }
  /* And the file stamps now too. */
  {
    const char *argv[] = { proofctl, "stamp", file, "--tsa", pd_test_tsa_get_url (f->tsa), NULL };
    g_assert_cmpint (run (argv, NULL, NULL), ==, 0);
  }

  g_test_message ("tsa-battery: %u/%u modes refused with their named error, %u captures sealed "
                  "awaiting-stamp (none valid), %u/%u verify after stamp --pending; %.1f s",
                  named, (guint) G_N_ELEMENTS (modes), awaiting, healed, packages->len,
                  (g_get_monotonic_time () - t0) / 1e6);
  pd_test_tsa_free (f->tsa);
  pd_test_rm_rf (f->tmp);
  g_free (f->tmp);
  g_free (f->catalog);
  g_free (f->root);
}

int
main (int argc, char **argv)
{
  g_autofree char *tmp = g_dir_make_tmp ("pd-battery-data-XXXXXX", NULL);
  g_autofree char *data = g_build_filename (tmp, "data", NULL);
  int rc;

  g_setenv ("PROOFDESK_DATA_DIR", data, TRUE);
  g_unsetenv ("PROOFDESK_TSA_URL");
  /* The sentences are matched in English. */
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_unsetenv ("LANGUAGE");
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/torture/tsa-battery", test_battery);
  rc = g_test_run ();
  pd_test_rm_rf (tmp);
  return rc;
}
