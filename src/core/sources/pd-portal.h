/* pd-portal.h — a Wayland screen through the xdg-desktop-portal ScreenCast portal (libportal), as a PipeWire source. */
#pragma once

#include <gio/gio.h>

#include "sources/pd-source.h"

G_BEGIN_DECLS

#define PD_TYPE_PORTAL_SCREENCAST (pd_portal_screencast_get_type ())
G_DECLARE_FINAL_TYPE (PdPortalScreencast, pd_portal_screencast, PD, PORTAL_SCREENCAST, GObject)

/* Whether the ScreenCast portal can be asked at all: a session bus with
 * org.freedesktop.portal.Desktop on it (running or activatable), and a build with libportal.
 * FALSE and an error naming what is missing otherwise. Quick: no portal call is made. */
gboolean            pd_portal_check                   (GError **error);

/* Asks the portal for a screen or window to record: the desktop shows its own chooser. The
 * session setup must answer within `timeout_ms` (0 = 10 s); the user's choice may take up to
 * 5 minutes. The stream stays open as long as the returned object lives: keep it until the
 * recording has stopped. */
void                pd_portal_screencast_new_async    (guint timeout_ms, GCancellable *cancellable,
                                                       GAsyncReadyCallback callback,
                                                       gpointer user_data);
PdPortalScreencast *pd_portal_screencast_new_finish   (GAsyncResult *result, GError **error);
/* The same, blocking (for proofctl): runs a private main context. */
PdPortalScreencast *pd_portal_screencast_new_sync     (guint timeout_ms, GCancellable *cancellable,
                                                       GError **error);
/* A PIPEWIRE source with the portal's PipeWire fd (owned by `self`) and node id. */
const PdSourceSpec *pd_portal_screencast_get_source   (PdPortalScreencast *self);

G_END_DECLS
