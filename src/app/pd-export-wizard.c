/* pd-export-wizard.c — the Export wizard: pick recordings and a destination, label, export, read back, report. */
#define G_LOG_DOMAIN "pd-export-wizard"

#include "config.h"

#include <glib/gi18n.h>
#include "pd-resources.h"
#include "pd-export-wizard-private.h"

static const char *const pages[] = { "sessions", "target", "label", "summary", "progress", "report" };

G_DEFINE_FINAL_TYPE (PdExportWizard, pd_export_wizard, ADW_TYPE_WINDOW)

/* ------------------------------------------------------------------------------------------ */
/* Helpers                                                                                    */

static PdCatalogSession *
find_session (PdExportWizard *self, const char *uuid)
{
  for (guint i = 0; i < self->sessions->len; i++)
    {
      PdCatalogSession *s = g_ptr_array_index (self->sessions, i);

      if (g_strcmp0 (pd_catalog_session_get_uuid (s), uuid) == 0)
        return s;
    }
  return NULL;
}

GPtrArray *
pd_export_wizard_selected_sessions (PdExportWizard *self)
{
  GPtrArray *out = g_ptr_array_new ();

  /* Catalog order (newest first), not the order they were ticked. */
  for (guint i = 0; i < self->sessions->len; i++)
    {
      PdCatalogSession *s = g_ptr_array_index (self->sessions, i);

      if (g_hash_table_contains (self->selected, pd_catalog_session_get_uuid (s)))
        g_ptr_array_add (out, s);
    }
  return out;
}

void
pd_export_wizard_set_problem (PdExportWizard *self, const char *problem)
{
  g_free (self->problem);
  self->problem = g_strdup (problem);
}

GtkWidget *
pd_export_wizard_status_icon (const char *icon_name, const char *css_class)
{
  GtkWidget *image = gtk_image_new_from_icon_name (icon_name);

  if (css_class != NULL)
    gtk_widget_add_css_class (image, css_class);
  return image;
}

void
pd_export_wizard_clear_list (GtkListBox *list)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);
}

/* ------------------------------------------------------------------------------------------ */
/* Navigation                                                                                 */

static void
validate (PdExportWizard *self)
{
  const char *page = gtk_stack_get_visible_child_name (self->stack);

  if (g_str_equal (page, "sessions"))
    pd_export_wizard_set_problem (self, g_hash_table_size (self->selected) == 0 ? _("Tick at least one recording.") : NULL);
  else if (g_str_equal (page, "target"))
    pd_export_wizard_set_problem (self, self->target == TARGET_NONE                             ? _("Choose where to export to.")
                       : self->target == TARGET_FOLDER && !self->folder_path ? _("Choose a folder.")
                       : self->target == TARGET_ISO && !self->iso_path       ? _("Choose a name for the image file.")
                                                                             : NULL);
  else if (g_str_equal (page, "label"))
    {
      g_autofree char *label = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->label_row))));

      pd_export_wizard_set_problem (self, *label ? NULL : _("The label must not be empty."));
    }
  else if (!g_str_equal (page, "summary"))
    pd_export_wizard_set_problem (self, NULL);
}

void
pd_export_wizard_update_buttons (PdExportWizard *self)
{
  const char *page = gtk_stack_get_visible_child_name (self->stack);
  const char *subtitle = NULL;
  const char *next = _("_Next");
  guint step = 0;

  if (page == NULL)
    return;
  validate (self);
  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    if (g_str_equal (pages[i], page))
      step = i;
  switch (step)
    {
    case 0:
      subtitle = _("Recordings");
      break;
    case 1:
      subtitle = _("Destination");
      break;
    case 2:
      subtitle = _("Label");
      break;
    case 3:
      subtitle = _("Summary");
      next = _("_Export");
      break;
    case 4:
      subtitle = _("Exporting");
      break;
    default:
      subtitle = _("Report");
      next = _("_Done");
      break;
    }
  adw_window_title_set_subtitle (self->window_title, subtitle);
  gtk_button_set_label (self->next_button, next);
  gtk_widget_set_visible (GTK_WIDGET (self->next_button), step != 4);
  gtk_stack_set_visible_child_name (self->start_stack, step == 0 ? "cancel" : step < 4 ? "back" : "none");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->next_button), self->problem);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "wizard.next", self->problem == NULL && !self->busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "wizard.back", step >= 1 && step <= 3);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "wizard.cancel", self->busy);
}

