/* pd-checklist-panel.h — the live checklist beside the preview: items to mark while recording. */
#pragma once

#include <adwaita.h>

#include "capture/pd-capture.h"
#include "checklist/pd-checklist.h"

G_BEGIN_DECLS

#define PD_TYPE_CHECKLIST_PANEL (pd_checklist_panel_get_type ())
G_DECLARE_FINAL_TYPE (PdChecklistPanel, pd_checklist_panel, PD, CHECKLIST_PANEL, GtkWidget)

GtkWidget   *pd_checklist_panel_new           (void);
/* The scenario to show (NULL: none). The panel keeps a reference and shows its marks. */
void         pd_checklist_panel_set_checklist (PdChecklistPanel *self, PdChecklist *checklist);
PdChecklist *pd_checklist_panel_get_checklist (PdChecklistPanel *self);
/* The recording that marks go to; NULL when not recording (items cannot be marked then). */
void         pd_checklist_panel_set_capture   (PdChecklistPanel *self, PdCapture *capture);

/* Marks `item_id` now (pd_capture_add_mark + pd_checklist_mark). Returns the mark id, or 0 and an
 * error. The number keys 1–9, clicking a row and the note popover all end here. */
guint        pd_checklist_panel_mark          (PdChecklistPanel *self, const char *item_id,
                                               const char *note, GError **error);
/* Undoes mark `mark_id`, or with 0 the newest mark not undone (Ctrl+Z). */
gboolean     pd_checklist_panel_undo          (PdChecklistPanel *self, guint mark_id, GError **error);

/* ---- OCR suggestions (issue 9) ----
 * A suggestion shows on its item's row: the text found and when, a thumbnail of the frame with
 * the text boxed, Confirm and Dismiss. It never marks anything by itself. The newest pending
 * one answers Enter (confirm) and Esc (dismiss) anywhere in the window, except in text fields
 * and popovers. Confirming marks the item through pd_checklist_panel_mark() with the text as
 * its note; both decisions go to pd_capture_record_suggestion(). Pending suggestions are
 * forgotten when recording stops or the item is marked another way. */

/* Shows the suggestions `worker` emits (NULL: stop showing them). */
void         pd_checklist_panel_set_ocr_worker (PdChecklistPanel *self, PdOcrWorker *worker);
/* Shows one suggestion (copied) on its item's row, replacing an older one for that item.
 * FALSE when it cannot be shown: not recording, no such item, or the item is marked. */
gboolean     pd_checklist_panel_add_suggestion (PdChecklistPanel *self,
                                                const PdOcrSuggestion *suggestion);
/* Confirms the suggestion on `item_id` (NULL: the newest). Returns the mark id, or 0 and an
 * error. */
guint        pd_checklist_panel_confirm_suggestion (PdChecklistPanel *self, const char *item_id,
                                                    GError **error);
/* Dismisses the suggestion on `item_id` (NULL: the newest). */
gboolean     pd_checklist_panel_dismiss_suggestion (PdChecklistPanel *self, const char *item_id,
                                                    GError **error);
guint        pd_checklist_panel_get_n_suggestions  (PdChecklistPanel *self);
/* The badge text shown for `item_id`'s pending suggestion ("¥50,000.00 · 00:03:12"), or NULL. */
const char  *pd_checklist_panel_get_suggestion_label (PdChecklistPanel *self, const char *item_id);
/* The subtitle shown under an item (its description, when it was marked, or what the phone's
 * environment report said about it); NULL for an unknown item. */
const char  *pd_checklist_panel_get_item_subtitle    (PdChecklistPanel *self, const char *item_id);

G_END_DECLS
