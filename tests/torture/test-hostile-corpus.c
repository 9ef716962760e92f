/* test-hostile-corpus.c — the hostile-package corpus: every case is made at run time from one
 * genuine package, verified in a child with a time limit, and must get its verdict and its
 * named check. One GTest case per row of the table in hostile-corpus-cases.c. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <openssl/pem.h>

#include "pd-core.h"
#include "evidence/pd-package.h"
#include "verify/pd-verify.h"
#include "hostile-corpus.h"
#include "../pd-test-tokens.h"
#include "../pd-test-tsa.h"
#include "../test-common.h"

/* Every case must finish within this (the issue: "none crashes or hangs, each under 5 s").
 * Sanitizer builds run everything several times slower; .ci/sanitize also multiplies meson's
 * timeouts by 3. */
#if defined(__SANITIZE_ADDRESS__)
#define CASE_LIMIT_S 15.0
#else
#define CASE_LIMIT_S 5.0
#endif

static Base base;

/* Where a row's case lives; the child finds it from the row alone (no setenv once threads run). */
static char *
row_dir (const CorpusRow *row, const char *suffix)
{
  return g_strdup_printf ("%s/cases/%s-%s%s", g_getenv ("PD_CORPUS_TMP"), row->family, row->name,
                          suffix);
}

static char **
trust_files (void)
{
  g_autofree char *path = g_build_filename (g_getenv ("PD_CORPUS_TMP"), "trust", NULL);
  g_autofree char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return g_strsplit (text, ":", -1);
}

/* ------------------------------------------------------------------------------------------ */
/* The genuine packages                                                                        */

static char *
spawn_out (const char *const *argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *err = NULL;
  char *out = NULL;
  int status = 0;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status,
                &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_printerr ("%s %s failed: %s\n", argv[0], argv[1], err);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return out;
}

static char *
last_line (char *out)
{
  g_auto (GStrv) lines = g_strsplit (g_strstrip (out), "\n", -1);
  guint n = g_strv_length (lines);

  g_assert_cmpuint (n, >, 0);
  return g_strdup (lines[n - 1]);
}

static char *
find_recording_dir (const char *root, guint depth)
{
  g_autoptr (GDir) dir = g_dir_open (root, 0, NULL);
  const char *name;

  while (dir && depth < 4 && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (root, name, NULL);
      char *found;

      if (g_str_equal (name, PD_RECORDING_NAME))
        return g_strdup (root);
      if (g_file_test (child, G_FILE_TEST_IS_DIR) &&
          (found = find_recording_dir (child, depth + 1)) != NULL)
        return found;
    }
  return NULL;
}

