/* pd-export-wizard.h — the Export wizard: sessions → target → label → summary → progress → report. */
#pragma once

#include <adwaita.h>

#include "export/pd-export.h"

G_BEGIN_DECLS

#define PD_TYPE_EXPORT_WIZARD (pd_export_wizard_get_type ())
G_DECLARE_FINAL_TYPE (PdExportWizard, pd_export_wizard, PD, EXPORT_WIZARD, AdwWindow)

/* A modal window over `parent`; `session_uuids` (NULL-terminated, may be NULL) are ticked. */
PdExportWizard *pd_export_wizard_new (GtkWindow *parent, const char *const *session_uuids);

/* The visible page: "sessions", "target", "label", "summary", "progress" or "report". */
const char     *pd_export_wizard_get_page         (PdExportWizard *self);
/* TRUE while an export runs. */
gboolean        pd_export_wizard_get_busy         (PdExportWizard *self);

/* For tests and callers that know what they want (the pickers do the same). */
gboolean        pd_export_wizard_select_session   (PdExportWizard *self, const char *uuid,
                                                   gboolean selected);
guint           pd_export_wizard_get_n_selected   (PdExportWizard *self);
void            pd_export_wizard_set_target       (PdExportWizard *self, PdExportTargetKind kind,
                                                   const char *path);
/* 0: none (the default). Passed to pd_export_job_set_capacity_limit() and shown in the summary. */
void            pd_export_wizard_set_capacity_limit (PdExportWizard *self, guint64 bytes);
const char     *pd_export_wizard_get_label        (PdExportWizard *self);
const char     *pd_export_wizard_get_volume_id    (PdExportWizard *self);
/* Why Next is refused on the current page, or NULL. */
const char     *pd_export_wizard_get_problem      (PdExportWizard *self);

/* After the export: the result (NULL when nothing usable was written) or the error. */
PdExportResult *pd_export_wizard_get_result       (PdExportWizard *self);
const GError   *pd_export_wizard_get_error        (PdExportWizard *self);
gboolean        pd_export_wizard_save_label       (PdExportWizard *self, const char *path,
                                                   GError **error);

G_END_DECLS
