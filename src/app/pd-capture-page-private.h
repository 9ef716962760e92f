/* pd-capture-page-private.h — PdCapturePage's struct and the functions shared by its files
 * (pd-capture-page.c: setup, state, actions, object; pd-capture-page-recording.c: preview,
 * status, result, recording). Included only by those two files. */
#pragma once

#include <adwaita.h>

#include "pd-capture-page.h"
#include "pd-capture-source.h"
#include "sources/pd-portal.h"
#include "capture/pd-capture.h"
#include "catalog/pd-catalog.h"
#include "pd-checklist-panel.h"
#include "checklist/pd-checklist.h"

G_BEGIN_DECLS

typedef enum {
  PAGE_IDLE,
  PAGE_RECORDING,
  PAGE_SEALING,
  PAGE_RESULT,
} PageState;

struct _PdCapturePage
{
  GtkWidget            parent_instance;

  /* Template widgets */
  AdwToastOverlay     *toast_overlay;
  GtkRevealer         *practice_revealer;
  GtkRevealer         *disk_revealer;
  GtkLabel            *disk_warning_label;
  GtkStack            *main_stack;
  GtkListBox          *source_list;
  AdwComboRow         *case_row;
  GtkStringList       *case_model;
  GtkPopover          *new_case_popover;
  AdwEntryRow         *case_name_row;
  AdwEntryRow         *case_parties_row;
  AdwEntryRow         *case_type_row;
  GtkButton           *create_case_button;
  AdwComboRow         *scenario_row;
  GtkPicture          *preview;
  GtkLabel            *rec_label;
  GtkLabel            *elapsed_label;
  GtkLabel            *size_label;
  GtkLabel            *checkpoint_label;
  GtkLabel            *disk_label;
  GtkButton           *record_button;
  GtkLabel            *record_label;
  GtkStack            *record_icon_stack;
  GtkSpinner          *record_spinner;
  GtkImage            *result_icon;
  GtkLabel            *result_title;
  GtkLabel            *result_description;
  AdwActionRow        *result_folder_row;
  AdwActionRow        *result_sha_row;
  AdwActionRow        *result_stamp_row;
  AdwActionRow        *result_checklist_row;
  AdwActionRow        *result_check_row;
  AdwPreferencesGroup *warnings_group;
  PdChecklistPanel    *checklist_panel;

  /* Borrowed references */
  GtkEditable         *region_entry;     /* in the region source's row */
  GtkWidget           *stop_dialog;      /* weak: the "required items missing" question */
  AdwToast            *mark_toast;       /* weak: the newest "Marked …" toast */
  GtkImage            *stamp_icon;       /* in result_stamp_row */
  GActionMap          *exported_to;      /* the window holding win.record-toggle */

  /* Owned references */
  GSimpleAction       *record_action;    /* win.record-toggle */
  GListStore          *sources;          /* PdCaptureSource */
  PdCaptureSource     *source;           /* the selected one */
  GListStore          *scenarios;        /* PdChecklist */
  GSettings           *settings;         /* NULL when the schema is not installed */
  PdCatalog           *catalog;          /* NULL when it cannot be opened: cases in memory */
  PdCapture           *capture;
  PdPortalScreencast  *portal;           /* Wayland: the shared screen, while it is recorded */
  gboolean             asking_portal;
  PdPackage           *package;
  GPtrArray           *warning_rows;
  char                *digest;
  char                *decision;
  PageState            state;
  guint                preview_tick;
  guint                status_timeout;
  guint                disk_timeout;
  guint64              disk_threshold;
  guint                last_checkpoint;
  char                *last_checkpoint_text;
  guint64              result_duration;  /* ns, of the sealed recording */
  guint64              result_size;
  guint                stamps_failed;
  gboolean             stamp_failing;
  gboolean             first_stamp_told;
};

/* pd-capture-page.c */
void         pd_capture_page_toast             (PdCapturePage *self, const char *text);
void         pd_capture_page_update_state      (PdCapturePage *self);
void         pd_capture_page_update_practice   (PdCapturePage *self);
void         pd_capture_page_update_disk       (PdCapturePage *self);
char        *pd_capture_page_selected_case     (PdCapturePage *self);
PdChecklist *pd_capture_page_selected_scenario (PdCapturePage *self);

/* pd-capture-page-recording.c */
void         pd_capture_page_update_status     (PdCapturePage *self);
void         pd_capture_page_stop_preview      (PdCapturePage *self);
void         pd_capture_page_record_toggle     (PdCapturePage *self);
void         pd_capture_page_on_marked         (PdCapturePage *self, PdChecklistItem *item, guint mark_id,
                                                PdChecklistPanel *panel);
void         pd_capture_page_on_unmarked       (PdCapturePage *self, PdChecklistItem *item, guint mark_id,
                                                PdChecklistPanel *panel);
void         pd_capture_page_on_mark_failed    (PdCapturePage *self, const GError *error,
                                                PdChecklistPanel *panel);

G_END_DECLS
