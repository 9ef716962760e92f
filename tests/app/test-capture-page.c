/* test-capture-page.c — the Capture page in a real window under Xvfb: record the test pattern
 * with a live preview, mark checklist items (by key, with a note), undo one, stop with required
 * items missing and seal anyway; then check the package. Screenshots in G_TEST_BUILDDIR. */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <locale.h>

#include "pd-capture-page.h"
#include "catalog/pd-catalog.h"
#include "verify/pd-verify.h"
#include <string.h>
#include "pd-checklist-panel.h"
#include "pd-core.h"
#include "evidence/pd-package.h"
#include "util/pd-util.h"
#include "test-common.h"
#include "test-common-gtk.h"

typedef struct
{
  GSettings *settings;
  char      *root;
  GtkWindow *window;
  GtkWidget *page;
} Fixture;

static GtkWidget *
template_child (GtkWidget *widget, GType type, const char *name)
{
  GObject *child = gtk_widget_get_template_child (widget, type, name);

  g_assert_nonnull (child);
  return GTK_WIDGET (child);
}

static gboolean
has_package (gpointer data)
{
  return pd_capture_page_get_package (PD_CAPTURE_PAGE (data)) != NULL;
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->root = g_dir_make_tmp ("pd-capture-page-XXXXXX", &error);
  g_assert_no_error (error);
  f->settings = g_settings_new (APP_ID);
  g_settings_set_string (f->settings, "evidence-root", f->root);
  g_settings_set_string (f->settings, "tsa-url", "");
  g_settings_set_string (f->settings, "operator", "Test Operator");
  g_settings_set_uint (f->settings, "checkpoint-interval", 1);

  f->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (f->window, 1100, 720);
  f->page = pd_capture_page_new ();
  gtk_window_set_child (f->window, f->page);
  gtk_window_present (f->window);
  pd_test_wait_for_frames (GTK_WIDGET (f->window), 3);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  GtkWidget *page = f->page;

  g_object_add_weak_pointer (G_OBJECT (page), (gpointer *) &page);
  gtk_window_destroy (f->window);
  pd_test_iterate ();
  g_assert_null (page);
  for (const char *const *k = (const char *const[]){ "evidence-root", "tsa-url", "operator",
                                                      "checkpoint-interval", NULL }; *k; k++)
    g_settings_reset (f->settings, *k);
  g_clear_object (&f->settings);
  pd_test_rm_rf (f->root);
  g_free (f->root);
}

static JsonObject *
read_manifest (PdPackage *package, JsonParser *parser)
{
  g_autofree char *path = g_build_filename (pd_package_get_path (package), PD_MANIFEST_NAME, NULL);
  g_autoptr (GError) error = NULL;

  g_assert_true (json_parser_load_from_file (parser, path, &error));
  g_assert_no_error (error);
  return json_node_get_object (json_parser_get_root (parser));
}

static const char *
listed_sha256 (JsonObject *manifest, const char *name)
{
  JsonArray *files = json_object_get_array_member (manifest, "files");

  for (guint i = 0; i < json_array_get_length (files); i++)
    {
      JsonObject *entry = json_array_get_object_element (files, i);

      if (g_strcmp0 (json_object_get_string_member (entry, "name"), name) == 0)
        return json_object_get_string_member (entry, "sha256");
    }
  return NULL;
}

static void
test_setup_view (Fixture *f, gconstpointer data)
{
  GtkWidget *practice = template_child (f->page, PD_TYPE_CAPTURE_PAGE, "practice_revealer");
  GtkWidget *panel = template_child (f->page, PD_TYPE_CAPTURE_PAGE, "checklist_panel");

  g_assert_true (pd_capture_page_select_source (PD_CAPTURE_PAGE (f->page), "test", NULL));
  g_assert_false (pd_capture_page_select_source (PD_CAPTURE_PAGE (f->page), "no-such-source", NULL));
  g_assert_true (pd_capture_page_select_scenario (PD_CAPTURE_PAGE (f->page), "wechat-chat"));
  g_assert_false (pd_capture_page_select_scenario (PD_CAPTURE_PAGE (f->page), "no-such-scenario"));
  pd_capture_page_select_case (PD_CAPTURE_PAGE (f->page), "Zhang v. Li — loan");
  g_assert_nonnull (pd_checklist_panel_get_checklist (PD_CHECKLIST_PANEL (panel)));
  /* No TSA configured: the practice authority, and the page says so. */
  g_assert_true (gtk_revealer_get_reveal_child (GTK_REVEALER (practice)));
  /* Marking is refused when not recording. */
  {
    g_autoptr (GError) error = NULL;

    g_assert_cmpuint (pd_checklist_panel_mark (PD_CHECKLIST_PANEL (panel), "env.network", NULL, &error), ==, 0);
    g_assert_nonnull (error);
    g_assert_false (pd_test_press_shortcut (panel, GDK_KEY_1, 0, NULL));
  }
  pd_test_wait_for_frames (GTK_WIDGET (f->window), 3);
  pd_test_save_screenshot (GTK_WIDGET (f->window), "capture-page-setup", "en", 3);

  /* Low free space shows the warning. */
  pd_capture_page_set_low_disk_threshold (PD_CAPTURE_PAGE (f->page), G_MAXUINT64);
  g_assert_true (gtk_revealer_get_reveal_child (GTK_REVEALER (template_child (f->page, PD_TYPE_CAPTURE_PAGE,
                                                                               "disk_revealer"))));
  pd_test_wait_for_frames (GTK_WIDGET (f->window), 3);
  pd_test_run_for (400);
  pd_test_save_screenshot (GTK_WIDGET (f->window), "capture-page-low-disk", "en", 3);
  pd_capture_page_set_low_disk_threshold (PD_CAPTURE_PAGE (f->page), 0);
}

