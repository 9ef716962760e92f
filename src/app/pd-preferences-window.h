/* pd-preferences-window.h — the Preferences window, bound to the application's GSettings. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define PD_TYPE_PREFERENCES_WINDOW (pd_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (PdPreferencesWindow, pd_preferences_window, PD, PREFERENCES_WINDOW, AdwPreferencesWindow)

PdPreferencesWindow *pd_preferences_window_new (GtkWindow *parent);

G_END_DECLS
