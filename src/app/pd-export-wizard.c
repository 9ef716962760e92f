/* pd-export-wizard.c — the Export wizard: pick recordings and a destination, label, export, read back, report. */
#define G_LOG_DOMAIN "pd-export-wizard"

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "pd-application.h"
#include "catalog/pd-catalog.h"
#include "report/pd-disc-label.h"
#include "export/pd-drives.h"
#include "util/pd-error.h"
#include "pd-export-wizard.h"
#include "verify/pd-verify.h"

/* Rough per-file overhead, as the core estimates it: block rounding on a file system or image. */
#define FILE_SLACK  4096
#define IMAGE_SLACK (1024 * 1024)

typedef enum {
  TARGET_NONE,
  TARGET_FOLDER,
  TARGET_REMOVABLE,
  TARGET_ISO,
  TARGET_DISC,
} Target;

static const char *const pages[] = { "sessions", "target", "label", "summary", "progress", "report" };

struct _PdExportWizard
{
  AdwWindow parent_instance;

  /* Template widgets */
  AdwWindowTitle       *window_title;
  GtkStack             *start_stack;
  GtkButton            *next_button;
  GtkStack             *stack;
  AdwComboRow          *case_row;
  GtkStack             *sessions_stack;
  GtkListBox           *sessions_list;
  AdwActionRow         *folder_row;
  GtkCheckButton       *folder_check;
  GtkButton            *folder_button;
  AdwActionRow         *iso_row;
  GtkCheckButton       *iso_check;
  GtkButton            *iso_button;
  GtkListBox           *volumes_list;
  GtkButton            *rescan_button;
  GtkListBox           *drives_list;
  AdwEntryRow          *label_row;
  GtkButton            *label_reset_button;
  GtkLabel             *volume_label;
  AdwActionRow         *summary_sessions_row;
  AdwActionRow         *summary_target_row;
  AdwActionRow         *summary_label_row;
  AdwActionRow         *summary_size_row;
  AdwActionRow         *summary_capacity_row;
  GtkLevelBar          *capacity_bar;
  GtkBox               *problem_box;
  GtkLabel             *problem_label;
  AdwStatusPage        *progress_page;
  GtkProgressBar       *progress_bar;
  GtkImage             *report_icon;
  GtkLabel             *report_title;
  GtkLabel             *report_description;
  GtkButton            *save_label_button;
  GtkButton            *open_folder_button;
  GtkListBox           *packages_list;
  GtkListBox           *files_list;
  AdwPreferencesGroup  *files_group;

  /* Owned references */
  GPtrArray            *sessions;        /* PdCatalogSession*, every one with a package */
  GHashTable           *selected;        /* UUIDs ticked (owned keys) */
  GStrv                 cases;
  char                 *case_filter;     /* NULL: every case */
  GVolumeMonitor       *volume_monitor;
  GPtrArray            *drives;          /* PdDrive*, NULL while scanning */
  GCancellable         *scan_cancellable;
  GCancellable         *cancellable;     /* the running export */
  GtkFileChooserNative *chooser;
  PdExportResult       *result;
  GError               *error;
  GPtrArray            *package_dirs;    /* of the run, to name a refused package */
  char                 *folder_path;
  char                 *iso_path;
  char                 *mount_root;
  char                 *drive_address;
  char                 *target_path;     /* what the export writes to */
  char                 *composed_label;
  char                 *volume_id;
  char                 *problem;
  GDateTime            *first_capture;

  Target                target;
  guint64               capacity_limit;
  guint64               drive_capacity;
  PdExportPhase         phase;
  gboolean              label_edited;
  gboolean              updating;
  gboolean              busy;
};

G_DEFINE_FINAL_TYPE (PdExportWizard, pd_export_wizard, ADW_TYPE_WINDOW)

static void update_buttons (PdExportWizard *self);

/* ------------------------------------------------------------------------------------------ */
/* Helpers                                                                                    */

static gboolean
session_is_exportable (PdCatalogSession *session)
{
  const char *state = pd_catalog_session_get_state (session);
  const char *path = pd_catalog_session_get_package_path (session);

  return path != NULL && g_file_test (path, G_FILE_TEST_IS_DIR) &&
         (g_strcmp0 (state, PD_SESSION_STATE_STAMPED) == 0 ||
          g_strcmp0 (state, PD_SESSION_STATE_AWAITING_STAMP) == 0 ||
          g_strcmp0 (state, PD_SESSION_STATE_RECOVERED) == 0);
}

