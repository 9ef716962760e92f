/* pd-application.c — the Proofdesk AdwApplication. */
#define G_LOG_DOMAIN "pd-application"

#include "config.h"

#include <glib/gi18n.h>

#include "pd-application.h"
#include "capture/pd-maintenance.h"
#include "pd-preferences-window.h"
#include "pd-resources.h"
#include "util/pd-util.h"
#include "pd-window.h"

struct _PdApplication
{
  AdwApplication parent_instance;

  /* Owned references */
  PdMaintenance *maintenance;
  guint          last_retry_delay;
};

G_DEFINE_FINAL_TYPE (PdApplication, pd_application, ADW_TYPE_APPLICATION)

static void
toast (PdApplication *self, const char *title)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  g_autofree char *escaped = g_markup_escape_text (title, -1);

  /* A toast's title is Pango markup in libadwaita 1.2; the text is plain. */
  if (PD_IS_WINDOW (window))
    pd_window_add_toast (PD_WINDOW (window), adw_toast_new (escaped));
}

static void
on_recovered (PdMaintenance *m, const char *path, PdApplication *self)
{
  g_autofree char *name = g_path_get_basename (path);
  g_autofree char *title = g_strdup_printf (_("Recovered an interrupted recording: %s"), name);

  toast (self, title);
}

static void
on_stamped (PdMaintenance *m, const char *path, PdApplication *self)
{
  g_autofree char *name = g_path_get_basename (path);
  g_autofree char *title = g_strdup_printf (_("Timestamped a waiting recording: %s"), name);

  self->last_retry_delay = 0;
  toast (self, title);
}

static void
on_stamp_failed (PdMaintenance *m, const char *path, const char *message, guint delay,
                 PdApplication *self)
{
  g_autofree char *title = NULL;

  /* One toast per retry round, not one per waiting package. */
  if (delay == self->last_retry_delay)
    return;
  self->last_retry_delay = delay;
  title = g_strdup_printf (ngettext ("Timestamp authority unreachable; retrying in %u second",
                                     "Timestamp authority unreachable; retrying in %u seconds", delay),
                           delay);
  toast (self, title);
}

/* Recovery of crashed captures and late stamping start with the first window. */
static void
start_maintenance (PdApplication *self)
{
  g_autofree char *root = NULL;
  g_autofree char *tsa = NULL;

  if (self->maintenance != NULL || g_getenv ("PROOFDESK_NO_MAINTENANCE") != NULL)
    return;
  root = pd_config_get_evidence_root ();
  tsa = pd_config_get_tsa_url ();
  self->maintenance = pd_maintenance_new (root, tsa, NULL);
  g_signal_connect (self->maintenance, "recovered", G_CALLBACK (on_recovered), self);
  g_signal_connect (self->maintenance, "stamped", G_CALLBACK (on_stamped), self);
  g_signal_connect (self->maintenance, "stamp-failed", G_CALLBACK (on_stamp_failed), self);
  pd_maintenance_start (self->maintenance);
}

static void
pd_application_activate (GApplication *app)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    window = GTK_WINDOW (pd_window_new (PD_APPLICATION (app)));
  gtk_window_present (window);
  start_maintenance (PD_APPLICATION (app));
}

static void
pd_application_shutdown (GApplication *app)
{
  PdApplication *self = PD_APPLICATION (app);

  if (self->maintenance)
    pd_maintenance_stop (self->maintenance);
  g_clear_object (&self->maintenance);
  G_APPLICATION_CLASS (pd_application_parent_class)->shutdown (app);
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

static void
pd_application_class_init (PdApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  app_class->activate = pd_application_activate;
  app_class->startup = pd_application_startup;
  app_class->shutdown = pd_application_shutdown;
  pd_resources_ensure ();
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
