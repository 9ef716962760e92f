/* pd-source.h — what can be recorded: a source specification ("test", "x11", "adb:SERIAL", …)
 * parsed, copied and described. */
#pragma once

#include <glib-object.h>

#include "util/pd-types.h"

G_BEGIN_DECLS

typedef enum {
  PD_SOURCE_KIND_TEST,   /* videotestsrc, moving pattern with a clock overlay */
  PD_SOURCE_KIND_X11,    /* ximagesrc: whole screen, a window by XID, or a region */
  PD_SOURCE_KIND_ADB,    /* a phone's own H.264 from `adb exec-out screenrecord`, not re-encoded */
  PD_SOURCE_KIND_V4L2,   /* v4l2src: a capture card, or scrcpy's v4l2 sink */
  PD_SOURCE_KIND_SCRCPY, /* scrcpy started for a phone, writing to a free v4l2loopback device */
  PD_SOURCE_KIND_PIPEWIRE, /* pipewiresrc: a PipeWire node (the ScreenCast portal's stream) */
} PdSourceKind;

struct _PdSourceSpec
{
  PdSourceKind kind;
  char        *display;     /* X11: display name, NULL = $DISPLAY */
  gboolean     has_region;
  int          x, y, width, height;
  guint64      xid;         /* X11: window id, 0 = whole screen */
  char        *serial;      /* ADB, SCRCPY: the phone's adb serial */
  char        *device_path; /* V4L2: /dev/videoN */
  char        *pipewire_node; /* PIPEWIRE: node id or name (pipewiresrc path) */
  int          pipewire_fd; /* PIPEWIRE: the portal's PipeWire remote, or -1 (borrowed) */
};

#define PD_TYPE_SOURCE_SPEC (pd_source_spec_get_type ())
GType         pd_source_spec_get_type (void) G_GNUC_CONST;
/* "test", "x11", "x11:DISPLAY", "adb:SERIAL", "scrcpy:SERIAL", "v4l2:/dev/videoN" or
 * "pipewire:NODE". */
PdSourceSpec *pd_source_spec_parse      (const char *text, GError **error);
/* "X,Y,W,H" with W, H > 0. */
gboolean      pd_source_spec_set_region (PdSourceSpec *spec, const char *text, GError **error);
PdSourceSpec *pd_source_spec_copy       (const PdSourceSpec *spec);
void          pd_source_spec_free       (PdSourceSpec *spec);
char         *pd_source_spec_describe   (const PdSourceSpec *spec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PdSourceSpec, pd_source_spec_free)

G_END_DECLS
