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
#include "verify/pd-verify.h"
#include "timestamp/pd-tsa.h"

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

  /* pd-capture-page-seal.c: honest seal states, the practice authority, logout inhibit */
  GtkRevealer         *stamp_revealer;   /* "Checkpoint N could not be timestamped" banner */
  GtkLabel            *stamp_banner_label;
  GtkWidget           *retry_button;     /* in result_stamp_row, while awaiting a timestamp */
  GCancellable        *retry_cancellable;
  GtkApplication      *inhibit_app;
  guint                inhibit_cookie;
  char                *practice_url;     /* the URL whose identity was asked */
  int                  practice_known;   /* -1 asking or unknown, 0 real authority, 1 practice */
  GCancellable        *practice_cancellable;
};

/* pd-capture-page.c */
void         pd_capture_page_toast             (PdCapturePage *self, const char *text);
void         pd_capture_page_update_state      (PdCapturePage *self);
void         pd_capture_page_update_practice   (PdCapturePage *self);
void         pd_capture_page_update_disk       (PdCapturePage *self);
char        *pd_capture_page_selected_case     (PdCapturePage *self);
PdChecklist *pd_capture_page_selected_scenario (PdCapturePage *self);

/* pd-capture-page-seal.c */
void         pd_capture_page_seal_init         (PdCapturePage *self);
void         pd_capture_page_seal_dispose      (PdCapturePage *self);
void         pd_capture_page_update_inhibit    (PdCapturePage *self);
void         pd_capture_page_show_stamp_failure (PdCapturePage *self, guint index, const char *message);
void         pd_capture_page_hide_stamp_failure (PdCapturePage *self);
/* The manifest's state, or "stamped" for a package stamped after it was sealed (then `token`,
 * if not NULL, gets its recording token). */
const char  *pd_capture_page_effective_state   (PdCapturePage *self, PdTsaToken **token);
/* The result view of a package sealed while the authority was unreachable. */
void         pd_capture_page_show_awaiting     (PdCapturePage *self);
void         pd_capture_page_set_retry_visible (PdCapturePage *self, gboolean visible);
/* The self-check's text for a package awaiting its timestamp, or NULL if `r` shows more wrong. */
char        *pd_capture_page_awaiting_check_text (PdCapturePage *self, PdVerifyResult *r);

/* pd-capture-page-recording.c */
void         pd_capture_page_stop_recording    (PdCapturePage *self, const char *decision);
/* Shows the package on the page again (after a late stamp); `capture` may be NULL. */
void         pd_capture_page_show_result       (PdCapturePage *self, PdCapture *capture, const GError *error);
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
