/* pd-export-wizard-private.h — what the Export wizard's files share: the instance struct and the functions they call across files. */
#pragma once

#include "catalog/pd-catalog.h"
#include "export/pd-export-job.h"
#include "pd-export-wizard.h"

G_BEGIN_DECLS

typedef enum {
  TARGET_NONE,
  TARGET_FOLDER,
  TARGET_REMOVABLE,
  TARGET_ISO,
  TARGET_DISC,
} Target;

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
  PdExportJob          *job;             /* the summary's, then the run's */
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

/* pd-export-wizard.c: helpers and navigation */
GPtrArray *pd_export_wizard_selected_sessions (PdExportWizard *self);
void       pd_export_wizard_set_problem       (PdExportWizard *self, const char *problem);
GtkWidget *pd_export_wizard_status_icon       (const char *icon_name, const char *css_class);
void       pd_export_wizard_clear_list        (GtkListBox *list);
void       pd_export_wizard_update_buttons    (PdExportWizard *self);

/* pd-export-wizard-pages.c: recordings, label, summary */
void       pd_export_wizard_init_pages        (PdExportWizard *self);
void       pd_export_wizard_rebuild_sessions  (PdExportWizard *self);
void       pd_export_wizard_enter_label_page  (PdExportWizard *self);
void       pd_export_wizard_update_summary    (PdExportWizard *self);

/* pd-export-wizard-targets.c: the destination page */
void       pd_export_wizard_init_targets      (PdExportWizard *self);
void       pd_export_wizard_update_path_rows  (PdExportWizard *self);

/* pd-export-wizard-report.c: the run, its progress and the report */
void       pd_export_wizard_start_export      (PdExportWizard *self);

G_END_DECLS
