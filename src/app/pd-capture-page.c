/* pd-capture-page.c — the Capture view: choose a source, case and scenario; record with a live
 * preview and checklist; stop, seal and show the package. */
#define G_LOG_DOMAIN "pd-capture-page"

#include "config.h"

#include <glib/gi18n.h>
#include <gst/video/video.h>
#include <string.h>

#include "pd-capture-page-private.h"
#include "pd-resources.h"
#include "pd-capture-source.h"
#include "sources/pd-portal.h"
#include "capture/pd-capture.h"
#include "catalog/pd-catalog.h"
#include "pd-checklist-panel.h"
#include "verify/pd-verify.h"
#include "checklist/pd-checklist.h"
#include "timestamp/pd-tsa.h"
#include "util/pd-util.h"

G_DEFINE_FINAL_TYPE (PdCapturePage, pd_capture_page, GTK_TYPE_WIDGET)

void
pd_capture_page_toast (PdCapturePage *self, const char *text)
{
  /* A toast's title is Pango markup in libadwaita 1.2; the text is plain. */
  g_autofree char *escaped = g_markup_escape_text (text, -1);
  AdwToast *t = adw_toast_new (escaped);

  adw_toast_set_timeout (t, 3);
  adw_toast_overlay_add_toast (self->toast_overlay, t);
}

static void
load_css_once (void)
{
  static gboolean loaded;
  g_autoptr (GtkCssProvider) provider = NULL;

  if (loaded || gdk_display_get_default () == NULL)
    return;
  loaded = TRUE;
  provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (provider, "/io/github/proofdesk/Proofdesk/pd-capture-page.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

/* ---- Free space and the practice authority ---- */

/* The evidence root may not exist yet: ask about its nearest existing ancestor. */
static gboolean
query_free_space (const char *path, guint64 *free_out)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);

  while (file != NULL)
    {
      g_autoptr (GFileInfo) info = g_file_query_filesystem_info (file, G_FILE_ATTRIBUTE_FILESYSTEM_FREE,
                                                                 NULL, NULL);
      GFile *parent;

      if (info != NULL && g_file_info_has_attribute (info, G_FILE_ATTRIBUTE_FILESYSTEM_FREE))
        {
          *free_out = g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_FILESYSTEM_FREE);
          return TRUE;
        }
      parent = g_file_get_parent (file);
      g_object_unref (file);
      file = parent;
    }
  return FALSE;
}

void
pd_capture_page_update_disk (PdCapturePage *self)
{
  g_autofree char *root = pd_config_get_evidence_root ();
  guint64          free_bytes = 0;

  if (!query_free_space (root, &free_bytes))
    {
      gtk_label_set_label (self->disk_label, "");
      gtk_revealer_set_reveal_child (self->disk_revealer, FALSE);
      return;
    }
  {
    g_autofree char *size = g_format_size (free_bytes);
    /* Translators: %s is an amount of disk space such as "120 GB", then a folder. */
    g_autofree char *text = g_strdup_printf (_("%s free in %s"), size, root);

    gtk_label_set_label (self->disk_label, text);
    gtk_widget_set_tooltip_text (GTK_WIDGET (self->disk_label), root);
    if (free_bytes < self->disk_threshold)
      {
        g_autofree char *warning =
          /* Translators: %s is an amount of disk space such as "1.2 GB". */
          g_strdup_printf (_("Only %s left for evidence. A recording stops when the disk is full; free some space or choose another evidence folder in Preferences."),
                           size);

        gtk_label_set_label (self->disk_warning_label, warning);
      }
    gtk_revealer_set_reveal_child (self->disk_revealer, free_bytes < self->disk_threshold);
  }
}

static gboolean
on_disk_timeout (gpointer user_data)
{
  pd_capture_page_update_disk (user_data);
  return G_SOURCE_CONTINUE;
}


