/* test-verify-page.c — the Verify page under Xvfb: drops of a real package, tampering, bad input, report, screenshots.
 * `test-verify-page --language=zh_CN` runs the same tests in Chinese (meson test "verify-page-zh"). */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <locale.h>

#include "pd-core.h"
#include "pd-verify-page.h"
#include "verify/pd-verify-private.h" /* pd_verify_add_span: results with gaps, before real packages have them */
#include "verify/pd-verify-report.h"
#include "test-common.h"
#include "test-common-gtk.h"

static const char *test_language = "en";
static char       *tmp_dir;      /* removed at exit */
static char       *package_dir;  /* made by `proofctl capture` at start */

typedef struct
{
  GtkWindow    *window;
  PdVerifyPage *page;
} Fixture;

/* ------------------------------------------------------------------------------------------ */
/* Helpers                                                                                    */

/* Runs argv and returns its stdout (exit status ignored: proofctl exits 1 for "invalid"). */
static char *
run_stdout (const char *const *argv, const char *cwd)
{
  g_autoptr (GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GError) error = NULL;
  char *out = NULL;

  if (cwd)
    g_subprocess_launcher_set_cwd (launcher, cwd);
  proc = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  g_subprocess_wait (proc, NULL, &error);
  g_assert_no_error (error);
  return out;
}

static void
run_check (const char *const *argv, const char *cwd)
{
  g_autoptr (GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GError) error = NULL;

  if (cwd)
    g_subprocess_launcher_set_cwd (launcher, cwd);
  proc = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_subprocess_wait_check (proc, NULL, &error);
  g_assert_no_error (error);
}

/* `proofctl verify A [B] --json` → its "verdict" string. */
static char *
proofctl_verdict (const char *a, const char *b)
{
  const char *argv[] = { g_getenv ("PROOFCTL"), "verify", "--json", a, b, NULL };
  g_autofree char *out = run_stdout (argv, NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  JsonObject *root;

  json_parser_load_from_data (parser, out, -1, &error);
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  return g_strdup (json_object_get_string_member (root, "verdict"));
}

static char *
package_file (const char *dir, const char *name)
{
  return g_build_filename (dir, name, NULL);
}

/* The drop handler, as a file manager drop calls it. */
static gboolean
drop (Fixture *f, const char *first, ...)
{
  GSList *files = NULL;
  va_list args;
  gboolean accepted;

  va_start (args, first);
  for (const char *p = first; p != NULL; p = va_arg (args, const char *))
    files = g_slist_append (files, g_file_new_for_path (p));
  va_end (args);
  accepted = pd_verify_page_add_files (f->page, files);
  g_slist_free_full (files, g_object_unref);
  return accepted;
}

static void
wait_for_result (Fixture *f)
{
  gboolean timed_out = FALSE;
  guint    timeout = g_timeout_add_seconds (120, pd_test_on_timeout, &timed_out);

  while (!timed_out && pd_verify_page_get_state (f->page) == PD_VERIFY_PAGE_VERIFYING)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (timeout);
  g_assert_false (timed_out);
  g_assert_cmpint (pd_verify_page_get_state (f->page), ==, PD_VERIFY_PAGE_RESULT);
  pd_test_iterate ();
}

static void
assert_verdict_as_proofctl (Fixture *f, const char *a, const char *b)
{
  g_autofree char *expected = proofctl_verdict (a, b);

  g_assert_cmpstr (pd_verdict_to_string (pd_verify_page_get_verdict (f->page)), ==, expected);
}

static void
assert_headline (Fixture *f, PdVerifyOutcome outcome)
{
  g_assert_cmpstr (pd_verify_page_get_headline (f->page), ==, pd_verify_outcome_get_title (outcome));
}

static char *
copy_package (const char *name)
{
  g_autofree char *dst = g_build_filename (tmp_dir, name, NULL);
  const char *argv[] = { "cp", "-a", package_dir, dst, NULL };

  run_check (argv, NULL);
  return g_steal_pointer (&dst);
}

static guint64
last_checkpoint (const char *dir, guint *index, char **stream_time)
{
  g_autofree char *path = package_file (dir, "manifest.json");
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  JsonArray *cps;
  JsonObject *last;

  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  cps = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
                                      "checkpoints");
  g_assert_cmpuint (json_array_get_length (cps), >=, 1);
  last = json_array_get_object_element (cps, json_array_get_length (cps) - 1);
  *index = json_object_get_int_member (last, "index");
  *stream_time = g_strdup (json_object_get_string_member (last, "stream_time"));
  return json_object_get_int_member (last, "offset");
}

