/* pd-window.h — the main window. */
#pragma once

#include <adwaita.h>

#include "pd-application.h"

G_BEGIN_DECLS

#define PD_TYPE_WINDOW (pd_window_get_type ())
G_DECLARE_FINAL_TYPE (PdWindow, pd_window, PD, WINDOW, AdwApplicationWindow)

PdWindow     *pd_window_new       (PdApplication *app);
AdwViewStack *pd_window_get_stack (PdWindow *self);
void          pd_window_add_toast (PdWindow *self, AdwToast *toast);

G_END_DECLS