static void
on_settings_changed (PdCapturePage *self, const char *key, GSettings *settings)
{
  if (g_strcmp0 (key, "tsa-url") == 0)
    pd_capture_page_update_practice (self);
  else if (g_strcmp0 (key, "evidence-root") == 0)
    pd_capture_page_update_disk (self);
}

/* ---- Sources ---- */

static void
on_source_toggled (GtkCheckButton *check, PdCapturePage *self)
{
  PdCaptureSource *source = g_object_get_data (G_OBJECT (check), "pd-source");

  if (!gtk_check_button_get_active (check))
    return;
  g_set_object (&self->source, source);
  if (self->region_entry != NULL)
    gtk_widget_set_sensitive (GTK_WIDGET (self->region_entry), pd_capture_source_get_needs_region (source));
}

static void
on_region_changed (GtkEditable *editable, PdCapturePage *self)
{
  g_autoptr (PdSourceSpec) spec = pd_source_spec_parse ("x11", NULL);
  const char *text = gtk_editable_get_text (editable);

  if (text[0] == '\0' || (spec != NULL && pd_source_spec_set_region (spec, text, NULL)))
    gtk_widget_remove_css_class (GTK_WIDGET (editable), "error");
  else
    gtk_widget_add_css_class (GTK_WIDGET (editable), "error");
}

static GtkWidget *
create_source_row (gpointer item, gpointer user_data)
{
  PdCapturePage   *self = user_data;
  PdCaptureSource *source = item;
  GtkWidget       *row = adw_action_row_new ();
  GtkWidget       *check = gtk_check_button_new ();
  GtkWidget       *first = gtk_list_box_get_row_at_index (self->source_list, 0) != NULL
                           ? g_object_get_data (G_OBJECT (gtk_list_box_get_row_at_index (self->source_list, 0)), "pd-check")
                           : NULL;

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), pd_capture_source_get_title (source));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), pd_capture_source_get_subtitle (source));
  if (pd_capture_source_get_icon_name (source) != NULL)
    adw_action_row_set_icon_name (ADW_ACTION_ROW (row), pd_capture_source_get_icon_name (source));
  /* A phone that has not allowed USB debugging yet: the subtitle says what to do. */
  if (!pd_capture_source_get_available (source))
    gtk_widget_set_sensitive (check, FALSE);
  gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
  if (first != NULL)
    gtk_check_button_set_group (GTK_CHECK_BUTTON (check), GTK_CHECK_BUTTON (first));
  g_object_set_data_full (G_OBJECT (check), "pd-source", g_object_ref (source), g_object_unref);
  g_signal_connect (check, "toggled", G_CALLBACK (on_source_toggled), self);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
  g_object_set_data (G_OBJECT (row), "pd-check", check);

  if (pd_capture_source_get_needs_region (source))
    {
      GtkWidget *entry = gtk_entry_new ();

      /* Translators: the format of a screen region; keep the letters, they are a hint. */
      gtk_entry_set_placeholder_text (GTK_ENTRY (entry), _("x,y,width,height"));
      gtk_editable_set_width_chars (GTK_EDITABLE (entry), 16);
      gtk_widget_set_valign (entry, GTK_ALIGN_CENTER);
      gtk_widget_set_sensitive (entry, FALSE);
      gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _("Screen region"), -1);
      g_signal_connect (entry, "changed", G_CALLBACK (on_region_changed), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), entry);
      self->region_entry = GTK_EDITABLE (entry);
    }
  if (first == NULL)
    gtk_check_button_set_active (GTK_CHECK_BUTTON (check), TRUE);
  return row;
}

