/* test-app.c — the application, its window, Preferences and shortcuts under Xvfb; screenshots.
 * `test-app --language=zh_CN` runs the same tests in Chinese (meson test "app-zh"). */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <locale.h>

#include "pd-application.h"
#include "pd-core.h"
#include "pd-preferences-window.h"
#include "util/pd-util.h"
#include "pd-window.h"
#include "test-common-gtk.h"

static const char    *test_language = "en";
static PdApplication *test_app;

typedef struct
{
  PdApplication *app;
  GSettings     *settings;
} Fixture;

static PdWindow *
open_window (Fixture *f)
{
  PdWindow *window = pd_window_new (f->app);

  gtk_window_present (GTK_WINDOW (window));
  pd_test_wait_for_frames (GTK_WIDGET (window), 3);
  return window;
}

static PdPreferencesWindow *
find_preferences (Fixture *f, guint *count)
{
  PdPreferencesWindow *found = NULL;

  *count = 0;
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (f->app)); l != NULL; l = l->next)
    if (PD_IS_PREFERENCES_WINDOW (l->data))
      {
        found = l->data;
        (*count)++;
      }
  return found;
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  /* One registered application per process, as in the real program; tests own the windows. */
  f->app = g_object_ref (test_app);
  f->settings = g_settings_new (APP_ID);
  for (const char *const *k = (const char *const[]){ "operator", "evidence-root", "tsa-url",
                                                      "checkpoint-interval", NULL }; *k; k++)
    g_settings_reset (f->settings, *k);
}

/* Destroys every window the test opened and checks that each one is finalized. */
static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  pd_test_destroy_toplevels ();
  g_assert_null (gtk_application_get_windows (GTK_APPLICATION (f->app)));
  g_clear_object (&f->settings);
  g_clear_object (&f->app);
}

static void
test_window_opens (Fixture *f, gconstpointer data)
{
  PdWindow *window = open_window (f);

  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window)));
  g_assert_true (gtk_window_get_application (GTK_WINDOW (window)) == GTK_APPLICATION (f->app));
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, _("Proofdesk"));
}

static void
test_window_pages (Fixture *f, gconstpointer data)
{
  static const struct { const char *name, *title; } expected[] = {
    { "capture", N_("Capture") },
    { "catalog", N_("Catalog") },
    { "verify", N_("Verify") },
  };
  PdWindow   *window = open_window (f);
  AdwViewStack *stack = pd_window_get_stack (window);
  g_autoptr (GtkSelectionModel) pages = adw_view_stack_get_pages (stack);

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (pages)), ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autoptr (AdwViewStackPage) page = g_list_model_get_item (G_LIST_MODEL (pages), i);

      g_assert_cmpstr (adw_view_stack_page_get_name (page), ==, expected[i].name);
      g_assert_cmpstr (adw_view_stack_page_get_title (page), ==, _(expected[i].title));
      g_assert_nonnull (adw_view_stack_page_get_icon_name (page));
    }
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (stack), ==, "capture");

  /* <Alt>1…3 go through win.show-page. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-page", "s", "verify"));
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (stack), ==, "verify");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-page", "s", "nonsense"));
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (stack), ==, "verify");
}

static void
test_help_overlay (Fixture *f, gconstpointer data)
{
  PdWindow *window = open_window (f);
  g_auto (GStrv) accels = NULL;
  GtkShortcutsWindow *overlay;

  overlay = gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (window));
  g_assert_true (GTK_IS_SHORTCUTS_WINDOW (overlay));
  accels = gtk_application_get_accels_for_action (GTK_APPLICATION (f->app), "win.show-help-overlay");
  g_assert_nonnull (accels[0]);
  g_clear_pointer (&accels, g_strfreev);
  accels = gtk_application_get_accels_for_action (GTK_APPLICATION (f->app), "app.preferences");
  g_assert_cmpstr (accels[0], ==, "<Control>comma");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-help-overlay", NULL));
  pd_test_wait_for_frames (GTK_WIDGET (overlay), 3);
  pd_test_save_screenshot (GTK_WIDGET (overlay), "shortcuts", test_language, 3);
}

static void
test_preferences (Fixture *f, gconstpointer data)
{
  PdWindow            *window = open_window (f);
  PdPreferencesWindow *prefs;
  GtkEditable         *operator_row, *tsa_row;
  GtkSpinButton       *interval;
  AdwActionRow        *root_row;
  g_autofree char     *value = NULL;
  g_autofree char     *fallback = pd_default_evidence_root ();
  guint                count;

  g_action_group_activate_action (G_ACTION_GROUP (f->app), "preferences", NULL);
  prefs = find_preferences (f, &count);
  g_assert_cmpuint (count, ==, 1);
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (prefs)) == GTK_WINDOW (window));
  pd_test_wait_for_frames (GTK_WIDGET (prefs), 3);

  /* A second activation raises the same window. */
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "preferences", NULL);
  g_assert_true (find_preferences (f, &count) == prefs);
  g_assert_cmpuint (count, ==, 1);