/* Flips one byte of a file at `offset`. */
static void
flip_byte (const char *path, guint64 offset)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  g_autoptr (GError) error = NULL;

  g_file_get_contents (path, &data, &len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (offset, <, len);
  data[offset] ^= 0x5a;
  g_file_set_contents (path, data, len, &error);
  g_assert_no_error (error);
}

static char *
write_tmp (const char *name, const void *data, gsize len)
{
  g_autofree char *path = g_build_filename (tmp_dir, name, NULL);
  g_autoptr (GError) error = NULL;

  g_file_set_contents (path, data, len, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&path);
}

/* ------------------------------------------------------------------------------------------ */
/* Fixture                                                                                    */

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->window = GTK_WINDOW (adw_window_new ());
  gtk_window_set_default_size (f->window, 860, 1000);
  f->page = pd_verify_page_new ();
  adw_window_set_content (ADW_WINDOW (f->window), GTK_WIDGET (f->page));
  gtk_window_present (f->window);
  pd_test_wait_for_frames (GTK_WIDGET (f->window), 3);
  g_assert_cmpint (pd_verify_page_get_state (f->page), ==, PD_VERIFY_PAGE_EMPTY);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_object_add_weak_pointer (G_OBJECT (f->page), (gpointer *) &f->page);
  g_object_add_weak_pointer (G_OBJECT (f->window), (gpointer *) &f->window);
  gtk_window_destroy (f->window);
  pd_test_iterate ();
  g_assert_null (f->page);
  g_assert_null (f->window);
}

/* ------------------------------------------------------------------------------------------ */
/* Tests                                                                                      */

static void
test_file_and_token (Fixture *f, gconstpointer data)
{
  g_autofree char *rec = package_file (package_dir, "recording.mp4");
  g_autofree char *tsr = package_file (package_dir, "recording.mp4.tsr");

  g_assert_true (drop (f, rec, tsr, NULL));
  wait_for_result (f);
  assert_verdict_as_proofctl (f, rec, tsr);
  g_assert_cmpint (pd_verify_page_get_verdict (f->page), ==, PD_VERDICT_VALID_PRACTICE);
  assert_headline (f, PD_VERIFY_OUTCOME_VALID_PRACTICE);
  g_assert_null (pd_verify_page_get_message (f->page));

  /* The token first, then the file, in the other order. */
  pd_verify_page_reset (f->page);
  g_assert_true (drop (f, tsr, NULL));
  g_assert_cmpint (pd_verify_page_get_state (f->page), ==, PD_VERIFY_PAGE_WAITING);
  g_assert_true (drop (f, rec, NULL));
  wait_for_result (f);
  assert_verdict_as_proofctl (f, rec, tsr);
}

static void
test_file_and_certificate (Fixture *f, gconstpointer data)
{
  g_autofree char *rec = package_file (package_dir, "recording.mp4");
  g_autofree char *pdf = package_file (package_dir, "certificate.pdf");
  g_autofree char *expected = NULL;

  /* First half: the page says what is waiting. */
  g_assert_true (drop (f, rec, NULL));
  g_assert_cmpint (pd_verify_page_get_state (f->page), ==, PD_VERIFY_PAGE_WAITING);
  expected = g_strdup_printf (_("%s — now drop its certificate or token"), "recording.mp4");
  g_assert_cmpstr (pd_verify_page_get_message (f->page), ==, expected);
  pd_test_wait_for_frames (GTK_WIDGET (f->window), 3);
  pd_test_save_screenshot (GTK_WIDGET (f->window), "verify-waiting", test_language, 3);

  g_assert_true (drop (f, pdf, NULL));
  wait_for_result (f);
  assert_verdict_as_proofctl (f, rec, pdf);
  assert_headline (f, PD_VERIFY_OUTCOME_VALID_PRACTICE);
}

