/* test-export-wizard.c — the Export wizard under Xvfb over two packages made by proofctl: folder, ISO, a refused package; screenshots.
 * `test-export-wizard --language=zh_CN` runs the same tests in Chinese (meson test "export-wizard-zh"). */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <locale.h>

#include "catalog/pd-catalog.h"
#include "pd-core.h"
#include "report/pd-disc-label.h"
#include "util/pd-error.h"
#include "pd-export-wizard.h"
#include "timestamp/pd-tsa.h"
#include "test-common.h"
#include "test-common-gtk.h"

#define CASE_NAME "张三诉李四"

static const char *test_language = "en";
static char       *tmp_dir;      /* removed at exit; PROOFDESK_DATA_DIR is inside */
static char       *packages[2];  /* made by proofctl, catalogued by it */
static char       *uuids[3];     /* theirs, NULL-terminated */

/* ------------------------------------------------------------------------------------------ */
/* Helpers                                                                                    */

/* `proofctl capture …` and the package folder it prints last. */
static char *
capture (void)
{
  g_autofree char *out = g_build_filename (tmp_dir, "evidence", NULL);
  const char *argv[] = { g_getenv ("PROOFCTL"), "capture", "--source", "test", "--duration", "2",
                         "--tsa", PD_TSA_LOCAL, "--case", CASE_NAME, "--scenario", "wechat-chat",
                         "--out", out, "--quiet", NULL };
  g_autoptr (GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *stdout_text = NULL;
  g_auto (GStrv) lines = NULL;
  guint n;

  g_assert_nonnull (argv[0]);
  /* The child's catalog is ours. */
  g_subprocess_launcher_setenv (launcher, "PROOFDESK_DATA_DIR", g_getenv ("PROOFDESK_DATA_DIR"), TRUE);
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

static char *
uuid_of (const char *package)
{
  g_autoptr (PdCatalog) catalog = NULL;
  g_autoptr (GPtrArray) sessions = NULL;
  g_autoptr (GError) error = NULL;

  catalog = pd_catalog_open (NULL, &error);
  g_assert_no_error (error);
  sessions = pd_catalog_list_sessions (catalog, NULL, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < sessions->len; i++)
    if (g_strcmp0 (pd_catalog_session_get_package_path (g_ptr_array_index (sessions, i)), package) == 0)
      return g_strdup (pd_catalog_session_get_uuid (g_ptr_array_index (sessions, i)));
  g_assert_not_reached ();
  return NULL;
}

static PdExportWizard *
open_wizard (const char *const *preselect)
{
  PdExportWizard *wizard = pd_export_wizard_new (NULL, preselect);

  gtk_window_set_default_size (GTK_WINDOW (wizard), 720, 760);
  gtk_window_present (GTK_WINDOW (wizard));
  pd_test_wait_for_frames (GTK_WIDGET (wizard), 30);
  g_assert_cmpstr (pd_export_wizard_get_page (wizard), ==, "sessions");
  return wizard;
}

static void
next (PdExportWizard *wizard, const char *expected_page)
{
  g_assert_null (pd_export_wizard_get_problem (wizard));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (wizard), "wizard.next", NULL));
  pd_test_iterate ();
  g_assert_cmpstr (pd_export_wizard_get_page (wizard), ==, expected_page);
}

/* Export from the summary page: the progress page until the report comes. */
static void wait_for_report (PdExportWizard *wizard);

static void
run_export (PdExportWizard *wizard)
{
  g_assert_null (pd_export_wizard_get_problem (wizard));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (wizard), "wizard.next", NULL));
  g_assert_true (pd_export_wizard_get_busy (wizard));
  g_assert_cmpstr (pd_export_wizard_get_page (wizard), ==, "progress");
  wait_for_report (wizard);
}

static void
wait_for_report (PdExportWizard *wizard)
{
  gboolean timed_out = FALSE;
  guint    timeout = g_timeout_add_seconds (180, pd_test_on_timeout, &timed_out);

  while (!timed_out && pd_export_wizard_get_busy (wizard))
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (timeout);
  g_assert_false (timed_out);
  pd_test_iterate ();
  g_assert_cmpstr (pd_export_wizard_get_page (wizard), ==, "report");
}

static void
close_wizard (PdExportWizard *wizard)
{
  g_object_add_weak_pointer (G_OBJECT (wizard), (gpointer *) &wizard);
  gtk_window_destroy (GTK_WINDOW (wizard));
  pd_test_iterate ();
  g_assert_null (wizard);
}

static gboolean
is_volume_id (const char *id)
{
  if (id == NULL || *id == '\0' || strlen (id) > PD_ISO_VOLUME_ID_MAX)
    return FALSE;
  for (const char *c = id; *c; c++)
    if (!g_ascii_isupper (*c) && !g_ascii_isdigit (*c) && *c != '_')
      return FALSE;
  return TRUE;
}

/* ------------------------------------------------------------------------------------------ */
/* Tests                                                                                      */