static const char *
describe_state (PdCatalogSession *session)
{
  const char *state = pd_catalog_session_get_state (session);

  if (pd_catalog_session_get_package_path (session) == NULL ||
      !g_file_test (pd_catalog_session_get_package_path (session), G_FILE_TEST_IS_DIR))
    return _("Package folder missing");
  if (g_strcmp0 (state, PD_SESSION_STATE_STAMPED) == 0)
    return pd_catalog_session_get_practice (session) ? _("Timestamped (practice)") : _("Timestamped");
  if (g_strcmp0 (state, PD_SESSION_STATE_AWAITING_STAMP) == 0)
    return _("Waiting for a timestamp");
  if (g_strcmp0 (state, PD_SESSION_STATE_RECOVERED) == 0)
    return _("Recovered");
  if (g_strcmp0 (state, PD_SESSION_STATE_FAILED) == 0)
    return _("Failed");
  return _("Still recording");
}

static char *
format_local (GDateTime *dt)
{
  g_autoptr (GDateTime) local = NULL;

  if (dt == NULL)
    return g_strdup ("—");
  local = g_date_time_to_local (dt);
  return g_date_time_format (local, "%Y-%m-%d %H:%M");
}

/* Bytes and files under `path` (not following symlinks). */
static void
tree_size (const char *path, guint64 *bytes, guint *files)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      GStatBuf st;

      if (g_lstat (child, &st) != 0)
        continue;
      if (S_ISDIR (st.st_mode))
        tree_size (child, bytes, files);
      else if (S_ISREG (st.st_mode))
        {
          *bytes += (guint64) st.st_size;
          (*files)++;
        }
    }
}

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

static gboolean
folder_is_empty (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);

  return dir != NULL && g_dir_read_name (dir) == NULL;
}

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

static GPtrArray *
selected_sessions (PdExportWizard *self)
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

static void
set_problem (PdExportWizard *self, const char *problem)
{
  g_free (self->problem);
  self->problem = g_strdup (problem);
}

static GtkWidget *
status_icon (const char *icon_name, const char *css_class)
{
  GtkWidget *image = gtk_image_new_from_icon_name (icon_name);

  if (css_class != NULL)
    gtk_widget_add_css_class (image, css_class);
  return image;
}

static void
clear_list (GtkListBox *list)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);
}

/* ------------------------------------------------------------------------------------------ */
/* Page 1: sessions                                                                           */

static void
on_session_toggled (GtkCheckButton *check, PdExportWizard *self)
{
  const char *uuid = g_object_get_data (G_OBJECT (check), "uuid");

  if (self->updating)
    return;
  if (gtk_check_button_get_active (check))
    g_hash_table_add (self->selected, g_strdup (uuid));
  else
    g_hash_table_remove (self->selected, uuid);
  update_buttons (self);
}

static void
rebuild_sessions (PdExportWizard *self)
{
  guint shown = 0;

  self->updating = TRUE;
  clear_list (self->sessions_list);
  for (guint i = 0; i < self->sessions->len; i++)
    {
      PdCatalogSession *s = g_ptr_array_index (self->sessions, i);
      const char *scenario = pd_catalog_session_get_scenario (s);
      const char *case_name = pd_catalog_session_get_case_name (s);
      g_autofree char *when = format_local (pd_catalog_session_get_started (s));
      g_autofree char *title = NULL;
      g_autofree char *subtitle = NULL;
      GtkWidget *row, *check;

      if (self->case_filter != NULL && g_strcmp0 (case_name, self->case_filter) != 0)
        continue;
      /* Translators: "<scenario> · <when recorded>". */
      title = g_strdup_printf (_("%s · %s"),
                               scenario && *scenario ? scenario : _("Free recording"), when);
      /* Translators: "<case> · <state>". */
      subtitle = g_strdup_printf (_("%s · %s"), case_name ? case_name : _("No case"), describe_state (s));
      row = adw_action_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      check = gtk_check_button_new ();
      gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
      g_object_set_data_full (G_OBJECT (check), "uuid", g_strdup (pd_catalog_session_get_uuid (s)), g_free);
      gtk_check_button_set_active (GTK_CHECK_BUTTON (check),
                                   g_hash_table_contains (self->selected, pd_catalog_session_get_uuid (s)));
      g_signal_connect (check, "toggled", G_CALLBACK (on_session_toggled), self);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
      gtk_widget_set_sensitive (row, session_is_exportable (s));
      gtk_list_box_append (self->sessions_list, row);
      shown++;
    }
  gtk_stack_set_visible_child_name (self->sessions_stack, shown ? "list" : "empty");
  self->updating = FALSE;
}