/* A capture killed with SIGKILL after 4.5 s, then `proofctl recover`: a "recovered" package. */
static char *
make_recovered (PdTestTsa *tsa)
{
  g_autofree char *root = g_build_filename (base.tmp, "killed", NULL);
  g_autofree char *catalog = g_build_filename (base.tmp, "catalog.db", NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *out = NULL;
  const char *argv[] = { base.proofctl, "capture", "--source", "test", "--duration", "60",
                         "--checkpoint-interval", "3", "--tsa", pd_test_tsa_get_url (tsa),
                         "--out", root, "--catalog", catalog, "-q", NULL };
  GPid pid;
  int status;

  g_spawn_async (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD |
                 G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &pid, &error);
  g_assert_no_error (error);
  g_usleep (4500 * 1000);
  kill (pid, SIGKILL);
  waitpid (pid, &status, 0);
  g_spawn_close_pid (pid);
  dir = find_recording_dir (root, 0);
  if (dir == NULL)
    return NULL;
  {
    const char *rec[] = { base.proofctl, "recover", dir, "--tsa", pd_test_tsa_get_url (tsa),
                          "--catalog", catalog, NULL };
    out = spawn_out (rec);
  }
  return g_steal_pointer (&dir);
}

static X509 *
load_cert (const char *path)
{
  FILE *f = fopen (path, "r");
  X509 *x;

  g_assert_nonnull (f);
  x = PEM_read_X509 (f, NULL, NULL, NULL);
  fclose (f);
  g_assert_nonnull (x);
  return x;
}

static EVP_PKEY *
load_key (const char *path)
{
  FILE *f = fopen (path, "r");
  EVP_PKEY *k;

  g_assert_nonnull (f);
  k = PEM_read_PrivateKey (f, NULL, NULL, NULL);
  fclose (f);
  g_assert_nonnull (k);
  return k;
}

static void
make_base (PdTestTsa *tsa)
{
  g_autofree char *ev = g_build_filename (base.tmp, "ev", NULL);
  g_autofree char *catalog = g_build_filename (base.tmp, "catalog.db", NULL);
  g_autofree char *out = NULL;
  g_autofree char *corpus_ca = g_build_filename (base.tmp, "corpus-ca.pem", NULL);
  g_autoptr (GError) error = NULL;
  gint64 t0 = g_get_monotonic_time ();
  /* Checkpoints every 3 s: with 1 s fragments, one removed checkpoint leaves a gap the
   * spacing rule can see (PD_CHECKPOINT_MAX_SPACING). */
  const char *argv[] = { base.proofctl, "capture", "--source", "test", "--duration", "12",
                         "--checkpoint-interval", "3", "--tsa", pd_test_tsa_get_url (tsa),
                         "--out", ev, "--catalog", catalog, "-q", NULL };

  out = spawn_out (argv);
  base.pkg = last_line (out);
  base.recovered = make_recovered (tsa);
  base.tsa = tsa;
  base.tsa_cert = load_cert (pd_test_tsa_get_cert_path (tsa));
  base.tsa_key = load_key (pd_test_tsa_get_key_path (tsa));

  /* A second CA of the corpus, trusted, that can issue any certificate a case needs. */
  base.ca_key = pd_test_key_new ();
  base.ca = pd_test_cert_new ("Proofdesk corpus CA", base.ca_key, NULL, NULL, -2 * 86400,
                              60 * 86400, PD_TEST_CERT_CA);
  pd_test_write_cert (corpus_ca, base.ca, NULL);
  base.trust_paths = g_strjoin (":", pd_test_tsa_get_ca_path (tsa), corpus_ca, NULL);

  /* And an authority nobody trusts. */
  {
    g_autoptr (EVP_PKEY) fca_key = pd_test_key_new ();

    base.foreign_key = pd_test_key_new ();
    base.foreign_ca = pd_test_cert_new ("Someone's own CA", fca_key, NULL, NULL, -2 * 86400,
                                        60 * 86400, PD_TEST_CERT_CA);
    base.foreign_tsa = pd_test_cert_new ("Someone's own TSA", base.foreign_key, base.foreign_ca,
                                         fca_key, -2 * 86400, 60 * 86400, PD_TEST_CERT_TSA);
    base.foreign_chain = g_build_filename (base.tmp, "foreign-chain.pem", NULL);
    pd_test_write_cert (base.foreign_chain, base.foreign_tsa, base.foreign_ca);
  }
  g_test_message ("hostile-corpus: base package %s%s made in %.1f s", base.pkg,
                  base.recovered ? " and a recovered one" : "",
                  (g_get_monotonic_time () - t0) / 1e6);
}

/* ------------------------------------------------------------------------------------------ */
/* The child: one verify, its outcome in a file                                               */

static gboolean
row_matches (const CorpusRow *row, const PdVerifyCheck *check)
{
  return (g_strcmp0 (check->id, row->check_id) == 0 || g_strcmp0 (check->id, row->alt_id) == 0) &&
         check->status == row->status &&
         (row->subject == NULL || g_strcmp0 (check->subject, row->subject) == 0);
}

/* TRUE when `proofctl verify` printed an ESC or a C1 CSI (U+009B) byte sequence. */
static gboolean
cli_prints_escapes (const char *dir, int *exit_status)
{
  g_auto (GStrv) cas = trust_files ();
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  g_ptr_array_add (argv, (char *) g_getenv ("PROOFCTL"));
  g_ptr_array_add (argv, "verify");
  g_ptr_array_add (argv, (char *) dir);
  g_ptr_array_add (argv, "--no-system-ca");
  for (guint i = 0; cas[i]; i++)
    {
      g_ptr_array_add (argv, "--ca");
      g_ptr_array_add (argv, cas[i]);
    }
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               &out, &err, &status, NULL));
  *exit_status = WIFEXITED (status) ? WEXITSTATUS (status) : -1;
  return strchr (out, 0x1b) != NULL || strchr (err, 0x1b) != NULL ||
         strstr (out, "\xc2\x9b") != NULL || strstr (err, "\xc2\x9b") != NULL;
}