static void
go_to (PdExportWizard *self, const char *page)
{
  if (g_str_equal (page, "label"))
    pd_export_wizard_enter_label_page (self);
  else if (g_str_equal (page, "summary"))
    pd_export_wizard_update_summary (self);
  gtk_stack_set_visible_child_name (self->stack, page);
  pd_export_wizard_update_buttons (self);
}

static void
on_next (GtkWidget *widget, const char *action_name, GVariant *param)
{
  PdExportWizard *self = PD_EXPORT_WIZARD (widget);
  const char *page = gtk_stack_get_visible_child_name (self->stack);

  validate (self);
  if (self->problem != NULL || self->busy)
    return;
  if (g_str_equal (page, "sessions"))
    go_to (self, "target");
  else if (g_str_equal (page, "target"))
    go_to (self, "label");
  else if (g_str_equal (page, "label"))
    go_to (self, "summary");
  else if (g_str_equal (page, "summary"))
    {
      /* The destination may have changed since the page was shown. */
      pd_export_wizard_update_summary (self);
      if (self->problem == NULL)
        pd_export_wizard_start_export (self);
      else
        pd_export_wizard_update_buttons (self);
    }
  else if (g_str_equal (page, "report"))
    gtk_window_close (GTK_WINDOW (self));
}

static void
on_back (GtkWidget *widget, const char *action_name, GVariant *param)
{
  PdExportWizard *self = PD_EXPORT_WIZARD (widget);
  const char *page = gtk_stack_get_visible_child_name (self->stack);

  if (g_str_equal (page, "target"))
    go_to (self, "sessions");
  else if (g_str_equal (page, "label"))
    go_to (self, "target");
  else if (g_str_equal (page, "summary"))
    go_to (self, "label");
}

static void
on_cancel (GtkWidget *widget, const char *action_name, GVariant *param)
{
  PdExportWizard *self = PD_EXPORT_WIZARD (widget);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
}

static void
on_label_saved (GtkNativeDialog *dialog, int response, PdExportWizard *self)
{
  g_autoptr (GFile) file = NULL;
  g_autofree char *path = NULL;
  g_autoptr (GError) error = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
  if (file != NULL)
    path = g_file_get_path (file);
  g_clear_object (&self->chooser);
  if (path == NULL)
    return;
  if (!pd_export_wizard_save_label (self, path, &error))
    {
      AdwMessageDialog *alert = ADW_MESSAGE_DIALOG (
        adw_message_dialog_new (GTK_WINDOW (self), _("Cannot Save the Disc Label"), error->message));

      adw_message_dialog_add_response (alert, "close", _("_Close"));
      gtk_window_present (GTK_WINDOW (alert));
    }
}

