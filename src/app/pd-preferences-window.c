/* pd-preferences-window.c — Preferences: operator, evidence folder, checkpoints, quality, TSA. */
#define G_LOG_DOMAIN "pd-preferences-window"

#include "config.h"

#include <glib/gi18n.h>

#include "pd-preferences-window.h"
#include "pd-resources.h"
#include "timestamp/pd-tsa.h"
#include "util/pd-util.h"

/* The rows of tsa_combo, in order: practice, public RFC 3161 services, custom. */
static const char *const tsa_presets[] = {
  "",
  "https://freetsa.org/tsr",
  "http://timestamp.digicert.com",
  "http://timestamp.sectigo.com",
  "http://timestamp.globalsign.com/tsa/r6advanced1",
};
#define TSA_PRACTICE 0
#define TSA_CUSTOM   G_N_ELEMENTS (tsa_presets)

static const char *const video_qualities[] = { "standard", "high" };

struct _PdPreferencesWindow
{
  AdwPreferencesWindow parent_instance;

  /* Template widgets */
  AdwEntryRow          *operator_row;
  AdwEntryRow          *operator_id_row;
  AdwActionRow         *evidence_root_row;
  GtkButton            *evidence_root_reset;
  GtkSpinButton        *interval_spin;
  AdwComboRow          *quality_row;
  AdwComboRow          *tsa_combo;
  AdwEntryRow          *tsa_url_row;
  AdwActionRow         *tsa_ca_row;
  GtkButton            *tsa_ca_reset;
  AdwActionRow         *test_row;
  GtkSpinner           *test_spinner;
  GtkButton            *test_button;

  /* Owned references */
  GSettings            *settings;
  GtkFileChooserNative *chooser;
  PdTsaClient          *test_client;
  GCancellable         *test_cancellable;

  gboolean              custom_tsa;  /* "Custom Address" chosen: keep it while the URL is edited */
  gboolean              syncing;     /* tsa_combo is being set from the settings */
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

static guint
tsa_index_for_url (const char *url)
{
  if (url[0] == '\0' || g_str_equal (url, PD_TSA_LOCAL))
    return TSA_PRACTICE;
  for (guint i = 1; i < G_N_ELEMENTS (tsa_presets); i++)
    if (g_str_equal (url, tsa_presets[i]))
      return i;
  return TSA_CUSTOM;
}

/* Shows the authority in tsa_combo; address and certificate rows only for a custom one. */
static void
update_tsa (PdPreferencesWindow *self)
{
  g_autofree char *url = g_settings_get_string (self->settings, "tsa-url");
  g_autofree char *ca = g_settings_get_string (self->settings, "tsa-ca-file");
  guint            index = self->custom_tsa ? TSA_CUSTOM : tsa_index_for_url (url);

  self->custom_tsa = index == TSA_CUSTOM;
  self->syncing = TRUE;
  adw_combo_row_set_selected (self->tsa_combo, index);
  self->syncing = FALSE;
  if (index == TSA_PRACTICE)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (self->tsa_combo),
                                 _("Built into Proofdesk, for training"));
  else if (index == TSA_CUSTOM)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (self->tsa_combo), "");
  else
    adw_action_row_set_subtitle (ADW_ACTION_ROW (self->tsa_combo), tsa_presets[index]);
  gtk_widget_set_visible (GTK_WIDGET (self->tsa_url_row), index == TSA_CUSTOM);
  gtk_widget_set_visible (GTK_WIDGET (self->tsa_ca_row), index == TSA_CUSTOM);
  adw_action_row_set_subtitle (self->tsa_ca_row, ca[0] != '\0' ? ca : _("System certificates"));
  gtk_widget_set_visible (GTK_WIDGET (self->tsa_ca_reset), ca[0] != '\0');
}

static void
on_tsa_combo_selected (PdPreferencesWindow *self, GParamSpec *pspec, AdwComboRow *row)
{
  guint index = adw_combo_row_get_selected (row);

  if (self->syncing || index == GTK_INVALID_LIST_POSITION)
    return;
  self->custom_tsa = index == TSA_CUSTOM;
  if (index < G_N_ELEMENTS (tsa_presets))
    g_settings_set_string (self->settings, "tsa-url", tsa_presets[index]);
  update_tsa (self);
  if (index == TSA_CUSTOM)
    gtk_widget_grab_focus (GTK_WIDGET (self->tsa_url_row));
}

static void
on_settings_changed (PdPreferencesWindow *self, const char *key, GSettings *settings)
{
  if (g_strcmp0 (key, "evidence-root") == 0)
    update_evidence_root (self);
  else if (g_strcmp0 (key, "tsa-url") == 0 || g_strcmp0 (key, "tsa-ca-file") == 0)
    update_tsa (self);
}

