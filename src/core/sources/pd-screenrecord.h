/* pd-screenrecord.h — an appsrc fed by `adb exec-out screenrecord` (H.264 as the phone encodes it), restarted at its time limit. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define PD_SCREENRECORD_GAP_MESSAGE "pd-screenrecord-gap"

#define PD_TYPE_SCREENRECORD (pd_screenrecord_get_type ())
G_DECLARE_FINAL_TYPE (PdScreenrecord, pd_screenrecord, PD, SCREENRECORD, GObject)

/* The appsrc outputs video/x-h264 byte-stream, one access unit per buffer, timestamped with the
 * pipeline's running time when it arrived. `adb -s SERIAL exec-out screenrecord
 * --output-format=h264 -` is spawned (argv) when the pipeline starts playing, and started again
 * each time it ends (Android stops it after 180 s). Each restart emits "gap" on the thread-default
 * main context of pd_screenrecord_new() with: before and after (wall-clock µs of the last frame
 * of one run and the first of the next), before and after running time (ns), the run number
 * that begins (2, 3, …) and adb's exit status. Three runs in a row without a frame post an error
 * on the pipeline (phone unplugged, screen locked, screenrecord missing). */
PdScreenrecord *pd_screenrecord_new         (const char *serial);
/* The appsrc (owned by the PdScreenrecord; gst_bin_add() takes its own reference). */
GstElement     *pd_screenrecord_get_element (PdScreenrecord *self);
guint           pd_screenrecord_get_runs    (PdScreenrecord *self);

G_END_DECLS