gboolean
pd_capture_page_select_source (PdCapturePage *self, const char *source_id, const char *region)
{
  g_return_val_if_fail (PD_IS_CAPTURE_PAGE (self), FALSE);
  g_return_val_if_fail (source_id != NULL, FALSE);

  for (int i = 0;; i++)
    {
      GtkListBoxRow   *row = gtk_list_box_get_row_at_index (self->source_list, i);
      GtkCheckButton  *check;
      PdCaptureSource *source;

      if (row == NULL)
        return FALSE;
      check = g_object_get_data (G_OBJECT (row), "pd-check");
      source = g_object_get_data (G_OBJECT (check), "pd-source");
      if (g_strcmp0 (pd_capture_source_get_id (source), source_id) != 0)
        continue;
      gtk_check_button_set_active (check, TRUE);
      if (region != NULL && self->region_entry != NULL && pd_capture_source_get_needs_region (source))
        gtk_editable_set_text (self->region_entry, region);
      return TRUE;
    }
}

/* Phones and video devices come and go (PdCaptureSource's list is live); a phone whose state
 * changes is replaced by a new entry with the same id: keep it chosen. */
static void
on_sources_changed (PdCapturePage *self)
{
  g_autofree char *id = NULL;

  if (self->source == NULL)
    return;
  id = g_strdup (pd_capture_source_get_id (self->source));
  if (!pd_capture_page_select_source (self, id, NULL))
    g_clear_object (&self->source);
}

/* ---- Cases ---- */

static void
load_cases (PdCapturePage *self)
{
  g_auto (GStrv) names = NULL;
  g_autoptr (GError) error = NULL;

  if (self->catalog == NULL)
    return;
  names = pd_catalog_list_cases (self->catalog, &error);
  if (names == NULL)
    {
      g_message ("Cannot list cases: %s", error->message);
      return;
    }
  gtk_string_list_splice (self->case_model, 0,
                          g_list_model_get_n_items (G_LIST_MODEL (self->case_model)),
                          (const char * const *) names);
}

static guint
find_case (PdCapturePage *self, const char *name)
{
  GListModel *model = G_LIST_MODEL (self->case_model);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    if (g_strcmp0 (gtk_string_list_get_string (self->case_model, i), name) == 0)
      return i;
  return GTK_INVALID_LIST_POSITION;
}

/* Adds a case (to the catalog when there is one, otherwise only to this session's list). */
static gboolean
add_case (PdCapturePage *self, const char *name, const char *parties, const char *dispute_type,
          GError **error)
{
  guint position;

  if (self->catalog != NULL
      && pd_catalog_ensure_case (self->catalog, name, parties, dispute_type, error) < 0)
    return FALSE;
  position = find_case (self, name);
  if (position == GTK_INVALID_LIST_POSITION)
    {
      gtk_string_list_append (self->case_model, name);
      position = g_list_model_get_n_items (G_LIST_MODEL (self->case_model)) - 1;
    }
  adw_combo_row_set_selected (self->case_row, position);
  return TRUE;
}

void
pd_capture_page_select_case (PdCapturePage *self, const char *case_name)
{
  g_autoptr (GError) error = NULL;

  g_return_if_fail (PD_IS_CAPTURE_PAGE (self));
  g_return_if_fail (case_name != NULL);

  if (!add_case (self, case_name, NULL, NULL, &error))
    pd_capture_page_toast (self, error->message);
}

static void
on_case_name_changed (PdCapturePage *self, GtkEditable *editable)
{
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (editable)));

  gtk_widget_set_sensitive (GTK_WIDGET (self->create_case_button), name[0] != '\0');
}

static void
on_create_case (PdCapturePage *self)
{
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->case_name_row))));
  g_autofree char *parties = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->case_parties_row))));
  g_autofree char *type = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->case_type_row))));
  g_autoptr (GError) error = NULL;

  if (name[0] == '\0')
    return;
  if (!add_case (self, name, parties[0] ? parties : NULL, type[0] ? type : NULL, &error))
    {
      pd_capture_page_toast (self, error->message);
      return;
    }
  gtk_editable_set_text (GTK_EDITABLE (self->case_name_row), "");
  gtk_editable_set_text (GTK_EDITABLE (self->case_parties_row), "");
  gtk_popover_popdown (self->new_case_popover);
}