static void
on_save_label (GtkWidget *widget, const char *action_name, GVariant *param)
{
  PdExportWizard *self = PD_EXPORT_WIZARD (widget);
  g_autofree char *path = NULL;
  g_autofree char *name = NULL;
  g_autofree char *dir = NULL;

  if (self->job == NULL || !pd_export_job_can_write_label (self->job))
    return;
  g_clear_object (&self->chooser);
  self->chooser = gtk_file_chooser_native_new (_("Save Disc Label"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  /* As `proofctl export` names it, beside the export: a folder's parent, an image's folder. */
  path = pd_export_job_default_label_path (self->job);
  name = g_path_get_basename (path);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), name);
  dir = g_path_get_dirname (path);
  if (pd_export_job_get_kind (self->job) != PD_EXPORT_TARGET_DISC && g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_autoptr (GFile) folder = g_file_new_for_path (dir);

      gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (self->chooser), folder, NULL);
    }
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  g_signal_connect (self->chooser, "response", G_CALLBACK (on_label_saved), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
on_open_folder (GtkWidget *widget, const char *action_name, GVariant *param)
{
  PdExportWizard *self = PD_EXPORT_WIZARD (widget);
  PdExportResult *result = pd_export_wizard_get_result (self);
  g_autoptr (GFile) file = NULL;
  g_autofree char *uri = NULL;

  if (result == NULL || result->kind == PD_EXPORT_TARGET_DISC)
    return;
  if (result->kind == PD_EXPORT_TARGET_ISO)
    {
      g_autofree char *dir = g_path_get_dirname (result->target);

      file = g_file_new_for_path (dir);
    }
  else
    file = g_file_new_for_path (result->target);
  uri = g_file_get_uri (file);
  gtk_show_uri (GTK_WINDOW (self), uri, GDK_CURRENT_TIME);
}

/* An export is not abandoned by closing the window: Cancel stops it first. */
static gboolean
pd_export_wizard_close_request (GtkWindow *window)
{
  PdExportWizard *self = PD_EXPORT_WIZARD (window);

  if (self->busy)
    return TRUE;
  return GTK_WINDOW_CLASS (pd_export_wizard_parent_class)->close_request (window);
}

/* ------------------------------------------------------------------------------------------ */
/* GObject                                                                                    */

static void
pd_export_wizard_dispose (GObject *object)
{
  PdExportWizard *self = PD_EXPORT_WIZARD (object);

  if (self->scan_cancellable != NULL)
    g_cancellable_cancel (self->scan_cancellable);
  g_clear_object (&self->scan_cancellable);
  if (self->volume_monitor != NULL)
    g_signal_handlers_disconnect_by_data (self->volume_monitor, self);
  g_clear_object (&self->volume_monitor);
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  gtk_widget_dispose_template (GTK_WIDGET (self), PD_TYPE_EXPORT_WIZARD);
  G_OBJECT_CLASS (pd_export_wizard_parent_class)->dispose (object);
}

static void
pd_export_wizard_finalize (GObject *object)
{
  PdExportWizard *self = PD_EXPORT_WIZARD (object);

  g_clear_pointer (&self->sessions, g_ptr_array_unref);
  g_clear_pointer (&self->selected, g_hash_table_unref);
  g_clear_pointer (&self->cases, g_strfreev);
  g_clear_pointer (&self->case_filter, g_free);
  g_clear_pointer (&self->drives, g_ptr_array_unref);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->job);
  g_clear_pointer (&self->folder_path, g_free);
  g_clear_pointer (&self->iso_path, g_free);
  g_clear_pointer (&self->mount_root, g_free);
  g_clear_pointer (&self->drive_address, g_free);
  g_clear_pointer (&self->target_path, g_free);
  g_clear_pointer (&self->composed_label, g_free);
  g_clear_pointer (&self->volume_id, g_free);
  g_clear_pointer (&self->problem, g_free);
  g_clear_pointer (&self->first_capture, g_date_time_unref);
  G_OBJECT_CLASS (pd_export_wizard_parent_class)->finalize (object);
}

static void
pd_export_wizard_class_init (PdExportWizardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = pd_export_wizard_dispose;
  object_class->finalize = pd_export_wizard_finalize;
  window_class->close_request = pd_export_wizard_close_request;

  pd_resources_ensure ();
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/proofdesk/Proofdesk/pd-export-wizard.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, PdExportWizard, name)
  BIND (window_title);
  BIND (start_stack);
  BIND (next_button);
  BIND (stack);
  BIND (case_row);
  BIND (sessions_stack);
  BIND (sessions_list);
  BIND (folder_row);
  BIND (folder_check);
  BIND (folder_button);
  BIND (iso_row);
  BIND (iso_check);
  BIND (iso_button);
  BIND (volumes_list);
  BIND (rescan_button);
  BIND (drives_list);
  BIND (label_row);
  BIND (label_reset_button);
  BIND (volume_label);
  BIND (summary_sessions_row);
  BIND (summary_target_row);
  BIND (summary_label_row);
  BIND (summary_size_row);
  BIND (summary_capacity_row);
  BIND (capacity_bar);
  BIND (problem_box);
  BIND (problem_label);
  BIND (progress_page);
  BIND (progress_bar);
  BIND (report_icon);
  BIND (report_title);
  BIND (report_description);
  BIND (save_label_button);
  BIND (open_folder_button);
  BIND (packages_list);
  BIND (files_list);
  BIND (files_group);
