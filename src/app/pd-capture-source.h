/* pd-capture-source.h — one thing that can be recorded, as listed on the Capture page. */
#pragma once

#include <gio/gio.h>

#include "capture/pd-capture.h"

G_BEGIN_DECLS

#define PD_TYPE_CAPTURE_SOURCE (pd_capture_source_get_type ())
G_DECLARE_FINAL_TYPE (PdCaptureSource, pd_capture_source, PD, CAPTURE_SOURCE, GObject)

/* `spec` is what pd_source_spec_parse() reads ("test", "x11", …); with `needs_region` the user
 * gives an "x,y,w,h" region too. */
PdCaptureSource *pd_capture_source_new            (const char *id, const char *title,
                                                   const char *subtitle, const char *icon_name,
                                                   const char *spec, gboolean needs_region);
const char      *pd_capture_source_get_id         (PdCaptureSource *self);
const char      *pd_capture_source_get_title      (PdCaptureSource *self);
const char      *pd_capture_source_get_subtitle   (PdCaptureSource *self);
const char      *pd_capture_source_get_icon_name  (PdCaptureSource *self);
gboolean         pd_capture_source_get_needs_region (PdCaptureSource *self);
/* FALSE for a source that cannot be recorded yet (a phone that has not allowed USB debugging,
 * adb missing); its explanation says why and what to do. */
gboolean         pd_capture_source_get_available  (PdCaptureSource *self);
const char      *pd_capture_source_get_explanation (PdCaptureSource *self);
/* The Wayland screen: ask the ScreenCast portal (pd-portal.h) for the stream before recording;
 * pd_capture_source_build_spec() cannot make its spec. */
gboolean         pd_capture_source_get_needs_portal (PdCaptureSource *self);
/* The source for pd_capture_new(); `region` ("x,y,w,h") is used when the source needs one. */
PdSourceSpec    *pd_capture_source_build_spec     (PdCaptureSource *self, const char *region,
                                                   GError **error);

/* The sources this workstation offers: the test pattern, with an X11 display the whole screen
 * and a region of it, and — kept up to date while the store lives — phones over adb (id
 * "phone:SERIAL"; unauthorised ones unavailable, with the explanation) and V4L2 video devices
 * (id "v4l2:/dev/videoN", with their formats). Hot-plug needs the thread-default main context
 * of the caller to run. */
GListStore      *pd_capture_source_list_new       (void);
/* Polls adb every `interval_ms` instead of every 2 s (tests). */
void             pd_capture_source_list_set_poll_interval (GListStore *list, guint interval_ms);

G_END_DECLS