/* Choosing one case ticks all of its recordings: "export the whole case". */
static void
on_case_selected (AdwComboRow *row, GParamSpec *pspec, PdExportWizard *self)
{
  guint index = adw_combo_row_get_selected (row);

  if (self->updating)
    return;
  g_clear_pointer (&self->case_filter, g_free);
  if (index != GTK_INVALID_LIST_POSITION && index > 0 && self->cases && index - 1 < g_strv_length (self->cases))
    self->case_filter = g_strdup (self->cases[index - 1]);
  if (self->case_filter != NULL)
    {
      g_hash_table_remove_all (self->selected);
      for (guint i = 0; i < self->sessions->len; i++)
        {
          PdCatalogSession *s = g_ptr_array_index (self->sessions, i);

          if (g_strcmp0 (pd_catalog_session_get_case_name (s), self->case_filter) == 0 &&
              session_is_exportable (s))
            g_hash_table_add (self->selected, g_strdup (pd_catalog_session_get_uuid (s)));
        }
    }
  rebuild_sessions (self);
  update_buttons (self);
}

static void
load_catalog (PdExportWizard *self)
{
  g_autoptr (PdCatalog) catalog = NULL;
  g_autoptr (GPtrArray) sessions = NULL;
  g_autoptr (GtkStringList) model = gtk_string_list_new (NULL);
  g_autoptr (GError) error = NULL;

  gtk_string_list_append (model, _("All Cases"));
  catalog = pd_catalog_open (NULL, &error);
  if (catalog != NULL)
    self->cases = pd_catalog_list_cases (catalog, &error);
  if (catalog != NULL && self->cases != NULL)
    sessions = pd_catalog_list_sessions (catalog, NULL, NULL, &error);
  if (error != NULL)
    g_message ("Cannot read the catalog: %s", error->message);
  for (guint i = 0; sessions != NULL && i < sessions->len; i++)
    if (pd_catalog_session_get_package_path (g_ptr_array_index (sessions, i)) != NULL)
      g_ptr_array_add (self->sessions, pd_catalog_session_ref (g_ptr_array_index (sessions, i)));
  for (guint i = 0; self->cases != NULL && self->cases[i]; i++)
    gtk_string_list_append (model, self->cases[i]);
  self->updating = TRUE;
  adw_combo_row_set_model (self->case_row, G_LIST_MODEL (model));
  adw_combo_row_set_selected (self->case_row, 0);
  self->updating = FALSE;
  rebuild_sessions (self);
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
  update_buttons (self);
}

static GtkWidget *
target_row (PdExportWizard *self, const char *title, const char *subtitle, const char *icon,
            Target target, const char *path)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *check = gtk_check_button_new ();

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
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), status_icon (icon, "dim-label"));
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
  return row;
}

static GtkWidget *
placeholder_row (const char *title, const char *subtitle, const char *icon)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), status_icon (icon, "dim-label"));
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

  clear_list (self->volumes_list);
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
  update_buttons (self);
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
  clear_list (self->drives_list);
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
  update_buttons (self);
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

static void
update_path_rows (PdExportWizard *self)
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

/* ------------------------------------------------------------------------------------------ */
/* Page 3: label                                                                              */

/* The label pd_disc_label_compose() gives for the ticked recordings: platform + dispute type +
 * capture date, as the export itself would compose it. */
static void
compose_label (PdExportWizard *self)
{
  g_autoptr (GPtrArray) chosen = selected_sessions (self);
  g_autoptr (GPtrArray) platforms = g_ptr_array_new ();
  GDateTime *first = NULL, *last = NULL;

  for (guint i = 0; i < chosen->len; i++)
    {
      PdCatalogSession *s = g_ptr_array_index (chosen, i);
      const char *platform = pd_disc_label_platform_for_scenario (pd_catalog_session_get_scenario (s));
      GDateTime *started = pd_catalog_session_get_started (s);

      if (platform != NULL)
        g_ptr_array_add (platforms, (gpointer) platform);
      if (started != NULL && (first == NULL || g_date_time_compare (started, first) < 0))
        first = started;
      if (started != NULL && (last == NULL || g_date_time_compare (started, last) > 0))
        last = started;
    }
  g_ptr_array_add (platforms, NULL);
  g_free (self->composed_label);
  self->composed_label = pd_disc_label_compose ((const char *const *) platforms->pdata, NULL, first, last);
  g_clear_pointer (&self->first_capture, g_date_time_unref);
  if (first != NULL)
    self->first_capture = g_date_time_ref (first);
}

static void
update_volume_id (PdExportWizard *self)
{
  g_autofree char *label = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->label_row))));

  g_free (self->volume_id);
  self->volume_id = pd_disc_label_volume_id (*label ? label : self->composed_label, self->first_capture);
  gtk_label_set_text (self->volume_label, self->volume_id);
  gtk_widget_set_sensitive (GTK_WIDGET (self->label_reset_button), self->label_edited);
}

static void
on_label_changed (GtkEditable *editable, PdExportWizard *self)
{
  if (!self->updating)
    self->label_edited = g_strcmp0 (gtk_editable_get_text (editable), self->composed_label) != 0;
  update_volume_id (self);
  update_buttons (self);
}