#define CHILD(name) gtk_widget_get_template_child (GTK_WIDGET (prefs), PD_TYPE_PREFERENCES_WINDOW, name)
  operator_row = GTK_EDITABLE (CHILD ("operator_row"));
  tsa_row = GTK_EDITABLE (CHILD ("tsa_url_row"));
  interval = GTK_SPIN_BUTTON (CHILD ("interval_spin"));
  root_row = ADW_ACTION_ROW (CHILD ("evidence_root_row"));
#undef CHILD

  /* Row → settings. */
  gtk_editable_set_text (operator_row, "张律师");
  value = g_settings_get_string (f->settings, "operator");
  g_assert_cmpstr (value, ==, "张律师");
  g_clear_pointer (&value, g_free);
  gtk_spin_button_set_value (interval, 45);
  g_assert_cmpuint (g_settings_get_uint (f->settings, "checkpoint-interval"), ==, 45);

  /* Settings → rows. */
  g_settings_set_string (f->settings, "operator", "Li Wei");
  g_settings_set_uint (f->settings, "checkpoint-interval", 30);
  g_settings_set_string (f->settings, "evidence-root", "/srv/evidence");
  pd_test_iterate ();
  g_assert_cmpstr (gtk_editable_get_text (operator_row), ==, "Li Wei");
  g_assert_cmpint ((int) gtk_spin_button_get_value (interval), ==, 30);
  g_assert_cmpstr (adw_action_row_get_subtitle (root_row), ==, "/srv/evidence");
  g_settings_reset (f->settings, "evidence-root");
  pd_test_iterate ();
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (root_row), fallback));

  /* An address that is not http(s) is flagged; empty (practice authority) is fine. */
  gtk_editable_set_text (tsa_row, "ftp://tsa.example");
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (tsa_row), "error"));
  gtk_editable_set_text (tsa_row, "https://tsa.example/tsr");
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (tsa_row), "error"));
  value = g_settings_get_string (f->settings, "tsa-url");
  g_assert_cmpstr (value, ==, "https://tsa.example/tsr");
  gtk_editable_set_text (tsa_row, "");
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (tsa_row), "error"));

  gtk_editable_set_text (operator_row, "张律师");
  pd_test_wait_for_frames (GTK_WIDGET (prefs), 3);
  pd_test_save_screenshot (GTK_WIDGET (prefs), "preferences", test_language, 3);
}

static void
test_about (Fixture *f, gconstpointer data)
{
  PdWindow   *window = open_window (f);
  GListModel *toplevels = gtk_window_get_toplevels ();
  AdwAboutWindow *about = NULL;

  g_action_group_activate_action (G_ACTION_GROUP (f->app), "about", NULL);
  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GObject) item = g_list_model_get_item (toplevels, i);

      if (ADW_IS_ABOUT_WINDOW (item))
        about = ADW_ABOUT_WINDOW (item);
    }
  g_assert_nonnull (about);
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (about)) == GTK_WINDOW (window));
  g_assert_cmpstr (adw_about_window_get_application_name (about), ==, _("Proofdesk"));
  g_assert_cmpstr (adw_about_window_get_version (about), ==, PACKAGE_VERSION);
}

/* The catalog for the requested language was found and is used. */
static void
test_translated (void)
{
  g_assert_cmpstr (_("Capture"), !=, "Capture");
  g_assert_cmpstr (_("Proofdesk"), !=, "Proofdesk");
}

static void
test_window_screenshot (Fixture *f, gconstpointer data)
{
  PdWindow *window = open_window (f);

  pd_test_save_screenshot (GTK_WIDGET (window), "window", test_language, 3);
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  int              status;

  test_language = pd_test_gtk_init (&argc, &argv);
  pd_core_init (&argc, &argv);
  textdomain (GETTEXT_PACKAGE);

  test_app = pd_application_new ();
  g_application_set_flags (G_APPLICATION (test_app), G_APPLICATION_NON_UNIQUE);
  if (!g_application_register (G_APPLICATION (test_app), NULL, &error))
    g_error ("Could not register the application: %s", error->message);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/app/window/opens", test_window_opens);
  ADD ("/app/window/pages", test_window_pages);
  ADD ("/app/window/screenshot", test_window_screenshot);
  ADD ("/app/help-overlay", test_help_overlay);
  ADD ("/app/about", test_about);
  ADD ("/app/preferences/bound-to-settings", test_preferences);
#undef ADD
  if (!g_str_equal (test_language, "en"))
    g_test_add_func ("/app/i18n/translated", test_translated);
  status = g_test_run ();
  /* Not finalize-checked: a registered GApplication exports itself on D-Bus until exit. */
  g_clear_object (&test_app);
  return status;
}