static void
test_record_mark_seal (Fixture *f, gconstpointer data)
{
  PdCapturePage    *page = PD_CAPTURE_PAGE (f->page);
  GtkWidget        *panel = template_child (f->page, PD_TYPE_CAPTURE_PAGE, "checklist_panel");
  GtkPicture       *preview = GTK_PICTURE (template_child (f->page, PD_TYPE_CAPTURE_PAGE, "preview"));
  GdkPaintable     *paintable;
  AdwMessageDialog *dialog;
  PdPackage        *package;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  JsonObject *manifest, *checklist;
  JsonArray  *marks, *missing;
  guint       note_mark, optional_mark, n_undone = 0, n_stills = 0;
  gboolean    network_marked = FALSE;

  g_assert_true (pd_capture_page_select_source (page, "test", NULL));
  g_assert_true (pd_capture_page_select_scenario (page, "wechat-chat"));
  pd_capture_page_select_case (page, "Zhang v. Li — loan");

  /* Ctrl+R starts recording. */
  g_assert_true (pd_test_press_shortcut (f->page, GDK_KEY_r, GDK_CONTROL_MASK, NULL));
  g_assert_true (pd_capture_page_is_recording (page));
  pd_test_run_for (3000);

  /* The preview shows frames. */
  paintable = gtk_picture_get_paintable (preview);
  g_assert_nonnull (paintable);
  g_assert_cmpint (gdk_paintable_get_intrinsic_width (paintable), >, 0);
  g_assert_cmpint (gdk_paintable_get_intrinsic_height (paintable), >, 0);

  /* Item 1 by its number key, one with a note, one optional item undone with Ctrl+Z. */
  g_assert_true (pd_test_press_shortcut (panel, GDK_KEY_1, 0, NULL));
  pd_test_run_for (300);
  note_mark = pd_checklist_panel_mark (PD_CHECKLIST_PANEL (panel), "party.identity", "¥50,000", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (note_mark, >, 0);
  pd_test_run_for (300);
  optional_mark = pd_checklist_panel_mark (PD_CHECKLIST_PANEL (panel), "chat.calls", NULL, &error);
  g_assert_no_error (error);
  g_assert_true (pd_test_press_shortcut (panel, GDK_KEY_z, GDK_CONTROL_MASK, NULL));
  g_assert_false (pd_checklist_item_is_marked (pd_checklist_lookup_item (
    pd_checklist_panel_get_checklist (PD_CHECKLIST_PANEL (panel)), "chat.calls")));
  pd_test_run_for (1500);
  pd_test_wait_for_frames (GTK_WIDGET (f->window), 3);
  pd_test_save_screenshot (GTK_WIDGET (f->window), "capture-page-recording", "en", 3);

  /* Stop: required items are missing, so the page asks; seal anyway. */
  g_assert_true (gtk_widget_activate_action (f->page, "capture.record-toggle", NULL));
  dialog = pd_test_find_message_dialog ();
  g_assert_nonnull (dialog);
  g_assert_true (pd_capture_page_is_recording (page));
  pd_test_wait_for_frames (GTK_WIDGET (dialog), 3);
  pd_test_save_screenshot (GTK_WIDGET (dialog), "capture-page-stop-dialog", "en", 3);
  /* What the "Seal Anyway" button does: respond, then close. */
  adw_message_dialog_response (dialog, "seal");
  gtk_window_close (GTK_WINDOW (dialog));
  pd_test_run_until (has_package, page, 90);
  g_assert_false (pd_capture_page_is_recording (page));
  pd_test_wait_for_frames (GTK_WIDGET (f->window), 3);
  pd_test_run_for (500);
  pd_test_save_screenshot (GTK_WIDGET (f->window), "capture-page-result", "en", 3);

  /* The package: marks (one undone), stills listed with their digests, the checklist decision. */
  package = pd_capture_page_get_package (page);
  manifest = read_manifest (package, parser);
  g_assert_cmpstr (json_object_get_string_member (manifest, "scenario"), ==, "wechat-chat");
  g_assert_cmpstr (json_object_get_string_member (manifest, "case"), ==, "Zhang v. Li — loan");
  marks = json_object_get_array_member (manifest, "marks");
  g_assert_cmpuint (json_array_get_length (marks), ==, 3);
  for (guint i = 0; i < json_array_get_length (marks); i++)
    {
      JsonObject *mark = json_array_get_object_element (marks, i);
      const char *item = json_object_get_string_member (mark, "item");
      const char *still = json_object_get_string_member_with_default (mark, "still", NULL);
      gboolean    undone = json_object_get_boolean_member_with_default (mark, "undone", FALSE);

      if (undone)
        {
          n_undone++;
          g_assert_cmpstr (item, ==, "chat.calls");
          g_assert_cmpint (json_object_get_int_member (mark, "id"), ==, optional_mark);
        }
      if (g_strcmp0 (item, "env.network") == 0)
        network_marked = TRUE;
      if (json_object_get_int_member (mark, "id") == note_mark)
        g_assert_cmpstr (json_object_get_string_member (mark, "note"), ==, "¥50,000");
      if (still != NULL)
        {
          g_autofree char *path = g_build_filename (pd_package_get_path (package), still, NULL);
          g_autofree char *digest = NULL;

          g_assert_true (g_str_has_prefix (still, "stills/"));
          g_assert_true (g_str_has_suffix (still, ".png"));
          digest = pd_sha256_file (path, NULL, NULL, &error);
          g_assert_no_error (error);
          g_assert_cmpstr (listed_sha256 (manifest, still), ==, digest);
          n_stills++;
        }
    }
  g_assert_true (network_marked);
  g_assert_cmpuint (n_undone, ==, 1);
  g_assert_cmpuint (n_stills, ==, 3);

  checklist = json_object_get_object_member (manifest, "checklist");
  g_assert_nonnull (checklist);
  g_assert_cmpstr (json_object_get_string_member (checklist, "scenario"), ==, "wechat-chat");
  g_assert_cmpstr (json_object_get_string_member (checklist, "decision"), ==, "sealed-anyway");
  g_assert_cmpint (json_object_get_int_member (checklist, "required_marked"), ==, 2);
  missing = json_object_get_array_member (checklist, "missing_required");
  g_assert_cmpuint (json_array_get_length (missing), ==, json_object_get_int_member (checklist, "required") - 2);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (checklist, "undone")), ==, 1);

  /* The result view shows the verdict of the fresh package's self-check. */
  {
    AdwActionRow *check = ADW_ACTION_ROW (template_child (f->page, PD_TYPE_CAPTURE_PAGE, "result_check_row"));
    gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
    const char *subtitle;

    while (g_str_has_prefix (adw_action_row_get_subtitle (check), "Verifying") &&
           g_get_monotonic_time () < deadline)
      g_main_context_iteration (NULL, TRUE);
    subtitle = adw_action_row_get_subtitle (check);
    g_test_message ("self-check: %s", subtitle);
    g_assert_true (strstr (subtitle, pd_verdict_describe (PD_VERDICT_VALID_PRACTICE)) != NULL);
  }

  /* The catalog has the session, stamped. */
  {
    g_autoptr (PdCatalog) catalog = pd_catalog_open (NULL, &error);
    g_autoptr (PdCatalogSession) session = NULL;

    g_assert_no_error (error);
    session = pd_catalog_get_session (catalog, json_object_get_string_member (manifest, "session"), &error);
    g_assert_no_error (error);
    g_assert_cmpstr (pd_catalog_session_get_state (session), ==, "stamped");
  }

  /* Back to the setup view for another recording. */
  g_assert_true (gtk_widget_activate_action (f->page, "capture.new-recording", NULL));
  g_assert_null (pd_test_find_message_dialog ());
}