#undef BIND

  gtk_widget_class_install_action (widget_class, "wizard.next", NULL, on_next);
  gtk_widget_class_install_action (widget_class, "wizard.back", NULL, on_back);
  gtk_widget_class_install_action (widget_class, "wizard.cancel", NULL, on_cancel);
  gtk_widget_class_install_action (widget_class, "wizard.save-label", NULL, on_save_label);
  gtk_widget_class_install_action (widget_class, "wizard.open-folder", NULL, on_open_folder);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
pd_export_wizard_init (PdExportWizard *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->sessions = g_ptr_array_new_with_free_func ((GDestroyNotify) pd_catalog_session_unref);
  self->selected = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  /* One colour for the share of the room the export takes, not low/high/full thresholds. */
  gtk_level_bar_remove_offset_value (self->capacity_bar, GTK_LEVEL_BAR_OFFSET_LOW);
  gtk_level_bar_remove_offset_value (self->capacity_bar, GTK_LEVEL_BAR_OFFSET_HIGH);
  gtk_level_bar_remove_offset_value (self->capacity_bar, GTK_LEVEL_BAR_OFFSET_FULL);

  /* The recordings from the catalog, then the destinations: volumes and a drive scan. */
  pd_export_wizard_init_pages (self);
  pd_export_wizard_init_targets (self);

  gtk_stack_set_visible_child_name (self->stack, "sessions");
  pd_export_wizard_update_buttons (self);
}

/* ------------------------------------------------------------------------------------------ */
/* Public API                                                                                 */

PdExportWizard *
pd_export_wizard_new (GtkWindow *parent, const char *const *session_uuids)
{
  PdExportWizard *self = g_object_new (PD_TYPE_EXPORT_WIZARD,
                                       "transient-for", parent,
                                       "modal", TRUE,
                                       NULL);

  if (parent != NULL && gtk_window_get_application (parent) != NULL)
    gtk_window_set_application (GTK_WINDOW (self), gtk_window_get_application (parent));
  for (guint i = 0; session_uuids != NULL && session_uuids[i] != NULL; i++)
    pd_export_wizard_select_session (self, session_uuids[i], TRUE);
  return self;
}

const char *
pd_export_wizard_get_page (PdExportWizard *self)
{
  g_return_val_if_fail (PD_IS_EXPORT_WIZARD (self), NULL);

  return gtk_stack_get_visible_child_name (self->stack);
}

gboolean
pd_export_wizard_get_busy (PdExportWizard *self)
{
  g_return_val_if_fail (PD_IS_EXPORT_WIZARD (self), FALSE);

  return self->busy;
}

/* FALSE when no exportable catalogued session has this UUID (or a unique prefix of it). */
gboolean
pd_export_wizard_select_session (PdExportWizard *self, const char *uuid, gboolean selected)
{
  PdCatalogSession *session = NULL;

  g_return_val_if_fail (PD_IS_EXPORT_WIZARD (self), FALSE);
  g_return_val_if_fail (uuid != NULL, FALSE);

  session = find_session (self, uuid);
  if (session == NULL || !pd_export_session_is_exportable (session))
    return FALSE;
  if (self->case_filter != NULL &&
      g_strcmp0 (pd_catalog_session_get_case_name (session), self->case_filter) != 0)
    {
      self->updating = TRUE;
      adw_combo_row_set_selected (self->case_row, 0);
      self->updating = FALSE;
      g_clear_pointer (&self->case_filter, g_free);
    }
  if (selected)
    g_hash_table_add (self->selected, g_strdup (pd_catalog_session_get_uuid (session)));
  else
    g_hash_table_remove (self->selected, pd_catalog_session_get_uuid (session));
  pd_export_wizard_rebuild_sessions (self);
  pd_export_wizard_update_buttons (self);
  return TRUE;
}