static void
test_folder (void)
{
  g_autofree char *target = g_build_filename (tmp_dir, "export-folder", NULL);
  g_autofree char *index = g_build_filename (target, PD_EXPORT_INDEX_HTML_NAME, NULL);
  g_autofree char *pdf = g_build_filename (tmp_dir, "label.pdf", NULL);
  g_autoptr (GError) error = NULL;
  PdExportWizard *wizard;
  PdExportResult *result;
  const char *label;

  /* Nothing ticked: Next is refused, with the reason. */
  wizard = open_wizard (NULL);
  g_assert_cmpuint (pd_export_wizard_get_n_selected (wizard), ==, 0);
  g_assert_nonnull (pd_export_wizard_get_problem (wizard));
  gtk_widget_activate_action (GTK_WIDGET (wizard), "wizard.next", NULL);
  g_assert_cmpstr (pd_export_wizard_get_page (wizard), ==, "sessions");
  g_assert_true (pd_export_wizard_select_session (wizard, uuids[0], TRUE));
  g_assert_true (pd_export_wizard_select_session (wizard, uuids[1], TRUE));
  g_assert_false (pd_export_wizard_select_session (wizard, "no-such-session", TRUE));
  g_assert_cmpuint (pd_export_wizard_get_n_selected (wizard), ==, 2);
  pd_test_save_screenshot (GTK_WIDGET (wizard), "export-sessions", test_language, 30);

  next (wizard, "target");
  g_assert_nonnull (pd_export_wizard_get_problem (wizard));
  pd_export_wizard_set_target (wizard, PD_EXPORT_TARGET_FOLDER, target);
  pd_test_save_screenshot (GTK_WIDGET (wizard), "export-target", test_language, 30);

  next (wizard, "label");
  label = pd_export_wizard_get_label (wizard);
  g_test_message ("label: %s, volume id: %s", label, pd_export_wizard_get_volume_id (wizard));
  g_assert_nonnull (strstr (label, PD_DISC_LABEL_DEFAULT_DISPUTE));
  g_assert_nonnull (strstr (label, "WeChat"));
  g_assert_true (is_volume_id (pd_export_wizard_get_volume_id (wizard)));
  g_assert_true (g_str_has_prefix (pd_export_wizard_get_volume_id (wizard), "WECHAT_"));
  pd_test_save_screenshot (GTK_WIDGET (wizard), "export-label", test_language, 30);

  /* Too small a destination: refused with the reason; then it fits. */
  next (wizard, "summary");
  pd_export_wizard_set_capacity_limit (wizard, 64 * 1024);
  g_assert_nonnull (pd_export_wizard_get_problem (wizard));
  pd_test_save_screenshot (GTK_WIDGET (wizard), "export-summary-too-small", test_language, 30);
  gtk_widget_activate_action (GTK_WIDGET (wizard), "wizard.next", NULL);
  g_assert_cmpstr (pd_export_wizard_get_page (wizard), ==, "summary");
  pd_export_wizard_set_capacity_limit (wizard, 0);
  g_assert_null (pd_export_wizard_get_problem (wizard));
  pd_test_save_screenshot (GTK_WIDGET (wizard), "export-summary", test_language, 30);

  run_export (wizard);
  g_assert_no_error ((GError *) pd_export_wizard_get_error (wizard));
  result = pd_export_wizard_get_result (wizard);
  g_assert_nonnull (result);
  g_assert_true (pd_export_result_get_ok (result));
  g_assert_cmpuint (result->n_bad, ==, 0);
  g_assert_cmpuint (result->files->len, >, 0);
  for (guint i = 0; i < result->files->len; i++)
    {
      PdExportFile *f = g_ptr_array_index (result->files, i);

      g_assert_cmpint (f->status, ==, PD_EXPORT_FILE_OK);
      g_assert_cmpstr (f->actual_sha256, ==, f->expected_sha256);
    }
  g_assert_cmpstr (result->label, ==, label);
  g_assert_true (g_file_test (index, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpuint (result->packages->len, ==, 2);
  for (guint i = 0; i < result->packages->len; i++)
    {
      PdExportPackage *p = g_ptr_array_index (result->packages, i);
      g_autofree char *dir = g_build_filename (target, p->export_dir, NULL);
      g_autofree char *manifest = g_build_filename (dir, "manifest.json", NULL);

      g_assert_true (g_file_test (manifest, G_FILE_TEST_IS_REGULAR));
    }
  pd_test_save_screenshot (GTK_WIDGET (wizard), "export-report", test_language, 30);

  g_assert_true (pd_export_wizard_save_label (wizard, pdf, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (pdf, G_FILE_TEST_IS_REGULAR));

  /* Done closes the window. */
  g_object_add_weak_pointer (G_OBJECT (wizard), (gpointer *) &wizard);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (wizard), "wizard.next", NULL));
  pd_test_iterate ();
  g_assert_null (wizard);
}

static void
test_iso (void)
{
  g_autofree char *target = g_build_filename (tmp_dir, "export.iso", NULL);
  PdExportWizard *wizard;
  PdExportResult *result;
  GStatBuf st;

  /* As win.export opens it from the Catalog: the sessions ticked already. */
  wizard = open_wizard ((const char *const *) uuids);
  g_assert_cmpuint (pd_export_wizard_get_n_selected (wizard), ==, 2);
  next (wizard, "target");
  pd_export_wizard_set_target (wizard, PD_EXPORT_TARGET_ISO, target);
  next (wizard, "label");
  next (wizard, "summary");
  run_export (wizard);
  result = pd_export_wizard_get_result (wizard);
  g_assert_nonnull (result);
  g_assert_true (pd_export_result_get_ok (result));
  g_assert_true (result->has_joliet);
  g_assert_true (is_volume_id (result->volume_id));
  g_assert_cmpint (g_stat (target, &st), ==, 0);
  g_assert_cmpint (st.st_size, >, 0);

  /* The same file again is refused before anything runs. */
  close_wizard (wizard);
  wizard = open_wizard ((const char *const *) uuids);
  next (wizard, "target");
  pd_export_wizard_set_target (wizard, PD_EXPORT_TARGET_ISO, target);
  next (wizard, "label");
  next (wizard, "summary");
  g_assert_nonnull (pd_export_wizard_get_problem (wizard));
  close_wizard (wizard);
}

/* One byte of one recording changed: the export is refused, naming the package. */
static void
test_refused (void)
{
  g_autofree char *target = g_build_filename (tmp_dir, "export-refused", NULL);
  g_autofree char *recording = g_build_filename (packages[1], "recording.mp4", NULL);
  g_autofree char *contents = NULL;
  g_autoptr (GError) error = NULL;
  const GError *export_error;
  PdExportWizard *wizard;
  gsize length;

  g_assert_true (g_file_get_contents (recording, &contents, &length, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (length, >, 1000);
  g_chmod (recording, 0644);
  contents[length / 2] ^= 0x01;
  g_assert_true (g_file_set_contents (recording, contents, length, &error));
  g_assert_no_error (error);

  wizard = open_wizard ((const char *const *) uuids);
  next (wizard, "target");
  pd_export_wizard_set_target (wizard, PD_EXPORT_TARGET_FOLDER, target);
  next (wizard, "label");
  next (wizard, "summary");
  run_export (wizard);
  g_assert_null (pd_export_wizard_get_result (wizard));
  export_error = pd_export_wizard_get_error (wizard);
  g_assert_error ((GError *) export_error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_REFUSED);
  g_test_message ("refused: %s", export_error->message);
  g_assert_nonnull (strstr (export_error->message, packages[1]));
  pd_test_save_screenshot (GTK_WIDGET (wizard), "export-refused", test_language, 30);
  close_wizard (wizard);

  /* Put it back for anything after. */
  contents[length / 2] ^= 0x01;
  g_assert_true (g_file_set_contents (recording, contents, length, &error));
  g_assert_no_error (error);
}

/* ------------------------------------------------------------------------------------------ */

int
main (int argc, char **argv)
{
  g_autofree char *localedir = NULL;
  g_autofree char *data_dir = NULL;
  g_autoptr (GError) error = NULL;
  int status;

  /* --language=LL_CC: run in that language, catalogs from BUILDDIR/po. */
  for (int i = 1; i < argc; i++)
    if (g_str_has_prefix (argv[i], "--language="))
      {
        test_language = argv[i] + strlen ("--language=");
        memmove (&argv[i], &argv[i + 1], (argc - i) * sizeof (char *));
        argc--;
        break;
      }
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_setenv ("LANGUAGE", test_language, TRUE);
  g_setenv ("PANGO_LANGUAGE", test_language, TRUE);
  if (g_getenv ("PROOFDESK_LOCALEDIR") == NULL && g_getenv ("G_TEST_BUILDDIR") != NULL)
    {
      localedir = g_build_filename (g_getenv ("G_TEST_BUILDDIR"), "..", "po", NULL);
      g_setenv ("PROOFDESK_LOCALEDIR", localedir, TRUE);
    }
  g_unsetenv ("PROOFDESK_TSA_URL");

  /* A catalog of our own, before anything opens one; proofctl gets it too. */
  tmp_dir = g_dir_make_tmp ("pd-export-wizard-XXXXXX", &error);
  g_assert_no_error (error);
  data_dir = g_build_filename (tmp_dir, "data", NULL);
  g_setenv ("PROOFDESK_DATA_DIR", data_dir, TRUE);

  gtk_test_init (&argc, &argv, NULL);
  setlocale (LC_ALL, "");
  adw_init ();
  pd_core_init (&argc, &argv);
  textdomain (GETTEXT_PACKAGE);

  packages[0] = capture ();
  packages[1] = capture ();
  uuids[0] = uuid_of (packages[0]);
  uuids[1] = uuid_of (packages[1]);

  g_test_add_func ("/app/export-wizard/folder", test_folder);
  g_test_add_func ("/app/export-wizard/iso", test_iso);
  g_test_add_func ("/app/export-wizard/refused", test_refused);
  status = g_test_run ();
  pd_test_rm_rf (tmp_dir);
  g_free (tmp_dir);
  for (guint i = 0; i < 2; i++)
    {
      g_free (packages[i]);
      g_free (uuids[i]);
    }
  return status;
}