static void
set_label_text (PdExportWizard *self, const char *text)
{
  self->updating = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (self->label_row), text);
  self->updating = FALSE;
  self->label_edited = FALSE;
  update_volume_id (self);
}

static void
on_label_reset_clicked (GtkButton *button, PdExportWizard *self)
{
  set_label_text (self, self->composed_label);
  update_buttons (self);
}

static void
enter_label_page (PdExportWizard *self)
{
  compose_label (self);
  /* Keep what the user typed; follow the selection otherwise. */
  if (!self->label_edited)
    set_label_text (self, self->composed_label);
  else
    update_volume_id (self);
}

/* ------------------------------------------------------------------------------------------ */
/* Page 4: summary                                                                            */

static const char *
target_kind_name (Target target)
{
  switch (target)
    {
    case TARGET_FOLDER:
      return _("Folder");
    case TARGET_REMOVABLE:
      return _("Removable drive");
    case TARGET_ISO:
      return _("ISO image file");
    case TARGET_DISC:
      return _("Optical disc");
    case TARGET_NONE:
    default:
      return "—";
    }
}

/* A folder named after the volume id at the drive's root, never one that is already there. */
static char *
removable_folder (PdExportWizard *self)
{
  for (guint n = 1;; n++)
    {
      g_autofree char *name = n == 1 ? g_strdup (self->volume_id)
                                     : g_strdup_printf ("%s_%u", self->volume_id, n);
      g_autofree char *path = g_build_filename (self->mount_root, name, NULL);

      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        return g_steal_pointer (&path);
    }
}

static void
update_summary (PdExportWizard *self)
{
  g_autoptr (GPtrArray) chosen = selected_sessions (self);
  g_autofree char *count = NULL, *need_s = NULL, *have_s = NULL, *target_s = NULL;
  g_autofree char *why = NULL;
  guint64 total = 0, need, available = G_MAXUINT64;
  guint files = 0;

  for (guint i = 0; i < chosen->len; i++)
    tree_size (pd_catalog_session_get_package_path (g_ptr_array_index (chosen, i)), &total, &files);
  /* Besides the packages: INDEX.html, INDEX.txt, VERIFY.txt, SHA256SUMS. */
  need = total + (guint64) (files + 4 + 2 * chosen->len) * FILE_SLACK;

  g_clear_pointer (&self->target_path, g_free);
  switch (self->target)
    {
    case TARGET_FOLDER:
      self->target_path = g_strdup (self->folder_path);
      if (g_file_test (self->target_path, G_FILE_TEST_EXISTS) && !folder_is_empty (self->target_path))
        why = g_strdup_printf (_("“%s” is not an empty folder. Choose a new or empty folder: an export never mixes with other files."),
                               self->target_path);
      available = free_space (self->target_path);
      break;
    case TARGET_REMOVABLE:
      self->target_path = removable_folder (self);
      available = free_space (self->mount_root);
      break;
    case TARGET_ISO:
      self->target_path = g_strdup (self->iso_path);
      need += IMAGE_SLACK;
      if (g_file_test (self->target_path, G_FILE_TEST_EXISTS) || g_file_test (self->target_path, G_FILE_TEST_IS_SYMLINK))
        why = g_strdup_printf (_("“%s” already exists. An image is never written over a file: choose a new name."),
                               self->target_path);
      {
        g_autofree char *dir = g_path_get_dirname (self->target_path);
        available = free_space (dir);
      }
      break;
    case TARGET_DISC:
      self->target_path = g_strdup (self->drive_address);
      need += IMAGE_SLACK + PD_EXPORT_DISC_PADDING;
      available = self->drive_capacity;
      break;
    case TARGET_NONE:
    default:
      break;
    }
  if (self->capacity_limit > 0)
    available = MIN (available, self->capacity_limit);

  count = g_strdup_printf (ngettext ("%u recording", "%u recordings", chosen->len), chosen->len);
  adw_action_row_set_subtitle (self->summary_sessions_row, count);
  /* Translators: "<kind of destination>: <path>". */
  target_s = g_strdup_printf (_("%s: %s"), target_kind_name (self->target),
                              self->target_path ? self->target_path : "—");
  adw_action_row_set_subtitle (self->summary_target_row, target_s);
  adw_action_row_set_subtitle (self->summary_label_row, gtk_editable_get_text (GTK_EDITABLE (self->label_row)));
  need_s = g_format_size (need);
  have_s = g_format_size (available);
  adw_action_row_set_subtitle (self->summary_size_row, need_s);
  adw_action_row_set_subtitle (self->summary_capacity_row, have_s);
  gtk_level_bar_set_value (self->capacity_bar, available ? MIN ((double) need / (double) available, 1.0) : 1.0);

  if (why == NULL && need > available)
    {
      why = g_strdup_printf (_("The export needs %s but the destination has room for only %s. Choose a larger destination or fewer recordings."),
                             need_s, have_s);
    }
  set_problem (self, why);
  gtk_label_set_text (self->problem_label, why ? why : "");
  gtk_widget_set_visible (GTK_WIDGET (self->problem_box), why != NULL);
  /* The bar shows how full the destination gets; the sentence says when it does not fit. */
  gtk_widget_set_visible (GTK_WIDGET (self->capacity_bar), why == NULL);
}