static void
test_folder (Fixture *f, gconstpointer data)
{
  g_autofree char *report = NULL;
  g_autofree char *report_name = g_strdup_printf ("verify-report-%s.pdf", test_language);
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_true (drop (f, package_dir, NULL));
  g_assert_cmpint (pd_verify_page_get_state (f->page), ==, PD_VERIFY_PAGE_VERIFYING);
  wait_for_result (f);
  assert_verdict_as_proofctl (f, package_dir, NULL);
  g_assert_cmpint (pd_verify_page_get_verdict (f->page), ==, PD_VERDICT_VALID_PRACTICE);
  pd_test_wait_for_frames (GTK_WIDGET (f->window), 3);
  pd_test_save_screenshot (GTK_WIDGET (f->window), "verify-valid", test_language, 3);

  /* The report: a PDF whose text carries the verdict. */
  report = g_test_build_filename (G_TEST_BUILT, report_name, NULL);
  g_unlink (report);
  g_assert_true (pd_verify_page_save_report (f->page, report, &error));
  g_assert_no_error (error);
  {
    const char *argv[] = { "pdftotext", "-enc", "UTF-8", report, "-", NULL };
    g_autofree char *headline = NULL;

    text = run_stdout (argv, NULL);
    headline = g_strdup (pd_verify_page_get_headline (f->page));
    g_assert_nonnull (strstr (text, headline));
    g_assert_nonnull (strstr (text, "valid-practice"));
  }
  g_test_message ("report: %s", report);
}

static void
test_manifest (Fixture *f, gconstpointer data)
{
  g_autofree char *manifest = package_file (package_dir, "manifest.json");

  g_assert_true (drop (f, manifest, NULL));
  wait_for_result (f);
  assert_verdict_as_proofctl (f, package_dir, NULL);
  assert_headline (f, PD_VERIFY_OUTCOME_VALID_PRACTICE);
}

static void
test_changed (Fixture *f, gconstpointer data)
{
  g_autofree char *copy = copy_package ("changed");
  g_autofree char *rec = package_file (copy, "recording.mp4");
  g_autofree char *tsr = package_file (copy, "recording.mp4.tsr");
  g_autofree char *stream_time = NULL;
  PdVerifyResult *result;
  guint index = 0, got_index = 0;
  guint64 offset, intact = 0;
  const char *got_time = NULL;
  GStatBuf st;

  offset = last_checkpoint (copy, &index, &stream_time);
  g_assert_cmpint (g_stat (rec, &st), ==, 0);
  g_assert_cmpuint (offset, <, (guint64) st.st_size);
  flip_byte (rec, offset + ((guint64) st.st_size - offset) / 2);

  g_assert_true (drop (f, copy, NULL));
  wait_for_result (f);
  assert_verdict_as_proofctl (f, copy, NULL);
  g_assert_cmpint (pd_verify_page_get_verdict (f->page), ==, PD_VERDICT_INVALID);
  assert_headline (f, PD_VERIFY_OUTCOME_CHANGED);
  result = pd_verify_page_get_result (f->page);
  g_assert_true (pd_verify_result_get_tamper_location (result, &intact, &got_index, &got_time));
  g_assert_cmpuint (intact, ==, offset);
  g_assert_cmpuint (got_index, ==, index);
  g_assert_cmpstr (got_time, ==, stream_time);
  pd_test_wait_for_frames (GTK_WIDGET (f->window), 3);
  pd_test_save_screenshot (GTK_WIDGET (f->window), "verify-changed", test_language, 3);

  /* The same recording with only its token: changed, too. */
  pd_verify_page_reset (f->page);
  g_assert_true (drop (f, rec, tsr, NULL));
  wait_for_result (f);
  assert_verdict_as_proofctl (f, rec, tsr);
  assert_headline (f, PD_VERIFY_OUTCOME_CHANGED);
  pd_test_rm_rf (copy);
}