/* ---- Phones appear and disappear (fake adb with a device list in a file) ---- */

static char *phones_file;

static void
fixture_setup_phones (Fixture *f, gconstpointer data)
{
  g_autofree char *adb = g_test_build_filename (G_TEST_DIST, "fake-adb", NULL);

  phones_file = g_build_filename (g_get_tmp_dir (), "pd-capture-page-phones", NULL);
  g_assert_true (g_file_set_contents (phones_file, "List of devices attached\n"
                                      "FAKESERIAL device model:Fake_Phone_9 transport_id:3\n"
                                      "FAKEUNAUTH unauthorized transport_id:4\n", -1, NULL));
  g_setenv ("PROOFDESK_ADB", adb, TRUE);
  g_setenv ("FAKE_ADB_DEVICES", phones_file, TRUE);
  fixture_setup (f, data);
}

/* Whether a row of the page has a title or subtitle containing `text` (and is sensitive). */
static gboolean
find_row_text (GtkWidget *widget, const char *text, gboolean *sensitive)
{
  if (ADW_IS_ACTION_ROW (widget))
    {
      const char *title = adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget));
      const char *subtitle = adw_action_row_get_subtitle (ADW_ACTION_ROW (widget));

      if ((title && strstr (title, text)) || (subtitle && strstr (subtitle, text)))
        {
          GtkWidget *check = g_object_get_data (G_OBJECT (widget), "pd-check");

          if (sensitive)
            *sensitive = check ? gtk_widget_get_sensitive (check) : TRUE;
          return TRUE;
        }
    }
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    if (find_row_text (c, text, sensitive))
      return TRUE;
  return FALSE;
}