char *
pd_capture_page_selected_case (PdCapturePage *self)
{
  guint position = adw_combo_row_get_selected (self->case_row);

  if (position == GTK_INVALID_LIST_POSITION)
    return NULL;
  return g_strdup (gtk_string_list_get_string (self->case_model, position));
}

static void
update_case_subtitle (PdCapturePage *self)
{
  if (g_list_model_get_n_items (G_LIST_MODEL (self->case_model)) == 0)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (self->case_row),
                                 _("No cases yet. Create one, or the recording is filed as “unfiled”."));
  else
    adw_action_row_set_subtitle (ADW_ACTION_ROW (self->case_row),
                                 _("The folder and catalog entry the recording is filed under"));
}

/* ---- Scenarios ---- */

static char *
scenario_title (PdChecklist *checklist)
{
  return g_strdup (checklist != NULL ? pd_checklist_get_display_title (checklist) : "");
}

PdChecklist *
pd_capture_page_selected_scenario (PdCapturePage *self)
{
  return adw_combo_row_get_selected_item (self->scenario_row);
}

static void
on_scenario_selected (PdCapturePage *self)
{
  PdChecklist *checklist = pd_capture_page_selected_scenario (self);

  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->scenario_row),
                               checklist ? pd_checklist_get_display_description (checklist) : "");
  if (self->state == PAGE_IDLE || self->state == PAGE_RESULT)
    pd_checklist_panel_set_checklist (self->checklist_panel, checklist);
}

static void
load_scenarios (PdCapturePage *self)
{
  g_autoptr (GPtrArray) list = NULL;
  g_autoptr (GError) error = NULL;

  list = pd_checklist_list_scenarios (NULL, &error);
  if (list == NULL)
    {
      g_message ("No checklist templates: %s", error->message);
      return;
    }
  g_list_store_splice (self->scenarios, 0, g_list_model_get_n_items (G_LIST_MODEL (self->scenarios)),
                       list->pdata, list->len);
}

gboolean
pd_capture_page_select_scenario (PdCapturePage *self, const char *scenario_id)
{
  GListModel *model;

  g_return_val_if_fail (PD_IS_CAPTURE_PAGE (self), FALSE);

  model = G_LIST_MODEL (self->scenarios);
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr (PdChecklist) checklist = g_list_model_get_item (model, i);

      if (g_strcmp0 (pd_checklist_get_id (checklist), scenario_id) == 0)
        {
          adw_combo_row_set_selected (self->scenario_row, i);
          return TRUE;
        }
    }
  return FALSE;
}

/* ---- State ---- */

void
pd_capture_page_update_state (PdCapturePage *self)
{
  GtkWidget *button = GTK_WIDGET (self->record_button);
  gboolean   recording = self->state == PAGE_RECORDING;
  gboolean   sealing = self->state == PAGE_SEALING;

  switch (self->state)
    {
    case PAGE_IDLE:
      gtk_stack_set_visible_child_name (self->main_stack, "setup");
      break;
    case PAGE_RECORDING:
    case PAGE_SEALING:
      gtk_stack_set_visible_child_name (self->main_stack, "preview");
      break;
    case PAGE_RESULT:
      gtk_stack_set_visible_child_name (self->main_stack, "result");
      pd_capture_page_stop_preview (self);
      break;
    }
  if (!recording && !sealing)
    pd_capture_page_stop_preview (self);

  gtk_label_set_label (self->record_label, sealing ? _("Sealing…") : recording ? _("Stop") : _("Record"));
  gtk_stack_set_visible_child_name (self->record_icon_stack, sealing ? "spinner" : "icon");
  gtk_spinner_set_spinning (self->record_spinner, sealing);
  gtk_image_set_from_icon_name (GTK_IMAGE (gtk_stack_get_child_by_name (self->record_icon_stack, "icon")),
                                recording ? "media-playback-stop-symbolic" : "media-record-symbolic");
  if (recording || sealing)
    {
      gtk_widget_remove_css_class (button, "suggested-action");
      gtk_widget_add_css_class (button, "destructive-action");
    }
  else
    {
      gtk_widget_remove_css_class (button, "destructive-action");
      gtk_widget_add_css_class (button, "suggested-action");
    }
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "capture.record-toggle", !sealing);
  g_simple_action_set_enabled (self->record_action, !sealing);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "capture.open-folder", self->package != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "capture.copy-digest", self->digest != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "capture.new-recording", self->state == PAGE_RESULT);
  pd_capture_page_update_status (self);
  pd_capture_page_update_inhibit (self);
}