static void
test_other_token (Fixture *f, gconstpointer data)
{
  g_autofree char *tsr = package_file (package_dir, "recording.mp4.tsr");
  g_autofree char *other = write_tmp ("other.mp4", "not the recording", 17);

  g_assert_true (drop (f, other, tsr, NULL));
  wait_for_result (f);
  assert_verdict_as_proofctl (f, other, tsr);
  g_assert_cmpint (pd_verify_page_get_verdict (f->page), ==, PD_VERDICT_INVALID);
  assert_headline (f, PD_VERIFY_OUTCOME_CHANGED);
}

/* A token from a TSA made with stock `openssl` and a throwaway CA nobody trusts. */
static void
test_untrusted (Fixture *f, gconstpointer data)
{
  g_autofree char *dir = g_build_filename (tmp_dir, "untrusted", NULL);
  g_autofree char *openssl = g_find_program_in_path ("openssl");
  g_autofree char *conf = NULL;
  g_autofree char *file = NULL;
  g_autofree char *tsr = NULL;
  g_autoptr (GError) error = NULL;

  if (openssl == NULL)
    {
      g_test_skip ("openssl not installed");
      return;
    }
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  conf = g_build_filename (dir, "ts.cnf", NULL);
  file = g_build_filename (dir, "contract.txt", NULL);
  tsr = g_build_filename (dir, "contract.txt.tsr", NULL);
  g_file_set_contents (file, "借款合同 / loan contract\n", -1, &error);
  g_assert_no_error (error);
  g_file_set_contents (conf, "[ tsa ]\ndefault_tsa = tsa1\n[ tsa1 ]\nserial = serial\n"
                             "crypto_device = builtin\nsigner_digest = sha256\n"
                             "default_policy = 1.2.3.4.1\ndigests = sha256\n"
                             "accuracy = secs:1\ness_cert_id_alg = sha256\n", -1, &error);
  g_assert_no_error (error);
  g_free (file);
  file = g_build_filename (dir, "serial", NULL);
  g_file_set_contents (file, "01\n", -1, &error);
  g_assert_no_error (error);
  g_free (file);
  file = g_build_filename (dir, "tsa.ext", NULL);
  g_file_set_contents (file,
                       "basicConstraints = CA:FALSE\nkeyUsage = critical, digitalSignature\n"
                       "extendedKeyUsage = critical, timeStamping\n", -1, &error);
  g_assert_no_error (error);
  g_free (file);
  file = g_build_filename (dir, "contract.txt", NULL);

  {
    const char *ca[] = { openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt",
                         "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
                         "-days", "2", "-subj", "/CN=Throwaway Test CA",
                         "-addext", "basicConstraints=critical,CA:TRUE",
                         "-addext", "keyUsage=critical,keyCertSign,cRLSign", NULL };
    const char *csr[] = { openssl, "req", "-new", "-newkey", "ec", "-pkeyopt",
                          "ec_paramgen_curve:P-256", "-nodes", "-keyout", "tsa.key", "-out",
                          "tsa.csr", "-subj", "/CN=Throwaway Test TSA", NULL };
    const char *sign[] = { openssl, "x509", "-req", "-in", "tsa.csr", "-CA", "ca.pem", "-CAkey",
                           "ca.key", "-CAcreateserial", "-days", "2", "-extfile", "tsa.ext",
                           "-out", "tsa.pem", NULL };
    const char *query[] = { openssl, "ts", "-query", "-data", "contract.txt", "-sha256", "-cert",
                            "-out", "req.tsq", NULL };
    const char *reply[] = { openssl, "ts", "-reply", "-config", "ts.cnf", "-queryfile", "req.tsq",
                            "-signer", "tsa.pem", "-inkey", "tsa.key", "-chain", "ca.pem",
                            "-out", "contract.txt.tsr", NULL };

    run_check (ca, dir);
    run_check (csr, dir);
    run_check (sign, dir);
    run_check (query, dir);
    run_check (reply, dir);
  }

  g_assert_true (drop (f, file, tsr, NULL));
  wait_for_result (f);
  assert_verdict_as_proofctl (f, file, tsr);
  g_assert_cmpint (pd_verify_page_get_verdict (f->page), ==, PD_VERDICT_UNTRUSTED_AUTHORITY);
  assert_headline (f, PD_VERIFY_OUTCOME_UNTRUSTED);
  pd_test_wait_for_frames (GTK_WIDGET (f->window), 3);
  pd_test_save_screenshot (GTK_WIDGET (f->window), "verify-untrusted", test_language, 3);
}

