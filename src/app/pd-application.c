/* pd-application.c — the Proofdesk AdwApplication. */
#define G_LOG_DOMAIN "pd-application"

#include "config.h"

#include <glib/gi18n.h>
#include <glib-unix.h>
#include <signal.h>

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
  guint          sigterm_source;
  guint          sigint_source;
  guint          quit_timeout;
};

/* Quitting waits this long at most for recordings to be sealed: the TSA client gives up after
 * PD_TSA_DEFAULT_TIMEOUT per request, and a package it could not stamp is sealed "awaiting
 * timestamp" (the maintenance stamps it later); a capture cut off even so is recovered at the
 * next start. */
#define PD_APPLICATION_SEAL_TIMEOUT 120

G_DEFINE_FINAL_TYPE (PdApplication, pd_application, ADW_TYPE_APPLICATION)

static void remove_quit_handling (PdApplication *self);

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
  /* A sealed view showing this package turns from "awaiting" to timestamped. */
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    if (PD_IS_WINDOW (l->data) && pd_window_get_capture_page (l->data) != NULL)
      pd_capture_page_package_stamped (pd_window_get_capture_page (l->data), path);
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

/* `proofdesk FILE…`, the desktop file's %F, "Open With": verify those files. */
static void
pd_application_open (GApplication *app, GFile **files, int n_files, const char *hint)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    window = GTK_WINDOW (pd_window_new (PD_APPLICATION (app)));
  gtk_window_present (window);
  pd_window_open_files (PD_WINDOW (window), files, (guint) MAX (n_files, 0));
  start_maintenance (PD_APPLICATION (app));
}

static void
pd_application_shutdown (GApplication *app)
{
  PdApplication *self = PD_APPLICATION (app);

  remove_quit_handling (self);
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

/* ---- Quitting never loses a recording ---- */

static gboolean
on_quit_timeout (gpointer user_data)
{
  PdApplication *self = user_data;

  self->quit_timeout = 0;
  g_warning ("Recordings still sealing after %d s; quitting (they are recovered at the next start)",
             PD_APPLICATION_SEAL_TIMEOUT);
  g_application_quit (G_APPLICATION (self));
  return G_SOURCE_REMOVE;
}

/* Quits once every window's recording is sealed; `ask` (Ctrl+Q) asks "Stop and seal / Keep
 * recording", a signal or the end of the session seals at once. */
static void
quit_after_seal (PdApplication *self, gboolean ask)
{
  g_autoptr (GList) busy = NULL;

  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    if (PD_IS_WINDOW (l->data) && pd_window_is_recording (l->data))
      busy = g_list_prepend (busy, l->data);
  if (busy == NULL)
    {
      g_application_quit (G_APPLICATION (self));
      return;
    }
  if (!ask && self->quit_timeout == 0)
    self->quit_timeout = g_timeout_add_seconds (PD_APPLICATION_SEAL_TIMEOUT, on_quit_timeout, self);
  for (GList *l = busy; l != NULL; l = l->next)
    pd_window_close_after_seal (l->data, ask, TRUE);
}

static void
on_quit (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  quit_after_seal (PD_APPLICATION (user_data), TRUE);
}

/* SIGTERM, SIGINT: nobody can answer a question; a second signal while sealing only waits. */
static gboolean
on_unix_signal (gpointer user_data)
{
  g_message ("Asked to quit by a signal: sealing any recording first");
  quit_after_seal (PD_APPLICATION (user_data), FALSE);
  return G_SOURCE_CONTINUE;
}

/* The session ends (the logout inhibit was overruled): seal what is recorded. */
static void
on_query_end (GtkApplication *app, gpointer user_data)
{
  quit_after_seal (PD_APPLICATION (app), FALSE);
}

/* app.retry-stamps: a package was just sealed awaiting its timestamp; retry with back-off. */
static void
on_retry_stamps (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  PdApplication *self = user_data;

  if (self->maintenance != NULL)
    pd_maintenance_start (self->maintenance);
}

static void
install_quit_handling (PdApplication *self)
{
  self->sigterm_source = g_unix_signal_add (SIGTERM, on_unix_signal, self);
  self->sigint_source = g_unix_signal_add (SIGINT, on_unix_signal, self);
  g_signal_connect (self, "query-end", G_CALLBACK (on_query_end), NULL);
}

static void
remove_quit_handling (PdApplication *self)
{
  g_clear_handle_id (&self->sigterm_source, g_source_remove);
  g_clear_handle_id (&self->sigint_source, g_source_remove);
  g_clear_handle_id (&self->quit_timeout, g_source_remove);
}

static void
pd_application_startup (GApplication *app)
{
  static const GActionEntry entries[] = {
    { "about", on_about },
    { "preferences", on_preferences },
    { "quit", on_quit },
    { "retry-stamps", on_retry_stamps },
  };
  const char *quit_accels[] = { "<Control>q", NULL };
  const char *preferences_accels[] = { "<Control>comma", NULL };
  const char *close_accels[] = { "<Control>w", NULL };

  G_APPLICATION_CLASS (pd_application_parent_class)->startup (app);
  g_action_map_add_action_entries (G_ACTION_MAP (app), entries, G_N_ELEMENTS (entries), app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.preferences", preferences_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "window.close", close_accels);
  install_quit_handling (PD_APPLICATION (app));
}

static void
pd_application_class_init (PdApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  app_class->activate = pd_application_activate;
  app_class->open = pd_application_open;
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
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", "/io/github/proofdesk/Proofdesk",
                       /* "query-end" when the session ends while recording */
                       "register-session", TRUE,
                       NULL);
}