static void
run_child (const CorpusRow *row)
{
  g_autofree char *dir = row_dir (row, "");
  g_autofree char *result = row_dir (row, ".outcome");
  g_auto (GStrv) cas = trust_files ();
  g_autoptr (PdTrustStore) trust = pd_trust_store_new ();
  g_autoptr (PdVerifyResult) r = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  GString *out = g_string_new (NULL);
  gint64 t0;
  gboolean found = FALSE;

  for (guint i = 0; cas[i]; i++)
    {
      pd_trust_store_add_ca_file (trust, cas[i], &error);
      g_assert_no_error (error);
    }
  t0 = g_get_monotonic_time ();
  r = pd_verify_package (dir, trust, NULL, NULL, NULL, &error);
  g_string_append_printf (out, "elapsed_us %" G_GINT64_FORMAT "\n", g_get_monotonic_time () - t0);
  g_string_append_printf (out, "verdict %s\n",
                          pd_verdict_to_string (r ? pd_verify_result_get_verdict (r) : PD_VERDICT_ERROR));
  if (error)
    {
      g_autofree char *msg = g_strescape (error->message, NULL);
      g_string_append_printf (out, "error %s\n", msg);
    }
  for (guint i = 0; r && i < pd_verify_result_get_checks (r)->len; i++)
    {
      const PdVerifyCheck *check = g_ptr_array_index (pd_verify_result_get_checks (r), i);

      found |= row_matches (row, check);
      /* The first failure (or gap) of each id, for the parent's diagnostics. */
      if ((check->status == PD_CHECK_FAILED || check->status == PD_CHECK_GAP) &&
          !g_hash_table_contains (seen, check->id) && g_hash_table_size (seen) < 24)
        {
          g_autofree char *subject = g_strescape (check->subject ? check->subject : "", NULL);
          g_hash_table_add (seen, check->id);
          g_string_append_printf (out, "noted %s %s [%s]\n", check->id,
                                  check->status == PD_CHECK_GAP ? "gap" : "failed", subject);
        }
    }
  g_string_append_printf (out, "found %d\n", found);
  if (row->cli)
    {
      int status = 0;
      gboolean escapes = cli_prints_escapes (dir, &status);
      g_string_append_printf (out, "cli_escapes %d\ncli_exit %d\n", escapes, status);
    }
  g_assert_true (g_file_set_contents (result, out->str, -1, NULL));
  g_string_free (out, TRUE);
}

/* ------------------------------------------------------------------------------------------ */
/* The parent: make the case, verify it in a child, judge                                     */

static const char *
status_name (PdCheckStatus s)
{
  switch (s)
    {
    case PD_CHECK_PASSED: return "passed";
    case PD_CHECK_FAILED: return "failed";
    case PD_CHECK_INFO: return "info";
    case PD_CHECK_GAP: return "gap";
    }
  return "?";
}

static GHashTable *
read_outcome (const char *path)
{
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  GHashTable *map = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GString *noted = g_string_new (NULL);

  if (!g_file_get_contents (path, &text, NULL, NULL))
    text = g_strdup ("");
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      char *sp = strchr (lines[i], ' ');

      if (sp == NULL)
        continue;
      *sp = '\0';
      if (g_str_equal (lines[i], "noted"))
        g_string_append_printf (noted, "%s%s", noted->len ? "; " : "", sp + 1);
      else if (g_str_equal (lines[i], "error"))
        g_hash_table_insert (map, g_strdup ("error"), g_strcompress (sp + 1));
      else
        g_hash_table_insert (map, g_strdup (lines[i]), g_strdup (sp + 1));
    }
  g_hash_table_insert (map, g_strdup ("noted"), g_string_free (noted, FALSE));
  return map;
}