/* ------------------------------------------------------------------------------------------ */
/* Pages 5 and 6: progress and report                                                         */

static void
on_progress (PdExportPhase phase, guint64 done, guint64 total, gpointer user_data)
{
  PdExportWizard *self = user_data;
  g_autofree char *done_s = g_format_size (done);
  g_autofree char *total_s = g_format_size (total);
  g_autofree char *text = NULL;
  const char *title;

  self->phase = phase;
  switch (phase)
    {
    case PD_EXPORT_PHASE_VERIFY:
      title = _("Verifying Packages");
      break;
    case PD_EXPORT_PHASE_WRITE:
      title = self->target == TARGET_DISC ? _("Burning the Disc") : _("Writing");
      break;
    case PD_EXPORT_PHASE_FINALISE:
      title = _("Finishing");
      break;
    case PD_EXPORT_PHASE_READ_BACK:
    default:
      title = _("Reading Back and Comparing");
      break;
    }
  adw_status_page_set_title (self->progress_page, title);
  /* Translators: bytes done of bytes in this step, "1.2 MB of 3.4 MB". */
  text = g_strdup_printf (_("%s of %s"), done_s, total_s);
  gtk_progress_bar_set_text (self->progress_bar, text);
  gtk_progress_bar_set_fraction (self->progress_bar, total ? MIN ((double) done / (double) total, 1.0) : 1.0);
}

static const char *
file_status_text (PdExportFileStatus status)
{
  switch (status)
    {
    case PD_EXPORT_FILE_OK:
      return _("Read back equal");
    case PD_EXPORT_FILE_MISMATCH:
      return _("Different on the destination");
    case PD_EXPORT_FILE_MISSING:
      return _("Missing or unreadable on the destination");
    case PD_EXPORT_FILE_NOT_CHECKED:
    default:
      return _("Not read back");
    }
}

static int
file_rank (const PdExportFile *f)
{
  return f->status == PD_EXPORT_FILE_OK ? 2 : f->status == PD_EXPORT_FILE_NOT_CHECKED ? 1 : 0;
}

static int
compare_files (gconstpointer a, gconstpointer b)
{
  const PdExportFile *fa = *(const PdExportFile **) a;
  const PdExportFile *fb = *(const PdExportFile **) b;

  return file_rank (fa) - file_rank (fb);
}

static void
add_package_row (PdExportWizard *self, const char *title, const char *subtitle, gboolean good)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row),
                             status_icon (good ? "emblem-ok-symbolic" : "dialog-error-symbolic",
                                          good ? "success" : "error"));
  gtk_list_box_append (self->packages_list, row);
}

