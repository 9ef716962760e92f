/* test-catalog-page.c — the Catalog page and Preferences under Xvfb, over packages made by proofctl; screenshots.
 * `test-catalog-page --language=zh_CN` runs the same tests in Chinese (meson test "catalog-page-zh"). */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <locale.h>

#include "pd-catalog-page.h"
#include "pd-core.h"
#include "pd-preferences-window.h"
#include "timestamp/pd-tsa.h"
#include "test-common.h"
#include "test-common-gtk.h"

#define CASE_A "张三诉李四"
#define CASE_B "王五借款纠纷"

static const char *test_language = "en";
static char       *tmp_dir;        /* removed at exit; PROOFDESK_DATA_DIR is inside */
static char       *good_package;   /* stamped by the practice authority, case A */
static char       *waiting_package; /* sealed while the TSA was down, case A */
static char       *other_package;  /* stamped, case B */

typedef struct
{
  GtkWindow     *window;
  PdCatalogPage *page;
} Fixture;

/* ------------------------------------------------------------------------------------------ */
/* Helpers                                                                                    */

/* `proofctl capture …` and the package folder it prints last. */
static char *
capture (const char *case_name, const char *tsa)
{
  g_autofree char *out = g_build_filename (tmp_dir, "evidence", NULL);
  const char *argv[] = { g_getenv ("PROOFCTL"), "capture", "--source", "test", "--duration", "2",
                         "--checkpoint-interval", "0", "--tsa", tsa, "--case", case_name,
                         "--out", out, "--quiet", NULL };
  g_autoptr (GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *stdout_text = NULL;
  g_auto (GStrv) lines = NULL;
  guint n;

  g_assert_nonnull (argv[0]);
  proc = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, &stdout_text, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_successful (proc));
  lines = g_strsplit (g_strstrip (stdout_text), "\n", -1);
  n = g_strv_length (lines);
  g_assert_cmpuint (n, >, 0);
  g_assert_true (g_file_test (lines[n - 1], G_FILE_TEST_IS_DIR));
  return g_strdup (lines[n - 1]);
}

static void
wait_until_idle (Fixture *f)
{
  gboolean timed_out = FALSE;
  guint    timeout = g_timeout_add_seconds (120, pd_test_on_timeout, &timed_out);

  while (!timed_out && pd_catalog_page_get_busy (f->page))
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (timeout);
  g_assert_false (timed_out);
  pd_test_iterate ();
}

static guint
n_sessions (Fixture *f)
{
  return g_list_model_get_n_items (pd_catalog_page_get_sessions (f->page));
}

/* The listed session whose package is `dir`, or NULL. */
static PdCatalogSession *
find_session (Fixture *f, const char *dir)
{
  GListModel *model = pd_catalog_page_get_sessions (f->page);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr (PdCatalogPageItem) item = g_list_model_get_item (model, i);
      PdCatalogSession *session = pd_catalog_page_item_get_session (item);

      if (g_strcmp0 (pd_catalog_session_get_package_path (session), dir) == 0)
        return session;
    }
  return NULL;
}

static void
select_package (Fixture *f, const char *dir)
{
  PdCatalogSession *session = find_session (f, dir);

  g_assert_nonnull (session);
  g_assert_true (pd_catalog_page_select_session (f->page, pd_catalog_session_get_uuid (session)));
  pd_test_iterate ();
  g_assert_cmpstr (pd_catalog_session_get_package_path (pd_catalog_page_get_selected (f->page)), ==, dir);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();

  f->window = GTK_WINDOW (adw_window_new ());
  gtk_window_set_default_size (f->window, 1280, 760);
  gtk_window_set_title (f->window, _("Proofdesk"));
  f->page = pd_catalog_page_new ();
  gtk_widget_set_vexpand (GTK_WIDGET (f->page), TRUE);
  gtk_box_append (GTK_BOX (box), header);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (f->page));
  adw_window_set_content (ADW_WINDOW (f->window), box);
  gtk_window_present (f->window);
  pd_test_wait_for_frames (GTK_WIDGET (f->page), 3);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  gtk_window_destroy (f->window);
  pd_test_iterate ();
}

/* ------------------------------------------------------------------------------------------ */
/* Catalog page                                                                               */

