/* pd-checklist-panel.h — the live checklist beside the preview: items to mark while recording. */
#pragma once

#include <adwaita.h>

#include "pd-capture.h"
#include "pd-checklist.h"

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

G_END_DECLS