static const char *
lookup_or (GHashTable *o, const char *key, const char *fallback)
{
  const char *v = g_hash_table_lookup (o, key);

  return v ? v : fallback;
}

/* What is wrong with the outcome, or NULL. */
static char *
judge (const CorpusRow *row, GHashTable *o)
{
  GString *why = g_string_new (NULL);
  const char *verdict = g_hash_table_lookup (o, "verdict");
  const char *error = g_hash_table_lookup (o, "error");
  const char *elapsed = g_hash_table_lookup (o, "elapsed_us");
  double secs = elapsed ? g_ascii_strtod (elapsed, NULL) / 1e6 : -1;

  if (verdict == NULL)
    return g_string_free (g_string_append (why, "the child wrote no outcome"), FALSE);
  g_test_message ("%s/%s: %s in %.2f s; %s%s%s", row->family, row->name, verdict, secs,
                  (char *) g_hash_table_lookup (o, "noted"), error ? "; error: " : "",
                  error ? error : "");
  if (!g_str_equal (verdict, pd_verdict_to_string (row->verdict)) &&
      !(row->or_gaps && g_str_equal (verdict, pd_verdict_to_string (PD_VERDICT_VALID_WITH_GAPS))))
    g_string_append_printf (why, "verdict %s, expected %s; ", verdict,
                            pd_verdict_to_string (row->verdict));
  if (row->verdict == PD_VERDICT_ERROR)
    {
      if (error == NULL || strstr (error, row->error_text) == NULL)
        g_string_append_printf (why, "the error “%s” does not name “%s”; ",
                                error ? error : "(none)", row->error_text);
    }
  else if (!g_str_equal (lookup_or (o, "found", "0"), "1"))
    g_string_append_printf (why, "no check %s%s%s with status %s%s%s; ", row->check_id,
                            row->alt_id ? " or " : "", row->alt_id ? row->alt_id : "",
                            status_name (row->status), row->subject ? " on " : "",
                            row->subject ? row->subject : "");
  if (secs < 0 || secs >= CASE_LIMIT_S)
    g_string_append_printf (why, "took %.2f s (limit %.0f s); ", secs, CASE_LIMIT_S);
  if (row->cli && !g_str_equal (lookup_or (o, "cli_escapes", "1"), "0"))
    g_string_append (why, "`proofctl verify` printed a raw escape sequence; ");
  if (why->len == 0)
    {
      g_string_free (why, TRUE);
      return NULL;
    }
  g_string_truncate (why, why->len - 2);
  return g_string_free (why, FALSE);
}

static void
fail_or_wait (const CorpusRow *row, const char *problem)
{
  if (row->pending_id && g_getenv ("PROOFDESK_CORPUS_STRICT") == NULL)
    {
      g_autofree char *msg = g_strdup_printf ("waits for %s: %s", row->pending_id, problem);
      g_test_incomplete (msg);
    }
  else
    g_test_fail_printf ("%s/%s: %s", row->family, row->name, problem);
}

/* `rm -rf`: the cases hold paths longer than PATH_MAX, FIFOs and devices. */
static void
rm_tree (const char *path)
{
  const char *argv[] = { "rm", "-rf", path, NULL };

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
}

