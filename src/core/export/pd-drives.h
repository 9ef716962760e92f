/* pd-drives.h — optical drives for export: a libburn scan with each drive's media state and free space. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum {
  PD_DRIVE_MEDIA_NONE,       /* no disc, or one that cannot be read yet */
  PD_DRIVE_MEDIA_BLANK,      /* a blank disc: an export can be burned */
  PD_DRIVE_MEDIA_APPENDABLE, /* written, not closed: not for evidence (it is refused) */
  PD_DRIVE_MEDIA_CLOSED,     /* written and closed (full) */
  PD_DRIVE_MEDIA_UNKNOWN,
} PdDriveMedia;

/* One drive found by the scan. Read-only for callers. */
typedef struct
{
  char         *address;    /* for pd_export_new (PD_EXPORT_TARGET_DISC, …): "/dev/sr0" */
  char         *name;       /* "VENDOR PRODUCT" */
  char         *profile;    /* the media profile, e.g. "DVD+R", or "" */
  PdDriveMedia  media;
  guint64       capacity;   /* bytes free for writing, 0 when unknown or not writable */
  gboolean      can_write;
} PdDrive;

void     pd_drive_free       (PdDrive *drive);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PdDrive, pd_drive_free)

/* Scans the optical drives and asks each for its media. Blocks (seconds on real hardware);
 * returns an array of PdDrive*, empty when there are none. */
GPtrArray *pd_drives_scan        (GError **error);
void       pd_drives_scan_async  (GCancellable *cancellable, GAsyncReadyCallback callback,
                                  gpointer user_data);
GPtrArray *pd_drives_scan_finish (GAsyncResult *result, GError **error);

G_END_DECLS