static void
show_result (PdExportWizard *self)
{
  PdExportResult *r = self->result;
  g_autoptr (GPtrArray) files = g_ptr_array_new ();
  g_autofree char *description = NULL;
  guint ok = 0;

  for (guint i = 0; i < r->files->len; i++)
    {
      PdExportFile *f = g_ptr_array_index (r->files, i);

      g_ptr_array_add (files, f);
      if (f->status == PD_EXPORT_FILE_OK)
        ok++;
    }
  /* Stable: writing order within failures and within good files. */
  g_ptr_array_sort (files, compare_files);

  if (pd_export_result_get_ok (r))
    {
      gtk_image_set_from_icon_name (self->report_icon, "emblem-ok-symbolic");
      gtk_widget_add_css_class (GTK_WIDGET (self->report_icon), "success");
      gtk_label_set_text (self->report_title, _("Export Complete"));
      if (r->simulated)
        description = g_strdup (_("Simulated burn: nothing was written and nothing read back."));
      else
        description = g_strdup_printf (ngettext ("%1$u file was read back from “%2$s” and matches its hash.",
                                                 "All %1$u files were read back from “%2$s” and match their hashes.",
                                                 ok),
                                       ok, r->target);
    }
  else
    {
      gtk_image_set_from_icon_name (self->report_icon, "dialog-error-symbolic");
      gtk_widget_add_css_class (GTK_WIDGET (self->report_icon), "error");
      gtk_label_set_text (self->report_title, _("Export Differs from the Evidence"));
      description = g_strdup_printf (ngettext ("%u file on “%s” is not the same as the evidence. Do not hand this copy over.",
                                               "%u files on “%s” are not the same as the evidence. Do not hand this copy over.",
                                               r->n_bad),
                                     r->n_bad, r->target);
    }
  gtk_label_set_text (self->report_description, description);

  for (guint i = 0; i < r->packages->len; i++)
    {
      PdExportPackage *p = g_ptr_array_index (r->packages, i);
      g_autofree char *subtitle = NULL;

      if (p->reverified)
        /* Translators: "<verdict before writing>; on the destination: <verdict after>". */
        subtitle = g_strdup_printf (_("%s; verified again on the destination: %s"),
                                    pd_verdict_describe (p->verdict), pd_verdict_describe (p->reverify_verdict));
      else
        subtitle = g_strdup (pd_verdict_describe (p->verdict));
      add_package_row (self, p->export_dir, subtitle,
                       p->verdict != PD_VERDICT_INVALID && p->verdict != PD_VERDICT_ERROR &&
                       (!p->reverified || (p->reverify_verdict != PD_VERDICT_INVALID &&
                                           p->reverify_verdict != PD_VERDICT_ERROR)));
    }

  for (guint i = 0; i < files->len; i++)
    {
      PdExportFile *f = g_ptr_array_index (files, i);
      GtkWidget *row = adw_action_row_new ();
      g_autofree char *size = g_format_size (f->size);
      g_autofree char *subtitle = NULL;
      gboolean good = f->status == PD_EXPORT_FILE_OK;

      /* Translators: "<read-back status> · <size>" or "… · <what is wrong>". */
      subtitle = g_strdup_printf (_("%s · %s"), file_status_text (f->status),
                                  f->problem && !good ? f->problem : size);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), f->path);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row),
                                 status_icon (good ? "emblem-ok-symbolic"
                                                   : f->status == PD_EXPORT_FILE_NOT_CHECKED ? "dialog-question-symbolic"
                                                                                             : "dialog-error-symbolic",
                                              good ? "success" : f->status == PD_EXPORT_FILE_NOT_CHECKED ? "dim-label" : "error"));
      gtk_list_box_append (self->files_list, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->files_group), files->len > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->save_label_button), !r->simulated);
  gtk_widget_set_visible (GTK_WIDGET (self->open_folder_button), r->kind != PD_EXPORT_TARGET_DISC);
}

/* Nothing usable was written: refused, cancelled, or an I/O error before the write finished. */
static void
show_error (PdExportWizard *self)
{
  const GError *error = self->error;
  gboolean refused = g_error_matches (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_REFUSED) ||
                     g_error_matches (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_BAD_PACKAGE) ||
                     g_error_matches (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_CHANGED);
  gboolean cancelled = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  gtk_image_set_from_icon_name (self->report_icon, cancelled ? "process-stop-symbolic" : "dialog-error-symbolic");
  gtk_widget_add_css_class (GTK_WIDGET (self->report_icon), cancelled ? "dim-label" : "error");
  if (cancelled)
    {
      gtk_label_set_text (self->report_title, _("Export Cancelled"));
      gtk_label_set_text (self->report_description,
                          _("Nothing usable was written. Files already copied are incomplete: do not hand them over."));
    }
  else if (refused)
    {
      gtk_label_set_text (self->report_title, _("Export Refused"));
      gtk_label_set_text (self->report_description,
                          _("A package did not pass verification, so nothing was written. Verify it on the Verify page to see every check."));
    }
  else
    {
      gtk_label_set_text (self->report_title, _("Export Failed"));
      gtk_label_set_text (self->report_description, error->message);
    }

  /* Name the package: the core's message starts with its folder. */
  for (guint i = 0; refused && self->package_dirs && i < self->package_dirs->len; i++)
    {
      const char *dir = g_ptr_array_index (self->package_dirs, i);
      g_autofree char *base = g_path_get_basename (dir);

      if (strstr (error->message, dir) != NULL)
        add_package_row (self, base, error->message, FALSE);
    }
  if (refused && gtk_widget_get_first_child (GTK_WIDGET (self->packages_list)) == NULL)
    add_package_row (self, _("Package"), error->message, FALSE);
  gtk_widget_set_visible (gtk_widget_get_ancestor (GTK_WIDGET (self->packages_list), ADW_TYPE_PREFERENCES_GROUP),
                          refused);
  gtk_widget_set_visible (GTK_WIDGET (self->files_group), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->save_label_button), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->open_folder_button), FALSE);
}