static void
test_row (gconstpointer data)
{
  const CorpusRow *row = data;
  g_autofree char *dir = row_dir (row, "");
  g_autofree char *result = row_dir (row, ".outcome");
  g_autofree char *problem = NULL;
  g_autoptr (GHashTable) outcome = NULL;
  Case *c;
  gboolean built;

  if (g_test_subprocess ())
    {
      run_child (row);
      return;
    }
  if (row->from_recovered && base.recovered == NULL)
    {
      g_test_skip ("the killed capture left nothing to recover");
      return;
    }
  base.n_cases++;
  c = case_new (&base, row->from_recovered ? base.recovered : base.pkg, dir);
  built = row->build (c);
  case_free (c);
  if (!built)
    {
      rm_tree (dir);
      return; /* the build function said why (g_test_skip) */
    }
  g_test_trap_subprocess (NULL, (guint64) ((CASE_LIMIT_S + 3) * G_USEC_PER_SEC),
                          G_TEST_SUBPROCESS_INHERIT_STDERR);
  if (g_test_trap_reached_timeout ())
    problem = g_strdup_printf ("hung: the verifier did not finish within %.0f s", CASE_LIMIT_S + 3);
  else if (!g_test_trap_has_passed ())
    problem = g_strdup ("the verifier crashed (the child did not exit normally)");
  else
    {
      outcome = read_outcome (result);
      problem = judge (row, outcome);
    }
  if (problem)
    fail_or_wait (row, problem);
  else if (row->pending_id)
    g_test_message ("%s/%s passes: it no longer waits for %s", row->family, row->name,
                    row->pending_id);
  if (g_getenv ("PD_CORPUS_KEEP") == NULL)
    rm_tree (dir);
  g_unlink (result);
}

static void
drop_log (const char *domain, GLogLevelFlags level, const char *message, gpointer user_data)
{
}

int
main (int argc, char **argv)
{
  g_autoptr (PdTestTsa) tsa = NULL;
  g_autoptr (GError) error = NULL;
  const struct { const CorpusRow *rows; const guint *n; } tables[] = {
    { corpus_time_rows, &corpus_time_n_rows },
    { corpus_crypto_rows, &corpus_crypto_n_rows },
    { corpus_files_rows, &corpus_files_n_rows },
  };
  guint n_rows = 0;
  int rc;

  g_test_init (&argc, &argv, NULL);
  pd_core_init (&argc, &argv);
  /* Poppler narrates every syntax error of a garbage certificate. */
  g_log_set_handler ("Poppler", G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_MESSAGE,
                     drop_log, NULL);
  for (guint t = 0; t < G_N_ELEMENTS (tables); t++)
    for (guint i = 0; i < *tables[t].n; i++)
      {
        const CorpusRow *row = &tables[t].rows[i];
        g_autofree char *path = g_strdup_printf ("/hostile-corpus/%s/%s", row->family, row->name);

        g_test_add_data_func (path, row, test_row);
        n_rows++;
      }
  if (g_test_subprocess ())
    return g_test_run ();

  base.proofctl = g_strdup (g_getenv ("PROOFCTL"));
  g_assert_nonnull (base.proofctl);
  base.tmp = g_dir_make_tmp ("pd-corpus-XXXXXX", NULL);
  {
    /* A data folder of our own, and no configured TSA from the environment. */
    g_autofree char *data = g_build_filename (base.tmp, "data", NULL);
    g_autofree char *cases = g_build_filename (base.tmp, "cases", NULL);

    g_setenv ("PROOFDESK_DATA_DIR", data, TRUE);
    g_setenv ("PD_CORPUS_TMP", base.tmp, TRUE);
    g_unsetenv ("PROOFDESK_TSA_URL");
    g_mkdir (cases, 0700);
  }
  tsa = pd_test_tsa_new (&error);
  g_assert_no_error (error);
  pd_test_tsa_set_mode (tsa, PD_TEST_TSA_OK);
  make_base (tsa);
  {
    g_autofree char *trust = g_build_filename (base.tmp, "trust", NULL);
    g_assert_true (g_file_set_contents (trust, base.trust_paths, -1, NULL));
  }
  g_test_message ("hostile-corpus: %u cases%s", n_rows,
                  g_getenv ("PROOFDESK_CORPUS_STRICT") ? " (strict)" : "");
  {
    gint64 t0 = g_get_monotonic_time ();
    rc = g_test_run ();
    g_test_message ("hostile-corpus: %u cases in %.1f s", base.n_cases,
                    (g_get_monotonic_time () - t0) / 1e6);
  }
  rm_tree (base.tmp);
  return rc;
}