static void
test_list (Fixture *f, gconstpointer data)
{
  const char *const *cases;
  PdCatalogSession  *good, *waiting;

  /* Mapping the page loaded it. */
  cases = pd_catalog_page_get_cases (f->page);
  g_assert_nonnull (cases);
  g_assert_true (g_strv_contains (cases, CASE_A));
  g_assert_true (g_strv_contains (cases, CASE_B));
  g_assert_cmpuint (n_sessions (f), ==, 3);

  g_assert_true (pd_catalog_page_select_case (f->page, CASE_A));
  pd_test_iterate ();
  g_assert_cmpuint (n_sessions (f), ==, 2);
  good = find_session (f, good_package);
  waiting = find_session (f, waiting_package);
  g_assert_nonnull (good);
  g_assert_nonnull (waiting);
  g_assert_null (find_session (f, other_package));
  g_assert_cmpstr (pd_catalog_session_get_state (good), ==, PD_SESSION_STATE_STAMPED);
  g_assert_true (pd_catalog_session_get_practice (good));
  g_assert_cmpstr (pd_catalog_session_get_state (waiting), ==, PD_SESSION_STATE_AWAITING_STAMP);
  g_assert_null (pd_catalog_session_get_stamp_time (waiting));
  /* Newest first, and the newest is selected. */
  g_assert_cmpstr (pd_catalog_session_get_package_path (pd_catalog_page_get_selected (f->page)), ==,
                   waiting_package);

  /* A reload keeps the case and the selection. */
  select_package (f, good_package);
  g_assert_true (pd_catalog_page_reload (f->page));
  g_assert_cmpuint (n_sessions (f), ==, 2);
  g_assert_cmpstr (pd_catalog_session_get_package_path (pd_catalog_page_get_selected (f->page)), ==,
                   good_package);

  g_assert_true (pd_catalog_page_select_case (f->page, NULL));
  pd_test_iterate ();
  g_assert_cmpuint (n_sessions (f), ==, 3);
  g_assert_false (pd_catalog_page_select_case (f->page, "no such case"));
}

static void
test_search (Fixture *f, gconstpointer data)
{
  pd_catalog_page_set_search_text (f->page, "王五");
  g_assert_cmpuint (n_sessions (f), ==, 1);
  g_assert_nonnull (find_session (f, other_package));

  pd_catalog_page_set_search_text (f->page, "张三");
  g_assert_cmpuint (n_sessions (f), ==, 2);
  g_assert_null (find_session (f, other_package));

  /* Search and case filter combine. */
  g_assert_true (pd_catalog_page_select_case (f->page, CASE_B));
  pd_test_iterate ();
  g_assert_cmpuint (n_sessions (f), ==, 0);
  g_assert_null (pd_catalog_page_get_selected (f->page));
  g_assert_true (pd_catalog_page_select_case (f->page, NULL));
  pd_test_iterate ();

  /* Query syntax is plain text. */
  pd_catalog_page_set_search_text (f->page, "\"no such words\" OR *");
  g_assert_cmpuint (n_sessions (f), ==, 0);

  pd_catalog_page_set_search_text (f->page, "");
  g_assert_cmpuint (n_sessions (f), ==, 3);
}

static void
test_verify (Fixture *f, gconstpointer data)
{
  select_package (f, good_package);
  g_assert_cmpint (pd_catalog_page_get_verdict (f->page), ==, -1);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->page), "catalog.verify", NULL));
  g_assert_true (pd_catalog_page_get_busy (f->page));
  wait_until_idle (f);
  g_assert_cmpint (pd_catalog_page_get_verdict (f->page), ==, PD_VERDICT_VALID_PRACTICE);
  g_assert_nonnull (pd_catalog_page_get_message (f->page));
  pd_test_save_screenshot (GTK_WIDGET (f->window), "catalog", test_language, 3);
}