guint
pd_export_wizard_get_n_selected (PdExportWizard *self)
{
  g_return_val_if_fail (PD_IS_EXPORT_WIZARD (self), 0);

  return g_hash_table_size (self->selected);
}

/* The folder or image file the pickers would give; for DISC, a libburn drive address. */
void
pd_export_wizard_set_target (PdExportWizard *self, PdExportTargetKind kind, const char *path)
{
  g_return_if_fail (PD_IS_EXPORT_WIZARD (self));
  g_return_if_fail (path != NULL);

  switch (kind)
    {
    case PD_EXPORT_TARGET_FOLDER:
      g_free (self->folder_path);
      self->folder_path = g_strdup (path);
      gtk_check_button_set_active (self->folder_check, TRUE);
      self->target = TARGET_FOLDER;
      break;
    case PD_EXPORT_TARGET_ISO:
      g_free (self->iso_path);
      self->iso_path = g_strdup (path);
      gtk_check_button_set_active (self->iso_check, TRUE);
      self->target = TARGET_ISO;
      break;
    case PD_EXPORT_TARGET_DISC:
    default:
      g_free (self->drive_address);
      self->drive_address = g_strdup (path);
      self->drive_capacity = G_MAXUINT64;
      self->target = TARGET_DISC;
      break;
    }
  pd_export_wizard_update_path_rows (self);
  pd_export_wizard_update_buttons (self);
}

void
pd_export_wizard_set_capacity_limit (PdExportWizard *self, guint64 bytes)
{
  g_return_if_fail (PD_IS_EXPORT_WIZARD (self));

  self->capacity_limit = bytes;
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "summary") == 0)
    pd_export_wizard_update_summary (self);
  pd_export_wizard_update_buttons (self);
}

const char *
pd_export_wizard_get_label (PdExportWizard *self)
{
  g_return_val_if_fail (PD_IS_EXPORT_WIZARD (self), NULL);

  return gtk_editable_get_text (GTK_EDITABLE (self->label_row));
}

const char *
pd_export_wizard_get_volume_id (PdExportWizard *self)
{
  g_return_val_if_fail (PD_IS_EXPORT_WIZARD (self), NULL);

  return self->volume_id;
}

const char *
pd_export_wizard_get_problem (PdExportWizard *self)
{
  g_return_val_if_fail (PD_IS_EXPORT_WIZARD (self), NULL);

  return self->problem;
}

PdExportResult *
pd_export_wizard_get_result (PdExportWizard *self)
{
  g_return_val_if_fail (PD_IS_EXPORT_WIZARD (self), NULL);

  return self->job ? pd_export_job_get_result (self->job) : NULL;
}

const GError *
pd_export_wizard_get_error (PdExportWizard *self)
{
  g_return_val_if_fail (PD_IS_EXPORT_WIZARD (self), NULL);

  return self->job ? pd_export_job_get_error (self->job) : NULL;
}

/* What "Save Disc Label…" does once a file is chosen. */
gboolean
pd_export_wizard_save_label (PdExportWizard *self, const char *path, GError **error)
{
  g_return_val_if_fail (PD_IS_EXPORT_WIZARD (self), FALSE);
  g_return_val_if_fail (self->job != NULL, FALSE);

  if (!pd_export_job_write_label (self->job, path, error))
    return FALSE;
  gtk_button_set_label (self->save_label_button, _("Disc Label Saved"));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->save_label_button), path);
  return TRUE;
}