/* As `proofctl export` does: the export (or the refusal) goes into the catalog and its audit log. */
static void
record_in_catalog (PdExportWizard *self)
{
  g_autoptr (PdCatalog) catalog = NULL;
  g_autoptr (GError) error = NULL;

  catalog = pd_catalog_open (NULL, &error);
  if (catalog != NULL && self->result != NULL && !self->result->simulated)
    {
      g_auto (GStrv) sessions = pd_export_result_dup_sessions (self->result);
      g_autofree char *outcome = pd_export_result_get_ok (self->result)
                                   ? g_strdup ("ok")
                                   : g_strdup_printf ("read-back: %u files differ", self->result->n_bad);

      pd_catalog_add_export (catalog, pd_export_result_get_kind_string (self->result),
                             self->result->target, self->result->label,
                             (const char *const *) sessions, outcome, &error);
    }
  else if (catalog != NULL && g_error_matches (self->error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_REFUSED))
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      g_autoptr (JsonGenerator) gen = json_generator_new ();
      g_autoptr (JsonNode) root = NULL;
      g_autofree char *details = NULL;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "target");
      json_builder_add_string_value (b, self->target_path);
      json_builder_set_member_name (b, "reason");
      json_builder_add_string_value (b, self->error->message);
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      json_generator_set_root (gen, root);
      details = json_generator_to_data (gen, NULL);
      pd_catalog_audit_append (catalog, NULL, "export.refused", NULL, details, &error);
    }
  if (error != NULL)
    {
      g_autofree char *text = g_strdup_printf ("%s\n\n%s %s", gtk_label_get_text (self->report_description),
                                               _("The export could not be recorded in the catalog:"),
                                               error->message);
      gtk_label_set_text (self->report_description, text);
    }
}

static void
on_run_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (PdExportWizard) self = user_data;

  self->busy = FALSE;
  self->result = pd_export_run_finish (PD_EXPORT (source), res, &self->error);
  g_clear_object (&self->cancellable);
  clear_list (self->packages_list);
  clear_list (self->files_list);
  if (self->result != NULL)
    show_result (self);
  else
    show_error (self);
  record_in_catalog (self);
  gtk_stack_set_visible_child_name (self->stack, "report");
  update_buttons (self);
}

static void
start_export (PdExportWizard *self)
{
  g_autoptr (GPtrArray) chosen = selected_sessions (self);
  g_autoptr (PdExport) export = NULL;
  PdExportTargetKind kind = self->target == TARGET_ISO    ? PD_EXPORT_TARGET_ISO
                            : self->target == TARGET_DISC ? PD_EXPORT_TARGET_DISC
                                                          : PD_EXPORT_TARGET_FOLDER;
  g_autofree char *label = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->label_row))));

  g_clear_pointer (&self->result, pd_export_result_unref);
  g_clear_error (&self->error);
  g_clear_pointer (&self->package_dirs, g_ptr_array_unref);
  self->package_dirs = g_ptr_array_new_with_free_func (g_free);
  export = pd_export_new (kind, self->target_path);
  for (guint i = 0; i < chosen->len; i++)
    {
      const char *dir = pd_catalog_session_get_package_path (g_ptr_array_index (chosen, i));

      pd_export_add_package (export, dir);
      g_ptr_array_add (self->package_dirs, g_strdup (dir));
    }
  pd_export_set_label (export, *label ? label : NULL);
  pd_export_set_capacity_limit (export, self->capacity_limit);
  pd_export_set_progress_func (export, on_progress, self, NULL);

  self->busy = TRUE;
  self->cancellable = g_cancellable_new ();
  adw_status_page_set_title (self->progress_page, _("Verifying Packages"));
  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  gtk_progress_bar_set_text (self->progress_bar, "");
  gtk_stack_set_visible_child_name (self->stack, "progress");
  pd_export_run_async (export, self->cancellable, on_run_done, g_object_ref (self));
  update_buttons (self);
}

/* ------------------------------------------------------------------------------------------ */
/* Navigation                                                                                 */

static void
validate (PdExportWizard *self)
{
  const char *page = gtk_stack_get_visible_child_name (self->stack);

  if (g_str_equal (page, "sessions"))
    set_problem (self, g_hash_table_size (self->selected) == 0 ? _("Tick at least one recording.") : NULL);
  else if (g_str_equal (page, "target"))
    set_problem (self, self->target == TARGET_NONE                             ? _("Choose where to export to.")
                       : self->target == TARGET_FOLDER && !self->folder_path ? _("Choose a folder.")
                       : self->target == TARGET_ISO && !self->iso_path       ? _("Choose a name for the image file.")
                                                                             : NULL);
  else if (g_str_equal (page, "label"))
    {
      g_autofree char *label = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->label_row))));

      set_problem (self, *label ? NULL : _("The label must not be empty."));
    }
  else if (!g_str_equal (page, "summary"))
    set_problem (self, NULL);
}