static void
test_stamp_now (Fixture *f, gconstpointer data)
{
  g_autoptr (PdCatalog) catalog = NULL;
  g_autoptr (PdCatalogSession) session = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *token = g_build_filename (waiting_package, "recording.mp4.tsr", NULL);
  g_autofree char *uuid = NULL;

  select_package (f, waiting_package);
  uuid = g_strdup (pd_catalog_session_get_uuid (pd_catalog_page_get_selected (f->page)));
  pd_test_save_screenshot (GTK_WIDGET (f->window), "catalog-waiting", test_language, 3);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->page), "catalog.stamp-now", NULL));
  wait_until_idle (f);
  g_assert_cmpstr (pd_catalog_page_get_message (f->page), !=, NULL);
  g_assert_true (g_file_test (token, G_FILE_TEST_IS_REGULAR));

  /* The page reloaded: the same session is selected and now stamped. */
  g_assert_cmpstr (pd_catalog_session_get_uuid (pd_catalog_page_get_selected (f->page)), ==, uuid);
  g_assert_cmpstr (pd_catalog_session_get_state (pd_catalog_page_get_selected (f->page)), ==,
                   PD_SESSION_STATE_STAMPED);
  catalog = pd_catalog_open (NULL, &error);
  g_assert_no_error (error);
  session = pd_catalog_get_session (catalog, uuid, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pd_catalog_session_get_state (session), ==, PD_SESSION_STATE_STAMPED);

  /* And it verifies. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->page), "catalog.verify", NULL));
  wait_until_idle (f);
  g_assert_cmpint (pd_catalog_page_get_verdict (f->page), ==, PD_VERDICT_VALID_PRACTICE);
}

/* A fresh data folder: nothing catalogued, the page says so. */
static void
test_empty (Fixture *f, gconstpointer data)
{
  g_autofree char *saved = g_strdup (g_getenv ("PROOFDESK_DATA_DIR"));
  g_autofree char *empty = g_build_filename (tmp_dir, "empty-data", NULL);
  PdCatalogPage *page;
  GtkWidget *stack;

  g_setenv ("PROOFDESK_DATA_DIR", empty, TRUE);
  page = pd_catalog_page_new ();
  g_object_ref_sink (page);
  g_assert_true (pd_catalog_page_reload (page));
  g_assert_cmpuint (g_list_model_get_n_items (pd_catalog_page_get_sessions (page)), ==, 0);
  g_assert_null (pd_catalog_page_get_selected (page));
  stack = gtk_widget_get_first_child (gtk_widget_get_first_child (GTK_WIDGET (page)));
  g_assert_true (GTK_IS_STACK (stack));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (stack)), ==, "empty");
  g_assert_finalize_object (page);
  g_setenv ("PROOFDESK_DATA_DIR", saved, TRUE);
}

/* A case name that looks like Pango markup is shown as it is (and, with G_DEBUG=fatal-warnings,
 * a markup warning would abort); so is an error naming a folder that looks like markup. */
#define MARKUP_CASE "<b>&amp;"

static void
test_markup (Fixture *f, gconstpointer data)
{
  g_autofree char *saved = g_strdup (g_getenv ("PROOFDESK_DATA_DIR"));
  g_autofree char *private = g_build_filename (tmp_dir, "markup-data", NULL);
  g_autofree char *hostile = g_build_filename (tmp_dir, "<i>&bad", NULL);
  g_autofree char *db = NULL;
  g_autofree char *package = NULL;
  GtkWindow *window = GTK_WINDOW (adw_window_new ());
  PdCatalogPage *page;
  GtkLabel *title;
  const char *description;

  g_setenv ("PROOFDESK_DATA_DIR", private, TRUE);
  package = capture (MARKUP_CASE, PD_TSA_LOCAL);
  page = pd_catalog_page_new ();
  adw_window_set_content (ADW_WINDOW (window), GTK_WIDGET (page));
  gtk_window_present (window);
  pd_test_wait_for_frames (GTK_WIDGET (page), 3);
  g_assert_true (pd_catalog_page_reload (page));
  g_assert_true (g_strv_contains (pd_catalog_page_get_cases (page), MARKUP_CASE));
  g_assert_true (pd_catalog_page_select_case (page, MARKUP_CASE));
  pd_test_iterate ();
  g_assert_cmpstr (pd_catalog_session_get_case_name (pd_catalog_page_get_selected (page)), ==,
                   MARKUP_CASE);
  title = GTK_LABEL (gtk_widget_get_template_child (GTK_WIDGET (page), PD_TYPE_CATALOG_PAGE,
                                                    "details_title"));
  g_assert_cmpstr (gtk_label_get_text (title), ==, MARKUP_CASE);
  g_assert_cmpstr (gtk_label_get_label (title), ==, MARKUP_CASE);
  pd_test_save_screenshot (GTK_WIDGET (window), "catalog-markup", test_language, 3);
  gtk_window_destroy (window);
  pd_test_iterate ();

  /* A catalog that cannot be opened, in a folder whose name looks like markup: the error page
   * says so literally. */
  g_assert_cmpint (g_mkdir_with_parents (hostile, 0700), ==, 0);
  g_setenv ("PROOFDESK_DATA_DIR", hostile, TRUE);
  db = pd_catalog_default_path ();
  g_assert_cmpint (g_mkdir_with_parents (db, 0700), ==, 0);
  page = pd_catalog_page_new ();
  g_object_ref_sink (page);
  g_test_expect_message ("pd-catalog-page", G_LOG_LEVEL_WARNING, "Cannot read the catalog*");
  g_assert_false (pd_catalog_page_reload (page));
  g_test_assert_expected_messages ();
  description = adw_status_page_get_description (
    ADW_STATUS_PAGE (gtk_widget_get_template_child (GTK_WIDGET (page), PD_TYPE_CATALOG_PAGE,
                                                    "error_status")));
  g_assert_nonnull (strstr (description, "&lt;i&gt;&amp;bad"));
  {
    /* What the label shows once Pango has read the markup: the folder's name as it is. */
    g_autofree char *text = NULL;

    g_assert_true (pango_parse_markup (description, -1, 0, NULL, &text, NULL, NULL));
    g_assert_nonnull (strstr (text, "<i>&bad"));
  }
  g_assert_finalize_object (page);
  g_setenv ("PROOFDESK_DATA_DIR", saved, TRUE);
}

