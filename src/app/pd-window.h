/* pd-window.h — the main window. */
#pragma once

#include <adwaita.h>

#include "pd-application.h"
#include "pd-capture-page.h"

G_BEGIN_DECLS

#define PD_TYPE_WINDOW (pd_window_get_type ())
G_DECLARE_FINAL_TYPE (PdWindow, pd_window, PD, WINDOW, AdwApplicationWindow)

PdWindow     *pd_window_new       (PdApplication *app);
AdwViewStack *pd_window_get_stack (PdWindow *self);
void          pd_window_add_toast (PdWindow *self, AdwToast *toast);
PdCapturePage *pd_window_get_capture_page (PdWindow *self);
/* Recording or sealing: closing must wait. */
gboolean      pd_window_is_recording (PdWindow *self);
/* Closes the window — or quits the application when `quit` — once its recording is sealed.
 * `ask`: while recording, ask "Stop and seal / Keep recording" first; otherwise (nobody can
 * answer: a signal, the session ending) seal at once. Not recording: closes (quits) now. */
void          pd_window_close_after_seal (PdWindow *self, gboolean ask, gboolean quit);

/* Shows the Verify page with `files` (GFile), as if dropped on it. FALSE when the page refused
 * them (its message says why). */
gboolean      pd_window_open_files (PdWindow *self, GFile **files, guint n_files);

G_END_DECLS
