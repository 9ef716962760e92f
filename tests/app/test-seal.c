/* test-seal.c — never lose a recording to the window, and honest seal states, in the real
 * application window under Xvfb: closing while recording asks "Stop and seal / Keep recording";
 * SIGTERM seals without asking; with the authority down the package is sealed "awaiting
 * timestamp" (not green) and Retry stamps it once the authority is back. Screenshots
 * seal-*-LANG.png in G_TEST_BUILDDIR. */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <signal.h>
#include <string.h>

#include "pd-application.h"
#include "pd-capture-page-private.h"
#include "pd-core.h"
#include "pd-verify-page.h"
#include "pd-window.h"
#include "evidence/pd-package.h"
#include "verify/pd-verify.h"
#include "util/pd-util.h"
#include "pd-test-tsa.h"
#include "test-common.h"
#include "test-common-gtk.h"

static const char    *test_language = "en";
static PdApplication *test_app;

typedef struct
{
  GSettings     *settings;
  char          *root;
  PdWindow      *window;     /* weak */
  PdCapturePage *page;
  char          *sealed_path; /* the package, caught from PdCapturePage::sealed */
  PdTestTsa     *tsa;
} Fixture;

static void
on_sealed (PdCapturePage *page, Fixture *f)
{
  PdPackage *package = pd_capture_page_get_package (page);

  g_free (f->sealed_path);
  f->sealed_path = g_strdup (package ? pd_package_get_path (package) : "");
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->root = g_dir_make_tmp ("pd-seal-XXXXXX", &error);
  g_assert_no_error (error);
  f->settings = g_settings_new (APP_ID);
  g_settings_set_string (f->settings, "evidence-root", f->root);
  g_settings_set_string (f->settings, "tsa-url", "");
  g_settings_set_string (f->settings, "operator", "Test Operator");
  g_settings_set_uint (f->settings, "checkpoint-interval", 1);

  f->window = pd_window_new (test_app);
  g_object_add_weak_pointer (G_OBJECT (f->window), (gpointer *) &f->window);
#ifdef __SANITIZE_ADDRESS__
  /* Under ASan every preview frame of a full-HD window drawn by cairo takes so long that the
   * dialog's frames never come (the test ran into its timeout): the same steps at the capture
   * page test's size. The normal suite takes the 1920 px screenshots. */
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1100, 720);
#else
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1920, 1080);
#endif
  gtk_window_present (GTK_WINDOW (f->window));
  pd_test_wait_for_frames (GTK_WIDGET (f->window), 3);
  f->page = pd_window_get_capture_page (f->window);
  g_assert_nonnull (f->page);
  /* Connected before the window's own handler, so it runs before the window closes. */
  g_signal_connect (f->page, "sealed", G_CALLBACK (on_sealed), f);
  g_assert_true (pd_capture_page_select_source (f->page, "test", NULL));
  g_assert_true (pd_capture_page_select_scenario (f->page, "wechat-chat"));
  pd_capture_page_select_case (f->page, "Zhang v. Li — loan");
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  pd_test_destroy_toplevels ();
  for (const char *const *k = (const char *const[]){ "evidence-root", "tsa-url", "tsa-ca-file", "operator",
                                                      "checkpoint-interval", NULL }; *k; k++)
    g_settings_reset (f->settings, *k);
  g_clear_object (&f->settings);
  g_clear_pointer (&f->tsa, pd_test_tsa_free);
  pd_test_rm_rf (f->root);
  g_free (f->root);
  g_free (f->sealed_path);
}

static gboolean
is_sealed (gpointer data)
{
  return ((Fixture *) data)->sealed_path != NULL;
}

static gboolean
window_gone (gpointer data)
{
  return ((Fixture *) data)->window == NULL;
}

static void
start_recording (Fixture *f)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->page), "capture.record-toggle", NULL));
  g_assert_true (pd_capture_page_is_recording (f->page));
  pd_test_run_for (2500);
}

/* The sealed package verifies with the same core as proofctl; returns its manifest's checklist
 * decision. */
