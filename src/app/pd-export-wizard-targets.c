/* pd-export-wizard-targets.c — the Export wizard's destination page: folder, ISO image, removable drives and optical drives. */
#define G_LOG_DOMAIN "pd-export-wizard"

#include "config.h"

#include <glib/gi18n.h>

#include "export/pd-drives.h"

#include "pd-export-wizard-private.h"

/* ------------------------------------------------------------------------------------------ */
/* Helpers                                                                                    */

/* Free bytes on the file system that holds `path`, or the nearest folder above it that exists. */
static guint64
free_space (const char *path)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);

  while (file != NULL)
    {
      g_autoptr (GFileInfo) info =
        g_file_query_filesystem_info (file, G_FILE_ATTRIBUTE_FILESYSTEM_FREE, NULL, NULL);
      GFile *parent;

      if (info != NULL && g_file_info_has_attribute (info, G_FILE_ATTRIBUTE_FILESYSTEM_FREE))
        return g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_FILESYSTEM_FREE);
      parent = g_file_get_parent (file);
      g_object_unref (file);
      file = parent;
    }
  return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Page 2: target                                                                             */

static void
on_target_toggled (GtkCheckButton *check, PdExportWizard *self)
{
  if (!gtk_check_button_get_active (check))
    return;
  self->target = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (check), "target"));
  if (self->target == TARGET_REMOVABLE)
    {
      g_free (self->mount_root);
      self->mount_root = g_strdup (g_object_get_data (G_OBJECT (check), "path"));
    }
  else if (self->target == TARGET_DISC)
    {
      g_free (self->drive_address);
      self->drive_address = g_strdup (g_object_get_data (G_OBJECT (check), "path"));
      self->drive_capacity = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (check), "capacity"));
    }
  pd_export_wizard_update_buttons (self);
}

static GtkWidget *
target_row (PdExportWizard *self, const char *title, const char *subtitle, const char *icon,
            Target target, const char *path)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *check = gtk_check_button_new ();

  /* Drive and volume names come from the device: plain text, never Pango markup. */
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
  gtk_check_button_set_group (GTK_CHECK_BUTTON (check), self->folder_check);
  g_object_set_data (G_OBJECT (check), "target", GINT_TO_POINTER (target));
  g_object_set_data_full (G_OBJECT (check), "path", g_strdup (path), g_free);
  if (g_strcmp0 (path, target == TARGET_REMOVABLE ? self->mount_root : self->drive_address) == 0 &&
      self->target == target)
    gtk_check_button_set_active (GTK_CHECK_BUTTON (check), TRUE);
  g_signal_connect (check, "toggled", G_CALLBACK (on_target_toggled), self);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), pd_export_wizard_status_icon (icon, "dim-label"));
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
  return row;
}

static GtkWidget *
placeholder_row (const char *title, const char *subtitle, const char *icon)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), pd_export_wizard_status_icon (icon, "dim-label"));
  gtk_widget_add_css_class (row, "dim-label");
  return row;
}

/* The target was a drive or volume that is gone: nothing is chosen. */
static void
forget_target_if_gone (PdExportWizard *self, Target kind, GtkListBox *list)
{
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (list)); row;
       row = gtk_widget_get_next_sibling (row))
    {
      GtkWidget *check = adw_action_row_get_activatable_widget (ADW_ACTION_ROW (row));

      if (check != NULL && gtk_check_button_get_active (GTK_CHECK_BUTTON (check)))
        return;
    }
  if (self->target == kind)
    self->target = TARGET_NONE;
}

static void
rebuild_volumes (PdExportWizard *self)
{
  g_autolist (GMount) mounts = g_volume_monitor_get_mounts (self->volume_monitor);
  guint shown = 0;

  pd_export_wizard_clear_list (self->volumes_list);
  for (GList *l = mounts; l != NULL; l = l->next)
    {
      GMount *mount = l->data;
      g_autoptr (GDrive) drive = g_mount_get_drive (mount);
      g_autoptr (GFile) root = g_mount_get_root (mount);
      g_autofree char *path = g_file_get_path (root);
      g_autofree char *name = g_mount_get_name (mount);
      g_autofree char *free_s = NULL;
      g_autofree char *subtitle = NULL;

      if (g_mount_is_shadowed (mount) || path == NULL ||
          !(g_mount_can_eject (mount) || (drive != NULL && g_drive_is_removable (drive))))
        continue;
      free_s = g_format_size (free_space (path));
      /* Translators: "<mount point> · <size> free". */
      subtitle = g_strdup_printf (_("%s · %s free"), path, free_s);
      gtk_list_box_append (self->volumes_list,
                           target_row (self, name, subtitle, "drive-removable-media-symbolic",
                                       TARGET_REMOVABLE, path));
      shown++;
    }
  if (shown == 0)
    gtk_list_box_append (self->volumes_list,
                         placeholder_row (_("No Removable Drive"),
                                          _("Plug in a USB drive to export to it; it appears here."),
                                          "drive-removable-media-symbolic"));
  forget_target_if_gone (self, TARGET_REMOVABLE, self->volumes_list);
  pd_export_wizard_update_buttons (self);
}