/* ---- Actions ---- */

static void
action_record_toggle (GtkWidget *widget, const char *action_name, GVariant *param)
{
  pd_capture_page_record_toggle (PD_CAPTURE_PAGE (widget));
}

static void
action_open_folder (GtkWidget *widget, const char *action_name, GVariant *param)
{
  PdCapturePage *self = PD_CAPTURE_PAGE (widget);
  g_autoptr (GFile) folder = NULL;
  g_autofree char *uri = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GdkAppLaunchContext) context = NULL;

  if (self->package == NULL)
    return;
  folder = g_file_new_for_path (pd_package_get_path (self->package));
  uri = g_file_get_uri (folder);
  context = gdk_display_get_app_launch_context (gtk_widget_get_display (widget));
  if (!g_app_info_launch_default_for_uri (uri, G_APP_LAUNCH_CONTEXT (context), &error))
    pd_capture_page_toast (self, error->message);
}

static void
action_copy_digest (GtkWidget *widget, const char *action_name, GVariant *param)
{
  PdCapturePage *self = PD_CAPTURE_PAGE (widget);

  if (self->digest == NULL)
    return;
  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), self->digest);
  pd_capture_page_toast (self, _("SHA-256 copied"));
}

static void
action_new_recording (GtkWidget *widget, const char *action_name, GVariant *param)
{
  PdCapturePage *self = PD_CAPTURE_PAGE (widget);
  PdChecklist   *checklist = pd_capture_page_selected_scenario (self);

  if (self->state != PAGE_RESULT)
    return;
  if (checklist != NULL)
    pd_checklist_reset (checklist);
  pd_checklist_panel_set_checklist (self->checklist_panel, checklist);
  gtk_picture_set_paintable (self->preview, NULL);
  self->state = PAGE_IDLE;
  pd_capture_page_update_state (self);
}

static void
action_undo_mark (GtkWidget *widget, const char *action_name, GVariant *param)
{
  PdCapturePage *self = PD_CAPTURE_PAGE (widget);
  g_autoptr (GError) error = NULL;

  if (!pd_checklist_panel_undo (self->checklist_panel, g_variant_get_uint32 (param), &error))
    pd_capture_page_toast (self, error->message);
}

static gboolean
on_record_shortcut (GtkWidget *widget, GVariant *args, gpointer user_data)
{
  PdCapturePage *self = PD_CAPTURE_PAGE (widget);

  if (self->state == PAGE_SEALING || (self->state != PAGE_RECORDING && !gtk_widget_get_mapped (widget)))
    return FALSE;
  pd_capture_page_record_toggle (self);
  return TRUE;
}

/* ---- Object ---- */

static void
on_orphan_stopped (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PdPackage) package = pd_capture_stop_finish (PD_CAPTURE (source), result, &error);

  if (package == NULL)
    g_message ("Recording stopped when its page closed: %s", error->message);
  g_object_unref (source);
}