static char *
assert_package_verifies (Fixture *f, PdVerdict expected, char **state)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PdTrustStore) trust = pd_trust_store_new_default (&error);
  g_autoptr (PdVerifyResult) r = NULL;
  g_autoptr (PdPackage) package = NULL;
  JsonObject *manifest;

  g_assert_no_error (error);
  /* The test authority's own root, as a court's expert would add it. */
  if (f->tsa != NULL)
    g_assert_true (pd_trust_store_add_ca_file (trust, pd_test_tsa_get_ca_path (f->tsa), NULL));
  g_assert_nonnull (f->sealed_path);
  g_assert_cmpstr (f->sealed_path, !=, "");
  r = pd_verify_package (f->sealed_path, trust, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_test_message ("%s: %s", pd_verdict_describe (pd_verify_result_get_verdict (r)),
                  pd_verify_result_get_summary (r));
  g_assert_cmpint (pd_verify_result_get_verdict (r), ==, expected);
  package = pd_package_open (f->sealed_path, &error);
  g_assert_no_error (error);
  manifest = pd_package_get_manifest (package);
  if (state != NULL)
    *state = g_strdup (pd_json_string (manifest, "state"));
  return g_strdup (pd_json_string (pd_json_object (manifest, "checklist"), "decision"));
}

static void
test_close_asks (Fixture *f, gconstpointer data)
{
  AdwMessageDialog *dialog;
  g_autofree char *decision = NULL;

  start_recording (f);
  g_test_message ("recording");
  /* Closing while recording asks, and the window stays. */
  gtk_window_close (GTK_WINDOW (f->window));
  dialog = pd_test_find_message_dialog ();
  g_assert_nonnull (dialog);
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, _("A Recording Is in Progress"));
  g_assert_nonnull (f->window);
  g_assert_true (pd_capture_page_is_recording (f->page));
  pd_test_wait_for_frames (GTK_WIDGET (dialog), 3);
  pd_test_save_screenshot (GTK_WIDGET (dialog), "seal-close-dialog", test_language, 3);

  g_test_message ("asked");
  /* "Keep recording": nothing changes. */
  adw_message_dialog_response (dialog, "keep");
  gtk_window_close (GTK_WINDOW (dialog));
  pd_test_run_for (500);
  g_assert_nonnull (f->window);
  g_assert_true (pd_capture_page_is_recording (f->page));
  g_assert_null (f->sealed_path);

  g_test_message ("kept");
  /* Ctrl+Q asks the same question. */
  g_action_group_activate_action (G_ACTION_GROUP (test_app), "quit", NULL);
  dialog = pd_test_find_message_dialog ();
  g_assert_nonnull (dialog);
  adw_message_dialog_response (dialog, "keep");
  gtk_window_close (GTK_WINDOW (dialog));
  pd_test_run_for (300);
  g_assert_true (pd_capture_page_is_recording (f->page));

  g_test_message ("quit asked");
  /* "Stop and seal": the package is sealed, then the window closes. */
  gtk_window_close (GTK_WINDOW (f->window));
  dialog = pd_test_find_message_dialog ();
  g_assert_nonnull (dialog);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
  adw_message_dialog_response (dialog, "seal");
  /* The answer closes the question. */
  g_assert_null (dialog);
  pd_test_run_until (window_gone, f, 90);
  g_test_message ("closed");
  g_assert_null (f->window);
  g_assert_true (is_sealed (f));
  decision = assert_package_verifies (f, PD_VERDICT_VALID_PRACTICE, NULL);
  /* Required items were not shown: the summary records why it was sealed anyway. */
  g_assert_cmpstr (decision, ==, PD_CAPTURE_PAGE_DECISION_CLOSED);
}

static void
test_sigterm_seals (Fixture *f, gconstpointer data)
{
  g_autofree char *decision = NULL;

  start_recording (f);
  g_assert_cmpint (kill (getpid (), SIGTERM), ==, 0);
  pd_test_run_until (is_sealed, f, 90);
  g_assert_true (is_sealed (f));
  /* Nobody can answer a signal: no question was asked. */
  g_assert_null (pd_test_find_message_dialog ());
  g_assert_false (pd_capture_page_is_busy (f->page));
  decision = assert_package_verifies (f, PD_VERDICT_VALID_PRACTICE, NULL);
  g_assert_cmpstr (decision, ==, PD_CAPTURE_PAGE_DECISION_CLOSED);
}

static gboolean
page_package_stamped (gpointer data)
{
  Fixture    *f = data;
  PdPackage  *package = pd_capture_page_get_package (f->page);

  return package != NULL && f->page->retry_cancellable == NULL &&
         g_strcmp0 (pd_capture_page_effective_state (f->page, NULL), "stamped") == 0;
}