static void
on_mounts_changed (GVolumeMonitor *monitor, GMount *mount, PdExportWizard *self)
{
  rebuild_volumes (self);
}

static char *
describe_drive (PdDrive *d)
{
  g_autofree char *size = g_format_size (d->capacity);
  const char *profile = d->profile && *d->profile ? d->profile : _("disc");

  switch (d->media)
    {
    case PD_DRIVE_MEDIA_BLANK:
      /* Translators: "Blank DVD+R · 4.7 GB free". */
      return g_strdup_printf (_("Blank %s · %s free"), profile, size);
    case PD_DRIVE_MEDIA_APPENDABLE:
      return g_strdup_printf (_("%s already written — evidence goes on a blank disc"), profile);
    case PD_DRIVE_MEDIA_CLOSED:
      return g_strdup_printf (_("%s is closed — insert a blank disc"), profile);
    case PD_DRIVE_MEDIA_NONE:
      return g_strdup (_("No disc — insert a blank disc"));
    case PD_DRIVE_MEDIA_UNKNOWN:
    default:
      return g_strdup (_("The disc is not recognised"));
    }
}

static void
rebuild_drives (PdExportWizard *self)
{
  pd_export_wizard_clear_list (self->drives_list);
  if (self->drives == NULL)
    {
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *spinner = gtk_spinner_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Looking for drives…"));
      gtk_spinner_start (GTK_SPINNER (spinner));
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), spinner);
      gtk_list_box_append (self->drives_list, row);
    }
  else if (self->drives->len == 0)
    gtk_list_box_append (self->drives_list,
                         placeholder_row (_("No Optical Drive"),
                                          _("To burn a disc, connect a DVD or Blu-ray writer and insert a blank disc. A folder, USB drive or ISO image needs none."),
                                          "media-optical-symbolic"));
  for (guint i = 0; self->drives != NULL && i < self->drives->len; i++)
    {
      PdDrive *d = g_ptr_array_index (self->drives, i);
      g_autofree char *subtitle = describe_drive (d);
      GtkWidget *row = target_row (self, d->name && *d->name ? d->name : d->address, subtitle,
                                   "media-optical-symbolic", TARGET_DISC, d->address);
      GtkWidget *check = adw_action_row_get_activatable_widget (ADW_ACTION_ROW (row));

      g_object_set_data (G_OBJECT (check), "capacity", GSIZE_TO_POINTER ((gsize) d->capacity));
      gtk_widget_set_sensitive (row, d->media == PD_DRIVE_MEDIA_BLANK && d->can_write);
      gtk_list_box_append (self->drives_list, row);
    }
  forget_target_if_gone (self, TARGET_DISC, self->drives_list);
  pd_export_wizard_update_buttons (self);
}