/* ------------------------------------------------------------------------------------------ */
/* Preferences                                                                                */

static gpointer
child (gpointer window, const char *name)
{
  GObject *object = gtk_widget_get_template_child (GTK_WIDGET (window), PD_TYPE_PREFERENCES_WINDOW, name);

  g_assert_nonnull (object);
  return object;
}

static void
test_preferences_tsa (void)
{
  g_autoptr (GSettings) settings = g_settings_new (APP_ID);
  PdPreferencesWindow *window = pd_preferences_window_new (NULL);
  AdwComboRow *combo = child (window, "tsa_combo");
  g_autofree char *url = NULL;
  g_autofree char *quality = NULL;
  g_autofree char *operator_id = NULL;

  gtk_window_present (GTK_WINDOW (window));
  pd_test_wait_for_frames (GTK_WIDGET (window), 3);

  /* The default is the practice authority, and the address row is hidden. */
  g_assert_cmpuint (adw_combo_row_get_selected (combo), ==, 0);
  g_assert_false (gtk_widget_get_visible (child (window, "tsa_url_row")));

  adw_combo_row_set_selected (combo, 2);
  url = g_settings_get_string (settings, "tsa-url");
  g_assert_cmpstr (url, ==, "http://timestamp.digicert.com");
  g_assert_false (gtk_widget_get_visible (child (window, "tsa_url_row")));

  /* Custom keeps the address, shows it, and stays custom while it is edited. */
  adw_combo_row_set_selected (combo, 5);
  g_assert_true (gtk_widget_get_visible (child (window, "tsa_url_row")));
  g_assert_true (gtk_widget_get_visible (child (window, "tsa_ca_row")));
  g_free (url);
  url = g_settings_get_string (settings, "tsa-url");
  g_assert_cmpstr (url, ==, "http://timestamp.digicert.com");
  gtk_editable_set_text (GTK_EDITABLE (child (window, "tsa_url_row")), "https://tsa.example/tsr");
  g_free (url);
  url = g_settings_get_string (settings, "tsa-url");
  g_assert_cmpstr (url, ==, "https://tsa.example/tsr");
  g_assert_cmpuint (adw_combo_row_get_selected (combo), ==, 5);
  g_settings_set_string (settings, "tsa-ca-file", "/etc/ssl/certs/tsa.pem");
  g_assert_true (gtk_widget_get_visible (child (window, "tsa_ca_reset")));

  /* Another key written elsewhere is shown. */
  adw_combo_row_set_selected (combo, 1);
  g_settings_set_string (settings, "tsa-url", "http://timestamp.sectigo.com");
  g_assert_cmpuint (adw_combo_row_get_selected (combo), ==, 3);
  adw_combo_row_set_selected (combo, 0);
  g_free (url);
  url = g_settings_get_string (settings, "tsa-url");
  g_assert_cmpstr (url, ==, "");

  /* Operator ID and video quality. */
  gtk_editable_set_text (GTK_EDITABLE (child (window, "operator_id_row")), "律师执业证 11101200010000000");
  operator_id = g_settings_get_string (settings, "operator-id");
  g_assert_cmpstr (operator_id, ==, "律师执业证 11101200010000000");
  adw_combo_row_set_selected (child (window, "quality_row"), 1);
  quality = g_settings_get_string (settings, "video-quality");
  g_assert_cmpstr (quality, ==, "high");

  gtk_window_destroy (GTK_WINDOW (window));
  pd_test_iterate ();
  g_settings_reset (settings, "tsa-ca-file");
  g_settings_reset (settings, "video-quality");
}