static void
test_awaiting_then_retry (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *state = NULL;
  g_autofree char *decision = NULL;
  g_autofree char *state2 = NULL;
  g_autofree char *decision2 = NULL;

  f->tsa = pd_test_tsa_new (&error);
  g_assert_no_error (error);
  g_settings_set_string (f->settings, "tsa-url", pd_test_tsa_get_url (f->tsa));
  g_settings_set_string (f->settings, "tsa-ca-file", pd_test_tsa_get_ca_path (f->tsa));
  pd_test_tsa_set_mode (f->tsa, PD_TEST_TSA_DOWN);
  pd_test_run_for (300);
  /* A real authority: no practice banner. */
  g_assert_false (gtk_revealer_get_reveal_child (f->page->practice_revealer));

  start_recording (f);
  /* A checkpoint the authority did not stamp is a visible banner, not a grey line. */
  g_assert_true (gtk_revealer_get_reveal_child (f->page->stamp_revealer));
  g_assert_true (strstr (gtk_label_get_label (f->page->stamp_banner_label), "1") != NULL);
  pd_test_save_screenshot (GTK_WIDGET (f->window), "seal-stamp-failed", test_language, 3);

  pd_capture_page_stop_and_seal (f->page);
  pd_test_run_until (is_sealed, f, 120);
  g_assert_true (is_sealed (f));
  /* Sealed, awaiting its timestamp: a warning, never the green "Evidence Sealed". */
  g_assert_cmpstr (gtk_label_get_label (f->page->result_title), ==, _("Sealed — awaiting timestamp"));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (f->page->result_icon), "warning"));
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (f->page->result_icon), "success"));
  g_assert_true (gtk_widget_get_visible (f->page->retry_button));
  g_assert_false (gtk_revealer_get_reveal_child (f->page->stamp_revealer));
  /* The self-check says what is missing, not a bare "invalid" beside the seal. */
  {
    AdwActionRow *check = f->page->result_check_row;
    gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

    while (g_strcmp0 (adw_action_row_get_subtitle (check), _("Verifying the fresh package…")) == 0 &&
           g_get_monotonic_time () < deadline)
      g_main_context_iteration (NULL, TRUE);
    g_test_message ("self-check: %s", adw_action_row_get_subtitle (check));
    g_assert_cmpstr (adw_action_row_get_subtitle (check), ==,
                     _("Awaiting timestamp — every file matches the digest sealed in its manifest; the timestamp that proves when it was recorded is still to come."));
  }
  /* No command line for a GUI user. */
  g_assert_null (strstr (adw_action_row_get_subtitle (f->page->result_stamp_row), "proofctl"));
  /* Without its token the package is not valid yet. */
  decision = assert_package_verifies (f, PD_VERDICT_INVALID, &state);
  g_assert_cmpstr (state, ==, "awaiting-stamp");
  pd_test_run_for (1500);
  pd_test_save_screenshot (GTK_WIDGET (f->window), "seal-awaiting", test_language, 3);

  /* Retry while the authority is still down: still awaiting, the page says so. */
  pd_capture_page_retry_stamp (f->page);
  g_assert_false (gtk_widget_get_sensitive (f->page->retry_button));
  pd_test_run_for (3000);

  /* The authority is back: Retry stamps the package, the page turns to "Evidence Sealed". */
  pd_test_tsa_set_mode (f->tsa, PD_TEST_TSA_OK);
  g_signal_emit_by_name (f->page->retry_button, "clicked");
  pd_test_run_until (page_package_stamped, f, 60);
  g_assert_true (page_package_stamped (f));
  g_assert_cmpuint (pd_test_tsa_get_request_count (f->tsa), >, 0);
  g_assert_cmpstr (gtk_label_get_label (f->page->result_title), ==, _("Evidence Sealed"));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (f->page->result_icon), "success"));
  g_assert_false (gtk_widget_get_visible (f->page->retry_button));
  /* The checkpoints the authority missed while recording stay gaps: said, not hidden. */
  decision2 = assert_package_verifies (f, PD_VERDICT_VALID_WITH_GAPS, &state2);
  /* The manifest is never rewritten: it still says how it was sealed. */
  g_assert_cmpstr (state2, ==, "awaiting-stamp");
  g_assert_cmpstr (decision2, ==, decision);
  pd_test_run_for (1500);
  pd_test_save_screenshot (GTK_WIDGET (f->window), "seal-stamped", test_language, 3);
}

/* `proofctl capture` of a short practice package into `root`; its folder. */
static char *
capture_package (const char *root)
{
  const char *argv[] = { g_getenv ("PROOFCTL"), "capture", "--source", "test", "--duration", "1",
                         "--tsa", "local", "--scenario", "wechat-chat", "--out", root, "--quiet", NULL };
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;
  g_auto (GStrv) lines = NULL;

  g_assert_nonnull (argv[0]);
  proc = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_successful (proc));
  lines = g_strsplit (g_strstrip (out), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), >, 0);
  return g_strdup (lines[g_strv_length (lines) - 1]);
}