static void
update_buttons (PdExportWizard *self)
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
    enter_label_page (self);
  else if (g_str_equal (page, "summary"))
    update_summary (self);
  gtk_stack_set_visible_child_name (self->stack, page);
  update_buttons (self);
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
      update_summary (self);
      if (self->problem == NULL)
        start_export (self);
      else
        update_buttons (self);
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
  g_autofree char *name = NULL;
  g_autofree char *dir = NULL;

  if (self->result == NULL)
    return;
  g_clear_object (&self->chooser);
  self->chooser = gtk_file_chooser_native_new (_("Save Disc Label"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  name = g_strdup_printf ("%s-label.pdf", self->result->volume_id ? self->result->volume_id : "proofdesk");
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), name);
  /* Beside the export: a folder's parent, an image's folder. */
  dir = g_path_get_dirname (self->result->target);
  if (self->result->kind != PD_EXPORT_TARGET_DISC && g_file_test (dir, G_FILE_TEST_IS_DIR))
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
  g_autoptr (GFile) file = NULL;
  g_autofree char *uri = NULL;

  if (self->result == NULL || self->result->kind == PD_EXPORT_TARGET_DISC)
    return;
  if (self->result->kind == PD_EXPORT_TARGET_ISO)
    {
      g_autofree char *dir = g_path_get_dirname (self->result->target);

      file = g_file_new_for_path (dir);
    }
  else
    file = g_file_new_for_path (self->result->target);
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
  g_clear_pointer (&self->result, pd_export_result_unref);
  g_clear_error (&self->error);
  g_clear_pointer (&self->package_dirs, g_ptr_array_unref);
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

  pd_application_ensure_resources ();
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
  g_object_set_data (G_OBJECT (self->folder_check), "target", GINT_TO_POINTER (TARGET_FOLDER));
  g_object_set_data (G_OBJECT (self->iso_check), "target", GINT_TO_POINTER (TARGET_ISO));
  g_signal_connect (self->folder_check, "toggled", G_CALLBACK (on_target_toggled), self);
  g_signal_connect (self->iso_check, "toggled", G_CALLBACK (on_target_toggled), self);
  g_signal_connect (self->folder_button, "clicked", G_CALLBACK (on_folder_clicked), self);
  g_signal_connect (self->iso_button, "clicked", G_CALLBACK (on_iso_clicked), self);
  g_signal_connect (self->rescan_button, "clicked", G_CALLBACK (on_rescan_clicked), self);
  g_signal_connect (self->label_row, "changed", G_CALLBACK (on_label_changed), self);
  g_signal_connect (self->label_reset_button, "clicked", G_CALLBACK (on_label_reset_clicked), self);
  g_signal_connect (self->case_row, "notify::selected", G_CALLBACK (on_case_selected), self);
  update_path_rows (self);
  /* One colour for the share of the room the export takes, not low/high/full thresholds. */
  gtk_level_bar_remove_offset_value (self->capacity_bar, GTK_LEVEL_BAR_OFFSET_LOW);
  gtk_level_bar_remove_offset_value (self->capacity_bar, GTK_LEVEL_BAR_OFFSET_HIGH);
  gtk_level_bar_remove_offset_value (self->capacity_bar, GTK_LEVEL_BAR_OFFSET_FULL);

  load_catalog (self);

  self->volume_monitor = g_volume_monitor_get ();
  g_signal_connect (self->volume_monitor, "mount-added", G_CALLBACK (on_mounts_changed), self);
  g_signal_connect (self->volume_monitor, "mount-removed", G_CALLBACK (on_mounts_changed), self);
  g_signal_connect (self->volume_monitor, "mount-changed", G_CALLBACK (on_mounts_changed), self);
  rebuild_volumes (self);
  scan_drives (self);

  gtk_stack_set_visible_child_name (self->stack, "sessions");
  update_buttons (self);
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
  if (session == NULL || !session_is_exportable (session))
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
  rebuild_sessions (self);
  update_buttons (self);
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
  update_path_rows (self);
  update_buttons (self);
}

void
pd_export_wizard_set_capacity_limit (PdExportWizard *self, guint64 bytes)
{
  g_return_if_fail (PD_IS_EXPORT_WIZARD (self));

  self->capacity_limit = bytes;
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "summary") == 0)
    update_summary (self);
  update_buttons (self);
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

  return self->result;
}

const GError *
pd_export_wizard_get_error (PdExportWizard *self)
{
  g_return_val_if_fail (PD_IS_EXPORT_WIZARD (self), NULL);

  return self->error;
}

/* What "Save Disc Label…" does once a file is chosen. */
gboolean
pd_export_wizard_save_label (PdExportWizard *self, const char *path, GError **error)
{
  g_return_val_if_fail (PD_IS_EXPORT_WIZARD (self), FALSE);
  g_return_val_if_fail (self->result != NULL, FALSE);

  if (!pd_export_result_write_label_pdf (self->result, path, error))
    return FALSE;
  gtk_button_set_label (self->save_label_button, _("Disc Label Saved"));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->save_label_button), path);
  return TRUE;
}
