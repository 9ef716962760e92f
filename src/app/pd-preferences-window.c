/* pd-preferences-window.c — Preferences: operator, evidence folder, checkpoints, TSA. */
#define G_LOG_DOMAIN "pd-preferences-window"

#include "config.h"

#include <glib/gi18n.h>

#include "pd-application.h"
#include "pd-preferences-window.h"
#include "pd-util.h"

struct _PdPreferencesWindow
{
  AdwPreferencesWindow parent_instance;

  /* Template widgets */
  AdwEntryRow          *operator_row;
  AdwActionRow         *evidence_root_row;
  GtkButton            *evidence_root_reset;
  GtkSpinButton        *interval_spin;
  AdwEntryRow          *tsa_url_row;

  /* Owned references */
  GSettings            *settings;
  GtkFileChooserNative *chooser;
};

G_DEFINE_FINAL_TYPE (PdPreferencesWindow, pd_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

static void
update_evidence_root (PdPreferencesWindow *self)
{
  g_autofree char *root = g_settings_get_string (self->settings, "evidence-root");
  g_autofree char *fallback = NULL;
  g_autofree char *subtitle = NULL;

  if (root[0] != '\0')
    {
      adw_action_row_set_subtitle (self->evidence_root_row, root);
      gtk_widget_set_visible (GTK_WIDGET (self->evidence_root_reset), TRUE);
      return;
    }
  fallback = pd_default_evidence_root ();
  /* Translators: %s is a folder path. */
  subtitle = g_strdup_printf (_("Default: %s"), fallback);
  adw_action_row_set_subtitle (self->evidence_root_row, subtitle);
  gtk_widget_set_visible (GTK_WIDGET (self->evidence_root_reset), FALSE);
}

static void
on_settings_changed (PdPreferencesWindow *self, const char *key, GSettings *settings)
{
  if (g_strcmp0 (key, "evidence-root") == 0)
    update_evidence_root (self);
}

static void
on_evidence_root_reset (PdPreferencesWindow *self, GtkButton *button)
{
  g_settings_reset (self->settings, "evidence-root");
}

static void
on_chooser_response (PdPreferencesWindow *self, int response, GtkNativeDialog *dialog)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = folder ? g_file_get_path (folder) : NULL;

      if (path != NULL)
        g_settings_set_string (self->settings, "evidence-root", path);
    }
  g_clear_object (&self->chooser);
}

static void
on_evidence_root_choose (PdPreferencesWindow *self, GtkButton *button)
{
  g_autofree char *root = g_settings_get_string (self->settings, "evidence-root");

  if (self->chooser != NULL)
    return;
  self->chooser = gtk_file_chooser_native_new (_("Evidence Folder"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                               _("_Select"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  if (root[0] != '\0')
    {
      g_autoptr (GFile) current = g_file_new_for_path (root);

      if (g_file_query_exists (current, NULL))
        gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (self->chooser), current, NULL);
    }
  g_signal_connect_object (self->chooser, "response", G_CALLBACK (on_chooser_response), self,
                           G_CONNECT_SWAPPED);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

/* Flags an address that is neither empty (practice authority) nor http(s). */
static void
on_tsa_url_changed (PdPreferencesWindow *self, GtkEditable *editable)
{
  const char      *text = gtk_editable_get_text (editable);
  g_autofree char *scheme = g_uri_parse_scheme (text);
  gboolean         ok;

  ok = text[0] == '\0'
       || (scheme != NULL
           && (g_ascii_strcasecmp (scheme, "http") == 0 || g_ascii_strcasecmp (scheme, "https") == 0)
           && g_uri_is_valid (text, G_URI_FLAGS_NONE, NULL));
  if (ok)
    gtk_widget_remove_css_class (GTK_WIDGET (editable), "error");
  else
    gtk_widget_add_css_class (GTK_WIDGET (editable), "error");
}

static void
pd_preferences_window_dispose (GObject *object)
{
  PdPreferencesWindow *self = PD_PREFERENCES_WINDOW (object);

  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (pd_preferences_window_parent_class)->dispose (object);
}

static void
pd_preferences_window_class_init (PdPreferencesWindowClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pd_preferences_window_dispose;

  pd_application_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/proofdesk/Proofdesk/pd-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, PdPreferencesWindow, operator_row);
  gtk_widget_class_bind_template_child (widget_class, PdPreferencesWindow, evidence_root_row);
  gtk_widget_class_bind_template_child (widget_class, PdPreferencesWindow, evidence_root_reset);
  gtk_widget_class_bind_template_child (widget_class, PdPreferencesWindow, interval_spin);
  gtk_widget_class_bind_template_child (widget_class, PdPreferencesWindow, tsa_url_row);
  gtk_widget_class_bind_template_callback (widget_class, on_evidence_root_reset);
  gtk_widget_class_bind_template_callback (widget_class, on_evidence_root_choose);
  gtk_widget_class_bind_template_callback (widget_class, on_tsa_url_changed);
}

static void
pd_preferences_window_init (PdPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new (APP_ID);
  g_settings_bind (self->settings, "operator", self->operator_row, "text", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "tsa-url", self->tsa_url_row, "text", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "checkpoint-interval",
                   gtk_spin_button_get_adjustment (self->interval_spin), "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_signal_connect_object (self->settings, "changed", G_CALLBACK (on_settings_changed), self,
                           G_CONNECT_SWAPPED);
  update_evidence_root (self);
}

PdPreferencesWindow *
pd_preferences_window_new (GtkWindow *parent)
{
  return g_object_new (PD_TYPE_PREFERENCES_WINDOW,
                       "transient-for", parent,
                       "modal", parent != NULL,
                       NULL);
}