static void
assert_refused (Fixture *f, const char *needle)
{
  const char *message = pd_verify_page_get_message (f->page);

  g_assert_cmpint (pd_verify_page_get_state (f->page), !=, PD_VERIFY_PAGE_VERIFYING);
  g_assert_cmpint (pd_verify_page_get_state (f->page), !=, PD_VERIFY_PAGE_RESULT);
  g_assert_nonnull (message);
  g_assert_nonnull (strstr (message, needle));
}

static void
test_bad_drops (Fixture *f, gconstpointer data)
{
  g_autofree char *rec = package_file (package_dir, "recording.mp4");
  g_autofree char *tsr = package_file (package_dir, "recording.mp4.tsr");
  guint8 noise[512];
  g_autofree char *garbage = NULL;
  g_autofree char *corrupt_pdf = write_tmp ("certificate.pdf", "%PDF-1.5\n%\xe2\xe3\n1 0 obj <<", 21);
  g_autofree char *empty = write_tmp ("empty.tsr", "", 0);
  g_autofree char *empty_rec = write_tmp ("recording.mp4", "", 0);
  g_autofree char *no_manifest = g_build_filename (tmp_dir, "not-a-package", NULL);

  for (guint i = 0; i < sizeof noise; i++)
    noise[i] = (guint8) g_random_int ();
  garbage = write_tmp ("random.tsr", noise, sizeof noise);

  /* Random bytes named .tsr: verified, and the page says the token is not a token. */
  g_assert_true (drop (f, rec, garbage, NULL));
  wait_for_result (f);
  assert_verdict_as_proofctl (f, rec, garbage);
  assert_headline (f, PD_VERIFY_OUTCOME_CANNOT_VERIFY);
  g_assert_nonnull (pd_verify_page_get_message (f->page));

  /* A corrupt certificate: the verifier cannot read it at all. */
  pd_verify_page_reset (f->page);
  g_assert_true (drop (f, rec, corrupt_pdf, NULL));
  wait_for_result (f);
  assert_verdict_as_proofctl (f, rec, corrupt_pdf);
  g_assert_cmpint (pd_verify_page_get_verdict (f->page), ==, PD_VERDICT_ERROR);
  g_assert_null (pd_verify_page_get_result (f->page));
  assert_headline (f, PD_VERIFY_OUTCOME_CANNOT_VERIFY);
  g_assert_nonnull (pd_verify_page_get_message (f->page));
  g_assert_cmpstr (pd_verify_page_get_message (f->page), !=, "");
  pd_test_wait_for_frames (GTK_WIDGET (f->window), 3);
  pd_test_save_screenshot (GTK_WIDGET (f->window), "verify-error", test_language, 3);
  /* No report for what could not be read. */
  {
    g_autofree char *report = g_build_filename (tmp_dir, "no-report.pdf", NULL);
    g_autoptr (GError) error = NULL;

    g_assert_false (pd_verify_page_save_report (f->page, report, &error));
    g_assert_nonnull (error);
    g_assert_false (g_file_test (report, G_FILE_TEST_EXISTS));
  }

  /* Refused at the drop, with a message naming the problem. */
  pd_verify_page_reset (f->page);
  g_assert_false (drop (f, rec, empty, NULL));
  assert_refused (f, "empty.tsr");

  pd_verify_page_reset (f->page);
  g_assert_cmpint (g_mkdir_with_parents (no_manifest, 0700), ==, 0);
  g_assert_false (drop (f, no_manifest, NULL));
  assert_refused (f, "manifest.json");
  pd_test_wait_for_frames (GTK_WIDGET (f->window), 3);
  pd_test_save_screenshot (GTK_WIDGET (f->window), "verify-refused", test_language, 3);

  pd_verify_page_reset (f->page);
  g_assert_false (drop (f, empty_rec, tsr, NULL));
  assert_refused (f, "recording.mp4");

  /* A refused second half keeps the first waiting. */
  pd_verify_page_reset (f->page);
  g_assert_true (drop (f, rec, NULL));
  g_assert_false (drop (f, empty, NULL));
  g_assert_cmpint (pd_verify_page_get_state (f->page), ==, PD_VERIFY_PAGE_WAITING);

  /* Two recordings and no token. */
  pd_verify_page_reset (f->page);
  {
    g_autofree char *second = write_tmp ("second.mp4", "x", 1);

    g_assert_false (drop (f, rec, second, NULL));
    assert_refused (f, "");
  }

  /* Nothing at all. */
  pd_verify_page_reset (f->page);
  g_assert_false (pd_verify_page_add_files (f->page, NULL));
  g_assert_nonnull (pd_verify_page_get_message (f->page));
}