static void
pd_capture_page_dispose (GObject *object)
{
  PdCapturePage *self = PD_CAPTURE_PAGE (object);

  /* Never lose a recording: a page closed while recording still seals it. */
  if (self->capture != NULL && self->state == PAGE_RECORDING)
    {
      JsonObject *summary = NULL;
      PdChecklist *checklist = pd_checklist_panel_get_checklist (self->checklist_panel);

      if (checklist != NULL)
        {
          summary = pd_checklist_build_summary (checklist, PD_CHECKLIST_DECISION_CLOSED);
          pd_capture_set_checklist_summary (self->capture, summary);
          json_object_unref (summary);
        }
      g_signal_handlers_disconnect_by_data (self->capture, self);
      pd_capture_stop_async (self->capture, NULL, on_orphan_stopped, g_object_ref (self->capture));
    }
  if (self->stop_dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (self->stop_dialog));
  if (self->mark_toast != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->mark_toast), (gpointer *) &self->mark_toast);
  self->mark_toast = NULL;
  pd_capture_page_stop_preview (self);
  g_clear_handle_id (&self->disk_timeout, g_source_remove);
  pd_capture_page_seal_dispose (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), PD_TYPE_CAPTURE_PAGE);
  /* The template's top box is a direct child that is not bound: unparent what is left. */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL;)
    gtk_widget_unparent (child);
  g_clear_object (&self->capture);
  g_clear_object (&self->portal);
  g_clear_object (&self->package);
  g_clear_object (&self->source);
  g_clear_object (&self->sources);
  g_clear_object (&self->record_action);
  g_clear_object (&self->scenarios);
  g_clear_object (&self->settings);
  g_clear_object (&self->catalog);
  g_clear_pointer (&self->warning_rows, g_ptr_array_unref);

  G_OBJECT_CLASS (pd_capture_page_parent_class)->dispose (object);
}

static void
pd_capture_page_finalize (GObject *object)
{
  PdCapturePage *self = PD_CAPTURE_PAGE (object);

  g_free (self->digest);
  g_free (self->decision);
  g_free (self->last_checkpoint_text);
  G_OBJECT_CLASS (pd_capture_page_parent_class)->finalize (object);
}

static void
pd_capture_page_map (GtkWidget *widget)
{
  PdCapturePage *self = PD_CAPTURE_PAGE (widget);

  GTK_WIDGET_CLASS (pd_capture_page_parent_class)->map (widget);
  pd_capture_page_update_practice (self);
  pd_capture_page_update_disk (self);
  if (self->disk_timeout == 0)
    self->disk_timeout = g_timeout_add_seconds (5, on_disk_timeout, self);
}

static void
pd_capture_page_unmap (GtkWidget *widget)
{
  PdCapturePage *self = PD_CAPTURE_PAGE (widget);

  /* While recording the disk keeps filling: keep watching it. */
  if (self->state != PAGE_RECORDING)
    g_clear_handle_id (&self->disk_timeout, g_source_remove);
  GTK_WIDGET_CLASS (pd_capture_page_parent_class)->unmap (widget);
}

/* win.record-toggle: the window's menus, shortcuts window and accels can name it. */
static void
on_record_action (GSimpleAction *action, GVariant *param, PdCapturePage *self)
{
  pd_capture_page_record_toggle (self);
}

static void
pd_capture_page_root (GtkWidget *widget)
{
  PdCapturePage *self = PD_CAPTURE_PAGE (widget);
  GtkRoot       *root;

  GTK_WIDGET_CLASS (pd_capture_page_parent_class)->root (widget);
  root = gtk_widget_get_root (widget);
  if (G_IS_ACTION_MAP (root) && g_action_map_lookup_action (G_ACTION_MAP (root), "record-toggle") == NULL)
    {
      self->exported_to = G_ACTION_MAP (root);
      g_action_map_add_action (self->exported_to, G_ACTION (self->record_action));
    }
  pd_capture_page_update_inhibit (self);
}

static void
pd_capture_page_unroot (GtkWidget *widget)
{
  PdCapturePage *self = PD_CAPTURE_PAGE (widget);

  if (self->exported_to != NULL)
    g_action_map_remove_action (self->exported_to, "record-toggle");
  self->exported_to = NULL;
  pd_capture_page_update_inhibit (self);
  GTK_WIDGET_CLASS (pd_capture_page_parent_class)->unroot (widget);
}