static gboolean
phone_listed (gpointer data)
{
  return pd_capture_page_select_source (PD_CAPTURE_PAGE (data), "phone:FAKESERIAL", NULL);
}

static gboolean
phone_gone (gpointer data)
{
  return !pd_capture_page_select_source (PD_CAPTURE_PAGE (data), "phone:FAKESERIAL", NULL);
}

static gboolean
unauthorised_allowed (gpointer data)
{
  gboolean sensitive = FALSE;

  return find_row_text (data, "Other Phone", &sensitive) && sensitive;
}

static void
test_phones_hotplug (Fixture *f, gconstpointer data)
{
  gboolean sensitive = TRUE;

  /* adb is polled every 2 s. */
  pd_test_run_until (phone_listed, f->page, 10);
  g_assert_true (find_row_text (f->page, "Fake Phone 9", NULL));
  /* The unauthorised phone is listed, cannot be chosen, and says what to do. */
  g_assert_true (find_row_text (f->page, "Allow USB debugging", &sensitive));
  g_assert_false (sensitive);
  pd_test_wait_for_frames (GTK_WIDGET (f->window), 3);
  pd_test_save_screenshot (GTK_WIDGET (f->window), "capture-phones", "en", 3);

  /* Unplug one, allow the other. */
  g_assert_true (g_file_set_contents (phones_file, "List of devices attached\n"
                                      "FAKEUNAUTH device model:Other_Phone transport_id:4\n", -1, NULL));
  pd_test_run_until (phone_gone, f->page, 10);
  pd_test_run_until (unauthorised_allowed, f->page, 10);
  g_assert_false (find_row_text (f->page, "Allow USB debugging", NULL));
  g_assert_true (pd_capture_page_select_source (PD_CAPTURE_PAGE (f->page), "phone:FAKEUNAUTH", NULL));

  g_unsetenv ("PROOFDESK_ADB");
  g_unsetenv ("FAKE_ADB_DEVICES");
  g_unlink (phones_file);
  g_clear_pointer (&phones_file, g_free);
}

int
main (int argc, char **argv)
{
  g_autofree char *data_dir = g_dir_make_tmp ("pd-capture-page-data-XXXXXX", NULL);
  int              status;

  /* A catalog and practice authority of its own: the cases and sessions this test makes must
   * not show up in the other tests' screenshots. */
  g_assert_nonnull (data_dir);
  g_setenv ("PROOFDESK_DATA_DIR", data_dir, TRUE);
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_setenv ("LANGUAGE", "en", TRUE);
  /* The shipped templates. */
  g_unsetenv ("PROOFDESK_CHECKLIST_DIR");
  g_unsetenv ("PROOFDESK_TSA_URL");
  /* Registering with a slow accessibility bus can time out on a loaded machine: not what this
   * test is about. */
  g_setenv ("GTK_A11Y", "none", FALSE);

  gtk_test_init (&argc, &argv, NULL);
  setlocale (LC_ALL, "");
  adw_init ();
  pd_core_init (&argc, &argv);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/app/capture-page/setup", test_setup_view);
  ADD ("/app/capture-page/record-mark-seal", test_record_mark_seal);
#undef ADD
  g_test_add ("/app/capture-page/phones-hotplug", Fixture, NULL, fixture_setup_phones,
              test_phones_hotplug, fixture_teardown);
  status = g_test_run ();
  pd_test_rm_rf (data_dir);
  return status;
}