/* Cancel while the worker reads; the late answer is ignored; the next drop works. */
static void
test_cancel (Fixture *f, gconstpointer data)
{
  gboolean timed_out = FALSE;

  g_assert_true (drop (f, package_dir, NULL));
  g_assert_cmpint (pd_verify_page_get_state (f->page), ==, PD_VERIFY_PAGE_VERIFYING);
  /* A drop while busy is refused without disturbing the running job. */
  g_assert_false (drop (f, package_dir, NULL));
  pd_verify_page_cancel (f->page);
  g_assert_cmpint (pd_verify_page_get_state (f->page), ==, PD_VERIFY_PAGE_EMPTY);
  g_assert_nonnull (pd_verify_page_get_message (f->page));
  g_timeout_add (500, pd_test_on_timeout, &timed_out);
  while (!timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (pd_verify_page_get_state (f->page), ==, PD_VERIFY_PAGE_EMPTY);

  g_assert_true (drop (f, package_dir, NULL));
  wait_for_result (f);
  g_assert_cmpint (pd_verify_page_get_verdict (f->page), ==, PD_VERDICT_VALID_PRACTICE);
}

/* The first widget below `w` that is an AdwActionRow titled `title` (or, with `title` NULL, a
 * GtkLabel showing `text`). */
static GtkWidget *
find_widget (GtkWidget *w, const char *title, const char *text)
{
  if (title && ADW_IS_ACTION_ROW (w) &&
      g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (w)), title) == 0)
    return w;
  if (text && GTK_IS_LABEL (w) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (w)), text) == 0)
    return w;
  for (GtkWidget *c = gtk_widget_get_first_child (w); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_widget (c, title, text);

      if (found)
        return found;
    }
  return NULL;
}

/* A real package's result with a checkpoint that was not stamped: the gap has its own row, above
 * the checks, with its stream times and bytes. */