static void
on_drives_scanned (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  GPtrArray *drives = pd_drives_scan_finish (result, &error);
  PdExportWizard *self;

  /* Cancelled in dispose: the wizard is gone. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_clear_pointer (&drives, g_ptr_array_unref);
      return;
    }
  self = PD_EXPORT_WIZARD (user_data);
  if (drives == NULL)
    {
      g_message ("No drive scan: %s", error->message);
      drives = g_ptr_array_new_with_free_func ((GDestroyNotify) pd_drive_free);
    }
  g_clear_pointer (&self->drives, g_ptr_array_unref);
  self->drives = drives;
  g_clear_object (&self->scan_cancellable);
  gtk_widget_set_sensitive (GTK_WIDGET (self->rescan_button), TRUE);
  rebuild_drives (self);
}

static void
scan_drives (PdExportWizard *self)
{
  if (self->scan_cancellable != NULL)
    return;
  g_clear_pointer (&self->drives, g_ptr_array_unref);
  self->scan_cancellable = g_cancellable_new ();
  gtk_widget_set_sensitive (GTK_WIDGET (self->rescan_button), FALSE);
  rebuild_drives (self);
  pd_drives_scan_async (self->scan_cancellable, on_drives_scanned, self);
}

static void
on_rescan_clicked (GtkButton *button, PdExportWizard *self)
{
  scan_drives (self);
}

void
pd_export_wizard_update_path_rows (PdExportWizard *self)
{
  adw_action_row_set_subtitle (self->folder_row,
                               self->folder_path ? self->folder_path
                                                 : _("A new or empty folder, on this computer or a network share"));
  adw_action_row_set_subtitle (self->iso_row,
                               self->iso_path ? self->iso_path
                                              : _("An image to burn later or hand over as a file"));
}

static void
on_chooser_response (GtkNativeDialog *dialog, int response, PdExportWizard *self)
{
  GtkFileChooserAction action = gtk_file_chooser_get_action (GTK_FILE_CHOOSER (dialog));
  g_autoptr (GFile) file = NULL;
  g_autofree char *path = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
  if (file != NULL)
    path = g_file_get_path (file);
  if (path != NULL)
    {
      if (action == GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER)
        pd_export_wizard_set_target (self, PD_EXPORT_TARGET_FOLDER, path);
      else
        {
          /* The image gets its usual extension unless the name has one. */
          g_autofree char *base = g_path_get_basename (path);
          g_autofree char *with_ext = strchr (base, '.') ? g_strdup (path) : g_strconcat (path, ".iso", NULL);

          pd_export_wizard_set_target (self, PD_EXPORT_TARGET_ISO, with_ext);
        }
    }
  g_clear_object (&self->chooser);
}

static void
choose_file (PdExportWizard *self, GtkFileChooserAction action)
{
  g_clear_object (&self->chooser);
  if (action == GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER)
    self->chooser = gtk_file_chooser_native_new (_("Export to Folder"), GTK_WINDOW (self), action,
                                                 _("_Select"), _("_Cancel"));
  else
    {
      g_autoptr (GtkFileFilter) filter = gtk_file_filter_new ();
      g_autofree char *name = NULL;

      self->chooser = gtk_file_chooser_native_new (_("Save ISO Image"), GTK_WINDOW (self), action,
                                                   _("_Save"), _("_Cancel"));
      gtk_file_filter_set_name (filter, _("ISO Images"));
      gtk_file_filter_add_suffix (filter, "iso");
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
      name = g_strdup_printf ("%s.iso", self->volume_id ? self->volume_id : "proofdesk");
      gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), name);
    }
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  g_signal_connect (self->chooser, "response", G_CALLBACK (on_chooser_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
on_folder_clicked (GtkButton *button, PdExportWizard *self)
{
  choose_file (self, GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER);
}

static void
on_iso_clicked (GtkButton *button, PdExportWizard *self)
{
  choose_file (self, GTK_FILE_CHOOSER_ACTION_SAVE);
}

void
pd_export_wizard_init_targets (PdExportWizard *self)
{
  g_object_set_data (G_OBJECT (self->folder_check), "target", GINT_TO_POINTER (TARGET_FOLDER));
  g_object_set_data (G_OBJECT (self->iso_check), "target", GINT_TO_POINTER (TARGET_ISO));
  g_signal_connect (self->folder_check, "toggled", G_CALLBACK (on_target_toggled), self);
  g_signal_connect (self->iso_check, "toggled", G_CALLBACK (on_target_toggled), self);
  g_signal_connect (self->folder_button, "clicked", G_CALLBACK (on_folder_clicked), self);
  g_signal_connect (self->iso_button, "clicked", G_CALLBACK (on_iso_clicked), self);
  g_signal_connect (self->rescan_button, "clicked", G_CALLBACK (on_rescan_clicked), self);
  pd_export_wizard_update_path_rows (self);

  self->volume_monitor = g_volume_monitor_get ();
  g_signal_connect (self->volume_monitor, "mount-added", G_CALLBACK (on_mounts_changed), self);
  g_signal_connect (self->volume_monitor, "mount-removed", G_CALLBACK (on_mounts_changed), self);
  g_signal_connect (self->volume_monitor, "mount-changed", G_CALLBACK (on_mounts_changed), self);
  rebuild_volumes (self);
  scan_drives (self);
}