static void
test_preferences_test_connection (void)
{
  g_autoptr (GSettings) settings = g_settings_new (APP_ID);
  PdPreferencesWindow *window;
  AdwActionRow *row;
  GtkSpinner *spinner;
  gboolean timed_out = FALSE;
  guint timeout;
  const char *subtitle;

  g_settings_set_string (settings, "tsa-url", PD_TSA_LOCAL);
  g_settings_set_string (settings, "operator", "张律师");
  window = pd_preferences_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), 640, 820);
  gtk_window_present (GTK_WINDOW (window));
  pd_test_wait_for_frames (GTK_WIDGET (window), 3);
  g_assert_cmpuint (adw_combo_row_get_selected (child (window, "tsa_combo")), ==, 0);

  row = child (window, "test_row");
  spinner = child (window, "test_spinner");
  g_signal_emit_by_name (child (window, "test_button"), "clicked");
  timeout = g_timeout_add_seconds (60, pd_test_on_timeout, &timed_out);
  while (!timed_out && gtk_spinner_get_spinning (spinner))
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (timeout);
  g_assert_false (timed_out);
  subtitle = adw_action_row_get_subtitle (row);
  g_test_message ("test connection: %s", subtitle);
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (row), "success"));
  g_assert_nonnull (strstr (subtitle, "Practice TSA"));
  g_assert_nonnull (strstr (subtitle, _("Practice authority: not for court")));
  pd_test_save_screenshot (GTK_WIDGET (window), "preferences", test_language, 3);

  /* An address that refuses connections: the error is shown, not a crash. */
  g_settings_set_string (settings, "tsa-url", "http://127.0.0.1:9/");
  g_signal_emit_by_name (child (window, "test_button"), "clicked");
  timed_out = FALSE;
  timeout = g_timeout_add_seconds (60, pd_test_on_timeout, &timed_out);
  while (!timed_out && gtk_spinner_get_spinning (spinner))
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (timeout);
  g_assert_false (timed_out);
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (row), "error"));
  g_assert_true (gtk_widget_get_visible (child (window, "tsa_url_row")));

  gtk_window_destroy (GTK_WINDOW (window));
  pd_test_iterate ();
  g_settings_reset (settings, "tsa-url");
  g_settings_reset (settings, "operator");
}

/* ------------------------------------------------------------------------------------------ */

int
main (int argc, char **argv)
{
  g_autofree char *localedir = NULL;
  g_autofree char *data_dir = NULL;
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
  g_unsetenv ("PROOFDESK_TSA_URL");

  /* A catalog of our own, before anything opens one; proofctl inherits it. */
  tmp_dir = g_dir_make_tmp ("pd-catalog-page-XXXXXX", &error);
  g_assert_no_error (error);
  data_dir = g_build_filename (tmp_dir, "data", NULL);
  g_setenv ("PROOFDESK_DATA_DIR", data_dir, TRUE);

  gtk_test_init (&argc, &argv, NULL);
  setlocale (LC_ALL, "");
  adw_init ();
  pd_core_init (&argc, &argv);
  textdomain (GETTEXT_PACKAGE);

  good_package = capture (CASE_A, PD_TSA_LOCAL);
  waiting_package = capture (CASE_A, "http://127.0.0.1:9/");
  other_package = capture (CASE_B, PD_TSA_LOCAL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/app/catalog-page/list", test_list);
  ADD ("/app/catalog-page/search", test_search);
  ADD ("/app/catalog-page/verify", test_verify);
  ADD ("/app/catalog-page/stamp-now", test_stamp_now);
  ADD ("/app/catalog-page/empty", test_empty);
  ADD ("/app/catalog-page/markup", test_markup);
#undef ADD
  g_test_add_func ("/app/preferences/tsa-preset", test_preferences_tsa);
  g_test_add_func ("/app/preferences/test-connection", test_preferences_test_connection);
  status = g_test_run ();
  pd_test_rm_rf (tmp_dir);
  g_free (tmp_dir);
  g_free (good_package);
  g_free (waiting_package);
  g_free (other_package);
  return status;
}