static void
test_gap_row (Fixture *f, gconstpointer data)
{
  g_autoptr (PdTrustStore) trust = NULL;
  g_autoptr (PdVerifyResult) r = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *stream_time = NULL;
  const char *message = "Checkpoint 2 was not stamped (TSA unreachable); this span is covered only by a later token.";
  GtkWidget *row, *tail, *checks_title;
  guint index = 0;
  guint64 offset = last_checkpoint (package_dir, &index, &stream_time);
  graphene_point_t p_row, p_checks;

  trust = pd_trust_store_new_default (&error);
  g_assert_no_error (error);
  r = pd_verify_package (package_dir, trust, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  pd_verify_add_span (r, "checkpoint.unstamped", "unstamped-checkpoint", TRUE, 1000, offset,
                      G_GINT64_CONSTANT (1000000000), G_GINT64_CONSTANT (2000000000),
                      "TSA unreachable", "%s", message);
  pd_verify_add_span (r, "time.final-only", "final-token-only", FALSE, offset, offset + 10, -1, -1,
                      NULL, "%s", "The end is covered by the final token only.");
  pd_verify_result_finish (r);

  pd_verify_page_show_result (f->page, r, package_dir);
  pd_test_wait_for_frames (GTK_WIDGET (f->window), 3);
  g_assert_cmpint (pd_verify_page_get_state (f->page), ==, PD_VERIFY_PAGE_RESULT);
  row = find_widget (GTK_WIDGET (f->page), message, NULL);
  g_assert_nonnull (row);
  g_assert_true (gtk_widget_is_visible (row));
  g_assert_cmpstr (gtk_widget_get_name (row), ==, "gap");
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), "00:00:01–00:00:02"));
  tail = find_widget (GTK_WIDGET (f->page), "The end is covered by the final token only.", NULL);
  g_assert_nonnull (tail);
  g_assert_cmpstr (gtk_widget_get_name (tail), ==, "span");
  /* Above the checks. */
  checks_title = find_widget (GTK_WIDGET (f->page), NULL, _("Checks"));
  g_assert_nonnull (checks_title);
  g_assert_true (gtk_widget_compute_point (row, GTK_WIDGET (f->page), &GRAPHENE_POINT_INIT (0, 0), &p_row));
  g_assert_true (gtk_widget_compute_point (checks_title, GTK_WIDGET (f->page), &GRAPHENE_POINT_INIT (0, 0), &p_checks));
  g_assert_cmpfloat (p_row.y, <, p_checks.y);
  pd_test_save_screenshot (GTK_WIDGET (f->window), "verify-gaps", test_language, 3);

  /* Verify Another forgets the spans with the result. */
  pd_verify_page_reset (f->page);
  g_assert_null (find_widget (GTK_WIDGET (f->page), message, NULL));
}

/* Nothing failed, a gap named: the verdict reads as a warning, not as success. */
static void
test_valid_with_gaps (Fixture *f, gconstpointer data)
{
  g_autoptr (PdVerifyResult) r = pd_verify_result_new ();
  GtkWidget *title;

  pd_verify_add_check (r, "recording.digest", "recording.mp4", PD_CHECK_PASSED, NULL, "%s", "ok");
  pd_verify_add_span (r, "checkpoint.unstamped", "unstamped-checkpoint", TRUE, 0, 100, 0,
                      G_GINT64_CONSTANT (1000000000), NULL, "%s", "A gap.");
  pd_verify_result_finish (r);
  g_assert_cmpint (pd_verify_result_get_verdict (r), ==, PD_VERDICT_VALID_WITH_GAPS);

  pd_verify_page_show_result (f->page, r, "recording.mp4");
  pd_test_iterate ();
  g_assert_cmpint (pd_verify_page_get_verdict (f->page), ==, PD_VERDICT_VALID_WITH_GAPS);
  assert_headline (f, PD_VERIFY_OUTCOME_VALID_WITH_GAPS);
  title = find_widget (GTK_WIDGET (f->page), NULL, pd_verify_page_get_headline (f->page));
  g_assert_nonnull (title);
  g_assert_true (gtk_widget_has_css_class (title, "warning"));
  g_assert_false (gtk_widget_has_css_class (title, "success"));
  g_assert_nonnull (find_widget (GTK_WIDGET (f->page), "A gap.", NULL));
}

static void
test_empty_screenshot (Fixture *f, gconstpointer data)
{
  pd_test_save_screenshot (GTK_WIDGET (f->window), "verify-empty", test_language, 3);
}

/* ------------------------------------------------------------------------------------------ */