static gboolean
verify_page_done (gpointer data)
{
  return pd_verify_page_get_state (data) == PD_VERIFY_PAGE_RESULT;
}

static gboolean
verify_shown_done (gpointer data)
{
  Fixture *f = data;
  GtkWidget *page = adw_view_stack_get_child_by_name (pd_window_get_stack (f->window), "verify");

  return g_strcmp0 (adw_view_stack_get_visible_child_name (pd_window_get_stack (f->window)), "verify") == 0 &&
         verify_page_done (page);
}

/* `proofdesk recording.mp4 certificate.pdf` (GApplication::open, as the desktop file's %F and
 * "Open With" call it) shows the Verify page with the verdict; Ctrl+V pastes files copied in a
 * file manager onto it. */
static void
test_open_files (Fixture *f, gconstpointer data)
{
  g_autofree char *package = capture_package (f->root);
  g_autofree char *rec = g_build_filename (package, "recording.mp4", NULL);
  g_autofree char *cert = g_build_filename (package, "certificate.pdf", NULL);
  GFile *files[] = { g_file_new_for_path (rec), g_file_new_for_path (cert) };
  GtkWidget *page = adw_view_stack_get_child_by_name (pd_window_get_stack (f->window), "verify");
  g_autoptr (GFile) folder = g_file_new_for_path (package);
  GdkFileList *list = NULL;

  g_assert_true (g_application_get_flags (G_APPLICATION (test_app)) & G_APPLICATION_HANDLES_OPEN);
  g_application_open (G_APPLICATION (test_app), files, G_N_ELEMENTS (files), "");
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (pd_window_get_stack (f->window)), ==, "verify");
  pd_test_run_until (verify_page_done, page, 60);
  g_test_message ("opened: %s", pd_verify_page_get_headline (PD_VERIFY_PAGE (page)));
  g_assert_cmpint (pd_verify_page_get_verdict (PD_VERIFY_PAGE (page)), ==, PD_VERDICT_VALID_PRACTICE);
  pd_test_run_for (1200); /* the page's cross-fade from the progress to the verdict */
  pd_test_save_screenshot (GTK_WIDGET (f->window), "open-verdict", test_language, 3);
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    g_object_unref (files[i]);

  /* Ctrl+V with nothing to paste: says so, and the verdict stays. */
  adw_view_stack_set_visible_child_name (pd_window_get_stack (f->window), "capture");
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (f->window)), "not a file");
  pd_test_press_shortcut (GTK_WIDGET (f->window), GDK_KEY_v, GDK_CONTROL_MASK, NULL);
  pd_test_run_for (500);
  g_assert_cmpint (pd_verify_page_get_state (PD_VERIFY_PAGE (page)), ==, PD_VERIFY_PAGE_RESULT);

  /* Ctrl+V with a package folder copied: verified afresh. */
  list = gdk_file_list_new_from_array ((GFile *[]){ folder }, 1);
  gdk_clipboard_set (gtk_widget_get_clipboard (GTK_WIDGET (f->window)), GDK_TYPE_FILE_LIST, list);
  g_boxed_free (GDK_TYPE_FILE_LIST, list);
  pd_test_press_shortcut (GTK_WIDGET (f->window), GDK_KEY_v, GDK_CONTROL_MASK, NULL);
  pd_test_run_until (verify_shown_done, f, 60);
  g_assert_cmpint (pd_verify_page_get_verdict (PD_VERIFY_PAGE (page)), ==, PD_VERDICT_VALID_PRACTICE);
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  int status;

  /* A full-HD window with a live preview hangs Mesa's software GL under Xvfb on this machine
   * (main thread waiting in llvmpipe); the cairo renderer draws the same widgets. */
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  test_language = pd_test_gtk_init (&argc, &argv);
  pd_core_init (&argc, &argv);
  textdomain (GETTEXT_PACKAGE);

  test_app = pd_application_new ();
  /* The application's own flags (it opens files) and not unique, beside a running instance. */
  g_application_set_flags (G_APPLICATION (test_app),
                           g_application_get_flags (G_APPLICATION (test_app)) | G_APPLICATION_NON_UNIQUE);
  if (!g_application_register (G_APPLICATION (test_app), NULL, &error))
    g_error ("Could not register the application: %s", error->message);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/app/seal/close-asks", test_close_asks);
  ADD ("/app/seal/sigterm-seals", test_sigterm_seals);
  ADD ("/app/seal/awaiting-then-retry", test_awaiting_then_retry);
  ADD ("/app/open/files-and-paste", test_open_files);
#undef ADD
  status = g_test_run ();
  g_clear_object (&test_app);
  return status;
}
