/* pd-maintenance.h — what the app does in the background so no recording is lost: recover
 * captures left unfinished by a crash, and stamp packages that wait for a timestamp, retrying
 * with back-off while the authority is unreachable. */
#pragma once

#include <gio/gio.h>

#include "util/pd-types.h"

G_BEGIN_DECLS

#define PD_TYPE_MAINTENANCE (pd_maintenance_get_type ())
G_DECLARE_FINAL_TYPE (PdMaintenance, pd_maintenance, PD, MAINTENANCE, GObject)

/* `catalog_path` NULL = the default catalog; the worker opens its own connection. */
PdMaintenance *pd_maintenance_new          (const char *evidence_root, const char *tsa_url,
                                            const char *catalog_path);
/* First retry after `seconds`, doubling up to `max_seconds` (defaults 30 s and 30 min). */
void           pd_maintenance_set_backoff  (PdMaintenance *self, guint seconds, guint max_seconds);
/* Recovers every unfinished capture, then stamps every waiting package; reschedules itself
 * while some still wait. Signals are emitted on the thread-default context of the caller. */
void           pd_maintenance_start        (PdMaintenance *self);
void           pd_maintenance_stop         (PdMaintenance *self);
/* Seconds until the next stamping attempt, 0 if none is scheduled. */
guint          pd_maintenance_get_next_retry (PdMaintenance *self);

G_END_DECLS