static void
make_package (void)
{
  g_autofree char *out = g_build_filename (tmp_dir, "evidence", NULL);
  const char *argv[] = { g_getenv ("PROOFCTL"), "capture", "--source", "test", "--duration", "2",
                         "--checkpoint-interval", "1", "--tsa", "local", "--out", out, NULL };
  g_autoptr (GDir) cases = NULL;
  const char *name;

  g_assert_nonnull (argv[0]);
  run_check (argv, NULL);
  /* <out>/<case>/<YYYYMMDD-HHMMSS>-<scenario>/manifest.json */
  cases = g_dir_open (out, 0, NULL);
  g_assert_nonnull (cases);
  while ((name = g_dir_read_name (cases)) != NULL && package_dir == NULL)
    {
      g_autofree char *case_dir = g_build_filename (out, name, NULL);
      g_autoptr (GDir) sessions = g_dir_open (case_dir, 0, NULL);
      const char *session;

      while (sessions && (session = g_dir_read_name (sessions)) != NULL)
        {
          g_autofree char *dir = g_build_filename (case_dir, session, NULL);
          g_autofree char *manifest = g_build_filename (dir, "manifest.json", NULL);

          if (g_file_test (manifest, G_FILE_TEST_IS_REGULAR))
            package_dir = g_steal_pointer (&dir);
        }
    }
  g_assert_nonnull (package_dir);
}

int
main (int argc, char **argv)
{
  g_autofree char *localedir = NULL;
  g_autoptr (GError) error = NULL;
  int status;

  /* --language=LL_CC (or LANGUAGE): run in that language, catalogs from BUILDDIR/po. */
  for (int i = 1; i < argc; i++)
    if (g_str_has_prefix (argv[i], "--language="))
      {
        test_language = argv[i] + strlen ("--language=");
        memmove (&argv[i], &argv[i + 1], (argc - i) * sizeof (char *));
        argc--;
        break;
      }
  if (g_str_equal (test_language, "en") && g_getenv ("LANGUAGE") && *g_getenv ("LANGUAGE") &&
      g_str_has_prefix (g_getenv ("LANGUAGE"), "zh"))
    test_language = "zh_CN";
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_setenv ("LANGUAGE", test_language, TRUE);
  g_setenv ("PANGO_LANGUAGE", test_language, TRUE);
  if (g_getenv ("PROOFDESK_LOCALEDIR") == NULL && g_getenv ("G_TEST_BUILDDIR") != NULL)
    {
      localedir = g_build_filename (g_getenv ("G_TEST_BUILDDIR"), "..", "po", NULL);
      g_setenv ("PROOFDESK_LOCALEDIR", localedir, TRUE);
    }

  gtk_test_init (&argc, &argv, NULL);
  setlocale (LC_ALL, "");
  adw_init ();
  pd_core_init (&argc, &argv);
  textdomain (GETTEXT_PACKAGE);

  tmp_dir = g_dir_make_tmp ("pd-verify-page-XXXXXX", &error);
  g_assert_no_error (error);
  make_package ();

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/app/verify-page/empty", test_empty_screenshot);
  ADD ("/app/verify-page/file-and-token", test_file_and_token);
  ADD ("/app/verify-page/file-and-certificate", test_file_and_certificate);
  ADD ("/app/verify-page/folder-and-report", test_folder);
  ADD ("/app/verify-page/manifest", test_manifest);
  ADD ("/app/verify-page/changed", test_changed);
  ADD ("/app/verify-page/token-of-another-file", test_other_token);
  ADD ("/app/verify-page/untrusted-authority", test_untrusted);
  ADD ("/app/verify-page/bad-drops", test_bad_drops);
  ADD ("/app/verify-page/cancel", test_cancel);
  ADD ("/app/verify-page/gap-row", test_gap_row);
  ADD ("/app/verify-page/valid-with-gaps", test_valid_with_gaps);
#undef ADD
  status = g_test_run ();
  pd_test_rm_rf (tmp_dir);
  g_free (tmp_dir);
  g_free (package_dir);
  return status;
}
