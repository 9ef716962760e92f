/* pd-capture-source.h — one thing that can be recorded, as listed on the Capture page. */
#pragma once

#include <gio/gio.h>

#include "pd-capture.h"

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
/* The source for pd_capture_new(); `region` ("x,y,w,h") is used when the source needs one. */
PdSourceSpec    *pd_capture_source_build_spec     (PdCaptureSource *self, const char *region,
                                                   GError **error);

/* The sources this workstation offers now: the test pattern, and with an X11 display the whole
 * screen and a region of it. Phones, capture cards and the Wayland portal join this list later
 * (a GListStore, so a device monitor can add and remove entries while the page shows it). */
GListStore      *pd_capture_source_list_new       (void);

G_END_DECLS
