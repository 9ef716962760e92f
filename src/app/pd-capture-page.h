/* pd-capture-page.h — the Capture view: source, case and scenario, live preview and checklist,
 * Record/Stop, and the sealed package. */
#pragma once

#include <adwaita.h>

#include "checklist/pd-checklist.h"
#include "evidence/pd-package.h"

G_BEGIN_DECLS

/* Below this much free space in the evidence folder the page warns. */
#define PD_CAPTURE_PAGE_LOW_DISK_BYTES (G_GUINT64_CONSTANT (2) * 1024 * 1024 * 1024)

#define PD_TYPE_CAPTURE_PAGE (pd_capture_page_get_type ())
G_DECLARE_FINAL_TYPE (PdCapturePage, pd_capture_page, PD, CAPTURE_PAGE, GtkWidget)

GtkWidget  *pd_capture_page_new               (void);
/* Selects a source by id ("test", "x11", "x11-region") and, for a region, its "x,y,w,h". */
gboolean    pd_capture_page_select_source     (PdCapturePage *self, const char *source_id,
                                               const char *region);
/* Selects a scenario by template id; FALSE if there is none. */
gboolean    pd_capture_page_select_scenario   (PdCapturePage *self, const char *scenario_id);
/* Selects (creating it if needed) a case. */
void        pd_capture_page_select_case       (PdCapturePage *self, const char *case_name);
gboolean    pd_capture_page_is_recording      (PdCapturePage *self);
/* The package sealed by the last recording, or NULL. */
PdPackage  *pd_capture_page_get_package       (PdCapturePage *self);
/* Recording, or sealing what was recorded: closing the window now would cut the recording. */
gboolean    pd_capture_page_is_busy           (PdCapturePage *self);
/* Stops the recording without asking and seals it (a checklist with required items missing
 * is sealed with PD_CAPTURE_PAGE_DECISION_CLOSED). PdCapturePage::sealed is emitted once the
 * package is sealed; nothing happens when the page is idle or shows a result. */
#define PD_CAPTURE_PAGE_DECISION_CLOSED PD_CHECKLIST_DECISION_CLOSED
void        pd_capture_page_stop_and_seal     (PdCapturePage *self);
/* A package that waited for its timestamp was stamped elsewhere (the app's maintenance): if it
 * is the one on the page, the page reloads it and shows it timestamped. */
void        pd_capture_page_package_stamped   (PdCapturePage *self, const char *path);
/* The Retry button of a package awaiting its timestamp: stamps it now, through the same core
 * late-stamping as the maintenance. */
void        pd_capture_page_retry_stamp       (PdCapturePage *self);
/* For tests: warn below `bytes` free instead of PD_CAPTURE_PAGE_LOW_DISK_BYTES. */
void        pd_capture_page_set_low_disk_threshold (PdCapturePage *self, guint64 bytes);

G_END_DECLS
