/* pd-application.c — the Proofdesk AdwApplication. */
#define G_LOG_DOMAIN "pd-application"

#include "config.h"

#include <glib/gi18n.h>

#include "pd-application.h"
#include "pd-preferences-window.h"
#include "pd-window.h"
#include "proofdesk-resources.h"

struct _PdApplication
{
  AdwApplication parent_instance;
};

G_DEFINE_FINAL_TYPE (PdApplication, pd_application, ADW_TYPE_APPLICATION)

static void
pd_application_activate (GApplication *app)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    window = GTK_WINDOW (pd_window_new (PD_APPLICATION (app)));
  gtk_window_present (window);
}

static void
on_about (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  GtkApplication *app = user_data;
  const char *developers[] = { "Proofdesk developers", NULL };

  adw_show_about_window (gtk_application_get_active_window (app),
                         "application-name", _("Proofdesk"),
                         "application-icon", APP_ID,
                         "version", PACKAGE_VERSION,
                         "developers", developers,
                         /* Translators: your names, one per line. */
                         "translator-credits", _("translator-credits"),
                         "website", "https://github.com/proofdesk/proofdesk",
                         "issue-url", "https://github.com/proofdesk/proofdesk/issues",
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "comments", _("Record a screen as court evidence, hashed while it is recorded and fixed by trusted timestamps."),
                         NULL);
}

static void
on_preferences (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  GtkApplication      *app = user_data;
  GtkWindow           *parent = gtk_application_get_active_window (app);
  PdPreferencesWindow *prefs;

  /* One Preferences window at a time: raise the open one. */
  for (GList *l = gtk_application_get_windows (app); l != NULL; l = l->next)
    if (PD_IS_PREFERENCES_WINDOW (l->data))
      {
        gtk_window_present (GTK_WINDOW (l->data));
        return;
      }

  prefs = pd_preferences_window_new (parent);
  gtk_window_set_application (GTK_WINDOW (prefs), app);
  gtk_window_present (GTK_WINDOW (prefs));
}

static void
on_quit (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static void
pd_application_startup (GApplication *app)
{
  static const GActionEntry entries[] = {
    { "about", on_about },
    { "preferences", on_preferences },
    { "quit", on_quit },
  };
  const char *quit_accels[] = { "<Control>q", NULL };
  const char *preferences_accels[] = { "<Control>comma", NULL };
  const char *close_accels[] = { "<Control>w", NULL };

  G_APPLICATION_CLASS (pd_application_parent_class)->startup (app);
  g_action_map_add_action_entries (G_ACTION_MAP (app), entries, G_N_ELEMENTS (entries), app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.preferences", preferences_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "window.close", close_accels);
}

void
pd_application_ensure_resources (void)
{
  static gsize registered = 0;

  if (g_once_init_enter (&registered))
    {
      proofdesk_register_resource ();
      g_once_init_leave (&registered, 1);
    }
}

static void
pd_application_class_init (PdApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  app_class->activate = pd_application_activate;
  app_class->startup = pd_application_startup;
  pd_application_ensure_resources ();
}

static void
pd_application_init (PdApplication *self)
{
}

PdApplication *
pd_application_new (void)
{
  return g_object_new (PD_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       "resource-base-path", "/io/github/proofdesk/Proofdesk",
                       NULL);
}