static gboolean
quality_get_mapping (GValue *value, GVariant *variant, gpointer user_data)
{
  const char *quality = g_variant_get_string (variant, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (video_qualities); i++)
    if (g_str_equal (quality, video_qualities[i]))
      {
        g_value_set_uint (value, i);
        return TRUE;
      }
  return FALSE;
}

static GVariant *
quality_set_mapping (const GValue *value, const GVariantType *type, gpointer user_data)
{
  guint index = g_value_get_uint (value);

  if (index >= G_N_ELEMENTS (video_qualities))
    return NULL;
  return g_variant_new_string (video_qualities[index]);
}

/* ---- Authority certificate ---- */

static void
on_tsa_ca_reset (PdPreferencesWindow *self, GtkButton *button)
{
  g_settings_reset (self->settings, "tsa-ca-file");
}

static void
on_ca_chooser_response (PdPreferencesWindow *self, int response, GtkNativeDialog *dialog)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;

      if (path != NULL)
        g_settings_set_string (self->settings, "tsa-ca-file", path);
    }
  g_clear_object (&self->chooser);
}

static void
on_tsa_ca_choose (PdPreferencesWindow *self, GtkButton *button)
{
  g_autoptr (GtkFileFilter) filter = gtk_file_filter_new ();

  if (self->chooser != NULL)
    return;
  self->chooser = gtk_file_chooser_native_new (_("Authority Certificate"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_OPEN,
                                               _("_Select"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  gtk_file_filter_set_name (filter, _("PEM Certificates"));
  gtk_file_filter_add_pattern (filter, "*.pem");
  gtk_file_filter_add_pattern (filter, "*.crt");
  gtk_file_filter_add_pattern (filter, "*.cer");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  g_signal_connect_object (self->chooser, "response", G_CALLBACK (on_ca_chooser_response), self,
                           G_CONNECT_SWAPPED);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

/* ---- Test Connection ---- */

static void
test_finished (PdPreferencesWindow *self, const char *subtitle, gboolean ok)
{
  adw_action_row_set_subtitle (self->test_row, subtitle);
  gtk_widget_remove_css_class (GTK_WIDGET (self->test_row), ok ? "error" : "success");
  gtk_widget_add_css_class (GTK_WIDGET (self->test_row), ok ? "success" : "error");
  gtk_spinner_stop (self->test_spinner);
  gtk_widget_set_sensitive (GTK_WIDGET (self->test_button), TRUE);
  g_clear_object (&self->test_client);
  g_clear_object (&self->test_cancellable);
}

static void
on_test_stamped (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (PdPreferencesWindow) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (PdTsaToken) token = pd_tsa_client_stamp_finish (PD_TSA_CLIENT (source), result, &error);
  g_autoptr (GDateTime) local = NULL;
  g_autofree char *when = NULL;
  g_autofree char *text = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (token == NULL)
    {
      test_finished (self, error->message, FALSE);
      return;
    }
  local = g_date_time_to_local (pd_tsa_token_get_gen_time (token));
  when = g_date_time_format (local, "%Y-%m-%d %H:%M:%S");
  /* Translators: the answer of a test timestamp: authority name, its time, and how far this
   * computer's clock is from it, e.g. "… · 2026-05-01 10:00:00 · clock difference +0.120 s". */
  text = g_strdup_printf (_("%s · %s · clock difference %+.3f s"), pd_tsa_token_get_tsa_name (token),
                          when, pd_tsa_token_get_clock_skew (token) / 1e6);
  if (pd_tsa_token_is_practice (token))
    {
      g_autofree char *practice = g_strdup_printf ("%s\n%s", text, _("Practice authority: not for court"));
      test_finished (self, practice, TRUE);
    }
  else
    test_finished (self, text, TRUE);
}

static void
on_test_clicked (PdPreferencesWindow *self, GtkButton *button)
{
  g_autofree char *url = g_settings_get_string (self->settings, "tsa-url");
  g_autoptr (GError) error = NULL;
  guint8 digest[32];

  if (self->test_client != NULL)
    return;
  self->test_client = pd_tsa_client_new (url[0] != '\0' ? url : PD_TSA_LOCAL, &error);
  if (self->test_client == NULL)
    {
      test_finished (self, error->message, FALSE);
      return;
    }
  /* A random digest: the authority learns nothing, and the answer cannot be a replay. */
  for (guint i = 0; i < sizeof digest; i += 4)
    {
      guint32 r = g_random_int ();
      memcpy (digest + i, &r, 4);
    }
  self->test_cancellable = g_cancellable_new ();
  gtk_widget_remove_css_class (GTK_WIDGET (self->test_row), "success");
  gtk_widget_remove_css_class (GTK_WIDGET (self->test_row), "error");
  adw_action_row_set_subtitle (self->test_row, _("Waiting for the authority…"));
  gtk_spinner_start (self->test_spinner);
  gtk_widget_set_sensitive (GTK_WIDGET (self->test_button), FALSE);
  pd_tsa_client_stamp_async (self->test_client, PD_TSA_DIGEST_SHA256, digest, sizeof digest,
                             self->test_cancellable, on_test_stamped, g_object_ref (self));
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
  if (self->test_cancellable != NULL)
    g_cancellable_cancel (self->test_cancellable);
  g_clear_object (&self->test_cancellable);
  g_clear_object (&self->test_client);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (pd_preferences_window_parent_class)->dispose (object);
}

static void
pd_preferences_window_class_init (PdPreferencesWindowClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pd_preferences_window_dispose;

  pd_resources_ensure ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/proofdesk/Proofdesk/pd-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, PdPreferencesWindow, operator_row);
  gtk_widget_class_bind_template_child (widget_class, PdPreferencesWindow, evidence_root_row);
  gtk_widget_class_bind_template_child (widget_class, PdPreferencesWindow, evidence_root_reset);
  gtk_widget_class_bind_template_child (widget_class, PdPreferencesWindow, interval_spin);
  gtk_widget_class_bind_template_child (widget_class, PdPreferencesWindow, operator_id_row);
  gtk_widget_class_bind_template_child (widget_class, PdPreferencesWindow, quality_row);
  gtk_widget_class_bind_template_child (widget_class, PdPreferencesWindow, tsa_combo);
  gtk_widget_class_bind_template_child (widget_class, PdPreferencesWindow, tsa_url_row);
  gtk_widget_class_bind_template_child (widget_class, PdPreferencesWindow, tsa_ca_row);
  gtk_widget_class_bind_template_child (widget_class, PdPreferencesWindow, tsa_ca_reset);
  gtk_widget_class_bind_template_child (widget_class, PdPreferencesWindow, test_row);
  gtk_widget_class_bind_template_child (widget_class, PdPreferencesWindow, test_spinner);
  gtk_widget_class_bind_template_child (widget_class, PdPreferencesWindow, test_button);
  gtk_widget_class_bind_template_callback (widget_class, on_tsa_ca_reset);
  gtk_widget_class_bind_template_callback (widget_class, on_tsa_ca_choose);
  gtk_widget_class_bind_template_callback (widget_class, on_test_clicked);
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
  g_settings_bind (self->settings, "operator-id", self->operator_id_row, "text", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "tsa-url", self->tsa_url_row, "text", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind_with_mapping (self->settings, "video-quality", self->quality_row, "selected",
                                G_SETTINGS_BIND_DEFAULT, quality_get_mapping, quality_set_mapping,
                                NULL, NULL);
  g_settings_bind (self->settings, "checkpoint-interval",
                   gtk_spin_button_get_adjustment (self->interval_spin), "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_signal_connect_object (self->settings, "changed", G_CALLBACK (on_settings_changed), self,
                           G_CONNECT_SWAPPED);
  {
    /* OCR suggestions on the live checklist (issue 9), beside the other recording settings. */
    GtkWidget *group = gtk_widget_get_ancestor (GTK_WIDGET (self->quality_row), ADW_TYPE_PREFERENCES_GROUP);
    GtkWidget *row = adw_action_row_new ();
    GtkWidget *toggle = gtk_switch_new ();

    adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
    adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Suggest Marks from the Screen"));
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row),
                                 _("Read the text on screen while recording and suggest checklist marks to confirm"));
    gtk_widget_set_valign (toggle, GTK_ALIGN_CENTER);
    adw_action_row_add_suffix (ADW_ACTION_ROW (row), toggle);
    adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), toggle);
    g_settings_bind (self->settings, "ocr-suggestions", toggle, "active", G_SETTINGS_BIND_DEFAULT);
  }
  update_evidence_root (self);
  update_tsa (self);
  g_signal_connect_object (self->tsa_combo, "notify::selected", G_CALLBACK (on_tsa_combo_selected),
                           self, G_CONNECT_SWAPPED);
}

PdPreferencesWindow *
pd_preferences_window_new (GtkWindow *parent)
{
  return g_object_new (PD_TYPE_PREFERENCES_WINDOW,
                       "transient-for", parent,
                       "modal", parent != NULL,
                       NULL);
}