static void
pd_capture_page_class_init (PdCapturePageClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pd_capture_page_dispose;
  object_class->finalize = pd_capture_page_finalize;
  widget_class->map = pd_capture_page_map;
  widget_class->unmap = pd_capture_page_unmap;
  widget_class->root = pd_capture_page_root;
  widget_class->unroot = pd_capture_page_unroot;

  /* PdCapturePage::sealed: the recording is sealed (the result is on the page). */
  g_signal_new ("sealed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                G_TYPE_NONE, 0);

  g_type_ensure (PD_TYPE_CHECKLIST_PANEL);
  pd_resources_ensure ();
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/proofdesk/Proofdesk/pd-capture-page.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "pd-capture-page");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, PdCapturePage, name)
  BIND (toast_overlay);
  BIND (practice_revealer);
  BIND (disk_revealer);
  BIND (disk_warning_label);
  BIND (main_stack);
  BIND (source_list);
  BIND (case_row);
  BIND (case_model);
  BIND (new_case_popover);
  BIND (case_name_row);
  BIND (case_parties_row);
  BIND (case_type_row);
  BIND (create_case_button);
  BIND (scenario_row);
  BIND (preview);
  BIND (rec_label);
  BIND (elapsed_label);
  BIND (size_label);
  BIND (checkpoint_label);
  BIND (disk_label);
  BIND (record_button);
  BIND (record_label);
  BIND (record_icon_stack);
  BIND (record_spinner);
  BIND (result_icon);
  BIND (result_title);
  BIND (result_description);
  BIND (result_folder_row);
  BIND (result_sha_row);
  BIND (result_stamp_row);
  BIND (result_checklist_row);
  BIND (result_check_row);
  BIND (warnings_group);
  BIND (checklist_panel);
#undef BIND
  gtk_widget_class_bind_template_callback (widget_class, on_case_name_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_create_case);

  gtk_widget_class_install_action (widget_class, "capture.record-toggle", NULL, action_record_toggle);
  gtk_widget_class_install_action (widget_class, "capture.open-folder", NULL, action_open_folder);
  gtk_widget_class_install_action (widget_class, "capture.copy-digest", NULL, action_copy_digest);
  gtk_widget_class_install_action (widget_class, "capture.new-recording", NULL, action_new_recording);
  gtk_widget_class_install_action (widget_class, "capture.undo-mark", "u", action_undo_mark);
}

static void
pd_capture_page_init (PdCapturePage *self)
{
  GSettingsSchemaSource *schemas = g_settings_schema_source_get_default ();
  g_autoptr (GSettingsSchema) schema = schemas ? g_settings_schema_source_lookup (schemas, APP_ID, TRUE) : NULL;
  g_autoptr (GError) error = NULL;
  GtkEventController *shortcuts;

  gtk_widget_init_template (GTK_WIDGET (self));
  load_css_once ();

  self->disk_threshold = PD_CAPTURE_PAGE_LOW_DISK_BYTES;
  self->stamp_icon = GTK_IMAGE (gtk_image_new ());
  adw_action_row_add_prefix (self->result_stamp_row, GTK_WIDGET (self->stamp_icon));
  self->warning_rows = g_ptr_array_new ();
  self->record_action = g_simple_action_new ("record-toggle", NULL);
  g_signal_connect_object (self->record_action, "activate", G_CALLBACK (on_record_action), self, 0);
  if (schema != NULL)
    {
      self->settings = g_settings_new (APP_ID);
      g_signal_connect_object (self->settings, "changed", G_CALLBACK (on_settings_changed), self,
                               G_CONNECT_SWAPPED);
    }

  self->sources = pd_capture_source_list_new ();
  gtk_list_box_bind_model (self->source_list, G_LIST_MODEL (self->sources), create_source_row, self, NULL);
  g_signal_connect_object (self->sources, "items-changed", G_CALLBACK (on_sources_changed), self,
                           G_CONNECT_SWAPPED);

  self->catalog = pd_catalog_open (NULL, &error);
  if (self->catalog == NULL)
    g_message ("The catalog cannot be opened, cases are kept in memory: %s", error->message);
  load_cases (self);
  update_case_subtitle (self);
  g_signal_connect_object (self->case_model, "items-changed", G_CALLBACK (update_case_subtitle), self,
                           G_CONNECT_SWAPPED);

  self->scenarios = g_list_store_new (PD_TYPE_CHECKLIST);
  adw_combo_row_set_expression (self->scenario_row,
                                gtk_cclosure_expression_new (G_TYPE_STRING, NULL, 0, NULL,
                                                             G_CALLBACK (scenario_title), NULL, NULL));
  adw_combo_row_set_model (self->scenario_row, G_LIST_MODEL (self->scenarios));
  g_signal_connect_object (self->scenario_row, "notify::selected-item", G_CALLBACK (on_scenario_selected),
                           self, G_CONNECT_SWAPPED);
  load_scenarios (self);
  on_scenario_selected (self);

  g_signal_connect_object (self->checklist_panel, "marked", G_CALLBACK (pd_capture_page_on_marked), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->checklist_panel, "unmarked", G_CALLBACK (pd_capture_page_on_unmarked), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->checklist_panel, "mark-failed", G_CALLBACK (pd_capture_page_on_mark_failed), self,
                           G_CONNECT_SWAPPED);

  /* Ctrl+R anywhere in the window; the handler refuses to start while the page is hidden. */
  shortcuts = gtk_shortcut_controller_new ();
  gtk_shortcut_controller_set_scope (GTK_SHORTCUT_CONTROLLER (shortcuts), GTK_SHORTCUT_SCOPE_MANAGED);
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_r, GDK_CONTROL_MASK),
                                                          gtk_callback_action_new (on_record_shortcut, NULL, NULL)));
  gtk_widget_add_controller (GTK_WIDGET (self), shortcuts);

  pd_capture_page_seal_init (self);
  self->state = PAGE_IDLE;
  pd_capture_page_update_state (self);
  pd_capture_page_update_practice (self);
}

GtkWidget *
pd_capture_page_new (void)
{
  return g_object_new (PD_TYPE_CAPTURE_PAGE, NULL);
}

gboolean
pd_capture_page_is_recording (PdCapturePage *self)
{
  g_return_val_if_fail (PD_IS_CAPTURE_PAGE (self), FALSE);
  return self->state == PAGE_RECORDING;
}

gboolean
pd_capture_page_is_busy (PdCapturePage *self)
{
  g_return_val_if_fail (PD_IS_CAPTURE_PAGE (self), FALSE);
  return self->state == PAGE_RECORDING || self->state == PAGE_SEALING;
}

void
pd_capture_page_stop_and_seal (PdCapturePage *self)
{
  PdChecklist *checklist;
  g_autoptr (GPtrArray) missing = NULL;

  g_return_if_fail (PD_IS_CAPTURE_PAGE (self));
  if (self->state != PAGE_RECORDING)
    return;
  checklist = pd_checklist_panel_get_checklist (self->checklist_panel);
  missing = checklist ? pd_checklist_missing_required (checklist) : NULL;
  /* The "required items missing" question is answered by closing. */
  if (self->stop_dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (self->stop_dialog));
  pd_capture_page_stop_recording (self, missing != NULL && missing->len > 0 ? PD_CAPTURE_PAGE_DECISION_CLOSED
                                                                            : PD_CHECKLIST_DECISION_COMPLETE);
}

PdPackage *
pd_capture_page_get_package (PdCapturePage *self)
{
  g_return_val_if_fail (PD_IS_CAPTURE_PAGE (self), NULL);
  return self->package;
}

void
pd_capture_page_set_low_disk_threshold (PdCapturePage *self, guint64 bytes)
{
  g_return_if_fail (PD_IS_CAPTURE_PAGE (self));
  self->disk_threshold = bytes;
  pd_capture_page_update_disk (self);
}
